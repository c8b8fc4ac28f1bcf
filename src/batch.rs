//! The chunk runner of the vendors that split a batch into several calls
//! (KooDrive: 100 ids a call; Cloudreve: the site's batch limit, 3000 by default).
//!
//! A request that fits in one call is that call, on the calling thread, and its
//! error is returned as it is. A longer one is cut into chunks that run
//! concurrently on the one agent — `concurrency` calls at a time on scoped
//! threads (the calling thread is one of them) — and merged in request order.
//!
//! # What one chunk's error does
//!
//! Only an error that would doom every chunk stops the batch; it is returned and
//! no further chunk is started or retried (calls already under way finish, their
//! answers are dropped):
//!
//! - [`Error::InvalidInput`]: the configuration or the request, nothing sent;
//! - a transport error of kind [`Dns`](TransportKind::Dns) or
//!   [`Tls`](TransportKind::Tls): the host or its TLS setup, shared by every call;
//! - a reply with HTTP status 401 or 403 (authentication, permission), whatever
//!   its form;
//! - the vendor's own codes for those (`dooms`): KooDrive 13000301 (space not
//!   found); Cloudreve 401, 40020, 40088, 40089 and a 40081 whose every URI got
//!   401 or 40088 (all mean "this caller cannot", for any URI).
//!
//! (A Cloudreve 40081 naming URIs of its own never reaches the runner: the
//! vendor turns it into those URIs' failures and one extra call for the rest.)
//!
//! Any other error — a timeout, a reset, a 5xx, a rate limit, a reply outside the
//! contract — is retried on its own under the vendor config's retry policy when
//! one is set, then becomes one [`FailureReason::CallFailed`] per item of the
//! chunk (retryable when the error is), and the other chunks go on.
//!
//! An error that states a smaller per-call limit (`smaller`: Cloudreve's 40074
//! "Maximum allowed batch size: N") re-cuts that chunk at the stated limit, and
//! every chunk not yet started too.

// Without KooDrive and Cloudreve only the constant is used (by the agent).
#![cfg_attr(
    not(any(feature = "koodrive", feature = "cloudreve")),
    allow(dead_code)
)]

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::error::{Error, TransportKind};
use crate::link::{Batch, FailureReason, ItemFailure};
use crate::retry::RetryPolicy;
use crate::vendor::Vendor;

/// How many calls of one batch run at once by default (KooDrive and Cloudreve
/// `Config::concurrency`). [`agent()`](crate::agent()) keeps at least this many
/// idle connections per host, so a batch reuses its connections from one call to
/// the next.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// How a vendor cuts and runs one request's calls.
pub(crate) struct Chunks<'a> {
    pub vendor: Vendor,
    /// Items per call (0 counts as 1).
    pub size: usize,
    /// Calls at once (0 counts as 1).
    pub concurrency: usize,
    /// Each call retried on its own under this policy.
    pub retry: Option<&'a RetryPolicy>,
    /// The vendor's errors that doom every call, beyond the generic ones.
    pub dooms: fn(&Error) -> bool,
    /// A smaller per-call limit that the error of a call of `n` items states.
    pub smaller: Smaller,
}

/// What [`Chunks::smaller`] is: a smaller per-call limit that the error of a
/// call of `n` items states.
pub(crate) type Smaller = fn(&Error, usize) -> Option<usize>;

/// Whether `err` dooms every call of a request (see the module docs): the
/// generic rule, or the vendor's own codes (`dooms`).
pub(crate) fn dooms_every_call(err: &Error, dooms: fn(&Error) -> bool) -> bool {
    let generic = match err {
        Error::InvalidInput(_) => true,
        Error::Transport(e) => matches!(e.kind, TransportKind::Dns | TransportKind::Tls),
        _ => matches!(err.http_status(), Some(401 | 403)),
    };
    generic || dooms(err)
}

/// No error states a limit.
pub(crate) fn no_limit(_: &Error, _: usize) -> Option<usize> {
    None
}

/// The pending chunks (ranges of the items) and the calls under way.
struct Work {
    queue: VecDeque<Range<usize>>,
    running: usize,
    fatal: Option<Error>,
}

