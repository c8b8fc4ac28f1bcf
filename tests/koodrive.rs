//! KooDrive against the fake server: both auth modes, batches beyond 100 ids,
//! partial and all-failed replies, vendor errors, the fault table, secrets, CLI.
#![cfg(all(feature = "koodrive", feature = "fake"))]

mod common;

use std::time::Duration;

use download_url::fake::{self, FakeReply, FakeServer, Fault, KooDriveFile};
use download_url::koodrive::{self, Auth, Code};
use download_url::{
    agent, ApiDetail, Batch, Error, Expiry, FailureReason, ItemFailure, TransportKind,
    UnexpectedReason, Vendor, VendorCode,
};
use serde_json::json;
use time::{OffsetDateTime, UtcOffset};

const TOKEN_MARKER: &str = "TOKEN-MARKER-7f3a91";
const SECRET_MARKER: &str = "SECRET-MARKER-c04e2b";

fn app_config(server: &FakeServer) -> koodrive::Config {
    let auth = Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    config.base_url = server.base_url();
    config
}

fn token_config(server: &FakeServer) -> koodrive::Config {
    let mut config =
        koodrive::Config::new(fake::KOODRIVE_USER_ID, Auth::token(fake::KOODRIVE_TOKEN));
    config.base_url = server.base_url();
    config
}

fn default_request() -> koodrive::Request {
    koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID])
}

fn links(config: &koodrive::Config, request: &koodrive::Request) -> Result<Batch, Error> {
    koodrive::download_links(&agent(), config, request)
}

/// The error of the default call (app signature, default request) when the fake
/// answers it with `reply`.
fn error_for(server: &FakeServer, reply: FakeReply) -> Error {
    server.push(Vendor::KooDrive, reply);
    links(&app_config(server), &default_request()).unwrap_err()
}

/// [`error_for`] a reply `{"code": code, "msg": msg}` with HTTP `status`.
fn error_for_code(server: &FakeServer, status: u16, code: u32, msg: &str) -> Error {
    error_for(
        server,
        FakeReply::json(status, json!({"code": code, "msg": msg})),
    )
}

/// The batch for `ids` when the fake answers with `body` (HTTP 200).
fn batch_for(server: &FakeServer, ids: &[&str], body: serde_json::Value) -> Batch {
    server.push(Vendor::KooDrive, FakeReply::json(200, body));
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.iter().copied());
    links(&app_config(server), &request).unwrap()
}

fn detail(err: &Error) -> &koodrive::ErrorDetail {
    match err.api_detail() {
        Some(ApiDetail::KooDrive(detail)) => detail,
        other => panic!("not a KooDrive api error: {other:?} / {err}"),
    }
}

fn unexpected_reason(err: &Error) -> UnexpectedReason {
    match err {
        Error::UnexpectedResponse(e) => e.reason,
        other => panic!("not an unexpected response: {other:?}"),
    }
}

/// The code and message of a `Refused` failure.
fn refused(failure: &ItemFailure) -> (&VendorCode, &str) {
    match &failure.reason {
        FailureReason::Refused { code, message } => (code, message.as_str()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn items(failures: &[ItemFailure]) -> Vec<&str> {
    failures.iter().map(|f| f.item.as_str()).collect()
}

/// The time of an `Expiry::At`, which must be in UTC.
fn utc_time(expires: Expiry) -> OffsetDateTime {
    let at = expires
        .time()
        .unwrap_or_else(|| panic!("no time: {expires:?}"));
    assert_eq!(at.offset(), UtcOffset::UTC, "{at}");
    at
}

/// `count` files `f000`… in the default container.
fn many_files(server: &FakeServer, count: usize) -> Vec<String> {
    let ids: Vec<String> = (0..count).map(|i| format!("f{i:03}")).collect();
    let files: Vec<KooDriveFile> = ids
        .iter()
        .map(|id| KooDriveFile::new(fake::KOODRIVE_CONTAINER_ID, id, &format!("{id}.bin")))
        .collect();
    server.configure(|s| s.koodrive.files.extend(files));
    ids
}

/// A successful per-file entry of a reply, with a presigned URL dated now.
fn ok_item(id: &str, name: &str) -> serde_json::Value {
    json!({
        "fileId": id,
        "fileName": name,
        "url": format!("https://obs.example/{id}?X-Amz-Date=20991231T000000Z&X-Amz-Expires=3600&X-Amz-Signature=s"),
        "code": "0",
        "msg": "success",
    })
}

#[test]
fn app_signature_success() {
    let server = FakeServer::start().unwrap();
    let batch = links(&app_config(&server), &default_request()).unwrap();
    assert!(batch.is_complete());
    assert_eq!(batch.links.len(), 1);
    let link = &batch.links[0];
    assert_eq!(link.vendor, Vendor::KooDrive);
    assert_eq!(link.item, fake::KOODRIVE_FILE_ID);
    assert_eq!(link.file_name.as_deref(), Some("Invoice 1.pdf"));
    assert!(link.url.starts_with("https://"));
    let now = OffsetDateTime::now_utc();
    let expires = utc_time(link.expires);
    assert!(expires > now + time::Duration::minutes(50));
    assert!(expires <= now + time::Duration::minutes(61));
    assert!(!link.is_expired());

    let sent = server.last_request(Vendor::KooDrive).unwrap();
    let authorization = sent.header("authorization").unwrap();
    assert!(
        authorization.starts_with(&format!(
            "HMAC-SHA256 AppId={},SignedHeaders=host;x-date;x-user-id,Signature=",
            fake::KOODRIVE_APP_ID
        )),
        "{authorization}"
    );
    let signature = authorization.rsplit('=').next().unwrap();
    assert_eq!(signature.len(), 64);
    assert!(signature
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert_eq!(sent.header("x-user-id"), Some(fake::KOODRIVE_USER_ID));
    assert_eq!(sent.header("language"), Some("en-US"));
    assert_eq!(
        sent.header("host"),
        Some(server.addr().to_string().as_str())
    );
    assert_eq!(sent.headers.iter().filter(|(n, _)| n == "host").count(), 1);
    let x_date = sent.header("x-date").unwrap();
    assert_eq!(x_date.len(), 16, "{x_date}");
    assert!(
        x_date.ends_with('Z') && x_date.as_bytes()[8] == b'T',
        "{x_date}"
    );
    assert_eq!(sent.header("x-hw-share-folder-id"), None);
    assert_eq!(sent.header("x-traceid"), None);
    assert_eq!(
        sent.json(),
        json!({"containerId": fake::KOODRIVE_CONTAINER_ID, "fileIds": [fake::KOODRIVE_FILE_ID]})
    );
}

#[test]
fn download_link_takes_one_file_id() {
    let server = FakeServer::start().unwrap();
    let link =
        koodrive::download_link(&agent(), &token_config(&server), &default_request()).unwrap();
    assert_eq!(link.vendor, Vendor::KooDrive);
    assert_eq!(link.item, fake::KOODRIVE_FILE_ID);
    assert_eq!(link.file_name.as_deref(), Some("Invoice 1.pdf"));
    assert!(link.expires.time().is_some());
    assert!(!link.is_expired());

    // Not exactly one id: refused before sending.
    for ids in [vec![], vec!["a", "b"]] {
        let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids);
        let err = koodrive::download_link(&agent(), &app_config(&server), &request).unwrap_err();
        match &err {
            Error::InvalidInput(e) => assert_eq!(e.field, "file_ids", "{err}"),
            other => panic!("expected invalid input: {other:?}"),
        }
    }
    assert_eq!(server.request_count(), 1);

    // The vendor refusing the file is an api error with the file's own code.
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ["gone"]);
    let err = koodrive::download_link(&agent(), &app_config(&server), &request).unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.code(), Some(13_000_302));
    assert_eq!(err.message(), Some("file not in specified container"));
    assert_eq!(detail(&err).code, Some(Code::FileNotInContainer));
    assert_eq!(detail(&err).label(), "file not in the space");
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .starts_with("koodrive: file not in the space (code 13000302)"),
        "{err}"
    );

    // A retryable per-file code stays retryable.
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            200,
            json!({"code": 0, "batchCode": 2, "downloads": [
                {"fileId": fake::KOODRIVE_FILE_ID, "code": 13000201, "msg": "inner"}
            ]}),
        ),
    );
    let err =
        koodrive::download_link(&agent(), &app_config(&server), &default_request()).unwrap_err();
    assert_eq!(detail(&err).code, Some(Code::InnerInvokeFailure));
    assert!(err.is_retryable());

    // A reply that leaves the file out, or gives it an unusable link: unexpected.
    for downloads in [
        json!([]),
        json!([{"fileId": fake::KOODRIVE_FILE_ID, "code": "0", "url": "not a url"}]),
    ] {
        server.push(
            Vendor::KooDrive,
            FakeReply::json(
                200,
                json!({"code": 0, "batchCode": 1, "downloads": downloads}),
            ),
        );
        let err = koodrive::download_link(&agent(), &app_config(&server), &default_request())
            .unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            UnexpectedReason::InvalidContent,
            "{downloads}"
        );
    }
}

