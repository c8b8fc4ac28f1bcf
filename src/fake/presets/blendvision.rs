//! Presets of the fake blendvision (see [`presets`](super)).
//!
//! BlendVision's errors are grpc-gateway `google.rpc.Status` bodies (`{"code":
//! <gRPC code>, "message", "details"}`); the presets send the request id in
//! `x-request-id`.

use crate::fake::FakeReply;
use serde_json::{json, Value};

/// The request id every error preset carries in `x-request-id`.
pub const REQUEST_ID: &str = "bv-2f1c9a7e-0d4b-4e8a-9c3f-6b5a4d3c2e1f";

fn status(http: u16, code: i64, message: &str, retry_after: &str) -> FakeReply {
    FakeReply::json(
        http,
        json!({"code": code, "message": message, "details": []}),
    )
    .with_header("Retry-After", retry_after)
    .with_header("x-request-id", REQUEST_ID)
}

/// HTTP 429 with gRPC 8 `RESOURCE_EXHAUSTED` and `Retry-After: 5`.
pub fn rate_limited() -> FakeReply {
    status(429, 8, "rate limit exceeded", "5")
}

/// HTTP 503 with gRPC 14 `UNAVAILABLE` and `Retry-After: 10`.
pub fn unavailable() -> FakeReply {
    status(503, 14, "upstream connect error", "10")
}

/// A link under a plain (unsigned) URL ending in `bbb.mp4`: nothing in it
/// dates the link.
pub fn plain_url(id: &str) -> String {
    format!("https://download.one.blendvision.com/files/{id}/bbb.mp4?token=fake")
}

fn file(id: &str, missing: bool) -> Value {
    if missing {
        json!({"id": id, "download_uri": plain_url(id)})
    } else {
        json!({"id": id, "download_uri": plain_url(id), "download_filename": null, "expiration_time": null})
    }
}

/// The single-file reply for `id` with `download_filename` and
/// `expiration_time` null (the docs show values).
pub fn file_with_nulls(id: &str) -> FakeReply {
    FakeReply::json(200, file(id, false))
}

/// The single-file reply for `id` without `download_filename` and
/// `expiration_time` at all.
pub fn file_without_name_or_expiry(id: &str) -> FakeReply {
    FakeReply::json(200, file(id, true))
}

/// The batch reply for `ids`, each with `download_filename` and
/// `expiration_time` null.
pub fn batch_with_nulls(ids: &[&str]) -> FakeReply {
    let files: Vec<Value> = ids.iter().map(|id| file(id, false)).collect();
    FakeReply::json(200, json!({"download_files": files}))
}
