//! The expiry a storage link states in its own query, for every vendor's links.
//!
//! A presigned URL of an object store carries its own end of validity, each store
//! in its own dialect. Cloudreve in particular redirects (`redirect: true`) to
//! whichever storage policy holds the file, with no `expires` beside it, so the
//! URL is all there is. [`recognise`] reads every dialect below, in one place; the
//! parameter names were checked against the code that writes them:
//!
//! | storage | parameters | checked in |
//! |---|---|---|
//! | S3 SigV4 (AWS, MinIO, KS3/OBS in V4 mode, R2, GCS HMAC) | `X-Amz-Date` + `X-Amz-Expires` | aws-sdk-go v1 (Cloudreve `driver/s3/s3.go`); ks3sdklib `internal/signer/v4/v4.go`; huaweicloud-sdk-go-obs `obs/auth.go` |
//! | Aliyun OSS v4 | `x-oss-date` + `x-oss-expires`, with `x-oss-signature` | alibabacloud-oss-go-sdk-v2 `oss/signer/v4.go` (`authQuery`) |
//! | Aliyun OSS v1 | `Expires=<unix>`, with `OSSAccessKeyId` + `Signature` | alibabacloud-oss-go-sdk-v2 `oss/signer/v1.go` |
//! | Huawei OBS (OBS signature, Cloudreve's choice) | `Expires=<unix>`, with `AccessKeyId` + `Signature` | huaweicloud-sdk-go-obs `obs/auth.go` (`doAuthTemporary`) |
//! | S3 SigV2, KS3 (its SDK's default signer is V2) | `Expires=<unix>`, with `AWSAccessKeyId` + `Signature` | ks3sdklib/aws-sdk-go `internal/signer/v2/v2.go`, `aws/config.go` |
//! | Google Cloud Storage V4 | `X-Goog-Date` + `X-Goog-Expires`, with `X-Goog-Signature`, any case | GCS V4 signing docs; google-cloud-dotnet `V4SignerTest` (lowercase) |
//! | Google Cloud Storage V2 | `Expires=<unix>`, with `GoogleAccessId` + `Signature` | GCS V2 signing docs |
//! | Tencent COS | `q-sign-time=<start>;<end>` (and `q-key-time`), with `q-ak` + `q-signature`; also merged into one `sign` | cos-go-sdk-v5 `auth.go` (`genAuthorization`), `object.go` (`GetPresignedURL`) |
//! | Qiniu | `e=<unix>`, with `token=<ak>:<sig>` | qiniu/go-sdk `storage/bucket.go` (`makePrivateURLv2WithRawQuery`) |
//! | Upyun | `_upt=<8 hex><unix>` | Cloudreve `driver/upyun/upyun.go` (`signURL`) |
//! | Azure Blob SAS | `se=<ISO 8601>`, with `sig` | azure-sdk-for-go `azblob/sas/query_params.go` (`SASTimeFormats`) |
//! | Cloudreve itself (local and slave policies) | `sign=<sig>:<unix>`, `:0` never expires | Cloudreve `pkg/auth/auth.go`, `hmac.go` |
//!
//! Names are compared exactly, after percent-decoding, as the SDKs write them
//! (OSS v4's are lowercase, S3's capitalised), except GCS's, which its SDKs write
//! in either case. The first occurrence of
//! a name counts. A dialect whose parameters always come with a signature
//! parameter needs it too: a public bucket's link keeps some of them unsigned
//! (Cloudreve's OBS driver drops `AccessKeyId` and `Signature` but leaves
//! `Expires`), and such a link does not expire at that time.
//!
//! Every number is checked: a value that does not fit, a date that does not
//! exist, an overflowing sum is no expiry, never a panic.

use std::fmt;

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::encode::percent_decoded as decoded;
use crate::url::{query_of, query_pairs};

/// When a link stops working, as far as anything says.
///
/// - [`Expiry::At`]: a time stated by the vendor's reply, documented by the vendor
///   (kie.ai's 20 minutes, Datalab's `expires_in`) or read from the URL's own
///   signature parameters; always UTC.
/// - [`Expiry::Never`]: the vendor states the link does not expire (a Cloudreve
///   `sign=…:0`).
/// - [`Expiry::Unknown`]: nothing states a bound. A cache should refresh such a
///   link ([`expires_within`](Expiry::expires_within) is `true`); a download
///   should not give up on it ([`is_expired`](Expiry::is_expired) is `false`).
///
/// With the `serde` feature it is the RFC 3339 string in UTC, `"never"`, or
/// `null`; a time outside the years RFC 3339 writes (0000–9999 in UTC) is saved
/// and loaded clamped to that range, so every value that loads saves again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expiry {
    /// The link stops working at this time (UTC).
    At(OffsetDateTime),
    /// The vendor states the link does not expire.
    Never,
    /// Nothing states when the link expires.
    Unknown,
}

impl Expiry {
    /// [`Expiry::At`] `at`, converted to UTC. A time whose UTC form falls outside
    /// the representable range (years ±9999) is clamped to its end.
    pub fn at(at: OffsetDateTime) -> Expiry {
        Expiry::At(utc(at))
    }

    /// The time, for [`Expiry::At`].
    pub fn time(self) -> Option<OffsetDateTime> {
        match self {
            Expiry::At(at) => Some(at),
            _ => None,
        }
    }

    /// The bound of both: the earlier time when both state one, the one stated
    /// when only one does; `Never` only when one says never and the other states
    /// nothing; otherwise `Unknown`.
    ///
    /// ```
    /// use download_url::Expiry;
    /// use time::macros::datetime;
    /// let a = Expiry::At(datetime!(2030-01-01 0:00 UTC));
    /// let b = Expiry::At(datetime!(2029-01-01 0:00 UTC));
    /// assert_eq!(a.earliest(b), b);
    /// assert_eq!(Expiry::Never.earliest(a), a);
    /// assert_eq!(Expiry::Unknown.earliest(Expiry::Never), Expiry::Never);
    /// ```
    pub fn earliest(self, other: Expiry) -> Expiry {
        match (self, other) {
            (Expiry::At(a), Expiry::At(b)) => Expiry::At(a.min(b)),
            (Expiry::At(a), _) | (_, Expiry::At(a)) => Expiry::At(a),
            (Expiry::Never, _) | (_, Expiry::Never) => Expiry::Never,
            _ => Expiry::Unknown,
        }
    }

    /// `true` once a stated time has passed; `false` for `Never` and `Unknown`.
    pub fn is_expired(self) -> bool {
        match self {
            Expiry::At(at) => at <= OffsetDateTime::now_utc(),
            _ => false,
        }
    }

    /// `true` when the link expires within `window` from now (or already has),
    /// and for `Unknown` (a cache should not keep a link it cannot date);
    /// `false` for `Never`. Any `window` works: one that reaches past the last
    /// representable time simply covers every stated time.
    pub fn expires_within(self, window: std::time::Duration) -> bool {
        match self {
            Expiry::At(at) => Duration::try_from(window)
                .ok()
                .and_then(|w| OffsetDateTime::now_utc().checked_add(w))
                .is_none_or(|limit| at <= limit),
            Expiry::Never => false,
            Expiry::Unknown => true,
        }
    }

    /// The RFC 3339 form in UTC, whole seconds rounded down (a link is never shown
    /// as valid longer than it is), for [`Expiry::At`]; `None` otherwise, and for
    /// a time that RFC 3339 cannot write (a year outside 0000–9999).
    pub fn rfc3339(self) -> Option<String> {
        write_rfc3339(utc(self.time()?).replace_nanosecond(0).ok()?)
    }
}

impl fmt::Display for Expiry {
    /// RFC 3339 UTC (whole seconds), `never`, or `-` when unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Outside RFC 3339's years: still a time, shown as `time` does.
            Expiry::At(at) => f.pad(&self.rfc3339().unwrap_or_else(|| utc(*at).to_string())),
            Expiry::Never => f.pad("never"),
            Expiry::Unknown => f.pad("-"),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Expiry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Expiry::At(at) => match write_rfc3339(rfc3339_years(*at)) {
                Some(text) => serializer.serialize_str(&text),
                None => Err(serde::ser::Error::custom("a year RFC 3339 cannot write")),
            },
            Expiry::Never => serializer.serialize_str("never"),
            Expiry::Unknown => serializer.serialize_none(),
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Expiry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
        match text.as_deref() {
            None => Ok(Expiry::Unknown),
            Some("never") => Ok(Expiry::Never),
            // Loaded as it would be saved: a time whose UTC form falls before year
            // 0000 (e.g. `0000-01-01T00:30:00+01:00`) is clamped to 0000-01-01Z.
            Some(text) => {
                OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .map(|at| Expiry::At(rfc3339_years(at)))
                    .map_err(serde::de::Error::custom)
            }
        }
    }
}

/// `at` in UTC, clamped to the years RFC 3339 can write (0000–9999): what the
/// `serde` form saves and loads, so that whatever loads saves again.
#[cfg(feature = "serde")]
fn rfc3339_years(at: OffsetDateTime) -> OffsetDateTime {
    // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, in `time`'s range.
    let first = OffsetDateTime::from_unix_timestamp(-62_167_219_200);
    let last = OffsetDateTime::from_unix_timestamp_nanos(253_402_300_799_999_999_999);
    match (first, last) {
        (Ok(first), Ok(last)) => utc(at).clamp(first, last),
        _ => utc(at),
    }
}

