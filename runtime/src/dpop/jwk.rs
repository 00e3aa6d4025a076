//! The public key a proof carries in its `jwk` header member: read with its
//! members bounded and checked (public members only, a key type and curve
//! claimguard verifies, every value canonical base64url), written back as
//! its RFC 7638 thumbprint input, and made into a [`Key`] from that input.

use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::algorithm::Algorithm;
use crate::json::{Str, member_names, once};
#[cfg(test)]
use crate::keys::Key;
use crate::keys::crypto::{self, Prepared};
use crate::keys::{Material, rsa_key};
use crate::token::base64url;

member_names!(JwkMember {
    Kty = "kty",
    Crv = "crv",
    X = "x",
    Y = "y",
    N = "n",
    E = "e",
    Alg = "alg",
    Use = "use",
    D = "d",
    P = "p",
    Q = "q",
    Dp = "dp",
    Dq = "dq",
    Qi = "qi",
    Oth = "oth",
    K = "k",
});

/// The members of a JWK that decide the key, as the JSON holds them.
#[derive(Default)]
struct Members<'a> {
    kty: Option<Str<'a>>,
    crv: Option<Str<'a>>,
    x: Option<Str<'a>>,
    y: Option<Str<'a>>,
    n: Option<Str<'a>>,
    e: Option<Str<'a>>,
    alg: Option<Str<'a>>,
    key_use: Option<Str<'a>>,
    /// A private member (or a symmetric key's `k`) is present.
    private: bool,
}

impl<'de> de::Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JWK object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Members::default();
                let mut seen = 0u16;
                while let Some(member) = map.next_key::<JwkMember>()? {
                    if member != JwkMember::Other {
                        once(&mut seen, 1 << member as u16)?;
                    }
                    let slot = match member {
                        JwkMember::Kty => &mut members.kty,
                        JwkMember::Crv => &mut members.crv,
                        JwkMember::X => &mut members.x,
                        JwkMember::Y => &mut members.y,
                        JwkMember::N => &mut members.n,
                        JwkMember::E => &mut members.e,
                        JwkMember::Alg => &mut members.alg,
                        JwkMember::Use => &mut members.key_use,
                        JwkMember::Other => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                        _ => {
                            members.private = true;
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(members)
            }
        }
        d.deserialize_map(V)
    }
}

/// A proof's public key, checked and in canonical form.
pub(crate) struct ProofKey {
    /// The RFC 7638 thumbprint input: the required members only, in
    /// lexicographic order, no whitespace. It is also a JWK of the key.
    canonical: String,
    /// The members the key is made of, still in base64url.
    public: Public,
}

/// A key's members, checked as canonical base64url.
enum Public {
    /// A P-256 (32-byte coordinates) or P-384 (48) point.
    Ec {
        x: String,
        y: String,
        size: usize,
    },
    Rsa {
        n: String,
        e: String,
    },
    Ed25519 {
        x: String,
    },
}

/// Why a `jwk` was refused (each is reported as an unusable key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JwkError {
    /// Not a JSON object of strings where strings belong, or a member twice.
    Malformed,
    /// A private member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`) or a
    /// symmetric key.
    Private,
    /// A key type or curve that is not RSA, P-256, P-384 or Ed25519.
    Unsupported,
    /// The key cannot make `alg` signatures, or its own `alg` or `use`
    /// says otherwise.
    WrongAlgorithm,
}

