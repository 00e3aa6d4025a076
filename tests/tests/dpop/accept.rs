//! Proofs that are accepted: every default algorithm, every method, fresh
//! proofs one after another, normalised URIs, and a cached token whose
//! proof is still checked.

use claimguard::Algorithm;
use claimguard::testing::DpopKey;
use claimguard_tests::NOW;

use crate::setup::{ORIGIN, User, app, assert_ok, assert_proof, bound, dpop, key};

#[tokio::test]
async fn fresh_proofs_are_accepted_one_after_another() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    for _ in 0..3 {
        assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
        assert_ok(&app.fresh(&key, "POST", "/orders", &token).await, "alice");
    }
}

#[tokio::test]
async fn every_default_algorithm_is_accepted() {
    let app = app(dpop());
    for alg in [
        Algorithm::ES256,
        Algorithm::EdDSA,
        Algorithm::RS256,
        Algorithm::PS256,
    ] {
        let key = DpopKey::new(alg).unwrap_or_else(|e| panic!("{e}"));
        let token = bound(&key);
        assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
        // The kit's own signature check agrees: its proofs are its own, no
        // other key's, and not once bent.
        let proof = key.proof("GET", "https://api.example.com/orders", None, NOW);
        assert!(key.signed(&proof), "{alg:?}");
        let other = DpopKey::nth(alg, 1).unwrap_or_else(|e| panic!("{e}"));
        assert!(!other.signed(&proof), "{alg:?}");
        let bent = proof.replacen(".ey", ".eX", 1);
        assert!(!key.signed(&bent) && !key.signed("no proof"), "{alg:?}");
    }
}

#[tokio::test]
async fn algorithms_are_configured() {
    let key = DpopKey::new(Algorithm::ES384).unwrap_or_else(|e| panic!("{e}"));
    let token = bound(&key);
    let default = app(dpop());
    assert_proof(
        &default.fresh(&key, "GET", "/orders", &token).await,
        "the DPoP proof's algorithm is not accepted",
    );
    let es384 = app(dpop().algorithms([Algorithm::ES384]));
    let reply = es384.fresh(&key, "GET", "/orders", &token).await;
    assert_ok(&reply, "alice");
    // A refusal names the configured algorithms.
    let other = self::key(0);
    let refused = es384.fresh(&other, "GET", "/orders", &bound(&other)).await;
    assert!(
        refused.challenges[0].ends_with(r#"algs="ES384""#),
        "{refused:?}"
    );
}

#[tokio::test]
async fn htu_is_compared_normalised_without_query() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    for htu in [
        "https://api.example.com/orders/7",
        "HTTPS://API.EXAMPLE.COM:443/orders/7",
        "https://api.example.com/orders/./7?page=2",
        "https://api.example.com/orders/%37#top",
    ] {
        let proof = key.proof("GET", htu, Some(&token), NOW);
        let reply = app.dpop("GET", "/orders/7?page=1", &token, &[&proof]).await;
        assert_ok(&reply, "alice");
    }
    let _ = ORIGIN;
}

#[tokio::test]
async fn a_cached_token_still_needs_a_valid_fresh_proof() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let proof = key.proof("GET", &format!("{ORIGIN}/orders"), Some(&token), NOW);
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&proof]).await,
        "alice",
    );
    let stats = app.verifier.cache_stats().unwrap_or_default();
    assert_eq!(stats.entries, 1);
    // The token is a cache hit now; its proof is judged all the same.
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&proof]).await,
        "the DPoP proof was used before",
    );
    let other = key.proof("POST", &format!("{ORIGIN}/orders"), Some(&token), NOW);
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&other]).await,
        "the DPoP proof is for another method",
    );
    assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
    let stats = app.verifier.cache_stats().unwrap_or_default();
    assert!(stats.hits >= 3, "{stats:?}");
}

#[tokio::test]
async fn two_extractors_of_one_request_judge_the_proof_once() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    assert_ok(
        &app.fresh(&key, "GET", "/twice", &token).await,
        "alice alice",
    );
    let proof = key.proof("GET", &format!("{ORIGIN}/twice"), Some(&token), NOW);
    assert_ok(
        &app.dpop("GET", "/twice", &token, &[&proof]).await,
        "alice alice",
    );
    assert_proof(
        &app.dpop("GET", "/twice", &token, &[&proof]).await,
        "the DPoP proof was used before",
    );
}

#[tokio::test]
async fn a_nested_route_takes_a_proof_for_the_path_the_client_sent() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    // axum's `nest` hands the handler `/orders`; the client wrote the full
    // path in `htu`.
    assert_ok(
        &app.fresh(&key, "GET", "/api/orders", &token).await,
        "alice",
    );
    let short = key.proof("GET", &format!("{ORIGIN}/orders"), Some(&token), NOW);
    assert_proof(
        &app.dpop("GET", "/api/orders", &token, &[&short]).await,
        "the DPoP proof is for another URI",
    );
}

/// Another claims type, for a verifier that shares the first's DPoP
/// verifier.
#[derive(claimguard::Claims, Clone, Debug)]
#[claims(algorithms = [HS256])]
struct Caller {
    #[claims(max_len = 64)]
    sub: String,
}

#[tokio::test]
async fn two_claims_types_sharing_a_dpop_verifier_judge_the_proof_once() {
    use axum::extract::FromRef;
    use claimguard::{Key, Verifier};
    use claimguard_tests::{SECRET, send};

    #[derive(Clone)]
    struct State {
        user: Verifier<User>,
        caller: Verifier<Caller>,
    }
    impl FromRef<State> for Verifier<User> {
        fn from_ref(state: &State) -> Self {
            state.user.clone()
        }
    }
    impl FromRef<State> for Verifier<Caller> {
        fn from_ref(state: &State) -> Self {
            state.caller.clone()
        }
    }
    async fn both(user: User, caller: Caller) -> String {
        format!("{} {}", user.sub, caller.sub)
    }

    let app = app(dpop());
    let shared = app
        .verifier
        .dpop()
        .cloned()
        .unwrap_or_else(|| panic!("dpop"));
    let caller = Verifier::<Caller>::builder()
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(app.clock.clone())
        .dpop(shared)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let state = State {
        user: app.verifier.clone(),
        caller,
    };
    let router = axum::Router::new()
        .route("/both", axum::routing::get(both))
        .with_state(state);
    let key = key(0);
    let token = bound(&key);
    let proof = key.proof("GET", &format!("{ORIGIN}/both"), Some(&token), NOW);
    let authorization = format!("DPoP {token}");
    let headers = [
        ("authorization", authorization.as_bytes()),
        ("dpop", proof.as_bytes()),
    ];
    // The second extractor takes the first's verdict on the proof instead
    // of presenting it to the shared replay store again.
    assert_ok(
        &send(&router, "GET", "/both", &headers).await,
        "alice alice",
    );
    assert_proof(
        &send(&router, "GET", "/both", &headers).await,
        "the DPoP proof was used before",
    );
}
