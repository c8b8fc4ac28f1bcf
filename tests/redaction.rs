//! Redaction survives escaping and echo: whatever a server sends back, the
//! credentials the request carried and the queries of presigned URLs stay out of
//! `Display` and `Debug` of every error.
#![cfg(all(
    feature = "fake",
    feature = "kie",
    feature = "cloudreve",
    feature = "koodrive"
))]

mod common;

use download_url::fake::{self, FakeReply, FakeServer};
use download_url::{cloudreve, kie, koodrive, Vendor};
use serde_json::json;

const SIGNATURE: &str = "SIG-MARKER-0123456789";

fn texts(err: &download_url::Error) -> String {
    common::error_texts(err).join("\n")
}

#[test]
fn redaction_survives_an_echoed_api_key() {
    let server = FakeServer::start().unwrap();
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = server.base_url();
    let echo = format!("key Bearer {} is not valid", fake::KIE_API_KEY);
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 401, "msg": echo})),
    );
    let err =
        kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
    let shown = texts(&err);
    assert!(!shown.contains(fake::KIE_API_KEY), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[test]
fn redaction_survives_an_echoed_share_password() {
    let server = FakeServer::start().unwrap();
    let config = cloudreve::Config::new(server.base_url());
    let password = "pw-MARKER-77";
    let uri = cloudreve::share_uri("Abc", Some(password), "a.txt");
    server.push(
        Vendor::Cloudreve,
        FakeReply::json(
            200,
            json!({"code": 40069, "msg": format!("wrong password {password}"),
                   "error": format!("share Abc:{password}"), "correlation_id": password}),
        ),
    );
    let request = cloudreve::Request::new([uri]);
    let err = cloudreve::download_link(&common::quick_agent(), &config, &request).unwrap_err();
    let shown = texts(&err);
    assert!(!shown.contains(password), "{shown}");
}

#[test]
fn redaction_survives_json_escaped_urls_in_an_excerpt() {
    let server = FakeServer::start().unwrap();
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = server.base_url();
    for url in [
        format!(r"https:\/\/s3.example\/k?X-Amz-Signature={SIGNATURE}"),
        format!(r"https:\u002F\u002Fs3.example\u002Fk?X-Amz-Signature={SIGNATURE}"),
        format!("https://s3.example/a b.bin?X-Amz-Signature={SIGNATURE}"),
    ] {
        // Not the contract (no `code`): an unexpected response with an excerpt.
        let body = format!(r#"{{"weird":"{url}"}}"#);
        server.push(Vendor::Kie, FakeReply::raw(502, "application/json", body));
        let err =
            kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
        let shown = texts(&err);
        assert!(!shown.contains(SIGNATURE), "{url}: {shown}");
    }
}

#[test]
fn redaction_survives_an_echoed_koodrive_token_per_file() {
    let server = FakeServer::start().unwrap();
    let mut config = koodrive::Config::new(
        fake::KOODRIVE_USER_ID,
        koodrive::Auth::token(fake::KOODRIVE_TOKEN),
    );
    config.base_url = server.base_url();
    let id = fake::KOODRIVE_FILE_ID;
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            200,
            json!({"code": 0, "msg": "", "batchCode": 2, "downloads": [
                {"fileId": id, "code": "13000410", "msg": format!("token {} has no permission", fake::KOODRIVE_TOKEN)}
            ]}),
        ),
    );
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [id]);
    let batch = koodrive::download_links(&common::quick_agent(), &config, &request).unwrap();
    let shown = format!("{batch:?} {}", batch.failures[0]);
    assert!(!shown.contains(fake::KOODRIVE_TOKEN), "{shown}");
}

#[cfg(all(feature = "datalab", feature = "blendvision"))]
#[test]
fn redaction_survives_echoes_in_datalab_and_blendvision_details() {
    use download_url::{blendvision, datalab};
    let server = FakeServer::start().unwrap();
    let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
    config.base_url = server.base_url();
    server.push(
        Vendor::Datalab,
        FakeReply::json(
            422,
            json!({"detail": [{"loc": ["header", fake::DATALAB_API_KEY], "msg": format!("bad key {}", fake::DATALAB_API_KEY), "type": "value_error"}]}),
        ),
    );
    let err = datalab::download_link(&common::quick_agent(), &config, &datalab::Request::new(42))
        .unwrap_err();
    let shown = texts(&err);
    assert!(!shown.contains(fake::DATALAB_API_KEY), "{shown}");

    let mut config =
        blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    config.base_url = server.base_url();
    server.push(
        Vendor::BlendVision,
        FakeReply::json(
            401,
            json!({"code": 16, "message": format!("token {} rejected", fake::BLENDVISION_API_TOKEN),
                   "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": fake::BLENDVISION_API_TOKEN}]}),
        ),
    );
    let err = blendvision::download_link(&common::quick_agent(), &config, "a").unwrap_err();
    let shown = texts(&err);
    assert!(!shown.contains(fake::BLENDVISION_API_TOKEN), "{shown}");
}
