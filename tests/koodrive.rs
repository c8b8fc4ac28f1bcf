//! KooDrive against the fake server: both auth modes, batches beyond 100 ids,
//! partial and all-failed replies, vendor errors, the fault table, secrets, CLI.
#![cfg(all(feature = "koodrive", feature = "fake"))]

mod common;

use std::time::Duration;

use download_url::fake::{self, FakeReply, FakeServer, Fault, KooDriveFile};
use download_url::koodrive::{self, Auth, BatchCode, Code};
use download_url::{agent, ApiDetail, Error, TransportKind, UnexpectedReason, Vendor};
use serde_json::json;

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

/// The error of the default call (app signature, default request) when the fake
/// answers it with `reply`.
fn error_for(server: &FakeServer, reply: FakeReply) -> Error {
    server.push(Vendor::KooDrive, reply);
    koodrive::download_urls(&agent(), &app_config(server), &default_request()).unwrap_err()
}

/// [`error_for`] a reply `{"code": code, "msg": msg}` with HTTP `status`.
fn error_for_code(server: &FakeServer, status: u16, code: u32, msg: &str) -> Error {
    error_for(
        server,
        FakeReply::json(status, json!({"code": code, "msg": msg})),
    )
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

#[test]
fn app_signature_success() {
    let server = FakeServer::start().unwrap();
    let downloads =
        koodrive::download_urls(&agent(), &app_config(&server), &default_request()).unwrap();
    assert_eq!(downloads.batch, BatchCode::AllSucceeded);
    assert!(downloads.is_complete());
    let file = &downloads.files[0];
    assert_eq!(file.file_id, fake::KOODRIVE_FILE_ID);
    assert_eq!(file.file_name, "Invoice 1.pdf");
    assert!(file.url.starts_with("https://"));
    let now = time::OffsetDateTime::now_utc();
    assert!(file.expires_at > now + time::Duration::minutes(50));
    assert!(file.expires_at <= now + time::Duration::minutes(61));

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

    let links = downloads.into_links();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].vendor, Vendor::KooDrive);
    assert_eq!(links[0].file_name.as_deref(), Some("Invoice 1.pdf"));
    assert!(links[0].expires_at.is_some());
    assert!(!links[0].is_expired());
}

#[test]
fn token_modes_and_optional_headers() {
    let server = FakeServer::start().unwrap();
    let mut config = token_config(&server);
    config.share_folder_id = Some("share-folder-1".into());
    config.trace_id = Some("a".repeat(30) + &"_9".repeat(14));
    config.language = None;
    koodrive::download_urls(&agent(), &config, &default_request()).unwrap();
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
    let err = koodrive::download_urls(&agent(), &config, &default_request()).unwrap_err();
    assert_eq!(err.http_status(), Some(401));
    assert_eq!(detail(&err).gateway_code.as_deref(), Some("APIGW.0301"));
    assert_eq!(err.code(), None);
    assert!(!err.is_retryable());
    // ...and accepted by one expecting it; the raw token likewise.
    server.configure(|s| s.koodrive.token_prefix = "Bearer+".into());
    koodrive::download_urls(&agent(), &config, &default_request()).unwrap();
    server.configure(|s| s.koodrive.token_prefix = String::new());
    config.auth = Auth::token_with_prefix(fake::KOODRIVE_TOKEN, "");
    koodrive::download_urls(&agent(), &config, &default_request()).unwrap();
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
    let err = koodrive::download_urls(&agent(), &config, &default_request()).unwrap_err();
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
    let err = koodrive::download_urls(&agent(), &config, &default_request()).unwrap_err();
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
    let downloads = koodrive::download_urls(&agent, &app_config(&server), &request).unwrap();
    assert_eq!(downloads.batch, BatchCode::AllSucceeded);
    let got: Vec<&str> = downloads.files.iter().map(|f| f.file_id.as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(downloads.files[249].file_name, "f249.bin");

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
    let downloads = koodrive::download_urls(&agent(), &app_config(&server), &request).unwrap();
    assert_eq!(downloads.batch, BatchCode::Partial);
    assert!(!downloads.is_complete());
    assert_eq!(downloads.files.len(), 1);
    let failed: Vec<(&str, &str)> = downloads
        .failures
        .iter()
        .map(|f| (f.file_id.as_str(), f.code.as_str()))
        .collect();
    assert_eq!(
        failed,
        [("missing-1", "13000302"), ("missing-2", "13000302")]
    );
    assert_eq!(
        downloads.failures[0].named_code(),
        Some(Code::FileNotInContainer)
    );
    assert!(!downloads.failures[0].message.is_empty());
}

#[test]
fn partial_across_chunks_recomputes_the_batch() {
    let server = FakeServer::start().unwrap();
    let mut ids = many_files(&server, 100);
    ids.push("missing".into()); // the second call fails entirely
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids);
    let downloads = koodrive::download_urls(&agent(), &app_config(&server), &request).unwrap();
    assert_eq!(server.request_count(), 2);
    assert_eq!(downloads.batch, BatchCode::Partial);
    assert_eq!(downloads.files.len(), 100);
    assert_eq!(downloads.failures.len(), 1);
}

