//! The one transport policy: every request the crate makes — vendor calls and
//! [`fetch`](crate::fetch) downloads — goes out with the settings decided here.
//!
//! - **TLS.** ureq 3 picks its TLS library from the agent's `TlsConfig`, not from
//!   cargo features, and panics on the first `https://` request when the provider
//!   it names is not compiled in. [`tls_config`] (with its default roots) is what
//!   the crate's own agents use; on a caller's agent, [`tls_fallback`] switches
//!   that one request to the provider that is compiled in (keeping the caller's
//!   client certificate, SNI and verification settings, and its own roots when it
//!   set specific ones).
//!   A build without TLS refuses `https://` before sending.
//! - **Proxies.** The agent's proxy (set in code, or read from `ALL_PROXY`,
//!   `HTTPS_PROXY`, `HTTP_PROXY` when the agent was built) is used, except for a
//!   loopback host, which is always reached directly. ureq is built without SOCKS
//!   support (it panics on a SOCKS proxy set in code and ignores one from the
//!   environment), so a request that would go through a SOCKS proxy is refused
//!   before sending.
//! - **Loopback** is `localhost` and the loopback IP literals (`127.0.0.0/8`,
//!   `::1`) only ([`is_loopback_host`]): a name under `.localhost` resolves
//!   through DNS or a hosts file like any other.
//! - **Timeouts.** Each phase is bounded (connect, send the request head, send the
//!   body, receive the response head, receive the body), never the call as a
//!   whole: with an overall (`timeout_global`) or per-call timeout, ureq 3
//!   resolves the host on a new thread on every call, pooled connections
//!   included. The host lookup is bounded only by the system resolver. Every
//!   duration handed to ureq is capped at [`MAX_TIMEOUT`] (one day): ureq adds
//!   timeouts to an `Instant`, which panics on overflow.
//! - **User agent** `download-url/<version>` on the crate's own agents.
//! - HTTP error statuses come back as responses and redirects are not followed
//!   by ureq (vendor calls never follow one; fetch follows them itself).

use std::time::Duration;

use ureq::config::{Config, ConfigBuilder};
use ureq::http::{HeaderMap, Uri};
#[cfg(any(feature = "rustls", feature = "native-tls"))]
use ureq::tls::{RootCerts, TlsConfig, TlsConfigBuilder, TlsProvider};
use ureq::typestate::{AgentScope, RequestScope};
use ureq::{Agent, ProxyProtocol, RequestBuilder};

use crate::url::is_loopback_host;

/// The bound on each phase of a call (30 s): receiving the response head,
/// receiving the body, sending the request head, sending the body; connecting is
/// bounded by the smaller of this and [`CONNECT_TIMEOUT`].
///
/// [`agent()`](crate::agent()) sets these; on a caller's agent the vendor
/// functions fill in this bound for each phase the agent leaves unbounded (no
/// phase timeout and no overall or per-call timeout). It is not an overall
/// deadline: a server that keeps every phase moving can take up to the sum of the
/// phases plus the host lookup, which only the system resolver bounds. No overall
/// timeout is set because ureq 3 then resolves every host on a new thread.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Connect timeout of [`agent()`](crate::agent()) (10 s), including the TLS handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest timeout the crate hands to ureq (one day); longer ones, up to
/// `Duration::MAX`, are shortened to it.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// The user agent of the crate's own agents.
const USER_AGENT: &str = concat!("download-url/", env!("CARGO_PKG_VERSION"));

/// Idle connections the crate's agents keep per host: ureq's default (3),
/// raised to the batch concurrency of KooDrive and Cloudreve.
const IDLE_CONNECTIONS_PER_HOST: usize = if crate::batch::DEFAULT_CONCURRENCY > 3 {
    crate::batch::DEFAULT_CONCURRENCY
} else {
    3
};

/// `d`, at most [`MAX_TIMEOUT`].
pub(crate) fn clamp(d: Duration) -> Duration {
    d.min(MAX_TIMEOUT)
}

/// Whether the host of `uri` is loopback ([`is_loopback_host`]).
fn is_loopback_uri(uri: &Uri) -> bool {
    uri.host()
        .is_some_and(|host| is_loopback_host(host.trim_start_matches('[').trim_end_matches(']')))
}

/// The settings of one request.
type RequestConfig<B> = ConfigBuilder<RequestScope<B>>;

/// A request the policy will not send, and why; the caller turns it into its
/// own error ([`Error::InvalidInput`](crate::Error::InvalidInput) for vendor calls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// What is at fault: `"proxy"` or `"base_url"` (an `https://` URL in a build
    /// without TLS).
    pub field: &'static str,
    /// Why, in one lowercase sentence.
    pub reason: String,
}

