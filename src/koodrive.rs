//! KooDrive (Huawei Cloud): `POST /koodrive/ose/v1/files/download`.
//!
//! Gets temporary download links for files of one KooDrive space (container). Every
//! request carries `X-User-Id`, `X-Date` (the current UTC time,
//! `yyyyMMdd'T'HHmmss'Z'`) and an `Authorization` header in one of two [`Auth`]
//! modes:
//!
//! - **token**: the access token behind a configurable prefix. The vendor's pages
//!   disagree on the form (`Bearer+{token}` on the API pages, the raw token on the
//!   authentication page, `Bearer {token}` on others); the default is
//!   [`DEFAULT_TOKEN_PREFIX`] (`Bearer `), and [`Auth::token_with_prefix`] sends
//!   the raw token (`""`) or a literal `Bearer+`;
//! - **app signature**: `HMAC-SHA256 AppId=…,SignedHeaders=host;x-date;x-user-id,Signature=…`,
//!   computed by [`canonical_request`], [`string_to_sign`] and [`signature`], which
//!   are public so that callers can check or reuse the signing.
//!
//! The vendor accepts at most [`MAX_IDS_PER_CALL`] file ids per call; longer
//! requests are split into calls of at most 100 ids, sent in order on the same
//! agent, and merged into one [`Downloads`].
//!
//! A reply reports each file separately: [`Downloads::files`] holds the links,
//! [`Downloads::failures`] the files that failed while others succeeded. When every
//! file fails, or the vendor refuses the call (a top-level `code` other than 0,
//! under HTTP 200 or 400), the result is an [`Error::Api`] with
//! [`ApiDetail::KooDrive`].
//!
//! ```no_run
//! use download_url::koodrive::{self, Auth};
//!
//! let auth = Auth::app_signature(std::env::var("KOODRIVE_APP_ID")?, std::env::var("KOODRIVE_APP_SECRET")?);
//! let config = koodrive::Config::new(std::env::var("KOODRIVE_USER_ID")?, auth);
//! let request = koodrive::Request::new("IAADfsBFCO6WtAtuA9add2fea594e4e75b8feb8474ef236", ["Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ"]);
//! let downloads = koodrive::download_urls(&download_url::agent(), &config, &request)?;
//! for file in &downloads.files {
//!     println!("{} until {}", file.file_name, file.expires_at);
//! }
//! for failed in &downloads.failures {
//!     eprintln!("{}: {} {}", failed.file_id, failed.code, failed.message);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Against the crate's fake server:
//!
//! ```
//! # #[cfg(feature = "fake")] {
//! use download_url::{fake, koodrive};
//!
//! let server = fake::FakeServer::start()?;
//! let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
//! let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
//! config.base_url = server.base_url();
//! let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
//! let links = koodrive::download_urls(&download_url::agent(), &config, &request)?.into_links();
//! assert_eq!(links[0].file_name.as_deref(), Some("Invoice 1.pdf"));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use crate::error::UnexpectedReason;
use crate::http::{BaseUrl, Call, Method, Reply};
use crate::{ApiDetail, DownloadLink, Error, Secret, Vendor};

/// KooDrive's international endpoint (AP-Singapore).
pub const DEFAULT_BASE_URL: &str = "https://intl.myhuaweicloud-koodrive.com";
/// KooDrive's Chinese-site endpoint (CN North-Beijing4).
pub const CN_BASE_URL: &str = "https://cn.myhuaweicloud-koodrive.com";
/// The endpoint path.
pub const PATH: &str = "/koodrive/ose/v1/files/download";
/// The most file ids the vendor accepts in one call; [`download_urls`] splits
/// longer requests.
pub const MAX_IDS_PER_CALL: usize = 100;
/// The `language` header sent by default.
pub const DEFAULT_LANGUAGE: &str = "en-US";
/// The token prefix sent by default (`Authorization: Bearer <token>`).
pub const DEFAULT_TOKEN_PREFIX: &str = "Bearer ";
/// The length of an `X-Traceid` (letters, digits and `_`).
pub const TRACE_ID_LEN: usize = 58;
/// The app-signature algorithm, first word of the `Authorization` header.
pub const ALGORITHM: &str = "HMAC-SHA256";
/// The headers the client signs in app-signature mode.
pub const SIGNED_HEADERS: &str = "host;x-date;x-user-id";
/// Lifetime assumed for a link whose URL carries no `X-Amz-Date` / `X-Amz-Expires`
/// (1 hour, as in the vendor's example URL; KooDrive documents none).
pub const FALLBACK_LINK_LIFETIME: time::Duration = time::Duration::hours(1);

/// How requests are authenticated.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// `Authorization: <prefix><token>`.
    Token {
        /// The access token.
        token: Secret,
        /// Written before the token: [`DEFAULT_TOKEN_PREFIX`] (`Bearer `) by
        /// default; `""` sends the raw token, `"Bearer+"` the literal form of the
        /// vendor's API pages.
        prefix: String,
    },
    /// `Authorization: HMAC-SHA256 AppId=<app_id>,SignedHeaders=host;x-date;x-user-id,Signature=<hex>`.
    AppSignature {
        /// The app id (not a secret: it is sent in every request).
        app_id: String,
        /// The app secret, the HMAC key. Never sent.
        app_secret: Secret,
    },
}

