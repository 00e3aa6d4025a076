//! Memory, by exact counts: the allocations of one cold request, and a
//! leak run of 100 000 mixed requests whose live bytes return to where they
//! started and never exceed the bound the configuration implies.

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use claimguard::{Claims, Key, Verifier};
use claimguard_tests::{CountingAlloc, measure};
use claimguard_tests::{NOW, SECRET, sign};
use jsonwebtoken::Algorithm as J;
use tower::ServiceExt as _;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

// Parsed and measured, not read.
#[allow(dead_code)]
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://issuer.example",
    audience = "api",
    max_token_bytes = 2048,
    cache(capacity = 1000, ttl = 300)
)]
struct User {
    #[claims(max_len = 64)]
    sub: String,
    exp: u64,
    #[claims(max_items = 8, max_len = 32, default)]
    roles: Vec<String>,
}

fn verifier(cache: bool) -> Verifier<User> {
    let builder = Verifier::<User>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(claimguard_tests::clock());
    let builder = if cache { builder } else { builder.no_cache() };
    builder.build().unwrap_or_else(|e| panic!("{e}"))
}

fn app(verifier: Verifier<User>) -> Router {
    Router::new()
        .route("/", get(|user: User| async move { user.sub }))
        .with_state(verifier)
}

fn token(i: usize) -> String {
    let exp = NOW + 600;
    sign(
        J::HS256,
        &format!(
            r#"{{"sub":"user-{i}","exp":{exp},"iss":"https://issuer.example","aud":"api","roles":["a","b"]}}"#
        ),
    )
}

async fn request(app: &Router, token: &str) -> u16 {
    let request = Request::builder()
        .uri("/")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let response = app
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    let status = response.status().as_u16();
    drop(response);
    status
}

/// Allocations of one request through the Router, made before and counted
/// on this thread (the test runtime is single-threaded).
async fn allocations(app: &Router, token: &str) -> usize {
    let request = Request::builder()
        .uri("/")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let service = app.clone();
    let (future, usage) = measure(|| service.oneshot(request));
    // Creating the future allocates nothing of note; driving it does the work.
    let before = usage.allocations;
    let counted = count_async(future).await;
    before + counted
}

async fn count_async<F: std::future::Future>(future: F) -> usize {
    let mut future = std::pin::pin!(future);
    let mut total = 0;
    std::future::poll_fn(|cx| {
        let (poll, usage) = measure(|| future.as_mut().poll(cx));
        total += usage.allocations;
        poll.map(drop)
    })
    .await;
    total
}

#[tokio::test]
async fn a_cold_request_stays_within_its_allocation_budget() {
    let cold = app(verifier(false));
    let open = Router::new().route("/", get(|| async { "ok" }));
    // Warm up lazily initialised statics (hashers, the router) once.
    let _ = request(&cold, &token(0)).await;
    let _ = request(&open, "x").await;
    let baseline = allocations(&open, "x").await;
    let with_auth = allocations(&cold, &token(1)).await;
    println!("allocations: open route {baseline}, claimguard cold request {with_auth}");
    assert!(
        with_auth <= 26,
        "a cold request made {with_auth} allocations"
    );
    assert!(
        with_auth > baseline,
        "the count must include the verification itself"
    );
}

#[tokio::test]
async fn live_bytes_return_to_baseline_after_100k_mixed_requests() {
    let verifier = verifier(true);
    let app = app(verifier.clone());
    let valid: Vec<String> = (0..2000).map(token).collect();
    let forged: Vec<String> = valid.iter().take(50).map(|t| format!("{t}x")).collect();
    let oversized = format!("{}.e30.sig", "a".repeat(4096));
    // Warm up, so that lazily built statics are not counted as a leak.
    for t in valid.iter().take(10) {
        request(&app, t).await;
    }
    verifier.clear_cache();
    let mut statuses = [0usize; 2];
    let baseline = claimguard_tests::live_bytes();
    claimguard_tests::reset_peak();
    for i in 0..100_000usize {
        let token = match i % 10 {
            0..=5 => &valid[i % valid.len()],
            6 | 7 => &valid[i % 20],
            8 => &forged[i % forged.len()],
            _ => &oversized,
        };
        let status = request(&app, token).await;
        statuses[usize::from(status != 200)] += 1;
    }
    let peak_bytes = claimguard_tests::peak_bytes() - baseline;
    assert_eq!(statuses, [80_000, 20_000]);
    let stats = verifier.cache_stats().unwrap_or_default();
    // The 20 hot tokens (a fifth of the traffic) stay cached throughout.
    assert!(stats.hits >= 19_000, "{stats:?}");
    assert!(stats.entries <= 1000);
    // The bound: the cache's compile-time ceiling, plus one request's own
    // working set (a token, its decoded payload and the response), with
    // room for the allocator's rounding.
    let bound = <User as Claims>::CACHE_MAX_BYTES + 64 * 1024;
    println!("peak {peak_bytes} bytes above the start; bound {bound}; {stats:?}");
    assert!(
        peak_bytes.unsigned_abs() <= bound,
        "peak {peak_bytes} bytes above the start, bound {bound}"
    );
    verifier.clear_cache();
    let after = claimguard_tests::live_bytes() - baseline;
    // The cache's tables keep their capacity after `clear`; everything else
    // must be gone.
    assert!(
        after.unsigned_abs() <= 64 * 1024,
        "{after} bytes still live"
    );
}

