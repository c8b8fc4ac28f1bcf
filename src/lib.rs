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
//! `Serialize`/`Deserialize` on links, expiries and batches; `fake` for [`fake`],
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

use std::fmt;

mod agent;
mod batch;
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
mod expiry;
mod http;
mod link;
pub mod retry;
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub mod roots;
mod secret;
#[cfg(test)]
mod test_rng;
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

#[cfg(feature = "fetch")]
pub mod fetch;

pub use agent::{agent, agent_config, agent_with_timeout, CONNECT_TIMEOUT};
pub use batch::DEFAULT_CONCURRENCY;
pub use config::{MAX_CREDENTIAL_LEN, MAX_HEADER_LEN, MAX_ID_LEN, MAX_URL_LEN};
pub use error::{ApiDetail, ApiError, Error, InvalidInput, TransportKind, UnexpectedReason};
#[cfg(feature = "fetch")]
pub use error::{FileHostError, FileHostKind};
#[cfg(feature = "fetch")]
pub use fetch::{Fetched, Fetcher};
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_parses_from_its_id_and_name_and_pads() {
        for vendor in Vendor::ALL {
            assert_eq!(vendor.id().parse::<Vendor>(), Ok(vendor));
            assert_eq!(vendor.to_string().parse::<Vendor>(), Ok(vendor));
            assert_eq!(vendor.id().to_uppercase().parse::<Vendor>(), Ok(vendor));
        }
        assert!("s3".parse::<Vendor>().is_err());
        assert!("".parse::<Vendor>().is_err());
        assert_eq!(format!("[{:<8}]", Vendor::Kie), "[kie.ai  ]");
        assert_eq!(format!("[{:>9}]", Vendor::Datalab), "[  datalab]");
        assert_eq!(format!("{:.3}", Vendor::KooDrive), "koo");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn vendor_serde_is_its_id() {
        assert_eq!(serde_json::to_string(&Vendor::Kie).unwrap(), "\"kie\"");
        let back: Vendor = serde_json::from_str("\"blendvision\"").unwrap();
        assert_eq!(back, Vendor::BlendVision);
        assert!(serde_json::from_str::<Vendor>("\"nope\"").is_err());
    }
}
