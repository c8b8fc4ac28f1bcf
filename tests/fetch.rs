//! `download_url::fetch` against the fake file host on 127.0.0.1.

mod common;

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::{temporaries, TempDir};
use download_url::fake::files::{FakeContent, FakeFileHost, FileFault};
use download_url::fetch::{self, Fetcher, Progress};
use download_url::{DownloadLink, Error, FileHostKind, Vendor};

const HOUR: Duration = Duration::from_secs(3600);

fn content(len: u64, seed: u8) -> FakeContent {
    FakeContent::Generated { len, seed }
}

fn host_with(name: &str, len: u64) -> (FakeFileHost, Vec<u8>) {
    let host = FakeFileHost::start().unwrap();
    let c = content(len, 7);
    let bytes = c.bytes(0, len);
    host.add(name, c);
    (host, bytes)
}

/// A fetcher that retries at once (tests need no backoff).
fn fetcher<'a>() -> Fetcher<'a> {
    Fetcher::new().max_retries(5, Duration::from_millis(1))
}

fn file_host(err: &Error) -> &download_url::FileHostError {
    match err {
        Error::FileHost(e) => e,
        other => panic!("not a file host error: {other:?}"),
    }
}

#[test]
fn fetches_atomically_with_progress() {
    let (host, bytes) = host_with("a.bin", 3_000_000);
    let dir = TempDir::new("atomic");
    let target = dir.join("a.bin");
    let link = host.link(Vendor::Kie, "item", "a.bin", HOUR);
    let mut seen: Vec<Progress> = Vec::new();
    let mut final_seen_early = false;
    let fetched = fetcher()
        .progress(|p| {
            final_seen_early |= target.exists();
            seen.push(p);
        })
        .save_as(&link, &target)
        .unwrap();
    assert!(!final_seen_early, "the final name appeared before the end");
    assert_eq!(fs::read(&target).unwrap(), bytes);
    assert_eq!(fetched.bytes, bytes.len() as u64);
    assert_eq!(fetched.requests, 1);
    assert_eq!(fetched.path.as_deref(), Some(target.as_path()));
    let last = seen.last().unwrap();
    assert_eq!((last.done, last.total), (3_000_000, Some(3_000_000)));
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
    let request = &host.requests()[0];
    assert_eq!(request.header("accept-encoding"), Some("identity"));
    assert_eq!(request.header("range"), None);
    // No overwrite by default.
    let err = fetcher().save_as(&link, &target).unwrap_err();
    assert_eq!(file_host(&err).kind, FileHostKind::Exists);
    assert_eq!(
        host.request_count(),
        1,
        "an existing target costs no request"
    );
}

#[test]
fn disconnect_mid_body_resumes_with_one_range_request() {
    let (host, bytes) = host_with("b.bin", 1_000_000);
    let dir = TempDir::new("resume");
    host.push_fault(FileFault::DisconnectAfter(400_000));
    let link = host.link(Vendor::Datalab, "42", "b.bin", HOUR);
    let fetched = fetcher().save_as(&link, dir.join("b.bin")).unwrap();
    assert_eq!(fs::read(dir.join("b.bin")).unwrap(), bytes);
    let requests = host.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("range"), Some("bytes=400000-"));
    assert!(requests[1].header("if-range").unwrap().starts_with('"'));
    assert_eq!((fetched.ranges, fetched.restarts), (1, 0));
}

#[test]
fn killed_run_resumes_from_the_temporary_file() {
    let (host, bytes) = host_with("c.bin", 800_000);
    let dir = TempDir::new("killed");
    let target = dir.join("c.bin");
    let link = host.link(Vendor::Kie, "item-c", "c.bin", HOUR);
    // The first run gives up at the disconnect (as if killed): the temporary
    // file and its validator stay, the final name does not exist.
    host.push_fault(FileFault::DisconnectAfter(300_000));
    let err = Fetcher::new()
        .max_retries(0, Duration::ZERO)
        .save_as(&link, &target)
        .unwrap_err();
    let e = file_host(&err);
    assert_eq!(e.kind, FileHostKind::Io);
    assert_eq!(e.bytes_kept, 300_000);
    assert_eq!(
        e.partial.as_deref(),
        Some(dir.join(".c.bin.dlurl-part").as_path())
    );
    assert!(!target.exists());
    assert_eq!(
        temporaries(&dir),
        [".c.bin.dlurl-meta", ".c.bin.dlurl-part"]
    );
    // A fresh run (a new Fetcher, as a new process would make) continues.
    let fetched = Fetcher::new().save_as(&link, &target).unwrap();
    assert_eq!(fs::read(&target).unwrap(), bytes);
    assert_eq!(fetched.resumed_from, 300_000);
    assert_eq!((fetched.requests, fetched.ranges), (1, 1));
    let requests = host.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("range"), Some("bytes=300000-"));
    assert!(temporaries(&dir).is_empty());
}

