//! `dlurl serve-fake`: the built-in fake vendors and file host, served until
//! interrupted, with the `export …` lines that point the other commands at them.

use std::process::ExitCode;
use std::time::Duration;

use download_url::fake::files::{FakeContent, FakeFileHost};
use download_url::fake::{self, FakeServer};

use crate::output::{usage_error, Out};

/// Runs the fake servers until the process is interrupted.
pub fn run() -> ExitCode {
    let (server, files) = match (FakeServer::start(), FakeFileHost::start()) {
        (Ok(server), Ok(files)) => (server, files),
        (Err(e), _) | (_, Err(e)) => {
            return usage_error(&format!("cannot start the fake servers on 127.0.0.1: {e}"))
        }
    };
    // kie.ai's links lead to a real file on the fake file host, for `dlurl get`.
    files.add(
        "image.png",
        FakeContent::Generated {
            len: 1 << 20,
            seed: 7,
        },
    );
    let day = Duration::from_secs(24 * 3600);
    server.configure(|s| s.kie.link = files.signed_url("image.png", day));
    let base = server.base_url();
    let mut out = Out::new();
    let mut export = |name: &str, value: &str| out.line(&format!("export {name}='{value}'"));
    export("KIE_BASE_URL", &base);
    export("KIE_API_KEY", fake::KIE_API_KEY);
    export("DATALAB_BASE_URL", &base);
    export("DATALAB_API_KEY", fake::DATALAB_API_KEY);
    export("CLOUDREVE_BASE_URL", &base);
    export("CLOUDREVE_TOKEN", fake::CLOUDREVE_TOKEN);
    export("BLENDVISION_BASE_URL", &base);
    export("BLENDVISION_API_TOKEN", fake::BLENDVISION_API_TOKEN);
    export("BLENDVISION_ORG_ID", fake::BLENDVISION_ORG_ID);
    export("KOODRIVE_BASE_URL", &base);
    export("KOODRIVE_USER_ID", fake::KOODRIVE_USER_ID);
    export("KOODRIVE_TOKEN", fake::KOODRIVE_TOKEN);
    out.line(
        "# try: dlurl kie https://tempfile.aiquickdraw.com/a.png   (dlurl get kie … fetches it)",
    );
    out.line("#      dlurl datalab 42");
    out.line("#      dlurl cloudreve 'The Man.mp3'");
    out.line("#      dlurl blendvision 63df97e3-519b-4426-bf01-d1841cdc2ccd");
    #[cfg(feature = "koodrive")]
    out.line(&format!(
        "#      dlurl koodrive {} {}",
        fake::KOODRIVE_CONTAINER_ID,
        fake::KOODRIVE_FILE_ID
    ));
    out.line("# serving until interrupted (Ctrl-C)");
    out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}
