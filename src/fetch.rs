//! Fetch the file behind a [`DownloadLink`]: atomic, resumable, and refreshing an
//! expired link (feature `fetch`, on by default).
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
//!     .progress(|p| eprint!("\r{} / {:?}", p.done, p.total))
//!     .save_as(&link, "a.png")?;
//! println!("{} bytes", fetched.bytes);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What happens on disk
//!
//! For a target `dir/name`, the bytes go to `dir/.name.dlurl-part`; beside it
//! `dir/.name.dlurl-meta` keeps the validator the file host sent (`ETag`, or
//! `Last-Modified` when the ETag is weak or absent), the total length and a hash
//! of the link's vendor and item (never the URL), and `dir/.name.dlurl-lock`
//! holds the id of the process writing. When every byte has arrived and been
//! checked, the temporary file is flushed to disk (`fsync`), renamed to `name`
//! in one step, and the directory is flushed: a partial file never stands under
//! the final name. [`Fetcher::save_in`] uses `dir/.dlurl-<hash of vendor and
//! item>.part` (and `.meta`, `.lock`) instead, since it learns the name only
//! from the link or the reply.
//!
//! # Resume
//!
//! A transfer that breaks off (connection reset, closed early, or no byte for
//! [`stall_timeout`](Fetcher::stall_timeout)) continues with
//! `Range: bytes=<kept>-` and `If-Range: <validator>` — within one call (up to
//! [`max_retries`](Fetcher::max_retries) consecutive failures without progress),
//! and across runs: a later call for the same link and target finds the
//! temporary file and its validator and goes on from there. A host that answers
//! `200` to the range, or a changed object (a different validator), starts the
//! file over; so does a reply without any validator, which cannot be resumed
//! safely. A host that compresses the body although `Accept-Encoding: identity`
//! was sent is decoded, but such a file is never resumed.
//!
//! # Lock
//!
//! The lock file is created with `create_new`, so two runs never write one file:
//! the second gets [`FileHostKind::Locked`]. A lock left by a process that was
//! killed is *stale*: on Linux a lock whose process id no longer exists
//! (`/proc/<pid>`) is removed and taken; on other systems, or when the id was
//! reused by another process, remove the `.dlurl-lock` file by hand.
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
//! Each request carries `Accept-Encoding: identity`, the range headers and the
//! agent's user agent, nothing else: no vendor credential ever reaches the file
//! host. Redirects are followed (at most [`max_redirects`](Fetcher::max_redirects),
//! to any host, never from `https` to `http`). There is no overall deadline: a
//! transfer of any size may take as long as it needs while bytes keep coming.
//! Connecting is bounded by [`CONNECT_TIMEOUT`](crate::CONNECT_TIMEOUT); sending
//! the request, waiting for the reply head and each read of the body by the
//! stall timeout (ureq's `timeout_per_read`). Memory use is constant (one 256 KiB
//! buffer).
//!
//! # Verification
//!
//! The length is checked against `Content-Length` / `Content-Range` and, when
//! set, [`expected_size`](Fetcher::expected_size); with the `sha256` feature (on
//! by default; it brings `ring`), [`sha256`](Fetcher::sha256) checks the digest
//! (a build without the feature has no such method). A mismatch removes the
//! temporary file and returns [`FileHostKind::LengthMismatch`] or
//! [`FileHostKind::Checksum`].
//!
//! # Errors
//!
//! Failures of the file host, the transfer or the local file are
//! [`Error::FileHost`], carrying the link's vendor and a
//! [`FileHostKind`]; a refresher's own error is returned as it is. The partial
//! data is kept only under the temporary name, for a later resume
//! ([`FileHostError::partial`]). No error or message contains the query of a
//! signed URL.

use std::collections::HashSet;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ureq::http::HeaderMap;

use crate::url::{one_line, redact_url_queries};
use crate::{DownloadLink, Error, FileHostError, FileHostKind, Vendor};

/// The default [`stall_timeout`](Fetcher::stall_timeout): 30 s without a byte.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);

