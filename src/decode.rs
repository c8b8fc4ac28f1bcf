//! Offline decoding of vendor replies. **Not a stable API.**
//!
//! Every vendor function of this crate sends one request and then decodes the
//! reply; the functions here run only the second half, on a reply given as plain
//! parts ([`RawReply`]) instead of one read from the network. The result is exactly
//! what the vendor function would have returned for that reply (expiries that
//! depend on the arrival time count from the call here).
//!
//! This module exists for fuzzing (`fuzz/` and `tests/decode_fuzz.rs`), for
//! benchmarks of the decoding alone, and for replaying captured replies. It is
//! hidden from the documentation and may change or disappear in any release,
//! minor or patch: do not depend on it.
//!
//! ```
//! # #[cfg(feature = "kie")] {
//! use download_url::decode::{self, RawReply};
//!
//! let body = br#"{"code":402,"msg":"Credits insufficient"}"#;
//! let err = decode::kie(&RawReply::new(200, body), "https://tempfile.example/a.png").unwrap_err();
//! assert_eq!(err.code(), Some(402));
//! # }
//! ```

use std::time::Duration;

use time::OffsetDateTime;

#[allow(unused_imports)] // used by the vendor entry points that are enabled
use crate::http::Reply;
#[allow(unused_imports)]
use crate::{Error, Vendor};

/// A vendor reply given as parts: HTTP status, headers (name, value) and the
/// complete body.
#[derive(Debug, Clone, Copy)]
pub struct RawReply<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers; pairs that are not valid HTTP are ignored.
    pub headers: &'a [(&'a str, &'a str)],
    /// The whole body. Over [`BODY_LIMIT`](crate::BODY_LIMIT) bytes it is the same
    /// [`TooLarge`](crate::UnexpectedReason::TooLarge) error the transport gives.
    pub body: &'a [u8],
}

impl<'a> RawReply<'a> {
    /// A reply with `status`, no headers and `body`.
    pub fn new(status: u16, body: &'a [u8]) -> Self {
        RawReply {
            status,
            headers: &[],
            body,
        }
    }

    #[allow(dead_code)] // used by the vendor entry points that are enabled
    fn reply(&self, vendor: Vendor) -> Result<Reply, Error> {
        Reply::from_parts(vendor, self.status, self.headers, self.body)
    }
}

/// kie.ai: decodes a reply of `POST /api/v1/common/download-url`, as
/// [`kie::download_link`](crate::kie::download_link) would.
///
/// # Errors
///
/// As [`kie::download_link`](crate::kie::download_link), except transport errors.
#[cfg(feature = "kie")]
pub fn kie(raw: &RawReply<'_>, file_url: &str) -> Result<crate::DownloadLink, Error> {
    crate::kie::decode(&raw.reply(Vendor::Kie)?, file_url)
}

/// Datalab: decodes a reply of `GET /api/v1/files/{file_id}/download`, as
/// [`datalab::download_link`](crate::datalab::download_link) would.
///
/// # Errors
///
/// As [`datalab::download_link`](crate::datalab::download_link), except transport
/// errors and invalid input.
#[cfg(feature = "datalab")]
pub fn datalab(raw: &RawReply<'_>, file_id: &str) -> Result<crate::DownloadLink, Error> {
    crate::datalab::decode(&raw.reply(Vendor::Datalab)?, file_id)
}

/// Cloudreve v4: decodes a reply of `POST /api/v4/file/url` to `request`, as
/// [`cloudreve::download_links`](crate::cloudreve::download_links) would. The request
/// is not validated; it says how many URIs were sent and which of `redirect`,
/// `skip_error` and `archive` were asked for.
///
/// # Errors
///
/// As [`cloudreve::download_links`](crate::cloudreve::download_links), except
/// transport errors and invalid input, and a 40081 naming URIs, which stays the
/// `Err` it is (one reply: no extra call for the other URIs).
#[cfg(feature = "cloudreve")]
pub fn cloudreve(
    raw: &RawReply<'_>,
    request: &crate::cloudreve::Request,
) -> Result<crate::Batch, Error> {
    crate::cloudreve::decode(&raw.reply(Vendor::Cloudreve)?, request)
}

/// BlendVision One: decodes a reply of the single-file call, as
/// [`blendvision::download_link`](crate::blendvision::download_link) would.
///
/// # Errors
///
/// As [`blendvision::download_link`](crate::blendvision::download_link), except
/// transport errors and invalid input.
#[cfg(feature = "blendvision")]
pub fn blendvision_single(raw: &RawReply<'_>, id: &str) -> Result<crate::DownloadLink, Error> {
    crate::blendvision::decode_single(&raw.reply(Vendor::BlendVision)?, id)
}

