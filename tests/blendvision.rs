//! BlendVision One against the crate's fake server.
#![cfg(all(feature = "blendvision", feature = "fake"))]

mod common;

use std::time::Duration;

use download_url::blendvision::{self, Config, DownloadFile, ErrorDetail, GrpcCode};
use download_url::error::UnexpectedResponse;
use download_url::fake::{self, BlendVisionFile, FakeReply, FakeServer, Fault};
use download_url::{agent, ApiDetail, ApiError, DownloadLink, Error, TransportKind, Vendor};
use serde_json::json;
use time::macros::datetime;

const FIRST: &str = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
const SECOND: &str = "3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328";
const SIGNED_AT: time::OffsetDateTime = datetime!(2023-06-05 06:42:05.381265582 UTC);
/// `SIGNED_AT` + 24 h: the fake's `expiration_time`, and the vendor example's.
const EXPIRES_AT: time::OffsetDateTime = datetime!(2023-06-06 06:42:05.381265582 UTC);
const MARKER: &str = "MARKER-bv-7f3a9c";

fn config(server: &FakeServer) -> Config {
    let mut config = Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    config.base_url = server.base_url();
    config
}

fn fixed_server() -> FakeServer {
    let server = FakeServer::start().unwrap();
    server.configure(|s| s.blendvision.signed_at = Some(SIGNED_AT));
    server
}

fn parts(err: &Error) -> (&ApiError, &ErrorDetail) {
    match err {
        Error::Api(api) => match &api.detail {
            ApiDetail::BlendVision(detail) => (api, detail),
            other => panic!("not a BlendVision detail: {other:?}"),
        },
        other => panic!("not an Api error: {other:?}"),
    }
}

fn unexpected(err: &Error) -> &UnexpectedResponse {
    match err {
        Error::UnexpectedResponse(u) => u,
        other => panic!("not an UnexpectedResponse: {other:?}"),
    }
}

/// The vendor page's 200 example, verbatim.
fn vendor_example() -> serde_json::Value {
    json!({
        "download_filename": "bbb.mp4",
        "download_uri": "https://kks-platform-orbit-content-store-dev.s3.ap-northeast-1.amazonaws.com/42f6c33e-f632-44e5-8042-05abb5fa2223/video/3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328/3aabf3ce-9bf8-4dba-bc8b-274ffbf9e328.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAX2E7FTDHKGGDCDJQ%2F20230605%2Fap-northeast-1%2Fs3%2Faws4_request&X-Amz-Date=20230605T064205Z&X-Amz-Expires=86400&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEN7%2F%2F%2F%2F&X-Amz-SignedHeaders=host&x-id=GetObject&X-Amz-Signature=946bbe3bdaa6e0ecff9279cb3db2f304e8b2b1a6b7595bc85a02bc14312610c5",
        "expiration_time": "2023-06-06T06:42:05.381265582Z",
        "id": "63df97e3-519b-4426-bf01-d1841cdc2ccd"
    })
}

/// The vendor page's example error body (every documented status shows it).
fn vendor_example_error() -> serde_json::Value {
    json!({"code": 0, "message": "string", "details": [{"@type": "string"}]})
}

// ---- success -------------------------------------------------------------

#[test]
fn single_file_success() {
    let server = fixed_server();
    let file = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap();
    assert_eq!(file.id, FIRST);
    assert_eq!(file.download_filename, "bbb.mp4");
    // Exactly the fake's expiration_time: signing time + 24 h, nanoseconds included.
    assert_eq!(file.expiration_time, EXPIRES_AT);
    assert!(file.download_uri.starts_with("https://"));
    assert!(file.download_uri.contains("X-Amz-Date=20230605T064205Z"));
    assert!(file.download_uri.contains("X-Amz-Expires=86400"));

    let request = server.last_request(Vendor::BlendVision).unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/bv/cms/v1/library/files/{FIRST}:download")
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", fake::BLENDVISION_API_TOKEN).as_str())
    );
    assert_eq!(
        request.header("x-bv-org-id"),
        Some(fake::BLENDVISION_ORG_ID)
    );
    assert_eq!(request.json(), json!({}));
    assert_eq!(request.header("content-type"), Some("application/json"));

    let link: DownloadLink = file.clone().into();
    assert_eq!(link.vendor, Vendor::BlendVision);
    assert_eq!(link.url, file.download_uri);
    assert_eq!(link.file_name.as_deref(), Some("bbb.mp4"));
    assert_eq!(link.expires_at, Some(file.expiration_time));
}

