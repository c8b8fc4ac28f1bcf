//! The cleartext guard: a credential never goes over plain `http://` to a host that
//! is not loopback unless the vendor config sets `allow_insecure_http`.
//!
//! Nothing here leaves 127.0.0.1: every agent uses the fake server as its HTTP
//! proxy. ureq 3.5 (`src/run.rs` `connect`, `src/unversioned/transport/connect.rs`)
//! does not resolve the target host when an HTTP proxy is set (`resolve_target` is
//! false for `http://` proxies) and opens a `CONNECT host:port` tunnel to the proxy
//! for `http://` and `https://` targets alike; the fake answers the `CONNECT` and
//! serves the tunnel itself, recording the host asked for. So a refused call shows
//! as zero connections to the fake, and an allowed one as a `CONNECT` plus the
//! vendor request, both on 127.0.0.1.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use download_url::fake::{self, FakeServer, FakeShare};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive};
use download_url::{Error, TransportKind, Vendor};

const LAN_HOSTS: [&str; 3] = [
    "http://files.lan.example",
    "http://192.0.2.1:8080",
    "http://nas.local/cloud",
];

/// An agent whose every request goes through `proxy` (the fake).
fn proxied_agent(proxy: &FakeServer) -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(Some(ureq::Proxy::new(&proxy.base_url()).unwrap()))
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent()
}

/// One call of `vendor` with the fake's default credentials against `base_url`.
fn call(vendor: Vendor, agent: &ureq::Agent, base_url: &str, allow: bool) -> Result<(), Error> {
    match vendor {
        Vendor::Kie => {
            let mut config = kie::Config::new(fake::KIE_API_KEY);
            config.base_url = base_url.to_owned().into();
            config.allow_insecure_http = allow;
            kie::download_link(agent, &config, "https://tempfile.aiquickdraw.com/a.png").map(drop)
        }
        Vendor::Datalab => {
            let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
            config.base_url = base_url.to_owned().into();
            config.allow_insecure_http = allow;
            datalab::download_link(agent, &config, &datalab::Request::new(42)).map(drop)
        }
        Vendor::Cloudreve => {
            let mut config = cloudreve::Config::new(base_url);
            config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
            config.allow_insecure_http = allow;
            let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
            cloudreve::download_links(agent, &config, &request).map(drop)
        }
        Vendor::BlendVision => {
            let mut config =
                blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
            config.base_url = base_url.to_owned().into();
            config.allow_insecure_http = allow;
            blendvision::download_link(agent, &config, "63df97e3-519b-4426-bf01-d1841cdc2ccd")
                .map(drop)
        }
        Vendor::KooDrive => {
            let auth =
                koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
            let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
            config.base_url = base_url.to_owned().into();
            config.allow_insecure_http = allow;
            let request =
                koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
            koodrive::download_links(agent, &config, &request).map(drop)
        }
        other => panic!("no case for {other:?}"),
    }
}

/// The other call of a batching vendor (`download_links` where `call` uses
/// `download_link`, and the other way round): both go through the same guard.
fn other_call(
    vendor: Vendor,
    agent: &ureq::Agent,
    base_url: &str,
    allow: bool,
) -> Result<(), Error> {
    match vendor {
        Vendor::Cloudreve => {
            let mut config = cloudreve::Config::new(base_url);
            config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
            config.allow_insecure_http = allow;
            let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
            cloudreve::download_link(agent, &config, &request).map(drop)
        }
        Vendor::BlendVision => {
            let mut config =
                blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
            config.base_url = base_url.to_owned().into();
            config.allow_insecure_http = allow;
            let ids = [
                "63df97e3-519b-4426-bf01-d1841cdc2ccd",
                "3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328",
            ];
            let batch = blendvision::download_links(agent, &config, &ids)?;
            assert!(batch.is_complete(), "{batch:?}");
            Ok(())
        }
        Vendor::KooDrive => {
            let mut config = koodrive::Config::new(
                fake::KOODRIVE_USER_ID,
                koodrive::Auth::token(fake::KOODRIVE_TOKEN),
            );
            config.base_url = base_url.to_owned().into();
            config.allow_insecure_http = allow;
            let request =
                koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
            koodrive::download_link(agent, &config, &request).map(drop)
        }
        other => panic!("no second call for {other:?}"),
    }
}

