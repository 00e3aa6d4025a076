//! Keys and tokens: the fixture keys in `tests/fixtures/keys`, and tokens
//! signed with them for every algorithm.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};

/// The HMAC secret the tests sign with: long enough for HS512.
pub const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A file of `tests/fixtures/`, by its path inside that folder (found from
/// this package, whichever package's test asks).
pub fn fixture_path(name: &str) -> String {
    format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The Wycheproof vectors, read in place from `shared/vectors/wycheproof/`
/// beside the project (a checkout without that folder has none).
pub fn wycheproof_path() -> String {
    format!(
        "{}/../../shared/vectors/wycheproof/",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A fixture key's bytes, by its name in `tests/fixtures/keys/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(&format!("keys/{name}"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// base64url without padding.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The fixture signing key for `alg`.
pub fn encoding_key(alg: Algorithm) -> EncodingKey {
    let key = match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => EncodingKey::from_secret(SECRET),
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => EncodingKey::from_rsa_pem(&fixture("rsa.key")),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&fixture("p256.key")),
        Algorithm::ES384 => EncodingKey::from_ec_pem(&fixture("p384.key")),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&fixture("ed25519.key")),
        other => panic!("no fixture key for {other:?}"),
    };
    key.unwrap_or_else(|e| panic!("{alg:?}: {e}"))
}

/// Pins jsonwebtoken's process-wide provider to its RustCrypto backend,
/// which the kit always builds: a workspace build that also turns on
/// jsonwebtoken's `aws_lc_rs` (the benchmarks do, for their baselines) leaves
/// it unable to choose, and it panics on first use. Idempotent.
pub fn pin_jsonwebtoken_provider() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

/// The base64url signature of `input` by `key` for `alg`.
pub fn signature(input: &str, key: &EncodingKey, alg: Algorithm) -> String {
    pin_jsonwebtoken_provider();
    jsonwebtoken::crypto::sign(input.as_bytes(), key, alg)
        .unwrap_or_else(|e| panic!("{alg:?}: {e}"))
}

/// A token with exactly this header and payload (JSON, or any bytes at
/// all), signed with the fixture key for `alg`.
pub fn sign_raw(alg: Algorithm, header: impl AsRef<[u8]>, payload: impl AsRef<[u8]>) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = signature(&input, &encoding_key(alg), alg);
    format!("{input}.{signature}")
}

/// A token with a plain header for `alg`.
pub fn sign(alg: Algorithm, payload: &str) -> String {
    sign_raw(alg, format!(r#"{{"alg":"{alg:?}","typ":"JWT"}}"#), payload)
}

/// Mints HS256 tokens with a keyed HMAC computed once: each token clones the
/// keyed state instead of re-deriving the key, so a token costs a few
/// microseconds and a million can be made on the fly, one per request, never
/// held together in memory (what the soak run does).
pub struct HsMinter {
    mac: hmac::Hmac<sha2::Sha256>,
    header: String,
}

impl HsMinter {
    /// A minter for `secret`, under the header `{"alg":"HS256","typ":"JWT"}`.
    pub fn new(secret: &[u8]) -> Self {
        Self::with_header(secret, r#"{"alg":"HS256","typ":"JWT"}"#)
    }

    /// A minter for `secret` under `header` (JSON), which should say HS256.
    pub fn with_header(secret: &[u8], header: &str) -> Self {
        use hmac::KeyInit as _;
        Self {
            mac: hmac::Hmac::new_from_slice(secret).unwrap_or_else(|e| panic!("{e}")),
            header: b64(header),
        }
    }

    /// The token of `payload`.
    pub fn token(&self, payload: &str) -> String {
        use hmac::Mac as _;
        let mut token = String::with_capacity(self.header.len() + payload.len() * 4 / 3 + 48);
        token.push_str(&self.header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut token);
        token
    }
}