#[test]
fn fresh_link_is_not_expired() {
    let server = FakeServer::start().unwrap();
    let file = blendvision::download_file(&agent(), &config(&server), SECOND).unwrap();
    assert_eq!(file.download_filename, "intro.mp4");
    let link = DownloadLink::from(file);
    assert!(!link.is_expired());
    assert!(link.expires_within(Duration::from_secs(25 * 3600)));
}

#[test]
fn vendor_example_body_decodes() {
    let server = FakeServer::start().unwrap();
    server.push(Vendor::BlendVision, FakeReply::json(200, vendor_example()));
    let file = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap();
    assert_eq!(file.id, FIRST);
    assert_eq!(file.download_filename, "bbb.mp4");
    assert_eq!(file.expiration_time, EXPIRES_AT);
    assert_eq!(file.expiration_time.nanosecond(), 381_265_582);
    let shown = format!("{file:?} {:?}", DownloadLink::from(file.clone()));
    assert!(!shown.contains("X-Amz-Signature"), "{shown}");
    assert!(!shown.contains("X-Amz-Security-Token"), "{shown}");
    assert!(shown.contains("s3.ap-northeast-1.amazonaws.com"), "{shown}");
}

#[test]
fn batch_success_in_order() {
    let server = fixed_server();
    let files = blendvision::download_files(&agent(), &config(&server), &[SECOND, FIRST]).unwrap();
    let ids: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, [SECOND, FIRST]);
    assert_eq!(files[0].download_filename, "intro.mp4");
    assert_eq!(files[1].download_filename, "bbb.mp4");
    for file in &files {
        assert_eq!(file.expiration_time, EXPIRES_AT);
    }
    let request = server.last_request(Vendor::BlendVision).unwrap();
    assert_eq!(request.path, "/bv/cms/v1/library/files:download");
    assert_eq!(request.json(), json!({"ids": [SECOND, FIRST]}));
    assert_eq!(
        request.header("x-bv-org-id"),
        Some(fake::BLENDVISION_ORG_ID)
    );

    // Owned strings work too.
    let owned = vec![FIRST.to_owned()];
    let files = blendvision::download_files(&agent(), &config(&server), &owned).unwrap();
    assert_eq!(files.len(), 1);
}

#[test]
fn ids_with_slash_and_colon_stay_one_segment() {
    let server = FakeServer::start().unwrap();
    let odd = ["folder/a:b", "x:download", "a?b#c%d", "../up", "ü name"];
    server.configure(|s| {
        for id in odd {
            s.blendvision
                .files
                .push(BlendVisionFile::new(id, "odd.mp4"));
        }
    });
    let expected_paths = [
        "/bv/cms/v1/library/files/folder%2Fa%3Ab:download",
        "/bv/cms/v1/library/files/x%3Adownload:download",
        "/bv/cms/v1/library/files/a%3Fb%23c%25d:download",
        "/bv/cms/v1/library/files/..%2Fup:download",
        "/bv/cms/v1/library/files/%C3%BC%20name:download",
    ];
    for (id, path) in odd.iter().zip(expected_paths) {
        let file = blendvision::download_file(&agent(), &config(&server), id).unwrap();
        assert_eq!(file.id, *id);
        let request = server.last_request(Vendor::BlendVision).unwrap();
        assert_eq!(request.path, path);
        assert_eq!(request.query, None);
    }
    // In the batch call the ids travel in the body, unchanged.
    let files = blendvision::download_files(&agent(), &config(&server), &odd).unwrap();
    assert_eq!(files.len(), odd.len());
    let request = server.last_request(Vendor::BlendVision).unwrap();
    assert_eq!(request.json(), json!({"ids": odd}));
}