#[test]
fn token_modes_and_optional_headers() {
    let server = FakeServer::start().unwrap();
    let mut config = token_config(&server);
    config.share_folder_id = Some("share-folder-1".into());
    config.trace_id = Some("a".repeat(30) + &"_9".repeat(14));
    config.language = None;
    links(&config, &default_request()).unwrap();
    let sent = server.last_request(Vendor::KooDrive).unwrap();
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {}", fake::KOODRIVE_TOKEN).as_str())
    );
    assert_eq!(sent.header("x-hw-share-folder-id"), Some("share-folder-1"));
    assert_eq!(sent.header("x-traceid").map(str::len), Some(58));
    assert_eq!(sent.header("language"), None);

    // `Bearer+<token>` is refused by a server expecting `Bearer <token>`...
    config.auth = Auth::token_with_prefix(fake::KOODRIVE_TOKEN, "Bearer+");
    let err = links(&config, &default_request()).unwrap_err();
    assert_eq!(err.http_status(), Some(401));
    assert_eq!(detail(&err).gateway_code.as_deref(), Some("APIGW.0301"));
    assert_eq!(err.code(), None);
    assert!(!err.is_retryable());
    // ...and accepted by one expecting it; the raw token likewise.
    server.configure(|s| s.koodrive.token_prefix = "Bearer+".into());
    links(&config, &default_request()).unwrap();
    server.configure(|s| s.koodrive.token_prefix = String::new());
    config.auth = Auth::token_with_prefix(fake::KOODRIVE_TOKEN, "");
    links(&config, &default_request()).unwrap();
    assert_eq!(
        server
            .last_request(Vendor::KooDrive)
            .unwrap()
            .header("authorization"),
        Some(fake::KOODRIVE_TOKEN)
    );
}

#[test]
fn wrong_app_secret_is_refused_by_the_gateway() {
    let server = FakeServer::start().unwrap();
    let mut config = app_config(&server);
    config.auth = Auth::app_signature(fake::KOODRIVE_APP_ID, SECRET_MARKER);
    let err = links(&config, &default_request()).unwrap_err();
    assert_eq!(err.http_status(), Some(401));
    assert_eq!(detail(&err).gateway_code.as_deref(), Some("APIGW.0303"));
    assert!(
        err.message().unwrap().contains("verify signature fail"),
        "{err}"
    );
    assert!(err.request_id().is_some());
    assert!(
        err.to_string()
            .starts_with("koodrive: refused by the api gateway"),
        "{err}"
    );
    common::assert_no_marker(&err, SECRET_MARKER);

    let mut config = app_config(&server);
    config.auth = Auth::app_signature("other-app", fake::KOODRIVE_APP_SECRET);
    let err = links(&config, &default_request()).unwrap_err();
    assert!(err.message().unwrap().contains("app not found"), "{err}");
}

// ---------------------------------------------------------------------------
// The fake's own checks, with hand-made requests

struct Raw {
    status: u16,
    body: serde_json::Value,
}

fn raw_post(server: &FakeServer, headers: &[(&str, String)], body: &[u8]) -> Raw {
    let url = format!("{}{}", server.base_url(), koodrive::PATH);
    let mut request = agent()
        .post(&url)
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let mut response = request.send(body).unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    Raw {
        status,
        body: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    }
}

/// Headers of an app-signed request, signed over `signed_body` at `x_date`.
fn signed_headers(
    server: &FakeServer,
    x_date: &str,
    signed_body: &[u8],
) -> Vec<(&'static str, String)> {
    let host = server.addr().to_string();
    let headers = [
        ("host", host.as_str()),
        ("x-date", x_date),
        ("x-user-id", fake::KOODRIVE_USER_ID),
    ];
    let canonical = koodrive::canonical_request("POST", koodrive::PATH, "", &headers, signed_body);
    let signature = koodrive::signature(
        &download_url::Secret::new(fake::KOODRIVE_APP_SECRET),
        &koodrive::string_to_sign(&canonical),
    );
    vec![
        ("x-date", x_date.to_owned()),
        ("x-user-id", fake::KOODRIVE_USER_ID.to_owned()),
        (
            "authorization",
            koodrive::authorization(
                fake::KOODRIVE_APP_ID,
                &koodrive::signed_headers(&headers),
                &signature,
            ),
        ),
    ]
}

fn x_date(offset: time::Duration) -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    (time::OffsetDateTime::now_utc() + offset)
        .format(&format)
        .unwrap()
}

fn body_for(ids: &[&str]) -> Vec<u8> {
    serde_json::to_vec(&json!({"containerId": fake::KOODRIVE_CONTAINER_ID, "fileIds": ids}))
        .unwrap()
}

#[test]
fn fake_accepts_a_correct_hand_signed_request() {
    let server = FakeServer::start().unwrap();
    let body = body_for(&[fake::KOODRIVE_FILE_ID]);
    let raw = raw_post(
        &server,
        &signed_headers(&server, &x_date(time::Duration::ZERO), &body),
        &body,
    );
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(raw.body["batchCode"], 1);
    assert_eq!(raw.body["downloads"][0]["code"], "0");
}

#[test]
fn fake_rejects_a_tampered_body() {
    let server = FakeServer::start().unwrap();
    let signed = body_for(&[fake::KOODRIVE_FILE_ID]);
    let sent = body_for(&["someone-elses-file"]);
    let raw = raw_post(
        &server,
        &signed_headers(&server, &x_date(time::Duration::ZERO), &signed),
        &sent,
    );
    assert_eq!(raw.status, 401);
    assert_eq!(raw.body["error_code"], "APIGW.0303");
    assert!(raw.body["error_msg"]
        .as_str()
        .unwrap()
        .contains("verify signature fail"));
}

#[test]
fn fake_rejects_a_stale_or_future_x_date() {
    let server = FakeServer::start().unwrap();
    let body = body_for(&[fake::KOODRIVE_FILE_ID]);
    for offset in [time::Duration::minutes(-16), time::Duration::minutes(2)] {
        let date = x_date(offset);
        let raw = raw_post(&server, &signed_headers(&server, &date, &body), &body);
        assert_eq!(raw.status, 401, "{offset}");
        assert!(
            raw.body["error_msg"]
                .as_str()
                .unwrap()
                .contains("signature expired"),
            "{}",
            raw.body
        );
    }
    // Within the window is fine.
    let date = x_date(time::Duration::minutes(-14));
    let raw = raw_post(&server, &signed_headers(&server, &date, &body), &body);
    assert_eq!(raw.status, 200, "{}", raw.body);
}

