//! Why a DPoP proof was refused, and why a replay store could not answer:
//! fixed descriptions only. Nothing from the proof or the access token is
//! ever part of an error, its `Display` or its `Debug` output.

use core::fmt;

use http::StatusCode;

/// Why a request's DPoP proof, or the binding of its access token to the
/// proof's key, was refused.
///
/// [`error_code`](Self::error_code) is the `error` of the `DPoP` challenge
/// (RFC 9449 §7.1): `invalid_dpop_proof` for the proof itself,
/// `invalid_token` when the access token is not bound to the proof's key
/// (the RFC's own example of a key-binding failure), `use_dpop_nonce` when
/// the proof must carry a fresh server nonce (§9). A replay store that
/// cannot answer refuses the request too (fail closed), as `503`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DpopError {
    /// The request has no `DPoP` header.
    Missing,
    /// The request has more than one `DPoP` header (RFC 9449 §4.3, check 1).
    Multiple,
    /// The proof is longer than the configured cap; it was not decoded.
    TooLarge,
    /// The proof is not a compact JWS of two JSON objects: its segments,
    /// their base64url, UTF-8 or JSON, a member given twice, or a `crit`
    /// header.
    Malformed,
    /// The header's `typ` is not `dpop+jwt`.
    Type,
    /// The header's `alg` is not one of the accepted algorithms.
    Algorithm,
    /// The header's `jwk` is missing, has private members, is of a type,
    /// curve or size claimguard does not verify, or does not fit `alg`.
    Key,
    /// A claim is missing (`jti`, `htm`, `htu`, `iat`, `ath`), of the wrong
    /// type, or too long.
    Claims,
    /// `htm` is not the request's method.
    Method,
    /// `htu` is not the request's URI at the configured origin.
    Uri,
    /// `iat` is outside the accepted window around now.
    Time,
    /// `ath` is not the hash of the access token the request carries.
    TokenHash,
    /// The signature does not verify with the proof's key.
    Signature,
    /// The access token is not bound to a DPoP key (it has no `cnf.jkt`).
    Unbound,
    /// The access token is bound to another key than the proof's.
    KeyMismatch,
    /// The access token is bound to a DPoP key but was sent as a bearer
    /// token (RFC 9449 §7.2).
    Bearer,
    /// The proof lacks the server's current nonce, or carries a stale one;
    /// answer with a fresh one ([`DpopVerifier::nonce`](super::DpopVerifier::nonce)).
    UseNonce,
    /// The proof was presented before (its `jti`, for its key, within the
    /// window).
    Replayed,
    /// The replay store could not say whether the proof is new, so it is
    /// refused.
    Store(StoreError),
}

impl DpopError {
    /// Every variant once (`Store` with [`StoreError::Timeout`]).
    pub const ALL: [DpopError; 19] = [
        Self::Missing,
        Self::Multiple,
        Self::TooLarge,
        Self::Malformed,
        Self::Type,
        Self::Algorithm,
        Self::Key,
        Self::Claims,
        Self::Method,
        Self::Uri,
        Self::Time,
        Self::TokenHash,
        Self::Signature,
        Self::Unbound,
        Self::KeyMismatch,
        Self::Bearer,
        Self::UseNonce,
        Self::Replayed,
        Self::Store(StoreError::Timeout),
    ];

    /// A low-cardinality label for events and series.
    pub const fn label(&self) -> &'static str {
        match self {
            Self::Missing => "dpop_missing",
            Self::Multiple => "dpop_multiple",
            Self::TooLarge => "dpop_too_large",
            Self::Malformed => "dpop_malformed",
            Self::Type => "dpop_type",
            Self::Algorithm => "dpop_algorithm",
            Self::Key => "dpop_key",
            Self::Claims => "dpop_claims",
            Self::Method => "dpop_method",
            Self::Uri => "dpop_uri",
            Self::Time => "dpop_time",
            Self::TokenHash => "dpop_token_hash",
            Self::Signature => "dpop_signature",
            Self::Unbound => "dpop_unbound",
            Self::KeyMismatch => "dpop_key_mismatch",
            Self::Bearer => "dpop_bound_as_bearer",
            Self::UseNonce => "dpop_use_nonce",
            Self::Replayed => "dpop_replayed",
            Self::Store(_) => "dpop_store",
        }
    }

    /// The challenge's `error`: `invalid_dpop_proof`, `invalid_token` or
    /// `use_dpop_nonce`; `None` for [`DpopError::Store`], which is no fault
    /// of the client's and has no challenge.
    pub const fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::Unbound | Self::KeyMismatch | Self::Bearer => Some("invalid_token"),
            Self::UseNonce => Some("use_dpop_nonce"),
            Self::Store(_) => None,
            _ => Some("invalid_dpop_proof"),
        }
    }

    /// The response status: `401`, or `503` when the replay store could
    /// not answer.
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// A short, fixed description for `error_description`.
    pub const fn description(&self) -> &'static str {
        match self {
            Self::Missing => "a DPoP proof is required",
            Self::Multiple => "more than one DPoP proof",
            Self::TooLarge => "the DPoP proof is too large",
            Self::Malformed => "the DPoP proof is malformed",
            Self::Type => "the DPoP proof's typ is not dpop+jwt",
            Self::Algorithm => "the DPoP proof's algorithm is not accepted",
            Self::Key => "the DPoP proof's key is missing, private or not supported",
            Self::Claims => "the DPoP proof's claims are missing or malformed",
            Self::Method => "the DPoP proof is for another method",
            Self::Uri => "the DPoP proof is for another URI",
            Self::Time => "the DPoP proof is not recent",
            Self::TokenHash => "the DPoP proof is for another access token",
            Self::Signature => "the DPoP proof's signature is invalid",
            Self::Unbound => "the access token is not bound to a DPoP key",
            Self::KeyMismatch => "invalid DPoP key binding",
            Self::Bearer => "the access token is bound to a DPoP key and must be sent with a proof",
            Self::UseNonce => "the DPoP proof must carry the server's current nonce",
            Self::Replayed => "the DPoP proof was used before",
            Self::Store(_) => "the DPoP replay check is unavailable",
        }
    }
}

impl fmt::Display for DpopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Store(cause) => write!(f, "{}: {cause}", self.description()),
            _ => f.write_str(self.description()),
        }
    }
}

impl std::error::Error for DpopError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Store(cause) => Some(cause),
            _ => None,
        }
    }
}

/// Why a [`ReplayStore`](super::ReplayStore) could not say whether a proof
/// is new. Every case refuses the proof: a store that cannot answer never
/// lets a proof through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreError {
    /// The in-process store holds as many unexpired proofs as it may; it
    /// refuses new ones rather than forget one that could be replayed.
    Full,
    /// The replay key is longer than the store takes.
    KeyTooLong,
    /// The store did not answer within its timeout.
    Timeout,
    /// The store is unreachable or answered with an error; the text is
    /// fixed by the store (never a message from the server).
    Unavailable(&'static str),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("the replay store is full"),
            Self::KeyTooLong => f.write_str("the replay key is longer than the store takes"),
            Self::Timeout => f.write_str("the replay store did not answer in time"),
            Self::Unavailable(why) => write!(f, "the replay store is unavailable ({why})"),
        }
    }
}

impl std::error::Error for StoreError {}
