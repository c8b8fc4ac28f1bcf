//! Fetch the file behind a [`DownloadLink`]: atomic, resumable, bounded, and
//! refreshing an expired link (feature `fetch`, on by default).
//!
//! ```no_run
//! # #[cfg(feature = "kie")] {
//! use download_url::{agent, fetch::{self, Fetcher}, kie};
//!
//! let agent = agent();
//! let config = kie::Config::from_env()?;
//! let item = "https://tempfile.aiquickdraw.com/a.png";
//! let link = kie::download_link(&agent, &config, item)?;
//! let fetched = Fetcher::new()
//!     .refresher(fetch::refresher(|item| kie::download_link(&agent, &config, item)))
//!     .max_size(1 << 30)
//!     .progress(|p| eprint!("\r{} / {:?}", p.done, p.total))
//!     .save_as(&link, "a.png")?;
//! println!("{} bytes", fetched.bytes);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The promise
//!
//! On Unix, `fetch` never writes outside the target and its own temporary
//! files, never publishes bytes that are not exactly one version of the host's
//! object, never trusts a file it did not create, and never writes more than
//! the size it was told to expect ([`expected_size`](Fetcher::expected_size),
//! [`max_size`](Fetcher::max_size)). How each part is kept is below.
//!
//! # What happens on disk
//!
//! For a target `dir/name`, the bytes go to `dir/.name.dlurl-part`; beside it
//! `dir/.name.dlurl-meta` keeps the validator the file host sent, the total
//! length, a hash of the link's vendor and item (never the URL) and the device
//! and inode of the part file, and `dir/.name.dlurl-lock` carries the kernel's
//! lock of the run writing. [`Fetcher::save_in`] uses `.dlurl-<hash of vendor
//! and item>` instead of `.name`, since it learns the name only from the link
//! or the reply; a target name too long to take the suffixes uses
//! `.dlurl-<hash of the name>`.
//!
//! In a folder other users can write to:
//! - Every file the crate creates is created exclusively (`O_CREAT|O_EXCL`: a
//!   symlink planted at the name, dangling or not, is refused), mode 0600; the
//!   meta is written to a new file and renamed into place.
//! - An existing part, meta or lock file is used only when it is a regular file
//!   owned by the user running, with one name (link count 1), opened without
//!   following a symlink and checked to be the file inspected; a part is resumed
//!   only with the meta written for it (same device and inode). Anything else
//!   at those names is left alone and the run uses the next set of names
//!   (`.name~1.dlurl-part`, …).
//! - When every byte has arrived and been checked, the part file is given the
//!   permissions a new file gets under the umask and published: renamed over
//!   the target with [`overwrite`](Fetcher::overwrite), else hard-linked to a
//!   target that must not exist and then unlinked. A part that has a second
//!   name (a crash between those two steps) is never written again: only its
//!   name is removed. A partial file never stands under the final name,
//!   whenever the process stops. Surviving a power loss or a kernel crash as
//!   well needs the file on disk before it is published:
//!   [`sync_to_disk`](Fetcher::sync_to_disk) (off by default, as in curl and
//!   wget).
//! - An existing target of any kind (file, symlink, dangling symlink, folder) is
//!   [`FileHostKind::Exists`] without overwrite, checked before any request;
//!   with overwrite a symlink there is replaced itself, never followed, and a
//!   folder is an error.
//!
//! # Lock
//!
//! The lock is the kernel's (`flock` on the lock file), so it goes away with the
//! process that held it, however it ended: no pid guessing, no stale lock. A
//! second run on the same target fails at once with [`FileHostKind::Locked`]
//! (retryable), or waits for it up to [`lock_wait`](Fetcher::lock_wait).
//!
//! # Resume
//!
//! A transfer that breaks off (connection reset, closed early, a body shorter
//! than a length known for the object, or no byte for
//! [`stall_timeout`](Fetcher::stall_timeout)) continues with
//! `Range: bytes=<kept>-` and `If-Range: <validator>` — within one call (up to
//! [`max_retries`](Fetcher::max_retries) consecutive failures without progress),
//! and across runs from the part file. The validator is a strong `ETag`, or
//! `Last-Modified` only when the host sent no `ETag` at all (RFC 9110 §13.1.5); a
//! weak `ETag` allows no resume. A `206` counts only when it carries the
//! validator sent, starts at the offset asked for and states the same total as
//! before; a `200` to a range, or any other answer, starts the file over. A host
//! that compresses the body although `Accept-Encoding: identity` was sent is
//! decoded, but such a file is never resumed.
//!
//! # Bounds and completion
//!
//! [`expected_size`](Fetcher::expected_size) and [`max_size`](Fetcher::max_size)
//! are enforced while streaming: a `Content-Length` or `Content-Range` total
//! above them is refused before a byte is written ([`FileHostKind::TooLarge`]),
//! and the transfer stops at the first read that would pass them (decoded bytes
//! count); neither is retried. Whenever a length is known — `Content-Length`, a
//! `Content-Range` total, a length stated earlier for the same strong validator,
//! `expected_size`, the SHA-256 — the published file matches it; a short body is
//! resumed, never published. A body with no stated length that ends with a
//! close cannot be told from a cut one (ureq reads a reset there as a close, and
//! curl behaves the same): set `expected_size` or `sha256` when that matters.
//!
//! # Refresh
//!
//! When the file host refuses the link — `401`, `403`, `410`, or a `400` whose
//! body is S3's `AccessDenied`, `ExpiredToken` or `Request has expired` — or the
//! link's [`Expiry`](crate::Expiry) has passed before a request, the
//! [`refresher`](Fetcher::refresher) is asked for a new link and the transfer
//! resumes at the same offset (at most [`max_refreshes`](Fetcher::max_refreshes)
//! times). Without a refresher the refusal is [`FileHostKind::Denied`].
//!
//! # Requests
//!
//! Every link, including a refreshed one, passes the same check as the links
//! the vendor calls return (an absolute `http(s)` URL without whitespace or
//! control characters) before a request; a link that fails it, or a host name
//! that does not resolve, fails at once without a retry. Each request carries
//! `Accept-Encoding: identity`, the range headers and the agent's user agent,
//! nothing else: no vendor credential ever reaches the file host. Redirects are
//! followed (at most [`max_redirects`](Fetcher::max_redirects), to any host,
//! never from `https` to `http`). There is no overall deadline: a transfer of
//! any size may take as long as it needs while bytes keep coming. Connecting is
//! bounded by [`CONNECT_TIMEOUT`](crate::CONNECT_TIMEOUT); sending the request,
//! waiting for the reply head and each read of the body by the stall timeout.
//! Memory use is constant (one 256 KiB buffer).
//!
//! # Errors
//!
//! Failures of the file host and the transfer are [`Error::FileHost`], carrying
//! the link's vendor and a [`FileHostKind`]; a failure on the local disk (no
//! space, no permission, a read-only file system) is [`FileHostKind::Local`],
//! not retryable, with the OS error as its `source()`. A refresher's own error
//! is returned as it is. The partial data is kept only under the temporary
//! name, for a later resume ([`FileHostError::partial`]). No error or message
//! contains the query of a signed URL.

