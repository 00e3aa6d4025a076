//! Against a real OpenID provider: panva's oidc-provider (pinned by
//! `tests/idp/package-lock.json`), started on an ephemeral loopback port.
//! The client-credentials grant with resource indicators issues RFC 9068
//! access tokens, RS256, ES256 or PS256 by resource. The verification clock
//! is the system's (the provider stamps real times); refreshes are driven by
//! a manual timer, so they happen exactly when a test says.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::remote::{KeyState, RemoteIssuer};
use claimguard::{Claims, ManualClock, SystemClock, Verifier};
use claimguard_tests::idp::Idp;
use claimguard_tests::{Reply, bearer};

const RS: &str = "https://api.example/rs";
const ES: &str = "https://api.example/es";
const PS: &str = "https://api.example/ps";

/// An RFC 9068 access token.
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [RS256, PS256, ES256],
    typ = "at+jwt",
    required = [iat, jti, sub],
    leeway = 5,
)]
struct AccessToken {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(max_len = 64)]
    client_id: String,
    #[claims(max_len = 256)]
    scope: Option<String>,
}

struct Service {
    idp: Idp,
    timer: ManualClock,
    verifier: Verifier<AccessToken>,
    app: Router,
}

/// The provider, and a service taking its tokens for `audiences`.
async fn service(audiences: &[&str]) -> Service {
    let idp = Idp::start();
    let timer = ManualClock::new(0);
    let remote = RemoteIssuer::discover(idp.issuer()).unwrap_or_else(|e| panic!("{e}"));
    let verifier = Verifier::<AccessToken>::builder()
        .clock(SystemClock)
        .timer(timer.clone())
        .audiences(audiences.iter().copied())
        .remote(remote)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let app = Router::new()
        .route(
            "/",
            get(|t: AccessToken| async move {
                format!("{} {} {}", t.sub, t.client_id, t.scope.unwrap_or_default())
            }),
        )
        .with_state(verifier.clone());
    Service {
        idp,
        timer,
        verifier,
        app,
    }
}

impl Service {
    async fn call(&self, token: &str) -> Reply {
        bearer(&self.app, "/", token).await
    }
}

#[tokio::test]
async fn tokens_of_each_algorithm_verify_and_a_wrong_audience_is_refused() {
    let service = service(&[RS, ES]).await;
    let status = &service.verifier.key_status()[0];
    assert_eq!(
        (status.state, status.keys),
        (KeyState::Fresh, 2),
        "{status:?}"
    );
    for resource in [RS, ES] {
        let token = service
            .idp
            .token("svc", resource, Some("orders:read"))
            .await;
        let reply = service.call(&token).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "svc svc orders:read"),
            "{resource}"
        );
    }
    // PS256, signed by the RSA key (which has no `alg`), for another
    // audience.
    let token = service.idp.token("other", PS, None).await;
    service
        .call(&token)
        .await
        .assert_invalid_token("the token's audience is not accepted");
    // An opaque token is no JWT.
    let opaque = service.idp.token_without_resource("svc").await;
    service
        .call(&opaque)
        .await
        .assert_invalid_token("the token is malformed");
}

#[tokio::test]
async fn rotation_is_taken_up_without_a_restart_and_retired_keys_stop_at_the_next_refresh() {
    let service = service(&[RS]).await;
    let old = service.idp.token("svc", RS, None).await;
    assert_eq!(service.call(&old).await.status, StatusCode::OK);
    // A new generation signs from now on; the old keys stay published.
    let kids = service.idp.rotate().await;
    assert_eq!(kids, ["rsa-2", "ec-2", "rsa-1", "ec-1"]);
    let new = service.idp.token("svc", RS, None).await;
    // Its kid is unknown: one refetch, and it verifies.
    assert_eq!(service.call(&new).await.status, StatusCode::OK);
    assert_eq!(service.call(&old).await.status, StatusCode::OK);
    assert_eq!(service.verifier.key_status()[0].kid_refetches, 1);
    // Retired, the old key verifies until the next refresh...
    assert_eq!(service.idp.retire().await, ["rsa-2", "ec-2"]);
    assert_eq!(service.call(&old).await.status, StatusCode::OK);
    // ...which is due 450 to 540 s (of the manual timer) after the last fetch.
    service.timer.advance(540);
    service
        .verifier
        .fetches_completed(service.idp.issuer(), 3)
        .await;
    assert_eq!(service.verifier.key_status()[0].keys, 2);
    service
        .call(&old)
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(service.call(&new).await.status, StatusCode::OK);
}

#[tokio::test]
async fn with_the_provider_killed_tokens_keep_verifying_on_the_last_good_keys() {
    let mut service = service(&[RS, ES]).await;
    let tokens = [
        service.idp.token("svc", RS, None).await,
        service.idp.token("svc", ES, None).await,
    ];
    service.idp.kill();
    let status = service.verifier.reload_keys().await.remove(0);
    assert_eq!(
        (status.state, status.keys, status.failures),
        (KeyState::Fresh, 2, 1)
    );
    let error = status.last_error.unwrap_or_default();
    assert!(error.contains("/jwks: request failed: "), "{error}");
    for token in &tokens {
        assert_eq!(service.call(token).await.status, StatusCode::OK);
    }
    assert!(service.verifier.keys_ready());
}

#[tokio::test]
async fn a_flood_of_forged_tokens_with_random_kids_costs_at_most_one_fetch() {
    let service = Arc::new(service(&[RS]).await);
    let genuine = service.idp.token("svc", RS, None).await;
    let before = service.idp.jwks_requests().await;
    // The genuine payload and signature under headers naming random kids.
    let (_, rest) = genuine.split_once('.').unwrap_or_default();
    let mut floods = Vec::new();
    for i in 0..200_u32 {
        let service = Arc::clone(&service);
        let forged = format!(
            "{}.{rest}",
            claimguard_tests::b64(format!(
                r#"{{"alg":"RS256","typ":"at+jwt","kid":"forged-{:08x}"}}"#,
                i.wrapping_mul(2_654_435_761)
            ))
        );
        floods.push(tokio::spawn(async move { service.call(&forged).await }));
    }
    for flood in floods {
        let reply = flood.await.unwrap_or_else(|e| panic!("{e}"));
        reply.assert_invalid_token("the token's key is not known");
    }
    assert_eq!(service.idp.jwks_requests().await, before + 1);
    // And the genuine token still verifies, without another fetch.
    assert_eq!(service.call(&genuine).await.status, StatusCode::OK);
    assert_eq!(service.idp.jwks_requests().await, before + 1);
}
