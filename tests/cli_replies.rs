//! How `dlurl` shows the vendor-shaped replies of the fake's presets: retries
//! under the vendor's documented policy, answers a batch reply cannot attribute
//! to an asked item, and a Cloudreve batch refused per URI.
#![cfg(all(
    feature = "cli",
    feature = "fake",
    feature = "kie",
    feature = "cloudreve",
    feature = "koodrive"
))]

mod common;

use common::{dlurl, Run};
use download_url::fake::presets::{
    cloudreve as cr_preset, kie as kie_preset, koodrive as kd_preset,
};
use download_url::fake::{
    FakeServer, CLOUDREVE_TOKEN, KIE_API_KEY, KOODRIVE_CONTAINER_ID, KOODRIVE_FILE_ID,
    KOODRIVE_TOKEN, KOODRIVE_USER_ID,
};
use download_url::Vendor;
use serde_json::Value;

const FILE: &str = "https://tempfile.aiquickdraw.com/a.png";

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text:?}"))
}

fn koodrive(server: &FakeServer, options: &[&str], ids: &[&str]) -> Run {
    let base = server.base_url();
    let mut args = options.to_vec();
    args.extend(["--base-url", &base, "koodrive", KOODRIVE_CONTAINER_ID]);
    args.extend(ids);
    dlurl(
        &args,
        &[
            ("KOODRIVE_USER_ID", KOODRIVE_USER_ID),
            ("KOODRIVE_TOKEN", KOODRIVE_TOKEN),
        ],
    )
}

fn cloudreve(server: &FakeServer, options: &[&str], uris: &[String]) -> Run {
    let base = server.base_url();
    let mut args = options.to_vec();
    args.extend(["--base-url", &base, "cloudreve"]);
    args.extend(uris.iter().map(String::as_str));
    dlurl(&args, &[("CLOUDREVE_TOKEN", CLOUDREVE_TOKEN)])
}

/// `--retries 2` against a kie.ai answering 503 with its JSON envelope: the
/// first attempt and two retries, no more (the kie.ai policy alone would make
/// four attempts), each wait the reply's `Retry-After`.
#[test]
fn retries_n_makes_n_plus_one_requests_under_the_vendor_policy() {
    let server = FakeServer::start().unwrap();
    for _ in 0..4 {
        server.push(Vendor::Kie, kie_preset::service_unavailable());
    }
    let base = server.base_url();
    let env = [("KIE_API_KEY", KIE_API_KEY)];
    let run = dlurl(&["--retries", "2", "--base-url", &base, "kie", FILE], &env);
    assert_eq!(run.code, 1, "the vendor's refusal: {run:?}");
    assert!(run.stderr.contains("503"), "{run:?}");
    assert_eq!(server.requests().len(), 3, "{run:?}");

    // The 4th 503 is still queued: without --retries, one request and no retry.
    let run = dlurl(&["--base-url", &base, "kie", FILE], &env);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(server.requests().len(), 4, "{run:?}");

    // A 503 then the link: one retry is enough.
    server.push(Vendor::Kie, kie_preset::service_unavailable());
    let run = dlurl(&["--retries", "1", "--base-url", &base, "kie", FILE], &env);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 6, "{run:?}");
}

/// The help says whose waits `--retries` uses.
#[test]
fn help_names_the_vendor_retry_policy() {
    let run = dlurl(&["help"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let text = &run.stdout;
    assert!(text.contains("--retries N"), "{text}");
    assert!(text.contains("Retry-After"), "{text}");
    for vendor in ["kie", "datalab", "cloudreve", "blendvision", "koodrive"] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(vendor) && l.contains("Retry-After")),
            "no policy line for {vendor}: {text}"
        );
    }
    assert!(text.contains("unattributed"), "{text}");
}

/// A KooDrive reply naming an id that was not asked for: the asked links are
/// printed, the stranger is shown apart, the exit code is that of the asked items.
#[test]
fn an_unasked_koodrive_id_is_shown_apart_and_the_asked_links_kept() {
    let server = FakeServer::start().unwrap();
    let ids = [KOODRIVE_FILE_ID, "file-2"];
    let stranger = "stranger-9";

    server.push(Vendor::KooDrive, kd_preset::unasked_id(&ids, stranger));
    let run = koodrive(&server, &[], &ids);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 2, "{run:?}");
    assert!(!run.stdout.contains(stranger), "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(lines[0].starts_with("dlurl: not attributed: "), "{run:?}");
    assert!(lines[0].contains(stranger), "{run:?}");

    server.push(Vendor::KooDrive, kd_preset::unasked_id(&ids, stranger));
    let run = koodrive(&server, &["--json"], &ids);
    assert_eq!(run.code, 0, "{run:?}");
    let value = json(&run.stdout);
    assert_eq!(value["links"].as_array().unwrap().len(), 2, "{value}");
    assert_eq!(value["failures"].as_array().unwrap().len(), 0, "{value}");
    let unattributed = value["unattributed"].as_array().unwrap();
    assert_eq!(unattributed.len(), 1, "{value}");
    assert_eq!(unattributed[0]["vendor"], "koodrive", "{value}");
    assert_eq!(unattributed[0]["item"], stranger, "{value}");
    assert!(
        unattributed[0]["answer"]["link"]["url"].is_string(),
        "{value}"
    );

    server.push(Vendor::KooDrive, kd_preset::unasked_id(&ids, stranger));
    let run = koodrive(&server, &["--jsonl"], &ids);
    assert_eq!(run.code, 0, "{run:?}");
    let objects: Vec<Value> = run.stdout.lines().map(json).collect();
    assert_eq!(objects.len(), 3, "{run:?}");
    assert!(
        objects[..2].iter().all(|o| o.get("link").is_some()),
        "{run:?}"
    );
    assert_eq!(objects[2]["unattributed"]["item"], stranger, "{run:?}");
}

