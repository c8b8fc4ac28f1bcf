//! Datalab against the fake server.
#![cfg(all(feature = "datalab", feature = "fake"))]

mod common;

use std::time::Duration;

use download_url::datalab::{self, Detail, LocItem};
use download_url::fake::{FakeReply, FakeServer, Fault, DATALAB_API_KEY};
use download_url::{ApiDetail, Error, TransportKind, UnexpectedReason, Vendor};
use serde_json::json;
use time::OffsetDateTime;

fn setup() -> (FakeServer, datalab::Config) {
    let server = FakeServer::start().unwrap();
    let mut config = datalab::Config::new(DATALAB_API_KEY);
    config.base_url = server.base_url();
    (server, config)
}

fn call(
    config: &datalab::Config,
    request: &datalab::Request,
) -> Result<download_url::DownloadLink, Error> {
    datalab::download_link(&common::quick_agent(), config, request)
}

fn detail(err: &Error) -> &Detail {
    match err.api_detail() {
        Some(ApiDetail::Datalab(d)) => &d.detail,
        other => panic!("{other:?} for {err:?}"),
    }
}

#[test]
fn success_with_the_default_lifetime() {
    let (server, config) = setup();
    let before = OffsetDateTime::now_utc();
    let file = call(&config, &datalab::Request::new(42)).unwrap();
    let after = OffsetDateTime::now_utc();
    assert_eq!(file.item, "42");
    assert_eq!(file.file_name.as_deref(), Some("report.pdf"));
    assert!(file.url.contains("X-Amz-Expires=3600"));
    // The earlier of arrival + expires_in and the URL's own X-Amz expiry (whole
    // seconds): within a second of before + 3600.
    let at = file.expires.time().unwrap();
    assert!(at >= before + Duration::from_secs(3599));
    assert!(at <= after + Duration::from_secs(3600));
    assert!(!format!("{file:?}").contains("X-Amz-Signature"));

    let request = server.last_request(Vendor::Datalab).unwrap();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/api/v1/files/42/download");
    assert_eq!(request.query, None);
    assert_eq!(request.header("x-api-key"), Some(DATALAB_API_KEY));

    assert_eq!(file.vendor, Vendor::Datalab);
}

#[test]
fn expires_in_is_sent_and_used() {
    let (server, config) = setup();
    let mut request = datalab::Request::new(42);
    for secs in [60, 900, 86_400] {
        request.expires_in = Some(secs);
        let before = OffsetDateTime::now_utc();
        let file = call(&config, &request).unwrap();
        let at = file.expires.time().unwrap();
        assert!(at >= before + Duration::from_secs(u64::from(secs) - 1));
        assert!(at <= OffsetDateTime::now_utc() + Duration::from_secs(secs.into()));
        let sent = server.last_request(Vendor::Datalab).unwrap();
        assert_eq!(
            sent.query.as_deref(),
            Some(format!("expires_in={secs}").as_str())
        );
    }
}

#[test]
fn expires_in_out_of_range_is_rejected_before_sending() {
    let (server, config) = setup();
    for secs in [0, 59, 86_401, u32::MAX] {
        let mut request = datalab::Request::new(42);
        request.expires_in = Some(secs);
        let err = call(&config, &request).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(i) if i.field == "expires_in"),
            "{err:?}"
        );
    }
    for id in ["", ".", ".."] {
        let err = call(&config, &datalab::Request::new(id)).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(i) if i.field == "file_id"),
            "{id:?}: {err:?}"
        );
    }
    assert_eq!(server.request_count(), 0);
}

#[test]
fn hashid_form_is_one_path_segment() {
    let (server, config) = setup();
    let file = call(&config, &datalab::Request::new("abc123")).unwrap();
    assert_eq!(file.file_name.as_deref(), Some("report.pdf"));
    assert_eq!(file.item, "abc123");
    assert_eq!(
        server.last_request(Vendor::Datalab).unwrap().path,
        "/api/v1/files/abc123/download"
    );

    let err = call(&config, &datalab::Request::new("../x?y=1#z")).unwrap_err();
    let sent = server.last_request(Vendor::Datalab).unwrap();
    assert_eq!(sent.path, "/api/v1/files/..%2Fx%3Fy%3D1%23z/download");
    assert_eq!(sent.query, None);
    assert_eq!(err.http_status(), Some(422));
}

