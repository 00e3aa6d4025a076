//! DPoP against a real OpenID provider (panva's oidc-provider, see
//! `tests/idp`): a token asked for with a proof is DPoP-bound (`cnf.jkt` is
//! the client key's thumbprint); requests with fresh proofs are accepted;
//! a replayed proof, a proof for another method or URI, a stale one, one
//! for another token, one by another key, and the token sent as `Bearer`
//! are each refused with their challenge. The clock is the system's (the
//! provider stamps real times).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::dpop::{DpopMode, DpopVerifier};
use claimguard::remote::RemoteIssuer;
use claimguard::testing::{DpopKey, ath};
use claimguard::{Algorithm, Claims, ManualClock, SystemClock, Verifier};
use claimguard_tests::idp::Idp;
use claimguard_tests::{Reply, send};

const ES: &str = "https://api.example/es";
const ORIGIN: &str = "https://api.example";
const ALGS: &str = "PS256 ES256 EdDSA";

/// An RFC 9068 access token.
#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [RS256, PS256, ES256], typ = "at+jwt", required = [iat, jti, sub], leeway = 5)]
struct AccessToken {
    #[claims(max_len = 64)]
    client_id: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

struct Service {
    idp: Idp,
    app: Router,
}

async fn service() -> Service {
    let idp = Idp::start();
    let remote = RemoteIssuer::discover(idp.issuer()).unwrap_or_else(|e| panic!("{e}"));
    let dpop = DpopVerifier::builder(ORIGIN)
        .algorithms([Algorithm::PS256, Algorithm::ES256, Algorithm::EdDSA])
        .mode(DpopMode::Required)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let verifier = Verifier::<AccessToken>::builder()
        .clock(SystemClock)
        .timer(ManualClock::new(0))
        .audiences([ES])
        .remote(remote)
        .dpop(dpop)
        .cache(100, 300)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let app = Router::new()
        .route(
            "/orders",
            get(|t: AccessToken| async move { t.client_id })
                .post(|t: AccessToken| async move { t.client_id }),
        )
        .with_state(verifier);
    Service { idp, app }
}

impl Service {
    /// A token bound to `key`, asked for with a proof by it.
    async fn bound_token(&self, key: &DpopKey) -> String {
        let proof = key.proof("POST", &self.idp.token_endpoint(), None, now());
        let (token_type, token) = self.idp.dpop_token("svc", ES, &proof).await;
        assert_eq!(token_type, "DPoP");
        token
    }

    async fn dpop(&self, method: &str, token: &str, proof: &str) -> Reply {
        let authorization = format!("DPoP {token}");
        let headers = [
            ("authorization", authorization.as_bytes()),
            ("dpop", proof.as_bytes()),
        ];
        send(&self.app, method, "/orders", &headers).await
    }
}

#[track_caller]
fn assert_dpop(reply: &Reply, code: &str, description: &str) {
    claimguard_tests::assert_dpop_challenge(reply, code, description, ALGS);
}

#[tokio::test]
async fn dpop_bound_tokens_from_oidc_provider() {
    let service = service().await;
    let key = DpopKey::new(Algorithm::ES256).unwrap_or_else(|e| panic!("{e}"));
    let token = service.bound_token(&key).await;
    // The provider bound the token to the key.
    let payload = token.split('.').nth(1).unwrap_or_default();
    let payload =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap_or_default();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap_or_default();
    assert_eq!(claims["cnf"]["jkt"], key.thumbprint().as_str());
    let uri = format!("{ORIGIN}/orders");
    // Fresh proofs, one per request, by method.
    for method in ["GET", "POST", "GET"] {
        let proof = key.proof(method, &uri, Some(&token), now());
        let reply = service.dpop(method, &token, &proof).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "svc"),
            "{reply:?}"
        );
    }
    let proof = key.proof("GET", &uri, Some(&token), now());
    assert_eq!(
        service.dpop("GET", &token, &proof).await.status,
        StatusCode::OK
    );
    // Replayed.
    let reply = service.dpop("GET", &token, &proof).await;
    assert_dpop(
        &reply,
        "invalid_dpop_proof",
        "the DPoP proof was used before",
    );
    // Another method, another URI.
    let post = key.proof("POST", &uri, Some(&token), now());
    let reply = service.dpop("GET", &token, &post).await;
    assert_dpop(
        &reply,
        "invalid_dpop_proof",
        "the DPoP proof is for another method",
    );
    let elsewhere = key.proof("GET", &format!("{ORIGIN}/invoices"), Some(&token), now());
    let reply = service.dpop("GET", &token, &elsewhere).await;
    assert_dpop(
        &reply,
        "invalid_dpop_proof",
        "the DPoP proof is for another URI",
    );
    // Stale: older than the window and the leeway.
    let stale = key.proof("GET", &uri, Some(&token), now() - 120);
    let reply = service.dpop("GET", &token, &stale).await;
    assert_dpop(&reply, "invalid_dpop_proof", "the DPoP proof is not recent");
    // For another token.
    let mut claims = key.claims("GET", &uri, Some(&token), now());
    claims["ath"] = serde_json::json!(ath("another.access.token"));
    let wrong_ath = key.sign(&key.header(), &claims);
    let reply = service.dpop("GET", &token, &wrong_ath).await;
    assert_dpop(
        &reply,
        "invalid_dpop_proof",
        "the DPoP proof is for another access token",
    );
    // By another key.
    let other = DpopKey::nth(Algorithm::ES256, 1).unwrap_or_else(|e| panic!("{e}"));
    let by_other = other.proof("GET", &uri, Some(&token), now());
    let reply = service.dpop("GET", &token, &by_other).await;
    assert_dpop(&reply, "invalid_token", "invalid DPoP key binding");
    // As a bearer token, with or without a proof.
    let authorization = format!("Bearer {token}");
    let fresh = key.proof("GET", &uri, Some(&token), now());
    for headers in [
        vec![("authorization", authorization.as_bytes())],
        vec![
            ("authorization", authorization.as_bytes()),
            ("dpop", fresh.as_bytes()),
        ],
    ] {
        let reply = send(&service.app, "GET", "/orders", &headers).await;
        assert_dpop(
            &reply,
            "invalid_token",
            "the access token is bound to a DPoP key and must be sent with a proof",
        );
    }
    // A plain bearer token from the provider: DPoP is required here.
    let plain = service.idp.token("svc", ES, None).await;
    let reply = send(
        &service.app,
        "GET",
        "/orders",
        &[("authorization", format!("Bearer {plain}").as_bytes())],
    )
    .await;
    assert_dpop(
        &reply,
        "invalid_token",
        "the access token is not bound to a DPoP key",
    );
    // Another key type the provider takes, bound too.
    let ed = DpopKey::new(Algorithm::EdDSA).unwrap_or_else(|e| panic!("{e}"));
    let ed_token = service.bound_token(&ed).await;
    let proof = ed.proof("POST", &uri, Some(&ed_token), now());
    assert_eq!(
        service.dpop("POST", &ed_token, &proof).await.status,
        StatusCode::OK
    );
}
