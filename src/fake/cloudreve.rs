//! Fake Cloudreve v4: `POST /api/v4/file/url`.
//!
//! Behaves like Cloudreve's `FileURLService` (see the crate's vendor notes): errors
//! inside HTTP 200; the batch-size check (40074) before anything else; an
//! invalid or unknown token silently treated as anonymous; `urls` positional with
//! `{"url": ""}` for a failed URI under `skip_error`, else code 40081 with
//! `aggregated_error`; HTTP 302 for `redirect` with one URI (an empty target
//! becoming `Location: /api/v4/file/`, as Go's `http.Redirect` does); one zip URL
//! for `archive`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{bearer, ok_json, FakeReply, RecordedRequest};

/// A share link the fake Cloudreve knows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeShare {
    /// The share id (the user part of `cloudreve://<id>@share/…`).
    pub id: String,
    /// Its password, if it is not public.
    pub password: Option<String>,
    /// A purchase ticket it requires (`X-Cr-Purchase-Ticket`), if it is paid.
    pub purchase_ticket: Option<String>,
    /// Files inside it, as plain paths relative to the share root.
    pub files: Vec<String>,
}

impl FakeShare {
    /// A public share holding `files`.
    pub fn new(id: &str, files: &[&str]) -> Self {
        FakeShare {
            id: id.to_owned(),
            password: None,
            purchase_ticket: None,
            files: files.iter().map(|f| (*f).to_owned()).collect(),
        }
    }
}

/// What the fake Cloudreve accepts and serves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CloudreveSettings {
    /// The access token it accepts (default [`CLOUDREVE_TOKEN`](super::CLOUDREVE_TOKEN));
    /// any other token is treated as no token, as the real server does.
    pub access_token: String,
    /// A refresh token: sent as the access token it gets code 40020 (default
    /// [`CLOUDREVE_REFRESH_TOKEN`](super::CLOUDREVE_REFRESH_TOKEN)).
    pub refresh_token: String,
    /// Files of the token's user, as plain paths (default: the four songs of the
    /// vendor page and `folder/report.pdf`).
    pub files: Vec<String>,
    /// Folders of the token's user (a URL for one is code 40077). Default `folder`.
    pub folders: Vec<String>,
    /// Entity (blob) ids `entity` may name (default `aO8j`); others are 40077.
    pub entities: Vec<String>,
    /// Share links (default: `VoMFL`, password `2rje2bdj`, holding `report.pdf`).
    pub shares: Vec<FakeShare>,
    /// The site's `max_batched_file` setting (default 3000).
    pub max_batch: usize,
    /// Answer requests without a valid token with code 401 "Login required"
    /// (default `false`: anonymous access reaches shares).
    pub require_login: bool,
    /// Whether the user group may use `archive` (default `true`; else 40007).
    pub archive_allowed: bool,
    /// The site URL the links point at (default `http://localhost:5173`).
    pub site_url: String,
    /// Link lifetime in seconds (default 3600); `0` signs links with `:0` (no
    /// expiry) and sends `expires: null`.
    pub url_ttl_secs: u64,
    /// Send `expires` (default `true`); `false` sends `null`.
    pub send_expires: bool,
    /// Set `stream_saver_display_name` to the file name (default `false`).
    pub stream_saver: bool,
    /// Debug mode: errors carry an internal `error` text (default `false`).
    pub debug: bool,
    /// The type of the storage policy holding the files, as Cloudreve names it
    /// (`inventory/types/types.go`): `local` (default) and `remote` links are
    /// Cloudreve's own, signed `sign=<signature>:<unix>`; `s3`, `ks3`, `oss`,
    /// `cos`, `obs`, `qiniu`, `upyun` and `onedrive` links point at that storage,
    /// signed as Cloudreve's driver for it signs them (`pkg/filemanager/driver/`),
    /// expiring with [`url_ttl_secs`](Self::url_ttl_secs) or, for `0`, at the
    /// driver's own default. With `redirect` such a link is the 302 `Location`,
    /// with no `expires` beside it. Any other type is served as `local`.
    pub storage_policy: String,
    /// Whether the storage policy is private (default `true`). A public bucket's
    /// links are left unsigned as each driver leaves them: no query for `s3` and
    /// `ks3`, no `x-oss-*` for `oss`, no signature for `cos`, `qiniu` and `upyun`,
    /// and for `obs` an `Expires` without `AccessKeyId` and `Signature`.
    pub storage_private: bool,
    /// OAuth tokens that sign in but lack the `Files.Read` scope: upstream answers
    /// 40089 `CodeInsufficientScope` "Insufficient scope: Files.Read" (default
    /// none).
    pub unscoped_tokens: Vec<String>,
    /// Paths of the user's files whose lookup fails with an unclassified internal
    /// error: upstream's code -1 (`CodeNotSet`) inside `aggregated_error`
    /// (default none).
    pub broken_files: Vec<String>,
}

