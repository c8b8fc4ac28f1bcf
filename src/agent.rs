//! [`agent()`]: a `ureq::Agent` with the crate's defaults, and the transport
//! settings the crate forces on any agent (TLS provider, phase timeouts).
//!
//! # TLS
//!
//! ureq 3 picks its TLS library from the agent's `TlsConfig`, not from cargo
//! features, and panics on the first `https://` call when the provider it names is
//! not compiled in. So the crate chooses for its own agents and checks callers':
//!
//! | features of `download-url` | provider of [`agent()`] | root certificates |
//! |---|---|---|
//! | `rustls` (default) | rustls | Mozilla's, bundled (`webpki-roots`) |
//! | `native-tls` alone | native-tls (OpenSSL, Schannel, Security.framework) | the system's trust store |
//! | both | rustls wins | Mozilla's, bundled |
//! | neither | – | every `https://` call is refused with [`Error::InvalidInput`](crate::Error::InvalidInput) |
//!
//! native-tls users choose it to get the platform's TLS and trust store (corporate
//! CAs, system updates), so [`agent()`] asks for `RootCerts::PlatformVerifier`,
//! which for native-tls means the roots the library loads by default.
//!
//! A caller's agent keeps its TLS settings, except when the provider it names is
//! not compiled into this crate: then that request alone switches to the one that
//! is (keeping the caller's client certificate, SNI and verification settings, and
//! its own root certificates when it set specific ones). Only the crate's own
//! features are considered; ureq features enabled elsewhere in a build are not
//! visible here.
//!
//! # Timeouts
//!
//! ureq 3's resolver spawns a thread to resolve the host on *every* call when an
//! overall (`timeout_global`) or per-call timeout is set, pooled connections
//! included, which doubles the cost of a call. The crate therefore bounds each
//! phase instead — connect, send the request head, send the body, receive the
//! response head, receive the body — and never sets `timeout_resolve`,
//! `timeout_global` or `timeout_per_call`. The host lookup is bounded only by the
//! system resolver (`getaddrinfo`, typically seconds).
//!
//! Every duration reaching ureq is capped at [`MAX_TIMEOUT`] (one day): ureq adds
//! timeouts to an `Instant`, which panics on overflow (`Duration::MAX`).

use std::time::Duration;

use crate::http::DEFAULT_TIMEOUT;

/// Connect timeout of [`agent()`] (10 s), including the TLS handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle connections [`agent()`] keeps per host: ureq's default (3), raised to
/// the batch concurrency of KooDrive and Cloudreve ([`DEFAULT_CONCURRENCY`](crate::DEFAULT_CONCURRENCY)).
const IDLE_CONNECTIONS_PER_HOST: usize = if crate::DEFAULT_CONCURRENCY > 3 {
    crate::DEFAULT_CONCURRENCY
} else {
    3
};

/// The longest timeout the crate hands to ureq (one day); longer ones, up to
/// `Duration::MAX`, are shortened to it.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// `d`, at most [`MAX_TIMEOUT`].
pub(crate) fn clamp(d: Duration) -> Duration {
    d.min(MAX_TIMEOUT)
}

/// A [`ureq::Agent`] with the crate's defaults: each phase of a call bounded by
/// [`DEFAULT_TIMEOUT`] (connect by [`CONNECT_TIMEOUT`]), user agent
/// `download-url/<version>`, the compiled-in TLS provider (see below), HTTP error
/// statuses returned as replies, redirects not followed, and up to
/// [`DEFAULT_CONCURRENCY`](crate::DEFAULT_CONCURRENCY) (4) idle keep-alive
/// connections per host (ureq's default is 3), so that a batch's concurrent
/// calls find their connections again.
///
/// Proxies come from the environment as with ureq's defaults (`ALL_PROXY`,
/// `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`); the vendor functions never send a
/// request to a loopback host through a proxy.
///
/// TLS: rustls with Mozilla's bundled roots when the `rustls` feature is on (the
/// default; it also wins when `native-tls` is on too); with `native-tls` alone, the
/// platform's TLS library and the system's trust store.
///
/// Any agent works with the vendor functions: those force per request what the
/// crate depends on (error bodies readable, redirects not followed, a body limit,
/// a bound on each phase when the agent has none, a TLS provider that is compiled in).
pub fn agent() -> ureq::Agent {
    agent_with_timeout(DEFAULT_TIMEOUT)
}

