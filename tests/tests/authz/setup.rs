//! The claims types, requirements, tokens and assertions the authorization
//! tests share.

use axum::http::StatusCode;
use axum::http::request::Parts;
use claimguard::{Claims, Requirement, Roles, Scopes};
use claimguard_tests::{NOW, Reply, sign};
use jsonwebtoken::Algorithm as J;

/// Claims with scopes, roles and a tenant.
#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [HS256], issuer = "https://issuer.example", audience = "api")]
pub struct User {
    #[claims(max_len = 64)]
    pub sub: String,
    #[claims(max_items = 8, max_len = 32, default, scopes)]
    pub scope: Scopes,
    #[claims(max_items = 8, max_len = 32, default, roles)]
    pub roles: Roles,
    #[claims(max_len = 32)]
    pub tenant: Option<String>,
}

/// The same, with a cache.
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://issuer.example",
    audience = "api",
    cache(capacity = 100, ttl = 300)
)]
pub struct Cached {
    #[claims(max_len = 64)]
    pub sub: String,
    #[claims(max_items = 8, max_len = 32, default, scopes)]
    pub scope: Scopes,
}

claimguard::requirement! {
    /// May list orders.
    pub struct OrdersRead = scope("orders:read");
    /// May create orders.
    pub struct OrdersWrite = scope("orders:write");
    /// Both, by name.
    pub struct ReadAndWrite = all(OrdersRead, OrdersWrite);
    /// Either the scope or the role.
    pub struct ReadOrAdmin = any(scope("orders:read"), role("admin"));
    /// An administrator.
    pub struct Admin = role("admin");
    /// A clerk who may write.
    pub struct Clerk = all(role("clerk"), scope("orders:write"));
    /// Orders of the token's own tenant.
    pub struct TenantOrders = all(OrdersRead, SameTenant);
}

/// The tenant in the path, `/tenants/{tenant}/...`, is the token's.
pub struct SameTenant;

impl Requirement<User> for SameTenant {
    fn allows(user: &User, parts: &Parts) -> bool {
        let mut segments = parts.uri.path().split('/').skip(1);
        segments.next() == Some("tenants")
            && segments
                .next()
                .is_some_and(|tenant| user.tenant.as_deref() == Some(tenant))
    }
}

/// A valid token for `alice` with `extra` members (`,"scope":"..."`).
pub fn token(extra: &str) -> String {
    token_at(NOW + 60, extra)
}

/// The same, expiring at `exp`.
pub fn token_at(exp: u64, extra: &str) -> String {
    sign(
        J::HS256,
        &format!(
            r#"{{"sub":"alice","exp":{exp},"iss":"https://issuer.example","aud":"api"{extra}}}"#
        ),
    )
}

/// The body of every `403`.
pub const FORBIDDEN_BODY: &str = r#"{"error":"insufficient_scope","error_description":"the token lacks the privileges this request requires"}"#;

/// Asserts a `403 insufficient_scope` listing `scope` (none for roles and
/// policies), with the fixed body, and nothing of `token` echoed.
#[track_caller]
pub fn assert_forbidden(reply: &Reply, scope: Option<&str>, token: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    let challenge = match scope {
        Some(scope) => format!(r#"Bearer error="insufficient_scope", scope="{scope}""#),
        None => r#"Bearer error="insufficient_scope""#.to_owned(),
    };
    assert_eq!(
        reply.challenge.as_deref(),
        Some(challenge.as_str()),
        "{reply:?}"
    );
    assert_eq!(reply.body, FORBIDDEN_BODY);
    reply.assert_no_echo(token);
}
