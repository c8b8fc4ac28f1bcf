//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// An agent with a short overall timeout, so that fault tests end quickly.
pub fn quick_agent() -> ureq::Agent {
    download_url::agent_with_timeout(Duration::from_secs(2))
}

/// The `dlurl` example binary that `cargo test --all-features` built beside the tests.
pub fn dlurl_path() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/examples/dlurl
    let dir = exe.parent().and_then(|p| p.parent()).expect("target dir");
    let path = dir
        .join("examples")
        .join(format!("dlurl{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --all-features`",
        path.display()
    );
    path
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

/// Asserts `marker` appears nowhere in the Debug and Display of `err` or its source chain.
pub fn assert_no_marker(err: &download_url::Error, marker: &str) {
    let mut texts = vec![format!("{err}"), format!("{err:?}")];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        texts.push(format!("{s}"));
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    for text in texts {
        assert!(!text.contains(marker), "marker leaked: {text}");
    }
}
