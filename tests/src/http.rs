//! One request through a real Router, and what came back.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use claimguard::Rejection;
use tower::ServiceExt as _;

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

/// What came back.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The `WWW-Authenticate` header, if any.
    pub challenge: Option<String>,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body, as text.
    pub body: String,
    /// Every `WWW-Authenticate` header, in order.
    pub challenges: Vec<String>,
    /// The `DPoP-Nonce` header, if any.
    pub dpop_nonce: Option<String>,
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
    send(app, "GET", uri, headers).await
}

/// Sends `method uri` with `headers` and no body through `app`.
pub async fn send(app: &Router, method: &str, uri: &str, headers: &[(&str, &[u8])]) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
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
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap_or("<non-ascii>").to_owned());
    let text = |v: &header::HeaderValue| v.to_str().unwrap_or("<non-ascii>").to_owned();
    let challenges = response
        .headers()
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .map(text)
        .collect();
    let dpop_nonce = response.headers().get("dpop-nonce").map(text);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    Reply {
        status,
        challenge,
        retry_after,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        challenges,
        dpop_nonce,
    }
}

/// `GET uri` with `Authorization: Bearer <token>`.
pub async fn bearer(app: &Router, uri: &str, token: &str) -> Reply {
    let value = format!("Bearer {token}");
    call(app, uri, &[("authorization", value.as_bytes())]).await
}

/// Asserts a `401` answered in the `DPoP` scheme alone, with `code`,
/// `description` and the challenge's `algs`.
#[track_caller]
pub fn assert_dpop_challenge(reply: &Reply, code: &str, description: &str, algs: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(
        reply.challenges,
        [format!(
            r#"DPoP error="{code}", error_description="{description}", algs="{algs}""#
        )],
        "{reply:?}"
    );
}
