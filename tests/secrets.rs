//! No credential and no presigned-URL query in any `Debug` or `Display` output, for
//! every vendor and every error path the fake can produce.
//!
//! Each vendor is configured with marker credentials (one distinct marker per
//! credential) that the fake accepts; then every behaviour below is driven, and the
//! `Debug` of the config and the request, the `Debug` of the reply and its links, and
//! the `Display`/`Debug` of the error and of every error in its `source()` chain are
//! searched for every marker and for every query part of the presigned URLs the
//! fake hands out.

mod common;

use std::time::Duration;

use download_url::fake::{self, FakeReply, FakeServer, FakeShare, Fault};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive};
use download_url::{
    Batch, DownloadLink, Error, Expiry, FailureReason, ItemFailure, SignedUrl, Vendor, VendorCode,
};
use serde_json::json;

use common::markers::{
    self, BV_TOKEN, CR_SHARE_PASSWORD, CR_TICKET, CR_TOKEN, DATALAB_KEY, KD_SECRET, KD_TOKEN,
    KIE_KEY,
};

/// The signature the fake kie.ai puts in its (configured) presigned link.
const KIE_SIGNATURE: &str = "kiesig0a1b2c3d4e5f";
/// A query a hostile server puts into messages, redirects and wrong-shaped bodies.
const HOSTILE_QUERY: &str = "X-Amz-Signature=hostilesig9z8y7x&sign=hostilesign6w5v";

/// Parts of the query of every presigned URL the fakes hand out (and of
/// [`HOSTILE_QUERY`]): none may appear in an error or a `Debug`.
const QUERY_PARTS: [&str; 12] = [
    "X-Amz-",
    "sign=",
    "sign%3D",
    KIE_SIGNATURE,
    "hostilesig9z8y7x",
    "hostilesign6w5v",
    "AKIAFAKE",                         // datalab credential
    "5f1e0c9a7b",                       // datalab signature
    "ASIAFAKEFAKEFAKE",                 // blendvision credential
    "946bbe3bdaa6e0ecff9279cb3db2f304", // blendvision signature
    "FAKEKOODRIVEKEY",                  // koodrive credential
    "9d06798af17e2f1082b720f43af29a32b3154da4ddeee4f10025a758b599728a", // koodrive signature
];

fn assert_clean(context: &str, text: &str) {
    for marker in markers::ALL {
        assert!(
            !text.contains(marker),
            "{context}: credential {marker} leaked: {text}"
        );
    }
    for part in QUERY_PARTS {
        assert!(
            !text.contains(part),
            "{context}: presigned query part {part} leaked: {text}"
        );
    }
}

fn check_error(context: &str, err: &Error) {
    assert_clean(context, &common::error_texts(err).join("\n"));
    for marker in markers::ALL {
        common::assert_no_marker(err, marker);
    }
}

/// What a successful call shows: the reply's Debug and its links' Debug.
type Shown = String;
type CallFn = Box<dyn Fn(&ureq::Agent) -> Result<Shown, Error>>;
/// Turns a credential into a variant of it (wrong, with a line break, non-ASCII).
type Mangle<'a> = &'a dyn Fn(&str) -> String;
/// Builds the call once per credential slot, with that credential mangled.
type WithCredential = Box<dyn Fn(Mangle<'_>) -> Vec<CallFn>>;

struct Case {
    vendor: Vendor,
    server: FakeServer,
    /// Debug of the config(s) and request(s) used.
    shown: String,
    /// The call with the marker credentials the fake accepts.
    call: CallFn,
    /// The same call with each credential in turn replaced by `f(credential)`.
    with_credential: WithCredential,
    /// The vendor's error inside HTTP 200, when it has that form.
    error_200: Option<FakeReply>,
    /// The vendor's error on an HTTP error status.
    error_status: FakeReply,
    /// A reply of the wrong shape that carries a presigned URL where a number
    /// belongs (so that the JSON decoder quotes it).
    wrong_shape_with_url: FakeReply,
}

fn hostile_url() -> String {
    format!("https://evil.example/obj.bin?{HOSTILE_QUERY}")
}

fn shown_links(links: Vec<DownloadLink>) -> String {
    format!("{links:?}")
}

fn kie_case() -> Case {
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        s.kie.api_key = KIE_KEY.into();
        s.kie.link = format!(
            "https://tempfile.aiquickdraw.com/w/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20300101T000000Z&X-Amz-Expires=1200&X-Amz-Signature={KIE_SIGNATURE}"
        );
    });
    let base = server.base_url();
    let config_for = move |key: &str| {
        let mut config = kie::Config::new(key);
        config.base_url = base.clone();
        config
    };
    let config = config_for(KIE_KEY);
    let file = "https://tempfile.aiquickdraw.com/a.png";
    let url = hostile_url();
    Case {
        vendor: Vendor::Kie,
        shown: format!("{config:?}"),
        call: Box::new(move |agent| {
            let link = kie::download_link(agent, &config, file)?;
            Ok(format!("{link:?} {}", shown_links(vec![link.clone()])))
        }),
        with_credential: Box::new(move |f| {
            let config = config_for(&f(KIE_KEY));
            vec![Box::new(move |agent: &ureq::Agent| {
                kie::download_link(agent, &config, file).map(|l| format!("{l:?}"))
            }) as CallFn]
        }),
        error_200: Some(FakeReply::json(
            200,
            json!({"code": 402, "msg": format!("no credits for {url}"), "data": null}),
        )),
        error_status: FakeReply::json(
            401,
            json!({"code": 401, "msg": format!("denied {url}"), "data": null}),
        ),
        wrong_shape_with_url: FakeReply::json(200, json!({"code": url, "msg": url})),
        server,
    }
}

