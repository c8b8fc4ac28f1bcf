//! What dlurl prints: links and failures (plain, `--json`, `--jsonl`), errors
//! with their cause, usage errors, and the exit codes. Server text never
//! reaches the terminal raw.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use download_url::error::cause::Cause;
use download_url::{DownloadLink, Error, ItemFailure, Unattributed};
use serde_json::{json, Value};

use crate::args::Format;

/// Why a command failed before or instead of printing results.
pub enum Failure {
    /// Bad command line or a missing credential: exit 2, nothing sent.
    Usage(String),
    /// A library error for the call as a whole.
    Error(Error),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Error(err)
    }
}

/// What the printer knows about the call, to name a cause: the host asked and
/// the stall timeout.
pub struct Context {
    pub base_url: String,
    pub timeout: Duration,
    /// The proxy the calls go through (`host:port`), when one applies: a host
    /// that does not resolve or refuses is then the proxy.
    pub proxy: Option<String>,
}

/// One line on stderr, `dlurl: <text>`. A closed stderr is not worth a panic.
pub fn err_line(text: &str) {
    let _ = writeln!(io::stderr().lock(), "dlurl: {text}");
}

/// `dlurl: <what>` and a pointer to the help, exit 2.
pub fn usage_error(msg: &str) -> ExitCode {
    let _ = write!(
        io::stderr().lock(),
        "dlurl: {}\ntry 'dlurl --help'\n",
        one_field(msg)
    );
    ExitCode::from(2)
}

/// Writes `text` and a line end to stdout, exit 0 (or 3 when stdout fails).
pub fn print_text(text: &str) -> ExitCode {
    let mut out = Out::new();
    out.line(text.trim_end_matches('\n'));
    out.finish()
        .map_or_else(|code| code, |()| ExitCode::SUCCESS)
}

/// Stdout, locked once. A closed pipe (`| head`) ends the output quietly; any
/// other write error is reported once and makes the exit code 3.
pub struct Out {
    out: io::BufWriter<io::StdoutLock<'static>>,
    closed: bool,
    failed: bool,
}

impl Out {
    pub fn new() -> Out {
        Out {
            out: io::BufWriter::new(io::stdout().lock()),
            closed: false,
            failed: false,
        }
    }

    /// Writes one line (the text must not hold a line end).
    pub fn line(&mut self, text: &str) {
        if self.closed {
            return;
        }
        let result = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"));
        self.check(result);
    }

    /// Whether stdout was closed (or failed): nothing more can be shown.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Sends what is buffered on: results appear as each group finishes.
    pub fn flush(&mut self) {
        if !self.closed {
            let result = self.out.flush();
            self.check(result);
        }
    }

    fn check(&mut self, result: io::Result<()>) {
        if let Err(e) = result {
            self.closed = true;
            if e.kind() != io::ErrorKind::BrokenPipe {
                err_line(&format!("cannot write to stdout: {e}"));
                self.failed = true;
            }
        }
    }

    /// Flushes; `Err(3)` when a write failed other than on a closed pipe.
    pub fn finish(mut self) -> Result<(), ExitCode> {
        self.flush();
        if self.failed {
            Err(ExitCode::from(3))
        } else {
            Ok(())
        }
    }
}

/// The plain line of a link: `<url> TAB <name or -> TAB <expiry>`.
pub fn link_line(link: &DownloadLink) -> String {
    format!(
        "{}\t{}\t{}",
        one_field(link.url.as_str()),
        link.file_name.as_deref().map_or("-".to_owned(), one_field),
        link.expires
    )
}

/// A failed item on stderr.
pub fn failure_line(failure: &ItemFailure) {
    err_line(&format!("failed: {}", one_field(&failure.to_string())));
}

/// An answer no asked item can take, on stderr: `dlurl: not attributed: …`
/// (never a link's URL).
pub fn unattributed_line(answer: &Unattributed) {
    err_line(&format!(
        "not attributed: {}",
        one_field(&answer.to_string())
    ));
}

/// `value` as one line of JSON, nothing in it a terminal acts on.
pub fn json_line(value: &impl serde::Serialize) -> String {
    match serde_json::to_string(value) {
        Ok(json) => escape_json(&json),
        Err(e) => escape_json(&json!({"error": {"message": e.to_string()}}).to_string()),
    }
}

/// The JSON object of a whole-call error:
/// `{"vendor","kind","cause","http_status","code","message","request_id","retryable","items"}`;
/// `items`: the vendor's own error per item it named (Cloudreve's per-URI codes
/// of a 40081), `[{"item","code","message"}]`, else null.
pub fn error_json(err: &Error, cx: Option<&Context>) -> Value {
    let kind = match err {
        Error::InvalidInput(_) => "invalid_input",
        Error::Transport(_) => "transport",
        Error::Api(_) => "api",
        Error::UnexpectedResponse(_) => "unexpected_response",
        #[cfg(feature = "fetch")]
        Error::FileHost(_) => "file_host",
        _ => "other",
    };
    json!({
        "vendor": err.vendor().id(),
        "kind": kind,
        "cause": cause_text(err, cx),
        "http_status": err.http_status(),
        "code": err.code(),
        "message": err.to_string(),
        "request_id": err.request_id(),
        "retryable": err.is_retryable(),
        "items": item_errors(err),
    })
}

