//! kie.ai against the fake server.
#![cfg(all(feature = "kie", feature = "fake"))]

mod common;

use std::time::Duration;

use download_url::fake::{FakeReply, FakeServer, Fault, KIE_API_KEY};
use download_url::{kie, ApiDetail, Error, Expiry, TransportKind, UnexpectedReason, Vendor};
use serde_json::json;
use time::OffsetDateTime;

const EXAMPLE_LINK: &str = "https://tempfile.1f6cxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxbd98";
const FILE: &str = "https://tempfile.aiquickdraw.com/path/to/image.jpg";

fn setup() -> (FakeServer, kie::Config) {
    let server = FakeServer::start().unwrap();
    let mut config = kie::Config::new(KIE_API_KEY);
    config.base_url = server.base_url();
    (server, config)
}

fn call(config: &kie::Config) -> Result<download_url::DownloadLink, Error> {
    kie::download_link(&common::quick_agent(), config, FILE)
}

#[test]
fn success_returns_the_vendor_example_with_a_20_minute_expiry() {
    let (server, config) = setup();
    let before = OffsetDateTime::now_utc();
    let link = call(&config).unwrap();
    let after = OffsetDateTime::now_utc();
    assert_eq!(link.url, EXAMPLE_LINK);
    assert_eq!(link.item, FILE);
    let Expiry::At(at) = link.expires else {
        panic!("{:?}", link.expires)
    };
    assert!(at >= before + Duration::from_secs(1200));
    assert!(at <= after + Duration::from_secs(1200));

    let request = server.last_request(Vendor::Kie).unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v1/common/download-url");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KIE_API_KEY}").as_str())
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.body, format!("{{\"url\":\"{FILE}\"}}").into_bytes());

    assert_eq!(link.vendor, Vendor::Kie);
    assert_eq!(link.file_name, None);
}

#[test]
fn expiry_comes_from_x_amz_parameters_when_the_link_has_them() {
    let (server, config) = setup();
    let url = "https://tempfile.r2.example/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20250101T000000Z&X-Amz-Expires=1200&X-Amz-Signature=abc";
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 200, "msg": "success", "data": url})),
    );
    let link = call(&config).unwrap();
    // The URL's own expiry is earlier than arrival + 20 minutes: it wins.
    assert_eq!(
        link.expires,
        Expiry::At(time::macros::datetime!(2025-01-01 00:20:00 UTC))
    );
    assert!(!format!("{link:?}").contains("X-Amz-Signature"));
}

#[test]
fn every_documented_code_inside_http_200() {
    let (server, config) = setup();
    let table = [
        (401, kie::Code::Unauthorized, false),
        (402, kie::Code::InsufficientCredits, false),
        (404, kie::Code::NotFound, false),
        (422, kie::Code::ValidationError, false),
        (429, kie::Code::RateLimited, true),
        (455, kie::Code::Maintenance, true),
        (500, kie::Code::ServerError, true),
        (505, kie::Code::FeatureDisabled, false),
        (418, kie::Code::Other(418), false),
    ];
    for (code, named, retryable) in table {
        let msg = format!("message for {code}");
        server.push(
            Vendor::Kie,
            FakeReply::json(200, json!({"code": code, "msg": msg, "data": null})),
        );
        let err = call(&config).unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{code}: {err:?}");
        assert_eq!(err.code(), Some(code), "{code}");
        assert_eq!(err.http_status(), Some(200));
        assert_eq!(err.message(), Some(msg.as_str()));
        assert_eq!(err.is_retryable(), retryable, "{code}");
        assert_eq!(err.vendor(), Vendor::Kie);
        match err.api_detail() {
            Some(ApiDetail::Kie(c)) => assert_eq!(*c, named),
            other => panic!("{other:?}"),
        }
        let shown = err.to_string();
        assert!(shown.starts_with("kie.ai: "), "{shown}");
        assert!(shown.contains(&format!("(code {code})")), "{shown}");
        assert!(!shown.contains('\n'));
    }
    assert_eq!(server.request_count(), table.len());
}

#[test]
fn display_is_one_short_line() {
    let (server, config) = setup();
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 402, "msg": "Insufficient credits"})),
    );
    let err = call(&config).unwrap_err();
    assert_eq!(err.to_string(), "kie.ai: insufficient credits (code 402)");
}