fn datalab_case() -> Case {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.datalab.api_key = DATALAB_KEY.into());
    let base = server.base_url();
    let config_for = move |key: &str| {
        let mut config = datalab::Config::new(key);
        config.base_url = base.clone();
        config
    };
    let config = config_for(DATALAB_KEY);
    let mut request = datalab::Request::new(42);
    request.expires_in = Some(600);
    let url = hostile_url();
    Case {
        vendor: Vendor::Datalab,
        shown: format!("{config:?} {request:?}"),
        call: Box::new({
            let request = request.clone();
            move |agent| {
                let link = datalab::download_link(agent, &config, &request)?;
                Ok(format!("{link:?} {}", shown_links(vec![link.clone()])))
            }
        }),
        with_credential: Box::new(move |f| {
            let config = config_for(&f(DATALAB_KEY));
            let request = request.clone();
            vec![Box::new(move |agent: &ureq::Agent| {
                datalab::download_link(agent, &config, &request).map(|l| format!("{l:?}"))
            }) as CallFn]
        }),
        error_200: None,
        error_status: FakeReply::json(404, json!({"detail": format!("no file at {url}")})),
        wrong_shape_with_url: FakeReply::json(
            200,
            json!({"download_url": url, "expires_in": url, "file_id": 42, "original_filename": "a"}),
        ),
        server,
    }
}

