//! The files `fetch` keeps beside a target, and the rules that make them safe in
//! a folder other users can write to.
//!
//! A *slot* is one set of names: `<stem>.dlurl-lock`, `<stem>.dlurl-part` and
//! `<stem>.dlurl-meta`, where the stem is `.<name>` (or `.dlurl-<hash>`), then
//! `.<name>~1`, `.<name>~2`… A run takes the first slot whose existing files are
//! all its own — regular files (never a symlink, FIFO or device), owned by the
//! user running, with no second name — and locks it with the kernel's lock; a
//! slot holding anything else is left alone, untouched. Every new file is
//! created exclusively (`O_CREAT|O_EXCL`, which refuses a symlink, dangling or
//! not), mode 0600. An existing file is opened with `O_NOFOLLOW` and checked
//! to be the very file that was inspected (device and inode). The meta records
//! the device and inode of its part file, so a part is resumed only together
//! with the meta written for it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};

/// The buffer of one read and write (a transfer, a hash of a kept part, a copy).
pub(super) const BUFFER: usize = 256 * 1024;

/// How many slots a run tries before giving up.
const SLOTS: u32 = 8;

/// The most bytes of a meta file read.
const META_LIMIT: u64 = 64 << 10;

/// What went wrong on disk.
pub(super) enum DiskError {
    /// Another run holds the lock of the slot.
    Locked(PathBuf),
    /// The target exists (publishing without overwrite).
    Exists(PathBuf),
    /// A local failure: what was being done, and the OS error.
    Io(String, io::Error),
}

/// What a part file is: the `.dlurl-meta` file beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Meta {
    /// Hash of the link's vendor and item.
    pub key: String,
    /// The validator sent in `If-Range`.
    pub validator: String,
    /// The object's length, when the host stated it.
    pub total: Option<u64>,
    /// The name the target got (for `save_in`).
    pub name: Option<String>,
    /// Device and inode of the part file this meta describes.
    pub part: (u64, u64),
}

impl Meta {
    pub(super) fn to_json(&self) -> String {
        let etag = self.validator.starts_with('"');
        serde_json::json!({
            "version": 2,
            "key": self.key,
            "etag": etag.then_some(&self.validator),
            "last_modified": (!etag).then_some(&self.validator),
            "total": self.total,
            "name": self.name,
            "part_dev": self.part.0,
            "part_ino": self.part.1,
        })
        .to_string()
    }

    pub(super) fn parse(text: &str) -> Option<Meta> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        if value.get("version")?.as_u64()? != 2 {
            return None;
        }
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let number = |k: &str| value.get(k).and_then(|v| v.as_u64());
        Some(Meta {
            key: text("key")?,
            validator: text("etag").or_else(|| text("last_modified"))?,
            total: number("total"),
            name: text("name").and_then(|n| super::names::sanitize_file_name(&n)),
            part: (number("part_dev")?, number("part_ino")?),
        })
    }
}

/// A local failure while `doing` something to `path` (`"reading"`, …).
fn io_err(doing: &str, path: &Path) -> impl FnOnce(io::Error) -> DiskError {
    let what = format!("{doing} {}", path.display());
    move |e| DiskError::Io(what, e)
}

/// The user running this process: files of another user are never trusted
/// (0 where std cannot tell a file's owner).
fn current_uid(dir: &Path) -> io::Result<u32> {
    #[cfg(unix)]
    {
        // On Linux `/proc/self` belongs to the process's effective user.
        if let Ok(m) = fs::metadata("/proc/self") {
            return Ok(m.uid());
        }
        // Elsewhere: the owner of a file this run creates.
        let probe = dir.join(format!(".dlurl-probe-{:016x}", random()));
        let uid = create_new(&probe)?.metadata()?.uid();
        let _ = fs::remove_file(&probe);
        Ok(uid)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(0)
    }
}

/// A random number (std's per-process random hash keys).
pub(super) fn random() -> u64 {
    use std::hash::BuildHasher;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    std::collections::hash_map::RandomState::new().hash_one(now.map_or(0, |d| d.as_nanos()))
}

