//! Compares the claims cache with `quick_cache` and `moka` at 10,000 entries
//! of ~450-byte tokens: hit latency, insert at capacity, hit throughput on
//! two threads, and the hit ratio on a Zipf-distributed trace (with an exact
//! LRU as the baseline).
//!
//! Run with `cargo bench -p claimguard --bench cache`; the hit ratios are
//! printed before criterion's timings, and the interleaved comparison with
//! quick_cache (the figures the README reports) after them. With
//! `--features dpop`, a last row compares a claim in the DPoP replay store
//! with the cache's insert at capacity.

// The cache is crate-private, so the bench compiles its source directly
// instead of widening the library's API. The bench uses only part of it, and
// when a lint pass builds benches with `cfg(test)` the module's unit tests
// arrive without their `#[test]` functions, leaving their imports unused.
#[allow(dead_code, unused_imports)]
#[path = "../src/cache/mod.rs"]
mod cache;

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::sync::Arc;

use cache::ClaimsCache;
use criterion::Criterion;

// The same interleaved measurement as the request and algorithm benches.
#[allow(dead_code)]
#[path = "../../benchmarks/src/interleaved.rs"]
mod interleaved;

// Replay keys as the DPoP benches make them.
#[cfg(feature = "dpop")]
#[path = "../../benchmarks/src/replay_key.rs"]
mod replay_key;

const CAPACITY: usize = 10_000;
const TOKEN_LEN: usize = 450;
/// What the bench's claims (`Arc<u64>` payloads) account for.
const VALUE_BYTES: usize = 8;
/// Long enough that nothing expires during a run.
const EXP: u64 = u64::MAX;
const NOW: u64 = 1;

type Claims = Arc<u64>;

/// xorshift64*: reproducible and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// `count` distinct JWT-shaped tokens of `TOKEN_LEN` bytes sharing a header,
/// as tokens from one issuer do.
fn tokens(count: usize, seed: u64) -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let header = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.";
    let mut rng = Rng(seed);
    (0..count)
        .map(|i| {
            let mut token = format!("{header}{i:08}");
            while token.len() < TOKEN_LEN {
                token.push(char::from(ALPHABET[rng.below(ALPHABET.len())]));
            }
            token
        })
        .collect()
}

/// Every entry's key stays in use for the whole run.
static LIFE: std::sync::LazyLock<Arc<cache::Life>> = std::sync::LazyLock::new(Arc::default);

/// The keys of the insert-at-capacity rows: the first `CAPACITY` fill the
/// cache, and the others are inserted round-robin, each again only after
/// twenty times the capacity of others. A cache may keep what filled it
/// (claimguard and quick_cache both admit entries straight to their
/// protected queue while it has room), and a cycle shorter than what that
/// queue plus the ghost remember would bring keys back while they are still
/// cached, making some inserts replacements that evict nothing.
const INSERT_KEYS: usize = 21 * CAPACITY;

/// The key after `i` of an insert-at-capacity row (see [`INSERT_KEYS`]).
fn next_absent(i: usize) -> usize {
    if i + 1 >= INSERT_KEYS {
        CAPACITY
    } else {
        i + 1
    }
}

fn claims_cache() -> ClaimsCache<u64> {
    ClaimsCache::new(CAPACITY, TOKEN_LEN, VALUE_BYTES, None, u64::MAX)
}

/// Samples ranks `0..n` with probability proportional to `1 / (rank + 1)^s`
/// by binary search over the cumulative distribution.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
        let mut total = 0.0;
        let mut cdf: Vec<f64> = (1..=n)
            .map(|k| {
                total += 1.0 / (k as f64).powf(s);
                total
            })
            .collect();
        for p in &mut cdf {
            *p /= total;
        }
        Self { cdf }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&p| p < u).min(self.cdf.len() - 1)
    }
}

/// An exact LRU over key ids: the baseline the SIEVE paper compares with.
struct Lru {
    capacity: usize,
    clock: u64,
    stamp: HashMap<usize, u64>,
    order: BTreeMap<u64, usize>,
}

impl Lru {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            clock: 0,
            stamp: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    /// Looks `key` up, inserting it on a miss; `true` on a hit.
    fn access(&mut self, key: usize) -> bool {
        self.clock += 1;
        let hit = match self.stamp.insert(key, self.clock) {
            Some(old) => {
                self.order.remove(&old);
                true
            }
            None => false,
        };
        self.order.insert(self.clock, key);
        if self.stamp.len() > self.capacity
            && let Some((_, victim)) = self.order.pop_first()
        {
            self.stamp.remove(&victim);
        }
        hit
    }
}

