//! [`Secret`]: a credential that never prints itself, and [`BaseUrl`]: a base
//! URL that prints itself redacted.

use std::fmt;
use std::sync::Arc;

use crate::http::ParsedBase;

/// A credential (API key, access token, app secret, purchase ticket).
///
/// `Debug` prints `Secret([redacted])` and there is deliberately no `Display`:
/// the only way to read the value is [`Secret::expose`], which the crate calls
/// when it writes the value into a request header.
///
/// ```
/// use download_url::Secret;
/// let key = Secret::new("sk-live-123");
/// assert_eq!(format!("{key:?}"), "Secret([redacted])");
/// assert_eq!(key.expose(), "sk-live-123");
/// ```
///
/// Cloning is cheap (a reference count): the crate keeps the secrets a request
/// carried, to scrub them from whatever the server echoes back.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The credential itself. Keep the result out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `true` when the credential is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(Arc::from(value))
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(Arc::from(value))
    }
}

/// The base URL of a vendor in its `Config` (`https://host[:port][/prefix]`).
///
/// It is plain text, checked when it is built (scheme `http` or `https`, a
/// host, no user info, query or fragment; a call with a base URL that fails is
/// refused before anything is sent); `Debug` and `Display` show it with
/// any user info left out and the query replaced by `[redacted]`, as
/// [`redact_url`] does, so
/// that a config can be printed whatever was put into it. Build one from a
/// string: `"https://cloud.example.com".into()`.
///
/// ```
/// use download_url::BaseUrl;
/// let base = BaseUrl::from("https://user:pw@cloud.example.com/?token=t");
/// assert_eq!(format!("{base:?}"), "BaseUrl(\"https://cloud.example.com/?[redacted]\")");
/// assert_eq!(base.as_str(), "https://user:pw@cloud.example.com/?token=t");
/// ```
///
/// [`redact_url`]: crate::redact_url
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(Result<ParsedBase, &'static str>, String);

impl BaseUrl {
    /// Wraps a base URL (a call refuses one that is not usable).
    pub fn new(url: impl Into<String>) -> Self {
        let url: String = url.into();
        BaseUrl(ParsedBase::parse(&url), url)
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.1
    }

    /// The URL taken apart, or the [`Error::InvalidInput`](crate::Error::InvalidInput)
    /// of `vendor` naming `base_url` and why it is refused.
    pub(crate) fn parsed(&self, vendor: crate::Vendor) -> Result<&ParsedBase, crate::Error> {
        self.0
            .as_ref()
            .map_err(|why| crate::Error::invalid(vendor, "base_url", *why))
    }
}

impl Default for BaseUrl {
    fn default() -> Self {
        BaseUrl::new(String::new())
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BaseUrl")
            .field(&crate::url::redact_url(&self.1))
            .finish()
    }
}

impl fmt::Display for BaseUrl {
    /// The URL, with user info and query redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::url::redact_url(&self.1))
    }
}

impl std::ops::Deref for BaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.1
    }
}

impl AsRef<str> for BaseUrl {
    fn as_ref(&self) -> &str {
        &self.1
    }
}

/// So that a base URL can be handed to `std::env::set_var` or a `Command` as it is.
impl AsRef<std::ffi::OsStr> for BaseUrl {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.1.as_ref()
    }
}

impl From<String> for BaseUrl {
    fn from(url: String) -> Self {
        BaseUrl::new(url)
    }
}

impl From<&str> for BaseUrl {
    fn from(url: &str) -> Self {
        BaseUrl::new(url)
    }
}

impl From<&String> for BaseUrl {
    fn from(url: &String) -> Self {
        BaseUrl::new(url.as_str())
    }
}

impl PartialEq<str> for BaseUrl {
    fn eq(&self, other: &str) -> bool {
        self.1 == other
    }
}

impl PartialEq<&str> for BaseUrl {
    fn eq(&self, other: &&str) -> bool {
        self.1 == *other
    }
}
