//! KooDrive's app signature against truth from outside the crate.
//!
//! `tests/data/koodrive_signing.json` is the output of
//! `tests/data/koodrive_signing.py`, a short script on Python's standard library
//! (`hmac`, `hashlib`, `urllib.parse`) written from the signing description in the
//! vendor notes, not from `src/koodrive/sign.rs`. The fake's verifier is a third
//! implementation (`src/fake/koodrive.rs`, `verifier`), checked against the same
//! file by its unit test.
//!
//! Mutations tried by hand on `src/koodrive/sign.rs` (each makes these tests and
//! every app-signed test of `tests/koodrive.rs` fail): the blank line after the
//! canonical headers dropped (the `\n` before `signed_headers` in
//! `canonical_request`'s format removed), the trailing `/` of the
//! canonical URI dropped, the header lines not lowercased, the payload hash taken
//! of an empty body.
#![cfg(all(feature = "fake", feature = "koodrive"))]

use std::time::Duration;

use download_url::fake::{self, FakeReply, FakeServer};
use download_url::koodrive::{self, Auth};
use download_url::{Secret, Vendor};
use serde_json::{json, Value};

const VECTORS: &str = include_str!("data/koodrive_signing.json");

fn vectors() -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(VECTORS).unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn headers(v: &Value) -> Vec<(String, String)> {
    v["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_owned(),
                h[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every intermediate value of every Python vector, from the crate's public
/// signing functions.
#[test]
fn the_public_signing_functions_agree_with_python() {
    let all = vectors();
    assert_eq!(all.len(), 3);
    for v in &all {
        let name = s(v, "name");
        let expected = &v["expected"];
        let owned = headers(v);
        let pairs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let body = s(v, "body").as_bytes();
        assert_eq!(
            koodrive::hashed_payload(body),
            s(expected, "hashed_payload"),
            "{name}"
        );
        let canonical =
            koodrive::canonical_request(s(v, "method"), s(v, "path"), s(v, "query"), &pairs, body);
        assert_eq!(canonical, s(expected, "canonical_request"), "{name}");
        assert_eq!(
            koodrive::signed_headers(&pairs),
            s(expected, "signed_headers"),
            "{name}"
        );
        let to_sign = koodrive::string_to_sign(&canonical);
        assert_eq!(to_sign, s(expected, "string_to_sign"), "{name}");
        let signature = koodrive::signature(&Secret::new(s(v, "app_secret")), &to_sign);
        assert_eq!(signature, s(expected, "signature"), "{name}");
    }
}

/// The request the crate really sends, signed at a known time, carries the
/// signature Python computed for it.
///
/// The time: the fake first refuses the call as a gateway refuses a date
/// (APIGW.0303 with a `Date` header of 2024-09-09 03:33:55), and the crate signs
/// again with that time less its 30 s backdate — the vector's `X-Date`. The host:
/// the base URL names the vendor's host over plain http (`allow_insecure_http`),
/// reached through the fake acting as a proxy, so every byte stays on 127.0.0.1
/// while the signed `Host` is the vector's.
#[test]
fn the_request_the_crate_sends_carries_the_python_signature() {
    let v = &vectors()[0];
    let expected = &v["expected"];
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            401,
            json!({"error_code": "APIGW.0303", "error_msg": "Incorrect app authentication information: signature expired", "request_id": "r"}),
        )
        .with_header("Date", "Mon, 09 Sep 2024 03:33:55 GMT"),
    );
    let auth = Auth::app_signature("the-app", s(v, "app_secret"));
    let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    config.base_url = "http://intl.myhuaweicloud-koodrive.com".into();
    config.allow_insecure_http = true;
    let agent = ureq::Agent::config_builder()
        .proxy(Some(ureq::Proxy::new(&server.base_url()).unwrap()))
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent();
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    // The fake refuses the 2024 date in turn: only the request matters here.
    let _ = koodrive::download_link(&agent, &config, &request);

    let requests: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.vendor == Some(Vendor::KooDrive))
        .collect();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let sent = &requests[1];
    assert_eq!(sent.method, s(v, "method"));
    assert_eq!(sent.path, s(v, "path"));
    assert_eq!(sent.query, None);
    assert_eq!(
        sent.authority.as_deref(),
        Some("intl.myhuaweicloud-koodrive.com:80")
    );
    for (name, value) in headers(v) {
        assert_eq!(sent.header(&name), Some(value.as_str()), "{name}");
    }
    assert_eq!(String::from_utf8_lossy(&sent.body), s(v, "body"));
    assert_eq!(
        sent.header("authorization"),
        Some(
            format!(
                "HMAC-SHA256 AppId=the-app,SignedHeaders={},Signature={}",
                s(expected, "signed_headers"),
                s(expected, "signature")
            )
            .as_str()
        )
    );
}

/// The committed vectors are what the script prints (when python3 is here).
#[test]
fn the_committed_vectors_are_the_scripts_output() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let Ok(out) = std::process::Command::new("python3")
        .arg(dir.join("tests/data/koodrive_signing.py"))
        .output()
    else {
        eprintln!("python3 not found: the committed output is taken as it is");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, serde_json::from_str::<Value>(VECTORS).unwrap());
}