// ---- invalid input, nothing sent ------------------------------------------

#[test]
fn invalid_input_is_rejected_before_sending() {
    let server = FakeServer::start().unwrap();
    let field = |err: Error| match err {
        Error::InvalidInput(i) => {
            assert_eq!(i.vendor, Vendor::BlendVision);
            i.field
        }
        other => panic!("not InvalidInput: {other:?}"),
    };
    let good = config(&server);
    for id in ["", "  ", ".", ".."] {
        let err = blendvision::download_file(&agent(), &good, id).unwrap_err();
        assert!(!err.is_retryable());
        assert_eq!(field(err), "id", "{id:?}");
    }
    let none: [&str; 0] = [];
    assert_eq!(
        field(blendvision::download_files(&agent(), &good, &none).unwrap_err()),
        "ids"
    );
    for bad in [[FIRST, ""], [FIRST, ".."]] {
        assert_eq!(
            field(blendvision::download_files(&agent(), &good, &bad).unwrap_err()),
            "ids"
        );
    }
    for org in ["", "   "] {
        let mut cfg = config(&server);
        cfg.org_id = org.into();
        assert_eq!(
            field(blendvision::download_file(&agent(), &cfg, FIRST).unwrap_err()),
            "org_id"
        );
        assert_eq!(
            field(blendvision::download_files(&agent(), &cfg, &[FIRST]).unwrap_err()),
            "org_id"
        );
    }
    // Each breaks one field of a good config.
    type Break = fn(&mut Config);
    let broken: [(Break, &str); 3] = [
        (|cfg| cfg.api_token = "".into(), "api_token"),
        (|cfg| cfg.org_id = "org\nid".into(), "x-bv-org-id"),
        (|cfg| cfg.base_url = "ftp://example.com".into(), "base_url"),
    ];
    for (breaks, expected) in broken {
        let mut cfg = config(&server);
        breaks(&mut cfg);
        assert_eq!(
            field(blendvision::download_file(&agent(), &cfg, FIRST).unwrap_err()),
            expected
        );
    }
    assert_eq!(server.request_count(), 0);
}

#[test]
fn token_never_travels_over_cleartext_to_a_remote_host() {
    let mut cfg = Config::new(MARKER, "org");
    cfg.base_url = "http://api.one.blendvision.invalid".into();
    let err = blendvision::download_file(&agent(), &cfg, FIRST).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(i) if i.field == "base_url"),
        "{err:?}"
    );
    common::assert_no_marker(&err, MARKER);
}

#[test]
fn default_config() {
    let cfg = Config::new("t", "o");
    assert_eq!(cfg.base_url, "https://api.one.blendvision.com");
    assert_eq!(cfg.base_url, blendvision::DEFAULT_BASE_URL);
    assert!(!cfg.allow_insecure_http);
}

// ---- the vendor's errors ----------------------------------------------------

#[test]
fn wrong_token_is_unauthenticated_401() {
    let server = FakeServer::start().unwrap();
    let mut cfg = config(&server);
    cfg.api_token = "wrong".into();
    let err = blendvision::download_file(&agent(), &cfg, FIRST).unwrap_err();
    let (api, detail) = parts(&err);
    assert_eq!(api.http_status, 401);
    assert_eq!(api.code, Some(16));
    assert_eq!(detail.grpc_code, GrpcCode::Unauthenticated);
    assert_eq!(detail.label(), "unauthenticated");
    assert_eq!(api.message, "unidentified authorization");
    let info = detail.find("google.rpc.ErrorInfo").unwrap();
    assert_eq!(info.type_url, "type.googleapis.com/google.rpc.ErrorInfo");
    assert_eq!(info.fields["reason"], "INVALID_TOKEN");
    assert_eq!(info.fields["metadata"], json!({"service": "cms"}));
    assert!(!info.fields.contains_key("@type"));
    assert!(!err.is_retryable());
    assert_eq!(err.vendor(), Vendor::BlendVision);
    assert_eq!(err.code(), Some(16));
    assert_eq!(
        err.to_string(),
        "blendvision: unauthenticated (code 16): unidentified authorization"
    );
}

