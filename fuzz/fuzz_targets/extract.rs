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
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimguard::{Key, ManualClock, Reason, Rejection, Verifier};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

#[path = "common.rs"]
mod common;

use common::{Fz, NOW, SECRET, assert_caps};

fn verifier() -> &'static Verifier<Fz> {
    static V: OnceLock<Verifier<Fz>> = OnceLock::new();
    V.get_or_init(|| {
        Verifier::<Fz>::builder()
            .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
            .clock(ManualClock::new(NOW))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
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
    let request = Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, value)
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, challenge, body) = runtime().block_on(async {
        let response = app()
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
        let status = response.status();
        let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (status, challenge, body)
    });
    if status == StatusCode::OK {
        assert_eq!(&body[..], b"ok");
        return;
    }
    let known = Reason::ALL.iter().any(|reason| {
        let r = Rejection::new(*reason);
        r.status() == status && challenge.as_ref() == Some(&r.challenge()) && body == r.body()
    });
    assert!(known, "status {status}, not a fixed rejection");
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

fn signed(header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap_or_else(|e| panic!("{e}"));
    let signature =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .unwrap_or_else(|e| panic!("{e}"));
    format!("{input}.{signature}")
}

fn check_signed(header: &[u8], payload: &[u8]) {
    let token = signed(header, payload);
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
            Some("https://issuer.example")
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
