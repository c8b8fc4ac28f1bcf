//! The base URL of a vendor, parsed and checked once, when the
//! [`BaseUrl`](crate::BaseUrl) is built.

/// A checked base URL (`http(s)://host[:port][/prefix]`): what a
/// [`BaseUrl`](crate::BaseUrl) of a config says, in the forms a call needs.
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
    /// ([`is_loopback_host`](super::policy::is_loopback_host)).
    pub loopback: bool,
}

impl ParsedBase {
    /// Parses and checks a base URL; the error says why it is refused.
    pub fn parse(text: &str) -> Result<ParsedBase, &'static str> {
        let text = text.trim();
        let (scheme, rest) = match crate::url::split_http_scheme(text) {
            Some((scheme, rest)) if !rest.is_empty() => (scheme, rest),
            _ => return Err("must start with http:// or https://"),
        };
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
            loopback: super::policy::is_loopback_host(host),
        })
    }

    /// [`root`](Self::root) followed by the pieces of `path` (the first starts
    /// with `/`).
    pub fn join(&self, path: &[&str]) -> String {
        let mut url =
            String::with_capacity(self.root.len() + path.iter().map(|p| p.len()).sum::<usize>());
        url.push_str(&self.root);
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