const BATCHING: [Vendor; 3] = [Vendor::Cloudreve, Vendor::BlendVision, Vendor::KooDrive];

const VENDORS: [Vendor; 5] = [
    Vendor::Kie,
    Vendor::Datalab,
    Vendor::Cloudreve,
    Vendor::BlendVision,
    Vendor::KooDrive,
];

fn assert_refused(err: &Error, context: &str) {
    match err {
        Error::InvalidInput(e) => {
            assert_eq!(e.field, "base_url", "{context}: {err:?}");
            assert!(e.reason.contains("allow_insecure_http"), "{context}: {err}");
        }
        other => panic!("{context}: expected the cleartext guard, got {other:?}"),
    }
}

#[test]
fn plain_http_to_a_lan_host_is_refused_before_any_connection() {
    let proxy = FakeServer::start().unwrap();
    let agent = proxied_agent(&proxy);
    for vendor in VENDORS {
        for base in LAN_HOSTS {
            let err = call(vendor, &agent, base, false).unwrap_err();
            assert_refused(&err, &format!("{vendor:?} {base}"));
        }
    }
    // Through the proxy every attempt would have reached the fake: none did.
    assert_eq!(proxy.connections(), 0, "{:?}", proxy.requests());
    assert_eq!(proxy.request_count(), 0);
}

#[test]
fn single_and_batch_calls_are_guarded_alike() {
    let proxy = FakeServer::start().unwrap();
    let agent = proxied_agent(&proxy);
    for vendor in BATCHING {
        for base in LAN_HOSTS {
            let err = other_call(vendor, &agent, base, false).unwrap_err();
            assert_refused(&err, &format!("{vendor:?} {base} (other call)"));
        }
    }
    assert_eq!(proxy.connections(), 0, "{:?}", proxy.requests());
    for vendor in BATCHING {
        other_call(vendor, &agent, "http://files.lan.example", true)
            .unwrap_or_else(|e| panic!("{vendor:?}: {e}"));
        let sent = proxy.last_request(vendor).unwrap();
        assert_eq!(sent.authority.as_deref(), Some("files.lan.example:80"));
    }
    // Loopback is never refused, for these calls either.
    let server = FakeServer::start().unwrap();
    let direct = download_url::agent_with_timeout(Duration::from_secs(5));
    for vendor in BATCHING {
        other_call(vendor, &direct, &server.base_url(), false)
            .unwrap_or_else(|e| panic!("{vendor:?}: {e}"));
    }
}

#[test]
fn plain_http_to_a_lan_host_is_sent_when_allowed() {
    let proxy = FakeServer::start().unwrap();
    let agent = proxied_agent(&proxy);
    for vendor in VENDORS {
        // The fake serves no path prefix.
        for base in [
            "http://files.lan.example",
            "http://192.0.2.1:8080",
            "http://nas.local",
        ] {
            call(vendor, &agent, base, true).unwrap_or_else(|e| panic!("{vendor:?} {base}: {e}"));
            let sent = proxy.last_request(vendor).unwrap();
            let authority = base
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap();
            let expected = if authority.contains(':') {
                authority.to_owned()
            } else {
                format!("{authority}:80")
            };
            assert_eq!(
                sent.authority.as_deref(),
                Some(expected.as_str()),
                "{vendor:?} {base}"
            );
            assert!(
                sent.header("authorization").is_some() || sent.header("x-api-key").is_some(),
                "{vendor:?}: the credential went through"
            );
        }
    }
    // Every tunnel was opened to the LAN host, never resolved here.
    let tunnels: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.method == "CONNECT")
        .map(|r| r.path)
        .collect();
    assert!(!tunnels.is_empty());
    for tunnel in &tunnels {
        assert!(
            ["files.lan.example:80", "192.0.2.1:8080", "nas.local:80"].contains(&tunnel.as_str()),
            "{tunnel}"
        );
    }
}

