//! Every input bound on both sides, with the numbers written out: a value of
//! exactly the limit is sent, one byte more is `InvalidInput` naming the field and
//! nothing is sent. The limits are the documented ones — `MAX_CREDENTIAL_LEN`
//! 4 KiB, `MAX_HEADER_LEN` 1 KiB, `MAX_ID_LEN` 1 KiB, `MAX_URL_LEN` 8 KiB,
//! Datalab's `expires_in` 60..=86400 — not the crate's constants read back.
//!
//! Mutation tried: `value.len() > max` → `>=` in `config::check_input`: five of
//! these six tests fail (every "exactly the limit" case), while
//! `tests/input_bounds.rs`, which only tries far-over values, stays green.
#![cfg(all(
    feature = "fake",
    feature = "kie",
    feature = "datalab",
    feature = "cloudreve",
    feature = "blendvision",
    feature = "koodrive"
))]

use download_url::fake::{self, FakeServer};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive, Error};

const CREDENTIAL: usize = 4096;
const HEADER: usize = 1024;
const ID: usize = 1024;
const URL: usize = 8192;

/// Runs `call` and checks the side of the limit it is on: `None` means it must
/// be sent (any answer but `InvalidInput`), `Some(field)` that it must be
/// refused before sending, naming `field`.
fn check<T: std::fmt::Debug>(
    server: &FakeServer,
    what: &str,
    refused: Option<&str>,
    call: impl FnOnce() -> Result<T, Error>,
) {
    let before = server.request_count();
    let result = call();
    let sent = server.request_count() - before;
    match (refused, result) {
        (Some(field), Err(Error::InvalidInput(e))) => {
            assert_eq!(e.field, field, "{what}");
            assert_eq!(sent, 0, "{what}: sent although refused");
        }
        (Some(field), other) => panic!("{what}: expected {field} refused, got {other:?}"),
        (None, Err(Error::InvalidInput(e))) => panic!("{what}: refused: {e:?}"),
        (None, _) => assert!(sent >= 1, "{what}: nothing sent"),
    }
}

/// `text` of exactly `len` bytes: `prefix` padded with `a`.
fn exactly(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", "a".repeat(len - prefix.len()))
}

fn agent() -> ureq::Agent {
    download_url::agent_with_timeout(std::time::Duration::from_secs(5))
}

#[test]
fn the_documented_limits() {
    assert_eq!(download_url::MAX_CREDENTIAL_LEN, 4096);
    assert_eq!(download_url::MAX_HEADER_LEN, 1024);
    assert_eq!(download_url::MAX_ID_LEN, 1024);
    assert_eq!(download_url::MAX_URL_LEN, 8192);
    assert_eq!(datalab::EXPIRES_IN_RANGE, 60..=86_400);
}

#[test]
fn kie_key_and_url() {
    let server = FakeServer::start().unwrap();
    let agent = agent();
    for (len, refused) in [(CREDENTIAL, None), (CREDENTIAL + 1, Some("api_key"))] {
        let mut config = kie::Config::new(exactly("", len));
        config.base_url = server.base_url();
        check(&server, &format!("kie key {len}"), refused, || {
            kie::download_link(&agent, &config, "https://tempfile.aiquickdraw.com/a.png")
        });
    }
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = server.base_url();
    for (len, refused) in [(URL, None), (URL + 1, Some("url"))] {
        let url = exactly("https://tempfile.aiquickdraw.com/", len);
        check(&server, &format!("kie url {len}"), refused, || {
            kie::download_link(&agent, &config, &url)
        });
    }
}

#[test]
fn datalab_id_team_and_expires_in() {
    let server = FakeServer::start().unwrap();
    let agent = agent();
    let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
    config.base_url = server.base_url();
    for (len, refused) in [(ID, None), (ID + 1, Some("file_id"))] {
        let request = datalab::Request::new(exactly("", len).as_str());
        check(&server, &format!("datalab id {len}"), refused, || {
            datalab::download_link(&agent, &config, &request)
        });
    }
    // The bound is on the header value sent, `Cookie: datalab_active_team=<team>`
    // (20 bytes before the team), so the longest team is 1004 bytes.
    const COOKIE: usize = "datalab_active_team=".len();
    for (len, refused) in [(HEADER - COOKIE, None), (HEADER - COOKIE + 1, Some("team"))] {
        let mut config = config.clone();
        config.team = Some(exactly("", len));
        check(&server, &format!("datalab team {len}"), refused, || {
            datalab::download_link(&agent, &config, &datalab::Request::new(42))
        });
    }
    for (secs, refused) in [
        (0, Some("expires_in")),
        (59, Some("expires_in")),
        (60, None),
        (86_400, None),
        (86_401, Some("expires_in")),
        (u32::MAX, Some("expires_in")),
    ] {
        let mut request = datalab::Request::new(42);
        request.expires_in = Some(secs);
        check(&server, &format!("expires_in {secs}"), refused, || {
            datalab::download_link(&agent, &config, &request)
        });
        if refused.is_none() {
            let sent = server.last_request(download_url::Vendor::Datalab).unwrap();
            assert_eq!(sent.query_param("expires_in"), Some(secs.to_string()));
        }
    }
}

