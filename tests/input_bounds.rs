//! Bad input is `InvalidInput` before sending, not a transport error after: every
//! input has a bound, checked in one place, and the error names the config field.
#![cfg(all(
    feature = "fake",
    feature = "kie",
    feature = "datalab",
    feature = "cloudreve",
    feature = "blendvision",
    feature = "koodrive"
))]

mod common;

use download_url::fake::{self, FakeServer};
use download_url::{
    blendvision, cloudreve, datalab, kie, koodrive, Error, MAX_CREDENTIAL_LEN, MAX_ID_LEN,
    MAX_URL_LEN,
};

fn field(result: Result<impl std::fmt::Debug, Error>) -> &'static str {
    match result {
        Err(Error::InvalidInput(e)) => e.field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn bad_input_is_invalid_input_before_sending() {
    let server = FakeServer::start().unwrap();
    let agent = common::quick_agent();
    let huge_key = "k".repeat(1 << 20);
    let long_id = "i".repeat(MAX_ID_LEN + 1);
    let long_url = format!("https://f.example/{}", "a".repeat(MAX_URL_LEN));

    // kie.ai: an empty or blank key is not sent as `Bearer `; a 1 MiB key is refused.
    for key in ["", "   ", huge_key.as_str()] {
        let mut config = kie::Config::new(key);
        config.base_url = server.base_url();
        assert_eq!(
            field(kie::download_link(&agent, &config, "https://f/a")),
            "api_key"
        );
    }
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = server.base_url();
    assert_eq!(field(kie::download_link(&agent, &config, &long_url)), "url");

    // Datalab: a blank key is refused and named as the config field, not the header.
    for key in ["", " ", huge_key.as_str()] {
        let mut config = datalab::Config::new(key);
        config.base_url = server.base_url();
        assert_eq!(
            field(datalab::download_link(
                &agent,
                &config,
                &datalab::Request::new(42)
            )),
            "api_key"
        );
    }
    let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
    config.base_url = server.base_url();
    let request = datalab::Request::new(long_id.as_str());
    assert_eq!(
        field(datalab::download_link(&agent, &config, &request)),
        "file_id"
    );

    // Cloudreve: an over-long token or URI.
    let mut config = cloudreve::Config::new(server.base_url());
    config.access_token = Some(huge_key.as_str().into());
    let request = cloudreve::Request::new([cloudreve::my_uri("a.txt")]);
    assert_eq!(
        field(cloudreve::download_links(&agent, &config, &request)),
        "access_token"
    );
    let config = cloudreve::Config::new(server.base_url());
    let long_uri = format!("cloudreve://my/{}", "a".repeat(MAX_URL_LEN));
    let request = cloudreve::Request::new([long_uri]);
    assert_eq!(
        field(cloudreve::download_links(&agent, &config, &request)),
        "uris"
    );

    // BlendVision: an over-long id, single or batch; an over-long org id.
    let mut config =
        blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    config.base_url = server.base_url();
    assert_eq!(
        field(blendvision::download_link(&agent, &config, &long_id)),
        "id"
    );
    assert_eq!(
        field(blendvision::download_links(
            &agent,
            &config,
            &["a", long_id.as_str()]
        )),
        "ids"
    );
    config.org_id = "o".repeat(4096);
    assert_eq!(
        field(blendvision::download_link(&agent, &config, "a")),
        "org_id"
    );

    // KooDrive: an over-long token, container or file id.
    let auth = koodrive::Auth::token("t".repeat(MAX_CREDENTIAL_LEN + 1));
    let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    config.base_url = server.base_url();
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ["f"]);
    assert_eq!(
        field(koodrive::download_links(&agent, &config, &request)),
        "token"
    );
    config.auth = koodrive::Auth::token(fake::KOODRIVE_TOKEN);
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [long_id.as_str()]);
    assert_eq!(
        field(koodrive::download_links(&agent, &config, &request)),
        "file_ids"
    );
    let request = koodrive::Request::new(long_id.as_str(), ["f"]);
    assert_eq!(
        field(koodrive::download_links(&agent, &config, &request)),
        "container_id"
    );

    assert_eq!(server.request_count(), 0, "nothing may reach the server");
}

#[cfg(feature = "cli")]
#[test]
fn cli_exits_2_for_an_oversized_credential() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    // 100 KiB: a single environment string is limited to 128 KiB on Linux.
    let key = "k".repeat(100 << 10);
    let run = common::dlurl(
        &["--base-url", &base, "kie", "https://f/a"],
        &[("KIE_API_KEY", &key)],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("api_key"), "{}", run.stderr);
    assert_eq!(server.request_count(), 0);
}
