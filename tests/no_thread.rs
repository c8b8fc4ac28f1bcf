//! A vendor call spawns no thread.
//!
//! ureq 3's `DefaultResolver` looks the host up on the calling thread only when
//! the lookup has no deadline; with an overall (`timeout_global`), per-call or
//! resolve timeout it starts a thread for every call, pooled connections
//! included. The crate bounds each phase instead, so no call it makes — with its
//! own agent, or with a caller's agent that sets no timeout at all — gives the
//! lookup a deadline. This file checks it two ways: a resolver wrapped around
//! ureq's own records whether each lookup had a deadline (the thread's cause,
//! with a positive control: a config's `call_timeout` does set one), and the
//! threads of this process are counted before and after many calls.
//!
//! One test in this binary, so that no other test's threads come and go while
//! it counts.
#![cfg(all(
    feature = "fake",
    feature = "kie",
    feature = "cloudreve",
    feature = "datalab",
    feature = "blendvision",
    feature = "koodrive"
))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use download_url::fake::{self, FakeServer};
use download_url::{blendvision, cloudreve, datalab, kie, koodrive, Error};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::Agent;

/// ureq's resolver, noting for each lookup whether it had a deadline (and so
/// ran on a thread of its own).
#[derive(Debug, Default, Clone)]
struct Watch(Arc<Mutex<Vec<bool>>>);

impl Resolver for Watch {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0
            .lock()
            .unwrap()
            .push(!timeout.after.is_not_happening());
        DefaultResolver::default().resolve(uri, config, timeout)
    }
}

impl Watch {
    /// The lookups since the last call: (how many, how many with a deadline).
    fn take(&self) -> (usize, usize) {
        let seen = std::mem::take(&mut *self.0.lock().unwrap());
        (seen.len(), seen.iter().filter(|d| **d).count())
    }
}

/// One call of each vendor against `base`, each config capped by `cap`.
fn each_vendor(agent: &ureq::Agent, base: &str, cap: Option<Duration>) -> Result<(), Error> {
    let mut k = kie::Config::new(fake::KIE_API_KEY);
    k.base_url = base.into();
    k.call_timeout = cap;
    kie::download_link(agent, &k, "https://tempfile.aiquickdraw.com/a.png")?;

    let mut d = datalab::Config::new(fake::DATALAB_API_KEY);
    d.base_url = base.into();
    d.call_timeout = cap;
    datalab::download_link(agent, &d, &datalab::Request::new(42))?;

    let mut c = cloudreve::Config::new(base);
    c.access_token = Some(fake::CLOUDREVE_TOKEN.into());
    c.call_timeout = cap;
    let request = cloudreve::Request::new([cloudreve::my_uri("The Man.mp3")]);
    cloudreve::download_link(agent, &c, &request)?;

    let mut b = blendvision::Config::new(fake::BLENDVISION_API_TOKEN, fake::BLENDVISION_ORG_ID);
    b.base_url = base.into();
    b.call_timeout = cap;
    blendvision::download_link(agent, &b, "63df97e3-519b-4426-bf01-d1841cdc2ccd")?;

    let auth = koodrive::Auth::app_signature(fake::KOODRIVE_APP_ID, fake::KOODRIVE_APP_SECRET);
    let mut kd = koodrive::Config::new(fake::KOODRIVE_USER_ID, auth);
    kd.base_url = base.into();
    kd.call_timeout = cap;
    let request = koodrive::Request::new(fake::KOODRIVE_CONTAINER_ID, [fake::KOODRIVE_FILE_ID]);
    koodrive::download_link(agent, &kd, &request)?;
    Ok(())
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |dir| dir.count())
}

#[test]
fn a_vendor_call_spawns_no_thread() {
    let server = FakeServer::start().unwrap();
    // By name, so that the lookup is a real one.
    let base = format!("http://localhost:{}", server.addr().port());
    let watch = Watch::default();
    let with = |config: Config| Agent::with_parts(config, DefaultConnector::new(), watch.clone());

    let crate_agent = with(download_url::agent_config(download_url::DEFAULT_TIMEOUT).build());
    // A caller's agent with no timeout at all: the crate bounds each phase.
    let bare = with(Agent::config_builder().proxy(None).build());
    for (name, agent) in [("agent()", &crate_agent), ("bare", &bare)] {
        each_vendor(agent, &base, None).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let (lookups, with_deadline) = watch.take();
        assert_eq!(lookups, 5, "{name}");
        assert_eq!(with_deadline, 0, "{name}: a lookup had a deadline");
    }

    // The positive control: a config that asks for an overall cap pays for it.
    each_vendor(&crate_agent, &base, Some(Duration::from_secs(10))).unwrap();
    assert_eq!(watch.take(), (5, 5));

    // And counted from outside: after a first round has opened the connections
    // (the fake serves each on a thread of its own), many more calls add no
    // thread (the control's lookup threads may still be on their way out).
    each_vendor(&crate_agent, &base, None).unwrap();
    let before = threads();
    for _ in 0..20 {
        each_vendor(&crate_agent, &base, None).unwrap();
    }
    if cfg!(target_os = "linux") {
        assert!(before > 0);
        assert!(
            threads() <= before,
            "{} threads, {before} before",
            threads()
        );
    }
    assert_eq!(watch.take(), (21 * 5, 0));
}
