//! What the bench targets share: the fake server (in this process, or in a child
//! process so that this process's CPU time is the client's alone), the agents, and
//! per vendor a pair of calls making the same request and decoding the same reply
//! — one through the crate, one hand-written with raw ureq + serde_json.

#![allow(dead_code)] // each bench target uses its own part

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use download_url::fake::{self, FakeServer, KooDriveFile};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive, Secret};
use serde::Deserialize;

/// The fake server (all five vendors, 250 KooDrive files) and the agents.
pub struct Env {
    /// The fake, when it runs in this process ([`use_server`] not called).
    pub server: Option<FakeServer>,
    /// Its base URL, `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// `download_url::agent()`: the crate's calls.
    pub agent: ureq::Agent,
    /// `ureq::Agent::new_with_defaults()`: what a hand-written caller uses.
    pub defaults: ureq::Agent,
    /// The crate's agent as 0.1 built it: an overall timeout (30 s) and a connect
    /// timeout (10 s), which make ureq resolve the host on a new thread per call.
    pub previous: ureq::Agent,
}

static EXTERNAL: OnceLock<String> = OnceLock::new();

/// Use the fake at `base_url` (e.g. one started by [`spawn_server`]) instead of
/// starting one in this process; call before [`env`].
pub fn use_server(base_url: String) {
    EXTERNAL.set(base_url).expect("use_server before env()");
}

/// The fake as this benches' server: all five vendors, `koodrive_files` KooDrive
/// files named `f000`, `f001`, … (`{i:03}`, wider past 999).
pub fn start_server(koodrive_files: usize, reply_delay: Duration) -> FakeServer {
    let server = FakeServer::start().expect("fake server");
    let files: Vec<KooDriveFile> = (0..koodrive_files)
        .map(|i| {
            KooDriveFile::new(
                fake::KOODRIVE_CONTAINER_ID,
                &format!("f{i:03}"),
                &format!("f{i:03}.bin"),
            )
        })
        .collect();
    server.configure(|s| {
        s.koodrive.files.extend(files);
        s.reply_delay = reply_delay;
        // A bench's server answers millions of calls and never reads its log.
        s.forget_requests = true;
    });
    server
}

/// `<bench> serve <koodrive files> <reply delay ms>`: runs the fake, prints its
/// base URL on one line, and serves until stdin closes. Returns without doing
/// anything for other arguments.
pub fn serve_if_asked() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("serve") {
        return;
    }
    let number =
        |at: usize, default: u64| args.get(at).and_then(|a| a.parse().ok()).unwrap_or(default);
    // Set by `server_from_env_or_spawn` from `placement()`.
    if let Some(cpu) = std::env::var("DLURL_BENCH_SERVER_CPU")
        .ok()
        .and_then(|cpu| cpu.parse().ok())
    {
        pin_to(cpu);
    }
    let server = start_server(number(1, 250) as usize, Duration::from_millis(number(2, 0)));
    println!("{}", server.base_url());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(server);
    std::process::exit(0);
}

/// The fake in a child process (this bench binary, `serve`): this process's CPU
/// time is then the client's alone. The child ends when the handle drops.
pub struct ServerProcess {
    child: Child,
    pub base_url: String,
}

pub fn spawn_server(
    koodrive_files: usize,
    reply_delay: Duration,
    cpu: Option<usize>,
) -> ServerProcess {
    let mut command = Command::new(std::env::current_exe().expect("bench path"));
    if let Some(cpu) = cpu {
        command.env("DLURL_BENCH_SERVER_CPU", cpu.to_string());
    }
    let mut child = command
        .args([
            "serve".to_owned(),
            koodrive_files.to_string(),
            reply_delay.as_millis().to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the fake server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the fake's base URL");
    ServerProcess {
        child,
        base_url: line.trim().to_owned(),
    }
}

/// The fake for a bench binary: the one at `DLURL_BENCH_SERVER` (a `serve`
/// started beforehand, so that a timing of the whole process is the client's
/// alone), else one spawned in a child process (kept alive by the returned
/// handle). Also makes it the server [`env`] uses, and pins this process and
/// the child as [`placement`] says (a server at `DLURL_BENCH_SERVER` is left
/// where it runs).
pub fn server_from_env_or_spawn() -> (Option<ServerProcess>, String) {
    let placement = placement();
    let (server, url) = match std::env::var("DLURL_BENCH_SERVER") {
        Ok(url) => (None, url),
        Err(_) => {
            let server = spawn_server(250, Duration::ZERO, placement.map(|(_, cpu)| cpu));
            let url = server.base_url.clone();
            (Some(server), url)
        }
    };
    if let Some((cpu, _)) = placement {
        pin_to(cpu);
    }
    use_server(url.clone());
    (server, url)
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The agent 0.1 built: overall timeout 30 s, connect 10 s, no phase timeouts.
pub fn previous_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .timeout_connect(Some(Duration::from_secs(10)))
        .user_agent("download-url/0.1.0")
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent()
}

pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let (server, base_url) = match EXTERNAL.get() {
            Some(url) => (None, url.clone()),
            None => {
                let server = start_server(250, Duration::ZERO);
                let url = server.base_url().to_string();
                (Some(server), url)
            }
        };
        Env {
            server,
            base_url,
            agent: download_url::agent(),
            defaults: ureq::Agent::new_with_defaults(),
            previous: previous_agent(),
        }
    })
}

