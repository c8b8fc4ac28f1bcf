//! Fake KooDrive: `POST /koodrive/ose/v1/files/download`.
//!
//! Checks requests the way the vendor does: `X-Date` within 15 minutes and not in
//! the future, `X-User-Id`, the token form or the app signature (recomputed over
//! the received bytes and `Host` header), the body shape and the 100-id limit.
//! Business errors are HTTP 400 with `{code, msg}` from KooDrive's error table;
//! authentication failures are HTTP 401 with the API gateway's
//! `{error_code, error_msg, request_id}` (the form Huawei's gateway documents);
//! an `X-Date` out of the window is `APIG.0303` "signature expired, signature
//! time:…,server time:…", as
//! [`presets::koodrive::signature_expired`](super::presets::koodrive::signature_expired)
//! sends it.

use std::fmt;

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{ok_json, FakeReply, RecordedRequest};
use crate::Secret;

/// The space that holds the fake's default file (the vendor page's example).
pub const KOODRIVE_CONTAINER_ID: &str = "IAADfsBFCO6WtAtuA9add2fea594e4e75b8feb8474ef236";
/// The fake's default file (the vendor page's example), named `Invoice 1.pdf`.
pub const KOODRIVE_FILE_ID: &str = "Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ";

/// A file the fake KooDrive knows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KooDriveFile {
    /// The space (`containerId`) that holds it.
    pub container_id: String,
    /// `fileId`.
    pub file_id: String,
    /// `fileName`.
    pub file_name: String,
}

impl KooDriveFile {
    /// A file in `container_id`.
    pub fn new(container_id: &str, file_id: &str, file_name: &str) -> Self {
        KooDriveFile {
            container_id: container_id.to_owned(),
            file_id: file_id.to_owned(),
            file_name: file_name.to_owned(),
        }
    }
}

/// What the fake KooDrive accepts and serves.
#[derive(Clone)]
#[non_exhaustive]
pub struct KooDriveSettings {
    /// The `X-User-Id` it accepts (default [`KOODRIVE_USER_ID`](super::KOODRIVE_USER_ID)).
    pub user_id: String,
    /// The access token it accepts (default [`KOODRIVE_TOKEN`](super::KOODRIVE_TOKEN)).
    pub token: String,
    /// The form the token must take: `Authorization: <token_prefix><token>`
    /// (default `Bearer `).
    pub token_prefix: String,
    /// The app id it accepts (default [`KOODRIVE_APP_ID`](super::KOODRIVE_APP_ID)).
    pub app_id: String,
    /// The app secret it verifies signatures with (default
    /// [`KOODRIVE_APP_SECRET`](super::KOODRIVE_APP_SECRET)).
    pub app_secret: String,
    /// Its files; a space exists when it holds at least one (default: the vendor
    /// page's example, [`KOODRIVE_FILE_ID`] in [`KOODRIVE_CONTAINER_ID`]).
    pub files: Vec<KooDriveFile>,
    /// `X-Amz-Expires` of the links it hands out, in seconds (default 3600).
    pub link_lifetime: u32,
    /// The server clock's offset from this machine's (default zero): a negative
    /// offset makes the client's clock fast, so its `X-Date` lies in the
    /// server's future and is refused. Every reply carries the server's `Date`.
    pub clock_offset: time::Duration,
}

impl Default for KooDriveSettings {
    fn default() -> Self {
        KooDriveSettings {
            user_id: super::KOODRIVE_USER_ID.to_owned(),
            token: super::KOODRIVE_TOKEN.to_owned(),
            token_prefix: crate::koodrive::DEFAULT_TOKEN_PREFIX.to_owned(),
            app_id: super::KOODRIVE_APP_ID.to_owned(),
            app_secret: super::KOODRIVE_APP_SECRET.to_owned(),
            files: vec![KooDriveFile::new(
                KOODRIVE_CONTAINER_ID,
                KOODRIVE_FILE_ID,
                "Invoice 1.pdf",
            )],
            link_lifetime: 3600,
            clock_offset: time::Duration::ZERO,
        }
    }
}

impl fmt::Debug for KooDriveSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KooDriveSettings")
            .field("user_id", &self.user_id)
            .field("token", &"[redacted]")
            .field("token_prefix", &self.token_prefix)
            .field("app_id", &self.app_id)
            .field("app_secret", &"[redacted]")
            .field("files", &self.files)
            .field("link_lifetime", &self.link_lifetime)
            .field("clock_offset", &self.clock_offset)
            .finish()
    }
}

