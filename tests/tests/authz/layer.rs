//! The requirement as a layer for a group of routes (`route_layer`): what
//! it refuses, and the verified claims it hands on to the handler's
//! extractors, which then do not verify the token again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{Authorized, Claims, Clock, Key, Scopes, Shared, Verifier};
use claimguard_tests::{CACHE_SEED, NOW, SECRET, Teapot, bearer, call};

use crate::setup::{Admin, Cached, OrdersRead, User, assert_forbidden, token};

/// A clock that counts its readings: the pipeline reads it once per
/// verification, and a claims hand-over not at all.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl Counting {
    fn readings(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Clock for Counting {
    fn now(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst);
        NOW
    }
}

fn counted<T: Claims>(clock: &Counting) -> Verifier<T> {
    Verifier::<T>::builder()
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(clock.clone())
        .cache_seed(CACHE_SEED)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `/orders/...` behind the layer, `/health` open.
fn app(verifier: &Verifier<User>) -> Router {
    let orders = Router::new()
        .route("/orders", get(|user: User| async move { user.sub }))
        .route(
            "/orders/shared",
            get(|user: Shared<User>| async move { user.sub.clone() }),
        )
        .route(
            "/orders/admin",
            get(|user: Authorized<User, Admin>| async move { user.sub.clone() }),
        )
        .route("/orders/count", get(|| async { "42" }))
        .route_layer(verifier.require::<OrdersRead>());
    Router::new()
        .merge(orders)
        .route("/health", get(|| async { "ok" }))
        .with_state(verifier.clone())
}

#[tokio::test]
async fn the_layer_guards_every_route_it_wraps() {
    let app = app(&claimguard_tests::verifier::<User>());
    let granted = token(r#","scope":"orders:read""#);
    let lacking = token(r#","scope":"openid""#);
    for path in ["/orders", "/orders/shared", "/orders/count"] {
        let reply = bearer(&app, path, &granted).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:?}");
        assert_forbidden(
            &bearer(&app, path, &lacking).await,
            Some("orders:read"),
            &lacking,
        );
        call(&app, path, &[]).await.assert_missing();
        bearer(&app, path, &format!("{granted}x"))
            .await
            .assert_invalid_token("the token's signature is invalid");
    }
    assert_eq!(call(&app, "/health", &[]).await.body, "ok");
    // Routes that do not exist are still 404, not 401.
    assert_eq!(
        call(&app, "/nowhere", &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_handler_can_require_more_of_the_same_claims() {
    let app = app(&claimguard_tests::verifier::<User>());
    let reader = token(r#","scope":"orders:read""#);
    assert_forbidden(&bearer(&app, "/orders/admin", &reader).await, None, &reader);
    let admin = token(r#","scope":"orders:read","roles":["admin"]"#);
    assert_eq!(bearer(&app, "/orders/admin", &admin).await.body, "alice");
    // The layer judges first: an administrator without the scope is refused
    // with the layer's challenge.
    let no_scope = token(r#","roles":["admin"]"#);
    assert_forbidden(
        &bearer(&app, "/orders/admin", &no_scope).await,
        Some("orders:read"),
        &no_scope,
    );
}

#[tokio::test]
async fn the_handler_takes_over_the_claims_instead_of_verifying_again() {
    let clock = Counting::default();
    let app = app(&counted::<User>(&clock));
    let admin = token(r#","scope":"orders:read","roles":["admin"]"#);
    for (n, path) in [
        "/orders",
        "/orders/shared",
        "/orders/admin",
        "/orders/count",
    ]
    .into_iter()
    .enumerate()
    {
        let reply = bearer(&app, path, &admin).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:?}");
        assert_eq!(clock.readings(), n + 1, "{path} verified the token again");
    }
}

#[tokio::test]
async fn with_a_cache_the_handler_copies_the_layers_claims() {
    let verifier = claimguard_tests::verifier::<Cached>();
    let app = Router::new()
        .route("/orders", get(|user: Cached| async move { user.sub }))
        .route_layer(verifier.require::<OrdersRead>())
        .with_state(verifier.clone());
    let granted = token(r#","scope":"orders:read""#);
    for _ in 0..3 {
        assert_eq!(bearer(&app, "/orders", &granted).await.body, "alice");
    }
    // One lookup per request, the layer's: a miss, then hits.
    let stats = verifier.cache_stats().unwrap_or_default();
    assert_eq!((stats.misses, stats.hits), (1, 2), "{stats:?}");
}

#[tokio::test]
async fn a_handler_with_another_verifier_verifies_for_itself() {
    let (layer_clock, state_clock) = (Counting::default(), Counting::default());
    let layered = counted::<User>(&layer_clock);
    let app = Router::new()
        .route("/orders", get(|user: User| async move { user.sub }))
        .route_layer(layered.require::<OrdersRead>())
        .with_state(counted::<User>(&state_clock));
    let granted = token(r#","scope":"orders:read""#);
    assert_eq!(bearer(&app, "/orders", &granted).await.body, "alice");
    assert_eq!((layer_clock.readings(), state_clock.readings()), (1, 1));
}

/// A rejection of the application's own, through the layer.
#[derive(Claims)]
#[claims(
    algorithms = [HS256],
    issuer = "https://issuer.example",
    audience = "api",
    rejection = Teapot
)]
struct Custom {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(max_items = 8, max_len = 32, default, scopes)]
    scope: Scopes,
}

#[tokio::test]
async fn the_layer_answers_with_the_claims_types_rejection() {
    let verifier = claimguard_tests::verifier::<Custom>();
    let app = Router::new()
        .route("/orders", get(|user: Custom| async move { user.sub }))
        .route_layer(verifier.require::<OrdersRead>())
        .with_state(verifier);
    for extra in ["", r#","scope":"x""#] {
        let reply = bearer(&app, "/orders", &token(extra)).await;
        assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
        assert!(reply.body.starts_with("teapot: "), "{reply:?}");
    }
    assert_eq!(
        call(&app, "/orders", &[]).await.status,
        StatusCode::IM_A_TEAPOT
    );
    let reply = bearer(&app, "/orders", &token(r#","scope":"orders:read""#)).await;
    assert_eq!(reply.body, "alice");
}
