//! Project Wycheproof's JSON Web Signature and JSON Web Key vectors, read in
//! place from `../shared/vectors/wycheproof/` beside the project (they are
//! never copied in). A clone of the project alone has no such folder: each
//! test then says it skipped, and passes.
//!
//! The JWS payloads are raw bytes, not claims, so the verdicts are taken at
//! the signature layer (`verify_signature`); through the full verifier every
//! case must be refused, without a panic. Where the data is known to be wrong,
//! or claimguard refuses by design what the file accepts, the tables below
//! say so case by case; a case in no table must get the file's verdict.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use claimguard::{Claims, Key, KeyError, Reason, Verifier};
use serde_json::Value;

/// Any algorithm, any claims: the payloads are not JWT claims sets.
#[derive(Claims, Debug)]
#[claims(algorithms = [HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA])]
struct Anything {
    #[allow(dead_code)]
    exp: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid,
    /// Wycheproof's "acceptable": either verdict passes.
    Acceptable,
}

fn verdict(test: &Value) -> Verdict {
    match test["result"].as_str() {
        Some("valid") => Verdict::Valid,
        Some("invalid") => Verdict::Invalid,
        Some("acceptable") => Verdict::Acceptable,
        other => panic!("unknown result {other:?} in {test}"),
    }
}

/// What claimguard made of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Accepted,
    Refused(Reason),
    /// The key, or the key set, was refused before any token was seen.
    KeyRefused(KeyError),
}

impl Outcome {
    fn accepted(&self) -> bool {
        *self == Self::Accepted
    }
}

// Why a case's label is not followed: the data quirks listed in the
// vectors' README, then what claimguard refuses by design.
const SAME_AS_TC357: &str = "byte-identical to the valid tc357, labelled invalid";
const NOT_BASE64URL: &str = "labelled valid, but `?` is not base64url (RFC 7515 §2)";
const KEY_ALG: &str = "the key's `alg` (PS256) is not the token's (PS384): RFC 7517 §4.4";
const P521: &str = "ES512 on P-521, which claimguard does not verify: the key is refused";
/// A JWT's payload is a JSON object, so the size gate refuses an empty
/// segment before anything is decoded (lib.rs, "Size gate").
const EMPTY_PAYLOAD: &str = "empty payload, refused by the size gate";

/// json_web_signature_test.json: the cases whose label claimguard does not
/// follow, with the verdict it gives instead and why.
const JWS_OVERRIDES: &[(u64, Verdict, &str)] = &[
    (367, Verdict::Valid, SAME_AS_TC357),
    (370, Verdict::Valid, SAME_AS_TC357),
    (372, Verdict::Invalid, NOT_BASE64URL),
    (373, Verdict::Invalid, NOT_BASE64URL),
    (346, Verdict::Invalid, KEY_ALG),
    (350, Verdict::Invalid, KEY_ALG),
    (347, Verdict::Invalid, P521),
    (351, Verdict::Invalid, P521),
    (259, Verdict::Invalid, EMPTY_PAYLOAD),
    (264, Verdict::Invalid, EMPTY_PAYLOAD),
    (268, Verdict::Invalid, EMPTY_PAYLOAD),
    (272, Verdict::Invalid, EMPTY_PAYLOAD),
    (320, Verdict::Invalid, EMPTY_PAYLOAD),
    (325, Verdict::Invalid, EMPTY_PAYLOAD),
];

/// json_web_signature_test.json: the reason for the refusals that show an
/// attack was stopped where it should be.
const JWS_REASONS: &[(u64, Reason)] = &[
    (8, Reason::UnknownKey),   // kid changed to one no key has
    (16, Reason::Malformed),   // alg none, no signature: empty segment
    (17, Reason::Malformed),   // JSON serialization
    (31, Reason::UnknownKey),  // HS256 over an EC key: no key fits HS256
    (32, Reason::Signature),   // an embedded `jwk` header is never trusted
    (331, Reason::Signature),  // PS512 header, RS256 signature
    (332, Reason::UnknownKey), // RS256 header, key bound to PS512
    (341, Reason::Malformed),  // alg none
    (346, Reason::UnknownKey), // PS384 token, key bound to PS256
    (372, Reason::Malformed),  // `?` in the header
    (373, Reason::Malformed),  // `?` in the payload
    (379, Reason::Signature),  // ECDSA signature too long
    (386, Reason::Signature),  // r = s = 0
];

