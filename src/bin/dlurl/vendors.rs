//! One function per vendor command: arguments → request, `Config::from_env()`,
//! the library call under the retry policy. Nothing here reads credentials: each
//! vendor's `Config::from_env` does (and `--base-url` arrives as
//! `<VENDOR>_BASE_URL`, see `cli::main`).

// A build without some vendor features leaves some of these unused.
#![cfg_attr(
    not(all(
        feature = "kie",
        feature = "datalab",
        feature = "cloudreve",
        feature = "blendvision",
        feature = "koodrive"
    )),
    allow(dead_code, unused_imports)
)]

use download_url::{retry, Batch, Error, Vendor};

use crate::cli::{ids_or_stdin, Args, Failure, Global};

/// The options a vendor command takes after its name.
pub struct Spec {
    /// Options that take a value.
    pub valued: &'static [&'static str],
    /// Options that do not.
    pub switches: &'static [&'static str],
}

const NONE: Spec = Spec {
    valued: &[],
    switches: &[],
};
const DATALAB: Spec = Spec {
    valued: &["--expires-in"],
    switches: &[],
};
const CLOUDREVE: Spec = Spec {
    valued: &["--entity"],
    switches: &[
        "--download",
        "--redirect",
        "--archive",
        "--skip-error",
        "--no-cache",
        "--use-primary-site-url",
    ],
};
const KOODRIVE: Spec = Spec {
    valued: &[
        "--token-prefix",
        "--share-folder",
        "--trace-id",
        "--language",
    ],
    switches: &[],
};

/// The command `name` (a vendor id, or its name in any case, or `demo`) and the
/// options it takes; `None` for a vendor this build does not know.
pub fn spec(name: &str) -> Option<(&'static str, Spec)> {
    if name == "demo" {
        return Some(("demo", NONE));
    }
    let vendor: Vendor = name.parse().ok()?;
    let spec = match vendor {
        #[cfg(feature = "kie")]
        Vendor::Kie => Some(NONE),
        #[cfg(feature = "datalab")]
        Vendor::Datalab => Some(DATALAB),
        #[cfg(feature = "cloudreve")]
        Vendor::Cloudreve => Some(CLOUDREVE),
        #[cfg(feature = "blendvision")]
        Vendor::BlendVision => Some(NONE),
        #[cfg(feature = "koodrive")]
        Vendor::KooDrive => Some(KOODRIVE),
        #[allow(unreachable_patterns)] // every vendor feature on
        _ => None,
    }?;
    Some((vendor.id(), spec))
}

/// The vendor whose option `flag` is, for a hint when it comes before the vendor name.
pub fn owner_of(flag: &str) -> Option<&'static str> {
    [
        ("datalab", DATALAB),
        ("cloudreve", CLOUDREVE),
        ("koodrive", KOODRIVE),
    ]
    .into_iter()
    .find(|(_, spec)| spec.valued.contains(&flag) || spec.switches.contains(&flag))
    .map(|(name, _)| name)
}

pub fn run(vendor: &str, global: &Global, args: &Args) -> Result<Batch, Failure> {
    match vendor {
        #[cfg(feature = "kie")]
        "kie" => kie(global, args),
        #[cfg(feature = "datalab")]
        "datalab" => datalab(global, args),
        #[cfg(feature = "cloudreve")]
        "cloudreve" => cloudreve(global, args),
        #[cfg(feature = "blendvision")]
        "blendvision" => blendvision(global, args),
        #[cfg(feature = "koodrive")]
        "koodrive" => koodrive(global, args),
        other => Err(Failure::Usage(format!("unknown vendor {other:?}"))),
    }
}

/// One link as a batch of one.
#[allow(dead_code)] // not every vendor feature uses it
fn one(link: download_url::DownloadLink) -> Batch {
    Batch::new(vec![link], Vec::new())
}

#[cfg(feature = "kie")]
fn kie(global: &Global, args: &Args) -> Result<Batch, Failure> {
    use download_url::kie;
    let [file_url] = &args.positional[..] else {
        return Err(Failure::Usage("kie takes exactly one <file-url>".into()));
    };
    let mut config = kie::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let link = retry(&global.policy(), |_| {
        kie::download_link(&agent, &config, file_url)
    })?;
    Ok(one(link))
}