/// The configuration of [`agent_with_timeout`](crate::agent_with_timeout) as a
/// builder, for adding settings of your own (a middleware, a proxy, TLS roots)
/// before building the agent: each read and write waits at most `timeout` for
/// progress, each phase ends within twice that, connecting within
/// [`CONNECT_TIMEOUT`] (or `timeout` if shorter).
///
/// ```
/// let agent = download_url::agent_config(download_url::DEFAULT_TIMEOUT)
///     .user_agent("my-tool/1.0")
///     .build()
///     .new_agent();
/// # let _ = agent;
/// ```
pub fn agent_config(timeout: Duration) -> ConfigBuilder<AgentScope> {
    let timeout = clamp(timeout);
    // The per-read/per-write bound is a constant socket timeout, set once per
    // connection; the phase bounds end a server that trickles bytes.
    let phase = Some(clamp(timeout.saturating_mul(2)));
    let builder = Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT.min(timeout)))
        .timeout_per_read(Some(timeout))
        .timeout_per_write(Some(timeout))
        .timeout_send_request(phase)
        .timeout_send_body(phase)
        .timeout_recv_response(phase)
        .timeout_recv_body(phase)
        .user_agent(USER_AGENT)
        .http_status_as_error(false)
        .max_redirects(0)
        .max_idle_connections_per_host(IDLE_CONNECTIONS_PER_HOST);
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    let builder = builder.tls_config(tls_config(None).build());
    builder
}

/// TLS settings with the compiled-in provider (rustls when the `rustls` feature
/// is on, also with `native-tls`; else native-tls) and `roots`, by default the
/// provider's: Mozilla's bundled roots for rustls (its platform verifier needs a
/// ureq feature this crate does not enable), the platform's TLS library and the
/// system's trust store for native-tls.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub(crate) fn tls_config(roots: Option<RootCerts>) -> TlsConfigBuilder {
    let (provider, default) = if cfg!(feature = "rustls") {
        (TlsProvider::Rustls, RootCerts::WebPki)
    } else {
        (TlsProvider::NativeTls, RootCerts::PlatformVerifier)
    };
    TlsConfig::builder()
        .provider(provider)
        .root_certs(roots.unwrap_or(default))
}

/// When `config`'s TLS settings name a provider this crate was built without,
/// the same settings with the compiled-in provider; `None` when they can be
/// used as they are.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn tls_fallback(config: &Config) -> Option<TlsConfig> {
    let tls = config.tls_config();
    let compiled_in = match tls.provider() {
        TlsProvider::Rustls => cfg!(feature = "rustls"),
        TlsProvider::NativeTls => cfg!(feature = "native-tls"),
        // A provider added by a later ureq: leave it to ureq.
        _ => true,
    };
    if compiled_in {
        return None;
    }
    // Specific roots are kept; any other setting means the provider's own.
    let roots = match tls.root_certs() {
        RootCerts::Specific(certs) => Some(RootCerts::Specific(certs.clone())),
        _ => None,
    };
    Some(
        tls_config(roots)
            .client_cert(tls.client_cert().cloned())
            .use_sni(tls.use_sni())
            .disable_verification(tls.disable_verification())
            .build(),
    )
}

/// How a request to `uri` reaches its host with `config`'s proxy: `Ok(true)`
/// when the request must bypass the proxy (a loopback host, or a SOCKS proxy
/// that `NO_PROXY` skips anyway), `Ok(false)` when the agent's setting stands;
/// refused for an `https://` URL in a build without TLS, and for a request that
/// would go through a SOCKS proxy.
fn route(config: &Config, uri: &Uri) -> Result<bool, Refusal> {
    if !cfg!(any(feature = "rustls", feature = "native-tls")) && uri.scheme_str() == Some("https") {
        return Err(Refusal {
            field: "base_url",
            reason: "https:// needs TLS, but download-url was built without TLS: enable feature `rustls` or `native-tls`".to_owned(),
        });
    }
    let Some(proxy) = config.proxy() else {
        return Ok(false);
    };
    if is_loopback_uri(uri) {
        return Ok(true);
    }
    // Anything but an HTTP(S) CONNECT proxy is SOCKS (or newer than this code).
    if matches!(proxy.protocol(), ProxyProtocol::Http | ProxyProtocol::Https) {
        return Ok(false);
    }
    if proxy.is_no_proxy(uri) {
        return Ok(true);
    }
    let from = if proxy.is_from_env() {
        " (from ALL_PROXY, HTTPS_PROXY or HTTP_PROXY)"
    } else {
        ""
    };
    let (host, port) = (proxy.host(), proxy.port());
    Err(Refusal {
        field: "proxy",
        reason: format!(
            "the proxy {host}:{port}{from} is a SOCKS proxy, which download-url cannot use (ureq is built without SOCKS support): use an http:// proxy, or list the host in NO_PROXY"
        ),
    })
}

