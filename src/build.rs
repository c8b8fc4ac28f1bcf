//! Build scripts: one call in `build.rs` places a file pinned by its SHA-256
//! (feature `build`).
//!
//! ```no_run
//! // build.rs
//! use download_url::{build, fetch::Pinned, Vendor};
//!
//! fn main() {
//!     let pin = Pinned::new("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", 3);
//!     let path = build::fetch_pinned(Vendor::Kie, "https://tempfile.aiquickdraw.com/model.bin", &pin)
//!         .unwrap_or_else(|e| panic!("{e}"));
//!     println!("cargo:rustc-env=MODEL_PATH={}", path.display());
//! }
//! ```
//!
//! What it does, in order:
//!
//! 1. The file goes to `$OUT_DIR/<name>` (the last segment of the item, else
//!    the pin's digest; [`PinnedFile::file_name`] and
//!    [`out_dir`](PinnedFile::out_dir) change that).
//! 2. **Cache hit**: the cache holds the pinned bytes — the file is placed
//!    without calling the vendor and without reading a credential. The cache is
//!    `$DOWNLOAD_URL_CACHE`, else `$XDG_CACHE_HOME/download-url`, else
//!    `~/.cache/download-url`; when none of those can be written (a sandboxed
//!    build), `$OUT_DIR/download-url-cache`, with one `cargo:warning`. See
//!    [`fetch::Cache`](crate::fetch::Cache) for its rules.
//! 3. **Offline**: with `DOWNLOAD_URL_OFFLINE=1`, or `CARGO_NET_OFFLINE=true` in
//!    the environment, a miss is an error naming the pin and how to fill the
//!    cache, and nothing else is attempted. Cargo does not tell a build script
//!    about `--offline`: export `CARGO_NET_OFFLINE=true` (or set `net.offline`
//!    … in the environment) for the build to see it. On docs.rs (`DOCS_RS` set)
//!    nothing is downloaded either: a miss prints a note and returns the path
//!    without a file there, so the docs build never fails — put the use of the
//!    file behind `#[cfg(not(docsrs))]` or check the path exists.
//! 4. **Miss**: the vendor's `Config::from_env()` is read (a missing credential
//!    is an error naming its variable), the link is asked for, the file fetched
//!    (its size and digest checked), stored in the cache, then placed. One
//!    `cargo:warning` line when the download starts and one when it ends (size
//!    and time); never a credential or a signed URL.
//!
//! The item is what `dlurl <vendor>` takes: kie.ai a file URL, Cloudreve a URI
//! or path, Datalab a file id, BlendVision a file id, KooDrive
//! `<container-id>/<file-id>`.
//!
//! `cargo:rerun-if-env-changed=` lines are printed only when asked
//! ([`PinnedFile::rerun_if_env_changed`]): printing any `rerun-if` line turns off
//! cargo's default of running the build script again whenever a file of the
//! package changes, for the whole build script.
//!
//! # Compile cost
//!
//! The crate is a build-dependency here, compiled on every cold build at
//! opt-level 0 (unless `[profile.*.build-override]` says otherwise). Depend on
//! it with only what the build needs:
//!
//! ```toml
//! [build-dependencies]
//! download-url = { version = "0.2", default-features = false, features = ["build", "kie", "rustls"] }
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::fetch::{Cache, Fetcher, Pinned, Placed};
use crate::{DownloadLink, Error, Vendor};

/// Places the file `pin` describes, which `vendor` serves as `item`, in
/// `$OUT_DIR` (see the module docs); the path.
///
/// # Errors
///
/// [`Error::InvalidInput`] for a malformed pin or item, or a missing
/// credential (naming its variable); an offline miss is
/// [`FileHostKind::Offline`](crate::FileHostKind::Offline); the vendor's and the
/// transfer's errors otherwise.
pub fn fetch_pinned(vendor: Vendor, item: &str, pin: &Pinned) -> Result<PathBuf, Error> {
    PinnedFile::new(vendor, item, pin.clone()).fetch()
}

/// [`fetch_pinned`] with its choices spelled out.
#[derive(Debug, Clone)]
pub struct PinnedFile {
    vendor: Vendor,
    item: String,
    pin: Pinned,
    file_name: Option<String>,
    out_dir: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    rerun_if_env_changed: bool,
}

impl PinnedFile {
    /// The file `pin` describes, which `vendor` serves as `item`.
    pub fn new(vendor: Vendor, item: impl Into<String>, pin: Pinned) -> PinnedFile {
        PinnedFile {
            vendor,
            item: item.into(),
            pin,
            file_name: None,
            out_dir: None,
            cache_dir: None,
            rerun_if_env_changed: false,
        }
    }

    /// The name of the file placed (default: the item's last segment).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Where the file is placed (default: `$OUT_DIR`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The cache folder (default: see the module docs).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Prints `cargo:rerun-if-env-changed=` for every variable this call
    /// reads. Off by default: any `rerun-if` line turns off cargo's default
    /// rerun-on-any-change for the whole build script.
    pub fn rerun_if_env_changed(mut self, yes: bool) -> Self {
        self.rerun_if_env_changed = yes;
        self
    }