impl Auth {
    /// Token mode with the default prefix `Bearer `.
    pub fn token(token: impl Into<Secret>) -> Auth {
        Auth::token_with_prefix(token, DEFAULT_TOKEN_PREFIX)
    }

    /// Token mode with `prefix` written before the token (`""` for the raw token,
    /// `"Bearer+"` for the literal form of the vendor's API pages).
    pub fn token_with_prefix(token: impl Into<Secret>, prefix: impl Into<String>) -> Auth {
        Auth::Token {
            token: token.into(),
            prefix: prefix.into(),
        }
    }

    /// App-signature mode.
    pub fn app_signature(app_id: impl Into<String>, app_secret: impl Into<Secret>) -> Auth {
        Auth::AppSignature {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Token { token, prefix } => f
                .debug_struct("Token")
                .field("token", token)
                .field("prefix", prefix)
                .finish(),
            Auth::AppSignature { app_id, app_secret } => f
                .debug_struct("AppSignature")
                .field("app_id", app_id)
                .field("app_secret", app_secret)
                .finish(),
        }
    }
}

/// Connection settings for KooDrive.
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// Base URL, default [`DEFAULT_BASE_URL`] (see also [`CN_BASE_URL`]).
    pub base_url: String,
    /// The KooDrive user id, sent as `X-User-Id` (and signed).
    pub user_id: String,
    /// Token or app signature.
    pub auth: Auth,
    /// The `language` header; default `Some(`[`DEFAULT_LANGUAGE`]`)`, `None` sends none.
    pub language: Option<String>,
    /// `x-hw-share-folder-id`: run the operation inside this shared folder.
    pub share_folder_id: Option<String>,
    /// `X-Traceid`: exactly [`TRACE_ID_LEN`] letters, digits or `_`, checked
    /// before sending.
    pub trace_id: Option<String>,
    /// Allow sending credentials over plain `http://` to a host that is not loopback
    /// (default `false`). When `false`, a call to an `http://` base URL whose host
    /// is not loopback (`localhost`, `127.0.0.0/8`, `::1`) fails with
    /// [`Error::InvalidInput`] for `base_url` before anything is sent; `https://`
    /// and loopback are never refused.
    pub allow_insecure_http: bool,
}

impl Config {
    /// A config for the international endpoint.
    pub fn new(user_id: impl Into<String>, auth: Auth) -> Self {
        Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            user_id: user_id.into(),
            auth,
            language: Some(DEFAULT_LANGUAGE.to_owned()),
            share_folder_id: None,
            trace_id: None,
            allow_insecure_http: false,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &crate::redact_url(&self.base_url))
            .field("user_id", &self.user_id)
            .field("auth", &self.auth)
            .field("language", &self.language)
            .field("share_folder_id", &self.share_folder_id)
            .field("trace_id", &self.trace_id)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

/// What to ask for: files of one space.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The space (`containerId`).
    pub container_id: String,
    /// The files (`fileIds`), any number; split into calls of at most
    /// [`MAX_IDS_PER_CALL`].
    pub file_ids: Vec<String>,
}

impl Request {
    /// A request for `file_ids` in the space `container_id`.
    pub fn new<I, S>(container_id: impl Into<String>, file_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Request {
            container_id: container_id.into(),
            file_ids: file_ids.into_iter().map(Into::into).collect(),
        }
    }
}

/// The vendor's `batchCode`: how many files of a call succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchCode {
    /// 0: some files succeeded, some failed.
    Partial,
    /// 1: every file succeeded.
    AllSucceeded,
    /// 2: every file failed.
    AllFailed,
}

impl BatchCode {
    /// The batch code for a wire value, `None` for an undocumented one.
    pub fn from_code(code: i64) -> Option<BatchCode> {
        match code {
            0 => Some(BatchCode::Partial),
            1 => Some(BatchCode::AllSucceeded),
            2 => Some(BatchCode::AllFailed),
            _ => None,
        }
    }

    /// The wire value: 0, 1 or 2.
    pub fn code(self) -> i64 {
        match self {
            BatchCode::Partial => 0,
            BatchCode::AllSucceeded => 1,
            BatchCode::AllFailed => 2,
        }
    }

    /// The batch code of several calls merged: all succeeded if each did, all
    /// failed if each did, partial otherwise (and for no call at all: all succeeded).
    pub fn merge(parts: impl IntoIterator<Item = BatchCode>) -> BatchCode {
        let mut merged: Option<BatchCode> = None;
        for part in parts {
            merged = Some(match merged {
                None => part,
                Some(seen) if seen == part => seen,
                Some(_) => BatchCode::Partial,
            });
        }
        merged.unwrap_or(BatchCode::AllSucceeded)
    }
}

/// One file's download link.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileLink {
    /// `fileId`.
    pub file_id: String,
    /// `fileName`.
    pub file_name: String,
    /// The presigned download URL. Treat it as a secret.
    pub url: String,
    /// `X-Amz-Date` + `X-Amz-Expires` of the URL; when the URL lacks them, the
    /// time the reply arrived + [`FALLBACK_LINK_LIFETIME`].
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for FileLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileLink")
            .field("file_id", &self.file_id)
            .field("file_name", &self.file_name)
            .field("url", &crate::redact_url(&self.url))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl From<FileLink> for DownloadLink {
    fn from(file: FileLink) -> Self {
        DownloadLink::new(
            Vendor::KooDrive,
            file.url,
            Some(file.file_name),
            Some(file.expires_at),
        )
    }
}

