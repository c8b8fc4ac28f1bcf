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
//! requests are split into calls of at most 100 ids, run [`Config::concurrency`]
//! at a time on the same agent, and merged into one [`Batch`] in request order.
//!
//! A reply reports each file separately: the batch holds the links and one
//! [`ItemFailure`] per file that failed (its per-file code as
//! it arrived), in request order — even when every file failed. A refusal of the
//! whole call (a top-level `code` other than 0, under HTTP 200 or 400, or the API
//! gateway's) is an [`Error::Api`] with [`ApiDetail::KooDrive`].
//!
//! # What the crate does with each reply
//!
//! | KooDrive (or its gateway) sends | the call returns | retryable |
//! |---|---|---|
//! | HTTP 2xx, `code` 0, `downloads` | `Ok(Batch)`: a link or an [`ItemFailure`] per asked id, in request order | a failure: only code 13000201, or a file left out |
//! | an entry for an id not asked for (or more often than asked) | that entry in [`Batch::unattributed`]; the asked links are kept | — |
//! | a failure entry without `fileId` | the failure of the one id the reply left out when the counts agree and no link lacks its `fileId`, else in [`Batch::unattributed`] with its code and message | — |
//! | a link entry without `fileId` | in [`Batch::unattributed`] (it cannot be trusted to be the left-out file's); that file is [`FailureReason::Missing`] | — |
//! | a success entry whose `url` is null, empty or not a link | that file's [`FailureReason::UnusableLink`] (`url` carries the link: strict) | no |
//! | `batchCode` contradicting the per-file codes, or not 0, 1 or 2 | [`Error::UnexpectedResponse`] | no |
//! | `{"code": ≠0, "msg"}` under HTTP 200, 400 or 500 | [`Error::Api`] with [`Code`] | code 13000201, or HTTP 429 or a 5xx but 501 |
//! | the gateway's `{"error_code": "APIG.…"/"APIGW.…", "error_msg", "request_id"}` | [`Error::Api`] with [`ErrorDetail::gateway_code`]; the request id from the body, else `X-Request-Id` | HTTP 429 (`APIG.0308`) or a 5xx but 501 |
//! | `APIG.0303`/`APIGW.0303` "signature expired, …, server time:…" | signed again once with the server's time (from the message, else `Date`), which is remembered per base URL for the process (see [`X_DATE_BACKDATE`]) | — |
//! | `code` 0 under a non-2xx status; a body that is not JSON | [`Error::UnexpectedResponse`] keeping status and excerpt | HTTP 429 or a 5xx but 501 |
//!
//! Informational fields may be null or missing without failing anything: `msg`
//! (an empty message), `fileName` (no name), a per-file `code` (an empty code,
//! a failure) and `batchCode` (not checked). `code` and `downloads` are required.
//!
//! A refusal of the whole call stays one error (or one
//! [`FailureReason::CallFailed`] per id of a split request's call): KooDrive's
//! documented error body, `{"code", "msg"}` (and the gateway's), has no field
//! that names a file, so there is nothing structured to split it by, and `msg`
//! text is not parsed.
//!
//! ```no_run
//! use download_url::koodrive;
//!
//! // KOODRIVE_USER_ID and KOODRIVE_TOKEN, or KOODRIVE_APP_ID + KOODRIVE_APP_SECRET
//! let config = koodrive::Config::from_env()?;
//! let request = koodrive::Request::new("IAADfsBFCO6WtAtuA9add2fea594e4e75b8feb8474ef236", ["Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ"]);
//! let batch = koodrive::download_links(&download_url::agent(), &config, &request)?;
//! for link in &batch.links {
//!     println!("{} until {}", link.file_name.as_deref().unwrap_or("-"), link.expires);
//! }
//! for failed in &batch.failures {
//!     eprintln!("{failed}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use crate::config::{check_input, is_blank, BaseUrl, ParsedBase, MAX_ID_LEN};
pub use crate::error::koodrive::{Code, ErrorDetail};
use crate::http::{Call, Method, Reply};

mod sign;

use crate::error::{ApiDetail, Error, UnexpectedReason};
use crate::link::{attribute, ItemAnswer};
use crate::link::{Batch, DownloadLink, FailureReason, ItemFailure, Unattributed, VendorCode};
use crate::secret::Secret;
use crate::vendor::Vendor;
pub use sign::{
    authorization, canonical_query, canonical_request, canonical_uri, hashed_payload, signature,
    signed_headers, string_to_sign,
};

