//! `dlurl cloudreve [--download] [--redirect] [--archive] [--skip-error] [--no-cache]
//! [--use-primary-site-url] [--entity ID] <uri|path>…`
//!
//! The site comes from `--base-url` or `CLOUDREVE_BASE_URL` (required); the access
//! token from `CLOUDREVE_TOKEN` (optional: anonymous without it). A plain path
//! becomes `cloudreve://my/<path>`; a `cloudreve://` URI is sent as given.
//! A partial result (`--skip-error`) prints the links and exits 4 with each failed
//! URI on stderr; code 40081 exits 1 listing each URI with its code.

use download_url::cloudreve::{self, ErrorDetail};
use download_url::retry;

use crate::cli::{split_args, Failure, Global, Outcome};

const SWITCHES: [&str; 6] = [
    "--download",
    "--redirect",
    "--archive",
    "--skip-error",
    "--no-cache",
    "--use-primary-site-url",
];

pub fn run(global: &Global, args: &[String]) -> Result<Outcome, Failure> {
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
    let base_url = match &global.base_url {
        Some(url) => url.clone(),
        None => std::env::var("CLOUDREVE_BASE_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                Failure::Usage("cloudreve needs --base-url or CLOUDREVE_BASE_URL".into())
            })?,
    };
    let mut config = cloudreve::Config::new(base_url);
    config.allow_insecure_http = global.allow_insecure_http;
    config.access_token = std::env::var("CLOUDREVE_TOKEN")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(Into::into);
    let agent = global.agent();
    let urls = retry(&global.policy(), || {
        cloudreve::download_urls(&agent, &config, &request)
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
    })?;
    let failures = urls
        .failed
        .iter()
        .map(|uri| {
            format!(
                "{} (the server gives no reason)",
                cloudreve::redact_uri(uri)
            )
        })
        .collect();
    Ok(Outcome {
        links: urls.into_links(),
        failures,
    })
}
