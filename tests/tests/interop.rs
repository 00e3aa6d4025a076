//! Interop with PyJWT: tokens minted by another library, for every algorithm
//! claimguard verifies, judged with the PEM keys and with the JWK set that
//! `tests/fixtures/pyjwt/generate.py` wrote beside them.
//!
//! Every valid token must be accepted with exactly the claims PyJWT signed;
//! every tampered one refused with the reason the fixture names.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimguard::{Algorithm, Claims, Key, ManualClock, Reason, Verifier};
use claimguard_tests::bearer;
use serde_json::Value;

#[derive(Claims, Debug)]
#[claims(
    algorithms = [HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA],
    issuer = "https://pyjwt.example",
    audience = "claimguard-interop",
    required = [iat, nbf, sub, jti],
)]
struct Interop {
    #[claims(max_len = 64)]
    sub: String,
    #[claims(max_len = 64)]
    iss: String,
    exp: u64,
    iat: u64,
    nbf: u64,
    #[claims(max_len = 64)]
    jti: String,
    #[claims(max_len = 64)]
    scope: String,
    admin: bool,
}

/// How many cases `generate.py` writes: seven per algorithm, ten more.
const CASES: usize = 12 * 7 + 10;

fn read(name: &str) -> String {
    let path = claimguard_tests::fixture_path(&format!("pyjwt/{name}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Fixtures {
    now: u64,
    hmac: Value,
    cases: Vec<Value>,
}

fn fixtures() -> Fixtures {
    let json: Value = serde_json::from_str(&read("tokens.json")).unwrap_or_else(|e| panic!("{e}"));
    let now = json["now"]
        .as_u64()
        .unwrap_or_else(|| panic!("tokens.json: no `now`"));
    assert_eq!(now, claimguard_tests::NOW, "tokens.json pins another `now`");
    assert_eq!(json["issuer"], "https://pyjwt.example");
    assert_eq!(json["audience"], "claimguard-interop");
    let cases = json["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("tokens.json: no `cases`"))
        .clone();
    assert_eq!(
        cases.len(),
        CASES,
        "tokens.json was regenerated with other cases"
    );
    for alg in Algorithm::ALL {
        let of_alg = cases.iter().filter(|c| c["alg"] == alg.name()).count();
        assert!(of_alg >= 7, "{alg}: only {of_alg} cases");
    }
    Fixtures {
        now,
        hmac: json["hmac"].clone(),
        cases,
    }
}

fn text<'v>(case: &'v Value, member: &str) -> &'v str {
    case[member]
        .as_str()
        .unwrap_or_else(|| panic!("case without `{member}`: {case}"))
}

/// The fixture's name for a verdict, as a `Reason`.
fn reason(name: &str) -> Reason {
    match name {
        "Malformed" => Reason::Malformed,
        "Algorithm" => Reason::Algorithm,
        "UnknownKey" => Reason::UnknownKey,
        "Signature" => Reason::Signature,
        "Claims" => Reason::Claims,
        "Expired" => Reason::Expired,
        "NotYetValid" => Reason::NotYetValid,
        "IssuedInFuture" => Reason::IssuedInFuture,
        "Issuer" => Reason::Issuer,
        "Audience" => Reason::Audience,
        "MissingClaim:exp" => Reason::MissingClaim("exp"),
        other => panic!("unknown verdict `{other}` in tokens.json"),
    }
}

/// The PEM public keys, and each HMAC secret restricted to its algorithm (a
/// 64-byte secret would otherwise fit HS256 and HS384 too). No key is named.
fn pem_keys(fx: &Fixtures) -> Vec<Key> {
    let mut keys = Vec::new();
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let secret = URL_SAFE_NO_PAD
            .decode(text(&fx.hmac, alg.name()))
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        let key = Key::hmac(secret).unwrap_or_else(|e| panic!("{alg}: {e}"));
        keys.push(key.only_for(alg));
    }
    let pem = |name: &str, make: fn(Vec<u8>) -> Result<Key, claimguard::KeyError>| {
        make(read(name).into_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    keys.push(pem("rsa.pub.pem", Key::rsa_pem));
    keys.push(pem("p256.pub.pem", Key::ec_pem));
    keys.push(pem("p384.pub.pem", Key::ec_pem));
    keys.push(pem("ed25519.pub.pem", Key::ed25519_pem));
    keys
}

fn jwks_keys() -> Vec<Key> {
    let keys = Key::set_from_jwks(&read("jwks.json")).unwrap_or_else(|e| panic!("jwks.json: {e}"));
    let kids: Vec<_> = keys.iter().map(Key::kid).collect();
    assert_eq!(
        kids,
        [
            Some("hs256"),
            Some("hs384"),
            Some("hs512"),
            Some("rsa"),
            Some("p256"),
            Some("p384"),
            Some("ed25519"),
        ]
    );
    keys
}

fn verifier(keys: Vec<Key>, now: u64) -> Verifier<Interop> {
    Verifier::<Interop>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .keys(keys)
        .clock(ManualClock::new(now))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `None` for "accepted", or the reason the case must be refused with.
fn expected(case: &Value, jwks: bool) -> Option<Reason> {
    let verdict = match case.get("expect_jwks") {
        Some(Value::String(v)) if jwks => v.as_str(),
        _ => text(case, "expect"),
    };
    (verdict != "ok").then(|| reason(verdict))
}

/// What differs between the decoded claims and those PyJWT signed.
fn claims_differ(got: &Interop, want: &Value) -> Vec<String> {
    let mut differ = Vec::new();
    let mut check = |name: &str, same: bool| {
        if !same {
            differ.push(format!("`{name}`: got {got:?}, signed {want}"));
        }
    };
    check("sub", want["sub"] == got.sub.as_str());
    check("iss", want["iss"] == got.iss.as_str());
    check("exp", want["exp"] == got.exp);
    check("iat", want["iat"] == got.iat);
    check("nbf", want["nbf"] == got.nbf);
    check("jti", want["jti"] == got.jti.as_str());
    check("scope", want["scope"] == got.scope.as_str());
    check("admin", want["admin"] == got.admin);
    differ
}

/// Whether a refusal for `reason` comes from the header, key or signature
/// stages: `verify_signature` must then refuse too, and otherwise pass.
fn refused_at_signature(reason: Option<Reason>) -> bool {
    matches!(
        reason,
        Some(Reason::Malformed | Reason::Algorithm | Reason::UnknownKey | Reason::Signature)
    )
}

/// Runs every case through `verifier`, and returns (accepted, refused).
fn run(fx: &Fixtures, verifier: &Verifier<Interop>, jwks: bool) -> (usize, usize) {
    let mode = if jwks { "JWKS" } else { "PEM" };
    let mut failures = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for case in &fx.cases {
        let name = text(case, "name");
        let token = text(case, "token");
        let want = expected(case, jwks);
        match (verifier.verify(token), want) {
            (Ok(claims), None) => {
                accepted += 1;
                for differ in claims_differ(&claims, &case["claims"]) {
                    failures.push(format!("{name}: {differ}"));
                }
            }
            (Err(rejection), Some(reason)) if rejection.reason() == reason => refused += 1,
            (got, want) => failures.push(format!(
                "{name}: expected {want:?} (None: accepted), got {:?}",
                got.map(|c| c.sub)
            )),
        }
        let at_signature = verifier.verify_signature(token);
        if refused_at_signature(want) {
            if at_signature.map_err(|r| r.reason()) != Err(want.unwrap_or(Reason::Signature)) {
                failures.push(format!(
                    "{name}: verify_signature gave {at_signature:?}, expected {want:?}"
                ));
            }
        } else if let Err(rejection) = at_signature {
            failures.push(format!(
                "{name}: verify_signature refused a well-signed token: {rejection:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{mode}: {} of {} cases differ:\n{}",
        failures.len(),
        fx.cases.len(),
        failures.join("\n")
    );
    (accepted, refused)
}

#[test]
fn pyjwt_tokens_with_pem_keys() {
    let fx = fixtures();
    let verifier = verifier(pem_keys(&fx), fx.now);
    let (accepted, refused) = run(&fx, &verifier, false);
    // Two valid tokens per algorithm, and the two whose `kid` names no key:
    // without named keys, a `kid` selects nothing and is ignored.
    assert_eq!((accepted, refused), (12 * 2 + 2, CASES - 26));
}

#[test]
fn pyjwt_tokens_with_the_jwk_set() {
    let fx = fixtures();
    let verifier = verifier(jwks_keys(), fx.now);
    let (accepted, refused) = run(&fx, &verifier, true);
    assert_eq!((accepted, refused), (12 * 2, CASES - 24));
}

#[test]
fn each_valid_token_needs_the_key_its_kid_names() {
    let fx = fixtures();
    // Each valid token that names its key, with that JWK alone and then with
    // every other one.
    let mut checked = 0;
    for case in fx.cases.iter().filter(|c| expected(c, true).is_none()) {
        let token = text(case, "token");
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let Some(kid) = header["kid"].as_str() else {
            continue;
        };
        let keys = jwks_keys();
        let (named, others): (Vec<_>, Vec<_>) =
            keys.into_iter().partition(|k| k.kid() == Some(kid));
        let only = verifier(named, fx.now);
        assert!(
            only.verify(token).is_ok(),
            "{}: refused by its own key",
            text(case, "name")
        );
        // Every other key is refused at binding or does not verify this token.
        let rest = Verifier::<Interop>::builder()
            .cache_seed(claimguard_tests::CACHE_SEED)
            .keys(others)
            .clock(ManualClock::new(fx.now))
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            rest.verify(token).map(|c| c.sub).map_err(|r| r.reason()),
            Err(Reason::UnknownKey),
            "{}",
            text(case, "name")
        );
        checked += 1;
    }
    assert_eq!(checked, 12, "one valid token with a kid per algorithm");
}

#[tokio::test]
async fn pyjwt_tokens_through_a_router() {
    let fx = fixtures();
    let app = Router::new()
        .route("/me", get(|claims: Interop| async move { claims.sub }))
        .with_state(verifier(jwks_keys(), fx.now));
    let mut seen = 0;
    for case in &fx.cases {
        let token = text(case, "token");
        let reply = bearer(&app, "/me", token).await;
        match expected(case, true) {
            None => {
                assert_eq!(
                    reply.status,
                    StatusCode::OK,
                    "{}: {reply:?}",
                    text(case, "name")
                );
                assert_eq!(reply.body, text(&case["claims"], "sub"));
            }
            Some(reason) => reply.assert_invalid_token(reason.description()),
        }
        reply.assert_no_echo(token);
        seen += 1;
    }
    assert_eq!(seen, CASES);
}
