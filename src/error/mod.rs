//! The crate's one error type, [`Error`], and the payloads it carries.
//!
//! The enum is split by *what went wrong*, so a caller can branch on data:
//!
//! | variant | meaning | HTTP status kept |
//! |---|---|---|
//! | [`Error::InvalidInput`] | an argument was rejected before anything was sent | – |
//! | [`Error::Transport`] | no (complete) response: DNS, connect, TLS, timeout, reset | when the headers had arrived |
//! | [`Error::Api`] | the vendor answered "no" in its own error format; its code, message and request id are kept | yes |
//! | [`Error::UnexpectedResponse`] | the vendor answered something outside its contract (HTML 502, truncated or oversized body, wrong shape) | yes, with a bounded body excerpt |
//!
//! # Why `ureq::Error` is not in the public API
//!
//! A transport failure carries a [`TransportKind`] (timeout, connect, DNS, TLS, I/O,
//! protocol) and keeps the underlying `ureq::Error` only as its boxed
//! [`source()`](std::error::Error::source). Exposing `ureq::Error` in a public type
//! would make every ureq major release a breaking release of this crate; callers who
//! need the exact ureq error can still downcast the source.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::url::{bounded, one_line};
use crate::vendor::Vendor;

#[cfg(feature = "blendvision")]
pub(crate) mod blendvision;
#[cfg(feature = "cloudreve")]
pub(crate) mod cloudreve;
#[cfg(feature = "datalab")]
pub(crate) mod datalab;
#[cfg(feature = "fetch")]
mod file_host;
#[cfg(feature = "kie")]
pub(crate) mod kie;
#[cfg(feature = "koodrive")]
pub(crate) mod koodrive;
#[cfg(feature = "fetch")]
pub use file_host::{FileHostError, FileHostKind};

/// Every failure of every vendor call.
///
/// `Display` is one short lowercase line naming the vendor and, for a vendor
/// error, its code; it never repeats the [`source`](StdError::source) and never
/// contains a credential or the query of a presigned URL.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An argument was rejected before any request was sent.
    InvalidInput(InvalidInput),
    /// The request did not complete: no response, or the body could not be read.
    Transport(TransportError),
    /// The vendor answered with its own error format: codes preserved.
    Api(Box<ApiError>),
    /// The vendor answered something its contract does not describe.
    UnexpectedResponse(Box<UnexpectedResponse>),
    /// The file behind a link could not be fetched ([`fetch`](crate::fetch)): the
    /// file host's status, a length or checksum mismatch, a stall, too many
    /// refreshes, a local I/O failure.
    #[cfg(feature = "fetch")]
    FileHost(Box<FileHostError>),
}

/// An argument rejected before sending (see [`Error::InvalidInput`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidInput {
    /// The vendor whose call was refused.
    pub vendor: Vendor,
    /// The argument or configuration field at fault, e.g. `"url"` or `"expires_in"`.
    pub field: &'static str,
    /// Why it was refused (never contains the value of a credential).
    pub reason: String,
}

/// What kind of transport failure happened (see [`Error::Transport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The overall or a per-phase timeout fired.
    Timeout,
    /// The TCP connection could not be opened (refused, unreachable).
    Connect,
    /// The host name did not resolve.
    Dns,
    /// TLS setup or certificate verification failed.
    Tls,
    /// The connection broke while sending or receiving (reset, closed early).
    Io,
    /// The peer did not speak valid HTTP/1.1.
    Protocol,
    /// Anything else the HTTP client reported.
    Other,
}

impl TransportKind {
    fn describe(self) -> &'static str {
        match self {
            TransportKind::Timeout => "timed out",
            TransportKind::Connect => "could not connect",
            TransportKind::Dns => "host not found",
            TransportKind::Tls => "tls failure",
            TransportKind::Io => "connection failed",
            TransportKind::Protocol => "invalid http from server",
            TransportKind::Other => "transport failure",
        }
    }
}

/// A request that did not complete (see [`Error::Transport`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The vendor being called.
    pub vendor: Vendor,
    /// What failed.
    pub kind: TransportKind,
    /// The HTTP status, when the response head had arrived before the failure
    /// (e.g. a body that stalled or was cut off).
    pub http_status: Option<u16>,
    pub(crate) source: BoxError,
}

/// The underlying error kept as a [`source`](StdError::source).
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The vendor's own error, with its code preserved (see [`Error::Api`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The vendor that refused.
    pub vendor: Vendor,
    /// The HTTP status of the reply (kie.ai, Cloudreve and KooDrive also fail inside 200).
    pub http_status: u16,
    /// The vendor's top-level code exactly as it arrived, where the vendor sends one
    /// (kie.ai and Cloudreve body `code`, BlendVision gRPC code, KooDrive `code`).
    /// Datalab sends none: `None`.
    pub code: Option<i64>,
    /// The vendor's message (`msg`, `message`, `detail`…). The query part of any URL
    /// inside it is replaced by `?[redacted]`.
    pub message: String,
    /// The vendor's request or correlation id, from the body or a response header.
    pub request_id: Option<String>,
    /// The `Retry-After` header, when the vendor sent one.
    pub retry_after: Option<Duration>,
    /// Whether the same call may succeed later (rate limit, maintenance, server error).
    pub retryable: bool,
    /// Vendor-specific detail: the named code and anything else the vendor sent.
    pub detail: ApiDetail,
}

