//! Trusting root certificates of your own: a private CA in front of a
//! self-hosted Cloudreve, a company proxy.
//!
//! ureq's roots are either a given set or the built-in one, never both (adding
//! to Mozilla's set would need another crate), so given roots *replace* the
//! built-in ones — curl's meaning of `--cacert`.
//!
//! * [`agent_with_roots`] / [`tls_config_with_roots`]: trust the certificates of
//!   a PEM text, with either TLS feature.
//! * [`tls_config_from_env`]: `SSL_CERT_FILE` and `SSL_CERT_DIR`, which OpenSSL
//!   (the `native-tls` build on Linux) reads by itself, for the `rustls` build.

use std::io;
use std::path::Path;
use std::sync::Arc;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

/// The certificates of a PEM text (one or more `BEGIN CERTIFICATE` blocks; other
/// blocks, such as keys, are skipped).
///
/// # Errors
///
/// [`io::ErrorKind::InvalidData`] when a block is malformed or there is no
/// certificate at all.
pub fn parse_roots(pem: &[u8]) -> io::Result<Vec<Certificate<'static>>> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        if let PemItem::Certificate(cert) = item.map_err(|e| invalid_data(e.to_string()))? {
            certs.push(cert);
        }
    }
    if certs.is_empty() {
        return Err(invalid_data(
            "no PEM certificate (-----BEGIN CERTIFICATE-----) found",
        ));
    }
    Ok(certs)
}

/// TLS settings trusting exactly the certificates of `pem` (see [`parse_roots`]),
/// with the compiled-in provider (rustls when both TLS features are on).
///
/// # Errors
///
/// As [`parse_roots`].
pub fn tls_config_with_roots(pem: &[u8]) -> io::Result<TlsConfig> {
    Ok(with_certs(parse_roots(pem)?))
}

fn with_certs(certs: Vec<Certificate<'static>>) -> TlsConfig {
    crate::http::policy::tls_config(Some(RootCerts::Specific(Arc::new(certs)))).build()
}

/// An agent like [`agent()`](crate::agent()) that trusts exactly the
/// certificates of `pem` (e.g. the contents of a private CA's `ca.pem`).
///
/// ```no_run
/// let pem = std::fs::read("ca.pem")?;
/// let agent = download_url::roots::agent_with_roots(&pem)?;
/// # let _ = agent;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// As [`parse_roots`].
pub fn agent_with_roots(pem: &[u8]) -> io::Result<ureq::Agent> {
    Ok(crate::agent_config(crate::DEFAULT_TIMEOUT)
        .tls_config(tls_config_with_roots(pem)?)
        .build()
        .new_agent())
}

/// For the `rustls` build: TLS settings trusting the certificates of the file
/// named by `SSL_CERT_FILE` and of every file in the directories of
/// `SSL_CERT_DIR` (separated by `:`; files that hold no PEM certificate are
/// skipped; each certificate counted once), as OpenSSL does. `None` when neither is set (or both are blank),
/// and always with `native-tls` alone, whose library reads them itself.
///
/// # Errors
///
/// The file or a directory cannot be read, or no certificate was found.
pub fn tls_config_from_env() -> io::Result<Option<TlsConfig>> {
    if !cfg!(feature = "rustls") {
        return Ok(None);
    }
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    let (file, dirs) = (var("SSL_CERT_FILE"), var("SSL_CERT_DIR"));
    if file.is_none() && dirs.is_none() {
        return Ok(None);
    }
    let mut certs = Vec::new();
    if let Some(file) = &file {
        let pem = std::fs::read(file).map_err(|e| with_path(e, Path::new(file)))?;
        certs.extend(parse_roots(&pem).map_err(|e| with_path(e, Path::new(file)))?);
    }
    // An empty entry (`DIR:`) names no directory: skipped, as OpenSSL does.
    let dirs = dirs.iter().flat_map(std::env::split_paths);
    for dir in dirs.filter(|dir| !dir.as_os_str().is_empty()) {
        for entry in std::fs::read_dir(&dir).map_err(|e| with_path(e, &dir))? {
            let path = entry.map_err(|e| with_path(e, &dir))?.path();
            if !path.is_file() {
                continue;
            }
            if let Ok(pem) = std::fs::read(&path) {
                certs.extend(parse_roots(&pem).unwrap_or_default());
            }
        }
    }
    // A folder often holds each certificate twice (a file and its hash link),
    // and the bundle of SSL_CERT_FILE too: each root once.
    let mut seen = std::collections::HashSet::new();
    certs.retain(|cert| seen.insert(cert.der().to_vec()));
    if certs.is_empty() {
        return Err(invalid_data(
            "SSL_CERT_FILE / SSL_CERT_DIR hold no PEM certificate",
        ));
    }
    Ok(Some(with_certs(certs)))
}

fn invalid_data(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
