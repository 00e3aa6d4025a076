//! A DPoP verifier's settings and their defaults, and the builder that
//! checks them once, at start-up.

use core::fmt;
use std::sync::Arc;

use super::htu::Origin;
use super::kept::KeptHeaders;
use super::memory::{DEFAULT_REPLAY_CAPACITY, MemoryReplayStore};
use super::nonce::Nonces;
use super::replay::{DEFAULT_MAX_JTI_BYTES, ReplayStore, replay_key_bytes};
use super::{DpopVerifier, Inner};
use crate::algorithm::Algorithm;

/// The proof algorithms accepted by default: the four RFC 9449 names and
/// identity providers offer (oidc-provider, Okta, Auth0, Keycloak).
pub const DEFAULT_PROOF_ALGORITHMS: &[Algorithm] = &[
    Algorithm::ES256,
    Algorithm::EdDSA,
    Algorithm::RS256,
    Algorithm::PS256,
];

/// The longest `DPoP` header accepted by default, in bytes. A proof with an
/// RSA-4096 key is about 2.2 KiB, one with an RSA-8192 key about 3.6 KiB.
pub const DEFAULT_MAX_PROOF_BYTES: usize = 4096;

/// How old a proof's `iat` may be by default, in seconds (the leeway
/// comes on top).
pub const DEFAULT_PROOF_WINDOW: u64 = 60;

/// The longest `jwk` header member read, in bytes of JSON: an RSA-8192
/// public key with a few optional members.
pub const MAX_PROOF_JWK_BYTES: usize = 2048;

/// Whether the claims type takes plain bearer tokens besides DPoP-bound
/// ones. A DPoP-bound token (one whose `cnf` names a key) needs a valid
/// proof either way, and is refused when sent as `Bearer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DpopMode {
    /// Tokens without `cnf.jkt` are taken as bearer tokens, as without DPoP
    /// (the default: a service moves to DPoP while its clients do).
    Optional,
    /// Every token must be DPoP-bound and come with a proof.
    Required,
}

/// Why a [`DpopBuilder`] could not build a verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DpopConfigError {
    /// The external origin is not `http(s)://host[:port]` (no path, query,
    /// fragment or userinfo).
    Origin,
    /// No proof algorithm, or a symmetric one (`HS*`): a proof is signed by
    /// a public key.
    Algorithms,
    /// The nonce secret is shorter than [`MIN_NONCE_SECRET_BYTES`](super::MIN_NONCE_SECRET_BYTES), or its
    /// period is zero.
    Nonce,
    /// The window, a size cap or the `jti` cap is zero.
    Bounds,
}

impl fmt::Display for DpopConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Origin => {
                "the DPoP origin must be `http(s)://host[:port]`, without path, query or userinfo"
            }
            Self::Algorithms => "DPoP proof algorithms must be asymmetric, and at least one",
            Self::Nonce => {
                "the DPoP nonce secret must be at least 32 bytes, its period at least 1 s"
            }
            Self::Bounds => "the DPoP window, proof size and jti size must be at least 1",
        })
    }
}

impl std::error::Error for DpopConfigError {}

/// Builds a [`DpopVerifier`]: the external origin requests are made to,
/// and the proof rules.
#[must_use]
pub struct DpopBuilder {
    origin: String,
    algorithms: Vec<Algorithm>,
    window: u64,
    leeway: Option<u64>,
    max_proof_bytes: usize,
    max_jti_bytes: usize,
    store: Option<Arc<dyn ReplayStore>>,
    nonce: Option<(Vec<u8>, u64)>,
    mode: DpopMode,
}

