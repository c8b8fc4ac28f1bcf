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
//! `BLOCK` (50) calls, after a warm-up, their order rotated every round and
//! reversed every third (see `common::interleave`), so that drift over seconds and
//! any effect of position hit every side alike. `DLURL_BENCH_SIDES` picks other
//! sides (`defaults,defaults,defaults` is the control), `DLURL_BENCH_VENDORS`
//! some vendors only.
//!
//! Reported per side:
//!
//! - wall: the median (and 10th..90th percentiles) of every call's `Instant` time;
//! - thread CPU: the calling thread's on-CPU time from `/proc/thread-self/schedstat`
//!   (its first field, the scheduler's `sum_exec_runtime`, in nanoseconds), read
//!   before and after each block, summed per side, divided by the calls. With the
//!   server out of process the calling thread is the only busy thread for
//!   `crate` and `defaults`;
//! - process CPU: `CLOCK_PROCESS_CPUTIME_ID` (every thread, exited ones
//!   included, so `previous`' resolver threads count), read around each block,
//!   summed per side, divided by the calls.
//!
//! The client and the fake run on CPUs of their own: `DLURL_BENCH_PIN` is
//! `apart` (the default: client on the first allowed CPU, fake on the last, as a
//! vendor's server is another machine), `same` (both on one) or `none` (see
//! `common::placement` for why unpinned runs are not comparable).
//!
//! Run: `cargo bench --all-features --bench ratio` (optionally followed by
//! `-- <calls per side>`, default 3000). `-- io [calls]` compares the crate's
//! agent with one bounding each read and write instead (an experiment, see
//! `io_timeouts`). `-- dns [calls]` compares the crate's
//! kie.ai call with a base URL naming `localhost` and `127.0.0.1`. `-- only
//! <vendor> <crate|defaults|previous> <n>` makes n calls of one side only, to
//! count instructions with callgrind (the server's child process is not traced),
//! `bounded` being a fourth side there (the raw call on the crate's agent: the
//! cost of its timeouts alone),
//! or to time whole processes side by side; with `DLURL_BENCH_SERVER` set to the
//! URL a `ratio serve` printed, no server is started and the process is the
//! client alone (`ratio serve` keeps serving until its stdin closes).

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{interleave, ratio, spread, us, Side, BLOCK};

fn main() {
    common::serve_if_asked();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (_server, base_url) = common::server_from_env_or_spawn();

    if let [only, vendor, side, n] = &args[..] {
        if only == "only" {
            let side = Side::named(side).unwrap_or_else(|| panic!("no side {side}"));
            let mut call = common::call(vendor, side);
            for _ in 0..n.parse::<usize>().expect("a call count") {
                black_box(call());
            }
            return;
        }
    }
    if args.first().map(String::as_str) == Some("io") {
        let calls = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3000);
        return io_timeouts(calls);
    }
    if args.first().map(String::as_str) == Some("dns") {
        let calls = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3000);
        return dns(&base_url, calls);
    }
    // A bare number is the call count per side.
    let calls: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(3000);
    println!(
        "interleaved in blocks of {BLOCK}, {calls} calls per side, keep-alive, fake in a child process; {}",
        common::placement_text()
    );
    println!(
        "{:<12} {:>9} {:>9} {:>9} {:>7} {:>7} | {:>9} {:>9} {:>9} {:>7} {:>7} | {:>9} {:>9} {:>9} {:>7} {:>7}",
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
        "c/d",
        "p/d",
    );
    // `DLURL_BENCH_VENDORS=datalab,cloudreve` measures only those.
    let only = std::env::var("DLURL_BENCH_VENDORS").unwrap_or_default();
    for vendor in common::VENDORS {
        if !only.is_empty() && !only.split(',').any(|v| v == vendor) {
            continue;
        }
        if let Ok(names) = std::env::var("DLURL_BENCH_SIDES") {
            compare(vendor, &names, calls);
            continue;
        }
        let sides: Vec<common::Call> = Side::ALL
            .iter()
            .map(|side| common::call(vendor, *side))
            .collect();
        let results = interleave(sides, calls);
        let [k, d, p] = &results[..] else {
            unreachable!()
        };
        println!(
            "{vendor:<12} {:>9} {:>9} {:>9} {:>7.3} {:>7.3} | {:>9} {:>9} {:>9} {:>7.3} {:>7.3} | {:>9} {:>9} {:>9} {:>7.3} {:>7.3}",
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
            ratio(k.process_cpu, d.process_cpu),
            ratio(p.process_cpu, d.process_cpu),
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

/// `DLURL_BENCH_SIDES=crate,defaults,defaults` (any sides, repeats allowed):
/// those sides interleaved, each reported against the second. A side against
/// itself is the control: it shows what the interleaving alone makes of two
/// equal sides.
fn compare(vendor: &str, names: &str, calls: usize) {
    let sides: Vec<Side> = names
        .split(',')
        .map(|name| Side::named(name).unwrap_or_else(|| panic!("no side {name}")))
        .collect();
    let results = interleave(
        sides
            .iter()
            .map(|side| common::call(vendor, *side))
            .collect(),
        calls,
    );
    let base = &results[1.min(results.len() - 1)];
    for (side, result) in sides.iter().zip(&results) {
        println!(
            "{vendor:<12} {:<9} wall {:>9} {:>7.3}  thread CPU {:>9} {:>7.3}",
            side.name(),
            us(result.wall.median),
            ratio(result.wall.median, base.wall.median),
            us(result.thread_cpu),
            ratio(result.thread_cpu, base.thread_cpu),
        );
    }
}

/// An experiment: the crate's call on `download_url::agent()` (every phase bounded
/// by 30 s), on an agent whose reads and writes are bounded by 30 s each and its
/// phases by 60 s, and the raw call on ureq's defaults. ureq sets a socket's
/// timeout again whenever the value changes; a phase deadline changes it on
/// every read and write, a per-read/per-write bound below the phase's remaining
/// time does not.
fn io_timeouts(calls: usize) {
    let env = common::env();
    let io: &'static ureq::Agent = Box::leak(Box::new(
        download_url::agent_config(Duration::from_secs(60))
            .timeout_per_read(Some(Duration::from_secs(30)))
            .timeout_per_write(Some(Duration::from_secs(30)))
            .build()
            .new_agent(),
    ));
    println!("{calls} calls per side: crate agent / per-read+write 30 s agent / ureq defaults");
    // `DLURL_BENCH_VENDORS=datalab,cloudreve` measures only those.
    let only = std::env::var("DLURL_BENCH_VENDORS").unwrap_or_default();
    for vendor in common::VENDORS {
        if !only.is_empty() && !only.split(',').any(|v| v == vendor) {
            continue;
        }
        let sides = vec![
            common::krate(vendor, &env.agent, &env.base_url),
            common::krate(vendor, io, &env.base_url),
            common::raw(vendor, &env.defaults, &env.base_url),
        ];
        let r = interleave(sides, calls);
        println!(
            "{vendor:<12} wall {} / {} / {} ({:.3} / {:.3}), thread CPU {} / {} / {} ({:.3} / {:.3})",
            us(r[0].wall.median),
            us(r[1].wall.median),
            us(r[2].wall.median),
            ratio(r[0].wall.median, r[2].wall.median),
            ratio(r[1].wall.median, r[2].wall.median),
            us(r[0].thread_cpu),
            us(r[1].thread_cpu),
            us(r[2].thread_cpu),
            ratio(r[0].thread_cpu, r[2].thread_cpu),
            ratio(r[1].thread_cpu, r[2].thread_cpu),
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