const BUFFER: usize = 256 * 1024;
/// ureq's input buffer for a new connection of the fetcher (its default is 128 KiB).
const INPUT_BUFFER: usize = 512 * 1024;

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
    #[cfg(feature = "sha256")]
    sha256: Option<[u8; 32]>,
    refresher: Option<Refresher<'a>>,
    progress: Option<Box<dyn FnMut(Progress) + 'a>>,
    taken: HashSet<String>,
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
    /// overwrite, no refresher, no progress callback.
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
            #[cfg(feature = "sha256")]
            sha256: None,
            refresher: None,
            progress: None,
            taken: HashSet::new(),
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
    /// `false`: [`FileHostKind::Exists`]).
    pub fn overwrite(mut self, yes: bool) -> Self {
        self.overwrite = yes;
        self
    }

    /// The file must be exactly `bytes` long.
    pub fn expected_size(mut self, bytes: u64) -> Self {
        self.expected_size = Some(bytes);
        self
    }

    /// The file's SHA-256 must be `hex` (64 hex digits, any case). Feature
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
    pub fn sha256(mut self, vendor: Vendor, hex: &str) -> Result<Self, Error> {
        let hex = hex.trim();
        let bad = || Error::invalid(vendor, "sha256", "must be 64 hexadecimal digits");
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut digest = [0u8; 32];
        for (i, byte) in digest.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        self.sha256 = Some(digest);
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
        self.progress = Some(Box::new(progress));
        self
    }

    /// Fetches `link` to exactly `path`, through a temporary file beside it (see
    /// the module docs).
    ///
    /// # Errors
    ///
    /// [`Error::FileHost`] for every failure of the host, the transfer or the
    /// local file; the refresher's own error when it fails.
    pub fn save_as(
        &mut self,
        link: &DownloadLink,
        path: impl AsRef<Path>,
    ) -> Result<Fetched, Error> {
        let path = path.as_ref();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| local(link, "the target has no file name", None))?;
        let stem = format!(".{name}");
        self.save_file(link, &dir, &stem, Some(name))
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
        let key = format!("{}\n{}", link.vendor.id(), link.item);
        let stem = format!(".dlurl-{:016x}", fnv1a(key.as_bytes()));
        let name = link.file_name.as_deref().and_then(sanitize_file_name);
        self.save_file(link, dir.as_ref(), &stem, name)
    }

    /// Streams `link` into `out` (e.g. standard output). Nothing is kept for a
    /// later run; within the call, a broken transfer resumes with `Range` when the
    /// host gave a validator. A check that fails at the end (length, checksum)
    /// is reported after the bytes were written.
    ///
    /// # Errors
    ///
    /// As [`save_as`](Self::save_as); a write to `out` that fails is
    /// [`FileHostKind::Io`].
    pub fn write_to(&mut self, link: &DownloadLink, out: &mut dyn Write) -> Result<Fetched, Error> {
        let mut job = self.job(link, Sink::Writer(out));
        self.run(&mut job)?;
        job.sink
            .flush()
            .map_err(|e| local(link, "flushing the output", Some(e)))?;
        Ok(job.fetched(None))
    }

    fn save_file(
        &mut self,
        link: &DownloadLink,
        dir: &Path,
        stem: &str,
        name: Option<String>,
    ) -> Result<Fetched, Error> {
        let part = dir.join(format!("{stem}.dlurl-part"));
        let meta_path = dir.join(format!("{stem}.dlurl-meta"));
        let lock = Lock::take(&dir.join(format!("{stem}.dlurl-lock")), link)?;
        let key = fnv1a(format!("{}\n{}", link.vendor.id(), link.item).as_bytes());
        let saved = Meta::load(&meta_path).filter(|m| m.key == format!("{key:016x}"));
        // The final name: given, else the one an earlier run settled on.
        let name = name.or_else(|| saved.as_ref().and_then(|m| m.name.clone()));
        let mut job = self.job(link, Sink::None);
        job.dir = Some(dir.to_path_buf());
        job.meta_path = Some(meta_path.clone());
        job.key = key;
        if let Some(name) = name {
            job.name = Some(self.claim(dir, &name, link)?);
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&part)
            .map_err(|e| local(link, &format!("opening {}", part.display()), Some(e)))?;
        let kept = file
            .metadata()
            .map_err(|e| local(link, "reading the temporary file", Some(e)))?
            .len();
        match saved {
            Some(meta)
                if kept > 0 && meta.validator.is_some() && meta.total.is_none_or(|t| kept <= t) =>
            {
                job.offset = kept;
                job.resumed_from = kept;
                job.validator = meta.validator;
                job.total = meta.total;
                #[cfg(feature = "sha256")]
                if let Some(digest) = job.digest.as_mut() {
                    // The digest covers the bytes kept too: read them once.
                    file.seek(SeekFrom::Start(0))
                        .and_then(|_| {
                            let mut buf = vec![0u8; BUFFER];
                            loop {
                                let n = file.read(&mut buf)?;
                                if n == 0 {
                                    break Ok(());
                                }
                                digest.update(&buf[..n]);
                            }
                        })
                        .map_err(|e| local(link, "reading the temporary file", Some(e)))?;
                }
                file.seek(SeekFrom::Start(kept))
                    .map_err(|e| local(link, "seeking the temporary file", Some(e)))?;
            }
            _ => {
                file.set_len(0)
                    .map_err(|e| local(link, "truncating the temporary file", Some(e)))?;
                let _ = fs::remove_file(&meta_path);
            }
        }
        job.sink = Sink::File(file);
        job.part = Some(part.clone());
        let result = self.run(&mut job);
        let result = result.and_then(|()| {
            let name = job.name.clone().unwrap_or_else(|| "download".to_owned());
            let target = dir.join(&name);
            let Sink::File(file) = std::mem::replace(&mut job.sink, Sink::None) else {
                unreachable!("a file job writes to a file")
            };
            file.sync_all()
                .map_err(|e| local(link, "flushing the temporary file", Some(e)))?;
            drop(file);
            self.publish(&part, &target, link, job.offset)?;
            let _ = fs::remove_file(&meta_path);
            sync_dir(dir);
            Ok(job.fetched(Some(target)))
        });
        // Whatever failed: bytes kept stay for a resume; an empty temporary file
        // (nothing to resume) goes.
        let kept = fs::metadata(&part).map(|m| m.len()).ok();
        if result.is_err() && kept == Some(0) {
            let _ = fs::remove_file(&part);
            let _ = fs::remove_file(&meta_path);
        }
        drop(lock);
        result.map_err(|e| match e {
            Error::FileHost(mut e) => {
                if let Some(bytes) = kept.filter(|b| *b > 0) {
                    e.partial = Some(part.clone());
                    e.bytes_kept = bytes;
                }
                Error::FileHost(e)
            }
            other => other,
        })
    }

    /// A job for `link`, hashing what it writes when a digest is expected.
    fn job<'w>(&self, link: &DownloadLink, sink: Sink<'w>) -> Job<'w> {
        #[allow(unused_mut)]
        let mut job = Job::new(link, sink);
        #[cfg(feature = "sha256")]
        if self.sha256.is_some() {
            job.digest = Some(ring::digest::Context::new(&ring::digest::SHA256));
        }
        job
    }

    /// `name`, made unique among the names this fetcher used, and checked against
    /// an existing file.
    fn claim(&mut self, dir: &Path, name: &str, link: &DownloadLink) -> Result<String, Error> {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            let (stem, ext) = match name.rfind('.') {
                Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
                _ => (name, ""),
            };
            candidate = format!("{stem} ({n}){ext}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        let target = dir.join(&candidate);
        if !self.overwrite && target.exists() {
            let mut e = FileHostError::new(link.vendor, FileHostKind::Exists, &link.url);
            e.note = Some(format!("{}", target.display()));
            return Err(e.into());
        }
        Ok(candidate)
    }

    /// Moves the complete temporary file to `target` in one step.
    fn publish(
        &self,
        part: &Path,
        target: &Path,
        link: &DownloadLink,
        bytes: u64,
    ) -> Result<(), Error> {
        let exists = || {
            let mut e = FileHostError::new(link.vendor, FileHostKind::Exists, &link.url);
            e.note = Some(format!("{}", target.display()));
            e.bytes_kept = bytes;
            Error::from(e)
        };
        if self.overwrite {
            return fs::rename(part, target)
                .map_err(|e| local(link, &format!("renaming to {}", target.display()), Some(e)));
        }
        // No overwrite: a hard link fails if the target appeared meanwhile.
        match fs::hard_link(part, target) {
            Ok(()) => {
                let _ = fs::remove_file(part);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists()),
            Err(_) => {
                // A file system without hard links: check, then rename.
                if target.exists() {
                    return Err(exists());
                }
                fs::rename(part, target)
                    .map_err(|e| local(link, &format!("renaming to {}", target.display()), Some(e)))
            }
        }
    }

    /// The transfer loop: attempts, retries, refreshes.
    fn run(&mut self, job: &mut Job<'_>) -> Result<(), Error> {
        let mut failures = 0u32;
        loop {
            if job.link.is_expired() && self.refresher.is_some() {
                self.refresh(job, None)?;
            }
            let before = job.offset;
            match self.attempt(job) {
                Ok(()) => break,
                Err(Failure::Denied(err)) => {
                    if self.refresher.is_none() {
                        return Err(Error::FileHost(err));
                    }
                    self.refresh(job, Some(*err))?;
                }
                Err(Failure::Retry(err)) => {
                    if job.offset > before {
                        failures = 0;
                    }
                    failures += 1;
                    if failures > self.max_retries {
                        return Err(Error::FileHost(err));
                    }
                    std::thread::sleep(self.retry_delay * failures);
                }
                Err(Failure::Fatal(err)) => return Err(err),
            }
        }
        self.verify(job)
    }

    fn refresh(&mut self, job: &mut Job<'_>, denied: Option<FileHostError>) -> Result<(), Error> {
        if job.refreshes >= self.max_refreshes {
            let mut err = denied.unwrap_or_else(|| {
                FileHostError::new(job.vendor, FileHostKind::Denied, &job.link.url)
                    .with_note("the link has expired")
            });
            err.kind = FileHostKind::TooManyRefreshes;
            return Err(err.into());
        }
        let refresh = self.refresher.as_mut().expect("checked by the caller");
        job.link = refresh(&job.link)?;
        job.refreshes += 1;
        Ok(())
    }

    fn verify(&self, job: &mut Job<'_>) -> Result<(), Error> {
        let expected = self.expected_size.or(job.total);
        if let Some(expected) = expected {
            if job.offset != expected {
                let e = FileHostError::new(
                    job.vendor,
                    FileHostKind::LengthMismatch {
                        expected,
                        actual: job.offset,
                    },
                    &job.link.url,
                );
                job.discard();
                return Err(e.into());
            }
        }
        #[cfg(feature = "sha256")]
        if let Some(digest) = job.digest.take() {
            let actual = digest.finish();
            let hex = to_hex(actual.as_ref());
            if let Some(expected) = self.sha256 {
                if actual.as_ref() != expected {
                    let e = FileHostError::new(
                        job.vendor,
                        FileHostKind::Checksum {
                            expected: to_hex(&expected),
                            actual: hex,
                        },
                        &job.link.url,
                    );
                    job.discard();
                    return Err(e.into());
                }
            }
            job.sha256 = Some(hex);
        }
        Ok(())
    }

    /// The request for `url`, with what a file transfer needs forced.
    fn send(
        &self,
        url: &str,
        range: Option<(u64, &str)>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let stall = self.stall_timeout;
        let mut config = self
            .agent
            .get(url)
            .config()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(None)
            .timeout_per_call(None)
            .timeout_resolve(None)
            .timeout_connect(Some(
                crate::CONNECT_TIMEOUT.min(stall.max(Duration::from_secs(1))),
            ))
            .timeout_send_request(Some(stall))
            .timeout_recv_response(Some(stall))
            .timeout_recv_body(None)
            .timeout_per_read(Some(stall))
            .timeout_per_write(Some(stall))
            .input_buffer_size(INPUT_BUFFER);
        if self.agent.config().proxy().is_some() && is_loopback(url) {
            config = config.proxy(None);
        }
        let mut request = config.build().header("accept-encoding", "identity");
        if let Some((offset, validator)) = range {
            request = request
                .header("range", format!("bytes={offset}-"))
                .header("if-range", validator);
        }
        request.call()
    }

    /// One request (following redirects) and its body.
    fn attempt(&mut self, job: &mut Job<'_>) -> Result<(), Failure> {
        let vendor = job.vendor;
        let mut url = job.link.url.as_str().to_owned();
        let mut redirects = 0;
        // Without a validator (or with a decoded body) kept bytes cannot be
        // continued safely: start over.
        if job.offset > 0 && (job.validator.is_none() || job.encoded) {
            job.restart(&url)?;
        }
        let mut response = loop {
            let range = match (&job.validator, job.offset) {
                (Some(v), offset) if offset > 0 => Some((offset, v.header())),
                _ => None,
            };
            job.requests += 1;
            let response = self
                .send(&url, range)
                .map_err(|e| transfer_failure(vendor, &url, None, e))?;
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                redirects += 1;
                if redirects > self.max_redirects {
                    return Err(Failure::Fatal(
                        FileHostError::new(vendor, FileHostKind::TooManyRedirects, &url)
                            .status(status)
                            .into(),
                    ));
                }
                let location = header(response.headers(), "location").unwrap_or_default();
                url = follow(&url, &location).map_err(|why| {
                    Failure::Fatal(
                        FileHostError::new(vendor, FileHostKind::BadRedirect, &url)
                            .status(status)
                            .with_note(why)
                            .into(),
                    )
                })?;
                continue;
            }
            break response;
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let validator = Validator::from_headers(&headers);
        match status {
            200 => {
                if job.offset > 0 {
                    if job.sink.is_file() || job.validator.is_none() || validator != job.validator {
                        job.restart(&url)?;
                    } else {
                        // A writer cannot take back what it got: skip the prefix
                        // of the same object.
                        job.skip = job.offset;
                    }
                }
                job.encoded = header(&headers, "content-encoding")
                    .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
                job.total = if job.encoded {
                    None
                } else {
                    header(&headers, "content-length").and_then(|v| v.trim().parse().ok())
                };
                job.validator = if job.encoded { None } else { validator };
            }
            206 => {
                let range = header(&headers, "content-range").and_then(|v| parse_content_range(&v));
                let Some((start, _end, total)) = range else {
                    job.restart(&url)?;
                    return Err(Failure::retry(
                        FileHostError::new(vendor, FileHostKind::Io, &url)
                            .status(206)
                            .with_note("206 without a usable Content-Range"),
                    ));
                };
                let changed = validator.is_some() && validator != job.validator;
                if start != job.offset || changed {
                    job.restart(&url)?;
                    return Err(Failure::retry(
                        FileHostError::new(vendor, FileHostKind::Io, &url)
                            .status(206)
                            .with_note("the range or the object changed; starting over"),
                    ));
                }
                job.ranges += 1;
                if total.is_some() {
                    job.total = total;
                }
            }
            416 => {
                let total = header(&headers, "content-range")
                    .and_then(|v| {
                        v.trim()
                            .strip_prefix("bytes */")
                            .and_then(|t| t.trim().parse().ok())
                    })
                    .or(job.total);
                if total == Some(job.offset) && job.offset > 0 {
                    job.total = total;
                    return Ok(());
                }
                job.restart(&url)?;
                return Err(Failure::retry(
                    FileHostError::new(vendor, FileHostKind::Status, &url).status(416),
                ));
            }
            _ => {
                let excerpt = read_excerpt(&mut response);
                let mut err = FileHostError::new(vendor, FileHostKind::Status, &url).status(status);
                err.body_excerpt = Some(excerpt.clone());
                if is_denial(status, &excerpt) {
                    err.kind = FileHostKind::Denied;
                    return Err(Failure::Denied(Box::new(err)));
                }
                if crate::error::retryable_status(status) {
                    return Err(Failure::retry(err));
                }
                return Err(Failure::Fatal(err.into()));
            }
        }
        // The name, when the link did not give one.
        if job.dir.is_some() && job.name.is_none() {
            let name = header(&headers, "content-disposition")
                .and_then(|v| content_disposition_name(&v))
                .and_then(|n| sanitize_file_name(&n))
                .or_else(|| url_file_name(&url))
                .unwrap_or_else(|| "download".to_owned());
            let dir = job.dir.clone().expect("checked");
            job.name = Some(self.claim(&dir, &name, &job.link).map_err(Failure::Fatal)?);
        }
        job.save_meta();
        self.stream(job, response, &url)
    }

    fn stream(
        &mut self,
        job: &mut Job<'_>,
        response: ureq::http::Response<ureq::Body>,
        url: &str,
    ) -> Result<(), Failure> {
        let vendor = job.vendor;
        let mut reader = response
            .into_body()
            .into_with_config()
            .limit(u64::MAX)
            .reader();
        let mut buf = vec![0u8; BUFFER];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(transfer_failure(
                        vendor,
                        url,
                        Some(200),
                        ureq::Error::from(e),
                    ));
                }
            };
            let mut chunk = &buf[..n];
            if job.skip > 0 {
                let skipped = (job.skip).min(chunk.len() as u64) as usize;
                job.skip -= skipped as u64;
                chunk = &chunk[skipped..];
                if chunk.is_empty() {
                    continue;
                }
            }
            job.sink
                .write_all(chunk)
                .map_err(|e| Failure::Fatal(local(&job.link, "writing the file", Some(e))))?;
            #[cfg(feature = "sha256")]
            if let Some(digest) = job.digest.as_mut() {
                digest.update(chunk);
            }
            job.offset += chunk.len() as u64;
            if let Some(progress) = self.progress.as_mut() {
                progress(Progress {
                    done: job.offset,
                    total: job.total,
                });
            }
        }
        if let Some(total) = job.total {
            if job.offset < total {
                return Err(Failure::retry(
                    FileHostError::new(vendor, FileHostKind::Io, url).with_note(format!(
                        "connection closed at {} of {total} bytes",
                        job.offset
                    )),
                ));
            }
            if job.offset > total {
                let e = FileHostError::new(
                    vendor,
                    FileHostKind::LengthMismatch {
                        expected: total,
                        actual: job.offset,
                    },
                    url,
                );
                job.discard();
                return Err(Failure::Fatal(e.into()));
            }
        }
        Ok(())
    }
}

