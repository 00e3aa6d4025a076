//! Signature verification with keys prepared once, when a verifier is built.
//!
//! Every key is parsed into the backend's own verifying type for each
//! algorithm it is bound to: an HMAC key schedule, an RSA modulus with its
//! Montgomery parameters, a decompressed curve point. A request then pays for
//! the signature check alone. (jsonwebtoken's `crypto::verify` re-parses the
//! key on every call, which for Ed25519 and RSA costs as much as a small
//! request.)
//!
//! The backend is chosen here, by this crate's features, and its crates are
//! called directly; jsonwebtoken is only used for its key formats (PEM, JWK),
//! so its process-wide crypto provider, which panics on first use when both of
//! its backend features end up enabled in one build, is never involved. With
//! both features on, `aws_lc_rs` wins.

use crate::base64url;
use crate::key::Material;
use crate::{Algorithm, KeyError, Reason};

#[cfg(not(any(feature = "rust_crypto", feature = "aws_lc_rs")))]
compile_error!(
    "claimguard needs a crypto backend: enable its `rust_crypto` (default) or `aws_lc_rs` feature"
);

/// The crypto backend this build verifies with: `"aws-lc-rs"` when the
/// `aws_lc_rs` feature is on (whether or not `rust_crypto` is too, as
/// feature unification in a large application may make it), else
/// `"rust-crypto"`. Decided at compile time; nothing is chosen at run time.
pub const CRYPTO_BACKEND: &str = if cfg!(feature = "aws_lc_rs") {
    "aws-lc-rs"
} else {
    "rust-crypto"
};

/// The longest signature segment: an RSA-8192 signature is 1366 characters.
pub(crate) const MAX_SIGNATURE_SEGMENT: usize = 1400;
/// What [`MAX_SIGNATURE_SEGMENT`] characters decode to at most.
const MAX_SIGNATURE_BYTES: usize = MAX_SIGNATURE_SEGMENT / 4 * 3;
/// Signatures up to this size (ECDSA P-384's 96 bytes) are decoded into a
/// small buffer, so that the common case does not clear a kilobyte.
const SMALL_SIGNATURE_BYTES: usize = 96;

/// A key prepared for one algorithm.
pub(crate) struct Prepared(backend::Verifying);

impl Prepared {
    /// Prepares `material` for `alg`; the caller has checked that the key's
    /// family fits the algorithm.
    pub(crate) fn new(material: &Material, alg: Algorithm) -> Result<Self, KeyError> {
        backend::Verifying::new(material, alg).map(Self)
    }

    /// Checks `signature` (the token's base64url segment) over `message`. The
    /// signature is decoded on the stack.
    pub(crate) fn verify(&self, message: &[u8], signature: &str) -> Result<(), Reason> {
        if signature.len() > MAX_SIGNATURE_SEGMENT {
            return Err(Reason::Signature);
        }
        let reason = |e| match e {
            base64url::Error::TooSmall => Reason::Signature,
            base64url::Error::Invalid => Reason::Malformed,
        };
        let valid = if signature.len() <= SMALL_SIGNATURE_BYTES / 3 * 4 {
            let mut buf = [0u8; SMALL_SIGNATURE_BYTES];
            let len = base64url::decode(signature.as_bytes(), &mut buf).map_err(reason)?;
            self.0.verify(message, &buf[..len])
        } else {
            let mut buf = [0u8; MAX_SIGNATURE_BYTES];
            let len = base64url::decode(signature.as_bytes(), &mut buf).map_err(reason)?;
            self.0.verify(message, &buf[..len])
        };
        if valid {
            Ok(())
        } else {
            Err(Reason::Signature)
        }
    }
}

#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
mod backend {
    use ed25519_dalek::Verifier as _;
    use hmac::KeyInit as _;
    use sha2::{Digest as _, Sha256, Sha384, Sha512};

    use crate::key::{MAX_RSA_BITS, MIN_RSA_BITS, Material};
    use crate::{Algorithm, KeyError};

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
                (Material::Secret(secret), A::HS256) => Self::Hs256(
                    hmac::Hmac::new_from_slice(secret).map_err(|_| refused("HMAC secret"))?,
                ),
                (Material::Secret(secret), A::HS384) => Self::Hs384(
                    hmac::Hmac::new_from_slice(secret).map_err(|_| refused("HMAC secret"))?,
                ),
                (Material::Secret(secret), A::HS512) => Self::Hs512(
                    hmac::Hmac::new_from_slice(secret).map_err(|_| refused("HMAC secret"))?,
                ),
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
}

#[cfg(feature = "aws_lc_rs")]
mod backend {
    use aws_lc_rs::hmac;
    use aws_lc_rs::signature::{self as sig, ParsedPublicKey, VerificationAlgorithm};

    use crate::key::Material;
    use crate::{Algorithm, KeyError};

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
                    ParsedPublicKey::new(public, crate::der::rsa_pkcs1_encode(n, e))
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
}