/// Like [`agent()`], with `timeout` bounding each phase of a call: connecting
/// (at most [`CONNECT_TIMEOUT`]), sending the request head, sending the body,
/// receiving the response head, receiving the body.
///
/// A call that makes progress in every phase can take up to the sum of the phases
/// plus the host lookup, which only the system resolver bounds; a server that
/// stalls in any phase ends the call after `timeout`. `timeout` is capped at one
/// day, so `Duration::MAX` means "a day per phase", not "forever".
pub fn agent_with_timeout(timeout: Duration) -> ureq::Agent {
    agent_config(timeout).build().new_agent()
}

/// The configuration of [`agent_with_timeout`] as a builder, for adding settings
/// of your own (a middleware, a proxy, TLS roots) before building the agent.
///
/// ```
/// let agent = download_url::agent_config(download_url::DEFAULT_TIMEOUT)
///     .user_agent("my-tool/1.0")
///     .build()
///     .new_agent();
/// # let _ = agent;
/// ```
pub fn agent_config(timeout: Duration) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    let timeout = clamp(timeout);
    let builder = ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT.min(timeout)))
        .timeout_send_request(Some(timeout))
        .timeout_send_body(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_recv_body(Some(timeout))
        .user_agent(concat!("download-url/", env!("CARGO_PKG_VERSION")))
        .http_status_as_error(false)
        .max_redirects(0)
        // ureq keeps 3 idle connections per host by default: fewer than a batch's
        // concurrent calls, which would close one connection after each batch.
        .max_idle_connections_per_host(IDLE_CONNECTIONS_PER_HOST);
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    let builder = builder.tls_config(default_tls_config());
    builder
}

/// The TLS settings of [`agent()`].
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn default_tls_config() -> ureq::tls::TlsConfig {
    use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
    if cfg!(feature = "rustls") {
        TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::WebPki)
            .build()
    } else {
        TlsConfig::builder()
            .provider(TlsProvider::NativeTls)
            .root_certs(RootCerts::PlatformVerifier)
            .build()
    }
}

/// When `tls` names a provider this crate was built without, the same settings
/// with the compiled-in provider; `None` when `tls` can be used as it is.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub(crate) fn tls_fallback(tls: &ureq::tls::TlsConfig) -> Option<ureq::tls::TlsConfig> {
    use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
    let compiled_in = match tls.provider() {
        TlsProvider::Rustls => cfg!(feature = "rustls"),
        TlsProvider::NativeTls => cfg!(feature = "native-tls"),
        // A provider added by a later ureq: leave it to ureq.
        _ => true,
    };
    if compiled_in {
        return None;
    }
    let (provider, roots) = if cfg!(feature = "rustls") {
        // rustls with the platform's verifier needs a ureq feature this crate
        // does not enable: bundled roots instead.
        let roots = match tls.root_certs() {
            RootCerts::PlatformVerifier => RootCerts::WebPki,
            other => other.clone(),
        };
        (TlsProvider::Rustls, roots)
    } else {
        // native-tls: the system's trust store unless specific roots were set.
        let roots = match tls.root_certs() {
            RootCerts::Specific(certs) => RootCerts::Specific(certs.clone()),
            _ => RootCerts::PlatformVerifier,
        };
        (TlsProvider::NativeTls, roots)
    };
    Some(
        TlsConfig::builder()
            .provider(provider)
            .root_certs(roots)
            .client_cert(tls.client_cert().cloned())
            .use_sni(tls.use_sni())
            .disable_verification(tls.disable_verification())
            .build(),
    )
}
