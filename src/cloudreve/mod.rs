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
//! [`ErrorDetail::aggregated_error`] says what went wrong per URI;
//! [`download_links`] turns that into the links of the other URIs (asking for
//! them once more) and one [`FailureReason::Refused`] per named URI. With
//! [`Request::skip_error`] the call succeeds with the links that worked and one
//! [`ItemFailure`] per URI that got none ([`FailureReason::NoReason`]: the server
//! says nothing about why).
//!
//! # What the crate does with each reply
//!
//! | the site answers | [`download_links`] | [`download_link`] |
//! |---|---|---|
//! | code 0, `urls` positional | a link per URI | the link |
//! | code 0, `expires: null` (also under `skip_error`) | expiry from the URL's `sign`, else `Unknown` | same |
//! | code 0, an empty `url` under `skip_error` | that URI's `NoReason` (retryable) | `UnexpectedResponse` |
//! | code 0, a relative or unusable `url` | that URI's `UnusableLink` | `UnexpectedResponse` |
//! | 40081 naming some URIs | named: `Refused { code, message }` with their own codes (retryable for `5xxxx` and -1); the others asked for once more, in one extra call | `Err` (`Api`, [`ErrorDetail::uri_error`] per URI) |
//! | 40081 whose every URI got 401 (not signed in, or an expired token) or 40088 (sign-in required for this share) | `Err`: the caller may not, whatever the URI | `Err` |
//! | top-level 401, 40020, 40088, 40089 | `Err` | `Err` |
//! | 40074 "Maximum allowed batch size: N" | cut into calls of N | `Err` |
//! | code -1 (`CodeNotSet`), often with an empty `msg` | `Err`, retryable | same |
//! | any other code (on any HTTP status) | `Err` (`Api`, code kept; retryable for `5xxxx`, 429 and 5xx) | same |
//! | 302 to `redirect` with one URI | the `Location` as the link, never followed | same |
//! | any other 3xx (a proxy's 308, an SSO page's 301) | `UnexpectedResponse` naming the status and the `Location`'s host | same |
//! | a proxy's HTML (413, 502…) | `UnexpectedResponse` with the status | same |
//!
//! Upstream limitation: under `skip_error` an expired access token (treated as
//! anonymous) leaves empty slots with no reason at all — [`FailureReason::NoReason`]
//! for every URI of your own files; ask without `skip_error` to learn the 401.
//!
//! ```no_run
//! use download_url::cloudreve;
//!
//! let config = cloudreve::Config::from_env()?; // CLOUDREVE_BASE_URL, optional CLOUDREVE_TOKEN
//! let mut request = cloudreve::Request::new([cloudreve::my_uri("Music/The Man.mp3")]);
//! request.download = Some(true);
//! let link = cloudreve::download_link(&download_url::agent(), &config, &request)?;
//! println!("{} until {}", link.file_name.as_deref().unwrap_or("-"), link.expires);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::BaseUrl;
pub use crate::error::cloudreve::{Code, ErrorDetail, UriError};
use crate::error::{ApiDetail, Error, UnexpectedReason};
use crate::expiry::Expiry;
use crate::http::{Call, Method, Reply};
use crate::link::{Batch, DownloadLink, FailureReason, ItemFailure, VendorCode};
use crate::secret::Secret;
use crate::vendor::Vendor;

/// Cloudreve's API prefix; a base URL ending in it is accepted as well.
pub const API_PREFIX: &str = "/api/v4";
/// The endpoint path below [`API_PREFIX`].
pub const PATH: &str = "/file/url";
/// The scheme of Cloudreve file URIs.
pub const URI_SCHEME: &str = "cloudreve://";
/// Cloudreve's default batch limit (the site setting `max_batched_file`): the
/// most URIs [`download_links`] sends in one call unless
/// [`Config::max_uris_per_call`] says otherwise.
pub const DEFAULT_MAX_URIS_PER_CALL: usize = 3000;

mod uri;

use uri::{comparable, has_scheme, share_password};
pub use uri::{my_uri, redact_uri, share_uri, uri_from, uri_path};

