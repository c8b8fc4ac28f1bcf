//! Cloudreve v4: `POST /api/v4/file/url`.
//!
//! Creates temporary download URLs for files on a self-hosted Cloudreve site. The
//! site's base URL is required ([`Config::new`]); the canonical form is the site
//! root (`https://cloud.example.com`), and a base URL that already ends in
//! `/api/v4` is accepted too (the prefix is never doubled).
//!
//! Authentication is optional: with an access token the call runs as that user
//! (`Authorization: Bearer <token>`), without one as the anonymous user, which can
//! still reach public share links. Note that Cloudreve treats a malformed or
//! expired access token like no token at all; the failure only shows later as a
//! permission error such as code 401 ([`Code::LoginRequired`]).
//!
//! Files are named by URI: `cloudreve://my/<path>` for the user's own files and
//! `cloudreve://<share id>[:<password>]@share/<path>` for share links. [`my_uri`]
//! and [`share_uri`] build them from plain paths; a URI given as a string is sent
//! untouched.
//!
//! Cloudreve answers errors inside HTTP 200 with a body `code` other than 0; such a
//! reply becomes [`Error::Api`] with [`ApiDetail::Cloudreve`]. With several URIs,
//! the failure of any one fails the whole call with code 40081, whose
//! [`ErrorDetail::aggregated_error`] says what went wrong per URI — unless
//! [`Request::skip_error`] is set, in which case the call succeeds with the links
//! that worked and [`FileUrls::failed`] lists the rest.
//!
//! ```no_run
//! use download_url::cloudreve;
//!
//! let mut config = cloudreve::Config::new("https://cloud.example.com");
//! config.access_token = Some(std::env::var("CLOUDREVE_TOKEN")?.into());
//! let mut request = cloudreve::Request::new([cloudreve::my_uri("Music/The Man.mp3")]);
//! request.download = Some(true);
//! let urls = cloudreve::download_urls(&download_url::agent(), &config, &request)?;
//! for link in &urls.links {
//!     println!("{} until {:?}", link.url, link.expires_at);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{redact_url_queries, UnexpectedReason};
use crate::http::{BaseUrl, Call, Method, Reply};
use crate::{ApiDetail, DownloadLink, Error, Secret, Vendor};

/// Cloudreve's API prefix; a base URL ending in it is accepted as well.
pub const API_PREFIX: &str = "/api/v4";
/// The endpoint path below [`API_PREFIX`].
pub const PATH: &str = "/file/url";
/// The scheme of Cloudreve file URIs.
pub const URI_SCHEME: &str = "cloudreve://";

/// Connection settings for a Cloudreve site.
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// The site's base URL, e.g. `https://cloud.example.com` (canonical) or
    /// `https://cloud.example.com/api/v4` (also accepted). Required: Cloudreve is
    /// self-hosted.
    pub base_url: String,
    /// Access token (JWT from `POST /api/v4/session/token`), sent as
    /// `Authorization: Bearer <token>`. `None`: anonymous access.
    pub access_token: Option<Secret>,
    /// Purchase ticket for paid share links, sent as `X-Cr-Purchase-Ticket`.
    pub purchase_ticket: Option<Secret>,
    /// Context hint from a previous file listing, sent as `X-Cr-Context-Hint`;
    /// must be a UUID.
    pub context_hint: Option<String>,
    /// Allow sending a token, ticket or share password over plain `http://` to a
    /// host that is not loopback, e.g. a site on the LAN without TLS (default
    /// `false`). When `false`, such a call to an `http://` base URL whose host is
    /// not loopback (`localhost`, `127.0.0.0/8`, `::1`) fails with
    /// [`Error::InvalidInput`] for `base_url` before anything is sent; `https://`,
    /// loopback, and anonymous calls without a share password are never refused.
    pub allow_insecure_http: bool,
}

impl Config {
    /// Anonymous access to the site at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        Config {
            base_url: base_url.into(),
            access_token: None,
            purchase_ticket: None,
            context_hint: None,
            allow_insecure_http: false,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &crate::redact_url(&self.base_url))
            .field("access_token", &self.access_token)
            .field("purchase_ticket", &self.purchase_ticket)
            .field("context_hint", &self.context_hint)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

