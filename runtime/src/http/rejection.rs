//! Why a request was refused, and how that refusal is rendered.
//!
//! Responses follow RFC 6750 §3: a request without credentials gets `401` and
//! a bare `WWW-Authenticate: Bearer`; a malformed request gets `400
//! invalid_request`; anything wrong with the token itself gets `401
//! invalid_token`; keys that are not available (remote keys not fetched yet,
//! or stale past `max_stale`) get `503` with `Retry-After` and no challenge.
//! The body is a small JSON object. No part of the token, and
//! nothing parsed out of it, is ever copied into a rejection, its `Display`,
//! its `Debug` output or its response.

use core::fmt;

use axum_core::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
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
    retry_after: Option<u32>,
}

impl Rejection {
    /// A rejection for `reason`.
    pub const fn new(reason: Reason) -> Self {
        Self {
            reason,
            retry_after: None,
        }
    }

    /// [`Reason::KeysUnavailable`], asking the client to come back in
    /// `seconds`.
    pub const fn unavailable(seconds: u32) -> Self {
        Self {
            reason: Reason::KeysUnavailable,
            retry_after: Some(seconds),
        }
    }

    /// Why the request was refused.
    pub const fn reason(&self) -> Reason {
        self.reason
    }

    /// The seconds of the `Retry-After` header, for a `503`.
    pub const fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }

    /// The HTTP status of the response.
    pub const fn status(&self) -> StatusCode {
        self.reason.status()
    }

    /// The `WWW-Authenticate` challenge of the response (`None` for a
    /// `503`, which is not about the credentials).
    pub fn challenge(&self) -> Option<HeaderValue> {
        Some(match self.reason.error_code() {
            _ if self.reason == Reason::KeysUnavailable => return None,
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
        })
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
    type Response: IntoResponse + Send + 'static;
    /// Builds it from claimguard's refusal.
    fn convert(rejection: Rejection) -> Self::Response;
}

// Not recommended in errors, so that a type lacking a trait is told what
// `ClaimsRejection` asks rather than which bound of this impl failed.
#[diagnostic::do_not_recommend]
impl<T: From<Rejection> + IntoResponse + Send + 'static, S> ClaimsRejection<S> for T {
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
        if let Some(challenge) = self.challenge() {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
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
        assert_eq!(
            rejection.challenge().as_ref().map(|c| c.as_bytes()),
            Some(&b"Bearer"[..])
        );
    }

    #[test]
    fn every_token_reason_is_a_401_invalid_token_with_json_body() {
        for reason in Reason::ALL.into_iter().filter(|r| {
            !matches!(
                r,
                Reason::Missing | Reason::InvalidRequest | Reason::KeysUnavailable
            )
        }) {
            let rejection = Rejection::new(reason);
            assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED);
            let challenge = rejection
                .challenge()
                .unwrap_or(HeaderValue::from_static(""));
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
                .is_some_and(|c| c.to_str().unwrap_or_default().contains("invalid_request"))
        );
    }

    #[test]
    fn unavailable_keys_are_a_503_with_retry_after_and_no_challenge() {
        let response = Rejection::unavailable(7).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(RETRY_AFTER).map(|v| v.as_bytes()),
            Some(&b"7"[..])
        );
        assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
        let body: serde_json::Value =
            serde_json::from_str(&Rejection::unavailable(7).body()).unwrap_or_default();
        assert_eq!(body["error"], "temporarily_unavailable");
    }
}