/// Connection settings for a Cloudreve site.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The site's base URL, e.g. `https://cloud.example.com` (canonical) or
    /// `https://cloud.example.com/api/v4` (also accepted). Required: Cloudreve is
    /// self-hosted.
    pub base_url: BaseUrl,
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
    /// An overall cap on each call (DNS, connect, send, receive), e.g. the time
    /// left of a [`retry`](fn@crate::retry) budget. `None` (the default): only the
    /// agent's per-phase bounds apply. With a cap, ureq resolves the host on a
    /// helper thread, which costs tens of microseconds a call.
    pub call_timeout: Option<std::time::Duration>,
    /// The most URIs [`download_links`] sends in one call (default
    /// [`DEFAULT_MAX_URIS_PER_CALL`], Cloudreve's default `max_batched_file`; 0
    /// counts as 1). A site with a lower limit answers 40074 "Maximum allowed
    /// batch size: N"; the request is then cut at N without this being set.
    pub max_uris_per_call: usize,
    /// How many calls of a request longer than
    /// [`max_uris_per_call`](Config::max_uris_per_call) run at once on the agent
    /// (default [`DEFAULT_CONCURRENCY`](crate::DEFAULT_CONCURRENCY), 4; 0 counts
    /// as 1, which sends the calls one after the other).
    pub concurrency: usize,
    /// Retries each call of [`download_links`] on its own under this policy
    /// (default `None`: one attempt). See [`retry`](crate::retry()).
    pub retry: Option<crate::retry::RetryPolicy>,
}

impl Config {
    /// Anonymous access to the site at `base_url`.
    pub fn new(base_url: impl Into<BaseUrl>) -> Self {
        Config {
            base_url: base_url.into(),
            access_token: None,
            purchase_ticket: None,
            context_hint: None,
            allow_insecure_http: false,
            call_timeout: None,
            max_uris_per_call: DEFAULT_MAX_URIS_PER_CALL,
            concurrency: crate::batch::DEFAULT_CONCURRENCY,
            retry: None,
        }
    }