/// `request` (on an agent with `config`) with what every request of the crate
/// relies on forced: HTTP error statuses returned as responses, no redirects
/// followed, the compiled-in TLS provider ([`tls_fallback`]), and no proxy
/// when `direct`.
#[allow(unused_variables)] // `config` is read in a build with TLS only
fn forced<B>(request: RequestConfig<B>, config: &Config, direct: bool) -> RequestConfig<B> {
    let mut request = request.http_status_as_error(false).max_redirects(0);
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    if let Some(tls) = tls_fallback(config) {
        request = request.tls_config(tls);
    }
    if direct {
        request = request.proxy(None);
    }
    request
}

/// `builder` (a vendor call to `uri` on `agent`, which has no header yet) with
/// `headers` and what the crate relies on forced: HTTP error statuses returned
/// as responses, no redirects followed, a bound on each phase the agent leaves
/// unbounded ([`DEFAULT_TIMEOUT`]), every duration capped, a compiled-in TLS
/// provider, no proxy for a loopback host, and `call_timeout` (a config's
/// overall cap) as a per-call timeout.
///
/// A request-level config copies the agent's whole config, so it is only made
/// when the agent does not already say all of it (an agent from
/// [`agent()`](crate::agent()) does).
pub(crate) fn vendor_request<B>(
    agent: &Agent,
    mut builder: RequestBuilder<B>,
    headers: HeaderMap,
    uri: &Uri,
    call_timeout: Option<Duration>,
) -> Result<RequestBuilder<B>, Refusal> {
    if let Some(map) = builder.headers_mut() {
        *map = headers;
    }
    let config = agent.config();
    let direct = route(config, uri)?;
    let t = config.timeouts();
    // Every timeout of the agent, the five phases first.
    let all = [
        t.connect,
        t.send_request,
        t.send_body,
        t.recv_response,
        t.recv_body,
        t.global,
        t.per_call,
        t.resolve,
        t.await_100,
        config.timeout_per_read(),
        config.timeout_per_write(),
    ];
    // An overall or per-call timeout bounds every phase.
    let overall = t.global.is_some() || t.per_call.is_some();
    let unbounded = !overall && all[..5].contains(&None);
    let too_long = all.iter().flatten().any(|d| *d > MAX_TIMEOUT);
    let ready = !config.http_status_as_error() && config.max_redirects() == 0;
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    let ready = ready && tls_fallback(config).is_none();
    if !direct && call_timeout.is_none() && ready && !unbounded && !too_long {
        return Ok(builder);
    }
    // The agent's timeouts, each capped, and the default bound for each phase
    // left unbounded. Never an overall, per-call or resolve timeout the agent
    // did not have (each costs a resolver thread per call), except `call_timeout`.
    let phase = |d: Option<Duration>, default: Duration| match d {
        Some(d) => Some(clamp(d)),
        None if overall => None,
        None => Some(default),
    };
    let per_call = match call_timeout.map(clamp) {
        Some(cap) => Some(t.per_call.map_or(cap, |d| clamp(d).min(cap))),
        None => t.per_call.map(clamp),
    };
    Ok(forced(builder.config(), config, direct)
        .timeout_global(t.global.map(clamp))
        .timeout_per_call(per_call)
        .timeout_resolve(t.resolve.map(clamp))
        .timeout_await_100(t.await_100.map(clamp))
        .timeout_per_read(config.timeout_per_read().map(clamp))
        .timeout_per_write(config.timeout_per_write().map(clamp))
        .timeout_connect(phase(t.connect, CONNECT_TIMEOUT.min(DEFAULT_TIMEOUT)))
        .timeout_send_request(phase(t.send_request, DEFAULT_TIMEOUT))
        .timeout_send_body(phase(t.send_body, DEFAULT_TIMEOUT))
        .timeout_recv_response(phase(t.recv_response, DEFAULT_TIMEOUT))
        .timeout_recv_body(phase(t.recv_body, DEFAULT_TIMEOUT))
        .build())
}

