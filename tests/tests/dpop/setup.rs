//! The claims type, tokens, app and assertions the DPoP tests share.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::dpop::{DpopBuilder, DpopVerifier};
use claimguard::testing::DpopKey;
use claimguard::{Algorithm, Claims, Key, ManualClock, Shared, Verifier};
use claimguard_tests::{CACHE_SEED, HsMinter, NOW, Reply, SECRET, send};

/// Claims with a cache, so that a cached token's proof is checked too.
#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [HS256], cache(capacity = 100, ttl = 300))]
pub struct User {
    #[claims(max_len = 64)]
    pub sub: String,
}

/// The origin clients address the service by.
pub const ORIGIN: &str = "https://api.example.com";

/// The `algs` of the default challenge, in claimguard's order.
pub const ALGS: &str = "RS256 PS256 ES256 EdDSA";

/// A DPoP builder for [`ORIGIN`].
pub fn dpop() -> DpopBuilder {
    DpopVerifier::builder(ORIGIN)
}

/// A P-256 client key (`n` picks another).
pub fn key(n: usize) -> DpopKey {
    DpopKey::nth(Algorithm::ES256, n).unwrap_or_else(|e| panic!("{e}"))
}

/// A token bound to `key`, valid for ten minutes.
pub fn bound(key: &DpopKey) -> String {
    let jkt = key.thumbprint();
    HsMinter::new(SECRET).token(&format!(
        r#"{{"sub":"alice","exp":{},"cnf":{{"jkt":"{jkt}"}}}}"#,
        NOW + 600
    ))
}

/// A bearer token (no `cnf`).
pub fn plain() -> String {
    HsMinter::new(SECRET).token(&format!(r#"{{"sub":"bob","exp":{}}}"#, NOW + 600))
}

/// The app: `GET` and `POST /orders` take a `User`; `/twice` takes it
/// twice (two extractors of one request); `/api/orders` is `/orders` in a
/// router nested at `/api`.
pub struct App {
    pub router: Router,
    pub clock: ManualClock,
    pub verifier: Verifier<User>,
}

pub fn app(dpop: DpopBuilder) -> App {
    let clock = ManualClock::new(NOW);
    let verifier = Verifier::<User>::builder()
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(clock.clone())
        .cache_seed(CACHE_SEED)
        .dpop(dpop.build().unwrap_or_else(|e| panic!("{e}")))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    async fn orders(user: User) -> String {
        user.sub
    }
    async fn twice(user: User, shared: Shared<User>) -> String {
        format!("{} {}", user.sub, shared.sub)
    }
    let router = Router::new()
        .route("/orders", get(orders).post(orders))
        .route("/orders/{id}", get(orders))
        .route("/twice", get(twice))
        .nest("/api", Router::new().route("/orders", get(orders)))
        .with_state(verifier.clone());
    App {
        router,
        clock,
        verifier,
    }
}

impl App {
    /// `method path` with `Authorization: DPoP <token>` and these proofs.
    pub async fn dpop(&self, method: &str, path: &str, token: &str, proofs: &[&str]) -> Reply {
        let authorization = format!("DPoP {token}");
        let mut headers = vec![("authorization", authorization.as_bytes())];
        headers.extend(proofs.iter().map(|p| ("dpop", p.as_bytes())));
        send(&self.router, method, path, &headers).await
    }

    /// `method path` with a fresh proof by `key` for `token`, now.
    pub async fn fresh(&self, key: &DpopKey, method: &str, path: &str, token: &str) -> Reply {
        let proof = key.proof(method, &format!("{ORIGIN}{path}"), Some(token), NOW);
        self.dpop(method, path, token, &[&proof]).await
    }

    /// `GET path` with `Authorization: Bearer <token>` (and proofs, if any).
    pub async fn bearer(&self, path: &str, token: &str, proofs: &[&str]) -> Reply {
        let authorization = format!("Bearer {token}");
        let mut headers = vec![("authorization", authorization.as_bytes())];
        headers.extend(proofs.iter().map(|p| ("dpop", p.as_bytes())));
        send(&self.router, "GET", path, &headers).await
    }
}

/// Asserts a 200 with `body`.
#[track_caller]
pub fn assert_ok(reply: &Reply, body: &str) {
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body, body, "{reply:?}");
}

/// Asserts a 401 answered in the `DPoP` scheme alone with `code` and
/// `description`, and the JSON body to match.
#[track_caller]
pub fn assert_dpop(reply: &Reply, code: &str, description: &str) {
    claimguard_tests::assert_dpop_challenge(reply, code, description, ALGS);
    assert_eq!(
        reply.body,
        format!(r#"{{"error":"{code}","error_description":"{description}"}}"#),
        "{reply:?}"
    );
}

/// Asserts an `invalid_dpop_proof` with `description`.
#[track_caller]
pub fn assert_proof(reply: &Reply, description: &str) {
    assert_dpop(reply, "invalid_dpop_proof", description);
}

/// Asserts that nothing of `token` or `proof` is in the reply.
#[track_caller]
pub fn assert_no_echo(reply: &Reply, secrets: &[&str]) {
    for secret in secrets {
        for part in secret.split('.').filter(|p| p.len() >= 8) {
            assert!(!reply.body.contains(part), "{reply:?}");
            for challenge in &reply.challenges {
                assert!(!challenge.contains(part), "{reply:?}");
            }
        }
    }
}
