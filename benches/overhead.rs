//! What the crate costs a caller, measured against the crate's fake server on
//! loopback (one agent, keep-alive):
//!
//! 1. `per_call::{krate, raw}` per vendor — each vendor's download function vs a
//!    hand-written raw ureq + serde_json call making the same request and decoding
//!    the same reply (`benches/common`). The ratio of the two medians is the
//!    crate's overhead; `benches/ratio.rs` measures the same pairs interleaved,
//!    which keeps the machine's drift out of the ratio.
//! 2. `decode::*` — typed decode vs decoding the same bytes into `serde_json::Value`
//!    (a Cloudreve reply with 3000 URLs, a KooDrive reply with 100 downloads).
//!    Both sides include building owned values; the typed side also checks every
//!    link and parses its expiry.
//! 3. `koodrive_signing` — the app signature of one request.
//! 4. `koodrive_batch_250` — 250 ids end to end (3 calls, merged).
//!
//! Run: `cargo bench --all-features --bench overhead`.
//!
//! divan rather than criterion: it needs a handful of small crates instead of
//! criterion's ~40 (plotters, rayon, …), builds in seconds, and reports the median
//! per benchmark, which is what the ratios are computed from.

mod common;

use common::{env, koodrive_config, raw_koodrive_authorization, x_date, VENDORS};
use divan::{black_box, Bencher};
use download_url::{cloudreve, koodrive};

fn main() {
    divan::main();
}

mod per_call {
    use super::*;

    #[divan::bench(args = VENDORS)]
    fn krate(b: Bencher, vendor: &str) {
        let (krate, _) = common::pair(vendor);
        b.bench_local(krate);
    }

    #[divan::bench(args = VENDORS)]
    fn raw(b: Bencher, vendor: &str) {
        let (_, raw) = common::pair(vendor);
        b.bench_local(raw);
    }
}

#[divan::bench]
fn koodrive_signing(b: Bencher) {
    let body = br#"{"containerId":"IAADfsBFCO6WtAtuA9add2fea594e4e75b8feb8474ef236","fileIds":["Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ"]}"#;
    let date = x_date();
    b.bench(|| {
        raw_koodrive_authorization(
            black_box("intl.myhuaweicloud-koodrive.com"),
            black_box(&date),
            black_box(body),
        )
    });
}

#[divan::bench(sample_count = 30)]
fn koodrive_batch_250(b: Bencher) {
    let env = env();
    let config = koodrive_config();
    let ids: Vec<String> = (0..250).map(|i| format!("f{i:03}")).collect();
    let request = koodrive::Request::new(download_url::fake::KOODRIVE_CONTAINER_ID, ids);
    b.bench(|| {
        let batch = koodrive::download_links(&env.agent, &config, &request).expect("links");
        assert_eq!(batch.links.len(), 250);
        batch
    });
}

mod decode {
    use super::*;
    use download_url::decode::{self as wire, RawReply};

    fn cloudreve_body() -> (Vec<u8>, cloudreve::Request) {
        let uris: Vec<String> = (0..3000)
            .map(|i| cloudreve::my_uri(&format!("Music/track {i}.mp3")))
            .collect();
        let urls: Vec<serde_json::Value> = (0..3000)
            .map(|i| {
                serde_json::json!({
                    "url": format!("https://cloud.example.com/api/v4/file/content/Dpr{i}/0/track%20{i}.mp3?download=true&sign=btoUMo1Z3K-i-zvUZ_YfCOr92up-tJXBrtJ4Fr-Zbfs%3D%3A1749528415")
                })
            })
            .collect();
        let body = serde_json::json!({
            "code": 0,
            "msg": "",
            "data": {"urls": urls, "expires": "2025-06-10T12:06:55.011624+08:00"},
        });
        (
            serde_json::to_vec(&body).expect("json"),
            cloudreve::Request::new(uris),
        )
    }

    fn koodrive_body() -> Vec<u8> {
        let downloads: Vec<serde_json::Value> = (0..100)
            .map(|i| {
                serde_json::json!({
                    "fileId": format!("Fn1bTLIOomJkTCAe9DEVBRY4U6Ikuq{i:03}"),
                    "url": format!("https://b10-obs.example.cn/5e3fc0c5d4fa45338f44db71775{i:03}?response-content-disposition=attachment%3B%20filename%3D%22f{i}.pdf%22&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20231227T072939Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Credential=MKRISPBZAJWFHNBJ5WLB%2F20231227%2Fcidc-rp-2006%2Fs3%2Faws4_request&X-Amz-Signature=9d06798af17e2f1082b720f43af29a32b3154da4ddeee4f10025a758b599728a"),
                    "fileName": format!("Invoice {i}.pdf"),
                    "code": "0",
                    "msg": "success",
                })
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({"downloads": downloads, "batchCode": 1, "code": 0, "msg": "Success."}))
            .expect("json")
    }

    #[divan::bench]
    fn cloudreve_3000_typed(b: Bencher) {
        let (body, request) = cloudreve_body();
        b.bench(|| {
            let urls =
                wire::cloudreve(&RawReply::new(200, black_box(&body)), &request).expect("decode");
            assert_eq!(urls.links.len(), 3000);
            urls
        });
    }

    #[divan::bench]
    fn cloudreve_3000_value(b: Bencher) {
        let (body, _) = cloudreve_body();
        b.bench(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).expect("decode"));
    }

    #[divan::bench]
    fn koodrive_100_typed(b: Bencher) {
        let body = koodrive_body();
        let ids: Vec<String> = (0..100)
            .map(|i| format!("Fn1bTLIOomJkTCAe9DEVBRY4U6Ikuq{i:03}"))
            .collect();
        b.bench(|| {
            let batch =
                wire::koodrive(&RawReply::new(200, black_box(&body)), &ids).expect("decode");
            assert_eq!(batch.links.len(), 100);
            batch
        });
    }

    #[divan::bench]
    fn koodrive_100_value(b: Bencher) {
        let body = koodrive_body();
        b.bench(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).expect("decode"));
    }
}