/// json_web_key_test.json: the cases whose label claimguard does not
/// follow, with the verdict it gives instead and why.
const JWK_OVERRIDES: &[(u64, Verdict, &str)] = &[
    // Flagged "Ambiguous" (best practice, not RFC). claimguard takes an HMAC
    // secret and public keys in one set by design: each key is bound to the
    // algorithms of its family, so the EC key can never be used as an HMAC
    // secret, and the HS256 token is verified by the HMAC key its kid names.
    (1, Verdict::Valid, "mixed key set, accepted by design"),
    // claimguard does not fingerprint RSA moduli for CVE-2017-15361.
    (
        7,
        Verdict::Valid,
        "ROCA-vulnerable RSA modulus, not detected",
    ),
];

/// json_web_key_test.json: why each refused key set is refused.
const JWK_KEY_ERRORS: &[(u64, KeyError)] = &[
    // The second key's `k` ends in a character with non-zero unused bits, so
    // the set is refused as malformed before the kids are compared (the
    // duplicate kid alone is checked below).
    (4, KeyError::Malformed("oct JWK")),
    (6, KeyError::NotForVerifying), // RSA1_5, use enc
    (8, KeyError::RsaTooSmall { bits: 1024 }),
    (9, KeyError::Malformed("RSA public exponent")), // e = 1
    (10, KeyError::HmacTooShort { len: 31, min: 32 }),
    (11, KeyError::HmacTooShort { len: 47, min: 48 }),
    (12, KeyError::HmacTooShort { len: 63, min: 64 }),
    (16, KeyError::HmacTooShort { len: 0, min: 32 }),
    (17, KeyError::HmacTooShort { len: 0, min: 32 }),
    (18, KeyError::HmacTooShort { len: 0, min: 32 }),
    (19, KeyError::NotForVerifying),              // alg ES521
    (20, KeyError::NotForVerifying),              // alg ES224
    (21, KeyError::NotForVerifying),              // use enc
    (23, KeyError::Malformed("EC JWK")),          // P-384 with P-256 coordinates
    (24, KeyError::Unsupported("this JWK type")), // kty RSA with EC members
    (25, KeyError::NotForVerifying),              // alg A256GCM
    (26, KeyError::NotForVerifying),              // alg A256KW
];

/// json_web_key_test.json: invalid cases whose key set is sound and whose
/// token is what is wrong: the set must be accepted, the token refused.
const JWK_BAD_TOKENS: &[u64] = &[3];

/// The vectors file, or `None` (and a message) where the folder is absent.
fn load(name: &str) -> Option<Value> {
    let path = format!("{}{name}", claimguard_tests::wycheproof_path());
    if !Path::new(&path).is_file() {
        println!("skipped: {path} not found (the Wycheproof vectors live outside the project)");
        return None;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}")))
}

fn groups(file: &Value) -> &[Value] {
    file["testGroups"]
        .as_array()
        .unwrap_or_else(|| panic!("no testGroups"))
}

fn tests(group: &Value) -> &[Value] {
    group["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("no tests in {group}"))
}

fn tc_id(test: &Value) -> u64 {
    test["tcId"]
        .as_u64()
        .unwrap_or_else(|| panic!("no tcId in {test}"))
}

fn jws(test: &Value) -> &str {
    test["jws"]
        .as_str()
        .unwrap_or_else(|| panic!("tc{}: no jws", tc_id(test)))
}

/// A JWK without its private members. An `oct` key's `k` is the key itself.
fn public_jwk(jwk: &Value) -> Value {
    let mut jwk = jwk.clone();
    if jwk["kty"] != "oct"
        && let Some(members) = jwk.as_object_mut()
    {
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth"] {
            members.remove(private);
        }
    }
    jwk
}

