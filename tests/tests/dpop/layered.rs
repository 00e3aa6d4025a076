//! DPoP behind the authorization layer, and with a token whose key the
//! verifier must fetch first: the proof is judged once per request, after
//! the refetch.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::get;
use claimguard::remote::RemoteIssuer;
use claimguard::testing::{DpopKey, TestIssuer};
use claimguard::{Algorithm, Claims, Requirement, Verifier};
use claimguard_tests::NOW;
use serde_json::json;

use crate::setup::{ALGS, ORIGIN, User, app, assert_ok, assert_proof, bound, dpop, key};

/// Alice only.
struct Alice;

impl Requirement<User> for Alice {
    fn allows(user: &User, _: &Parts) -> bool {
        user.sub == "alice"
    }
}

#[tokio::test]
async fn the_layer_and_the_handler_judge_one_proof_once() {
    let plain = app(dpop());
    let router = Router::new()
        .route("/orders", get(|user: User| async move { user.sub }))
        .route_layer(plain.verifier.require::<Alice>())
        .with_state(plain.verifier.clone());
    let app = crate::setup::App { router, ..plain };
    let key = key(0);
    let token = bound(&key);
    let proof = key.proof("GET", &format!("{ORIGIN}/orders"), Some(&token), NOW);
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&proof]).await,
        "alice",
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&proof]).await,
        "the DPoP proof was used before",
    );
    // Bob is authenticated, then refused by the requirement: 401 wins over 403.
    let bob = claimguard_tests::HsMinter::new(claimguard_tests::SECRET).token(&format!(
        r#"{{"sub":"bob","exp":{},"cnf":{{"jkt":"{}"}}}}"#,
        NOW + 600,
        key.thumbprint()
    ));
    let reply = app.fresh(&key, "GET", "/orders", &bob).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    // In the scheme the token came with (RFC 9449 §7.1); a policy's name is
    // never shown.
    assert_eq!(
        reply.challenges,
        [format!(r#"DPoP error="insufficient_scope", algs="{ALGS}""#)],
        "{reply:?}"
    );
    // A bearer token refused by the requirement: the `Bearer` scheme.
    let reply = app.bearer("/orders", &crate::setup::plain(), &[]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    assert_eq!(
        reply.challenges,
        [r#"Bearer error="insufficient_scope""#],
        "{reply:?}"
    );
    let stale = key.proof("GET", &format!("{ORIGIN}/orders"), Some(&bob), NOW - 61);
    let reply = app.dpop("GET", "/orders", &bob, &[&stale]).await;
    assert_proof(&reply, "the DPoP proof is not recent");
}

/// `future`, or a failed test after a minute: a guard against a hang, not
/// a measurement.
async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .unwrap_or_else(|_| panic!("did not complete within a minute"))
}

/// Access tokens of the test issuer.
#[derive(Claims)]
#[claims(algorithms = [ES256])]
struct Access {
    #[claims(max_len = 64)]
    sub: String,
}

#[tokio::test]
async fn a_token_whose_key_comes_with_a_refetch_is_judged_with_its_proof() {
    let issuer = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
    let clock = claimguard_tests::clock();
    let remote = RemoteIssuer::discover(&issuer.issuer()).unwrap_or_else(|e| panic!("{e}"));
    let verifier = Verifier::<Access>::builder()
        .clock(clock.clone())
        .timer(clock.clone())
        .remote(remote)
        .dpop(dpop().build().unwrap_or_else(|e| panic!("{e}")))
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    async fn twice(first: Access, second: Access) -> String {
        format!("{} {}", first.sub, second.sub)
    }
    let router = Router::new()
        .route("/orders", get(|access: Access| async move { access.sub }))
        .route("/twice", get(twice))
        .with_state(verifier);
    let app = crate::setup::App {
        router,
        ..app(dpop())
    };
    let client = DpopKey::new(Algorithm::EdDSA).unwrap_or_else(|e| panic!("{e}"));
    let mint = |kid_rotated: bool| {
        if kid_rotated {
            issuer.rotate(Algorithm::ES256);
        }
        let claims = json!({
            "sub": "svc", "iss": issuer.issuer(), "exp": NOW + 600,
            "cnf": { "jkt": client.thumbprint() },
        });
        issuer.mint(Algorithm::ES256, &claims)
    };
    // A good proof: accepted after the refetch. Two extractors of the
    // request, the first waiting for the refetch: the second takes its
    // verdict instead of presenting the proof again.
    let token = mint(true);
    let reply = within(app.fresh(&client, "GET", "/twice", &token)).await;
    assert_ok(&reply, "svc svc");
    // A bad proof for another rotated key's token, past the kid cooldown:
    // refused after the refetch.
    clock.advance(31);
    let token = mint(true);
    let other = DpopKey::nth(Algorithm::EdDSA, 1).unwrap_or_else(|e| panic!("{e}"));
    let reply = within(app.fresh(&other, "GET", "/orders", &token)).await;
    crate::setup::assert_dpop(&reply, "invalid_token", "invalid DPoP key binding");
    // As a bearer token (its key known by now).
    let token = mint(false);
    let reply = within(app.bearer("/orders", &token, &[])).await;
    crate::setup::assert_dpop(
        &reply,
        "invalid_token",
        "the access token is bound to a DPoP key and must be sent with a proof",
    );
}
