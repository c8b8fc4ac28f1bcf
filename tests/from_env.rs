//! `Config::from_env()` of every vendor: required variables missing or blank are
//! `Error::InvalidInput` whose `field` is the variable's name; optional ones fill
//! in the config; no credential is echoed.
//!
//! Environment variables are process-global: every case runs inside the one
//! `#[test]` of this binary, one after the other, and no other test here reads
//! these variables.
#![cfg(all(
    feature = "kie",
    feature = "datalab",
    feature = "cloudreve",
    feature = "blendvision",
    feature = "koodrive"
))]

use download_url::{blendvision, cloudreve, datalab, kie, koodrive};
use download_url::{Error, Vendor};

/// Every variable any `from_env` reads.
const VARIABLES: [&str; 15] = [
    "KIE_API_KEY",
    "KIE_BASE_URL",
    "DATALAB_API_KEY",
    "DATALAB_BASE_URL",
    "CLOUDREVE_BASE_URL",
    "CLOUDREVE_TOKEN",
    "BLENDVISION_API_TOKEN",
    "BLENDVISION_ORG_ID",
    "BLENDVISION_BASE_URL",
    "KOODRIVE_USER_ID",
    "KOODRIVE_TOKEN",
    "KOODRIVE_TOKEN_PREFIX",
    "KOODRIVE_APP_ID",
    "KOODRIVE_APP_SECRET",
    "KOODRIVE_BASE_URL",
];

/// Values that must never show up in an error.
const SECRETS: [&str; 6] = [
    "kie-env-SECRET-1",
    "datalab-env-SECRET-2",
    "cloudreve-env-SECRET-3",
    "bv-env-SECRET-4",
    "kd-env-SECRET-5",
    "kd-app-env-SECRET-6",
];

fn clear() {
    for name in VARIABLES {
        std::env::remove_var(name);
    }
}

fn set(pairs: &[(&str, &str)]) {
    clear();
    for (name, value) in pairs {
        std::env::set_var(name, value);
    }
}

/// The error must be invalid input for `vendor` naming `variable`, not
/// retryable, and echo no secret.
#[track_caller]
fn assert_missing<T: std::fmt::Debug>(result: Result<T, Error>, vendor: Vendor, variable: &str) {
    let err = match result {
        Ok(config) => panic!("{variable}: expected an error, got {config:?}"),
        Err(err) => err,
    };
    match &err {
        Error::InvalidInput(input) => {
            assert_eq!(input.vendor, vendor, "{err:?}");
            assert_eq!(input.field, variable, "{err:?}");
        }
        other => panic!("{variable}: not InvalidInput: {other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(err.vendor(), vendor);
    assert_eq!(err.http_status(), None);
    let text = format!("{err} {err:?}");
    assert!(text.contains(variable), "{text}");
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} echoed: {text}");
    }
}

fn kie_cases() {
    for unset in [&[][..], &[("KIE_API_KEY", "")], &[("KIE_API_KEY", " \t ")]] {
        set(unset);
        assert_missing(kie::Config::from_env(), Vendor::Kie, "KIE_API_KEY");
    }
    // Another vendor's key does not count.
    set(&[("DATALAB_API_KEY", SECRETS[1])]);
    assert_missing(kie::Config::from_env(), Vendor::Kie, "KIE_API_KEY");

    set(&[("KIE_API_KEY", SECRETS[0])]);
    let config = kie::Config::from_env().unwrap();
    assert_eq!(config.api_key.expose(), SECRETS[0]);
    assert_eq!(config.base_url, kie::DEFAULT_BASE_URL);
    assert!(!config.allow_insecure_http);
    assert!(!format!("{config:?}").contains(SECRETS[0]));

    set(&[
        ("KIE_API_KEY", SECRETS[0]),
        ("KIE_BASE_URL", "http://127.0.0.1:9"),
    ]);
    assert_eq!(
        kie::Config::from_env().unwrap().base_url,
        "http://127.0.0.1:9"
    );
    // A blank optional variable is as if unset.
    set(&[("KIE_API_KEY", SECRETS[0]), ("KIE_BASE_URL", "  ")]);
    assert_eq!(
        kie::Config::from_env().unwrap().base_url,
        kie::DEFAULT_BASE_URL
    );
}

fn datalab_cases() {
    for unset in [
        &[][..],
        &[("DATALAB_API_KEY", "")],
        &[("DATALAB_API_KEY", "\n")],
    ] {
        set(unset);
        assert_missing(
            datalab::Config::from_env(),
            Vendor::Datalab,
            "DATALAB_API_KEY",
        );
    }
    set(&[("DATALAB_API_KEY", SECRETS[1])]);
    let config = datalab::Config::from_env().unwrap();
    assert_eq!(config.api_key.expose(), SECRETS[1]);
    assert_eq!(config.base_url, datalab::DEFAULT_BASE_URL);
    assert!(!format!("{config:?}").contains(SECRETS[1]));

    set(&[
        ("DATALAB_API_KEY", SECRETS[1]),
        ("DATALAB_BASE_URL", "https://datalab.internal.example"),
    ]);
    assert_eq!(
        datalab::Config::from_env().unwrap().base_url,
        "https://datalab.internal.example"
    );
}

