//! In-process fake vendor servers for offline tests and the CLI demo (feature `fake`).
//!
//! [`FakeServer::start`] listens on `127.0.0.1:0` and speaks every enabled vendor's
//! endpoint on its real path, checking requests the way the vendor does (auth
//! scheme and credential, required headers, body shape) and answering with the
//! vendor documentation's example bodies. Tests can queue any reply or a transport
//! [`Fault`] per vendor, count TCP connections and inspect every request.
//!
//! ```
//! # #[cfg(feature = "kie")] {
//! use download_url::{fake::{FakeReply, FakeServer}, kie, Vendor};
//!
//! let server = FakeServer::start()?;
//! server.push(Vendor::Kie, FakeReply::json(200, serde_json::json!({"code": 402, "msg": "no credits"})));
//! let mut config = kie::Config::new(download_url::fake::KIE_API_KEY);
//! config.base_url = server.base_url();
//! let err = kie::download_link(&download_url::agent(), &config, "https://x.example/a").unwrap_err();
//! assert_eq!(err.code(), Some(402));
//! assert_eq!(server.requests().len(), 1);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The fake also answers as an HTTP proxy that leads to itself: a `CONNECT host:port`
//! gets `200` and the tunnel is served by the fake, and an absolute-form request
//! (`POST http://host/path HTTP/1.1`) is routed by its path. Either way the host
//! asked for is kept in [`RecordedRequest::authority`]. With
//! `ureq::Proxy::new(&server.base_url())` a test can call a non-loopback URL such
//! as `http://files.lan.example` while every byte stays on 127.0.0.1 (ureq tunnels
//! through an HTTP proxy with `CONNECT` and resolves no target host name).
//!
//! HTTP parsing uses `httparse` (already in ureq's dependency tree); the socket
//! handling is written here so that faults (a stalled body, a connection closed
//! mid-body) can be produced exactly.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crate::Vendor;

use self::wire::{gzip_bomb, head, split_absolute_form, write_filler};

#[cfg(feature = "blendvision")]
mod blendvision;
#[cfg(feature = "cloudreve")]
mod cloudreve;
#[cfg(feature = "datalab")]
mod datalab;
pub mod files;
#[cfg(feature = "kie")]
mod kie;
#[cfg(feature = "koodrive")]
mod koodrive;
pub mod presets;
mod wire;

pub use self::settings::*;

mod settings {
    /// The API key the fake kie.ai accepts by default.
    pub const KIE_API_KEY: &str = "fake-kie-api-key";
    /// The access token the fake Cloudreve accepts by default.
    pub const CLOUDREVE_TOKEN: &str = "fake-cloudreve-access-token";
    /// A refresh token the fake Cloudreve knows: sent as the access token, it gets code 40020.
    pub const CLOUDREVE_REFRESH_TOKEN: &str = "fake-cloudreve-refresh-token";
    /// The API key the fake Datalab accepts by default.
    pub const DATALAB_API_KEY: &str = "fake-datalab-api-key";
    /// The `X-User-Id` the fake KooDrive accepts by default.
    pub const KOODRIVE_USER_ID: &str = "1505084218764547200";
    /// The access token the fake KooDrive accepts by default (as `Bearer <token>`).
    pub const KOODRIVE_TOKEN: &str = "fake-koodrive-access-token";
    /// The app id the fake KooDrive accepts by default.
    pub const KOODRIVE_APP_ID: &str = "fake-koodrive-app-id";
    /// The app secret the fake KooDrive verifies signatures with by default.
    pub const KOODRIVE_APP_SECRET: &str = "fake-koodrive-app-secret";
    /// The API token the fake BlendVision One accepts by default.
    pub const BLENDVISION_API_TOKEN: &str = "fake-blendvision-api-token";
    /// The organization id the fake BlendVision One requires by default.
    pub const BLENDVISION_ORG_ID: &str = "fake-blendvision-org-id";

