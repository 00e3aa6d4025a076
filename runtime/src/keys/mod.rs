//! Verification keys, each bound to the algorithms it may verify.
//!
//! A key is checked when it is made (an HMAC secret's length, an RSA modulus's
//! size, an elliptic curve) and again when a [`Verifier`](crate::Verifier) is
//! built, against the algorithms the claims type pins: a key that can verify
//! none of them is refused there, not at request time. Key material never
//! appears in `Debug` output or in errors.

use core::fmt;

use jsonwebtoken::DecodingKey;

pub(crate) mod crypto;
pub(crate) mod formats;
mod jwk;
#[cfg(feature = "remote")]
pub mod remote;
pub(crate) mod ring;
pub(crate) mod set;

use crate::algorithm::Algorithm;
use formats::unsigned_bits;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// The largest RSA modulus accepted, in bits.
pub const MAX_RSA_BITS: usize = 8192;

/// The shortest HMAC secret accepted by [`Key::hmac`] (HS256's minimum); HS384
/// and HS512 need 48 and 64 bytes.
pub const MIN_HMAC_BYTES: usize = 32;

/// Why a key, a key set or a verifier could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// An HMAC secret shorter than its hash's output.
    HmacTooShort {
        /// The secret's length in bytes.
        len: usize,
        /// The least the pinned algorithm accepts.
        min: usize,
    },
    /// An RSA modulus smaller than [`MIN_RSA_BITS`] (one larger than
    /// [`MAX_RSA_BITS`] is [`KeyError::Unsupported`]).
    RsaTooSmall {
        /// The modulus's size in bits.
        bits: usize,
    },
    /// The bytes are not a key of the stated format.
    Malformed(&'static str),
    /// A curve, key type or size claimguard does not verify (P-521, X25519,
    /// an RSA modulus over [`MAX_RSA_BITS`], a private key in a public set,
    /// ...).
    Unsupported(&'static str),
    /// The key can verify none of the algorithms the claims type pins.
    WrongFamily {
        /// What the key is.
        key: &'static str,
        /// What the claims type pins.
        pinned: &'static [Algorithm],
    },
    /// A JWK says it is not for verifying signatures, or names an algorithm
    /// that does not fit its key type.
    NotForVerifying,
    /// Two keys share a `kid`.
    DuplicateKid,
    /// A verifier was built without a key.
    NoKeys,
    /// The verifier's keys come from remote issuers: it is made with
    /// `VerifierBuilder::start`, not `build`, and its issuers replace their
    /// keys themselves.
    Remote,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HmacTooShort { len, min } => write!(
                f,
                "the HMAC secret is {len} bytes; the pinned algorithm needs at least {min}"
            ),
            Self::RsaTooSmall { bits } => write!(
                f,
                "the RSA modulus is {bits} bits; at least {MIN_RSA_BITS} are required"
            ),
            Self::Malformed(what) => write!(f, "the key is not a valid {what}"),
            Self::Unsupported(what) => write!(f, "not supported: {what}"),
            Self::WrongFamily { key, pinned } => {
                write!(f, "{key} key cannot verify any of the pinned algorithms (")?;
                for (i, alg) in pinned.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(alg.name())?;
                }
                f.write_str(")")
            }
            Self::NotForVerifying => f.write_str("the JWK is not a signature verification key"),
            Self::DuplicateKid => f.write_str("two keys share one `kid`"),
            Self::NoKeys => f.write_str("a verifier needs at least one key"),
            Self::Remote => f.write_str(
                "the keys come from remote issuers: start the verifier with `start().await`; \
                 its issuers replace their keys themselves",
            ),
        }
    }
}

