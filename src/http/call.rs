//! One request to a vendor: the vendor module describes it ([`Call`]: method,
//! base URL + path, query, headers, JSON body), [`Call::send`] checks it, sends
//! it under the transport [policy](super::policy) and reads the whole reply.

use std::io::Read;
use std::time::Duration;

use ureq::http::header::{ACCEPT, CONTENT_TYPE, HOST};
use ureq::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use ureq::Agent;

use super::policy::{vendor_request, Refusal};
use super::reply::Reply;
use super::BODY_LIMIT;
use crate::config::ParsedBase;
use crate::encode::percent_encode;
use crate::error::cause::is_lookup_failure;
use crate::error::{Error, TransportError, TransportKind};
use crate::secret::Secret;
use crate::vendor::Vendor;

/// HTTP method of a vendor call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    #[cfg_attr(not(feature = "datalab"), allow(dead_code))]
    Get,
    Post,
}

/// One request to a vendor, described by the vendor module.
pub(crate) struct Call {
    vendor: Vendor,
    method: Method,
    /// Plain `http://` to a host that is not loopback, and not allowed by
    /// [`allow_insecure_http`](Call::allow_insecure_http): credentials would
    /// travel in cleartext.
    cleartext_remote: bool,
    url: String,
    /// Every header the request sends beyond ureq's own.
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    /// Every secret value the request carries (credential headers, share
    /// passwords): scrubbed from whatever the server echoes back. A call that
    /// carries any is under the cleartext guard.
    secrets: Vec<Secret>,
    /// An overall cap for this one call (the `call_timeout` of a vendor config).
    call_timeout: Option<Duration>,
}

