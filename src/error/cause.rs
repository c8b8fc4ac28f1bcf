//! [`TransportError::cause`]: why a request did not complete, named the way curl
//! names it ("could not resolve host", "connection refused", "certificate
//! expired"), read from the error's [`source`](std::error::Error::source).
//!
//! Where each cause comes from:
//!
//! * connect and I/O failures are [`io::ErrorKind`]s;
//! * a failed host lookup reaches ureq as an I/O error of a kind stable Rust cannot
//!   match on (`Uncategorized`): it is recognised by the standard library's text
//!   `failed to lookup address information`, or ureq's `HostNotFound` (a name that
//!   resolved to no address);
//! * rustls names the certificate problem (`UnknownIssuer`, `Expired`,
//!   `NotValidForName`…), wrapped in an I/O error by ureq. rustls cannot tell a
//!   self-signed certificate from one signed by an unknown CA: both are
//!   [`Cause::UnknownIssuer`];
//! * native-tls reports OpenSSL's (or the platform's) text, matched on its
//!   common phrases; anything else is [`Cause::Tls`] with that text.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use super::TransportError;

/// Why a request did not complete (see [`TransportError::cause`]).
///
/// `Display` is one short lowercase phrase, curl-style, without the host (the
/// error does not keep the URL): `could not resolve host`, `connection refused`,
/// `certificate not trusted: unknown issuer`, `timed out (receiving the reply)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens on that address and port.
    ConnectionRefused,
    /// No route to the host or its network.
    Unreachable,
    /// The peer reset or closed the connection before the reply was complete.
    ConnectionClosed,
    /// A timeout fired during this phase.
    Timeout(Phase),
    /// The certificate chain does not lead to a trusted root: a self-signed
    /// certificate or one from a private CA that is not among the roots.
    UnknownIssuer,
    /// The certificate (or one in its chain) has expired.
    CertificateExpired,
    /// The certificate is not valid yet.
    CertificateNotYetValid,
    /// The certificate is for another host name.
    WrongHost,
    /// The certificate was revoked.
    CertificateRevoked,
    /// Another certificate problem (bad signature, encoding, purpose…), in the
    /// TLS library's words.
    BadCertificate(String),
    /// The TLS handshake failed otherwise (an alert, no common protocol…), in the
    /// TLS library's words.
    Tls(String),
    /// The server did not speak valid HTTP/1.1.
    InvalidHttp,
    /// Another I/O failure.
    Io(io::ErrorKind),
    /// Anything else, in the HTTP client's words.
    Other(String),
}

/// Which phase of a request a [`Cause::Timeout`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Looking up the host.
    Resolve,
    /// Opening the connection (TCP and TLS).
    Connect,
    /// Sending the request head or body.
    Send,
    /// Waiting for the response head.
    Reply,
    /// Receiving the response body.
    Body,
    /// The call as a whole (an overall cap).
    Call,
}

impl Phase {
    /// What was being done, e.g. `"receiving the reply"`.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Resolve => "resolving the host",
            Phase::Connect => "connecting",
            Phase::Send => "sending the request",
            Phase::Reply => "waiting for the reply",
            Phase::Body => "receiving the reply",
            Phase::Call => "the whole call",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Dns => f.write_str("could not resolve host"),
            Cause::ConnectionRefused => f.write_str("connection refused"),
            Cause::Unreachable => f.write_str("host unreachable"),
            Cause::ConnectionClosed => f.write_str("connection closed by the server"),
            Cause::Timeout(phase) => write!(f, "timed out ({phase})"),
            Cause::UnknownIssuer => f.write_str("certificate not trusted: unknown issuer"),
            Cause::CertificateExpired => f.write_str("certificate expired"),
            Cause::CertificateNotYetValid => f.write_str("certificate not valid yet"),
            Cause::WrongHost => f.write_str("certificate is for another host"),
            Cause::CertificateRevoked => f.write_str("certificate revoked"),
            Cause::BadCertificate(text) => write!(f, "bad certificate: {text}"),
            Cause::Tls(text) => write!(f, "tls handshake failed: {text}"),
            Cause::InvalidHttp => f.write_str("invalid http from server"),
            Cause::Io(kind) => write!(f, "{}", io::Error::from(*kind)),
            Cause::Other(text) => f.write_str(text),
        }
    }
}

