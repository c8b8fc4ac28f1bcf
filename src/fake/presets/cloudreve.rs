//! Presets of the fake cloudreve (see [`presets`](super)).
//!
//! Cloudreve answers its own errors inside HTTP 200 (`{"code", "msg",
//! "correlation_id"}`, see `pkg/serializer/error.go` upstream); it sends no
//! request-id header, the correlation id is in the body. A 429 or 5xx comes from
//! whatever runs in front of it or from a crash handler that still writes the
//! envelope: those presets carry the envelope too.

use crate::fake::FakeReply;
use serde_json::{json, Map, Value};

/// The correlation id every preset carries.
pub const CORRELATION_ID: &str = "7e3c2a1b-5f4d-4c8e-9a6b-0d1e2f3a4b5c";

fn envelope(code: i64, msg: &str) -> Value {
    json!({"code": code, "msg": msg, "correlation_id": CORRELATION_ID})
}

/// HTTP 429 with the Cloudreve envelope (code 429) and `Retry-After: 7`.
pub fn rate_limited() -> FakeReply {
    FakeReply::json(429, envelope(429, "Too many requests, slow down"))
        .with_header("Retry-After", "7")
}

/// HTTP 503 with the Cloudreve envelope (50010, node offline) and
/// `Retry-After: 30`.
pub fn unavailable() -> FakeReply {
    FakeReply::json(503, envelope(50010, "Node is offline")).with_header("Retry-After", "30")
}

/// HTTP 200, code 40081 without `skip_error`: `aggregated_error` names each of
/// `refused` (URI, per-URI code, message) as the server does. `msg` is the one
/// error's message when exactly one URI failed, else "One or more operation
/// failed" (upstream `AggregateError`).
pub fn batch_refused(refused: &[(&str, i64, &str)]) -> FakeReply {
    let mut aggregated = Map::new();
    for (uri, code, msg) in refused {
        aggregated.insert((*uri).to_owned(), envelope(*code, msg));
    }
    let msg = match refused {
        [(_, _, msg)] => *msg,
        _ => "One or more operation failed",
    };
    let mut body = envelope(40081, msg);
    body["aggregated_error"] = Value::Object(aggregated);
    FakeReply::json(200, body)
}

/// HTTP 200, 40081 naming each of `uris` with 40088: a share link reached
/// anonymously (no token, or an expired one, which upstream treats alike).
pub fn share_sign_in_required(uris: &[&str]) -> FakeReply {
    let refused: Vec<(&str, i64, &str)> = uris
        .iter()
        .map(|uri| {
            (
                *uri,
                40088,
                "You don't have permission to access share links",
            )
        })
        .collect();
    batch_refused(&refused)
}

/// HTTP 200, code -1 (`CodeNotSet`) with an empty `msg`: an unclassified
/// internal error.
pub fn code_not_set() -> FakeReply {
    FakeReply::json(200, envelope(-1, ""))
}

/// HTTP 200, code 0 under `skip_error` with `expires: null`: one slot per entry
/// of `urls`, an empty string where that URI failed.
pub fn skip_error_null_expires(urls: &[&str]) -> FakeReply {
    let urls: Vec<Value> = urls.iter().map(|url| json!({"url": url})).collect();
    FakeReply::json(
        200,
        json!({"code": 0, "msg": "", "data": {"urls": urls, "expires": null}}),
    )
}

/// HTTP 413 with nginx's HTML page: a proxy in front of the site refused a body
/// too large for it (a long batch).
pub fn proxy_too_large() -> FakeReply {
    FakeReply::raw(
        413,
        "text/html",
        "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n\
         <center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n",
    )
}

/// A redirect with this `status` to `location` and no body: a proxy or SSO
/// layer in front of the site answering a `redirect` request (upstream itself
/// only ever answers 302 there).
pub fn proxy_redirect(status: u16, location: &str) -> FakeReply {
    FakeReply::raw(status, "text/html", "").with_header("Location", location)
}

/// HTTP 200, code 0 with a relative `url` (`/api/v4/file/content/…`) for one
/// URI: a site whose base URL setting is empty.
pub fn relative_url() -> FakeReply {
    FakeReply::json(
        200,
        json!({"code": 0, "msg": "", "data": {
            "urls": [{"url": "/api/v4/file/content/lxIw/0/a.mp3?sign=abc%3A0"}],
            "expires": null
        }}),
    )
}