#[test]
fn link_expiring_mid_download_is_refreshed_once() {
    let (host, bytes) = host_with("d.bin", 500_000);
    let dir = TempDir::new("refresh");
    let link = host.link(Vendor::Cloudreve, "cloudreve://my/d.bin", "d.bin", HOUR);
    host.push_fault(FileFault::DisconnectAfter(200_000));
    host.push_fault(FileFault::Expired);
    let calls = AtomicU32::new(0);
    let fetched = fetcher()
        .refresher(fetch::refresher(|item: &str| {
            calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(item, "cloudreve://my/d.bin");
            Ok(host.link(Vendor::Cloudreve, item, "d.bin", HOUR))
        }))
        .save_as(&link, dir.join("d.bin"))
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(fetched.refreshes, 1);
    assert_ne!(fetched.link.url, link.url);
    assert_eq!(fs::read(dir.join("d.bin")).unwrap(), bytes);
    let requests = host.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[2].header("range"), Some("bytes=200000-"));
    assert_ne!(
        requests[2].query, requests[0].query,
        "the new link was used"
    );
}

#[test]
fn expired_link_without_refresher_is_denied_and_refreshes_are_bounded() {
    let (host, _) = host_with("e.bin", 1000);
    let dir = TempDir::new("denied");
    let link = host.link(Vendor::Kie, "i", "e.bin", Duration::ZERO);
    let err = fetcher().save_as(&link, dir.join("e.bin")).unwrap_err();
    let e = file_host(&err);
    assert_eq!(e.kind, FileHostKind::Denied);
    assert_eq!(e.http_status, Some(403));
    assert!(e
        .body_excerpt
        .as_deref()
        .unwrap()
        .contains("Request has expired"));
    let shown = err.to_string();
    assert!(!shown.contains("X-Amz-Signature"), "{shown}");
    assert!(
        shown.starts_with("kie.ai: file host: link refused"),
        "{shown}"
    );

    // A refresher that keeps handing out expired links: bounded.
    let mut calls = 0;
    let err = fetcher()
        .max_refreshes(2)
        .refresher(|old: &DownloadLink| {
            calls += 1;
            Ok(host.link(old.vendor, &old.item, "e.bin", Duration::ZERO))
        })
        .save_as(&link, dir.join("e.bin"))
        .unwrap_err();
    assert_eq!(file_host(&err).kind, FileHostKind::TooManyRefreshes);
    assert_eq!(calls, 2);
    // A refresher's own error comes back as it is.
    let err = fetcher()
        .refresher(|_: &DownloadLink| {
            Err(download_url::fetch::fetch(&link, dir.join("never")).unwrap_err())
        })
        .save_as(&link, dir.join("e.bin"))
        .unwrap_err();
    assert!(matches!(err, Error::FileHost(_)));
}