    /// A config from the environment: `CLOUDREVE_BASE_URL` (required: the site)
    /// and `CLOUDREVE_TOKEN` (optional: anonymous without).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `CLOUDREVE_BASE_URL` when it is unset or
    /// blank.
    pub fn from_env() -> Result<Self, Error> {
        use crate::config::{env_optional, env_required};
        let mut config = Config::new(env_required(Vendor::Cloudreve, "CLOUDREVE_BASE_URL")?);
        config.access_token = env_optional("CLOUDREVE_TOKEN").map(Secret::from);
        Ok(config)
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
    /// Preferred blob (entity) id. The server applies it to every URI (so with
    /// several URIs the others fail with 40077): the crate accepts it only with
    /// exactly one URI.
    pub entity: Option<String>,
    /// Force the site's primary URL as the host of the links.
    pub use_primary_site_url: Option<bool>,
    /// Return the links that worked instead of failing the whole call; each URI
    /// without a link becomes a failure of the [`Batch`] with
    /// [`FailureReason::NoReason`]: the server drops the reasons. Upstream
    /// limitation: with an expired access token (which the server treats as
    /// anonymous) every URI of your own files is such an empty slot — nothing
    /// says the token expired; without `skip_error` the same call names it (401
    /// per URI, an `Err`).
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

    /// The same options for other URIs (e.g. the failed ones of a [`Batch`]).
    pub fn with_uris<I, S>(&self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Request {
            uris: uris.into_iter().map(Into::into).collect(),
            ..self.clone()
        }
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

impl ErrorDetail {
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
            .map(|(k, v)| (crate::url::redact_url_queries(&redact_uri(k)), v))
            .collect();
        f.debug_struct("ErrorDetail")
            .field("code", &self.code)
            .field("error", &self.error)
            .field("aggregated_error", &aggregated)
            .finish()
    }
}

/// The JSON body of `POST /file/url`: a [`Request`] without its `None`s.
#[derive(Serialize)]
#[serde(remote = "Request")]
struct Body {
    uris: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    use_primary_site_url: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip_error: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    archive: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_cache: Option<bool>,
}

/// A [`Request`] that serializes as its [`Body`].
#[derive(Serialize)]
struct AsBody<'a>(#[serde(with = "Body")] &'a Request);

/// The envelope of a reply that did not decode as a success, and each entry of
/// its `aggregated_error` (the server fills both from one Go type).
#[derive(Deserialize)]
struct Envelope {
    code: i64,
    #[serde(default)]
    msg: String,
    error: Option<String>,
    correlation_id: Option<String>,
    aggregated_error: Option<BTreeMap<String, Envelope>>,
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
    #[serde(deserialize_with = "crate::expiry::rfc3339_option")]
    expires: Option<time::OffsetDateTime>,
}

#[derive(Deserialize)]
struct WireUrl {
    url: String,
    stream_saver_display_name: Option<String>,
}

/// Gets the temporary download URLs of several files: one link per URI, in
/// request order, each naming its URI as [`item`](DownloadLink::item); with
/// `archive`, one link for a zip of them all (its `item` is every URI, joined by
/// `\n`).
///
/// Without `skip_error`, the server fails the whole call when any URI fails
/// (40081, naming each failed URI with its code): each named URI becomes a
/// [`FailureReason::Refused`] with its own code and message, and the URIs the
/// refusal did not name are asked for once more, by themselves — **one extra
/// call per refused call**, never more; if that call fails too, its URIs get
/// the failure (`Refused` when it names them, else `CallFailed`). A 40081 that
/// names no URI sent, or whose every URI got 401 or 40088, stays `Err`. With
/// `skip_error`, the call succeeds and each URI without a link is a failure of
/// the batch. A URL the crate cannot use is that URI's failure, never the whole
/// call's.
///
/// Retryability: Cloudreve `5xxxx` codes, HTTP 429 and 5xx replies, and a 40081
/// whose every per-URI code is a `5xxxx` are retryable; all other codes are not.
///
/// More URIs than [`Config::max_uris_per_call`] (3000 by default, Cloudreve's
/// default limit) are sent in several calls, [`Config::concurrency`] at a time,
/// merged in request order; a site answering 40074 "Maximum allowed batch size:
/// N" gets calls of N URIs instead (learned from its message; half the URIs
/// when it states no number). `archive` and `redirect` requests are one link
/// for one call and are never split. With several calls, only an error that
/// dooms every call is returned as `Err` — invalid input, HTTP 401/403, codes
/// 401, 40020, 40088 and 40089, a 40081 in which every URI got 401 or 40088
/// (all mean the caller may not, whatever the URI), a DNS or TLS failure — and
/// no further call is started; a 40081 naming URIs of its own is handled as
/// above (its one extra call included); any other failed call is retried under
/// [`Config::retry`] when set, then becomes a [`FailureReason::CallFailed`] for
/// each of its URIs while the other calls go on. A request sent in one call
/// returns that call's other errors as they are.
///
/// ```
/// # #[cfg(feature = "fake")] {
/// use download_url::{agent, cloudreve, fake};
///
/// let server = fake::FakeServer::start()?;
/// let mut config = cloudreve::Config::new(server.base_url());
/// config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
/// let request = cloudreve::Request::new([
///     cloudreve::my_uri("The Man.mp3"),
///     cloudreve::my_uri("folder/report.pdf"),
/// ]);
/// let batch = cloudreve::download_links(&agent(), &config, &request)?;
/// assert_eq!(batch.links.len(), 2);
/// assert_eq!(batch.links[0].item, "cloudreve://my/The%20Man.mp3");
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`Error::InvalidInput`] (nothing is sent): no URIs, a URI that is empty, not
///   `cloudreve://` or contains control characters, an empty `entity` or one with
///   several URIs, an empty token or ticket, a context hint that is not a UUID, or
///   an unusable base URL.
/// - [`Error::Api`] with [`ApiDetail::Cloudreve`]: the body `code` is not 0 (on any
///   HTTP status) and the failure is the whole call's: not a 40081 naming some
///   URIs sent (those are the URIs' failures), unless every URI got 401 or 40088,
///   for which [`ErrorDetail::uri_error`] gives each URI's error.
/// - [`Error::UnexpectedResponse`]: a body that is not the Cloudreve envelope
///   (HTML, truncated, too large, wrong shape), code 0 under a non-2xx status, a
///   redirect that was not asked for or is not a 302, or a URL list that does not
///   match the URIs (wrong length, an empty URL without `skip_error`).
/// - [`Error::Transport`]: no complete reply.
pub fn download_links(
    agent: &ureq::Agent,
    config: &Config,
    request: &Request,
) -> Result<Batch, Error> {
    // Nothing is sent when any URI is invalid.
    validate(request)?;
    // An archive (one zip) or a redirect (one Location) answers the request as a
    // whole: never split.
    let (size, smaller): (usize, crate::batch::Smaller) =
        if request.archive == Some(true) || request.redirect == Some(true) {
            (usize::MAX, crate::batch::no_limit)
        } else {
            (config.max_uris_per_call, stated_limit)
        };
    let chunks = crate::batch::Chunks {
        vendor: Vendor::Cloudreve,
        size,
        concurrency: config.concurrency,
        retry: config.retry.as_ref(),
        dooms: dooms_every_call,
        smaller,
    };
    let ask = |request: &Request| decode(&send(agent, config, request)?, request);
    chunks.run(&request.uris, |uris| {
        // A chunk of a longer request is a request of its own.
        let part =
            (uris.len() < request.uris.len()).then(|| request.with_uris(uris.iter().cloned()));
        let request = part.as_ref().unwrap_or(request);
        ask(request).or_else(|err| keep_the_others(err, request, ask))
    })
}

