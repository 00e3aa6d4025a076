//! Where "now" comes from, so that tests can sit exactly on a boundary.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time, in whole seconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> u64;
}

/// The system's wall clock, read on every call. A clock set before 1970
/// reads as 0. [`CoarseClock`] reads the same time for less.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }
}

/// The system's wall clock, read the cheap way: the verifier's default.
///
/// Reading the wall clock (`SystemTime::now`) costs tens of nanoseconds, a
/// visible part of a cache hit. This clock reads the kernel's coarse
/// monotonic clock instead (a few nanoseconds, with the resolution of the
/// kernel's tick, 1 to 10 ms), plus an offset to the wall clock that it
/// takes again from `SystemTime::now` every 100 ms, so that a step of the
/// wall clock (an NTP correction, or a resume from suspend, which the
/// monotonic clock does not count) is followed within 100 ms. In between it
/// reads a little *ahead* of the wall clock, never behind it (it adds 10
/// ms, a tick's worth): so a token issued on this host this very second is
/// never "issued in the future", and a token expires at most a few tens of
/// milliseconds early, far below the one-second resolution of `exp`, `nbf`
/// and `iat`. Clones share one anchor.
#[derive(Clone, Debug)]
pub struct CoarseClock(Arc<Anchor<Kernel>>);

/// Where a coarse clock's two readings come from: the kernel, or a test's
/// hands.
trait Readings: Send + Sync + 'static {
    /// Milliseconds the wall clock reads since the epoch.
    fn wall_millis(&self) -> u64;
    /// Milliseconds of a coarse monotonic clock since some fixed origin.
    fn coarse_millis(&self) -> u64;
}

/// The kernel's clocks.
#[derive(Debug)]
struct Kernel {
    /// The coarse clock's origin for this clock.
    base: coarsetime::Instant,
}

impl Readings for Kernel {
    fn wall_millis(&self) -> u64 {
        wall_millis()
    }

    fn coarse_millis(&self) -> u64 {
        coarsetime::Instant::now_without_cache_update()
            .duration_since(self.base)
            .as_millis()
    }
}

#[derive(Debug)]
struct Anchor<R> {
    readings: R,
    /// Wall-clock milliseconds minus coarse milliseconds, as of the last
    /// re-anchoring (wrapping), plus [`AHEAD_MILLIS`].
    offset: AtomicU64,
    /// Coarse milliseconds at which to re-anchor.
    next: AtomicU64,
}

/// Milliseconds the wall clock reads since the epoch (0 before 1970).
fn wall_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// How often the coarse clock is re-anchored on the wall clock.
const REANCHOR_MILLIS: u64 = 100;
/// Added to coarse readings, which lag the wall clock by up to a tick.
const AHEAD_MILLIS: u64 = 10;
/// A re-anchoring whose two coarse readings are further apart than this
/// (the thread was descheduled between them) is not kept.
const MAX_ANCHOR_GAP_MILLIS: u64 = 20;

impl<R: Readings> Anchor<R> {
    /// An anchor taken from `readings` now.
    fn new(readings: R) -> Self {
        let coarse = readings.coarse_millis();
        let offset = readings
            .wall_millis()
            .wrapping_sub(coarse)
            .wrapping_add(AHEAD_MILLIS);
        Self {
            readings,
            offset: AtomicU64::new(offset),
            next: AtomicU64::new(coarse.saturating_add(REANCHOR_MILLIS)),
        }
    }

    /// Seconds since the epoch: the coarse reading plus the offset, or the
    /// wall clock itself when it is time to re-anchor.
    fn now(&self) -> u64 {
        let coarse = self.readings.coarse_millis();
        if coarse >= self.next.load(Ordering::Relaxed) {
            let wall = self.readings.wall_millis();
            let after = self.readings.coarse_millis();
            // Several threads may re-anchor at once; each writes a correct
            // offset, so whichever lands last is as good as any. A thread
            // descheduled between its readings would write a stale one.
            if after.saturating_sub(coarse) <= MAX_ANCHOR_GAP_MILLIS {
                let offset = wall.wrapping_sub(coarse).wrapping_add(AHEAD_MILLIS);
                self.offset.store(offset, Ordering::Relaxed);
                let next = after.saturating_add(REANCHOR_MILLIS);
                self.next.store(next, Ordering::Relaxed);
            }
            return wall / 1000;
        }
        coarse.wrapping_add(self.offset.load(Ordering::Relaxed)) / 1000
    }
}

