//! The numbers README.md states, pinned as literals — not compared with the
//! crate's own constants, which a change would move together with the code.
//! Where it can be done in a test's time, the value is checked by behaviour (what
//! the fake receives, how long a wait lasts), not by reading a setting back.
//!
//! Mutations each test was tried against (by hand; each made it fail): the user
//! agent changed to `curl/8.0`; `CONNECT_TIMEOUT` 10 s → 60 s together with
//! `DEFAULT_TIMEOUT` 30 s → 300 s; `BODY_LIMIT` 4 MiB → 8 MiB; `EXCERPT_LIMIT`
//! 512 → 1024; the jitter of `RetryPolicy::backoff` removed (`frac` = 1000) or
//! stuck at half the delay.
#![cfg(all(feature = "fake", feature = "kie"))]

use std::time::{Duration, Instant};

use download_url::fake::{self, FakeReply, FakeServer, Fault};
use download_url::{kie, Error, RetryPolicy, UnexpectedReason, Vendor};

fn kie_config(server: &FakeServer) -> kie::Config {
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = server.base_url();
    config
}

fn call(agent: &ureq::Agent, server: &FakeServer) -> Result<(), Error> {
    kie::download_link(
        agent,
        &kie_config(server),
        "https://tempfile.aiquickdraw.com/a.png",
    )
    .map(drop)
}

/// README: "`download_url::agent()` adds … the user agent `download-url/<version>`".
#[test]
fn the_user_agent_the_server_sees() {
    let server = FakeServer::start().unwrap();
    call(&download_url::agent(), &server).unwrap();
    call(
        &download_url::agent_with_timeout(Duration::from_secs(5)),
        &server,
    )
    .unwrap();
    let expected = format!("download-url/{}", env!("CARGO_PKG_VERSION"));
    for request in server.requests() {
        assert_eq!(request.header("user-agent"), Some(expected.as_str()));
    }
    assert_eq!(server.request_count(), 2);
}

/// README: "connect ≤ 10 s, every read and write waits at most `d` (default 30 s)
/// for progress, each phase ends within `2 × d`; never an overall, per-call or
/// resolve timeout". (The 10 s connect bound is also measured, on a connect that
/// never completes, in `tests/faults.rs`.)
#[test]
fn agent_timeouts_are_the_documented_seconds() {
    assert_eq!(download_url::CONNECT_TIMEOUT, Duration::from_secs(10));
    assert_eq!(download_url::DEFAULT_TIMEOUT, Duration::from_secs(30));
    // (agent, d, connect): connect is 10 s, or d when that is shorter.
    for (agent, d, connect) in [
        (download_url::agent(), 30, 10),
        (
            download_url::agent_with_timeout(Duration::from_secs(20)),
            20,
            10,
        ),
        (
            download_url::agent_with_timeout(Duration::from_secs(7)),
            7,
            7,
        ),
    ] {
        let config = agent.config();
        let t = config.timeouts();
        assert_eq!(t.connect, Some(Duration::from_secs(connect)), "d = {d}");
        assert_eq!(config.timeout_per_read(), Some(Duration::from_secs(d)));
        assert_eq!(config.timeout_per_write(), Some(Duration::from_secs(d)));
        for phase in [t.send_request, t.send_body, t.recv_response, t.recv_body] {
            assert_eq!(phase, Some(Duration::from_secs(2 * d)), "d = {d}");
        }
        assert_eq!((t.global, t.per_call, t.resolve), (None, None, None));
    }
}

