//! A TLS server on 127.0.0.1 for the tests (rustls, a dev-dependency): each
//! connection is a handshake, then (if the client goes on) one HTTP request
//! answered with a kie.ai success reply. It records one line per connection.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const REPLY: &str = r#"{"code":200,"msg":"success","data":"https://tempfile.example/a.png"}"#;

pub struct TlsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl TlsServer {
    /// Serves the certificate (chain) and key of these PEM texts.
    pub fn start(cert_pem: &[u8], key_pem: &[u8]) -> TlsServer {
        let cert = CertificateDer::from_pem_slice(cert_pem).unwrap();
        let key = PrivateKeyDer::from_pem_slice(key_pem).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, log) = (stop.clone(), log.clone());
            std::thread::spawn(move || {
                // Bounded: the server ends by itself after a minute.
                let deadline = Instant::now() + Duration::from_secs(60);
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((tcp, _)) => {
                            let line = serve(config.clone(), tcp);
                            log.lock().unwrap().push(line);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        TlsServer {
            addr,
            stop,
            log,
            thread: Some(thread),
        }
    }

    /// `https://<host>:<port>` of this server.
    pub fn base_url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.addr.port())
    }

    /// The log once it has `n` lines (the server may still be finishing a
    /// connection the client has given up on), or as it is after 10 s.
    pub fn log(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log.lock().unwrap().clone();
            if log.len() >= n || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(config: Arc<rustls::ServerConfig>, mut tcp: TcpStream) -> String {
    tcp.set_nonblocking(false).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    tcp.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut conn = rustls::ServerConnection::new(config).unwrap();
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            return format!("handshake failed: {e}");
        }
    }
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    // The head, then as many body bytes as Content-Length says.
    loop {
        let n = match tls.read(&mut chunk) {
            Ok(0) | Err(_) => return "closed before a request".to_owned(),
            Ok(n) => n,
        };
        request.extend_from_slice(&chunk[..n]);
        if super::complete_message(&request).is_some() {
            break;
        }
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{REPLY}",
        REPLY.len()
    );
    let _ = tls.write_all(response.as_bytes());
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.conn.complete_io(tls.sock);
    "served".to_owned()
}
