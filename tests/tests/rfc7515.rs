//! The examples of RFC 7515 Appendix A: A.1 (HS256), A.2 (RS256) and A.3
//! (ES256), with their keys as the RFC gives them (public parts only). All
//! three sign the same JWT, so each goes through the signature layer and
//! through the full verifier; then every byte of each is flipped in turn.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimguard::{Claims, Key, ManualClock, Reason, Verifier};

/// The claims of every Appendix A example:
/// `{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}`
#[derive(Claims, Debug)]
#[claims(algorithms = [HS256, RS256, ES256], issuer = "joe")]
struct Joe {
    #[claims(max_len = 16)]
    iss: String,
    exp: u64,
    #[claims(rename = "http://example.com/is_root")]
    is_root: bool,
}

const EXP: u64 = 1_300_819_380;

/// A.1.1: `{"typ":"JWT",\r\n "alg":"HS256"}`, the claims, and the HMAC.
const A1_TOKEN: &str = concat!(
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
);

const A1_KEY: &str = concat!(
    r#"{"kty":"oct","k":""#,
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75",
    "aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
    r#""}"#,
);

/// A.2.1: `{"alg":"RS256"}`, the claims, and the RSASSA-PKCS1-v1_5 signature.
const A2_TOKEN: &str = concat!(
    "eyJhbGciOiJSUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7",
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4",
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K",
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv",
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB",
    "p0igcN_IoypGlUPQGe77Rw",
);

/// The public members of the A.2 key.
const A2_KEY: &str = concat!(
    r#"{"kty":"RSA","n":""#,
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx",
    "HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs",
    "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH",
    "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV",
    "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8",
    "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
    r#"","e":"AQAB"}"#,
);

/// A.3.1: `{"alg":"ES256"}`, the claims, and the ECDSA signature (R || S).
const A3_TOKEN: &str = concat!(
    "eyJhbGciOiJFUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8I",
    "SlSApmWQxfKTUJqPP3-Kg6NU1Q",
);

/// The public members of the A.3 key.
const A3_KEY: &str = concat!(
    r#"{"kty":"EC","crv":"P-256","#,
    r#""x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","#,
    r#""y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
);

const EXAMPLES: [(&str, &str, &str); 3] = [
    ("A.1 HS256", A1_TOKEN, A1_KEY),
    ("A.2 RS256", A2_TOKEN, A2_KEY),
    ("A.3 ES256", A3_TOKEN, A3_KEY),
];

/// One verifier with the three keys: each fits exactly one pinned algorithm.
fn verifier(now: u64) -> Verifier<Joe> {
    let keys = EXAMPLES
        .iter()
        .map(|(name, _, jwk)| Key::from_jwk(jwk).unwrap_or_else(|e| panic!("{name}: {e}")));
    Verifier::<Joe>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .keys(keys)
        .clock(ManualClock::new(now))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_examples_verify_at_the_signature_layer() {
    let verifier = verifier(EXP - 1);
    for (name, token, _) in EXAMPLES {
        assert_eq!(verifier.verify_signature(token), Ok(()), "{name}");
    }
}

#[test]
fn the_examples_pass_the_full_verifier_before_exp() {
    let verifier = verifier(EXP - 1);
    for (name, token, _) in EXAMPLES {
        let joe = verifier
            .verify(token)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(joe.iss, "joe", "{name}");
        assert_eq!(joe.exp, EXP, "{name}");
        assert!(joe.is_root, "{name}");
    }
}

#[test]
fn the_examples_expire_at_exp() {
    let verifier = verifier(EXP);
    for (name, token, _) in EXAMPLES {
        assert_eq!(
            verifier.verify(token).map_err(|e| e.reason()).err(),
            Some(Reason::Expired),
            "{name}"
        );
        // Expiry is not the signature layer's business.
        assert_eq!(verifier.verify_signature(token), Ok(()), "{name}");
    }
}

#[test]
fn another_issuer_is_refused() {
    let verifier = Verifier::<Joe>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::from_jwk(A1_KEY).unwrap_or_else(|e| panic!("{e}")))
        .issuers(["https://joe.example"])
        .clock(ManualClock::new(EXP - 1))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        verifier.verify(A1_TOKEN).map_err(|e| e.reason()).err(),
        Some(Reason::Issuer)
    );
}

/// `token` with one bit of byte `index` of segment `segment` flipped.
fn flipped(token: &str, segment: usize, index: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut bytes = URL_SAFE_NO_PAD
        .decode(&parts[segment])
        .unwrap_or_else(|e| panic!("{e}"));
    bytes[index] ^= 0x01;
    parts[segment] = URL_SAFE_NO_PAD.encode(bytes);
    parts.join(".")
}

fn segment_len(token: &str, segment: usize) -> usize {
    let part = token.split('.').nth(segment).unwrap_or_default();
    URL_SAFE_NO_PAD
        .decode(part)
        .unwrap_or_else(|e| panic!("{e}"))
        .len()
}

#[test]
fn every_flipped_byte_is_refused() {
    let verifier = verifier(EXP - 1);
    let mut flips = 0;
    for (name, token, _) in EXAMPLES {
        for segment in 0..3 {
            for index in 0..segment_len(token, segment) {
                let forged = flipped(token, segment, index);
                let at_signature = verifier.verify_signature(&forged).map_err(|e| e.reason());
                let full = verifier.verify(&forged).map_err(|e| e.reason());
                let what = format!("{name}: segment {segment}, byte {index}");
                assert!(full.is_err(), "{what}: accepted by the full verifier");
                if segment == 0 {
                    // A changed header may no longer parse, or name another
                    // algorithm; refused in any case.
                    assert!(at_signature.is_err(), "{what}: signature layer accepted it");
                } else {
                    // The payload is covered by the signature, and is not
                    // read before the signature is checked.
                    assert_eq!(at_signature, Err(Reason::Signature), "{what}");
                    assert_eq!(full.err(), Some(Reason::Signature), "{what}");
                }
                flips += 1;
            }
        }
    }
    // Headers of 30, 15 and 15 bytes, the 70-byte payload three times, and
    // signatures of 32, 256 and 64 bytes.
    assert_eq!(flips, 30 + 15 + 15 + 3 * 70 + 32 + 256 + 64);
}