impl std::error::Error for KeyError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Hmac { len: usize },
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl KeyKind {
    fn name(self) -> &'static str {
        match self {
            Self::Hmac { .. } => "an HMAC",
            Self::Rsa => "an RSA",
            Self::P256 => "a P-256",
            Self::P384 => "a P-384",
            Self::Ed25519 => "an Ed25519",
        }
    }

    pub(crate) fn can_verify(self, alg: Algorithm) -> bool {
        use Algorithm as A;
        match self {
            Self::Hmac { len } => alg.min_hmac_secret().is_some_and(|min| len >= min),
            Self::Rsa => matches!(
                alg,
                A::RS256 | A::RS384 | A::RS512 | A::PS256 | A::PS384 | A::PS512
            ),
            Self::P256 => alg == A::ES256,
            Self::P384 => alg == A::ES384,
            Self::Ed25519 => alg == A::EdDSA,
        }
    }
}

/// The key itself, in the one form each family is kept in; the backend
/// prepares it for each algorithm when a verifier is built.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Material {
    /// An HMAC secret.
    Secret(Box<[u8]>),
    /// An RSA modulus and public exponent, big-endian, without leading zeros.
    Rsa { n: Box<[u8]>, e: Box<[u8]> },
    /// An uncompressed SEC1 point on P-256 or P-384.
    Ec(Box<[u8]>),
    /// An Ed25519 point, compressed.
    Ed25519([u8; 32]),
}

impl Material {
    /// The key's family, which its form determines (an EC point's length
    /// names its curve; the constructors checked it).
    fn kind(&self) -> KeyKind {
        match self {
            Self::Secret(secret) => KeyKind::Hmac { len: secret.len() },
            Self::Rsa { .. } => KeyKind::Rsa,
            Self::Ec(point) if point.len() == 65 => KeyKind::P256,
            Self::Ec(_) => KeyKind::P384,
            Self::Ed25519(_) => KeyKind::Ed25519,
        }
    }
}

/// A public key (or HMAC secret) that verifies token signatures.
#[derive(Clone)]
pub struct Key {
    pub(crate) material: Material,
    pub(crate) kid: Option<Box<str>>,
    pub(crate) only: Option<Algorithm>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key material, secret or not, is left out on purpose.
        f.debug_struct("Key")
            .field("kind", &self.kind().name())
            .field("kid", &self.kid)
            .field("only", &self.only)
            .finish_non_exhaustive()
    }
}

/// An RSA key from its modulus and exponent (big-endian, leading zeros
/// allowed), once both are checked.
pub(crate) fn rsa_key(n: &[u8], e: &[u8]) -> Result<Key, KeyError> {
    let bits = unsigned_bits(n);
    if bits < MIN_RSA_BITS {
        return Err(KeyError::RsaTooSmall { bits });
    }
    if bits > MAX_RSA_BITS {
        return Err(KeyError::Unsupported("RSA moduli over 8192 bits"));
    }
    // An odd exponent of at least 3 and at most 33 bits, as both backends
    // require (aws-lc refuses larger ones).
    let e_bits = unsigned_bits(e);
    if !(2..=33).contains(&e_bits) || e.last().is_none_or(|b| b & 1 == 0) {
        return Err(KeyError::Malformed("RSA public exponent"));
    }
    let trim = |int: &[u8]| -> Box<[u8]> {
        let start = int.iter().position(|&b| b != 0).unwrap_or(int.len());
        int[start..].into()
    };
    Ok(Key::new(Material::Rsa {
        n: trim(n),
        e: trim(e),
    }))
}

/// An Ed25519 key from its 32 bytes, once they are known to encode a point
/// of Edwards25519.
fn ed25519_key(raw: &[u8], what: &'static str) -> Result<Key, KeyError> {
    let raw: [u8; 32] = raw.try_into().map_err(|_| KeyError::Malformed(what))?;
    if !crypto::ed25519_point(&raw) {
        return Err(KeyError::Malformed(
            "Ed25519 public key (not a point on the curve)",
        ));
    }
    Ok(Key::new(Material::Ed25519(raw)))
}

/// A P-256 or P-384 key from an uncompressed SEC1 point, once the point is
/// known to lie on its curve.
fn ec_key(point: &[u8]) -> Result<Key, KeyError> {
    ec_kind(point)?;
    Ok(Key::new(Material::Ec(point.into())))
}