/// How far in the past an `X-Date` may be.
const DATE_WINDOW: time::Duration = time::Duration::minutes(15);

pub(super) fn matches(path: &str) -> bool {
    path == crate::koodrive::PATH
}

fn business_error(code: i64, msg: &str) -> FakeReply {
    FakeReply::json(400, json!({"code": code, "msg": msg}))
}

fn gateway_error(code: &str, msg: &str) -> FakeReply {
    FakeReply::json(
        401,
        json!({
            "error_code": code,
            "error_msg": msg,
            "request_id": "5f8e0c2a9b7d4e31a6c0f2d48b1e7a90",
        }),
    )
}

fn app_auth_error(msg: &str) -> FakeReply {
    gateway_error(
        "APIGW.0303",
        &format!("Incorrect app authentication information: {msg}"),
    )
}

pub(super) fn handle(settings: &KooDriveSettings, request: &RecordedRequest) -> FakeReply {
    let now = OffsetDateTime::now_utc() + settings.clock_offset;
    answer(settings, request, now).with_header("Date", &http_date(now))
}

/// An RFC 9110 HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(at: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[usize::from(at.weekday().number_days_from_monday())],
        at.day(),
        MONTHS[usize::from(u8::from(at.month()) - 1)],
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn answer(
    settings: &KooDriveSettings,
    request: &RecordedRequest,
    now: OffsetDateTime,
) -> FakeReply {
    if request.method != "POST" {
        return FakeReply::json(
            404,
            json!({"error_code": "APIGW.0101", "error_msg": "The API does not exist or has not been published in the environment"}),
        );
    }
    if let Some(refusal) = check_auth(settings, request, now) {
        return refusal;
    }
    if let Some(trace_id) = request.header("x-traceid") {
        if trace_id.len() != crate::koodrive::TRACE_ID_LEN
            || !trace_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return business_error(13_000_102, "X-Traceid is invalid");
        }
    }
    let body = request.json();
    let Some(container_id) = body.get("containerId").and_then(Value::as_str) else {
        return business_error(13_000_102, "containerId is required");
    };
    let Some(ids) = body.get("fileIds").and_then(Value::as_array) else {
        return business_error(13_000_102, "fileIds is required");
    };
    let ids: Option<Vec<&str>> = ids.iter().map(Value::as_str).collect();
    let Some(ids) = ids else {
        return business_error(13_000_102, "fileIds must be strings");
    };
    if container_id.is_empty() || ids.is_empty() {
        return business_error(13_000_102, "containerId and fileIds must not be empty");
    }
    if ids.len() > crate::koodrive::MAX_IDS_PER_CALL {
        return business_error(13_000_102, "fileIds size must be less than or equal to 100");
    }
    if !settings
        .files
        .iter()
        .any(|f| f.container_id == container_id)
    {
        return business_error(13_000_301, "container not exist or state error");
    }
    let now = crate::expiry::format_amz_date(OffsetDateTime::now_utc());
    let mut succeeded = 0;
    let downloads: Vec<Value> = ids
        .iter()
        .map(|id| {
            let file = settings
                .files
                .iter()
                .find(|f| f.container_id == container_id && f.file_id == *id);
            match file {
                Some(file) => {
                    succeeded += 1;
                    json!({
                        "fileId": id,
                        "url": link(settings, file, &now),
                        "fileName": file.file_name,
                        "code": "0",
                        "msg": "success",
                    })
                }
                None => json!({
                    "fileId": id,
                    "url": "",
                    "fileName": "",
                    "code": "13000302",
                    "msg": "file not in specified container",
                }),
            }
        })
        .collect();
    let batch_code = if succeeded == ids.len() {
        1
    } else if succeeded == 0 {
        2
    } else {
        0
    };
    ok_json(json!({
        "downloads": downloads,
        "batchCode": batch_code,
        "code": 0,
        "msg": "Success.",
    }))
}

