//! `alg: none` in every spelling, unpinned algorithms, and key confusion across families.

use claimguard_tests::{SECRET, b64, fixture, sign, sign_raw};
use jsonwebtoken::Algorithm as J;

use super::forge::*;
use super::setup::*;
use super::table::*;

pub(crate) fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let payload = claims("");
    let valid = hs(&payload);
    let (_, _, valid_sig) = split3(&valid);
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        let p = b64(&payload);
        cases.push(tok(
            format!("alg {alg}, empty signature"),
            App::Api,
            format!("{h}.{p}."),
            Token(MALFORMED),
        ));
        cases.push(tok(
            format!("alg {alg}, junk signature"),
            App::Api,
            format!("{h}.{p}.c2lnbmF0dXJl"),
            Token(ALG),
        ));
        cases.push(tok(
            format!("alg {alg}, a real HS256 signature"),
            App::Api,
            format!("{h}.{p}.{valid_sig}"),
            Token(ALG),
        ));
        cases.push(tok(
            format!("alg {alg}, HMAC-signed over its own header"),
            App::Api,
            hmac_raw(J::HS256, SECRET, &format!(r#"{{"alg":"{alg}"}}"#), &payload),
            Token(ALG),
        ));
    }
    cases.extend([
        tok(
            "HS384 against HS256-only",
            App::Api,
            sign(J::HS384, &payload),
            Token(ALG),
        ),
        tok(
            "HS512 against HS256-only",
            App::Api,
            sign(J::HS512, &payload),
            Token(ALG),
        ),
        tok(
            "alg hs256 (case)",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"hs256"}"#, &payload),
            Token(ALG),
        ),
        tok(
            "alg with a trailing space",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"HS256 "}"#, &payload),
            Token(ALG),
        ),
        tok(
            "alg missing",
            App::Api,
            sign_raw(J::HS256, r#"{"typ":"JWT"}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg as an array",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":["HS256"]}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg null",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":null}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg twice",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"HS256","alg":"none"}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg twice, one escaped",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"HS256","\u0061lg":"HS256"}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg escaped is still HS256",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"HS\u0032\u0035\u0036"}"#, &payload),
            ALICE,
        ),
        tok(
            "header is an array",
            App::Api,
            sign_raw(J::HS256, r#"["HS256"]"#, &payload),
            Token(MALFORMED),
        ),
    ]);
    // Key confusion: an HMAC token keyed with the public key's bytes.
    let sub = r#"{"sub":"x","exp":1800000000}"#;
    for (name, app, public) in [
        (
            "HS256 keyed with the RSA public PEM",
            App::MixedRsa,
            "rsa.pub.pem",
        ),
        (
            "HS256 keyed with the RSA public DER",
            App::MixedRsa,
            "rsa.pub.der",
        ),
        (
            "HS256 keyed with the P-256 public PEM",
            App::MixedEc,
            "p256.pub.pem",
        ),
        (
            "HS256 keyed with the P-256 public DER",
            App::MixedEc,
            "p256.pub.der",
        ),
        (
            "HS256 keyed with the Ed25519 public PEM",
            App::MixedEd,
            "ed25519.pub.pem",
        ),
    ] {
        let token = hmac_raw(J::HS256, &fixture(public), r#"{"alg":"HS256"}"#, sub);
        cases.push(tok(name, app, token, Token(KEY)));
    }
    cases.extend([
        tok(
            "RS256 on the RS/HS type (sanity)",
            App::MixedRsa,
            sign(J::RS256, sub),
            OK,
        ),
        tok(
            "ES256 on the ES/HS type (sanity)",
            App::MixedEc,
            sign(J::ES256, sub),
            OK,
        ),
        tok(
            "PS256 against RS256-only",
            App::OnlyRs,
            sign(J::PS256, sub),
            Token(ALG),
        ),
        tok(
            "RS256 against PS256-only",
            App::OnlyPs,
            sign(J::RS256, sub),
            Token(ALG),
        ),
        tok(
            "header PS256 over an RS256 signature",
            App::RsPs,
            sign_raw(J::RS256, r#"{"alg":"PS256"}"#, sub),
            Token(SIG),
        ),
        tok(
            "header RS256 over a PS256 signature",
            App::RsPs,
            sign_raw(J::PS256, r#"{"alg":"RS256"}"#, sub),
            Token(SIG),
        ),
        tok(
            "PS256 on the RS/PS type (sanity)",
            App::RsPs,
            sign(J::PS256, sub),
            OK,
        ),
        tok(
            "header ES256 over an RS256 signature",
            App::MixedRsa,
            sign_raw(J::RS256, r#"{"alg":"ES256"}"#, sub),
            Token(ALG),
        ),
    ]);
    // Header members claimguard does not do.
    for (name, header, expect) in [
        (
            "crit exp",
            r#"{"alg":"HS256","crit":["exp"]}"#,
            Token(HEADER),
        ),
        (
            "crit unknown",
            r#"{"alg":"HS256","crit":["x-evil"],"x-evil":1}"#,
            Token(HEADER),
        ),
        ("crit empty", r#"{"alg":"HS256","crit":[]}"#, Token(HEADER)),
        (
            "b64 false",
            r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
            Token(HEADER),
        ),
        (
            "b64 false without crit",
            r#"{"alg":"HS256","b64":false}"#,
            Token(HEADER),
        ),
        ("b64 true", r#"{"alg":"HS256","b64":true}"#, ALICE),
        (
            "b64 as a string",
            r#"{"alg":"HS256","b64":"false"}"#,
            Token(MALFORMED),
        ),
        ("cty JWT", r#"{"alg":"HS256","cty":"JWT"}"#, Token(HEADER)),
        ("cty jwt", r#"{"alg":"HS256","cty":"jwt"}"#, Token(HEADER)),
        (
            "cty application/JWT",
            r#"{"alg":"HS256","cty":"application/JWT"}"#,
            Token(HEADER),
        ),
        // A multi-byte character across the twelfth byte, where an
        // `application/` prefix would end: once a panic.
        (
            "cty with a multi-byte character at byte 12",
            r#"{"alg":"HS256","cty":"aaaaaaaaaaaé"}"#,
            ALICE,
        ),
        (
            "enc (JWE) on three segments",
            r#"{"alg":"HS256","enc":"A256GCM"}"#,
            Token(HEADER),
        ),
        ("zip", r#"{"alg":"HS256","zip":"DEF"}"#, Token(HEADER)),
        (
            "JWE alg",
            r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#,
            Token(ALG),
        ),
        ("dir alg", r#"{"alg":"dir","enc":"A128GCM"}"#, Token(ALG)),
    ] {
        cases.push(tok(
            name,
            App::Api,
            sign_raw(J::HS256, header, &payload),
            expect,
        ));
    }
    let nested = hs(&claims(""));
    cases.push(tok(
        "nested JWT with cty JWT",
        App::Api,
        sign_raw(
            J::HS256,
            r#"{"alg":"HS256","cty":"JWT"}"#,
            format!(r#""{nested}""#),
        ),
        Token(HEADER),
    ));
    let jwe = format!(
        "{}.{}.{}.{}.{}",
        b64(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#),
        b64([7u8; 256]),
        b64([1u8; 12]),
        b64([2u8; 64]),
        b64([3u8; 16])
    );
    cases.push(tok("JWE, 5 segments", App::Api, jwe, Token(MALFORMED)));
    let (h, p, s) = split3(&valid);
    cases.push(tok(
        "JWE-shaped, 5 segments around a valid JWS",
        App::Api,
        format!("{h}..{p}.{s}.{s}"),
        Token(MALFORMED),
    ));
    // A pinned typ.
    for (name, header, expect) in [
        (
            "typ missing when pinned",
            r#"{"alg":"HS256"}"#,
            Token(HEADER),
        ),
        (
            "typ JWT when at+jwt is pinned",
            r#"{"alg":"HS256","typ":"JWT"}"#,
            Token(HEADER),
        ),
        ("typ at+jwt", r#"{"alg":"HS256","typ":"at+jwt"}"#, OK),
        (
            "typ application/AT+JWT",
            r#"{"alg":"HS256","typ":"application/AT+JWT"}"#,
            OK,
        ),
        (
            "typ as a number",
            r#"{"alg":"HS256","typ":1}"#,
            Token(MALFORMED),
        ),
    ] {
        let token = sign_raw(J::HS256, header, r#"{"sub":"x","exp":1800000000}"#);
        cases.push(tok(name, App::Typed, token, expect));
    }
    cases
}
