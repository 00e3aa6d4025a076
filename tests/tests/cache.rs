//! The verified-claims cache through a real Router: hits skip verification,
//! nothing outlives its token, a key change withdraws what the keys it
//! drops verified (and only that), and rejections are never cached.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{CacheStats, Claims, Key, ManualClock, Verifier};
use claimguard_tests::{NOW, SECRET, bearer, sign};
use jsonwebtoken::Algorithm as J;

#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [HS256], leeway = 5, cache(capacity = 100, ttl = 300))]
struct Cached {
    #[claims(max_len = 32)]
    sub: String,
}

#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [HS256])]
struct Plain {
    #[claims(max_len = 32)]
    #[allow(dead_code)]
    sub: String,
}

fn verifier(clock: &ManualClock) -> Verifier<Cached> {
    Verifier::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(clock.clone())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn app(verifier: &Verifier<Cached>) -> Router {
    Router::new()
        .route("/", get(|c: Cached| async move { c.sub }))
        .with_state(verifier.clone())
}

fn token(sub: &str, exp: u64) -> String {
    sign(J::HS256, &format!(r#"{{"sub":"{sub}","exp":{exp}}}"#))
}

fn stats(verifier: &Verifier<Cached>) -> CacheStats {
    verifier.cache_stats().unwrap_or_else(|| panic!("no cache"))
}

#[tokio::test]
async fn a_repeated_token_is_a_hit() {
    let clock = claimguard_tests::clock();
    let verifier = verifier(&clock);
    let app = app(&verifier);
    let token = token("alice", NOW + 60);
    for _ in 0..3 {
        let reply = bearer(&app, "/", &token).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "alice")
        );
    }
    let s = stats(&verifier);
    assert_eq!((s.misses, s.inserts, s.hits, s.entries), (1, 1, 2, 1));
    assert!(s.bytes > 0 && s.bytes as usize <= verifier.cache_max_bytes());
}

#[tokio::test]
async fn a_cached_token_stops_at_its_exp() {
    let clock = claimguard_tests::clock();
    let verifier = verifier(&clock);
    let app = app(&verifier);
    let token = token("alice", NOW + 60);
    assert_eq!(bearer(&app, "/", &token).await.status, StatusCode::OK);
    clock.set(NOW + 59);
    assert_eq!(bearer(&app, "/", &token).await.status, StatusCode::OK);
    assert_eq!(stats(&verifier).hits, 1);
    // At `exp` the entry is gone; the leeway still lets validation accept
    // the token, but it is not cached again past its `exp`.
    clock.set(NOW + 60);
    assert_eq!(bearer(&app, "/", &token).await.status, StatusCode::OK);
    let s = stats(&verifier);
    assert_eq!((s.hits, s.expirations, s.entries), (1, 1, 0));
    clock.set(NOW + 65);
    bearer(&app, "/", &token)
        .await
        .assert_invalid_token("the token has expired");
    assert_eq!(stats(&verifier).hits, 1);
}

#[tokio::test]
async fn the_ttl_caps_an_entry_before_exp() {
    let clock = claimguard_tests::clock();
    let verifier = Verifier::<Cached>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(clock.clone())
        .cache(10, 10)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(&verifier);
    let token = token("alice", NOW + 3600);
    assert_eq!(bearer(&app, "/", &token).await.status, StatusCode::OK);
    clock.set(NOW + 10);
    assert_eq!(bearer(&app, "/", &token).await.status, StatusCode::OK);
    let s = stats(&verifier);
    assert_eq!((s.hits, s.expirations, s.inserts), (0, 1, 2));
}

#[tokio::test]
async fn a_key_change_withdraws_only_what_the_dropped_key_verified() {
    // Two named keys; a token under each is cached.
    let clock = claimguard_tests::clock();
    let key = |kid: &str, secret: &[u8]| {
        Key::hmac(secret)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_kid(kid)
    };
    let (kept, dropped) = ([1u8; 32], [2u8; 32]);
    let verifier: Verifier<Cached> = Verifier::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .keys([key("kept", &kept), key("dropped", &dropped)])
        .clock(clock.clone())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = app(&verifier);
    let named = |kid: &str, secret: &[u8]| {
        let header = format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#);
        claimguard_tests::HsMinter::with_header(secret, &header)
            .token(&format!(r#"{{"sub":"{kid}","exp":{}}}"#, NOW + 60))
    };
    let (under_kept, under_dropped) = (named("kept", &kept), named("dropped", &dropped));
    for token in [&under_kept, &under_dropped] {
        assert_eq!(bearer(&app, "/", token).await.status, StatusCode::OK);
    }
    assert_eq!(stats(&verifier).entries, 2);
    // The new set keeps "kept" (same kid, same secret) and drops the other.
    verifier
        .replace_keys([key("kept", &kept), key("new", &[3u8; 32])])
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = bearer(&app, "/", &under_kept).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "kept")
    );
    assert_eq!(stats(&verifier).hits, 1);
    bearer(&app, "/", &under_dropped)
        .await
        .assert_invalid_token("the token's key is not known");
    let s = stats(&verifier);
    assert_eq!((s.hits, s.withdrawn, s.entries), (1, 1, 1));
    // The same kid with new material is a new key: what the old one
    // verified is withdrawn too.
    verifier
        .replace_keys([key("kept", &[4u8; 32])])
        .unwrap_or_else(|e| panic!("{e}"));
    bearer(&app, "/", &under_kept)
        .await
        .assert_invalid_token("the token's signature is invalid");
    let s = stats(&verifier);
    assert_eq!((s.hits, s.withdrawn, s.entries), (1, 2, 0));
    // A key set that cannot be bound changes nothing.
    assert!(verifier.replace_keys([]).is_err());
    assert_eq!(stats(&verifier).inserts, 2);
}

#[tokio::test]
async fn tampered_variants_and_rejections_are_never_cached() {
    let clock = claimguard_tests::clock();
    let verifier = verifier(&clock);
    let app = app(&verifier);
    let token = token("alice", NOW + 60);
    assert_eq!(bearer(&app, "/", &token).await.status, StatusCode::OK);
    let (head, sig) = token.rsplit_once('.').unwrap_or_default();
    let flipped = format!(
        "{head}.{}",
        if sig.starts_with('A') {
            sig.replacen('A', "B", 1)
        } else {
            format!("A{}", &sig[1..])
        }
    );
    for bad in [
        flipped.clone(),
        format!("{token}A"),
        token[..token.len() - 1].to_owned(),
    ] {
        let reply = bearer(&app, "/", &bad).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bad}");
    }
    let s = stats(&verifier);
    assert_eq!((s.inserts, s.entries, s.hits), (1, 1, 0));
}

