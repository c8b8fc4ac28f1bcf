//! Proxies never carry a credential in cleartext.
//!
//! - A loopback target is always reached directly, never through the agent's
//!   proxy, whether the proxy was set by the caller or read from the environment
//!   (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`) by [`download_url::agent()`].
//! - Plain `http://` with a credential to a host that is not loopback is refused
//!   before anything is sent, proxy or not, unless `allow_insecure_http`.
//! - `https://` through a proxy goes through a `CONNECT` tunnel as before.
//! - A SOCKS proxy (which the crate's ureq cannot use) is refused before sending,
//!   whether set in code or read from the environment; loopback hosts still
//!   bypass it.
//! - Loopback is `localhost` and loopback IP literals only: `x.localhost` is a
//!   remote host like any other.
//!
//! The proxy is the crate's fake server, which answers `CONNECT` and records it.
//! Nothing leaves 127.0.0.1: proxies with other names are never contacted because
//! the call is refused or bypasses them first, and an `http://` proxy resolves
//! the target itself (ureq does not resolve it locally).
//!
//! Environment proxies are tested in a child process (this test binary again,
//! running one ignored test), so that no test mutates this process's environment.
#![cfg(all(feature = "fake", feature = "kie"))]

use std::time::Duration;

use download_url::fake::{self, FakeServer};
use download_url::{kie, Error};

/// One kie.ai call with the fake's key against `base_url`.
fn call(agent: &ureq::Agent, base_url: &str, allow: bool) -> Result<(), Error> {
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = base_url.to_owned().into();
    config.allow_insecure_http = allow;
    kie::download_link(agent, &config, "https://tempfile.aiquickdraw.com/a.png").map(drop)
}

/// A caller's agent with an explicit proxy.
fn proxied(proxy: &str) -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(Some(ureq::Proxy::new(proxy).unwrap()))
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

fn loopback_urls(server: &FakeServer) -> Vec<String> {
    let port = server.addr().port();
    vec![
        server.base_url().to_string(),
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}/"),
    ]
}

fn assert_refused(result: Result<(), Error>, context: &str) {
    match result {
        Err(Error::InvalidInput(e)) => {
            assert_eq!(e.field, "base_url", "{context}");
            assert!(e.reason.contains("allow_insecure_http"), "{context}: {e:?}");
            assert!(e.reason.contains("proxy"), "{context}: {e:?}");
        }
        other => panic!("{context}: expected the cleartext guard, got {other:?}"),
    }
}

/// Proxies named here other than the recorder are only tried after the same case
/// passed with the recorder, so that a regression fails on 127.0.0.1 before it
/// could send anything (even a DNS query) elsewhere.
const REMOTE_PROXY: &str = "http://proxy.invalid:3128";

#[test]
fn a_loopback_target_bypasses_the_callers_proxy() {
    let recorder = FakeServer::start().unwrap();
    let target = FakeServer::start().unwrap();
    for proxy in [recorder.base_url().to_string(), REMOTE_PROXY.to_owned()] {
        let agent = proxied(&proxy);
        for base in loopback_urls(&target) {
            call(&agent, &base, false).unwrap_or_else(|e| panic!("{proxy} {base}: {e:?}"));
        }
        assert_eq!(recorder.connections(), 0, "{:?}", recorder.requests());
    }
    assert_eq!(target.request_count(), 6);
}

#[test]
fn plain_http_to_a_remote_host_through_a_proxy_is_refused_before_sending() {
    let recorder = FakeServer::start().unwrap();
    for proxy in [recorder.base_url().to_string(), REMOTE_PROXY.to_owned()] {
        let agent = proxied(&proxy);
        for base in ["http://files.example", "http://192.0.2.1:8080"] {
            assert_refused(call(&agent, base, false), &format!("{proxy} {base}"));
        }
        assert_eq!(recorder.connections(), 0);
    }
    // Opting in sends it (through the loopback recorder only).
    let agent = proxied(&recorder.base_url());
    call(&agent, "http://files.example", true).unwrap();
    assert_eq!(
        recorder
            .last_request(download_url::Vendor::Kie)
            .unwrap()
            .authority
            .as_deref(),
        Some("files.example:80")
    );
}

