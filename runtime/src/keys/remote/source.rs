//! One issuer's remote keys: the key set in service, swapped whole; the
//! background task that fetches it; and the rules that decide when a fetch
//! happens.
//!
//! # Who does what
//!
//! One task per issuer does every fetch, one at a time, each numbered; the
//! number of the last completed fetch is published on a watch channel. A
//! request never fetches: it reads the current key set (an atomic load, no
//! lock), and a request whose token names an unknown `kid` asks the task
//! for a fetch and waits for the watch to show a fetch numbered at least
//! as high as the one it asked for, at most the fetch timeout. The state
//! behind the schedule sits behind a mutex that is held only to read or
//! write it, never across I/O or an `await`. The task holds the issuer's
//! keys weakly: when the last verifier is dropped, the wake channel closes
//! and the task ends.

use core::fmt;
use core::time::Duration;
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use arc_swap::{ArcSwapOption, Guard};
use tokio::sync::{mpsc, watch};

use super::client::HttpClient;
use super::fetch::{self, FetchError, shown};
use super::jwks;
use super::{RemoteError, RemoteIssuer, Settings};
use crate::algorithm::Algorithm;
use crate::clock::{Clock, Timer};
use crate::keys::set::{self, KeySet};

/// What a JWK set response may be labelled.
const JWKS_TYPES: &[&str] = &["application/json", "application/jwk-set+json"];
/// What a discovery document may be labelled.
const DISCOVERY_TYPES: &[&str] = &["application/json"];

/// What every issuer's task shares: the client, the timer, the verifier's
/// clock and the algorithms the claims type pins.
pub(crate) struct Context {
    pub(crate) client: Arc<dyn HttpClient>,
    pub(crate) timer: Arc<dyn Timer>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) pinned: &'static [Algorithm],
}

/// Whether an issuer's keys are fresh, served past their lifetime, or not
/// usable at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyState {
    /// No key set yet, and no fetch has failed.
    Starting,
    /// A key set within its lifetime.
    Fresh,
    /// A key set past its lifetime, still verifying (refreshing failed, and
    /// `max_stale` has not run out).
    Stale,
    /// No usable key set: none ever arrived, or `max_stale` ran out.
    /// Requests get `503`.
    Failing,
}

impl KeyState {
    /// Whether tokens can be verified: fresh or stale.
    pub const fn is_usable(self) -> bool {
        matches!(self, Self::Fresh | Self::Stale)
    }
}

/// What a readiness probe or an operator can read of one issuer's keys.
/// Nothing in it comes from a token, and errors show no URL query and no
/// response body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuerStatus {
    /// The issuer.
    pub issuer: String,
    /// Where its JWK set is fetched (once discovery found it), without query.
    pub jwks_url: Option<String>,
    /// Fresh, stale, failing.
    pub state: KeyState,
    /// Keys in service.
    pub keys: usize,
    /// Time since the key set in service was fetched.
    pub age: Option<Duration>,
    /// The lifetime of the key set in service (`max-age`, clamped).
    pub lifetime: Option<Duration>,
    /// Time until the next scheduled fetch (a refresh ahead of expiry, or a
    /// retry after a failure); zero when one is due or in progress.
    pub next_fetch_in: Duration,
    /// Why the last fetch failed, if it did (cleared by a success).
    pub last_error: Option<String>,
    /// The keys of the last set that were left out, and why.
    pub skipped: Vec<String>,
    /// Fetches completed, successful or not.
    pub fetches: u64,
    /// Of those, the failures.
    pub failures: u64,
    /// Fetches asked for by a token with an unknown `kid`.
    pub kid_refetches: u64,
    /// Tokens with an unknown `kid` refused inside the cooldown, without a
    /// fetch.
    pub kid_refused: u64,
}

/// The schedule and what the status shows; behind a mutex, never held
/// across I/O.
#[derive(Default)]
struct State {
    /// When the next scheduled fetch is due (timer milliseconds).
    next_due: u64,
    /// A fetch was asked for and has not begun.
    requested: bool,
    /// The number of the fetch in progress.
    in_flight: Option<u64>,
    /// The number of the last fetch begun.
    started: u64,
    /// The number of the last fetch whose outcome was kept.
    applied: u64,
    /// When the last fetch asked for by an unknown `kid` was (timer ms).
    last_kid_fetch: Option<u64>,
    /// Failures since the last success.
    failures: u32,
    /// When the key set in service was fetched, and when its lifetime ends.
    fetched_at: Option<u64>,
    expires_at: u64,
    lifetime: u64,
    jwks_url: Option<String>,
    /// The URL and the cause of the last failure.
    last_error: Option<(String, String)>,
    skipped: Vec<String>,
    fetches: u64,
    failed: u64,
    kid_refetches: u64,
    kid_refused: u64,
}

