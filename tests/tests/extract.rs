//! The extractor end to end, through a real Router: every algorithm accepted,
//! every failure class refused with the exact status, challenge and body.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{Claims, Key, KeyError, ManualClock, Rejection, Verifier};
use claimguard_tests::{NOW, SECRET, b64, bearer, call, fixture, sign, sign_raw};
use jsonwebtoken::Algorithm as J;

#[derive(Claims, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://issuer.example",
    audience = "api",
)]
struct User {
    #[claims(max_len = 64)]
    sub: String,
    #[allow(dead_code)]
    exp: u64,
    #[claims(max_items = 8, max_len = 32, default)]
    roles: Vec<String>,
    #[claims(max_len = 254)]
    email: Option<String>,
}

fn user_app(clock: &ManualClock) -> Router {
    let verifier = Verifier::<User>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(clock.clone())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Router::new()
        .route(
            "/me",
            get(|user: User| async move {
                format!(
                    "{}|{}|{}",
                    user.sub,
                    user.roles.join(","),
                    user.email.unwrap_or_default()
                )
            }),
        )
        .route(
            "/maybe",
            get(|user: Option<User>| async move { user.map_or("null".to_owned(), |u| u.sub) }),
        )
        .route(
            "/result",
            get(|user: Result<User, Rejection>| async move {
                match user {
                    Ok(user) => user.sub,
                    Err(rejection) => format!("handled: {}", rejection.reason()),
                }
            }),
        )
        .with_state(verifier)
}

