//! Temporary download links from five vendor APIs, for programs that are not async.
//!
//! # Start here
//!
//! 1. Pick the vendor's module and build its `Config` — from the environment with
//!    `Config::from_env()` (the variables the `dlurl` CLI documents, plus
//!    `<VENDOR>_BASE_URL`), or with `Config::new(..)`.
//! 2. Make one [`agent()`] and reuse it: it keeps connections alive.
//! 3. Call `download_link` for one file, or `download_links` for several where the
//!    vendor batches (Cloudreve, BlendVision, KooDrive).
//!
//! Every module speaks the same way:
//!
//! | vendor | module | one file → [`DownloadLink`] | several → [`Batch`] | endpoint |
//! |---|---|---|---|---|
//! | kie.ai | [`kie`] | [`kie::download_link`] | — | `POST /api/v1/common/download-url` |
//! | Cloudreve v4 | [`cloudreve`] | [`cloudreve::download_link`] | [`cloudreve::download_links`] | `POST /api/v4/file/url` |
//! | Datalab | [`datalab`] | [`datalab::download_link`] | — | `GET /api/v1/files/{file_id}/download` |
//! | BlendVision One | [`blendvision`] | [`blendvision::download_link`] | [`blendvision::download_links`] | `POST /bv/cms/v1/library/files/{id}:download` |
//! | KooDrive | [`koodrive`] | [`koodrive::download_link`] | [`koodrive::download_links`] | `POST /koodrive/ose/v1/files/download` |
//!
//! A [`DownloadLink`] knows its vendor, the [`item`](DownloadLink::item) it answers
//! (exactly as you sent it), its URL (a [`SignedUrl`]), the file name when the
//! vendor says it, and its [`Expiry`] (a UTC time, never, or unknown). A [`Batch`]
//! holds the links obtained and one [`ItemFailure`] per item that got none, each in
//! request order; [`Batch::retry_failed`] asks again for the retryable ones only.
//!
//! Each vendor is a cargo feature of the same name (all on by default). Other
//! features: `rustls` (default) or `native-tls` for https; `serde` for
//! `Serialize`/`Deserialize` on links, expiries and batches; `fake` for `download_url::fake`,
//! an in-process server that speaks all five APIs on 127.0.0.1 for offline tests;
//! `cli` for the `dlurl` binary; `fetch` (default) for [`fetch`], which streams the
//! file behind a link to disk (atomic, resumable, refreshing an expired link), and
//! `sha256` (default) for its checksum option.
//!
//! # Example
//!
//! ```
//! # #[cfg(all(feature = "fake", feature = "kie"))] {
//! use download_url::{agent, fake::FakeServer, kie, Expiry};
//!
//! let server = FakeServer::start()?; // stands in for https://api.kie.ai
//! let mut config = kie::Config::new(download_url::fake::KIE_API_KEY);
//! config.base_url = server.base_url();
//!
//! let file = "https://tempfile.aiquickdraw.com/a.png";
//! let link = kie::download_link(&agent(), &config, file)?;
//! assert_eq!(link.item, file);
//! assert!(link.url.starts_with("https://"));
//! assert!(matches!(link.expires, Expiry::At(_))); // kie.ai documents 20 minutes
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors
//!
//! Every function returns [`Error`]: invalid input (nothing sent), transport failure,
//! the vendor's own error with its codes preserved, or an unexpected response with
//! the HTTP status and a bounded body excerpt. See the [`error`] module.
//!
//! # Secrets
//!
//! Credentials are [`Secret`]s; links and errors never print a credential or the
//! query of a presigned URL in `Debug` or `Display`.
//!
//! # ureq in the public API
//!
//! Every vendor function takes a `&ureq::Agent`, and [`ureq`] is re-exported: a
//! new ureq major version is a breaking change of this crate too (it will come
//! with a new minor version while this crate is below 1.0). [`time`] is
//! re-exported as well ([`Expiry::At`] holds a `time::OffsetDateTime`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The module table above links every vendor; a build without some vendor cannot.
#![cfg_attr(
    not(all(
        feature = "kie",
        feature = "cloudreve",
        feature = "datalab",
        feature = "blendvision",
        feature = "koodrive"
    )),
    allow(rustdoc::broken_intra_doc_links)
)]
// Only the POST vendors send a JSON body: a build with Datalab (GET) alone leaves
// the request-body helpers of `http` and `encode` unused. (One crate-level allow
// rather than the same nine-line attribute on each of those items.)
#![cfg_attr(
    not(any(
        feature = "kie",
        feature = "cloudreve",
        feature = "blendvision",
        feature = "koodrive"
    )),
    allow(dead_code)
)]
// docs.rs builds with `--cfg docsrs` on nightly: `doc_cfg` (which absorbed
// `doc_auto_cfg` in Rust 1.92) labels each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod agent;
mod batch;
#[cfg(feature = "build")]
pub mod build;
mod codes;
mod config;
#[doc(hidden)]
pub mod decode;
mod encode;
pub mod error;
mod expiry;
mod http;
mod link;
pub mod retry;
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub mod roots;
mod secret;
mod url;
mod vendor;

#[cfg(feature = "blendvision")]
pub mod blendvision;
#[cfg(feature = "cloudreve")]
pub mod cloudreve;
#[cfg(feature = "datalab")]
pub mod datalab;
#[cfg(feature = "kie")]
pub mod kie;
#[cfg(feature = "koodrive")]
pub mod koodrive;

#[cfg(feature = "fake")]
pub mod fake;

#[cfg(feature = "fetch")]
pub mod fetch;

/// The README, so that `cargo test --doc` compiles (and, where not `no_run`, runs)
/// every Rust snippet in it; the snippets need every vendor, `fetch` and `fake`.
#[cfg(all(
    doctest,
    feature = "fake",
    feature = "fetch",
    feature = "kie",
    feature = "cloudreve",
    feature = "datalab",
    feature = "blendvision",
    feature = "koodrive"
))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use agent::{agent, agent_config, agent_with_timeout};
pub use batch::DEFAULT_CONCURRENCY;
pub use config::{BaseUrl, MAX_CREDENTIAL_LEN, MAX_HEADER_LEN, MAX_ID_LEN, MAX_URL_LEN};
pub use error::{ApiDetail, ApiError, Error, InvalidInput, TransportKind, UnexpectedReason};
#[cfg(feature = "fetch")]
pub use error::{FileHostError, FileHostKind};
pub use expiry::Expiry;
#[cfg(feature = "fetch")]
pub use fetch::{Fetched, Fetcher};
pub use http::{policy::CONNECT_TIMEOUT, policy::DEFAULT_TIMEOUT, BODY_LIMIT, EXCERPT_LIMIT};
pub use link::{
    Batch, DownloadLink, FailureReason, ItemFailure, SignedUrl, Unattributed, UnattributedAnswer,
    VendorCode,
};
pub use retry::{retry, RetryPolicy};
pub use secret::Secret;
pub use time;
pub use ureq;
pub use url::redact_url;
pub use vendor::{UnknownVendor, Vendor};
