//! A vendor command: the ids of the command line, or of stdin in groups of
//! [`Session::group_size`] (10,000), each group one library call, its results printed in request order
//! as soon as it finishes.

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, Read};
use std::process::ExitCode;

use download_url::{Batch, Error};
use serde_json::{json, Value};

use crate::args::{Format, Global, VendorArgs};
use crate::output::{
    self, err_line, error_json, failure_line, json_line, link_line, unattributed_line, usage_error,
    Failure, Out,
};
use crate::session::Session;

/// The longest line of stdin accepted as an id (1 MiB; the library accepts far
/// less, this only bounds memory).
const LINE_LIMIT: usize = 1 << 20;

/// Runs a vendor command; the exit code.
pub fn run(global: &Global, args: &VendorArgs) -> ExitCode {
    let session = match Session::new(global, args, false) {
        Ok(session) => session,
        Err(failure) => return fail(global.format, failure, args.vendor),
    };
    let items = session.items(args);
    let mut printer = Printer::new(global.format);
    if session.is_batch() && matches!(items, [only] if only == "-") {
        let mut groups = Groups::new(io::stdin().lock(), session.group_size());
        loop {
            let group = match groups.next() {
                Ok(Some(group)) => group,
                Ok(None) if printer.groups == 0 => {
                    return usage_error("no ids on stdin (one per line)")
                }
                Ok(None) => break,
                Err(why) if printer.groups == 0 => return usage_error(&why),
                Err(why) => {
                    printer.late_error(None, &why);
                    break;
                }
            };
            if !printer.group(&session, &group, session.call(&group)) {
                break;
            }
            // Stdout closed (`| head -1`): the results of more groups could not
            // be shown, so nothing more is sent.
            if printer.out.is_closed() {
                break;
            }
        }
    } else if !printer.group(&session, items, session.call(items)) {
        return printer.finish_error();
    }
    printer.finish()
}

/// A failure before anything was sent: usage (exit 2; with `--json` or
/// `--jsonl` an `invalid_input` error object when it is the vendor's setup, such
/// as a missing credential) or the call's error.
pub fn fail(format: Format, failure: Failure, vendor: Option<download_url::Vendor>) -> ExitCode {
    match (failure, vendor) {
        (Failure::Usage(msg), Some(vendor)) if format != Format::Plain => {
            let mut out = Out::new();
            out.line(&json_line(&json!({ "error": {
                "vendor": vendor.id(), "kind": "invalid_input", "cause": null,
                "http_status": null, "code": null, "message": msg,
                "request_id": null, "retryable": false, "items": null,
            }})));
            match out.finish() {
                Ok(()) => ExitCode::from(2),
                Err(code) => code,
            }
        }
        (Failure::Usage(msg), _) => usage_error(&msg),
        (Failure::Error(err), _) => output::print_error(format, &err, None),
    }
}

/// Lines of stdin, `size` non-blank ones at a time.
pub struct Groups<R> {
    input: R,
    size: usize,
    done: bool,
    line: Vec<u8>,
}

impl<R: BufRead> Groups<R> {
    pub fn new(input: R, size: usize) -> Self {
        Groups {
            input,
            size,
            done: false,
            line: Vec::new(),
        }
    }

    /// The next group; `None` at the end of the input.
    pub fn next(&mut self) -> Result<Option<Vec<String>>, String> {
        let mut group = Vec::new();
        while !self.done && group.len() < self.size {
            self.line.clear();
            let n = (&mut self.input)
                .take(LINE_LIMIT as u64 + 1)
                .read_until(b'\n', &mut self.line)
                .map_err(|e| format!("cannot read ids from stdin: {e}"))?;
            if n == 0 {
                self.done = true;
                break;
            }
            if self.line.last() == Some(&b'\n') {
                self.line.pop();
                if self.line.last() == Some(&b'\r') {
                    self.line.pop();
                }
            } else if self.line.len() > LINE_LIMIT {
                return Err(format!(
                    "a line of stdin is longer than {} MiB",
                    LINE_LIMIT >> 20
                ));
            }
            let id = std::str::from_utf8(&self.line)
                .map_err(|_| "the ids on stdin are not valid UTF-8".to_owned())?;
            if !id.trim().is_empty() {
                group.push(id.to_owned());
            }
        }
        Ok((!group.is_empty()).then_some(group))
    }
}

/// Prints the results of each group as it finishes.
struct Printer {
    format: Format,
    out: Out,
    groups: usize,
    links: usize,
    failures: usize,
    /// `--json`: everything, printed at the end.
    json_links: Vec<Value>,
    json_failures: Vec<Value>,
    json_unattributed: Vec<Value>,
    json_error: Option<Value>,
    /// A whole-call error of the first call: printed by `finish_error`.
    first_error: Option<(Error, output::Context)>,
    late: bool,
}

impl Printer {
    fn new(format: Format) -> Self {
        Printer {
            format,
            out: Out::new(),
            groups: 0,
            links: 0,
            failures: 0,
            json_links: Vec::new(),
            json_failures: Vec::new(),
            json_unattributed: Vec::new(),
            json_error: None,
            first_error: None,
            late: false,
        }
    }