/// `at` written as RFC 3339 in UTC (`Z`), a fraction of a second only when there
/// is one, without trailing zeros (as `time` writes it); `None` outside the
/// years 0000–9999.
fn write_rfc3339(at: OffsetDateTime) -> Option<String> {
    let at = utc(at);
    if !(0..=9999).contains(&at.year()) {
        return None;
    }
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    if at.nanosecond() != 0 {
        let fraction = format!("{:09}", at.nanosecond());
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    Some(text)
}

/// An optional RFC 3339 time in a vendor's reply (`null` or missing is `None`),
/// for `#[serde(deserialize_with)]`.
#[cfg(any(feature = "cloudreve", feature = "blendvision"))]
pub(crate) fn rfc3339_option<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    text.map(|t| {
        OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
            .map_err(serde::de::Error::custom)
    })
    .transpose()
}

/// `at` in UTC, clamped to the representable range.
pub(crate) fn utc(at: OffsetDateTime) -> OffsetDateTime {
    at.checked_to_offset(UtcOffset::UTC).unwrap_or_else(|| {
        // Only a time at the very edge overflows: a negative offset pushes its UTC
        // form past the last representable instant, a positive one before the first.
        if at.offset().is_negative() {
            PrimitiveDateTime::MAX.assume_utc()
        } else {
            PrimitiveDateTime::MIN.assume_utc()
        }
    })
}

/// The expiry `url` states in its own query: a UTC time, [`Expiry::Never`] (only a
/// Cloudreve `sign=…:0`), or [`Expiry::Unknown`] when no dialect above is
/// recognised. A readable S3 pair alone dates the link; otherwise, when several
/// dialects state a time (a proxy signing a storage URL, say), the earliest
/// counts. The fragment is no part of the query.
pub(crate) fn recognise(url: &str) -> Expiry {
    let Some(query) = query_of(url) else {
        return Expiry::Unknown;
    };
    if let Some(at) = amz_expiry(query) {
        return Expiry::at(at);
    }
    let params = Params::new(query);
    let dialects: [Dialect; 7] = [oss_v4, goog_v4, cos, expires_v1, qiniu, upyun, azure];
    let mut expiry = dialects
        .iter()
        .filter_map(|dialect| dialect(&params))
        .map(Expiry::at)
        .fold(Expiry::Unknown, Expiry::earliest);
    if let Some(sign) = params.sign.map(decoded) {
        // COS with its authorization merged into `sign`.
        if let Some(at) = cos_merged(&sign) {
            expiry = expiry.earliest(Expiry::at(at));
        }
        // Cloudreve's own `sign=<signature>:<unix seconds>` (`:0`: never expires).
        match cloudreve_sign(&sign) {
            Some(Some(at)) => expiry = expiry.earliest(Expiry::at(at)),
            Some(None) => expiry = expiry.earliest(Expiry::Never),
            None => {}
        }
    }
    expiry
}

