#![no_main]
//! The input, split on NUL: method, path, query, body, then header name/value pairs.
use download_url::koodrive::{
    authorization, canonical_query, canonical_request, canonical_uri, signature, signed_headers,
    string_to_sign,
};
use download_url::Secret;
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

    let uri = canonical_uri(path);
    assert!(
        uri.is_ascii() && uri.starts_with('/') && uri.ends_with('/'),
        "{uri:?}"
    );
    assert!(!uri.contains("//"), "{uri:?}");
    let q = canonical_query(query);
    assert!(q.is_ascii(), "{q:?}");
    let canonical = canonical_request(method, path, query, &headers, body.as_bytes());
    assert!(
        canonical.contains(&format!("\n{uri}\n{q}\n")),
        "{canonical:?}"
    );
    let to_sign = string_to_sign(&canonical);
    assert_eq!(to_sign.len(), "HMAC-SHA256\n".len() + 64);
    let signed = signature(&Secret::new(method), &to_sign);
    assert_eq!(signed.len(), 64);
    let _ = authorization(query, &signed_headers(&headers), &signed);
});
