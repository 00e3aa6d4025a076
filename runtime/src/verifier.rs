//! The verifier: keys, validation settings and clock for one claims type.

use core::fmt;
use core::marker::PhantomData;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::decode::{self, Rules};
use crate::key::{alg_bit, check_unique_kids};
use crate::{Algorithm, Claims, Key, KeyError, Reason, RegisteredClaim, Rejection};

/// Verifies tokens for the claims type `T`: its keys, its validation
/// settings (the struct's attributes, with start-up overrides) and its clock.
///
/// Cheap to clone (one `Arc`). Put it in axum state; the extractor finds it
/// through `FromRef`, so an app with several claims types keeps one verifier
/// per type in its state struct.
pub struct Verifier<T> {
    inner: Arc<Inner>,
    marker: PhantomData<fn() -> T>,
}

struct BoundKey {
    key: Key,
    /// The pinned algorithms this key may verify, one bit each.
    algorithms: u16,
}

struct Inner {
    keys: Box<[BoundKey]>,
    any_kid: bool,
    algorithms: &'static [Algorithm],
    typ: Option<&'static str>,
    required: &'static [RegisteredClaim],
    issuers: Box<[Box<str>]>,
    audiences: Box<[Box<str>]>,
    leeway: u64,
    max_token_bytes: usize,
    clock: Arc<dyn Clock>,
}

impl<T> Clone for Verifier<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            marker: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Verifier<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Verifier")
            .field("claims", &core::any::type_name::<T>())
            .field(
                "keys",
                &inner.keys.iter().map(|k| &k.key).collect::<Vec<_>>(),
            )
            .field("algorithms", &inner.algorithms)
            .field("issuers", &inner.issuers)
            .field("audiences", &inner.audiences)
            .field("leeway", &inner.leeway)
            .field("max_token_bytes", &inner.max_token_bytes)
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
        VerifierBuilder {
            keys: Vec::new(),
            issuers: None,
            audiences: None,
            leeway: None,
            max_token_bytes: None,
            clock: None,
            marker: PhantomData,
        }
    }

    /// Verifies and validates `token`, and returns its claims.
    pub fn verify(&self, token: &str) -> Result<T, Rejection> {
        self.verify_reason(token).map_err(Rejection::new)
    }

    fn verify_reason(&self, token: &str) -> Result<T, Reason> {
        let inner = &*self.inner;
        let segments = decode::split(token, inner.max_token_bytes)?;
        let header = decode::header(segments.header, inner.algorithms, inner.typ)?;
        let key = self.select_key(header.alg, header.kid.as_deref())?;
        crate::crypto::verify(
            &key.decoding,
            header.alg,
            segments.signing_input.as_bytes(),
            segments.signature,
        )?;
        let payload = decode::base64(segments.payload)?;
        let registered = decode::registered(&payload, &inner.issuers, &inner.audiences)?;
        decode::validate(
            &registered,
            &Rules {
                now: inner.clock.now(),
                leeway: inner.leeway,
                issuers: &inner.issuers,
                audiences: &inner.audiences,
                required: inner.required,
            },
        )?;
        serde_json::from_slice(&payload).map_err(|_| Reason::Claims)
    }

    /// The key for `alg` and `kid`. With named keys, a `kid` must name one;
    /// without a `kid`, exactly one key may fit `alg`, since trying several
    /// would multiply the cost of a forged token.
    fn select_key(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Key, Reason> {
        let bit = alg_bit(alg);
        let keys = &self.inner.keys;
        if let (Some(kid), true) = (kid, self.inner.any_kid) {
            return keys
                .iter()
                .find(|k| k.key.kid.as_deref() == Some(kid) && k.algorithms & bit != 0)
                .map(|k| &k.key)
                .ok_or(Reason::UnknownKey);
        }
        let mut fitting = keys.iter().filter(|k| k.algorithms & bit != 0);
        match (fitting.next(), fitting.next()) {
            (Some(only), None) => Ok(&only.key),
            _ => Err(Reason::UnknownKey),
        }
    }

    /// The current time by this verifier's clock.
    pub fn now(&self) -> u64 {
        self.inner.clock.now()
    }
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
    marker: PhantomData<fn() -> T>,
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

    /// Uses another clock (the system clock by default).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Binds every key to the algorithms `T` pins, and builds the verifier.
    /// A key that can verify none of them, two keys with one `kid`, or no key
    /// at all, is an error.
    pub fn build(self) -> Result<Verifier<T>, KeyError> {
        let config = T::CONFIG;
        if self.keys.is_empty() {
            return Err(KeyError::NoKeys);
        }
        check_unique_kids(&self.keys)?;
        let keys = self
            .keys
            .into_iter()
            .map(|key| {
                let algorithms = key.bind(config.algorithms)?;
                Ok(BoundKey { key, algorithms })
            })
            .collect::<Result<Box<[_]>, KeyError>>()?;
        let owned = |given: Option<Vec<String>>, default: &[&str]| -> Box<[Box<str>]> {
            match given {
                Some(list) => list.into_iter().map(String::into_boxed_str).collect(),
                None => default.iter().map(|s| Box::from(*s)).collect(),
            }
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                any_kid: keys.iter().any(|k| k.key.kid.is_some()),
                keys,
                algorithms: config.algorithms,
                typ: config.typ,
                required: config.required,
                issuers: owned(self.issuers, config.issuers),
                audiences: owned(self.audiences, config.audiences),
                leeway: self.leeway.unwrap_or(config.leeway),
                max_token_bytes: self.max_token_bytes.unwrap_or(config.max_token_bytes),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            }),
            marker: PhantomData,
        })
    }
}
