//! Shared input splitting and checks of the fuzz targets.

use std::error::Error as _;

use download_url::decode::RawReply;
use download_url::Error;

const STATUSES: [u16; 16] = [
    200, 200, 201, 204, 302, 307, 400, 401, 403, 404, 422, 429, 500, 502, 503, 0,
];

/// A reply built from fuzz input: byte 0 picks the status, byte 1 the headers;
/// when any header is on, the first line of the rest is its value and the body
/// follows the line.
pub struct Parts {
    /// HTTP status.
    pub status: u16,
    /// Header pairs.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Parts {
    /// Splits `data`.
    pub fn new(data: &[u8]) -> Parts {
        let (Some(&pick), Some(&flags)) = (data.first(), data.get(1)) else {
            return Parts {
                status: 200,
                headers: Vec::new(),
                body: data.to_vec(),
            };
        };
        let rest = &data[2..];
        let status = match STATUSES[usize::from(pick & 15)] {
            0 => 100 + u16::from(pick) * 2,
            s => s,
        };
        let mut headers = Vec::new();
        let mut body = rest;
        if flags & 15 != 0 {
            let cut = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let value = String::from_utf8_lossy(&rest[..cut]).into_owned();
            body = rest.get(cut + 1..).unwrap_or(&[]);
            for (bit, name) in [
                (1, "retry-after"),
                (2, "location"),
                (4, "x-request-id"),
                (8, "content-type"),
            ] {
                if flags & bit != 0 {
                    headers.push((name, value.clone()));
                }
            }
        }
        Parts {
            status,
            headers,
            body: body.to_vec(),
        }
    }

    /// Calls `f` with the reply.
    pub fn with<R>(&self, f: impl FnOnce(&RawReply<'_>) -> R) -> R {
        let headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        f(&RawReply {
            status: self.status,
            headers: &headers,
            body: &self.body,
        })
    }
}

/// The error contract: `Display` is one line of at most 400 characters; `Debug`
/// and the source chain format.
pub fn check_error(err: &Error) {
    let shown = err.to_string();
    assert!(
        !shown
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')),
        "Display is not one line: {shown:?}"
    );
    assert!(
        shown.chars().count() <= 400,
        "Display over 400 chars: {shown:?}"
    );
    let _ = format!("{err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        let _ = s.to_string();
        source = s.source();
    }
    let _ = (
        err.code(),
        err.is_retryable(),
        err.retry_after(),
        err.request_id(),
    );
}

/// Checks a decode result.
pub fn check<T: std::fmt::Debug>(result: &Result<T, Error>) {
    match result {
        Ok(value) => {
            let _ = format!("{value:?}");
        }
        Err(err) => check_error(err),
    }
}
