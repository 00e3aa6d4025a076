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
pub struct CoarseClock(Arc<Anchor>);

#[derive(Debug)]
struct Anchor {
    /// The coarse clock's origin for this clock.
    base: coarsetime::Instant,
    /// Wall-clock milliseconds minus coarse milliseconds since `base`, as of
    /// the last re-anchoring (wrapping).
    offset: AtomicU64,
    /// Coarse milliseconds since `base` at which to re-anchor.
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

impl CoarseClock {
    /// A clock anchored on the wall clock now.
    pub fn new() -> Self {
        Self(Arc::new(Anchor {
            base: coarsetime::Instant::now_without_cache_update(),
            offset: AtomicU64::new(wall_millis().wrapping_add(AHEAD_MILLIS)),
            next: AtomicU64::new(REANCHOR_MILLIS),
        }))
    }

    /// Coarse milliseconds since this clock's base.
    fn elapsed(&self) -> u64 {
        coarsetime::Instant::now_without_cache_update()
            .duration_since(self.0.base)
            .as_millis()
    }
}

impl Default for CoarseClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for CoarseClock {
    fn now(&self) -> u64 {
        let anchor = &*self.0;
        let elapsed = self.elapsed();
        if elapsed >= anchor.next.load(Ordering::Relaxed) {
            let wall = wall_millis();
            let after = self.elapsed();
            // Several threads may re-anchor at once; each writes a correct
            // offset, so whichever lands last is as good as any. A thread
            // descheduled between its readings would write a stale one.
            if after.saturating_sub(elapsed) <= MAX_ANCHOR_GAP_MILLIS {
                let offset = wall.wrapping_sub(elapsed).wrapping_add(AHEAD_MILLIS);
                anchor.offset.store(offset, Ordering::Relaxed);
                let next = after.saturating_add(REANCHOR_MILLIS);
                anchor.next.store(next, Ordering::Relaxed);
            }
            return wall / 1000;
        }
        elapsed.wrapping_add(anchor.offset.load(Ordering::Relaxed)) / 1000
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
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock reading `now`.
    pub fn new(now: u64) -> Self {
        Self(Arc::new(AtomicU64::new(now)))
    }

    /// Sets the time.
    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }

    /// Moves the time forward, saturating at `u64::MAX`.
    pub fn advance(&self, seconds: u64) {
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(seconds))
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarse_clock_reads_the_wall_clock() {
        let coarse = CoarseClock::new();
        for _ in 0..100_000 {
            let before = SystemClock.now();
            let now = coarse.now();
            let after = SystemClock.now();
            // Never behind the wall clock; ahead by a few milliseconds at
            // most, which can straddle a second.
            assert!(before <= now && now <= after + 1, "{before} {now} {after}");
        }
        // A clone shares the anchor.
        let clone = coarse.clone();
        assert!(Arc::ptr_eq(&coarse.0, &clone.0));
    }

    #[test]
    fn the_coarse_clock_re_anchors() {
        let coarse = CoarseClock::new();
        // Pretend the anchor is stale and wrong by an hour: the next read
        // re-anchors and is right again.
        coarse.0.next.store(0, Ordering::Relaxed);
        coarse.0.offset.store(3_600_000, Ordering::Relaxed);
        let now = coarse.now();
        assert!(now.abs_diff(SystemClock.now()) <= 1, "{now}");
        assert!(coarse.0.next.load(Ordering::Relaxed) >= REANCHOR_MILLIS);
        assert!(coarse.now().abs_diff(SystemClock.now()) <= 1);
    }
}
