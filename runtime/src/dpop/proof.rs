//! One proof, judged (RFC 9449 §4.3): its size before anything is decoded,
//! its shape, its header (`typ`, `alg`, `jwk`), its claims against the
//! request, the access token and the clock, its key against the token's
//! `cnf.jkt`, and only then its signature, once. What is left is the replay
//! check, which the caller makes with the key this returns.

use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::claims;
use super::config::MAX_PROOF_JWK_BYTES;
use super::error::DpopError;
use super::htu;
use super::jwk::{JwkError, ProofKey};
use super::{Inner, digest};
use crate::algorithm::Algorithm;
use crate::json::{Str, member_names, once};
use crate::token::base64url;

member_names!(ProofMember {
    Typ = "typ",
    Alg = "alg",
    Jwk = "jwk",
    Crit = "crit",
    B64 = "b64",
});

/// The header members a proof is judged by.
#[derive(Default)]
struct ProofHeader<'a> {
    typ: Option<Str<'a>>,
    alg: Option<Str<'a>>,
    jwk: Option<&'a RawValue>,
    /// `crit` or `b64` is present: an extension claimguard does not do.
    extension: bool,
}

impl<'de> de::Deserialize<'de> for ProofHeader<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProofHeader<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JOSE header object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ProofHeader<'de>, A::Error> {
                let mut header = ProofHeader::default();
                let mut seen = 0u16;
                while let Some(member) = map.next_key::<ProofMember>()? {
                    if member != ProofMember::Other {
                        once(&mut seen, 1 << member as u16)?;
                    }
                    match member {
                        ProofMember::Typ => header.typ = Some(map.next_value()?),
                        ProofMember::Alg => header.alg = Some(map.next_value()?),
                        ProofMember::Jwk => header.jwk = Some(map.next_value()?),
                        ProofMember::Crit | ProofMember::B64 => {
                            header.extension = true;
                            map.next_value::<IgnoredAny>()?;
                        }
                        ProofMember::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(header)
            }
        }
        d.deserialize_map(V)
    }
}

/// What a request offers a proof for.
pub(crate) struct Presented<'r> {
    /// The request's method.
    pub(crate) method: &'r str,
    /// The request target's path (a query is dropped).
    pub(crate) path: &'r str,
    /// The access token, as sent.
    pub(crate) token: &'r str,
    /// The RFC 7638 thumbprint the token's `cnf.jkt` names.
    pub(crate) jkt: &'r str,
}

/// A proof that passed every check but the replay check (no `Debug`: its
/// key holds the proof's `jti`).
pub(crate) struct Accepted {
    /// `thumbprint:jti`, the proof's replay key.
    pub(crate) replay_key: String,
    /// The second (exclusive) until which the proof could be accepted, and
    /// so must be remembered.
    pub(crate) until: u64,
}

/// Decodes a base64url segment, on the stack when it is small, and hands
/// the bytes to `f`.
fn decoded<R>(
    segment: &str,
    f: impl FnOnce(&[u8]) -> Result<R, DpopError>,
) -> Result<R, DpopError> {
    let mut stack = [0u8; 768];
    match base64url::decode(segment.as_bytes(), &mut stack) {
        Ok(len) => f(&stack[..len]),
        Err(base64url::Error::TooSmall) => {
            let heap =
                base64url::decode_vec(segment.as_bytes()).map_err(|_| DpopError::Malformed)?;
            f(&heap)
        }
        Err(base64url::Error::Invalid) => Err(DpopError::Malformed),
    }
}

/// Whether `typ` is `dpop+jwt` (media types compare case-insensitively,
/// with an optional `application/`).
fn is_dpop_typ(typ: &str) -> bool {
    let bytes = typ.as_bytes();
    let bare = match bytes.get(..12) {
        Some(head) if head.eq_ignore_ascii_case(b"application/") => &bytes[12..],
        _ => bytes,
    };
    bare.eq_ignore_ascii_case(b"dpop+jwt")
}

