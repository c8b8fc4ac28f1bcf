//! [`api_key_config!`]: the `Config` of a vendor that needs only an API key.

/// Defines `pub struct Config` for a vendor whose only credential is one API key
/// (kie.ai, Datalab): `base_url` (default: the invoking module's
/// `DEFAULT_BASE_URL`), `api_key` and `allow_insecure_http`, with `Config::new`
/// and a `Debug` that hides the key and the query of the base URL.
///
/// ```text
/// api_key_config! {
///     /// Struct docs.
///     pub struct Config {
///         /// Docs of the `api_key` field.
///         pub api_key,
///     }
/// }
/// ```
macro_rules! api_key_config {
    (
        $(#[$doc:meta])*
        pub struct Config {
            $(#[$key_doc:meta])*
            pub api_key,
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone)]
        #[non_exhaustive]
        pub struct Config {
            /// Base URL, default [`DEFAULT_BASE_URL`].
            pub base_url: String,
            $(#[$key_doc])*
            pub api_key: $crate::Secret,
            /// Allow sending the key over plain `http://` to a host that is not loopback
            /// (default `false`). When `false`, a call to an `http://` base URL whose host
            /// is not loopback (`localhost`, `127.0.0.0/8`, `::1`) fails with
            /// [`Error::InvalidInput`](crate::Error::InvalidInput) for `base_url` before
            /// anything is sent; `https://` and loopback are never refused.
            pub allow_insecure_http: bool,
        }

        impl Config {
            /// A config for the public API with `api_key`.
            pub fn new(api_key: impl Into<$crate::Secret>) -> Self {
                Config {
                    base_url: DEFAULT_BASE_URL.to_owned(),
                    api_key: api_key.into(),
                    allow_insecure_http: false,
                }
            }
        }

        impl ::std::fmt::Debug for Config {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("Config")
                    .field("base_url", &$crate::redact_url(&self.base_url))
                    .field("api_key", &self.api_key)
                    .field("allow_insecure_http", &self.allow_insecure_http)
                    .finish()
            }
        }
    };
}

pub(crate) use api_key_config;
