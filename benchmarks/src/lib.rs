//! Shared fixtures for claimguard's benchmarks: the claims types, keys,
//! tokens and routers that `benches/requests.rs` and `benches/algorithms.rs`
//! measure, kept here so that both benches compare exactly the same things.
//!
//! Run with `cargo bench -p claimguard-benchmarks` (add `--features
//! aws_lc_rs` for the aws-lc-rs backend) and read the ratios with
//! `scripts/bench-ratios.sh`.

use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use claimguard::{Claims, Key, Verifier};
use jsonwebtoken::{DecodingKey, EncodingKey, Validation};
use serde::{Deserialize, Serialize};

/// The HMAC secret every HS256 token is signed with: the test kit's.
pub use claimguard_tests::SECRET;
/// The issuer every verifier accepts and every token carries.
pub const ISSUER: &str = "https://auth.example.com";
/// The audience every verifier accepts and every token carries.
pub const AUDIENCE: &str = "orders-api";
/// Expiry of every token: 2100-01-01, so nothing expires during a run.
pub const EXP: u64 = 4_102_444_800;
/// `iat` of every token.
pub const IAT: u64 = 1_700_000_000;

/// Pins jsonwebtoken's process-wide crypto provider to the backend claimguard
/// uses in this build. With the `aws_lc_rs` feature both jsonwebtoken
/// backends are compiled in, and jsonwebtoken then refuses to pick one by
/// itself (it panics on first use); choosing explicitly also keeps the
/// jsonwebtoken baselines on the same backend as claimguard. Idempotent.
pub fn install_crypto_provider() {
    #[cfg(feature = "aws_lc_rs")]
    let provider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
    #[cfg(not(feature = "aws_lc_rs"))]
    let provider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    // A second call finds the provider already installed, which is fine.
    let _ = provider.install_default();
}

/// The name of the crypto backend in this build, for labels.
pub const BACKEND: &str = if cfg!(feature = "aws_lc_rs") {
    "aws_lc_rs"
} else {
    "rust_crypto"
};

/// The claims claimguard decodes in the request benchmarks, with the 10 000
/// entry cache the issue asks for (turned off with `no_cache()` for the
/// cold measurements).
#[derive(Claims, Clone, Debug, Serialize)]
#[claims(
    algorithms = [HS256],
    issuer = "https://auth.example.com",
    audience = "orders-api",
    cache(capacity = 10_000, ttl = 300)
)]
pub struct User {
    /// The subject, at most 64 bytes.
    #[claims(max_len = 64)]
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// At most 8 roles of at most 32 bytes.
    #[claims(max_items = 8, max_len = 32, default)]
    pub roles: Vec<String>,
    /// An optional e-mail address, at most 254 bytes.
    #[claims(max_len = 254)]
    pub email: Option<String>,
}

/// [`User`] with its roles in claimguard's [`Roles`](claimguard::Roles),
/// marked for requirements: what a requirement check is measured on.
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://auth.example.com",
    audience = "orders-api",
    cache(capacity = 10_000, ttl = 300)
)]
pub struct Granted {
    /// The subject, at most 64 bytes.
    #[claims(max_len = 64)]
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// At most 8 roles of at most 32 bytes.
    #[claims(max_items = 8, max_len = 32, default, roles)]
    pub roles: claimguard::Roles,
    /// An optional e-mail address, at most 254 bytes.
    #[claims(max_len = 254)]
    pub email: Option<String>,
}

claimguard::requirement! {
    /// The second of the token's two roles, so that the check walks past
    /// the first.
    pub struct Writer = role("writer");
}

