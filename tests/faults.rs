//! Hostile servers × every vendor: each behaviour must end in the exact error kind,
//! with the HTTP status kept, without a panic and without hanging past the timeout.
#![cfg(feature = "fake")]

mod common;

use std::time::Duration;

use download_url::fake::{self, FakeReply, FakeServer, Fault};
use download_url::{Error, TransportKind, UnexpectedReason, Vendor};
use serde_json::json;

/// One vendor: how to call it with the fake's default credentials, and its own
/// "unknown code" error envelope.
struct Case {
    vendor: Vendor,
    /// The call, against the vendor at `base_url`.
    call: fn(&str, &ureq::Agent) -> Result<(), Error>,
    /// HTTP status and body of a well-formed error with a code nobody documented.
    unknown_code: fn() -> (u16, serde_json::Value),
    /// The code `Error::code()` must report for it (`None`: the vendor has none).
    unknown_code_value: Option<i64>,
    /// A success body (HTTP 200) whose one link is `url`.
    success_with: fn(&str) -> serde_json::Value,
}

fn cases() -> Vec<Case> {
    #[allow(unused_mut)]
    let mut cases = Vec::new();
    #[cfg(feature = "kie")]
    cases.push(Case {
        vendor: Vendor::Kie,
        call: |base, agent| {
            let mut config = download_url::kie::Config::new(fake::KIE_API_KEY);
            config.base_url = base.to_owned();
            download_url::kie::download_link(
                agent,
                &config,
                "https://tempfile.aiquickdraw.com/a.png",
            )
            .map(drop)
        },
        unknown_code: || (200, json!({"code": 777, "msg": "new code", "data": null})),
        unknown_code_value: Some(777),
        success_with: |url| json!({"code": 200, "msg": "success", "data": url}),
    });
    #[cfg(feature = "datalab")]
    cases.push(Case {
        vendor: Vendor::Datalab,
        call: |base, agent| {
            let mut config = download_url::datalab::Config::new(fake::DATALAB_API_KEY);
            config.base_url = base.to_owned();
            download_url::datalab::download_link(
                agent,
                &config,
                &download_url::datalab::Request::new(42),
            )
            .map(drop)
        },
        unknown_code: || (418, json!({"detail": "I'm a teapot"})),
        unknown_code_value: None,
        success_with: |url| {
            json!({"download_url": url, "expires_in": 3600, "file_id": 42, "original_filename": "a.pdf"})
        },
    });
    #[cfg(feature = "cloudreve")]
    cases.push(Case {
        vendor: Vendor::Cloudreve,
        call: |base, agent| {
            let mut config = download_url::cloudreve::Config::new(base);
            config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
            let uri = download_url::cloudreve::my_uri("The Man.mp3");
            let request = download_url::cloudreve::Request::new([uri]);
            download_url::cloudreve::download_link(agent, &config, &request).map(drop)
        },
        unknown_code: || (200, json!({"code": 40999, "msg": "new code"})),
        unknown_code_value: Some(40999),
        success_with: |url| json!({"code": 0, "msg": "", "data": {"urls": [{"url": url}], "expires": null}}),
    });
    #[cfg(feature = "blendvision")]
    cases.push(Case {
        vendor: Vendor::BlendVision,
        call: |base, agent| {
            let mut config = download_url::blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
            config.base_url = base.to_owned();
            download_url::blendvision::download_link(agent, &config, "63df97e3-519b-4426-bf01-d1841cdc2ccd").map(drop)
        },
        unknown_code: || (400, json!({"code": 99, "message": "new code", "details": [{"@type": "type.googleapis.com/x.New", "k": 1}]})),
        unknown_code_value: Some(99),
        success_with: |url| {
            json!({"id": "63df97e3-519b-4426-bf01-d1841cdc2ccd", "download_uri": url,
                   "download_filename": "bbb.mp4", "expiration_time": "2030-01-01T00:00:00Z"})
        },
    });
    #[cfg(feature = "koodrive")]
    cases.push(Case {
        vendor: Vendor::KooDrive,
        call: |base, agent| {
            use download_url::koodrive;
            let auth =
                koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
            let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
            config.base_url = base.to_owned();
            let request =
                koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
            koodrive::download_link(agent, &config, &request).map(drop)
        },
        unknown_code: || (400, json!({"code": 13_999_999, "msg": "new code"})),
        unknown_code_value: Some(13_999_999),
        success_with: |url| {
            json!({"code": 0, "msg": "", "batchCode": 1, "downloads": [
                {"fileId": fake::KOODRIVE_FILE_ID, "code": "0", "fileName": "a.pdf", "url": url}
            ]})
        },
    });
    cases
}

