//! Presets of the fake datalab (see [`presets`](super)).
//!
//! Datalab is a FastAPI service: errors are `{"detail": …}`; the presets send
//! the request id in `x-request-id`.

use crate::fake::FakeReply;
use serde_json::json;

/// The request id every error preset carries in `x-request-id`.
pub const REQUEST_ID: &str = "dl-0b6e4c2a-8f1d-4a3b-b5c7-9e2d1f0a3b4c";

/// HTTP 429 with `{"detail": …}` and `Retry-After: 60` (the docs suggest
/// waiting up to 60 s).
pub fn rate_limited() -> FakeReply {
    FakeReply::json(
        429,
        json!({"detail": "Rate limit exceeded. Please retry later."}),
    )
    .with_header("Retry-After", "60")
    .with_header("x-request-id", REQUEST_ID)
}

/// HTTP 503 with `{"detail": …}` and `Retry-After: 15`.
pub fn unavailable() -> FakeReply {
    FakeReply::json(503, json!({"detail": "Service temporarily unavailable"}))
        .with_header("Retry-After", "15")
        .with_header("x-request-id", REQUEST_ID)
}

/// The download reply for `file_id` with `original_filename: null`; the link
/// ends in `report.pdf`.
pub fn null_original_filename(file_id: u64) -> FakeReply {
    FakeReply::json(
        200,
        json!({
            "download_url": format!("https://files.datalab.example/{file_id}/report.pdf?sig=fake"),
            "expires_in": 3600,
            "file_id": file_id,
            "original_filename": null
        }),
    )
}

/// The download reply for `file_id` without `original_filename` at all.
pub fn missing_original_filename(file_id: u64) -> FakeReply {
    FakeReply::json(
        200,
        json!({
            "download_url": format!("https://files.datalab.example/{file_id}/report.pdf?sig=fake"),
            "expires_in": 3600,
            "file_id": file_id
        }),
    )
}