/// Each item's own error as the vendor named it in a whole-call error, in the
/// order of [`detail_lines`]; `null` when it named none.
#[allow(unused_variables)]
fn item_errors(err: &Error) -> Value {
    #[cfg(feature = "cloudreve")]
    {
        use download_url::cloudreve::{self, ErrorDetail};
        if let Some(detail) = ErrorDetail::of(err).filter(|d| !d.aggregated_error.is_empty()) {
            return detail
                .aggregated_error
                .iter()
                .map(|(uri, e)| {
                    json!({
                        "item": cloudreve::redact_uri(uri),
                        "code": e.code.code(),
                        "message": e.msg,
                    })
                })
                .collect();
        }
    }
    Value::Null
}

/// The cause of a transport failure, curl-style, with the host and the timeout
/// the CLI knows: `could not resolve host api.kie.ai`, `connection refused
/// (127.0.0.1:8080)`, `timed out after 30 s (receiving the reply)`.
pub fn cause_text(err: &Error, cx: Option<&Context>) -> Option<String> {
    let Error::Transport(e) = err else {
        return None;
    };
    let cause = e.cause();
    let proxy = cx.and_then(|cx| cx.proxy.clone());
    let via = if proxy.is_some() { "proxy " } else { "" };
    let authority = proxy.or_else(|| cx.map(|cx| authority(&cx.base_url).to_owned()));
    let host = authority.as_deref().map(|a| {
        a.rsplit_once(':').map_or(a, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                a
            }
        })
    });
    Some(match (&cause, cx) {
        (Cause::Dns, _) => match host {
            Some(host) => format!("could not resolve {via}host {host}"),
            None => cause.to_string(),
        },
        (Cause::ConnectionRefused, _) => match &authority {
            Some(a) => format!("connection refused ({via}{a})"),
            None => cause.to_string(),
        },
        (Cause::UnknownIssuer, _) => {
            "certificate not trusted: unknown issuer (self-signed or a private CA: use --cacert FILE)"
                .to_owned()
        }
        (Cause::Timeout(phase), Some(cx)) => {
            format!("timed out after {} s ({phase})", seconds(cx.timeout))
        }
        _ => cause.to_string(),
    })
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s}")
    }
}

/// `host[:port]` of a URL.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    authority.rsplit_once('@').map_or(authority, |(_, a)| a)
}

/// Prints a whole-call error (stderr, or JSON on stdout) and returns its exit code.
pub fn print_error(format: Format, err: &Error, cx: Option<&Context>) -> ExitCode {
    let code = ExitCode::from(exit_code(err));
    if format != Format::Plain {
        let mut out = Out::new();
        out.line(&json_line(&json!({ "error": error_json(err, cx) })));
        if let Err(code) = out.finish() {
            return code;
        }
        return code;
    }
    err_line(&error_text(err, cx));
    print_details(err);
    code
}

/// The extra stderr lines of a whole-call error (see [`detail_lines`]).
pub fn print_details(err: &Error) {
    for line in detail_lines(err) {
        err_line(&format!("  {}", one_field(&line)));
    }
}

/// One line: the error, and for a transport failure its cause.
pub fn error_text(err: &Error, cx: Option<&Context>) -> String {
    match cause_text(err, cx) {
        Some(cause) => one_field(&format!("{err}: {cause}")),
        None => one_field(&err.to_string()),
    }
}

/// Extra lines for an error: Cloudreve's per-URI codes of a 40081.
#[allow(unused_variables)]
fn detail_lines(err: &Error) -> Vec<String> {
    #[cfg(feature = "cloudreve")]
    {
        use download_url::cloudreve::{self, ErrorDetail};
        if let Some(detail) = ErrorDetail::of(err) {
            return detail
                .aggregated_error
                .iter()
                .map(|(uri, e)| {
                    format!(
                        "{}: code {}: {}",
                        cloudreve::redact_uri(uri),
                        e.code.code(),
                        e.msg
                    )
                })
                .collect();
        }
    }
    Vec::new()
}

/// The exit code of a whole-call error.
pub fn exit_code(err: &Error) -> u8 {
    match err {
        Error::InvalidInput(_) => 2,
        Error::Api(_) => 1,
        _ => 3,
    }
}

/// Characters a terminal may act on or hide: C0 and C1 controls (TAB, LF, ESC,
/// CSI…), DEL, the bidirectional marks, overrides and isolates, the Unicode line
/// and paragraph separators, and the invisible ones (zero-width spaces and
/// joiners, soft hyphen, word joiner and invisible operators, BOM, the tag
/// characters, variation selectors).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Server text as one tab-separated field: characters a terminal may act on
/// become spaces, so a server cannot forge lines or drive the terminal.
pub fn one_field(text: &str) -> String {
    text.chars()
        .map(|c| if is_unsafe(c) { ' ' } else { c })
        .collect()
}

/// serde_json escapes only C0 controls; the others of [`is_unsafe`] pass raw.
/// Outside strings JSON text has none of them, so each can become its `\uXXXX`
/// escape: the same JSON value, nothing a terminal acts on.
pub fn escape_json(json: &str) -> String {
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
        let text = "a\u{1b}\u{9b}\u{7f}\u{202e}\u{2028}\u{200b}\u{ad}\u{e0041}b\"\\\n";
        let json = serde_json::to_string(&text).unwrap();
        let escaped = escape_json(&json);
        assert!(!escaped.chars().any(is_unsafe), "{escaped}");
        let back: String = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn invisible_characters_become_spaces() {
        let text = "a\u{200b}b\u{ad}c\u{e0041}d\u{2060}e\u{feff}f\u{202e}g";
        assert_eq!(one_field(text), "a b c d e f g");
    }

    #[test]
    fn authority_of_urls() {
        assert_eq!(authority("https://api.kie.ai"), "api.kie.ai");
        assert_eq!(authority("http://u:p@127.0.0.1:8080/x?y"), "127.0.0.1:8080");
    }
}