fn cloudreve_case() -> Case {
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        s.cloudreve.access_token = CR_TOKEN.into();
        let mut share = FakeShare::new("Priv", &["a.txt"]);
        share.password = Some(CR_SHARE_PASSWORD.into());
        share.purchase_ticket = Some(CR_TICKET.into());
        s.cloudreve.shares.push(share);
    });
    let base = server.base_url();
    let config_for = move |token: &str, ticket: &str| {
        let mut config = cloudreve::Config::new(base.clone());
        config.access_token = Some(token.into());
        config.purchase_ticket = Some(ticket.into());
        config
    };
    let config = config_for(CR_TOKEN, CR_TICKET);
    let request_for = |password: &str| {
        cloudreve::Request::new([
            cloudreve::share_uri("Priv", Some(password), "a.txt"),
            cloudreve::my_uri("The Man.mp3"),
        ])
    };
    let request = request_for(CR_SHARE_PASSWORD);
    // One URI that fails: code 40081 with the URIs (and their password) as keys.
    let partly_missing = cloudreve::Request::new([
        cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), "a.txt"),
        cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), "missing.txt"),
    ]);
    let mut skip_error = partly_missing.clone();
    skip_error.skip_error = Some(true);
    let single = cloudreve::Request::new([cloudreve::share_uri(
        "Priv",
        Some(CR_SHARE_PASSWORD),
        "a.txt",
    )]);
    let url = hostile_url();
    Case {
        vendor: Vendor::Cloudreve,
        shown: format!("{config:?} {request:?} {partly_missing:?} {skip_error:?} {single:?}"),
        call: Box::new({
            let config = config.clone();
            move |agent| {
                let batch = cloudreve::download_links(agent, &config, &request)?;
                // The 40081 for the missing file alone is the call's error…
                let missing_only = partly_missing.with_uris([partly_missing.uris[1].clone()]);
                let missing = cloudreve::download_link(agent, &config, &missing_only)
                    .expect_err("a missing file fails the call");
                check_error("cloudreve 40081", &missing);
                // …and in a batch it is that URI's failure.
                let refused = cloudreve::download_links(agent, &config, &partly_missing)?;
                assert_eq!(refused.failures.len(), 1, "{refused:?}");
                // Under skip_error the missing file is a failure of the batch whose
                // item is the URI with its share password.
                let skipped = cloudreve::download_links(agent, &config, &skip_error)?;
                assert_eq!(skipped.links.len(), 1, "{skipped:?}");
                assert_eq!(skipped.failures.len(), 1, "{skipped:?}");
                assert!(skipped.failures[0].item.contains(CR_SHARE_PASSWORD));
                let one = cloudreve::download_link(agent, &config, &single)?;
                assert!(one.item.contains(CR_SHARE_PASSWORD));
                Ok(format!(
                    "{batch:?} {} {refused:?} {} {skipped:?} {} {} {one:?}",
                    shown_links(batch.links.clone()),
                    refused.failures[0],
                    skipped.failures[0],
                    shown_links(skipped.links.clone()),
                ))
            }
        }),
        with_credential: Box::new(move |f| {
            let calls: Vec<(cloudreve::Config, cloudreve::Request)> = vec![
                (
                    config_for(&f(CR_TOKEN), CR_TICKET),
                    request_for(CR_SHARE_PASSWORD),
                ),
                (
                    config_for(CR_TOKEN, &f(CR_TICKET)),
                    request_for(CR_SHARE_PASSWORD),
                ),
                (
                    config_for(CR_TOKEN, CR_TICKET),
                    request_for(&f(CR_SHARE_PASSWORD)),
                ),
                // A URI given as a string is sent untouched: a raw password with a
                // control character is refused without being echoed.
                (
                    config_for(CR_TOKEN, CR_TICKET),
                    cloudreve::Request::new([format!(
                        "cloudreve://Priv:{}@share/a.txt",
                        f(CR_SHARE_PASSWORD)
                    )]),
                ),
            ];
            calls
                .into_iter()
                .map(|(config, request)| {
                    Box::new(move |agent: &ureq::Agent| {
                        cloudreve::download_links(agent, &config, &request)
                            .map(|u| format!("{u:?}"))
                    }) as CallFn
                })
                .collect()
        }),
        error_200: Some(FakeReply::json(
            200,
            json!({"code": 40005, "msg": format!("signature expired: {url}"), "error": url}),
        )),
        error_status: FakeReply::json(
            500,
            json!({"code": 50001, "msg": format!("storage failed for {url}"), "error": url}),
        ),
        wrong_shape_with_url: FakeReply::json(200, json!({"code": url, "msg": url})),
        server,
    }
}

fn blendvision_case() -> Case {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.blendvision.api_token = BV_TOKEN.into());
    let base = server.base_url();
    let config_for = move |token: &str| {
        let mut config = blendvision::Config::new(token, fake::BLENDVISION_ORG_ID);
        config.base_url = base.clone();
        config
    };
    let config = config_for(BV_TOKEN);
    let ids = [
        "63df97e3-519b-4426-bf01-d1841cdc2ccd",
        "3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328",
    ];
    let url = hostile_url();
    Case {
        vendor: Vendor::BlendVision,
        shown: format!("{config:?} {ids:?}"),
        call: Box::new(move |agent| {
            let one = blendvision::download_link(agent, &config, ids[0])?;
            let many = blendvision::download_links(agent, &config, &ids)?;
            assert!(many.is_complete(), "{many:?}");
            Ok(format!(
                "{one:?} {many:?} {}",
                shown_links(many.links.clone())
            ))
        }),
        with_credential: Box::new(move |f| {
            let config = config_for(&f(BV_TOKEN));
            vec![Box::new(move |agent: &ureq::Agent| {
                blendvision::download_link(agent, &config, ids[0]).map(|l| format!("{l:?}"))
            }) as CallFn]
        }),
        error_200: None,
        error_status: FakeReply::json(
            403,
            json!({"code": 7, "message": format!("denied {url}"), "details": [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "X", "metadata": {"link": url}}
            ]}),
        ),
        wrong_shape_with_url: FakeReply::json(400, json!({"code": url, "message": url})),
        server,
    }
}

