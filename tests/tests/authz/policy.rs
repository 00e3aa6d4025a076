//! A policy of the application's own, over the verified claims and the
//! request: the tenant in the path is the token's.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::Authorized;
use claimguard_tests::bearer;

use crate::setup::{SameTenant, TenantOrders, User, assert_forbidden, token};

fn app() -> Router {
    Router::new()
        .route(
            "/tenants/{tenant}/orders",
            get(|user: Authorized<User, TenantOrders>| async move { user.sub.clone() }),
        )
        .route(
            "/tenants/{tenant}/profile",
            get(|user: Authorized<User, SameTenant>| async move { user.sub.clone() }),
        )
        .with_state(claimguard_tests::verifier::<User>())
}

#[tokio::test]
async fn the_policy_reads_the_path_and_the_claims() {
    let acme = token(r#","tenant":"acme","scope":"orders:read""#);
    let reply = bearer(&app(), "/tenants/acme/orders", &acme).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "alice")
    );
    assert_eq!(
        bearer(&app(), "/tenants/acme/profile", &acme).await.status,
        StatusCode::OK
    );
    // Another tenant's path: the policy refuses, and says nothing of why.
    let reply = bearer(&app(), "/tenants/globex/profile", &acme).await;
    assert_forbidden(&reply, None, &acme);
    // With the scope named beside it, the challenge lists the scope.
    let reply = bearer(&app(), "/tenants/globex/orders", &acme).await;
    assert_forbidden(&reply, Some("orders:read"), &acme);
    let no_tenant = token(r#","scope":"orders:read""#);
    assert_forbidden(
        &bearer(&app(), "/tenants/acme/orders", &no_tenant).await,
        Some("orders:read"),
        &no_tenant,
    );
}
