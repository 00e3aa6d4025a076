//! Header injection: `crit`, `b64: false`, nested JWTs, JWE shapes, embedded keys, hostile `kid`s.

use claimguard_tests::{b64, sign, sign_raw};
use jsonwebtoken::Algorithm as J;

use super::forge::*;
use super::setup::*;
use super::table::*;

pub(crate) fn cases() -> Vec<Case> {
    let payload = claims("");
    let attacker_oct = format!(r#"{{"kty":"oct","k":"{}"}}"#, b64(OTHER));
    let mut cases = Vec::new();
    for (name, member) in [
        (
            "jwk (attacker's oct key)",
            format!(r#""jwk":{attacker_oct}"#),
        ),
        (
            "jku",
            r#""jku":"https://evil.example/jwks.json""#.to_owned(),
        ),
        ("x5u", r#""x5u":"https://evil.example/cert.pem""#.to_owned()),
        ("x5c", r#""x5c":["MIIBszCCAVmgAwIBAgIUQ29t"]"#.to_owned()),
        (
            "jwk with kid",
            format!(r#""kid":"evil","jwk":{attacker_oct}"#),
        ),
    ] {
        let header = format!(r#"{{"alg":"HS256",{member}}}"#);
        cases.push(tok(
            format!("attacker-signed, {name}"),
            App::Api,
            hmac_raw(J::HS256, OTHER, &header, &payload),
            Token(SIG),
        ));
    }
    let all = format!(
        r#"{{"alg":"HS256","jwk":{attacker_oct},"jku":"https://evil.example/","x5u":"https://evil.example/","x5c":["AAAA"]}}"#
    );
    cases.push(tok(
        "jwk/jku/x5u/x5c skipped on a genuinely signed token",
        App::Api,
        sign_raw(J::HS256, &all, &payload),
        ALICE,
    ));
    let header = format!(r#"{{"alg":"ES256","jwk":{}}}"#, attacker_jwk());
    cases.push(tok(
        "attacker-signed ES256 carrying its own jwk",
        App::Ec,
        attacker_es(&header, &payload),
        Token(SIG),
    ));
    cases.push(tok(
        "attacker-signed ES256, no jwk",
        App::Ec,
        attacker_es(r#"{"alg":"ES256"}"#, &payload),
        Token(SIG),
    ));
    let kid = |kid: &str| format!(r#"{{"alg":"HS256","kid":{kid}}}"#);
    let sub = r#"{"sub":"x","exp":1800000000}"#;
    let huge = format!("\"{}\"", "k".repeat(1400));
    let too_huge = format!("\"{}\"", "k".repeat(1600));
    for (name, kid_json, expect) in [
        ("kid a", r#""a""#, OK),
        ("kid a, escaped", r#""\u0061""#, OK),
        (
            "kid path traversal",
            r#""../../../../../../dev/null""#,
            Token(KEY),
        ),
        ("kid absolute path", r#""/dev/null""#, Token(KEY)),
        (
            "kid SQL injection",
            r#""x' UNION SELECT 'secret' --""#,
            Token(KEY),
        ),
        ("kid a with SQL suffix", r#""a' OR '1'='1""#, Token(KEY)),
        ("kid a with a NUL", r#""a\u0000""#, Token(KEY)),
        ("kid A (case)", r#""A""#, Token(KEY)),
        ("kid empty", r#""""#, Token(KEY)),
        ("kid unknown", r#""c""#, Token(KEY)),
        ("kid huge", huge.as_str(), Token(KEY)),
        (
            "kid beyond the header cap",
            too_huge.as_str(),
            Token(TOO_LARGE),
        ),
        ("kid as a number", "1", Token(MALFORMED)),
        ("kid null", "null", Token(MALFORMED)),
        ("kid as an array", r#"["a"]"#, Token(MALFORMED)),
    ] {
        cases.push(tok(
            name,
            App::Kids,
            sign_raw(J::HS256, kid(kid_json), sub),
            expect,
        ));
    }
    cases.extend([
        tok(
            "kid b names the other key",
            App::Kids,
            sign_raw(J::HS256, kid(r#""b""#), sub),
            Token(SIG),
        ),
        tok(
            "kid b, signed with b's secret",
            App::Kids,
            hmac_raw(J::HS256, OTHER, &kid(r#""b""#), sub),
            OK,
        ),
        tok(
            "kid twice",
            App::Kids,
            sign_raw(J::HS256, r#"{"alg":"HS256","kid":"b","kid":"a"}"#, sub),
            Token(MALFORMED),
        ),
        tok(
            "no kid with a key set",
            App::Kids,
            sign(J::HS256, sub),
            Token(KEY),
        ),
        tok(
            "kid ignored when no key is named",
            App::Api,
            sign_raw(J::HS256, kid(r#""../../etc/passwd""#), &payload),
            ALICE,
        ),
    ]);
    cases
}
