//! reqwest::blocking against the crate and raw ureq, per vendor: the same request
//! and reply, the calls interleaved in blocks (crate, ureq defaults, reqwest,
//! then the reverse) against download-url's fake server in a child process.
//!
//! Run by hand, from this directory (not part of download-url's workspace, not
//! built by CI):
//!
//! ```sh
//! cargo run --release -- [calls per side]   # default 3000
//! cargo run --release -- only <vendor> <crate|defaults|reqwest> <calls>
//! ```
//!
//! The `only` form makes the calls of one side only, to time whole processes
//! side by side (`perf stat -e task-clock`, `/usr/bin/time`); with
//! `DLURL_BENCH_SERVER` set to the base URL of a running fake (`ratio serve`,
//! from download-url's `benches/ratio.rs`), the process is the client alone.
//!
//! Wall: median per call. CPU: this process's `utime + stime`
//! (`/proc/self/stat`, every thread: reqwest::blocking runs its tokio runtime
//! on a thread of its own, so the calling thread's time alone would not be
//! comparable), per call; clock ticks of 10 ms, so give more calls for a finer
//! figure.

#[path = "../../common/mod.rs"]
mod common;

use common::{env, interleave, ratio, us, Call, Side};
use download_url::{fake, kie};
use serde::Deserialize;

fn main() {
    common::serve_if_asked();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let calls: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(3000);
    let (_server, _) = common::server_from_env_or_spawn();
    let client: &'static reqwest::blocking::Client =
        Box::leak(Box::new(reqwest::blocking::Client::new()));
    // `only <vendor> <crate|defaults|reqwest> <n>`: n calls of one side, for
    // timing whole processes side by side.
    if let [only, vendor, side, n] = &args[..] {
        if only == "only" {
            let mut call = match side.as_str() {
                "crate" => common::call(vendor, Side::Krate),
                "defaults" => common::call(vendor, Side::Defaults),
                "reqwest" => reqwest_call(vendor, client, &env().base_url),
                other => panic!("no side {other}"),
            };
            for _ in 0..n.parse::<usize>().expect("a call count") {
                std::hint::black_box(call());
            }
            return;
        }
    }
    println!("{calls} calls per side, interleaved; wall median and process CPU per call");
    println!(
        "{:<12} {:>10} {:>10} {:>10} {:>8} | {:>10} {:>10} {:>10} {:>8}",
        "",
        "crate",
        "defaults",
        "reqwest",
        "r/crate",
        "CPU crate",
        "CPU dflt",
        "CPU reqw",
        "r/crate"
    );
    for vendor in common::VENDORS {
        let sides = vec![
            common::call(vendor, Side::Krate),
            common::call(vendor, Side::Defaults),
            reqwest_call(vendor, client, &env().base_url),
        ];
        let r = interleave(sides, calls);
        println!(
            "{vendor:<12} {:>10} {:>10} {:>10} {:>8.3} | {:>10} {:>10} {:>10} {:>8.3}",
            us(r[0].wall.median),
            us(r[1].wall.median),
            us(r[2].wall.median),
            ratio(r[2].wall.median, r[0].wall.median),
            us(r[0].process_cpu),
            us(r[1].process_cpu),
            us(r[2].process_cpu),
            ratio(r[2].process_cpu, r[0].process_cpu),
        );
    }
}

const KIE_FILE: &str = "https://tempfile.aiquickdraw.com/a.png";
const BV_ID: &str = "63df97e3-519b-4426-bf01-d1841cdc2ccd";

fn read<T: serde::de::DeserializeOwned>(
    response: reqwest::Result<reqwest::blocking::Response>,
) -> T {
    let bytes = response.expect("send").bytes().expect("body");
    serde_json::from_slice(&bytes).expect("decode")
}

#[derive(Deserialize)]
struct Kie {
    code: i64,
    data: String,
}

#[derive(Deserialize)]
struct Datalab {
    download_url: String,
}

