//! The `dlurl` command-line conventions, tried as an outsider would: `--version`,
//! options anywhere and `--flag=value`, `--`, one-line usage errors, `-v`, the
//! JSON object, ids on stdin, a closed stdout, non-UTF-8 arguments, partial
//! exit codes and server text that carries control characters.
#![cfg(all(
    feature = "cli",
    feature = "fake",
    feature = "kie",
    feature = "datalab",
    feature = "cloudreve",
    feature = "blendvision",
    feature = "koodrive"
))]

mod common;

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};

use common::{dlurl, dlurl_path, Run};
use download_url::fake::{
    FakeReply, FakeServer, Fault, BLENDVISION_API_TOKEN, BLENDVISION_ORG_ID, CLOUDREVE_TOKEN,
    DATALAB_API_KEY, KIE_API_KEY, KOODRIVE_CONTAINER_ID, KOODRIVE_FILE_ID, KOODRIVE_TOKEN,
    KOODRIVE_USER_ID,
};
use download_url::Vendor;
use serde_json::{json, Value};

const FILE: &str = "https://tempfile.aiquickdraw.com/a.png";
const BV_1: &str = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
const BV_2: &str = "3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328";

const KIE_ENV: [(&str, &str); 1] = [("KIE_API_KEY", KIE_API_KEY)];
const DATALAB_ENV: [(&str, &str); 1] = [("DATALAB_API_KEY", DATALAB_API_KEY)];
const CLOUDREVE_ENV: [(&str, &str); 1] = [("CLOUDREVE_TOKEN", CLOUDREVE_TOKEN)];
const BLENDVISION_ENV: [(&str, &str); 2] = [
    ("BLENDVISION_API_TOKEN", BLENDVISION_API_TOKEN),
    ("BLENDVISION_ORG_ID", BLENDVISION_ORG_ID),
];
const KOODRIVE_ENV: [(&str, &str); 2] = [
    ("KOODRIVE_USER_ID", KOODRIVE_USER_ID),
    ("KOODRIVE_TOKEN", KOODRIVE_TOKEN),
];

/// How to wire the child's standard streams.
#[derive(Default)]
struct Io<'a> {
    /// Bytes written to stdin (then closed); `None`: stdin is `/dev/null`.
    stdin: Option<&'a [u8]>,
    /// Drop the read end of stdout right after the spawn, before the child writes.
    close_stdout: bool,
    /// Drop the read end of stderr right after the spawn.
    close_stderr: bool,
}

