//! Cloudreve v4 `POST /api/v4/file/url` against the fake server.
#![cfg(all(feature = "cloudreve", feature = "fake"))]

mod common;

use std::time::Duration;

use download_url::cloudreve::{
    self, my_uri, share_uri, uri_from, uri_path, Answer, Code, Config, ErrorDetail, Request,
};
use download_url::fake::{self, FakeReply, FakeServer, FakeShare, Fault};
use download_url::{agent, DownloadLink, Error, TransportKind, UnexpectedReason, Vendor};
use serde_json::json;
use time::macros::datetime;
use time::OffsetDateTime;

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

fn call(config: &Config, request: &Request) -> Result<cloudreve::FileUrls, Error> {
    cloudreve::download_urls(&agent(), config, request)
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

fn push(server: &FakeServer, body: serde_json::Value) {
    server.push(Vendor::Cloudreve, FakeReply::json(200, body));
}

fn sign_seconds(url: &str) -> i64 {
    let sign = url.split("sign=").nth(1).expect("sign");
    sign.rsplit("%3A").next().unwrap().parse().unwrap()
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
    let urls = call(&config(&server), &request).unwrap();

    assert_eq!(urls.answer, Answer::Json);
    assert!(urls.is_complete());
    assert_eq!(urls.links.len(), 4);
    let expires = urls.expires.expect("expires");
    for (link, uri) in urls.links.iter().zip(&uris) {
        assert_eq!(link.uri.as_deref(), Some(uri.as_str()));
        assert!(link
            .url
            .starts_with("http://localhost:5173/api/v4/file/content/"));
        assert!(link.url.contains("download=true&sign="));
        assert_eq!(link.expires_at, Some(expires));
        assert_eq!(urls.link_for(uri), Some(link));
    }
    assert!(expires > OffsetDateTime::now_utc());

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

    let links: Vec<DownloadLink> = urls.into_links();
    assert_eq!(links[1].file_name.as_deref(), Some(EXAMPLES[1].0));
    assert_eq!(links[0].vendor, Vendor::Cloudreve);
    assert!(!links[0].is_expired());
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
    let urls = call(&config(&server), &request).unwrap();
    assert_eq!(urls.links.len(), 1);
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
fn base_url_with_or_without_api_prefix() {
    let server = FakeServer::start().unwrap();
    let request = Request::new([my_uri("The Man.mp3")]);
    for suffix in ["", "/", "/api/v4", "/api/v4/"] {
        let mut config = config(&server);
        config.base_url = format!("{}{suffix}", server.base_url());
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
    let urls = call(&config(&server), &request).unwrap();
    let at = datetime!(2025-06-10 12:06:55.011624 +08:00);
    assert_eq!(urls.expires, Some(at));
    assert!(urls.links.iter().all(|l| l.expires_at == Some(at)));
    assert_eq!(urls.links.len(), 4);
    assert!(DownloadLink::from(urls.links[0].clone()).is_expired());
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
    let urls = call(&config(&server), &request).unwrap();
    assert_eq!(urls.expires, None);
    assert_eq!(
        urls.links[0].expires_at,
        Some(OffsetDateTime::from_unix_timestamp(1_749_528_415).unwrap())
    );
    assert_eq!(urls.links[1].expires_at, None, "sign …:0 never expires");
    assert_eq!(urls.links[2].expires_at, None);

    // The fake signs with its own lifetime when it sends `expires: null`.
    server.configure(|s| s.cloudreve.send_expires = false);
    let urls = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap();
    let link = &urls.links[0];
    assert_eq!(
        link.expires_at,
        Some(OffsetDateTime::from_unix_timestamp(sign_seconds(&link.url)).unwrap())
    );
    server.configure(|s| s.cloudreve.url_ttl_secs = 0);
    let urls = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap();
    assert_eq!(urls.links[0].expires_at, None);
}

#[test]
fn stream_saver_display_name_becomes_the_file_name() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.cloudreve.stream_saver = true);
    let urls = call(
        &config(&server),
        &Request::new([my_uri("folder/report.pdf")]),
    )
    .unwrap();
    assert_eq!(urls.links[0].display_name.as_deref(), Some("report.pdf"));
    let link: DownloadLink = urls.links[0].clone().into();
    assert_eq!(link.file_name.as_deref(), Some("report.pdf"));
}

#[test]
fn entity_is_sent_and_checked() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("The Man.mp3")]);
    request.entity = Some("aO8j".into());
    assert_eq!(call(&config(&server), &request).unwrap().links.len(), 1);
    request.entity = Some("nope".into());
    let err = call(&config(&server), &request).unwrap_err();
    assert_eq!(err.code(), Some(40081));
    let detail = api_detail(&err);
    assert_eq!(
        detail.uri_error(&request.uris[0]).unwrap().code,
        Code::EntityNotExist
    );
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
    let urls = call(&config(&server), &request).unwrap();
    assert!(!urls.is_complete());
    assert_eq!(urls.failed, vec![uris[1].clone(), uris[3].clone()]);
    let served: Vec<_> = urls.links.iter().map(|l| l.uri.clone().unwrap()).collect();
    assert_eq!(served, vec![uris[0].clone(), uris[2].clone()]);
    assert!(urls.links.iter().all(|l| !l.url.is_empty()));
    assert!(urls.link_for(&uris[1]).is_none());
    assert_eq!(urls.into_links().len(), 2);
}