/// The curve of an uncompressed SEC1 point, once it is known to lie on it.
fn ec_kind(point: &[u8]) -> Result<KeyKind, KeyError> {
    let kind = match (point.first(), point.len()) {
        (Some(4), 65) => KeyKind::P256,
        (Some(4), 97) => KeyKind::P384,
        (Some(4), 133) => return Err(KeyError::Unsupported("P-521")),
        _ => {
            return Err(KeyError::Malformed(
                "uncompressed P-256 or P-384 public key",
            ));
        }
    };
    if !crypto::ec_point(point, kind) {
        return Err(KeyError::Malformed(
            "EC public key (the point is not on its curve)",
        ));
    }
    Ok(kind)
}

impl Key {
    pub(crate) fn kind(&self) -> KeyKind {
        self.material.kind()
    }

    fn new(material: Material) -> Self {
        Self {
            material,
            kid: None,
            only: None,
        }
    }

    /// An HMAC secret of at least [`MIN_HMAC_BYTES`] bytes. It verifies
    /// HS256, and HS384 and HS512 when it is at least 48 and 64 bytes long.
    pub fn hmac(secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let secret = secret.as_ref();
        if secret.len() < MIN_HMAC_BYTES {
            return Err(KeyError::HmacTooShort {
                len: secret.len(),
                min: MIN_HMAC_BYTES,
            });
        }
        Ok(Self::new(Material::Secret(secret.into())))
    }

