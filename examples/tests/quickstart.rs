//! The quickstart's routes behave as the README says.

use axum::http::StatusCode;
use claimguard_examples::quickstart;

const SECRET: &[u8] = b"quickstart-test-secret-of-at-least-32-bytes";

async fn get(path: &str, token: Option<&str>) -> (StatusCode, String) {
    let app = quickstart::app(SECRET).unwrap_or_else(|e| panic!("{e}"));
    let reply = match token {
        Some(token) => claimguard_tests::bearer(&app, path, token).await,
        None => claimguard_tests::call(&app, path, &[]).await,
    };
    (reply.status, reply.body)
}

#[tokio::test]
async fn routes() {
    let token = quickstart::mint(SECRET, "alice", 600).unwrap_or_else(|e| panic!("{e}"));
    let (status, body) = get("/me", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(json["sub"], "alice");
    assert_eq!(json["roles"], serde_json::json!(["reader"]));
    assert_eq!(get("/me", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get("/maybe", None).await,
        (StatusCode::OK, "null".to_owned())
    );
    assert_eq!(
        get("/maybe", Some(&token)).await,
        (StatusCode::OK, "\"alice\"".to_owned())
    );
    assert_eq!(
        get("/maybe", Some("x.y.z")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("/health", None).await,
        (StatusCode::OK, "ok".to_owned())
    );
    let other = quickstart::mint(b"another-secret-another-secret-another", "eve", 600)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(get("/me", Some(&other)).await.0, StatusCode::UNAUTHORIZED);
}

/// `GET /admin` needs the role `admin`: 200 with the subject, else `403
/// insufficient_scope` without the role's name; no token is still 401.
#[tokio::test]
async fn admin_needs_the_role() {
    let admin = quickstart::mint_with_roles(SECRET, "root", 600, &["reader", "admin"])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        get("/admin", Some(&admin)).await,
        (StatusCode::OK, r#"{"sub":"root"}"#.to_owned())
    );
    let reader = quickstart::mint(SECRET, "alice", 600).unwrap_or_else(|e| panic!("{e}"));
    let app = quickstart::app(SECRET).unwrap_or_else(|e| panic!("{e}"));
    let reply = claimguard_tests::bearer(&app, "/admin", &reader).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.challenge.as_deref(),
        Some(r#"Bearer error="insufficient_scope""#)
    );
    assert!(!reply.body.contains("admin"), "{}", reply.body);
    reply.assert_no_echo(&reader);
    let near_miss = quickstart::mint_with_roles(SECRET, "eve", 600, &["Admin", "admin "])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        get("/admin", Some(&near_miss)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get("/admin", None).await.0, StatusCode::UNAUTHORIZED);
}

#[test]
fn a_short_secret_is_refused() {
    assert!(quickstart::app(b"short").is_err());
}
