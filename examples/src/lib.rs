//! Runnable examples for claimguard. `cargo run --example quickstart` starts
//! the server built by [`quickstart::app`].

pub mod quickstart {
    //! The quickstart service: `GET /me`, `GET /maybe`, `GET /admin` (role
    //! `admin`) and `GET /health`.

    use axum::Json;
    use axum::Router;
    use axum::routing::get;
    use claimguard::{Authorized, Claims, Key, KeyError, Roles, Verifier};
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
        #[claims(max_items = 8, max_len = 32, default, roles)]
        pub roles: Roles,
        /// An optional e-mail address, at most 254 bytes.
        #[claims(max_len = 254)]
        pub email: Option<String>,
    }

    claimguard::requirement! {
        /// The role `admin`.
        pub struct Admin = role("admin");
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
            .route(
                "/admin",
                get(|user: Authorized<User, Admin>| async move {
                    Json(serde_json::json!({ "sub": user.sub }))
                }),
            )
            .route("/health", get(|| async { "ok" }))
            .with_state(verifier))
    }

    /// A token for `sub` with the role `reader` that expires `ttl` seconds
    /// from now, for trying the service out.
    pub fn mint(secret: &[u8], sub: &str, ttl: u64) -> Result<String, jsonwebtoken::errors::Error> {
        mint_with_roles(secret, sub, ttl, &["reader"])
    }

    /// The same, with `roles`.
    pub fn mint_with_roles(
        secret: &[u8],
        sub: &str,
        ttl: u64,
        roles: &[&str],
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = serde_json::json!({
            "sub": sub,
            "exp": now + ttl,
            "iat": now,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "roles": roles,
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

pub mod oidc {
    //! The OpenID Connect service: RFC 9068 access tokens from any
    //! identity provider, its keys found by discovery and refreshed in the
    //! background. `GET /health`, `GET /ready`, `GET /me`; `GET /orders`
    //! (scope `orders:read`) and `POST /orders` (scope `orders:write`); its
    //! protected-resource metadata (RFC 9728) at
    //! `/.well-known/oauth-protected-resource`. A token bound to a DPoP key
    //! (`cnf.jkt`) must come as `Authorization: DPoP` with a valid proof for
    //! `PUBLIC_ORIGIN`, on every route; a token without `cnf` is a bearer
    //! token as before.

    use std::time::Duration;

    use axum::Json;
    use axum::Router;
    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::routing::get;
    use claimguard::authz::ProtectedResource;
    use claimguard::dpop::{DEFAULT_REDIS_TIMEOUT, DpopVerifier, RedisReplayStore};
    use claimguard::remote::{RemoteError, RemoteIssuer};
    use claimguard::{Authorized, Claims, Requirement, Scopes, Verifier};
    use serde::Serialize;
    use serde_json::{Value, json};

    /// An access token of the RFC 9068 profile: `typ` `at+jwt`, signed
    /// with RS256, PS256, ES256 or EdDSA; `iat`, `jti`, `sub` and
    /// `client_id` required, `scope` optional. The issuer is the one the
    /// keys are discovered from, the audience is set at start-up.
    #[derive(Claims, Clone, Debug, Serialize)]
    #[claims(
        algorithms = [RS256, PS256, ES256, EdDSA],
        typ = "at+jwt",
        required = [iat, jti, sub],
        leeway = 30,
        cache(capacity = 10_000, ttl = 300),
    )]
    pub struct AccessToken {
        /// The subject: the resource owner, or the client itself.
        #[claims(max_len = 255)]
        pub sub: String,
        /// The client the token was issued to.
        #[claims(max_len = 255)]
        pub client_id: String,
        /// The granted scopes (`scope`, space-separated): at most 64 of at
        /// most 128 bytes each; absent means none.
        #[claims(max_items = 64, max_len = 128, default, scopes)]
        pub scope: Scopes,
    }

    claimguard::requirement! {
        /// May list orders.
        pub struct OrdersRead = scope("orders:read");
        /// May create orders.
        pub struct OrdersWrite = scope("orders:write");
    }

    /// What `GET /me` answers.
    #[derive(Serialize)]
    struct Me {
        sub: String,
        client_id: String,
        scope: Option<String>,
    }

    /// The protected-resource settings (RFC 9728) for the service at
    /// `origin`: the scopes its routes require.
    pub fn resource(origin: &str) -> Result<ProtectedResource, String> {
        let scopes = [
            <OrdersRead as Requirement<AccessToken>>::SCOPES,
            <OrdersWrite as Requirement<AccessToken>>::SCOPES,
        ]
        .concat();
        ProtectedResource::new(origin)
            .map(|resource| resource.scopes_supported(scopes))
            .map_err(|e| format!("PUBLIC_ORIGIN: {e}"))
    }

    /// The verifier: keys by discovery from `issuer`, tokens for
    /// `audience`, protected-resource metadata for `resource`, DPoP-bound
    /// tokens by `dpop`; waits for the first key set at most `wait`.
    pub async fn verifier(
        issuer: &str,
        audience: &str,
        resource: ProtectedResource,
        wait: Duration,
        dpop: DpopVerifier,
    ) -> Result<Verifier<AccessToken>, RemoteError> {
        Verifier::builder()
            .audiences([audience])
            .protected_resource(resource)
            .dpop(dpop)
            .remote(RemoteIssuer::discover(issuer)?.start_timeout(wait))
            .start()
            .await
    }

    /// The router over `verifier`, with its metadata route if it publishes
    /// one.
    pub fn app(verifier: Verifier<AccessToken>) -> Router {
        let router = Router::new()
            .route("/health", get(|| async { "ok" }))
            .route("/ready", get(ready))
            .route(
                "/me",
                get(|token: AccessToken| async move {
                    let scope = token.scope.as_str();
                    Json(Me {
                        scope: (!scope.is_empty()).then(|| scope.to_owned()),
                        sub: token.sub,
                        client_id: token.client_id,
                    })
                }),
            )
            .route("/orders", get(list_orders).post(create_order));
        let router = match verifier.resource_metadata() {
            Some(metadata) => router.route_service(metadata.path(), metadata.clone()),
            None => router,
        };
        router.with_state(verifier)
    }

    /// `GET /orders`: scope `orders:read`.
    async fn list_orders(token: Authorized<AccessToken, OrdersRead>) -> Json<Value> {
        Json(json!({ "orders": [], "sub": token.sub }))
    }

    /// `POST /orders`: scope `orders:write`; `201`.
    async fn create_order(
        token: Authorized<AccessToken, OrdersWrite>,
    ) -> (StatusCode, Json<Value>) {
        (
            StatusCode::CREATED,
            Json(json!({ "created_by": token.sub })),
        )
    }

    /// 200 while the keys can verify tokens (fresh, or stale within
    /// `max_stale`), else 503.
    async fn ready(State(verifier): State<Verifier<AccessToken>>) -> StatusCode {
        if verifier.keys_ready() {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }

    /// The service's settings, from the environment.
    #[derive(Debug)]
    pub struct Settings {
        /// `OIDC_ISSUER`.
        pub issuer: String,
        /// `OIDC_AUDIENCE`.
        pub audience: String,
        /// `CLAIMGUARD_ADDR`, `127.0.0.1:3000` by default.
        pub addr: String,
        /// `PUBLIC_ORIGIN`, the origin clients address the service by (the
        /// protected resource of RFC 9728, and a DPoP proof's `htu`):
        /// `http://` and `addr` by default.
        pub public_origin: String,
        /// `REDIS_URL`: when set, DPoP proofs are remembered in this Redis,
        /// shared by every instance; else in process.
        pub redis_url: Option<String>,
    }

    impl Settings {
        /// Reads the settings through `var`; a missing one is a one-line
        /// error.
        pub fn from(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
            let required = |name: &str| var(name).ok_or_else(|| format!("{name} is not set"));
            let addr = var("CLAIMGUARD_ADDR").unwrap_or_else(|| "127.0.0.1:3000".to_owned());
            Ok(Self {
                issuer: required("OIDC_ISSUER")?,
                audience: required("OIDC_AUDIENCE")?,
                public_origin: var("PUBLIC_ORIGIN").unwrap_or_else(|| format!("http://{addr}")),
                redis_url: var("REDIS_URL"),
                addr,
            })
        }
    }

    /// The DPoP verifier of `settings`: proofs for its public origin,
    /// remembered in its Redis if it names one (connected within the
    /// store's timeout), else in process.
    pub async fn dpop(settings: &Settings) -> Result<DpopVerifier, String> {
        let mut builder = DpopVerifier::builder(&settings.public_origin);
        if let Some(url) = &settings.redis_url {
            let store = RedisReplayStore::connect(url, DEFAULT_REDIS_TIMEOUT)
                .await
                .map_err(|e| format!("REDIS_URL: {e}"))?;
            builder = builder.replay_store(store);
        }
        builder
            .build()
            .map_err(|e| format!("PUBLIC_ORIGIN {:?}: {e}", settings.public_origin))
    }

    /// Waits for the first key set (at most `wait`), then binds; the
    /// router and the listener, or a one-line reason.
    pub async fn prepare(
        settings: &Settings,
        wait: Duration,
    ) -> Result<(Router, tokio::net::TcpListener), String> {
        let resource = resource(&settings.public_origin)?;
        let dpop = dpop(settings).await?;
        let verifier = verifier(&settings.issuer, &settings.audience, resource, wait, dpop)
            .await
            .map_err(|e| e.to_string())?;
        let listener = tokio::net::TcpListener::bind(&settings.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", settings.addr))?;
        Ok((app(verifier), listener))
    }
}

pub mod metrics;
