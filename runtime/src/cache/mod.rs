//! The bounded cache of verified claims.
//!
//! A token that verified once maps to its decoded claims until the earlier of
//! the token's own `exp` and the cache's time-to-live, so a repeated request
//! skips signature verification and decoding.
//!
//! # Bounds
//!
//! Both the number of entries and the bytes are hard ceilings that hold
//! after every call: an insert evicts before it adds, and an entry that could
//! never fit is not cached at all. An entry accounts for
//! [`ClaimsCache::entry_bytes`]: the token, the caller's worst-case size of
//! the claims, and the `Arc`'s counts. What every shard allocates besides its
//! entries (its slab of slots, its hash index, its ghost) is allocated
//! once, at its full size, on the shard's first insert, and never grows, so
//! [`ClaimsCache::ceiling`] is a true upper bound of the heap the cache can
//! hold, computed before any traffic: a byte budget below it is spent on
//! that fixed part first and on entries with the rest.
//!
//! # Eviction: S3-FIFO
//!
//! Each shard keeps its entries in two FIFO queues with a two-bit hit count
//! each, and the hashes of recently evicted entries in a third, the ghost
//! (Yang et al., "FIFO queues are all you need for cache eviction", SOSP
//! 2023). A new entry goes to the main queue while that holds less than
//! its share (nine in ten of the slots) or when its hash is in the ghost,
//! and to the small queue otherwise: what fills an empty cache stays until
//! better entries push it out, as in quick_cache. A hit only counts (one
//! byte written, no relinking), which keeps the time a shard lock is held on
//! the hot path minimal. To make room, the small queue gives up its oldest
//! entry: one that was hit moves to the main queue with one hit fewer, one
//! that was not is evicted and remembered by the ghost. The main queue holds
//! at most nine in ten of the slots; past that, its oldest entry goes back
//! to the front with one hit fewer, or is evicted when it has none left. An
//! expired entry met on the way is taken first, and every insert first
//! takes the main queue's oldest entry if it has expired (or its key was
//! withdrawn), full or not, so expired entries do not wait for the shard to
//! fill (the DPoP replay store's keys, each held for one window, are
//! reclaimed as new ones come). One-off tokens thus pass
//! through the small queue without flushing the entries that are reused,
//! and a token that comes back soon after its eviction is kept longer the
//! second time; on skewed traffic this keeps more hits than LRU or SIEVE.
//! Eviction is amortised O(1): each step evicts, moves an entry out of the
//! small queue once, or spends a hit.
//!
//! # Layout
//!
//! The queues are index-linked lists over a slab (`Vec` of slots, the free
//! ones chained through the slab itself), so nothing needs `unsafe`; a
//! `hashbrown::HashTable` maps hashes to slab indices. The full token is
//! stored in its entry and compared on every lookup, so a hash collision can
//! never return another token's claims. The hasher is foldhash, seeded at
//! random for each cache, so an attacker who does not know the seed cannot
//! aim tokens at one bucket; and since keys are compared in full, even a
//! crafted collision only costs a probe, never a wrong answer (and only a
//! verified token is ever inserted). foldhash is used over SipHash because a
//! token is ~450 bytes and SipHash over that many bytes cost more than the
//! rest of a hit.
//!
//! The cache is split into up to [`MAX_SHARDS`] shards, each behind its own
//! mutex, on its own cache lines, and chosen from bits of the hash that the
//! index itself does not use for bucket selection, so concurrent requests
//! rarely contend.

mod ghost;
pub(crate) mod metrics;
mod shard;

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use foldhash::SharedSeed;
use foldhash::fast::SeedableRandomState;

use shard::{New, Shard, Slot};

/// Most shards a cache is split into; a power of two so a mask picks one.
const MAX_SHARDS: usize = 16;

