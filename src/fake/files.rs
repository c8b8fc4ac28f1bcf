//! A fake file host: real bytes behind links, for [`fetch`](crate::fetch) tests,
//! benches and the demo.
//!
//! [`FakeFileHost::start`] listens on its own `127.0.0.1` port and serves
//! `GET /files/<name>` with `Content-Length`, a strong `ETag`, `Last-Modified`,
//! `Range: bytes=a-` / `a-b` (206 with `Content-Range`, 416 past the end) and
//! `If-Range`. Its URLs are presigned S3-style (`X-Amz-Date`, `X-Amz-Expires`,
//! `X-Amz-Signature`): after the expiry, or with a signature it did not issue,
//! it answers S3's `403` XML (`AccessDenied`, `Request has expired`). A file's
//! bytes can be held in memory or generated on the fly (any size, constant
//! memory). Faults queued with [`FakeFileHost::push_fault`] apply to the next
//! requests, in order: a disconnect or a stall mid-body, an error status, a
//! redirect, a `200` to a range, an expired link.
//!
//! ```
//! # #[cfg(feature = "fetch")] {
//! use download_url::fake::files::{FakeFileHost, FileFault};
//! use download_url::Vendor;
//!
//! let host = FakeFileHost::start()?;
//! host.add_bytes("a.txt", b"hello".to_vec());
//! host.push_fault(FileFault::DisconnectAfter(2));
//! let link = host.link(Vendor::Kie, "item", "a.txt", std::time::Duration::from_secs(600));
//! let dir = std::env::temp_dir().join(format!("fake-files-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let fetched = download_url::fetch::Fetcher::new()
//!     .overwrite(true)
//!     .save_as(&link, dir.join("a.txt"))?;
//! assert_eq!(std::fs::read(dir.join("a.txt"))?, b"hello");
//! assert_eq!(fetched.ranges, 1); // resumed after the disconnect
//! # std::fs::remove_dir_all(&dir)?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use time::OffsetDateTime;

use super::RecordedRequest;
use crate::{DownloadLink, Expiry, Vendor};

/// The bytes of a fake file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FakeContent {
    /// Bytes held in memory.
    Bytes(Arc<Vec<u8>>),
    /// `len` bytes generated on the fly: byte `i` is [`generated_byte`]`(seed, i)`.
    Generated {
        /// Length in bytes.
        len: u64,
        /// Seed of the pattern (a different seed is a different object).
        seed: u8,
    },
}

impl FakeContent {
    /// The length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            FakeContent::Bytes(b) => b.len() as u64,
            FakeContent::Generated { len, .. } => *len,
        }
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes bytes `start..end` to `out`.
    fn write_range(&self, out: &mut dyn Write, start: u64, end: u64) -> io::Result<()> {
        match self {
            FakeContent::Bytes(b) => out.write_all(&b[start as usize..end as usize]),
            FakeContent::Generated { seed, .. } => {
                let block = pattern_block(*seed);
                let mut at = start;
                while at < end {
                    let offset = (at % PERIOD) as usize;
                    let n = ((PERIOD as usize - offset) as u64).min(end - at) as usize;
                    out.write_all(&block[offset..offset + n])?;
                    at += n as u64;
                }
                Ok(())
            }
        }
    }

    /// The bytes `start..end` (for tests of small files).
    pub fn bytes(&self, start: u64, end: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.write_range(&mut out, start, end);
        out
    }
}

/// The period of the generated pattern (a prime, so offsets matter).
const PERIOD: u64 = 65_521;

/// Byte `i` of a generated file with `seed`.
pub fn generated_byte(seed: u8, i: u64) -> u8 {
    let x = (i % PERIOD).wrapping_mul(2_654_435_761) ^ u64::from(seed).wrapping_mul(0x9E37_79B9);
    (x >> 11) as u8 ^ (x >> 3) as u8
}

fn pattern_block(seed: u8) -> Vec<u8> {
    (0..PERIOD).map(|i| generated_byte(seed, i)).collect()
}

