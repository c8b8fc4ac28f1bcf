//! Cloudreve v4 `POST /api/v4/file/url` against the fake server.
#![cfg(all(feature = "cloudreve", feature = "fake"))]

mod common;

use std::time::Duration;

use download_url::cloudreve::{
    self, my_uri, share_uri, uri_from, uri_path, Code, Config, ErrorDetail, Request,
};
use download_url::fake::{self, FakeReply, FakeServer, FakeShare, Fault};
use download_url::{
    agent, Batch, Error, Expiry, FailureReason, TransportKind, UnexpectedReason, Vendor,
};
use serde_json::json;
use time::macros::datetime;
use time::{OffsetDateTime, UtcOffset};

/// The file names of the vendor page's examples and their URIs.
const EXAMPLES: [(&str, &str); 4] = [
    ("The Man.mp3", "cloudreve://my/The%20Man.mp3"),
    (
        "Taylor Swift - Untouchable (Taylor’s Version).mp3",
        "cloudreve://my/Taylor%20Swift%20-%20Untouchable%20(Taylor%E2%80%99s%20Version).mp3",
    ),
    (
        "遠野ひかる - LOVE 2000.mp3",
        "cloudreve://my/%E9%81%A0%E9%87%8E%E3%81%B2%E3%81%8B%E3%82%8B%20-%20LOVE%202000.mp3",
    ),
    (
        "Taylor Swift - Guilty as Sin.mp3",
        "cloudreve://my/Taylor%20Swift%20-%20Guilty%20as%20Sin.mp3",
    ),
];

const CORRELATION: &str = "b4351ecc-ee1a-4455-bc94-2c3dbcc58538";

fn config(server: &FakeServer) -> Config {
    let mut config = Config::new(server.base_url());
    config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    config
}

fn anonymous(server: &FakeServer) -> Config {
    Config::new(server.base_url())
}

fn call(config: &Config, request: &Request) -> Result<Batch, Error> {
    cloudreve::download_links(&agent(), config, request)
}

/// One URI through `download_link`: a 40081 for it stays the call's `Err`
/// (`download_links` makes it that URI's `Refused` failure).
fn one(config: &Config, request: &Request) -> Result<download_url::DownloadLink, Error> {
    cloudreve::download_link(&agent(), config, request)
}

/// The fake's own answer to `uris` (sent by hand, decoded as one reply with
/// no extra call): the error it stands for.
fn call_raw(server: &FakeServer, uris: &[String]) -> Error {
    let body = agent()
        .post(&format!("{}/api/v4/file/url", server.base_url()))
        .header(
            "authorization",
            &format!("Bearer {}", fake::CLOUDREVE_TOKEN),
        )
        .header("content-type", "application/json")
        .send(json!({ "uris": uris }).to_string())
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    let raw = download_url::decode::RawReply::new(200, body.as_bytes());
    download_url::decode::cloudreve(&raw, &Request::new(uris.iter().cloned())).unwrap_err()
}

fn api_detail(err: &Error) -> &ErrorDetail {
    ErrorDetail::of(err).unwrap_or_else(|| panic!("not a cloudreve api error: {err:?}"))
}

fn unexpected_reason(err: &Error) -> UnexpectedReason {
    match err {
        Error::UnexpectedResponse(e) => e.reason,
        other => panic!("expected an unexpected response, got {other:?}"),
    }
}

fn invalid_field(err: &Error) -> &'static str {
    match err {
        Error::InvalidInput(e) => {
            assert_eq!(e.vendor, Vendor::Cloudreve);
            e.field
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn push(server: &FakeServer, body: serde_json::Value) {
    server.push(Vendor::Cloudreve, FakeReply::json(200, body));
}

fn redirect_to(server: &FakeServer, location: &str) {
    server.push(
        Vendor::Cloudreve,
        FakeReply::Response {
            status: 302,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        },
    );
}

fn sign_seconds(url: &str) -> i64 {
    let sign = url.split("sign=").nth(1).expect("sign");
    sign.rsplit("%3A").next().unwrap().parse().unwrap()
}

/// `Expiry::At` the unix time `seconds`.
fn at_unix(seconds: i64) -> Expiry {
    Expiry::At(OffsetDateTime::from_unix_timestamp(seconds).unwrap())
}

/// The time of an `Expiry::At`, which must be in UTC.
fn utc_time(expires: Expiry) -> OffsetDateTime {
    let at = expires
        .time()
        .unwrap_or_else(|| panic!("no time: {expires:?}"));
    assert_eq!(at.offset(), UtcOffset::UTC, "{at}");
    at
}

// ---- URIs -------------------------------------------------------------------

#[test]
fn vendor_example_uris_round_trip_through_the_builder() {
    for (name, uri) in EXAMPLES {
        assert_eq!(my_uri(name), uri);
        assert_eq!(uri_path(uri).as_deref(), Some(name));
        assert_eq!(uri_from(name), uri);
        assert_eq!(uri_from(uri), uri, "a URI passes through untouched");
    }
}

#[test]
fn builder_encodes_every_segment() {
    assert_eq!(
        my_uri("/dir one/50% #1?.txt/"),
        "cloudreve://my/dir%20one/50%25%20%231%3F.txt"
    );
    assert_eq!(my_uri("a//b"), "cloudreve://my/a/b");
    assert_eq!(
        share_uri("VoMFL", Some("2rje2bdj"), "folder/child"),
        "cloudreve://VoMFL:2rje2bdj@share/folder/child"
    );
    assert_eq!(
        share_uri("a@b", Some("p:w"), "x y"),
        "cloudreve://a%40b:p%3Aw@share/x%20y"
    );
    assert_eq!(share_uri("Ab3x", None, ""), "cloudreve://Ab3x@share");
    assert_eq!(uri_path("cloudreve://my").as_deref(), Some(""));
    assert_eq!(uri_path("https://x/y"), None);
    // Odd strings pass through untouched too.
    let raw = "cloudreve://my/already%20encoded?name=x";
    assert_eq!(uri_from(raw), raw);
}

// ---- success ------------------------------------------------------------------

#[test]
fn four_example_files_with_download() {
    let server = FakeServer::start().unwrap();
    let uris: Vec<String> = EXAMPLES.iter().map(|(name, _)| my_uri(name)).collect();
    let mut request = Request::new(uris.clone());
    request.download = Some(true);
    let batch = call(&config(&server), &request).unwrap();

    assert!(batch.is_complete());
    assert!(batch.failures.is_empty());
    assert_eq!(batch.links.len(), 4);
    let now = OffsetDateTime::now_utc();
    for ((link, uri), (name, _)) in batch.links.iter().zip(&uris).zip(EXAMPLES) {
        assert_eq!(link.vendor, Vendor::Cloudreve);
        assert_eq!(link.item, *uri, "item is the URI exactly as sent");
        assert!(link
            .url
            .starts_with("http://localhost:5173/api/v4/file/content/"));
        assert!(link.url.contains("download=true&sign="));
        assert_eq!(link.file_name.as_deref(), Some(name));
        // The reply's `expires` (with a fraction) and the URL's `sign` state the same
        // moment: the earlier is the sign's whole second.
        assert_eq!(link.expires, at_unix(sign_seconds(link.url.as_str())));
        assert_eq!(link.expires, batch.links[0].expires);
        assert!(utc_time(link.expires) > now);
        assert!(!link.is_expired());
        assert_eq!(batch.link_for(uri), Some(link));
    }

    let sent = server.last_request(Vendor::Cloudreve).unwrap();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/api/v4/file/url");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {}", fake::CLOUDREVE_TOKEN).as_str())
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    let expected_uris: Vec<&str> = EXAMPLES.iter().map(|(_, uri)| *uri).collect();
    assert_eq!(
        sent.json(),
        json!({"uris": expected_uris, "download": true})
    );
}

#[test]
fn download_link_takes_one_uri() {
    let server = FakeServer::start().unwrap();
    let uri = my_uri("The Man.mp3");
    let link =
        cloudreve::download_link(&agent(), &config(&server), &Request::new([uri.clone()])).unwrap();
    assert_eq!(link.vendor, Vendor::Cloudreve);
    assert_eq!(link.item, uri);
    assert_eq!(link.file_name.as_deref(), Some("The Man.mp3"));
    assert_eq!(link.expires, at_unix(sign_seconds(link.url.as_str())));
    assert!(!link.is_expired());

    // Several URIs without `archive` are refused before sending.
    let two = Request::new([my_uri("The Man.mp3"), my_uri("folder/report.pdf")]);
    let err = cloudreve::download_link(&agent(), &config(&server), &two).unwrap_err();
    assert_eq!(invalid_field(&err), "uris");
    assert_eq!(server.request_count(), 1);

    // An archive is one link for all its URIs.
    let mut archive = two.clone();
    archive.archive = Some(true);
    let link = cloudreve::download_link(&agent(), &config(&server), &archive).unwrap();
    assert_eq!(link.item, two.uris.join("\n"));
    assert!(link.url.contains("/archive.zip?sign="));

    // A refused URI is the server's 40081.
    let missing = Request::new([my_uri("missing.mp3")]);
    let err = cloudreve::download_link(&agent(), &config(&server), &missing).unwrap_err();
    assert_eq!(err.code(), Some(40081));
    assert_eq!(
        api_detail(&err).uri_error(&missing.uris[0]).unwrap().code,
        Code::ParentNotExist
    );

    // Under `skip_error` the server gives no reason: an unexpected response.
    let mut skip = missing.clone();
    skip.skip_error = Some(true);
    let err = cloudreve::download_link(&agent(), &config(&server), &skip).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::InvalidContent);

    // An unusable URL for the one URI is an unexpected response too.
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [{"url": "javascript:alert(1)"}], "expires": null}}),
    );
    let err =
        cloudreve::download_link(&agent(), &config(&server), &Request::new([uri])).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::InvalidContent);
}