#[test]
fn wrong_org_is_permission_denied_403() {
    let server = FakeServer::start().unwrap();
    let mut cfg = config(&server);
    cfg.org_id = "someone-else".into();
    let err = blendvision::download_files(&agent(), &cfg, &[FIRST]).unwrap_err();
    let (api, detail) = parts(&err);
    assert_eq!(api.http_status, 403);
    assert_eq!(api.code, Some(7));
    assert_eq!(detail.grpc_code, GrpcCode::PermissionDenied);
    assert_eq!(detail.details.len(), 1);
    assert_eq!(detail.details[0].fields["reason"], "ORG_PERMISSION_DENIED");
    assert!(!err.is_retryable());
}

#[test]
fn unknown_file_is_not_found_404() {
    let server = FakeServer::start().unwrap();
    for err in [
        blendvision::download_file(&agent(), &config(&server), "missing").unwrap_err(),
        blendvision::download_files(&agent(), &config(&server), &[FIRST, "missing"]).unwrap_err(),
    ] {
        let (api, detail) = parts(&err);
        assert_eq!(api.http_status, 404);
        assert_eq!(api.code, Some(5));
        assert_eq!(detail.grpc_code, GrpcCode::NotFound);
        assert_eq!(api.message, "file missing not found");
        let info = detail.find("google.rpc.ResourceInfo").unwrap();
        assert_eq!(info.fields["resourceName"], "missing");
        assert!(!err.is_retryable());
    }
}

#[test]
fn fake_rejects_bad_bodies_with_bad_request() {
    // The client cannot send these; speak to the fake directly.
    let server = FakeServer::start().unwrap();
    let url = format!("{}/bv/cms/v1/library/files:download", server.base_url());
    for body in [r#"{"ids": []}"#, r#"{"ids": [1]}"#, "not json", "{}"] {
        let mut response = agent()
            .post(&url)
            .header(
                "authorization",
                &format!("Bearer {}", fake::BLENDVISION_API_TOKEN),
            )
            .header("x-bv-org-id", fake::BLENDVISION_ORG_ID)
            .send(body)
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let reply: serde_json::Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(reply["code"], 3, "{body}");
        assert_eq!(
            reply["details"][0]["@type"],
            "type.googleapis.com/google.rpc.BadRequest"
        );
    }
}

#[test]
fn invalid_argument_400_keeps_bad_request_detail() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::BlendVision,
        FakeReply::json(
            400,
            json!({
                "code": 3,
                "message": "invalid id",
                "details": [{
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": "id", "description": "must be a uuid"}]
                }]
            }),
        ),
    );
    let err = blendvision::download_file(&agent(), &config(&server), "x").unwrap_err();
    let (api, detail) = parts(&err);
    assert_eq!((api.http_status, api.code), (400, Some(3)));
    assert_eq!(detail.grpc_code, GrpcCode::InvalidArgument);
    let bad = detail.find("google.rpc.BadRequest").unwrap();
    assert_eq!(
        bad.fields["fieldViolations"],
        json!([{"field": "id", "description": "must be a uuid"}])
    );
    assert!(!err.is_retryable());
}

