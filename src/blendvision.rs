//! BlendVision One: `POST /bv/cms/v1/library/files/{id}:download` and the batch
//! `POST /bv/cms/v1/library/files:download`.
//!
//! Gets the download link of a file in the BlendVision One CMS library, with the
//! time it stops working. Authentication: `Authorization: Bearer <api token>` plus
//! `x-bv-org-id: <organization id>`, which the vendor requires with an API token.
//!
//! The API is a grpc-gateway in front of gRPC services: every failure, on any
//! non-2xx status, is a `google.rpc.Status` body `{code, message, details}` whose
//! `code` is the **gRPC** code (not the HTTP status). [`Error::Api`] keeps both,
//! the message, and every detail (its `@type` and its other fields as raw JSON),
//! in [`ErrorDetail`].
//!
//! # What the crate does with each reply
//!
//! | BlendVision answers | the crate returns |
//! |---|---|
//! | 2xx `{id, download_uri, download_filename, expiration_time}` | the link; expiry the earlier of `expiration_time` and the URL's own (`X-Amz-Date` + `X-Amz-Expires`) |
//! | `expiration_time` null or missing | the link; expiry the URL's own, else `Unknown` |
//! | `download_filename` null or missing | the link, named after the URL's last path segment (an empty string: no name) |
//! | `download_uri` or `id` null or missing, `expiration_time` not RFC 3339 | `UnexpectedResponse` (these carry the link) |
//! | `download_uri` not a usable link | `UnexpectedResponse` (one file), that id's `UnusableLink` (batch) |
//! | batch reply leaving an id out | that id's `Missing` |
//! | batch reply naming an id not asked for (or more often than asked) | that answer in [`Batch::unattributed`](crate::Batch::unattributed); the asked links are kept |
//! | non-2xx `{code, message, details}` | `Api`: gRPC code, HTTP status, message, every detail; the vendor names a failed id only in `message`, so a batch stays `Err` |
//! | 429, 5xx but 501, or gRPC 8/14 on any status | the same, retryable; `Retry-After` and an `x-request-id` kept |
//! | anything else (HTML, truncated, wrong shape) | `UnexpectedResponse` with the status |
//!
//! The file id is sent as exactly one percent-encoded path segment: an id holding
//! `/` or `:` cannot change the route (`:` becomes `%3A`, so the only literal
//! colon left is the one before `download`).
//!
//! ```no_run
//! use download_url::blendvision;
//! // BLENDVISION_API_TOKEN, BLENDVISION_ORG_ID, optional BLENDVISION_BASE_URL
//! let config = blendvision::Config::from_env()?;
//! let link = blendvision::download_link(
//!     &download_url::agent(),
//!     &config,
//!     "63df97e3-519b-4426-bf01-d1841cdc2ccd",
//! )?;
//! println!("{:?} valid until {}", link.file_name, link.expires);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::config::BaseUrl;
pub use crate::error::blendvision::{Detail, ErrorDetail, GrpcCode};
use crate::error::{ApiDetail, Error};
use crate::expiry::Expiry;
use crate::http::{Call, Method, Reply};
use crate::link::{attribute, Batch, DownloadLink, FailureReason, ItemAnswer};
use crate::secret::Secret;
use crate::vendor::Vendor;

/// BlendVision One's public API host.
pub const DEFAULT_BASE_URL: &str = "https://api.one.blendvision.com";
/// The library files collection; the single call appends `/{id}:download`, the
/// batch call `:download`.
pub const FILES_PATH: &str = "/bv/cms/v1/library/files";