/// One file that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileFailure {
    /// `fileId` (as sent, except that the query of a URL in it is redacted).
    pub file_id: String,
    /// The per-file `code` exactly as it arrived (a string on the wire, e.g.
    /// `"13000302"`; the query of a URL in it is redacted).
    pub code: String,
    /// The per-file `msg` (empty when the vendor sent none), URL queries redacted.
    pub message: String,
}

impl FileFailure {
    /// The named code, when the per-file code is an integer.
    pub fn named_code(&self) -> Option<Code> {
        self.code.trim().parse().ok().map(Code::from_code)
    }
}

/// The merged reply of every call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloads {
    /// Recomputed over every call: [`BatchCode::AllSucceeded`] or
    /// [`BatchCode::Partial`] (all failed is an error).
    pub batch: BatchCode,
    /// The links, in the order of the request's ids (calls in order, each in the
    /// vendor's order).
    pub files: Vec<FileLink>,
    /// The files that failed, in the same order.
    pub failures: Vec<FileFailure>,
}

impl Downloads {
    /// `true` when every file has a link.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }

    /// The links as vendor-neutral [`DownloadLink`]s (failures are dropped).
    pub fn into_links(self) -> Vec<DownloadLink> {
        self.files.into_iter().map(DownloadLink::from).collect()
    }
}

crate::codes::named_codes! {
    /// KooDrive's documented error codes (the `13000xxx` table).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Code {
        /// Any other code.
        Other(_) => "vendor error",
        /// 13000101: bad request.
        BadRequest = 13_000_101 => "bad request",
        /// 13000102: parameter verification failed (e.g. more than 100 ids).
        ParameterInvalid = 13_000_102 => "parameter verification failed",
        /// 13000201: internal invocation failure (server side, may succeed later).
        InnerInvokeFailure = 13_000_201 => "internal invocation failure",
        /// 13000301: space not found or in an abnormal state.
        ContainerNotFound = 13_000_301 => "space not found",
        /// 13000302: file not in the specified space.
        FileNotInContainer = 13_000_302 => "file not in the space",
        /// 13000303: the operation needs the file to be in the recycle bin.
        NotInRecycleBin = 13_000_303 => "file not in the recycle bin",
        /// 13000304: target directory abnormal.
        TargetDirectoryAbnormal = 13_000_304 => "target directory abnormal",
        /// 13000305: target directory is in the recycle bin.
        TargetDirectoryInRecycleBin = 13_000_305 => "target directory in the recycle bin",
        /// 13000306: file is in the recycle bin.
        FileInRecycleBin = 13_000_306 => "file in the recycle bin",
        /// 13000307: nested directories.
        NestedDirectories = 13_000_307 => "nested directories",
        /// 13000308: file metadata error.
        FileMetadataError = 13_000_308 => "file metadata error",
        /// 13000309: resource not found.
        ResourceNotFound = 13_000_309 => "resource not found",
        /// 13000310: maximum directory depth exceeded.
        MaxDepthExceeded = 13_000_310 => "maximum directory depth exceeded",
        /// 13000311: insufficient space.
        InsufficientSpace = 13_000_311 => "insufficient space",
        /// 13000312: file already in the target folder.
        AlreadyInTargetFolder = 13_000_312 => "file already in the target folder",
        /// 13000401: upload task not found.
        UploadTaskNotFound = 13_000_401 => "upload task not found",
        /// 13000402: file integrity check failed or upload incomplete.
        IntegrityCheckFailed = 13_000_402 => "file integrity check failed",
        /// 13000403: changing the file status failed.
        ChangeFileStateFailed = 13_000_403 => "changing the file status failed",
        /// 13000404: parent directory in the recycle bin.
        ParentInRecycleBin = 13_000_404 => "parent directory in the recycle bin",
        /// 13000405: duplicate file name.
        DuplicateFileName = 13_000_405 => "duplicate file name",
        /// 13000406: operation not allowed on a folder.
        FolderNotAllowed = 13_000_406 => "operation not allowed on a folder",
        /// 13000407: the file's download address does not exist.
        DownloadAddressNotFound = 13_000_407 => "download address does not exist",
        /// 13000408: file download failed.
        DownloadFailed = 13_000_408 => "file download failed",
        /// 13000409: file upload failed.
        UploadFailed = 13_000_409 => "file upload failed",
        /// 13000410: the user has no permission on the space.
        NoSpacePermission = 13_000_410 => "no permission on the space",
        /// 13000411: the file is not in this space.
        FileNotInSpace = 13_000_411 => "file not in this space",
        /// 13000412: space not active.
        SpaceNotActive = 13_000_412 => "space not active",
        /// 13000413: unsupported search type.
        UnsupportedSearchType = 13_000_413 => "unsupported search type",
        /// 13000414: search type must not be empty.
        SearchTypeEmpty = 13_000_414 => "search type is empty",
    }
    /// The named code for a numeric code.
    pub fn from_code;
    /// The numeric code.
    pub fn code;
    /// Short lowercase description.
    pub fn description;
    const CODES: [(i64, Code, &str)];
}

