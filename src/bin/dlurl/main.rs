//! `dlurl`: get temporary download links from the command line.
//!
//! ```text
//! dlurl [options] <vendor> <args…>              options also after the vendor name
//! dlurl kie <file-url>                          credential: KIE_API_KEY
//! dlurl datalab <file-id> [--expires-in SECS]   credential: DATALAB_API_KEY
//! dlurl cloudreve [--skip-error …] <uri|path>…  site: --base-url or CLOUDREVE_BASE_URL
//! dlurl blendvision <file-id>…                  credentials: BLENDVISION_API_TOKEN, BLENDVISION_ORG_ID
//! dlurl koodrive <container-id> <file-id>…      credentials: KOODRIVE_USER_ID + KOODRIVE_TOKEN, or app id/secret
//! dlurl demo                                    every vendor against the built-in fake servers
//! dlurl get [-o DIR|FILE|-] [--force] <vendor> <args…>   fetch the files behind the links
//! ```
//!
//! Options: `--base-url URL`, `--json`, `--timeout SECS`, `--retries N`,
//! `--allow-insecure-http`, `-v`/`--verbose` (one stderr line per HTTP request:
//! method, URL without query, status, time), `-h`/`--help`, `-V`/`--version`.
//! Valued options take `--flag value` or `--flag=value`; `--` ends the options, so
//! an id may start with `-`. Batch vendors (cloudreve, blendvision, koodrive) read
//! their ids from stdin, one per line, when the only id is `-`.
//!
//! Output: one line per link, `<url>\t<file name or ->\t<expiry: RFC 3339 UTC, never or ->`,
//! or with `--json` one object `{"links": [...], "failures": [...]}`; control
//! characters a server sent never reach the terminal. A usage error is one line
//! `dlurl: <what>` and `try 'dlurl --help'`.
//!
//! Exit codes: 0 every link obtained; 1 the vendor refused, or every item failed;
//! 2 usage error or invalid input (nothing sent); 3 transport failure, unexpected
//! response or stdout not writable; 4 some items failed.

// A build with no vendor feature (only `demo` and usage) leaves most of it unused.
#![cfg_attr(
    not(any(
        feature = "kie",
        feature = "datalab",
        feature = "cloudreve",
        feature = "blendvision",
        feature = "koodrive"
    )),
    allow(dead_code, unused_imports, unused_variables)
)]

mod cli;
#[cfg(feature = "fake")]
mod demo;
#[cfg(feature = "fetch")]
mod get;
mod vendors;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main(std::env::args_os().skip(1).collect())
}
