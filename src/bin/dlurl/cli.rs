//! Argument parsing, output and exit codes shared by every vendor command.

use std::process::ExitCode;
use std::time::Duration;

use download_url::{Batch, DownloadLink, Error, RetryPolicy, Vendor};

pub const USAGE: &str = "\
usage: dlurl [--base-url URL] [--json] [--timeout SECS] [--retries N] [--allow-insecure-http] <vendor> <args…>

  dlurl kie <file-url>                          credential: KIE_API_KEY
  dlurl datalab <file-id> [--expires-in SECS]   credential: DATALAB_API_KEY
  dlurl cloudreve [--download] [--redirect] [--archive] [--skip-error] [--no-cache]
                  [--use-primary-site-url] [--entity ID] <uri|path>…
                                                site: --base-url or CLOUDREVE_BASE_URL; CLOUDREVE_TOKEN optional
  dlurl blendvision <file-id>…                  credentials: BLENDVISION_API_TOKEN, BLENDVISION_ORG_ID
  dlurl koodrive <container-id> <file-id>…      credentials: KOODRIVE_USER_ID and KOODRIVE_TOKEN, or KOODRIVE_APP_ID + KOODRIVE_APP_SECRET
  dlurl demo                                    runs every vendor against the built-in fake servers

global options (before the vendor name):
  --base-url URL   replace the vendor's default host (self-hosting, proxies, tests)
  --json           print one JSON object {\"links\": [...], \"failures\": [...]}
  --timeout SECS   overall per-call timeout in seconds (default 30)
  --retries N      retry rate limits, maintenance and transient failures N times (default 0)
  --allow-insecure-http
                   allow credentials over plain http:// to a host that is not loopback
                   (e.g. a self-hosted Cloudreve on a LAN without TLS)

output: one line per link: <url> TAB <file name or -> TAB <expiry: RFC 3339 UTC, never, or - when unknown>
exit codes: 0 ok; 1 vendor refused (or every item failed); 2 usage or invalid input (nothing sent);
            3 transport failure or unexpected response; 4 some items failed (links on stdout)";

/// Options that come before the vendor name.
pub struct Global {
    pub base_url: Option<String>,
    pub json: bool,
    pub timeout: Duration,
    pub retries: u32,
    pub allow_insecure_http: bool,
}

impl Global {
    pub fn agent(&self) -> ureq::Agent {
        download_url::agent_with_timeout(self.timeout)
    }

    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy::with_retries(self.retries)
    }
}

/// Why a vendor command failed.
pub enum Failure {
    /// Bad command line or a missing credential variable: exit 2.
    Usage(String),
    /// A library error, with extra stderr lines (e.g. per-item codes).
    Error(Error, Vec<String>),
}

