//! The vendor-neutral results: [`DownloadLink`] with its [`Expiry`], and for the
//! vendors that take several items in one call, [`Batch`] with one [`ItemFailure`]
//! per item that did not come back as a link.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use crate::error::Error;
use crate::expiry::Expiry;
use crate::vendor::Vendor;

/// A presigned URL: a credential until it expires.
///
/// It dereferences to `str` (`link.url.starts_with("https://")`, `&*link.url`),
/// but has no `Display`, and its `Debug` shows scheme, host and path only, never
/// the query where the signature lives. Read it with [`SignedUrl::as_str`].
///
/// ```
/// use download_url::SignedUrl;
/// let url = SignedUrl::new("https://bucket.example/a.pdf?X-Amz-Signature=abc");
/// assert_eq!(format!("{url:?}"), "\"https://bucket.example/a.pdf?[redacted]\"");
/// assert!(url.as_str().ends_with("=abc"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct SignedUrl(String);

impl SignedUrl {
    /// Wraps a URL.
    pub fn new(url: impl Into<String>) -> Self {
        SignedUrl(url.into())
    }

    /// The whole URL, query included. Keep it out of logs.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The whole URL as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for SignedUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SignedUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&crate::url::redact_url(&self.0), f)
    }
}

impl PartialEq<str> for SignedUrl {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for SignedUrl {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<String> for SignedUrl {
    fn from(url: String) -> Self {
        SignedUrl(url)
    }
}

impl From<&str> for SignedUrl {
    fn from(url: &str) -> Self {
        SignedUrl(url.to_owned())
    }
}

/// A temporary download link from any vendor.
///
/// Every vendor function returns this type (one item) or a [`Batch`] of them
/// (several). The URL is a credential while it is valid: `Debug` shows its
/// scheme, host and path only.
///
/// With the `serde` feature: `{"vendor", "item", "url", "file_name", "expires"}`
/// (`expires` as in [`Expiry`]).
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct DownloadLink {
    /// Which vendor issued the link.
    pub vendor: Vendor,
    /// The item this link answers, exactly as the caller sent it: kie.ai's file
    /// URL, Datalab's file id, a Cloudreve URI, a BlendVision or KooDrive file id.
    /// A Cloudreve archive (one zip for every URI) names all of its URIs, joined
    /// by `\n`.
    pub item: String,
    /// The link itself. Treat it as a secret until it expires.
    pub url: SignedUrl,
    /// The file's name, when the vendor says it.
    pub file_name: Option<String>,
    /// When the link stops working, as far as anything says.
    pub expires: Expiry,
}

impl DownloadLink {
    /// Builds a link.
    pub fn new(
        vendor: Vendor,
        item: impl Into<String>,
        url: impl Into<SignedUrl>,
        file_name: Option<String>,
        expires: Expiry,
    ) -> Self {
        DownloadLink {
            vendor,
            item: item.into(),
            url: url.into(),
            file_name,
            expires,
        }
    }

    /// `true` once a stated expiry has passed (see [`Expiry::is_expired`]).
    pub fn is_expired(&self) -> bool {
        self.expires.is_expired()
    }

    /// `true` when the link expires within `window` from now, has expired, or has
    /// an unknown expiry (see [`Expiry::expires_within`]).
    pub fn expires_within(&self, window: Duration) -> bool {
        self.expires.expires_within(window)
    }
}

impl fmt::Debug for DownloadLink {
    /// The item is shown without a share password or URL query.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadLink")
            .field("vendor", &self.vendor)
            .field("item", &crate::url::redact_item(&self.item))
            .field("url", &self.url)
            .field("file_name", &self.file_name)
            .field("expires", &self.expires)
            .finish()
    }
}

/// A vendor's code for one item, exactly as it arrived: a number or a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(untagged)
)]
#[non_exhaustive]
pub enum VendorCode {
    /// A numeric code (Cloudreve, KooDrive, gRPC).
    Number(i64),
    /// A code sent as a string.
    Text(String),
}

