#![no_main]
//! Arbitrary text as a link URL: expiry parsing, URL checks and redaction.
use download_url_fuzz::check_url_helpers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_url_helpers(&String::from_utf8_lossy(data));
});
