//! [`FileHostError`]: a failure of [`fetch`](crate::fetch) (feature `fetch`).

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;

use super::{BoxError, Error};
use crate::url::{one_line, redact_url};
use crate::vendor::Vendor;

/// What went wrong with the file host (see [`FileHostError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileHostKind {
    /// An HTTP error status (`4xx`, `5xx`) other than a refusal of the link.
    Status,
    /// The host refused the link (expired or not allowed) and no refresher was set.
    Denied,
    /// The host kept refusing after [`max_refreshes`](crate::Fetcher::max_refreshes) new links.
    TooManyRefreshes,
    /// More than [`max_redirects`](crate::Fetcher::max_redirects) redirects.
    TooManyRedirects,
    /// A redirect from `https` to `http`, or one without a usable `Location`.
    BadRedirect,
    /// The bytes received do not match the stated or expected length.
    LengthMismatch {
        /// The length stated by the host or by [`expected_size`](crate::Fetcher::expected_size).
        expected: u64,
        /// The length received; when the body ran past `expected`, what had
        /// arrived when the transfer stopped there.
        actual: u64,
    },
    /// The SHA-256 of the file is not the expected one.
    Checksum {
        /// The expected digest, lowercase hex.
        expected: String,
        /// The digest of the bytes received, lowercase hex.
        actual: String,
    },
    /// No byte arrived for the [`stall_timeout`](crate::Fetcher::stall_timeout), and
    /// resuming did not help.
    Stalled,
    /// The connection failed or broke.
    Io,
    /// Offline (a build without network) and the pinned file is not in the
    /// cache ([`fetch::Cache`](crate::fetch::Cache)): nothing was attempted.
    Offline,
    /// The host cannot be reached by trying again: its name does not resolve,
    /// or the request cannot be made (a URL or TLS setup the HTTP client
    /// refuses). Not retried.
    Unreachable,
    /// The local file could not be created, written or published (no space, no
    /// permission, a read-only file system, a name taken by files that are not
    /// ours): not retryable; the OS error is the `source()`.
    Local,
    /// The file is larger than [`expected_size`](crate::Fetcher::expected_size)
    /// or [`max_size`](crate::Fetcher::max_size) allow: stated so by the host, or
    /// more bytes arrived. Nothing is kept.
    TooLarge {
        /// The bound, in bytes.
        limit: u64,
    },
    /// The target already exists and [`overwrite`](crate::Fetcher::overwrite) is off.
    Exists,
    /// Another run holds the lock on the target (see the module docs).
    Locked,
}

impl FileHostKind {
    fn describe(&self) -> String {
        match self {
            FileHostKind::Status => "error status".into(),
            FileHostKind::Denied => "link refused (expired or not allowed)".into(),
            FileHostKind::TooManyRefreshes => "link still refused after refreshing it".into(),
            FileHostKind::TooManyRedirects => "too many redirects".into(),
            FileHostKind::BadRedirect => "unusable redirect".into(),
            FileHostKind::LengthMismatch { expected, actual } => {
                format!("length mismatch: expected {expected} bytes, got {actual}")
            }
            FileHostKind::Checksum { expected, actual } => {
                format!("sha-256 mismatch: expected {expected}, got {actual}")
            }
            FileHostKind::Stalled => "transfer stalled".into(),
            FileHostKind::Io => "transfer failed".into(),
            FileHostKind::Local => "local file".into(),
            FileHostKind::Unreachable => "host unreachable".into(),
            FileHostKind::Offline => "offline, and not in the cache".into(),
            FileHostKind::TooLarge { limit } => format!("file larger than {limit} bytes"),
            FileHostKind::Exists => "target exists".into(),
            FileHostKind::Locked => "target locked by another run".into(),
        }
    }
}

/// A failure to fetch the file behind a link (see [`Error::FileHost`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct FileHostError {
    /// The vendor that issued the link.
    pub vendor: Vendor,
    /// What went wrong.
    pub kind: FileHostKind,
    /// The HTTP status of the file host's reply, when one arrived.
    pub http_status: Option<u16>,
    /// The first bytes of an error reply's body (at most
    /// [`EXCERPT_LIMIT`](crate::EXCERPT_LIMIT)), on one line, URL queries redacted.
    pub body_excerpt: Option<String>,
    /// The URL involved, redacted (scheme, host and path only).
    pub url: String,
    /// The temporary file kept for a later resume, if any.
    pub partial: Option<PathBuf>,
    /// Bytes kept in [`partial`](Self::partial) (or already written to a writer).
    pub bytes_kept: u64,
    /// A note on what exactly failed (local path, protocol detail).
    pub note: Option<String>,
    source: Option<BoxError>,
}

impl FileHostError {
    /// An error of `kind` for the link of `vendor` at `url` (shown redacted), e.g.
    /// for a refresher that cannot get a new link.
    ///
    /// ```
    /// use download_url::{Error, FileHostError, FileHostKind, Vendor};
    /// let err: Error = FileHostError::new(Vendor::Kie, FileHostKind::Denied, "https://h/a?sig=s")
    ///     .with_note("no new link")
    ///     .into();
    /// assert_eq!(err.to_string(), "kie.ai: file host: link refused (expired or not allowed): no new link");
    /// ```
    pub fn new(vendor: Vendor, kind: FileHostKind, url: &str) -> Self {
        FileHostError {
            vendor,
            kind,
            http_status: None,
            body_excerpt: None,
            url: redact_url(url),
            partial: None,
            bytes_kept: 0,
            note: None,
            source: None,
        }
    }

    pub(crate) fn status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Adds a [`note`](Self::note).
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub(crate) fn source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Whether the same fetch may succeed later: a stall, a broken connection,
    /// `429` or a `5xx` other than `501`, a lock held by another run. A local
    /// failure, a size bound, a refused link or a name that does not resolve
    /// are not.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            FileHostKind::Stalled | FileHostKind::Io | FileHostKind::Locked => true,
            FileHostKind::Status => self.http_status.is_some_and(crate::error::retryable_status),
            _ => false,
        }
    }
}

impl fmt::Display for FileHostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = matches!(self.kind, FileHostKind::Local | FileHostKind::Offline);
        let host = if local { "" } else { "file host: " };
        write!(f, "{}: {host}{}", self.vendor, self.kind.describe())?;
        if let Some(status) = self.http_status {
            write!(f, " (http {status})")?;
        }
        if let Some(note) = &self.note {
            write!(f, ": {}", one_line(note, 160))?;
        }
        if let Some(excerpt) = self.body_excerpt.as_ref().filter(|e| !e.is_empty()) {
            write!(f, ": {}", one_line(excerpt, 160))?;
        }
        Ok(())
    }
}

impl StdError for FileHostError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.source.as_deref()?)
    }
}

impl From<FileHostError> for Error {
    fn from(e: FileHostError) -> Error {
        Error::FileHost(Box::new(e))
    }
}
