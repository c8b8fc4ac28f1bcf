#![no_main]
//! The input, split on NUL: path, share id, password.
use download_url::cloudreve::{my_uri, redact_uri, share_uri, uri_from, uri_path};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\0');
    let path = fields.next().unwrap_or("");
    let id = fields.next().unwrap_or("");
    let password = fields.next();
    let expected: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let expected = expected.join("/");

    let mine = my_uri(path);
    assert!(mine.is_ascii(), "{mine:?}");
    assert!(
        mine == "cloudreve://my" || mine.starts_with("cloudreve://my/"),
        "{mine:?}"
    );
    assert_eq!(
        uri_path(&mine).as_deref(),
        Some(expected.as_str()),
        "{mine:?}"
    );
    assert_eq!(uri_from(&mine), mine);
    assert_eq!(redact_uri(&mine), mine);

    let shared = share_uri(id, password, path);
    assert!(shared.is_ascii(), "{shared:?}");
    assert_eq!(
        uri_path(&shared).as_deref(),
        Some(expected.as_str()),
        "{shared:?}"
    );
    let redacted = redact_uri(&shared);
    if let Some(pw) = password.filter(|p| !p.is_empty()) {
        assert!(redacted.contains(":[redacted]@share"), "{redacted:?}");
        let _ = pw;
    } else {
        assert_eq!(redacted, shared);
    }

    // Arbitrary text as a URI.
    let _ = uri_from(path);
    let _ = uri_path(path);
    let _ = redact_uri(path);
});