/// Hit ratios of each cache on the same Zipf trace, insert-on-miss, as
/// `(s, claimguard, quick_cache)` percentages.
fn hit_ratios() -> Vec<(f64, f64, f64)> {
    let mut table = Vec::new();
    const UNIVERSE: usize = 100_000;
    const REQUESTS: usize = 400_000;
    let keys = tokens(UNIVERSE, 7);
    for s in [0.8, 1.0] {
        let zipf = Zipf::new(UNIVERSE, s);
        let mut rng = Rng(42);
        let trace: Vec<usize> = (0..REQUESTS).map(|_| zipf.sample(&mut rng)).collect();

        let ours = claims_cache();
        let quick = quick_cache::sync::Cache::<String, Claims>::new(CAPACITY);
        let moka = moka::sync::Cache::<String, Claims>::new(CAPACITY as u64);
        let mut lru = Lru::new(CAPACITY);
        let mut hits = [0_usize; 4];
        for &id in &trace {
            let key = &keys[id];
            if ours.get(key, NOW).is_some() {
                hits[0] += 1;
            } else {
                ours.insert(key, Arc::new(id as u64), &LIFE, EXP, NOW);
            }
            if quick.get(key.as_str()).is_some() {
                hits[1] += 1;
            } else {
                quick.insert(key.clone(), Arc::new(id as u64));
            }
            if moka.get(key.as_str()).is_some() {
                hits[2] += 1;
            } else {
                moka.insert(key.clone(), Arc::new(id as u64));
            }
            hits[3] += usize::from(lru.access(id));
        }
        let ratio = |h: usize| 100.0 * h as f64 / REQUESTS as f64;
        println!(
            "zipf s={s}: {UNIVERSE} keys, {REQUESTS} requests, capacity {CAPACITY}: \
             claimguard {:.2}%, quick_cache {:.2}%, moka {:.2}%, exact LRU {:.2}%",
            ratio(hits[0]),
            ratio(hits[1]),
            ratio(hits[2]),
            ratio(hits[3]),
        );
        table.push((s, ratio(hits[0]), ratio(hits[1])));
    }
    table
}

fn hit_latency(c: &mut Criterion) {
    let keys = tokens(CAPACITY, 1);
    // Fewer than capacity so every lookup hits in every cache, whatever its
    // admission policy.
    let resident = &keys[..CAPACITY * 9 / 10];
    let ours = claims_cache();
    let quick = quick_cache::sync::Cache::<String, Claims>::new(CAPACITY);
    let moka = moka::sync::Cache::<String, Claims>::new(CAPACITY as u64);
    for (i, key) in resident.iter().enumerate() {
        ours.insert(key, Arc::new(i as u64), &LIFE, EXP, NOW);
        quick.insert(key.clone(), Arc::new(i as u64));
        moka.insert(key.clone(), Arc::new(i as u64));
    }
    moka.run_pending_tasks();
    let mut rng = Rng(3);
    let order: Vec<usize> = (0..4096).map(|_| rng.below(resident.len())).collect();

    let mut group = c.benchmark_group("hit");
    let mut i = 0;
    group.bench_function("claimguard", |b| {
        b.iter(|| {
            i = (i + 1) % order.len();
            black_box(ours.get(&resident[order[i]], NOW))
        })
    });
    group.bench_function("quick_cache", |b| {
        b.iter(|| {
            i = (i + 1) % order.len();
            black_box(quick.get(resident[order[i]].as_str()))
        })
    });
    group.bench_function("moka", |b| {
        b.iter(|| {
            i = (i + 1) % order.len();
            black_box(moka.get(resident[order[i]].as_str()))
        })
    });
    group.finish();
}