impl Chunks<'_> {
    /// Runs `call` on the chunks of `items` and merges the answers in request order.
    pub(crate) fn run<T, F>(&self, items: &[T], call: F) -> Result<Batch, Error>
    where
        T: AsRef<str> + Sync,
        F: Fn(&[T]) -> Result<Batch, Error> + Sync,
    {
        let size = self.size.max(1);
        if items.len() > size {
            return self.run_chunks(items, size, &call);
        }
        // One call: no thread, and its error is the batch's.
        self.attempt(&call, items, &|| false).or_else(|err| {
            match (self.smaller)(&err, items.len()) {
                Some(limit) if (1..items.len()).contains(&limit) => {
                    self.run_chunks(items, limit, &call)
                }
                _ => Err(err),
            }
        })
    }

    /// `call` on `items` under the retry policy; no attempt once `stopped` (the
    /// batch is doomed: the error returned then is dropped with the batch).
    fn attempt<T, F>(
        &self,
        call: &F,
        items: &[T],
        stopped: &dyn Fn() -> bool,
    ) -> Result<Batch, Error>
    where
        F: Fn(&[T]) -> Result<Batch, Error>,
    {
        // Without a policy, one attempt.
        crate::retry(self.retry.unwrap_or(&RetryPolicy::none()), |_| {
            if stopped() {
                return Err(Error::invalid(self.vendor, "batch", "stopped"));
            }
            call(items)
        })
    }

    fn run_chunks<T, F>(&self, items: &[T], size: usize, call: &F) -> Result<Batch, Error>
    where
        T: AsRef<str> + Sync,
        F: Fn(&[T]) -> Result<Batch, Error> + Sync,
    {
        let queue: VecDeque<_> = cut(0..items.len(), size).collect();
        let workers = self.concurrency.clamp(1, queue.len());
        let work = Mutex::new(Work {
            queue,
            running: 0,
            fatal: None,
        });
        let changed = Condvar::new();
        let limit = AtomicUsize::new(size);
        let answers: Mutex<Vec<(usize, Batch)>> = Mutex::new(Vec::new());

        let worker = || {
            while let Some(range) = next(&work, &changed) {
                let outcome = if range.len() > limit.load(Ordering::Relaxed) {
                    // A limit learned since this chunk was cut: cut it again.
                    Err(None)
                } else {
                    let doomed = || lock(&work).fatal.is_some();
                    match self.attempt(call, &items[range.clone()], &doomed) {
                        Ok(batch) => Ok(batch),
                        Err(err) if dooms_every_call(&err, self.dooms) => Err(Some(err)),
                        Err(err) => match (self.smaller)(&err, range.len()) {
                            Some(stated) if (1..range.len()).contains(&stated) => {
                                limit.fetch_min(stated, Ordering::Relaxed);
                                Err(None)
                            }
                            _ => {
                                let failures = items[range.clone()]
                                    .iter()
                                    .map(|item| call_failed(self.vendor, item.as_ref(), &err));
                                Ok(Batch::new(Vec::new(), failures.collect()))
                            }
                        },
                    }
                };
                let mut state = lock(&work);
                state.running -= 1;
                match outcome {
                    Ok(batch) => lock(&answers).push((range.start, batch)),
                    // Nothing more is started once the batch is doomed.
                    Err(None) if state.fatal.is_some() => {}
                    Err(None) => {
                        // In front, in order: request order stays roughly the call order.
                        for piece in cut(range, limit.load(Ordering::Relaxed)).rev() {
                            state.queue.push_front(piece);
                        }
                    }
                    Err(Some(err)) => {
                        state.queue.clear();
                        state.fatal.get_or_insert(err);
                    }
                }
                drop(state);
                changed.notify_all();
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..workers {
                scope.spawn(worker);
            }
            worker();
        });

        let state = work.into_inner().unwrap_or_else(PoisonError::into_inner);
        if let Some(err) = state.fatal {
            return Err(err);
        }
        let mut answers = answers.into_inner().unwrap_or_else(PoisonError::into_inner);
        answers.sort_unstable_by_key(|(start, _)| *start);
        let mut batch = Batch::default();
        for (_, part) in answers {
            batch.links.extend(part.links);
            batch.failures.extend(part.failures);
            batch.unattributed.extend(part.unattributed);
        }
        Ok(batch)
    }
}

