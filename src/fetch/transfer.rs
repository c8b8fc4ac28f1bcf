//! The transfer: requests, redirects, ranges, retries, refreshes, bounds and the
//! final checks. Nothing here touches a path: the bytes go to a [`Sink`].

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::PathBuf;

#[cfg(feature = "sha256")]
use ring::digest::{Context, SHA256};
use ureq::http::HeaderMap;

use super::disk::{self, Meta, Slot, BUFFER};
use super::{names, Fetched, Fetcher, Progress};
use crate::url::{one_line, redact_url_queries};
use crate::{DownloadLink, Error, FileHostError, FileHostKind, Vendor};

/// ureq's input buffer for a new connection of the fetcher (its default is 128 KiB).
const INPUT_BUFFER: usize = 512 * 1024;

pub(super) enum Failure {
    /// Broken transfer, stall, 429/5xx, a short body: try again (resuming).
    Retry(Box<FileHostError>),
    /// The host refused the link: refresh it.
    Denied(Box<FileHostError>),
    /// Give up.
    Fatal(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Fatal(e)
    }
}

impl From<FileHostError> for Failure {
    fn from(e: FileHostError) -> Self {
        Failure::Fatal(e.into())
    }
}

pub(super) enum Sink<'w> {
    None,
    File(File),
    Writer(&'w mut dyn Write),
}

/// One fetch in progress.
pub(super) struct Job<'w, 's> {
    pub vendor: Vendor,
    pub sink: Sink<'w>,
    /// The slot of a file job (its part file is the sink).
    pub slot: Option<&'s Slot>,
    pub name: Option<String>,
    pub key: String,
    pub offset: u64,
    skip: u64,
    /// The object's length, as stated for the current validator.
    pub total: Option<u64>,
    pub validator: Option<String>,
    encoded: bool,
    #[cfg(feature = "sha256")]
    pub digest: Option<Context>,
    /// What the fetch reports: the last link used, the counts, the digest
    /// (`path` and `bytes` are filled in at the end).
    pub out: Fetched,
}

impl Job<'_, '_> {
    /// Drops the bytes kept and starts the file over (a writer cannot).
    fn restart(&mut self, url: &str) -> Result<(), Failure> {
        match &mut self.sink {
            Sink::File(file) => file
                .set_len(0)
                .and_then(|()| file.rewind())
                .map_err(|e| local(&self.out.link, "truncating the temporary file", e))?,
            Sink::Writer(_) if self.offset > 0 => {
                return Err(FileHostError::new(self.vendor, FileHostKind::Io, url)
                    .with_note("the transfer broke off and the host offers no way to continue the same object")
                    .into());
            }
            _ => {}
        }
        if let Some(slot) = self.slot {
            slot.remove_meta();
        }
        self.offset = 0;
        self.total = None;
        self.validator = None;
        self.out.restarts += 1;
        #[cfg(feature = "sha256")]
        if self.digest.is_some() {
            self.digest = Some(Context::new(&SHA256));
        }
        Ok(())
    }

    /// Removes the temporary file and its metadata (after a failed check), and
    /// gives `e` back as the error.
    fn discard(&mut self, e: FileHostError) -> Error {
        if let Some(slot) = self.slot {
            self.sink = Sink::None;
            slot.discard();
        }
        e.into()
    }

    /// Records the validator beside the temporary file, for a later run.
    fn save_meta(&self) {
        let (Some(slot), Sink::File(file)) = (self.slot, &self.sink) else {
            return;
        };
        match (&self.validator, file.metadata()) {
            (Some(validator), Ok(part)) => slot.save_meta(&Meta {
                key: self.key.clone(),
                validator: validator.clone(),
                total: self.total,
                name: self.name.clone(),
                part: disk::identity(&part),
            }),
            _ => slot.remove_meta(),
        }
    }

    pub(super) fn fetched(&self, path: Option<PathBuf>) -> Fetched {
        let mut out = self.out.clone();
        out.path = path;
        out.bytes = self.offset;
        out
    }
}

