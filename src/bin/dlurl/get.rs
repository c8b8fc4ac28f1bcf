//! `dlurl get [-o DIR|FILE|-] [--force] [--stall SECS] <vendor> <args…>`: fetch
//! the file behind every link the vendor command returns (library
//! `download_url::fetch`): resumable, refreshing an expired link by asking the
//! vendor again for the same item.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use download_url::fetch::{Fetcher, Progress};
use download_url::{Batch, DownloadLink, Error, FileHostError, FileHostKind};

use crate::cli::{err_line, one_field, Args, Failure, Global};

pub const USAGE: &str = "\
usage: dlurl get [-o DIR|FILE|-] [--force] [--stall SECS] [--size N] [--max-size N]
                 [--sha256 HEX] <vendor> <args…>

  fetches the file behind every link the vendor command returns; the options of
  dlurl and of the vendor command apply as usual.

  -o DIR       save into DIR (default: the current directory) under the link's file
               name, else the server's Content-Disposition, else the URL's last path
               segment — without path separators, `..` or control characters; a name
               used twice gets \" (2)\" before its extension
  -o FILE      save the one file as FILE (a usage error with several links)
  -o -         stream the one file to stdout
  --force      replace an existing file (otherwise it is skipped); a symlink there is
               replaced itself, never followed
  --stall SECS give up on a transfer after SECS without a byte (default 30), resuming
               it up to 5 times first
  --size N     the file must be exactly N bytes: more is refused as it arrives, less
               is resumed, never saved
  --max-size N the file may be at most N bytes (stopped as soon as more arrives)
  --sha256 HEX the file's SHA-256 (64 hex digits); with one link only

  a transfer that breaks off resumes where it stopped, also in a later run (the
  temporary .dlurl-part file beside the target); an expired link is refreshed.
  files dlurl did not create (another user's, a symlink) are never written or
  trusted. stdout: one line per file saved (its path); if stdout is closed early
  the remaining files are still saved. A progress bar is drawn on stderr when
  stderr is a terminal. Another run on the same target: that file fails at once.
exit codes: 0 every file saved (or skipped as existing); 1 every item failed at the vendor;
            2 usage; 3 every file failed; 4 some files failed";

/// Where the files go.
pub enum Output {
    Dir(PathBuf),
    File(PathBuf),
    Stdout,
}

/// The options of `get`.
pub struct Get {
    output: Output,
    force: bool,
    stall: Duration,
    size: Option<u64>,
    max_size: Option<u64>,
    sha256: Option<String>,
}

/// When the first argument is `get`, removes it and its own options (`-o`,
/// `--output`, `--force`, `--stall`, anywhere before `--`) from `args`.
pub fn take(args: &mut Vec<String>) -> Result<Option<Get>, String> {
    if args.first().map(String::as_str) != Some("get") {
        return Ok(None);
    }
    args.remove(0);
    let mut output = None;
    let mut force = false;
    let mut stall = download_url::fetch::DEFAULT_STALL_TIMEOUT;
    let (mut size, mut max_size, mut sha256) = (None, None, None);
    let bytes = |name: &str, text: String| -> Result<u64, String> {
        text.parse()
            .map_err(|_| format!("{name} takes a number of bytes, got {text:?}"))
    };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].clone();
        if arg == "--" {
            break;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") || name == "-o" => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let value = |args: &mut Vec<String>| -> Result<String, String> {
            args.remove(i);
            match inline.clone() {
                Some(v) => Ok(v),
                None if i < args.len() => Ok(args.remove(i)),
                None => Err(format!("{name} needs a value")),
            }
        };
        match name.as_str() {
            "-o" | "--output" => {
                if output.is_some() {
                    return Err("-o given twice".into());
                }
                output = Some(value(args)?);
            }
            "--stall" => {
                let text = value(args)?;
                let secs: f64 = text
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
                    .ok_or_else(|| {
                        format!("--stall takes seconds between 0 and 86400, got {text:?}")
                    })?;
                stall = Duration::from_secs_f64(secs);
            }
            "--size" => size = Some(bytes("--size", value(args)?)?),
            "--max-size" => max_size = Some(bytes("--max-size", value(args)?)?),
            "--sha256" => {
                let hex = value(args)?;
                if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!(
                        "--sha256 takes 64 hexadecimal digits, got {} characters",
                        hex.chars().count()
                    ));
                }
                sha256 = Some(hex);
            }
            "--force" => {
                if inline.is_some() {
                    return Err("--force takes no value".into());
                }
                args.remove(i);
                force = true;
            }
            "-h" | "--help" => return Err(String::new()),
            _ => i += 1,
        }
    }
    let output = match output.as_deref() {
        None => Output::Dir(PathBuf::from(".")),
        Some("-") => Output::Stdout,
        Some("") => return Err("-o needs a path".into()),
        Some(path) if path.ends_with('/') || Path::new(path).is_dir() => {
            Output::Dir(PathBuf::from(path))
        }
        Some(path) => Output::File(PathBuf::from(path)),
    };
    Ok(Some(Get {
        output,
        force,
        stall,
        size,
        max_size,
        sha256,
    }))
}