/// The body of `POST /file/url`. Every field but `uris` is left out of the JSON
/// while it is `None`, so the server applies its own default.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The files, as Cloudreve URIs (at least one). Sent exactly as given.
    pub uris: Vec<String>,
    /// Ask for an attachment (download) rather than an inline (preview) URL, where
    /// the storage policy supports it.
    pub download: Option<bool>,
    /// With exactly one URI (and no `archive`), the server answers HTTP 302 with
    /// the URL in `Location`; it is returned as the link and never followed. With
    /// several URIs the server ignores the flag and answers JSON.
    pub redirect: Option<bool>,
    /// Preferred blob (entity) id; the server honours it only for a single URI
    /// without `archive`.
    pub entity: Option<String>,
    /// Force the site's primary URL as the host of the links.
    pub use_primary_site_url: Option<bool>,
    /// Return the links that worked instead of failing the whole call (see
    /// [`FileUrls::failed`]).
    pub skip_error: Option<bool>,
    /// One URL for a server-side zip of all the URIs (the server then ignores
    /// `entity`, `download`, `skip_error` and `redirect`).
    pub archive: Option<bool>,
    /// Bypass the server's URL cache.
    pub no_cache: Option<bool>,
}

impl Request {
    /// A request for `uris` with every option left to the server.
    pub fn new<I, S>(uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Request {
            uris: uris.into_iter().map(Into::into).collect(),
            download: None,
            redirect: None,
            entity: None,
            use_primary_site_url: None,
            skip_error: None,
            archive: None,
            no_cache: None,
        }
    }

    fn wants(flag: Option<bool>) -> bool {
        flag == Some(true)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uris: Vec<String> = self.uris.iter().map(|u| redact_uri(u)).collect();
        f.debug_struct("Request")
            .field("uris", &uris)
            .field("download", &self.download)
            .field("redirect", &self.redirect)
            .field("entity", &self.entity)
            .field("use_primary_site_url", &self.use_primary_site_url)
            .field("skip_error", &self.skip_error)
            .field("archive", &self.archive)
            .field("no_cache", &self.no_cache)
            .finish()
    }
}

/// `cloudreve://my/<path>` for a plain path in the user's own files.
///
/// The path is split on `/` (empty segments are dropped) and each segment is
/// percent-encoded the way Cloudreve's web client does (`encodeURIComponent`):
/// `A-Z a-z 0-9 - _ . ! ~ * ' ( )` stay literal, everything else (space, `#`, `?`,
/// `%`, `’`, non-ASCII…) becomes UTF-8 `%XX`.
///
/// ```
/// use download_url::cloudreve::my_uri;
/// assert_eq!(my_uri("The Man.mp3"), "cloudreve://my/The%20Man.mp3");
/// assert_eq!(my_uri("/Music/50% off #1?.mp3"), "cloudreve://my/Music/50%25%20off%20%231%3F.mp3");
/// ```
pub fn my_uri(path: &str) -> String {
    format!("{URI_SCHEME}my{}", encode_path(path))
}

/// `cloudreve://<share id>[:<password>]@share/<path>` for a plain path inside a
/// share link (an empty path is the shared file or folder itself). The id and
/// password are percent-encoded like path segments.
///
/// ```
/// use download_url::cloudreve::share_uri;
/// assert_eq!(
///     share_uri("VoMFL", Some("2rje2bdj"), "folder/my file.txt"),
///     "cloudreve://VoMFL:2rje2bdj@share/folder/my%20file.txt"
/// );
/// assert_eq!(share_uri("Ab3x", None, ""), "cloudreve://Ab3x@share");
/// ```
pub fn share_uri(share_id: &str, password: Option<&str>, path: &str) -> String {
    let mut uri = format!("{URI_SCHEME}{}", encode_component(share_id));
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        uri.push(':');
        uri.push_str(&encode_component(password));
    }
    uri.push_str("@share");
    uri.push_str(&encode_path(path));
    uri
}

/// A `cloudreve://` URI passes through untouched; anything else is taken as a
/// plain path in the user's own files ([`my_uri`]).
pub fn uri_from(text: &str) -> String {
    if has_scheme(text) {
        text.to_owned()
    } else {
        my_uri(text)
    }
}