impl Fetcher<'_> {
    /// A job for `link`, hashing what it writes when a digest is expected.
    pub(super) fn job<'w, 's>(&self, link: &DownloadLink, sink: Sink<'w>) -> Job<'w, 's> {
        Job {
            vendor: link.vendor,
            sink,
            slot: None,
            name: None,
            key: String::new(),
            offset: 0,
            skip: 0,
            total: None,
            validator: None,
            encoded: false,
            #[cfg(feature = "sha256")]
            digest: self.sha256.as_ref().map(|_| Context::new(&SHA256)),
            out: Fetched {
                path: None,
                bytes: 0,
                resumed_from: 0,
                requests: 0,
                ranges: 0,
                refreshes: 0,
                restarts: 0,
                link: link.clone(),
                sha256: None,
            },
        }
    }

    /// The most bytes the file may have: the smaller of `expected_size` and
    /// `max_size`.
    fn limit(&self) -> Option<u64> {
        self.expected_size.into_iter().chain(self.max_size).min()
    }

    /// A stated length above the bounds is refused before a byte is written.
    fn check_stated(&self, job: &mut Job<'_, '_>, url: &str, status: u16) -> Result<(), Failure> {
        // The length stated is what the file would actually be.
        let Some(actual) = job.total else {
            return Ok(());
        };
        let kind = if let Some(limit) = self.limit().filter(|limit| actual > *limit) {
            FileHostKind::TooLarge { limit }
        } else if let Some(expected) = self.expected_size.filter(|e| *e != actual) {
            FileHostKind::LengthMismatch { expected, actual }
        } else {
            return Ok(());
        };
        let e = FileHostError::new(job.vendor, kind, url)
            .status(status)
            .with_note(format!("the host states {actual} bytes"));
        Err(job.discard(e).into())
    }

    /// The transfer loop: attempts, retries, refreshes.
    pub(super) fn run(&mut self, job: &mut Job<'_, '_>) -> Result<(), Error> {
        let mut failures = 0u32;
        loop {
            if job.out.link.is_expired() && self.refresher.is_some() {
                self.refresh(job, None)?;
            }
            let before = job.offset;
            match self.attempt(job) {
                Ok(()) => return self.verify(job),
                Err(Failure::Denied(err)) => self.refresh(job, Some(*err))?,
                Err(Failure::Retry(err)) => {
                    failures = if job.offset > before { 1 } else { failures + 1 };
                    if failures > self.max_retries {
                        return Err(Error::FileHost(err));
                    }
                    std::thread::sleep(self.retry_delay * failures);
                }
                Err(Failure::Fatal(err)) => return Err(err),
            }
        }
    }

    /// Asks the refresher for a new link; the refusal `denied` (or the link's
    /// expiry) is the error without a refresher or past `max_refreshes`.
    fn refresh(
        &mut self,
        job: &mut Job<'_, '_>,
        denied: Option<FileHostError>,
    ) -> Result<(), Error> {
        let mut err = denied.unwrap_or_else(|| {
            FileHostError::new(job.vendor, FileHostKind::Denied, &job.out.link.url)
                .with_note("the link has expired")
        });
        let Some(refresh) = self.refresher.as_mut() else {
            return Err(err.into());
        };
        if job.out.refreshes >= self.max_refreshes {
            err.kind = FileHostKind::TooManyRefreshes;
            return Err(err.into());
        }
        let link = refresh(&job.out.link)?;
        super::check_link(&link)?;
        job.out.link = link;
        job.out.refreshes += 1;
        Ok(())
    }

    fn verify(&self, job: &mut Job<'_, '_>) -> Result<(), Error> {
        let actual = job.offset;
        // Bytes kept from an earlier run (a `416`: nothing left) were never
        // streamed past the bound of this run.
        if let Some(limit) = self.limit().filter(|limit| actual > *limit) {
            let kind = FileHostKind::TooLarge { limit };
            let e = FileHostError::new(job.vendor, kind, &job.out.link.url);
            return Err(job.discard(e.with_note(format!("{actual} bytes kept"))));
        }
        if let Some(expected) = self.expected_size.filter(|e| *e != actual) {
            let kind = FileHostKind::LengthMismatch { expected, actual };
            let e = FileHostError::new(job.vendor, kind, &job.out.link.url);
            return Err(job.discard(e));
        }
        #[cfg(feature = "sha256")]
        if let Some(digest) = job.digest.take() {
            let actual = to_hex(digest.finish().as_ref());
            if let Some(expected) = self.sha256.clone().filter(|e| *e != actual) {
                let kind = FileHostKind::Checksum { expected, actual };
                let e = FileHostError::new(job.vendor, kind, &job.out.link.url);
                return Err(job.discard(e));
            }
            job.out.sha256 = Some(actual);
        }
        Ok(())
    }

    /// The request for `url`: the crate's one transport policy for file hosts
    /// (TLS fallback, proxies and loopback, SOCKS refused, every phase bounded
    /// by the stall timeout, no redirects followed by ureq), then what a file
    /// transfer adds.
    fn send(
        &self,
        vendor: Vendor,
        url: &str,
        range: Option<(u64, &str)>,
    ) -> Result<ureq::http::Response<ureq::Body>, Failure> {
        let config = crate::http::policy::file_request(&self.agent, url, self.stall_timeout)
            .map_err(|why| Error::invalid(vendor, why.field, why.reason))?;
        let mut request = config
            .input_buffer_size(INPUT_BUFFER)
            .build()
            .header("accept-encoding", "identity");
        if let Some((offset, validator)) = range {
            request = request
                .header("range", format!("bytes={offset}-"))
                .header("if-range", validator);
        }
        request
            .call()
            .map_err(|e| transfer_failure(vendor, url, None, e))
    }

    /// One request (following redirects) and its body.
    fn attempt(&mut self, job: &mut Job<'_, '_>) -> Result<(), Failure> {
        let vendor = job.vendor;
        let mut url = job.out.link.url.as_str().to_owned();
        let mut redirects = 0;
        // Without a validator (or with a decoded body) kept bytes cannot be
        // continued safely: start over.
        if job.offset > 0 && (job.validator.is_none() || job.encoded) {
            job.restart(&url)?;
        }
        let (mut response, status) = loop {
            let validator = job.validator.as_ref().filter(|_| job.offset > 0);
            let range = validator.map(|v| (job.offset, v.as_str()));
            job.out.requests += 1;
            let response = self.send(vendor, &url, range)?;
            let status = response.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                break (response, status);
            }
            redirects += 1;
            if redirects > self.max_redirects {
                let kind = FileHostKind::TooManyRedirects;
                return Err(FileHostError::new(vendor, kind, &url).status(status).into());
            }
            let location = header(response.headers(), "location").unwrap_or_default();
            url = follow(&url, location).map_err(|why| {
                FileHostError::new(vendor, FileHostKind::BadRedirect, &url)
                    .status(status)
                    .with_note(why)
            })?;
        };
        let headers = response.headers().clone();
        let validator = validator(&headers);
        // The same version of the object as the bytes kept (or the last reply).
        let same_object = validator.is_some() && validator == job.validator;
        match status {
            200 => {
                let encoded = header(&headers, "content-encoding")
                    .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
                let stated = header(&headers, "content-length").and_then(|v| v.trim().parse().ok());
                let stated = stated.filter(|_| !encoded);
                // The same object states the same length.
                let same_object = same_object && stated.zip(job.total).is_none_or(|(s, t)| s == t);
                let earlier_total = job.total.filter(|_| same_object);
                if job.offset > 0 {
                    if matches!(job.sink, Sink::File(_)) || !same_object {
                        job.restart(&url)?;
                    } else {
                        // A writer cannot take back what it got: skip the prefix
                        // of the same object.
                        job.skip = job.offset;
                    }
                }
                // A reply without a length keeps the length stated earlier for
                // the same strong validator.
                job.total = stated.or(earlier_total);
                job.validator = validator.filter(|_| !encoded);
                job.encoded = encoded;
            }
            206 => {
                let range = header(&headers, "content-range").and_then(parse_content_range);
                let why = match range {
                    None => Some("206 without a usable Content-Range"),
                    Some(_) if job.offset == 0 => Some("206 to a request without Range"),
                    Some(_) if !same_object => {
                        Some("206 without the validator sent in If-Range (another version of the object)")
                    }
                    Some((start, _, _)) if start != job.offset => Some("206 starting elsewhere than asked"),
                    Some((_, _, Some(total))) if job.total.is_some_and(|t| t != total) => {
                        Some("206 stating another length for the object")
                    }
                    Some(_) => None,
                };
                if let Some(why) = why {
                    job.restart(&url)?;
                    let e = FileHostError::new(vendor, FileHostKind::Io, &url).status(206);
                    let note = format!("{why}; starting over");
                    return Err(Failure::Retry(Box::new(e.with_note(note))));
                }
                job.out.ranges += 1;
                job.total = range.and_then(|(_, _, total)| total).or(job.total);
            }
            416 => {
                let total = header(&headers, "content-range")
                    .and_then(|v| v.trim().strip_prefix("bytes */")?.trim().parse().ok())
                    .or(job.total);
                // The bytes kept are the whole object only when no length
                // stated for it (earlier, for the same validator) says more.
                let other = validator.is_some() && !same_object;
                let whole = job.total.is_none_or(|t| t == job.offset);
                if total == Some(job.offset) && job.offset > 0 && !other && whole {
                    job.total = total;
                    return Ok(());
                }
                job.restart(&url)?;
                let e = FileHostError::new(vendor, FileHostKind::Status, &url).status(416);
                return Err(Failure::Retry(Box::new(e)));
            }
            _ => {
                let excerpt = read_excerpt(&mut response, &url);
                let mut err = FileHostError::new(vendor, FileHostKind::Status, &url).status(status);
                err.body_excerpt = Some(excerpt.clone());
                if is_denial(status, &excerpt) {
                    err.kind = FileHostKind::Denied;
                    return Err(Failure::Denied(Box::new(err)));
                }
                if crate::error::retryable_status(status) {
                    return Err(Failure::Retry(Box::new(err)));
                }
                return Err(err.into());
            }
        }
        self.check_stated(job, &url, status)?;
        // The name, when the link did not give one.
        if let (Some(slot), None) = (job.slot, &job.name) {
            let name = header(&headers, "content-disposition")
                .and_then(names::content_disposition_name)
                .and_then(|n| names::sanitize_file_name(&n))
                .or_else(|| names::url_file_name(&url))
                .unwrap_or_else(|| "download".to_owned());
            job.name = Some(self.claim(&slot.dir, &name, &job.out.link)?);
        }
        job.save_meta();
        self.stream(job, response, &url)
    }

    fn stream(
        &mut self,
        job: &mut Job<'_, '_>,
        response: ureq::http::Response<ureq::Body>,
        url: &str,
    ) -> Result<(), Failure> {
        let vendor = job.vendor;
        // Decoded bytes are what is counted against the bounds: ureq decodes a
        // gzip body sent despite `identity`, and its own limit would count the
        // same bytes; the check below stops at the bound either way.
        let mut reader = response
            .into_body()
            .into_with_config()
            .limit(u64::MAX)
            .reader();
        let limit = self.limit();
        let mut buf = vec![0u8; BUFFER];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(transfer_failure(vendor, url, Some(200), e.into())),
            };
            // A writer's job may skip what it already got of the same object.
            let skipped = job.skip.min(n as u64) as usize;
            job.skip -= skipped as u64;
            let chunk = &buf[skipped..n];
            if chunk.is_empty() {
                continue;
            }
            let end = job.offset + chunk.len() as u64;
            if let Some(limit) = limit.filter(|limit| end > *limit) {
                let e = FileHostError::new(vendor, FileHostKind::TooLarge { limit }, url)
                    .with_note(format!("more than {limit} bytes arrived"));
                return Err(job.discard(e).into());
            }
            // A length known for the object ends the transfer as soon as the
            // body runs past it, however long the host would go on.
            if let Some(total) = job.total.filter(|total| end > *total) {
                let (expected, actual) = (total, end);
                let e = FileHostError::new(
                    vendor,
                    FileHostKind::LengthMismatch { expected, actual },
                    url,
                )
                .with_note(format!(
                    "more than {total} bytes arrived: the transfer stopped"
                ));
                return Err(job.discard(e).into());
            }
            let written = match &mut job.sink {
                Sink::None => Ok(()),
                Sink::File(f) => f.write_all(chunk),
                Sink::Writer(w) => w.write_all(chunk),
            };
            if let Err(e) = written {
                let what = job.slot.map_or("writing the output".to_owned(), |slot| {
                    format!("writing {}", slot.part.display())
                });
                return Err(local(&job.out.link, &what, e).into());
            }
            #[cfg(feature = "sha256")]
            if let Some(digest) = job.digest.as_mut() {
                digest.update(chunk);
            }
            job.offset += chunk.len() as u64;
            let (done, total) = (job.offset, job.total);
            (self.progress)(Progress { done, total });
        }
        // Whatever length is known must be met: a short body is a broken
        // transfer (resumed), never a complete file. (A longer one ended above:
        // `expected_size` is part of `limit`.)
        if let Some(total) = job.total.or(self.expected_size) {
            if job.offset < total {
                let note = format!("connection closed at {} of {total} bytes", job.offset);
                let e = FileHostError::new(vendor, FileHostKind::Io, url).with_note(note);
                return Err(Failure::Retry(Box::new(e)));
            }
        }
        Ok(())
    }
}

