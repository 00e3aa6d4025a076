//! The DPoP bench's setup, shared with the instruction counts: a cached
//! HS256 token as `Bearer`, the same claims bound to an ES256 client key as
//! `DPoP` with one proof, the bearer token with that proof beside it whose
//! signature the handler checks (the same request with one signature check
//! more, and no DPoP), a replay store that remembers nothing (so that
//! the proof can be sent again and again), and the client key, whose
//! `signed` is the proof's own signature check alone (the very signature
//! the request carries, since an ECDSA check's time depends on it, and the
//! verifier's own code, since another build of the same crate takes a few
//! percent more or less).

use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use claimguard::dpop::{ClaimFuture, Claimed, DpopVerifier, ReplayStore, StoreError};
use claimguard::testing::DpopKey;
use claimguard::{Algorithm, ManualClock, Verifier};
use claimguard_benchmarks::{Alg, IAT, User, claimguard_app, claims};

const ORIGIN: &str = "https://api.example.com";

/// A replay store that takes every proof as new: what lets (b) send one
/// proof over and over, and keeps the store out of its time.
struct Forgetful;

impl ReplayStore for Forgetful {
    fn claim<'a>(&'a self, _key: &'a str, _until: u64, _now: u64) -> ClaimFuture<'a> {
        Box::pin(std::future::ready(Ok::<_, StoreError>(Claimed::Fresh)))
    }

    fn claim_at_once(
        &self,
        _key: &str,
        _until: u64,
        _now: u64,
    ) -> Option<Result<Claimed, StoreError>> {
        Some(Ok(Claimed::Fresh))
    }
}

/// The bench's "now", on its manual clock: fixed, like the proof's `jti`,
/// so that the proof is the same in every run (an ECDSA check's cost
/// depends on the message), and so are the instruction counts.
const AT: u64 = IAT + 3600;

pub struct Setup {
    /// See the module.
    pub bearer_app: Router,
    /// See the module.
    pub dpop_app: Router,
    /// See the module: takes [`signed_request`].
    pub signed_app: Router,
    /// See the module.
    pub token: String,
    /// See the module.
    pub bound: String,
    /// See the module.
    pub proof: String,
    /// See the module.
    pub key: DpopKey,
}

pub fn setup() -> Setup {
    let at = AT;
    let key = DpopKey::new(Algorithm::ES256).unwrap_or_else(|e| panic!("{e}"));
    let token = Alg::Hs256.token(1);
    let mut bound_claims = claims(1);
    bound_claims["cnf"] = serde_json::json!({ "jkt": key.thumbprint() });
    let bound = claimguard_tests::sign(Alg::Hs256.jwt(), &bound_claims.to_string());
    let mut proof_claims = key.claims("GET", &format!("{ORIGIN}/"), Some(&bound), at);
    proof_claims["jti"] = serde_json::json!("the-bench-proof");
    let proof = key.sign(&key.header(), &proof_claims);
    let verifier = |dpop: Option<DpopVerifier>| {
        let builder = Verifier::<User>::builder()
            .key(Alg::Hs256.claimguard_key())
            .clock(ManualClock::new(at));
        let builder = match dpop {
            Some(dpop) => builder.dpop(dpop),
            None => builder,
        };
        builder.build().unwrap_or_else(|e| panic!("{e}"))
    };
    let dpop = DpopVerifier::builder(ORIGIN)
        .replay_store(Forgetful)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Setup {
        bearer_app: claimguard_app(verifier(None)),
        dpop_app: claimguard_app(verifier(Some(dpop))),
        signed_app: signed_app(verifier(None)),
        token,
        bound,
        proof,
        key,
    }
}

pub fn bearer_request(token: &str) -> Request<Body> {
    Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The bearer token's route whose handler checks the `DPoP` header's
/// signature with the client key (made once), and answers 204 if it holds.
fn signed_app(verifier: Verifier<User>) -> Router {
    let key = Arc::new(DpopKey::new(Algorithm::ES256).unwrap_or_else(|e| panic!("{e}")));
    let handler = move |user: User, request: Request<Body>| {
        let signed = request
            .headers()
            .get("dpop")
            .and_then(|proof| proof.to_str().ok())
            .is_some_and(|proof| key.signed(proof));
        black_box(user);
        async move {
            if signed {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::UNAUTHORIZED
            }
        }
    };
    Router::new().route("/", get(handler)).with_state(verifier)
}

/// The bearer token, with the proof beside it, for `signed_app`.
pub fn signed_request(token: &str, proof: &str) -> Request<Body> {
    with_proof("Bearer", token, proof)
}

/// The bound token with its proof, for `dpop_app`.
pub fn dpop_request(token: &str, proof: &str) -> Request<Body> {
    with_proof("DPoP", token, proof)
}

fn with_proof(scheme: &str, token: &str, proof: &str) -> Request<Body> {
    Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("{scheme} {token}"))
        .header("dpop", proof)
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
}