/// `None` when the request is authenticated, else the vendor's refusal.
fn check_auth(
    settings: &KooDriveSettings,
    request: &RecordedRequest,
    now: OffsetDateTime,
) -> Option<FakeReply> {
    let Some(x_date) = request.header("x-date") else {
        return Some(app_auth_error("x-date is missing"));
    };
    let Some(signed_at) = crate::expiry::parse_amz_date(x_date.trim()) else {
        return Some(app_auth_error("x-date is not yyyyMMddTHHmmssZ"));
    };
    if signed_at > now || now - signed_at > DATE_WINDOW {
        return Some(super::presets::koodrive::signature_expired(
            x_date.trim(),
            now,
        ));
    }
    match request.header("x-user-id") {
        Some(user) if user.trim() == settings.user_id => {}
        Some(_) => return Some(app_auth_error("user not found")),
        None => return Some(app_auth_error("x-user-id is missing")),
    }
    let Some(authorization) = request.header("authorization") else {
        return Some(gateway_error(
            "APIGW.0301",
            "Incorrect authentication information: authorization is missing",
        ));
    };
    let Some(params) = authorization.strip_prefix("HMAC-SHA256 ") else {
        let expected = format!("{}{}", settings.token_prefix, settings.token);
        return (authorization != expected).then(|| {
            gateway_error(
                "APIGW.0301",
                "Incorrect authentication information: token invalid or expired",
            )
        });
    };
    let field = |name: &str| {
        params.split(',').find_map(|part| {
            let (key, value) = part.trim().split_once('=')?;
            (key == name).then_some(value)
        })
    };
    let (Some(app_id), Some(signed), Some(given)) =
        (field("AppId"), field("SignedHeaders"), field("Signature"))
    else {
        return Some(app_auth_error("authorization header malformed"));
    };
    if app_id != settings.app_id {
        return Some(app_auth_error(&format!("app not found, appkey {app_id}")));
    }
    let names: Vec<&str> = signed.split(';').collect();
    for required in ["host", "x-date", "x-user-id"] {
        if !names.contains(&required) {
            return Some(app_auth_error(&format!("{required} is not signed")));
        }
    }
    let mut headers = Vec::new();
    for name in &names {
        match request.header(name) {
            Some(value) => headers.push((*name, value)),
            None => return Some(app_auth_error(&format!("signed header {name} is missing"))),
        }
    }
    let canonical = crate::koodrive::canonical_request(
        &request.method,
        &request.path,
        request.query.as_deref().unwrap_or(""),
        &headers,
        &request.body,
    );
    let expected = crate::koodrive::signature(
        &Secret::new(settings.app_secret.as_str()),
        &crate::koodrive::string_to_sign(&canonical),
    );
    (given != expected).then(|| {
        app_auth_error(&format!(
            "verify signature fail, canonicalRequest:{}",
            canonical.replace('\n', "|")
        ))
    })
}

fn link(settings: &KooDriveSettings, file: &KooDriveFile, now: &str) -> String {
    let enc = |text: &str| crate::encode::percent_encode(text);
    format!(
        "https://koodrive-obs.fake.example/{}/{}?response-content-disposition={}&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={now}&X-Amz-SignedHeaders=host&X-Amz-Expires={}&X-Amz-Credential=FAKEKOODRIVEKEY%2F{}%2Fap-southeast-3%2Fs3%2Faws4_request&X-Amz-Signature=9d06798af17e2f1082b720f43af29a32b3154da4ddeee4f10025a758b599728a",
        enc(&file.container_id),
        enc(&file.file_id),
        enc(&format!("attachment; filename=\"{}\"", enc(&file.file_name))),
        settings.link_lifetime,
        &now[..8],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], body: &str) -> RecordedRequest {
        RecordedRequest {
            vendor: Some(crate::Vendor::KooDrive),
            method: "POST".into(),
            path: crate::koodrive::PATH.into(),
            query: None,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
            authority: None,
        }
    }

    fn status(reply: &FakeReply) -> u16 {
        match reply {
            FakeReply::Response { status, .. } => *status,
            FakeReply::Fault(_) => 0,
        }
    }

    #[test]
    fn date_window() {
        let settings = KooDriveSettings::default();
        let now = crate::expiry::parse_amz_date("20240909T033325Z").unwrap();
        let token = format!("Bearer {}", settings.token);
        let check = |date: &str| {
            let req = request(
                &[
                    ("x-date", date),
                    ("x-user-id", &settings.user_id),
                    ("authorization", &token),
                ],
                "{}",
            );
            check_auth(&settings, &req, now).map(|r| status(&r))
        };
        assert_eq!(check("20240909T033325Z"), None);
        assert_eq!(check("20240909T031825Z"), None);
        assert_eq!(check("20240909T031824Z"), Some(401));
        assert_eq!(check("20240909T033326Z"), Some(401));
        assert_eq!(check("garbage"), Some(401));
    }

    #[test]
    fn debug_hides_credentials() {
        let shown = format!("{:?}", KooDriveSettings::default());
        assert!(
            !shown.contains(super::super::KOODRIVE_APP_SECRET),
            "{shown}"
        );
        assert!(!shown.contains(super::super::KOODRIVE_TOKEN), "{shown}");
    }
}
