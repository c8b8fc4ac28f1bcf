//! What both bench targets share: the fake server, one keep-alive agent, and per
//! vendor a pair of calls making the same request and decoding the same reply —
//! one through the crate, one hand-written with raw ureq + serde_json.

#![allow(dead_code)] // each bench target uses its own part

use std::sync::OnceLock;

use download_url::fake::{self, FakeServer, KooDriveFile};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive, Secret};
use serde::Deserialize;

/// The fake server (all five vendors, 250 KooDrive files) and one agent.
pub struct Env {
    pub server: FakeServer,
    pub agent: ureq::Agent,
}

pub fn env() -> &'static Env {
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

pub const VENDORS: [&str; 5] = ["kie", "datalab", "cloudreve", "blendvision", "koodrive"];

/// One call; returns a number derived from the reply so nothing is optimised away.
pub type Call = Box<dyn FnMut() -> usize>;

/// The crate's and the raw call for `vendor` (one of [`VENDORS`]).
pub fn pair(vendor: &str) -> (Call, Call) {
    match vendor {
        "kie" => (kie_krate(), kie_raw()),
        "datalab" => (datalab_krate(), datalab_raw()),
        "cloudreve" => (cloudreve_krate(), cloudreve_raw()),
        "blendvision" => (blendvision_krate(), blendvision_raw()),
        "koodrive" => (koodrive_krate(), koodrive_raw()),
        other => panic!("no vendor {other}"),
    }
}

const KIE_FILE: &str = "https://tempfile.aiquickdraw.com/a.png";
const BV_ID: &str = "63df97e3-519b-4426-bf01-d1841cdc2ccd";

pub fn koodrive_config() -> koodrive::Config {
    let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    config.base_url = env().server.base_url();
    config
}

/// The raw side's KooDrive signature, computed with `ring` the same way.
pub fn raw_koodrive_authorization(host: &str, date: &str, body: &[u8]) -> String {
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

pub fn x_date() -> String {
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

/// What a hand-written caller does with the reply: read the body, decode it.
fn read_json<T: serde::de::DeserializeOwned>(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> T {
    let bytes = response
        .expect("send")
        .body_mut()
        .read_to_vec()
        .expect("body");
    serde_json::from_slice(&bytes).expect("decode")
}

#[derive(Deserialize)]
struct RawKie {
    code: i64,
    data: String,
}

fn kie_krate() -> Call {
    let env = env();
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = env.server.base_url();
    Box::new(move || {
        let link = kie::download_link(&env.agent, &config, KIE_FILE).expect("link");
        link.url.len()
    })
}

fn kie_raw() -> Call {
    let env = env();
    let url = format!("{}{}", env.server.base_url(), kie::PATH);
    let auth = format!("Bearer {}", fake::KIE_API_KEY);
    Box::new(move || {
        let body = serde_json::to_vec(&serde_json::json!({ "url": KIE_FILE })).expect("json");
        let raw: RawKie = read_json(
            env.agent
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .send(&body[..]),
        );
        assert_eq!(raw.code, 200);
        raw.data.len()
    })
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawDatalab {
    download_url: String,
    expires_in: u64,
    file_id: u64,
    original_filename: String,
}

fn datalab_krate() -> Call {
    let env = env();
    let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
    config.base_url = env.server.base_url();
    let request = datalab::Request::new(42);
    Box::new(move || {
        let link = datalab::download_link(&env.agent, &config, &request).expect("link");
        link.url.len()
    })
}

fn datalab_raw() -> Call {
    let env = env();
    let url = format!("{}/api/v1/files/42/download", env.server.base_url());
    Box::new(move || {
        let raw: RawDatalab = read_json(
            env.agent
                .get(&url)
                .header("x-api-key", fake::DATALAB_API_KEY)
                .call(),
        );
        raw.download_url.len()
    })
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

fn cloudreve_krate() -> Call {
    let env = env();
    let mut config = cloudreve::Config::new(env.server.base_url());
    config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
    Box::new(move || {
        let urls = cloudreve::download_links(&env.agent, &config, &request).expect("links");
        urls.links.len()
    })
}

fn cloudreve_raw() -> Call {
    let env = env();
    let url = format!("{}/api/v4/file/url", env.server.base_url());
    let auth = format!("Bearer {}", fake::CLOUDREVE_TOKEN);
    Box::new(move || {
        let body =
            serde_json::to_vec(&serde_json::json!({ "uris": ["cloudreve://my/The%20Man.mp3"] }))
                .expect("json");
        let raw: RawCloudreve = read_json(
            env.agent
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .send(&body[..]),
        );
        assert_eq!(raw.code, 0);
        raw.data.urls.iter().map(|u| u.url.len()).sum()
    })
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

fn blendvision_krate() -> Call {
    let env = env();
    let mut config =
        blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    config.base_url = env.server.base_url();
    Box::new(move || {
        let link = blendvision::download_link(&env.agent, &config, BV_ID).expect("link");
        link.url.len()
    })
}

fn blendvision_raw() -> Call {
    let env = env();
    let url = format!(
        "{}/bv/cms/v1/library/files/{BV_ID}:download",
        env.server.base_url()
    );
    let auth = format!("Bearer {}", fake::BLENDVISION_API_TOKEN);
    Box::new(move || {
        let raw: RawBlendVision = read_json(
            env.agent
                .post(&url)
                .header("authorization", &auth)
                .header("x-bv-org-id", fake::BLENDVISION_ORG_ID)
                .header("content-type", "application/json")
                .send(&b"{}"[..]),
        );
        raw.download_uri.len()
    })
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

fn koodrive_krate() -> Call {
    let env = env();
    let config = koodrive_config();
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    Box::new(move || {
        let batch = koodrive::download_links(&env.agent, &config, &request).expect("links");
        batch.links.len()
    })
}

fn koodrive_raw() -> Call {
    let env = env();
    let base = env.server.base_url();
    let host = base.trim_start_matches("http://").to_owned();
    let url = format!("{base}/koodrive/ose/v1/files/download");
    Box::new(move || {
        let body = serde_json::to_vec(&serde_json::json!({
            "containerId": fake::KOODRIVE_CONTAINER_ID,
            "fileIds": [fake::KOODRIVE_FILE_ID],
        }))
        .expect("json");
        let date = x_date();
        let auth = raw_koodrive_authorization(&host, &date, &body);
        let raw: RawKooDrive = read_json(
            env.agent
                .post(&url)
                .header("authorization", &auth)
                .header("host", &host)
                .header("x-date", &date)
                .header("x-user-id", fake::KOODRIVE_USER_ID)
                .header("language", "en-US")
                .header("content-type", "application/json")
                .send(&body[..]),
        );
        assert_eq!((raw.code, raw.batch_code), (0, 1));
        raw.downloads.iter().map(|d| d.url.len()).sum()
    })
}
