#![no_main]
//! Arbitrary text as a link URL: expiry parsing, URL checks and redaction.
use download_url::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let url = String::from_utf8_lossy(data);
    let _ = decode::amz_expiry(&url);
    let _ = decode::cloudreve_sign_expiry(&url);
    let _ = decode::retry_after(&url);
    if let Some(at) = decode::parse_amz_date(&url) {
        assert!(at.offset().is_utc());
    }
    let _ = decode::is_http_url(&url);
    let redacted = download_url::redact_url(&url);
    let marks = redacted.matches('?').count();
    assert!(
        marks == 0 || (marks == 1 && redacted.ends_with("?[redacted]")),
        "{redacted:?}"
    );
    let _ = decode::redact_url_queries(&url);
});
