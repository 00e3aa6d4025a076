//! The DER shapes public keys come in (PKCS#1 `RSAPublicKey`,
//! SubjectPublicKeyInfo), read and written with RustCrypto's `der`, `spki`
//! and `pkcs1`: DER's rules (minimal lengths, one encoding per value) are
//! theirs to enforce.

use ::spki::SubjectPublicKeyInfoRef;
use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Encode};
use pkcs1::RsaPublicKey;

/// `rsaEncryption`, the SubjectPublicKeyInfo algorithm of RSA keys.
pub(crate) const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-ecPublicKey`.
pub(crate) const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp256r1` (P-256).
pub(crate) const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `secp384r1` (P-384).
pub(crate) const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// `id-Ed25519` (RFC 8410).
pub(crate) const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// What a SubjectPublicKeyInfo holds: its algorithm, the curve when its
/// parameters name one, and the key's bytes.
pub(crate) struct Spki<'a> {
    pub(crate) algorithm: ObjectIdentifier,
    pub(crate) curve: Option<ObjectIdentifier>,
    pub(crate) key: &'a [u8],
}

/// Reads a SubjectPublicKeyInfo; `None` unless it is one, in DER, with a key
/// of whole bytes.
pub(crate) fn spki(der: &[u8]) -> Option<Spki<'_>> {
    let info = SubjectPublicKeyInfoRef::from_der(der).ok()?;
    let curve = info
        .algorithm
        .parameters
        .and_then(|params| params.decode_as::<ObjectIdentifier>().ok());
    Some(Spki {
        algorithm: info.algorithm.oid,
        curve,
        key: info.subject_public_key.as_bytes()?,
    })
}

/// `(modulus, exponent)` of a PKCS#1 `RSAPublicKey`, big-endian, without
/// leading zeros.
pub(crate) fn rsa_pkcs1(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let key = RsaPublicKey::<UintRef<'_>>::from_der(der).ok()?;
    Some((key.modulus.as_bytes(), key.public_exponent.as_bytes()))
}

/// Encodes a PKCS#1 `RSAPublicKey` from a modulus and exponent given as
/// big-endian bytes: the form aws-lc parses RSA keys from.
#[cfg_attr(not(feature = "aws_lc_rs"), allow(dead_code))]
pub(crate) fn rsa_pkcs1_encode(n: &[u8], e: &[u8]) -> Option<Vec<u8>> {
    let key = RsaPublicKey {
        modulus: UintRef::new(n).ok()?,
        public_exponent: UintRef::new(e).ok()?,
    };
    key.to_der().ok()
}

/// The significant bits of a big-endian unsigned integer.
pub(crate) fn unsigned_bits(int: &[u8]) -> usize {
    let int = match int.iter().position(|&b| b != 0) {
        Some(start) => &int[start..],
        None => return 0,
    };
    (int.len() - 1) * 8 + (8 - int[0].leading_zeros() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_keys_round_trip_through_pkcs1() {
        let n = [0xc5u8; 256];
        let der = rsa_pkcs1_encode(&n, &[1, 0, 1]).unwrap_or_default();
        assert_eq!(rsa_pkcs1(&der), Some((&n[..], &[1u8, 0, 1][..])));
        // Not DER: a long-form length where the short form fits.
        let mut long = der.clone();
        long.splice(1..2, [0x82, 0x00]);
        assert_eq!(rsa_pkcs1(&long), None);
        assert_eq!(rsa_pkcs1(&der[..der.len() - 1]), None);
    }

    #[test]
    fn bits_ignore_leading_zeros() {
        assert_eq!(unsigned_bits(&[0, 0, 1]), 1);
        assert_eq!(unsigned_bits(&[0x80, 0]), 16);
        assert_eq!(unsigned_bits(&[]), 0);
    }

    #[test]
    fn subject_public_key_infos() {
        use base64::Engine as _;
        // A P-256 key from tests/fixtures/keys/p256.pub.der.
        let der = base64::engine::general_purpose::STANDARD
            .decode("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE04N0xi21hshyvBp7I167sbE/bXqyqkAPfefdklMO7wZQjx7HL4LTprsNSeMh0Q2TF4W0czj6X/jUuoTD2dWCfw==")
            .unwrap_or_default();
        let info = spki(&der);
        assert!(
            info.as_ref()
                .is_some_and(|i| i.algorithm == EC && i.curve == Some(P256))
        );
        assert_eq!(info.map(|i| i.key.len()), Some(65));
        assert!(spki(&der[..der.len() - 1]).is_none());
    }
}