impl Inner {
    /// Judges `proof` (the `DPoP` header's value) for `request` at `now`,
    /// with `leeway` seconds of skew unless the verifier sets its own.
    pub(crate) fn check(
        &self,
        proof: &[u8],
        request: &Presented<'_>,
        now: u64,
        leeway: u64,
    ) -> Result<Accepted, DpopError> {
        if proof.len() > self.max_proof_bytes {
            return Err(DpopError::TooLarge);
        }
        let proof = core::str::from_utf8(proof).map_err(|_| DpopError::Malformed)?;
        let mut segments = proof.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(DpopError::Malformed);
        };
        if header.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(DpopError::Malformed);
        }
        let signing_input = &proof[..header.len() + 1 + payload.len()];
        let (alg, key) = decoded(header, |bytes| self.header(bytes))?;
        let (replay_key, until) = decoded(payload, |bytes| {
            self.claims(bytes, request, now, leeway, &key)
        })?;
        // Every cheap check has passed: the key is made and the signature
        // checked, once.
        let prepared = key.prepared(alg).ok_or(DpopError::Key)?;
        prepared
            .verify(signing_input.as_bytes(), signature)
            .map_err(|_| DpopError::Signature)?;
        Ok(Accepted { replay_key, until })
    }

    /// The header: `typ`, `alg` among the accepted, a public `jwk` that
    /// fits it, no extension.
    fn header(&self, bytes: &[u8]) -> Result<(Algorithm, ProofKey), DpopError> {
        let text = core::str::from_utf8(bytes).map_err(|_| DpopError::Malformed)?;
        let header: ProofHeader<'_> =
            serde_json::from_str(text).map_err(|_| DpopError::Malformed)?;
        if header.extension {
            return Err(DpopError::Malformed);
        }
        if !header.typ.as_ref().is_some_and(|t| is_dpop_typ(&t.0)) {
            return Err(DpopError::Type);
        }
        let alg = header
            .alg
            .as_ref()
            .and_then(|alg| Algorithm::from_name(&alg.0))
            .filter(|alg| self.algorithms.contains(alg))
            .ok_or(DpopError::Algorithm)?;
        let jwk = header.jwk.ok_or(DpopError::Key)?.get();
        if jwk.len() > MAX_PROOF_JWK_BYTES {
            return Err(DpopError::Key);
        }
        let key = ProofKey::parse(jwk, alg).map_err(|e| match e {
            JwkError::Malformed
            | JwkError::Private
            | JwkError::Unsupported
            | JwkError::WrongAlgorithm => DpopError::Key,
        })?;
        Ok((alg, key))
    }

    /// The claims, against the request, the clock, the token and its
    /// binding; the replay key and how long it must be held.
    fn claims(
        &self,
        bytes: &[u8],
        request: &Presented<'_>,
        now: u64,
        leeway: u64,
        key: &ProofKey,
    ) -> Result<(String, u64), DpopError> {
        let claims = claims::read(bytes).ok_or(DpopError::Claims)?;
        let (Some(jti), Some(htm), Some(htu), Some(iat), Some(ath)) =
            (claims.jti, claims.htm, claims.htu, claims.iat, claims.ath)
        else {
            return Err(DpopError::Claims);
        };
        if jti.0.is_empty() || jti.0.len() > self.max_jti_bytes {
            return Err(DpopError::Claims);
        }
        if *htm.0 != *request.method {
            return Err(DpopError::Method);
        }
        let expected = self.origin.expected(request.path).ok_or(DpopError::Uri)?;
        if !htu::matches(&htu.0, &expected) {
            return Err(DpopError::Uri);
        }
        let leeway = self.leeway.unwrap_or(leeway);
        // The stricter reading each way: a fractional `iat` is as old as its
        // floor and as new as its ceiling.
        let last = iat.floor.saturating_add(self.window).saturating_add(leeway);
        if last < now || iat.ceil > now.saturating_add(leeway) {
            return Err(DpopError::Time);
        }
        let hash = base64url::encode(&digest::sha256(request.token.as_bytes()));
        if *ath.0 != *hash {
            return Err(DpopError::TokenHash);
        }
        if let Some(nonces) = &self.nonces
            && !claims
                .nonce
                .as_ref()
                .is_some_and(|n| nonces.accepts(&n.0, now))
        {
            return Err(DpopError::UseNonce);
        }
        let thumbprint = key.thumbprint();
        if thumbprint != request.jkt {
            return Err(DpopError::KeyMismatch);
        }
        let mut replay_key = thumbprint;
        replay_key.push(':');
        replay_key.push_str(&jti.0);
        Ok((replay_key, last.saturating_add(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_is_dpop_jwt_in_any_case() {
        for good in [
            "dpop+jwt",
            "DPoP+JWT",
            "application/dpop+jwt",
            "Application/DPOP+jwt",
        ] {
            assert!(is_dpop_typ(good), "{good}");
        }
        for bad in [
            "jwt",
            "dpop",
            "dpop+jwt ",
            "application/",
            "aaaaaaaaaaaé",
            "",
        ] {
            assert!(!is_dpop_typ(bad), "{bad}");
        }
    }
}
