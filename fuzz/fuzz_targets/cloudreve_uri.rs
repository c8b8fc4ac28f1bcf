#![no_main]
//! The input, split on NUL: path, share id, password.
use download_url_fuzz::check_cloudreve_uris;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\0');
    let path = fields.next().unwrap_or("");
    let id = fields.next().unwrap_or("");
    let password = fields.next();
    check_cloudreve_uris(path, id, password);
});