/// A 40081 that names some of the URIs of `request` (and dooms no call): the
/// named ones become [`FailureReason::Refused`] with their own codes, and the
/// others are asked for once more by `again` — one extra call, never more.
/// Any other error, and any error of an `archive` request, is returned as it is.
///
/// The extra call's own failure, unless it dooms every call, becomes each of
/// its URIs' failure: `Refused` for a URI a second 40081 names, else
/// [`FailureReason::CallFailed`].
fn keep_the_others(
    err: Error,
    request: &Request,
    again: impl Fn(&Request) -> Result<Batch, Error>,
) -> Result<Batch, Error> {
    let dooms = |err: &Error| crate::batch::dooms_every_call(err, dooms_every_call);
    let (named, rest): (Vec<_>, Vec<_>) = request
        .uris
        .iter()
        .map(|uri| (uri, refusal(&err, uri)))
        .partition(|(_, failure)| failure.is_some());
    if named.is_empty() || request.archive == Some(true) || dooms(&err) {
        return Err(err);
    }
    let mut batch = if rest.is_empty() {
        Batch::default()
    } else {
        match again(&request.with_uris(rest.iter().map(|(uri, _)| *uri))) {
            Ok(batch) => batch,
            Err(err) if dooms(&err) => return Err(err),
            Err(err) => {
                let failures = rest.iter().map(|(uri, _)| {
                    refusal(&err, uri)
                        .unwrap_or_else(|| crate::batch::call_failed(Vendor::Cloudreve, uri, &err))
                });
                Batch::new(Vec::new(), failures.collect())
            }
        }
    };
    let named = named.into_iter().filter_map(|(_, failure)| failure);
    batch.failures.extend(named);
    // Failures in request order, as every batch has them.
    let position = |failure: &ItemFailure| request.uris.iter().position(|uri| *uri == failure.item);
    batch.failures.sort_by_key(position);
    Ok(batch)
}

/// The [`FailureReason::Refused`] of `uri` when `err` is a 40081 that names it.
fn refusal(err: &Error, uri: &str) -> Option<ItemFailure> {
    let detail = ErrorDetail::of(err).filter(|d| d.code == Code::BatchNotFullyCompleted)?;
    let e = detail.uri_error(uri)?;
    let reason = FailureReason::Refused {
        code: VendorCode::Number(e.code.code()),
        message: e.msg.clone(),
    };
    let retryable = e.code.is_retryable();
    Some(ItemFailure::new(Vendor::Cloudreve, uri, reason, retryable))
}

/// Codes that mean the caller may not, whatever the URI: every call of a split
/// request would get them. A 40081 whose every URI got 401 (not signed in) or
/// 40088 (sign-in required for this share) is one of them.
fn dooms_every_call(err: &Error) -> bool {
    ErrorDetail::of(err).is_some_and(|detail| match detail.code {
        Code::BatchNotFullyCompleted => detail.every_uri(|code| matches!(code.code(), 401 | 40088)),
        code => matches!(code.code(), 401 | 40020 | 40088 | 40089),
    })
}