/// KooDrive's international endpoint (AP-Singapore).
pub const DEFAULT_BASE_URL: &str = "https://intl.myhuaweicloud-koodrive.com";
/// KooDrive's Chinese-site endpoint (CN North-Beijing4).
pub const CN_BASE_URL: &str = "https://cn.myhuaweicloud-koodrive.com";
/// The endpoint path.
pub const PATH: &str = "/koodrive/ose/v1/files/download";
/// The most file ids the vendor accepts in one call; [`download_links`] splits
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

/// How requests are authenticated. `Debug` hides the token and the app secret.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Connection settings for KooDrive.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Base URL, default [`DEFAULT_BASE_URL`] (see also [`CN_BASE_URL`]).
    pub base_url: BaseUrl,
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
    /// An overall cap on each call (DNS, connect, send, receive), e.g. the time
    /// left of a [`retry`](fn@crate::retry) budget. `None` (the default): only the
    /// agent's per-phase bounds apply. With a cap, ureq resolves the host on a
    /// helper thread, which costs tens of microseconds a call.
    pub call_timeout: Option<std::time::Duration>,
    /// How many calls of a request longer than [`MAX_IDS_PER_CALL`] ids run at
    /// once on the agent (default [`DEFAULT_CONCURRENCY`](crate::DEFAULT_CONCURRENCY),
    /// 4; 0 counts as 1, which sends the calls one after the other). Above the
    /// agent's idle connections per host (4 for [`agent()`](crate::agent())),
    /// some connections are closed after each batch instead of being reused.
    pub concurrency: usize,
    /// Retries each call of [`download_links`] on its own under this policy
    /// (default `None`: one attempt). See [`retry`](crate::retry()).
    pub retry: Option<crate::retry::RetryPolicy>,
}

impl Config {
    /// A config for the international endpoint.
    pub fn new(user_id: impl Into<String>, auth: Auth) -> Self {
        Config {
            base_url: DEFAULT_BASE_URL.into(),
            user_id: user_id.into(),
            auth,
            language: Some(DEFAULT_LANGUAGE.to_owned()),
            share_folder_id: None,
            trace_id: None,
            allow_insecure_http: false,
            call_timeout: None,
            concurrency: crate::batch::DEFAULT_CONCURRENCY,
            retry: None,
        }
    }

    /// A config from the environment: `KOODRIVE_USER_ID`, then either
    /// `KOODRIVE_TOKEN` (with the prefix `KOODRIVE_TOKEN_PREFIX` when set, else
    /// [`DEFAULT_TOKEN_PREFIX`]) or `KOODRIVE_APP_ID` + `KOODRIVE_APP_SECRET`;
    /// `KOODRIVE_BASE_URL` optional.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the variable that is missing, or naming
    /// `KOODRIVE_TOKEN` when both a token and an app id are set.
    pub fn from_env() -> Result<Self, Error> {
        use crate::config::{env_optional, env_required};
        let user_id = env_required(Vendor::KooDrive, "KOODRIVE_USER_ID")?;
        let both = "set either KOODRIVE_TOKEN or KOODRIVE_APP_ID + KOODRIVE_APP_SECRET, not both";
        let token = env_optional("KOODRIVE_TOKEN");
        let auth = match (token, env_optional("KOODRIVE_APP_ID")) {
            (Some(_), Some(_)) => return Err(invalid("KOODRIVE_TOKEN", both)),
            (Some(token), None) => {
                let prefix = std::env::var("KOODRIVE_TOKEN_PREFIX");
                Auth::token_with_prefix(token, prefix.as_deref().unwrap_or(DEFAULT_TOKEN_PREFIX))
            }
            (None, Some(app_id)) => {
                let app_secret = env_required(Vendor::KooDrive, "KOODRIVE_APP_SECRET")?;
                Auth::app_signature(app_id, app_secret)
            }
            (None, None) => {
                let why = "is not set (nor KOODRIVE_APP_ID + KOODRIVE_APP_SECRET)";
                return Err(invalid("KOODRIVE_TOKEN", why));
            }
        };
        let mut config = Config::new(user_id, auth);
        crate::config::env_base_url(&mut config.base_url, "KOODRIVE_BASE_URL");
        Ok(config)
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

    /// The same space with other file ids (e.g. the failed ones of a [`Batch`]).
    pub fn with_file_ids<I, S>(&self, file_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Request::new(self.container_id.clone(), file_ids)
    }
}

/// The vendor's `batchCode`: how many files of a call succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchCode {
    /// 0: some files succeeded, some failed.
    Partial = 0,
    /// 1: every file succeeded.
    AllSucceeded = 1,
    /// 2: every file failed.
    AllFailed = 2,
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
        self as i64
    }
}

