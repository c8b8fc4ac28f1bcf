//! `dlurl koodrive <container-id> <file-id>…`: token or app-signature auth, any
//! number of ids (split into calls of 100 by the library).

use download_url::koodrive::{self, Auth};
use download_url::{retry, ApiDetail, Error};

use crate::cli::{base_url, env_credential, split_args, Failure, Global, Outcome};

/// An environment variable that is set and not blank.
fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

pub fn run(global: &Global, args: &[String]) -> Result<Outcome, Failure> {
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
    let mut token_prefix = koodrive::DEFAULT_TOKEN_PREFIX.to_owned();
    let mut share_folder = None;
    let mut trace_id = None;
    let mut language = None;
    for (flag, value) in options {
        let value = value.unwrap_or_default().to_owned();
        match flag {
            "--token-prefix" => token_prefix = value,
            "--share-folder" => share_folder = Some(value),
            "--trace-id" => trace_id = Some(value),
            "--language" => language = Some(value),
            _ => {}
        }
    }
    let user_id = env_credential("KOODRIVE_USER_ID")?;
    let auth = match (env_set("KOODRIVE_TOKEN"), env_set("KOODRIVE_APP_ID")) {
        (true, true) => {
            return Err(Failure::Usage(
                "set either KOODRIVE_TOKEN or KOODRIVE_APP_ID + KOODRIVE_APP_SECRET, not both"
                    .into(),
            ))
        }
        (true, false) => Auth::token_with_prefix(env_credential("KOODRIVE_TOKEN")?, token_prefix),
        (false, true) => Auth::app_signature(
            env_credential("KOODRIVE_APP_ID")?,
            env_credential("KOODRIVE_APP_SECRET")?,
        ),
        (false, false) => {
            return Err(Failure::Usage(
                "KOODRIVE_TOKEN, or KOODRIVE_APP_ID and KOODRIVE_APP_SECRET, must be set".into(),
            ))
        }
    };
    let mut config = koodrive::Config::new(user_id, auth);
    config.base_url = base_url(global, koodrive::DEFAULT_BASE_URL);
    config.allow_insecure_http = global.allow_insecure_http;
    config.share_folder_id = share_folder;
    config.trace_id = trace_id;
    if let Some(language) = language {
        config.language = Some(language);
    }
    let request = koodrive::Request::new(*container_id, file_ids.iter().copied());
    let agent = global.agent();
    let downloads = retry(&global.policy(), || {
        koodrive::download_urls(&agent, &config, &request)
    })
    .map_err(|err| {
        let lines = failure_lines(&err);
        Failure::Error(err, lines)
    })?;
    let failures = downloads.failures.iter().map(failure_line).collect();
    Ok(Outcome {
        links: downloads.into_links(),
        failures,
    })
}

/// `<file-id> <code> <message>`, on one line.
fn failure_line(failure: &koodrive::FileFailure) -> String {
    let flat = |text: &str| -> String {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    format!(
        "{} {} {}",
        flat(&failure.file_id),
        flat(&failure.code),
        flat(&failure.message)
    )
}

/// One line per failed file when every file failed.
fn failure_lines(err: &Error) -> Vec<String> {
    match err.api_detail() {
        Some(ApiDetail::KooDrive(detail)) => detail.failures.iter().map(failure_line).collect(),
        _ => Vec::new(),
    }
}