pub fn main(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let (global, rest) = match parse_global(args) {
        Ok(parsed) => parsed,
        Err(msg) => return usage_error(&msg),
    };
    let Some((vendor, vendor_args)) = rest.split_first() else {
        return usage_error("missing <vendor>");
    };
    // `--base-url` is the vendor's `<VENDOR>_BASE_URL`: every vendor's
    // `Config::from_env` then reads it, and nothing here repeats vendor setup.
    // (Set before any thread exists.)
    if let (Some(url), Ok(named)) = (&global.base_url, vendor.parse::<Vendor>()) {
        std::env::set_var(format!("{}_BASE_URL", named.id().to_ascii_uppercase()), url);
    }
    let result = match vendor.as_str() {
        #[cfg(feature = "fake")]
        "demo" => crate::demo::run(&global, vendor_args),
        #[cfg(not(feature = "fake"))]
        "demo" => Err(Failure::Usage(
            "demo needs the built-in fake servers: build with `--features cli,fake` (e.g. `cargo run --features cli,fake -- demo`)".into(),
        )),
        other => crate::vendors::run(other, &global, vendor_args),
    };
    finish(&global, result)
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("dlurl: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}

fn parse_global(args: &[String]) -> Result<(Global, &[String]), String> {
    let mut global = Global {
        base_url: None,
        json: false,
        timeout: download_url::DEFAULT_TIMEOUT,
        retries: 0,
        allow_insecure_http: false,
    };
    let mut i = 0;
    while i < args.len() && args[i].starts_with("--") {
        let flag = args[i].as_str();
        let mut value = || {
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--json" => global.json = true,
            "--allow-insecure-http" => global.allow_insecure_http = true,
            "--base-url" => global.base_url = Some(value()?),
            "--timeout" => {
                let text = value()?;
                let secs: f64 = text
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
                    .ok_or_else(|| {
                        format!("--timeout takes seconds between 0 and 86400, got {text:?}")
                    })?;
                global.timeout = Duration::from_secs_f64(secs);
            }
            "--retries" => {
                let text = value()?;
                global.retries = text.parse().ok().filter(|n| *n <= 100).ok_or_else(|| {
                    format!("--retries takes a number from 0 to 100, got {text:?}")
                })?;
            }
            other => return Err(format!("unknown option {other}")),
        }
        i += 1;
    }
    Ok((global, &args[i..]))
}

/// `--flag [value]` pairs in command-line order.
pub type Options<'a> = Vec<(&'a str, Option<&'a str>)>;

/// Splits `args` into positional arguments and `--flag [value]` options; `valued`
/// lists the flags that take a value, `switches` those that do not.
pub fn split_args<'a>(
    args: &'a [String],
    valued: &[&str],
    switches: &[&str],
) -> Result<(Vec<&'a str>, Options<'a>), Failure> {
    let mut positional = Vec::new();
    let mut options = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--" {
            positional.extend(args[i + 1..].iter().map(String::as_str));
            break;
        }
        if arg.starts_with("--") {
            if valued.contains(&arg) {
                i += 1;
                let value = args
                    .get(i)
                    .ok_or_else(|| Failure::Usage(format!("{arg} needs a value")))?;
                options.push((arg, Some(value.as_str())));
            } else if switches.contains(&arg) {
                options.push((arg, None));
            } else {
                return Err(Failure::Usage(format!("unknown option {arg}")));
            }
        } else {
            positional.push(arg);
        }
        i += 1;
    }
    Ok((positional, options))
}

fn finish(global: &Global, result: Result<Batch, Failure>) -> ExitCode {
    match result {
        Ok(batch) => {
            print_batch(global, &batch);
            for failure in &batch.failures {
                eprintln!("dlurl: failed: {}", one_field(&failure.to_string()));
            }
            if batch.failures.is_empty() {
                ExitCode::SUCCESS
            } else if batch.links.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::from(4)
            }
        }
        Err(Failure::Usage(msg)) => usage_error(&msg),
        Err(Failure::Error(err, lines)) => {
            eprintln!("dlurl: {}", one_field(&err.to_string()));
            for line in lines {
                eprintln!("dlurl:   {}", one_field(&line));
            }
            ExitCode::from(exit_code(&err))
        }
    }
}

pub fn exit_code(err: &Error) -> u8 {
    match err {
        Error::InvalidInput(_) => 2,
        Error::Api(_) => 1,
        _ => 3,
    }
}

fn print_batch(global: &Global, batch: &Batch) {
    if global.json {
        match serde_json::to_string(batch) {
            Ok(json) => println!("{json}"),
            Err(err) => eprintln!("dlurl: cannot write JSON: {err}"),
        }
    } else {
        for link in &batch.links {
            print_link(link);
        }
    }
}

fn print_link(link: &DownloadLink) {
    println!(
        "{}\t{}\t{}",
        link.url.as_str(),
        link.file_name.as_deref().map_or("-".to_owned(), one_field),
        link.expires
    );
}

/// Server text as one tab-separated field: control characters (TAB, LF, ESC…)
/// become spaces, so a server cannot forge lines or drive the terminal.
fn one_field(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