/// What stands at a name.
enum Existing {
    Absent,
    /// A regular file of ours with one name.
    Ours(fs::Metadata),
    /// A regular file of ours with more than one name (publishing was cut
    /// short, or someone linked it): its name may be removed, never written.
    Linked,
    /// Anything else: never opened, never removed.
    Foreign,
}

/// What stands at `path`, for the user `uid`.
fn inspect(path: &Path, uid: u32) -> io::Result<Existing> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_file() {
        return Ok(Existing::Foreign);
    }
    #[cfg(unix)]
    if meta.uid() != uid {
        return Ok(Existing::Foreign);
    } else if meta.nlink() != 1 {
        return Ok(Existing::Linked);
    }
    #[cfg(not(unix))]
    let _ = uid;
    Ok(Existing::Ours(meta))
}

/// Opens an existing file of ours without following a symlink, and only if it
/// is still the file `seen` describes. `None` when it changed meanwhile.
fn open_seen(path: &Path, seen: &fs::Metadata, write: bool) -> io::Result<Option<File>> {
    let mut options = OpenOptions::new();
    options.read(true).write(write);
    #[cfg(unix)]
    options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(e) => return Err(e),
    };
    let now = file.metadata()?;
    Ok(same_file(seen, &now).then_some(file))
}

/// Whether `b` is a regular file, and the file `a` describes (where std can
/// tell).
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    identity(a) == identity(b) && b.file_type().is_file()
}

/// A new file, created exclusively (a symlink at `path`, dangling or not, is an
/// error), readable and writable by its owner only.
pub(super) fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    options.open(path)
}

/// The folder of `path` (`.` for a bare name).
pub(super) fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// An existing regular file of the user running, with one name, opened without
/// following a symlink and checked to be the file inspected; `None` for
/// anything else.
pub(super) fn open_own(path: &Path, write: bool) -> io::Result<Option<File>> {
    let uid = current_uid(parent_dir(path))?;
    match inspect(path, uid)? {
        Existing::Ours(seen) => open_seen(path, &seen, write),
        _ => Ok(None),
    }
}

/// Copies `from` to `to`, from where each stands, feeding the bytes to
/// `digest`; the number of bytes copied.
#[cfg(feature = "sha256")]
pub(super) fn copy_hashing(
    from: &mut File,
    to: &mut impl Write,
    digest: &mut ring::digest::Context,
) -> io::Result<u64> {
    let mut buf = vec![0u8; BUFFER];
    let mut len = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(len),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        digest.update(&buf[..n]);
        to.write_all(&buf[..n])?;
        len += n as u64;
    }
}

/// Gives a file made with [`create_new`] the permissions a new file gets
/// under the umask, and flushes it to disk when `sync` is set.
pub(super) fn finish_new(file: File, sync: bool) -> io::Result<()> {
    #[cfg(unix)]
    file.set_permissions(fs::Permissions::from_mode(0o666 & !umask()))?;
    if sync {
        file.sync_all()?;
    }
    Ok(())
}

/// The kernel's lock on the file at `path` (created if needed), waiting up to
/// `wait` for another run. `None` when the name holds a file that is not ours.
fn lock(path: &Path, uid: u32, wait: Duration) -> Result<Option<File>, DiskError> {
    let deadline = Instant::now() + wait;
    let mut changes = 0;
    loop {
        let file = match inspect(path, uid).map_err(io_err("reading", path))? {
            Existing::Absent => match create_new(path) {
                Ok(f) => Some(f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => None,
                Err(e) => return Err(io_err("creating", path)(e)),
            },
            Existing::Ours(seen) => {
                open_seen(path, &seen, false).map_err(io_err("opening", path))?
            }
            Existing::Linked | Existing::Foreign => return Ok(None),
        };
        // A file that changed between looking and opening: look again (a
        // few times; then it is someone else's game).
        let Some(file) = file else {
            changes += 1;
            if changes > 20 {
                return Ok(None);
            }
            continue;
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(DiskError::Locked(path.to_path_buf()));
                }
                std::thread::sleep((deadline - now).min(Duration::from_millis(50)));
                continue;
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err("locking", path)(e)),
        }
        // The run that held it may have removed the name meanwhile: the
        // lock counts only on the file still at `path`.
        let held = fs::symlink_metadata(path)
            .ok()
            .zip(file.metadata().ok())
            .is_some_and(|(at_path, locked)| same_file(&at_path, &locked));
        if held {
            return Ok(Some(file));
        }
    }
}

