//! Datalab: `GET /api/v1/files/{file_id}/download[?expires_in=N]`.
//!
//! Generates a presigned URL for a file uploaded to Datalab. Authentication:
//! `X-API-Key: <key>`.
//!
//! The file id is an integer in Datalab's OpenAPI; the official SDK also passes the
//! hashid string form (the `xxx` of `datalab://file-xxx`), so both are accepted.
//! Either is sent as exactly one percent-encoded path segment.
//!
//! ```no_run
//! use download_url::datalab;
//! let config = datalab::Config::new(std::env::var("DATALAB_API_KEY")?);
//! let mut request = datalab::Request::new(42);
//! request.expires_in = Some(600);
//! let file = datalab::download_url(&download_url::agent(), &config, &request)?;
//! println!("{} valid until {}", file.original_filename, file.expires_at);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::ops::RangeInclusive;

use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::UnexpectedReason;
use crate::http::{BaseUrl, Call, Method, Reply};
use crate::{ApiDetail, DownloadLink, Error, Vendor};

/// Datalab's public API host.
pub const DEFAULT_BASE_URL: &str = "https://www.datalab.to";
/// The `expires_in` values Datalab accepts, in seconds (1 minute to 24 hours).
pub const EXPIRES_IN_RANGE: RangeInclusive<u32> = 60..=86_400;

crate::config::api_key_config! {
    /// Connection settings for Datalab.
    pub struct Config {
        /// The API key, sent as `X-API-Key`.
        pub api_key,
    }
}

/// A Datalab file id: the integer of the OpenAPI, or the SDK's hashid string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(untagged)]
pub enum FileId {
    /// Integer id.
    Number(u64),
    /// Hashid string (e.g. `abc123`).
    Hashid(String),
}

impl From<u64> for FileId {
    fn from(id: u64) -> Self {
        FileId::Number(id)
    }
}

impl From<&str> for FileId {
    /// A string of digits becomes [`FileId::Number`], anything else a hashid.
    fn from(id: &str) -> Self {
        match id.parse::<u64>() {
            Ok(n) if !id.starts_with('+') => FileId::Number(n),
            _ => FileId::Hashid(id.to_owned()),
        }
    }
}

impl From<String> for FileId {
    fn from(id: String) -> Self {
        FileId::from(id.as_str())
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileId::Number(n) => write!(f, "{n}"),
            FileId::Hashid(s) => f.write_str(s),
        }
    }
}

/// What to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The file.
    pub file_id: FileId,
    /// Link lifetime in seconds, within [`EXPIRES_IN_RANGE`]; `None` leaves the
    /// server default (3600).
    pub expires_in: Option<u32>,
}

impl Request {
    /// A request for `file_id` with the server's default lifetime.
    pub fn new(file_id: impl Into<FileId>) -> Self {
        Request {
            file_id: file_id.into(),
            expires_in: None,
        }
    }
}

/// Datalab's reply (`FileDownloadResponse`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileDownload {
    /// The presigned URL. Treat it as a secret.
    pub download_url: String,
    /// Lifetime in seconds as the server granted it.
    pub expires_in: u64,
    /// The file id as the server echoed it.
    pub file_id: FileId,
    /// The name the file was uploaded with.
    pub original_filename: String,
    /// Time the reply arrived + `expires_in`.
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for FileDownload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileDownload")
            .field("download_url", &crate::redact_url(&self.download_url))
            .field("expires_in", &self.expires_in)
            .field("file_id", &self.file_id)
            .field("original_filename", &self.original_filename)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl From<FileDownload> for DownloadLink {
    fn from(file: FileDownload) -> Self {
        DownloadLink::new(
            Vendor::Datalab,
            file.download_url,
            Some(file.original_filename),
            Some(file.expires_at),
        )
    }
}

/// Datalab's error body, kept verbatim; its `Debug` replaces the query of any URL
/// inside with `?[redacted]`, as [`Error::Api`]'s message does.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// `{"detail": "<message>"}` (FastAPI `HTTPException`).
    Message(String),
    /// `{"detail": [{loc, msg, type}, …]}` (FastAPI validation, HTTP 422).
    Validation(Vec<ValidationError>),
    /// `{"error": "<message>"}`, which some Datalab endpoints use instead.
    Error(String),
}

impl fmt::Debug for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = crate::error::redact_url_queries;
        match self {
            Detail::Message(m) => f.debug_tuple("Message").field(&redact(m)).finish(),
            Detail::Validation(items) => f.debug_tuple("Validation").field(items).finish(),
            Detail::Error(m) => f.debug_tuple("Error").field(&redact(m)).finish(),
        }
    }
}

/// One FastAPI validation failure (its `Debug` redacts URL queries in `msg`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// Where: e.g. `["query", "expires_in"]`.
    pub loc: Vec<LocItem>,
    /// What.
    pub msg: String,
    /// FastAPI's error type, e.g. `greater_than_equal`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = crate::error::redact_url_queries;
        // Found by tests/decode_fuzz.rs: a URL can arrive in any string of the
        // body, `loc` and `type` included.
        let loc: Vec<LocItem> = self
            .loc
            .iter()
            .map(|item| match item {
                LocItem::Field(f) => LocItem::Field(redact(f)),
                LocItem::Index(i) => LocItem::Index(*i),
            })
            .collect();
        f.debug_struct("ValidationError")
            .field("loc", &loc)
            .field("msg", &redact(&self.msg))
            .field("kind", &redact(&self.kind))
            .finish()
    }
}

