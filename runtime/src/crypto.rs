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
