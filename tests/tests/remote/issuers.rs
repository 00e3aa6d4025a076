//! Several issuers behind one claims type: each has its own key set, chosen
//! by the token's `iss`, so a key one issuer publishes never verifies a
//! token that names another.

use axum::Router;
use axum::http::StatusCode;
use claimguard::testing::TestIssuer;
use claimguard::{Algorithm, Verifier};
use claimguard_tests::{NOW, bearer};
use serde_json::json;

use crate::setup::{Access, app, issuer, remote, within};

struct Two {
    a: std::sync::Arc<TestIssuer>,
    b: std::sync::Arc<TestIssuer>,
    verifier: Verifier<Access>,
    app: Router,
}

/// Issuer A publishes only its second RSA key, B only its first: the two
/// share no key.
async fn two() -> Two {
    let (a, b) = (issuer().await, issuer().await);
    a.rotate(Algorithm::RS256);
    assert!(a.retire("rsa-1"));
    let clock = claimguard_tests::clock();
    let verifier = Verifier::<Access>::builder()
        .clock(clock.clone())
        .timer(clock)
        .remote(remote(&a, |r| r))
        .remote(remote(&b, |r| r))
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(&verifier);
    Two {
        a,
        b,
        verifier,
        app,
    }
}

fn claiming(iss: &str) -> serde_json::Value {
    json!({ "sub": "s", "iss": iss, "exp": NOW + 3600 })
}

#[tokio::test]
async fn each_issuer_verifies_with_its_own_keys_only() {
    let two = two().await;
    let call = |token: String| {
        let app = two.app.clone();
        async move { within(bearer(&app, "/", &token)).await }
    };
    let (a, b) = (two.a.issuer(), two.b.issuer());
    assert_eq!(
        call(two.a.mint(Algorithm::RS256, &claiming(&a)))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        call(two.b.mint(Algorithm::RS256, &claiming(&b)))
            .await
            .status,
        StatusCode::OK
    );
    // A's key, B's name (and the reverse): B's set lacks the kid, a
    // refetch from B does not bring it, and the token is refused.
    let (a_fetches, b_fetches) = (two.a.jwks_requests(), two.b.jwks_requests());
    call(two.a.mint(Algorithm::RS256, &claiming(&b)))
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(
        (two.a.jwks_requests(), two.b.jwks_requests()),
        (a_fetches, b_fetches + 1)
    );
    call(two.b.mint(Algorithm::RS256, &claiming(&a)))
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(two.a.jwks_requests(), a_fetches + 1);
    let status = two.verifier.key_status();
    assert_eq!(status.len(), 2);
    assert_eq!(
        (status[0].issuer.as_str(), status[1].issuer.as_str()),
        (a.as_str(), b.as_str())
    );
}

#[tokio::test]
async fn a_token_naming_no_configured_issuer_is_refused_before_any_key_is_tried() {
    let two = two().await;
    let a = two.a.issuer();
    for payload in [
        json!({ "sub": "s", "iss": "https://elsewhere.example", "exp": NOW + 3600 }),
        json!({ "sub": "s", "exp": NOW + 3600 }),
        json!({ "sub": "s", "iss": [a.clone()], "exp": NOW + 3600 }),
    ] {
        let token = two.a.mint(Algorithm::RS256, &payload);
        within(bearer(&two.app, "/", &token))
            .await
            .assert_invalid_token("the token's issuer is not accepted");
    }
}
