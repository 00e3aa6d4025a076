//! The bounds: entries and bytes after every call, the fixed part each
//! shard allocates once, and the formulas the ceiling is computed from.

use std::sync::Arc;

use super::*;

#[test]
fn capacity_bound() {
    let cache = cache(100, 60);
    for i in 0..1_000_u32 {
        cache.insert(&format!("tok-{i}"), Arc::new(i), &live(), 100, 0);
        assert!(cache.stats().entries <= 100);
    }
    let stats = cache.stats();
    assert_eq!(stats.evictions, 1_000 - stats.entries);
    // Per-shard capacities add up to the capacity, and with this seed every
    // shard filled up.
    assert_eq!(stats.entries, 100, "{stats:?}");
}

#[test]
fn tiny_capacities_are_exact() {
    for capacity in [0, 1, 2, 3, 5, 17, 31] {
        let cache = cache(capacity, 60);
        for i in 0..200_u32 {
            cache.insert(&format!("t{i}"), Arc::new(i), &live(), 100, 0);
            assert!(cache.stats().entries <= capacity as u64);
        }
        assert!(cache.shards.len() <= MAX_SHARDS);
        assert!(cache.shards.len() <= capacity.max(1));
        cache.check();
    }
}

#[test]
fn byte_bound_with_large_tokens() {
    let big = "x".repeat(1_000);
    let budget = fixed_bytes(1_000, 1) + 3 * bytes(&big) + 10;
    let cache = single(1_000, Some(budget), 60);
    assert_eq!(cache.max_bytes(), budget);
    for i in 0..10 {
        let token = format!("{i}{big}");
        cache.insert(&token, Arc::new(i), &live(), 100, 0);
        let stats = cache.stats();
        assert!(
            stats.bytes as usize + fixed_bytes(1_000, 1) <= budget,
            "{stats:?}"
        );
        assert_eq!(value(&cache, &token, 1), Some(i));
    }
    assert_eq!(cache.stats().entries, 3);
    // A token that alone exceeds the budget is not cached, and evicts
    // nothing in a vain attempt to make room.
    let huge = "y".repeat(1_500);
    let tight = single(1_000, Some(fixed_bytes(1_000, 1) + bytes(&huge) - 1), 60);
    tight.insert(&big, Arc::new(1), &live(), 100, 0);
    tight.insert(&huge, Arc::new(99), &live(), 100, 0);
    assert_eq!(value(&tight, &huge, 1), None);
    assert_eq!(value(&tight, &big, 1), Some(1));
}

#[test]
fn a_budget_below_the_fixed_part_holds_nothing() {
    let cache = budgeted(100, fixed_bytes(100, MAX_SHARDS) - 1, 60);
    for i in 0..50_u32 {
        cache.insert(&format!("t{i}"), Arc::new(i), &live(), 100, 0);
    }
    assert_eq!(cache.stats().entries, 0);
}

#[test]
fn sharded_byte_bound() {
    let budget = fixed_bytes(1_000, MAX_SHARDS) + 20 * bytes("token-0000");
    let cache = budgeted(1_000, budget, 60);
    for i in 0..500_u32 {
        cache.insert(&format!("token-{i:04}"), Arc::new(i), &live(), 100, 0);
        let stats = cache.stats();
        assert!(
            stats.bytes as usize <= 20 * bytes("token-0000"),
            "{stats:?}"
        );
    }
    assert!(cache.stats().entries > 0);
}

#[test]
fn the_fixed_part_is_allocated_once_and_never_grows() {
    let cache = single(37, None, 60);
    cache.insert("first", Arc::new(0), &live(), 100, 1);
    let (slab, index) = {
        let shard = cache.lock_shard(&cache.shards[0].0);
        shard.capacities()
    };
    assert_eq!(slab, 37);
    // Heavy churn: inserts, hits and removals leave tombstones in the index.
    for i in 0..5_000 {
        let token = format!("token-{}", i % 120);
        cache.insert(&token, Arc::new(i), &live(), 100, 1);
        let _ = cache.get(&format!("token-{}", (i * 7) % 120), 1);
        let shard = cache.lock_shard(&cache.shards[0].0);
        assert_eq!(shard.capacities(), (slab, index), "after {i}");
    }
    cache.check();
}

#[test]
fn tombstones_make_the_index_rebuild_in_place() {
    // 89 entries in an index of 128 buckets (70 % full): removals leave
    // tombstones now and then, and the index's spare room (`index_capacity`
    // minus the entries) runs out. The shard then rebuilds the index in the
    // memory it has, and every entry is still found.
    let cache = single(89, None, 60);
    cache.insert("first", Arc::new(0), &live(), 100, 1);
    let (slab, index) = cache.lock_shard(&cache.shards[0].0).capacities();
    for i in 0..20_000 {
        cache.insert(&format!("churn-{i}"), Arc::new(i), &live(), 100, 1);
        if i % 97 == 0 {
            cache.check();
        }
    }
    let shard = cache.lock_shard(&cache.shards[0].0);
    assert_eq!(shard.capacities(), (slab, index));
    assert!(
        shard.rebuilds > 0,
        "churn never filled the index with tombstones"
    );
    drop(shard);
    cache.check();
    // Full, and the newest is found (`check` found every entry through the
    // index).
    assert_eq!(cache.stats().entries, 89);
    assert_eq!(value(&cache, "churn-19999", 1), Some(19_999));
}

#[test]
fn entry_bytes_formula() {
    let base = ClaimsCache::<u32>::entry_bytes(0, 0);
    assert_eq!(base, 2 * size_of::<usize>());
    assert_eq!(ClaimsCache::<u32>::entry_bytes(10, 4), base + 14);
    assert_eq!(ClaimsCache::<u32>::entry_bytes(usize::MAX, 4), usize::MAX);
    // The ceiling is every entry at its largest plus the fixed part.
    let ceiling = ClaimsCache::<u32>::ceiling(100, 50, 4);
    assert_eq!(
        ceiling,
        fixed_bytes(100, MAX_SHARDS) + 100 * ClaimsCache::<u32>::entry_bytes(50, 4)
    );
    assert_eq!(
        cache(100, 1).max_bytes(),
        ClaimsCache::<u32>::ceiling(100, MAX_TOKEN, 4)
    );
}

#[test]
fn a_slot_is_one_cache_line() {
    assert_eq!(size_of::<super::super::Slot<u32>>(), 64);
    assert_eq!(align_of::<super::super::Slot<u32>>(), 64);
}

#[test]
fn table_bytes_match_hashbrown() {
    // The formula against the table hashbrown really allocates, measured by
    // its own accounting of buckets.
    for items in [1_usize, 2, 3, 5, 6, 7, 13, 40, 100, 625, 1_000] {
        let table = hashbrown::HashTable::<u32>::with_capacity(super::super::index_capacity(items));
        let buckets = table.allocation_size();
        assert!(
            buckets <= super::super::table_bytes(items, size_of::<u32>()),
            "{items}: {buckets} > {}",
            super::super::table_bytes(items, size_of::<u32>())
        );
    }
}