/// BlendVision One: decodes a reply of the batch call, as
/// [`blendvision::download_links`](crate::blendvision::download_links) would.
///
/// # Errors
///
/// As [`blendvision::download_links`](crate::blendvision::download_links), except
/// transport errors and invalid input.
#[cfg(feature = "blendvision")]
pub fn blendvision_batch<S: AsRef<str>>(
    raw: &RawReply<'_>,
    ids: &[S],
) -> Result<crate::Batch, Error> {
    crate::blendvision::decode_batch(&raw.reply(Vendor::BlendVision)?, ids)
}

/// KooDrive: decodes the reply of one call, as
/// [`koodrive::download_links`](crate::koodrive::download_links) would for a request
/// of at most [`MAX_IDS_PER_CALL`](crate::koodrive::MAX_IDS_PER_CALL) `ids` (one
/// call).
///
/// # Errors
///
/// As [`koodrive::download_links`](crate::koodrive::download_links), except
/// transport errors and invalid input.
#[cfg(feature = "koodrive")]
pub fn koodrive<S: AsRef<str>>(raw: &RawReply<'_>, ids: &[S]) -> Result<crate::Batch, Error> {
    crate::koodrive::decode(&raw.reply(Vendor::KooDrive)?, ids)
}

/// The expiry of an S3-style presigned URL: `X-Amz-Date` + `X-Amz-Expires`
/// (kie.ai, KooDrive, and Cloudreve links without `sign`).
pub fn amz_expiry(url: &str) -> Option<OffsetDateTime> {
    crate::expiry::amz_expiry(crate::url::query_of(url)?)
}

/// Parses the `yyyyMMdd'T'HHmmss'Z'` form of `X-Amz-Date` and KooDrive's `X-Date`.
pub fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    crate::expiry::parse_amz_date(text)
}

/// The expiry in Cloudreve's `sign=<signature>:<unix seconds>` query parameter:
/// `None` when absent or unreadable, `Some(None)` for `0` (never expires).
pub fn cloudreve_sign_expiry(url: &str) -> Option<Option<OffsetDateTime>> {
    crate::expiry::sign_expiry(url)
}

/// The expiry a presigned URL states in its own query (the one recogniser every
/// vendor's links go through).
pub fn url_expiry(url: &str) -> crate::Expiry {
    crate::expiry::recognise(url)
}

/// Whether `url` is an `http(s)://` URL with a host and no whitespace or control
/// characters (the check applied to links from kie.ai and KooDrive).
pub fn is_http_url(url: &str) -> bool {
    crate::url::is_http_url(url)
}

/// `text` with the query of every `http(s)://` URL in it replaced by
/// `?[redacted]`, as done to every message and body excerpt kept in an [`Error`].
pub fn redact_url_queries(text: &str) -> String {
    crate::url::redact_url_queries(text)
}