#[test]
fn skip_error_with_every_uri_failing_is_ok_with_no_links() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("a"), my_uri("b")]);
    request.skip_error = Some(true);
    let urls = call(&config(&server), &request).unwrap();
    assert!(urls.links.is_empty());
    assert_eq!(urls.failed.len(), 2);
}

#[test]
fn batch_failure_is_40081_with_each_uri() {
    let server = FakeServer::start().unwrap();
    let uris = [
        my_uri("The Man.mp3"),
        my_uri("missing.mp3"),
        my_uri("folder"),
    ];
    let err = call(&config(&server), &Request::new(uris.clone())).unwrap_err();
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
    let err = call(&config(&server), &Request::new([uri.clone()])).unwrap_err();
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
    let err = call(
        &config(&server),
        &Request::new(["cloudreve://my/a", "cloudreve://my/b"]),
    )
    .unwrap_err();
    assert!(err.is_retryable());
    let detail = api_detail(&err);
    assert_eq!(
        detail.uri_error("cloudreve://my/a").unwrap().code,
        Code::Other(50001)
    );
}

// ---- redirect, archive -----------------------------------------------------------

#[test]
fn redirect_with_one_uri_returns_location_unfollowed() {
    let server = FakeServer::start().unwrap();
    let site = server.base_url();
    server.configure(|s| s.cloudreve.site_url = site);
    let uri = my_uri("The Man.mp3");
    let mut request = Request::new([uri.clone()]);
    request.redirect = Some(true);
    let urls = call(&config(&server), &request).unwrap();
    assert_eq!(urls.answer, Answer::Redirect);
    assert_eq!(urls.links.len(), 1);
    let link = &urls.links[0];
    assert_eq!(link.uri.as_deref(), Some(uri.as_str()));
    assert!(link.url.starts_with(&server.base_url()));
    assert_eq!(
        link.expires_at,
        Some(OffsetDateTime::from_unix_timestamp(sign_seconds(&link.url)).unwrap())
    );
    assert_eq!(server.request_count(), 1, "the redirect is not followed");
}

#[test]
fn redirect_with_several_uris_is_ignored_by_the_server() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("The Man.mp3"), my_uri("folder/report.pdf")]);
    request.redirect = Some(true);
    let urls = call(&config(&server), &request).unwrap();
    assert_eq!(urls.answer, Answer::Json);
    assert_eq!(urls.links.len(), 2);
}

