use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;

use super::shard::{New, Shard};
use super::{CacheStats, ClaimsCache, Life, MAX_SHARDS, Sizes};

mod bounds;
mod policy;

/// What the tests account for each `u32` value.
const VALUE_BYTES: usize = 4;
/// The longest token the tests' caches take.
const MAX_TOKEN: usize = 2_000;
/// Every test cache hashes with this seed, so which tokens share a shard,
/// and so every eviction, is the same on every run.
const SEED: u64 = 0x5eed;

/// The life of a key that stays in use.
fn live() -> Arc<Life> {
    Arc::default()
}

fn bytes(token: &str) -> usize {
    ClaimsCache::<u32>::entry_bytes(token.len(), VALUE_BYTES)
}

/// A sharded cache without a byte budget.
fn cache(capacity: usize, ttl: u64) -> ClaimsCache<u32> {
    ClaimsCache::with_seed(capacity, MAX_TOKEN, VALUE_BYTES, None, ttl, SEED)
}

/// A sharded cache with a byte budget.
fn budgeted(capacity: usize, budget: usize, ttl: u64) -> ClaimsCache<u32> {
    ClaimsCache::with_seed(capacity, MAX_TOKEN, VALUE_BYTES, Some(budget), ttl, SEED)
}

/// A cache with one shard, so eviction order is observable.
fn single(capacity: usize, budget: Option<usize>, ttl: u64) -> ClaimsCache<u32> {
    let sizes = Sizes::new(capacity, MAX_TOKEN, VALUE_BYTES, budget, 1);
    let hasher =
        foldhash::fast::SeedableRandomState::with_seed(SEED, foldhash::SharedSeed::global_fixed());
    ClaimsCache::build(sizes, VALUE_BYTES, ttl, hasher)
}

/// What `capacity` entries in `shards` shards cost before the first entry.
fn fixed_bytes(capacity: usize, shards: usize) -> usize {
    ClaimsCache::<u32>::ceiling_with(capacity, 0, super::shard_count(capacity, shards))
}

fn value(cache: &ClaimsCache<u32>, token: &str, now: u64) -> Option<u32> {
    cache.get(token, now).map(|v| *v)
}

/// The one shard of a single-shard cache: its small and main queues'
/// lengths.
fn queues(cache: &ClaimsCache<u32>) -> (usize, usize) {
    cache.lock_shard(&cache.shards[0].0).queue_lens()
}

#[test]
fn hit_and_miss() {
    let cache = cache(100, 60);
    cache.insert("a.b.c", Arc::new(7), &live(), 1_000, 10);
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
    let cache = cache(4, 60);
    let claims = Arc::new(3);
    cache.insert("t", Arc::clone(&claims), &live(), 100, 0);
    let got = cache.get("t", 1);
    assert!(got.is_some_and(|got| Arc::ptr_eq(&got, &claims)));
}

#[test]
fn expires_at_exactly_expires_at() {
    let cache = cache(10, 1_000);
    cache.insert("tok", Arc::new(1), &live(), 50, 10);
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
    let cache = cache(10, 30);
    // ttl is earlier than exp.
    cache.insert("ttl", Arc::new(1), &live(), 1_000, 100);
    assert_eq!(value(&cache, "ttl", 129), Some(1));
    assert_eq!(value(&cache, "ttl", 130), None);
    // exp is earlier than ttl.
    cache.insert("exp", Arc::new(2), &live(), 110, 100);
    assert_eq!(value(&cache, "exp", 109), Some(2));
    assert_eq!(value(&cache, "exp", 110), None);
}

#[test]
fn saturating_exp_and_ttl() {
    let cache = cache(10, u64::MAX);
    cache.insert("max", Arc::new(9), &live(), u64::MAX, u64::MAX - 1);
    assert_eq!(value(&cache, "max", u64::MAX - 1), Some(9));
    assert_eq!(value(&cache, "max", u64::MAX), None);
    // At now = u64::MAX nothing can still be valid.
    cache.insert("late", Arc::new(1), &live(), u64::MAX, u64::MAX);
    assert_eq!(cache.stats().entries, 0);
    // ttl = 0 means nothing is ever cached.
    let none = self::cache(10, 0);
    none.insert("t", Arc::new(1), &live(), u64::MAX, 5);
    assert_eq!(none.stats().inserts, 0);
}

