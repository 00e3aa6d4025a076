//! What comes back when: authentication failures win over authorization,
//! no credentials is the bare challenge, `Option` and `Result` keep their
//! meaning, a custom rejection is built from the `403` too.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{Authorized, Claims, Reason, Rejection, Scopes};
use claimguard_tests::{NOW, Teapot, bearer, call};

use crate::setup::{OrdersRead, User, assert_forbidden, token, token_at};

fn app() -> Router {
    Router::new()
        .route(
            "/orders",
            get(|user: Authorized<User, OrdersRead>| async move { user.sub.clone() }),
        )
        .route(
            "/maybe",
            get(|user: Option<Authorized<User, OrdersRead>>| async move {
                user.map_or("anonymous".to_owned(), |u| u.sub.clone())
            }),
        )
        .route(
            "/result",
            get(
                |user: Result<Authorized<User, OrdersRead>, Rejection>| async move {
                    match user {
                        Ok(user) => user.sub.clone(),
                        Err(rejection) => {
                            format!("{:?} {:?}", rejection.reason(), rejection.scopes())
                        }
                    }
                },
            ),
        )
        .with_state(claimguard_tests::verifier::<User>())
}

#[tokio::test]
async fn authentication_failures_win() {
    // Expired and lacking the scope: the 401 of the expiry.
    let expired = token_at(NOW - 1, r#","scope":"openid""#);
    bearer(&app(), "/orders", &expired)
        .await
        .assert_invalid_token("the token has expired");
    // A forged signature is refused as such, scope or not.
    let forged = format!("{}x", token(r#","scope":"orders:read""#));
    bearer(&app(), "/orders", &forged)
        .await
        .assert_invalid_token("the token's signature is invalid");
    // No credentials: the bare challenge.
    call(&app(), "/orders", &[]).await.assert_missing();
    call(&app(), "/orders", &[("authorization", b"Bearer")])
        .await
        .assert_invalid_request();
}

#[tokio::test]
async fn option_is_none_only_without_credentials() {
    let reply = call(&app(), "/maybe", &[]).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "anonymous")
    );
    let granted = token(r#","scope":"orders:read""#);
    assert_eq!(bearer(&app(), "/maybe", &granted).await.body, "alice");
    let lacking = token("");
    assert_forbidden(
        &bearer(&app(), "/maybe", &lacking).await,
        Some("orders:read"),
        &lacking,
    );
    bearer(
        &app(),
        "/maybe",
        &token_at(NOW, r#","scope":"orders:read""#),
    )
    .await
    .assert_invalid_token("the token has expired");
}

#[tokio::test]
async fn result_hands_the_403_to_the_handler() {
    let reply = bearer(&app(), "/result", &token("")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, r#"InsufficientScope ["orders:read"]"#);
    let reply = call(&app(), "/result", &[]).await;
    assert_eq!(reply.body, "Missing []");
}

/// A claims type with a rejection of the application's own.
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
async fn a_custom_rejection_is_built_from_the_403_too() {
    let app = Router::new()
        .route(
            "/orders",
            get(|user: Authorized<Custom, OrdersRead>| async move { user.sub.clone() }),
        )
        .with_state(claimguard_tests::verifier::<Custom>());
    let reply = bearer(&app, "/orders", &token("")).await;
    assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(reply.body, format!("teapot: {}", Reason::InsufficientScope));
    let reply = bearer(&app, "/orders", &token(r#","scope":"orders:read""#)).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "alice")
    );
    assert_eq!(
        call(&app, "/orders", &[]).await.status,
        StatusCode::IM_A_TEAPOT
    );
}
