//! The bounded cache of verified claims.
//!
//! A token that verified once maps to its decoded claims until the earlier of
//! the token's own `exp` and the cache's time-to-live, so a repeated request
//! skips signature verification and decoding.
//!
//! # Bounds
//!
//! Both the number of entries and the accounted bytes are hard ceilings that
//! hold after every call: an insert evicts before it adds, and an entry that
//! could never fit (a token longer than a shard's byte budget) is not cached
//! at all. The bytes of an entry are [`ClaimsCache::entry_bytes`]: the token,
//! the caller's worst-case size of the claims, and a fixed overhead for the
//! bookkeeping that lives as long as the entry.
//!
//! # Eviction: SIEVE
//!
//! Each shard keeps its entries in insertion (FIFO) order with one `visited`
//! bit each. A hit only sets the bit. When room is needed a hand walks from the
//! oldest entry towards the newest, clearing set bits as it passes and evicting
//! the first entry whose bit is clear (or that has expired); it wraps around to
//! the oldest entry and stays where it stopped for the next eviction.
//!
//! SIEVE was chosen over LRU because a hit writes one bit instead of relinking
//! a list, which keeps the time a shard lock is held on the hot path minimal,
//! and because it is scan-resistant: a burst of one-hit wonders (tokens seen
//! once) passes through without flushing the entries that are actually reused.
//! On skewed web traces it also has a better hit ratio than LRU (Zhang et al.,
//! "SIEVE is Simpler than LRU", NSDI 2024). Eviction is amortised O(1): each
//! step of the hand either evicts or clears a bit that some hit set.
//!
//! # Layout
//!
//! The FIFO order is an index-linked list over a slab (`Vec<Option<Entry>>`
//! with a free list), so nothing needs `unsafe`; a `hashbrown::HashTable`
//! maps hashes to slab indices. The full token is stored in its entry and
//! compared on every lookup, so a hash collision can never return another
//! token's claims. The hasher is hashbrown's default (foldhash), whose seed
//! is drawn at random for the process and mixed per cache, so an attacker
//! who does not know the seed cannot aim tokens at one bucket; and since keys
//! are compared in full, even a crafted collision only costs a probe, never a
//! wrong answer. foldhash is used over SipHash because a token is ~450 bytes
//! and SipHash over that many bytes cost more than the rest of a hit.
//!
//! The cache is split into up to [`MAX_SHARDS`] shards, each behind its own
//! mutex and chosen from bits of the hash that the table itself does not
//! use for bucket selection, so concurrent requests rarely contend.

use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};

use hashbrown::HashTable;

/// Most shards a cache is split into; a power of two so a mask picks one.
const MAX_SHARDS: usize = 16;

/// "No entry" in the slab links and the hand.
const NIL: usize = usize::MAX;

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
    /// Live entries removed to make room under the entry or byte bound.
    pub evictions: u64,
    /// Expired entries removed, whether found by a lookup or by eviction.
    pub expirations: u64,
    /// Entries currently cached.
    pub entries: u64,
    /// Accounted bytes of the entries currently cached.
    pub bytes: u64,
}

/// A bounded, sharded map from a verified token to its claims.
pub(crate) struct ClaimsCache<V> {
    shards: Box<[Mutex<Shard<V>>]>,
    /// `shards.len() - 1`; the length is a power of two.
    mask: usize,
    hasher: hashbrown::DefaultHashBuilder,
    value_bytes: usize,
    ttl: u64,
}

impl<V> ClaimsCache<V> {
    /// A cache of at most `capacity` entries and `max_bytes` accounted bytes,
    /// whose values each account for `value_bytes` (`size_of::<V>()` plus the
    /// claims' worst-case heap bytes), and whose entries live at most `ttl`
    /// seconds.
    ///
    /// A `capacity` or `max_bytes` of zero gives a cache that stores nothing.
    pub(crate) fn new(capacity: usize, max_bytes: usize, value_bytes: usize, ttl: u64) -> Self {
        Self::with_shards(capacity, max_bytes, value_bytes, ttl, MAX_SHARDS)
    }

