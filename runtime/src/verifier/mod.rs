//! The verifier: keys, validation settings, clock and cache for one claims type.

mod builder;
mod pipeline;

pub use builder::VerifierBuilder;
pub(crate) use pipeline::Failure;

use core::fmt;
use std::sync::Arc;

use crate::algorithm::Algorithm;
use crate::authz::ResourceMetadata;
use crate::cache::{CacheStats, ClaimsCache};
use crate::claims::Claims;
use crate::claims::registered::Rules;
use crate::clock::Clock;
use crate::http::credentials::Credentials;
use crate::http::rejection::Rejection;
use crate::keys::Key;
use crate::keys::KeyError;
#[cfg(feature = "remote")]
use crate::keys::remote::IssuerStatus;
#[cfg(feature = "remote")]
use crate::keys::remote::source::RemoteKeys;
use crate::keys::ring::Keyring;
use crate::keys::set;
use crate::observe::{self, Seen};
#[cfg(feature = "remote")]
use crate::reason::Reason;
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
    /// The keys, each with a life that the cache keeps beside what it
    /// verified: a key withdrawn by [`Verifier::replace_keys`] or by a
    /// refresh makes its entries unreachable, even one inserted after the
    /// withdrawal by a verification that began before it.
    keys: Keyring,
    algorithms: &'static [Algorithm],
    /// The common header segments of those algorithms, recognised whole.
    known_headers: KnownHeaders,
    typ: Option<&'static str>,
    /// What the registered claims are judged by, built once.
    rules: Rules,
    max_token_bytes: usize,
    clock: Arc<dyn Clock>,
    cache: Option<Cache<T>>,
    /// The protected-resource metadata (RFC 9728), if published.
    metadata: Option<ResourceMetadata>,
    /// What its verifications are counted on.
    series: observe::Series,
    /// DPoP proofs (RFC 9449), if tokens may be sender-constrained.
    #[cfg(feature = "dpop")]
    dpop: Option<crate::dpop::DpopVerifier>,
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
        f.debug_struct("Verifier")
            .field("claims", &core::any::type_name::<T>())
            .field("keys", &inner.keys)
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
    ///
    /// With remote keys, a token naming a `kid` its issuer's key set lacks
    /// is refused at once, and asks for a refetch (within the cooldown) that
    /// a later request will benefit from; [`verify_async`](Self::verify_async)
    /// and the extractors wait for that refetch instead.
    ///
    /// With DPoP, `token` is judged as a bearer token: one bound to a DPoP
    /// key is refused (the extractors check its proof).
    pub fn verify(&self, token: &str) -> Result<T, Rejection> {
        self.attempt(Credentials::Text(token))
            .map_err(|failure| self.refuse(failure))
            .and_then(|claims| self.as_bearer(token).map(|()| claims))
    }

    /// Refuses a DPoP-bound token presented without a proof, and with
    /// [`DpopMode::Required`](crate::dpop::DpopMode::Required) any token;
    /// nothing without DPoP.
    #[cfg_attr(not(feature = "dpop"), allow(clippy::unused_self, unused_variables))]
    fn as_bearer(&self, token: &str) -> Result<(), Rejection> {
        #[cfg(feature = "dpop")]
        if let Some(dpop) = &self.inner.dpop {
            // Counted here rather than by the pipeline, once the binding is
            // judged.
            return match dpop.as_bearer(token.as_bytes()) {
                Ok(()) => {
                    observe::accepted(&self.inner.series);
                    Ok(())
                }
                Err(reason) => {
                    observe::refused(&self.inner.series, reason, &Seen::default());
                    Err(self.stamp(Rejection::new(reason)))
                }
            };
        }
        Ok(())
    }

    /// The DPoP verifier, if tokens may be sender-constrained.
    #[cfg(feature = "dpop")]
    pub fn dpop(&self) -> Option<&crate::dpop::DpopVerifier> {
        self.inner.dpop.as_ref()
    }

    /// The leeway on the registered claims, in seconds.
    #[cfg(feature = "dpop")]
    pub(crate) fn leeway(&self) -> u64 {
        self.inner.rules.leeway
    }

    /// Like [`verify`](Self::verify), but a token naming a `kid` its
    /// issuer's key set lacks waits (at most the fetch timeout) for one
    /// refetch shared with every other such request, then is judged again.
    /// Without remote keys it is `verify`.
    pub async fn verify_async(&self, token: &str) -> Result<T, Rejection> {
        match self.attempt(Credentials::Text(token)) {
            #[cfg(feature = "remote")]
            Err(Failure::UnknownKid(source)) => self
                .after_refetch(&source, || self.attempt(Credentials::Text(token)))
                .await
                .map_err(|rejection| self.stamp(rejection)),
            verdict => verdict.map_err(|failure| self.stamp(failure.rejection())),
        }
        .and_then(|claims| self.as_bearer(token).map(|()| claims))
    }

    /// The pipeline, copying claims out of the cache.
    pub(crate) fn attempt(&self, token: Credentials<'_>) -> Result<T, Failure> {
        self.inner.verify_with(
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
    }

    /// Like [`verify`](Self::verify), but the claims are shared with the
    /// cache rather than copied out of it: a hit costs a reference count,
    /// not a clone, and a miss wraps the fresh claims once for both. What
    /// the [`Shared`](crate::Shared) extractor calls.
    pub fn verify_shared(&self, token: &str) -> Result<Arc<T>, Rejection> {
        self.attempt_shared(Credentials::Text(token))
            .map_err(|failure| self.refuse(failure))
            .and_then(|claims| self.as_bearer(token).map(|()| claims))
    }

    /// The pipeline, sharing claims with the cache.
    pub(crate) fn attempt_shared(&self, token: Credentials<'_>) -> Result<Arc<T>, Failure> {
        self.inner.verify_with(
            token,
            |_, hit| Arc::clone(hit),
            |cache, claims| {
                let shared = Arc::new(claims);
                let cached = cache.map(|_| Arc::clone(&shared));
                (shared, cached)
            },
        )
    }

    /// [`settle`](Self::settle)d and [`stamp`](Self::stamp)ed.
    fn refuse(&self, failure: Failure) -> Rejection {
        self.stamp(self.settle(failure))
    }

    /// `rejection`, naming this verifier's protected-resource metadata if
    /// it publishes any.
    fn stamp(&self, rejection: Rejection) -> Rejection {
        match self.resource_metadata_url() {
            Some(url) => rejection.with_resource_metadata(url),
            None => rejection,
        }
    }

    /// The rejection for `failure` when nothing will wait for a refetch:
    /// an unknown `kid` still asks for one, for the requests after it.
    fn settle(&self, failure: Failure) -> Rejection {
        #[cfg(feature = "remote")]
        if let Failure::UnknownKid(source) = &failure {
            let _ = source.ask_for_kid();
            let unknown = Failure::Refused(Reason::UnknownKey);
            unknown.report(&self.inner.series, &Seen::default());
        }
        failure.rejection()
    }

    /// Asks `source` for a refetch for a token with an unknown `kid`, waits
    /// for it (at most the fetch timeout; not at all inside the cooldown),
    /// and judges the token `again`; a second miss is refused.
    #[cfg(feature = "remote")]
    pub(crate) async fn after_refetch<R>(
        &self,
        source: &RemoteKeys,
        again: impl FnOnce() -> Result<R, Failure>,
    ) -> Result<R, Rejection> {
        let fetched = match source.ask_for_kid() {
            Some(wanted) => source.wait_for(wanted).await,
            None => false,
        };
        if !fetched {
            let unknown = Failure::Refused(Reason::UnknownKey);
            unknown.report(&self.inner.series, &Seen::default());
            return Err(unknown.rejection());
        }
        again().map_err(|failure| {
            // A second miss was not reported by the pipeline.
            if matches!(failure, Failure::UnknownKid(_)) {
                observe::refused(&self.inner.series, Reason::UnknownKey, &Seen::default());
            }
            failure.rejection()
        })
    }

    /// Runs only the size gate, the header rules, key selection, the
    /// payload's encoding and the signature check: what test vectors whose
    /// payloads are not claims (Wycheproof, RFC 7515) are judged by. Not part
    /// of the stable API.
    #[doc(hidden)]
    pub fn verify_signature(&self, token: &str) -> Result<(), Rejection> {
        let inner = &*self.inner;
        inner
            .authenticated(
                token,
                inner.clock.now(),
                &mut Seen::default(),
                |_, _| Ok(()),
            )
            .map(|((), _)| ())
            .map_err(|failure| self.refuse(failure))
    }

    /// Replaces the keys (say, after a key rotation). Claims cached under a
    /// key that the new set no longer holds (same `kid`, same material, same
    /// restriction) are never served again; those of the keys it keeps stay
    /// cached. The new keys are bound to the pinned algorithms first; on
    /// error nothing changes. A verifier with remote keys refuses
    /// ([`KeyError::Remote`]): its issuers replace their keys themselves.
    pub fn replace_keys(&self, keys: impl IntoIterator<Item = Key>) -> Result<(), KeyError> {
        let bound = set::bind(keys.into_iter().collect(), self.inner.algorithms)?;
        if self.inner.keys.replace(bound) {
            Ok(())
        } else {
            Err(KeyError::Remote)
        }
    }

    /// The state of every remote issuer's keys, in the order they were
    /// added (empty without remote keys).
    #[cfg(feature = "remote")]
    pub fn key_status(&self) -> Vec<IssuerStatus> {
        self.inner
            .keys
            .remote()
            .iter()
            .map(|r| r.status())
            .collect()
    }

    /// Whether every remote issuer's keys can verify tokens (fresh, or
    /// stale within `max_stale`): what a readiness probe answers. Always
    /// true without remote keys.
    #[cfg(feature = "remote")]
    pub fn keys_ready(&self) -> bool {
        self.key_status().iter().all(|s| s.state.is_usable())
    }

    /// Waits until every remote issuer has a key set, each at most its
    /// start timeout from now (10 s by default): what
    /// [`start`](VerifierBuilder::start) does for issuers that are not
    /// [`lazy`](crate::remote::RemoteIssuer::lazy), for an application that
    /// started lazily and wants to wait later. The error names the issuer,
    /// the URL and the cause.
    #[cfg(feature = "remote")]
    pub fn wait_for_keys(
        &self,
    ) -> impl Future<Output = Result<(), crate::remote::RemoteError>> + Send + 'static {
        // The deadlines run from the call, not from the first poll.
        let remote = self.inner.keys.remote().to_vec();
        let since = remote.first().map(|first| first.now_millis());
        async move {
            for source in &remote {
                source.first_keys(since.unwrap_or_default()).await?;
            }
            Ok(())
        }
    }

    /// Fetches every remote issuer's keys now, whatever their schedule and
    /// cooldown, and returns their state once each fetch has completed
    /// (each is bounded by the fetch timeout).
    #[cfg(feature = "remote")]
    pub async fn reload_keys(&self) -> Vec<IssuerStatus> {
        let mut status = Vec::new();
        for remote in self.inner.keys.remote() {
            status.push(remote.reload().await);
        }
        status
    }

    /// Resolves once `issuer`'s task has completed `count` fetches in all
    /// (successful or not; at once for an issuer the verifier does not
    /// have): for tests that move a manual timer and wait for the refresh
    /// it causes.
    #[cfg(feature = "remote")]
    #[doc(hidden)]
    pub async fn fetches_completed(&self, issuer: &str, count: u64) {
        let Some(remote) = self
            .inner
            .keys
            .remote()
            .iter()
            .find(|r| &*r.issuer[0] == issuer)
        else {
            return;
        };
        let mut watch = remote.task_watch();
        let _ = watch.wait_for(|&done| done >= count).await;
    }

    /// Resolves once every remote issuer's background task has ended, which
    /// happens once the last clone of this verifier (and of every other
    /// handle on its keys) is dropped: for tests.
    #[cfg(feature = "remote")]
    #[doc(hidden)]
    pub fn tasks_ended(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut watches: Vec<_> = self
            .inner
            .keys
            .remote()
            .iter()
            .map(|remote| remote.task_watch())
            .collect();
        async move {
            for watch in &mut watches {
                while watch.changed().await.is_ok() {}
            }
        }
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

    /// The protected-resource metadata (RFC 9728) this verifier publishes,
    /// if it was built with
    /// [`protected_resource`](VerifierBuilder::protected_resource): mount
    /// it at its [`path`](ResourceMetadata::path).
    pub fn resource_metadata(&self) -> Option<ResourceMetadata> {
        self.inner.metadata.clone()
    }

    /// What its verifications are counted on.
    #[cfg_attr(not(feature = "dpop"), allow(dead_code))]
    pub(crate) fn series(&self) -> &observe::Series {
        &self.inner.series
    }

    /// The metadata URL every challenge names, if any.
    pub(crate) fn resource_metadata_url(&self) -> Option<&'static str> {
        self.inner.metadata.as_ref().map(ResourceMetadata::url)
    }

    /// Which verifier this is (clones are the same one), so that claims it
    /// verified are taken over only by extractors that use it too.
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.inner).cast::<()>().addr()
    }

    /// How claims are copied out of this verifier's cache, if it has one.
    pub(crate) fn clone_fn(&self) -> Option<fn(&T) -> T> {
        self.inner.cache.as_ref().map(|cache| cache.clone)
    }
}
