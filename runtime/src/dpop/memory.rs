//! The in-process replay store: claimguard's bounded cache holding each
//! replay key until its window closes, behind an admission count that
//! refuses new proofs when the store is full instead of evicting one that
//! could still be replayed.
//!
//! The cache evicts to make room, which for a replay store would let the
//! evicted proof through a second time. So the store counts what it holds
//! by the second it expires and admits at most `capacity` unexpired keys;
//! the cache is made large enough (each of its shards able to hold far
//! more than its even share) that an admitted key never makes it evict.
//! Should a claim find that the cache lost a live key all the same (an
//! improbable imbalance among shards, or a shard emptied after a panic;
//! the cache says so with each claim), the store refuses that claim and
//! every claim after it until the latest window it holds has closed: it
//! fails closed, never open.

use core::fmt;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use super::error::StoreError;
use super::replay::{ClaimFuture, Claimed, ReplayStore};
use crate::cache::{Claim, ClaimsCache, Life};

/// The unexpired proofs a [`MemoryReplayStore`] holds by default.
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

/// A bounded in-process [`ReplayStore`]: at most `capacity` keys, each of
/// at most `max_key_bytes`, each held until the second it was claimed
/// until, then reclaimed.
///
/// When it holds `capacity` unexpired keys it refuses new ones with
/// [`StoreError::Full`] (fail closed) rather than evict a key whose proof
/// could be replayed; room comes back as keys expire. Size `capacity` for
/// the proofs a window sees (requests per second times the window, plus
/// twice the leeway). Its heap is at most [`max_bytes`](Self::max_bytes)
/// plus a small counter per distinct expiry second.
///
/// One store serves one process; several instances of a service need a
/// shared store (`RedisReplayStore`, feature `redis`). Claims are
/// serialised by one lock, held for one lookup-and-insert in the cache:
/// far less time than the signature check every claim comes after.
pub struct MemoryReplayStore {
    capacity: usize,
    max_key_bytes: usize,
    /// The keys, each with the one value every entry shares: what a key
    /// maps to carries nothing, so an entry costs its key and no value.
    seen: ClaimsCache<()>,
    held: Arc<()>,
    ledger: Mutex<Ledger>,
    life: Arc<Life>,
}

/// How many unexpired keys the store holds, by the second they expire.
#[derive(Default)]
struct Ledger {
    /// `(second, keys expiring then)`, in order of the second, each second
    /// once. Claims come with windows of one length, so a new key's second
    /// is almost always the last one or a new last one: a ring of counts
    /// answers those at its end (a sorted map's search and node allocations
    /// were about a tenth of a claim), and anything else by binary search.
    by_expiry: VecDeque<(u64, usize)>,
    held: usize,
    /// Claims are refused until this second: the cache lost a key before
    /// it expired, and its proof could be replayed until then.
    closed_until: u64,
}

impl Ledger {
    /// Forgets the keys expired at `now`.
    fn expire(&mut self, now: u64) {
        while let Some(&(second, count)) = self.by_expiry.front() {
            if second > now {
                break;
            }
            self.by_expiry.pop_front();
            self.held = self.held.saturating_sub(count);
        }
    }

    fn add(&mut self, until: u64) {
        self.held += 1;
        match self.by_expiry.back_mut() {
            Some((second, count)) if *second == until => *count += 1,
            Some(&mut (second, _)) if second > until => {
                match self
                    .by_expiry
                    .binary_search_by_key(&until, |&(second, _)| second)
                {
                    Ok(at) => {
                        if let Some((_, count)) = self.by_expiry.get_mut(at) {
                            *count += 1;
                        }
                    }
                    Err(at) => self.by_expiry.insert(at, (until, 1)),
                }
            }
            _ => self.by_expiry.push_back((until, 1)),
        }
    }

    /// Refuses claims until every key held now has expired: one of them
    /// was lost, and each expires by the latest second counted.
    fn close(&mut self) {
        let latest = self.by_expiry.back().map_or(0, |&(until, _)| until);
        self.closed_until = self.closed_until.max(latest);
    }
}

/// Cache slots for `capacity` admitted keys: sixteen shards (the most the
/// cache splits into), each able to hold its even share plus eight
/// standard deviations plus sixteen, or all of them when that is no more;
/// a shard then overflows with a probability below 1e-15.
fn slots_for(capacity: usize) -> usize {
    let share = capacity / 16;
    let per_shard = share
        .saturating_add(share.isqrt().saturating_mul(8))
        .saturating_add(16)
        .min(capacity);
    per_shard.saturating_mul(16)
}

