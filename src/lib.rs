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
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

use std::fmt;

mod agent;
#[cfg(any(
    feature = "kie",
    feature = "cloudreve",
    feature = "blendvision",
    feature = "koodrive"
))]
mod codes;
mod config;
#[doc(hidden)]
pub mod decode;
mod encode;
pub mod error;
mod http;
mod link;
pub mod retry;
mod secret;
mod url;

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
pub use link::{Batch, DownloadLink, Expiry, FailureReason, ItemFailure, SignedUrl, VendorCode};
pub use retry::{retry, RetryPolicy};
pub use secret::Secret;
pub use time;
pub use ureq;
pub use url::redact_url;

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
    /// All five vendors, in the order of the crate's table.
    pub const ALL: [Vendor; 5] = [
        Vendor::Kie,
        Vendor::Cloudreve,
        Vendor::Datalab,
        Vendor::BlendVision,
        Vendor::KooDrive,
    ];

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
    /// `blendvision`, `koodrive`. Width, fill and alignment are honoured
    /// (`{:<12}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Vendor::Kie => "kie.ai",
            other => other.id(),
        })
    }
}

/// The error of [`Vendor::from_str`](std::str::FromStr::from_str): the text named
/// no vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVendor(String);

impl fmt::Display for UnknownVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown vendor {:?} (expected kie, cloudreve, datalab, blendvision or koodrive)",
            self.0
        )
    }
}

impl std::error::Error for UnknownVendor {}

impl std::str::FromStr for Vendor {
    type Err = UnknownVendor;

    /// The [`id`](Vendor::id) or the [`Display`](fmt::Display) name, any case:
    /// `"kie"`, `"kie.ai"`, `"KooDrive"`.
    ///
    /// ```
    /// use download_url::Vendor;
    /// assert_eq!("kie.ai".parse::<Vendor>(), Ok(Vendor::Kie));
    /// assert_eq!("BlendVision".parse::<Vendor>(), Ok(Vendor::BlendVision));
    /// assert!("s3".parse::<Vendor>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Vendor::ALL
            .into_iter()
            .find(|v| {
                text.eq_ignore_ascii_case(v.id()) || text.eq_ignore_ascii_case(&v.to_string())
            })
            .ok_or_else(|| UnknownVendor(text.to_owned()))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Vendor {
    /// The [`id`](Vendor::id).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Vendor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
