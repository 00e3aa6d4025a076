//! Ratios of per-call times measured in alternating batches, for a machine
//! whose speed drifts (a shared VM): every round times one short batch of
//! each variant back to back, so a slow phase hits all of a round's
//! variants alike, and a ratio is taken within each round; the median over
//! the rounds is reported with its quartiles.
//!
//! Kept in a file of its own so that `runtime/benches/cache.rs`, which cannot
//! depend on this package, includes the same code.

use std::time::{Duration, Instant};

/// How long one batch of one variant runs.
pub const BATCH: Duration = Duration::from_millis(2);

/// The time per call of `run`, over `calls` calls, in nanoseconds.
pub fn per_call(calls: u32, run: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        run();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(calls)
}

/// Per-call times (ns) of every variant in each of `rounds` rounds; the
/// order within a round rotates, so no variant always runs first.
pub fn rounds(variants: &mut [&mut dyn FnMut()], rounds: usize) -> Vec<Vec<f64>> {
    rounds_of(variants, rounds, BATCH)
}

/// [`rounds`] with batches of `batch` each.
pub fn rounds_of(
    variants: &mut [&mut dyn FnMut()],
    rounds: usize,
    batch: Duration,
) -> Vec<Vec<f64>> {
    // Warm up, and size each variant's batch from its own speed.
    let calls: Vec<u32> = variants
        .iter_mut()
        .map(|run| {
            per_call(50, *run);
            let estimate = per_call(200, *run).max(1.0);
            ((batch.as_secs_f64() * 1e9 / estimate) as u32).max(1)
        })
        .collect();
    let n = variants.len();
    (0..rounds)
        .map(|round| {
            let mut times = vec![0.0; n];
            for k in 0..n {
                let i = (round + k) % n;
                times[i] = per_call(calls[i], variants[i]);
            }
            times
        })
        .collect()
}

/// Median, first and third quartile of `values`.
pub fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: usize| values[(values.len() - 1) * q / 4];
    (at(2), at(1), at(3))
}

/// The per-round ratio `times[a] / times[b]`, as median and quartiles.
pub fn ratio(rounds: &[Vec<f64>], a: usize, b: usize) -> (f64, f64, f64) {
    quartiles(rounds.iter().map(|t| t[a] / t[b]).collect())
}

/// The per-round difference `times[a] - times[b]` (ns), as median and
/// quartiles.
pub fn difference(rounds: &[Vec<f64>], a: usize, b: usize) -> (f64, f64, f64) {
    quartiles(rounds.iter().map(|t| t[a] - t[b]).collect())
}

/// The median time (ns) of variant `a` over the rounds.
pub fn median(rounds: &[Vec<f64>], a: usize) -> f64 {
    quartiles(rounds.iter().map(|t| t[a]).collect()).0
}