#[test]
fn named_codes_on_their_statuses() {
    // (http, grpc code, named, retryable)
    let cases = [
        (400, 3, GrpcCode::InvalidArgument, false),
        (401, 16, GrpcCode::Unauthenticated, false),
        (403, 7, GrpcCode::PermissionDenied, false),
        (404, 5, GrpcCode::NotFound, false),
        (429, 8, GrpcCode::ResourceExhausted, true),
        (500, 13, GrpcCode::Internal, false),
        (503, 14, GrpcCode::Unavailable, true),
        (504, 4, GrpcCode::DeadlineExceeded, false),
        (409, 10, GrpcCode::Aborted, false),
        (403, 8, GrpcCode::ResourceExhausted, true), // grpc-gateway v1 mapping
        (500, 14, GrpcCode::Unavailable, true),
        (503, 2, GrpcCode::Unknown, true),
        (500, 99, GrpcCode::Other(99), false),
    ];
    let server = FakeServer::start().unwrap();
    for (status, code, named, retryable) in cases {
        server.push(
            Vendor::BlendVision,
            FakeReply::json(
                status,
                json!({
                    "code": code,
                    "message": "boom",
                    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R"}]
                }),
            )
            .with_header("x-request-id", "req-42"),
        );
        let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
        let (api, detail) = parts(&err);
        assert_eq!(api.http_status, status);
        assert_eq!(api.code, Some(code));
        assert_eq!(detail.grpc_code, named);
        assert_eq!(detail.grpc_code.code(), code);
        assert_eq!(api.message, "boom");
        assert_eq!(api.request_id.as_deref(), Some("req-42"));
        assert_eq!(err.is_retryable(), retryable, "{status} {code}");
        assert_eq!(detail.details[0].fields["reason"], "R");
    }
}

#[test]
fn retry_after_is_kept_on_a_grpc_429() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::BlendVision,
        FakeReply::json(429, json!({"code": 8, "message": "quota", "details": []}))
            .with_header("Retry-After", "7"),
    );
    let err = blendvision::download_files(&agent(), &config(&server), &[FIRST]).unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(parts(&err).1.label(), "resource exhausted");
}

#[test]
fn vendor_example_error_decodes_on_every_documented_status() {
    let server = FakeServer::start().unwrap();
    for (status, label) in [
        (400, "invalid argument"),
        (401, "unauthenticated"),
        (403, "permission denied"),
        (500, "internal error"),
        (418, "unknown error"),
    ] {
        server.push(
            Vendor::BlendVision,
            FakeReply::json(status, vendor_example_error()),
        );
        let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
        let (api, detail) = parts(&err);
        assert_eq!(api.http_status, status);
        assert_eq!(api.code, Some(0));
        assert_eq!(api.message, "string");
        assert_eq!(detail.grpc_code, GrpcCode::Ok);
        assert_eq!(detail.label(), label, "{status}");
        assert_eq!(detail.details.len(), 1);
        assert_eq!(detail.details[0].type_url, "string");
        assert!(detail.details[0].fields.is_empty());
    }
}

#[test]
fn lenient_error_bodies() {
    let server = FakeServer::start().unwrap();
    // No message, no details: still the vendor's error.
    server.push(
        Vendor::BlendVision,
        FakeReply::json(404, json!({"code": 5})),
    );
    let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
    let (api, detail) = parts(&err);
    assert_eq!(api.message, "");
    assert!(detail.details.is_empty());
    assert_eq!(err.to_string(), "blendvision: not found (code 5)");

    // A detail without a string `@type` keeps all its fields.
    server.push(
        Vendor::BlendVision,
        FakeReply::json(
            500,
            json!({"code": 13, "message": "m", "details": [{"@type": 7, "a": 1}, {"b": [true]}]}),
        ),
    );
    let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
    let (_, detail) = parts(&err);
    assert_eq!(detail.details[0].type_url, "");
    assert_eq!(detail.details[0].fields["@type"], 7);
    assert_eq!(detail.details[0].fields["a"], 1);
    assert_eq!(detail.details[1].fields["b"], json!([true]));
}

// ---- replies outside the contract -------------------------------------------

