//! Arbitrary requests and tokens through claimguard, with a real key.
//!
//! The first input byte picks the mode; the rest is its input:
//!
//! - `0`: the rest is an `Authorization` header value, sent through a real
//!   axum Router (when the HTTP layer accepts it as a header value);
//! - `1`: the rest is a token for `Verifier::verify`;
//! - `2`: the rest is a payload, signed with the real HS256 key under a plain
//!   header, so that the claims stages are reached;
//! - `3`: the rest is `header 0xFF payload`, both signed with the real key.
//!
//! Whatever the input: no panic; a reply is 200, 400 or 401 with one of the
//! fixed bodies and never a piece of the token; an accepted token's claims
//! respect every cap and the time rules.

#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderValue, StatusCode};
use axum::routing::get;
use claimguard::{Reason, Rejection, Verifier};
use claimguard_tests::fuzz::{FZ_ISSUER, Fz, assert_caps};
use claimguard_tests::{NOW, call, sign_raw};
use jsonwebtoken::Algorithm as J;
use libfuzzer_sys::fuzz_target;

fn verifier() -> &'static Verifier<Fz> {
    static V: OnceLock<Verifier<Fz>> = OnceLock::new();
    V.get_or_init(|| {
        claimguard_tests::verifier::<Fz>()
    })
}

fn app() -> &'static Router {
    static APP: OnceLock<Router> = OnceLock::new();
    APP.get_or_init(|| {
        Router::new()
            .route("/", get(|_: Fz| async { "ok" }))
            .with_state(verifier().clone())
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fn through_router(value: &[u8]) {
    if HeaderValue::from_bytes(value).is_err() {
        return;
    }
    let reply = runtime().block_on(call(app(), "/", &[("authorization", value)]));
    if reply.status == StatusCode::OK {
        assert_eq!(reply.body, "ok");
        return;
    }
    let known = Reason::ALL.iter().any(|reason| {
        let r = Rejection::new(*reason);
        r.status() == reply.status
            && reply.challenge.as_deref() == r.challenge().as_ref().and_then(|c| c.to_str().ok())
            && reply.body == r.body()
    });
    assert!(known, "status {}, not a fixed rejection", reply.status);
}

fn check_verdict(token: &str) {
    match verifier().verify(token) {
        Ok(claims) => assert_caps(&claims),
        Err(rejection) => {
            assert_ne!(rejection.reason(), Reason::Missing);
            assert_ne!(rejection.reason(), Reason::InvalidRequest);
        }
    }
}

fn check_signed(header: &[u8], payload: &[u8]) {
    let token = sign_raw(J::HS256, header, payload);
    if let Ok(claims) = verifier().verify(&token) {
        assert_caps(&claims);
        // Accepted claims passed the time rules: `exp` is a number after now.
        let value: serde_json::Value =
            serde_json::from_slice(payload).unwrap_or_else(|e| panic!("accepted non-JSON: {e}"));
        let exp = value.get("exp").and_then(serde_json::Value::as_f64);
        assert!(
            exp.is_some_and(|exp| exp >= (NOW + 1) as f64),
            "bad exp accepted"
        );
        assert_eq!(
            value.get("iss").and_then(serde_json::Value::as_str),
            Some(FZ_ISSUER)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => through_router(rest),
        1 => check_verdict(&String::from_utf8_lossy(rest)),
        2 => check_signed(br#"{"alg":"HS256"}"#, rest),
        _ => {
            let at = rest.iter().position(|&b| b == 0xff).unwrap_or(rest.len());
            let (header, payload) = rest.split_at(at);
            check_signed(header, payload.get(1..).unwrap_or_default());
        }
    }
});
