//! Signatures and encodings: flipped, truncated, padded, non-canonical, ECDSA r = s = 0, and the high-S twin.

use axum::http::StatusCode;
use claimguard_tests::{SECRET, b64, sign_raw};
use jsonwebtoken::Algorithm as J;

use super::forge::*;
use super::setup::*;
use super::table::*;

pub(crate) fn cases() -> Vec<Case> {
    let payload = claims("");
    let valid = hs(&payload);
    let (h, p, s) = split3(&valid);
    let mut cases = vec![
        tok("the valid token (sanity)", App::Api, &valid, ALICE),
        tok(
            "signature, first char flipped",
            App::Api,
            format!("{h}.{p}.{}", flip(s, 0)),
            Token(SIG),
        ),
        tok(
            "signature, middle char flipped",
            App::Api,
            format!("{h}.{p}.{}", flip(s, 20)),
            Token(SIG),
        ),
        tok(
            "payload char flipped",
            App::Api,
            format!("{h}.{}.{s}", flip(p, 10)),
            Token(SIG),
        ),
        tok(
            "header char flipped",
            App::Api,
            format!("{}.{p}.{s}", flip(h, 5)),
            Token(MALFORMED),
        ),
        tok(
            "signature truncated to 32 chars",
            App::Api,
            format!("{h}.{p}.{}", &s[..32]),
            Token(SIG),
        ),
        tok(
            "signature truncated to one char",
            App::Api,
            format!("{h}.{p}.{}", &s[..1]),
            Token(MALFORMED),
        ),
        tok(
            "signature doubled",
            App::Api,
            format!("{h}.{p}.{s}{s}"),
            Token(MALFORMED),
        ),
        tok(
            "signature empty",
            App::Api,
            format!("{h}.{p}."),
            Token(MALFORMED),
        ),
        tok(
            "payload empty",
            App::Api,
            format!("{h}..{s}"),
            Token(MALFORMED),
        ),
        tok(
            "header empty",
            App::Api,
            format!(".{p}.{s}"),
            Token(MALFORMED),
        ),
        tok(
            "padded signature",
            App::Api,
            format!("{valid}="),
            Token(MALFORMED),
        ),
        tok(
            "padded header",
            App::Api,
            format!("{h}=.{p}.{s}"),
            Token(MALFORMED),
        ),
        tok(
            "standard alphabet +",
            App::Api,
            format!("{h}.{p}.+{}", &s[1..]),
            Token(MALFORMED),
        ),
        tok(
            "standard alphabet /",
            App::Api,
            format!("{h}.{p}./{}", &s[1..]),
            Token(MALFORMED),
        ),
        tok(
            "a tab inside",
            App::Api,
            format!("{h}.{p}\t.{s}"),
            Token(MALFORMED),
        ),
        tok(
            "a space inside",
            App::Api,
            format!("{h}. {p}.{s}"),
            Token(MALFORMED),
        ),
        tok(
            "trailing spaces are trimmed",
            App::Api,
            format!("{valid}   "),
            ALICE,
        ),
        tok(
            "non-canonical trailing bits, signature",
            App::Api,
            format!("{h}.{p}.{}", noncanonical(s)),
            Token(MALFORMED),
        ),
        tok("one segment", App::Api, h, Token(MALFORMED)),
        tok(
            "two segments",
            App::Api,
            format!("{h}.{p}"),
            Token(MALFORMED),
        ),
        tok(
            "four segments",
            App::Api,
            format!("{valid}.{s}"),
            Token(MALFORMED),
        ),
        tok("only dots", App::Api, "..", Token(MALFORMED)),
        tok("dots only, four", App::Api, "...", Token(MALFORMED)),
        raw(
            "a BOM before the token",
            App::Api,
            vec![(
                "authorization",
                format!("Bearer \u{feff}{valid}").into_bytes(),
            )],
            BadRequest,
        ),
        tok(
            "BOM inside the header JSON",
            App::Api,
            sign_raw(J::HS256, "\u{feff}{\"alg\":\"HS256\"}", &payload),
            Token(MALFORMED),
        ),
        tok(
            "BOM inside the payload JSON",
            App::Api,
            hs(&format!("\u{feff}{payload}")),
            Token(CLAIMS),
        ),
        tok(
            "invalid UTF-8 in the typ header",
            App::Api,
            hs_bytes(
                b"{\"alg\":\"HS256\",\"typ\":\"\xff\xfe\"}",
                payload.as_bytes(),
            ),
            Token(MALFORMED),
        ),
        tok(
            "invalid UTF-8 in a header name",
            App::Api,
            hs_bytes(b"{\"alg\":\"HS256\",\"\xc3\x28\":1}", payload.as_bytes()),
            Token(MALFORMED),
        ),
        tok(
            "invalid UTF-8 in sub",
            App::Api,
            hs_bytes(
                br#"{"alg":"HS256"}"#,
                &[
                    b"{\"sub\":\"al\xffice\",".as_slice(),
                    &payload.as_bytes()[15..],
                ]
                .concat(),
            ),
            Token(CLAIMS),
        ),
        tok(
            "invalid UTF-8 in an unknown payload member",
            App::Api,
            hs_bytes(
                br#"{"alg":"HS256"}"#,
                &[
                    &payload.as_bytes()[..payload.len() - 1],
                    b",\"x\":\"\xff\"}".as_slice(),
                ]
                .concat(),
            ),
            Token(CLAIMS),
        ),
        tok(
            "invalid UTF-8 in an unknown header member",
            App::Api,
            hs_bytes(
                b"{\"alg\":\"HS256\",\"x\":\"\xc0\xaf\"}",
                payload.as_bytes(),
            ),
            Token(MALFORMED),
        ),
    ];
    // Non-canonical trailing bits in the header and the payload, properly signed.
    let header = r#"{"alg":"HS256","x":12}"#;
    let hb = b64(header);
    let input = format!("{}.{}", noncanonical(&hb), b64(&payload));
    cases.push(tok(
        "non-canonical trailing bits, header",
        App::Api,
        hmac_input(J::HS256, SECRET, &input),
        Token(MALFORMED),
    ));
    let mut padded = payload.clone();
    while padded.len().is_multiple_of(3) {
        padded.insert(padded.len() - 1, ' ');
    }
    let input = format!(
        "{}.{}",
        b64(r#"{"alg":"HS256"}"#),
        noncanonical(&b64(&padded))
    );
    cases.push(tok(
        "non-canonical trailing bits, payload",
        App::Api,
        hmac_input(J::HS256, SECRET, &input),
        Token(MALFORMED),
    ));
    let input = format!("{}.{}", b64(r#"{"alg":"HS256"}"#), b64(&padded));
    cases.push(tok(
        "canonical twin of the above (sanity)",
        App::Api,
        hmac_input(J::HS256, SECRET, &input),
        ALICE,
    ));
    // ECDSA.
    let mut n_n = P256_N.to_vec();
    n_n.extend_from_slice(&P256_N);
    let good_es = es(SHORT);
    let (eh, ep, esig) = split3(&good_es);
    cases.extend([
        tok("ES256 valid (sanity)", App::Ec, &good_es, OK),
        tok(
            "ECDSA r = s = 0 (CVE-2022-21449)",
            App::Ec,
            es_with_signature(&[0u8; 64]),
            Token(SIG),
        ),
        tok(
            "ECDSA r = s = n",
            App::Ec,
            es_with_signature(&n_n),
            Token(SIG),
        ),
        tok(
            "ECDSA r = s = 0, cached verifier",
            App::EcCached,
            es_with_signature(&[0u8; 64]),
            Token(SIG),
        ),
        tok(
            "ECDSA, 63-byte signature",
            App::Ec,
            es_with_signature(&[1u8; 63]),
            Token(SIG),
        ),
        tok(
            "ECDSA, 65-byte signature",
            App::Ec,
            es_with_signature(&[1u8; 65]),
            Token(SIG),
        ),
        tok(
            "ECDSA, empty-ish signature",
            App::Ec,
            format!("{eh}.{ep}.AA"),
            Token(SIG),
        ),
        tok(
            "ECDSA, flipped",
            App::Ec,
            format!("{eh}.{ep}.{}", flip(esig, 3)),
            Token(SIG),
        ),
    ]);
    // A DER-encoded ECDSA signature instead of the raw r||s.
    let mut der = vec![0x30, 0x44, 0x02, 0x20];
    der.extend_from_slice(&[0x11; 32]);
    der.extend_from_slice(&[0x02, 0x20]);
    der.extend_from_slice(&[0x22; 32]);
    cases.push(tok(
        "ECDSA, DER signature",
        App::Ec,
        es_with_signature(&der),
        Token(SIG),
    ));
    cases
}

// ---------------------------------------------------------------- high-S

/// The high-S twin of a valid ES256 signature: whatever the verdict, it is
/// the same with and without a cache, before and after the original is
/// cached, and a rejection never leaks token bytes.
#[tokio::test]
async fn high_s_twin_is_judged_consistently() {
    let apps = apps();
    let (plain, cached) = (&apps[&App::Ec], &apps[&App::EcCached]);
    let original = es(SHORT);
    let twin = high_s_twin(&original);
    assert_ne!(twin, original);
    // The twin of the twin is the original.
    assert_eq!(high_s_twin(&twin), original);
    let first = status_of(plain, &twin).await;
    assert!(
        first.status == StatusCode::OK || first.status == StatusCode::UNAUTHORIZED,
        "{first:?}"
    );
    if first.status == StatusCode::UNAUTHORIZED {
        first.assert_invalid_token(SIG);
    }
    first.assert_no_echo(&twin);
    println!("high-S twin accepted: {}", first.status == StatusCode::OK);
    for (label, app) in [
        ("plain again", plain),
        ("cached", cached),
        ("cached again", cached),
    ] {
        let reply = status_of(app, &twin).await;
        assert_eq!(
            (reply.status, &reply.body),
            (first.status, &first.body),
            "{label}"
        );
    }
    assert_eq!(status_of(cached, &original).await.status, StatusCode::OK);
    assert_eq!(status_of(cached, &original).await.status, StatusCode::OK);
    let after = status_of(cached, &twin).await;
    assert_eq!((after.status, &after.body), (first.status, &first.body));
}