    /// [`Self::new`] with at most `max_shards` shards (rounded down to a power
    /// of two), which lets tests observe one shard's eviction order.
    fn with_shards(
        capacity: usize,
        max_bytes: usize,
        value_bytes: usize,
        ttl: u64,
        max_shards: usize,
    ) -> Self {
        let smallest_entry = Self::entry_bytes(0, value_bytes);
        let mut count = max_shards.max(1).next_power_of_two();
        if count > max_shards.max(1) {
            count /= 2;
        }
        // Fewer shards rather than shards that can hold nothing: every shard
        // gets at least one entry and room for at least a token-less entry,
        // unless the whole cache is too small for even that.
        while count > 1 && (capacity / count == 0 || max_bytes / count < smallest_entry) {
            count /= 2;
        }
        let shards = (0..count)
            .map(|i| {
                Mutex::new(Shard::new(
                    share(capacity, count, i),
                    share(max_bytes, count, i),
                ))
            })
            .collect();
        Self {
            shards,
            mask: count - 1,
            hasher: hashbrown::DefaultHashBuilder::default(),
            value_bytes,
            ttl,
        }
    }

    /// The accounted size of one entry: the token's bytes, `value_bytes`, and
    /// a fixed overhead for what lives exactly as long as the entry: its slab
    /// slot, its index and control byte in the hash table, its index in the
    /// free list once removed, and the `Arc`'s two reference counts.
    ///
    /// Saturates instead of overflowing, so an absurd size is simply too big.
    pub(crate) const fn entry_bytes(token_len: usize, value_bytes: usize) -> usize {
        let overhead = size_of::<Option<Entry<V>>>()
            + size_of::<usize>()
            + 1
            + size_of::<usize>()
            + 2 * size_of::<usize>();
        token_len
            .saturating_add(value_bytes)
            .saturating_add(overhead)
    }

    /// The cached claims of `token`, or `None` if it is absent or has expired
    /// at `now` (an expired entry is removed). The token is compared as
    /// bytes, so a caller can look up what a request carries before checking
    /// that it is text: an entry's token always is.
    pub(crate) fn get(&self, token: &(impl AsRef<[u8]> + ?Sized), now: u64) -> Option<Arc<V>> {
        let token = token.as_ref();
        let hash = self.hasher.hash_one(token);
        self.lock(hash)?.get(hash, token, now)
    }

    /// Caches `value` for `token` until `min(exp, now + ttl)`.
    ///
    /// Any earlier entry for `token` is dropped first, so a lookup never sees
    /// a value older than the latest insert; then nothing is added if the
    /// entry would already be expired or could never fit in its shard.
    pub(crate) fn insert(&self, token: &str, value: Arc<V>, exp: u64, now: u64) {
        let expires_at = exp.min(now.saturating_add(self.ttl));
        let hash = self.hasher.hash_one(token.as_bytes());
        let Some(mut shard) = self.lock(hash) else {
            return;
        };
        shard.remove_token(hash, token.as_bytes());
        if expires_at <= now {
            return;
        }
        let bytes = Self::entry_bytes(token.len(), self.value_bytes);
        shard.insert(
            Entry {
                token: token.into(),
                value,
                hash,
                expires_at,
                bytes,
                visited: false,
                older: NIL,
                newer: NIL,
            },
            now,
        );
    }

    /// Removes every entry, keeping the counters.
    pub(crate) fn clear(&self) {
        for shard in &self.shards {
            lock(shard).reset();
        }
    }

    /// The counters and occupancy, summed over the shards.
    ///
    /// Shards are read one after another, so under concurrent use the sum is
    /// not one instant's snapshot, but each shard's part respects its bounds.
    pub(crate) fn stats(&self) -> CacheStats {
        let mut total = CacheStats::default();
        for shard in &self.shards {
            let shard = lock(shard);
            total.hits += shard.hits;
            total.misses += shard.misses;
            total.inserts += shard.inserts;
            total.evictions += shard.evictions;
            total.expirations += shard.expirations;
            total.entries += shard.len as u64;
            total.bytes += shard.bytes as u64;
        }
        total
    }

    /// Panics unless every shard is internally consistent.
    #[cfg(test)]
    fn check(&self) {
        for shard in &self.shards {
            lock(shard).check();
        }
    }

    fn lock(&self, hash: u64) -> Option<MutexGuard<'_, Shard<V>>> {
        // The table picks buckets with the low bits and tags with the top
        // seven, so the shard comes from bits in between: entries of one shard
        // still spread over all of that shard's buckets and tags.
        let index = ((hash >> 32) as usize) & self.mask;
        self.shards.get(index).map(lock)
    }
}

/// Part `index` of `total` split over `parts`, the remainder going to the
/// first parts, so the parts add up to exactly `total`.
fn share(total: usize, parts: usize, index: usize) -> usize {
    total / parts + usize::from(index < total % parts)
}

