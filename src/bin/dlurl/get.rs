//! `dlurl get [-o DIR|FILE|-] [--force] [--stall SECS] … <vendor> <args…>`: fetch
//! the file behind every link the vendor command returns (library
//! `download_url::fetch`): resumable, refreshing an expired link by asking the
//! vendor again for the same item through the same session.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use download_url::fetch::{Fetcher, Progress};
use download_url::{DownloadLink, Error, FileHostError, FileHostKind};
use serde_json::{json, Value};

use crate::args::{Format, GetArgs, Global, Output, VendorArgs};
use crate::output::{self, err_line, json_line, one_field, usage_error, Out};
use crate::run::{fail, Groups};
use crate::session::{os_reason, Session};

/// Runs `dlurl get`; the exit code.
pub fn run(global: &Global, get: GetArgs, args: &VendorArgs) -> ExitCode {
    let session = match Session::new(global, args, true) {
        Ok(session) => session,
        Err(failure) => return fail(global.format, failure, args.vendor),
    };
    // The items: the command line's, or all of stdin's (get keeps its files' list).
    let mut items = session.items(args).to_vec();
    if session.is_batch() && matches!(&items[..], [only] if only == "-") {
        items.clear();
        let mut groups = Groups::new(io::stdin().lock(), session.group_size());
        loop {
            match groups.next() {
                Ok(Some(group)) => items.extend(group),
                Ok(None) => break,
                Err(why) => return usage_error(&why),
            }
        }
        if items.is_empty() {
            return usage_error("no ids on stdin (one per line)");
        }
    }
    // One file only: checked before anything is sent.
    let expected = if args.archive { 1 } else { items.len() };
    if expected > 1 {
        let one = match get.output {
            Output::File(_) => Some("-o FILE saves one file"),
            Output::Stdout => Some("-o - streams one file"),
            Output::Dir(_) if get.sha256.is_some() || get.size.is_some() => {
                Some("--sha256 and --size describe one file")
            }
            Output::Dir(_) => None,
        };
        if let Some(what) = one {
            return usage_error(&format!(
                "{what}, but the request names {expected} items: use -o DIR"
            ));
        }
    }
    let batch = match session.call(&items) {
        Ok(batch) => batch,
        Err(err) => return output::print_error(global.format, &err, Some(&session.context)),
    };
    let mut report = Report::new(global.format);
    for failure in &batch.failures {
        report.item_failure(failure);
    }
    // Shown, never fetched, and no change to the exit code.
    for answer in &batch.unattributed {
        report.unattributed(answer);
    }
    if batch.links.is_empty() {
        return report.finish().err().unwrap_or(ExitCode::from(1));
    }
    if let Output::Dir(dir) = &get.output {
        if let Err(e) = std::fs::create_dir_all(dir) {
            err_line(&format!(
                "cannot create {}: {}",
                one_field(&dir.display().to_string()),
                os_reason(&e)
            ));
            return ExitCode::from(3);
        }
    }
    let terminal = io::stderr().is_terminal();
    let mut bar = Bar::new(terminal);
    let mut fetcher = Fetcher::new()
        .agent(session.agent.clone())
        .overwrite(get.force)
        .sync_to_disk(get.fsync)
        .stall_timeout(get.stall);
    if let Some(n) = get.size {
        fetcher = fetcher.expected_size(n);
    }
    if let Some(n) = get.max_size {
        fetcher = fetcher.max_size(n);
    }
    #[cfg(feature = "sha256")]
    if let (Some(hex), Some(link)) = (&get.sha256, batch.links.first()) {
        fetcher = match fetcher.sha256(link.vendor, hex) {
            Ok(fetcher) => fetcher,
            Err(e) => return usage_error(&e.to_string()),
        };
    }
    let mut fetcher =
        fetcher
            .progress(|p| bar.draw(p))
            .refresher(|old: &DownloadLink| match session.link_for(&old.item)? {
                Ok(link) => Ok(link),
                Err(why) => Err(refresh_refused(old, &why)),
            });
    let (mut saved, mut failed) = (0usize, 0usize);
    for link in &batch.links {
        let shown = shown_name(link);
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
                if let Some(path) = &fetched.path {
                    report.file(&link.item, path, fetched.bytes, fetched.sha256.as_deref());
                }
            }
            Err(Error::FileHost(e)) if e.kind == FileHostKind::Exists => {
                saved += 1;
                err_line(&format!(
                    "skipped {}: exists (--force replaces it)",
                    one_field(e.note.as_deref().unwrap_or(&shown))
                ));
            }
            Err(err) => {
                failed += 1;
                report.file_failure(link, &shown, &err, &session.context);
            }
        }
    }
    if let Err(code) = report.finish() {
        return code;
    }
    let item_failures = !batch.failures.is_empty();
    ExitCode::from(match (saved, failed) {
        (_, 0) if !item_failures => 0,
        (0, _) => 3,
        _ => 4,
    })
}

