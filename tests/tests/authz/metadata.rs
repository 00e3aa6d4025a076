//! Protected-resource metadata (RFC 9728): the document a verifier
//! publishes, served at its well-known path, and named by every challenge
//! its extractors and its layer send.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use claimguard::authz::ProtectedResource;
use claimguard::{Authorized, Key, Reason, Verifier};
use claimguard_tests::{NOW, SECRET, bearer, call};
use tower::ServiceExt as _;

use crate::setup::{OrdersRead, User, token, token_at};

const URL: &str = "https://api.example/.well-known/oauth-protected-resource/orders";

fn verifier() -> Verifier<User> {
    let resource = ProtectedResource::new("https://api.example/orders")
        .unwrap_or_else(|e| panic!("{e}"))
        .scopes_supported(["orders:read", "orders:write"]);
    Verifier::<User>::builder()
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(claimguard_tests::clock())
        .protected_resource(resource)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn app(verifier: &Verifier<User>) -> Router {
    let metadata = verifier
        .resource_metadata()
        .unwrap_or_else(|| panic!("no metadata"));
    let layered = Router::new()
        .route("/layered", get(|| async { "ok" }))
        .route_layer(verifier.require::<OrdersRead>());
    Router::new()
        .route(
            "/orders",
            get(|user: Authorized<User, OrdersRead>| async move { user.sub.clone() }),
        )
        .route("/me", get(|user: User| async move { user.sub }))
        .merge(layered)
        .route_service(metadata.path(), metadata.clone())
        .with_state(verifier.clone())
}

#[tokio::test]
async fn the_document_is_served_at_its_well_known_path() {
    let verifier = verifier();
    let metadata = verifier.resource_metadata();
    assert_eq!(metadata.as_ref().map(|m| m.url()), Some(URL));
    let reply = call(
        &app(&verifier),
        "/.well-known/oauth-protected-resource/orders",
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let document: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    assert_eq!(
        document,
        serde_json::json!({
            "resource": "https://api.example/orders",
            "authorization_servers": ["https://issuer.example"],
            "scopes_supported": ["orders:read", "orders:write"],
            "bearer_methods_supported": ["header"],
        })
    );
    let post = Request::builder()
        .method("POST")
        .uri("/.well-known/oauth-protected-resource/orders")
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let response = app(&verifier)
        .oneshot(post)
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response.headers().get(header::ALLOW).map(|v| v.as_bytes()),
        Some(&b"GET, HEAD"[..])
    );
    let get = Request::builder()
        .uri("/.well-known/oauth-protected-resource/orders")
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let response = app(&verifier)
        .oneshot(get)
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(
        response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
}

#[tokio::test]
async fn every_challenge_names_the_metadata() {
    let verifier = verifier();
    let app = app(&verifier);
    let missing = format!(r#"Bearer resource_metadata="{URL}""#);
    let expired = format!(
        r#"Bearer error="invalid_token", error_description="the token has expired", resource_metadata="{URL}""#
    );
    let forbidden = format!(
        r#"Bearer error="insufficient_scope", scope="orders:read", resource_metadata="{URL}""#
    );
    for path in ["/orders", "/me", "/layered"] {
        let reply = call(&app, path, &[]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.challenge.as_deref(), Some(missing.as_str()), "{path}");
        let reply = bearer(&app, path, &token_at(NOW - 1, "")).await;
        assert_eq!(reply.challenge.as_deref(), Some(expired.as_str()), "{path}");
    }
    for path in ["/orders", "/layered"] {
        let reply = bearer(&app, path, &token("")).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(
            reply.challenge.as_deref(),
            Some(forbidden.as_str()),
            "{path}"
        );
    }
    let refused = verifier.verify("a.b.c").err();
    assert_eq!(
        refused.map(|r| (r.reason(), r.resource_metadata())),
        Some((Reason::Malformed, Some(URL)))
    );
}

#[tokio::test]
async fn without_settings_there_is_no_metadata() {
    let verifier = claimguard_tests::verifier::<User>();
    assert!(verifier.resource_metadata().is_none());
    let app = Router::new()
        .route("/me", get(|user: User| async move { user.sub }))
        .with_state(verifier);
    call(&app, "/me", &[]).await.assert_missing();
}
