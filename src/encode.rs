//! Percent-encoding and JSON body helpers (private).

use crate::{Error, Vendor};

/// Percent-encodes `text` so that it is exactly one path segment: only RFC 3986
/// unreserved characters (`A-Z a-z 0-9 - . _ ~`) stay literal; `/`, `?`, `#`, `%`,
/// `:` and every other byte become `%XX` (uppercase hex).
pub(crate) fn percent_encode(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    push_percent_encoded(&mut out, text, keep);
    out
}

/// An RFC 3986 unreserved byte: never escaped.
#[inline]
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// [`percent_encode`], appended to `out`.
pub(crate) fn push_percent_encoded(out: &mut String, text: &str, keep: impl Fn(u8) -> bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    // Ids are mostly unreserved already: then one copy, not a push per byte.
    if text.bytes().all(unreserved) {
        out.push_str(text);
        return;
    }
    for &b in text.as_bytes() {
        if unreserved(b) || keep(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// One path segment for an id: rejects empty, `.` and `..` (which a server or proxy
/// would normalise away) and percent-encodes everything else.
#[cfg_attr(
    not(any(feature = "datalab", feature = "blendvision")),
    allow(dead_code)
)]
#[inline]
pub(crate) fn path_segment<'a>(
    vendor: Vendor,
    field: &'static str,
    id: &'a str,
) -> Result<std::borrow::Cow<'a, str>, Error> {
    crate::config::check_input(vendor, field, id, crate::MAX_ID_LEN)?;
    match id {
        "." | ".." => Err(Error::invalid(vendor, field, "must not be `.` or `..`")),
        // Ids are mostly unreserved already: then no copy at all.
        _ if id.bytes().all(unreserved) => Ok(std::borrow::Cow::Borrowed(id)),
        _ => Ok(std::borrow::Cow::Owned(percent_encode(id, |_| false))),
    }
}

/// Decodes `%XX` escapes (and leaves malformed ones as they are); invalid UTF-8
/// becomes U+FFFD.
#[inline]
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let Some(mut at) = memchr::memchr(b'%', bytes) else {
        return text.to_owned();
    };
    let hex = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut copied = 0;
    // The runs between escapes are copied whole; `at` is always at a `%`.
    loop {
        out.extend_from_slice(&bytes[copied..at]);
        match (
            bytes.get(at + 1).copied().and_then(hex),
            bytes.get(at + 2).copied().and_then(hex),
        ) {
            (Some(high), Some(low)) => {
                out.push(high * 16 + low);
                copied = at + 3;
            }
            _ => {
                out.push(b'%');
                copied = at + 1;
            }
        }
        match memchr::memchr(b'%', &bytes[copied..]) {
            Some(next) => at = copied + next,
            None => break,
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    // Valid UTF-8 (the usual case) is kept as it is, without a second copy.
    String::from_utf8(out)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

/// [`percent_decode`], borrowed when `text` holds no `%` (a short name or value:
/// a plain loop looks for it).
pub(crate) fn percent_decoded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b == b'%') {
        std::borrow::Cow::Owned(percent_decode(text))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Compact JSON bytes of a request body.
#[inline]
pub(crate) fn json_body<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serializing plain structs of strings, numbers and bools cannot fail.
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_encoding_never_changes_the_route() {
        assert_eq!(
            percent_encode("a/b?c#d%e f", |_| false),
            "a%2Fb%3Fc%23d%25e%20f"
        );
        assert_eq!(percent_encode("id:download", |_| false), "id%3Adownload");
        assert_eq!(percent_encode("ü", |_| false), "%C3%BC");
        assert!(path_segment(Vendor::Datalab, "file_id", "..").is_err());
        assert!(path_segment(Vendor::Datalab, "file_id", "").is_err());
        assert_eq!(
            path_segment(Vendor::Datalab, "file_id", "../x").unwrap(),
            "..%2Fx"
        );
    }

    /// The run-copying decoder decodes as the byte-at-a-time reading does.
    #[test]
    fn decode_agrees_with_the_plain_reading() {
        fn plain(text: &str) -> String {
            let bytes = text.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() {
                    let hex = |c: u8| char::from(c).to_digit(16);
                    if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                        out.push(u8::try_from(h * 16 + l).unwrap());
                        i += 3;
                        continue;
                    }
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        const PIECES: &[&str] = &[
            "%", "%2", "%20", "%2F", "%ff", "%C3", "%A9", "%G1", "a", "é", "%%", "2",
        ];
        let mut rng = crate::test_rng::Rng(0x2545_F491_4F6C_DD1D);
        let mut below = |n: usize| rng.below(n);
        for round in 0..20_000 {
            let text: String = (0..below(8)).map(|_| PIECES[below(PIECES.len())]).collect();
            assert_eq!(
                percent_decode(&text),
                plain(&text),
                "round {round}: {text:?}"
            );
        }
    }

    /// Decoding, as literals: `%XX` in either case; a malformed escape stays as
    /// it is; invalid UTF-8 becomes U+FFFD; `+` is no space.
    #[test]
    fn pinned_decoding() {
        for (text, expected) in [
            ("", ""),
            ("a%20b", "a b"),
            ("%41%42", "AB"),
            ("%e2%82%ac", "€"),
            ("%E2%82%AC", "€"),
            ("a%C3%A9b", "aéb"),
            ("é%20", "é "),
            ("%zz", "%zz"),
            ("%4", "%4"),
            ("%", "%"),
            ("%%41", "%A"),
            ("%G1", "%G1"),
            ("%4G", "%4G"),
            ("%FF", "\u{FFFD}"),
            ("%C3", "\u{FFFD}"),
            ("a%C3b", "a\u{FFFD}b"),
            ("%25", "%"),
            ("%2541", "%41"),
            ("+", "+"),
            ("%2B", "+"),
            ("%00", "\0"),
        ] {
            assert_eq!(percent_decode(text), expected, "{text:?}");
        }
    }

    /// Encoding, as literals: RFC 3986 unreserved bytes stay, every other byte
    /// is `%XX` in uppercase hex.
    #[test]
    fn pinned_encoding() {
        for (text, expected) in [
            ("", ""),
            ("AZaz09-._~", "AZaz09-._~"),
            ("!*'()", "%21%2A%27%28%29"),
            (
                " \"#$%&+,/:;<=>?@[\\]^`{|}",
                "%20%22%23%24%25%26%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D",
            ),
            ("€", "%E2%82%AC"),
            ("\0\u{7f}", "%00%7F"),
        ] {
            assert_eq!(percent_encode(text, |_| false), expected, "{text:?}");
        }
    }

    #[test]
    fn decode_round_trips() {
        for s in ["a b/c?d", "ü%", "%zz", "%", "%4", "x%41"] {
            assert_eq!(percent_decode(&percent_encode(s, |_| false)), s);
        }
        assert_eq!(percent_decode("x%41"), "xA");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