impl TransportError {
    /// Why the request did not complete, read from the error's source chain.
    ///
    /// ```
    /// # use download_url::{error::cause::Cause, Error};
    /// fn explain(err: &Error) -> Option<Cause> {
    ///     match err {
    ///         Error::Transport(e) => Some(e.cause()),
    ///         _ => None,
    ///     }
    /// }
    /// # let _ = explain;
    /// ```
    pub fn cause(&self) -> Cause {
        let source: &(dyn StdError + 'static) = self.source.as_ref();
        match source.downcast_ref::<ureq::Error>() {
            Some(err) => from_ureq(err, self.http_status.is_some()),
            None => from_chain(source, self.http_status.is_some()),
        }
    }
}

/// The cause of a ureq error; `got_head`: the response head had arrived.
fn from_ureq(err: &ureq::Error, got_head: bool) -> Cause {
    use ureq::Timeout as T;
    match err {
        ureq::Error::Timeout(t) => Cause::Timeout(match t {
            T::Resolve => Phase::Resolve,
            T::Connect => Phase::Connect,
            T::SendRequest | T::SendBody | T::PerWrite => Phase::Send,
            T::RecvResponse => Phase::Reply,
            T::RecvBody => Phase::Body,
            T::PerRead if got_head => Phase::Body,
            T::PerRead => Phase::Reply,
            _ => Phase::Call,
        }),
        ureq::Error::HostNotFound => Cause::Dns,
        ureq::Error::Io(e) => from_io(e, got_head),
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => Cause::InvalidHttp,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(e) => from_rustls(e),
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(e) => from_tls_text(&e.to_string()),
        ureq::Error::Tls(text) => Cause::Tls((*text).to_owned()),
        ureq::Error::TlsRequired => Cause::Tls("the server requires tls".to_owned()),
        other => Cause::Other(other.to_string()),
    }
}

/// The cause of a source that is not a ureq error (the crate's own errors).
fn from_chain(err: &(dyn StdError + 'static), got_head: bool) -> Cause {
    std::iter::successors(Some(err), |&e| e.source())
        .find_map(|e| e.downcast_ref::<io::Error>())
        .map_or_else(|| Cause::Other(err.to_string()), |io| from_io(io, got_head))
}

fn from_io(e: &io::Error, got_head: bool) -> Cause {
    // A TLS library's error, wrapped by ureq into an I/O error.
    if let Some(inner) = e.get_ref() {
        #[cfg(feature = "rustls")]
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return from_rustls(tls);
        }
        if let Some(inner) = inner.downcast_ref::<io::Error>() {
            return from_io(inner, got_head);
        }
    }
    use io::ErrorKind as K;
    let waiting = if got_head { Phase::Body } else { Phase::Reply };
    match e.kind() {
        K::ConnectionRefused => Cause::ConnectionRefused,
        K::HostUnreachable | K::NetworkUnreachable => Cause::Unreachable,
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
            Cause::ConnectionClosed
        }
        K::TimedOut | K::WouldBlock => Cause::Timeout(waiting),
        _ if is_lookup_failure(e) => Cause::Dns,
        kind => Cause::Io(kind),
    }
}

/// Whether `e` is the system resolver's "no such host": an I/O error of a kind
/// stable Rust cannot name (`Uncategorized`), which std words this way.
pub(crate) fn is_lookup_failure(e: &io::Error) -> bool {
    let text = e.to_string();
    e.raw_os_error().is_none() && text.starts_with("failed to lookup address information")
}

#[cfg(feature = "rustls")]
fn from_rustls(e: &rustls::Error) -> Cause {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => Cause::UnknownIssuer,
            C::Expired | C::ExpiredContext { .. } => Cause::CertificateExpired,
            C::NotValidYet | C::NotValidYetContext { .. } => Cause::CertificateNotYetValid,
            C::NotValidForName | C::NotValidForNameContext { .. } => Cause::WrongHost,
            C::Revoked => Cause::CertificateRevoked,
            other => Cause::BadCertificate(format!("{other:?}")),
        },
        other => Cause::Tls(other.to_string()),
    }
}

/// OpenSSL's (native-tls) words for the common certificate failures.
#[cfg(feature = "native-tls")]
fn from_tls_text(text: &str) -> Cause {
    let lower = text.to_ascii_lowercase();
    let phrases = [
        ("self-signed", Cause::UnknownIssuer),
        ("self signed", Cause::UnknownIssuer),
        ("unable to get local issuer", Cause::UnknownIssuer),
        ("unable to get issuer", Cause::UnknownIssuer),
        ("certificate has expired", Cause::CertificateExpired),
        ("not yet valid", Cause::CertificateNotYetValid),
        ("hostname mismatch", Cause::WrongHost),
        ("ip address mismatch", Cause::WrongHost),
        ("revoked", Cause::CertificateRevoked),
    ];
    // The first phrase found, in the order above.
    match phrases.into_iter().find(|(p, _)| lower.contains(p)) {
        Some((_, cause)) => cause,
        None => Cause::Tls(crate::url::one_line(text, 200)),
    }
}
