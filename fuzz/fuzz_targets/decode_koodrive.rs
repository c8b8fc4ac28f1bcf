#![no_main]
use download_url_fuzz::{check, Parts};
use libfuzzer_sys::fuzz_target;

const IDS: [&str; 3] = ["fileid1", "fileid2", "fileid1"];

fuzz_target!(|data: &[u8]| {
    let result = Parts::new(data).with(|raw| download_url::decode::koodrive(raw, &IDS));
    check(&result);
    if let Ok(batch) = result {
        // Every requested id is accounted for, repeats counted.
        assert_eq!(batch.links.len() + batch.failures.len(), IDS.len());
        assert!(batch.links.iter().all(|l| download_url::decode::is_http_url(&l.url)));
        for failure in &batch.failures {
            let _ = (failure.to_string(), failure.is_retryable());
        }
    }
});
