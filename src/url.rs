//! The URL text toolkit: scheme and query parsing, the link check every vendor
//! applies, and the redaction of URLs and URL queries in text.

use crate::encode::percent_decoded;

/// Whether `host` (without port or brackets) is loopback: `localhost` (any
/// case) or a loopback IP literal. The one rule for vendor calls and fetch.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An item (a file URL, id or URI as the caller sent it) as it may be shown: an
/// `http(s)` URL loses its query and user info ([`redact_url`]), and any other
/// `scheme://user:password@…` form its password (a Cloudreve share URI carries
/// the share password there).
pub(crate) fn redact_item(item: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    // A Cloudreve archive's item is all its URIs, one a line: each is redacted.
    if item.contains('\n') {
        let lines: Vec<Cow<'_, str>> = item.split('\n').map(redact_item).collect();
        return Cow::Owned(lines.join("\n"));
    }
    if split_http_scheme(item).is_some() {
        return Cow::Owned(redact_url(item));
    }
    let Some(start) = item.find("://").map(|i| i + 3) else {
        return Cow::Borrowed(item);
    };
    let rest = &item[start..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => Cow::Owned(format!(
            "{}{}:[redacted]{}",
            &item[..start],
            &authority[..colon],
            &rest[at..]
        )),
        _ => Cow::Borrowed(item),
    }
}

/// The one link check every vendor's links pass (API replies, Cloudreve's redirect
/// `Location`): `text`, trimmed, must be an absolute `http://` or `https://` URL
/// with a host and no whitespace or control character anywhere — a link is data
/// that ends up in terminals, files and shells, never control. The error says why.
pub(crate) fn check_link(text: &str) -> Result<&str, &'static str> {
    let url = text.trim();
    if url.is_empty() {
        return Err("is empty");
    }
    if !is_http_url(url) {
        return Err("is not an absolute http(s) URL without whitespace or control characters");
    }
    Ok(url)
}

/// `scheme://host/path` of `url`: user info, query and fragment are replaced by
/// `[redacted]` markers so that a presigned URL can be shown safely.
///
/// ```
/// assert_eq!(
///     download_url::redact_url("https://u:p@h.example/a/b?X-Amz-Signature=s#f"),
///     "https://h.example/a/b?[redacted]"
/// );
/// ```
pub fn redact_url(url: &str) -> String {
    // Only a real scheme (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`)
    // counts: a `://` later in the text (inside a query, say) must not turn
    // everything before it into a "scheme" that is shown.
    let is_scheme = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    };
    let (scheme, rest) = match url.find("://") {
        Some(i) if is_scheme(&url[..i]) => (&url[..i + 3], &url[i + 3..]),
        _ => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after = &rest[authority_end..];
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let mut out = format!("{scheme}{host}{}", &after[..path_end]);
    if path_end < after.len() {
        out.push_str("?[redacted]");
    }
    out
}

/// The raw query of `url`: between its first `?` and its first `#`, when the `?`
/// comes first.
pub(crate) fn query_of(url: &str) -> Option<&str> {
    // The fragment first: a `?` after a `#` is part of the fragment, not a query.
    let url = url.split('#').next().unwrap_or(url);
    Some(url.split_once('?')?.1)
}

/// The `(name, value)` pairs of a raw query, as sent: a bare `name` has an empty
/// value; empty pairs are skipped.
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

/// `text` split after a case-insensitive `http://` or `https://`: the scheme in
/// lowercase and the rest (possibly empty).
pub(crate) fn split_http_scheme(text: &str) -> Option<(&'static str, &str)> {
    // Compared as bytes: a match is ASCII, so slicing after it is on a character
    // boundary.
    let bytes = text.as_bytes();
    if bytes.len() >= 8 && bytes[..8].eq_ignore_ascii_case(b"https://") {
        Some(("https", &text[8..]))
    } else if bytes.len() >= 7 && bytes[..7].eq_ignore_ascii_case(b"http://") {
        Some(("http", &text[7..]))
    } else {
        None
    }
}

