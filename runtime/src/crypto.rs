//! Signature verification through jsonwebtoken's crypto backends.
//!
//! The backend is chosen here, by this crate's features, and called directly:
//! jsonwebtoken's process-wide default provider panics on first use when both
//! of its backend features end up enabled in one build, which a feature
//! union in a large workspace can do behind anyone's back. With both features
//! on, `aws_lc_rs` wins.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;

use crate::{Algorithm, Reason};

#[cfg(not(any(feature = "rust_crypto", feature = "aws_lc_rs")))]
compile_error!(
    "claimguard needs a crypto backend: enable its `rust_crypto` (default) or `aws_lc_rs` feature"
);

#[cfg(feature = "aws_lc_rs")]
use jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER as PROVIDER;
#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER as PROVIDER;

/// The longest signature segment: an RSA-8192 signature is 1366 characters.
const MAX_SIGNATURE_SEGMENT: usize = 1400;

/// HMAC keys, keyed once when the verifier is built: per request only the
/// message is hashed, into a copy of the keyed state, and the tag is decoded
/// on the stack. With the RustCrypto backend this skips the per-request key
/// schedule (two hash blocks) and two allocations of jsonwebtoken's
/// `crypto::verify`; with `aws_lc_rs` the backend's own path is used.
#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
#[derive(Clone)]
pub(crate) struct HmacKeys {
    hs256: Option<hmac::Hmac<sha2::Sha256>>,
    hs384: Option<hmac::Hmac<sha2::Sha384>>,
    hs512: Option<hmac::Hmac<sha2::Sha512>>,
}

#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
impl HmacKeys {
    /// The keyed states for the algorithms of `algorithms` a secret may verify.
    pub(crate) fn new(secret: &[u8], algorithms: &[Algorithm]) -> Self {
        use hmac::KeyInit as _;
        let has = |alg| algorithms.contains(&alg);
        Self {
            hs256: has(Algorithm::HS256)
                .then(|| hmac::Hmac::new_from_slice(secret).ok())
                .flatten(),
            hs384: has(Algorithm::HS384)
                .then(|| hmac::Hmac::new_from_slice(secret).ok())
                .flatten(),
            hs512: has(Algorithm::HS512)
                .then(|| hmac::Hmac::new_from_slice(secret).ok())
                .flatten(),
        }
    }

    /// The verdict for an HMAC algorithm, or `None` for another algorithm.
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> Option<Result<(), Reason>> {
        fn check<M: hmac::Mac + Clone>(
            state: Option<&M>,
            message: &[u8],
            signature: &str,
        ) -> Result<(), Reason> {
            let state = state.ok_or(Reason::UnknownKey)?;
            // HS512 tags are 64 bytes; a longer signature cannot match.
            let mut tag = [0u8; 72];
            let len = URL_SAFE_NO_PAD
                .decode_slice(signature, &mut tag)
                .map_err(|e| match e {
                    base64::DecodeSliceError::OutputSliceTooSmall => Reason::Signature,
                    base64::DecodeSliceError::DecodeError(_) => Reason::Malformed,
                })?;
            let mut mac = state.clone();
            mac.update(message);
            mac.verify_slice(&tag[..len]).map_err(|_| Reason::Signature)
        }
        Some(match alg {
            Algorithm::HS256 => check(self.hs256.as_ref(), message, signature),
            Algorithm::HS384 => check(self.hs384.as_ref(), message, signature),
            Algorithm::HS512 => check(self.hs512.as_ref(), message, signature),
            _ => return None,
        })
    }
}

/// Checks `signature` (base64url) over `message` with `key` under `alg`.
pub(crate) fn verify(
    key: &DecodingKey,
    alg: Algorithm,
    message: &[u8],
    signature: &str,
) -> Result<(), Reason> {
    if signature.len() > MAX_SIGNATURE_SEGMENT {
        return Err(Reason::Signature);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| Reason::Malformed)?;
    let verifier =
        (PROVIDER.verifier_factory)(&alg.to_jwt(), key).map_err(|_| Reason::Signature)?;
    verifier
        .verify(message, &signature)
        .map_err(|_| Reason::Signature)
}