/// Which agent a call goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The crate's call on `download_url::agent()`.
    Krate,
    /// The raw call on `ureq::Agent::new_with_defaults()`.
    Defaults,
    /// The crate's call on 0.1's agent.
    Previous,
    /// The raw call on the crate's agent: what the crate's timeouts alone (every
    /// read, write and phase bounded) cost against ureq's defaults (none). Not
    /// in [`Side::ALL`]; `only <vendor> bounded <n>`.
    Bounded,
}

impl Side {
    pub const ALL: [Side; 3] = [Side::Krate, Side::Defaults, Side::Previous];

    /// The side called `name` (as [`Side::name`] gives it).
    pub fn named(name: &str) -> Option<Side> {
        [Side::Krate, Side::Defaults, Side::Previous, Side::Bounded]
            .into_iter()
            .find(|side| side.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Side::Krate => "crate",
            Side::Defaults => "defaults",
            Side::Previous => "previous",
            Side::Bounded => "bounded",
        }
    }
}

/// `vendor`'s call for `side`.
pub fn call(vendor: &str, side: Side) -> Call {
    let env = env();
    match side {
        Side::Krate => krate(vendor, &env.agent, &env.base_url),
        Side::Previous => krate(vendor, &env.previous, &env.base_url),
        Side::Defaults => raw(vendor, &env.defaults, &env.base_url),
        Side::Bounded => raw(vendor, &env.agent, &env.base_url),
    }
}

pub const VENDORS: [&str; 5] = ["kie", "datalab", "cloudreve", "blendvision", "koodrive"];

/// One call; returns a number derived from the reply so nothing is optimised away.
pub type Call = Box<dyn FnMut() -> usize>;

/// The crate's call (on the crate's agent) and the raw call (on ureq's
/// defaults) for `vendor` (one of [`VENDORS`]).
pub fn pair(vendor: &str) -> (Call, Call) {
    (call(vendor, Side::Krate), call(vendor, Side::Defaults))
}

/// The crate's call for `vendor` on `agent`, against the fake at `base`.
pub fn krate(vendor: &str, agent: &'static ureq::Agent, base: &str) -> Call {
    match vendor {
        "kie" => kie_krate(agent, base),
        "datalab" => datalab_krate(agent, base),
        "cloudreve" => cloudreve_krate(agent, base),
        "blendvision" => blendvision_krate(agent, base),
        "koodrive" => koodrive_krate(agent, base),
        other => panic!("no vendor {other}"),
    }
}

/// The raw call for `vendor` on `agent`, against the fake at `base`.
pub fn raw(vendor: &str, agent: &'static ureq::Agent, base: &str) -> Call {
    match vendor {
        "kie" => kie_raw(agent, base),
        "datalab" => datalab_raw(agent, base),
        "cloudreve" => cloudreve_raw(agent, base),
        "blendvision" => blendvision_raw(agent, base),
        "koodrive" => koodrive_raw(agent, base),
        other => panic!("no vendor {other}"),
    }
}

const KIE_FILE: &str = "https://tempfile.aiquickdraw.com/a.png";
const BV_ID: &str = "63df97e3-519b-4426-bf01-d1841cdc2ccd";

