//! Fake BlendVision One: `POST /bv/cms/v1/library/files/{id}:download` and
//! `POST /bv/cms/v1/library/files:download`.
//!
//! Errors are grpc-gateway v2 status bodies `{code, message, details}`; the HTTP
//! status follows the gRPC code (16 → 401, 7 → 403, 3 → 400, 5 → 404).

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{bearer, ok_json, FakeReply, RecordedRequest};
use crate::blendvision::{GrpcCode, FILES_PATH};

/// A file the fake BlendVision One library holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlendVisionFile {
    /// The file id.
    pub id: String,
    /// Its original name (`download_filename`).
    pub name: String,
}

impl BlendVisionFile {
    /// A file with an id and a name.
    pub fn new(id: &str, name: &str) -> Self {
        BlendVisionFile {
            id: id.to_owned(),
            name: name.to_owned(),
        }
    }
}

/// What the fake BlendVision One accepts and serves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BlendVisionSettings {
    /// The API token it accepts (default
    /// [`BLENDVISION_API_TOKEN`](super::BLENDVISION_API_TOKEN)).
    pub api_token: String,
    /// The organization id it requires in `x-bv-org-id` (default
    /// [`BLENDVISION_ORG_ID`](super::BLENDVISION_ORG_ID)).
    pub org_id: String,
    /// Its files (default: the vendor example's
    /// `63df97e3-519b-4426-bf01-d1841cdc2ccd` / `bbb.mp4`, and
    /// `3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328` / `intro.mp4`).
    pub files: Vec<BlendVisionFile>,
    /// The signing time of the links it hands out (`None`: the time of the request).
    /// `expiration_time` is this + 24 h, `X-Amz-Date` this to the second.
    pub signed_at: Option<OffsetDateTime>,
    /// Login access tokens it accepts: they name their organization, so
    /// `x-bv-org-id` is optional with them (default none).
    pub login_tokens: Vec<String>,
}

impl Default for BlendVisionSettings {
    fn default() -> Self {
        BlendVisionSettings {
            api_token: super::BLENDVISION_API_TOKEN.to_owned(),
            org_id: super::BLENDVISION_ORG_ID.to_owned(),
            files: vec![
                BlendVisionFile::new("63df97e3-519b-4426-bf01-d1841cdc2ccd", "bbb.mp4"),
                BlendVisionFile::new("3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328", "intro.mp4"),
            ],
            signed_at: None,
            login_tokens: Vec::new(),
        }
    }
}

/// The presign lifetime of the vendor example (`X-Amz-Expires=86400`).
const LIFETIME_SECS: i64 = 86_400;

fn batch_path() -> String {
    format!("{FILES_PATH}:download")
}

/// The still-encoded id of a single-file path.
fn single_id(path: &str) -> Option<&str> {
    path.strip_prefix(FILES_PATH)?
        .strip_prefix('/')?
        .strip_suffix(":download")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

pub(super) fn matches(path: &str) -> bool {
    path == batch_path() || single_id(path).is_some()
}

/// A grpc-gateway error body on the HTTP status grpc-gateway maps `code` to.
fn status(code: GrpcCode, message: &str, details: Value) -> FakeReply {
    FakeReply::json(
        code.http_status(),
        json!({"code": code.code(), "message": message, "details": details}),
    )
}

fn error_info(reason: &str) -> Value {
    json!([{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "api.one.blendvision.com",
        "metadata": {"service": "cms"},
    }])
}

fn bad_request(field: &str, description: &str) -> FakeReply {
    status(
        GrpcCode::InvalidArgument,
        description,
        json!([{
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": field, "description": description}],
        }]),
    )
}

pub(super) fn handle(settings: &BlendVisionSettings, request: &RecordedRequest) -> FakeReply {
    if request.method != "POST" {
        return status(GrpcCode::NotFound, "Not Found", json!([]));
    }
    let login = bearer(request).is_some_and(|t| settings.login_tokens.iter().any(|l| *l == t));
    match bearer(request) {
        Some(token) if token == settings.api_token => {}
        Some(_) if login => {}
        Some(_) => {
            return status(
                GrpcCode::Unauthenticated,
                "unidentified authorization",
                error_info("INVALID_TOKEN"),
            )
        }
        None => {
            return status(
                GrpcCode::Unauthenticated,
                "authorization header is missing",
                error_info("MISSING_TOKEN"),
            )
        }
    }
    // A login access token names its organization: the header is optional.
    let org_ok = match request.header("x-bv-org-id") {
        None => login,
        Some(org) => org == settings.org_id,
    };
    if !org_ok {
        return status(
            GrpcCode::PermissionDenied,
            "permission denied for the organization",
            error_info("ORG_PERMISSION_DENIED"),
        );
    }
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(Value::Object(map)) => Value::Object(map),
        _ => return bad_request("body", "request body must be a JSON object"),
    };
    let ids: Vec<String> = match single_id(&request.path) {
        Some(raw) => vec![crate::encode::percent_decode(raw)],
        None => match body.get("ids").and_then(Value::as_array) {
            Some(list) if !list.is_empty() => {
                let strings: Option<Vec<String>> =
                    list.iter().map(|v| v.as_str().map(str::to_owned)).collect();
                match strings {
                    Some(ids) => ids,
                    None => return bad_request("ids", "ids must be strings"),
                }
            }
            _ => return bad_request("ids", "ids must not be empty"),
        },
    };
    let signed_at = settings.signed_at.unwrap_or_else(OffsetDateTime::now_utc);
    let mut files = Vec::with_capacity(ids.len());
    for id in &ids {
        let Some(file) = settings.files.iter().find(|f| &f.id == id) else {
            return status(
                GrpcCode::NotFound,
                &format!("file {id} not found"),
                json!([{
                    "@type": "type.googleapis.com/google.rpc.ResourceInfo",
                    "resourceType": "library.file",
                    "resourceName": id,
                }]),
            );
        };
        files.push(item(file, signed_at));
    }
    if single_id(&request.path).is_some() {
        ok_json(files.swap_remove(0))
    } else {
        ok_json(json!({ "download_files": files }))
    }
}

/// One item in the vendor example's shape: an S3 presigned GET signed at
/// `signed_at`, valid 24 h, and `expiration_time` with nanoseconds.
fn item(file: &BlendVisionFile, signed_at: OffsetDateTime) -> Value {
    let signed_at = signed_at.to_offset(time::UtcOffset::UTC);
    let amz_date = crate::expiry::format_amz_date(signed_at);
    let expires = signed_at + time::Duration::seconds(LIFETIME_SECS);
    let expiration_time = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        expires.year(),
        u8::from(expires.month()),
        expires.day(),
        expires.hour(),
        expires.minute(),
        expires.second(),
        expires.nanosecond()
    );
    let id = crate::encode::percent_encode(&file.id);
    let url = format!(
        "https://kks-platform-orbit-content-store-dev.s3.ap-northeast-1.amazonaws.com/42f6c33e-f632-44e5-8042-05abb5fa2223/video/{id}/{name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAFAKEFAKEFAKE%2F{day}%2Fap-northeast-1%2Fs3%2Faws4_request&X-Amz-Date={amz_date}&X-Amz-Expires={LIFETIME_SECS}&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEFAKE%2F%2F&X-Amz-SignedHeaders=host&x-id=GetObject&X-Amz-Signature=946bbe3bdaa6e0ecff9279cb3db2f304",
        name = crate::encode::percent_encode(&file.name),
        day = &amz_date[..8],
    );
    json!({
        "download_filename": file.name,
        "download_uri": url,
        "expiration_time": expiration_time,
        "id": file.id,
    })
}
