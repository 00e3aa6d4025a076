//! A hostile or broken key endpoint: every answer a fetch can get that is
//! not a good key set fails that fetch with a short, fixed cause, leaves the
//! last good keys in service, never panics, never holds more than the body
//! cap, and never makes a fetch (or a request) wait past the timeout.

use std::sync::Arc;

use axum::http::StatusCode;
use claimguard::Algorithm;
use claimguard::remote::{IssuerStatus, KeyState};
use claimguard::testing::Mode;
use claimguard_tests::{live_bytes, peak_bytes, reset_peak};

use crate::setup::{Access, Rig, rig, within};

/// A fetch in `mode`: the cause it fails with ends with `cause`, and the
/// keys fetched at start-up still verify.
async fn survives(mode: Mode, cause: &str) -> Rig<Access> {
    let rig = rig(|r| r).await;
    let token = rig.token(Algorithm::RS256, "alice");
    let keys = rig.status().keys;
    rig.issuer.set_mode(mode.clone());
    let status = rig.verifier.reload_keys().await.remove(0);
    judged(&status, keys, cause, &mode);
    assert_eq!(rig.call(&token).await.status, StatusCode::OK, "{mode:?}");
    rig
}

#[track_caller]
fn judged(status: &IssuerStatus, keys: usize, cause: &str, mode: &Mode) {
    let error = status.last_error.as_deref().unwrap_or_default();
    assert!(error.ends_with(cause), "{mode:?}: {error:?}");
    assert!(error.len() < 300, "{mode:?}: {error:?}");
    assert_eq!(
        (status.state, status.keys),
        (KeyState::Fresh, keys),
        "{mode:?}"
    );
    assert_eq!(status.failures, 1, "{mode:?}");
}

