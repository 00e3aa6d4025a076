//! One shard of the cache: its entries in two FIFO queues over one slab,
//! its hash index, its ghost (S3-FIFO), and its counters.
//!
//! A lookup touches the index, one slot, the token and the claims' `Arc`;
//! slots are 64 bytes on a 64-byte boundary, so a slot is one cache line,
//! and the index holds 32-bit slot numbers, so it is as small as it can be.

use std::sync::Arc;

use hashbrown::HashTable;

use super::ghost::Ghost;
use super::{Life, ghost_generation, index_capacity, main_target};

/// A hit count saturates here (two bits, as in S3-FIFO).
const MAX_FREQ: u8 = 3;

/// A slot number: slots are numbered in 32 bits to keep the index small.
type Index = u32;

/// "No slot" in the links.
const NIL: Index = Index::MAX;

/// The most entries a shard holds, so that every slot has a number.
pub(super) const MAX_SHARD_ENTRIES: usize = (Index::MAX - 1) as usize;

/// Which queue an entry is in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Queue {
    /// New entries. An entry that was hit while here moves to the main queue
    /// when it reaches the end; one that was not is evicted, and remembered
    /// by the ghost.
    Small,
    /// Entries that earned their place: a hit in the small queue, or a
    /// return while the ghost remembered them. At the end of the queue, an
    /// entry with hits left is moved back to the front with one hit fewer;
    /// one without is evicted.
    Main,
}

struct Entry<V> {
    /// Bytes rather than `str`, so that an evicted entry's buffer can take
    /// the next token of its length in place.
    token: Box<[u8]>,
    value: Arc<V>,
    /// The life of the key that verified it.
    life: Arc<Life>,
    /// Kept so the index can be rebuilt without rehashing the token.
    hash: u64,
    expires_at: u64,
}

/// Whether an entry may still be served.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Live,
    Expired,
    /// Its key was withdrawn.
    Withdrawn,
}

impl<V> Entry<V> {
    fn state(&self, now: u64) -> State {
        if now >= self.expires_at {
            State::Expired
        } else if !self.life.live() {
            State::Withdrawn
        } else {
            State::Live
        }
    }
}

/// A slab slot: an entry (or none) and its place in a queue, or, for a free
/// slot, in the chain of free slots.
#[repr(align(64))]
pub(super) struct Slot<V> {
    entry: Option<Entry<V>>,
    /// The next older slot of the same queue, or `NIL`.
    older: Index,
    /// The next newer slot of the same queue (the next free slot, for a free
    /// slot), or `NIL`.
    newer: Index,
    freq: u8,
    queue: Queue,
}

/// What an insert brings: the token is copied only if it is cached anew.
pub(super) struct New<'t, V> {
    pub(super) token: &'t str,
    pub(super) value: Arc<V>,
    pub(super) life: Arc<Life>,
    pub(super) hash: u64,
    pub(super) expires_at: u64,
}

/// What one step of eviction freed.
enum Freed<V> {
    /// Nothing: the shard was empty.
    Nothing,
    /// One entry, handed back whole (its token's buffer may be reused).
    One(Entry<V>),
    /// Every entry: the links were inconsistent, and the shard was reset.
    All,
}

/// What one step of the main queue's clock did.
enum Step<V> {
    /// Its oldest entry was removed.
    Removed(Entry<V>),
    /// Its oldest entry spent a hit and went back to the front.
    Moved,
}

/// Both ends and the length of one queue.
#[derive(Clone, Copy)]
struct List {
    newest: Index,
    oldest: Index,
    len: usize,
}

impl List {
    const EMPTY: Self = Self {
        newest: NIL,
        oldest: NIL,
        len: 0,
    };
}