    /// What the fake vendors accept and serve; change it with
    /// [`FakeServer::configure`](super::FakeServer::configure).
    #[derive(Debug, Clone, Default)]
    #[non_exhaustive]
    pub struct Settings {
        /// kie.ai.
        #[cfg(feature = "kie")]
        pub kie: super::kie::KieSettings,
        /// Cloudreve v4.
        #[cfg(feature = "cloudreve")]
        pub cloudreve: super::cloudreve::CloudreveSettings,
        /// Datalab.
        #[cfg(feature = "datalab")]
        pub datalab: super::datalab::DatalabSettings,
        /// KooDrive.
        #[cfg(feature = "koodrive")]
        pub koodrive: super::koodrive::KooDriveSettings,
        /// BlendVision One.
        #[cfg(feature = "blendvision")]
        pub blendvision: super::blendvision::BlendVisionSettings,
        /// How long every reply waits before it is written (default zero), for
        /// every vendor: stands in for network and server latency, e.g. to
        /// measure how a batch's concurrent calls overlap. Each connection
        /// waits on its own, so concurrent calls wait side by side.
        pub reply_delay: std::time::Duration,
        /// Keep no log of requests (default `false`: every request is kept for
        /// [`FakeServer::requests`](super::FakeServer::requests)). For a fake
        /// serving a benchmark's millions of calls, whose log would otherwise
        /// grow without bound and slow the server down as it grows.
        pub forget_requests: bool,
    }
}

#[cfg(feature = "blendvision")]
pub use self::blendvision::{BlendVisionFile, BlendVisionSettings};
#[cfg(feature = "cloudreve")]
pub use self::cloudreve::{CloudreveSettings, FakeShare};
#[cfg(feature = "datalab")]
pub use self::datalab::{DatalabSettings, FakeFile};
#[cfg(feature = "kie")]
pub use self::kie::KieSettings;
#[cfg(feature = "koodrive")]
pub use self::koodrive::{KooDriveFile, KooDriveSettings, KOODRIVE_CONTAINER_ID, KOODRIVE_FILE_ID};

/// A request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Which vendor's endpoint it hit (`None`: no endpoint matched).
    pub vendor: Option<Vendor>,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path as sent (still percent-encoded), without the query. For an
    /// absolute-form target (`POST http://host/p HTTP/1.1`) the `scheme://authority`
    /// part is stripped (see [`authority`](Self::authority)); for a `CONNECT` it is
    /// the `host:port` asked for.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Headers with lowercase names, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The `host[:port]` the request was addressed to when the fake acted as an
    /// HTTP proxy: the authority of an absolute-form request target, or the one of
    /// the `CONNECT` that opened the tunnel the request came through. `None` for a
    /// request sent to the fake directly.
    pub authority: Option<String>,
}

impl RecordedRequest {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        crate::url::query_param(&format!("x?{query}"), name)
    }
}

/// A reply the fake sends: a complete HTTP response or a transport fault.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FakeReply {
    /// A complete response.
    Response {
        /// HTTP status.
        status: u16,
        /// Extra headers (Content-Length is added).
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: Vec<u8>,
    },
    /// A misbehaving server.
    Fault(Fault),
}

impl FakeReply {
    /// A JSON response.
    pub fn json(status: u16, body: serde_json::Value) -> FakeReply {
        FakeReply::raw(status, "application/json", body.to_string())
    }

    /// A response with any content type and body.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> FakeReply {
        FakeReply::Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// Adds a header to a [`FakeReply::Response`] (no effect on a fault).
    pub fn with_header(mut self, name: &str, value: &str) -> FakeReply {
        if let FakeReply::Response { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// Ways the fake can misbehave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 502 with an HTML gateway page.
    Html502,
    /// The vendor's normal reply, cut in the middle (Content-Length matches the cut).
    TruncatedJson,
    /// Headers promising a body, then nothing for this long (then the connection closes).
    StallBody(Duration),
    /// Headers promising the full normal reply, half of it, then the connection closes.
    CloseMidBody,
    /// HTTP 200 JSON whose body is this many bytes.
    Oversized(usize),
    /// HTTP 429 with this `Retry-After` value and a plain-text body.
    RateLimited(String),
    /// HTTP 200 JSON sent with `Transfer-Encoding: chunked` (no length up front),
    /// this many bytes in all.
    OversizedChunked(usize),
    /// HTTP 200 JSON with `Content-Encoding: gzip`: a small compressed body that
    /// inflates to this many bytes.
    GzipBomb(usize),
    /// The normal reply, one byte every this often.
    Drip(Duration),
    /// The request is read, then the connection closes before any status line.
    CloseBeforeStatus,
    /// Half of the normal reply, then a TCP reset (RST) instead of an orderly close.
    ResetMidBody,
    /// The normal reply's status line and headers one byte every this often
    /// (a "header drip": every read makes progress, the head never ends in
    /// time), then its body.
    HeaderDrip(Duration),
}

/// A TCP listener that never completes a connection: its accept queue is full
/// and nobody accepts, so the kernel drops every further SYN and a client's
/// `connect` hangs until the client gives up (a "stalled connect"). For the one
/// fault a [`FakeServer`] cannot queue per request: use [`base_url`](Self::base_url)
/// as a vendor's base URL.
#[derive(Debug)]
pub struct StalledListener {
    addr: SocketAddr,
    _listener: socket2::Socket,
    _queued: Vec<TcpStream>,
}

impl StalledListener {
    /// Listens on `127.0.0.1:0` with a backlog of 0 and fills the accept queue.
    ///
    /// # Errors
    ///
    /// The socket could not be opened, or the queue never filled (a system
    /// that accepts connections beyond the backlog).
    pub fn start() -> io::Result<StalledListener> {
        use socket2::{Domain, Socket, Type};
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        listener.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
        listener.listen(0)?;
        let addr = listener
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))?;
        let mut queued = Vec::new();
        // Connections complete (in the kernel) until the queue is full; the
        // first one that does not complete shows it is.
        for _ in 0..64 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(stream) => queued.push(stream),
                Err(_) => {
                    return Ok(StalledListener {
                        addr,
                        _listener: listener,
                        _queued: queued,
                    })
                }
            }
        }
        Err(io::Error::other("the accept queue never filled"))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Handler output before faults are applied.
