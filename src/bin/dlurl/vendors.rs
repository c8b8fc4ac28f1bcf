//! One function per vendor command: arguments → request, `Config::from_env()`,
//! the library call under the retry policy. Nothing here reads credentials: each
//! vendor's `Config::from_env` does (and `--base-url` arrives as
//! `<VENDOR>_BASE_URL`, see `cli::main`).

use download_url::{retry, Batch, Error};

use crate::cli::{split_args, Failure, Global};

pub fn run(vendor: &str, global: &Global, args: &[String]) -> Result<Batch, Failure> {
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
fn kie(global: &Global, args: &[String]) -> Result<Batch, Failure> {
    use download_url::kie;
    let (positional, _) = split_args(args, &[], &[])?;
    let [file_url] = positional[..] else {
        return Err(Failure::Usage("kie takes exactly one <file-url>".into()));
    };
    let mut config = kie::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let link = retry(&global.policy(), || {
        kie::download_link(&agent, &config, file_url)
    })?;
    Ok(one(link))
}

#[cfg(feature = "datalab")]
fn datalab(global: &Global, args: &[String]) -> Result<Batch, Failure> {
    use download_url::datalab;
    let (positional, options) = split_args(args, &["--expires-in"], &[])?;
    let [file_id] = positional[..] else {
        return Err(Failure::Usage("datalab takes exactly one <file-id>".into()));
    };
    let mut request = datalab::Request::new(file_id);
    for (_, value) in options {
        let text = value.unwrap_or_default();
        request.expires_in = Some(text.parse().map_err(|_| {
            Failure::Usage(format!("--expires-in takes whole seconds, got {text:?}"))
        })?);
    }
    let mut config = datalab::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let link = retry(&global.policy(), || {
        datalab::download_link(&agent, &config, &request)
    })?;
    Ok(one(link))
}

/// `dlurl cloudreve [--download] [--redirect] [--archive] [--skip-error] [--no-cache]
/// [--use-primary-site-url] [--entity ID] <uri|path>…`: a plain path becomes
/// `cloudreve://my/<path>`; a 40081 lists each URI with its code.
#[cfg(feature = "cloudreve")]
fn cloudreve(global: &Global, args: &[String]) -> Result<Batch, Failure> {
    use download_url::cloudreve::{self, ErrorDetail};
    const SWITCHES: [&str; 6] = [
        "--download",
        "--redirect",
        "--archive",
        "--skip-error",
        "--no-cache",
        "--use-primary-site-url",
    ];
    let (positional, options) = split_args(args, &["--entity"], &SWITCHES)?;
    if positional.is_empty() {
        return Err(Failure::Usage(
            "cloudreve takes at least one <uri|path>".into(),
        ));
    }
    let mut request = cloudreve::Request::new(positional.iter().map(|p| cloudreve::uri_from(p)));
    for (flag, value) in options {
        let on = Some(true);
        match flag {
            "--download" => request.download = on,
            "--redirect" => request.redirect = on,
            "--archive" => request.archive = on,
            "--skip-error" => request.skip_error = on,
            "--no-cache" => request.no_cache = on,
            "--use-primary-site-url" => request.use_primary_site_url = on,
            _ => request.entity = value.map(str::to_owned),
        }
    }
    let mut config = cloudreve::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    retry(&global.policy(), || {
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

/// `dlurl blendvision <file-id>…`: one id uses the single-file call, several the
/// batch call.
#[cfg(feature = "blendvision")]
fn blendvision(global: &Global, args: &[String]) -> Result<Batch, Failure> {
    use download_url::blendvision;
    let (ids, _) = split_args(args, &[], &[])?;
    if ids.is_empty() {
        return Err(Failure::Usage(
            "blendvision takes one or more <file-id>".into(),
        ));
    }
    let mut config = blendvision::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let policy = global.policy();
    Ok(match ids[..] {
        [id] => one(retry(&policy, || {
            blendvision::download_link(&agent, &config, id)
        })?),
        _ => retry(&policy, || {
            blendvision::download_links(&agent, &config, &ids)
        })?,
    })
}

/// `dlurl koodrive <container-id> <file-id>…`: token or app-signature auth, any
/// number of ids (split into calls of 100 by the library).
#[cfg(feature = "koodrive")]
fn koodrive(global: &Global, args: &[String]) -> Result<Batch, Failure> {
    use download_url::koodrive::{self, Auth};
    let (positional, options) = split_args(
        args,
        &[
            "--token-prefix",
            "--share-folder",
            "--trace-id",
            "--language",
        ],
        &[],
    )?;
    let Some((container_id, file_ids)) = positional.split_first() else {
        return Err(Failure::Usage(
            "koodrive takes <container-id> <file-id>…".into(),
        ));
    };
    if file_ids.is_empty() {
        return Err(Failure::Usage(
            "koodrive takes at least one <file-id> after <container-id>".into(),
        ));
    }
    let mut config = koodrive::Config::from_env()?;
    config.allow_insecure_http = global.allow_insecure_http;
    for (flag, value) in options {
        let value = value.unwrap_or_default().to_owned();
        match flag {
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
    let request = koodrive::Request::new(*container_id, file_ids.iter().copied());
    let agent = global.agent();
    Ok(retry(&global.policy(), || {
        koodrive::download_links(&agent, &config, &request)
    })?)
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Error(err, Vec::new())
    }
}