/// Vendor-specific part of an [`ApiError`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ApiDetail {
    /// kie.ai: the named body code.
    #[cfg(feature = "kie")]
    Kie(kie::Code),
    /// Cloudreve: the named code, the debug `error` and the per-URI `aggregated_error`.
    #[cfg(feature = "cloudreve")]
    Cloudreve(cloudreve::ErrorDetail),
    /// Datalab: the `detail` (string or validation list) or `error` of the body.
    #[cfg(feature = "datalab")]
    Datalab(datalab::ErrorDetail),
    /// BlendVision One: the named gRPC code and the status `details`.
    #[cfg(feature = "blendvision")]
    BlendVision(blendvision::ErrorDetail),
    /// KooDrive: the named code and the API gateway's code (per-file failures are
    /// the [`Batch`](crate::Batch)'s).
    #[cfg(feature = "koodrive")]
    KooDrive(koodrive::ErrorDetail),
}

impl ApiDetail {
    /// A short lowercase description of the named code, e.g. `"insufficient credits"`.
    pub fn label(&self) -> &'static str {
        match self {
            #[cfg(feature = "kie")]
            ApiDetail::Kie(code) => code.description(),
            #[cfg(feature = "cloudreve")]
            ApiDetail::Cloudreve(detail) => detail.label(),
            #[cfg(feature = "datalab")]
            ApiDetail::Datalab(detail) => detail.label(),
            #[cfg(feature = "blendvision")]
            ApiDetail::BlendVision(detail) => detail.label(),
            #[cfg(feature = "koodrive")]
            ApiDetail::KooDrive(detail) => detail.label(),
            #[allow(unreachable_patterns)]
            _ => "vendor error",
        }
    }
}

/// Why a reply was outside the vendor's contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnexpectedReason {
    /// The body is not JSON at all (e.g. an HTML gateway page, or empty).
    NotJson,
    /// The body is JSON that ends early.
    Truncated,
    /// The body is JSON of the wrong shape (missing or mistyped fields, `null`).
    WrongShape,
    /// The body is larger than [`BODY_LIMIT`](crate::BODY_LIMIT); reading stopped there.
    TooLarge,
    /// An HTTP status the contract does not describe (e.g. a redirect, or a 5xx
    /// whose body is not the vendor's error format).
    Status,
    /// A success reply whose content breaks the contract (e.g. an empty link).
    InvalidContent,
}

impl UnexpectedReason {
    fn describe(self) -> &'static str {
        match self {
            UnexpectedReason::NotJson => "body is not json",
            UnexpectedReason::Truncated => "body is truncated json",
            UnexpectedReason::WrongShape => "json of the wrong shape",
            UnexpectedReason::TooLarge => "body over the size limit",
            UnexpectedReason::Status => "status outside the contract",
            UnexpectedReason::InvalidContent => "reply breaks the contract",
        }
    }
}

/// A reply outside the vendor's contract (see [`Error::UnexpectedResponse`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The vendor being called.
    pub vendor: Vendor,
    /// The HTTP status of the reply.
    pub http_status: u16,
    /// The reply's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The first bytes of the body (at most [`EXCERPT_LIMIT`](crate::EXCERPT_LIMIT)),
    /// lossily decoded, with URL queries redacted.
    pub body_excerpt: String,
    /// What was wrong.
    pub reason: UnexpectedReason,
    /// A short note from the decoder on what exactly was wrong, if any.
    pub note: Option<String>,
    /// The `Retry-After` header, when one was sent.
    pub retry_after: Option<Duration>,
    /// A request id from the response headers, when one was sent.
    pub request_id: Option<String>,
    pub(crate) source: Option<DecodeError>,
}

/// A JSON decoding failure, kept as the [`source`](StdError::source) of an
/// [`UnexpectedResponse`]. Its text has URL queries and the request's secrets
/// redacted.
#[derive(Debug, Clone)]
pub struct DecodeError {
    category: DecodeCategory,
    line: usize,
    column: usize,
    message: String,
}

/// serde_json's classification of a [`DecodeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeCategory {
    /// Not valid JSON.
    Syntax,
    /// Valid JSON, wrong shape.
    Data,
    /// The input ended early.
    Eof,
    /// Reading failed.
    Io,
}

impl DecodeError {
    /// `redact`: what serde's message (which quotes values of the body) goes
    /// through, as every text kept from a reply does.
    pub(crate) fn from_serde(err: &serde_json::Error, redact: impl Fn(&str) -> String) -> Self {
        let category = match err.classify() {
            serde_json::error::Category::Syntax => DecodeCategory::Syntax,
            serde_json::error::Category::Data => DecodeCategory::Data,
            serde_json::error::Category::Eof => DecodeCategory::Eof,
            serde_json::error::Category::Io => DecodeCategory::Io,
        };
        DecodeError {
            category,
            line: err.line(),
            column: err.column(),
            message: bounded(&redact(&err.to_string()), 300),
        }
    }

