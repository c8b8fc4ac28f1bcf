//! `dlurl` names why a request did not complete, curl-style, and trusts a
//! private CA with `--cacert`, `SSL_CERT_FILE` or `SSL_CERT_DIR`: a local TLS
//! server with the test CA of tests/data/tls (make-certs.sh regenerates it).
#![cfg(all(
    feature = "cli",
    feature = "kie",
    any(feature = "rustls", feature = "native-tls")
))]

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use common::tls_server::TlsServer;
use common::{dlurl, Run};

const FILE: &str = "https://tempfile.aiquickdraw.com/a.png";
const KEY_ENV: (&str, &str) = ("KIE_API_KEY", "kie-test-key");

fn data(name: &str) -> String {
    format!("{}/tests/data/tls/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A TLS server presenting `tests/data/tls/<name>.cert.pem`.
fn tls_server(name: &str) -> TlsServer {
    let read = |ext: &str| std::fs::read(data(&format!("{name}.{ext}.pem"))).unwrap();
    TlsServer::start(&read("cert"), &read("key"))
}

fn kie(base: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["--base-url", base];
    args.extend_from_slice(extra);
    args.extend(["kie", FILE]);
    let mut env = env.to_vec();
    env.push(KEY_ENV);
    dlurl(&args, &env)
}

/// Exit 3 and one stderr line holding `cause`.
fn assert_cause(run: &Run, cause: &str) {
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(run.stderr.contains(cause), "{cause:?} not in {run:?}");
}

#[test]
fn dns_failure_names_the_host() {
    let run = kie("https://no-such-host.invalid", &[], &[]);
    assert_cause(&run, "could not resolve host no-such-host.invalid");
}

#[test]
fn refused_connection_names_the_address() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let run = kie(&base, &[], &[]);
    assert_cause(&run, &format!("connection refused (127.0.0.1:{port})"));

    // --json: the same as an error object.
    let run = kie(&base, &["--json"], &[]);
    assert_eq!(run.code, 3, "{run:?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let error = &value["error"];
    assert_eq!(error["vendor"], "kie", "{value}");
    assert_eq!(error["kind"], "transport", "{value}");
    assert_eq!(
        error["cause"],
        format!("connection refused (127.0.0.1:{port})"),
        "{value}"
    );
    assert_eq!(error["retryable"], true, "{value}");
    for key in ["http_status", "code", "request_id"] {
        assert!(error[key].is_null(), "{key}: {value}");
    }
}

#[test]
fn a_stalled_reply_names_the_timeout_and_phase() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Accepts, reads, never answers.
    let holder = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = tcp.read(&mut buf);
        std::thread::sleep(Duration::from_secs(3));
    });
    let run = kie(&base, &["--timeout", "1"], &[]);
    assert_cause(&run, "timed out after 1 s (waiting for the reply)");
    holder.join().unwrap();
}

#[test]
fn an_untrusted_certificate_is_named_and_cacert_trusts_it() {
    let server = tls_server("server");
    let run = kie(&server.base_url("localhost"), &[], &[]);
    assert_cause(
        &run,
        "certificate not trusted: unknown issuer (self-signed or a private CA: use --cacert FILE)",
    );

    let ca = data("ca.cert.pem");
    let run = kie(&server.base_url("localhost"), &["--cacert", &ca], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("https://tempfile.example/a.png"),
        "{run:?}"
    );
    // The option also after the command, as --flag=value.
    let run = dlurl(
        &[
            "kie",
            &format!("--cacert={ca}"),
            "--base-url",
            &server.base_url("127.0.0.1"),
            FILE,
        ],
        &[KEY_ENV],
    );
    assert_eq!(run.code, 0, "{run:?}");

    // The environment, as OpenSSL reads it.
    let run = kie(
        &server.base_url("localhost"),
        &[],
        &[("SSL_CERT_FILE", &ca)],
    );
    assert_eq!(run.code, 0, "SSL_CERT_FILE: {run:?}");
    let dir = data("certdir");
    let run = kie(
        &server.base_url("localhost"),
        &[],
        &[("SSL_CERT_DIR", &dir)],
    );
    assert_eq!(run.code, 0, "SSL_CERT_DIR: {run:?}");
    // --cacert replaces the roots: the built-in ones (and the environment's) are not used.
    let other = data("other.cert.pem");
    let run = kie(
        &server.base_url("localhost"),
        &["--cacert", &other],
        &[("SSL_CERT_FILE", &ca)],
    );
    assert_cause(&run, "certificate not trusted: unknown issuer");
}

#[test]
fn expired_and_wrong_host_certificates_are_named() {
    let ca = data("ca.cert.pem");
    let expired = tls_server("expired");
    let run = kie(&expired.base_url("localhost"), &["--cacert", &ca], &[]);
    assert_cause(&run, "certificate expired");

    let other = tls_server("other");
    let run = kie(&other.base_url("localhost"), &["--cacert", &ca], &[]);
    assert_cause(&run, "certificate is for another host");
}

#[test]
fn a_bad_cacert_is_a_usage_error() {
    let missing = data("no-such.pem");
    let run = kie("https://localhost:9", &["--cacert", &missing], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--cacert"), "{run:?}");
    assert!(run.stderr.contains("no such file"), "{run:?}");
    let not_pem = data("make-certs.sh");
    let run = kie("https://localhost:9", &["--cacert", &not_pem], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no PEM certificate"), "{run:?}");
}