#[test]
fn wrong_shapes_are_unexpected() {
    use download_url::UnexpectedReason::{InvalidContent, NotJson, WrongShape};
    let mut missing_time = vendor_example();
    missing_time
        .as_object_mut()
        .unwrap()
        .remove("expiration_time");
    let mut bad_time = vendor_example();
    bad_time["expiration_time"] = json!("2023-06-06 06:42:05");
    let mut null_name = vendor_example();
    null_name["download_filename"] = json!(null);
    let mut empty_uri = vendor_example();
    empty_uri["download_uri"] = json!(" ");
    let cases = [
        (FakeReply::json(200, missing_time), WrongShape, 200),
        (FakeReply::json(200, bad_time), WrongShape, 200),
        (FakeReply::json(200, null_name), WrongShape, 200),
        (FakeReply::json(200, empty_uri), InvalidContent, 200),
        (
            FakeReply::json(200, json!({"download_files": []})),
            WrongShape,
            200,
        ),
        (
            FakeReply::json(400, json!({"message": "no code"})),
            WrongShape,
            400,
        ),
        (
            FakeReply::json(404, json!({"error": "Not Found", "code": "5"})),
            WrongShape,
            404,
        ),
        (FakeReply::raw(500, "text/plain", "oops"), NotJson, 500),
        (FakeReply::raw(401, "application/json", ""), NotJson, 401),
    ];
    let server = FakeServer::start().unwrap();
    for (reply, reason, status) in cases {
        server.push(Vendor::BlendVision, reply);
        let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
        let u = unexpected(&err);
        assert_eq!((u.reason, u.http_status), (reason, status), "{err}");
        assert_eq!(u.vendor, Vendor::BlendVision);
    }
}

#[test]
fn batch_wrong_shapes_are_unexpected() {
    use download_url::UnexpectedReason::{InvalidContent, WrongShape};
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::BlendVision,
        FakeReply::json(200, json!({"download_files": []})),
    );
    let err = blendvision::download_files(&agent(), &config(&server), &[FIRST]).unwrap_err();
    assert_eq!(unexpected(&err).reason, InvalidContent);
    // A single-file body where the batch is expected.
    server.push(Vendor::BlendVision, FakeReply::json(200, vendor_example()));
    let err = blendvision::download_files(&agent(), &config(&server), &[FIRST]).unwrap_err();
    assert_eq!(unexpected(&err).reason, WrongShape);
    // One bad item fails the whole batch.
    let mut bad = vendor_example();
    bad["expiration_time"] = json!(5);
    server.push(
        Vendor::BlendVision,
        FakeReply::json(200, json!({"download_files": [vendor_example(), bad]})),
    );
    let err = blendvision::download_files(&agent(), &config(&server), &[FIRST]).unwrap_err();
    assert_eq!(unexpected(&err).reason, WrongShape);
}

#[test]
fn fault_html_502() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::BlendVision, Fault::Html502);
    let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
    let u = unexpected(&err);
    assert_eq!(u.http_status, 502);
    assert_eq!(u.reason, download_url::UnexpectedReason::NotJson);
    assert!(u.body_excerpt.starts_with("<html>"), "{}", u.body_excerpt);
    assert_eq!(u.content_type.as_deref(), Some("text/html"));
    assert!(err.is_retryable());
}

#[test]
fn fault_truncated_json() {
    let server = FakeServer::start().unwrap();
    for batch in [false, true] {
        server.push_fault(Vendor::BlendVision, Fault::TruncatedJson);
        let err = if batch {
            blendvision::download_files(&agent(), &config(&server), &[FIRST]).unwrap_err()
        } else {
            blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err()
        };
        let u = unexpected(&err);
        assert_eq!(u.http_status, 200);
        assert_eq!(u.reason, download_url::UnexpectedReason::Truncated);
        assert!(
            !u.body_excerpt.contains("X-Amz-Signature"),
            "{}",
            u.body_excerpt
        );
    }
}

#[test]
fn fault_stalled_body_times_out() {
    let server = FakeServer::start().unwrap();
    server.push_fault(
        Vendor::BlendVision,
        Fault::StallBody(Duration::from_secs(10)),
    );
    let err =
        blendvision::download_file(&common::quick_agent(), &config(&server), FIRST).unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind, TransportKind::Timeout, "{err:?}"),
        other => panic!("not a transport error: {other:?}"),
    }
    assert!(err.is_retryable());
}

#[test]
fn fault_oversized_body() {
    let server = FakeServer::start().unwrap();
    server.push_fault(
        Vendor::BlendVision,
        Fault::Oversized(download_url::BODY_LIMIT + 1024),
    );
    let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
    assert_eq!(
        unexpected(&err).reason,
        download_url::UnexpectedReason::TooLarge
    );
}