/// Runs `dlurl` with raw (possibly non-UTF-8) arguments, exactly `env` (plus
/// PATH) and the streams wired as `io` says.
fn spawn(args: &[OsString], env: &[(&str, &str)], io: Io<'_>) -> Run {
    let mut cmd = Command::new(dlurl_path());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(if io.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn dlurl");
    if io.close_stdout {
        drop(child.stdout.take());
    }
    if io.close_stderr {
        drop(child.stderr.take());
    }
    let writer = child.stdin.take().map(|mut pipe| {
        let input = io.stdin.unwrap_or_default().to_vec();
        // The child may stop reading early: a write error here is not the test's concern.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        })
    });
    let out = child.wait_with_output().expect("wait for dlurl");
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// `dlurl args` with `input` on stdin.
fn dlurl_stdin(args: &[&str], env: &[(&str, &str)], input: &str) -> Run {
    spawn(
        &os(args),
        env,
        Io {
            stdin: Some(input.as_bytes()),
            ..Io::default()
        },
    )
}

/// Asserts a usage error: exit 2, nothing on stdout, exactly two stderr lines,
/// `dlurl: <what>` and `try 'dlurl --help'`.
fn assert_usage_error(run: &Run, what: &str) {
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(lines[0].starts_with("dlurl: "), "{run:?}");
    assert!(lines[0].contains(what), "{what:?} not in {run:?}");
    assert_eq!(lines[1], "try 'dlurl --help'", "{run:?}");
}

/// No C0/C1 control character other than the TAB field separators and the LF line ends,
/// and no bidirectional override.
fn assert_clean(text: &str) {
    for c in text.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        assert!(
            (!c.is_control() || c == '\t' || c == '\n') && !bidi,
            "control character {c:?} in {text:?}"
        );
    }
}

// 1. --version

#[test]
fn version_prints_the_crate_version() {
    let expected = format!("dlurl {}\n", env!("CARGO_PKG_VERSION"));
    for args in [&["--version"][..], &["-V"][..], &["kie", "--version"][..]] {
        let run = dlurl(args, &[]);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert_eq!(run.stdout, expected, "{args:?}");
        assert!(run.stderr.is_empty(), "{run:?}");
    }
}

// 2. global options after the vendor name, --flag=value

#[test]
fn global_options_work_after_the_vendor_name() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let run = dlurl(
        &[
            "kie",
            "--json",
            "--base-url",
            &base,
            "--timeout",
            "5",
            "--retries",
            "1",
            "-v",
            FILE,
        ],
        &KIE_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let batch: Value = serde_json::from_str(&run.stdout).expect("--json after the vendor");
    assert_eq!(batch["links"][0]["vendor"], "kie", "{run:?}");
    assert!(run.stderr.contains("POST"), "-v after the vendor: {run:?}");

    // Positionals first, options last.
    let run = dlurl(&["kie", FILE, "--base-url", &base], &KIE_ENV);
    assert_eq!(run.code, 0, "{run:?}");
    // Mixed: one global before, one after, vendor option in between.
    let run = dlurl(
        &[
            "--json",
            "datalab",
            "--expires-in",
            "600",
            "42",
            "--base-url",
            &base,
        ],
        &DATALAB_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("X-Amz-Expires=600"), "{run:?}");
}

#[test]
fn allow_insecure_http_works_after_the_vendor_name() {
    // 0.0.0.0 is not a loopback name to the library, yet on Linux connecting to it
    // reaches this machine: the fake answers, and nothing leaves 127.0.0.1.
    let server = FakeServer::start().unwrap();
    let base = format!("http://0.0.0.0:{}", server.addr().port());
    let run = dlurl(&["kie", "--base-url", &base, FILE], &KIE_ENV);
    assert_eq!(run.code, 2, "refused without the flag: {run:?}");
    assert_eq!(server.request_count(), 0);
    let run = dlurl(
        &["kie", "--base-url", &base, "--allow-insecure-http", FILE],
        &KIE_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn flag_equals_value_works_for_every_valued_option() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let base_opt = format!("--base-url={base}");
    let run = dlurl(
        &[&base_opt, "--timeout=5", "--retries=0", "kie", FILE],
        &KIE_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = dlurl(
        &["datalab", "42", "--expires-in=600", &base_opt],
        &DATALAB_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("X-Amz-Expires=600"), "{run:?}");
    // A value may itself hold `=`.
    let run = dlurl(
        &["cloudreve", &base_opt, "--entity=aO8j", "The Man.mp3"],
        &CLOUDREVE_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        server.last_request(Vendor::Cloudreve).unwrap().json()["entity"],
        "aO8j"
    );
    let run = dlurl(
        &[
            "koodrive",
            &base_opt,
            "--language=en",
            KOODRIVE_CONTAINER_ID,
            KOODRIVE_FILE_ID,
        ],
        &KOODRIVE_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");

    // A switch takes no value; an empty value is still a value (and then invalid).
    assert_usage_error(&dlurl(&["--json=yes", "kie", FILE], &KIE_ENV), "--json");
    assert_usage_error(&dlurl(&["--timeout=", "kie", FILE], &KIE_ENV), "--timeout");
    assert_eq!(server.request_count(), 4);
}

// 3. `--` ends options

#[test]
fn double_dash_ends_options_and_ids_may_start_with_a_dash() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let run = dlurl(
        &["--base-url", &base, "datalab", "--", "--help"],
        &DATALAB_ENV,
    );
    assert!(!run.stdout.contains("usage"), "{run:?}");
    assert_ne!(run.code, 0, "there is no file `--help`: {run:?}");
    let asked = server
        .last_request(Vendor::Datalab)
        .expect("a request was sent");
    assert!(asked.path.contains("--help"), "{asked:?}");

    // Several ids after `--`, each starting with a dash; a `-` among other ids
    // is an id, not stdin.
    let run = dlurl(
        &[
            "--base-url",
            &base,
            "--json",
            "koodrive",
            KOODRIVE_CONTAINER_ID,
            "--",
            "-a",
            "--json",
            "-",
        ],
        &KOODRIVE_ENV,
    );
    let batch: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    let items: Vec<&str> = batch["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["-a", "--json", "-"], "{run:?}");

    // Before `--`, -h/--help still means help, after the vendor name too.
    for args in [&["datalab", "-h"][..], &["datalab", "42", "--help"][..]] {
        let run = dlurl(args, &DATALAB_ENV);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.starts_with("usage: dlurl"), "{run:?}");
    }
    // `--` before the vendor name: the vendor is positional too.
    let run = dlurl(&["--base-url", &base, "--", "datalab", "42"], &DATALAB_ENV);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn unknown_dash_arguments_before_double_dash_are_errors() {
    assert_usage_error(&dlurl(&["datalab", "-x"], &DATALAB_ENV), "-x");
    assert_usage_error(&dlurl(&["datalab", "--nope", "42"], &DATALAB_ENV), "--nope");
    // A vendor's option belongs to that vendor.
    assert_usage_error(
        &dlurl(&["kie", "--expires-in", "600", FILE], &KIE_ENV),
        "--expires-in",
    );
}

// 4. one-line usage errors

#[test]
fn usage_errors_are_one_line_and_a_hint() {
    let env = [
        ("KIE_API_KEY", KIE_API_KEY),
        ("DATALAB_API_KEY", DATALAB_API_KEY),
    ];
    for (args, what) in [
        (&[][..], "missing <vendor>"),
        (&["nope"][..], "nope"),
        (&["--bogus", "kie", FILE][..], "--bogus"),
        (&["--timeout", "x", "kie", FILE][..], "--timeout"),
        (&["--retries", "-1", "kie", FILE][..], "--retries"),
        (&["kie", FILE, "--base-url"][..], "--base-url"),
        (&["kie"][..], "kie"),
        (&["kie", "a", "b"][..], "kie"),
        (&["datalab", "42", "--expires-in", "x"][..], "--expires-in"),
        (&["cloudreve"][..], "cloudreve"),
        (&["koodrive", "c"][..], "koodrive"),
    ] {
        assert_usage_error(&dlurl(args, &env), what);
    }
}

// 5. -v

#[test]
fn verbose_logs_each_request_without_credentials_or_queries() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let run = dlurl(&["-v", "--base-url", &base, "kie", FILE], &KIE_ENV);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    let line = lines[0];
    assert!(line.starts_with("dlurl: "), "{line}");
    assert!(line.contains("POST"), "{line}");
    assert!(
        line.contains(&format!("{base}{}", download_url::kie::PATH)),
        "{line}"
    );
    assert!(line.contains("200"), "{line}");
    assert!(!line.contains(KIE_API_KEY), "{line}");
    assert!(
        !run.stdout.contains("POST"),
        "the log goes to stderr: {run:?}"
    );

    // A query is never shown (Datalab sends `expires_in` in it), and a retried
    // request shows one line per attempt.
    server.push_fault(Vendor::Datalab, Fault::RateLimited("0".into()));
    let run = dlurl(
        &[
            "--verbose",
            "--retries=1",
            "--base-url",
            &base,
            "datalab",
            "42",
            "--expires-in",
            "600",
        ],
        &DATALAB_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(
        lines[0].contains("GET") && lines[0].contains("429"),
        "{run:?}"
    );
    assert!(
        lines[1].contains("GET") && lines[1].contains("200"),
        "{run:?}"
    );
    for line in &lines {
        assert!(!line.contains("600") || !line.contains("expires"), "{line}");
        assert!(!line.contains(DATALAB_API_KEY), "{line}");
        if let Some((_, query)) = line.split_once('?') {
            assert!(query.starts_with("[redacted]"), "{line}");
        }
    }
    let asked = server.last_request(Vendor::Datalab).unwrap();
    assert!(asked.query.is_some(), "the test needs a query: {asked:?}");

    // Without -v: nothing on stderr.
    let run = dlurl(&["--base-url", &base, "kie", FILE], &KIE_ENV);
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn verbose_logs_a_request_that_got_no_response() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = dlurl(&["-v", "--base-url", &base, "kie", FILE], &KIE_ENV);
    assert_eq!(run.code, 3, "{run:?}");
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(first.contains("POST") && first.contains(&base), "{run:?}");
    assert!(!first.contains(KIE_API_KEY), "{run:?}");
}

// 6. --json

fn assert_link_shape(link: &Value) {
    let object = link.as_object().expect("a link is an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["expires", "file_name", "item", "url", "vendor"],
        "{link}"
    );
    assert!(
        link["vendor"].is_string() && link["item"].is_string(),
        "{link}"
    );
    assert!(link["url"].as_str().unwrap().starts_with("http"), "{link}");
    assert!(
        link["file_name"].is_string() || link["file_name"].is_null(),
        "{link}"
    );
    match &link["expires"] {
        Value::Null => {}
        Value::String(s) if s == "never" => {}
        Value::String(s) => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|e| panic!("expires {s:?} is not RFC 3339: {e}"));
        }
        other => panic!("expires {other}"),
    }
}

#[test]
fn json_is_one_object_with_links_and_failures() {
    let run = dlurl(&["--json", "demo"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "one line: {run:?}");
    let batch: Value = serde_json::from_str(&run.stdout).unwrap();
    let links = batch["links"].as_array().expect("links");
    assert_eq!(batch["failures"], json!([]));
    let vendors: Vec<&str> = links
        .iter()
        .map(|l| l["vendor"].as_str().unwrap())
        .collect();
    assert_eq!(
        vendors,
        ["kie", "cloudreve", "datalab", "blendvision", "koodrive"]
    );
    for link in links {
        assert_link_shape(link);
    }

    // A partial batch: links and failures in one object, exit 4.
    let server = FakeServer::start().unwrap();
    let run = dlurl(
        &[
            "--json",
            "--base-url",
            &server.base_url(),
            "koodrive",
            KOODRIVE_CONTAINER_ID,
            KOODRIVE_FILE_ID,
            "missing-file",
        ],
        &KOODRIVE_ENV,
    );
    assert_eq!(run.code, 4, "{run:?}");
    let batch: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(batch["links"].as_array().unwrap().len(), 1, "{batch}");
    assert_link_shape(&batch["links"][0]);
    assert_eq!(batch["links"][0]["item"], KOODRIVE_FILE_ID);
    let failure = &batch["failures"][0];
    assert_eq!(failure["vendor"], "koodrive", "{batch}");
    assert_eq!(failure["item"], "missing-file", "{batch}");
    assert_eq!(failure["reason"]["kind"], "refused", "{batch}");

    // A Cloudreve link signed `:0` never expires: "never"; and a link with nothing
    // stating its expiry: null.
    server.configure(|s| s.cloudreve.url_ttl_secs = 0);
    let run = dlurl(
        &[
            "--json",
            "--base-url",
            &server.base_url(),
            "cloudreve",
            "The Man.mp3",
        ],
        &CLOUDREVE_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let batch: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_link_shape(&batch["links"][0]);
    assert_eq!(batch["links"][0]["expires"], "never", "{batch}");
}

// 7. ids on stdin

#[test]
fn batch_vendors_read_ids_from_stdin_after_a_lone_dash() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();

    let run = dlurl_stdin(
        &["--json", "--base-url", &base, "blendvision", "-"],
        &BLENDVISION_ENV,
        &format!("{BV_1}\n\n   \n{BV_2}\r\n"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let batch: Value = serde_json::from_str(&run.stdout).unwrap();
    let items: Vec<&str> = batch["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, [BV_1, BV_2], "{run:?}");

    let run = dlurl_stdin(
        &["--base-url", &base, "cloudreve", "-"],
        &CLOUDREVE_ENV,
        "The Man.mp3\n\nfolder/report.pdf",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 2, "{run:?}");
    assert_eq!(
        server.last_request(Vendor::Cloudreve).unwrap().json()["uris"],
        json!([
            "cloudreve://my/The%20Man.mp3",
            "cloudreve://my/folder/report.pdf"
        ])
    );

    let run = dlurl_stdin(
        &["--base-url", &base, "koodrive", KOODRIVE_CONTAINER_ID, "-"],
        &KOODRIVE_ENV,
        &format!("{KOODRIVE_FILE_ID}\n\n"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");

    // Nothing on stdin: a usage error, nothing sent.
    let before = server.request_count();
    for (vendor_args, env) in [
        (&["blendvision", "-"][..], &BLENDVISION_ENV[..]),
        (
            &["koodrive", KOODRIVE_CONTAINER_ID, "-"][..],
            &KOODRIVE_ENV[..],
        ),
        (&["cloudreve", "-"][..], &CLOUDREVE_ENV[..]),
    ] {
        let mut args = vec!["--base-url", &base];
        args.extend_from_slice(vendor_args);
        assert_usage_error(&dlurl_stdin(&args, env, "\n \n"), "stdin");
    }
    // A line of stdin over 1 MiB: refused before anything is sent (any number of
    // lines is read, in groups: tests/cli_stream.rs).
    let huge = BV_1.repeat((17 << 20) / (BV_1.len() + 1));
    let mut args = vec!["--base-url", &base];
    args.extend_from_slice(&["blendvision", "-"]);
    assert_usage_error(&dlurl_stdin(&args, &BLENDVISION_ENV, &huge), "MiB");
    assert_eq!(server.request_count(), before);
}

// 8. closed stdout / stderr

#[test]
fn a_closed_stdout_ends_quietly() {
    // README: "A closed stdout (`| head -1`) ends quietly": the exit code the
    // run would have had anyway and nothing on stderr but what it prints anyway.
    // (With the broken-pipe case removed from `write_stdout`, dlurl printed
    // "cannot write to stdout" and exited 3: this test fails on that.)
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let env = [KIE_ENV[0], KOODRIVE_ENV[0], KOODRIVE_ENV[1]];
    for (args, code, stderr) in [
        (&["--help"][..], 0, &[][..]),
        (&["--version"][..], 0, &[][..]),
        (&["--base-url", &base, "kie", FILE][..], 0, &[][..]),
        (
            &["--json", "--base-url", &base, "kie", FILE][..],
            0,
            &[][..],
        ),
        // A partial batch: exit 4 and its one failure line, nothing more.
        (
            &[
                "--base-url",
                &base,
                "koodrive",
                KOODRIVE_CONTAINER_ID,
                KOODRIVE_FILE_ID,
                "missing-file",
            ][..],
            4,
            &["dlurl: failed: "][..],
        ),
        (&["demo"][..], 0, &["dlurl: demo fetch: "][..]),
        (&["--json", "demo"][..], 0, &["dlurl: demo fetch: "][..]),
    ] {
        let run = spawn(
            &os(args),
            &env,
            Io {
                close_stdout: true,
                ..Io::default()
            },
        );
        assert_eq!(run.code, code, "{args:?}: {run:?}");
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), stderr.len(), "{args:?}: {run:?}");
        for (line, start) in lines.iter().zip(stderr) {
            assert!(line.starts_with(start), "{args:?}: {run:?}");
        }
    }
}

#[test]
fn a_closed_stderr_does_not_panic() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    for (args, code) in [
        (&["--bogus"][..], 2),
        (&["-v", "--base-url", &base, "kie", FILE][..], 0),
        (&["--base-url", &base, "datalab", "999"][..], 1),
    ] {
        let env = [KIE_ENV[0], DATALAB_ENV[0]];
        let run = spawn(
            &os(args),
            &env,
            Io {
                close_stderr: true,
                ..Io::default()
            },
        );
        assert_eq!(run.code, code, "{args:?}: {run:?}");
    }
}

#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let Some(out) = common::dlurl_to_full_stdout(&["demo"], &[]) else {
        return; // no /dev/full here
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{stderr}");
    assert_ne!(
        out.status.code(),
        Some(0),
        "a lost output is not success: {stderr}"
    );
    // Every stderr line is one of dlurl's (the demo also reports its fetch), and
    // the lost output is said once, last.
    assert!(stderr.lines().all(|l| l.starts_with("dlurl: ")), "{stderr}");
    let last = stderr.lines().last().unwrap_or("");
    assert!(last.contains("cannot write to stdout"), "{stderr}");
    assert_eq!(
        stderr.matches("cannot write to stdout").count(),
        1,
        "{stderr}"
    );
}

// 9. non-UTF-8 arguments

#[test]
fn non_utf8_arguments_are_a_usage_error() {
    let bad = OsStr::from_bytes(b"caf\xe9").to_os_string();
    for args in [
        vec![OsString::from("datalab"), bad.clone()],
        vec![bad.clone()],
        vec![OsString::from("datalab"), OsString::from("--"), bad.clone()],
    ] {
        let run = spawn(&args, &DATALAB_ENV, Io::default());
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("UTF-8"), "{run:?}");
        assert!(!run.stderr.contains("panicked"), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
}

#[test]
fn non_utf8_stdin_is_a_usage_error() {
    let run = spawn(
        &os(&["blendvision", "-"]),
        &BLENDVISION_ENV,
        Io {
            stdin: Some(b"63df97e3\xff\n"),
            ..Io::default()
        },
    );
    assert_usage_error(&run, "UTF-8");
}

// 10. exit codes of a partial batch

#[test]
fn every_item_failed_is_1_and_some_is_4() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let run = dlurl(
        &[
            "--base-url",
            &base,
            "cloudreve",
            "--skip-error",
            "nope-1",
            "folder",
        ],
        &CLOUDREVE_ENV,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_eq!(
        run.stderr.lines().count(),
        2,
        "one line per failed item: {run:?}"
    );
    assert!(run.stderr.contains("nope-1"), "{run:?}");

    let run = dlurl(
        &[
            "--base-url",
            &base,
            "cloudreve",
            "--skip-error",
            "The Man.mp3",
            "nope-1",
        ],
        &CLOUDREVE_ENV,
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    assert!(run.stdout.contains("The Man.mp3"), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");

    // The same with --json: the object still comes out, with the failures.
    let run = dlurl(
        &[
            "--json",
            "--base-url",
            &base,
            "cloudreve",
            "--skip-error",
            "nope-1",
        ],
        &CLOUDREVE_ENV,
    );
    assert_eq!(run.code, 1, "{run:?}");
    let batch: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(batch["links"], json!([]));
    assert_eq!(batch["failures"].as_array().unwrap().len(), 1);
}

// 11. server text never reaches the terminal raw

const EVIL: &str = "a\u{1b}[2J\u{1b}]0;pwned\u{7}\tb\nforged\r\u{9b}c\u{202e}d";

#[test]
fn server_file_names_and_messages_are_escaped() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();

    // A file name from the server.
    server.configure(|s| {
        s.datalab.files = vec![download_url::fake::FakeFile::new(42, "abc123", EVIL)];
    });
    let run = dlurl(&["--base-url", &base, "datalab", "42"], &DATALAB_ENV);
    assert_eq!(run.code, 0, "{run:?}");
    assert_clean(&run.stdout);
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    assert_eq!(run.stdout.trim_end().split('\t').count(), 3, "{run:?}");
    let run = dlurl(
        &["--json", "--base-url", &base, "datalab", "42"],
        &DATALAB_ENV,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_clean(&run.stdout);
    let batch: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        batch["links"][0]["file_name"], EVIL,
        "JSON keeps the text, escaped"
    );

    // A vendor's refusal message.
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 402, "msg": EVIL})),
    );
    let run = dlurl(&["--base-url", &base, "kie", FILE], &KIE_ENV);
    assert_eq!(run.code, 1, "{run:?}");
    assert_clean(&run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");

    // Cloudreve's per-URI errors (a 40081 naming every URI: one failure line each).
    server.push(
        Vendor::Cloudreve,
        FakeReply::json(
            200,
            json!({
                "code": 40081,
                "msg": EVIL,
                "aggregated_error": {
                    "cloudreve://my/The%20Man.mp3": {"code": 40016, "msg": EVIL},
                    "cloudreve://my/x": {"code": 40016, "msg": EVIL},
                },
            }),
        ),
    );
    let run = dlurl(
        &["--base-url", &base, "cloudreve", "The Man.mp3", "x"],
        &CLOUDREVE_ENV,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_clean(&run.stderr);
    assert_eq!(run.stderr.lines().count(), 2, "{run:?}");

    // A per-item refusal inside a batch.
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            200,
            json!({
                "downloads": [{"fileId": "f1", "url": "", "fileName": "", "code": "13000302", "msg": EVIL}],
                "batchCode": 2, "code": 0, "msg": "Success.",
            }),
        ),
    );
    let run = dlurl(
        &["--base-url", &base, "koodrive", KOODRIVE_CONTAINER_ID, "f1"],
        &KOODRIVE_ENV,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_clean(&run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");

    // The command line's own text echoed in an error.
    let run = dlurl(&[&format!("--{EVIL}")], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_clean(&run.stderr);
    assert_eq!(run.stderr.lines().count(), 2, "{run:?}");
}

// 12. the usage text

#[test]
fn usage_documents_every_option() {
    let run = dlurl(&["--help"], &[]);
    assert_eq!(run.code, 0);
    for needle in [
        "--base-url",
        "--json",
        "--timeout",
        "--retries",
        "--allow-insecure-http",
        "-v, --verbose",
        "-V, --version",
        "-h, --help",
        "--flag=value",
        "--expires-in",
        "--entity",
        "--token-prefix",
        "--share-folder",
        "--trace-id",
        "--language",
        " -  ",
        "--",
        "exit codes",
    ] {
        assert!(run.stdout.contains(needle), "{needle:?} not in the usage");
    }
    assert!(
        !run.stdout.contains("(before the vendor name)"),
        "{}",
        run.stdout
    );
}
