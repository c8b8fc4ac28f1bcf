//! The `dlurl` CLI under hostile servers, for every vendor subcommand: exit 3 with
//! one `dlurl: ` line naming the HTTP status (when there was one) for transport
//! failures and unexpected replies, exit 1 for the vendor's own readable error; a
//! bounded run time and memory; no credential and no presigned-URL query in the
//! output.

mod common;

use std::time::Duration;

use download_url::fake::{self, FakeReply, FakeServer, Fault};
use download_url::Vendor;
use serde_json::json;

use common::markers::{self, BV_TOKEN, CR_TOKEN, DATALAB_KEY, KD_SECRET, KIE_KEY};

/// Query parts of the presigned URLs the fakes hand out (the faults below cut or
/// replace those replies; none may reach the output).
const QUERY_PARTS: [&str; 5] = ["X-Amz-", "sign=", "sign%3D", "AKIAFAKE", "ASIAFAKE"];

/// A hang is a failure: the child is killed after this (`--timeout 2` is passed).
const WATCHDOG: Duration = Duration::from_secs(30);

/// Peak resident memory allowed to a `dlurl` run. The bodies below are 128 MiB
/// (plain and chunked) and a gzip bomb inflating to 512 MiB: a client that read
/// them whole would go far past this; one that stops at `BODY_LIMIT` (4 MiB) stays
/// near its baseline (a few MiB for the debug build).
const MEMORY_LIMIT_KIB: u64 = 64 * 1024;

struct Command {
    vendor: Vendor,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    /// The vendor's own error, readable: exit 1.
    vendor_error: FakeReply,
}

fn commands(server: &FakeServer) -> Vec<Command> {
    server.configure(|s| {
        s.kie.api_key = KIE_KEY.into();
        s.kie.link = "https://tempfile.aiquickdraw.com/w/a.png?X-Amz-Date=20300101T000000Z&X-Amz-Expires=1200&X-Amz-Signature=abc".into();
        s.datalab.api_key = DATALAB_KEY.into();
        s.cloudreve.access_token = CR_TOKEN.into();
        s.blendvision.api_token = BV_TOKEN.into();
        s.koodrive.app_secret = KD_SECRET.into();
    });
    let global = |vendor: &str, rest: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = vec![
            "--timeout".into(),
            "2".into(),
            "--base-url".into(),
            server.base_url().as_str().to_owned(),
            vendor.into(),
        ];
        args.extend(rest.iter().map(|s| (*s).to_owned()));
        args
    };
    vec![
        Command {
            vendor: Vendor::Kie,
            args: global("kie", &["https://tempfile.aiquickdraw.com/a.png"]),
            env: vec![("KIE_API_KEY", KIE_KEY.into())],
            vendor_error: FakeReply::json(
                200,
                json!({"code": 402, "msg": "Credits insufficient", "data": null}),
            ),
        },
        Command {
            vendor: Vendor::Datalab,
            args: global("datalab", &["42"]),
            env: vec![("DATALAB_API_KEY", DATALAB_KEY.into())],
            vendor_error: FakeReply::json(404, json!({"detail": "File not found"})),
        },
        Command {
            vendor: Vendor::Cloudreve,
            args: global("cloudreve", &["The Man.mp3"]),
            env: vec![("CLOUDREVE_TOKEN", CR_TOKEN.into())],
            vendor_error: FakeReply::json(
                200,
                json!({"code": 40044, "msg": "File not found", "correlation_id": "c"}),
            ),
        },
        Command {
            vendor: Vendor::BlendVision,
            args: global("blendvision", &["63df97e3-519b-4426-bf01-d1841cdc2ccd"]),
            env: vec![
                ("BLENDVISION_API_TOKEN", BV_TOKEN.into()),
                ("BLENDVISION_ORG_ID", fake::BLENDVISION_ORG_ID.into()),
            ],
            vendor_error: FakeReply::json(
                404,
                json!({"code": 5, "message": "file not found", "details": []}),
            ),
        },
        Command {
            vendor: Vendor::KooDrive,
            args: global(
                "koodrive",
                &[fake::KOODRIVE_CONTAINER_ID, fake::KOODRIVE_FILE_ID],
            ),
            env: vec![
                ("KOODRIVE_USER_ID", fake::KOODRIVE_USER_ID.into()),
                ("KOODRIVE_APP_ID", fake::KOODRIVE_APP_ID.into()),
                ("KOODRIVE_APP_SECRET", KD_SECRET.into()),
            ],
            vendor_error: FakeReply::json(
                400,
                json!({"code": 13000301, "msg": "container not exist or state error"}),
            ),
        },
    ]
}