impl MemoryReplayStore {
    /// A store of at most `capacity` unexpired keys of at most
    /// `max_key_bytes` each (a DPoP verifier's keys are
    /// [`DpopBuilder::replay_key_bytes`](super::DpopBuilder::replay_key_bytes)
    /// long at most). A longer key is refused with
    /// [`StoreError::KeyTooLong`].
    pub fn new(capacity: usize, max_key_bytes: usize) -> Self {
        Self {
            capacity,
            max_key_bytes,
            // Its series are the cache's, under a name of their own.
            seen: ClaimsCache::new(slots_for(capacity), max_key_bytes, 0, None, u64::MAX)
                .labelled("claimguard::dpop::MemoryReplayStore"),
            held: Arc::default(),
            ledger: Mutex::default(),
            life: Arc::default(),
        }
    }

    /// The most unexpired keys it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The most bytes its cache can hold (entries at their largest, and
    /// what the cache allocates once), besides its per-second counters.
    pub fn max_bytes(&self) -> usize {
        self.seen.max_bytes()
    }

    /// The unexpired keys it held at the last claim.
    pub fn len(&self) -> usize {
        self.ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .held
    }

    /// Whether it held no unexpired key at the last claim.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The claim itself, under the lock that makes it atomic.
    fn claim_now(&self, key: &str, until: u64, now: u64) -> Result<Claimed, StoreError> {
        if key.len() > self.max_key_bytes {
            return Err(StoreError::KeyTooLong);
        }
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        if now < ledger.closed_until {
            return Err(StoreError::Full);
        }
        // A key whose window has closed has nothing left to guard: fresh
        // unless held, and not stored (the cache keeps nothing expired).
        let guard = until > now;
        let admit = || {
            if guard {
                ledger.expire(now);
                if ledger.held >= self.capacity {
                    return Err(StoreError::Full);
                }
            }
            Ok(Arc::clone(&self.held))
        };
        let claimed = self.seen.claim(key, &self.life, until, now, admit)?;
        if claimed.claim == Claim::Kept {
            ledger.add(until);
        }
        if claimed.lost > 0 {
            // This very key may have been among those lost, if its shard
            // was emptied before the lookup: refused too.
            ledger.close();
            return Err(StoreError::Full);
        }
        match claimed.claim {
            Claim::Held => Ok(Claimed::Replayed),
            Claim::Kept => Ok(Claimed::Fresh),
            Claim::NotKept if !guard => Ok(Claimed::Fresh),
            // The cache skips what it cannot hold; a key it did not keep
            // could be replayed, so the proof is refused.
            Claim::NotKept => Err(StoreError::Full),
        }
    }
}

impl Default for MemoryReplayStore {
    /// [`DEFAULT_REPLAY_CAPACITY`] keys of a default verifier's length.
    fn default() -> Self {
        Self::new(
            DEFAULT_REPLAY_CAPACITY,
            super::replay::replay_key_bytes(super::replay::DEFAULT_MAX_JTI_BYTES),
        )
    }
}

impl ReplayStore for MemoryReplayStore {
    fn claim<'a>(&'a self, key: &'a str, until: u64, now: u64) -> ClaimFuture<'a> {
        Box::pin(core::future::ready(self.claim_now(key, until, now)))
    }

    fn claim_at_once(
        &self,
        key: &str,
        until: u64,
        now: u64,
    ) -> Option<Result<Claimed, StoreError>> {
        Some(self.claim_now(key, until, now))
    }
}