/// README: "a 4 MiB body limit after decompression": 4,194,304 bytes are read
/// (and, being blanks, are not JSON), one more is "too large"; the same for a
/// chunked body and a gzip body that inflates past it.
#[test]
fn the_body_limit_is_4_mib() {
    assert_eq!(download_url::BODY_LIMIT, 4_194_304);
    let server = FakeServer::start().unwrap();
    let agent = download_url::agent_with_timeout(Duration::from_secs(5));
    let reason = |fault: Fault| {
        server.push_fault(Vendor::Kie, fault);
        match call(&agent, &server) {
            Err(Error::UnexpectedResponse(e)) => e.reason,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        reason(Fault::Oversized(4_194_304)),
        UnexpectedReason::NotJson
    );
    assert_eq!(
        reason(Fault::Oversized(4_194_305)),
        UnexpectedReason::TooLarge
    );
    assert_eq!(
        reason(Fault::OversizedChunked(4_194_304)),
        UnexpectedReason::NotJson
    );
    assert_eq!(
        reason(Fault::OversizedChunked(4_194_305)),
        UnexpectedReason::TooLarge
    );
    assert_eq!(
        reason(Fault::GzipBomb(4_194_305)),
        UnexpectedReason::TooLarge
    );
}

/// README: "a 512-byte redacted body excerpt".
#[test]
fn the_body_excerpt_is_512_bytes() {
    assert_eq!(download_url::EXCERPT_LIMIT, 512);
    let server = FakeServer::start().unwrap();
    let agent = download_url::agent();
    for (len, kept) in [(511, 511), (512, 512), (513, 512), (100_000, 512)] {
        server.push(
            Vendor::Kie,
            FakeReply::raw(502, "text/plain", "x".repeat(len)),
        );
        match call(&agent, &server) {
            Err(Error::UnexpectedResponse(e)) => {
                assert_eq!(e.body_excerpt, "x".repeat(kept), "body of {len} bytes")
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The defaults `RetryPolicy::default()` documents: 3 attempts, backoff from
/// 500 ms up to 8 s, `Retry-After` honoured up to 60 s, 2 minutes in all.
#[test]
fn retry_defaults() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.max_attempts, 3);
    assert_eq!(policy.base_delay, Duration::from_millis(500));
    assert_eq!(policy.max_delay, Duration::from_secs(8));
    assert_eq!(policy.max_retry_after, Duration::from_secs(60));
    assert_eq!(policy.max_total, Duration::from_secs(120));
    assert_eq!(RetryPolicy::none().max_attempts, 1);
    assert_eq!(RetryPolicy::with_retries(4).max_attempts, 5);
    assert_eq!(RetryPolicy::with_retries(u32::MAX).max_attempts, u32::MAX);
}

/// The pauses `retry()` makes between attempts (from one attempt's end to the
/// next one's start), for `attempts` attempts that all fail with a 503.
fn backoff_schedule(policy: &RetryPolicy) -> (Vec<Duration>, usize) {
    let server = FakeServer::start().unwrap();
    for _ in 0..policy.max_attempts {
        server.push(
            Vendor::Kie,
            FakeReply::json(503, serde_json::json!({"code": 500, "msg": "busy"})),
        );
    }
    let agent = download_url::agent();
    let config = kie_config(&server);
    let mut ended: Option<Instant> = None;
    let mut pauses = Vec::new();
    let result = download_url::retry(policy, |_| {
        if let Some(end) = ended {
            pauses.push(end.elapsed());
        }
        let result = kie::download_link(&agent, &config, "https://f.example/a");
        ended = Some(Instant::now());
        result
    });
    let err = result.unwrap_err();
    assert_eq!(err.http_status(), Some(503), "{err:?}");
    (pauses, server.request_count())
}

/// README: "exponential backoff with jitter, bounded in attempts and total time";
/// `RetryPolicy::backoff`: "a random delay between half and all of
/// `base_delay * 2^(attempt-1)`, capped at `max_delay`".
///
/// With `max_delay` = `base_delay` = 200 ms every pause must lie in 100..=200 ms
/// (plus scheduling latency: a sleep never ends early), spread over that range:
/// of two schedules of 12 pauses, some pauses are well below 200 ms (without
/// jitter none is), some well above 100 ms (with the delay stuck at half, none
/// is), and the two schedules differ. Chance of a false failure: below 1e-4.
/// Mutations caught: the jitter removed (`frac` = 1000), `* frac / 1000` →
/// `* frac % 1000` (always half).
#[test]
fn backoff_has_jitter_within_half_to_full() {
    let mut policy = RetryPolicy::with_retries(12);
    policy.base_delay = Duration::from_millis(200);
    policy.max_delay = Duration::from_millis(200);
    policy.max_total = Duration::from_secs(30);
    let schedules: Vec<(Vec<Duration>, usize)> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| backoff_schedule(&policy)))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let ms = Duration::from_millis;
    for (pauses, requests) in &schedules {
        assert_eq!(*requests, 13, "every attempt made: {pauses:?}");
        assert_eq!(pauses.len(), 12);
        for pause in pauses {
            assert!(*pause >= ms(100), "{pauses:?}");
            // Generous: a loaded machine wakes sleepers late, never early.
            assert!(*pause < ms(1_500), "{pauses:?}");
        }
    }
    let all: Vec<Duration> = schedules.iter().flat_map(|(p, _)| p.clone()).collect();
    let short = all.iter().filter(|p| **p < ms(170)).count();
    let long = all.iter().filter(|p| **p >= ms(150)).count();
    assert!(short >= 3, "no jitter below the full delay: {all:?}");
    assert!(long >= 3, "no jitter above half the delay: {all:?}");
    let (a, b) = (&schedules[0].0, &schedules[1].0);
    let apart = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.abs_diff(**y) > ms(20))
        .count();
    assert!(apart > 0, "two schedules alike: {a:?} / {b:?}");
}