impl ProofKey {
    /// Reads a `jwk` header member (its JSON text) for a proof signed with
    /// `alg`. Only cheap checks: the members, their encoding, and that the
    /// key's type fits `alg`; the key itself is made by [`Self::key`].
    pub(crate) fn parse(json: &str, alg: Algorithm) -> Result<Self, JwkError> {
        let members: Members<'_> = serde_json::from_str(json).map_err(|_| JwkError::Malformed)?;
        if members.private {
            return Err(JwkError::Private);
        }
        let value = |member: &Option<Str<'_>>| -> Result<String, JwkError> {
            let text = member.as_ref().ok_or(JwkError::Malformed)?;
            // Canonical base64url, so the value is safe to write into JSON as
            // is, and decodes when the key is made.
            base64url::validate(text.0.as_bytes()).map_err(|_| JwkError::Malformed)?;
            if text.0.is_empty() {
                return Err(JwkError::Malformed);
            }
            Ok(text.0.clone().into_owned())
        };
        let kty = members.kty.as_ref().ok_or(JwkError::Malformed)?;
        let crv = members.crv.as_ref().map(|crv| &*crv.0);
        let (canonical, fits, public) = match (&*kty.0, crv) {
            ("EC", Some(crv @ ("P-256" | "P-384"))) => {
                let (x, y) = (value(&members.x)?, value(&members.y)?);
                let (fits, size) = if crv == "P-256" {
                    (alg == Algorithm::ES256, 32)
                } else {
                    (alg == Algorithm::ES384, 48)
                };
                (
                    format!(r#"{{"crv":"{crv}","kty":"EC","x":"{x}","y":"{y}"}}"#),
                    fits,
                    Public::Ec { x, y, size },
                )
            }
            ("RSA", _) => {
                let (n, e) = (value(&members.n)?, value(&members.e)?);
                let fits = matches!(
                    alg,
                    Algorithm::RS256
                        | Algorithm::RS384
                        | Algorithm::RS512
                        | Algorithm::PS256
                        | Algorithm::PS384
                        | Algorithm::PS512
                );
                let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
                (canonical, fits, Public::Rsa { n, e })
            }
            ("OKP", Some("Ed25519")) => {
                let x = value(&members.x)?;
                (
                    format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#),
                    alg == Algorithm::EdDSA,
                    Public::Ed25519 { x },
                )
            }
            ("oct", _) => return Err(JwkError::Private),
            _ => return Err(JwkError::Unsupported),
        };
        let own_alg = members.alg.as_ref().is_none_or(|own| own.0 == alg.name());
        let for_signing = members.key_use.as_ref().is_none_or(|u| u.0 == "sig");
        if !fits || !own_alg || !for_signing {
            return Err(JwkError::WrongAlgorithm);
        }
        Ok(Self { canonical, public })
    }

    /// The RFC 7638 thumbprint (SHA-256, base64url).
    pub(crate) fn thumbprint(&self) -> String {
        thumbprint(&self.canonical)
    }

    /// The key, with claimguard's checks (an RSA modulus of 2048 to 8192
    /// bits and a usable exponent, an EC point on its curve, an Ed25519
    /// point); `None` if it fails them.
    #[cfg(test)]
    pub(crate) fn key(&self) -> Option<Key> {
        Key::from_jwk(&self.canonical).ok()
    }

