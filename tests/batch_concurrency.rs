//! Batches split into several calls (KooDrive above 100 ids, Cloudreve above the
//! site's batch limit) run their calls concurrently on one agent: the answers are
//! merged in request order, a failed call becomes its items' failures, an error
//! that dooms every call stops the batch, and Cloudreve learns a site's lower
//! limit from its 40074. No timing is asserted.

#![cfg(all(feature = "fake", feature = "koodrive", feature = "cloudreve"))]

use std::time::Duration;

use download_url::fake::{self, FakeReply, FakeServer, Fault, KooDriveFile, RecordedRequest};
use download_url::{
    agent, cloudreve, koodrive, Batch, Error, FailureReason, RetryPolicy, Vendor,
    DEFAULT_CONCURRENCY,
};

fn koodrive_config(server: &FakeServer) -> koodrive::Config {
    let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    config.base_url = server.base_url();
    config
}

fn cloudreve_config(server: &FakeServer) -> cloudreve::Config {
    let mut config = cloudreve::Config::new(server.base_url());
    config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    config
}

/// `count` files known to the fake KooDrive, and their ids.
fn koodrive_files(server: &FakeServer, count: usize) -> Vec<String> {
    let ids: Vec<String> = (0..count).map(|i| format!("f{i:05}")).collect();
    let files: Vec<KooDriveFile> = ids
        .iter()
        .map(|id| KooDriveFile::new(fake::KOODRIVE_CONTAINER_ID, id, &format!("{id}.bin")))
        .collect();
    server.configure(|s| s.koodrive.files.extend(files));
    ids
}

/// `count` files of the fake Cloudreve's user, and their URIs.
fn cloudreve_files(server: &FakeServer, count: usize) -> Vec<String> {
    let paths: Vec<String> = (0..count).map(|i| format!("batch/t{i:05}.mp3")).collect();
    let uris = paths.iter().map(|p| cloudreve::my_uri(p)).collect();
    server.configure(|s| s.cloudreve.files.extend(paths));
    uris
}

fn link_items(batch: &Batch) -> Vec<&str> {
    batch.links.iter().map(|l| l.item.as_str()).collect()
}

fn failure_items(batch: &Batch) -> Vec<&str> {
    batch.failures.iter().map(|f| f.item.as_str()).collect()
}

/// The ids (KooDrive) or URIs (Cloudreve) one recorded request asked for.
fn asked(request: &RecordedRequest) -> Vec<String> {
    let body = request.json();
    let list = body
        .get("fileIds")
        .or_else(|| body.get("uris"))
        .and_then(|v| v.as_array())
        .expect("a batch request");
    list.iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn strs(items: &[String]) -> Vec<&str> {
    items.iter().map(String::as_str).collect()
}

#[test]
fn koodrive_results_in_request_order_with_concurrency_4_across_many_chunks() {
    let server = FakeServer::start().unwrap();
    // A little latency so that the calls overlap.
    server.configure(|s| s.reply_delay = Duration::from_millis(2));
    let known = koodrive_files(&server, 2300);
    // Every 37th id unknown: per-file refusals, in their places.
    let ids: Vec<String> = known
        .iter()
        .enumerate()
        .map(|(i, id)| {
            if i % 37 == 5 {
                format!("missing-{i}")
            } else {
                id.clone()
            }
        })
        .collect();
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.clone());
    let config = koodrive_config(&server);
    assert_eq!(config.concurrency, DEFAULT_CONCURRENCY);
    assert_eq!(DEFAULT_CONCURRENCY, 4);
    let agent = agent();
    let batch = koodrive::download_links(&agent, &config, &request).unwrap();

    let (missing, found): (Vec<&str>, Vec<&str>) = strs(&ids)
        .into_iter()
        .partition(|id| id.starts_with("missing-"));
    assert_eq!(link_items(&batch), found);
    assert_eq!(failure_items(&batch), missing);
    for failure in &batch.failures {
        assert!(matches!(failure.reason, FailureReason::Refused { .. }));
    }
    for link in &batch.links {
        assert_eq!(
            link.file_name.as_deref(),
            Some(format!("{}.bin", link.item).as_str())
        );
    }

    // 23 calls of 100 ids, each asked once, on at most 4 connections.
    let requests = server.requests();
    assert_eq!(requests.len(), 23);
    let mut all: Vec<String> = requests.iter().flat_map(asked).collect();
    assert!(requests.iter().all(|r| asked(r).len() == 100));
    all.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(all, expected);
    assert!(
        server.connections() <= DEFAULT_CONCURRENCY,
        "{}",
        server.connections()
    );

    // Any concurrency gives the same batch.
    for concurrency in [0, 1, 3, 7, 64] {
        let mut config = koodrive_config(&server);
        config.concurrency = concurrency;
        let again = koodrive::download_links(&agent, &config, &request).unwrap();
        assert_eq!(link_items(&again), link_items(&batch), "{concurrency}");
        assert_eq!(
            failure_items(&again),
            failure_items(&batch),
            "{concurrency}"
        );
    }
}

