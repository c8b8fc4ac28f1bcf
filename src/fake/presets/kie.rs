//! Presets of the fake kie (see [`presets`](super)).

use crate::fake::FakeReply;

/// HTTP 429 with kie.ai's JSON envelope (`{"code":429,"msg":…}`) and
/// `Retry-After: 1`.
pub fn rate_limited() -> FakeReply {
    FakeReply::json(
        429,
        serde_json::json!({"code": 429, "msg": "Rate limited: too many requests", "data": null}),
    )
    .with_header("Retry-After", "1")
}