/// Counters and sizes of a claims cache, summed over its shards.
///
/// The counters only grow until the process ends; `entries` and `bytes` are
/// the current occupancy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups that returned cached claims.
    pub hits: u64,
    /// Lookups that found nothing usable (absent or expired).
    pub misses: u64,
    /// Entries added.
    pub inserts: u64,
    /// Live entries removed to make room under the entry or byte bound (or
    /// dropped with a shard emptied after a panic while it was locked).
    pub evictions: u64,
    /// Expired entries removed, whether found by a lookup or by eviction.
    pub expirations: u64,
    /// Entries removed because the key that verified them was withdrawn.
    pub withdrawn: u64,
    /// Entries currently cached.
    pub entries: u64,
    /// Accounted bytes of the entries currently cached (tokens and claims;
    /// the fixed part each shard allocates once is not included).
    pub bytes: u64,
}

/// Whether the key that verified an entry is still in its verifier's key
/// set. An entry keeps the life of its key beside it and is served only
/// while the key lives, so that withdrawing a key (a refresh that no longer
/// publishes it, a `replace_keys` without it) makes every claim it verified
/// unreachable at once, and nothing else.
#[derive(Debug, Default)]
pub(crate) struct Life(AtomicBool);

impl Life {
    /// Whether the key is still in use.
    pub(crate) fn live(&self) -> bool {
        !self.0.load(Ordering::Acquire)
    }

    /// Marks the key withdrawn, for good.
    pub(crate) fn withdraw(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// A value on cache lines of its own, so that two shards' locks and
/// counters never share one.
#[repr(align(128))]
struct Padded<T>(T);

/// What [`ClaimsCache::claim`] found.
#[cfg(feature = "dpop")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// A live entry had the token: nothing changed.
    Held,
    /// The token had none, and is cached now.
    Kept,
    /// The token had none, and could not be cached.
    NotKept,
}

/// What [`ClaimsCache::claim`] did.
#[cfg(feature = "dpop")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Claimed {
    pub(crate) claim: Claim,
    /// Live entries the shard lost meanwhile: evicted to make room, or
    /// emptied with the shard after a panic (when it was locked, before the
    /// lookup). Entries that had expired or whose key was withdrawn are not
    /// counted.
    pub(crate) lost: u64,
}

/// A bounded, sharded map from a verified token to its claims.
pub(crate) struct ClaimsCache<V> {
    shards: Box<[Padded<Mutex<Shard<V>>>]>,
    /// `shards.len() - 1`; the length is a power of two.
    mask: usize,
    hasher: SeedableRandomState,
    ttl: u64,
    max_bytes: usize,
    /// The cache's series, labelled with the claims type's name.
    #[cfg(feature = "metrics")]
    series: metrics::Series,
}

/// How a cache is split and what each shard may hold.
#[derive(Clone, Copy)]
struct Sizes {
    capacity: usize,
    count: usize,
    /// The accounted size of the largest entry.
    largest: usize,
    /// The budget, if one below the ceiling was given.
    budget: Option<usize>,
}

impl Sizes {
    fn new(
        capacity: usize,
        max_token_bytes: usize,
        value_bytes: usize,
        budget: Option<usize>,
        max_shards: usize,
    ) -> Self {
        Self {
            capacity,
            count: shard_count(capacity, max_shards),
            largest: ClaimsCache::<()>::entry_bytes(max_token_bytes, value_bytes),
            budget,
        }
    }

    /// Shard `i`'s entries, and the bytes its entries may account for: all
    /// of them at their largest without a budget (or with one at or above
    /// the ceiling); else an even share of what the budget leaves once every
    /// shard's fixed part is paid for.
    fn shard<V>(self, i: usize) -> (usize, usize) {
        let entries = share(self.capacity, self.count, i);
        let full = entries.saturating_mul(self.largest);
        let Some(budget) = self.budget.filter(|&b| b < self.ceiling::<V>()) else {
            return (entries, full);
        };
        let mut fixed = ClaimsCache::<V>::shards_bytes(self.count);
        for j in 0..self.count {
            fixed = fixed.saturating_add(ClaimsCache::<V>::shard_fixed_bytes(share(
                self.capacity,
                self.count,
                j,
            )));
        }
        let spare = budget.saturating_sub(fixed);
        (entries, share(spare, self.count, i).min(full))
    }