enum Failure {
    /// Broken transfer, stall, 429/5xx: try again (resuming).
    Retry(Box<FileHostError>),
    /// The host refused the link: refresh it.
    Denied(Box<FileHostError>),
    /// Give up.
    Fatal(Error),
}

impl Failure {
    fn retry(e: FileHostError) -> Failure {
        Failure::Retry(Box::new(e))
    }
}

impl From<FileHostError> for Failure {
    fn from(e: FileHostError) -> Self {
        Failure::Fatal(e.into())
    }
}

enum Sink<'w> {
    None,
    File(File),
    Writer(&'w mut dyn Write),
}

impl Sink<'_> {
    fn is_file(&self) -> bool {
        matches!(self, Sink::File(_))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::None => Ok(()),
            Sink::File(f) => f.write_all(buf),
            Sink::Writer(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::None => Ok(()),
            Sink::File(f) => f.flush(),
            Sink::Writer(w) => w.flush(),
        }
    }
}

struct Job<'w> {
    vendor: Vendor,
    link: DownloadLink,
    sink: Sink<'w>,
    part: Option<PathBuf>,
    meta_path: Option<PathBuf>,
    dir: Option<PathBuf>,
    name: Option<String>,
    key: u64,
    offset: u64,
    resumed_from: u64,
    skip: u64,
    total: Option<u64>,
    validator: Option<Validator>,
    encoded: bool,
    requests: u32,
    ranges: u32,
    refreshes: u32,
    restarts: u32,
    #[cfg(feature = "sha256")]
    digest: Option<ring::digest::Context>,
    sha256: Option<String>,
}