/// A slot taken by this run (its names). It holds the kernel's lock on its lock
/// file: released when dropped, and by the kernel when the process dies; the
/// lock file is removed while still locked.
pub(super) struct Slot {
    pub part: PathBuf,
    pub meta: PathBuf,
    stem: String,
    /// The folder of the slot (and of the target).
    pub dir: PathBuf,
    lock: File,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.dir.join(format!("{}.dlurl-lock", self.stem)));
        let _ = self.lock.unlock();
    }
}

impl Slot {
    /// Takes the first slot of `stem` in `dir` whose files are all ours (see the
    /// module docs), waiting up to `wait` for another run holding it.
    pub(super) fn take(dir: &Path, stem: &str, wait: Duration) -> Result<Slot, DiskError> {
        let uid = current_uid(dir).map_err(io_err("writing in", dir))?;
        let numbered = (1..SLOTS).map(|n| format!("{stem}~{n}"));
        for stem in std::iter::once(stem.to_owned()).chain(numbered) {
            let lock_path = dir.join(format!("{stem}.dlurl-lock"));
            let Some(lock) = lock(&lock_path, uid, wait)? else {
                continue;
            };
            let slot = Slot {
                part: dir.join(format!("{stem}.dlurl-part")),
                meta: dir.join(format!("{stem}.dlurl-meta")),
                stem,
                dir: dir.to_path_buf(),
                lock,
            };
            let mut ours = true;
            for path in [&slot.part, &slot.meta] {
                match inspect(path, uid).map_err(io_err("reading", path))? {
                    Existing::Absent | Existing::Ours(_) => {}
                    // Our own second name of some file (a publish cut short):
                    // the name goes, the file behind it stays as it is.
                    Existing::Linked => fs::remove_file(path).map_err(io_err("removing", path))?,
                    Existing::Foreign => ours = false,
                }
            }
            if ours {
                return Ok(slot);
            }
        }
        let what = format!(
            "every temporary name for {stem} in {} is taken by files that are not ours",
            dir.display()
        );
        Err(DiskError::Io(what, io::ErrorKind::AlreadyExists.into()))
    }

    /// The part file and its meta, when both are ours and the meta was written
    /// for this very part file and for `key`; the part's length as well.
    pub(super) fn resumable(&self, key: &str) -> Option<(File, Meta, u64)> {
        let mut text = String::new();
        open_own(&self.meta, false)
            .ok()??
            .take(META_LIMIT)
            .read_to_string(&mut text)
            .ok()?;
        let meta = Meta::parse(&text).filter(|meta| meta.key == key)?;
        let part = open_own(&self.part, true).ok()??;
        let seen = part.metadata().ok()?;
        (meta.part == identity(&seen)).then_some((part, meta, seen.len()))
    }

