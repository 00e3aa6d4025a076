//! The generic functions behind every derived extractor, and [`Shared`].

use core::fmt;
use std::sync::Arc;

use axum_core::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum_core::response::IntoResponse;
use http::request::Parts;

use crate::claims::Claims;
use crate::http::rejection::Rejection;
use crate::reason::Reason;
use crate::verifier::Verifier;

/// Extracts `T` from the request, `Ok(None)` when no credentials were sent.
pub fn optional<T: Claims, S>(parts: &Parts, state: &S) -> Result<Option<T>, Rejection>
where
    Verifier<T>: FromRef<S>,
{
    let Some(token) = crate::http::credentials::credentials(parts, T::CONFIG.source)? else {
        return Ok(None);
    };
    Verifier::<T>::from_ref(state)
        .verify_credentials(token)
        .map(Some)
}

/// Extracts `T` from the request; no credentials is a rejection.
pub fn required<T: Claims, S>(parts: &Parts, state: &S) -> Result<T, Rejection>
where
    Verifier<T>: FromRef<S>,
{
    optional(parts, state)?.ok_or(Rejection::new(Reason::Missing))
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

/// `Shared<T>` from the request, `Ok(None)` when no credentials were sent.
fn optional_shared<T: Claims, S>(parts: &Parts, state: &S) -> Result<Option<Shared<T>>, Rejection>
where
    Verifier<T>: FromRef<S>,
{
    let Some(token) = crate::http::credentials::credentials(parts, T::CONFIG.source)? else {
        return Ok(None);
    };
    Verifier::<T>::from_ref(state)
        .verify_credentials_shared(token)
        .map(|claims| Some(Shared(claims)))
}

impl<T, S> FromRequestParts<S> for Shared<T>
where
    T: Claims,
    T::Rejection: From<Rejection> + IntoResponse + Send,
    S: Send + Sync,
    Verifier<T>: FromRef<S>,
{
    type Rejection = T::Rejection;

    fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        let verdict = optional_shared(parts, state)
            .and_then(|claims| claims.ok_or(Rejection::new(Reason::Missing)));
        core::future::ready(verdict.map_err(T::Rejection::from))
    }
}

impl<T, S> OptionalFromRequestParts<S> for Shared<T>
where
    T: Claims,
    T::Rejection: From<Rejection> + IntoResponse + Send,
    S: Send + Sync,
    Verifier<T>: FromRef<S>,
{
    type Rejection = T::Rejection;

    fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Option<Self>, Self::Rejection>> + Send {
        core::future::ready(optional_shared(parts, state).map_err(T::Rejection::from))
    }
}