/// Invalid UTF-8 in the message and in every vendor's link field.
const INVALID_UTF8: &[u8] = b"{\"code\": 0, \"msg\": \"\xff\xfe\", \"message\": \"\xff\", \"data\": \"\xc3\x28\", \"download_url\": \"\xff\", \"download_uri\": \"\xff\", \"id\": \"\xff\"}";

type Check = fn(&Error, &FakeServer) -> Result<(), String>;

fn unexpected(err: &Error, status: u16, reason: UnexpectedReason) -> Result<(), String> {
    match err {
        Error::UnexpectedResponse(e) if e.http_status == status && e.reason == reason => Ok(()),
        other => Err(format!(
            "expected unexpected response {status} {reason:?}, got {other:?}"
        )),
    }
}

fn transport(err: &Error, kinds: &[TransportKind]) -> Result<(), String> {
    match err {
        Error::Transport(e) if kinds.contains(&e.kind) => Ok(()),
        other => Err(format!("expected transport {kinds:?}, got {other:?}")),
    }
}

fn behaviours(other: &FakeServer) -> Vec<(&'static str, FakeReply, Check)> {
    let moved_to = format!("{}/moved", other.base_url());
    vec![
        ("html 502", FakeReply::Fault(Fault::Html502), |e, _| {
            unexpected(e, 502, UnexpectedReason::NotJson)
        }),
        (
            "200 with html",
            FakeReply::raw(200, "text/html", "<html><body>login</body></html>"),
            |e, _| unexpected(e, 200, UnexpectedReason::NotJson),
        ),
        (
            "200 empty body",
            FakeReply::raw(200, "application/json", ""),
            |e, _| unexpected(e, 200, UnexpectedReason::NotJson),
        ),
        (
            "200 null",
            FakeReply::raw(200, "application/json", "null"),
            |e, _| unexpected(e, 200, UnexpectedReason::WrongShape),
        ),
        (
            "truncated json",
            FakeReply::Fault(Fault::TruncatedJson),
            |e, _| unexpected(e, 200, UnexpectedReason::Truncated),
        ),
        (
            "json of the wrong shape",
            FakeReply::json(200, json!({"hello": ["world"]})),
            |e, _| unexpected(e, 200, UnexpectedReason::WrongShape),
        ),
        (
            "oversized body",
            FakeReply::Fault(Fault::Oversized(download_url::BODY_LIMIT + 4096)),
            |e, _| unexpected(e, 200, UnexpectedReason::TooLarge),
        ),
        (
            "oversized chunked body",
            FakeReply::Fault(Fault::OversizedChunked(download_url::BODY_LIMIT + 4096)),
            |e, _| unexpected(e, 200, UnexpectedReason::TooLarge),
        ),
        (
            "body of exactly BODY_LIMIT bytes (allowed: all blanks, so not JSON)",
            FakeReply::Fault(Fault::Oversized(download_url::BODY_LIMIT)),
            |e, _| unexpected(e, 200, UnexpectedReason::NotJson),
        ),
        (
            "chunked body of exactly BODY_LIMIT bytes",
            FakeReply::Fault(Fault::OversizedChunked(download_url::BODY_LIMIT)),
            |e, _| unexpected(e, 200, UnexpectedReason::NotJson),
        ),
        (
            "one byte past BODY_LIMIT",
            FakeReply::Fault(Fault::Oversized(download_url::BODY_LIMIT + 1)),
            |e, _| {
                unexpected(e, 200, UnexpectedReason::TooLarge)?;
                match e {
                    Error::UnexpectedResponse(u) if !u.body_excerpt.is_empty() => Ok(()),
                    other => Err(format!("no excerpt kept: {other:?}")),
                }
            },
        ),
        (
            "chunked, one byte past BODY_LIMIT",
            FakeReply::Fault(Fault::OversizedChunked(download_url::BODY_LIMIT + 1)),
            |e, _| unexpected(e, 200, UnexpectedReason::TooLarge),
        ),
        (
            "gzip bomb (256 MiB inflated)",
            FakeReply::Fault(Fault::GzipBomb(256 << 20)),
            |e, _| unexpected(e, 200, UnexpectedReason::TooLarge),
        ),
        (
            "body stalls after headers",
            FakeReply::Fault(Fault::StallBody(Duration::from_secs(30))),
            |e, _| {
                transport(e, &[TransportKind::Timeout])?;
                (e.http_status() == Some(200))
                    .then_some(())
                    .ok_or_else(|| format!("status lost: {e:?}"))
            },
        ),
        (
            "1 byte per 500 ms",
            FakeReply::Fault(Fault::Drip(Duration::from_millis(500))),
            |e, _| transport(e, &[TransportKind::Timeout]),
        ),
        (
            "header drip, 1 byte per 200 ms",
            FakeReply::Fault(Fault::HeaderDrip(Duration::from_millis(200))),
            |e, _| transport(e, &[TransportKind::Timeout]),
        ),
        (
            "closed before the status line",
            FakeReply::Fault(Fault::CloseBeforeStatus),
            |e, _| transport(e, &[TransportKind::Io, TransportKind::Protocol]),
        ),
        (
            "reset mid-body",
            FakeReply::Fault(Fault::ResetMidBody),
            |e, _| {
                transport(e, &[TransportKind::Io])?;
                (e.http_status() == Some(200))
                    .then_some(())
                    .ok_or_else(|| format!("status lost: {e:?}"))
            },
        ),
        (
            "302 to another host",
            FakeReply::raw(302, "text/plain", "").with_header("Location", &moved_to),
            |e, other| {
                unexpected(e, 302, UnexpectedReason::Status)?;
                (other.request_count() == 0)
                    .then_some(())
                    .ok_or_else(|| "redirect followed".to_owned())
            },
        ),
        (
            "307 to another host",
            FakeReply::raw(307, "text/plain", "").with_header("Location", &moved_to),
            |e, other| {
                unexpected(e, 307, UnexpectedReason::Status)?;
                (other.request_count() == 0)
                    .then_some(())
                    .ok_or_else(|| "redirect followed".to_owned())
            },
        ),
        (
            "429 Retry-After seconds",
            FakeReply::Fault(Fault::RateLimited("12".into())),
            |e, _| {
                (e.retry_after() == Some(Duration::from_secs(12))
                    && e.http_status() == Some(429)
                    && e.is_retryable())
                .then_some(())
                .ok_or_else(|| format!("{e:?}"))
            },
        ),
        (
            "429 Retry-After http date",
            FakeReply::Fault(Fault::RateLimited("Fri, 01 Jan 2100 00:00:00 GMT".into())),
            |e, _| {
                (e.retry_after()
                    .is_some_and(|d| d > Duration::from_secs(86_400))
                    && e.http_status() == Some(429))
                .then_some(())
                .ok_or_else(|| format!("{e:?}"))
            },
        ),
        (
            "invalid utf-8 inside a json string",
            FakeReply::raw(200, "application/json", INVALID_UTF8.to_vec()),
            |e, _| unexpected(e, 200, UnexpectedReason::NotJson),
        ),
    ]
}

