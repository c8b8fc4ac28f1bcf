//! What every vendor's `Config` shares: reading it from the environment, the
//! bounds on every input, checked in one place ([`check_input`]) before anything
//! is sent, and the base URL ([`BaseUrl`]), parsed and checked once, when it is
//! built, and printed redacted.

use std::fmt;

use crate::error::Error;
use crate::vendor::Vendor;

/// The value of environment variable `name` when it is set and not blank.
pub(crate) fn env_optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `base_url` replaced by environment variable `name` when it is set and not
/// blank (every vendor's optional `<VENDOR>_BASE_URL`).
#[allow(dead_code)] // Cloudreve has no default base URL: its base URL is required
pub(crate) fn env_base_url(base_url: &mut BaseUrl, name: &str) {
    if let Some(value) = env_optional(name) {
        *base_url = value.into();
    }
}

/// The value of environment variable `name`, or [`Error::InvalidInput`] naming it
/// (unset, blank, or not UTF-8).
pub(crate) fn env_required(vendor: Vendor, name: &'static str) -> Result<String, Error> {
    env_optional(name).ok_or_else(|| Error::invalid(vendor, name, "is not set"))
}

/// The longest credential (API key, token, ticket, app id or secret) accepted, in
/// bytes: 4 KiB. Servers and gateways refuse request heads over 8 KiB in all.
pub const MAX_CREDENTIAL_LEN: usize = 4 << 10;
/// The longest plain header value accepted (user id, organization id, trace id,
/// language…), in bytes: 1 KiB.
pub const MAX_HEADER_LEN: usize = 1 << 10;
/// The longest id accepted (a Datalab, BlendVision or KooDrive file id, a KooDrive
/// space id), in bytes: 1 KiB — far above any id the vendors hand out.
pub const MAX_ID_LEN: usize = 1 << 10;
/// The longest URL or URI accepted as an item (a kie.ai file URL, a Cloudreve
/// URI), in bytes: 8 KiB, the common limit of a request line.
pub const MAX_URL_LEN: usize = 8 << 10;

/// Whether `text` is empty or only whitespace.
pub(crate) fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The one input check: `value` must not be blank and must fit in `max` bytes;
/// the error names `field` (the config field or argument, never a header).
pub(crate) fn check_input(
    vendor: Vendor,
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), Error> {
    if is_blank(value) {
        return Err(Error::invalid(vendor, field, "must not be empty"));
    }
    if value.len() > max {
        let why = format!("is {} bytes long; at most {max} are accepted", value.len());
        return Err(Error::invalid(vendor, field, why));
    }
    Ok(())
}

/// One path segment for an id: rejects empty, `.` and `..` (which a server or proxy
/// would normalise away) and percent-encodes everything else.
#[allow(dead_code)] // only Datalab and BlendVision put an id in the path
pub(crate) fn path_segment<'a>(
    vendor: Vendor,
    field: &'static str,
    id: &'a str,
) -> Result<std::borrow::Cow<'a, str>, Error> {
    check_input(vendor, field, id, MAX_ID_LEN)?;
    match id {
        "." | ".." => Err(Error::invalid(vendor, field, "must not be `.` or `..`")),
        _ => Ok(percent_encoding::utf8_percent_encode(id, crate::encode::NOT_UNRESERVED).into()),
    }
}

/// The base URL of a vendor in its `Config` (`https://host[:port][/prefix]`).
///
/// It is plain text, checked when it is built (scheme `http` or `https`, a
/// host, no user info, query or fragment; a call with a base URL that fails is
/// refused before anything is sent); `Debug` and `Display` show it with
/// any user info left out and the query replaced by `[redacted]`, as
/// [`redact_url`] does, so
/// that a config can be printed whatever was put into it. Build one from a
/// string: `"https://cloud.example.com".into()`.
///
/// ```
/// use download_url::BaseUrl;
/// let base = BaseUrl::from("https://user:pw@cloud.example.com/?token=t");
/// assert_eq!(format!("{base:?}"), "BaseUrl(\"https://cloud.example.com/?[redacted]\")");
/// assert_eq!(base.as_str(), "https://user:pw@cloud.example.com/?token=t");
/// ```
///
/// [`redact_url`]: crate::redact_url
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(Result<ParsedBase, &'static str>, String);

impl BaseUrl {
    /// Wraps a base URL (a call refuses one that is not usable).
    pub fn new(url: impl Into<String>) -> Self {
        let url: String = url.into();
        BaseUrl(ParsedBase::parse(&url), url)
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.1
    }

    /// The URL taken apart, or the [`Error::InvalidInput`](crate::Error::InvalidInput)
    /// of `vendor` naming `base_url` and why it is refused.
    pub(crate) fn parsed(&self, vendor: Vendor) -> Result<&ParsedBase, Error> {
        self.0
            .as_ref()
            .map_err(|why| Error::invalid(vendor, "base_url", *why))
    }
}

impl Default for BaseUrl {
    fn default() -> Self {
        BaseUrl::new(String::new())
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BaseUrl")
            .field(&crate::url::redact_url(&self.1))
            .finish()
    }
}

impl fmt::Display for BaseUrl {
    /// The URL, with user info and query redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::url::redact_url(&self.1))
    }
}

impl std::ops::Deref for BaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.1
    }
}

