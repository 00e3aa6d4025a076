//! Token sources other than the bearer header, custom rejections, and a
//! derive under shadowed prelude names.

use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{Claims, Key, Verifier};
use claimguard_tests::{NOW, SECRET, Teapot, bearer, call, sign};
use jsonwebtoken::Algorithm as J;

#[derive(Claims)]
#[claims(algorithms = [HS256], source = cookie("session"))]
struct FromCookie {
    #[claims(max_len = 16)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [HS256], source = header("X-Api-Token"), rejection = Teapot)]
struct FromHeader {
    #[claims(max_len = 16)]
    sub: String,
}

/// Two claims types in one state, each finding its verifier through `FromRef`.
#[derive(Clone)]
struct AppState {
    cookie: Verifier<FromCookie>,
    header: Verifier<FromHeader>,
}

impl FromRef<AppState> for Verifier<FromCookie> {
    fn from_ref(state: &AppState) -> Self {
        state.cookie.clone()
    }
}

impl FromRef<AppState> for Verifier<FromHeader> {
    fn from_ref(state: &AppState) -> Self {
        state.header.clone()
    }
}

fn app() -> Router {
    let key = || Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}"));
    let state = AppState {
        cookie: Verifier::builder()
            .cache_seed(claimguard_tests::CACHE_SEED)
            .key(key())
            .clock(claimguard_tests::clock())
            .build()
            .unwrap_or_else(|e| panic!("{e}")),
        header: Verifier::builder()
            .cache_seed(claimguard_tests::CACHE_SEED)
            .key(key())
            .clock(claimguard_tests::clock())
            .build()
            .unwrap_or_else(|e| panic!("{e}")),
    };
    Router::new()
        .route("/cookie", get(|c: FromCookie| async move { c.sub }))
        .route("/header", get(|c: FromHeader| async move { c.sub }))
        .with_state(state)
}

fn token() -> String {
    sign(
        J::HS256,
        &format!(r#"{{"sub":"carol","exp":{}}}"#, NOW + 10),
    )
}

#[tokio::test]
async fn cookie_source() {
    let app = app();
    let cookie = format!("theme=dark; session={}", token());
    let reply = call(&app, "/cookie", &[("cookie", cookie.as_bytes())]).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "carol")
    );
    // A bearer header is not where this type looks.
    bearer(&app, "/cookie", &token()).await.assert_missing();
    let twice = format!("session={0}; session={0}", token());
    call(&app, "/cookie", &[("cookie", twice.as_bytes())])
        .await
        .assert_invalid_request();
    call(&app, "/cookie", &[("cookie", b"session=garbage")])
        .await
        .assert_invalid_token("the token is malformed");
}

#[tokio::test]
async fn header_source_with_a_custom_rejection() {
    let app = app();
    let reply = call(&app, "/header", &[("x-api-token", token().as_bytes())]).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "carol")
    );
    let reply = call(&app, "/header", &[]).await;
    assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(reply.body, "teapot: a bearer token is required");
    let reply = call(&app, "/header", &[("x-api-token", b"x.y.z")]).await;
    assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(reply.body, "teapot: the token is malformed");
}

mod shadowed {
    #![deny(warnings)]
    #![deny(clippy::pedantic)]
    #![allow(dead_code)]

    struct Option;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    struct Result;
    struct String;
    struct Vec;

    #[derive(claimguard::Bounded)]
    pub enum Role {
        #[claims(rename = "admin")]
        Admin,
        Reader,
    }

    #[derive(claimguard::Bounded)]
    pub struct Org {
        pub id: u64,
        #[claims(max_len = 8)]
        pub name: std::string::String,
    }

    #[derive(claimguard::Claims)]
    #[claims(algorithms = [HS256], crate = ::claimguard)]
    pub struct Shadowed {
        #[claims(max_len = 8)]
        pub sub: std::string::String,
        #[claims(max_items = 2)]
        pub roles: std::vec::Vec<Role>,
        pub org: core::option::Option<Org>,
        #[claims(rename = "n", default)]
        pub count: u32,
    }
}

#[test]
fn nested_types_and_enums_parse_bounded() {
    use claimguard::Bounded;
    use shadowed::{Org, Role, Shadowed};
    let value: Shadowed = serde_json::from_str(
        r#"{"sub":"x","roles":["admin","Reader"],"org":{"id":1,"name":"acme"},"n":3}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        value.roles.as_slice(),
        [Role::Admin, Role::Reader]
    ));
    assert_eq!(value.org.map(|o| o.name).as_deref(), Some("acme"));
    assert_eq!(value.count, 3);
    for bad in [
        r#"{"sub":"x","roles":["root"]}"#,
        r#"{"sub":"x","roles":["admin","admin","admin"]}"#,
        r#"{"sub":"x","roles":[],"org":{"id":1,"name":"too-long-name"}}"#,
        r#"{"roles":[]}"#,
    ] {
        assert!(serde_json::from_str::<Shadowed>(bad).is_err(), "{bad}");
    }
    let expected = 2 * (std::mem::size_of::<Role>()) + 8 + 8;
    assert_eq!(<Shadowed as Bounded>::MAX_HEAP, expected);
    assert_eq!(<Org as Bounded>::MAX_HEAP, 8);
}
