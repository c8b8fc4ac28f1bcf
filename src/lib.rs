//! Temporary download links from five vendor APIs, for programs that are not async.
//!
//! Each vendor has a module with a plain `Config`, plain request data and a plain
//! blocking function that takes a [`ureq::Agent`]; every function returns the
//! vendor's typed reply or the crate's one [`Error`]. Every reply converts into the
//! vendor-neutral [`DownloadLink`].
//!
//! | vendor | module | feature | endpoint |
//! |---|---|---|---|
//! | kie.ai | [`kie`] | `kie` | `POST /api/v1/common/download-url` |
//! | Cloudreve v4 | [`cloudreve`] | `cloudreve` | `POST /api/v4/file/url` |
//! | Datalab | [`datalab`] | `datalab` | `GET /api/v1/files/{file_id}/download` |
//! | BlendVision One | [`blendvision`] | `blendvision` | `POST /bv/cms/v1/library/files/{id}:download` |
//! | KooDrive | [`koodrive`] | `koodrive` | `POST /koodrive/ose/v1/files/download` |
//!
//! All vendor features are on by default. The `fake` feature adds [`fake`], an
//! in-process server that speaks all five APIs on 127.0.0.1 for offline tests.
//!
//! # Example
//!
//! ```
//! # #[cfg(all(feature = "fake", feature = "kie"))] {
//! use download_url::{agent, fake::FakeServer, kie};
//!
//! let server = FakeServer::start()?; // stands in for https://api.kie.ai
//! let mut config = kie::Config::new(download_url::fake::KIE_API_KEY);
//! config.base_url = server.base_url();
//!
//! let link: download_url::DownloadLink =
//!     kie::download_url(&agent(), &config, "https://tempfile.aiquickdraw.com/a.png")?.into();
//! assert!(link.url.starts_with("https://"));
//! assert!(!link.is_expired());
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

use std::fmt;

mod agent;
#[cfg(any(
    feature = "kie",
    feature = "cloudreve",
    feature = "blendvision",
    feature = "koodrive"
))]
mod codes;
#[cfg(any(feature = "kie", feature = "datalab"))]
mod config;
#[doc(hidden)]
pub mod decode;
mod encode;
pub mod error;
mod http;
mod link;
pub mod retry;
mod secret;

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

pub use agent::{agent, agent_with_timeout, CONNECT_TIMEOUT};
pub use error::{ApiDetail, ApiError, Error, InvalidInput, TransportKind, UnexpectedReason};
pub use http::{BODY_LIMIT, DEFAULT_TIMEOUT, EXCERPT_LIMIT};
pub use link::{redact_url, DownloadLink};
pub use retry::{retry, RetryPolicy};
pub use secret::Secret;
pub use ureq;

/// The five vendors this crate speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Vendor {
    /// kie.ai common download-url API.
    Kie,
    /// Cloudreve v4, self-hosted.
    Cloudreve,
    /// Datalab file API.
    Datalab,
    /// BlendVision One CMS library API.
    BlendVision,
    /// KooDrive (Huawei Cloud) file API.
    KooDrive,
}

impl Vendor {
    /// Short lowercase identifier, as used by the `dlurl` CLI: `kie`, `cloudreve`,
    /// `datalab`, `blendvision`, `koodrive`.
    pub fn id(self) -> &'static str {
        match self {
            Vendor::Kie => "kie",
            Vendor::Cloudreve => "cloudreve",
            Vendor::Datalab => "datalab",
            Vendor::BlendVision => "blendvision",
            Vendor::KooDrive => "koodrive",
        }
    }
}

impl fmt::Display for Vendor {
    /// The vendor's name in lowercase: `kie.ai`, `cloudreve`, `datalab`,
    /// `blendvision`, `koodrive`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Vendor::Kie => "kie.ai",
            other => other.id(),
        })
    }
}