#[test]
fn only_set_fields_are_sent() {
    let server = FakeServer::start().unwrap();
    let request = Request::new([my_uri("The Man.mp3")]);
    call(&config(&server), &request).unwrap();
    assert_eq!(
        server.last_request(Vendor::Cloudreve).unwrap().json(),
        json!({"uris": ["cloudreve://my/The%20Man.mp3"]})
    );

    let mut request = Request::new([my_uri("The Man.mp3")]);
    request.download = Some(false);
    request.redirect = Some(false);
    request.entity = Some("aO8j".into());
    request.use_primary_site_url = Some(true);
    request.skip_error = Some(false);
    request.archive = Some(false);
    request.no_cache = Some(true);
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(
        server.last_request(Vendor::Cloudreve).unwrap().json(),
        json!({
            "uris": ["cloudreve://my/The%20Man.mp3"],
            "download": false,
            "redirect": false,
            "entity": "aO8j",
            "use_primary_site_url": true,
            "skip_error": false,
            "archive": false,
            "no_cache": true,
        })
    );
}

#[test]
fn with_uris_keeps_the_options() {
    let mut request = Request::new([my_uri("a")]);
    request.download = Some(true);
    request.skip_error = Some(true);
    let other = request.with_uris([my_uri("b"), my_uri("c")]);
    assert_eq!(other.uris, [my_uri("b"), my_uri("c")]);
    assert_eq!(other.download, Some(true));
    assert_eq!(other.skip_error, Some(true));
}

#[test]
fn base_url_with_or_without_api_prefix() {
    let server = FakeServer::start().unwrap();
    let request = Request::new([my_uri("The Man.mp3")]);
    for suffix in ["", "/", "/api/v4", "/api/v4/"] {
        let mut config = config(&server);
        config.base_url = format!("{}{suffix}", server.base_url()).into();
        call(&config, &request).unwrap();
        assert_eq!(
            server.last_request(Vendor::Cloudreve).unwrap().path,
            "/api/v4/file/url",
            "{suffix}"
        );
    }
    assert_eq!(server.request_count(), 4);
}

#[test]
fn optional_headers_are_sent() {
    let server = FakeServer::start().unwrap();
    let mut config = config(&server);
    config.purchase_ticket = Some("1f63aa26-edc0-40ce-950a-cb4d4323158e".into());
    config.context_hint = Some("b832b998-7ece-4ffd-ba6b-afb64530ca70".into());
    call(&config, &Request::new([my_uri("The Man.mp3")])).unwrap();
    let sent = server.last_request(Vendor::Cloudreve).unwrap();
    assert_eq!(
        sent.header("x-cr-purchase-ticket"),
        Some("1f63aa26-edc0-40ce-950a-cb4d4323158e")
    );
    assert_eq!(
        sent.header("x-cr-context-hint"),
        Some("b832b998-7ece-4ffd-ba6b-afb64530ca70")
    );
}

// ---- expiry -------------------------------------------------------------------

#[test]
fn vendor_example_reply_expires_with_fraction_and_offset() {
    let server = FakeServer::start().unwrap();
    push(
        &server,
        json!({
            "code": 0,
            "data": {
                "urls": [
                    {"url": "http://localhost:5173/api/v4/file/content/DprI3/0/The%20Man.mp3?download=true&sign=btoUMo1Z3K-i-zvUZ_YfCOr92up-tJXBrtJ4Fr-Zbfs%3D%3A1749528415"},
                    {"url": "http://localhost:5173/api/v4/file/content/Qynu9/0/Taylor%20Swift%20-%20Untouchable%20%28Taylor%E2%80%99s%20Version%29.mp3?download=true&sign=5U3QzjUBRDgMfwiaQHPT-Y40ZOz1hDwSQq14DtT26Sg%3D%3A1749528415"},
                    {"url": "http://localhost:5173/api/v4/file/content/8zJJC0/0/%E9%81%A0%E9%87%8E%E3%81%B2%E3%81%8B%E3%82%8B%20-%20LOVE%202000.mp3?download=true&sign=vIE8OIoWmwhLDhl5VyO5wysIZTVEhHpOAQfBt1r1zW0%3D%3A1749528415"},
                    {"url": "http://localhost:5173/api/v4/file/content/o7OhD/0/Taylor%20Swift%20-%20Guilty%20as%20Sin.mp3?download=true&sign=zJmW1lcpI-klLL5D2hC_nDxwQRzybsY-94peD_cpEBQ%3D%3A1749528415"}
                ],
                "expires": "2025-06-10T12:06:55.011624+08:00"
            },
            "msg": ""
        }),
    );
    let mut request = Request::new(EXAMPLES.iter().map(|(_, uri)| *uri));
    request.skip_error = Some(true);
    request.download = Some(true);
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(batch.links.len(), 4);
    assert!(batch.failures.is_empty());
    // `expires` is 04:06:55.011624 UTC; the signature's 1749528415 is 04:06:55 UTC,
    // a fraction earlier: the earlier one wins, in UTC.
    let at = datetime!(2025-06-10 04:06:55 UTC);
    for link in &batch.links {
        assert_eq!(link.expires, Expiry::At(at));
        assert_eq!(utc_time(link.expires), at);
        assert_eq!(link.expires.to_string(), "2025-06-10T04:06:55Z");
        assert!(link.is_expired());
    }
    assert_eq!(batch.links[1].file_name.as_deref(), Some(EXAMPLES[1].0));
}

#[test]
fn reply_expires_earlier_than_the_signature_wins_and_is_utc() {
    let server = FakeServer::start().unwrap();
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [
            {"url": "https://h/p/a?sign=abc%3D%3A1749528415"},
            {"url": "https://h/p/b"},
            {"url": "https://h/p/c?sign=abc%3D%3A0"}
        ], "expires": "2025-06-10T12:00:00.5+08:00"}}),
    );
    let request = Request::new(["cloudreve://my/a", "cloudreve://my/b", "cloudreve://my/c"]);
    let batch = call(&config(&server), &request).unwrap();
    let at = datetime!(2025-06-10 04:00:00.5 UTC);
    for link in &batch.links {
        // Earlier than the signature; the only bound stated; a stated time beats
        // the signature's "never".
        assert_eq!(utc_time(link.expires), at, "{}", link.item);
        assert_eq!(link.expires.to_string(), "2025-06-10T04:00:00Z");
    }
    assert_eq!(batch.links.len(), 3);
}

#[test]
fn null_expires_falls_back_to_the_url_signature() {
    let server = FakeServer::start().unwrap();
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [
            {"url": "https://h/p/a?sign=abc%3D%3A1749528415"},
            {"url": "https://h/p/b?sign=abc%3D%3A0"},
            {"url": "https://h/p/c"}
        ], "expires": null}}),
    );
    let request = Request::new(["cloudreve://my/a", "cloudreve://my/b", "cloudreve://my/c"]);
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(batch.links[0].expires, at_unix(1_749_528_415));
    assert_eq!(
        utc_time(batch.links[0].expires),
        datetime!(2025-06-10 04:06:55 UTC)
    );
    assert_eq!(
        batch.links[1].expires,
        Expiry::Never,
        "sign …:0 never expires"
    );
    assert!(!batch.links[1].is_expired());
    assert!(!batch.links[1].expires_within(Duration::MAX));
    assert_eq!(batch.links[2].expires, Expiry::Unknown);
    assert!(!batch.links[2].is_expired());
    assert!(batch.links[2].expires_within(Duration::ZERO));

    // The fake signs with its own lifetime when it sends `expires: null`.
    server.configure(|s| s.cloudreve.send_expires = false);
    let batch = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap();
    let link = &batch.links[0];
    assert_eq!(link.expires, at_unix(sign_seconds(link.url.as_str())));
    utc_time(link.expires);
    server.configure(|s| s.cloudreve.url_ttl_secs = 0);
    let batch = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap();
    assert_eq!(batch.links[0].expires, Expiry::Never);
}

#[test]
fn stream_saver_display_name_becomes_the_file_name() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.cloudreve.stream_saver = true);
    let batch = call(
        &config(&server),
        &Request::new([my_uri("folder/report.pdf")]),
    )
    .unwrap();
    assert_eq!(batch.links[0].file_name.as_deref(), Some("report.pdf"));

    // The display name wins over the URI's last segment; an empty one does not count.
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [
            {"url": "https://h/p/a", "stream_saver_display_name": "Quarterly report.pdf"},
            {"url": "https://h/p/b", "stream_saver_display_name": ""},
            {"url": "https://h/p/c", "stream_saver_display_name": null}
        ], "expires": null}}),
    );
    let request = Request::new([
        my_uri("folder/report.pdf"),
        my_uri("b b.txt"),
        "cloudreve://my".to_owned(),
    ]);
    let batch = call(&config(&server), &request).unwrap();
    let names: Vec<Option<&str>> = batch.links.iter().map(|l| l.file_name.as_deref()).collect();
    assert_eq!(names, [Some("Quarterly report.pdf"), Some("b b.txt"), None]);
}

