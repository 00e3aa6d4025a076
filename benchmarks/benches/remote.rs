//! Remote keys against fixed keys: the same ES256 token through
//! `Router::oneshot`, verified with the testing kit's issuer's keys handed
//! over at start-up (`static`) or fetched from it (`remote`), cold (no cache)
//! and as a cache hit, on one thread and on two threads at once. Interleaved
//! medians and ratios only (see `src/interleaved.rs`): what the remote-keys
//! goal asks is that `remote` costs no more than `static`.
//!
//! `cargo bench -p claimguard-benchmarks --bench remote`

use std::hint::black_box;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::remote::RemoteIssuer;
use claimguard::testing::TestIssuer;
use claimguard::{Algorithm, Claims, Key, Shared, Verifier};
use claimguard_benchmarks::{install_crypto_provider, interleaved, request};
use tower::ServiceExt as _;

/// Claims of the issuer's ES256 tokens.
#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [ES256], cache(capacity = 1_000, ttl = 300))]
struct Es {
    #[claims(max_len = 64)]
    sub: String,
}

fn app(verifier: Verifier<Es>) -> Router {
    Router::new()
        .route(
            "/",
            get(|claims: Shared<Es>| async move {
                black_box(&claims.sub);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(verifier)
}

/// One request through `app` on `runtime`.
fn call(runtime: &tokio::runtime::Runtime, app: &Router, token: &str) {
    let response = runtime.block_on(async {
        app.clone()
            .oneshot(request(black_box(token)))
            .await
            .unwrap_or_else(|e| match e {})
    });
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

/// `per_thread` requests on each of two threads at once, each thread on a
/// runtime of its own.
fn two_threads(app: &Router, token: &str, per_thread: u32) {
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let runtime = current_thread();
                for _ in 0..per_thread {
                    call(&runtime, app, token);
                }
            });
        }
    });
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

const ROUNDS: usize = 201;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let issuer = runtime
        .block_on(TestIssuer::start())
        .unwrap_or_else(|e| panic!("{e}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let token = issuer.mint(
        Algorithm::ES256,
        &serde_json::json!({ "sub": "bench", "iss": issuer.issuer(), "exp": now + 86_400 }),
    );
    let keys = Key::set_from_jwks(&issuer.jwks_json()).unwrap_or_else(|e| panic!("{e}"));
    let fixed = |cache: bool| {
        let builder = Verifier::<Es>::builder()
            .keys(
                keys.iter()
                    .filter(|k| k.can_verify(Algorithm::ES256))
                    .cloned(),
            )
            .issuers([issuer.issuer()]);
        let builder = if cache { builder } else { builder.no_cache() };
        builder.build().unwrap_or_else(|e| panic!("{e}"))
    };
    let remote = |cache: bool| {
        let remote = RemoteIssuer::discover(&issuer.issuer()).unwrap_or_else(|e| panic!("{e}"));
        let builder = Verifier::<Es>::builder().remote(remote);
        let builder = if cache { builder } else { builder.no_cache() };
        runtime
            .block_on(builder.start())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let apps = [
        ("static_cold", app(fixed(false))),
        ("remote_cold", app(remote(false))),
        ("static_hit", app(fixed(true))),
        ("remote_hit", app(remote(true))),
    ];
    let local = current_thread();
    for threads in [1, 2] {
        let mut runs: Vec<Box<dyn FnMut()>> = apps
            .iter()
            .map(|(name, app)| {
                let (local, token) = (&local, &token);
                let per_thread = if name.ends_with("cold") { 8 } else { 400 };
                if threads == 1 {
                    Box::new(move || call(local, app, token)) as Box<dyn FnMut()>
                } else {
                    Box::new(move || two_threads(app, token, per_thread)) as Box<dyn FnMut()>
                }
            })
            .collect();
        let mut variants: Vec<&mut dyn FnMut()> = runs.iter_mut().map(|r| &mut **r as _).collect();
        let rounds = interleaved::rounds(&mut variants, ROUNDS);
        println!("\n{threads} thread(s), {ROUNDS} interleaved rounds (median, quartiles):");
        for (i, (name, _)) in apps.iter().enumerate() {
            let per_request = if threads == 1 {
                1.0
            } else if name.ends_with("cold") {
                16.0
            } else {
                800.0
            };
            let median = interleaved::median(&rounds, i) / per_request;
            println!("  {name:<12} {:>9.3} us per request", median / 1000.0);
        }
        for (label, a, b) in [
            ("remote_cold/static_cold", 1, 0),
            ("remote_hit/static_hit", 3, 2),
        ] {
            let (median, p25, p75) = interleaved::ratio(&rounds, a, b);
            println!("  {label}: {median:.3}x  ({p25:.3} .. {p75:.3})");
        }
    }
}
