//! Datalab's error body, the payload of [`ApiDetail::Datalab`](crate::ApiDetail::Datalab)
//! (public under `download_url::datalab`).

use std::fmt;

use serde::Deserialize;

/// Datalab's error body, kept as sent except that the query of any URL and any
/// echoed credential are redacted, as in [`Error::Api`](crate::Error::Api)'s message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// `{"detail": "<message>"}` (FastAPI `HTTPException`).
    Message(String),
    /// `{"detail": [{loc, msg, type}, …]}` (FastAPI validation, HTTP 422).
    Validation(Vec<ValidationError>),
    /// `{"error": "<message>"}`, which some Datalab endpoints use instead.
    Error(String),
}

/// One FastAPI validation failure (URL queries and echoed credentials redacted in
/// every string: a URL can arrive in `loc` and `type` too).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// Where: e.g. `["query", "expires_in"]`.
    pub loc: Vec<LocItem>,
    /// What.
    pub msg: String,
    /// FastAPI's error type, e.g. `greater_than_equal`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// One element of a validation `loc`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum LocItem {
    /// A field name.
    Field(String),
    /// An array index.
    Index(i64),
}

impl fmt::Display for LocItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocItem::Field(s) => f.write_str(s),
            LocItem::Index(i) => write!(f, "{i}"),
        }
    }
}

/// The Datalab part of an [`ApiError`](crate::ApiError).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The body as sent.
    pub detail: Detail,
    pub(crate) label: &'static str,
}

impl ErrorDetail {
    /// Short lowercase description, from the HTTP status.
    pub fn label(&self) -> &'static str {
        self.label
    }
}
