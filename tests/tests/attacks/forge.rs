//! Building the tokens of the tables: claims sets, signatures of every
//! kind, segments edited by hand.

use claimguard_tests::{NOW, SECRET, b64, sign, sign_raw};
use jsonwebtoken::Algorithm as J;
use jsonwebtoken::EncodingKey;

use super::setup::*;

// ---------------------------------------------------------------- tokens

pub(crate) fn claims(extra: &str) -> String {
    format!(
        r#"{{"sub":"alice","exp":{},"iss":"{ISS}","aud":"api"{extra}}}"#,
        NOW + 60
    )
}

pub(crate) fn with_exp(exp: &str) -> String {
    format!(r#"{{"sub":"alice","exp":{exp},"iss":"{ISS}","aud":"api"}}"#)
}

/// The main claims with one member's value replaced (or the member removed).
pub(crate) fn replace(member: &str, value: Option<&str>) -> String {
    let mut fields = vec![
        ("sub", r#""alice""#.to_owned()),
        ("exp", (NOW + 60).to_string()),
        ("iss", format!(r#""{ISS}""#)),
        ("aud", r#""api""#.to_owned()),
    ];
    fields.retain(|(name, _)| *name != member);
    if let Some(value) = value {
        fields.push((member_name(member), value.to_owned()));
    }
    let body = fields
        .iter()
        .map(|(k, v)| format!(r#""{k}":{v}"#))
        .collect::<Vec<_>>()
        .join(",");
    format!("{{{body}}}")
}

pub(crate) fn member_name(member: &str) -> &'static str {
    match member {
        "sub" => "sub",
        "exp" => "exp",
        "iss" => "iss",
        "aud" => "aud",
        "nbf" => "nbf",
        "iat" => "iat",
        other => panic!("unknown member {other}"),
    }
}

pub(crate) fn hs(payload: &str) -> String {
    sign(J::HS256, payload)
}

/// Signs `input` (already `header.payload`) with an HMAC secret.
pub(crate) fn hmac_input(alg: J, secret: &[u8], input: &str) -> String {
    let key = ok(EncodingKey::from_secret(secret));
    let sig = claimguard_tests::signature(input, &key, alg);
    format!("{input}.{sig}")
}

/// A token with this header and payload, HMAC-signed with `secret`.
pub(crate) fn hmac_raw(alg: J, secret: &[u8], header: &str, payload: &str) -> String {
    hmac_input(alg, secret, &format!("{}.{}", b64(header), b64(payload)))
}

/// A token of raw header and payload bytes, HS256-signed with SECRET.
pub(crate) fn hs_bytes(header: &[u8], payload: &[u8]) -> String {
    hmac_input(
        J::HS256,
        SECRET,
        &format!("{}.{}", b64(header), b64(payload)),
    )
}

pub(crate) fn split3(token: &str) -> (&str, &str, &str) {
    let mut it = token.splitn(3, '.');
    match (it.next(), it.next(), it.next()) {
        (Some(h), Some(p), Some(s)) => (h, p, s),
        _ => panic!("not three segments"),
    }
}

pub(crate) const ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub(crate) fn index_of(c: u8) -> usize {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .unwrap_or_else(|| panic!("not base64url: {c}"))
}

/// `segment` with the character at `at` replaced by a different one that
/// differs in its top bits (so that it is never a mere trailing-bit change).
pub(crate) fn flip(segment: &str, at: usize) -> String {
    let mut bytes = segment.as_bytes().to_vec();
    bytes[at] = ALPHABET[(index_of(bytes[at]) + 32) % 64];
    String::from_utf8(bytes).unwrap_or_default()
}

/// `segment` with one of the unused trailing bits of its last character set.
pub(crate) fn noncanonical(segment: &str) -> String {
    assert_ne!(segment.len() % 4, 0, "no trailing bits to set");
    let mut bytes = segment.as_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] = ALPHABET[index_of(bytes[last]) | 1];
    String::from_utf8(bytes).unwrap_or_default()
}

/// An HS256 token of exactly `len` bytes, valid for `Api`.
pub(crate) fn token_of_len(len: usize) -> String {
    for spaces in 0..4 {
        let header = format!(r#"{{"alg":"HS256"{}}}"#, " ".repeat(spaces));
        for pad in 0..len {
            let payload = claims(&format!(r#","x":"{}""#, "a".repeat(pad)));
            let token = sign_raw(J::HS256, &header, &payload);
            if token.len() == len {
                return token;
            }
            if token.len() > len {
                break;
            }
        }
    }
    panic!("no token of {len} bytes");
}

/// An HS256 token for `Api` whose header segment is exactly `len` characters.
pub(crate) fn header_of_len(len: usize) -> String {
    assert_eq!(len % 4, 0);
    let json_len = len / 4 * 3;
    let filler = json_len - r#"{"alg":"HS256","x":""}"#.len();
    let header = format!(r#"{{"alg":"HS256","x":"{}"}}"#, "a".repeat(filler));
    let token = sign_raw(J::HS256, &header, claims(""));
    assert_eq!(split3(&token).0.len(), len);
    token
}

pub(crate) fn es(payload: &str) -> String {
    sign(J::ES256, payload)
}

/// Claims for the types without issuer or audience.
pub(crate) const SHORT: &str = r#"{"sub":"x","exp":1800000000}"#;

pub(crate) fn es_with_signature(sig: &[u8]) -> String {
    let token = es(SHORT);
    let (h, p, _) = split3(&token);
    format!("{h}.{p}.{}", b64(sig))
}

/// `n - s` for a P-256 scalar, big-endian.
pub(crate) fn p256_negate(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = u8::try_from(d).unwrap_or_default();
    }
    assert_eq!(borrow, 0, "s >= n");
    out
}

pub(crate) fn high_s_twin(token: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (h, p, s) = split3(token);
    let sig = ok(URL_SAFE_NO_PAD.decode(s));
    assert_eq!(sig.len(), 64);
    let mut twin = sig[..32].to_vec();
    twin.extend_from_slice(&p256_negate(&sig[32..]));
    format!("{h}.{p}.{}", b64(twin))
}

pub(crate) fn attacker_es(header: &str, payload: &str) -> String {
    let key = ok(EncodingKey::from_ec_pem(ATTACKER_P256.as_bytes()));
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = claimguard_tests::signature(&input, &key, J::ES256);
    format!("{input}.{sig}")
}

pub(crate) fn attacker_jwk() -> String {
    use jsonwebtoken::jwk::Jwk;
    let key = ok(EncodingKey::from_ec_pem(ATTACKER_P256.as_bytes()));
    let jwk = ok(Jwk::from_encoding_key(&key, J::ES256));
    serde_json::to_string(&jwk).unwrap_or_default()
}
