//! The one transport path every vendor module uses (private).
//!
//! A vendor module describes its endpoint with a [`Call`] (method, base URL + path,
//! query, headers, JSON body) and gets back a [`Reply`] (status, headers, the whole
//! body read once under [`BODY_LIMIT`], and the time it arrived). Decoding helpers on
//! [`Reply`] turn bad bodies into [`Error::UnexpectedResponse`] with the status and a
//! bounded excerpt kept, and vendor refusals into [`Error::Api`].
//!
//! Whatever agent the caller passes, each request forces what the crate relies on:
//! HTTP error statuses are returned as replies (their bodies carry the vendor's
//! codes), redirects are never followed (credentials must not travel to another
//! host), each phase of the call is bounded ([`DEFAULT_TIMEOUT`] for a phase the
//! agent leaves unbounded, every duration capped at one day), the TLS provider is
//! one that is compiled in, and a request to a loopback host never goes through a
//! proxy. Each of these costs a request-level config (a copy of the agent's) only
//! when the agent does not already say it.
//!
//! The functions a call runs every time (here and in `url`, `expiry`, `encode`,
//! `link`) are `#[inline]`, their rare branches `#[cold]` functions of their own:
//! with the 16 codegen units of a default release build, each vendor's call is
//! then compiled in its own unit, its code in one place. Spread over the crate's
//! units, Datalab's call ran in 25 more 4 KiB pages of code than the raw ureq call
//! (15 now), fetched again on every call (see README, Performance). That includes
//! [`Call::send`]: one shared copy instead cost 0.5–0.7 % more CPU per call (30
//! interleaved runs) for 120 KB less in `dlurl`.

use std::cell::RefCell;
use std::io::Read;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use ureq::http::header::{ACCEPT, CONTENT_TYPE, HOST};
use ureq::http::uri::{Authority, PathAndQuery, Scheme};
use ureq::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use ureq::Agent;

use crate::error::{
    ApiDetail, ApiError, DecodeCategory, DecodeError, TransportError, TransportKind,
    UnexpectedReason, UnexpectedResponse,
};
use crate::url::{bounded, redact_url_queries};
use crate::{Error, Vendor};

/// The most bytes of a reply body the crate reads (4 MiB); a larger body is an
/// [`Error::UnexpectedResponse`] with reason [`TooLarge`](UnexpectedReason::TooLarge).
/// The limit applies after decompression, so a gzip bomb stops there too.
pub const BODY_LIMIT: usize = 4 << 20;

/// The most bytes of a body kept in [`UnexpectedResponse::body_excerpt`] (512).
pub const EXCERPT_LIMIT: usize = 512;

/// The bound on each phase of a call (30 s): receiving the response head,
/// receiving the body, sending the request head, sending the body; connecting is
/// bounded by the smaller of this and [`CONNECT_TIMEOUT`](crate::CONNECT_TIMEOUT).
///
/// [`agent()`](crate::agent()) sets these; on a caller's agent the vendor
/// functions fill in this bound for each phase the agent leaves unbounded (no
/// phase timeout and no overall or per-call timeout). It is not an overall
/// deadline: a server that keeps every phase moving can take up to the sum of the
/// phases plus the host lookup, which only the system resolver bounds. No overall
/// timeout is set because ureq 3 then resolves every host on a new thread.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// HTTP method of a vendor call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    #[cfg_attr(not(feature = "datalab"), allow(dead_code))]
    Get,
    Post,
}

thread_local! {
    /// The last base URL [`BaseUrl::parse_cached`] parsed on this thread, with
    /// its text.
    static LAST_BASE: RefCell<Option<(String, Arc<BaseUrl>)>> = const { RefCell::new(None) };
}

/// A parsed, validated base URL (`http(s)://host[:port][/prefix]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    /// `http` or `https`, lowercase.
    pub scheme: &'static str,
    /// `host[:port]` exactly as given (lowercased host).
    pub authority: String,
    /// Host without port or brackets.
    pub host: String,
    /// Explicit port, if any.
    pub port: Option<u16>,
    /// Path prefix without trailing `/` (may be empty).
    pub path: String,
    /// The host is loopback (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`).
    loopback: bool,
    /// Scheme and authority as `http` parses them, once: each request's URI is
    /// put together from these and its path, instead of ureq parsing the whole
    /// URL text again on every call. `None` when `http` would not take them (the
    /// request then goes out as text, and ureq says what is wrong).
    parsed: Option<(Scheme, Authority)>,
    /// The `Host` header every request to this base carries ([`host_header`]),
    /// made once: ureq would otherwise format `host:port` on every call. `None`
    /// when it cannot be a header value (ureq then writes its own).
    ///
    /// [`host_header`]: BaseUrl::host_header
    host_value: Option<HeaderValue>,
}

