//! The opt-in retry helper against the fake server.
#![cfg(all(feature = "kie", feature = "fake"))]

mod common;

use std::time::{Duration, Instant};

use download_url::fake::{FakeReply, FakeServer, Fault, KIE_API_KEY};
use download_url::{kie, retry, RetryPolicy, Vendor};
use serde_json::json;

const FILE: &str = "https://tempfile.aiquickdraw.com/a.png";

fn setup() -> (FakeServer, kie::Config) {
    let server = FakeServer::start().unwrap();
    let mut config = kie::Config::new(KIE_API_KEY);
    config.base_url = server.base_url();
    (server, config)
}

fn fast_policy(attempts: u32) -> RetryPolicy {
    let mut policy = RetryPolicy::with_retries(attempts - 1);
    policy.base_delay = Duration::from_millis(10);
    policy.max_delay = Duration::from_millis(40);
    policy
}

#[test]
fn rate_limit_then_success_waits_retry_after() {
    let (server, config) = setup();
    let agent = common::quick_agent();
    server.push(
        Vendor::Kie,
        FakeReply::json(429, json!({"code": 429, "msg": "Rate limited"}))
            .with_header("Retry-After", "1"),
    );
    let start = Instant::now();
    let link = retry(&RetryPolicy::default(), |_| {
        kie::download_link(&agent, &config, FILE)
    })
    .unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    assert!(link.url.starts_with("https://"));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn insufficient_credits_is_not_retried() {
    let (server, config) = setup();
    let agent = common::quick_agent();
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 402, "msg": "no credits"})),
    );
    let err = retry(&fast_policy(5), |_| {
        kie::download_link(&agent, &config, FILE)
    })
    .unwrap_err();
    assert_eq!(err.code(), Some(402));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn the_attempt_bound_holds() {
    let (server, config) = setup();
    let agent = common::quick_agent();
    for _ in 0..10 {
        server.push_fault(Vendor::Kie, Fault::Html502);
    }
    let err = retry(&fast_policy(3), |_| {
        kie::download_link(&agent, &config, FILE)
    })
    .unwrap_err();
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(server.request_count(), 3);
}

#[test]
fn retry_after_beyond_the_cap_is_not_slept() {
    let (server, config) = setup();
    let agent = common::quick_agent();
    server.push_fault(Vendor::Kie, Fault::RateLimited("3600".into()));
    let mut policy = fast_policy(5);
    policy.max_retry_after = Duration::from_secs(5);
    let err = retry(&policy, |_| kie::download_link(&agent, &config, FILE)).unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(
        server.request_count(),
        1,
        "gave up at once instead of sleeping an hour"
    );
}

#[test]
fn the_time_budget_is_not_overrun() {
    let (server, config) = setup();
    let agent = common::quick_agent();
    server.push_fault(Vendor::Kie, Fault::RateLimited("2".into()));
    let mut policy = fast_policy(5);
    policy.max_total = Duration::from_secs(1);
    let err = retry(&policy, |_| kie::download_link(&agent, &config, FILE)).unwrap_err();
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(
        server.request_count(),
        1,
        "a 2 s wait does not fit a 1 s budget"
    );
}

/// Nothing panics, whatever the input: a `Retry-After` of u64::MAX seconds with an
/// unbounded `max_retry_after` does not fit the time budget, so the error comes
/// back at once (it used to overflow `elapsed + wait`).
#[test]
fn nothing_panics_on_a_huge_retry_after() {
    let (server, config) = setup();
    server.push(
        Vendor::Kie,
        FakeReply::json(429, json!({"code": 429, "msg": "slow down"}))
            .with_header("Retry-After", "18446744073709551615"),
    );
    let agent = common::quick_agent();
    let mut policy = fast_policy(3);
    policy.max_retry_after = Duration::MAX;
    let err = retry(&policy, |_| kie::download_link(&agent, &config, FILE)).unwrap_err();
    assert_eq!(err.code(), Some(429));
    assert_eq!(server.request_count(), 1);
}

/// Nothing panics with `Duration::MAX` backoff bounds either: the first wait
/// does not fit the budget, so the error comes back at once.
#[test]
fn nothing_panics_with_unbounded_backoff() {
    let (server, config) = setup();
    server.push(
        Vendor::Kie,
        FakeReply::json(200, json!({"code": 500, "msg": "boom"})),
    );
    let agent = common::quick_agent();
    let mut policy = fast_policy(3);
    policy.base_delay = Duration::MAX;
    policy.max_delay = Duration::MAX;
    let err = retry(&policy, |_| kie::download_link(&agent, &config, FILE)).unwrap_err();
    assert_eq!(err.code(), Some(500));
    assert_eq!(server.request_count(), 1);
}