#[test]
fn cloudreve_results_in_request_order_across_many_chunks() {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.reply_delay = Duration::from_millis(2));
    let uris = cloudreve_files(&server, 1050);
    let mut config = cloudreve_config(&server);
    config.max_uris_per_call = 100;
    let request = cloudreve::Request::new(uris.clone());
    let batch = cloudreve::download_links(&agent(), &config, &request).unwrap();
    assert!(batch.is_complete());
    assert_eq!(link_items(&batch), strs(&uris));
    assert_eq!(batch.links[1049].file_name.as_deref(), Some("t01049.mp3"));
    let requests = server.requests();
    assert_eq!(requests.len(), 11);
    assert!(requests.iter().all(|r| asked(r).len() <= 100));
}

#[test]
fn a_chunk_failing_with_a_5xx_becomes_its_items_failures() {
    let server = FakeServer::start().unwrap();
    let ids = koodrive_files(&server, 500);
    // Whichever call comes first gets the gateway's HTML 502.
    server.push(Vendor::KooDrive, FakeReply::Fault(Fault::Html502));
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.clone());
    let batch = koodrive::download_links(&agent(), &koodrive_config(&server), &request).unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    let failed = asked(&requests[0]);
    assert_eq!(failed.len(), 100);
    assert_eq!(failure_items(&batch), strs(&failed));
    let succeeded: Vec<&str> = strs(&ids)
        .into_iter()
        .filter(|id| !failed.iter().any(|f| f == id))
        .collect();
    assert_eq!(link_items(&batch), succeeded);
    for failure in &batch.failures {
        assert_eq!(failure.vendor, Vendor::KooDrive);
        assert!(failure.is_retryable(), "{failure}");
        match &failure.reason {
            FailureReason::CallFailed { message } => {
                assert!(message.to_lowercase().contains("http 502"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(failure.to_string().contains("the call failed"), "{failure}");
    }
    assert_eq!(batch.retryable_items(), failed);

    // The failed items asked again (Batch::retry_failed) come back.
    let mut batch = batch;
    let agent = agent();
    let config = koodrive_config(&server);
    batch
        .retry_failed(|items| {
            koodrive::download_links(&agent, &config, &request.with_file_ids(items))
        })
        .unwrap();
    assert!(batch.is_complete());
    assert_eq!(batch.links.len(), 500);
}

#[test]
fn a_failed_chunk_is_retried_on_its_own_under_the_policy() {
    let server = FakeServer::start().unwrap();
    let ids = koodrive_files(&server, 300);
    server.push(Vendor::KooDrive, FakeReply::Fault(Fault::Html502));
    let mut config = koodrive_config(&server);
    let mut policy = RetryPolicy::with_retries(1);
    policy.base_delay = Duration::from_millis(1);
    policy.max_delay = Duration::from_millis(1);
    config.retry = Some(policy);
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids.clone());
    let batch = koodrive::download_links(&agent(), &config, &request).unwrap();
    assert!(batch.is_complete());
    assert_eq!(link_items(&batch), strs(&ids));
    // Three chunks, one of them twice.
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    let first = asked(&requests[0]);
    assert_eq!(
        requests.iter().filter(|r| asked(r) == first).count(),
        2,
        "the failed chunk alone is asked again"
    );
}

#[test]
fn a_cloudreve_chunk_failing_with_a_5xx_becomes_its_items_failures() {
    let server = FakeServer::start().unwrap();
    let uris = cloudreve_files(&server, 10);
    server.push(Vendor::Cloudreve, FakeReply::Fault(Fault::Html502));
    let mut config = cloudreve_config(&server);
    config.max_uris_per_call = 3;
    let batch =
        cloudreve::download_links(&agent(), &config, &cloudreve::Request::new(uris.clone()))
            .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    let failed = asked(&requests[0]);
    assert_eq!(failure_items(&batch), strs(&failed));
    assert_eq!(batch.links.len(), 10 - failed.len());
    assert!(batch
        .failures
        .iter()
        .all(|f| matches!(f.reason, FailureReason::CallFailed { .. }) && f.is_retryable()));
}

#[test]
fn an_auth_error_stops_everything() {
    let server = FakeServer::start().unwrap();
    let ids = koodrive_files(&server, 1000);
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids);

    // Every call refused by the gateway: each worker makes one call, then stops.
    let mut config = koodrive_config(&server);
    config.auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, "wrong secret");
    let err = koodrive::download_links(&agent(), &config, &request).unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.http_status(), Some(401));
    assert!(!err.is_retryable());
    let calls = server.request_count();
    assert!(
        (1..=DEFAULT_CONCURRENCY).contains(&calls),
        "{calls} calls for 10 chunks"
    );

    // The first call alone refused: still the batch's error, and no call starts
    // after it. The first `DEFAULT_CONCURRENCY` calls start together; each
    // other worker may start one more before the refusal is seen (each call
    // takes 200 ms, the refusal is seen at once), so at most
    // 2 × DEFAULT_CONCURRENCY − 1 of the 10 calls are made. (It was `<= 10`,
    // which 10 chunks cannot exceed whatever the batch does: with
    // `state.queue.clear()` removed from src/batch.rs all 10 calls are made,
    // and only this bound sees it here.)
    server.configure(|s| s.reply_delay = Duration::from_millis(200));
    let before = server.request_count();
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            401,
            serde_json::json!({"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"}),
        ),
    );
    let err = koodrive::download_links(&agent(), &koodrive_config(&server), &request).unwrap_err();
    assert_eq!(err.http_status(), Some(401));
    let calls = server.request_count() - before;
    assert!(
        (1..2 * DEFAULT_CONCURRENCY).contains(&calls),
        "{calls} calls for 10 chunks after a refusal"
    );
    server.configure(|s| s.reply_delay = Duration::ZERO);

    // Cloudreve: a refresh token sent as the access token (40020) dooms every call.
    let uris = cloudreve_files(&server, 40);
    let mut config = cloudreve_config(&server);
    config.access_token = Some(fake::CLOUDREVE_REFRESH_TOKEN.into());
    config.max_uris_per_call = 4;
    let before = server.request_count();
    let err =
        cloudreve::download_links(&agent(), &config, &cloudreve::Request::new(uris)).unwrap_err();
    assert_eq!(err.code(), Some(40020));
    let calls = server.request_count() - before;
    assert!(
        (1..=DEFAULT_CONCURRENCY).contains(&calls),
        "{calls} calls for 10 chunks"
    );
}