#[test]
fn all_failed_is_an_api_error_with_every_failure() {
    let server = FakeServer::start().unwrap();
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ["gone-1", "gone-2"]);
    let err = koodrive::download_urls(&agent(), &app_config(&server), &request).unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.code(), Some(13_000_302));
    let detail = detail(&err);
    assert_eq!(detail.label(), "every file failed");
    assert_eq!(detail.code, Some(Code::FileNotInContainer));
    let ids: Vec<&str> = detail.failures.iter().map(|f| f.file_id.as_str()).collect();
    assert_eq!(ids, ["gone-1", "gone-2"]);
    assert!(
        err.to_string()
            .starts_with("koodrive: every file failed (code 13000302)"),
        "{err}"
    );
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
    assert!(detail(&err).failures.is_empty());
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "koodrive: parameter verification failed (code 13000102)"
    );
}

#[test]
fn unknown_container_is_refused_with_http_400() {
    let server = FakeServer::start().unwrap();
    let request = koodrive::Request::new("no-such-space", ["x"]);
    let err = koodrive::download_urls(&agent(), &app_config(&server), &request).unwrap_err();
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(detail(&err).code, Some(Code::ContainerNotFound));
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
    let item = json!({"fileId": "f", "fileName": "a", "url": "https://h/p", "code": "0", "msg": "success"});
    let cases = [
        json!({"code": 0, "msg": "ok", "batchCode": 7, "downloads": [item]}),
        json!({"code": 0, "msg": "ok", "batchCode": 2, "downloads": [item]}),
        json!({"code": 0, "msg": "ok", "batchCode": 1, "downloads": [{"fileId": "f", "code": "0", "url": "", "fileName": "a"}]}),
        json!({"code": 0, "msg": "ok", "batchCode": 1, "downloads": [{"fileId": "f", "code": "0", "url": "https://h/p"}]}),
    ];
    for body in cases {
        let err = error_for(&server, FakeReply::json(200, body.clone()));
        assert_eq!(
            unexpected_reason(&err),
            UnexpectedReason::InvalidContent,
            "{body}"
        );
    }
    let err = error_for(
        &server,
        FakeReply::json(200, json!({"code": 0, "msg": "ok", "batchCode": 1})),
    );
    assert_eq!(unexpected_reason(&err), UnexpectedReason::WrongShape);

    let err = error_for_code(&server, 500, 0, "ok");
    assert_eq!(unexpected_reason(&err), UnexpectedReason::Status);
    assert!(err.is_retryable());
}