    /// serde_json's classification.
    pub fn category(&self) -> DecodeCategory {
        self.category
    }

    /// 1-based line of the failure in the body.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column of the failure in the body.
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for DecodeError {}

impl Error {
    /// The vendor whose call failed.
    pub fn vendor(&self) -> Vendor {
        match self {
            Error::InvalidInput(e) => e.vendor,
            Error::Transport(e) => e.vendor,
            Error::Api(e) => e.vendor,
            Error::UnexpectedResponse(e) => e.vendor,
            #[cfg(feature = "fetch")]
            Error::FileHost(e) => e.vendor,
        }
    }

    /// The HTTP status of the reply, when one arrived.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::InvalidInput(_) => None,
            Error::Transport(e) => e.http_status,
            Error::Api(e) => Some(e.http_status),
            Error::UnexpectedResponse(e) => Some(e.http_status),
            #[cfg(feature = "fetch")]
            Error::FileHost(e) => e.http_status,
        }
    }

    /// The vendor's top-level error code exactly as it arrived (see [`ApiError::code`]).
    pub fn code(&self) -> Option<i64> {
        self.api()?.code
    }

    /// The vendor's error message, for [`Error::Api`].
    pub fn message(&self) -> Option<&str> {
        Some(&self.api()?.message)
    }

    /// The vendor's request / correlation id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::UnexpectedResponse(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The vendor-specific error detail, for [`Error::Api`].
    pub fn api_detail(&self) -> Option<&ApiDetail> {
        Some(&self.api()?.detail)
    }

    fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the same call may succeed if repeated later.
    ///
    /// True for: timeouts, connection failures and resets; HTTP 429 and 5xx replies
    /// outside the contract (gateway pages); vendor codes that mean "rate limited",
    /// "maintenance" or "server error" (kie.ai 429/455/500, gRPC UNAVAILABLE, …).
    /// Never for invalid input, authentication or permission errors.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::InvalidInput(_) => false,
            Error::Transport(e) => matches!(
                e.kind,
                TransportKind::Timeout | TransportKind::Connect | TransportKind::Io
            ),
            Error::Api(e) => e.retryable,
            Error::UnexpectedResponse(e) => retryable_status(e.http_status),
            #[cfg(feature = "fetch")]
            Error::FileHost(e) => e.is_retryable(),
        }
    }

    /// How long the vendor asked to wait (`Retry-After`, in seconds or as an HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            Error::UnexpectedResponse(e) => e.retry_after,
            _ => None,
        }
    }

    pub(crate) fn invalid(vendor: Vendor, field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput(InvalidInput {
            vendor,
            field,
            reason: reason.into(),
        })
    }
}

/// The crate-wide rule for an HTTP status alone: 429 and every 5xx but 501 (Not
/// Implemented will not change on retry). Safe because every call only asks for a
/// signed URL of an existing file: a retry duplicates nothing.
pub(crate) fn retryable_status(status: u16) -> bool {
    status == 429 || ((500..=599).contains(&status) && status != 501)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vendor = self.vendor();
        match self {
            Error::InvalidInput(e) => write!(
                f,
                "{vendor}: invalid {}: {} (nothing was sent)",
                e.field, e.reason
            ),
            Error::Transport(e) => {
                write!(f, "{vendor}: {}", e.kind.describe())?;
                if let Some(status) = e.http_status {
                    write!(f, " while reading the body of an http {status} reply")?;
                }
                Ok(())
            }
            Error::Api(e) => {
                let label = e.detail.label();
                let success = (200..300).contains(&e.http_status);
                // A code 0 means "OK" for every vendor that sends one: under an
                // error status it does not name the error, the status does.
                let shown = match e.code.filter(|code| *code != 0 || success) {
                    Some(code) if success => format!("code {code}"),
                    Some(code) => format!("code {code}, HTTP {}", e.http_status),
                    None => format!("HTTP {}", e.http_status),
                };
                write!(f, "{vendor}: {label} ({shown})")?;
                let message = one_line(&e.message, 200);
                if !message.is_empty() && !message.eq_ignore_ascii_case(label) {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Error::UnexpectedResponse(e) => {
                write!(f, "{vendor}: unexpected response (http {}", e.http_status)?;
                if let Some(ct) = &e.content_type {
                    write!(f, ", {}", one_line(ct, 60))?;
                }
                write!(f, "): {}", e.reason.describe())?;
                if let Some(note) = &e.note {
                    write!(f, ": {}", one_line(note, 120))?;
                }
                Ok(())
            }
            #[cfg(feature = "fetch")]
            Error::FileHost(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Transport(e) => Some(e.source.as_ref()),
            Error::UnexpectedResponse(e) => Some(e.source.as_ref()?),
            #[cfg(feature = "fetch")]
            Error::FileHost(e) => StdError::source(e.as_ref()),
            _ => None,
        }
    }
}

pub mod cause;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }
}