impl BaseUrl {
    /// [`BaseUrl::parse`], remembered per thread for the last text parsed: a
    /// program calls one vendor with one config many times, and parsing the
    /// base URL (with its checks and three copies) cost more than building the
    /// rest of the request. Errors are never remembered.
    #[inline]
    pub fn parse_cached(
        vendor: Vendor,
        field: &'static str,
        text: &str,
    ) -> Result<Arc<BaseUrl>, Error> {
        let hit = LAST_BASE.with(|last| match &*last.borrow() {
            Some((seen, base)) if seen == text => Some(Arc::clone(base)),
            _ => None,
        });
        match hit {
            Some(base) => Ok(base),
            None => BaseUrl::parse_and_remember(vendor, field, text),
        }
    }

    /// The miss of [`BaseUrl::parse_cached`], out of line: the usual call only
    /// looks the text up.
    #[cold]
    #[inline(never)]
    fn parse_and_remember(
        vendor: Vendor,
        field: &'static str,
        text: &str,
    ) -> Result<Arc<BaseUrl>, Error> {
        let base = Arc::new(BaseUrl::parse(vendor, field, text)?);
        LAST_BASE.with(|last| *last.borrow_mut() = Some((text.to_owned(), Arc::clone(&base))));
        Ok(base)
    }

