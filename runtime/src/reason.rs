//! Why a request was refused: one list of reasons, each with its status,
//! its RFC 6750 error code and a fixed description (`400`, `401` and `503`
//! for the credentials and the keys, `403` for the route's requirement). How a refusal is
//! rendered is `http::rejection`'s.

use core::fmt;

use http::StatusCode;

/// The reason a token or a request was refused.
///
/// Every variant is a fixed description: none carries bytes from the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No credentials were sent in the configured place (or another
    /// `Authorization` scheme, such as `Basic`, was used).
    Missing,
    /// The request itself is malformed: the credentials appear more than
    /// once, the header is not visible ASCII, or the bearer value is empty.
    InvalidRequest,
    /// The token is longer than the claims type's `max_token_bytes`, or its
    /// header segment is longer than the fixed header cap.
    TooLarge,
    /// The token is not three base64url segments of a JWS compact
    /// serialization, or its header is not a JSON object of the right shape.
    Malformed,
    /// The `alg` header names an algorithm this claims type did not pin
    /// (including `none` in any spelling).
    Algorithm,
    /// The header asks for something claimguard does not do: a `crit`
    /// extension, `b64: false`, a nested JWT, or a `typ` other than the pinned one.
    UnsupportedHeader,
    /// No configured key matches the token's `kid` and `alg`.
    UnknownKey,
    /// The signature does not verify.
    Signature,
    /// The payload is not a JSON object of the claims type's shape, a member
    /// appears twice, or a value exceeds its cap.
    Claims,
    /// `exp` is not after the current time (leeway aside).
    Expired,
    /// `nbf` is after the current time (leeway aside).
    NotYetValid,
    /// `iat` is after the current time (leeway aside).
    IssuedInFuture,
    /// `iss` is missing (when an issuer is configured), not a string, or not
    /// one of the configured issuers.
    Issuer,
    /// `aud` is missing (when an audience is configured), malformed, or names
    /// none of the configured audiences, or is present when none is configured.
    Audience,
    /// A claim the claims type requires (`exp`, or one listed in `required`) is
    /// absent.
    MissingClaim(&'static str),
    /// The keys to verify the token with are not available: an issuer's
    /// keys have not been fetched yet, or refreshing them has failed for
    /// longer than `max_stale`. Not the client's fault: `503` with
    /// `Retry-After`.
    KeysUnavailable,
    /// The token is valid, but does not meet the route's requirement (a
    /// scope, a role or a policy): `403 insufficient_scope` (RFC 6750
    /// §3.1), listing the scopes the requirement names and never the
    /// roles.
    InsufficientScope,
    /// The request's DPoP proof, or the token's binding to it, was refused
    /// (RFC 9449): `401` with a `DPoP` challenge, or `503` when the replay
    /// store could not answer.
    #[cfg(feature = "dpop")]
    #[cfg_attr(docsrs, doc(cfg(feature = "dpop")))]
    Dpop(crate::dpop::error::DpopError),
}

impl Reason {
    /// Every reason once (`MissingClaim` with `"exp"`), for code that checks
    /// a response against every response claimguard can give; the DPoP
    /// reasons are `Reason::Dpop` of each of
    /// `DpopError::ALL` (feature `dpop`).
    pub const ALL: [Reason; 17] = [
        Self::Missing,
        Self::InvalidRequest,
        Self::TooLarge,
        Self::Malformed,
        Self::Algorithm,
        Self::UnsupportedHeader,
        Self::UnknownKey,
        Self::Signature,
        Self::Claims,
        Self::Expired,
        Self::NotYetValid,
        Self::IssuedInFuture,
        Self::Issuer,
        Self::Audience,
        Self::MissingClaim("exp"),
        Self::KeysUnavailable,
        Self::InsufficientScope,
    ];

    /// Where this reason is in [`ALL`](Self::ALL); a DPoP reason, which
    /// `ALL` does not hold, is `ALL.len()`.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) const fn index(self) -> usize {
        match self {
            Self::Missing => 0,
            Self::InvalidRequest => 1,
            Self::TooLarge => 2,
            Self::Malformed => 3,
            Self::Algorithm => 4,
            Self::UnsupportedHeader => 5,
            Self::UnknownKey => 6,
            Self::Signature => 7,
            Self::Claims => 8,
            Self::Expired => 9,
            Self::NotYetValid => 10,
            Self::IssuedInFuture => 11,
            Self::Issuer => 12,
            Self::Audience => 13,
            Self::MissingClaim(_) => 14,
            Self::KeysUnavailable => 15,
            Self::InsufficientScope => 16,
            #[cfg(feature = "dpop")]
            Self::Dpop(_) => Self::ALL.len(),
        }
    }

    /// The HTTP status this reason is answered with.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::InvalidRequest => StatusCode::BAD_REQUEST,
            Self::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::InsufficientScope => StatusCode::FORBIDDEN,
            #[cfg(feature = "dpop")]
            Self::Dpop(error) => error.status(),
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The RFC 6750 error code, or `None` when no credentials were sent.
    /// [`KeysUnavailable`](Self::KeysUnavailable) is not the token's fault
    /// and has no RFC 6750 code: its body says `temporarily_unavailable`
    /// (RFC 6749's word for it) and it sends no challenge.
    pub const fn error_code(self) -> Option<&'static str> {
        match self {
            Self::Missing => None,
            Self::InvalidRequest => Some("invalid_request"),
            Self::KeysUnavailable => Some("temporarily_unavailable"),
            Self::InsufficientScope => Some("insufficient_scope"),
            #[cfg(feature = "dpop")]
            Self::Dpop(error) => match error.error_code() {
                Some(code) => Some(code),
                None => Some("temporarily_unavailable"),
            },
            _ => Some("invalid_token"),
        }
    }

    /// A short, fixed description, safe to show to the client.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Missing => "a bearer token is required",
            Self::InvalidRequest => "the request's credentials are malformed",
            Self::TooLarge => "the token is too large",
            Self::Malformed => "the token is malformed",
            Self::Algorithm => "the token's algorithm is not accepted",
            Self::UnsupportedHeader => "the token's header is not accepted",
            Self::UnknownKey => "the token's key is not known",
            Self::Signature => "the token's signature is invalid",
            Self::Claims => "the token's claims are malformed or too large",
            Self::Expired => "the token has expired",
            Self::NotYetValid => "the token is not valid yet",
            Self::IssuedInFuture => "the token was issued in the future",
            Self::Issuer => "the token's issuer is not accepted",
            Self::Audience => "the token's audience is not accepted",
            Self::MissingClaim(_) => "the token lacks a required claim",
            Self::KeysUnavailable => "the keys to verify the token are not available yet",
            Self::InsufficientScope => "the token lacks the privileges this request requires",
            #[cfg(feature = "dpop")]
            Self::Dpop(error) => error.description(),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingClaim(name) => write!(f, "the token lacks the required claim `{name}`"),
            other => f.write_str(other.description()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_variant_once() {
        // Adding a variant breaks `index` until `ALL` is updated too.
        for (i, reason) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(reason.index(), i);
        }
    }
}
