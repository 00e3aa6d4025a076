//! The eviction policy: which queue an entry enters, which entry goes
//! when room is needed, and when an entry that may no longer be served is
//! reclaimed.

use std::sync::Arc;

use super::super::ClaimsCache;
use super::{bytes, live, queues, single, value};

/// Fills the main queue of a single-shard cache of 20 (its share is 18, the
/// small queue's 2) with `main00`..`main17`: new entries go there while it
/// has room.
fn fill_main(cache: &ClaimsCache<u32>) {
    for i in 0..18 {
        cache.insert(&format!("main{i:02}"), Arc::new(1_000 + i), &live(), 100, 0);
    }
    assert_eq!(queues(cache), (0, 18));
}

/// Whether every entry `fill_main` made is still cached.
fn main_intact(cache: &ClaimsCache<u32>) -> bool {
    (0..18).all(|i| value(cache, &format!("main{i:02}"), 0) == Some(1_000 + i))
}

/// An insert that evicts a token of its own length copies the new token
/// into the evicted one's buffer: the cache then holds the new token, whole,
/// and nothing of the old.
#[test]
fn an_evicted_tokens_buffer_takes_the_next_token_of_its_length() {
    let cache = single(20, None, 60);
    fill_main(&cache);
    let life = live();
    // Same lengths, differing in every byte; and one of another length.
    for (i, token) in ["aaaa", "bbbb", "cccc", "dd", "eeee", "ffff"]
        .into_iter()
        .enumerate()
    {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        cache.insert(token, Arc::new(i), &life, 100, 0);
        cache.check();
    }
    // No hits, two places in the small queue: the last two remain, the
    // others are gone whole.
    for gone in ["aaaa", "bbbb", "cccc", "dd"] {
        assert_eq!(value(&cache, gone, 1), None, "{gone}");
    }
    assert_eq!(value(&cache, "eeee", 1), Some(4));
    assert_eq!(value(&cache, "ffff", 1), Some(5));
    // A prefix or an extension of a cached token is another token.
    assert_eq!(value(&cache, "fff", 1), None);
    assert_eq!(value(&cache, "fffff", 1), None);
    assert!(main_intact(&cache));
    assert_eq!(
        cache.stats().bytes,
        (2 * bytes("ffff") + 18 * bytes("main00")) as u64
    );
}

#[test]
fn one_hit_wonders_pass_through_the_small_queue() {
    // Ten slots: one for the small queue, nine for the main queue.
    let cache = single(10, None, 60);
    cache.insert("hot", Arc::new(0), &live(), 100, 0);
    assert_eq!(value(&cache, "hot", 1), Some(0));
    // A long scan of tokens seen once: "hot" was hit while in the small
    // queue, so it moves to the main queue and stays.
    for i in 0..200 {
        cache.insert(&format!("scan{i}"), Arc::new(i), &live(), 100, 2);
        assert_eq!(value(&cache, "hot", 2), Some(0), "after scan{i}");
    }
    let (small, main) = queues(&cache);
    assert_eq!(small + main, 10);
    // The scan never reaches the main queue except through the ghost.
    assert!(main >= 1, "{small} {main}");
    cache.check();
}

#[test]
fn entries_go_to_the_main_queue_while_it_has_room() {
    // Twenty slots: the main queue's share is 18, the small queue's 2.
    let cache = single(20, None, 60);
    fill_main(&cache);
    // The 19th goes to the small queue, and so does the 20th.
    cache.insert("s0", Arc::new(0), &live(), 100, 0);
    assert_eq!(queues(&cache), (1, 18));
    cache.insert("s1", Arc::new(1), &live(), 100, 0);
    assert_eq!(queues(&cache), (2, 18));
    // At capacity a new entry takes the small queue's oldest place.
    cache.insert("s2", Arc::new(2), &live(), 100, 0);
    assert_eq!(queues(&cache), (2, 18));
    assert_eq!(value(&cache, "s0", 0), None);
    assert!(main_intact(&cache));
    cache.check();
}

#[test]
fn an_entry_not_hit_in_the_small_queue_is_evicted_first() {
    let cache = single(20, None, 60);
    fill_main(&cache);
    cache.insert("t0", Arc::new(0), &live(), 100, 0);
    cache.insert("t1", Arc::new(1), &live(), 100, 0);
    // t1 was hit, t0, the older, was not: t0 goes, and the main queue,
    // none of whose entries was hit either, is not touched.
    assert_eq!(value(&cache, "t1", 0), Some(1));
    cache.insert("new", Arc::new(10), &live(), 100, 0);
    assert_eq!(value(&cache, "t0", 0), None);
    assert_eq!(value(&cache, "t1", 0), Some(1));
    assert!(main_intact(&cache));
    assert_eq!(cache.stats().evictions, 1);
    // Now t1, hit, is the small queue's oldest: it moves to the main queue,
    // which gives up its own oldest, never hit, to stay at its share.
    cache.insert("newer", Arc::new(11), &live(), 100, 0);
    assert_eq!(queues(&cache), (2, 18));
    assert_eq!(value(&cache, "t1", 0), Some(1));
    assert_eq!(value(&cache, "main00", 0), None);
    assert_eq!(value(&cache, "new", 0), Some(10));
    assert_eq!(cache.stats().evictions, 2);
    cache.check();
}

