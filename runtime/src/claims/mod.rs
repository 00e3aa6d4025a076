//! Claims types: the [`Claims`] trait and the compile-time configuration a
//! `#[derive(Claims)]` writes down; the bounds on every field (`bounded`);
//! the registered claims and the pass that reads them (`registered`); and
//! the glue the derived code calls (`fields`, `tee`).

pub mod bounded;
pub(crate) mod fields;
pub(crate) mod registered;
mod tee;

use serde::Deserialize;

use crate::algorithm::Algorithm;
use bounded::Bounded;
use registered::{RegisteredClaim, RegisteredPass};

/// A claims type: a struct with `#[derive(Claims)]`.
///
/// The derive implements it; the associated [`Config`] holds what the
/// `#[claims(...)]` attributes say. Implementing it by hand is possible but
/// gives up the compile-time checks of the derive.
pub trait Claims: Bounded + for<'de> Deserialize<'de> + Send + Sync + 'static {
    /// The configuration written on the struct.
    const CONFIG: Config;

    /// What this type's extractors (and [`Shared<Self>`](crate::Shared)'s)
    /// reject a request with: `rejection = <type>` on the struct, else
    /// [`Rejection`](crate::Rejection). The extractors require it to be
    /// `From<Rejection> + IntoResponse + Send`; the bounds are left to them
    /// so that a type lacking one is reported once, where it was named.
    type Rejection;

    /// How a cached value is copied out for a request: `Clone::clone`, set
    /// by the derive when `cache(...)` is written (which is why a cached
    /// claims type must be `Clone`).
    #[doc(hidden)]
    const CLONE: Option<fn(&Self) -> Self> = None;

    /// Decodes a payload into the claims and, in the same pass, hands every
    /// registered claim to `pass`; `None` when the payload does not decode.
    /// The derive generates a single pass; this default reads the payload
    /// twice, registered claims first.
    #[doc(hidden)]
    fn decode_payload(payload: &str, pass: &mut RegisteredPass<'_>) -> Option<Self> {
        registered::registered(pass, payload).ok()?;
        serde_json::from_str(payload).ok()
    }

    /// The most bytes the cache written on the struct can hold: `capacity`
    /// entries, each a token of `max_token_bytes` plus the claims' worst-case
    /// size ([`Bounded::MAX_HEAP`] and the struct itself) plus the `Arc`'s
    /// counts, and the fixed part the cache allocates once (a slot, a share
    /// of the hash index and of the ghost queue per entry). Zero without
    /// `cache(...)`. A verifier built with
    /// other cache settings reports its own ceiling through
    /// [`Verifier::cache_max_bytes`](crate::Verifier::cache_max_bytes).
    const CACHE_MAX_BYTES: usize = match Self::CONFIG.cache {
        Some(cache) => crate::cache::ClaimsCache::<Self>::ceiling(
            cache.capacity,
            Self::CONFIG.max_token_bytes,
            bounded::add(size_of::<Self>(), Self::MAX_HEAP),
        ),
        None => 0,
    };
}

/// `cache(capacity = N, ttl = S)`: a bounded cache of verified claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    /// The most entries.
    pub capacity: usize,
    /// The most seconds an entry lives; it never outlives its token's `exp`.
    pub ttl: u64,
}

/// Where the extractor looks for the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `Authorization: Bearer <token>` (the default). The scheme is
    /// case-insensitive; another scheme counts as no credentials.
    Bearer,
    /// A cookie of this name.
    Cookie(&'static str),
    /// A header of this name whose whole value is the token.
    Header(&'static str),
}

/// The default `max_token_bytes`.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8192;

/// A claims type's configuration, as written in its `#[claims(...)]`
/// attributes. Issuers, audiences, leeway and the size cap can be overridden
/// when the [`Verifier`](crate::Verifier) is built; the algorithms cannot.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// `algorithms = [...]`: the only algorithms a token may use.
    pub algorithms: &'static [Algorithm],
    /// `issuer = "..."` or a list: accepted `iss` values; empty for any.
    pub issuers: &'static [&'static str],
    /// `audience = "..."` or a list: accepted `aud` values; empty for none.
    pub audiences: &'static [&'static str],
    /// `leeway = <seconds>` for `exp`, `nbf` and `iat`.
    pub leeway: u64,
    /// `max_token_bytes = <n>`: longer tokens are refused before decoding.
    pub max_token_bytes: usize,
    /// `source = ...`: where the token is read from.
    pub source: Source,
    /// `required = [...]`: registered claims that must be present.
    pub required: &'static [RegisteredClaim],
    /// `typ = "..."`: the `typ` header value a token must carry, if pinned.
    pub typ: Option<&'static str>,
    /// `cache(capacity = N, ttl = S)`: the verified-claims cache, if any.
    pub cache: Option<CacheConfig>,
}

impl Config {
    /// The defaults for everything but `algorithms`.
    pub const fn new(algorithms: &'static [Algorithm]) -> Self {
        Self {
            algorithms,
            issuers: &[],
            audiences: &[],
            leeway: 0,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            source: Source::Bearer,
            required: &[],
            typ: None,
            cache: None,
        }
    }
}
