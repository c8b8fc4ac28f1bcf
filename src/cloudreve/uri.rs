//! Cloudreve URIs: building them from plain paths, reading them back, and
//! showing them without a share password.

use percent_encoding::{utf8_percent_encode, AsciiSet};

use super::URI_SCHEME;

/// What `encodeURIComponent` escapes: every byte but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const COMPONENT: &AsciiSet = &crate::encode::NOT_UNRESERVED
    .remove(b'!')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

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
/// `cloudreve://` URI.
fn raw_path(uri: &str) -> Option<&str> {
    let rest = after_scheme(uri)?;
    // Bytes: `?` and `#` are ASCII, so the cut is on a character boundary.
    let end = rest.bytes().position(|b| matches!(b, b'?' | b'#'));
    let rest = &rest[..end.unwrap_or(rest.len())];
    let path = rest.split_once('/').map_or("", |(_, path)| path);
    Some(path.trim_end_matches('/'))
}

/// The last segment of [`uri_path`], when not empty: the file name a link is
/// given when the server names none (an encoded `/`, `%2F`, splits too).
pub(super) fn file_name(uri: &str) -> Option<String> {
    // Only the last raw segment is decoded: a `/` can come from its `%2F`s alone.
    let last = raw_path(uri)?.rsplit('/').next().unwrap_or("");
    let mut name = crate::encode::percent_decode(last);
    name.drain(..name.rfind('/').map_or(0, |i| i + 1));
    (!name.is_empty()).then_some(name)
}

/// The URI with the share password (if any) replaced by `[redacted]`, for logs.
///
/// ```
/// use download_url::cloudreve::redact_uri;
/// assert_eq!(redact_uri("cloudreve://VoMFL:2rje2bdj@share/a"), "cloudreve://VoMFL:[redacted]@share/a");
/// assert_eq!(redact_uri("cloudreve://my/a"), "cloudreve://my/a");
/// ```
pub fn redact_uri(uri: &str) -> String {
    let redacted = user_info(uri, &['/', '?', '#']).and_then(|(rest, user)| {
        let (id, _) = user.split_once(':')?;
        let scheme = &uri[..URI_SCHEME.len()];
        Some(format!("{scheme}{id}:[redacted]{}", &rest[user.len()..]))
    });
    redacted.unwrap_or_else(|| uri.to_owned())
}

/// What follows the scheme of a `cloudreve://` URI, and the user info of its
/// authority (which ends at the first of `ends`): the text before its last `@`.
fn user_info<'a>(uri: &'a str, ends: &[char]) -> Option<(&'a str, &'a str)> {
    let rest = after_scheme(uri)?;
    let authority = rest.split(ends).next().unwrap_or("");
    Some((rest, authority.rsplit_once('@')?.0))
}

/// What follows `cloudreve://` (in any case) at the start of `text`, if it
/// starts so.
fn after_scheme(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_at_checked(URI_SCHEME.len())?;
    scheme.eq_ignore_ascii_case(URI_SCHEME).then_some(rest)
}

/// Whether `text` starts with `cloudreve://`, in any case.
pub(super) fn has_scheme(text: &str) -> bool {
    after_scheme(text).is_some()
}

fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
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
    match after_scheme(&decoded) {
        Some(rest) => format!("{URI_SCHEME}{rest}"),
        None => decoded,
    }
}

/// The share password of a `cloudreve://<id>:<password>@share/…` URI, as sent and
/// (when it differs) percent-decoded: both are scrubbed from echoed text.
pub(super) fn share_password(uri: &str) -> Vec<String> {
    let password = user_info(uri, &['/'])
        .and_then(|(_, user)| user.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
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
}