/// The decoded value of query parameter `name` in `url` (first occurrence).
pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    query_pairs(query_of(url)?)
        .find(|(key, _)| percent_decoded(key) == name)
        .map(|(_, value)| crate::encode::percent_decode(value))
}

/// The last non-empty segment of an `http(s)://` URL's path, percent-decoded:
/// the file name of a link whose vendor left its name out. `None` when there is
/// no path, or when the decoded segment is not a plain name (a slash, a
/// backslash, a control character, `.` or `..`).
#[cfg_attr(
    not(any(feature = "datalab", feature = "blendvision")),
    allow(dead_code)
)]
pub(crate) fn path_file_name(url: &str) -> Option<String> {
    let (_, rest) = split_http_scheme(url)?;
    let path = &rest[rest.find('/')?..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let segment = path.rsplit('/').find(|s| !s.is_empty())?;
    let name = crate::encode::percent_decode(segment);
    let plain = !matches!(name.as_str(), "." | "..")
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    plain.then_some(name)
}

/// Whether `url` is an `http://` or `https://` URL with a host and no whitespace
/// or control characters (a usable link from a vendor).
pub(crate) fn is_http_url(url: &str) -> bool {
    split_http_scheme(url).is_some_and(|(_, rest)| {
        !rest.is_empty() && !rest.starts_with(['/', '?', '#']) && is_printable(rest)
    })
}

/// Whether `text` has no whitespace or control character.
pub(crate) fn is_printable(text: &str) -> bool {
    // Links are long and nearly always visible ASCII: check bytes first (every
    // byte, without stopping early, which lets the compiler check 16 at a
    // time), and characters only when there is something else.
    text.bytes().fold(true, |all, b| all & b.is_ascii_graphic())
        || !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether every byte of `text` is visible ASCII or a space (` `..=`~`).
pub(crate) fn is_ascii_text(text: &str) -> bool {
    // Every byte, without stopping early, as in `is_printable`.
    text.bytes()
        .fold(true, |all, b| all & (b' '..=b'~').contains(&b))
}

/// Remote text made safe to keep: the query of every `http://` / `https://` URL
/// inside `text` becomes `?[redacted]`, and so does the rest of any other word
/// that looks like a query (`…?name=value`, `&name=value`).
///
/// Presigned URLs carry their credential in the query; this keeps them out of
/// error messages and excerpts, in every form they arrive in:
/// - JSON-escaped slashes (`https:\/\/h\/p?…`, `\u002F`) are unescaped first, so
///   the URL is found;
/// - a backslash does not end a URL: in a raw JSON body a query goes on after
///   `\u0026` (Go's escaped `&`);
/// - whitespace ends a URL, but the query of a URL whose path holds a space
///   (`https://h/a b.mp4?X-Amz-Signature=…`) is still caught by the second rule.
pub(crate) fn redact_url_queries(text: &str) -> String {
    let unescaped;
    let text = if text.contains('\\') {
        unescaped = unescape_slashes(text);
        unescaped.as_str()
    } else {
        text
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        let (before, url_and_after) = rest.split_at(start);
        out.push_str(&redact_query_words(before));
        let end = url_and_after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(url_and_after.len());
        let (url, after) = url_and_after.split_at(end);
        out.push_str(&redact_url(url));
        rest = after;
    }
    out.push_str(&redact_query_words(rest));
    out
}

/// `\/` and `\u002f` (any case) as `/`.
fn unescape_slashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("\\/") {
            out.push('/');
            rest = after;
        } else if tail
            .get(..6)
            .is_some_and(|t| t.eq_ignore_ascii_case("\\u002f"))
        {
            out.push('/');
            rest = &tail[6..];
        } else {
            out.push('\\');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Every word (a run without whitespace or quotes) holding a `?` or `&` followed
/// later by `=` keeps only what comes before that `?` / `&`.
fn redact_query_words(text: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let is_break = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`');
    let query_at = |word: &str| {
        let at = word.find(['?', '&'])?;
        word[at..].contains('=').then_some(at)
    };
    if !text.split(is_break).any(|w| query_at(w).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut word_start = 0;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if i < text.len() && !is_break(c) {
            continue;
        }
        let word = &text[word_start..i];
        match query_at(word) {
            Some(at) => {
                out.push_str(&word[..at]);
                out.push_str("?[redacted]");
            }
            None => out.push_str(word),
        }
        if i < text.len() {
            out.push(c);
        }
        word_start = i + c.len_utf8();
    }
    Cow::Owned(out)
}

/// Where the first `http://` or `https://` (any case) in `text` starts.
fn find_url_start(text: &str) -> Option<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .find(|&i| split_http_scheme(&text[i..]).is_some())
}

/// The longest start of `text` of at most `max` bytes that ends on a char
/// boundary.
pub(crate) fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// At most `max` bytes of `text`, cut on a char boundary, with `…` when cut
/// (counted in `max`).
pub(crate) fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    format!("{}…", cut(text, max.saturating_sub('…'.len_utf8())))
}

/// `text` on one line (control characters and the Unicode line and paragraph
/// separators become spaces), bounded to `max` bytes.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    bounded(&flat, max)
}

#[cfg(test)]
mod tests {

    #[test]
    fn file_name_from_the_path() {
        assert_eq!(
            path_file_name("https://h/a/b%20c.pdf?x=1#f").as_deref(),
            Some("b c.pdf")
        );
        assert_eq!(
            path_file_name("https://h/a/b.mp4/").as_deref(),
            Some("b.mp4")
        );
        assert_eq!(path_file_name("https://h"), None);
        assert_eq!(path_file_name("https://h/"), None);
        assert_eq!(path_file_name("https://h/a%2Fb"), None);
        assert_eq!(path_file_name("https://h/%2e%2e"), None);
        assert_eq!(path_file_name("https://h/a%0Ab"), None);
    }
    use super::*;

    /// A link passes with a host and no whitespace or control character
    /// anywhere; any other character is fine.
    #[test]
    fn pinned_http_url_forms() {
        for b in 0u8..=0x7f {
            let url = format!("https://h/p?a={}b", char::from(b));
            assert_eq!(is_http_url(&url), (0x21..=0x7e).contains(&b), "byte {b:#x}");
        }
        for (c, ok) in [
            ('\u{85}', false),
            ('\u{a0}', false),
            ('\u{2028}', false),
            ('\u{3000}', false),
            ('\u{9f}', false),
            ('\u{feff}', true),
            ('é', true),
            ('😀', true),
        ] {
            assert_eq!(is_http_url(&format!("http://h/{c}")), ok, "{c:?}");
        }
        for (url, ok) in [
            ("HTTPS://h", true),
            ("http://", false),
            ("http:///p", false),
            ("http://?q", false),
            ("http://#f", false),
            ("ftp://h", false),
            ("https:/h", false),
            (" https://h", false),
        ] {
            assert_eq!(is_http_url(url), ok, "{url:?}");
        }
        assert_eq!(check_link(" https://h/p \n"), Ok("https://h/p"));
        assert_eq!(check_link(" \t"), Err("is empty"));
        assert!(check_link("https://h/a b").is_err());
        assert!(is_ascii_text(" ~abc"));
        assert!(!is_ascii_text("a\tb"));
        assert!(!is_ascii_text("é"));
        assert!(!is_ascii_text("\u{7f}"));
        assert!(is_printable("é"));
        assert!(!is_printable("a b"));
        assert!(!is_printable("a\u{a0}b"));
    }

    #[test]
    fn http_scheme_split() {
        assert_eq!(split_http_scheme("HTTPS://h/p"), Some(("https", "h/p")));
        assert_eq!(split_http_scheme("Http://"), Some(("http", "")));
        assert_eq!(split_http_scheme("http://é"), Some(("http", "é")));
        assert_eq!(split_http_scheme("httpé://h"), None);
        assert_eq!(split_http_scheme("ftp://h"), None);
        assert_eq!(split_http_scheme("http:/h"), None);
    }

    #[test]
    fn redact_url_keeps_scheme_host_path_only() {
        assert_eq!(redact_url("https://h/p"), "https://h/p");
        assert_eq!(redact_url("https://h?q=1"), "https://h?[redacted]");
        assert_eq!(redact_url("not a url?secret"), "not a url?[redacted]");
        // Found by fuzzing: a `://` inside the query is not the scheme separator.
        assert_eq!(redact_url("x?sig=SECRET&u=https://h/p"), "x?[redacted]");
    }

    #[test]
    fn a_question_mark_in_the_fragment_is_no_query() {
        assert_eq!(query_param("https://h/p#a?sign=x:1", "sign"), None);
        assert_eq!(
            query_param("https://h/p?sign=x:1#f", "sign").as_deref(),
            Some("x:1")
        );
    }

    #[test]
    fn items_are_shown_without_secrets() {
        assert_eq!(
            redact_item("cloudreve://VoMFL:2rje2bdj@share/a b"),
            "cloudreve://VoMFL:[redacted]@share/a b"
        );
        assert_eq!(redact_item("cloudreve://my/a:b@c"), "cloudreve://my/a:b@c");
        assert_eq!(
            redact_item("https://u:p@h/p?sig=1"),
            "https://h/p?[redacted]"
        );
        assert_eq!(redact_item("42"), "42");
        assert_eq!(
            redact_item("cloudreve://a:pw1@share/x\ncloudreve://b:pw2@share/y"),
            "cloudreve://a:[redacted]@share/x\ncloudreve://b:[redacted]@share/y"
        );
    }

    #[test]
    fn redaction_survives_escaping_and_whitespace() {
        let cases = [
            r#"{"u":"https:\/\/s3.example\/k?X-Amz-Signature=SECRET"}"#,
            r#"{"u":"https:\u002F\u002Fs3.example\u002fk?X-Amz-Signature=SECRET"}"#,
            "link https://bucket.example/a b.mp4?X-Amz-Signature=SECRET end",
            "link https://bucket.example/a\tb.mp4?X-Amz-Signature=SECRET",
            "https://h/p?a=1 &X-Amz-Signature=SECRET",
            "no scheme: bucket/k?sig=SECRET",
        ];
        for text in cases {
            let out = redact_url_queries(text);
            assert!(!out.contains("SECRET"), "{text:?} -> {out:?}");
        }
        // Plain text stays as it was.
        assert_eq!(
            redact_url_queries("file not found (a=b)"),
            "file not found (a=b)"
        );
        assert_eq!(redact_url_queries("what? x = 1"), "what? x = 1");
        assert_eq!(redact_url_queries(r"C:\dir\file"), r"C:\dir\file");
    }

    #[test]
    fn redacts_every_url_query() {
        let text = "bad url https://h.example/p?X-Amz-Signature=abc and \"http://x/y?sign=1\" end";
        let out = redact_url_queries(text);
        assert!(!out.contains("abc"), "{out}");
        assert!(!out.contains("sign=1"), "{out}");
        assert!(out.contains("https://h.example/p?[redacted]"), "{out}");
        assert!(out.contains("http://x/y?[redacted]"), "{out}");
        assert!(out.ends_with(" end"));
    }

    #[test]
    fn redacts_go_escaped_queries() {
        // Found by tests/decode_fuzz.rs: Go's encoding/json writes `&` as `\u0026`.
        let text = r#"{"url":"https://s3/k?X-Amz-Date=1\u0026X-Amz-Signature=SECRET"}"#;
        let out = redact_url_queries(text);
        assert!(!out.contains("SECRET"), "{out}");
        assert_eq!(out, r#"{"url":"https://s3/k?[redacted]"}"#);
    }

    #[test]
    fn bounded_cuts_on_char_boundary() {
        // At most `max` bytes, the `…` (three bytes) included.
        assert_eq!(bounded("ééé", 5), "é…");
        assert_eq!(bounded("ééé", 4), "…");
        assert_eq!(bounded("abc", 3), "abc");
    }
}