/// The KooDrive config of the benches (app signature) for the fake at `base`.
pub fn koodrive_config_at(base: &str) -> koodrive::Config {
    let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    config.base_url = base.to_owned().into();
    config
}

pub fn koodrive_config() -> koodrive::Config {
    let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    config.base_url = env().base_url.clone().into();
    config
}

/// The raw side's KooDrive signature, computed with `ring` the same way.
pub fn raw_koodrive_authorization(host: &str, date: &str, body: &[u8]) -> String {
    let headers = [
        ("host", host),
        ("x-date", date),
        ("x-user-id", fake::KOODRIVE_USER_ID),
    ];
    let canonical = koodrive::canonical_request(
        "POST",
        "/koodrive/ose/v1/files/download",
        "",
        &headers,
        body,
    );
    let signature = koodrive::signature(
        &Secret::new(fake::KOODRIVE_APP_SECRET),
        &koodrive::string_to_sign(&canonical),
    );
    koodrive::authorization(fake::KOODRIVE_APP_ID, "host;x-date;x-user-id", &signature)
}

pub fn x_date() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// What a hand-written caller does with the reply: read the body, decode it.
fn read_json<T: serde::de::DeserializeOwned>(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> T {
    let bytes = response
        .expect("send")
        .body_mut()
        .read_to_vec()
        .expect("body");
    serde_json::from_slice(&bytes).expect("decode")
}

#[derive(Deserialize)]
struct RawKie {
    code: i64,
    data: String,
}

fn kie_krate(agent: &'static ureq::Agent, base: &str) -> Call {
    let mut config = kie::Config::new(fake::KIE_API_KEY);
    config.base_url = base.to_owned().into();
    Box::new(move || {
        let link = kie::download_link(agent, &config, KIE_FILE).expect("link");
        link.url.len()
    })
}

fn kie_raw(agent: &'static ureq::Agent, base: &str) -> Call {
    let url = format!("{base}{}", kie::PATH);
    let auth = format!("Bearer {}", fake::KIE_API_KEY);
    Box::new(move || {
        let body = serde_json::to_vec(&serde_json::json!({ "url": KIE_FILE })).expect("json");
        let raw: RawKie = read_json(
            agent
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .send(&body[..]),
        );
        assert_eq!(raw.code, 200);
        raw.data.len()
    })
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawDatalab {
    download_url: String,
    expires_in: u64,
    file_id: u64,
    original_filename: String,
}

fn datalab_krate(agent: &'static ureq::Agent, base: &str) -> Call {
    let mut config = datalab::Config::new(fake::DATALAB_API_KEY);
    config.base_url = base.to_owned().into();
    let request = datalab::Request::new(42);
    Box::new(move || {
        let link = datalab::download_link(agent, &config, &request).expect("link");
        link.url.len()
    })
}

fn datalab_raw(agent: &'static ureq::Agent, base: &str) -> Call {
    let url = format!("{base}/api/v1/files/42/download");
    Box::new(move || {
        let raw: RawDatalab = read_json(
            agent
                .get(&url)
                .header("x-api-key", fake::DATALAB_API_KEY)
                .call(),
        );
        raw.download_url.len()
    })
}

#[derive(Deserialize)]
struct RawCloudreveUrl {
    url: String,
}
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawCloudreveData {
    urls: Vec<RawCloudreveUrl>,
    expires: Option<String>,
}
#[derive(Deserialize)]
struct RawCloudreve {
    code: i64,
    data: RawCloudreveData,
}

fn cloudreve_krate(agent: &'static ureq::Agent, base: &str) -> Call {
    let mut config = cloudreve::Config::new(base);
    config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
    Box::new(move || {
        let urls = cloudreve::download_links(agent, &config, &request).expect("links");
        urls.links.len()
    })
}

fn cloudreve_raw(agent: &'static ureq::Agent, base: &str) -> Call {
    let url = format!("{base}/api/v4/file/url");
    let auth = format!("Bearer {}", fake::CLOUDREVE_TOKEN);
    Box::new(move || {
        let body =
            serde_json::to_vec(&serde_json::json!({ "uris": ["cloudreve://my/The%20Man.mp3"] }))
                .expect("json");
        let raw: RawCloudreve = read_json(
            agent
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .send(&body[..]),
        );
        assert_eq!(raw.code, 0);
        raw.data.urls.iter().map(|u| u.url.len()).sum()
    })
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawBlendVision {
    id: String,
    download_uri: String,
    download_filename: String,
    #[serde(with = "time::serde::rfc3339")]
    expiration_time: time::OffsetDateTime,
}

fn blendvision_krate(agent: &'static ureq::Agent, base: &str) -> Call {
    let mut config =
        blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    config.base_url = base.to_owned().into();
    Box::new(move || {
        let link = blendvision::download_link(agent, &config, BV_ID).expect("link");
        link.url.len()
    })
}

fn blendvision_raw(agent: &'static ureq::Agent, base: &str) -> Call {
    let url = format!("{base}/bv/cms/v1/library/files/{BV_ID}:download");
    let auth = format!("Bearer {}", fake::BLENDVISION_API_TOKEN);
    Box::new(move || {
        let raw: RawBlendVision = read_json(
            agent
                .post(&url)
                .header("authorization", &auth)
                .header("x-bv-org-id", fake::BLENDVISION_ORG_ID)
                .header("content-type", "application/json")
                .send(&b"{}"[..]),
        );
        raw.download_uri.len()
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct RawKooDriveItem {
    file_id: String,
    file_name: String,
    url: String,
    code: String,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKooDrive {
    code: i64,
    batch_code: i64,
    downloads: Vec<RawKooDriveItem>,
}

fn koodrive_krate(agent: &'static ureq::Agent, base: &str) -> Call {
    let mut config = koodrive_config();
    config.base_url = base.to_owned().into();
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    Box::new(move || {
        let batch = koodrive::download_links(agent, &config, &request).expect("links");
        batch.links.len()
    })
}

fn koodrive_raw(agent: &'static ureq::Agent, base: &str) -> Call {
    let base = base.to_owned();
    let host = base.trim_start_matches("http://").to_owned();
    let url = format!("{base}/koodrive/ose/v1/files/download");
    Box::new(move || {
        let body = serde_json::to_vec(&serde_json::json!({
            "containerId": fake::KOODRIVE_CONTAINER_ID,
            "fileIds": [fake::KOODRIVE_FILE_ID],
        }))
        .expect("json");
        let date = x_date();
        let auth = raw_koodrive_authorization(&host, &date, &body);
        let raw: RawKooDrive = read_json(
            agent
                .post(&url)
                .header("authorization", &auth)
                .header("host", &host)
                .header("x-date", &date)
                .header("x-user-id", fake::KOODRIVE_USER_ID)
                .header("language", "en-US")
                .header("content-type", "application/json")
                .send(&body[..]),
        );
        assert_eq!((raw.code, raw.batch_code), (0, 1));
        raw.downloads.iter().map(|d| d.url.len()).sum()
    })
}

// ---------------------------------------------------------------------------
// Interleaved measurement

/// Calls of one side in a row.
pub const BLOCK: usize = 50;
/// Warm-up calls per side.
pub const WARMUP: usize = 200;

/// One side's figures from [`interleave`].
pub struct SideResult {
    pub wall: Stats,
    /// Per call.
    pub thread_cpu: Duration,
    /// Per call.
    pub process_cpu: Duration,
}

/// Runs every side `calls` times, in blocks of [`BLOCK`], with the order of the
/// sides rotated every round (0 1 2, 1 2 0, 2 0 1) and reversed every `n`
/// rounds, so that each side runs first, in the middle and last, and after each
/// other side, equally often. With a plain ABBA order (0 1 2, 2 1 0) the sides
/// at the ends always follow themselves and the one in the middle never does,
/// so any effect of position falls on some sides only. A side measured against
/// itself (`DLURL_BENCH_SIDES=defaults,defaults,defaults`) is the control of
/// what remains: on the 2-core VM single runs of it spread by ±2–3 %.
pub fn interleave(mut sides: Vec<Call>, calls: usize) -> Vec<SideResult> {
    for call in &mut sides {
        for _ in 0..WARMUP {
            black_box(call());
        }
    }
    let n = sides.len();
    let mut walls: Vec<Vec<Duration>> = vec![Vec::with_capacity(calls); n];
    let mut thread = vec![Duration::ZERO; n];
    let mut process = vec![Duration::ZERO; n];
    let rounds = calls.div_ceil(BLOCK);
    for round in 0..rounds {
        let block = BLOCK.min(calls - round * BLOCK);
        let mut order: Vec<usize> = (0..n).collect();
        order.rotate_left(round % n);
        if (round / n) % 2 == 1 {
            order.reverse();
        }
        for side in order {
            let call = &mut sides[side];
            let (t0, p0) = (thread_cpu(), process_cpu());
            for _ in 0..block {
                let start = Instant::now();
                black_box(call());
                walls[side].push(start.elapsed());
            }
            thread[side] += thread_cpu() - t0;
            process[side] += process_cpu() - p0;
        }
    }
    walls
        .into_iter()
        .zip(thread)
        .zip(process)
        .map(|((wall, thread), process)| SideResult {
            wall: Stats::of(wall),
            thread_cpu: thread / calls as u32,
            process_cpu: process / calls as u32,
        })
        .collect()
}

/// The calling thread's on-CPU time (`/proc/thread-self/schedstat`, ns).
pub fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    let ns: u64 = text
        .split_whitespace()
        .next()
        .and_then(|f| f.parse().ok())
        .expect("sum_exec_runtime");
    Duration::from_nanos(ns)
}

/// This process's CPU time, every thread included, exited ones too
/// (`CLOCK_PROCESS_CPUTIME_ID`, exact to the nanosecond; `/proc/self/stat`'s
/// `utime + stime` counts 10 ms ticks).
pub fn process_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

// ---------------------------------------------------------------------------
// Where the client and the fake run

/// The CPUs of the client and of the fake server in a child process, from
/// `DLURL_BENCH_PIN`:
///
/// - `apart` (the default): the client on the first CPU this process may use,
///   the server on the last, as a vendor's server is another machine;
/// - `same`: both on the first (every wake-up stays on one core, and the
///   server's work and cache traffic share it with the client's);
/// - `none`: wherever the scheduler puts them.
///
/// Unpinned, the scheduler places the server's per-connection threads anew in
/// every run: on this 2-core VM a reply is about 25 µs slower when it crosses
/// cores, so each side of a run landed on one core or on two by chance, and
/// the same call measured 0.48× to 2.55× against itself (see benches/README).
/// Pinned, each side of a run gets the same placement. `None` when unpinned,
/// or when only one CPU is allowed and `apart` is asked for.
pub fn placement() -> Option<(usize, usize)> {
    // Decided once: pinning this process changes what it may use.
    static PLACEMENT: OnceLock<Option<(usize, usize)>> = OnceLock::new();
    *PLACEMENT.get_or_init(decide_placement)
}

fn decide_placement() -> Option<(usize, usize)> {
    let cpus = allowed_cpus();
    let (first, last) = (*cpus.first()?, *cpus.last()?);
    match std::env::var("DLURL_BENCH_PIN").as_deref() {
        Ok("none") => None,
        Ok("same") => Some((first, first)),
        Ok("apart") | Err(_) if first != last => Some((first, last)),
        Ok("apart") | Err(_) => None,
        Ok(other) => panic!("DLURL_BENCH_PIN={other}: use apart, same or none"),
    }
}

/// The CPUs this process may run on, in order.
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; the size is its own.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
            .collect()
    }
}

/// Keeps this process (its threads, and any it starts later) on `cpu`; says so
/// on stderr when the system refuses (the bench then runs unpinned).
pub fn pin_to(cpu: usize) {
    // SAFETY: as in `allowed_cpus`; `cpu` is below CPU_SETSIZE (it came from it).
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set)
    };
    if rc != 0 {
        let why = std::io::Error::last_os_error();
        eprintln!("could not pin to CPU {cpu} ({why}): running unpinned");
    }
}

/// What [`placement`] chose, for a bench's header line.
pub fn placement_text() -> String {
    match placement() {
        Some((client, server)) if client == server => {
            format!("client and fake both on CPU {client}")
        }
        Some((client, server)) => format!("client on CPU {client}, fake on CPU {server}"),
        None => "unpinned".to_owned(),
    }
}

pub struct Stats {
    pub p10: Duration,
    pub median: Duration,
    pub p90: Duration,
}

impl Stats {
    pub fn of(mut samples: Vec<Duration>) -> Stats {
        samples.sort_unstable();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Stats {
            p10: at(0.1),
            median: at(0.5),
            p90: at(0.9),
        }
    }
}

pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

pub fn spread(s: &Stats) -> String {
    format!("{}..{}", us(s.p10), us(s.p90))
}

pub fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}