/// https through a proxy: a CONNECT tunnel carrying nothing but the host name.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[test]
fn https_through_a_proxy_goes_through_connect() {
    let recorder = FakeServer::start().unwrap();
    let agent = proxied(&recorder.base_url());
    // The recorder answers the CONNECT, then cannot speak TLS.
    let err = call(&agent, "https://files.example", false).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let requests = recorder.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.method, "CONNECT", "{request:?}");
        assert_eq!(request.path, "files.example:443");
        assert!(request.header("authorization").is_none());
    }
}

const PROXY_VARS: [&str; 8] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Runs `environment_child` in a child process with `vars` as its only proxy
/// variables and `target` as the fake to call.
fn run_child(vars: &[(&str, String)], target: &FakeServer, https: bool) {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "environment_child",
        "--exact",
        "--ignored",
        "--test-threads=1",
    ]);
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    for (name, value) in vars {
        cmd.env(name, value);
    }
    cmd.env("DLURL_TEST_TARGET", target.base_url().as_str());
    cmd.env("DLURL_TEST_HTTPS", if https { "1" } else { "0" });
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {vars:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn environment_proxies() {
    let recorder = FakeServer::start().unwrap();
    let target = FakeServer::start().unwrap();
    let https = cfg!(any(feature = "rustls", feature = "native-tls"));
    let mut expected_tunnels = 0;
    for name in ["ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy"] {
        // A proxy on loopback that records what reaches it: only the https
        // tunnels, never a loopback target or a plain-http credential…
        run_child(&[(name, recorder.base_url().to_string())], &target, https);
        expected_tunnels += usize::from(https);
        let requests = recorder.requests();
        assert_eq!(requests.len(), expected_tunnels, "{name}: {requests:?}");
        for request in &requests {
            assert_eq!(request.method, "CONNECT");
            assert_eq!(request.path, "files.example:443");
        }
        // …and one elsewhere, never contacted.
        run_child(&[(name, REMOTE_PROXY.to_owned())], &target, false);
    }
    // Each child made three loopback calls, all direct.
    assert_eq!(target.request_count(), 8 * 3);
}

/// Run by [`environment_proxies`] in a child process with proxy variables set.
#[test]
#[ignore = "run by environment_proxies in a child process"]
fn environment_child() {
    // Run on its own (`--include-ignored`), without the parent's variables, it
    // has nothing to check: the parent asserts that its children ran it.
    let Ok(target) = std::env::var("DLURL_TEST_TARGET") else {
        return;
    };
    let agent = download_url::agent();
    assert!(
        agent.config().proxy().is_some(),
        "no proxy from the environment"
    );
    let port = target.rsplit(':').next().unwrap();
    for base in [
        target.clone(),
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}/"),
    ] {
        call(&agent, &base, false).unwrap_or_else(|e| panic!("{base}: {e:?}"));
    }
    for base in ["http://files.example", "http://192.0.2.1:8080"] {
        assert_refused(call(&agent, base, false), base);
    }
    if std::env::var("DLURL_TEST_HTTPS").as_deref() == Ok("1") {
        let err = call(&agent, "https://files.example", false).unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
    }
}

/// The error a request through a SOCKS proxy gets: ureq is built without SOCKS
/// support (it would panic on a proxy set in code and go around one from the
/// environment), so the crate refuses before sending.
fn assert_socks_refused(result: Result<(), Error>, context: &str) {
    match result {
        Err(Error::InvalidInput(e)) => {
            assert_eq!(e.field, "proxy", "{context}: {e:?}");
            assert!(e.reason.contains("SOCKS"), "{context}: {e:?}");
            assert!(e.reason.contains("http:// proxy"), "{context}: {e:?}");
        }
        other => panic!("{context}: expected the SOCKS refusal, got {other:?}"),
    }
}

/// Nothing listens on these: a request that went out would fail to connect, not
/// be refused.
const SOCKS_PROXIES: [&str; 4] = [
    "socks5://127.0.0.1:9",
    "socks5h://user:pw@127.0.0.1:9",
    "socks4://127.0.0.1:9",
    "socks://127.0.0.1:9",
];

