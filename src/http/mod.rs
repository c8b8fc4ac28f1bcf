//! The one transport path every vendor module uses (private), a file per job:
//!
//! - [`call`]: a request described by the vendor module ([`Call`]), checked and
//!   sent, its reply read whole under [`BODY_LIMIT`];
//! - [`reply`]: the [`Reply`] and the decoding helpers that turn bad bodies into
//!   [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse) and refusals
//!   into [`Error::Api`](crate::Error::Api);
//! - [`policy`]: what every request the crate makes (vendor calls and
//!   [`fetch`](crate::fetch)) goes out with — TLS provider, proxy and loopback
//!   rules, per-phase timeouts, user agent.

mod call;
pub(crate) mod policy;
mod reply;

#[cfg(feature = "fetch")]
pub(crate) use {call::classify, reply::replace_secret};
#[allow(unused_imports)]
// a build without any vendor (fetch or build alone) makes no vendor call
pub(crate) use {
    call::{Call, Method},
    reply::{parse_retry_after, Reply},
};

/// The most bytes of a reply body the crate reads (4 MiB); a larger body is an
/// [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse) with reason
/// [`TooLarge`](crate::UnexpectedReason::TooLarge). The limit applies after
/// decompression, so a gzip bomb stops there too.
pub const BODY_LIMIT: usize = 4 << 20;

/// The most bytes of a body kept in
/// [`UnexpectedResponse::body_excerpt`](crate::error::UnexpectedResponse::body_excerpt) (512).
pub const EXCERPT_LIMIT: usize = 512;