use std::fmt;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{DownloadLink, Error, FileHostError, FileHostKind};

#[cfg(feature = "sha256")]
mod cache;
mod disk;
mod names;
mod transfer;

#[cfg(feature = "sha256")]
pub use cache::{Cache, Pinned, Placed};
pub use names::{content_disposition_name, sanitize_file_name};
use transfer::{local, Sink};

/// The default [`stall_timeout`](Fetcher::stall_timeout): 30 s without a byte.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A refresher: asked for a new link when the file host refuses the current one.
pub type Refresher<'a> = Box<dyn FnMut(&DownloadLink) -> Result<DownloadLink, Error> + 'a>;

/// How far a transfer has come: passed to the [`progress`](Fetcher::progress)
/// callback after every chunk written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes of the file written so far (including those kept from before).
    pub done: u64,
    /// The file's length, when the host states it.
    pub total: Option<u64>,
}

/// The outcome of a successful fetch.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fetched {
    /// Where the file now stands (`None` for [`Fetcher::write_to`]).
    pub path: Option<PathBuf>,
    /// The file's length.
    pub bytes: u64,
    /// Bytes that were already there from an earlier, interrupted run.
    pub resumed_from: u64,
    /// Requests sent to the file host (redirects included).
    pub requests: u32,
    /// Requests that continued a transfer with `Range` and got `206`.
    pub ranges: u32,
    /// Times the refresher was asked for a new link.
    pub refreshes: u32,
    /// Times the file was started over (a `200` to a range, a changed object).
    pub restarts: u32,
    /// The last link used (a refreshed one, when the refresher was called).
    pub link: DownloadLink,
    /// The SHA-256 of the file, lowercase hex, when [`sha256`](Fetcher::sha256)
    /// asked for a check (it passed).
    pub sha256: Option<String>,
}