/// A misbehaviour of the file host for one request (see
/// [`FakeFileHost::push_fault`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FileFault {
    /// Send the head and this many body bytes, then close the connection.
    DisconnectAfter(u64),
    /// Send the head and this many body bytes, then send nothing for the
    /// duration, then close.
    StallAfter(u64, Duration),
    /// Answer this status with this body.
    Status(u16, String),
    /// Answer S3's `403` `AccessDenied` / `Request has expired`.
    Expired,
    /// Answer `302` to this location (absolute, or a path on this host).
    Redirect(String),
    /// Answer `200` with the whole file even to a `Range` request.
    IgnoreRange,
    /// Answer with `Content-Encoding: gzip` (a gzip stream of the file), though
    /// the client asked for `identity`.
    Gzip,
    /// Answer a `Range` request with `206` and a correct `Content-Range` but no
    /// `ETag` or `Last-Modified`, whatever `If-Range` said.
    PartialWithoutValidator,
    /// Answer a `Range` request with `206` whose `Content-Range` states this
    /// total, whatever `If-Range` said.
    RangeTotal(u64),
    /// Answer a `Range` request with `206` starting at this offset instead of
    /// the one asked for (`Content-Range` says so), whatever `If-Range` said.
    ShiftedRange(u64),
    /// Answer `200` without `Content-Length` and send the file's pattern
    /// forever (until the client goes away).
    Endless,
    /// Answer `200` stating this `Content-Length`, send the file, then close.
    ClaimLength(u64),
    /// Answer `200` with `Content-Encoding: gzip`, no `Content-Length`, and a
    /// gzip stream of this many zero bytes, though the client asked for
    /// `identity`.
    GzipBomb(u64),
    /// Answer `200` (ignoring any `Range`) with the object's validators but no
    /// `Content-Length`, send this many bytes of the file, then close.
    CloseDelimited(u64),
}

#[derive(Debug, Clone)]
struct FakeObject {
    content: FakeContent,
    version: u32,
    disposition: Option<String>,
    weak_etag: bool,
}

struct State {
    objects: HashMap<String, FakeObject>,
    faults: VecDeque<FileFault>,
    requests: Vec<RecordedRequest>,
    signatures: u64,
}

struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake file host; stops when dropped.
pub struct FakeFileHost {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeFileHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeFileHost")
            .field("addr", &self.addr)
            .finish()
    }
}

