//! The verifier: keys, validation settings, clock and cache for one claims type.

use core::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use crate::cache::{CacheStats, ClaimsCache};
use crate::clock::{Clock, CoarseClock};
use crate::crypto::Prepared;
use crate::decode::{self, Date, RegisteredPass, Rules};
use crate::key::{alg_bit, check_unique_kids};
use crate::source::Credentials;
use crate::{Algorithm, Claims, Key, KeyError, Reason, RegisteredClaim, Rejection};

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

struct BoundKey {
    key: Key,
    /// The pinned algorithms this key may verify, one bit each.
    algorithms: u16,
    /// The key prepared for each of those algorithms.
    prepared: Box<[(Algorithm, Prepared)]>,
}

impl BoundKey {
    fn prepared(&self, alg: Algorithm) -> Result<&Prepared, Reason> {
        self.prepared
            .iter()
            .find(|(bound, _)| *bound == alg)
            .map(|(_, prepared)| prepared)
            .ok_or(Reason::UnknownKey)
    }
}

struct KeySet {
    keys: Box<[BoundKey]>,
    any_kid: bool,
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
    known_headers: decode::KnownHeaders,
    typ: Option<&'static str>,
    required: &'static [RegisteredClaim],
    issuers: Box<[Box<str>]>,
    audiences: Box<[Box<str>]>,
    leeway: u64,
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
            .field(
                "keys",
                &keys.keys.iter().map(|k| &k.key).collect::<Vec<_>>(),
            )
            .field("algorithms", &inner.algorithms)
            .field("issuers", &inner.issuers)
            .field("audiences", &inner.audiences)
            .field("leeway", &inner.leeway)
            .field("max_token_bytes", &inner.max_token_bytes)
            .field("cache", &inner.cache.as_ref().map(|c| c.claims.stats()))
            .finish_non_exhaustive()
    }
}

/// Binds every key to the pinned algorithms, refusing an empty or ambiguous set.
fn bind(keys: Vec<Key>, pinned: &'static [Algorithm]) -> Result<KeySet, KeyError> {
    if keys.is_empty() {
        return Err(KeyError::NoKeys);
    }
    check_unique_kids(&keys)?;
    let keys = keys
        .into_iter()
        .map(|key| {
            let algorithms = key.bind(pinned)?;
            let prepared = pinned
                .iter()
                .filter(|alg| algorithms & alg_bit(**alg) != 0)
                .map(|&alg| Ok((alg, Prepared::new(&key.material, alg)?)))
                .collect::<Result<Box<[_]>, KeyError>>()?;
            Ok(BoundKey {
                key,
                algorithms,
                prepared,
            })
        })
        .collect::<Result<Box<[_]>, KeyError>>()?;
    Ok(KeySet {
        any_kid: keys.iter().any(|k| k.key.kid.is_some()),
        keys,
    })
}

impl KeySet {
    /// The key for `alg` and `kid`. With named keys, a `kid` must name one;
    /// without a `kid`, exactly one key may fit `alg`, since trying several
    /// would multiply the cost of a forged token.
    fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&BoundKey, Reason> {
        let bit = alg_bit(alg);
        if let (Some(kid), true) = (kid, self.any_kid) {
            return self
                .keys
                .iter()
                .find(|k| k.key.kid.as_deref() == Some(kid) && k.algorithms & bit != 0)
                .ok_or(Reason::UnknownKey);
        }
        let mut fitting = self.keys.iter().filter(|k| k.algorithms & bit != 0);
        match (fitting.next(), fitting.next()) {
            (Some(only), None) => Ok(only),
            _ => Err(Reason::UnknownKey),
        }
    }
}

impl<T: Claims> Verifier<T> {
    /// A verifier with one key and the settings written on `T`.
    pub fn new(key: Key) -> Result<Self, KeyError> {
        Self::builder().key(key).build()
    }

    /// A builder, to add several keys or override settings at start-up.
    pub fn builder() -> VerifierBuilder<T> {
        VerifierBuilder {
            keys: Vec::new(),
            issuers: None,
            audiences: None,
            leeway: None,
            max_token_bytes: None,
            clock: None,
            cache: CacheChoice::FromStruct,
            cache_seed: None,
        }
    }

    /// Verifies and validates `token`, and returns its claims. With a
    /// cache, a hit returns a clone of the cached claims.
    pub fn verify(&self, token: &str) -> Result<T, Rejection> {
        self.verify_credentials(Credentials::Text(token))
    }