// ---------------------------------------------------------------------------
// Wire types

/// The request body.
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
    request_id: Option<String>,
}

// `msg`, `fileId` and a per-file `code` are informational: a real backend sends
// `null` or leaves them out (e.g. HTTP 400 `{"code":13000102,"msg":null}`), and
// that must not throw away the good links beside them.
#[derive(Deserialize)]
struct WireEnvelope {
    #[serde(deserialize_with = "integer")]
    code: i64,
    msg: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireReply {
    #[serde(deserialize_with = "integer")]
    code: i64,
    // Informational: null or missing does not fail the reply.
    #[serde(default, deserialize_with = "optional_integer")]
    batch_code: Option<i64>,
    downloads: Vec<WireDownload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireDownload {
    file_id: Option<String>,
    #[serde(default, deserialize_with = "code")]
    code: Option<VendorCode>,
    msg: Option<String>,
    file_name: Option<String>,
    url: Option<String>,
}

/// An integer or a string (some KooDrive APIs type codes as strings).
#[derive(Deserialize)]
#[serde(untagged, expecting = "an integer or a string")]
enum IntegerOrText {
    Integer(i64),
    Text(String),
}

/// An integer, also accepted as a string of digits.
fn integer<'de, D: Deserializer<'de>>(de: D) -> Result<i64, D::Error> {
    optional_integer(de)?.ok_or_else(|| serde::de::Error::custom("expected an integer code"))
}

/// [`integer`], or `null`.
fn optional_integer<'de, D: Deserializer<'de>>(de: D) -> Result<Option<i64>, D::Error> {
    let not_integer = || serde::de::Error::custom("expected an integer code");
    code(de)?
        .map(|code| number(&code).ok_or_else(not_integer))
        .transpose()
}

/// A per-file code exactly as it arrived (a string on the wire in the vendor's
/// examples, a number in some replies), or `null`.
fn code<'de, D: Deserializer<'de>>(de: D) -> Result<Option<VendorCode>, D::Error> {
    let code = Option::<IntegerOrText>::deserialize(de)?;
    Ok(code.map(|code| match code {
        IntegerOrText::Integer(n) => VendorCode::Number(n),
        IntegerOrText::Text(text) => VendorCode::Text(text),
    }))
}

// ---------------------------------------------------------------------------
// The call

/// Gets download links for every file of `request`, in calls of at most
/// [`MAX_IDS_PER_CALL`] ids, [`Config::concurrency`] of them at a time on
/// `agent`, merged into one [`Batch`] in request order.
///
/// A request of more than 100 ids is several calls. Only an error that dooms
/// every call is returned as `Err` (invalid input, HTTP 401/403 — the API
/// gateway's refusals —, code 13000301 space not found, a DNS or TLS failure),
/// and no further call is started; any other failed call (timeout, reset, 5xx,
/// rate limit, a reply outside the contract) is retried under
/// [`Config::retry`] when set, then becomes a
/// [`FailureReason::CallFailed`] for each of its ids while the other calls go
/// on. A request of at most 100 ids is one call, whose error is returned as it
/// is.
///
/// Every requested id is accounted for, in request order: a link, or a failure —
/// the vendor refused the file (its per-file code and message), the reply left it
/// out, or its link is unusable. What a reply says about an id that was not
/// asked for, or about no id, goes to [`Batch::unattributed`] and never costs the
/// asked ids their links.
///
/// ```
/// # #[cfg(feature = "fake")] {
/// use download_url::{agent, fake, koodrive};
///
/// let server = fake::FakeServer::start()?;
/// let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
/// let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
/// config.base_url = server.base_url();
/// let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
/// let batch = koodrive::download_links(&agent(), &config, &request)?;
/// assert_eq!(batch.links[0].file_name.as_deref(), Some("Invoice 1.pdf"));
/// assert_eq!(batch.links[0].item, fake::KOODRIVE_FILE_ID);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`Error::InvalidInput`]: an empty container id, no file ids or an empty one,
///   an empty user id, token, app id or app secret, a trace id that is not 58
///   letters, digits or `_`, an unusable base URL, or a header value that cannot
///   be sent (nothing is sent).
/// - [`Error::Api`] with [`ApiDetail::KooDrive`]: a top-level `code` other than 0
///   (under any status; see [`Code`]) or a refusal by the API gateway
///   ([`ErrorDetail::gateway_code`]).
/// - [`Error::UnexpectedResponse`]: a body that is not KooDrive's (HTML, truncated,
///   oversized, wrong shape), an undocumented or contradicting `batchCode`, or
///   `code` 0 under a non-2xx status.
/// - [`Error::Transport`]: no complete reply.
pub fn download_links(
    agent: &ureq::Agent,
    config: &Config,
    request: &Request,
) -> Result<Batch, Error> {
    let base = validate(config, request)?;
    let chunks = crate::batch::Chunks {
        vendor: Vendor::KooDrive,
        size: MAX_IDS_PER_CALL,
        concurrency: config.concurrency,
        retry: config.retry.as_ref(),
        // The space is every call's: not finding it dooms them all.
        dooms: |err| err.code() == Some(Code::ContainerNotFound.code()),
        smaller: crate::batch::no_limit,
    };
    chunks.run(&request.file_ids, |ids| {
        decode(&send(agent, config, base, &request.container_id, ids)?, ids)
    })
}

/// Gets the download link of one file: `request` holds exactly one file id. A
/// refusal of that file is an [`Error::Api`] with its per-file code.
///
/// ```
/// # #[cfg(feature = "fake")] {
/// use download_url::{agent, fake, koodrive};
///
/// let server = fake::FakeServer::start()?;
/// let auth = koodrive::Auth::token(fake::KOODRIVE_TOKEN);
/// let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
/// config.base_url = server.base_url();
/// let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
/// let link = koodrive::download_link(&agent(), &config, &request)?;
/// assert!(!link.is_expired());
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`download_links`], plus [`Error::InvalidInput`] for a request without
/// exactly one file id, and [`Error::Api`] when the vendor refused the file.
pub fn download_link(
    agent: &ureq::Agent,
    config: &Config,
    request: &Request,
) -> Result<DownloadLink, Error> {
    if request.file_ids.len() != 1 {
        let why = "download_link takes exactly one file id; use download_links for several";
        return Err(invalid("file_ids", why));
    }
    let base = validate(config, request)?;
    let ids = &request.file_ids;
    let reply = send(agent, config, base, &request.container_id, ids)?;
    let batch = decode(&reply, ids)?;
    reply.single(batch, |failure| file_refused(&reply, failure))
}

/// The call's error for a file the vendor refused (a one-file request).
fn file_refused(reply: &Reply, failure: ItemFailure) -> Error {
    let (number, message) = match &failure.reason {
        FailureReason::Refused { code, message } => (number(code), message.as_str()),
        _ => (None, ""),
    };
    let detail = api_detail(number.map(Code::from_code), None);
    reply.api_error(number, message, None, failure.is_retryable(), detail)
}

/// KooDrive's part of an [`Error::Api`].
fn api_detail(code: Option<Code>, gateway_code: Option<String>) -> ApiDetail {
    ApiDetail::KooDrive(ErrorDetail { code, gateway_code })
}

/// A per-file code as a number, when it is one or a string of digits.
fn number(code: &VendorCode) -> Option<i64> {
    match code {
        VendorCode::Number(n) => Some(*n),
        VendorCode::Text(t) => t.trim().parse().ok(),
    }
}

fn invalid(field: &'static str, reason: &str) -> Error {
    Error::invalid(Vendor::KooDrive, field, reason.to_owned())
}

fn validate<'c>(config: &'c Config, request: &Request) -> Result<&'c ParsedBase, Error> {
    let base = config.base_url.parsed(Vendor::KooDrive)?;
    // The user id and the token are checked where they are sent (`Call::header`,
    // `Call::credential`), still before anything goes out.
    if let Auth::AppSignature { app_id, app_secret } = &config.auth {
        if is_blank(app_id) {
            return Err(invalid("app_id", "must not be empty"));
        }
        if app_id.contains([',', ' ']) || !crate::url::is_ascii_text(app_id) {
            return Err(invalid(
                "app_id",
                "must be visible ASCII without `,` or spaces",
            ));
        }
        if app_secret.is_empty() {
            return Err(invalid("app_secret", "must not be empty"));
        }
    }
    let trace_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bad_trace = |id: &String| id.len() != TRACE_ID_LEN || !id.bytes().all(trace_char);
    if config.trace_id.as_ref().is_some_and(bad_trace) {
        let why = "must be exactly 58 letters, digits or `_`";
        return Err(invalid("trace_id", why));
    }
    for (field, value) in [
        ("language", &config.language),
        ("share_folder_id", &config.share_folder_id),
    ] {
        if value.as_deref().is_some_and(is_blank) {
            return Err(invalid(field, "must not be empty (use None to send none)"));
        }
    }
    let container_id = &request.container_id;
    check_input(Vendor::KooDrive, "container_id", container_id, MAX_ID_LEN)?;
    if request.file_ids.is_empty() {
        return Err(invalid("file_ids", "must list at least one file id"));
    }
    for id in &request.file_ids {
        check_input(Vendor::KooDrive, "file_ids", id, MAX_ID_LEN)?;
    }
    Ok(base)
}