impl fmt::Display for VendorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VendorCode::Number(n) => fmt::Display::fmt(n, f),
            VendorCode::Text(text) => f.pad(text),
        }
    }
}

/// Why one item of a batch did not come back as a link.
///
/// With the `serde` feature: an object tagged by `kind` (`"refused"` with `code`
/// and `message`, `"no_reason"`, `"missing"`, `"unusable_link"` with `why`,
/// `"call_failed"` with `message`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "kind", rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum FailureReason {
    /// The vendor refused the item, with its code and message.
    Refused {
        /// The code exactly as it arrived.
        code: VendorCode,
        /// The vendor's message (URL queries redacted).
        message: String,
    },
    /// The vendor returned nothing for the item and said nothing about why
    /// (Cloudreve's empty slot under `skip_error`).
    NoReason,
    /// The reply did not mention the item at all.
    Missing,
    /// The vendor returned a link the crate cannot use (not an absolute http(s)
    /// URL, or one holding whitespace or control characters).
    UnusableLink {
        /// What is wrong with it.
        why: String,
    },
    /// The call that asked for this item failed as a whole (a timeout, a reset,
    /// a 5xx, a rate limit, a reply outside the contract) while the batch's other
    /// calls went through: a request split into several calls (KooDrive above
    /// 100 ids, Cloudreve above the site's batch limit), or Cloudreve's one extra
    /// call for the URIs a 40081 refusal did not name. Otherwise a request sent
    /// in one call returns that call's error. The item is
    /// [retryable](ItemFailure::is_retryable) when the call's error was.
    CallFailed {
        /// The call's error as one line (its `Display`: no credential, no URL
        /// query).
        message: String,
    },
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureReason::Refused { code, message } if message.is_empty() => {
                write!(f, "refused (code {code})")
            }
            FailureReason::Refused { code, message } => {
                write!(f, "refused (code {code}): {message}")
            }
            FailureReason::NoReason => f.write_str("no link and no reason given"),
            FailureReason::Missing => f.write_str("missing from the reply"),
            FailureReason::UnusableLink { why } => write!(f, "unusable link: {why}"),
            FailureReason::CallFailed { message } => write!(f, "the call failed: {message}"),
        }
    }
}

/// One item of a batch that did not come back as a link.
///
/// `Debug` and `Display` show the item without a share password or URL query.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ItemFailure {
    /// Which vendor was asked.
    pub vendor: Vendor,
    /// The item exactly as the caller sent it.
    pub item: String,
    /// Why it failed.
    pub reason: FailureReason,
    retryable: bool,
}

impl ItemFailure {
    /// A failure of `item` for `reason`; `retryable` says whether asking again for
    /// the same item may succeed.
    pub fn new(
        vendor: Vendor,
        item: impl Into<String>,
        reason: FailureReason,
        retryable: bool,
    ) -> Self {
        ItemFailure {
            vendor,
            item: item.into(),
            reason,
            retryable,
        }
    }

    /// Whether asking again for this item may succeed (a rate limit, a server
    /// error, an item the reply left out) — not for a missing file or a refused
    /// permission.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// The vendor's code, when it refused the item.
    pub fn code(&self) -> Option<&VendorCode> {
        match &self.reason {
            FailureReason::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for ItemFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let item = crate::url::redact_item(&self.item);
        write!(f, "{}: {}: {}", self.vendor, item, self.reason)
    }
}

impl fmt::Debug for ItemFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemFailure")
            .field("vendor", &self.vendor)
            .field("item", &crate::url::redact_item(&self.item))
            .field("reason", &self.reason)
            .field("retryable", &self.retryable)
            .finish()
    }
}

