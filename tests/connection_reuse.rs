//! Keep-alive: 1000 sequential calls on one agent, across every vendor, open exactly
//! one TCP connection to the fake.

use download_url::fake::{self, FakeServer};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive};

#[test]
fn a_thousand_sequential_calls_open_one_connection() {
    let server = FakeServer::start().unwrap();
    let agent = download_url::agent();
    let base = server.base_url();

    let mut kie_config = kie::Config::new(fake::KIE_API_KEY);
    kie_config.base_url = base.clone();
    let mut datalab_config = datalab::Config::new(fake::DATALAB_API_KEY);
    datalab_config.base_url = base.clone();
    let datalab_request = datalab::Request::new(42);
    let mut cloudreve_config = cloudreve::Config::new(base.clone());
    cloudreve_config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    let cloudreve_request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
    let mut bv_config =
        blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    bv_config.base_url = base.clone();
    let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut koodrive_config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    koodrive_config.base_url = base;
    let koodrive_request =
        koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);

    for i in 0..1000 {
        match i % 5 {
            0 => drop(
                kie::download_link(
                    &agent,
                    &kie_config,
                    "https://tempfile.aiquickdraw.com/a.png",
                )
                .unwrap(),
            ),
            1 => drop(datalab::download_link(&agent, &datalab_config, &datalab_request).unwrap()),
            2 => drop(
                cloudreve::download_links(&agent, &cloudreve_config, &cloudreve_request).unwrap(),
            ),
            3 => drop(
                blendvision::download_link(
                    &agent,
                    &bv_config,
                    "63df97e3-519b-4426-bf01-d1841cdc2ccd",
                )
                .unwrap(),
            ),
            _ => {
                drop(koodrive::download_links(&agent, &koodrive_config, &koodrive_request).unwrap())
            }
        }
    }
    assert_eq!(server.request_count(), 1000);
    assert_eq!(server.connections(), 1);
}
