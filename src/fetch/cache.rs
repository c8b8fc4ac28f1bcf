//! A cache of files keyed by their content (feature `sha256`): what a build
//! script needs to fetch a pinned file once per machine, then offline.
//!
//! An entry is the file itself, named by its SHA-256 in lowercase hex, in the
//! cache folder. It is trusted under the rules of the temporary files (a
//! regular file of the user running, one name, opened without following a
//! symlink) and its digest is checked each time it is used; a wrong one is
//! removed and fetched again. Placing an entry at a target copies it into a new
//! temporary file beside the target and renames that over the target: never a
//! copy onto the target (which would follow a symlink there), never a hard link
//! a later write could change. Two processes that want the same pin take
//! turns on the kernel's lock of `.<sha256>.pin.dlurl-lock` (a slot of the
//! temporary files' rules): one downloads, the other waits and then finds the
//! entry.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::disk;
use super::transfer::to_hex;
use super::{Fetched, Fetcher};
use crate::{DownloadLink, Error, FileHostError, FileHostKind, Vendor};

/// A file pinned by its content: its SHA-256 (64 hex digits) and its length.
///
/// ```
/// let pin = download_url::fetch::Pinned::new(
///     "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
///     3,
/// );
/// assert_eq!(pin.size, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pinned {
    /// The SHA-256 of the file, hex (any case; checked when used).
    pub sha256: String,
    /// The file's length in bytes.
    pub size: u64,
}

impl Pinned {
    /// A pin of `sha256` (hex) and `size` bytes.
    pub fn new(sha256: impl Into<String>, size: u64) -> Pinned {
        Pinned {
            sha256: sha256.into(),
            size,
        }
    }

    /// The digest in lowercase, or [`Error::InvalidInput`] when it is not 64
    /// hex digits.
    fn hex(&self, vendor: Vendor) -> Result<String, Error> {
        super::sha256_hex(&self.sha256)
            .ok_or_else(|| Error::invalid(vendor, "sha256", "a pin must be 64 hexadecimal digits"))
    }
}

/// How a pinned file reached its target.
#[derive(Debug)]
#[non_exhaustive]
pub enum Placed {
    /// From the cache: no request was made.
    FromCache,
    /// Downloaded (and stored in the cache) first.
    Downloaded(Box<Fetched>),
}

/// A folder of files keyed by their SHA-256 (see the module docs of
/// [`fetch`](crate::fetch)).
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    lock_wait: Duration,
}

impl Cache {
    /// A cache in `dir` (created when first written). Another process fetching
    /// the same pin is waited for up to 30 minutes.
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            dir: dir.into(),
            lock_wait: Duration::from_secs(30 * 60),
        }
    }

    /// The default folder: `$DOWNLOAD_URL_CACHE` when set, else
    /// `$XDG_CACHE_HOME/download-url`, else `$HOME/.cache/download-url`;
    /// `None` when none of those variables is set.
    pub fn default_dir() -> Option<PathBuf> {
        let var = |name: &str| {
            let value = std::env::var_os(name).filter(|v| !v.is_empty());
            value.map(PathBuf::from)
        };
        var("DOWNLOAD_URL_CACHE")
            .or_else(|| var("XDG_CACHE_HOME").map(|dir| dir.join("download-url")))
            .or_else(|| var("HOME").map(|home| home.join(".cache").join("download-url")))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How long to wait for another process fetching the same pin.
    pub fn lock_wait(mut self, wait: Duration) -> Cache {
        self.lock_wait = crate::agent::clamp(wait);
        self
    }

    /// Places the cached file for `pin` at `target`, checked against the pin.
    /// `Ok(false)` on a miss (no entry, or one that was not ours or not the
    /// pinned bytes: such an entry of ours is removed). No request is made.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a malformed pin; [`FileHostKind::Local`]
    /// when the target cannot be written.
    pub fn place(&self, vendor: Vendor, pin: &Pinned, target: &Path) -> Result<bool, Error> {
        let hex = pin.hex(vendor)?;
        let entry = self.dir.join(&hex);
        let Some(mut file) =
            disk::open_own(&entry, false).map_err(|e| local(vendor, &entry, "reading", e))?
        else {
            return Ok(false);
        };
        let tmp = disk::parent_dir(target).join(format!(".dlurl-place-{:016x}", disk::random()));
        let mut out = disk::create_new(&tmp).map_err(|e| local(vendor, &tmp, "creating", e))?;
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        let placed = match disk::copy_hashing(&mut file, &mut out, &mut digest) {
            Ok(len) if len == pin.size && to_hex(digest.finish().as_ref()) == hex => {
                disk::finish_new(out, false)
                    .and_then(|()| fs::rename(&tmp, target))
                    .map_err(|e| local(vendor, target, "placing", e))
            }
            Ok(_) => {
                // Not the pinned bytes: the entry goes, the target stays as it was.
                let _ = fs::remove_file(&entry);
                let _ = fs::remove_file(&tmp);
                return Ok(false);
            }
            Err(e) => Err(local(vendor, &tmp, "writing", e)),
        };
        if placed.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        placed.map(|()| true)
    }

    /// Places the file pinned by `pin` at `target`: from the cache when it is
    /// there; else `link` is asked for a link (only then: a hit needs no
    /// vendor call and no credential), the file is fetched with `fetcher`
    /// (the pin's size and digest are checked), stored in the cache, then
    /// placed. With `offline`, a miss is [`FileHostKind::Offline`] and nothing
    /// is attempted.
    ///
    /// # Errors
    ///
    /// The link's error as it is; [`Error::FileHost`] for the transfer and the
    /// files; [`FileHostKind::Offline`] for an offline miss.
    pub fn fetch_pinned(
        &self,
        vendor: Vendor,
        pin: &Pinned,
        target: &Path,
        offline: bool,
        fetcher: Fetcher<'_>,
        link: impl FnOnce() -> Result<DownloadLink, Error>,
    ) -> Result<Placed, Error> {
        let hex = pin.hex(vendor)?;
        if self.place(vendor, pin, target)? {
            return Ok(Placed::FromCache);
        }
        if offline {
            return Err(FileHostError::new(vendor, FileHostKind::Offline, "")
                .with_note(format!(
                    "{hex} ({} bytes) is not in the cache {}; fetch it once online (unset DOWNLOAD_URL_OFFLINE / CARGO_NET_OFFLINE), or put the file there named {hex}",
                    pin.size,
                    self.dir.display()
                ))
                .into());
        }
        fs::create_dir_all(&self.dir).map_err(|e| local(vendor, &self.dir, "creating", e))?;
        let _turn = disk::Slot::take(&self.dir, &format!(".{hex}.pin"), self.lock_wait)
            .map_err(|e| super::disk_error(vendor, "", e))?;
        // Another process may have stored it while this one waited.
        if self.place(vendor, pin, target)? {
            return Ok(Placed::FromCache);
        }
        let link = link()?;
        let fetched = fetcher
            .sha256(vendor, &hex)?
            .expected_size(pin.size)
            .overwrite(true)
            .save_as(&link, self.dir.join(&hex))?;
        if !self.place(vendor, pin, target)? {
            let note = format!("the cache entry {hex} vanished before it was placed");
            return Err(FileHostError::new(vendor, FileHostKind::Local, &link.url)
                .with_note(note)
                .into());
        }
        Ok(Placed::Downloaded(Box::new(fetched)))
    }
}

fn local(vendor: Vendor, path: &Path, what: &str, e: io::Error) -> Error {
    FileHostError::new(vendor, FileHostKind::Local, "")
        .with_note(format!("{what} {}", path.display()))
        .source(e)
        .into()
}
