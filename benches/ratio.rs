//! The per-call overhead ratio of each vendor, measured interleaved: the crate's
//! call and the raw ureq + serde_json call (`benches/common`) alternate one by one
//! (ABBA order, so neither always runs first), after a warm-up, on one keep-alive
//! agent against the fake server. Each side's median over all its samples gives
//! the ratio `crate / raw`, along with the 10th and 90th percentiles.
//!
//! Interleaving matters on a shared machine: loopback latency drifts by 10–20 %
//! over seconds, more than the overhead being measured, and two benchmarks run
//! one after the other see different drifts.
//!
//! Run: `cargo bench --all-features --bench ratio` (optionally followed by
//! `-- <rounds>`, default 3000 calls per side per vendor). `-- only <vendor>
//! <krate|raw> <n>` makes n calls of one side only, to count instructions.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    // `-- only <vendor> <krate|raw> <n>`: n calls of one side and nothing else, for
    // instruction counts under `valgrind --tool=callgrind` (see the README).
    if let [only, vendor, side, n] = &args[..] {
        if only == "only" {
            let (krate, raw) = common::pair(vendor);
            let mut call = if side == "krate" { krate } else { raw };
            for _ in 0..n.parse::<usize>().expect("a call count") {
                black_box(call());
            }
            return;
        }
    }
    // A bare number is the round count.
    let rounds: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(3000);
    println!("interleaved per-call medians, {rounds} calls per side, one agent, keep-alive");
    println!(
        "{:<12} {:>10} {:>10} {:>8} {:>21} {:>21}",
        "vendor", "crate", "raw", "ratio", "crate p10..p90", "raw p10..p90"
    );
    for vendor in common::VENDORS {
        let (mut krate, mut raw) = common::pair(vendor);
        for _ in 0..200 {
            black_box(krate());
            black_box(raw());
        }
        let mut a = Vec::with_capacity(rounds);
        let mut b = Vec::with_capacity(rounds);
        for round in 0..rounds {
            if round % 2 == 0 {
                a.push(time(&mut krate));
                b.push(time(&mut raw));
            } else {
                b.push(time(&mut raw));
                a.push(time(&mut krate));
            }
        }
        let (a, b) = (Stats::of(a), Stats::of(b));
        println!(
            "{vendor:<12} {:>10} {:>10} {:>8.3} {:>21} {:>21}",
            us(a.median),
            us(b.median),
            a.median.as_secs_f64() / b.median.as_secs_f64(),
            format!("{}..{}", us(a.p10), us(a.p90)),
            format!("{}..{}", us(b.p10), us(b.p90)),
        );
    }
}

fn time(call: &mut common::Call) -> Duration {
    let start = Instant::now();
    black_box(call());
    start.elapsed()
}

struct Stats {
    p10: Duration,
    median: Duration,
    p90: Duration,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Stats {
        samples.sort_unstable();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Stats {
            p10: at(0.1),
            median: at(0.5),
            p90: at(0.9),
        }
    }
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}