#[test]
fn cloudreve_on_the_lan_both_ways() {
    let proxy = FakeServer::start().unwrap();
    let agent = proxied_agent(&proxy);
    let base = "http://files.lan.example";
    let mut config = cloudreve::Config::new(base);
    config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);

    let err = cloudreve::download_links(&agent, &config, &request).unwrap_err();
    assert_refused(&err, "token, not allowed");
    assert_eq!(proxy.connections(), 0);

    config.allow_insecure_http = true;
    let urls = cloudreve::download_links(&agent, &config, &request).unwrap();
    assert_eq!(urls.links.len(), 1);
    let sent = proxy.last_request(Vendor::Cloudreve).unwrap();
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {}", fake::CLOUDREVE_TOKEN).as_str())
    );
    assert_eq!(sent.header("host"), Some("files.lan.example"));
    assert_eq!(sent.authority.as_deref(), Some("files.lan.example:80"));
    assert_eq!(sent.path, "/api/v4/file/url");
}

#[test]
fn cloudreve_share_password_counts_as_a_credential() {
    let proxy = FakeServer::start().unwrap();
    proxy.configure(|s| s.cloudreve.shares.push(FakeShare::new("Open", &["a.txt"])));
    let agent = proxied_agent(&proxy);
    let mut config = cloudreve::Config::new("http://files.lan.example");

    // Anonymous, with a share password in the URI: refused.
    let private = cloudreve::Request::new([cloudreve::share_uri(
        "VoMFL",
        Some("2rje2bdj"),
        "report.pdf",
    )]);
    let err = cloudreve::download_links(&agent, &config, &private).unwrap_err();
    assert_refused(&err, "share password");
    assert_eq!(proxy.connections(), 0);

    // Anonymous, public share: nothing secret, so not refused.
    let public = cloudreve::Request::new([cloudreve::share_uri("Open", None, "a.txt")]);
    cloudreve::download_links(&agent, &config, &public).unwrap();
    let sent = proxy.last_request(Vendor::Cloudreve).unwrap();
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.authority.as_deref(), Some("files.lan.example:80"));

    config.allow_insecure_http = true;
    cloudreve::download_links(&agent, &config, &private).unwrap();
}

#[test]
fn https_to_a_lan_host_is_not_refused_by_the_guard() {
    let proxy = FakeServer::start().unwrap();
    let agent = proxied_agent(&proxy);
    for vendor in VENDORS {
        let err = call(vendor, &agent, "https://files.lan.example", false).unwrap_err();
        // The fake answers the CONNECT, then cannot speak TLS: a transport failure,
        // not the guard.
        match &err {
            Error::Transport(e) => assert!(
                matches!(
                    e.kind,
                    TransportKind::Tls | TransportKind::Io | TransportKind::Protocol
                ),
                "{vendor:?}: {err:?}"
            ),
            other => panic!("{vendor:?}: expected a transport failure, got {other:?}"),
        }
    }
    let requests = proxy.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        // Only the tunnel requests, to port 443; no vendor request in cleartext.
        assert_eq!(request.method, "CONNECT", "{request:?}");
        assert_eq!(request.path, "files.lan.example:443");
        assert!(request.header("authorization").is_none());
    }
}

#[test]
fn loopback_http_is_never_refused() {
    let server = FakeServer::start().unwrap();
    let agent = download_url::agent_with_timeout(Duration::from_secs(5));
    let port = server.addr().port();
    for base in [
        server.base_url().to_string(),
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}/"),
    ] {
        for vendor in VENDORS {
            call(vendor, &agent, &base, false).unwrap_or_else(|e| panic!("{vendor:?} {base}: {e}"));
        }
    }
}

/// The fake also accepts an absolute-form request target, as other HTTP clients
/// send to a plain HTTP proxy.
#[test]
fn fake_routes_absolute_form_targets() {
    let server = FakeServer::start().unwrap();
    let body = br#"{"uris":["cloudreve://my/The%20Man.mp3"]}"#;
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = format!(
        "POST http://Files.LAN.example/api/v4/file/url HTTP/1.1\r\nHost: files.lan.example\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        fake::CLOUDREVE_TOKEN,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    // Read one response (the fake keeps the connection open).
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let reply = loop {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&bytes));
        bytes.extend_from_slice(&chunk[..n]);
        if let Some(text) = common::complete_message(&bytes) {
            break text;
        }
    };
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"code\":0"), "{reply}");
    let sent = server.last_request(Vendor::Cloudreve).unwrap();
    assert_eq!(sent.path, "/api/v4/file/url");
    assert_eq!(sent.authority.as_deref(), Some("files.lan.example"));
}
