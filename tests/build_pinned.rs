//! `download_url::build::fetch_pinned` as a build script runs it, against the
//! fake kie.ai and file host. The environment is the input here, so the whole
//! story is one test (one thread): each step sets the variables it needs.
#![cfg(all(feature = "build", feature = "kie", feature = "fake"))]

mod common;

use std::fs;
use std::path::Path;

use common::TempDir;
use download_url::fake::files::{FakeContent, FakeFileHost};
use download_url::fake::{FakeServer, KIE_API_KEY};
use download_url::fetch::Pinned;
use download_url::{build, Error, FileHostKind, Vendor};

const ITEM: &str = "https://tempfile.aiquickdraw.com/models/model.bin";
const LEN: u64 = 300_000;

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn set(name: &str, value: impl AsRef<std::ffi::OsStr>) {
    std::env::set_var(name, value);
}

fn unset(names: &[&str]) {
    for name in names {
        std::env::remove_var(name);
    }
}

fn kind(err: &Error) -> FileHostKind {
    match err {
        Error::FileHost(e) => e.kind.clone(),
        other => panic!("not a file host error: {other:?}"),
    }
}

#[test]
fn a_build_script_fetches_a_pinned_file_once_then_from_the_cache() {
    let tmp = TempDir::new("build");
    let out = tmp.0.join("out");
    let cache = tmp.0.join("cache");
    fs::create_dir_all(&out).unwrap();
    let files = FakeFileHost::start().unwrap();
    let content = FakeContent::Generated { len: LEN, seed: 42 };
    let bytes = content.bytes(0, LEN);
    files.add("model.bin", content);
    let api = FakeServer::start().unwrap();
    api.configure(|s| {
        s.kie.link = files.signed_url("model.bin", std::time::Duration::from_secs(3600))
    });
    let pin = Pinned::new(sha256_hex(&bytes), LEN);
    let requests = || (api.requests().len(), files.request_count());
    let target = out.join("model.bin");

    unset(&[
        "DOWNLOAD_URL_OFFLINE",
        "CARGO_NET_OFFLINE",
        "DOCS_RS",
        "XDG_CACHE_HOME",
    ]);
    set("OUT_DIR", &out);
    set("DOWNLOAD_URL_CACHE", &cache);
    set("KIE_BASE_URL", api.base_url());
    set("KIE_API_KEY", KIE_API_KEY);

    // Offline and not cached: a clear error, nothing attempted.
    set("DOWNLOAD_URL_OFFLINE", "1");
    let err = build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap_err();
    assert_eq!(kind(&err), FileHostKind::Offline);
    let text = format!(
        "{err}: {}",
        match &err {
            Error::FileHost(e) => e.note.clone().unwrap_or_default(),
            _ => String::new(),
        }
    );
    assert!(
        text.contains(&pin.sha256) && text.contains("DOWNLOAD_URL_OFFLINE"),
        "{text}"
    );
    unset(&["DOWNLOAD_URL_OFFLINE"]);
    set("CARGO_NET_OFFLINE", "true");
    assert_eq!(
        kind(&build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap_err()),
        FileHostKind::Offline
    );
    unset(&["CARGO_NET_OFFLINE"]);
    assert_eq!(requests(), (0, 0));

    // docs.rs: never downloads, never fails.
    set("DOCS_RS", "1");
    let path = build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap();
    assert_eq!(path, target);
    assert!(!path.exists());
    unset(&["DOCS_RS"]);
    assert_eq!(requests(), (0, 0));

    // A miss without the credential: an error naming the variable.
    unset(&["KIE_API_KEY"]);
    let err = build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(i) if i.field == "KIE_API_KEY"),
        "{err:?}"
    );
    assert_eq!(requests(), (0, 0));
    set("KIE_API_KEY", KIE_API_KEY);

    // A miss: one vendor call, one download, stored and placed.
    let path = build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap();
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert_eq!(requests(), (1, 1));
    assert_eq!(fs::read(cache.join(&pin.sha256)).unwrap(), bytes);

    // A hit with no credential and no base URL: zero requests.
    unset(&["KIE_API_KEY", "KIE_BASE_URL"]);
    fs::remove_file(&target).unwrap();
    let path = build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap();
    assert_eq!(fs::read(&path).unwrap(), bytes);
    set("DOWNLOAD_URL_OFFLINE", "1");
    build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap();
    unset(&["DOWNLOAD_URL_OFFLINE"]);
    assert_eq!(requests(), (1, 1));

    // A target that is a symlink is replaced, never followed.
    let victim = tmp.0.join("victim");
    fs::write(&victim, b"victim").unwrap();
    fs::remove_file(&target).unwrap();
    std::os::unix::fs::symlink(&victim, &target).unwrap();
    build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap();
    assert!(fs::symlink_metadata(&target).unwrap().file_type().is_file());
    assert_eq!(fs::read(&victim).unwrap(), b"victim");

    // A corrupted entry is detected, removed and fetched again.
    set("KIE_API_KEY", KIE_API_KEY);
    set("KIE_BASE_URL", api.base_url());
    let entry = cache.join(&pin.sha256);
    let mut bad = bytes.clone();
    bad[1000] ^= 0xff;
    fs::write(&entry, &bad).unwrap();
    let path = build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap();
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert_eq!(fs::read(&entry).unwrap(), bytes);
    assert_eq!(requests(), (2, 2));

    // A symlink planted as the entry (to the right bytes, even) is not followed:
    // a miss, the link is replaced by a file of ours.
    let planted = tmp.0.join("planted");
    fs::write(&planted, &bytes).unwrap();
    fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink(&planted, &entry).unwrap();
    build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap();
    assert_eq!(requests(), (3, 3));
    assert!(fs::symlink_metadata(&entry).unwrap().file_type().is_file());
    assert_eq!(fs::read(&planted).unwrap(), bytes);

    // No writable home: the cache falls back to a folder under OUT_DIR.
    unset(&["DOWNLOAD_URL_CACHE", "XDG_CACHE_HOME"]);
    let home = tmp.0.join("home-not-writable");
    fs::write(&home, b"a file, so no folder can be made under it").unwrap();
    set("HOME", &home);
    let path = build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap();
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert!(out.join("download-url-cache").join(&pin.sha256).is_file());
    assert_eq!(requests(), (4, 4));

    // A malformed pin is refused before anything.
    let err =
        build::fetch_pinned(Vendor::Kie, ITEM, &Pinned::new("+a".repeat(32), LEN)).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(requests(), (4, 4));
    let _ = Path::new(".");
}
