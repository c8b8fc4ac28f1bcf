//! Datalab: `GET /api/v1/files/{file_id}/download[?expires_in=N]`.
//!
//! Generates a presigned URL for a file uploaded to Datalab. Authentication:
//! `X-API-Key: <key>`.
//!
//! The file id is an integer in Datalab's OpenAPI; the official SDK also passes the
//! hashid string form (the `xxx` of `datalab://file-xxx`), so both are accepted.
//! Either is sent as exactly one percent-encoded path segment.
//!
//! The API key alone selects the team: the official SDK (0.5.0) sends
//! `X-Api-Key` and no cookie. The `datalab_active_team` cookie the OpenAPI lists
//! belongs to the web app's browser session; [`Config::team`] sends it only when
//! set.
//!
//! # What the crate does with each reply
//!
//! | Datalab answers | the crate returns |
//! |---|---|
//! | 200 `{download_url, expires_in, original_filename}` | the link; expiry `expires_in` after the reply arrived (or the URL's own, if earlier) |
//! | 200 with `original_filename` null or missing | the link, named after the URL's last path segment |
//! | 200 with `download_url` or `expires_in` null, missing or unusable | `UnexpectedResponse` (those carry the link) |
//! | 4xx/5xx `{"detail": "…"}` | `Api` with [`Detail::Message`] and the status label (401, 403, 404, 429…) |
//! | 422 `{"detail": [{loc, msg, type}]}` | `Api` with [`Detail::Validation`] |
//! | 4xx/5xx `{"error": "…"}` | `Api` with [`Detail::Error`] |
//! | 429, 408, 5xx but 501 (any of the shapes above) | the same, retryable; `Retry-After` and an `x-request-id` kept |
//! | anything else (HTML, truncated, wrong shape) | `UnexpectedResponse` with the status |
//!
//! ```no_run
//! use download_url::datalab;
//! let config = datalab::Config::from_env()?; // DATALAB_API_KEY, optional DATALAB_BASE_URL
//! let mut request = datalab::Request::new(42);
//! request.expires_in = Some(600);
//! let link = datalab::download_link(&download_url::agent(), &config, &request)?;
//! println!("{:?} valid until {}", link.file_name, link.expires);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use serde::Deserialize;

use crate::config::BaseUrl;
pub use crate::error::datalab::{Detail, ErrorDetail, LocItem, ValidationError};
use crate::error::{ApiDetail, Error, UnexpectedReason};
use crate::expiry::Expiry;
use crate::http::{Call, Method, Reply};
use crate::link::DownloadLink;
use crate::secret::Secret;
use crate::vendor::Vendor;

/// Datalab's public API host.
pub const DEFAULT_BASE_URL: &str = "https://www.datalab.to";
/// The `expires_in` values Datalab accepts, in seconds (1 minute to 24 hours).
pub const EXPIRES_IN_RANGE: std::ops::RangeInclusive<u32> = 60..=86_400;

/// Connection settings for Datalab. `Debug` hides the key and the base URL's
/// user info and query.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Base URL, default [`DEFAULT_BASE_URL`].
    pub base_url: BaseUrl,
    /// The API key, sent as `X-API-Key`.
    pub api_key: Secret,
    /// The team to act for, sent as the cookie `datalab_active_team` (a cookie
    /// of Datalab's web app, listed in its OpenAPI; the official SDK, 0.5.0,
    /// sends no cookie at all); `None` (the default): the key's own team.
    pub team: Option<String>,
    /// Allow sending the key over plain `http://` to a host that is not loopback
    /// (default `false`); `https://` and loopback are never refused.
    pub allow_insecure_http: bool,
    /// An overall cap on each call (DNS, connect, send, receive), e.g. the time
    /// left of a [`retry`](fn@crate::retry) budget. `None` (the default): only the
    /// agent's per-phase bounds apply. With a cap, ureq resolves the host on a
    /// helper thread, which costs tens of microseconds a call.
    pub call_timeout: Option<std::time::Duration>,
}