#[test]
fn invalid_input_sends_nothing() {
    let server = FakeServer::start().unwrap();
    let mut uris = cloudreve_files(&server, 9);
    uris.push("not a uri".into());
    let mut config = cloudreve_config(&server);
    config.max_uris_per_call = 2;
    let err =
        cloudreve::download_links(&agent(), &config, &cloudreve::Request::new(uris)).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn cloudreve_40074_with_a_custom_limit_splits_and_succeeds() {
    let server = FakeServer::start().unwrap();
    let uris = cloudreve_files(&server, 1000);
    // The site's `max_batched_file` is 250, below Cloudreve's default of 3000.
    server.configure(|s| s.cloudreve.max_batch = 250);
    let request = cloudreve::Request::new(uris.clone());
    let batch = cloudreve::download_links(&agent(), &cloudreve_config(&server), &request).unwrap();
    assert!(batch.is_complete());
    assert_eq!(link_items(&batch), strs(&uris));
    // One call refused with 40074 "Maximum allowed batch size: 250", then 4 × 250.
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    assert_eq!(asked(&requests[0]).len(), 1000);
    assert!(requests[1..].iter().all(|r| asked(r).len() == 250));

    // Chunks already cut larger than the site's limit are cut again.
    let mut config = cloudreve_config(&server);
    config.max_uris_per_call = 600;
    let before = server.request_count();
    let batch = cloudreve::download_links(&agent(), &config, &request).unwrap();
    assert!(batch.is_complete());
    assert_eq!(link_items(&batch), strs(&uris));
    let requests = server.requests();
    let refused = requests[before..]
        .iter()
        .filter(|r| asked(r).len() > 250)
        .count();
    assert!((1..=2).contains(&refused), "{refused}");
}

#[test]
fn cloudreve_40074_without_a_number_halves_the_calls() {
    let server = FakeServer::start().unwrap();
    let uris = cloudreve_files(&server, 40);
    server.push(
        Vendor::Cloudreve,
        FakeReply::json(
            200,
            serde_json::json!({"code": 40074, "msg": "Too many uris"}),
        ),
    );
    let request = cloudreve::Request::new(uris.clone());
    let batch = cloudreve::download_links(&agent(), &cloudreve_config(&server), &request).unwrap();
    assert!(batch.is_complete());
    assert_eq!(link_items(&batch), strs(&uris));
    let sizes: Vec<usize> = server.requests().iter().map(|r| asked(r).len()).collect();
    assert_eq!(sizes, [40, 20, 20]);
}

#[test]
fn cloudreve_archive_is_never_split() {
    let server = FakeServer::start().unwrap();
    let uris = cloudreve_files(&server, 10);
    let mut config = cloudreve_config(&server);
    config.max_uris_per_call = 3;
    let mut request = cloudreve::Request::new(uris);
    request.archive = Some(true);
    let batch = cloudreve::download_links(&agent(), &config, &request).unwrap();
    assert_eq!(batch.links.len(), 1);
    assert_eq!(server.request_count(), 1);
}

/// Once a call dooms the batch (a 401), no further call is started — not even
/// the re-cut pieces of a call that learned a smaller limit (40074) meanwhile.
#[test]
fn cloudreve_a_late_40074_starts_no_call_after_the_batch_is_doomed() {
    let server = FakeServer::start().unwrap();
    let uris = cloudreve_files(&server, 8);
    server.configure(|s| s.cloudreve.max_batch = 2);
    // The first call to arrive gets the site's own 40074, slowly; the other a
    // top-level 401 at once.
    server.push_fault(Vendor::Cloudreve, Fault::Drip(Duration::from_millis(5)));
    server.push(
        Vendor::Cloudreve,
        FakeReply::json(
            200,
            serde_json::json!({"code": 401, "msg": "Login required"}),
        ),
    );
    let mut config = cloudreve_config(&server);
    config.max_uris_per_call = 4;
    config.concurrency = 2;
    let request = cloudreve::Request::new(uris);
    let err = cloudreve::download_links(&agent(), &config, &request).unwrap_err();
    assert_eq!(err.code(), Some(401), "{err:?}");
    assert_eq!(
        server.request_count(),
        2,
        "a call was started after the 401"
    );
}

/// Cloudreve's default per-call limit, at the edge: exactly
/// [`cloudreve::DEFAULT_MAX_URIS_PER_CALL`] URIs (each file asked twice) are one
/// call, one more is two calls (the limit, then 1), and the links come back in
/// request order, duplicates included.
#[test]
fn cloudreve_the_default_limit_is_one_call_and_one_more_is_two() {
    let server = FakeServer::start().unwrap();
    let limit = cloudreve::DEFAULT_MAX_URIS_PER_CALL;
    let files = cloudreve_files(&server, limit / 2 + 1);
    let twice: Vec<String> = files.iter().flat_map(|u| [u.clone(), u.clone()]).collect();
    let config = cloudreve_config(&server);
    for (count, sizes) in [(limit, vec![limit]), (limit + 1, vec![limit, 1])] {
        let before = server.request_count();
        let uris = twice[..count].to_vec();
        let request = cloudreve::Request::new(uris.clone());
        let batch = cloudreve::download_links(&agent(), &config, &request).unwrap();
        assert!(batch.is_complete(), "{count}");
        assert_eq!(link_items(&batch), strs(&uris), "{count}");
        let mut calls: Vec<usize> = server.requests()[before..]
            .iter()
            .map(|r| asked(r).len())
            .collect();
        calls.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(calls, sizes, "{count}");
    }
}

/// KooDrive's promise: once an error dooms every call (the gateway's 401), "no
/// further call is started" — a chunk waiting out its backoff after a 502 is
/// not sent again under the retry policy.
#[test]
fn no_retry_is_sent_once_another_call_doomed_the_batch() {
    let server = FakeServer::start().unwrap();
    let ids = koodrive_files(&server, 150);
    // The first call to arrive gets a 502 (retryable), the other a 401 at once.
    server.push(Vendor::KooDrive, FakeReply::Fault(Fault::Html502));
    server.push(
        Vendor::KooDrive,
        FakeReply::json(
            401,
            serde_json::json!({"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information", "request_id": "r1"}),
        ),
    );
    let mut config = koodrive_config(&server);
    config.concurrency = 2;
    let mut policy = RetryPolicy::with_retries(2);
    policy.base_delay = Duration::from_millis(300);
    policy.max_delay = Duration::from_millis(300);
    config.retry = Some(policy);
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, ids);
    let err = koodrive::download_links(&agent(), &config, &request).unwrap_err();
    assert_eq!(err.http_status(), Some(401), "{err:?}");
    assert_eq!(
        server.request_count(),
        2,
        "a call was retried after the 401"
    );
}