    /// Parses and validates a base URL; `field` names it in errors.
    pub fn parse(vendor: Vendor, field: &'static str, text: &str) -> Result<BaseUrl, Error> {
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
        let host = host.to_owned();
        let loopback = host == "localhost"
            || host.ends_with(".localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        let parsed = Scheme::try_from(scheme)
            .ok()
            .zip(Authority::try_from(authority.as_str()).ok());
        let mut base = BaseUrl {
            scheme,
            host,
            port,
            authority,
            path: path.trim_end_matches('/').to_owned(),
            loopback,
            parsed,
            host_value: None,
        };
        base.host_value = HeaderValue::from_str(&base.host_header()).ok();
        Ok(base)
    }

    /// The `Host` header every call to this base sends (set by [`Call::new`]),
    /// when it can be one.
    #[allow(dead_code)] // used by the request-signing vendors
    pub fn host_value(&self) -> Option<&str> {
        self.host_value.as_ref()?.to_str().ok()
    }

    /// The value of the `Host` header a request to this base carries: the host, with
    /// the port only when it is not the scheme's default (as ureq writes it).
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

    /// Whether the host is a loopback address (`localhost`, `127.0.0.0/8`, `::1`).
    #[inline]
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// `scheme://authority/prefix` followed by the pieces of `path` (the first
    /// starts with `/`), in one allocation.
    #[inline]
    pub fn join(&self, path: &[&str]) -> String {
        // Pushes, not `format!`: this runs on every call and the formatting
        // machinery cost more than the rest of building the request.
        let base = [self.scheme, "://", &self.authority, &self.path];
        let len = base.iter().chain(path).map(|p| p.len()).sum();
        let mut url = String::with_capacity(len);
        for part in base.iter().chain(path) {
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

/// A header name known at compile time: `HeaderName::from_static` evaluated once,
/// by the compiler, instead of on every call.
macro_rules! header_name {
    ($name:literal) => {
        const { ::ureq::http::HeaderName::from_static($name) }
    };
}
pub(crate) use header_name;

/// One request to a vendor, described by the vendor module.
pub(crate) struct Call {
    vendor: Vendor,
    method: Method,
    /// The host is loopback: never sent through a proxy.
    loopback: bool,
    /// Plain `http://` to a host that is not loopback: credentials would travel
    /// in cleartext.
    cleartext_remote: bool,
    url: String,
    /// Where the path starts in `url`.
    path_at: usize,
    /// The base's [`BaseUrl::parsed`].
    parsed: Option<(Scheme, Authority)>,
    has_query: bool,
    /// Every header the request sends beyond ureq's own, handed to the request
    /// builder whole instead of header by header (each `header()` moves the
    /// builder), and sized for them.
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    credentials: bool,
    /// Every secret value the request carries (credential headers, share
    /// passwords): scrubbed from whatever the server echoes back.
    secrets: Secrets,
    allow_insecure_http: bool,
    /// An overall cap for this one call (the `call_timeout` of a vendor config).
    call_timeout: Option<Duration>,
}

impl Call {
    /// A call to `path` (its pieces joined; starting with `/`, already
    /// percent-encoded) under `base`.
    #[inline]
    pub fn new(vendor: Vendor, method: Method, base: &BaseUrl, path: &[&str]) -> Call {
        Call::with_headers(vendor, method, base, path, 3)
    }

    /// [`Call::new`] with room for `headers` headers of the vendor's own (beside
    /// `Accept`, `Content-Type` and `Host`) without regrowing the map.
    #[inline]
    pub fn with_headers(
        vendor: Vendor,
        method: Method,
        base: &BaseUrl,
        path: &[&str],
        headers: usize,
    ) -> Call {
        // A map's first allocation holds six headers: up to six, that one (the
        // same code as every reply's headers) instead of a sized one. Every
        // header is appended: `insert` is more code to fetch on every call, for a
        // map that is empty here anyway.
        let mut headers = if headers + 3 > 6 {
            HeaderMap::with_capacity(headers + 3)
        } else {
            HeaderMap::new()
        };
        headers.append(ACCEPT, HeaderValue::from_static("application/json"));
        if method == Method::Post {
            headers.append(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(host) = &base.host_value {
            headers.append(HOST, host.clone());
        }
        Call {
            vendor,
            method,
            url: base.join(path),
            path_at: base.scheme.len() + "://".len() + base.authority.len(),
            parsed: base.parsed.clone(),
            loopback: base.is_loopback(),
            cleartext_remote: base.scheme == "http" && !base.is_loopback(),
            has_query: false,
            headers,
            body: None,
            credentials: false,
            secrets: Secrets::default(),
            allow_insecure_http: false,
            call_timeout: None,
        }
    }

    /// Appends `name=value` to the query, percent-encoding both.
    #[cfg_attr(not(feature = "datalab"), allow(dead_code))]
    pub fn query(mut self, name: &str, value: &str) -> Call {
        self.url.push(if self.has_query { '&' } else { '?' });
        self.url.push_str(&crate::encode::percent_encode(name));
        self.url.push('=');
        self.url.push_str(&crate::encode::percent_encode(value));
        self.has_query = true;
        self
    }

    /// Adds a header whose value comes from `field` of the config; a value that is
    /// blank, too long ([`MAX_HEADER_LEN`](crate::MAX_HEADER_LEN)) or cannot be
    /// sent is invalid input for `field`.
    #[allow(dead_code)] // not every vendor sends plain headers
    #[inline]
    pub fn header(self, name: HeaderName, field: &'static str, value: &str) -> Result<Call, Error> {
        crate::config::check_input(self.vendor, field, value, crate::MAX_HEADER_LEN)?;
        self.add_header(name, field, HeaderValue::from_str(value), false)
    }

    /// Adds the credential header `name`: `prefix` + `secret`, where `secret` comes
    /// from `field` of the config. The secret must not be blank, must fit in
    /// [`MAX_CREDENTIAL_LEN`](crate::MAX_CREDENTIAL_LEN), and must be visible
    /// ASCII (the bytes of a non-ASCII credential would go out as `obs-text`,
    /// which servers read differently). The header is marked sensitive, the
    /// cleartext guard applies, and an echo of the secret is scrubbed.
    #[inline]
    pub fn credential(
        mut self,
        name: HeaderName,
        field: &'static str,
        prefix: &str,
        secret: &crate::Secret,
    ) -> Result<Call, Error> {
        let kept = secret.clone();
        let secret = secret.expose();
        crate::config::check_input(self.vendor, field, secret, crate::MAX_CREDENTIAL_LEN)?;
        if !crate::url::is_ascii_text(secret) {
            return Err(Error::invalid(
                self.vendor,
                field,
                "contains characters that cannot be sent in an HTTP header (only visible ASCII)",
            ));
        }
        self.credentials = true;
        self.secrets.push(kept);
        // Copied into the value as ureq copies the reply's header values (the
        // same code, already fetched on every call); with a prefix, joined first.
        let value = if prefix.is_empty() {
            HeaderValue::from_bytes(secret.as_bytes())
        } else {
            let mut joined = String::with_capacity(prefix.len() + secret.len());
            joined.push_str(prefix);
            joined.push_str(secret);
            HeaderValue::from_bytes(joined.as_bytes())
        };
        self.add_header(name, field, value, true)
    }

    #[inline]
    fn add_header<E>(
        mut self,
        name: HeaderName,
        field: &'static str,
        value: Result<HeaderValue, E>,
        sensitive: bool,
    ) -> Result<Call, Error> {
        let mut header = value.map_err(|_| {
            Error::invalid(
                self.vendor,
                field,
                "contains characters that cannot be sent in an HTTP header",
            )
        })?;
        header.set_sensitive(sensitive);
        self.headers.append(name, header);
        Ok(self)
    }

    /// Sets the JSON body (compact bytes, sent with `Content-Type: application/json`).
    pub fn json(mut self, body: Vec<u8>) -> Call {
        self.body = Some(body);
        self
    }

    /// Marks the body as carrying these credentials (e.g. share passwords): the
    /// cleartext guard then applies even without a credential header, and an echo
    /// of any of them in the reply is scrubbed.
    #[allow(dead_code)] // not every vendor sends credentials in the body
    #[inline]
    pub fn carrying_secrets(mut self, secrets: impl IntoIterator<Item = crate::Secret>) -> Call {
        for secret in secrets {
            self.secrets.push(secret);
            self.credentials = true;
        }
        self
    }

    /// Caps this one call as a whole (DNS included): ureq then resolves the host on
    /// a helper thread, which costs tens of microseconds, so only a config that
    /// asks for it pays.
    pub fn call_timeout(mut self, timeout: Option<Duration>) -> Call {
        self.call_timeout = timeout;
        self
    }

    /// Allows credentials over plain `http://` to a host that is not loopback.
    pub fn allow_insecure_http(mut self, allow: bool) -> Call {
        self.allow_insecure_http = allow;
        self
    }

    /// The full request URL (for signing).
    #[allow(dead_code)] // used by the request-signing vendors
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The body that will be sent (for signing).
    #[allow(dead_code)] // used by the request-signing vendors
    pub fn body(&self) -> &[u8] {
        self.body.as_deref().unwrap_or(&[])
    }

    /// The request's URI: the base's parsed scheme and authority with this
    /// call's path and query, or else the whole text parsed (by ureq's own rules,
    /// so that what it refuses is refused as before).
    #[inline]
    fn uri(&self) -> Result<Uri, ureq::http::Error> {
        if let Some((scheme, authority)) = &self.parsed {
            if let Ok(path) = PathAndQuery::try_from(&self.url[self.path_at..]) {
                let mut parts = ureq::http::uri::Parts::default();
                parts.scheme = Some(scheme.clone());
                parts.authority = Some(authority.clone());
                parts.path_and_query = Some(path);
                if let Ok(uri) = Uri::from_parts(parts) {
                    return Ok(uri);
                }
            }
        }
        Uri::try_from(self.url.as_str()).map_err(ureq::http::Error::from)
    }

    /// Sends the call and reads the whole reply body (bounded).
    ///
    /// Refused before sending: a credential over plain `http://` to a host that is
    /// not loopback (unless `allow_insecure_http`), whether or not a proxy is in
    /// the way, and `https://` in a build without TLS. A loopback host is always
    /// reached directly, never through the agent's proxy (as Go's net/http does):
    /// a remote proxy would carry a plain-`http://` credential in cleartext, and
    /// cannot reach this machine's loopback anyway.
    #[inline]
    pub fn send(self, agent: &Agent) -> Result<Reply, Error> {
        let vendor = self.vendor;
        if self.credentials && self.cleartext_remote && !self.allow_insecure_http {
            let why = match agent.config().proxy() {
                Some(_) => "plain http:// to a host that is not loopback would expose the credential to the network and the proxy; use https:// or set allow_insecure_http",
                None => "plain http:// to a host that is not loopback would expose the credential; use https:// or set allow_insecure_http",
            };
            return Err(Error::invalid(vendor, "base_url", why));
        }
        let https = self.url.starts_with("https://");
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if https {
            return Err(Error::invalid(
                vendor,
                "base_url",
                "https:// needs TLS, but download-url was built without TLS: enable feature `rustls` or `native-tls`",
            ));
        }
        // Only an agent with a proxy needs to know whether the host is loopback.
        let direct = self.loopback && agent.config().proxy().is_some();
        let uri = self
            .uri()
            .map_err(|e| transport(vendor, None, https, ureq::Error::Http(e)))?;
        let result = match self.method {
            Method::Get => configure(
                agent,
                agent.get(uri),
                self.headers,
                direct,
                self.call_timeout,
            )
            .call(),
            Method::Post => configure(
                agent,
                agent.post(uri),
                self.headers,
                direct,
                self.call_timeout,
            )
            .send(self.body.as_deref().unwrap_or(&[])),
        };
        let mut response = result.map_err(|e| transport(vendor, None, https, e))?;
        let received = std::time::SystemTime::now();
        let status = response.status().as_u16();
        // Sized from Content-Length (bounded) so that the usual reply is read
        // without regrowing the buffer.
        let expected = response
            .body()
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .map_or(0, |n| n.min(BODY_LIMIT) + 1);
        let mut body = Vec::with_capacity(expected);
        // ureq's own limit (as its `read_to_vec` reads): on a longer body the
        // reader fails with `BodyExceedsLimit` and `body` keeps the first
        // `BODY_LIMIT` bytes for the excerpt.
        let read = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT as u64)
            .reader()
            .read_to_end(&mut body);
        let (parts, _) = response.into_parts();
        let reply = Reply {
            vendor,
            status,
            headers: parts.headers,
            body,
            received,
            secrets: self.secrets,
        };
        if let Err(e) = read {
            return match ureq::Error::from(e) {
                ureq::Error::BodyExceedsLimit(_) => Err(reply.too_large()),
                e => Err(transport(vendor, Some(status), https, e)),
            };
        }
        Ok(reply)
    }
}

/// The request with what the crate relies on forced (see the module docs), and
/// its headers. `direct`: the host is loopback and the agent has a proxy, which
/// this request must bypass.
#[inline]
fn configure<B>(
    agent: &Agent,
    mut builder: ureq::RequestBuilder<B>,
    headers: HeaderMap,
    direct: bool,
    call_timeout: Option<Duration>,
) -> ureq::RequestBuilder<B> {
    // A request-level config copies the agent's whole config on every call: only
    // pay for it when the agent does not already say what is needed (an agent
    // from `crate::agent()` does). The check and the rare reconfiguration are
    // functions of their own, so that the usual path stays short.
    if direct || call_timeout.is_some() || !ready(agent.config()) {
        builder = reconfigure(agent.config(), builder, direct, call_timeout);
    }
    // The whole map at once: each `header()` call would move the builder.
    if let Some(map) = builder.headers_mut() {
        if map.is_empty() {
            *map = headers;
        } else {
            map.extend(headers);
        }
    }
    builder
}

/// What [`configure`] reads of an agent's config.
struct Needs {
    /// An overall or per-call timeout bounds every phase.
    overall: bool,
    /// A phase with no bound at all.
    unbounded: bool,
    /// A duration past [`MAX_TIMEOUT`](crate::agent::MAX_TIMEOUT).
    too_long: bool,
}

#[inline]
fn needs(config: &ureq::config::Config) -> Needs {
    use crate::agent::MAX_TIMEOUT;
    let t = config.timeouts();
    // One loop over all of them: this runs on every call, and eleven comparisons
    // written out are several times the code.
    let durations = [
        t.connect,
        t.send_request,
        t.send_body,
        t.recv_response,
        t.recv_body,
        t.global,
        t.per_call,
        t.resolve,
        t.await_100,
        config.timeout_per_read(),
        config.timeout_per_write(),
    ];
    let overall = t.global.is_some() || t.per_call.is_some();
    let (phases, _) = durations.split_at(5);
    Needs {
        overall,
        unbounded: !overall && phases.iter().any(Option::is_none),
        too_long: durations.iter().flatten().any(|d| *d > MAX_TIMEOUT),
    }
}

/// Whether `config` already says everything the crate relies on (ignoring the
/// per-request proxy bypass and call cap).
#[inline]
fn ready(config: &ureq::config::Config) -> bool {
    let needs = needs(config);
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    let tls_ok = crate::agent::tls_fallback(config.tls_config()).is_none();
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    let tls_ok = true;
    !config.http_status_as_error()
        && config.max_redirects() == 0
        && !needs.unbounded
        && !needs.too_long
        && tls_ok
}

/// The request-level config for an agent that does not say everything the crate
/// relies on. Changing timeouts, redirects or the proxy keeps the agent's
/// connection pool; changing the TLS provider does not, which is why it only
/// happens when the agent's provider would panic.
#[cold]
#[inline(never)]
fn reconfigure<B>(
    config: &ureq::config::Config,
    builder: ureq::RequestBuilder<B>,
    direct: bool,
    call_timeout: Option<Duration>,
) -> ureq::RequestBuilder<B> {
    use crate::agent::{clamp, CONNECT_TIMEOUT};
    let t = config.timeouts();
    let Needs {
        overall,
        unbounded,
        too_long,
    } = needs(config);
    let mut request = builder
        .config()
        .http_status_as_error(false)
        .max_redirects(0);
    if unbounded || too_long {
        // Never set an overall, per-call or resolve timeout the agent did not
        // have (each costs a resolver thread per call); cap what it had.
        let phase = |d: Option<Duration>, default: Duration| match d {
            Some(d) => Some(clamp(d)),
            None if overall => None,
            None => Some(default),
        };
        request = request
            .timeout_global(t.global.map(clamp))
            .timeout_per_call(t.per_call.map(clamp))
            .timeout_resolve(t.resolve.map(clamp))
            .timeout_await_100(t.await_100.map(clamp))
            .timeout_per_read(config.timeout_per_read().map(clamp))
            .timeout_per_write(config.timeout_per_write().map(clamp))
            .timeout_connect(phase(t.connect, CONNECT_TIMEOUT.min(DEFAULT_TIMEOUT)))
            .timeout_send_request(phase(t.send_request, DEFAULT_TIMEOUT))
            .timeout_send_body(phase(t.send_body, DEFAULT_TIMEOUT))
            .timeout_recv_response(phase(t.recv_response, DEFAULT_TIMEOUT))
            .timeout_recv_body(phase(t.recv_body, DEFAULT_TIMEOUT));
    }
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    if let Some(tls) = crate::agent::tls_fallback(config.tls_config()) {
        request = request.tls_config(tls);
    }
    if direct {
        request = request.proxy(None);
    }
    if let Some(cap) = call_timeout {
        let cap = clamp(cap);
        request = request.timeout_per_call(Some(t.per_call.map_or(cap, |d| d.min(cap))));
    }
    request.build()
}

/// The crate's error for a failed request. `https`: the URL was `https://`.
#[cold]
fn transport(vendor: Vendor, http_status: Option<u16>, https: bool, err: ureq::Error) -> Error {
    let kind = match &err {
        ureq::Error::Timeout(_) => TransportKind::Timeout,
        ureq::Error::HostNotFound => TransportKind::Dns,
        ureq::Error::ConnectionFailed | ureq::Error::ConnectProxyFailed(_) => {
            TransportKind::Connect
        }
        // rustls reports handshake and certificate failures as an `InvalidData`
        // I/O error wrapping its own error (ureq's `complete_io`), which this crate
        // cannot name without depending on rustls; before a response head, plain
        // HTTP failures are `Protocol` errors, never `InvalidData`.
        ureq::Error::Io(io)
            if https
                && http_status.is_none()
                && io.kind() == std::io::ErrorKind::InvalidData
                && io.get_ref().is_some() =>
        {
            TransportKind::Tls
        }
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => TransportKind::Connect,
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => TransportKind::Timeout,
            _ => TransportKind::Io,
        },
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportKind::Tls,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => TransportKind::Tls,
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) => TransportKind::Tls,
        ureq::Error::Protocol(_)
        | ureq::Error::LargeResponseHeader(..)
        | ureq::Error::Decompress(..) => TransportKind::Protocol,
        ureq::Error::BodyStalled => TransportKind::Io,
        _ => TransportKind::Other,
    };
    Error::Transport(TransportError {
        vendor,
        kind,
        http_status,
        source: Box::new(err),
    })
}

/// A complete reply: status, headers and the whole body.
pub(crate) struct Reply {
    pub vendor: Vendor,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// When the response head arrived (the base of relative expiries), as the
    /// system clock gives it: turned into a date only by a vendor that needs one.
    received: std::time::SystemTime,
    /// The secret values the request carried (see [`Reply::redact`]).
    secrets: Secrets,
}

/// The secret values a request carries: the first (the usual call's one
/// credential) held inline, so that keeping it allocates nothing; any further
/// ones (share passwords, an app secret) in a list.
#[derive(Default)]
struct Secrets {
    first: Option<crate::Secret>,
    rest: Vec<crate::Secret>,
}

impl Secrets {
    fn push(&mut self, secret: crate::Secret) {
        match self.first {
            None => self.first = Some(secret),
            Some(_) => self.rest.push(secret),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &crate::Secret> {
        self.first.iter().chain(&self.rest)
    }
}

const REQUEST_ID_HEADERS: [&str; 6] = [
    "x-request-id",
    "x-correlation-id",
    "x-amz-request-id",
    "x-trace-id",
    "x-traceid",
    "request-id",
];

impl Reply {
    /// `seconds` after the response head arrived (a relative expiry); `None`
    /// past the year 9999.
    #[cfg_attr(not(any(feature = "kie", feature = "datalab")), allow(dead_code))]
    pub fn received_plus(&self, seconds: u64) -> Option<OffsetDateTime> {
        let seconds = time::Duration::seconds(i64::try_from(seconds).ok()?);
        OffsetDateTime::from(self.received).checked_add(seconds)
    }

    /// A reply built from captured parts instead of the network (see
    /// [`crate::decode`]): `received_at` is now; header pairs that are not valid
    /// HTTP are skipped; a body over [`BODY_LIMIT`] is the same
    /// [`UnexpectedReason::TooLarge`] error the transport gives.
    #[allow(dead_code)] // used by the decode entry points of the enabled vendors
    pub fn from_parts(
        vendor: Vendor,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Reply, Error> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                map.append(name, value);
            }
        }
        let reply = Reply {
            vendor,
            status,
            headers: map,
            // The transport keeps the first `BODY_LIMIT` bytes; so does this.
            body: body[..body.len().min(BODY_LIMIT)].to_vec(),
            received: std::time::SystemTime::now(),
            secrets: Secrets::default(),
        };
        if body.len() > BODY_LIMIT {
            return Err(reply.too_large());
        }
        Ok(reply)
    }

    /// The reply, or the [`UnexpectedReason::TooLarge`] error when its body is
    /// over [`BODY_LIMIT`].
    #[cold]
    fn too_large(&self) -> Error {
        self.unexpected(
            UnexpectedReason::TooLarge,
            Some(format!("more than {BODY_LIMIT} bytes")),
        )
    }

    /// A header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// 2xx?
    #[inline]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Retry-After` as a duration (seconds or an HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(self.header("retry-after")?, OffsetDateTime::now_utc())
    }

    /// The first request-id style header the vendor sent.
    pub fn header_request_id(&self) -> Option<String> {
        REQUEST_ID_HEADERS
            .iter()
            .find_map(|h| self.header(h))
            .map(|v| bounded(&self.redact(v), 128))
    }

    /// Decodes the body as `T`, or explains why it is not one.
    #[inline]
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_failure(&e))
    }

