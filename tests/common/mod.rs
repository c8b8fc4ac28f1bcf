//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod tls_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// An agent with a short overall timeout, so that fault tests end quickly.
pub fn quick_agent() -> ureq::Agent {
    download_url::agent_with_timeout(Duration::from_secs(2))
}

/// An agent with every timeout ureq has set to `d` (and no proxy).
pub fn agent_with_every_timeout(d: Duration) -> ureq::Agent {
    let d = Some(d);
    ureq::Agent::config_builder()
        .proxy(None)
        .timeout_global(d)
        .timeout_per_call(d)
        .timeout_resolve(d)
        .timeout_connect(d)
        .timeout_send_request(d)
        .timeout_await_100(d)
        .timeout_send_body(d)
        .timeout_recv_response(d)
        .timeout_recv_body(d)
        .timeout_per_read(d)
        .timeout_per_write(d)
        .build()
        .new_agent()
}

/// `dlurl args` with only `env`, stdin empty and stdout `/dev/full` (every write
/// fails: no space left); `None` where there is no `/dev/full`.
pub fn dlurl_to_full_stdout(args: &[&str], env: &[(&str, &str)]) -> Option<std::process::Output> {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .ok()?;
    let output = Command::new(dlurl_path())
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    Some(output)
}

/// The `dlurl` binary that cargo built for these tests (feature `cli`).
pub fn dlurl_path() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_dlurl") {
        Some(path) => PathBuf::from(path),
        None => panic!("dlurl was not built: run the tests with `cargo test --features cli,fake`"),
    }
}

/// Output of one `dlurl` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `dlurl` with `args` and exactly the environment variables in `env`
/// (plus PATH), so that no credential of the developer's shell leaks in.
pub fn dlurl(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(dlurl_path());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run dlurl");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Display and Debug of `err` and of every error in its source chain.
pub fn error_texts(err: &download_url::Error) -> Vec<String> {
    let mut texts = vec![format!("{err}"), format!("{err:?}")];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        texts.push(format!("{s}"));
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    texts
}

/// Asserts `marker` appears nowhere in the Debug and Display of `err` or its source chain.
pub fn assert_no_marker(err: &download_url::Error, marker: &str) {
    for text in error_texts(err) {
        assert!(!text.contains(marker), "marker leaked: {text}");
    }
}

/// Marker credentials, one distinct marker per credential, that the fake is
/// configured to accept, for the tests that search every output for them.
pub mod markers {
    pub const KIE_KEY: &str = "kiekey-MARKER-a1";
    pub const DATALAB_KEY: &str = "dlkey-MARKER-b2";
    pub const CR_TOKEN: &str = "crtoken-MARKER-c3";
    pub const CR_TICKET: &str = "crticket-MARKER-d4";
    pub const CR_SHARE_PASSWORD: &str = "crsharepw-MARKER-e5";
    pub const BV_TOKEN: &str = "bvtoken-MARKER-f6";
    pub const KD_TOKEN: &str = "kdtoken-MARKER-g7";
    pub const KD_SECRET: &str = "kdsecret-MARKER-h8";

    /// Every marker above.
    pub const ALL: [&str; 8] = [
        KIE_KEY,
        DATALAB_KEY,
        CR_TOKEN,
        CR_TICKET,
        CR_SHARE_PASSWORD,
        BV_TOKEN,
        KD_TOKEN,
        KD_SECRET,
    ];
}

/// A `dlurl` run under a watchdog, with the child's peak resident memory.
#[derive(Debug)]
pub struct WatchedRun {
    pub run: Run,
    /// The child's peak resident set (KiB), from `wait4`'s `ru_maxrss`; `None`
    /// off Linux.
    pub peak_rss_kib: Option<u64>,
}

/// Like [`dlurl`], but the child is polled every 5 ms: after `limit` it is killed
/// and the test fails (a hang must not hang the test suite). On Linux the child
/// is reaped with `wait4`, whose `ru_maxrss` is the kernel's own peak RSS of the
/// whole run, however briefly it ran (reading `VmHWM` from `/proc` while it runs
/// misses a child that exits before the first look). It is an upper bound: until
/// its `exec` the child shares this test process's memory, which counts too.
pub fn dlurl_watched(args: &[&str], env: &[(&str, &str)], limit: Duration) -> WatchedRun {
    use std::io::Read;
    use std::time::Instant;

    let mut cmd = Command::new(dlurl_path());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn dlurl");
    // Drain both pipes on their own threads so that a chatty child cannot block.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut out);
            }
            String::from_utf8_lossy(&out).into_owned()
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let (code, peak) = loop {
        if let Some(done) = try_wait_with_peak(&mut child) {
            break done;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dlurl {args:?} still running after {limit:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    WatchedRun {
        run: Run {
            code,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        },
        peak_rss_kib: peak,
    }
}

/// The exit code and peak RSS (KiB) of `child` once it has exited, reaping it.
#[cfg(target_os = "linux")]
fn try_wait_with_peak(child: &mut std::process::Child) -> Option<(i32, Option<u64>)> {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, for which all-zero bytes are valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals of the right types; `pid` is our
    // own unreaped child (std reaps only in `wait`/`try_wait`, not used here).
    let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
    assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
    if reaped == 0 {
        return None;
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Some((code, u64::try_from(usage.ru_maxrss).ok()))
}

#[cfg(not(target_os = "linux"))]
fn try_wait_with_peak(child: &mut std::process::Child) -> Option<(i32, Option<u64>)> {
    let status = child.try_wait().expect("poll dlurl")?;
    Some((status.code().unwrap_or(-1), None))
}

/// The HTTP message in `bytes` once it is complete (its head, then as many body
/// bytes as its `Content-Length` says), as text; `None` while more must be read.
pub fn complete_message(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    (body.len() >= length).then_some(text)
}

/// A fresh folder under the system's temporary folder, named after the test
/// process, a counter and `name`; removed with everything in it when dropped,
/// so that tests leave nothing behind.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dlurl-test-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// The path as text (the temporary folder's path is UTF-8 here).
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The crate's own temporary files (`.dlurl-` in the name) in `dir`, sorted.
pub fn temporaries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".dlurl-"))
        .collect();
    names.sort();
    names
}