/// The GET request of a file download ([`fetch`](crate::fetch)) for `url` on
/// `agent`, under the same policy as a vendor call: a compiled-in TLS provider,
/// no proxy for a loopback host, a SOCKS proxy or an `https://` URL in a build
/// without TLS refused. `stall` bounds every phase: connecting (at most
/// [`CONNECT_TIMEOUT`], at least one second), sending the request, receiving the
/// response head, and each read and write; the body as a whole is unbounded (a
/// large file takes as long as it takes while bytes keep coming). No overall,
/// per-call or resolve timeout (each would cost a resolver thread), HTTP error
/// statuses returned as responses, redirects not followed (fetch follows them
/// itself). The caller adds its own settings (input buffer) and headers
/// (`Accept-Encoding`, `Range`) and builds it.
///
/// `Err` carries why the request is refused; a `url` that is not a URI is
/// returned as ureq's own error when the request is sent.
#[allow(dead_code)] // only fetch downloads files
pub(crate) fn file_request(
    agent: &Agent,
    url: &str,
    stall: Duration,
) -> Result<RequestConfig<ureq::typestate::WithoutBody>, Refusal> {
    let config = agent.config();
    let uri = url.parse::<Uri>();
    let direct = uri.map_or(Ok(false), |uri| route(config, &uri))?;
    let stall = clamp(stall);
    Ok(forced(agent.get(url).config(), config, direct)
        .timeout_global(None)
        .timeout_per_call(None)
        .timeout_resolve(None)
        .timeout_connect(Some(CONNECT_TIMEOUT.min(stall.max(Duration::from_secs(1)))))
        .timeout_send_request(Some(stall))
        .timeout_recv_response(Some(stall))
        .timeout_recv_body(None)
        .timeout_per_read(Some(stall))
        .timeout_per_write(Some(stall)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_localhost_and_loopback_literals_only() {
        for host in ["localhost", "LocalHost", "127.0.0.1", "127.5.6.7", "::1"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "x.localhost",
            "localhost.",
            "10.0.0.1",
            "::2",
            "example.com",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
        let uri: Uri = "http://[::1]:8080/x".parse().unwrap();
        assert!(is_loopback_uri(&uri));
    }

    #[test]
    fn socks_proxies_are_refused_unless_bypassed() {
        let agent: Agent = Agent::config_builder()
            .proxy(Some(
                ureq::Proxy::new("socks5://user:pw@proxy.example:1080").unwrap(),
            ))
            .build()
            .new_agent();
        let remote: Uri = "http://files.example/a".parse().unwrap();
        let refusal = route(agent.config(), &remote).unwrap_err();
        assert_eq!(refusal.field, "proxy");
        assert!(refusal.reason.contains("SOCKS"), "{}", refusal.reason);
        assert!(!refusal.reason.contains("pw"), "{}", refusal.reason);
        let local: Uri = "http://127.0.0.1:9/a".parse().unwrap();
        assert_eq!(route(agent.config(), &local), Ok(true));
        let http: Agent = Agent::config_builder()
            .proxy(Some(ureq::Proxy::new("http://proxy.example:3128").unwrap()))
            .build()
            .new_agent();
        assert_eq!(route(http.config(), &remote), Ok(false));
        assert_eq!(route(http.config(), &local), Ok(true));
    }

    #[test]
    fn a_file_request_follows_the_same_proxy_rules() {
        let socks: Agent = Agent::config_builder()
            .proxy(Some(ureq::Proxy::new("socks5://127.0.0.1:9").unwrap()))
            .build()
            .new_agent();
        let stall = Duration::from_secs(5);
        match file_request(&socks, "http://files.example/f", stall) {
            Err(refusal) => assert_eq!(refusal.field, "proxy"),
            Ok(_) => panic!("a SOCKS proxy was not refused"),
        }
        assert!(file_request(&socks, "http://127.0.0.1:9/f", stall).is_ok());
        assert!(file_request(&socks, "http://localhost:9/f", stall).is_ok());
    }

    /// An agent naming a TLS provider that is not compiled in: the download ends
    /// in an error, not a panic inside ureq.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn a_file_request_with_a_provider_not_compiled_in_does_not_panic() {
        use ureq::tls::{TlsConfig, TlsProvider};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accepts and hangs up: the handshake fails.
        let server = std::thread::spawn(move || drop(listener.accept()));
        let other = if cfg!(feature = "rustls") {
            TlsProvider::NativeTls
        } else {
            TlsProvider::Rustls
        };
        let agent = Agent::config_builder()
            .tls_config(TlsConfig::builder().provider(other).build())
            .proxy(None)
            .build()
            .new_agent();
        let url = format!("https://127.0.0.1:{port}/f");
        let Ok(request) = file_request(&agent, &url, Duration::from_secs(5)) else {
            panic!("refused");
        };
        assert!(request.build().call().is_err());
        server.join().unwrap();
    }
}
