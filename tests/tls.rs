//! TLS with each TLS feature of the crate: `rustls` (default), `native-tls`, both,
//! or none.
//!
//! A local TLS server on 127.0.0.1 (rustls, from a dev-dependency) presents the
//! self-signed certificate in `tests/data` (CN and SAN `localhost`/`127.0.0.1`,
//! valid from 2000 to 2100; made with `openssl ca -selfsign -startdate 20000101000000Z
//! -enddate 21000101000000Z`, CA:FALSE). Every agent that does not trust it must fail with
//! [`TransportKind::Tls`] — never panic inside ureq, whichever provider the agent
//! names — and an agent that trusts it must complete the call. A build without
//! any TLS feature must refuse `https://` with an error naming the features.
//!
//! CI runs this file under `--features cli,fake` (rustls), under
//! `--no-default-features --features kie,native-tls,fake` and under
//! `--no-default-features --features kie,fake` (no TLS).
#![cfg(feature = "kie")]

mod common;

use download_url::{kie, Error};

/// Calls kie.ai's endpoint under `base_url` with `agent`.
fn call(agent: &ureq::Agent, base_url: &str) -> Result<(), Error> {
    let mut config = kie::Config::new("kie-test-key");
    config.base_url = base_url.to_owned().into();
    kie::download_link(agent, &config, "https://tempfile.aiquickdraw.com/a.png").map(drop)
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
#[test]
fn without_tls_https_is_refused_with_the_missing_feature_named() {
    // Nothing listens there: the call must be refused before connecting.
    let err = call(&download_url::agent(), "https://127.0.0.1:9").unwrap_err();
    match &err {
        Error::InvalidInput(e) => {
            assert_eq!(e.field, "base_url", "{err:?}");
            assert!(
                e.reason
                    .contains("built without TLS: enable feature `rustls` or `native-tls`"),
                "{err}"
            );
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
    // Plain http to loopback still works without TLS (nothing listens: connect error).
    let err = call(&download_url::agent(), "http://127.0.0.1:9").unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
mod with_tls {
    use std::time::Duration;

    use download_url::{Error, TransportKind};
    use ureq::tls::{RootCerts, TlsConfig, TlsProvider};

    use super::call;
    use crate::common::tls_server::TlsServer;

    const CERT: &[u8] = include_bytes!("data/self-signed.cert.pem");
    const KEY: &[u8] = include_bytes!("data/self-signed.key.pem");

    fn assert_tls_error(result: Result<(), Error>, context: &str) {
        match result {
            Err(Error::Transport(e)) if e.kind == TransportKind::Tls => {}
            other => panic!("{context}: expected a TLS error, got {other:?}"),
        }
    }

    /// `fetch` with `agent` from the TLS server: a file host error that names
    /// TLS, not retried, never a panic.
    #[cfg(feature = "fetch")]
    fn assert_fetch_fails(agent: &ureq::Agent, base_url: &str, context: &str) {
        let link = download_url::DownloadLink::new(
            download_url::Vendor::Kie,
            "item",
            format!("{base_url}/a.bin"),
            None,
            download_url::Expiry::Unknown,
        );
        let mut out = Vec::new();
        let result = download_url::fetch::Fetcher::new()
            .agent(agent.clone())
            .max_retries(0, Duration::ZERO)
            .write_to(&link, &mut out);
        match result {
            Err(Error::FileHost(e)) => {
                assert!(!e.is_retryable(), "{context}: {e:?}");
                let text = format!("{e} {:?}", std::error::Error::source(&*e));
                assert!(
                    text.to_lowercase().contains("tls")
                        || text.contains("certificate")
                        || text.contains("Certificate"),
                    "{context}: {text}"
                );
            }
            other => panic!("{context}: expected a file host error, got {other:?}"),
        }
    }

    /// An agent like a caller would build, naming `provider`.
    fn caller_agent(tls: TlsConfig) -> ureq::Agent {
        ureq::Agent::config_builder()
            .tls_config(tls)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .new_agent()
    }

    #[test]
    fn the_crate_agent_rejects_a_self_signed_certificate() {
        let server = TlsServer::start(CERT, KEY);
        let agent = download_url::agent_with_timeout(Duration::from_secs(10));
        for host in ["127.0.0.1", "localhost"] {
            assert_tls_error(call(&agent, &server.base_url(host)), host);
        }
        let log = server.log(2);
        assert_eq!(log.len(), 2, "{log:?}");
        assert!(
            log.iter().all(|l| l.starts_with("handshake failed")),
            "{log:?}"
        );
    }

    #[test]
    fn the_crate_agent_uses_the_compiled_in_provider() {
        let agent = download_url::agent();
        let tls = agent.config().tls_config();
        if cfg!(feature = "rustls") {
            // Both features on: rustls wins, with its bundled Mozilla roots.
            assert_eq!(tls.provider(), TlsProvider::Rustls);
            assert!(matches!(tls.root_certs(), RootCerts::WebPki), "{tls:?}");
        } else {
            // native-tls alone: the system's trust store.
            assert_eq!(tls.provider(), TlsProvider::NativeTls);
            assert!(
                matches!(tls.root_certs(), RootCerts::PlatformVerifier),
                "{tls:?}"
            );
        }
    }

    /// Whatever provider a caller's agent names, compiled in or not, the call ends
    /// in a TLS error, not a panic inside ureq.
    #[test]
    fn a_caller_agent_naming_either_provider_does_not_panic() {
        let server = TlsServer::start(CERT, KEY);
        for provider in [TlsProvider::Rustls, TlsProvider::NativeTls] {
            for roots in [RootCerts::WebPki, RootCerts::PlatformVerifier] {
                // rustls with the platform verifier needs ureq's `platform-verifier`
                // feature, which this crate never enables: skip that one pair
                // where rustls is the provider that will run.
                let runs_rustls = provider == TlsProvider::Rustls && cfg!(feature = "rustls")
                    || provider == TlsProvider::NativeTls && !cfg!(feature = "native-tls");
                if runs_rustls && matches!(roots, RootCerts::PlatformVerifier) {
                    continue;
                }
                let tls = TlsConfig::builder()
                    .provider(provider)
                    .root_certs(roots.clone())
                    .build();
                let agent = caller_agent(tls);
                assert_tls_error(
                    call(&agent, &server.base_url("127.0.0.1")),
                    &format!("{provider:?} {roots:?}"),
                );
                // `fetch` goes through the same transport policy: the same
                // agent fails the same way, never a panic.
                #[cfg(feature = "fetch")]
                assert_fetch_fails(
                    &agent,
                    &server.base_url("127.0.0.1"),
                    &format!("{provider:?} {roots:?}"),
                );
            }
        }
        // ureq's own defaults (rustls, Mozilla roots), as `Agent::new_with_defaults`.
        let agent = ureq::Agent::config_builder()
            .proxy(None)
            .build()
            .new_agent();
        assert_tls_error(call(&agent, &server.base_url("localhost")), "defaults");
    }

    /// An agent that trusts the certificate completes the call over TLS, with the
    /// compiled-in provider (the caller's agent names the other one when only one
    /// is compiled in).
    #[test]
    fn a_caller_agent_that_trusts_the_certificate_completes_the_call() {
        let server = TlsServer::start(CERT, KEY);
        let cert = ureq::tls::Certificate::from_pem(CERT).unwrap();
        for provider in [TlsProvider::Rustls, TlsProvider::NativeTls] {
            let tls = TlsConfig::builder()
                .provider(provider)
                .root_certs(RootCerts::new_with_certs(std::slice::from_ref(&cert)))
                .build();
            let agent = caller_agent(tls);
            call(&agent, &server.base_url("localhost"))
                .unwrap_or_else(|e| panic!("{provider:?}: {e:?}"));
        }
        let log = server.log(2);
        assert_eq!(log, ["served", "served"]);
    }
}
