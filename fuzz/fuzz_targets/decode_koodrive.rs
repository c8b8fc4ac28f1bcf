#![no_main]
use download_url::koodrive::BatchCode;
use download_url_fuzz::{check, Parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let result = Parts::new(data).with(download_url::decode::koodrive);
    check(&result);
    if let Ok(downloads) = result {
        assert_ne!(downloads.batch, BatchCode::AllFailed);
        for failure in &downloads.failures {
            let _ = failure.named_code();
        }
        let _ = downloads.into_links();
    }
});