fn koodrive_case(app_signature: bool) -> Case {
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        s.koodrive.token = KD_TOKEN.into();
        s.koodrive.app_secret = KD_SECRET.into();
    });
    let base = server.base_url();
    let config_for = move |credential: &str| {
        let auth = if app_signature {
            koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, credential)
        } else {
            koodrive::Auth::token(credential)
        };
        let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
        config.base_url = base.clone();
        config
    };
    let credential = if app_signature { KD_SECRET } else { KD_TOKEN };
    let config = config_for(credential);
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    let url = hostile_url();
    Case {
        vendor: Vendor::KooDrive,
        shown: format!("{config:?} {request:?}"),
        call: Box::new({
            let request = request.clone();
            move |agent| {
                let batch = koodrive::download_links(agent, &config, &request)?;
                let one = koodrive::download_link(agent, &config, &request)?;
                Ok(format!(
                    "{batch:?} {} {one:?}",
                    shown_links(batch.links.clone())
                ))
            }
        }),
        with_credential: Box::new(move |f| {
            let config = config_for(&f(credential));
            let request = request.clone();
            vec![Box::new(move |agent: &ureq::Agent| {
                koodrive::download_links(agent, &config, &request).map(|d| format!("{d:?}"))
            }) as CallFn]
        }),
        error_200: Some(FakeReply::json(
            200,
            json!({"code": 13000301, "msg": format!("container gone, see {url}")}),
        )),
        error_status: FakeReply::json(
            401,
            json!({"error_code": "APIGW.0301", "error_msg": format!("token invalid {url}"), "request_id": "r"}),
        ),
        wrong_shape_with_url: FakeReply::json(
            200,
            json!({"code": 0, "msg": url, "batchCode": url, "downloads": [{"fileId": url, "code": "0", "url": 5}]}),
        ),
        server,
    }
}

/// Every server behaviour: (name, reply, whether the call must fail).
fn behaviours(case: &Case, other: &FakeServer) -> Vec<(&'static str, FakeReply)> {
    let moved = format!("{}/moved?{HOSTILE_QUERY}", other.base_url());
    let mut list = vec![
        ("vendor error on an http status", case.error_status.clone()),
        (
            "wrong shape carrying a url",
            case.wrong_shape_with_url.clone(),
        ),
        ("html 502", FakeReply::Fault(Fault::Html502)),
        (
            "200 with html",
            FakeReply::raw(
                200,
                "text/html",
                format!("<html><a href=\"{}\">login</a></html>", hostile_url()),
            ),
        ),
        ("truncated json", FakeReply::Fault(Fault::TruncatedJson)),
        (
            "json of the wrong shape",
            FakeReply::json(200, json!({"hello": ["world"]})),
        ),
        (
            "oversized",
            FakeReply::Fault(Fault::Oversized(download_url::BODY_LIMIT + 1)),
        ),
        (
            "oversized chunked",
            FakeReply::Fault(Fault::OversizedChunked(download_url::BODY_LIMIT + 1)),
        ),
        ("gzip bomb", FakeReply::Fault(Fault::GzipBomb(64 << 20))),
        (
            "stall after headers",
            FakeReply::Fault(Fault::StallBody(Duration::from_secs(30))),
        ),
        (
            "drip",
            FakeReply::Fault(Fault::Drip(Duration::from_millis(400))),
        ),
        (
            "closed before status",
            FakeReply::Fault(Fault::CloseBeforeStatus),
        ),
        ("closed mid-body", FakeReply::Fault(Fault::CloseMidBody)),
        ("reset mid-body", FakeReply::Fault(Fault::ResetMidBody)),
        (
            "302 to another server",
            FakeReply::raw(302, "text/plain", format!("see {moved}"))
                .with_header("Location", &moved),
        ),
        (
            "307 to another server",
            FakeReply::raw(307, "text/plain", "").with_header("Location", &moved),
        ),
        (
            "429 retry-after seconds",
            FakeReply::Fault(Fault::RateLimited("7".into())),
        ),
        (
            "429 retry-after date",
            FakeReply::Fault(Fault::RateLimited("Fri, 01 Jan 2100 00:00:00 GMT".into())),
        ),
    ];
    if let Some(reply) = &case.error_200 {
        list.push(("vendor error inside 200", reply.clone()));
    }
    list
}