impl Code {
    /// Only 13000201 (internal invocation failure) may succeed later.
    pub fn is_retryable(self) -> bool {
        self == Code::InnerInvokeFailure
    }
}

/// The KooDrive part of an [`ApiError`](crate::ApiError).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The named top-level code, or, when every file failed, the first file's
    /// code. `None` for a gateway refusal or a non-numeric per-file code.
    pub code: Option<Code>,
    /// The API gateway's `error_code` (e.g. `APIGW.0303`, app authentication
    /// failed), for a refusal by Huawei's gateway in front of KooDrive.
    pub gateway_code: Option<String>,
    /// Every failed file, when every file failed; empty otherwise.
    pub failures: Vec<FileFailure>,
    label: &'static str,
}

impl ErrorDetail {
    /// Short lowercase description: the named code's, `"every file failed"` or
    /// `"refused by the api gateway"`.
    pub fn label(&self) -> &'static str {
        self.label
    }
}

// ---------------------------------------------------------------------------
// Signing

/// Lowercase hex of the SHA-256 of `bytes` (the `HashedRequestPayload` of a body).
pub fn hashed_payload(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    push_sha256_hex(&mut out, bytes);
    out
}

// The signing helpers below append to one buffer: signing runs on every request,
// and building the canonical request from per-part strings cost more than the
// hashing itself (see `koodrive_signing` in benches/).

fn push_sha256_hex(out: &mut String, bytes: &[u8]) {
    push_hex(
        out,
        ring::digest::digest(&ring::digest::SHA256, bytes).as_ref(),
    );
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

/// `text` percent-decoded, then percent-encoded (RFC 3986 unreserved characters
/// kept, uppercase hex), appended to `out`.
fn push_reencoded(out: &mut String, text: &str) {
    if text.contains('%') {
        crate::encode::push_percent_encoded(out, &crate::encode::percent_decode(text), |_| false);
    } else {
        crate::encode::push_percent_encoded(out, text, |_| false);
    }
}

/// The canonical URI of a request path: `.` and empty segments dropped, `..`
/// resolved, each segment percent-encoded (RFC 3986 unreserved characters kept,
/// uppercase hex), and a trailing `/` added.
///
/// ```
/// use download_url::koodrive::canonical_uri;
/// assert_eq!(canonical_uri("/koodrive/ose/v1/files/download"), "/koodrive/ose/v1/files/download/");
/// assert_eq!(canonical_uri("/a/./b/../c d/"), "/a/c%20d/");
/// ```
pub fn canonical_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 2);
    push_canonical_uri(&mut out, path);
    out
}

fn push_canonical_uri(out: &mut String, path: &str) {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    out.push('/');
    for segment in segments {
        push_reencoded(out, segment);
        out.push('/');
    }
}

/// The canonical query string of a raw query (without `?`): each parameter
/// re-encoded as `name=value` (the `=` kept when the value is empty), sorted by
/// character code, joined with `&`. Empty for no query.
///
/// ```
/// use download_url::koodrive::canonical_query;
/// assert_eq!(canonical_query("b=2&F=x y&parm2"), "F=x%20y&b=2&parm2=");
/// ```
pub fn canonical_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    push_canonical_query(&mut out, query);
    out
}

fn push_canonical_query(out: &mut String, query: &str) {
    let encode = |text: &str| {
        let mut encoded = String::with_capacity(text.len());
        push_reencoded(&mut encoded, text);
        encoded
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (encode(name), encode(value))
        })
        .collect();
    pairs.sort();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
}

/// `headers` with trimmed names and values, sorted by lowercase name (stable).
fn sorted_headers<'a>(headers: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut sorted: Vec<(&str, &str)> = headers
        .iter()
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    let lower = |name: &'a str| name.bytes().map(|b| b.to_ascii_lowercase());
    sorted.sort_by(|a, b| lower(a.0).cmp(lower(b.0)));
    sorted
}

fn push_lowercase(out: &mut String, text: &str) {
    out.extend(text.chars().map(|c| c.to_ascii_lowercase()));
}

fn push_signed_headers(out: &mut String, sorted: &[(&str, &str)]) {
    for (i, (name, _)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        push_lowercase(out, name);
    }
}

/// The `SignedHeaders` list: the lowercase names of `headers`, sorted, joined with `;`.
///
/// ```
/// use download_url::koodrive::signed_headers;
/// assert_eq!(signed_headers(&[("X-User-Id", "1"), ("Host", "h"), ("X-Date", "d")]), "host;x-date;x-user-id");
/// ```
pub fn signed_headers(headers: &[(&str, &str)]) -> String {
    let mut out = String::new();
    push_signed_headers(&mut out, &sorted_headers(headers));
    out
}