    fn ceiling<V>(self) -> usize {
        ClaimsCache::<V>::ceiling_with(self.capacity, self.largest, self.count)
    }

    fn max_bytes<V>(self) -> usize {
        let ceiling = self.ceiling::<V>();
        self.budget.map_or(ceiling, |budget| budget.min(ceiling))
    }
}

/// The most entries of a shard of `max_entries` that the main queue keeps:
/// nine in ten, S3-FIFO's split (the small queue has the rest; new entries
/// go to the main queue while it holds less).
const fn main_target(max_entries: usize) -> usize {
    max_entries / 10 * 9 + max_entries % 10 * 9 / 10
}

/// How many hashes of entries evicted from the small queue a shard of
/// `max_entries` entries remembers: one generation of its ghost is half as
/// many as its main queue holds, so the ghost remembers between that and as
/// many as the main queue holds. (Of the settings tried on the bench's Zipf
/// traces, this with a 90/10 split and two-bit hit counts kept the most
/// hits; quick_cache's 97/3 split was within 0.05 points of it.)
const fn ghost_generation(max_entries: usize) -> usize {
    main_target(max_entries) / 2
}

/// The capacity a shard's hash index of at most `items` entries is created
/// with: a quarter more than it holds. A removed entry's slot in the index is
/// left as a tombstone only when its whole probe group is full, which at
/// this load is rare; when tombstones have used up the spare quarter, the
/// shard rebuilds the index in the memory it has (`Shard::rebuild_index`),
/// so hashbrown never allocates a larger table. (An index sized so that
/// hashbrown itself reclaims tombstones in place, twice what it holds, made
/// a cold hit 7 % slower: the index's control bytes and slot numbers are
/// twice as far apart, on more pages.)
const fn index_capacity(items: usize) -> usize {
    items.saturating_add(items / 4).saturating_add(1)
}

/// The bytes of a hashbrown table created for [`index_capacity`]`(items)` entries
/// of `slot` bytes: its buckets (a power of two holding at most 7/8 full),
/// and a control byte per bucket plus a trailing group, with the group width
/// and alignment of x86-64 (16, the widest hashbrown uses), so an upper bound
/// elsewhere.
const fn table_bytes(items: usize, slot: usize) -> usize {
    const GROUP: usize = 16;
    if items == 0 {
        return 0;
    }
    let capacity = index_capacity(items);
    let buckets = if capacity < 4 {
        4
    } else if capacity < 8 {
        8
    } else if capacity < 15 {
        16
    } else {
        (capacity.saturating_mul(8) / 7).next_power_of_two()
    };
    let data = slot.saturating_mul(buckets).next_multiple_of(GROUP);
    data.saturating_add(buckets).saturating_add(GROUP)
}

/// The number of shards for `capacity` entries: a power of two, at most
/// [`MAX_SHARDS`] and at most `max_shards`, and never more than entries.
const fn shard_count(capacity: usize, max_shards: usize) -> usize {
    let limit = if max_shards < MAX_SHARDS {
        max_shards
    } else {
        MAX_SHARDS
    };
    let mut count = 1;
    while count * 2 <= limit && count * 2 <= capacity {
        count *= 2;
    }
    count
}

/// Part `index` of `total` split over `parts`, the remainder going to the
/// first parts, so the parts add up to exactly `total`.
const fn share(total: usize, parts: usize, index: usize) -> usize {
    total / parts + (index < total % parts) as usize
}

impl<V> ClaimsCache<V> {
    /// A cache of at most `capacity` entries of tokens of at most
    /// `max_token_bytes`, whose values each account for `value_bytes`
    /// (`size_of::<V>()` plus the claims' worst-case heap bytes), within
    /// `budget` bytes in all if one is given (else its [`ceiling`](Self::ceiling)),
    /// and whose entries live at most `ttl` seconds. Its hasher's seed is
    /// random.
    ///
    /// A `capacity` of zero, or a budget below what the cache's fixed part
    /// needs, gives a cache that stores nothing.
    pub(crate) fn new(
        capacity: usize,
        max_token_bytes: usize,
        value_bytes: usize,
        budget: Option<usize>,
        ttl: u64,
    ) -> Self {
        let sizes = Sizes::new(capacity, max_token_bytes, value_bytes, budget, MAX_SHARDS);
        Self::build(sizes, value_bytes, ttl, SeedableRandomState::random())
    }