impl Default for CloudreveSettings {
    fn default() -> Self {
        CloudreveSettings {
            access_token: super::CLOUDREVE_TOKEN.to_owned(),
            refresh_token: super::CLOUDREVE_REFRESH_TOKEN.to_owned(),
            files: [
                "The Man.mp3",
                "Taylor Swift - Untouchable (Taylor’s Version).mp3",
                "遠野ひかる - LOVE 2000.mp3",
                "Taylor Swift - Guilty as Sin.mp3",
                "folder/report.pdf",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            folders: vec!["folder".to_owned()],
            entities: vec!["aO8j".to_owned()],
            shares: vec![FakeShare {
                password: Some("2rje2bdj".to_owned()),
                ..FakeShare::new("VoMFL", &["report.pdf"])
            }],
            max_batch: 3000,
            require_login: false,
            archive_allowed: true,
            site_url: "http://localhost:5173".to_owned(),
            url_ttl_secs: 3600,
            send_expires: true,
            stream_saver: false,
            debug: false,
            storage_policy: "local".to_owned(),
            storage_private: true,
            unscoped_tokens: Vec::new(),
            broken_files: Vec::new(),
        }
    }
}

const PATH: &str = "/api/v4/file/url";

pub(super) fn matches(path: &str) -> bool {
    path == PATH
}

/// A parsed `cloudreve://` URI.
struct Uri {
    user: String,
    password: Option<String>,
    fs: String,
    path: String,
}

fn parse_uri(text: &str) -> Option<Uri> {
    let rest = text.strip_prefix("cloudreve://")?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (userinfo, fs) = match authority.rsplit_once('@') {
        Some((u, f)) => (u, f),
        None => ("", authority),
    };
    if !matches!(fs, "my" | "share" | "trash" | "shared_with_me") {
        return None;
    }
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(crate::encode::percent_decode(p))),
        None => (userinfo, None),
    };
    Some(Uri {
        user: crate::encode::percent_decode(user),
        password,
        fs: fs.to_owned(),
        path: crate::encode::percent_decode(path.trim_end_matches('/')),
    })
}

struct Failure {
    code: i64,
    msg: &'static str,
}

fn fail(code: i64, msg: &'static str) -> Failure {
    Failure { code, msg }
}

/// A random UUID-shaped id (the fake needs no real randomness).
fn correlation_id() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        OffsetDateTime::now_utc()
            .unix_timestamp_nanos()
            .unsigned_abs(),
    );
    let a = hasher.finish();
    hasher.write_u64(a);
    let b = hasher.finish();
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn sign(expires_unix: i64) -> String {
    let id = correlation_id().replace('-', "");
    format!("{}%3D%3A{expires_unix}", &id[..22])
}

