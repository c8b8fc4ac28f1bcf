//! `BaseUrl`: plain text in a config, redacted in `Debug` and `Display`, so the
//! five `Config`s print safely whatever was put into their base URL.
#![cfg(all(
    feature = "kie",
    feature = "cloudreve",
    feature = "datalab",
    feature = "blendvision",
    feature = "koodrive"
))]

use download_url::{blendvision, cloudreve, datalab, kie, koodrive, BaseUrl, Error};

const BASE: &str = "https://user:hunter2@files.example/prefix?token=tok-123#frag";

#[test]
fn every_config_prints_its_base_url_redacted() {
    let mut k = kie::Config::new("key");
    k.base_url = BASE.into();
    let mut d = datalab::Config::new("key");
    d.base_url = BASE.to_owned().into();
    let c = cloudreve::Config::new(BASE);
    let mut b = blendvision::Config::new("token", "org");
    b.base_url = BaseUrl::new(BASE);
    let mut kd = koodrive::Config::new("user", koodrive::Auth::token("token"));
    kd.base_url = BASE.into();
    for printed in [
        format!("{k:?}"),
        format!("{d:?}"),
        format!("{c:?}"),
        format!("{b:?}"),
        format!("{kd:?}"),
        format!("{:#?}", k.base_url),
        k.base_url.to_string(),
    ] {
        assert!(printed.contains("files.example/prefix"), "{printed}");
        for secret in ["hunter2", "user:", "tok-123", "frag"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }
    // The text itself is kept as given, and compares with strings.
    assert_eq!(k.base_url.as_str(), BASE);
    assert_eq!(c.base_url, BASE);
    assert_eq!(kie::Config::new("key").base_url, kie::DEFAULT_BASE_URL);
}

#[test]
fn user_info_and_queries_are_refused_when_used() {
    let agent = download_url::agent();
    let mut config = kie::Config::new("key");
    for bad in [
        BASE,
        "https://user@files.example",
        "https://files.example/?q=1",
    ] {
        config.base_url = bad.into();
        match kie::download_link(&agent, &config, "https://tempfile.aiquickdraw.com/a.png") {
            Err(Error::InvalidInput(e)) => assert_eq!(e.field, "base_url", "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}
