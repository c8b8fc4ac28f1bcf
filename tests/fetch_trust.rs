//! The promise of `download_url::fetch`, tried the way an outsider would: another
//! user's files at every name the crate uses, a host that lies about ranges and
//! lengths, a body that never ends, two runs on one target, a crash between the
//! two steps of publishing.
//!
//! "On Unix, `fetch` never writes outside the target and its own temporary files,
//! never publishes bytes that are not exactly one version of the host's object,
//! never trusts a file it did not create, and never writes more than the size it
//! was told to expect."
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use common::{temporaries, TempDir};
use download_url::fake::files::{FakeContent, FakeFileHost, FileFault};
use download_url::fetch::Fetcher;
use download_url::{DownloadLink, Error, Expiry, FileHostKind, Vendor};

const HOUR: Duration = Duration::from_secs(3600);
const VICTIM: &[u8] = b"the victim's own bytes\n";

fn host_with(name: &str, len: u64, seed: u8) -> (FakeFileHost, Vec<u8>) {
    let host = FakeFileHost::start().unwrap();
    let content = FakeContent::Generated { len, seed };
    let bytes = content.bytes(0, len);
    host.add(name, content);
    (host, bytes)
}

fn fetcher<'a>() -> Fetcher<'a> {
    Fetcher::new().max_retries(5, Duration::from_millis(1))
}

fn kind(err: &Error) -> FileHostKind {
    match err {
        Error::FileHost(e) => e.kind.clone(),
        other => panic!("not a file host error: {other:?}"),
    }
}

/// Leaves a part file and its meta behind: the transfer breaks off after
/// `after` bytes and no retry is allowed. Returns the names left.
fn interrupted(
    host: &FakeFileHost,
    link: &DownloadLink,
    target: Target<'_>,
    after: u64,
) -> Vec<String> {
    host.push_fault(FileFault::DisconnectAfter(after));
    let mut f = Fetcher::new().max_retries(0, Duration::from_millis(1));
    let err = match target {
        Target::As(path) => f.save_as(link, path).unwrap_err(),
        Target::In(dir) => f.save_in(link, dir).unwrap_err(),
    };
    assert!(err.is_retryable(), "{err:?}");
    let dir = match target {
        Target::As(path) => path.parent().unwrap(),
        Target::In(dir) => dir,
    };
    temporaries(dir)
}