pub(super) fn handle(settings: &CloudreveSettings, request: &RecordedRequest) -> FakeReply {
    let correlation = correlation_id();
    let error = |code: u32, msg: &str| {
        let mut body = json!({"code": code, "msg": msg, "correlation_id": correlation});
        if settings.debug {
            body["error"] = json!(format!("fake cloudreve: {msg}"));
        }
        ok_json(body)
    };
    if request.method != "POST" {
        return FakeReply::raw(404, "text/plain", "404 page not found");
    }
    let body = request.json();
    let uris: Vec<String> = match body.get("uris").and_then(Value::as_array) {
        Some(items) if !items.is_empty() => {
            let strings: Vec<String> = items
                .iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect();
            if strings.len() != items.len() {
                return error(40001, "Parameter error");
            }
            strings
        }
        _ => return error(40001, "Parameter error"),
    };
    if uris.len() > settings.max_batch {
        return error(
            40074,
            &format!("Maximum allowed batch size: {}", settings.max_batch),
        );
    }
    let logged_in = match bearer(request) {
        Some(token) if settings.unscoped_tokens.iter().any(|t| *t == token) => {
            return error(40089, "Insufficient scope: Files.Read")
        }
        Some(token) if token == settings.access_token => true,
        Some(token) if token == settings.refresh_token => {
            return error(40020, "Invalid credential")
        }
        _ => false,
    };
    if settings.require_login && !logged_in {
        return error(401, "Login required");
    }
    let flag = |name: &str| body.get(name).and_then(Value::as_bool).unwrap_or(false);
    let mut parsed = Vec::with_capacity(uris.len());
    for uri in &uris {
        match parse_uri(uri) {
            Some(p) => parsed.push(p),
            None => return error(40001, "unknown uri"),
        }
    }
    let now = OffsetDateTime::now_utc();
    let expires = (settings.url_ttl_secs > 0)
        .then(|| now + time::Duration::seconds(i64::try_from(settings.url_ttl_secs).unwrap_or(0)));
    let expires_unix = expires.map_or(0, OffsetDateTime::unix_timestamp);
    let expires_json = match expires {
        Some(at) if settings.send_expires => at
            .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC))
            .format(&Rfc3339)
            .map_or(Value::Null, Value::String),
        _ => Value::Null,
    };

    if flag("archive") {
        if !settings.archive_allowed {
            return error(40007, "Group not allowed");
        }
        let url = format!(
            "{}/api/v4/file/archive/{}/archive.zip?sign={}",
            settings.site_url,
            correlation_id(),
            sign(expires_unix)
        );
        return ok_json(json!({
            "code": 0,
            "data": {"urls": [{"url": url}], "expires": expires_json},
            "msg": "",
        }));
    }

    let entity = body.get("entity").and_then(Value::as_str);
    let ticket = request.header("x-cr-purchase-ticket");
    let mut urls = Vec::with_capacity(parsed.len());
    let mut failures = Map::new();
    for (raw, uri) in uris.iter().zip(&parsed) {
        match resolve(settings, uri, logged_in, ticket, entity) {
            Ok(name) => {
                let mut item =
                    json!({"url": link_url(settings, &name, flag("download"), expires_unix)});
                if settings.stream_saver {
                    item["stream_saver_display_name"] = json!(name);
                }
                urls.push(item);
            }
            Err(f) => {
                urls.push(json!({"url": ""}));
                let mut entry =
                    json!({"code": f.code, "msg": f.msg, "correlation_id": correlation});
                if settings.debug {
                    entry["error"] = json!(format!("fake cloudreve: {}", f.msg));
                }
                // Go prints the parsed URI: a trailing `/` is gone.
                failures.insert(raw.trim_end_matches('/').to_owned(), entry);
            }
        }
    }
    if !failures.is_empty() && !flag("skip_error") {
        let msg = match failures.values().next() {
            Some(only) if failures.len() == 1 => only["msg"].as_str().unwrap_or("").to_owned(),
            _ => "One or more operation failed".to_owned(),
        };
        let mut body = json!({
            "code": 40081,
            "msg": msg,
            "correlation_id": correlation,
            "aggregated_error": failures,
        });
        if settings.debug {
            body["error"] = json!("aggregate error: one or more operation failed");
        }
        return ok_json(body);
    }
    if flag("redirect") && urls.len() == 1 {
        let target = urls
            .first()
            .and_then(|u| u["url"].as_str())
            .filter(|u| !u.is_empty())
            .unwrap_or("/api/v4/file/")
            .to_owned();
        return FakeReply::Response {
            status: 302,
            headers: vec![("Location".into(), target)],
            body: Vec::new(),
        };
    }
    ok_json(json!({
        "code": 0,
        "data": {"urls": urls, "expires": expires_json},
        "msg": "",
    }))
}

/// The file name a URI resolves to, or why it fails.
fn resolve(
    settings: &CloudreveSettings,
    uri: &Uri,
    logged_in: bool,
    ticket: Option<&str>,
    entity: Option<&str>,
) -> Result<String, Failure> {
    let exists = match uri.fs.as_str() {
        "my" => {
            if !logged_in {
                return Err(fail(401, "Login required"));
            }
            if settings.folders.contains(&uri.path) || uri.path.is_empty() {
                return Err(fail(40077, "Entity not exist"));
            }
            if settings.broken_files.contains(&uri.path) {
                // Upstream starts each aggregated entry from CodeNotSet (-1).
                return Err(fail(-1, "Internal error"));
            }
            settings.files.contains(&uri.path)
        }
        "share" => {
            let Some(share) = settings.shares.iter().find(|s| s.id == uri.user) else {
                return Err(fail(404, "Shared file does not exist"));
            };
            if share.password.is_some() && share.password != uri.password {
                return Err(fail(40069, "Incorrect share password"));
            }
            if share.purchase_ticket.is_some() && share.purchase_ticket.as_deref() != ticket {
                return Err(fail(40083, "Purchase required"));
            }
            share.files.contains(&uri.path)
        }
        _ => return Err(fail(403, "Permission denied")),
    };
    if !exists {
        return Err(fail(40016, "Path not exist"));
    }
    // Upstream applies `entity` to every URI of the request: with several URIs,
    // every one but the blob's owner fails with 40077.
    if let Some(entity) = entity {
        if !settings.entities.iter().any(|e| e == entity) {
            return Err(fail(40077, "Entity not exist"));
        }
    }
    Ok(uri.path.rsplit('/').next().unwrap_or("").to_owned())
}