/// Every field can be at its cap, and the cache is small enough to fill
/// with full-size tokens.
#[allow(dead_code)]
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [HS256],
    max_token_bytes = 1024,
    cache(capacity = 64, ttl = 300)
)]
struct Full {
    #[claims(max_len = 64)]
    sub: String,
    exp: u64,
    #[claims(max_items = 8, max_len = 32)]
    roles: Vec<String>,
    #[claims(max_items = 4, max_len = 16)]
    attrs: std::collections::HashMap<String, String>,
}

/// A token of exactly 1024 bytes whose claims are all at their caps.
fn full_token(i: usize) -> String {
    let sub = format!("{i:0>64}");
    let roles: Vec<String> = (0..8).map(|r| format!("\"{r:0>32}\"")).collect();
    let attrs: Vec<String> = (0..4)
        .map(|a| format!("\"{a:0>16}\":\"{i:0>16}\""))
        .collect();
    let exp = NOW + 600;
    let body = format!(
        r#""sub":"{sub}","exp":{exp},"roles":[{}],"attrs":{{{}}}"#,
        roles.join(","),
        attrs.join(",")
    );
    // An unknown member pads the token to the size cap exactly.
    (0..200)
        .map(|pad| {
            sign(
                J::HS256,
                &format!(r#"{{{body},"pad":"{}"}}"#, "p".repeat(pad)),
            )
        })
        .find(|token| token.len() == 1024)
        .unwrap_or_else(|| panic!("no padding makes a 1024-byte token"))
}

/// `CACHE_MAX_BYTES` is a true upper bound: a cache filled to capacity with
/// full-size tokens and maximal claims, then churned, holds no more heap
/// than that, counted by the allocator (the slab, the index and the ghost
/// included).
#[test]
fn a_full_cache_stays_within_its_ceiling() {
    let ceiling = <Full as Claims>::CACHE_MAX_BYTES;
    let tokens: Vec<String> = (0..3 * 64).map(full_token).collect();
    let verifier = Verifier::<Full>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(claimguard_tests::clock())
        .cache_seed(7)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verifier.cache_max_bytes(), ceiling);
    // One request's own working set, measured without a cache.
    let cold = Verifier::<Full>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(claimguard_tests::clock())
        .no_cache()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, one) = measure(|| drop(cold.verify(&tokens[0])));
    let baseline = claimguard_tests::live_bytes();
    claimguard_tests::reset_peak();
    let mut most = 0;
    for (n, token) in tokens.iter().enumerate() {
        let claims = verifier
            .verify(token)
            .unwrap_or_else(|e| panic!("{n}: {e}"));
        drop(claims);
        let held = claimguard_tests::live_bytes() - baseline;
        most = most.max(held);
        assert!(
            held.unsigned_abs() <= ceiling,
            "after {n} tokens the cache holds {held} bytes, over its ceiling of {ceiling}"
        );
    }
    let peak = claimguard_tests::peak_bytes() - baseline;
    let stats = verifier.cache_stats().unwrap_or_default();
    assert_eq!(stats.entries, 64, "{stats:?}");
    assert!(stats.evictions >= 2 * 64, "{stats:?}");
    assert!(peak.unsigned_abs() <= ceiling + one.peak.unsigned_abs());
    // The bound is not loose: a full cache of full-size tokens uses most of it.
    assert!(
        most.unsigned_abs() * 10 >= ceiling * 8,
        "{most} of {ceiling}"
    );
    verifier.clear_cache();
    let after = claimguard_tests::live_bytes() - baseline;
    assert!(after <= 0, "{after} bytes left after clearing");
    // Printed last: captured output is allocated on this thread.
    println!(
        "ceiling {ceiling} bytes; held at most {most}, peak {peak} (one request {}); {stats:?}",
        one.peak
    );
}