impl<'w> Job<'w> {
    fn new(link: &DownloadLink, sink: Sink<'w>) -> Self {
        Job {
            vendor: link.vendor,
            link: link.clone(),
            sink,
            part: None,
            meta_path: None,
            dir: None,
            name: None,
            key: 0,
            offset: 0,
            resumed_from: 0,
            skip: 0,
            total: None,
            validator: None,
            encoded: false,
            requests: 0,
            ranges: 0,
            refreshes: 0,
            restarts: 0,
            #[cfg(feature = "sha256")]
            digest: None,
            sha256: None,
        }
    }

    /// Drops the bytes kept and starts the file over (a writer cannot).
    fn restart(&mut self, url: &str) -> Result<(), Failure> {
        let vendor = self.vendor;
        match &mut self.sink {
            Sink::File(file) => {
                file.set_len(0)
                    .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop))
                    .map_err(|e| {
                        Failure::Fatal(local(&self.link, "truncating the file", Some(e)))
                    })?;
            }
            Sink::Writer(_) if self.offset > 0 => {
                return Err(Failure::Fatal(
                    FileHostError::new(vendor, FileHostKind::Io, url)
                        .with_note("the transfer broke off and the host offers no way to continue the same object")
                        .into(),
                ));
            }
            _ => {}
        }
        if let Some(meta) = &self.meta_path {
            let _ = fs::remove_file(meta);
        }
        self.offset = 0;
        self.total = None;
        self.validator = None;
        self.restarts += 1;
        #[cfg(feature = "sha256")]
        if self.digest.is_some() {
            self.digest = Some(ring::digest::Context::new(&ring::digest::SHA256));
        }
        Ok(())
    }

    /// Removes the temporary file and its metadata (after a failed check).
    fn discard(&mut self) {
        if let Some(part) = &self.part {
            self.sink = Sink::None;
            let _ = fs::remove_file(part);
        }
        if let Some(meta) = &self.meta_path {
            let _ = fs::remove_file(meta);
        }
    }

    /// Records the validator beside the temporary file, for a later run.
    fn save_meta(&self) {
        let Some(path) = &self.meta_path else { return };
        match &self.validator {
            Some(validator) => {
                let meta = Meta {
                    key: format!("{:016x}", self.key),
                    validator: Some(validator.clone()),
                    total: self.total,
                    name: self.name.clone(),
                };
                let _ = fs::write(path, meta.to_json());
            }
            None => {
                let _ = fs::remove_file(path);
            }
        }
    }

    fn fetched(&mut self, path: Option<PathBuf>) -> Fetched {
        Fetched {
            path,
            bytes: self.offset,
            resumed_from: self.resumed_from,
            requests: self.requests,
            ranges: self.ranges,
            refreshes: self.refreshes,
            restarts: self.restarts,
            link: self.link.clone(),
            sha256: self.sha256.take(),
        }
    }
}