fn run(case: Case) {
    assert_clean(
        &format!("{:?} config/request Debug", case.vendor),
        &case.shown,
    );
    let agent = download_url::agent_with_timeout(Duration::from_secs(2));
    let other = FakeServer::start().unwrap();

    // Success.
    let shown = (case.call)(&agent).unwrap_or_else(|e| panic!("{:?}: {e:?}", case.vendor));
    assert_clean(&format!("{:?} success", case.vendor), &shown);

    // Every hostile behaviour.
    let mut count = 0;
    for (name, reply) in behaviours(&case, &other) {
        case.server.push(case.vendor, reply);
        let context = format!("{:?} / {name}", case.vendor);
        match (case.call)(&agent) {
            Ok(shown) => panic!("{context}: succeeded: {shown}"),
            Err(err) => check_error(&context, &err),
        }
        count += 1;
    }
    assert_eq!(other.request_count(), 0, "a redirect was followed");

    // Credentials the fake does not accept, and credentials that cannot be sent
    // (a line break, non-ASCII): the errors must not echo them.
    let variants: [(&str, Mangle<'_>); 3] = [
        ("wrong credential", &|c: &str| format!("{c}-wrong")),
        ("credential with a newline", &|c: &str| {
            format!("{c}\r\nX-Injected: 1")
        }),
        ("non-ascii credential", &|c: &str| format!("{c}-schlüssel")),
    ];
    for (name, f) in variants {
        for (slot, call) in (case.with_credential)(f).into_iter().enumerate() {
            let context = format!("{:?} / {name} #{slot}", case.vendor);
            match call(&agent) {
                Ok(shown) => assert_clean(&context, &shown),
                Err(err) => check_error(&context, &err),
            }
            count += 1;
        }
    }
    // No request ever carried an injected header.
    for request in case.server.requests() {
        assert!(
            request.header("x-injected").is_none(),
            "{:?}: header injection",
            case.vendor
        );
    }
    println!("{:?}: {count} error paths checked", case.vendor);
}

#[test]
fn kie_never_leaks() {
    run(kie_case());
}

#[test]
fn datalab_never_leaks() {
    run(datalab_case());
}

#[test]
fn cloudreve_never_leaks() {
    run(cloudreve_case());
}

#[test]
fn blendvision_never_leaks() {
    run(blendvision_case());
}

#[test]
fn koodrive_token_never_leaks() {
    run(koodrive_case(false));
}

#[test]
fn koodrive_app_signature_never_leaks() {
    run(koodrive_case(true));
}

/// Invalid input that names a credential never echoes it, whatever the vendor.
#[test]
fn invalid_credentials_are_refused_without_echo() {
    let server = FakeServer::start().unwrap();
    let agent = common::quick_agent();
    let bad = |c: &str| format!("{c}\nnext");
    let mut errors = Vec::new();

    let mut kie_config = kie::Config::new(bad(KIE_KEY));
    kie_config.base_url = server.base_url();
    errors.push(kie::download_link(&agent, &kie_config, "https://tempfile.x/a").unwrap_err());

    let mut dl = datalab::Config::new(format!("{DATALAB_KEY}é"));
    dl.base_url = server.base_url();
    errors.push(datalab::download_link(&agent, &dl, &datalab::Request::new(42)).unwrap_err());

    let mut cr = cloudreve::Config::new(server.base_url());
    cr.access_token = Some(bad(CR_TOKEN).into());
    let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
    errors.push(cloudreve::download_links(&agent, &cr, &request).unwrap_err());
    errors.push(cloudreve::download_link(&agent, &cr, &request).unwrap_err());
    cr.access_token = None;
    cr.purchase_ticket = Some(format!("{CR_TICKET}\u{7f}").into());
    errors.push(cloudreve::download_links(&agent, &cr, &request).unwrap_err());

    let mut bv = blendvision::Config::new(bad(BV_TOKEN), fake::BLENDVISION_ORG_ID);
    bv.base_url = server.base_url();
    errors.push(blendvision::download_link(&agent, &bv, "x").unwrap_err());
    errors.push(blendvision::download_links(&agent, &bv, &["x", "y"]).unwrap_err());

    let mut kd = koodrive::Config::new(
        fake::KOODRIVE_USER_ID,
        koodrive::Auth::token(format!("{KD_TOKEN}ü")),
    );
    kd.base_url = server.base_url();
    let kd_request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ["f"]);
    errors.push(koodrive::download_links(&agent, &kd, &kd_request).unwrap_err());
    errors.push(koodrive::download_link(&agent, &kd, &kd_request).unwrap_err());

    for err in &errors {
        assert!(
            matches!(err, Error::InvalidInput(_)),
            "expected invalid input: {err:?}"
        );
        check_error("invalid credential", err);
    }
    assert_eq!(server.request_count(), 0, "nothing is sent");
}