/// Claims with scopes and roles, cached, for the cost of a requirement.
#[allow(dead_code)]
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://issuer.example",
    audience = "api",
    cache(capacity = 100, ttl = 300)
)]
struct Granted {
    #[claims(max_len = 64)]
    sub: String,
    exp: u64,
    #[claims(max_items = 16, max_len = 32, default, scopes)]
    scope: claimguard::Scopes,
    #[claims(max_items = 8, max_len = 32, default, roles)]
    roles: claimguard::Roles,
}

claimguard::requirement! {
    /// What the allocation counts check: two scopes and a role.
    struct Orders = all(scope("orders:read"), any(scope("orders:write"), role("clerk")));
}

fn granted_token() -> String {
    let exp = NOW + 600;
    sign(
        J::HS256,
        &format!(
            r#"{{"sub":"alice","exp":{exp},"iss":"https://issuer.example","aud":"api","scope":"openid profile email orders:read","roles":["user","clerk"]}}"#
        ),
    )
}

fn granted_verifier(cache: bool) -> Verifier<Granted> {
    let builder = Verifier::<Granted>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(claimguard_tests::clock());
    let builder = if cache { builder } else { builder.no_cache() };
    builder.build().unwrap_or_else(|e| panic!("{e}"))
}

/// Allocations of the second of two requests with the same token (a cache
/// hit when the verifier has a cache), after a warm-up request.
async fn second_request(app: &Router, token: &str) -> usize {
    assert_eq!(request(app, token).await, 200);
    allocations(app, token).await
}

#[tokio::test]
async fn a_requirement_check_allocates_nothing() {
    use claimguard::{Authorized, Shared};
    let token = granted_token();
    for cache in [false, true] {
        let verifier = granted_verifier(cache);
        let plain = Router::new()
            .route("/", get(|user: Granted| async move { user.sub }))
            .with_state(verifier.clone());
        let checked = Router::new()
            .route(
                "/",
                get(|user: Authorized<Granted, Orders>| async move { user.into_inner().sub }),
            )
            .with_state(verifier.clone());
        let shared = Router::new()
            .route(
                "/",
                get(|user: Shared<Granted>| async move { user.sub.clone() }),
            )
            .with_state(verifier.clone());
        let shared_checked = Router::new()
            .route(
                "/",
                get(|user: Authorized<Shared<Granted>, Orders>| async move { user.sub.clone() }),
            )
            .with_state(verifier.clone());
        let counts = [
            second_request(&plain, &token).await,
            second_request(&checked, &token).await,
            second_request(&shared, &token).await,
            second_request(&shared_checked, &token).await,
        ];
        println!(
            "cache {cache}: Granted, Authorized<Granted, _>, Shared, Authorized<Shared, _>: {counts:?}"
        );
        assert_eq!(counts[0], counts[1], "cache {cache}: the check allocated");
        assert_eq!(counts[2], counts[3], "cache {cache}: the check allocated");
    }
}

#[tokio::test]
async fn the_layer_hands_the_claims_on_without_verifying_again() {
    use claimguard::Shared;
    let token = granted_token();
    for cache in [false, true] {
        let verifier = granted_verifier(cache);
        // axum boxes every layered route, whatever the layer: the baseline is
        // a layer that does nothing.
        let identity = Router::new()
            .route(
                "/",
                get(|user: Shared<Granted>| async move { user.sub.clone() }),
            )
            .route_layer(tower::layer::util::Identity::new())
            .with_state(verifier.clone());
        let layered = Router::new()
            .route(
                "/",
                get(|user: Shared<Granted>| async move { user.sub.clone() }),
            )
            .route_layer(verifier.require::<Orders>())
            .with_state(verifier.clone());
        let counts = [
            second_request(&identity, &token).await,
            second_request(&layered, &token).await,
        ];
        println!("cache {cache}: identity layer + Shared, claimguard's layer + Shared: {counts:?}");
        // Two: the extension that carries the claims to the handler, and
        // the growth of the request's extension map, which axum's router
        // has filled to its first capacity already. The token is not
        // verified again (`tests/authz/layer.rs` counts clock readings).
        assert_eq!(counts[1], counts[0] + 2, "cache {cache}");
    }
}