#[test]
fn checksum_and_size_mismatch_remove_the_temporary_file() {
    let (host, bytes) = host_with("f.bin", 10_000);
    let dir = TempDir::new("checksum");
    let link = host.link(Vendor::Kie, "i", "f.bin", HOUR);
    let err = fetcher()
        .sha256(Vendor::Kie, &"00".repeat(32))
        .unwrap()
        .save_as(&link, dir.join("f.bin"))
        .unwrap_err();
    match &file_host(&err).kind {
        FileHostKind::Checksum { expected, actual } => {
            assert_eq!(expected, &"00".repeat(32));
            assert_eq!(actual.len(), 64);
        }
        other => panic!("{other:?}"),
    }
    assert!(!dir.join("f.bin").exists());
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));

    // A stated length above the expected size is refused before a byte is
    // written; one below it is a mismatch.
    let err = fetcher()
        .expected_size(9_999)
        .save_as(&link, dir.join("f.bin"))
        .unwrap_err();
    assert_eq!(
        file_host(&err).kind,
        FileHostKind::TooLarge { limit: 9_999 }
    );
    assert!(temporaries(&dir).is_empty());
    let err = fetcher()
        .expected_size(10_001)
        .save_as(&link, dir.join("f.bin"))
        .unwrap_err();
    assert_eq!(
        file_host(&err).kind,
        FileHostKind::LengthMismatch {
            expected: 10_001,
            actual: 10_000
        }
    );
    assert!(temporaries(&dir).is_empty());

    // The right digest passes, also across a resume.
    let digest = sha256_hex(&bytes);
    let plain = fetcher().save_as(&link, dir.join("plain.bin")).unwrap();
    assert_eq!(plain.sha256, None, "no digest unless asked for");
    host.push_fault(FileFault::DisconnectAfter(5_000));
    let fetched = fetcher()
        .sha256(Vendor::Kie, &digest)
        .unwrap()
        .save_as(&link, dir.join("g.bin"))
        .unwrap();
    assert_eq!(fetched.sha256.as_deref(), Some(digest.as_str()));
    assert_eq!(fetched.ranges, 1);
    // And across runs: the kept bytes are hashed from the temporary file.
    host.push_fault(FileFault::DisconnectAfter(3_000));
    Fetcher::new()
        .max_retries(0, Duration::ZERO)
        .save_as(&link, dir.join("h.bin"))
        .unwrap_err();
    let fetched = fetcher()
        .sha256(Vendor::Kie, &digest.to_uppercase())
        .unwrap()
        .save_as(&link, dir.join("h.bin"))
        .unwrap();
    assert_eq!(
        (fetched.resumed_from, fetched.sha256),
        (3_000, Some(digest.clone()))
    );

    assert!(matches!(
        Fetcher::new().sha256(Vendor::Kie, "xyz"),
        Err(Error::InvalidInput(_))
    ));
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_200_to_a_range_starts_over_cleanly() {
    let (host, bytes) = host_with("h.bin", 600_000);
    let dir = TempDir::new("ignore-range");
    host.push_fault(FileFault::DisconnectAfter(250_000));
    host.push_fault(FileFault::IgnoreRange);
    let link = host.link(Vendor::Kie, "i", "h.bin", HOUR);
    let fetched = fetcher().save_as(&link, dir.join("h.bin")).unwrap();
    assert_eq!(fs::read(dir.join("h.bin")).unwrap(), bytes);
    assert_eq!((fetched.restarts, fetched.ranges), (1, 0));
    assert_eq!(host.requests()[1].header("range"), Some("bytes=250000-"));
}

#[test]
fn a_changed_object_starts_over() {
    let (host, _) = host_with("i.bin", 400_000);
    let dir = TempDir::new("changed");
    let link = host.link(Vendor::Kie, "i", "i.bin", HOUR);
    host.push_fault(FileFault::DisconnectAfter(100_000));
    Fetcher::new()
        .max_retries(0, Duration::ZERO)
        .save_as(&link, dir.join("i.bin"))
        .unwrap_err();
    host.add("i.bin", content(300_000, 9)); // a new version: a new ETag
    let fetched = fetcher().save_as(&link, dir.join("i.bin")).unwrap();
    assert_eq!(
        fs::read(dir.join("i.bin")).unwrap(),
        content(300_000, 9).bytes(0, 300_000)
    );
    assert_eq!(fetched.restarts, 1);
}

#[test]
fn a_stall_resumes_and_then_gives_up() {
    let (host, bytes) = host_with("s.bin", 200_000);
    let dir = TempDir::new("stall");
    let link = host.link(Vendor::Kie, "i", "s.bin", HOUR);
    host.push_fault(FileFault::StallAfter(50_000, Duration::from_secs(3)));
    let started = std::time::Instant::now();
    let fetched = fetcher()
        .stall_timeout(Duration::from_millis(300))
        .save_as(&link, dir.join("s.bin"))
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fs::read(dir.join("s.bin")).unwrap(), bytes);
    assert_eq!(fetched.ranges, 1);

    host.push_fault(FileFault::StallAfter(50_000, Duration::from_secs(2)));
    let err = Fetcher::new()
        .max_retries(0, Duration::ZERO)
        .stall_timeout(Duration::from_millis(300))
        .save_as(&link, dir.join("s2.bin"))
        .unwrap_err();
    assert_eq!(file_host(&err).kind, FileHostKind::Stalled);
    assert_eq!(file_host(&err).bytes_kept, 50_000);
}

