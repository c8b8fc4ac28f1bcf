//! KooDrive's named codes, the payload of [`ApiDetail::KooDrive`](crate::ApiDetail::KooDrive)
//! (public under `download_url::koodrive`).

crate::codes::named_codes! {
    /// KooDrive's documented error codes (the `13000xxx` table).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Code {
        /// Any other code.
        Other(_) => "vendor error",
        /// 13000101: bad request.
        BadRequest = 13_000_101 => "bad request",
        /// 13000102: parameter verification failed (e.g. more than 100 ids).
        ParameterInvalid = 13_000_102 => "parameter verification failed",
        /// 13000201: internal invocation failure (server side, may succeed later).
        InnerInvokeFailure = 13_000_201 => "internal invocation failure",
        /// 13000301: space not found or in an abnormal state.
        ContainerNotFound = 13_000_301 => "space not found",
        /// 13000302: file not in the specified space.
        FileNotInContainer = 13_000_302 => "file not in the space",
        /// 13000303: the operation needs the file to be in the recycle bin.
        NotInRecycleBin = 13_000_303 => "file not in the recycle bin",
        /// 13000304: target directory abnormal.
        TargetDirectoryAbnormal = 13_000_304 => "target directory abnormal",
        /// 13000305: target directory is in the recycle bin.
        TargetDirectoryInRecycleBin = 13_000_305 => "target directory in the recycle bin",
        /// 13000306: file is in the recycle bin.
        FileInRecycleBin = 13_000_306 => "file in the recycle bin",
        /// 13000307: nested directories.
        NestedDirectories = 13_000_307 => "nested directories",
        /// 13000308: file metadata error.
        FileMetadataError = 13_000_308 => "file metadata error",
        /// 13000309: resource not found.
        ResourceNotFound = 13_000_309 => "resource not found",
        /// 13000310: maximum directory depth exceeded.
        MaxDepthExceeded = 13_000_310 => "maximum directory depth exceeded",
        /// 13000311: insufficient space.
        InsufficientSpace = 13_000_311 => "insufficient space",
        /// 13000312: file already in the target folder.
        AlreadyInTargetFolder = 13_000_312 => "file already in the target folder",
        /// 13000401: upload task not found.
        UploadTaskNotFound = 13_000_401 => "upload task not found",
        /// 13000402: file integrity check failed or upload incomplete.
        IntegrityCheckFailed = 13_000_402 => "file integrity check failed",
        /// 13000403: changing the file status failed.
        ChangeFileStateFailed = 13_000_403 => "changing the file status failed",
        /// 13000404: parent directory in the recycle bin.
        ParentInRecycleBin = 13_000_404 => "parent directory in the recycle bin",
        /// 13000405: duplicate file name.
        DuplicateFileName = 13_000_405 => "duplicate file name",
        /// 13000406: operation not allowed on a folder.
        FolderNotAllowed = 13_000_406 => "operation not allowed on a folder",
        /// 13000407: the file's download address does not exist.
        DownloadAddressNotFound = 13_000_407 => "download address does not exist",
        /// 13000408: file download failed.
        DownloadFailed = 13_000_408 => "file download failed",
        /// 13000409: file upload failed.
        UploadFailed = 13_000_409 => "file upload failed",
        /// 13000410: the user has no permission on the space.
        NoSpacePermission = 13_000_410 => "no permission on the space",
        /// 13000411: the file is not in this space.
        FileNotInSpace = 13_000_411 => "file not in this space",
        /// 13000412: space not active.
        SpaceNotActive = 13_000_412 => "space not active",
        /// 13000413: unsupported search type.
        UnsupportedSearchType = 13_000_413 => "unsupported search type",
        /// 13000414: search type must not be empty.
        SearchTypeEmpty = 13_000_414 => "search type is empty",
    }
    /// The named code for a numeric code.
    pub fn from_code;
    /// The numeric code.
    pub fn code;
    /// Short lowercase description.
    pub fn description;
    const CODES: &[(Code, i64, &str)];
}

impl Code {
    /// Only 13000201 (internal invocation failure) may succeed later.
    pub fn is_retryable(self) -> bool {
        self == Code::InnerInvokeFailure
    }
}

/// The KooDrive part of an [`ApiError`](crate::ApiError).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The named top-level code (or, from [`download_link`](crate::koodrive::download_link), the file's own
    /// code). `None` for a gateway refusal or a non-numeric per-file code.
    pub code: Option<Code>,
    /// The API gateway's `error_code` (e.g. `APIGW.0303`, app authentication
    /// failed), for a refusal by Huawei's gateway in front of KooDrive.
    pub gateway_code: Option<String>,
}

impl ErrorDetail {
    /// Short lowercase description: the named code's, `"file refused"` or
    /// `"refused by the api gateway"`.
    pub fn label(&self) -> &'static str {
        match (&self.gateway_code, self.code) {
            (Some(_), _) => "refused by the api gateway",
            (None, code) => code.map_or("file refused", Code::description),
        }
    }
}