/// The arguments that ask `vendor` again for `item` alone.
fn args_for(vendor: &str, args: &Args, item: &str) -> Args {
    let mut positional: Vec<String> = match vendor {
        "koodrive" => args.positional.iter().take(1).cloned().collect(),
        _ => Vec::new(),
    };
    positional.extend(item.split('\n').map(str::to_owned));
    Args {
        positional,
        options: args.options.clone(),
    }
}

/// Fetches every link of `result`; the exit code.
pub fn run(
    get: Get,
    global: &Global,
    vendor: &'static str,
    args: &Args,
    result: Result<Batch, Failure>,
) -> Result<ExitCode, Result<Batch, Failure>> {
    let batch = match result {
        Ok(batch) => batch,
        Err(failure) => return Err(Err(failure)),
    };
    for failure in &batch.failures {
        err_line(&format!("failed: {}", one_field(&failure.to_string())));
    }
    let count = batch.links.len();
    match get.output {
        Output::File(_) if count > 1 => {
            return Err(Err(Failure::Usage(format!(
                "-o FILE takes one file, but {count} links came back: use -o DIR"
            ))))
        }
        Output::Stdout if count > 1 => {
            return Err(Err(Failure::Usage(format!(
                "-o - streams one file, but {count} links came back"
            ))))
        }
        _ if count > 1 && (get.sha256.is_some() || get.size.is_some()) => {
            return Err(Err(Failure::Usage(format!(
                "--sha256 and --size describe one file, but {count} links came back"
            ))))
        }
        _ => {}
    }
    if count == 0 {
        return Ok(ExitCode::from(1));
    }
    if let Output::Dir(dir) = &get.output {
        if let Err(e) = std::fs::create_dir_all(dir) {
            err_line(&format!(
                "cannot create {}: {e}",
                one_field(&dir.display().to_string())
            ));
            return Ok(ExitCode::from(3));
        }
    }
    let terminal = io::stderr().is_terminal();
    let mut bar = Bar::new(terminal);
    let refresh_args = |item: &str| args_for(vendor, args, item);
    let mut fetcher = Fetcher::new()
        .agent(global.agent())
        .overwrite(get.force)
        .stall_timeout(get.stall);
    if let Some(n) = get.size {
        fetcher = fetcher.expected_size(n);
    }
    if let Some(n) = get.max_size {
        fetcher = fetcher.max_size(n);
    }
    #[cfg(feature = "sha256")]
    if let (Some(hex), Some(link)) = (&get.sha256, batch.links.first()) {
        fetcher = fetcher
            .sha256(link.vendor, hex)
            .map_err(|e| Err(Failure::Usage(e.to_string())))?;
    }
    let mut fetcher = fetcher
        .progress(|p| bar.draw(p))
        .refresher(|old: &DownloadLink| {
            if vendor == "demo" {
                return Err(demo_cannot_refresh(old));
            }
            let again = crate::vendors::run(vendor, global, &refresh_args(&old.item)).map_err(
                |f| match f {
                    Failure::Error(e, _) => e,
                    Failure::Usage(why) => refresh_refused(old, &why),
                },
            )?;
            again
                .links
                .into_iter()
                .find(|l| l.item == old.item)
                .ok_or_else(|| refresh_refused(old, "the vendor returned no link for the item"))
        });
    let (mut saved, mut failed) = (0usize, 0usize);
    // Once stdout is closed (`| head -1`), the remaining files are still saved.
    let mut stdout_open = true;
    for link in &batch.links {
        // The link's file name, else the last segment of its URL's path.
        let redacted = download_url::redact_url(&link.url);
        let shown = link.file_name.clone().unwrap_or_else(|| {
            let path = redacted.split(['?', '#']).next().unwrap_or_default();
            match path.rsplit_once('/') {
                Some((before, last))
                    if !last.is_empty() && before.contains("://") && before.len() > 8 =>
                {
                    last.to_owned()
                }
                _ => redacted.clone(),
            }
        });
        let result = match &get.output {
            Output::Dir(dir) => fetcher.save_in(link, dir),
            Output::File(path) => fetcher.save_as(link, path),
            Output::Stdout => {
                let stdout = io::stdout();
                let mut out = stdout.lock();
                fetcher.write_to(link, &mut out)
            }
        };
        finish_bar(terminal);
        match result {
            Ok(fetched) => {
                saved += 1;
                if let (Some(path), true) = (fetched.path, stdout_open) {
                    let line = one_field(&path.display().to_string());
                    stdout_open = writeln!(io::stdout().lock(), "{line}").is_ok();
                }
            }
            Err(Error::FileHost(e)) if e.kind == FileHostKind::Exists => {
                saved += 1;
                err_line(&format!(
                    "skipped {}: exists (--force replaces it)",
                    one_field(e.note.as_deref().unwrap_or(&shown))
                ));
            }
            Err(Error::FileHost(e)) if e.kind == FileHostKind::Local => {
                // `dlurl: report.pdf: no space left on device (writing /d/.report.pdf.part)`
                failed += 1;
                let cause = std::error::Error::source(&*e)
                    .map_or_else(|| "local file".to_owned(), os_reason);
                let what = e.note.as_deref().unwrap_or("writing the file");
                err_line(&format!(
                    "{}: {} ({})",
                    one_field(&shown),
                    one_field(&cause),
                    one_field(what)
                ));
                if let Some(part) = &e.partial {
                    err_line(&format!(
                        "  {} bytes kept in {} (run again to resume)",
                        e.bytes_kept,
                        one_field(&part.display().to_string())
                    ));
                }
            }
            Err(e) => {
                failed += 1;
                err_line(&format!(
                    "failed: {}: {}",
                    one_field(&shown),
                    one_field(&e.to_string())
                ));
                if let Error::FileHost(e) = &e {
                    if let Some(part) = &e.partial {
                        err_line(&format!(
                            "  {} bytes kept in {} (run again to resume)",
                            e.bytes_kept,
                            one_field(&part.display().to_string())
                        ));
                    }
                }
            }
        }
    }
    let item_failures = !batch.failures.is_empty();
    Ok(ExitCode::from(match (saved, failed) {
        (_, 0) if !item_failures => 0,
        (0, _) => 3,
        _ => 4,
    }))
}