/// What a batch reply said that cannot be attributed to an item the call asked
/// for: an answer naming an item that was not asked for (or more often than
/// asked), or naming none (a KooDrive failure entry without `fileId` that no
/// left-out item can take). Kept in [`Batch::unattributed`] so that nothing the
/// vendor said is lost, and so that it never displaces the links of the items
/// that were asked for.
///
/// `Debug` and `Display` show the item without a share password or URL query,
/// and never a link's URL.
///
/// With the `serde` feature: `{"vendor", "item", "answer"}`, `item` `null` when
/// the answer named none and `answer` either `{"link": {…}}` (as in
/// [`DownloadLink`]) or `{"failed": {…}}` (as in [`FailureReason`]).
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Unattributed {
    /// Which vendor answered.
    pub vendor: Vendor,
    /// The item the answer names, exactly as the reply gave it; `None` when it
    /// names none.
    pub item: Option<String>,
    /// What the reply said about it.
    pub answer: UnattributedAnswer,
}

/// The answer of an [`Unattributed`] entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum UnattributedAnswer {
    /// A link: its [`item`](DownloadLink::item) is the id the reply gave (empty
    /// when it gave none). It is a credential like any other link.
    Link(DownloadLink),
    /// No link, and why (a refusal keeps the vendor's code and message).
    Failed(FailureReason),
}

impl Unattributed {
    /// An answer about `item` (`None`: it named none) that no asked item can take.
    pub fn new(vendor: Vendor, item: Option<String>, answer: UnattributedAnswer) -> Self {
        Unattributed {
            vendor,
            item,
            answer,
        }
    }

    /// The vendor's code, when the answer is a refusal.
    pub fn code(&self) -> Option<&VendorCode> {
        match &self.answer {
            UnattributedAnswer::Failed(FailureReason::Refused { code, .. }) => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for Unattributed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.item {
            Some(item) => write!(
                f,
                "{}: {} (not asked for): ",
                self.vendor,
                // Server text: one line, no control characters.
                crate::url::one_line(&crate::url::redact_item(item), 120)
            )?,
            None => write!(f, "{}: an answer naming no item: ", self.vendor)?,
        }
        match &self.answer {
            UnattributedAnswer::Link(_) => f.write_str("a link"),
            UnattributedAnswer::Failed(reason) => fmt::Display::fmt(reason, f),
        }
    }
}

impl fmt::Debug for Unattributed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unattributed")
            .field("vendor", &self.vendor)
            .field("item", &self.item.as_deref().map(crate::url::redact_item))
            .field("answer", &self.answer)
            .finish()
    }
}

/// The answer to a call for several items: the links obtained and one failure per
/// item that did not come back as a link, each in request order.
///
/// A call returns `Ok(Batch)` even when every item failed; `Err` means the call
/// itself failed (transport, authentication, the vendor refused the whole
/// request). A request split into several calls (KooDrive, Cloudreve) returns
/// `Err` only for an error that dooms every call (invalid input, authentication,
/// permission, DNS, TLS); any other failed call becomes one
/// [`FailureReason::CallFailed`] per item it asked for.
///
/// `links` and `failures` hold only items that were asked for; whatever else a
/// reply said goes to [`unattributed`](Batch::unattributed).
///
/// With the `serde` feature: `{"links": [...], "failures": [...]}`, plus
/// `"unattributed": [...]` when there is any (missing reads as empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Batch {
    /// The links obtained, in request order.
    pub links: Vec<DownloadLink>,
    /// The items that got no link, in request order.
    pub failures: Vec<ItemFailure>,
    /// Answers that cannot be attributed to an asked item, in reply order (see
    /// [`Unattributed`]). They count neither as links nor as failures:
    /// [`is_complete`](Batch::is_complete) and [`all_failed`](Batch::all_failed)
    /// ignore them.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub unattributed: Vec<Unattributed>,
}

impl Batch {
    /// A batch of `links` and `failures`, nothing unattributed.
    pub fn new(links: Vec<DownloadLink>, failures: Vec<ItemFailure>) -> Self {
        Batch {
            links,
            failures,
            unattributed: Vec::new(),
        }
    }

    /// `true` when every item came back as a link.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }

    /// `true` when no item came back as a link and at least one failed.
    pub fn all_failed(&self) -> bool {
        self.links.is_empty() && !self.failures.is_empty()
    }