/// The fields are in declaration order (`repr(C)`), so that what a hit
/// writes (the counters) sits on the shard lock's cache line, just after the
/// lock word, and what a hit only reads (the index and the slab's header)
/// starts on the next line: another thread's lookups in this shard then keep
/// the index's line shared instead of losing it to every hit's counter.
/// (Behind [`super::Padded`] the lock starts on a line of its own; `Mutex`
/// puts its data after its 8-byte state word.)
#[repr(C)]
pub(super) struct Shard<V> {
    pub(super) hits: u64,
    pub(super) misses: u64,
    pub(super) inserts: u64,
    pub(super) evictions: u64,
    pub(super) expirations: u64,
    pub(super) withdrawn: u64,
    pub(super) len: usize,
    index: HashTable<Index>,
    slots: Vec<Slot<V>>,
    /// The first free slot, or `NIL`.
    free: Index,
    small: List,
    main: List,
    ghost: Ghost,
    /// The most entries the main queue keeps.
    main_target: usize,
    /// What every entry accounts for besides its token.
    value_bytes: usize,
    pub(super) bytes: usize,
    pub(super) max_entries: usize,
    pub(super) max_bytes: usize,
    /// How often the index was rebuilt.
    #[cfg(test)]
    pub(super) rebuilds: usize,
}

/// A slot number as an index into the slab.
fn at(index: Index) -> usize {
    index as usize
}

impl<V> Shard<V> {
    /// A shard of at most `max_entries` entries (and at most
    /// [`MAX_SHARD_ENTRIES`]) and `max_bytes` accounted bytes, whose entries
    /// each account for their token's length plus `value_bytes`
    /// ([`super::ClaimsCache::entry_bytes`]).
    pub(super) fn new(max_entries: usize, max_bytes: usize, value_bytes: usize) -> Self {
        let max_entries = max_entries.min(MAX_SHARD_ENTRIES);
        Self {
            hits: 0,
            misses: 0,
            inserts: 0,
            evictions: 0,
            expirations: 0,
            withdrawn: 0,
            len: 0,
            index: HashTable::new(),
            slots: Vec::new(),
            free: NIL,
            small: List::EMPTY,
            main: List::EMPTY,
            ghost: Ghost::new(ghost_generation(max_entries)),
            main_target: main_target(max_entries),
            value_bytes,
            bytes: 0,
            max_entries,
            max_bytes,
            #[cfg(test)]
            rebuilds: 0,
        }
    }

    /// What an entry for a token of `len` bytes accounts for.
    fn entry_bytes(&self, len: usize) -> usize {
        super::ClaimsCache::<V>::entry_bytes(len, self.value_bytes)
    }

    fn slot(&self, index: Index) -> Option<&Slot<V>> {
        self.slots.get(at(index))
    }

    fn slot_mut(&mut self, index: Index) -> Option<&mut Slot<V>> {
        self.slots.get_mut(at(index))
    }

    fn list_mut(&mut self, queue: Queue) -> &mut List {
        match queue {
            Queue::Small => &mut self.small,
            Queue::Main => &mut self.main,
        }
    }

    /// The slot of the entry for `token`.
    fn find(&self, hash: u64, token: &[u8]) -> Option<Index> {
        let slots = &self.slots;
        self.index
            .find(hash, |&index| {
                slots
                    .get(at(index))
                    .and_then(|slot| slot.entry.as_ref())
                    .is_some_and(|entry| entry.hash == hash && *entry.token == *token)
            })
            .copied()
    }

    pub(super) fn get(&mut self, hash: u64, token: &[u8], now: u64) -> Option<Arc<V>> {
        let found = self.find(hash, token);
        let Some(index) = found else {
            self.misses += 1;
            return None;
        };
        let state = self
            .slot(index)
            .and_then(|slot| slot.entry.as_ref())
            .map(|entry| entry.state(now));
        match state {
            Some(State::Live) => {}
            Some(gone) => {
                self.remove(index);
                self.count_gone(gone);
                self.misses += 1;
                return None;
            }
            None => {
                self.misses += 1;
                return None;
            }
        }
        let slot = self.slot_mut(index)?;
        if slot.freq < MAX_FREQ {
            // A saturated count is not written again, so a popular entry's
            // line stays clean (and shared between threads' lookups).
            slot.freq += 1;
        }
        let value = Arc::clone(&slot.entry.as_ref()?.value);
        self.hits += 1;
        Some(value)
    }