#[test]
fn entity_is_sent_and_checked() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("The Man.mp3")]);
    request.entity = Some("aO8j".into());
    assert_eq!(call(&config(&server), &request).unwrap().links.len(), 1);
    request.entity = Some("nope".into());
    let err = one(&config(&server), &request).unwrap_err();
    assert_eq!(err.code(), Some(40081));
    let detail = api_detail(&err);
    assert_eq!(
        detail.uri_error(&request.uris[0]).unwrap().code,
        Code::EntityNotExist
    );
    assert_eq!(server.request_count(), 2);

    // `entity` names one file's blob: with several URIs it is refused before sending.
    let mut several = Request::new([my_uri("The Man.mp3"), my_uri("folder/report.pdf")]);
    several.entity = Some("aO8j".into());
    let err = call(&config(&server), &several).unwrap_err();
    assert_eq!(invalid_field(&err), "entity");
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    several.archive = Some(true);
    let err = cloudreve::download_link(&agent(), &config(&server), &several).unwrap_err();
    assert_eq!(invalid_field(&err), "entity");
    assert_eq!(server.request_count(), 2);
}

// ---- skip_error, 40081 -------------------------------------------------------------

#[test]
fn skip_error_returns_partial_success_positionally() {
    let server = FakeServer::start().unwrap();
    let uris = [
        my_uri("The Man.mp3"),
        my_uri("missing.mp3"),
        my_uri("Taylor Swift - Guilty as Sin.mp3"),
        my_uri("folder"),
    ];
    let mut request = Request::new(uris.clone());
    request.skip_error = Some(true);
    let batch = call(&config(&server), &request).unwrap();
    assert!(!batch.is_complete());
    assert!(!batch.all_failed());
    let failed: Vec<&str> = batch.failures.iter().map(|f| f.item.as_str()).collect();
    assert_eq!(failed, [uris[1].as_str(), uris[3].as_str()]);
    for failure in &batch.failures {
        // The server says nothing about why: worth asking again without skip_error.
        assert_eq!(failure.vendor, Vendor::Cloudreve);
        assert_eq!(failure.reason, FailureReason::NoReason);
        assert!(failure.is_retryable());
        assert_eq!(failure.code(), None);
    }
    assert_eq!(batch.retryable_items(), [uris[1].clone(), uris[3].clone()]);
    let served: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(served, [uris[0].as_str(), uris[2].as_str()]);
    assert!(batch.links.iter().all(|l| !l.url.is_empty()));
    assert!(batch.link_for(&uris[1]).is_none());
    assert_eq!(
        batch.link_for(&uris[2]).unwrap().file_name.as_deref(),
        Some("Taylor Swift - Guilty as Sin.mp3")
    );
}

#[test]
fn skip_error_with_every_uri_failing_is_ok_with_no_links() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("a"), my_uri("b")]);
    request.skip_error = Some(true);
    let batch = call(&config(&server), &request).unwrap();
    assert!(batch.links.is_empty());
    assert!(batch.all_failed());
    assert_eq!(batch.failures.len(), 2);
    assert!(batch
        .failures
        .iter()
        .all(|f| f.reason == FailureReason::NoReason));
}

#[test]
fn retry_failed_asks_again_for_the_empty_slots() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("The Man.mp3"), my_uri("late.mp3")]);
    request.skip_error = Some(true);
    let mut batch = call(&config(&server), &request).unwrap();
    assert_eq!(batch.failures.len(), 1);
    // The file shows up; asking again for the failed URI only completes the batch.
    server.configure(|s| s.cloudreve.files.push("late.mp3".into()));
    batch
        .retry_failed(|uris| call(&config(&server), &request.with_uris(uris)))
        .unwrap();
    assert!(batch.is_complete());
    assert_eq!(
        server.last_request(Vendor::Cloudreve).unwrap().json()["uris"],
        json!([my_uri("late.mp3")])
    );
    assert_eq!(
        batch
            .link_for(&my_uri("late.mp3"))
            .unwrap()
            .file_name
            .as_deref(),
        Some("late.mp3")
    );
}

#[test]
fn batch_failure_is_40081_with_each_uri() {
    let server = FakeServer::start().unwrap();
    let uris = [
        my_uri("The Man.mp3"),
        my_uri("missing.mp3"),
        my_uri("folder"),
    ];
    // `download_links` gives the refused URIs as failures with their own codes
    // (and asks once more for the rest).
    let batch = call(&config(&server), &Request::new(uris.clone())).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(batch.links[0].item, uris[0]);
    let codes: Vec<String> = batch
        .failures
        .iter()
        .map(|f| f.code().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["40016", "40077"]);
    // The server's own answer (as `send` sees it) is the 40081 with each URI.
    let err = call_raw(&server, &uris);
    assert_eq!(err.vendor(), Vendor::Cloudreve);
    assert_eq!(err.code(), Some(40081));
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.message(), Some("One or more operation failed"));
    assert!(err.request_id().is_some());
    assert!(!err.is_retryable());
    let detail = api_detail(&err);
    assert_eq!(detail.code, Code::BatchNotFullyCompleted);
    assert_eq!(detail.label(), "batch operation not fully completed");
    assert_eq!(detail.aggregated_error.len(), 2);
    let missing = detail.uri_error(&uris[1]).unwrap();
    assert_eq!(missing.code, Code::ParentNotExist);
    assert_eq!(missing.msg, "Path not exist");
    assert_eq!(missing.correlation_id.as_deref(), err.request_id());
    assert_eq!(
        detail.uri_error(&uris[2]).unwrap().code,
        Code::EntityNotExist
    );
    assert!(detail.uri_error(&uris[0]).is_none());
    assert!(err.to_string().contains("(code 40081)"), "{err}");
}

#[test]
fn single_failure_carries_its_message_and_trailing_slash_lookup() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.cloudreve.debug = true);
    let uri = format!("{}/", my_uri("missing dir"));
    let err = one(&config(&server), &Request::new([uri.clone()])).unwrap_err();
    assert_eq!(err.message(), Some("Path not exist"));
    let detail = api_detail(&err);
    assert!(detail.error.is_some(), "debug error text kept");
    // The server keys the map by the parsed URI: the trailing `/` is gone.
    assert!(!detail.aggregated_error.contains_key(&uri));
    let item = detail.uri_error(&uri).unwrap();
    assert_eq!(item.code, Code::ParentNotExist);
    assert!(item.error.is_some());
}

#[test]
fn batch_of_server_errors_is_retryable() {
    let server = FakeServer::start().unwrap();
    push(
        &server,
        json!({"code": 40081, "msg": "One or more operation failed", "aggregated_error": {
            "cloudreve://my/a": {"code": 50001, "msg": "Database error"},
            "cloudreve://my/b": {"code": 50010, "msg": "Node offline"}
        }}),
    );
    // Every URI refused with a server code: each is a retryable failure.
    let batch = call(
        &config(&server),
        &Request::new(["cloudreve://my/a", "cloudreve://my/b"]),
    )
    .unwrap();
    assert!(batch.all_failed());
    assert!(batch.failures.iter().all(|f| f.is_retryable()));
    assert_eq!(batch.failures[0].code().unwrap().to_string(), "50001");
    assert_eq!(server.request_count(), 1, "every URI named: no extra call");
}

#[test]
fn an_unusable_url_is_that_uris_failure() {
    let server = FakeServer::start().unwrap();
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [
            {"url": "https://h/p/a?sign=abc%3D%3A0"},
            {"url": "ftp://h/p/b"},
            {"url": "https://h/p/c\u{1}d"},
            {"url": "/api/v4/file/content/x"}
        ], "expires": null}}),
    );
    let uris = [
        "cloudreve://my/a",
        "cloudreve://my/b",
        "cloudreve://my/c",
        "cloudreve://my/d",
    ];
    let batch = call(&config(&server), &Request::new(uris)).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(batch.links[0].item, uris[0]);
    let failed: Vec<&str> = batch.failures.iter().map(|f| f.item.as_str()).collect();
    assert_eq!(failed, &uris[1..]);
    for failure in &batch.failures {
        match &failure.reason {
            FailureReason::UnusableLink { why } => assert!(why.contains("url"), "{why}"),
            other => panic!("expected an unusable link, got {other:?}"),
        }
        assert!(!failure.is_retryable());
        assert_eq!(failure.code(), None);
        assert!(
            failure.to_string().contains(": unusable link: "),
            "{failure}"
        );
    }
}

// ---- redirect, archive -----------------------------------------------------------

#[test]
fn redirect_with_one_uri_returns_location_unfollowed() {
    let server = FakeServer::start().unwrap();
    let site = server.base_url().to_string();
    server.configure(|s| s.cloudreve.site_url = site);
    let uri = my_uri("The Man.mp3");
    let mut request = Request::new([uri.clone()]);
    request.redirect = Some(true);
    let batch = call(&config(&server), &request).unwrap();
    assert!(batch.is_complete());
    assert_eq!(batch.links.len(), 1);
    let link = &batch.links[0];
    assert_eq!(link.item, uri);
    assert!(link.url.starts_with(server.base_url().as_str()));
    assert_eq!(link.file_name.as_deref(), Some("The Man.mp3"));
    assert_eq!(link.expires, at_unix(sign_seconds(link.url.as_str())));
    utc_time(link.expires);
    assert_eq!(server.request_count(), 1, "the redirect is not followed");

    let single = cloudreve::download_link(&agent(), &config(&server), &request).unwrap();
    assert_eq!(single.item, uri);
    assert!(single.url.starts_with(server.base_url().as_str()));
    assert_eq!(server.request_count(), 2, "the redirect is not followed");
}

#[test]
fn redirect_with_several_uris_is_ignored_by_the_server() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("The Man.mp3"), my_uri("folder/report.pdf")]);
    request.redirect = Some(true);
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(batch.links.len(), 2);
    assert_eq!(batch.links[1].item, request.uris[1]);
}

