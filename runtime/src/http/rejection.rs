//! Why a request was refused, and how that refusal is rendered.
//!
//! Responses follow RFC 6750 §3: a request without credentials gets `401` and
//! a bare `WWW-Authenticate: Bearer`; a malformed request gets `400
//! invalid_request`; anything wrong with the token itself gets `401
//! invalid_token`; a valid token that does not meet the route's requirement
//! gets `403 insufficient_scope`, with the scopes the requirement names;
//! keys that are not available (remote keys not fetched yet, or stale past
//! `max_stale`) get `503` with `Retry-After` and no challenge. With
//! protected-resource metadata (RFC 9728), every challenge carries its URL
//! as `resource_metadata`. The body is a small JSON object. No part of the
//! token, and nothing parsed out of it, is ever copied into a rejection, its
//! `Display`, its `Debug` output or its response: the scopes a `403` lists
//! are the requirement's, written in the code, never the token's.

use core::fmt;

use axum_core::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::reason::Reason;

/// The rejection of the claims extractor: a [`Reason`] that renders as an
/// RFC 6750 response.
///
/// Take `Result<MyClaims, Rejection>` in a handler to handle it yourself, or
/// set `#[claims(rejection = MyError)]` with `MyError: From<Rejection>`.
///
/// It is `Copy`: what it carries besides its reason (the scopes of a `403`,
/// the metadata URL of RFC 9728) is `'static`, set in the code or once when
/// the verifier was built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rejection {
    reason: Reason,
    retry_after: Option<u32>,
    /// The scopes a `403` lists: the requirement's.
    scopes: &'static [&'static str],
    /// The protected-resource metadata URL every challenge names.
    resource_metadata: Option<&'static str>,
    /// The `DPoP` challenge of a verifier with DPoP.
    #[cfg(feature = "dpop")]
    dpop: Option<crate::dpop::challenge::Challenge>,
}

impl Rejection {
    /// A rejection for `reason`.
    pub const fn new(reason: Reason) -> Self {
        Self {
            reason,
            retry_after: None,
            scopes: &[],
            resource_metadata: None,
            #[cfg(feature = "dpop")]
            dpop: None,
        }
    }

    /// The same rejection, answered with the `DPoP` challenge (and nonce)
    /// of a DPoP verifier.
    #[cfg(feature = "dpop")]
    pub(crate) fn with_dpop(mut self, challenge: crate::dpop::challenge::Challenge) -> Self {
        self.dpop = Some(challenge);
        self
    }

    /// The same rejection, with `challenge` unless it has one already.
    #[cfg(feature = "dpop")]
    pub(crate) fn or_dpop(self, challenge: crate::dpop::challenge::Challenge) -> Self {
        match self.dpop {
            Some(_) => self,
            None => self.with_dpop(challenge),
        }
    }

