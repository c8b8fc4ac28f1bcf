#![no_main]
//! Byte 0 of the input sets the request (bit 0 redirect, bit 1 skip_error, bit 2
//! archive, bits 3-4 one to four URIs); the rest is the reply (see `Parts`).
use download_url::cloudreve::{self, ErrorDetail, Request};
use download_url_fuzz::{check, Parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from((flags >> 3) & 3) + 1;
    let uris: Vec<String> = (0..count)
        .map(|i| cloudreve::my_uri(&format!("dir/file {i}.bin")))
        .collect();
    let mut request = Request::new(uris.clone());
    request.redirect = Some(flags & 1 != 0);
    request.skip_error = Some(flags & 2 != 0);
    request.archive = Some(flags & 4 != 0);
    let result = Parts::new(rest).with(|raw| download_url::decode::cloudreve(raw, &request));
    check(&result);
    match result {
        Ok(batch) => {
            assert!(batch.links.iter().all(|l| download_url::decode::is_http_url(&l.url)));
            for uri in &uris {
                let _ = batch.link_for(uri);
            }
            // Every URI is accounted for (an archive is one link for all).
            if request.archive != Some(true) {
                assert_eq!(batch.links.len() + batch.failures.len(), uris.len());
            }
        }
        Err(err) => {
            if let Some(detail) = ErrorDetail::of(&err) {
                for uri in &uris {
                    let _ = detail.uri_error(uri);
                }
            }
        }
    }
});
