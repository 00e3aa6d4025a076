//! Role requirements over the shapes identity providers send: a plain
//! `roles` list, Auth0's `permissions`, Cognito's `cognito:groups`,
//! Keycloak's `realm_access.roles` and `resource_access.<client>.roles`;
//! a refusal never names a role.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{Authorized, Claims, KeycloakRoles, Roles};
use claimguard_tests::bearer;

use crate::setup::{Admin, Clerk, User, assert_forbidden, token};

fn app() -> Router {
    Router::new()
        .route(
            "/admin",
            get(|user: Authorized<User, Admin>| async move { user.sub.clone() }),
        )
        .route(
            "/clerk",
            get(|user: Authorized<User, Clerk>| async move { user.sub.clone() }),
        )
        .with_state(claimguard_tests::verifier::<User>())
}

#[tokio::test]
async fn a_held_role_is_admitted() {
    for roles in [r#"["admin"]"#, r#"["user","admin"]"#] {
        let reply = bearer(&app(), "/admin", &token(&format!(r#","roles":{roles}"#))).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "alice")
        );
    }
}

#[tokio::test]
async fn a_missing_role_is_a_403_that_names_no_role() {
    for extra in [
        "",
        r#","roles":[]"#,
        r#","roles":["Admin","admins","user"]"#,
    ] {
        let token = token(extra);
        let reply = bearer(&app(), "/admin", &token).await;
        assert_forbidden(&reply, None, &token);
        assert!(!reply.body.contains("admin"));
    }
    // A role is a list item, never a string split on spaces.
    bearer(&app(), "/admin", &token(r#","roles":"admin""#))
        .await
        .assert_invalid_token("the token's claims are malformed or too large");
}

#[tokio::test]
async fn roles_and_scopes_together_list_the_scopes_only() {
    let both = token(r#","roles":["clerk"],"scope":"orders:write""#);
    assert_eq!(bearer(&app(), "/clerk", &both).await.status, StatusCode::OK);
    for extra in [r#","roles":["clerk"]"#, r#","scope":"orders:write""#] {
        let token = token(extra);
        let reply = bearer(&app(), "/clerk", &token).await;
        assert_forbidden(&reply, Some("orders:write"), &token);
        assert!(!reply.challenge.unwrap_or_default().contains("clerk"));
    }
}

#[tokio::test]
async fn roles_at_their_caps_and_one_over() {
    let names = |n: usize| (0..n).map(|i| format!("\"r{i}\"")).collect::<Vec<_>>();
    let mut seven = names(7);
    seven.push("\"admin\"".to_owned());
    let at_cap = token(&format!(r#","roles":[{}]"#, seven.join(",")));
    assert_eq!(
        bearer(&app(), "/admin", &at_cap).await.status,
        StatusCode::OK
    );
    seven.push("\"r8\"".to_owned());
    bearer(
        &app(),
        "/admin",
        &token(&format!(r#","roles":[{}]"#, seven.join(","))),
    )
    .await
    .assert_invalid_token("the token's claims are malformed or too large");
    let long = format!(r#","roles":["admin","{}"]"#, "r".repeat(32));
    assert_eq!(
        bearer(&app(), "/admin", &token(&long)).await.status,
        StatusCode::OK
    );
    let longer = format!(r#","roles":["admin","{}"]"#, "r".repeat(33));
    bearer(&app(), "/admin", &token(&longer))
        .await
        .assert_invalid_token("the token's claims are malformed or too large");
}

/// Auth0: `permissions`.
#[derive(Claims)]
#[claims(algorithms = [HS256], issuer = "https://issuer.example", audience = "api")]
struct Auth0 {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(max_items = 32, max_len = 64, default, roles)]
    permissions: Roles,
}

/// Amazon Cognito: `cognito:groups`.
#[derive(Claims)]
#[claims(algorithms = [HS256], issuer = "https://issuer.example", audience = "api")]
struct Cognito {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(
        rename = "cognito:groups",
        max_items = 32,
        max_len = 128,
        default,
        roles
    )]
    groups: Roles,
}

/// Keycloak's realm roles.
#[derive(Claims)]
#[claims(algorithms = [HS256], issuer = "https://issuer.example", audience = "api")]
struct Realm {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(max_items = 32, max_len = 64, roles)]
    realm_access: Option<KeycloakRoles>,
}

/// Keycloak's `resource_access`, read for one client: the other clients'
/// roles are skipped without being read into memory.
#[derive(claimguard::Bounded, Default)]
struct Clients {
    #[claims(rename = "orders-api", max_items = 32, max_len = 64, default, roles)]
    orders: KeycloakRoles,
}

/// Keycloak's roles of the client `orders-api`.
#[derive(Claims)]
#[claims(algorithms = [HS256], issuer = "https://issuer.example", audience = "api")]
struct ClientRoles {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(default, roles)]
    resource_access: Clients,
}

macro_rules! admin_app {
    ($claims:ty) => {
        Router::new()
            .route(
                "/admin",
                get(|user: Authorized<$claims, Admin>| async move { user.sub.clone() }),
            )
            .with_state(claimguard_tests::verifier::<$claims>())
    };
}

#[tokio::test]
async fn every_shape_identity_providers_send() {
    let cases: [(Router, &str, &str); 5] = [
        (
            admin_app!(Auth0),
            r#","permissions":["read:x","admin"]"#,
            r#","permissions":["read:x"]"#,
        ),
        (
            admin_app!(Cognito),
            r#","cognito:groups":["admin"]"#,
            r#","cognito:groups":["users"]"#,
        ),
        (
            admin_app!(Realm),
            r#","realm_access":{"roles":["offline_access","admin"]}"#,
            r#","realm_access":{"roles":["offline_access"]}"#,
        ),
        (
            admin_app!(ClientRoles),
            r#","resource_access":{"account":{"roles":["admin"]},"orders-api":{"roles":["admin"]}}"#,
            r#","resource_access":{"account":{"roles":["admin"]},"orders-api":{"roles":[]}}"#,
        ),
        (
            admin_app!(Realm),
            r#","realm_access":{"other":1,"roles":["admin"]}"#,
            "",
        ),
    ];
    for (app, granted, lacking) in cases {
        let reply = bearer(&app, "/admin", &token(granted)).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "alice"),
            "{granted}"
        );
        let token = token(lacking);
        assert_forbidden(&bearer(&app, "/admin", &token).await, None, &token);
    }
}

#[tokio::test]
async fn another_clients_roles_grant_nothing() {
    let app = admin_app!(ClientRoles);
    let theirs = token(r#","resource_access":{"account":{"roles":["admin"]}}"#);
    assert_forbidden(&bearer(&app, "/admin", &theirs).await, None, &theirs);
    // The other clients are skipped, whatever their size; this one is capped.
    let many: Vec<String> = (0..33).map(|i| format!("\"r{i}\"")).collect();
    let other = token(&format!(
        r#","resource_access":{{"account":{{"roles":[{}]}}}}"#,
        many.join(",")
    ));
    assert_forbidden(&bearer(&app, "/admin", &other).await, None, &other);
    let mine = token(&format!(
        r#","resource_access":{{"orders-api":{{"roles":[{}]}}}}"#,
        many.join(",")
    ));
    bearer(&app, "/admin", &mine)
        .await
        .assert_invalid_token("the token's claims are malformed or too large");
}