#[test]
fn fake_refuses_more_than_100_ids_in_one_call() {
    let server = FakeServer::start().unwrap();
    let ids: Vec<String> = (0..101).map(|i| format!("id{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let body = body_for(&ids);
    let raw = raw_post(
        &server,
        &signed_headers(&server, &x_date(time::Duration::ZERO), &body),
        &body,
    );
    assert_eq!(raw.status, 400);
    assert_eq!(raw.body["code"], 13_000_102);
}

// ---------------------------------------------------------------------------
// Batches

#[test]
fn two_hundred_fifty_ids_are_three_calls_on_one_connection_merged_in_order() {
    let server = FakeServer::start().unwrap();
    let ids = many_files(&server, 250);
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.clone());
    let agent = agent();
    // One call at a time: in order, on one connection (tests/batch_concurrency.rs
    // covers the default, concurrent calls).
    let mut config = app_config(&server);
    config.concurrency = 1;
    let batch = koodrive::download_links(&agent, &config, &request).unwrap();
    assert!(batch.is_complete());
    let got: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(batch.links[249].file_name.as_deref(), Some("f249.bin"));
    assert_eq!(
        batch.link_for("f100").unwrap().file_name.as_deref(),
        Some("f100.bin")
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let sizes: Vec<usize> = requests
        .iter()
        .map(|r| r.json()["fileIds"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(requests[1].json()["fileIds"][0], "f100");
    assert_eq!(requests[2].json()["fileIds"][49], "f249");
    assert_eq!(server.connections(), 1);
}

#[test]
fn partial_success_keeps_every_failure() {
    let server = FakeServer::start().unwrap();
    let request = koodrive::Request::new(
        fake::KOODRIVE_CONTAINER_ID,
        ["missing-1", fake::KOODRIVE_FILE_ID, "missing-2"],
    );
    let batch = links(&app_config(&server), &request).unwrap();
    assert!(!batch.is_complete());
    assert!(!batch.all_failed());
    assert_eq!(batch.links.len(), 1);
    assert_eq!(batch.links[0].item, fake::KOODRIVE_FILE_ID);
    assert_eq!(items(&batch.failures), ["missing-1", "missing-2"]);
    for failure in &batch.failures {
        assert_eq!(failure.vendor, Vendor::KooDrive);
        let (code, message) = refused(failure);
        // The per-file code exactly as it arrived: a string on the wire.
        assert_eq!(code, &VendorCode::Text("13000302".into()));
        assert_eq!(failure.code(), Some(code));
        assert_eq!(message, "file not in specified container");
        assert!(!failure.is_retryable());
    }
    assert_eq!(
        batch.failures[0].to_string(),
        "koodrive: missing-1: refused (code 13000302): file not in specified container"
    );
    assert!(batch.retryable_items().is_empty());
}

#[test]
fn partial_across_chunks_keeps_links_and_failures_in_order() {
    let server = FakeServer::start().unwrap();
    let mut ids = many_files(&server, 100);
    ids.push("missing".into()); // the second call fails entirely
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids);
    let batch = links(&app_config(&server), &request).unwrap();
    assert_eq!(server.request_count(), 2);
    assert!(!batch.is_complete());
    assert!(!batch.all_failed());
    assert_eq!(batch.links.len(), 100);
    assert_eq!(items(&batch.failures), ["missing"]);
}

#[test]
fn all_failed_is_ok_with_every_file_refused() {
    let server = FakeServer::start().unwrap();
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ["gone-1", "gone-2"]);
    let batch = links(&app_config(&server), &request).unwrap();
    assert!(batch.links.is_empty());
    assert!(batch.all_failed());
    assert_eq!(items(&batch.failures), ["gone-1", "gone-2"]);
    for failure in &batch.failures {
        let (code, message) = refused(failure);
        assert_eq!(code, &VendorCode::Text("13000302".into()));
        assert!(!message.is_empty());
        assert!(!failure.is_retryable());
    }
    // Across chunks too: 150 ids, none known.
    let ids: Vec<String> = (0..150).map(|i| format!("gone-{i}")).collect();
    let batch = links(
        &app_config(&server),
        &koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.clone()),
    )
    .unwrap();
    assert!(batch.all_failed());
    assert_eq!(
        items(&batch.failures),
        ids.iter().map(String::as_str).collect::<Vec<_>>()
    );
}

#[test]
fn a_file_the_reply_leaves_out_is_missing_and_retryable() {
    let server = FakeServer::start().unwrap();
    let ids = many_files(&server, 2);
    let all = [ids[0].as_str(), fake::KOODRIVE_FILE_ID, ids[1].as_str()];
    // The reply answers the first and third ids only, out of order.
    let mut batch = batch_for(
        &server,
        &all,
        json!({"code": 0, "msg": "ok", "batchCode": 1, "downloads": [
            ok_item(&ids[1], "f001.bin"),
            ok_item(&ids[0], "f000.bin"),
        ]}),
    );
    let got: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(got, [ids[0].as_str(), ids[1].as_str()], "request order");
    assert_eq!(items(&batch.failures), [fake::KOODRIVE_FILE_ID]);
    assert_eq!(batch.failures[0].reason, FailureReason::Missing);
    assert!(batch.failures[0].is_retryable());
    assert_eq!(batch.failures[0].code(), None);
    assert_eq!(batch.retryable_items(), [fake::KOODRIVE_FILE_ID]);

    // Asking again for the missing file only completes the batch.
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, all);
    batch
        .retry_failed(|ids| links(&app_config(&server), &request.with_file_ids(ids)))
        .unwrap();
    assert!(batch.is_complete());
    assert_eq!(
        server.last_request(Vendor::KooDrive).unwrap().json()["fileIds"],
        json!([fake::KOODRIVE_FILE_ID])
    );
    assert_eq!(
        batch
            .link_for(fake::KOODRIVE_FILE_ID)
            .unwrap()
            .file_name
            .as_deref(),
        Some("Invoice 1.pdf")
    );

    // An id asked twice and answered once: one link, one missing.
    let batch = batch_for(
        &server,
        &["a", "a"],
        json!({"code": 0, "batchCode": 1, "downloads": [ok_item("a", "a.bin")]}),
    );
    assert_eq!(batch.links.len(), 1);
    assert_eq!(batch.failures[0].reason, FailureReason::Missing);
}

/// An answer for a file never asked for (or more often than asked) goes to
/// `Batch::unattributed` and never costs the asked files their links.
#[test]
fn a_file_never_asked_for_goes_to_unattributed() {
    let server = FakeServer::start().unwrap();
    let ours = fake::KOODRIVE_FILE_ID;
    for (downloads, links, extra) in [
        // Someone else's file instead of ours: ours is missing.
        (json!([ok_item("someone-elses", "x")]), 0, "someone-elses"),
        // Ours, plus another.
        (
            json!([ok_item(ours, "a"), ok_item("extra", "x")]),
            1,
            "extra",
        ),
        // Ours, twice.
        (json!([ok_item(ours, "a"), ok_item(ours, "a")]), 1, ours),
        // A refusal of a file never asked for.
        (
            json!([ok_item(ours, "a"), {"fileId": "extra", "code": "13000302", "msg": "x"}]),
            1,
            "extra",
        ),
    ] {
        let batch = batch_for(
            &server,
            &[ours],
            json!({"code": 0, "msg": "ok", "batchCode": 0, "downloads": downloads}),
        );
        assert_eq!(batch.links.len(), links, "{downloads}");
        assert_eq!(batch.links.len() + batch.failures.len(), 1, "{downloads}");
        assert_eq!(batch.unattributed.len(), 1, "{downloads}");
        assert_eq!(batch.unattributed[0].item.as_deref(), Some(extra));
        assert_eq!(batch.unattributed[0].vendor, Vendor::KooDrive);
    }
}

