//! `dlurl demo`: every vendor against the crate's built-in fake servers,
//! offline, each line labelled with the vendor and what was asked.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

#[cfg(feature = "blendvision")]
use download_url::blendvision;
#[cfg(feature = "cloudreve")]
use download_url::cloudreve;
#[cfg(feature = "datalab")]
use download_url::datalab;
use download_url::fake::{self, FakeServer};
#[cfg(feature = "kie")]
use download_url::kie;
#[cfg(feature = "koodrive")]
use download_url::koodrive;
use download_url::{Batch, DownloadLink, Error};
use serde_json::json;

use crate::args::{Format, Global};
use crate::output::{self, err_line, json_line, link_line, one_field, usage_error, Out};

/// Runs the demo; the exit code.
pub fn run(global: &Global) -> ExitCode {
    let server = match FakeServer::start() {
        Ok(server) => server,
        Err(e) => return usage_error(&format!("cannot start the fake servers on 127.0.0.1: {e}")),
    };
    let agent = match crate::session::agent(global, false) {
        Ok(agent) => agent,
        Err(failure) => return crate::run::fail(global.format, failure, None),
    };
    let mut asked: Vec<(&str, DownloadLink)> = Vec::new();
    let mut batch = Batch::default();
    if let Err(err) = ask(&server, &agent, &mut asked, &mut batch) {
        return output::print_error(global.format, &err, None);
    }
    #[cfg(all(feature = "fetch", feature = "kie"))]
    if let Err(err) = fetch_demo(&agent) {
        return output::print_error(global.format, &err, None);
    }
    let mut out = Out::new();
    match global.format {
        Format::Plain => {
            for (what, link) in &asked {
                out.line(&format!(
                    "{}\t{}\t{}",
                    link.vendor.id(),
                    what,
                    link_line(link)
                ));
            }
            for failure in &batch.failures {
                output::failure_line(failure);
            }
            for answer in &batch.unattributed {
                output::unattributed_line(answer);
            }
        }
        Format::JsonLines => {
            for (_, link) in &asked {
                out.line(&json_line(&json!({ "link": link })));
            }
        }
        Format::Json => {
            batch.links = asked.into_iter().map(|(_, link)| link).collect();
            out.line(&json_line(&batch));
        }
    }
    match out.finish() {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// One call per vendor of this build; `asked` gets each link with a label.
#[allow(unused_variables)]
fn ask(
    server: &FakeServer,
    agent: &ureq::Agent,
    asked: &mut Vec<(&'static str, DownloadLink)>,
    batch: &mut Batch,
) -> Result<(), Error> {
    #[cfg(feature = "kie")]
    {
        let mut config = kie::Config::new(fake::KIE_API_KEY);
        config.base_url = server.base_url().into();
        let file = "https://tempfile.aiquickdraw.com/demo/image.png";
        let link = kie::download_link(agent, &config, file)?;
        asked.push(("file url of a generated image", link));
    }

    #[cfg(feature = "cloudreve")]
    {
        let mut config = cloudreve::Config::new(server.base_url());
        config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
        let mut request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
        request.download = Some(true);
        let link = cloudreve::download_link(agent, &config, &request)?;
        asked.push(("path 'The Man.mp3' (--download)", link));
    }

    #[cfg(feature = "datalab")]
    {
        let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
        config.base_url = server.base_url().into();
        let mut request = datalab::Request::new(42);
        request.expires_in = Some(900);
        let link = datalab::download_link(agent, &config, &request)?;
        asked.push(("file id 42 (--expires-in 900)", link));
    }

    #[cfg(feature = "blendvision")]
    {
        let mut config =
            blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
        config.base_url = server.base_url().into();
        let id = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
        let link = blendvision::download_link(agent, &config, id)?;
        asked.push(("library file id", link));
    }

    #[cfg(feature = "koodrive")]
    {
        // App-signature mode: the fake recomputes the HMAC over what it received.
        let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
        let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
        config.base_url = server.base_url().into();
        let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
        let part = koodrive::download_links(agent, &config, &request)?;
        for link in part.links {
            asked.push(("file id in a space (app signature)", link));
        }
        batch.failures.extend(part.failures);
        batch.unattributed.extend(part.unattributed);
    }
    Ok(())
}

/// `dlurl demo`'s fetch: a kie.ai link to the fake file host, broken off midway
/// and expired on the way, fetched into a temporary directory. One stderr line.
#[cfg(all(feature = "fetch", feature = "kie"))]
fn fetch_demo(agent: &ureq::Agent) -> Result<(), Error> {
    use download_url::fake::files::{FakeContent, FakeFileHost, FileFault};
    use download_url::fetch::{self, Fetcher};

    let (files, api) = match (FakeFileHost::start(), FakeServer::start()) {
        (Ok(files), Ok(api)) => (files, api),
        (Err(e), _) | (_, Err(e)) => {
            err_line(&format!(
                "demo fetch skipped: cannot start the fake file host: {e}"
            ));
            return Ok(());
        }
    };
    let len = 3 << 20;
    files.add("demo.bin", FakeContent::Generated { len, seed: 5 });
    let hour = Duration::from_secs(3600);
    api.configure(|s| s.kie.link = files.signed_url("demo.bin", hour));
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = api.base_url().into();
    let item = "https://tempfile.aiquickdraw.com/demo/demo.bin";
    let link = kie::download_link(agent, &config, item)?;
    files.push_fault(FileFault::DisconnectAfter(len / 3));
    files.push_fault(FileFault::Expired);
    let dir = std::env::temp_dir().join(format!("dlurl-demo-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        err_line(&format!(
            "demo fetch skipped: cannot create {}: {e}",
            one_field(&dir.display().to_string())
        ));
        return Ok(());
    }
    let result = Fetcher::new()
        .agent(agent.clone())
        .max_retries(3, Duration::from_millis(10))
        .refresher(fetch::refresher(|item| {
            kie::download_link(agent, &config, item)
        }))
        .save_in(&link, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let fetched = result?;
    err_line(&format!(
        "demo fetch: {} bytes of {} from the fake file host (broken off midway: {} resume(s) with Range; link expired: {} refresh(es))",
        fetched.bytes,
        fetched
            .path
            .as_deref()
            .and_then(Path::file_name)
            .map_or("-".into(), |n| n.to_string_lossy()),
        fetched.ranges,
        fetched.refreshes,
    ));
    Ok(())
}