/// What `If-Range` carries: a strong ETag, else a `Last-Modified` date.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Validator {
    ETag(String),
    LastModified(String),
}

impl Validator {
    fn from_headers(headers: &HeaderMap) -> Option<Validator> {
        if let Some(etag) = header(headers, "etag") {
            let etag = etag.trim();
            if etag.starts_with('"') && etag.len() >= 2 {
                return Some(Validator::ETag(etag.to_owned()));
            }
        }
        header(headers, "last-modified").map(|d| Validator::LastModified(d.trim().to_owned()))
    }

    fn header(&self) -> &str {
        match self {
            Validator::ETag(v) | Validator::LastModified(v) => v,
        }
    }
}

/// The `.dlurl-meta` file.
#[derive(Debug)]
struct Meta {
    key: String,
    validator: Option<Validator>,
    total: Option<u64>,
    name: Option<String>,
}

impl Meta {
    fn to_json(&self) -> String {
        let (etag, last_modified) = match &self.validator {
            Some(Validator::ETag(v)) => (Some(v.as_str()), None),
            Some(Validator::LastModified(v)) => (None, Some(v.as_str())),
            None => (None, None),
        };
        serde_json::json!({
            "version": 1,
            "key": self.key,
            "etag": etag,
            "last_modified": last_modified,
            "total": self.total,
            "name": self.name,
        })
        .to_string()
    }

