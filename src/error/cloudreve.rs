//! Cloudreve's named codes and per-URI errors, the payload of
//! [`ApiDetail::Cloudreve`](crate::ApiDetail::Cloudreve) (public under
//! `download_url::cloudreve`). The methods that need Cloudreve's URI rules
//! (`ErrorDetail::uri_error`, `Debug`) are in `src/cloudreve/`.

use std::collections::BTreeMap;

use crate::error::{ApiDetail, Error};

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
        /// -1: upstream's "code not set" (`serializer.CodeNotSet`), used for
        /// unclassified internal errors, at the top level and as the starting code
        /// of every `aggregated_error` entry. Retryable.
        NotSet = -1 => "unclassified server error",
        /// 401: not signed in (no token, or an expired one: upstream treats both as
        /// anonymous).
        LoginRequired = 401 => "not signed in or token expired",
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
        /// 40088: upstream's `CodeAnonymouseAccessDenied`: a share link reached
        /// as the anonymous user — no token, or an expired one (upstream treats
        /// both alike) — whose share needs a signed-in user.
        AnonymousAccessDenied = 40088 => "sign-in required for this share",
        /// 40089: `CodeInsufficientScope` upstream: an OAuth token without the
        /// scope the call needs (`Files.Read`). Refreshing the token does not help;
        /// a token with that scope does.
        InsufficientScope = 40089 => "token lacks the required scope",
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
        self == Code::NotSet || is_server_code(self.code())
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
// Debug is in src/cloudreve/: it redacts the URIs by Cloudreve's rules.
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
    /// [`ErrorDetail::uri_error`] looks an input URI up with that in mind. A key
    /// naming none of the URIs sent has URL queries and credentials redacted.
    pub aggregated_error: BTreeMap<String, UriError>,
}

impl ErrorDetail {
    /// Short lowercase description of the named code; for a 40081 whose every
    /// URI failed with 401, `"not signed in or token expired"` (upstream treats
    /// an expired access token as no token, so each URI is refused as anonymous);
    /// for one whose every URI failed with 40088, `"sign-in required for this
    /// share"`.
    pub fn label(&self) -> &'static str {
        // The description of 401 or 40088 when every URI got it, else the code's.
        [Code::LoginRequired, Code::AnonymousAccessDenied]
            .into_iter()
            .find(|named| self.every_uri(|code| code == *named))
            .unwrap_or(self.code)
            .description()
    }

    /// Whether this is a 40081 whose every URI was refused with 401: the caller
    /// was treated as anonymous — no access token, or an expired one.
    pub fn is_signed_out(&self) -> bool {
        self.every_uri(|code| code == Code::LoginRequired)
    }

    /// Whether this is a 40081 naming at least one URI, each with a code that
    /// passes `test`.
    pub(crate) fn every_uri(&self, test: impl Fn(Code) -> bool) -> bool {
        self.code == Code::BatchNotFullyCompleted
            && !self.aggregated_error.is_empty()
            && self.aggregated_error.values().all(|e| test(e.code))
    }

    /// The Cloudreve detail of `err`, when it is a Cloudreve [`Error::Api`].
    pub fn of(err: &Error) -> Option<&ErrorDetail> {
        match err.api_detail()? {
            ApiDetail::Cloudreve(detail) => Some(detail),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}