/// One issuer's keys, as requests see them.
pub(crate) struct RemoteKeys {
    /// The issuer, as a one-item list: what a token's `iss` is compared with
    /// when a verifier has several issuers.
    pub(crate) issuer: [Box<str>; 1],
    keys: ArcSwapOption<KeySet>,
    /// By the verifier's clock, the second from which the key set in service
    /// no longer verifies (its lifetime plus `max_stale`); 0 before the first.
    usable_until: AtomicU64,
    /// What a `503` tells the client to wait, in seconds.
    retry_after: AtomicU32,
    state: Mutex<State>,
    settings: Settings,
    timer: Arc<dyn Timer>,
    /// Asks the task for a fetch; closing it ends the task.
    wake: mpsc::Sender<()>,
    /// The number of the last completed fetch.
    done: watch::Receiver<u64>,
    /// Shown until discovery has found the JWK set's URL.
    first_url: String,
}

/// Why a fetch failed: the URL (without its query) and the cause.
struct Failure {
    url: String,
    cause: String,
}

/// A key set as fetched: its keys read, and its lifetime from the response.
struct Fetched {
    keys: Vec<jwks::ReadKey>,
    max_age: Option<u64>,
    url: String,
}

/// What the task holds: where to fetch from, and everything it needs that
/// requests do not.
struct Task {
    keys: Weak<RemoteKeys>,
    wake: mpsc::Receiver<()>,
    done: watch::Sender<u64>,
    context: Arc<Context>,
    issuer: Box<str>,
    discovery: Option<http::Uri>,
    jwks: Option<http::Uri>,
    settings: Settings,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A number spread evenly over `[low, high]` permille of `value`; a fresh
/// random state each call (foldhash's, seeded per process).
fn jitter(value: u64, low: u64, high: u64) -> u64 {
    let random = foldhash::fast::RandomState::default().hash_one(value);
    let permille = low + random % (high - low + 1);
    value / 1000 * permille + value % 1000 * permille / 1000
}

impl RemoteKeys {
    /// Starts `issuer`'s task on the current tokio runtime.
    pub(crate) fn start(
        issuer: RemoteIssuer,
        context: Arc<Context>,
    ) -> Result<Arc<Self>, RemoteError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| RemoteError::NoRuntime)?;
        let (wake_tx, wake_rx) = mpsc::channel(1);
        let (done_tx, done_rx) = watch::channel(0);
        let first_url = issuer
            .discovery
            .as_ref()
            .or(issuer.jwks.as_ref())
            .map(shown)
            .unwrap_or_default();
        let keys = Arc::new(Self {
            issuer: [issuer.issuer.clone()],
            keys: ArcSwapOption::empty(),
            usable_until: AtomicU64::new(0),
            retry_after: AtomicU32::new(1),
            state: Mutex::new(State {
                next_due: context.timer.now_millis(),
                jwks_url: issuer.jwks.as_ref().map(shown),
                ..State::default()
            }),
            settings: issuer.settings,
            timer: Arc::clone(&context.timer),
            wake: wake_tx,
            done: done_rx,
            first_url,
        });
        let task = Task {
            keys: Arc::downgrade(&keys),
            wake: wake_rx,
            done: done_tx,
            context,
            issuer: issuer.issuer,
            discovery: issuer.discovery,
            jwks: issuer.jwks,
            settings: issuer.settings,
        };
        runtime.spawn(task.run());
        Ok(keys)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key set in service, if it may verify at `now` (the verifier's
    /// clock); else how long the client should wait.
    pub(crate) fn current(&self, now: u64) -> Result<Guard<Option<Arc<KeySet>>>, u32> {
        let keys = self.keys.load();
        if keys.is_none() || now >= self.usable_until.load(Ordering::Acquire) {
            return Err(self.retry_after.load(Ordering::Relaxed));
        }
        Ok(keys)
    }

    /// Asks for a fetch on behalf of a token with an unknown `kid`: the
    /// number of the fetch to wait for (the one in flight, or the next one),
    /// or `None` inside the cooldown, where the token is refused at once.
    pub(crate) fn ask_for_kid(&self) -> Option<u64> {
        let now = self.timer.now_millis();
        let mut state = self.lock();
        if let Some(in_flight) = state.in_flight {
            return Some(in_flight);
        }
        if state.requested {
            return Some(state.started + 1);
        }
        let cooldown = millis(self.settings.cooldown);
        if state
            .last_kid_fetch
            .is_some_and(|last| now < last.saturating_add(cooldown))
        {
            state.kid_refused += 1;
            return None;
        }
        state.last_kid_fetch = Some(now);
        state.kid_refetches += 1;
        state.requested = true;
        let wanted = state.started + 1;
        drop(state);
        // A full channel already holds a wake-up; a closed one has no task.
        let _ = self.wake.try_send(());
        Some(wanted)
    }

    /// The timer's reading.
    pub(crate) fn now_millis(&self) -> u64 {
        self.timer.now_millis()
    }

    /// Whether `start` waits for this issuer's first key set.
    pub(crate) fn eager(&self) -> bool {
        !self.settings.lazy
    }

    /// Waits until the fetch numbered `wanted` (or a later one) has
    /// completed, at most the fetch timeout; whether it did.
    pub(crate) async fn wait_for(&self, wanted: u64) -> bool {
        let deadline = self
            .timer
            .now_millis()
            .saturating_add(millis(self.settings.fetch_timeout));
        let mut done = self.done.clone();
        tokio::select! {
            completed = done.wait_for(|&n| n >= wanted) => completed.is_ok(),
            () = self.timer.sleep_until(deadline) => false,
        }
    }

    /// Forces a fetch now, whatever the schedule and the cooldown, and waits
    /// for it (each fetch is bounded by the fetch timeout).
    pub(crate) async fn reload(&self) -> IssuerStatus {
        let wanted = {
            let mut state = self.lock();
            state.requested = true;
            state.started + 1
        };
        let _ = self.wake.try_send(());
        let mut done = self.done.clone();
        let _ = done.wait_for(|&n| n >= wanted).await;
        self.status()
    }

    /// Waits for the first key set, at most `start_timeout` from `since`
    /// (timer milliseconds); fetches failing meanwhile are retried with
    /// backoff. The error names the URL that failed and why.
    pub(crate) async fn first_keys(&self, since: u64) -> Result<(), RemoteError> {
        let deadline = since.saturating_add(millis(self.settings.start_timeout));
        let mut done = self.done.clone();
        let arrived = async {
            loop {
                if self.keys.load().is_some() {
                    return true;
                }
                if done.changed().await.is_err() {
                    return false;
                }
            }
        };
        let arrived = tokio::select! {
            arrived = arrived => arrived,
            () = self.timer.sleep_until(deadline) => false,
        };
        if arrived {
            return Ok(());
        }
        let state = self.lock();
        let (url, cause) = match &state.last_error {
            Some(error) => error.clone(),
            None => (
                self.first_url.clone(),
                format!(
                    "no answer within {} ms",
                    millis(self.settings.start_timeout)
                ),
            ),
        };
        Err(RemoteError::FirstKeys {
            issuer: self.issuer[0].to_string(),
            url,
            cause,
        })
    }

    /// What a probe reads.
    pub(crate) fn status(&self) -> IssuerStatus {
        let now = self.timer.now_millis();
        let keys = self.keys.load().as_ref().map_or(0, |set| set.len());
        let state = self.lock();
        let stale_until = state
            .expires_at
            .saturating_add(millis(self.settings.max_stale));
        let key_state = match state.fetched_at {
            None if state.failures == 0 => KeyState::Starting,
            None => KeyState::Failing,
            Some(_) if now < state.expires_at => KeyState::Fresh,
            Some(_) if now < stale_until => KeyState::Stale,
            Some(_) => KeyState::Failing,
        };
        IssuerStatus {
            issuer: self.issuer[0].to_string(),
            jwks_url: state.jwks_url.clone(),
            state: key_state,
            keys,
            age: state
                .fetched_at
                .map(|at| Duration::from_millis(now.saturating_sub(at))),
            lifetime: state
                .fetched_at
                .map(|_| Duration::from_millis(state.lifetime)),
            next_fetch_in: Duration::from_millis(state.next_due.saturating_sub(now)),
            last_error: state
                .last_error
                .as_ref()
                .map(|(url, cause)| format!("{url}: {cause}")),
            skipped: state.skipped.clone(),
            fetches: state.fetches,
            failures: state.failed,
            kid_refetches: state.kid_refetches,
            kid_refused: state.kid_refused,
        }
    }

    /// A watch of the number of the last completed fetch, which closes
    /// when the task has ended.
    pub(crate) fn task_watch(&self) -> watch::Receiver<u64> {
        self.done.clone()
    }

    /// Begins a fetch if one is due at `now` or was asked for: its number.
    fn begin(&self, now: u64) -> Option<u64> {
        let mut state = self.lock();
        if !state.requested && now < state.next_due {
            return None;
        }
        state.requested = false;
        state.started += 1;
        state.in_flight = Some(state.started);
        Some(state.started)
    }

    /// When the task should wake next, if nothing asks it to earlier.
    fn next_due(&self) -> u64 {
        let state = self.lock();
        if state.requested { 0 } else { state.next_due }
    }

    /// Keeps what fetch `number` brought, unless a later fetch's outcome was
    /// kept already.
    fn apply(&self, number: u64, outcome: Result<Fetched, Failure>, context: &Context) {
        let now = context.timer.now_millis();
        let outcome = outcome.and_then(|fetched| {
            let count = fetched.keys.len();
            match set::bind_each(fetched.keys, context.pinned) {
                (Some(set), notes) => Ok((set, notes, fetched.max_age, fetched.url)),
                (None, notes) => Err(Failure {
                    url: fetched.url,
                    cause: format!(
                        "no usable key among {count} ({})",
                        if notes.is_empty() {
                            "the set is empty".to_owned()
                        } else {
                            notes.join("; ")
                        }
                    ),
                }),
            }
        });
        let mut state = self.lock();
        if state.in_flight == Some(number) {
            state.in_flight = None;
        }
        if number <= state.applied {
            return;
        }
        state.applied = number;
        state.fetches += 1;
        let s = &self.settings;
        match outcome {
            Ok((set, notes, max_age, url)) => {
                let lifetime = max_age
                    .map_or(s.default_lifetime, Duration::from_secs)
                    .clamp(s.min_lifetime, s.max_lifetime);
                let set = match self.keys.load_full() {
                    Some(previous) => set.succeed(&previous),
                    None => set,
                };
                self.keys.store(Some(Arc::new(set)));
                let usable = lifetime.saturating_add(s.max_stale).as_secs();
                self.usable_until.store(
                    context.clock.now().saturating_add(usable),
                    Ordering::Release,
                );
                let lifetime = millis(lifetime);
                state.fetched_at = Some(now);
                state.expires_at = now.saturating_add(lifetime);
                state.lifetime = lifetime;
                state.next_due = now.saturating_add(jitter(lifetime, 750, 900));
                state.failures = 0;
                state.last_error = None;
                state.skipped = notes;
                state.jwks_url = Some(url);
            }
            Err(Failure { url, cause }) => {
                state.failures = state.failures.saturating_add(1);
                state.failed += 1;
                let doubled = s
                    .min_backoff
                    .saturating_mul(1 << (state.failures - 1).min(20))
                    .min(s.max_backoff);
                state.next_due = now.saturating_add(jitter(millis(doubled), 500, 1000));
                state.last_error = Some((url, cause));
            }
        }
        let wait = state.next_due.saturating_sub(now).div_ceil(1000).max(1);
        self.retry_after
            .store(u32::try_from(wait).unwrap_or(u32::MAX), Ordering::Relaxed);
    }
}

impl fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.status();
        f.debug_struct("RemoteKeys")
            .field("issuer", &status.issuer)
            .field("state", &status.state)
            .field("keys", &status.keys)
            .finish_non_exhaustive()
    }
}