/// `Debug` of every public type holding a URL shows no query and no user info,
/// and `Debug` of every config shows no credential.
#[test]
fn debug_of_url_holders_has_no_query() {
    let base = format!("https://user:{KIE_KEY}@h.example/api?token={DATALAB_KEY}");
    let presigned = format!("https://bucket.example/a.bin?X-Amz-Signature={KIE_SIGNATURE}");

    let mut k = kie::Config::new(KIE_KEY);
    k.base_url = base.clone().into();
    let mut d = datalab::Config::new(DATALAB_KEY);
    d.base_url = base.clone().into();
    let mut c = cloudreve::Config::new(base.clone());
    c.access_token = Some(CR_TOKEN.into());
    c.purchase_ticket = Some(CR_TICKET.into());
    let mut b = blendvision::Config::new(BV_TOKEN, "org");
    b.base_url = base.clone().into();
    let mut kt = koodrive::Config::new("u", koodrive::Auth::token(KD_TOKEN));
    kt.base_url = base.clone().into();
    let ka = koodrive::Config::new("u", koodrive::Auth::app_signature("app", KD_SECRET));
    let configs = format!("{c:?} {b:?} {kt:?} {ka:?}");
    assert_clean("config Debug", &configs);
    assert!(!configs.contains("user:"), "{configs}");
    // kie.ai's and Datalab's `Config` Debug: see
    // `kie_and_datalab_config_debug_hides_base_url_secrets` (currently a library bug).
    let _ = (k, d);

    let link = DownloadLink::new(
        Vendor::Kie,
        "https://tempfile.example/a.png",
        presigned.clone(),
        None,
        Expiry::Unknown,
    );
    assert_clean("DownloadLink Debug", &format!("{link:?}"));
    let share = cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), "a.txt");
    let request = cloudreve::Request::new([share]);
    assert_clean("cloudreve Request Debug", &format!("{request:?}"));
    assert_eq!(
        download_url::redact_url(&presigned),
        "https://bucket.example/a.bin?[redacted]"
    );
}

/// Every way an item can carry a secret: a Cloudreve share URI with its password
/// (built, raw, upper-case scheme, a password holding `@` or `:`), and a file URL
/// with user info or a query (kie.ai's item is the file URL as sent).
fn secret_items() -> Vec<String> {
    vec![
        cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), "a.txt"),
        cloudreve::share_uri(
            "Priv",
            Some(&format!("{CR_SHARE_PASSWORD}@:/x")),
            "dir/a b.txt",
        ),
        cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), ""),
        format!("cloudreve://Priv:{CR_SHARE_PASSWORD}@share/a.txt"),
        format!("CLOUDREVE://Priv:{CR_SHARE_PASSWORD}@share/a.txt"),
        format!("cloudreve://Priv:{CR_SHARE_PASSWORD}@share?x=1"),
        format!("https://tempfile.example/a.png?token={KIE_KEY}&X-Amz-Signature={KIE_SIGNATURE}"),
        format!("https://user:{KIE_KEY}@tempfile.example/a.png"),
        format!("HTTPS://tempfile.example/a.png?sign={KIE_SIGNATURE}:0"),
    ]
}

/// `Debug` of [`DownloadLink`], [`Batch`] and [`ItemFailure`] (and `Display` of
/// [`ItemFailure`]) shows no URL query and no share password, whatever the item.
#[test]
fn debug_of_links_batches_and_failures_has_no_secret() {
    let urls = [
        format!("https://bucket.example/a.bin?X-Amz-Signature={KIE_SIGNATURE}&X-Amz-Credential=AKIAFAKE"),
        format!("https://cloud.example/api/v4/file/content/1/0/a.txt?sign={KIE_SIGNATURE}:0"),
        format!("HTTP://user:{DATALAB_KEY}@bucket.example/a.bin?sig=x#frag-{KIE_SIGNATURE}"),
    ];
    let reasons = [
        FailureReason::Missing,
        FailureReason::NoReason,
        FailureReason::UnusableLink {
            why: "`url` is empty".into(),
        },
        FailureReason::Refused {
            code: VendorCode::Number(40069),
            message: "Incorrect share password".into(),
        },
        FailureReason::Refused {
            code: VendorCode::Text("31084802".into()),
            message: String::new(),
        },
    ];
    let mut links = Vec::new();
    let mut failures = Vec::new();
    for (i, item) in secret_items().into_iter().enumerate() {
        let vendor = if item.to_ascii_lowercase().starts_with("cloudreve") {
            Vendor::Cloudreve
        } else {
            Vendor::Kie
        };
        let link = DownloadLink::new(
            vendor,
            item.clone(),
            urls[i % urls.len()].clone(),
            Some("a.txt".into()),
            Expiry::Never,
        );
        assert_clean(
            &format!("DownloadLink Debug {item:?}"),
            &format!("{link:?}"),
        );
        assert_clean(
            &format!("SignedUrl Debug {item:?}"),
            &format!("{:?}", link.url),
        );
        links.push(link);
        for reason in &reasons {
            let failure = ItemFailure::new(vendor, item.clone(), reason.clone(), false);
            assert_clean(
                &format!("ItemFailure Debug {item:?}"),
                &format!("{failure:?}"),
            );
            assert_clean(
                &format!("ItemFailure Display {item:?}"),
                &failure.to_string(),
            );
            failures.push(failure);
        }
    }
    let batch = Batch::new(links, failures);
    assert_clean("Batch Debug", &format!("{batch:?}"));
    assert_clean("Batch pretty Debug", &format!("{batch:#?}"));
    // The data itself is intact for the caller.
    assert!(batch.links[0].item.contains(CR_SHARE_PASSWORD));
    assert!(batch.links[0].url.as_str().contains(KIE_SIGNATURE));
    assert_eq!(
        format!("{:?}", SignedUrl::new(urls[0].clone())),
        "\"https://bucket.example/a.bin?[redacted]\""
    );
}

