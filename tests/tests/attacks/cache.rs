//! The cache: what it may serve, for how long, and to whom.

use claimguard::{Reason, Verifier};
use claimguard_tests::{NOW, SECRET, b64};

use super::forge::*;
use super::setup::*;
use super::table::*;

pub(crate) fn cases() -> Vec<Case> {
    let valid = hs(&claims(""));
    let (h, p, s) = split3(&valid);
    let other_claims = hs(&claims("").replace("alice", "mallory"));
    let (_, mallory_p, _) = split3(&other_claims);
    vec![
        tok("prime the cache", App::CachedA, &valid, ALICE),
        tok("a hit", App::CachedA, &valid, ALICE),
        tok(
            "cached token, signature flipped",
            App::CachedA,
            format!("{h}.{p}.{}", flip(s, 0)),
            Token(SIG),
        ),
        tok(
            "cached token, payload swapped",
            App::CachedA,
            format!("{h}.{mallory_p}.{s}"),
            Token(SIG),
        ),
        tok(
            "cached token, header changed",
            App::CachedA,
            format!("{}.{p}.{s}", b64(r#"{"alg":"HS256"}"#)),
            Token(SIG),
        ),
        tok(
            "cached token plus a byte",
            App::CachedA,
            format!("{valid}A"),
            Token(SIG),
        ),
        tok(
            "cached token with trailing space (same token)",
            App::CachedA,
            format!("{valid} "),
            ALICE,
        ),
        tok(
            "cached token, non-canonical sig",
            App::CachedA,
            format!("{h}.{p}.{}", noncanonical(s)),
            Token(MALFORMED),
        ),
        tok(
            "cached in A, verifier B (other key)",
            App::CachedB,
            &valid,
            Token(SIG),
        ),
        tok(
            "cached in A, verifier C (other audience)",
            App::CachedC,
            &valid,
            Token(AUD),
        ),
        tok("still a hit in A", App::CachedA, &valid, ALICE),
    ]
}

// ---------------------------------------------------------------- cache and time

#[tokio::test]
async fn a_cached_token_is_refused_after_its_exp() {
    let clock = claimguard_tests::clock();
    let verifier = ok(Verifier::<Api>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(hmac(SECRET))
        .clock(clock.clone())
        .cache(10, 3600)
        .build());
    let app = api_router(verifier.clone());
    let token = hs(&with_exp(&(NOW + 5).to_string()));
    for _ in 0..2 {
        assert_eq!(status_of(&app, &token).await.body, "alice");
    }
    let hits = verifier.cache_stats().map(|s| s.hits);
    assert_eq!(hits, Some(1));
    for at in [NOW + 5, NOW + 6, NOW + 10_000] {
        clock.set(at);
        let reply = status_of(&app, &token).await;
        reply.assert_invalid_token(EXPIRED);
        reply.assert_no_echo(&token);
    }
    assert_eq!(verifier.cache_stats().map(|s| s.hits), Some(1));
    // Back in time (a clock step backwards): the token is valid again, and
    // verified afresh, not served from a stale entry.
    clock.set(NOW);
    assert_eq!(status_of(&app, &token).await.body, "alice");
}

#[tokio::test]
async fn a_token_cached_by_one_verifier_is_unknown_to_another() {
    let a = cached_api(hmac(SECRET), "api");
    let b = cached_api(hmac(OTHER), "api");
    let token = hs(&claims(""));
    assert!(a.verify(&token).is_ok());
    assert!(a.verify(&token).is_ok());
    assert_eq!(
        b.verify(&token).err().map(|r| r.reason()),
        Some(Reason::Signature)
    );
    let (sa, sb) = (a.cache_stats(), b.cache_stats());
    assert_eq!(sa.map(|s| (s.hits, s.entries)), Some((1, 1)));
    assert_eq!(sb.map(|s| (s.hits, s.entries)), Some((0, 0)));
}