    fn load(path: &Path) -> Option<Meta> {
        let text = fs::read(path).ok()?;
        let value: serde_json::Value = serde_json::from_slice(&text).ok()?;
        if value.get("version")?.as_u64()? != 1 {
            return None;
        }
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let validator = match (text("etag"), text("last_modified")) {
            (Some(e), _) => Some(Validator::ETag(e)),
            (None, Some(d)) => Some(Validator::LastModified(d)),
            _ => None,
        };
        Some(Meta {
            key: text("key")?,
            validator,
            total: value.get("total").and_then(|v| v.as_u64()),
            name: text("name").and_then(|n| sanitize_file_name(&n)),
        })
    }
}

/// The `.dlurl-lock` file, removed on drop.
struct Lock {
    path: PathBuf,
}

impl Lock {
    fn take(path: &Path, link: &DownloadLink) -> Result<Lock, Error> {
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut file) => {
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(Lock {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let pid = fs::read_to_string(path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    if pid.is_some_and(|pid| !process_alive(pid)) {
                        let _ = fs::remove_file(path);
                        continue;
                    }
                    let mut err = FileHostError::new(link.vendor, FileHostKind::Locked, &link.url);
                    err.note = Some(match pid {
                        Some(pid) => format!("{} is held by process {pid}", path.display()),
                        None => format!("{} exists", path.display()),
                    });
                    return Err(err.into());
                }
                Err(e) => {
                    return Err(local(
                        link,
                        &format!("creating {}", path.display()),
                        Some(e),
                    ));
                }
            }
        }
        let mut err = FileHostError::new(link.vendor, FileHostKind::Locked, &link.url);
        err.note = Some(format!("{} keeps coming back", path.display()));
        Err(err.into())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether process `pid` exists. Only Linux can tell (`/proc`); elsewhere every
/// lock is taken as held.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    true
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn local(link: &DownloadLink, what: &str, source: Option<io::Error>) -> Error {
    let mut e =
        FileHostError::new(link.vendor, FileHostKind::Io, &link.url).with_note(what.to_owned());
    if let Some(source) = source {
        e = e.source(source);
    }
    e.into()
}

/// A failed request or body read: a stall or a broken connection, to retry.
fn transfer_failure(vendor: Vendor, url: &str, status: Option<u16>, err: ureq::Error) -> Failure {
    let kind = match &err {
        ureq::Error::Timeout(_) => FileHostKind::Stalled,
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            FileHostKind::Stalled
        }
        _ => FileHostKind::Io,
    };
    let mut e = FileHostError::new(vendor, kind, url);
    e.http_status = status;
    e.note = Some(redact_url_queries(&err.to_string()));
    Failure::retry(e.source(err))
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn read_excerpt(response: &mut ureq::http::Response<ureq::Body>) -> String {
    let mut body = Vec::new();
    let _ = response
        .body_mut()
        .as_reader()
        .take(crate::EXCERPT_LIMIT as u64)
        .read_to_end(&mut body);
    one_line(
        &redact_url_queries(&String::from_utf8_lossy(&body)),
        crate::EXCERPT_LIMIT,
    )
}

/// Whether a reply means "this link no longer works": 401, 403, 410, or S3's
/// expiry and denial codes in any 4xx.
fn is_denial(status: u16, body: &str) -> bool {
    matches!(status, 401 | 403 | 410)
        || ((400..500).contains(&status)
            && [
                "<Code>AccessDenied</Code>",
                "<Code>ExpiredToken</Code>",
                "Request has expired",
            ]
            .iter()
            .any(|needle| body.contains(needle)))
}

/// `bytes start-end/total` (total `*` → `None`).
fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.trim().split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    if end < start || total.is_some_and(|t| end >= t) {
        return None;
    }
    Some((start, end, total))
}

/// The URL a redirect leads to, refusing `https` → `http`.
fn follow(from: &str, location: &str) -> Result<String, &'static str> {
    let location = location.trim();
    if location.is_empty() {
        return Err("redirect without a Location");
    }
    let from_https = from
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    let next = if let Some((scheme, _)) = crate::url::split_http_scheme(location) {
        if from_https && scheme == "http" {
            return Err("redirect from https to http refused");
        }
        location.to_owned()
    } else if location.contains("://") {
        return Err("redirect to a scheme other than http(s)");
    } else {
        let scheme_end = from.find("://").map_or(0, |i| i + 3);
        let authority_end = from[scheme_end..]
            .find(['/', '?', '#'])
            .map_or(from.len(), |i| scheme_end + i);
        if let Some(rest) = location.strip_prefix("//") {
            format!("{}{}", &from[..scheme_end], rest)
        } else if location.starts_with('/') {
            format!("{}{}", &from[..authority_end], location)
        } else {
            let path_end = from[authority_end..]
                .find(['?', '#'])
                .map_or(from.len(), |i| authority_end + i);
            let base = &from[..path_end];
            let dir_end = base[authority_end..]
                .rfind('/')
                .map_or(base.len(), |i| authority_end + i + 1);
            let mut next = base[..dir_end].to_owned();
            if dir_end == base.len() && !next.ends_with('/') {
                next.push('/');
            }
            next.push_str(location);
            next
        }
    };
    if !crate::url::is_http_url(&next) {
        return Err("redirect to an unusable URL");
    }
    Ok(next)
}