    /// [`Self::new`] with a fixed hasher seed, for runs that must repeat
    /// exactly (which tokens share a shard decides what is evicted).
    pub(crate) fn with_seed(
        capacity: usize,
        max_token_bytes: usize,
        value_bytes: usize,
        budget: Option<usize>,
        ttl: u64,
        seed: u64,
    ) -> Self {
        let sizes = Sizes::new(capacity, max_token_bytes, value_bytes, budget, MAX_SHARDS);
        let hasher = SeedableRandomState::with_seed(seed, SharedSeed::global_fixed());
        Self::build(sizes, value_bytes, ttl, hasher)
    }

    fn build(sizes: Sizes, value_bytes: usize, ttl: u64, hasher: SeedableRandomState) -> Self {
        let shards = (0..sizes.count)
            .map(|i| {
                let (entries, budget) = sizes.shard::<V>(i);
                Padded(Mutex::new(Shard::new(entries, budget, value_bytes)))
            })
            .collect();
        Self {
            shards,
            mask: sizes.count - 1,
            hasher,
            ttl,
            max_bytes: sizes.max_bytes::<V>(),
            #[cfg(feature = "metrics")]
            series: metrics::Series::new(""),
        }
    }

    /// Labels the cache's series with `label` (the claims type's name).
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables, unused_mut))]
    pub(crate) fn labelled(mut self, label: &'static str) -> Self {
        #[cfg(feature = "metrics")]
        {
            self.series = metrics::Series::new(label);
        }
        self
    }

    /// Runs `f` on a locked shard and, with the `metrics` feature, records
    /// what it changed.
    #[inline]
    fn counted<R>(
        &self,
        mut shard: MutexGuard<'_, Shard<V>>,
        f: impl FnOnce(&mut Shard<V>) -> R,
    ) -> R {
        #[cfg(feature = "metrics")]
        {
            let before = shard.tally();
            let result = f(&mut shard);
            let after = shard.tally();
            drop(shard);
            self.series.record(&after.since(&before));
            result
        }
        #[cfg(not(feature = "metrics"))]
        f(&mut shard)
    }

    /// The most bytes this cache can hold: its [`ceiling`](Self::ceiling),
    /// or the budget it was given if that is smaller.
    pub(crate) fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// The accounted size of one entry: the token's bytes, `value_bytes`
    /// (the claims, with their worst-case heap), and the `Arc`'s two counts.
    /// Saturates instead of overflowing, so an absurd size is simply too big.
    pub(crate) const fn entry_bytes(token_len: usize, value_bytes: usize) -> usize {
        token_len
            .saturating_add(value_bytes)
            .saturating_add(2 * size_of::<usize>())
    }

    /// The most bytes a cache of `capacity` entries can hold, whose tokens
    /// are at most `max_token_bytes` long and whose values account for
    /// `value_bytes`: every entry at its largest, plus what the shards
    /// allocate once (their slabs, indexes and ghosts) and the shards
    /// themselves. [`Claims::CACHE_MAX_BYTES`](crate::Claims) and a
    /// verifier's cache ceiling are this.
    pub(crate) const fn ceiling(
        capacity: usize,
        max_token_bytes: usize,
        value_bytes: usize,
    ) -> usize {
        Self::ceiling_with(
            capacity,
            Self::entry_bytes(max_token_bytes, value_bytes),
            shard_count(capacity, MAX_SHARDS),
        )
    }

    /// The ceiling of `capacity` entries of at most `largest` accounted
    /// bytes in `count` shards.
    const fn ceiling_with(capacity: usize, largest: usize, count: usize) -> usize {
        let mut total = Self::shards_bytes(count);
        let mut i = 0;
        while i < count {
            let entries = share(capacity, count, i);
            total = total
                .saturating_add(entries.saturating_mul(largest))
                .saturating_add(Self::shard_fixed_bytes(entries));
            i += 1;
        }
        total
    }

    /// The boxed array of `count` shards.
    const fn shards_bytes(count: usize) -> usize {
        count.saturating_mul(size_of::<Padded<Mutex<Shard<V>>>>())
    }

    /// What a shard of `entries` entries allocates once, on its first
    /// insert: its slab, its index and its ghost.
    const fn shard_fixed_bytes(entries: usize) -> usize {
        entries
            .saturating_mul(size_of::<Slot<V>>())
            .saturating_add(table_bytes(entries, size_of::<u32>()))
            .saturating_add(ghost::Ghost::bytes_for(ghost_generation(entries)))
    }

    /// The cached claims of `token`, or `None` if it is absent, has expired
    /// at `now`, or was verified by a key since withdrawn (such an entry is
    /// removed). The token is compared as
    /// bytes, so a caller can look up what a request carries before checking
    /// that it is text: an entry's token always is.
    pub(crate) fn get(&self, token: &(impl AsRef<[u8]> + ?Sized), now: u64) -> Option<Arc<V>> {
        let token = token.as_ref();
        let hash = self.hasher.hash_one(token);
        let shard = self.lock(hash)?;
        self.counted(shard, |shard| shard.get(hash, token, now))
    }

    /// Caches `value` for `token` until `min(exp, now + ttl)`, or until
    /// `life` (that of the key that verified it) is withdrawn.
    ///
    /// An earlier entry for `token` is replaced, so a lookup never sees a
    /// value older than the latest insert (and is dropped if the new one
    /// would already be expired); nothing is added if the entry would
    /// already be expired, could never fit in its shard, or its key is
    /// already withdrawn.
    pub(crate) fn insert(&self, token: &str, value: Arc<V>, life: &Arc<Life>, exp: u64, now: u64) {
        if !life.live() {
            // Its key was withdrawn while the token was being verified.
            return;
        }
        let hash = self.hasher.hash_one(token.as_bytes());
        let Some(shard) = self.lock(hash) else {
            return;
        };
        let new = self.entry(token, value, life, hash, exp, now);
        self.counted(shard, |shard| {
            shard.insert(new, now);
        });
    }

    /// The entry for `token`, to live until `min(exp, now + ttl)`.
    fn entry<'t>(
        &self,
        token: &'t str,
        value: Arc<V>,
        life: &Arc<Life>,
        hash: u64,
        exp: u64,
        now: u64,
    ) -> New<'t, V> {
        New {
            token,
            value,
            life: Arc::clone(life),
            hash,
            expires_at: exp.min(now.saturating_add(self.ttl)),
        }
    }

    /// For a store of keys each claimed once (the DPoP replay store): under
    /// one lock of `token`'s shard, looks it up (a hit if it has a live
    /// entry: [`Claim::Held`]), and otherwise caches what `admit` gives for
    /// it until `min(exp, now + ttl)`, or the error `admit` gives. One hash
    /// and one lock, where a lookup, an insert and a lookup to see that the
    /// insert was kept took three of each. Says how many live entries the
    /// shard lost meanwhile, so that a store which must not forget can tell.
    #[cfg(feature = "dpop")]
    pub(crate) fn claim<E>(
        &self,
        token: &str,
        life: &Arc<Life>,
        exp: u64,
        now: u64,
        admit: impl FnOnce() -> Result<Arc<V>, E>,
    ) -> Result<Claimed, E> {
        let hash = self.hasher.hash_one(token.as_bytes());
        let Some((shard, emptied)) = self.lock_reporting(hash, now) else {
            return Ok(Claimed {
                claim: Claim::NotKept,
                lost: 0,
            });
        };
        self.counted(shard, |shard| {
            let evicted = shard.evictions;
            let claim = if shard.get(hash, token.as_bytes(), now).is_some() {
                Claim::Held
            } else if !life.live() {
                Claim::NotKept
            } else {
                let new = self.entry(token, admit()?, life, hash, exp, now);
                // The lookup just missed: no entry to replace.
                if shard.insert_absent(new, now) {
                    Claim::Kept
                } else {
                    Claim::NotKept
                }
            };
            let lost = emptied.saturating_add(shard.evictions.saturating_sub(evicted));
            Ok(Claimed { claim, lost })
        })
    }

    /// Removes every entry, keeping the counters.
    pub(crate) fn clear(&self) {
        for shard in &self.shards {
            self.counted(self.lock_shard(&shard.0), Shard::reset);
        }
    }

    /// The counters and occupancy, summed over the shards.
    ///
    /// Shards are read one after another, so under concurrent use the sum is
    /// not one instant's snapshot, but each shard's part respects its bounds.
    pub(crate) fn stats(&self) -> CacheStats {
        let mut total = CacheStats::default();
        for shard in &self.shards {
            let shard = self.lock_shard(&shard.0);
            total.hits += shard.hits;
            total.misses += shard.misses;
            total.inserts += shard.inserts;
            total.evictions += shard.evictions;
            total.expirations += shard.expirations;
            total.withdrawn += shard.withdrawn;
            total.entries += shard.len as u64;
            total.bytes += shard.bytes as u64;
        }
        total
    }

    /// Panics unless every shard is internally consistent.
    #[cfg(test)]
    fn check(&self) {
        for shard in &self.shards {
            self.lock_shard(&shard.0).check();
        }
    }

    fn lock(&self, hash: u64) -> Option<MutexGuard<'_, Shard<V>>> {
        self.shards
            .get(self.shard_of(hash))
            .map(|shard| self.lock_shard(&shard.0))
    }

    /// Locks a shard, recovering from poisoning by emptying it: a panic (say
    /// in a claims type's `Drop`) may have left its links half-updated, and
    /// an empty shard is always consistent. What it held counts as evicted.
    fn lock_shard<'s>(&self, shard: &'s Mutex<Shard<V>>) -> MutexGuard<'s, Shard<V>> {
        match shard.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                self.recover(shard, &mut guard);
                guard
            }
        }
    }

    /// Empties a poisoned shard, counting what it held as evicted, in the
    /// shard's counters and (with `metrics`) in the cache's series.
    #[cfg_attr(not(feature = "metrics"), allow(clippy::unused_self))]
    fn recover(&self, shard: &Mutex<Shard<V>>, guard: &mut Shard<V>) {
        #[cfg(feature = "metrics")]
        let before = guard.tally();
        guard.evictions += guard.len as u64;
        guard.reset();
        shard.clear_poison();
        #[cfg(feature = "metrics")]
        self.series.record(&guard.tally().since(&before));
    }

    /// Which shard holds `hash`.
    fn shard_of(&self, hash: u64) -> usize {
        // The index picks buckets with the low bits and tags with the top
        // seven, so the shard comes from bits in between: entries of one shard
        // still spread over all of that shard's buckets and tags.
        ((hash >> 32) as usize) & self.mask
    }

    /// The shard of `hash`, locked, and how many entries live at `now` it
    /// was emptied of because a panic had poisoned it.
    #[cfg(feature = "dpop")]
    fn lock_reporting(&self, hash: u64, now: u64) -> Option<(MutexGuard<'_, Shard<V>>, u64)> {
        let shard = &self.shards.get(self.shard_of(hash))?.0;
        Some(match shard.lock() {
            Ok(guard) => (guard, 0),
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                let emptied = guard.live(now) as u64;
                self.recover(shard, &mut guard);
                (guard, emptied)
            }
        })
    }

    /// Poisons every shard, as a panic while one is locked does.
    #[cfg(all(test, feature = "dpop"))]
    pub(crate) fn poison(&self) {
        for shard in &self.shards {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _guard = shard.0.lock();
                // Unwinds without the panic hook's message.
                std::panic::resume_unwind(Box::new("a panic while the shard is locked"));
            }));
        }
    }
}

#[cfg(test)]
mod tests;