/// A Cloudreve archive link names every URI, joined by `\n`: each one's share
/// password stays out of `Debug`.
#[test]

fn archive_item_hides_every_share_password() {
    let second = "pw2-MARKER-archive";
    let item = [
        cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), "a.txt"),
        cloudreve::share_uri("Other", Some(second), "b.txt"),
    ]
    .join("\n");
    let link = DownloadLink::new(
        Vendor::Cloudreve,
        item.clone(),
        "https://cloud.example/archive.zip?sign=abc:0",
        None,
        Expiry::Never,
    );
    let failure = ItemFailure::new(
        Vendor::Cloudreve,
        item.clone(),
        FailureReason::NoReason,
        true,
    );
    // The same item through the library: an archive of two share URIs.
    let server = FakeServer::start().unwrap();
    let mut request = cloudreve::Request::new([
        cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), "a.txt"),
        cloudreve::share_uri("Other", Some(second), "b.txt"),
    ]);
    request.archive = Some(true);
    let config = cloudreve::Config::new(server.base_url());
    let archive = cloudreve::download_link(&common::quick_agent(), &config, &request).unwrap();
    assert_eq!(archive.item, item);
    for shown in [
        format!("{link:?}"),
        format!("{failure:?}"),
        failure.to_string(),
        format!("{archive:?}"),
    ] {
        assert!(!shown.contains(CR_SHARE_PASSWORD), "{shown}");
        assert!(!shown.contains(second), "{shown}");
    }
}

/// The same through the library: a failed share URI under `skip_error`, and a
/// link for a share URI, keep the password out of `Debug` and `Display`.
#[test]
fn cloudreve_share_items_from_the_library_hide_the_password() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        let mut share = FakeShare::new("Priv", &["a.txt"]);
        share.password = Some(CR_SHARE_PASSWORD.into());
        s.cloudreve.shares.push(share);
    });
    let config = cloudreve::Config::new(server.base_url());
    let mut request = cloudreve::Request::new([
        cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), "a.txt"),
        cloudreve::share_uri("Priv", Some(CR_SHARE_PASSWORD), "missing.txt"),
        cloudreve::share_uri("Priv", Some(&format!("{CR_SHARE_PASSWORD}-wrong")), "a.txt"),
    ]);
    request.skip_error = Some(true);
    let batch = cloudreve::download_links(&common::quick_agent(), &config, &request).unwrap();
    assert_eq!(batch.links.len(), 1, "{batch:?}");
    assert_eq!(batch.failures.len(), 2, "{batch:?}");
    assert_eq!(batch.links[0].item, request.uris[0]);
    let mut shown = format!("{batch:?} {batch:#?}");
    for failure in &batch.failures {
        shown.push_str(&format!(" {failure} {failure:?}"));
    }
    for link in &batch.links {
        shown.push_str(&format!(" {link:?} {:?}", link.url));
    }
    assert!(!shown.contains(CR_SHARE_PASSWORD), "{shown}");
    assert!(!shown.contains("sign="), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

/// Split from `debug_of_url_holders_has_no_query`: since the API rework,
/// `kie::Config` and `datalab::Config` derive `Debug` and print `base_url`
/// verbatim (user info and query included) instead of `redact_url(base_url)`.
#[test]

fn kie_and_datalab_config_debug_hides_base_url_secrets() {
    let base = format!("https://user:{KIE_KEY}@h.example/api?token={DATALAB_KEY}");
    let mut k = kie::Config::new(KIE_KEY);
    k.base_url = base.clone().into();
    let mut d = datalab::Config::new(DATALAB_KEY);
    d.base_url = base.clone().into();
    let configs = format!("{k:?} {d:?}");
    assert_clean("config Debug", &configs);
    assert!(!configs.contains("user:"), "{configs}");
}

/// A credential the server echoes into a field of the wrong type: serde_json
/// quotes the value in its message, which is the error's `source()`. That text
/// is scrubbed like the note and the excerpt, for every vendor and credential.
#[test]
fn a_credential_echoed_into_a_wrongly_typed_field_is_scrubbed_from_the_source() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        s.kie.api_key = KIE_KEY.into();
        s.datalab.api_key = DATALAB_KEY.into();
        s.cloudreve.access_token = CR_TOKEN.into();
        let mut share = FakeShare::new("Priv", &["a.txt"]);
        share.password = Some(CR_SHARE_PASSWORD.into());
        s.cloudreve.shares.push(share);
        s.blendvision.api_token = BV_TOKEN.into();
        s.koodrive.token = KD_TOKEN.into();
        s.koodrive.app_secret = KD_SECRET.into();
    });
    let agent = common::quick_agent();
    let mut errors = Vec::new();

    let mut kie_config = kie::Config::new(KIE_KEY);
    kie_config.base_url = server.base_url();
    server.push(Vendor::Kie, FakeReply::json(200, json!({"code": KIE_KEY})));
    errors.push(kie::download_link(&agent, &kie_config, "https://tempfile.x/a").unwrap_err());

    let mut dl = datalab::Config::new(DATALAB_KEY);
    dl.base_url = server.base_url();
    let body = json!({"download_url": "https://h/a", "expires_in": DATALAB_KEY});
    server.push(Vendor::Datalab, FakeReply::json(200, body));
    errors.push(datalab::download_link(&agent, &dl, &datalab::Request::new(42)).unwrap_err());

    let mut cr = cloudreve::Config::new(server.base_url());
    cr.access_token = Some(CR_TOKEN.into());
    let request = cloudreve::Request::new([cloudreve::share_uri(
        "Priv",
        Some(CR_SHARE_PASSWORD),
        "a.txt",
    )]);
    for echoed in [CR_TOKEN, CR_SHARE_PASSWORD] {
        let body = json!({"code": 0, "data": {"urls": echoed, "expires": null}});
        server.push(Vendor::Cloudreve, FakeReply::json(200, body));
        errors.push(cloudreve::download_links(&agent, &cr, &request).unwrap_err());
    }

    let mut bv = blendvision::Config::new(BV_TOKEN, fake::BLENDVISION_ORG_ID);
    bv.base_url = server.base_url();
    let body = json!({"code": BV_TOKEN, "message": "x"});
    server.push(Vendor::BlendVision, FakeReply::json(403, body));
    errors.push(blendvision::download_link(&agent, &bv, "x").unwrap_err());

    let kd_request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ["f"]);
    for (auth, echoed) in [
        (koodrive::Auth::token(KD_TOKEN), KD_TOKEN),
        (
            koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, KD_SECRET),
            KD_SECRET,
        ),
    ] {
        let mut kd = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
        kd.base_url = server.base_url();
        let body = json!({"code": 0, "batchCode": 1, "downloads": echoed});
        server.push(Vendor::KooDrive, FakeReply::json(200, body));
        errors.push(koodrive::download_links(&agent, &kd, &kd_request).unwrap_err());
    }

    for err in &errors {
        assert!(
            matches!(err, Error::UnexpectedResponse(_)),
            "expected a wrong shape: {err:?}"
        );
        assert!(std::error::Error::source(err).is_some(), "{err:?}");
        check_error("credential in a wrongly typed field", err);
    }
}

