//! Size limits, and that a huge bogus token allocates what a small one does.

use axum::extract::FromRequestParts;
use claimguard::{Claims, Reason, Verifier};
use claimguard_tests::{SECRET, Usage, b64, measure, sign_raw};
use jsonwebtoken::Algorithm as J;

use super::forge::*;
use super::setup::*;
use super::table::*;

pub(crate) fn cases() -> Vec<Case> {
    let bogus = |header_len: usize| {
        format!(
            "{}.{}.{}",
            b64(format!(
                r#"{{"alg":"HS256","x":"{}"}}"#,
                "a".repeat(header_len)
            )),
            b64(claims("")),
            "A".repeat(43)
        )
    };
    let deep_header = format!(
        r#"{{"alg":"HS256","x":{}1{}}}"#,
        "[".repeat(500),
        "]".repeat(500)
    );
    vec![
        tok(
            "token of exactly max_token_bytes",
            App::Api,
            token_of_len(4096),
            ALICE,
        ),
        tok(
            "token of max_token_bytes + 1",
            App::Api,
            token_of_len(4097),
            Token(TOO_LARGE),
        ),
        tok(
            "token of max_token_bytes - 1",
            App::Api,
            token_of_len(4095),
            ALICE,
        ),
        tok(
            "header segment of exactly 2048",
            App::Api,
            header_of_len(2048),
            ALICE,
        ),
        tok(
            "header segment of 2052",
            App::Api,
            header_of_len(2052),
            Token(TOO_LARGE),
        ),
        tok("bogus 3 KB header", App::Api, bogus(2300), Token(TOO_LARGE)),
        tok(
            "bogus 400 KB token",
            App::Api,
            bogus(300_000),
            Token(TOO_LARGE),
        ),
        tok(
            "bogus 1 MB of a",
            App::Api,
            "a".repeat(1 << 20),
            Token(TOO_LARGE),
        ),
        tok(
            "header nested 500 deep",
            App::Api,
            sign_raw(J::HS256, &deep_header, claims("")),
            ALICE,
        ),
        tok(
            "header with many members",
            App::Api,
            sign_raw(
                J::HS256,
                format!(
                    r#"{{"alg":"HS256",{}}}"#,
                    (0..150)
                        .map(|i| format!(r#""m{i}":{i}"#))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                claims(""),
            ),
            ALICE,
        ),
        tok(
            "large signature segment",
            App::Api,
            format!(
                "{}.{}.{}",
                b64(r#"{"alg":"HS256"}"#),
                b64(claims("")),
                "A".repeat(2000)
            ),
            Token(SIG),
        ),
    ]
}

// ---------------------------------------------------------------- allocation

fn bogus_header_token(total: usize) -> String {
    let payload = b64(claims(""));
    let sig = "A".repeat(43);
    let room = total - payload.len() - sig.len() - 2;
    let json_len = room / 4 * 3;
    let header = format!(
        r#"{{"alg":"HS256","x":"{}"}}"#,
        "a".repeat(json_len - r#"{"alg":"HS256","x":""}"#.len())
    );
    format!("{}.{payload}.{sig}", b64(header))
}

fn bogus_payload_token(total: usize) -> String {
    let header = b64(r#"{"alg":"HS256"}"#);
    let sig = "A".repeat(43);
    let room = total - header.len() - sig.len() - 2;
    let json_len = room / 4 * 3;
    let base = claims(r#","x":"""#);
    let payload = claims(&format!(r#","x":"{}""#, "a".repeat(json_len - base.len())));
    format!("{header}.{}.{sig}", b64(payload))
}

fn assert_flat(label: &str, small: Usage, large: Usage) {
    println!("{label}: small {small:?}, large {large:?}");
    assert_eq!(
        small.allocations, large.allocations,
        "{label}: allocations scale"
    );
    assert!(
        large.peak <= small.peak + 256,
        "{label}: peak scales: {small:?} vs {large:?}"
    );
    assert!(large.peak < 4096, "{label}: peak {large:?}");
    assert!(
        large.retained <= 0 || large.retained == small.retained,
        "{label}"
    );
}

fn measure_verify<T: Claims>(verifier: &Verifier<T>, token: &str, reason: Reason) -> Usage {
    // Once to warm any lazy state, then measured.
    let _ = verifier.verify(token);
    let (result, usage) = measure(|| verifier.verify(token).err().map(|r| r.reason()));
    assert_eq!(result, Some(reason));
    usage
}

#[test]
fn bogus_tokens_allocate_nothing_proportional_to_their_size() {
    let capped = api_verifier(hmac(SECRET));
    let roomy = ok(Verifier::<Api>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(hmac(SECRET))
        .max_token_bytes(1 << 20)
        .clock(claimguard_tests::clock())
        .build());
    let (small, large) = (bogus_header_token(4 * 1024), bogus_header_token(400 * 1024));
    assert!(small.len() <= 4096 && large.len() >= 400_000);
    assert_flat(
        "huge header, size cap",
        measure_verify(&capped, &small, Reason::TooLarge),
        measure_verify(&capped, &large, Reason::TooLarge),
    );
    assert_flat(
        "huge header, header cap",
        measure_verify(&roomy, &small, Reason::TooLarge),
        measure_verify(&roomy, &large, Reason::TooLarge),
    );
    let (small, large) = (
        bogus_payload_token(4 * 1024),
        bogus_payload_token(400 * 1024),
    );
    assert_flat(
        "huge payload, bogus signature",
        measure_verify(&roomy, &small, Reason::Signature),
        measure_verify(&roomy, &large, Reason::Signature),
    );
}

/// The same through the extractor itself, from request parts that already
/// hold the header (building the request is the caller's allocation).
#[test]
fn the_extractor_allocates_nothing_proportional_to_a_bogus_token() {
    let runtime = ok(tokio::runtime::Builder::new_current_thread().build());
    let verifier = api_verifier(hmac(SECRET));
    let mut usage = Vec::new();
    for token in [bogus_header_token(4 * 1024), bogus_header_token(400 * 1024)] {
        let request = ok(axum::http::Request::builder()
            .header("authorization", format!("Bearer {token}"))
            .body(()));
        let (mut parts, ()) = request.into_parts();
        let _ = runtime.block_on(Api::from_request_parts(&mut parts, &verifier));
        let (result, used) = measure(|| {
            runtime
                .block_on(Api::from_request_parts(&mut parts, &verifier))
                .err()
                .map(|r| r.reason())
        });
        assert_eq!(result, Some(Reason::TooLarge));
        usage.push(used);
    }
    assert_flat("extractor, huge header", usage[0], usage[1]);
}