#[tokio::test]
async fn statuses_and_media_types_other_than_a_key_set_fail_the_fetch() {
    survives(Mode::Status(500), "status 500, where 200 is expected").await;
    survives(Mode::Status(404), "status 404, where 200 is expected").await;
    survives(Mode::Status(204), "status 204, where 200 is expected").await;
    survives(Mode::Html, r#"media type "text/html", not JSON"#).await;
    survives(
        Mode::Redirect,
        "status 302: a redirect, which is never followed",
    )
    .await;
    let garbage = survives(Mode::Garbage, "").await;
    let error = garbage.status().last_error.unwrap_or_default();
    assert!(error.contains(": not a JWK set: "), "{error}");
}

#[tokio::test]
async fn a_2_gib_body_is_cut_at_the_cap_in_bounded_memory() {
    // The test runtime has one thread: the fetch, the server and this test
    // all allocate on it, where the counting allocator sees them.
    let rig = rig(|r| r).await;
    let mode = Mode::Huge { bytes: 2 << 30 };
    rig.issuer.set_mode(mode.clone());
    let before = live_bytes();
    reset_peak();
    let status = rig.verifier.reload_keys().await.remove(0);
    let peak = peak_bytes() - before;
    judged(&status, 4, "body larger than 1048576 bytes", &mode);
    // The body cap (1 MiB) and what the client buffers besides.
    assert!(peak < 3 << 20, "peak {peak} bytes for a 2 GiB body");
}

#[tokio::test]
async fn a_body_that_never_ends_is_cut_at_the_cap() {
    survives(Mode::Endless, "body larger than 1048576 bytes").await;
}

#[tokio::test]
async fn a_body_under_a_smaller_cap_is_cut_there() {
    let rig = rig(|r| r.max_body_bytes(4_096)).await;
    let padded = format!("{}{}", rig.issuer.jwks_json(), " ".repeat(4_096));
    rig.issuer.set_mode(Mode::Body {
        content_type: "application/json".into(),
        body: padded,
    });
    let status = rig.verifier.reload_keys().await.remove(0);
    judged(&status, 4, "body larger than 4096 bytes", &Mode::Normal);
}

#[tokio::test]
async fn a_slow_drip_or_a_silent_endpoint_times_out_and_requests_do_not_wait() {
    for mode in [Mode::Drip, Mode::Hang] {
        let rig = Arc::new(rig(|r| r).await);
        let token = rig.token(Algorithm::ES256, "alice");
        rig.issuer.set_mode(mode.clone());
        let reload = tokio::spawn({
            let rig = Arc::clone(&rig);
            async move { rig.verifier.reload_keys().await.remove(0) }
        });
        within(rig.issuer.wait_for_jwks_requests(2)).await;
        // Requests meanwhile are answered at once, from the keys in service.
        assert_eq!(rig.call(&token).await.status, StatusCode::OK);
        rig.advance(5);
        let status = within(reload).await.unwrap_or_else(|e| panic!("{e}"));
        judged(&status, 4, "no complete answer within 5000 ms", &mode);
        rig.issuer.set_mode(Mode::Normal);
    }
}

#[tokio::test]
async fn too_many_keys_fail_the_fetch_before_any_key_is_read() {
    let rig = rig(|r| r).await;
    let keys = vec![r#"{"kty":"EC"}"#; 10_000].join(",");
    rig.issuer.set_mode(Mode::Body {
        content_type: "application/jwk-set+json".into(),
        body: format!(r#"{{"keys":[{keys}]}}"#),
    });
    let status = rig.verifier.reload_keys().await.remove(0);
    let error = status.last_error.clone().unwrap_or_default();
    assert!(error.contains("more than 64 keys"), "{error}");
    judged(&status, 4, "", &Mode::Normal);
    // 64 are read (and, unusable, fail the fetch for want of a usable one);
    // the cap is settable.
    let sixty_four = vec![r#"{"kty":"EC"}"#; 64].join(",");
    rig.issuer.set_mode(Mode::Body {
        content_type: "application/json".into(),
        body: format!(r#"{{"keys":[{sixty_four}]}}"#),
    });
    let status = rig.verifier.reload_keys().await.remove(0);
    let error = status.last_error.clone().unwrap_or_default();
    assert!(error.contains("no usable key among 64"), "{error}");
}

#[tokio::test]
async fn deep_json_fails_the_fetch_without_overflowing_the_stack() {
    let rig = rig(|r| r).await;
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    for body in [deep.clone(), format!(r#"{{"keys":[{deep}]}}"#)] {
        rig.issuer.set_mode(Mode::Body {
            content_type: "application/json".into(),
            body,
        });
        let status = rig.verifier.reload_keys().await;
        let error = status[0].last_error.clone().unwrap_or_default();
        assert!(
            error.contains("not a JWK set") || error.contains("no usable key among 1"),
            "{error}"
        );
        assert_eq!(status[0].keys, 4);
    }
}

/// A 16384-bit RSA modulus (all ones), base64url.
fn huge_modulus() -> String {
    claimguard_tests::b64(vec![0xff_u8; 2048])
}

#[tokio::test]
async fn each_jwk_is_judged_alone_and_unusable_ones_are_noted() {
    let rig = rig(|r| r).await;
    let good = rig.issuer.jwks_json();
    let good: serde_json::Value = serde_json::from_str(&good).unwrap_or_default();
    let good = good["keys"][0].to_string();
    let n = huge_modulus();
    let body = format!(
        r#"{{"keys":[
            {{"kty":"RSA","kid":"huge","n":"{n}","e":"AQAB"}},
            {{"kty":"RSA","kid":"enc","use":"enc","n":"{n}","e":"AQAB"}},
            {{"kty":"EC","kid":"private","crv":"P-256","x":"AA","y":"AA","d":"AA"}},
            {{"kty":"oct","kid":"secret","k":"c2VjcmV0"}},
            {{"kty":"XYZ","kid":"strange"}},
            {good}
        ]}}"#
    );
    rig.issuer.set_mode(Mode::Body {
        content_type: "application/json".into(),
        body,
    });
    let status = rig.verifier.reload_keys().await.remove(0);
    assert_eq!(
        (status.last_error.as_deref(), status.keys),
        (None, 1),
        "{status:?}"
    );
    let skipped = status.skipped.join("\n");
    for note in [
        r#"kid "huge": skipped, not supported: RSA moduli over 8192 bits"#,
        r#"kid "enc": skipped, the JWK is not a signature verification key"#,
        r#"kid "private": skipped, not supported: JWKs with private members"#,
        r#"kid "secret": skipped, not supported: symmetric JWKs in a public set"#,
        r#"kid "strange": skipped, not supported: this JWK type"#,
    ] {
        assert!(skipped.contains(note), "{note}\nin\n{skipped}");
    }
    assert_eq!(status.skipped.len(), 5);
    assert!(!skipped.contains("c2VjcmV0"));
}

#[derive(claimguard::Claims, Clone, Debug)]
#[claims(algorithms = [ES256])]
struct OnlyEs256 {
    #[claims(max_len = 8)]
    #[allow(dead_code)]
    sub: String,
}

#[tokio::test]
async fn keys_of_algorithms_the_type_does_not_pin_are_skipped_and_none_usable_is_a_failure() {
    let issuer = crate::setup::issuer().await;
    let clock = claimguard_tests::clock();
    let verifier =
        crate::setup::start::<OnlyEs256>(&clock, crate::setup::remote(&issuer, |r| r)).await;
    // The RSA, P-384 and Ed25519 keys can verify nothing ES256 needs.
    let status = &verifier.key_status()[0];
    assert_eq!(status.keys, 1, "{status:?}");
    assert_eq!(status.skipped.len(), 3, "{status:?}");
    // A set with only those is a failed fetch.
    let p256 = issuer
        .published()
        .into_iter()
        .find(|k| k.starts_with("p256"))
        .unwrap_or_default();
    assert!(issuer.retire(&p256));
    let status = verifier.reload_keys().await.remove(0);
    let error = status.last_error.unwrap_or_default();
    assert!(error.contains("no usable key among 3"), "{error}");
    assert_eq!(status.keys, 1);
}
