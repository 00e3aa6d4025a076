//! Runnable examples for claimguard. `cargo run --example quickstart` starts
//! the server built by [`quickstart::app`].

pub mod quickstart {
    //! The quickstart service: `GET /me`, `GET /maybe` and `GET /health`.

    use axum::Json;
    use axum::Router;
    use axum::routing::get;
    use claimguard::{Claims, Key, KeyError, Verifier};
    use serde::Serialize;

    /// The issuer the quickstart accepts.
    pub const ISSUER: &str = "https://issuer.example";
    /// The audience the quickstart accepts.
    pub const AUDIENCE: &str = "quickstart";

    /// The quickstart's claims: every string and list capped.
    #[derive(Claims, Clone, Debug, Serialize)]
    #[claims(
        algorithms = [HS256],
        issuer = "https://issuer.example",
        audience = "quickstart",
        leeway = 30,
    )]
    pub struct User {
        /// The subject, at most 64 bytes.
        #[claims(max_len = 64)]
        pub sub: String,
        /// Expiry, seconds since the epoch.
        pub exp: u64,
        /// At most 8 roles of at most 32 bytes; absent means none.
        #[claims(max_items = 8, max_len = 32, default)]
        pub roles: Vec<String>,
        /// An optional e-mail address, at most 254 bytes.
        #[claims(max_len = 254)]
        pub email: Option<String>,
    }

    /// The router, verifying HS256 tokens signed with `secret`.
    pub fn app(secret: &[u8]) -> Result<Router, KeyError> {
        let verifier = Verifier::<User>::new(Key::hmac(secret)?)?;
        Ok(Router::new()
            .route("/me", get(|user: User| async move { Json(user) }))
            .route(
                "/maybe",
                get(|user: Option<User>| async move { Json(user.map(|u| u.sub)) }),
            )
            .route("/health", get(|| async { "ok" }))
            .with_state(verifier))
    }

    /// A token for `sub` that expires `ttl` seconds from now, for trying the
    /// service out.
    pub fn mint(secret: &[u8], sub: &str, ttl: u64) -> Result<String, jsonwebtoken::errors::Error> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = serde_json::json!({
            "sub": sub,
            "exp": now + ttl,
            "iat": now,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "roles": ["reader"],
        });
        // A build that also turns on jsonwebtoken's `aws_lc_rs` (a workspace
        // build with the benchmarks' feature does) leaves jsonwebtoken unable
        // to choose a backend by itself.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret)?,
        )
    }
}