#[test]
fn fault_rate_limited_plain_text() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::BlendVision, Fault::RateLimited("1".into()));
    let err = blendvision::download_files(&agent(), &config(&server), &[FIRST]).unwrap_err();
    assert_eq!(err.http_status(), Some(429));
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
}

#[test]
fn fault_close_mid_body() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::BlendVision, Fault::CloseMidBody);
    let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

// ---- secrets ------------------------------------------------------------------

#[test]
fn marker_token_never_printed() {
    let server = FakeServer::start().unwrap();
    let mut cfg = Config::new(MARKER, fake::BLENDVISION_ORG_ID);
    cfg.base_url = server.base_url();
    let shown = format!("{cfg:?}");
    assert!(!shown.contains(MARKER), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");

    // The fake refuses the marker token: 401.
    let err = blendvision::download_file(&agent(), &cfg, FIRST).unwrap_err();
    assert_eq!(err.http_status(), Some(401));
    common::assert_no_marker(&err, MARKER);

    // The fake accepts it: the request carried it, nothing printed it.
    server.configure(|s| s.blendvision.api_token = MARKER.into());
    let file = blendvision::download_file(&agent(), &cfg, FIRST).unwrap();
    let request = server.last_request(Vendor::BlendVision).unwrap();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {MARKER}").as_str())
    );
    let shown = format!("{file:?} {:?}", DownloadLink::from(file.clone()));
    assert!(!shown.contains(MARKER), "{shown}");
}

#[test]
fn presigned_query_never_printed() {
    let server = FakeServer::start().unwrap();
    let files = blendvision::download_files(&agent(), &config(&server), &[FIRST, SECOND]).unwrap();
    for file in &files {
        let query = file.download_uri.split_once('?').unwrap().1;
        let shown = format!("{file:?} {:?}", DownloadLink::from(file.clone()));
        assert!(!shown.contains(query), "{shown}");
        assert!(!shown.contains("X-Amz-Signature"), "{shown}");
    }

    // A presigned URL inside an error message or detail is redacted too.
    let leaky = format!("https://bucket.s3.amazonaws.com/a.mp4?X-Amz-Signature={MARKER}");
    server.push(
        Vendor::BlendVision,
        FakeReply::json(
            500,
            json!({
                "code": 13,
                "message": format!("could not sign {leaky}"),
                "details": [{"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": leaky}]
            }),
        ),
    );
    let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
    common::assert_no_marker(&err, MARKER);
    // The raw field stays available to the caller.
    assert_eq!(parts(&err).1.details[0].fields["detail"], leaky.as_str());

    // And in the excerpt of a reply outside the contract.
    server.push(
        Vendor::BlendVision,
        FakeReply::raw(502, "text/html", format!("<html>{leaky}</html>")),
    );
    let err = blendvision::download_file(&agent(), &config(&server), FIRST).unwrap_err();
    common::assert_no_marker(&err, MARKER);
}

#[test]
fn reply_types_are_plain_data() {
    fn check<T: Clone + std::fmt::Debug + Send + Sync + 'static>() {}
    check::<Config>();
    check::<DownloadFile>();
    check::<ErrorDetail>();
    check::<GrpcCode>();
}

// ---- dlurl --------------------------------------------------------------------

fn cli_env() -> [(&'static str, &'static str); 2] {
    [
        ("BLENDVISION_API_TOKEN", fake::BLENDVISION_API_TOKEN),
        ("BLENDVISION_ORG_ID", fake::BLENDVISION_ORG_ID),
    ]
}

#[test]
fn cli_single_file() {
    let server = fixed_server();
    let base = server.base_url();
    let run = common::dlurl(&["--base-url", &base, "blendvision", FIRST], &cli_env());
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    let fields: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(fields.len(), 3, "{run:?}");
    assert!(fields[0].starts_with("https://kks-platform-orbit-content-store-dev.s3."));
    assert!(fields[0].contains("X-Amz-Expires=86400"));
    assert_eq!(fields[1], "bbb.mp4");
    assert_eq!(fields[2], "2023-06-06T06:42:05Z");
    let request = server.last_request(Vendor::BlendVision).unwrap();
    assert_eq!(
        request.path,
        format!("/bv/cms/v1/library/files/{FIRST}:download")
    );
}

