//! One proof, judged (RFC 9449 §4.3): its size before anything is decoded,
//! its shape, its header (`typ`, `alg`, `jwk`), its claims against the
//! request, the access token and the clock, its key against the token's
//! `cnf.jkt`, and only then its signature, once. What is left is the replay
//! check, which the caller makes with the key this returns. A header kept
//! from an earlier proof (`kept`) skips the header's checks, which it
//! passed then; a token kept with it skips reading its `cnf` and hashing
//! it.

use core::fmt;
use std::sync::Arc;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::claims;
use super::cnf::{Binding, CnfError, binding};
use super::config::MAX_PROOF_JWK_BYTES;
use super::error::DpopError;
use super::jwk::{JwkError, ProofKey};
use super::kept::{Judged, Kept};
use super::replay::THUMBPRINT_LEN;
use super::{Inner, digest};
use crate::algorithm::Algorithm;
use crate::json::{Str, member_names, once};
use crate::reason::Reason;
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
    /// The access token, as sent, verified (and so text).
    pub(crate) token: &'r [u8],
}

/// A proof that passed every check but the replay check (no `Debug`: its
/// key holds the proof's `jti`).
pub(crate) struct Accepted {
    /// `thumbprint:jti`, the proof's replay key.
    pub(crate) replay_key: Arc<str>,
    /// The second (exclusive) until which the proof could be accepted, and
    /// so must be remembered.
    pub(crate) until: u64,
}

/// A proof's three segments, and its signing input, as sent: each is
/// decoded as base64url (or, for a header kept, compared byte for byte with
/// one that was), which refuses any byte but the alphabet's, so none is
/// checked for being text before.
#[derive(Clone, Copy)]
struct Segments<'p> {
    header: &'p [u8],
    payload: &'p [u8],
    signature: &'p [u8],
    signing_input: &'p [u8],
}

impl<'p> Segments<'p> {
    /// The segments of `proof`, refused when it is over `max` bytes (before
    /// anything is decoded) or is not three non-empty segments.
    fn of(proof: &'p [u8], max: usize) -> Result<Self, DpopError> {
        if proof.len() > max {
            return Err(DpopError::TooLarge);
        }
        // memchr's vectorised search: the dots are the only bytes looked
        // for in the whole proof.
        let mut dots = memchr::memchr_iter(b'.', proof);
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(DpopError::Malformed);
        };
        let (header, signing_input, signature) =
            (&proof[..first], &proof[..second], &proof[second + 1..]);
        let payload = &proof[first + 1..second];
        if header.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(DpopError::Malformed);
        }
        Ok(Self {
            header,
            payload,
            signature,
            signing_input,
        })
    }
}

/// A proof's header, as kept from an earlier proof or as read now.
enum Header {
    Kept(Arc<Judged>),
    Read(Algorithm, ProofKey),
}

