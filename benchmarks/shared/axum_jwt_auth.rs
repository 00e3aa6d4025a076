//! (c) axum-jwt-auth configured as its README shows, with the same checks as
//! the hand-written extractor. Shared by `benches/requests.rs` and
//! `examples/instructions.rs` through `#[path]`, since axum-jwt-auth is a
//! dev-dependency the library cannot use.

use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard_benchmarks::{AUDIENCE, ISSUER, PlainClaims, SECRET};

/// The router of variant (c).
pub fn axum_jwt_auth_app() -> Router {
    let mut validation = jsonwebtoken10::Validation::new(jsonwebtoken10::Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    let decoder = axum_jwt_auth::LocalDecoder::builder()
        .keys(vec![jsonwebtoken10::DecodingKey::from_secret(SECRET)])
        .validation(validation)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let decoder: axum_jwt_auth::Decoder<PlainClaims> = Arc::new(decoder);
    Router::new()
        .route(
            "/",
            get(|claims: axum_jwt_auth::Claims<PlainClaims>| async move {
                black_box(claims.claims);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(decoder)
}