/// The decoded path of a Cloudreve URI (without the leading `/`), or `None` when
/// `uri` is not a `cloudreve://` URI. The inverse of [`my_uri`] for plain names.
///
/// ```
/// use download_url::cloudreve::{my_uri, uri_path};
/// let name = "Taylor Swift - Untouchable (Taylor’s Version).mp3";
/// assert_eq!(uri_path(&my_uri(name)).as_deref(), Some(name));
/// ```
pub fn uri_path(uri: &str) -> Option<String> {
    if !has_scheme(uri) {
        return None;
    }
    let rest = uri.get(URI_SCHEME.len()..)?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let path = rest.find('/').map_or("", |i| &rest[i + 1..]);
    Some(crate::encode::percent_decode(path.trim_end_matches('/')))
}

/// The URI with the share password (if any) replaced by `[redacted]`, for logs.
///
/// ```
/// use download_url::cloudreve::redact_uri;
/// assert_eq!(redact_uri("cloudreve://VoMFL:2rje2bdj@share/a"), "cloudreve://VoMFL:[redacted]@share/a");
/// assert_eq!(redact_uri("cloudreve://my/a"), "cloudreve://my/a");
/// ```
pub fn redact_uri(uri: &str) -> String {
    let Some(rest) = uri.get(URI_SCHEME.len()..).filter(|_| has_scheme(uri)) else {
        return uri.to_owned();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((user, _)) => match user.split_once(':') {
            Some((id, _)) => format!(
                "{}{id}:[redacted]{}",
                &uri[..URI_SCHEME.len()],
                &rest[user.len()..]
            ),
            None => uri.to_owned(),
        },
        None => uri.to_owned(),
    }
}

fn has_scheme(text: &str) -> bool {
    text.get(..URI_SCHEME.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(URI_SCHEME))
}

fn encode_component(text: &str) -> String {
    crate::encode::percent_encode(text, |b| matches!(b, b'!' | b'*' | b'\'' | b'(' | b')'))
}

fn encode_path(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| format!("/{}", encode_component(s)))
        .collect()
}

/// One link from a Cloudreve reply.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Link {
    /// The input URI this link serves, exactly as sent; `None` for an archive link,
    /// which covers every input URI.
    pub uri: Option<String>,
    /// The URL; no authorization header is needed to use it. Treat it as a secret.
    pub url: String,
    /// `stream_saver_display_name`: the file name a client should save under, set
    /// only by storage drivers that relay downloads through the browser.
    pub display_name: Option<String>,
    /// When the URL stops working: the reply's `expires` when present, else the
    /// expiry in the URL's `sign=…:<unix seconds>` (or `X-Amz-Date` +
    /// `X-Amz-Expires`) query. `None` when the signature says `0` (no expiry) or
    /// nothing states one.
    pub expires_at: Option<OffsetDateTime>,
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Link")
            .field("uri", &self.uri.as_deref().map(redact_uri))
            .field("url", &crate::redact_url(&self.url))
            .field("display_name", &self.display_name)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl From<Link> for DownloadLink {
    /// The file name is `display_name`, else the last segment of the input URI.
    fn from(link: Link) -> Self {
        let file_name = link.display_name.or_else(|| {
            let path = uri_path(link.uri.as_deref()?)?;
            let name = path.rsplit('/').next().unwrap_or("");
            (!name.is_empty()).then(|| name.to_owned())
        });
        DownloadLink::new(Vendor::Cloudreve, link.url, file_name, link.expires_at)
    }
}

/// How the server answered a successful call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Answer {
    /// JSON: one URL slot per input URI, in order.
    Json,
    /// JSON with a single URL for a zip of every input URI (`archive`).
    Archive,
    /// HTTP 302 with the URL in `Location` (`redirect` with one URI).
    Redirect,
}

/// What `POST /file/url` returned.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileUrls {
    /// The links, in input order; each names the input URI it serves (an archive
    /// link names none). Never holds an empty URL.
    pub links: Vec<Link>,
    /// Input URIs that got no link, in input order. Only under
    /// [`Request::skip_error`]: the server then returns an empty URL in that slot
    /// and **gives no reason**; repeat the call without `skip_error` to get the
    /// per-URI codes (error 40081). Empty when every URI got a link.
    pub failed: Vec<String>,
    /// The reply's `expires` (the earliest expiry among the URLs), when sent and
    /// not `null`.
    pub expires: Option<OffsetDateTime>,
    /// How the server answered.
    pub answer: Answer,
}