#[test]
fn validation_error_list_is_kept() {
    let (server, config) = setup();
    server.push(
        Vendor::Datalab,
        FakeReply::json(422, json!({"detail": [
            {"loc": ["query", "expires_in"], "msg": "Input should be greater than or equal to 60", "type": "greater_than_equal"},
            {"loc": ["body", 0, "x"], "msg": "Field required", "type": "missing"}
        ]})),
    );
    let err = call(&config, &datalab::Request::new(42)).unwrap_err();
    assert_eq!(err.http_status(), Some(422));
    assert_eq!(err.code(), None);
    match detail(&err) {
        Detail::Validation(items) => {
            assert_eq!(items.len(), 2);
            assert_eq!(
                items[0].loc,
                vec![
                    LocItem::Field("query".into()),
                    LocItem::Field("expires_in".into())
                ]
            );
            assert_eq!(items[0].kind, "greater_than_equal");
            assert_eq!(items[1].loc[1], LocItem::Index(0));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.message(),
        Some("query.expires_in: Input should be greater than or equal to 60; body.0.x: Field required")
    );
    assert!(!err.is_retryable());
}

#[test]
fn string_detail_and_error_field() {
    let (server, mut config) = setup();
    let err = call(&config, &datalab::Request::new(7)).unwrap_err();
    assert_eq!(err.http_status(), Some(404));
    assert_eq!(detail(&err), &Detail::Message("File not found".into()));
    assert_eq!(err.to_string(), "datalab: file not found (HTTP 404)");

    server.push(
        Vendor::Datalab,
        FakeReply::json(400, json!({"error": "bad things"})),
    );
    let err = call(&config, &datalab::Request::new(42)).unwrap_err();
    assert_eq!(detail(&err), &Detail::Error("bad things".into()));

    config.api_key = "wrong".into();
    let err = call(&config, &datalab::Request::new(42)).unwrap_err();
    assert_eq!(err.http_status(), Some(401));
    assert_eq!(err.message(), Some("Invalid API key"));
    assert!(!err.is_retryable());
}

#[test]
fn error_json_without_detail_is_unexpected() {
    let (server, config) = setup();
    server.push(Vendor::Datalab, FakeReply::json(400, json!({"oops": 1})));
    let err = call(&config, &datalab::Request::new(42)).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.http_status == 400 && e.reason == UnexpectedReason::WrongShape),
        "{err:?}"
    );
}

#[test]
fn success_of_the_wrong_shape() {
    let (server, config) = setup();
    server.push(
        Vendor::Datalab,
        FakeReply::json(
            200,
            json!({"download_url": "https://x/y", "original_filename": "y", "file_id": 42}),
        ),
    );
    // `expires_in` carries the link's lifetime: strict (a missing
    // `original_filename` is tolerated, see below).
    let err = call(&config, &datalab::Request::new(42)).unwrap_err();
    match &err {
        Error::UnexpectedResponse(e) => {
            assert_eq!(e.reason, UnexpectedReason::WrongShape);
            assert!(
                e.note.as_deref().unwrap_or("").contains("expires_in"),
                "{:?}",
                e.note
            );
        }
        other => panic!("{other:?}"),
    }
    server.push(
        Vendor::Datalab,
        FakeReply::raw(200, "application/json", "null"),
    );
    let err = call(&config, &datalab::Request::new(42)).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.reason == UnexpectedReason::WrongShape),
        "{err:?}"
    );
}