    /// Caches an entry, replacing the entry for its token if there is one
    /// (in place: same queue, same hits). Nothing is added if it would
    /// already be expired at `now` (an earlier entry for its token is
    /// dropped), or if it could never fit. Whether it is cached now.
    pub(super) fn insert(&mut self, new: New<'_, V>, now: u64) -> bool {
        let Some(index) = self.find(new.hash, new.token.as_bytes()) else {
            return self.insert_absent(new, now);
        };
        if new.expires_at <= now {
            self.remove(index);
            return false;
        }
        let Some(entry) = self.slot_mut(index).and_then(|slot| slot.entry.as_mut()) else {
            return false;
        };
        entry.value = new.value;
        entry.life = new.life;
        entry.expires_at = new.expires_at;
        self.inserts += 1;
        true
    }

    /// [`insert`](Self::insert) of a token the caller knows has no entry
    /// (a lookup under the same lock just missed): it is not looked up
    /// again.
    pub(super) fn insert_absent(&mut self, new: New<'_, V>, now: u64) -> bool {
        let New {
            token,
            value,
            life,
            hash,
            expires_at,
        } = new;
        let bytes = self.entry_bytes(token.len());
        if expires_at <= now || self.max_entries == 0 || bytes > self.max_bytes {
            return false;
        }
        // The buffer of an evicted token of the new one's length: the new
        // token is copied into it, saving a free and an allocation (tokens of
        // one issuer, and DPoP replay keys, are often of one length).
        let mut spare = None;
        // The main queue's oldest entry goes as soon as it may no longer be
        // served, full or not, so that expired entries do not wait for an
        // eviction: a shard whose entries all live about as long (the DPoP
        // replay store's keys) then holds about what may still be served.
        if let Some(entry) = self.reclaim_oldest_of_main(now)
            && entry.token.len() == token.len()
        {
            spare = Some(entry.token);
        }
        while self.len >= self.max_entries || self.bytes.saturating_add(bytes) > self.max_bytes {
            match self.evict_one(now) {
                Freed::Nothing => break,
                Freed::One(entry) if entry.token.len() == token.len() => spare = Some(entry.token),
                Freed::One(_) | Freed::All => {}
            }
        }
        // Only reachable if the links were inconsistent and eviction gave up;
        // refusing keeps the bounds.
        if self.len >= self.max_entries || self.bytes.saturating_add(bytes) > self.max_bytes {
            return false;
        }
        // Into the main queue while it holds less than its share (what fills
        // an empty shard stays until entries that earn their place push it
        // out, and the small queue's entries, evicted at the end of a short
        // queue, are still in the CPU's caches when their buffers and slots
        // are reused), or when the ghost remembers it; else into the small
        // queue, on probation.
        let queue = if self.main.len < self.main_target || self.ghost.contains(hash) {
            Queue::Main
        } else {
            Queue::Small
        };
        let Some(index) = self.allocate() else {
            return false;
        };
        if self.index.len() >= self.index.capacity() {
            // Tombstones have taken the index's spare room; inserting now
            // would make hashbrown allocate a larger table.
            self.rebuild_index();
        }
        if let Some(slot) = self.slot_mut(index) {
            let token = match spare.take() {
                Some(mut buffer) => {
                    buffer.copy_from_slice(token.as_bytes());
                    buffer
                }
                None => token.as_bytes().into(),
            };
            slot.entry = Some(Entry {
                token,
                value,
                life,
                hash,
                expires_at,
            });
            slot.freq = 0;
            slot.queue = queue;
        }
        self.push_newest(index, queue);
        let slots = &self.slots;
        self.index.insert_unique(hash, index, |&i| {
            slots
                .get(at(i))
                .and_then(|slot| slot.entry.as_ref())
                .map_or(0, |entry| entry.hash)
        });
        self.len += 1;
        self.bytes += bytes;
        self.inserts += 1;
        true
    }