/// Locks a shard, recovering from poisoning by emptying it: a panic (say in a
/// claims type's `Drop`) may have left its links half-updated, and an empty
/// shard is always consistent.
fn lock<V>(shard: &Mutex<Shard<V>>) -> MutexGuard<'_, Shard<V>> {
    match shard.lock() {
        Ok(guard) => guard,
        Err(poisoned) => {
            let mut guard = poisoned.into_inner();
            guard.reset();
            shard.clear_poison();
            guard
        }
    }
}

struct Entry<V> {
    token: Box<str>,
    value: Arc<V>,
    /// Kept so the table can rehash without rehashing the token.
    hash: u64,
    expires_at: u64,
    bytes: usize,
    visited: bool,
    /// Slab index of the next older entry, or `NIL`.
    older: usize,
    /// Slab index of the next newer entry, or `NIL`.
    newer: usize,
}

struct Shard<V> {
    table: HashTable<usize>,
    slots: Vec<Option<Entry<V>>>,
    free: Vec<usize>,
    newest: usize,
    oldest: usize,
    /// Where the next eviction scan starts; `NIL` means the oldest entry.
    hand: usize,
    len: usize,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
    hits: u64,
    misses: u64,
    inserts: u64,
    evictions: u64,
    expirations: u64,
}

