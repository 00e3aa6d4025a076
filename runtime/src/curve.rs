//! Is a P-256, P-384 or Ed25519 point on its curve? Checked once, when a key is made,
//! so that a corrupted or hostile public key is refused at start-up instead
//! of failing every request. Plain schoolbook arithmetic on six 64-bit limbs:
//! slow by crypto standards, but it runs once per key, needs no backend, and
//! handles public data only (no constant-time requirement).

/// A number below 2^384, little-endian 64-bit limbs.
type Limbs = [u64; 6];

/// P-256's prime and `b` (a = -3), big-endian.
const P256_P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const P256_B: &str = "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b";
/// P-384's prime and `b` (a = -3), big-endian.
const P384_P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff";
const P384_B: &str = "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef";

fn from_hex(hex: &str) -> Limbs {
    let mut out = [0u64; 6];
    for (i, chunk) in hex.as_bytes().rchunks(16).enumerate() {
        let digits = core::str::from_utf8(chunk).unwrap_or("0");
        out[i] = u64::from_str_radix(digits, 16).unwrap_or(0);
    }
    out
}

fn from_be(bytes: &[u8]) -> Option<Limbs> {
    if bytes.len() > 48 {
        return None;
    }
    let mut out = [0u64; 6];
    for (i, chunk) in bytes.rchunks(8).enumerate() {
        out[i] = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    }
    Some(out)
}

fn less(a: &Limbs, b: &Limbs) -> bool {
    for i in (0..6).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// `a + b`, with the carry out of the top limb.
fn add(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u64; 6];
    let mut carry = false;
    for i in 0..6 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        out[i] = s2;
        carry = c1 || c2;
    }
    (out, carry)
}

fn sub(a: &Limbs, b: &Limbs) -> Limbs {
    let mut out = [0u64; 6];
    let mut borrow = false;
    for i in 0..6 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        out[i] = d2;
        borrow = b1 || b2;
    }
    out
}

/// `(a + b) mod p`, for `a, b < p`.
fn add_mod(a: &Limbs, b: &Limbs, p: &Limbs) -> Limbs {
    let (sum, carry) = add(a, b);
    if carry || !less(&sum, p) {
        sub(&sum, p)
    } else {
        sum
    }
}

/// `(a * b) mod p` by double-and-add over the bits of `b`.
fn mul_mod(a: &Limbs, b: &Limbs, p: &Limbs) -> Limbs {
    let mut acc = [0u64; 6];
    for i in (0..6).rev() {
        for bit in (0..64).rev() {
            acc = add_mod(&acc, &acc, p);
            if (b[i] >> bit) & 1 == 1 {
                acc = add_mod(&acc, a, p);
            }
        }
    }
    acc
}

/// Whether the uncompressed SEC1 point (`04 || x || y`) lies on P-256 (65
/// bytes) or P-384 (97 bytes): coordinates below `p`, and
/// `y^2 = x^3 - 3x + b (mod p)`. The point at infinity has no uncompressed
/// encoding, so it is never accepted.
pub(crate) fn on_curve(point: &[u8]) -> bool {
    let (p, b, size) = match point.len() {
        65 => (from_hex(P256_P), from_hex(P256_B), 32),
        97 => (from_hex(P384_P), from_hex(P384_B), 48),
        _ => return false,
    };
    if point.first() != Some(&4) {
        return false;
    }
    let (Some(x), Some(y)) = (from_be(&point[1..=size]), from_be(&point[1 + size..])) else {
        return false;
    };
    if !less(&x, &p) || !less(&y, &p) {
        return false;
    }
    let y2 = mul_mod(&y, &y, &p);
    let x3 = mul_mod(&mul_mod(&x, &x, &p), &x, &p);
    let three_x = add_mod(&add_mod(&x, &x, &p), &x, &p);
    // x^3 - 3x + b, with the subtraction done as adding p - 3x.
    let minus_three_x = if three_x == [0; 6] {
        three_x
    } else {
        sub(&p, &three_x)
    };
    let rhs = add_mod(&add_mod(&x3, &minus_three_x, &p), &b, &p);
    y2 == rhs
}

/// `base^exp mod p` by square-and-multiply over the bits of `exp`.
fn pow_mod(base: &Limbs, exp: &Limbs, p: &Limbs) -> Limbs {
    let mut acc = [0u64; 6];
    acc[0] = 1;
    for i in (0..6).rev() {
        for bit in (0..64).rev() {
            acc = mul_mod(&acc, &acc, p);
            if (exp[i] >> bit) & 1 == 1 {
                acc = mul_mod(&acc, base, p);
            }
        }
    }
    acc
}