/// The members of a discovery document claimguard reads.
#[derive(serde::Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl Task {
    async fn run(mut self) {
        loop {
            let due = match self.keys.upgrade() {
                Some(keys) => keys.next_due(),
                None => return,
            };
            tokio::select! {
                biased;
                message = self.wake.recv() => {
                    if message.is_none() {
                        return;
                    }
                }
                () = self.context.timer.sleep_until(due) => {}
            }
            let now = self.context.timer.now_millis();
            let Some(number) = self.keys.upgrade().and_then(|keys| keys.begin(now)) else {
                continue;
            };
            let outcome = self.fetch().await;
            let Some(keys) = self.keys.upgrade() else {
                return;
            };
            keys.apply(number, outcome, &self.context);
            drop(keys);
            self.done.send_replace(number);
        }
    }

    /// One fetch of the JWK set, after discovery if its URL is not known
    /// yet (discovery runs until it succeeds once).
    async fn fetch(&mut self) -> Result<Fetched, Failure> {
        let uri = match &self.jwks {
            Some(uri) => uri.clone(),
            None => {
                let uri = self.discover().await?;
                self.jwks = Some(uri.clone());
                uri
            }
        };
        let url = shown(&uri);
        let fetched = self.get(&uri, JWKS_TYPES).await?;
        let keys = jwks::read(&fetched.body, self.settings.max_keys).map_err(|cause| Failure {
            url: url.clone(),
            cause,
        })?;
        Ok(Fetched {
            keys,
            max_age: fetched.max_age,
            url,
        })
    }

    async fn get(&self, uri: &http::Uri, accept: &[&str]) -> Result<fetch::Fetched, Failure> {
        fetch::fetch(
            &*self.context.client,
            &*self.context.timer,
            uri,
            accept,
            self.settings.max_body_bytes,
            millis(self.settings.fetch_timeout),
        )
        .await
        .map_err(|error: FetchError| Failure {
            url: shown(uri),
            cause: error.to_string(),
        })
    }

    /// The JWK set's URL, from the discovery document, once its `issuer` is
    /// exactly the configured one.
    async fn discover(&self) -> Result<http::Uri, Failure> {
        let Some(uri) = &self.discovery else {
            return Err(Failure {
                url: String::new(),
                cause: "no discovery URL".to_owned(),
            });
        };
        let fail = |cause: String| Failure {
            url: shown(uri),
            cause,
        };
        let fetched = self.get(uri, DISCOVERY_TYPES).await?;
        let document: Discovery = serde_json::from_slice(&fetched.body)
            .map_err(|e| fail(format!("not a discovery document: {e}")))?;
        if document.issuer != *self.issuer {
            return Err(fail(format!(
                "the document names issuer {:?}, not the configured one",
                fetch::clipped(&document.issuer, 200)
            )));
        }
        super::checked_url(&document.jwks_uri).map_err(|e| fail(format!("its jwks_uri: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::keys::remote::client::FetchFuture;

    /// A client that never answers: the task's own fetch stays in flight.
    struct Silent;

    impl HttpClient for Silent {
        fn fetch(&self, _: http::Request<()>) -> FetchFuture<'_> {
            Box::pin(core::future::pending())
        }
    }

    const SET: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"a","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw"}]}"#;

    #[tokio::test]
    async fn an_older_fetch_never_replaces_a_newer_one() {
        let clock = ManualClock::new(1_000);
        let context = Arc::new(Context {
            client: Arc::new(Silent),
            timer: Arc::new(clock.clone()),
            clock: Arc::new(clock),
            pinned: &[Algorithm::ES256],
        });
        let issuer = RemoteIssuer::with_jwks("https://idp.example", "https://idp.example/jwks")
            .unwrap_or_else(|e| panic!("{e}"));
        let keys =
            RemoteKeys::start(issuer, Arc::clone(&context)).unwrap_or_else(|e| panic!("{e}"));
        let fetched = || {
            let keys = jwks::read(SET.as_bytes(), 64).unwrap_or_else(|e| panic!("{e}"));
            Ok(Fetched {
                keys,
                max_age: None,
                url: "https://idp.example/jwks".into(),
            })
        };
        let failed = |cause: &str| {
            Err(Failure {
                url: "https://idp.example/jwks".into(),
                cause: cause.into(),
            })
        };
        // Fetch 2 completes first; fetch 1, older, completes after it.
        keys.apply(2, fetched(), &context);
        keys.apply(1, failed("older"), &context);
        let status = keys.status();
        assert_eq!((status.keys, status.fetches, status.failures), (1, 1, 0));
        assert_eq!(status.last_error, None);
        // A newer failure counts, and keeps the keys.
        keys.apply(3, failed("newer"), &context);
        let status = keys.status();
        assert_eq!((status.keys, status.fetches, status.failures), (1, 2, 1));
        assert_eq!(
            status.last_error.as_deref(),
            Some("https://idp.example/jwks: newer")
        );
    }

    #[test]
    fn jitter_stays_in_its_range() {
        for value in [0, 1, 999, 1_000, 600_000, u64::MAX / 2] {
            for _ in 0..200 {
                let got = jitter(value, 750, 900);
                assert!(
                    got >= value / 1000 * 750 && got <= value / 1000 * 900 + 999,
                    "{value}: {got}"
                );
            }
        }
        assert_eq!(jitter(1_000, 500, 500), 500);
    }
}
