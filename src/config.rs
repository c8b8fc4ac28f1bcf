//! What every vendor's `Config` shares: reading it from the environment, and the
//! bounds on every input, checked in one place ([`check_input`]) before anything
//! is sent.

use crate::base_url::BaseUrl;
use crate::error::Error;
use crate::vendor::Vendor;

/// The value of environment variable `name` when it is set and not blank.
pub(crate) fn env_optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `base_url` replaced by environment variable `name` when it is set and not
/// blank (every vendor's optional `<VENDOR>_BASE_URL`).
#[cfg_attr(
    not(any(
        feature = "kie",
        feature = "datalab",
        feature = "blendvision",
        feature = "koodrive"
    )),
    allow(dead_code)
)]
pub(crate) fn env_base_url(base_url: &mut BaseUrl, name: &str) {
    if let Some(value) = env_optional(name) {
        *base_url = value.into();
    }
}

/// The value of environment variable `name`, or [`Error::InvalidInput`] naming it
/// (unset, blank, or not UTF-8).
pub(crate) fn env_required(vendor: Vendor, name: &'static str) -> Result<String, Error> {
    env_optional(name).ok_or_else(|| Error::invalid(vendor, name, "is not set"))
}

/// The longest credential (API key, token, ticket, app id or secret) accepted, in
/// bytes: 4 KiB. Servers and gateways refuse request heads over 8 KiB in all.
pub const MAX_CREDENTIAL_LEN: usize = 4 << 10;
/// The longest plain header value accepted (user id, organization id, trace id,
/// language…), in bytes: 1 KiB.
pub const MAX_HEADER_LEN: usize = 1 << 10;
/// The longest id accepted (a Datalab, BlendVision or KooDrive file id, a KooDrive
/// space id), in bytes: 1 KiB — far above any id the vendors hand out.
pub const MAX_ID_LEN: usize = 1 << 10;
/// The longest URL or URI accepted as an item (a kie.ai file URL, a Cloudreve
/// URI), in bytes: 8 KiB, the common limit of a request line.
pub const MAX_URL_LEN: usize = 8 << 10;

/// Whether `text` is empty or only whitespace.
pub(crate) fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The one input check: `value` must not be blank and must fit in `max` bytes;
/// the error names `field` (the config field or argument, never a header).
pub(crate) fn check_input(
    vendor: Vendor,
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), Error> {
    if is_blank(value) {
        return Err(Error::invalid(vendor, field, "must not be empty"));
    }
    if value.len() > max {
        return Err(Error::invalid(
            vendor,
            field,
            format!("is {} bytes long; at most {max} are accepted", value.len()),
        ));
    }
    Ok(())
}

/// One path segment for an id: rejects empty, `.` and `..` (which a server or proxy
/// would normalise away) and percent-encodes everything else.
#[cfg_attr(
    not(any(feature = "datalab", feature = "blendvision")),
    allow(dead_code)
)]
pub(crate) fn path_segment<'a>(
    vendor: Vendor,
    field: &'static str,
    id: &'a str,
) -> Result<std::borrow::Cow<'a, str>, Error> {
    check_input(vendor, field, id, MAX_ID_LEN)?;
    match id {
        "." | ".." => Err(Error::invalid(vendor, field, "must not be `.` or `..`")),
        _ => Ok(percent_encoding::utf8_percent_encode(id, crate::encode::NOT_UNRESERVED).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_segment_never_changes_the_route() {
        assert!(path_segment(Vendor::Datalab, "file_id", "..").is_err());
        assert!(path_segment(Vendor::Datalab, "file_id", ".").is_err());
        assert!(path_segment(Vendor::Datalab, "file_id", "").is_err());
        assert_eq!(
            path_segment(Vendor::Datalab, "file_id", "../x").unwrap(),
            "..%2Fx"
        );
    }
}