#[test]
fn link_without_amz_parameters_gets_the_fallback_lifetime() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            200,
            json!({"code": 0, "msg": "ok", "batchCode": 1, "downloads": [
                {"fileId": "f", "fileName": "a", "url": "https://h/p?sig=1", "code": 0, "msg": "success"}
            ]}),
        ),
    );
    let downloads =
        koodrive::download_urls(&agent(), &app_config(&server), &default_request()).unwrap();
    let left = downloads.files[0].expires_at - time::OffsetDateTime::now_utc();
    assert!(left > time::Duration::minutes(55) && left <= koodrive::FALLBACK_LINK_LIFETIME);
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
    let err = koodrive::download_urls(
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
    let mut config = good.clone();
    config.base_url = "ftp://x".into();
    cases.push((config, default_request(), "base_url"));
    let mut config = good.clone();
    config.share_folder_id = Some("a\nb".into());
    cases.push((config, default_request(), "x-hw-share-folder-id"));
    let mut config = good.clone();
    config.base_url = "http://koodrive.example".into();
    cases.push((config, default_request(), "base_url"));

    for (config, request, field) in cases {
        let err = koodrive::download_urls(&agent(), &config, &request).unwrap_err();
        match &err {
            Error::InvalidInput(e) => assert_eq!(e.field, field, "{err}"),
            other => panic!("expected invalid input for {field}: {other:?}"),
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
    let err = koodrive::download_urls(&agent(), &config, &default_request()).unwrap_err();
    common::assert_no_marker(&err, TOKEN_MARKER);
    // An invalid-input error for a token that cannot be sent.
    config.auth = Auth::token(format!("{TOKEN_MARKER}\n"));
    let err = koodrive::download_urls(&agent(), &config, &default_request()).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    common::assert_no_marker(&err, TOKEN_MARKER);

    let mut config = app_config(&server);
    config.auth = Auth::app_signature(fake::KOODRIVE_APP_ID, SECRET_MARKER);
    assert!(!format!("{config:?}").contains(SECRET_MARKER));
    assert!(!format!("{:?}", config.auth).contains(SECRET_MARKER));
    let err = koodrive::download_urls(&agent(), &config, &default_request()).unwrap_err();
    common::assert_no_marker(&err, SECRET_MARKER);

    // Links: the presigned query never shows in Debug.
    let downloads =
        koodrive::download_urls(&agent(), &app_config(&server), &default_request()).unwrap();
    let shown = format!("{downloads:?} {:?}", downloads.clone().into_links());
    assert!(!shown.contains("X-Amz-Signature"), "{shown}");
    assert!(!format!("{:?}", fake::Settings::default()).contains(fake::KOODRIVE_APP_SECRET));
}

// ---------------------------------------------------------------------------
// CLI

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
        assert!(fields[2].ends_with('Z'), "{run:?}");
        assert!(run.stderr.is_empty(), "{run:?}");
    }
    assert!(server.requests()[1]
        .header("authorization")
        .unwrap()
        .starts_with("HMAC-SHA256 "));

    let run = dlurl_koodrive(&base, &["--json"], &[fake::KOODRIVE_FILE_ID], false);
    assert_eq!(run.code, 0, "{run:?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value[0]["vendor"], "koodrive");
    assert_eq!(value[0]["file_name"], "Invoice 1.pdf");
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
    assert!(
        run.stderr.contains("dlurl: failed: missing-1 13000302 "),
        "{run:?}"
    );
}

#[test]
fn cli_all_failed_exits_1_and_lists_each_file() {
    let server = FakeServer::start().unwrap();
    let run = dlurl_koodrive(&server.base_url(), &[], &["gone-1", "gone-2"], true);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains("koodrive: every file failed"),
        "{run:?}"
    );
    assert!(run.stderr.contains("gone-1 13000302"), "{run:?}");
    assert!(run.stderr.contains("gone-2 13000302"), "{run:?}");
}

#[test]
fn cli_usage_errors_exit_2_and_send_nothing() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let cases: Vec<(Vec<&str>, Env)> = vec![
        (vec!["koodrive", fake::KOODRIVE_CONTAINER_ID], cli_env(true)),
        (vec!["koodrive"], cli_env(true)),
        (vec!["koodrive", "c", "f"], vec![("KOODRIVE_USER_ID", "u")]),
        (vec!["koodrive", "c", "f"], vec![("KOODRIVE_TOKEN", "t")]),
        (
            vec!["koodrive", "c", "f"],
            vec![("KOODRIVE_USER_ID", "u"), ("KOODRIVE_APP_ID", "a")],
        ),
        (
            vec!["koodrive", "c", "f"],
            vec![
                ("KOODRIVE_USER_ID", "u"),
                ("KOODRIVE_TOKEN", "t"),
                ("KOODRIVE_APP_ID", "a"),
            ],
        ),
        (
            vec!["koodrive", "--trace-id", "short", "c", "f"],
            cli_env(true),
        ),
    ];
    for (args, env) in cases {
        let mut full = vec!["--base-url", base.as_str()];
        full.extend(args.iter().copied());
        let run = common::dlurl(&full, &env);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
    }
    assert_eq!(server.request_count(), 0);
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
    assert!(!run.stderr.contains(SECRET_MARKER) && !run.stdout.contains(SECRET_MARKER));
}

#[test]
fn cli_demo_includes_koodrive() {
    let run = common::dlurl(&["demo"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Invoice 1.pdf"), "{run:?}");
}
