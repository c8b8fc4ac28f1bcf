//! Argument parsing, output and exit codes shared by every vendor command.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use download_url::{Batch, DownloadLink, Error, RetryPolicy, Vendor};
use ureq::http::{Request, Response};
use ureq::middleware::{Middleware, MiddlewareNext};
use ureq::{Body, SendBody};

use crate::vendors::{self, Spec};

pub const USAGE: &str = "\
usage: dlurl [options] <vendor> <args…>

  dlurl kie <file-url>                          credential: KIE_API_KEY
  dlurl datalab <file-id> [--expires-in SECS]   credential: DATALAB_API_KEY
  dlurl cloudreve [--download] [--redirect] [--archive] [--skip-error] [--no-cache]
                  [--use-primary-site-url] [--entity ID] <uri|path>…
                                                site: --base-url or CLOUDREVE_BASE_URL; CLOUDREVE_TOKEN optional
  dlurl blendvision <file-id>…                  credentials: BLENDVISION_API_TOKEN, BLENDVISION_ORG_ID
  dlurl koodrive [--token-prefix P] [--share-folder ID] [--trace-id ID] [--language L]
                 <container-id> <file-id>…      credentials: KOODRIVE_USER_ID and KOODRIVE_TOKEN, or KOODRIVE_APP_ID + KOODRIVE_APP_SECRET
  dlurl demo                                    runs every vendor against the built-in fake servers

  koodrive --token-prefix: what goes before the token in Authorization: 'Bearer ' (default),
  '' (the raw token) or 'Bearer+' (the vendor's pages show all three); also KOODRIVE_TOKEN_PREFIX.

  dlurl get [-o DIR|FILE|-] [--force] <vendor> <args…>
                                                fetches the files behind the links (dlurl get --help)

  cloudreve, blendvision and koodrive read their ids from stdin, one per line
  (blank lines ignored), when the only id given is -  (e.g. dlurl koodrive <container-id> -).

options (anywhere before --, also after the vendor name):
  --base-url URL   replace the vendor's default host (self-hosting, proxies, tests)
  --json           print one JSON object {\"links\": [...], \"failures\": [...]}
  --timeout SECS   stall timeout: a call ends when connecting or any read or write makes no
                   progress for SECS; each phase (send request, send body, receive head,
                   receive body) ends within 2 x SECS (default 30)
  --retries N      retry rate limits, maintenance and transient failures N times (default 0)
  --allow-insecure-http
                   allow credentials over plain http:// to a host that is not loopback
                   (e.g. a self-hosted Cloudreve on a LAN without TLS)
  -v, --verbose    one line per HTTP request on stderr: method, URL without its query,
                   status, time taken (never a credential)
  -h, --help       print this help
  -V, --version    print the version
  --               end of options: every later argument is an id, even one starting with -

  a valued option takes its value as the next argument or as --flag=value.

output: one line per link: <url> TAB <file name or -> TAB <expiry: RFC 3339 UTC, never, or - when unknown>;
        control characters a server sent are shown as spaces. Failed items: one line each on stderr.
exit codes: 0 ok; 1 vendor refused (or every item failed); 2 usage or invalid input (nothing sent);
            3 transport failure, unexpected response, or stdout not writable; 4 some items failed (links on stdout)";

/// Options that apply to every vendor command.
pub struct Global {
    pub base_url: Option<String>,
    pub json: bool,
    pub timeout: Duration,
    pub retries: u32,
    pub allow_insecure_http: bool,
    pub verbose: bool,
}

impl Global {
    /// The crate's agent (as `download_url::agent_with_timeout`); with `-v`, the
    /// same configuration plus a middleware that logs each request.
    pub fn agent(&self) -> ureq::Agent {
        let builder = download_url::agent_config(self.timeout);
        if self.verbose {
            builder.middleware(Verbose).build().new_agent()
        } else {
            builder.build().new_agent()
        }
    }

    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy::with_retries(self.retries)
    }
}

/// `-v`: one stderr line per HTTP request (each attempt of a retry, each hop).
/// The URL goes through `redact_url` (no userinfo, no query); headers, where
/// credentials travel, are never looked at.
struct Verbose;

impl Middleware for Verbose {
    fn handle(
        &self,
        request: Request<SendBody>,
        next: MiddlewareNext,
    ) -> Result<Response<Body>, ureq::Error> {
        let method = request.method().clone();
        let url = download_url::redact_url(&request.uri().to_string());
        let started = Instant::now();
        let result = next.handle(request);
        let elapsed = started.elapsed();
        let outcome = match &result {
            Ok(response) => response.status().as_u16().to_string(),
            Err(ureq::Error::Timeout(_)) => "timed out".to_owned(),
            Err(ureq::Error::Io(e)) => format!("failed: {}", e.kind()),
            Err(ureq::Error::HostNotFound) => "failed: host not found".to_owned(),
            Err(ureq::Error::ConnectionFailed) => "failed: connection failed".to_owned(),
            Err(_) => "failed".to_owned(),
        };
        err_line(&format!(
            "{method} {} {outcome} {:.1} ms",
            one_field(&url),
            elapsed.as_secs_f64() * 1e3
        ));
        result
    }
}

/// Why a vendor command failed.
pub enum Failure {
    /// Bad command line or a missing credential variable: exit 2.
    Usage(String),
    /// A library error, with extra stderr lines (e.g. per-item codes).
    Error(Error, Vec<String>),
}

/// A vendor command's own arguments: positionals in order, and its options
/// (`--flag [value]`) in command-line order, named as in its [`Spec`].
#[derive(Clone)]
pub struct Args {
    pub positional: Vec<String>,
    #[cfg_attr(
        not(any(feature = "datalab", feature = "cloudreve", feature = "koodrive")),
        allow(dead_code)
    )]
    pub options: Vec<(&'static str, Option<String>)>,
}

