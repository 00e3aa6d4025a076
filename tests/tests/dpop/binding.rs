//! The token's binding and the scheme it is sent with: a bound token needs
//! `DPoP` and its proof, an unbound one is a bearer token (when the mode
//! allows it), the challenges a request without credentials gets, and a
//! bad token sent with `DPoP`.

use axum::http::StatusCode;
use claimguard::dpop::DpopMode;
use claimguard_tests::{HsMinter, NOW, SECRET, call};

use crate::setup::{
    ALGS, ORIGIN, app, assert_dpop, assert_no_echo, assert_ok, bound, dpop, key, plain,
};

#[tokio::test]
async fn a_bound_token_sent_as_bearer_is_refused() {
    let app = app(dpop());
    let key = key(0);
    let token = bound(&key);
    let description = "the access token is bound to a DPoP key and must be sent with a proof";
    let reply = app.bearer("/orders", &token, &[]).await;
    assert_dpop(&reply, "invalid_token", description);
    assert_no_echo(&reply, &[&token]);
    // With a valid proof beside it, still: the scheme is `Bearer`.
    let proof = key.proof("GET", &format!("{ORIGIN}/orders"), Some(&token), NOW);
    assert_dpop(
        &app.bearer("/orders", &token, &[&proof]).await,
        "invalid_token",
        description,
    );
    // And through `Verifier::verify`, which has no proof to check.
    let refused = app.verifier.verify(&token).err().map(|r| r.reason());
    assert_eq!(
        refused,
        Some(claimguard::Reason::Dpop(
            claimguard::dpop::DpopError::Bearer
        ))
    );
}

#[tokio::test]
async fn bearer_tokens_are_taken_unless_dpop_is_required() {
    let optional = app(dpop());
    assert_ok(&optional.bearer("/orders", &plain(), &[]).await, "bob");
    assert!(optional.verifier.verify(&plain()).is_ok());
    let required = app(dpop().mode(DpopMode::Required));
    let reply = required.bearer("/orders", &plain(), &[]).await;
    assert_dpop(
        &reply,
        "invalid_token",
        "the access token is not bound to a DPoP key",
    );
    assert!(required.verifier.verify(&plain()).is_err());
    let key = key(0);
    assert_ok(
        &required.fresh(&key, "GET", "/orders", &bound(&key)).await,
        "alice",
    );
}

#[tokio::test]
async fn an_unbound_token_sent_with_dpop_is_refused() {
    let app = app(dpop());
    let key = key(0);
    let token = plain();
    let reply = app.fresh(&key, "GET", "/orders", &token).await;
    assert_dpop(
        &reply,
        "invalid_token",
        "the access token is not bound to a DPoP key",
    );
    // A token bound by another confirmation method is not taken either way.
    let mtls = HsMinter::new(SECRET).token(&format!(
        r#"{{"sub":"carol","exp":{},"cnf":{{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}}}"#,
        NOW + 600
    ));
    let reply = app.bearer("/orders", &mtls, &[]).await;
    assert_dpop(
        &reply,
        "invalid_token",
        "the access token is not bound to a DPoP key",
    );
    let reply = app.fresh(&key, "GET", "/orders", &mtls).await;
    assert_dpop(
        &reply,
        "invalid_token",
        "the access token is not bound to a DPoP key",
    );
}

#[tokio::test]
async fn without_credentials_both_schemes_are_offered() {
    let optional = app(dpop());
    let reply = call(&optional.router, "/orders", &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.challenges,
        ["Bearer".to_owned(), format!(r#"DPoP algs="{ALGS}""#)]
    );
    let required = app(dpop().mode(DpopMode::Required));
    let reply = call(&required.router, "/orders", &[]).await;
    assert_eq!(reply.challenges, [format!(r#"DPoP algs="{ALGS}""#)]);
    // Another scheme is no credentials.
    let reply = call(
        &required.router,
        "/orders",
        &[("authorization", b"Basic YTpi")],
    )
    .await;
    assert_eq!(reply.challenges, [format!(r#"DPoP algs="{ALGS}""#)]);
}

#[tokio::test]
async fn a_bad_token_sent_with_dpop_is_answered_in_dpop() {
    let app = app(dpop());
    let key = key(0);
    let expired = HsMinter::new(SECRET).token(&format!(
        r#"{{"sub":"alice","exp":{NOW},"cnf":{{"jkt":"{}"}}}}"#,
        key.thumbprint()
    ));
    let reply = app.fresh(&key, "GET", "/orders", &expired).await;
    assert_dpop(&reply, "invalid_token", "the token has expired");
    assert_no_echo(&reply, &[&expired]);
    // The same token as `Bearer` gets the bearer challenge.
    let reply = app.bearer("/orders", &expired, &[]).await;
    reply.assert_invalid_token("the token has expired");
    // The scheme in any case, and credentials twice.
    let token = bound(&key);
    let proof = key.proof("GET", &format!("{ORIGIN}/orders"), Some(&token), NOW);
    let value = format!("dpop {token}");
    let headers = [
        ("authorization", value.as_bytes()),
        ("dpop", proof.as_bytes()),
    ];
    assert_ok(&call(&app.router, "/orders", &headers).await, "alice");
    let twice = [
        ("authorization", value.as_bytes()),
        ("authorization", value.as_bytes()),
    ];
    call(&app.router, "/orders", &twice)
        .await
        .assert_invalid_request();
    call(&app.router, "/orders", &[("authorization", b"DPoP")])
        .await
        .assert_invalid_request();
}

#[test]
fn the_protected_resource_metadata_tells_clients_about_dpop() {
    use claimguard::authz::ProtectedResource;
    use claimguard::{Algorithm, Key, Verifier};

    let document = |dpop: Option<claimguard::dpop::DpopBuilder>| {
        let resource = ProtectedResource::new(ORIGIN).unwrap_or_else(|e| panic!("{e}"));
        let builder = Verifier::<crate::setup::User>::builder()
            .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
            .protected_resource(resource);
        let builder = match dpop {
            Some(dpop) => builder.dpop(dpop.build().unwrap_or_else(|e| panic!("{e}"))),
            None => builder,
        };
        let verifier = builder.build().unwrap_or_else(|e| panic!("{e}"));
        let metadata = verifier
            .resource_metadata()
            .unwrap_or_else(|| panic!("none"));
        serde_json::from_str::<serde_json::Value>(metadata.document())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let optional = document(Some(dpop()));
    assert_eq!(
        optional["dpop_signing_alg_values_supported"],
        serde_json::json!(["ES256", "EdDSA", "RS256", "PS256"])
    );
    assert_eq!(optional["dpop_bound_access_tokens_required"], false);
    let required = document(Some(
        dpop()
            .mode(DpopMode::Required)
            .algorithms([Algorithm::EdDSA]),
    ));
    assert_eq!(
        required["dpop_signing_alg_values_supported"],
        serde_json::json!(["EdDSA"])
    );
    assert_eq!(required["dpop_bound_access_tokens_required"], true);
    let without = document(None);
    assert!(without.get("dpop_signing_alg_values_supported").is_none());
    assert!(without.get("dpop_bound_access_tokens_required").is_none());
    assert_eq!(without["resource"], ORIGIN);
}
