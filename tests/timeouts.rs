//! Timeouts: the crate bounds each phase of a call, never the whole call (an
//! overall, per-call or resolve timeout makes ureq 3 resolve every host on a new
//! thread), and no duration a caller can pass panics inside ureq.
//!
//! How long hostile servers are allowed to take is in `tests/faults.rs`.
#![cfg(all(feature = "fake", feature = "kie"))]

mod common;

use std::time::Duration;

use download_url::fake::{self, FakeServer};
use download_url::{kie, Error};

fn call(agent: &ureq::Agent, server: &FakeServer) -> Result<(), Error> {
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = server.base_url();
    kie::download_link(agent, &config, "https://tempfile.aiquickdraw.com/a.png").map(drop)
}

#[test]
fn agent_with_timeout_duration_max_does_not_panic() {
    let server = FakeServer::start().unwrap();
    let agent = download_url::agent_with_timeout(Duration::MAX);
    for _ in 0..3 {
        call(&agent, &server).unwrap();
    }
    // Capped, not dropped: each phase still has a (one-day) bound.
    let t = agent.config().timeouts();
    for phase in [t.send_request, t.send_body, t.recv_response, t.recv_body] {
        assert_eq!(phase, Some(Duration::from_secs(86_400)));
    }
    assert_eq!(t.connect, Some(download_url::CONNECT_TIMEOUT));
}

#[test]
fn a_caller_agent_with_duration_max_everywhere_does_not_panic() {
    let server = FakeServer::start().unwrap();
    let agent = common::agent_with_every_timeout(Duration::MAX);
    for _ in 0..3 {
        call(&agent, &server).unwrap();
    }
    // Each phase alone at Duration::MAX, the others unset (filled in by the crate).
    type Set = fn(
        ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
    ) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope>;
    let singles: [(&str, Set); 11] = [
        ("global", |b| b.timeout_global(Some(Duration::MAX))),
        ("per_call", |b| b.timeout_per_call(Some(Duration::MAX))),
        ("resolve", |b| b.timeout_resolve(Some(Duration::MAX))),
        ("connect", |b| b.timeout_connect(Some(Duration::MAX))),
        ("send_request", |b| {
            b.timeout_send_request(Some(Duration::MAX))
        }),
        ("await_100", |b| b.timeout_await_100(Some(Duration::MAX))),
        ("send_body", |b| b.timeout_send_body(Some(Duration::MAX))),
        ("recv_response", |b| {
            b.timeout_recv_response(Some(Duration::MAX))
        }),
        ("recv_body", |b| b.timeout_recv_body(Some(Duration::MAX))),
        ("per_read", |b| b.timeout_per_read(Some(Duration::MAX))),
        ("per_write", |b| b.timeout_per_write(Some(Duration::MAX))),
    ];
    for (name, set) in singles {
        let agent = set(ureq::Agent::config_builder().proxy(None))
            .build()
            .new_agent();
        call(&agent, &server).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}

/// ureq's `DefaultResolver` resolves on the calling thread only when the resolve
/// phase has no deadline, i.e. when `timeout_resolve`, `timeout_global` and
/// `timeout_per_call` are all unset (ureq 3.5 `src/unversioned/resolver.rs`,
/// `use_sync`); otherwise it spawns a thread per call. Counting threads in
/// `/proc/self/task` cannot see such short-lived threads deterministically, so
/// this checks the condition itself, for every agent the crate builds.
#[test]
fn the_crate_agents_never_set_an_overall_timeout() {
    for agent in [
        download_url::agent(),
        download_url::agent_with_timeout(Duration::from_millis(1)),
        download_url::agent_with_timeout(Duration::MAX),
    ] {
        let t = agent.config().timeouts();
        assert_eq!(t.global, None);
        assert_eq!(t.per_call, None);
        assert_eq!(t.resolve, None);
        for phase in [
            t.connect,
            t.send_request,
            t.send_body,
            t.recv_response,
            t.recv_body,
        ] {
            assert!(phase.is_some(), "{t:?}");
        }
    }
    let agent = download_url::agent();
    let t = agent.config().timeouts();
    assert_eq!(t.connect, Some(download_url::CONNECT_TIMEOUT));
    // A stall bound per read and write (a constant socket timeout, set once per
    // connection), and each phase within twice that.
    assert_eq!(
        agent.config().timeout_per_read(),
        Some(download_url::DEFAULT_TIMEOUT)
    );
    assert_eq!(
        agent.config().timeout_per_write(),
        Some(download_url::DEFAULT_TIMEOUT)
    );
    assert_eq!(t.recv_body, Some(download_url::DEFAULT_TIMEOUT * 2));
}