#[test]
fn redirect_failures() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("missing.mp3")]);
    request.redirect = Some(true);
    // Without skip_error the server answers JSON 40081: the URI's failure.
    let err = one(&config(&server), &request).unwrap_err();
    assert_eq!(err.code(), Some(40081));
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(batch.failures[0].code().unwrap().to_string(), "40016");
    // With skip_error it redirects to an empty target (`/api/v4/file/`): a failure.
    request.skip_error = Some(true);
    let batch = call(&config(&server), &request).unwrap();
    assert!(batch.links.is_empty());
    assert_eq!(batch.failures.len(), 1);
    assert_eq!(batch.failures[0].item, request.uris[0]);
    assert_eq!(batch.failures[0].reason, FailureReason::NoReason);
    assert!(batch.failures[0].is_retryable());

    request.skip_error = None;
    for location in [
        "",
        "/api/v4/file/",
        "https:///x",
        "ftp://h/x",
        "https://h/a b",
    ] {
        redirect_to(&server, location);
        let err = call(&config(&server), &request).unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            UnexpectedReason::InvalidContent,
            "{location:?}"
        );
        assert_eq!(err.http_status(), Some(302));
    }
    // Under skip_error a Location that is not a link is that URI's failure.
    request.skip_error = Some(true);
    redirect_to(&server, "https://h/a\tb");
    let batch = call(&config(&server), &request).unwrap();
    assert!(batch.all_failed());
    assert_eq!(batch.failures[0].reason, FailureReason::NoReason);
}

#[test]
fn redirect_location_passes_the_link_check() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("The Man.mp3")]);
    request.redirect = Some(true);
    // Surrounding whitespace is trimmed; the URL's own expiry applies.
    redirect_to(&server, "  https://s3.example/a.mp3?sign=abc%3D%3A0  ");
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(
        batch.links[0].url.as_str(),
        "https://s3.example/a.mp3?sign=abc%3D%3A0"
    );
    assert_eq!(batch.links[0].expires, Expiry::Never);
    redirect_to(
        &server,
        "HTTPS://s3.example/a.mp3?X-Amz-Date=20250101T000000Z&X-Amz-Expires=60",
    );
    let link = cloudreve::download_link(&agent(), &config(&server), &request).unwrap();
    assert_eq!(utc_time(link.expires), datetime!(2025-01-01 00:01:00 UTC));
    redirect_to(&server, "https://s3.example/a.mp3");
    let link = cloudreve::download_link(&agent(), &config(&server), &request).unwrap();
    assert_eq!(link.expires, Expiry::Unknown);
}

#[test]
fn unrequested_redirect_is_unexpected() {
    let server = FakeServer::start().unwrap();
    redirect_to(&server, "https://elsewhere.example/x");
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::Status);
}

#[test]
fn archive_gives_one_url_for_all() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new(EXAMPLES.iter().map(|(_, uri)| *uri));
    request.archive = Some(true);
    let batch = call(&config(&server), &request).unwrap();
    assert!(batch.is_complete());
    assert_eq!(batch.links.len(), 1);
    let link = &batch.links[0];
    assert_eq!(link.item, request.uris.join("\n"), "every URI, joined");
    assert!(link.url.contains("/archive.zip?sign="));
    // The zip is none of the files: it is not named after any of them.
    assert_eq!(link.file_name, None);
    assert_eq!(link.expires, at_unix(sign_seconds(link.url.as_str())));
    assert!(utc_time(link.expires) > OffsetDateTime::now_utc());
    assert_eq!(
        server.last_request(Vendor::Cloudreve).unwrap().json()["archive"],
        json!(true)
    );

    // The vendor page's archive example: `expires` 03:15:01.186053 UTC, the
    // signature's 1749525301 is 03:15:01 UTC.
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [{"url": "http://localhost:5173/api/v4/file/archive/56bb8329-3afa-4137-9ebb-2a07b6ea19b9/archive.zip?sign=1CgU15Is0ezKeTVKE_OAu2tJJoB6lN5s_DvRXTcP7GQ%3D%3A1749525301"}], "expires": "2025-06-10T11:15:01.186053+08:00"}}),
    );
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(
        utc_time(batch.links[0].expires),
        datetime!(2025-06-10 03:15:01 UTC)
    );

    // A display name from the server does name the zip.
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [{"url": "https://h/archive.zip", "stream_saver_display_name": "songs.zip"}], "expires": null}}),
    );
    let link = cloudreve::download_link(&agent(), &config(&server), &request).unwrap();
    assert_eq!(link.file_name.as_deref(), Some("songs.zip"));
    assert_eq!(link.expires, Expiry::Unknown);
    // One URI in an archive is still a zip.
    let mut one = Request::new([my_uri("The Man.mp3")]);
    one.archive = Some(true);
    let link = cloudreve::download_link(&agent(), &config(&server), &one).unwrap();
    assert_eq!(link.item, one.uris[0]);
    assert_eq!(link.file_name, None);

    server.configure(|s| s.cloudreve.archive_allowed = false);
    let err = call(&config(&server), &request).unwrap_err();
    assert_eq!(api_detail(&err).code, Code::GroupNotAllowed);
}

// ---- auth, limits --------------------------------------------------------------

#[test]
fn anonymous_access_reaches_shares_only() {
    let server = FakeServer::start().unwrap();
    let share = share_uri("VoMFL", Some("2rje2bdj"), "report.pdf");
    let batch = call(&anonymous(&server), &Request::new([share.clone()])).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(batch.links[0].item, share);
    assert_eq!(batch.links[0].file_name.as_deref(), Some("report.pdf"));
    let sent = server.last_request(Vendor::Cloudreve).unwrap();
    assert_eq!(sent.header("authorization"), None);

    let err = call(&anonymous(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(err.code(), Some(40081));
    let item = api_detail(&err).uri_error(&my_uri("The Man.mp3")).unwrap();
    assert_eq!(item.code, Code::LoginRequired);
}

#[test]
fn an_unknown_token_is_silently_anonymous() {
    let server = FakeServer::start().unwrap();
    let mut config = config(&server);
    config.access_token = Some("expired-or-garbage".into());
    let err = call(&config, &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    let item = api_detail(&err).uri_error(&my_uri("The Man.mp3")).unwrap();
    assert_eq!(item.code, Code::LoginRequired);
}

#[test]
fn login_required_inside_http_200() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.cloudreve.require_login = true);
    let err = call(&anonymous(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(err.code(), Some(401));
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(api_detail(&err).code, Code::LoginRequired);
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "cloudreve: not signed in or token expired (code 401): Login required"
    );
}

#[test]
fn refresh_token_is_credential_invalid() {
    let server = FakeServer::start().unwrap();
    let mut config = config(&server);
    config.access_token = Some(fake::CLOUDREVE_REFRESH_TOKEN.into());
    let err = call(&config, &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(api_detail(&err).code, Code::CredentialInvalid);
}

#[test]
fn share_password_and_purchase_ticket() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        let mut share = FakeShare::new("Paid1", &["song.mp3"]);
        share.purchase_ticket = Some("ticket-1".into());
        s.cloudreve.shares.push(share)
    });
    let wrong = share_uri("VoMFL", Some("wrong"), "report.pdf");
    let err = one(&anonymous(&server), &Request::new([wrong.clone()])).unwrap_err();
    assert_eq!(
        api_detail(&err).uri_error(&wrong).unwrap().code,
        Code::IncorrectPassword
    );
    let unknown = share_uri("Nope", None, "x");
    let err = one(&anonymous(&server), &Request::new([unknown.clone()])).unwrap_err();
    assert_eq!(
        api_detail(&err).uri_error(&unknown).unwrap().code,
        Code::NotFound
    );

    let paid = share_uri("Paid1", None, "song.mp3");
    let err = one(&anonymous(&server), &Request::new([paid.clone()])).unwrap_err();
    assert_eq!(
        api_detail(&err).uri_error(&paid).unwrap().code,
        Code::PurchaseRequired
    );
    let mut config = anonymous(&server);
    config.purchase_ticket = Some("ticket-1".into());
    assert_eq!(call(&config, &Request::new([paid])).unwrap().links.len(), 1);
}

#[test]
fn batch_limit_is_40074() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.cloudreve.max_batch = 2);
    // An archive cannot be split (tests/batch_concurrency.rs: other requests are
    // cut at the limit the 40074 states).
    let mut request = Request::new([my_uri("a"), my_uri("b"), my_uri("c")]);
    request.archive = Some(true);
    let err = call(&config(&server), &request).unwrap_err();
    assert_eq!(err.code(), Some(40074));
    assert_eq!(api_detail(&err).code, Code::TooManyUris);
    assert_eq!(err.message(), Some("Maximum allowed batch size: 2"));
}

#[test]
fn unknown_uri_scheme_part_is_40001() {
    let server = FakeServer::start().unwrap();
    let err = call(&config(&server), &Request::new(["cloudreve://nowhere/x"])).unwrap_err();
    assert_eq!(api_detail(&err).code, Code::ParameterError);
}

