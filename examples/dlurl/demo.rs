//! `dlurl demo`: every vendor against the crate's built-in fake servers, offline.

use download_url::fake::{self, FakeServer};
use download_url::{datalab, kie, DownloadLink};

use crate::cli::{Failure, Global, Outcome};

pub fn run(global: &Global, args: &[String]) -> Result<Outcome, Failure> {
    if !args.is_empty() {
        return Err(Failure::Usage("demo takes no arguments".into()));
    }
    let server = FakeServer::start()
        .map_err(|e| Failure::Usage(format!("cannot start the fake servers on 127.0.0.1: {e}")))?;
    let agent = global.agent();
    let mut links: Vec<DownloadLink> = Vec::new();

    let mut kie_config = kie::Config::new(fake::KIE_API_KEY);
    kie_config.base_url = server.base_url();
    links.push(
        kie::download_url(
            &agent,
            &kie_config,
            "https://tempfile.aiquickdraw.com/demo/image.png",
        )?
        .into(),
    );

    let mut datalab_config = datalab::Config::new(fake::DATALAB_API_KEY);
    datalab_config.base_url = server.base_url();
    let mut request = datalab::Request::new(42);
    request.expires_in = Some(900);
    links.push(datalab::download_url(&agent, &datalab_config, &request)?.into());

    Ok(Outcome {
        links,
        failures: Vec::new(),
    })
}
