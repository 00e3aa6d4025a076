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
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arc_swap::{ArcSwapOption, Guard};
use tokio::sync::{mpsc, watch};

use super::client::HttpClient;
use super::fetch::shown;
use super::jwks;
use super::{RemoteError, RemoteIssuer, Settings};
use crate::algorithm::Algorithm;
use crate::clock::{Clock, Timer};
use crate::keys::set::{self, KeySet};
use crate::observe::keys::{self as observe, Tags, Trigger};

/// What a JWK set response may be labelled.
pub(super) const JWKS_TYPES: &[&str] = &["application/json", "application/jwk-set+json"];
/// What a discovery document may be labelled.
pub(super) const DISCOVERY_TYPES: &[&str] = &["application/json"];

/// What every issuer's task shares: the client, the timer, the verifier's
/// clock and the algorithms the claims type pins.
pub(crate) struct Context {
    pub(crate) client: Arc<dyn HttpClient>,
    pub(crate) timer: Arc<dyn Timer>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) pinned: &'static [Algorithm],
    /// The claims type's name, for the events and series.
    pub(crate) claims: &'static str,
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
    /// What asked for the fetch not yet begun, if anything did.
    trigger: Option<Trigger>,
    /// The state last announced to the application.
    announced: Option<KeyState>,
    /// The cooldown (by its `last_kid_fetch`) whose refusals were announced.
    cooldown_announced: Option<u64>,
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
    pub(crate) issuer: [Arc<str>; 1],
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
    /// The labels of this issuer's events and series.
    tags: Tags,
}

/// Why a fetch failed: the URL (without its query) and the cause.
pub(super) struct Failure {
    pub(super) url: String,
    pub(super) cause: String,
}

/// A key set as fetched: its keys read, and its lifetime from the response.
pub(super) struct Fetched {
    pub(super) keys: Vec<jwks::ReadKey>,
    pub(super) max_age: Option<u64>,
    pub(super) url: String,
}

pub(super) fn millis(duration: Duration) -> u64 {
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
    /// The key source of `issuer`, empty, woken through `wake` and telling
    /// of finished fetches through `done`; its task is started by
    /// [`task::start`](super::task::start).
    pub(super) fn new(
        issuer: &RemoteIssuer,
        context: &Context,
        wake: mpsc::Sender<()>,
        done: watch::Receiver<u64>,
    ) -> Self {
        let first_url = issuer
            .discovery
            .as_ref()
            .or(issuer.jwks.as_ref())
            .map(shown)
            .unwrap_or_default();
        Self {
            issuer: [Arc::from(&*issuer.issuer)],
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
            wake,
            done,
            first_url,
            tags: Tags {
                claims: context.claims,
                issuer: Arc::from(&*issuer.issuer),
            },
        }
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
            if state.cooldown_announced != state.last_kid_fetch {
                state.cooldown_announced = state.last_kid_fetch;
                observe::cooldown(&self.tags);
            }
            return None;
        }
        state.last_kid_fetch = Some(now);
        state.kid_refetches += 1;
        state.requested = true;
        state.trigger = Some(Trigger::UnknownKid);
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
            state.trigger = Some(Trigger::Reload);
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
        let key_state = self.key_state(&state, now);
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

    /// The keys' state at `now` (timer milliseconds).
    fn key_state(&self, state: &State, now: u64) -> KeyState {
        let stale_until = state
            .expires_at
            .saturating_add(millis(self.settings.max_stale));
        match state.fetched_at {
            None if state.failures == 0 => KeyState::Starting,
            None => KeyState::Failing,
            Some(_) if now < state.expires_at => KeyState::Fresh,
            Some(_) if now < stale_until => KeyState::Stale,
            Some(_) => KeyState::Failing,
        }
    }

    /// Tells the application when the keys' state has changed since it was
    /// last told; when the state changes next by itself (the lifetime or
    /// `max_stale` running out), in timer milliseconds.
    pub(super) fn announce(&self, now: u64) -> u64 {
        let mut state = self.lock();
        let current = self.key_state(&state, now);
        let previous = state.announced.unwrap_or(KeyState::Starting);
        if previous != current {
            state.announced = Some(current);
            let error = state
                .last_error
                .as_ref()
                .map(|(url, cause)| format!("{url}: {cause}"));
            observe::state(&self.tags, previous, current, error.as_deref());
        }
        match current {
            KeyState::Fresh => state.expires_at,
            KeyState::Stale => state
                .expires_at
                .saturating_add(millis(self.settings.max_stale)),
            _ => u64::MAX,
        }
    }

    /// A watch of the number of the last completed fetch, which closes
    /// when the task has ended.
    pub(crate) fn task_watch(&self) -> watch::Receiver<u64> {
        self.done.clone()
    }

    /// Begins a fetch if one is due at `now` or was asked for: its number,
    /// and what started it.
    pub(super) fn begin(&self, now: u64) -> Option<(u64, Trigger)> {
        let mut state = self.lock();
        if !state.requested && now < state.next_due {
            return None;
        }
        state.requested = false;
        state.started += 1;
        state.in_flight = Some(state.started);
        let trigger = match state.trigger.take() {
            Some(asked) => asked,
            None if state.fetched_at.is_none() && state.failures == 0 => Trigger::Startup,
            None => Trigger::Scheduled,
        };
        Some((state.started, trigger))
    }

    /// When the task should wake next, if nothing asks it to earlier.
    pub(super) fn next_due(&self) -> u64 {
        let state = self.lock();
        if state.requested { 0 } else { state.next_due }
    }

    /// Keeps what fetch `number` brought, unless a later fetch's outcome was
    /// kept already.
    pub(super) fn apply(
        &self,
        number: u64,
        trigger: Trigger,
        outcome: Result<Fetched, Failure>,
        context: &Context,
    ) {
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
                    Some(previous) => {
                        let (added, removed) = set.changes(&previous);
                        if added + removed > 0 {
                            observe::rotated(&self.tags, added, removed);
                        }
                        set.succeed(&previous)
                    }
                    None => set,
                };
                if notes != state.skipped {
                    observe::skipped(&self.tags, &notes);
                }
                observe::fetched(&self.tags, trigger, Some((set.len(), context.clock.now())));
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
                observe::fetched(&self.tags, trigger, None);
                if state.failures == 1 && state.fetched_at.is_some() {
                    observe::refresh_failed(&self.tags, &format!("{url}: {cause}"));
                }
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
            claims: "test",
        });
        let issuer = RemoteIssuer::with_jwks("https://idp.example", "https://idp.example/jwks")
            .unwrap_or_else(|e| panic!("{e}"));
        // The source alone, without its task: the test plays the task.
        let (wake, _woken) = mpsc::channel(1);
        let (_done, done) = watch::channel(0);
        let keys = RemoteKeys::new(&issuer, &context, wake, done);
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
        keys.apply(2, Trigger::Scheduled, fetched(), &context);
        keys.apply(1, Trigger::Scheduled, failed("older"), &context);
        let status = keys.status();
        assert_eq!((status.keys, status.fetches, status.failures), (1, 1, 0));
        assert_eq!(status.last_error, None);
        // A newer failure counts, and keeps the keys.
        keys.apply(3, Trigger::Scheduled, failed("newer"), &context);
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