#[tokio::test]
async fn another_verifiers_cache_is_not_shared() {
    let clock = claimguard_tests::clock();
    let a = verifier(&clock);
    let b = Verifier::<Cached>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac([9u8; 32]).unwrap_or_else(|e| panic!("{e}")))
        .clock(clock.clone())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let token = token("alice", NOW + 60);
    assert_eq!(bearer(&app(&a), "/", &token).await.status, StatusCode::OK);
    bearer(&app(&b), "/", &token)
        .await
        .assert_invalid_token("the token's signature is invalid");
    assert_eq!(stats(&b).entries, 0);
}

#[test]
fn the_ceiling_is_known_at_compile_time() {
    const CEILING: usize = <Cached as Claims>::CACHE_MAX_BYTES;
    let verifier = verifier(&claimguard_tests::clock());
    assert_eq!(verifier.cache_max_bytes(), CEILING);
    // 100 entries of an 8 KiB token plus the claims' worst case.
    const { assert!(CEILING > 100 * (8192 + 32)) };
    assert_eq!(<Plain as Claims>::CACHE_MAX_BYTES, 0);
    let plain = Verifier::<Plain>::new(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(plain.cache_stats().is_none());
    let off = Verifier::<Cached>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .no_cache()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(off.cache_stats().is_none());
    assert_eq!(off.cache_max_bytes(), 0);
}