pub(crate) fn ok_json(body: serde_json::Value) -> FakeReply {
    FakeReply::json(200, body)
}

struct State {
    settings: Settings,
    queues: HashMap<Vendor, VecDeque<FakeReply>>,
    requests: Vec<RecordedRequest>,
}

struct Shared {
    state: Mutex<State>,
    /// Connections accepted so far.
    connections: AtomicUsize,
    stop: AtomicBool,
    /// Connection threads running.
    live: AtomicUsize,
    accepting: AtomicBool,
    accept_errors: AtomicUsize,
    /// The write timeout of connections accepted from now on, in milliseconds.
    write_timeout_ms: AtomicU64,
    conns: Mutex<Conns>,
}

/// The open connections (so that `Drop` can shut them down) and their threads (so
/// that it can join them).
#[derive(Default)]
struct Conns {
    next_id: u64,
    open: HashMap<u64, Arc<TcpStream>>,
    threads: Vec<thread::JoinHandle<()>>,
}

/// How long a write to a client may make no progress before the connection is
/// dropped (a client that never reads must not keep a thread forever).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `Drop` waits for the server's threads to end.
const STOP_DEADLINE: Duration = Duration::from_secs(2);
/// The pause after a failed `accept` (out of file descriptors, say), doubled on
/// every further failure up to [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF_FIRST: Duration = Duration::from_millis(2);
/// The longest pause between two failed `accept`s.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_millis(100);

/// The threads of a [`FakeServer`], still readable after it is dropped (for tests
/// of the fake itself).
#[doc(hidden)]
#[derive(Clone)]
pub struct ServerThreads(Arc<Shared>);

impl std::fmt::Debug for ServerThreads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerThreads")
            .field("connections", &self.connections())
            .field("accepting", &self.accepting())
            .finish()
    }
}

impl ServerThreads {
    /// Connection threads still running.
    pub fn connections(&self) -> usize {
        self.0.live.load(Ordering::SeqCst)
    }

    /// How many times `accept` failed.
    pub fn accept_errors(&self) -> usize {
        self.0.accept_errors.load(Ordering::SeqCst)
    }