    /// Decodes the body as `T`, `None` when it is not one (for error envelopes).
    #[allow(dead_code)] // not every vendor probes envelopes
    #[inline]
    pub fn try_json<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The error for a body that failed to decode.
    #[cold]
    pub fn decode_failure(&self, err: &serde_json::Error) -> Error {
        let source = DecodeError::from_serde(err);
        let reason = if self.body.iter().all(u8::is_ascii_whitespace) {
            UnexpectedReason::NotJson
        } else {
            match source.category() {
                DecodeCategory::Eof => UnexpectedReason::Truncated,
                DecodeCategory::Syntax | DecodeCategory::Io => UnexpectedReason::NotJson,
                DecodeCategory::Data => UnexpectedReason::WrongShape,
            }
        };
        if (300..400).contains(&self.status) {
            return self.unexpected_with(
                UnexpectedReason::Status,
                Some(self.redirect_note()),
                Some(source),
            );
        }
        let note = (reason == UnexpectedReason::WrongShape).then(|| source.to_string());
        self.unexpected_with(reason, note, Some(source))
    }

    /// "redirect to <scheme://host/path> not followed".
    #[cold]
    fn redirect_note(&self) -> String {
        match self.header("location") {
            Some(location) => format!(
                "redirect to {} not followed",
                crate::url::redact_url(location)
            ),
            None => "redirect without a location, not followed".to_owned(),
        }
    }