/// Connection settings for BlendVision One.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Base URL, default [`DEFAULT_BASE_URL`].
    pub base_url: BaseUrl,
    /// The API token (Console → Developers → API Tokens), or a login access
    /// token (see [`Config::login`]), sent as a Bearer token.
    pub api_token: Secret,
    /// The organization to act for, sent as `x-bv-org-id`. The vendor requires it
    /// "when using an api_token": with [`TokenKind::ApiToken`] an empty value is
    /// invalid input; with [`TokenKind::Login`] an empty value sends no header.
    pub org_id: String,
    /// What kind of token `api_token` is (default [`TokenKind::ApiToken`]).
    pub token_kind: TokenKind,
    /// Allow sending the token over plain `http://` to a host that is not loopback
    /// (default `false`). When `false`, a call to an `http://` base URL whose host
    /// is not loopback (`localhost`, `127.0.0.0/8`, `::1`) fails with
    /// [`Error::InvalidInput`] for `base_url` before anything is sent; `https://`
    /// and loopback are never refused.
    pub allow_insecure_http: bool,
    /// An overall cap on each call (DNS, connect, send, receive), e.g. the time
    /// left of a [`retry`](fn@crate::retry) budget. `None` (the default): only the
    /// agent's per-phase bounds apply. With a cap, ureq resolves the host on a
    /// helper thread, which costs tens of microseconds a call.
    pub call_timeout: Option<std::time::Duration>,
}

/// What kind of Bearer token a [`Config`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TokenKind {
    /// An API token from the console: needs `x-bv-org-id`.
    #[default]
    ApiToken,
    /// A login access token (from the account login API), which already names the
    /// user's organization: `x-bv-org-id` is optional.
    Login,
}

impl Config {
    /// A config for the public API with `api_token`, acting for `org_id`.
    pub fn new(api_token: impl Into<Secret>, org_id: impl Into<String>) -> Self {
        Config {
            base_url: DEFAULT_BASE_URL.into(),
            api_token: api_token.into(),
            org_id: org_id.into(),
            token_kind: TokenKind::ApiToken,
            allow_insecure_http: false,
            call_timeout: None,
        }
    }

    /// A config for a login access token, which needs no organization id (set
    /// `org_id` to act for another organization).
    pub fn login(access_token: impl Into<Secret>) -> Self {
        Config {
            token_kind: TokenKind::Login,
            ..Config::new(access_token, "")
        }
    }

    /// A config from the environment: `BLENDVISION_API_TOKEN` and
    /// `BLENDVISION_ORG_ID` (required), `BLENDVISION_BASE_URL` (optional).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the first required variable that is unset
    /// or blank.
    pub fn from_env() -> Result<Self, Error> {
        use crate::config::env_required;
        let api_token = env_required(Vendor::BlendVision, "BLENDVISION_API_TOKEN")?;
        let org_id = env_required(Vendor::BlendVision, "BLENDVISION_ORG_ID")?;
        let mut config = Config::new(api_token, org_id);
        crate::config::env_base_url(&mut config.base_url, "BLENDVISION_BASE_URL");
        Ok(config)
    }
}

/// `message` and `details` may be missing or `null` (an unset proto3 field).
#[derive(Deserialize)]
struct WireStatus {
    code: i64,
    message: Option<String>,
    details: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
}

#[derive(Clone, Deserialize)]
struct WireFile {
    id: String,
    download_uri: String,
    /// Informational: null or missing, the name comes from the URL.
    download_filename: Option<String>,
    /// Informational: null or missing, the expiry is the URL's own (or unknown).
    #[serde(default, deserialize_with = "crate::expiry::rfc3339_option")]
    expiration_time: Option<time::OffsetDateTime>,
}

#[derive(Deserialize)]
struct WireBatch {
    download_files: Vec<WireFile>,
}

/// The batch request body.
#[derive(Serialize)]
struct BatchBody<'a> {
    ids: Vec<&'a str>,
}

/// Gets the download link of one library file.
///
/// The link's [`item`](DownloadLink::item) is `id`, its `file_name` the file's
/// original name, and its expiry the earlier of `expiration_time` and the URL's
/// own.
///
/// ```
/// # #[cfg(feature = "fake")] {
/// use download_url::{agent, blendvision, fake};
///
/// let server = fake::FakeServer::start()?;
/// let mut config = blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
/// config.base_url = server.base_url();
/// let link = blendvision::download_link(&agent(), &config, "63df97e3-519b-4426-bf01-d1841cdc2ccd")?;
/// assert_eq!(link.file_name.as_deref(), Some("bbb.mp4"));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`Error::InvalidInput`]: an empty, `.` or `..` id, an empty API token or
///   organization id, or an unusable base URL (nothing is sent).
/// - [`Error::Api`] with [`ApiDetail::BlendVision`]: a non-2xx reply with a gRPC
///   status body (e.g. 404 NOT_FOUND, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED).
/// - [`Error::UnexpectedResponse`]: anything else (HTML, truncated, wrong shape,
///   an unusable `download_uri`).
/// - [`Error::Transport`]: no complete reply.
pub fn download_link(
    agent: &ureq::Agent,
    config: &Config,
    id: &str,
) -> Result<DownloadLink, Error> {
    let segment = validate_id("id", id)?;
    let reply = call(config, &[FILES_PATH, "/", &segment, ":download"])?
        .json(b"{}".to_vec())
        .send(agent)?;
    decode_single(&reply, id)
}

