//! Shared helpers: fixture keys, hand-built tokens, and one request through a
//! real Router.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimguard::{Claims, Key, ManualClock, Rejection, Verifier};
use jsonwebtoken::{Algorithm, EncodingKey};
use tower::ServiceExt as _;

/// The HMAC secret the tests sign with: long enough for HS512.
pub const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A fixed "now" for the manual clock.
pub const NOW: u64 = 1_700_000_000;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn encoding_key(alg: Algorithm) -> EncodingKey {
    let key = match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => EncodingKey::from_secret(SECRET),
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => EncodingKey::from_rsa_pem(&fixture("rsa.key")),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&fixture("p256.key")),
        Algorithm::ES384 => EncodingKey::from_ec_pem(&fixture("p384.key")),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&fixture("ed25519.key")),
        other => panic!("no fixture key for {other:?}"),
    };
    key.unwrap_or_else(|e| panic!("{alg:?}: {e}"))
}

/// A verifier for `T` with the HMAC test secret, its clock at [`NOW`].
pub fn verifier<T: Claims>() -> Verifier<T> {
    Verifier::<T>::builder()
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A rejection of an application's own, for `rejection = Teapot`.
pub struct Teapot(pub Rejection);

impl From<Rejection> for Teapot {
    fn from(rejection: Rejection) -> Self {
        Self(rejection)
    }
}

impl IntoResponse for Teapot {
    fn into_response(self) -> Response {
        (StatusCode::IM_A_TEAPOT, format!("teapot: {}", self.0)).into_response()
    }
}

/// A token with exactly this header and payload JSON, signed with the
/// fixture key for `alg`.
pub fn sign_raw(alg: Algorithm, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &encoding_key(alg), alg)
        .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
    format!("{input}.{signature}")
}

/// A token with a plain header for `alg`.
pub fn sign(alg: Algorithm, payload: &str) -> String {
    sign_raw(alg, &format!(r#"{{"alg":"{alg:?}","typ":"JWT"}}"#), payload)
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub challenge: Option<String>,
    pub body: String,
}

impl Reply {
    /// Asserts a 401 `invalid_token` with this description.
    #[track_caller]
    pub fn assert_invalid_token(&self, description: &str) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{self:?}");
        assert_eq!(
            self.challenge.as_deref(),
            Some(
                format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
                    .as_str()
            ),
            "{self:?}"
        );
        assert_eq!(
            self.body,
            format!(r#"{{"error":"invalid_token","error_description":"{description}"}}"#)
        );
    }

    /// Asserts a 401 with a bare `Bearer` challenge.
    #[track_caller]
    pub fn assert_missing(&self) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{self:?}");
        assert_eq!(self.challenge.as_deref(), Some("Bearer"), "{self:?}");
        assert_eq!(
            self.body,
            r#"{"error":"missing_token","error_description":"a bearer token is required"}"#
        );
    }

    /// Asserts a 400 `invalid_request`.
    #[track_caller]
    pub fn assert_invalid_request(&self) {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{self:?}");
        assert_eq!(
            self.challenge.as_deref(),
            Some(
                "Bearer error=\"invalid_request\", error_description=\"the request's credentials are malformed\""
            ),
            "{self:?}"
        );
    }

    /// Asserts that no segment of `token` appears anywhere in the reply.
    #[track_caller]
    pub fn assert_no_echo(&self, token: &str) {
        for part in token.split('.').filter(|p| p.len() >= 8) {
            assert!(!self.body.contains(part), "body echoes the token: {self:?}");
            assert!(
                !self.challenge.as_deref().unwrap_or_default().contains(part),
                "challenge echoes the token: {self:?}"
            );
        }
    }
}

/// Sends `GET uri` with `headers` through `app`.
pub async fn call(app: &Router, uri: &str, headers: &[(&str, &[u8])]) -> Reply {
    let mut request = Request::builder().uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let response = app
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap_or("<non-ascii>").to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    Reply {
        status,
        challenge,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// `GET uri` with `Authorization: Bearer <token>`.
pub async fn bearer(app: &Router, uri: &str, token: &str) -> Reply {
    let value = format!("Bearer {token}");
    call(app, uri, &[("authorization", value.as_bytes())]).await
}