/// What the command line asks for.
enum Command {
    Help,
    Version,
    Run {
        global: Global,
        vendor: &'static str,
        args: Args,
    },
}

pub fn main(raw: Vec<OsString>) -> ExitCode {
    let mut args = Vec::with_capacity(raw.len());
    for (n, arg) in raw.into_iter().enumerate() {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(arg) => {
                return usage_error(&format!(
                    "argument {} is not valid UTF-8: {}",
                    n + 1,
                    arg.to_string_lossy()
                ))
            }
        }
    }
    // `dlurl get …` (get.rs): its own options come off first.
    #[cfg(feature = "fetch")]
    let get = match crate::get::take(&mut args) {
        Ok(get) => get,
        Err(msg) if msg.is_empty() => return print_text(crate::get::USAGE),
        Err(msg) => return usage_error(&msg),
    };
    let (global, vendor, args) = match parse(args) {
        Ok(Command::Help) => return print_text(USAGE),
        Ok(Command::Version) => {
            return print_text(concat!("dlurl ", env!("CARGO_PKG_VERSION")));
        }
        Ok(Command::Run {
            global,
            vendor,
            args,
        }) => (global, vendor, args),
        Err(msg) => return usage_error(&msg),
    };
    // `--base-url` is the vendor's `<VENDOR>_BASE_URL`: every vendor's
    // `Config::from_env` then reads it, and nothing here repeats vendor setup.
    // (Set before any thread exists.)
    if let (Some(url), Ok(named)) = (&global.base_url, vendor.parse::<Vendor>()) {
        std::env::set_var(format!("{}_BASE_URL", named.id().to_ascii_uppercase()), url);
    }
    let result = match vendor {
        #[cfg(feature = "fake")]
        "demo" => crate::demo::run(&global, &args),
        #[cfg(not(feature = "fake"))]
        "demo" => Err(Failure::Usage(
            "demo needs the built-in fake servers: build with `--features cli,fake` (e.g. `cargo run --features cli,fake -- demo`)".into(),
        )),
        other => vendors::run(other, &global, &args),
    };
    #[cfg(feature = "fetch")]
    let result = match get {
        Some(get) => match crate::get::run(get, &global, vendor, &args, result) {
            Ok(code) => return code,
            Err(result) => result,
        },
        None => result,
    };
    finish(&global, result)
}