fn is_loopback(url: &str) -> bool {
    let Some((_, rest)) = crate::url::split_http_scheme(url) else {
        return false;
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The file name of a `Content-Disposition` value: `filename*=UTF-8''…` first,
/// else `filename=` (quoted or not). Not sanitised.
pub fn content_disposition_name(value: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    let mut rest = value;
    while let Some(semi) = rest.find(';') {
        rest = &rest[semi + 1..];
        let param = rest.trim_start();
        let (key, after) = param.split_once('=')?;
        let key = key.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (val, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, c)) = chars.next() {
                            out.push(c);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            (out, &quoted[end..])
        } else {
            let end = after.find(';').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        match key.as_str() {
            "filename*" => {
                if let Some((charset, rest)) = val.split_once('\'') {
                    let encoded = rest.split_once('\'').map_or(rest, |(_, v)| v);
                    if charset.eq_ignore_ascii_case("utf-8") {
                        extended = Some(crate::encode::percent_decode(encoded));
                    }
                }
            }
            "filename" => plain = Some(val),
            _ => {}
        }
        rest = remaining;
    }
    extended.or(plain).filter(|n| !n.is_empty())
}

/// A name safe to create in a directory: path separators and `..`/`.`
/// components are dropped (the parts joined by `_`), control characters and
/// `<>:"|?*` become `_`, leading dots and spaces and trailing dots and spaces
/// are trimmed, at most 200 bytes. `None` when nothing is left.
///
/// ```
/// use download_url::fetch::sanitize_file_name;
/// assert_eq!(sanitize_file_name("../../etc/passwd").as_deref(), Some("etc_passwd"));
/// assert_eq!(sanitize_file_name("a\u{7}b\r\n.pdf").as_deref(), Some("a_b__.pdf"));
/// assert_eq!(sanitize_file_name(".."), None);
/// ```
pub fn sanitize_file_name(name: &str) -> Option<String> {
    let parts: Vec<&str> = name
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    let joined = parts.join("_");
    let cleaned: String = joined
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let mut end = trimmed.len().min(200);
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    let out = &trimmed[..end];
    (!out.is_empty() && out != "..").then(|| out.to_owned())
}

/// The last segment of `url`'s path, percent-decoded and sanitised.
fn url_file_name(url: &str) -> Option<String> {
    let (_, rest) = crate::url::split_http_scheme(url)?;
    let path_start = rest.find('/')?;
    let path = &rest[path_start..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let segment = path.rsplit('/').find(|s| !s.is_empty())?;
    sanitize_file_name(&crate::encode::percent_decode(segment))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(feature = "sha256")]
fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitised() {
        assert_eq!(
            sanitize_file_name("a/b\\c.txt").as_deref(),
            Some("a_b_c.txt")
        );
        assert_eq!(sanitize_file_name("../x").as_deref(), Some("x"));
        assert_eq!(sanitize_file_name(".hidden").as_deref(), Some("hidden"));
        assert_eq!(sanitize_file_name("  ").as_deref(), None);
        assert_eq!(sanitize_file_name("...").as_deref(), None);
        assert_eq!(sanitize_file_name("a\u{1b}[31m").as_deref(), Some("a_[31m"));
        let long = "é".repeat(300);
        assert!(sanitize_file_name(&long).unwrap().len() <= 200);
        assert_eq!(
            url_file_name("https://h/a/b%20c.pdf?x=1").as_deref(),
            Some("b c.pdf")
        );
        assert_eq!(
            url_file_name("https://h/a/..%2F..%2Fetc").as_deref(),
            Some("etc")
        );
        assert_eq!(url_file_name("https://h/"), None);
    }

    #[test]
    fn content_disposition() {
        let n = |v| content_disposition_name(v);
        assert_eq!(
            n("attachment; filename=\"a b.pdf\"").as_deref(),
            Some("a b.pdf")
        );
        assert_eq!(
            n("attachment; filename=plain.txt").as_deref(),
            Some("plain.txt")
        );
        assert_eq!(
            n("attachment; filename=\"x.pdf\"; filename*=UTF-8''%E2%82%AC%20rates.pdf").as_deref(),
            Some("€ rates.pdf")
        );
        assert_eq!(n("inline").as_deref(), None);
        assert_eq!(
            n("attachment; filename=\"q\\\"uote\"").as_deref(),
            Some("q\"uote")
        );
    }

    #[test]
    fn redirects() {
        assert_eq!(follow("https://a/b/c?q", "/d").unwrap(), "https://a/d");
        assert_eq!(follow("https://a/b/c?q", "d").unwrap(), "https://a/b/d");
        assert_eq!(follow("https://a/b/c", "//e/f").unwrap(), "https://e/f");
        assert_eq!(follow("http://a/b", "https://x/y").unwrap(), "https://x/y");
        assert!(follow("https://a/b", "http://x/y").is_err());
        assert!(follow("https://a/b", "HTTP://x/y").is_err());
        assert!(follow("https://a/b", "ftp://x/y").is_err());
        assert!(follow("https://a/b", "").is_err());
    }

    #[test]
    fn content_range() {
        assert_eq!(
            parse_content_range("bytes 10-19/20"),
            Some((10, 19, Some(20)))
        );
        assert_eq!(parse_content_range("bytes 10-19/*"), Some((10, 19, None)));
        assert_eq!(parse_content_range("bytes 10-19/15"), None);
        assert_eq!(parse_content_range("items 1-2/3"), None);
    }

    #[test]
    fn denial() {
        assert!(is_denial(403, ""));
        assert!(is_denial(400, "<Error><Code>ExpiredToken</Code></Error>"));
        assert!(!is_denial(404, "<Code>NoSuchKey</Code>"));
        assert!(!is_denial(500, "<Code>AccessDenied</Code>"));
    }

    #[test]
    fn loopback() {
        assert!(is_loopback("http://127.0.0.1:80/a"));
        assert!(is_loopback("http://[::1]:80/a"));
        assert!(is_loopback("http://localhost/a"));
        assert!(!is_loopback("https://example.com/a"));
    }
}
