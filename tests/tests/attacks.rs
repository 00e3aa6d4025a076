//! The attack suite: concrete forged, malformed and hostile requests through a
//! real Router, each with the exact status, challenge and body expected, and
//! none echoing token bytes. Cases are table-driven; every failure is
//! collected and reported together.

use std::collections::HashMap;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::routing::get;
use claimguard::{Claims, Key, Reason, Verifier};
use claimguard_tests::{CountingAlloc, Usage, measure};
use claimguard_tests::{NOW, Reply, SECRET, b64, call, fixture, sign, sign_raw};
use jsonwebtoken::Algorithm as J;
use jsonwebtoken::EncodingKey;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const ISS: &str = "https://issuer.example";

/// Another 64-byte secret: the attacker's, or a second verifier's.
const OTHER: &[u8] = b"attacker-controlled-secret-attacker-controlled-secret-0123456789";

/// An attacker's own P-256 key (generated for this test; protects nothing).
const ATTACKER_P256: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/zB9qq7QSFJ8fMxr
cb8SdidBaUrJHdjpRR2yRxMyot6hRANCAASv4DKz3DckUHuchu62aewSSFGY0ybt
l8FWEgR9lSmxPEIKDPkb/SCGkRZ7RbMVz+z5/Hq6GjykpnJZFtV4EoXg
-----END PRIVATE KEY-----
";