impl fmt::Debug for MemoryReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The keys are the proofs' `jti`s: never shown.
        f.debug_struct("MemoryReplayStore")
            .field("capacity", &self.capacity)
            .field("max_key_bytes", &self.max_key_bytes)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    fn claim(
        store: &MemoryReplayStore,
        key: &str,
        until: u64,
        now: u64,
    ) -> Result<Claimed, StoreError> {
        store.claim_now(key, until, now)
    }

    #[test]
    fn a_key_is_fresh_once_until_it_expires() {
        let store = MemoryReplayStore::new(10, 64);
        assert_eq!(claim(&store, "k", NOW + 61, NOW), Ok(Claimed::Fresh));
        assert_eq!(claim(&store, "k", NOW + 61, NOW), Ok(Claimed::Replayed));
        assert_eq!(
            claim(&store, "k", NOW + 99, NOW + 60),
            Ok(Claimed::Replayed)
        );
        // At `until` it is gone, and may be claimed again.
        assert_eq!(claim(&store, "k", NOW + 122, NOW + 61), Ok(Claimed::Fresh));
        assert_eq!(claim(&store, "other", NOW + 61, NOW), Ok(Claimed::Fresh));
        // Nothing to guard past its window.
        assert_eq!(claim(&store, "late", NOW, NOW), Ok(Claimed::Fresh));
        assert_eq!(claim(&store, "late", NOW + 5, NOW), Ok(Claimed::Fresh));
    }

    #[test]
    fn a_full_store_refuses_instead_of_forgetting() {
        for capacity in [1, 2, 7, 64, 1000] {
            let store = MemoryReplayStore::new(capacity, 64);
            for i in 0..capacity {
                assert_eq!(
                    claim(&store, &format!("k{i}"), NOW + 60, NOW),
                    Ok(Claimed::Fresh),
                    "{capacity}: {i}"
                );
            }
            assert_eq!(store.len(), capacity);
            assert_eq!(
                claim(&store, "one-more", NOW + 60, NOW),
                Err(StoreError::Full),
                "{capacity}"
            );
            // Every key admitted is still held: none was evicted.
            for i in 0..capacity {
                assert_eq!(
                    claim(&store, &format!("k{i}"), NOW + 60, NOW),
                    Ok(Claimed::Replayed),
                    "{capacity}: {i}"
                );
            }
            // Room comes back when keys expire, and not before.
            assert_eq!(
                claim(&store, "one-more", NOW + 70, NOW + 59),
                Err(StoreError::Full)
            );
            assert_eq!(
                claim(&store, "one-more", NOW + 120, NOW + 60),
                Ok(Claimed::Fresh)
            );
            assert_eq!(store.len(), 1);
        }
    }

    #[test]
    fn keys_expire_second_by_second() {
        let store = MemoryReplayStore::new(3, 64);
        for (key, until) in [("a", NOW + 1), ("b", NOW + 2), ("c", NOW + 3)] {
            assert_eq!(claim(&store, key, until, NOW), Ok(Claimed::Fresh));
        }
        assert_eq!(claim(&store, "d", NOW + 9, NOW), Err(StoreError::Full));
        assert_eq!(claim(&store, "d", NOW + 9, NOW + 1), Ok(Claimed::Fresh));
        assert_eq!(claim(&store, "e", NOW + 9, NOW + 1), Err(StoreError::Full));
        assert_eq!(claim(&store, "e", NOW + 9, NOW + 2), Ok(Claimed::Fresh));
        assert_eq!(claim(&store, "b", NOW + 9, NOW + 2), Err(StoreError::Full));
    }

    #[test]
    fn long_keys_are_refused() {
        let store = MemoryReplayStore::new(4, 8);
        assert_eq!(claim(&store, "12345678", NOW + 1, NOW), Ok(Claimed::Fresh));
        assert_eq!(
            claim(&store, "123456789", NOW + 1, NOW),
            Err(StoreError::KeyTooLong)
        );
    }

    #[test]
    fn a_key_lost_early_closes_the_store_until_the_latest_window_ends() {
        let store = MemoryReplayStore::new(4, 64);
        assert_eq!(claim(&store, "a", NOW + 60, NOW), Ok(Claimed::Fresh));
        assert_eq!(claim(&store, "b", NOW + 90, NOW), Ok(Claimed::Fresh));
        // A panic while a shard was locked: the cache empties it at the
        // next claim, and the replay of "a" that finds it empty is refused.
        store.seen.poison();
        assert_eq!(claim(&store, "a", NOW + 60, NOW + 1), Err(StoreError::Full));
        // Closed, until "b", the latest key held, has expired.
        assert_eq!(
            claim(&store, "c", NOW + 70, NOW + 30),
            Err(StoreError::Full)
        );
        assert_eq!(
            claim(&store, "c", NOW + 99, NOW + 89),
            Err(StoreError::Full)
        );
        assert_eq!(claim(&store, "c", NOW + 99, NOW + 90), Ok(Claimed::Fresh));
        assert_eq!(
            claim(&store, "c", NOW + 99, NOW + 91),
            Ok(Claimed::Replayed)
        );
    }

    #[test]
    fn a_shard_emptied_of_expired_keys_only_leaves_the_store_open() {
        let store = MemoryReplayStore::new(4, 64);
        assert_eq!(claim(&store, "a", NOW + 60, NOW), Ok(Claimed::Fresh));
        store.seen.poison();
        // "a"'s shard is emptied at this claim, but "a" had expired.
        assert_eq!(claim(&store, "a", NOW + 120, NOW + 60), Ok(Claimed::Fresh));
        assert_eq!(
            claim(&store, "a", NOW + 120, NOW + 61),
            Ok(Claimed::Replayed)
        );
        // Empty poisoned shards lose nothing either.
        let empty = MemoryReplayStore::new(4, 64);
        empty.seen.poison();
        assert_eq!(claim(&empty, "b", NOW + 60, NOW), Ok(Claimed::Fresh));
    }

    #[test]
    fn concurrent_claims_of_one_key_give_one_fresh() {
        for round in 0..20 {
            let store = Arc::new(MemoryReplayStore::new(64, 64));
            let fresh: usize = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..4)
                    .map(|_| {
                        let store = Arc::clone(&store);
                        scope.spawn(move || {
                            (0..16)
                                .filter(|i| {
                                    claim(&store, &format!("k{i}"), NOW + 60, NOW)
                                        == Ok(Claimed::Fresh)
                                })
                                .count()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
            });
            assert_eq!(fresh, 16, "round {round}");
        }
    }

    #[test]
    fn the_cache_is_sized_to_never_evict_an_admitted_key() {
        assert_eq!(slots_for(1), 16);
        assert_eq!(slots_for(10), 160);
        assert!(slots_for(100_000) < 120_000);
        assert!(slots_for(100_000) >= 100_000);
        assert_eq!(slots_for(usize::MAX), usize::MAX);
    }

    #[test]
    fn debug_shows_no_key() {
        let store = MemoryReplayStore::new(4, 64);
        let _ = claim(&store, "secret-jti", NOW + 1, NOW);
        assert!(!format!("{store:?}").contains("secret"));
    }

    /// The ledger's counts stay in order of the second whatever order the
    /// seconds come in, and expire by the second (against a sorted map).
    #[test]
    fn the_ledger_counts_seconds_in_any_order() {
        let mut ledger = Ledger::default();
        let mut model = std::collections::BTreeMap::<u64, usize>::new();
        // A fixed pseudo-random order: mostly the latest second, sometimes
        // an earlier or a later one.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for step in 0..2_000_u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let now = NOW + step / 20;
            let until = match x % 8 {
                0 => now + 1 + x % 5,
                1 => now + 30 + x % 40,
                _ => now + 30,
            };
            ledger.expire(now);
            model.retain(|&second, _| second > now);
            ledger.add(until);
            *model.entry(until).or_default() += 1;
            let counts: Vec<(u64, usize)> = ledger.by_expiry.iter().copied().collect();
            let expected: Vec<(u64, usize)> = model.iter().map(|(&s, &c)| (s, c)).collect();
            assert_eq!(counts, expected, "step {step}");
            assert_eq!(ledger.held, model.values().sum::<usize>(), "step {step}");
        }
        ledger.close();
        assert_eq!(Some(ledger.closed_until), model.keys().last().copied());
    }

    #[test]
    fn expired_keys_are_reclaimed_as_claims_come_not_when_the_store_fills() {
        // One claim a second, each held two seconds, in a store of 1 000:
        // a shard's oldest key goes at the shard's next claim once it has
        // expired, so no shard holds more than the keys live at once (two)
        // plus one, whatever shard the hasher's seed puts each key in.
        let store = MemoryReplayStore::new(1_000, 64);
        for i in 0..1_000_u64 {
            let now = NOW + i;
            assert_eq!(
                claim(&store, &format!("k{i}"), now + 2, now),
                Ok(Claimed::Fresh)
            );
        }
        let stats = store.seen.stats();
        assert!(stats.entries <= 16 * 3, "{stats:?}");
        assert_eq!(stats.evictions, 0);
        assert!(stats.expirations >= 1_000 - 16 * 3, "{stats:?}");
    }
}