#[test]
fn null_and_missing_informational_fields_are_tolerated() {
    let server = FakeServer::start().unwrap();
    let ids = [fake::KOODRIVE_FILE_ID, "b", "c", "d"];
    let batch = batch_for(
        &server,
        &ids,
        json!({"code": 0, "msg": null, "batchCode": 0, "downloads": [
            // A success without `msg` or `fileName`, its code a number.
            {"fileId": fake::KOODRIVE_FILE_ID, "code": 0, "msg": null, "fileName": null,
             "url": "https://obs.example/a?X-Amz-Date=20991231T000000Z&X-Amz-Expires=60&X-Amz-Signature=s"},
            // A failure with a null code and message.
            {"fileId": "b", "code": null, "msg": null, "url": null},
            // A failure without `fileId`: it is the one id the reply left out.
            {"fileId": null, "code": 13000302, "msg": "file not in specified container"},
            // A failure without any code.
            {"fileId": "d", "msg": "no code"}
        ]}),
    );
    assert_eq!(batch.links.len(), 1);
    let link = &batch.links[0];
    assert_eq!(link.item, fake::KOODRIVE_FILE_ID);
    assert_eq!(link.file_name, None);
    assert_eq!(
        utc_time(link.expires),
        time::macros::datetime!(2099-12-31 00:01:00 UTC)
    );
    assert_eq!(items(&batch.failures), ["b", "c", "d"]);
    let (code, message) = refused(&batch.failures[0]);
    assert_eq!((code, message), (&VendorCode::Text(String::new()), ""));
    let (code, message) = refused(&batch.failures[1]);
    assert_eq!(code, &VendorCode::Number(13_000_302));
    assert_eq!(message, "file not in specified container");
    let (code, message) = refused(&batch.failures[2]);
    assert_eq!(
        (code, message),
        (&VendorCode::Text(String::new()), "no code")
    );

    // Two failures without `fileId` for one left-out id cannot be attributed:
    // the id stays missing.
    let batch = batch_for(
        &server,
        &[fake::KOODRIVE_FILE_ID, "b"],
        json!({"code": 0, "batchCode": 0, "downloads": [
            ok_item(fake::KOODRIVE_FILE_ID, "a"),
            {"code": "13000302", "msg": "x"},
            {"code": "13000302", "msg": "y"}
        ]}),
    );
    assert_eq!(items(&batch.failures), ["b"]);
    assert_eq!(batch.failures[0].reason, FailureReason::Missing);

    // A link without `fileId` cannot be trusted to be that file's: missing.
    let batch = batch_for(
        &server,
        &[fake::KOODRIVE_FILE_ID],
        json!({"code": 0, "batchCode": 1, "downloads": [
            {"code": "0", "url": "https://obs.example/a", "fileName": "a"}
        ]}),
    );
    assert!(batch.links.is_empty());
    assert_eq!(batch.failures[0].reason, FailureReason::Missing);

    // An error envelope with `msg: null`.
    let err = error_for(
        &server,
        FakeReply::json(400, json!({"code": 13000102, "msg": null})),
    );
    assert_eq!(err.code(), Some(13_000_102));
    assert_eq!(err.message(), Some(""));
    assert_eq!(detail(&err).code, Some(Code::ParameterInvalid));
    assert_eq!(
        err.to_string(),
        "koodrive: parameter verification failed (code 13000102, HTTP 400)"
    );
}

#[test]
fn an_unusable_link_is_that_files_failure() {
    let server = FakeServer::start().unwrap();
    let ids = [fake::KOODRIVE_FILE_ID, "b", "c", "d", "e"];
    let batch = batch_for(
        &server,
        &ids,
        json!({"code": 0, "msg": "ok", "batchCode": 1, "downloads": [
            ok_item(fake::KOODRIVE_FILE_ID, "a"),
            {"fileId": "b", "code": "0", "url": "", "fileName": "b"},
            {"fileId": "c", "code": "0", "fileName": "c"},
            {"fileId": "d", "code": "0", "url": "ftp://obs.example/d", "fileName": "d"},
            {"fileId": "e", "code": "0", "url": "https://obs.example/e\u{1b}[2J", "fileName": "e"}
        ]}),
    );
    assert_eq!(batch.links.len(), 1);
    assert_eq!(items(&batch.failures), ["b", "c", "d", "e"]);
    for failure in &batch.failures {
        match &failure.reason {
            FailureReason::UnusableLink { why } => assert!(why.contains("url"), "{why}"),
            other => panic!("expected an unusable link, got {other:?}"),
        }
        assert!(!failure.is_retryable());
        assert_eq!(failure.code(), None);
    }
}

// ---------------------------------------------------------------------------
// Vendor errors

#[test]
fn http_400_with_parameter_invalid() {
    let server = FakeServer::start().unwrap();
    let err = error_for_code(&server, 400, 13000102, "parameter verification failed");
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(err.code(), Some(13_000_102));
    assert_eq!(err.message(), Some("parameter verification failed"));
    assert_eq!(detail(&err).code, Some(Code::ParameterInvalid));
    assert_eq!(detail(&err).gateway_code, None);
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "koodrive: parameter verification failed (code 13000102, HTTP 400)"
    );
}

#[test]
fn unknown_container_is_refused_with_http_400() {
    let server = FakeServer::start().unwrap();
    let request = koodrive::Request::new("no-such-space", ["x"]);
    let err = links(&app_config(&server), &request).unwrap_err();
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(detail(&err).code, Some(Code::ContainerNotFound));
}

#[test]
fn a_refusal_of_a_later_call_is_its_ids_failures() {
    let server = FakeServer::start().unwrap();
    let ids = many_files(&server, 150);
    // The first call of 100 ids succeeds, the second is refused as a whole.
    let downloads: Vec<serde_json::Value> = ids[..100]
        .iter()
        .map(|id| ok_item(id, &format!("{id}.bin")))
        .collect();
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            200,
            json!({"code": 0, "msg": "ok", "batchCode": 1, "downloads": downloads}),
        ),
    );
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            200,
            json!({"code": 13000201, "msg": "inner server invoke failure"}),
        ),
    );
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.clone());
    // One call at a time, so that the queued replies meet the calls in order.
    let mut config = app_config(&server);
    config.concurrency = 1;
    let batch = links(&config, &request).unwrap();
    assert_eq!(server.request_count(), 2);
    assert_eq!(batch.links.len(), 100);
    assert_eq!(
        items(&batch.failures),
        ids[100..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    for failure in &batch.failures {
        match &failure.reason {
            FailureReason::CallFailed { message } => {
                assert!(message.contains("13000201"), "{message}")
            }
            other => panic!("expected the call's failure, got {other:?}"),
        }
        assert!(failure.is_retryable());
    }
    // A refusal that dooms every call (the space not found) is the request's error.
    server.push(
        Vendor::KooDrive,
        FakeReply::json(400, json!({"code": 13000301, "msg": "container not found"})),
    );
    let err = links(&config, &request).unwrap_err();
    assert_eq!(detail(&err).code, Some(Code::ContainerNotFound));
    assert_eq!(server.request_count(), 3);
}

#[test]
fn nonzero_code_under_http_200_is_an_api_error() {
    let server = FakeServer::start().unwrap();
    let err = error_for_code(&server, 200, 13000201, "inner server invoke failure");
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.code(), Some(13_000_201));
    assert_eq!(detail(&err).code, Some(Code::InnerInvokeFailure));
    assert!(err.is_retryable());

    let err = error_for_code(&server, 400, 13999999, "new");
    assert_eq!(detail(&err).code, Some(Code::Other(13_999_999)));
}

