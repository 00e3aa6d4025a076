//! The oidc example's contract: its routes, its settings, and a one-line
//! reason when the first keys do not come. Tokens from the testing kit's
//! issuer; the example's code path is the one `cargo run --example oidc`
//! runs.

use std::time::Duration;

use axum::http::StatusCode;
use claimguard::Algorithm;
use claimguard::testing::{DpopKey, TestIssuer};
use claimguard_examples::oidc::{self, Settings};
use serde_json::json;

const AUDIENCE: &str = "https://api.example/orders";
const ORIGIN: &str = "http://127.0.0.1:3000";

/// The DPoP verifier of the default settings, replay store in process.
fn in_process() -> claimguard::dpop::DpopVerifier {
    claimguard::dpop::DpopVerifier::builder(ORIGIN)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The protected resource (the example derives it from `PUBLIC_ORIGIN`
/// too; a test may set it apart).
const RESOURCE: &str = "https://api.example";

fn resource() -> claimguard::authz::ProtectedResource {
    oidc::resource(RESOURCE).unwrap_or_else(|e| panic!("{e}"))
}

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
    let verifier = oidc::verifier(
        &idp.issuer(),
        AUDIENCE,
        resource(),
        Duration::from_secs(10),
        in_process(),
    )
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
    let reply = claimguard_tests::bearer(&app, "/me", &plain).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // Every challenge names the protected-resource metadata (RFC 9728 §5.1).
    assert_eq!(
        reply.challenge.as_deref(),
        Some(
            r#"Bearer error="invalid_token", error_description="the token's header is not accepted", resource_metadata="https://api.example/.well-known/oauth-protected-resource""#
        )
    );
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

/// `GET /orders` needs `orders:read`, `POST /orders` `orders:write`; a
/// missing scope is `403 insufficient_scope` naming it, authentication
/// still comes first, and the metadata route describes the resource.
#[tokio::test]
async fn orders_need_their_scopes() {
    let idp = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
    let verifier = oidc::verifier(
        &idp.issuer(),
        AUDIENCE,
        resource(),
        Duration::from_secs(10),
        in_process(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let app = oidc::app(verifier);
    let metadata_url = "https://api.example/.well-known/oauth-protected-resource";
    let send = |method: &'static str, token: String| {
        let app = app.clone();
        async move {
            let value = format!("Bearer {token}");
            claimguard_tests::send(
                &app,
                method,
                "/orders",
                &[("authorization", value.as_bytes())],
            )
            .await
        }
    };
    let reader = access_token(&idp, Algorithm::ES256, Some("openid orders:read"));
    let reply = send("GET", reader.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    assert_eq!(body, json!({ "orders": [], "sub": "svc" }));
    let reply = send("POST", reader.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    assert_eq!(
        reply.challenge.as_deref(),
        Some(
            format!(r#"Bearer error="insufficient_scope", scope="orders:write", resource_metadata="{metadata_url}""#)
                .as_str()
        )
    );
    reply.assert_no_echo(&reader);
    let writer = access_token(&idp, Algorithm::RS256, Some("orders:write"));
    let reply = send("POST", writer.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    assert_eq!(body, json!({ "created_by": "svc" }));
    let reply = send("GET", writer).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    // No scope at all: 403 on both; a bad token: 401 naming the metadata.
    let none = access_token(&idp, Algorithm::EdDSA, None);
    assert_eq!(
        send("GET", none.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(send("POST", none).await.status, StatusCode::FORBIDDEN);
    let reply = send("GET", "not.a.token".to_owned()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(
        reply
            .challenge
            .as_deref()
            .is_some_and(|c| c.contains(&format!(r#"resource_metadata="{metadata_url}""#))),
        "{reply:?}"
    );
    let reply = claimguard_tests::call(&app, "/.well-known/oauth-protected-resource", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let document: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    assert_eq!(
        document,
        json!({
            "resource": RESOURCE,
            "authorization_servers": [idp.issuer()],
            "scopes_supported": ["orders:read", "orders:write"],
            "bearer_methods_supported": ["header"],
            // The example takes DPoP-bound tokens besides bearer ones.
            "dpop_signing_alg_values_supported": ["ES256", "EdDSA", "RS256", "PS256"],
            "dpop_bound_access_tokens_required": false,
        })
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
    assert_eq!(settings.public_origin, "http://127.0.0.1:3000");
    assert_eq!(settings.redis_url, None);
    let settings = Settings::from(env(&[
        ("OIDC_ISSUER", "https://i"),
        ("OIDC_AUDIENCE", "a"),
        ("CLAIMGUARD_ADDR", "0.0.0.0:8080"),
        ("PUBLIC_ORIGIN", "https://api.example"),
        ("REDIS_URL", "redis://127.0.0.1:6379/"),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (settings.addr.as_str(), settings.public_origin.as_str()),
        ("0.0.0.0:8080", "https://api.example")
    );
    assert_eq!(
        settings.redis_url.as_deref(),
        Some("redis://127.0.0.1:6379/")
    );
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
        public_origin: RESOURCE.into(),
        redis_url: None,
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

#[test]
fn metrics_serves_claimguard_s_series_after_a_few_requests() {
    let (recorder, handle) = claimguard_examples::metrics::recorder();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // This thread's recorder, so that other tests' series stay out.
    let body = metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let idp = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
            let verifier = oidc::verifier(
                &idp.issuer(),
                AUDIENCE,
                resource(),
                Duration::from_secs(10),
                in_process(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            let app = oidc::app(verifier).merge(claimguard_examples::metrics::routes(handle));
            let token = access_token(&idp, Algorithm::ES256, None);
            for _ in 0..3 {
                claimguard_tests::bearer(&app, "/me", &token).await;
            }
            claimguard_tests::bearer(&app, "/me", "not.a.token").await;
            let reply = claimguard_tests::call(&app, "/metrics", &[]).await;
            assert_eq!(reply.status, StatusCode::OK);
            reply.body
        })
    });
    let claims = "claims=\"claimguard_examples::oidc::AccessToken\"";
    for series in [
        format!(
            "claimguard_verifications_total{{{claims},outcome=\"accepted\",reason=\"none\"}} 3"
        ),
        format!(
            "claimguard_verifications_total{{{claims},outcome=\"refused\",reason=\"malformed\"}} 1"
        ),
        format!("claimguard_cache_hits_total{{{claims}}} 2"),
        format!("claimguard_cache_entries{{{claims}}} 1"),
    ] {
        assert!(body.contains(&series), "{series} not in\n{body}");
    }
    assert!(body.contains("claimguard_key_fetches_total{"), "{body}");
    assert!(body.contains("claimguard_keys_stale{"), "{body}");
}

/// An access token bound to `key` (`cnf.jkt`).
fn bound_token(idp: &TestIssuer, key: &DpopKey) -> String {
    let kid = idp
        .published()
        .into_iter()
        .find(|k| k.starts_with("p256"))
        .unwrap_or_default();
    let claims = json!({
        "iss": idp.issuer(), "aud": AUDIENCE, "sub": "svc", "client_id": "svc",
        "iat": now(), "exp": now() + 600, "jti": "j-2", "cnf": { "jkt": key.thumbprint() },
    });
    idp.mint_with(Algorithm::ES256, &kid, &json!({ "typ": "at+jwt" }), &claims)
        .unwrap_or_else(|| panic!("no P-256 key"))
}

/// The example's app as `main` builds it from `settings` (DPoP included),
/// for the issuer `idp`.
async fn dpop_app(settings: &Settings, idp: &TestIssuer) -> axum::Router {
    let dpop = oidc::dpop(settings).await.unwrap_or_else(|e| panic!("{e}"));
    let verifier = oidc::verifier(
        &idp.issuer(),
        AUDIENCE,
        resource(),
        Duration::from_secs(10),
        dpop,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    oidc::app(verifier)
}

/// `GET /me` with `Authorization: DPoP <token>` and `proof`.
async fn me_with_proof(app: &axum::Router, token: &str, proof: &str) -> claimguard_tests::Reply {
    let authorization = format!("DPoP {token}");
    let headers = [
        ("authorization", authorization.as_bytes()),
        ("dpop", proof.as_bytes()),
    ];
    claimguard_tests::call(app, "/me", &headers).await
}

#[tokio::test]
async fn dpop_bound_tokens_need_a_proof_for_the_public_origin() {
    let idp = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
    let settings = Settings::from(|name| match name {
        "OIDC_ISSUER" => Some(idp.issuer()),
        "OIDC_AUDIENCE" => Some(AUDIENCE.to_owned()),
        _ => None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let app = dpop_app(&settings, &idp).await;
    let key = DpopKey::new(Algorithm::ES256).unwrap_or_else(|e| panic!("{e}"));
    let token = bound_token(&idp, &key);
    let htu = format!("{ORIGIN}/me");
    let proof = key.proof("GET", &htu, Some(&token), now());
    let reply = me_with_proof(&app, &token, &proof).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    // Replayed, for another origin, or as a bearer token: refused.
    let replayed = me_with_proof(&app, &token, &proof).await;
    assert_eq!(replayed.status, StatusCode::UNAUTHORIZED, "{replayed:?}");
    let elsewhere = key.proof("GET", "https://api.example/me", Some(&token), now());
    let reply = me_with_proof(&app, &token, &elsewhere).await;
    assert!(
        reply.challenges[0].contains("the DPoP proof is for another URI"),
        "{reply:?}"
    );
    let reply = claimguard_tests::bearer(&app, "/me", &token).await;
    assert!(
        reply.challenges[0].starts_with("DPoP error=\"invalid_token\""),
        "{reply:?}"
    );
    // A token without `cnf` is a bearer token as before.
    let plain = access_token(&idp, Algorithm::ES256, None);
    let reply = claimguard_tests::bearer(&app, "/me", &plain).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

#[tokio::test]
async fn with_redis_url_two_instances_share_the_proofs_seen() {
    let redis = claimguard_tests::redis::Redis::start();
    let idp = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
    let settings = Settings::from(|name| match name {
        "OIDC_ISSUER" => Some(idp.issuer()),
        "OIDC_AUDIENCE" => Some(AUDIENCE.to_owned()),
        "REDIS_URL" => Some(redis.url()),
        _ => None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let mut apps = Vec::new();
    for _ in 0..2 {
        apps.push(dpop_app(&settings, &idp).await);
    }
    let key = DpopKey::new(Algorithm::ES256).unwrap_or_else(|e| panic!("{e}"));
    let token = bound_token(&idp, &key);
    let proof = key.proof("GET", &format!("{ORIGIN}/me"), Some(&token), now());
    assert_eq!(
        me_with_proof(&apps[0], &token, &proof).await.status,
        StatusCode::OK
    );
    let replayed = me_with_proof(&apps[1], &token, &proof).await;
    assert!(
        replayed.challenges[0].contains("the DPoP proof was used before"),
        "{replayed:?}"
    );
    // A Redis that cannot be reached is a one-line reason at start-up.
    let mut redis = redis;
    redis.stop();
    let reason = oidc::dpop(&settings).await.err().unwrap_or_default();
    assert!(reason.starts_with("REDIS_URL: "), "{reason}");
    assert!(!reason.contains('\n'), "{reason}");
}
