//! Starting: discovery, the first key set waited for (or not, when lazy),
//! and a clear error naming the URL and the cause.

use axum::http::StatusCode;
use claimguard::remote::{KeyState, RemoteError, RemoteIssuer};
use claimguard::testing::Mode;
use claimguard::{Algorithm, Verifier};

use crate::setup::{Access, app, issuer, remote, rig, start, within};

#[tokio::test]
async fn discovery_finds_the_keys_and_tokens_verify() {
    let rig = rig(|r| r).await;
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        let reply = rig.call(&rig.token(alg, "alice")).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "alice"),
            "{alg:?}"
        );
    }
    let status = rig.status();
    assert_eq!(status.state, KeyState::Fresh);
    assert_eq!(status.keys, rig.issuer.published().len());
    assert_eq!(
        status.jwks_url.as_deref(),
        Some(rig.issuer.jwks_uri().as_str())
    );
    assert_eq!((status.fetches, status.failures), (1, 0));
    assert_eq!(rig.issuer.discovery_requests(), 1);
    assert!(rig.verifier.keys_ready());
}

#[tokio::test]
async fn a_jwks_url_needs_no_discovery() {
    let issuer = issuer().await;
    let clock = claimguard_tests::clock();
    let remote = RemoteIssuer::with_jwks(&issuer.issuer(), &issuer.jwks_uri())
        .unwrap_or_else(|e| panic!("{e}"));
    let verifier = start::<Access>(&clock, remote).await;
    let app = app(&verifier);
    let token = issuer.mint(Algorithm::ES256, &crate::setup::claims(&issuer, "bob"));
    let reply = within(claimguard_tests::bearer(&app, "/", &token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(issuer.discovery_requests(), 0);
}

#[tokio::test]
async fn the_discovery_document_must_name_the_configured_issuer() {
    let issuer = issuer().await;
    issuer.set_discovery_issuer("https://impostor.example");
    let clock = claimguard_tests::clock();
    let verifier = start::<Access>(&clock, remote(&issuer, RemoteIssuer::lazy)).await;
    within(verifier.fetches_completed(&issuer.issuer(), 1)).await;
    let status = &verifier.key_status()[0];
    let error = status.last_error.clone().unwrap_or_default();
    assert_eq!(
        error,
        format!(
            "{}: the document names issuer \"https://impostor.example\", not the configured one",
            issuer.discovery_uri()
        )
    );
    assert_eq!((status.keys, status.jwks_url.as_deref()), (0, None));
    assert_eq!(issuer.jwks_requests(), 0);
}

#[tokio::test]
async fn waiting_for_the_first_keys_ends_at_the_start_timeout_with_the_url_and_cause() {
    let issuer = issuer().await;
    issuer.set_mode(Mode::Status(500));
    let clock = claimguard_tests::clock();
    let remote = remote(&issuer, |r| {
        r.lazy().start_timeout(std::time::Duration::from_secs(3))
    });
    let verifier = start::<Access>(&clock, remote).await;
    within(verifier.fetches_completed(&issuer.issuer(), 1)).await;
    // The wait's deadline runs from this call.
    let waiting = tokio::spawn(verifier.wait_for_keys());
    // A second in, the retry (due within a second) fails too; the wait
    // goes on...
    clock.advance(1);
    within(verifier.fetches_completed(&issuer.issuer(), 2)).await;
    assert!(!waiting.is_finished());
    // ...until the third second.
    clock.advance(2);
    let error = within(waiting)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .err();
    let Some(RemoteError::FirstKeys {
        issuer: named,
        url,
        cause,
    }) = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((named, url), (&issuer.issuer(), &issuer.jwks_uri()));
    assert_eq!(cause, "status 500, where 200 is expected");
    let line = error.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        line,
        format!(
            "no keys for issuer {} from {}/jwks: status 500, where 200 is expected",
            issuer.issuer(),
            issuer.issuer()
        )
    );
    // The retry due at the third second fails as well; once the keys come
    // at the next one, the wait succeeds.
    within(verifier.fetches_completed(&issuer.issuer(), 3)).await;
    issuer.set_mode(Mode::Normal);
    clock.advance(300);
    within(verifier.fetches_completed(&issuer.issuer(), 4)).await;
    assert_eq!(within(verifier.wait_for_keys()).await, Ok(()));
}

#[tokio::test]
async fn a_lazy_start_answers_503_until_the_keys_arrive() {
    let issuer = issuer().await;
    issuer.set_mode(Mode::Status(503));
    let clock = claimguard_tests::clock();
    let verifier = start::<Access>(&clock, remote(&issuer, RemoteIssuer::lazy)).await;
    let app = app(&verifier);
    within(verifier.fetches_completed(&issuer.issuer(), 1)).await;
    let status = &verifier.key_status()[0];
    assert_eq!((status.state, status.keys), (KeyState::Failing, 0));
    assert!(!verifier.keys_ready());
    let token = issuer.mint(Algorithm::RS256, &crate::setup::claims(&issuer, "carol"));
    let reply = within(claimguard_tests::bearer(&app, "/", &token)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    // The first retry comes within a second (jittered): that is what the
    // client is told.
    assert_eq!(reply.retry_after.as_deref(), Some("1"));
    assert!(reply.challenge.is_none());
    issuer.set_mode(Mode::Normal);
    clock.advance(1);
    within(verifier.fetches_completed(&issuer.issuer(), 2)).await;
    let reply = within(claimguard_tests::bearer(&app, "/", &token)).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "carol")
    );
}

#[tokio::test]
async fn misconfigurations_are_refused_before_any_fetch() {
    let issuer = issuer().await;
    let clock = claimguard_tests::clock();
    let base = || {
        Verifier::<Access>::builder()
            .clock(clock.clone())
            .timer(clock.clone())
    };
    let discover = || remote(&issuer, |r| r);
    let both = base()
        .key(claimguard::Key::hmac([1; 32]).unwrap_or_else(|e| panic!("{e}")))
        .remote(discover())
        .start()
        .await;
    assert!(matches!(both, Err(RemoteError::Setting(_))), "{both:?}");
    let twice = base().remote(discover()).remote(discover()).start().await;
    assert!(
        matches!(
            twice,
            Err(RemoteError::Issuer {
                what: "added twice",
                ..
            })
        ),
        "{twice:?}"
    );
    let built = base().remote(discover()).build();
    assert!(
        matches!(built, Err(claimguard::KeyError::Remote)),
        "{built:?}"
    );
    assert_eq!(issuer.discovery_requests() + issuer.jwks_requests(), 0);
}

#[derive(claimguard::Claims, Clone, Debug)]
#[claims(algorithms = [RS256], issuer = "https://only.example")]
struct Pinned {
    #[claims(max_len = 8)]
    #[allow(dead_code)]
    sub: String,
}

#[tokio::test]
async fn a_remote_issuer_must_be_one_the_claims_type_accepts() {
    let issuer = issuer().await;
    let clock = claimguard_tests::clock();
    let refused = Verifier::<Pinned>::builder()
        .clock(clock.clone())
        .timer(clock)
        .remote(remote(&issuer, |r| r))
        .start()
        .await;
    let Err(RemoteError::Issuer { issuer: named, .. }) = &refused else {
        panic!("{refused:?}");
    };
    assert_eq!(named, &issuer.issuer());
}