#[test]
fn never_inserts_already_expired() {
    let cache = cache(10, 60);
    cache.insert("past", Arc::new(1), &live(), 99, 100);
    cache.insert("now", Arc::new(1), &live(), 100, 100);
    assert_eq!(value(&cache, "past", 0), None);
    assert_eq!(value(&cache, "now", 0), None);
    let stats = cache.stats();
    assert_eq!((stats.inserts, stats.entries, stats.bytes), (0, 0, 0));
}

#[test]
fn replacing_a_token_adjusts_bytes() {
    let cache = cache(10, 60);
    cache.insert("tok", Arc::new(1), &live(), 100, 0);
    cache.insert("tok", Arc::new(2), &live(), 100, 0);
    assert_eq!(value(&cache, "tok", 1), Some(2));
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.inserts), (1, 2));
    assert_eq!(stats.bytes, bytes("tok") as u64);
    assert_eq!(stats.evictions, 0);
    // A replacement that cannot be cached still drops the stale value.
    cache.insert("tok", Arc::new(3), &live(), 1, 5);
    assert_eq!(value(&cache, "tok", 1), None);
}

#[test]
fn clear_empties_but_keeps_counters() {
    // One shard of room for all twenty: nothing here may be evicted.
    let cache = single(64, None, 60);
    for i in 0..20_u32 {
        cache.insert(&format!("token-{i}"), Arc::new(i), &live(), 100, 0);
    }
    assert_eq!(value(&cache, "token-3", 1), Some(3));
    cache.clear();
    assert_eq!(value(&cache, "token-3", 1), None);
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.bytes), (0, 0));
    assert_eq!((stats.inserts, stats.hits, stats.misses), (20, 1, 1));
    assert_eq!(stats.evictions, 0);
    // Still usable afterwards.
    cache.insert("token-3", Arc::new(33), &live(), 100, 1);
    assert_eq!(value(&cache, "token-3", 2), Some(33));
}

#[test]
fn stats_add_up() {
    let cache = cache(8, 60);
    let tokens: Vec<String> = (0..40).map(|i| format!("tok{i}")).collect();
    for (i, token) in tokens.iter().enumerate() {
        cache.insert(token, Arc::new(i as u32), &live(), 50, 0);
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
fn colliding_hashes_never_cross_tokens() {
    // Every token gets the same hash, as an attacker-found collision would.
    let mut shard = Shard::new(16, usize::MAX, VALUE_BYTES);
    for (i, token) in ["abc", "abcd", "ab", "abd"].into_iter().enumerate() {
        let new = New {
            token,
            value: Arc::new(i as u32),
            life: live(),
            hash: 42,
            expires_at: 100,
        };
        shard.insert(new, 0);
    }
    for (i, token) in ["abc", "abcd", "ab", "abd"].into_iter().enumerate() {
        assert_eq!(
            shard.get(42, token.as_bytes(), 1).map(|v| *v),
            Some(i as u32)
        );
    }
    assert!(shard.get(42, b"a", 1).is_none());
    assert!(shard.get(42, b"abce", 1).is_none());
    shard.remove_token(42, b"abcd");
    assert!(shard.get(42, b"abcd", 1).is_none());
    assert_eq!(shard.get(42, b"abc", 1).map(|v| *v), Some(0));
    assert_eq!(shard.len, 3);
    shard.check();
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
    #![proptest_config(crate::test_support::proptest_config(64))]

    #[test]
    fn agrees_with_a_model(
        capacity in 0..6_usize,
        extra_bytes in 0..400_usize,
        ttl in prop_oneof![0..30_u64, Just(u64::MAX)],
        shards in prop_oneof![Just(1_usize), Just(MAX_SHARDS)],
        ops in prop::collection::vec(op(), 1..200),
    ) {
        let entries_budget = ClaimsCache::<u32>::entry_bytes(0, VALUE_BYTES) * 2 + extra_bytes;
        let budget = fixed_bytes(capacity, shards) + entries_budget;
        let sizes = Sizes::new(capacity, MAX_TOKEN, VALUE_BYTES, Some(budget), shards);
        let hasher = foldhash::fast::SeedableRandomState::with_seed(
            SEED,
            foldhash::SharedSeed::global_fixed(),
        );
        let cache = ClaimsCache::build(sizes, VALUE_BYTES, ttl, hasher);
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
                    cache.insert(token, Arc::new(value), &live(), exp, now);
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
            prop_assert!(stats.bytes <= entries_budget as u64, "{:?}", stats);
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
    let entries_budget = 150 * bytes("token-00000");
    let budget = fixed_bytes(capacity, MAX_SHARDS) + entries_budget;
    let cache = budgeted(capacity, budget, 50);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let cache = &cache;
            scope.spawn(move || {
                let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ (thread + 1);
                for i in 0..ITERATIONS {
                    // xorshift64: enough randomness without a dependency,
                    // with a fixed seed per thread.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let key = state % 1_000;
                    let token = format!("token-{key:05}");
                    let now = i / 100;
                    // A bit the key does not depend on decides the operation.
                    if (state >> 40) & 1 == 0 {
                        cache.insert(&token, Arc::new(key as u32), &live(), now + 30, now);
                    } else if let Some(got) = cache.get(&token, now) {
                        assert_eq!(*got, key as u32);
                    }
                    if i % 16 == 0 {
                        let stats = cache.stats();
                        assert!(stats.entries <= capacity as u64, "{stats:?}");
                        assert!(stats.bytes <= entries_budget as u64, "{stats:?}");
                    }
                }
            });
        }
    });
    cache.check();
    let stats = cache.stats();
    assert!(stats.entries <= capacity as u64);
    assert!(stats.bytes <= entries_budget as u64);
    // Whatever the interleaving, every call was counted exactly once.
    assert_eq!(
        stats.hits + stats.misses + stats.inserts,
        THREADS * ITERATIONS
    );
}

