#![no_main]
//! Byte 0 of the input picks the single (even) or the batch (odd) call.
use download_url::blendvision::ErrorDetail;
use download_url::{ApiDetail, Error};
use download_url_fuzz::{check, Parts};
use libfuzzer_sys::fuzz_target;

fn details(err: &Error) {
    #[allow(unreachable_patterns)]
    if let Some(ApiDetail::BlendVision(ErrorDetail { .. })) = err.api_detail() {
        let _ = format!("{err:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let parts = Parts::new(rest);
    if which & 1 == 0 {
        let result = parts.with(|raw| download_url::decode::blendvision_single(raw, "id"));
        check(&result);
        if let Err(err) = &result {
            details(err);
        }
    } else {
        let ids = ["a", "b", "a"];
        let result = parts.with(|raw| download_url::decode::blendvision_batch(raw, &ids));
        check(&result);
        match result {
            Ok(batch) => assert_eq!(batch.links.len() + batch.failures.len(), ids.len()),
            Err(err) => details(&err),
        }
    }
});