/// Parses the whole command line: global options anywhere before `--` (before
/// or after the vendor name), the vendor's own options after its name,
/// `--flag value` or `--flag=value`; `-h`/`--help` and `-V`/`--version` win as
/// soon as they are met.
fn parse(args: Vec<String>) -> Result<Command, String> {
    let mut global = Global {
        base_url: None,
        json: false,
        timeout: download_url::DEFAULT_TIMEOUT,
        retries: 0,
        allow_insecure_http: false,
        verbose: false,
    };
    let mut vendor: Option<(&'static str, Spec)> = None;
    let mut positional = Vec::new();
    let mut options = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let is_option = arg.starts_with('-') && arg != "-";
        if arg == "--" || !is_option {
            let rest = if arg == "--" {
                args.by_ref().collect()
            } else {
                vec![arg]
            };
            for arg in rest {
                if vendor.is_none() {
                    vendor = Some(vendors::spec(&arg).ok_or_else(|| unknown_vendor(&arg))?);
                } else {
                    positional.push(arg);
                }
            }
            continue;
        }
        // `--flag=value`; short options (`-v`) take no `=`.
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let switch = |on: &mut bool| match inline {
            Some(_) => Err(format!("{name} takes no value")),
            None => {
                *on = true;
                Ok(())
            }
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name {
            "-h" | "--help" => {
                switch(&mut false)?;
                return Ok(Command::Help);
            }
            "-V" | "--version" => {
                switch(&mut false)?;
                return Ok(Command::Version);
            }
            "-v" | "--verbose" => switch(&mut global.verbose)?,
            "--json" => switch(&mut global.json)?,
            "--allow-insecure-http" => switch(&mut global.allow_insecure_http)?,
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
            other => {
                let Some((vendor_name, spec)) = &vendor else {
                    return Err(match vendors::owner_of(other) {
                        Some(owner) => {
                            format!("{other} is an option of {owner}: put it after the vendor name")
                        }
                        None => format!("unknown option {other}"),
                    });
                };
                if let Some(flag) = spec.valued.iter().find(|f| **f == other) {
                    options.push((*flag, Some(value()?)));
                } else if let Some(flag) = spec.switches.iter().find(|f| **f == other) {
                    switch(&mut false)?;
                    options.push((*flag, None));
                } else {
                    return Err(format!("unknown option {other} for {vendor_name}"));
                }
            }
        }
    }
    let Some((vendor, _)) = vendor else {
        return Err("missing <vendor>".into());
    };
    Ok(Command::Run {
        global,
        vendor,
        args: Args {
            positional,
            options,
        },
    })
}

fn unknown_vendor(name: &str) -> String {
    format!("unknown vendor {name:?}")
}

/// Largest stdin read for ids (16 MiB: some 400,000 ids).
#[cfg_attr(
    not(any(feature = "cloudreve", feature = "blendvision", feature = "koodrive")),
    allow(dead_code)
)]
const STDIN_LIMIT: u64 = 16 << 20;