impl CoarseClock {
    /// A clock anchored on the wall clock now.
    pub fn new() -> Self {
        Self(Arc::new(Anchor::new(Kernel {
            base: coarsetime::Instant::now_without_cache_update(),
        })))
    }
}

impl Default for CoarseClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for CoarseClock {
    fn now(&self) -> u64 {
        self.0.now()
    }
}

/// A clock that only moves when told to; clones share one time.
///
/// ```
/// use claimguard::{Clock, ManualClock};
/// let clock = ManualClock::new(1_000);
/// let shared = clock.clone();
/// clock.advance(5);
/// assert_eq!(shared.now(), 1_005);
/// ```
///
/// It is a `remote::Timer` too (with the `remote` feature): a remote key source
/// driven by a manual clock refreshes, backs off, times out and cools down
/// exactly when the test moves the clock, never by itself.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<Manual>);

#[derive(Debug, Default)]
struct Manual {
    now: AtomicU64,
    /// The tasks waiting for a time to come, woken whenever it moves.
    sleepers: std::sync::Mutex<Vec<core::task::Waker>>,
}

impl ManualClock {
    /// A clock reading `now`.
    pub fn new(now: u64) -> Self {
        Self(Arc::new(Manual {
            now: AtomicU64::new(now),
            sleepers: std::sync::Mutex::default(),
        }))
    }

    /// Sets the time.
    pub fn set(&self, now: u64) {
        self.0.now.store(now, Ordering::SeqCst);
        self.wake();
    }

    /// Moves the time forward, saturating at `u64::MAX`.
    pub fn advance(&self, seconds: u64) {
        let _ = self
            .0
            .now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(seconds))
            });
        self.wake();
    }

    fn wake(&self) {
        let sleepers = core::mem::take(
            &mut *self
                .0
                .sleepers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for waker in sleepers {
            waker.wake();
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.now.load(Ordering::SeqCst)
    }
}

/// What a remote key source schedules with: a monotonic time in
/// milliseconds, and a sleep until a given one. [`TokioTimer`] (tokio's
/// clock) by default; a [`ManualClock`] for tests, whose seconds it reads.
#[cfg(feature = "remote")]
pub trait Timer: Send + Sync + 'static {
    /// Milliseconds since some fixed origin, never going back.
    fn now_millis(&self) -> u64;

    /// A future that completes once [`now_millis`](Self::now_millis) has
    /// reached `deadline`.
    fn sleep_until(
        &self,
        deadline: u64,
    ) -> core::pin::Pin<Box<dyn core::future::Future<Output = ()> + Send + 'static>>;
}

/// tokio's clock, the default [`Timer`].
#[cfg(feature = "remote")]
#[derive(Clone, Copy, Debug)]
pub struct TokioTimer {
    origin: tokio::time::Instant,
}

#[cfg(feature = "remote")]
impl Default for TokioTimer {
    fn default() -> Self {
        Self {
            origin: tokio::time::Instant::now(),
        }
    }
}

#[cfg(feature = "remote")]
impl Timer for TokioTimer {
    fn now_millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn sleep_until(
        &self,
        deadline: u64,
    ) -> core::pin::Pin<Box<dyn core::future::Future<Output = ()> + Send + 'static>> {
        let at = self.origin + std::time::Duration::from_millis(deadline);
        Box::pin(tokio::time::sleep_until(at))
    }
}

#[cfg(feature = "remote")]
impl Timer for ManualClock {
    fn now_millis(&self) -> u64 {
        self.now().saturating_mul(1000)
    }

