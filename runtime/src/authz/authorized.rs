//! [`Authorized`]: an extractor for verified claims that meet a
//! requirement, checked after authentication on every request.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::pin::Pin;
use core::task::{Context, Poll};

use axum_core::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum_core::response::IntoResponse;
use http::request::Parts;

use super::requirement::Requirement;
use crate::claims::Claims;
use crate::extract::{Extract, Outcome, Shared, Stamp, Via, extract};
use crate::http::rejection::Rejection;
use crate::verifier::Verifier;

/// What [`Authorized`] can hand out: a claims type `T` (copied out of the
/// cache on a hit, as `T`'s own extractor does) or [`Shared<T>`] (shared
/// with it). Sealed.
pub trait Authorizable: sealed::Sealed + Sized + Send + 'static {
    /// The claims type the requirement is judged on.
    type Claims: Claims;

    /// The claims.
    fn claims(&self) -> &Self::Claims;
}

mod sealed {
    /// Only claimguard's two shapes are [`Authorizable`](super::Authorizable).
    pub trait Sealed {}
}

impl<T: Claims> sealed::Sealed for T {}
impl<T: Claims> sealed::Sealed for Shared<T> {}

impl<T: Claims> Authorizable for T {
    type Claims = T;

    fn claims(&self) -> &T {
        self
    }
}

impl<T: Claims> Authorizable for Shared<T> {
    type Claims = T;

    fn claims(&self) -> &T {
        self
    }
}

/// Verified claims that meet the requirement `R`: an extractor that
/// verifies the token as `T`'s own does, then judges `R` on the claims and
/// the request, on every request, cache hit or not.
///
/// Authentication comes first: a request without credentials is the bare
/// `401`, a bad token (an expired one that also lacks the scope, say) its
/// `401`; only a valid token that does not meet `R` is `403
/// insufficient_scope`, its challenge listing `R`'s scopes (never its
/// roles). `Option<Authorized<T, R>>` is `None` without credentials and
/// refuses credentials that fail either check; a custom `rejection = ...`
/// on `T` is built from the `403` too. `Authorized<Shared<T>, R>` shares
/// cached claims instead of copying them.
///
/// ```
/// use axum::{Router, routing::get};
/// use claimguard::{Authorized, Claims, Key, Scopes, Verifier};
///
/// #[derive(Claims)]
/// #[claims(algorithms = [HS256])]
/// struct User {
///     #[claims(max_len = 64)]
///     sub: String,
///     #[claims(max_items = 16, max_len = 64, default, scopes)]
///     scope: Scopes,
/// }
///
/// claimguard::requirement! {
///     /// May list orders.
///     pub struct OrdersRead = scope("orders:read");
/// }
///
/// async fn orders(user: Authorized<User, OrdersRead>) -> String {
///     format!("orders of {}", user.sub)
/// }
///
/// # fn main() -> Result<(), claimguard::KeyError> {
/// let verifier = Verifier::<User>::new(Key::hmac([7u8; 32])?)?;
/// let app: Router = Router::new().route("/orders", get(orders)).with_state(verifier);
/// # Ok(()) }
/// ```
///
/// A claims type that does not mark what `R` reads does not compile, and
/// the error is at the requirement:
///
/// ```compile_fail
/// # use claimguard::{Authorized, Claims};
/// #[derive(Claims)]
/// #[claims(algorithms = [HS256])]
/// struct User {
///     #[claims(max_len = 64)]
///     sub: String,
/// }
///
/// claimguard::requirement! {
///     pub struct OrdersRead = scope("orders:read");
/// }
///
/// // error: `User` has no field that carries scopes
/// async fn orders(user: Authorized<User, OrdersRead>) -> String {
///     user.into_inner().sub
/// }
/// ```
pub struct Authorized<T: Authorizable, R: Requirement<T::Claims>> {
    claims: T,
    requirement: PhantomData<fn() -> R>,
}

impl<T: Authorizable, R: Requirement<T::Claims>> Authorized<T, R> {
    /// The claims.
    pub fn into_inner(self) -> T {
        self.claims
    }
}

impl<T: Authorizable, R: Requirement<T::Claims>> Deref for Authorized<T, R> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.claims
    }
}

impl<T: Authorizable + fmt::Debug, R: Requirement<T::Claims>> fmt::Debug for Authorized<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Authorized").field(&self.claims).finish()
    }
}

/// `R` judged on verified claims: the `403` (stamped) when they fall short.
pub(crate) fn judge<T, R: Requirement<T>>(
    claims: &T,
    parts: &Parts,
    stamp: Stamp,
) -> Result<(), Rejection> {
    if R::allows(claims, parts) {
        Ok(())
    } else {
        Err(stamp.apply(Rejection::insufficient_scope(R::SCOPES)))
    }
}