/// (g) [`Granted`] through its own extractor, with the cache: the baseline
/// for (h).
pub fn granted_app() -> Router {
    Router::new()
        .route(
            "/",
            get(|user: Granted| async move {
                black_box(user);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(granted_verifier())
}

/// (h) The same through `Authorized<Granted, Writer>`: (h) - (g) is what a
/// requirement check costs.
pub fn authorized_app() -> Router {
    Router::new()
        .route(
            "/",
            get(|user: claimguard::Authorized<Granted, Writer>| async move {
                black_box(user);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(granted_verifier())
}

fn granted_verifier() -> Verifier<Granted> {
    Verifier::<Granted>::builder()
        .key(Alg::Hs256.claimguard_key())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The same claims for the per-algorithm benchmarks: one type accepting all
/// four algorithms, each verifier holding the one key under test (so key
/// selection is trivial, as with a single-algorithm struct), and no cache.
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [HS256, RS256, ES256, EdDSA],
    issuer = "https://auth.example.com",
    audience = "orders-api"
)]
pub struct AlgUser {
    /// The subject, at most 64 bytes.
    #[claims(max_len = 64)]
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// At most 8 roles of at most 32 bytes.
    #[claims(max_items = 8, max_len = 32, default)]
    pub roles: Vec<String>,
    /// An optional e-mail address, at most 254 bytes.
    #[claims(max_len = 254)]
    pub email: Option<String>,
}

/// The same claims as a plain serde struct, as jsonwebtoken users and
/// axum-jwt-auth decode them.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct PlainClaims {
    /// The subject.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// An optional e-mail address.
    pub email: Option<String>,
}

/// The algorithms of the per-algorithm suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    /// HMAC-SHA256.
    Hs256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit key.
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl Alg {
    /// All four, in the order they are reported.
    pub const ALL: [Alg; 4] = [Alg::Hs256, Alg::Rs256, Alg::Es256, Alg::EdDsa];

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
        }
    }

    /// jsonwebtoken's algorithm.
    pub fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Alg::Hs256 => jsonwebtoken::Algorithm::HS256,
            Alg::Rs256 => jsonwebtoken::Algorithm::RS256,
            Alg::Es256 => jsonwebtoken::Algorithm::ES256,
            Alg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        }
    }

    /// The signing key: the test kit's fixture key.
    pub fn encoding_key(self) -> EncodingKey {
        claimguard_tests::encoding_key(self.jwt())
    }

    /// The fixture public key, in PEM.
    fn public_pem(self) -> Vec<u8> {
        let name = match self {
            Alg::Hs256 => return SECRET.to_vec(),
            Alg::Rs256 => "rsa.pub.pem",
            Alg::Es256 => "p256.pub.pem",
            Alg::EdDsa => "ed25519.pub.pem",
        };
        claimguard_tests::fixture(name)
    }

    /// jsonwebtoken's verification key.
    pub fn decoding_key(self) -> DecodingKey {
        let pem = self.public_pem();
        let key = match self {
            Alg::Hs256 => DecodingKey::from_secret(SECRET),
            Alg::Rs256 => DecodingKey::from_rsa_pem(&pem),
            Alg::Es256 => DecodingKey::from_ec_pem(&pem),
            Alg::EdDsa => DecodingKey::from_ed_pem(&pem),
        };
        key.unwrap_or_else(|e| panic!("{} decoding key: {e}", self.name()))
    }

    /// claimguard's verification key.
    pub fn claimguard_key(self) -> Key {
        let pem = self.public_pem();
        let key = match self {
            Alg::Hs256 => Key::hmac(SECRET),
            Alg::Rs256 => Key::rsa_pem(&pem),
            Alg::Es256 => Key::ec_pem(&pem),
            Alg::EdDsa => Key::ed25519_pem(&pem),
        };
        key.unwrap_or_else(|e| panic!("{} claimguard key: {e}", self.name()))
    }

    /// What a careful jsonwebtoken user validates: this algorithm only, the
    /// issuer and the audience (and `exp`, jsonwebtoken's default).
    pub fn validation(self) -> Validation {
        let mut validation = Validation::new(self.jwt());
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation
    }

    /// A token for subject number `i`, signed with this algorithm by the
    /// test kit.
    pub fn token(self, i: u64) -> String {
        claimguard_tests::sign(self.jwt(), &claims(i).to_string())
    }
}

/// The claims of token number `i`: registered claims plus two roles and an
/// e-mail address, which makes an HS256 token about 310 bytes, a typical
/// access token.
pub fn claims(i: u64) -> serde_json::Value {
    serde_json::json!({
        "sub": format!("user-{i:010}"),
        "exp": EXP,
        "iat": IAT,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "roles": ["reader", "writer"],
        "email": format!("user-{i:010}@example.com"),
    })
}