#[test]
fn names_are_sanitised_unique_and_never_overwritten() {
    let host = FakeFileHost::start().unwrap();
    host.add_bytes("x.txt", b"one".to_vec());
    host.add_bytes("y.txt", b"two".to_vec());
    host.add_bytes("z", b"three".to_vec());
    host.set_disposition("z", "attachment; filename=\"../../disp\t.txt\"");
    let dir = TempDir::new("names");
    let mut link = host.link(Vendor::Kie, "a", "x.txt", HOUR);
    link.file_name = Some("../../evil.txt".into());
    let mut same = host.link(Vendor::Kie, "b", "y.txt", HOUR);
    same.file_name = Some("evil.txt".into());
    let from_url = host.link(Vendor::Kie, "c", "y.txt", HOUR);
    let from_disposition = host.link(Vendor::Kie, "d", "z", HOUR);
    let mut fetcher = fetcher();
    let paths: Vec<PathBuf> = [&link, &same, &from_url, &from_disposition]
        .iter()
        .map(|l| fetcher.save_in(l, &dir).unwrap().path.unwrap())
        .collect();
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["evil.txt", "evil (2).txt", "y.txt", "disp_.txt"]);
    for p in &paths {
        assert_eq!(p.parent().unwrap(), &*dir);
    }
    assert_eq!(fs::read(dir.join("evil (2).txt")).unwrap(), b"two");
    assert!(temporaries(&dir).is_empty());
    // A second run: existing files are not overwritten.
    let err = Fetcher::new().save_in(&link, &dir).unwrap_err();
    assert_eq!(file_host(&err).kind, FileHostKind::Exists);
    let fetched = Fetcher::new().overwrite(true).save_in(&link, &dir).unwrap();
    assert_eq!(fetched.path.unwrap(), dir.join("evil.txt"));
}

#[test]
fn no_vendor_credential_reaches_the_file_host() {
    use download_url::fake::{FakeServer, KIE_API_KEY};
    use download_url::kie;
    let (files, bytes) = host_with("k.bin", 70_000);
    let api = FakeServer::start().unwrap();
    let first = files.signed_url("k.bin", HOUR);
    api.configure(|s| s.kie.link = files.signed_url("k.bin", HOUR));
    let mut config = kie::Config::new(KIE_API_KEY);
    config.base_url = api.base_url();
    let agent = download_url::agent();
    let item = "https://tempfile.example/k.bin";
    let mut link = kie::download_link(&agent, &config, item).unwrap();
    link.url = first.into();
    files.push_fault(FileFault::Expired);
    files.push_fault(FileFault::Redirect(format!(
        "/files/k.bin?{}",
        files.signed_url("k.bin", HOUR).split_once('?').unwrap().1
    )));
    let dir = TempDir::new("credential");
    let fetched = fetcher()
        .refresher(fetch::refresher(|item| {
            kie::download_link(&agent, &config, item)
        }))
        .save_as(&link, dir.join("k.bin"))
        .unwrap();
    assert_eq!(fetched.refreshes, 1);
    assert_eq!(fs::read(dir.join("k.bin")).unwrap(), bytes);
    let requests = files.requests();
    assert_eq!(requests.len(), 3, "denied, redirected, served");
    for request in requests {
        for (name, value) in &request.headers {
            assert!(
                matches!(
                    name.as_str(),
                    "host" | "user-agent" | "accept-encoding" | "accept" | "range" | "if-range"
                ),
                "unexpected header {name}"
            );
            assert!(!value.contains(KIE_API_KEY));
        }
    }
}