/// The [`FailureReason::CallFailed`] of `item`, whose call failed with `err`.
pub(crate) fn call_failed(vendor: Vendor, item: &str, err: &Error) -> ItemFailure {
    let message = err.to_string();
    let reason = FailureReason::CallFailed { message };
    ItemFailure::new(vendor, item, reason, err.is_retryable())
}

/// The next chunk to call, waiting while calls under way may still add some;
/// `None` once there is nothing left (or a fatal error cleared the queue).
fn next(work: &Mutex<Work>, changed: &Condvar) -> Option<Range<usize>> {
    // Nothing to take yet, but calls under way may still add some.
    let waiting =
        |state: &mut Work| state.queue.is_empty() && state.running > 0 && state.fatal.is_none();
    let mut state = changed
        .wait_while(lock(work), waiting)
        .unwrap_or_else(PoisonError::into_inner);
    let range = state.queue.pop_front()?;
    state.running += 1;
    Some(range)
}

/// `range` cut into pieces of at most `size` (at least 1), in order.
fn cut(range: Range<usize>, size: usize) -> impl DoubleEndedIterator<Item = Range<usize>> {
    let size = size.max(1);
    let end = range.end;
    range
        .step_by(size)
        .map(move |start| start..end.min(start + size))
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expiry::Expiry;
    use crate::link::DownloadLink;

    fn links(items: &[String]) -> Batch {
        let links = items
            .iter()
            .map(|i| DownloadLink::new(Vendor::KooDrive, i, "https://h/p", None, Expiry::Unknown))
            .collect();
        Batch::new(links, Vec::new())
    }

    fn chunks(size: usize, concurrency: usize) -> Chunks<'static> {
        Chunks {
            vendor: Vendor::KooDrive,
            size,
            concurrency,
            retry: None,
            dooms: |_| false,
            smaller: no_limit,
        }
    }

    fn items(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("i{i}")).collect()
    }

    #[test]
    fn merged_in_request_order_whatever_the_finish_order() {
        let items = items(1000);
        for concurrency in [0, 1, 3, 4, 64] {
            let calls = AtomicUsize::new(0);
            let batch = chunks(7, concurrency)
                .run(&items, |part: &[String]| {
                    // Later chunks finish first.
                    let n = calls.fetch_add(1, Ordering::SeqCst);
                    if n.is_multiple_of(3) {
                        std::thread::yield_now();
                    }
                    Ok(links(part))
                })
                .unwrap();
            let got: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
            assert_eq!(got, items.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(calls.load(Ordering::SeqCst), 1000usize.div_ceil(7));
        }
    }

    #[test]
    fn one_call_returns_its_error() {
        let err = chunks(10, 4)
            .run(&items(10), |_: &[String]| {
                Err(Error::invalid(Vendor::KooDrive, "x", "no"))
            })
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));
    }

    #[test]
    fn a_stated_limit_recuts_every_chunk() {
        let mut plan = chunks(100, 4);
        plan.smaller = |err, n| matches!(err, Error::Transport(_)).then_some(n / 4);
        let items = items(250);
        let sizes = Mutex::new(Vec::new());
        let batch = plan
            .run(&items, |part: &[String]| {
                lock(&sizes).push(part.len());
                if part.len() > 25 {
                    return Err(transport_error());
                }
                Ok(links(part))
            })
            .unwrap();
        assert_eq!(batch.links.len(), 250);
        let got: Vec<&str> = batch.links.iter().map(|l| l.item.as_str()).collect();
        assert_eq!(got, items.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(lock(&sizes).iter().filter(|n| **n <= 25).count() >= 10);
    }

    fn transport_error() -> Error {
        Error::Transport(crate::error::TransportError {
            vendor: Vendor::Cloudreve,
            kind: TransportKind::Other,
            http_status: None,
            source: "stated limit".into(),
        })
    }

    #[test]
    fn cut_covers_the_range() {
        assert_eq!(cut(3..10, 3).collect::<Vec<_>>(), [3..6, 6..9, 9..10]);
        assert_eq!(cut(0..2, 0).collect::<Vec<_>>(), [0..1, 1..2]);
        assert_eq!(cut(3..10, 3).rev().collect::<Vec<_>>(), [9..10, 6..9, 3..6]);
    }
}
