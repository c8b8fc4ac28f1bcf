//! `download_url::fetch::Cache`: two fetches of one pin at once download it
//! once (the second waits on the kernel's lock), and a hit calls nobody.
#![cfg(all(feature = "sha256", feature = "fake"))]

mod common;

use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::TempDir;
use download_url::fake::files::{FakeContent, FakeFileHost, FileFault};
use download_url::fetch::{Cache, Fetcher, Pinned, Placed};
use download_url::Vendor;

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn two_fetches_of_one_pin_download_it_once() {
    let tmp = TempDir::new("cache");
    let host = Arc::new(FakeFileHost::start().unwrap());
    let len = 2_000_000;
    let content = FakeContent::Generated { len, seed: 9 };
    let bytes = content.bytes(0, len);
    host.add("m.bin", content);
    // The first transfer takes a while: the second run must wait for it.
    host.push_fault(FileFault::StallAfter(500_000, Duration::from_millis(400)));
    let pin = Pinned::new(sha256_hex(&bytes), len);
    let cache = Cache::new(tmp.0.join("cache"));
    let asked = Arc::new(AtomicUsize::new(0));
    let runs: Vec<_> = (0..2)
        .map(|i| {
            let (host, pin, cache, asked) =
                (host.clone(), pin.clone(), cache.clone(), asked.clone());
            let target = tmp.0.join(format!("out-{i}"));
            std::thread::spawn(move || {
                let placed = cache
                    .fetch_pinned(
                        Vendor::Kie,
                        &pin,
                        &target,
                        false,
                        Fetcher::new().max_retries(3, Duration::from_millis(1)),
                        || {
                            asked.fetch_add(1, Ordering::SeqCst);
                            Ok(host.link(Vendor::Kie, "m", "m.bin", Duration::from_secs(3600)))
                        },
                    )
                    .unwrap();
                (placed, fs::read(&target).unwrap())
            })
        })
        .collect();
    let results: Vec<_> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(asked.load(Ordering::SeqCst), 1, "one link asked for");
    let downloads = results
        .iter()
        .filter(|(p, _)| matches!(p, Placed::Downloaded(_)))
        .count();
    assert_eq!(downloads, 1);
    for (_, got) in &results {
        assert!(got == &bytes);
    }
    // Both requests (the stalled one and its resume) belong to one download.
    let gets = host.requests().len();
    assert!((1..=2).contains(&gets), "{gets} requests");
    // Later: a hit, with a link function that must not be called.
    let target = tmp.0.join("out-later");
    let placed = cache
        .fetch_pinned(Vendor::Kie, &pin, &target, true, Fetcher::new(), || {
            panic!("a hit asks for no link")
        })
        .unwrap();
    assert!(matches!(placed, Placed::FromCache));
    assert_eq!(host.requests().len(), gets);
}

/// Two processes fetching the same pin at once, as two crates' build scripts
/// would: one downloads, the other waits on the kernel's lock and places the
/// file from the cache. The host sees one download.
#[test]
fn two_processes_fetching_one_pin_download_it_once() {
    use std::process::{Command, Stdio};
    let tmp = TempDir::new("cache-procs");
    let host = FakeFileHost::start().unwrap();
    let len = 2_000_000;
    let content = FakeContent::Generated { len, seed: 11 };
    let bytes = content.bytes(0, len);
    host.add("m.bin", content);
    // The first transfer stalls a while: the other process must wait for it.
    host.push_fault(FileFault::StallAfter(500_000, Duration::from_millis(600)));
    let url = host.signed_url("m.bin", Duration::from_secs(3600));
    let sha = sha256_hex(&bytes);
    let children: Vec<_> = (0..2)
        .map(|i| {
            let spec = [
                tmp.0.join("cache").display().to_string(),
                tmp.0.join(format!("out-{i}")).display().to_string(),
                url.clone(),
                sha.clone(),
                len.to_string(),
            ]
            .join("\n");
            Command::new(std::env::current_exe().unwrap())
                .args(["cache_child", "--exact", "--ignored", "--nocapture"])
                .env("DLURL_CACHE_CHILD", spec)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<String> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "a child failed");
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    let count = |what: &str| outs.iter().filter(|o| o.contains(what)).count();
    assert_eq!(
        (count("placed=downloaded"), count("placed=from-cache")),
        (1, 1),
        "{outs:?}"
    );
    for i in 0..2 {
        assert!(fs::read(tmp.0.join(format!("out-{i}"))).unwrap() == bytes);
    }
    // The stalled request and its resume belong to one download.
    let gets = host.requests().len();
    assert!((1..=2).contains(&gets), "{gets} requests");
}

#[test]
#[ignore = "run by two_processes_fetching_one_pin_download_it_once, in processes of its own"]
fn cache_child() {
    let Ok(spec) = std::env::var("DLURL_CACHE_CHILD") else {
        return;
    };
    let parts: Vec<&str> = spec.split('\n').collect();
    let [cache, target, url, sha, len] = parts[..] else {
        panic!("a spec of five lines: {spec:?}");
    };
    let placed = Cache::new(cache)
        .fetch_pinned(
            Vendor::Kie,
            &Pinned::new(sha, len.parse().unwrap()),
            std::path::Path::new(target),
            false,
            Fetcher::new().max_retries(3, Duration::from_millis(1)),
            || {
                Ok(download_url::DownloadLink::new(
                    Vendor::Kie,
                    "m",
                    url,
                    None,
                    download_url::Expiry::Unknown,
                ))
            },
        )
        .unwrap();
    let how = if matches!(placed, Placed::Downloaded(_)) {
        "downloaded"
    } else {
        "from-cache"
    };
    println!("placed={how}");
}