    /// Places the file; the path (see the module docs).
    ///
    /// # Errors
    ///
    /// As [`fetch_pinned`].
    pub fn fetch(self) -> Result<PathBuf, Error> {
        let vendor = self.vendor;
        if self.rerun_if_env_changed {
            for name in [
                "DOWNLOAD_URL_OFFLINE",
                "CARGO_NET_OFFLINE",
                "DOWNLOAD_URL_CACHE",
                "XDG_CACHE_HOME",
                "HOME",
            ]
            .iter()
            .chain(variables(vendor))
            {
                println!("cargo:rerun-if-env-changed={name}");
            }
        }
        let why = "is not set: run from a build script, or give PinnedFile::out_dir";
        let out_dir = self
            .out_dir
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from));
        let out_dir = out_dir.ok_or_else(|| Error::invalid(vendor, "OUT_DIR", why))?;
        let name = self
            .file_name
            .or_else(|| item_name(&self.item))
            .and_then(|n| crate::fetch::sanitize_file_name(&n))
            .unwrap_or_else(|| self.pin.sha256.to_ascii_lowercase());
        let target = out_dir.join(&name);
        let docs_rs = std::env::var_os("DOCS_RS").is_some();
        let offline = docs_rs || flag("DOWNLOAD_URL_OFFLINE") || flag("CARGO_NET_OFFLINE");
        let cache = Cache::new(self.cache_dir.unwrap_or_else(|| cache_dir(&out_dir)));
        let started = Instant::now();
        let result =
            cache.fetch_pinned(vendor, &self.pin, &target, offline, Fetcher::new(), || {
                println!(
                    "cargo:warning=download-url: downloading {name} ({} bytes) from {vendor}",
                    self.pin.size
                );
                link(vendor, &self.item)
            });
        match result {
            Ok(Placed::FromCache) => {}
            Ok(Placed::Downloaded(fetched)) => println!(
                "cargo:warning=download-url: {name}: {} bytes in {:.1} s, cached in {}",
                fetched.bytes,
                started.elapsed().as_secs_f64(),
                cache.dir().display()
            ),
            Err(Error::FileHost(e)) if docs_rs && e.kind == crate::FileHostKind::Offline => {
                println!(
                    "cargo:warning=download-url: docs.rs: {name} is not fetched (no network there)"
                );
            }
            Err(e) => return Err(e),
        }
        Ok(target)
    }
}

/// Whether variable `name` is `1` or `true`.
fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "TRUE" | "True" | "yes"))
}

/// The default cache folder when it can be written, else one under `out_dir`
/// (with one warning).
fn cache_dir(out_dir: &Path) -> PathBuf {
    if let Some(dir) = Cache::default_dir().filter(|dir| writable(dir)) {
        return dir;
    }
    let fallback = out_dir.join("download-url-cache");
    println!(
        "cargo:warning=download-url: no writable cache folder (DOWNLOAD_URL_CACHE, XDG_CACHE_HOME, HOME): using {}",
        fallback.display()
    );
    fallback
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".dlurl-probe-{}", std::process::id()));
    let ok = std::fs::create_dir_all(dir).is_ok() && std::fs::File::create_new(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// The last segment of an item (a URL, a path, `container/file`).
fn item_name(item: &str) -> Option<String> {
    let path = item.split(['?', '#']).next()?;
    path.rsplit('/')
        .find(|s| !s.is_empty() && !s.ends_with(':'))
        .map(str::to_owned)
}

/// The variables the vendor's `Config::from_env()` reads.
fn variables(vendor: Vendor) -> &'static [&'static str] {
    match vendor {
        Vendor::Kie => &["KIE_API_KEY", "KIE_BASE_URL"],
        Vendor::Datalab => &["DATALAB_API_KEY", "DATALAB_BASE_URL"],
        Vendor::Cloudreve => &["CLOUDREVE_BASE_URL", "CLOUDREVE_TOKEN"],
        Vendor::BlendVision => &[
            "BLENDVISION_API_TOKEN",
            "BLENDVISION_ORG_ID",
            "BLENDVISION_BASE_URL",
        ],
        Vendor::KooDrive => &[
            "KOODRIVE_USER_ID",
            "KOODRIVE_TOKEN",
            "KOODRIVE_TOKEN_PREFIX",
            "KOODRIVE_APP_ID",
            "KOODRIVE_APP_SECRET",
            "KOODRIVE_BASE_URL",
        ],
    }
}

/// The vendor's link for `item`, with its config from the environment.
#[allow(unused_variables)]
fn link(vendor: Vendor, item: &str) -> Result<DownloadLink, Error> {
    let agent = crate::agent();
    match vendor {
        #[cfg(feature = "kie")]
        Vendor::Kie => crate::kie::download_link(&agent, &crate::kie::Config::from_env()?, item),
        #[cfg(feature = "datalab")]
        Vendor::Datalab => crate::datalab::download_link(
            &agent,
            &crate::datalab::Config::from_env()?,
            &crate::datalab::Request::new(item),
        ),
        #[cfg(feature = "cloudreve")]
        Vendor::Cloudreve => crate::cloudreve::download_link(
            &agent,
            &crate::cloudreve::Config::from_env()?,
            &crate::cloudreve::Request::new([crate::cloudreve::uri_from(item)]),
        ),
        #[cfg(feature = "blendvision")]
        Vendor::BlendVision => crate::blendvision::download_link(
            &agent,
            &crate::blendvision::Config::from_env()?,
            item,
        ),
        #[cfg(feature = "koodrive")]
        Vendor::KooDrive => {
            let Some((container, file)) = item.rsplit_once('/') else {
                let why = "a KooDrive item is <container-id>/<file-id>";
                return Err(Error::invalid(vendor, "item", why));
            };
            crate::koodrive::download_link(
                &agent,
                &crate::koodrive::Config::from_env()?,
                &crate::koodrive::Request::new(container, [file]),
            )
        }
        #[allow(unreachable_patterns)]
        _ => {
            let why = "this vendor's cargo feature is not enabled";
            Err(Error::invalid(vendor, "vendor", why))
        }
    }
}
