//! Sender-constrained access tokens: DPoP (RFC 9449).
//!
//! A DPoP-bound access token names a key in its `cnf.jkt` (the key's RFC
//! 7638 thumbprint); every request that presents it carries a fresh proof,
//! a JWT signed by that key, for that request's method and URI, in a `DPoP`
//! header. A stolen token is of no use without the key.
//!
//! Build a [`DpopVerifier`] with the external origin clients address the
//! service by (services sit behind proxies, so the request's own `Host` is
//! not trusted for this), and give it to the claims type's verifier with
//! [`VerifierBuilder::dpop`](crate::VerifierBuilder::dpop). The claims
//! type's extractors then take `Authorization: DPoP <token>` with exactly
//! one `DPoP` header, besides `Authorization: Bearer` for tokens without
//! `cnf` unless the mode is [`DpopMode::Required`]. Whether a type takes
//! bearer tokens too is a start-up setting beside the origin and the replay
//! store rather than an attribute on the struct, since DPoP cannot be turned
//! on without them.
//!
//! ```
//! use claimguard::dpop::{DpopMode, DpopVerifier};
//! use claimguard::{Claims, Key, Verifier};
//!
//! #[derive(Claims)]
//! #[claims(algorithms = [ES256], issuer = "https://auth.example.com")]
//! struct User {
//!     #[claims(max_len = 64)]
//!     sub: String,
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let jwk = r#"{"kty":"EC","crv":"P-256","x":"00TJkLuf6EO2c2spNK0GIpa05WOLyQyN1UVJIJPQATI","y":"QDb_dQajjjSx5MEuI-5XbQjJyjvYEOC8CpVvC3tt9_Y"}"#;
//! let dpop = DpopVerifier::builder("https://api.example.com")
//!     .mode(DpopMode::Required)
//!     .build()?;
//! let verifier = Verifier::<User>::builder()
//!     .key(Key::from_jwk(jwk)?)
//!     .dpop(dpop)
//!     .build()?;
//! # let _ = verifier; Ok(()) }
//! ```
//!
//! # What a request must satisfy
//!
//! In this order, the first failure deciding the refusal:
//!
//! 1. `Authorization: DPoP <token>` (scheme case-insensitive) and exactly
//!    one `DPoP` header, at most [`DEFAULT_MAX_PROOF_BYTES`] long (the cap
//!    is checked before anything is decoded);
//! 2. the access token passes every check it passes without DPoP (from the
//!    cache or not), and its `cnf.jkt` names a key;
//! 3. the proof is a compact JWS of JSON objects, each member once, without
//!    `crit` or `b64`; `typ` is `dpop+jwt`; `alg` is one of the configured
//!    asymmetric algorithms; `jwk` is a public key (a private member
//!    refuses it) of a type and size claimguard verifies that fits `alg`,
//!    at most [`MAX_PROOF_JWK_BYTES`] of JSON;
//! 4. `jti` (at most [`DEFAULT_MAX_JTI_BYTES`]), `htm`, `htu`, `iat` and
//!    `ath` are present; `htm` is the request's method; `htu`, without
//!    query and fragment and normalised (RFC 3986 §6.2.2, §6.2.3), is the
//!    origin and the request's path as the client sent it (under axum's
//!    `nest`, the path before the prefix was stripped; a request whose path normalisation
//!    would change, `/a/../b` or `/%7eb`, is refused: the router takes the
//!    path as sent, and could route it elsewhere); `iat` is at most the window
//!    ([`DEFAULT_PROOF_WINDOW`]) plus the leeway old and at most the leeway
//!    ahead; `ath` is base64url(SHA-256(token)); with nonces, `nonce` is the
//!    current one;
//! 5. the token's `cnf.jkt` is the thumbprint of the proof's key;
//! 6. the proof's signature verifies with its key: the one signature check
//!    a proof costs, after every cheap check;
//! 7. the replay store has not seen the proof's key and `jti` within the
//!    window: it holds them until the window closes.
//!
//! A DPoP-bound token sent as `Bearer` is refused (`invalid_token`), and so
//! is a token without `cnf` sent with the `DPoP` scheme. A cache hit for the
//! access token skips its own checks, never the proof's.
//!
//! # Refusals
//!
//! | case | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no credentials | 401 | `Bearer` (unless DPoP is required) and `DPoP algs="..."` |
//! | the proof (steps 1, 3, 4, 6, 7) | 401 | `DPoP error="invalid_dpop_proof", error_description="...", algs="..."` |
//! | the binding (step 5, a bound token as `Bearer`, an unbound one as `DPoP`) | 401 | `DPoP error="invalid_token", ...` |
//! | the token itself, sent with the `DPoP` scheme | 401 | `DPoP error="invalid_token", ...` |
//! | no or a stale nonce | 401 | `DPoP error="use_dpop_nonce", ...`, and `DPoP-Nonce` |
//! | the replay store cannot answer | 503 | none (`Retry-After: 1`) |
//! | a requirement refuses a DPoP request | 403 | `DPoP error="insufficient_scope", scope="...", algs="..."` |
//!
//! The reason is [`Reason::Dpop`](crate::Reason) with a [`DpopError`]; a
//! custom rejection type copies the response's headers from
//! [`Rejection::headers`](crate::Rejection::headers). With
//! [`protected_resource`](crate::VerifierBuilder::protected_resource), the
//! RFC 9728 document lists the proof algorithms
//! (`dpop_signing_alg_values_supported`) and says whether tokens must be
//! bound (`dpop_bound_access_tokens_required`).
//! Nothing from the proof or the token is ever in a rejection, an event or
//! `Debug` output.
//!
//! # Kept proof headers
//!
//! A client sends the same proof header (`typ`, `alg`, `jwk`) with every
//! proof, so each verifier keeps the verdict on the headers it has seen
//! pass, by their exact text: the key made and its thumbprint, with the
//! last access token found bound to that key and the token's SHA-256. A
//! later proof with that header (and token) skips reading the header, the
//! key, the thumbprint, the token's `cnf` and its hash; everything else is
//! checked as above. Only a header whose proof passed every check is kept,
//! and only a token whose `cnf.jkt` was the key's thumbprint. At most 256
//! headers, each at most 4 KiB, with tokens of at most 4 KiB.
//!
//! # Replay stores
//!
//! [`MemoryReplayStore`], in process, by default; with the `redis` feature,
//! `RedisReplayStore`, shared by every instance of a service; or any
//! [`ReplayStore`]. A store that cannot answer refuses the proof.

