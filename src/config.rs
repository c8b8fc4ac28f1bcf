//! What every vendor's `Config` shares: reading it from the environment.

use crate::{Error, Vendor};

/// The value of environment variable `name` when it is set and not blank.
pub(crate) fn env_optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The value of environment variable `name`, or [`Error::InvalidInput`] naming it
/// (unset, blank, or not UTF-8).
pub(crate) fn env_required(vendor: Vendor, name: &'static str) -> Result<String, Error> {
    env_optional(name).ok_or_else(|| Error::invalid(vendor, name, "is not set"))
}
