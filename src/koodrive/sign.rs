//! KooDrive's app signature: the canonical request, the string to sign and the
//! HMAC-SHA256 signature of `Authorization: HMAC-SHA256 AppId=…,SignedHeaders=…,Signature=…`.
//! Public (re-exported from [`super`]) so that callers can check or reuse it.

use super::ALGORITHM;
use crate::encode::{percent_decoded, percent_encode};
use crate::secret::Secret;

/// Lowercase hex of the SHA-256 of `bytes` (the `HashedRequestPayload` of a body).
pub fn hashed_payload(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|&b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// `text` percent-decoded, then percent-encoded (RFC 3986 unreserved characters
/// kept, uppercase hex).
fn reencoded(text: &str) -> String {
    percent_encode(&percent_decoded(text))
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
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        if segment == ".." {
            segments.pop();
        } else if !matches!(segment, "" | ".") {
            segments.push(segment);
        }
    }
    let reencoded: String = segments.iter().map(|s| reencoded(s) + "/").collect();
    format!("/{reencoded}")
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
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (reencoded(name), reencoded(value))
        })
        .collect();
    pairs.sort();
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    pairs.join("&")
}

/// `headers` with lowercase, trimmed names and trimmed values, sorted by name
/// (stable).
fn sorted_headers(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut sorted: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
}

/// The `SignedHeaders` list: the lowercase names of `headers`, sorted, joined with `;`.
///
/// ```
/// use download_url::koodrive::signed_headers;
/// assert_eq!(signed_headers(&[("X-User-Id", "1"), ("Host", "h"), ("X-Date", "d")]), "host;x-date;x-user-id");
/// ```
pub fn signed_headers(headers: &[(&str, &str)]) -> String {
    let sorted = sorted_headers(headers);
    let names: Vec<&str> = sorted.iter().map(|(name, _)| name.as_str()).collect();
    names.join(";")
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
    let lines: String = sorted_headers(headers)
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    format!(
        "{}\n{}\n{}\n{lines}\n{}\n{}",
        method.trim().to_ascii_uppercase(),
        canonical_uri(path),
        canonical_query(query),
        signed_headers(headers),
        hashed_payload(body)
    )
}

/// `HMAC-SHA256\n` + lowercase hex SHA-256 of the canonical request.
pub fn string_to_sign(canonical_request: &str) -> String {
    let hashed = hashed_payload(canonical_request.as_bytes());
    format!("{ALGORITHM}\n{hashed}")
}

/// Lowercase hex HMAC-SHA256 of `string_to_sign`, keyed with the app secret itself.
pub fn signature(app_secret: &Secret, string_to_sign: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, app_secret.expose().as_bytes());
    hex(ring::hmac::sign(&key, string_to_sign.as_bytes()).as_ref())
}

/// The `Authorization` value of the app signature:
/// `HMAC-SHA256 AppId=<app_id>,SignedHeaders=<signed_headers>,Signature=<signature>`.
pub fn authorization(app_id: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ALGORITHM} AppId={app_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// The path and the raw query of an absolute URL.
pub(super) fn request_target(url: &str) -> (&str, &str) {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let target = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    target.split_once('?').unwrap_or((target, ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::koodrive::SIGNED_HEADERS;

    const VECTOR_BODY: &str = r#"{"containerId":"IAADfsBFCO6WtAtuA9add2fea594e4e75b8feb8474ef236","fileIds":["Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ"]}"#;

    /// The DERIVED signing vector of the vendor notes, every intermediate value.
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

    /// The path and query of a URL, as literals: after the first `://`, from the
    /// first `/` (or `/` when none) to the first `?`.
    #[test]
    fn pinned_request_targets() {
        for (url, expected) in [
            (
                "http://127.0.0.1:9/pre/koodrive/x?a=1",
                ("/pre/koodrive/x", "a=1"),
            ),
            ("https://h", ("/", "")),
            ("https://h?x=1", ("/", "")),
            ("https://h/", ("/", "")),
            ("h/p?q", ("/p", "q")),
            ("a:b://h/p", ("/p", "")),
            ("http://h/a?b?c", ("/a", "b?c")),
            ("http://h/p://x", ("/p://x", "")),
            ("http:/h/p", ("/h/p", "")),
            ("://", ("/", "")),
            ("", ("/", "")),
            ("é://h/é?é", ("/é", "é")),
        ] {
            assert_eq!(request_target(url), expected, "{url:?}");
        }
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
}
