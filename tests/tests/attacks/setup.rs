//! The claims types under attack, and one app for each.

use std::collections::HashMap;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::routing::get;
use claimguard::{Claims, Key, Verifier};
use claimguard_tests::{SECRET, fixture};

pub(crate) const ISS: &str = "https://issuer.example";

/// Another 64-byte secret: the attacker's, or a second verifier's.
pub(crate) const OTHER: &[u8] = b"attacker-controlled-secret-attacker-controlled-secret-0123456789";

/// An attacker's own P-256 key (generated for this test; protects nothing).
pub(crate) const ATTACKER_P256: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/zB9qq7QSFJ8fMxr
cb8SdidBaUrJHdjpRR2yRxMyot6hRANCAASv4DKz3DckUHuchu62aewSSFGY0ybt
l8FWEgR9lSmxPEIKDPkb/SCGkRZ7RbMVz+z5/Hq6GjykpnJZFtV4EoXg
-----END PRIVATE KEY-----
";

/// The order of the P-256 group.
pub(crate) const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

// ---------------------------------------------------------------- claims types

/// The main target: HS256 only, issuer and audience pinned, small caps.
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://issuer.example",
    audience = "api",
    max_token_bytes = 4096,
    required = [sub],
)]
pub(crate) struct Api {
    #[claims(max_len = 16)]
    sub: String,
    #[claims(max_items = 3, max_len = 8, default)]
    #[allow(dead_code)]
    roles: Vec<String>,
    #[claims(max_len = 6)]
    #[allow(dead_code)]
    nick: Option<String>,
}

/// No issuer or audience configured.
#[derive(Claims)]
#[claims(algorithms = [HS256])]
pub(crate) struct Plain {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [RS256, HS256])]
pub(crate) struct RsHs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [ES256, HS256])]
pub(crate) struct EsHs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [EdDSA, HS256])]
pub(crate) struct EdHs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [RS256])]
pub(crate) struct OnlyRs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [PS256])]
pub(crate) struct OnlyPs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [RS256, PS256])]
pub(crate) struct RsPs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims, Clone)]
#[claims(algorithms = [ES256])]
pub(crate) struct OnlyEs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [HS256], typ = "at+jwt")]
pub(crate) struct Typed {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [HS256], source = cookie("session"))]
pub(crate) struct FromCookie {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [HS256], source = header("X-Token"))]
pub(crate) struct FromHeader {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

// ---------------------------------------------------------------- apps

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum App {
    /// `Api`, leeway 0.
    Api,
    /// `Api`, leeway 30.
    Lenient,
    /// `Plain`: no issuer, no audience.
    Plain,
    /// `Plain` with two named HMAC keys, `a` (SECRET) and `b` (OTHER).
    Kids,
    /// `[RS256, HS256]` with only the RSA public key.
    MixedRsa,
    /// `[ES256, HS256]` with only the P-256 public key.
    MixedEc,
    /// `[EdDSA, HS256]` with only the Ed25519 public key.
    MixedEd,
    OnlyRs,
    OnlyPs,
    RsPs,
    Ec,
    EcCached,
    Typed,
    Cookie,
    Header,
    /// `Api` with a cache, key SECRET.
    CachedA,
    /// `Api` with a cache, key OTHER.
    CachedB,
    /// `Api` with a cache, key SECRET, but another audience.
    CachedC,
}

pub(crate) fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn hmac(secret: &[u8]) -> Key {
    ok(Key::hmac(secret))
}

/// A router whose one route answers `ok` for any accepted `T`.
pub(crate) fn router<T>(verifier: Verifier<T>) -> Router
where
    T: Claims + FromRequestParts<Verifier<T>> + Send + 'static,
{
    Router::new()
        .route("/", get(|_: T| async { "ok" }))
        .with_state(verifier)
}

pub(crate) fn api_router(verifier: Verifier<Api>) -> Router {
    Router::new()
        .route("/", get(|c: Api| async move { c.sub }))
        .with_state(verifier)
}

pub(crate) fn build<T: Claims>(keys: Vec<Key>) -> Verifier<T> {
    ok(Verifier::<T>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .keys(keys)
        .clock(claimguard_tests::clock())
        .build())
}

pub(crate) fn api_verifier(key: Key) -> Verifier<Api> {
    build(vec![key])
}

pub(crate) fn cached_api(key: Key, audience: &str) -> Verifier<Api> {
    ok(Verifier::<Api>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(key)
        .audiences([audience])
        .clock(claimguard_tests::clock())
        .cache(100, 300)
        .build())
}

pub(crate) fn apps() -> HashMap<App, Router> {
    let rsa = || ok(Key::rsa_pem(fixture("rsa.pub.pem")));
    let p256 = || ok(Key::ec_pem(fixture("p256.pub.pem")));
    let ed = ok(Key::ed25519_pem(fixture("ed25519.pub.pem")));
    let lenient = ok(Verifier::<Api>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(hmac(SECRET))
        .leeway(30)
        .clock(claimguard_tests::clock())
        .build());
    let ec_cached = ok(Verifier::<OnlyEs>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(p256())
        .clock(claimguard_tests::clock())
        .cache(16, 300)
        .build());
    HashMap::from([
        (App::Api, api_router(api_verifier(hmac(SECRET)))),
        (App::Lenient, api_router(lenient)),
        (App::Plain, router(build::<Plain>(vec![hmac(SECRET)]))),
        (
            App::Kids,
            router(build::<Plain>(vec![
                hmac(SECRET).with_kid("a"),
                hmac(OTHER).with_kid("b"),
            ])),
        ),
        (App::MixedRsa, router(build::<RsHs>(vec![rsa()]))),
        (App::MixedEc, router(build::<EsHs>(vec![p256()]))),
        (App::MixedEd, router(build::<EdHs>(vec![ed]))),
        (App::OnlyRs, router(build::<OnlyRs>(vec![rsa()]))),
        (App::OnlyPs, router(build::<OnlyPs>(vec![rsa()]))),
        (App::RsPs, router(build::<RsPs>(vec![rsa()]))),
        (App::Ec, router(build::<OnlyEs>(vec![p256()]))),
        (App::EcCached, router(ec_cached)),
        (App::Typed, router(build::<Typed>(vec![hmac(SECRET)]))),
        (App::Cookie, router(build::<FromCookie>(vec![hmac(SECRET)]))),
        (App::Header, router(build::<FromHeader>(vec![hmac(SECRET)]))),
        (App::CachedA, api_router(cached_api(hmac(SECRET), "api"))),
        (App::CachedB, api_router(cached_api(hmac(OTHER), "api"))),
        (App::CachedC, api_router(cached_api(hmac(SECRET), "other"))),
    ])
}