/// Decodes a reply of the single-file call for `id`.
pub(crate) fn decode_single(reply: &Reply, id: &str) -> Result<DownloadLink, Error> {
    check_status(reply)?;
    let file: WireFile = reply.json()?;
    reply.link("download_uri", &file.download_uri)?;
    Ok(link(id, file))
}

/// Gets the download links of several library files in one call.
///
/// Every id is accounted for, in request order: a link, or a failure — the
/// reply left it out ([`FailureReason::Missing`]) or its link is unusable. The
/// vendor fails the whole call for an unknown id (404 NOT_FOUND): that is an
/// `Err`. BlendVision documents no batch limit, so this is always one call.
///
/// ```
/// # #[cfg(feature = "fake")] {
/// use download_url::{agent, blendvision, fake};
///
/// let server = fake::FakeServer::start()?;
/// let mut config = blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
/// config.base_url = server.base_url();
/// let batch = blendvision::download_links(
///     &agent(),
///     &config,
///     &["63df97e3-519b-4426-bf01-d1841cdc2ccd", "3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328"],
/// )?;
/// assert!(batch.is_complete());
/// assert_eq!(batch.links[1].item, "3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328");
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`Error::InvalidInput`]: no ids, an empty, `.` or `..` id, an empty API token
///   or organization id, or an unusable base URL (nothing is sent).
/// - [`Error::Api`] with [`ApiDetail::BlendVision`]: a non-2xx reply with a gRPC
///   status body; the vendor fails the whole call (e.g. 404 NOT_FOUND for an
///   unknown id).
/// - [`Error::UnexpectedResponse`]: anything else (HTML, truncated, wrong shape).
///   A file id that was never asked for is not an error: that answer goes to
///   [`Batch::unattributed`].
/// - [`Error::Transport`]: no complete reply.
pub fn download_links<S: AsRef<str>>(
    agent: &ureq::Agent,
    config: &Config,
    ids: &[S],
) -> Result<Batch, Error> {
    if ids.is_empty() {
        return Err(invalid("ids", "must list at least one id"));
    }
    for id in ids {
        validate_id("ids", id.as_ref())?;
    }
    let body = BatchBody {
        ids: ids.iter().map(AsRef::as_ref).collect(),
    };
    let reply = call(config, &[FILES_PATH, ":download"])?
        .json(crate::encode::json_body(&body))
        .send(agent)?;
    decode_batch(&reply, ids)
}

/// Decodes a reply of the batch call for `ids`.
pub(crate) fn decode_batch<S: AsRef<str>>(reply: &Reply, ids: &[S]) -> Result<Batch, Error> {
    check_status(reply)?;
    let batch: WireBatch = reply.json()?;
    let answer = |file: WireFile| {
        let id = file.id.clone();
        let answer = match crate::url::check_link(&file.download_uri) {
            Ok(_) => ItemAnswer::Link(link(&id, file)),
            Err(why) => {
                let why = format!("`download_uri` {why}");
                ItemAnswer::Failed(FailureReason::UnusableLink { why }, false)
            }
        };
        (id, answer)
    };
    let answers = batch.download_files.into_iter().map(answer).collect();
    Ok(attribute(Vendor::BlendVision, ids, answers))
}

/// The link of a file whose `download_uri` passed the link check.
fn link(id: &str, file: WireFile) -> DownloadLink {
    let url = file.download_uri.trim();
    let name = match file.download_filename {
        Some(name) => (!name.is_empty()).then_some(name),
        None => crate::url::path_file_name(url),
    };
    let stated = file.expiration_time.map_or(Expiry::Unknown, Expiry::at);
    let expiry = crate::expiry::recognise(url).earliest(stated);
    DownloadLink::new(Vendor::BlendVision, id, url, name, expiry)
}

