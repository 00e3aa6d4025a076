//! The replay store on a real `redis-server` (started on a free loopback
//! port): two verifiers sharing it refuse a proof replayed from one to the
//! other, concurrent presentations of one proof are accepted once, keys
//! expire with the window, and a Redis that is slow or down refuses with
//! `503` within the timeout.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use claimguard::dpop::{RedisReplayStore, StoreError};
use claimguard_tests::NOW;
use claimguard_tests::redis::Redis;

use crate::setup::{App, app, assert_ok, assert_proof, bound, dpop, key};

const URI: &str = "https://api.example.com/orders";
/// The timeout of the tests that wait for it (a paused or stopped Redis):
/// long enough that a loaded machine still gets its first answer in time,
/// short beside the bounds they check (`BOUND`, and a 6 s pause).
const TIMEOUT: Duration = Duration::from_secs(1);
/// What "within the timeout" is checked against: the timeout and slack.
const BOUND: Duration = Duration::from_secs(4);
/// The timeout of the others: a loaded machine (CI building beside the
/// tests) must not turn an answer into a refusal.
const PATIENT: Duration = Duration::from_secs(10);

async fn store_with(redis: &Redis, prefix: &str, timeout: Duration) -> RedisReplayStore {
    RedisReplayStore::connect(&redis.url(), timeout)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .with_prefix(prefix)
}

async fn store(redis: &Redis, prefix: &str) -> RedisReplayStore {
    store_with(redis, prefix, PATIENT).await
}

/// Two instances of one service sharing `redis`.
async fn pair(redis: &Redis, prefix: &str) -> (App, App) {
    let a = app(dpop().replay_store(store(redis, prefix).await));
    let b = app(dpop().replay_store(store(redis, prefix).await));
    (a, b)
}

#[tokio::test]
async fn a_proof_replayed_to_another_instance_is_refused() {
    let redis = Redis::start();
    let (a, b) = pair(&redis, "replayed:").await;
    let key = key(0);
    let token = bound(&key);
    for _ in 0..3 {
        let proof = key.proof("GET", URI, Some(&token), NOW);
        assert_ok(&a.dpop("GET", "/orders", &token, &[&proof]).await, "alice");
        let replayed = b.dpop("GET", "/orders", &token, &[&proof]).await;
        assert_proof(&replayed, "the DPoP proof was used before");
        let again = a.dpop("GET", "/orders", &token, &[&proof]).await;
        assert_proof(&again, "the DPoP proof was used before");
        assert_ok(&b.fresh(&key, "GET", "/orders", &token).await, "alice");
    }
    // Another prefix is another service: the proof is new to it.
    let other = app(dpop().replay_store(store(&redis, "other:").await));
    let proof = key.proof("GET", URI, Some(&token), NOW);
    assert_ok(&a.dpop("GET", "/orders", &token, &[&proof]).await, "alice");
    assert_ok(
        &other.dpop("GET", "/orders", &token, &[&proof]).await,
        "alice",
    );
}

#[tokio::test]
async fn one_proof_sent_to_both_at_once_is_accepted_once() {
    let redis = Redis::start();
    let (a, b) = pair(&redis, "race:").await;
    let key = key(0);
    let token = bound(&key);
    for round in 0..20 {
        let proof = key.proof("GET", URI, Some(&token), NOW);
        let proofs = [proof.as_str()];
        let (x, y) = tokio::join!(
            a.dpop("GET", "/orders", &token, &proofs),
            b.dpop("GET", "/orders", &token, &proofs),
        );
        let accepted = [&x, &y]
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        assert_eq!(accepted, 1, "round {round}: {x:?} {y:?}");
    }
}

#[tokio::test]
async fn a_claim_lives_until_the_window_closes() {
    let redis = Redis::start();
    let app = app(dpop().replay_store(store(&redis, "ttl:").await));
    let key = key(0);
    let token = bound(&key);
    // 50 s old: 10 s of the window are left, 11 s with the last second.
    let proof = key.proof("GET", URI, Some(&token), NOW - 50);
    assert_ok(
        &app.dpop("GET", "/orders", &token, &[&proof]).await,
        "alice",
    );
    let client = redis::Client::open(redis.url()).unwrap_or_else(|e| panic!("{e}"));
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("ttl:*")
        .query_async(&mut connection)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(keys.len(), 1, "{keys:?}");
    let expected = format!("ttl:{}:", key.thumbprint());
    assert!(keys[0].starts_with(&expected), "{keys:?}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&keys[0])
        .query_async(&mut connection)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!((10_000..=11_000).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn a_slow_redis_refuses_within_the_timeout() {
    let redis = Redis::start();
    let app = app(dpop().replay_store(store_with(&redis, "slow:", TIMEOUT).await));
    let key = key(0);
    let token = bound(&key);
    assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
    // Redis holds every other client's commands for 6 s; its reply comes
    // once the pause is in force.
    let client = redis::Client::open(redis.url()).unwrap_or_else(|e| panic!("{e}"));
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(6000)
        .arg("ALL")
        .query_async::<()>(&mut connection)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let reply = app.fresh(&key, "GET", "/orders", &token).await;
    let waited = started.elapsed();
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
    assert!(reply.challenges.is_empty(), "{reply:?}");
    assert!(waited >= TIMEOUT, "{waited:?}");
    assert!(waited < BOUND, "{waited:?}");
}

#[tokio::test]
async fn a_redis_that_is_down_refuses_within_the_timeout() {
    let mut redis = Redis::start();
    let app = app(dpop().replay_store(store_with(&redis, "down:", TIMEOUT).await));
    let key = key(0);
    let token = bound(&key);
    assert_ok(&app.fresh(&key, "GET", "/orders", &token).await, "alice");
    let url = redis.url();
    redis.stop();
    for _ in 0..3 {
        let started = Instant::now();
        let reply = app.fresh(&key, "GET", "/orders", &token).await;
        let waited = started.elapsed();
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
        assert_eq!(
            reply.body,
            r#"{"error":"temporarily_unavailable","error_description":"the DPoP replay check is unavailable"}"#
        );
        assert!(waited < BOUND, "{waited:?}");
    }
    // Nothing listens: connecting fails with a reason, within the timeout.
    let started = Instant::now();
    let refused = RedisReplayStore::connect(&url, TIMEOUT).await.err();
    assert!(
        matches!(
            refused,
            Some(StoreError::Unavailable(_) | StoreError::Timeout)
        ),
        "{refused:?}"
    );
    assert!(started.elapsed() < BOUND);
    assert_eq!(
        RedisReplayStore::connect("not a url", TIMEOUT).await.err(),
        Some(StoreError::Unavailable("invalid Redis URL"))
    );
}
