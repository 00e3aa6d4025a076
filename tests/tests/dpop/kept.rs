//! Proof headers kept from an earlier proof (with the token found bound to
//! their key): what a kept header or token lets a request skip, it must not
//! let through. Each case first has a proof accepted, so that its header
//! and token are kept, and then sends what must still be refused.

use claimguard::testing::{DpopKey, ath};
use claimguard_tests::{HsMinter, NOW, SECRET};
use serde_json::json;

use crate::setup::{
    App, ORIGIN, app, assert_dpop, assert_ok, assert_proof, bound, dpop, key, plain,
};

const URI: &str = "https://api.example.com/orders";

/// `GET /orders` with `token` and a proof by `signer` of `claims` under
/// `key`'s header.
async fn signed_by(
    app: &App,
    signer: &DpopKey,
    key: &DpopKey,
    token: &str,
    claims: &serde_json::Value,
) -> claimguard_tests::Reply {
    let proof = signer.sign(&key.header(), claims);
    app.dpop("GET", "/orders", token, &[&proof]).await
}

/// A second token bound to `key` (another subject, so another token).
fn bound_again(key: &DpopKey) -> String {
    let jkt = key.thumbprint();
    HsMinter::new(SECRET).token(&format!(
        r#"{{"sub":"alice2","exp":{},"cnf":{{"jkt":"{jkt}"}}}}"#,
        NOW + 600
    ))
}

#[tokio::test]
async fn a_kept_header_and_token_still_need_a_fresh_matching_signed_proof() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
    // Every later proof with the same header and token is judged in full
    // but for what was kept.
    for _ in 0..3 {
        assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
    }
    let replayed = key.proof("GET", URI, Some(&token), NOW);
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&replayed]).await,
        "alice",
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&replayed]).await,
        "the DPoP proof was used before",
    );
    let claims = key.claims("POST", URI, Some(&token), NOW);
    assert_proof(
        &signed_by(&app, &key, &key, &token, &claims).await,
        "the DPoP proof is for another method",
    );
    let claims = key.claims("GET", "https://api.example.com/other", Some(&token), NOW);
    assert_proof(
        &signed_by(&app, &key, &key, &token, &claims).await,
        "the DPoP proof is for another URI",
    );
    let claims = key.claims("GET", URI, Some(&token), NOW - 61);
    assert_proof(
        &signed_by(&app, &key, &key, &token, &claims).await,
        "the DPoP proof is not recent",
    );
    // The kept token's hash is compared with the proof's `ath` as the
    // computed one was.
    let mut claims = key.claims("GET", URI, Some(&token), NOW);
    claims["ath"] = json!(ath("another.access.token"));
    assert_proof(
        &signed_by(&app, &key, &key, &token, &claims).await,
        "the DPoP proof is for another access token",
    );
    claims["ath"] = json!(format!("{}A", ath(&token)));
    assert_proof(
        &signed_by(&app, &key, &key, &token, &claims).await,
        "the DPoP proof is for another access token",
    );
    // The kept key still checks the signature: signed by another key under
    // this key's header.
    let other = crate::setup::key(1);
    let claims = key.claims("GET", URI, Some(&token), NOW);
    assert_proof(
        &signed_by(&app, &other, &key, &token, &claims).await,
        "the DPoP proof's signature is invalid",
    );
    // And the kept header and token still work after all those refusals.
    assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
}

#[tokio::test]
async fn a_kept_header_binds_no_other_token_to_its_key() {
    let app = app(dpop());
    let (mine, theirs) = (key(0), key(1));
    let token = bound(&mine);
    let stolen = bound(&theirs);
    assert_ok(&app.fresh(&mine, "GET", "/orders", &token).await, "alice");
    assert_ok(
        &app.fresh(&theirs, "GET", "/orders", &stolen).await,
        "alice",
    );
    // Both headers are kept now, each with its own token. A token bound to
    // one key, with a valid proof by the other: refused either way, again
    // and again.
    for _ in 0..2 {
        let reply = app.fresh(&mine, "GET", "/orders", &stolen).await;
        assert_dpop(&reply, "invalid_token", "invalid DPoP key binding");
        let reply = app.fresh(&theirs, "GET", "/orders", &token).await;
        assert_dpop(&reply, "invalid_token", "invalid DPoP key binding");
    }
    // A bearer token with a kept header: not bound, whatever the proof.
    let reply = app.fresh(&mine, "GET", "/orders", &plain()).await;
    assert_dpop(
        &reply,
        "invalid_token",
        "the access token is not bound to a DPoP key",
    );
    // The refusals kept nothing: each key's own token is still taken.
    assert_ok(&app.fresh(&mine, "GET", "/orders", &token).await, "alice");
    assert_ok(
        &app.fresh(&theirs, "GET", "/orders", &stolen).await,
        "alice",
    );
}

#[tokio::test]
async fn two_tokens_of_one_key_take_turns() {
    let app = app(dpop());
    let key = key(0);
    let (first, second) = (bound(&key), bound_again(&key));
    for _ in 0..3 {
        assert_ok(&app.fresh(&key, "GET", "/orders", &first).await, "alice");
        assert_ok(&app.fresh(&key, "GET", "/orders", &second).await, "alice2");
    }
    // A proof's `ath` names its own token, not the one kept before it.
    let claims = key.claims("GET", URI, Some(&first), NOW);
    assert_proof(
        &signed_by(&app, &key, &key, &second, &claims).await,
        "the DPoP proof is for another access token",
    );
    let _ = ORIGIN;
}