/// What an extraction found, judged: the claims that meet `R` become
/// `found(Authorized)`, no credentials `anonymous(the bare 401)`, and every
/// rejection `E`.
struct Decide<O: Authorizable, R: Requirement<O::Claims>, X> {
    found: fn(Authorized<O, R>) -> X,
    anonymous: fn(Rejection) -> Result<X, Rejection>,
}

impl<O: Authorizable, R: Requirement<O::Claims>, X> Clone for Decide<O, R, X> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O: Authorizable, R: Requirement<O::Claims>, X> Copy for Decide<O, R, X> {}

impl<O: Authorizable, R: Requirement<O::Claims>, X> Decide<O, R, X> {
    fn decide<E: From<Rejection>>(
        self,
        (outcome, stamp): (Outcome<O>, Stamp),
        parts: &Parts,
    ) -> Result<X, E> {
        let claims = match outcome {
            Outcome::Claims(claims) => claims,
            Outcome::Anonymous(missing) => return (self.anonymous)(missing).map_err(E::from),
            Outcome::Refused(rejection) => return Err(E::from(rejection)),
        };
        judge::<O::Claims, R>(claims.claims(), parts, stamp).map_err(E::from)?;
        Ok((self.found)(wrap(claims)))
    }
}

/// Extracts with `via`, then judges `R`. Not an `async fn`: the usual
/// extraction is ready at once, and is judged there, without a state
/// machine around it (measured by instruction counts).
fn authorize<'a, T, R, S, O, X, E>(
    parts: &'a mut Parts,
    state: &S,
    via: Via<T, O>,
    decide: Decide<O, R, X>,
) -> Authorize<'a, O, R, X, E>
where
    T: Claims,
    R: Requirement<T>,
    O: Authorizable<Claims = T>,
    E: From<Rejection>,
    Verifier<T>: FromRef<S>,
{
    let pending = extract(parts, state, via, |outcome, stamp| (outcome, stamp));
    match pending.now() {
        Ok(found) => Authorize::Ready(Some(decide.decide(found, parts))),
        Err(pending) => Authorize::Waiting {
            pending,
            parts,
            decide,
        },
    }
}

/// The future of [`Authorized`]'s extractors.
enum Authorize<'a, O: Authorizable, R: Requirement<O::Claims>, X, E> {
    Ready(Option<Result<X, E>>),
    Waiting {
        pending: Extract<(Outcome<O>, Stamp)>,
        parts: &'a Parts,
        decide: Decide<O, R, X>,
    },
}

// Nothing in it is pinned in place: the extraction's future is `Unpin`.
impl<O: Authorizable, R: Requirement<O::Claims>, X, E> Unpin for Authorize<'_, O, R, X, E> {}

impl<O, R, X, E> Future for Authorize<'_, O, R, X, E>
where
    O: Authorizable,
    R: Requirement<O::Claims>,
    E: From<Rejection>,
{
    type Output = Result<X, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::Ready(verdict) => match verdict.take() {
                Some(verdict) => Poll::Ready(verdict),
                // Polled again after it completed: a caller's bug; pending
                // forever rather than a panic.
                None => Poll::Pending,
            },
            Self::Waiting {
                pending,
                parts,
                decide,
            } => Pin::new(pending)
                .poll(cx)
                .map(|found| decide.decide(found, parts)),
        }
    }
}

macro_rules! extractors {
    ($shape:ty, $claims:ident, $via:expr) => {
        impl<$claims, R, S> FromRequestParts<S> for Authorized<$shape, R>
        where
            $claims: Claims,
            $claims::Rejection: From<Rejection> + IntoResponse + Send + 'static,
            R: Requirement<$claims>,
            S: Send + Sync,
            Verifier<$claims>: FromRef<S>,
        {
            type Rejection = $claims::Rejection;

            fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
                let decide = Decide {
                    found: |claims| claims,
                    anonymous: Err,
                };
                authorize(parts, state, $via, decide)
            }
        }

        impl<$claims, R, S> OptionalFromRequestParts<S> for Authorized<$shape, R>
        where
            $claims: Claims,
            $claims::Rejection: From<Rejection> + IntoResponse + Send + 'static,
            R: Requirement<$claims>,
            S: Send + Sync,
            Verifier<$claims>: FromRef<S>,
        {
            type Rejection = $claims::Rejection;

            fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> impl Future<Output = Result<Option<Self>, Self::Rejection>> + Send {
                let decide = Decide {
                    found: Some,
                    anonymous: |_| Ok(None),
                };
                authorize(parts, state, $via, decide)
            }
        }
    };
}

/// The extractor's value around `claims`.
fn wrap<O: Authorizable, R: Requirement<O::Claims>>(claims: O) -> Authorized<O, R> {
    Authorized {
        claims,
        requirement: PhantomData,
    }
}

extractors!(T, T, Via::<T, T>::OWNED);
extractors!(Shared<T>, T, Via::<T, Shared<T>>::SHARED);