    /// Rebuilds the index from the slab in the memory it has: every entry
    /// again, no tombstones. Amortised O(1): it takes
    /// [`index_capacity`]` - max_entries` tombstones to call for it.
    fn rebuild_index(&mut self) {
        self.index.clear();
        let slots = &self.slots;
        let hash_of = |&i: &Index| {
            slots
                .get(at(i))
                .and_then(|slot| slot.entry.as_ref())
                .map_or(0, |entry| entry.hash)
        };
        for (i, slot) in slots.iter().enumerate() {
            if let (Some(entry), Ok(i)) = (&slot.entry, Index::try_from(i)) {
                self.index.insert_unique(entry.hash, i, hash_of);
            }
        }
        #[cfg(test)]
        {
            self.rebuilds += 1;
        }
    }

    /// The counters and occupancy, for the difference an operation makes.
    #[cfg(feature = "metrics")]
    pub(super) fn tally(&self) -> Tally {
        Tally {
            hits: self.hits,
            misses: self.misses,
            inserts: self.inserts,
            evictions: self.evictions,
            expirations: self.expirations,
            withdrawn: self.withdrawn,
            entries: self.len as i64,
            bytes: self.bytes as i64,
        }
    }

    /// Counts an entry removed because it could no longer be served.
    fn count_gone(&mut self, state: State) {
        match state {
            State::Withdrawn => self.withdrawn += 1,
            _ => self.expirations += 1,
        }
    }

    /// A free slot, from the free chain or the slab's end.
    fn allocate(&mut self) -> Option<Index> {
        if self.slots.capacity() == 0 {
            // Everything this shard will ever hold, allocated once: the slab
            // at its full length, and an index that never has to grow.
            self.slots.reserve_exact(self.max_entries);
            self.index = HashTable::with_capacity(index_capacity(self.max_entries));
        }
        if self.free == NIL {
            let index = Index::try_from(self.slots.len()).ok()?;
            self.slots.push(Slot {
                entry: None,
                older: NIL,
                newer: NIL,
                freq: 0,
                queue: Queue::Small,
            });
            return Some(index);
        }
        let index = self.free;
        self.free = self.slot(index)?.newer;
        Some(index)
    }

    /// Makes room: one step of S3-FIFO's eviction, from the small queue
    /// while it has entries (else from the main queue). The small queue's
    /// oldest entry is evicted (and remembered by the ghost) if it had no
    /// hit, or moves to the main queue with one hit fewer, which then gives
    /// up entries while it holds more than its share. An expired entry met
    /// on the way is taken first.
    fn evict_one(&mut self, now: u64) -> Freed<V> {
        if self.len == 0 {
            return Freed::Nothing;
        }
        // The main queue's oldest, if it may no longer be served, first.
        if let Some(entry) = self.reclaim_oldest_of_main(now) {
            return Freed::One(entry);
        }
        // Each step removes an entry, moves one from the small queue to the
        // main queue (once per entry), or spends one of an entry's hits; the
        // limit only guards against corrupted links.
        let mut steps = self.len.saturating_mul(usize::from(MAX_FREQ) + 2) + 1;
        while steps > 0 {
            steps -= 1;
            if self.small.len == 0 {
                match self.step_main(now) {
                    Some(Step::Removed(entry)) => return Freed::One(entry),
                    Some(Step::Moved) => continue,
                    None => break,
                }
            }
            let index = self.small.oldest;
            let Some(slot) = self.slot(index) else {
                break;
            };
            let Some(entry) = &slot.entry else {
                break;
            };
            let (state, hash, freq) = (entry.state(now), entry.hash, slot.freq);
            if state != State::Live {
                let Some(entry) = self.remove(index) else {
                    break;
                };
                self.count_gone(state);
                return Freed::One(entry);
            }
            if freq == 0 {
                let Some(entry) = self.remove(index) else {
                    break;
                };
                self.ghost.remember(hash);
                self.evictions += 1;
                return Freed::One(entry);
            }
            if let Some(slot) = self.slot_mut(index) {
                slot.freq -= 1;
                slot.queue = Queue::Main;
            }
            self.unlink_from(index, Queue::Small);
            self.push_newest(index, Queue::Main);
            // Past its share, the main queue gives up its oldest.
            while self.main.len > self.main_target && steps > 0 {
                steps -= 1;
                match self.step_main(now) {
                    Some(Step::Removed(entry)) => return Freed::One(entry),
                    Some(Step::Moved) => {}
                    None => break,
                }
            }
        }
        // The links no longer match the count: start over from empty, which
        // is always within bounds.
        self.evictions += self.len as u64;
        self.reset();
        Freed::All
    }