fn cloudreve_cases() {
    // The site is required (self-hosted); the token is optional.
    for unset in [
        &[][..],
        &[("CLOUDREVE_BASE_URL", "")],
        &[("CLOUDREVE_TOKEN", SECRETS[2])],
        &[
            ("CLOUDREVE_BASE_URL", "  "),
            ("CLOUDREVE_TOKEN", SECRETS[2]),
        ],
    ] {
        set(unset);
        assert_missing(
            cloudreve::Config::from_env(),
            Vendor::Cloudreve,
            "CLOUDREVE_BASE_URL",
        );
    }
    set(&[("CLOUDREVE_BASE_URL", "https://cloud.example.com")]);
    let config = cloudreve::Config::from_env().unwrap();
    assert_eq!(config.base_url, "https://cloud.example.com");
    assert!(config.access_token.is_none(), "anonymous without a token");
    assert!(config.purchase_ticket.is_none());

    set(&[
        ("CLOUDREVE_BASE_URL", "https://cloud.example.com"),
        ("CLOUDREVE_TOKEN", SECRETS[2]),
    ]);
    let config = cloudreve::Config::from_env().unwrap();
    assert_eq!(
        config.access_token.as_ref().map(|t| t.expose()),
        Some(SECRETS[2])
    );
    assert!(!format!("{config:?}").contains(SECRETS[2]));

    // A blank token is anonymous, not an empty Bearer.
    set(&[
        ("CLOUDREVE_BASE_URL", "https://cloud.example.com"),
        ("CLOUDREVE_TOKEN", " "),
    ]);
    assert!(cloudreve::Config::from_env()
        .unwrap()
        .access_token
        .is_none());
}

fn blendvision_cases() {
    let token = ("BLENDVISION_API_TOKEN", SECRETS[3]);
    let org = ("BLENDVISION_ORG_ID", "org-1");
    // Neither: the first required one is named.
    set(&[]);
    assert_missing(
        blendvision::Config::from_env(),
        Vendor::BlendVision,
        "BLENDVISION_API_TOKEN",
    );
    set(&[org]);
    assert_missing(
        blendvision::Config::from_env(),
        Vendor::BlendVision,
        "BLENDVISION_API_TOKEN",
    );
    set(&[token]);
    assert_missing(
        blendvision::Config::from_env(),
        Vendor::BlendVision,
        "BLENDVISION_ORG_ID",
    );
    set(&[token, ("BLENDVISION_ORG_ID", " ")]);
    assert_missing(
        blendvision::Config::from_env(),
        Vendor::BlendVision,
        "BLENDVISION_ORG_ID",
    );

    set(&[token, org]);
    let config = blendvision::Config::from_env().unwrap();
    assert_eq!(config.api_token.expose(), SECRETS[3]);
    assert_eq!(config.org_id, "org-1");
    assert_eq!(config.base_url, blendvision::DEFAULT_BASE_URL);
    assert!(!format!("{config:?}").contains(SECRETS[3]));

    set(&[token, org, ("BLENDVISION_BASE_URL", "https://bv.example")]);
    assert_eq!(
        blendvision::Config::from_env().unwrap().base_url,
        "https://bv.example"
    );
}