#[test]
fn errors_as_http_status_keep_status_and_code() {
    let (server, mut config) = setup();
    server.configure(|s| s.kie.errors_as_http_status = true);
    config.api_key = "wrong-key".into();
    let err = call(&config).unwrap_err();
    assert_eq!(err.http_status(), Some(401));
    assert_eq!(err.code(), Some(401));
    assert!(!err.is_retryable());
}

#[test]
fn the_fake_refuses_a_wrong_key_and_a_foreign_url() {
    let (_server, mut config) = setup();
    let err = kie::download_link(&common::quick_agent(), &config, "https://example.com/a.png")
        .unwrap_err();
    assert_eq!(err.code(), Some(422));
    config.api_key = "nope".into();
    assert_eq!(call(&config).unwrap_err().code(), Some(401));
}

#[test]
fn non_2xx_without_json_is_an_unexpected_response() {
    let (server, config) = setup();
    server.push(
        Vendor::Kie,
        FakeReply::raw(503, "text/plain", "upstream down"),
    );
    let err = call(&config).unwrap_err();
    match &err {
        Error::UnexpectedResponse(e) => {
            assert_eq!(e.http_status, 503);
            assert_eq!(e.reason, UnexpectedReason::NotJson);
            assert_eq!(e.body_excerpt, "upstream down");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());

    server.push(Vendor::Kie, FakeReply::raw(500, "application/json", ""));
    let err = call(&config).unwrap_err();
    assert_eq!(err.http_status(), Some(500));
    assert!(matches!(err, Error::UnexpectedResponse(_)));
}

#[test]
fn code_200_under_a_non_2xx_status_is_not_a_link() {
    let (server, config) = setup();
    server.push(
        Vendor::Kie,
        FakeReply::json(
            500,
            json!({"code": 200, "msg": "success", "data": EXAMPLE_LINK}),
        ),
    );
    let err = call(&config).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.reason == UnexpectedReason::Status && e.http_status == 500),
        "{err:?}"
    );
}

#[test]
fn success_without_a_usable_link_is_unexpected() {
    let (server, config) = setup();
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 200, "msg": "success"})),
    );
    let err = call(&config).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.reason == UnexpectedReason::WrongShape),
        "{err:?}"
    );
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 200, "msg": "success", "data": ""})),
    );
    let err = call(&config).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.reason == UnexpectedReason::InvalidContent),
        "{err:?}"
    );
}

#[test]
fn html_502_keeps_status_and_excerpt() {
    let (server, config) = setup();
    server.push_fault(Vendor::Kie, Fault::Html502);
    let err = call(&config).unwrap_err();
    match &err {
        Error::UnexpectedResponse(e) => {
            assert_eq!(e.http_status, 502);
            assert_eq!(e.reason, UnexpectedReason::NotJson);
            assert_eq!(e.content_type.as_deref(), Some("text/html"));
            assert!(e.body_excerpt.starts_with("<html"), "{}", e.body_excerpt);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    assert!(
        std::error::Error::source(&err).is_some(),
        "serde error kept as source"
    );
    assert!(err.to_string().contains("http 502"), "{err}");
}

#[test]
fn truncated_json() {
    let (server, config) = setup();
    server.push_fault(Vendor::Kie, Fault::TruncatedJson);
    let err = call(&config).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(e) if e.reason == UnexpectedReason::Truncated && e.http_status == 200),
        "{err:?}"
    );
}

#[test]
fn stalled_body_ends_in_a_timeout() {
    let (server, config) = setup();
    server.push_fault(Vendor::Kie, Fault::StallBody(Duration::from_secs(10)));
    let err = call(&config).unwrap_err();
    match &err {
        Error::Transport(e) => {
            assert_eq!(e.kind, TransportKind::Timeout);
            assert_eq!(e.http_status, Some(200));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
}

#[test]
fn connection_closed_mid_body_is_a_transport_error() {
    let (server, config) = setup();
    server.push_fault(Vendor::Kie, Fault::CloseMidBody);
    let err = call(&config).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind == TransportKind::Io && e.http_status == Some(200)),
        "{err:?}"
    );
}

