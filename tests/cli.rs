//! The `dlurl` CLI contract for kie.ai, Datalab and the shared options, tried as a user would.
#![cfg(all(
    feature = "kie",
    feature = "datalab",
    feature = "fake",
    feature = "cli"
))]

mod common;

use common::{dlurl, Run};
use download_url::fake::{FakeReply, FakeServer, Fault, DATALAB_API_KEY, KIE_API_KEY};
use download_url::Vendor;
use serde_json::json;

const FILE: &str = "https://tempfile.aiquickdraw.com/a.png";

/// `dlurl <options> --base-url <base> kie FILE` with the fake's kie.ai key.
fn dlurl_kie(options: &[&str], base: &str) -> Run {
    let mut args = options.to_vec();
    args.extend(["--base-url", base, "kie", FILE]);
    dlurl(&args, &[("KIE_API_KEY", KIE_API_KEY)])
}

#[test]
fn help_and_usage_errors() {
    let run = dlurl(&["--help"], &[]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("usage: dlurl"));
    for args in [
        &[][..],
        &["nope"][..],
        &["--bogus", "kie", FILE][..],
        &["--timeout", "x", "kie", FILE][..],
        &["kie"][..],
        &["kie", "a", "b"][..],
    ] {
        let run = dlurl(args, &[("KIE_API_KEY", KIE_API_KEY)]);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("dlurl: "), "{run:?}");
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn demo_prints_links_from_every_vendor() {
    let run = dlurl(&["demo"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() >= 5, "{run:?}");
    for line in &lines {
        // <vendor> TAB <what was asked> TAB <url> TAB <name> TAB <expiry>
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 5, "{line}");
        assert!(fields[0].parse::<Vendor>().is_ok(), "{line}");
        assert!(!fields[1].is_empty(), "{line}");
        assert!(fields[2].starts_with("http"), "{line}");
        assert!(
            time::OffsetDateTime::parse(fields[4], &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{line}"
        );
    }

    let run = dlurl(&["--json", "demo"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let batch: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(batch["failures"], json!([]), "{batch}");
    let items = batch["links"].as_array().expect("links");
    let vendors: Vec<&str> = items
        .iter()
        .map(|i| i["vendor"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = [
        (cfg!(feature = "kie"), "kie"),
        (cfg!(feature = "cloudreve"), "cloudreve"),
        (cfg!(feature = "datalab"), "datalab"),
        (cfg!(feature = "blendvision"), "blendvision"),
        (cfg!(feature = "koodrive"), "koodrive"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    for vendor in &expected {
        assert!(
            vendors.contains(vendor),
            "{vendor} missing from the demo: {vendors:?}"
        );
    }
    for item in items {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5, "{item}");
        for key in ["vendor", "item", "url", "file_name", "expires"] {
            assert!(item.get(key).is_some(), "{item}");
        }
        assert!(
            item["expires"].is_string(),
            "expires known for every vendor: {item}"
        );
    }
}

#[test]
fn kie_success_line() {
    let server = FakeServer::start().unwrap();
    let run = dlurl_kie(&[], &server.base_url());
    assert_eq!(run.code, 0, "{run:?}");
    let fields: Vec<&str> = run.stdout.trim_end().split('\t').collect();
    assert_eq!(
        fields[0],
        "https://tempfile.1f6cxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxbd98"
    );
    assert_eq!(fields[1], "-");
    assert!(fields[2].ends_with('Z'), "{fields:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn kie_missing_credential_or_bad_input_sends_nothing() {
    let server = FakeServer::start().unwrap();
    let run = dlurl(&["--base-url", &server.base_url(), "kie", FILE], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("KIE_API_KEY"), "{run:?}");
    let run = dlurl(
        &["--base-url", &server.base_url(), "kie", "ftp://x/y"],
        &[("KIE_API_KEY", KIE_API_KEY)],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("invalid url"), "{run:?}");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn kie_vendor_refusal_is_exit_1_with_one_line() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 402, "msg": "Credits exhausted"})),
    );
    let run = dlurl_kie(&[], &server.base_url());
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(
        run.stderr.contains("kie.ai")
            && run.stderr.contains("402")
            && run.stderr.contains("Credits exhausted"),
        "{run:?}"
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn transport_and_unexpected_are_exit_3() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::Kie, Fault::Html502);
    let run = dlurl_kie(&[], &server.base_url());
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("http 502"), "{run:?}");

    server.push_fault(
        Vendor::Kie,
        Fault::StallBody(std::time::Duration::from_secs(20)),
    );
    let run = dlurl_kie(&["--timeout", "1"], &server.base_url());
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("timed out"), "{run:?}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = dlurl_kie(&[], &url);
    assert_eq!(run.code, 3, "{run:?}");
}

#[test]
fn retries_option() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::Kie, Fault::RateLimited("0".into()));
    let run = dlurl_kie(&["--retries", "1"], &server.base_url());
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.request_count(), 2);

    server.push_fault(Vendor::Kie, Fault::RateLimited("0".into()));
    let run = dlurl_kie(&[], &server.base_url());
    assert_eq!(run.code, 3, "no retries by default: {run:?}");
    assert_eq!(server.request_count(), 3);
}

#[test]
fn datalab_success_and_errors() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let env = [("DATALAB_API_KEY", DATALAB_API_KEY)];
    let run = dlurl(
        &["--base-url", &base, "datalab", "42", "--expires-in", "600"],
        &env,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let fields: Vec<&str> = run.stdout.trim_end().split('\t').collect();
    assert!(fields[0].contains("X-Amz-Expires=600"), "{fields:?}");
    assert_eq!(fields[1], "report.pdf");

    let run = dlurl(&["--json", "--base-url", &base, "datalab", "abc123"], &env);
    assert_eq!(run.code, 0, "{run:?}");
    let batch: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(batch["links"][0]["vendor"], "datalab");
    assert_eq!(batch["links"][0]["item"], "abc123");
    assert_eq!(batch["links"][0]["file_name"], "report.pdf");

    let before = server.request_count();
    for bad in [
        &["datalab", "42", "--expires-in", "5"][..],
        &["datalab", "42", "--expires-in", "x"][..],
        &["datalab"][..],
    ] {
        let mut args = vec!["--base-url", &base];
        args.extend_from_slice(bad);
        assert_eq!(dlurl(&args, &env).code, 2, "{bad:?}");
    }
    assert_eq!(server.request_count(), before);

    let run = dlurl(&["--base-url", &base, "datalab", "999"], &env);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("datalab") && run.stderr.contains("404"),
        "{run:?}"
    );
}

#[test]
fn a_wrong_credential_is_never_echoed() {
    let server = FakeServer::start().unwrap();
    let marker = "MARKER-cli-0x5eed";
    let run = dlurl(
        &["--base-url", &server.base_url(), "kie", FILE],
        &[("KIE_API_KEY", marker)],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let run2 = dlurl(
        &["--base-url", &server.base_url(), "datalab", "42"],
        &[("DATALAB_API_KEY", marker)],
    );
    assert_eq!(run2.code, 1, "{run2:?}");
    for text in [&run.stdout, &run.stderr, &run2.stdout, &run2.stderr] {
        assert!(!text.contains(marker), "{text}");
    }
}

#[test]
fn cleartext_to_a_lan_host_is_refused_without_the_flag() {
    let run = dlurl_kie(&[], "http://192.0.2.1");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("allow_insecure_http"), "{run:?}");
    let run = dlurl(&["--help"], &[]);
    assert!(run.stdout.contains("--allow-insecure-http"));
}