#[test]
fn hostile_server_table() {
    let cases = cases();
    let other = FakeServer::start().unwrap();
    // A connect that never completes: not a reply, so not in `behaviours`.
    let stalled = fake::StalledListener::start().unwrap();
    let names = behaviours(&other).len() + 2;
    println!(
        "fault table: {names} behaviours × {} vendors = {} cases",
        cases.len(),
        names * cases.len()
    );
    let agent = download_url::agent_with_timeout(Duration::from_secs(2));
    let failures = std::sync::Mutex::new(Vec::new());
    // One thread per vendor: the timeouts of the table add up to ~20 s a vendor.
    std::thread::scope(|scope| {
        for case in &cases {
            let (agent, other, stalled, failures) = (&agent, &other, &stalled, &failures);
            scope.spawn(move || {
                let mut found = vendor_table(case, agent, other, stalled);
                failures.lock().unwrap().append(&mut found);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every behaviour of the table against one vendor; the failures found.
fn vendor_table(
    case: &Case,
    agent: &ureq::Agent,
    other: &FakeServer,
    stalled: &fake::StalledListener,
) -> Vec<String> {
    let mut failures = Vec::new();
    let server = FakeServer::start().unwrap();
    for (name, reply, check) in behaviours(other) {
        server.push(case.vendor, reply);
        let started = std::time::Instant::now();
        let result = (case.call)(&server.base_url(), agent);
        let took = started.elapsed();
        match result {
            Ok(()) => failures.push(format!("{:?} / {name}: succeeded", case.vendor)),
            Err(err) => {
                if let Err(why) = check(&err, other) {
                    failures.push(format!("{:?} / {name}: {why}", case.vendor));
                }
                let line = err.to_string();
                if line.contains('\n') || line.len() > 300 {
                    failures.push(format!(
                        "{:?} / {name}: display not one short line: {line}",
                        case.vendor
                    ));
                }
            }
        }
        if took > Duration::from_secs(10) {
            failures.push(format!("{:?} / {name}: hung for {took:?}", case.vendor));
        }
    }
    // Stalled connect: ends at the agent's connect bound (here 2 s, the timeout
    // being below the 10 s default bound), as a timeout with no status.
    let started = std::time::Instant::now();
    match (case.call)(&stalled.base_url(), agent) {
        Ok(()) => failures.push(format!("{:?} / stalled connect: succeeded", case.vendor)),
        Err(err) => {
            if let Err(why) = transport(&err, &[TransportKind::Timeout]) {
                failures.push(format!("{:?} / stalled connect: {why}", case.vendor));
            }
            if err.http_status().is_some() {
                failures.push(format!("{:?} / stalled connect: {err:?}", case.vendor));
            }
        }
    }
    let took = started.elapsed();
    if took < Duration::from_secs(2) || took > Duration::from_secs(10) {
        failures.push(format!(
            "{:?} / stalled connect: ended after {took:?}, not at the 2 s bound",
            case.vendor
        ));
    }
    // An envelope with a code nobody documented keeps the code.
    let (status, body) = (case.unknown_code)();
    server.push(case.vendor, FakeReply::json(status, body));
    match (case.call)(&server.base_url(), agent) {
        Err(err @ Error::Api(_)) => {
            if err.code() != case.unknown_code_value || err.http_status() != Some(status) {
                failures.push(format!("{:?} / unknown code: {err:?}", case.vendor));
            }
        }
        other => failures.push(format!("{:?} / unknown code: {other:?}", case.vendor)),
    }
    // And the vendor still works afterwards on the same agent.
    if let Err(err) = (case.call)(&server.base_url(), agent) {
        failures.push(format!("{:?} / after the table: {err:?}", case.vendor));
    }
    failures
}

/// README: "`download_url::agent()` adds a 10 s connect timeout": a connect that
/// never completes ends after 10 s, not before and not much after. (With
/// `CONNECT_TIMEOUT` at 60 s this test fails.)
#[cfg(feature = "kie")]
#[test]
fn a_stalled_connect_ends_after_10_s() {
    let stalled = fake::StalledListener::start().unwrap();
    let mut config = download_url::kie::Config::new(fake::KIE_API_KEY);
    config.base_url = stalled.base_url();
    let started = std::time::Instant::now();
    let err = download_url::kie::download_link(
        &download_url::agent(),
        &config,
        "https://tempfile.aiquickdraw.com/a.png",
    )
    .unwrap_err();
    let took = started.elapsed();
    transport(&err, &[TransportKind::Timeout]).unwrap();
    assert!(took >= Duration::from_secs(10), "{took:?}");
    assert!(took < Duration::from_secs(16), "{took:?}");
}

/// The crate-wide rule for a reply outside the contract: 429 and 5xx are
/// retryable, except 501 (Not Implemented will not change on retry).
#[cfg(feature = "kie")]
#[test]
fn unexpected_501_is_not_retryable_but_other_5xx_are() {
    let server = download_url::fake::FakeServer::start().unwrap();
    let mut config = download_url::kie::Config::new(download_url::fake::KIE_API_KEY);
    config.base_url = server.base_url();
    for (status, retryable) in [
        (500, true),
        (501, false),
        (502, true),
        (504, true),
        (429, true),
        (404, false),
    ] {
        server.push(
            download_url::Vendor::Kie,
            download_url::fake::FakeReply::raw(status, "text/html", "<html>gateway</html>"),
        );
        let err = download_url::kie::download_link(
            &common::quick_agent(),
            &config,
            "https://tempfile.aiquickdraw.com/a.png",
        )
        .unwrap_err();
        assert_eq!(err.http_status(), Some(status));
        assert_eq!(err.is_retryable(), retryable, "{status}");
    }
}

/// Remote text is data, never control: every vendor's one-file call refuses a link
/// that is not an absolute http(s) URL free of whitespace and control characters,
/// as an unexpected response that keeps the status.
#[test]
fn every_vendor_refuses_a_link_that_is_not_data() {
    let bad = [
        "https://h.example/a\tb\nforged\tline",
        "https://h.example/\u{1b}[31mred",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "/relative/path",
        "",
    ];
    for case in cases() {
        let server = FakeServer::start().unwrap();
        for url in bad {
            server.push(case.vendor, FakeReply::json(200, (case.success_with)(url)));
            let err = (case.call)(&server.base_url(), &common::quick_agent()).unwrap_err();
            if let Err(why) = unexpected(&err, 200, UnexpectedReason::InvalidContent) {
                panic!("{:?} {url:?}: {why}", case.vendor);
            }
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains('\u{1b}') && !shown.contains("\tb\n"),
                "{shown}"
            );
        }
        // The same body with a good link works: the shape above is the contract's.
        server.push(
            case.vendor,
            FakeReply::json(
                200,
                (case.success_with)("https://h.example/ok?X-Amz-Signature=s"),
            ),
        );
        (case.call)(&server.base_url(), &common::quick_agent())
            .unwrap_or_else(|e| panic!("{:?}: {e:?}", case.vendor));
    }
}