#[test]
fn oversized_body_stops_at_the_limit() {
    let (server, config) = setup();
    server.push_fault(
        Vendor::Kie,
        Fault::Oversized(download_url::BODY_LIMIT + 1024),
    );
    let err = call(&config).unwrap_err();
    match &err {
        Error::UnexpectedResponse(e) => {
            assert_eq!(e.reason, UnexpectedReason::TooLarge);
            assert_eq!(e.http_status, 200);
            assert!(e.body_excerpt.len() <= download_url::EXCERPT_LIMIT);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rate_limit_with_retry_after() {
    let (server, config) = setup();
    server.push(
        Vendor::Kie,
        FakeReply::json(429, json!({"code": 429, "msg": "Rate limited"}))
            .with_header("Retry-After", "7"),
    );
    let err = call(&config).unwrap_err();
    assert_eq!(err.code(), Some(429));
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert!(err.is_retryable());

    server.push_fault(Vendor::Kie, Fault::RateLimited("1".into()));
    let err = call(&config).unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse(_)));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(err.is_retryable());

    let date = (OffsetDateTime::now_utc() + Duration::from_secs(3600))
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap()
        .replace("+0000", "GMT");
    server.push_fault(Vendor::Kie, Fault::RateLimited(date));
    let wait = call(&config).unwrap_err().retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );
}

#[test]
fn invalid_input_never_reaches_the_server() {
    let (server, mut config) = setup();
    for bad in [
        "",
        "   ",
        "ftp://tempfile.x/a",
        "tempfile.x/a",
        "https://",
        "https://h/a b",
    ] {
        let err = kie::download_link(&common::quick_agent(), &config, bad).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(i) if i.field == "url"),
            "{bad:?}: {err:?}"
        );
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("nothing was sent"), "{err}");
    }
    config.api_key = "line\nbreak".into();
    let err = call(&config).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(i) if i.field == "api_key"),
        "{err:?}"
    );
    config.api_key = KIE_API_KEY.into();
    config.base_url = "api.kie.ai".into();
    assert!(matches!(call(&config).unwrap_err(), Error::InvalidInput(_)));
    config.base_url = "http://192.0.2.10".into();
    let err = call(&config).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(i) if i.field == "base_url"),
        "{err:?}"
    );
    assert_eq!(server.request_count(), 0);
    assert_eq!(server.connections(), 0);
}

#[test]
fn marker_secret_never_printed() {
    let marker = "MARKER-kie-Zq81";
    let (server, mut config) = setup();
    server.configure(|s| s.kie.api_key = marker.to_owned());
    config.api_key = marker.into();
    assert!(!format!("{config:?}").contains(marker));
    let link = call(&config).unwrap();
    assert!(!format!("{link:?}").contains(marker));
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 402, "msg": "no credits"})),
    );
    common::assert_no_marker(&call(&config).unwrap_err(), marker);
    server.push_fault(Vendor::Kie, Fault::Html502);
    common::assert_no_marker(&call(&config).unwrap_err(), marker);
    config.api_key = format!("{marker}\n").into();
    common::assert_no_marker(&call(&config).unwrap_err(), marker);
}

#[test]
fn a_default_ureq_agent_still_gets_vendor_errors_and_no_redirects() {
    let (server, config) = setup();
    let other = FakeServer::start().unwrap();
    let agent = ureq::Agent::new_with_defaults();
    server.push(
        Vendor::Kie,
        FakeReply::json(402, json!({"code": 402, "msg": "no credits"})),
    );
    let err = kie::download_link(&agent, &config, FILE).unwrap_err();
    assert_eq!(err.code(), Some(402));
    assert_eq!(err.http_status(), Some(402));

    let location = format!("{}{}", other.base_url(), kie::PATH);
    server.push(
        Vendor::Kie,
        FakeReply::raw(302, "text/plain", "").with_header("Location", &location),
    );
    let err = kie::download_link(&agent, &config, FILE).unwrap_err();
    assert_eq!(err.http_status(), Some(302));
    assert_eq!(other.request_count(), 0, "redirect must not be followed");
}

#[test]
fn one_agent_reuses_one_connection() {
    let (server, config) = setup();
    let agent = download_url::agent();
    for _ in 0..20 {
        kie::download_link(&agent, &config, FILE).unwrap();
    }
    assert_eq!(server.request_count(), 20);
    assert_eq!(server.connections(), 1);
}