    /// Whether the accept loop is still running.
    pub fn accepting(&self) -> bool {
        self.0.accepting.load(Ordering::SeqCst)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not poison later calls.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn conns(&self) -> MutexGuard<'_, Conns> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Sleeps for `wait` or until the server stops (`Drop` unparks every thread);
/// `false` when it stops.
fn pause(wait: Duration, shared: &Shared) -> bool {
    let until = Instant::now().checked_add(wait);
    loop {
        if shared.stopping() {
            return false;
        }
        let now = Instant::now();
        match until {
            Some(until) if now >= until => return true,
            Some(until) => thread::park_timeout(until - now),
            None => thread::park_timeout(Duration::from_secs(3600)),
        }
    }
}

/// One connection thread's entry in [`Shared`]: dropping it (when the thread ends)
/// forgets the socket, which closes it, and counts the thread out.
struct Connection {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let socket = self.shared.conns().open.remove(&self.id);
        drop(socket);
        self.shared.live.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running fake server; stops when dropped.
///
/// Each connection is served by a thread of its own. Dropping the server stops
/// accepting, shuts every open connection down (clients read the end of the
/// stream) and waits for the threads to end, two seconds at most. A write to a
/// client that does not read fails after ten seconds without progress, which
/// closes that connection.
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listener: Arc<TcpListener>,
    accept: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl FakeServer {
    /// Starts a fake on `127.0.0.1:0` with default [`Settings`].
    ///
    /// # Errors
    ///
    /// The listening socket could not be opened.
    pub fn start() -> io::Result<FakeServer> {
        FakeServer::start_with(Settings::default())
    }

    /// Starts a fake on `127.0.0.1:0` with `settings`.
    ///
    /// # Errors
    ///
    /// The listening socket could not be opened.
    pub fn start_with(settings: Settings) -> io::Result<FakeServer> {
        let listener = Arc::new(TcpListener::bind(("127.0.0.1", 0))?);
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                settings,
                queues: HashMap::new(),
                requests: Vec::new(),
            }),
            connections: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            live: AtomicUsize::new(0),
            accepting: AtomicBool::new(true),
            accept_errors: AtomicUsize::new(0),
            write_timeout_ms: AtomicU64::new(millis(WRITE_TIMEOUT)),
            conns: Mutex::new(Conns::default()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_listener = Arc::clone(&listener);
        let accept = thread::Builder::new()
            .name("fake-accept".into())
            .spawn(move || {
                accept_loop(&accept_listener, &accept_shared);
                accept_shared.accepting.store(false, Ordering::SeqCst);
            })?;
        Ok(FakeServer {
            addr,
            shared,
            listener,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:<port>`: use it as any vendor's `base_url`.
    pub fn base_url(&self) -> crate::BaseUrl {
        format!("http://{}", self.addr).into()
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Changes what the fake vendors accept and serve.
    pub fn configure(&self, change: impl FnOnce(&mut Settings)) {
        change(&mut self.shared.lock().settings);
    }

    /// Queues `reply` for the next request to `vendor`'s endpoint (first in, first
    /// out); once the queue is empty the vendor behaves normally again.
    pub fn push(&self, vendor: Vendor, reply: FakeReply) {
        self.shared
            .lock()
            .queues
            .entry(vendor)
            .or_default()
            .push_back(reply);
    }

    /// Queues a fault for the next request to `vendor`.
    pub fn push_fault(&self, vendor: Vendor, fault: Fault) {
        self.push(vendor, FakeReply::Fault(fault));
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The number of requests received so far.
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// The last request to `vendor`'s endpoint.
    pub fn last_request(&self, vendor: Vendor) -> Option<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .rev()
            .find(|r| r.vendor == Some(vendor))
            .cloned()
    }

    /// The number of TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The server's threads, to check that they end (tests of the fake itself).
    #[doc(hidden)]
    pub fn threads(&self) -> ServerThreads {
        ServerThreads(Arc::clone(&self.shared))
    }

    /// How long a write to a client may make no progress (10 s by default), for
    /// connections accepted from now on.
    #[doc(hidden)]
    pub fn set_write_timeout(&self, timeout: Duration) {
        self.shared
            .write_timeout_ms
            .store(millis(timeout).max(1), Ordering::SeqCst);
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let deadline = Instant::now() + STOP_DEADLINE;
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop: from a back-off pause, and from `accept` (shutting
        // the listener down fails a blocked `accept` on Linux; elsewhere a
        // connection wakes it).
        let _ = socket2::SockRef::from(&*self.listener).shutdown(Shutdown::Both);
        if let Some(handle) = self.accept.take() {
            handle.thread().unpark();
            if !handle.is_finished() {
                let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
            }
            join_by(handle, deadline);
        }
        // No connection is accepted any more: end the open ones. Shutting a socket
        // down fails a blocked write or read at once; unparking ends a pause.
        let (open, threads) = {
            let mut conns = self.shared.conns();
            let open: Vec<Arc<TcpStream>> = conns.open.values().cloned().collect();
            (open, std::mem::take(&mut conns.threads))
        };
        for socket in open {
            let _ = socket.shutdown(Shutdown::Both);
        }
        for handle in threads {
            handle.thread().unpark();
            join_by(handle, deadline);
        }
    }
}

/// Joins `handle` if its thread ends before `deadline`; else leaves it detached.
fn join_by(handle: thread::JoinHandle<()>, deadline: Instant) {
    while !handle.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    if handle.is_finished() {
        let _ = handle.join();
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut backoff = Duration::ZERO;
    while !shared.stopping() {
        match listener.accept() {
            Ok((stream, _)) => {
                backoff = Duration::ZERO;
                if shared.stopping() {
                    break;
                }
                shared.connections.fetch_add(1, Ordering::SeqCst);
                spawn_connection(stream, shared);
            }
            Err(_) => {
                // Out of file descriptors (EMFILE, ENFILE), out of memory, a
                // connection reset while queued…: `accept` may fail again at once
                // for as long as the cause lasts, so pause instead of spinning.
                shared.accept_errors.fetch_add(1, Ordering::SeqCst);
                backoff = (backoff * 2).clamp(ACCEPT_BACKOFF_FIRST, ACCEPT_BACKOFF_MAX);
                pause(backoff, shared);
            }
        }
    }
}

/// Serves `stream` on a thread of its own, registered in `shared.conns`.
fn spawn_connection(stream: TcpStream, shared: &Arc<Shared>) {
    let stream = Arc::new(stream);
    shared.live.fetch_add(1, Ordering::SeqCst);
    let connection = {
        let mut conns = shared.conns();
        let id = conns.next_id;
        conns.next_id += 1;
        conns.open.insert(id, Arc::clone(&stream));
        Connection {
            shared: Arc::clone(shared),
            id,
        }
    };
    let spawned = thread::Builder::new()
        .name("fake-conn".into())
        .spawn(move || {
            let _ = serve_connection(&stream, &connection.shared);
            // Dropping both handles closes the socket (FIN, or RST after
            // `ResetMidBody`).
            drop(stream);
            drop(connection);
        });
    // (When the thread cannot be spawned, the closure is dropped: the connection is
    // forgotten and closed.)
    if let Ok(handle) = spawned {
        let mut conns = shared.conns();
        conns.threads.retain(|thread| !thread.is_finished());
        conns.threads.push(handle);
    }
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

fn serve_connection(mut stream: &TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_millis(100)))?;
    let write_timeout = shared.write_timeout_ms.load(Ordering::SeqCst);
    stream.set_write_timeout(Some(Duration::from_millis(write_timeout)))?;
    stream.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    // The authority of a `CONNECT` on this connection: the fake then acts as an HTTP
    // proxy that tunnels to itself, so that tests can address any host name while
    // every byte stays on 127.0.0.1.
    let mut tunnel: Option<String> = None;
    loop {
        let Some((mut request, used)) = read_request(stream, &mut buf, shared)? else {
            return Ok(());
        };
        buf.drain(..used);
        if request.method.eq_ignore_ascii_case("CONNECT") && tunnel.is_none() {
            tunnel = Some(request.path.clone());
            request.authority = Some(request.path.clone());
            let mut state = shared.lock();
            if !state.settings.forget_requests {
                state.requests.push(request);
            }
            drop(state);
            stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
            continue;
        }
        if request.authority.is_none() {
            request.authority.clone_from(&tunnel);
        }
        let (reply, delay) = respond(shared, request);
        if !delay.is_zero() {
            let until = Instant::now() + delay;
            while !shared.stop.load(Ordering::SeqCst) {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                thread::sleep(left.min(Duration::from_millis(20)));
            }
        }
        if !write_reply(stream, reply, shared)? {
            return Ok(());
        }
    }
}

/// Reads one request; `None` when the peer closed or the server stops.
fn read_request(
    mut stream: &TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
) -> io::Result<Option<(RecordedRequest, usize)>> {
    let mut chunk = [0u8; 8192];
    loop {
        if !buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(buf) {
                Ok(httparse::Status::Complete(head_len)) => {
                    let method = req.method.unwrap_or("GET").to_owned();
                    let (authority, target) = split_absolute_form(req.path.unwrap_or("/"));
                    let (path, query) = match target.split_once('?') {
                        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
                        None => (target.to_owned(), None),
                    };
                    let headers: Vec<(String, String)> = req
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_ascii_lowercase(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect();
                    let length = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                        .unwrap_or(0)
                        .min(MAX_REQUEST_BODY);
                    while buf.len() < head_len + length {
                        if !read_more(stream, buf, &mut chunk, shared)? {
                            return Ok(None);
                        }
                    }
                    let body = buf[head_len..head_len + length].to_vec();
                    let request = RecordedRequest {
                        vendor: route(&path),
                        method,
                        path,
                        query,
                        headers,
                        body,
                        authority,
                    };
                    return Ok(Some((request, head_len + length)));
                }
                Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
                _ => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    );
                    return Ok(None);
                }
            }
        }
        if !read_more(stream, buf, &mut chunk, shared)? {
            return Ok(None);
        }
    }
}

fn read_more(
    mut stream: &TcpStream,
    buf: &mut Vec<u8>,
    chunk: &mut [u8],
    shared: &Shared,
) -> io::Result<bool> {
    loop {
        if shared.stopping() {
            return Ok(false);
        }
        match stream.read(chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Ok(false),
        }
    }
}

fn route(path: &str) -> Option<Vendor> {
    #[cfg(feature = "kie")]
    if kie::matches(path) {
        return Some(Vendor::Kie);
    }
    #[cfg(feature = "cloudreve")]
    if cloudreve::matches(path) {
        return Some(Vendor::Cloudreve);
    }
    #[cfg(feature = "datalab")]
    if datalab::matches(path) {
        return Some(Vendor::Datalab);
    }
    #[cfg(feature = "koodrive")]
    if koodrive::matches(path) {
        return Some(Vendor::KooDrive);
    }
    #[cfg(feature = "blendvision")]
    if blendvision::matches(path) {
        return Some(Vendor::BlendVision);
    }
    let _ = path;
    None
}

/// What a vendor normally answers to `request` (no queue, no fault).
fn normal_reply(settings: &Settings, request: &RecordedRequest) -> FakeReply {
    let _ = settings;
    match request.vendor {
        #[cfg(feature = "kie")]
        Some(Vendor::Kie) => kie::handle(&settings.kie, request),
        #[cfg(feature = "cloudreve")]
        Some(Vendor::Cloudreve) => cloudreve::handle(&settings.cloudreve, request),
        #[cfg(feature = "datalab")]
        Some(Vendor::Datalab) => datalab::handle(&settings.datalab, request),
        #[cfg(feature = "koodrive")]
        Some(Vendor::KooDrive) => koodrive::handle(&settings.koodrive, request),
        #[cfg(feature = "blendvision")]
        Some(Vendor::BlendVision) => blendvision::handle(&settings.blendvision, request),
        _ => FakeReply::json(404, serde_json::json!({"error": "no such endpoint"})),
    }
}

/// Records the request and picks the reply: a queued one first, else the vendor's;
/// with the settings' `reply_delay`.
fn respond(shared: &Shared, request: RecordedRequest) -> (Prepared, Duration) {
    let mut state = shared.lock();
    let queued = request
        .vendor
        .and_then(|v| state.queues.get_mut(&v).and_then(VecDeque::pop_front));
    let prepared = match queued {
        Some(FakeReply::Fault(fault)) => {
            Prepared::Fault(fault.clone(), normal_reply(&state.settings, &request))
        }
        Some(reply) => Prepared::Reply(reply),
        None => Prepared::Reply(normal_reply(&state.settings, &request)),
    };
    if !state.settings.forget_requests {
        state.requests.push(request);
    }
    (prepared, state.settings.reply_delay)
}

enum Prepared {
    Reply(FakeReply),
    /// A fault, with the reply the vendor would normally have given.
    Fault(Fault, FakeReply),
}

/// Writes the reply; `false` when the connection must close afterwards.
fn write_reply(mut stream: &TcpStream, prepared: Prepared, shared: &Shared) -> io::Result<bool> {
    let (fault, normal) = match prepared {
        Prepared::Reply(FakeReply::Response {
            status,
            headers,
            body,
        }) => {
            let mut out = head(status, &headers, body.len());
            out.extend_from_slice(&body);
            stream.write_all(&out)?;
            return Ok(true);
        }
        Prepared::Reply(FakeReply::Fault(fault)) => (fault, None),
        Prepared::Fault(fault, normal) => (fault, Some(normal)),
    };
    let (normal_status, normal_headers, normal_body) = match normal {
        Some(FakeReply::Response {
            status,
            headers,
            body,
        }) => (status, headers, body),
        _ => (200, json_type(), b"{\"ok\":true}".to_vec()),
    };
    match fault {
        Fault::Html502 => {
            let body = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>\r\n";
            let mut out = head(
                502,
                &[("Content-Type".into(), "text/html".into())],
                body.len(),
            );
            out.extend_from_slice(body);
            stream.write_all(&out)?;
            Ok(true)
        }
        Fault::TruncatedJson => {
            let cut = &normal_body[..normal_body.len() / 2];
            let mut out = head(normal_status, &normal_headers, cut.len());
            out.extend_from_slice(cut);
            stream.write_all(&out)?;
            Ok(true)
        }
        Fault::StallBody(wait) => {
            stream.write_all(&head(normal_status, &normal_headers, normal_body.len()))?;
            pause(wait, shared);
            Ok(false)
        }
        Fault::CloseMidBody => {
            let mut out = head(normal_status, &normal_headers, normal_body.len());
            out.extend_from_slice(&normal_body[..normal_body.len() / 2]);
            stream.write_all(&out)?;
            Ok(false)
        }
        Fault::Oversized(size) => {
            stream.write_all(&head(200, &json_type(), size))?;
            Ok(write_filler(stream, size, false).is_ok())
        }
        Fault::OversizedChunked(size) => {
            let mut out = String::from("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n");
            out.push_str("Transfer-Encoding: chunked\r\n\r\n");
            stream.write_all(out.as_bytes())?;
            Ok(write_filler(stream, size, true).is_ok())
        }
        Fault::GzipBomb(size) => {
            let bomb = gzip_bomb(size);
            let mut headers = json_type();
            headers.push(("Content-Encoding".into(), "gzip".into()));
            stream.write_all(&head(200, &headers, bomb.len()))?;
            Ok(stream.write_all(&bomb).is_ok())
        }
        Fault::Drip(every) => {
            stream.write_all(&head(normal_status, &normal_headers, normal_body.len()))?;
            for byte in &normal_body {
                if shared.stopping() || stream.write_all(&[*byte]).is_err() || !pause(every, shared)
                {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Fault::CloseBeforeStatus => Ok(false),
        Fault::HeaderDrip(every) => {
            for byte in head(normal_status, &normal_headers, normal_body.len()) {
                if shared.stopping() || stream.write_all(&[byte]).is_err() || !pause(every, shared)
                {
                    return Ok(false);
                }
            }
            Ok(stream.write_all(&normal_body).is_ok())
        }
        Fault::ResetMidBody => {
            let mut out = head(normal_status, &normal_headers, normal_body.len());
            out.extend_from_slice(&normal_body[..normal_body.len() / 2]);
            stream.write_all(&out)?;
            // SO_LINGER 0: close() sends RST instead of FIN.
            let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
            Ok(false)
        }
        Fault::RateLimited(retry_after) => {
            let body = b"Too Many Requests";
            let mut out = head(
                429,
                &[
                    ("Content-Type".into(), "text/plain".into()),
                    ("Retry-After".into(), retry_after),
                ],
                body.len(),
            );
            out.extend_from_slice(body);
            stream.write_all(&out)?;
            Ok(true)
        }
    }
}

fn json_type() -> Vec<(String, String)> {
    vec![("Content-Type".into(), "application/json".into())]
}

/// The token after `Bearer ` in an Authorization header.
#[cfg_attr(not(any(feature = "kie", feature = "blendvision")), allow(dead_code))]
pub(crate) fn bearer(request: &RecordedRequest) -> Option<&str> {
    let value = request.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[cfg(test)]
mod tests {
    use super::split_absolute_form;

    #[test]
    fn absolute_form_targets_are_split() {
        let split = |t: &str| split_absolute_form(t);
        assert_eq!(
            split("http://Files.LAN.example/api/v4/file/url?x=1"),
            (
                Some("files.lan.example".to_owned()),
                "/api/v4/file/url?x=1".to_owned()
            )
        );
        assert_eq!(
            split("HTTP://192.0.2.1:8080"),
            (Some("192.0.2.1:8080".to_owned()), "/".to_owned())
        );
        assert_eq!(
            split("https://h?q"),
            (Some("h".to_owned()), "/?q".to_owned())
        );
        assert_eq!(split("/plain?q"), (None, "/plain?q".to_owned()));
        assert_eq!(split("h:443"), (None, "h:443".to_owned()));
    }
}