/// `retry()` keeps its time budget when the closure passes the time left on as
/// the call's cap: a call that stalls past the budget is cut by that cap (a
/// per-call timeout), not by the agent's much longer per-phase timeout, and no
/// second attempt starts.
#[test]
fn retry_keeps_its_time_budget() {
    let (server, mut config) = setup();
    server.push_fault(Vendor::Kie, Fault::StallBody(Duration::from_secs(30)));
    server.push_fault(Vendor::Kie, Fault::StallBody(Duration::from_secs(30)));
    // The agent alone would wait 20 s for the stalled body.
    let agent = download_url::agent_with_timeout(Duration::from_secs(20));
    let mut policy = fast_policy(3);
    policy.max_total = Duration::from_millis(600);
    let mut budgets = Vec::new();
    let err = retry(&policy, |left| {
        budgets.push(left);
        config.call_timeout = Some(left);
        kie::download_link(&agent, &config, FILE)
    })
    .unwrap_err();
    assert_eq!(budgets.len(), 1, "{budgets:?}");
    assert!(budgets[0] <= Duration::from_millis(600));
    assert!(
        matches!(&err, download_url::Error::Transport(t) if t.kind == download_url::TransportKind::Timeout),
        "{err:?}"
    );
    let source = std::error::Error::source(&err).map(|s| format!("{s:?}"));
    assert!(
        source.as_deref().is_some_and(|s| s.contains("PerCall")),
        "{source:?}"
    );
}

// ---- [3/5] round 3: the HTTP status decides first, the body code may add ----

/// kie.ai answering HTTP 503 with its JSON envelope `{"code":503,…}`: retryable
/// by the status although 503 is not one of its body codes, so a 3-attempt policy
/// makes 3 requests.
#[test]
fn kie_503_with_a_json_body_is_retried_by_its_status() {
    let (server, config) = setup();
    let agent = common::quick_agent();
    for _ in 0..3 {
        server.push(
            Vendor::Kie,
            download_url::fake::presets::kie::service_unavailable(),
        );
    }
    let err = retry(&fast_policy(3), |_| {
        kie::download_link(&agent, &config, FILE)
    })
    .unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(err.code(), Some(503));
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(server.request_count(), 3);
}

/// The body code adds what the status does not say: 455 (maintenance) under HTTP
/// 200 is retried; 501 under HTTP 501 is not.
#[test]
fn kie_body_code_adds_but_never_removes() {
    let (server, config) = setup();
    let agent = common::quick_agent();
    server.push(Vendor::Kie, download_url::fake::presets::kie::maintenance());
    retry(&fast_policy(3), |_| {
        kie::download_link(&agent, &config, FILE)
    })
    .unwrap();
    assert_eq!(server.request_count(), 2);
    server.push(
        Vendor::Kie,
        download_url::fake::presets::kie::not_implemented(),
    );
    let err = retry(&fast_policy(3), |_| {
        kie::download_link(&agent, &config, FILE)
    })
    .unwrap_err();
    assert_eq!(err.http_status(), Some(501));
    assert!(!err.is_retryable());
    assert_eq!(server.request_count(), 3);
}

/// Each vendor's default policy, pinned as literals (the rustdoc table of
/// `RetryPolicy::for_vendor` states the same numbers and why).
#[test]
fn vendor_policies_are_the_documented_numbers() {
    let ms = Duration::from_millis;
    let s = Duration::from_secs;
    for (vendor, attempts, base, max, retry_after, total) in [
        (Vendor::Kie, 4, s(1), s(10), s(10), s(30)),
        (Vendor::Datalab, 10, s(5), s(120), s(60), s(300)),
        (Vendor::Cloudreve, 3, ms(500), s(8), s(30), s(60)),
        (Vendor::BlendVision, 3, s(1), s(8), s(30), s(60)),
        (Vendor::KooDrive, 4, s(2), s(5), s(30), s(60)),
    ] {
        let policy = RetryPolicy::for_vendor(vendor);
        assert_eq!(policy.max_attempts, attempts, "{vendor}");
        assert_eq!(policy.base_delay, base, "{vendor}");
        assert_eq!(policy.max_delay, max, "{vendor}");
        assert_eq!(policy.max_retry_after, retry_after, "{vendor}");
        assert_eq!(policy.max_total, total, "{vendor}");
        // A Retry-After inside the window is never longer than the total.
        assert!(policy.max_retry_after <= policy.max_total, "{vendor}");
    }
}

/// kie.ai's policy honours kie.ai's own 429 preset (`Retry-After: 1`) and gets
/// the link on the next attempt.
#[test]
fn the_kie_policy_waits_the_kie_retry_after() {
    let (server, config) = setup();
    let agent = common::quick_agent();
    server.push(
        Vendor::Kie,
        download_url::fake::presets::kie::rate_limited(),
    );
    let start = Instant::now();
    retry(&RetryPolicy::for_vendor(Vendor::Kie), |left| {
        let mut config = config.clone();
        config.call_timeout = Some(left);
        kie::download_link(&agent, &config, FILE)
    })
    .unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.request_count(), 2);
}

/// A `Retry-After` of more seconds than a u64 holds is still "wait longer than
/// the cap" (RFC 9111 §1.2.2: a delta-seconds too large to represent counts as
/// the greatest value), never "no Retry-After": the error comes back at once,
/// as for 3600 s, instead of being retried after a short backoff.
#[test]
fn a_retry_after_beyond_u64_is_not_retried_at_once() {
    for value in ["18446744073709551616", "99999999999999999999999999999999"] {
        let (server, config) = setup();
        server.push_fault(Vendor::Kie, Fault::RateLimited(value.into()));
        let agent = common::quick_agent();
        let err = retry(&fast_policy(5), |_| {
            kie::download_link(&agent, &config, FILE)
        })
        .unwrap_err();
        assert_eq!(
            err.retry_after(),
            Some(Duration::from_secs(u64::MAX)),
            "{value}"
        );
        assert_eq!(server.request_count(), 1, "{value}");
    }
}