#[derive(Clone, Copy)]
enum Target<'p> {
    As(&'p Path),
    In(&'p Path),
}

/// A symbolic link at each name the crate may create — part, meta, lock, for a
/// named target and for a name learnt from the link — never gets written
/// through: the victim keeps its bytes, the target is a regular file with the
/// object's bytes, and the planted link is left alone.
#[test]
fn a_symlink_at_any_temporary_name_is_never_followed() {
    let (host, bytes) = host_with("t.bin", 300_000, 1);
    let link = host.link(Vendor::Kie, "item-t", "t.bin", HOUR);
    // The names, learnt from an interrupted run of each kind.
    let probe = TempDir::new("probe");
    let named = interrupted(&host, &link, Target::As(&probe.join("t.bin")), 1000);
    let probe_in = TempDir::new("probe-in");
    let learnt = interrupted(&host, &link, Target::In(&probe_in.0), 1000);
    assert_eq!(named.len(), 2, "{named:?}");
    assert_eq!(learnt.len(), 2, "{learnt:?}");
    let lock =
        |names: &[String]| names[0].rsplit_once(".dlurl-").unwrap().0.to_owned() + ".dlurl-lock";
    let mut cases: Vec<(bool, String)> = Vec::new();
    for name in named.iter().cloned().chain([lock(&named)]) {
        cases.push((true, name));
    }
    for name in learnt.iter().cloned().chain([lock(&learnt)]) {
        cases.push((false, name));
    }
    for (as_named, name) in cases {
        for dangling in [false, true] {
            let dir = TempDir::new("symlink");
            let outside = TempDir::new("victim");
            let victim = outside.join("authorized_keys");
            if !dangling {
                fs::write(&victim, VICTIM).unwrap();
            }
            std::os::unix::fs::symlink(&victim, dir.join(&name)).unwrap();
            let fetched = if as_named {
                fetcher().save_as(&link, dir.join("t.bin"))
            } else {
                fetcher().save_in(&link, &dir.0)
            }
            .unwrap_or_else(|e| panic!("{name} (dangling {dangling}): {e:?}"));
            let target = fetched.path.unwrap();
            assert_eq!(target, dir.join("t.bin"));
            let meta = fs::symlink_metadata(&target).unwrap();
            assert!(
                meta.file_type().is_file(),
                "{name}: the target is a regular file"
            );
            assert_eq!(fs::read(&target).unwrap(), bytes, "{name}");
            if dangling {
                assert!(!victim.exists(), "{name}: a dangling link was followed");
            } else {
                assert_eq!(fs::read(&victim).unwrap(), VICTIM, "{name}: victim written");
            }
            let planted = fs::symlink_metadata(dir.join(&name)).unwrap();
            assert!(
                planted.file_type().is_symlink(),
                "{name}: the planted link is left alone"
            );
        }
    }
}

/// The target itself a symlink: an error without overwrite; with overwrite the
/// link is replaced by the file, never followed.
#[test]
fn a_symlink_at_the_target_is_refused_or_replaced_never_followed() {
    let (host, bytes) = host_with("t.bin", 50_000, 2);
    let link = host.link(Vendor::Kie, "i", "t.bin", HOUR);
    let dir = TempDir::new("target-link");
    let outside = TempDir::new("target-victim");
    let victim = outside.join("victim");
    fs::write(&victim, VICTIM).unwrap();
    let target = dir.join("t.bin");
    std::os::unix::fs::symlink(&victim, &target).unwrap();
    let err = fetcher().save_as(&link, &target).unwrap_err();
    assert_eq!(kind(&err), FileHostKind::Exists);
    assert_eq!(fs::read(&victim).unwrap(), VICTIM);
    assert_eq!(
        host.request_count(),
        0,
        "an existing target is refused before any request"
    );
    // A dangling link is a target that exists too.
    let dangling = dir.join("d.bin");
    std::os::unix::fs::symlink(outside.join("nothing"), &dangling).unwrap();
    let err = fetcher().save_as(&link, &dangling).unwrap_err();
    assert_eq!(kind(&err), FileHostKind::Exists);
    assert!(!outside.join("nothing").exists());
    // With overwrite the link itself is replaced.
    fetcher().overwrite(true).save_as(&link, &target).unwrap();
    assert!(fs::symlink_metadata(&target).unwrap().file_type().is_file());
    assert_eq!(fs::read(&target).unwrap(), bytes);
    assert_eq!(fs::read(&victim).unwrap(), VICTIM);
    // A directory at the target is an error even with overwrite.
    fs::create_dir(dir.join("sub")).unwrap();
    let err = fetcher()
        .overwrite(true)
        .save_as(&link, dir.join("sub"))
        .unwrap_err();
    assert!(!err.is_retryable(), "{err:?}");
    assert!(dir.join("sub").is_dir());
}

/// A part and meta that belong to another user — here: ours, handed to uid
/// 65534 with a planted prefix — are never resumed from and never published:
/// the target is a new file of our own with exactly the object's bytes, and the
/// foreign files are left as they were.
#[test]
fn a_part_and_meta_of_another_user_are_never_trusted() {
    if !is_root() {
        eprintln!("skipped: changing a file's owner needs root (CI runs as root)");
        return;
    }
    let (host, bytes) = host_with("p.bin", 300_000, 3);
    let link = host.link(Vendor::Kie, "i", "p.bin", HOUR);
    for as_named in [true, false] {
        let dir = TempDir::new("foreign");
        let target = dir.join("p.bin");
        let names = if as_named {
            interrupted(&host, &link, Target::As(&target), 100_000)
        } else {
            interrupted(&host, &link, Target::In(&dir.0), 100_000)
        };
        let part = names.iter().find(|n| n.ends_with("-part")).unwrap();
        // The attacker's prefix, in their own file.
        fs::write(dir.join(part), vec![b'X'; 100_000]).unwrap();
        for name in &names {
            std::os::unix::fs::chown(dir.join(name), Some(65534), Some(65534)).unwrap();
        }
        let planted_ino = fs::metadata(dir.join(part)).unwrap().ino();
        let fetched = if as_named {
            fetcher().save_as(&link, &target)
        } else {
            fetcher().save_in(&link, &dir.0)
        }
        .unwrap();
        assert_eq!(fetched.resumed_from, 0, "nothing foreign is resumed");
        assert_eq!(fs::read(&target).unwrap(), bytes);
        let published = fs::metadata(&target).unwrap();
        assert_ne!(
            published.ino(),
            planted_ino,
            "the published file is not the attacker's inode"
        );
        assert_ne!(published.uid(), 65534);
        let foreign = fs::metadata(dir.join(part)).unwrap();
        assert_eq!(foreign.uid(), 65534, "the foreign part is left alone");
        assert_eq!(fs::read(dir.join(part)).unwrap(), vec![b'X'; 100_000]);
    }
}

/// A part with a second name (another user's hard link, or a crash between the
/// two steps of publishing) is never written again: the file behind the other
/// name keeps its bytes.
#[test]
fn a_part_with_a_second_name_is_never_reused() {
    let (host, bytes) = host_with("h.bin", 300_000, 4);
    let link = host.link(Vendor::Kie, "i", "h.bin", HOUR);
    let dir = TempDir::new("hardlink");
    let target = dir.join("h.bin");
    let names = interrupted(&host, &link, Target::As(&target), 100_000);
    let part = names.iter().find(|n| n.ends_with("-part")).unwrap();
    let kept = fs::read(dir.join(part)).unwrap();
    fs::hard_link(dir.join(part), dir.join("other-name")).unwrap();
    fetcher().save_as(&link, &target).unwrap();
    assert_eq!(fs::read(&target).unwrap(), bytes);
    assert_eq!(
        fs::read(dir.join("other-name")).unwrap(),
        kept,
        "the other name is untouched"
    );
}

/// A crash after the published file got its name but before the temporary
/// name was removed leaves a part that is a second name of the published file;
/// a later `--force` run of a changed object must not truncate the published
/// file through it.
#[test]
fn a_crash_between_publish_steps_cannot_truncate_a_published_file() {
    let (host, v1) = host_with("c.bin", 200_000, 5);
    let link = host.link(Vendor::Kie, "i", "c.bin", HOUR);
    let dir = TempDir::new("crash");
    let target = dir.join("c.bin");
    fetcher().save_as(&link, &target).unwrap();
    // The state a crash between link and unlink leaves, and a reader that
    // still holds the published version.
    fs::hard_link(&target, dir.join(".c.bin.dlurl-part")).unwrap();
    fs::hard_link(&target, dir.join("reader")).unwrap();
    let v2 = FakeContent::Generated {
        len: 250_000,
        seed: 6,
    };
    let v2_bytes = v2.bytes(0, 250_000);
    host.add("c.bin", v2);
    let link = host.link(Vendor::Kie, "i", "c.bin", HOUR);
    fetcher().overwrite(true).save_as(&link, &target).unwrap();
    assert_eq!(fs::read(&target).unwrap(), v2_bytes);
    assert_eq!(
        fs::read(dir.join("reader")).unwrap(),
        v1,
        "the published v1 is intact"
    );
}

/// Two runs on one target: the second fails cleanly at once (the default) or,
/// told to wait, waits for the first; never two writers on one part file.
#[test]
fn two_runs_on_one_target_never_write_one_file() {
    let (host, bytes) = host_with("l.bin", 400_000, 7);
    let link = host.link(Vendor::Kie, "i", "l.bin", HOUR);
    let dir = TempDir::new("lock");
    let target = dir.join("l.bin");
    // The first run stalls for a while mid-body, holding the lock.
    host.push_fault(FileFault::StallAfter(100_000, Duration::from_millis(700)));
    let first = {
        let link = link.clone();
        let target = target.clone();
        std::thread::spawn(move || {
            Fetcher::new()
                .stall_timeout(Duration::from_secs(10))
                .max_retries(3, Duration::from_millis(1))
                .save_as(&link, &target)
        })
    };
    // Wait until the first run is writing.
    // (Bounded: a first run that fails before its request must not hang the test.)
    let waited = std::time::Instant::now();
    while host.request_count() == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "the first run sent no request"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    let err = fetcher().save_as(&link, &target).unwrap_err();
    assert_eq!(kind(&err), FileHostKind::Locked, "{err:?}");
    assert!(err.is_retryable());
    // Told to wait, a second run waits for the first, then finds the target.
    let err = fetcher()
        .lock_wait(Duration::from_secs(30))
        .save_as(&link, &target)
        .unwrap_err();
    assert_eq!(kind(&err), FileHostKind::Exists, "{err:?}");
    let fetched = first.join().unwrap().unwrap();
    assert_eq!(fetched.bytes, 400_000);
    assert_eq!(fs::read(&target).unwrap(), bytes);
    assert!(temporaries(&dir.0).is_empty(), "{:?}", temporaries(&dir.0));
}

/// A lock file left by a run that was killed is not held by anyone: the next
/// run takes it, whatever it contains.
#[test]
fn a_lock_file_left_by_a_killed_run_is_taken() {
    let (host, bytes) = host_with("k.bin", 10_000, 8);
    let link = host.link(Vendor::Kie, "i", "k.bin", HOUR);
    let dir = TempDir::new("stale");
    fs::write(
        dir.join(".k.bin.dlurl-lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    fs::set_permissions(
        dir.join(".k.bin.dlurl-lock"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    fetcher().save_as(&link, dir.join("k.bin")).unwrap();
    assert_eq!(fs::read(dir.join("k.bin")).unwrap(), bytes);
}

/// Each way a host can answer a resume with another object ends with exactly
/// one version of the object.
#[test]
fn a_resume_never_splices_two_objects() {
    let len = 300_000;
    let faults: Vec<(&str, FileFault)> = vec![
        (
            "206 without a validator",
            FileFault::PartialWithoutValidator,
        ),
        ("a changed total", FileFault::RangeTotal(len + 1000)),
        ("a shifted start", FileFault::ShiftedRange(50_000)),
    ];
    for (what, lie) in faults {
        let (host, _) = host_with("r.bin", len, 9);
        let dir = TempDir::new("splice");
        let target = dir.join("r.bin");
        let link = host.link(Vendor::Kie, "i", "r.bin", HOUR);
        interrupted(&host, &link, Target::As(&target), 100_000);
        // The object changes (same length), and the host lies about the range.
        let v2 = FakeContent::Generated { len, seed: 10 };
        let v2_bytes = v2.bytes(0, len);
        host.add("r.bin", v2);
        host.push_fault(lie);
        match fetcher().save_as(&link, &target) {
            Ok(fetched) => {
                assert_eq!(fs::read(&target).unwrap(), v2_bytes, "{what}");
                assert_eq!(fetched.bytes, len, "{what}");
            }
            Err(e) => {
                assert!(!target.exists(), "{what}: {e:?}");
            }
        }
    }
}

/// A weak ETag never allows a resume, and `If-Range` never carries a date when
/// the host sent an ETag of any kind.
#[test]
fn a_weak_etag_does_not_resume_and_never_sends_a_date() {
    let (host, bytes) = host_with("w.bin", 300_000, 11);
    host.set_weak_etag("w.bin");
    let link = host.link(Vendor::Kie, "i", "w.bin", HOUR);
    let dir = TempDir::new("weak");
    let target = dir.join("w.bin");
    host.push_fault(FileFault::DisconnectAfter(100_000));
    let fetched = fetcher().save_as(&link, &target).unwrap();
    assert_eq!(fs::read(&target).unwrap(), bytes);
    assert_eq!(fetched.resumed_from, 0);
    for request in host.requests() {
        assert_eq!(request.header("if-range"), None, "{request:?}");
        assert_eq!(request.header("range"), None, "{request:?}");
    }
    assert_eq!(fetched.restarts, 1);
}

/// A body shorter than the length the host stated earlier for the same object
/// (same strong ETag) is resumed, never published as complete.
#[test]
fn a_body_shorter_than_a_length_stated_earlier_is_not_published() {
    let (host, bytes) = host_with("s.bin", 300_000, 12);
    let link = host.link(Vendor::Kie, "i", "s.bin", HOUR);
    let dir = TempDir::new("short");
    host.push_fault(FileFault::DisconnectAfter(100_000));
    host.push_fault(FileFault::CloseDelimited(150_000));
    let fetched = fetcher().save_as(&link, dir.join("s.bin")).unwrap();
    assert_eq!(fetched.bytes, 300_000);
    assert_eq!(fs::read(dir.join("s.bin")).unwrap(), bytes);
}

/// `expected_size` that the body does not reach: resumed, not published short.
#[test]
fn a_body_shorter_than_the_expected_size_is_not_published() {
    let (host, _) = host_with("e.bin", 1000, 13);
    let link = host.link(Vendor::Kie, "i", "e.bin", HOUR);
    let dir = TempDir::new("expected");
    // Every reply ends at 600 bytes without stating a length.
    for _ in 0..8 {
        host.push_fault(FileFault::CloseDelimited(600));
    }
    let err = fetcher()
        .expected_size(1000)
        .save_as(&link, dir.join("e.bin"))
        .unwrap_err();
    assert!(!dir.join("e.bin").exists(), "{err:?}");
}

/// An endless body, a 1 TiB `Content-Length`, and a gzip bomb sent despite
/// `identity` stop within the bound plus one buffer, and are not retried.
#[test]
fn bounds_stop_endless_huge_and_bombed_bodies() {
    const BUFFER: u64 = 256 * 1024;
    // (what, fault, expected_size, max_size, the most bytes that may be written)
    type Case = (&'static str, FileFault, Option<u64>, Option<u64>, u64);
    let cases: Vec<Case> = vec![
        (
            "endless, max_size",
            FileFault::Endless,
            None,
            Some(1_000_000),
            1_000_000,
        ),
        (
            "endless, expected_size",
            FileFault::Endless,
            Some(1000),
            None,
            1000,
        ),
        (
            "1 TiB Content-Length",
            FileFault::ClaimLength(1 << 40),
            Some(100_000),
            None,
            0,
        ),
        (
            "1 TiB Content-Length, max",
            FileFault::ClaimLength(1 << 40),
            None,
            Some(10 << 20),
            0,
        ),
        (
            "gzip bomb",
            FileFault::GzipBomb(512 << 20),
            None,
            Some(1 << 20),
            1 << 20,
        ),
    ];
    for (what, fault, expected, max, bound) in cases {
        let (host, _) = host_with("b.bin", 100_000, 14);
        let link = host.link(Vendor::Kie, "i", "b.bin", HOUR);
        let dir = TempDir::new("bounds");
        host.push_fault(fault);
        let mut written = 0u64;
        let err = {
            let mut f = fetcher().progress(|p| written = written.max(p.done));
            if let Some(n) = expected {
                f = f.expected_size(n);
            }
            if let Some(n) = max {
                f = f.max_size(n);
            }
            f.save_as(&link, dir.join("b.bin")).unwrap_err()
        };
        assert!(
            matches!(kind(&err), FileHostKind::TooLarge { .. }),
            "{what}: {err:?}"
        );
        assert!(!err.is_retryable(), "{what}");
        assert_eq!(host.request_count(), 1, "{what}: not retried");
        assert!(written <= bound + BUFFER, "{what}: {written} bytes written");
        assert!(!dir.join("b.bin").exists(), "{what}");
        let on_disk: u64 = fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(on_disk <= bound + BUFFER, "{what}: {on_disk} bytes on disk");
    }
}

/// A link is checked again before fetching (one deserialized from a cache may
/// be anything): refused at once, no request, not retryable.
#[test]
fn an_unusable_link_is_refused_before_any_request() {
    let dir = TempDir::new("badlink");
    for url in [
        "file:///etc/passwd",
        "https://h/a b",
        "javascript:alert(1)",
        "https://",
        "",
    ] {
        let link = DownloadLink::new(Vendor::Kie, "i", url, None, Expiry::Unknown);
        let err = fetcher().save_as(&link, dir.join("x")).unwrap_err();
        assert!(!err.is_retryable(), "{url:?}: {err:?}");
        let mut out = Vec::new();
        let err = fetcher().write_to(&link, &mut out).unwrap_err();
        assert!(!err.is_retryable(), "{url:?}: {err:?}");
    }
    assert!(temporaries(&dir.0).is_empty());
}

/// A host whose name does not resolve fails at once, not retried.
#[test]
fn a_host_that_does_not_resolve_is_not_retried() {
    let dir = TempDir::new("dns");
    let link = DownloadLink::new(
        Vendor::Kie,
        "i",
        "http://no-such-host.invalid/a.bin",
        None,
        Expiry::Unknown,
    );
    let err = Fetcher::new()
        .max_retries(5, Duration::from_secs(3))
        .save_as(&link, dir.join("a.bin"))
        .unwrap_err();
    assert!(!err.is_retryable(), "{err:?}");
}

/// `sha256` takes exactly 64 hex digits.
#[test]
fn sha256_takes_exactly_64_hex_digits() {
    for bad in [
        "+a".repeat(32),
        "ab".repeat(31),
        "ab".repeat(33),
        "g0".repeat(32),
        " +1".repeat(21) + "a",
    ] {
        assert!(Fetcher::new().sha256(Vendor::Kie, &bad).is_err(), "{bad:?}");
    }
    assert!(Fetcher::new().sha256(Vendor::Kie, &"aB".repeat(32)).is_ok());
}

/// A local failure (here: the target's folder is a file) is its own kind, not
/// retryable, with the OS error as its source.
#[test]
fn a_local_failure_is_its_own_kind_and_not_retried() {
    let (host, _) = host_with("x.bin", 1000, 15);
    let link = host.link(Vendor::Kie, "i", "x.bin", HOUR);
    let dir = TempDir::new("local");
    fs::write(dir.join("file"), b"").unwrap();
    let err = fetcher()
        .save_as(&link, dir.join("file").join("x.bin"))
        .unwrap_err();
    assert_eq!(kind(&err), FileHostKind::Local, "{err:?}");
    assert!(!err.is_retryable());
    let source = std::error::Error::source(&err).expect("the OS error");
    assert!(
        source.downcast_ref::<std::io::Error>().is_some(),
        "{source:?}"
    );
}

/// Names learnt from a link: one name used many times gets ` (n)`; a long name
/// is cut by bytes keeping its extension, leaving room for the temporary
/// names; bidi controls and invisible characters are dropped.
#[test]
fn names_on_disk_are_unique_cut_and_visible() {
    let (host, _) = host_with("n.bin", 10, 16);
    let dir = TempDir::new("names");
    let mut f = fetcher();
    let mut saved = Vec::new();
    for i in 0..4 {
        let mut link = host.link(Vendor::Kie, &format!("item-{i}"), "n.bin", HOUR);
        link.file_name = Some("same.pdf".into());
        saved.push(f.save_in(&link, &dir.0).unwrap().path.unwrap());
    }
    let names: Vec<_> = saved
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["same.pdf", "same (2).pdf", "same (3).pdf", "same (4).pdf"]
    );
    let long = format!("{}.pdf", "é".repeat(130));
    let mut link = host.link(Vendor::Kie, "long", "n.bin", HOUR);
    link.file_name = Some(long);
    let path = f.save_in(&link, &dir.0).unwrap().path.unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.ends_with(".pdf") && name.len() <= 240,
        "{name} ({} bytes)",
        name.len()
    );
    let mut link = host.link(Vendor::Kie, "bidi", "n.bin", HOUR);
    link.file_name = Some("invoice\u{202E}fdp.exe\u{200B}\u{00AD}\u{2066}\u{E0041}".into());
    let path = f.save_in(&link, &dir.0).unwrap().path.unwrap();
    assert_eq!(path.file_name().unwrap(), "invoicefdp.exe");
    // A target name of 250 bytes, given whole.
    let given = dir.join(format!("{}.bin", "a".repeat(246)));
    fetcher()
        .save_as(&host.link(Vendor::Kie, "g", "n.bin", HOUR), &given)
        .unwrap();
    assert!(given.is_file());
}

fn is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// A file exactly as long as `expected_size` and `max_size` allow is fetched:
/// the bounds refuse more, never exactly that.
#[test]
fn exact_bounds_are_allowed() {
    let (host, bytes) = host_with("x.bin", 100_000, 17);
    let link = host.link(Vendor::Kie, "i", "x.bin", HOUR);
    let dir = TempDir::new("exact");
    let fetched = fetcher()
        .expected_size(100_000)
        .max_size(100_000)
        .save_as(&link, dir.join("x.bin"))
        .unwrap();
    assert_eq!(fetched.bytes, 100_000);
    assert_eq!(fs::read(dir.join("x.bin")).unwrap(), bytes);
    // One byte less allowed is too large, before a byte is written.
    let err = fetcher()
        .max_size(99_999)
        .save_as(&link, dir.join("y.bin"))
        .unwrap_err();
    assert_eq!(kind(&err), FileHostKind::TooLarge { limit: 99_999 });
    assert_eq!(host.request_count(), 2);
}

/// A writer cannot take back what it got: when a resume is answered with the
/// whole object (`200`, same strong validator), the bytes already written are
/// skipped, and the output is the object exactly once.
#[test]
fn a_writer_skips_what_it_already_has_when_the_host_resends_everything() {
    let (host, bytes) = host_with("w.bin", 300_000, 18);
    let link = host.link(Vendor::Kie, "i", "w.bin", HOUR);
    host.push_fault(FileFault::DisconnectAfter(100_000));
    host.push_fault(FileFault::IgnoreRange);
    let mut out = Vec::new();
    let fetched = fetcher().write_to(&link, &mut out).unwrap();
    assert_eq!(fetched.bytes, 300_000);
    assert!(out == bytes, "{} bytes written", out.len());
    assert_eq!(host.request_count(), 2);
    assert_eq!(host.requests()[1].header("range"), Some("bytes=100000-"));
}

/// A body longer than the length the host stated earlier for the same object
/// (same strong ETag, the longer reply stating none) is not that object:
/// nothing is published (the transfer stops once it runs past the length).
#[test]
fn a_body_longer_than_a_length_stated_earlier_is_not_published() {
    let (host, _) = host_with("l.bin", 300_000, 19);
    let link = host.link(Vendor::Kie, "i", "l.bin", HOUR);
    let dir = TempDir::new("longer");
    host.push_fault(FileFault::DisconnectAfter(100_000));
    host.push_fault(FileFault::CloseDelimited(400_000));
    let err = fetcher().save_as(&link, dir.join("l.bin")).unwrap_err();
    assert!(
        matches!(
            kind(&err),
            FileHostKind::LengthMismatch {
                expected: 300_000,
                actual: 300_001..=400_000
            }
        ),
        "{err:?}"
    );
    assert!(!dir.join("l.bin").exists());
}

/// A complete part kept from an earlier run (its publish failed: the target
/// appeared meanwhile) is still held to the bounds of the run that finds it:
/// the host answers the resume with `416` (nothing left to send), and a file
/// larger than `max_size` is refused and removed, not published.
#[test]
fn a_complete_part_from_an_earlier_run_is_held_to_max_size() {
    let (host, _) = host_with("c.bin", 300_000, 20);
    let link = host.link(Vendor::Kie, "i", "c.bin", HOUR);
    let dir = TempDir::new("complete-part");
    let target = dir.join("c.bin");
    let appears = target.clone();
    let err = fetcher()
        .progress(move |p| {
            if p.done == 300_000 {
                fs::write(&appears, VICTIM).unwrap();
            }
        })
        .save_as(&link, &target)
        .unwrap_err();
    assert_eq!(kind(&err), FileHostKind::Exists, "{err:?}");
    assert_eq!(temporaries(&dir.0).len(), 2, "{:?}", temporaries(&dir.0));
    fs::remove_file(&target).unwrap();
    let err = fetcher()
        .max_size(1000)
        .save_as(&link, &target)
        .unwrap_err();
    assert_eq!(
        kind(&err),
        FileHostKind::TooLarge { limit: 1000 },
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(!target.exists());
    assert!(temporaries(&dir.0).is_empty(), "{:?}", temporaries(&dir.0));
}

/// `FileHostError::bytes_kept` is "bytes kept in `partial` (or already written
/// to a writer)": a writer told how a transfer failed is told how much of it
/// it already holds — after a transfer broken off for good, and after a check
/// that fails at the end.
#[test]
fn a_writer_is_told_how_many_bytes_it_already_got() {
    let (host, bytes) = host_with("k.bin", 300_000, 21);
    let link = host.link(Vendor::Kie, "i", "k.bin", HOUR);
    host.push_fault(FileFault::DisconnectAfter(100_000));
    let mut out = Vec::new();
    let err = Fetcher::new()
        .max_retries(0, Duration::ZERO)
        .write_to(&link, &mut out)
        .unwrap_err();
    assert_eq!(out.len(), 100_000);
    let Error::FileHost(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((e.bytes_kept, &e.partial), (100_000, &None), "{err:?}");
    let mut out = Vec::new();
    let err = fetcher()
        .sha256(Vendor::Kie, &"00".repeat(32))
        .unwrap()
        .write_to(&link, &mut out)
        .unwrap_err();
    assert!(out == bytes);
    let Error::FileHost(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.bytes_kept, 300_000, "{err:?}");
}

/// Bytes that no later run can resume — the host gave no validator a resume
/// could send (here: only a weak ETag) — are not kept: a failed run leaves no
/// part file behind, and the error names none for a resume.
#[test]
fn bytes_no_run_can_resume_are_not_kept() {
    let (host, bytes) = host_with("u.bin", 300_000, 22);
    host.set_weak_etag("u.bin");
    let link = host.link(Vendor::Kie, "i", "u.bin", HOUR);
    let dir = TempDir::new("unresumable");
    let target = dir.join("u.bin");
    host.push_fault(FileFault::DisconnectAfter(100_000));
    let err = Fetcher::new()
        .max_retries(0, Duration::ZERO)
        .save_as(&link, &target)
        .unwrap_err();
    let Error::FileHost(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((&e.partial, e.bytes_kept), (&None, 0), "{err:?}");
    assert!(temporaries(&dir.0).is_empty(), "{:?}", temporaries(&dir.0));
    // The next run starts from the beginning either way.
    let fetched = fetcher().save_as(&link, &target).unwrap();
    assert_eq!((fetched.resumed_from, fetched.bytes), (0, 300_000));
    assert_eq!(fs::read(&target).unwrap(), bytes);
}

/// `save_as` fetches "to exactly `path`", however often one fetcher is used:
/// the ` (2)` numbering is for names `save_in` learns, not for a path given
/// whole (here: the same name in two folders, then the same path again with
/// overwrite).
#[test]
fn save_as_writes_exactly_the_path_given_every_time() {
    let (host, bytes) = host_with("x.bin", 1000, 23);
    let link = host.link(Vendor::Kie, "i", "x.bin", HOUR);
    let (a, b) = (TempDir::new("exact-a"), TempDir::new("exact-b"));
    let mut f = fetcher().overwrite(true);
    for target in [a.join("x.bin"), b.join("x.bin"), b.join("x.bin")] {
        let fetched = f.save_as(&link, &target).unwrap();
        assert_eq!(fetched.path.as_deref(), Some(target.as_path()));
        assert_eq!(fs::read(&target).unwrap(), bytes);
    }
    let names = |dir: &TempDir| fs::read_dir(&dir.0).unwrap().count();
    assert_eq!((names(&a), names(&b)), (1, 1));
    // A name given whole is a name used: a link of that name saved in the
    // folder gets ` (2)`, it does not overwrite the file.
    let mut named = link.clone();
    named.file_name = Some("x.bin".into());
    let fetched = f.save_in(&named, &b.0).unwrap();
    assert_eq!(fetched.path.unwrap(), b.join("x (2).bin"));
}

/// A target whose name is not UTF-8 (a legal name on Unix) is never written
/// under another name: `save_as` either writes exactly that path or refuses
/// before any request — here it used to publish `caf\u{FFFD}.bin` instead,
/// after checking (and with overwrite replacing) that other file.
#[test]
fn a_target_name_that_is_not_utf8_is_never_replaced_by_another_name() {
    use std::os::unix::ffi::OsStrExt;
    let (host, bytes) = host_with("n.bin", 1000, 24);
    let link = host.link(Vendor::Kie, "i", "n.bin", HOUR);
    let dir = TempDir::new("non-utf8");
    let target = dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9.bin"));
    let other = dir.join("caf\u{FFFD}.bin");
    fs::write(&other, VICTIM).unwrap();
    match fetcher().overwrite(true).save_as(&link, &target) {
        Ok(fetched) => {
            assert_eq!(fetched.path.as_deref(), Some(target.as_path()));
            assert_eq!(fs::read(&target).unwrap(), bytes);
        }
        Err(err) => {
            assert!(!err.is_retryable(), "{err:?}");
            assert_eq!(host.request_count(), 0, "{err:?}");
        }
    }
    assert_eq!(
        fs::read(&other).unwrap(),
        VICTIM,
        "another file was replaced"
    );
    assert!(temporaries(&dir.0).is_empty(), "{:?}", temporaries(&dir.0));
}

/// `save_in`: "A name this fetcher already used gets ` (2)`… so two links with
/// one name do not overwrite each other". The same link tried again with the
/// same fetcher after a retryable failure is not another link: it keeps its
/// name — not ` (2)` beside a first name that holds nothing — and resumes what
/// the failed try kept. Another link of that name is still numbered.
#[test]
fn a_retry_with_the_same_fetcher_keeps_the_name() {
    let (host, bytes) = host_with("r.bin", 300_000, 25);
    let dir = TempDir::new("retry-name");
    let mut named = host.link(Vendor::Kie, "named", "r.bin", HOUR);
    named.file_name = Some("given.bin".into());
    let learnt = host.link(Vendor::Kie, "learnt", "r.bin", HOUR);
    let mut f = Fetcher::new().max_retries(0, Duration::ZERO);
    for (link, name) in [(&named, "given.bin"), (&learnt, "r.bin")] {
        host.push_fault(FileFault::DisconnectAfter(100_000));
        let err = f.save_in(link, &dir.0).unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
        let fetched = f.save_in(link, &dir.0).unwrap();
        assert_eq!(fetched.path.unwrap(), dir.join(name));
        assert_eq!(fetched.resumed_from, 100_000);
        assert_eq!(fs::read(dir.join(name)).unwrap(), bytes);
    }
    // Used now: the same name again is numbered.
    let mut again = host.link(Vendor::Kie, "again", "r.bin", HOUR);
    again.file_name = Some("given.bin".into());
    let fetched = f.save_in(&again, &dir.0).unwrap();
    assert_eq!(fetched.path.unwrap(), dir.join("given (2).bin"));
}

/// A FIFO (which would block an open), a folder, or a lock file of another
/// user at the part, meta or lock name is left alone, never opened: the run
/// uses the next set of names and fetches the file.
#[test]
fn a_fifo_folder_or_foreign_lock_at_a_temporary_name_is_left_alone() {
    let (host, bytes) = host_with("t.bin", 300_000, 26);
    let link = host.link(Vendor::Kie, "i", "t.bin", HOUR);
    for name in [
        ".t.bin.dlurl-part",
        ".t.bin.dlurl-meta",
        ".t.bin.dlurl-lock",
    ] {
        for what in ["fifo", "folder", "foreign"] {
            let dir = TempDir::new("planted");
            let planted = dir.join(name);
            match what {
                "fifo" => {
                    let c = std::ffi::CString::new(planted.to_str().unwrap()).unwrap();
                    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0);
                }
                "folder" => fs::create_dir(&planted).unwrap(),
                _ if is_root() => {
                    fs::write(&planted, VICTIM).unwrap();
                    std::os::unix::fs::chown(&planted, Some(65534), Some(65534)).unwrap();
                }
                _ => continue,
            }
            let seen = fs::symlink_metadata(&planted).unwrap();
            let fetched = fetcher().save_as(&link, dir.join("t.bin")).unwrap();
            assert_eq!(fetched.bytes, 300_000, "{what} at {name}");
            assert_eq!(
                fs::read(dir.join("t.bin")).unwrap(),
                bytes,
                "{what} at {name}"
            );
            let now = fs::symlink_metadata(&planted).unwrap();
            assert_eq!(
                (now.ino(), now.file_type(), now.uid()),
                (seen.ino(), seen.file_type(), seen.uid()),
                "{what} at {name}"
            );
            assert_eq!(temporaries(&dir.0), [name], "{what} at {name}");
        }
    }
}

/// Kept bytes that are not the object's (the part was changed on disk, same
/// file, same meta) fail the SHA-256 after the resume: nothing is published,
/// the part and its meta go, and the next run starts over and succeeds.
#[test]
fn a_checksum_failing_after_a_resume_discards_the_part() {
    let (host, bytes) = host_with("s.bin", 300_000, 27);
    let link = host.link(Vendor::Kie, "i", "s.bin", HOUR);
    let dir = TempDir::new("sha-resume");
    let target = dir.join("s.bin");
    interrupted(&host, &link, Target::As(&target), 100_000);
    let part = dir.join(".s.bin.dlurl-part");
    let mut kept = fs::read(&part).unwrap();
    kept[10] ^= 0xff;
    fs::OpenOptions::new()
        .write(true)
        .open(&part)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &kept))
        .unwrap();
    let digest: String = ring::digest::digest(&ring::digest::SHA256, &bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let pinned = || fetcher().sha256(Vendor::Kie, &digest).unwrap();
    let err = pinned().save_as(&link, &target).unwrap_err();
    assert!(
        matches!(kind(&err), FileHostKind::Checksum { .. }),
        "{err:?}"
    );
    assert!(!target.exists());
    assert!(temporaries(&dir.0).is_empty(), "{:?}", temporaries(&dir.0));
    let fetched = pinned().save_as(&link, &target).unwrap();
    assert_eq!(fetched.resumed_from, 0);
    assert_eq!(fs::read(&target).unwrap(), bytes);
}

/// "Every file the crate creates is … mode 0600": the part, meta and lock
/// are private while the transfer runs (other users of the folder cannot read
/// a partial download); the published file gets what a new file gets under
/// the umask.
#[test]
fn temporary_files_are_private_and_the_published_file_gets_the_umask() {
    let (host, _) = host_with("m.bin", 600_000, 29);
    let link = host.link(Vendor::Kie, "i", "m.bin", HOUR);
    let dir = TempDir::new("modes");
    let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let mut seen = Vec::new();
    fetcher()
        .progress(|p| {
            if p.done < 600_000 && seen.is_empty() {
                for name in temporaries(&dir.0) {
                    seen.push((mode(&dir.join(&name)), name));
                }
            }
        })
        .save_as(&link, dir.join("m.bin"))
        .unwrap();
    let names: Vec<&str> = seen.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            ".m.bin.dlurl-lock",
            ".m.bin.dlurl-meta",
            ".m.bin.dlurl-part"
        ]
    );
    assert!(seen.iter().all(|(m, _)| *m == 0o600), "{seen:?}");
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let umask = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .map_or(0o022, |v| u32::from_str_radix(v.trim(), 8).unwrap());
    assert_eq!(mode(&dir.join("m.bin")), 0o666 & !umask);
}

/// A host answering on loopback with `replies` in order, one per connection
/// (each read up to the end of the request head, then answered and closed);
/// the heads it read. It stops waiting for a connection after 30 s, so that
/// a client that asks less than expected fails the test instead of hanging it.
fn scripted(replies: Vec<Vec<u8>>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/f.bin", listener.local_addr().unwrap());
    let served = std::thread::spawn(move || {
        let mut heads = Vec::new();
        for reply in replies {
            let waited = std::time::Instant::now();
            let mut conn = loop {
                match listener.accept() {
                    Ok((conn, _)) => break conn,
                    Err(_) if waited.elapsed() < Duration::from_secs(30) => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => return heads,
                }
            };
            conn.set_nonblocking(false).unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && matches!(conn.read(&mut byte), Ok(1)) {
                head.push(byte[0]);
            }
            heads.push(String::from_utf8_lossy(&head).into_owned());
            let _ = conn.write_all(&reply);
        }
        heads
    });
    (url, served)
}

/// "Whenever a length is known — … a length stated earlier for the same strong
/// validator … — the published file matches it": a `416` to the resume that
/// says the object is exactly the bytes kept, when the same ETag came with a
/// larger length, is a lie; the kept bytes are not published as the file.
#[test]
fn a_416_contradicting_the_length_stated_earlier_publishes_nothing() {
    let head = "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 3000\r\n\r\n";
    let mut first = head.as_bytes().to_vec();
    first.extend(vec![b'a'; 2000]);
    let lie = "HTTP/1.1 416 Range Not Satisfiable\r\nETag: \"e1\"\r\n\
               Content-Range: bytes */2000\r\nContent-Length: 0\r\n\r\n";
    let (url, served) = scripted(vec![first, lie.as_bytes().to_vec()]);
    let link = DownloadLink::new(Vendor::Kie, "i", url, None, Expiry::Unknown);
    let dir = TempDir::new("lying-416");
    let result = Fetcher::new()
        .max_retries(1, Duration::from_millis(1))
        .save_as(&link, dir.join("f.bin"));
    let heads = served.join().unwrap();
    assert!(heads[1].contains("bytes=2000-"), "{heads:?}");
    assert!(result.is_err(), "{result:?}");
    assert!(!dir.join("f.bin").exists());
    // A true 416: the part kept from a run whose publishing failed (the target
    // appeared meanwhile) is the whole object, and is published.
    let mut whole = head.as_bytes().to_vec();
    whole.extend(vec![b'a'; 3000]);
    let truth = lie.replace("*/2000", "*/3000");
    let (url, served) = scripted(vec![whole, truth.into_bytes()]);
    let link = DownloadLink::new(Vendor::Kie, "i", url, None, Expiry::Unknown);
    let target = dir.join("f.bin");
    let appears = target.clone();
    let err = Fetcher::new()
        .progress(move |p| {
            if p.done == 3000 {
                fs::write(&appears, VICTIM).unwrap();
            }
        })
        .save_as(&link, &target)
        .unwrap_err();
    assert_eq!(kind(&err), FileHostKind::Exists, "{err:?}");
    fs::remove_file(&target).unwrap();
    let fetched = Fetcher::new().save_as(&link, &target).unwrap();
    assert_eq!((fetched.resumed_from, fetched.bytes), (3000, 3000));
    assert_eq!(fs::read(&target).unwrap(), vec![b'a'; 3000]);
    assert!(served.join().unwrap()[1].contains("bytes=3000-"));
}

/// A writer cannot take back what it got, so it skips the prefix of a whole
/// object resent with the same validator — but only of the same object: a
/// resend stating another length than the one stated for that validator is
/// not it, and nothing of it is spliced after the bytes already written.
#[test]
fn a_writer_never_splices_a_resend_of_another_length() {
    let mut first = b"HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 3000\r\n\r\n".to_vec();
    first.extend(vec![b'a'; 2000]);
    let mut resend = b"HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 2500\r\n\r\n".to_vec();
    resend.extend(vec![b'b'; 2500]);
    let (url, served) = scripted(vec![first, resend]);
    let link = DownloadLink::new(Vendor::Kie, "i", url, None, Expiry::Unknown);
    let mut out = Vec::new();
    let result = Fetcher::new()
        .max_retries(1, Duration::from_millis(1))
        .write_to(&link, &mut out);
    let heads = served.join().unwrap();
    assert!(heads[1].contains("bytes=2000-"), "{heads:?}");
    assert!(result.is_err(), "{result:?}");
    assert!(
        out.iter().all(|b| *b == b'a'),
        "{} bytes written",
        out.len()
    );
}

/// "`If-Range` never carries a date when the host sent an ETag of any kind":
/// an ETag that is not visible ASCII (a byte of Latin-1 in it) is an ETag
/// too, unusable, so the transfer starts over rather than resume on the date.
#[test]
fn an_etag_that_is_not_ascii_still_forbids_a_date() {
    let mut first = b"HTTP/1.1 200 OK\r\nETag: \"caf\xe9\"\r\n\
        Last-Modified: Wed, 01 Jan 2025 00:00:00 GMT\r\nContent-Length: 3000\r\n\r\n"
        .to_vec();
    first.extend(vec![b'a'; 2000]);
    let mut second = b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n".to_vec();
    second.extend(vec![b'a'; 3000]);
    let (url, served) = scripted(vec![first, second]);
    let link = DownloadLink::new(Vendor::Kie, "i", url, None, Expiry::Unknown);
    let dir = TempDir::new("etag-latin1");
    let fetched = fetcher().save_as(&link, dir.join("f.bin")).unwrap();
    let heads = served.join().unwrap();
    assert!(
        !heads[1].to_ascii_lowercase().contains("if-range"),
        "{heads:?}"
    );
    assert_eq!((fetched.bytes, fetched.restarts), (3000, 1));
}

/// A host that never stops: once a length is known for the object (here the
/// 3000 bytes stated with ETag `e1` before the transfer broke), a resend of the
/// same object without a length is cut at that length, not written to disk for
/// as long as the host keeps sending and judged only at its end.
#[test]
fn a_resend_without_a_length_is_cut_at_the_length_known() {
    let mut first = b"HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 3000\r\n\r\n".to_vec();
    first.extend(vec![b'a'; 2000]);
    // Ignores the Range, states no length, and sends 8 MiB before it closes.
    let mut endless = b"HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nConnection: close\r\n\r\n".to_vec();
    endless.extend(vec![b'a'; 8 << 20]);
    let (url, served) = scripted(vec![first, endless]);
    let link = DownloadLink::new(Vendor::Kie, "i", url, None, Expiry::Unknown);
    let dir = TempDir::new("endless-resend");
    let most = std::cell::Cell::new(0);
    let result = Fetcher::new()
        .max_retries(1, Duration::from_millis(1))
        .progress(|p| most.set(most.get().max(p.done)))
        .save_as(&link, dir.join("f.bin"));
    let heads = served.join().unwrap();
    assert!(heads[1].contains("bytes=2000-"), "{heads:?}");
    match result {
        Err(Error::FileHost(e)) => {
            assert!(
                matches!(e.kind, FileHostKind::LengthMismatch { expected: 3000, .. }),
                "{e:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(most.get() <= 3000, "{} bytes written", most.get());
    assert!(!dir.join("f.bin").exists());
    assert_eq!(temporaries(&dir), Vec::<String>::new());
}

/// A presigned URL's signature is its secret: S3 echoes it back in a
/// `SignatureDoesNotMatch` body (`<SignatureProvided>`), which a fetch error
/// keeps as its excerpt; the excerpt shows it redacted.
#[test]
fn a_signature_the_host_echoes_stays_out_of_the_error() {
    let signature = "f00dfacefeedbeef0123456789abcdef";
    let body = format!(
        "<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>{signature}\
         </SignatureProvided><StringToSign>AWS4-HMAC-SHA256</StringToSign></Error>"
    );
    let reply = format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (url, served) = scripted(vec![reply.into_bytes()]);
    let url = format!("{url}?X-Amz-Expires=60&X-Amz-Signature={signature}");
    let link = DownloadLink::new(Vendor::Kie, "i", url, None, Expiry::Unknown);
    let dir = TempDir::new("echoed-signature");
    let err = fetcher().save_as(&link, dir.join("f.bin")).unwrap_err();
    drop(served);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("SignatureDoesNotMatch"), "{shown}");
    assert!(!shown.contains(signature), "{shown}");

    // A base64 signature (OSS, v2 S3), percent-encoded in the URL, echoed as
    // it is decoded and as it was sent.
    let body = "<Error><SignatureProvided>a1b2c3d4+e5f6/g7h8=</SignatureProvided>                <Sent>a1b2c3d4%2Be5f6%2Fg7h8%3D</Sent></Error>";
    let reply = format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (url, served) = scripted(vec![reply.into_bytes()]);
    let url = format!("{url}?Expires=1700000000&Signature=a1b2c3d4%2Be5f6%2Fg7h8%3D");
    let link = DownloadLink::new(Vendor::Kie, "i", url, None, Expiry::Unknown);
    let err = fetcher().save_as(&link, dir.join("g.bin")).unwrap_err();
    drop(served);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("<Sent>"), "{shown}");
    assert!(!shown.contains("e5f6"), "{shown}");
}

/// "Never touches a file it did not create": the meta file is written under a
/// random temporary name first; when every such name is taken (by another
/// user's files in a shared folder), the meta is not saved, and none of those
/// files is removed.
#[test]
fn files_at_every_temporary_meta_name_are_left_alone() {
    let (host, _) = host_with("m.bin", 300_000, 23);
    let link = host.link(Vendor::Kie, "i", "m.bin", HOUR);
    let dir = TempDir::new("meta-names");
    for n in 0..=0xffffu32 {
        fs::write(dir.join(format!(".m.bin.dlurl-m{n:04x}")), b"theirs").unwrap();
    }
    host.push_fault(FileFault::DisconnectAfter(100_000));
    let result = Fetcher::new()
        .max_retries(0, Duration::from_millis(1))
        .save_as(&link, dir.join("m.bin"));
    assert!(result.is_err(), "{result:?}");
    for n in 0..=0xffffu32 {
        let planted = dir.join(format!(".m.bin.dlurl-m{n:04x}"));
        assert_eq!(
            fs::read(&planted).ok().as_deref(),
            Some(&b"theirs"[..]),
            "{}",
            planted.display()
        );
    }
}