/// How far `X-Date` is set back from the local clock: the gateway refuses a date
/// in its future, so a client clock up to this much fast still works; the
/// 15-minute window leaves ample room behind.
///
/// A clock further off is refused once (`APIG.0303` "signature expired"); the
/// server time the refusal states is then remembered per base URL for the rest
/// of the process, so that only the calls already under way pay one extra
/// request each, and every later call (any config, any agent) is dated right
/// the first time.
pub const X_DATE_BACKDATE: time::Duration = time::Duration::seconds(30);

/// What the gateways in front of KooDrive said about this machine's clock:
/// their time less the local time, per base URL (scheme and host), learned from
/// a refused `X-Date` and kept for the life of the process — a config or an
/// agent cannot carry it, and every later call to that gateway needs it.
static CLOCK_OFFSETS: Mutex<BTreeMap<String, time::Duration>> = Mutex::new(BTreeMap::new());

/// Sends one call. `X-Date` is the local time, corrected by the offset learned
/// for this base URL (if any), less [`X_DATE_BACKDATE`]. When the gateway still
/// refuses the date (`APIG.0303` or `APIGW.0303`, "signature expired"), the
/// server time it states (its message's `server time:`, else its `Date`
/// header) is remembered for this base URL and the call is signed again once
/// with it: of calls that run at once, each of the first wave pays one extra
/// request; any call after that pays none.
fn send(
    agent: &ureq::Agent,
    config: &Config,
    base: &ParsedBase,
    container_id: &str,
    ids: &[String],
) -> Result<Reply, Error> {
    // The gateway: scheme and host (with a port other than the scheme's).
    let key = [base.scheme, "://", &base.host_header].concat();
    let offset = crate::batch::lock(&CLOCK_OFFSETS).get(&key).copied();
    // Checked: a server time near year 9999 must not make a later call panic.
    let local = OffsetDateTime::now_utc();
    let now = local
        .checked_add(offset.unwrap_or_default())
        .unwrap_or(local);
    let reply = send_dated(agent, config, base, container_id, ids, now)?;
    let Some(server_now) = refused_date_correction(&reply, now) else {
        return Ok(reply);
    };
    crate::batch::lock(&CLOCK_OFFSETS).insert(key, server_now - OffsetDateTime::now_utc());
    send_dated(agent, config, base, container_id, ids, server_now)
}

