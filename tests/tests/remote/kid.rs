//! Tokens naming a `kid` the key set lacks: one refetch shared by every
//! request that needs it, at most one per cooldown, never for a token
//! without a `kid`, with an algorithm the type does not pin, or with a `kid`
//! too long to be real; a request waits at most the fetch timeout.

use std::sync::Arc;

use axum::http::StatusCode;
use claimguard::Algorithm;
use claimguard::remote::MAX_KID_BYTES;
use claimguard::testing::Mode;
use serde_json::json;

use crate::setup::{claims, rig, within};

#[tokio::test]
async fn a_new_kid_is_fetched_once_and_then_verifies() {
    let rig = rig(|r| r).await;
    rig.issuer.rotate(Algorithm::EdDSA);
    let token = rig.token(Algorithm::EdDSA, "dave");
    let reply = rig.call(&token).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "dave")
    );
    let status = rig.status();
    assert_eq!((status.fetches, status.kid_refetches), (2, 1));
    assert_eq!(rig.issuer.jwks_requests(), 2);
    // The key is known now: no more fetches.
    assert_eq!(rig.call(&token).await.status, StatusCode::OK);
    assert_eq!(rig.issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn inside_the_cooldown_an_unknown_kid_is_refused_at_once() {
    let rig = rig(|r| r).await;
    let forged = |kid: &str| {
        rig.issuer
            .mint_with(
                Algorithm::RS256,
                "rsa-1",
                &json!({ "kid": kid }),
                &claims(&rig.issuer, "x"),
            )
            .unwrap_or_else(|| panic!("no rsa-1"))
    };
    rig.call(&forged("first"))
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(rig.issuer.jwks_requests(), 2);
    // 29 s later: refused without a fetch.
    rig.advance(29);
    rig.call(&forged("second"))
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(rig.issuer.jwks_requests(), 2);
    assert_eq!(rig.status().kid_refused, 1);
    // At 30 s the cooldown is over: one more fetch.
    rig.advance(1);
    rig.call(&forged("third")).await;
    assert_eq!(rig.issuer.jwks_requests(), 3);
    assert_eq!(rig.status().kid_refetches, 2);
}

#[tokio::test]
async fn a_flood_of_random_kids_costs_one_fetch() {
    let rig = Arc::new(rig(|r| r).await);
    let mut requests = Vec::new();
    for i in 0..200 {
        let rig = Arc::clone(&rig);
        requests.push(tokio::spawn(async move {
            let kid = format!("forged-{i:03}-{}", i * 7919 % 1000);
            let token = rig
                .issuer
                .mint_with(
                    Algorithm::ES256,
                    "p256-1",
                    &json!({ "kid": kid }),
                    &claims(&rig.issuer, "x"),
                )
                .unwrap_or_else(|| panic!("no p256-1"));
            rig.call(&token).await
        }));
    }
    for request in requests {
        let reply = within(request).await.unwrap_or_else(|e| panic!("{e}"));
        reply.assert_invalid_token("the token's key is not known");
    }
    assert_eq!(
        rig.issuer.jwks_requests(),
        2,
        "one start-up fetch and one refetch"
    );
    // Each of the others shared that fetch or, once it was done, was
    // refused inside the cooldown.
    assert_eq!(rig.status().kid_refetches, 1);
}

#[tokio::test]
async fn tokens_that_cannot_name_a_new_key_never_fetch() {
    let rig = rig(|r| r).await;
    let with_header = |alg, header: serde_json::Value| {
        let kid = match alg {
            Algorithm::HS256 => claimguard::testing::HMAC_KID.to_owned(),
            _ => rig.issuer.published()[0].clone(),
        };
        rig.issuer
            .mint_with(alg, &kid, &header, &claims(&rig.issuer, "x"))
            .unwrap_or_else(|| panic!("no key {kid}"))
    };
    // No kid, signed by a key the issuer has published since the verifier
    // fetched: the one RSA key it has is tried, and fails.
    let new = rig.issuer.rotate(Algorithm::RS256).unwrap_or_default();
    assert_eq!(rig.issuer.published()[0], new);
    rig.call(&with_header(Algorithm::RS256, json!({ "kid": null })))
        .await
        .assert_invalid_token("the token's signature is invalid");
    // An algorithm the type does not pin.
    rig.call(&with_header(Algorithm::HS256, json!({ "kid": "new" })))
        .await
        .assert_invalid_token("the token's algorithm is not accepted");
    // A kid one byte longer than MAX_KID_BYTES.
    let long = "k".repeat(MAX_KID_BYTES + 1);
    rig.call(&with_header(Algorithm::RS256, json!({ "kid": long })))
        .await
        .assert_invalid_token("the token's key is not known");
    // A kid published for another algorithm family.
    rig.call(&with_header(Algorithm::RS256, json!({ "kid": "p256-1" })))
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(rig.issuer.jwks_requests(), 1);
    assert_eq!(rig.status().kid_refetches, 0);
    // At MAX_KID_BYTES it may.
    let longest = "k".repeat(MAX_KID_BYTES);
    rig.call(&with_header(Algorithm::RS256, json!({ "kid": longest })))
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(rig.issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn a_request_waits_for_a_refetch_at_most_the_fetch_timeout() {
    let rig = Arc::new(rig(|r| r).await);
    rig.issuer.set_mode(Mode::Hang);
    rig.issuer.rotate(Algorithm::ES384);
    let token = rig.token(Algorithm::ES384, "erin");
    let waiting = tokio::spawn({
        let rig = Arc::clone(&rig);
        async move { rig.call(&token).await }
    });
    within(rig.issuer.wait_for_jwks_requests(2)).await;
    assert!(!waiting.is_finished());
    // 4 s: still waiting; 5 s: the fetch and the request give up.
    rig.advance(4);
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    rig.advance(1);
    let reply = within(waiting).await.unwrap_or_else(|e| panic!("{e}"));
    reply.assert_invalid_token("the token's key is not known");
    rig.fetched(2).await;
    let status = rig.status();
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|e| e.ends_with("no complete answer within 5000 ms")),
        "{status:?}"
    );
    // The last good keys are still in service.
    assert_eq!(
        rig.call(&rig.token(Algorithm::RS256, "x")).await.status,
        StatusCode::OK
    );
}