    /// An RSA public key in PEM (`RSA PUBLIC KEY` or `PUBLIC KEY`).
    pub fn rsa_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let decoding = DecodingKey::from_rsa_pem(pem.as_ref())
            .map_err(|_| KeyError::Malformed("RSA public key PEM"))?;
        let pkcs1 = decoding
            .try_get_as_bytes()
            .map_err(|_| KeyError::Malformed("RSA public key PEM"))?;
        let (n, e) = formats::rsa_pkcs1(pkcs1).ok_or(KeyError::Malformed("RSA public key PEM"))?;
        rsa_key(n, e)
    }

    /// An RSA public key in DER: PKCS#1 `RSAPublicKey` or SubjectPublicKeyInfo.
    pub fn rsa_der(der: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let der = der.as_ref();
        let pkcs1 = match formats::spki(der) {
            Some(info) if info.algorithm == formats::RSA => info.key,
            Some(_) => {
                return Err(KeyError::WrongFamily {
                    key: "a non-RSA",
                    pinned: &[],
                });
            }
            None => der,
        };
        let (n, e) = formats::rsa_pkcs1(pkcs1).ok_or(KeyError::Malformed("RSA public key DER"))?;
        rsa_key(n, e)
    }

    /// An RSA public key from its modulus and exponent, big-endian bytes.
    pub fn rsa_components(modulus: &[u8], exponent: &[u8]) -> Result<Self, KeyError> {
        rsa_key(modulus, exponent)
    }

    /// A P-256 or P-384 public key in PEM (`PUBLIC KEY`).
    pub fn ec_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let decoding = DecodingKey::from_ec_pem(pem.as_ref())
            .map_err(|_| KeyError::Malformed("EC public key PEM"))?;
        let point = decoding
            .try_get_as_bytes()
            .map_err(|_| KeyError::Malformed("EC public key PEM"))?;
        ec_key(point)
    }

    /// A P-256 or P-384 public key as a DER SubjectPublicKeyInfo.
    pub fn ec_der(der: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let info = formats::spki(der.as_ref()).ok_or(KeyError::Malformed("EC public key DER"))?;
        if info.algorithm != formats::EC {
            return Err(KeyError::Malformed("EC public key DER"));
        }
        let (curve, key) = (info.curve, ec_key(info.key)?);
        let expected = match key.kind() {
            KeyKind::P256 => formats::P256,
            _ => formats::P384,
        };
        if curve != Some(expected) {
            return Err(KeyError::Malformed("EC public key DER"));
        }
        Ok(key)
    }

    /// An Ed25519 public key in PEM (`PUBLIC KEY`).
    pub fn ed25519_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let decoding = DecodingKey::from_ed_pem(pem.as_ref())
            .map_err(|_| KeyError::Malformed("Ed25519 public key PEM"))?;
        let raw = decoding
            .try_get_as_bytes()
            .map_err(|_| KeyError::Malformed("Ed25519 public key PEM"))?;
        ed25519_key(raw, "Ed25519 public key PEM")
    }

    /// An Ed25519 public key as a DER SubjectPublicKeyInfo.
    pub fn ed25519_der(der: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        match formats::spki(der.as_ref()) {
            Some(info) if info.algorithm == formats::ED25519 && info.curve.is_none() => {
                ed25519_key(info.key, "Ed25519 public key DER")
            }
            _ => Err(KeyError::Malformed("Ed25519 public key DER")),
        }
    }

    /// Names this key, so that a token's `kid` header selects it.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into().into_boxed_str());
        self
    }

    /// Restricts this key to one algorithm.
    #[must_use]
    pub fn only_for(mut self, algorithm: Algorithm) -> Self {
        self.only = Some(algorithm);
        self
    }

    /// The key's id, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether this key may verify `algorithm`.
    pub fn can_verify(&self, algorithm: Algorithm) -> bool {
        self.kind().can_verify(algorithm) && self.only.is_none_or(|only| only == algorithm)
    }

    /// The algorithms of `pinned` this key may verify, or why it can verify none.
    pub(crate) fn bind(&self, pinned: &'static [Algorithm]) -> Result<u16, KeyError> {
        let mask = pinned
            .iter()
            .filter(|alg| self.can_verify(**alg))
            .fold(0u16, |mask, alg| mask | set::alg_bit(*alg));
        if mask != 0 {
            return Ok(mask);
        }
        let hmac_min = pinned
            .iter()
            .filter_map(|alg| alg.min_hmac_secret())
            .filter(|_| self.only.is_none())
            .min();
        Err(match (self.kind(), hmac_min) {
            (KeyKind::Hmac { len }, Some(min)) => KeyError::HmacTooShort { len, min },
            (kind, _) => KeyError::WrongFamily {
                key: kind.name(),
                pinned,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const HS: &[Algorithm] = &[Algorithm::HS256];
    const HS512: &[Algorithm] = &[Algorithm::HS512];
    const RS: &[Algorithm] = &[Algorithm::RS256];

    #[test]
    fn hmac_secrets_below_the_hash_size_are_refused() {
        assert_eq!(
            Key::hmac([7u8; 31]).err(),
            Some(KeyError::HmacTooShort { len: 31, min: 32 })
        );
        let key = Key::hmac([7u8; 32]).unwrap_or_else(|e| panic!("{e}"));
        assert!(key.bind(HS).is_ok());
        assert_eq!(
            key.bind(HS512).err(),
            Some(KeyError::HmacTooShort { len: 32, min: 64 })
        );
        let long = Key::hmac([7u8; 64]).unwrap_or_else(|e| panic!("{e}"));
        assert!(long.bind(HS512).is_ok());
    }

    #[test]
    fn a_key_of_the_wrong_family_is_refused_when_bound() {
        let key = Key::hmac([7u8; 32]).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(key.bind(RS), Err(KeyError::WrongFamily { .. })));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let key =
            Key::hmac(b"super-secret-value-that-is-32-bytes!").unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{key:?}");
        assert!(!debug.contains("super-secret"), "{debug}");
        assert!(!debug.contains("115, 117"), "{debug}");
    }

    #[test]
    fn small_rsa_moduli_are_refused() {
        let mut n = vec![0xff; 128];
        assert_eq!(
            Key::rsa_components(&n, &[1, 0, 1]).err(),
            Some(KeyError::RsaTooSmall { bits: 1024 })
        );
        n = vec![0xff; 256];
        assert!(Key::rsa_components(&n, &[1, 0, 1]).is_ok());
        assert!(Key::rsa_components(&n, &[2]).is_err());
    }

    #[test]
    fn rsa_keys_beyond_what_the_backends_verify_are_refused() {
        // 8192 bits is the largest modulus; leading zeros do not count.
        let mut n = vec![0xff; 1024];
        assert!(Key::rsa_components(&n, &[1, 0, 1]).is_ok());
        n.insert(0, 0);
        assert!(Key::rsa_components(&n, &[1, 0, 1]).is_ok());
        n[0] = 1;
        assert_eq!(
            Key::rsa_components(&n, &[1, 0, 1]).err(),
            Some(KeyError::Unsupported("RSA moduli over 8192 bits"))
        );
        // Exponents: odd, at least 3, at most 33 bits.
        let n = vec![0xff; 256];
        let malformed = Some(KeyError::Malformed("RSA public exponent"));
        assert_eq!(Key::rsa_components(&n, &[1]).err(), malformed);
        assert!(Key::rsa_components(&n, &[3]).is_ok());
        assert!(Key::rsa_components(&n, &[1, 0xff, 0xff, 0xff, 0xff]).is_ok());
        assert_eq!(Key::rsa_components(&n, &[2, 0, 0, 0, 1]).err(), malformed);
    }

    #[test]
    fn ec_points_off_their_curve_are_refused() {
        use base64::engine::general_purpose::STANDARD;
        // A P-256 SubjectPublicKeyInfo whose point has one bit of y flipped.
        let off = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE04N0xi21hshyvBp7I167sbE/bXqyqkAPfefdklMO7wZQjx7HL4LTprsNSeMh0Q2TF4W0czj6X/jUuoTD2dWCfA==";
        let der = STANDARD.decode(off).unwrap_or_default();
        assert!(matches!(Key::ec_der(&der), Err(KeyError::Malformed(_))));
        let jwk = r#"{"kty":"EC","crv":"P-256","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgnw"}"#;
        assert!(matches!(Key::from_jwk(jwk), Err(KeyError::Malformed(_))));
        let good = jwk.replace("9nVgnw", "9nVgmw");
        assert!(Key::from_jwk(&good).is_ok());
    }

    #[test]
    fn ed25519_keys_off_the_curve_are_refused() {
        let spki = |y: u8| {
            let mut der = vec![
                0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
            ];
            let mut point = [0u8; 32];
            point[0] = y;
            der.extend_from_slice(&point);
            der
        };
        // y = 3 is on the curve, y = 2 is not.
        assert!(Key::ed25519_der(spki(3)).is_ok());
        assert!(matches!(
            Key::ed25519_der(spki(2)),
            Err(KeyError::Malformed(_))
        ));
        let x = URL_SAFE_NO_PAD.encode({
            let mut point = [0u8; 32];
            point[0] = 2;
            point
        });
        let jwk = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}"#);
        assert!(matches!(Key::from_jwk(&jwk), Err(KeyError::Malformed(_))));
    }

    #[test]
    fn jwk_sets_refuse_duplicate_kids_and_encryption_keys() {
        let k = URL_SAFE_NO_PAD.encode([9u8; 32]);
        let one = format!(r#"{{"kty":"oct","k":"{k}","kid":"a"}}"#);
        assert!(Key::from_jwk(&one).is_ok());
        let dup = format!(r#"{{"keys":[{one},{one}]}}"#);
        assert_eq!(Key::set_from_jwks(&dup).err(), Some(KeyError::DuplicateKid));
        let enc = format!(r#"{{"kty":"oct","k":"{k}","use":"enc"}}"#);
        assert_eq!(Key::from_jwk(&enc).err(), Some(KeyError::NotForVerifying));
        let wrong_alg = format!(r#"{{"kty":"oct","k":"{k}","alg":"RS256"}}"#);
        assert_eq!(
            Key::from_jwk(&wrong_alg).err(),
            Some(KeyError::NotForVerifying)
        );
    }
}
