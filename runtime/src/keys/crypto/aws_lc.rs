//! The aws-lc-rs backend: `ParsedPublicKey` and `hmac::Key`.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self as sig, ParsedPublicKey, VerificationAlgorithm};

use crate::algorithm::Algorithm;
use crate::keys::KeyError;
use crate::keys::Material;

/// aws-lc-rs's verifying types.
pub(crate) enum Verifying {
    // Boxed: the key schedule is over a kilobyte.
    Hmac(Box<hmac::Key>),
    Public(ParsedPublicKey),
}

impl Verifying {
    pub(crate) fn new(material: &Material, alg: Algorithm) -> Result<Self, KeyError> {
        use Algorithm as A;
        let hmac_alg = match alg {
            A::HS256 => Some(hmac::HMAC_SHA256),
            A::HS384 => Some(hmac::HMAC_SHA384),
            A::HS512 => Some(hmac::HMAC_SHA512),
            _ => None,
        };
        let public: &'static dyn VerificationAlgorithm = match (material, alg) {
            (Material::Secret(secret), _) => {
                let hmac_alg = hmac_alg.ok_or(KeyError::NotForVerifying)?;
                return Ok(Self::Hmac(Box::new(hmac::Key::new(hmac_alg, secret))));
            }
            (Material::Rsa { .. }, A::RS256) => &sig::RSA_PKCS1_2048_8192_SHA256,
            (Material::Rsa { .. }, A::RS384) => &sig::RSA_PKCS1_2048_8192_SHA384,
            (Material::Rsa { .. }, A::RS512) => &sig::RSA_PKCS1_2048_8192_SHA512,
            (Material::Rsa { .. }, A::PS256) => &sig::RSA_PSS_2048_8192_SHA256,
            (Material::Rsa { .. }, A::PS384) => &sig::RSA_PSS_2048_8192_SHA384,
            (Material::Rsa { .. }, A::PS512) => &sig::RSA_PSS_2048_8192_SHA512,
            (Material::Ec(_), A::ES256) => &sig::ECDSA_P256_SHA256_FIXED,
            (Material::Ec(_), A::ES384) => &sig::ECDSA_P384_SHA384_FIXED,
            (Material::Ed25519(_), A::EdDSA) => &sig::ED25519,
            _ => return Err(KeyError::NotForVerifying),
        };
        let parsed = match material {
            Material::Rsa { n, e } => {
                let der = crate::keys::formats::rsa_pkcs1_encode(n, e)
                    .ok_or(KeyError::Malformed("RSA public key"))?;
                ParsedPublicKey::new(public, der)
            }
            Material::Ec(point) => ParsedPublicKey::new(public, point),
            Material::Ed25519(raw) => ParsedPublicKey::new(public, raw),
            Material::Secret(_) => return Err(KeyError::NotForVerifying),
        };
        parsed
            .map(Self::Public)
            .map_err(|_| KeyError::Malformed("public key (refused by aws-lc)"))
    }

    /// Whether `signature` is valid over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Hmac(key) => hmac::verify(key, message, signature).is_ok(),
            Self::Public(key) => key.verify_sig(message, signature).is_ok(),
        }
    }
}

/// Whether `point` (uncompressed SEC1) lies on its curve, as aws-lc decides
/// when it parses a public key.
pub(crate) fn ec_point(point: &[u8], kind: crate::keys::KeyKind) -> bool {
    let algorithm = match kind {
        crate::keys::KeyKind::P384 => &sig::ECDSA_P384_SHA384_FIXED,
        _ => &sig::ECDSA_P256_SHA256_FIXED,
    };
    ParsedPublicKey::new(algorithm, point).is_ok()
}

/// Whether `raw` encodes a point of Edwards25519. aws-lc takes any 32 bytes
/// as an Ed25519 public key (the point is only decoded when a signature is
/// checked), so this asks curve25519-dalek, the crate RustCrypto's Ed25519
/// is built on: a key that is not a point is refused when it is made, as it
/// is on the other backend.
pub(crate) fn ed25519_point(raw: &[u8; 32]) -> bool {
    curve25519_dalek::edwards::CompressedEdwardsY(*raw)
        .decompress()
        .is_some()
}
