//! One HS256 request (a ~310-byte token) through `Router::oneshot`, five ways,
//! in one harness and one run so that the ratios compare like with like:
//!
//! - `requests/a_no_auth`: the same route without authentication;
//! - `requests/b_handwritten`: a hand-written extractor calling
//!   `jsonwebtoken::decode` (HS256 + `iss` + `aud`);
//! - `requests/c_axum_jwt_auth`: axum-jwt-auth's `Claims<T>` extractor;
//! - `requests/d_claimguard_cold`: claimguard with `.no_cache()`;
//! - `requests/e_claimguard_cached`: claimguard with a cache hit (the same
//!   token repeated).
//!
//! `cargo bench -p claimguard-benchmarks --bench requests`, then
//! `scripts/bench-ratios.sh` for the ratios.

use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard_benchmarks::{
    AUDIENCE, Alg, ISSUER, PlainClaims, SECRET, claimguard_app, handwritten_app,
    install_crypto_provider, no_auth_app, request, verifier,
};
use criterion::Criterion;
use tower::ServiceExt as _;

/// (c) axum-jwt-auth configured as its README shows, with the same checks as
/// the hand-written extractor.
fn axum_jwt_auth_app() -> Router {
    let mut validation = jsonwebtoken10::Validation::new(jsonwebtoken10::Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    let decoder = axum_jwt_auth::LocalDecoder::builder()
        .keys(vec![jsonwebtoken10::DecodingKey::from_secret(SECRET)])
        .validation(validation)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let decoder: axum_jwt_auth::Decoder<PlainClaims> = Arc::new(decoder);
    Router::new()
        .route(
            "/",
            get(|claims: axum_jwt_auth::Claims<PlainClaims>| async move {
                black_box(claims.claims);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(decoder)
}

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
    let apps: [(&str, Router); 5] = [
        ("a_no_auth", no_auth_app()),
        ("b_handwritten", handwritten_app()),
        ("c_axum_jwt_auth", axum_jwt_auth_app()),
        ("d_claimguard_cold", claimguard_app(verifier(false))),
        ("e_claimguard_cached", claimguard_app(cached.clone())),
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

// A plain `main` rather than `criterion_main!`, whose generated function
// has no docs and trips the workspace's `missing_docs` lint.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    requests(&mut c);
    c.final_summary();
}