impl FakeFileHost {
    /// Starts a file host on `127.0.0.1:0`.
    ///
    /// # Errors
    ///
    /// The listening socket could not be opened.
    pub fn start() -> io::Result<FakeFileHost> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                objects: HashMap::new(),
                faults: VecDeque::new(),
                requests: Vec::new(),
                signatures: 0,
            }),
            stop: AtomicBool::new(false),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("fake-files-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if accept_shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&accept_shared);
                    let _ =
                        thread::Builder::new()
                            .name("fake-files-conn".into())
                            .spawn(move || {
                                let _ = serve(stream, &shared);
                            });
                }
            })?;
        Ok(FakeFileHost {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `bytes` as `/files/<name>` (replacing any file of that name: a new
    /// ETag).
    pub fn add_bytes(&self, name: &str, bytes: Vec<u8>) {
        self.add(name, FakeContent::Bytes(Arc::new(bytes)));
    }

    /// Serves `content` as `/files/<name>` (replacing any file of that name: a
    /// new ETag).
    pub fn add(&self, name: &str, content: FakeContent) {
        let mut state = self.shared.lock();
        let version = state.objects.get(name).map_or(1, |o| o.version + 1);
        state.objects.insert(
            name.to_owned(),
            FakeObject {
                content,
                version,
                disposition: None,
                weak_etag: false,
            },
        );
    }

    /// Sends `Content-Disposition: <value>` with `/files/<name>`.
    pub fn set_disposition(&self, name: &str, value: &str) {
        if let Some(o) = self.shared.lock().objects.get_mut(name) {
            o.disposition = Some(value.to_owned());
        }
    }

    /// Sends `/files/<name>` with a weak `ETag` (`W/"…"`), beside its
    /// `Last-Modified`.
    pub fn set_weak_etag(&self, name: &str) {
        if let Some(o) = self.shared.lock().objects.get_mut(name) {
            o.weak_etag = true;
        }
    }

    /// A presigned URL for `/files/<name>`, valid for `valid` from now.
    pub fn signed_url(&self, name: &str, valid: Duration) -> String {
        let date = OffsetDateTime::now_utc();
        let n = {
            let mut state = self.shared.lock();
            state.signatures += 1;
            state.signatures
        };
        format!(
            "{}/files/{}?X-Amz-Date={}&X-Amz-Expires={}&X-Amz-Signature={}",
            self.base_url(),
            crate::encode::percent_encode(name),
            crate::expiry::format_amz_date(date),
            valid.as_secs(),
            signature(
                name,
                &crate::expiry::format_amz_date(date),
                valid.as_secs(),
                n
            ),
        )
    }

    /// A link from `vendor` for `item` to `/files/<name>`, valid for `valid`, with
    /// the expiry its URL states.
    pub fn link(&self, vendor: Vendor, item: &str, name: &str, valid: Duration) -> DownloadLink {
        let url = self.signed_url(name, valid);
        let expires = match crate::decode::amz_expiry(&url) {
            Some(at) => Expiry::at(at),
            None => Expiry::Unknown,
        };
        DownloadLink::new(vendor, item, url, None, expires)
    }

    /// Queues `fault` for the next request to `/files/` (first in, first out).
    pub fn push_fault(&self, fault: FileFault) {
        self.shared.lock().faults.push_back(fault);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The number of requests received so far.
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }
}

impl Drop for FakeFileHost {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

/// The fake's signature: `sig-<fnv of name, date, expires, n>-<n>`.
fn signature(name: &str, date: &str, expires: u64, n: u64) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{name}\n{date}\n{expires}\n{n}").bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("sig{hash:016x}n{n}")
}

fn serve(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut buf = Vec::with_capacity(4096);
    loop {
        let Some(request) = read_head(&mut stream, &mut buf, shared)? else {
            return Ok(());
        };
        let keep = respond(&mut stream, shared, request)?;
        if !keep {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return Ok(());
        }
    }
}

fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
) -> io::Result<Option<RecordedRequest>> {
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(used)) = parsed.parse(buf) {
            let target = parsed.path.unwrap_or("/");
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
                None => (target.to_owned(), None),
            };
            let request = RecordedRequest {
                vendor: None,
                method: parsed.method.unwrap_or("").to_owned(),
                path,
                query,
                headers: parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect(),
                body: Vec::new(),
                authority: None,
            };
            buf.drain(..used);
            return Ok(Some(request));
        }
        if buf.len() > 64 * 1024 {
            return Ok(None);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if shared.stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

fn simple(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
) -> io::Result<bool> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    Ok(true)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

const EXPIRED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><RequestId>FAKE0001</RequestId></Error>";
const BAD_SIGNATURE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>";

fn respond(stream: &mut TcpStream, shared: &Shared, request: RecordedRequest) -> io::Result<bool> {
    let xml = || vec![("Content-Type", "application/xml".to_owned())];
    let (fault, object) = {
        let mut state = shared.lock();
        state.requests.push(request.clone());
        let name = request
            .path
            .strip_prefix("/files/")
            .map(crate::encode::percent_decode);
        let object = name.and_then(|n| state.objects.get(&n).cloned());
        let fault = if request.path.starts_with("/files/") {
            state.faults.pop_front()
        } else {
            None
        };
        (fault, object)
    };
    if request.method != "GET" {
        return simple(stream, 405, &[], b"");
    }
    match &fault {
        Some(FileFault::Status(status, body)) => {
            return simple(stream, *status, &xml(), body.as_bytes())
        }
        Some(FileFault::Expired) => return simple(stream, 403, &xml(), EXPIRED.as_bytes()),
        Some(FileFault::Redirect(location)) => {
            let location = if location.starts_with('/') {
                format!("http://{}{location}", stream.local_addr()?)
            } else {
                location.clone()
            };
            return simple(stream, 302, &[("Location", location)], b"");
        }
        _ => {}
    }
    let Some(object) = object else {
        return simple(
            stream,
            404,
            &xml(),
            b"<Error><Code>NoSuchKey</Code></Error>",
        );
    };
    // The signature and expiry.
    let name = crate::encode::percent_decode(request.path.strip_prefix("/files/").unwrap_or(""));
    let param = |k: &str| request.query_param(k);
    let (Some(date), Some(expires), Some(sig)) = (
        param("X-Amz-Date"),
        param("X-Amz-Expires"),
        param("X-Amz-Signature"),
    ) else {
        return simple(stream, 403, &xml(), BAD_SIGNATURE.as_bytes());
    };
    let n: u64 = sig
        .rsplit_once('n')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0);
    let secs: u64 = expires.parse().unwrap_or(0);
    if sig != signature(&name, &date, secs, n) {
        return simple(stream, 403, &xml(), BAD_SIGNATURE.as_bytes());
    }
    let expired = crate::expiry::parse_amz_date(&date)
        .is_none_or(|d| d + Duration::from_secs(secs) <= OffsetDateTime::now_utc());
    if expired {
        return simple(stream, 403, &xml(), EXPIRED.as_bytes());
    }

    let len = object.content.len();
    let etag = format!(
        "{}\"v{}-{:x}\"",
        if object.weak_etag { "W/" } else { "" },
        object.version,
        len
    );
    let mut headers = vec![
        ("ETag", etag.clone()),
        ("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT".to_owned()),
        ("Accept-Ranges", "bytes".to_owned()),
        ("Content-Type", "application/octet-stream".to_owned()),
    ];
    if let Some(d) = &object.disposition {
        headers.push(("Content-Disposition", d.clone()));
    }
    match &fault {
        Some(FileFault::Endless) => {
            return close_delimited(stream, &headers, &object.content, u64::MAX);
        }
        Some(FileFault::CloseDelimited(n)) => {
            return close_delimited(stream, &headers, &object.content, *n);
        }
        Some(FileFault::ClaimLength(claimed)) => {
            let mut head = String::from("HTTP/1.1 200 OK\r\n");
            for (name, value) in &headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!("Content-Length: {claimed}\r\n\r\n"));
            stream.write_all(head.as_bytes())?;
            object.content.write_range(stream, 0, len)?;
            return Ok(false);
        }
        Some(FileFault::GzipBomb(n)) => {
            use flate2::write::GzEncoder;
            let mut head =
                String::from("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n");
            for (name, value) in &headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes())?;
            let mut encoder = GzEncoder::new(&mut *stream, flate2::Compression::best());
            let zeros = vec![0u8; 1 << 16];
            let mut left = *n;
            while left > 0 {
                let k = left.min(zeros.len() as u64) as usize;
                encoder.write_all(&zeros[..k])?;
                left -= k as u64;
            }
            encoder.finish()?;
            return Ok(false);
        }
        _ => {}
    }
    if matches!(fault, Some(FileFault::Gzip)) {
        let body = gzip(&object.content.bytes(0, len));
        headers.push(("Content-Encoding", "gzip".to_owned()));
        return simple(stream, 200, &headers, &body);
    }
    // If-Range matches only a strong ETag (RFC 9110 13.1.5) or the date; the
    // lying faults answer the range whatever it says.
    let lying = matches!(
        fault,
        Some(
            FileFault::PartialWithoutValidator
                | FileFault::RangeTotal(_)
                | FileFault::ShiftedRange(_)
        )
    );
    let if_range_ok = lying
        || request.header("if-range").is_none_or(|v| {
            (v == etag && !object.weak_etag) || v == "Wed, 01 Jan 2025 00:00:00 GMT"
        });
    let range = request
        .header("range")
        .filter(|_| if_range_ok && !matches!(fault, Some(FileFault::IgnoreRange)))
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| {
            let a: u64 = a.trim().parse().ok()?;
            let b: Option<u64> = if b.trim().is_empty() {
                None
            } else {
                b.trim().parse().ok()
            };
            Some((a, b))
        });
    let (status, start, end) = match range {
        Some((a, _)) if a >= len => {
            headers.push(("Content-Range", format!("bytes */{len}")));
            return simple(stream, 416, &headers, b"");
        }
        Some((a, b)) => {
            let a = match fault {
                Some(FileFault::ShiftedRange(start)) => start.min(len - 1),
                _ => a,
            };
            let end = b.map_or(len, |b| (b + 1).min(len));
            let total = match fault {
                Some(FileFault::RangeTotal(total)) => total,
                _ => len,
            };
            if matches!(fault, Some(FileFault::PartialWithoutValidator)) {
                headers.retain(|(name, _)| !matches!(*name, "ETag" | "Last-Modified"));
            }
            headers.push(("Content-Range", format!("bytes {a}-{}/{total}", end - 1)));
            (206, a, end)
        }
        None => (200, 0, len),
    };
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in &headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", end - start));
    stream.write_all(head.as_bytes())?;
    match fault {
        Some(FileFault::DisconnectAfter(n)) => {
            object
                .content
                .write_range(stream, start, (start + n).min(end))?;
            stream.flush()?;
            Ok(false)
        }
        Some(FileFault::StallAfter(n, pause)) => {
            object
                .content
                .write_range(stream, start, (start + n).min(end))?;
            stream.flush()?;
            thread::sleep(pause);
            Ok(false)
        }
        _ => {
            object.content.write_range(stream, start, end)?;
            Ok(true)
        }
    }
}

/// A `200` without `Content-Length`: the head, up to `n` bytes of `content`
/// (its pattern repeated past its end), then a close.
fn close_delimited(
    stream: &mut TcpStream,
    headers: &[(&str, String)],
    content: &FakeContent,
    n: u64,
) -> io::Result<bool> {
    let mut head = String::from("HTTP/1.1 200 OK\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    let len = content.len().max(1);
    let mut sent = 0u64;
    while sent < n {
        let at = sent % len;
        let k = (len - at).min(n - sent).min(1 << 20);
        content.write_range(stream, at, at + k)?;
        sent += k;
    }
    Ok(false)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use flate2::write::GzEncoder;
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}