pub(crate) mod challenge;
mod claims;
mod cnf;
mod config;
mod digest;
pub(crate) mod error;
mod htu;
mod jwk;
mod kept;
mod memory;
mod nonce;
mod proof;
#[cfg(feature = "redis")]
mod redis;
mod replay;

pub(crate) use challenge::Challenge;
pub use challenge::DPOP_NONCE;
pub(crate) use cnf::{Binding, CnfError, binding};
pub use config::{
    DEFAULT_MAX_PROOF_BYTES, DEFAULT_PROOF_ALGORITHMS, DEFAULT_PROOF_WINDOW, DpopBuilder,
    DpopConfigError, DpopMode, MAX_PROOF_JWK_BYTES,
};
pub use error::{DpopError, StoreError};
pub use memory::{DEFAULT_REPLAY_CAPACITY, MemoryReplayStore};
pub use nonce::MIN_NONCE_SECRET_BYTES;
pub(crate) use proof::{Accepted, Presented};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{DEFAULT_REDIS_TIMEOUT, RedisReplayStore};
pub use replay::DEFAULT_MAX_JTI_BYTES;
pub use replay::{ClaimFuture, Claimed, ReplayStore};

#[cfg(feature = "testing")]
pub(crate) use digest::sha256;
#[cfg(feature = "testing")]
pub(crate) use jwk::thumbprint;

/// A proof's `jwk` (its JSON text) made into a key for `alg`, as a proof's
/// key is made.
#[cfg(feature = "testing")]
pub(crate) fn proof_key(jwk: &str, alg: Algorithm) -> Option<crate::keys::crypto::Prepared> {
    jwk::ProofKey::parse(jwk, alg).ok()?.prepared(alg)
}

use core::fmt;
use std::sync::Arc;

use crate::algorithm::Algorithm;
use crate::reason::Reason;
use htu::Origin;
use kept::KeptHeaders;
use nonce::Nonces;

/// Verifies DPoP proofs for one service: its external origin, the proof
/// rules and the replay store. Cheap to clone (one `Arc`); give it to a
/// claims type's verifier with
/// [`VerifierBuilder::dpop`](crate::VerifierBuilder::dpop).
#[derive(Clone)]
pub struct DpopVerifier {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    origin: Origin,
    algorithms: Box<[Algorithm]>,
    algs_mask: u16,
    window: u64,
    leeway: Option<u64>,
    max_proof_bytes: usize,
    max_jti_bytes: usize,
    store: Arc<dyn ReplayStore>,
    nonces: Option<Nonces>,
    mode: DpopMode,
    kept: KeptHeaders,
}