impl FileUrls {
    /// `true` when every input URI got a link (always, without `skip_error`).
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }

    /// The link for input URI `uri` (as sent), if it got one.
    pub fn link_for(&self, uri: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.uri.as_deref() == Some(uri))
    }

    /// Every link as a vendor-neutral [`DownloadLink`].
    pub fn into_links(self) -> Vec<DownloadLink> {
        self.links.into_iter().map(DownloadLink::from).collect()
    }
}

impl fmt::Debug for FileUrls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed: Vec<String> = self.failed.iter().map(|u| redact_uri(u)).collect();
        f.debug_struct("FileUrls")
            .field("links", &self.links)
            .field("failed", &failed)
            .field("expires", &self.expires)
            .field("answer", &self.answer)
            .finish()
    }
}

crate::codes::named_codes! {
    /// Cloudreve's response codes that users of `/file/url` meet, by name.
    ///
    /// 3-digit codes reuse HTTP meanings, `4xxxx` are client or user errors,
    /// `5xxxx` server errors; any other code is kept in [`Code::Other`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Code {
        /// Any other code, as sent.
        Other(code) => if is_server_code(code) { "server error" } else { "vendor error" },
        /// 401: login required (no token, or an expired one).
        LoginRequired = 401 => "login required",
        /// 403: no permission.
        PermissionDenied = 403 => "permission denied",
        /// 404: not found (e.g. a share link that does not exist).
        NotFound = 404 => "not found",
        /// 40001: parameter error, e.g. an unknown URI.
        ParameterError = 40001 => "parameter error",
        /// 40005: signature expired.
        SignatureExpired = 40005 => "signature expired",
        /// 40007: the user group may not do this (e.g. `archive` without the permission).
        GroupNotAllowed = 40007 => "group not allowed",
        /// 40016: the path (or its parent folder) does not exist.
        ParentNotExist = 40016 => "path does not exist",
        /// 40019: the feature is not enabled on this site.
        FeatureNotEnabled = 40019 => "feature not enabled",
        /// 40020: invalid credential (e.g. a refresh token sent as the access token).
        CredentialInvalid = 40020 => "credential invalid",
        /// 40044: file not found.
        FileNotFound = 40044 => "file not found",
        /// 40069: incorrect share password.
        IncorrectPassword = 40069 => "incorrect password",
        /// 40074: more URIs than the site's batch limit (default 3000).
        TooManyUris = 40074 => "too many uris",
        /// 40077: no such entity (blob): a folder, or a missing preferred `entity`.
        EntityNotExist = 40077 => "entity does not exist",
        /// 40081: one or more URIs failed; see [`ErrorDetail::aggregated_error`].
        BatchNotFullyCompleted = 40081 => "batch operation not fully completed",
        /// 40083: the share link must be purchased first.
        PurchaseRequired = 40083 => "purchase required",
        /// 40088: anonymous access denied (newer servers).
        AnonymousAccessDenied = 40088 => "anonymous access denied",
        /// 40089: session expired; refresh the access token (newer servers).
        SessionExpired = 40089 => "session expired",
    }
    /// The named code for a body `code`.
    pub fn from_code;
    /// The numeric code.
    pub fn code;
    /// Short lowercase description.
    pub fn description;
    const CODES: &[(Code, i64, &str)];
}

impl Code {
    /// `true` for Cloudreve's server-side `5xxxx` codes (database, I/O, cache,
    /// node offline…), which may succeed later. Client codes never do as they are.
    pub fn is_retryable(self) -> bool {
        is_server_code(self.code())
    }
}

fn is_server_code(code: i64) -> bool {
    (50_000..60_000).contains(&code)
}

/// What went wrong for one URI of a batch (an entry of `aggregated_error`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UriError {
    /// The named code.
    pub code: Code,
    /// The message.
    pub msg: String,
    /// Internal error text (only from servers in debug mode).
    pub error: Option<String>,
    /// The request's correlation id.
    pub correlation_id: Option<String>,
}

/// The Cloudreve part of an [`ApiError`](crate::ApiError).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The named top-level code.
    pub code: Code,
    /// Internal error text (only from servers in debug mode).
    pub error: Option<String>,
    /// Per-URI errors of a batch (code 40081), keyed by the URI as the server
    /// printed it: that is Go's `url.URL.String()` of the parsed URI, which may
    /// differ cosmetically from the URI sent (a trailing `/` is trimmed, for one);
    /// [`ErrorDetail::uri_error`] looks an input URI up with that in mind.
    pub aggregated_error: BTreeMap<String, UriError>,
}

