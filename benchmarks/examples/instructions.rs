//! Runs one of the benchmarked operations `n` times, for counting
//! instructions under callgrind, which (unlike wall-clock time on a shared
//! VM) gives the same number on every run. `scripts/instructions.sh` runs
//! each mode twice with different `n` and reports the difference per call, so
//! that start-up (key parsing, token minting, the runtime) cancels out.
//!
//! `cargo run --release -p claimguard-benchmarks --example instructions -- <mode> <n>`
//!
//! Modes: `a_no_auth`, `b_handwritten`, `c_axum_jwt_auth`,
//! `d_claimguard_cold`, `e_claimguard_cached`, `f_claimguard_shared`,
//! `g_granted`, `h_authorized` (one HS256 request through
//! `Router::oneshot`, as in `benches/requests.rs`), `i_dpop_bearer` and
//! `j_dpop` (the cached token as `Bearer`, and bound as `DPoP` with its
//! ES256 proof, `k_dpop_es256_verify`, its signature check alone, and
//! `l_dpop_bearer_signed`, the bearer request whose handler checks that
//! signature, as in `benches/dpop.rs`), `m_memory_claim` (a claim in the
//! in-process replay store, as `d_memory_claim` there), and
//! `<alg>/<variant>` for `alg` in `HS256 RS256 ES256 EdDSA` and `variant` in
//! `claimguard jsonwebtoken_decode crypto_verify prepared_verify` (as in
//! `benches/algorithms.rs`).

use std::hint::black_box;

use axum::http::StatusCode;
use claimguard::Verifier;
use claimguard_benchmarks::{
    Alg, AlgUser, PlainClaims, PreparedKey, authorized_app, claimguard_app, claimguard_shared_app,
    granted_app, handwritten_app, install_crypto_provider, no_auth_app, request, verifier,
};
use tower::ServiceExt as _;

#[path = "../shared/axum_jwt_auth.rs"]
mod alternatives;

#[path = "../shared/dpop.rs"]
mod dpop_setup;

use alternatives::axum_jwt_auth_app;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: instructions <mode> <n>");
        std::process::exit(2);
    };
    let n: u32 = n.parse().unwrap_or_else(|e| panic!("n: {e}"));
    install_crypto_provider();

    if let Some((alg, variant)) = mode.split_once('/') {
        let alg = Alg::ALL
            .into_iter()
            .find(|a| a.name() == alg)
            .unwrap_or_else(|| panic!("unknown algorithm {alg}"));
        algorithm(alg, variant, n);
    } else {
        request_mode(&mode, n);
    }
}

fn request_mode(mode: &str, n: u32) {
    if matches!(
        mode,
        "i_dpop_bearer"
            | "j_dpop"
            | "k_dpop_es256_verify"
            | "l_dpop_bearer_signed"
            | "m_memory_claim"
    ) {
        return dpop_mode(mode, n);
    }
    let app = match mode {
        "a_no_auth" => no_auth_app(),
        "b_handwritten" => handwritten_app(),
        "c_axum_jwt_auth" => axum_jwt_auth_app(),
        "d_claimguard_cold" => claimguard_app(verifier(false)),
        "e_claimguard_cached" => claimguard_app(verifier(true)),
        "f_claimguard_shared" => claimguard_shared_app(verifier(true)),
        "g_granted" => granted_app(),
        "h_authorized" => authorized_app(),
        other => panic!("unknown mode {other}"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let token = Alg::Hs256.token(1);
    let run = |n: u32| {
        for _ in 0..n {
            let status = runtime.block_on(async {
                app.clone()
                    .oneshot(request(black_box(&token)))
                    .await
                    .unwrap_or_else(|e| match e {})
                    .status()
            });
            assert_eq!(status, StatusCode::NO_CONTENT, "{mode} refused the token");
        }
    };
    // With `TIME` set, a warm-up, then the nanoseconds per request on
    // stdout, for `scripts/observe-cost.sh`, which runs two builds in turn.
    if std::env::var_os("TIME").is_some() {
        run(n / 10);
        let start = std::time::Instant::now();
        run(n);
        println!("{:.1}", start.elapsed().as_secs_f64() * 1e9 / f64::from(n));
    } else {
        run(n);
    }
}

fn algorithm(alg: Alg, variant: &str, n: u32) {
    let token = alg.token(1);
    let (message, signature) = token
        .rsplit_once('.')
        .unwrap_or_else(|| panic!("{} token has no signature", alg.name()));
    match variant {
        "claimguard" => {
            let verifier = Verifier::<AlgUser>::builder()
                .key(alg.claimguard_key())
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            for _ in 0..n {
                assert!(verifier.verify(black_box(&token)).is_ok());
            }
        }
        "jsonwebtoken_decode" => {
            let key = alg.decoding_key();
            let validation = alg.validation();
            for _ in 0..n {
                let decoded =
                    jsonwebtoken::decode::<PlainClaims>(black_box(&token), &key, &validation);
                assert!(decoded.is_ok());
            }
        }
        "crypto_verify" => {
            let key = alg.decoding_key();
            for _ in 0..n {
                let verdict = jsonwebtoken::crypto::verify(
                    black_box(signature),
                    black_box(message.as_bytes()),
                    &key,
                    alg.jwt(),
                );
                assert!(matches!(verdict, Ok(true)));
            }
        }
        "prepared_verify" => {
            let key = PreparedKey::new(alg);
            let signature = PreparedKey::signature_bytes(signature);
            for _ in 0..n {
                assert!(key.verify(black_box(message.as_bytes()), black_box(&signature)));
            }
        }
        other => panic!("unknown variant {other}"),
    }
}

/// The DPoP bench's bearer or DPoP request, or its ES256 check alone, `n`
/// times.
fn dpop_mode(mode: &str, n: u32) {
    if mode == "m_memory_claim" {
        return memory_claims(n);
    }
    let setup = dpop_setup::setup();
    if mode == "k_dpop_es256_verify" {
        for _ in 0..n {
            assert!(setup.key.signed(black_box(&setup.proof)));
        }
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..n {
        let (app, request) = match mode {
            "j_dpop" => (
                &setup.dpop_app,
                dpop_setup::dpop_request(&setup.bound, &setup.proof),
            ),
            "l_dpop_bearer_signed" => (
                &setup.signed_app,
                dpop_setup::signed_request(&setup.token, &setup.proof),
            ),
            _ => (&setup.bearer_app, dpop_setup::bearer_request(&setup.token)),
        };
        let status = runtime.block_on(async {
            app.clone()
                .oneshot(black_box(request))
                .await
                .unwrap_or_else(|e| match e {})
                .status()
        });
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
}

/// `n` claims of new keys in the in-process replay store, as a request
/// makes them (as `d_memory_claim` in `benches/dpop.rs`).
fn memory_claims(n: u32) {
    use claimguard::dpop::{Claimed, MemoryReplayStore, ReplayStore as _};
    // As in the bench: 4 096 claims a second, each held for two seconds,
    // and enough claims first (both runs make them, so they cancel out) to
    // fill the store's cache, so that every counted claim makes room by
    // reclaiming an expired key, as a busy store's do.
    const WARM_UP: u64 = 150_000;
    let store = MemoryReplayStore::new(100_000, 256);
    let mut key = String::new();
    for claimed in 0..WARM_UP + u64::from(n) {
        claimguard_benchmarks::replay_key::replay_key(claimed, &mut key);
        let now = 1_700_000_000 + claimed / 4096;
        let answer = store.claim_at_once(black_box(&key), now + 2, now);
        assert!(matches!(answer, Some(Ok(Claimed::Fresh))));
    }
}