    /// The link for `item` (as sent), if it got one.
    pub fn link_for(&self, item: &str) -> Option<&DownloadLink> {
        self.links.iter().find(|link| link.item == item)
    }

    /// The items whose failure [is retryable](ItemFailure::is_retryable), in
    /// request order.
    pub fn retryable_items(&self) -> Vec<String> {
        self.failures
            .iter()
            .filter(|f| f.is_retryable())
            .map(|f| f.item.clone())
            .collect()
    }

    /// Asks again for the retryable failures only: calls `again` with those items
    /// (nothing is called when there are none) and merges its answer — the new
    /// links are appended, and each retried item's old failure is replaced by its
    /// new outcome. Only items that were asked again are merged (repeats
    /// counted): a link or failure of the answer for any other item goes to
    /// [`unattributed`](Batch::unattributed), with the answer's own unattributed
    /// entries, and an asked item the answer does not mention keeps its old
    /// failure. When `again` fails, the batch is left as it was and the error
    /// returned.
    ///
    /// ```
    /// # #[cfg(all(feature = "fake", feature = "koodrive"))] {
    /// use download_url::{agent, fake, koodrive};
    ///
    /// let server = fake::FakeServer::start()?;
    /// let auth = koodrive::Auth::token(fake::KOODRIVE_TOKEN);
    /// let mut config = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    /// config.base_url = server.base_url();
    /// let agent = agent();
    /// let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    /// let mut batch = koodrive::download_links(&agent, &config, &request)?;
    /// batch.retry_failed(|items| {
    ///     koodrive::download_links(&agent, &config, &request.with_file_ids(items))
    /// })?;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retry_failed<F>(&mut self, again: F) -> Result<(), Error>
    where
        F: FnOnce(&[String]) -> Result<Batch, Error>,
    {
        let items = self.retryable_items();
        if items.is_empty() {
            return Ok(());
        }
        let answer = again(&items)?;
        // Each asked item takes one answer (repeats count); the rest of the
        // answer is not this batch's.
        let mut left = items;
        let mut take = |item: &str| {
            let at = left.iter().position(|i| i == item)?;
            Some(left.swap_remove(at))
        };
        let mut retried = Vec::new();
        for link in answer.links {
            match take(&link.item) {
                Some(item) => {
                    retried.push(item);
                    self.links.push(link);
                }
                None => self.unattributed.push(Unattributed::new(
                    link.vendor,
                    Some(link.item.clone()),
                    UnattributedAnswer::Link(link),
                )),
            }
        }
        let mut new_failures = Vec::new();
        for failure in answer.failures {
            match take(&failure.item) {
                Some(item) => {
                    retried.push(item);
                    new_failures.push(failure);
                }
                None => self.unattributed.push(Unattributed::new(
                    failure.vendor,
                    Some(failure.item),
                    UnattributedAnswer::Failed(failure.reason),
                )),
            }
        }
        self.unattributed.extend(answer.unattributed);
        // Drop one old failure per item that got a new outcome, keep the rest.
        self.failures.retain(|f| {
            if !f.is_retryable() {
                return true;
            }
            match retried.iter().position(|item| *item == f.item) {
                Some(at) => {
                    retried.swap_remove(at);
                    false
                }
                None => true,
            }
        });
        self.failures.extend(new_failures);
        Ok(())
    }
}

/// What a batch reply said about one item it names.
#[cfg_attr(
    not(any(feature = "blendvision", feature = "koodrive")),
    allow(dead_code)
)]
pub(crate) enum ItemAnswer {
    /// A usable link.
    Link(DownloadLink),
    /// No link: why, and whether asking again may help.
    Failed(FailureReason, bool),
}

