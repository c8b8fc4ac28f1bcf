#![no_main]
use download_url_fuzz::{check, Parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let result = Parts::new(data).with(download_url::decode::kie);
    check(&result);
    if let Ok(link) = result {
        let _ = download_url::DownloadLink::from(link).is_expired();
    }
});
