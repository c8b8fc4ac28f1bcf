//! KooDrive batches end to end, with the fake in a child process answering every
//! call after a delay that stands in for network latency (`reply_delay`):
//!
//! 1. 10,000 ids (100 calls of 100 ids) with a 50 ms delay, one call at a time
//!    (`concurrency` 1: ≈ 100 × 50 ms = 5 s) and at the default concurrency (4;
//!    target ≤ 1.5 s), and at 8 (on an agent keeping 8 idle connections);
//! 2. the client's CPU per id from 100 to 10,000 ids (no delay), one call at a
//!    time and 4 at a time, which should
//!    stay flat: this process's `utime + stime` from `/proc/self/stat` (clock
//!    ticks) over enough repetitions to total about a second each.
//!
//! Run: `cargo bench --all-features --bench batch` (optionally `-- <runs>`,
//! default 5 runs of each concurrent case).

mod common;

use std::time::{Duration, Instant};

use download_url::{fake, koodrive};

const IDS: usize = 10_000;

fn main() {
    common::serve_if_asked();
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let ids: Vec<String> = (0..IDS).map(|i| format!("f{i:03}")).collect();

    {
        let server = common::spawn_server(IDS, Duration::from_millis(50), None);
        let mut config = common::koodrive_config_at(&server.base_url);
        println!("{IDS} KooDrive ids, 100 calls of 100, fake reply delay 50 ms");
        for (concurrency, agent, runs) in [
            (1, download_url::agent(), 1),
            (4, download_url::agent(), runs),
            (
                8,
                download_url::agent_config(download_url::DEFAULT_TIMEOUT)
                    .max_idle_connections_per_host(8)
                    .build()
                    .new_agent(),
                runs,
            ),
        ] {
            config.concurrency = concurrency;
            let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.clone());
            let mut times: Vec<Duration> = (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    let batch = koodrive::download_links(&agent, &config, &request).expect("batch");
                    assert_eq!(batch.links.len(), IDS);
                    start.elapsed()
                })
                .collect();
            times.sort_unstable();
            println!(
                "concurrency {concurrency}: median {:.3} s (min {:.3} s, max {:.3} s, {runs} runs)",
                times[times.len() / 2].as_secs_f64(),
                times[0].as_secs_f64(),
                times[times.len() - 1].as_secs_f64(),
            );
        }
    }

    let agent = download_url::agent();
    println!("client CPU per id (no delay):");
    // The fake holds 100 files and the ids cycle through them (each call of 100
    // asks for each once): the fake then answers every call in the same time
    // whatever the batch size, so only the client's cost per id is compared (a
    // fake holding 10,000 files looks each id up in a list, about 3 ms a call,
    // and the client's caches go cold while it waits).
    let server = common::spawn_server(100, Duration::ZERO, None);
    let mut config = common::koodrive_config_at(&server.base_url);
    for count in [100, 1_000, 10_000] {
        let request = koodrive::Request::new(
            fake::KOODRIVE_CONTAINER_ID,
            (0..count).map(|i| ids[i % 100].clone()),
        );
        for concurrency in [1, 4] {
            config.concurrency = concurrency;
            // Warm up, then about 200,000 ids' worth of repetitions.
            for _ in 0..3 {
                koodrive::download_links(&agent, &config, &request).expect("batch");
            }
            let reps = (200_000 / count).max(5);
            let (t0, w0) = (common::process_cpu(), Instant::now());
            for _ in 0..reps {
                let batch = koodrive::download_links(&agent, &config, &request).expect("batch");
                assert_eq!(batch.links.len(), count);
            }
            let cpu = common::process_cpu() - t0;
            let wall = w0.elapsed();
            let per_id = cpu / (reps * count) as u32;
            println!(
                "{count:>6} ids × {reps:>5}, concurrency {concurrency}: CPU {:.2} µs per id, wall {:.2} µs per id",
                per_id.as_secs_f64() * 1e6,
                wall.as_secs_f64() * 1e6 / (reps * count) as f64,
            );
        }
    }
}