impl DpopBuilder {
    pub(super) fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            algorithms: DEFAULT_PROOF_ALGORITHMS.to_vec(),
            window: DEFAULT_PROOF_WINDOW,
            leeway: None,
            max_proof_bytes: DEFAULT_MAX_PROOF_BYTES,
            max_jti_bytes: DEFAULT_MAX_JTI_BYTES,
            store: None,
            nonce: None,
            mode: DpopMode::Optional,
        }
    }

    /// The proof algorithms accepted (asymmetric only), instead of
    /// [`DEFAULT_PROOF_ALGORITHMS`]; the challenge's `algs` lists them.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// How old a proof may be, in seconds ([`DEFAULT_PROOF_WINDOW`]).
    pub fn window(mut self, seconds: u64) -> Self {
        self.window = seconds;
        self
    }

    /// The clock skew allowed on `iat`, both ways; by default the claims
    /// type's leeway.
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = Some(seconds);
        self
    }

    /// The longest `DPoP` header, in bytes ([`DEFAULT_MAX_PROOF_BYTES`]);
    /// a longer one is refused before it is decoded.
    pub fn max_proof_bytes(mut self, bytes: usize) -> Self {
        self.max_proof_bytes = bytes;
        self
    }

    /// The longest `jti`, in bytes ([`DEFAULT_MAX_JTI_BYTES`]).
    pub fn max_jti_bytes(mut self, bytes: usize) -> Self {
        self.max_jti_bytes = bytes;
        self
    }

    /// The longest replay key this builder's proofs can have: what a
    /// [`MemoryReplayStore`] for them must take.
    pub fn replay_key_bytes(&self) -> usize {
        replay_key_bytes(self.max_jti_bytes)
    }

    /// Where the proofs seen are remembered, instead of a
    /// [`MemoryReplayStore`] of [`DEFAULT_REPLAY_CAPACITY`] proofs: a
    /// shared store (`RedisReplayStore`, feature `redis`) when a service
    /// runs as several instances.
    pub fn replay_store(mut self, store: impl ReplayStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Requires server nonces (RFC 9449 §9): a proof must carry the
    /// current nonce (or the one before), else it is refused with
    /// `use_dpop_nonce` and a fresh nonce in `DPoP-Nonce`. Nonces are an
    /// HMAC of the period's number under `secret` (at least 32 bytes), a
    /// new one every `period` seconds: instances sharing the secret agree
    /// with no shared state.
    pub fn nonces(mut self, secret: &[u8], period: u64) -> Self {
        self.nonce = Some((secret.to_vec(), period));
        self
    }

    /// Whether plain bearer tokens are accepted too ([`DpopMode::Optional`],
    /// the default) or every token must be DPoP-bound.
    pub fn mode(mut self, mode: DpopMode) -> Self {
        self.mode = mode;
        self
    }

    /// The verifier, once every setting is checked.
    pub fn build(self) -> Result<DpopVerifier, DpopConfigError> {
        let origin = Origin::parse(&self.origin).ok_or(DpopConfigError::Origin)?;
        // Each algorithm once, in the order given (the challenge's order).
        let mut algorithms = self.algorithms;
        let mut seen = Vec::with_capacity(algorithms.len());
        algorithms.retain(|alg| {
            let new = !seen.contains(alg);
            seen.push(*alg);
            new
        });
        if algorithms.is_empty() || algorithms.iter().any(|a| a.min_hmac_secret().is_some()) {
            return Err(DpopConfigError::Algorithms);
        }
        if self.window == 0 || self.max_proof_bytes == 0 || self.max_jti_bytes == 0 {
            return Err(DpopConfigError::Bounds);
        }
        let nonces = match &self.nonce {
            Some((secret, period)) => {
                Some(Nonces::new(secret, *period).ok_or(DpopConfigError::Nonce)?)
            }
            None => None,
        };
        let store = self.store.unwrap_or_else(|| {
            Arc::new(MemoryReplayStore::new(
                DEFAULT_REPLAY_CAPACITY,
                replay_key_bytes(self.max_jti_bytes),
            ))
        });
        let algs_mask = super::challenge::mask(&algorithms);
        Ok(DpopVerifier {
            inner: Arc::new(Inner {
                origin,
                algorithms: algorithms.into(),
                algs_mask,
                window: self.window,
                leeway: self.leeway,
                max_proof_bytes: self.max_proof_bytes,
                max_jti_bytes: self.max_jti_bytes,
                store,
                nonces,
                mode: self.mode,
                kept: KeptHeaders::new(),
            }),
        })
    }
}
