//! Percent-coding (through the `percent-encoding` crate) and JSON request bodies.

use std::borrow::Cow;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Every byte but the RFC 3986 unreserved ones (`A-Z a-z 0-9 - . _ ~`): what a
/// path segment or a query name or value escapes.
pub(crate) const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `text` so that it is exactly one path segment or query value:
/// only RFC 3986 unreserved characters stay literal; `/`, `?`, `#`, `%`, `:` and
/// every other byte become `%XX` (uppercase hex).
pub(crate) fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// Decodes `%XX` escapes (and leaves malformed ones as they are); invalid UTF-8
/// becomes U+FFFD.
pub(crate) fn percent_decode(text: &str) -> String {
    percent_decoded(text).into_owned()
}

/// [`percent_decode`], borrowed when there is nothing to decode.
pub(crate) fn percent_decoded(text: &str) -> Cow<'_, str> {
    let Some(first) = text.find('%') else {
        return Cow::Borrowed(text);
    };
    // Decoded bytes are never more than the text's: one allocation. What comes
    // before the first `%` is copied as it is.
    let mut bytes = Vec::with_capacity(text.len());
    bytes.extend_from_slice(&text.as_bytes()[..first]);
    bytes.extend(percent_decode_str(&text[first..]));
    match String::from_utf8(bytes) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Compact JSON bytes of a request body.
pub(crate) fn json_body<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serializing plain structs of strings, numbers and bools cannot fail.
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_encoding_never_changes_the_route() {
        assert_eq!(percent_encode("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(percent_encode("id:download"), "id%3Adownload");
        assert_eq!(percent_encode("ü"), "%C3%BC");
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
            assert_eq!(percent_encode(text), expected, "{text:?}");
        }
    }

    #[test]
    fn decode_round_trips() {
        for s in ["a b/c?d", "ü%", "%zz", "%", "%4", "x%41"] {
            assert_eq!(percent_decode(&percent_encode(s)), s);
        }
        assert_eq!(percent_decode("x%41"), "xA");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
