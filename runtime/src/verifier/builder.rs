//! Building a verifier: its keys, and start-up overrides of the settings
//! written on the claims type.

use std::sync::{Arc, RwLock};

use super::{Cache, Inner, Verifier};
use crate::cache::ClaimsCache;
use crate::claims::Claims;
use crate::claims::registered::Rules;
use crate::clock::{Clock, CoarseClock};
use crate::keys::Key;
use crate::keys::KeyError;
use crate::keys::set;
use crate::token::KnownHeaders;

pub(super) enum CacheChoice<T> {
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

impl<T> VerifierBuilder<T> {
    /// A builder with no keys and the settings written on `T`.
    pub(super) fn new() -> Self {
        Self {
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
        let keys = set::bind(self.keys, config.algorithms)?;
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
        let rules = Rules {
            issuers: owned(self.issuers, config.issuers),
            audiences: owned(self.audiences, config.audiences),
            leeway: self.leeway.unwrap_or(config.leeway),
            required: config.required,
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                keys: RwLock::new(keys),
                algorithms: config.algorithms,
                known_headers: KnownHeaders::new(config.algorithms),
                typ: config.typ,
                rules,
                max_token_bytes,
                clock: self.clock.unwrap_or_else(|| Arc::new(CoarseClock::new())),
                cache,
            }),
        })
    }
}