/// The batch limit a 40074 states ("Maximum allowed batch size: N", upstream's
/// `ValidateBatchFileCount`), or half of `sent` when it states none.
fn stated_limit(err: &Error, sent: usize) -> Option<usize> {
    if err.code() != Some(Code::TooManyUris.code()) {
        return None;
    }
    let message = err.message().unwrap_or("");
    let digits = message
        .rsplit(|c: char| !c.is_ascii_digit())
        .find(|d| !d.is_empty());
    // The runner takes only a limit in `1..sent`.
    Some(digits.and_then(|d| d.parse().ok()).unwrap_or(sent / 2))
}

/// Sends `request`, which the caller validated.
fn send(agent: &ureq::Agent, config: &Config, request: &Request) -> Result<Reply, Error> {
    let base = config.base_url.parsed(Vendor::Cloudreve)?;
    // A base URL given with its `/api/v4` is the site root all the same.
    let path: &[&str] = if base.root.ends_with(API_PREFIX) {
        &[PATH]
    } else {
        &[API_PREFIX, PATH]
    };
    let mut call = Call::new(Vendor::Cloudreve, Method::Post, base, path);
    if let Some(token) = &config.access_token {
        if token.is_empty() {
            return Err(invalid(
                "access_token",
                "must not be empty (use None for anonymous access)",
            ));
        }
        call = call.credential("authorization", "access_token", "Bearer ", token)?;
    }
    if let Some(ticket) = &config.purchase_ticket {
        call = call.credential("x-cr-purchase-ticket", "purchase_ticket", "", ticket)?;
    }
    if let Some(hint) = &config.context_hint {
        if !is_uuid(hint) {
            return Err(invalid(
                "context_hint",
                "must be a UUID such as b832b998-7ece-4ffd-ba6b-afb64530ca70",
            ));
        }
        call = call.header("x-cr-context-hint", "context_hint", hint)?;
    }
    // A share password inside a URI is a credential too: the cleartext guard applies.
    let passwords = request.uris.iter().flat_map(|uri| share_password(uri));
    call.json(crate::encode::json_body(&AsBody(request)))
        .carrying_secrets(passwords.map(Secret::from))
        .allow_insecure_http(config.allow_insecure_http)
        .call_timeout(config.call_timeout)
        .send(agent)
}

/// Gets the temporary download URL of one file: `request` holds exactly one URI
/// (or asks for an `archive`, which is one link for all its URIs).
///
/// ```
/// # #[cfg(feature = "fake")] {
/// use download_url::{agent, cloudreve, fake};
///
/// let server = fake::FakeServer::start()?;
/// let mut config = cloudreve::Config::new(server.base_url());
/// config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
/// let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
/// let link = cloudreve::download_link(&agent(), &config, &request)?;
/// assert_eq!(link.file_name.as_deref(), Some("The Man.mp3"));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`download_links`], plus [`Error::InvalidInput`] for a request with more
/// than one URI and no `archive`; a URI that got no link (under `skip_error`) or
/// an unusable URL is an [`Error::UnexpectedResponse`].
pub fn download_link(
    agent: &ureq::Agent,
    config: &Config,
    request: &Request,
) -> Result<DownloadLink, Error> {
    if request.uris.len() > 1 && request.archive != Some(true) {
        return Err(invalid(
            "uris",
            "download_link takes one URI (or an archive); use download_links for several",
        ));
    }
    validate(request)?;
    let reply = send(agent, config, request)?;
    let batch = decode(&reply, request)?;
    // Cloudreve refuses per URI only inside a 40081, which is an `Err` already.
    reply.single(batch, |failure| {
        invalid_content(&reply, failure.to_string())
    })
}

