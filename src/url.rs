//! The URL and redaction toolkit: scheme and query parsing, the link check every
//! vendor applies, `X-Amz-*` dates, and the redaction of URL queries in text.

use time::OffsetDateTime;

use crate::Expiry;

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
#[inline]
pub(crate) fn check_link(text: &str) -> Result<&str, &'static str> {
    let url = trim(text);
    if url.is_empty() {
        return Err("is empty");
    }
    if !is_http_url(url) {
        return Err("is not an absolute http(s) URL without whitespace or control characters");
    }
    Ok(url)
}

/// `text` trimmed, moved rather than copied when there is nothing to trim (a
/// link's URL is hundreds of bytes, and every call hands one out).
#[inline]
pub(crate) fn trimmed(text: String) -> String {
    match trim(&text) {
        t if t.len() == text.len() => text,
        t => t.to_owned(),
    }
}

/// The expiry a presigned URL states in its own query, for every vendor's links:
/// the one recogniser of every storage dialect ([`crate::expiry::recognise`]: S3
/// and MinIO, KS3, OSS, COS, OBS, Qiniu, Upyun, GCS, Azure SAS, Cloudreve's own
/// `sign=<signature>:<unix seconds>`, where `:0` means the link never expires).
/// Anything else is [`Expiry::Unknown`].
pub(crate) fn url_expiry(url: &str) -> Expiry {
    crate::expiry::recognise(url)
}

/// The expiry in Cloudreve's `sign=<signature>:<unix seconds>` query parameter:
/// `None` when absent or unreadable, `Some(None)` for `0` (never expires).
pub(crate) fn sign_expiry(url: &str) -> Option<Option<OffsetDateTime>> {
    crate::expiry::cloudreve_sign(&query_param(url, "sign")?)
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
fn query_of(url: &str) -> Option<&str> {
    // The fragment first: a `?` after a `#` is part of the fragment, not a query.
    let url = memchr::memchr(b'#', url.as_bytes()).map_or(url, |hash| &url[..hash]);
    Some(&url[memchr::memchr(b'?', url.as_bytes())? + 1..])
}

/// `text` split after a case-insensitive `http://` or `https://`: the scheme in
/// lowercase and the rest (possibly empty).
#[inline]
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
    query_of(url)?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        // Compare without allocating unless the key is itself percent-encoded.
        let matches = if key.contains('%') {
            crate::encode::percent_decode(key) == name
        } else {
            key == name
        };
        matches.then(|| crate::encode::percent_decode(value))
    })
}

/// Whether `url` is an `http://` or `https://` URL with a host and no whitespace
/// or control characters (a usable link from a vendor).
#[inline]
pub(crate) fn is_http_url(url: &str) -> bool {
    let Some((_, rest)) = split_http_scheme(url) else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    if rest.starts_with(['/', '?', '#']) {
        return false;
    }
    is_printable(rest)
}

/// Whether `text` has no whitespace or control character. Checked on every link
/// of a batch and every base URL: the usual all-printable-ASCII text takes a loop
/// with no early exit, which compiles to vector code (presigned URLs run to
/// several hundred bytes); anything else is checked char by char.
#[inline]
pub(crate) fn is_printable(text: &str) -> bool {
    let ascii_printable = text
        .bytes()
        .fold(true, |ok, b| ok & (b.wrapping_sub(0x21) < 0x5E));
    ascii_printable || !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether every byte of `text` is visible ASCII or a space (` `..=`~`). A loop
/// without an early exit, which compiles to vector code: it runs on every
/// credential and Cloudreve URI of a call.
pub(crate) fn is_ascii_text(text: &str) -> bool {
    text.bytes()
        .fold(true, |ok, b| ok & (b.wrapping_sub(b' ') <= b'~' - b' '))
}

/// Expiry of an S3-style presigned URL: `X-Amz-Date` + `X-Amz-Expires` (the
/// first occurrence of each, named exactly so).
pub(crate) fn amz_expiry(url: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(amz_unix_in(query_of(url)?)?).ok()
}

/// [`amz_expiry`] of a raw query (no `?`, no fragment) as unix seconds (within the years `time` represents), with
/// no date made: the calendar arithmetic of `time` is much code to fetch on every
/// call, and the caller compares the expiry with others first.
pub(crate) fn amz_unix_in(query: &str) -> Option<i64> {
    // The pairs from one SIMD scan for `&`, and a look at each: S3 writes
    // `X-Amz-Date` and `X-Amz-Expires` among the first of its parameters, so the
    // scan mostly stops early.
    let mut amz = AmzPairs::default();
    let mut start = 0;
    for end in memchr::memchr_iter(b'&', query.as_bytes()).chain([query.len()]) {
        if amz.take(&query[start..end]) && amz.complete() {
            break;
        }
        start = end + 1;
    }
    amz.unix()
}

/// The raw values of the first `X-Amz-Date` and `X-Amz-Expires` pairs of a query,
/// fed one pair at a time ([`amz_unix_in`], and the expiry recogniser's one pass).
#[derive(Default)]
pub(crate) struct AmzPairs<'q> {
    date: Option<&'q str>,
    expires: Option<&'q str>,
}

