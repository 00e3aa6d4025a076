//! The `Shared<T>` extractor: cache hits shared by reference count, the same
//! verdicts and rejections as `T`, `Option<Shared<T>>`.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{Claims, Reason, Shared, Verifier};
use claimguard_tests::{NOW, Teapot, bearer, call, sign, verifier};
use jsonwebtoken::Algorithm as J;

#[derive(Claims, Clone, Debug, PartialEq)]
#[claims(algorithms = [HS256], cache(capacity = 16, ttl = 60))]
struct Cached {
    #[claims(max_len = 16)]
    sub: String,
}

#[derive(Claims, Debug)]
#[claims(algorithms = [HS256], rejection = Teapot)]
struct Uncached {
    #[claims(max_len = 16)]
    sub: String,
}

fn token(sub: &str) -> String {
    sign(
        J::HS256,
        &format!(r#"{{"sub":"{sub}","exp":{}}}"#, NOW + 60),
    )
}

/// `verify_shared`, which must accept.
fn shared<T: Claims>(verifier: &Verifier<T>, token: &str) -> Arc<T> {
    verifier
        .verify_shared(token)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_cache_hit_shares_the_cached_claims() {
    let verifier = verifier::<Cached>();
    let token = token("alice");
    let [first, second] = [(); 2].map(|()| shared(&verifier, &token));
    assert!(
        Arc::ptr_eq(&first, &second),
        "a hit must not copy the claims"
    );
    // The cache holds the third reference.
    assert_eq!(Arc::strong_count(&first), 3);
    let stats = verifier.cache_stats().unwrap_or_else(|| panic!("no cache"));
    assert_eq!((stats.hits, stats.misses, stats.inserts), (1, 1, 1));
    // The owned path and the shared path see the same cache.
    let owned = verifier.verify(&token).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(owned, *first);
    // Another token is another entry.
    let other = shared(&verifier, &self::token("bob"));
    assert!(!Arc::ptr_eq(&first, &other));
    assert_eq!(other.sub, "bob");
}

#[test]
fn without_a_cache_each_call_decodes_anew() {
    let verifier = verifier::<Uncached>();
    let token = token("alice");
    let [first, second] = [(); 2].map(|()| shared(&verifier, &token));
    assert!(!Arc::ptr_eq(&first, &second));
    assert_eq!(Arc::strong_count(&first), 1);
    assert_eq!(first.sub, "alice");
    let refused = verifier.verify_shared(&format!("{token}x")).err();
    assert_eq!(refused.map(|r| r.reason()), Some(Reason::Signature));
}

fn app() -> Router {
    let cached = Router::new()
        .route(
            "/cached",
            get(|c: Shared<Cached>| async move { c.sub.clone() }),
        )
        .route(
            "/maybe",
            get(|c: Option<Shared<Cached>>| async move {
                c.map_or_else(|| "none".to_owned(), |c| c.sub.clone())
            }),
        )
        .with_state(verifier::<Cached>());
    let uncached = Router::new()
        .route(
            "/teapot",
            get(|c: Shared<Uncached>| async move { c.sub.clone() }),
        )
        .with_state(verifier::<Uncached>());
    cached.merge(uncached)
}

#[tokio::test]
async fn the_extractor_accepts_refuses_and_rejects_as_the_type_does() {
    let app = app();
    let token = token("alice");
    for _ in 0..2 {
        let reply = bearer(&app, "/cached", &token).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "alice")
        );
    }
    let refused = bearer(&app, "/cached", &format!("{token}x")).await;
    refused.assert_invalid_token("the token's signature is invalid");
    refused.assert_no_echo(&token);
    call(&app, "/cached", &[]).await.assert_missing();
    // Optional: nothing sent is `None`; a bad token is still refused.
    assert_eq!(call(&app, "/maybe", &[]).await.body, "none");
    assert_eq!(bearer(&app, "/maybe", &token).await.body, "alice");
    bearer(&app, "/maybe", "a.b.c")
        .await
        .assert_invalid_token("the token is malformed");
    // `rejection = Teapot` on the type applies to `Shared<Uncached>` too.
    let reply = call(&app, "/teapot", &[]).await;
    assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(reply.body, "teapot: a bearer token is required");
    assert_eq!(bearer(&app, "/teapot", &token).await.body, "alice");
}