/// (name, fault, the HTTP status the message must name, if a status arrived).
fn faults() -> Vec<(&'static str, FakeReply, Option<u16>)> {
    vec![
        ("html 502", FakeReply::Fault(Fault::Html502), Some(502)),
        (
            "truncated json",
            FakeReply::Fault(Fault::TruncatedJson),
            Some(200),
        ),
        (
            "stall after headers",
            FakeReply::Fault(Fault::StallBody(Duration::from_secs(60))),
            Some(200),
        ),
        (
            "closed mid-body",
            FakeReply::Fault(Fault::CloseMidBody),
            Some(200),
        ),
        (
            "oversized 128 MiB",
            FakeReply::Fault(Fault::Oversized(128 << 20)),
            Some(200),
        ),
        (
            "oversized chunked 128 MiB",
            FakeReply::Fault(Fault::OversizedChunked(128 << 20)),
            Some(200),
        ),
        (
            "gzip bomb 512 MiB",
            FakeReply::Fault(Fault::GzipBomb(512 << 20)),
            Some(200),
        ),
        (
            "rate limited",
            FakeReply::Fault(Fault::RateLimited("30".into())),
            Some(429),
        ),
        (
            "drip",
            FakeReply::Fault(Fault::Drip(Duration::from_millis(500))),
            Some(200),
        ),
        (
            "closed before status",
            FakeReply::Fault(Fault::CloseBeforeStatus),
            None,
        ),
        (
            "reset mid-body",
            FakeReply::Fault(Fault::ResetMidBody),
            Some(200),
        ),
        (
            "html 200",
            FakeReply::raw(200, "text/html", "<html>login</html>"),
            Some(200),
        ),
        (
            "302 elsewhere",
            FakeReply::raw(302, "text/plain", "").with_header(
                "Location",
                "https://evil.example/x?X-Amz-Signature=zz&sign=yy",
            ),
            Some(302),
        ),
    ]
}

fn run_watched(command: &Command) -> common::WatchedRun {
    let args: Vec<&str> = command.args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = command.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    common::dlurl_watched(&args, &env, WATCHDOG)
}

/// Checks one failed run; returns the problems found.
fn check(
    context: &str,
    watched: &common::WatchedRun,
    code: i32,
    status: Option<u16>,
) -> Vec<String> {
    let run = &watched.run;
    println!(
        "{context}: exit {}, peak rss {:?} KiB, stderr {:?}",
        run.code,
        watched.peak_rss_kib,
        run.stderr.trim_end()
    );
    let mut problems = Vec::new();
    if run.code != code {
        problems.push(format!(
            "{context}: exit {} instead of {code}: {run:?}",
            run.code
        ));
    }
    let lines: Vec<&str> = run.stderr.lines().collect();
    if lines.len() != 1 || !lines[0].starts_with("dlurl: ") {
        problems.push(format!(
            "{context}: stderr is not one `dlurl: ` line: {:?}",
            run.stderr
        ));
    }
    if let Some(status) = status {
        if !run.stderr.contains(&format!("http {status}")) {
            problems.push(format!(
                "{context}: status {status} not named: {:?}",
                run.stderr
            ));
        }
    }
    if !run.stdout.is_empty() {
        problems.push(format!("{context}: stdout not empty: {:?}", run.stdout));
    }
    let output = format!("{}{}", run.stdout, run.stderr);
    for secret in markers::ALL.iter().chain(QUERY_PARTS.iter()) {
        if output.contains(secret) {
            problems.push(format!("{context}: {secret} in the output: {output:?}"));
        }
    }
    match watched.peak_rss_kib {
        Some(kib) if kib >= MEMORY_LIMIT_KIB => {
            problems.push(format!("{context}: peak RSS {kib} KiB"));
        }
        Some(_) => {}
        None if cfg!(target_os = "linux") => {
            problems.push(format!("{context}: no VmHWM reading"));
        }
        None => {}
    }
    problems
}

