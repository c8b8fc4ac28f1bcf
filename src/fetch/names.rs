//! File names: read from a reply, made safe for a folder, kept unique, cut to
//! fit the file system beside the crate's temporary names.

use std::collections::{HashMap, HashSet};

/// The longest name the crate gives a file, in bytes: 255 (the common file
/// system limit) less what the temporary names add (`.`, `~N`,
/// `.dlurl-part`).
pub(super) const MAX_NAME: usize = 240;

/// The longest extension kept whole when a name is cut.
const MAX_EXTENSION: usize = 20;

/// The file name of a `Content-Disposition` value: `filename*=UTF-8''…` first,
/// else `filename=` (quoted or not). Not sanitised.
///
/// ```
/// use download_url::fetch::content_disposition_name;
/// let name = content_disposition_name("attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf");
/// assert_eq!(name.as_deref(), Some("€ rates.pdf"));
/// ```
pub fn content_disposition_name(value: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    let mut rest = value;
    while let Some((_, param)) = rest.split_once(';') {
        let (key, after) = param.split_once('=')?;
        let after = after.trim_start();
        let val;
        (val, rest) = match after.strip_prefix('"') {
            Some(quoted) => unquote(quoted),
            None => {
                let end = after.find(';').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            }
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => match val.split_once('\'') {
                Some((charset, rest)) if charset.eq_ignore_ascii_case("utf-8") => {
                    let encoded = rest.split_once('\'').map_or(rest, |(_, v)| v);
                    extended = Some(crate::encode::percent_decode(encoded));
                }
                _ => {}
            },
            "filename" => plain = Some(val),
            _ => {}
        }
    }
    let named = |n: &String| !n.is_empty();
    extended.filter(named).or(plain.filter(named))
}

/// The value of a quoted string (its opening quote already taken), backslash
/// escapes undone, and what follows its closing quote.
fn unquote(quoted: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.extend(chars.next().map(|(_, c)| c)),
            '"' => return (out, &quoted[i + 1..]),
            c => out.push(c),
        }
    }
    (out, "")
}

/// A name safe to create in a directory: path separators and `..`/`.`
/// components are dropped (the parts joined by `_`), control characters and
/// `<>:"|?*` become `_`, bidi controls and invisible format characters
/// (zero-width, soft hyphen, tag characters) are dropped so that the name on
/// disk is the one a terminal shows, leading dots and spaces and trailing dots
/// and spaces are trimmed, and the name is cut to 240 bytes keeping its
/// extension. `None` when nothing is left.
///
/// ```
/// use download_url::fetch::sanitize_file_name;
/// assert_eq!(sanitize_file_name("../../etc/passwd").as_deref(), Some("etc_passwd"));
/// assert_eq!(sanitize_file_name("a\u{7}b\r\n.pdf").as_deref(), Some("a_b__.pdf"));
/// assert_eq!(sanitize_file_name("invoice\u{202E}fdp.exe").as_deref(), Some("invoicefdp.exe"));
/// assert_eq!(sanitize_file_name(".."), None);
/// ```
pub fn sanitize_file_name(name: &str) -> Option<String> {
    let cleaned: String = name
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect::<Vec<_>>()
        .join("_")
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let out = fit(trimmed, "", MAX_NAME);
    (!out.is_empty() && out != "..").then_some(out)
}

/// Bidi controls and format characters that draw nothing: a name holding them
/// looks like another name.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// `name` with `suffix` put before its extension, cut by bytes (at a character
/// boundary) so that the whole is at most `max` bytes; the extension is kept
/// when it is short.
fn fit(name: &str, suffix: &str, max: usize) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_EXTENSION => name.split_at(dot),
        _ => (name, ""),
    };
    let room = max.saturating_sub(suffix.len() + ext.len());
    let stem = crate::url::cut(stem, room).trim_end_matches(['.', ' ']);
    format!("{stem}{suffix}{ext}")
}