/// A local failure: not retryable, the OS error as its source.
pub(super) fn local(link: &DownloadLink, what: &str, source: io::Error) -> Error {
    FileHostError::new(link.vendor, FileHostKind::Local, &link.url)
        .with_note(what.to_owned())
        .source(source)
        .into()
}

/// A failed request or body read. A stall or a broken connection is retried;
/// what another try cannot mend (a name that does not resolve, a URL ureq
/// refuses, a TLS failure) is not.
fn transfer_failure(vendor: Vendor, url: &str, status: Option<u16>, err: ureq::Error) -> Failure {
    use crate::TransportKind as T;
    let https = crate::url::split_http_scheme(url).is_some_and(|(s, _)| s == "https");
    let kind = match crate::http::classify(&err, https, status) {
        T::Dns | T::Tls | T::Other => FileHostKind::Unreachable,
        T::Timeout => FileHostKind::Stalled,
        _ => FileHostKind::Io,
    };
    let mut e = FileHostError::new(vendor, kind, url);
    e.http_status = status;
    e.note = Some(redact_url_queries(&err.to_string()));
    let e = e.source(err);
    if e.kind == FileHostKind::Unreachable {
        e.into()
    } else {
        Failure::Retry(Box::new(e))
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What `If-Range` carries: a strong ETag, else — only when the host sent no
/// ETag at all — a `Last-Modified` date. A weak ETag allows no resume. An ETag
/// is quoted and a date is not: the meta keeps them apart by that.
fn validator(headers: &HeaderMap) -> Option<String> {
    // An ETag that is not visible ASCII is an ETag too (unusable).
    if let Some(etag) = headers.get("etag") {
        let etag = etag.to_str().unwrap_or_default().trim();
        // RFC 9110 13.1.5: never a date when an entity tag exists.
        return (etag.starts_with('"') && etag.len() >= 2 && etag.ends_with('"'))
            .then(|| etag.to_owned());
    }
    header(headers, "last-modified").map(|d| d.trim().to_owned())
}

/// The start of an error body, on one line, with URL queries redacted and the
/// request URL's own query values too (S3 echoes a signature it refuses).
fn read_excerpt(response: &mut ureq::http::Response<ureq::Body>, url: &str) -> String {
    let limit = crate::EXCERPT_LIMIT;
    let mut body = Vec::new();
    let reader = response.body_mut().as_reader();
    // Read past the limit, so that a value across the cut is still found whole.
    let _ = reader.take(2 * limit as u64).read_to_end(&mut body);
    let mut text = redact_url_queries(&String::from_utf8_lossy(&body));
    // As a vendor reply's secrets are: written as they are, escaped or
    // percent-encoded (short values such as `X-Amz-Expires=60` are left).
    for (_, raw) in crate::url::query_of(url)
        .into_iter()
        .flat_map(crate::url::query_pairs)
    {
        let value = crate::encode::percent_decoded(raw);
        if value.len() >= 8 {
            text = crate::http::replace_secret(&text, &value).unwrap_or(text);
        }
    }
    one_line(&text, limit)
}

/// Whether a reply means "this link no longer works": 401, 403, 410, or S3's
/// expiry and denial codes in any 4xx.
fn is_denial(status: u16, body: &str) -> bool {
    matches!(status, 401 | 403 | 410)
        || ((400..500).contains(&status)
            && [
                "<Code>AccessDenied</Code>",
                "<Code>ExpiredToken</Code>",
                "Request has expired",
            ]
            .iter()
            .any(|needle| body.contains(needle)))
}

/// `bytes start-end/total` (total `*` → `None`).
fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.trim().split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    if end < start || total.is_some_and(|t| end >= t) {
        return None;
    }
    Some((start, end, total))
}

/// The URL a redirect leads to, refusing `https` → `http`.
fn follow(from: &str, location: &str) -> Result<String, &'static str> {
    let location = location.trim();
    if location.is_empty() {
        return Err("redirect without a Location");
    }
    let from_https = crate::url::split_http_scheme(from).is_some_and(|(s, _)| s == "https");
    let next = if let Some((scheme, _)) = crate::url::split_http_scheme(location) {
        if from_https && scheme == "http" {
            return Err("redirect from https to http refused");
        }
        location.to_owned()
    } else if location.contains("://") {
        return Err("redirect to a scheme other than http(s)");
    } else {
        let scheme_end = from.find("://").map_or(0, |i| i + 3);
        let authority_end = from[scheme_end..]
            .find(['/', '?', '#'])
            .map_or(from.len(), |i| scheme_end + i);
        if let Some(rest) = location.strip_prefix("//") {
            format!("{}{}", &from[..scheme_end], rest)
        } else if location.starts_with('/') {
            format!("{}{}", &from[..authority_end], location)
        } else {
            // Beside the last segment of the path (after `/` when there is none).
            let path_end = from[authority_end..]
                .find(['?', '#'])
                .map_or(from.len(), |i| authority_end + i);
            match from[authority_end..path_end].rfind('/') {
                Some(i) => format!("{}{location}", &from[..authority_end + i + 1]),
                None => format!("{}/{location}", &from[..path_end]),
            }
        }
    };
    if !crate::url::is_http_url(&next) {
        return Err("redirect to an unusable URL");
    }
    Ok(next)
}

