#![no_main]
use download_url_fuzz::{check, Parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let result = Parts::new(data).with(|raw| download_url::decode::kie(raw, "https://f.example/a"));
    check(&result);
    if let Ok(link) = result {
        let _ = link.is_expired();
        assert!(download_url::decode::is_http_url(&link.url));
    }
});
