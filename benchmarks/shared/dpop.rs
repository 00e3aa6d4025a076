//! The DPoP bench's setup, shared with the instruction counts: a cached
//! HS256 token as `Bearer`, the same claims bound to an ES256 client key as
//! `DPoP` with one proof, a replay store that remembers nothing (so that
//! the proof can be sent again and again), and an ES256 signature to check
//! alone.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use claimguard::dpop::{ClaimFuture, Claimed, DpopVerifier, ReplayStore, StoreError};
use claimguard::testing::DpopKey;
use claimguard::{Algorithm, ManualClock, Verifier};
use claimguard_benchmarks::{Alg, PreparedKey, User, claimguard_app, claims};

const ORIGIN: &str = "https://api.example.com";

/// A replay store that takes every proof as new: what lets (b) send one
/// proof over and over, and keeps the store out of its time.
struct Forgetful;

impl ReplayStore for Forgetful {
    fn claim<'a>(&'a self, _key: &'a str, _until: u64, _now: u64) -> ClaimFuture<'a> {
        Box::pin(std::future::ready(Ok::<_, StoreError>(Claimed::Fresh)))
    }
}

/// The bench's "now" (any time before the tokens' `exp`).
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub struct Setup {
    /// See the module.
    pub bearer_app: Router,
    /// See the module.
    pub dpop_app: Router,
    /// See the module.
    pub token: String,
    /// See the module.
    pub bound: String,
    /// See the module.
    pub proof: String,
    /// See the module.
    pub message: Vec<u8>,
    /// See the module.
    pub signature: Vec<u8>,
    /// See the module.
    pub es256: PreparedKey,
}

pub fn setup() -> Setup {
    let at = now();
    let key = DpopKey::new(Algorithm::ES256).unwrap_or_else(|e| panic!("{e}"));
    let token = Alg::Hs256.token(1);
    let mut bound_claims = claims(1);
    bound_claims["cnf"] = serde_json::json!({ "jkt": key.thumbprint() });
    let bound = claimguard_tests::sign(Alg::Hs256.jwt(), &bound_claims.to_string());
    let proof = key.proof("GET", &format!("{ORIGIN}/"), Some(&bound), at);
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
    let es256_token = Alg::Es256.token(1);
    let (message, signature) = es256_token
        .rsplit_once('.')
        .unwrap_or_else(|| panic!("a token"));
    Setup {
        bearer_app: claimguard_app(verifier(None)),
        dpop_app: claimguard_app(verifier(Some(dpop))),
        token,
        bound,
        proof,
        message: message.as_bytes().to_vec(),
        signature: PreparedKey::signature_bytes(signature),
        es256: PreparedKey::new(Alg::Es256),
    }
}

pub fn bearer_request(token: &str) -> Request<Body> {
    Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn dpop_request(token: &str, proof: &str) -> Request<Body> {
    Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("DPoP {token}"))
        .header("dpop", proof)
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
}