/// An id as one path segment; the same rule for the single and the batch call.
fn validate_id(field: &'static str, id: &str) -> Result<String, Error> {
    if crate::config::is_blank(id) {
        return Err(invalid(field, "an id must not be empty"));
    }
    crate::config::path_segment(Vendor::BlendVision, field, id).map(std::borrow::Cow::into_owned)
}

fn invalid(field: &'static str, reason: &str) -> Error {
    Error::invalid(Vendor::BlendVision, field, reason.to_owned())
}

/// The authenticated POST both calls share.
fn call(config: &Config, path: &[&str]) -> Result<Call, Error> {
    // An empty token is refused by `Call::credential`, before anything is sent.
    let org_id = config.org_id.trim();
    if org_id.is_empty() && config.token_kind == TokenKind::ApiToken {
        let why = "is required with an API token (sent as x-bv-org-id); a login access token needs none (Config::login)";
        return Err(invalid("org_id", why));
    }
    let base = config.base_url.parsed(Vendor::BlendVision)?;
    let call = Call::new(Vendor::BlendVision, Method::Post, base, path);
    let mut call = call.credential("authorization", "api_token", "Bearer ", &config.api_token)?;
    if !org_id.is_empty() {
        call = call.header("x-bv-org-id", "org_id", org_id)?;
    }
    Ok(call
        .allow_insecure_http(config.allow_insecure_http)
        .call_timeout(config.call_timeout))
}

/// A non-2xx reply is the gRPC status body, or outside the contract.
fn check_status(reply: &Reply) -> Result<(), Error> {
    if reply.is_success() {
        return Ok(());
    }
    let status: WireStatus = reply.json()?;
    let grpc_code = GrpcCode::from_code(status.code);
    let label = match grpc_code {
        GrpcCode::Ok | GrpcCode::Other(_) => GrpcCode::from_http_status(reply.status),
        named => named,
    }
    .description();
    // The gRPC codes that mean "later" under any status (older gateways send
    // RESOURCE_EXHAUSTED with 403), plus the crate-wide status rule (429, 5xx
    // but 501) whatever the body says — except UNIMPLEMENTED, which will not
    // change on retry.
    let later = [GrpcCode::Unavailable, GrpcCode::ResourceExhausted].contains(&grpc_code);
    let retryable = later
        || (crate::error::retryable_status(reply.status) && grpc_code != GrpcCode::Unimplemented);
    let detail = |mut fields: serde_json::Map<String, serde_json::Value>| {
        // An `@type` that is not a string stays among the fields.
        let text = fields.get("@type").and_then(serde_json::Value::as_str);
        let type_url = text.map(|t| reply.redact(t)).unwrap_or_default();
        if text.is_some() {
            fields.remove("@type");
        }
        let fields = fields
            .into_iter()
            .map(|(name, value)| (reply.redact(&name), reply.redact_json(value)))
            .collect();
        Detail { type_url, fields }
    };
    let details = status.details.into_iter().flatten().map(detail).collect();
    let detail = ApiDetail::BlendVision(ErrorDetail {
        grpc_code,
        details,
        label,
    });
    let message = status.message.unwrap_or_default();
    Err(reply.api_error(Some(status.code), &message, None, retryable, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in -1..=20 {
            assert_eq!(GrpcCode::from_code(code).code(), code);
        }
        assert_eq!(GrpcCode::from_code(5), GrpcCode::NotFound);
        assert_eq!(GrpcCode::from_code(99), GrpcCode::Other(99));
        assert_eq!(GrpcCode::Unauthenticated.http_status(), 401);
        assert_eq!(GrpcCode::NotFound.to_string(), "NOT_FOUND (5)");
        for code in 1..=16 {
            let named = GrpcCode::from_code(code);
            let back = GrpcCode::from_http_status(named.http_status());
            assert_eq!(back.http_status(), named.http_status(), "{named}");
        }
    }

    #[test]
    fn ids_are_one_segment() {
        assert_eq!(validate_id("id", "a/b:c").unwrap(), "a%2Fb%3Ac");
        for bad in ["", " ", ".", ".."] {
            assert!(validate_id("id", bad).is_err(), "{bad:?}");
        }
    }
}
