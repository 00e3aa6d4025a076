//! Building a verifier: its keys, and start-up overrides of the settings
//! written on the claims type.

use std::sync::Arc;

use super::{Cache, Inner, Verifier};
use crate::authz::ProtectedResource;
use crate::cache::ClaimsCache;
use crate::claims::Claims;
use crate::claims::registered::Rules;
use crate::clock::{Clock, CoarseClock};
#[cfg(feature = "remote")]
use crate::clock::{Timer, TokioTimer};
use crate::keys::Key;
use crate::keys::KeyError;
#[cfg(feature = "remote")]
use crate::keys::remote::source::Context;
#[cfg(feature = "remote")]
use crate::keys::remote::task;
#[cfg(feature = "remote")]
use crate::keys::remote::{HttpClient, RemoteError, RemoteIssuer};
use crate::keys::ring::Keyring;
use crate::keys::set;
use crate::observe;
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
    protected: Option<ProtectedResource>,
    #[cfg(feature = "dpop")]
    dpop: Option<crate::dpop::DpopVerifier>,
    #[cfg(feature = "remote")]
    remote: Remote,
}

/// The remote issuers of a builder, and what they fetch with.
#[cfg(feature = "remote")]
#[derive(Default)]
struct Remote {
    issuers: Vec<RemoteIssuer>,
    client: Option<Arc<dyn HttpClient>>,
    timer: Option<Arc<dyn Timer>>,
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
            protected: None,
            #[cfg(feature = "dpop")]
            dpop: None,
            #[cfg(feature = "remote")]
            remote: Remote::default(),
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

    /// Publishes protected-resource metadata (RFC 9728) for this
    /// verifier: [`Verifier::resource_metadata`] is then the document (its
    /// `authorization_servers` the issuers the verifier accepts, unless
    /// set; its `bearer_methods_supported` `["header"]` for a bearer token,
    /// `[]` for a cookie or a header of its own), and every challenge the
    /// verifier's extractors send names it with `resource_metadata="..."`.
    /// Its URL is kept for the life of the process (so that a
    /// [`Rejection`](crate::Rejection) stays `Copy`): build such a verifier
    /// once, at start-up.
    pub fn protected_resource(mut self, resource: ProtectedResource) -> Self {
        self.protected = Some(resource);
        self
    }

    /// Accepts DPoP-bound access tokens (RFC 9449), each with a valid proof
    /// on every request (a cached token's too); whether plain bearer tokens
    /// are accepted besides is the DPoP verifier's
    /// [`mode`](crate::dpop::DpopBuilder::mode). See [`dpop`](crate::dpop).
    #[cfg(feature = "dpop")]
    pub fn dpop(mut self, dpop: crate::dpop::DpopVerifier) -> Self {
        self.dpop = Some(dpop);
        self
    }

    /// Turns off the cache that `cache(...)` on the struct asks for.
    pub fn no_cache(mut self) -> Self {
        self.cache = CacheChoice::Off;
        self
    }

    /// Adds an issuer whose keys are fetched from the network (OpenID
    /// Connect Discovery or a JWK set URL). Several issuers may be added:
    /// each has its own key set, chosen by the token's `iss`, so a key one
    /// issuer publishes never verifies a token naming another. The accepted
    /// issuers are then exactly these (each must be one that `issuer = ...`
    /// on the struct accepts, if it says any). Such a verifier is made with
    /// [`start`](Self::start), and takes no fixed keys.
    #[cfg(feature = "remote")]
    pub fn remote(mut self, issuer: RemoteIssuer) -> Self {
        self.remote.issuers.push(issuer);
        self
    }

    /// The HTTP client remote keys are fetched with, instead of the default
    /// (`remote::ReqwestClient`, with the `reqwest`
    /// feature).
    #[cfg(feature = "remote")]
    pub fn http_client(mut self, client: impl HttpClient) -> Self {
        self.remote.client = Some(Arc::new(client));
        self
    }

    /// What remote keys schedule their fetches, timeouts and cooldowns by,
    /// instead of tokio's clock: a [`ManualClock`](crate::ManualClock) in
    /// tests, so that they happen exactly when the test moves it.
    #[cfg(feature = "remote")]
    pub fn timer(mut self, timer: impl Timer) -> Self {
        self.remote.timer = Some(Arc::new(timer));
        self
    }