#[test]
fn gzip_despite_identity_is_decoded_and_not_resumed() {
    let (host, bytes) = host_with("gz.bin", 100_000);
    let dir = TempDir::new("gzip");
    host.push_fault(FileFault::Gzip);
    let link = host.link(Vendor::Kie, "i", "gz.bin", HOUR);
    let fetched = fetcher().save_as(&link, dir.join("gz.bin")).unwrap();
    assert_eq!(fs::read(dir.join("gz.bin")).unwrap(), bytes);
    assert_eq!(fetched.bytes, 100_000);
}

#[test]
fn errors_locks_and_writers() {
    let (host, bytes) = host_with("w.bin", 300_000);
    let dir = TempDir::new("misc");
    let link = host.link(Vendor::Kie, "i", "w.bin", HOUR);
    // To a writer, resuming within the call.
    host.push_fault(FileFault::DisconnectAfter(100_000));
    let mut out = Vec::new();
    let fetched = fetcher().write_to(&link, &mut out).unwrap();
    assert_eq!(out, bytes);
    assert_eq!(fetched.ranges, 1);
    // A status error keeps a redacted excerpt.
    let missing = DownloadLink::new(
        Vendor::Kie,
        "i",
        format!("{}/files/nope?X-Amz-Signature=SECRET", host.base_url()),
        None,
        download_url::Expiry::Unknown,
    );
    let err = fetcher().save_as(&missing, dir.join("nope")).unwrap_err();
    assert_eq!(file_host(&err).kind, FileHostKind::Status);
    assert_eq!(err.http_status(), Some(404));
    assert!(!format!("{err} {err:?}").contains("SECRET"));
    assert!(!err.is_retryable());
    // A lock file nobody holds (whatever it says) is taken: the lock is the
    // kernel's (tests/fetch_trust.rs tries two runs at once).
    fs::write(dir.join(".w.bin.dlurl-lock"), "4000000000\n").unwrap();
    fetcher().save_as(&link, dir.join("w.bin")).unwrap();
    assert_eq!(fs::read(dir.join("w.bin")).unwrap(), bytes);
    fs::remove_dir_all(&dir).unwrap();
}

fn peak_rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs the 2 GiB case in a process of its own (the test binary, asked for the
/// ignored `big_child` test), so that the peak RSS is this transfer's alone: the
/// file host generates the bytes as it sends them, the fetcher streams them to
/// disk, and neither holds the file.
#[test]
fn streams_2_gib_in_constant_memory() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "big_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.split("peak-rss-kib=").nth(1))
        .expect("the child reports its peak")
        .trim()
        .parse()
        .unwrap();
    eprintln!("2 GiB fetched with a peak RSS of {peak} KiB");
    if cfg!(target_os = "linux") {
        assert!(peak > 0 && peak < 64 * 1024, "peak RSS {peak} KiB");
    }
}

