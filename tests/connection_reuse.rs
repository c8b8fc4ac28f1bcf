//! Keep-alive: sequential calls on one agent share one TCP connection.
#![cfg(all(feature = "fake", feature = "kie"))]

mod common;

use download_url::fake::{self, FakeServer};

#[test]
fn a_thousand_sequential_calls_open_one_connection() {
    let server = FakeServer::start().unwrap();
    let agent = download_url::agent();
    let mut kie_config = download_url::kie::Config::new(fake::KIE_API_KEY);
    kie_config.base_url = server.base_url();
    for _ in 0..1000 {
        download_url::kie::download_url(
            &agent,
            &kie_config,
            "https://tempfile.aiquickdraw.com/a.png",
        )
        .unwrap();
    }
    assert_eq!(server.request_count(), 1000);
    assert_eq!(server.connections(), 1);
}