#[test]
fn cli_several_files_use_the_batch_call() {
    let server = fixed_server();
    let base = server.base_url();
    let run = common::dlurl(
        &["--base-url", &base, "blendvision", SECOND, FIRST],
        &cli_env(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let names: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(names, ["intro.mp4", "bbb.mp4"]);
    assert_eq!(server.request_count(), 1);
    let request = server.last_request(Vendor::BlendVision).unwrap();
    assert_eq!(request.path, "/bv/cms/v1/library/files:download");
    assert_eq!(request.json(), json!({"ids": [SECOND, FIRST]}));

    let run = common::dlurl(
        &["--json", "--base-url", &base, "blendvision", FIRST, SECOND],
        &cli_env(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let items: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(items[0]["vendor"], "blendvision");
    assert_eq!(items[1]["file_name"], "intro.mp4");
    assert_eq!(items[1]["expires_at"], "2023-06-06T06:42:05Z");
}

#[test]
fn cli_vendor_error_exits_1() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let run = common::dlurl(&["--base-url", &base, "blendvision", "nope"], &cli_env());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("not found (code 5)"), "{run:?}");
    assert!(run.stdout.is_empty());

    let run = common::dlurl(
        &["--base-url", &base, "blendvision", FIRST],
        &[
            ("BLENDVISION_API_TOKEN", MARKER),
            ("BLENDVISION_ORG_ID", fake::BLENDVISION_ORG_ID),
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("unauthenticated (code 16)"), "{run:?}");
    assert!(!run.stderr.contains(MARKER) && !run.stdout.contains(MARKER));
}

#[test]
fn cli_usage_and_missing_env_exit_2() {
    let server = FakeServer::start().unwrap();
    let base = server.base_url();
    let token_only = [("BLENDVISION_API_TOKEN", fake::BLENDVISION_API_TOKEN)];
    let run = common::dlurl(&["--base-url", &base, "blendvision", FIRST], &token_only);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("BLENDVISION_ORG_ID"), "{run:?}");
    let org_only = [("BLENDVISION_ORG_ID", fake::BLENDVISION_ORG_ID)];
    let run = common::dlurl(&["--base-url", &base, "blendvision", FIRST], &org_only);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("BLENDVISION_API_TOKEN"), "{run:?}");
    let run = common::dlurl(&["--base-url", &base, "blendvision"], &cli_env());
    assert_eq!(run.code, 2, "{run:?}");
    let run = common::dlurl(&["--base-url", &base, "blendvision", ".."], &cli_env());
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn cli_unexpected_response_exits_3() {
    let server = FakeServer::start().unwrap();
    server.push_fault(Vendor::BlendVision, Fault::Html502);
    let base = server.base_url();
    let run = common::dlurl(&["--base-url", &base, "blendvision", FIRST], &cli_env());
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("http 502"), "{run:?}");
}

#[test]
fn cli_retries_a_rate_limit() {
    let server = FakeServer::start().unwrap();
    server.push(
        Vendor::BlendVision,
        FakeReply::json(
            503,
            json!({"code": 14, "message": "try later", "details": []}),
        )
        .with_header("Retry-After", "0"),
    );
    let base = server.base_url();
    let run = common::dlurl(
        &[
            "--retries",
            "1",
            "--base-url",
            &base,
            "blendvision",
            FIRST,
            SECOND,
        ],
        &cli_env(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn cli_demo_includes_blendvision() {
    let run = common::dlurl(&["--json", "demo"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let items: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let bv = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["vendor"] == "blendvision")
        .expect("a blendvision link");
    assert_eq!(bv["file_name"], "bbb.mp4");
    assert!(bv["expires_at"].is_string());
}