#[test]
fn replies_that_break_the_contract() {
    let server = FakeServer::start().unwrap();
    let ours = ok_item(fake::KOODRIVE_FILE_ID, "a");
    let refused = json!({"fileId": fake::KOODRIVE_FILE_ID, "code": "13000302", "msg": "x"});
    let cases = [
        // An undocumented batchCode.
        json!({"code": 0, "msg": "ok", "batchCode": 7, "downloads": [ours]}),
        // "Every file failed" beside a success.
        json!({"code": 0, "msg": "ok", "batchCode": 2, "downloads": [ours]}),
        // "Every file succeeded" beside a failure.
        json!({"code": 0, "msg": "ok", "batchCode": 1, "downloads": [refused]}),
    ];
    for body in cases {
        let err = error_for(&server, FakeReply::json(200, body.clone()));
        assert_eq!(
            unexpected_reason(&err),
            UnexpectedReason::InvalidContent,
            "{body}"
        );
    }
    for body in [
        json!({"code": 0, "msg": "ok", "batchCode": 1}),
        json!({"code": "zero", "batchCode": 1, "downloads": [ours]}),
        json!({"code": 0, "batchCode": 1, "downloads": [{"fileId": 7, "code": "0"}]}),
    ] {
        let err = error_for(&server, FakeReply::json(200, body.clone()));
        assert_eq!(
            unexpected_reason(&err),
            UnexpectedReason::WrongShape,
            "{body}"
        );
    }

    let err = error_for_code(&server, 500, 0, "ok");
    assert_eq!(unexpected_reason(&err), UnexpectedReason::Status);
    assert!(err.is_retryable());
}

#[test]
fn link_without_amz_parameters_has_an_unknown_expiry() {
    let server = FakeServer::start().unwrap();
    let batch = batch_for(
        &server,
        &[fake::KOODRIVE_FILE_ID],
        json!({"code": 0, "msg": "ok", "batchCode": 1, "downloads": [
            {"fileId": fake::KOODRIVE_FILE_ID, "fileName": "a", "url": "https://h/p?sig=1", "code": 0, "msg": "success"}
        ]}),
    );
    let link = &batch.links[0];
    assert_eq!(link.expires, Expiry::Unknown, "no 1-hour fallback");
    assert!(!link.is_expired());
    assert!(link.expires_within(Duration::ZERO), "a cache refreshes it");
    assert_eq!(link.expires.to_string(), "-");
}

#[test]
fn link_expiry_is_read_from_the_url_in_utc() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.koodrive.link_lifetime = 60);
    let batch = links(&app_config(&server), &default_request()).unwrap();
    let link = &batch.links[0];
    let expires = utc_time(link.expires);
    let now = OffsetDateTime::now_utc();
    assert!(expires > now && expires <= now + time::Duration::seconds(61));
    assert_eq!(expires.nanosecond(), 0);
    assert!(link.expires_within(Duration::from_secs(61)));

    // The vendor page's example link.
    let batch = batch_for(
        &server,
        &[fake::KOODRIVE_FILE_ID],
        json!({"code": 0, "msg": "success", "batchCode": 1, "downloads": [{
            "fileId": fake::KOODRIVE_FILE_ID, "code": "0", "fileName": "Invoice 1.pdf",
            "url": "https://b/5e?X-Amz-Date=20231227T072939Z&X-Amz-Expires=3600&X-Amz-Signature=9d"
        }]}),
    );
    let link = &batch.links[0];
    assert_eq!(
        utc_time(link.expires),
        time::macros::datetime!(2023-12-27 08:29:39 UTC)
    );
    assert_eq!(link.expires.to_string(), "2023-12-27T08:29:39Z");
    assert!(link.is_expired());
}

// ---------------------------------------------------------------------------
// The fault table

#[test]
fn html_502() {
    let server = FakeServer::start().unwrap();
    let err = error_for(&server, FakeReply::Fault(Fault::Html502));
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(unexpected_reason(&err), UnexpectedReason::NotJson);
    assert!(err.is_retryable());
    match &err {
        Error::UnexpectedResponse(e) => assert!(e.body_excerpt.starts_with("<html>")),
        _ => unreachable!(),
    }
}

#[test]
fn truncated_json() {
    let server = FakeServer::start().unwrap();
    let err = error_for(&server, FakeReply::Fault(Fault::TruncatedJson));
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(unexpected_reason(&err), UnexpectedReason::Truncated);
    common::assert_no_marker(&err, "X-Amz-Signature");
}

#[test]
fn stalled_body_times_out() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::KooDrive, Fault::StallBody(Duration::from_secs(10)));
    let err = koodrive::download_links(
        &common::quick_agent(),
        &app_config(&server),
        &default_request(),
    )
    .unwrap_err();
    match &err {
        Error::Transport(e) => assert_eq!(e.kind, TransportKind::Timeout, "{err:?}"),
        other => panic!("expected a transport error: {other:?}"),
    }
    assert!(err.is_retryable());
}

#[test]
fn oversized_body() {
    let server = FakeServer::start().unwrap();
    let err = error_for(
        &server,
        FakeReply::Fault(Fault::Oversized(download_url::BODY_LIMIT + 1024)),
    );
    assert_eq!(unexpected_reason(&err), UnexpectedReason::TooLarge);
}

#[test]
fn rate_limited() {
    let server = FakeServer::start().unwrap();
    let err = error_for(&server, FakeReply::Fault(Fault::RateLimited("1".into())));
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(err.is_retryable());
}

// ---------------------------------------------------------------------------
// Invalid input: nothing sent

#[test]
fn invalid_input_is_rejected_before_sending() {
    let server = FakeServer::start().unwrap();
    let good = app_config(&server);
    let mut cases: Vec<(koodrive::Config, koodrive::Request, &str)> = Vec::new();
    cases.push((
        good.clone(),
        koodrive::Request::new("", ["f"]),
        "container_id",
    ));
    cases.push((
        good.clone(),
        koodrive::Request::new("c", Vec::<String>::new()),
        "file_ids",
    ));
    let mut ids: Vec<String> = (0..250).map(|i| format!("f{i}")).collect();
    ids[230] = " ".into();
    cases.push((good.clone(), koodrive::Request::new("c", ids), "file_ids"));
    let mut config = good.clone();
    config.user_id = " ".into();
    cases.push((config, default_request(), "user_id"));
    for trace in [
        "a".repeat(57),
        "a".repeat(59),
        format!("{}-", "a".repeat(57)),
    ] {
        let mut config = good.clone();
        config.trace_id = Some(trace);
        cases.push((config, default_request(), "trace_id"));
    }
    let mut config = good.clone();
    config.auth = Auth::token("");
    cases.push((config, default_request(), "token"));
    let mut config = good.clone();
    config.auth = Auth::app_signature("", "s");
    cases.push((config, default_request(), "app_id"));
    let mut config = good.clone();
    config.auth = Auth::app_signature("a", "");
    cases.push((config, default_request(), "app_secret"));
    // An app id that cannot go into the header is the app id's fault, not the
    // app secret's.
    for app_id in ["app\u{e9}", "app\tid", "app\nid"] {
        let mut config = good.clone();
        config.auth = Auth::app_signature(app_id, "s");
        cases.push((config, default_request(), "app_id"));
    }
    let mut config = good.clone();
    config.base_url = "ftp://x".into();
    cases.push((config, default_request(), "base_url"));
    let mut config = good.clone();
    config.share_folder_id = Some("a\nb".into());
    cases.push((config, default_request(), "share_folder_id"));
    let mut config = good.clone();
    config.base_url = "http://koodrive.example".into();
    cases.push((config, default_request(), "base_url"));

    for (config, request, field) in cases {
        let err = links(&config, &request).unwrap_err();
        match &err {
            Error::InvalidInput(e) => {
                assert_eq!(e.field, field, "{err}");
                assert_eq!(e.vendor, Vendor::KooDrive);
            }
            other => panic!("expected invalid input for {field}: {other:?}"),
        }
        if request.file_ids.len() == 1 {
            let err = koodrive::download_link(&agent(), &config, &request).unwrap_err();
            match &err {
                Error::InvalidInput(e) => assert_eq!(e.field, field, "{err}"),
                other => panic!("expected invalid input for {field}: {other:?}"),
            }
        }
    }
    assert_eq!(server.request_count(), 0);
}