    /// The link in `field` of the reply, trimmed, when it passes the one link
    /// check of every vendor ([`crate::url::check_link`]); else an
    /// [`Error::UnexpectedResponse`] saying why.
    #[cfg_attr(
        not(any(feature = "kie", feature = "datalab", feature = "blendvision")),
        allow(dead_code)
    )]
    #[inline]
    pub fn link<'t>(&self, field: &str, text: &'t str) -> Result<&'t str, Error> {
        crate::url::check_link(text).map_err(|why| {
            self.unexpected(
                UnexpectedReason::InvalidContent,
                Some(format!("`{field}` {why}")),
            )
        })
    }

    /// Remote text made safe to keep, in the one place every stored vendor text
    /// goes through: URL queries redacted ([`redact_url_queries`]) and every
    /// secret value the request carried replaced by `[redacted]` (a server may
    /// echo a share password or a token in its message).
    pub fn redact(&self, text: &str) -> String {
        let mut out = redact_url_queries(text);
        for secret in self.secrets.iter().map(crate::Secret::expose) {
            // Very short values would blank ordinary text; credentials are longer.
            if secret.len() >= 4 && out.contains(secret) {
                out = out.replace(secret, "[redacted]");
            }
        }
        out
    }

    /// [`Reply::redact`] over every string (keys included) of a JSON value.
    #[allow(dead_code)] // used by the vendors that keep raw JSON details
    pub fn redact_json(&self, value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(text) => Value::String(self.redact(&text)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.redact(&k), self.redact_json(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// The one link of a one-item `batch` decoded from this reply. The item's
    /// failure becomes the call's error: `refused` builds the vendor's own
    /// [`Error::Api`] for a [`FailureReason::Refused`]; any other reason is an
    /// [`Error::UnexpectedResponse`] saying it.
    #[allow(dead_code)] // only the batching vendors decode one item as a batch
    pub fn single(
        &self,
        batch: crate::Batch,
        refused: impl FnOnce(crate::ItemFailure) -> Error,
    ) -> Result<crate::DownloadLink, Error> {
        let (mut links, mut failures) = (batch.links, batch.failures);
        if let Some(failure) = failures.pop() {
            return Err(match failure.reason {
                crate::FailureReason::Refused { .. } => refused(failure),
                ref other => {
                    self.unexpected(UnexpectedReason::InvalidContent, Some(other.to_string()))
                }
            });
        }
        links.pop().ok_or_else(|| {
            self.unexpected(UnexpectedReason::InvalidContent, Some("no link".to_owned()))
        })
    }

    /// An [`Error::UnexpectedResponse`] for this reply.
    #[cold]
    pub fn unexpected(&self, reason: UnexpectedReason, note: Option<String>) -> Error {
        self.unexpected_with(reason, note, None)
    }

    #[cold]
    fn unexpected_with(
        &self,
        reason: UnexpectedReason,
        note: Option<String>,
        source: Option<DecodeError>,
    ) -> Error {
        let cut = &self.body[..self.body.len().min(EXCERPT_LIMIT)];
        Error::UnexpectedResponse(Box::new(UnexpectedResponse {
            vendor: self.vendor,
            http_status: self.status,
            content_type: self.header("content-type").map(|c| bounded(c, 100)),
            body_excerpt: self.redact(&String::from_utf8_lossy(cut)),
            reason,
            note: note.map(|n| self.redact(&n)),
            retry_after: self.retry_after(),
            request_id: self.header_request_id(),
            source,
        }))
    }

    /// An [`Error::Api`] for this reply: status, `Retry-After` and (when the body
    /// had none) a request-id header are filled in here.
    #[cold]
    pub fn api_error(
        &self,
        code: Option<i64>,
        message: &str,
        request_id: Option<String>,
        retryable: bool,
        detail: ApiDetail,
    ) -> Error {
        Error::Api(Box::new(ApiError {
            vendor: self.vendor,
            http_status: self.status,
            code,
            message: self.redact(message),
            request_id: request_id
                .filter(|id| !id.is_empty())
                .map(|id| bounded(&self.redact(&id), 128))
                .or_else(|| self.header_request_id()),
            retry_after: self.retry_after(),
            retryable,
            detail,
        }))
    }
}

/// `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = at - now;
    Some(if wait.is_negative() {
        Duration::ZERO
    } else {
        wait.unsigned_abs()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_base_urls_follow_the_text() {
        let a = BaseUrl::parse_cached(Vendor::Kie, "base_url", "https://a.example/p").unwrap();
        let again = BaseUrl::parse_cached(Vendor::Kie, "base_url", "https://a.example/p").unwrap();
        assert!(std::sync::Arc::ptr_eq(&a, &again));
        let b = BaseUrl::parse_cached(Vendor::Kie, "base_url", "http://127.0.0.1:9").unwrap();
        assert_eq!(b.host, "127.0.0.1");
        assert!(b.is_loopback() && !a.is_loopback());
        assert!(BaseUrl::parse_cached(Vendor::Kie, "base_url", "ftp://x").is_err());
        // An error is not remembered, and the last good parse still answers.
        assert!(BaseUrl::parse_cached(Vendor::Kie, "base_url", "ftp://x").is_err());
        let a2 = BaseUrl::parse_cached(Vendor::Kie, "base_url", "https://a.example/p").unwrap();
        assert_eq!(*a2, *a);
    }

    /// The URI put together from the parsed base and the path is the URI ureq
    /// would parse from the whole text.
    #[test]
    fn assembled_uri_is_the_parsed_text() {
        let bases = [
            "http://127.0.0.1:8080",
            "https://API.Example.com/prefix/",
            "http://[::1]:9/p",
            "http://localhost",
            "https://h.example:443/a/b",
            "http://h.example:1/%7Euser",
        ];
        let paths: [&[&str]; 4] = [
            &["/api/v1/files/", "42", "/download"],
            &["/x"],
            &["/bv/cms/v1/library/files/", "a%2Fb", ":download"],
            &["/q%20r/", "%E2%82%AC"],
        ];
        for base in bases {
            let parsed = BaseUrl::parse(Vendor::Datalab, "base_url", base).unwrap();
            assert!(parsed.parsed.is_some(), "{base}");
            for path in paths {
                for query in [None, Some(("expires_in", "600")), Some(("a b", "c&d=é"))] {
                    let mut call = Call::new(Vendor::Datalab, Method::Get, &parsed, path);
                    if let Some((name, value)) = query {
                        call = call.query(name, value);
                    }
                    let text = Uri::try_from(call.url.as_str()).unwrap();
                    let assembled = call.uri().unwrap();
                    assert_eq!(assembled, text, "{base} {path:?} {query:?}");
                    assert_eq!(assembled.to_string(), text.to_string());
                }
            }
        }
        // Without a parsed base, the text is parsed.
        let mut base = BaseUrl::parse(Vendor::Datalab, "base_url", bases[0]).unwrap();
        base.parsed = None;
        let call = Call::new(Vendor::Datalab, Method::Get, &base, &["/x"]);
        assert_eq!(
            call.uri().unwrap(),
            Uri::from_static("http://127.0.0.1:8080/x")
        );
    }

    #[test]
    fn received_plus_is_the_arrival_date_plus_the_seconds() {
        let reply = Reply::from_parts(Vendor::Datalab, 200, &[], b"{}").unwrap();
        let arrival = OffsetDateTime::from(reply.received);
        for seconds in [
            0,
            1,
            600,
            86_400,
            253_402_300_799,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let expected = i64::try_from(seconds)
                .ok()
                .and_then(|s| arrival.checked_add(time::Duration::seconds(s)))
                .map(|at| (at.unix_timestamp(), at.nanosecond()));
            let got = reply
                .received_plus(seconds)
                .map(|t| (t.unix_timestamp(), t.nanosecond()));
            assert_eq!(got, expected, "{seconds}");
        }
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = time::macros::datetime!(2015-10-21 07:27:00 UTC);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:20:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn base_url_validation() {
        let ok = BaseUrl::parse(Vendor::Kie, "base_url", "https://API.kie.ai/").unwrap();
        assert_eq!(ok.join(&["/x"]), "https://api.kie.ai/x");
        assert_eq!(ok.host_header(), "api.kie.ai");
        let port = BaseUrl::parse(Vendor::Kie, "base_url", "http://127.0.0.1:8080/pre/").unwrap();
        assert_eq!(port.join(&["/x"]), "http://127.0.0.1:8080/pre/x");
        assert_eq!(port.host_header(), "127.0.0.1:8080");
        assert!(port.is_loopback());
        let v6 = BaseUrl::parse(Vendor::Kie, "base_url", "http://[::1]:9/").unwrap();
        assert!(v6.is_loopback());
        assert_eq!(v6.host_header(), "[::1]:9");
        let default_port = BaseUrl::parse(Vendor::Kie, "base_url", "https://h:443").unwrap();
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
                BaseUrl::parse(Vendor::Kie, "base_url", bad).is_err(),
                "{bad}"
            );
        }
        let lan = BaseUrl::parse(Vendor::Kie, "base_url", "http://192.168.1.5").unwrap();
        assert!(!lan.is_loopback());
    }
}