#[test]
fn every_named_code() {
    let named = [
        (401, Code::LoginRequired),
        (403, Code::PermissionDenied),
        (404, Code::NotFound),
        (40001, Code::ParameterError),
        (40005, Code::SignatureExpired),
        (40007, Code::GroupNotAllowed),
        (40016, Code::ParentNotExist),
        (40019, Code::FeatureNotEnabled),
        (40020, Code::CredentialInvalid),
        (40044, Code::FileNotFound),
        (40069, Code::IncorrectPassword),
        (40074, Code::TooManyUris),
        (40077, Code::EntityNotExist),
        (40081, Code::BatchNotFullyCompleted),
        (40083, Code::PurchaseRequired),
        (40088, Code::AnonymousAccessDenied),
        (40089, Code::InsufficientScope),
        (-1, Code::NotSet),
        (40058, Code::Other(40058)),
        (50001, Code::Other(50001)),
    ];
    let server = FakeServer::start().unwrap();
    for (code, name) in named {
        push(
            &server,
            json!({"code": code, "msg": "refused", "error": "debug text", "correlation_id": CORRELATION}),
        );
        let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.http_status(), Some(200));
        assert_eq!(err.request_id(), Some(CORRELATION));
        let detail = api_detail(&err);
        assert_eq!(detail.code, name);
        assert_eq!(name.code(), code);
        assert_eq!(detail.error.as_deref(), Some("debug text"));
        assert_eq!(err.is_retryable(), code >= 50000 || code == -1, "{code}");
        let shown = err.to_string();
        assert!(shown.contains(&format!("(code {code})")), "{shown}");
        assert!(shown.starts_with("cloudreve: "), "{shown}");
    }
}

#[test]
fn envelope_on_a_5xx_status_is_a_retryable_api_error() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::Cloudreve,
        FakeReply::json(500, json!({"code": 50001, "msg": "Database error"})),
    );
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(err.code(), Some(50001));
    assert_eq!(err.http_status(), Some(500));
    assert!(err.is_retryable());

    server.push(
        Vendor::Cloudreve,
        FakeReply::json(
            503,
            json!({"code": 0, "msg": "", "data": {"urls": [], "expires": null}}),
        ),
    );
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::Status);
}

// ---- contract breaks ---------------------------------------------------------------

#[test]
fn replies_outside_the_contract() {
    let server = FakeServer::start().unwrap();
    let one = Request::new([my_uri("The Man.mp3")]);
    let cases = [
        (
            json!({"code": 0, "msg": "", "data": {"expires": null}}),
            UnexpectedReason::WrongShape,
        ),
        (
            json!({"code": 0, "msg": "", "data": {"urls": [{"url": "https://h/x"}]}}),
            UnexpectedReason::WrongShape,
        ),
        (
            json!({"code": 0, "msg": "", "data": {"urls": [{"url": "https://h/x"}], "expires": "yesterday"}}),
            UnexpectedReason::WrongShape,
        ),
        (json!({"msg": "no code"}), UnexpectedReason::WrongShape),
        (
            json!({"code": 0, "msg": "", "data": {"urls": [], "expires": null}}),
            UnexpectedReason::InvalidContent,
        ),
        (
            json!({"code": 0, "msg": "", "data": {"urls": [{"url": "https://h/a"}, {"url": "https://h/b"}], "expires": null}}),
            UnexpectedReason::InvalidContent,
        ),
        (
            json!({"code": 0, "msg": "", "data": {"urls": [{"url": ""}], "expires": null}}),
            UnexpectedReason::InvalidContent,
        ),
        (
            json!({"code": 0, "msg": "", "data": {"urls": [{"url": "  "}], "expires": null}}),
            UnexpectedReason::InvalidContent,
        ),
        (
            json!({"code": 40081, "msg": "x", "aggregated_error": {"cloudreve://my/a": {"msg": "no code"}}}),
            UnexpectedReason::WrongShape,
        ),
    ];
    for (body, reason) in cases {
        push(&server, body.clone());
        let err = call(&config(&server), &one).unwrap_err();
        assert_eq!(unexpected_reason(&err), reason, "{body}");
    }
    let mut archive = Request::new([my_uri("a"), my_uri("b")]);
    archive.archive = Some(true);
    for urls in [
        json!([{"url": "https://h/a"}, {"url": "https://h/b"}]),
        json!([{"url": ""}]),
        json!([]),
        // The archive is one link for all: an unusable one fails the call.
        json!([{"url": "ftp://h/archive.zip"}]),
    ] {
        push(
            &server,
            json!({"code": 0, "msg": "", "data": {"urls": urls, "expires": null}}),
        );
        let err = call(&config(&server), &archive).unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            UnexpectedReason::InvalidContent,
            "{urls}"
        );
    }
}

// ---- faults --------------------------------------------------------------------

#[test]
fn fault_html_502() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::Cloudreve, Fault::Html502);
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::NotJson);
    assert_eq!(err.http_status(), Some(502));
    assert!(err.is_retryable());
    match &err {
        Error::UnexpectedResponse(e) => assert!(e.body_excerpt.starts_with("<html>")),
        _ => unreachable!(),
    }
}

#[test]
fn fault_truncated_json() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::Cloudreve, Fault::TruncatedJson);
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::Truncated);
    assert_eq!(err.http_status(), Some(200));
}

#[test]
fn fault_stalled_body_times_out() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::Cloudreve, Fault::StallBody(Duration::from_secs(10)));
    let err = cloudreve::download_links(
        &common::quick_agent(),
        &config(&server),
        &Request::new([my_uri("The Man.mp3")]),
    )
    .unwrap_err();
    match &err {
        Error::Transport(e) => assert_eq!(e.kind, TransportKind::Timeout),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(err.is_retryable());
}

#[test]
fn fault_oversized_body() {
    let server = FakeServer::start().unwrap();
    server.push_fault(
        Vendor::Cloudreve,
        Fault::Oversized(download_url::BODY_LIMIT + 1024),
    );
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::TooLarge);
}

#[test]
fn fault_rate_limited_with_retry_after() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::Cloudreve, Fault::RateLimited("1".into()));
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.http_status(), Some(429));
    assert!(err.is_retryable());
}

// ---- invalid input ---------------------------------------------------------------

#[test]
fn invalid_input_is_rejected_before_sending() {
    let server = FakeServer::start().unwrap();
    let good = || Request::new([my_uri("The Man.mp3")]);
    let mut cases: Vec<(Config, Request, &str)> = vec![
        (config(&server), Request::new(Vec::<String>::new()), "uris"),
        (config(&server), Request::new([""]), "uris"),
        (config(&server), Request::new(["https://h/x"]), "uris"),
        (config(&server), Request::new(["The Man.mp3"]), "uris"),
        (
            config(&server),
            Request::new(["cloudreve://my/a\nb"]),
            "uris",
        ),
    ];
    let mut entity = good();
    entity.entity = Some(String::new());
    cases.push((config(&server), entity, "entity"));
    let mut entity = Request::new([my_uri("a"), my_uri("b")]);
    entity.entity = Some("aO8j".into());
    cases.push((config(&server), entity, "entity"));
    for hint in [
        "",
        "not-a-uuid",
        "b832b998-7ece-4ffd-ba6b-afb64530ca7",
        "b832b998_7ece-4ffd-ba6b-afb64530ca70z",
    ] {
        let mut c = config(&server);
        c.context_hint = Some(hint.into());
        cases.push((c, good(), "context_hint"));
    }
    let mut c = config(&server);
    c.access_token = Some("".into());
    cases.push((c, good(), "access_token"));
    let mut c = config(&server);
    c.purchase_ticket = Some("".into());
    cases.push((c, good(), "purchase_ticket"));
    for base in ["", "cloud.example.com", "ftp://h", "https://u:p@h"] {
        let mut c = config(&server);
        c.base_url = base.into();
        cases.push((c, good(), "base_url"));
    }
    let mut c = config(&server);
    c.base_url = "http://192.0.2.10".into();
    cases.push((c, good(), "base_url"));
    for (config, request, field) in cases {
        let err = call(&config, &request).unwrap_err();
        assert_eq!(invalid_field(&err), field, "{err}");
        assert!(err.to_string().contains("nothing was sent"), "{err}");
        // `download_link` checks the same, after refusing several URIs.
        let single_field = if request.uris.len() > 1 {
            "uris"
        } else {
            field
        };
        let err = cloudreve::download_link(&agent(), &config, &request).unwrap_err();
        assert_eq!(invalid_field(&err), single_field, "{err}");
    }
    assert_eq!(server.request_count(), 0);
}

// ---- secrets ------------------------------------------------------------------

