//! [`agent()`]: a `ureq::Agent` with the crate's defaults. What the defaults are,
//! and what the crate forces on any agent, is decided in one place, the
//! transport policy (`src/http/policy.rs`).
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
//! Every duration reaching ureq is capped at one day: ureq adds timeouts to an
//! `Instant`, which panics on overflow (`Duration::MAX`).
//!
//! # Proxies
//!
//! An agent's proxy is used as it is (set in code, or read from `ALL_PROXY`,
//! `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` when the agent is built), with two
//! rules for every request the crate makes, vendor calls and
//! [`fetch`](crate::fetch) alike:
//!
//! - a loopback host (`localhost`, `127.0.0.0/8`, `::1` — not names under
//!   `.localhost`, which resolve like any other) is always reached directly;
//! - a SOCKS proxy (`socks4://`, `socks4a://`, `socks5://`, `socks5h://`) is
//!   refused before sending, with [`Error::InvalidInput`](crate::Error::InvalidInput)
//!   for field `"proxy"`: this crate builds ureq without SOCKS support, which
//!   would otherwise panic on one set in code and silently go direct around one
//!   from the environment. Use an `http://` (CONNECT) proxy, or list the host in
//!   `NO_PROXY`.

use std::time::Duration;

pub use crate::http::policy::agent_config;
#[cfg(feature = "fetch")]
pub(crate) use crate::http::policy::clamp;

/// A [`ureq::Agent`] with the crate's defaults: each phase of a call bounded by
/// [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT) (connect by
/// [`CONNECT_TIMEOUT`](crate::CONNECT_TIMEOUT)), user agent
/// `download-url/<version>`, the compiled-in TLS provider (see below), HTTP
/// error statuses returned as replies, redirects not followed, and up to
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
    agent_with_timeout(crate::DEFAULT_TIMEOUT)
}

/// Like [`agent()`], with `timeout` as the stall bound of a call: connecting takes
/// at most [`CONNECT_TIMEOUT`](crate::CONNECT_TIMEOUT) (or `timeout` if shorter), every read and write
/// waits at most `timeout` for progress, and each phase — sending the request
/// head, sending the body, receiving the response head, receiving the body —
/// ends within `2 × timeout` however slowly bytes trickle.
///
/// Worst case for a call whose server keeps every phase moving: connect + 4 ×
/// 2 × `timeout`, plus the host lookup, which only the system resolver bounds (no
/// overall timeout is set: with one, ureq resolves every call's host on a new
/// thread). A server that stalls ends the call after `timeout`. `timeout` is
/// capped at one day, so `Duration::MAX` means "a day", not "forever".
pub fn agent_with_timeout(timeout: Duration) -> ureq::Agent {
    agent_config(timeout).build().new_agent()
}
