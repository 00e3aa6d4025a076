//! The generic functions behind every derived extractor, the future they
//! return, and [`Shared`]; the one extraction they and the authorization
//! extractor and layer share, and the claims the layer hands on to them.

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use axum_core::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum_core::response::IntoResponse;
use http::Extensions;
use http::request::Parts;

use crate::claims::Claims;
use crate::http::credentials::{Credentials, credentials};
use crate::http::rejection::Rejection;
use crate::reason::Reason;
use crate::verifier::{Failure, Verifier};

#[cfg(feature = "dpop")]
mod dpop;

/// The future an extractor returns: ready at once, unless the token names a
/// `kid` its issuer's key set lacks, when it waits for the shared refetch
/// (at most the fetch timeout). Not part of the stable API.
#[doc(hidden)]
#[must_use = "a future does nothing unless polled"]
pub struct Extract<O>(Stage<O>);

enum Stage<O> {
    Ready(Option<O>),
    #[cfg(any(feature = "remote", feature = "dpop"))]
    Waiting(Pin<Box<dyn Future<Output = O> + Send>>),
}

// The output is moved out, never pinned in place, so the future can move
// whatever `O` is.
impl<O> Unpin for Extract<O> {}

impl<O> Extract<O> {
    fn ready(output: O) -> Self {
        Self(Stage::Ready(Some(output)))
    }

    /// The output, if it is ready without waiting; else the future.
    pub(crate) fn now(self) -> Result<O, Self> {
        match self.0 {
            Stage::Ready(Some(output)) => Ok(output),
            stage => Err(Self(stage)),
        }
    }
}

impl<O> Future for Extract<O> {
    type Output = O;

    #[cfg_attr(
        not(any(feature = "remote", feature = "dpop")),
        allow(unused_variables)
    )]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        match &mut self.get_mut().0 {
            Stage::Ready(output) => match output.take() {
                Some(output) => Poll::Ready(output),
                // Polled again after it completed: a caller's bug; pending
                // forever rather than a panic.
                None => Poll::Pending,
            },
            #[cfg(any(feature = "remote", feature = "dpop"))]
            Stage::Waiting(future) => future.as_mut().poll(cx),
        }
    }
}

/// How one extractor gets its claims: by running the pipeline (copying
/// them out of the cache, or sharing them with it), or by taking over what
/// the authorization layer verified for the same request.
pub(crate) struct Via<T, O> {
    attempt: fn(&Verifier<T>, Credentials<'_>) -> Result<O, Failure>,
    reuse: fn(&Verifier<T>, &mut Extensions) -> Option<O>,
}

impl<T: Claims> Via<T, T> {
    /// The claims themselves.
    pub(crate) const OWNED: Self = Self {
        attempt: Verifier::attempt,
        reuse: reuse_owned,
    };
}

impl<T: Claims> Via<T, Arc<T>> {
    /// The claims behind an `Arc`, shared with the cache.
    pub(crate) const SHARED: Self = Self {
        attempt: Verifier::attempt_shared,
        reuse: reuse_shared,
    };
}

impl<T: Claims> Via<T, Shared<T>> {
    /// The claims as [`Shared`].
    pub(crate) const SHARED: Self = Self {
        attempt: |verifier, token| verifier.attempt_shared(token).map(Shared),
        reuse: |verifier, extensions| reuse_shared(verifier, extensions).map(Shared),
    };
}

/// The claims the authorization layer ([`RequireLayer`](crate::authz::RequireLayer))
/// verified for a request, in its extensions, so that the handler's
/// extractors take them over instead of verifying the token again. Only
/// claimguard can make one, and only an extractor with the same verifier
/// takes it.
pub(crate) struct Verified<T> {
    claims: Arc<T>,
    verifier: usize,
}

// Extensions must be `Clone`; the claims are shared, not copied.
impl<T> Clone for Verified<T> {
    fn clone(&self) -> Self {
        Self {
            claims: Arc::clone(&self.claims),
            verifier: self.verifier,
        }
    }
}

impl<T: Claims> Verified<T> {
    /// The claims `verifier` verified.
    pub(crate) fn new(claims: Arc<T>, verifier: &Verifier<T>) -> Self {
        Self {
            claims,
            verifier: verifier.id(),
        }
    }
}

/// The claims of the layer, when it used `verifier`: a clone of them if the
/// verifier can copy claims out of its cache, else the claims themselves
/// when no one else holds them (without a cache, they are the layer's
/// only).
fn reuse_owned<T: Claims>(verifier: &Verifier<T>, extensions: &mut Extensions) -> Option<T> {
    let verified = extensions
        .get::<Verified<T>>()
        .filter(|v| v.verifier == verifier.id())?;
    if let Some(clone) = verifier.clone_fn() {
        return Some(clone(&verified.claims));
    }
    let verified = extensions.remove::<Verified<T>>()?;
    match Arc::try_unwrap(verified.claims) {
        Ok(claims) => Some(claims),
        Err(claims) => {
            // Shared with another extractor of this request: left for it.
            extensions.insert(Verified { claims, ..verified });
            None
        }
    }
}

/// The layer's claims, shared, when it used `verifier`.
fn reuse_shared<T: Claims>(verifier: &Verifier<T>, extensions: &mut Extensions) -> Option<Arc<T>> {
    extensions
        .get::<Verified<T>>()
        .filter(|v| v.verifier == verifier.id())
        .map(|v| Arc::clone(&v.claims))
}

/// What one extraction found.
pub(crate) enum Outcome<O> {
    /// Verified claims.
    Claims(O),
    /// No credentials: the `401` for an extractor that requires them.
    Anonymous(Rejection),
    /// The credentials were refused.
    Refused(Rejection),
}

impl<O> Outcome<O> {
    /// The claims, or the rejection; no credentials is one.
    pub(crate) fn required(self) -> Result<O, Rejection> {
        match self {
            Self::Claims(claims) => Ok(claims),
            Self::Anonymous(rejection) | Self::Refused(rejection) => Err(rejection),
        }
    }