fn koodrive_cases() {
    let user = ("KOODRIVE_USER_ID", "1505084218764547200");
    let token = ("KOODRIVE_TOKEN", SECRETS[4]);
    let app_id = ("KOODRIVE_APP_ID", "app-1");
    let app_secret = ("KOODRIVE_APP_SECRET", SECRETS[5]);

    // The user id first, whatever else is set.
    for without_user in [&[][..], &[token], &[app_id, app_secret]] {
        set(without_user);
        assert_missing(
            koodrive::Config::from_env(),
            Vendor::KooDrive,
            "KOODRIVE_USER_ID",
        );
    }
    set(&[("KOODRIVE_USER_ID", " "), token]);
    assert_missing(
        koodrive::Config::from_env(),
        Vendor::KooDrive,
        "KOODRIVE_USER_ID",
    );
    // A user id and no credential: the token is named.
    set(&[user]);
    assert_missing(
        koodrive::Config::from_env(),
        Vendor::KooDrive,
        "KOODRIVE_TOKEN",
    );
    // An app secret without its app id is no credential either.
    set(&[user, app_secret]);
    assert_missing(
        koodrive::Config::from_env(),
        Vendor::KooDrive,
        "KOODRIVE_TOKEN",
    );
    // An app id without its secret.
    set(&[user, app_id]);
    assert_missing(
        koodrive::Config::from_env(),
        Vendor::KooDrive,
        "KOODRIVE_APP_SECRET",
    );
    set(&[user, app_id, ("KOODRIVE_APP_SECRET", "")]);
    assert_missing(
        koodrive::Config::from_env(),
        Vendor::KooDrive,
        "KOODRIVE_APP_SECRET",
    );
    // Both modes at once: ambiguous, refused (naming the token), nothing echoed.
    set(&[user, token, app_id, app_secret]);
    assert_missing(
        koodrive::Config::from_env(),
        Vendor::KooDrive,
        "KOODRIVE_TOKEN",
    );

    // Token mode, default prefix.
    set(&[user, token]);
    let config = koodrive::Config::from_env().unwrap();
    assert_eq!(config.user_id, user.1);
    assert_eq!(config.base_url, koodrive::DEFAULT_BASE_URL);
    match &config.auth {
        koodrive::Auth::Token { token, prefix } => {
            assert_eq!(token.expose(), SECRETS[4]);
            assert_eq!(prefix, koodrive::DEFAULT_TOKEN_PREFIX);
        }
        other => panic!("not token mode: {other:?}"),
    }
    assert!(!format!("{config:?}").contains(SECRETS[4]));

    // Token mode with a prefix (empty: the raw token).
    for prefix in ["Bearer+", ""] {
        set(&[user, token, ("KOODRIVE_TOKEN_PREFIX", prefix)]);
        match koodrive::Config::from_env().unwrap().auth {
            koodrive::Auth::Token { prefix: got, .. } => assert_eq!(got, prefix),
            other => panic!("not token mode: {other:?}"),
        }
    }

    // App-signature mode.
    set(&[
        user,
        app_id,
        app_secret,
        ("KOODRIVE_BASE_URL", koodrive::CN_BASE_URL),
    ]);
    let config = koodrive::Config::from_env().unwrap();
    match &config.auth {
        koodrive::Auth::AppSignature { app_id, app_secret } => {
            assert_eq!(app_id, "app-1");
            assert_eq!(app_secret.expose(), SECRETS[5]);
        }
        other => panic!("not app-signature mode: {other:?}"),
    }
    assert_eq!(config.base_url, koodrive::CN_BASE_URL);
    assert!(!format!("{config:?}").contains(SECRETS[5]));
}

/// A config read from the environment works against the fake (the optional
/// `<VENDOR>_BASE_URL` pointing at it).
#[cfg(feature = "fake")]
fn end_to_end() {
    use download_url::fake::{self, FakeServer};
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let agent = download_url::agent();

    set(&[("KIE_API_KEY", fake::KIE_API_KEY), ("KIE_BASE_URL", &base)]);
    let link = kie::download_link(
        &agent,
        &kie::Config::from_env().unwrap(),
        "https://tempfile.aiquickdraw.com/a.png",
    )
    .unwrap();
    assert_eq!(link.vendor, Vendor::Kie);

    set(&[
        ("DATALAB_API_KEY", fake::DATALAB_API_KEY),
        ("DATALAB_BASE_URL", &base),
    ]);
    let config = datalab::Config::from_env().unwrap();
    datalab::download_link(&agent, &config, &datalab::Request::new(42)).unwrap();

    set(&[
        ("CLOUDREVE_BASE_URL", &base),
        ("CLOUDREVE_TOKEN", fake::CLOUDREVE_TOKEN),
    ]);
    let config = cloudreve::Config::from_env().unwrap();
    let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
    cloudreve::download_link(&agent, &config, &request).unwrap();

    set(&[
        ("BLENDVISION_API_TOKEN", fake::BLENDVISION_API_TOKEN),
        ("BLENDVISION_ORG_ID", fake::BLENDVISION_ORG_ID),
        ("BLENDVISION_BASE_URL", &base),
    ]);
    let config = blendvision::Config::from_env().unwrap();
    blendvision::download_link(&agent, &config, "63df97e3-519b-4426-bf01-d1841cdc2ccd").unwrap();

    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    for auth in [
        vec![("KOODRIVE_TOKEN", fake::KOODRIVE_TOKEN)],
        vec![
            ("KOODRIVE_APP_ID", fake::KOODRIVE_APP_ID),
            ("KOODRIVE_APP_SECRET", fake::KOODRIVE_APP_SECRET),
        ],
    ] {
        let mut pairs = vec![
            ("KOODRIVE_USER_ID", fake::KOODRIVE_USER_ID),
            ("KOODRIVE_BASE_URL", base.as_str()),
        ];
        pairs.extend(auth);
        set(&pairs);
        let config = koodrive::Config::from_env().unwrap();
        koodrive::download_link(&agent, &config, &request).unwrap();
    }
    assert_eq!(server.request_count(), 6);
}

#[test]
fn from_env_for_every_vendor() {
    kie_cases();
    datalab_cases();
    cloudreve_cases();
    blendvision_cases();
    koodrive_cases();
    #[cfg(feature = "fake")]
    end_to_end();
    clear();
}