#[test]
fn a_token_back_soon_after_its_eviction_goes_to_the_main_queue() {
    let cache = single(20, None, 60);
    fill_main(&cache);
    cache.insert("t0", Arc::new(0), &live(), 100, 0);
    cache.insert("t1", Arc::new(1), &live(), 100, 0);
    // t0 is evicted without a hit, and remembered by the ghost.
    cache.insert("x", Arc::new(99), &live(), 100, 0);
    assert_eq!(value(&cache, "t0", 0), None);
    assert_eq!(queues(&cache), (2, 18));
    // Back again: admitted to the main queue (the small queue's oldest, t1,
    // makes room).
    cache.insert("t0", Arc::new(0), &live(), 100, 0);
    assert_eq!(queues(&cache), (1, 19));
    assert_eq!(value(&cache, "t0", 0), Some(0));
    assert_eq!(value(&cache, "t1", 0), None);
    cache.check();
}

#[test]
fn main_queue_entries_lose_one_hit_per_pass() {
    let cache = single(10, None, 60);
    // m0..m8 fill the main queue (its share of ten is nine), m9 goes to the
    // small queue; each is hit once.
    for i in 0..10 {
        cache.insert(&format!("m{i}"), Arc::new(i), &live(), 100, 0);
        let _ = value(&cache, &format!("m{i}"), 0);
    }
    assert_eq!(queues(&cache), (1, 9));
    for i in 0..30 {
        cache.insert(&format!("s{i}"), Arc::new(100 + i), &live(), 100, 0);
    }
    cache.check();
    // The first eviction moved m9 (hit) to the main queue with its hit
    // spent; past its share, the main queue went round once, each entry
    // spending its hit, and then took m9, the first it met without one. The
    // scan went through the small queue's one slot.
    assert_eq!(queues(&cache), (1, 9));
    assert_eq!(value(&cache, "m9", 0), None);
    assert!((0..9).all(|i| value(&cache, &format!("m{i}"), 0) == Some(i)));
    // Those lookups were a hit for each again. s29, hit, now moves to the
    // main queue with its hit spent: the clock passes m0..m8 once, each
    // spending its hit, and takes s29.
    let _ = value(&cache, "s29", 0);
    cache.insert("t", Arc::new(7), &live(), 100, 0);
    assert_eq!(value(&cache, "s29", 0), None);
    // m0..m8 have no hits left. Hit again, except m0: the next promotion
    // takes m0 and passes over the others.
    for i in 1..9 {
        let _ = value(&cache, &format!("m{i}"), 0);
    }
    let _ = value(&cache, "t", 0);
    cache.insert("u", Arc::new(8), &live(), 100, 0);
    assert_eq!(value(&cache, "m0", 0), None);
    assert!((1..9).all(|i| value(&cache, &format!("m{i}"), 0) == Some(i)));
    assert_eq!(value(&cache, "t", 0), Some(7));
    assert_eq!(queues(&cache), (1, 9));
    cache.check();
}

#[test]
fn the_main_queues_oldest_goes_at_the_first_insert_after_it_expires() {
    let cache = single(20, None, 1_000);
    cache.insert("short", Arc::new(1), &live(), 10, 0);
    cache.insert("long", Arc::new(2), &live(), 100, 0);
    // Far from full, both in the main queue, "short" its oldest. At 9 it
    // may still be served: an insert leaves it.
    cache.insert("a", Arc::new(3), &live(), 100, 9);
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.expirations), (3, 0));
    // From 10 it may not: the next insert reclaims it, room or not.
    cache.insert("b", Arc::new(4), &live(), 100, 10);
    let stats = cache.stats();
    assert_eq!(
        (stats.entries, stats.expirations, stats.evictions),
        (3, 1, 0)
    );
    assert_eq!(
        stats.bytes,
        (bytes("long") + bytes("a") + bytes("b")) as u64
    );
    // Only the oldest is looked at, once per insert: "c" expires first but
    // is behind "long", which is live, so it waits (never served, though).
    cache.insert("c", Arc::new(5), &live(), 20, 10);
    cache.insert("d", Arc::new(6), &live(), 100, 30);
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.expirations), (5, 1));
    assert_eq!(value(&cache, "c", 30), None);
    assert_eq!(value(&cache, "long", 30), Some(2));
    cache.check();
}

#[test]
fn the_main_queues_oldest_goes_at_the_first_insert_after_its_key_is_withdrawn() {
    let cache = single(20, None, 1_000);
    let (withdrawn, kept) = (live(), live());
    cache.insert("old", Arc::new(1), &withdrawn, 100, 0);
    cache.insert("a", Arc::new(2), &kept, 100, 0);
    cache.insert("b", Arc::new(3), &kept, 100, 0);
    assert_eq!(cache.stats().withdrawn, 0);
    withdrawn.withdraw();
    cache.insert("c", Arc::new(4), &kept, 100, 0);
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.withdrawn, stats.evictions), (3, 1, 0));
    cache.check();
}

#[test]
fn eviction_reclaims_expired_entries_first() {
    let cache = single(3, None, 1_000);
    cache.insert("short", Arc::new(1), &live(), 10, 0);
    cache.insert("long1", Arc::new(2), &live(), 100, 0);
    cache.insert("long2", Arc::new(3), &live(), 100, 0);
    assert_eq!(value(&cache, "short", 5), Some(1));
    // "short" was hit but has expired at 20: it is taken, not moved.
    cache.insert("new", Arc::new(4), &live(), 100, 20);
    assert_eq!(value(&cache, "long1", 20), Some(2));
    assert_eq!(value(&cache, "long2", 20), Some(3));
    let stats = cache.stats();
    assert_eq!((stats.expirations, stats.evictions), (1, 0));
}