    /// The claims, `None` without credentials, or the rejection.
    pub(crate) fn optional(self) -> Result<Option<O>, Rejection> {
        match self {
            Self::Claims(claims) => Ok(Some(claims)),
            Self::Anonymous(_) => Ok(None),
            Self::Refused(rejection) => Err(rejection),
        }
    }
}

/// What a verifier adds to every rejection it makes: the protected-resource
/// metadata URL, if it has one, and with DPoP its `DPoP` challenge (for the
/// scheme the request used).
#[derive(Clone, Copy)]
pub(crate) struct Stamp {
    metadata: Option<&'static str>,
    /// The `DPoP` challenge of a verifier with DPoP, for the refusals made
    /// after the extraction (a `403`).
    #[cfg(feature = "dpop")]
    dpop: Option<crate::dpop::Challenge>,
}

impl Stamp {
    fn new(metadata: Option<&'static str>) -> Self {
        Self {
            metadata,
            #[cfg(feature = "dpop")]
            dpop: None,
        }
    }

    /// The same stamp, adding `challenge` to the rejections it stamps.
    #[cfg(feature = "dpop")]
    pub(crate) fn with_dpop(self, challenge: crate::dpop::Challenge) -> Self {
        Self {
            dpop: Some(challenge),
            ..self
        }
    }