// ---------------------------------------------------------------------------
// Secrets

#[test]
fn token_and_app_secret_never_printed() {
    let server = FakeServer::start().unwrap();
    let mut config = token_config(&server);
    config.auth = Auth::token(TOKEN_MARKER);
    assert!(!format!("{config:?}").contains(TOKEN_MARKER));
    let err = links(&config, &default_request()).unwrap_err();
    common::assert_no_marker(&err, TOKEN_MARKER);
    // An invalid-input error for a token that cannot be sent.
    config.auth = Auth::token(format!("{TOKEN_MARKER}\n"));
    let err = links(&config, &default_request()).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    common::assert_no_marker(&err, TOKEN_MARKER);

    let mut config = app_config(&server);
    config.auth = Auth::app_signature(fake::KOODRIVE_APP_ID, SECRET_MARKER);
    assert!(!format!("{config:?}").contains(SECRET_MARKER));
    assert!(!format!("{:?}", config.auth).contains(SECRET_MARKER));
    let err = links(&config, &default_request()).unwrap_err();
    common::assert_no_marker(&err, SECRET_MARKER);

    // Links: the presigned query never shows in Debug.
    let batch = links(&app_config(&server), &default_request()).unwrap();
    let shown = format!("{batch:?} {:?}", batch.links[0]);
    assert!(!shown.contains("X-Amz-Signature"), "{shown}");
    assert!(batch.links[0].url.contains("X-Amz-Signature="));
    assert!(!format!("{:?}", fake::Settings::default()).contains(fake::KOODRIVE_APP_SECRET));

    // A presigned URL inside a per-file message or code is redacted.
    let batch = batch_for(
        &server,
        &["a", "b"],
        json!({"code": 0, "batchCode": 2, "downloads": [
            {"fileId": "a", "code": "13000302", "msg": format!("see https://h/x?X-Amz-Signature={SECRET_MARKER}")},
            {"fileId": "b", "code": format!("https://h/y?s={SECRET_MARKER}"), "msg": "x"}
        ]}),
    );
    let shown = format!("{batch:?} {} {}", batch.failures[0], batch.failures[1]);
    assert!(!shown.contains(SECRET_MARKER), "{shown}");
}

// ---------------------------------------------------------------------------
// CLI

/// The `dlurl` binary exists only with the `cli` feature.
#[cfg(feature = "cli")]
mod cli {
    use super::*;

    type Env<'a> = Vec<(&'a str, &'a str)>;

    fn cli_env<'a>(token: bool) -> Env<'a> {
        let mut env = vec![("KOODRIVE_USER_ID", fake::KOODRIVE_USER_ID)];
        if token {
            env.push(("KOODRIVE_TOKEN", fake::KOODRIVE_TOKEN));
        } else {
            env.push(("KOODRIVE_APP_ID", fake::KOODRIVE_APP_ID));
            env.push(("KOODRIVE_APP_SECRET", fake::KOODRIVE_APP_SECRET));
        }
        env
    }

    /// `dlurl --base-url <base> <options> koodrive CONTAINER <ids>` with the fake's
    /// credentials, in token or app-signature mode.
    fn dlurl_koodrive(base: &str, options: &[&str], ids: &[&str], token: bool) -> common::Run {
        let mut args = vec!["--base-url", base];
        args.extend(options);
        args.extend(["koodrive", fake::KOODRIVE_CONTAINER_ID]);
        args.extend(ids);
        common::dlurl(&args, &cli_env(token))
    }

    #[test]
    fn cli_success_in_both_modes() {
        let server = FakeServer::start().unwrap();
        let base = server.base_url();
        for token in [true, false] {
            let run = dlurl_koodrive(&base, &[], &[fake::KOODRIVE_FILE_ID], token);
            assert_eq!(run.code, 0, "{run:?}");
            let fields: Vec<&str> = run.stdout.trim_end().split('\t').collect();
            assert_eq!(fields.len(), 3, "{run:?}");
            assert!(fields[0].starts_with("https://"));
            assert_eq!(fields[1], "Invoice 1.pdf");
            // RFC 3339 UTC, whole seconds.
            let at =
                OffsetDateTime::parse(fields[2], &time::format_description::well_known::Rfc3339)
                    .unwrap();
            assert!(fields[2].ends_with('Z'), "{run:?}");
            assert!(at > OffsetDateTime::now_utc(), "{run:?}");
            assert!(run.stderr.is_empty(), "{run:?}");
        }
        assert_eq!(
            server.requests()[0].header("authorization"),
            Some(format!("Bearer {}", fake::KOODRIVE_TOKEN).as_str())
        );
        assert!(server.requests()[1]
            .header("authorization")
            .unwrap()
            .starts_with("HMAC-SHA256 "));

        let run = dlurl_koodrive(&base, &["--json"], &[fake::KOODRIVE_FILE_ID], false);
        assert_eq!(run.code, 0, "{run:?}");
        let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(value["failures"], json!([]), "{value}");
        let link = &value["links"][0];
        assert_eq!(link["vendor"], "koodrive");
        assert_eq!(link["item"], fake::KOODRIVE_FILE_ID);
        assert_eq!(link["file_name"], "Invoice 1.pdf");
        assert!(link["expires"].as_str().unwrap().ends_with('Z'), "{link}");
    }

    #[test]
    fn cli_token_prefix_from_the_environment() {
        let server = FakeServer::start().unwrap();
        server.configure(|s| s.koodrive.token_prefix = "Bearer+".into());
        let base = server.base_url();
        let mut env = cli_env(true);
        env.push(("KOODRIVE_TOKEN_PREFIX", "Bearer+"));
        let run = common::dlurl(
            &[
                "--base-url",
                &base,
                "koodrive",
                fake::KOODRIVE_CONTAINER_ID,
                fake::KOODRIVE_FILE_ID,
            ],
            &env,
        );
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(
            server
                .last_request(Vendor::KooDrive)
                .unwrap()
                .header("authorization"),
            Some(format!("Bearer+{}", fake::KOODRIVE_TOKEN).as_str())
        );
        // Without it, the default `Bearer ` is refused by this server.
        let run = dlurl_koodrive(&base, &[], &[fake::KOODRIVE_FILE_ID], true);
        assert_eq!(run.code, 1, "{run:?}");
    }

    #[test]
    fn cli_partial_exits_4_and_lists_failures() {
        let server = FakeServer::start().unwrap();
        let run = dlurl_koodrive(
            &server.base_url(),
            &[],
            &[fake::KOODRIVE_FILE_ID, "missing-1"],
            false,
        );
        assert_eq!(run.code, 4, "{run:?}");
        assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
        assert!(run.stdout.contains("\tInvoice 1.pdf\t"), "{run:?}");
        assert!(
            run.stderr.contains(
                "dlurl: failed: koodrive: missing-1: refused (code 13000302): file not in specified container"
            ),
            "{run:?}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{run:?}");

        let run = dlurl_koodrive(
            &server.base_url(),
            &["--json"],
            &[fake::KOODRIVE_FILE_ID, "missing-1"],
            false,
        );
        assert_eq!(run.code, 4, "{run:?}");
        let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(value["links"].as_array().unwrap().len(), 1, "{value}");
        let failure = &value["failures"][0];
        assert_eq!(failure["vendor"], "koodrive");
        assert_eq!(failure["item"], "missing-1");
        assert_eq!(failure["reason"]["kind"], "refused");
        assert_eq!(failure["reason"]["code"], "13000302");
        assert_eq!(failure["retryable"], false);
    }