impl fmt::Debug for DpopVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("DpopVerifier")
            .field("origin", &inner.origin.as_str())
            .field("algorithms", &inner.algorithms)
            .field("window", &inner.window)
            .field("leeway", &inner.leeway)
            .field("max_proof_bytes", &inner.max_proof_bytes)
            .field("nonces", &inner.nonces.is_some())
            .field("mode", &inner.mode)
            .finish_non_exhaustive()
    }
}

impl DpopVerifier {
    /// A builder for requests made to `origin` (`https://api.example.com`,
    /// as clients write it in `htu`), with the defaults.
    pub fn builder(origin: &str) -> DpopBuilder {
        DpopBuilder::new(origin)
    }

    /// An identity for this verifier and its clones, while one is alive.
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.inner).cast::<()>().addr()
    }

    /// Whether bearer tokens are accepted besides DPoP-bound ones.
    pub fn mode(&self) -> DpopMode {
        self.inner.mode
    }

    /// The accepted proof algorithms.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.inner.algorithms
    }

    /// The server nonce to hand out at `now` (seconds since the epoch),
    /// with nonces configured: put it in a `DPoP-Nonce` response header.
    pub fn nonce(&self, now: u64) -> Option<String> {
        self.inner.nonces.as_ref().map(|n| n.current(now))
    }

    /// The challenge its refusals carry; `scheme` when the token-level
    /// challenge is in the `DPoP` scheme, `now` for a fresh nonce.
    pub(crate) fn challenge(&self, scheme: bool, nonce_at: Option<u64>) -> Challenge {
        let bearer = self.inner.mode == DpopMode::Optional;
        let nonce = nonce_at
            .and_then(|now| self.nonce(now))
            .and_then(|n| <[u8; 43]>::try_from(n.as_bytes()).ok());
        Challenge {
            algs: self.inner.algs_mask,
            scheme: scheme || !bearer,
            bearer,
            nonce,
        }
    }

    /// Whether `token` (verified) may be taken without a proof: it has no
    /// `cnf`, and bearer tokens are accepted.
    pub(crate) fn as_bearer(&self, token: &[u8]) -> Result<(), Reason> {
        match binding(token) {
            Ok(Binding::Bearer) if self.mode() == DpopMode::Optional => Ok(()),
            Ok(Binding::Bearer) | Err(CnfError::Unsupported) => {
                Err(Reason::Dpop(DpopError::Unbound))
            }
            Ok(Binding::Key(_)) => Err(Reason::Dpop(DpopError::Bearer)),
            Err(CnfError::Malformed) => Err(Reason::Claims),
        }
    }

    /// Every check of the binding of `request`'s token (verified) and of
    /// `proof` for `request` but the replay check.
    pub(crate) fn check(
        &self,
        proof: &[u8],
        request: &Presented<'_>,
        now: u64,
        leeway: u64,
    ) -> Result<proof::Accepted, Reason> {
        self.inner.check(proof, request, now, leeway)
    }

    /// The replay check of an accepted proof, if the store answers it at
    /// once.
    pub(crate) fn claim_now(
        &self,
        accepted: &proof::Accepted,
        now: u64,
    ) -> Option<Result<(), DpopError>> {
        let claimed = self
            .inner
            .store
            .claim_at_once(&accepted.replay_key, accepted.until, now)?;
        Some(settled(claimed))
    }

    /// The replay check of an accepted proof, owning what it needs.
    pub(crate) fn claim(
        &self,
        accepted: proof::Accepted,
        now: u64,
    ) -> impl Future<Output = Result<(), DpopError>> + Send + 'static {
        let store = Arc::clone(&self.inner.store);
        async move { settled(store.claim(&accepted.replay_key, accepted.until, now).await) }
    }
}

/// What a replay store's answer means for the proof.
fn settled(claimed: Result<Claimed, StoreError>) -> Result<(), DpopError> {
    match claimed {
        Ok(Claimed::Fresh) => Ok(()),
        Ok(Claimed::Replayed) => Err(DpopError::Replayed),
        Err(cause) => Err(DpopError::Store(cause)),
    }
}
