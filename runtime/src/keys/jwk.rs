//! Keys from JWKs (RFC 7517): one, or a whole set.

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, KeyOperations, PublicKeyUse,
};

use super::set::check_unique_kids;
use super::{Key, KeyError, KeyKind, ec_key, ed25519_key};
use crate::algorithm::Algorithm;

impl Key {
    /// A key from one JWK (RFC 7517), as JSON. Its `kid` is kept, its `alg`
    /// (if any) restricts it to that algorithm, and a `use` other than `sig`
    /// or `key_ops` without `verify` refuses it.
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        let jwk: Jwk = serde_json::from_str(json).map_err(|_| KeyError::Malformed("JWK"))?;
        Self::from_parsed_jwk(&jwk)
    }

    /// Every key of a JWK set (`{"keys": [...]}`), as JSON. The set is refused
    /// whole if any key is, or if two keys share a `kid`.
    pub fn set_from_jwks(json: &str) -> Result<Vec<Self>, KeyError> {
        let set: JwkSet = serde_json::from_str(json).map_err(|_| KeyError::Malformed("JWK set"))?;
        let keys = set
            .keys
            .iter()
            .map(Self::from_parsed_jwk)
            .collect::<Result<Vec<_>, _>>()?;
        check_unique_kids(&keys)?;
        Ok(keys)
    }

    fn from_parsed_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        let common = &jwk.common;
        if common
            .public_key_use
            .as_ref()
            .is_some_and(|u| *u != PublicKeyUse::Signature)
        {
            return Err(KeyError::NotForVerifying);
        }
        if common
            .key_operations
            .as_ref()
            .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
        {
            return Err(KeyError::NotForVerifying);
        }
        let only = match &common.key_algorithm {
            None => None,
            Some(alg) => Some(jwk_algorithm(*alg)?),
        };
        let b64 = |value: &str, what| {
            crate::token::base64url::decode_vec(value.as_bytes())
                .map_err(|_| KeyError::Malformed(what))
        };
        let mut key = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => {
                let n = b64(&rsa.n, "RSA JWK")?;
                let e = b64(&rsa.e, "RSA JWK")?;
                Self::rsa_components(&n, &e)?
            }
            AlgorithmParameters::EllipticCurve(ec) => {
                let (kind, size) = match ec.curve {
                    EllipticCurve::P256 => (KeyKind::P256, 32),
                    EllipticCurve::P384 => (KeyKind::P384, 48),
                    EllipticCurve::P521 => return Err(KeyError::Unsupported("P-521")),
                    _ => return Err(KeyError::Malformed("EC JWK")),
                };
                let x = b64(&ec.x, "EC JWK")?;
                let y = b64(&ec.y, "EC JWK")?;
                if x.len() != size || y.len() != size {
                    return Err(KeyError::Malformed("EC JWK"));
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let key = ec_key(&point)?;
                if key.kind() != kind {
                    return Err(KeyError::Malformed("EC JWK"));
                }
                key
            }
            AlgorithmParameters::OctetKeyPair(okp) => {
                if okp.curve != EllipticCurve::Ed25519 {
                    return Err(KeyError::Unsupported("OKP curves other than Ed25519"));
                }
                ed25519_key(&b64(&okp.x, "Ed25519 JWK")?, "Ed25519 JWK")?
            }
            AlgorithmParameters::OctetKey(oct) => Self::hmac(b64(&oct.value, "oct JWK")?)?,
            _ => return Err(KeyError::Unsupported("this JWK type")),
        };
        if let Some(alg) = only
            && !key.kind().can_verify(alg)
        {
            return Err(match (key.kind(), alg.min_hmac_secret()) {
                (KeyKind::Hmac { len }, Some(min)) => KeyError::HmacTooShort { len, min },
                _ => KeyError::NotForVerifying,
            });
        }
        key.only = only;
        key.kid = common.key_id.as_deref().map(Into::into);
        Ok(key)
    }
}

fn jwk_algorithm(alg: KeyAlgorithm) -> Result<Algorithm, KeyError> {
    use KeyAlgorithm as K;
    Ok(match alg {
        K::HS256 => Algorithm::HS256,
        K::HS384 => Algorithm::HS384,
        K::HS512 => Algorithm::HS512,
        K::RS256 => Algorithm::RS256,
        K::RS384 => Algorithm::RS384,
        K::RS512 => Algorithm::RS512,
        K::PS256 => Algorithm::PS256,
        K::PS384 => Algorithm::PS384,
        K::PS512 => Algorithm::PS512,
        K::ES256 => Algorithm::ES256,
        K::ES384 => Algorithm::ES384,
        K::EdDSA => Algorithm::EdDSA,
        _ => return Err(KeyError::NotForVerifying),
    })
}