/// A KooDrive failure entry without `fileId` that no asked item can take: kept
/// with its code and message, the exit code unchanged.
#[test]
fn a_koodrive_failure_without_file_id_is_shown_with_its_code() {
    let server = FakeServer::start().unwrap();
    let ids = [KOODRIVE_FILE_ID];

    server.push(Vendor::KooDrive, kd_preset::failure_without_file_id(&ids));
    let run = koodrive(&server, &[], &ids);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(lines[0].starts_with("dlurl: not attributed: "), "{run:?}");
    assert!(lines[0].contains("13000302"), "{run:?}");

    server.push(Vendor::KooDrive, kd_preset::failure_without_file_id(&ids));
    let run = koodrive(&server, &["--json"], &ids);
    assert_eq!(run.code, 0, "{run:?}");
    let value = json(&run.stdout);
    let unattributed = value["unattributed"].as_array().unwrap();
    assert_eq!(unattributed.len(), 1, "{value}");
    assert!(unattributed[0]["item"].is_null(), "{value}");
    let failed = &unattributed[0]["answer"]["failed"];
    assert_eq!(failed["kind"], "refused", "{value}");
    assert_eq!(failed["code"], "13000302", "{value}");

    server.push(Vendor::KooDrive, kd_preset::failure_without_file_id(&ids));
    let run = koodrive(&server, &["--jsonl"], &ids);
    assert_eq!(run.code, 0, "{run:?}");
    let objects: Vec<Value> = run.stdout.lines().map(json).collect();
    assert_eq!(objects.len(), 2, "{run:?}");
    assert_eq!(
        objects[1]["unattributed"]["answer"]["failed"]["code"], "13000302",
        "{run:?}"
    );

    // Without any: `--json` still has the (empty) array.
    let run = koodrive(&server, &["--json"], &ids);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        json(&run.stdout)["unattributed"],
        serde_json::json!([]),
        "{run:?}"
    );
}

fn uris() -> Vec<String> {
    [
        "The Man.mp3",
        "Taylor Swift - Guilty as Sin.mp3",
        "遠野ひかる - LOVE 2000.mp3",
    ]
    .iter()
    .map(|p| download_url::cloudreve::my_uri(p))
    .collect()
}

/// A 40081 naming one URI: its failure once (stderr or `failures`), the other
/// links printed, exit 4.
#[test]
fn a_cloudreve_uri_refused_in_a_batch_is_reported_once() {
    let server = FakeServer::start().unwrap();
    let uris = uris();
    let refused = [(uris[1].as_str(), 40077, "Entity not exist")];

    server.push(Vendor::Cloudreve, cr_preset::batch_refused(&refused));
    let run = cloudreve(&server, &[], &uris);
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 2, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert_eq!(run.stderr.matches("40077").count(), 1, "{run:?}");
    assert!(run.stderr.starts_with("dlurl: failed: "), "{run:?}");

    server.push(Vendor::Cloudreve, cr_preset::batch_refused(&refused));
    let run = cloudreve(&server, &["--json"], &uris);
    assert_eq!(run.code, 4, "{run:?}");
    let value = json(&run.stdout);
    assert_eq!(value["links"].as_array().unwrap().len(), 2, "{value}");
    let failures = value["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{value}");
    assert_eq!(failures[0]["item"], uris[1].as_str(), "{value}");
    assert_eq!(failures[0]["reason"]["code"], 40077, "{value}");
    assert!(value.get("error").is_none(), "{value}");
    assert_eq!(run.stdout.matches("40077").count(), 1, "{value}");
}

/// A 40081 whose every URI got 401 fails the call as a whole: plain output
/// names each URI's code once; `--json`'s error object carries them too.
#[test]
fn a_cloudreve_batch_refused_as_a_whole_keeps_its_per_uri_codes() {
    let server = FakeServer::start().unwrap();
    let uris = uris();
    let refused: Vec<(&str, i64, &str)> = uris
        .iter()
        .map(|u| (u.as_str(), 401, "Login required"))
        .collect();

    server.push(Vendor::Cloudreve, cr_preset::batch_refused(&refused));
    let run = cloudreve(&server, &[], &uris);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    for uri in &uris {
        let shown = download_url::cloudreve::redact_uri(uri);
        assert_eq!(
            run.stderr
                .lines()
                .filter(|l| l.contains(shown.as_str()) && l.contains("401"))
                .count(),
            1,
            "{uri}: {run:?}"
        );
    }

    server.push(Vendor::Cloudreve, cr_preset::batch_refused(&refused));
    let run = cloudreve(&server, &["--json"], &uris);
    assert_eq!(run.code, 1, "{run:?}");
    let value = json(&run.stdout);
    let error = &value["error"];
    assert_eq!(error["code"], 40081, "{value}");
    let items = error["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{value}"));
    assert_eq!(items.len(), uris.len(), "{value}");
    for item in items {
        assert_eq!(item["code"], 401, "{value}");
        assert!(item["item"].is_string(), "{value}");
        assert_eq!(item["message"], "Login required", "{value}");
    }
}
