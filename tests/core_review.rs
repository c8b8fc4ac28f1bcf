//! The shared transport and error core, attacked as an outsider: what a server
//! echoes, where the excerpt is cut, what a caller's agent and environment say.
#![cfg(all(feature = "fake", feature = "kie"))]

mod common;

use download_url::fake::{self, FakeReply, FakeServer};
use download_url::{kie, Vendor};
use serde_json::json;

fn kie_config(server: &FakeServer) -> kie::Config {
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = server.base_url();
    config
}

/// A server that quotes the API key where a number belongs: serde's message
/// (the error's `source()`) quotes the value; the key must not be in it.
#[test]
fn a_key_quoted_by_the_json_decoder_is_redacted_in_the_source() {
    let server = FakeServer::start().unwrap();
    let config = kie_config(&server);
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": fake::KIE_API_KEY, "msg": "x"})),
    );
    let err =
        kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
    common::assert_no_marker(&err, fake::KIE_API_KEY);
}

/// A key echoed across the 512-byte cut of the excerpt: no part of it shows.
#[test]
fn a_key_across_the_excerpt_cut_shows_no_prefix() {
    let server = FakeServer::start().unwrap();
    let config = kie_config(&server);
    let limit = download_url::EXCERPT_LIMIT;
    for before in [limit - 12, limit - 8, limit - 3] {
        let body = format!("{}{} rejected", "a".repeat(before), fake::KIE_API_KEY);
        server.push(Vendor::Kie, FakeReply::raw(502, "text/plain", body));
        let err =
            kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
        let download_url::Error::UnexpectedResponse(e) = &err else {
            panic!("{err:?}")
        };
        let tail = e.body_excerpt.trim_start_matches('a');
        assert!(
            !fake::KIE_API_KEY.starts_with(tail) || tail.is_empty(),
            "{before}: a prefix of the key shows: {tail:?}"
        );
    }
}

/// `body_excerpt` is "at most EXCERPT_LIMIT" bytes (its rustdoc) even when
/// redaction makes the text longer (short queries become `?[redacted]`).
#[test]
fn the_excerpt_stays_within_its_limit_after_redaction() {
    let server = FakeServer::start().unwrap();
    let config = kie_config(&server);
    let body = "see http://h/?a ".repeat(64);
    server.push(Vendor::Kie, FakeReply::raw(502, "text/plain", body));
    let err =
        kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
    let download_url::Error::UnexpectedResponse(e) = &err else {
        panic!("{err:?}")
    };
    assert!(e.body_excerpt.contains("?[redacted]"), "{}", e.body_excerpt);
    assert!(
        e.body_excerpt.len() <= download_url::EXCERPT_LIMIT,
        "{} bytes",
        e.body_excerpt.len()
    );
}

/// The fake file host serving `a.bin` (`hello`), and a kie.ai link to it.
#[cfg(feature = "fetch")]
fn hello_link() -> (
    download_url::fake::files::FakeFileHost,
    download_url::DownloadLink,
) {
    let host = download_url::fake::files::FakeFileHost::start().unwrap();
    host.add_bytes("a.bin", b"hello".to_vec());
    let link = host.link(
        Vendor::Kie,
        "i",
        "a.bin",
        std::time::Duration::from_secs(600),
    );
    (host, link)
}

/// `fetch` shares the vendor calls' proxy policy (README "Vendor calls and
/// `fetch` share this one policy"): a loopback link goes around the agent's
/// proxy, and a SOCKS proxy is refused before anything is sent, never a panic.
#[cfg(feature = "fetch")]
#[test]
fn fetch_shares_the_proxy_policy() {
    let (_host, link) = hello_link();
    let dir = common::TempDir::new("core-review-proxy");
    for proxy in ["http://192.0.2.1:3128", "socks5://192.0.2.1:1080"] {
        let agent = download_url::agent_config(download_url::DEFAULT_TIMEOUT)
            .proxy(Some(ureq::Proxy::new(proxy).unwrap()))
            .build()
            .new_agent();
        let path = std::path::Path::new(dir.as_str()).join("a.bin");
        let fetched = download_url::fetch::Fetcher::new()
            .agent(agent)
            .overwrite(true)
            .save_as(&link, &path);
        fetched.unwrap_or_else(|e| panic!("{proxy}: {e:?}"));
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    }
    let remote = download_url::DownloadLink::new(
        Vendor::Kie,
        "i",
        "http://files.example/a.bin",
        None,
        download_url::Expiry::Unknown,
    );
    let agent = download_url::agent_config(download_url::DEFAULT_TIMEOUT)
        .proxy(Some(ureq::Proxy::new("socks5://127.0.0.1:9").unwrap()))
        .build()
        .new_agent();
    let path = std::path::Path::new(dir.as_str()).join("b.bin");
    let err = download_url::fetch::Fetcher::new()
        .agent(agent)
        .max_retries(0, std::time::Duration::ZERO)
        .save_as(&remote, &path)
        .unwrap_err();
    assert!(err.to_string().contains("SOCKS"), "{err}");
}

