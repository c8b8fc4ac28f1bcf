//! What one `dlurl` run costs as a whole process: `dlurl --base-url <fake>
//! datalab 42` against the fake server, spawned again and again (targets: ≤ 5 ms
//! wall, ≤ 8 MiB peak RSS).
//!
//! Run: `cargo bench --all-features --bench cli_oneshot [-- <runs>]` times the
//! `dlurl` cargo builds for the bench (all features), or the binary named by
//! `DLURL` (e.g. `cargo build --release --features cli` then
//! `DLURL=target/release/dlurl`). Peak RSS is the operating system's figure for
//! the finished process: start the fake on its own with `<this bench binary>
//! serve` (it prints the base URL and serves until stdin closes) and run
//! `/usr/bin/time -v target/release/dlurl --base-url <url> datalab 42` with
//! `DATALAB_API_KEY=fake-datalab-api-key` ("Maximum resident set size").

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    common::serve_if_asked();
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let dlurl = std::env::var("DLURL").unwrap_or_else(|_| env!("CARGO_BIN_EXE_dlurl").to_owned());
    let server = common::start_server(1, Duration::ZERO);
    let base = server.base_url();
    let run = || {
        let start = Instant::now();
        let status = Command::new(&dlurl)
            .args(["--base-url", &base, "datalab", "42"])
            .env("DATALAB_API_KEY", download_url::fake::DATALAB_API_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run dlurl");
        assert!(status.success(), "{dlurl}: {status}");
        start.elapsed()
    };
    for _ in 0..10 {
        run();
    }
    let mut times: Vec<Duration> = (0..runs).map(|_| run()).collect();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{dlurl} --base-url <fake> datalab 42: median {:.2} ms, p10 {:.2} ms, p90 {:.2} ms ({runs} runs, spawn to exit)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.1).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
    );
}
