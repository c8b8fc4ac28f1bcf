//! A vendor's reply, read whole, and the decoding helpers every vendor module
//! uses: bad bodies become [`Error::UnexpectedResponse`] with the status and a
//! bounded excerpt kept, refusals [`Error::Api`], and everything kept from the
//! reply is redacted first.

use std::time::Duration;

use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use ureq::http::{HeaderMap, HeaderName, HeaderValue};

use super::{BODY_LIMIT, EXCERPT_LIMIT};
use crate::error::{
    ApiDetail, ApiError, DecodeCategory, DecodeError, Error, UnexpectedReason, UnexpectedResponse,
};
use crate::secret::Secret;
use crate::url::{bounded, cut, redact_url, redact_url_queries};
use crate::vendor::Vendor;

/// A complete reply: status, headers and the whole body.
pub(crate) struct Reply {
    pub vendor: Vendor,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// When the response head arrived (the base of relative expiries), as the
    /// system clock gives it: turned into a date only by a vendor that needs one.
    pub(super) received: std::time::SystemTime,
    /// The secret values the request carried (see [`Reply::redact`]).
    pub(super) secrets: Vec<Secret>,
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
        let headers = headers
            .iter()
            .filter_map(|(name, value)| {
                let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
                Some((name, HeaderValue::from_bytes(value.as_bytes()).ok()?))
            })
            .collect();
        let reply = Reply {
            vendor,
            status,
            headers,
            // The transport keeps the first `BODY_LIMIT` bytes; so does this.
            body: body[..body.len().min(BODY_LIMIT)].to_vec(),
            received: std::time::SystemTime::now(),
            secrets: Vec::new(),
        };
        if body.len() > BODY_LIMIT {
            return Err(reply.too_large());
        }
        Ok(reply)
    }

    /// The reply, or the [`UnexpectedReason::TooLarge`] error when its body is
    /// over [`BODY_LIMIT`].
    pub(super) fn too_large(&self) -> Error {
        let note = format!("more than {BODY_LIMIT} bytes");
        self.unexpected(UnexpectedReason::TooLarge, Some(note))
    }

    /// A header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// 2xx?
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
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_failure(&e))
    }

    /// Decodes the body as `T`, `None` when it is not one (for error envelopes).
    #[allow(dead_code)] // not every vendor probes envelopes
    pub fn try_json<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The error for a body that failed to decode.
    pub fn decode_failure(&self, err: &serde_json::Error) -> Error {
        let source = DecodeError::from_serde(err, |text| self.redact(text));
        let (reason, note) = if (300..400).contains(&self.status) {
            (UnexpectedReason::Status, Some(self.redirect_note()))
        } else if self.body.iter().all(u8::is_ascii_whitespace) {
            (UnexpectedReason::NotJson, None)
        } else {
            match source.category() {
                DecodeCategory::Eof => (UnexpectedReason::Truncated, None),
                DecodeCategory::Syntax | DecodeCategory::Io => (UnexpectedReason::NotJson, None),
                DecodeCategory::Data => (UnexpectedReason::WrongShape, Some(source.to_string())),
            }
        };
        self.unexpected_with(reason, note, Some(source))
    }

    /// "redirect to <scheme://host/path> not followed".
    fn redirect_note(&self) -> String {
        match self.header("location") {
            Some(location) => format!("redirect to {} not followed", redact_url(location)),
            None => "redirect without a location, not followed".to_owned(),
        }
    }

    /// The link in `field` of the reply, trimmed, when it passes the one link
    /// check of every vendor ([`crate::url::check_link`]); else an
    /// [`Error::UnexpectedResponse`] saying why.
    #[allow(dead_code)] // Cloudreve and KooDrive check their links in a batch
    pub fn link<'t>(&self, field: &str, text: &'t str) -> Result<&'t str, Error> {
        crate::url::check_link(text).map_err(|why| {
            let note = format!("`{field}` {why}");
            self.unexpected(UnexpectedReason::InvalidContent, Some(note))
        })
    }

    /// Remote text made safe to keep, in the one place every stored vendor text
    /// goes through: URL queries redacted ([`redact_url_queries`]) and every
    /// secret value the request carried replaced by `[redacted]` (a server may
    /// echo a share password or a token in its message).
    pub fn redact(&self, text: &str) -> String {
        let mut out = redact_url_queries(text);
        // Very short values would blank ordinary text; credentials are longer.
        for secret in self.secrets.iter().map(Secret::expose) {
            if secret.len() >= 4 {
                out = replace_secret(&out, secret).unwrap_or(out);
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
        mut batch: crate::link::Batch,
        refused: impl FnOnce(crate::link::ItemFailure) -> Error,
    ) -> Result<crate::link::DownloadLink, Error> {
        if let Some(failure) = batch.failures.pop() {
            return Err(match failure.reason {
                crate::link::FailureReason::Refused { .. } => refused(failure),
                ref other => {
                    self.unexpected(UnexpectedReason::InvalidContent, Some(other.to_string()))
                }
            });
        }
        batch.links.pop().ok_or_else(|| {
            self.unexpected(UnexpectedReason::InvalidContent, Some("no link".to_owned()))
        })
    }

    /// An [`Error::UnexpectedResponse`] for this reply.
    pub fn unexpected(&self, reason: UnexpectedReason, note: Option<String>) -> Error {
        self.unexpected_with(reason, note, None)
    }

    fn unexpected_with(
        &self,
        reason: UnexpectedReason,
        note: Option<String>,
        source: Option<DecodeError>,
    ) -> Error {
        // Redacted before it is cut, so that no part of a secret across the cut
        // shows; then at most `EXCERPT_LIMIT` bytes, on a char boundary.
        let longest = self.secrets.iter().map(|s| s.expose().len()).max();
        // (An escaped secret is at most six times as long: `\u0041` for `A`.)
        let window = EXCERPT_LIMIT + 6 * longest.unwrap_or(0);
        let redacted = self.redact(&String::from_utf8_lossy(
            &self.body[..self.body.len().min(window)],
        ));
        let excerpt = cut(&redacted, EXCERPT_LIMIT).to_owned();
        Error::UnexpectedResponse(Box::new(UnexpectedResponse {
            vendor: self.vendor,
            http_status: self.status,
            content_type: self
                .header("content-type")
                .map(|c| bounded(&self.redact(c), 100)),
            body_excerpt: excerpt,
            reason,
            note: note.map(|n| self.redact(&n)),
            retry_after: self.retry_after(),
            request_id: self.header_request_id(),
            source,
        }))
    }

    /// An [`Error::Api`] for this reply: status, `Retry-After` and (when the body
    /// had none) a request-id header are filled in here.
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

/// `text` with each occurrence of `secret` replaced by `[redacted]`, also where
/// the server wrote some of its characters escaped, as a JSON encoder (`\/`,
/// `\"`, `\u003d` in any case) or a URL encoder (`%3D`, `%3d`) does; `None` when
/// there is none.
pub(crate) fn replace_secret(text: &str, secret: &str) -> Option<String> {
    if !text.contains(['\\', '%']) {
        return text
            .contains(secret)
            .then(|| text.replace(secret, "[redacted]"));
    }
    let (mut out, mut copied, mut at) = (String::new(), 0, 0);
    while let Some(c) = text[at..].chars().next() {
        match escaped_len(&text[at..], secret) {
            Some(len) => {
                out.extend([&text[copied..at], "[redacted]"]);
                at += len;
                copied = at;
            }
            None => at += c.len_utf8(),
        }
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// The length of the start of `text` that spells `secret`, each character as
/// it is, JSON-escaped or percent-encoded.
fn escaped_len(text: &str, secret: &str) -> Option<usize> {
    if text.starts_with(secret) {
        return Some(secret.len());
    }
    let mut at = 0;
    for c in secret.chars() {
        let rest = &text[at..];
        // `\\` before a lone `\`: a JSON-escaped backslash is two.
        at += if matches!(c, '"' | '\\' | '/')
            && rest.strip_prefix('\\').is_some_and(|r| r.starts_with(c))
        {
            2
        } else if rest.starts_with(c) {
            c.len_utf8()
        } else if let Some(hex) = rest.strip_prefix("\\u") {
            let unit = u32::from_str_radix(hex.get(..4)?, 16).ok()?;
            (unit == c as u32).then_some(6)?
        } else {
            let mut utf8 = [0; 4];
            let mut len = 0;
            for byte in c.encode_utf8(&mut utf8).bytes() {
                let hex = rest.get(len..len + 3)?.strip_prefix('%')?;
                (u8::from_str_radix(hex, 16).ok()? == byte).then_some(())?;
                len += 3;
            }
            len
        };
    }
    Some(at)
}

/// `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // More seconds than a u64 holds: the most there is (RFC 9111 §1.2.2).
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(u64::MAX));
    }
    let at = OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    // A date in the past (a negative wait) means now.
    Some(Duration::try_from(at - now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
