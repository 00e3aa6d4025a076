//! The one generic function behind every derived extractor.

use axum_core::extract::FromRef;
use http::request::Parts;

use crate::{Claims, Reason, Rejection, Verifier};

/// Extracts `T` from the request, `Ok(None)` when no credentials were sent.
pub fn optional<T: Claims, S>(parts: &Parts, state: &S) -> Result<Option<T>, Rejection>
where
    Verifier<T>: FromRef<S>,
{
    let Some(token) = crate::source::token(parts, T::CONFIG.source)? else {
        return Ok(None);
    };
    Verifier::<T>::from_ref(state).verify(token).map(Some)
}

/// Extracts `T` from the request; no credentials is a rejection.
pub fn required<T: Claims, S>(parts: &Parts, state: &S) -> Result<T, Rejection>
where
    Verifier<T>: FromRef<S>,
{
    optional(parts, state)?.ok_or(Rejection::new(Reason::Missing))
}
