//! Why a request was refused, and how that refusal is rendered.
//!
//! Responses follow RFC 6750 §3: a request without credentials gets `401` and
//! a bare `WWW-Authenticate: Bearer`; a malformed request gets `400
//! invalid_request`; anything wrong with the token itself gets `401
//! invalid_token`. The body is a small JSON object. No part of the token, and
//! nothing parsed out of it, is ever copied into a rejection, its `Display`,
//! its `Debug` output or its response.

use core::fmt;

use axum_core::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};

use crate::reason::Reason;

/// The rejection of the claims extractor: a [`Reason`] that renders as an
/// RFC 6750 response.
///
/// Take `Result<MyClaims, Rejection>` in a handler to handle it yourself, or
/// set `#[claims(rejection = MyError)]` with `MyError: From<Rejection>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rejection {
    reason: Reason,
}

impl Rejection {
    /// A rejection for `reason`.
    pub const fn new(reason: Reason) -> Self {
        Self { reason }
    }

    /// Why the request was refused.
    pub const fn reason(&self) -> Reason {
        self.reason
    }

    /// The HTTP status of the response.
    pub const fn status(&self) -> StatusCode {
        self.reason.status()
    }

    /// The `WWW-Authenticate` challenge of the response.
    pub fn challenge(&self) -> HeaderValue {
        match self.reason.error_code() {
            None => HeaderValue::from_static("Bearer"),
            Some(code) => {
                let value = format!(
                    "Bearer error=\"{code}\", error_description=\"{}\"",
                    self.reason.description()
                );
                // Codes and descriptions are fixed ASCII without quotes, so
                // this cannot fail; the fallback keeps the path panic-free.
                HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("Bearer"))
            }
        }
    }

    /// The JSON body of the response.
    pub fn body(&self) -> String {
        let error = self.reason.error_code().unwrap_or("missing_token");
        format!(
            "{{\"error\":\"{error}\",\"error_description\":\"{}\"}}",
            self.reason.description()
        )
    }
}

/// What `#[claims(rejection = MyError)]` asks of `MyError`: to be built from
/// a [`Rejection`] and to answer a request. Implemented for every type that
/// is `From<Rejection> + IntoResponse + Send`; the derived extractors name
/// it (over the state type `S`, so that it is checked where they are used),
/// and the derive checks it once, at the type named, with
/// [`require_rejection`]. Not part of the stable API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the rejection of a claims type",
    label = "`rejection = ...` names a type that is not `From<claimguard::Rejection> + IntoResponse + Send`",
    note = "implement `From<claimguard::Rejection>` for `{Self}` (to build it from claimguard's refusal) and `axum::response::IntoResponse` (to answer with it)"
)]
pub trait ClaimsRejection<S = ()> {
    /// The rejection type itself.
    type Response: IntoResponse + Send;
    /// Builds it from claimguard's refusal.
    fn convert(rejection: Rejection) -> Self::Response;
}

// Not recommended in errors, so that a type lacking a trait is told what
// `ClaimsRejection` asks rather than which bound of this impl failed.
#[diagnostic::do_not_recommend]
impl<T: From<Rejection> + IntoResponse + Send, S> ClaimsRejection<S> for T {
    type Response = T;
    fn convert(rejection: Rejection) -> T {
        T::from(rejection)
    }
}

/// The derive's one check of a custom rejection type.
#[doc(hidden)]
pub const fn require_rejection<T: ClaimsRejection>() {}

impl From<Reason> for Rejection {
    fn from(reason: Reason) -> Self {
        Self::new(reason)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.reason, f)
    }
}

impl std::error::Error for Rejection {}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let mut response = (self.status(), self.body()).into_response();
        let headers = response.headers_mut();
        headers.insert(WWW_AUTHENTICATE, self.challenge());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_gets_a_bare_challenge() {
        let rejection = Rejection::new(Reason::Missing);
        assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(rejection.challenge(), "Bearer");
    }

    #[test]
    fn every_token_reason_is_a_401_invalid_token_with_json_body() {
        for reason in Reason::ALL
            .into_iter()
            .filter(|r| !matches!(r, Reason::Missing | Reason::InvalidRequest))
        {
            let rejection = Rejection::new(reason);
            assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED);
            let challenge = rejection.challenge();
            let challenge = challenge.to_str().unwrap_or_default();
            assert!(
                challenge.starts_with("Bearer error=\"invalid_token\""),
                "{challenge}"
            );
            let body: serde_json::Value =
                serde_json::from_str(&rejection.body()).unwrap_or_default();
            assert_eq!(body["error"], "invalid_token");
            assert_eq!(body["error_description"], reason.description());
        }
    }

    #[test]
    fn invalid_request_is_a_400() {
        let rejection = Rejection::new(Reason::InvalidRequest);
        assert_eq!(rejection.status(), StatusCode::BAD_REQUEST);
        assert!(
            rejection
                .challenge()
                .to_str()
                .unwrap_or_default()
                .contains("invalid_request")
        );
    }
}