    /// `rejection`, naming the metadata (and with the `DPoP` challenge,
    /// unless it has its own).
    pub(crate) fn apply(self, rejection: Rejection) -> Rejection {
        #[cfg(feature = "dpop")]
        let rejection = match self.dpop {
            Some(challenge) => rejection.or_dpop(challenge),
            None => rejection,
        };
        match self.metadata {
            Some(url) => rejection.with_resource_metadata(url),
            None => rejection,
        }
    }
}

/// The one extraction: takes over the layer's claims or finds the
/// credentials and runs the pipeline, and hands the outcome (every
/// rejection stamped) to `finish`.
pub(crate) fn extract<T, S, O, Out>(
    parts: &mut Parts,
    state: &S,
    via: Via<T, O>,
    finish: impl FnOnce(Outcome<O>, Stamp) -> Out + Send + 'static,
) -> Extract<Out>
where
    T: Claims,
    O: Send + 'static,
    Out: Send + 'static,
    Verifier<T>: FromRef<S>,
{
    let verifier = Verifier::<T>::from_ref(state);
    let stamp = Stamp::new(verifier.resource_metadata_url());
    if let Some(claims) = (via.reuse)(&verifier, &mut parts.extensions) {
        // A later refusal (a `403`) is answered in the scheme the token
        // came with.
        #[cfg(feature = "dpop")]
        let stamp = match verifier.dpop() {
            Some(dpop) => stamp.with_dpop(dpop.challenge(dpop::sent_with_dpop(parts), None)),
            None => stamp,
        };
        return Extract::ready(finish(Outcome::Claims(claims), stamp));
    }
    #[cfg(feature = "dpop")]
    if let Some(dpop_verifier) = verifier.dpop().cloned() {
        return dpop::extract(parts, verifier, dpop_verifier, via, finish, stamp);
    }
    let refused = |rejection| Outcome::Refused(stamp.apply(rejection));
    let token = match credentials(parts, T::CONFIG.source) {
        Ok(Some(token)) => token,
        Ok(None) => {
            let missing = stamp.apply(Rejection::new(Reason::Missing));
            return Extract::ready(finish(Outcome::Anonymous(missing), stamp));
        }
        Err(reason) => return Extract::ready(finish(refused(Rejection::new(reason)), stamp)),
    };
    let attempt = via.attempt;
    match attempt(&verifier, token) {
        Ok(claims) => Extract::ready(finish(Outcome::Claims(claims), stamp)),
        #[cfg(feature = "remote")]
        Err(Failure::UnknownKid(source)) => {
            // The token was text, or its key could not have been looked up.
            let token = token.text().map(str::to_owned).unwrap_or_default();
            Extract(Stage::Waiting(Box::pin(async move {
                let again = || attempt(&verifier, Credentials::Text(&token));
                let outcome = match verifier.after_refetch(&source, again).await {
                    Ok(claims) => Outcome::Claims(claims),
                    Err(rejection) => Outcome::Refused(stamp.apply(rejection)),
                };
                finish(outcome, stamp)
            })))
        }
        Err(failure) => Extract::ready(finish(refused(failure.rejection()), stamp)),
    }
}

/// Extracts `T` from the request, `Ok(None)` when no credentials were
/// sent; a rejection is turned into the extractor's own with `convert`.
pub fn optional<T: Claims, S, E: Send + 'static>(
    parts: &mut Parts,
    state: &S,
    convert: fn(Rejection) -> E,
) -> Extract<Result<Option<T>, E>>
where
    Verifier<T>: FromRef<S>,
{
    extract(parts, state, Via::OWNED, move |outcome, _| {
        outcome.optional().map_err(convert)
    })
}

/// Extracts `T` from the request; no credentials is a rejection.
pub fn required<T: Claims, S, E: Send + 'static>(
    parts: &mut Parts,
    state: &S,
    convert: fn(Rejection) -> E,
) -> Extract<Result<T, E>>
where
    Verifier<T>: FromRef<S>,
{
    extract(parts, state, Via::OWNED, move |outcome, _| {
        outcome.required().map_err(convert)
    })
}

/// Claims shared with the verifier's cache instead of copied out of it: an
/// extractor for any claims type, which on a cache hit costs a reference
/// count where `T` itself costs a clone of every string in it. Without a
/// cache it is `T` behind an `Arc`. It rejects as `T` does (`rejection =
/// ...` included), and, like `T`, works as `Option<Shared<T>>`.
///
/// ```
/// use claimguard::{Claims, Shared};
///
/// #[derive(Claims, Clone)]
/// #[claims(algorithms = [HS256], cache(capacity = 10_000, ttl = 300))]
/// struct User {
///     #[claims(max_len = 64)]
///     sub: String,
/// }
///
/// async fn handler(user: Shared<User>) -> String {
///     format!("hello {}", user.sub)
/// }
/// # let _ = handler;
/// ```
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    /// The shared claims.
    pub fn into_arc(self) -> Arc<T> {
        self.0
    }
}

impl<T> core::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> AsRef<T> for Shared<T> {
    fn as_ref(&self) -> &T {
        &self.0
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shared").field(&*self.0).finish()
    }
}

impl<T, S> FromRequestParts<S> for Shared<T>
where
    T: Claims,
    T::Rejection: From<Rejection> + IntoResponse + Send + 'static,
    S: Send + Sync,
    Verifier<T>: FromRef<S>,
{
    type Rejection = T::Rejection;

    fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        extract(parts, state, Via::<T, Self>::SHARED, |outcome, _| {
            outcome.required().map_err(T::Rejection::from)
        })
    }
}

impl<T, S> OptionalFromRequestParts<S> for Shared<T>
where
    T: Claims,
    T::Rejection: From<Rejection> + IntoResponse + Send + 'static,
    S: Send + Sync,
    Verifier<T>: FromRef<S>,
{
    type Rejection = T::Rejection;

    fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Option<Self>, Self::Rejection>> + Send {
        extract(parts, state, Via::<T, Self>::SHARED, |outcome, _| {
            outcome.optional().map_err(T::Rejection::from)
        })
    }
}
