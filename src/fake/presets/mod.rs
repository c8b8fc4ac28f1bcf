//! Replies the real servers send that a normal fake run never produces, by
//! name: vendor-shaped JSON on `429` and `5xx` (with the `Retry-After` and
//! request-id headers the vendor sends), the error shapes each vendor documents,
//! nulls where the docs show values, and what a proxy in front of a vendor
//! answers. Queue one with [`FakeServer::push`](super::FakeServer::push); your
//! own tests can use them too.
//!
//! ```
//! # #[cfg(feature = "kie")] {
//! use download_url::fake::{presets, FakeServer};
//! use download_url::Vendor;
//!
//! let server = FakeServer::start()?;
//! server.push(Vendor::Kie, presets::kie::rate_limited());
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

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
