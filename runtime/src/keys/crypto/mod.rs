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

use crate::algorithm::Algorithm;
use crate::keys::KeyError;
use crate::keys::Material;
use crate::reason::Reason;
use crate::token::base64url;

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
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Reason> {
        if signature.len() > MAX_SIGNATURE_SEGMENT {
            return Err(Reason::Signature);
        }
        let reason = |e| match e {
            base64url::Error::TooSmall => Reason::Signature,
            base64url::Error::Invalid => Reason::Malformed,
        };
        let valid = if signature.len() <= SMALL_SIGNATURE_BYTES / 3 * 4 {
            let mut buf = [0u8; SMALL_SIGNATURE_BYTES];
            let len = base64url::decode(signature, &mut buf).map_err(reason)?;
            self.0.verify(message, &buf[..len])
        } else {
            let mut buf = [0u8; MAX_SIGNATURE_BYTES];
            let len = base64url::decode(signature, &mut buf).map_err(reason)?;
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
#[path = "rust_crypto.rs"]
mod backend;

#[cfg(feature = "aws_lc_rs")]
#[path = "aws_lc.rs"]
mod backend;

pub(crate) use backend::{ec_point, ed25519_point};