#[derive(Deserialize)]
struct CloudreveUrl {
    url: String,
}
#[derive(Deserialize)]
#[allow(dead_code)]
struct CloudreveData {
    urls: Vec<CloudreveUrl>,
    expires: Option<String>,
}
#[derive(Deserialize)]
struct Cloudreve {
    code: i64,
    data: CloudreveData,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BlendVision {
    id: String,
    download_uri: String,
    download_filename: String,
    #[serde(with = "time::serde::rfc3339")]
    expiration_time: time::OffsetDateTime,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KooDriveItem {
    url: String,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KooDrive {
    code: i64,
    batch_code: i64,
    downloads: Vec<KooDriveItem>,
}

/// The hand-written reqwest::blocking call for `vendor`.
fn reqwest_call(vendor: &str, client: &'static reqwest::blocking::Client, base: &str) -> Call {
    let base = base.to_owned();
    match vendor {
        "kie" => {
            let url = format!("{base}{}", kie::PATH);
            let auth = format!("Bearer {}", fake::KIE_API_KEY);
            Box::new(move || {
                let body = serde_json::to_vec(&serde_json::json!({ "url": KIE_FILE })).unwrap();
                let raw: Kie = read(
                    client
                        .post(&url)
                        .header("authorization", &auth)
                        .header("content-type", "application/json")
                        .body(body)
                        .send(),
                );
                assert_eq!(raw.code, 200);
                raw.data.len()
            })
        }
        "datalab" => {
            let url = format!("{base}/api/v1/files/42/download");
            Box::new(move || {
                let raw: Datalab = read(
                    client
                        .get(&url)
                        .header("x-api-key", fake::DATALAB_API_KEY)
                        .send(),
                );
                raw.download_url.len()
            })
        }
        "cloudreve" => {
            let url = format!("{base}/api/v4/file/url");
            let auth = format!("Bearer {}", fake::CLOUDREVE_TOKEN);
            Box::new(move || {
                let body = serde_json::to_vec(
                    &serde_json::json!({ "uris": ["cloudreve://my/The%20Man.mp3"] }),
                )
                .unwrap();
                let raw: Cloudreve = read(
                    client
                        .post(&url)
                        .header("authorization", &auth)
                        .header("content-type", "application/json")
                        .body(body)
                        .send(),
                );
                assert_eq!(raw.code, 0);
                raw.data.urls.iter().map(|u| u.url.len()).sum()
            })
        }
        "blendvision" => {
            let url = format!("{base}/bv/cms/v1/library/files/{BV_ID}:download");
            let auth = format!("Bearer {}", fake::BLENDVISION_API_TOKEN);
            Box::new(move || {
                let raw: BlendVision = read(
                    client
                        .post(&url)
                        .header("authorization", &auth)
                        .header("x-bv-org-id", fake::BLENDVISION_ORG_ID)
                        .header("content-type", "application/json")
                        .body(&b"{}"[..])
                        .send(),
                );
                raw.download_uri.len()
            })
        }
        "koodrive" => {
            let host = base.trim_start_matches("http://").to_owned();
            let url = format!("{base}/koodrive/ose/v1/files/download");
            Box::new(move || {
                let body = serde_json::to_vec(&serde_json::json!({
                    "containerId": fake::KOODRIVE_CONTAINER_ID,
                    "fileIds": [fake::KOODRIVE_FILE_ID],
                }))
                .unwrap();
                let date = common::x_date();
                let auth = common::raw_koodrive_authorization(&host, &date, &body);
                let raw: KooDrive = read(
                    client
                        .post(&url)
                        .header("authorization", &auth)
                        .header("host", &host)
                        .header("x-date", &date)
                        .header("x-user-id", fake::KOODRIVE_USER_ID)
                        .header("language", "en-US")
                        .header("content-type", "application/json")
                        .body(body)
                        .send(),
                );
                assert_eq!((raw.code, raw.batch_code), (0, 1));
                raw.downloads.iter().map(|d| d.url.len()).sum()
            })
        }
        other => panic!("no vendor {other}"),
    }
}