    /// The main queue's oldest entry, removed if it may no longer be served.
    fn reclaim_oldest_of_main(&mut self, now: u64) -> Option<Entry<V>> {
        let index = self.main.oldest;
        let state = self.slot(index)?.entry.as_ref()?.state(now);
        if state == State::Live {
            return None;
        }
        let entry = self.remove(index)?;
        self.count_gone(state);
        Some(entry)
    }

    /// One step of the main queue's clock: its oldest entry is removed if it
    /// has expired or has no hits left, or moved to the front with one hit
    /// fewer; `None` if the queue is empty.
    fn step_main(&mut self, now: u64) -> Option<Step<V>> {
        let index = self.main.oldest;
        let slot = self.slot(index)?;
        let state = slot.entry.as_ref()?.state(now);
        if state != State::Live || slot.freq == 0 {
            let entry = self.remove(index)?;
            if state == State::Live {
                self.evictions += 1;
            } else {
                self.count_gone(state);
            }
            return Some(Step::Removed(entry));
        }
        if let Some(slot) = self.slot_mut(index) {
            slot.freq -= 1;
        }
        self.unlink_from(index, Queue::Main);
        self.push_newest(index, Queue::Main);
        Some(Step::Moved)
    }

    /// Links slot `index` in at the newest end of `queue`.
    fn push_newest(&mut self, index: Index, queue: Queue) {
        let newest = self.list_mut(queue).newest;
        if let Some(slot) = self.slot_mut(index) {
            slot.older = newest;
            slot.newer = NIL;
        }
        match self.slot_mut(newest) {
            Some(previous) => previous.newer = index,
            None => self.list_mut(queue).oldest = index,
        }
        let list = self.list_mut(queue);
        list.newest = index;
        list.len += 1;
    }

    /// Takes slot `index` out of `queue`, leaving it as it is.
    fn unlink_from(&mut self, index: Index, queue: Queue) {
        let Some(slot) = self.slot(index) else {
            return;
        };
        let (older, newer) = (slot.older, slot.newer);
        // A missing neighbour means the slot was at that end of its queue.
        match self.slot_mut(older) {
            Some(slot) => slot.newer = newer,
            None => self.list_mut(queue).oldest = newer,
        }
        match self.slot_mut(newer) {
            Some(slot) => slot.older = older,
            None => self.list_mut(queue).newest = older,
        }
        let list = self.list_mut(queue);
        list.len = list.len.saturating_sub(1);
    }

    /// Takes entry `index` out of its queue, the index and the totals, and
    /// frees its slot; the entry is handed back.
    fn remove(&mut self, index: Index) -> Option<Entry<V>> {
        let slot = self.slot(index)?;
        slot.entry.as_ref()?;
        let queue = slot.queue;
        self.unlink_from(index, queue);
        let free = self.free;
        let slot = self.slot_mut(index)?;
        let entry = slot.entry.take()?;
        slot.older = NIL;
        slot.newer = free;
        self.free = index;
        self.len = self.len.saturating_sub(1);
        self.bytes = self
            .bytes
            .saturating_sub(self.entry_bytes(entry.token.len()));
        if let Ok(found) = self.index.find_entry(entry.hash, |&i| i == index) {
            found.remove();
        }
        Some(entry)
    }