/// A key echoed as the server's JSON encoder or URL encoder writes it (Gson's
/// `\u003d` for `=`, PHP's `\/`, `%2B`): redacted like the key itself, in the
/// excerpt and in the vendor's message. (A base64 token has `+`, `/`, `=`.)
#[test]
fn a_key_echoed_escaped_or_percent_encoded_is_redacted() {
    let server = FakeServer::start().unwrap();
    let key = "kie+/KeyMARKER7==";
    server.configure(|s| s.kie.api_key = key.into());
    let mut config = kie::Config::new(key);
    config.base_url = server.base_url();
    let echoes = [
        r"kie+\/KeyMARKER7\u003d\u003d",
        r"kie\u002b/KeyMARKER7\u003D\u003D",
        "kie%2B%2FKeyMARKER7%3D%3D",
        "kie%2b%2fKey%4dARKER7%3d%3d",
    ];
    for echo in echoes {
        let body = format!(r#"{{"error":"key {echo} is not valid"}}"#);
        server.push(Vendor::Kie, FakeReply::raw(502, "application/json", body));
        let err =
            kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
        common::assert_no_marker(&err, "ARKER7");
        let body = format!(r#"{{"code":401,"msg":"key {echo} is not valid"}}"#);
        server.push(Vendor::Kie, FakeReply::raw(401, "application/json", body));
        let err =
            kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
        assert!(matches!(err, download_url::Error::Api(_)), "{err:?}");
        common::assert_no_marker(&err, "ARKER7");
    }
}

/// Server text kept in an error goes through the one redaction, the
/// `Content-Type` it sent too.
#[test]
fn a_key_echoed_in_the_content_type_is_redacted() {
    let server = FakeServer::start().unwrap();
    let config = kie_config(&server);
    let content_type = format!("text/plain; key={}", fake::KIE_API_KEY);
    server.push(Vendor::Kie, FakeReply::raw(502, &content_type, "down"));
    let err =
        kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
    assert!(
        matches!(err, download_url::Error::UnexpectedResponse(_)),
        "{err:?}"
    );
    common::assert_no_marker(&err, fake::KIE_API_KEY);
}

/// A base URL the HTTP client cannot parse is the config's fault: refused as
/// `InvalidInput` naming `base_url` (nothing sent), like every other unusable
/// base URL, not a "transport failure".
#[test]
fn a_base_url_the_client_cannot_parse_is_invalid_input() {
    for base in [
        "https://h\\x/",
        "https://h]/",
        "https://h/`",
        "http://h/a`b",
    ] {
        let mut config = kie::Config::new(fake::KIE_API_KEY);
        config.base_url = base.into();
        let err =
            kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
        match &err {
            download_url::Error::InvalidInput(e) => assert_eq!(e.field, "base_url", "{base}"),
            _ => panic!("{base}: {err:?}"),
        }
    }
}

/// `fetch` on a caller's agent whose every timeout is `Duration::MAX` (README:
/// "Any `ureq::Agent` works"; vendor calls pin this in tests/timeouts.rs):
/// the file arrives, nothing panics.
#[cfg(feature = "fetch")]
#[test]
fn fetch_on_an_agent_with_duration_max_everywhere_does_not_panic() {
    use std::time::Duration;
    let (_host, link) = hello_link();
    let dir = common::TempDir::new("core-review-max");
    let agent = common::agent_with_every_timeout(Duration::MAX);
    let path = std::path::Path::new(dir.as_str()).join("a.bin");
    download_url::fetch::Fetcher::new()
        .agent(agent)
        .stall_timeout(Duration::MAX)
        .save_as(&link, &path)
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"hello");
}

/// `save_as` "fetches `link` to exactly `path`": a file name that is not UTF-8
/// (`dlurl get -o $'name\xff'`) is that name, or refused, never another file.
#[cfg(all(unix, feature = "fetch"))]
#[test]
fn save_as_never_writes_another_name_than_the_one_given() {
    use std::os::unix::ffi::OsStrExt;
    let (_host, link) = hello_link();
    let dir = common::TempDir::new("core-review-name");
    let dir = std::path::Path::new(dir.as_str());
    let path = dir.join(std::ffi::OsStr::from_bytes(b"name\xff.bin"));
    let result = download_url::fetch::Fetcher::new().save_as(&link, &path);
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    match result {
        Ok(_) => assert_eq!(std::fs::read(&path).unwrap(), b"hello", "{names:?}"),
        Err(e) => assert!(names.is_empty(), "{e}: {names:?}"),
    }
}

/// `SSL_CERT_DIR` is read "as OpenSSL does" (`roots::tls_config_from_env`): an
/// empty entry (`DIR:` from `SSL_CERT_DIR=$DIR:$SSL_CERT_DIR` with the variable
/// unset) is skipped, not a failure of every https call.
#[cfg(all(feature = "cli", feature = "rustls"))]
#[test]
fn an_empty_entry_in_ssl_cert_dir_is_skipped() {
    let data = |name: &str| format!("{}/tests/data/tls/{name}", env!("CARGO_MANIFEST_DIR"));
    let read = |ext: &str| std::fs::read(data(&format!("server.{ext}.pem"))).unwrap();
    let server = common::tls_server::TlsServer::start(&read("cert"), &read("key"));
    let dir = data("certdir");
    for value in [
        format!("{dir}:"),
        format!(":{dir}"),
        format!("{dir}::{dir}"),
    ] {
        let run = common::dlurl(
            &[
                "--base-url",
                &server.base_url("localhost"),
                "kie",
                "https://tempfile.aiquickdraw.com/a.png",
            ],
            &[("KIE_API_KEY", "kie-test-key"), ("SSL_CERT_DIR", &value)],
        );
        assert_eq!(run.code, 0, "SSL_CERT_DIR={value}: {run:?}");
    }
}

/// A key with a backslash and a quote, echoed inside a JSON string (so both
/// escaped): redacted in the excerpt, and in the message serde decodes.
#[test]
fn a_key_with_json_special_characters_is_redacted_when_echoed() {
    let server = FakeServer::start().unwrap();
    let key = r#"kie\"Key\\MARKER8/x"#;
    server.configure(|s| s.kie.api_key = key.into());
    let mut config = kie::Config::new(key);
    config.base_url = server.base_url();
    let echo = serde_json::to_string(&format!("key {key} is not valid")).unwrap();
    for (status, body) in [
        (502, format!(r#"{{"error":{echo}}}"#)),
        (401, format!(r#"{{"code":401,"msg":{echo}}}"#)),
    ] {
        server.push(
            Vendor::Kie,
            FakeReply::raw(status, "application/json", body),
        );
        let err =
            kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
        common::assert_no_marker(&err, "MARKER8");
    }
}

/// Behind a proxy, a refused connection is the proxy's: the CLI names the proxy,
/// not the vendor host it never reached (README: failures name their cause as
/// curl does; curl names the proxy).
#[cfg(feature = "cli")]
#[test]
fn a_refused_proxy_is_named_not_the_vendor_host() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let proxy = format!("http://127.0.0.1:{port}");
    let run = common::dlurl(
        &[
            "--base-url",
            "https://api.example",
            "kie",
            "https://tempfile.aiquickdraw.com/a.png",
        ],
        &[("KIE_API_KEY", "kie-test-key"), ("HTTPS_PROXY", &proxy)],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains(&format!("proxy 127.0.0.1:{port}")),
        "{run:?}"
    );
    assert!(!run.stderr.contains("(api.example)"), "{run:?}");
}
