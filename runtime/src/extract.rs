//! The generic functions behind every derived extractor, the future they
//! return, and [`Shared`].

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use axum_core::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum_core::response::IntoResponse;
use http::request::Parts;

use crate::claims::Claims;
use crate::http::credentials::{Credentials, credentials};
use crate::http::rejection::Rejection;
use crate::reason::Reason;
#[cfg(feature = "remote")]
use crate::verifier::Failure;
use crate::verifier::Verifier;

/// The future an extractor returns: ready at once, unless the token names a
/// `kid` its issuer's key set lacks, when it waits for the shared refetch
/// (at most the fetch timeout). Not part of the stable API.
#[doc(hidden)]
#[must_use = "a future does nothing unless polled"]
pub struct Extract<O>(Stage<O>);

enum Stage<O> {
    Ready(Option<O>),
    #[cfg(feature = "remote")]
    Waiting(Pin<Box<dyn Future<Output = O> + Send>>),
}

// The output is moved out, never pinned in place, so the future can move
// whatever `O` is.
impl<O> Unpin for Extract<O> {}

impl<O> Extract<O> {
    fn ready(output: O) -> Self {
        Self(Stage::Ready(Some(output)))
    }
}

impl<O> Future for Extract<O> {
    type Output = O;

    #[cfg_attr(not(feature = "remote"), allow(unused_variables))]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        match &mut self.get_mut().0 {
            Stage::Ready(output) => match output.take() {
                Some(output) => Poll::Ready(output),
                // Polled again after it completed: a caller's bug; pending
                // forever rather than a panic.
                None => Poll::Pending,
            },
            #[cfg(feature = "remote")]
            Stage::Waiting(future) => future.as_mut().poll(cx),
        }
    }
}

/// How the pipeline is run for one extractor: claims copied out of the
/// cache, or shared with it.
type Attempt<T, O> = fn(&Verifier<T>, Credentials<'_>) -> Result<O, crate::verifier::Failure>;

/// The one extraction: finds the credentials, runs `attempt`, and hands
/// the verdict (`Ok(None)` without credentials) to `finish`.
fn extract<T, S, O, Out>(
    parts: &Parts,
    state: &S,
    attempt: Attempt<T, O>,
    finish: impl FnOnce(Result<Option<O>, Rejection>) -> Out + Send + 'static,
) -> Extract<Out>
where
    T: Claims,
    O: Send + 'static,
    Out: Send + 'static,
    Verifier<T>: FromRef<S>,
{
    let token = match credentials(parts, T::CONFIG.source) {
        Ok(Some(token)) => token,
        Ok(None) => return Extract::ready(finish(Ok(None))),
        Err(reason) => return Extract::ready(finish(Err(Rejection::new(reason)))),
    };
    let verifier = Verifier::<T>::from_ref(state);
    match attempt(&verifier, token) {
        Ok(claims) => Extract::ready(finish(Ok(Some(claims)))),
        #[cfg(feature = "remote")]
        Err(Failure::UnknownKid(source)) => {
            // The token was text, or its key could not have been looked up.
            let token = token.text().map(str::to_owned).unwrap_or_default();
            Extract(Stage::Waiting(Box::pin(async move {
                let again = || attempt(&verifier, Credentials::Text(&token));
                let verdict = verifier.after_refetch(&source, again).await;
                finish(verdict.map(Some))
            })))
        }
        Err(failure) => Extract::ready(finish(Err(failure.rejection()))),
    }
}

/// Extracts `T` from the request, `Ok(None)` when no credentials were
/// sent; a rejection is turned into the extractor's own with `convert`.
pub fn optional<T: Claims, S, E: Send + 'static>(
    parts: &Parts,
    state: &S,
    convert: fn(Rejection) -> E,
) -> Extract<Result<Option<T>, E>>
where
    Verifier<T>: FromRef<S>,
{
    extract(parts, state, Verifier::attempt, move |verdict| {
        verdict.map_err(convert)
    })
}

/// Extracts `T` from the request; no credentials is a rejection.
pub fn required<T: Claims, S, E: Send + 'static>(
    parts: &Parts,
    state: &S,
    convert: fn(Rejection) -> E,
) -> Extract<Result<T, E>>
where
    Verifier<T>: FromRef<S>,
{
    extract(parts, state, Verifier::attempt, move |verdict| {
        verdict
            .and_then(|claims| claims.ok_or(Rejection::new(Reason::Missing)))
            .map_err(convert)
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
        extract(parts, state, Verifier::attempt_shared, |verdict| {
            verdict
                .and_then(|claims| claims.ok_or(Rejection::new(Reason::Missing)))
                .map(Shared)
                .map_err(T::Rejection::from)
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
        extract(parts, state, Verifier::attempt_shared, |verdict| {
            verdict
                .map(|claims| claims.map(Shared))
                .map_err(T::Rejection::from)
        })
    }
}