    /// How many of its entries may still be served at `now`.
    #[cfg(feature = "dpop")]
    pub(super) fn live(&self, now: u64) -> usize {
        self.slots
            .iter()
            .filter_map(|slot| slot.entry.as_ref())
            .filter(|entry| entry.state(now) == State::Live)
            .count()
    }

    /// Empties the shard, releasing its memory but keeping its counters.
    pub(super) fn reset(&mut self) {
        self.index = HashTable::new();
        self.slots = Vec::new();
        self.free = NIL;
        self.small = List::EMPTY;
        self.main = List::EMPTY;
        self.ghost.clear();
        self.len = 0;
        self.bytes = 0;
    }
}

/// A shard's counters and occupancy at one moment.
#[cfg(feature = "metrics")]
pub(super) struct Tally {
    hits: u64,
    misses: u64,
    inserts: u64,
    evictions: u64,
    expirations: u64,
    withdrawn: u64,
    entries: i64,
    bytes: i64,
}

#[cfg(feature = "metrics")]
impl Tally {
    /// What changed since `before`.
    pub(super) fn since(&self, before: &Self) -> super::metrics::Delta {
        super::metrics::Delta {
            hits: self.hits - before.hits,
            misses: self.misses - before.misses,
            inserts: self.inserts - before.inserts,
            evictions: self.evictions - before.evictions,
            expirations: self.expirations - before.expirations,
            withdrawn: self.withdrawn - before.withdrawn,
            entries: self.entries - before.entries,
            bytes: self.bytes - before.bytes,
        }
    }
}

/// What only the tests ask of a shard.
#[cfg(test)]
impl<V> Shard<V> {
    /// Panics unless the queues, the index, the slab and the totals agree.
    pub(super) fn check(&self) {
        let mut count = 0;
        let mut bytes = 0;
        for (queue, list) in [(Queue::Small, self.small), (Queue::Main, self.main)] {
            let (mut seen, mut older, mut here) = (0, NIL, list.oldest);
            while let Some(slot) = self.slot(here) {
                assert_eq!(slot.older, older, "backward link of {here}");
                assert_eq!(slot.queue, queue, "queue of {here}");
                let Some(entry) = &slot.entry else {
                    unreachable!("a free slot in a queue");
                };
                assert!(slot.freq <= MAX_FREQ);
                assert_eq!(self.find(entry.hash, &entry.token), Some(here));
                count += 1;
                bytes += self.entry_bytes(entry.token.len());
                seen += 1;
                (older, here) = (here, slot.newer);
                assert!(seen <= self.slots.len(), "cycle");
            }
            assert_eq!(here, NIL);
            assert_eq!(list.newest, older);
            assert_eq!(list.len, seen);
        }
        assert_eq!((count, bytes), (self.len, self.bytes));
        assert_eq!(self.index.len(), self.len);
        let mut free = 0;
        let mut here = self.free;
        while let Some(slot) = self.slot(here) {
            assert!(slot.entry.is_none());
            free += 1;
            here = slot.newer;
            assert!(free <= self.slots.len(), "free cycle");
        }
        assert_eq!(here, NIL);
        assert_eq!(self.slots.len(), self.len + free);
        assert!(self.len <= self.max_entries && self.bytes <= self.max_bytes);
        assert!(self.slots.capacity() <= self.max_entries);
    }

    /// The slab's capacity and the index's allocation, which must not change
    /// once the shard is in use.
    pub(super) fn capacities(&self) -> (usize, usize) {
        (self.slots.capacity(), self.index.allocation_size())
    }

    /// How many entries each queue holds: for tests of the policy.
    pub(super) fn queue_lens(&self) -> (usize, usize) {
        (self.small.len, self.main.len)
    }

    /// Drops the entry for `token`, if any: for tests of colliding hashes.
    pub(super) fn remove_token(&mut self, hash: u64, token: &[u8]) {
        if let Some(index) = self.find(hash, token) {
            self.remove(index);
        }
    }
}