/// The `Content-Type` of a reply outside the contract is server text too: a
/// credential echoed there is scrubbed from the error's `Display` and `Debug`.
#[test]
fn a_credential_echoed_in_the_content_type_is_scrubbed() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| {
        s.kie.api_key = KIE_KEY.into();
        s.cloudreve.access_token = CR_TOKEN.into();
        s.koodrive.token = KD_TOKEN.into();
    });
    let agent = common::quick_agent();
    let echo = |vendor: Vendor, secret: &str| {
        let content_type = format!("text/html; charset=utf-8; session={secret}");
        server.push(
            vendor,
            FakeReply::raw(502, &content_type, "<html>Bad Gateway</html>"),
        );
    };
    let mut errors = Vec::new();

    let mut kie_config = kie::Config::new(KIE_KEY);
    kie_config.base_url = server.base_url();
    echo(Vendor::Kie, KIE_KEY);
    errors.push(kie::download_link(&agent, &kie_config, "https://tempfile.x/a").unwrap_err());

    let mut cr = cloudreve::Config::new(server.base_url());
    cr.access_token = Some(CR_TOKEN.into());
    echo(Vendor::Cloudreve, CR_TOKEN);
    let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
    errors.push(cloudreve::download_links(&agent, &cr, &request).unwrap_err());

    let mut kd = koodrive::Config::new(fake::KOODRIVE_USER_ID, koodrive::Auth::token(KD_TOKEN));
    kd.base_url = server.base_url();
    echo(Vendor::KooDrive, KD_TOKEN);
    let kd_request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ["f"]);
    errors.push(koodrive::download_links(&agent, &kd, &kd_request).unwrap_err());

    for err in &errors {
        assert_eq!(err.http_status(), Some(502), "{err:?}");
        check_error("credential in the content type", err);
    }
}
