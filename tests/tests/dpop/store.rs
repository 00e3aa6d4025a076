//! The replay check: a proof is accepted once; a store that is full, fails
//! or is slow refuses (fail closed) or is waited for; server nonces.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use claimguard::Clock as _;
use claimguard::dpop::{ClaimFuture, Claimed, MemoryReplayStore, ReplayStore, StoreError};
use claimguard_tests::NOW;
use serde_json::json;

use crate::setup::{ORIGIN, app, assert_dpop, assert_ok, assert_proof, bound, dpop, key};

const URI: &str = "https://api.example.com/orders";

#[tokio::test]
async fn a_proof_is_accepted_once_per_key_until_its_window_closes() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let proof = key.proof("GET", URI, Some(&token), NOW);
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&proof]).await,
        "alice",
    );
    for _ in 0..3 {
        let reply = app.dpop("GET", "/orders", &token, &[&proof]).await;
        assert_proof(&reply, "the DPoP proof was used before");
    }
    // At the window's last second it is still refused, then too old.
    app.clock.advance(60);
    let reply = app.dpop("GET", "/orders", &token, &[&proof]).await;
    assert_proof(&reply, "the DPoP proof was used before");
    app.clock.advance(1);
    let reply = app.dpop("GET", "/orders", &token, &[&proof]).await;
    assert_proof(&reply, "the DPoP proof is not recent");
}

#[tokio::test]
async fn the_same_jti_under_two_keys_is_two_proofs() {
    let app = app(dpop());
    let (a, b) = (key(0), key(1));
    let (token_a, token_b) = (bound(&a), bound(&b));
    let mut claims_a = a.claims("GET", URI, Some(&token_a), NOW);
    let mut claims_b = b.claims("GET", URI, Some(&token_b), NOW);
    claims_a["jti"] = json!("same-jti");
    claims_b["jti"] = json!("same-jti");
    let proof_a = a.sign(&a.header(), &claims_a);
    let proof_b = b.sign(&b.header(), &claims_b);
    assert_ok(
        &app.dpop("GET", "/orders", &token_a, &[&proof_a]).await,
        "alice",
    );
    assert_ok(
        &app.dpop("GET", "/orders", &token_b, &[&proof_b]).await,
        "alice",
    );
}

#[tokio::test]
async fn a_full_store_refuses_with_503() {
    let app = app(dpop().replay_store(MemoryReplayStore::new(2, 256)));
    let key = key(0);
    let token = bound(&key);
    assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
    assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
    let reply = app.fresh(&key, "GET", "/orders", &token).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
    assert!(reply.challenges.is_empty(), "{reply:?}");
    // Not the client's fault: come back in a second.
    assert_eq!(reply.retry_after.as_deref(), Some("1"), "{reply:?}");
    assert_eq!(
        reply.body,
        r#"{"error":"temporarily_unavailable","error_description":"the DPoP replay check is unavailable"}"#
    );
    // Room comes back when the window closes.
    app.clock.advance(61);
    let proof = key.proof("GET", URI, Some(&token), NOW + 61);
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&proof]).await,
        "alice",
    );
}

/// A store that answers `answer` only after its first poll (it yields
/// once), and counts its claims.
struct Slow {
    answer: Result<Claimed, StoreError>,
    claims: Arc<AtomicUsize>,
}

impl ReplayStore for Slow {
    fn claim<'a>(&'a self, _key: &'a str, _until: u64, _now: u64) -> ClaimFuture<'a> {
        self.claims.fetch_add(1, Ordering::SeqCst);
        let answer = self.answer;
        Box::pin(async move {
            tokio::task::yield_now().await;
            answer
        })
    }
}

#[tokio::test]
async fn a_store_that_answers_later_is_waited_for_and_one_that_fails_refuses() {
    let claims = Arc::new(AtomicUsize::new(0));
    for (answer, status) in [
        (Ok(Claimed::Fresh), StatusCode::OK),
        (Ok(Claimed::Replayed), StatusCode::UNAUTHORIZED),
        (Err(StoreError::Timeout), StatusCode::SERVICE_UNAVAILABLE),
        (
            Err(StoreError::Unavailable("test")),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    ] {
        let store = Slow {
            answer,
            claims: Arc::clone(&claims),
        };
        let app = app(dpop().replay_store(store));
        let key = key(0);
        let reply = app.fresh(&key, "GET", "/orders", &bound(&key)).await;
        assert_eq!(reply.status, status, "{reply:?}");
        let retry = (status == StatusCode::SERVICE_UNAVAILABLE).then_some("1");
        assert_eq!(reply.retry_after.as_deref(), retry, "{reply:?}");
    }
    assert_eq!(claims.load(Ordering::SeqCst), 4);
}

/// A store that answers `answer` at once, and counts its claims of each
/// kind.
struct AtOnce {
    answer: Result<Claimed, StoreError>,
    at_once: Arc<AtomicUsize>,
    later: Arc<AtomicUsize>,
}

impl ReplayStore for AtOnce {
    fn claim<'a>(&'a self, _key: &'a str, _until: u64, _now: u64) -> ClaimFuture<'a> {
        self.later.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::ready(self.answer))
    }

    fn claim_at_once(&self, _: &str, _: u64, _: u64) -> Option<Result<Claimed, StoreError>> {
        self.at_once.fetch_add(1, Ordering::SeqCst);
        Some(self.answer)
    }
}

