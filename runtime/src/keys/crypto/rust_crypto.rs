//! The RustCrypto backend: `hmac`/`sha2`, `rsa`, `p256`, `p384`,
//! `ed25519-dalek`, the crates and versions jsonwebtoken's own `rust_crypto`
//! backend builds on.

use ed25519_dalek::Verifier as _;
use hmac::KeyInit as _;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use crate::algorithm::Algorithm;
use crate::keys::KeyError;
use crate::keys::{MAX_RSA_BITS, MIN_RSA_BITS, Material};

/// The RustCrypto verifying types.
pub(crate) enum Verifying {
    Hs256(hmac::Hmac<Sha256>),
    Hs384(hmac::Hmac<Sha384>),
    Hs512(hmac::Hmac<Sha512>),
    Rsa(Box<rsa::PublicKey>, Algorithm),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl Verifying {
    pub(crate) fn new(material: &Material, alg: Algorithm) -> Result<Self, KeyError> {
        use Algorithm as A;
        let refused = |what| KeyError::Malformed(what);
        Ok(match (material, alg) {
            (Material::Secret(secret), A::HS256) => {
                Self::Hs256(hmac::Hmac::new_from_slice(secret).map_err(|_| refused("HMAC secret"))?)
            }
            (Material::Secret(secret), A::HS384) => {
                Self::Hs384(hmac::Hmac::new_from_slice(secret).map_err(|_| refused("HMAC secret"))?)
            }
            (Material::Secret(secret), A::HS512) => {
                Self::Hs512(hmac::Hmac::new_from_slice(secret).map_err(|_| refused("HMAC secret"))?)
            }
            (
                Material::Rsa { n, e },
                A::RS256 | A::RS384 | A::RS512 | A::PS256 | A::PS384 | A::PS512,
            ) => {
                let key = rsa::PublicKey::new_with_size_limits(
                    rsa::BoxedUint::from_be_slice_vartime(n),
                    rsa::BoxedUint::from_be_slice_vartime(e),
                    MIN_RSA_BITS..=MAX_RSA_BITS,
                )
                .map_err(|_| refused("RSA public key"))?;
                Self::Rsa(Box::new(key), alg)
            }
            (Material::Ec(point), A::ES256) => Self::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|_| refused("P-256 public key"))?,
            ),
            (Material::Ec(point), A::ES384) => Self::P384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .map_err(|_| refused("P-384 public key"))?,
            ),
            (Material::Ed25519(raw), A::EdDSA) => Self::Ed25519(
                ed25519_dalek::VerifyingKey::from_bytes(raw)
                    .map_err(|_| refused("Ed25519 public key"))?,
            ),
            _ => return Err(KeyError::NotForVerifying),
        })
    }

    /// Whether `signature` is valid over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        fn mac<M: hmac::Mac + Clone>(state: &M, message: &[u8], tag: &[u8]) -> bool {
            let mut mac = state.clone();
            mac.update(message);
            mac.verify_slice(tag).is_ok()
        }
        match self {
            Self::Hs256(state) => mac(state, message, signature),
            Self::Hs384(state) => mac(state, message, signature),
            Self::Hs512(state) => mac(state, message, signature),
            Self::Rsa(key, alg) => rsa_verify(key, *alg, message, signature),
            Self::P256(key) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            Self::P384(key) => p384::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            Self::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
        }
    }
}

fn rsa_verify(key: &rsa::PublicKey, alg: Algorithm, message: &[u8], sig: &[u8]) -> bool {
    use rsa::{Pkcs1v15Sign, Pss};
    let verdict = match alg {
        Algorithm::RS256 => {
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), sig)
        }
        Algorithm::RS384 => {
            key.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(message), sig)
        }
        Algorithm::RS512 => {
            key.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(message), sig)
        }
        Algorithm::PS256 => key.verify(Pss::<Sha256>::new(), &Sha256::digest(message), sig),
        Algorithm::PS384 => key.verify(Pss::<Sha384>::new(), &Sha384::digest(message), sig),
        Algorithm::PS512 => key.verify(Pss::<Sha512>::new(), &Sha512::digest(message), sig),
        _ => return false,
    };
    verdict.is_ok()
}

/// Whether `point` (uncompressed SEC1) lies on its curve, as the curve's
/// crate decides when it parses a public key.
pub(crate) fn ec_point(point: &[u8], kind: crate::keys::KeyKind) -> bool {
    match kind {
        crate::keys::KeyKind::P384 => p384::PublicKey::from_sec1_bytes(point).is_ok(),
        _ => p256::PublicKey::from_sec1_bytes(point).is_ok(),
    }
}

/// Whether `raw` encodes a point of Edwards25519, as ed25519-dalek decides
/// when it decompresses a public key.
pub(crate) fn ed25519_point(raw: &[u8; 32]) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(raw).is_ok()
}