/// The in-process DPoP replay store at a steady rate, its keys of one
/// length (as a verifier's are for one key thumbprint and UUID `jti`s),
/// allocates only to grow: a claim copies its key into the buffer of the
/// expired key it reclaims (its shard's oldest), and allocates a buffer,
/// and keeps it, only when that shard's oldest key is still live, i.e. when
/// the shard holds more live keys than it ever has. Nothing is allocated
/// and freed per claim, whatever shards the hasher's seed picks.
#[test]
fn a_steady_replay_claim_of_a_key_of_one_length_allocates_only_to_grow() {
    use claimguard::dpop::{Claimed, MemoryReplayStore, ReplayStore as _};
    const PER_SECOND: u64 = 500;
    let store = MemoryReplayStore::new(4 * PER_SECOND as usize, 128);
    let key = |n: u64| format!("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs:{n:036}");
    let claim = |n: u64| {
        let now = 1_700_000_000 + n / PER_SECOND;
        store.claim_at_once(&key(n), now + 2, now)
    };
    // Long enough for every shard to have held its most live keys, nearly.
    let warm = 40 * PER_SECOND;
    for n in 0..warm {
        assert!(matches!(claim(n), Some(Ok(Claimed::Fresh))), "{n}");
    }
    // The first claim of a second counts that second; the rest of the
    // second's claims are the steady state.
    let keys: Vec<String> = (warm..warm + PER_SECOND).map(key).collect();
    let now = 1_700_000_000 + warm / PER_SECOND;
    assert!(matches!(
        store.claim_at_once(&keys[0], now + 2, now),
        Some(Ok(Claimed::Fresh))
    ));
    let (answers, usage) = measure(|| {
        let mut fresh = 0;
        for key in &keys[1..] {
            if matches!(
                store.claim_at_once(key, now + 2, now),
                Some(Ok(Claimed::Fresh))
            ) {
                fresh += 1;
            }
        }
        fresh
    });
    assert_eq!(answers, keys.len() - 1);
    // Every allocation is a key's buffer, kept; and they are few.
    let key_bytes = keys[0].len();
    assert_eq!(
        usage.retained,
        isize::try_from(usage.allocations * key_bytes).unwrap_or(isize::MAX),
        "{usage:?}"
    );
    assert_eq!(usage.peak, usage.retained, "{usage:?}");
    assert!(usage.allocations * 20 < keys.len(), "{usage:?}");
    // And they were claimed: each is a replay now.
    assert!(matches!(
        store.claim_at_once(&keys[7], now + 2, now),
        Some(Ok(Claimed::Replayed))
    ));
}

/// Access tokens of remote issuers.
#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [RS256])]
struct Remote {
    #[claims(max_len = 64)]
    sub: String,
}

/// With several issuers, the key set is chosen by the token's `iss`, read
/// before the signature; that reading allocates nothing (the payload is
/// decoded on the stack and `iss` borrowed from it), so a verification
/// costs the allocations it costs with one issuer.
#[tokio::test]
async fn choosing_among_issuers_allocates_nothing() {
    use claimguard::Algorithm;
    use claimguard::remote::RemoteIssuer;
    use claimguard::testing::TestIssuer;

    let (a, b) = (TestIssuer::start().await, TestIssuer::start().await);
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("{e}")),
        b.unwrap_or_else(|e| panic!("{e}")),
    );
    let remote = |issuer: &TestIssuer| {
        RemoteIssuer::discover(&issuer.issuer()).unwrap_or_else(|e| panic!("{e}"))
    };
    let clock = claimguard_tests::clock();
    let builder = || {
        Verifier::<Remote>::builder()
            .clock(clock.clone())
            .timer(clock.clone())
    };
    let one = builder().remote(remote(&b)).start().await;
    let two = builder()
        .remote(remote(&a))
        .remote(remote(&b))
        .start()
        .await;
    let (one, two) = (
        one.unwrap_or_else(|e| panic!("{e}")),
        two.unwrap_or_else(|e| panic!("{e}")),
    );
    let claims = serde_json::json!({ "sub": "s", "iss": b.issuer(), "exp": NOW + 3600 });
    let token = b.mint(Algorithm::RS256, &claims);
    let count = |verifier: &Verifier<Remote>| {
        let (verdict, usage) = measure(|| verifier.verify(&token).map(|claims| claims.sub));
        assert_eq!(verdict.as_deref().ok(), Some("s"));
        usage.allocations
    };
    // The first verification of each settles what is made once.
    let (_, _) = (count(&one), count(&two));
    let (with_one, with_two) = (count(&one), count(&two));
    println!("allocations per verification: one issuer {with_one}, two {with_two}");
    assert_eq!(with_two, with_one);
    // The other issuer's tokens are chosen as cheaply.
    let claims = serde_json::json!({ "sub": "s", "iss": a.issuer(), "exp": NOW + 3600 });
    let token = a.mint(Algorithm::RS256, &claims);
    let count = || {
        let (verdict, usage) = measure(|| two.verify(&token).map(|claims| claims.sub));
        assert_eq!(verdict.as_deref().ok(), Some("s"));
        usage.allocations
    };
    let _ = count();
    assert_eq!(count(), with_one);
}