    /// The key prepared for `alg` by the backend, made straight from its
    /// members: an RSA key with claimguard's checks (2048 to 8192 bits, a
    /// usable exponent), an EC point the backend finds on its curve, an
    /// Ed25519 point; `None` if it fails them. One parse, the one a
    /// signature check needs.
    pub(crate) fn prepared(&self, alg: Algorithm) -> Option<Prepared> {
        let decode = |text: &str| base64url::decode_vec(text.as_bytes()).ok();
        let material = match &self.public {
            Public::Ec { x, y, size } => {
                let (x, y) = (decode(x)?, decode(y)?);
                if x.len() != *size || y.len() != *size {
                    return None;
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Material::Ec(point.into())
            }
            Public::Rsa { n, e } => rsa_key(&decode(n)?, &decode(e)?).ok()?.material,
            Public::Ed25519 { x } => {
                let raw: [u8; 32] = decode(x)?.try_into().ok()?;
                // aws-lc takes any 32 bytes; whether they are a point is
                // asked of the curve, as for every Ed25519 key.
                if !crypto::ed25519_point(&raw) {
                    return None;
                }
                Material::Ed25519(raw)
            }
        };
        Prepared::new(&material, alg).ok()
    }
}

/// The RFC 7638 thumbprint of a thumbprint input.
pub(crate) fn thumbprint(canonical: &str) -> String {
    base64url::encode(&super::digest::sha256(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RSA key of RFC 7638 §3.1.
    const RFC_7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    #[test]
    fn the_rfc_7638_example_thumbprint() {
        // The example key with the members RFC 7638 §3.1 lists beside the
        // required ones, which the thumbprint leaves out.
        let jwk = format!(
            r#"{{"kty":"RSA","n":"{RFC_7638_N}","e":"AQAB","alg":"RS256","kid":"2011-04-29"}}"#
        );
        let key = ProofKey::parse(&jwk, Algorithm::RS256).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            key.canonical,
            format!(r#"{{"e":"AQAB","kty":"RSA","n":"{RFC_7638_N}"}}"#)
        );
        assert_eq!(
            key.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        assert!(key.key().is_some());
    }

    #[test]
    fn member_order_and_whitespace_do_not_change_the_thumbprint() {
        let a = format!(r#"{{"e":"AQAB","n":"{RFC_7638_N}","kty":"RSA"}}"#);
        let b = format!("{{ \"n\" : \"{RFC_7638_N}\",\n \"kty\":\"RSA\", \"e\":\"AQAB\" }}");
        let thumb = |json: &str| ProofKey::parse(json, Algorithm::PS256).map(|k| k.thumbprint());
        assert_eq!(thumb(&a), thumb(&b));
        assert!(thumb(&a).is_ok());
    }

    const P256_X: &str = "00TJkLuf6EO2c2spNK0GIpa05WOLyQyN1UVJIJPQATI";
    const P256_Y: &str = "QDb_dQajjjSx5MEuI-5XbQjJyjvYEOC8CpVvC3tt9_Y";

    fn p256(extra: &str) -> String {
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{P256_X}","y":"{P256_Y}"{extra}}}"#)
    }

    #[test]
    fn private_members_are_refused() {
        let parse = |json: &str| ProofKey::parse(json, Algorithm::ES256).err();
        assert_eq!(parse(&p256("")), None);
        assert_eq!(
            parse(&p256(
                r#","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI""#
            )),
            Some(JwkError::Private)
        );
        // Any value: the member's presence is enough.
        assert_eq!(parse(&p256(r#","d":null"#)), Some(JwkError::Private));
        for member in ["p", "q", "dp", "dq", "qi", "oth"] {
            let rsa = format!(r#"{{"kty":"RSA","n":"{RFC_7638_N}","e":"AQAB","{member}":"AQAB"}}"#);
            assert_eq!(
                ProofKey::parse(&rsa, Algorithm::RS256).err(),
                Some(JwkError::Private),
                "{member}"
            );
        }
        let oct = r#"{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}"#;
        assert_eq!(
            ProofKey::parse(oct, Algorithm::ES256).err(),
            Some(JwkError::Private)
        );
    }

    #[test]
    fn the_key_must_fit_the_algorithm() {
        let parse = |json: &str, alg| ProofKey::parse(json, alg).err();
        assert_eq!(
            parse(&p256(""), Algorithm::ES384),
            Some(JwkError::WrongAlgorithm)
        );
        assert_eq!(
            parse(&p256(""), Algorithm::RS256),
            Some(JwkError::WrongAlgorithm)
        );
        assert_eq!(parse(&p256(r#","alg":"ES256""#), Algorithm::ES256), None);
        assert_eq!(
            parse(&p256(r#","alg":"ES384""#), Algorithm::ES256),
            Some(JwkError::WrongAlgorithm)
        );
        assert_eq!(
            parse(&p256(r#","use":"enc""#), Algorithm::ES256),
            Some(JwkError::WrongAlgorithm)
        );
        let rsa = format!(r#"{{"kty":"RSA","n":"{RFC_7638_N}","e":"AQAB"}}"#);
        assert_eq!(
            parse(&rsa, Algorithm::EdDSA),
            Some(JwkError::WrongAlgorithm)
        );
        assert_eq!(parse(&rsa, Algorithm::PS512), None);
    }

    #[test]
    fn unsupported_and_malformed_keys_are_refused() {
        let parse = |json: &str| ProofKey::parse(json, Algorithm::ES256).err();
        let unsupported = Some(JwkError::Unsupported);
        let malformed = Some(JwkError::Malformed);
        assert_eq!(parse(&p256("").replace("P-256", "P-521")), unsupported);
        assert_eq!(parse(&p256("").replace("P-256", "secp256k1")), unsupported);
        assert_eq!(
            parse(r#"{"kty":"OKP","crv":"X25519","x":"AQAB"}"#),
            unsupported
        );
        assert_eq!(parse(r#"{"kty":"EC","x":"AQAB","y":"AQAB"}"#), unsupported);
        assert_eq!(parse(r#"{"crv":"P-256","x":"AQAB","y":"AQAB"}"#), malformed);
        assert_eq!(parse(&p256("").replace(P256_Y, "")), malformed);
        assert_eq!(parse(&p256("").replace(P256_Y, "QDb+dQ")), malformed);
        assert_eq!(parse(&p256("").replace(P256_Y, "QDb\\\"dQ")), malformed);
        assert_eq!(parse(&p256(r#","kty":"EC""#)), malformed);
        assert_eq!(
            parse(r#"{"kty":"EC","crv":"P-256","x":1,"y":"AQAB"}"#),
            malformed
        );
        assert_eq!(parse("[]"), malformed);
        assert_eq!(parse("\"jwk\""), malformed);
    }

    #[test]
    fn keys_are_checked_when_made() {
        // A point off the curve passes the cheap checks but makes no key.
        // (`prepared`, what proofs use, and `key`, the crate's JWK reading,
        // agree.)
        let off = ProofKey::parse(&p256("").replace("QDb_", "QDc_"), Algorithm::ES256);
        assert!(off.is_ok_and(|k| k.key().is_none() && k.prepared(Algorithm::ES256).is_none()));
        let good = ProofKey::parse(&p256(""), Algorithm::ES256);
        assert!(
            good.is_ok_and(|k| k.key().is_some_and(|k| k.can_verify(Algorithm::ES256))
                && k.prepared(Algorithm::ES256).is_some())
        );
        // A coordinate of the wrong length.
        let short = ProofKey::parse(&p256("").replace(P256_Y, "AQAB"), Algorithm::ES256);
        assert!(short.is_ok_and(|k| k.prepared(Algorithm::ES256).is_none()));
        // An RSA modulus of 1024 bits.
        let small = format!(r#"{{"kty":"RSA","n":"{}","e":"AQAB"}}"#, &RFC_7638_N[..172]);
        let small = ProofKey::parse(&small, Algorithm::RS256);
        assert!(small.is_ok_and(|k| k.key().is_none() && k.prepared(Algorithm::RS256).is_none()));
        let rsa = format!(r#"{{"kty":"RSA","n":"{RFC_7638_N}","e":"AQAB"}}"#);
        let rsa = ProofKey::parse(&rsa, Algorithm::PS256);
        assert!(rsa.is_ok_and(|k| k.prepared(Algorithm::PS256).is_some()));
        // Ed25519: y = 3 is a point, y = 2 is not.
        let ed = |y: u8| {
            let mut raw = [0u8; 32];
            raw[0] = y;
            let x = base64url::encode(&raw);
            ProofKey::parse(
                &format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}"#),
                Algorithm::EdDSA,
            )
        };
        assert!(ed(3).is_ok_and(|k| k.prepared(Algorithm::EdDSA).is_some()));
        assert!(ed(2).is_ok_and(|k| k.prepared(Algorithm::EdDSA).is_none()));
    }
}
