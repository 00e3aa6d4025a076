//! Each bound at its edge: the proof's age and its clock skew, its size
//! before decoding, its `jti`, its `jwk`.

use claimguard::dpop::{DEFAULT_MAX_JTI_BYTES, MAX_PROOF_JWK_BYTES};
use claimguard_tests::NOW;
use serde_json::json;

use crate::setup::{app, assert_ok, assert_proof, bound, dpop, key};

const URI: &str = "https://api.example.com/orders";
const OLD: &str = "the DPoP proof is not recent";

#[tokio::test]
async fn iat_is_accepted_to_the_window_edge_and_not_a_second_past() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let at = |iat: u64| key.proof("GET", URI, Some(&token), iat);
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&at(NOW - 60)]).await,
        "alice",
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&at(NOW - 61)]).await,
        OLD,
    );
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&at(NOW)]).await,
        "alice",
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&at(NOW + 1)]).await,
        OLD,
    );
    // The clock moves, the edge with it.
    app.clock.advance(10);
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&at(NOW - 51)]).await,
        OLD,
    );
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&at(NOW - 50)]).await,
        "alice",
    );
}

#[tokio::test]
async fn the_leeway_widens_both_edges() {
    let app = app(dpop().window(30).leeway(5));
    let key = key(0);
    let token = bound(&key);
    let at = |iat: u64| key.proof("GET", URI, Some(&token), iat);
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&at(NOW - 35)]).await,
        "alice",
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&at(NOW - 36)]).await,
        OLD,
    );
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&at(NOW + 5)]).await,
        "alice",
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&at(NOW + 6)]).await,
        OLD,
    );
}

#[tokio::test]
async fn fractional_iat_is_read_the_stricter_way() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let header = key.header();
    let at = |iat: f64| {
        let mut claims = key.claims("GET", URI, Some(&token), NOW);
        claims["iat"] = json!(iat);
        key.sign(&header, &claims)
    };
    let edge = (NOW - 60) as f64;
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&at(edge + 0.5)]).await,
        "alice",
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&at(edge - 0.5)]).await,
        OLD,
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&at(NOW as f64 + 0.5)])
            .await,
        OLD,
    );
}

#[tokio::test]
async fn a_proof_of_the_cap_is_accepted_and_one_byte_more_is_not_decoded() {
    let key = key(0);
    let token = bound(&key);
    let proof = key.proof("GET", URI, Some(&token), NOW);
    let exact = app(dpop().max_proof_bytes(proof.len()));
    assert_ok(
        &exact.dpop("GET", "/orders", &token, &[&proof]).await,
        "alice",
    );
    let proof = key.proof("GET", URI, Some(&token), NOW);
    let short = app(dpop().max_proof_bytes(proof.len() - 1));
    let reply = short.dpop("GET", "/orders", &token, &[&proof]).await;
    assert_proof(&reply, "the DPoP proof is too large");
    // Refused before decoding: a cap-plus-one header of garbage is refused
    // the same way, not as malformed.
    let garbage = "!".repeat(proof.len());
    let reply = short.dpop("GET", "/orders", &token, &[&garbage]).await;
    assert_proof(&reply, "the DPoP proof is too large");
}

#[tokio::test]
async fn jti_and_jwk_sizes_are_capped() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let header = key.header();
    let with_jti = |jti: String| {
        let mut claims = key.claims("GET", URI, Some(&token), NOW);
        claims["jti"] = json!(jti);
        key.sign(&header, &claims)
    };
    let longest = with_jti("j".repeat(DEFAULT_MAX_JTI_BYTES));
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&longest]).await,
        "alice",
    );
    let over = with_jti("k".repeat(DEFAULT_MAX_JTI_BYTES + 1));
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&over]).await,
        "the DPoP proof's claims are missing or malformed",
    );
    // A jwk padded with an unknown member to the cap, and one byte over.
    let claims = key.claims("GET", URI, Some(&token), NOW);
    let padded = |len: usize| {
        let mut jwk = key.jwk().clone();
        let bare = serde_json::to_string(&jwk).unwrap_or_default().len();
        // `,"pad":""` is 9 bytes.
        jwk["pad"] = json!("p".repeat(len - bare - 9));
        assert_eq!(serde_json::to_string(&jwk).unwrap_or_default().len(), len);
        let mut header = header.clone();
        header["jwk"] = jwk;
        header
    };
    let at_cap = key.sign(&padded(MAX_PROOF_JWK_BYTES), &claims);
    let app = crate::setup::app(dpop().max_proof_bytes(8192));
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&at_cap]).await,
        "alice",
    );
    let claims = key.claims("GET", URI, Some(&token), NOW);
    let over = key.sign(&padded(MAX_PROOF_JWK_BYTES + 1), &claims);
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&over]).await,
        "the DPoP proof's key is missing, private or not supported",
    );
}