#[test]
fn redirect_failures() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new([my_uri("missing.mp3")]);
    request.redirect = Some(true);
    // Without skip_error the server answers JSON 40081.
    let err = call(&config(&server), &request).unwrap_err();
    assert_eq!(err.code(), Some(40081));
    // With skip_error it redirects to an empty target (`/api/v4/file/`): a failure.
    request.skip_error = Some(true);
    let urls = call(&config(&server), &request).unwrap();
    assert!(urls.links.is_empty());
    assert_eq!(urls.failed, request.uris);
    assert_eq!(urls.answer, Answer::Redirect);

    request.skip_error = None;
    for location in ["", "/api/v4/file/"] {
        server.push(
            Vendor::Cloudreve,
            FakeReply::Response {
                status: 302,
                headers: vec![("Location".into(), location.into())],
                body: Vec::new(),
            },
        );
        let err = call(&config(&server), &request).unwrap_err();
        assert_eq!(unexpected_reason(&err), UnexpectedReason::InvalidContent);
        assert_eq!(err.http_status(), Some(302));
    }
}

#[test]
fn unrequested_redirect_is_unexpected() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::Cloudreve,
        FakeReply::Response {
            status: 302,
            headers: vec![("Location".into(), "https://elsewhere.example/x".into())],
            body: Vec::new(),
        },
    );
    let err = call(&config(&server), &Request::new([my_uri("The Man.mp3")])).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::Status);
}

#[test]
fn archive_gives_one_url_for_all() {
    let server = FakeServer::start().unwrap();
    let mut request = Request::new(EXAMPLES.iter().map(|(_, uri)| *uri));
    request.archive = Some(true);
    let urls = call(&config(&server), &request).unwrap();
    assert_eq!(urls.answer, Answer::Archive);
    assert_eq!(urls.links.len(), 1);
    assert_eq!(urls.links[0].uri, None);
    assert!(urls.links[0].url.contains("/archive.zip?sign="));
    assert_eq!(urls.links[0].expires_at, urls.expires);
    assert!(urls.expires.is_some());
    assert_eq!(
        server.last_request(Vendor::Cloudreve).unwrap().json()["archive"],
        json!(true)
    );

    // The vendor page's archive example.
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [{"url": "http://localhost:5173/api/v4/file/archive/56bb8329-3afa-4137-9ebb-2a07b6ea19b9/archive.zip?sign=1CgU15Is0ezKeTVKE_OAu2tJJoB6lN5s_DvRXTcP7GQ%3D%3A1749525301"}], "expires": "2025-06-10T11:15:01.186053+08:00"}}),
    );
    let urls = call(&config(&server), &request).unwrap();
    assert_eq!(
        urls.links[0].expires_at,
        Some(datetime!(2025-06-10 11:15:01.186053 +08:00))
    );

    server.configure(|s| s.cloudreve.archive_allowed = false);
    let err = call(&config(&server), &request).unwrap_err();
    assert_eq!(api_detail(&err).code, Code::GroupNotAllowed);
}

// ---- auth, limits --------------------------------------------------------------

