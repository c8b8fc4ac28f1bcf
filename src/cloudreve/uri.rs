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

pub(super) fn has_scheme(text: &str) -> bool {
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