impl<V> Shard<V> {
    fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            table: HashTable::new(),
            slots: Vec::new(),
            free: Vec::new(),
            newest: NIL,
            oldest: NIL,
            hand: NIL,
            len: 0,
            bytes: 0,
            max_entries,
            max_bytes,
            hits: 0,
            misses: 0,
            inserts: 0,
            evictions: 0,
            expirations: 0,
        }
    }

    #[cfg(test)]
    fn slot(&self, index: usize) -> Option<&Entry<V>> {
        self.slots.get(index).and_then(Option::as_ref)
    }

    fn slot_mut(&mut self, index: usize) -> Option<&mut Entry<V>> {
        self.slots.get_mut(index).and_then(Option::as_mut)
    }

    fn find(&self, hash: u64, token: &[u8]) -> Option<usize> {
        let slots = &self.slots;
        self.table
            .find(hash, |&index| {
                slots
                    .get(index)
                    .and_then(Option::as_ref)
                    .is_some_and(|entry| entry.hash == hash && entry.token.as_bytes() == token)
            })
            .copied()
    }

    fn get(&mut self, hash: u64, token: &(impl AsRef<[u8]> + ?Sized), now: u64) -> Option<Arc<V>> {
        let found = self.find(hash, token.as_ref());
        let Some(index) = found else {
            self.misses += 1;
            return None;
        };
        let Some(entry) = self.slot_mut(index) else {
            self.misses += 1;
            return None;
        };
        if now >= entry.expires_at {
            self.unlink(index);
            self.expirations += 1;
            self.misses += 1;
            return None;
        }
        entry.visited = true;
        let value = Arc::clone(&entry.value);
        self.hits += 1;
        Some(value)
    }

    /// Drops the entry for `token`, if any, without counting it anywhere: the
    /// caller is replacing it.
    fn remove_token(&mut self, hash: u64, token: &[u8]) {
        if let Some(index) = self.find(hash, token) {
            self.unlink(index);
        }
    }

    fn insert(&mut self, mut entry: Entry<V>, now: u64) {
        if self.max_entries == 0 || entry.bytes > self.max_bytes {
            return;
        }
        while self.len >= self.max_entries
            || self.bytes.saturating_add(entry.bytes) > self.max_bytes
        {
            if !self.evict_one(now) {
                break;
            }
        }
        // Only reachable if the links were inconsistent and eviction gave up;
        // refusing keeps the bounds.
        if self.len >= self.max_entries || self.bytes.saturating_add(entry.bytes) > self.max_bytes {
            return;
        }
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                // Grow to the shard's capacity in one step instead of by
                // doubling, so the slab never holds more slots than the
                // entries it accounts for.
                if self.slots.len() == self.slots.capacity() {
                    self.slots
                        .reserve_exact(self.max_entries.saturating_sub(self.slots.len()).max(1));
                }
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        entry.older = self.newest;
        entry.newer = NIL;
        let (hash, bytes) = (entry.hash, entry.bytes);
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        *slot = Some(entry);
        let newest = self.newest;
        match self.slot_mut(newest) {
            Some(previous) => previous.newer = index,
            None => self.oldest = index,
        }
        self.newest = index;
        let slots = &self.slots;
        self.table.insert_unique(hash, index, |&i| {
            slots
                .get(i)
                .and_then(Option::as_ref)
                .map_or(0, |entry| entry.hash)
        });
        self.len += 1;
        self.bytes += bytes;
        self.inserts += 1;
    }

    /// Removes one entry chosen by the SIEVE hand, preferring an expired one
    /// it meets on the way; `false` if there was nothing to remove.
    fn evict_one(&mut self, now: u64) -> bool {
        // One full lap clears every visited bit, so a second lap must find a
        // victim; the limit only guards against corrupted links.
        let mut steps = self.len.saturating_mul(2).saturating_add(1);
        while self.len > 0 && steps > 0 {
            steps -= 1;
            let index = if self.hand == NIL {
                self.oldest
            } else {
                self.hand
            };
            let Some(entry) = self.slot_mut(index) else {
                break;
            };
            if now < entry.expires_at && entry.visited {
                entry.visited = false;
                let newer = entry.newer;
                self.hand = newer;
                continue;
            }
            let expired = now >= entry.expires_at;
            let newer = entry.newer;
            self.unlink(index);
            self.hand = newer;
            if expired {
                self.expirations += 1;
            } else {
                self.evictions += 1;
            }
            return true;
        }
        if self.len == 0 {
            return false;
        }
        // The links no longer match the count: start over from empty, which
        // is always within bounds.
        self.evictions += self.len as u64;
        self.reset();
        true
    }

    /// Takes `index` out of the table, the FIFO list and the totals.
    fn unlink(&mut self, index: usize) {
        let Some(entry) = self.slots.get_mut(index).and_then(Option::take) else {
            return;
        };
        if let Ok(found) = self.table.find_entry(entry.hash, |&i| i == index) {
            found.remove();
        }
        // A missing neighbour means `entry` was at that end of the list.
        match self.slot_mut(entry.older) {
            Some(older) => older.newer = entry.newer,
            None => self.oldest = entry.newer,
        }
        match self.slot_mut(entry.newer) {
            Some(newer) => newer.older = entry.older,
            None => self.newest = entry.older,
        }
        if self.hand == index {
            self.hand = entry.newer;
        }
        self.free.push(index);
        self.len = self.len.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(entry.bytes);
    }

    /// Panics unless the list, the table and the totals agree.
    #[cfg(test)]
    fn check(&self) {
        let (mut count, mut bytes, mut older, mut at) = (0, 0, NIL, self.oldest);
        while let Some(entry) = self.slot(at) {
            assert_eq!(entry.older, older, "backward link of {at}");
            assert_eq!(self.find(entry.hash, entry.token.as_bytes()), Some(at));
            count += 1;
            bytes += entry.bytes;
            (older, at) = (at, entry.newer);
            assert!(count <= self.len, "cycle");
        }
        assert_eq!(at, NIL);
        assert_eq!(self.newest, older);
        assert_eq!((count, bytes), (self.len, self.bytes));
        assert_eq!(self.table.len(), self.len);
        assert_eq!(self.slots.len(), self.len + self.free.len());
        assert!(self.len <= self.max_entries && self.bytes <= self.max_bytes);
        assert!(self.hand == NIL || self.slot(self.hand).is_some());
    }

    /// Empties the shard, releasing its memory but keeping its counters.
    fn reset(&mut self) {
        self.table = HashTable::new();
        self.slots = Vec::new();
        self.free = Vec::new();
        self.newest = NIL;
        self.oldest = NIL;
        self.hand = NIL;
        self.len = 0;
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::{CacheStats, ClaimsCache, Entry, MAX_SHARDS, NIL, Shard};

    /// What the tests account for each `u32` value.
    const VALUE_BYTES: usize = 4;

    fn bytes(token: &str) -> usize {
        ClaimsCache::<u32>::entry_bytes(token.len(), VALUE_BYTES)
    }

    /// A cache with one shard, so eviction order is observable.
    fn single(capacity: usize, max_bytes: usize, ttl: u64) -> ClaimsCache<u32> {
        ClaimsCache::with_shards(capacity, max_bytes, VALUE_BYTES, ttl, 1)
    }

    fn value(cache: &ClaimsCache<u32>, token: &str, now: u64) -> Option<u32> {
        cache.get(token, now).map(|v| *v)
    }

    #[test]
    fn hit_and_miss() {
        let cache = ClaimsCache::new(100, 1 << 20, VALUE_BYTES, 60);
        cache.insert("a.b.c", Arc::new(7), 1_000, 10);
        assert_eq!(value(&cache, "a.b.c", 10), Some(7));
        assert_eq!(value(&cache, "a.b.d", 10), None);
        assert_eq!(value(&cache, "a.b.", 10), None);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.inserts), (1, 2, 1));
        assert_eq!(stats.entries, 1);
        assert_eq!(stats.bytes, bytes("a.b.c") as u64);
    }

    #[test]
    fn hit_returns_the_same_arc() {
        let cache = ClaimsCache::new(4, 1 << 20, VALUE_BYTES, 60);
        let claims = Arc::new(3);
        cache.insert("t", Arc::clone(&claims), 100, 0);
        let got = cache.get("t", 1);
        assert!(got.is_some_and(|got| Arc::ptr_eq(&got, &claims)));
    }

    #[test]
    fn expires_at_exactly_expires_at() {
        let cache = ClaimsCache::new(10, 1 << 20, VALUE_BYTES, 1_000);
        cache.insert("tok", Arc::new(1), 50, 10);
        assert_eq!(value(&cache, "tok", 49), Some(1));
        assert_eq!(value(&cache, "tok", 50), None);
        let stats = cache.stats();
        assert_eq!(stats.expirations, 1);
        assert_eq!(stats.entries, 0);
        assert_eq!(stats.bytes, 0);
        // Removed, so a second miss is not a second expiration.
        assert_eq!(value(&cache, "tok", 49), None);
        assert_eq!(cache.stats().expirations, 1);
    }

    #[test]
    fn ttl_and_exp_take_the_minimum() {
        let cache = ClaimsCache::new(10, 1 << 20, VALUE_BYTES, 30);
        // ttl is earlier than exp.
        cache.insert("ttl", Arc::new(1), 1_000, 100);
        assert_eq!(value(&cache, "ttl", 129), Some(1));
        assert_eq!(value(&cache, "ttl", 130), None);
        // exp is earlier than ttl.
        cache.insert("exp", Arc::new(2), 110, 100);
        assert_eq!(value(&cache, "exp", 109), Some(2));
        assert_eq!(value(&cache, "exp", 110), None);
    }

    #[test]
    fn saturating_exp_and_ttl() {
        let cache = ClaimsCache::new(10, 1 << 20, VALUE_BYTES, u64::MAX);
        cache.insert("max", Arc::new(9), u64::MAX, u64::MAX - 1);
        assert_eq!(value(&cache, "max", u64::MAX - 1), Some(9));
        assert_eq!(value(&cache, "max", u64::MAX), None);
        // At now = u64::MAX nothing can still be valid.
        cache.insert("late", Arc::new(1), u64::MAX, u64::MAX);
        assert_eq!(cache.stats().entries, 0);
        // ttl = 0 means nothing is ever cached.
        let none = ClaimsCache::new(10, 1 << 20, VALUE_BYTES, 0);
        none.insert("t", Arc::new(1), u64::MAX, 5);
        assert_eq!(none.stats().inserts, 0);
    }

    #[test]
    fn never_inserts_already_expired() {
        let cache = ClaimsCache::new(10, 1 << 20, VALUE_BYTES, 60);
        cache.insert("past", Arc::new(1), 99, 100);
        cache.insert("now", Arc::new(1), 100, 100);
        assert_eq!(value(&cache, "past", 0), None);
        assert_eq!(value(&cache, "now", 0), None);
        let stats = cache.stats();
        assert_eq!((stats.inserts, stats.entries, stats.bytes), (0, 0, 0));
    }

    #[test]
    fn replacing_a_token_adjusts_bytes() {
        let cache = ClaimsCache::new(10, 1 << 20, VALUE_BYTES, 60);
        cache.insert("tok", Arc::new(1), 100, 0);
        cache.insert("tok", Arc::new(2), 100, 0);
        assert_eq!(value(&cache, "tok", 1), Some(2));
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.inserts), (1, 2));
        assert_eq!(stats.bytes, bytes("tok") as u64);
        assert_eq!(stats.evictions, 0);
        // A replacement that cannot be cached still drops the stale value.
        cache.insert("tok", Arc::new(3), 1, 5);
        assert_eq!(value(&cache, "tok", 1), None);
    }

    #[test]
    fn clear_empties_but_keeps_counters() {
        let cache = ClaimsCache::new(64, 1 << 20, VALUE_BYTES, 60);
        for i in 0..20_u32 {
            cache.insert(&format!("token-{i}"), Arc::new(i), 100, 0);
        }
        assert_eq!(value(&cache, "token-3", 1), Some(3));
        cache.clear();
        assert_eq!(value(&cache, "token-3", 1), None);
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.bytes), (0, 0));
        assert_eq!((stats.inserts, stats.hits, stats.misses), (20, 1, 1));
        // Still usable afterwards.
        cache.insert("token-3", Arc::new(33), 100, 1);
        assert_eq!(value(&cache, "token-3", 2), Some(33));
    }

    #[test]
    fn stats_add_up() {
        let cache = ClaimsCache::new(8, 1 << 20, VALUE_BYTES, 60);
        let tokens: Vec<String> = (0..40).map(|i| format!("tok{i}")).collect();
        for (i, token) in tokens.iter().enumerate() {
            cache.insert(token, Arc::new(i as u32), 50, 0);
        }
        let stats = cache.stats();
        assert_eq!(stats.inserts, 40);
        assert!(stats.entries <= 8);
        // Every insert is still cached or was evicted.
        assert_eq!(stats.inserts, stats.entries + stats.evictions);
        let expected_bytes: u64 = tokens
            .iter()
            .filter(|t| cache.get(t, 1).is_some())
            .map(|t| bytes(t) as u64)
            .sum();
        assert_eq!(cache.stats().bytes, expected_bytes);
        let after = cache.stats();
        assert_eq!(after.hits, stats.entries);
        assert_eq!(after.hits + after.misses, 40);
        // All expire together: lookups reclaim them.
        for token in &tokens {
            assert!(cache.get(token, 50).is_none());
        }
        let end = cache.stats();
        assert_eq!(end.expirations, stats.entries);
        assert_eq!((end.entries, end.bytes), (0, 0));
    }

    #[test]
    fn capacity_bound() {
        let cache = ClaimsCache::new(100, usize::MAX, VALUE_BYTES, 60);
        for i in 0..1_000_u32 {
            cache.insert(&format!("tok-{i}"), Arc::new(i), 100, 0);
            assert!(cache.stats().entries <= 100);
        }
        let stats = cache.stats();
        assert_eq!(stats.evictions, 1_000 - stats.entries);
        // Per-shard capacities add up to the capacity, so it can be reached.
        assert!(stats.entries > 50, "{stats:?}");
    }

    #[test]
    fn tiny_capacities_are_exact() {
        for capacity in [0, 1, 2, 3, 5, 17, 31] {
            let cache = ClaimsCache::new(capacity, usize::MAX, VALUE_BYTES, 60);
            for i in 0..200_u32 {
                cache.insert(&format!("t{i}"), Arc::new(i), 100, 0);
                assert!(cache.stats().entries <= capacity as u64);
            }
            assert!(cache.shards.len() <= MAX_SHARDS);
            assert!(cache.shards.len() <= capacity.max(1));
        }
    }

    #[test]
    fn byte_bound_with_large_tokens() {
        let big = "x".repeat(1_000);
        let max_bytes = 3 * bytes(&big) + 10;
        let cache = single(1_000, max_bytes, 60);
        for i in 0..10 {
            let token = format!("{i}{big}");
            cache.insert(&token, Arc::new(i), 100, 0);
            let stats = cache.stats();
            assert!(stats.bytes <= max_bytes as u64, "{stats:?}");
            assert_eq!(value(&cache, &token, 1), Some(i));
        }
        assert_eq!(cache.stats().entries, 3);
        // A token that alone exceeds the budget is not cached, and evicts
        // nothing in a vain attempt to make room.
        let huge = "y".repeat(max_bytes);
        cache.insert(&huge, Arc::new(99), 100, 0);
        assert_eq!(value(&cache, &huge, 1), None);
        assert_eq!(cache.stats().entries, 3);
    }

    #[test]
    fn sharded_byte_bound() {
        let max_bytes = 20 * bytes("token-0000");
        let cache = ClaimsCache::new(1_000, max_bytes, VALUE_BYTES, 60);
        for i in 0..500_u32 {
            cache.insert(&format!("token-{i:04}"), Arc::new(i), 100, 0);
            assert!(cache.stats().bytes <= max_bytes as u64);
        }
    }

    #[test]
    fn the_slab_never_outgrows_its_capacity() {
        let cache = single(37, usize::MAX, 60);
        for i in 0..200 {
            cache.insert(&format!("token-{i}"), Arc::new(i), 100, 1);
        }
        for shard in &cache.shards {
            let shard = super::lock(shard);
            assert!(shard.slots.capacity() <= 37, "{}", shard.slots.capacity());
        }
    }

    #[test]
    fn entry_bytes_formula() {
        let base = ClaimsCache::<u32>::entry_bytes(0, 0);
        assert!(base >= size_of::<usize>() * 4);
        assert_eq!(ClaimsCache::<u32>::entry_bytes(10, 4), base + 14);
        assert_eq!(ClaimsCache::<u32>::entry_bytes(usize::MAX, 4), usize::MAX);
    }

    #[test]
    fn sieve_keeps_a_hit_entry_over_one_hit_wonders() {
        let cache = single(4, usize::MAX, 60);
        for (i, token) in ["hot", "b", "c", "d"].into_iter().enumerate() {
            cache.insert(token, Arc::new(i as u32), 100, 0);
        }
        assert_eq!(value(&cache, "hot", 1), Some(0));
        // FIFO would evict "hot" first; SIEVE gives it a second chance.
        for token in ["e", "f", "g"] {
            cache.insert(token, Arc::new(9), 100, 1);
        }
        assert_eq!(value(&cache, "hot", 2), Some(0));
        for gone in ["b", "c", "d"] {
            assert_eq!(value(&cache, gone, 2), None, "{gone}");
        }
        // Kept hot through a long scan of one-hit wonders.
        for i in 0..100 {
            cache.insert(&format!("scan{i}"), Arc::new(i), 100, 3);
            assert_eq!(value(&cache, "hot", 3), Some(0), "after scan{i}");
        }
    }

    #[test]
    fn sieve_evicts_an_unvisited_entry_once_its_bit_is_cleared() {
        let cache = single(2, usize::MAX, 60);
        cache.insert("a", Arc::new(1), 100, 0);
        cache.insert("b", Arc::new(2), 100, 0);
        assert_eq!(value(&cache, "a", 0), Some(1));
        // The hand clears a's bit and evicts b.
        cache.insert("c", Arc::new(3), 100, 0);
        assert_eq!(value(&cache, "b", 0), None);
        // The hand wrapped past the newest entry; a is hit again, c is not,
        // so c goes next.
        assert_eq!(value(&cache, "a", 0), Some(1));
        cache.insert("d", Arc::new(4), 100, 0);
        assert_eq!(value(&cache, "c", 0), None);
        assert_eq!(value(&cache, "a", 0), Some(1));
        assert_eq!(value(&cache, "d", 0), Some(4));
        assert_eq!(cache.stats().evictions, 2);
        cache.check();
    }

    #[test]
    fn eviction_reclaims_expired_entries_first() {
        let cache = single(3, usize::MAX, 1_000);
        cache.insert("short", Arc::new(1), 10, 0);
        cache.insert("long1", Arc::new(2), 100, 0);
        cache.insert("long2", Arc::new(3), 100, 0);
        assert_eq!(value(&cache, "short", 5), Some(1));
        // "short" is visited but expired at 20, so the hand takes it.
        cache.insert("new", Arc::new(4), 100, 20);
        assert_eq!(value(&cache, "long1", 20), Some(2));
        assert_eq!(value(&cache, "long2", 20), Some(3));
        let stats = cache.stats();
        assert_eq!((stats.expirations, stats.evictions), (1, 0));
    }

    fn entry(token: &str, value: u32, hash: u64) -> Entry<u32> {
        Entry {
            token: token.into(),
            value: Arc::new(value),
            hash,
            expires_at: 100,
            bytes: bytes(token),
            visited: false,
            older: NIL,
            newer: NIL,
        }
    }

    #[test]
    fn colliding_hashes_never_cross_tokens() {
        // Every token gets the same hash, as an attacker-found collision would.
        let mut shard = Shard::new(16, usize::MAX);
        for (i, token) in ["abc", "abcd", "ab", "abd"].into_iter().enumerate() {
            shard.insert(entry(token, i as u32, 42), 0);
        }
        for (i, token) in ["abc", "abcd", "ab", "abd"].into_iter().enumerate() {
            assert_eq!(shard.get(42, token, 1).map(|v| *v), Some(i as u32));
        }
        assert!(shard.get(42, "a", 1).is_none());
        assert!(shard.get(42, "abce", 1).is_none());
        shard.remove_token(42, b"abcd");
        assert!(shard.get(42, "abcd", 1).is_none());
        assert_eq!(shard.get(42, "abc", 1).map(|v| *v), Some(0));
        assert_eq!(shard.len, 3);
    }

    #[derive(Clone, Debug)]
    enum Op {
        Get(usize),
        Insert { token: usize, value: u32, exp: u64 },
        Advance(u64),
        Clear,
    }

    const TOKENS: [&str; 8] = [
        "a",
        "ab",
        "abc",
        "abcd",
        "eyJhbGciOiJIUzI1NiJ9.x",
        "eyJhbGciOiJIUzI1NiJ9.xy",
        "eyJhbGciOiJIUzI1NiJ9.xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz",
        "b",
    ];

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..TOKENS.len()).prop_map(Op::Get),
            4 => (0..TOKENS.len(), any::<u32>(), prop_oneof![0..40_u64, Just(u64::MAX)])
                .prop_map(|(token, value, exp)| Op::Insert { token, value, exp }),
            2 => (0..15_u64).prop_map(Op::Advance),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn agrees_with_a_model(
            capacity in 0..6_usize,
            extra_bytes in 0..400_usize,
            ttl in prop_oneof![0..30_u64, Just(u64::MAX)],
            shards in prop_oneof![Just(1_usize), Just(MAX_SHARDS)],
            ops in prop::collection::vec(op(), 1..200),
        ) {
            let max_bytes = ClaimsCache::<u32>::entry_bytes(0, VALUE_BYTES) * 2 + extra_bytes;
            let cache = ClaimsCache::with_shards(capacity, max_bytes, VALUE_BYTES, ttl, shards);
            // Exp offsets are relative to a clock that starts high so that
            // saturation at u64::MAX is exercised too.
            let mut now = 1_000_u64;
            let mut model: HashMap<&str, (u32, u64)> = HashMap::new();
            let mut gets = 0_u64;
            for op in ops {
                match op {
                    Op::Get(token) => {
                        let token = TOKENS[token];
                        gets += 1;
                        if let Some(got) = cache.get(token, now) {
                            let expected = model.get(token);
                            prop_assert_eq!(expected.map(|e| e.0), Some(*got), "{}", token);
                            prop_assert!(expected.is_some_and(|e| now < e.1), "expired {}", token);
                        }
                    }
                    Op::Insert { token, value, exp } => {
                        let token = TOKENS[token];
                        let exp = now.saturating_add(exp);
                        cache.insert(token, Arc::new(value), exp, now);
                        let expires_at = exp.min(now.saturating_add(ttl));
                        if expires_at > now {
                            model.insert(token, (value, expires_at));
                        } else {
                            model.remove(token);
                        }
                    }
                    Op::Advance(by) => now = now.saturating_add(by),
                    Op::Clear => {
                        cache.clear();
                        model.clear();
                    }
                }
                cache.check();
                let stats: CacheStats = cache.stats();
                prop_assert!(stats.entries <= capacity as u64, "{:?}", stats);
                prop_assert!(stats.bytes <= max_bytes as u64, "{:?}", stats);
                prop_assert!(stats.entries <= model.len() as u64, "{:?}", stats);
                prop_assert_eq!(stats.hits + stats.misses, gets);
            }
        }
    }

    #[test]
    fn concurrent_use_respects_bounds() {
        const THREADS: u64 = 4;
        const ITERATIONS: u64 = 20_000;
        let capacity = 200;
        let max_bytes = 150 * bytes("token-00000");
        let cache = ClaimsCache::new(capacity, max_bytes, VALUE_BYTES, 50);
        std::thread::scope(|scope| {
            for thread in 0..THREADS {
                let cache = &cache;
                scope.spawn(move || {
                    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ (thread + 1);
                    for i in 0..ITERATIONS {
                        // xorshift64: enough randomness without a dependency.
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let key = state % 1_000;
                        let token = format!("token-{key:05}");
                        let now = i / 100;
                        // A bit the key does not depend on decides the operation.
                        if (state >> 40) & 1 == 0 {
                            cache.insert(&token, Arc::new(key as u32), now + 30, now);
                        } else if let Some(got) = cache.get(&token, now) {
                            assert_eq!(*got, key as u32);
                        }
                        if i % 16 == 0 {
                            let stats = cache.stats();
                            assert!(stats.entries <= capacity as u64, "{stats:?}");
                            assert!(stats.bytes <= max_bytes as u64, "{stats:?}");
                        }
                    }
                });
            }
        });
        cache.check();
        let stats = cache.stats();
        assert!(stats.entries <= capacity as u64);
        assert!(stats.bytes <= max_bytes as u64);
        assert!(stats.hits > 0 && stats.inserts > 0, "{stats:?}");
        assert_eq!(
            stats.hits + stats.misses + stats.inserts,
            THREADS * ITERATIONS
        );
    }
}
