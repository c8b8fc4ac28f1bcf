//! [`Secret`]: a credential that never prints itself.

use std::fmt;
use std::sync::Arc;

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