    /// Prints one group's results in the order of `items`, then what the reply
    /// said that no asked item can take (in reply order); `false` when the call
    /// failed as a whole (nothing more is sent).
    fn group(&mut self, session: &Session, items: &[String], result: Result<Batch, Error>) -> bool {
        let mut batch = match result {
            Ok(batch) => batch,
            Err(err) if self.groups == 0 => {
                let cx = output::Context {
                    base_url: session.context.base_url.clone(),
                    timeout: session.context.timeout,
                    proxy: session.context.proxy.clone(),
                };
                self.first_error = Some((err, cx));
                return false;
            }
            Err(err) => {
                self.late_error(Some((&err, &session.context)), "");
                return false;
            }
        };
        self.groups += 1;
        self.links += batch.links.len();
        self.failures += batch.failures.len();
        let unattributed = std::mem::take(&mut batch.unattributed);
        for entry in in_request_order(session, items, batch) {
            match (entry, self.format) {
                (Entry::Link(link), Format::Plain) => self.out.line(&link_line(&link)),
                (Entry::Failure(failure), Format::Plain) => failure_line(&failure),
                (Entry::Link(link), Format::JsonLines) => {
                    self.out.line(&json_line(&json!({ "link": link })))
                }
                (Entry::Failure(failure), Format::JsonLines) => {
                    self.out.line(&json_line(&json!({ "failure": failure })))
                }
                (Entry::Link(link), Format::Json) => self.json_links.push(json!(link)),
                (Entry::Failure(failure), Format::Json) => self.json_failures.push(json!(failure)),
            }
        }
        // They change no exit code: the asked items alone decide it.
        for answer in unattributed {
            match self.format {
                Format::Plain => unattributed_line(&answer),
                Format::JsonLines => self
                    .out
                    .line(&json_line(&json!({ "unattributed": answer }))),
                Format::Json => self.json_unattributed.push(json!(answer)),
            }
        }
        self.out.flush();
        true
    }

    /// A later group failed as a whole (or stdin broke) after results were printed.
    fn late_error(&mut self, err: Option<(&Error, &output::Context)>, why: &str) {
        self.late = true;
        let value = match err {
            Some((err, cx)) => error_json(err, Some(cx)),
            None => json!({ "vendor": null, "kind": "input", "cause": null, "http_status": null,
                "code": null, "message": why, "request_id": null, "retryable": false,
                "items": null }),
        };
        match self.format {
            Format::Plain => match err {
                Some((err, cx)) => {
                    err_line(&format!(
                        "{} (results of the earlier ids printed; nothing more sent)",
                        output::error_text(err, Some(cx))
                    ));
                    output::print_details(err);
                }
                None => err_line(&format!(
                    "{} (results of the earlier ids printed; nothing more sent)",
                    output::one_field(why)
                )),
            },
            Format::JsonLines => self.out.line(&json_line(&json!({ "error": value }))),
            Format::Json => self.json_error = Some(value),
        }
    }

    /// The first call failed as a whole: its error alone.
    fn finish_error(self) -> ExitCode {
        let (err, cx) = self.first_error.expect("an error was kept");
        drop(self.out);
        output::print_error(self.format, &err, Some(&cx))
    }

    fn finish(mut self) -> ExitCode {
        if self.first_error.is_some() {
            return self.finish_error();
        }
        if self.format == Format::Json {
            let mut object = json!({
                "links": std::mem::take(&mut self.json_links),
                "failures": std::mem::take(&mut self.json_failures),
                "unattributed": std::mem::take(&mut self.json_unattributed),
            });
            if let Some(error) = self.json_error.take() {
                object["error"] = error;
            }
            self.out.line(&json_line(&object));
        }
        if let Err(code) = self.out.finish() {
            return code;
        }
        ExitCode::from(if self.late {
            4
        } else if self.failures == 0 {
            0
        } else if self.links == 0 {
            1
        } else {
            4
        })
    }
}

enum Entry {
    Link(download_url::DownloadLink),
    Failure(download_url::ItemFailure),
}

/// The links and failures of `batch`, in the order of `items` (each list is in
/// request order already; this interleaves them). Items the library reports
/// under another form (Cloudreve's URIs) are matched in that form.
fn in_request_order(session: &Session, items: &[String], batch: Batch) -> Vec<Entry> {
    let sent: Vec<std::borrow::Cow<str>> = items.iter().map(|i| session.sent_form(i)).collect();
    let mut at: HashMap<&str, VecDeque<usize>> = HashMap::with_capacity(items.len());
    for (n, item) in sent.iter().enumerate() {
        at.entry(item).or_default().push_back(n);
    }
    let mut position = |item: &str| {
        at.get_mut(item)
            .and_then(VecDeque::pop_front)
            .unwrap_or(usize::MAX)
    };
    let mut entries: Vec<(usize, Entry)> = Vec::with_capacity(items.len());
    for link in batch.links {
        entries.push((position(&link.item), Entry::Link(link)));
    }
    for failure in batch.failures {
        entries.push((position(&failure.item), Entry::Failure(failure)));
    }
    entries.sort_by_key(|(n, _)| *n);
    entries.into_iter().map(|(_, entry)| entry).collect()
}