/// The server's time, when `reply` refuses the call's `X-Date` and states a time
/// (in its message, else its `Date` header) far enough from `sent_at` to
/// explain it.
fn refused_date_correction(reply: &Reply, sent_at: OffsetDateTime) -> Option<OffsetDateTime> {
    if reply.is_success() {
        return None;
    }
    let gateway = reply.try_json::<WireGatewayError>()?;
    let msg = gateway.error_msg.to_ascii_lowercase();
    let date_code = matches!(gateway.error_code.as_str(), "APIG.0303" | "APIGW.0303");
    if !date_code || !(msg.contains("expired") || msg.contains("date")) {
        return None;
    }
    let stated = msg
        .split_once("server time:")
        .and_then(|(_, rest)| rest.trim_start().get(..16))
        .and_then(|text| crate::expiry::parse_amz_date(&text.to_ascii_uppercase()));
    let server_now = stated.or_else(|| {
        let date = reply.header("date")?;
        OffsetDateTime::parse(date, &time::format_description::well_known::Rfc2822).ok()
    })?;
    // Only a clock that differs by more than the margin explains the refusal.
    let skew = (server_now - sent_at).abs();
    (skew > time::Duration::seconds(1)).then_some(server_now)
}

fn send_dated(
    agent: &ureq::Agent,
    config: &Config,
    base: &ParsedBase,
    container_id: &str,
    ids: &[String],
    now: OffsetDateTime,
) -> Result<Reply, Error> {
    let signed_at = now.checked_sub(X_DATE_BACKDATE).unwrap_or(now);
    let x_date = crate::expiry::format_amz_date(signed_at);
    // x-user-id, x-date, language, x-hw-share-folder-id, x-traceid, host,
    // authorization.
    let mut call = Call::new(Vendor::KooDrive, Method::Post, base, &[PATH])
        .header("x-user-id", "user_id", &config.user_id)?
        .header("x-date", "x_date", &x_date)?;
    if let Some(language) = &config.language {
        call = call.header("language", "language", language)?;
    }
    if let Some(folder) = &config.share_folder_id {
        call = call.header("x-hw-share-folder-id", "share_folder_id", folder)?;
    }
    if let Some(trace_id) = &config.trace_id {
        call = call.header("x-traceid", "trace_id", trace_id)?;
    }
    let body = WireRequest {
        container_id,
        file_ids: ids,
    };
    let call = call.json(crate::encode::json_body(&body));
    let call = match &config.auth {
        Auth::Token { token, prefix } => {
            call.credential("authorization", "token", prefix, token)?
        }
        Auth::AppSignature { app_id, app_secret } => {
            // The Host signed is the one sent: every call sets it explicitly (see
            // `Call::new`), so no client default (port shown or not) can differ.
            let why = "contains characters that cannot be sent in an HTTP header";
            let host = call.host().ok_or_else(|| invalid("base_url", why))?;
            let headers = [
                ("host", host),
                ("x-date", x_date.as_str()),
                ("x-user-id", config.user_id.as_str()),
            ];
            let (path, query) = sign::request_target(call.url());
            let canonical = canonical_request("POST", path, query, &headers, call.body());
            let signed = signature(app_secret, &string_to_sign(&canonical));
            let value = authorization(app_id, &signed_headers(&headers), &signed);
            call.credential("authorization", "app_secret", "", &Secret::new(value))?
                .carrying_secrets([app_secret.clone()])
        }
    };
    call.allow_insecure_http(config.allow_insecure_http)
        .call_timeout(config.call_timeout)
        .send(agent)
}

