//! The few DER shapes that public keys come in: just enough to learn an RSA
//! modulus size and to take the key out of a SubjectPublicKeyInfo.

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;

pub(crate) const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
pub(crate) const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub(crate) const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub(crate) const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
pub(crate) const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// One tag-length-value: `(tag, content, rest)`.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        // DER: the long form only for lengths that need it, without leading zeros.
        if len < 0x80 || bytes[0] == 0 {
            return None;
        }
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((tag, content, rest))
}

fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    match tlv(input)? {
        (t, content, rest) if t == tag => Some((content, rest)),
        _ => None,
    }
}

/// The significant bits of a DER INTEGER's content (as an unsigned value).
pub(crate) fn unsigned_bits(int: &[u8]) -> usize {
    let int = match int.iter().position(|&b| b != 0) {
        Some(start) => &int[start..],
        None => return 0,
    };
    (int.len() - 1) * 8 + (8 - int[0].leading_zeros() as usize)
}

/// `(modulus, exponent)` of a PKCS#1 `RSAPublicKey`.
pub(crate) fn rsa_pkcs1(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (body, rest) = expect(der, SEQUENCE)?;
    if !rest.is_empty() {
        return None;
    }
    let (n, body) = expect(body, INTEGER)?;
    let (e, body) = expect(body, INTEGER)?;
    body.is_empty().then_some((n, e))
}

/// Encodes a PKCS#1 `RSAPublicKey` from a modulus and exponent given as
/// big-endian bytes without leading zeros: the form aws-lc parses keys from.
#[cfg_attr(not(feature = "aws_lc_rs"), allow(dead_code))]
pub(crate) fn rsa_pkcs1_encode(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn header(out: &mut Vec<u8>, tag: u8, len: usize) {
        out.push(tag);
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = &bytes[skip..];
        match significant {
            // Short form: one byte below 0x80.
            [] => out.push(0),
            [short] if *short < 0x80 => out.push(*short),
            // Long form: the count of length bytes, then the bytes.
            _ => {
                out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0x7f));
                out.extend_from_slice(significant);
            }
        }
    }
    fn integer(out: &mut Vec<u8>, int: &[u8]) {
        // A positive INTEGER whose top bit is set takes a leading zero.
        let pad = int.first().is_none_or(|&b| b & 0x80 != 0);
        header(out, INTEGER, int.len() + usize::from(pad));
        if pad {
            out.push(0);
        }
        out.extend_from_slice(int);
    }
    let mut body = Vec::with_capacity(n.len() + e.len() + 12);
    integer(&mut body, n);
    integer(&mut body, e);
    let mut out = Vec::with_capacity(body.len() + 6);
    header(&mut out, SEQUENCE, body.len());
    out.extend_from_slice(&body);
    out
}

/// The parts of a SubjectPublicKeyInfo: `(algorithm OID, parameter OID if
/// any, key bytes)`.
pub(crate) type Spki<'a> = (&'a [u8], Option<&'a [u8]>, &'a [u8]);

/// Reads a SubjectPublicKeyInfo.
pub(crate) fn spki(der: &[u8]) -> Option<Spki<'_>> {
    let (body, rest) = expect(der, SEQUENCE)?;
    if !rest.is_empty() {
        return None;
    }
    let (algorithm, body) = expect(body, SEQUENCE)?;
    let (oid, params) = expect(algorithm, OID)?;
    let param_oid = match tlv(params) {
        Some((OID, content, _)) => Some(content),
        _ => None,
    };
    let (bits, body) = expect(body, BIT_STRING)?;
    if !body.is_empty() {
        return None;
    }
    // The first byte of a BIT STRING counts unused bits; keys use whole bytes.
    let (&unused, key) = bits.split_first()?;
    (unused == 0).then_some((oid, param_oid, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        assert_eq!(tlv(&[0x02, 0x01, 0x05]), Some((0x02, &[0x05][..], &[][..])));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(7, 0x80));
        assert_eq!(tlv(&long).map(|(_, c, _)| c.len()), Some(0x80));
        // Non-minimal and truncated encodings are refused.
        assert_eq!(tlv(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]), None);
        assert_eq!(tlv(&[0x04, 0x05, 1]), None);
        assert_eq!(tlv(&[0x04]), None);
    }

    #[test]
    fn encodes_what_it_reads() {
        for (n, e) in [
            (vec![0xc5; 256], vec![1, 0, 1]),
            (vec![0x35; 256], vec![3]),
            (vec![0x80; 1024], vec![0x81, 0, 0, 1]),
            (vec![0x7f; 100], vec![0x7f]),
        ] {
            let der = rsa_pkcs1_encode(&n, &e);
            let (n2, e2) = rsa_pkcs1(&der).unwrap_or_else(|| panic!("{der:02x?}"));
            let strip = |int: &[u8]| {
                int.iter()
                    .skip_while(|&&b| b == 0)
                    .copied()
                    .collect::<Vec<_>>()
            };
            assert_eq!((strip(n2), strip(e2)), (n.clone(), e.clone()));
            // A leading zero exactly when the top bit is set.
            assert_eq!(n2.len(), n.len() + usize::from(n[0] >= 0x80));
        }
    }

    #[test]
    fn counts_bits() {
        assert_eq!(unsigned_bits(&[0x00, 0x80]), 8);
        assert_eq!(unsigned_bits(&[0x01, 0x00]), 9);
        assert_eq!(unsigned_bits(&[0x00]), 0);
    }
}
