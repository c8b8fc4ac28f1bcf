//! BlendVision One's gRPC codes and status details, the payload of
//! [`ApiDetail::BlendVision`](crate::ApiDetail::BlendVision) (public under
//! `download_url::blendvision`).

use std::fmt;

crate::codes::named_codes! {
    /// A gRPC status code (`google.rpc.Code`), as in the `code` of an error body.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum GrpcCode {
        /// Any other number.
        Other(_), "OTHER" => "vendor error",
        /// 0 OK (the vendor page's own example error carries it).
        Ok = 0, "OK" => "ok",
        /// 1 CANCELLED.
        Cancelled = 1, "CANCELLED" => "cancelled",
        /// 2 UNKNOWN.
        Unknown = 2, "UNKNOWN" => "unknown error",
        /// 3 INVALID_ARGUMENT: a bad id or body.
        InvalidArgument = 3, "INVALID_ARGUMENT" => "invalid argument",
        /// 4 DEADLINE_EXCEEDED.
        DeadlineExceeded = 4, "DEADLINE_EXCEEDED" => "deadline exceeded",
        /// 5 NOT_FOUND: no such file.
        NotFound = 5, "NOT_FOUND" => "not found",
        /// 6 ALREADY_EXISTS.
        AlreadyExists = 6, "ALREADY_EXISTS" => "already exists",
        /// 7 PERMISSION_DENIED: the token may not act for the organization or file.
        PermissionDenied = 7, "PERMISSION_DENIED" => "permission denied",
        /// 8 RESOURCE_EXHAUSTED: quota or rate limit.
        ResourceExhausted = 8, "RESOURCE_EXHAUSTED" => "resource exhausted",
        /// 9 FAILED_PRECONDITION.
        FailedPrecondition = 9, "FAILED_PRECONDITION" => "failed precondition",
        /// 10 ABORTED.
        Aborted = 10, "ABORTED" => "aborted",
        /// 11 OUT_OF_RANGE.
        OutOfRange = 11, "OUT_OF_RANGE" => "out of range",
        /// 12 UNIMPLEMENTED.
        Unimplemented = 12, "UNIMPLEMENTED" => "unimplemented",
        /// 13 INTERNAL: server error.
        Internal = 13, "INTERNAL" => "internal error",
        /// 14 UNAVAILABLE: the service is down for now.
        Unavailable = 14, "UNAVAILABLE" => "service unavailable",
        /// 15 DATA_LOSS.
        DataLoss = 15, "DATA_LOSS" => "data loss",
        /// 16 UNAUTHENTICATED: the `authorization` header is missing or not recognised.
        Unauthenticated = 16, "UNAUTHENTICATED" => "unauthenticated",
    }
    /// The named code for a body `code`.
    pub fn from_code;
    /// The numeric code.
    pub fn code;
    /// Short lowercase description, e.g. `"not found"`.
    pub fn description;
    /// The code's canonical name, e.g. `"NOT_FOUND"` (`"OTHER"` for [`GrpcCode::Other`]).
    pub fn name;
}

impl GrpcCode {
    /// The HTTP status grpc-gateway v2 answers this code with (`HTTPStatusFromCode`;
    /// 500 for unknown numbers).
    pub fn http_status(self) -> u16 {
        match self {
            GrpcCode::Ok => 200,
            GrpcCode::Cancelled => 499,
            GrpcCode::InvalidArgument | GrpcCode::FailedPrecondition | GrpcCode::OutOfRange => 400,
            GrpcCode::DeadlineExceeded => 504,
            GrpcCode::NotFound => 404,
            GrpcCode::AlreadyExists | GrpcCode::Aborted => 409,
            GrpcCode::PermissionDenied => 403,
            GrpcCode::ResourceExhausted => 429,
            GrpcCode::Unimplemented => 501,
            GrpcCode::Unavailable => 503,
            GrpcCode::Unauthenticated => 401,
            GrpcCode::Unknown | GrpcCode::Internal | GrpcCode::DataLoss | GrpcCode::Other(_) => 500,
        }
    }

    /// The code an HTTP status most likely stands for (grpc-gateway v2, reversed),
    /// used to label a body whose own code says nothing (`0` or unknown).
    pub(crate) fn from_http_status(status: u16) -> GrpcCode {
        match status {
            400 => GrpcCode::InvalidArgument,
            401 => GrpcCode::Unauthenticated,
            403 => GrpcCode::PermissionDenied,
            404 => GrpcCode::NotFound,
            409 => GrpcCode::Aborted,
            429 => GrpcCode::ResourceExhausted,
            499 => GrpcCode::Cancelled,
            501 => GrpcCode::Unimplemented,
            503 => GrpcCode::Unavailable,
            504 => GrpcCode::DeadlineExceeded,
            500..=599 => GrpcCode::Internal,
            _ => GrpcCode::Unknown,
        }
    }
}

impl fmt::Display for GrpcCode {
    /// `NAME (n)`, e.g. `NOT_FOUND (5)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// One entry of an error body's `details` (a `google.protobuf.Any` in JSON form),
/// with the query of any URL and any echoed credential redacted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Detail {
    /// The entry's `@type`, e.g. `type.googleapis.com/google.rpc.BadRequest`
    /// (empty when the entry had none).
    pub type_url: String,
    /// Every other field of the entry, as sent.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// The BlendVision part of an [`ApiError`](crate::ApiError): the named gRPC code and
/// the body's `details`. The numeric code is [`ApiError::code`](crate::ApiError::code),
/// the message [`ApiError::message`](crate::ApiError::message).
///
/// Retryable ([`Error::is_retryable`](crate::Error::is_retryable)): by HTTP status and gRPC code together —
/// HTTP 429 and every 5xx but 501 whatever the body (INTERNAL, UNKNOWN,
/// DEADLINE_EXCEEDED under 500/502/504 included: the call only asks for a signed
/// URL, so a repeat duplicates nothing), except UNIMPLEMENTED; and the gRPC codes
/// UNAVAILABLE and RESOURCE_EXHAUSTED whatever the status (older grpc-gateways
/// answer RESOURCE_EXHAUSTED with 403).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The body's `code`, named.
    pub grpc_code: GrpcCode,
    /// The body's `details`, in order.
    pub details: Vec<Detail>,
    pub(crate) label: &'static str,
}

impl ErrorDetail {
    /// Short lowercase description of the gRPC code; when the body's code is `0`
    /// or unknown, of the code the HTTP status stands for.
    pub fn label(&self) -> &'static str {
        self.label
    }

    /// The first detail whose `@type` ends with `type_name`, e.g.
    /// `"google.rpc.BadRequest"`.
    pub fn find(&self, type_name: &str) -> Option<&Detail> {
        self.details
            .iter()
            .find(|d| d.type_url.ends_with(type_name))
    }
}