/// The order of the P-256 group.
const P256_N: [u8; 32] = [
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
struct Api {
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
struct Plain {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [RS256, HS256])]
struct RsHs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [ES256, HS256])]
struct EsHs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [EdDSA, HS256])]
struct EdHs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [RS256])]
struct OnlyRs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [PS256])]
struct OnlyPs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [RS256, PS256])]
struct RsPs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims, Clone)]
#[claims(algorithms = [ES256])]
struct OnlyEs {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [HS256], typ = "at+jwt")]
struct Typed {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [HS256], source = cookie("session"))]
struct FromCookie {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

#[derive(Claims)]
#[claims(algorithms = [HS256], source = header("X-Token"))]
struct FromHeader {
    #[claims(max_len = 16)]
    #[allow(dead_code)]
    sub: String,
}

// ---------------------------------------------------------------- apps

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum App {
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

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn hmac(secret: &[u8]) -> Key {
    ok(Key::hmac(secret))
}

/// A router whose one route answers `ok` for any accepted `T`.
fn router<T>(verifier: Verifier<T>) -> Router
where
    T: Claims + FromRequestParts<Verifier<T>> + Send + 'static,
{
    Router::new()
        .route("/", get(|_: T| async { "ok" }))
        .with_state(verifier)
}

fn api_router(verifier: Verifier<Api>) -> Router {
    Router::new()
        .route("/", get(|c: Api| async move { c.sub }))
        .with_state(verifier)
}

fn build<T: Claims>(keys: Vec<Key>) -> Verifier<T> {
    ok(Verifier::<T>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .keys(keys)
        .clock(claimguard_tests::clock())
        .build())
}

fn api_verifier(key: Key) -> Verifier<Api> {
    build(vec![key])
}

fn cached_api(key: Key, audience: &str) -> Verifier<Api> {
    ok(Verifier::<Api>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(key)
        .audiences([audience])
        .clock(claimguard_tests::clock())
        .cache(100, 300)
        .build())
}

fn apps() -> HashMap<App, Router> {
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

// ---------------------------------------------------------------- tokens

fn claims(extra: &str) -> String {
    format!(
        r#"{{"sub":"alice","exp":{},"iss":"{ISS}","aud":"api"{extra}}}"#,
        NOW + 60
    )
}

fn with_exp(exp: &str) -> String {
    format!(r#"{{"sub":"alice","exp":{exp},"iss":"{ISS}","aud":"api"}}"#)
}

/// The main claims with one member's value replaced (or the member removed).
fn replace(member: &str, value: Option<&str>) -> String {
    let mut fields = vec![
        ("sub", r#""alice""#.to_owned()),
        ("exp", (NOW + 60).to_string()),
        ("iss", format!(r#""{ISS}""#)),
        ("aud", r#""api""#.to_owned()),
    ];
    fields.retain(|(name, _)| *name != member);
    if let Some(value) = value {
        fields.push((member_name(member), value.to_owned()));
    }
    let body = fields
        .iter()
        .map(|(k, v)| format!(r#""{k}":{v}"#))
        .collect::<Vec<_>>()
        .join(",");
    format!("{{{body}}}")
}

fn member_name(member: &str) -> &'static str {
    match member {
        "sub" => "sub",
        "exp" => "exp",
        "iss" => "iss",
        "aud" => "aud",
        "nbf" => "nbf",
        "iat" => "iat",
        other => panic!("unknown member {other}"),
    }
}

fn hs(payload: &str) -> String {
    sign(J::HS256, payload)
}

/// Signs `input` (already `header.payload`) with an HMAC secret.
fn hmac_input(alg: J, secret: &[u8], input: &str) -> String {
    let key = ok(EncodingKey::from_secret(secret));
    let sig = claimguard_tests::signature(input, &key, alg);
    format!("{input}.{sig}")
}

/// A token with this header and payload, HMAC-signed with `secret`.
fn hmac_raw(alg: J, secret: &[u8], header: &str, payload: &str) -> String {
    hmac_input(alg, secret, &format!("{}.{}", b64(header), b64(payload)))
}

/// A token of raw header and payload bytes, HS256-signed with SECRET.
fn hs_bytes(header: &[u8], payload: &[u8]) -> String {
    hmac_input(
        J::HS256,
        SECRET,
        &format!("{}.{}", b64(header), b64(payload)),
    )
}

fn split3(token: &str) -> (&str, &str, &str) {
    let mut it = token.splitn(3, '.');
    match (it.next(), it.next(), it.next()) {
        (Some(h), Some(p), Some(s)) => (h, p, s),
        _ => panic!("not three segments"),
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn index_of(c: u8) -> usize {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .unwrap_or_else(|| panic!("not base64url: {c}"))
}

/// `segment` with the character at `at` replaced by a different one that
/// differs in its top bits (so that it is never a mere trailing-bit change).
fn flip(segment: &str, at: usize) -> String {
    let mut bytes = segment.as_bytes().to_vec();
    bytes[at] = ALPHABET[(index_of(bytes[at]) + 32) % 64];
    String::from_utf8(bytes).unwrap_or_default()
}

/// `segment` with one of the unused trailing bits of its last character set.
fn noncanonical(segment: &str) -> String {
    assert_ne!(segment.len() % 4, 0, "no trailing bits to set");
    let mut bytes = segment.as_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] = ALPHABET[index_of(bytes[last]) | 1];
    String::from_utf8(bytes).unwrap_or_default()
}

/// An HS256 token of exactly `len` bytes, valid for `Api`.
fn token_of_len(len: usize) -> String {
    for spaces in 0..4 {
        let header = format!(r#"{{"alg":"HS256"{}}}"#, " ".repeat(spaces));
        for pad in 0..len {
            let payload = claims(&format!(r#","x":"{}""#, "a".repeat(pad)));
            let token = sign_raw(J::HS256, &header, &payload);
            if token.len() == len {
                return token;
            }
            if token.len() > len {
                break;
            }
        }
    }
    panic!("no token of {len} bytes");
}

/// An HS256 token for `Api` whose header segment is exactly `len` characters.
fn header_of_len(len: usize) -> String {
    assert_eq!(len % 4, 0);
    let json_len = len / 4 * 3;
    let filler = json_len - r#"{"alg":"HS256","x":""}"#.len();
    let header = format!(r#"{{"alg":"HS256","x":"{}"}}"#, "a".repeat(filler));
    let token = sign_raw(J::HS256, &header, &claims(""));
    assert_eq!(split3(&token).0.len(), len);
    token
}

fn es(payload: &str) -> String {
    sign(J::ES256, payload)
}

/// Claims for the types without issuer or audience.
const SHORT: &str = r#"{"sub":"x","exp":1800000000}"#;

fn es_with_signature(sig: &[u8]) -> String {
    let token = es(SHORT);
    let (h, p, _) = split3(&token);
    format!("{h}.{p}.{}", b64(sig))
}

/// `n - s` for a P-256 scalar, big-endian.
fn p256_negate(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = u8::try_from(d).unwrap_or_default();
    }
    assert_eq!(borrow, 0, "s >= n");
    out
}

fn high_s_twin(token: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (h, p, s) = split3(token);
    let sig = ok(URL_SAFE_NO_PAD.decode(s));
    assert_eq!(sig.len(), 64);
    let mut twin = sig[..32].to_vec();
    twin.extend_from_slice(&p256_negate(&sig[32..]));
    format!("{h}.{p}.{}", b64(twin))
}

fn attacker_es(header: &str, payload: &str) -> String {
    let key = ok(EncodingKey::from_ec_pem(ATTACKER_P256.as_bytes()));
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = claimguard_tests::signature(&input, &key, J::ES256);
    format!("{input}.{sig}")
}

fn attacker_jwk() -> String {
    use jsonwebtoken::jwk::Jwk;
    let key = ok(EncodingKey::from_ec_pem(ATTACKER_P256.as_bytes()));
    let jwk = ok(Jwk::from_encoding_key(&key, J::ES256));
    serde_json::to_string(&jwk).unwrap_or_default()
}

// ---------------------------------------------------------------- expectations

const MALFORMED: &str = "the token is malformed";
const TOO_LARGE: &str = "the token is too large";
const ALG: &str = "the token's algorithm is not accepted";
const HEADER: &str = "the token's header is not accepted";
const KEY: &str = "the token's key is not known";
const SIG: &str = "the token's signature is invalid";
const CLAIMS: &str = "the token's claims are malformed or too large";
const EXPIRED: &str = "the token has expired";
const NBF: &str = "the token is not valid yet";
const IAT: &str = "the token was issued in the future";
const ISSUER: &str = "the token's issuer is not accepted";
const AUD: &str = "the token's audience is not accepted";
const REQUIRED: &str = "the token lacks a required claim";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// 200 with this body.
    Ok(&'static str),
    /// 401 `invalid_token` with this description.
    Token(&'static str),
    /// 401 with a bare `Bearer` challenge.
    Missing,
    /// 400 `invalid_request`.
    BadRequest,
}

use Expect::{BadRequest, Missing, Token};

const ALICE: Expect = Expect::Ok("alice");
const OK: Expect = Expect::Ok("ok");

struct Case {
    name: String,
    app: App,
    uri: &'static str,
    headers: Vec<(&'static str, Vec<u8>)>,
    expect: Expect,
}

/// `Authorization: Bearer <token>` against `app`.
fn tok(name: impl Into<String>, app: App, token: impl AsRef<str>, expect: Expect) -> Case {
    let value = format!("Bearer {}", token.as_ref()).into_bytes();
    raw(name, app, vec![("authorization", value)], expect)
}

/// Arbitrary headers against `app`.
fn raw(
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

fn verdict(reply: &Reply, expect: Expect) -> Result<(), String> {
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
fn echoes(reply: &Reply, headers: &[(&'static str, Vec<u8>)]) -> Option<String> {
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
async fn run(cases: Vec<Case>) -> usize {
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

// ---------------------------------------------------------------- the tables

fn algorithm_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let payload = claims("");
    let valid = hs(&payload);
    let (_, _, valid_sig) = split3(&valid);
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        let p = b64(&payload);
        cases.push(tok(
            format!("alg {alg}, empty signature"),
            App::Api,
            format!("{h}.{p}."),
            Token(MALFORMED),
        ));
        cases.push(tok(
            format!("alg {alg}, junk signature"),
            App::Api,
            format!("{h}.{p}.c2lnbmF0dXJl"),
            Token(ALG),
        ));
        cases.push(tok(
            format!("alg {alg}, a real HS256 signature"),
            App::Api,
            format!("{h}.{p}.{valid_sig}"),
            Token(ALG),
        ));
        cases.push(tok(
            format!("alg {alg}, HMAC-signed over its own header"),
            App::Api,
            hmac_raw(J::HS256, SECRET, &format!(r#"{{"alg":"{alg}"}}"#), &payload),
            Token(ALG),
        ));
    }
    cases.extend([
        tok(
            "HS384 against HS256-only",
            App::Api,
            sign(J::HS384, &payload),
            Token(ALG),
        ),
        tok(
            "HS512 against HS256-only",
            App::Api,
            sign(J::HS512, &payload),
            Token(ALG),
        ),
        tok(
            "alg hs256 (case)",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"hs256"}"#, &payload),
            Token(ALG),
        ),
        tok(
            "alg with a trailing space",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"HS256 "}"#, &payload),
            Token(ALG),
        ),
        tok(
            "alg missing",
            App::Api,
            sign_raw(J::HS256, r#"{"typ":"JWT"}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg as an array",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":["HS256"]}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg null",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":null}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg twice",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"HS256","alg":"none"}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg twice, one escaped",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"HS256","\u0061lg":"HS256"}"#, &payload),
            Token(MALFORMED),
        ),
        tok(
            "alg escaped is still HS256",
            App::Api,
            sign_raw(J::HS256, r#"{"alg":"HS\u0032\u0035\u0036"}"#, &payload),
            ALICE,
        ),
        tok(
            "header is an array",
            App::Api,
            sign_raw(J::HS256, r#"["HS256"]"#, &payload),
            Token(MALFORMED),
        ),
    ]);
    // Key confusion: an HMAC token keyed with the public key's bytes.
    let sub = r#"{"sub":"x","exp":1800000000}"#;
    for (name, app, public) in [
        (
            "HS256 keyed with the RSA public PEM",
            App::MixedRsa,
            "rsa.pub.pem",
        ),
        (
            "HS256 keyed with the RSA public DER",
            App::MixedRsa,
            "rsa.pub.der",
        ),
        (
            "HS256 keyed with the P-256 public PEM",
            App::MixedEc,
            "p256.pub.pem",
        ),
        (
            "HS256 keyed with the P-256 public DER",
            App::MixedEc,
            "p256.pub.der",
        ),
        (
            "HS256 keyed with the Ed25519 public PEM",
            App::MixedEd,
            "ed25519.pub.pem",
        ),
    ] {
        let token = hmac_raw(J::HS256, &fixture(public), r#"{"alg":"HS256"}"#, sub);
        cases.push(tok(name, app, token, Token(KEY)));
    }
    cases.extend([
        tok(
            "RS256 on the RS/HS type (sanity)",
            App::MixedRsa,
            sign(J::RS256, sub),
            OK,
        ),
        tok(
            "ES256 on the ES/HS type (sanity)",
            App::MixedEc,
            sign(J::ES256, sub),
            OK,
        ),
        tok(
            "PS256 against RS256-only",
            App::OnlyRs,
            sign(J::PS256, sub),
            Token(ALG),
        ),
        tok(
            "RS256 against PS256-only",
            App::OnlyPs,
            sign(J::RS256, sub),
            Token(ALG),
        ),
        tok(
            "header PS256 over an RS256 signature",
            App::RsPs,
            sign_raw(J::RS256, r#"{"alg":"PS256"}"#, sub),
            Token(SIG),
        ),
        tok(
            "header RS256 over a PS256 signature",
            App::RsPs,
            sign_raw(J::PS256, r#"{"alg":"RS256"}"#, sub),
            Token(SIG),
        ),
        tok(
            "PS256 on the RS/PS type (sanity)",
            App::RsPs,
            sign(J::PS256, sub),
            OK,
        ),
        tok(
            "header ES256 over an RS256 signature",
            App::MixedRsa,
            sign_raw(J::RS256, r#"{"alg":"ES256"}"#, sub),
            Token(ALG),
        ),
    ]);
    // Header members claimguard does not do.
    for (name, header, expect) in [
        (
            "crit exp",
            r#"{"alg":"HS256","crit":["exp"]}"#,
            Token(HEADER),
        ),
        (
            "crit unknown",
            r#"{"alg":"HS256","crit":["x-evil"],"x-evil":1}"#,
            Token(HEADER),
        ),
        ("crit empty", r#"{"alg":"HS256","crit":[]}"#, Token(HEADER)),
        (
            "b64 false",
            r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
            Token(HEADER),
        ),
        (
            "b64 false without crit",
            r#"{"alg":"HS256","b64":false}"#,
            Token(HEADER),
        ),
        ("b64 true", r#"{"alg":"HS256","b64":true}"#, ALICE),
        (
            "b64 as a string",
            r#"{"alg":"HS256","b64":"false"}"#,
            Token(MALFORMED),
        ),
        ("cty JWT", r#"{"alg":"HS256","cty":"JWT"}"#, Token(HEADER)),
        ("cty jwt", r#"{"alg":"HS256","cty":"jwt"}"#, Token(HEADER)),
        (
            "cty application/JWT",
            r#"{"alg":"HS256","cty":"application/JWT"}"#,
            Token(HEADER),
        ),
        // A multi-byte character across the twelfth byte, where an
        // `application/` prefix would end: once a panic.
        (
            "cty with a multi-byte character at byte 12",
            r#"{"alg":"HS256","cty":"aaaaaaaaaaaé"}"#,
            ALICE,
        ),
        (
            "enc (JWE) on three segments",
            r#"{"alg":"HS256","enc":"A256GCM"}"#,
            Token(HEADER),
        ),
        ("zip", r#"{"alg":"HS256","zip":"DEF"}"#, Token(HEADER)),
        (
            "JWE alg",
            r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#,
            Token(ALG),
        ),
        ("dir alg", r#"{"alg":"dir","enc":"A128GCM"}"#, Token(ALG)),
    ] {
        cases.push(tok(
            name,
            App::Api,
            sign_raw(J::HS256, header, &payload),
            expect,
        ));
    }
    let nested = hs(&claims(""));
    cases.push(tok(
        "nested JWT with cty JWT",
        App::Api,
        sign_raw(
            J::HS256,
            r#"{"alg":"HS256","cty":"JWT"}"#,
            &format!(r#""{nested}""#),
        ),
        Token(HEADER),
    ));
    let jwe = format!(
        "{}.{}.{}.{}.{}",
        b64(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#),
        b64([7u8; 256]),
        b64([1u8; 12]),
        b64([2u8; 64]),
        b64([3u8; 16])
    );
    cases.push(tok("JWE, 5 segments", App::Api, jwe, Token(MALFORMED)));
    let (h, p, s) = split3(&valid);
    cases.push(tok(
        "JWE-shaped, 5 segments around a valid JWS",
        App::Api,
        format!("{h}..{p}.{s}.{s}"),
        Token(MALFORMED),
    ));
    // A pinned typ.
    for (name, header, expect) in [
        (
            "typ missing when pinned",
            r#"{"alg":"HS256"}"#,
            Token(HEADER),
        ),
        (
            "typ JWT when at+jwt is pinned",
            r#"{"alg":"HS256","typ":"JWT"}"#,
            Token(HEADER),
        ),
        ("typ at+jwt", r#"{"alg":"HS256","typ":"at+jwt"}"#, OK),
        (
            "typ application/AT+JWT",
            r#"{"alg":"HS256","typ":"application/AT+JWT"}"#,
            OK,
        ),
        (
            "typ as a number",
            r#"{"alg":"HS256","typ":1}"#,
            Token(MALFORMED),
        ),
    ] {
        let token = sign_raw(J::HS256, header, r#"{"sub":"x","exp":1800000000}"#);
        cases.push(tok(name, App::Typed, token, expect));
    }
    cases
}

fn header_injection_cases() -> Vec<Case> {
    let payload = claims("");
    let attacker_oct = format!(r#"{{"kty":"oct","k":"{}"}}"#, b64(OTHER));
    let mut cases = Vec::new();
    for (name, member) in [
        (
            "jwk (attacker's oct key)",
            format!(r#""jwk":{attacker_oct}"#),
        ),
        (
            "jku",
            r#""jku":"https://evil.example/jwks.json""#.to_owned(),
        ),
        ("x5u", r#""x5u":"https://evil.example/cert.pem""#.to_owned()),
        ("x5c", r#""x5c":["MIIBszCCAVmgAwIBAgIUQ29t"]"#.to_owned()),
        (
            "jwk with kid",
            format!(r#""kid":"evil","jwk":{attacker_oct}"#),
        ),
    ] {
        let header = format!(r#"{{"alg":"HS256",{member}}}"#);
        cases.push(tok(
            format!("attacker-signed, {name}"),
            App::Api,
            hmac_raw(J::HS256, OTHER, &header, &payload),
            Token(SIG),
        ));
    }
    let all = format!(
        r#"{{"alg":"HS256","jwk":{attacker_oct},"jku":"https://evil.example/","x5u":"https://evil.example/","x5c":["AAAA"]}}"#
    );
    cases.push(tok(
        "jwk/jku/x5u/x5c skipped on a genuinely signed token",
        App::Api,
        sign_raw(J::HS256, &all, &payload),
        ALICE,
    ));
    let header = format!(r#"{{"alg":"ES256","jwk":{}}}"#, attacker_jwk());
    cases.push(tok(
        "attacker-signed ES256 carrying its own jwk",
        App::Ec,
        attacker_es(&header, &payload),
        Token(SIG),
    ));
    cases.push(tok(
        "attacker-signed ES256, no jwk",
        App::Ec,
        attacker_es(r#"{"alg":"ES256"}"#, &payload),
        Token(SIG),
    ));
    let kid = |kid: &str| format!(r#"{{"alg":"HS256","kid":{kid}}}"#);
    let sub = r#"{"sub":"x","exp":1800000000}"#;
    let huge = format!("\"{}\"", "k".repeat(1400));
    let too_huge = format!("\"{}\"", "k".repeat(1600));
    for (name, kid_json, expect) in [
        ("kid a", r#""a""#, OK),
        ("kid a, escaped", r#""\u0061""#, OK),
        (
            "kid path traversal",
            r#""../../../../../../dev/null""#,
            Token(KEY),
        ),
        ("kid absolute path", r#""/dev/null""#, Token(KEY)),
        (
            "kid SQL injection",
            r#""x' UNION SELECT 'secret' --""#,
            Token(KEY),
        ),
        ("kid a with SQL suffix", r#""a' OR '1'='1""#, Token(KEY)),
        ("kid a with a NUL", r#""a\u0000""#, Token(KEY)),
        ("kid A (case)", r#""A""#, Token(KEY)),
        ("kid empty", r#""""#, Token(KEY)),
        ("kid unknown", r#""c""#, Token(KEY)),
        ("kid huge", huge.as_str(), Token(KEY)),
        (
            "kid beyond the header cap",
            too_huge.as_str(),
            Token(TOO_LARGE),
        ),
        ("kid as a number", "1", Token(MALFORMED)),
        ("kid null", "null", Token(MALFORMED)),
        ("kid as an array", r#"["a"]"#, Token(MALFORMED)),
    ] {
        cases.push(tok(
            name,
            App::Kids,
            sign_raw(J::HS256, &kid(kid_json), sub),
            expect,
        ));
    }
    cases.extend([
        tok(
            "kid b names the other key",
            App::Kids,
            sign_raw(J::HS256, &kid(r#""b""#), sub),
            Token(SIG),
        ),
        tok(
            "kid b, signed with b's secret",
            App::Kids,
            hmac_raw(J::HS256, OTHER, &kid(r#""b""#), sub),
            OK,
        ),
        tok(
            "kid twice",
            App::Kids,
            sign_raw(J::HS256, r#"{"alg":"HS256","kid":"b","kid":"a"}"#, sub),
            Token(MALFORMED),
        ),
        tok(
            "no kid with a key set",
            App::Kids,
            sign(J::HS256, sub),
            Token(KEY),
        ),
        tok(
            "kid ignored when no key is named",
            App::Api,
            sign_raw(J::HS256, &kid(r#""../../etc/passwd""#), &payload),
            ALICE,
        ),
    ]);
    cases
}

fn signature_cases() -> Vec<Case> {
    let payload = claims("");
    let valid = hs(&payload);
    let (h, p, s) = split3(&valid);
    let mut cases = vec![
        tok("the valid token (sanity)", App::Api, &valid, ALICE),
        tok(
            "signature, first char flipped",
            App::Api,
            format!("{h}.{p}.{}", flip(s, 0)),
            Token(SIG),
        ),
        tok(
            "signature, middle char flipped",
            App::Api,
            format!("{h}.{p}.{}", flip(s, 20)),
            Token(SIG),
        ),
        tok(
            "payload char flipped",
            App::Api,
            format!("{h}.{}.{s}", flip(p, 10)),
            Token(SIG),
        ),
        tok(
            "header char flipped",
            App::Api,
            format!("{}.{p}.{s}", flip(h, 5)),
            Token(MALFORMED),
        ),
        tok(
            "signature truncated to 32 chars",
            App::Api,
            format!("{h}.{p}.{}", &s[..32]),
            Token(SIG),
        ),
        tok(
            "signature truncated to one char",
            App::Api,
            format!("{h}.{p}.{}", &s[..1]),
            Token(MALFORMED),
        ),
        tok(
            "signature doubled",
            App::Api,
            format!("{h}.{p}.{s}{s}"),
            Token(MALFORMED),
        ),
        tok(
            "signature empty",
            App::Api,
            format!("{h}.{p}."),
            Token(MALFORMED),
        ),
        tok(
            "payload empty",
            App::Api,
            format!("{h}..{s}"),
            Token(MALFORMED),
        ),
        tok(
            "header empty",
            App::Api,
            format!(".{p}.{s}"),
            Token(MALFORMED),
        ),
        tok(
            "padded signature",
            App::Api,
            format!("{valid}="),
            Token(MALFORMED),
        ),
        tok(
            "padded header",
            App::Api,
            format!("{h}=.{p}.{s}"),
            Token(MALFORMED),
        ),
        tok(
            "standard alphabet +",
            App::Api,
            format!("{h}.{p}.+{}", &s[1..]),
            Token(MALFORMED),
        ),
        tok(
            "standard alphabet /",
            App::Api,
            format!("{h}.{p}./{}", &s[1..]),
            Token(MALFORMED),
        ),
        tok(
            "a tab inside",
            App::Api,
            format!("{h}.{p}\t.{s}"),
            Token(MALFORMED),
        ),
        tok(
            "a space inside",
            App::Api,
            format!("{h}. {p}.{s}"),
            Token(MALFORMED),
        ),
        tok(
            "trailing spaces are trimmed",
            App::Api,
            format!("{valid}   "),
            ALICE,
        ),
        tok(
            "non-canonical trailing bits, signature",
            App::Api,
            format!("{h}.{p}.{}", noncanonical(s)),
            Token(MALFORMED),
        ),
        tok("one segment", App::Api, h, Token(MALFORMED)),
        tok(
            "two segments",
            App::Api,
            format!("{h}.{p}"),
            Token(MALFORMED),
        ),
        tok(
            "four segments",
            App::Api,
            format!("{valid}.{s}"),
            Token(MALFORMED),
        ),
        tok("only dots", App::Api, "..", Token(MALFORMED)),
        tok("dots only, four", App::Api, "...", Token(MALFORMED)),
        raw(
            "a BOM before the token",
            App::Api,
            vec![(
                "authorization",
                format!("Bearer \u{feff}{valid}").into_bytes(),
            )],
            BadRequest,
        ),
        tok(
            "BOM inside the header JSON",
            App::Api,
            sign_raw(J::HS256, "\u{feff}{\"alg\":\"HS256\"}", &payload),
            Token(MALFORMED),
        ),
        tok(
            "BOM inside the payload JSON",
            App::Api,
            hs(&format!("\u{feff}{payload}")),
            Token(CLAIMS),
        ),
        tok(
            "invalid UTF-8 in the typ header",
            App::Api,
            hs_bytes(
                b"{\"alg\":\"HS256\",\"typ\":\"\xff\xfe\"}",
                payload.as_bytes(),
            ),
            Token(MALFORMED),
        ),
        tok(
            "invalid UTF-8 in a header name",
            App::Api,
            hs_bytes(b"{\"alg\":\"HS256\",\"\xc3\x28\":1}", payload.as_bytes()),
            Token(MALFORMED),
        ),
        tok(
            "invalid UTF-8 in sub",
            App::Api,
            hs_bytes(
                br#"{"alg":"HS256"}"#,
                &[
                    b"{\"sub\":\"al\xffice\",".as_slice(),
                    &payload.as_bytes()[15..],
                ]
                .concat(),
            ),
            Token(CLAIMS),
        ),
        tok(
            "invalid UTF-8 in an unknown payload member",
            App::Api,
            hs_bytes(
                br#"{"alg":"HS256"}"#,
                &[
                    &payload.as_bytes()[..payload.len() - 1],
                    b",\"x\":\"\xff\"}".as_slice(),
                ]
                .concat(),
            ),
            Token(CLAIMS),
        ),
        tok(
            "invalid UTF-8 in an unknown header member",
            App::Api,
            hs_bytes(
                b"{\"alg\":\"HS256\",\"x\":\"\xc0\xaf\"}",
                payload.as_bytes(),
            ),
            Token(MALFORMED),
        ),
    ];
    // Non-canonical trailing bits in the header and the payload, properly signed.
    let header = r#"{"alg":"HS256","x":12}"#;
    let hb = b64(header);
    let input = format!("{}.{}", noncanonical(&hb), b64(&payload));
    cases.push(tok(
        "non-canonical trailing bits, header",
        App::Api,
        hmac_input(J::HS256, SECRET, &input),
        Token(MALFORMED),
    ));
    let mut padded = payload.clone();
    while padded.len().is_multiple_of(3) {
        padded.insert(padded.len() - 1, ' ');
    }
    let input = format!(
        "{}.{}",
        b64(r#"{"alg":"HS256"}"#),
        noncanonical(&b64(&padded))
    );
    cases.push(tok(
        "non-canonical trailing bits, payload",
        App::Api,
        hmac_input(J::HS256, SECRET, &input),
        Token(MALFORMED),
    ));
    let input = format!("{}.{}", b64(r#"{"alg":"HS256"}"#), b64(&padded));
    cases.push(tok(
        "canonical twin of the above (sanity)",
        App::Api,
        hmac_input(J::HS256, SECRET, &input),
        ALICE,
    ));
    // ECDSA.
    let mut n_n = P256_N.to_vec();
    n_n.extend_from_slice(&P256_N);
    let good_es = es(SHORT);
    let (eh, ep, esig) = split3(&good_es);
    cases.extend([
        tok("ES256 valid (sanity)", App::Ec, &good_es, OK),
        tok(
            "ECDSA r = s = 0 (CVE-2022-21449)",
            App::Ec,
            es_with_signature(&[0u8; 64]),
            Token(SIG),
        ),
        tok(
            "ECDSA r = s = n",
            App::Ec,
            es_with_signature(&n_n),
            Token(SIG),
        ),
        tok(
            "ECDSA r = s = 0, cached verifier",
            App::EcCached,
            es_with_signature(&[0u8; 64]),
            Token(SIG),
        ),
        tok(
            "ECDSA, 63-byte signature",
            App::Ec,
            es_with_signature(&[1u8; 63]),
            Token(SIG),
        ),
        tok(
            "ECDSA, 65-byte signature",
            App::Ec,
            es_with_signature(&[1u8; 65]),
            Token(SIG),
        ),
        tok(
            "ECDSA, empty-ish signature",
            App::Ec,
            format!("{eh}.{ep}.AA"),
            Token(SIG),
        ),
        tok(
            "ECDSA, flipped",
            App::Ec,
            format!("{eh}.{ep}.{}", flip(esig, 3)),
            Token(SIG),
        ),
    ]);
    // A DER-encoded ECDSA signature instead of the raw r||s.
    let mut der = vec![0x30, 0x44, 0x02, 0x20];
    der.extend_from_slice(&[0x11; 32]);
    der.extend_from_slice(&[0x02, 0x20]);
    der.extend_from_slice(&[0x22; 32]);
    cases.push(tok(
        "ECDSA, DER signature",
        App::Ec,
        es_with_signature(&der),
        Token(SIG),
    ));
    cases
}

fn claims_cases() -> Vec<Case> {
    let n = NOW;
    let mut cases = Vec::new();
    for (name, app, exp, expect) in [
        ("exp now+1", App::Api, (n + 1).to_string(), ALICE),
        ("exp at now", App::Api, n.to_string(), Token(EXPIRED)),
        ("exp now-1", App::Api, (n - 1).to_string(), Token(EXPIRED)),
        ("exp at now, leeway 30", App::Lenient, n.to_string(), ALICE),
        (
            "exp now-29, leeway 30",
            App::Lenient,
            (n - 29).to_string(),
            ALICE,
        ),
        (
            "exp now-30, leeway 30",
            App::Lenient,
            (n - 30).to_string(),
            Token(EXPIRED),
        ),
        (
            "exp now-31, leeway 30",
            App::Lenient,
            (n - 31).to_string(),
            Token(EXPIRED),
        ),
        (
            "exp as a string",
            App::Api,
            format!("\"{}\"", n + 60),
            Token(CLAIMS),
        ),
        (
            "exp as a float, future",
            App::Api,
            format!("{}.5", n + 1),
            ALICE,
        ),
        (
            "exp as a float just past now",
            App::Api,
            format!("{n}.9"),
            Token(EXPIRED),
        ),
        ("exp as an exponent", App::Api, "1.8e9".to_owned(), ALICE),
        ("exp negative", App::Api, "-1".to_owned(), Token(CLAIMS)),
        (
            "exp negative float",
            App::Api,
            "-1.5".to_owned(),
            Token(CLAIMS),
        ),
        ("exp zero", App::Api, "0".to_owned(), Token(EXPIRED)),
        ("exp u64::MAX", App::Api, u64::MAX.to_string(), ALICE),
        (
            "exp beyond u64",
            App::Api,
            "184467440737095516160".to_owned(),
            ALICE,
        ),
        ("exp 1e400", App::Api, "1e400".to_owned(), Token(CLAIMS)),
        ("exp true", App::Api, "true".to_owned(), Token(CLAIMS)),
        ("exp null", App::Api, "null".to_owned(), Token(CLAIMS)),
        (
            "exp an array",
            App::Api,
            format!("[{}]", n + 60),
            Token(CLAIMS),
        ),
        ("exp an object", App::Api, "{}".to_owned(), Token(CLAIMS)),
    ] {
        cases.push(tok(name, app, hs(&with_exp(&exp)), expect));
    }
    cases.push(tok(
        "exp missing",
        App::Api,
        hs(&replace("exp", None)),
        Token(REQUIRED),
    ));
    for (name, app, extra, expect) in [
        ("nbf at now", App::Api, format!(r#","nbf":{n}"#), ALICE),
        (
            "nbf now+1",
            App::Api,
            format!(r#","nbf":{}"#, n + 1),
            Token(NBF),
        ),
        (
            "nbf now+0.5",
            App::Api,
            format!(r#","nbf":{n}.5"#),
            Token(NBF),
        ),
        (
            "nbf now+30, leeway 30",
            App::Lenient,
            format!(r#","nbf":{}"#, n + 30),
            ALICE,
        ),
        (
            "nbf now+31, leeway 30",
            App::Lenient,
            format!(r#","nbf":{}"#, n + 31),
            Token(NBF),
        ),
        (
            "nbf as a string",
            App::Api,
            r#","nbf":"0""#.to_owned(),
            Token(CLAIMS),
        ),
        ("iat at now", App::Api, format!(r#","iat":{n}"#), ALICE),
        (
            "iat now+1",
            App::Api,
            format!(r#","iat":{}"#, n + 1),
            Token(IAT),
        ),
        (
            "iat far future",
            App::Api,
            r#","iat":99999999999"#.to_owned(),
            Token(IAT),
        ),
        (
            "iat negative",
            App::Api,
            r#","iat":-5"#.to_owned(),
            Token(CLAIMS),
        ),
        (
            "iat as a string",
            App::Api,
            r#","iat":"x""#.to_owned(),
            Token(CLAIMS),
        ),
    ] {
        cases.push(tok(name, app, hs(&claims(&extra)), expect));
    }
    for (name, member, value, expect) in [
        ("iss missing", "iss", None, Token(ISSUER)),
        (
            "iss wrong",
            "iss",
            Some(r#""https://evil.example""#),
            Token(ISSUER),
        ),
        (
            "iss with a trailing slash",
            "iss",
            Some(r#""https://issuer.example/""#),
            Token(ISSUER),
        ),
        (
            "iss in another case",
            "iss",
            Some(r#""https://ISSUER.example""#),
            Token(ISSUER),
        ),
        (
            "iss as an array",
            "iss",
            Some(r#"["https://issuer.example"]"#),
            Token(ISSUER),
        ),
        ("iss null", "iss", Some("null"), Token(ISSUER)),
        (
            "iss escaped",
            "iss",
            Some(r#""https:\/\/issuer.example""#),
            ALICE,
        ),
        ("aud missing", "aud", None, Token(AUD)),
        ("aud wrong", "aud", Some(r#""other""#), Token(AUD)),
        ("aud in another case", "aud", Some(r#""API""#), Token(AUD)),
        ("aud array with ours", "aud", Some(r#"["api"]"#), ALICE),
        (
            "aud array with ours second",
            "aud",
            Some(r#"["other","api"]"#),
            ALICE,
        ),
        (
            "aud array without ours",
            "aud",
            Some(r#"["other","apis"]"#),
            Token(AUD),
        ),
        ("aud empty array", "aud", Some("[]"), Token(AUD)),
        (
            "aud array with a number",
            "aud",
            Some(r#"["api",1]"#),
            Token(AUD),
        ),
        ("aud array nested", "aud", Some(r#"[["api"]]"#), Token(AUD)),
        ("aud a number", "aud", Some("1"), Token(AUD)),
        ("aud an object", "aud", Some(r#"{"api":true}"#), Token(AUD)),
        ("aud null", "aud", Some("null"), Token(AUD)),
        ("sub missing (required)", "sub", None, Token(REQUIRED)),
        ("sub a number", "sub", Some("1"), Token(CLAIMS)),
    ] {
        cases.push(tok(name, App::Api, hs(&replace(member, value)), expect));
    }
    cases.push(tok(
        "aud when none is configured",
        App::Plain,
        hs(r#"{"sub":"x","exp":1800000000,"aud":"api"}"#),
        Token(AUD),
    ));
    cases.push(tok(
        "no aud when none is configured",
        App::Plain,
        hs(r#"{"sub":"x","exp":1800000000}"#),
        OK,
    ));
    // Duplicates.
    for (name, extra) in [
        (
            "exp twice, the second expired",
            format!(r#","exp":{}"#, n - 100),
        ),
        (
            "exp twice, the second later",
            format!(r#","exp":{}"#, n + 3600),
        ),
        (
            "exp twice, one escaped",
            format!(r#","\u0065xp":{}"#, n + 60),
        ),
        ("sub twice", r#","sub":"mallory""#.to_owned()),
        ("sub twice, escaped", r#","\u0073ub":"alice""#.to_owned()),
        ("iss twice", format!(r#","iss":"{ISS}""#)),
        ("aud twice", r#","aud":"api""#.to_owned()),
        ("nick twice", r#","nick":"a","nick":"b""#.to_owned()),
        ("roles twice", r#","roles":[],"roles":["x"]"#.to_owned()),
        ("nbf twice", format!(r#","nbf":{n},"nbf":{}"#, n + 9999)),
    ] {
        cases.push(tok(name, App::Api, hs(&claims(&extra)), Token(CLAIMS)));
    }
    let expired_then_valid = format!(
        r#"{{"sub":"alice","exp":{},"exp":{},"iss":"{ISS}","aud":"api"}}"#,
        n - 100,
        n + 60
    );
    cases.push(tok(
        "exp twice, the first expired",
        App::Api,
        hs(&expired_then_valid),
        Token(CLAIMS),
    ));
    // Not an object.
    for (name, body) in [
        ("payload an array", "[]".to_owned()),
        ("payload an array of claims", format!("[{}]", claims(""))),
        ("payload a string", r#""alice""#.to_owned()),
        ("payload null", "null".to_owned()),
        ("payload a number", "1800000000".to_owned()),
        ("payload whitespace", " ".to_owned()),
        (
            "payload two objects",
            format!("{}{}", claims(""), claims("")),
        ),
        ("payload with trailing garbage", format!("{} x", claims(""))),
        ("payload truncated", claims("")[..20].to_owned()),
    ] {
        cases.push(tok(name, App::Api, hs(&body), Token(CLAIMS)));
    }
    // Unknown members and nesting.
    let deep = |d: usize| format!("{}1{}", "[".repeat(d), "]".repeat(d));
    let deep_obj = |d: usize| format!("{}1{}", r#"{"a":"#.repeat(d), "}".repeat(d));
    for (name, extra, expect) in [
        ("unknown member", r#","x":1"#.to_owned(), ALICE),
        (
            "unknown nested members",
            r#","x":{"y":[1,{"z":null}],"w":"v"}"#.to_owned(),
            ALICE,
        ),
        (
            "unknown array nested 100 deep",
            format!(r#","x":{}"#, deep(100)),
            ALICE,
        ),
        (
            "unknown object nested 100 deep",
            format!(r#","x":{}"#, deep_obj(100)),
            ALICE,
        ),
        (
            "unknown array nested 600 deep",
            format!(r#","x":{}"#, deep(600)),
            ALICE,
        ),
        (
            "unknown object nested 300 deep",
            format!(r#","x":{}"#, deep_obj(300)),
            ALICE,
        ),
        (
            "unknown member named like a claim in another case",
            r#","EXP":1"#.to_owned(),
            ALICE,
        ),
    ] {
        cases.push(tok(name, App::Api, hs(&claims(&extra)), expect));
    }
    // Caps at N and N + 1, in bytes of multi-byte UTF-8.
    for (name, body, expect) in [
        ("sub 16 bytes of é", "é".repeat(8), Expect::Ok("éééééééé")),
        ("sub 17 bytes", format!("{}a", "é".repeat(8)), Token(CLAIMS)),
        (
            "sub 16 bytes of emoji",
            "😀".repeat(4),
            Expect::Ok("😀😀😀😀"),
        ),
        ("sub 18 bytes of 3-byte chars", "€".repeat(6), Token(CLAIMS)),
        (
            "sub 16 bytes via surrogate escapes",
            r"\ud83d\ude00\ud83d\ude00\ud83d\ude00\ud83d\ude00".to_owned(),
            Expect::Ok("😀😀😀😀"),
        ),
        (
            "sub 17 bytes via escapes",
            r"\ud83d\ude00\ud83d\ude00\ud83d\ude00\ud83d\ude00\u0061".to_owned(),
            Token(CLAIMS),
        ),
        ("sub lone surrogate", r"\ud800".to_owned(), Token(CLAIMS)),
    ] {
        let payload = claims("").replace(r#""sub":"alice""#, &format!(r#""sub":"{body}""#));
        cases.push(tok(name, App::Api, hs(&payload), expect));
    }
    for (name, extra, expect) in [
        ("nick 6 bytes", r#","nick":"€€""#, ALICE),
        ("nick 7 bytes", r#","nick":"€€a""#, Token(CLAIMS)),
        ("nick 6 bytes escaped", r#","nick":"\u20ac\u20ac""#, ALICE),
        (
            "nick 7 bytes escaped",
            r#","nick":"\u20ac\u20aca""#,
            Token(CLAIMS),
        ),
        ("nick null", r#","nick":null"#, ALICE),
        ("nick a number", r#","nick":1"#, Token(CLAIMS)),
        ("roles 3 items", r#","roles":["a","b","c"]"#, ALICE),
        (
            "roles 4 items",
            r#","roles":["a","b","c","d"]"#,
            Token(CLAIMS),
        ),
        ("roles item 8 bytes", r#","roles":["éééé"]"#, ALICE),
        ("roles item 9 bytes", r#","roles":["ééééa"]"#, Token(CLAIMS)),
        ("roles not an array", r#","roles":"a""#, Token(CLAIMS)),
        ("roles with a number", r#","roles":[1]"#, Token(CLAIMS)),
        ("roles 500 items", "ROLES1000", Token(CLAIMS)),
    ] {
        let extra = if extra == "ROLES1000" {
            format!(r#","roles":[{}]"#, vec![r#""a""#; 500].join(","))
        } else {
            extra.to_owned()
        };
        cases.push(tok(name, App::Api, hs(&claims(&extra)), expect));
    }
    cases
}

fn size_cases() -> Vec<Case> {
    let bogus = |header_len: usize| {
        format!(
            "{}.{}.{}",
            b64(format!(
                r#"{{"alg":"HS256","x":"{}"}}"#,
                "a".repeat(header_len)
            )),
            b64(claims("")),
            "A".repeat(43)
        )
    };
    let deep_header = format!(
        r#"{{"alg":"HS256","x":{}1{}}}"#,
        "[".repeat(500),
        "]".repeat(500)
    );
    vec![
        tok(
            "token of exactly max_token_bytes",
            App::Api,
            token_of_len(4096),
            ALICE,
        ),
        tok(
            "token of max_token_bytes + 1",
            App::Api,
            token_of_len(4097),
            Token(TOO_LARGE),
        ),
        tok(
            "token of max_token_bytes - 1",
            App::Api,
            token_of_len(4095),
            ALICE,
        ),
        tok(
            "header segment of exactly 2048",
            App::Api,
            header_of_len(2048),
            ALICE,
        ),
        tok(
            "header segment of 2052",
            App::Api,
            header_of_len(2052),
            Token(TOO_LARGE),
        ),
        tok("bogus 3 KB header", App::Api, bogus(2300), Token(TOO_LARGE)),
        tok(
            "bogus 400 KB token",
            App::Api,
            bogus(300_000),
            Token(TOO_LARGE),
        ),
        tok(
            "bogus 1 MB of a",
            App::Api,
            "a".repeat(1 << 20),
            Token(TOO_LARGE),
        ),
        tok(
            "header nested 500 deep",
            App::Api,
            sign_raw(J::HS256, &deep_header, &claims("")),
            ALICE,
        ),
        tok(
            "header with many members",
            App::Api,
            sign_raw(
                J::HS256,
                &format!(
                    r#"{{"alg":"HS256",{}}}"#,
                    (0..150)
                        .map(|i| format!(r#""m{i}":{i}"#))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                &claims(""),
            ),
            ALICE,
        ),
        tok(
            "large signature segment",
            App::Api,
            format!(
                "{}.{}.{}",
                b64(r#"{"alg":"HS256"}"#),
                b64(claims("")),
                "A".repeat(2000)
            ),
            Token(SIG),
        ),
    ]
}

fn http_cases() -> Vec<Case> {
    let valid = hs(&claims(""));
    let v = valid.as_bytes();
    let auth = |value: &[u8]| vec![("authorization", value.to_vec())];
    let join = |a: &[u8], b: &[u8]| [a, b].concat();
    let plain = hs(r#"{"sub":"x","exp":1800000000}"#);
    let p = plain.as_bytes();
    vec![
        raw("no header", App::Api, vec![], Missing),
        raw("empty Authorization", App::Api, auth(b""), Missing),
        raw("spaces only", App::Api, auth(b"   "), Missing),
        raw("Basic", App::Api, auth(b"Basic YWxpY2U6c2VjcmV0"), Missing),
        raw(
            "Digest",
            App::Api,
            auth(b"Digest username=\"alice\""),
            Missing,
        ),
        raw(
            "DPoP scheme with a valid token",
            App::Api,
            auth(&join(b"DPoP ", v)),
            Missing,
        ),
        raw("Token scheme", App::Api, auth(&join(b"Token ", v)), Missing),
        raw(
            "Bearer: with a colon",
            App::Api,
            auth(&join(b"Bearer: ", v)),
            Missing,
        ),
        raw(
            "Bearer glued to the token",
            App::Api,
            auth(&join(b"Bearer", v)),
            Missing,
        ),
        raw("Bearer alone", App::Api, auth(b"Bearer"), BadRequest),
        raw(
            "Bearer and spaces",
            App::Api,
            auth(b"Bearer    "),
            BadRequest,
        ),
        raw("Bearer and a tab", App::Api, auth(b"Bearer\t"), BadRequest),
        raw(
            "bearer lower case",
            App::Api,
            auth(&join(b"bearer ", v)),
            ALICE,
        ),
        raw(
            "BEARER upper case",
            App::Api,
            auth(&join(b"BEARER ", v)),
            ALICE,
        ),
        // RFC 6750 §2.1 and RFC 9110 §11.4: only spaces between the scheme
        // and the token, so a proxy and claimguard agree on the credentials.
        raw(
            "Bearer, tab separator",
            App::Api,
            auth(&join(b"Bearer\t", v)),
            BadRequest,
        ),
        raw(
            "Bearer, space then tab",
            App::Api,
            auth(&join(b"Bearer \t", v)),
            BadRequest,
        ),
        raw(
            "Bearer, tab then spaces",
            App::Api,
            auth(&join(b"Bearer\t  ", v)),
            BadRequest,
        ),
        raw(
            "Bearer, many spaces",
            App::Api,
            auth(&join(b"Bearer     ", v)),
            ALICE,
        ),
        raw(
            "leading tab and trailing spaces",
            App::Api,
            auth(&[b"\tBearer ", v, b"  "].concat()),
            ALICE,
        ),
        raw(
            "two tokens in one header",
            App::Api,
            auth(&[b"Bearer ", v, b" ", v].concat()),
            Token(MALFORMED),
        ),
        raw(
            "token, comma, token",
            App::Api,
            auth(&[b"Bearer ", v, b",", v].concat()),
            Token(MALFORMED),
        ),
        raw(
            "Authorization twice, same token",
            App::Api,
            vec![
                ("authorization", join(b"Bearer ", v)),
                ("authorization", join(b"Bearer ", v)),
            ],
            BadRequest,
        ),
        raw(
            "Authorization twice, Basic then Bearer",
            App::Api,
            vec![
                ("authorization", b"Basic YTpi".to_vec()),
                ("authorization", join(b"Bearer ", v)),
            ],
            BadRequest,
        ),
        raw(
            "Authorization twice, one empty",
            App::Api,
            vec![
                ("authorization", join(b"Bearer ", v)),
                ("authorization", Vec::new()),
            ],
            BadRequest,
        ),
        raw(
            "non-ASCII byte in the token",
            App::Api,
            auth(&[b"Bearer ", v, b"\xe9"].concat()),
            BadRequest,
        ),
        raw(
            "UTF-8 in the token",
            App::Api,
            auth("Bearer é.é.é".as_bytes()),
            BadRequest,
        ),
        raw(
            "obs-text in the scheme",
            App::Api,
            auth(&join(b"Bear\xe9r ", v)),
            BadRequest,
        ),
        raw("0x80 alone", App::Api, auth(b"Bearer \x80"), BadRequest),
        raw(
            "non-ASCII under another scheme",
            App::Api,
            auth(b"Basic \xff"),
            BadRequest,
        ),
        Case {
            uri: "/?access_token=x",
            ..raw("token in the query string only", App::Api, vec![], Missing)
        },
        raw(
            "bearer ignored by a cookie source",
            App::Cookie,
            auth(&join(b"Bearer ", p)),
            Missing,
        ),
        raw(
            "cookie",
            App::Cookie,
            vec![("cookie", join(b"session=", p))],
            OK,
        ),
        raw(
            "cookie among others",
            App::Cookie,
            vec![("cookie", [b"a=1; session=", p, b"; b=2"].concat())],
            OK,
        ),
        raw(
            "cookie quoted",
            App::Cookie,
            vec![("cookie", [b"session=\"", p, b"\""].concat())],
            OK,
        ),
        raw(
            "cookie name in another case",
            App::Cookie,
            vec![("cookie", join(b"Session=", p))],
            Missing,
        ),
        // RFC 6265 §4.2.1: the name exactly, the value cookie-octets only.
        raw(
            "cookie name with a space before =",
            App::Cookie,
            vec![("cookie", join(b"session =", p))],
            Missing,
        ),
        raw(
            "cookie name after a tab",
            App::Cookie,
            vec![("cookie", [b"a=1;\tsession=", p].concat())],
            Missing,
        ),
        raw(
            "cookie value after a space",
            App::Cookie,
            vec![("cookie", join(b"session= ", p))],
            BadRequest,
        ),
        raw(
            "cookie value with a comma",
            App::Cookie,
            vec![("cookie", [b"session=", p, b",x"].concat())],
            BadRequest,
        ),
        raw(
            "cookie empty",
            App::Cookie,
            vec![("cookie", b"session=".to_vec())],
            BadRequest,
        ),
        raw(
            "cookie twice in one header",
            App::Cookie,
            vec![("cookie", [b"session=", p, b"; session=", p].concat())],
            BadRequest,
        ),
        raw(
            "cookie twice across headers",
            App::Cookie,
            vec![
                ("cookie", join(b"session=", p)),
                ("cookie", join(b"session=", p)),
            ],
            BadRequest,
        ),
        raw(
            "cookie garbage",
            App::Cookie,
            vec![("cookie", b"session=not-a-token".to_vec())],
            Token(MALFORMED),
        ),
        raw(
            "cookie non-ASCII",
            App::Cookie,
            vec![("cookie", b"session=\xff".to_vec())],
            BadRequest,
        ),
        raw(
            "cookie valid and bearer invalid",
            App::Cookie,
            vec![
                ("cookie", join(b"session=", p)),
                ("authorization", b"Bearer x.y.z".to_vec()),
            ],
            OK,
        ),
        raw(
            "custom header",
            App::Header,
            vec![("x-token", p.to_vec())],
            OK,
        ),
        raw(
            "custom header empty",
            App::Header,
            vec![("x-token", Vec::new())],
            BadRequest,
        ),
        raw(
            "custom header twice",
            App::Header,
            vec![("x-token", p.to_vec()), ("x-token", p.to_vec())],
            BadRequest,
        ),
        raw(
            "custom header with a Bearer prefix",
            App::Header,
            vec![("x-token", join(b"Bearer ", p))],
            Token(MALFORMED),
        ),
        raw(
            "bearer ignored by a header source",
            App::Header,
            auth(&join(b"Bearer ", p)),
            Missing,
        ),
        raw(
            "bearer valid and cookie invalid",
            App::Api,
            vec![
                ("authorization", join(b"Bearer ", v)),
                ("cookie", b"session=x.y.z".to_vec()),
            ],
            ALICE,
        ),
        raw(
            "custom header valid and bearer garbage",
            App::Header,
            vec![
                ("x-token", p.to_vec()),
                ("authorization", b"Bearer garbage".to_vec()),
            ],
            OK,
        ),
    ]
}

fn cache_cases() -> Vec<Case> {
    let valid = hs(&claims(""));
    let (h, p, s) = split3(&valid);
    let other_claims = hs(&claims("").replace("alice", "mallory"));
    let (_, mallory_p, _) = split3(&other_claims);
    vec![
        tok("prime the cache", App::CachedA, &valid, ALICE),
        tok("a hit", App::CachedA, &valid, ALICE),
        tok(
            "cached token, signature flipped",
            App::CachedA,
            format!("{h}.{p}.{}", flip(s, 0)),
            Token(SIG),
        ),
        tok(
            "cached token, payload swapped",
            App::CachedA,
            format!("{h}.{mallory_p}.{s}"),
            Token(SIG),
        ),
        tok(
            "cached token, header changed",
            App::CachedA,
            format!("{}.{p}.{s}", b64(r#"{"alg":"HS256"}"#)),
            Token(SIG),
        ),
        tok(
            "cached token plus a byte",
            App::CachedA,
            format!("{valid}A"),
            Token(SIG),
        ),
        tok(
            "cached token with trailing space (same token)",
            App::CachedA,
            format!("{valid} "),
            ALICE,
        ),
        tok(
            "cached token, non-canonical sig",
            App::CachedA,
            format!("{h}.{p}.{}", noncanonical(s)),
            Token(MALFORMED),
        ),
        tok(
            "cached in A, verifier B (other key)",
            App::CachedB,
            &valid,
            Token(SIG),
        ),
        tok(
            "cached in A, verifier C (other audience)",
            App::CachedC,
            &valid,
            Token(AUD),
        ),
        tok("still a hit in A", App::CachedA, &valid, ALICE),
    ]
}

#[tokio::test]
async fn the_attack_table() {
    let mut cases = Vec::new();
    let mut sizes = Vec::new();
    for (class, list) in [
        ("algorithm", algorithm_cases()),
        ("header injection", header_injection_cases()),
        ("signature and encoding", signature_cases()),
        ("claims", claims_cases()),
        ("size", size_cases()),
        ("http", http_cases()),
        ("cache", cache_cases()),
    ] {
        sizes.push(format!("{class}: {}", list.len()));
        cases.extend(list);
    }
    let total = cases.len();
    println!("attack cases: {total} ({})", sizes.join(", "));
    let ran = run(cases).await;
    assert_eq!(ran, total);
    assert_eq!(ran, EXPECTED_CASES, "{}", sizes.join(", "));
}

const EXPECTED_CASES: usize = 312;

// ---------------------------------------------------------------- high-S

async fn status_of(app: &Router, token: &str) -> Reply {
    claimguard_tests::bearer(app, "/", token).await
}

/// The high-S twin of a valid ES256 signature: whatever the verdict, it is
/// the same with and without a cache, before and after the original is
/// cached, and a rejection never leaks token bytes.
#[tokio::test]
async fn high_s_twin_is_judged_consistently() {
    let apps = apps();
    let (plain, cached) = (&apps[&App::Ec], &apps[&App::EcCached]);
    let original = es(SHORT);
    let twin = high_s_twin(&original);
    assert_ne!(twin, original);
    // The twin of the twin is the original.
    assert_eq!(high_s_twin(&twin), original);
    let first = status_of(plain, &twin).await;
    assert!(
        first.status == StatusCode::OK || first.status == StatusCode::UNAUTHORIZED,
        "{first:?}"
    );
    if first.status == StatusCode::UNAUTHORIZED {
        first.assert_invalid_token(SIG);
    }
    first.assert_no_echo(&twin);
    println!("high-S twin accepted: {}", first.status == StatusCode::OK);
    for (label, app) in [
        ("plain again", plain),
        ("cached", cached),
        ("cached again", cached),
    ] {
        let reply = status_of(app, &twin).await;
        assert_eq!(
            (reply.status, &reply.body),
            (first.status, &first.body),
            "{label}"
        );
    }
    assert_eq!(status_of(cached, &original).await.status, StatusCode::OK);
    assert_eq!(status_of(cached, &original).await.status, StatusCode::OK);
    let after = status_of(cached, &twin).await;
    assert_eq!((after.status, &after.body), (first.status, &first.body));
}

// ---------------------------------------------------------------- cache and time

#[tokio::test]
async fn a_cached_token_is_refused_after_its_exp() {
    let clock = claimguard_tests::clock();
    let verifier = ok(Verifier::<Api>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(hmac(SECRET))
        .clock(clock.clone())
        .cache(10, 3600)
        .build());
    let app = api_router(verifier.clone());
    let token = hs(&with_exp(&(NOW + 5).to_string()));
    for _ in 0..2 {
        assert_eq!(status_of(&app, &token).await.body, "alice");
    }
    let hits = verifier.cache_stats().map(|s| s.hits);
    assert_eq!(hits, Some(1));
    for at in [NOW + 5, NOW + 6, NOW + 10_000] {
        clock.set(at);
        let reply = status_of(&app, &token).await;
        reply.assert_invalid_token(EXPIRED);
        reply.assert_no_echo(&token);
    }
    assert_eq!(verifier.cache_stats().map(|s| s.hits), Some(1));
    // Back in time (a clock step backwards): the token is valid again, and
    // verified afresh, not served from a stale entry.
    clock.set(NOW);
    assert_eq!(status_of(&app, &token).await.body, "alice");
}

#[tokio::test]
async fn a_token_cached_by_one_verifier_is_unknown_to_another() {
    let a = cached_api(hmac(SECRET), "api");
    let b = cached_api(hmac(OTHER), "api");
    let token = hs(&claims(""));
    assert!(a.verify(&token).is_ok());
    assert!(a.verify(&token).is_ok());
    assert_eq!(
        b.verify(&token).err().map(|r| r.reason()),
        Some(Reason::Signature)
    );
    let (sa, sb) = (a.cache_stats(), b.cache_stats());
    assert_eq!(sa.map(|s| (s.hits, s.entries)), Some((1, 1)));
    assert_eq!(sb.map(|s| (s.hits, s.entries)), Some((0, 0)));
}

// ---------------------------------------------------------------- allocation

fn bogus_header_token(total: usize) -> String {
    let payload = b64(claims(""));
    let sig = "A".repeat(43);
    let room = total - payload.len() - sig.len() - 2;
    let json_len = room / 4 * 3;
    let header = format!(
        r#"{{"alg":"HS256","x":"{}"}}"#,
        "a".repeat(json_len - r#"{"alg":"HS256","x":""}"#.len())
    );
    format!("{}.{payload}.{sig}", b64(header))
}

fn bogus_payload_token(total: usize) -> String {
    let header = b64(r#"{"alg":"HS256"}"#);
    let sig = "A".repeat(43);
    let room = total - header.len() - sig.len() - 2;
    let json_len = room / 4 * 3;
    let base = claims(r#","x":"""#);
    let payload = claims(&format!(r#","x":"{}""#, "a".repeat(json_len - base.len())));
    format!("{header}.{}.{sig}", b64(payload))
}

fn assert_flat(label: &str, small: Usage, large: Usage) {
    println!("{label}: small {small:?}, large {large:?}");
    assert_eq!(
        small.allocations, large.allocations,
        "{label}: allocations scale"
    );
    assert!(
        large.peak <= small.peak + 256,
        "{label}: peak scales: {small:?} vs {large:?}"
    );
    assert!(large.peak < 4096, "{label}: peak {large:?}");
    assert!(
        large.retained <= 0 || large.retained == small.retained,
        "{label}"
    );
}

fn measure_verify<T: Claims>(verifier: &Verifier<T>, token: &str, reason: Reason) -> Usage {
    // Once to warm any lazy state, then measured.
    let _ = verifier.verify(token);
    let (result, usage) = measure(|| verifier.verify(token).err().map(|r| r.reason()));
    assert_eq!(result, Some(reason));
    usage
}

#[test]
fn bogus_tokens_allocate_nothing_proportional_to_their_size() {
    let capped = api_verifier(hmac(SECRET));
    let roomy = ok(Verifier::<Api>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(hmac(SECRET))
        .max_token_bytes(1 << 20)
        .clock(claimguard_tests::clock())
        .build());
    let (small, large) = (bogus_header_token(4 * 1024), bogus_header_token(400 * 1024));
    assert!(small.len() <= 4096 && large.len() >= 400_000);
    assert_flat(
        "huge header, size cap",
        measure_verify(&capped, &small, Reason::TooLarge),
        measure_verify(&capped, &large, Reason::TooLarge),
    );
    assert_flat(
        "huge header, header cap",
        measure_verify(&roomy, &small, Reason::TooLarge),
        measure_verify(&roomy, &large, Reason::TooLarge),
    );
    let (small, large) = (
        bogus_payload_token(4 * 1024),
        bogus_payload_token(400 * 1024),
    );
    assert_flat(
        "huge payload, bogus signature",
        measure_verify(&roomy, &small, Reason::Signature),
        measure_verify(&roomy, &large, Reason::Signature),
    );
}

/// The same through the extractor itself, from request parts that already
/// hold the header (building the request is the caller's allocation).
#[test]
fn the_extractor_allocates_nothing_proportional_to_a_bogus_token() {
    let runtime = ok(tokio::runtime::Builder::new_current_thread().build());
    let verifier = api_verifier(hmac(SECRET));
    let mut usage = Vec::new();
    for token in [bogus_header_token(4 * 1024), bogus_header_token(400 * 1024)] {
        let request = ok(axum::http::Request::builder()
            .header("authorization", format!("Bearer {token}"))
            .body(()));
        let (mut parts, ()) = request.into_parts();
        let _ = runtime.block_on(Api::from_request_parts(&mut parts, &verifier));
        let (result, used) = measure(|| {
            runtime
                .block_on(Api::from_request_parts(&mut parts, &verifier))
                .err()
                .map(|r| r.reason())
        });
        assert_eq!(result, Some(Reason::TooLarge));
        usage.push(used);
    }
    assert_flat("extractor, huge header", usage[0], usage[1]);
}