/// Builds a [`Fetcher::refresher`] from any vendor call that takes the link's
/// [`item`](DownloadLink::item).
///
/// ```
/// # #[cfg(feature = "kie")] {
/// use download_url::{agent, fetch::{self, Fetcher}, kie};
/// let agent = agent();
/// let config = kie::Config::new("key");
/// let fetcher = Fetcher::new()
///     .refresher(fetch::refresher(|item| kie::download_link(&agent, &config, item)));
/// # let _ = fetcher;
/// # }
/// ```
pub fn refresher<F>(mut get: F) -> impl FnMut(&DownloadLink) -> Result<DownloadLink, Error>
where
    F: FnMut(&str) -> Result<DownloadLink, Error>,
{
    move |link: &DownloadLink| get(&link.item)
}

/// Fetches `link` to `path` with the defaults of [`Fetcher::new`] (no refresher,
/// no overwrite).
///
/// ```no_run
/// # let link = download_url::DownloadLink::new(download_url::Vendor::Kie, "i",
/// #     "https://h.example/a", None, download_url::Expiry::Unknown);
/// let fetched = download_url::fetch::fetch(&link, "a.bin")?;
/// # Ok::<(), download_url::Error>(())
/// ```
pub fn fetch(link: &DownloadLink, path: impl AsRef<Path>) -> Result<Fetched, Error> {
    Fetcher::new().save_as(link, path)
}

/// Fetches links to files or writers; set it up once and reuse it.
///
/// ```no_run
/// use download_url::fetch::Fetcher;
/// # let link = download_url::DownloadLink::new(download_url::Vendor::Kie, "i",
/// #     "https://h.example/a", None, download_url::Expiry::Unknown);
/// let mut fetcher = Fetcher::new()
///     .stall_timeout(std::time::Duration::from_secs(60))
///     .expected_size(1024);
/// let fetched = fetcher.save_in(&link, "downloads")?;
/// println!("{:?}", fetched.path);
/// # Ok::<(), download_url::Error>(())
/// ```
pub struct Fetcher<'a> {
    agent: ureq::Agent,
    stall_timeout: Duration,
    max_redirects: u32,
    max_refreshes: u32,
    max_retries: u32,
    retry_delay: Duration,
    overwrite: bool,
    expected_size: Option<u64>,
    max_size: Option<u64>,
    lock_wait: Duration,
    sync_to_disk: bool,
    /// The SHA-256 expected, lowercase hex.
    #[cfg(feature = "sha256")]
    sha256: Option<String>,
    refresher: Option<Refresher<'a>>,
    progress: Box<dyn FnMut(Progress) + 'a>,
    taken: names::Taken,
}

impl fmt::Debug for Fetcher<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("stall_timeout", &self.stall_timeout)
            .field("max_redirects", &self.max_redirects)
            .field("max_refreshes", &self.max_refreshes)
            .field("max_retries", &self.max_retries)
            .field("overwrite", &self.overwrite)
            .field("expected_size", &self.expected_size)
            .field("max_size", &self.max_size)
            .field("lock_wait", &self.lock_wait)
            .field("sync_to_disk", &self.sync_to_disk)
            .field("refresher", &self.refresher.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Fetcher<'_> {
    fn default() -> Self {
        Fetcher::new()
    }
}

impl<'a> Fetcher<'a> {
    /// A fetcher with its own agent (the crate's TLS settings and user agent),
    /// a [`DEFAULT_STALL_TIMEOUT`], 10 redirects, 3 refreshes, 5 retries, no
    /// overwrite, no size bound, no waiting for a lock, no `fsync`, no
    /// refresher, no progress callback.
    pub fn new() -> Self {
        Fetcher {
            agent: crate::agent(),
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            max_redirects: 10,
            max_refreshes: 3,
            max_retries: 5,
            retry_delay: Duration::from_millis(500),
            overwrite: false,
            expected_size: None,
            max_size: None,
            lock_wait: Duration::ZERO,
            sync_to_disk: false,
            #[cfg(feature = "sha256")]
            sha256: None,
            refresher: None,
            progress: Box::new(|_| {}),
            taken: names::Taken::default(),
        }
    }