impl Config {
    /// A config for the public API with `api_key`.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        Config {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: api_key.into(),
            team: None,
            allow_insecure_http: false,
            call_timeout: None,
        }
    }

    /// A config from the environment: `DATALAB_API_KEY` (required) and
    /// `DATALAB_BASE_URL` (optional).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `DATALAB_API_KEY` when it is unset or blank.
    pub fn from_env() -> Result<Self, Error> {
        let api_key = crate::config::env_required(Vendor::Datalab, "DATALAB_API_KEY")?;
        let mut config = Config::new(api_key);
        crate::config::env_base_url(&mut config.base_url, "DATALAB_BASE_URL");
        Ok(config)
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
    /// A number written as `u64` writes it (no sign, no leading zero) becomes
    /// [`FileId::Number`], anything else a hashid: the id is sent exactly as given.
    fn from(id: &str) -> Self {
        match id.parse::<u64>() {
            Ok(n) if n.to_string() == id => FileId::Number(n),
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
    /// Informational: null or missing, the name comes from the URL.
    original_filename: Option<String>,
}

/// Gets a presigned download URL for a Datalab file.
///
/// The link's [`item`](DownloadLink::item) is the file id as sent, its
/// `file_name` the name the file was uploaded with, and its expiry the earlier of
/// the URL's own (`X-Amz-*` or another storage dialect) and the arrival of the
/// reply + `expires_in`.
///
/// ```
/// # #[cfg(feature = "fake")] {
/// use download_url::{agent, datalab, fake::FakeServer};
///
/// let server = FakeServer::start()?;
/// let mut config = datalab::Config::new(download_url::fake::DATALAB_API_KEY);
/// config.base_url = server.base_url();
/// let mut request = datalab::Request::new(42);
/// request.expires_in = Some(600);
/// let link = datalab::download_link(&agent(), &config, &request)?;
/// assert_eq!(link.item, "42");
/// assert_eq!(link.file_name.as_deref(), Some("report.pdf"));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`Error::InvalidInput`]: `expires_in` outside [`EXPIRES_IN_RANGE`], an empty,
///   `.` or `..` file id, or an unusable config (nothing is sent).
/// - [`Error::Api`] with [`ApiDetail::Datalab`]: a non-2xx reply with `detail` or
///   `error`.
/// - [`Error::UnexpectedResponse`]: anything else (HTML, truncated, wrong shape).
/// - [`Error::Transport`]: no complete reply.
pub fn download_link(
    agent: &ureq::Agent,
    config: &Config,
    request: &Request,
) -> Result<DownloadLink, Error> {
    if let Some(secs) = request.expires_in.filter(|s| !EXPIRES_IN_RANGE.contains(s)) {
        let (min, max) = EXPIRES_IN_RANGE.into_inner();
        let why = format!("must be between {min} and {max} seconds, got {secs}");
        return Err(Error::invalid(Vendor::Datalab, "expires_in", why));
    }
    let file_id = request.file_id.to_string();
    let segment = crate::config::path_segment(Vendor::Datalab, "file_id", &file_id)?;
    let base = config.base_url.parsed(Vendor::Datalab)?;
    let path = ["/api/v1/files/", &segment, "/download"];
    let mut call = Call::new(Vendor::Datalab, Method::Get, base, &path);
    if let Some(secs) = request.expires_in {
        call = call.query("expires_in", &secs.to_string());
    }
    if let Some(team) = &config.team {
        crate::config::check_input(Vendor::Datalab, "team", team, crate::config::MAX_HEADER_LEN)?;
        // A cookie value: no separators, quotes, whitespace or controls.
        let cookie_byte = |b: u8| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\');
        if !team.bytes().all(cookie_byte) {
            let why = "must be visible ASCII without `;`, `,`, `\"` or `\\`";
            return Err(Error::invalid(Vendor::Datalab, "team", why));
        }
        call = call.header("cookie", "team", &format!("datalab_active_team={team}"))?;
    }
    let reply = call
        .credential("x-api-key", "api_key", "", &config.api_key)?
        .allow_insecure_http(config.allow_insecure_http)
        .call_timeout(config.call_timeout)
        .send(agent)?;
    decode(&reply, file_id)
}

/// Decodes a reply of the endpoint (the whole contract after the transport).
pub(crate) fn decode(reply: &Reply, file_id: impl Into<String>) -> Result<DownloadLink, Error> {
    if !reply.is_success() {
        let body: WireError = reply.json()?;
        let detail = match (body.detail, body.error) {
            (Some(WireDetail::Message(m)), _) => Detail::Message(reply.redact(&m)),
            (Some(WireDetail::Validation(mut items)), _) => {
                for item in &mut items {
                    for loc in &mut item.loc {
                        if let LocItem::Field(field) = loc {
                            *field = reply.redact(field);
                        }
                    }
                    item.msg = reply.redact(&item.msg);
                    item.kind = reply.redact(&item.kind);
                }
                Detail::Validation(items)
            }
            (None, Some(e)) => Detail::Error(reply.redact(&e)),
            (None, None) => {
                let note = "error body without `detail` or `error`".to_owned();
                return Err(reply.unexpected(UnexpectedReason::WrongShape, Some(note)));
            }
        };
        let line = |v: &ValidationError| {
            let loc: Vec<String> = v.loc.iter().map(ToString::to_string).collect();
            format!("{}: {}", loc.join("."), v.msg)
        };
        let message = match &detail {
            Detail::Message(m) | Detail::Error(m) => m.clone(),
            Detail::Validation(items) => items.iter().map(line).collect::<Vec<_>>().join("; "),
        };
        let status = reply.status;
        let retryable = status == 408 || crate::error::retryable_status(status);
        let label = status_label(status);
        let detail = ApiDetail::Datalab(ErrorDetail { detail, label });
        return Err(reply.api_error(None, &message, None, retryable, detail));
    }
    let wire: WireDownload = reply.json()?;
    let url = reply.link("download_url", &wire.download_url)?;
    let Some(expires_at) = reply.received_plus(wire.expires_in) else {
        let note = "`expires_in` out of range".to_owned();
        return Err(reply.unexpected(UnexpectedReason::InvalidContent, Some(note)));
    };
    let expiry = crate::expiry::recognise(url).earliest(Expiry::at(expires_at));
    let name = match wire.original_filename {
        Some(name) => (!name.is_empty()).then_some(name),
        None => crate::url::path_file_name(url),
    };
    let link = DownloadLink::new(Vendor::Datalab, file_id, url, name, expiry);
    Ok(link)
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
        assert_eq!(FileId::from("042"), FileId::Hashid("042".into()));
        assert_eq!(FileId::from(7u64).to_string(), "7");
    }
}