impl ErrorDetail {
    /// Short lowercase description of the named code.
    pub fn label(&self) -> &'static str {
        self.code.description()
    }

    /// The Cloudreve detail of `err`, when it is a Cloudreve [`Error::Api`].
    pub fn of(err: &Error) -> Option<&ErrorDetail> {
        match err.api_detail()? {
            ApiDetail::Cloudreve(detail) => Some(detail),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The error for input URI `uri`: the entry under exactly that key, else the
    /// one whose key means the same URI (same scheme case, percent-decoding and
    /// trailing `/` aside).
    pub fn uri_error(&self, uri: &str) -> Option<&UriError> {
        self.aggregated_error.get(uri).or_else(|| {
            let wanted = comparable(uri);
            self.aggregated_error
                .iter()
                .find(|(key, _)| comparable(key) == wanted)
                .map(|(_, e)| e)
        })
    }
}

impl fmt::Debug for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let aggregated: BTreeMap<String, &UriError> = self
            .aggregated_error
            .iter()
            .map(|(k, v)| (redact_url_queries(&redact_uri(k)), v))
            .collect();
        f.debug_struct("ErrorDetail")
            .field("code", &self.code)
            .field("error", &self.error)
            .field("aggregated_error", &aggregated)
            .finish()
    }
}

fn comparable(uri: &str) -> String {
    let decoded = crate::encode::percent_decode(uri.trim().trim_end_matches('/'));
    match decoded.get(URI_SCHEME.len()..) {
        Some(rest) if has_scheme(&decoded) => format!("{URI_SCHEME}{rest}"),
        _ => decoded,
    }
}

#[derive(Serialize)]
struct Body<'a> {
    uris: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    use_primary_site_url: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip_error: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    archive: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_cache: Option<bool>,
}

