//! Fake Datalab: `GET /api/v1/files/{file_id}/download`.

use serde_json::json;

use super::{ok_json, FakeReply, RecordedRequest};

/// A file the fake Datalab knows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeFile {
    /// Integer id.
    pub id: u64,
    /// Hashid form of the same id.
    pub hashid: String,
    /// Name the file was uploaded with.
    pub name: String,
}

impl FakeFile {
    /// A file with an id, its hashid and a name.
    pub fn new(id: u64, hashid: &str, name: &str) -> Self {
        FakeFile {
            id,
            hashid: hashid.to_owned(),
            name: name.to_owned(),
        }
    }
}

/// What the fake Datalab accepts and serves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DatalabSettings {
    /// The API key it accepts (default [`DATALAB_API_KEY`](super::DATALAB_API_KEY)).
    pub api_key: String,
    /// Its files (default: 42 / `abc123` / `report.pdf`).
    pub files: Vec<FakeFile>,
}

impl Default for DatalabSettings {
    fn default() -> Self {
        DatalabSettings {
            api_key: super::DATALAB_API_KEY.to_owned(),
            files: vec![FakeFile::new(42, "abc123", "report.pdf")],
        }
    }
}

pub(super) fn matches(path: &str) -> bool {
    path.strip_prefix("/api/v1/files/")
        .and_then(|rest| rest.strip_suffix("/download"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

fn validation(loc: &str, name: &str, kind: &str, msg: &str, input: &str) -> FakeReply {
    FakeReply::json(
        422,
        json!({"detail": [{"type": kind, "loc": [loc, name], "msg": msg, "input": input}]}),
    )
}

pub(super) fn handle(settings: &DatalabSettings, request: &RecordedRequest) -> FakeReply {
    if request.method != "GET" {
        return FakeReply::json(405, json!({"detail": "Method Not Allowed"}));
    }
    match request.header("x-api-key") {
        None => return FakeReply::json(403, json!({"detail": "Not authenticated"})),
        Some(key) if key != settings.api_key => {
            return FakeReply::json(401, json!({"detail": "Invalid API key"}))
        }
        Some(_) => {}
    }
    let raw = request
        .path
        .trim_start_matches("/api/v1/files/")
        .trim_end_matches("/download");
    let id = crate::encode::percent_decode(raw);
    let file = match id.parse::<u64>() {
        Ok(n) => settings.files.iter().find(|f| f.id == n),
        Err(_) if id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            settings.files.iter().find(|f| f.hashid == id)
        }
        Err(_) => {
            return validation(
                "path",
                "file_id",
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
                &id,
            )
        }
    };
    let expires_in = match request.query_param("expires_in") {
        None => 3600,
        Some(text) => match text.parse::<i64>() {
            Err(_) => {
                return validation(
                    "query",
                    "expires_in",
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                    &text,
                )
            }
            Ok(n) if n < 60 => {
                return validation(
                    "query",
                    "expires_in",
                    "greater_than_equal",
                    "Input should be greater than or equal to 60",
                    &text,
                )
            }
            Ok(n) if n > 86_400 => {
                return validation(
                    "query",
                    "expires_in",
                    "less_than_equal",
                    "Input should be less than or equal to 86400",
                    &text,
                )
            }
            Ok(n) => n,
        },
    };
    let Some(file) = file else {
        return FakeReply::json(404, json!({"detail": "File not found"}));
    };
    let now = crate::expiry::format_amz_date(time::OffsetDateTime::now_utc());
    let url = format!(
        "https://datalab-files.s3.us-east-1.amazonaws.com/teams/7/files/{}/{}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAFAKE%2F{}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date={now}&X-Amz-Expires={expires_in}&X-Amz-SignedHeaders=host&X-Amz-Signature=5f1e0c9a7b",
        file.id,
        crate::encode::percent_encode(&file.name),
        &now[..8],
    );
    ok_json(json!({
        "download_url": url,
        "expires_in": expires_in,
        "file_id": file.id,
        "original_filename": file.name,
    }))
}