/// The ids of a batch command: `ids`, or when the only one is `-`, the lines of
/// stdin (blank lines skipped, each other line an id exactly as written, less its
/// line end). A `-` among other ids is an id like any other.
#[cfg_attr(
    not(any(feature = "cloudreve", feature = "blendvision", feature = "koodrive")),
    allow(dead_code)
)]
pub fn ids_or_stdin(ids: &[String]) -> Result<Vec<String>, Failure> {
    if !matches!(ids, [only] if only == "-") {
        return Ok(ids.to_vec());
    }
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(STDIN_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Usage(format!("cannot read ids from stdin: {e}")))?;
    if bytes.len() as u64 > STDIN_LIMIT {
        return Err(Failure::Usage(format!(
            "more than {} MiB of ids on stdin",
            STDIN_LIMIT >> 20
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::Usage("the ids on stdin are not valid UTF-8".into()))?;
    let ids: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Err(Failure::Usage("no ids on stdin".into()));
    }
    Ok(ids)
}

/// One line on stderr, `dlurl: <text>`. A closed stderr is not worth a panic.
pub fn err_line(text: &str) {
    let _ = writeln!(io::stderr().lock(), "dlurl: {text}");
}

/// `dlurl: <what>` and a pointer to the help, exit 2.
fn usage_error(msg: &str) -> ExitCode {
    let _ = write!(
        io::stderr().lock(),
        "dlurl: {}\ntry 'dlurl --help'\n",
        one_field(msg)
    );
    ExitCode::from(2)
}

/// Writes `text` and a line end to stdout, exit 0 (or 3 when stdout fails).
fn print_text(text: &str) -> ExitCode {
    match write_stdout(|out| writeln!(out, "{text}")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Runs `write` on the locked stdout and flushes it. A closed pipe (`| head`)
/// ends the output quietly (`Ok`); any other write error is reported, `Err(3)`.
fn write_stdout(write: impl FnOnce(&mut io::StdoutLock) -> io::Result<()>) -> Result<(), ExitCode> {
    let mut out = io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            err_line(&format!("cannot write to stdout: {e}"));
            Err(ExitCode::from(3))
        }
    }
}

fn finish(global: &Global, result: Result<Batch, Failure>) -> ExitCode {
    match result {
        Ok(batch) => {
            if let Err(code) = write_stdout(|out| print_batch(out, global, &batch)) {
                return code;
            }
            for failure in &batch.failures {
                err_line(&format!("failed: {}", one_field(&failure.to_string())));
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
            err_line(&one_field(&err.to_string()));
            for line in lines {
                err_line(&format!("  {}", one_field(&line)));
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

fn print_batch(out: &mut impl Write, global: &Global, batch: &Batch) -> io::Result<()> {
    if global.json {
        let json = serde_json::to_string(batch).map_err(io::Error::other)?;
        writeln!(out, "{}", escape_json(&json))
    } else {
        for link in &batch.links {
            print_link(out, link)?;
        }
        Ok(())
    }
}

fn print_link(out: &mut impl Write, link: &DownloadLink) -> io::Result<()> {
    writeln!(
        out,
        "{}\t{}\t{}",
        one_field(link.url.as_str()),
        link.file_name.as_deref().map_or("-".to_owned(), one_field),
        link.expires
    )
}

/// Characters a terminal may act on: C0 and C1 controls (TAB, LF, ESC, CSI…),
/// DEL, the bidirectional overrides and isolates, and the Unicode line and
/// paragraph separators.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Server text as one tab-separated field: characters a terminal may act on
/// become spaces, so a server cannot forge lines or drive the terminal.
pub fn one_field(text: &str) -> String {
    text.chars()
        .map(|c| if is_unsafe(c) { ' ' } else { c })
        .collect()
}

/// serde_json escapes only C0 controls; C1 controls, DEL and the bidi controls
/// pass raw. Outside strings JSON text has none of them, so each can become its
/// `\uXXXX` escape: the same JSON value, nothing a terminal acts on.
fn escape_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_unsafe(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_json_is_the_same_value() {
        let text = "a\u{1b}\u{9b}\u{7f}\u{202e}\u{2028}b\"\\\n";
        let json = serde_json::to_string(&text).unwrap();
        let escaped = escape_json(&json);
        assert!(!escaped.chars().any(is_unsafe), "{escaped}");
        let back: String = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, text);
    }
}
