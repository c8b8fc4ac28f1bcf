//! Every call sends the `Host` header itself (made once per base URL, so that
//! ureq does not format `host:port` on every call): exactly one, and the same
//! value ureq writes on its own for that URL, for every vendor and every form of
//! base URL the fake can be reached at (the host lowercased, as the crate sends
//! every base URL).
#![cfg(feature = "fake")]

use download_url::fake::{self, FakeServer, RecordedRequest};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive};

/// One call of every vendor at `base`.
fn call_every_vendor(base: &str) {
    let agent = download_url::agent();
    let mut kie_config = kie::Config::new(fake::KIE_API_KEY);
    kie_config.base_url = base.to_owned().into();
    kie::download_link(
        &agent,
        &kie_config,
        "https://tempfile.aiquickdraw.com/a.png",
    )
    .unwrap();
    let mut datalab_config = datalab::Config::new(fake::DATALAB_API_KEY);
    datalab_config.base_url = base.to_owned().into();
    datalab::download_link(&agent, &datalab_config, &datalab::Request::new(42)).unwrap();
    let mut cloudreve_config = cloudreve::Config::new(base.to_owned());
    cloudreve_config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
    cloudreve::download_links(&agent, &cloudreve_config, &request).unwrap();
    let mut bv_config =
        blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    bv_config.base_url = base.to_owned().into();
    blendvision::download_link(&agent, &bv_config, "63df97e3-519b-4426-bf01-d1841cdc2ccd").unwrap();
    let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut koodrive_config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    koodrive_config.base_url = base.to_owned().into();
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    koodrive::download_links(&agent, &koodrive_config, &request).unwrap();
}

fn hosts(request: &RecordedRequest) -> Vec<&str> {
    request
        .headers
        .iter()
        .filter(|(name, _)| name == "host")
        .map(|(_, value)| value.as_str())
        .collect()
}

#[test]
fn one_host_header_the_same_as_ureqs_own() {
    let server = FakeServer::start().unwrap();
    let port = server.base_url().rsplit(':').next().unwrap().to_owned();
    for base in [
        format!("http://127.0.0.1:{port}"),
        format!("http://LOCALHOST:{port}/"),
        format!("http://localhost:{port}"),
    ] {
        let before = server.requests().len();
        // What ureq sends on its own for this base (with the host lowercased, as
        // the crate sends every base URL).
        let _ = ureq::get(&format!("{}/nothing-here", base.to_ascii_lowercase())).call();
        call_every_vendor(&base);
        let requests = server.requests().split_off(before);
        let own = hosts(&requests[0]);
        assert_eq!(own.len(), 1, "{base}: {requests:?}");
        assert_eq!(requests.len(), 6, "{base}: {requests:?}");
        for request in &requests[1..] {
            assert_eq!(
                hosts(request),
                own,
                "{base} {:?}: {request:?}",
                request.vendor
            );
        }
    }
}
