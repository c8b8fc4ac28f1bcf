//! One function per vendor command.

#[cfg(feature = "datalab")]
use download_url::datalab;
#[cfg(feature = "kie")]
use download_url::kie;
#[allow(unused_imports)] // every vendor command is behind its feature
use download_url::retry;

#[allow(unused_imports)] // every vendor command is behind its feature
use crate::cli::{base_url, env_credential, split_args, Failure, Global, Outcome};

pub fn run(vendor: &str, global: &Global, args: &[String]) -> Result<Outcome, Failure> {
    match vendor {
        #[cfg(feature = "kie")]
        "kie" => run_kie(global, args),
        #[cfg(feature = "datalab")]
        "datalab" => run_datalab(global, args),
        #[cfg(feature = "cloudreve")]
        "cloudreve" => crate::cloudreve::run(global, args),
        #[cfg(feature = "blendvision")]
        "blendvision" => crate::blendvision::run(global, args),
        #[cfg(feature = "koodrive")]
        "koodrive" => crate::koodrive::run(global, args),
        other => Err(Failure::Usage(format!("unknown vendor {other:?}"))),
    }
}

#[cfg(feature = "kie")]
fn run_kie(global: &Global, args: &[String]) -> Result<Outcome, Failure> {
    let (positional, _) = split_args(args, &[], &[])?;
    let [file_url] = positional[..] else {
        return Err(Failure::Usage("kie takes exactly one <file-url>".into()));
    };
    let mut config = kie::Config::new(env_credential("KIE_API_KEY")?);
    config.base_url = base_url(global, kie::DEFAULT_BASE_URL);
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let link = retry(&global.policy(), || {
        kie::download_url(&agent, &config, file_url)
    })?;
    Ok(Outcome {
        links: vec![link.into()],
        failures: Vec::new(),
    })
}

#[cfg(feature = "datalab")]
fn run_datalab(global: &Global, args: &[String]) -> Result<Outcome, Failure> {
    let (positional, options) = split_args(args, &["--expires-in"], &[])?;
    let [file_id] = positional[..] else {
        return Err(Failure::Usage("datalab takes exactly one <file-id>".into()));
    };
    let mut request = datalab::Request::new(file_id);
    for (flag, value) in options {
        if flag == "--expires-in" {
            let text = value.unwrap_or_default();
            request.expires_in = Some(text.parse().map_err(|_| {
                Failure::Usage(format!("--expires-in takes whole seconds, got {text:?}"))
            })?);
        }
    }
    let mut config = datalab::Config::new(env_credential("DATALAB_API_KEY")?);
    config.base_url = base_url(global, datalab::DEFAULT_BASE_URL);
    config.allow_insecure_http = global.allow_insecure_http;
    let agent = global.agent();
    let file = retry(&global.policy(), || {
        datalab::download_url(&agent, &config, &request)
    })?;
    Ok(Outcome {
        links: vec![file.into()],
        failures: Vec::new(),
    })
}
