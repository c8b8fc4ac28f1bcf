//! Cloudreve URIs: building them from plain paths, reading them back, and
//! showing them without a share password.

use super::URI_SCHEME;

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
    raw_path(uri).map(crate::encode::percent_decode)
}

/// The still-encoded path of a Cloudreve URI: after the authority's `/`, before
/// any `?` or `#`, without trailing `/`s; `None` when `uri` is not a
/// `cloudreve://` URI. Byte searches: every byte looked for is ASCII, so each cut
/// is on a character boundary.
#[inline]
fn raw_path(uri: &str) -> Option<&str> {
    if !has_scheme(uri) {
        return None;
    }
    let rest = &uri[URI_SCHEME.len()..];
    let rest = &rest[..memchr::memchr2(b'?', b'#', rest.as_bytes()).unwrap_or(rest.len())];
    let path = memchr::memchr(b'/', rest.as_bytes()).map_or("", |i| &rest[i + 1..]);
    let kept = path.len() - path.bytes().rev().take_while(|&b| b == b'/').count();
    Some(&path[..kept])
}

/// The last segment of [`uri_path`], when not empty: the file name a link is
/// given when the server names none. Only that segment is decoded (a link is
/// made per URI of a batch); an encoded `/` (`%2F`) in it still splits, as it
/// does in the decoded path.
#[inline]
pub(super) fn file_name(uri: &str) -> Option<String> {
    let path = raw_path(uri)?;
    // A plain loop from the end: the last segment is short, shorter than
    // memrchr's setup.
    let last = &path[path.bytes().rposition(|b| b == b'/').map_or(0, |i| i + 1)..];
    let decoded = crate::encode::percent_decode(last);
    // An encoded `/` (`%2F`) still splits.
    match decoded.bytes().rposition(|b| b == b'/') {
        None if decoded.is_empty() => None,
        None => Some(decoded),
        Some(slash) if slash + 1 == decoded.len() => None,
        Some(slash) => Some(decoded[slash + 1..].to_owned()),
    }
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

#[inline]
pub(super) fn has_scheme(text: &str) -> bool {
    // Bytes (a match is ASCII, so slicing after it is on a character boundary):
    // the usual lowercase scheme with one comparison, any case byte by byte.
    let bytes = text.as_bytes();
    bytes.starts_with(URI_SCHEME.as_bytes())
        || bytes
            .get(..URI_SCHEME.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(URI_SCHEME.as_bytes()))
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

/// The form of a URI used to match the server's `aggregated_error` keys.
pub(super) fn comparable(uri: &str) -> String {
    let decoded = crate::encode::percent_decode(uri.trim().trim_end_matches('/'));
    match decoded.get(URI_SCHEME.len()..) {
        Some(rest) if has_scheme(&decoded) => format!("{URI_SCHEME}{rest}"),
        _ => decoded,
    }
}

/// The share password of a `cloudreve://<id>:<password>@share/…` URI, as sent and
/// (when it differs) percent-decoded: both are scrubbed from echoed text.
pub(super) fn share_password(uri: &str) -> Vec<String> {
    // Most URIs are the caller's own (`cloudreve://my/…`): no `@`, no password.
    if !uri.as_bytes().contains(&b'@') {
        return Vec::new();
    }
    let password = (|| {
        let rest = uri.get(URI_SCHEME.len()..).filter(|_| has_scheme(uri))?;
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        let (userinfo, _) = authority.rsplit_once('@')?;
        let (_, password) = userinfo.split_once(':')?;
        (!password.is_empty()).then_some(password)
    })();
    let Some(password) = password else {
        return Vec::new();
    };
    let decoded = crate::encode::percent_decode(password);
    if decoded == password {
        vec![decoded]
    } else {
        vec![password.to_owned(), decoded]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name a link gets from its URI, as literals.
    #[test]
    fn pinned_file_names() {
        for (uri, expected) in [
            ("cloudreve://my/a/The%20Man.mp3", Some("The Man.mp3")),
            ("cloudreve://my/a/b%2Fc.txt", Some("c.txt")),
            ("cloudreve://my/a/b%2fc.txt", Some("c.txt")),
            ("cloudreve://my/a%2F", None),
            ("cloudreve://my/%2F%2F", None),
            ("cloudreve://my/", None),
            ("cloudreve://my", None),
            ("cloudreve://my/a/b/", Some("b")),
            ("cloudreve://my/a/b//", Some("b")),
            ("cloudreve://my/a.mp3?x=1#f", Some("a.mp3")),
            ("cloudreve://my/a.mp3#f?x", Some("a.mp3")),
            ("cloudreve://my/a/?x=1", Some("a")),
            ("CloudReve://my/a.mp3", Some("a.mp3")),
            ("cloudreve:/a", None),
            ("https://h/a.mp3", None),
            ("cloudreve://Ab:pw@share/x%C3", Some("x\u{FFFD}")),
            ("cloudreve://Ab:pw@share/d/%C3%A9", Some("é")),
            ("cloudreve://my/a/%", Some("%")),
            ("cloudreve://my/a/%2", Some("%2")),
            ("cloudreve://my/a/.", Some(".")),
            ("cloudreve://my/a/%20", Some(" ")),
        ] {
            assert_eq!(file_name(uri).as_deref(), expected, "{uri:?}");
        }
    }

    /// `file_name` decodes one segment; the name is the one the whole decoded
    /// path gives, for every mix of separators, escapes and invalid UTF-8.
    #[test]
    fn file_name_is_the_last_segment_of_the_decoded_path() {
        let whole = |uri: &str| {
            let path = uri_path(uri)?;
            let name = path.rsplit('/').next().unwrap_or("");
            (!name.is_empty()).then(|| name.to_owned())
        };
        const PIECES: &[&str] = &[
            "/",
            "%2F",
            "%2f",
            "a",
            "The%20Man.mp3",
            "%C3",
            "%A9",
            "%C3%A9",
            "é",
            "%",
            "%2",
            "?",
            "#",
            "x=1",
            ".",
            "..",
            " ",
        ];
        let mut rng = crate::test_rng::Rng(0x9E37_79B9_7F4A_7C15);
        let mut below = |n: usize| rng.below(n);
        for round in 0..20_000 {
            let prefix = [
                "cloudreve://my",
                "cloudreve://Ab:pw@share",
                "CloudReve://my",
                "cloudreve:/",
            ][below(4)];
            let tail: String = (0..below(7)).map(|_| PIECES[below(PIECES.len())]).collect();
            let uri = format!("{prefix}{tail}");
            assert_eq!(file_name(&uri), whole(&uri), "round {round}: {uri:?}");
        }
        assert_eq!(
            file_name("cloudreve://my/a/The%20Man.mp3").as_deref(),
            Some("The Man.mp3")
        );
        assert_eq!(
            file_name("cloudreve://my/a/b%2Fc.txt").as_deref(),
            Some("c.txt")
        );
        assert_eq!(file_name("cloudreve://my/"), None);
    }
}