/// A `GET /` carrying `token` as a bearer token.
pub fn request(token: &str) -> Request<Body> {
    Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// (a) The same route with no authentication at all: the floor every
/// authenticated variant is compared against.
pub fn no_auth_app() -> Router {
    Router::new().route("/", get(|| async { StatusCode::NO_CONTENT }))
}

/// (d)/(e) claimguard's derived extractor, with the given verifier.
pub fn claimguard_app(verifier: Verifier<User>) -> Router {
    Router::new()
        .route(
            "/",
            get(|user: User| async move {
                black_box(user);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(verifier)
}

/// (f) claimguard's [`Shared`](claimguard::Shared) extractor, which takes
/// a cache hit by reference count instead of cloning the claims.
pub fn claimguard_shared_app(verifier: Verifier<User>) -> Router {
    Router::new()
        .route(
            "/",
            get(|user: claimguard::Shared<User>| async move {
                black_box(user);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(verifier)
}

/// A claimguard verifier for [`User`], with the struct's cache or without.
pub fn verifier(cache: bool) -> Verifier<User> {
    let builder = Verifier::<User>::builder().key(Alg::Hs256.claimguard_key());
    let builder = if cache { builder } else { builder.no_cache() };
    builder.build().unwrap_or_else(|e| panic!("{e}"))
}

/// The key and validation rules of the hand-written extractor, built once at
/// start-up as a careful user would.
#[derive(Clone)]
pub struct HandWrittenAuth {
    key: Arc<DecodingKey>,
    validation: Arc<Validation>,
}

impl HandWrittenAuth {
    /// HS256 with [`SECRET`], issuer and audience checked.
    pub fn new() -> Self {
        Self {
            key: Arc::new(Alg::Hs256.decoding_key()),
            validation: Arc::new(Alg::Hs256.validation()),
        }
    }
}

impl Default for HandWrittenAuth {
    fn default() -> Self {
        Self::new()
    }
}

/// (b) What users write today: a `FromRequestParts` impl that takes the
/// bearer token and calls `jsonwebtoken::decode`.
pub struct HandWritten(pub PlainClaims);

impl<S> FromRequestParts<S> for HandWritten
where
    HandWrittenAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = HandWrittenAuth::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let data = jsonwebtoken::decode::<PlainClaims>(token, &auth.key, &auth.validation)
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
        Ok(Self(data.claims))
    }
}

/// (b) The hand-written extractor's router.
pub fn handwritten_app() -> Router {
    Router::new()
        .route(
            "/",
            get(|HandWritten(claims): HandWritten| async move {
                black_box(claims);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(HandWrittenAuth::new())
}

/// A verification key parsed once by the backend crate itself: what is left
/// of a signature check when nothing else is done, the floor that claimguard's
/// time outside signature verification is measured against. Built from the
/// same fixture keys, on the backend of this build.
pub struct PreparedKey(backend::Prepared);

impl PreparedKey {
    /// `alg`'s fixture key, parsed.
    pub fn new(alg: Alg) -> Self {
        Self(backend::Prepared::new(alg))
    }

    /// A token's signature segment, decoded.
    pub fn signature_bytes(segment: &str) -> Vec<u8> {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(segment)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Whether `signature` is valid over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify(message, signature)
    }
}

/// The raw key bytes of `alg`'s fixture key: the HMAC secret, an RSA
/// PKCS#1 `RSAPublicKey`, an uncompressed P-256 point, or 32 Ed25519 bytes.
fn raw_key(alg: Alg) -> Vec<u8> {
    alg.decoding_key()
        .try_get_as_bytes()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_vec()
}

#[cfg(not(feature = "aws_lc_rs"))]
mod backend {
    use ed25519_dalek::Verifier as _;
    use hmac::{KeyInit as _, Mac as _};
    use rsa::pkcs1::DecodeRsaPublicKey as _;
    use sha2::Digest as _;

    use super::{Alg, raw_key};

    pub(crate) enum Prepared {
        Hs256(hmac::Hmac<sha2::Sha256>),
        Rs256(Box<rsa::PublicKey>),
        Es256(p256::ecdsa::VerifyingKey),
        EdDsa(ed25519_dalek::VerifyingKey),
    }

    impl Prepared {
        pub(crate) fn new(alg: Alg) -> Self {
            let raw = raw_key(alg);
            match alg {
                Alg::Hs256 => {
                    Self::Hs256(hmac::Hmac::new_from_slice(&raw).unwrap_or_else(|e| panic!("{e}")))
                }
                Alg::Rs256 => Self::Rs256(Box::new(
                    rsa::PublicKey::from_pkcs1_der(&raw).unwrap_or_else(|e| panic!("{e}")),
                )),
                Alg::Es256 => Self::Es256(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(&raw)
                        .unwrap_or_else(|e| panic!("{e}")),
                ),
                Alg::EdDsa => {
                    let raw: [u8; 32] = raw.try_into().unwrap_or_else(|_| panic!("not 32 bytes"));
                    Self::EdDsa(
                        ed25519_dalek::VerifyingKey::from_bytes(&raw)
                            .unwrap_or_else(|e| panic!("{e}")),
                    )
                }
            }
        }

        pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
            match self {
                Self::Hs256(state) => {
                    let mut mac = state.clone();
                    mac.update(message);
                    mac.verify_slice(signature).is_ok()
                }
                Self::Rs256(key) => key
                    .verify(
                        rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                        &sha2::Sha256::digest(message),
                        signature,
                    )
                    .is_ok(),
                Self::Es256(key) => p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
                Self::EdDsa(key) => ed25519_dalek::Signature::from_slice(signature)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            }
        }
    }
}

#[cfg(feature = "aws_lc_rs")]
mod backend {
    use aws_lc_rs::hmac;
    use aws_lc_rs::signature::{self as sig, ParsedPublicKey};

    use super::{Alg, raw_key};

    pub(crate) enum Prepared {
        Hmac(Box<hmac::Key>),
        Public(ParsedPublicKey),
    }

    impl Prepared {
        pub(crate) fn new(alg: Alg) -> Self {
            let raw = raw_key(alg);
            let public =
                |algorithm| ParsedPublicKey::new(algorithm, &raw).unwrap_or_else(|e| panic!("{e}"));
            match alg {
                Alg::Hs256 => Self::Hmac(Box::new(hmac::Key::new(hmac::HMAC_SHA256, &raw))),
                Alg::Rs256 => Self::Public(public(&sig::RSA_PKCS1_2048_8192_SHA256)),
                Alg::Es256 => Self::Public(public(&sig::ECDSA_P256_SHA256_FIXED)),
                Alg::EdDsa => Self::Public(public(&sig::ED25519)),
            }
        }

        pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
            match self {
                Self::Hmac(key) => hmac::verify(key, message, signature).is_ok(),
                Self::Public(key) => key.verify_sig(message, signature).is_ok(),
            }
        }
    }
}

pub mod interleaved;
pub mod replay_key;
