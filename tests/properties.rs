//! Nothing panics, whatever the input: property tests over every public function
//! that takes a duration, a time or remote text, with a deterministic generator
//! (xorshift) biased towards the edges — `Duration::MAX`, `u64::MAX` seconds,
//! years near ±9999 with extreme offsets, control characters, escapes.
#![cfg(feature = "fake")]

use std::time::Duration;

use download_url::decode;
use download_url::{DownloadLink, Expiry, Vendor};
use time::{OffsetDateTime, UtcOffset};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn duration(&mut self) -> Duration {
        match self.below(6) {
            0 => Duration::MAX,
            1 => Duration::ZERO,
            2 => Duration::from_secs(u64::MAX),
            3 => Duration::new(self.next(), (self.next() % 1_000_000_000) as u32),
            4 => Duration::from_nanos(self.next()),
            _ => Duration::from_millis(self.below(10_000)),
        }
    }

    fn time(&mut self) -> OffsetDateTime {
        let max = time::PrimitiveDateTime::MAX.assume_utc().unix_timestamp();
        let min = time::PrimitiveDateTime::MIN.assume_utc().unix_timestamp();
        let unix = match self.below(4) {
            0 => max - self.below(200_000) as i64,
            1 => min + self.below(200_000) as i64,
            _ => (self.next() as i64).rem_euclid(max - min) + min,
        };
        let at = OffsetDateTime::from_unix_timestamp(unix).unwrap();
        let seconds = (self.below(2 * 86_399) as i32) - 86_399;
        let offset = UtcOffset::from_whole_seconds(seconds).unwrap();
        // Keep only instants that exist in that offset (the calendar may end).
        at.checked_to_offset(offset).unwrap_or(at)
    }

    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "https://",
            "http://",
            "h.example",
            "/",
            "?",
            "&",
            "=",
            "#",
            "%",
            "%3A",
            "%3B",
            "\\/",
            "\\u002F",
            "\\u0026",
            "X-Amz-Date=20231227T072939Z",
            "X-Amz-Expires=",
            "sign=",
            ":0",
            "se=",
            "sig=",
            "e=",
            "token=a:b",
            "_upt=",
            "q-sign-time=",
            "1700000000",
            "99999999999999999999",
            "-1",
            " ",
            "\t",
            "\n",
            "\u{1b}[31m",
            "é",
            "\u{202e}",
            "\u{2028}",
            "\u{0}",
            "cloudreve://",
            "a:pw@share",
            "\"",
            "'",
            "<",
        ];
        let n = self.below(24);
        (0..n)
            .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
            .collect()
    }
}

const ROUNDS: usize = 20_000;

/// A file URL the fake kie.ai accepts.
#[cfg(feature = "kie")]
const FILE: &str = "https://tempfile.aiquickdraw.com/a.png";

#[test]
fn expiry_and_links_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..ROUNDS {
        let at = rng.time();
        let expiry = match rng.below(3) {
            0 => Expiry::at(at),
            1 => Expiry::Never,
            _ => Expiry::Unknown,
        };
        let window = rng.duration();
        let _ = expiry.is_expired();
        let within = expiry.expires_within(window);
        if expiry == Expiry::Unknown {
            assert!(within);
        }
        if let Some(t) = expiry.time() {
            assert_eq!(t.offset(), UtcOffset::UTC);
        }
        let _ = (expiry.to_string(), expiry.rfc3339(), format!("{expiry:?}"));
        let other = Expiry::at(rng.time());
        let _ = expiry.earliest(other);
        let link = DownloadLink::new(Vendor::Kie, rng.text(), rng.text(), None, expiry);
        let _ = (
            link.is_expired(),
            link.expires_within(window),
            format!("{link:?}"),
        );
    }
}