/// Exponential growth up to the cap: pauses of about 40, 80, 160, 160 ms
/// (each between half and all of that).
#[test]
fn backoff_doubles_up_to_max_delay() {
    let mut policy = RetryPolicy::with_retries(4);
    policy.base_delay = Duration::from_millis(40);
    policy.max_delay = Duration::from_millis(160);
    policy.max_total = Duration::from_secs(30);
    let (pauses, requests) = backoff_schedule(&policy);
    assert_eq!(requests, 5);
    for (pause, full) in pauses.iter().zip([40, 80, 160, 160]) {
        assert!(
            *pause >= Duration::from_millis(full / 2),
            "{pauses:?}: {full}"
        );
        assert!(
            *pause < Duration::from_millis(full + 600),
            "{pauses:?}: {full}"
        );
    }
}

/// One `retry()` of a kie.ai call whose first answer is a 429 with
/// `Retry-After: <retry_after>` (then the normal reply): the result, the number
/// of attempts and the time taken.
fn retry_after_429(
    retry_after: &str,
    max_retry_after: Duration,
    max_total: Duration,
) -> (Result<(), Error>, usize, Duration) {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::Kie, Fault::RateLimited(retry_after.into()));
    let mut policy = RetryPolicy::with_retries(3);
    policy.max_retry_after = max_retry_after;
    policy.max_total = max_total;
    let agent = download_url::agent();
    let started = Instant::now();
    let result = download_url::retry(&policy, |_| call(&agent, &server));
    (result, server.request_count(), started.elapsed())
}

/// README: "a `Retry-After` above `max_retry_after` is not waited for: the error
/// is returned at once"; one equal to it is waited for. (Mutants caught: the
/// guard `asked > max_retry_after` made `false`, `==` or `>=`.)
#[test]
fn retry_after_above_max_retry_after_is_returned_at_once() {
    let (result, attempts, took) =
        retry_after_429("2", Duration::from_secs(1), Duration::from_secs(30));
    let err = result.unwrap_err();
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(attempts, 1);
    assert!(took < Duration::from_millis(1_500), "{took:?}");

    let (result, attempts, took) =
        retry_after_429("1", Duration::from_secs(1), Duration::from_secs(30));
    result.unwrap();
    assert_eq!(attempts, 2);
    assert!(took >= Duration::from_secs(1), "{took:?}");
}

/// README: retries are "bounded in attempts and total time": a wait that would
/// end past `max_total` is not started. (Mutant caught: the guard
/// `end <= max_total` made `true`.)
#[test]
fn a_wait_past_max_total_is_not_started() {
    let (result, attempts, took) =
        retry_after_429("2", Duration::from_secs(60), Duration::from_secs(1));
    assert_eq!(result.unwrap_err().http_status(), Some(429));
    assert_eq!(attempts, 1);
    assert!(took < Duration::from_millis(1_500), "{took:?}");
}