/// A dialect's reading of a query.
type Dialect = fn(&Params<'_>) -> Option<OffsetDateTime>;

/// Expiry of an S3-style presigned URL, from its raw query: `X-Amz-Date` +
/// `X-Amz-Expires`, the first pair of each named exactly so (the name as sent,
/// not decoded); the values decoded and trimmed, the seconds a `u32`.
pub(crate) fn amz_expiry(query: &str) -> Option<OffsetDateTime> {
    // Its own pass, which ends once both are found: most links are S3's, and
    // their queries run to hundreds of bytes.
    let (mut date, mut expires) = (None, None);
    for (name, value) in query_pairs(query) {
        match name {
            "X-Amz-Date" => date = date.or(Some(value)),
            "X-Amz-Expires" => expires = expires.or(Some(value)),
            _ => continue,
        }
        if date.is_some() && expires.is_some() {
            break;
        }
    }
    let date = parse_amz_date(decoded(date?).trim())?;
    let seconds: u32 = decoded(expires?).trim().parse().ok()?;
    date.checked_add(Duration::seconds(seconds.into()))
}

/// Parses the `yyyyMMdd'T'HHmmss'Z'` form used by `X-Amz-Date` and KooDrive's
/// `X-Date`: exactly sixteen bytes, digits but for the `T` and `Z` (`time` alone
/// would also take a sign before the year).
pub(crate) fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    let shape = text.len() == 16
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 => b == b'T',
            15 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let number = |from: usize, to: usize| text[from..to].parse::<u8>().ok();
    let year: i32 = text[..4].parse().ok()?;
    let month = Month::try_from(number(4, 6)?).ok()?;
    let date = Date::from_calendar_date(year, month, number(6, 8)?).ok()?;
    let time = Time::from_hms(number(9, 11)?, number(11, 13)?, number(13, 15)?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Formats a time, in UTC, as `yyyyMMdd'T'HHmmss'Z'`.
#[allow(dead_code)] // used by KooDrive and the fakes
pub(crate) fn format_amz_date(at: OffsetDateTime) -> String {
    let at = utc(at);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The expiry in Cloudreve's `sign=<signature>:<unix seconds>` query parameter:
/// `None` when absent or unreadable, `Some(None)` for `0` (never expires).
pub(crate) fn sign_expiry(url: &str) -> Option<Option<OffsetDateTime>> {
    cloudreve_sign(&crate::url::query_param(url, "sign")?)
}

/// The expiry in a decoded Cloudreve `sign` value: the seconds after its last `:`
/// (as `i64` reads them: a sign, blanks around), `Some(None)` for `0`.
fn cloudreve_sign(sign: &str) -> Option<Option<OffsetDateTime>> {
    let seconds: i64 = sign.rsplit_once(':')?.1.trim().parse().ok()?;
    if seconds == 0 {
        return Some(None);
    }
    OffsetDateTime::from_unix_timestamp(seconds).ok().map(Some)
}

/// The first raw (still encoded) value of each parameter a dialect below reads,
/// from one pass over a raw query. Names are compared after percent-decoding,
/// as the SDKs write them, except GCS's (in any case).
#[derive(Default)]
struct Params<'q> {
    oss_signature: Option<&'q str>,
    oss_date: Option<&'q str>,
    oss_expires: Option<&'q str>,
    goog_signature: Option<&'q str>,
    goog_date: Option<&'q str>,
    goog_expires: Option<&'q str>,
    q_ak: Option<&'q str>,
    q_signature: Option<&'q str>,
    q_sign_time: Option<&'q str>,
    q_key_time: Option<&'q str>,
    signature: Option<&'q str>,
    expires: Option<&'q str>,
    oss_access_key_id: Option<&'q str>,
    access_key_id: Option<&'q str>,
    aws_access_key_id: Option<&'q str>,
    google_access_id: Option<&'q str>,
    token: Option<&'q str>,
    e: Option<&'q str>,
    upt: Option<&'q str>,
    sig: Option<&'q str>,
    se: Option<&'q str>,
    sign: Option<&'q str>,
}

impl<'q> Params<'q> {
    fn new(query: &'q str) -> Params<'q> {
        let mut params = Params::default();
        for (raw_name, value) in query_pairs(query) {
            let name = decoded(raw_name);
            let any_case = |goog: &str| name.eq_ignore_ascii_case(goog);
            let slot = match name.as_ref() {
                "x-oss-signature" => &mut params.oss_signature,
                "x-oss-date" => &mut params.oss_date,
                "x-oss-expires" => &mut params.oss_expires,
                _ if any_case("X-Goog-Signature") => &mut params.goog_signature,
                _ if any_case("X-Goog-Date") => &mut params.goog_date,
                _ if any_case("X-Goog-Expires") => &mut params.goog_expires,
                "q-ak" => &mut params.q_ak,
                "q-signature" => &mut params.q_signature,
                "q-sign-time" => &mut params.q_sign_time,
                "q-key-time" => &mut params.q_key_time,
                "Signature" => &mut params.signature,
                "Expires" => &mut params.expires,
                "OSSAccessKeyId" => &mut params.oss_access_key_id,
                "AccessKeyId" => &mut params.access_key_id,
                "AWSAccessKeyId" => &mut params.aws_access_key_id,
                "GoogleAccessId" => &mut params.google_access_id,
                "token" => &mut params.token,
                "e" => &mut params.e,
                "_upt" => &mut params.upt,
                "sig" => &mut params.sig,
                "se" => &mut params.se,
                "sign" => &mut params.sign,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        params
    }
}

/// Whether a parameter is present with a value that is not blank once decoded.
fn has(value: Option<&str>) -> bool {
    value.is_some_and(|v| !crate::config::is_blank(&decoded(v)))
}

/// Aliyun OSS v4: `x-oss-date` (`yyyyMMdd'T'HHmmss'Z'`) + `x-oss-expires`
/// (seconds), signed by `x-oss-signature` (alibabacloud-oss-go-sdk-v2
/// `oss/signer/v4.go`, `authQuery`, always adds all three with
/// `x-oss-credential` and `x-oss-signature-version`; Cloudreve's
/// `driver/oss/oss.go` deletes them all together for a public bucket).
fn oss_v4(params: &Params<'_>) -> Option<OffsetDateTime> {
    if !has(params.oss_signature) {
        return None;
    }
    date_plus_seconds(&decoded(params.oss_date?), &decoded(params.oss_expires?))
}

/// Google Cloud Storage V4: `X-Goog-Date` + `X-Goog-Expires`, signed by
/// `X-Goog-Signature` (with `X-Goog-Algorithm`, `X-Goog-Credential` and
/// `X-Goog-SignedHeaders`, as the GCS V4 signing process writes them). In any
/// case: the Go, Node and Ruby clients write `X-Goog-*`, the .NET one
/// `x-goog-*` (google-cloud-dotnet `Google.Cloud.Storage.V1` `V4SignerTest`).
fn goog_v4(params: &Params<'_>) -> Option<OffsetDateTime> {
    if !has(params.goog_signature) {
        return None;
    }
    date_plus_seconds(&decoded(params.goog_date?), &decoded(params.goog_expires?))
}

/// `yyyyMMdd'T'HHmmss'Z'` plus a number of seconds.
fn date_plus_seconds(date: &str, seconds: &str) -> Option<OffsetDateTime> {
    let date = parse_amz_date(date.trim())?;
    date.checked_add(Duration::seconds(unsigned(seconds)?))
}

/// Tencent COS: `q-sign-time=<start>;<end>` in unix seconds (`;` sent as
/// `%3B`), with `q-ak` and `q-signature` (cos-go-sdk-v5 `auth.go`,
/// `genAuthorization`, writes `q-sign-algorithm`, `q-ak`, `q-sign-time`,
/// `q-key-time`, `q-header-list`, `q-url-param-list`, `q-signature`; `object.go`,
/// `GetPresignedURL`, puts them in the query). The signing key is only valid
/// within `q-key-time` too: the earlier end counts.
fn cos(params: &Params<'_>) -> Option<OffsetDateTime> {
    if !has(params.q_ak) || !has(params.q_signature) {
        return None;
    }
    let sign_end = time_range_end(&decoded(params.q_sign_time?))?;
    let key_end = params.q_key_time.and_then(|t| time_range_end(&decoded(t)));
    Some(key_end.map_or(sign_end, |key_end| sign_end.min(key_end)))
}

/// COS with `SignMerged`: the whole authorization percent-encoded into one
/// `sign` parameter (cos-go-sdk-v5 `object.go`, `GetPresignedURL`), here
/// decoded. Cloudreve's own `sign` is `<signature>:<unix>` and never starts so.
fn cos_merged(sign: &str) -> Option<OffsetDateTime> {
    if !sign.starts_with("q-sign-algorithm=") {
        return None;
    }
    cos(&Params::new(sign))
}

/// The end of a COS `<start>;<end>` range, both unix seconds, start not after end.
fn time_range_end(range: &str) -> Option<OffsetDateTime> {
    let (start, end) = range.split_once(';')?;
    let (start, end) = (unsigned(start)?, unsigned(end)?);
    if start > end {
        return None;
    }
    OffsetDateTime::from_unix_timestamp(end).ok()
}

/// Query signing of the V2 generation, `Expires=<unix seconds>` + `Signature` +
/// the access key under the store's own name:
///
/// - `OSSAccessKeyId`: Aliyun OSS v1 (alibabacloud-oss-go-sdk-v2
///   `oss/signer/v1.go`: `Expires`, `OSSAccessKeyId`, `Signature`);
/// - `AccessKeyId`: Huawei OBS with the OBS signature, as Cloudreve's
///   `driver/obs/obs.go` configures it (huaweicloud-sdk-go-obs `obs/auth.go`,
///   `doAuthTemporary`: `AccessKeyId=…&Expires=…&Signature=…`); for a public
///   bucket Cloudreve deletes `AccessKeyId` and `Signature` and leaves `Expires`;
/// - `AWSAccessKeyId`: S3 SigV2, which is the KS3 SDK's default signer and so
///   Cloudreve's KS3 links (ks3sdklib/aws-sdk-go `internal/signer/v2/v2.go`,
///   `aws/config.go` `SignerVersion: "V2"`), and OBS in V2 mode;
/// - `GoogleAccessId`: Google Cloud Storage V2 signing.
fn expires_v1(params: &Params<'_>) -> Option<OffsetDateTime> {
    let keys = [
        params.oss_access_key_id,
        params.access_key_id,
        params.aws_access_key_id,
        params.google_access_id,
    ];
    if !has(params.signature) || !keys.into_iter().any(has) {
        return None;
    }
    unix(&decoded(params.expires?))
}

/// Qiniu: `e=<unix seconds>` then `token=<access key>:<signature>` (qiniu/go-sdk
/// `storage/bucket.go`, `makePrivateURLv2WithRawQuery`, and `auth` `Sign`).
fn qiniu(params: &Params<'_>) -> Option<OffsetDateTime> {
    let token = decoded(params.token?);
    let (key, signature) = token.split_once(':')?;
    if key.is_empty() || signature.is_empty() {
        return None;
    }
    unix(&decoded(params.e?))
}

/// Upyun token anti-leech: `_upt` is 8 hex digits of an MD5 then the unix expiry
/// (Cloudreve `driver/upyun/upyun.go`, `signURL`:
/// `signMd5[12:20] + strconv.FormatInt(etime, 10)`). The expiry is everything
/// after those 8 characters: the last 10 until the year 2286.
fn upyun(params: &Params<'_>) -> Option<OffsetDateTime> {
    let upt = decoded(params.upt?);
    let upt = upt.trim();
    let (hash, seconds) = (upt.get(..8)?, upt.get(8..)?);
    if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    unix(seconds)
}

/// Azure Blob SAS: `se` (signed expiry), with `sig` (azure-sdk-for-go
/// `azblob/sas/query_params.go`: `SASTimeFormats` are
/// `2006-01-02T15:04:05.0000000Z`, `2006-01-02T15:04:05Z`, `2006-01-02T15:04Z`,
/// `2006-01-02`; the REST docs allow a `±hh:mm` offset for the `Z`).
fn azure(params: &Params<'_>) -> Option<OffsetDateTime> {
    if !has(params.sig) {
        return None;
    }
    iso8601(&decoded(params.se?))
}

/// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDThh:mm[:ss[.fraction]]` followed by
/// `Z` or `±hh:mm` (at most 14 hours).
fn iso8601(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let date = calendar_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
    }
    let rest = rest.strip_prefix('T')?;
    let hour = two_digits(rest.as_bytes().get(..2)?)?;
    let rest = rest.get(2..)?.strip_prefix(':')?;
    let minute = two_digits(rest.as_bytes().get(..2)?)?;
    let mut rest = rest.get(2..)?;
    let (mut second, mut nano) = (0, 0);
    if let Some(after) = rest.strip_prefix(':') {
        second = two_digits(after.as_bytes().get(..2)?)?;
        rest = after.get(2..)?;
        if let Some(after) = rest.strip_prefix('.') {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            // Nanoseconds: the first nine digits, padded; any further are below them.
            nano = after
                .bytes()
                .take(digits.min(9))
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
                * 10u32.pow(9 - u32::try_from(digits.min(9)).ok()?);
            rest = after.get(digits..)?;
        }
    }
    let offset = match rest {
        "Z" => UtcOffset::UTC,
        _ => {
            let sign: i8 = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            // No zone is further than 14 hours from UTC.
            let hours = i8::try_from(two_digits(rest.as_bytes().get(1..3)?)?)
                .ok()
                .filter(|h| *h <= 14)?;
            let minutes = i8::try_from(two_digits(rest.as_bytes().get(4..6)?)?)
                .ok()
                .filter(|m| *m < 60)?;
            UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?
        }
    };
    let clock = Time::from_hms_nano(hour, minute, second, nano).ok()?;
    Some(PrimitiveDateTime::new(date, clock).assume_offset(offset))
}

/// `YYYY-MM-DD`.
fn calendar_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = text.get(..4)?;
    if !year.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let month = Month::try_from(two_digits(text.as_bytes().get(5..7)?)?).ok()?;
    let day = two_digits(text.as_bytes().get(8..10)?)?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Exactly two ASCII digits.
fn two_digits(text: &[u8]) -> Option<u8> {
    match text {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

/// A count of seconds: ASCII digits only (no sign), that fit an `i64`.
fn unsigned(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A unix time in seconds, as [`unsigned`], within `time`'s range.
fn unix(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(unsigned(text)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// The `X-Amz-Date` reader accepts exactly what `time` reads with the format
    /// `[year][month][day]T[hour][minute][second]Z`, for the sixteen-byte
    /// all-digit shape it checks first (`time` would also take a sign).
    #[test]
    fn amz_date_reader_agrees_with_time() {
        let format =
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
        for text in [
            "20240101T000000Z",
            "20240229T235959Z",
            "20230229T000000Z",
            "20241301T000000Z",
            "20240001T000000Z",
            "20240100T000000Z",
            "20240131T240000Z",
            "20240131T236000Z",
            "20240131T235960Z",
            "00000101T000000Z",
            "99991231T235959Z",
            "20240431T000000Z",
        ] {
            let by_time = PrimitiveDateTime::parse(text, format)
                .ok()
                .map(|t| t.assume_utc());
            assert_eq!(parse_amz_date(text), by_time, "{text}");
        }
    }

    /// What the crate writes is what `time`'s `Rfc3339` writes for the same
    /// instant in UTC (fractions without trailing zeros, `Z`), and nothing
    /// outside the years 0000–9999.
    #[test]
    fn written_rfc3339_is_times_own() {
        use time::format_description::well_known::Rfc3339;
        for at in [
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2026-12-07 08:30:05.5 UTC),
            datetime!(2026-12-07 08:30:05.000_000_001 UTC),
            datetime!(2026-12-07 08:30:05.120_000_000 UTC),
            datetime!(2026-12-07 08:30:05.999_999_999 +08:00),
            datetime!(2026-03-01 00:30:00 +01:00),
            datetime!(0000-01-01 00:00 UTC),
            datetime!(9999-12-31 23:59:59.999_999_999 UTC),
        ] {
            let expected = at.to_offset(UtcOffset::UTC).format(&Rfc3339).ok();
            assert_eq!(write_rfc3339(at), expected, "{at}");
        }
        // Before year 0000 in UTC: nothing (the year 10000 is not representable
        // here; `utc` keeps such a time at the last instant).
        assert_eq!(write_rfc3339(datetime!(0000-01-01 00:30 +01:00)), None);
    }

    fn at(url: &str) -> OffsetDateTime {
        match recognise(url) {
            Expiry::At(at) => {
                assert_eq!(at.offset(), UtcOffset::UTC, "{url}");
                at
            }
            other => panic!("expected a time for {url}, got {other:?}"),
        }
    }

    fn unknown(url: &str) {
        assert_eq!(recognise(url), Expiry::Unknown, "{url}");
    }

    /// One pass over the query keeps the first value of each name: a later
    /// pair never makes good (or spoils) an earlier one.
    #[test]
    fn the_first_pair_of_each_name_counts() {
        let one = datetime!(2024-01-01 01:00 UTC);
        unknown("https://h/a?OSSAccessKeyId=&OSSAccessKeyId=k&Signature=s&Expires=1704070800");
        unknown("https://h/a?OSSAccessKeyId=k&Signature=&Signature=s&Expires=1704070800");
        assert_eq!(
            at("https://h/a?AccessKeyId=k&Signature=s&Expires=1704070800&Expires=1"),
            one
        );
        assert_eq!(
            at("https://h/a?X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Expires=1"),
            one
        );
        // S3's names as sent, GCS's in any case, the others decoded.
        unknown("https://h/a?X-Amz-Dat%65=20240101T000000Z&X-Amz-Expires=3600");
        assert_eq!(
            at("https://h/a?x-goog-signature=s&X-GOOG-DATE=20240101T000000Z&x-goog-expires=3600"),
            one
        );
        assert_eq!(at("https://h/a?%73ig=s&s%65=2024-01-01T01:00:00Z"), one);
    }

    /// A deterministic generator (xorshift64*): the same inputs on every run.
    struct Rng(u64);

    impl Rng {
        /// A number below `n` (0 for `n` = 0).
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let next = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
            usize::try_from(next % n.max(1) as u64).unwrap_or(0)
        }
    }

    // 2024-01-01T00:00:00Z = 1704067200; + 3600 = 1704070800.
    const T0: i64 = 1_704_067_200;

    /// One link of each dialect, as its SDK writes it, all expiring at
    /// 2024-01-01T01:00:00Z (with the dialect's name).
    const SAMPLES: [(&str, &str); 14] = [
        (
            "s3",
            "https://bucket.s3.us-east-1.amazonaws.com/uploads/a.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&response-content-disposition=attachment%3B%20filename%3D%22a.mp3%22&X-Amz-Signature=5f1a7c8e0b9d2f4a6c8e0b9d2f4a6c8e0b9d2f4a6c8e0b9d2f4a6c8e0b9d2f4a",
        ),
        (
            "minio",
            "http://127.0.0.1:9000/cloudreve/uploads/a.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=minioadmin%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T003000Z&X-Amz-Expires=1800&X-Amz-SignedHeaders=host&X-Amz-Signature=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
        ),
        (
            "ks3",
            "https://bucket.ks3-cn-beijing.ksyuncs.com/uploads/a.mp3?Expires=1704070800&AWSAccessKeyId=AKLTexampleKS3key&Signature=q%2BvJ3kZ4m0M9s%2F1x2y3z4A5B6C7%3D",
        ),
        (
            "oss-v4",
            "https://bucket.oss-cn-hangzhou.aliyuncs.com/uploads/a.mp3?x-oss-credential=LTAI5tExampleKey%2F20240101%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20240101T000000Z&x-oss-expires=3600&x-oss-signature=7d2a8e4c1b0f9a6e3d5c2b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e&x-oss-signature-version=OSS4-HMAC-SHA256",
        ),
        (
            "oss-v1",
            "https://bucket.oss-cn-hangzhou.aliyuncs.com/uploads/a.mp3?Expires=1704070800&OSSAccessKeyId=LTAI5tExampleKey&Signature=k8N2mFz%2B0aQe%2F7yLx1cVb3Hs9w4%3D",
        ),
        (
            "cos",
            "https://bucket-1250000000.cos.ap-guangzhou.myqcloud.com/uploads/a.mp3?response-content-disposition=attachment&q-sign-algorithm=sha1&q-ak=AKIDExampleCosKey&q-sign-time=1704067200%3B1704070800&q-key-time=1704067200%3B1704070800&q-header-list=host&q-url-param-list=response-content-disposition&q-signature=4b6e1c2a9f0d8e7c6b5a4f3e2d1c0b9a8f7e6d5c",
        ),
        (
            "cos-merged",
            "https://bucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp3?sign=q-sign-algorithm%3Dsha1%26q-ak%3DAKIDExampleCosKey%26q-sign-time%3D1704067200%3B1704070800%26q-key-time%3D1704067200%3B1704070800%26q-header-list%3Dhost%26q-url-param-list%3D%26q-signature%3D4b6e1c2a9f0d8e7c6b5a4f3e2d1c0b9a8f7e6d5c",
        ),
        (
            "obs",
            "https://bucket.obs.cn-north-4.myhuaweicloud.com/uploads/a.mp3?AccessKeyId=HPUAEXAMPLEOBSKEY&Expires=1704070800&Signature=bW9ja3NpZ25hdHVyZQ%3D%3D",
        ),
        (
            "qiniu",
            "https://cdn.example.com/uploads/a.mp3?attname=a.mp3&e=1704070800&token=QiniuAccessKeyExample:Zm9vYmFyYmF6cXV4LWV4YW1wbGU=",
        ),
        (
            "upyun",
            "https://bucket.test.upcdn.net/uploads/a.mp3?_upt=1a2b3c4d1704070800",
        ),
        (
            "gcs-v4",
            "https://storage.googleapis.com/bucket/uploads/a.mp3?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40project.iam.gserviceaccount.com%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240101T000000Z&X-Goog-Expires=3600&X-Goog-SignedHeaders=host&X-Goog-Signature=1f2e3d4c5b6a79881f2e3d4c5b6a7988",
        ),
        (
            "gcs-v2",
            "https://storage.googleapis.com/bucket/a.mp3?GoogleAccessId=sa%40project.iam.gserviceaccount.com&Expires=1704070800&Signature=dGVzdHNpZ25hdHVyZQ%3D%3D",
        ),
        (
            "azure",
            "https://account.blob.core.windows.net/container/a.mp3?sv=2023-11-03&st=2024-01-01T00%3A00%3A00Z&se=2024-01-01T01%3A00%3A00Z&sr=b&sp=r&sig=Zm9vYmFyYmF6cXV4JTJCJTJGJTNE%3D",
        ),
        (
            "cloudreve",
            "http://localhost:5173/api/v4/file/content/zOie/0/a.mp3?sign=Y8hNbL1fK9ZpXoT0cq7Gvw%3D%3D%3A1704070800",
        ),
    ];

    // ---- Pinned forms: every form the strict readers accept or refuse, as
    // literals (written against the hand parsers before `time` took over).

    /// `X-Amz-Date` (and KooDrive's `X-Date`, OSS's and GCS's dates): exactly
    /// `yyyyMMdd'T'HHmmss'Z'`, a date and time that exist.
    #[test]
    fn pinned_amz_date_forms() {
        use crate::decode::parse_amz_date;
        for (text, expected) in [
            ("20240101T000000Z", datetime!(2024-01-01 00:00 UTC)),
            ("20240229T235959Z", datetime!(2024-02-29 23:59:59 UTC)),
            ("00000101T000000Z", datetime!(0000-01-01 00:00 UTC)),
            ("99991231T235959Z", datetime!(9999-12-31 23:59:59 UTC)),
            ("19700101T000000Z", datetime!(1970-01-01 00:00 UTC)),
        ] {
            assert_eq!(parse_amz_date(text), Some(expected), "{text}");
        }
        for text in [
            "",
            "20240101T000000",
            "20240101T000000z",
            "20240101t000000Z",
            "20240101 000000Z",
            "2024-01-01T00:00:00Z",
            "+2024010T000000Z",
            "-2024010T000000Z",
            "+20240101T000000Z",
            " 20240101T000000Z",
            "20240101T000000Z ",
            "20230229T000000Z",
            "20241301T000000Z",
            "20240001T000000Z",
            "20240100T000000Z",
            "20240132T000000Z",
            "20240101T240000Z",
            "20240101T236000Z",
            "20240101T235960Z",
            "20240101T00000Z",
            "202401010T00000Z",
            "2024 101T000000Z",
            "2024010１T00000Z",
            "20240101T0000+0Z",
        ] {
            assert_eq!(parse_amz_date(text), None, "{text:?}");
        }
    }

    /// `X-Amz-Date` + `X-Amz-Expires`: the first pair of each name, named
    /// exactly so (not decoded), values decoded and trimmed, the seconds a `u32`.
    #[test]
    fn pinned_amz_expiry_forms() {
        use crate::decode::amz_expiry;
        let d = "20231227T072939Z";
        let at = |s: i64| Some(datetime!(2023-12-27 07:29:39 UTC) + Duration::seconds(s));
        let cases = [
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=60"),
                at(60),
            ),
            (
                format!("https://h/p?a=1&X-Amz-Expires=60&b&X-Amz-Date={d}#frag"),
                at(60),
            ),
            (
                format!("https://h/p?xX-Amz-Date=19990101T000000Z&X-Amz-Date={d}&X-Amz-Expires=5"),
                at(5),
            ),
            (
                format!("https://h/p?X-Amz-Dates=1&X-Amz-Date={d}&X-Amz-Expires=5"),
                at(5),
            ),
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Date=20000101T000000Z&X-Amz-Expires=5"),
                at(5),
            ),
            (
                format!("https://h/p?X-Amz-Date&X-Amz-Date={d}&X-Amz-Expires=5"),
                None,
            ),
            (
                format!("https://h/p?X-Amz-Date=&X-Amz-Date={d}&X-Amz-Expires=5"),
                None,
            ),
            (format!("https://h/p?X-Amz-Date={d}#&X-Amz-Expires=5"), None),
            (
                format!("https://h/p#x?X-Amz-Date={d}&X-Amz-Expires=5"),
                None,
            ),
            (
                "https://h/p?X-Amz-Date=2023%31227T072939Z&X-Amz-Expires=%360".to_owned(),
                at(60),
            ),
            (
                format!("https://h/p?X-Amz-Date={d}=x&X-Amz-Expires=5"),
                None,
            ),
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=+5"),
                at(5),
            ),
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=%2B5"),
                at(5),
            ),
            (format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=-5"), None),
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires= 5 "),
                at(5),
            ),
            (
                format!("https://h/p?X-Amz-Date=%20{d}%20&X-Amz-Expires=%205"),
                at(5),
            ),
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=99999999999"),
                None,
            ),
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=4294967295"),
                at(4_294_967_295),
            ),
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=4294967296"),
                None,
            ),
            (format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires"), None),
            (format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires="), None),
            (
                format!("https://h/p?X-Amz-Date={d}&&X-Amz-Expires=7&"),
                at(7),
            ),
            (
                format!("https://h/p?&X-Amz-Date={d}&X-Amz-Expires=7"),
                at(7),
            ),
            (
                format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=7?X-Amz-Expires=8"),
                None,
            ),
            (
                format!("https://h/p?X-Amz-%44ate={d}&X-Amz-Expires=7"),
                None,
            ),
            (format!("https://h/p?x-amz-date={d}&x-amz-expires=7"), None),
            (
                "https://h/p?X-Amz-Date=99991231T235959Z&X-Amz-Expires=4294967295".to_owned(),
                None,
            ),
            (
                "https://h/p?X-Amz-Date=99991231T235959Z&X-Amz-Expires=0".to_owned(),
                Some(datetime!(9999-12-31 23:59:59 UTC)),
            ),
            (
                "https://h/p?X-Amz-Date=99991231T235959Z&X-Amz-Expires=1".to_owned(),
                None,
            ),
            ("https://h/p?".to_owned(), None),
            ("no query at all".to_owned(), None),
            (format!("?X-Amz-Date={d}&X-Amz-Expires=1"), at(1)),
            (
                format!("https://h/é?X-Amz-Date={d}&é=é&X-Amz-Expires=1"),
                at(1),
            ),
        ];
        for (url, expected) in &cases {
            assert_eq!(amz_expiry(url), *expected, "{url}");
            // Through the one recogniser: S3 alone dates these links.
            assert_eq!(
                recognise(url),
                expected.map_or(Expiry::Unknown, Expiry::At),
                "{url}"
            );
        }
        // A readable S3 pair wins outright, even over an earlier other dialect.
        let both = format!("https://h/p?X-Amz-Date={d}&X-Amz-Expires=60&e=1000&token=ak:sig");
        assert_eq!(recognise(&both), Expiry::At(at(60).unwrap()));
        // Unreadable S3 pairs leave the other dialects.
        let other = "https://h/p?X-Amz-Date=x&X-Amz-Expires=60&e=1000&token=ak:sig";
        assert_eq!(
            recognise(other),
            Expiry::At(datetime!(1970-01-01 00:16:40 UTC))
        );
    }

    /// Azure's `se`: `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDThh:mm[:ss[.f]]`
    /// then `Z` or `±hh:mm` (hours at most 14), blanks around trimmed.
    #[test]
    fn pinned_azure_se_forms() {
        let base = "https://a.blob.core.windows.net/c/b?sv=2023-11-03&sr=b&sp=r&sig=abc%3D&se=";
        let max = PrimitiveDateTime::MAX.assume_utc();
        for (se, expected) in [
            ("2024-01-01", datetime!(2024-01-01 00:00 UTC)),
            ("%202024-01-01%20", datetime!(2024-01-01 00:00 UTC)),
            ("0000-01-01", datetime!(0000-01-01 00:00 UTC)),
            ("2024-01-01T01:00Z", datetime!(2024-01-01 01:00 UTC)),
            ("2024-01-01T01:00+01:00", datetime!(2024-01-01 00:00 UTC)),
            ("2024-01-01T01:00:00Z", datetime!(2024-01-01 01:00 UTC)),
            (
                "2024-01-01T01:00:00.5Z",
                datetime!(2024-01-01 01:00:00.5 UTC),
            ),
            (
                "2024-01-01T01:00:00.123456789123Z",
                datetime!(2024-01-01 01:00:00.123456789 UTC),
            ),
            (
                "2024-01-01T15:00:00%2B14:00",
                datetime!(2024-01-01 01:00 UTC),
            ),
            (
                "2024-01-01T01:00:00%2B14:59",
                datetime!(2023-12-31 10:01 UTC),
            ),
            ("2023-12-31T11:00:00-14:00", datetime!(2024-01-01 01:00 UTC)),
            (
                "2024-01-01T01:00:00%2B00:00",
                datetime!(2024-01-01 01:00 UTC),
            ),
            ("2024-01-01T01:00:00-00:00", datetime!(2024-01-01 01:00 UTC)),
            ("9999-12-31T23:59:59-01:00", max),
        ] {
            assert_eq!(at(&format!("{base}{se}")), expected, "{se}");
        }
        for bad in [
            "2024-01-01T10:00:00",
            "2024-01-01T10:00",
            "2024-01-01t01:00:00Z",
            "2024-01-01T01:00:00z",
            "2024-01-01T23:59:60Z",
            "2024-01-01T01:00.5Z",
            "2024-01-01T01:00:00.1234567",
            "2024-01-01T01:00:00%2B0800",
            "2024-01-01T01:00:00%20%2B08:00",
            "2024-01-01T01:00:00%2B14:60",
            "2024-01-01Z",
            "2024-01-01T1:00Z",
            "2024-001-01",
            "-2024-01-01",
            "2024-01-01T01:00:00ZZ",
            "2024-13-01",
            "2024-01-01T01:00:00.-1Z",
        ] {
            unknown(&format!("{base}{bad}"));
        }
    }

    /// RFC 3339 in replies (BlendVision's `expiration_time`, Cloudreve's
    /// `expires`): what the readers accepted, with its instant, and refused.
    #[cfg(all(feature = "blendvision", feature = "cloudreve"))]
    #[test]
    fn pinned_rfc3339_forms() {
        use crate::decode::{self, RawReply};
        let max = PrimitiveDateTime::MAX.assume_utc();
        let accepted = [
            ("2023-02-06T03:31:39Z", datetime!(2023-02-06 03:31:39 UTC)),
            (
                "2023-02-06T03:31:39.123456789Z",
                datetime!(2023-02-06 03:31:39.123456789 UTC),
            ),
            (
                "2023-02-06T03:31:39.1234567891Z",
                datetime!(2023-02-06 03:31:39.123456789 UTC),
            ),
            (
                "2023-02-06T03:31:39.5Z",
                datetime!(2023-02-06 03:31:39.5 UTC),
            ),
            (
                "2023-02-06T11:31:39+08:00",
                datetime!(2023-02-06 03:31:39 UTC),
            ),
            (
                "2023-02-05T22:01:39-05:30",
                datetime!(2023-02-06 03:31:39 UTC),
            ),
            (
                "2023-02-06T03:31:39-00:00",
                datetime!(2023-02-06 03:31:39 UTC),
            ),
            (
                "2023-02-06T03:31:39+23:59",
                datetime!(2023-02-05 03:32:39 UTC),
            ),
            ("2023-02-06t03:31:39z", datetime!(2023-02-06 03:31:39 UTC)),
            ("2023-02-06 03:31:39Z", datetime!(2023-02-06 03:31:39 UTC)),
            (
                "2016-12-31T23:59:60Z",
                datetime!(2016-12-31 23:59:59.999999999 UTC),
            ),
            ("0000-01-01T00:00:00Z", datetime!(0000-01-01 00:00 UTC)),
            ("9999-12-31T23:59:59-01:00", max),
        ];
        let refused = [
            "2023-02-06T03:31:39",
            "2023-02-06T03:31Z",
            "2023-02-06T03:31:39+0800",
            "2023-02-06T03:31:39+08",
            "2023-02-06T03:31:39+24:00",
            "2023-02-06T03:31:39+08:60",
            "2023-02-06T24:00:00Z",
            "2023-02-06T03:60:00Z",
            "2023-02-30T00:00:00Z",
            "2023-02-06T03:31:61Z",
            "+2023-02-06T03:31:39Z",
            "2023-02-06T03:31:39.Z",
            "20230206T033139Z",
            " 2023-02-06T03:31:39Z",
            "2023-02-06T03:31:39Z ",
            "2023-2-06T03:31:39Z",
            "2023-02-06",
            "",
        ];
        let id = "63df97e3-519b-4426-bf01-d1841cdc2ccd";
        let body = |time: &str| {
            serde_json::json!({
                "id": id,
                "download_uri": "https://s3.example/bbb.mp4?X-Amz-Signature=946b",
                "download_filename": "bbb.mp4",
                "expiration_time": time,
            })
            .to_string()
        };
        let uris = ["cloudreve://my/a.mp3"];
        let request = crate::cloudreve::Request::new(uris);
        let cloudreve_body = |time: &str| {
            serde_json::json!({
                "code": 0,
                "msg": "",
                "data": {"urls": [{"url": "https://s3.example/a.mp3?x=1"}], "expires": time},
            })
            .to_string()
        };
        for (text, expected) in accepted {
            let link = decode::blendvision_single(&RawReply::new(200, body(text).as_bytes()), id)
                .unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(link.expires, Expiry::At(expected), "{text:?}");
            assert_eq!(link.expires.time().unwrap().offset(), UtcOffset::UTC);
            let batch = decode::cloudreve(
                &RawReply::new(200, cloudreve_body(text).as_bytes()),
                &request,
            )
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(batch.links[0].expires, Expiry::At(expected), "{text:?}");
        }
        for text in refused {
            let err = decode::blendvision_single(&RawReply::new(200, body(text).as_bytes()), id)
                .unwrap_err();
            assert!(
                matches!(&err, crate::Error::UnexpectedResponse(u) if u.reason == crate::UnexpectedReason::WrongShape),
                "{text:?}: {err:?}"
            );
            assert!(
                decode::cloudreve(
                    &RawReply::new(200, cloudreve_body(text).as_bytes()),
                    &request
                )
                .is_err(),
                "{text:?}"
            );
        }
        // Cloudreve's `expires` may be null: nothing stated.
        let null = r#"{"code":0,"msg":"","data":{"urls":[{"url":"https://s3.example/a.mp3?x=1"}],"expires":null}}"#;
        let batch = decode::cloudreve(&RawReply::new(200, null.as_bytes()), &request).unwrap();
        assert_eq!(batch.links[0].expires, Expiry::Unknown);
    }

    /// Cloudreve's `sign=<signature>:<unix seconds>`: the seconds after the last
    /// `:` of the decoded value, as an `i64` reads them (a sign, blanks around);
    /// `0` never expires; outside the years ±9999 nothing.
    #[test]
    fn pinned_cloudreve_sign_forms() {
        use crate::decode::cloudreve_sign_expiry;
        let t = |s: i64| Some(Some(OffsetDateTime::from_unix_timestamp(s).unwrap()));
        for (sign, expected) in [
            ("abc%3A1700000000", t(1_700_000_000)),
            ("abc:1700000000", t(1_700_000_000)),
            ("abc%3a1700000000", t(1_700_000_000)),
            ("a%3Ab%3A1700000000", t(1_700_000_000)),
            ("abc%3D%3A1700000000", t(1_700_000_000)),
            ("abc%3A%2B1700000000", t(1_700_000_000)),
            ("abc:+1700000000", t(1_700_000_000)),
            ("abc%3A%201700000000%20", t(1_700_000_000)),
            ("abc%3A%3170", t(170)),
            ("abc%3A-5", t(-5)),
            ("abc%3A253402300799", t(253_402_300_799)),
            ("abc%3A-377705116800", t(-377_705_116_800)),
            ("abc%3A0", Some(None)),
            ("abc%3a0", Some(None)),
            ("abc%3A00", Some(None)),
            ("abc%3A-0", Some(None)),
            (":0", Some(None)),
            ("abc%3A", None),
            ("abc", None),
            ("abc%3A1700000000x", None),
            ("abc%3A17%2000", None),
            ("abc%3A253402300800", None),
            ("abc%3A-377705116801", None),
            ("abc%3A99999999999999999999", None),
            ("abc%3A1.5", None),
            ("abc%3A%FF1", None),
        ] {
            let url = format!("https://h/p?sign={sign}");
            assert_eq!(cloudreve_sign_expiry(&url), expected, "{sign}");
            let through_recognise = match expected {
                Some(Some(at)) => Expiry::At(at),
                Some(None) => Expiry::Never,
                None => Expiry::Unknown,
            };
            assert_eq!(recognise(&url), through_recognise, "{sign}");
        }
        // The first `sign` counts, and an encoded name is a name.
        assert_eq!(
            recognise("https://h/p?sign=a%3A0&sign=a%3A1700000000"),
            Expiry::Never
        );
        assert_eq!(
            recognise("https://h/p?%73ign=a%3A1700000000"),
            Expiry::At(OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap())
        );
        // A COS authorization merged into `sign`, its name encoded or not.
        for sign in [
            "q-sign-algorithm%3Dsha1%26q-ak%3DK%26q-sign-time%3D1704067200%3B1704070800%26q-signature%3Ds",
            "%71-sign-algorithm%3dsha1%26q-ak%3DK%26q-sign-time%3D1704067200%3B1704070800%26q-signature%3Ds",
        ] {
            assert_eq!(at(&format!("https://h/p?sign={sign}")).unix_timestamp(), T0 + 3600);
        }
        unknown("https://h/p?sign=q-sign-algorithm%3Dsha1%26q-ak%3DK%26q-sign-time%3D1704067200%3B1704070800");
        unknown("https://h/p?sign=q-sign-algorithm");
    }

    #[test]
    fn amz_expiry_from_koodrive_example() {
        let url = "https://b/5e?response-content-disposition=attachment%3B&X-Amz-Date=20231227T072939Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=9d";
        let at = amz_expiry(url).unwrap();
        assert_eq!(at, datetime!(2023-12-27 08:29:39 UTC));
    }

    #[test]
    fn amz_expiry_needs_both_parameters() {
        assert_eq!(amz_expiry("https://h/p?X-Amz-Date=20231227T072939Z"), None);
        assert_eq!(amz_expiry("https://h/p?X-Amz-Expires=3"), None);
        assert_eq!(amz_expiry("https://h/p"), None);
        assert_eq!(
            amz_expiry("https://h/p?X-Amz-Date=2023122XT072939Z&X-Amz-Expires=3"),
            None
        );
        assert_eq!(
            amz_expiry("https://h/p?X-Amz-Date=20231327T072939Z&X-Amz-Expires=3"),
            None
        );
    }

    #[test]
    fn amz_date_formats_in_utc() {
        for (at, expected) in [
            (datetime!(2024-09-09 03:33:25 UTC), "20240909T033325Z"),
            (datetime!(0001-01-01 00:00:00 UTC), "00010101T000000Z"),
            (datetime!(9999-12-31 23:59:59 UTC), "99991231T235959Z"),
            (datetime!(2026-11-30 08:00:00 -05:00), "20261130T130000Z"),
            (datetime!(2026-11-30 08:00:00.999 UTC), "20261130T080000Z"),
        ] {
            assert_eq!(format_amz_date(at), expected);
        }
    }

    #[test]
    fn amz_date_round_trips() {
        let at = parse_amz_date("20240909T033325Z").unwrap();
        assert_eq!(format_amz_date(at), "20240909T033325Z");
        assert_eq!(parse_amz_date("20240909T033325"), None);
        assert_eq!(parse_amz_date("2024090９T03332Z"), None);
    }

    #[test]
    fn a_question_mark_in_the_fragment_is_no_query() {
        let url = "https://h/p#x?X-Amz-Date=20231227T072939Z&X-Amz-Expires=5";
        assert_eq!(amz_expiry(url), None);
        assert_eq!(sign_expiry("https://h/p#a?sign=x:1"), None);
    }

    #[test]
    fn sign_expiry_forms() {
        let url = "http://h/api/v4/file/archive/x/archive.zip?sign=1CgU15Is0ezKeTVKE_OAu2tJJoB6lN5s_DvRXTcP7GQ%3D%3A1749525301";
        assert_eq!(
            sign_expiry(url),
            Some(Some(datetime!(2025-06-10 03:15:01 UTC)))
        );
        assert_eq!(sign_expiry("http://h/p?sign=abc%3A0"), Some(None));
        assert_eq!(sign_expiry("http://h/p?sign=abc"), None);
        assert_eq!(sign_expiry("http://h/p"), None);
        assert_eq!(recognise("http://h/p?sign=abc%3A0"), Expiry::Never);
        assert_eq!(recognise("http://h/p?x=1"), Expiry::Unknown);
    }

    #[test]
    fn expires_within_never_panics_at_the_edges() {
        let edges = [
            OffsetDateTime::now_utc(),
            datetime!(9999-12-31 23:59:59 -23:59),
            datetime!(-9999-01-01 00:00:00 +23:59),
        ];
        for at in edges {
            for window in [
                std::time::Duration::ZERO,
                std::time::Duration::from_secs(u64::MAX),
                std::time::Duration::MAX,
            ] {
                let _ = Expiry::at(at).expires_within(window);
                let _ = Expiry::at(at).to_string();
            }
        }
        assert!(Expiry::At(OffsetDateTime::now_utc()).expires_within(std::time::Duration::MAX));
    }

    #[test]
    fn expiry_text_is_utc_whole_seconds() {
        let at = datetime!(2026-01-02 03:04:05.9 +08:00);
        assert_eq!(Expiry::at(at).to_string(), "2026-01-01T19:04:05Z");
        assert_eq!(Expiry::Never.to_string(), "never");
        assert_eq!(format!("{:>3}", Expiry::Unknown), "  -");
    }

    #[test]
    fn every_dialect_states_its_expiry() {
        let expected = OffsetDateTime::from_unix_timestamp(T0 + 3600).unwrap();
        assert_eq!(expected, datetime!(2024-01-01 01:00 UTC));
        for (name, url) in SAMPLES {
            assert_eq!(at(url), expected, "{name}");
        }
    }

    #[test]
    fn cloudreve_zero_never_expires() {
        let url = "http://localhost:5173/api/v4/file/content/zOie/0/a.mp3?sign=abc%3D%3A0";
        assert_eq!(recognise(url), Expiry::Never);
        // A stated time wins over "never".
        let both = format!("{url}&_upt=1a2b3c4d1704070800");
        assert_eq!(recognise(&both), Expiry::at(at(SAMPLES[9].1)));
    }

    #[test]
    fn azure_accepts_every_sdk_time_form() {
        let base = "https://a.blob.core.windows.net/c/b?sv=2023-11-03&sr=b&sp=r&sig=abc%3D&se=";
        let cases = [
            ("2024-01-01", datetime!(2024-01-01 00:00 UTC)),
            ("2024-01-01T01%3A00Z", datetime!(2024-01-01 01:00 UTC)),
            ("2024-01-01T01:00:00Z", datetime!(2024-01-01 01:00 UTC)),
            (
                "2024-01-01T01%3A00%3A00.1234567Z",
                datetime!(2024-01-01 01:00:00.1234567 UTC),
            ),
            (
                "2024-01-01T09%3A00%3A00%2B08%3A00",
                datetime!(2024-01-01 01:00 UTC),
            ),
            ("2023-12-31T20:00:00-05:00", datetime!(2024-01-01 01:00 UTC)),
        ];
        for (se, expected) in cases {
            assert_eq!(at(&format!("{base}{se}")), expected, "{se}");
        }
        for bad in [
            "",
            "2024-1-01",
            "2024-02-30",
            "2024-01-01T",
            "2024-01-01T01",
            "2024-01-01T01:00",
            "2024-01-01T25:00Z",
            "2024-01-01T01:00:00.Z",
            "2024-01-01T01:00:00+8",
            "2024-01-01T01:00:00+24:00",
            "2024-01-01T01:00:00+15:00",
            "2024-01-01T01:00:00+01:60",
            "2024-01-01 01:00:00Z",
            "20240101T010000Z",
            "+2024-01-01",
            "２０２４-01-01",
        ] {
            unknown(&format!("{base}{bad}"));
        }
    }

    #[test]
    fn dates_with_seconds_overflow_to_nothing() {
        unknown("https://b.oss-cn-hangzhou.aliyuncs.com/a?x-oss-date=99991231T235959Z&x-oss-expires=86400&x-oss-signature=s");
        unknown("https://storage.googleapis.com/b/a?X-Goog-Date=20240101T000000Z&X-Goog-Expires=99999999999999999999999&X-Goog-Signature=s");
        unknown("https://storage.googleapis.com/b/a?X-Goog-Date=20240101T000000Z&X-Goog-Expires=9223372036854775807&X-Goog-Signature=s");
        // A huge but representable sum is a time.
        at("https://storage.googleapis.com/b/a?X-Goog-Date=20240101T000000Z&X-Goog-Expires=100000000000&X-Goog-Signature=s");
    }

    #[test]
    fn a_dialect_without_its_signature_is_unknown() {
        for url in [
            // OSS v4 of a public bucket (Cloudreve strips the signature), or half-stripped.
            "https://b.oss-cn-hangzhou.aliyuncs.com/a?x-oss-date=20240101T000000Z&x-oss-expires=3600",
            "https://b.oss-cn-hangzhou.aliyuncs.com/a?x-oss-date=20240101T000000Z&x-oss-expires=3600&x-oss-signature=",
            // OBS of a public bucket: Cloudreve deletes AccessKeyId and Signature, keeps Expires.
            "https://b.obs.cn-north-4.myhuaweicloud.com/a?Expires=1704070800",
            "https://b.obs.cn-north-4.myhuaweicloud.com/a?AccessKeyId=K&Expires=1704070800",
            "https://b.obs.cn-north-4.myhuaweicloud.com/a?Expires=1704070800&Signature=s",
            // An `Expires` of some other kind (a cache hint, say).
            "https://cdn.example.com/a?Expires=1704070800&AccessKeyIdX=K&Signature=s",
            // GCS without its signature.
            "https://storage.googleapis.com/b/a?X-Goog-Date=20240101T000000Z&X-Goog-Expires=3600",
            // COS without q-ak or q-signature.
            "https://b.cos.ap-guangzhou.myqcloud.com/a?q-sign-time=1704067200%3B1704070800&q-signature=s",
            "https://b.cos.ap-guangzhou.myqcloud.com/a?q-ak=K&q-sign-time=1704067200%3B1704070800",
            // Qiniu: `e` alone, or a token that is no `<ak>:<sig>`.
            "https://cdn.example.com/a?e=1704070800",
            "https://cdn.example.com/a?e=1704070800&token=abc",
            "https://cdn.example.com/a?e=1704070800&token=%3Aabc",
            "https://cdn.example.com/a?e=1704070800&token=ak%3A",
            // Azure: `se` without `sig` (an unsigned "search expression", say).
            "https://a.blob.core.windows.net/c/b?se=2024-01-01&sv=2023-11-03",
        ] {
            unknown(url);
        }
    }

    #[test]
    fn malformed_and_huge_numbers_are_unknown() {
        for url in [
            "https://cdn.example.com/a?e=-1704070800&token=ak:sig",
            "https://cdn.example.com/a?e=%2B1704070800&token=ak:sig",
            "https://cdn.example.com/a?e=17040708OO&token=ak:sig",
            "https://cdn.example.com/a?e=1704070800.5&token=ak:sig",
            "https://cdn.example.com/a?e=&token=ak:sig",
            "https://cdn.example.com/a?e=99999999999999999999999999&token=ak:sig",
            // Representable as i64 but not as a date.
            "https://cdn.example.com/a?e=9223372036854775807&token=ak:sig",
            "https://b.obs.cn-north-4.myhuaweicloud.com/a?AccessKeyId=K&Expires=1e9&Signature=s",
            // COS ranges: missing end, reversed, wrong separator, huge.
            "https://b.cos.ap-guangzhou.myqcloud.com/a?q-ak=K&q-signature=s&q-sign-time=1704067200",
            "https://b.cos.ap-guangzhou.myqcloud.com/a?q-ak=K&q-signature=s&q-sign-time=1704070800%3B1704067200",
            "https://b.cos.ap-guangzhou.myqcloud.com/a?q-ak=K&q-signature=s&q-sign-time=1704067200,1704070800",
            "https://b.cos.ap-guangzhou.myqcloud.com/a?q-ak=K&q-signature=s&q-sign-time=0%3B99999999999999999999",
            // Upyun: short, non-hex hash, non-digit or huge tail, multi-byte text.
            "https://b.test.upcdn.net/a?_upt=1a2b3c4d",
            "https://b.test.upcdn.net/a?_upt=1a2b3c4",
            "https://b.test.upcdn.net/a?_upt=zzzzzzzz1704070800",
            "https://b.test.upcdn.net/a?_upt=1a2b3c4d17040708x0",
            "https://b.test.upcdn.net/a?_upt=1a2b3c4d99999999999999999999",
            "https://b.test.upcdn.net/a?_upt=%C3%A91a2b3c4d1704070800",
            "https://b.test.upcdn.net/a?_upt=1a2b3c%C3%A91704070800",
            // Invalid UTF-8 after decoding becomes U+FFFD, never a panic.
            "https://b.test.upcdn.net/a?_upt=%FF%FE%FD%FC1704070800",
            "https://cdn.example.com/a?e=%FF1704070800&token=ak:sig",
            // Dates that do not exist.
            "https://b.oss-cn-hangzhou.aliyuncs.com/a?x-oss-date=20240230T000000Z&x-oss-expires=1&x-oss-signature=s",
            "https://b.oss-cn-hangzhou.aliyuncs.com/a?x-oss-date=2024-01-01T00:00:00Z&x-oss-expires=1&x-oss-signature=s",
            "https://b.oss-cn-hangzhou.aliyuncs.com/a?x-oss-date=20240101T000000Z&x-oss-expires=-1&x-oss-signature=s",
        ] {
            unknown(url);
        }
    }

    #[test]
    fn a_name_inside_a_value_is_not_a_parameter() {
        for url in [
            // Encoded `&` and `=` stay inside the value.
            "https://cdn.example.com/a?next=x%26e%3D1704070800%26token%3Dak%3Asig",
            "https://cdn.example.com/a?q=_upt%3D1a2b3c4d1704070800",
            "https://b.cos.ap-guangzhou.myqcloud.com/a?note=q-ak%3DK%26q-signature%3Ds%26q-sign-time%3D1%253B2",
            "https://a.blob.core.windows.net/c/b?x=se%3D2024-01-01%26sig%3Dabc",
            // A name that merely ends or starts like one.
            "https://cdn.example.com/a?xe=1704070800&token=ak:sig",
            "https://cdn.example.com/a?e_=1704070800&token=ak:sig",
            "https://b.test.upcdn.net/a?__upt=1a2b3c4d1704070800",
            // Names are case-sensitive, as the SDKs write them.
            "https://b.oss-cn-hangzhou.aliyuncs.com/a?X-Oss-Date=20240101T000000Z&X-Oss-Expires=3600&X-Oss-Signature=s",
            "https://a.blob.core.windows.net/c/b?SE=2024-01-01&SIG=abc",
            // In the path, not the query.
            "https://cdn.example.com/e=1704070800&token=ak:sig/a",
        ] {
            unknown(url);
        }
    }

    #[test]
    fn the_fragment_is_not_the_query() {
        for (_, url) in SAMPLES {
            let (base, query) = url.split_once('?').unwrap();
            unknown(&format!("{base}#?{query}"));
            unknown(&format!("{base}#x?{query}"));
            unknown(&format!("{base}?a=b#{query}"));
            // After the query a fragment changes nothing.
            assert_eq!(recognise(&format!("{url}#frag")), recognise(url));
        }
    }

    #[test]
    fn gcs_names_in_any_case() {
        // google-cloud-dotnet writes them in lowercase.
        let url = "https://storage.googleapis.com/b/a?x-goog-algorithm=GOOG4-RSA-SHA256&x-goog-credential=sa%40p.iam.gserviceaccount.com%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&x-goog-date=20240101T000000Z&x-goog-expires=3600&x-goog-signedheaders=host&x-goog-signature=abc";
        assert_eq!(at(url).unix_timestamp(), T0 + 3600);
        unknown("https://storage.googleapis.com/b/a?x-goog-date=20240101T000000Z&x-goog-expires=3600&x-goog-signature=");
    }

    #[test]
    fn the_first_occurrence_counts() {
        let url = "https://cdn.example.com/a?e=1704070800&e=1804070800&token=ak:sig";
        assert_eq!(at(url).unix_timestamp(), T0 + 3600);
        // An encoded name is a name.
        let url = "https://cdn.example.com/a?%65=1704070800&token=ak:sig";
        assert_eq!(at(url).unix_timestamp(), T0 + 3600);
    }

    #[test]
    fn cos_takes_the_earlier_of_sign_and_key_time() {
        let url = "https://b.cos.ap-guangzhou.myqcloud.com/a?q-sign-algorithm=sha1&q-ak=K&q-sign-time=1704067200;1704074400&q-key-time=1704067200%3B1704070800&q-signature=s";
        assert_eq!(at(url).unix_timestamp(), T0 + 3600);
        // An unreadable key time leaves the sign time.
        let url = "https://b.cos.ap-guangzhou.myqcloud.com/a?q-ak=K&q-sign-time=1704067200;1704070800&q-key-time=x&q-signature=s";
        assert_eq!(at(url).unix_timestamp(), T0 + 3600);
    }

    #[test]
    fn nothing_stated_is_unknown() {
        for url in [
            "",
            "https://",
            "https://h",
            "https://h/a.mp3",
            "https://h/a.mp3?",
            "https://h/a.mp3?&&&=&",
            "https://h/a.mp3?download=true",
            // OneDrive / SharePoint download URLs carry an opaque `tempauth`.
            "https://contoso-my.sharepoint.com/personal/u/_layouts/15/download.aspx?UniqueId=0a1b&Translate=false&tempauth=eyJ0eXAiOiJKV1Qi&ApiVersion=2.0",
            "not a url ?e=1704070800",
        ] {
            unknown(url);
        }
        // Without a scheme the query is still a query (the crate checks links elsewhere).
        at("h/a?e=1704070800&token=ak:sig");
    }

    /// Mutates the samples 20,000 times (characters that matter to the parsers,
    /// numbers at the edges, splices of one sample into another): `recognise`
    /// never panics, is deterministic, any time is UTC, and only a `sign`
    /// parameter ever says `Never`.
    #[test]
    fn fuzz_recognise() {
        const ALPHABET: &[&str] = &[
            "0",
            "1",
            "9",
            "%",
            "%3B",
            "%3A",
            "%26",
            "%3D",
            "%25",
            "%2B",
            "%FF",
            "%C3",
            "%A9",
            "&",
            "=",
            ";",
            ":",
            "?",
            "#",
            "T",
            "Z",
            "-",
            "+",
            ".",
            " ",
            "é",
            "٣",
            "\u{0}",
            "e",
            "se",
            "sig",
            "_upt",
            "token",
            "sign",
            "Expires",
            "Signature",
            "AccessKeyId",
            "q-sign-time",
            "q-ak",
            "q-signature",
            "x-oss-date",
            "x-oss-expires",
            "X-Goog-Date",
            "X-Amz-Date",
            "X-Amz-Expires",
            "99999999999999999999",
            "9223372036854775807",
            "-9223372036854775808",
            "253402300799",
            "253402300800",
            "99991231T235959Z",
            "00000101T000000Z",
            "9999-12-31T23:59:59Z",
            "2024-02-29",
            "0000-01-01",
            ":0",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut stated = 0usize;
        for round in 0..20_000 {
            let (_, base) = SAMPLES[rng.below(SAMPLES.len())];
            let mut chars: Vec<char> = base.chars().collect();
            for _ in 0..=rng.below(6) {
                let pos = rng.below(chars.len() + 1);
                match rng.below(6) {
                    0 if pos < chars.len() => {
                        chars.remove(pos);
                    }
                    1 => {
                        let piece = ALPHABET[rng.below(ALPHABET.len())];
                        chars.splice(pos..pos, piece.chars());
                    }
                    2 if pos < chars.len() => {
                        let piece = ALPHABET[rng.below(ALPHABET.len())];
                        let end = (pos + 1 + rng.below(12)).min(chars.len());
                        chars.splice(pos..end, piece.chars());
                    }
                    3 => {
                        // Splice a slice of another sample in.
                        let (_, other) = SAMPLES[rng.below(SAMPLES.len())];
                        let other: Vec<char> = other.chars().collect();
                        let start = rng.below(other.len());
                        let end = (start + rng.below(80)).min(other.len());
                        chars.splice(pos..pos, other[start..end].iter().copied());
                    }
                    4 => chars.truncate(pos),
                    _ => {
                        // A digit run replaced by an edge number.
                        if let Some(start) = (pos..chars.len()).find(|&i| chars[i].is_ascii_digit())
                        {
                            let end = (start..chars.len())
                                .find(|&i| !chars[i].is_ascii_digit())
                                .unwrap_or(chars.len());
                            let edge =
                                ["0", "99999999999999999999", "253402300800", "1"][rng.below(4)];
                            chars.splice(start..end, edge.chars());
                        }
                    }
                }
            }
            let url: String = chars.into_iter().collect();
            let expiry = recognise(&url);
            assert_eq!(expiry, recognise(&url), "round {round}: {url:?}");
            match expiry {
                Expiry::At(at) => {
                    assert_eq!(at.offset(), UtcOffset::UTC, "round {round}: {url:?}");
                    stated += 1;
                }
                Expiry::Never => assert!(
                    crate::encode::percent_decode(&url).contains("sign"),
                    "round {round}: {url:?}"
                ),
                _ => {}
            }
        }
        // The mutations are small enough that many links still state a time.
        assert!(stated > 2_000, "only {stated} links stated a time");
    }

    /// Every text that loads as an `Expiry` saves again, and the saved text
    /// loads as the same value and saves as the same text.
    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trips_whatever_it_loads() {
        let texts = [
            "\"2023-02-06T03:31:39Z\"",
            "\"2023-02-06T03:31:39.381265582Z\"",
            "\"2023-02-06T03:31:39+08:00\"",
            "\"0000-01-01T00:00:00Z\"",
            "\"0000-01-01T00:30:00+01:00\"",
            "\"0000-01-01T05:00:00+23:59\"",
            "\"9999-12-31T23:59:59.999999999Z\"",
            "\"9999-12-31T23:59:59-01:00\"",
            "\"2016-12-31T23:59:60Z\"",
            "\"never\"",
            "null",
        ];
        for text in texts {
            let Ok(loaded) = serde_json::from_str::<Expiry>(text) else {
                continue;
            };
            let saved = serde_json::to_string(&loaded)
                .unwrap_or_else(|e| panic!("{text} loads as {loaded:?} but does not save: {e}"));
            let again: Expiry = serde_json::from_str(&saved).unwrap();
            assert_eq!(again, loaded, "{text} -> {saved}");
            assert_eq!(serde_json::to_string(&again).unwrap(), saved, "{text}");
        }
        // A time built in code outside what RFC 3339 writes saves too.
        let early = Expiry::At(time::macros::datetime!(-0001-06-01 0:00 UTC));
        let saved = serde_json::to_string(&early).unwrap();
        let again: Expiry = serde_json::from_str(&saved).unwrap();
        assert_eq!(serde_json::to_string(&again).unwrap(), saved);
    }
}