/// Any duration makes an agent whose bounds are the documented ones (capped at
/// one day; connect at most 10 s; each phase within twice the timeout), and the
/// agent works: a call with a bound of a second or more gets its link, any
/// other ends in an error, never a panic.
#[cfg(feature = "kie")]
#[test]
fn agents_take_any_duration() {
    use download_url::fake::FakeServer;
    let server = FakeServer::start().unwrap();
    let mut config = download_url::kie::Config::new(download_url::fake::KIE_API_KEY);
    config.base_url = server.base_url();
    let day = Duration::from_secs(86_400);
    let mut rng = Rng(7);
    let mut calls = 0;
    for _ in 0..200 {
        let d = rng.duration();
        let capped = d.min(day);
        for agent in [
            download_url::agent_with_timeout(d),
            download_url::agent_config(d).build().new_agent(),
        ] {
            let c = agent.config();
            let t = c.timeouts();
            assert_eq!(c.timeout_per_read(), Some(capped), "{d:?}");
            assert_eq!(c.timeout_per_write(), Some(capped), "{d:?}");
            assert_eq!(
                t.connect,
                Some(capped.min(Duration::from_secs(10))),
                "{d:?}"
            );
            let phase = Some(capped.saturating_mul(2).min(day));
            assert_eq!(
                [t.send_request, t.send_body, t.recv_response, t.recv_body],
                [phase; 4],
                "{d:?}"
            );
            let result = download_url::kie::download_link(&agent, &config, FILE);
            calls += 1;
            if capped >= Duration::from_secs(1) {
                let link = result.unwrap_or_else(|e| panic!("{d:?}: {e:?}"));
                assert!(link.url.starts_with("https://"), "{d:?}");
            }
        }
    }
    assert!(server.request_count() <= calls);
    assert!(server.request_count() >= calls / 2, "most calls were sent");
}

/// Any policy: `retry()` returns the vendor's 503 after one attempt, or the
/// link after a second one, within its time budget — never a panic, an
/// overflow, a wait past `max_total` or a third attempt.
#[cfg(feature = "kie")]
#[test]
fn retry_takes_any_policy() {
    use download_url::fake::{FakeReply, FakeServer};
    let server = FakeServer::start().unwrap();
    let mut config = download_url::kie::Config::new(download_url::fake::KIE_API_KEY);
    config.base_url = server.base_url();
    let agent = download_url::agent();
    let mut rng = Rng(11);
    let (mut gave_up, mut retried) = (0, 0);
    for _ in 0..40 {
        server.push(
            Vendor::Kie,
            FakeReply::json(503, serde_json::json!({"code": 500, "msg": "busy"}))
                .with_header("Retry-After", &rng.next().to_string()),
        );
        let mut policy = download_url::RetryPolicy::with_retries(1);
        policy.base_delay = rng.duration();
        policy.max_delay = rng.duration();
        policy.max_retry_after = rng.duration();
        // A budget that never lets a long wait start: the test ends quickly.
        policy.max_total = Duration::from_millis(rng.below(3));
        let before = server.request_count();
        let started = std::time::Instant::now();
        let result = download_url::retry(&policy, |left| {
            config.call_timeout = Some(left.max(Duration::from_millis(200)));
            download_url::kie::download_link(&agent, &config, FILE)
        });
        let took = started.elapsed();
        let attempts = server.request_count() - before;
        match result {
            Err(err) => {
                assert_eq!(err.http_status(), Some(503), "{policy:?}: {err:?}");
                assert_eq!(attempts, 1, "{policy:?}");
                gave_up += 1;
            }
            Ok(link) => {
                assert!(link.url.starts_with("https://"));
                assert_eq!(attempts, 2, "{policy:?}");
                retried += 1;
            }
        }
        assert!(took < Duration::from_secs(5), "{policy:?}: {took:?}");
    }
    assert_eq!(gave_up + retried, 40);
    assert!(
        gave_up > 0,
        "a Retry-After past the budget is not waited for"
    );
}

#[test]
fn remote_text_helpers_never_panic() {
    let mut rng = Rng(0x5eed);
    for _ in 0..ROUNDS {
        let text = rng.text();
        // A presigned URL anywhere in remote text loses its signature.
        let embedded = format!(
            "{}https://h.example/p?X-Amz-Signature=SECRETXYZ{}",
            rng.text(),
            rng.text()
        );
        let redacted = decode::redact_url_queries(&embedded);
        assert!(
            !redacted.contains("SECRETXYZ"),
            "{embedded:?} -> {redacted:?}"
        );
        let _ = decode::redact_url_queries(&text);
        let _ = decode::url_expiry(&text);
        let _ = decode::amz_expiry(&text);
        let _ = decode::is_http_url(&text);
        let _ = decode::retry_after(&text);
        let _ = download_url::redact_url(&text);
        let _ = download_url::decode::parse_amz_date(&text);
    }
}
