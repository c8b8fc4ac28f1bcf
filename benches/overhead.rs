//! Per-call cost of the crate over a hand-written raw ureq + serde_json call, against
//! the crate's fake server on loopback (one agent, keep-alive), plus decode and
//! signing costs.
//!
//! Run: `cargo bench --all-features --bench overhead`. Compare the `crate` and `raw`
//! medians of each vendor group: their ratio is the crate's overhead.

use divan::Bencher;
use download_url::fake::{self, FakeServer};
use serde::Deserialize;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

struct Env {
    server: FakeServer,
    agent: ureq::Agent,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| Env {
        server: FakeServer::start().expect("fake server"),
        agent: download_url::agent(),
    })
}

const KIE_FILE: &str = "https://tempfile.aiquickdraw.com/a.png";

mod kie {
    use super::*;
    use download_url::kie;

    #[derive(Deserialize)]
    struct Raw {
        code: i64,
        #[allow(dead_code)]
        msg: String,
        data: String,
    }

    #[divan::bench]
    fn krate(b: Bencher) {
        let env = env();
        let mut config = kie::Config::new(fake::KIE_API_KEY);
        config.base_url = env.server.base_url();
        b.bench(|| kie::download_url(&env.agent, &config, KIE_FILE).expect("link"));
    }

    #[divan::bench]
    fn raw(b: Bencher) {
        let env = env();
        let url = format!("{}{}", env.server.base_url(), kie::PATH);
        let auth = format!("Bearer {}", fake::KIE_API_KEY);
        let body = serde_json::to_vec(&serde_json::json!({ "url": KIE_FILE })).expect("json");
        b.bench(|| {
            let mut response = env
                .agent
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .send(&body[..])
                .expect("send");
            let bytes = response.body_mut().read_to_vec().expect("body");
            let raw: Raw = serde_json::from_slice(&bytes).expect("decode");
            assert_eq!(raw.code, 200);
            raw.data
        });
    }
}

mod datalab {
    use super::*;
    use download_url::datalab;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Raw {
        download_url: String,
        expires_in: u64,
        file_id: u64,
        original_filename: String,
    }

    #[divan::bench]
    fn krate(b: Bencher) {
        let env = env();
        let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
        config.base_url = env.server.base_url();
        let request = datalab::Request::new(42);
        b.bench(|| datalab::download_url(&env.agent, &config, &request).expect("link"));
    }

    #[divan::bench]
    fn raw(b: Bencher) {
        let env = env();
        let url = format!("{}/api/v1/files/42/download", env.server.base_url());
        b.bench(|| {
            let mut response = env
                .agent
                .get(&url)
                .header("x-api-key", fake::DATALAB_API_KEY)
                .call()
                .expect("send");
            let bytes = response.body_mut().read_to_vec().expect("body");
            let raw: Raw = serde_json::from_slice(&bytes).expect("decode");
            raw.download_url
        });
    }
}
