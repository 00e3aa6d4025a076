//! Refreshing: ahead of the lifetime `max-age` sets (clamped), in the
//! background, never making a request wait; rotation; the last good keys
//! kept for `max_stale` and then `503`; backoff; and the cache kept for the
//! keys a refresh keeps, and only for them.

use std::time::Duration;

use axum::http::StatusCode;
use claimguard::Algorithm;
use claimguard::remote::KeyState;
use claimguard::testing::Mode;

use crate::setup::{cached_rig, rig, within};

/// `status.next_fetch_in` lies within `[low, high]` seconds.
#[track_caller]
fn next_fetch_within(next: Duration, low: f64, high: f64) {
    let next = next.as_secs_f64();
    assert!(
        (low..=high).contains(&next),
        "next fetch in {next} s, not in [{low}, {high}]"
    );
}

#[tokio::test]
async fn the_lifetime_is_max_age_clamped_and_refreshes_come_at_75_to_90_percent() {
    for (max_age, lifetime) in [
        (None, 600),
        (Some(30), 60),
        (Some(60), 60),
        (Some(61), 61),
        (Some(3_600), 3_600),
        (Some(86_400), 86_400),
        (Some(86_401), 86_400),
        (Some(u64::MAX), 86_400),
    ] {
        let rig = rig(|r| r).await;
        rig.issuer.set_max_age(max_age);
        let status = rig.verifier.reload_keys().await.remove(0);
        assert_eq!(
            status.lifetime,
            Some(Duration::from_secs(lifetime)),
            "{max_age:?}"
        );
        let lifetime = lifetime as f64;
        next_fetch_within(status.next_fetch_in, lifetime * 0.75, lifetime * 0.9);
    }
}

#[tokio::test]
async fn keys_refresh_in_the_background_and_requests_never_wait_for_it() {
    let rig = rig(|r| r).await;
    let token = rig.token(Algorithm::RS256, "alice");
    // The refresh is due at 450..540 s; the endpoint holds it.
    rig.issuer.set_mode(Mode::Hang);
    rig.advance(540);
    within(rig.issuer.wait_for_jwks_requests(2)).await;
    // A request meanwhile is answered from the keys in service.
    assert_eq!(rig.call(&token).await.status, StatusCode::OK);
    assert_eq!(rig.status().state, KeyState::Fresh);
    // Released, the refresh completes.
    rig.issuer.set_mode(Mode::Normal);
    rig.fetched(2).await;
    let status = rig.status();
    assert_eq!(
        (status.fetches, status.failures, status.age),
        (2, 0, Some(Duration::ZERO))
    );
}

#[tokio::test]
async fn a_rotated_key_is_taken_up_and_a_retired_one_refused_after_the_next_refresh() {
    let rig = rig(|r| r).await;
    let old = rig.token(Algorithm::ES256, "old");
    let new_kid = rig
        .issuer
        .rotate(Algorithm::ES256)
        .unwrap_or_else(|| panic!("no key left"));
    let new = rig.token(Algorithm::ES256, "new");
    // The scheduled refresh brings the new key; the old one is still there.
    rig.advance(540);
    rig.fetched(2).await;
    assert_eq!(rig.call(&new).await.body, "new");
    assert_eq!(rig.call(&old).await.body, "old");
    // Retired, the old key stops verifying at the next refresh.
    let old_kid = rig
        .issuer
        .published()
        .into_iter()
        .find(|kid| kid.starts_with("p256") && *kid != new_kid)
        .unwrap_or_else(|| panic!("{:?}", rig.issuer.published()));
    assert!(rig.issuer.retire(&old_kid));
    assert_eq!(rig.call(&old).await.status, StatusCode::OK);
    rig.advance(540);
    rig.fetched(3).await;
    // Its kid is unknown now: one refetch (which does not bring it back),
    // then a refusal.
    rig.call(&old)
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(rig.call(&new).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_last_good_keys_serve_for_max_stale_past_their_lifetime_then_503() {
    let rig = rig(|r| r.max_stale(Duration::from_secs(3_600))).await;
    let token = rig.token(Algorithm::RS256, "alice");
    rig.issuer.set_mode(Mode::Status(500));
    // Lifetime 600 s, then stale: still verifying at its last second.
    rig.advance(600 + 3_599);
    assert_eq!(rig.call(&token).await.status, StatusCode::OK);
    rig.fetched(2).await;
    let status = rig.status();
    assert_eq!(status.state, KeyState::Stale);
    assert!(rig.verifier.keys_ready());
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|e| e.ends_with("/jwks: status 500, where 200 is expected")),
        "{status:?}"
    );
    // One second later the keys are past max_stale: 503, never 401. (The
    // retry due then fails too.)
    rig.advance(1);
    let reply = rig.call(&token).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
    assert!(reply.retry_after.is_some());
    rig.fetched(3).await;
    assert_eq!(rig.status().state, KeyState::Failing);
    assert!(!rig.verifier.keys_ready());
    // The identity provider back, the next retry restores service.
    rig.issuer.set_mode(Mode::Normal);
    rig.advance(300);
    rig.fetched(4).await;
    assert_eq!(rig.call(&token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn failures_back_off_from_1_s_doubling_to_5_minutes_with_jitter() {
    let rig = rig(|r| r).await;
    rig.issuer.set_mode(Mode::Status(500));
    let mut delay = 1.0_f64;
    for failures in 1..=12_u64 {
        let status = rig.verifier.reload_keys().await.remove(0);
        assert_eq!(status.failures, failures);
        next_fetch_within(status.next_fetch_in, delay * 0.5, delay);
        delay = (delay * 2.0).min(300.0);
    }
    // A success resets it to the lifetime's schedule.
    rig.issuer.set_mode(Mode::Normal);
    let status = rig.verifier.reload_keys().await.remove(0);
    assert_eq!(status.last_error, None);
    next_fetch_within(status.next_fetch_in, 450.0, 540.0);
}

#[tokio::test]
async fn a_refresh_keeps_the_cache_of_the_keys_it_keeps_and_only_those() {
    let rig = cached_rig().await;
    let rsa = rig.token(Algorithm::RS256, "rsa");
    let ec = rig.token(Algorithm::ES256, "ec");
    for token in [&rsa, &ec] {
        assert_eq!(rig.call(token).await.status, StatusCode::OK);
    }
    let stats = || rig.verifier.cache_stats().unwrap_or_default();
    assert_eq!(stats().entries, 2);
    // A refresh that only adds a key keeps both entries.
    rig.issuer.rotate(Algorithm::RS256);
    rig.verifier.reload_keys().await;
    for token in [&rsa, &ec] {
        assert_eq!(rig.call(token).await.status, StatusCode::OK);
    }
    assert_eq!((stats().hits, stats().withdrawn), (2, 0));
    // Retiring the EC key makes its entry unreachable at once.
    let ec_kid = rig
        .issuer
        .published()
        .into_iter()
        .find(|kid| kid.starts_with("p256"))
        .unwrap_or_default();
    assert!(rig.issuer.retire(&ec_kid));
    rig.verifier.reload_keys().await;
    rig.call(&ec)
        .await
        .assert_invalid_token("the token's key is not known");
    assert_eq!(rig.call(&rsa).await.status, StatusCode::OK);
    let stats = stats();
    assert_eq!((stats.hits, stats.withdrawn, stats.entries), (3, 1, 1));
}