#[cfg(feature = "sha256")]
pub(super) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects() {
        assert_eq!(follow("https://a/b/c?q", "/d").unwrap(), "https://a/d");
        assert_eq!(follow("https://a/b/c?q", "d").unwrap(), "https://a/b/d");
        assert_eq!(follow("https://a/b/c", "//e/f").unwrap(), "https://e/f");
        assert_eq!(follow("http://a/b", "https://x/y").unwrap(), "https://x/y");
        assert!(follow("https://a/b", "http://x/y").is_err());
        assert!(follow("https://a/b", "HTTP://x/y").is_err());
        assert!(follow("https://a/b", "ftp://x/y").is_err());
        assert!(follow("https://a/b", "").is_err());
    }

    #[test]
    fn content_range() {
        assert_eq!(
            parse_content_range("bytes 10-19/20"),
            Some((10, 19, Some(20)))
        );
        assert_eq!(parse_content_range("bytes 10-19/*"), Some((10, 19, None)));
        assert_eq!(parse_content_range("bytes 10-19/15"), None);
        assert_eq!(parse_content_range("items 1-2/3"), None);
    }

    #[test]
    fn denial() {
        assert!(is_denial(403, ""));
        assert!(is_denial(400, "<Error><Code>ExpiredToken</Code></Error>"));
        assert!(!is_denial(404, "<Code>NoSuchKey</Code>"));
        assert!(!is_denial(500, "<Code>AccessDenied</Code>"));
    }

    #[test]
    fn validators() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.insert(*k, v.parse().unwrap());
            }
            map
        };
        let date = "Wed, 01 Jan 2025 00:00:00 GMT";
        assert_eq!(
            validator(&headers(&[("etag", "\"a\""), ("last-modified", date)])),
            Some("\"a\"".into())
        );
        // A weak ETag: no resume, and never the date instead.
        assert_eq!(
            validator(&headers(&[("etag", "W/\"a\""), ("last-modified", date)])),
            None
        );
        assert_eq!(
            validator(&headers(&[("last-modified", date)])),
            Some(date.into())
        );
        assert_eq!(validator(&headers(&[])), None);
    }
}
