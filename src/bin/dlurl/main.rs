//! `dlurl`: get temporary download links from the command line.
//!
//! ```text
//! dlurl [options] <command> [command options] <args…>
//! dlurl kie <file-url>                          credential: KIE_API_KEY
//! dlurl datalab [--expires-in SECS] [--team ID] <file-id>
//! dlurl cloudreve [--skip-error …] <uri|path>…  site: --base-url or CLOUDREVE_BASE_URL
//! dlurl blendvision [--login-token] [--org-id ID] <file-id>…
//! dlurl koodrive <container-id> <file-id>…      credentials: KOODRIVE_USER_ID + KOODRIVE_TOKEN, or app id/secret
//! dlurl get [-o DIR|FILE|-] [--force] … <vendor> <args…>   fetch the files behind the links
//! dlurl demo | dlurl serve-fake                 (feature `fake`) the built-in fake vendors
//! dlurl help [<command>]                        the help of one command
//! ```
//!
//! Every option and exit code is documented in the help texts (`help.rs`).
//!
//! The files, each using only those listed before it (no circle):
//! `args` (the one parser) and `help` (the texts); `output` (printing, JSON,
//! causes, exit codes); `session` (agent + vendor config + request options, one
//! value per command); `run` (vendor commands, stdin in groups); `get`, `demo`,
//! `serve`; and this file, which dispatches.

// A build with no vendor feature (only usage) leaves most of it unused.
#![cfg_attr(
    not(all(
        feature = "kie",
        feature = "datalab",
        feature = "cloudreve",
        feature = "blendvision",
        feature = "koodrive"
    )),
    allow(
        dead_code,
        unused_imports,
        unused_variables,
        unused_mut,
        unreachable_code
    )
)]
// `config.base_url = text.into()` compiles whether `base_url` is a `String` or a
// newtype with `From<String>`.
#![allow(clippy::useless_conversion)]

mod args;
#[cfg(feature = "fake")]
mod demo;
#[cfg(feature = "fetch")]
mod get;
mod help;
mod output;
mod run;
#[cfg(feature = "fake")]
mod serve;
mod session;

use std::process::ExitCode;

use args::Command;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args_os().skip(1).collect()) {
        Ok(command) => command,
        Err(msg) => return output::usage_error(&msg),
    };
    match command {
        Command::Help(topic) => output::print_text(&help::text(topic)),
        Command::Version => output::print_text(concat!("dlurl ", env!("CARGO_PKG_VERSION"))),
        Command::Vendor(global, vendor) => run::run(&global, &vendor),
        #[cfg(feature = "fetch")]
        Command::Get(global, get, vendor) => get::run(&global, get, &vendor),
        #[cfg(not(feature = "fetch"))]
        Command::Get(..) => output::usage_error("get needs a build with the `fetch` feature"),
        #[cfg(feature = "fake")]
        Command::Demo(global) => demo::run(&global),
        #[cfg(feature = "fake")]
        Command::ServeFake => serve::run(),
        #[cfg(not(feature = "fake"))]
        Command::Demo(_) | Command::ServeFake => {
            output::usage_error("demo and serve-fake need a build with the `fake` feature")
        }
    }
}