/// The link's file name, else the last segment of its URL's path.
fn shown_name(link: &DownloadLink) -> String {
    let redacted = download_url::redact_url(&link.url);
    link.file_name.clone().unwrap_or_else(|| {
        let path = redacted.split(['?', '#']).next().unwrap_or_default();
        match path.rsplit_once('/') {
            Some((before, last))
                if !last.is_empty() && before.contains("://") && before.len() > 8 =>
            {
                last.to_owned()
            }
            _ => redacted.clone(),
        }
    })
}

/// What `get` prints: paths (plain), `{"files","failures","unattributed"}`
/// (`--json`) or one object per line (`--jsonl`). Failures and unattributed
/// answers go to stderr in plain output.
struct Report {
    format: Format,
    /// Once stdout is closed (`| head -1`), the remaining files are still saved.
    out: Out,
    files: Vec<Value>,
    failures: Vec<Value>,
    unattributed: Vec<Value>,
}

impl Report {
    fn new(format: Format) -> Self {
        Report {
            format,
            out: Out::new(),
            files: Vec::new(),
            failures: Vec::new(),
            unattributed: Vec::new(),
        }
    }

    fn emit(&mut self, kind: &str, value: Value) {
        match self.format {
            Format::Plain => {}
            Format::JsonLines => {
                self.out.line(&json_line(&json!({ kind: value })));
                self.out.flush();
            }
            Format::Json if kind == "file" => self.files.push(value),
            Format::Json if kind == "unattributed" => self.unattributed.push(value),
            Format::Json => self.failures.push(value),
        }
    }

    fn item_failure(&mut self, failure: &download_url::ItemFailure) {
        if self.format == Format::Plain {
            output::failure_line(failure);
        }
        self.emit("failure", json!(failure));
    }

    fn unattributed(&mut self, answer: &download_url::Unattributed) {
        if self.format == Format::Plain {
            output::unattributed_line(answer);
        }
        self.emit("unattributed", json!(answer));
    }

    fn file(&mut self, item: &str, path: &Path, bytes: u64, sha256: Option<&str>) {
        if self.format == Format::Plain {
            self.out.line(&one_field(&path.display().to_string()));
            self.out.flush();
        }
        let path = path.display().to_string();
        self.emit(
            "file",
            json!({ "item": item, "path": path, "bytes": bytes, "sha256": sha256 }),
        );
    }

    fn file_failure(
        &mut self,
        link: &DownloadLink,
        shown: &str,
        err: &Error,
        cx: &output::Context,
    ) {
        if self.format == Format::Plain {
            print_file_error(shown, err);
        }
        let mut error = output::error_json(err, Some(cx));
        if let Error::FileHost(e) = err {
            if e.kind == FileHostKind::Local {
                if let Some(source) = std::error::Error::source(&**e) {
                    error["cause"] = json!(os_reason(source));
                }
            }
        }
        self.emit("failure", json!({ "item": link.item, "error": error }));
    }

    /// Prints the JSON object (with `--json`) and flushes; `Err(3)` when stdout
    /// was not writable.
    fn finish(mut self) -> Result<(), ExitCode> {
        if self.format == Format::Json {
            let object = json!({
                "files": std::mem::take(&mut self.files),
                "failures": std::mem::take(&mut self.failures),
                "unattributed": std::mem::take(&mut self.unattributed),
            });
            self.out.line(&json_line(&object));
        }
        self.out.finish()
    }
}

/// A file that failed, on stderr: a local failure with the OS reason and what
/// was being done, a host failure with the error; the bytes kept for a resume.
fn print_file_error(shown: &str, err: &Error) {
    match err {
        Error::FileHost(e) if e.kind == FileHostKind::Local => {
            // `dlurl: report.pdf: no space left on device (writing /d/.report.pdf.part)`
            let cause =
                std::error::Error::source(&**e).map_or_else(|| "local file".to_owned(), os_reason);
            let what = e.note.as_deref().unwrap_or("writing the file");
            err_line(&format!(
                "{}: {} ({})",
                one_field(shown),
                one_field(&cause),
                one_field(what)
            ));
        }
        other => err_line(&format!(
            "failed: {}: {}",
            one_field(shown),
            output::error_text(other, None)
        )),
    }
    if let Error::FileHost(e) = err {
        if let Some(part) = &e.partial {
            err_line(&format!(
                "  {} bytes kept in {} (run again to resume)",
                e.bytes_kept,
                one_field(&part.display().to_string())
            ));
        }
    }
}

fn refresh_refused(link: &DownloadLink, why: &str) -> Error {
    FileHostError::new(link.vendor, FileHostKind::Denied, &link.url)
        .with_note(format!("no new link: {why}"))
        .into()
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