#[test]
fn cloudreve_token_and_uri() {
    let server = FakeServer::start().unwrap();
    let agent = agent();
    let uri = cloudreve::my_uri("a.txt");
    for (len, refused) in [(CREDENTIAL, None), (CREDENTIAL + 1, Some("access_token"))] {
        let mut config = cloudreve::Config::new(server.base_url());
        config.access_token = Some(exactly("", len).into());
        let request = cloudreve::Request::new([uri.clone()]);
        check(&server, &format!("cloudreve token {len}"), refused, || {
            cloudreve::download_links(&agent, &config, &request)
        });
    }
    let config = cloudreve::Config::new(server.base_url());
    for (len, refused) in [(URL, None), (URL + 1, Some("uris"))] {
        let request = cloudreve::Request::new([exactly("cloudreve://my/", len)]);
        check(&server, &format!("cloudreve uri {len}"), refused, || {
            cloudreve::download_links(&agent, &config, &request)
        });
    }
}

#[test]
fn blendvision_token_org_and_id() {
    let server = FakeServer::start().unwrap();
    let agent = agent();
    let config = |token: &str, org: &str| {
        let mut config = blendvision::Config::new(token, org);
        config.base_url = server.base_url();
        config
    };
    for (len, refused) in [(CREDENTIAL, None), (CREDENTIAL + 1, Some("api_token"))] {
        let config = config(&exactly("", len), fake::BLENDVISION_ORG_ID);
        check(&server, &format!("bv token {len}"), refused, || {
            blendvision::download_link(&agent, &config, "a")
        });
    }
    for (len, refused) in [(HEADER, None), (HEADER + 1, Some("org_id"))] {
        let config = config(fake::BLENDVISION_API_TOKEN, &exactly("", len));
        check(&server, &format!("bv org {len}"), refused, || {
            blendvision::download_link(&agent, &config, "a")
        });
    }
    let config = config(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    for (len, refused) in [(ID, None), (ID + 1, Some("id"))] {
        let id = exactly("", len);
        check(&server, &format!("bv id {len}"), refused, || {
            blendvision::download_link(&agent, &config, &id)
        });
    }
}

#[test]
fn koodrive_user_token_and_ids() {
    let server = FakeServer::start().unwrap();
    let agent = agent();
    let config = |user: &str, auth: koodrive::Auth| {
        let mut config = koodrive::Config::new(user, auth);
        config.base_url = server.base_url();
        config
    };
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    for (len, refused) in [(HEADER, None), (HEADER + 1, Some("user_id"))] {
        let config = config(
            &exactly("", len),
            koodrive::Auth::token(fake::KOODRIVE_TOKEN),
        );
        check(&server, &format!("kd user {len}"), refused, || {
            koodrive::download_links(&agent, &config, &request)
        });
    }
    for (len, refused) in [(CREDENTIAL, None), (CREDENTIAL + 1, Some("token"))] {
        let config = config(
            fake::KOODRIVE_USER_ID,
            koodrive::Auth::token(exactly("", len)),
        );
        check(&server, &format!("kd token {len}"), refused, || {
            koodrive::download_links(&agent, &config, &request)
        });
    }
    let config = config(
        fake::KOODRIVE_USER_ID,
        koodrive::Auth::token(fake::KOODRIVE_TOKEN),
    );
    for (len, refused) in [(ID, None), (ID + 1, Some("file_ids"))] {
        let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [exactly("", len)]);
        check(&server, &format!("kd file id {len}"), refused, || {
            koodrive::download_links(&agent, &config, &request)
        });
    }
    for (len, refused) in [(ID, None), (ID + 1, Some("container_id"))] {
        let request = koodrive::Request::new(exactly("", len), [fake::KOODRIVE_FILE_ID]);
        check(&server, &format!("kd container {len}"), refused, || {
            koodrive::download_links(&agent, &config, &request)
        });
    }
}