    fn sleep_until(
        &self,
        deadline: u64,
    ) -> core::pin::Pin<Box<dyn core::future::Future<Output = ()> + Send + 'static>> {
        let clock = self.clone();
        Box::pin(core::future::poll_fn(move |cx| {
            if clock.now_millis() >= deadline {
                return core::task::Poll::Ready(());
            }
            let mut sleepers = clock
                .0
                .sleepers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Checked again under the lock: a move between the first check
            // and the registration would otherwise be missed.
            if clock.now_millis() >= deadline {
                return core::task::Poll::Ready(());
            }
            sleepers.push(cx.waker().clone());
            core::task::Poll::Pending
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Readings a test sets by hand, in milliseconds; each read of the
    /// coarse clock can also move it (a thread descheduled between two
    /// readings).
    #[derive(Default)]
    struct Hands {
        wall: AtomicU64,
        coarse: AtomicU64,
        /// Added to the coarse clock after every read of it.
        drift_per_read: AtomicU64,
    }

    impl Readings for Arc<Hands> {
        fn wall_millis(&self) -> u64 {
            self.wall.load(Ordering::SeqCst)
        }
        fn coarse_millis(&self) -> u64 {
            let drift = self.drift_per_read.load(Ordering::SeqCst);
            self.coarse.fetch_add(drift, Ordering::SeqCst)
        }
    }

    fn anchor(wall: u64, coarse: u64) -> (Arc<Hands>, Anchor<Arc<Hands>>) {
        let hands = Arc::new(Hands::default());
        hands.wall.store(wall, Ordering::SeqCst);
        hands.coarse.store(coarse, Ordering::SeqCst);
        (Arc::clone(&hands), Anchor::new(hands))
    }

    /// Moves both clocks by `millis`, the coarse one lagging by `lag`.
    fn tick(hands: &Hands, millis: u64, lag: u64) {
        hands.wall.fetch_add(millis, Ordering::SeqCst);
        hands.coarse.fetch_add(millis - lag, Ordering::SeqCst);
    }

    #[test]
    fn reads_ahead_of_the_wall_clock_never_behind() {
        let (hands, clock) = anchor(1_700_000_000_995, 5_000);
        // The anchor reads 10 ms ahead: 999 995 + 10 crosses the second.
        assert_eq!(clock.now(), 1_700_000_001);
        // The coarse clock lagging by a tick (up to 10 ms) keeps it at or
        // ahead of the wall clock.
        tick(&hands, 50, 10);
        assert_eq!(clock.now(), 1_700_000_001);
        assert!(clock.now() >= hands.wall_millis() / 1000);
    }

    #[test]
    fn re_anchors_every_100_ms_on_the_wall_clock() {
        const START: u64 = 10_000_000;
        let (hands, clock) = anchor(START, 0);
        // The wall clock steps back an hour (an NTP correction); within the
        // first 100 ms the clock still reads by its old anchor...
        hands.wall.fetch_sub(3_600_000, Ordering::SeqCst);
        hands.coarse.store(99, Ordering::SeqCst);
        assert_eq!(clock.now(), (START + 99 + AHEAD_MILLIS) / 1000);
        // ...and at 100 ms it reads the wall clock, and keeps its new offset.
        hands.coarse.store(100, Ordering::SeqCst);
        assert_eq!(clock.now(), (START - 3_600_000) / 1000);
        assert_eq!(clock.next.load(Ordering::SeqCst), 200);
        hands.coarse.store(150, Ordering::SeqCst);
        hands.wall.fetch_add(50, Ordering::SeqCst);
        assert_eq!(clock.now(), (START - 3_600_000 + 50 + AHEAD_MILLIS) / 1000);
    }

    #[test]
    fn a_descheduled_re_anchoring_is_not_kept() {
        let (hands, clock) = anchor(2_000_000, 0);
        hands.coarse.store(100, Ordering::SeqCst);
        // 30 ms pass between the two coarse readings of a re-anchoring.
        hands.drift_per_read.store(30, Ordering::SeqCst);
        hands.wall.store(9_000_000, Ordering::SeqCst);
        // The wall clock is still what it answers, but the anchor is kept.
        assert_eq!(clock.now(), 9_000);
        assert_eq!(clock.next.load(Ordering::SeqCst), REANCHOR_MILLIS);
        // The next undisturbed read re-anchors.
        hands.drift_per_read.store(0, Ordering::SeqCst);
        assert_eq!(clock.now(), 9_000);
        assert!(clock.next.load(Ordering::SeqCst) > REANCHOR_MILLIS);
    }

    #[test]
    fn the_kernel_clock_agrees_with_the_wall_clock() {
        // Against the real clocks, with a tolerance only a wall-clock step of
        // more than a second during the test could exceed.
        let coarse = CoarseClock::new();
        for _ in 0..1_000 {
            let now = coarse.now();
            assert!(now.abs_diff(SystemClock.now()) <= 1, "{now}");
        }
        // A clone shares the anchor.
        let clone = coarse.clone();
        assert!(Arc::ptr_eq(&coarse.0, &clone.0));
    }
}