#[cfg(feature = "datalab")]
fn datalab(global: &Global, args: &Args) -> Result<Batch, Failure> {
    use download_url::datalab;
    let [file_id] = &args.positional[..] else {
        return Err(Failure::Usage("datalab takes exactly one <file-id>".into()));
    };
    let mut request = datalab::Request::new(file_id.as_str());
    for (_, value) in &args.options {
        let text = value.as_deref().unwrap_or_default();
        request.expires_in = Some(text.parse().map_err(|_| {
            Failure::Usage(format!("--expires-in takes whole seconds, got {text:?}"))
        })?);
    }
    let mut config = datalab::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let link = retry(&global.policy(), |_| {
        datalab::download_link(&agent, &config, &request)
    })?;
    Ok(one(link))
}

/// `dlurl cloudreve [--download] [--redirect] [--archive] [--skip-error] [--no-cache]
/// [--use-primary-site-url] [--entity ID] <uri|path>…` (or `-`: from stdin): a
/// plain path becomes `cloudreve://my/<path>`; a 40081 lists each URI with its code.
#[cfg(feature = "cloudreve")]
fn cloudreve(global: &Global, args: &Args) -> Result<Batch, Failure> {
    use download_url::cloudreve::{self, ErrorDetail};
    if args.positional.is_empty() {
        return Err(Failure::Usage(
            "cloudreve takes at least one <uri|path> (or - to read them from stdin)".into(),
        ));
    }
    let items = ids_or_stdin(&args.positional)?;
    let mut request = cloudreve::Request::new(items.iter().map(|p| cloudreve::uri_from(p)));
    for (flag, value) in &args.options {
        let on = Some(true);
        match *flag {
            "--download" => request.download = on,
            "--redirect" => request.redirect = on,
            "--archive" => request.archive = on,
            "--skip-error" => request.skip_error = on,
            "--no-cache" => request.no_cache = on,
            "--use-primary-site-url" => request.use_primary_site_url = on,
            _ => request.entity.clone_from(value),
        }
    }
    let mut config = cloudreve::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    retry(&global.policy(), |_| {
        cloudreve::download_links(&agent, &config, &request)
    })
    .map_err(|err| {
        let lines = ErrorDetail::of(&err)
            .map(|detail| {
                detail
                    .aggregated_error
                    .iter()
                    .map(|(uri, e)| {
                        format!(
                            "{}: code {}: {}",
                            cloudreve::redact_uri(uri),
                            e.code.code(),
                            e.msg
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Failure::Error(err, lines)
    })
}

/// `dlurl blendvision <file-id>…` (or `-`: from stdin): one id uses the
/// single-file call, several the batch call.
#[cfg(feature = "blendvision")]
fn blendvision(global: &Global, args: &Args) -> Result<Batch, Failure> {
    use download_url::blendvision;
    if args.positional.is_empty() {
        return Err(Failure::Usage(
            "blendvision takes one or more <file-id> (or - to read them from stdin)".into(),
        ));
    }
    let ids = ids_or_stdin(&args.positional)?;
    let mut config = blendvision::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let policy = global.policy();
    Ok(match &ids[..] {
        [id] => one(retry(&policy, |_| {
            blendvision::download_link(&agent, &config, id)
        })?),
        _ => retry(&policy, |_| {
            blendvision::download_links(&agent, &config, &ids)
        })?,
    })
}

/// `dlurl koodrive <container-id> <file-id>…` (or `<container-id> -`: from
/// stdin): token or app-signature auth, any number of ids (split into calls of
/// 100 by the library).
#[cfg(feature = "koodrive")]
fn koodrive(global: &Global, args: &Args) -> Result<Batch, Failure> {
    use download_url::koodrive::{self, Auth};
    let Some((container_id, file_ids)) = args.positional.split_first() else {
        return Err(Failure::Usage(
            "koodrive takes <container-id> <file-id>…".into(),
        ));
    };
    if file_ids.is_empty() {
        return Err(Failure::Usage(
            "koodrive takes at least one <file-id> after <container-id> (or - to read them from stdin)"
                .into(),
        ));
    }
    let file_ids = ids_or_stdin(file_ids)?;
    let mut config = koodrive::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    for (flag, value) in &args.options {
        let value = value.clone().unwrap_or_default();
        match *flag {
            "--token-prefix" => {
                if let Auth::Token { prefix, .. } = &mut config.auth {
                    *prefix = value;
                }
            }
            "--share-folder" => config.share_folder_id = Some(value),
            "--trace-id" => config.trace_id = Some(value),
            _ => config.language = Some(value),
        }
    }
    let request = koodrive::Request::new(container_id.as_str(), file_ids);
    let agent = global.agent();
    Ok(retry(&global.policy(), |_| {
        koodrive::download_links(&agent, &config, &request)
    })?)
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Error(err, Vec::new())
    }
}