/// The last segment of `url`'s path, percent-decoded and sanitised.
pub(super) fn url_file_name(url: &str) -> Option<String> {
    let (_, rest) = crate::url::split_http_scheme(url)?;
    let path = &rest[rest.find('/')?..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let segment = path.rsplit('/').find(|s| !s.is_empty())?;
    sanitize_file_name(&crate::encode::percent_decode(segment))
}

/// The names a fetcher has given out, so that two links with one name get
/// `name`, `name (2)`, `name (3)`… Each name remembers the next number to try:
/// naming many links with one name takes time linear in their number.
#[derive(Debug, Default)]
pub(super) struct Taken {
    used: HashSet<String>,
    next: HashMap<String, u32>,
    /// What each link (its key) got for each name it asked for.
    given: HashMap<(String, String), String>,
}

impl Taken {
    /// Marks `name` as used (a path given whole).
    pub(super) fn mark(&mut self, name: &str) {
        self.used.insert(name.to_owned());
    }

    /// `name`, or the first free `name (n)`, marked as used; the link `key`
    /// asking again (a retry) gets the same answer.
    pub(super) fn claim(&mut self, name: &str, key: &str) -> String {
        let asked = (key.to_owned(), name.to_owned());
        if let Some(given) = self.given.get(&asked) {
            return given.clone();
        }
        let mut candidate = name.to_owned();
        let n = self.next.entry(name.to_owned()).or_insert(2);
        while !self.used.insert(candidate.clone()) {
            candidate = fit(name, &format!(" ({n})"), MAX_NAME);
            *n += 1;
        }
        self.given.insert(asked, candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitised() {
        assert_eq!(
            sanitize_file_name("a/b\\c.txt").as_deref(),
            Some("a_b_c.txt")
        );
        assert_eq!(sanitize_file_name("../x").as_deref(), Some("x"));
        assert_eq!(sanitize_file_name(".hidden").as_deref(), Some("hidden"));
        assert_eq!(sanitize_file_name("  ").as_deref(), None);
        assert_eq!(sanitize_file_name("...").as_deref(), None);
        assert_eq!(sanitize_file_name("\u{200B}\u{2066}"), None);
        assert_eq!(sanitize_file_name("a\u{1b}[31m").as_deref(), Some("a_[31m"));
        assert_eq!(
            url_file_name("https://h/a/b%20c.pdf?x=1").as_deref(),
            Some("b c.pdf")
        );
        assert_eq!(
            url_file_name("https://h/a/..%2F..%2Fetc").as_deref(),
            Some("etc")
        );
        assert_eq!(url_file_name("https://h/"), None);
    }

    #[test]
    fn long_names_keep_their_extension_within_240_bytes() {
        let long = format!("{}.tar.gz", "é".repeat(300));
        let name = sanitize_file_name(&long).unwrap();
        assert!(
            name.len() <= MAX_NAME && name.len() >= MAX_NAME - 1,
            "{}",
            name.len()
        );
        assert!(name.ends_with(".gz"));
        // An "extension" too long to be one is cut with the rest.
        let name = sanitize_file_name(&format!("a.{}", "b".repeat(300))).unwrap();
        assert_eq!(name.len(), MAX_NAME);
        let mut taken = Taken::default();
        let a = taken.claim(&"x".repeat(240), "a");
        let b = taken.claim(&"x".repeat(240), "b");
        assert_eq!(a.len(), 240);
        assert!(b.ends_with(" (2)") && b.len() == 240, "{b}");
    }

    #[test]
    fn names_taken_twice_are_numbered() {
        let mut taken = Taken::default();
        let names: Vec<String> = ["a.pdf", "a.pdf", "a (2).pdf", "a.pdf", "b"]
            .iter()
            .enumerate()
            .map(|(key, n)| taken.claim(n, &key.to_string()))
            .collect();
        assert_eq!(
            names,
            ["a.pdf", "a (2).pdf", "a (2) (2).pdf", "a (3).pdf", "b"]
        );
    }

    #[test]
    fn content_disposition() {
        let n = |v| content_disposition_name(v);
        assert_eq!(
            n("attachment; filename=\"a b.pdf\"").as_deref(),
            Some("a b.pdf")
        );
        assert_eq!(
            n("attachment; filename=plain.txt").as_deref(),
            Some("plain.txt")
        );
        assert_eq!(
            n("attachment; filename=\"x.pdf\"; filename*=UTF-8''%E2%82%AC%20rates.pdf").as_deref(),
            Some("€ rates.pdf")
        );
        assert_eq!(n("inline").as_deref(), None);
        // An empty `filename*` does not hide a usable `filename` (RFC 6266 §4.3).
        assert_eq!(
            n("attachment; filename=\"x.pdf\"; filename*=UTF-8''").as_deref(),
            Some("x.pdf")
        );
        assert_eq!(
            n("attachment; filename=\"q\\\"uote\"").as_deref(),
            Some("q\"uote")
        );
    }
}