fn insert_at_capacity(c: &mut Criterion) {
    // The first `CAPACITY` keys fill each cache; the rest come round-robin
    // (`next_absent`), so each insert is of an absent key into a full cache
    // and has to evict.
    let keys = tokens(INSERT_KEYS, 2);
    let ours = claims_cache();
    let quick = quick_cache::sync::Cache::<String, Claims>::new(CAPACITY);
    let moka = moka::sync::Cache::<String, Claims>::new(CAPACITY as u64);
    for (i, key) in keys[..CAPACITY].iter().enumerate() {
        ours.insert(key, Arc::new(i as u64), &LIFE, EXP, NOW);
        quick.insert(key.clone(), Arc::new(i as u64));
        moka.insert(key.clone(), Arc::new(i as u64));
    }
    moka.run_pending_tasks();

    // Every cache starts from a borrowed token, as the verifier does, so the
    // owned-key caches pay for their `String` inside the timing just as ours
    // pays for its copy of the token (or, evicting a token of its length,
    // for writing over that token's buffer).
    let mut group = c.benchmark_group("insert_at_capacity");
    let mut i = CAPACITY;
    group.bench_function("claimguard", |b| {
        b.iter(|| {
            i = next_absent(i);
            ours.insert(&keys[i], Arc::new(i as u64), &LIFE, EXP, NOW);
        })
    });
    let mut i = CAPACITY;
    group.bench_function("quick_cache", |b| {
        b.iter(|| {
            i = next_absent(i);
            quick.insert(keys[i].clone(), Arc::new(i as u64));
        })
    });
    let mut i = CAPACITY;
    group.bench_function("moka", |b| {
        b.iter(|| {
            i = next_absent(i);
            moka.insert(keys[i].clone(), Arc::new(i as u64));
        })
    });
    group.finish();
}

/// Two threads hitting random resident keys at once; the time reported is
/// per lookup (wall time over both threads' lookups), so lower is better and
/// contention shows as a higher figure.
fn two_thread_hits(c: &mut Criterion) {
    const THREADS: u64 = 2;
    let keys = tokens(CAPACITY, 1);
    let resident = &keys[..CAPACITY * 9 / 10];
    let ours = claims_cache();
    let quick = quick_cache::sync::Cache::<String, Claims>::new(CAPACITY);
    let moka = moka::sync::Cache::<String, Claims>::new(CAPACITY as u64);
    for (i, key) in resident.iter().enumerate() {
        ours.insert(key, Arc::new(i as u64), &LIFE, EXP, NOW);
        quick.insert(key.clone(), Arc::new(i as u64));
        moka.insert(key.clone(), Arc::new(i as u64));
    }
    moka.run_pending_tasks();
    let order: Vec<Vec<usize>> = (0..THREADS)
        .map(|t| {
            let mut rng = Rng(11 + t);
            (0..4096).map(|_| rng.below(resident.len())).collect()
        })
        .collect();

    fn run(iters: u64, order: &[Vec<usize>], get: &(dyn Fn(usize) + Sync)) -> std::time::Duration {
        let start = std::time::Instant::now();
        on_threads(iters.div_ceil(THREADS), order, get);
        start.elapsed() / THREADS as u32
    }

    let mut group = c.benchmark_group("hit_2_threads");
    group.bench_function("claimguard", |b| {
        b.iter_custom(|iters| {
            run(iters, &order, &|k| {
                black_box(ours.get(&resident[k], NOW));
            })
        })
    });
    group.bench_function("quick_cache", |b| {
        b.iter_custom(|iters| {
            run(iters, &order, &|k| {
                black_box(quick.get(resident[k].as_str()));
            })
        })
    });
    group.bench_function("moka", |b| {
        b.iter_custom(|iters| {
            run(iters, &order, &|k| {
                black_box(moka.get(resident[k].as_str()));
            })
        })
    });
    group.finish();
}

/// `per_thread` lookups on each of the threads of `order`, at once.
fn on_threads(per_thread: u64, order: &[Vec<usize>], get: &(dyn Fn(usize) + Sync)) {
    std::thread::scope(|scope| {
        for o in order {
            scope.spawn(move || {
                for n in 0..per_thread {
                    get(o[n as usize % o.len()]);
                }
            });
        }
    });
}