    /// A new, empty part file (an old one of ours, not resumed, goes first).
    pub(super) fn fresh_part(&self) -> Result<File, DiskError> {
        let path = &self.part;
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(io_err("removing", path)(e))
            }
            _ => {}
        }
        create_new(path).map_err(io_err("creating", path))
    }

    /// Publishes `file` (the complete part file) as `target`: flushed to disk
    /// when `sync` is set (and the folder after),
    /// given the permissions a new file gets, then renamed over the target
    /// (`overwrite`; a symlink there is replaced, not followed) or linked to a
    /// target that must not exist, then unlinked. The meta goes last.
    pub(super) fn publish(
        &self,
        file: File,
        target: &Path,
        overwrite: bool,
        sync: bool,
    ) -> Result<(), DiskError> {
        let part = &self.part;
        finish_new(file, sync).map_err(io_err("flushing", part))?;
        match (!overwrite).then(|| fs::hard_link(part, target)) {
            Some(Ok(())) => fs::remove_file(part).map_err(io_err("removing", part))?,
            // A file system without hard links: look, then rename.
            Some(Err(e))
                if e.kind() == io::ErrorKind::AlreadyExists
                    || fs::symlink_metadata(target).is_ok() =>
            {
                return Err(DiskError::Exists(target.to_path_buf()))
            }
            // Overwriting, or no hard links: a folder at the target makes the
            // rename fail (`EISDIR`).
            _ => fs::rename(part, target).map_err(io_err("renaming to", target))?,
        }
        if sync {
            sync_dir(&self.dir);
        }
        self.remove_meta();
        Ok(())
    }

    /// Records `meta` beside the part file: written to a new file, then renamed
    /// over the meta's name (a symlink there is replaced, never followed).
    pub(super) fn save_meta(&self, meta: &Meta) {
        let tmp = self
            .dir
            .join(format!("{}.dlurl-m{:04x}", self.stem, random() & 0xffff));
        // Something already at the name is not ours: left alone, no meta saved.
        let Ok(mut file) = create_new(&tmp) else {
            return;
        };
        if file.write_all(meta.to_json().as_bytes()).is_err()
            || fs::rename(&tmp, &self.meta).is_err()
        {
            let _ = fs::remove_file(&tmp);
        }
    }

    /// Removes the meta (the part file is no longer a resumable transfer).
    pub(super) fn remove_meta(&self) {
        let _ = fs::remove_file(&self.meta);
    }

    /// Removes the part file and its meta.
    pub(super) fn discard(&self) {
        let _ = fs::remove_file(&self.part);
        self.remove_meta();
    }
}

/// The device and inode of a file (`(0, 0)` where std cannot tell).
pub(super) fn identity(meta: &fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    return (meta.dev(), meta.ino());
    #[cfg(not(unix))]
    {
        let _ = meta;
        (0, 0)
    }
}

/// The process's umask (Linux reports it in `/proc/self/status`; elsewhere the
/// usual 022 is assumed).
#[cfg(unix)]
fn umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let umask = status.lines().find_map(|l| l.strip_prefix("Umask:"));
    let umask = umask.and_then(|v| u32::from_str_radix(v.trim(), 8).ok());
    umask.unwrap_or(0o022)
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips() {
        let meta = Meta {
            key: "00ff".into(),
            validator: "\"v1\"".into(),
            total: Some(10),
            name: Some("a.pdf".into()),
            part: (3, 4),
        };
        assert_eq!(Meta::parse(&meta.to_json()), Some(meta));
        assert_eq!(
            Meta::parse("{\"version\":1,\"key\":\"k\",\"etag\":\"\\\"v\\\"\"}"),
            None
        );
    }

    /// Two files of one folder (same device) are different files; a file is
    /// itself; a folder is never "the file inspected".
    #[test]
    #[cfg(unix)]
    fn same_file_needs_the_same_device_and_inode() {
        let dir = std::env::temp_dir().join(format!("dlurl-disk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        fs::write(&a, b"a").unwrap();
        fs::write(&b, b"b").unwrap();
        let meta = |p: &Path| fs::symlink_metadata(p).unwrap();
        assert!(same_file(&meta(&a), &meta(&a)));
        assert!(!same_file(&meta(&a), &meta(&b)));
        assert!(!same_file(&meta(&dir), &meta(&dir)));
        // Opened without following: a symlink to `a` is not `a`.
        std::os::unix::fs::symlink(&a, dir.join("link")).unwrap();
        assert!(open_seen(&dir.join("link"), &meta(&a), false)
            .unwrap()
            .is_none());
        assert!(open_seen(&a, &meta(&a), false).unwrap().is_some());
        assert!(open_seen(&a, &meta(&b), false).unwrap().is_none());
        fs::remove_dir_all(&dir).unwrap();
    }
}
