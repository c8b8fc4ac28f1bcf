//! `dlurl`: get temporary download links from the command line.
//!
//! ```text
//! dlurl [--base-url URL] [--json] [--timeout SECS] [--retries N] <vendor> <args…>
//! dlurl kie <file-url>                          credential: KIE_API_KEY
//! dlurl datalab <file-id> [--expires-in SECS]   credential: DATALAB_API_KEY
//! dlurl blendvision <file-id>…                  credentials: BLENDVISION_API_TOKEN, BLENDVISION_ORG_ID
//! dlurl demo                                    every vendor against the built-in fake servers
//! ```
//!
//! Output: one line per link, `<url>\t<file name or ->\t<expires_at RFC 3339 UTC or ->`,
//! or with `--json` an array of `{vendor, url, file_name, expires_at}`.
//!
//! Exit codes: 0 every link obtained; 1 the vendor refused; 2 usage error or invalid
//! input (nothing sent); 3 transport failure or unexpected response; 4 partial success.

#[cfg(feature = "blendvision")]
mod blendvision;
mod cli;
#[cfg(feature = "cloudreve")]
mod cloudreve;
#[cfg(feature = "fake")]
mod demo;
#[cfg(feature = "koodrive")]
mod koodrive;
mod vendors;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::main(&args)
}
