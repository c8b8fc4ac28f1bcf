//! The per-call cost of each vendor, measured interleaved, three ways on the same
//! request and reply:
//!
//! - `crate`: the crate's call on `download_url::agent()`;
//! - `defaults`: the hand-written raw ureq + serde_json call (`benches/common`) on
//!   `ureq::Agent::new_with_defaults()` — what a user writes without the crate;
//! - `previous`: the crate's call on the agent 0.1 built (an overall timeout of
//!   30 s and a connect timeout of 10 s, which make ureq resolve the host on a new
//!   thread on every call).
//!
//! The fake server runs in a child process (this binary, `serve`), so that this
//! process's CPU time is the client's alone. The sides alternate in blocks of
//! [`BLOCK`] calls, in the order crate, defaults, previous, then the reverse
//! (ABBA), after a warm-up; drift over seconds hits every side alike.
//!
//! Reported per side:
//!
//! - wall: the median (and 10th..90th percentiles) of every call's `Instant` time;
//! - thread CPU: the calling thread's on-CPU time from `/proc/thread-self/schedstat`
//!   (its first field, the scheduler's `sum_exec_runtime`, in nanoseconds), read
//!   before and after each block, summed per side, divided by the calls. With the
//!   server out of process the calling thread is the only busy thread for
//!   `crate` and `defaults`;
//! - process CPU: `utime + stime` of `/proc/self/stat` (every thread, exited ones
//!   included, so `previous`' resolver threads count), read around each block.
//!   Its unit is the clock tick (10 ms), so each reading is off by up to a tick:
//!   over 3000 calls per side it is good to a few percent only; give more calls
//!   (`-- 20000`) for a finer figure. (`CLOCK_PROCESS_CPUTIME_ID` would be exact
//!   but needs `libc`, which the crate does not depend on.)
//!
//! Run: `cargo bench --all-features --bench ratio` (optionally followed by
//! `-- <calls per side>`, default 3000). `-- dns [calls]` compares the crate's
//! kie.ai call with a base URL naming `localhost` and `127.0.0.1`. `-- only
//! <vendor> <crate|defaults|previous> <n>` makes n calls of one side only, to
//! count instructions with callgrind (the server's child process is not traced).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::Side;

/// Calls of one side in a row.
const BLOCK: usize = 50;
/// Warm-up calls per side.
const WARMUP: usize = 200;

fn main() {
    common::serve_if_asked();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let server = common::spawn_server(250, Duration::ZERO);
    common::use_server(server.base_url.clone());

    if let [only, vendor, side, n] = &args[..] {
        if only == "only" {
            let side = match side.as_str() {
                "crate" | "krate" => Side::Krate,
                "defaults" | "raw" => Side::Defaults,
                "previous" => Side::Previous,
                other => panic!("no side {other}"),
            };
            let mut call = common::call(vendor, side);
            for _ in 0..n.parse::<usize>().expect("a call count") {
                black_box(call());
            }
            return;
        }
    }
    if args.first().map(String::as_str) == Some("dns") {
        let calls = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3000);
        return dns(&server.base_url, calls);
    }
    // A bare number is the call count per side.
    let calls: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(3000);
    println!(
        "interleaved in blocks of {BLOCK}, {calls} calls per side, keep-alive, fake in a child process"
    );
    println!(
        "{:<12} {:>9} {:>9} {:>9} {:>7} {:>7} | {:>9} {:>9} {:>9} {:>7} {:>7} | {:>9} {:>9} {:>9}",
        "wall/CPU",
        "crate",
        "defaults",
        "previous",
        "c/d",
        "p/d",
        "thr crate",
        "thr dflt",
        "thr prev",
        "c/d",
        "p/d",
        "proc crate",
        "proc dflt",
        "proc prev",
    );
    for vendor in common::VENDORS {
        let sides: Vec<common::Call> = Side::ALL
            .iter()
            .map(|side| common::call(vendor, *side))
            .collect();
        let results = interleave(sides, calls);
        let [k, d, p] = &results[..] else {
            unreachable!()
        };
        println!(
            "{vendor:<12} {:>9} {:>9} {:>9} {:>7.3} {:>7.3} | {:>9} {:>9} {:>9} {:>7.3} {:>7.3} | {:>9} {:>9} {:>9}",
            us(k.wall.median),
            us(d.wall.median),
            us(p.wall.median),
            ratio(k.wall.median, d.wall.median),
            ratio(p.wall.median, d.wall.median),
            us(k.thread_cpu),
            us(d.thread_cpu),
            us(p.thread_cpu),
            ratio(k.thread_cpu, d.thread_cpu),
            ratio(p.thread_cpu, d.thread_cpu),
            us(k.process_cpu),
            us(d.process_cpu),
            us(p.process_cpu),
        );
        println!(
            "{:<12} p10..p90: {} | {} | {}",
            "",
            spread(&k.wall),
            spread(&d.wall),
            spread(&p.wall)
        );
    }
}

