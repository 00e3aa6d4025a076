//! The background task's life, and what a probe reads: the task ends when
//! the last verifier clone is dropped; status and reload.

use axum::http::StatusCode;
use claimguard::Algorithm;
use claimguard::remote::KeyState;
use claimguard::testing::Mode;

use crate::setup::{rig, within};

#[tokio::test]
async fn the_task_ends_when_the_last_verifier_is_dropped() {
    let rig = rig(|r| r).await;
    let clone = rig.verifier.clone();
    let ended = rig.verifier.tasks_ended();
    let (issuer, clock) = (rig.issuer.clone(), rig.clock.clone());
    drop(rig);
    // One clone left: the task still refreshes.
    clock.advance(540);
    within(clone.fetches_completed(&issuer.issuer(), 2)).await;
    drop(clone);
    within(ended).await;
    // Nothing fetches any more, however far the clock moves.
    let requests = issuer.jwks_requests();
    clock.advance(100_000);
    tokio::task::yield_now().await;
    assert_eq!(issuer.jwks_requests(), requests);
}

#[tokio::test]
async fn status_shows_what_a_probe_needs_and_no_secrets() {
    let rig = rig(|r| r).await;
    let status = rig.status();
    assert_eq!(status.issuer, rig.issuer.issuer());
    assert_eq!(status.state, KeyState::Fresh);
    assert_eq!(status.keys, 4);
    assert_eq!(status.age, Some(std::time::Duration::ZERO));
    rig.advance(42);
    assert_eq!(rig.status().age, Some(std::time::Duration::from_secs(42)));
    // A failure's cause names the URL, never a query string.
    let jwks = format!("{}?access_token=secret-value", rig.issuer.jwks_uri());
    let with_query = claimguard::remote::RemoteIssuer::with_jwks(&rig.issuer.issuer(), &jwks)
        .unwrap_or_else(|e| panic!("{e}"));
    let clock = claimguard_tests::clock();
    rig.issuer.set_mode(Mode::Status(500));
    let verifier = claimguard::Verifier::<crate::setup::Access>::builder()
        .clock(clock.clone())
        .timer(clock)
        .remote(with_query.lazy())
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    within(verifier.fetches_completed(&rig.issuer.issuer(), 1)).await;
    let status = &verifier.key_status()[0];
    let shown = format!("{status:?} {:?}", verifier);
    assert!(!shown.contains("secret-value"), "{shown}");
    assert_eq!(
        status.last_error.as_deref(),
        Some(
            format!(
                "{}: status 500, where 200 is expected",
                rig.issuer.jwks_uri()
            )
            .as_str()
        )
    );
}

#[tokio::test]
async fn reload_fetches_now_whatever_the_schedule_and_the_cooldown() {
    let rig = rig(|r| r).await;
    rig.issuer.rotate(Algorithm::RS256);
    for expected in 2..=4 {
        let status = rig.verifier.reload_keys().await.remove(0);
        assert_eq!(status.fetches, expected);
        assert_eq!(status.keys, 5);
    }
    assert_eq!(rig.issuer.jwks_requests(), 4);
    assert_eq!(
        rig.call(&rig.token(Algorithm::RS256, "x")).await.status,
        StatusCode::OK
    );
}
