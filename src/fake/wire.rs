//! The fake servers' HTTP wire pieces that know nothing of the vendors: the
//! status line and head of a reply, filler and gzip-bomb bodies, and the
//! absolute-form request target a proxy receives.

use std::io::{self, Write};
use std::net::TcpStream;

/// Splits an absolute-form request target (`http://host:port/path?q`, as sent to
/// an HTTP proxy) into its authority and the origin-form rest (`/path?q`); any
/// other target is returned as it is.
pub(super) fn split_absolute_form(target: &str) -> (Option<String>, String) {
    let rest = ["http://", "https://"].iter().find_map(|scheme| {
        target
            .get(..scheme.len())
            .filter(|s| s.eq_ignore_ascii_case(scheme))
            .map(|_| &target[scheme.len()..])
    });
    let Some(rest) = rest else {
        return (None, target.to_owned());
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, origin) = rest.split_at(end);
    let origin = match origin {
        "" => "/".to_owned(),
        o if o.starts_with('?') => format!("/{o}"),
        o => o.to_owned(),
    };
    (Some(authority.to_ascii_lowercase()), origin)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

pub(super) fn head(status: u16, headers: &[(String, String)], length: usize) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {length}\r\n\r\n"));
    out.into_bytes()
}

/// Sends `size` bytes of JSON whitespace (an oversized body), `chunk` bytes at a time.
pub(super) fn write_filler(mut stream: &TcpStream, size: usize, chunked: bool) -> io::Result<()> {
    let filler = [b' '; 64 * 1024];
    let mut left = size;
    while left > 0 {
        let n = left.min(filler.len());
        if chunked {
            stream.write_all(format!("{n:x}\r\n").as_bytes())?;
            stream.write_all(&filler[..n])?;
            stream.write_all(b"\r\n")?;
        } else {
            stream.write_all(&filler[..n])?;
        }
        left -= n;
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n")?;
    }
    Ok(())
}

/// A gzip body that inflates to at least `size` spaces. Only two 1 MiB blocks are
/// really compressed; the second one's deflate output (a sync-flushed run of
/// back-references) is repeated, so building a bomb of hundreds of MiB is instant.
/// The gzip trailer is left out: a client that reads to the end fails anyway.
pub(super) fn gzip_bomb(size: usize) -> Vec<u8> {
    let block = vec![b' '; 1 << 20];
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut marks = Vec::new();
    for _ in 0..3 {
        let _ = encoder.write_all(&block);
        let _ = encoder.flush();
        marks.push(encoder.get_ref().len());
    }
    let bytes = encoder.get_ref();
    let (first, second) = (&bytes[..marks[1]], &bytes[marks[0]..marks[1]]);
    let third = &bytes[marks[1]..marks[2]];
    let mut out = first.to_vec();
    if second == third {
        for _ in 2..size.div_ceil(block.len()) {
            out.extend_from_slice(second);
        }
    } else {
        // Unexpected encoder output: fall back to compressing everything.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for _ in 0..size.div_ceil(block.len()) {
            let _ = encoder.write_all(&block);
        }
        out = encoder.finish().unwrap_or_default();
    }
    out
}