/// Decodes a reply to `request` (the whole contract after the transport; the
/// request says how many URIs were sent, and whether `redirect`, `skip_error` or
/// `archive` was asked for).
pub(crate) fn decode(reply: &Reply, request: &Request) -> Result<Batch, Error> {
    let data = if matches!(reply.status, 301 | 302 | 303 | 307 | 308) {
        redirected(reply, request)?
    } else {
        // One pass for the common case: a 2xx success. Anything else is decoded
        // again as the error envelope.
        match reply.try_json::<Success>() {
            Some(success) if success.code == 0 && reply.is_success() => success.data,
            _ => {
                let envelope: Envelope = reply.json()?;
                if envelope.code != 0 {
                    return Err(api_error(reply, envelope, request));
                }
                if !reply.is_success() {
                    let note = "code 0 under a non-2xx status".to_owned();
                    return Err(reply.unexpected(UnexpectedReason::Status, Some(note)));
                }
                reply.json::<Success>()?.data
            }
        }
    };
    if request.archive == Some(true) {
        let wire = match data.urls.as_slice() {
            [wire] if !crate::config::is_blank(&wire.url) => wire,
            _ => {
                let note = "an archive reply must hold exactly one non-empty url".to_owned();
                return Err(invalid_content(reply, note));
            }
        };
        let mut link = link(&request.uris.join("\n"), wire, data.expires)
            .map_err(|reason| invalid_content(reply, reason.to_string()))?;
        // The zip is none of the files: only a display name from the server names it.
        let name = wire.stream_saver_display_name.clone();
        link.file_name = name.filter(|n| !n.is_empty());
        return Ok(Batch::new(vec![link], Vec::new()));
    }
    if data.urls.len() != request.uris.len() {
        let note = format!("{} urls for {} uris", data.urls.len(), request.uris.len());
        return Err(invalid_content(reply, note));
    }
    let mut batch = Batch::default();
    for (index, (uri, wire)) in request.uris.iter().zip(&data.urls).enumerate() {
        if crate::config::is_blank(&wire.url) {
            if request.skip_error != Some(true) {
                let note = format!("empty url for uri #{index} without skip_error");
                return Err(invalid_content(reply, note));
            }
            // The server says nothing about why; asking again without
            // `skip_error` would tell, so the item is worth retrying.
            let failure = ItemFailure::new(Vendor::Cloudreve, uri, FailureReason::NoReason, true);
            batch.failures.push(failure);
            continue;
        }
        match link(uri, wire, data.expires) {
            Ok(link) => batch.links.push(link),
            Err(reason) => {
                let failure = ItemFailure::new(Vendor::Cloudreve, uri, reason, false);
                batch.failures.push(failure);
            }
        }
    }
    Ok(batch)
}

/// An [`Error::UnexpectedResponse`] for a reply whose content breaks the contract.
fn invalid_content(reply: &Reply, note: String) -> Error {
    reply.unexpected(UnexpectedReason::InvalidContent, Some(note))
}

fn invalid(field: &'static str, reason: &str) -> Error {
    Error::invalid(Vendor::Cloudreve, field, reason)
}

