//! The one parser of `dlurl`: global options anywhere before `--` (before or
//! after `get` and the vendor), per-command help, combined short flags, clear
//! value errors, vendor options built into the config (no environment detour),
//! and exit 2 only when nothing was sent.
#![cfg(all(
    feature = "cli",
    feature = "fake",
    feature = "fetch",
    feature = "kie",
    feature = "datalab",
    feature = "cloudreve",
    feature = "blendvision",
    feature = "koodrive"
))]

mod common;

use std::time::Duration;

use common::{dlurl, Run, TempDir};
use download_url::fake::files::{FakeContent, FakeFileHost};
use download_url::fake::{FakeServer, BLENDVISION_API_TOKEN, DATALAB_API_KEY, KIE_API_KEY};
use download_url::Vendor;

const FILE: &str = "https://tempfile.aiquickdraw.com/a.png";
const KIE_ENV: [(&str, &str); 1] = [("KIE_API_KEY", KIE_API_KEY)];

/// A fake kie.ai whose link leads to a 1000-byte file on a fake file host.
fn kie_with_file() -> (FakeServer, FakeFileHost) {
    let api = FakeServer::start().unwrap();
    let files = FakeFileHost::start().unwrap();
    files.add("a.bin", FakeContent::Generated { len: 1000, seed: 3 });
    let link = files.signed_url("a.bin", Duration::from_secs(3600));
    api.configure(|s| s.kie.link = link);
    (api, files)
}

fn assert_ok(run: &Run, what: &str) {
    assert_eq!(run.code, 0, "{what}: {run:?}");
}

#[test]
fn global_options_before_or_after_get_and_the_vendor() {
    let (api, _files) = kie_with_file();
    let base = api.base_url();
    let dir = TempDir::new("orders");
    let d = dir.as_str();
    let inline = format!("--base-url={base}");
    for (n, args) in [
        vec!["-v", "--base-url", &base, "get", "-o", d, "kie", FILE],
        vec![
            "--base-url",
            &base,
            "-v",
            "get",
            "-o",
            d,
            "--force",
            "kie",
            FILE,
        ],
        vec![
            "get",
            "-v",
            "--base-url",
            &base,
            "-o",
            d,
            "--force",
            "kie",
            FILE,
        ],
        vec![
            "get",
            "-o",
            d,
            "--force",
            "kie",
            FILE,
            "-v",
            "--base-url",
            &base,
        ],
        vec!["get", "--force", "kie", "-o", d, &inline, FILE],
    ]
    .into_iter()
    .enumerate()
    {
        let run = dlurl(&args, &KIE_ENV);
        assert_ok(&run, &format!("{n}: {args:?}"));
        assert!(
            run.stdout.trim_end().ends_with("a.bin"),
            "{args:?}: {run:?}"
        );
        if args.contains(&"-v") {
            assert!(run.stderr.contains("POST"), "-v: {run:?}");
        }
    }
    // --json before get: the files as JSON.
    let run = dlurl(
        &[
            "--json",
            "--base-url",
            &base,
            "get",
            "-o",
            d,
            "--force",
            "kie",
            FILE,
        ],
        &KIE_ENV,
    );
    assert_ok(&run, "--json get");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["files"][0]["bytes"], 1000, "{value}");

    // Vendor commands: options before and after the vendor name and its ids.
    let env = [("DATALAB_API_KEY", DATALAB_API_KEY)];
    for args in [
        vec!["--json", "--base-url", &base, "datalab", "42"],
        vec!["datalab", "--json", "42", "--base-url", &base],
        vec![
            "datalab",
            "42",
            "--expires-in",
            "600",
            "--base-url",
            &base,
            "--json",
        ],
    ] {
        let run = dlurl(&args, &env);
        assert_ok(&run, &format!("{args:?}"));
        let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(value["links"][0]["vendor"], "datalab", "{value}");
    }
}