/// Decodes a base64url segment, on the stack when it is small, and hands
/// the bytes to `f`.
fn decoded<R>(
    segment: &[u8],
    f: impl FnOnce(&[u8]) -> Result<R, DpopError>,
) -> Result<R, DpopError> {
    base64url::with_decoded::<768, _>(segment, f).map_err(|_| DpopError::Malformed)?
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

/// Whether `ath` (a proof's) is the base64url of `digest`: decoded on the
/// stack (canonically: a base64url text has one encoding) and compared.
fn is_hash(ath: &str, digest: &[u8; 32]) -> bool {
    let mut decoded = [0u8; 32];
    ath.len() == THUMBPRINT_LEN
        && base64url::decode(ath.as_bytes(), &mut decoded) == Ok(32)
        && decoded == *digest
}

impl Inner {
    /// Judges the binding of `request`'s token (verified) and `proof` (the
    /// `DPoP` header's value) for `request` at `now`, with `leeway` seconds
    /// of skew unless the verifier sets its own. The token's binding is
    /// judged first: a token that is not bound to a key is refused as such,
    /// whatever its proof.
    pub(crate) fn check(
        &self,
        proof: &[u8],
        request: &Presented<'_>,
        now: u64,
        leeway: u64,
    ) -> Result<Accepted, Reason> {
        let segments = Segments::of(proof, self.max_proof_bytes);
        let kept = segments
            .as_ref()
            .ok()
            .and_then(|s| self.kept.get(s.header, request.token));
        let (read, kept_jkt);
        let (jkt, digest): (&[u8], _) = match &kept {
            Some(Kept {
                judged,
                bound: Some(digest),
            }) => {
                kept_jkt = judged.thumbprint;
                (&kept_jkt, Some(*digest))
            }
            _ => match binding(request.token) {
                Ok(Binding::Key(jkt)) => {
                    read = jkt;
                    (read.as_bytes(), None)
                }
                Ok(Binding::Bearer) | Err(CnfError::Unsupported) => {
                    return Err(Reason::Dpop(DpopError::Unbound));
                }
                Err(CnfError::Malformed) => return Err(Reason::Claims),
            },
        };
        let segments = segments.map_err(Reason::Dpop)?;
        let kept = kept.map(|kept| (kept.judged, kept.bound.is_some()));
        self.proof(segments, kept, jkt, digest, request, now, leeway)
            .map_err(Reason::Dpop)
    }

    /// The proof's checks once the token's binding is known: `jkt` its
    /// thumbprint, `digest` its SHA-256 if kept; `kept` the header's
    /// verdict if kept, and whether the token was kept with it.
    #[allow(clippy::too_many_arguments)]
    fn proof(
        &self,
        segments: Segments<'_>,
        kept: Option<(Arc<Judged>, bool)>,
        jkt: &[u8],
        digest: Option<[u8; 32]>,
        request: &Presented<'_>,
        now: u64,
        leeway: u64,
    ) -> Result<Accepted, DpopError> {
        let (header, token_kept) = match kept {
            Some((judged, token_kept)) => (Header::Kept(judged), token_kept),
            None => {
                let (alg, key) = decoded(segments.header, |bytes| self.header(bytes))?;
                (Header::Read(alg, key), false)
            }
        };
        let thumbprint = || match &header {
            Header::Kept(judged) => Some(judged.thumbprint),
            Header::Read(_, key) => key.thumbprint().as_bytes().try_into().ok(),
        };
        let claimed = decoded(segments.payload, |bytes| {
            self.claims(bytes, request, now, leeway, digest, jkt, thumbprint)
        })?;
        // Every cheap check has passed: the key is made (unless kept) and
        // the signature checked, once.
        let judged = match header {
            Header::Kept(judged) => judged,
            Header::Read(alg, key) => Arc::new(Judged {
                key: key.prepared(alg).ok_or(DpopError::Key)?,
                thumbprint: claimed.thumbprint,
            }),
        };
        judged
            .key
            .verify(segments.signing_input, segments.signature)
            .map_err(|_| DpopError::Signature)?;
        if !token_kept {
            self.kept
                .keep(segments.header, judged, request.token, claimed.digest);
        }
        Ok(Accepted {
            replay_key: claimed.replay_key,
            until: claimed.until,
        })
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

    /// The claims, against the request, the clock, the token (whose SHA-256
    /// is `digest`, if known) and its binding (`jkt`, which `thumbprint`,
    /// the proof key's, must be); the replay key and how long it must be
    /// held.
    #[allow(clippy::too_many_arguments)]
    fn claims(
        &self,
        bytes: &[u8],
        request: &Presented<'_>,
        now: u64,
        leeway: u64,
        digest: Option<[u8; 32]>,
        jkt: &[u8],
        thumbprint: impl FnOnce() -> Option<[u8; THUMBPRINT_LEN]>,
    ) -> Result<Claimed, DpopError> {
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
        if !self.origin.accepts(&htu.0, request.path) {
            return Err(DpopError::Uri);
        }
        let leeway = self.leeway.unwrap_or(leeway);
        // The stricter reading each way: a fractional `iat` is as old as its
        // floor and as new as its ceiling.
        let last = iat.floor.saturating_add(self.window).saturating_add(leeway);
        if last < now || iat.ceil > now.saturating_add(leeway) {
            return Err(DpopError::Time);
        }
        let digest = digest.unwrap_or_else(|| digest::sha256(request.token));
        if !is_hash(&ath.0, &digest) {
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
        let thumbprint = thumbprint().ok_or(DpopError::KeyMismatch)?;
        if thumbprint[..] != *jkt {
            return Err(DpopError::KeyMismatch);
        }
        let replay_key = replay_key(&thumbprint, &jti.0).ok_or(DpopError::KeyMismatch)?;
        Ok(Claimed {
            replay_key,
            until: last.saturating_add(1),
            digest,
            thumbprint,
        })
    }
}

/// `thumbprint:jti`, made on the stack when it is short and so allocated
/// once; `None` if the thumbprint is not text (a thumbprint is base64url).
fn replay_key(thumbprint: &[u8; THUMBPRINT_LEN], jti: &str) -> Option<Arc<str>> {
    let len = THUMBPRINT_LEN + 1 + jti.len();
    let mut stack = [0u8; 256];
    let Some(key) = stack.get_mut(..len) else {
        let thumbprint = core::str::from_utf8(thumbprint).ok()?;
        return Some([thumbprint, ":", jti].concat().into());
    };
    key[..THUMBPRINT_LEN].copy_from_slice(thumbprint);
    key[THUMBPRINT_LEN] = b':';
    key[THUMBPRINT_LEN + 1..].copy_from_slice(jti.as_bytes());
    core::str::from_utf8(key).ok().map(Arc::from)
}

/// What the claims' checks hand on.
struct Claimed {
    replay_key: Arc<str>,
    until: u64,
    /// The token's SHA-256.
    digest: [u8; 32],
    /// The proof key's thumbprint.
    thumbprint: [u8; THUMBPRINT_LEN],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_key_is_the_thumbprint_and_the_jti() {
        let thumbprint = [b'T'; THUMBPRINT_LEN];
        let t = "T".repeat(THUMBPRINT_LEN);
        for len in [1, 211, 212, 213, 1000] {
            let jti = "j".repeat(len);
            let key = replay_key(&thumbprint, &jti).unwrap_or_else(|| panic!("{len}"));
            assert_eq!(*key, format!("{t}:{jti}"), "{len}");
        }
        assert!(replay_key(&[0xff; THUMBPRINT_LEN], "j").is_none());
        assert!(replay_key(&[0xff; THUMBPRINT_LEN], &"j".repeat(300)).is_none());
    }

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
