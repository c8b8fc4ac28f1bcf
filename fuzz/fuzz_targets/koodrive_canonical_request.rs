#![no_main]
//! The input, split on NUL: method, path, query, body, then header name/value pairs.
//! The query also serves as the app id.
use download_url_fuzz::check_signing_helpers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\0');
    let method = fields.next().unwrap_or("");
    let path = fields.next().unwrap_or("");
    let query = fields.next().unwrap_or("");
    let body = fields.next().unwrap_or("");
    let rest: Vec<&str> = fields.collect();
    let headers: Vec<(&str, &str)> = rest
        .chunks(2)
        .map(|pair| (pair[0], pair.get(1).copied().unwrap_or("")))
        .collect();
    check_signing_helpers(method, path, query, &headers, body.as_bytes(), query);
});
