//! `download_url::fetch` throughput and memory: 1 GiB from the fake file host on
//! 127.0.0.1 (bytes generated on the fly), compared with `curl -o` on the same
//! file in the same run when curl is installed, then 2 GiB with a disconnect at
//! the middle (one resume) to show the peak RSS does not grow with the size.
//!
//! `cargo bench --bench fetch --features fake` (sizes: `FETCH_BENCH_MIB`, default
//! 1024; `FETCH_BENCH_BIG_MIB`, default 2048, 0 to skip; `FETCH_BENCH_DIR`, default
//! the temporary directory — `/dev/shm` takes the disk out of the comparison).
//! `sync` runs before each timed transfer, so that one run's dirty pages do not
//! slow the next.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use download_url::fake::files::{FakeContent, FakeFileHost, FileFault};
use download_url::fetch::Fetcher;
use download_url::Vendor;

const HOUR: Duration = Duration::from_secs(3600);

fn env_mib(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn report(what: &str, bytes: u64, took: Duration) {
    let mib = bytes as f64 / (1 << 20) as f64;
    println!(
        "{what:<34} {mib:>7.0} MiB in {:>6.2} s = {:>7.0} MiB/s",
        took.as_secs_f64(),
        mib / took.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it too: keep
    // that run small.
    let quick = !std::env::args().any(|a| a == "--bench");
    let mib = if quick {
        8
    } else {
        env_mib("FETCH_BENCH_MIB", 1024)
    };
    let big_mib = if quick {
        0
    } else {
        env_mib("FETCH_BENCH_BIG_MIB", 2048)
    };
    let base = std::env::var_os("FETCH_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
    let dir = base.join(format!("dlurl-fetch-bench-{}", std::process::id()));
    println!("writing to {}", dir.display());
    std::fs::create_dir_all(&dir).expect("temp dir");
    let host = FakeFileHost::start().expect("fake file host");
    let len = mib << 20;
    host.add("file.bin", FakeContent::Generated { len, seed: 1 });

    // The right digest for the SHA-256 check, computed here first.
    let content = FakeContent::Generated { len, seed: 1 };
    let started = Instant::now();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let step = 1 << 20;
    let mut at = 0;
    while at < len {
        ctx.update(&content.bytes(at, (at + step).min(len)));
        at += step;
    }
    let hex: String = ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let hash_only = started.elapsed();

    // download_url::fetch, best of 3 runs each: as it is, flushed to disk
    // before it is published (`sync_to_disk`: to be read against "curl -o, then
    // fsync" below), and with the SHA-256 check.
    // `digest`: the SHA-256 the result must report (only a check reports one).
    let best_of_3 = |fetcher: &dyn Fn() -> Fetcher<'static>, digest: Option<&str>| {
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let target = dir.join("fetch.bin");
            let _ = std::fs::remove_file(&target);
            let link = host.link(Vendor::Kie, "bench", "file.bin", HOUR);
            sync();
            let started = Instant::now();
            let fetched = fetcher().save_as(&link, &target).expect("fetch");
            best = best.min(started.elapsed());
            assert_eq!(fetched.bytes, len);
            assert_eq!(fetched.sha256.as_deref(), digest);
        }
        best
    };
    report(
        "download_url::fetch (best of 3)",
        len,
        best_of_3(&Fetcher::new, None),
    );
    let synced = best_of_3(&|| Fetcher::new().sync_to_disk(true), None);
    report("  with sync_to_disk (best of 3)", len, synced);
    let checked = best_of_3(
        &|| Fetcher::new().sha256(Vendor::Kie, &hex).expect("hex"),
        Some(&hex),
    );
    report("  with SHA-256 check (best of 3)", len, checked);
    report("  SHA-256 alone (ring, in memory)", len, hash_only);

    // curl -o on the same file; then the same flushed to disk, as
    // `sync_to_disk` flushes before it publishes (coreutils `sync FILE` fsyncs
    // that file).
    if Command::new("curl").arg("--version").output().is_ok() {
        for (label, then_sync) in [
            ("curl -o (best of 3)", false),
            ("curl -o, then fsync (best of 3)", true),
        ] {
            let mut best = Duration::MAX;
            for _ in 0..3 {
                let target = dir.join("curl.bin");
                let url = host.signed_url("file.bin", HOUR);
                let _ = std::fs::remove_file(&target);
                sync();
                let started = Instant::now();
                let status = Command::new("curl")
                    .args(["-s", "-f", "-o"])
                    .arg(&target)
                    .arg(&url)
                    .status()
                    .expect("curl");
                if then_sync {
                    let synced = Command::new("sync").arg(&target).status();
                    assert!(synced.is_ok_and(|s| s.success()));
                }
                let took = started.elapsed();
                assert!(status.success());
                assert_eq!(std::fs::metadata(&target).unwrap().len(), len);
                best = best.min(took);
            }
            report(label, len, best);
        }
    } else {
        println!("curl not found: no comparison");
    }
    println!(
        "peak RSS after {mib} MiB: {:.1} MiB (process: fetcher + fake host)",
        peak_rss_mib()
    );

    if big_mib > 0 {
        let len = big_mib << 20;
        host.add("big.bin", FakeContent::Generated { len, seed: 2 });
        host.push_fault(FileFault::DisconnectAfter(len / 2));
        let link = host.link(Vendor::Kie, "big", "big.bin", HOUR);
        for name in ["fetch.bin", "sha.bin", "curl.bin"] {
            let _ = std::fs::remove_file(dir.join(name));
        }
        sync();
        let started = Instant::now();
        let fetched = Fetcher::new()
            .max_retries(3, Duration::from_millis(10))
            .save_as(&link, dir.join("big.bin"))
            .expect("fetch");
        assert_eq!((fetched.bytes, fetched.ranges), (len, 1));
        report("2 GiB-class, one resume midway", len, started.elapsed());
        println!("peak RSS after {big_mib} MiB: {:.1} MiB", peak_rss_mib());
    }
    remove(&dir);
}

fn sync() {
    let _ = Command::new("sync").status();
}

fn remove(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