    /// [`verify`](Self::verify) for credentials as the extractor finds them.
    pub(crate) fn verify_credentials(&self, token: Credentials<'_>) -> Result<T, Rejection> {
        self.verify_with(
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
        self.verify_with(
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

    /// The verification pipeline, with what to return on a cache hit and
    /// how to turn fresh claims into the result and, with a cache, the value
    /// to cache.
    fn verify_with<R>(
        &self,
        credentials: Credentials<'_>,
        hit: impl FnOnce(&Cache<T>, &Arc<T>) -> R,
        fresh: impl FnOnce(Option<&Cache<T>>, T) -> (R, Option<Arc<T>>),
    ) -> Result<R, Reason> {
        let inner = &*self.inner;
        let now = inner.clock.now();
        let keys = inner.keys.read().unwrap_or_else(PoisonError::into_inner);
        // The cache is keyed by the whole token, compared byte for byte, so a
        // hit is a token that passed every check below when it was cached:
        // neither the request's header nor the token's shape need be checked
        // again.
        let bytes = credentials.bytes();
        if let Some(cache) = &inner.cache
            && bytes.len() <= inner.max_token_bytes
            && let Some(cached) = cache.claims.get(bytes, now)
        {
            return Ok(hit(cache, &cached));
        }
        let token = credentials.text()?;
        let segments = decode::split(token, inner.max_token_bytes)?;
        let prepared = Self::check_header(inner, &segments, &keys)?;
        let rules = Rules {
            now,
            leeway: inner.leeway,
            issuers: &inner.issuers,
            audiences: &inner.audiences,
            required: inner.required,
        };
        // The payload's encoding is checked before the signature (the
        // header's was, with the header): a token with a character outside
        // the alphabet in either is refused as malformed without a signature
        // check. The payload's contents are read only once the signature
        // holds.
        let authenticate =
            || prepared.verify(segments.signing_input.as_bytes(), segments.signature);
        let (claims, exp) = decode::with_payload(segments.payload, authenticate, |bytes| {
            let payload = decode::payload_text(bytes)?;
            // One pass reads the claims and the registered claims together.
            let mut pass = RegisteredPass::new(&inner.issuers, &inner.audiences);
            let Some(claims) = T::decode_payload(payload, &mut pass) else {
                // The pass stopped at the first error, perhaps before a
                // registered claim that decides a more specific reason (an
                // expired token whose other claims are also wrong is reported
                // as expired): the registered claims alone are read again.
                let mut pass = RegisteredPass::new(&inner.issuers, &inner.audiences);
                decode::registered(&mut pass, payload)?;
                decode::validate(&pass.found, &rules)?;
                return Err(Reason::Claims);
            };
            decode::validate(&pass.found, &rules)?;
            Ok((claims, pass.found.exp))
        })?;
        // Only fully validated claims go in, and never past `exp` itself (the
        // leeway is for clock skew at validation, not for keeping).
        let cache = inner.cache.as_ref().filter(|_| matches!(exp, Date::At(_)));
        let (result, cached) = fresh(cache, claims);
        if let (Some(cache), Some(cached), Date::At(exp)) = (cache, cached, exp) {
            cache.claims.insert(token, cached, exp, now);
        }
        drop(keys);
        Ok(result)
    }

    /// The header stage: algorithm, header rules and key selection; the key
    /// prepared for the token's algorithm.
    fn check_header<'k>(
        inner: &Inner<T>,
        segments: &decode::Segments<'_>,
        keys: &'k KeySet,
    ) -> Result<&'k Prepared, Reason> {
        let (alg, bound) = decode::header(
            segments.header,
            &inner.known_headers,
            inner.algorithms,
            inner.typ,
            |alg, kid| keys.select(alg, kid),
        )?;
        bound.prepared(alg)
    }

    /// Runs only the size gate, the header rules, key selection and the
    /// signature check: what test vectors whose payloads are not claims
    /// (Wycheproof, RFC 7515) are judged by. Not part of the stable API.
    #[doc(hidden)]
    pub fn verify_signature(&self, token: &str) -> Result<(), Rejection> {
        let segments = decode::split(token, self.inner.max_token_bytes).map_err(Rejection::new)?;
        let keys = self
            .inner
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let prepared = Self::check_header(&self.inner, &segments, &keys).map_err(Rejection::new)?;
        // In the order of the full path: the payload's encoding, then the
        // signature.
        if !decode::is_base64url(segments.payload) {
            return Err(Rejection::new(Reason::Malformed));
        }
        prepared
            .verify(segments.signing_input.as_bytes(), segments.signature)
            .map_err(Rejection::new)
    }

    /// Replaces the keys (say, after a key rotation) and empties the cache,
    /// so that no claims verified under the old keys are served again. The
    /// new keys are bound to the pinned algorithms first; on error nothing
    /// changes.
    pub fn replace_keys(&self, keys: impl IntoIterator<Item = Key>) -> Result<(), KeyError> {
        let bound = bind(keys.into_iter().collect(), self.inner.algorithms)?;
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

enum CacheChoice<T> {
    /// What `cache(...)` on the struct says.
    FromStruct,
    /// No cache, whatever the struct says.
    Off,
    /// A cache set at start-up.
    On {
        capacity: usize,
        ttl: u64,
        max_bytes: Option<usize>,
        clone: fn(&T) -> T,
    },
}

/// Builds a [`Verifier`]: keys, and start-up overrides of the settings
/// written on the claims type.
#[must_use]
pub struct VerifierBuilder<T> {
    keys: Vec<Key>,
    issuers: Option<Vec<String>>,
    audiences: Option<Vec<String>>,
    leeway: Option<u64>,
    max_token_bytes: Option<usize>,
    clock: Option<Arc<dyn Clock>>,
    cache: CacheChoice<T>,
    cache_seed: Option<u64>,
}

impl<T: Claims + Clone> VerifierBuilder<T> {
    /// Caches up to `capacity` verified claims for at most `ttl` seconds each
    /// (never past the token's `exp`), replacing `cache(...)` on the struct.
    /// The byte ceiling is `capacity` times the largest entry, plus the
    /// cache's fixed part ([`Verifier::cache_max_bytes`] tells it).
    pub fn cache(mut self, capacity: usize, ttl: u64) -> Self {
        self.cache = CacheChoice::On {
            capacity,
            ttl,
            max_bytes: None,
            clone: T::clone,
        };
        self
    }

    /// Like [`cache`](Self::cache), with a byte budget below the computed
    /// ceiling; the smaller of the two is the bound. The budget covers the
    /// whole cache: its fixed part is paid for first, the entries share what
    /// is left.
    pub fn cache_with_max_bytes(mut self, capacity: usize, ttl: u64, max_bytes: usize) -> Self {
        self.cache = CacheChoice::On {
            capacity,
            ttl,
            max_bytes: Some(max_bytes),
            clone: T::clone,
        };
        self
    }
}

impl<T: Claims> VerifierBuilder<T> {
    /// Adds a key.
    pub fn key(mut self, key: Key) -> Self {
        self.keys.push(key);
        self
    }

    /// Adds several keys, such as those of [`Key::set_from_jwks`].
    pub fn keys(mut self, keys: impl IntoIterator<Item = Key>) -> Self {
        self.keys.extend(keys);
        self
    }

    /// Replaces the accepted issuers (`issuer = ...` on the struct).
    pub fn issuers<I: Into<String>>(mut self, issuers: impl IntoIterator<Item = I>) -> Self {
        self.issuers = Some(issuers.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the accepted audiences (`audience = ...` on the struct).
    pub fn audiences<I: Into<String>>(mut self, audiences: impl IntoIterator<Item = I>) -> Self {
        self.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the leeway in seconds (`leeway = ...` on the struct).
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = Some(seconds);
        self
    }

    /// Replaces the token size cap (`max_token_bytes = ...` on the struct).
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = Some(bytes);
        self
    }

    /// Uses another clock (a [`CoarseClock`](crate::CoarseClock) by default).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Seeds the cache's hasher with `seed` instead of at random, so that
    /// which tokens share a shard, and so what is evicted, repeats from run
    /// to run: for tests. A known seed lets whoever knows it predict where a
    /// token lands, so leave it random in production (only verified tokens
    /// are ever cached, and tokens are compared in full, so it cannot make
    /// the cache return wrong claims).
    #[doc(hidden)]
    pub fn cache_seed(mut self, seed: u64) -> Self {
        self.cache_seed = Some(seed);
        self
    }

    /// Turns off the cache that `cache(...)` on the struct asks for.
    pub fn no_cache(mut self) -> Self {
        self.cache = CacheChoice::Off;
        self
    }

    /// Binds every key to the algorithms `T` pins, and builds the verifier.
    /// A key that can verify none of them, two keys with one `kid`, or no key
    /// at all, is an error.
    pub fn build(self) -> Result<Verifier<T>, KeyError> {
        let config = T::CONFIG;
        let keys = bind(self.keys, config.algorithms)?;
        let owned = |given: Option<Vec<String>>, default: &[&str]| -> Box<[Box<str>]> {
            match given {
                Some(list) => list.into_iter().map(String::into_boxed_str).collect(),
                None => default.iter().map(|s| Box::from(*s)).collect(),
            }
        };
        let max_token_bytes = self.max_token_bytes.unwrap_or(config.max_token_bytes);
        let cache = match self.cache {
            CacheChoice::Off => None,
            CacheChoice::FromStruct => match (config.cache, T::CLONE) {
                (Some(c), Some(clone)) => Some((c.capacity, c.ttl, None, clone)),
                _ => None,
            },
            CacheChoice::On {
                capacity,
                ttl,
                max_bytes,
                clone,
            } => Some((capacity, ttl, max_bytes, clone)),
        };
        let cache = cache.map(|(capacity, ttl, budget, clone)| {
            let value_bytes = size_of::<T>().saturating_add(T::MAX_HEAP);
            let claims = match self.cache_seed {
                Some(seed) => ClaimsCache::with_seed(
                    capacity,
                    max_token_bytes,
                    value_bytes,
                    budget,
                    ttl,
                    seed,
                ),
                None => ClaimsCache::new(capacity, max_token_bytes, value_bytes, budget, ttl),
            };
            Cache { claims, clone }
        });
        Ok(Verifier {
            inner: Arc::new(Inner {
                keys: RwLock::new(keys),
                algorithms: config.algorithms,
                known_headers: decode::KnownHeaders::new(config.algorithms),
                typ: config.typ,
                required: config.required,
                issuers: owned(self.issuers, config.issuers),
                audiences: owned(self.audiences, config.audiences),
                leeway: self.leeway.unwrap_or(config.leeway),
                max_token_bytes,
                clock: self.clock.unwrap_or_else(|| Arc::new(CoarseClock::new())),
                cache,
            }),
        })
    }
}