/// The canonical request of the app signature:
///
/// ```text
/// METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
/// ```
///
/// where CanonicalHeaders is one `name:value\n` line per header (lowercase name,
/// trimmed value, sorted by name), so a blank line follows it; `path` and `query`
/// are as sent (see [`canonical_uri`], [`canonical_query`]); `body` is the exact
/// bytes sent (see [`hashed_payload`]).
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let sorted = sorted_headers(headers);
    let header_bytes: usize = sorted.iter().map(|(n, v)| 2 * n.len() + v.len() + 2).sum();
    let mut out =
        String::with_capacity(method.len() + path.len() + query.len() + header_bytes + 80);
    out.extend(method.trim().chars().map(|c| c.to_ascii_uppercase()));
    out.push('\n');
    push_canonical_uri(&mut out, path);
    out.push('\n');
    push_canonical_query(&mut out, query);
    out.push('\n');
    for (name, value) in &sorted {
        push_lowercase(&mut out, name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    push_signed_headers(&mut out, &sorted);
    out.push('\n');
    push_sha256_hex(&mut out, body);
    out
}

/// `HMAC-SHA256\n` + lowercase hex SHA-256 of the canonical request.
pub fn string_to_sign(canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + 1 + 64);
    out.push_str(ALGORITHM);
    out.push('\n');
    push_sha256_hex(&mut out, canonical_request.as_bytes());
    out
}

/// Lowercase hex HMAC-SHA256 of `string_to_sign`, keyed with the app secret itself.
pub fn signature(app_secret: &Secret, string_to_sign: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, app_secret.expose().as_bytes());
    let mut out = String::with_capacity(64);
    push_hex(
        &mut out,
        ring::hmac::sign(&key, string_to_sign.as_bytes()).as_ref(),
    );
    out
}

/// The `Authorization` value of the app signature:
/// `HMAC-SHA256 AppId=<app_id>,SignedHeaders=<signed_headers>,Signature=<signature>`.
pub fn authorization(app_id: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ALGORITHM} AppId={app_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// The path and the raw query of an absolute URL.
fn request_target(url: &str) -> (&str, &str) {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let target = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    target.split_once('?').unwrap_or((target, ""))
}

// ---------------------------------------------------------------------------
// Wire types

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireRequest<'a> {
    container_id: &'a str,
    file_ids: &'a [String],
}

