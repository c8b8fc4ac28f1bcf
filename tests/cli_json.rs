//! `--json` and `--jsonl` for every outcome: links and failures, a whole-call
//! error, `get`'s files; and `serve-fake`'s exports driving a real command.
#![cfg(all(
    feature = "cli",
    feature = "fake",
    feature = "fetch",
    feature = "kie",
    feature = "datalab",
    feature = "koodrive"
))]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{dlurl, dlurl_path};
use download_url::fake::files::{FakeContent, FakeFileHost};
use download_url::fake::{
    FakeServer, DATALAB_API_KEY, KIE_API_KEY, KOODRIVE_CONTAINER_ID, KOODRIVE_FILE_ID,
    KOODRIVE_TOKEN, KOODRIVE_USER_ID,
};
use serde_json::Value;

const FILE: &str = "https://tempfile.aiquickdraw.com/a.png";

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text:?}"))
}

#[test]
fn a_whole_call_failure_is_an_error_object() {
    let api = FakeServer::start().unwrap();
    let env = [("DATALAB_API_KEY", DATALAB_API_KEY)];
    let run = dlurl(
        &["--json", "--base-url", &api.base_url(), "datalab", "999"],
        &env,
    );
    assert_eq!(run.code, 1, "exit code unchanged: {run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    let value = json(&run.stdout);
    let error = &value["error"];
    assert_eq!(error["vendor"], "datalab", "{value}");
    assert_eq!(error["kind"], "api", "{value}");
    assert_eq!(error["http_status"], 404, "{value}");
    assert_eq!(error["retryable"], false, "{value}");
    assert!(error["cause"].is_null(), "{value}");
    assert!(
        error["message"].as_str().unwrap().contains("404"),
        "{value}"
    );
    for key in ["code", "request_id"] {
        assert!(error.get(key).is_some(), "{key} missing: {value}");
    }
    // --jsonl: the same object on its one line.
    let run = dlurl(
        &["--jsonl", "--base-url", &api.base_url(), "datalab", "999"],
        &env,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(json(&run.stdout)["error"]["kind"], "api", "{run:?}");
    // A missing credential: exit 2, also as JSON.
    let run = dlurl(&["--json", "datalab", "42"], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    let value = json(&run.stdout);
    assert_eq!(value["error"]["kind"], "invalid_input", "{value}");
    assert!(value["error"]["message"]
        .as_str()
        .unwrap()
        .contains("DATALAB_API_KEY"));
    // Invalid input: exit 2, also as JSON.
    let run = dlurl(&["--json", "--base-url", "ftp://x", "datalab", "42"], &env);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        json(&run.stdout)["error"]["kind"],
        "invalid_input",
        "{run:?}"
    );
}

#[test]
fn a_batch_with_failures_lists_both() {
    let api = FakeServer::start().unwrap();
    let env = [
        ("KOODRIVE_USER_ID", KOODRIVE_USER_ID),
        ("KOODRIVE_TOKEN", KOODRIVE_TOKEN),
    ];
    let run = dlurl(
        &[
            "--json",
            "--base-url",
            &api.base_url(),
            "koodrive",
            KOODRIVE_CONTAINER_ID,
            KOODRIVE_FILE_ID,
            "nope-1",
        ],
        &env,
    );
    assert_eq!(run.code, 4, "{run:?}");
    let value = json(&run.stdout);
    assert_eq!(value["links"].as_array().unwrap().len(), 1, "{value}");
    assert_eq!(value["links"][0]["item"], KOODRIVE_FILE_ID, "{value}");
    assert_eq!(value["failures"][0]["item"], "nope-1", "{value}");
    assert!(value.get("error").is_none(), "{value}");
}

#[test]
fn get_reports_files_and_failures_as_json() {
    let api = FakeServer::start().unwrap();
    let files = FakeFileHost::start().unwrap();
    files.add("a.bin", FakeContent::Generated { len: 4096, seed: 1 });
    api.configure(|s| s.kie.link = files.signed_url("a.bin", Duration::from_secs(3600)));
    let dir = std::env::temp_dir().join(format!("dlurl-json-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let env = [("KIE_API_KEY", KIE_API_KEY)];
    let base = api.base_url();

    let run = dlurl(
        &["--json", "--base-url", &base, "get", "-o", d, "kie", FILE],
        &env,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let value = json(&run.stdout);
    let file = &value["files"][0];
    assert_eq!(file["item"], FILE, "{value}");
    assert_eq!(file["bytes"], 4096, "{value}");
    assert!(file["path"].as_str().unwrap().ends_with("a.bin"), "{value}");
    assert!(file.get("sha256").is_some(), "{value}");
    assert_eq!(value["failures"], serde_json::json!([]), "{value}");

    // --jsonl, and a file that fails (the host is gone): one failure object.
    let run = dlurl(
        &[
            "--jsonl",
            "--base-url",
            &base,
            "get",
            "--force",
            "-o",
            d,
            "kie",
            FILE,
        ],
        &env,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(json(run.stdout.lines().next().unwrap())["file"]["path"].is_string());
    drop(files);
    let run = dlurl(
        &[
            "--json",
            "--base-url",
            &base,
            "get",
            "--force",
            "-o",
            d,
            "kie",
            FILE,
        ],
        &env,
    );
    assert_eq!(run.code, 3, "{run:?}");
    let value = json(&run.stdout);
    assert_eq!(value["files"], serde_json::json!([]), "{value}");
    assert_eq!(value["failures"][0]["item"], FILE, "{value}");
    assert_eq!(value["failures"][0]["error"]["vendor"], "kie", "{value}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_fake_prints_exports_that_work() {
    let mut child = Command::new(dlurl_path())
        .arg("serve-fake")
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut exports = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.starts_with("# serving") {
            break;
        }
        if let Some(rest) = line.strip_prefix("export ") {
            let (name, value) = rest.split_once('=').unwrap();
            exports.push((name.to_owned(), value.trim_matches('\'').to_owned()));
        }
    }
    let env: Vec<(&str, &str)> = exports
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert!(env.iter().any(|(n, _)| *n == "DATALAB_BASE_URL"), "{env:?}");
    let run = dlurl(&["datalab", "42"], &env);
    let run2 = dlurl(&["koodrive", KOODRIVE_CONTAINER_ID, KOODRIVE_FILE_ID], &env);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("report.pdf"), "{run:?}");
    assert_eq!(run2.code, 0, "{run2:?}");
}

/// `get --json` whose report cannot be written (stdout is /dev/full): the files
/// are saved, but a lost report is not success — exit 3, "stdout not
/// writable", as for the vendor commands.
#[test]
fn get_with_a_full_stdout_is_not_success() {
    let api = FakeServer::start().unwrap();
    let files = FakeFileHost::start().unwrap();
    files.add("a.bin", FakeContent::Generated { len: 4096, seed: 1 });
    api.configure(|s| s.kie.link = files.signed_url("a.bin", Duration::from_secs(3600)));
    let dir = std::env::temp_dir().join(format!("dlurl-json-full-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let base = api.base_url();
    let d = dir.to_str().unwrap();
    let args = ["--json", "--base-url", &base, "get", "-o", d, "kie", FILE];
    let Some(out) = common::dlurl_to_full_stdout(&args, &[("KIE_API_KEY", KIE_API_KEY)]) else {
        return; // no /dev/full here
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    assert!(dir.join("a.bin").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
