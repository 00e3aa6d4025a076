//! Cold decode per algorithm (HS256, RS256, ES256, EdDSA), four ways:
//!
//! - `claimguard`: `Verifier::verify(token)` with no cache (the whole
//!   pipeline: size gate, header, key selection, signature, registered
//!   claims, the derived bounded deserializer);
//! - `jsonwebtoken_decode`: `jsonwebtoken::decode` with a `Validation` for
//!   the algorithm, `iss` and `aud`;
//! - `prepared_verify`: the signature check alone, by the backend crate
//!   itself with a key parsed once and the signature already decoded: the
//!   floor of any verification, and what claimguard's signature step costs;
//! - `crypto_verify`: `jsonwebtoken::crypto::verify` alone, on a token split
//!   beforehand (it parses the key on every call).
//!
//! claimguard − prepared_verify is the time claimguard spends outside
//! signature verification. After criterion, the bench prints it from
//! interleaved batches, which resolve a difference that separate criterion
//! runs on a shared machine cannot (`cargo bench --bench algorithms --
//! interleaved` runs that part alone). Groups are named after the crypto
//! backend (`alg_rust_crypto`, or `alg_aws_lc_rs` with `--features
//! aws_lc_rs`), so runs on both backends sit side by side in
//! `target/criterion`.
//!
//! `cargo bench -p claimguard-benchmarks --bench algorithms`

use std::hint::black_box;

use claimguard::Verifier;
use claimguard_benchmarks::{
    Alg, AlgUser, BACKEND, PlainClaims, PreparedKey, install_crypto_provider, interleaved,
};
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
        let prepared = PreparedKey::new(alg);
        let signature_bytes = PreparedKey::signature_bytes(signature);
        assert!(prepared.verify(message.as_bytes(), &signature_bytes));
        group.bench_function(BenchmarkId::new(alg.name(), "prepared_verify"), |b| {
            b.iter(|| prepared.verify(black_box(message.as_bytes()), black_box(&signature_bytes)));
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

/// Rounds of the interleaved measurement.
const ROUNDS: usize = 601;

/// claimguard's time outside signature verification, per algorithm, from
/// interleaved batches ([`interleaved`]): claimguard's cold decode minus the
/// signature check alone with a key prepared once (`prepared_verify`, the
/// floor), and minus jsonwebtoken's `crypto::verify` (which parses the key
/// on every call). For RS256, ES256 and EdDSA these are differences of two
/// numbers 20 to 200 times larger than them, which separate criterion runs
/// cannot resolve on a shared machine. Printed, and written as
/// `criterion/alg_<backend>/interleaved.csv` for `scripts/bench-ratios.sh`.
fn outside_signature() {
    install_crypto_provider();
    let mut csv = String::from(
        "alg,claimguard_ns,prepared_ns,crypto_verify_ns,outside_median_ns,outside_p25_ns,outside_p75_ns,vs_crypto_verify_median_ns\n",
    );
    println!(
        "\nclaimguard - signature alone ({BACKEND}, {ROUNDS} interleaved rounds of ~{:?}):",
        interleaved::BATCH
    );
    for alg in Alg::ALL {
        let token = alg.token(1);
        let verifier = Verifier::<AlgUser>::builder()
            .key(alg.claimguard_key())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let key = alg.decoding_key();
        let prepared = PreparedKey::new(alg);
        let (message, signature) = token
            .rsplit_once('.')
            .unwrap_or_else(|| panic!("{} token has no signature", alg.name()));
        let signature_bytes = PreparedKey::signature_bytes(signature);
        assert!(prepared.verify(message.as_bytes(), &signature_bytes));
        let mut claimguard = || {
            black_box(verifier.verify(black_box(&token)).is_ok());
        };
        let mut floor = || {
            black_box(prepared.verify(black_box(message.as_bytes()), black_box(&signature_bytes)));
        };
        let mut crypto = || {
            black_box(jsonwebtoken::crypto::verify(
                black_box(signature),
                black_box(message.as_bytes()),
                &key,
                alg.jwt(),
            ))
            .ok();
        };
        let rounds = interleaved::rounds(&mut [&mut claimguard, &mut floor, &mut crypto], ROUNDS);
        let (median, p25, p75) = interleaved::difference(&rounds, 0, 1);
        let (vs_crypto, _, _) = interleaved::difference(&rounds, 0, 2);
        let [c, f, j] = [0, 1, 2].map(|i| interleaved::median(&rounds, i));
        println!(
            "  {:<6} claimguard {:>9.3} us, signature alone {:>9.3} us: outside {:>7.3} us (quartiles {:.3} .. {:.3}); crypto::verify {:>9.3} us",
            alg.name(),
            c / 1000.0,
            f / 1000.0,
            median / 1000.0,
            p25 / 1000.0,
            p75 / 1000.0,
            j / 1000.0,
        );
        csv.push_str(&format!(
            "{},{c:.1},{f:.1},{j:.1},{median:.1},{p25:.1},{p75:.1},{vs_crypto:.1}\n",
            alg.name()
        ));
    }
    // Where criterion writes: $CARGO_TARGET_DIR, else the workspace's target.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        std::path::PathBuf::from,
    );
    let dir = target.join("criterion").join(format!("alg_{BACKEND}"));
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("interleaved.csv"), csv));
    if let Err(e) = written {
        eprintln!("could not write {}/interleaved.csv: {e}", dir.display());
    }
}

// A plain `main` rather than `criterion_main!`, whose generated function
// has no docs and trips the workspace's `missing_docs` lint.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    algorithms(&mut c);
    c.final_summary();
    // Not under `cargo test --benches` or `--list`, which only check that
    // the benches run. (`cargo bench --bench algorithms -- interleaved`
    // matches no criterion benchmark, so it runs the interleaved part alone.)
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        outside_signature();
    }
}