fn validate(request: &Request) -> Result<(), Error> {
    if request.uris.is_empty() {
        return Err(invalid("uris", "at least one URI is required"));
    }
    for (index, uri) in request.uris.iter().enumerate() {
        if crate::config::is_blank(uri) {
            return Err(invalid("uris", &format!("uri #{index} is empty")));
        }
        crate::config::check_input(Vendor::Cloudreve, "uris", uri, crate::config::MAX_URL_LEN)?;
        // Visible ASCII and spaces (the usual URI) hold no control character;
        // anything else is checked char by char.
        let problem = if !has_scheme(uri) {
            "is not a cloudreve:// URI (build one with my_uri or share_uri)"
        } else if !crate::url::is_ascii_text(uri) && uri.chars().any(char::is_control) {
            "contains control characters"
        } else {
            continue;
        };
        return Err(invalid("uris", &format!("uri #{index} {problem}")));
    }
    match &request.entity {
        Some(entity) if crate::config::is_blank(entity) => {
            Err(invalid("entity", "must not be empty"))
        }
        // Upstream applies `entity` to every URI: with several, all but the one
        // owning that blob fail (40077 inside 40081).
        Some(_) if request.uris.len() > 1 => Err(invalid(
            "entity",
            "names one file's blob: use it with exactly one URI",
        )),
        _ => Ok(()),
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    text.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

fn api_error(reply: &Reply, envelope: Envelope, request: &Request) -> Error {
    let redact = |text: Option<String>| text.map(|t| reply.redact(&t));
    // A key naming a URI asked for is the caller's own (`Debug` hides its share
    // password); any other key is server text, redacted like the rest.
    let asked: std::collections::HashSet<String> =
        request.uris.iter().map(|u| comparable(u)).collect();
    let key = |uri: String| {
        if asked.contains(&comparable(&uri)) {
            uri
        } else {
            reply.redact(&uri)
        }
    };
    let uri_error = |e: Envelope| UriError {
        code: Code::from_code(e.code),
        msg: reply.redact(&e.msg),
        error: redact(e.error),
        correlation_id: redact(e.correlation_id),
    };
    let aggregated = envelope.aggregated_error.unwrap_or_default().into_iter();
    let detail = ErrorDetail {
        code: Code::from_code(envelope.code),
        error: redact(envelope.error),
        aggregated_error: aggregated
            .map(|(uri, e)| (key(uri), uri_error(e)))
            .collect(),
    };
    let retryable = detail.code.is_retryable()
        || detail.every_uri(Code::is_retryable)
        || crate::error::retryable_status(reply.status);
    reply.api_error(
        Some(envelope.code),
        &envelope.msg,
        envelope.correlation_id,
        retryable,
        ApiDetail::Cloudreve(detail),
    )
}

/// A 3xx answer to `redirect: true` with one URI: only a 302 carries the link,
/// which becomes the one `url` of a reply (never followed).
///
/// Under `skip_error` a failed item makes the server redirect to an empty target,
/// which Go's `http.Redirect` turns into the request's directory
/// (`/api/v4/file/`): any `Location` that is not an absolute `http(s)://` URL is
/// that failure (an empty `url`, as in a JSON reply), never a link. The
/// `Location` passes the same link check as every other vendor link.
fn redirected(reply: &Reply, request: &Request) -> Result<WireData, Error> {
    if request.redirect != Some(true) || request.archive == Some(true) || request.uris.len() != 1 {
        let note = "a redirect that was not asked for".to_owned();
        return Err(reply.unexpected(UnexpectedReason::Status, Some(note)));
    }
    let location = reply.header("location").unwrap_or("").trim();
    if reply.status != 302 {
        // Upstream answers `redirect` only with 302 (`c.Redirect(http.StatusFound,
        // …)`): any other 3xx comes from something in front of the site — a
        // proxy's 308, an SSO login page — and is no file link.
        let target = location_host(location).unwrap_or("a relative location");
        let note = format!(
            "a {} redirect to {target}, not the file link (the site answers only 302)",
            reply.status
        );
        return Err(reply.unexpected(UnexpectedReason::Status, Some(note)));
    }
    let url = if is_absolute_http(location) {
        location.to_owned()
    } else if request.skip_error == Some(true) {
        String::new()
    } else {
        let note = "redirect without an absolute Location".to_owned();
        return Err(invalid_content(reply, note));
    };
    let wire = WireUrl {
        url,
        stream_saver_display_name: None,
    };
    Ok(WireData {
        urls: vec![wire],
        expires: None,
    })
}

/// The link for `item`: the file name is `stream_saver_display_name`, else the
/// last segment of the URI; the expiry is the earlier of the reply's `expires`
/// and the URL's own.
fn link(
    item: &str,
    wire: &WireUrl,
    expires: Option<time::OffsetDateTime>,
) -> Result<DownloadLink, FailureReason> {
    let url = crate::url::check_link(&wire.url).map_err(|why| FailureReason::UnusableLink {
        why: format!("`url` {why}"),
    })?;
    let name = wire
        .stream_saver_display_name
        .clone()
        .filter(|n| !n.is_empty());
    let file_name = name.or_else(|| uri::file_name(item));
    let expiry = expires
        .map_or(Expiry::Unknown, Expiry::at)
        .earliest(crate::expiry::recognise(url));
    let link = DownloadLink::new(Vendor::Cloudreve, item, url, file_name, expiry);
    Ok(link)
}

/// The host (and port) of an absolute `http(s)://` location, without user
/// info, path or query: what an error may say about where a redirect went.
fn location_host(location: &str) -> Option<&str> {
    let (_, rest) = crate::url::split_http_scheme(location)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    (!host.is_empty() && crate::url::is_printable(host)).then_some(host)
}

/// An `http(s)://` URL with a host and no whitespace. Control characters are not
/// refused here (unlike kie.ai and KooDrive links).
fn is_absolute_http(url: &str) -> bool {
    crate::url::split_http_scheme(url).is_some_and(|(_, r)| {
        !r.is_empty() && !r.starts_with(['/', '?', '#']) && !r.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::cloudreve::CODES;

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
