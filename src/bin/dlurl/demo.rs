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
use download_url::DownloadLink;

use crate::cli::{Failure, Global, Outcome};

pub fn run(global: &Global, args: &[String]) -> Result<Outcome, Failure> {
    if !args.is_empty() {
        return Err(Failure::Usage("demo takes no arguments".into()));
    }
    let server = FakeServer::start()
        .map_err(|e| Failure::Usage(format!("cannot start the fake servers on 127.0.0.1: {e}")))?;
    let agent = global.agent();
    let mut links: Vec<DownloadLink> = Vec::new();

    #[cfg(feature = "kie")]
    {
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
    }

    #[cfg(feature = "cloudreve")]
    {
        let mut cloudreve_config = cloudreve::Config::new(server.base_url());
        cloudreve_config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
        let mut request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
        request.download = Some(true);
        links.extend(cloudreve::download_urls(&agent, &cloudreve_config, &request)?.into_links());
    }

    #[cfg(feature = "datalab")]
    {
        let mut datalab_config = datalab::Config::new(fake::DATALAB_API_KEY);
        datalab_config.base_url = server.base_url();
        let mut request = datalab::Request::new(42);
        request.expires_in = Some(900);
        links.push(datalab::download_url(&agent, &datalab_config, &request)?.into());
    }

    #[cfg(feature = "blendvision")]
    {
        let mut bv_config =
            blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
        bv_config.base_url = server.base_url();
        let file =
            blendvision::download_file(&agent, &bv_config, "63df97e3-519b-4426-bf01-d1841cdc2ccd")?;
        links.push(file.into());
    }

    #[cfg(feature = "koodrive")]
    {
        // App-signature mode: the fake recomputes the HMAC over what it received.
        let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
        let mut koodrive_config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
        koodrive_config.base_url = server.base_url();
        let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
        links.extend(koodrive::download_urls(&agent, &koodrive_config, &request)?.into_links());
    }

    Ok(Outcome {
        links,
        failures: Vec::new(),
    })
}
