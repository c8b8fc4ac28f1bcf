//! [`agent()`]: a `ureq::Agent` with the crate's defaults.

use std::time::Duration;

use crate::http::DEFAULT_TIMEOUT;

/// Connect timeout of [`agent()`] (10 s).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`ureq::Agent`] with the crate's defaults: connect timeout [`CONNECT_TIMEOUT`],
/// overall timeout [`DEFAULT_TIMEOUT`], user agent `download-url/<version>`.
///
/// Any agent works with the vendor functions: those force per request what the
/// crate depends on (error bodies readable, redirects not followed, a body limit,
/// a timeout when the agent has none).
pub fn agent() -> ureq::Agent {
    agent_with_timeout(DEFAULT_TIMEOUT)
}

/// Like [`agent()`], with `timeout` as the overall per-call timeout.
pub fn agent_with_timeout(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT.min(timeout)))
        .timeout_global(Some(timeout))
        .user_agent(concat!("download-url/", env!("CARGO_PKG_VERSION")))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent()
}