    /// [`Reason::KeysUnavailable`], asking the client to come back in
    /// `seconds`.
    pub const fn unavailable(seconds: u32) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(Reason::KeysUnavailable)
        }
    }

    /// [`Reason::InsufficientScope`]: `403`, the challenge listing `scopes`
    /// (every scope the requirement names; none for a requirement of roles
    /// or a policy, whose names are never shown).
    pub const fn insufficient_scope(scopes: &'static [&'static str]) -> Self {
        Self {
            scopes,
            ..Self::new(Reason::InsufficientScope)
        }
    }

    /// The same rejection, its challenge naming the protected-resource
    /// metadata at `url` (RFC 9728 §5.1), as a verifier with
    /// [`ProtectedResource`](crate::authz::ProtectedResource) settings does
    /// for every refusal. `url` must be visible ASCII without `"` or `\`;
    /// another is ignored.
    pub fn with_resource_metadata(mut self, url: &'static str) -> Self {
        if !url.is_empty() && quotable(url) {
            self.resource_metadata = Some(url);
        }
        self
    }

    /// The scopes a `403` lists (empty for every other reason).
    pub const fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The protected-resource metadata URL the challenge names, if any.
    pub const fn resource_metadata(&self) -> Option<&'static str> {
        self.resource_metadata
    }

    /// Why the request was refused.
    pub const fn reason(&self) -> Reason {
        self.reason
    }

    /// The seconds of the `Retry-After` header, for a `503`: when the keys
    /// are unavailable, how long until the next fetch; when a DPoP replay
    /// store could not answer, one second.
    pub const fn retry_after(&self) -> Option<u32> {
        #[cfg(feature = "dpop")]
        if let Reason::Dpop(crate::dpop::DpopError::Store(_)) = self.reason {
            return Some(1);
        }
        self.retry_after
    }

    /// The HTTP status of the response.
    pub const fn status(&self) -> StatusCode {
        self.reason.status()
    }

    /// The `WWW-Authenticate` challenge of the response (`None` for a
    /// `503`, which is not about the credentials): a bare `Bearer` without
    /// credentials; `Bearer error="insufficient_scope", scope="..."` for a
    /// `403` (RFC 6750 §3.1); `Bearer error="...", error_description="..."`
    /// otherwise; each followed by `resource_metadata="..."` when set. A
    /// verifier with DPoP answers in the `DPoP` scheme besides (or
    /// instead), and `None` is returned for a `Reason::Dpop`: take
    /// [`headers`](Self::headers) for every challenge of the response.
    pub fn challenge(&self) -> Option<HeaderValue> {
        #[cfg(feature = "dpop")]
        if matches!(self.reason, Reason::Dpop(_)) {
            // Answered in the `DPoP` scheme only (`into_response`).
            return None;
        }
        if self.reason == Reason::KeysUnavailable {
            return None;
        }
        let code = self.reason.error_code();
        if code.is_none() && self.resource_metadata.is_none() {
            return Some(HeaderValue::from_static("Bearer"));
        }
        let mut attributes = Vec::with_capacity(3);
        if let Some(code) = code {
            attributes.push(format!("error=\"{code}\""));
        }
        if self.reason == Reason::InsufficientScope {
            if let Some(scope) = self.scope_attribute() {
                attributes.push(scope);
            }
        } else if code.is_some() {
            let description = self.reason.description();
            attributes.push(format!("error_description=\"{description}\""));
        }
        if let Some(url) = self.resource_metadata {
            attributes.push(format!("resource_metadata=\"{url}\""));
        }
        let value = format!("Bearer {}", attributes.join(", "));
        // Codes and descriptions are fixed ASCII without quotes, scopes are
        // scope tokens and the URL was checked, so this cannot fail; the
        // fallback keeps the path panic-free.
        Some(HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("Bearer")))
    }

    /// A `403`'s `scope="..."` attribute: the requirement's scopes that
    /// are RFC 6749 scope tokens, if any.
    pub(crate) fn scope_attribute(&self) -> Option<String> {
        let scopes = self.scopes.iter().copied().filter(|s| is_scope_token(s));
        let listed = scopes.collect::<Vec<_>>().join(" ");
        (!listed.is_empty()).then(|| format!("scope=\"{listed}\""))
    }

    /// Every header of the response besides its body's `Content-Type`: the
    /// challenges (one `WWW-Authenticate`, or two when a request without
    /// credentials is offered both `Bearer` and `DPoP`), `DPoP-Nonce` with
    /// `use_dpop_nonce`, and `Retry-After` for a `503`. A custom rejection
    /// type (`#[claims(rejection = ...)]`) copies them to keep what the
    /// response tells the client.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        #[cfg(feature = "dpop")]
        if let Some(dpop) = &self.dpop {
            let scope = self.scope_attribute();
            let metadata = self.resource_metadata;
            dpop.write(self.reason, self.challenge(), scope, metadata, &mut headers);
        } else if let Some(challenge) = self.challenge() {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        #[cfg(not(feature = "dpop"))]
        if let Some(challenge) = self.challenge() {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        if let Some(seconds) = self.retry_after() {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        headers
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

/// Whether `scope` is an RFC 6749 §3.3 scope token: printable ASCII other
/// than space, `"` and `\`. Only those are ever put in a challenge.
pub(crate) fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// Whether `value` can stand inside a quoted string of a challenge as it
/// is: visible ASCII without `"` or `\`.
pub(crate) fn quotable(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
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
        headers.extend(self.headers());
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
                Reason::Missing
                    | Reason::InvalidRequest
                    | Reason::KeysUnavailable
                    | Reason::InsufficientScope
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

    fn challenge_of(rejection: Rejection) -> String {
        rejection
            .challenge()
            .map(|c| c.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn a_missing_scope_is_a_403_listing_the_requirements_scopes() {
        let rejection = Rejection::insufficient_scope(&["orders:read", "orders:write"]);
        assert_eq!(rejection.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            challenge_of(rejection),
            r#"Bearer error="insufficient_scope", scope="orders:read orders:write""#
        );
        assert_eq!(
            rejection.body(),
            r#"{"error":"insufficient_scope","error_description":"the token lacks the privileges this request requires"}"#
        );
        // A requirement of roles or a policy names no scope.
        assert_eq!(
            challenge_of(Rejection::insufficient_scope(&[])),
            r#"Bearer error="insufficient_scope""#
        );
        assert_eq!(
            challenge_of(Rejection::new(Reason::InsufficientScope)),
            r#"Bearer error="insufficient_scope""#
        );
    }

    #[test]
    fn only_scope_tokens_are_listed() {
        let rejection = Rejection::insufficient_scope(&["a", "b c", "d\"e", "", "f\\", "é", "g"]);
        assert_eq!(
            challenge_of(rejection),
            r#"Bearer error="insufficient_scope", scope="a g""#
        );
        assert!(is_scope_token("!#[]~"));
        assert!(!is_scope_token("a\tb"));
    }

    #[test]
    fn every_challenge_names_the_resource_metadata() {
        let url = "https://api.example/.well-known/oauth-protected-resource";
        let cases = [
            (
                Rejection::new(Reason::Missing),
                format!(r#"Bearer resource_metadata="{url}""#),
            ),
            (
                Rejection::new(Reason::Expired),
                format!(
                    r#"Bearer error="invalid_token", error_description="the token has expired", resource_metadata="{url}""#
                ),
            ),
            (
                Rejection::insufficient_scope(&["a"]),
                format!(
                    r#"Bearer error="insufficient_scope", scope="a", resource_metadata="{url}""#
                ),
            ),
        ];
        for (rejection, expected) in cases {
            let stamped = rejection.with_resource_metadata(url);
            assert_eq!(stamped.resource_metadata(), Some(url));
            assert_eq!(challenge_of(stamped), expected);
        }
        let unavailable = Rejection::unavailable(3).with_resource_metadata(url);
        assert!(unavailable.challenge().is_none());
        // A URL that could break out of the quoted string is never used.
        let bad = Rejection::new(Reason::Missing).with_resource_metadata("https://a\", b=\"x");
        assert_eq!(bad.resource_metadata(), None);
        assert_eq!(challenge_of(bad), "Bearer");
    }

    #[cfg(feature = "dpop")]
    #[test]
    fn headers_hold_every_header_of_the_response() {
        use crate::algorithm::Algorithm;
        use crate::dpop::challenge::{Challenge, mask};
        use crate::dpop::{DPOP_NONCE, DpopError, StoreError};

        let challenge = Challenge {
            algs: mask(&[Algorithm::ES256]),
            scheme: false,
            bearer: true,
            nonce: Some([b'n'; 43]),
        };
        let all = |headers: &HeaderMap| -> Vec<String> {
            headers
                .get_all(WWW_AUTHENTICATE)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect()
        };
        // Both schemes for a request without credentials, and the nonce: what
        // a custom rejection type copies, and what the response carries.
        let missing = Rejection::new(Reason::Missing).with_dpop(challenge);
        let headers = missing.headers();
        assert_eq!(all(&headers), ["Bearer", r#"DPoP algs="ES256""#]);
        let nonce = headers.get(DPOP_NONCE).map(|v| v.as_bytes().to_vec());
        assert_eq!(nonce, Some(vec![b'n'; 43]));
        let response = missing.into_response();
        assert_eq!(all(response.headers()), all(&headers));
        assert!(response.headers().get(DPOP_NONCE).is_some());
        // A replay store that cannot answer: no challenge, a second's wait.
        let store = Rejection::new(Reason::Dpop(DpopError::Store(StoreError::Timeout))).with_dpop(
            Challenge {
                nonce: None,
                ..challenge
            },
        );
        assert_eq!(store.retry_after(), Some(1));
        let headers = store.headers();
        assert!(all(&headers).is_empty());
        assert_eq!(
            headers.get(RETRY_AFTER).map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        // A 403 on a DPoP request is in the DPoP scheme, with its scopes; on
        // a bearer request, in the Bearer scheme.
        let forbidden = Rejection::insufficient_scope(&["orders:read", "not a scope"]);
        let dpop = Challenge {
            scheme: true,
            nonce: None,
            ..challenge
        };
        assert_eq!(
            all(&forbidden.with_dpop(dpop).headers()),
            [r#"DPoP error="insufficient_scope", scope="orders:read", algs="ES256""#]
        );
        let bearer = Challenge {
            nonce: None,
            ..challenge
        };
        assert_eq!(
            all(&forbidden.with_dpop(bearer).headers()),
            [r#"Bearer error="insufficient_scope", scope="orders:read""#]
        );
    }
}