    #[test]
    fn cli_all_failed_exits_1_and_lists_each_file() {
        let server = FakeServer::start().unwrap();
        let run = dlurl_koodrive(&server.base_url(), &[], &["gone-1", "gone-2"], true);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
        for id in ["gone-1", "gone-2"] {
            assert!(
                run.stderr.contains(&format!(
                    "dlurl: failed: koodrive: {id}: refused (code 13000302)"
                )),
                "{run:?}"
            );
        }
    }

    #[test]
    fn cli_usage_errors_exit_2_and_send_nothing() {
        let server = FakeServer::start().unwrap();
        let base = server.base_url();
        let cases: Vec<(Vec<&str>, Env, Option<&str>)> = vec![
            (
                vec!["koodrive", fake::KOODRIVE_CONTAINER_ID],
                cli_env(true),
                None,
            ),
            (vec!["koodrive"], cli_env(true), None),
            (
                vec!["koodrive", "c", "f"],
                vec![("KOODRIVE_USER_ID", "u")],
                Some("KOODRIVE_TOKEN"),
            ),
            (
                vec!["koodrive", "c", "f"],
                vec![("KOODRIVE_TOKEN", "t")],
                Some("KOODRIVE_USER_ID"),
            ),
            (
                vec!["koodrive", "c", "f"],
                vec![("KOODRIVE_USER_ID", "u"), ("KOODRIVE_APP_ID", "a")],
                Some("KOODRIVE_APP_SECRET"),
            ),
            (
                vec!["koodrive", "c", "f"],
                vec![
                    ("KOODRIVE_USER_ID", "u"),
                    ("KOODRIVE_TOKEN", "t"),
                    ("KOODRIVE_APP_ID", "a"),
                ],
                Some("KOODRIVE_TOKEN"),
            ),
            (
                vec!["koodrive", "--trace-id", "short", "c", "f"],
                cli_env(true),
                Some("trace_id"),
            ),
            (vec!["koodrive", "--bogus", "c", "f"], cli_env(true), None),
        ];
        for (args, env, named) in cases {
            let mut full = vec!["--base-url", base.as_str()];
            full.extend(args.iter().copied());
            let run = common::dlurl(&full, &env);
            assert_eq!(run.code, 2, "{args:?}: {run:?}");
            assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
            if let Some(named) = named {
                assert!(run.stderr.contains(named), "{args:?}: {run:?}");
            }
        }
        assert_eq!(server.request_count(), 0);
    }

    #[test]
    fn cli_transport_and_unexpected_exit_3() {
        let server = FakeServer::start().unwrap();
        server.push_fault(Vendor::KooDrive, Fault::Html502);
        let run = dlurl_koodrive(&server.base_url(), &[], &[fake::KOODRIVE_FILE_ID], true);
        assert_eq!(run.code, 3, "{run:?}");
        // A reply about another file only: ours got no link (exit 1), the
        // stranger's link is not printed as ours.
        server.push(
            Vendor::KooDrive,
            FakeReply::json(
                200,
                json!({"code": 0, "batchCode": 1, "downloads": [ok_item("never-asked", "x")]}),
            ),
        );
        let run = dlurl_koodrive(&server.base_url(), &[], &[fake::KOODRIVE_FILE_ID], true);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }

    #[test]
    fn cli_refusal_does_not_print_the_secret() {
        let server = FakeServer::start().unwrap();
        let run = common::dlurl(
            &["--base-url", &server.base_url(), "koodrive", "c", "f"],
            &[
                ("KOODRIVE_USER_ID", fake::KOODRIVE_USER_ID),
                ("KOODRIVE_APP_ID", fake::KOODRIVE_APP_ID),
                ("KOODRIVE_APP_SECRET", SECRET_MARKER),
            ],
        );
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains("refused by the api gateway"), "{run:?}");
        assert!(!run.stderr.contains(SECRET_MARKER) && !run.stdout.contains(SECRET_MARKER));
    }

    #[test]
    fn cli_demo_includes_koodrive() {
        let run = common::dlurl(&["demo"], &[]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("\tInvoice 1.pdf\t"), "{run:?}");
    }
}

// ---- X-Date and clock skew ([3/5]) ---------------------------------------------

/// The gateway refuses an `X-Date` in its future: a client clock a little fast
/// still works because `X-Date` is set back by `X_DATE_BACKDATE`.
#[test]
fn x_date_tolerates_a_slightly_fast_clock() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.koodrive.clock_offset = time::Duration::seconds(-10));
    let batch = links(&app_config(&server), &default_request()).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(server.request_count(), 1);
    let sent = server.last_request(Vendor::KooDrive).unwrap();
    let x_date = download_url::decode::parse_amz_date(sent.header("x-date").unwrap()).unwrap();
    let behind = OffsetDateTime::now_utc() - x_date;
    assert!(behind >= koodrive::X_DATE_BACKDATE, "{behind}");
}

/// A clock far off (fast or slow) is refused with the vendor's message; the crate
/// corrects by the reply's `Date` and tries once more.
#[test]
fn x_date_is_corrected_by_the_server_date_once() {
    for offset in [time::Duration::minutes(-5), time::Duration::minutes(20)] {
        let server = FakeServer::start().unwrap();
        server.configure(|s| s.koodrive.clock_offset = offset);
        let batch = links(&app_config(&server), &default_request()).unwrap();
        assert_eq!(batch.links.len(), 1, "{offset}");
        assert_eq!(server.request_count(), 2, "{offset}");
    }
    // Refused for another reason: no second try.
    let server = FakeServer::start().unwrap();
    let mut config = app_config(&server);
    config.auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, "wrong-secret");
    let err = links(&config, &default_request()).unwrap_err();
    assert_eq!(err.code(), None, "{err:?}");
    assert_eq!(server.request_count(), 1);
}

// ---- [3/5] round 3: replies as the real servers send them (fake presets) ----

use download_url::fake::presets::koodrive as preset;
use download_url::UnattributedAnswer;

/// A reply naming an id that was not asked for keeps the links that were.
#[test]
fn an_unasked_id_keeps_the_asked_links() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::KooDrive,
        preset::unasked_id(&[fake::KOODRIVE_FILE_ID], "someone-elses"),
    );
    let batch = links(&app_config(&server), &default_request()).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(batch.links[0].item, fake::KOODRIVE_FILE_ID);
    assert!(batch.failures.is_empty(), "{:?}", batch.failures);
    assert_eq!(batch.unattributed.len(), 1);
    let extra = &batch.unattributed[0];
    assert_eq!(extra.item.as_deref(), Some("someone-elses"));
    assert!(matches!(&extra.answer, UnattributedAnswer::Link(l) if l.item == "someone-elses"));
    assert_eq!(
        extra.to_string(),
        "koodrive: someone-elses (not asked for): a link"
    );
}

/// A failure entry without `fileId` that no left-out id can take keeps its
/// code and message in `Batch::unattributed`.
#[test]
fn a_failure_without_file_id_keeps_its_code() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::KooDrive,
        preset::failure_without_file_id(&[fake::KOODRIVE_FILE_ID]),
    );
    let batch = links(&app_config(&server), &default_request()).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert!(batch.is_complete());
    assert_eq!(batch.unattributed.len(), 1);
    let lost = &batch.unattributed[0];
    assert_eq!(lost.item, None);
    assert_eq!(lost.code(), Some(&VendorCode::Text("13000302".into())));
    assert_eq!(
        lost.to_string(),
        "koodrive: an answer naming no item: refused (code 13000302): file not in specified container"
    );
}

