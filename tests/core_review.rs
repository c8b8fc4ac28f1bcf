//! The shared transport and error core, attacked as an outsider: what a server
//! echoes, where the excerpt is cut, what a caller's agent and environment say.
#![cfg(all(feature = "fake", feature = "kie"))]

mod common;

use download_url::fake::{self, FakeReply, FakeServer};
use download_url::{kie, Vendor};
use serde_json::json;

fn kie_config(server: &FakeServer) -> kie::Config {
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = server.base_url();
    config
}

/// A server that quotes the API key where a number belongs: serde's message
/// (the error's `source()`) quotes the value; the key must not be in it.
#[test]
fn a_key_quoted_by_the_json_decoder_is_redacted_in_the_source() {
    let server = FakeServer::start().unwrap();
    let config = kie_config(&server);
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": fake::KIE_API_KEY, "msg": "x"})),
    );
    let err =
        kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
    common::assert_no_marker(&err, fake::KIE_API_KEY);
}

/// A key echoed across the 512-byte cut of the excerpt: no part of it shows.
#[test]
fn a_key_across_the_excerpt_cut_shows_no_prefix() {
    let server = FakeServer::start().unwrap();
    let config = kie_config(&server);
    let limit = download_url::EXCERPT_LIMIT;
    for before in [limit - 12, limit - 8, limit - 3] {
        let body = format!("{}{} rejected", "a".repeat(before), fake::KIE_API_KEY);
        server.push(Vendor::Kie, FakeReply::raw(502, "text/plain", body));
        let err =
            kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
        let download_url::Error::UnexpectedResponse(e) = &err else {
            panic!("{err:?}")
        };
        let tail = e.body_excerpt.trim_start_matches('a');
        assert!(
            !fake::KIE_API_KEY.starts_with(tail) || tail.is_empty(),
            "{before}: a prefix of the key shows: {tail:?}"
        );
    }
}

/// `body_excerpt` is "at most EXCERPT_LIMIT" bytes (its rustdoc) even when
/// redaction makes the text longer (short queries become `?[redacted]`).
#[test]
fn the_excerpt_stays_within_its_limit_after_redaction() {
    let server = FakeServer::start().unwrap();
    let config = kie_config(&server);
    let body = "see http://h/?a ".repeat(64);
    server.push(Vendor::Kie, FakeReply::raw(502, "text/plain", body));
    let err =
        kie::download_link(&common::quick_agent(), &config, "https://f.example/a").unwrap_err();
    let download_url::Error::UnexpectedResponse(e) = &err else {
        panic!("{err:?}")
    };
    assert!(e.body_excerpt.contains("?[redacted]"), "{}", e.body_excerpt);
    assert!(
        e.body_excerpt.len() <= download_url::EXCERPT_LIMIT,
        "{} bytes",
        e.body_excerpt.len()
    );
}