/// Decodes the reply of one call for `ids` (the whole contract after the
/// transport).
pub(crate) fn decode<S: AsRef<str>>(reply: &Reply, ids: &[S]) -> Result<Batch, Error> {
    // One pass for the common case: a 2xx reply with code 0 and its downloads.
    // Anything else goes through the gateway / envelope checks below.
    let wire = match reply.try_json::<WireReply>() {
        Some(wire) if wire.code == 0 && reply.is_success() => wire,
        _ => refusal(reply)?,
    };
    let mut succeeded = 0usize;
    let mut answers = Vec::with_capacity(wire.downloads.len());
    // Failures without a usable `fileId`: attributed to the ids the reply left
    // out only when their counts agree, so that no file is counted twice.
    let mut unattributed = Vec::new();
    for item in wire.downloads {
        let ok = matches!(&item.code, Some(VendorCode::Number(0)))
            || matches!(&item.code, Some(VendorCode::Text(t)) if t.trim() == "0");
        let answer = if ok {
            succeeded += 1;
            match crate::url::check_link(item.url.as_deref().unwrap_or("")) {
                Ok(url) => {
                    let name = item.file_name.filter(|n| !n.is_empty());
                    let expiry = crate::expiry::recognise(url);
                    ItemAnswer::Link(DownloadLink::new(Vendor::KooDrive, "", url, name, expiry))
                }
                Err(why) => {
                    let why = format!("`url` {why}");
                    ItemAnswer::Failed(FailureReason::UnusableLink { why }, false)
                }
            }
        } else {
            let code = item.code.unwrap_or(VendorCode::Text(String::new()));
            let retryable = number(&code).is_some_and(|n| Code::from_code(n).is_retryable());
            let code = match code {
                VendorCode::Text(t) => VendorCode::Text(reply.redact(&t)),
                other => other,
            };
            let message = reply.redact(&item.msg.unwrap_or_default());
            ItemAnswer::Failed(FailureReason::Refused { code, message }, retryable)
        };
        match item.file_id.filter(|id| !is_blank(id)) {
            Some(id) => answers.push((id, answer)),
            None => unattributed.push(answer),
        }
    }
    let failed = answers.len() + unattributed.len() - succeeded;
    if let Some(code) = wire.batch_code {
        let contradicts = match BatchCode::from_code(code) {
            None => {
                let note = format!("undocumented batchCode {code}");
                return Err(reply.unexpected(UnexpectedReason::InvalidContent, Some(note)));
            }
            Some(BatchCode::AllSucceeded) => failed > 0,
            Some(BatchCode::AllFailed) => succeeded > 0,
            Some(BatchCode::Partial) => false,
        };
        if contradicts {
            let note = format!("batchCode {code} contradicts the per-file codes");
            return Err(reply.unexpected(UnexpectedReason::InvalidContent, Some(note)));
        }
    }
    // Answers for ids not asked for go to `unattributed`, never over ours.
    let mut batch = attribute(Vendor::KooDrive, ids, answers);
    let missing: Vec<usize> = (0..batch.failures.len())
        .filter(|&at| batch.failures[at].reason == FailureReason::Missing)
        .collect();
    // Failures without a file id fill the left-out ids in order, and only when
    // there are exactly as many of each and no link without a file id (which
    // could be any left-out id's as well); otherwise none is attributed.
    let is_failure = |answer: &ItemAnswer| matches!(answer, ItemAnswer::Failed(..));
    let fill = if unattributed.len() == missing.len() && unattributed.iter().all(is_failure) {
        missing
    } else {
        Vec::new()
    };
    let mut missing = fill.into_iter();
    for answer in unattributed {
        match (answer, missing.next()) {
            (ItemAnswer::Failed(reason, retryable), Some(at)) => {
                let item = batch.failures[at].item.clone();
                batch.failures[at] = ItemFailure::new(Vendor::KooDrive, item, reason, retryable);
            }
            // A link without a file id cannot be trusted to be that file's,
            // and a failure no left-out id can take keeps its code here.
            (answer, _) => {
                let answer =
                    Unattributed::new(Vendor::KooDrive, None, answer.into_unattributed(""));
                batch.unattributed.push(answer);
            }
        }
    }
    Ok(batch)
}

