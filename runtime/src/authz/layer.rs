//! [`RequireLayer`]: a requirement for a group of routes, as a `tower`
//! layer (axum's `Router::route_layer`). It verifies the token, judges the
//! requirement, and hands the verified claims on to the handler's
//! extractors in the request's extensions, so that they are not verified or
//! decoded again.

use core::fmt;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use axum_core::response::{IntoResponse, Response};
use http::Request;
use http::request::Parts;
use tower_layer::Layer;
use tower_service::Service;

use super::authorized::judge;
use super::requirement::Requirement;
use crate::claims::Claims;
use crate::extract::{Outcome, Stamp, Verified, Via, extract};
use crate::http::rejection::Rejection;
use crate::verifier::Verifier;

/// Requires `R` of every request to the routes it wraps, with claims of
/// type `T` verified by its verifier: a `tower` layer for axum's
/// [`Router::route_layer`](https://docs.rs/axum/0.8/axum/struct.Router.html#method.route_layer).
/// Made by [`Verifier::require`].
///
/// A request without credentials gets the bare `401`, a bad token its `401`,
/// a valid token that does not meet `R` the `403` (in `T`'s rejection type,
/// `rejection = ...` included); the others reach the route, with the
/// verified claims in the request's extensions. The handler's extractors
/// for `T`, [`Shared<T>`](crate::Shared) and
/// [`Authorized<T, _>`](crate::Authorized) with the same verifier take them
/// from there instead of verifying the token again (`T` is a copy when the
/// verifier has a cache, else the claims themselves, moved out for the
/// first extractor that takes `T`).
///
/// ```
/// use axum::{Router, routing::get};
/// use claimguard::{Claims, Key, Roles, Shared, Verifier};
///
/// #[derive(Claims)]
/// #[claims(algorithms = [HS256])]
/// struct User {
///     #[claims(max_len = 64)]
///     sub: String,
///     #[claims(max_items = 8, max_len = 32, default, roles)]
///     roles: Roles,
/// }
///
/// claimguard::requirement! {
///     /// An administrator.
///     pub struct Admin = role("admin");
/// }
///
/// # fn main() -> Result<(), claimguard::KeyError> {
/// let verifier = Verifier::<User>::new(Key::hmac([7u8; 32])?)?;
/// let admin: Router<Verifier<User>> = Router::new()
///     .route("/admin/users", get(|user: Shared<User>| async move { user.sub.clone() }))
///     .route("/admin/audit", get(|| async { "audit" }))
///     .route_layer(verifier.require::<Admin>());
/// let app: Router = Router::new().merge(admin).with_state(verifier);
/// # Ok(()) }
/// ```
pub struct RequireLayer<T, R> {
    verifier: Verifier<T>,
    requirement: PhantomData<fn() -> R>,
}

impl<T: Claims> Verifier<T> {
    /// A layer that requires `R` of every request to the routes it wraps
    /// (axum's `Router::route_layer`), verifying tokens with this verifier.
    pub fn require<R: Requirement<T>>(&self) -> RequireLayer<T, R> {
        RequireLayer {
            verifier: self.clone(),
            requirement: PhantomData,
        }
    }
}

impl<T, R> Clone for RequireLayer<T, R> {
    fn clone(&self) -> Self {
        Self {
            verifier: self.verifier.clone(),
            requirement: PhantomData,
        }
    }
}

impl<T, R> fmt::Debug for RequireLayer<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireLayer")
            .field("requirement", &core::any::type_name::<R>())
            .finish_non_exhaustive()
    }
}

impl<S, T, R> Layer<S> for RequireLayer<T, R> {
    type Service = Require<S, T, R>;

    fn layer(&self, inner: S) -> Require<S, T, R> {
        Require {
            inner,
            verifier: self.verifier.clone(),
            requirement: PhantomData,
        }
    }
}

/// The service [`RequireLayer`] wraps a route in.
pub struct Require<S, T, R> {
    inner: S,
    verifier: Verifier<T>,
    requirement: PhantomData<fn() -> R>,
}

impl<S: Clone, T, R> Clone for Require<S, T, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            verifier: self.verifier.clone(),
            requirement: PhantomData,
        }
    }
}

impl<S, T, R> fmt::Debug for Require<S, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Require")
            .field("requirement", &core::any::type_name::<R>())
            .finish_non_exhaustive()
    }
}

/// The request's head once the claims were verified and `R` met, with them
/// in its extensions; else the response. (Both are large, and each is moved
/// once, straight into the request or the future: boxing the refusal would
/// only add an allocation to it.)
#[allow(clippy::result_large_err)]
fn admit<T, R>(
    outcome: Outcome<Arc<T>>,
    stamp: Stamp,
    mut parts: Parts,
    verifier: &Verifier<T>,
) -> Result<Parts, Response>
where
    T: Claims,
    T::Rejection: From<Rejection> + IntoResponse,
    R: Requirement<T>,
{
    let refuse = |rejection| T::Rejection::from(rejection).into_response();
    let claims = outcome.required().map_err(refuse)?;
    judge::<T, R>(&claims, &parts, stamp).map_err(refuse)?;
    parts.extensions.insert(Verified::new(claims, verifier));
    Ok(parts)
}

impl<S, B, T, R> Service<Request<B>> for Require<S, T, R>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Unpin + Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
    T: Claims,
    T::Rejection: From<Rejection> + IntoResponse,
    R: Requirement<T>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = RequireFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let via = Via::<T, Arc<T>>::SHARED;
        let pending = extract(&mut parts, &self.verifier, via, |outcome, stamp| {
            (outcome, stamp)
        });
        match pending.now() {
            Ok((outcome, stamp)) => match admit::<T, R>(outcome, stamp, parts, &self.verifier) {
                Ok(parts) => RequireFuture(Stage::Inner(
                    self.inner.call(Request::from_parts(parts, body)),
                )),
                Err(response) => RequireFuture(Stage::Refused(Some(response))),
            },
            Err(pending) => {
                // Waiting for a key refetch: the service made ready for this
                // call goes with the request, a clone stays.
                let ready = self.inner.clone();
                let mut inner = core::mem::replace(&mut self.inner, ready);
                let verifier = self.verifier.clone();
                RequireFuture(Stage::Waiting(Box::pin(async move {
                    let (outcome, stamp) = pending.await;
                    match admit::<T, R>(outcome, stamp, parts, &verifier) {
                        Ok(parts) => inner
                            .call(Request::from_parts(parts, body))
                            .await
                            .map(IntoResponse::into_response),
                        Err(response) => Ok(response),
                    }
                })))
            }
        }
    }
}

/// The future of [`Require`]: the route's own, or a refusal at once, or
/// (for a token whose key is being refetched) the wait, then either.
#[must_use = "a future does nothing unless polled"]
pub struct RequireFuture<F, E>(Stage<F, E>);

enum Stage<F, E> {
    Inner(F),
    Refused(Option<Response>),
    Waiting(Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>),
}

impl<F, O, E> Future for RequireFuture<F, E>
where
    F: Future<Output = Result<O, E>> + Unpin,
    O: IntoResponse,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            Stage::Inner(future) => Pin::new(future)
                .poll(cx)
                .map(|verdict| verdict.map(IntoResponse::into_response)),
            Stage::Refused(response) => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled again after it completed: a caller's bug; pending
                // forever rather than a panic.
                None => Poll::Pending,
            },
            Stage::Waiting(future) => future.as_mut().poll(cx),
        }
    }
}

impl<F, E> fmt::Debug for RequireFuture<F, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequireFuture")
    }
}