impl<'q> AmzPairs<'q> {
    /// Looks at one `name=value` pair (or bare `name`): `true` when it is an
    /// `X-Amz-` pair (named exactly so, or a longer `X-Amz-` name), which no other
    /// dialect reads. The first occurrence of each name counts.
    #[inline]
    pub(crate) fn take(&mut self, pair: &'q str) -> bool {
        let Some(name) = pair.as_bytes().strip_prefix(b"X-Amz-") else {
            return false;
        };
        let (slot, end) = match name {
            [b'D', b'a', b't', b'e', ..] => (&mut self.date, 10),
            [b'E', b'x', b'p', b'i', b'r', b'e', b's', ..] => (&mut self.expires, 13),
            _ => return true,
        };
        if slot.is_none() {
            // `name=value`, or a bare `name`; anything else is a longer name.
            match pair.as_bytes().get(end) {
                None => *slot = Some(""),
                Some(b'=') => *slot = Some(&pair[end + 1..]),
                Some(_) => {}
            }
        }
        true
    }

    /// Both pairs seen.
    #[inline]
    pub(crate) fn complete(&self) -> bool {
        self.date.is_some() && self.expires.is_some()
    }

    /// Their expiry in unix seconds (within the years `time` represents).
    #[inline]
    pub(crate) fn unix(&self) -> Option<i64> {
        let (date, expires) = (self.date?, self.expires?);
        // The values S3 writes are plain digits: read in place; anything else
        // (escapes, blanks) is decoded and trimmed first, off the usual path.
        let date = match amz_date_unix(date) {
            Some(unix) => unix,
            None => amz_date_unix(&decoded_trimmed(date))?,
        };
        let seconds = match expires.as_bytes() {
            digits @ [_, ..] if digits.len() <= 9 && digits.iter().all(u8::is_ascii_digit) => {
                digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0'))
            }
            _ => i64::from(decoded_trimmed(expires).parse::<u32>().ok()?),
        };
        let at = date + seconds;
        (at <= crate::expiry::MAX_UNIX).then_some(at)
    }
}

/// `text` percent-decoded, then trimmed (an owned copy).
#[cold]
#[inline(never)]
fn decoded_trimmed(text: &str) -> String {
    trim(&crate::encode::percent_decoded(text)).to_owned()
}

