//! One HS256 request (a ~310-byte token) through `Router::oneshot`, six ways,
//! in one harness and one run so that the ratios compare like with like:
//!
//! - `requests/a_no_auth`: the same route without authentication;
//! - `requests/b_handwritten`: a hand-written extractor calling
//!   `jsonwebtoken::decode` (HS256 + `iss` + `aud`);
//! - `requests/c_axum_jwt_auth`: axum-jwt-auth's `Claims<T>` extractor;
//! - `requests/d_claimguard_cold`: claimguard with `.no_cache()`;
//! - `requests/e_claimguard_cached`: claimguard with a cache hit (the same
//!   token repeated), the claims cloned out of the cache;
//! - `requests/f_claimguard_shared`: the same hit through the `Shared<User>`
//!   extractor, which takes the cached claims by reference count.
//!
//! The interleaved run adds `g_granted` (a cache hit of claims whose roles
//! are claimguard's `Roles`) and `h_authorized` (the same through
//! `Authorized<_, Writer>`): `h-g` is what a requirement check costs.
//!
//! `cargo bench -p claimguard-benchmarks --bench requests`, then
//! `scripts/bench-ratios.sh` for the ratios.

use std::hint::black_box;

use axum::Router;
use axum::http::StatusCode;
use claimguard_benchmarks::{
    Alg, authorized_app, claimguard_app, claimguard_shared_app, granted_app, handwritten_app,
    install_crypto_provider, interleaved, no_auth_app, request, verifier,
};
use criterion::Criterion;
use tower::ServiceExt as _;

#[path = "../shared/axum_jwt_auth.rs"]
mod alternatives;

use alternatives::axum_jwt_auth_app;

fn requests(c: &mut Criterion) {
    install_crypto_provider();
    // One current-thread runtime for every variant: each request is driven
    // to completion with `block_on`, so no scheduling noise is measured.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let token = Alg::Hs256.token(1);
    println!("HS256 token: {} bytes", token.len());

    let cached = verifier(true);
    let apps: [(&str, Router); 6] = [
        ("a_no_auth", no_auth_app()),
        ("b_handwritten", handwritten_app()),
        ("c_axum_jwt_auth", axum_jwt_auth_app()),
        ("d_claimguard_cold", claimguard_app(verifier(false))),
        ("e_claimguard_cached", claimguard_app(cached.clone())),
        ("f_claimguard_shared", claimguard_shared_app(verifier(true))),
    ];

    let mut group = c.benchmark_group("requests");
    for (name, app) in &apps {
        // A variant that refused the token would be measuring its error path.
        let status = runtime.block_on(async {
            app.clone()
                .oneshot(request(&token))
                .await
                .unwrap_or_else(|e| match e {})
                .status()
        });
        assert_eq!(status, StatusCode::NO_CONTENT, "{name} refused the token");
        group.bench_function(*name, |b| {
            b.iter(|| {
                runtime.block_on(async {
                    app.clone()
                        .oneshot(request(black_box(&token)))
                        .await
                        .unwrap_or_else(|e| match e {})
                })
            });
        });
    }
    group.finish();
    // Every cached request but the first must have been a hit, or (e) was
    // not measuring what its name says.
    if let Some(stats) = cached.cache_stats() {
        println!("claimguard cache after the run: {stats:?}");
    }
}

/// Rounds of the interleaved measurement.
const ROUNDS: usize = 301;

/// The same five variants, measured in alternating batches
/// ([`interleaved`]): the ratios the issue sets goals for, robust to the
/// drift of a shared machine that separate criterion runs are not. Printed,
/// and written as `criterion/requests/interleaved.csv` for
/// `scripts/bench-ratios.sh`.
fn interleaved_ratios() {
    install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let token = Alg::Hs256.token(1);
    let apps: Vec<(&str, Router)> = vec![
        ("a_no_auth", no_auth_app()),
        ("b_handwritten", handwritten_app()),
        ("c_axum_jwt_auth", axum_jwt_auth_app()),
        ("d_claimguard_cold", claimguard_app(verifier(false))),
        ("e_claimguard_cached", claimguard_app(verifier(true))),
        ("f_claimguard_shared", claimguard_shared_app(verifier(true))),
        ("g_granted", granted_app()),
        ("h_authorized", authorized_app()),
    ];
    let mut runs: Vec<Box<dyn FnMut()>> = apps
        .iter()
        .map(|(_, app)| {
            let (runtime, token) = (&runtime, &token);
            Box::new(move || {
                let response = runtime.block_on(async {
                    app.clone()
                        .oneshot(request(black_box(token)))
                        .await
                        .unwrap_or_else(|e| match e {})
                });
                black_box(response);
            }) as Box<dyn FnMut()>
        })
        .collect();
    let mut variants: Vec<&mut dyn FnMut()> = runs.iter_mut().map(|r| &mut **r as _).collect();
    let rounds = interleaved::rounds(&mut variants, ROUNDS);
    println!(
        "\ninterleaved, {ROUNDS} rounds of ~{:?} per variant (median per-round ratio, quartiles):",
        interleaved::BATCH
    );
    let mut csv = String::from("measure,median,p25,p75\n");
    for (i, (name, _)) in apps.iter().enumerate() {
        let median = interleaved::median(&rounds, i);
        println!("  {name:<22} {:>8.3} us", median / 1000.0);
        csv.push_str(&format!("{name}_ns,{median:.1},,\n"));
    }
    for (label, a, b) in [
        ("d/b", 3, 1),
        ("e/a", 4, 0),
        ("f/a", 5, 0),
        ("c/b", 2, 1),
        ("b/a", 1, 0),
    ] {
        let (median, p25, p75) = interleaved::ratio(&rounds, a, b);
        println!("  {label}: {median:.3}x  ({p25:.3} .. {p75:.3})");
        csv.push_str(&format!("{label},{median:.4},{p25:.4},{p75:.4}\n"));
    }
    // What a requirement check adds to a cache hit, in nanoseconds.
    let (median, p25, p75) = interleaved::difference(&rounds, 7, 6);
    println!("  h-g: {median:.1} ns  ({p25:.1} .. {p75:.1})");
    csv.push_str(&format!("h-g_ns,{median:.1},{p25:.1},{p75:.1}\n"));
    write_csv("requests", "interleaved.csv", &csv);
}

/// Writes `name` next to criterion's output for `group`.
fn write_csv(group: &str, name: &str, csv: &str) {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        std::path::PathBuf::from,
    );
    let dir = target.join("criterion").join(group);
    let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join(name), csv));
    if let Err(e) = written {
        eprintln!("could not write {}/{name}: {e}", dir.display());
    }
}

// A plain `main` rather than `criterion_main!`, whose generated function
// has no docs and trips the workspace's `missing_docs` lint.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    requests(&mut c);
    c.final_summary();
    // Not under `cargo test --benches` or `--list`, which only check that
    // the benches run. (`cargo bench --bench requests -- interleaved` matches
    // no criterion benchmark, so it runs the interleaved measurement alone.)
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        interleaved_ratios();
    }
}