fn payload(extra: &str) -> String {
    let exp = NOW + 60;
    format!(r#"{{"sub":"alice","exp":{exp},"iss":"https://issuer.example","aud":"api"{extra}}}"#)
}

fn app() -> Router {
    user_app(&claimguard_tests::clock())
}

#[tokio::test]
async fn a_valid_token_is_accepted() {
    let reply = bearer(
        &app(),
        "/me",
        &sign(J::HS256, &payload(r#","roles":["a","b"],"email":"a@b.c""#)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, "alice|a,b|a@b.c");
    let reply = bearer(&app(), "/me", &sign(J::HS256, &payload(""))).await;
    assert_eq!(reply.body, "alice||", "defaults: roles empty, email absent");
}

#[tokio::test]
async fn no_credentials_get_a_bare_challenge() {
    call(&app(), "/me", &[]).await.assert_missing();
    call(
        &app(),
        "/me",
        &[("authorization", b"Basic YWxpY2U6c2VjcmV0")],
    )
    .await
    .assert_missing();
    call(&app(), "/me", &[("authorization", b"")])
        .await
        .assert_missing();
}

#[tokio::test]
async fn malformed_requests_are_400() {
    let token = sign(J::HS256, &payload(""));
    let value = format!("Bearer {token}");
    let twice = [
        ("authorization", value.as_bytes()),
        ("authorization", value.as_bytes()),
    ];
    call(&app(), "/me", &twice).await.assert_invalid_request();
    call(&app(), "/me", &[("authorization", b"Bearer")])
        .await
        .assert_invalid_request();
    call(&app(), "/me", &[("authorization", b"Bearer \xc3\xa9")])
        .await
        .assert_invalid_request();
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let token = sign(J::HS256, &payload(""));
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let value = format!("{scheme}  {token}");
        let reply = call(&app(), "/me", &[("authorization", value.as_bytes())]).await;
        assert_eq!(reply.status, StatusCode::OK, "{scheme}: {reply:?}");
    }
}

#[tokio::test]
async fn each_failure_class_has_its_reason() {
    let clock = claimguard_tests::clock();
    let app = user_app(&clock);
    let good = sign(J::HS256, &payload(""));
    let cases: Vec<(String, &str)> = vec![
        ("not-a-token".into(), "the token is malformed"),
        ("a.b".into(), "the token is malformed"),
        (format!("{good}.x"), "the token is malformed"),
        (format!("{}x", &good), "the token's signature is invalid"),
        (
            sign(J::HS384, &payload("")),
            "the token's algorithm is not accepted",
        ),
        (
            format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(payload(""))),
            "the token is malformed",
        ),
        (
            format!("{}.{}.c2ln", b64(r#"{"alg":"none"}"#), b64(payload(""))),
            "the token's algorithm is not accepted",
        ),
        (
            sign_raw(J::HS256, r#"{"alg":"HS256","crit":["exp"]}"#, payload("")),
            "the token's header is not accepted",
        ),
        (
            sign(
                J::HS256,
                &payload("").replace("https://issuer.example", "https://evil.example"),
            ),
            "the token's issuer is not accepted",
        ),
        (
            sign(
                J::HS256,
                &payload("").replace(r#","iss":"https://issuer.example""#, ""),
            ),
            "the token's issuer is not accepted",
        ),
        (
            sign(
                J::HS256,
                &payload("").replace(r#""aud":"api""#, r#""aud":"other""#),
            ),
            "the token's audience is not accepted",
        ),
        (
            sign(J::HS256, &payload("").replace(r#","aud":"api""#, "")),
            "the token's audience is not accepted",
        ),
        (
            sign(J::HS256, &payload(r#","nbf":1800000000"#)),
            "the token is not valid yet",
        ),
        (
            sign(
                J::HS256,
                &payload(&format!(r#","roles":[{}]"#, [r#""r""#; 9].join(","))),
            ),
            "the token's claims are malformed or too large",
        ),
        (
            sign(
                J::HS256,
                r#"{"sub":"alice","iss":"https://issuer.example","aud":"api"}"#,
            ),
            "the token lacks a required claim",
        ),
    ];
    for (token, description) in cases {
        let reply = bearer(&app, "/me", &token).await;
        reply.assert_invalid_token(description);
        reply.assert_no_echo(&token);
    }
}

#[tokio::test]
async fn exp_is_refused_at_now_exactly() {
    let clock = claimguard_tests::clock();
    let app = user_app(&clock);
    let token = sign(J::HS256, &payload(""));
    clock.set(NOW + 59);
    assert_eq!(bearer(&app, "/me", &token).await.status, StatusCode::OK);
    clock.set(NOW + 60);
    bearer(&app, "/me", &token)
        .await
        .assert_invalid_token("the token has expired");
}

#[tokio::test]
async fn caps_at_the_boundary_count_bytes() {
    // "é" is two bytes: 32 of them are exactly 64 bytes.
    let at = "é".repeat(32);
    let over = format!("{at}a");
    let ok = bearer(
        &app(),
        "/me",
        &sign(J::HS256, &payload("").replace("alice", &at)),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    bearer(
        &app(),
        "/me",
        &sign(J::HS256, &payload("").replace("alice", &over)),
    )
    .await
    .assert_invalid_token("the token's claims are malformed or too large");

    let roles = |n: usize, len: usize| {
        let role = format!("\"{}\"", "r".repeat(len));
        format!(r#","roles":[{}]"#, vec![role; n].join(","))
    };
    assert_eq!(
        bearer(&app(), "/me", &sign(J::HS256, &payload(&roles(8, 32))))
            .await
            .status,
        StatusCode::OK
    );
    bearer(&app(), "/me", &sign(J::HS256, &payload(&roles(9, 32))))
        .await
        .assert_invalid_token("the token's claims are malformed or too large");
    bearer(&app(), "/me", &sign(J::HS256, &payload(&roles(8, 33))))
        .await
        .assert_invalid_token("the token's claims are malformed or too large");
}

#[tokio::test]
async fn duplicate_members_and_non_object_payloads_are_refused() {
    for body in [
        payload(r#","sub":"mallory""#),
        payload(&format!(r#","exp":{}"#, NOW + 3600)),
        payload(r#","email":"a@b.c","email":"d@e.f""#),
        "[]".to_owned(),
        format!(r#"["alice",{}]"#, NOW + 60),
        "null".to_owned(),
        r#""alice""#.to_owned(),
    ] {
        bearer(&app(), "/me", &sign(J::HS256, &body))
            .await
            .assert_invalid_token("the token's claims are malformed or too large");
    }
}

#[tokio::test]
async fn unknown_members_are_skipped() {
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let reply = bearer(
        &app(),
        "/me",
        &sign(
            J::HS256,
            &payload(&format!(r#","x":{{"y":[1,2,"z"]}},"deep":{deep}"#)),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

#[tokio::test]
async fn a_huge_token_is_refused_by_the_size_gate() {
    let huge = "a".repeat(1 << 20);
    let reply = bearer(&app(), "/me", &huge).await;
    reply.assert_invalid_token("the token is too large");
    assert!(reply.body.len() < 200);
}

#[tokio::test]
async fn option_and_result_extractors() {
    let app = app();
    assert_eq!(call(&app, "/maybe", &[]).await.body, "null");
    assert_eq!(
        bearer(&app, "/maybe", &sign(J::HS256, &payload("")))
            .await
            .body,
        "alice"
    );
    bearer(&app, "/maybe", "garbage")
        .await
        .assert_invalid_token("the token is malformed");
    let handled = bearer(&app, "/result", "garbage").await;
    assert_eq!(handled.status, StatusCode::OK);
    assert_eq!(handled.body, "handled: the token is malformed");
}

#[derive(Claims)]
#[claims(algorithms = [HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA])]
struct AnyAlg {
    #[claims(max_len = 16)]
    sub: String,
}

fn any_alg_app(keys: Vec<Key>) -> Router {
    let verifier = Verifier::<AnyAlg>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .keys(keys)
        .clock(claimguard_tests::clock())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Router::new()
        .route("/", get(|c: AnyAlg| async move { c.sub }))
        .with_state(verifier)
}

fn pem_keys() -> Vec<Key> {
    let ok = |key: Result<Key, KeyError>| key.unwrap_or_else(|e| panic!("{e}"));
    vec![
        ok(Key::hmac(SECRET)),
        ok(Key::rsa_pem(fixture("rsa.pub.pem"))),
        ok(Key::ec_pem(fixture("p256.pub.pem"))),
        ok(Key::ec_pem(fixture("p384.pub.pem"))),
        ok(Key::ed25519_pem(fixture("ed25519.pub.pem"))),
    ]
}

fn der_keys() -> Vec<Key> {
    let ok = |key: Result<Key, KeyError>| key.unwrap_or_else(|e| panic!("{e}"));
    vec![
        ok(Key::hmac(SECRET)),
        ok(Key::rsa_der(fixture("rsa.pub.der"))),
        ok(Key::ec_der(fixture("p256.pub.der"))),
        ok(Key::ec_der(fixture("p384.pub.der"))),
        ok(Key::ed25519_der(fixture("ed25519.pub.der"))),
    ]
}

fn jwk_keys() -> Vec<Key> {
    use jsonwebtoken::EncodingKey;
    use jsonwebtoken::jwk::Jwk;
    claimguard_tests::pin_jsonwebtoken_provider();
    let jwk = |key: Result<EncodingKey, jsonwebtoken::errors::Error>, alg: J, kid: &str| {
        let key = key.unwrap_or_else(|e| panic!("{e}"));
        let mut jwk = Jwk::from_encoding_key(&key, alg).unwrap_or_else(|e| panic!("{e}"));
        jwk.common.key_id = Some(kid.to_owned());
        jwk.common.key_algorithm = None;
        serde_json::to_value(jwk).unwrap_or_default()
    };
    let set = serde_json::json!({ "keys": [
        jwk(EncodingKey::from_rsa_pem(&fixture("rsa.key")), J::RS256, "rsa"),
        jwk(EncodingKey::from_ec_pem(&fixture("p256.key")), J::ES256, "p256"),
        jwk(EncodingKey::from_ec_pem(&fixture("p384.key")), J::ES384, "p384"),
        jwk(EncodingKey::from_ed_pem(&fixture("ed25519.key")), J::EdDSA, "ed"),
        { "kty": "oct", "k": b64(SECRET), "kid": "hmac" },
    ]});
    Key::set_from_jwks(&set.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

const ALL: [(J, &str); 12] = [
    (J::HS256, "hmac"),
    (J::HS384, "hmac"),
    (J::HS512, "hmac"),
    (J::RS256, "rsa"),
    (J::RS384, "rsa"),
    (J::RS512, "rsa"),
    (J::PS256, "rsa"),
    (J::PS384, "rsa"),
    (J::PS512, "rsa"),
    (J::ES256, "p256"),
    (J::ES384, "p384"),
    (J::EdDSA, "ed"),
];

#[tokio::test]
async fn every_algorithm_verifies_with_pem_and_der_keys() {
    for keys in [pem_keys(), der_keys()] {
        let app = any_alg_app(keys);
        for (alg, _) in ALL {
            let token = sign(alg, r#"{"sub":"ok","exp":1800000000}"#);
            let reply = bearer(&app, "/", &token).await;
            assert_eq!(reply.status, StatusCode::OK, "{alg:?}: {reply:?}");
            assert_eq!(reply.body, "ok");
            // The same token with one signature byte changed is refused.
            let (head, sig) = token.rsplit_once('.').unwrap_or_default();
            let flipped = if sig.starts_with('A') {
                sig.replacen('A', "B", 1)
            } else {
                format!("A{}", &sig[1..])
            };
            bearer(&app, "/", &format!("{head}.{flipped}"))
                .await
                .assert_invalid_token("the token's signature is invalid");
        }
    }
}

#[tokio::test]
async fn a_jwk_set_selects_keys_by_kid() {
    let app = any_alg_app(jwk_keys());
    for (alg, kid) in ALL {
        let header = format!(r#"{{"alg":"{alg:?}","kid":"{kid}"}}"#);
        let token = sign_raw(alg, &header, r#"{"sub":"ok","exp":1800000000}"#);
        let reply = bearer(&app, "/", &token).await;
        assert_eq!(reply.status, StatusCode::OK, "{alg:?}: {reply:?}");
    }
    let unknown = sign_raw(
        J::ES256,
        r#"{"alg":"ES256","kid":"nope"}"#,
        r#"{"sub":"ok","exp":1800000000}"#,
    );
    bearer(&app, "/", &unknown)
        .await
        .assert_invalid_token("the token's key is not known");
    // The kid names a key of another family than the algorithm.
    let crossed = sign_raw(
        J::ES256,
        r#"{"alg":"ES256","kid":"rsa"}"#,
        r#"{"sub":"ok","exp":1800000000}"#,
    );
    bearer(&app, "/", &crossed)
        .await
        .assert_invalid_token("the token's key is not known");
    // Without a kid, only an algorithm that exactly one key fits is accepted.
    let bare = sign(J::ES256, r#"{"sub":"ok","exp":1800000000}"#);
    assert_eq!(bearer(&app, "/", &bare).await.status, StatusCode::OK);
}

#[test]
fn weak_and_wrong_keys_are_refused_at_start_up() {
    assert_eq!(
        Key::hmac([1u8; 31]).err(),
        Some(KeyError::HmacTooShort { len: 31, min: 32 })
    );
    assert_eq!(
        Key::rsa_pem(fixture("rsa1024.pub.pem")).err(),
        Some(KeyError::RsaTooSmall { bits: 1024 })
    );
    assert!(matches!(
        Key::ec_pem(fixture("p521.pub.pem")),
        Err(KeyError::Unsupported(_) | KeyError::Malformed(_))
    ));
    assert!(Key::ec_pem(fixture("rsa.pub.pem")).is_err());
    assert!(Key::rsa_der(fixture("p256.pub.der")).is_err());
    assert!(Key::ed25519_der(fixture("p256.pub.der")).is_err());
    // A P-256 key for a claims type that only pins HS256.
    let ec = Key::ec_pem(fixture("p256.pub.pem")).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        Verifier::<User>::new(ec),
        Err(KeyError::WrongFamily { .. })
    ));
    assert_eq!(
        Verifier::<User>::builder()
            .cache_seed(claimguard_tests::CACHE_SEED)
            .build()
            .err(),
        Some(KeyError::NoKeys)
    );
    let a = Key::hmac(SECRET)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_kid("k");
    assert_eq!(
        Verifier::<User>::builder()
            .cache_seed(claimguard_tests::CACHE_SEED)
            .key(a.clone())
            .key(a)
            .build()
            .err(),
        Some(KeyError::DuplicateKid)
    );
}

#[test]
fn debug_output_never_shows_secrets_or_tokens() {
    let verifier = Verifier::<User>::new(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    let debug = format!("{verifier:?}");
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
    let token = sign(J::HS256, &payload(""));
    let rejection = verifier.verify(&format!("{token}x")).err();
    let debug = format!(
        "{rejection:?} {}",
        rejection.map(|r| r.to_string()).unwrap_or_default()
    );
    for part in token.split('.') {
        assert!(!debug.contains(part), "{debug}");
    }
}
