//! Scope requirements as extractors: `scope`, `scp` in both forms, all-of
//! and any-of, the caps at N and N + 1, exact comparison.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{Authorized, Claims, Scopes, Shared, Verifier};
use claimguard_tests::bearer;

use crate::setup::{Cached, OrdersRead, ReadAndWrite, ReadOrAdmin, User, assert_forbidden, token};

fn app() -> Router {
    Router::new()
        .route(
            "/orders",
            get(|user: Authorized<User, OrdersRead>| async move { user.sub.clone() }),
        )
        .route(
            "/both",
            get(|user: Authorized<User, ReadAndWrite>| async move { user.into_inner().sub }),
        )
        .route(
            "/either",
            get(|user: Authorized<User, ReadOrAdmin>| async move { user.sub.clone() }),
        )
        .with_state(claimguard_tests::verifier::<User>())
}

#[tokio::test]
async fn a_granted_scope_is_admitted() {
    let reply = bearer(
        &app(),
        "/orders",
        &token(r#","scope":"openid orders:read""#),
    )
    .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "alice")
    );
}

#[tokio::test]
async fn a_missing_scope_is_a_403_that_lists_it() {
    for extra in [
        "",
        r#","scope":"openid""#,
        r#","scope":"""#,
        r#","scope":[]"#,
    ] {
        let token = token(extra);
        let reply = bearer(&app(), "/orders", &token).await;
        assert_forbidden(&reply, Some("orders:read"), &token);
    }
}

#[tokio::test]
async fn scopes_are_compared_exactly() {
    for scope in [
        "orders:read2",
        "Orders:read",
        "orders",
        "orders:rea",
        "orders:read:x",
    ] {
        let token = token(&format!(r#","scope":"{scope}""#));
        let reply = bearer(&app(), "/orders", &token).await;
        assert_forbidden(&reply, Some("orders:read"), &token);
    }
    // A list item holding a space is not two scopes.
    let token = token(r#","scope":["openid orders:read"]"#);
    assert_forbidden(
        &bearer(&app(), "/orders", &token).await,
        Some("orders:read"),
        &token,
    );
}

#[tokio::test]
async fn all_of_lists_every_scope_it_names() {
    let token_rw = token(r#","scope":"orders:write orders:read""#);
    assert_eq!(
        bearer(&app(), "/both", &token_rw).await.status,
        StatusCode::OK
    );
    for extra in [
        r#","scope":"orders:read""#,
        r#","scope":"orders:write""#,
        "",
    ] {
        let token = token(extra);
        let reply = bearer(&app(), "/both", &token).await;
        assert_forbidden(&reply, Some("orders:read orders:write"), &token);
    }
}

#[tokio::test]
async fn any_of_admits_either_alternative() {
    let by_scope = token(r#","scope":"orders:read""#);
    let by_role = token(r#","roles":["admin"]"#);
    assert_eq!(
        bearer(&app(), "/either", &by_scope).await.status,
        StatusCode::OK
    );
    assert_eq!(
        bearer(&app(), "/either", &by_role).await.status,
        StatusCode::OK
    );
    let neither = token(r#","roles":["user"],"scope":"openid""#);
    let reply = bearer(&app(), "/either", &neither).await;
    assert_forbidden(&reply, Some("orders:read"), &neither);
}

#[tokio::test]
async fn scopes_at_their_caps_and_one_over() {
    // Eight scopes of at most 32 bytes.
    let eight = (0..7)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let at_cap = token(&format!(r#","scope":"{eight} orders:read""#));
    assert_eq!(
        bearer(&app(), "/orders", &at_cap).await.status,
        StatusCode::OK
    );
    let nine = token(&format!(r#","scope":"{eight} s7 orders:read""#));
    bearer(&app(), "/orders", &nine)
        .await
        .assert_invalid_token("the token's claims are malformed or too large");
    let long = format!("orders:read {}", "x".repeat(32));
    assert_eq!(
        bearer(&app(), "/orders", &token(&format!(r#","scope":"{long}""#)))
            .await
            .status,
        StatusCode::OK
    );
    let longer = format!("orders:read {}", "x".repeat(33));
    bearer(
        &app(),
        "/orders",
        &token(&format!(r#","scope":"{longer}""#)),
    )
    .await
    .assert_invalid_token("the token's claims are malformed or too large");
    // The list form has the same caps.
    let list: Vec<String> = (0..9).map(|i| format!("\"s{i}\"")).collect();
    bearer(
        &app(),
        "/orders",
        &token(&format!(r#","scope":[{}]"#, list.join(","))),
    )
    .await
    .assert_invalid_token("the token's claims are malformed or too large");
}

/// Entra ID and Okta name it `scp`: a string, or a list.
#[derive(Claims)]
#[claims(algorithms = [HS256], issuer = "https://issuer.example", audience = "api")]
struct Scp {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(max_items = 16, max_len = 64, default, scopes)]
    scp: Scopes,
}

#[tokio::test]
async fn scp_as_a_string_or_a_list() {
    let app = Router::new()
        .route(
            "/orders",
            get(|user: Authorized<Scp, OrdersRead>| async move { user.sub.clone() }),
        )
        .with_state(claimguard_tests::verifier::<Scp>());
    for scp in [
        r#""orders:read User.Read""#,
        r#"["User.Read","orders:read"]"#,
    ] {
        let reply = bearer(&app, "/orders", &token(&format!(r#","scp":{scp}"#))).await;
        assert_eq!(reply.status, StatusCode::OK, "{scp}: {reply:?}");
    }
    let token = token(r#","scp":["User.Read"]"#);
    assert_forbidden(
        &bearer(&app, "/orders", &token).await,
        Some("orders:read"),
        &token,
    );
}

#[tokio::test]
async fn every_request_is_judged_cache_hit_or_not() {
    let verifier: Verifier<Cached> = claimguard_tests::verifier::<Cached>();
    let app = Router::new()
        .route(
            "/orders",
            get(|user: Authorized<Cached, OrdersRead>| async move { user.sub.clone() }),
        )
        .route(
            "/shared",
            get(|user: Authorized<Shared<Cached>, OrdersRead>| async move { user.sub.clone() }),
        )
        .with_state(verifier.clone());
    let granted = token(r#","scope":"orders:read""#);
    let lacking = token(r#","scope":"openid""#);
    for path in ["/orders", "/shared", "/orders"] {
        assert_eq!(bearer(&app, path, &granted).await.status, StatusCode::OK);
        assert_forbidden(
            &bearer(&app, path, &lacking).await,
            Some("orders:read"),
            &lacking,
        );
    }
    // Both tokens are valid, so both were cached and hit four times each.
    let stats = verifier.cache_stats().unwrap_or_default();
    assert_eq!(
        (stats.misses, stats.hits, stats.entries),
        (2, 4, 2),
        "{stats:?}"
    );
}