/// Edwards25519's prime `2^255 - 19`, `d`, `p - 2` and `(p - 1) / 2`, big-endian.
const ED_P: &str = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
const ED_D: &str = "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3";
const ED_P_MINUS_2: &str = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeb";
const ED_HALF: &str = "3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff6";

/// Whether 32 bytes are the encoding of a point on Edwards25519 (RFC 8032
/// §5.1.3): `y` below `p`, and `x^2 = (y^2 - 1) / (d y^2 + 1)` a square, with
/// no sign bit on `x = 0`. Checked by Euler's criterion, so no square root is
/// taken.
pub(crate) fn ed25519_on_curve(encoded: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 32]>::try_from(encoded) else {
        return false;
    };
    let sign = bytes[31] >> 7;
    let mut big_endian = bytes;
    big_endian.reverse();
    big_endian[0] &= 0x7f;
    let (p, d) = (from_hex(ED_P), from_hex(ED_D));
    let Some(y) = from_be(&big_endian) else {
        return false;
    };
    if !less(&y, &p) {
        return false;
    }
    let mut one = [0u64; 6];
    one[0] = 1;
    let y2 = mul_mod(&y, &y, &p);
    // u = y^2 - 1 and v = d y^2 + 1, all mod p.
    let u = if y2 == [0; 6] {
        sub(&p, &one)
    } else {
        sub(&y2, &one)
    };
    let v = add_mod(&mul_mod(&d, &y2, &p), &one, &p);
    let w = mul_mod(&u, &pow_mod(&v, &from_hex(ED_P_MINUS_2), &p), &p);
    if w == [0; 6] {
        return sign == 0;
    }
    pow_mod(&w, &from_hex(ED_HALF), &p) == one
}

#[cfg(test)]
mod tests {
    use super::on_curve;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or(0))
            .collect()
    }

    #[test]
    fn ed25519_encodings() {
        use super::ed25519_on_curve;
        let y = |n: u8| {
            let mut bytes = [0u8; 32];
            bytes[0] = n;
            bytes
        };
        // Small y values on and off the curve (checked independently).
        for good in [1u8, 3, 4, 5, 6, 9] {
            assert!(ed25519_on_curve(&y(good)), "{good}");
        }
        for bad in [2u8, 7, 8, 11, 12] {
            assert!(!ed25519_on_curve(&y(bad)), "{bad}");
        }
        // y = 1 gives x = 0, whose sign bit must be clear.
        let mut negative_zero = y(1);
        negative_zero[31] |= 0x80;
        assert!(!ed25519_on_curve(&negative_zero));
        // y = p is not canonical.
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!ed25519_on_curve(&p));
        assert!(!ed25519_on_curve(&[0u8; 31]));
        // RFC 8032 test 1's public key.
        let rfc = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert!(ed25519_on_curve(&rfc));
    }

    #[test]
    fn generators_are_on_their_curves() {
        let p256 = hex(concat!(
            "04",
            "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
        ));
        assert!(on_curve(&p256));
        let p384 = hex(concat!(
            "04",
            "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
            "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f"
        ));
        assert!(on_curve(&p384));
        // One bit off in y, and the point is not on the curve.
        let mut off = p256.clone();
        off[64] ^= 1;
        assert!(!on_curve(&off));
        let mut off = p384.clone();
        off[96] ^= 1;
        assert!(!on_curve(&off));
        // Compressed, wrong length, or coordinates not below p.
        let mut compressed = p256.clone();
        compressed[0] = 2;
        assert!(!on_curve(&compressed));
        assert!(!on_curve(&p256[..64]));
        let mut big = vec![4u8];
        big.extend([0xff; 64]);
        assert!(!on_curve(&big));
        // Wycheproof's "invalid_point" key: y differs from a valid key's in
        // one bit of its last byte.
        let x = "d38374c62db586c872bc1a7b235ebbb1b13f6d7ab2aa400f7de7dd92530eef06";
        let valid = hex(&format!(
            "04{x}508f1ec72f82d3a6bb0d49e321d10d931785b47338fa5ff8d4ba84c3d9d5826c"
        ));
        let modified = hex(&format!(
            "04{x}508f1ec72f82d3a6bb0d49e321d10d931785b47338fa5ff8d4ba84c3d9d5827c"
        ));
        assert!(on_curve(&valid));
        assert!(!on_curve(&modified));
    }
}