/// Huawei API gateway refusal (`APIGW.xxxx`).
#[derive(Deserialize)]
struct WireGatewayError {
    error_code: String,
    #[serde(default)]
    error_msg: String,
    #[serde(default)]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct WireEnvelope {
    #[serde(deserialize_with = "integer")]
    code: i64,
    #[serde(default)]
    msg: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireReply {
    #[serde(deserialize_with = "integer")]
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(deserialize_with = "integer")]
    batch_code: i64,
    downloads: Vec<WireDownload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireDownload {
    file_id: String,
    #[serde(deserialize_with = "text")]
    code: String,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

/// An integer or a string, read without buffering (an untagged enum would copy
/// every value into serde's intermediate form first).
enum IntegerOrText {
    Integer(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for IntegerOrText {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = IntegerOrText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntegerOrText, E> {
                Ok(IntegerOrText::Integer(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntegerOrText, E> {
                i64::try_from(v)
                    .map(IntegerOrText::Integer)
                    .map_err(|_| E::custom("code out of range"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntegerOrText, E> {
                Ok(IntegerOrText::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<IntegerOrText, E> {
                Ok(IntegerOrText::Text(v))
            }
        }
        de.deserialize_any(Visit)
    }
}

/// An integer, also accepted as a string of digits (some KooDrive APIs type codes as strings).
fn integer<'de, D: Deserializer<'de>>(de: D) -> Result<i64, D::Error> {
    match IntegerOrText::deserialize(de)? {
        IntegerOrText::Integer(n) => Ok(n),
        IntegerOrText::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom("expected an integer code")),
    }
}

/// A string, also accepted as an integer.
fn text<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    Ok(match IntegerOrText::deserialize(de)? {
        IntegerOrText::Integer(n) => n.to_string(),
        IntegerOrText::Text(text) => text,
    })
}

// ---------------------------------------------------------------------------
// The call

/// Gets download links for every file of `request`, in calls of at most
/// [`MAX_IDS_PER_CALL`] ids sent in order on `agent`, merged into one [`Downloads`].
///
/// Files that fail while others succeed are kept in [`Downloads::failures`].
/// Any call that fails ends the whole request with that error.
///
/// # Errors
///
/// - [`Error::InvalidInput`]: an empty container id, no file ids or an empty one,
///   an empty user id, token, app id or app secret, a trace id that is not 58
///   letters, digits or `_`, an unusable base URL, or a header value that cannot
///   be sent (nothing is sent).
/// - [`Error::Api`] with [`ApiDetail::KooDrive`]: a top-level `code` other than 0
///   (under any status; see [`Code`]), a refusal by the API gateway
///   ([`ErrorDetail::gateway_code`]), or every file failed
///   ([`ErrorDetail::failures`] lists them all).
/// - [`Error::UnexpectedResponse`]: a body that is not KooDrive's (HTML, truncated,
///   oversized, wrong shape), an undocumented `batchCode`, a success without a URL
///   or file name, or `code` 0 under a non-2xx status.
/// - [`Error::Transport`]: no complete reply.
pub fn download_urls(
    agent: &ureq::Agent,
    config: &Config,
    request: &Request,
) -> Result<Downloads, Error> {
    let base = validate(config, request)?;
    let mut batches = Vec::new();
    let mut files = Vec::new();
    let mut failures = Vec::new();
    let mut last_reply = None;
    for ids in request.file_ids.chunks(MAX_IDS_PER_CALL) {
        let reply = send(agent, config, &base, &request.container_id, ids)?;
        let (batch, top_message) = decode(&reply, &mut files, &mut failures)?;
        batches.push(batch);
        last_reply = Some((reply, top_message));
    }
    let batch = BatchCode::merge(batches);
    match (batch, last_reply) {
        (BatchCode::AllFailed, Some((reply, top_message))) => {
            Err(all_failed(&reply, &top_message, failures))
        }
        _ => Ok(Downloads {
            batch,
            files,
            failures,
        }),
    }
}

fn invalid(field: &'static str, reason: &str) -> Error {
    Error::invalid(Vendor::KooDrive, field, reason.to_owned())
}

fn validate(config: &Config, request: &Request) -> Result<BaseUrl, Error> {
    let base = BaseUrl::parse(Vendor::KooDrive, "base_url", &config.base_url)?;
    if config.user_id.trim().is_empty() {
        return Err(invalid("user_id", "must not be empty"));
    }
    match &config.auth {
        Auth::Token { token, .. } if token.expose().trim().is_empty() => {
            return Err(invalid("token", "must not be empty"))
        }
        Auth::AppSignature { app_id, .. } if app_id.trim().is_empty() => {
            return Err(invalid("app_id", "must not be empty"))
        }
        Auth::AppSignature { app_id, .. } if app_id.contains([',', ' ']) => {
            return Err(invalid("app_id", "must not contain `,` or spaces"))
        }
        Auth::AppSignature { app_secret, .. } if app_secret.is_empty() => {
            return Err(invalid("app_secret", "must not be empty"))
        }
        _ => {}
    }
    if let Some(trace_id) = &config.trace_id {
        if trace_id.len() != TRACE_ID_LEN
            || !trace_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(invalid(
                "trace_id",
                "must be exactly 58 letters, digits or `_`",
            ));
        }
    }
    for (field, value) in [
        ("language", &config.language),
        ("share_folder_id", &config.share_folder_id),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(invalid(field, "must not be empty (use None to send none)"));
        }
    }
    if request.container_id.trim().is_empty() {
        return Err(invalid("container_id", "must not be empty"));
    }
    if request.file_ids.is_empty() {
        return Err(invalid("file_ids", "must list at least one file id"));
    }
    if let Some(i) = request.file_ids.iter().position(|id| id.trim().is_empty()) {
        return Err(Error::invalid(
            Vendor::KooDrive,
            "file_ids",
            format!("file id #{} is empty", i + 1),
        ));
    }
    Ok(base)
}

fn send(
    agent: &ureq::Agent,
    config: &Config,
    base: &BaseUrl,
    container_id: &str,
    ids: &[String],
) -> Result<Reply, Error> {
    let x_date = crate::link::format_amz_date(OffsetDateTime::now_utc());
    let mut call = Call::new(Vendor::KooDrive, Method::Post, base, PATH)
        .header("x-user-id", &config.user_id)?
        .header("x-date", &x_date)?;
    if let Some(language) = &config.language {
        call = call.header("language", language)?;
    }
    if let Some(folder) = &config.share_folder_id {
        call = call.header("x-hw-share-folder-id", folder)?;
    }
    if let Some(trace_id) = &config.trace_id {
        call = call.header("x-traceid", trace_id)?;
    }
    let call = call.json(crate::encode::json_body(&WireRequest {
        container_id,
        file_ids: ids,
    }));
    let (call, authorization) = match &config.auth {
        Auth::Token { token, prefix } => (call, format!("{prefix}{}", token.expose())),
        Auth::AppSignature { app_id, app_secret } => {
            // The Host signed is the one sent: set explicitly, so no client default
            // (port shown or not) can differ from it.
            let host = base.host_header();
            let headers = [
                ("host", host.as_str()),
                ("x-date", x_date.as_str()),
                ("x-user-id", config.user_id.as_str()),
            ];
            let (path, query) = request_target(call.url());
            let canonical = canonical_request("POST", path, query, &headers, call.body());
            let signed = signature(app_secret, &string_to_sign(&canonical));
            let value = authorization(app_id, &signed_headers(&headers), &signed);
            (call.header("host", &host)?, value)
        }
    };
    call.credential("authorization", &authorization)?
        .allow_insecure_http(config.allow_insecure_http)
        .send(agent)
}

/// Decodes the reply of one call as [`download_urls`] would if the request had
/// needed only that call (the reply names every file, so the requested ids are not
/// needed).
pub(crate) fn decode_reply(reply: &Reply) -> Result<Downloads, Error> {
    let mut files = Vec::new();
    let mut failures = Vec::new();
    let (batch, top_message) = decode(reply, &mut files, &mut failures)?;
    if batch == BatchCode::AllFailed {
        return Err(all_failed(reply, &top_message, failures));
    }
    Ok(Downloads {
        batch,
        files,
        failures,
    })
}

/// Checks the envelope of one reply and appends its files; returns its batch code
/// and top-level message.
fn decode(
    reply: &Reply,
    files: &mut Vec<FileLink>,
    failures: &mut Vec<FileFailure>,
) -> Result<(BatchCode, String), Error> {
    // One pass for the common case: a 2xx reply with code 0 and its downloads.
    // Anything else goes through the gateway / envelope checks below.
    let wire = match reply.try_json::<WireReply>() {
        Some(wire) if wire.code == 0 && reply.is_success() => wire,
        _ => refusal(reply)?,
    };
    decode_downloads(reply, wire, files, failures)
}

/// A reply that is not a plain success: the gateway's or the vendor's refusal, or
/// the reason it does not decode.
fn refusal(reply: &Reply) -> Result<WireReply, Error> {
    if let Some(gateway) = reply.try_json::<WireGatewayError>() {
        let retryable = reply.status == 429 || reply.status >= 500;
        return Err(reply.api_error(
            None,
            &gateway.error_msg,
            gateway.request_id,
            retryable,
            ApiDetail::KooDrive(ErrorDetail {
                code: None,
                gateway_code: Some(crate::error::redact_url_queries(&gateway.error_code)),
                failures: Vec::new(),
                label: "refused by the api gateway",
            }),
        ));
    }
    let envelope: WireEnvelope = reply.json()?;
    if envelope.code != 0 {
        let code = Code::from_code(envelope.code);
        let retryable = code.is_retryable() || reply.status == 429 || reply.status >= 500;
        return Err(reply.api_error(
            Some(envelope.code),
            &envelope.msg,
            None,
            retryable,
            ApiDetail::KooDrive(ErrorDetail {
                code: Some(code),
                gateway_code: None,
                failures: Vec::new(),
                label: code.description(),
            }),
        ));
    }
    if !reply.is_success() {
        return Err(reply.unexpected(
            UnexpectedReason::Status,
            Some("code 0 under a non-2xx status".to_owned()),
        ));
    }
    reply.json::<WireReply>()
}

/// Appends the files of a decoded success reply; returns its batch code and
/// top-level message.
fn decode_downloads(
    reply: &Reply,
    wire: WireReply,
    files: &mut Vec<FileLink>,
    failures: &mut Vec<FileFailure>,
) -> Result<(BatchCode, String), Error> {
    let batch = BatchCode::from_code(wire.batch_code).ok_or_else(|| {
        reply.unexpected(
            UnexpectedReason::InvalidContent,
            Some(format!("undocumented batchCode {}", wire.batch_code)),
        )
    })?;
    let mut succeeded = 0usize;
    let mut failed = 0usize;
    for item in wire.downloads {
        if item.code.trim() != "0" {
            failed += 1;
            failures.push(FileFailure {
                file_id: crate::error::redact_url_queries(&item.file_id),
                code: crate::error::redact_url_queries(&item.code),
                message: crate::error::redact_url_queries(&item.msg.unwrap_or_default()),
            });
            continue;
        }
        succeeded += 1;
        let mut url = item.url.unwrap_or_default();
        if url.trim().len() != url.len() {
            url = url.trim().to_owned();
        }
        if !crate::link::is_http_url(&url) {
            return Err(reply.unexpected(
                UnexpectedReason::InvalidContent,
                Some("a download with code \"0\" has no http(s) `url`".to_owned()),
            ));
        }
        let Some(file_name) = item.file_name else {
            return Err(reply.unexpected(
                UnexpectedReason::InvalidContent,
                Some("a download with code \"0\" has no `fileName`".to_owned()),
            ));
        };
        let expires_at =
            crate::link::amz_expiry(&url).unwrap_or(reply.received_at + FALLBACK_LINK_LIFETIME);
        files.push(FileLink {
            file_id: item.file_id,
            file_name,
            url,
            expires_at,
        });
    }
    let contradicts = match batch {
        BatchCode::AllSucceeded => failed > 0,
        BatchCode::AllFailed => succeeded > 0,
        BatchCode::Partial => false,
    };
    if contradicts {
        return Err(reply.unexpected(
            UnexpectedReason::InvalidContent,
            Some(format!(
                "batchCode {} contradicts the per-file codes",
                batch.code()
            )),
        ));
    }
    Ok((batch, wire.msg))
}

fn all_failed(reply: &Reply, top_message: &str, failures: Vec<FileFailure>) -> Error {
    let first = failures.first();
    let numeric = first.and_then(|f| f.code.trim().parse::<i64>().ok());
    let code = numeric.map(Code::from_code);
    let message = match first {
        Some(f) if !f.message.is_empty() => f.message.clone(),
        _ => top_message.to_owned(),
    };
    let message = if failures.len() > 1 {
        format!("{} files failed; first: {message}", failures.len())
    } else {
        message
    };
    reply.api_error(
        numeric,
        &message,
        None,
        code.is_some_and(Code::is_retryable),
        ApiDetail::KooDrive(ErrorDetail {
            code,
            gateway_code: None,
            failures,
            label: "every file failed",
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_BODY: &str = r#"{"containerId":"IAADfsBFCO6WtAtuA9add2fea594e4e75b8feb8474ef236","fileIds":["Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ"]}"#;

    /// The DERIVED vector of VENDOR-NOTES §1.3, every intermediate value.
    #[test]
    fn derived_signing_vector() {
        let headers = [
            ("host", "intl.myhuaweicloud-koodrive.com"),
            ("x-date", "20240909T033325Z"),
            ("x-user-id", "1505084218764547200"),
        ];
        let payload = hashed_payload(VECTOR_BODY.as_bytes());
        assert_eq!(
            payload,
            "81721ff2caeaa63a878d18c76a00e02f96427f826e04a8f50f961e8e8bb3a0f6"
        );
        let canonical = canonical_request(
            "POST",
            "/koodrive/ose/v1/files/download",
            "",
            &headers,
            VECTOR_BODY.as_bytes(),
        );
        assert_eq!(
            canonical,
            "POST\n/koodrive/ose/v1/files/download/\n\nhost:intl.myhuaweicloud-koodrive.com\nx-date:20240909T033325Z\nx-user-id:1505084218764547200\n\nhost;x-date;x-user-id\n81721ff2caeaa63a878d18c76a00e02f96427f826e04a8f50f961e8e8bb3a0f6"
        );
        assert_eq!(
            hashed_payload(canonical.as_bytes()),
            "16ab474cabac1fb52f150aad5279f1f5e24d7ed4cbd5741a9ffae3741689b547"
        );
        let to_sign = string_to_sign(&canonical);
        assert_eq!(
            to_sign,
            "HMAC-SHA256\n16ab474cabac1fb52f150aad5279f1f5e24d7ed4cbd5741a9ffae3741689b547"
        );
        let signed = signature(&Secret::new("example-app-secret"), &to_sign);
        assert_eq!(
            signed,
            "598bcb834174270fe5e2c2e5bdd9a8b9fc372a1a1768c208b72471a5cb048349"
        );
        assert_eq!(signed_headers(&headers), SIGNED_HEADERS);
        assert_eq!(
            authorization("app", SIGNED_HEADERS, &signed),
            "HMAC-SHA256 AppId=app,SignedHeaders=host;x-date;x-user-id,Signature=598bcb834174270fe5e2c2e5bdd9a8b9fc372a1a1768c208b72471a5cb048349"
        );
    }

    #[test]
    fn header_order_and_case_do_not_matter() {
        let a = canonical_request(
            "post",
            "/koodrive/ose/v1/files/download/",
            "",
            &[
                ("X-User-Id", " 1505084218764547200 "),
                ("Host", "intl.myhuaweicloud-koodrive.com"),
                ("X-Date", "20240909T033325Z"),
            ],
            VECTOR_BODY.as_bytes(),
        );
        let expected = "16ab474cabac1fb52f150aad5279f1f5e24d7ed4cbd5741a9ffae3741689b547";
        assert_eq!(hashed_payload(a.as_bytes()), expected);
    }

    #[test]
    fn empty_body_hash() {
        assert_eq!(
            hashed_payload(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn request_target_splits_path_and_query() {
        assert_eq!(
            request_target("http://127.0.0.1:9/pre/koodrive/x?a=1"),
            ("/pre/koodrive/x", "a=1")
        );
        assert_eq!(request_target("https://h"), ("/", ""));
    }

    #[test]
    fn canonical_uri_and_query() {
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a%2fb"), "/a%2Fb/");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("parm2&parm1=value1"), "parm1=value1&parm2=");
    }

    #[test]
    fn codes_round_trip() {
        for (n, named, _) in CODES {
            assert_eq!(Code::from_code(n), named);
            assert_eq!(named.code(), n);
            assert_ne!(named.description(), "vendor error");
        }
        assert_eq!(Code::from_code(7), Code::Other(7));
        assert_eq!(Code::Other(7).code(), 7);
        assert!(Code::InnerInvokeFailure.is_retryable());
        assert!(!Code::ParameterInvalid.is_retryable());
    }

    #[test]
    fn batch_merge() {
        use BatchCode::*;
        assert_eq!(BatchCode::merge([AllSucceeded, AllSucceeded]), AllSucceeded);
        assert_eq!(BatchCode::merge([AllFailed, AllFailed]), AllFailed);
        assert_eq!(BatchCode::merge([AllSucceeded, AllFailed]), Partial);
        assert_eq!(BatchCode::merge([Partial]), Partial);
        assert_eq!(BatchCode::merge([]), AllSucceeded);
        for code in 0..3 {
            assert_eq!(BatchCode::from_code(code).map(BatchCode::code), Some(code));
        }
        assert_eq!(BatchCode::from_code(3), None);
    }

    #[test]
    fn wire_codes_are_lenient() {
        let item: WireDownload = serde_json::from_str(r#"{"fileId":"f","code":13000302}"#).unwrap();
        assert_eq!(item.code, "13000302");
        let env: WireEnvelope = serde_json::from_str(r#"{"code":"0","msg":"x"}"#).unwrap();
        assert_eq!(env.code, 0);
        assert!(serde_json::from_str::<WireEnvelope>(r#"{"code":"zero"}"#).is_err());
        assert!(serde_json::from_str::<WireEnvelope>(r#"{"code":null}"#).is_err());
    }

    #[test]
    fn config_debug_hides_credentials() {
        let mut config = Config::new("u", Auth::token("TOKEN-MARKER"));
        assert!(!format!("{config:?}").contains("TOKEN-MARKER"));
        config.auth = Auth::app_signature("id", "SECRET-MARKER");
        let shown = format!("{config:?}");
        assert!(!shown.contains("SECRET-MARKER"), "{shown}");
        assert!(shown.contains("AppSignature"), "{shown}");
    }
}
