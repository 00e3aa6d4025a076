//! Memory, by exact counts: the allocations of one cold request, and a
//! leak run of 100 000 mixed requests whose live bytes return to where they
//! started and never exceed the bound the configuration implies.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use claimguard::{Claims, Key, ManualClock, Verifier};
use claimguard_tests::{CountingAlloc, measure};
use common::{NOW, SECRET, sign};
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
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(ManualClock::new(NOW));
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
