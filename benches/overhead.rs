//! What the crate costs a caller, measured against the crate's fake server on
//! loopback (one agent, keep-alive):
//!
//! 1. `per_call::<vendor>::{krate, raw}` — each vendor's download function vs a
//!    hand-written raw ureq + serde_json call making the same request and decoding
//!    the same reply. The ratio of the two medians is the crate's overhead.
//! 2. `decode::*` — typed decode vs decoding the same bytes into `serde_json::Value`
//!    (a Cloudreve reply with 3000 URLs, a KooDrive reply with 100 downloads).
//! 3. `koodrive_signing` — the app signature of one request.
//!    Both sides include building owned values; the typed side also parses every
//!    link's expiry.
//! 4. `koodrive_batch_250` — 250 ids end to end (3 calls, merged).
//!
//! Run: `cargo bench --all-features --bench overhead`.
//!
//! divan rather than criterion: it needs a handful of small crates instead of
//! criterion's ~40 (plotters, rayon, …), builds in seconds, and reports the median
//! per benchmark, which is what the ratios are computed from.

use std::sync::OnceLock;

use divan::{black_box, Bencher};
use download_url::fake::{self, FakeServer, KooDriveFile};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive, Secret};
use serde::Deserialize;

fn main() {
    divan::main();
}

struct Env {
    server: FakeServer,
    agent: ureq::Agent,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let server = FakeServer::start().expect("fake server");
        let files: Vec<KooDriveFile> = (0..250)
            .map(|i| {
                KooDriveFile::new(
                    fake::KOODRIVE_CONTAINER_ID,
                    &format!("f{i:03}"),
                    &format!("f{i:03}.bin"),
                )
            })
            .collect();
        server.configure(|s| s.koodrive.files.extend(files));
        Env {
            server,
            agent: download_url::agent(),
        }
    })
}

const KIE_FILE: &str = "https://tempfile.aiquickdraw.com/a.png";
const BV_ID: &str = "63df97e3-519b-4426-bf01-d1841cdc2ccd";

fn koodrive_config() -> koodrive::Config {
    let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    config.base_url = env().server.base_url();
    config
}

/// The raw side's KooDrive signature, computed with `ring` the same way.
fn raw_koodrive_authorization(host: &str, date: &str, body: &[u8]) -> String {
    let headers = [
        ("host", host),
        ("x-date", date),
        ("x-user-id", fake::KOODRIVE_USER_ID),
    ];
    let canonical = koodrive::canonical_request(
        "POST",
        "/koodrive/ose/v1/files/download",
        "",
        &headers,
        body,
    );
    let signature = koodrive::signature(
        &Secret::new(fake::KOODRIVE_APP_SECRET),
        &koodrive::string_to_sign(&canonical),
    );
    koodrive::authorization(fake::KOODRIVE_APP_ID, "host;x-date;x-user-id", &signature)
}

fn x_date() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

mod per_call {
    use super::*;

    #[derive(Deserialize)]
    struct RawKie {
        code: i64,
        data: String,
    }

    #[divan::bench]
    fn kie_krate(b: Bencher) {
        let env = env();
        let mut config = kie::Config::new(fake::KIE_API_KEY);
        config.base_url = env.server.base_url();
        b.bench(|| kie::download_url(&env.agent, &config, KIE_FILE).expect("link"));
    }

