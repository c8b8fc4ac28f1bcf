//! Opt-in retries for calls that may succeed later.
//!
//! ```
//! # #[cfg(all(feature = "fake", feature = "kie"))] {
//! use download_url::{agent, fake::FakeServer, kie, retry, RetryPolicy};
//! let server = FakeServer::start()?;
//! let mut config = kie::Config::new(download_url::fake::KIE_API_KEY);
//! config.base_url = server.base_url();
//! let agent = agent();
//! // `left` is what remains of the policy's time budget: as the call's own cap,
//! // it keeps the whole retry inside `max_total`.
//! let link = retry(&RetryPolicy::default(), |left| {
//!     config.call_timeout = Some(left);
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

use crate::error::Error;
use crate::vendor::Vendor;

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
    /// is not started, and no attempt starts once it is spent. [`retry`] hands each
    /// attempt the time left; a call bounds itself by it only when the caller
    /// passes it on (a vendor config's `call_timeout`) — otherwise a slow attempt
    /// can overrun the budget by up to the agent's per-phase timeouts.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 500 ms up to 8 s, `Retry-After` honoured up to 60 s,
    /// 2 minutes in all. The 2 minutes bound the waits and whether another attempt
    /// starts; they bound the attempts themselves only when the closure passes the
    /// time it is given on as the call's `call_timeout`.
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
    /// The documented default policy of `vendor`: `Retry-After` honoured up to
    /// the vendor's documented window, the total bounded.
    ///
    /// | vendor | attempts | backoff | `Retry-After` up to | in all | why |
    /// |---|---|---|---|---|---|
    /// | kie.ai | 4 | 1 s → 10 s | 10 s | 30 s | 20 requests per 10 s, per account: a full window is the longest useful wait |
    /// | Datalab | 10 | 5 s → 120 s | 60 s | 300 s | its docs: wait up to 60 s on 429; its SDK: 5–120 s over 10 attempts (the SDK's ~10 min halved: 200 requests a minute refill within one) |
    /// | Cloudreve | 3 | 500 ms → 8 s | 30 s | 60 s | self-hosted, no documented limit: the crate default, with a shorter `Retry-After` cap |
    /// | BlendVision | 3 | 1 s → 8 s | 30 s | 60 s | no documented limit (gRPC `RESOURCE_EXHAUSTED` is 429) |
    /// | KooDrive | 4 | 2 s → 5 s | 30 s | 60 s | no documented limit; Huawei's gateway throttling page (`APIG.0308`) says retry after 2 to 5 s |
    ///
    /// Backoff doubles from the first number up to the second, with jitter
    /// (between half and all of each step). The numbers are pinned by tests.
    ///
    /// ```
    /// use download_url::{RetryPolicy, Vendor};
    /// use std::time::Duration;
    /// let policy = RetryPolicy::for_vendor(Vendor::Datalab);
    /// assert_eq!(policy.max_retry_after, Duration::from_secs(60));
    /// ```
    pub fn for_vendor(vendor: Vendor) -> Self {
        let secs = Duration::from_secs;
        let (max_attempts, base_delay, max_delay, max_retry_after, max_total) = match vendor {
            Vendor::Kie => (4, secs(1), secs(10), secs(10), secs(30)),
            Vendor::Datalab => (10, secs(5), secs(120), secs(60), secs(300)),
            Vendor::Cloudreve => (3, Duration::from_millis(500), secs(8), secs(30), secs(60)),
            Vendor::BlendVision => (3, secs(1), secs(8), secs(30), secs(60)),
            Vendor::KooDrive => (4, secs(2), secs(5), secs(30), secs(60)),
        };
        RetryPolicy {
            max_attempts,
            base_delay,
            max_delay,
            max_retry_after,
            max_total,
        }
    }

    /// No retries: one attempt.
    pub fn none() -> Self {
        RetryPolicy::with_retries(0)
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
    /// Any `base_delay`/`max_delay` works, `Duration::MAX` included: the jitter is
    /// whole thousandths of the upper half, which cannot overflow.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max_delay);
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(attempt);
        let thousandths = (hasher.finish() % 1001) as u32; // 0..=1000
        let half = exp / 2;
        half + (exp - half) / 1000 * thousandths // ≤ exp
    }
}

/// Calls `call` until it succeeds, fails with an error that is not retryable, or
/// the policy's attempts or time run out; returns the last result.
///
/// `call` gets the time left of [`RetryPolicy::max_total`]: the closure cannot
/// shrink a call it does not control, so it should pass that on as the call's
/// cap (`config.call_timeout = Some(left)`) to keep the whole budget.
///
/// Between attempts it waits the error's `Retry-After` when given (up to
/// [`RetryPolicy::max_retry_after`]), else an exponential backoff with jitter.
///
/// # Errors
///
/// The last error `call` returned.
pub fn retry<T>(
    policy: &RetryPolicy,
    mut call: impl FnMut(Duration) -> Result<T, Error>,
) -> Result<T, Error> {
    let start = Instant::now();
    let mut attempt = 1;
    loop {
        let left = policy.max_total.saturating_sub(start.elapsed());
        let err = match call(left) {
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
        // Checked: a `Retry-After` of u64::MAX seconds with an unbounded
        // `max_retry_after` must end the loop, not overflow.
        match start.elapsed().checked_add(wait) {
            Some(end) if end <= policy.max_total => {}
            _ => return Err(err),
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

    #[test]
    fn backoff_never_overflows() {
        let policy = RetryPolicy {
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            ..RetryPolicy::default()
        };
        for attempt in [0, 1, 2, 31, u32::MAX] {
            assert!(policy.backoff(attempt) >= Duration::MAX / 2);
        }
    }
}