impl Call {
    /// A call to `path` (its pieces joined; starting with `/`, already
    /// percent-encoded) under `base`. It carries `Accept: application/json`, a
    /// JSON `Content-Type` for a POST, and an explicit `Host` header (so that a
    /// signature over `Host` signs what is sent).
    pub fn new(vendor: Vendor, method: Method, base: &ParsedBase, path: &[&str]) -> Call {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if method == Method::Post {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Ok(host) = HeaderValue::from_str(&base.host_header) {
            headers.insert(HOST, host);
        }
        Call {
            vendor,
            method,
            url: base.join(path),
            cleartext_remote: base.scheme == "http" && !base.loopback,
            headers,
            body: None,
            secrets: Vec::new(),
            call_timeout: None,
        }
    }

    /// Appends `name=value` to the query, percent-encoding both.
    #[cfg_attr(not(feature = "datalab"), allow(dead_code))]
    pub fn query(mut self, name: &str, value: &str) -> Call {
        // Neither the base nor an encoded path holds a `?`: one is the query's.
        let separator = if self.url.contains('?') { "&" } else { "?" };
        let (name, value) = (percent_encode(name), percent_encode(value));
        self.url.push_str(&[separator, &name, "=", &value].concat());
        self
    }

    /// Adds the header `name` whose value comes from `field` of the config; a
    /// value that is blank, too long ([`MAX_HEADER_LEN`](crate::MAX_HEADER_LEN))
    /// or cannot be sent is invalid input for `field`.
    #[allow(dead_code)] // not every vendor sends plain headers
    pub fn header(
        self,
        name: &'static str,
        field: &'static str,
        value: &str,
    ) -> Result<Call, Error> {
        crate::config::check_input(self.vendor, field, value, crate::config::MAX_HEADER_LEN)?;
        self.add_header(name, field, value.to_owned(), false)
    }

    /// Adds the credential header `name`: `prefix` + `secret`, where `secret` comes
    /// from `field` of the config. The secret must not be blank, must fit in
    /// [`MAX_CREDENTIAL_LEN`](crate::MAX_CREDENTIAL_LEN), and must be visible
    /// ASCII (the bytes of a non-ASCII credential would go out as `obs-text`,
    /// which servers read differently). The header is marked sensitive, the
    /// cleartext guard applies, and an echo of the secret is scrubbed.
    pub fn credential(
        mut self,
        name: &'static str,
        field: &'static str,
        prefix: &str,
        secret: &Secret,
    ) -> Result<Call, Error> {
        let value = secret.expose();
        crate::config::check_input(self.vendor, field, value, crate::config::MAX_CREDENTIAL_LEN)?;
        if !crate::url::is_ascii_text(value) {
            let why =
                "contains characters that cannot be sent in an HTTP header (only visible ASCII)";
            return Err(Error::invalid(self.vendor, field, why));
        }
        self.secrets.push(secret.clone());
        self.add_header(name, field, [prefix, value].concat(), true)
    }

    fn add_header(
        mut self,
        name: &'static str,
        field: &'static str,
        value: String,
        sensitive: bool,
    ) -> Result<Call, Error> {
        let why = "contains characters that cannot be sent in an HTTP header";
        let mut header =
            HeaderValue::try_from(value).map_err(|_| Error::invalid(self.vendor, field, why))?;
        header.set_sensitive(sensitive);
        self.headers.append(HeaderName::from_static(name), header);
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
    pub fn carrying_secrets(mut self, secrets: impl IntoIterator<Item = Secret>) -> Call {
        self.secrets.extend(secrets);
        self
    }

    /// Caps this one call as a whole (DNS included): ureq then resolves the host on
    /// a helper thread, so only a config that asks for it pays.
    pub fn call_timeout(mut self, timeout: Option<Duration>) -> Call {
        self.call_timeout = timeout;
        self
    }

    /// Allows credentials over plain `http://` to a host that is not loopback.
    pub fn allow_insecure_http(mut self, allow: bool) -> Call {
        self.cleartext_remote &= !allow;
        self
    }

    /// The full request URL (for signing).
    #[allow(dead_code)] // used by the request-signing vendors
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `Host` header the call sends (for signing), when the base's host
    /// can be one.
    #[allow(dead_code)] // used by the request-signing vendors
    pub fn host(&self) -> Option<&str> {
        self.headers.get(HOST)?.to_str().ok()
    }

    /// The body that will be sent (for signing).
    #[allow(dead_code)] // used by the request-signing vendors
    pub fn body(&self) -> &[u8] {
        self.body.as_deref().unwrap_or(&[])
    }

    /// Sends the call and reads the whole reply body (bounded).
    ///
    /// Refused before sending: a credential over plain `http://` to a host that is
    /// not loopback (unless `allow_insecure_http`), whether or not a proxy is in
    /// the way, and whatever the [policy](super::policy) refuses (`https://` in a
    /// build without TLS, a SOCKS proxy). A loopback host is always reached
    /// directly, never through the agent's proxy.
    pub fn send(self, agent: &Agent) -> Result<Reply, Error> {
        let vendor = self.vendor;
        if !self.secrets.is_empty() && self.cleartext_remote {
            let why = match agent.config().proxy() {
                Some(_) => "plain http:// to a host that is not loopback would expose the credential to the network and the proxy; use https:// or set allow_insecure_http",
                None => "plain http:// to a host that is not loopback would expose the credential; use https:// or set allow_insecure_http",
            };
            return Err(Error::invalid(vendor, "base_url", why));
        }
        let https = self.url.starts_with("https://");
        // Path and query were encoded here: a URL the HTTP client refuses has a
        // base it cannot send (refused before anything is sent).
        let uri = Uri::try_from(self.url)
            .map_err(|_| Error::invalid(vendor, "base_url", "is not a valid URL"))?;
        let refused = |r: Refusal| Error::invalid(vendor, r.field, r.reason);
        let (headers, timeout) = (self.headers, self.call_timeout);
        let result = match self.method {
            Method::Get => vendor_request(agent, agent.get(&uri), headers, &uri, timeout)
                .map_err(refused)?
                .call(),
            Method::Post => vendor_request(agent, agent.post(&uri), headers, &uri, timeout)
                .map_err(refused)?
                .send(self.body.as_deref().unwrap_or(&[])),
        };
        let mut response = result.map_err(|e| transport(vendor, None, https, e))?;
        let received = std::time::SystemTime::now();
        let status = response.status().as_u16();
        // Sized once for the length the reply states (a statement only: the
        // limit below still applies).
        let stated = response.body().content_length().unwrap_or(0);
        let mut body = Vec::with_capacity(stated.min(BODY_LIMIT as u64) as usize);
        // ureq's own limit (as its `read_to_vec` reads): on a longer body the
        // reader fails with `BodyExceedsLimit` and `body` keeps the first
        // `BODY_LIMIT` bytes for the excerpt.
        let read = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT as u64)
            .reader()
            .read_to_end(&mut body);
        let reply = Reply {
            vendor,
            status,
            headers: response.into_parts().0.headers,
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

/// The crate's error for a failed request. `https`: the URL was `https://`.
fn transport(vendor: Vendor, http_status: Option<u16>, https: bool, err: ureq::Error) -> Error {
    Error::Transport(TransportError {
        vendor,
        kind: classify(&err, https, http_status),
        http_status,
        source: Box::new(err),
    })
}

/// What kind of transport failure `err` is — one reading for vendor calls and
/// `fetch`. `https`: the URL was `https://`; `http_status`: the response head
/// had arrived.
pub(crate) fn classify(err: &ureq::Error, https: bool, http_status: Option<u16>) -> TransportKind {
    match err {
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
        ureq::Error::Io(io) if is_lookup_failure(io) => TransportKind::Dns,
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
    }
}
