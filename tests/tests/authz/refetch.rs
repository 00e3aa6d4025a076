//! A requirement judged on a token whose key the verifier had to fetch
//! first (a rotation at the identity provider): the extractor and the
//! layer wait for the shared refetch, then authenticate, then judge.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::remote::RemoteIssuer;
use claimguard::testing::TestIssuer;
use claimguard::{Algorithm, Authorized, Claims, ManualClock, Scopes, Verifier};
use claimguard_tests::{NOW, Reply, bearer};
use serde_json::json;

use crate::setup::{OrdersRead, assert_forbidden};

/// Access tokens of the test issuer.
#[derive(Claims)]
#[claims(algorithms = [ES256])]
struct Access {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(max_items = 8, max_len = 32, default, scopes)]
    scope: Scopes,
}

/// `future`, or a failed test after a minute: a guard against a hang, not
/// a measurement.
async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .unwrap_or_else(|_| panic!("did not complete within a minute"))
}

struct Rig {
    issuer: TestIssuer,
    clock: ManualClock,
    app: Router,
}

async fn rig() -> Rig {
    let issuer = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
    let clock = claimguard_tests::clock();
    let remote = RemoteIssuer::discover(&issuer.issuer()).unwrap_or_else(|e| panic!("{e}"));
    let verifier = Verifier::<Access>::builder()
        .clock(clock.clone())
        .timer(clock.clone())
        .remote(remote)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let layered = Router::new()
        .route("/layered", get(|access: Access| async move { access.sub }))
        .route_layer(verifier.require::<OrdersRead>());
    let app = Router::new()
        .route(
            "/orders",
            get(|access: Authorized<Access, OrdersRead>| async move { access.sub.clone() }),
        )
        .merge(layered)
        .with_state(verifier);
    Rig { issuer, clock, app }
}

impl Rig {
    /// A token by a key the verifier has not seen yet.
    fn rotated_token(&self, scope: &str) -> String {
        self.issuer.rotate(Algorithm::ES256);
        let claims = json!({
            "sub": "svc", "iss": self.issuer.issuer(), "exp": NOW + 200_000, "scope": scope,
        });
        self.issuer.mint(Algorithm::ES256, &claims)
    }

    async fn call(&self, path: &str, token: &str) -> Reply {
        within(bearer(&self.app, path, token)).await
    }
}

#[tokio::test]
async fn the_extractor_judges_after_the_refetch() {
    let rig = rig().await;
    let lacking = rig.rotated_token("openid");
    assert_forbidden(
        &rig.call("/orders", &lacking).await,
        Some("orders:read"),
        &lacking,
    );
    assert_eq!(rig.issuer.jwks_requests(), 2, "the new key was fetched");
    // After the cooldown, another rotation: a granted token is admitted.
    rig.clock.advance(30);
    let granted = rig.rotated_token("orders:read");
    let reply = rig.call("/orders", &granted).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "svc"));
    assert_eq!(rig.issuer.jwks_requests(), 3);
}

#[tokio::test]
async fn the_layer_judges_after_the_refetch() {
    let rig = rig().await;
    let granted = rig.rotated_token("orders:read");
    let reply = rig.call("/layered", &granted).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "svc"));
    assert_eq!(rig.issuer.jwks_requests(), 2);
    rig.clock.advance(30);
    let lacking = rig.rotated_token("openid");
    assert_forbidden(
        &rig.call("/layered", &lacking).await,
        Some("orders:read"),
        &lacking,
    );
    assert_eq!(rig.issuer.jwks_requests(), 3);
    // Inside the cooldown, a key the set lacks is refused as unknown: 401,
    // not 403.
    let claims = json!({ "sub": "svc", "iss": rig.issuer.issuer(), "exp": NOW + 200_000 });
    let unknown = rig
        .issuer
        .mint_with(
            Algorithm::ES256,
            "p256-1",
            &json!({ "kid": "forged" }),
            &claims,
        )
        .unwrap_or_else(|| panic!("no p256-1"));
    rig.call("/layered", &unknown)
        .await
        .assert_invalid_token("the token's key is not known");
}
