//! What DPoP (RFC 9449) adds to a request: one HS256 token whose claims are
//! cached, sent as a bearer token and as a DPoP-bound token with an ES256
//! proof, through `Router::oneshot`:
//!
//! - `dpop/a_bearer`: the token as `Bearer` (a cache hit);
//! - `dpop/b_dpop`: the bound token as `DPoP` with its proof (the token a
//!   cache hit, the proof checked in full: header, key, claims, `htu`,
//!   `ath`, thumbprint, signature), the replay check answered by a store
//!   that remembers nothing, so that one proof can be sent again and again;
//! - `dpop/c_es256_verify`: the proof's own ES256 signature checked with
//!   its key made once, by claimguard's code (`DpopKey::signed`): the
//!   floor of what a proof's signature costs (an ECDSA check's time depends
//!   on the signature, and another build of the same crate takes a few
//!   percent more or less, so neither another signature nor another copy
//!   of the check would do);
//! - `dpop/d_memory_claim`: one claim of a new key in the in-process replay
//!   store, as a request makes it (`claim_at_once`; keys expiring as the
//!   bench's clock moves);
//! - `dpop/e_bearer_signed`: the token as `Bearer` with the proof beside
//!   it, whose signature the handler checks: (a) and (c) in one request,
//!   where the signature check meets the caches as the request left them.
//!
//! The goal: a DPoP request costs one signature check and at most 1.5 µs
//! more, (b) - (e), measured interleaved; (b) - (a) - (c) is printed too
//! (it counts the signature check's cache misses inside a request as
//! DPoP's).
//! `cargo bench -p claimguard-benchmarks --bench dpop`.

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use claimguard::dpop::{MemoryReplayStore, ReplayStore};
use claimguard_benchmarks::{install_crypto_provider, interleaved};
use criterion::Criterion;
use tower::ServiceExt as _;

#[path = "../shared/dpop.rs"]
mod dpop_setup;

use dpop_setup::{Setup, bearer_request, dpop_request, setup, signed_request};

/// One variant's run.
type Run<'s> = Box<dyn FnMut() + 's>;

/// The four variants, as closures over `setup`.
fn variants<'s>(
    setup: &'s Setup,
    runtime: &'s tokio::runtime::Runtime,
    store: &'s MemoryReplayStore,
) -> Vec<(&'static str, Run<'s>)> {
    let oneshot = move |app: &Router, request: Request<Body>| {
        runtime.block_on(async {
            app.clone()
                .oneshot(request)
                .await
                .unwrap_or_else(|e| match e {})
        })
    };
    let mut claimed = 0u64;
    let mut claim_key = String::new();
    vec![
        (
            "a_bearer",
            Box::new(move || {
                black_box(oneshot(
                    &setup.bearer_app,
                    bearer_request(black_box(&setup.token)),
                ));
            }) as Box<dyn FnMut()>,
        ),
        (
            "b_dpop",
            Box::new(move || {
                let request = dpop_request(black_box(&setup.bound), black_box(&setup.proof));
                black_box(oneshot(&setup.dpop_app, request));
            }),
        ),
        (
            "c_es256_verify",
            Box::new(move || {
                black_box(setup.key.signed(black_box(&setup.proof)));
            }),
        ),
        (
            "d_memory_claim",
            Box::new(move || {
                claimed += 1;
                claimguard_benchmarks::replay_key::replay_key(claimed, &mut claim_key);
                let now = 1_700_000_000 + claimed / 4096;
                // As a request claims it: at once, no future.
                let _ = black_box(store.claim_at_once(&claim_key, now + 2, now));
            }),
        ),
        (
            "e_bearer_signed",
            Box::new(move || {
                let request = signed_request(black_box(&setup.token), black_box(&setup.proof));
                black_box(oneshot(&setup.signed_app, request));
            }),
        ),
    ]
}

fn main() {
    install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let setup = setup();
    for (app, request) in [
        (&setup.bearer_app, bearer_request(&setup.token)),
        (&setup.dpop_app, dpop_request(&setup.bound, &setup.proof)),
        (
            &setup.signed_app,
            signed_request(&setup.token, &setup.proof),
        ),
    ] {
        let status = runtime.block_on(async {
            app.clone()
                .oneshot(request)
                .await
                .unwrap_or_else(|e| match e {})
                .status()
        });
        assert_eq!(
            status,
            StatusCode::NO_CONTENT,
            "a variant refused its request"
        );
    }
    let store = MemoryReplayStore::new(100_000, 256);
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("dpop");
    for (name, mut run) in variants(&setup, &runtime, &store) {
        group.bench_function(name, |b| b.iter(&mut run));
    }
    group.finish();
    c.final_summary();
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let store = MemoryReplayStore::new(100_000, 256);
    let mut runs = variants(&setup, &runtime, &store);
    let mut borrowed: Vec<&mut dyn FnMut()> = runs.iter_mut().map(|(_, r)| &mut **r as _).collect();
    let rounds = interleaved::rounds_of(&mut borrowed, ROUNDS, BATCH);
    println!("\ninterleaved, {ROUNDS} rounds (median per-call time):");
    for (i, (name, _)) in runs.iter().enumerate() {
        println!(
            "  {name:<16} {:>9.3} us",
            interleaved::median(&rounds, i) / 1000.0
        );
    }
    let print = |what: &str, (median, low, high): (f64, f64, f64)| {
        println!(
            "  {what}: {:.3} us ({:.3} .. {:.3})",
            median / 1000.0,
            low / 1000.0,
            high / 1000.0
        );
    };
    print(
        "b - e (DPoP beyond one signature in the request)",
        interleaved::difference(&rounds, 1, 4),
    );
    print(
        "b - a - c (DPoP beyond one signature alone)",
        interleaved::quartiles(rounds.iter().map(|t| t[1] - t[0] - t[2]).collect()),
    );
}

/// Rounds of the interleaved measurement.
const ROUNDS: usize = 201;

/// A batch long enough for some forty signature checks, so that a round's
/// difference is not one check's jitter.
const BATCH: std::time::Duration = std::time::Duration::from_millis(20);