/// The group's public key (set), or its private one stripped.
fn group_key(group: &Value) -> Value {
    match group.get("public") {
        Some(public) => public.clone(),
        None => {
            let private = &group["private"];
            match private.get("keys").and_then(Value::as_array) {
                Some(keys) => {
                    serde_json::json!({ "keys": keys.iter().map(public_jwk).collect::<Vec<_>>() })
                }
                None => public_jwk(private),
            }
        }
    }
}

fn build(keys: Vec<Key>) -> Result<Verifier<Anything>, KeyError> {
    Verifier::<Anything>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .keys(keys)
        .clock(claimguard_tests::clock())
        .build()
}

/// Runs `token` through the full verifier, which must refuse it without
/// panicking; returns a description of what went wrong, if anything.
fn full_verify_refuses(verifier: &Verifier<Anything>, id: u64, token: &str) -> Option<String> {
    match catch_unwind(AssertUnwindSafe(|| verifier.verify(token))) {
        Err(_) => Some(format!("tc{id}: the full verifier panicked")),
        Ok(Ok(claims)) => Some(format!("tc{id}: the full verifier accepted {claims:?}")),
        Ok(Err(_)) => None,
    }
}

fn overridden(table: &[(u64, Verdict, &str)], id: u64, label: Verdict) -> Verdict {
    table
        .iter()
        .find(|(tc, ..)| *tc == id)
        .map_or(label, |(_, verdict, _)| *verdict)
}

fn agrees(expected: Verdict, outcome: &Outcome) -> bool {
    match expected {
        Verdict::Valid => outcome.accepted(),
        Verdict::Invalid => !outcome.accepted(),
        Verdict::Acceptable => true,
    }
}