#[test]
fn an_entry_whose_key_is_withdrawn_is_never_served_again() {
    let cache = cache(10, 1_000);
    let (kept, withdrawn) = (live(), live());
    cache.insert("kept", Arc::new(1), &kept, 500, 0);
    cache.insert("gone", Arc::new(2), &withdrawn, 500, 0);
    withdrawn.withdraw();
    assert_eq!(value(&cache, "gone", 1), None);
    assert_eq!(value(&cache, "kept", 1), Some(1));
    // What a verification that began before the withdrawal would insert
    // after it is not kept.
    cache.insert("late", Arc::new(3), &withdrawn, 500, 1);
    assert_eq!(value(&cache, "late", 2), None);
    let stats = cache.stats();
    assert_eq!((stats.withdrawn, stats.inserts, stats.entries), (1, 2, 1));
}

#[cfg(feature = "dpop")]
fn claimed(claim: super::Claim) -> super::Claimed {
    super::Claimed { claim, lost: 0 }
}

#[cfg(feature = "dpop")]
#[test]
fn a_claim_caches_once_and_asks_only_when_absent() {
    use super::Claim;
    let cache = single(2, None, 60);
    let life = live();
    let mut asked = 0;
    let mut admit = |v: u32| {
        asked += 1;
        Ok::<_, ()>(Arc::new(v))
    };
    assert_eq!(
        cache.claim("a", &life, 100, 1, || admit(1)),
        Ok(claimed(Claim::Kept))
    );
    assert_eq!(
        cache.claim("a", &life, 100, 2, || admit(2)),
        Ok(claimed(Claim::Held))
    );
    assert_eq!(value(&cache, "a", 3), Some(1));
    // Expired, the entry is gone and the token can be claimed again.
    assert_eq!(
        cache.claim("a", &life, 200, 100, || admit(3)),
        Ok(claimed(Claim::Kept))
    );
    assert_eq!(value(&cache, "a", 101), Some(3));
    // What `admit` refuses is not cached, and its error is handed back.
    assert_eq!(cache.claim("b", &life, 200, 100, || Err(())), Err(()));
    assert_eq!(value(&cache, "b", 101), None);
    // A token that could never fit in the shard is not kept.
    let long = "t".repeat(3 * MAX_TOKEN);
    assert_eq!(
        cache.claim(&long, &life, 200, 100, || admit(4)),
        Ok(claimed(Claim::NotKept))
    );
    // A withdrawn life keeps nothing and asks nothing.
    let gone = live();
    gone.withdraw();
    assert_eq!(
        cache.claim("c", &gone, 200, 100, || admit(5)),
        Ok(claimed(Claim::NotKept))
    );
    // Asked for "a" twice and for the long token; not for a held token.
    assert_eq!(asked, 3);
    cache.check();
}

