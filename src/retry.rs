//! Opt-in retries for calls that may succeed later.
//!
//! ```
//! # #[cfg(all(feature = "fake", feature = "kie"))] {
//! use download_url::{agent, fake::FakeServer, kie, retry, RetryPolicy};
//! let server = FakeServer::start()?;
//! let mut config = kie::Config::new(download_url::fake::KIE_API_KEY);
//! config.base_url = server.base_url();
//! let agent = agent();
//! let link = retry(&RetryPolicy::default(), || {
//!     kie::download_link(&agent, &config, "https://tempfile.aiquickdraw.com/a.png")
//! })?;
//! # let _ = link;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Why retrying is safe here
//!
//! Every call this crate makes only *reads*: it asks the vendor to sign a URL for a
//! file that already exists and creates nothing the caller would see twice (a
//! Cloudreve archive session or a fresh presigned URL is invisible and expires on
//! its own). Repeating a call therefore cannot duplicate work.
//!
//! # What is retried
//!
//! Only errors whose [`Error::is_retryable`] is true: timeouts, connection failures,
//! HTTP 429/5xx outside the contract and the vendors' own "rate limited",
//! "maintenance" and "server error" codes. Invalid input, authentication,
//! permission, not-found, validation and insufficient-credit errors are never
//! retried, and neither is a reply that broke the contract with a 2xx status.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use crate::Error;

/// How [`retry`] retries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = no retry).
    pub max_attempts: u32,
    /// First backoff delay; doubled at each further attempt.
    pub base_delay: Duration,
    /// Longest backoff delay.
    pub max_delay: Duration,
    /// Longest `Retry-After` the helper will honour. A vendor asking for more is
    /// not waited for: the error is returned at once (its
    /// [`retry_after`](Error::retry_after) tells the caller how long).
    pub max_retry_after: Duration,
    /// Wall-clock budget for all attempts and waits: a wait that would end past it
    /// is not started.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 500 ms up to 8 s, `Retry-After` honoured up to 60 s,
    /// 2 minutes in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            max_total: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The default policy with `retries` retries after the first attempt.
    pub fn with_retries(retries: u32) -> Self {
        RetryPolicy {
            max_attempts: retries.saturating_add(1),
            ..RetryPolicy::default()
        }
    }

    /// Exponential backoff with "equal jitter": a random delay between half and
    /// all of `base_delay * 2^(attempt-1)`, capped at `max_delay`.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max_delay);
        let half = exp / 2;
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(attempt);
        let frac = (hasher.finish() % 1001) as u32; // 0..=1000
        half + (exp - half) * frac / 1000
    }
}

/// Calls `call` until it succeeds, fails with an error that is not retryable, or
/// the policy's attempts or time run out; returns the last result.
///
/// Between attempts it waits the error's `Retry-After` when given (up to
/// [`RetryPolicy::max_retry_after`]), else an exponential backoff with jitter.
///
/// # Errors
///
/// The last error `call` returned.
pub fn retry<T>(
    policy: &RetryPolicy,
    mut call: impl FnMut() -> Result<T, Error>,
) -> Result<T, Error> {
    let start = Instant::now();
    let mut attempt = 1;
    loop {
        let err = match call() {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if !err.is_retryable() || attempt >= policy.max_attempts {
            return Err(err);
        }
        let wait = match err.retry_after() {
            Some(asked) if asked > policy.max_retry_after => return Err(err),
            Some(asked) => asked,
            None => policy.backoff(attempt),
        };
        if start.elapsed() + wait > policy.max_total {
            return Err(err);
        }
        std::thread::sleep(wait);
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let d = policy.backoff(attempt);
            let full = (policy.base_delay * (1 << (attempt - 1))).min(policy.max_delay);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} vs {full:?}"
            );
        }
        assert!(policy.backoff(u32::MAX) <= policy.max_delay);
    }
}
