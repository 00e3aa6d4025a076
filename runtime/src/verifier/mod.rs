//! The verifier: keys, validation settings, clock and cache for one claims type.

mod builder;
mod pipeline;

pub use builder::VerifierBuilder;

use core::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use crate::algorithm::Algorithm;
use crate::cache::{CacheStats, ClaimsCache};
use crate::claims::Claims;
use crate::claims::registered::Rules;
use crate::clock::Clock;
use crate::http::credentials::Credentials;
use crate::http::rejection::Rejection;
use crate::keys::Key;
use crate::keys::KeyError;
use crate::keys::set::{self, KeySet};
use crate::token::KnownHeaders;

/// Verifies tokens for the claims type `T`: its keys, its validation
/// settings (the struct's attributes, with start-up overrides), its clock
/// and its optional cache of verified claims.
///
/// Cheap to clone (one `Arc`). Put it in axum state; the extractor finds it
/// through `FromRef`, so an app with several claims types keeps one verifier
/// per type in its state struct. Nothing is global: two verifiers never
/// share keys or cached claims.
pub struct Verifier<T> {
    inner: Arc<Inner<T>>,
}

/// The cache and the way a cached value is copied out.
struct Cache<T> {
    claims: ClaimsCache<T>,
    clone: fn(&T) -> T,
}

struct Inner<T> {
    /// Read for the whole of a verification, including the cache insert, so
    /// that [`Verifier::replace_keys`] can never race a stale entry in.
    keys: RwLock<KeySet>,
    algorithms: &'static [Algorithm],
    /// The common header segments of those algorithms, recognised whole.
    known_headers: KnownHeaders,
    typ: Option<&'static str>,
    /// What the registered claims are judged by, built once.
    rules: Rules,
    max_token_bytes: usize,
    clock: Arc<dyn Clock>,
    cache: Option<Cache<T>>,
}

impl<T> Clone for Verifier<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for Verifier<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let keys = inner.keys.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Verifier")
            .field("claims", &core::any::type_name::<T>())
            .field("keys", &keys.keys().collect::<Vec<_>>())
            .field("algorithms", &inner.algorithms)
            .field("issuers", &inner.rules.issuers)
            .field("audiences", &inner.rules.audiences)
            .field("leeway", &inner.rules.leeway)
            .field("max_token_bytes", &inner.max_token_bytes)
            .field("cache", &inner.cache.as_ref().map(|c| c.claims.stats()))
            .finish_non_exhaustive()
    }
}

impl<T: Claims> Verifier<T> {
    /// A verifier with one key and the settings written on `T`.
    pub fn new(key: Key) -> Result<Self, KeyError> {
        Self::builder().key(key).build()
    }

    /// A builder, to add several keys or override settings at start-up.
    pub fn builder() -> VerifierBuilder<T> {
        VerifierBuilder::new()
    }

    /// Verifies and validates `token`, and returns its claims. With a
    /// cache, a hit returns a clone of the cached claims.
    pub fn verify(&self, token: &str) -> Result<T, Rejection> {
        self.verify_credentials(Credentials::Text(token))
    }

    /// [`verify`](Self::verify) for credentials as the extractor finds them.
    pub(crate) fn verify_credentials(&self, token: Credentials<'_>) -> Result<T, Rejection> {
        self.inner
            .verify_with(
                token,
                |cache, hit| (cache.clone)(hit),
                |cache, claims| {
                    if let Some(cache) = cache {
                        // The cache keeps its own copy; the caller owns `claims`.
                        let cached = Arc::new((cache.clone)(&claims));
                        return (claims, Some(cached));
                    }
                    (claims, None)
                },
            )
            .map_err(Rejection::new)
    }

    /// Like [`verify`](Self::verify), but the claims are shared with the
    /// cache rather than copied out of it: a hit costs a reference count,
    /// not a clone, and a miss wraps the fresh claims once for both. What
    /// the [`Shared`](crate::Shared) extractor calls.
    pub fn verify_shared(&self, token: &str) -> Result<Arc<T>, Rejection> {
        self.verify_credentials_shared(Credentials::Text(token))
    }

    /// [`verify_shared`](Self::verify_shared) for credentials as the
    /// extractor finds them.
    pub(crate) fn verify_credentials_shared(
        &self,
        token: Credentials<'_>,
    ) -> Result<Arc<T>, Rejection> {
        self.inner
            .verify_with(
                token,
                |_, hit| Arc::clone(hit),
                |cache, claims| {
                    let shared = Arc::new(claims);
                    let cached = cache.map(|_| Arc::clone(&shared));
                    (shared, cached)
                },
            )
            .map_err(Rejection::new)
    }

    /// Runs only the size gate, the header rules, key selection, the
    /// payload's encoding and the signature check: what test vectors whose
    /// payloads are not claims (Wycheproof, RFC 7515) are judged by. Not part
    /// of the stable API.
    #[doc(hidden)]
    pub fn verify_signature(&self, token: &str) -> Result<(), Rejection> {
        let inner = &*self.inner;
        let keys = inner.keys.read().unwrap_or_else(PoisonError::into_inner);
        inner
            .authenticated(token, &keys, |_| Ok(()))
            .map_err(Rejection::new)
    }

    /// Replaces the keys (say, after a key rotation) and empties the cache,
    /// so that no claims verified under the old keys are served again. The
    /// new keys are bound to the pinned algorithms first; on error nothing
    /// changes.
    pub fn replace_keys(&self, keys: impl IntoIterator<Item = Key>) -> Result<(), KeyError> {
        let bound = set::bind(keys.into_iter().collect(), self.inner.algorithms)?;
        let mut current = self
            .inner
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *current = bound;
        if let Some(cache) = &self.inner.cache {
            cache.claims.clear();
        }
        Ok(())
    }

    /// The cache's counters and occupancy, or `None` without a cache.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.inner.cache.as_ref().map(|c| c.claims.stats())
    }

    /// The most bytes this verifier's cache can hold (0 without a cache):
    /// its entry capacity times its largest entry, plus the fixed part it
    /// allocates once, unless a smaller byte budget was set.
    pub fn cache_max_bytes(&self) -> usize {
        self.inner
            .cache
            .as_ref()
            .map_or(0, |c| c.claims.max_bytes())
    }

    /// Empties the cache (the counters are kept).
    pub fn clear_cache(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.claims.clear();
        }
    }

    /// The current time by this verifier's clock.
    pub fn now(&self) -> u64 {
        self.inner.clock.now()
    }
}