/// An OS error as a person reads it: `no space left on device`, without
/// std's `(os error 28)` and with a lowercase first letter.
fn os_reason(e: &(dyn std::error::Error + 'static)) -> String {
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

fn refresh_refused(link: &DownloadLink, why: &str) -> Error {
    FileHostError::new(link.vendor, FileHostKind::Denied, &link.url)
        .with_note(format!("no new link: {why}"))
        .into()
}

fn demo_cannot_refresh(link: &DownloadLink) -> Error {
    refresh_refused(link, "demo links are not refreshed")
}

fn finish_bar(terminal: bool) {
    if terminal {
        let _ = write!(io::stderr().lock(), "\r\x1b[2K");
    }
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
struct Bar {
    on: bool,
    started: Instant,
    last: Option<Instant>,
}

impl Bar {
    fn new(on: bool) -> Bar {
        Bar {
            on,
            started: Instant::now(),
            last: None,
        }
    }

    fn draw(&mut self, p: Progress) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        if p.done == 0 || self.last.is_none() {
            self.started = now;
        }
        if self
            .last
            .is_some_and(|t| now - t < Duration::from_millis(100))
            && p.total != Some(p.done)
        {
            return;
        }
        self.last = Some(now);
        let mib = |b: u64| b as f64 / (1 << 20) as f64;
        let elapsed = (now - self.started).as_secs_f64().max(1e-3);
        let rate = mib(p.done) / elapsed;
        let line = match p.total {
            Some(total) if total > 0 => {
                let fraction = (p.done as f64 / total as f64).clamp(0.0, 1.0);
                let width = 30;
                let filled = (fraction * width as f64) as usize;
                format!(
                    "[{}{}] {:>3.0}% {:.1}/{:.1} MiB {:.1} MiB/s",
                    "#".repeat(filled),
                    " ".repeat(width - filled),
                    fraction * 100.0,
                    mib(p.done),
                    mib(total),
                    rate
                )
            }
            _ => format!("{:.1} MiB {:.1} MiB/s", mib(p.done), rate),
        };
        let _ = write!(io::stderr().lock(), "\r\x1b[2K{line}");
    }
}

/// `dlurl demo`'s fetch: a kie.ai link to the fake file host, broken off midway
/// and expired on the way, fetched into a temporary directory. One stderr line.
#[cfg(all(feature = "fake", feature = "kie"))]
pub fn demo(global: &Global) -> Result<(), Failure> {
    use download_url::fake::files::{FakeContent, FakeFileHost, FileFault};
    use download_url::fake::{FakeServer, KIE_API_KEY};
    use download_url::{fetch, kie};

    let cannot = |e: io::Error| Failure::Usage(format!("cannot start the fake file host: {e}"));
    let files = FakeFileHost::start().map_err(cannot)?;
    let api = FakeServer::start().map_err(cannot)?;
    let len = 3 << 20;
    files.add("demo.bin", FakeContent::Generated { len, seed: 5 });
    let hour = Duration::from_secs(3600);
    api.configure(|s| s.kie.link = files.signed_url("demo.bin", hour));
    let mut config = kie::Config::new(KIE_API_KEY);
    config.base_url = api.base_url();
    let agent = global.agent();
    let item = "https://tempfile.aiquickdraw.com/demo/demo.bin";
    let link = kie::download_link(&agent, &config, item)?;
    files.push_fault(FileFault::DisconnectAfter(len / 3));
    files.push_fault(FileFault::Expired);
    let dir = std::env::temp_dir().join(format!("dlurl-demo-{}", std::process::id()));
    let result = std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", dir.display())))
        .and_then(|()| {
            Fetcher::new()
                .agent(agent.clone())
                .max_retries(3, Duration::from_millis(10))
                .refresher(fetch::refresher(|item| {
                    kie::download_link(&agent, &config, item)
                }))
                .save_in(&link, &dir)
                .map_err(|e| Failure::Error(e, Vec::new()))
        });
    let _ = std::fs::remove_dir_all(&dir);
    let fetched = result?;
    err_line(&format!(
        "demo fetch: {} bytes of {} from the fake file host (broken off midway: {} resume(s) with Range; link expired: {} refresh(es))",
        fetched.bytes,
        fetched
            .path
            .as_deref()
            .and_then(Path::file_name)
            .map_or("-".into(), |n| n.to_string_lossy()),
        fetched.ranges,
        fetched.refreshes,
    ));
    Ok(())
}