#[test]
fn no_secret_in_debug_or_errors() {
    const MARKER: &str = "MARKERSECRET42";
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        s.cloudreve.access_token = MARKER.into();
        let mut share = FakeShare::new("Priv", &["a.txt"]);
        share.password = Some(MARKER.into());
        s.cloudreve.shares.push(share);
    });
    let mut config = config(&server);
    config.access_token = Some(MARKER.into());
    config.purchase_ticket = Some(MARKER.into());
    let share = share_uri("Priv", Some(MARKER), "a.txt");
    let missing = share_uri("Priv", Some(MARKER), "missing.txt");
    let request = Request::new([share.clone()]);
    let shown = format!("{config:?} {request:?}");
    assert!(!shown.contains(MARKER), "{shown}");

    let batch = call(&config, &request).unwrap();
    assert_eq!(
        batch.links[0].item, share,
        "the item itself is kept as sent"
    );
    let shown = format!("{batch:?}");
    assert!(!shown.contains(MARKER), "{shown}");
    assert!(!shown.contains("sign="), "{shown}");

    let err = one(&config, &Request::new([missing.clone()])).unwrap_err();
    assert!(api_detail(&err).uri_error(&missing).is_some());
    common::assert_no_marker(&err, MARKER);
    let batch = call(&config, &Request::new([share.clone(), missing.clone()])).unwrap();
    let shown = format!("{batch:?} {}", batch.failures[0]);
    assert!(!shown.contains(MARKER), "{shown}");

    // A failed share URI shows without its password.
    let mut skip = Request::new([share.clone(), missing.clone()]);
    skip.skip_error = Some(true);
    let batch = call(&config, &skip).unwrap();
    assert_eq!(batch.failures[0].item, missing);
    let shown = format!("{batch:?} {}", batch.failures[0]);
    assert!(!shown.contains(MARKER), "{shown}");
    assert!(!shown.contains("sign="), "{shown}");

    // A signed URL inside a vendor message or the debug error is redacted.
    push(
        &server,
        json!({"code": 40005, "msg": format!("expired: https://h/x?sign={MARKER}%3A1"), "error": format!("http://h/y?sign={MARKER}")}),
    );
    let err = call(&config, &request).unwrap_err();
    common::assert_no_marker(&err, MARKER);
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [{"url": format!("https://h/x?sign={MARKER}")}, {"url": "x"}], "expires": null}}),
    );
    let err = call(&config, &request).unwrap_err();
    common::assert_no_marker(&err, MARKER);
    // An unusable URL holding a secret is a failure that does not show it.
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [{"url": format!("https://h/x?sign={MARKER} x")}], "expires": null}}),
    );
    let batch = call(&config, &request).unwrap();
    let shown = format!("{batch:?} {}", batch.failures[0]);
    assert!(!shown.contains(MARKER), "{shown}");
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [{"url": format!("https://h/x?sign={MARKER} x")}], "expires": null}}),
    );
    let err = cloudreve::download_link(&agent(), &config, &request).unwrap_err();
    common::assert_no_marker(&err, MARKER);
}

// ---- CLI ---------------------------------------------------------------------

/// The `dlurl` binary exists only with the `cli` feature.
#[cfg(feature = "cli")]
mod cli {
    use super::*;

    fn cli_env(server: &FakeServer) -> Vec<(&'static str, String)> {
        vec![
            ("CLOUDREVE_BASE_URL", server.base_url().to_string()),
            ("CLOUDREVE_TOKEN", fake::CLOUDREVE_TOKEN.to_owned()),
        ]
    }

    fn run(args: &[&str], env: &[(&'static str, String)]) -> common::Run {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        common::dlurl(args, &env)
    }

    /// The three tab-separated fields of each stdout line.
    fn fields(stdout: &str) -> Vec<Vec<&str>> {
        stdout.lines().map(|l| l.split('\t').collect()).collect()
    }

    #[test]
    fn cli_prints_one_line_per_link() {
        let server = FakeServer::start().unwrap();
        let out = run(
            &["cloudreve", "--download", "The Man.mp3", EXAMPLES[1].1],
            &cli_env(&server),
        );
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stderr.is_empty(), "{out:?}");
        let lines = fields(&out.stdout);
        assert_eq!(lines.len(), 2, "{out:?}");
        for line in &lines {
            assert_eq!(line.len(), 3, "{out:?}");
            assert!(line[0].starts_with("http://localhost:5173/api/v4/file/content/"));
            assert!(line[0].contains("download=true"));
            // RFC 3339 in UTC, whole seconds: the signature's own second.
            let at = OffsetDateTime::parse(line[2], &time::format_description::well_known::Rfc3339)
                .unwrap();
            assert!(line[2].ends_with('Z'), "{}", line[2]);
            assert_eq!(at.unix_timestamp(), sign_seconds(line[0]));
        }
        assert_eq!(lines[0][1], "The Man.mp3");
        assert_eq!(lines[1][1], EXAMPLES[1].0);
        let sent = server.last_request(Vendor::Cloudreve).unwrap();
        assert_eq!(
            sent.json()["uris"],
            json!(["cloudreve://my/The%20Man.mp3", EXAMPLES[1].1])
        );
        assert_eq!(sent.json()["download"], json!(true));
    }

    #[test]
    fn cli_expiry_column_never_and_unknown() {
        let server = FakeServer::start().unwrap();
        server.configure(|s| s.cloudreve.url_ttl_secs = 0);
        let out = run(&["cloudreve", "The Man.mp3"], &cli_env(&server));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(fields(&out.stdout)[0][2], "never", "{out:?}");

        push(
            &server,
            json!({"code": 0, "msg": "", "data": {"urls": [{"url": "https://h/p/a"}], "expires": null}}),
        );
        let out = run(&["cloudreve", "a"], &cli_env(&server));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(
            fields(&out.stdout)[0],
            ["https://h/p/a", "a", "-"],
            "{out:?}"
        );
    }

    #[test]
    fn cli_flags_and_base_url_option() {
        let server = FakeServer::start().unwrap();
        let env = vec![("CLOUDREVE_TOKEN", fake::CLOUDREVE_TOKEN.to_owned())];
        let base = format!("{}/api/v4", server.base_url());
        let out = run(
            &[
                "--base-url",
                &base,
                "--json",
                "cloudreve",
                "--no-cache",
                "--use-primary-site-url",
                "--entity",
                "aO8j",
                "The Man.mp3",
            ],
            &env,
        );
        assert_eq!(out.code, 0, "{out:?}");
        let printed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(printed["failures"], json!([]), "{printed}");
        let link = &printed["links"][0];
        assert_eq!(link["vendor"], "cloudreve");
        assert_eq!(link["item"], "cloudreve://my/The%20Man.mp3");
        assert_eq!(link["file_name"], "The Man.mp3");
        let url = link["url"].as_str().unwrap();
        assert!(url.contains("sign="), "{url}");
        let expires = link["expires"].as_str().unwrap();
        assert!(expires.ends_with('Z'), "{expires}");
        assert_eq!(
            server.last_request(Vendor::Cloudreve).unwrap().json(),
            json!({"uris": ["cloudreve://my/The%20Man.mp3"], "entity": "aO8j", "use_primary_site_url": true, "no_cache": true})
        );

        let out = run(
            &["cloudreve", "--archive", "The Man.mp3", "folder/report.pdf"],
            &cli_env(&server),
        );
        assert_eq!(out.code, 0, "{out:?}");
        let lines = fields(&out.stdout);
        assert_eq!(lines.len(), 1, "{out:?}");
        assert!(lines[0][0].contains("/archive.zip?sign="), "{out:?}");
        assert_eq!(lines[0][1], "-", "the zip has no name of its own: {out:?}");

        let out = run(
            &["cloudreve", "--redirect", "The Man.mp3"],
            &cli_env(&server),
        );
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.stdout.lines().count(), 1);
        assert_eq!(
            server.last_request(Vendor::Cloudreve).unwrap().json()["redirect"],
            json!(true)
        );
    }

    #[test]
    fn cli_anonymous_share_uri() {
        let server = FakeServer::start().unwrap();
        let env = vec![("CLOUDREVE_BASE_URL", server.base_url().to_string())];
        let out = run(
            &["cloudreve", "cloudreve://VoMFL:2rje2bdj@share/report.pdf"],
            &env,
        );
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("\treport.pdf\t"));
        let sent = server.last_request(Vendor::Cloudreve).unwrap();
        assert_eq!(sent.header("authorization"), None);
    }

    #[test]
    fn cli_batch_refusal_exits_4_listing_each_refused_uri() {
        let server = FakeServer::start().unwrap();
        let out = run(
            &["cloudreve", "The Man.mp3", "missing.mp3", "folder"],
            &cli_env(&server),
        );
        assert_eq!(out.code, 4, "{out:?}");
        assert!(out.stdout.contains("\tThe Man.mp3\t"), "{out:?}");
        assert!(
            out.stderr
                .contains("cloudreve://my/missing.mp3: refused (code 40016)"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("cloudreve://my/folder: refused (code 40077)"),
            "{}",
            out.stderr
        );
    }

    #[test]
    fn cli_partial_success_exits_4() {
        let server = FakeServer::start().unwrap();
        let out = run(
            &["cloudreve", "--skip-error", "The Man.mp3", "missing.mp3"],
            &cli_env(&server),
        );
        assert_eq!(out.code, 4, "{out:?}");
        assert_eq!(out.stdout.lines().count(), 1);
        assert!(out.stdout.contains("\tThe Man.mp3\t"));
        assert!(
            out.stderr.contains(
                "dlurl: failed: cloudreve: cloudreve://my/missing.mp3: no link and no reason given"
            ),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("The%20Man"), "{}", out.stderr);

        // With --json the failure is in the object, not a line of stdout.
        let out = run(
            &[
                "--json",
                "cloudreve",
                "--skip-error",
                "The Man.mp3",
                "missing.mp3",
            ],
            &cli_env(&server),
        );
        assert_eq!(out.code, 4, "{out:?}");
        let printed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(printed["links"].as_array().unwrap().len(), 1, "{printed}");
        let failure = &printed["failures"][0];
        assert_eq!(failure["vendor"], "cloudreve");
        assert_eq!(failure["item"], "cloudreve://my/missing.mp3");
        assert_eq!(failure["reason"]["kind"], "no_reason");
        assert_eq!(failure["retryable"], true);
    }

    #[test]
    fn cli_skip_error_with_every_uri_failing_exits_1() {
        let server = FakeServer::start().unwrap();
        let out = run(
            &[
                "cloudreve",
                "--skip-error",
                "missing-1.mp3",
                "missing-2.mp3",
            ],
            &cli_env(&server),
        );
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        for uri in [
            "cloudreve://my/missing-1.mp3",
            "cloudreve://my/missing-2.mp3",
        ] {
            assert!(
                out.stderr
                    .contains(&format!("dlurl: failed: cloudreve: {uri}: ")),
                "{}",
                out.stderr
            );
        }
    }

    #[test]
    fn cli_usage_errors_exit_2() {
        let server = FakeServer::start().unwrap();
        let token_only = vec![("CLOUDREVE_TOKEN", fake::CLOUDREVE_TOKEN.to_owned())];
        for (args, env) in [
            (vec!["cloudreve", "The Man.mp3"], token_only.clone()),
            (vec!["cloudreve"], cli_env(&server)),
            (vec!["cloudreve", "--bogus", "x"], cli_env(&server)),
            (vec!["cloudreve", "--entity"], cli_env(&server)),
            (
                vec!["--base-url", "ftp://nope", "cloudreve", "x"],
                token_only.clone(),
            ),
            (
                vec!["cloudreve", "--entity", "aO8j", "a", "b"],
                cli_env(&server),
            ),
        ] {
            let out = run(&args, &env);
            assert_eq!(out.code, 2, "{args:?}: {out:?}");
            assert!(out.stdout.is_empty(), "{args:?}: {out:?}");
        }
        // A missing site names its variable.
        let out = run(&["cloudreve", "The Man.mp3"], &token_only);
        assert!(out.stderr.contains("CLOUDREVE_BASE_URL"), "{out:?}");
        assert_eq!(server.request_count(), 0);
    }

    #[test]
    fn cli_transport_and_unexpected_exit_3() {
        let server = FakeServer::start().unwrap();
        server.push_fault(Vendor::Cloudreve, Fault::Html502);
        let out = run(&["cloudreve", "The Man.mp3"], &cli_env(&server));
        assert_eq!(out.code, 3, "{out:?}");
        server.push_fault(Vendor::Cloudreve, Fault::StallBody(Duration::from_secs(10)));
        let out = run(
            &["--timeout", "1", "cloudreve", "The Man.mp3"],
            &cli_env(&server),
        );
        assert_eq!(out.code, 3, "{out:?}");
    }

    #[test]
    fn cli_demo_includes_cloudreve() {
        let out = common::dlurl(&["demo"], &[]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            out.stdout
                .lines()
                .any(|l| l.contains("/api/v4/file/content/") && l.contains("\tThe Man.mp3\t")),
            "{}",
            out.stdout
        );
    }
}

