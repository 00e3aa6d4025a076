//! The kit claimguard's own tests share (and its benchmarks, examples and
//! fuzz targets): the fixture keys and tokens signed with them for every
//! algorithm, the fixed clock, one request through a real Router, a
//! counting allocator, the property-test configuration, and a real OpenID
//! provider and a real Redis to run.

mod alloc;
pub mod fuzz;
pub mod http;
pub mod idp;
pub mod mint;
pub mod redis;

pub use alloc::{CountingAlloc, Usage, live_bytes, measure, peak_bytes, reset_peak};
pub use http::{Reply, Teapot, assert_dpop_challenge, bearer, call, send};
pub use mint::{
    HsMinter, SECRET, b64, encoding_key, fixture, fixture_path, pin_jsonwebtoken_provider, sign,
    sign_raw, signature, wycheproof_path,
};

use claimguard::{Claims, Key, ManualClock, Verifier};
use proptest::test_runner::{Config, RngSeed};

/// A fixed "now" for the manual clock.
pub const NOW: u64 = 1_700_000_000;

/// A manual clock reading [`NOW`].
pub fn clock() -> ManualClock {
    ManualClock::new(NOW)
}

/// A verifier for `T` with the HMAC test secret, its clock at [`NOW`] and,
/// if `T` has a cache, a fixed cache seed.
pub fn verifier<T: Claims>() -> Verifier<T> {
    Verifier::<T>::builder()
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(clock())
        .cache_seed(CACHE_SEED)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The cache seed every test verifier uses, so that which tokens share a
/// cache shard, and so every eviction, repeats from run to run.
pub const CACHE_SEED: u64 = 0x5eed;

/// The seed every property test runs with unless `PROPTEST_RNG_SEED` says
/// otherwise, so that a run repeats exactly and a failure reproduces; set
/// the variable to explore other cases.
pub const PROPTEST_SEED: u64 = 0x00c1_a1e6_0a2d;

/// A property test's configuration: `cases` cases from [`PROPTEST_SEED`]
/// (or `PROPTEST_RNG_SEED`), failures not written to regression files (the
/// seed reproduces them).
pub fn proptest_config(cases: u32) -> Config {
    let mut config = Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    };
    if matches!(config.rng_seed, RngSeed::Random) {
        config.rng_seed = RngSeed::Fixed(PROPTEST_SEED);
    }
    config
}