#[test]
fn anonymous_access_reaches_shares_only() {
    let server = FakeServer::start().unwrap();
    let share = share_uri("VoMFL", Some("2rje2bdj"), "report.pdf");
    let urls = call(&anonymous(&server), &Request::new([share])).unwrap();
    assert_eq!(urls.links.len(), 1);
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
    assert_eq!(err.to_string(), "cloudreve: login required (code 401)");
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
    let err = call(&anonymous(&server), &Request::new([wrong.clone()])).unwrap_err();
    assert_eq!(
        api_detail(&err).uri_error(&wrong).unwrap().code,
        Code::IncorrectPassword
    );
    let unknown = share_uri("Nope", None, "x");
    let err = call(&anonymous(&server), &Request::new([unknown.clone()])).unwrap_err();
    assert_eq!(
        api_detail(&err).uri_error(&unknown).unwrap().code,
        Code::NotFound
    );

    let paid = share_uri("Paid1", None, "song.mp3");
    let err = call(&anonymous(&server), &Request::new([paid.clone()])).unwrap_err();
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
    let request = Request::new([my_uri("a"), my_uri("b"), my_uri("c")]);
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
        (40089, Code::SessionExpired),
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
        assert_eq!(err.is_retryable(), code >= 50000, "{code}");
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
    push(
        &server,
        json!({"code": 0, "msg": "", "data": {"urls": [{"url": "https://h/a"}, {"url": "https://h/b"}], "expires": null}}),
    );
    let err = call(&config(&server), &archive).unwrap_err();
    assert_eq!(unexpected_reason(&err), UnexpectedReason::InvalidContent);
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
    let err = cloudreve::download_urls(
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
        match &err {
            Error::InvalidInput(e) => {
                assert_eq!(e.field, field, "{err}");
                assert_eq!(e.vendor, Vendor::Cloudreve);
            }
            other => panic!("expected invalid input for {field}, got {other:?}"),
        }
        assert!(err.to_string().contains("nothing was sent"));
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

    let urls = call(&config, &request).unwrap();
    assert!(!format!("{urls:?}").contains(MARKER));
    assert!(!format!("{urls:?}").contains("sign="));

    let err = call(&config, &Request::new([share.clone(), missing.clone()])).unwrap_err();
    assert!(api_detail(&err).uri_error(&missing).is_some());
    common::assert_no_marker(&err, MARKER);

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
}

// ---- CLI ---------------------------------------------------------------------

fn cli_env(server: &FakeServer) -> Vec<(&'static str, String)> {
    vec![
        ("CLOUDREVE_BASE_URL", server.base_url()),
        ("CLOUDREVE_TOKEN", fake::CLOUDREVE_TOKEN.to_owned()),
    ]
}

fn run(args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    common::dlurl(args, &env)
}

#[test]
fn cli_prints_one_line_per_link() {
    let server = FakeServer::start().unwrap();
    let out = run(
        &["cloudreve", "--download", "The Man.mp3", EXAMPLES[1].1],
        &cli_env(&server),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    let fields: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(fields.len(), 3);
    assert!(fields[0].starts_with("http://localhost:5173/api/v4/file/content/"));
    assert!(fields[0].contains("download=true"));
    assert_eq!(fields[1], "The Man.mp3");
    assert!(fields[2].ends_with('Z'), "{}", fields[2]);
    assert!(lines[1].contains(EXAMPLES[1].0));
    let sent = server.last_request(Vendor::Cloudreve).unwrap();
    assert_eq!(
        sent.json()["uris"],
        json!(["cloudreve://my/The%20Man.mp3", EXAMPLES[1].1])
    );
    assert_eq!(sent.json()["download"], json!(true));
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
    assert_eq!(printed[0]["vendor"], "cloudreve");
    assert_eq!(printed[0]["file_name"], "The Man.mp3");
    assert_eq!(
        server.last_request(Vendor::Cloudreve).unwrap().json(),
        json!({"uris": ["cloudreve://my/The%20Man.mp3"], "entity": "aO8j", "use_primary_site_url": true, "no_cache": true})
    );

    let out = run(
        &["cloudreve", "--archive", "The Man.mp3", "folder/report.pdf"],
        &cli_env(&server),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(out.stdout.contains("archive.zip"));

    let out = run(
        &["cloudreve", "--redirect", "The Man.mp3"],
        &cli_env(&server),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1);
}

#[test]
fn cli_anonymous_share_uri() {
    let server = FakeServer::start().unwrap();
    let env = vec![("CLOUDREVE_BASE_URL", server.base_url())];
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
fn cli_batch_failure_exits_1_listing_each_uri() {
    let server = FakeServer::start().unwrap();
    let out = run(
        &["cloudreve", "The Man.mp3", "missing.mp3", "folder"],
        &cli_env(&server),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("code 40081"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cloudreve://my/missing.mp3: code 40016"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("cloudreve://my/folder: code 40077"),
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
        out.stderr.contains("failed: cloudreve://my/missing.mp3"),
        "{}",
        out.stderr
    );
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
    ] {
        let out = run(&args, &env);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
    }
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