    /// Uses `agent` (its TLS, proxy and user-agent settings). Timeouts, redirects
    /// and status handling are set per request as described in the module docs.
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = agent;
        self
    }

    /// How long a transfer may go without receiving a byte (also the bound on
    /// sending the request and on waiting for the reply head). At least 1 ms, at
    /// most a day.
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = crate::agent::clamp(timeout.max(Duration::from_millis(1)));
        self
    }

    /// The most redirects followed per request (default 10).
    pub fn max_redirects(mut self, n: u32) -> Self {
        self.max_redirects = n;
        self
    }

    /// The most new links asked of the refresher per fetch (default 3).
    pub fn max_refreshes(mut self, n: u32) -> Self {
        self.max_refreshes = n;
        self
    }

    /// The most consecutive failed attempts without a new byte (broken
    /// connection, stall, `429`, `5xx`) before giving up (default 5); attempts
    /// are `delay × n` apart.
    pub fn max_retries(mut self, n: u32, delay: Duration) -> Self {
        self.max_retries = n;
        self.retry_delay = delay.min(Duration::from_secs(60));
        self
    }

    /// Whether an existing file under the target name may be replaced (default
    /// `false`: [`FileHostKind::Exists`] for a target of any kind, checked
    /// before any request). A symlink at the target is replaced itself, never
    /// followed; a folder there is an error either way.
    pub fn overwrite(mut self, yes: bool) -> Self {
        self.overwrite = yes;
        self
    }

    /// The file must be exactly `bytes` long: a stated length above it is
    /// refused before a byte is written, the transfer stops the moment more
    /// arrives ([`FileHostKind::TooLarge`]), and a shorter body is resumed,
    /// never published.
    pub fn expected_size(mut self, bytes: u64) -> Self {
        self.expected_size = Some(bytes);
        self
    }

    /// The file may be at most `bytes` long: a stated length above it is
    /// refused before a byte is written, and the transfer stops the moment more
    /// arrives ([`FileHostKind::TooLarge`], not retried). Decoded bytes of a
    /// compressed body count.
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    /// How long to wait for another run that holds the lock on the same
    /// target (default zero: fail at once with [`FileHostKind::Locked`]).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = crate::agent::clamp(wait);
        self
    }

    /// Flush the file to disk (`fsync`) before it is published, and its folder
    /// after (default `false`). Without it a published file is complete however
    /// the process stops (kill -9 included), but a power loss or a kernel crash
    /// soon after may leave it empty or short, as with curl and wget; with it
    /// the file is on disk first, which costs the time the disk takes to write
    /// it (1 GiB: about 0.8 s more here, `benches/README.md`).
    pub fn sync_to_disk(mut self, yes: bool) -> Self {
        self.sync_to_disk = yes;
        self
    }

    /// The file's SHA-256 must be `hex` (exactly 64 hex digits, any case). Feature
    /// `sha256` (on by default); a build without it has no such method.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] with field `sha256` when `hex` is not 64 hex digits.
    ///
    /// ```
    /// let fetcher = download_url::fetch::Fetcher::new()
    ///     .sha256(download_url::Vendor::Kie, &"ab".repeat(32))?;
    /// # let _ = fetcher;
    /// # Ok::<(), download_url::Error>(())
    /// ```
    #[cfg(feature = "sha256")]
    pub fn sha256(mut self, vendor: crate::Vendor, hex: &str) -> Result<Self, Error> {
        let hex = sha256_hex(hex)
            .ok_or_else(|| Error::invalid(vendor, "sha256", "must be 64 hexadecimal digits"))?;
        self.sha256 = Some(hex);
        Ok(self)
    }

    /// Asks `refresh` for a new link when the host refuses the current one or its
    /// expiry has passed (see [`refresher()`] to build one from a vendor call).
    pub fn refresher(
        mut self,
        refresh: impl FnMut(&DownloadLink) -> Result<DownloadLink, Error> + 'a,
    ) -> Self {
        self.refresher = Some(Box::new(refresh));
        self
    }

    /// Calls `progress` after every chunk written.
    pub fn progress(mut self, progress: impl FnMut(Progress) + 'a) -> Self {
        self.progress = Box::new(progress);
        self
    }

    /// Fetches `link` to exactly `path`, through a temporary file beside it (see
    /// the module docs).
    ///
    /// # Errors
    ///
    /// [`Error::FileHost`] for every failure of the host, the transfer or the
    /// local file (a `path` without a file name in UTF-8 is
    /// [`FileHostKind::Local`], before any request); the refresher's own error
    /// when it fails.
    pub fn save_as(
        &mut self,
        link: &DownloadLink,
        path: impl AsRef<Path>,
    ) -> Result<Fetched, Error> {
        let path = path.as_ref();
        check_link(link)?;
        // A name not in UTF-8 is refused, never replaced by another name.
        let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            FileHostError::new(link.vendor, FileHostKind::Local, &link.url)
                .with_note("the target has no file name in UTF-8")
        })?;
        let name = name.to_owned();
        // `.name` + `~N` + `.dlurl-part` must fit in 255 bytes.
        let stem = if name.len() > names::MAX_NAME {
            format!(".dlurl-{:016x}", fnv1a(name.as_bytes()))
        } else {
            format!(".{name}")
        };
        // Exactly this name (used, for `save_in`): the ` (2)` is `save_in`'s.
        let dir = disk::parent_dir(path);
        self.check_target(&dir.join(&name), link)?;
        self.taken.mark(&name);
        self.save_file(link, dir, &stem, Some(name))
    }

    /// Fetches `link` into directory `dir` under the name the link gives, else
    /// the host's `Content-Disposition`, else the last segment of the URL path
    /// (else `download`) — each [sanitised](sanitize_file_name). A name this
    /// fetcher already used gets ` (2)`, ` (3)`… before its extension, so two
    /// links with one name do not overwrite each other.
    ///
    /// # Errors
    ///
    /// As [`save_as`](Self::save_as).
    pub fn save_in(
        &mut self,
        link: &DownloadLink,
        dir: impl AsRef<Path>,
    ) -> Result<Fetched, Error> {
        check_link(link)?;
        let stem = format!(".dlurl-{}", key_of(link));
        let name = link.file_name.as_deref().and_then(sanitize_file_name);
        let dir = dir.as_ref();
        let name = name.map(|n| self.claim(dir, &n, link)).transpose()?;
        self.save_file(link, dir, &stem, name)
    }

    /// Streams `link` into `out` (e.g. standard output). Nothing is kept for a
    /// later run; within the call, a broken transfer resumes with `Range` when the
    /// host gave a validator. A check that fails at the end (length, checksum)
    /// is reported after the bytes were written.
    ///
    /// # Errors
    ///
    /// As [`save_as`](Self::save_as); a write to `out` that fails is
    /// [`FileHostKind::Local`].
    pub fn write_to(&mut self, link: &DownloadLink, out: &mut dyn Write) -> Result<Fetched, Error> {
        check_link(link)?;
        let mut job = self.job(link, Sink::Writer(&mut *out));
        if let Err(mut err) = self.run(&mut job) {
            // What the writer already got (`bytes_kept`).
            if let Error::FileHost(e) = &mut err {
                e.bytes_kept = job.offset;
            }
            return Err(err);
        }
        let fetched = job.fetched(None);
        out.flush()
            .map_err(|e| local(link, "flushing the output", e))?;
        Ok(fetched)
    }

    fn save_file(
        &mut self,
        link: &DownloadLink,
        dir: &Path,
        stem: &str,
        claimed: Option<String>,
    ) -> Result<Fetched, Error> {
        let on_disk = |e| disk_error(link.vendor, &link.url, e);
        // A target known by name was checked before the lock and any request.
        let slot = disk::Slot::take(dir, stem, self.lock_wait).map_err(on_disk)?;
        // Again under the lock: a run waited for may have published it.
        if let Some(name) = &claimed {
            self.check_target(&dir.join(name), link)?;
        }
        let mut job = self.job(link, Sink::None);
        job.key = key_of(link);
        job.slot = Some(&slot);
        let saved = slot.resumable(&job.key);
        // Else the name an earlier run settled on.
        let saved_name = saved.as_ref().and_then(|(_, meta, _)| meta.name.as_ref());
        job.name = match (claimed, saved_name) {
            (None, Some(name)) => Some(self.claim(dir, name, link)?),
            (claimed, _) => claimed,
        };
        let file = match saved {
            Some((mut file, meta, kept)) if kept > 0 && meta.total.is_none_or(|t| kept <= t) => {
                job.offset = kept;
                job.out.resumed_from = kept;
                job.validator = Some(meta.validator);
                job.total = meta.total;
                // The bytes kept go to the digest; the file is left after them.
                #[cfg(feature = "sha256")]
                if let Some(digest) = job.digest.as_mut() {
                    file.rewind()
                        .and_then(|()| disk::copy_hashing(&mut file, &mut std::io::sink(), digest))
                        .map_err(|e| local(link, "reading the temporary file", e))?;
                }
                file.seek(SeekFrom::Start(kept))
                    .map_err(|e| local(link, "seeking the temporary file", e))?;
                file
            }
            // Nothing to resume: a meta there describes no part file to come.
            _ => {
                slot.remove_meta();
                slot.fresh_part().map_err(on_disk)?
            }
        };
        job.sink = Sink::File(file);
        let mut result = self.run(&mut job).and_then(|()| {
            let target = dir.join(job.name.as_deref().unwrap_or("download"));
            let Sink::File(file) = std::mem::replace(&mut job.sink, Sink::None) else {
                unreachable!("a file job writes to a file")
            };
            slot.publish(file, &target, self.overwrite, self.sync_to_disk)
                .map_err(on_disk)?;
            Ok(job.fetched(Some(target)))
        });
        // Whatever failed: bytes kept stay for a resume; an empty temporary file,
        // or one without a meta (no validator: nothing to resume), goes.
        let part = &slot.part;
        let kept = std::fs::symlink_metadata(part).map(|m| m.len());
        let described = std::fs::symlink_metadata(&slot.meta).is_ok();
        match (&mut result, kept) {
            (Err(_), Ok(bytes)) if bytes == 0 || !described => slot.discard(),
            (Err(Error::FileHost(e)), Ok(bytes)) => {
                e.partial = Some(part.clone());
                e.bytes_kept = bytes;
            }
            _ => {}
        }
        result
    }

    /// An existing target of any kind is [`FileHostKind::Exists`] unless
    /// overwriting; a folder is never replaced.
    fn check_target(&self, target: &Path, link: &DownloadLink) -> Result<(), Error> {
        let (kind, note) = match std::fs::symlink_metadata(target) {
            Ok(_) if !self.overwrite => (FileHostKind::Exists, ""),
            Ok(meta) if meta.is_dir() => (FileHostKind::Local, " is a folder"),
            _ => return Ok(()),
        };
        let note = format!("{}{note}", target.display());
        Err(FileHostError::new(link.vendor, kind, &link.url)
            .with_note(note)
            .into())
    }

    /// `name`, made unique among the names this fetcher gave other links, and
    /// checked against an existing file.
    fn claim(&mut self, dir: &Path, name: &str, link: &DownloadLink) -> Result<String, Error> {
        let candidate = self.taken.claim(name, &key_of(link));
        self.check_target(&dir.join(&candidate), link)?;
        Ok(candidate)
    }
}

