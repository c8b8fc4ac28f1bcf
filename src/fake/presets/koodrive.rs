//! Presets of the fake koodrive (see [`presets`](super)).
//!
//! Two services answer a KooDrive call, each in its own shape:
//!
//! - Huawei's API gateway: `{"error_code": "APIG.xxxx" or "APIGW.xxxx",
//!   "error_msg", "request_id"}`, with the same id in `X-Request-Id`. Huawei
//!   documents no `Retry-After` (its throttling page says "retry after 2 to 5
//!   seconds"), so these presets send none.
//! - KooDrive itself: `{"code", "msg"}` for a refusal of the whole call (HTTP 400
//!   in the error table, 500 for its own failures), and `{"code": 0, "batchCode",
//!   "downloads": [...]}` with one entry per file.
//!
//! The presets that answer files take the ids to answer, since a queued reply
//! cannot read the request.

use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::fake::FakeReply;

/// The request id the presets send, in the body and in `X-Request-Id`.
pub const REQUEST_ID: &str = "fd6530a01c09807640189e65e837b8ad";

/// A gateway refusal: `{"error_code", "error_msg", "request_id"}` and
/// `X-Request-Id`.
fn gateway(status: u16, code: &str, msg: &str) -> FakeReply {
    FakeReply::json(
        status,
        json!({"error_code": code, "error_msg": msg, "request_id": REQUEST_ID}),
    )
    .with_header("X-Request-Id", REQUEST_ID)
}

/// KooDrive's own refusal of the whole call: `{"code", "msg"}`.
fn business(status: u16, code: i64, msg: &str) -> FakeReply {
    FakeReply::json(status, json!({"code": code, "msg": msg}))
        .with_header("X-Request-Id", REQUEST_ID)
}

/// HTTP 401 `APIG.0303` "signature expired", the form Huawei's gateway documents:
/// `…signature expired, signature time:<X-Date>,server time:<its clock>`, both
/// `yyyyMMdd'T'HHmmss'Z'`. The fake answers this itself when its
/// `clock_offset` puts the client's `X-Date` out of its window.
pub fn signature_expired(signature_time: &str, server_time: OffsetDateTime) -> FakeReply {
    gateway(
        401,
        "APIG.0303",
        &format!(
            "Incorrect app authentication information: signature expired, signature time:{signature_time},server time:{}",
            crate::expiry::format_amz_date(server_time)
        ),
    )
}

/// HTTP 401 `APIG.0303` for a wrong app key (not a date problem).
pub fn app_not_found() -> FakeReply {
    gateway(
        401,
        "APIG.0303",
        "Incorrect app authentication information: app not found, appkey fake-koodrive-app-id",
    )
}

/// HTTP 429 `APIG.0308`, the gateway's throttling.
pub fn throttled() -> FakeReply {
    gateway(
        429,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 second",
    )
}

/// HTTP 502 `APIG.0201` "Backend unavailable".
pub fn backend_unavailable() -> FakeReply {
    gateway(502, "APIG.0201", "Backend unavailable")
}

/// HTTP 504 `APIG.0201` "Backend timeout".
pub fn backend_timeout() -> FakeReply {
    gateway(504, "APIG.0201", "Backend timeout")
}

/// HTTP 503 with the older gateway's `APIGW.` prefix.
pub fn legacy_gateway_unavailable() -> FakeReply {
    gateway(503, "APIGW.0201", "Backend unavailable")
}

/// HTTP 500 `{"code":13000201,"msg":"inner server invoke failure"}`, the
/// vendor's own example of an error body.
pub fn inner_invoke_failure() -> FakeReply {
    business(500, 13_000_201, "inner server invoke failure")
}

/// HTTP 400 `{"code":13000102,…}`: the whole call refused as invalid. The body
/// names no file: KooDrive's error shape has no per-file field.
pub fn parameter_invalid() -> FakeReply {
    business(400, 13_000_102, "parameter verification failed")
}

/// HTTP 500 `{"code":-1,"msg":""}`: a code outside every table and an empty
/// message.
pub fn minus_one() -> FakeReply {
    business(500, -1, "")
}

/// A per-file success entry with a link dated now, valid an hour.
fn ok(id: &str) -> Value {
    let now = crate::expiry::format_amz_date(OffsetDateTime::now_utc());
    json!({
        "fileId": id,
        "fileName": format!("{id}.bin"),
        "url": format!(
            "https://koodrive-obs.fake.example/{}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={now}&X-Amz-Expires=3600&X-Amz-Signature=0f",
            crate::encode::percent_encode(id)
        ),
        "code": "0",
        "msg": "success",
    })
}

/// A success envelope around `downloads`; a null `batch_code` leaves it out.
fn downloads(batch_code: Value, downloads: Vec<Value>) -> FakeReply {
    let mut body = json!({"code": 0, "msg": "Success.", "downloads": downloads});
    if !batch_code.is_null() {
        body["batchCode"] = batch_code;
    }
    FakeReply::json(200, body)
}

/// HTTP 200: links for `ids`, and a failure entry without `fileId`
/// (`{"code":"13000302","msg":…}`, `fileId` absent) — for a file the reply
/// cannot be matched to.
pub fn failure_without_file_id(ids: &[&str]) -> FakeReply {
    let mut entries: Vec<Value> = ids.iter().map(|id| ok(id)).collect();
    entries.push(json!({"code": "13000302", "msg": "file not in specified container", "url": ""}));
    downloads(json!(0), entries)
}

/// HTTP 200: links for `ids` and one for `stranger`, an id that was not asked
/// for.
pub fn unasked_id(ids: &[&str], stranger: &str) -> FakeReply {
    let mut entries: Vec<Value> = ids.iter().map(|id| ok(id)).collect();
    entries.push(ok(stranger));
    downloads(json!(1), entries)
}

/// HTTP 200: links for `ids` with `"batchCode": null`.
pub fn batch_code_null(ids: &[&str]) -> FakeReply {
    let entries: Vec<Value> = ids.iter().map(|id| ok(id)).collect();
    FakeReply::json(
        200,
        json!({"code": 0, "msg": "Success.", "batchCode": null, "downloads": entries}),
    )
}

/// HTTP 200: links for `ids` without a `batchCode`.
pub fn batch_code_missing(ids: &[&str]) -> FakeReply {
    let entries: Vec<Value> = ids.iter().map(|id| ok(id)).collect();
    downloads(Value::Null, entries)
}