/// One element of a validation `loc`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum LocItem {
    /// A field name.
    Field(String),
    /// An array index.
    Index(i64),
}

impl fmt::Display for LocItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocItem::Field(s) => f.write_str(s),
            LocItem::Index(i) => write!(f, "{i}"),
        }
    }
}

/// The Datalab part of an [`ApiError`](crate::ApiError).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The body as sent.
    pub detail: Detail,
    label: &'static str,
}

impl ErrorDetail {
    /// Short lowercase description, from the HTTP status.
    pub fn label(&self) -> &'static str {
        self.label
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WireDetail {
    Message(String),
    Validation(Vec<ValidationError>),
}

#[derive(Deserialize)]
struct WireError {
    detail: Option<WireDetail>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct WireDownload {
    download_url: String,
    expires_in: u64,
    file_id: FileId,
    original_filename: String,
}

/// Gets a presigned download URL for a Datalab file.
///
/// # Errors
///
/// - [`Error::InvalidInput`]: `expires_in` outside [`EXPIRES_IN_RANGE`], an empty,
///   `.` or `..` file id, or an unusable config (nothing is sent).
/// - [`Error::Api`] with [`ApiDetail::Datalab`]: a non-2xx reply with `detail` or
///   `error`.
/// - [`Error::UnexpectedResponse`]: anything else (HTML, truncated, wrong shape).
/// - [`Error::Transport`]: no complete reply.
pub fn download_url(
    agent: &ureq::Agent,
    config: &Config,
    request: &Request,
) -> Result<FileDownload, Error> {
    if let Some(secs) = request.expires_in {
        if !EXPIRES_IN_RANGE.contains(&secs) {
            return Err(Error::invalid(
                Vendor::Datalab,
                "expires_in",
                format!(
                    "must be between {} and {} seconds, got {secs}",
                    EXPIRES_IN_RANGE.start(),
                    EXPIRES_IN_RANGE.end()
                ),
            ));
        }
    }
    let segment =
        crate::encode::path_segment(Vendor::Datalab, "file_id", &request.file_id.to_string())?;
    let base = BaseUrl::parse(Vendor::Datalab, "base_url", &config.base_url)?;
    let mut call = Call::new(
        Vendor::Datalab,
        Method::Get,
        &base,
        &format!("/api/v1/files/{segment}/download"),
    );
    if let Some(secs) = request.expires_in {
        call = call.query("expires_in", &secs.to_string());
    }
    let reply = call
        .credential("x-api-key", config.api_key.expose())?
        .allow_insecure_http(config.allow_insecure_http)
        .send(agent)?;
    decode(&reply)
}

/// Decodes a reply of the endpoint (the whole contract after the transport).
pub(crate) fn decode(reply: &Reply) -> Result<FileDownload, Error> {
    if !reply.is_success() {
        let body: WireError = reply.json()?;
        let detail = match (body.detail, body.error) {
            (Some(WireDetail::Message(m)), _) => Detail::Message(m),
            (Some(WireDetail::Validation(v)), _) => Detail::Validation(v),
            (None, Some(e)) => Detail::Error(e),
            (None, None) => {
                return Err(reply.unexpected(
                    UnexpectedReason::WrongShape,
                    Some("error body without `detail` or `error`".to_owned()),
                ))
            }
        };
        let message = match &detail {
            Detail::Message(m) | Detail::Error(m) => m.clone(),
            Detail::Validation(items) => items
                .iter()
                .map(|v| {
                    let loc: Vec<String> = v.loc.iter().map(ToString::to_string).collect();
                    format!("{}: {}", loc.join("."), v.msg)
                })
                .collect::<Vec<_>>()
                .join("; "),
        };
        let status = reply.status;
        let retryable = status == 408 || status == 429 || status >= 500;
        return Err(reply.api_error(
            None,
            &message,
            None,
            retryable,
            ApiDetail::Datalab(ErrorDetail {
                detail,
                label: status_label(status),
            }),
        ));
    }
    let wire: WireDownload = reply.json()?;
    if wire.download_url.trim().is_empty() {
        return Err(reply.unexpected(
            UnexpectedReason::InvalidContent,
            Some("empty `download_url`".to_owned()),
        ));
    }
    let lifetime = time::Duration::seconds(i64::try_from(wire.expires_in).unwrap_or(i64::MAX));
    let expires_at = reply.received_at.checked_add(lifetime).ok_or_else(|| {
        reply.unexpected(
            UnexpectedReason::InvalidContent,
            Some("`expires_in` out of range".to_owned()),
        )
    })?;
    Ok(FileDownload {
        download_url: wire.download_url,
        expires_in: wire.expires_in,
        file_id: wire.file_id,
        original_filename: wire.original_filename,
        expires_at,
    })
}

fn status_label(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "unauthorized",
        402 => "payment required",
        403 => "forbidden",
        404 => "file not found",
        408 => "request timeout",
        422 => "validation error",
        429 => "rate limited",
        500..=599 => "server error",
        _ => "request refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_id_forms() {
        assert_eq!(FileId::from("42"), FileId::Number(42));
        assert_eq!(FileId::from("abc123"), FileId::Hashid("abc123".into()));
        assert_eq!(FileId::from("+1"), FileId::Hashid("+1".into()));
        assert_eq!(FileId::from(7u64).to_string(), "7");
    }
}