/// A `Retry-After` value (delta-seconds or an HTTP date) as a wait from now.
pub fn retry_after(value: &str) -> Option<Duration> {
    crate::http::parse_retry_after(value, OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    #[allow(unused_imports)]
    use super::*;

    #[cfg(feature = "kie")]
    #[test]
    fn kie_vendor_example() {
        let body = br#"{"code":200,"msg":"success","data":"https://tempfile.1f6cxv.com/h/a.png?X-Amz-Date=20250101T000000Z&X-Amz-Expires=1200&X-Amz-Signature=abc"}"#;
        let link = kie(&RawReply::new(200, body), "https://f/a.png").unwrap();
        assert_eq!(link.item, "https://f/a.png");
        assert_eq!(
            link.expires,
            crate::Expiry::At(time::macros::datetime!(2025-01-01 00:20:00 UTC))
        );
        let refused = kie(
            &RawReply::new(200, br#"{"code":402,"msg":"no credits"}"#),
            "https://f/a.png",
        );
        assert_eq!(refused.unwrap_err().code(), Some(402));
    }

    #[cfg(feature = "datalab")]
    #[test]
    fn datalab_vendor_example() {
        let body = br#"{"download_url":"https://datalab-files.s3.amazonaws.com/f/report.pdf?X-Amz-Signature=5f","expires_in":3600,"file_id":42,"original_filename":"report.pdf"}"#;
        let link = datalab(&RawReply::new(200, body), "42").unwrap();
        assert_eq!(link.file_name.as_deref(), Some("report.pdf"));
        assert_eq!(link.item, "42");
        let missing = datalab(&RawReply::new(404, br#"{"detail":"File not found"}"#), "42");
        assert_eq!(missing.unwrap_err().http_status(), Some(404));
    }

    #[cfg(feature = "cloudreve")]
    #[test]
    fn cloudreve_vendor_example() {
        use crate::cloudreve::Request;
        let body = br#"{"code":0,"data":{"urls":[{"url":"https://cloud.example.com/api/v4/file/content/zOie/0/a.mp3?sign=1CgU15Is0ezKeTVKE_OAu2tJJoB6lN5s_DvRXTcP7GQ%3D%3A1749525301"}],"expires":null},"msg":""}"#;
        let request = Request::new(["cloudreve://my/a.mp3"]);
        let batch = cloudreve(&RawReply::new(200, body), &request).unwrap();
        assert_eq!(
            batch.links[0].expires,
            crate::Expiry::At(time::macros::datetime!(2025-06-10 03:15:01 UTC))
        );
        assert_eq!(batch.links[0].file_name.as_deref(), Some("a.mp3"));
        let mut redirect = Request::new(["cloudreve://my/a.mp3"]);
        redirect.redirect = Some(true);
        let headers = [("Location", "https://s3.example/a.mp3?X-Amz-Signature=x")];
        let raw = RawReply {
            status: 302,
            headers: &headers,
            body: b"",
        };
        let batch = cloudreve(&raw, &redirect).unwrap();
        assert_eq!(
            batch.links[0].url,
            "https://s3.example/a.mp3?X-Amz-Signature=x"
        );
        assert_eq!(batch.links[0].expires, crate::Expiry::Unknown);
    }

    #[cfg(feature = "blendvision")]
    #[test]
    fn blendvision_vendor_example() {
        let id = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
        let file = br#"{"id":"63df97e3-519b-4426-bf01-d1841cdc2ccd","download_uri":"https://s3.example/bbb.mp4?X-Amz-Signature=946b","download_filename":"bbb.mp4","expiration_time":"2023-02-06T03:31:39.123456789Z"}"#;
        let single = blendvision_single(&RawReply::new(200, file), id).unwrap();
        assert_eq!(single.file_name.as_deref(), Some("bbb.mp4"));
        let mut batch_body = b"{\"download_files\":[".to_vec();
        batch_body.extend_from_slice(file);
        batch_body.extend_from_slice(b"]}");
        let batch = blendvision_batch(&RawReply::new(200, &batch_body), &[id]).unwrap();
        assert_eq!(batch.links, vec![single]);
        let status = br#"{"code":5,"message":"Not Found","details":[]}"#;
        let err = blendvision_single(&RawReply::new(404, status), id).unwrap_err();
        assert_eq!(err.code(), Some(5));
    }

    #[cfg(feature = "koodrive")]
    #[test]
    fn koodrive_vendor_example() {
        let body = br#"{"code":0,"msg":"success","batchCode":0,"downloads":[{"fileId":"Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ","code":"0","fileName":"Invoice 1.pdf","url":"https://b/5e?X-Amz-Date=20231227T072939Z&X-Amz-Expires=3600&X-Amz-Signature=9d"},{"fileId":"F2","code":"13000302","msg":"file not in the space"}]}"#;
        let ids = ["Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ", "F2"];
        let batch = koodrive(&RawReply::new(200, body), &ids).unwrap();
        assert_eq!(batch.links[0].file_name.as_deref(), Some("Invoice 1.pdf"));
        assert_eq!(
            batch.links[0].expires,
            crate::Expiry::At(time::macros::datetime!(2023-12-27 08:29:39 UTC))
        );
        assert_eq!(
            batch.failures[0].code(),
            Some(&crate::VendorCode::Text("13000302".into()))
        );
        let gateway = br#"{"error_code":"APIGW.0303","error_msg":"App authentication failed","request_id":"r1"}"#;
        let err = koodrive(&RawReply::new(401, gateway), &ids).unwrap_err();
        assert_eq!(err.request_id(), Some("r1"));
    }

    #[test]
    fn oversized_body_is_too_large() {
        let body = vec![b' '; crate::BODY_LIMIT + 10];
        #[cfg(feature = "kie")]
        match kie(&RawReply::new(200, &body), "https://f/a") {
            Err(Error::UnexpectedResponse(e)) => {
                assert_eq!(e.reason, crate::UnexpectedReason::TooLarge)
            }
            other => panic!("{other:?}"),
        }
        let _ = body;
    }

    #[test]
    fn expiry_helpers() {
        assert_eq!(
            amz_expiry("https://h/p?X-Amz-Date=20231227T072939Z&X-Amz-Expires=60"),
            Some(time::macros::datetime!(2023-12-27 07:30:39 UTC))
        );
        assert!(parse_amz_date("20231227T072939Z").is_some());
        assert!(is_http_url("https://h/p"));
        assert_eq!(
            redact_url_queries("x https://h/p?s=1"),
            "x https://h/p?[redacted]"
        );
        assert_eq!(retry_after("5"), Some(Duration::from_secs(5)));
        #[cfg(feature = "cloudreve")]
        assert_eq!(cloudreve_sign_expiry("https://h/p?sign=a%3A0"), Some(None));
    }
}