#[test]
#[ignore = "run by streams_2_gib_in_constant_memory in a process of its own"]
fn big_child() {
    const LEN: u64 = 2 << 30;
    let host = FakeFileHost::start().unwrap();
    host.add("big.bin", content(LEN, 3));
    let dir = TempDir::new("big");
    let link = host.link(Vendor::Kie, "i", "big.bin", HOUR);
    host.push_fault(FileFault::DisconnectAfter(100 << 20));
    let fetched = fetcher().save_as(&link, dir.join("big.bin")).unwrap();
    assert_eq!(fetched.bytes, LEN);
    assert_eq!(fetched.ranges, 1);
    assert_eq!(fs::metadata(dir.join("big.bin")).unwrap().len(), LEN);
    println!("peak-rss-kib={}", peak_rss_kib());
    // Spot-check bytes across the resume point.
    use std::io::{Read, Seek, SeekFrom};
    let mut f = fs::File::open(dir.join("big.bin")).unwrap();
    for at in [0u64, (100 << 20) - 3, LEN - 10] {
        let mut b = [0u8; 8];
        f.seek(SeekFrom::Start(at)).unwrap();
        let n = f.read(&mut b).unwrap();
        assert_eq!(&b[..n], &content(LEN, 3).bytes(at, at + n as u64)[..]);
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// `dlurl get`, run as a user would.
#[cfg(all(feature = "cli", feature = "blendvision"))]
mod cli {
    use super::*;
    use crate::common::dlurl;
    use download_url::fake::{FakeServer, BLENDVISION_API_TOKEN, BLENDVISION_ORG_ID, KIE_API_KEY};

    const ITEM: &str = "https://tempfile.example/report.bin";

    fn setup(len: u64) -> (FakeFileHost, FakeServer, Vec<u8>) {
        let (files, bytes) = host_with("report.bin", len);
        let api = FakeServer::start().unwrap();
        api.configure(|s| s.kie.link = files.signed_url("report.bin", HOUR));
        (files, api, bytes)
    }

    fn get(api: &FakeServer, args: &[&str]) -> crate::common::Run {
        let base = api.base_url();
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend(["--base-url", &base, "kie", ITEM]);
        dlurl(&all, &[("KIE_API_KEY", KIE_API_KEY)])
    }

    #[test]
    fn get_saves_skips_and_forces() {
        let (files, api, bytes) = setup(300_000);
        let dir = TempDir::new("cli-get");
        let d = dir.to_str().unwrap();
        let run = get(&api, &["-o", d]);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.stdout.trim(), dir.join("report.bin").to_str().unwrap());
        assert_eq!(fs::read(dir.join("report.bin")).unwrap(), bytes);
        assert!(!run.stderr.contains("X-Amz-Signature"), "{run:?}");
        // Again: skipped, not overwritten. (The kie link names no file, so one
        // request learns the name from the reply head; its body is not read.)
        let run = get(&api, &["-o", d]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stderr.contains("skipped"), "{run:?}");
        assert_eq!(files.request_count(), 2);
        assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
        let run = get(&api, &["--force", "-o", d]);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(files.request_count(), 3);
        assert_eq!(fs::read(dir.join("report.bin")).unwrap(), bytes);
        assert!(temporaries(&dir).is_empty());
    }

    #[test]
    fn get_refreshes_an_expired_link_through_the_vendor() {
        let (files, api, bytes) = setup(200_000);
        let dir = TempDir::new("cli-refresh");
        files.push_fault(FileFault::DisconnectAfter(50_000));
        files.push_fault(FileFault::Expired);
        let target = dir.join("out.bin");
        let run = get(&api, &["-o", target.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(fs::read(&target).unwrap(), bytes);
        let kie_calls = api
            .requests()
            .iter()
            .filter(|r| r.vendor == Some(Vendor::Kie))
            .count();
        assert_eq!(kie_calls, 2, "one call for the link, one to refresh it");
        assert_eq!(files.requests()[2].header("range"), Some("bytes=50000-"));
    }

    /// `dlurl get` with the raw bytes of stdout, and `stdout` closed at once
    /// when `close_stdout`.
    fn get_raw(api: &FakeServer, args: &[&str], close_stdout: bool) -> (i32, Vec<u8>, String) {
        use std::io::Read;
        use std::process::{Command, Stdio};
        let base = api.base_url();
        let mut child = Command::new(crate::common::dlurl_path())
            .arg("get")
            .args(args)
            .args(["--base-url", &base, "kie", ITEM])
            .env_clear()
            .env("KIE_API_KEY", KIE_API_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = Vec::new();
        let out = child.stdout.take().unwrap();
        if close_stdout {
            drop(out);
        } else {
            let mut out = out;
            out.read_to_end(&mut stdout).unwrap();
        }
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let code = child.wait().unwrap().code().unwrap_or(-1);
        (code, stdout, stderr)
    }

    /// The bytes on stdout are the file's, byte for byte (most of the 5,000
    /// generated bytes are not UTF-8).
    #[test]
    fn get_streams_to_stdout_byte_for_byte() {
        let (_files, api, bytes) = setup(5_000);
        assert!(std::str::from_utf8(&bytes).is_err());
        let (code, stdout, stderr) = get_raw(&api, &["-o", "-"], false);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout == bytes, "stdout differs from the file");
    }

    /// A closed stdout (`| head -0`) does not stop the files being saved, and
    /// the exit code is the files' (0), not an error.
    #[test]
    fn get_with_stdout_closed_still_saves() {
        let (_files, api, bytes) = setup(300_000);
        let dir = TempDir::new("cli-closed");
        let (code, _, stderr) = get_raw(&api, &["-o", dir.to_str().unwrap()], true);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(stderr, "");
        assert_eq!(fs::read(dir.join("report.bin")).unwrap(), bytes);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// `--size`, `--max-size` and `--sha256` as a user gives them.
    #[test]
    fn get_checks_size_and_digest() {
        let (files, api, bytes) = setup(300_000);
        let dir = TempDir::new("cli-bounds");
        let d = dir.to_str().unwrap();
        let run = get(&api, &["--max-size", "1000", "-o", d]);
        assert_eq!(run.code, 3, "{run:?}");
        assert!(run.stderr.contains("larger than 1000 bytes"), "{run:?}");
        assert!(!dir.join("report.bin").exists());
        let run = get(&api, &["--size", "299999", "-o", d]);
        assert_eq!(run.code, 3, "{run:?}");
        let run = get(&api, &["--sha256", &"00".repeat(32), "-o", d]);
        assert_eq!(run.code, 3, "{run:?}");
        assert!(run.stderr.contains("sha-256 mismatch"), "{run:?}");
        assert!(!dir.join("report.bin").exists());
        for bad in ["+a".repeat(32), "abc".into()] {
            let run = get(&api, &["--sha256", &bad, "-o", d]);
            assert_eq!(run.code, 2, "{run:?}");
        }
        let run = get(&api, &["--size", "x", "-o", d]);
        assert_eq!(run.code, 2, "{run:?}");
        let before = files.request_count();
        let run = get(
            &api,
            &[
                "--size",
                "300000",
                "--max-size",
                "300000",
                "--sha256",
                &sha256_hex(&bytes),
                "-o",
                d,
            ],
        );
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(fs::read(dir.join("report.bin")).unwrap(), bytes);
        assert_eq!(files.request_count(), before + 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A full disk: a tmpfs of 256 KiB in a private mount namespace (root
    /// only). The transfer stops at the first failed write, is not retried,
    /// publishes nothing, keeps what it wrote for a resume, and says why in one
    /// line with the OS's words.
    #[test]
    fn get_on_a_full_disk_is_one_clear_failure() {
        use std::process::Command;
        let unshare_works = Command::new("unshare")
            .args(["-m", "true"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !unshare_works {
            eprintln!("skipped: needs `unshare -m` (root) to mount a small tmpfs");
            return;
        }
        let (files, api, _) = setup(1 << 20);
        let dir = TempDir::new("cli-enospc");
        let script = r#"mount -t tmpfs -o size=256k tmpfs "$1" || exit 99
"$2" get --base-url "$3" -o "$1" kie "$4"; code=$?
ls -A "$1"; exit $code"#;
        let out = Command::new("unshare")
            .args(["-m", "sh", "-c", script, "sh"])
            .arg(&*dir)
            .arg(crate::common::dlurl_path())
            .args([api.base_url().as_str(), ITEM])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("KIE_API_KEY", KIE_API_KEY)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let listing = String::from_utf8_lossy(&out.stdout);
        if out.status.code() == Some(99) {
            eprintln!("skipped: cannot mount a tmpfs here: {stderr}");
            return;
        }
        assert_eq!(out.status.code(), Some(3), "{stderr}\n{listing}");
        assert!(
            stderr.contains("dlurl: report.bin: no space left on device (writing "),
            "{stderr}"
        );
        assert_eq!(
            stderr
                .lines()
                .filter(|l| !l.contains("bytes kept in"))
                .count(),
            1,
            "{stderr}"
        );
        assert_eq!(files.request_count(), 1, "a full disk is not retried");
        assert!(!listing.lines().any(|l| l == "report.bin"), "{listing}");
        assert!(
            listing.lines().any(|l| l.ends_with(".dlurl-part")),
            "kept for a resume: {listing}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    /// `--fsync` flushes the file (and then its folder) to disk before it takes
    /// its name; without it no `fsync` is made, as with curl. Watched with
    /// strace (skipped, saying why, where strace cannot run).
    #[test]
    fn fsync_only_when_asked() {
        use std::process::Command;
        let strace_works = Command::new("strace")
            .args(["-f", "-o", "/dev/null", "true"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !strace_works {
            eprintln!("skipped: needs strace (and ptrace allowed) to see the fsync calls");
            return;
        }
        let (_files, api, bytes) = setup(200_000);
        let dir = TempDir::new("cli-fsync");
        for (flag, wanted) in [(None, false), (Some("--fsync"), true)] {
            let trace = dir.join("trace");
            let target = dir.join("out.bin");
            let _ = fs::remove_file(&target);
            let base = api.base_url();
            let mut args = vec!["get", "--base-url", &base, "-o"];
            args.push(target.to_str().unwrap());
            args.extend(flag);
            args.extend(["kie", ITEM]);
            let out = Command::new("strace")
                .args(["-f", "-e", "trace=fsync,fdatasync", "-o"])
                .arg(&trace)
                .arg(crate::common::dlurl_path())
                .args(&args)
                .env_clear()
                .env("KIE_API_KEY", KIE_API_KEY)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(fs::read(&target).unwrap(), bytes);
            let calls = fs::read_to_string(&trace).unwrap();
            let fsyncs = calls.lines().filter(|l| l.contains("fsync(")).count();
            if wanted {
                // The file, then its folder.
                assert!(fsyncs >= 2, "{calls}");
            } else {
                assert_eq!(fsyncs, 0, "{calls}");
            }
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Two `dlurl get` processes on one target: the second fails at once and
    /// cleanly (exit 3, "locked by another run"), the first saves the file.
    #[test]
    fn two_processes_on_one_target() {
        use std::process::{Command, Stdio};
        let (files, api, bytes) = setup(300_000);
        let dir = TempDir::new("cli-two");
        let target = dir.join("out.bin");
        files.push_fault(FileFault::StallAfter(100_000, Duration::from_millis(1500)));
        let base = api.base_url();
        let run = |stdout: Stdio| {
            Command::new(crate::common::dlurl_path())
                .args([
                    "get",
                    "--base-url",
                    &base,
                    "-o",
                    target.to_str().unwrap(),
                    "kie",
                    ITEM,
                ])
                .env_clear()
                .env("KIE_API_KEY", KIE_API_KEY)
                .stdout(stdout)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let first = run(Stdio::piped());
        // (Bounded: a first run that fails before its request must not hang the test.)
        let waited = std::time::Instant::now();
        while files.request_count() == 0 {
            assert!(
                waited.elapsed() < Duration::from_secs(30),
                "the first run sent no request"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let second = run(Stdio::piped()).wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&second.stderr);
        assert_eq!(second.status.code(), Some(3), "{stderr}");
        assert!(stderr.contains("locked by another run"), "{stderr}");
        let first = first.wait_with_output().unwrap();
        assert_eq!(
            first.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        assert_eq!(fs::read(&target).unwrap(), bytes);
        assert_eq!(
            files.request_count(),
            2,
            "the stalled request and its resume"
        );
    }

    #[test]
    fn get_reports_failures() {
        let (files, api, _) = setup(5_000);
        files.push_fault(FileFault::Status(
            404,
            "<Error><Code>NoSuchKey</Code></Error>".into(),
        ));
        let dir = TempDir::new("cli-fail");
        let run = get(&api, &["-o", dir.to_str().unwrap()]);
        assert_eq!(run.code, 3, "{run:?}");
        assert!(run.stderr.contains("http 404"), "{run:?}");
        assert!(!run.stderr.contains("X-Amz-Signature"), "{run:?}");
    }

    #[test]
    fn get_usage_errors() {
        let api = FakeServer::start().unwrap();
        let base = api.base_url();
        let id = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
        let env = [
            ("BLENDVISION_API_TOKEN", BLENDVISION_API_TOKEN),
            ("BLENDVISION_ORG_ID", BLENDVISION_ORG_ID),
        ];
        let dir = TempDir::new("cli-usage");
        let file = dir.join("one");
        for output in [file.to_str().unwrap(), "-"] {
            let run = dlurl(
                &[
                    "get",
                    "-o",
                    output,
                    "--base-url",
                    &base,
                    "blendvision",
                    id,
                    id,
                ],
                &env,
            );
            assert_eq!(run.code, 2, "{run:?}");
            assert!(run.stderr.starts_with("dlurl: "), "{run:?}");
        }
        let run = dlurl(&["get", "--help"], &[]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("usage: dlurl get"));
        let run = dlurl(&["get", "-o"], &[]);
        assert_eq!(run.code, 2, "{run:?}");
    }
}