/// Accounts for every requested item: each answer is matched to a requested item
/// by id, in request order, counting repeats (an item asked twice needs two
/// answers). A requested item no answer names becomes a [`FailureReason::Missing`]
/// failure (retryable: the vendor may simply have dropped it). An answer whose id
/// was not asked for, or more often than asked, goes to
/// [`Batch::unattributed`] (in reply order) and takes nothing from the asked
/// items.
#[cfg_attr(
    not(any(feature = "blendvision", feature = "koodrive")),
    allow(dead_code)
)]
pub(crate) fn attribute<I: AsRef<str>>(
    vendor: Vendor,
    requested: &[I],
    answers: Vec<(String, ItemAnswer)>,
) -> Batch {
    let mut asked: HashMap<&str, usize> = HashMap::new();
    for item in requested {
        *asked.entry(item.as_ref()).or_default() += 1;
    }
    let mut by_id: HashMap<String, VecDeque<ItemAnswer>> = HashMap::new();
    let mut unattributed = Vec::new();
    for (id, answer) in answers {
        match asked.get_mut(id.as_str()) {
            Some(left) if *left > 0 => *left -= 1,
            _ => {
                unattributed.push(Unattributed::new(
                    vendor,
                    Some(id.clone()),
                    answer.into_unattributed(&id),
                ));
                continue;
            }
        }
        by_id.entry(id).or_default().push_back(answer);
    }
    let mut batch = Batch {
        unattributed,
        ..Batch::default()
    };
    for item in requested {
        let item = item.as_ref();
        let failure = |reason, retryable| ItemFailure::new(vendor, item, reason, retryable);
        match by_id.get_mut(item).and_then(VecDeque::pop_front) {
            Some(ItemAnswer::Link(mut link)) => {
                item.clone_into(&mut link.item);
                batch.links.push(link);
            }
            Some(ItemAnswer::Failed(reason, retryable)) => {
                batch.failures.push(failure(reason, retryable));
            }
            None => batch.failures.push(failure(FailureReason::Missing, true)),
        }
    }
    batch
}

