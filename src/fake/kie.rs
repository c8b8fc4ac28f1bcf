//! Fake kie.ai: `POST /api/v1/common/download-url`.

use serde_json::json;

use super::{bearer, ok_json, FakeReply, RecordedRequest};

/// What the fake kie.ai accepts and serves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KieSettings {
    /// The API key it accepts (default [`KIE_API_KEY`](super::KIE_API_KEY)).
    pub api_key: String,
    /// The link it hands out (default: the vendor page's example).
    pub link: String,
    /// Send errors with the HTTP status equal to the body code (default: HTTP 200
    /// with the code in the body, as the vendor's OpenAPI documents).
    pub errors_as_http_status: bool,
}

impl Default for KieSettings {
    fn default() -> Self {
        KieSettings {
            api_key: super::KIE_API_KEY.to_owned(),
            link: "https://tempfile.1f6cxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxbd98".to_owned(),
            errors_as_http_status: false,
        }
    }
}

pub(super) fn matches(path: &str) -> bool {
    path == crate::kie::PATH
}

pub(super) fn handle(settings: &KieSettings, request: &RecordedRequest) -> FakeReply {
    let error = |code: u16, msg: &str| {
        let status = if settings.errors_as_http_status {
            code
        } else {
            200
        };
        FakeReply::json(status, json!({"code": code, "msg": msg, "data": null}))
    };
    if request.method != "POST" {
        return error(404, "Not Found");
    }
    match bearer(request) {
        Some(token) if token == settings.api_key => {}
        _ => return error(401, "You do not have access permissions"),
    }
    let body = request.json();
    let Some(url) = body.get("url").and_then(|u| u.as_str()) else {
        return error(422, "url is required");
    };
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(host) if host.starts_with("tempfile.") => {}
        _ => return error(422, "External file URLs are not supported"),
    }
    ok_json(json!({"code": 200, "msg": "success", "data": settings.link}))
}
