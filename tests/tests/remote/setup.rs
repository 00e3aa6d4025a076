//! The claims types, the issuer and the verifier every remote test starts
//! from.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use claimguard::remote::{IssuerStatus, RemoteIssuer};
use claimguard::testing::TestIssuer;
use claimguard::{Algorithm, Claims, ManualClock, Verifier};
use claimguard_tests::{NOW, Reply, bearer};
use serde_json::json;

/// Access tokens of one issuer, verified with every asymmetric algorithm.
#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [RS256, PS256, ES256, ES384, EdDSA])]
pub struct Access {
    #[claims(max_len = 64)]
    pub sub: String,
}

/// The same, with a cache.
#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [RS256, ES256], cache(capacity = 100, ttl = 3600))]
pub struct CachedAccess {
    #[claims(max_len = 64)]
    pub sub: String,
}

/// A started issuer and a verifier of its keys, on one manual clock.
pub struct Rig<T: Claims> {
    pub issuer: Arc<TestIssuer>,
    pub clock: ManualClock,
    pub verifier: Verifier<T>,
    pub app: Router,
}

/// Claims valid for a day from [`NOW`], issued by `issuer`.
pub fn claims(issuer: &TestIssuer, sub: &str) -> serde_json::Value {
    json!({ "sub": sub, "iss": issuer.issuer(), "exp": NOW + 200_000 })
}

/// A started test issuer.
pub async fn issuer() -> Arc<TestIssuer> {
    Arc::new(TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}")))
}

/// Discovery from `issuer`, with `tune` applied.
pub fn remote(
    issuer: &TestIssuer,
    tune: impl FnOnce(RemoteIssuer) -> RemoteIssuer,
) -> RemoteIssuer {
    tune(RemoteIssuer::discover(&issuer.issuer()).unwrap_or_else(|e| panic!("{e}")))
}

/// A verifier of `remote`'s keys on `clock` (as both its clock and its timer).
pub async fn start<T: Claims + Clone>(clock: &ManualClock, remote: RemoteIssuer) -> Verifier<T> {
    Verifier::<T>::builder()
        .clock(clock.clone())
        .timer(clock.clone())
        .cache_seed(claimguard_tests::CACHE_SEED)
        .remote(remote)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// An app answering the token's `sub`.
pub fn app(verifier: &Verifier<Access>) -> Router {
    Router::new()
        .route("/", get(|claims: Access| async move { claims.sub }))
        .with_state(verifier.clone())
}

/// The same for [`CachedAccess`].
pub fn cached_app(verifier: &Verifier<CachedAccess>) -> Router {
    Router::new()
        .route("/", get(|claims: CachedAccess| async move { claims.sub }))
        .with_state(verifier.clone())
}

/// A started issuer and a verifier of its keys (discovery, default settings
/// but `tune`).
pub async fn rig(tune: impl FnOnce(RemoteIssuer) -> RemoteIssuer) -> Rig<Access> {
    let issuer = issuer().await;
    let clock = claimguard_tests::clock();
    let verifier = start::<Access>(&clock, remote(&issuer, tune)).await;
    let app = app(&verifier);
    Rig {
        issuer,
        clock,
        verifier,
        app,
    }
}

/// The same with [`CachedAccess`].
pub async fn cached_rig() -> Rig<CachedAccess> {
    let issuer = issuer().await;
    let clock = claimguard_tests::clock();
    let verifier = start::<CachedAccess>(&clock, remote(&issuer, |r| r)).await;
    let app = cached_app(&verifier);
    Rig {
        issuer,
        clock,
        verifier,
        app,
    }
}

impl<T: Claims + Clone> Rig<T> {
    /// A token for `sub` by the issuer's current key for `alg`.
    pub fn token(&self, alg: Algorithm, sub: &str) -> String {
        self.issuer.mint(alg, &claims(&self.issuer, sub))
    }

    /// One request with `token`, bounded so that a request that would wait
    /// for ever fails the test instead of hanging it.
    pub async fn call(&self, token: &str) -> Reply {
        within(bearer(&self.app, "/", token)).await
    }

    /// The one issuer's status.
    pub fn status(&self) -> IssuerStatus {
        let mut status = self.verifier.key_status();
        assert_eq!(status.len(), 1);
        status.remove(0)
    }

    /// Waits until the issuer's task has completed `count` fetches.
    pub async fn fetched(&self, count: u64) {
        within(
            self.verifier
                .fetches_completed(&self.issuer.issuer(), count),
        )
        .await;
    }

    /// Moves the clock `seconds` on.
    pub fn advance(&self, seconds: u64) {
        self.clock.advance(seconds);
    }
}

/// `future`, or a failed test after a minute: a guard against a hang, not a
/// measurement (everything here completes in milliseconds).
pub async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .unwrap_or_else(|_| panic!("did not complete within a minute"))
}
