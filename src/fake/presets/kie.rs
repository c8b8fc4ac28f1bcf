//! Presets of the fake kie (see [`presets`](super)).
//!
//! kie.ai sends its `{code, msg, data}` envelope on every status. Its pages
//! document neither a `Retry-After` nor a request-id header; these presets send
//! `Retry-After: 1` on 429 and 503, short enough for a test to see it honoured,
//! and no request id.

use crate::fake::FakeReply;

/// kie.ai's envelope for a refusal: `{"code": code, "msg": msg, "data": null}`.
fn envelope(status: u16, code: u16, msg: &str) -> FakeReply {
    FakeReply::json(
        status,
        serde_json::json!({"code": code, "msg": msg, "data": null}),
    )
}

/// HTTP 429 with kie.ai's JSON envelope (`{"code":429,"msg":…}`) and
/// `Retry-After: 1`.
pub fn rate_limited() -> FakeReply {
    envelope(429, 429, "Rate limited: too many requests").with_header("Retry-After", "1")
}

/// HTTP 503 with `{"code":503,…}` (a code outside kie.ai's table) and
/// `Retry-After: 1`: retryable by its status.
pub fn service_unavailable() -> FakeReply {
    envelope(503, 503, "Service temporarily unavailable").with_header("Retry-After", "1")
}

/// HTTP 500 with `{"code":500,…}`, kie.ai's "server error".
pub fn server_error() -> FakeReply {
    envelope(500, 500, "Server Error - An unexpected error occurred")
}

/// HTTP 200 with `{"code":455,…}`, maintenance, as the OpenAPI documents it
/// (every code under HTTP 200): retryable by its body code alone.
pub fn maintenance() -> FakeReply {
    envelope(
        200,
        455,
        "Service Unavailable - System is currently undergoing maintenance",
    )
}

/// HTTP 501 with `{"code":501,…}`: neither the status (501 is the one 5xx that
/// will not change) nor the code is retryable.
pub fn not_implemented() -> FakeReply {
    envelope(501, 501, "Not Implemented")
}