/// [`parse_amz_date`] as unix seconds, by integer arithmetic; `None` for a date or
/// time that does not exist.
#[inline]
pub(crate) fn amz_date_unix(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let (hour, minute, second) = (num(9, 11)?, num(11, 13)?, num(13, 15)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = civil_days(num(0, 4)?, num(4, 6)?, num(6, 8)?)?;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// days-from-civil); `None` for a month or day that does not exist.
#[inline]
pub(crate) fn civil_days(year: i64, month: i64, day: i64) -> Option<i64> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > month_days {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// `text.trim()`, answered from the first and last bytes when both are visible
/// ASCII (a link, a date or a number from a vendor almost always is): the
/// general trim costs tens of instructions even with nothing to trim.
pub(crate) fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Parses the `yyyyMMdd'T'HHmmss'Z'` form used by `X-Amz-Date` and KooDrive's `X-Date`.
pub(crate) fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(amz_date_unix(text)?).ok()
}

/// Formats a UTC time as `yyyyMMdd'T'HHmmss'Z'`.
#[allow(dead_code)] // used by KooDrive and the fakes
#[inline]
pub(crate) fn format_amz_date(at: OffsetDateTime) -> String {
    // By hand, not `format!`: KooDrive signs every request with this date, and
    // the formatting machinery cost ten times the rest. Negative years (which no
    // clock reports) fall back to `format!`; `time` has no year past 9999.
    let at = crate::link::utc(at);
    let Ok(year) = u16::try_from(at.year()) else {
        return format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
    };
    fn push(out: &mut String, n: u16, width: u32) {
        for place in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u16.pow(place) % 10) as u8));
        }
    }
    let mut out = String::with_capacity(16);
    push(&mut out, year, 4);
    push(&mut out, u16::from(u8::from(at.month())), 2);
    push(&mut out, u16::from(at.day()), 2);
    out.push('T');
    push(&mut out, u16::from(at.hour()), 2);
    push(&mut out, u16::from(at.minute()), 2);
    push(&mut out, u16::from(at.second()), 2);
    out.push('Z');
    out
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
        out.push_str(&crate::url::redact_url(url));
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

fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.as_bytes();
    let mut i = 0;
    while i + 7 <= lower.len() {
        let window = &lower[i..];
        if window.len() >= 8 && window[..8].eq_ignore_ascii_case(b"https://") {
            return Some(i);
        }
        if window[..7].eq_ignore_ascii_case(b"http://") {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// At most `max` bytes of `text`, cut on a char boundary, with `…` when cut.
pub(crate) fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
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
    use super::*;

    #[test]
    fn trim_agrees_with_str_trim() {
        for text in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{3000}a",
            "a\u{85}",
            "é",
            "éa",
            "aé",
            "\u{2028}",
            "ab",
            "a b",
            "\ta\n",
            "\u{7f}",
            "a\u{7f}",
            "\u{feff}a",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    /// The integer reading gives the instant `time`'s calendar gives, for every
    /// year `time` knows and every month and day, valid or not.
    #[test]
    fn amz_date_unix_agrees_with_time() {
        // The same text read with `time`'s calendar.
        fn by_calendar(text: &str) -> Option<OffsetDateTime> {
            let b = text.as_bytes();
            if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
                return None;
            }
            let num = |from: usize, to: usize| text.get(from..to)?.parse::<u16>().ok();
            let small = |from: usize| u8::try_from(num(from, from + 2)?).ok();
            let month = time::Month::try_from(small(4)?).ok()?;
            let date =
                time::Date::from_calendar_date(i32::from(num(0, 4)?), month, small(6)?).ok()?;
            let clock = time::Time::from_hms(small(9)?, small(11)?, small(13)?).ok()?;
            Some(time::PrimitiveDateTime::new(date, clock).assume_utc())
        }
        let mut rng = crate::test_rng::Rng(0x5DEE_CE66_D1CE_4E5B);
        for round in 0..50_000 {
            let text = format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                rng.below(10_000),
                rng.below(14),
                rng.below(33),
                rng.below(25),
                rng.below(61),
                rng.below(61)
            );
            assert_eq!(
                amz_date_unix(&text),
                by_calendar(&text).map(OffsetDateTime::unix_timestamp),
                "round {round}: {text}"
            );
        }
        assert_eq!(amz_date_unix("19700101T000000Z"), Some(0));
        assert_eq!(amz_date_unix("20240229T235959Z"), Some(1_709_251_199));
        assert_eq!(amz_date_unix("20230229T000000Z"), None);
    }

    #[test]
    fn amz_expiry_from_koodrive_example() {
        let url = "https://b/5e?response-content-disposition=attachment%3B&X-Amz-Date=20231227T072939Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=9d";
        let at = amz_expiry(url).unwrap();
        assert_eq!(at, time::macros::datetime!(2023-12-27 08:29:39 UTC));
    }

    #[test]
    fn amz_expiry_needs_both_parameters() {
        assert_eq!(amz_expiry("https://h/p?X-Amz-Date=20231227T072939Z"), None);
        assert_eq!(amz_expiry("https://h/p?X-Amz-Expires=3"), None);
        assert_eq!(amz_expiry("https://h/p"), None);
        assert_eq!(
            amz_expiry("https://h/p?X-Amz-Date=2023122XT072939Z&X-Amz-Expires=3"),
            None
        );
        assert_eq!(
            amz_expiry("https://h/p?X-Amz-Date=20231327T072939Z&X-Amz-Expires=3"),
            None
        );
    }

    /// The plain pair-by-pair reading the fast `amz_expiry` must agree with.
    fn amz_expiry_reference(url: &str) -> Option<OffsetDateTime> {
        let query = url.split('#').next().unwrap_or("").split_once('?')?.1;
        let param = |name: &str| {
            query.split('&').find_map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key == name).then(|| crate::encode::percent_decode(value))
            })
        };
        let date = parse_amz_date(param("X-Amz-Date")?.trim())?;
        let seconds: u32 = param("X-Amz-Expires")?.trim().parse().ok()?;
        date.checked_add(time::Duration::seconds(i64::from(seconds)))
    }

    #[test]
    fn amz_expiry_agrees_with_the_pairwise_reading() {
        let d = "20231227T072939Z";
        let cases = [
            format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=60"),
            format!("https://h/p?a=1&X-Amz-Expires=60&b&X-Amz-Date={d}#frag"),
            format!("https://h/p?xX-Amz-Date=19990101T000000Z&X-Amz-Date={d}&X-Amz-Expires=5"),
            format!("https://h/p?X-Amz-Dates=1&X-Amz-Date={d}&X-Amz-Expires=5"),
            format!("https://h/p?X-Amz-Date={d}&X-Amz-Date=20000101T000000Z&X-Amz-Expires=5"),
            format!("https://h/p?X-Amz-Date&X-Amz-Date={d}&X-Amz-Expires=5"),
            format!("https://h/p?X-Amz-Date=&X-Amz-Date={d}&X-Amz-Expires=5"),
            format!("https://h/p?X-Amz-Date={d}#&X-Amz-Expires=5"),
            format!("https://h/p#x?X-Amz-Date={d}&X-Amz-Expires=5"),
            "https://h/p?X-Amz-Date=2023%31227T072939Z&X-Amz-Expires=%360".to_owned(),
            format!("https://h/p?X-Amz-Date={d}=x&X-Amz-Expires=5"),
            format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=+5"),
            format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires= 5 "),
            format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=99999999999"),
            format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires"),
            format!("https://h/p?X-Amz-Date={d}&&X-Amz-Expires=7&"),
            format!("https://h/p?&X-Amz-Date={d}&X-Amz-Expires=7"),
            format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=7?X-Amz-Expires=8"),
            "https://h/p?X-Amz-Date=99991231T235959Z&X-Amz-Expires=4294967295".to_owned(),
            "https://h/p?".to_owned(),
            "no query at all".to_owned(),
            "?X-Amz-Date=20231227T072939Z&X-Amz-Expires=1".to_owned(),
            "https://h/é?X-Amz-Date=20231227T072939Z&é=é&X-Amz-Expires=1".to_owned(),
        ];
        for url in &cases {
            assert_eq!(amz_expiry(url), amz_expiry_reference(url), "{url}");
        }
        assert!(amz_expiry(&cases[0]).is_some());
        assert!(amz_expiry(&cases[2]).is_some());
        // Generated queries of the pieces that matter to the search: names as
        // prefixes, inside values, repeated, bare, with escapes and blanks.
        const PIECES: &[&str] = &[
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-Date=20231227T072939Z",
            "X-Amz-Expires=60",
            "&X-Amz-Date=20231227T072939Z&",
            "&X-Amz-Expires=60&",
            "&X-Amz-Date=20231227T072939Z&",
            "&X-Amz-Expires=60&",
            "X-Amz-Dat",
            "xX-Amz-Date",
            "=",
            "&",
            "&&",
            "#",
            "?",
            "60",
            "%36",
            " ",
            "20240229T235959Z",
            "2023%31227T072939Z",
            "é",
            "a=X-Amz-Expires",
        ];
        let mut rng = crate::test_rng::Rng(0xA3A5_0D47_E5C1_7B29);
        let mut found = 0;
        for round in 0..30_000 {
            let query: String = rng.pieces(PIECES, 9);
            let url = format!("https://h/p?{query}");
            let fast = amz_expiry(&url);
            assert_eq!(fast, amz_expiry_reference(&url), "round {round}: {url}");
            found += usize::from(fast.is_some());
        }
        assert!(found > 500, "{found}");
        assert_eq!(
            amz_expiry(&cases[4]),
            Some(time::macros::datetime!(2023-12-27 07:29:44 UTC))
        );
    }

    #[test]
    fn is_http_url_fast_path_agrees_with_char_check() {
        let reference = |url: &str| {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            rest.is_some_and(|r| {
                !r.is_empty()
                    && !r.starts_with(['/', '?', '#'])
                    && !r.chars().any(|c| c.is_whitespace() || c.is_control())
            })
        };
        for b in 0u8..=0x7f {
            let url = format!("https://h/p?a={}b", char::from(b));
            assert_eq!(is_http_url(&url), reference(&url), "byte {b:#x}");
        }
        for c in [
            '\u{85}', '\u{a0}', '\u{2028}', '\u{3000}', 'é', '\u{9f}', '😀',
        ] {
            let url = format!("http://h/{c}");
            assert_eq!(is_http_url(&url), reference(&url), "{c:?}");
        }
    }

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
    fn amz_date_formats_like_the_format_string() {
        use time::macros::datetime;
        for at in [
            datetime!(2024-09-09 03:33:25 UTC),
            datetime!(0001-01-01 00:00:00 UTC),
            datetime!(9999-12-31 23:59:59 UTC),
            datetime!(2026-11-30 08:00:00 -05:00),
        ] {
            let utc = at.to_offset(time::UtcOffset::UTC);
            let expected = format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                utc.year(),
                u8::from(utc.month()),
                utc.day(),
                utc.hour(),
                utc.minute(),
                utc.second()
            );
            assert_eq!(format_amz_date(at), expected);
        }
    }

    #[test]
    fn amz_date_round_trips() {
        let at = parse_amz_date("20240909T033325Z").unwrap();
        assert_eq!(format_amz_date(at), "20240909T033325Z");
        assert_eq!(parse_amz_date("20240909T033325"), None);
        assert_eq!(parse_amz_date("2024090９T03332Z"), None);
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
        let url = "https://h/p#x?X-Amz-Date=20231227T072939Z&X-Amz-Expires=5";
        assert_eq!(amz_expiry(url), None);
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
    fn sign_expiry_forms() {
        let url = "http://h/api/v4/file/archive/x/archive.zip?sign=1CgU15Is0ezKeTVKE_OAu2tJJoB6lN5s_DvRXTcP7GQ%3D%3A1749525301";
        assert_eq!(
            sign_expiry(url),
            Some(Some(time::macros::datetime!(2025-06-10 03:15:01 UTC)))
        );
        assert_eq!(sign_expiry("http://h/p?sign=abc%3A0"), Some(None));
        assert_eq!(sign_expiry("http://h/p?sign=abc"), None);
        assert_eq!(sign_expiry("http://h/p"), None);
        assert_eq!(url_expiry("http://h/p?sign=abc%3A0"), Expiry::Never);
        assert_eq!(url_expiry("http://h/p?x=1"), Expiry::Unknown);
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
        assert_eq!(bounded("ééé", 3), "é…");
        assert_eq!(bounded("abc", 3), "abc");
    }
}