#[tokio::test]
async fn a_store_that_answers_at_once_is_asked_once_per_request() {
    for (answer, status) in [
        (Ok(Claimed::Fresh), StatusCode::OK),
        (Ok(Claimed::Replayed), StatusCode::UNAUTHORIZED),
        (Err(StoreError::Full), StatusCode::SERVICE_UNAVAILABLE),
    ] {
        let (at_once, later) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let store = AtOnce {
            answer,
            at_once: Arc::clone(&at_once),
            later: Arc::clone(&later),
        };
        let app = app(dpop().replay_store(store));
        let key = key(0);
        // Two extractors of one request: the second takes the first's
        // fresh verdict (a refusal ends the request at the first).
        let reply = app.fresh(&key, "GET", "/twice", &bound(&key)).await;
        assert_eq!(reply.status, status, "{reply:?}");
        assert_eq!(at_once.load(Ordering::SeqCst), 1, "{status}");
        assert_eq!(later.load(Ordering::SeqCst), 0, "{status}");
    }
}

/// The app with a [`Slow`] store that finds every proof fresh, and its
/// count of claims.
fn slow_app() -> (crate::setup::App, Arc<AtomicUsize>) {
    let claims = Arc::new(AtomicUsize::new(0));
    let store = Slow {
        answer: Ok(Claimed::Fresh),
        claims: Arc::clone(&claims),
    };
    (app(dpop().replay_store(store)), claims)
}

#[tokio::test]
async fn a_store_that_answers_later_is_asked_once_for_two_extractors() {
    let (app, claims) = slow_app();
    let key = key(0);
    let reply = app.fresh(&key, "GET", "/twice", &bound(&key)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(claims.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_bad_proof_never_reaches_the_store() {
    let (app, claims) = slow_app();
    let key = key(0);
    let token = bound(&key);
    let stale = key.proof("GET", URI, Some(&token), NOW - 61);
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&stale]).await,
        "the DPoP proof is not recent",
    );
    let other = crate::setup::key(1);
    let reply = app.fresh(&other, "GET", "/orders", &token).await;
    assert_dpop(&reply, "invalid_token", "invalid DPoP key binding");
    assert_eq!(claims.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn server_nonces_are_required_when_configured() {
    let secret = [9u8; 32];
    let app = app(dpop().nonces(&secret, 300));
    let key = key(0);
    let token = bound(&key);
    let reply = app.fresh(&key, "GET", "/orders", &token).await;
    assert_dpop(
        &reply,
        "use_dpop_nonce",
        "the DPoP proof must carry the server's current nonce",
    );
    let nonce = reply.dpop_nonce.clone().unwrap_or_default();
    assert_eq!(nonce.len(), 43, "{reply:?}");
    let with_nonce = |nonce: &str, iat: u64| {
        let mut claims = key.claims("GET", URI, Some(&token), iat);
        claims["nonce"] = json!(nonce);
        key.sign(&key.header(), &claims)
    };
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&with_nonce(&nonce, NOW)])
            .await,
        "alice",
    );
    let reply = app
        .dpop("GET", "/orders", &token, &[&with_nonce("x", NOW)])
        .await;
    assert_eq!(reply.dpop_nonce.as_deref(), Some(nonce.as_str()));
    // The nonce lives for its period and the next, then is stale.
    app.clock.advance(599 - NOW % 300);
    let now = app.clock.now();
    let reply = app
        .dpop("GET", "/orders", &token, &[&with_nonce(&nonce, now)])
        .await;
    assert_ok(&reply, "alice");
    app.clock.advance(1);
    let now = app.clock.now();
    let reply = app
        .dpop("GET", "/orders", &token, &[&with_nonce(&nonce, now)])
        .await;
    assert_dpop(
        &reply,
        "use_dpop_nonce",
        "the DPoP proof must carry the server's current nonce",
    );
    assert_ne!(reply.dpop_nonce.as_deref(), Some(nonce.as_str()));
    let _ = ORIGIN;
}
