//! The expiry of Cloudreve links to each storage policy: with `redirect` the reply
//! is a 302 whose `Location` is the storage's own presigned URL, with no `expires`
//! beside it, so the URL's own dialect is all that dates the link.
#![cfg(all(feature = "cloudreve", feature = "fake"))]

use download_url::cloudreve::{self, my_uri, Config, Request};
use download_url::fake::{self, FakeServer};
use download_url::{agent, DownloadLink, Expiry};
use time::{OffsetDateTime, UtcOffset};

const WEEK: i64 = 604_800;
const TWENTY_YEARS: i64 = 24 * 3600 * 365 * 20;

/// Every storage policy type Cloudreve v4 has a driver for, with the host its
/// links point at (`local` and `remote` are Cloudreve's own).
const POLICIES: [(&str, &str); 9] = [
    ("local", "http://127.0.0.1"),
    ("s3", "https://cloudreve.s3.us-east-1.amazonaws.com/"),
    ("ks3", "https://cloudreve.ks3-cn-beijing.ksyuncs.com/"),
    ("oss", "https://cloudreve.oss-cn-hangzhou.aliyuncs.com/"),
    (
        "cos",
        "https://cloudreve-1250000000.cos.ap-guangzhou.myqcloud.com/",
    ),
    ("obs", "https://cloudreve.obs.cn-north-4.myhuaweicloud.com/"),
    ("qiniu", "https://cloudreve-qiniu.example.com/"),
    ("upyun", "https://cloudreve.test.upcdn.net/"),
    ("onedrive", "https://contoso-my.sharepoint.com/"),
];

fn server_for(policy: &str, ttl: u64, private: bool) -> FakeServer {
    let server = FakeServer::start().unwrap();
    let site = server.base_url().to_string();
    server.configure(|s| {
        s.cloudreve.site_url = site;
        s.cloudreve.storage_policy = policy.to_owned();
        s.cloudreve.url_ttl_secs = ttl;
        s.cloudreve.storage_private = private;
    });
    server
}

fn config(server: &FakeServer) -> Config {
    let mut config = Config::new(server.base_url());
    config.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    config
}

/// The link of `The Man.mp3` (`redirect: Some(redirect)`, optionally `download`),
/// with the unix seconds just before and after the call.
fn fetch(server: &FakeServer, redirect: bool, download: bool) -> (DownloadLink, i64, i64) {
    let mut request = Request::new([my_uri("The Man.mp3")]);
    request.redirect = Some(redirect);
    request.download = Some(download);
    let before = OffsetDateTime::now_utc().unix_timestamp();
    let link = cloudreve::download_link(&agent(), &config(server), &request).unwrap();
    let after = OffsetDateTime::now_utc().unix_timestamp();
    (link, before, after)
}

/// Asserts that `expires` is a UTC time `ttl` seconds after some moment of the call.
fn assert_expires_in(policy: &str, expires: Expiry, ttl: i64, before: i64, after: i64) {
    let at = expires
        .time()
        .unwrap_or_else(|| panic!("{policy}: no time: {expires:?}"));
    assert_eq!(at.offset(), UtcOffset::UTC, "{policy}: {at}");
    let at = at.unix_timestamp();
    assert!(
        (before + ttl..=after + ttl).contains(&at),
        "{policy}: expires at {at}, expected {ttl} s after {before}..={after}"
    );
}

#[test]
fn a_redirect_to_each_storage_is_dated_by_its_url() {
    for (policy, host) in POLICIES {
        let server = server_for(policy, 3600, true);
        for download in [false, true] {
            let (link, before, after) = fetch(&server, true, download);
            assert!(link.url.starts_with(host), "{policy}: {:?}", link.url);
            assert_eq!(link.file_name.as_deref(), Some("The Man.mp3"), "{policy}");
            if policy == "onedrive" {
                // The Graph download URL's `tempauth` is opaque.
                assert_eq!(link.expires, Expiry::Unknown, "{policy}");
            } else {
                assert_expires_in(policy, link.expires, 3600, before, after);
            }
        }
        let redirects = server
            .requests()
            .iter()
            .filter(|r| r.path == "/api/v4/file/url")
            .count();
        assert_eq!(redirects, 2, "{policy}: the redirect is not followed");
    }
}

#[test]
fn without_an_expiry_each_driver_uses_its_own_default() {
    // `url_ttl_secs: 0`: Cloudreve passes no expiry, each driver picks its own.
    let defaults = [
        ("s3", WEEK),
        ("ks3", WEEK),
        ("oss", WEEK),
        ("cos", TWENTY_YEARS),
        ("obs", 86_400 * 265 * 20),
        ("qiniu", TWENTY_YEARS),
        ("upyun", TWENTY_YEARS),
    ];
    for (policy, ttl) in defaults {
        let server = server_for(policy, 0, true);
        let (link, before, after) = fetch(&server, true, false);
        assert_expires_in(policy, link.expires, ttl, before, after);
    }
    // Cloudreve's own link says `:0`: it never expires.
    let server = server_for("local", 0, true);
    let (link, _, _) = fetch(&server, true, false);
    assert_eq!(link.expires, Expiry::Never);
}

#[test]
fn oss_links_last_at_most_a_week() {
    let server = server_for("oss", 30 * 86_400, true);
    let (link, before, after) = fetch(&server, true, false);
    assert_expires_in("oss", link.expires, WEEK, before, after);
}

#[test]
fn a_public_bucket_link_states_no_expiry() {
    for (policy, _) in POLICIES.iter().skip(1) {
        let server = server_for(policy, 3600, false);
        let (link, _, _) = fetch(&server, true, true);
        assert_eq!(link.expires, Expiry::Unknown, "{policy}: {:?}", link.url);
    }
    // OBS keeps `Expires` without its signature: not an expiry of the link.
    let server = server_for("obs", 3600, false);
    let (link, _, _) = fetch(&server, true, false);
    assert!(link.url.contains("Expires="), "{:?}", link.url.as_str());
    assert!(!link.url.contains("Signature="));
    assert_eq!(link.expires, Expiry::Unknown);
}

#[test]
fn with_a_json_reply_the_earlier_of_expires_and_the_url_counts() {
    for (policy, _) in POLICIES {
        // `expires` says an hour; the URL says the same hour, or (OSS, capped
        // at a week) less than the stated 30 days.
        let server = server_for(policy, 3600, true);
        let (link, before, after) = fetch(&server, false, false);
        assert_expires_in(policy, link.expires, 3600, before, after);

        let server = server_for(policy, 30 * 86_400, true);
        let (link, before, after) = fetch(&server, false, false);
        let ttl = if policy == "oss" { WEEK } else { 30 * 86_400 };
        assert_expires_in(policy, link.expires, ttl, before, after);
    }
}