#[test]
fn faults() {
    let (server, config) = setup();
    let request = datalab::Request::new(42);

    server.push_fault(Vendor::Datalab, Fault::Html502);
    let err = call(&config, &request).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.http_status == 502 && e.reason == UnexpectedReason::NotJson && e.body_excerpt.starts_with("<html")),
        "{err:?}"
    );

    server.push_fault(Vendor::Datalab, Fault::TruncatedJson);
    let err = call(&config, &request).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.http_status == 200 && e.reason == UnexpectedReason::Truncated),
        "{err:?}"
    );

    server.push_fault(Vendor::Datalab, Fault::StallBody(Duration::from_secs(10)));
    let err = call(&config, &request).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind == TransportKind::Timeout && e.http_status == Some(200)),
        "{err:?}"
    );

    server.push_fault(Vendor::Datalab, Fault::CloseMidBody);
    let err = call(&config, &request).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind == TransportKind::Io),
        "{err:?}"
    );

    server.push_fault(
        Vendor::Datalab,
        Fault::Oversized(download_url::BODY_LIMIT + 1024),
    );
    let err = call(&config, &request).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.reason == UnexpectedReason::TooLarge),
        "{err:?}"
    );

    server.push_fault(Vendor::Datalab, Fault::RateLimited("1".into()));
    let err = call(&config, &request).unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.http_status(), Some(429));
    assert!(err.is_retryable());

    server.push(
        Vendor::Datalab,
        FakeReply::json(429, json!({"detail": "Rate limit exceeded"}))
            .with_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    let err = call(&config, &request).unwrap_err();
    assert!(matches!(err, Error::Api(_)));
    assert_eq!(
        err.retry_after(),
        Some(Duration::ZERO),
        "a date in the past means now"
    );
    assert!(err.is_retryable());

    // And the server is still fine afterwards.
    call(&config, &request).unwrap();
}

#[test]
fn marker_secret_never_printed() {
    let marker = "MARKER-datalab-77Qa";
    let (server, mut config) = setup();
    server.configure(|s| s.datalab.api_key = marker.to_owned());
    config.api_key = marker.into();
    assert!(!format!("{config:?}").contains(marker));
    let file = call(&config, &datalab::Request::new(42)).unwrap();
    assert!(!format!("{file:?}").contains(marker));
    common::assert_no_marker(
        &call(&config, &datalab::Request::new(9)).unwrap_err(),
        marker,
    );
    server.push_fault(Vendor::Datalab, Fault::TruncatedJson);
    let err = call(&config, &datalab::Request::new(42)).unwrap_err();
    common::assert_no_marker(&err, marker);
    common::assert_no_marker(&err, "X-Amz-Signature");
}

/// The team cookie (`datalab_active_team`, the web app's; the official SDK
/// sends no cookie) can be set in the config; a value that would break the cookie is
/// refused before sending.
#[test]
fn team_cookie_is_sent_when_configured() {
    let (server, mut config) = setup();
    call(&config, &datalab::Request::new(42)).unwrap();
    assert_eq!(
        server
            .last_request(Vendor::Datalab)
            .unwrap()
            .header("cookie"),
        None
    );
    config.team = Some("team_42".into());
    call(&config, &datalab::Request::new(42)).unwrap();
    assert_eq!(
        server
            .last_request(Vendor::Datalab)
            .unwrap()
            .header("cookie"),
        Some("datalab_active_team=team_42")
    );
    let before = server.request_count();
    for bad in ["a;b", "a b", "", "\"x\""] {
        config.team = Some(bad.into());
        let err = call(&config, &datalab::Request::new(42)).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(i) if i.field == "team"),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(server.request_count(), before);
}

/// The expiry comes from the URL's own parameters when they state an earlier
/// bound than arrival + `expires_in`.
#[test]
fn expiry_is_the_earlier_of_the_url_and_expires_in() {
    let (server, config) = setup();
    let url = "https://datalab-files.s3.amazonaws.com/f/r.pdf?X-Amz-Date=20250101T000000Z&X-Amz-Expires=60&X-Amz-Signature=s";
    server.push(
        Vendor::Datalab,
        FakeReply::json(
            200,
            json!({"download_url": url, "expires_in": 3600, "file_id": 42, "original_filename": "r.pdf"}),
        ),
    );
    let link = call(&config, &datalab::Request::new(42)).unwrap();
    assert_eq!(
        link.expires,
        download_url::Expiry::At(time::macros::datetime!(2025-01-01 00:01:00 UTC))
    );
}

// ---- nulls where the docs show values ([3/5] round 3) ------------------------

/// `original_filename` is informational: null or missing, the link is still
/// good (its name from the URL); `download_url` and `expires_in` stay strict.
#[test]
fn null_or_missing_original_filename_keeps_the_link() {
    use download_url::fake::presets::datalab as preset;
    let (server, config) = setup();
    for reply in [
        preset::null_original_filename(42),
        preset::missing_original_filename(42),
    ] {
        server.push(Vendor::Datalab, reply);
        let link = call(&config, &datalab::Request::new(42)).unwrap();
        assert_eq!(link.file_name.as_deref(), Some("report.pdf"));
        assert!(link.expires.time().is_some());
    }
}
