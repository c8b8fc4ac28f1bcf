//! The base URL of a vendor, parsed and checked before anything is sent.

use crate::error::Error;
use crate::vendor::Vendor;

/// A checked base URL (`http(s)://host[:port][/prefix]`): what a
/// [`BaseUrl`](crate::BaseUrl) of a config says, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedBase {
    /// `http` or `https`, lowercase.
    pub scheme: &'static str,
    /// `host[:port]` exactly as given (lowercased).
    pub authority: String,
    /// Host without port or brackets.
    pub host: String,
    /// Explicit port, if any.
    pub port: Option<u16>,
    /// Path prefix without trailing `/` (may be empty).
    pub path: String,
}

impl ParsedBase {
    /// Parses and checks a base URL; `field` names it in errors.
    pub fn parse(vendor: Vendor, field: &'static str, text: &str) -> Result<ParsedBase, Error> {
        let bad = |why: &str| Error::invalid(vendor, field, why.to_owned());
        let text = text.trim();
        let (scheme, rest) = match crate::url::split_http_scheme(text) {
            Some((scheme, rest)) if !rest.is_empty() => (scheme, rest),
            _ => return Err(bad("must start with http:// or https://")),
        };
        if rest.contains(['?', '#']) {
            return Err(bad("must not contain a query or fragment"));
        }
        if !crate::url::is_printable(rest) {
            return Err(bad("must not contain spaces or control characters"));
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err(bad(
                "must not contain user info (put credentials in the config)",
            ));
        }
        let authority = authority.to_ascii_lowercase();
        let (host, port) =
            split_host_port(&authority).ok_or_else(|| bad("has an invalid host or port"))?;
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        Ok(ParsedBase {
            scheme,
            host: host.to_owned(),
            port,
            path: path.trim_end_matches('/').to_owned(),
            authority,
        })
    }

    /// The value of the `Host` header a request to this base carries: the host,
    /// with the port only when it is not the scheme's default (as ureq writes it).
    pub fn host_header(&self) -> String {
        let default = if self.scheme == "https" { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(p) if p != default => format!("{host}:{p}"),
            _ => host,
        }
    }

    /// Whether the host is loopback, by the crate's one rule
    /// ([`is_loopback_host`](super::policy::is_loopback_host)).
    pub fn is_loopback(&self) -> bool {
        super::policy::is_loopback_host(&self.host)
    }

    /// `scheme://authority/prefix` followed by the pieces of `path` (the first
    /// starts with `/`).
    pub fn join(&self, path: &[&str]) -> String {
        let mut url = [self.scheme, "://", &self.authority, &self.path].concat();
        for part in path {
            url.push_str(part);
        }
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
mod tests {
    use super::*;

    #[test]
    fn base_url_validation() {
        let ok = ParsedBase::parse(Vendor::Kie, "base_url", "https://API.kie.ai/").unwrap();
        assert_eq!(ok.join(&["/x"]), "https://api.kie.ai/x");
        assert_eq!(ok.host_header(), "api.kie.ai");
        let port =
            ParsedBase::parse(Vendor::Kie, "base_url", "http://127.0.0.1:8080/pre/").unwrap();
        assert_eq!(port.join(&["/x", "/y"]), "http://127.0.0.1:8080/pre/x/y");
        assert_eq!(port.host_header(), "127.0.0.1:8080");
        assert!(port.is_loopback());
        let v6 = ParsedBase::parse(Vendor::Kie, "base_url", "http://[::1]:9/").unwrap();
        assert!(v6.is_loopback());
        assert_eq!(v6.host_header(), "[::1]:9");
        let default_port = ParsedBase::parse(Vendor::Kie, "base_url", "https://h:443").unwrap();
        assert_eq!(default_port.host_header(), "h");
        for bad in [
            "ftp://x",
            "https://",
            "https://u:p@h",
            "https://h?q",
            "https://h:99999",
            "https://h x",
            "h",
        ] {
            assert!(
                ParsedBase::parse(Vendor::Kie, "base_url", bad).is_err(),
                "{bad}"
            );
        }
        for remote in [
            "http://192.168.1.5",
            "http://x.localhost",
            "http://localhost.example",
        ] {
            let base = ParsedBase::parse(Vendor::Kie, "base_url", remote).unwrap();
            assert!(!base.is_loopback(), "{remote}");
        }
        let name = ParsedBase::parse(Vendor::Kie, "base_url", "http://LOCALHOST:1").unwrap();
        assert!(name.is_loopback());
    }
}