// ---- contracts as the real server behaves ([3/5]) ----------------------------

/// 40089 is upstream's `CodeInsufficientScope`: a token without `Files.Read`.
/// Refreshing does not help, so it is not retryable and says so.
#[test]
fn code_40089_is_insufficient_scope_not_session_expired() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.cloudreve.unscoped_tokens = vec!["oauth-no-files-read".into()]);
    let mut unscoped = config(&server);
    unscoped.access_token = Some("oauth-no-files-read".into());
    let err = call(&unscoped, &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(err.code(), Some(40089));
    assert_eq!(api_detail(&err).code, Code::InsufficientScope);
    assert!(!err.is_retryable());
    let shown = err.to_string();
    assert!(shown.contains("scope"), "{shown}");
    assert!(!shown.contains("expired"), "{shown}");
}

/// An expired token is anonymous upstream: my files fail per URI with 401 inside
/// a 40081, which the crate (and the CLI) call "not signed in or token expired".
#[test]
fn expired_token_is_recognised_inside_40081() {
    let server = FakeServer::start().unwrap();
    let mut expired = config(&server);
    expired.access_token = Some("expired-or-garbage-token".into());
    let request = Request::new([my_uri("The Man.mp3"), my_uri("folder/report.pdf")]);
    let err = call(&expired, &request).unwrap_err();
    assert_eq!(err.code(), Some(40081));
    assert!(api_detail(&err).is_signed_out());
    assert!(
        err.to_string().contains("not signed in or token expired"),
        "{err}"
    );
    // One URI refused for another reason: not the signed-out case, and the
    // other URI's link comes back.
    let server = FakeServer::start().unwrap();
    let uris = [my_uri("The Man.mp3"), my_uri("missing.bin")];
    let err = call_raw(&server, &uris);
    assert!(!api_detail(&err).is_signed_out(), "{err:?}");
    let batch = call(&config(&server), &Request::new(uris)).unwrap();
    assert_eq!(batch.links.len(), 1);
}

#[cfg(feature = "cli")]
#[test]
fn cli_says_not_signed_in_for_an_expired_token() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let run = common::dlurl(
        &[
            "--base-url",
            &base,
            "cloudreve",
            "The Man.mp3",
            "folder/report.pdf",
        ],
        &[("CLOUDREVE_TOKEN", "expired-token")],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("not signed in or token expired"),
        "{run:?}"
    );
}

/// Upstream applies `entity` to every URI: the fake does too (the others fail with
/// 40077), and the crate refuses it with several URIs before sending.
#[test]
fn entity_applies_to_every_uri_upstream_and_is_refused_for_several() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("The Man.mp3"), my_uri("folder/report.pdf")]);
    request.entity = Some("aO8j".into());
    let err = call(&config(&server), &request).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(i) if i.field == "entity"),
        "{err:?}"
    );
    assert_eq!(server.request_count(), 0);
    // What the server would do with it (sent by hand): every URI gets 40077.
    let agent = agent();
    let reply = agent
        .post(&format!("{}/api/v4/file/url", server.base_url()))
        .header(
            "authorization",
            &format!("Bearer {}", fake::CLOUDREVE_TOKEN),
        )
        .header("content-type", "application/json")
        .send(json!({"uris": request.uris, "entity": "missing-entity"}).to_string())
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(reply["code"], 40081, "{reply}");
    let codes: Vec<i64> = reply["aggregated_error"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [40077, 40077], "{reply}");
}

/// Code -1 (`CodeNotSet`) is an unclassified internal error: retryable, named,
/// at the top level and per URI.
#[test]
fn code_minus_one_is_named_and_retryable() {
    let server = FakeServer::start().unwrap();
    push(
        &server,
        json!({"code": -1, "msg": "", "correlation_id": CORRELATION}),
    );
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(api_detail(&err).code, Code::NotSet);
    assert!(err.is_retryable());

    let server = FakeServer::start().unwrap();
    server.configure(|s| s.cloudreve.broken_files = vec!["The Man.mp3".into()]);
    let request = Request::new([my_uri("The Man.mp3")]);
    let err = one(&config(&server), &request).unwrap_err();
    let detail = api_detail(&err);
    assert_eq!(detail.code, Code::BatchNotFullyCompleted);
    assert_eq!(
        detail.uri_error(&request.uris[0]).map(|e| e.code),
        Some(Code::NotSet)
    );
    // Every URI failed with a retryable code: the 40081 is retryable.
    assert!(err.is_retryable());
}

// ---- contracts as the real server behaves, round 3 ([3/5]) -------------------

use download_url::fake::presets::cloudreve as preset;

/// Upstream answers `redirect` only with 302 (`c.Redirect(http.StatusFound, …)`
/// in `service/explorer/file.go`); any other 3xx comes from something in front
/// of the site (a proxy's 308, an SSO login page's 301) and is no file link.
#[test]
fn redirect_mode_takes_only_302_as_the_link() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("The Man.mp3")]);
    request.redirect = Some(true);
    for status in [308, 301, 303, 307] {
        server.push(
            Vendor::Cloudreve,
            preset::proxy_redirect(status, "https://sso.example.com/login?next=secret-token"),
        );
        let err = call(&config(&server), &request).unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            UnexpectedReason::Status,
            "{status}"
        );
        assert_eq!(err.http_status(), Some(status));
        let shown = err.to_string();
        assert!(shown.contains("sso.example.com"), "{status}: {shown}");
        assert!(!shown.contains("secret-token"), "{status}: {shown}");
        assert!(!format!("{err:?}").contains("secret-token"));
    }
    // 302 stays the link.
    server.push(
        Vendor::Cloudreve,
        preset::proxy_redirect(302, "https://cdn.example.com/a.mp3?sign=x%3A0"),
    );
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(batch.links.len(), 1);
}

#[cfg(feature = "cli")]
#[test]
fn cli_redirect_mode_with_a_308_exits_3() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::Cloudreve,
        preset::proxy_redirect(308, "https://cloud.example.com/api/v4/file/url"),
    );
    let base = server.base_url().to_string();
    let run = common::dlurl(
        &["cloudreve", "--redirect", "The Man.mp3"],
        &[
            ("CLOUDREVE_BASE_URL", base.as_str()),
            ("CLOUDREVE_TOKEN", fake::CLOUDREVE_TOKEN),
        ],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
}

/// A 40081 without `skip_error` names the URIs that failed: they become
/// `Refused` with their own codes, and the others are asked for once more.
#[test]
fn a_refused_batch_returns_the_other_links_after_one_extra_call() {
    let server = FakeServer::start().unwrap();
    let uris: Vec<String> = EXAMPLES.iter().map(|(name, _)| my_uri(name)).collect();
    server.push(
        Vendor::Cloudreve,
        preset::batch_refused(&[(&uris[1], 40077, "Entity not exist")]),
    );
    let batch = call(&config(&server), &Request::new(uris.clone())).unwrap();
    assert_eq!(server.request_count(), 2, "exactly one extra call");
    let asked_again = server.last_request(Vendor::Cloudreve).unwrap().json();
    assert_eq!(
        asked_again["uris"],
        json!([&uris[0], &uris[2], &uris[3]]),
        "the extra call asks only for the URIs the refusal did not name"
    );
    let items: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(items, [&uris[0], &uris[2], &uris[3]]);
    assert_eq!(batch.failures.len(), 1);
    assert_eq!(batch.failures[0].item, uris[1]);
    match &batch.failures[0].reason {
        FailureReason::Refused { code, message } => {
            assert_eq!(code.to_string(), "40077");
            assert_eq!(message, "Entity not exist");
        }
        other => panic!("{other:?}"),
    }
    assert!(!batch.failures[0].is_retryable());
}