fn link_url(settings: &CloudreveSettings, name: &str, download: bool, expires_unix: i64) -> String {
    if let Some(url) = storage_url(settings, name, download) {
        return url;
    }
    let id = correlation_id();
    format!(
        "{}/api/v4/file/content/{}/0/{}?{}sign={}",
        settings.site_url,
        &id[..5],
        crate::encode::percent_encode(name),
        if download { "download=true&" } else { "" },
        sign(expires_unix)
    )
}

/// A link to the file on the storage policy of `settings`, shaped as Cloudreve's
/// driver of that type makes it; `None` for Cloudreve's own links (`local`,
/// `remote`, anything unknown).
fn storage_url(settings: &CloudreveSettings, name: &str, download: bool) -> Option<String> {
    use crate::encode::percent_encode;
    // Go's `url.QueryEscape` (space as `%20`, as the SDKs rewrite it).
    let escape = |text: &str| percent_encode(text);
    let now = OffsetDateTime::now_utc();
    let stated = i64::try_from(settings.url_ttl_secs)
        .ok()
        .filter(|&ttl| ttl > 0);
    // The driver's lifetime when Cloudreve passes no expiry (`url_ttl_secs` 0).
    let ttl = |default: i64| stated.unwrap_or(default);
    let until = |seconds: i64| now.unix_timestamp().saturating_add(seconds);
    const WEEK: i64 = 604_800;
    const TWENTY_YEARS: i64 = 24 * 3600 * 365 * 20;
    let private = settings.storage_private;
    let id = correlation_id().replace('-', "");
    let key = format!("uploads/1/{}_{}", &id[..8], percent_encode(name));
    let hex = |n: usize| {
        let mut out = String::new();
        while out.len() < n {
            out.push_str(&correlation_id().replace('-', ""));
        }
        out.truncate(n);
        out
    };
    let disposition = |quoted: bool| {
        let file = crate::encode::percent_encode(name);
        let value = if quoted {
            format!("attachment; filename=\"{file}\"; filename*=UTF-8''{file}")
        } else {
            format!("attachment; filename={file}")
        };
        format!("response-content-disposition={}", escape(&value))
    };
    let with_query = |base: String, pairs: Vec<String>| {
        if pairs.is_empty() {
            base
        } else {
            format!("{base}?{}", pairs.join("&"))
        }
    };
    let date = crate::expiry::format_amz_date(now);
    let day = &date[..8];
    let url = match settings.storage_policy.as_str() {
        // aws-sdk-go v1 `Presign` (driver/s3/s3.go: 7 days without an expiry; a
        // public bucket's query is dropped).
        "s3" => {
            let base = format!("https://cloudreve.s3.us-east-1.amazonaws.com/{key}");
            if !private {
                return Some(base);
            }
            let mut pairs = vec![
                "X-Amz-Algorithm=AWS4-HMAC-SHA256".to_owned(),
                format!(
                    "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F{day}%2Fus-east-1%2Fs3%2Faws4_request"
                ),
                format!("X-Amz-Date={date}"),
                format!("X-Amz-Expires={}", ttl(WEEK)),
                "X-Amz-SignedHeaders=host".to_owned(),
                format!("X-Amz-Signature={}", hex(64)),
            ];
            if download {
                pairs.push(disposition(true));
            }
            with_query(base, pairs)
        }
        // ks3sdklib's default V2 signer (driver/ks3/ks3.go: 7 days without an
        // expiry; a public bucket's query is dropped).
        "ks3" => {
            let base = format!("https://cloudreve.ks3-cn-beijing.ksyuncs.com/{key}");
            if !private {
                return Some(base);
            }
            let mut pairs = Vec::new();
            if download {
                pairs.push(disposition(false));
            }
            pairs.push(format!("Expires={}", until(ttl(WEEK))));
            pairs.push("AWSAccessKeyId=AKLTfakeKs3AccessKey".to_owned());
            pairs.push(format!("Signature={}%2B{}%3D", hex(12), hex(14)));
            with_query(base, pairs)
        }
        // alibabacloud-oss-go-sdk-v2 V4 `Presign`, at most 7 days
        // (driver/oss/oss.go); a public bucket loses every `x-oss-*`.
        "oss" => {
            let base = format!("https://cloudreve.oss-cn-hangzhou.aliyuncs.com/{key}");
            let mut pairs = Vec::new();
            if private {
                if download {
                    pairs.push(disposition(true));
                }
                pairs.extend([
                    format!("x-oss-credential=LTAI5tFakeOssKey%2F{day}%2Fcn-hangzhou%2Foss%2Faliyun_v4_request"),
                    format!("x-oss-date={date}"),
                    format!("x-oss-expires={}", ttl(WEEK).min(WEEK)),
                    format!("x-oss-signature={}", hex(64)),
                    "x-oss-signature-version=OSS4-HMAC-SHA256".to_owned(),
                ]);
            }
            with_query(base, pairs)
        }
        // cos-go-sdk-v5 `GetPresignedURL` (driver/cos/cos.go: 20 years without an
        // expiry; a public bucket is not signed).
        "cos" => {
            let base = format!("https://cloudreve-1250000000.cos.ap-guangzhou.myqcloud.com/{key}");
            if !private {
                return Some(base);
            }
            let range = format!("{}%3B{}", now.unix_timestamp(), until(ttl(TWENTY_YEARS)));
            let mut pairs = Vec::new();
            if download {
                pairs.push(disposition(true));
            }
            pairs.extend([
                "q-sign-algorithm=sha1".to_owned(),
                "q-ak=AKIDfakeCosSecretId".to_owned(),
                format!("q-sign-time={range}"),
                format!("q-key-time={range}"),
                "q-header-list=host".to_owned(),
                format!(
                    "q-url-param-list={}",
                    if download { "response-content-disposition" } else { "" }
                ),
                format!("q-signature={}", hex(40)),
            ]);
            with_query(base, pairs)
        }
        // huaweicloud-sdk-go-obs `CreateSignedUrl` with the OBS signature
        // (driver/obs/obs.go: 86400 * 265 * 20 seconds without an expiry; a public
        // bucket keeps `Expires` but loses `AccessKeyId` and `Signature`).
        "obs" => {
            let base = format!("https://cloudreve.obs.cn-north-4.myhuaweicloud.com/{key}");
            let mut pairs = Vec::new();
            if private {
                pairs.push("AccessKeyId=HPUAFAKEOBSACCESSKEY".to_owned());
            }
            pairs.push(format!("Expires={}", until(ttl(86_400 * 265 * 20))));
            if download {
                pairs.push(disposition(true));
            }
            if private {
                pairs.push(format!("Signature={}%2F{}%3D", hex(12), hex(14)));
            }
            with_query(base, pairs)
        }
        // qiniu go-sdk `MakePrivateURLv2WithQuery` (driver/qiniu/qiniu.go: 20
        // years without an expiry).
        "qiniu" => {
            let base = format!("https://cloudreve-qiniu.example.com/{key}");
            let mut pairs = Vec::new();
            if download {
                pairs.push(format!("attname={}", escape(name)));
            }
            if private {
                pairs.push(format!("e={}", until(ttl(TWENTY_YEARS))));
                pairs.push(format!("token=FakeQiniuAccessKey:{}=", hex(27)));
            }
            with_query(base, pairs)
        }
        // driver/upyun/upyun.go `signURL`: `_upt` = 8 hex digits + the unix
        // expiry (20 years without one).
        "upyun" => {
            let base = format!("https://cloudreve.test.upcdn.net/{key}");
            let mut pairs = Vec::new();
            if download {
                pairs.push(format!("_upd={}", escape(name)));
            }
            if private {
                pairs.push(format!("_upt={}{}", hex(8), until(ttl(TWENTY_YEARS))));
            }
            with_query(base, pairs)
        }
        // driver/onedrive: the Graph `@microsoft.graph.downloadUrl`, whose
        // `tempauth` states no expiry anyone can read.
        "onedrive" => format!(
            "https://contoso-my.sharepoint.com/personal/cloudreve/_layouts/15/download.aspx?UniqueId={}&Translate=false&tempauth=v1.{}&ApiVersion=2.0",
            hex(32),
            hex(48)
        ),
        _ => return None,
    };
    Some(url)
}
