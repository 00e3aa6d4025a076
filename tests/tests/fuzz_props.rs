//! Property tests in the normal test run: arbitrary header bytes, arbitrary
//! and mutated tokens, and arbitrary signed payloads through a real Router
//! never panic, never answer 5xx, answer only 200/400/401 with one of the
//! fixed bodies, never echo token bytes, and never accept a forgery; arbitrary
//! payload bytes through the derived deserializer never panic and any value
//! it accepts respects its caps.

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderValue, StatusCode};
use axum::routing::get;
use claimguard::{Key, Reason, Verifier};
use claimguard_tests::fuzz::{FZ_ISSUER as ISS, Fz, assert_caps};
use claimguard_tests::{NOW, Reply, SECRET, b64, call, sign, sign_raw};
use jsonwebtoken::Algorithm as J;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value, json};

fn verifier() -> Verifier<Fz> {
    Verifier::<Fz>::builder()
        .cache_seed(claimguard_tests::CACHE_SEED)
        .key(Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
        .clock(claimguard_tests::clock())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn app() -> &'static Router {
    static APP: OnceLock<Router> = OnceLock::new();
    APP.get_or_init(|| {
        Router::new()
            .route("/", get(|_: Fz| async { "ok" }))
            .with_state(verifier())
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The reply is a 200 `ok`, or exactly one of the fixed rejections.
fn assert_well_formed(reply: &Reply) {
    if reply.status == StatusCode::OK {
        assert_eq!(reply.body, "ok");
        return;
    }
    assert!(
        reply.status == StatusCode::BAD_REQUEST || reply.status == StatusCode::UNAUTHORIZED,
        "status {reply:?}"
    );
    let known = Reason::ALL.iter().any(|reason| {
        let r = claimguard::Rejection::new(*reason);
        r.status() == reply.status
            && reply.challenge.as_deref() == r.challenge().as_ref().and_then(|c| c.to_str().ok())
            && reply.body == r.body()
    });
    assert!(known, "not a fixed rejection: {reply:?}");
}

/// Nothing of 12 characters or more from what was sent appears in the reply.
fn assert_no_echo(reply: &Reply, sent: &[u8]) {
    let sent = String::from_utf8_lossy(sent);
    let challenge = reply.challenge.as_deref().unwrap_or_default();
    for piece in sent
        .split(['.', ' ', '\t', '=', ';'])
        .filter(|p| p.len() >= 12)
    {
        assert!(!reply.body.contains(piece), "body echoes {piece:?}");
        assert!(!challenge.contains(piece), "challenge echoes {piece:?}");
    }
}

fn send(headers: &[(&str, &[u8])]) -> Reply {
    runtime().block_on(call(app(), "/", headers))
}

fn send_token(token: &str) -> Reply {
    let value = format!("Bearer {token}");
    let reply = send(&[("authorization", value.as_bytes())]);
    assert_well_formed(&reply);
    assert_no_echo(&reply, token.as_bytes());
    reply
}

fn good_payload() -> String {
    format!(
        r#"{{"sub":"alice","exp":{},"iss":"{ISS}","aud":"api","roles":["a"],"tags":{{"t":1}}}}"#,
        NOW + 60
    )
}

fn good_token() -> String {
    sign(J::HS256, &good_payload())
}

// ---------------------------------------------------------------- strategies

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
        "[a-z]{0,10}".prop_map(Value::from),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A member that is usually well-formed, sometimes anything.
fn member(good: Vec<Value>) -> impl Strategy<Value = Option<Value>> {
    let good = prop::sample::select(good);
    prop_oneof![
        3 => good.prop_map(Some),
        1 => Just(None),
        1 => json().prop_map(Some),
    ]
}

fn claims_object() -> impl Strategy<Value = String> {
    let n = NOW;
    (
        (
            member(vec![
                json!("alice"),
                json!("é".repeat(8)),
                json!("é".repeat(9)),
            ]),
            member(vec![
                json!(n + 60),
                json!(n),
                json!(n - 1),
                json!(n as f64 + 0.5),
                json!(u64::MAX),
            ]),
            member(vec![json!(ISS), json!("https://evil.example")]),
            member(vec![
                json!("api"),
                json!(["x", "api"]),
                json!([]),
                json!("x"),
            ]),
            member(vec![json!(n), json!(n + 1)]),
            member(vec![json!(n), json!(n + 1)]),
        ),
        (
            member(vec![
                json!(["a", "b", "c"]),
                json!(["a", "b", "c", "d"]),
                json!(["éééé"]),
                json!(["ééééa"]),
            ]),
            member(vec![json!("€€"), json!("€€a"), Value::Null]),
            member(vec![
                json!({"ab": 1}),
                json!({"a": 1, "b": 2, "c": 3}),
                json!({"abcde": 1}),
                json!({"a": 300}),
            ]),
            member(vec![json!(1), json!(255), json!(256), json!(-1)]),
            prop::collection::btree_map("[a-z]{1,4}", json(), 0..3),
            prop::option::of("[a-z]{3}"),
        ),
    )
        .prop_map(
            |((sub, exp, iss, aud, nbf, iat), (roles, nick, tags, level, extra, dup))| {
                let mut map = Map::new();
                for (name, value) in [
                    ("sub", sub),
                    ("exp", exp),
                    ("iss", iss),
                    ("aud", aud),
                    ("nbf", nbf),
                    ("iat", iat),
                    ("roles", roles),
                    ("nick", nick),
                    ("tags", tags),
                    ("level", level),
                ] {
                    if let Some(value) = value {
                        map.insert(name.to_owned(), value);
                    }
                }
                for (k, v) in extra {
                    map.entry(k).or_insert(v);
                }
                let mut text = Value::Object(map).to_string();
                // Sometimes repeat a member by hand, which a map cannot.
                if let Some(dup) = dup {
                    let name = match dup.as_bytes()[0] % 4 {
                        0 => "exp",
                        1 => "sub",
                        2 => "roles",
                        _ => dup.as_str(),
                    };
                    text.insert_str(1, &format!(r#""{name}":1,"#));
                }
                text
            },
        )
}

fn header_object() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(r#"{"alg":"HS256"}"#.to_owned()),
        1 => Just(r#"{"alg":"HS256","typ":"JWT"}"#.to_owned()),
        1 => Just(r#"{"alg":"none"}"#.to_owned()),
        1 => Just(r#"{"alg":"HS512"}"#.to_owned()),
        1 => prop::collection::btree_map(
            prop::sample::select(vec!["alg", "kid", "typ", "cty", "crit", "b64", "enc", "jwk", "x"]),
            prop_oneof![Just(json!("HS256")), json()],
            0..5,
        )
        .prop_map(|m| {
            Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()).to_string()
        }),
    ]
}

/// A byte the HTTP layer allows in a header value (no controls but tab, no DEL).
fn header_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        8 => 0x20u8..0x7f,
        1 => Just(b'\t'),
        1 => 0x80u8..=0xff,
    ]
}

fn b64_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{0,60}",
        "[A-Za-z0-9_+/=-]{0,20}",
        prop::collection::vec(any::<u8>(), 0..48).prop_map(b64),
        json().prop_map(|v| b64(v.to_string())),
    ]
}

/// An edit of a token: what to do, where, and with which byte.
#[derive(Clone, Debug)]
enum Edit {
    Flip(Index, u8),
    Delete(Index),
    Insert(Index, u8),
    Truncate(Index),
    SwapSegments,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Edit::Flip(i, m)),
        any::<Index>().prop_map(Edit::Delete),
        (any::<Index>(), 0x20u8..0x7f).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<Index>().prop_map(Edit::Truncate),
        Just(Edit::SwapSegments),
    ]
}

fn apply(token: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = token.as_bytes().to_vec();
    for edit in edits {
        if bytes.is_empty() {
            break;
        }
        match edit {
            Edit::Flip(i, mask) => {
                let at = i.index(bytes.len());
                bytes[at] ^= mask;
            }
            Edit::Delete(i) => {
                bytes.remove(i.index(bytes.len()));
            }
            Edit::Insert(i, b) => bytes.insert(i.index(bytes.len() + 1), *b),
            Edit::Truncate(i) => bytes.truncate(i.index(bytes.len())),
            Edit::SwapSegments => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut parts: Vec<&str> = text.split('.').collect();
                if parts.len() >= 2 {
                    parts.swap(0, 1);
                }
                bytes = parts.join(".").into_bytes();
            }
        }
    }
    bytes
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(claimguard_tests::proptest_config(256))]

    /// Any Authorization value the HTTP layer lets through.
    #[test]
    fn arbitrary_authorization_bytes(
        prefix in prop::sample::select(vec!["", "Bearer ", "bearer\t", "Basic ", "Bearer"]),
        value in prop::collection::vec(header_byte(), 0..200),
        twice in any::<bool>(),
    ) {
        let value = [prefix.as_bytes(), &value].concat();
        prop_assume!(HeaderValue::from_bytes(&value).is_ok());
        let mut headers = vec![("authorization", value.as_slice())];
        if twice {
            headers.push(("authorization", value.as_slice()));
        }
        let reply = send(&headers);
        assert_well_formed(&reply);
        assert_no_echo(&reply, &value);
        // Random bytes are never a valid token.
        prop_assert_ne!(reply.status, StatusCode::OK);
        if twice {
            prop_assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        }
    }

    /// Tokens of random segments.
    #[test]
    fn random_segments(
        segments in prop::collection::vec(b64_segment(), 0..6),
    ) {
        let token = segments.join(".");
        prop_assume!(!token.trim().is_empty());
        let reply = send_token(&token);
        prop_assert_ne!(reply.status, StatusCode::OK);
    }

    /// Random headers and claims, genuinely signed: the Router and `verify`
    /// agree, and whatever is accepted respects every cap and time rule.
    #[test]
    fn random_claims_signed_with_the_real_key(
        header in header_object(),
        payload in claims_object(),
    ) {
        let token = sign_raw(J::HS256, &header, &payload);
        let reply = send_token(&token);
        let verdict = verifier().verify(&token);
        match &verdict {
            Ok(claims) => {
                prop_assert_eq!(reply.status, StatusCode::OK);
                assert_caps(claims);
                let value: Value = serde_json::from_str(&payload)
                    .unwrap_or_else(|e| panic!("{e}"));
                let exp = value.get("exp").and_then(Value::as_f64);
                prop_assert!(exp.is_some_and(|exp| exp >= (NOW + 1) as f64), "{payload}");
                prop_assert_eq!(value.get("iss"), Some(&json!(ISS)));
            }
            Err(rejection) => {
                let expected = claimguard::Rejection::new(rejection.reason());
                prop_assert_eq!(reply.status, expected.status());
                prop_assert_eq!(&reply.body, &expected.body());
            }
        }
    }

    /// A valid token with a few edits: accepted only when the edits left
    /// the token itself unchanged (whitespace the header layer trims).
    #[test]
    fn mutated_valid_tokens(edits in prop::collection::vec(edit(), 1..4)) {
        let token = good_token();
        let mutated = apply(&token, &edits);
        prop_assume!(HeaderValue::from_bytes(&mutated).is_ok());
        let value = [b"Bearer ".as_slice(), &mutated].concat();
        let reply = send(&[("authorization", value.as_slice())]);
        assert_well_formed(&reply);
        assert_no_echo(&reply, &mutated);
        if reply.status == StatusCode::OK {
            let text = String::from_utf8_lossy(&mutated);
            prop_assert_eq!(text.trim_matches([' ', '\t']), token.as_str(), "forgery accepted");
        }
    }

    /// Cookie and custom-header style values through the bearer app:
    /// whatever else is sent, only the Authorization header counts.
    #[test]
    fn other_headers_never_count(
        cookie in prop::collection::vec(0x20u8..0x7f, 0..80),
        junk in prop::collection::vec(header_byte(), 0..80),
    ) {
        prop_assume!(HeaderValue::from_bytes(&junk).is_ok());
        let reply = send(&[("cookie", cookie.as_slice()), ("x-token", junk.as_slice())]);
        reply.assert_missing();
    }
}

proptest! {
    #![proptest_config(claimguard_tests::proptest_config(2048))]

    /// Arbitrary bytes through the derived bounded deserializer.
    #[test]
    fn arbitrary_payload_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(claims) = serde_json::from_slice::<Fz>(&bytes) {
            assert_caps(&claims);
        }
    }

    /// JSON-shaped payloads through the derived deserializer.
    #[test]
    fn arbitrary_json_payloads(payload in claims_object()) {
        if let Ok(claims) = serde_json::from_slice::<Fz>(payload.as_bytes()) {
            assert_caps(&claims);
        }
    }

    /// Valid payloads with a few byte edits through the derived deserializer.
    #[test]
    fn mutated_payloads(edits in prop::collection::vec(edit(), 1..4)) {
        let bytes = apply(&good_payload(), &edits);
        if let Ok(claims) = serde_json::from_slice::<Fz>(&bytes) {
            assert_caps(&claims);
        }
    }
}
