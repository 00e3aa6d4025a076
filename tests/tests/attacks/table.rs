//! What a case expects, and the runner that checks every case through a
//! real Router, collecting every failure.

use axum::Router;
use axum::http::StatusCode;
use claimguard_tests::{Reply, call};

use super::setup::*;

// ---------------------------------------------------------------- expectations

pub(crate) const MALFORMED: &str = "the token is malformed";
pub(crate) const TOO_LARGE: &str = "the token is too large";
pub(crate) const ALG: &str = "the token's algorithm is not accepted";
pub(crate) const HEADER: &str = "the token's header is not accepted";
pub(crate) const KEY: &str = "the token's key is not known";
pub(crate) const SIG: &str = "the token's signature is invalid";
pub(crate) const CLAIMS: &str = "the token's claims are malformed or too large";
pub(crate) const EXPIRED: &str = "the token has expired";
pub(crate) const NBF: &str = "the token is not valid yet";
pub(crate) const IAT: &str = "the token was issued in the future";
pub(crate) const ISSUER: &str = "the token's issuer is not accepted";
pub(crate) const AUD: &str = "the token's audience is not accepted";
pub(crate) const REQUIRED: &str = "the token lacks a required claim";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// 200 with this body.
    Ok(&'static str),
    /// 401 `invalid_token` with this description.
    Token(&'static str),
    /// 401 with a bare `Bearer` challenge.
    Missing,
    /// 400 `invalid_request`.
    BadRequest,
}

pub(crate) use Expect::{BadRequest, Missing, Token};

pub(crate) const ALICE: Expect = Expect::Ok("alice");
pub(crate) const OK: Expect = Expect::Ok("ok");

pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) app: App,
    pub(crate) uri: &'static str,
    pub(crate) headers: Vec<(&'static str, Vec<u8>)>,
    pub(crate) expect: Expect,
}

/// `Authorization: Bearer <token>` against `app`.
pub(crate) fn tok(
    name: impl Into<String>,
    app: App,
    token: impl AsRef<str>,
    expect: Expect,
) -> Case {
    let value = format!("Bearer {}", token.as_ref()).into_bytes();
    raw(name, app, vec![("authorization", value)], expect)
}

/// Arbitrary headers against `app`.
pub(crate) fn raw(
    name: impl Into<String>,
    app: App,
    headers: Vec<(&'static str, Vec<u8>)>,
    expect: Expect,
) -> Case {
    Case {
        name: name.into(),
        app,
        uri: "/",
        headers,
        expect,
    }
}

pub(crate) fn verdict(reply: &Reply, expect: Expect) -> Result<(), String> {
    let (status, challenge, body) = match expect {
        Expect::Ok(body) => (StatusCode::OK, None, body.to_owned()),
        Token(desc) => (
            StatusCode::UNAUTHORIZED,
            Some(format!(
                "Bearer error=\"invalid_token\", error_description=\"{desc}\""
            )),
            format!(r#"{{"error":"invalid_token","error_description":"{desc}"}}"#),
        ),
        Missing => (
            StatusCode::UNAUTHORIZED,
            Some("Bearer".to_owned()),
            r#"{"error":"missing_token","error_description":"a bearer token is required"}"#
                .to_owned(),
        ),
        BadRequest => (
            StatusCode::BAD_REQUEST,
            Some(
                "Bearer error=\"invalid_request\", error_description=\"the request's credentials are malformed\""
                    .to_owned(),
            ),
            r#"{"error":"invalid_request","error_description":"the request's credentials are malformed"}"#
                .to_owned(),
        ),
    };
    if reply.status != status || reply.challenge != challenge || reply.body != body {
        return Err(format!(
            "expected {expect:?}, got {} / {:?} / {}",
            reply.status, reply.challenge, reply.body
        ));
    }
    Ok(())
}

/// Whether any token-like piece of what was sent appears in the reply.
pub(crate) fn echoes(reply: &Reply, headers: &[(&'static str, Vec<u8>)]) -> Option<String> {
    for (_, value) in headers {
        let value = String::from_utf8_lossy(value);
        let pieces = value
            .split(['.', ' ', '\t', ';', '='])
            .filter(|p| p.len() >= 8 && !p.eq_ignore_ascii_case("bearer"));
        for piece in pieces {
            let challenge = reply.challenge.as_deref().unwrap_or_default();
            if reply.body.contains(piece) || challenge.contains(piece) {
                return Some(piece.chars().take(40).collect());
            }
        }
    }
    None
}

/// Runs every case in order, collecting failures; returns how many ran.
pub(crate) async fn run(cases: Vec<Case>) -> usize {
    let apps = apps();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        let app = apps
            .get(&case.app)
            .unwrap_or_else(|| panic!("no app {:?}", case.app));
        let headers: Vec<(&str, &[u8])> = case
            .headers
            .iter()
            .map(|(n, v)| (*n, v.as_slice()))
            .collect();
        let reply = call(app, case.uri, &headers).await;
        ran += 1;
        if let Err(why) = verdict(&reply, case.expect) {
            failures.push(format!("[{}] {}: {why}", ran, case.name));
        }
        if let Some(piece) = echoes(&reply, &case.headers) {
            failures.push(format!("[{}] {}: reply echoes `{piece}`", ran, case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    ran
}

/// One request with `Authorization: Bearer <token>`.
pub(crate) async fn status_of(app: &Router, token: &str) -> Reply {
    claimguard_tests::bearer(app, "/", token).await
}