/// The same for each refused chunk of a split request: one extra call per
/// refused chunk, the other chunks untouched.
#[test]
fn a_refused_chunk_of_a_split_batch_keeps_its_other_links() {
    let server = FakeServer::start().unwrap();
    let mut config = config(&server);
    config.max_uris_per_call = 2;
    config.concurrency = 1;
    let uris: Vec<String> = EXAMPLES.iter().map(|(name, _)| my_uri(name)).collect();
    server.push(
        Vendor::Cloudreve,
        preset::batch_refused(&[(&uris[1], 50004, "Failed to read")]),
    );
    let batch = call(&config, &Request::new(uris.clone())).unwrap();
    assert_eq!(server.request_count(), 3, "two chunks and one extra call");
    let items: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(items, [&uris[0], &uris[2], &uris[3]]);
    assert_eq!(batch.failures.len(), 1);
    assert_eq!(batch.failures[0].item, uris[1]);
    assert!(
        matches!(&batch.failures[0].reason, FailureReason::Refused { code, .. } if code.to_string() == "50004"),
        "{:?}",
        batch.failures[0]
    );
    // A 5xxxx code is the server's trouble: that item is worth asking again.
    assert!(batch.failures[0].is_retryable());
}

#[cfg(feature = "cli")]
#[test]
fn cli_prints_the_other_links_of_a_refused_batch_and_exits_4() {
    let server = FakeServer::start().unwrap();
    let uris: Vec<String> = EXAMPLES.iter().map(|(name, _)| my_uri(name)).collect();
    server.push(
        Vendor::Cloudreve,
        preset::batch_refused(&[(&uris[1], 40077, "Entity not exist")]),
    );
    let base = server.base_url().to_string();
    let args: Vec<&str> = std::iter::once("cloudreve")
        .chain(uris.iter().map(String::as_str))
        .collect();
    let run = common::dlurl(
        &args,
        &[
            ("CLOUDREVE_BASE_URL", base.as_str()),
            ("CLOUDREVE_TOKEN", fake::CLOUDREVE_TOKEN),
        ],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(
        run.stdout.matches("/api/v4/file/content/").count(),
        3,
        "{run:?}"
    );
    assert!(run.stderr.contains("40077"), "{run:?}");
    assert_eq!(server.request_count(), 2);
}

/// Per-URI 40088: a share link reached anonymously (or with an expired token).
/// It is named, and like the 401 family it dooms every call of a split batch.
#[test]
fn share_sign_in_required_is_named_and_stops_a_split_batch() {
    assert_eq!(
        Code::from_code(40088).description(),
        "sign-in required for this share"
    );
    let server = FakeServer::start().unwrap();
    let mut config = anonymous(&server);
    config.max_uris_per_call = 1;
    config.concurrency = 1;
    let uris: Vec<String> = ["a.mp3", "b.mp3", "c.mp3"]
        .iter()
        .map(|p| share_uri("VoMFL", None, p))
        .collect();
    server.push(
        Vendor::Cloudreve,
        preset::share_sign_in_required(&[&uris[0]]),
    );
    let err = call(&config, &Request::new(uris.clone())).unwrap_err();
    assert_eq!(server.request_count(), 1, "no further call: {err:?}");
    assert_eq!(err.code(), Some(40081));
    assert_eq!(
        api_detail(&err).uri_error(&uris[0]).map(|e| e.code),
        Some(Code::AnonymousAccessDenied)
    );
    assert!(
        err.to_string().contains("sign-in required for this share"),
        "{err}"
    );
}

/// `expires: null` under `skip_error` (an empty slot for the URI that failed).
#[test]
fn skip_error_with_null_expires_is_tolerated() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("a.mp3"), my_uri("b.mp3")]);
    request.skip_error = Some(true);
    server.push(
        Vendor::Cloudreve,
        preset::skip_error_null_expires(&["https://cdn.example.com/a.mp3?x=1", ""]),
    );
    let batch = call(&config(&server), &request).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(batch.links[0].expires, Expiry::Unknown);
    assert_eq!(batch.failures[0].reason, FailureReason::NoReason);
}

/// A relative `url` is that URI's failure; code -1 with an empty `msg` and a
/// proxy's 413 page keep their status and say what they are.
#[test]
fn relative_url_code_minus_one_and_proxy_413() {
    let server = FakeServer::start().unwrap();
    let request = Request::new([my_uri("a.mp3")]);
    server.push(Vendor::Cloudreve, preset::relative_url());
    let batch = call(&config(&server), &request).unwrap();
    assert!(
        matches!(batch.failures[0].reason, FailureReason::UnusableLink { .. }),
        "{batch:?}"
    );
    server.push(Vendor::Cloudreve, preset::code_not_set());
    let err = call(&config(&server), &request).unwrap_err();
    assert_eq!(api_detail(&err).code, Code::NotSet);
    assert!(err.is_retryable());
    assert_eq!(err.request_id(), Some(preset::CORRELATION_ID));
    server.push(Vendor::Cloudreve, preset::proxy_too_large());
    let err = call(&config(&server), &request).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::NotJson);
    assert_eq!(err.http_status(), Some(413));
}

/// Upstream limitation, documented on `Request::skip_error`: with an expired
/// token and `skip_error`, every URI of one's own files is an empty slot with
/// no reason; without `skip_error` the same call says "not signed in".
#[test]
fn skip_error_with_an_expired_token_gives_no_reason() {
    let server = FakeServer::start().unwrap();
    let mut expired = config(&server);
    expired.access_token = Some("expired-or-garbage-token".into());
    let mut request = Request::new([my_uri("The Man.mp3"), my_uri("folder/report.pdf")]);
    request.skip_error = Some(true);
    let batch = call(&expired, &request).unwrap();
    assert!(batch.all_failed(), "{batch:?}");
    assert!(batch
        .failures
        .iter()
        .all(|f| f.reason == FailureReason::NoReason));
    request.skip_error = None;
    let err = call(&expired, &request).unwrap_err();
    assert!(api_detail(&err).is_signed_out(), "{err:?}");
}

/// Each `aggregated_error` entry is read with the envelope's own shape, so a
/// nested one is read too; a hostile server nesting them thousands deep gets
/// an `UnexpectedResponse` (serde_json's depth limit), never a stack overflow,
/// and one nesting level keeps the vendor's code.
#[test]
fn nested_aggregated_errors_are_bounded() {
    use download_url::decode::{self, RawReply};
    let request = Request::new([my_uri("a")]);
    let uri = my_uri("a");
    let nested = json!({"code": 40081, "msg": "x", "aggregated_error": {
        uri.clone(): {"code": 40016, "msg": "Path not exist",
                      "aggregated_error": {uri.clone(): {"code": 50000, "msg": "inner"}}}
    }})
    .to_string();
    let err = decode::cloudreve(&RawReply::new(200, nested.as_bytes()), &request).unwrap_err();
    assert_eq!(err.code(), Some(40081), "{err:?}");

    let depth = 100_000;
    let mut deep = String::new();
    for _ in 0..depth {
        deep.push_str(r#"{"code":40081,"msg":"x","aggregated_error":{"k":"#);
    }
    deep.push_str(r#"{"code":1,"msg":"x"}"#);
    for _ in 0..depth {
        deep.push_str("}}");
    }
    let err = decode::cloudreve(&RawReply::new(200, deep.as_bytes()), &request).unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    assert_eq!(err.http_status(), Some(200));
}

/// An `aggregated_error` key is the server's text too: one that names none of
/// the URIs asked for (a resource id, or a hostile echo) must not carry the
/// access token or the purchase ticket into the error; a key naming a URI of
/// the request is still found, share password and all.
#[test]
fn an_aggregated_error_key_echoing_a_credential_is_redacted() {
    const TOKEN: &str = "crtoken-MARKER-k1";
    const TICKET: &str = "crticket-MARKER-k2";
    const PASSWORD: &str = "crsharepw-MARKER-k3";
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        s.cloudreve.access_token = TOKEN.into();
        let mut share = FakeShare::new("Priv", &["a.txt"]);
        share.password = Some(PASSWORD.into());
        share.purchase_ticket = Some(TICKET.into());
        s.cloudreve.shares.push(share);
    });
    let mut config = Config::new(server.base_url());
    config.access_token = Some(TOKEN.into());
    config.purchase_ticket = Some(TICKET.into());
    let asked = share_uri("Priv", Some(PASSWORD), "a.txt");
    let request = Request::new([asked.clone()]);
    push(
        &server,
        json!({"code": 40081, "msg": "x", "aggregated_error": {
            asked.clone(): {"code": 40016, "msg": "Path not exist"},
            format!("cloudreve://my/{TOKEN}"): {"code": 40016, "msg": "a"},
            format!("{TICKET}"): {"code": 40016, "msg": "b"},
        }}),
    );
    let err = one(&config, &request).unwrap_err();
    let detail = api_detail(&err);
    assert_eq!(
        detail.uri_error(&asked).map(|e| e.code),
        Some(Code::ParentNotExist)
    );
    assert_eq!(detail.aggregated_error.len(), 3);
    for marker in [TOKEN, TICKET, PASSWORD] {
        common::assert_no_marker(&err, marker);
    }
    for key in detail.aggregated_error.keys().filter(|k| **k != asked) {
        assert!(!key.contains(TOKEN) && !key.contains(TICKET), "{key}");
    }
}
