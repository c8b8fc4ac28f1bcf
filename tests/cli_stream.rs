//! Any number of ids: `dlurl koodrive <container> -` reads stdin in groups,
//! sends each through the library's batch call and prints its results as the
//! group finishes — in bounded memory, the first line out before stdin ends.
#![cfg(all(feature = "cli", feature = "fake", feature = "koodrive"))]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::dlurl_path;
use download_url::fake::{
    FakeServer, KOODRIVE_CONTAINER_ID, KOODRIVE_FILE_ID, KOODRIVE_TOKEN, KOODRIVE_USER_ID,
};

/// The ids: every 1000th the fake's file (a link on stdout), the others unknown
/// to it (a failure line on stderr), so the output stays small.
fn id(n: usize) -> String {
    if n.is_multiple_of(1000) {
        KOODRIVE_FILE_ID.to_owned()
    } else {
        format!("nope-{n:07}")
    }
}

/// `dlurl [flags] --base-url <fake> koodrive <container> -`, its three streams
/// piped, with the fake's credentials only.
fn koodrive_from_stdin(server: &FakeServer, flags: &[&str]) -> Child {
    let base = server.base_url();
    Command::new(dlurl_path())
        .args(flags)
        .args(["--base-url", &base, "koodrive", KOODRIVE_CONTAINER_ID, "-"])
        .env_clear()
        .env("KOODRIVE_USER_ID", KOODRIVE_USER_ID)
        .env("KOODRIVE_TOKEN", KOODRIVE_TOKEN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_million_ids_from_stdin_in_bounded_memory_with_early_output() {
    const TOTAL: usize = 1_000_000;
    let server = FakeServer::start().unwrap();
    let mut child = koodrive_from_stdin(&server, &[]);

    let written = Arc::new(AtomicUsize::new(0));
    let mut stdin = child.stdin.take().unwrap();
    let writer = {
        let written = written.clone();
        std::thread::spawn(move || {
            let mut chunk = String::new();
            for n in 0..TOTAL {
                chunk.push_str(&id(n));
                chunk.push('\n');
                if chunk.len() > 8192 || n + 1 == TOTAL {
                    if stdin.write_all(chunk.as_bytes()).is_err() {
                        return;
                    }
                    written.store(n + 1, Ordering::SeqCst);
                    chunk.clear();
                }
            }
        })
    };
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let reader = {
        let written = written.clone();
        std::thread::spawn(move || {
            let mut first_at = None;
            let mut lines = Vec::new();
            for line in stdout.lines() {
                let line = line.unwrap();
                first_at.get_or_insert_with(|| written.load(Ordering::SeqCst));
                lines.push(line.split('\t').nth(1).unwrap_or_default().to_owned());
            }
            (first_at, lines)
        })
    };
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut count = 0usize;
        let mut first = String::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut tail = Vec::new();
        loop {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    count += buf[..n].iter().filter(|b| **b == b'\n').count();
                    if first.len() < 200 {
                        tail.extend_from_slice(&buf[..n]);
                        first = String::from_utf8_lossy(&tail[..tail.len().min(400)]).into();
                    }
                }
            }
        }
        (count, first)
    });

    let status_path = format!("/proc/{}/status", child.id());
    let started = Instant::now();
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(kib) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            panic!("dlurl still running after 600 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    writer.join().unwrap();
    let (first_at, names) = reader.join().unwrap();
    let (failures, first_error) = errors.join().unwrap();

    // Some links, the rest failures: exit 4; every id answered, in order.
    assert_eq!(status.code(), Some(4), "{first_error}");
    assert_eq!(names.len(), TOTAL / 1000, "{first_error}");
    assert!(
        names.iter().all(|n| n == "Invoice 1.pdf"),
        "{:?}",
        &names[..3]
    );
    assert_eq!(failures, TOTAL - TOTAL / 1000, "{first_error}");
    assert!(first_error.contains("nope-0000001"), "{first_error}");
    // The first result came out while ids were still being written.
    let first_at = first_at.expect("a first line");
    assert!(
        first_at < TOTAL,
        "first line only after {first_at} ids were written"
    );
    // Bounded memory (generous: the groups are 10,000 ids, some 2 MB of replies).
    if peak_kib > 0 {
        assert!(peak_kib <= 64 << 10, "peak RSS {peak_kib} KiB");
    }
    eprintln!(
        "1,000,000 ids: peak RSS {peak_kib} KiB, first line after {first_at} ids written, {:?}",
        started.elapsed()
    );
}

#[test]
fn jsonl_interleaves_links_and_failures_in_request_order() {
    let server = FakeServer::start().unwrap();
    let input = format!("{KOODRIVE_FILE_ID}\nnope-1\n\n{KOODRIVE_FILE_ID}\nnope-2\n");
    let mut child = koodrive_from_stdin(&server, &["--jsonl"]);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let kinds: Vec<(String, String)> = stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let (kind, object) = value.as_object().unwrap().iter().next().unwrap();
            (kind.clone(), object["item"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected = [
        ("link", KOODRIVE_FILE_ID),
        ("failure", "nope-1"),
        ("link", KOODRIVE_FILE_ID),
        ("failure", "nope-2"),
    ];
    assert_eq!(kinds.len(), expected.len(), "{stdout}");
    for ((kind, item), (want_kind, want_item)) in kinds.iter().zip(expected) {
        assert_eq!(
            (kind.as_str(), item.as_str()),
            (want_kind, want_item),
            "{stdout}"
        );
    }
    assert!(
        output.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&output.stderr)
    );
}