fn run_vendor(vendor: Vendor) {
    let server = FakeServer::start().unwrap();
    let command = commands(&server)
        .into_iter()
        .find(|c| c.vendor == vendor)
        .unwrap();
    let mut problems = Vec::new();

    // The command works against this fake (so each fault below is what fails it).
    let ok = run_watched(&command);
    assert_eq!(ok.run.code, 0, "{vendor:?}: {:?}", ok.run);
    for marker in markers::ALL {
        assert!(
            !format!("{:?}", ok.run).contains(marker),
            "{vendor:?}: {ok:?}"
        );
    }

    for (name, fault, status) in faults() {
        server.push(vendor, fault);
        let watched = run_watched(&command);
        problems.extend(check(&format!("{vendor:?} / {name}"), &watched, 3, status));
    }

    server.push(vendor, command.vendor_error.clone());
    let watched = run_watched(&command);
    problems.extend(check(
        &format!("{vendor:?} / vendor error"),
        &watched,
        1,
        None,
    ));

    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn kie_cli_under_faults() {
    run_vendor(Vendor::Kie);
}

#[test]
fn datalab_cli_under_faults() {
    run_vendor(Vendor::Datalab);
}

#[test]
fn cloudreve_cli_under_faults() {
    run_vendor(Vendor::Cloudreve);
}

#[test]
fn blendvision_cli_under_faults() {
    run_vendor(Vendor::BlendVision);
}

#[test]
fn koodrive_cli_under_faults() {
    run_vendor(Vendor::KooDrive);
}

/// `command` with `extra` appended to its arguments (more item ids).
fn with_items(command: &Command, extra: &[&str]) -> Command {
    let mut args = command.args.clone();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    Command {
        vendor: command.vendor,
        args,
        env: command.env.clone(),
        vendor_error: command.vendor_error.clone(),
    }
}

/// Checks a run whose items failed one by one: `code`, `links` lines on stdout,
/// one `dlurl: failed: <vendor>: <item>: …` line per failed item (in order) on
/// stderr and nothing else there, no credential anywhere and no presigned query
/// on stderr.
fn check_items(
    context: &str,
    watched: &common::WatchedRun,
    code: i32,
    links: usize,
    failed: &[(&str, &str)],
) {
    let run = &watched.run;
    assert_eq!(run.code, code, "{context}: {run:?}");
    assert_eq!(run.stdout.lines().count(), links, "{context}: {run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), failed.len(), "{context}: {run:?}");
    for (line, (vendor, item)) in lines.iter().zip(failed) {
        let prefix = format!("dlurl: failed: {vendor}: {item}: ");
        assert!(line.starts_with(&prefix), "{context}: {line:?}");
    }
    for marker in markers::ALL {
        assert!(
            !run.stdout.contains(marker) && !run.stderr.contains(marker),
            "{context}: {run:?}"
        );
    }
    for part in QUERY_PARTS {
        assert!(!run.stderr.contains(part), "{context}: {part}: {run:?}");
    }
    if let Some(kib) = watched.peak_rss_kib {
        assert!(kib < MEMORY_LIMIT_KIB, "{context}: peak RSS {kib} KiB");
    }
}

/// The batching subcommands report each item: some failed → exit 4 with the
/// links on stdout; every item failed → exit 1; one stderr line per failure.
#[test]
fn koodrive_cli_item_failures() {
    let server = FakeServer::start().unwrap();
    let command = commands(&server)
        .into_iter()
        .find(|c| c.vendor == Vendor::KooDrive)
        .unwrap();
    // The fake refuses a file that is not in the container (per-file 13000302).
    let partial = with_items(&command, &["nope-file"]);
    let watched = run_watched(&partial);
    check_items(
        "koodrive partial",
        &watched,
        4,
        1,
        &[("koodrive", "nope-file")],
    );
    assert!(
        watched.run.stderr.contains("refused (code 13000302)"),
        "{:?}",
        watched.run
    );

    let mut all_failed = with_items(&command, &["nope-2"]);
    // Drop the good file id: only unknown ids left.
    all_failed.args.retain(|a| a != fake::KOODRIVE_FILE_ID);
    all_failed.args.push("nope-1".into());
    let watched = run_watched(&all_failed);
    check_items(
        "koodrive all failed",
        &watched,
        1,
        0,
        &[("koodrive", "nope-2"), ("koodrive", "nope-1")],
    );

    // JSON: the same outcome, as data.
    let mut json = with_items(&command, &["nope-file"]);
    json.args.insert(0, "--json".into());
    let watched = run_watched(&json);
    assert_eq!(watched.run.code, 4, "{:?}", watched.run);
    let out: serde_json::Value = serde_json::from_str(&watched.run.stdout).unwrap();
    assert_eq!(out["links"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["links"][0]["item"], fake::KOODRIVE_FILE_ID);
    assert_eq!(out["failures"][0]["item"], "nope-file");
    assert_eq!(out["failures"][0]["reason"]["kind"], "refused");
}

#[test]
fn blendvision_batch_cli_item_failures() {
    const FIRST: &str = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
    const SECOND: &str = "3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328";
    let server = FakeServer::start().unwrap();
    let command = commands(&server)
        .into_iter()
        .find(|c| c.vendor == Vendor::BlendVision)
        .unwrap();
    let batch = with_items(&command, &[SECOND]);
    let file = |id: &str, uri: &str| {
        json!({"id": id, "download_filename": "a.mp4", "download_uri": uri,
               "expiration_time": "2030-01-01T00:00:00Z"})
    };
    let good = "https://bucket.example/a.mp4";
    // A hostile link (a credential-like query, a line break, an escape sequence)
    // is that item's failure, and none of it reaches the output.
    let hostile =
        format!("https://evil.example/a b?X-Amz-Signature={BV_TOKEN}\n\u{1b}[2Jdlurl: forged");
    /// (name, reply, exit code, link lines, failed (vendor, item) in order)
    type Case<'a> = (&'a str, FakeReply, i32, usize, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (
            "one link unusable",
            FakeReply::json(
                200,
                json!({"download_files": [file(FIRST, good), file(SECOND, &hostile)]}),
            ),
            4,
            1,
            vec![("blendvision", SECOND)],
        ),
        (
            "one id missing",
            FakeReply::json(200, json!({"download_files": [file(SECOND, good)]})),
            4,
            1,
            vec![("blendvision", FIRST)],
        ),
        (
            "every id missing",
            FakeReply::json(200, json!({"download_files": []})),
            1,
            0,
            vec![("blendvision", FIRST), ("blendvision", SECOND)],
        ),
    ];
    for (name, reply, code, links, failed) in cases {
        server.push(Vendor::BlendVision, reply);
        let watched = run_watched(&batch);
        check_items(name, &watched, code, links, &failed);
        let output = format!("{}{}", watched.run.stdout, watched.run.stderr);
        assert!(!output.contains("evil.example"), "{name}: {output:?}");
        assert!(!output.contains('\u{1b}'), "{name}: {output:?}");
        assert!(!output.contains("forged"), "{name}: {output:?}");
    }

    // An id never asked for: the asked links are printed, the stranger on one
    // stderr line of its own (never its URL), the exit code the asked items'.
    server.push(
        Vendor::BlendVision,
        FakeReply::json(
            200,
            json!({"download_files": [file(FIRST, good), file(SECOND, good), file("other", good)]}),
        ),
    );
    let run = run_watched(&batch).run;
    assert_eq!(run.code, 0, "blendvision / extra id: {run:?}");
    assert_eq!(
        run.stdout.lines().count(),
        2,
        "blendvision / extra id: {run:?}"
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "blendvision / extra id: {run:?}");
    assert!(
        lines[0].starts_with("dlurl: not attributed: blendvision: other "),
        "blendvision / extra id: {run:?}"
    );
    assert!(!run.stderr.contains("https://"), "{run:?}");

    // And every fault fails the batch call as it fails the single one.
    let mut problems = Vec::new();
    for (name, fault, status) in faults() {
        server.push(Vendor::BlendVision, fault);
        let watched = run_watched(&batch);
        problems.extend(check(
            &format!("blendvision batch / {name}"),
            &watched,
            3,
            status,
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