/// claimguard against quick_cache, row by row, in alternating batches (see
/// `interleaved`): the figures the README reports, as `(row, claimguard ns,
/// quick_cache ns, median ratio, first quartile, third quartile)`.
fn interleaved_rows() -> Vec<(&'static str, f64, f64, f64, f64, f64)> {
    const ROUNDS: usize = 201;
    let mut rows = Vec::new();
    let mut report = |name, rounds: &[Vec<f64>], per: f64| {
        let (median, p25, p75) = interleaved::ratio(rounds, 0, 1);
        let [a, b] = [0, 1].map(|i| interleaved::median(rounds, i) / per);
        rows.push((name, a, b, median, p25, p75));
    };

    let keys = tokens(CAPACITY, 1);
    let resident = &keys[..CAPACITY * 9 / 10];
    let ours = claims_cache();
    let quick = quick_cache::sync::Cache::<String, Claims>::new(CAPACITY);
    for (i, key) in resident.iter().enumerate() {
        ours.insert(key, Arc::new(i as u64), &LIFE, EXP, NOW);
        quick.insert(key.clone(), Arc::new(i as u64));
    }
    let mut rng = Rng(3);
    let order: Vec<usize> = (0..4096).map(|_| rng.below(resident.len())).collect();
    let (mut i, mut j) = (0, 0);
    let mut a = || {
        i = (i + 1) % order.len();
        black_box(ours.get(&resident[order[i]], NOW));
    };
    let mut b = || {
        j = (j + 1) % order.len();
        black_box(quick.get(resident[order[j]].as_str()));
    };
    report(
        "hit",
        &interleaved::rounds(&mut [&mut a, &mut b], ROUNDS),
        1.0,
    );

    const PER_THREAD: u64 = 2_000;
    let order: Vec<Vec<usize>> = (0..2)
        .map(|t| {
            let mut rng = Rng(11 + t);
            (0..4096).map(|_| rng.below(resident.len())).collect()
        })
        .collect();
    let mut a = || {
        on_threads(PER_THREAD, &order, &|k| {
            black_box(ours.get(&resident[k], NOW));
        })
    };
    let mut b = || {
        on_threads(PER_THREAD, &order, &|k| {
            black_box(quick.get(resident[k].as_str()));
        })
    };
    let rounds = interleaved::rounds(&mut [&mut a, &mut b], ROUNDS);
    // Wall time per lookup over both threads' lookups.
    report("hit, 2 threads", &rounds, 2.0 * PER_THREAD as f64);

    let keys = tokens(INSERT_KEYS, 2);
    let ours = claims_cache();
    let quick = quick_cache::sync::Cache::<String, Claims>::new(CAPACITY);
    for (i, key) in keys[..CAPACITY].iter().enumerate() {
        ours.insert(key, Arc::new(i as u64), &LIFE, EXP, NOW);
        quick.insert(key.clone(), Arc::new(i as u64));
    }
    let (mut i, mut j) = (CAPACITY, CAPACITY);
    let mut a = || {
        i = next_absent(i);
        ours.insert(&keys[i], Arc::new(i as u64), &LIFE, EXP, NOW);
    };
    let mut b = || {
        j = next_absent(j);
        quick.insert(keys[j].clone(), Arc::new(j as u64));
    };
    report(
        "insert at capacity",
        &interleaved::rounds(&mut [&mut a, &mut b], ROUNDS),
        1.0,
    );
    rows
}