/// The check every vendor's links pass, again: a link may come from anywhere
/// (a cache, a deserialized file, a refresher).
fn check_link(link: &DownloadLink) -> Result<(), Error> {
    let why = match crate::url::check_link(&link.url) {
        Ok(url) if url.len() == link.url.len() => return Ok(()),
        Ok(_) => "has surrounding whitespace",
        Err(why) => why,
    };
    Err(Error::invalid(link.vendor, "url", why))
}

/// The hash of a link's vendor and item that names and keys its files.
fn key_of(link: &DownloadLink) -> String {
    let vendor_and_item = format!("{}\n{}", link.vendor.id(), link.item);
    format!("{:016x}", fnv1a(vendor_and_item.as_bytes()))
}

/// A disk failure as the crate's error, for the link of `vendor` at `url`.
fn disk_error(vendor: crate::Vendor, url: &str, e: disk::DiskError) -> Error {
    let err = |kind, note| FileHostError::new(vendor, kind, url).with_note(note);
    match e {
        disk::DiskError::Io(what, e) => err(FileHostKind::Local, what).source(e),
        disk::DiskError::Locked(path) => err(
            FileHostKind::Locked,
            format!("{} is held by another run", path.display()),
        ),
        disk::DiskError::Exists(path) => err(FileHostKind::Exists, path.display().to_string()),
    }
    .into()
}

/// `hex` trimmed and in lowercase, when it is 64 hexadecimal digits (a
/// SHA-256, any case).
#[cfg(feature = "sha256")]
fn sha256_hex(hex: &str) -> Option<String> {
    let hex = hex.trim();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