    /// Builds the verifier and starts one background task per remote
    /// issuer on the current tokio runtime, then waits for the first key
    /// set of every issuer not made [`lazy`](RemoteIssuer::lazy), at most
    /// its start timeout (10 s by default). The error names the issuer, the
    /// URL and the cause. Without remote issuers it is [`build`](Self::build).
    #[cfg(feature = "remote")]
    pub async fn start(mut self) -> Result<Verifier<T>, RemoteError> {
        let remote = core::mem::take(&mut self.remote);
        if remote.issuers.is_empty() {
            return self.build().map_err(RemoteError::Keys);
        }
        if !self.keys.is_empty() {
            return Err(RemoteError::Setting(
                "a verifier takes fixed keys or remote issuers, not both",
            ));
        }
        let accepted = self
            .issuers
            .take()
            .unwrap_or_else(|| T::CONFIG.issuers.iter().map(|s| (*s).to_owned()).collect());
        for (i, issuer) in remote.issuers.iter().enumerate() {
            issuer.check()?;
            let named = |what| RemoteError::Issuer {
                issuer: issuer.issuer().to_owned(),
                what,
            };
            if !accepted.is_empty() && !accepted.iter().any(|a| a == issuer.issuer()) {
                return Err(named("not among the issuers the claims type accepts"));
            }
            if remote.issuers[..i]
                .iter()
                .any(|o| o.issuer() == issuer.issuer())
            {
                return Err(named("added twice"));
            }
        }
        self.issuers = Some(
            remote
                .issuers
                .iter()
                .map(|i| i.issuer().to_owned())
                .collect(),
        );
        let client = match remote.client {
            Some(client) => client,
            None => default_client()?,
        };
        let timer = remote
            .timer
            .unwrap_or_else(|| Arc::new(TokioTimer::default()));
        let clock = self.clock_or_default();
        let context = Arc::new(Context {
            client,
            timer: Arc::clone(&timer),
            clock: Arc::clone(&clock),
            pinned: T::CONFIG.algorithms,
            claims: core::any::type_name::<T>(),
        });
        let since = timer.now_millis();
        let sources = remote
            .issuers
            .into_iter()
            .map(|issuer| task::start(issuer, Arc::clone(&context)))
            .collect::<Result<Box<[_]>, _>>()?;
        for source in sources.iter().filter(|s| s.eager()) {
            source.first_keys(since).await?;
        }
        self.clock = Some(clock);
        Ok(self.assemble(Keyring::Remote(sources)))
    }

    /// Binds every key to the algorithms `T` pins, and builds the verifier.
    /// A key that can verify none of them, two keys with one `kid`, or no key
    /// at all, is an error.
    pub fn build(mut self) -> Result<Verifier<T>, KeyError> {
        #[cfg(feature = "remote")]
        if !self.remote.issuers.is_empty() {
            return Err(KeyError::Remote);
        }
        let keys = set::bind(core::mem::take(&mut self.keys), T::CONFIG.algorithms)?;
        Ok(self.assemble(Keyring::fixed(keys)))
    }

    /// The clock set, or the default one.
    fn clock_or_default(&mut self) -> Arc<dyn Clock> {
        self.clock
            .take()
            .unwrap_or_else(|| Arc::new(CoarseClock::new()))
    }

    /// The verifier, with its keys.
    fn assemble(mut self, keys: Keyring) -> Verifier<T> {
        let config = T::CONFIG;
        let clock = self.clock_or_default();
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
            let claims = claims.labelled(core::any::type_name::<T>());
            Cache { claims, clone }
        });
        let rules = Rules {
            issuers: owned(self.issuers, config.issuers)
                .into_iter()
                .map(Arc::from)
                .collect(),
            audiences: owned(self.audiences, config.audiences)
                .into_iter()
                .map(Arc::from)
                .collect(),
            leeway: self.leeway.unwrap_or(config.leeway),
            required: config.required,
        };
        #[cfg(feature = "dpop")]
        let dpop = self.dpop.as_ref().map(|dpop| {
            let required = dpop.mode() == crate::dpop::DpopMode::Required;
            (dpop.algorithms(), required)
        });
        #[cfg(not(feature = "dpop"))]
        let dpop = None;
        let metadata =
            (self.protected).map(|resource| resource.publish(&rules.issuers, config.source, dpop));
        Verifier {
            inner: Arc::new(Inner {
                keys,
                algorithms: config.algorithms,
                known_headers: KnownHeaders::new(config.algorithms),
                typ: config.typ,
                rules,
                max_token_bytes,
                clock,
                cache,
                metadata,
                series: observe::Series::new(core::any::type_name::<T>()),
                #[cfg(feature = "dpop")]
                dpop: self.dpop,
            }),
        }
    }
}

/// The default HTTP client, with the `reqwest` feature.
#[cfg(feature = "remote")]
fn default_client() -> Result<Arc<dyn HttpClient>, RemoteError> {
    #[cfg(feature = "reqwest")]
    {
        let client =
            crate::keys::remote::ReqwestClient::new(crate::keys::remote::DEFAULT_CONNECT_TIMEOUT)
                .map_err(|e| RemoteError::Client(e.to_string()))?;
        Ok(Arc::new(client))
    }
    #[cfg(not(feature = "reqwest"))]
    Err(RemoteError::NoClient)
}