impl ItemAnswer {
    /// This answer as an [`Unattributed`] one about `id`.
    pub(crate) fn into_unattributed(self, id: &str) -> UnattributedAnswer {
        match self {
            ItemAnswer::Link(mut link) => {
                id.clone_into(&mut link.item);
                UnattributedAnswer::Link(link)
            }
            ItemAnswer::Failed(reason, _) => UnattributedAnswer::Failed(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(expires: Expiry) -> DownloadLink {
        DownloadLink::new(Vendor::Kie, "item", "https://h/p?sig=SECRET", None, expires)
    }

    #[test]
    fn link_debug_hides_query() {
        let shown = format!("{:?}", link(Expiry::Unknown));
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("https://h/p"), "{shown}");
    }

    #[test]
    fn expiry_helpers() {
        let now = time::OffsetDateTime::now_utc();
        let mut link = link(Expiry::At(now - time::Duration::seconds(1)));
        assert!(link.is_expired());
        link.expires = Expiry::At(now + time::Duration::minutes(10));
        assert!(!link.is_expired());
        assert!(link.expires_within(Duration::from_secs(3600)));
        assert!(!link.expires_within(Duration::from_secs(60)));
        link.expires = Expiry::Never;
        assert!(!link.is_expired());
        assert!(!link.expires_within(Duration::MAX));
        link.expires = Expiry::Unknown;
        assert!(!link.is_expired());
        assert!(link.expires_within(Duration::ZERO));
    }

    #[test]
    fn retry_failed_replaces_only_retried_failures() {
        let fail = |item: &str, retryable| {
            ItemFailure::new(Vendor::KooDrive, item, FailureReason::Missing, retryable)
        };
        let mut batch = Batch::new(vec![], vec![fail("a", true), fail("b", false)]);
        batch
            .retry_failed(|items| {
                assert_eq!(items, ["a"]);
                let mut answer = link(Expiry::Unknown);
                answer.item = "a".into();
                Ok(Batch::new(vec![answer], vec![]))
            })
            .unwrap();
        assert_eq!(batch.links.len(), 1);
        assert_eq!(batch.failures, vec![fail("b", false)]);
        // Nothing retryable: the closure is not called.
        batch.retry_failed(|_| panic!("called")).unwrap();
    }

    /// An answer for an item `retry_failed` did not ask for is not merged into
    /// the links (nor the failures) of the batch.
    #[test]
    fn retry_failed_keeps_only_the_items_it_asked_for() {
        let missing =
            |item: &str| ItemFailure::new(Vendor::KooDrive, item, FailureReason::Missing, true);
        let got = |item: &str| {
            DownloadLink::new(Vendor::KooDrive, item, "https://h/p", None, Expiry::Unknown)
        };
        let mut batch = Batch::new(vec![got("a")], vec![missing("b"), missing("c")]);
        batch
            .retry_failed(|items| {
                assert_eq!(items, ["b", "c"]);
                Ok(Batch::new(vec![got("b"), got("z")], vec![missing("y")]))
            })
            .unwrap();
        let links: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
        assert_eq!(links, ["a", "b"]);
        // "c", asked again but not answered, keeps its old failure.
        assert_eq!(batch.failures, vec![missing("c")]);
        let apart: Vec<Option<&str>> = batch
            .unattributed
            .iter()
            .map(|u| u.item.as_deref())
            .collect();
        assert_eq!(apart, [Some("z"), Some("y")]);
        assert_eq!(
            batch.unattributed[1].to_string(),
            "koodrive: y (not asked for): missing from the reply"
        );
    }

    #[test]
    fn every_requested_item_is_accounted_for() {
        let answer = |id: &str| {
            (
                id.to_owned(),
                ItemAnswer::Link(DownloadLink::new(
                    Vendor::BlendVision,
                    id,
                    "https://h/p",
                    None,
                    Expiry::Unknown,
                )),
            )
        };
        // Repeats count: "a" asked twice, answered once → one link, one missing.
        let batch = attribute(
            Vendor::BlendVision,
            &["a", "b", "a"],
            vec![answer("b"), answer("a")],
        );
        let items: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
        assert_eq!(items, ["a", "b"]);
        assert_eq!(batch.failures.len(), 1);
        assert_eq!(batch.failures[0].item, "a");
        assert_eq!(batch.failures[0].reason, FailureReason::Missing);
        // An id never asked for, or answered more often than asked: unattributed,
        // in reply order, and the asked items keep their links.
        let strangers = |answers| {
            let batch = attribute(Vendor::BlendVision, &["a"], answers);
            assert_eq!(batch.links.len(), 1);
            batch
                .unattributed
                .iter()
                .map(|u| u.item.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(strangers(vec![answer("a"), answer("z")]), ["z"]);
        assert_eq!(strangers(vec![answer("a"), answer("a")]), ["a"]);
        assert_eq!(
            strangers(vec![answer("y"), answer("a"), answer("z")]),
            ["y", "z"]
        );
    }

    /// A large batch (more answers than a handful) pairs answers with items as a
    /// small one does: in request order, repeats counted, the rest missing.
    #[test]
    fn a_large_batch_is_accounted_for_in_request_order() {
        let answer = |id: &str| {
            let link =
                DownloadLink::new(Vendor::KooDrive, id, "https://h/p", None, Expiry::Unknown);
            (id.to_owned(), ItemAnswer::Link(link))
        };
        let requested: Vec<String> = (0..20).map(|i| format!("f{}", i % 18)).collect();
        // Answers in reverse order, "f0" and "f1" once each (asked twice), "f5" never.
        let answers: Vec<_> = (0..18)
            .rev()
            .filter(|i| *i != 5)
            .map(|i| answer(&format!("f{i}")))
            .collect();
        let batch = attribute(Vendor::KooDrive, &requested, answers);
        let links: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
        let expected: Vec<String> = (0..18)
            .filter(|i| *i != 5)
            .map(|i| format!("f{i}"))
            .collect();
        assert_eq!(links, expected);
        let failed: Vec<&str> = batch.failures.iter().map(|f| f.item.as_str()).collect();
        assert_eq!(failed, ["f5", "f0", "f1"]);
        assert!(batch
            .failures
            .iter()
            .all(|f| f.reason == FailureReason::Missing && f.is_retryable()));
        let mut answers: Vec<_> = (0..18).map(|i| answer(&format!("f{i}"))).collect();
        answers.push(answer("f7"));
        answers.push(answer("f7"));
        let batch = attribute(Vendor::KooDrive, &requested[..18], answers);
        assert_eq!(batch.links.len(), 18);
        let extra: Vec<_> = batch
            .unattributed
            .iter()
            .map(|u| u.item.as_deref())
            .collect();
        assert_eq!(extra, [Some("f7"), Some("f7")]);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_forms() {
        let at = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        let json = serde_json::to_value(link(Expiry::At(at))).unwrap();
        assert_eq!(json["expires"], "2026-01-02T03:04:05Z");
        assert_eq!(json["vendor"], "kie");
        assert_eq!(json["item"], "item");
        assert_eq!(serde_json::to_value(Expiry::Never).unwrap(), "never");
        assert!(serde_json::to_value(Expiry::Unknown).unwrap().is_null());
        for expires in [Expiry::At(at), Expiry::Never, Expiry::Unknown] {
            let back: DownloadLink =
                serde_json::from_value(serde_json::to_value(link(expires)).unwrap()).unwrap();
            assert_eq!(back, link(expires));
        }
        let failure = ItemFailure::new(
            Vendor::Cloudreve,
            "cloudreve://my/a",
            FailureReason::Refused {
                code: VendorCode::Number(40044),
                message: "not found".into(),
            },
            false,
        );
        let json = serde_json::to_value(&failure).unwrap();
        assert_eq!(json["reason"]["kind"], "refused");
        assert_eq!(json["reason"]["code"], 40044);
        assert_eq!(json["retryable"], false);
        let back: ItemFailure = serde_json::from_value(json).unwrap();
        assert_eq!(back, failure);
        let failure = ItemFailure::new(
            Vendor::KooDrive,
            "f1",
            FailureReason::CallFailed {
                message: "koodrive: timed out".into(),
            },
            true,
        );
        let json = serde_json::to_value(&failure).unwrap();
        assert_eq!(
            json["reason"],
            serde_json::json!({"kind": "call_failed", "message": "koodrive: timed out"})
        );
        assert_eq!(json["retryable"], true);
        let back: ItemFailure = serde_json::from_value(json).unwrap();
        assert_eq!(back, failure);
        assert_eq!(
            back.to_string(),
            "koodrive: f1: the call failed: koodrive: timed out"
        );

        // Batch: `unattributed` only when there is any, and optional on load.
        let mut batch = Batch::new(vec![link(Expiry::Never)], vec![back]);
        let json = serde_json::to_value(&batch).unwrap();
        assert!(json.get("unattributed").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<Batch>(json).unwrap(), batch);
        batch.unattributed = vec![
            Unattributed::new(
                Vendor::KooDrive,
                None,
                UnattributedAnswer::Failed(FailureReason::Refused {
                    code: VendorCode::Text("13000302".into()),
                    message: "x".into(),
                }),
            ),
            Unattributed::new(
                Vendor::KooDrive,
                Some("z".into()),
                UnattributedAnswer::Link(link(Expiry::Unknown)),
            ),
        ];
        let json = serde_json::to_value(&batch).unwrap();
        assert_eq!(
            json["unattributed"][0],
            serde_json::json!({"vendor": "koodrive", "item": null, "answer":
                {"failed": {"kind": "refused", "code": "13000302", "message": "x"}}})
        );
        assert_eq!(json["unattributed"][1]["item"], "z");
        assert_eq!(json["unattributed"][1]["answer"]["link"]["vendor"], "kie");
        assert_eq!(serde_json::from_value::<Batch>(json).unwrap(), batch);
        let shown = format!("{:?} {}", batch.unattributed[1], batch.unattributed[1]);
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