/// Puts three entries into the one shard of `cache`, then panics while the
/// shard is locked (as a claims type's `Drop` could), poisoning it.
fn three_then_poisoned(cache: &ClaimsCache<u32>) {
    for token in ["a", "b", "c"] {
        cache.insert(token, Arc::new(1), &live(), 100, 1);
    }
    let poisoned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _guard = cache.shards[0].0.lock();
        panic!("while the shard is locked");
    }));
    assert!(poisoned.is_err());
    assert!(cache.shards[0].0.is_poisoned());
}

#[test]
fn a_poisoned_shard_is_emptied_and_what_it_held_counted_as_evicted() {
    let cache = single(8, None, 60);
    three_then_poisoned(&cache);
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.bytes, stats.evictions), (0, 0, 3));
    assert!(!cache.shards[0].0.is_poisoned());
    assert_eq!(value(&cache, "a", 2), None);
    // The shard works again from empty.
    cache.insert("a", Arc::new(2), &live(), 100, 2);
    assert_eq!(value(&cache, "a", 3), Some(2));
    cache.check();
}

/// The series see a poisoned shard's emptying as the counters do: what it
/// held as evicted, and its entries and bytes gone from the gauges.
#[cfg(feature = "metrics")]
#[test]
fn a_poisoned_shards_emptying_is_in_the_series() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let cache = single(8, None, 60).labelled("Poisoned");
        three_then_poisoned(&cache);
        // The next operation finds the shard poisoned and empties it.
        assert_eq!(value(&cache, "a", 2), None);
    });
    let series = snapshotter.snapshot().into_vec();
    let of = |name: &str| {
        series
            .iter()
            .find(|(key, ..)| key.key().name() == name)
            .map(|(.., value)| value)
    };
    assert_eq!(
        of(super::metrics::CACHE_EVICTIONS),
        Some(&DebugValue::Counter(3))
    );
    assert_eq!(
        of(super::metrics::CACHE_INSERTS),
        Some(&DebugValue::Counter(3))
    );
    for gauge in [super::metrics::CACHE_ENTRIES, super::metrics::CACHE_BYTES] {
        match of(gauge) {
            Some(DebugValue::Gauge(v)) => assert_eq!(v.into_inner(), 0.0, "{gauge}"),
            other => panic!("{gauge}: {other:?}"),
        }
    }
}

#[cfg(feature = "dpop")]
#[test]
fn a_claim_says_how_many_live_entries_its_shard_lost() {
    use super::{Claim, Claimed};
    let cache = single(2, None, 600);
    let life = live();
    let admit = || Ok::<_, ()>(Arc::new(0));
    for token in ["a", "b"] {
        assert_eq!(
            cache.claim(token, &life, 100, 1, admit),
            Ok(claimed(Claim::Kept))
        );
    }
    // Full: the third claim evicts a live entry to make room.
    assert_eq!(
        cache.claim("c", &life, 100, 1, admit),
        Ok(Claimed {
            claim: Claim::Kept,
            lost: 1
        })
    );
    // Expired entries making room are no loss.
    assert_eq!(
        cache.claim("d", &life, 200, 100, admit),
        Ok(claimed(Claim::Kept))
    );
    assert_eq!(
        cache.claim("e", &life, 200, 150, admit),
        Ok(claimed(Claim::Kept))
    );
    // A poisoned shard is emptied at the next claim: its live entries ("d"
    // and "e" at 160) are lost, counted before the lookup that misses.
    cache.poison();
    assert_eq!(
        cache.claim("d", &life, 200, 160, admit),
        Ok(Claimed {
            claim: Claim::Kept,
            lost: 2
        })
    );
    // Emptied of entries that had all expired, it lost nothing.
    cache.poison();
    assert_eq!(
        cache.claim("d", &life, 300, 250, admit),
        Ok(claimed(Claim::Kept))
    );
    cache.check();
}
