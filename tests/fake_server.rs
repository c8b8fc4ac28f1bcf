#![cfg(feature = "fake")]
//! The fake server, as users run it in their own tests, stops cleanly: a
//! connection thread writing to a client that never reads ends (write timeout,
//! and `Drop` shuts the socket down and joins it within a bound), and accept
//! errors (EMFILE) are backed off instead of spun on.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use download_url::fake::FakeServer;

/// Drops `server` on another thread and waits for that, so that a `Drop` that
/// hangs fails the test instead of hanging it.
fn drop_within(server: FakeServer, bound: Duration) {
    let (done, wait) = mpsc::channel();
    thread::spawn(move || {
        drop(server);
        let _ = done.send(());
    });
    assert!(
        wait.recv_timeout(bound).is_ok(),
        "dropping the FakeServer did not return within {bound:?}"
    );
}

/// Polls `check` until it holds or `bound` passes; whether it held.
fn eventually(bound: Duration, mut check: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + bound;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Opens a connection and sends one request for `path`, reading nothing back.
fn send_request(addr: SocketAddr, path: &str) -> TcpStream {
    let mut client = TcpStream::connect(addr).unwrap();
    write!(
        client,
        "POST {path} HTTP/1.1\r\nHost: fake.test\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    )
    .unwrap();
    client
}

/// Reads one response with a `Content-Length`; its head and body as text.
fn read_response(client: &mut TcpStream) -> String {
    client
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return text;
            }
        }
        let n = client
            .read(&mut chunk)
            .expect("reading the fake's response");
        assert!(n > 0, "the fake closed before a whole response: {text:?}");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A request whose reply (64 MiB) is far more than the socket buffers hold, from
/// a client that never reads: the connection thread blocks in a write.
#[cfg(feature = "kie")]
fn stuck_writer(server: &FakeServer) -> TcpStream {
    use download_url::fake::FakeReply;
    use download_url::Vendor;

    server.push(
        Vendor::Kie,
        FakeReply::raw(200, "application/octet-stream", vec![0; 64 << 20]),
    );
    let client = send_request(server.addr(), download_url::kie::PATH);
    assert!(
        eventually(Duration::from_secs(20), || server.request_count() == 1),
        "the fake never read the request"
    );
    client
}

#[cfg(feature = "kie")]
#[test]
fn drop_ends_a_connection_writing_to_a_client_that_never_reads() {
    let server = FakeServer::start().unwrap();
    let threads = server.threads();
    let client = stuck_writer(&server);
    // Give the thread time to fill the socket buffers and block in `write`.
    thread::sleep(Duration::from_millis(200));
    assert_eq!(threads.connections(), 1);

    drop_within(server, Duration::from_secs(30));
    assert_eq!(
        threads.connections(),
        0,
        "a connection thread outlived the FakeServer"
    );
    assert!(
        !threads.accepting(),
        "the accept loop outlived the FakeServer"
    );
    drop(client);
}

#[cfg(feature = "kie")]
#[test]
fn a_write_to_a_client_that_never_reads_times_out() {
    let server = FakeServer::start().unwrap();
    server.set_write_timeout(Duration::from_millis(200));
    let threads = server.threads();
    let _client = stuck_writer(&server);

    assert!(
        eventually(Duration::from_secs(20), || threads.connections() == 0),
        "the connection thread is still writing to a client that never reads"
    );
    // The server itself carries on.
    let mut other = send_request(server.addr(), "/no/such/endpoint");
    assert!(read_response(&mut other).starts_with("HTTP/1.1 404"));
}

#[cfg(feature = "kie")]
#[test]
fn drop_ends_a_dripping_connection() {
    use download_url::fake::Fault;
    use download_url::Vendor;

    let server = FakeServer::start().unwrap();
    let threads = server.threads();
    // One byte an hour: the thread sleeps between bytes.
    server.push_fault(Vendor::Kie, Fault::Drip(Duration::from_secs(3600)));
    let _client = send_request(server.addr(), download_url::kie::PATH);
    assert!(eventually(Duration::from_secs(20), || server
        .request_count()
        == 1));
    thread::sleep(Duration::from_millis(100));

    drop_within(server, Duration::from_secs(30));
    assert_eq!(
        threads.connections(),
        0,
        "the dripping thread outlived Drop"
    );
}

#[test]
fn drop_ends_idle_keep_alive_connections() {
    let server = FakeServer::start().unwrap();
    let threads = server.threads();
    let mut clients: Vec<TcpStream> = (0..4)
        .map(|_| send_request(server.addr(), "/no/such/endpoint"))
        .collect();
    for client in &mut clients {
        assert!(read_response(client).starts_with("HTTP/1.1 404"));
    }
    assert_eq!(threads.connections(), 4);
    assert!(threads.accepting());

    drop_within(server, Duration::from_secs(30));
    assert_eq!(threads.connections(), 0);
    assert!(!threads.accepting());
    // The fake closed its side: each client reads the end of the stream.
    for client in &mut clients {
        client
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        assert_eq!(client.read(&mut [0u8; 16]).unwrap_or(0), 0);
    }
}

/// The environment variable that makes [`accept_backoff_child`] run.
#[cfg(target_os = "linux")]
const CHILD_ENV: &str = "DOWNLOAD_URL_FAKE_EMFILE_CHILD";

/// Running out of file descriptors makes `accept` fail (EMFILE) for as long as a
/// connection waits in the backlog; the accept loop must back off, not spin.
/// Starving a process of descriptors would break the other tests of this binary,
/// so the check runs in a child process (this test binary again, with a low
/// `ulimit -n`, running only [`accept_backoff_child`]).
#[cfg(target_os = "linux")]
#[test]
fn accept_errors_back_off_instead_of_spinning() {
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 256 2>/dev/null; exec "$0" "$@""#)
        .arg(&exe)
        .args([
            "--exact",
            "accept_backoff_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the child failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the child did not run the test\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("child checked"), "{stdout}");
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "run in a child process by accept_errors_back_off_instead_of_spinning"]
fn accept_backoff_child() {
    use std::fs::File;
    use std::io::{Seek, SeekFrom};

    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    /// utime + stime of the thread whose `stat` file this is, in milliseconds
    /// (USER_HZ, the unit of /proc, is 100 on Linux).
    fn cpu_ms(stat: &mut File) -> u64 {
        let mut text = String::new();
        stat.seek(SeekFrom::Start(0)).unwrap();
        stat.read_to_string(&mut text).unwrap();
        let fields: Vec<&str> = text[text.rfind(')').unwrap() + 1..]
            .split_whitespace()
            .collect();
        // After the command name: field 3 (state) is fields[0]; utime and stime
        // are fields 14 and 15.
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        ticks * 10
    }

    let server = FakeServer::start().unwrap();
    // The accept thread's /proc stat file, opened while descriptors are left (the
    // thread names itself once it runs, hence the wait).
    let find = || {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(Result::ok)
            .find(|task| {
                std::fs::read_to_string(task.path().join("comm"))
                    .is_ok_and(|comm| comm.trim() == "fake-accept")
            })
            .map(|task| File::open(task.path().join("stat")).unwrap())
    };
    let mut found = None;
    assert!(
        eventually(Duration::from_secs(20), || {
            found = find();
            found.is_some()
        }),
        "no fake-accept thread in /proc/self/task"
    );
    let mut stat = found.unwrap();

    // Use up every descriptor but one, for a client. (The accept thread, blocked
    // in `accept`, has reserved the descriptor of the next connection already.)
    let mut hold = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(file) => hold.push(file),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(24), "expected EMFILE: {e}");
                break;
            }
        }
        assert!(hold.len() < 1 << 20, "no descriptor limit");
    }
    drop(hold.pop());
    let threads = server.threads();
    let mut first = send_request(server.addr(), "/no/such/endpoint");
    assert!(read_response(&mut first).starts_with("HTTP/1.1 404"));
    assert_eq!(server.connections(), 1);

    // Now every `accept` fails with EMFILE. A spinning accept loop burns a whole
    // core (~500 ms of CPU here, well over 100 ms even on a busy machine) and
    // fails hundreds of thousands of times; one that backs off, next to nothing.
    thread::sleep(Duration::from_millis(50));
    let (cpu_before, errors_before) = (cpu_ms(&mut stat), threads.accept_errors());
    thread::sleep(Duration::from_millis(500));
    let spent = cpu_ms(&mut stat) - cpu_before;
    let errors = threads.accept_errors() - errors_before;
    assert!(errors > 0, "accept did not fail: the check is void");
    assert!(
        spent < 100 && errors < 1000,
        "the accept loop used {spent} ms of CPU and failed {errors} times in 500 ms"
    );

    // Descriptors back: a new connection is accepted and answered.
    drop(hold);
    drop(first);
    let mut second = send_request(server.addr(), "/no/such/endpoint");
    assert!(read_response(&mut second).starts_with("HTTP/1.1 404"));
    assert_eq!(server.connections(), 2);
    drop_within(server, Duration::from_secs(30));
    println!("child checked: {spent} ms of accept-loop CPU, {errors} accept errors in 500 ms");
}

/// A fake told to forget requests keeps no log (a benchmark's server would
/// otherwise grow without bound); by default every request is kept.
#[cfg(feature = "kie")]
#[test]
fn forgetting_requests_keeps_no_log() {
    use download_url::{agent, fake, kie};
    let agent = agent();
    for forget in [false, true] {
        let server = FakeServer::start().unwrap();
        server.configure(|s| s.forget_requests = forget);
        let mut config = kie::Config::new(fake::KIE_API_KEY);
        config.base_url = server.base_url();
        for _ in 0..3 {
            kie::download_link(&agent, &config, "https://tempfile.aiquickdraw.com/a.png").unwrap();
        }
        assert_eq!(server.request_count(), if forget { 0 } else { 3 });
        assert_eq!(server.requests().is_empty(), forget);
    }
}