/// `localhost` against `127.0.0.1` in the base URL, the crate's kie.ai call on
/// the crate's agent: ureq resolves the host on every call, pooled connection
/// or not, and an IP literal needs no lookup.
fn dns(base: &str, calls: usize) {
    let env = common::env();
    let localhost = base.replace("127.0.0.1", "localhost");
    let sides = vec![
        common::krate("kie", &env.agent, base),
        common::krate("kie", &env.agent, &localhost),
    ];
    let results = interleave(sides, calls);
    println!("kie.ai on download_url::agent(), {calls} calls per side, interleaved");
    for (name, r) in ["127.0.0.1", "localhost"].iter().zip(&results) {
        println!(
            "{name:<10} wall {} ({}), thread CPU {}, process CPU {}",
            us(r.wall.median),
            spread(&r.wall),
            us(r.thread_cpu),
            us(r.process_cpu)
        );
    }
    let (ip, host) = (&results[0], &results[1]);
    println!(
        "localhost − 127.0.0.1: wall {:+.1} µs, thread CPU {:+.1} µs",
        (host.wall.median.as_secs_f64() - ip.wall.median.as_secs_f64()) * 1e6,
        (host.thread_cpu.as_secs_f64() - ip.thread_cpu.as_secs_f64()) * 1e6,
    );
}

struct SideResult {
    wall: Stats,
    /// Per call.
    thread_cpu: Duration,
    /// Per call.
    process_cpu: Duration,
}

/// Runs every side `calls` times, in blocks of [`BLOCK`], in the order 0, 1, …
/// then the reverse.
fn interleave(mut sides: Vec<common::Call>, calls: usize) -> Vec<SideResult> {
    for call in &mut sides {
        for _ in 0..WARMUP {
            black_box(call());
        }
    }
    let n = sides.len();
    let mut walls: Vec<Vec<Duration>> = vec![Vec::with_capacity(calls); n];
    let mut thread = vec![Duration::ZERO; n];
    let mut process = vec![0u64; n];
    let rounds = calls.div_ceil(BLOCK);
    for round in 0..rounds {
        let block = BLOCK.min(calls - round * BLOCK);
        let order: Vec<usize> = if round % 2 == 0 {
            (0..n).collect()
        } else {
            (0..n).rev().collect()
        };
        for side in order {
            let call = &mut sides[side];
            let (t0, p0) = (thread_cpu(), process_ticks());
            for _ in 0..block {
                let start = Instant::now();
                black_box(call());
                walls[side].push(start.elapsed());
            }
            thread[side] += thread_cpu() - t0;
            process[side] += process_ticks() - p0;
        }
    }
    let tick = Duration::from_secs(1) / ticks_per_second();
    walls
        .into_iter()
        .zip(thread)
        .zip(process)
        .map(|((wall, thread), ticks)| SideResult {
            wall: Stats::of(wall),
            thread_cpu: thread / calls as u32,
            process_cpu: tick * ticks as u32 / calls as u32,
        })
        .collect()
}

/// The calling thread's on-CPU time (`/proc/thread-self/schedstat`, ns).
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    let ns: u64 = text
        .split_whitespace()
        .next()
        .and_then(|f| f.parse().ok())
        .expect("sum_exec_runtime");
    Duration::from_nanos(ns)
}

/// This process's `utime + stime` in clock ticks (`/proc/self/stat`).
fn process_ticks() -> u64 {
    let text = std::fs::read_to_string("/proc/self/stat").expect("stat");
    // After the command name in parentheses: state is field 3; utime 14, stime 15.
    let rest = &text[text.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| fields[n - 3].parse::<u64>().expect("a tick count");
    field(14) + field(15)
}

/// `USER_HZ`: 100 on every Linux architecture the crate is tested on.
fn ticks_per_second() -> u32 {
    100
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

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn spread(s: &Stats) -> String {
    format!("{}..{}", us(s.p10), us(s.p90))
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}
