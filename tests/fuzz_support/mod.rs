//! What must hold for any input: the checks shared by the bounded fuzz test
//! (`tests/decode_fuzz.rs`) and the cargo-fuzz targets (`fuzz/src/lib.rs` includes
//! this file by path, so that the two cannot drift apart).

use std::error::Error as _;
use std::fmt::Debug;

use download_url::cloudreve::{my_uri, redact_uri, share_uri, uri_from, uri_path};
use download_url::decode::{self, RawReply};
use download_url::{koodrive, Error, Secret};

/// A reply as parts: what a decoder is fed.
pub struct Parts {
    /// HTTP status.
    pub status: u16,
    /// Header pairs.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Parts {
    /// Calls `f` with the reply.
    pub fn with<R>(&self, f: impl FnOnce(&RawReply<'_>) -> R) -> R {
        let headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        f(&RawReply {
            status: self.status,
            headers: &headers,
            body: &self.body,
        })
    }
}

/// What an error shows.
pub struct Shown {
    /// `Display`.
    pub display: String,
    /// `Debug`.
    pub debug: String,
    /// `Display` of every error in the source chain, one a line.
    pub chain: String,
}

/// The error contract: `Display` is one line of at most 400 characters; `Debug`,
/// the source chain and the accessors work.
pub fn check_error(err: &Error) -> Shown {
    let display = err.to_string();
    assert!(
        !display
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')),
        "Display is not one line: {display:?}"
    );
    assert!(
        display.chars().count() <= 400,
        "Display over 400 chars: {display:?}"
    );
    let debug = format!("{err:?}");
    let mut chain = String::new();
    let mut source = err.source();
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        chain.push('\n');
        source = s.source();
    }
    let _ = (
        err.code(),
        err.is_retryable(),
        err.retry_after(),
        err.request_id(),
    );
    Shown {
        display,
        debug,
        chain,
    }
}

/// Checks a decode result: a value formats, an error keeps the error contract
/// (and what it shows is returned).
pub fn check<T: Debug>(result: &Result<T, Error>) -> Option<Shown> {
    match result {
        Ok(value) => {
            let _ = format!("{value:?}");
            None
        }
        Err(err) => Some(check_error(err)),
    }
}

/// Arbitrary text as a link URL: expiry parsing, URL checks and redaction;
/// `redact_url` shows no query but a final `?[redacted]`.
pub fn check_url_helpers(url: &str) {
    let _ = decode::amz_expiry(url);
    let _ = decode::cloudreve_sign_expiry(url);
    let _ = decode::retry_after(url);
    if let Some(at) = decode::parse_amz_date(url) {
        assert!(at.offset().is_utc());
    }
    let _ = decode::is_http_url(url);
    let redacted = download_url::redact_url(url);
    let marks = redacted.matches('?').count();
    assert!(
        marks == 0 || (marks == 1 && redacted.ends_with("?[redacted]")),
        "{url:?} -> {redacted:?}"
    );
    let _ = decode::redact_url_queries(url);
}

/// Every public KooDrive signing helper on arbitrary parts: the canonical URI is
/// ASCII, `/…/` and has no `//`; the canonical query is ASCII; the canonical
/// request holds both and ends in the payload hash; the string to sign, the
/// signature (hex) and the authorization have their fixed shapes.
pub fn check_signing_helpers(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    app_id: &str,
) {
    let uri = koodrive::canonical_uri(path);
    assert!(
        uri.is_ascii() && uri.starts_with('/') && uri.ends_with('/'),
        "{uri:?}"
    );
    assert!(!uri.contains("//"), "{uri:?}");
    let q = koodrive::canonical_query(query);
    assert!(q.is_ascii(), "{q:?}");
    let canonical = koodrive::canonical_request(method, path, query, headers, body);
    assert!(
        canonical.contains(&format!("\n{uri}\n{q}\n")),
        "{canonical:?}"
    );
    assert!(canonical.ends_with(&koodrive::hashed_payload(body)));
    let to_sign = koodrive::string_to_sign(&canonical);
    assert_eq!(to_sign.len(), "HMAC-SHA256\n".len() + 64);
    let signed = koodrive::signature(&Secret::new(method), &to_sign);
    assert!(signed.len() == 64 && signed.bytes().all(|b| b.is_ascii_hexdigit()));
    let signed_headers = koodrive::signed_headers(headers);
    let auth = koodrive::authorization(app_id, &signed_headers, &signed);
    assert!(auth.starts_with(&format!("HMAC-SHA256 AppId={app_id},SignedHeaders=")));
}

/// The Cloudreve URI helpers on an arbitrary path, share id and password: ASCII
/// output, the `cloudreve://my/` prefix, `uri_path` round-trips the path (empty
/// segments dropped), `uri_from` keeps a URI and wraps anything else, a password
/// is redacted; and any text at all as a URI.
pub fn check_cloudreve_uris(path: &str, id: &str, password: Option<&str>) {
    let expected: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let expected = expected.join("/");

    let mine = my_uri(path);
    assert!(mine.is_ascii(), "{mine:?}");
    assert!(
        mine == "cloudreve://my" || mine.starts_with("cloudreve://my/"),
        "{mine:?}"
    );
    assert_eq!(
        uri_path(&mine).as_deref(),
        Some(expected.as_str()),
        "{path:?} -> {mine:?}"
    );
    assert_eq!(uri_from(&mine), mine);
    assert_eq!(
        uri_from(path),
        if path.to_ascii_lowercase().starts_with("cloudreve://") {
            path.to_owned()
        } else {
            mine.clone()
        }
    );
    assert_eq!(redact_uri(&mine), mine);

    let shared = share_uri(id, password, path);
    assert!(shared.is_ascii(), "{shared:?}");
    assert_eq!(
        uri_path(&shared).as_deref(),
        Some(expected.as_str()),
        "{shared:?}"
    );
    let redacted = redact_uri(&shared);
    if password.is_some_and(|p| !p.is_empty()) {
        assert!(redacted.contains(":[redacted]@share"), "{redacted:?}");
    } else {
        assert_eq!(redacted, shared);
    }

    // Any text at all as a URI.
    let _ = uri_path(path);
    let _ = redact_uri(path);
}