/// A reply that is not a plain success: the gateway's or the vendor's refusal, or
/// the reason it does not decode.
fn refusal(reply: &Reply) -> Result<WireReply, Error> {
    let retryable_status = crate::error::retryable_status(reply.status);
    if let Some(gateway) = reply.try_json::<WireGatewayError>() {
        let detail = api_detail(None, Some(reply.redact(&gateway.error_code)));
        let message = &gateway.error_msg;
        return Err(reply.api_error(None, message, gateway.request_id, retryable_status, detail));
    }
    let envelope: WireEnvelope = reply.json()?;
    if envelope.code != 0 {
        let code = Code::from_code(envelope.code);
        let retryable = code.is_retryable() || retryable_status;
        let message = envelope.msg.as_deref().unwrap_or("");
        let detail = api_detail(Some(code), None);
        return Err(reply.api_error(Some(envelope.code), message, None, retryable, detail));
    }
    if !reply.is_success() {
        let note = "code 0 under a non-2xx status".to_owned();
        return Err(reply.unexpected(UnexpectedReason::Status, Some(note)));
    }
    reply.json::<WireReply>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::koodrive::CODES;

    #[test]
    fn codes_round_trip() {
        for &(named, n, _) in CODES {
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
        for code in 0..3 {
            assert_eq!(BatchCode::from_code(code).map(BatchCode::code), Some(code));
        }
        assert_eq!(BatchCode::from_code(3), None);
    }

    #[test]
    fn wire_codes_are_lenient() {
        let item: WireDownload = serde_json::from_str(r#"{"fileId":"f","code":13000302}"#).unwrap();
        assert_eq!(item.code, Some(VendorCode::Number(13000302)));
        let item: WireDownload = serde_json::from_str(r#"{"fileId":null,"code":null}"#).unwrap();
        assert_eq!((item.file_id, item.code), (None, None));
        let env: WireEnvelope = serde_json::from_str(r#"{"code":13000102,"msg":null}"#).unwrap();
        assert_eq!(env.msg, None);
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
