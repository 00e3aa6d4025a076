//! Every way a proof is refused, one at a time, each answered with its
//! `invalid_dpop_proof` challenge and never an echo of the proof or token.

use claimguard::Algorithm;
use claimguard::testing::{DpopKey, ath};
use claimguard_tests::NOW;
use serde_json::{Value, json};

use crate::setup::{App, ORIGIN, app, assert_dpop, assert_no_echo, assert_proof, bound, dpop, key};

const URI: &str = "https://api.example.com/orders";

/// Sends a proof signed by `key` with `header` and `claims` for `GET /orders`.
async fn with(
    app: &App,
    key: &DpopKey,
    token: &str,
    header: &Value,
    claims: &Value,
) -> claimguard_tests::Reply {
    let proof = key.sign(header, claims);
    let reply = app.dpop("GET", "/orders", token, &[&proof]).await;
    assert_no_echo(&reply, &[token, &proof]);
    reply
}

fn set(mut value: Value, member: &str, to: Value) -> Value {
    if let Some(members) = value.as_object_mut() {
        if to.is_null() {
            members.remove(member);
        } else {
            members.insert(member.into(), to);
        }
    }
    value
}

#[tokio::test]
async fn the_dpop_header_must_be_there_once() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[]).await,
        "a DPoP proof is required",
    );
    let a = key.proof("GET", URI, Some(&token), NOW);
    let b = key.proof("GET", URI, Some(&token), NOW);
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&a, &b]).await,
        "more than one DPoP proof",
    );
    // Neither was presented to the replay store: each alone is accepted.
    let reply = app.dpop("GET", "/orders", &token, &[&a]).await;
    assert_eq!(reply.body, "alice", "{reply:?}");
}

#[tokio::test]
async fn malformed_proofs_are_refused() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let good = key.proof("GET", URI, Some(&token), NOW);
    let segments: Vec<&str> = good.split('.').collect();
    let malformed = "the DPoP proof is malformed";
    for bad in [
        format!("{}.{}", segments[0], segments[1]),
        format!("{good}.x"),
        format!("{}..{}", segments[0], segments[2]),
        format!("{}+.{}.{}", segments[0], segments[1], segments[2]),
        format!("{}.{}=.{}", segments[0], segments[1], segments[2]),
        "not a proof".to_owned(),
    ] {
        let reply = app.dpop("GET", "/orders", &token, &[&bad]).await;
        assert_proof(&reply, malformed);
    }
    let header = key.header();
    let claims = key.claims("GET", URI, Some(&token), NOW);
    for extension in [json!(["exp"]), json!(false)] {
        let crit = set(header.clone(), "crit", extension.clone());
        let b64 = set(header.clone(), "b64", extension);
        assert_proof(&with(&app, &key, &token, &crit, &claims).await, malformed);
        assert_proof(&with(&app, &key, &token, &b64, &claims).await, malformed);
    }
    let reply = app.dpop("GET", "/orders", &token, &["e30.e30.e30"]).await;
    assert_proof(&reply, "the DPoP proof's typ is not dpop+jwt");
    // A header member twice.
    let twice = format!(
        "{}.{}.{}",
        claimguard_tests::b64(r#"{"typ":"dpop+jwt","typ":"dpop+jwt","alg":"ES256"}"#),
        segments[1],
        segments[2]
    );
    assert_proof(
        &app.dpop("GET", "/orders", &token, &[&twice]).await,
        malformed,
    );
}