/// `--count <row> <n>`: `n` operations of one row of one cache and nothing
/// else, for `scripts/cache-misses.sh`, which runs this under cachegrind
/// with two values of `n` so that the set-up cancels out. Rows:
/// `hit/claimguard`, `hit/quick_cache`, `insert/claimguard`,
/// `insert/quick_cache`, as in the interleaved table, and with `dpop`
/// `claim/replay_store`, as in the replay claim's row.
fn count(row: &str, n: usize) {
    let (op, cache) = row.split_once('/').unwrap_or((row, ""));
    let ours = claims_cache();
    let quick = quick_cache::sync::Cache::<String, Claims>::new(CAPACITY);
    let fill = |keys: &[String]| {
        for (i, key) in keys.iter().enumerate() {
            match cache {
                "claimguard" => ours.insert(key, Arc::new(i as u64), &LIFE, EXP, NOW),
                _ => quick.insert(key.clone(), Arc::new(i as u64)),
            }
        }
    };
    match (op, cache) {
        ("hit", "claimguard" | "quick_cache") => {
            let keys = tokens(CAPACITY, 1);
            let resident = &keys[..CAPACITY * 9 / 10];
            fill(resident);
            let mut rng = Rng(3);
            let order: Vec<usize> = (0..4096).map(|_| rng.below(resident.len())).collect();
            for k in 0..n {
                let key = &resident[order[k % order.len()]];
                if cache == "claimguard" {
                    black_box(ours.get(key, NOW));
                } else {
                    black_box(quick.get(key.as_str()));
                }
            }
        }
        ("insert", "claimguard" | "quick_cache") => {
            let keys = tokens(INSERT_KEYS, 2);
            fill(&keys[..CAPACITY]);
            let mut i = CAPACITY;
            for _ in 0..n {
                i = next_absent(i);
                if cache == "claimguard" {
                    ours.insert(&keys[i], Arc::new(i as u64), &LIFE, EXP, NOW);
                } else {
                    quick.insert(keys[i].clone(), Arc::new(i as u64));
                }
            }
        }
        #[cfg(feature = "dpop")]
        ("claim", "replay_store") => {
            let store = claimguard::dpop::MemoryReplayStore::default();
            let mut claim = replay_claims(&store);
            for _ in 0..n {
                claim();
            }
        }
        _ => {
            eprintln!(
                "unknown row {row:?}: hit/claimguard, hit/quick_cache, insert/claimguard, insert/quick_cache or (with dpop) claim/replay_store"
            );
            std::process::exit(2);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, row, n] = &args[..]
        && flag == "--count"
    {
        match n.parse() {
            Ok(n) => return count(row, n),
            Err(_) => {
                eprintln!("--count <row> <n>: n is a number of operations");
                std::process::exit(2);
            }
        }
    }
    let ratios = hit_ratios();
    let mut c = Criterion::default().configure_from_args();
    hit_latency(&mut c);
    insert_at_capacity(&mut c);
    two_thread_hits(&mut c);
    c.final_summary();
    println!("\nclaimguard / quick_cache, interleaved (median over rounds, quartiles):");
    println!("| measure | claimguard | quick_cache | ratio |");
    println!("|---|---|---|---|");
    for (name, ours, quick, median, p25, p75) in interleaved_rows() {
        println!("| {name} | {ours:.0} ns | {quick:.0} ns | {median:.3} ({p25:.3}–{p75:.3}) |");
    }
    for (s, ours, quick) in ratios {
        println!(
            "| hit ratio, Zipf s = {s} | {ours:.2} % | {quick:.2} % | {:+.2} points |",
            ours - quick
        );
    }
    #[cfg(feature = "dpop")]
    {
        let (claim, insert, median, p25, p75) = replay_claim_row();
        println!("\nDPoP replay claim / claims cache insert at capacity, interleaved:");
        println!("| measure | replay claim | cache insert | ratio |");
        println!("|---|---|---|---|");
        println!(
            "| one new key | {claim:.0} ns | {insert:.0} ns | {median:.3} ({p25:.3}–{p75:.3}) |"
        );
    }
}

/// Claims of new keys in `store` (a default `MemoryReplayStore`: 100 000
/// keys), at 4 096 a second each held two seconds, brought to its steady
/// state (200 000 claims in): each further call claims one new key and
/// reclaims an expired one, its shard's oldest, as a busy store's claims
/// do.
#[cfg(feature = "dpop")]
fn replay_claims(store: &claimguard::dpop::MemoryReplayStore) -> impl FnMut() + '_ {
    use claimguard::dpop::ReplayStore as _;

    let mut key = String::new();
    let mut claimed = 0u64;
    let mut claim = move || {
        claimed += 1;
        replay_key::replay_key(claimed, &mut key);
        let now = 1_700_000_000 + claimed / 4096;
        black_box(store.claim_at_once(&key, now + 2, now));
    };
    for _ in 0..200_000 {
        claim();
    }
    claim
}

/// A claim of a new key in the in-process DPoP replay store (a default
/// `MemoryReplayStore`, 100 000 keys, at the steady state of 4 096 claims a
/// second each held two seconds, every claim reclaiming an expired key)
/// against an insert at capacity into the claims cache, in
/// alternating batches: `(claim ns, insert ns, median ratio, quartiles)`.
/// Run with `cargo bench -p claimguard --features dpop --bench cache`.
#[cfg(feature = "dpop")]
fn replay_claim_row() -> (f64, f64, f64, f64, f64) {
    let store = claimguard::dpop::MemoryReplayStore::default();
    let mut claim = replay_claims(&store);

    let keys = tokens(INSERT_KEYS, 2);
    let ours = claims_cache();
    for (i, key) in keys[..CAPACITY].iter().enumerate() {
        ours.insert(key, Arc::new(i as u64), &LIFE, EXP, NOW);
    }
    let mut i = CAPACITY;
    let mut insert = || {
        i = next_absent(i);
        ours.insert(&keys[i], Arc::new(i as u64), &LIFE, EXP, NOW);
    };
    let rounds = interleaved::rounds(&mut [&mut claim, &mut insert], 201);
    let (median, p25, p75) = interleaved::ratio(&rounds, 0, 1);
    let [a, b] = [0, 1].map(|i| interleaved::median(&rounds, i));
    (a, b, median, p25, p75)
}