#[test]
fn each_command_has_its_own_help() {
    let global = dlurl(&["--help"], &[]);
    assert_ok(&global, "--help");
    for (args, usage, not) in [
        (&["kie", "--help"][..], "usage: dlurl kie", "koodrive"),
        (&["help", "kie"][..], "usage: dlurl kie", "koodrive"),
        (&["datalab", "-h"][..], "usage: dlurl datalab", "--entity"),
        (
            &["help", "cloudreve"][..],
            "usage: dlurl cloudreve",
            "--expires-in",
        ),
        (
            &["blendvision", "--help"][..],
            "usage: dlurl blendvision",
            "--entity",
        ),
        (
            &["koodrive", "x", "-h"][..],
            "usage: dlurl koodrive",
            "--expires-in",
        ),
        (&["get", "--help"][..], "usage: dlurl get", "--entity"),
        (&["help", "get"][..], "usage: dlurl get", "--entity"),
        (
            &["help", "serve-fake"][..],
            "usage: dlurl serve-fake",
            "--entity",
        ),
        (
            &["-vh"][..],
            "usage: dlurl [options] <command>",
            "usage: dlurl kie",
        ),
        (&["kie", "-vh"][..], "usage: dlurl kie", "koodrive"),
        (
            &["help"][..],
            "usage: dlurl [options] <command>",
            "usage: dlurl kie",
        ),
    ] {
        let run = dlurl(args, &[]);
        assert_ok(&run, &format!("{args:?}"));
        assert!(run.stdout.starts_with(usage), "{args:?}: {}", run.stdout);
        assert!(
            !run.stdout.contains(not),
            "{args:?} shows {not}: {}",
            run.stdout
        );
        // Every command's help documents the global options and its exit codes.
        if !args.contains(&"serve-fake") && args != ["help"] && args != ["-vh"] {
            assert!(run.stdout.contains("--base-url"), "{args:?}");
        }
        if args.contains(&"kie") || args.contains(&"get") {
            assert!(run.stdout.contains("exit codes"), "{args:?}");
        }
    }
    // The fake commands are listed in this (fake) build.
    assert!(global.stdout.contains("dlurl demo"), "{}", global.stdout);
    assert!(
        global.stdout.contains("dlurl serve-fake"),
        "{}",
        global.stdout
    );
    // help for something that does not exist.
    let run = dlurl(&["help", "nope"], &[]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn value_errors_say_what_is_wrong() {
    for (args, what) in [
        (&["--timeout", "0", "kie", FILE][..], "above 0"),
        (&["--timeout=0", "kie", FILE][..], "above 0"),
        (&["--timeout", "90000", "kie", FILE][..], "at most 86400"),
        (&["--json", "--jsonl", "kie", FILE][..], "--jsonl"),
        (
            &["--expires-in", "5", "datalab", "42"][..],
            "put it after the datalab command",
        ),
        (
            &["-o", "x", "get", "kie", FILE][..],
            "put it after the get command",
        ),
        (&["kie", "--entity", "e", FILE][..], "cloudreve"),
        (&["get"][..], "get needs a <vendor>"),
        (&["get", "nope", "x"][..], "nope"),
        (&["-vx", "kie", FILE][..], "-x"),
    ] {
        let run = dlurl(args, &KIE_ENV);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("dlurl: "), "{args:?}: {run:?}");
        assert!(first.contains(what), "{what:?} not in {args:?}: {run:?}");
    }
}

#[test]
fn vendor_options_reach_the_request() {
    let api = FakeServer::start().unwrap();
    let base = api.base_url();
    // Datalab's team, from the option or the environment.
    let env = [("DATALAB_API_KEY", DATALAB_API_KEY)];
    let run = dlurl(
        &["--base-url", &base, "datalab", "--team", "t-9", "42"],
        &env,
    );
    assert_ok(&run, "--team");
    let asked = api.last_request(Vendor::Datalab).unwrap();
    let cookie = asked.header("cookie").unwrap_or_default();
    assert!(cookie.contains("datalab_active_team=t-9"), "{cookie:?}");
    let run = dlurl(
        &["--base-url", &base, "datalab", "42"],
        &[env[0], ("DATALAB_TEAM", "t-env")],
    );
    assert_ok(&run, "DATALAB_TEAM");
    let cookie = api.last_request(Vendor::Datalab).unwrap();
    assert!(
        cookie
            .header("cookie")
            .unwrap_or_default()
            .contains("t-env"),
        "{cookie:?}"
    );

    // BlendVision: a login token needs no organization id; --org-id overrides the environment.
    api.configure(|s| s.blendvision.login_tokens = vec!["login-token-1".into()]);
    let id = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
    let run = dlurl(
        &["--base-url", &base, "blendvision", "--login-token", id],
        &[("BLENDVISION_API_TOKEN", "login-token-1")],
    );
    assert_ok(&run, "--login-token");
    let asked = api.last_request(Vendor::BlendVision).unwrap();
    assert_eq!(asked.header("x-bv-org-id"), None, "{asked:?}");
    let run = dlurl(
        &["--base-url", &base, "blendvision", "--org-id", "wrong", id],
        &[
            ("BLENDVISION_API_TOKEN", BLENDVISION_API_TOKEN),
            ("BLENDVISION_ORG_ID", download_url::fake::BLENDVISION_ORG_ID),
        ],
    );
    assert_eq!(run.code, 1, "--org-id wrong is sent and refused: {run:?}");
    let run = dlurl(
        &["--base-url", &base, "blendvision", id],
        &[("BLENDVISION_API_TOKEN", BLENDVISION_API_TOKEN)],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("BLENDVISION_ORG_ID"), "{run:?}");

    // Cloudreve: --base-url alone is enough (no CLOUDREVE_BASE_URL needed).
    let run = dlurl(
        &["cloudreve", "The Man.mp3", "--base-url", &base],
        &[("CLOUDREVE_TOKEN", download_url::fake::CLOUDREVE_TOKEN)],
    );
    assert_ok(&run, "cloudreve --base-url");
}

#[test]
fn exit_2_only_when_nothing_was_sent() {
    let api = FakeServer::start().unwrap();
    let base = api.base_url();
    let env = [("CLOUDREVE_TOKEN", download_url::fake::CLOUDREVE_TOKEN)];
    let dir = TempDir::new("exit2");
    let file = format!("{}/one", dir.as_str());
    for args in [
        vec![
            "--base-url",
            &base,
            "get",
            "-o",
            &file,
            "cloudreve",
            "a",
            "b",
        ],
        vec!["--base-url", &base, "get", "-o", "-", "cloudreve", "a", "b"],
    ] {
        let run = dlurl(&args, &env);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("use -o DIR"), "{run:?}");
    }
    assert_eq!(api.request_count(), 0, "nothing was sent");
}