#[test]
fn json_web_signature_vectors() {
    let Some(file) = load("json_web_signature_test.json") else {
        return;
    };
    // Refused keys still get their tokens through the full verifier, under a
    // key they were not made for.
    let fallback = build(vec![Key::hmac([7u8; 64]).unwrap_or_else(|e| panic!("{e}"))])
        .unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut outcomes = Vec::new();
    let (mut accepted, mut refused, mut key_refused) = (0, 0, 0);
    for group in groups(&file) {
        let jwk = group_key(group).to_string();
        let verifier = Key::from_jwk(&jwk).and_then(|key| build(vec![key]));
        for test in tests(group) {
            let id = tc_id(test);
            let token = jws(test);
            let outcome = match &verifier {
                Err(e) => Outcome::KeyRefused(e.clone()),
                Ok(v) => match catch_unwind(AssertUnwindSafe(|| v.verify_signature(token))) {
                    Err(_) => {
                        failures.push(format!("tc{id}: verify_signature panicked"));
                        continue;
                    }
                    Ok(Ok(())) => Outcome::Accepted,
                    Ok(Err(rejection)) => Outcome::Refused(rejection.reason()),
                },
            };
            match &outcome {
                Outcome::Accepted => accepted += 1,
                Outcome::Refused(_) => refused += 1,
                Outcome::KeyRefused(_) => key_refused += 1,
            }
            let label = verdict(test);
            let expected = overridden(JWS_OVERRIDES, id, label);
            if !agrees(expected, &outcome) {
                failures.push(format!(
                    "tc{id} ({}): expected {expected:?} (labelled {label:?}), got {outcome:?}",
                    test["comment"]
                ));
            }
            if let Some((_, reason)) = JWS_REASONS.iter().find(|(tc, _)| *tc == id)
                && outcome != Outcome::Refused(*reason)
            {
                failures.push(format!("tc{id}: expected {reason:?}, got {outcome:?}"));
            }
            failures.extend(full_verify_refuses(
                verifier.as_ref().unwrap_or(&fallback),
                id,
                token,
            ));
            outcomes.push((id, outcome));
        }
    }
    println!("accepted {accepted}, refused {refused}, key refused {key_refused}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(file["numberOfTests"], outcomes.len());
    assert_eq!(outcomes.len(), 401, "every vector ran");
    // The 46 valid vectors, less the 12 the tables make invalid, plus tc367
    // and tc370; the P-521 keys (tc347, tc351) and the four encryption keys
    // (tc353 to tc356) are refused before their token is looked at.
    assert_eq!((accepted, refused, key_refused), (36, 359, 6));
    for (id, ..) in JWS_OVERRIDES {
        assert!(
            outcomes.iter().any(|(tc, _)| tc == id),
            "override for missing tc{id}"
        );
    }
}

#[test]
fn json_web_key_vectors() {
    let Some(file) = load("json_web_key_test.json") else {
        return;
    };
    let mut failures = Vec::new();
    let (mut sets_refused, mut accepted, mut tokens_refused, mut cases) = (0, 0, 0, 0);
    for group in groups(&file) {
        let set = group_key(group).to_string();
        let verifier = Key::set_from_jwks(&set).and_then(build);
        for test in tests(group) {
            let id = tc_id(test);
            let token = jws(test);
            cases += 1;
            let outcome = match &verifier {
                Err(e) => Outcome::KeyRefused(e.clone()),
                Ok(v) => match v.verify_signature(token) {
                    Ok(()) => Outcome::Accepted,
                    Err(rejection) => Outcome::Refused(rejection.reason()),
                },
            };
            match &outcome {
                Outcome::Accepted => accepted += 1,
                Outcome::Refused(_) => tokens_refused += 1,
                Outcome::KeyRefused(_) => sets_refused += 1,
            }
            let label = verdict(test);
            let expected = overridden(JWK_OVERRIDES, id, label);
            // An invalid key set must be refused when it is loaded, not when
            // a token arrives.
            let right = match expected {
                Verdict::Valid => outcome.accepted(),
                Verdict::Invalid if JWK_BAD_TOKENS.contains(&id) => {
                    matches!(outcome, Outcome::Refused(_))
                }
                Verdict::Invalid => matches!(outcome, Outcome::KeyRefused(_)),
                Verdict::Acceptable => true,
            };
            if !right {
                failures.push(format!(
                    "tc{id} ({}): expected {expected:?}{}, got {outcome:?}",
                    test["comment"],
                    if JWK_BAD_TOKENS.contains(&id) {
                        " token"
                    } else {
                        " key set"
                    }
                ));
            }
            if let Some((_, error)) = JWK_KEY_ERRORS.iter().find(|(tc, _)| *tc == id)
                && outcome != Outcome::KeyRefused(error.clone())
            {
                failures.push(format!("tc{id}: expected {error:?}, got {outcome:?}"));
            }
            if let Ok(v) = &verifier {
                failures.extend(full_verify_refuses(v, id, token));
            }
        }
    }
    println!("sets refused {sets_refused}, accepted {accepted}, tokens refused {tokens_refused}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(file["numberOfTests"], cases);
    assert_eq!(cases, 26, "every vector ran");
    assert_eq!(
        JWK_KEY_ERRORS.len() + 1,
        sets_refused,
        "tc22 is not in the table"
    );
    // tc3 is the one bad token under a sound set; tc1, tc2, tc5, tc7 and
    // tc13 to tc15 are accepted; every other set is refused when loaded.
    assert_eq!((sets_refused, accepted, tokens_refused), (18, 7, 1));
}

#[test]
fn the_duplicate_kid_vector_with_canonical_base64_is_still_refused() {
    let Some(file) = load("json_web_key_test.json") else {
        return;
    };
    let group = groups(&file)
        .iter()
        .find(|g| tests(g).iter().any(|t| tc_id(t) == 4))
        .unwrap_or_else(|| panic!("no tc4"));
    let mut set = group_key(group);
    // `...Bingge` has non-zero unused bits; `...Binggc` is the canonical spelling of the same key.
    let second = &mut set["keys"][1]["k"];
    let k = second
        .as_str()
        .unwrap_or_default()
        .replace("Bingge", "Binggc");
    *second = Value::String(k);
    assert_eq!(
        Key::set_from_jwks(&set.to_string()).err(),
        Some(KeyError::DuplicateKid)
    );
}
