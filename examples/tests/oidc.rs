//! The oidc example's contract: its routes, its settings, and a one-line
//! reason when the first keys do not come. Tokens from the testing kit's
//! issuer; the example's code path is the one `cargo run --example oidc`
//! runs.

use std::time::Duration;

use axum::http::StatusCode;
use claimguard::Algorithm;
use claimguard::testing::TestIssuer;
use claimguard_examples::oidc::{self, Settings};
use serde_json::json;

const AUDIENCE: &str = "https://api.example/orders";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An RFC 9068 access token from `idp`, with `scope` if given.
fn access_token(idp: &TestIssuer, alg: Algorithm, scope: Option<&str>) -> String {
    let mut claims = json!({
        "iss": idp.issuer(), "aud": AUDIENCE, "sub": "svc", "client_id": "svc",
        "iat": now(), "exp": now() + 600, "jti": "j-1",
    });
    if let Some(scope) = scope {
        claims["scope"] = json!(scope);
    }
    let kid = idp
        .published()
        .into_iter()
        .find(|kid| match alg {
            Algorithm::ES256 => kid.starts_with("p256"),
            Algorithm::EdDSA => kid.starts_with("ed25519"),
            _ => kid.starts_with("rsa"),
        })
        .unwrap_or_default();
    idp.mint_with(alg, &kid, &json!({ "typ": "at+jwt" }), &claims)
        .unwrap_or_else(|| panic!("no key for {alg:?}"))
}

#[tokio::test]
async fn routes_follow_the_contract() {
    let idp = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
    let verifier = oidc::verifier(&idp.issuer(), AUDIENCE, Duration::from_secs(10))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let app = oidc::app(verifier);
    assert_eq!(
        claimguard_tests::call(&app, "/health", &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        claimguard_tests::call(&app, "/ready", &[]).await.status,
        StatusCode::OK
    );
    for (alg, scope) in [
        (Algorithm::RS256, Some("orders:read")),
        (Algorithm::PS256, None),
        (Algorithm::ES256, Some("a b")),
        (Algorithm::EdDSA, None),
    ] {
        let reply = claimguard_tests::bearer(&app, "/me", &access_token(&idp, alg, scope)).await;
        assert_eq!(reply.status, StatusCode::OK, "{alg:?}: {reply:?}");
        let me: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
        assert_eq!(
            me,
            json!({ "sub": "svc", "client_id": "svc", "scope": scope }),
            "{alg:?}"
        );
    }
    // The profile's rules: `typ` at+jwt, `jti` and `client_id` required.
    let plain = idp.mint(
        Algorithm::ES256,
        &json!({ "iss": idp.issuer(), "aud": AUDIENCE, "sub": "svc", "client_id": "svc",
                 "iat": now(), "exp": now() + 600, "jti": "j" }),
    );
    claimguard_tests::bearer(&app, "/me", &plain)
        .await
        .assert_invalid_token("the token's header is not accepted");
    let kid = idp
        .published()
        .into_iter()
        .find(|k| k.starts_with("p256"))
        .unwrap_or_default();
    for missing in ["jti", "client_id"] {
        let mut claims = json!({ "iss": idp.issuer(), "aud": AUDIENCE, "sub": "svc",
                                 "client_id": "svc", "iat": now(), "exp": now() + 600, "jti": "j" });
        claims.as_object_mut().map(|c| c.remove(missing));
        let token = idp
            .mint_with(Algorithm::ES256, &kid, &json!({ "typ": "at+jwt" }), &claims)
            .unwrap_or_default();
        let reply = claimguard_tests::bearer(&app, "/me", &token).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{missing}: {reply:?}"
        );
    }
    assert_eq!(
        claimguard_tests::call(&app, "/me", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn settings_come_from_the_environment() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let settings = Settings::from(env(&[("OIDC_ISSUER", "https://i"), ("OIDC_AUDIENCE", "a")]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (settings.issuer.as_str(), settings.audience.as_str()),
        ("https://i", "a")
    );
    assert_eq!(settings.addr, "127.0.0.1:3000");
    let missing = Settings::from(env(&[("OIDC_ISSUER", "https://i")])).err();
    assert_eq!(missing.as_deref(), Some("OIDC_AUDIENCE is not set"));
    let missing = Settings::from(env(&[])).err();
    assert_eq!(missing.as_deref(), Some("OIDC_ISSUER is not set"));
}

#[tokio::test]
async fn without_keys_it_exits_with_a_one_line_reason() {
    // A port with nothing behind it: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let issuer = format!("http://127.0.0.1:{port}");
    let settings = Settings {
        issuer: issuer.clone(),
        audience: AUDIENCE.into(),
        addr: "127.0.0.1:0".into(),
    };
    let reason = oidc::prepare(&settings, Duration::from_millis(200))
        .await
        .err()
        .unwrap_or_else(|| panic!("started without keys"));
    assert!(!reason.contains('\n'), "{reason}");
    assert!(
        reason.starts_with(&format!(
            "no keys for issuer {issuer} from {issuer}/.well-known/openid-configuration: "
        )),
        "{reason}"
    );
    // A URL it must not fetch from is refused before any request.
    let settings = Settings {
        issuer: "http://idp.example".into(),
        ..settings
    };
    let reason = oidc::prepare(&settings, Duration::from_secs(10))
        .await
        .err();
    assert_eq!(
        reason.as_deref(),
        Some("http://idp.example/: plain http is only allowed to a loopback address")
    );
}

#[tokio::test]
async fn ready_is_503_while_no_keys_can_verify() {
    use claimguard::remote::RemoteIssuer;
    use claimguard::testing::{ManualClock, Mode};
    let idp = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
    idp.set_mode(Mode::Status(500));
    let clock = ManualClock::new(now());
    let remote = RemoteIssuer::discover(&idp.issuer())
        .unwrap_or_else(|e| panic!("{e}"))
        .lazy();
    let verifier = claimguard::Verifier::<oidc::AccessToken>::builder()
        .clock(clock.clone())
        .timer(clock.clone())
        .audiences([AUDIENCE])
        .remote(remote)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    verifier.fetches_completed(&idp.issuer(), 1).await;
    let app = oidc::app(verifier.clone());
    let ready = || claimguard_tests::call(&app, "/ready", &[]);
    assert_eq!(ready().await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        claimguard_tests::call(&app, "/health", &[]).await.status,
        StatusCode::OK
    );
    idp.set_mode(Mode::Normal);
    clock.advance(1);
    verifier.fetches_completed(&idp.issuer(), 2).await;
    assert_eq!(ready().await.status, StatusCode::OK);
}