/// `retry_failed` keeps only what it asked again for: a retry answered with a
/// stranger's link beside ours merges ours and leaves the stranger's apart.
#[test]
fn retry_failed_merges_only_the_items_it_asked_for() {
    let server = FakeServer::start().unwrap();
    let ids = [fake::KOODRIVE_FILE_ID, "b"];
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids);
    // "b" is left out of the first reply: missing, retryable.
    server.push(
        Vendor::KooDrive,
        preset::batch_code_missing(&[fake::KOODRIVE_FILE_ID]),
    );
    let mut batch = links(&app_config(&server), &request).unwrap();
    assert_eq!(batch.retryable_items(), ["b"]);
    server.push(Vendor::KooDrive, preset::unasked_id(&["b"], "stranger"));
    batch
        .retry_failed(|items| links(&app_config(&server), &request.with_file_ids(items)))
        .unwrap();
    let got: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(got, [fake::KOODRIVE_FILE_ID, "b"]);
    assert!(batch.is_complete());
    assert_eq!(batch.unattributed.len(), 1);
    assert_eq!(batch.unattributed[0].item.as_deref(), Some("stranger"));
}

/// `batchCode` is informational: null or missing, the links are still good.
#[test]
fn a_null_or_missing_batch_code_keeps_the_links() {
    let server = FakeServer::start().unwrap();
    for reply in [
        preset::batch_code_null(&[fake::KOODRIVE_FILE_ID]),
        preset::batch_code_missing(&[fake::KOODRIVE_FILE_ID]),
    ] {
        server.push(Vendor::KooDrive, reply);
        let batch = links(&app_config(&server), &default_request()).unwrap();
        assert_eq!(batch.links.len(), 1);
        assert!(batch.is_complete());
    }
}

/// Huawei's gateway answers a date out of its window with `APIG.0303` and
/// `server time:` in the message. The first call learns the offset once; a
/// later call in the same process (same base URL) pays nothing.
#[test]
fn a_fast_clock_pays_extra_requests_on_the_first_wave_only() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.koodrive.clock_offset = time::Duration::minutes(-5));
    let ids = many_files(&server, 250);
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.clone());
    // One call at a time: only the first of the three calls is refused.
    let mut config = app_config(&server);
    config.concurrency = 1;
    let batch = links(&config, &request).unwrap();
    assert_eq!(batch.links.len(), 250);
    assert_eq!(server.request_count(), 4, "3 calls + 1 for the first");
    // A later request, 3 calls at once: none is refused.
    config.concurrency = 4;
    let batch = links(&config, &request).unwrap();
    assert_eq!(batch.links.len(), 250);
    assert_eq!(server.request_count(), 7, "3 more calls, no refusal");
    // A one-file call on a fresh config with the same base URL too.
    koodrive::download_link(&agent(), &app_config(&server), &default_request()).unwrap();
    assert_eq!(server.request_count(), 8);
}

/// A refusal whose message states the server time: corrected by it, even
/// without a `Date` header.
#[test]
fn apig_0303_is_corrected_by_the_server_time_in_its_message() {
    let server = FakeServer::start().unwrap();
    let server_now = OffsetDateTime::now_utc() - time::Duration::minutes(3);
    server.configure(|s| s.koodrive.clock_offset = time::Duration::minutes(-3));
    server.push(
        Vendor::KooDrive,
        preset::signature_expired("20991231T000000Z", server_now),
    );
    let batch = links(&app_config(&server), &default_request()).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(server.request_count(), 2);
}

/// A gateway stating a server time at the very end of what a date can hold
/// (year 9999): the offset learned from it must not make a later call panic
/// when the local clock has moved on by a second (`now + offset` out of range).
/// The call fails or succeeds, but it returns.
#[test]
fn a_server_time_at_year_9999_does_not_panic_a_later_call() {
    let server = FakeServer::start().unwrap();
    let end = time::macros::datetime!(9999-12-31 23:59:59 UTC);
    server.push(
        Vendor::KooDrive,
        preset::signature_expired("20240101T000000Z", end),
    );
    // The first call learns the offset (and is refused again by the fake).
    let first = links(&app_config(&server), &default_request());
    assert!(first.is_err(), "{first:?}");
    // A second later, the same base URL: `now + offset` is past year 9999.
    std::thread::sleep(Duration::from_millis(1100));
    let config = app_config(&server);
    let later = std::thread::spawn(move || links(&config, &default_request()).is_ok()).join();
    assert!(later.is_ok(), "the later call panicked");
}

/// A failure without `fileId` takes a left-out id only when the answers
/// without `fileId` are failures, exactly as many as the ids left out: beside
/// a link without `fileId`, any left-out id may be the link's as well as the
/// failure's. Two ids left out, one id-less link and one id-less failure:
/// neither id is named; both stay missing and the failure stays unattributed.
#[test]
fn an_id_less_link_does_not_make_an_id_less_failure_attributable() {
    let server = FakeServer::start().unwrap();
    let batch = batch_for(
        &server,
        &[fake::KOODRIVE_FILE_ID, "b", "c"],
        json!({"code": 0, "batchCode": 0, "downloads": [
            ok_item(fake::KOODRIVE_FILE_ID, "a"),
            {"code": "0", "url": "https://obs.example/x", "fileName": "x"},
            {"code": "13000302", "msg": "file not in specified container"}
        ]}),
    );
    assert_eq!(items(&batch.failures), ["b", "c"]);
    assert!(
        batch
            .failures
            .iter()
            .all(|f| f.reason == FailureReason::Missing),
        "{batch:?}"
    );
    assert_eq!(batch.unattributed.len(), 2, "{batch:?}");

    // One id left out, one id-less failure, one id-less link: the left-out id
    // may be either's, so it stays missing.
    let batch = batch_for(
        &server,
        &[fake::KOODRIVE_FILE_ID, "b"],
        json!({"code": 0, "batchCode": 0, "downloads": [
            ok_item(fake::KOODRIVE_FILE_ID, "a"),
            {"code": "0", "url": "https://obs.example/x", "fileName": "x"},
            {"code": "13000302", "msg": "file not in specified container"}
        ]}),
    );
    assert_eq!(items(&batch.failures), ["b"]);
    assert_eq!(batch.failures[0].reason, FailureReason::Missing);
    assert_eq!(batch.unattributed.len(), 2, "{batch:?}");
}

/// A top-level `code` sent as a string (as some KooDrive APIs type it) is the
/// same code: "13000301" (space not found) is an `Api` error with that number,
/// a string code "0" is success, and a per-file code "0" with spaces around it
/// is a link.
#[test]
fn a_top_level_code_as_a_string_is_the_same_code() {
    let server = FakeServer::start().unwrap();
    let err = error_for(
        &server,
        FakeReply::json(
            400,
            json!({"code": "13000301", "msg": "container not exist"}),
        ),
    );
    assert_eq!(err.code(), Some(13_000_301), "{err:?}");
    assert_eq!(detail(&err).code, Some(Code::ContainerNotFound));
    let batch = batch_for(
        &server,
        &[fake::KOODRIVE_FILE_ID],
        json!({"code": "0", "batchCode": "1", "downloads": [
            {"fileId": fake::KOODRIVE_FILE_ID, "code": " 0 ", "url": "https://obs.example/a", "fileName": "a"}
        ]}),
    );
    assert_eq!(batch.links.len(), 1, "{batch:?}");
}
