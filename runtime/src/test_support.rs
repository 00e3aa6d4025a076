//! What the unit tests share.

use proptest::test_runner::{Config, RngSeed};

/// The seed every property test runs with unless `PROPTEST_RNG_SEED` says
/// otherwise, so that a run repeats exactly and a failure reproduces; set
/// the variable to explore other cases.
const SEED: u64 = 0x00c1_a1e6_0a2d;

/// A property test's configuration: `cases` cases from the fixed seed.
pub(crate) fn proptest_config(cases: u32) -> Config {
    let mut config = Config::with_cases(cases);
    if matches!(config.rng_seed, RngSeed::Random) {
        config.rng_seed = RngSeed::Fixed(SEED);
    }
    config
}