#[tokio::test]
async fn the_header_must_say_dpop_jwt_an_accepted_alg_and_a_public_jwk() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let header = key.header();
    let claims = key.claims("GET", URI, Some(&token), NOW);
    for typ in [json!("jwt"), json!(null), json!(7)] {
        let bad = set(header.clone(), "typ", typ.clone());
        let reply = with(&app, &key, &token, &bad, &claims).await;
        if typ.is_number() {
            assert_proof(&reply, "the DPoP proof is malformed");
        } else {
            assert_proof(&reply, "the DPoP proof's typ is not dpop+jwt");
        }
    }
    for alg in [json!("HS256"), json!("none"), json!("es256"), json!(null)] {
        let bad = set(header.clone(), "alg", alg);
        let reply = with(&app, &key, &token, &bad, &claims).await;
        assert_proof(&reply, "the DPoP proof's algorithm is not accepted");
    }
    let no_key = "the DPoP proof's key is missing, private or not supported";
    let jwk = key.jwk().clone();
    for bad_jwk in [
        json!(null),
        set(
            jwk.clone(),
            "d",
            json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"),
        ),
        json!({"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}),
        set(jwk.clone(), "crv", json!("P-384")),
        set(jwk.clone(), "use", json!("enc")),
        set(jwk.clone(), "alg", json!("ES384")),
        set(jwk.clone(), "x", json!("not+base64url")),
        json!("a string"),
        json!([]),
    ] {
        let bad = set(header.clone(), "jwk", bad_jwk);
        assert_proof(&with(&app, &key, &token, &bad, &claims).await, no_key);
    }
    // Another well-formed key has another thumbprint: the token is not
    // bound to it, whatever the key is.
    let bad = set(header.clone(), "jwk", set(jwk, "x", json!("AAAA")));
    let reply = with(&app, &key, &token, &bad, &claims).await;
    assert_dpop(&reply, "invalid_token", "invalid DPoP key binding");
    // The key of another algorithm's family.
    let rsa = DpopKey::new(Algorithm::RS256).unwrap_or_else(|e| panic!("{e}"));
    let bad = set(header, "jwk", rsa.jwk().clone());
    assert_proof(&with(&app, &key, &token, &bad, &claims).await, no_key);
}

#[tokio::test]
async fn every_claim_is_required_and_typed() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let header = key.header();
    let claims = key.claims("GET", URI, Some(&token), NOW);
    let bad_claims = "the DPoP proof's claims are missing or malformed";
    for member in ["jti", "htm", "htu", "iat", "ath"] {
        let missing = set(claims.clone(), member, Value::Null);
        assert_proof(
            &with(&app, &key, &token, &header, &missing).await,
            bad_claims,
        );
        let wrong = set(claims.clone(), member, json!({"x": 1}));
        assert_proof(&with(&app, &key, &token, &header, &wrong).await, bad_claims);
    }
    let empty_jti = set(claims.clone(), "jti", json!(""));
    assert_proof(
        &with(&app, &key, &token, &header, &empty_jti).await,
        bad_claims,
    );
    let negative = set(claims, "iat", json!(-1));
    assert_proof(
        &with(&app, &key, &token, &header, &negative).await,
        bad_claims,
    );
}

#[tokio::test]
async fn method_uri_token_and_signature_must_match() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let header = key.header();
    for method in ["POST", "get", "PUT"] {
        let claims = key.claims(method, URI, Some(&token), NOW);
        let reply = with(&app, &key, &token, &header, &claims).await;
        assert_proof(&reply, "the DPoP proof is for another method");
    }
    for uri in [
        "https://api.example.com/orders/",
        "https://api.example.com/Orders",
        "http://api.example.com/orders",
        "https://api.example.com:8443/orders",
        "https://evil.example.com/orders",
        "/orders",
        "https://user@api.example.com/orders",
    ] {
        let claims = key.claims("GET", uri, Some(&token), NOW);
        let reply = with(&app, &key, &token, &header, &claims).await;
        assert_proof(&reply, "the DPoP proof is for another URI");
    }
    // A request path the router takes as sent but normalisation would
    // change (`/orders/%2e` reaches `/orders/{id}`): refused, whatever the
    // proof names, so a proof for one route is never spent on another.
    for htu in [
        "https://api.example.com/orders/",
        "https://api.example.com/orders/%2e",
    ] {
        let claims = key.claims("GET", htu, Some(&token), NOW);
        let proof = key.sign(&header, &claims);
        let reply = app.dpop("GET", "/orders/%2e", &token, &[&proof]).await;
        assert_proof(&reply, "the DPoP proof is for another URI");
    }
    let claims = set(
        key.claims("GET", URI, Some(&token), NOW),
        "ath",
        json!(ath("another.access.token")),
    );
    let reply = with(&app, &key, &token, &header, &claims).await;
    assert_proof(&reply, "the DPoP proof is for another access token");
    // Signed by another key than the one its header names.
    let other = crate::setup::key(1);
    let claims = key.claims("GET", URI, Some(&token), NOW);
    let reply = with(&app, &other, &token, &header, &claims).await;
    assert_proof(&reply, "the DPoP proof's signature is invalid");
    // A valid proof by another key: the token is not bound to it.
    let reply = app.fresh(&other, "GET", "/orders", &token).await;
    assert_dpop(&reply, "invalid_token", "invalid DPoP key binding");
    let _ = ORIGIN;
}