#[test]
fn a_socks_proxy_in_code_is_refused_not_a_panic() {
    let target = FakeServer::start().unwrap();
    for proxy in SOCKS_PROXIES {
        let agent = proxied(proxy);
        // Remote hosts: refused before sending (plain http opted in, so that the
        // cleartext guard is not what answers).
        for base in ["http://files.example", "http://192.0.2.1:8080"] {
            assert_socks_refused(call(&agent, base, true), &format!("{proxy} {base}"));
        }
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        assert_socks_refused(call(&agent, "https://files.example", false), proxy);
        // The proxy's password never shows.
        let err = call(&agent, "http://files.example", true).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("pw"), "{err:?}");
        // Loopback hosts never go through a proxy: they work.
        for base in loopback_urls(&target) {
            call(&agent, &base, false).unwrap_or_else(|e| panic!("{proxy} {base}: {e:?}"));
        }
    }
    assert_eq!(target.request_count(), SOCKS_PROXIES.len() * 3);
}

#[test]
fn a_socks_proxy_from_the_environment_is_refused_not_bypassed() {
    let target = FakeServer::start().unwrap();
    for name in ["ALL_PROXY", "all_proxy", "HTTPS_PROXY"] {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "socks_environment_child",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ]);
        for var in PROXY_VARS {
            cmd.env_remove(var);
        }
        cmd.env(name, "socks5://127.0.0.1:9");
        cmd.env("DLURL_TEST_TARGET", target.base_url().as_str());
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child {name}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Each child made three loopback calls, all direct.
    assert_eq!(target.request_count(), 3 * 3);
}

/// Run by [`a_socks_proxy_from_the_environment_is_refused_not_bypassed`] in a
/// child process with a SOCKS proxy in the environment.
#[test]
#[ignore = "run by a_socks_proxy_from_the_environment_is_refused_not_bypassed in a child process"]
fn socks_environment_child() {
    // Run on its own (`--include-ignored`), without the parent's variables, it
    // has nothing to check: the parent asserts that its children ran it.
    let Ok(target) = std::env::var("DLURL_TEST_TARGET") else {
        return;
    };
    for agent in [
        download_url::agent(),
        ureq::Agent::new_with_defaults(),
        ureq::Agent::config_builder().build().new_agent(),
    ] {
        assert!(
            agent.config().proxy().is_some(),
            "no proxy from the environment"
        );
        for base in ["http://files.example", "http://192.0.2.1:8080"] {
            assert_socks_refused(call(&agent, base, true), base);
        }
    }
    let agent = download_url::agent();
    let port = target.rsplit(':').next().unwrap();
    for base in [
        target.clone(),
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}/"),
    ] {
        call(&agent, &base, false).unwrap_or_else(|e| panic!("{base}: {e:?}"));
    }
}

/// Only `localhost` and loopback IP literals are loopback: a name under
/// `.localhost` resolves like any other (a hosts entry or a DNS answer can send
/// it anywhere), so a credential over plain http to it is refused, proxy or not.
#[test]
fn a_name_under_localhost_is_not_loopback() {
    let recorder = FakeServer::start().unwrap();
    let direct = ureq::Agent::config_builder()
        .proxy(None)
        .build()
        .new_agent();
    for base in ["http://x.localhost", "http://evil.localhost:8080/p"] {
        match call(&direct, base, false) {
            Err(Error::InvalidInput(e)) => {
                assert_eq!(e.field, "base_url", "{base}");
                assert!(e.reason.contains("allow_insecure_http"), "{base}: {e:?}");
            }
            other => panic!("{base}: expected the cleartext guard, got {other:?}"),
        }
        assert_refused(
            call(&proxied(&recorder.base_url()), base, false),
            &format!("proxied {base}"),
        );
    }
    assert_eq!(recorder.connections(), 0);
    // Opted in, it goes through the proxy like any remote host (never "direct").
    call(&proxied(&recorder.base_url()), "http://x.localhost", true).unwrap();
    assert_eq!(
        recorder
            .last_request(download_url::Vendor::Kie)
            .unwrap()
            .authority
            .as_deref(),
        Some("x.localhost:80")
    );
}
