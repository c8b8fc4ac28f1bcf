//! `dlurl demo`: every vendor against the crate's built-in fake servers, offline.

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
use download_url::Batch;

use crate::cli::{Args, Failure, Global};

pub fn run(global: &Global, args: &Args) -> Result<Batch, Failure> {
    if !args.positional.is_empty() {
        return Err(Failure::Usage("demo takes no arguments".into()));
    }
    let server = FakeServer::start()
        .map_err(|e| Failure::Usage(format!("cannot start the fake servers on 127.0.0.1: {e}")))?;
    let agent = global.agent();
    let mut batch = Batch::default();

    #[cfg(feature = "kie")]
    {
        let mut config = kie::Config::new(fake::KIE_API_KEY);
        config.base_url = server.base_url();
        let file = "https://tempfile.aiquickdraw.com/demo/image.png";
        batch.links.push(kie::download_link(&agent, &config, file)?);
    }

    #[cfg(feature = "cloudreve")]
    {
        let mut config = cloudreve::Config::new(server.base_url());
        config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
        let mut request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
        request.download = Some(true);
        batch
            .links
            .push(cloudreve::download_link(&agent, &config, &request)?);
    }

    #[cfg(feature = "datalab")]
    {
        let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
        config.base_url = server.base_url();
        let mut request = datalab::Request::new(42);
        request.expires_in = Some(900);
        batch
            .links
            .push(datalab::download_link(&agent, &config, &request)?);
    }

    #[cfg(feature = "blendvision")]
    {
        let mut config =
            blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
        config.base_url = server.base_url();
        let id = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
        batch
            .links
            .push(blendvision::download_link(&agent, &config, id)?);
    }

    #[cfg(feature = "koodrive")]
    {
        // App-signature mode: the fake recomputes the HMAC over what it received.
        let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
        let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
        config.base_url = server.base_url();
        let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
        let part = koodrive::download_links(&agent, &config, &request)?;
        batch.links.extend(part.links);
        batch.failures.extend(part.failures);
    }

    // The file behind a link, fetched from the fake file host (broken off midway,
    // its link expiring): one line on stderr, so stdout stays the links.
    #[cfg(all(feature = "fetch", feature = "kie"))]
    crate::get::demo(global)?;

    Ok(batch)
}
