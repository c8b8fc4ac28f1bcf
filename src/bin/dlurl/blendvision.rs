//! `dlurl blendvision <file-id>…`: one id uses the single-file call, several the
//! batch call.

use download_url::{blendvision, retry};

use crate::cli::{base_url, env_credential, split_args, Failure, Global, Outcome};

pub fn run(global: &Global, args: &[String]) -> Result<Outcome, Failure> {
    let (ids, _) = split_args(args, &[], &[])?;
    if ids.is_empty() {
        return Err(Failure::Usage(
            "blendvision takes one or more <file-id>".into(),
        ));
    }
    let mut config = blendvision::Config::new(
        env_credential("BLENDVISION_API_TOKEN")?,
        env_credential("BLENDVISION_ORG_ID")?,
    );
    config.base_url = base_url(global, blendvision::DEFAULT_BASE_URL);
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let files = match ids[..] {
        [id] => vec![retry(&global.policy(), || {
            blendvision::download_file(&agent, &config, id)
        })?],
        _ => retry(&global.policy(), || {
            blendvision::download_files(&agent, &config, &ids)
        })?,
    };
    Ok(Outcome {
        links: files.into_iter().map(Into::into).collect(),
        failures: Vec::new(),
    })
}