/// A struct of the fields that the error envelope and each of its
/// `aggregated_error` entries share (the server fills both from one Go type).
macro_rules! wire_error {
    ($(#[$attr:meta])* struct $name:ident { $($extra:tt)* }) => {
        $(#[$attr])*
        #[derive(Deserialize)]
        struct $name {
            code: i64,
            #[serde(default)]
            msg: String,
            #[serde(default)]
            error: Option<String>,
            #[serde(default)]
            correlation_id: Option<String>,
            $($extra)*
        }
    };
}

wire_error! {
    /// The envelope of a reply that did not decode as a success.
    struct Envelope {
        #[serde(default)]
        aggregated_error: Option<BTreeMap<String, WireUriError>>,
    }
}

wire_error! {
    /// One entry of [`Envelope`]'s `aggregated_error`.
    struct WireUriError {}
}

/// A success reply, decoded in one pass (errors take the [`Envelope`] path).
#[derive(Deserialize)]
struct Success {
    code: i64,
    data: WireData,
}

#[derive(Deserialize)]
struct WireData {
    urls: Vec<WireUrl>,
    #[serde(with = "time::serde::rfc3339::option")]
    expires: Option<OffsetDateTime>,
}

#[derive(Deserialize)]
struct WireUrl {
    url: String,
    #[serde(default)]
    stream_saver_display_name: Option<String>,
}

/// Creates temporary download URLs for `request.uris`.
///
/// Retryability: Cloudreve `5xxxx` codes, HTTP 429 and 5xx replies, and a 40081
/// whose every per-URI code is a `5xxxx` are retryable; all other codes are not.
///
/// # Errors
///
/// - [`Error::InvalidInput`] (nothing is sent): no URIs, a URI that is empty, not
///   `cloudreve://` or contains control characters, an empty `entity`, token or
///   ticket, a context hint that is not a UUID, or an unusable base URL.
/// - [`Error::Api`] with [`ApiDetail::Cloudreve`]: the body `code` is not 0 (on any
///   HTTP status). For 40081, [`ErrorDetail::uri_error`] gives each URI's error.
/// - [`Error::UnexpectedResponse`]: a body that is not the Cloudreve envelope
///   (HTML, truncated, too large, wrong shape), code 0 under a non-2xx status, a
///   redirect that was not asked for or has no absolute `Location`, or a URL list
///   that does not match the URIs (wrong length, an empty URL without
///   `skip_error`).
/// - [`Error::Transport`]: no complete reply.
pub fn download_urls(
    agent: &ureq::Agent,
    config: &Config,
    request: &Request,
) -> Result<FileUrls, Error> {
    validate(request)?;
    let mut base = BaseUrl::parse(Vendor::Cloudreve, "base_url", &config.base_url)?;
    if let Some(site) = base.path.strip_suffix(API_PREFIX) {
        base.path = site.to_owned();
    }
    let mut call = Call::new(
        Vendor::Cloudreve,
        Method::Post,
        &base,
        &format!("{API_PREFIX}{PATH}"),
    );
    if let Some(token) = &config.access_token {
        if token.is_empty() {
            return Err(invalid(
                "access_token",
                "must not be empty (use None for anonymous access)",
            ));
        }
        call = call.credential("authorization", &format!("Bearer {}", token.expose()))?;
    }
    if let Some(ticket) = &config.purchase_ticket {
        if ticket.is_empty() {
            return Err(invalid("purchase_ticket", "must not be empty"));
        }
        call = call.credential("x-cr-purchase-ticket", ticket.expose())?;
    }
    if let Some(hint) = &config.context_hint {
        if !is_uuid(hint) {
            return Err(invalid(
                "context_hint",
                "must be a UUID such as b832b998-7ece-4ffd-ba6b-afb64530ca70",
            ));
        }
        call = call.header("x-cr-context-hint", hint)?;
    }
    let body = Body {
        uris: &request.uris,
        download: request.download,
        redirect: request.redirect,
        entity: request.entity.as_deref(),
        use_primary_site_url: request.use_primary_site_url,
        skip_error: request.skip_error,
        archive: request.archive,
        no_cache: request.no_cache,
    };
    // A share password inside a URI is a credential too: the cleartext guard applies.
    let password = request.uris.iter().any(|uri| redact_uri(uri) != *uri);
    let reply = call
        .json(crate::encode::json_body(&body))
        .credential_in_body(password)
        .allow_insecure_http(config.allow_insecure_http)
        .send(agent)?;
    decode(&reply, request)
}

/// Decodes a reply to `request` (the whole contract after the transport; the
/// request says how many URIs were sent, and whether `redirect`, `skip_error` or
/// `archive` was asked for).
pub(crate) fn decode(reply: &Reply, request: &Request) -> Result<FileUrls, Error> {
    if matches!(reply.status, 301 | 302 | 303 | 307 | 308) {
        return redirected(reply, request);
    }
    // One pass for the common case: a 2xx success. Anything else is decoded again
    // as the error envelope.
    let data = match reply.try_json::<Success>() {
        Some(success) if success.code == 0 && reply.is_success() => success.data,
        _ => {
            let envelope: Envelope = reply.json()?;
            if envelope.code != 0 {
                return Err(api_error(reply, envelope));
            }
            if !reply.is_success() {
                return Err(reply.unexpected(
                    UnexpectedReason::Status,
                    Some("code 0 under a non-2xx status".to_owned()),
                ));
            }
            reply.json::<Success>()?.data
        }
    };
    if Request::wants(request.archive) {
        return archive(reply, data);
    }
    if data.urls.len() != request.uris.len() {
        return Err(reply.unexpected(
            UnexpectedReason::InvalidContent,
            Some(format!(
                "{} urls for {} uris",
                data.urls.len(),
                request.uris.len()
            )),
        ));
    }
    let skip_error = Request::wants(request.skip_error);
    let mut urls = FileUrls {
        links: Vec::new(),
        failed: Vec::new(),
        expires: data.expires,
        answer: Answer::Json,
    };
    for (index, (uri, wire)) in request.uris.iter().zip(data.urls).enumerate() {
        if !wire.url.trim().is_empty() {
            urls.links.push(link(Some(uri), wire, data.expires));
        } else if skip_error {
            urls.failed.push(uri.clone());
        } else {
            return Err(reply.unexpected(
                UnexpectedReason::InvalidContent,
                Some(format!("empty url for uri #{index} without skip_error")),
            ));
        }
    }
    Ok(urls)
}

fn invalid(field: &'static str, reason: &str) -> Error {
    Error::invalid(Vendor::Cloudreve, field, reason)
}

fn validate(request: &Request) -> Result<(), Error> {
    if request.uris.is_empty() {
        return Err(invalid("uris", "at least one URI is required"));
    }
    for (index, uri) in request.uris.iter().enumerate() {
        if uri.trim().is_empty() {
            return Err(invalid("uris", &format!("uri #{index} is empty")));
        }
        if !has_scheme(uri) {
            return Err(invalid(
                "uris",
                &format!(
                    "uri #{index} is not a cloudreve:// URI (build one with my_uri or share_uri)"
                ),
            ));
        }
        if uri.chars().any(char::is_control) {
            return Err(invalid(
                "uris",
                &format!("uri #{index} contains control characters"),
            ));
        }
    }
    if request
        .entity
        .as_deref()
        .is_some_and(|e| e.trim().is_empty())
    {
        return Err(invalid("entity", "must not be empty"));
    }
    Ok(())
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn api_error(reply: &Reply, envelope: Envelope) -> Error {
    let code = Code::from_code(envelope.code);
    let aggregated_error: BTreeMap<String, UriError> = envelope
        .aggregated_error
        .unwrap_or_default()
        .into_iter()
        .map(|(uri, e)| {
            let item = UriError {
                code: Code::from_code(e.code),
                msg: redact_url_queries(&e.msg),
                error: e.error.map(|t| redact_url_queries(&t)),
                correlation_id: e.correlation_id.map(|id| redact_url_queries(&id)),
            };
            (uri, item)
        })
        .collect();
    let batch_retryable = code == Code::BatchNotFullyCompleted
        && !aggregated_error.is_empty()
        && aggregated_error.values().all(|e| e.code.is_retryable());
    let retryable =
        code.is_retryable() || batch_retryable || reply.status == 429 || reply.status >= 500;
    reply.api_error(
        Some(envelope.code),
        &envelope.msg,
        envelope.correlation_id,
        retryable,
        ApiDetail::Cloudreve(ErrorDetail {
            code,
            error: envelope.error.map(|t| redact_url_queries(&t)),
            aggregated_error,
        }),
    )
}

/// A 302 answer to `redirect: true` with one URI.
///
/// Under `skip_error` a failed item makes the server redirect to an empty target,
/// which Go's `http.Redirect` turns into the request's directory
/// (`/api/v4/file/`): any `Location` that is not an absolute `http(s)://` URL is
/// that failure, never a link.
fn redirected(reply: &Reply, request: &Request) -> Result<FileUrls, Error> {
    let asked = Request::wants(request.redirect)
        && !Request::wants(request.archive)
        && request.uris.len() == 1;
    let uri = match (asked, request.uris.first()) {
        (true, Some(uri)) => uri,
        _ => {
            return Err(reply.unexpected(
                UnexpectedReason::Status,
                Some("a redirect that was not asked for".to_owned()),
            ))
        }
    };
    let location = reply.header("location").unwrap_or("").trim();
    let mut urls = FileUrls {
        links: Vec::new(),
        failed: Vec::new(),
        expires: None,
        answer: Answer::Redirect,
    };
    if is_absolute_http(location) {
        let wire = WireUrl {
            url: location.to_owned(),
            stream_saver_display_name: None,
        };
        urls.links.push(link(Some(uri), wire, None));
    } else if Request::wants(request.skip_error) {
        urls.failed.push(uri.clone());
    } else {
        return Err(reply.unexpected(
            UnexpectedReason::InvalidContent,
            Some("redirect without an absolute Location".to_owned()),
        ));
    }
    Ok(urls)
}

fn archive(reply: &Reply, data: WireData) -> Result<FileUrls, Error> {
    let expires = data.expires;
    let mut wires = data.urls.into_iter();
    match (wires.next(), wires.next()) {
        (Some(wire), None) if !wire.url.trim().is_empty() => Ok(FileUrls {
            links: vec![link(None, wire, expires)],
            failed: Vec::new(),
            expires,
            answer: Answer::Archive,
        }),
        _ => Err(reply.unexpected(
            UnexpectedReason::InvalidContent,
            Some("an archive reply must hold exactly one non-empty url".to_owned()),
        )),
    }
}

fn link(uri: Option<&String>, wire: WireUrl, expires: Option<OffsetDateTime>) -> Link {
    let expires_at = match expires {
        Some(at) => Some(at),
        None => match sign_expiry(&wire.url) {
            Some(at) => at,
            None => crate::link::amz_expiry(&wire.url),
        },
    };
    Link {
        uri: uri.cloned(),
        display_name: wire.stream_saver_display_name.filter(|n| !n.is_empty()),
        url: wire.url,
        expires_at,
    }
}

/// The expiry in Cloudreve's `sign=<signature>:<unix seconds>` query parameter:
/// `None` when absent or unreadable, `Some(None)` for `0` (never expires).
pub(crate) fn sign_expiry(url: &str) -> Option<Option<OffsetDateTime>> {
    let sign = crate::link::query_param(url, "sign")?;
    let seconds: i64 = sign.rsplit_once(':')?.1.trim().parse().ok()?;
    if seconds == 0 {
        return Some(None);
    }
    OffsetDateTime::from_unix_timestamp(seconds).ok().map(Some)
}

/// An `http(s)://` URL with a host and no whitespace. Control characters are not
/// refused here (unlike kie.ai and KooDrive links): `is_printable` is only a
/// shortcut, since text that passes it has no whitespace.
fn is_absolute_http(url: &str) -> bool {
    crate::link::split_http_scheme(url).is_some_and(|(_, r)| {
        !r.is_empty()
            && !r.starts_with(['/', '?', '#'])
            && (crate::link::is_printable(r) || !r.chars().any(char::is_whitespace))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for (named, code, _) in CODES {
            assert_eq!(Code::from_code(*code), *named);
            assert_eq!(named.code(), *code);
        }
        assert_eq!(Code::from_code(50001), Code::Other(50001));
        assert!(Code::from_code(50010).is_retryable());
        assert_eq!(Code::from_code(50004).description(), "server error");
        assert!(!Code::BatchNotFullyCompleted.is_retryable());
        assert_eq!(Code::Other(7).code(), 7);
    }

    #[test]
    fn sign_expiry_forms() {
        let url = "http://h/api/v4/file/archive/x/archive.zip?sign=1CgU15Is0ezKeTVKE_OAu2tJJoB6lN5s_DvRXTcP7GQ%3D%3A1749525301";
        assert_eq!(
            sign_expiry(url),
            Some(Some(time::macros::datetime!(2025-06-10 03:15:01 UTC)))
        );
        assert_eq!(sign_expiry("http://h/p?sign=abc%3A0"), Some(None));
        assert_eq!(sign_expiry("http://h/p?sign=abc"), None);
        assert_eq!(sign_expiry("http://h/p"), None);
    }

    #[test]
    fn uuid_check() {
        assert!(is_uuid("b832b998-7ece-4ffd-ba6b-afb64530ca70"));
        assert!(is_uuid("B832B998-7ECE-4FFD-BA6B-AFB64530CA70"));
        assert!(!is_uuid("b832b998-7ece-4ffd-ba6b-afb64530ca7"));
        assert!(!is_uuid("b832b998x7ece-4ffd-ba6b-afb64530ca70"));
        assert!(!is_uuid("g832b998-7ece-4ffd-ba6b-afb64530ca70"));
    }

    #[test]
    fn absolute_locations_only() {
        assert!(is_absolute_http("https://h/p?sign=x"));
        assert!(is_absolute_http("HTTP://h"));
        assert!(!is_absolute_http(""));
        assert!(!is_absolute_http("/api/v4/file/"));
        assert!(!is_absolute_http("https:///x"));
        assert!(!is_absolute_http("ftp://h/x"));
    }

    #[test]
    fn lookup_tolerates_server_normalisation() {
        let mut detail = ErrorDetail {
            code: Code::BatchNotFullyCompleted,
            error: None,
            aggregated_error: BTreeMap::new(),
        };
        let item = UriError {
            code: Code::ParentNotExist,
            msg: "x".into(),
            error: None,
            correlation_id: None,
        };
        detail
            .aggregated_error
            .insert("cloudreve://my/a b/c".into(), item.clone());
        assert_eq!(detail.uri_error("cloudreve://my/a%20b/c/"), Some(&item));
        assert_eq!(detail.uri_error("CLOUDREVE://my/a%20b/c"), Some(&item));
        assert_eq!(detail.uri_error("cloudreve://my/a"), None);
    }
}