    #[divan::bench]
    fn kie_raw(b: Bencher) {
        let env = env();
        let url = format!("{}{}", env.server.base_url(), kie::PATH);
        let auth = format!("Bearer {}", fake::KIE_API_KEY);
        b.bench(|| {
            let body = serde_json::to_vec(&serde_json::json!({ "url": KIE_FILE })).expect("json");
            let mut response = env
                .agent
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .send(&body[..])
                .expect("send");
            let bytes = response.body_mut().read_to_vec().expect("body");
            let raw: RawKie = serde_json::from_slice(&bytes).expect("decode");
            assert_eq!(raw.code, 200);
            raw.data
        });
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct RawDatalab {
        download_url: String,
        expires_in: u64,
        file_id: u64,
        original_filename: String,
    }

    #[divan::bench]
    fn datalab_krate(b: Bencher) {
        let env = env();
        let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
        config.base_url = env.server.base_url();
        let request = datalab::Request::new(42);
        b.bench(|| datalab::download_url(&env.agent, &config, &request).expect("link"));
    }

    #[divan::bench]
    fn datalab_raw(b: Bencher) {
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
            let raw: RawDatalab = serde_json::from_slice(&bytes).expect("decode");
            raw.download_url
        });
    }

    #[derive(Deserialize)]
    struct RawCloudreveUrl {
        url: String,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct RawCloudreveData {
        urls: Vec<RawCloudreveUrl>,
        expires: Option<String>,
    }
    #[derive(Deserialize)]
    struct RawCloudreve {
        code: i64,
        data: RawCloudreveData,
    }

    #[divan::bench]
    fn cloudreve_krate(b: Bencher) {
        let env = env();
        let mut config = cloudreve::Config::new(env.server.base_url());
        config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
        let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
        b.bench(|| cloudreve::download_urls(&env.agent, &config, &request).expect("links"));
    }

    #[divan::bench]
    fn cloudreve_raw(b: Bencher) {
        let env = env();
        let url = format!("{}/api/v4/file/url", env.server.base_url());
        let auth = format!("Bearer {}", fake::CLOUDREVE_TOKEN);
        b.bench(|| {
            let body = serde_json::to_vec(
                &serde_json::json!({ "uris": ["cloudreve://my/The%20Man.mp3"] }),
            )
            .expect("json");
            let mut response = env
                .agent
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .send(&body[..])
                .expect("send");
            let bytes = response.body_mut().read_to_vec().expect("body");
            let raw: RawCloudreve = serde_json::from_slice(&bytes).expect("decode");
            assert_eq!(raw.code, 0);
            raw.data.urls.into_iter().map(|u| u.url).collect::<Vec<_>>()
        });
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct RawBlendVision {
        id: String,
        download_uri: String,
        download_filename: String,
        #[serde(with = "time::serde::rfc3339")]
        expiration_time: time::OffsetDateTime,
    }

    #[divan::bench]
    fn blendvision_krate(b: Bencher) {
        let env = env();
        let mut config =
            blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
        config.base_url = env.server.base_url();
        b.bench(|| blendvision::download_file(&env.agent, &config, BV_ID).expect("link"));
    }

    #[divan::bench]
    fn blendvision_raw(b: Bencher) {
        let env = env();
        let url = format!(
            "{}/bv/cms/v1/library/files/{BV_ID}:download",
            env.server.base_url()
        );
        let auth = format!("Bearer {}", fake::BLENDVISION_API_TOKEN);
        b.bench(|| {
            let mut response = env
                .agent
                .post(&url)
                .header("authorization", &auth)
                .header("x-bv-org-id", fake::BLENDVISION_ORG_ID)
                .header("content-type", "application/json")
                .send(&b"{}"[..])
                .expect("send");
            let bytes = response.body_mut().read_to_vec().expect("body");
            let raw: RawBlendVision = serde_json::from_slice(&bytes).expect("decode");
            raw.download_uri
        });
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct RawKooDriveItem {
        file_id: String,
        file_name: String,
        url: String,
        code: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RawKooDrive {
        code: i64,
        batch_code: i64,
        downloads: Vec<RawKooDriveItem>,
    }

    #[divan::bench]
    fn koodrive_krate(b: Bencher) {
        let env = env();
        let config = koodrive_config();
        let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
        b.bench(|| koodrive::download_urls(&env.agent, &config, &request).expect("links"));
    }

    #[divan::bench]
    fn koodrive_raw(b: Bencher) {
        let env = env();
        let base = env.server.base_url();
        let host = base.trim_start_matches("http://").to_owned();
        let url = format!("{base}/koodrive/ose/v1/files/download");
        b.bench(|| {
            let body = serde_json::to_vec(&serde_json::json!({
                "containerId": fake::KOODRIVE_CONTAINER_ID,
                "fileIds": [fake::KOODRIVE_FILE_ID],
            }))
            .expect("json");
            let date = x_date();
            let auth = raw_koodrive_authorization(&host, &date, &body);
            let mut response = env
                .agent
                .post(&url)
                .header("authorization", &auth)
                .header("host", &host)
                .header("x-date", &date)
                .header("x-user-id", fake::KOODRIVE_USER_ID)
                .header("language", "en-US")
                .header("content-type", "application/json")
                .send(&body[..])
                .expect("send");
            let bytes = response.body_mut().read_to_vec().expect("body");
            let raw: RawKooDrive = serde_json::from_slice(&bytes).expect("decode");
            assert_eq!((raw.code, raw.batch_code), (0, 1));
            raw.downloads.into_iter().map(|d| d.url).collect::<Vec<_>>()
        });
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
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids);
    b.bench(|| {
        let downloads = koodrive::download_urls(&env.agent, &config, &request).expect("links");
        assert_eq!(downloads.files.len(), 250);
        downloads
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
        b.bench(|| {
            let downloads = wire::koodrive(&RawReply::new(200, black_box(&body))).expect("decode");
            assert_eq!(downloads.files.len(), 100);
            downloads
        });
    }

    #[divan::bench]
    fn koodrive_100_value(b: Bencher) {
        let body = koodrive_body();
        b.bench(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).expect("decode"));
    }
}
