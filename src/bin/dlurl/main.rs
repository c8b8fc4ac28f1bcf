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
//! Output: one line per link, `<url>\t<file name or ->\t<expiry: RFC 3339 UTC, never or ->`,
//! or with `--json` one object `{"links": [...], "failures": [...]}`.
//!
//! Exit codes: 0 every link obtained; 1 the vendor refused; 2 usage error or invalid
//! input (nothing sent); 3 transport failure or unexpected response; 4 partial success.

mod cli;
#[cfg(feature = "fake")]
mod demo;
mod vendors;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::main(&args)
}
