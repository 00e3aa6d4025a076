//! Compact JWS tokens signed with the embedded keys, through jsonwebtoken's
//! RustCrypto provider called explicitly (never its process-wide default,
//! which panics when a build has both of its backends).

use std::io;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::EncodingKey;
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use serde_json::Value;

use super::keyring::{Family, HMAC_SECRET, KEYS};
use crate::Algorithm;

/// The parsed signing keys: one per [`KEYS`] entry, same order, and the
/// HMAC secret.
pub(crate) struct Signers {
    /// `KEYS[i]`'s private key.
    keys: Vec<EncodingKey>,
    /// [`HMAC_SECRET`] as a key.
    hmac: EncodingKey,
}

impl Signers {
    /// Parses every embedded key (an error would be a broken embedded file).
    pub(crate) fn load() -> io::Result<Self> {
        let keys = KEYS
            .iter()
            .map(|key| parse(key.family, key.pem).map_err(|e| invalid(key.kid, &e)))
            .collect::<io::Result<_>>()?;
        let hmac = EncodingKey::from_secret(HMAC_SECRET).map_err(|e| invalid("hmac", &e))?;
        Ok(Self { keys, hmac })
    }

    /// The key at `index` in [`KEYS`], or the HMAC secret for `None`.
    fn key(&self, index: Option<usize>) -> Option<&EncodingKey> {
        match index {
            Some(index) => self.keys.get(index),
            None => Some(&self.hmac),
        }
    }

    /// A token: `header` and `claims` as base64url JSON, signed with `alg`
    /// by the key at `index` (`None`: the HMAC secret). A key that cannot
    /// sign (never so for the embedded keys) leaves the signature empty,
    /// which no verifier accepts.
    pub(crate) fn token(
        &self,
        alg: Algorithm,
        index: Option<usize>,
        header: &Value,
        claims: &Value,
    ) -> String {
        let message = format!("{}.{}", encode_json(header), encode_json(claims));
        let signature = self
            .key(index)
            .and_then(|key| sign(alg, key, message.as_bytes()))
            .unwrap_or_default();
        format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// A private key of `family` from its PEM text.
fn parse(family: Family, pem: &str) -> jsonwebtoken::errors::Result<EncodingKey> {
    match family {
        Family::Rsa => EncodingKey::from_rsa_pem(pem.as_bytes()),
        Family::P256 | Family::P384 => EncodingKey::from_ec_pem(pem.as_bytes()),
        Family::Ed25519 => EncodingKey::from_ed_pem(pem.as_bytes()),
        Family::Hmac => EncodingKey::from_secret(pem.as_bytes()),
    }
}

/// The error for an embedded key that does not parse.
fn invalid(kid: &str, error: &jsonwebtoken::errors::Error) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("embedded test key {kid}: {error}"),
    )
}

/// The signature of `message` with `alg` by `key`.
fn sign(alg: Algorithm, key: &EncodingKey, message: &[u8]) -> Option<Vec<u8>> {
    let signer = (DEFAULT_PROVIDER.signer_factory)(&jose(alg), key).ok()?;
    signer.try_sign(message).ok()
}

/// JSON text as base64url without padding.
fn encode_json(value: &Value) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// jsonwebtoken's name for `alg`.
const fn jose(alg: Algorithm) -> jsonwebtoken::Algorithm {
    match alg {
        Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
        Algorithm::HS384 => jsonwebtoken::Algorithm::HS384,
        Algorithm::HS512 => jsonwebtoken::Algorithm::HS512,
        Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::RS384 => jsonwebtoken::Algorithm::RS384,
        Algorithm::RS512 => jsonwebtoken::Algorithm::RS512,
        Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
        Algorithm::PS384 => jsonwebtoken::Algorithm::PS384,
        Algorithm::PS512 => jsonwebtoken::Algorithm::PS512,
        Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
        Algorithm::ES384 => jsonwebtoken::Algorithm::ES384,
        Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
    }
}
