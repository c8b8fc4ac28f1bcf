//! `dlurl get -o -` streams the file to stdout byte for byte.
//!
//! Compared as bytes, never through `from_utf8_lossy` (which maps every invalid
//! sequence to the same U+FFFD, so a corrupted non-UTF-8 byte goes unseen). The
//! file holds every byte value, invalid UTF-8 sequences and CR/LF/NUL, and is
//! larger than one read buffer. Mutation tried: the bytes `dlurl get` writes passed
//! through `String::from_utf8_lossy` (a wrapper around stdout in
//! `src/bin/dlurl/get.rs`) — 599,999 bytes written for 300,001: this test fails,
//! where the lossy comparison in `tests/fetch.rs` passed.
#![cfg(all(feature = "cli", feature = "fake", feature = "fetch", feature = "kie"))]

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use download_url::fake::files::FakeFileHost;
use download_url::fake::{FakeServer, KIE_API_KEY};

/// 300,001 bytes: every value 0..=255 in turn, then invalid UTF-8 (a lone
/// continuation byte, a truncated sequence, an overlong form, a surrogate).
fn file_bytes() -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    bytes.extend_from_slice(b"\x80\xc3\xe2\x82\xc0\xaf\xed\xa0\x80\r\n\0\xff");
    bytes.truncate(300_001);
    bytes
}

#[test]
fn get_to_stdout_is_byte_exact() {
    let bytes = file_bytes();
    assert!(std::str::from_utf8(&bytes).is_err());
    let files = FakeFileHost::start().unwrap();
    files.add_bytes("report.bin", bytes.clone());
    let api = FakeServer::start().unwrap();
    let link = files.signed_url("report.bin", Duration::from_secs(3600));
    api.configure(|s| s.kie.link = link);
    let out = Command::new(common::dlurl_path())
        .args([
            "get",
            "-o",
            "-",
            "--base-url",
            &api.base_url(),
            "kie",
            "https://tempfile.example/report.bin",
        ])
        .env_clear()
        .env("KIE_API_KEY", KIE_API_KEY)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(out.stdout.len(), bytes.len(), "{stderr}");
    if let Some(at) = out.stdout.iter().zip(&bytes).position(|(a, b)| a != b) {
        panic!(
            "byte {at} differs: {:#04x} sent, {:#04x} written",
            bytes[at], out.stdout[at]
        );
    }
    assert!(out.stdout == bytes);
}
