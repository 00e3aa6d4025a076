//! Cold decode per algorithm (HS256, RS256, ES256, EdDSA), three ways:
//!
//! - `claimguard`: `Verifier::verify(token)` with no cache (the whole
//!   pipeline: size gate, header, key selection, signature, registered
//!   claims, the derived bounded deserializer);
//! - `jsonwebtoken_decode`: `jsonwebtoken::decode` with a `Validation` for
//!   the algorithm, `iss` and `aud`;
//! - `crypto_verify`: `jsonwebtoken::crypto::verify` alone, on a token split
//!   beforehand: the signature check both of the above pay.
//!
//! claimguard − crypto_verify is the time claimguard spends outside
//! signature verification. For RS256, ES256 and EdDSA that is a difference
//! of two numbers 50 to 200 times larger than it, so drift between the two
//! criterion runs (another process waking up) can swamp it; after criterion,
//! the bench therefore also prints a paired estimate: batches of the two
//! alternate, and the median of the per-batch differences is reported. Groups are named after the crypto backend
//! (`alg_rust_crypto`, or `alg_aws_lc_rs` with `--features aws_lc_rs`), so
//! runs on both backends sit side by side in `target/criterion`.
//!
//! `cargo bench -p claimguard-benchmarks --bench algorithms`

use std::hint::black_box;
use std::time::{Duration, Instant};

use claimguard::Verifier;
use claimguard_benchmarks::{Alg, AlgUser, BACKEND, PlainClaims, install_crypto_provider};
use criterion::{BenchmarkId, Criterion};

fn algorithms(c: &mut Criterion) {
    install_crypto_provider();
    let mut group = c.benchmark_group(format!("alg_{BACKEND}"));
    for alg in Alg::ALL {
        let token = alg.token(1);
        let verifier = Verifier::<AlgUser>::builder()
            .key(alg.claimguard_key())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let key = alg.decoding_key();
        let validation = alg.validation();
        let (message, signature) = token
            .rsplit_once('.')
            .unwrap_or_else(|| panic!("{} token has no signature", alg.name()));

        // All three must accept the token, or a fast error path is measured.
        verifier
            .verify(&token)
            .unwrap_or_else(|e| panic!("claimguard refused {}: {e}", alg.name()));
        jsonwebtoken::decode::<PlainClaims>(&token, &key, &validation)
            .unwrap_or_else(|e| panic!("jsonwebtoken refused {}: {e}", alg.name()));
        let valid = jsonwebtoken::crypto::verify(signature, message.as_bytes(), &key, alg.jwt())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(valid, "crypto::verify refused {}", alg.name());
        println!("{} token: {} bytes", alg.name(), token.len());

        group.bench_function(BenchmarkId::new(alg.name(), "claimguard"), |b| {
            b.iter(|| verifier.verify(black_box(&token)));
        });
        group.bench_function(BenchmarkId::new(alg.name(), "jsonwebtoken_decode"), |b| {
            b.iter(|| jsonwebtoken::decode::<PlainClaims>(black_box(&token), &key, &validation));
        });
        group.bench_function(BenchmarkId::new(alg.name(), "crypto_verify"), |b| {
            b.iter(|| {
                jsonwebtoken::crypto::verify(
                    black_box(signature),
                    black_box(message.as_bytes()),
                    &key,
                    alg.jwt(),
                )
            });
        });
    }
    group.finish();
}

/// How long each batch of the paired estimate runs.
const BATCH: Duration = Duration::from_millis(4);
/// Batches of each side in the paired estimate.
const ROUNDS: usize = 201;

/// The time per call of `run`, over `calls` calls.
fn per_call(calls: u32, run: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        run();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(calls)
}

/// Median and quartiles (ns per call) of `a − b` over alternating batches:
/// a slow phase of the machine hits both sides of a pair alike, so the
/// difference stays readable where two separate means would not.
fn paired_difference(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64, f64) {
    // Warm up, and size the batches from `b`'s speed.
    let estimate = per_call(20, &mut b).max(1.0);
    let calls = ((BATCH.as_secs_f64() * 1e9 / estimate) as u32).max(1);
    per_call(calls, &mut a);
    let mut differences: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            // Alternate which side goes first, so neither always runs on a
            // cache the other just warmed.
            if round % 2 == 0 {
                let ta = per_call(calls, &mut a);
                ta - per_call(calls, &mut b)
            } else {
                let tb = per_call(calls, &mut b);
                per_call(calls, &mut a) - tb
            }
        })
        .collect();
    differences.sort_by(f64::total_cmp);
    let at = |q: usize| differences[(differences.len() - 1) * q / 4];
    (at(2), at(1), at(3))
}

/// The paired estimate of claimguard − crypto::verify for every algorithm,
/// printed and written next to criterion's output as
/// `criterion/alg_<backend>/paired_outside.csv` (for `scripts/bench-ratios.sh`).
fn outside_signature() {
    install_crypto_provider();
    let mut csv = String::from("alg,median_ns,p25_ns,p75_ns\n");
    println!(
        "\nclaimguard − crypto::verify, paired ({BACKEND}, {ROUNDS} alternating batches of ~{BATCH:?}):"
    );
    for alg in Alg::ALL {
        let token = alg.token(1);
        let verifier = Verifier::<AlgUser>::builder()
            .key(alg.claimguard_key())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let key = alg.decoding_key();
        let (message, signature) = token
            .rsplit_once('.')
            .unwrap_or_else(|| panic!("{} token has no signature", alg.name()));
        let (median, p25, p75) = paired_difference(
            || {
                black_box(verifier.verify(black_box(&token)).is_ok());
            },
            || {
                black_box(jsonwebtoken::crypto::verify(
                    black_box(signature),
                    black_box(message.as_bytes()),
                    &key,
                    alg.jwt(),
                ))
                .ok();
            },
        );
        println!(
            "  {:<6} median {:>8.3} us  (quartiles {:.3} .. {:.3} us)",
            alg.name(),
            median / 1000.0,
            p25 / 1000.0,
            p75 / 1000.0
        );
        csv.push_str(&format!("{},{median:.1},{p25:.1},{p75:.1}\n", alg.name()));
    }
    // Where criterion writes: $CARGO_TARGET_DIR, else the workspace's target.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        std::path::PathBuf::from,
    );
    let dir = target.join("criterion").join(format!("alg_{BACKEND}"));
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("paired_outside.csv"), csv));
    if let Err(e) = written {
        eprintln!("could not write {}/paired_outside.csv: {e}", dir.display());
    }
}

// A plain `main` rather than `criterion_main!`, whose generated function
// has no docs and trips the workspace's `missing_docs` lint.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    algorithms(&mut c);
    c.final_summary();
    // Not under `cargo test --benches` or `--list`, which only check that
    // the benches run. (`cargo bench --bench algorithms -- paired` matches no
    // criterion benchmark, so it runs the paired estimate alone.)
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        outside_signature();
    }
}