impl AsRef<str> for BaseUrl {
    fn as_ref(&self) -> &str {
        &self.1
    }
}

/// So that a base URL can be handed to `std::env::set_var` or a `Command` as it is.
impl AsRef<std::ffi::OsStr> for BaseUrl {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.1.as_ref()
    }
}

impl From<String> for BaseUrl {
    fn from(url: String) -> Self {
        BaseUrl::new(url)
    }
}

impl From<&str> for BaseUrl {
    fn from(url: &str) -> Self {
        BaseUrl::new(url)
    }
}

impl From<&String> for BaseUrl {
    fn from(url: &String) -> Self {
        BaseUrl::new(url.as_str())
    }
}

impl PartialEq<str> for BaseUrl {
    fn eq(&self, other: &str) -> bool {
        self.1 == other
    }
}

impl PartialEq<&str> for BaseUrl {
    fn eq(&self, other: &&str) -> bool {
        self.1 == *other
    }
}

/// A checked base URL (`http(s)://host[:port][/prefix]`): what a
/// [`BaseUrl`] of a config says, in the forms a call needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ParsedBase {
    /// `http` or `https`, lowercase.
    pub scheme: &'static str,
    /// `scheme://host[:port]/prefix`: the scheme and authority lowercased, the
    /// prefix without its trailing `/` (may be empty). Paths are appended to it.
    pub root: String,
    /// The value of the `Host` header a request to this base carries: the host,
    /// with the port only when it is not the scheme's default (as ureq writes it).
    pub host_header: String,
    /// Whether the host is loopback, by the crate's one rule
    /// ([`is_loopback_host`](crate::url::is_loopback_host)).
    pub loopback: bool,
}

impl ParsedBase {
    /// Parses and checks a base URL; the error says why it is refused.
    pub fn parse(text: &str) -> Result<ParsedBase, &'static str> {
        let (scheme, rest) = crate::url::split_http_scheme(text.trim())
            .filter(|(_, rest)| !rest.is_empty())
            .ok_or("must start with http:// or https://")?;
        if rest.contains(['?', '#']) {
            return Err("must not contain a query or fragment");
        }
        if !crate::url::is_printable(rest) {
            return Err("must not contain spaces or control characters");
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err("must not contain user info (put credentials in the config)");
        }
        let authority = authority.to_ascii_lowercase();
        let (host, port) = split_host_port(&authority).ok_or("has an invalid host or port")?;
        if host.is_empty() {
            return Err("has no host");
        }
        let default = if scheme == "https" { 443 } else { 80 };
        let shown = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        Ok(ParsedBase {
            scheme,
            root: [scheme, "://", &authority, path.trim_end_matches('/')].concat(),
            host_header: match port {
                Some(p) if p != default => format!("{shown}:{p}"),
                _ => shown,
            },
            loopback: crate::url::is_loopback_host(host),
        })
    }

    /// [`root`](Self::root) followed by the pieces of `path` (the first starts
    /// with `/`).
    pub fn join(&self, path: &[&str]) -> String {
        // One allocation: the whole length is known.
        let len = self.root.len() + path.iter().map(|p| p.len()).sum::<usize>();
        let mut url = String::with_capacity(len);
        url.push_str(&self.root);
        url.extend(path.iter().copied());
        url
    }
}

fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match authority.split_once(':') {
        None => Some((authority, None)),
        Some((host, port)) => Some((host, Some(port.parse().ok()?))),
    }
}

#[cfg(test)]
mod base_url_tests {
    use super::*;

    #[test]
    fn base_url_validation() {
        let ok = ParsedBase::parse("https://API.kie.ai/").unwrap();
        assert_eq!(ok.join(&["/x"]), "https://api.kie.ai/x");
        assert_eq!(ok.host_header, "api.kie.ai");
        let port = ParsedBase::parse("http://127.0.0.1:8080/pre/").unwrap();
        assert_eq!(port.join(&["/x", "/y"]), "http://127.0.0.1:8080/pre/x/y");
        assert_eq!(port.host_header, "127.0.0.1:8080");
        assert!(port.loopback);
        let v6 = ParsedBase::parse("http://[::1]:9/").unwrap();
        assert!(v6.loopback);
        assert_eq!(v6.host_header, "[::1]:9");
        let default_port = ParsedBase::parse("https://h:443").unwrap();
        assert_eq!(default_port.host_header, "h");
        for bad in [
            "ftp://x",
            "https://",
            "https://u:p@h",
            "https://h?q",
            "https://h:99999",
            "https://h x",
            "h",
        ] {
            assert!(ParsedBase::parse(bad).is_err(), "{bad}");
        }
        for remote in [
            "http://192.168.1.5",
            "http://x.localhost",
            "http://localhost.example",
        ] {
            assert!(!ParsedBase::parse(remote).unwrap().loopback, "{remote}");
        }
        assert!(ParsedBase::parse("http://LOCALHOST:1").unwrap().loopback);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_segment_never_changes_the_route() {
        assert!(path_segment(Vendor::Datalab, "file_id", "..").is_err());
        assert!(path_segment(Vendor::Datalab, "file_id", ".").is_err());
        assert!(path_segment(Vendor::Datalab, "file_id", "").is_err());
        assert_eq!(
            path_segment(Vendor::Datalab, "file_id", "../x").unwrap(),
            "..%2Fx"
        );
    }
}
