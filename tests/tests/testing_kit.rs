//! The test kit through a real HTTP client: every method and every mode.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimguard::Algorithm;
use claimguard::testing::{HMAC_KID, HMAC_SECRET, Mode, TestIssuer};
use jsonwebtoken::DecodingKey;
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use jsonwebtoken::jwk::Jwk;
use reqwest::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use reqwest::{Client, Response, StatusCode, redirect};
use serde_json::{Value, json};

/// A started issuer.
async fn issuer() -> TestIssuer {
    TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"))
}

/// A client that does not follow redirects.
fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// GET `url`.
async fn get(client: &Client, url: &str) -> Response {
    client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// GET `url`'s body as text.
async fn text(client: &Client, url: &str) -> String {
    get(client, url)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A header's value as text ("" when absent).
fn header(response: &Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap_or_else(|e| panic!("{e}")).to_owned())
        .unwrap_or_default()
}

/// JSON text parsed.
fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A token's header and payload.
fn parts(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut next = || {
        let part = parts.next().unwrap_or_else(|| panic!("{token}"));
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_slice::<Value>(&bytes).unwrap_or_else(|e| panic!("{e}"))
    };
    (next(), next())
}

/// jsonwebtoken's `alg`.
fn jose(alg: Algorithm) -> jsonwebtoken::Algorithm {
    alg.name().parse().unwrap_or_else(|e| panic!("{e}"))
}

/// Whether `token`'s signature verifies with `alg` and `key`, through the
/// RustCrypto provider called explicitly.
fn verifies(token: &str, alg: Algorithm, key: &DecodingKey) -> bool {
    let (message, signature) = token.rsplit_once('.').unwrap_or_else(|| panic!("{token}"));
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap_or_else(|e| panic!("{e}"));
    let verifier =
        (DEFAULT_PROVIDER.verifier_factory)(&jose(alg), key).unwrap_or_else(|e| panic!("{e}"));
    verifier.verify(message.as_bytes(), &signature).is_ok()
}

/// The key `kid` of a JWK set document.
fn jwk(jwks: &Value, kid: &str) -> DecodingKey {
    let keys = jwks["keys"].as_array().unwrap_or_else(|| panic!("{jwks}"));
    let key = keys
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("no {kid} in {jwks}"));
    let jwk: Jwk = serde_json::from_value(key.clone()).unwrap_or_else(|e| panic!("{e}"));
    DecodingKey::from_jwk(&jwk).unwrap_or_else(|e| panic!("{e}"))
}

/// [`HMAC_SECRET`] as a key.
fn hmac_key() -> DecodingKey {
    DecodingKey::from_secret(HMAC_SECRET).unwrap_or_else(|e| panic!("{e}"))
}

/// Reads at most `limit` bytes of `response`'s body (at least one chunk),
/// then drops it.
async fn prefix(mut response: Response, limit: usize) -> Vec<u8> {
    let mut read = Vec::new();
    while read.len() < limit {
        match response.chunk().await.unwrap_or_else(|e| panic!("{e}")) {
            Some(chunk) => read.extend_from_slice(&chunk),
            None => break,
        }
    }
    read
}

/// The families' first keys.
const FIRST: [&str; 4] = ["rsa-1", "p256-1", "p384-1", "ed25519-1"];

#[tokio::test]
async fn urls_and_debug() {
    let idp = issuer().await;
    let issuer = idp.issuer();
    let port = issuer
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{issuer}"));
    assert!(port.parse::<u16>().is_ok_and(|p| p != 0), "{issuer}");
    assert_eq!(idp.jwks_uri(), format!("{issuer}/jwks"));
    assert_eq!(
        idp.discovery_uri(),
        format!("{issuer}/.well-known/openid-configuration")
    );
    assert_eq!(
        format!("{idp:?}"),
        format!("TestIssuer {{ issuer: {issuer:?}, .. }}")
    );
}

#[tokio::test]
async fn serves_the_published_set() {
    let idp = issuer().await;
    let client = client();
    assert_eq!(idp.published(), FIRST);
    assert_eq!(idp.jwks_requests(), 0);
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "application/jwk-set+json");
    assert_eq!(header(&response, CACHE_CONTROL), "");
    let body = response.text().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body, idp.jwks_json());
    let jwks = parse(&body);
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|k| k["kid"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kids, FIRST);
    for key in jwks["keys"].as_array().into_iter().flatten() {
        assert!(key.get("alg").is_none(), "{key}");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(private).is_none(), "{key}");
        }
    }
    assert_eq!(idp.jwks_requests(), 1);
    assert_eq!(idp.discovery_requests(), 0);
}

#[tokio::test]
async fn serves_the_discovery_document() {
    let idp = issuer().await;
    let client = client();
    let response = get(&client, &idp.discovery_uri()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "application/json");
    let doc = parse(&response.text().await.unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(
        doc,
        json!({
            "issuer": idp.issuer(),
            "jwks_uri": idp.jwks_uri(),
            "id_token_signing_alg_values_supported":
                ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        })
    );
    assert_eq!(idp.discovery_requests(), 1);
    assert_eq!(idp.jwks_requests(), 0);

    idp.set_discovery_issuer("https://elsewhere.example");
    for kid in FIRST.iter().skip(1) {
        assert!(idp.retire(kid));
    }
    let doc = parse(&text(&client, &idp.discovery_uri()).await);
    assert_eq!(doc["issuer"], "https://elsewhere.example");
    assert_eq!(doc["jwks_uri"], idp.jwks_uri().as_str());
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
    );
    assert_eq!(idp.discovery_requests(), 2);
}

#[tokio::test]
async fn unknown_paths_are_404_and_not_counted() {
    let idp = issuer().await;
    let client = client();
    for path in ["/", "/jwks/", "/.well-known/jwks.json", "/JWKS"] {
        let response = get(&client, &format!("{}{path}", idp.issuer())).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let response = get(&client, &format!("{}?x=1", idp.jwks_uri())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(idp.jwks_requests(), 1);
    assert_eq!(idp.discovery_requests(), 0);
}

#[tokio::test]
async fn minted_tokens_verify_for_every_algorithm() {
    let idp = issuer().await;
    let jwks = parse(&text(&client(), &idp.jwks_uri()).await);
    let claims = json!({"sub": "alice", "n": [1, 2.5, null], "nested": {"a": "é"}});
    for alg in Algorithm::ALL {
        let token = idp.mint(alg, &claims);
        let (header, payload) = parts(&token);
        assert_eq!(payload, claims, "{alg}");
        let kid = header["kid"].as_str().unwrap_or_else(|| panic!("{header}"));
        assert_eq!(
            header,
            json!({"alg": alg.name(), "typ": "JWT", "kid": kid}),
            "{alg}"
        );
        let key = match alg.min_hmac_secret() {
            Some(_) => {
                assert_eq!(kid, HMAC_KID);
                hmac_key()
            }
            None => jwk(&jwks, kid),
        };
        assert!(verifies(&token, alg, &key), "{alg}");
        let mut tampered = token.clone();
        tampered.insert(token.find('.').unwrap_or_default() + 1, 'e');
        assert!(!verifies(&tampered, alg, &key), "{alg}");
    }
    // Any JSON is the payload, verbatim.
    for claims in [json!([1, 2]), json!("text"), json!(null), json!({})] {
        let token = idp.mint(Algorithm::ES256, &claims);
        assert_eq!(parts(&token).1, claims);
    }
}

#[tokio::test]
async fn every_embedded_key_matches_its_jwk() {
    let idp = issuer().await;
    let mut kids = Vec::new();
    for alg in [
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        while let Some(kid) = idp.rotate(alg) {
            kids.push((alg, kid));
        }
    }
    assert_eq!(kids.len(), 7);
    assert_eq!(idp.published().len(), 11);
    let jwks = parse(&text(&client(), &idp.jwks_uri()).await);
    for kid in idp.published() {
        let alg = match kid.split('-').next() {
            Some("rsa") => Algorithm::PS384,
            Some("p256") => Algorithm::ES256,
            Some("p384") => Algorithm::ES384,
            _ => Algorithm::EdDSA,
        };
        let token = idp
            .mint_with(alg, &kid, &json!({}), &json!({"k": kid}))
            .unwrap_or_else(|| panic!("{kid}"));
        assert!(verifies(&token, alg, &jwk(&jwks, &kid)), "{kid}");
        let other = if kid.ends_with("-1") { "-2" } else { "-1" };
        let other = format!("{}{other}", kid.rsplit_once('-').map_or("", |p| p.0));
        assert!(!verifies(&token, alg, &jwk(&jwks, &other)), "{kid}");
    }
}

#[tokio::test]
async fn rotation_publishes_new_keys_first() {
    let idp = issuer().await;
    let client = client();
    assert_eq!(idp.rotate(Algorithm::RS256).as_deref(), Some("rsa-2"));
    assert_eq!(
        idp.published(),
        ["rsa-2", "rsa-1", "p256-1", "p384-1", "ed25519-1"]
    );
    let token = idp.mint(Algorithm::RS512, &json!({"sub": "a"}));
    assert_eq!(parts(&token).0["kid"], "rsa-2");
    let jwks = parse(&text(&client, &idp.jwks_uri()).await);
    assert!(verifies(&token, Algorithm::RS512, &jwk(&jwks, "rsa-2")));
    assert!(!verifies(&token, Algorithm::RS512, &jwk(&jwks, "rsa-1")));

    assert_eq!(idp.rotate(Algorithm::PS256).as_deref(), Some("rsa-3"));
    assert_eq!(idp.rotate(Algorithm::RS256), None);
    assert_eq!(idp.rotate(Algorithm::ES384).as_deref(), Some("p384-2"));
    assert_eq!(idp.rotate(Algorithm::ES384), None);
    assert_eq!(idp.rotate(Algorithm::EdDSA).as_deref(), Some("ed25519-2"));
    assert_eq!(idp.rotate(Algorithm::ES256).as_deref(), Some("p256-2"));
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        assert_eq!(idp.rotate(alg), None);
    }
    assert_eq!(
        idp.published(),
        [
            "p256-2",
            "ed25519-2",
            "p384-2",
            "rsa-3",
            "rsa-2",
            "rsa-1",
            "p256-1",
            "p384-1",
            "ed25519-1"
        ]
    );
    let jwks = parse(&text(&client, &idp.jwks_uri()).await);
    let kids: Vec<Value> = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(json!(kids), json!(idp.published()));
}

#[tokio::test]
async fn retired_keys_leave_the_set_but_still_sign() {
    let idp = issuer().await;
    let client = client();
    let before = parse(&text(&client, &idp.jwks_uri()).await);
    assert!(idp.retire("rsa-1"));
    assert!(!idp.retire("rsa-1"));
    assert!(!idp.retire("rsa-2"));
    assert!(!idp.retire("nope"));
    assert_eq!(idp.published(), ["p256-1", "p384-1", "ed25519-1"]);
    let after = text(&client, &idp.jwks_uri()).await;
    assert!(!after.contains("rsa-1"), "{after}");

    // With every RSA key retired, `mint` signs with the last one in use.
    let token = idp.mint(Algorithm::RS256, &json!({}));
    assert_eq!(parts(&token).0["kid"], "rsa-1");
    let token = idp
        .mint_with(Algorithm::RS256, "rsa-1", &json!({}), &json!({"sub": "x"}))
        .unwrap_or_else(|| panic!("retired keys sign"));
    assert!(verifies(&token, Algorithm::RS256, &jwk(&before, "rsa-1")));

    // A rotated-in key takes over; a retired newer key falls back to the
    // published older one.
    assert_eq!(idp.rotate(Algorithm::RS256).as_deref(), Some("rsa-2"));
    assert_eq!(
        parts(&idp.mint(Algorithm::RS256, &json!({}))).0["kid"],
        "rsa-2"
    );
    assert_eq!(idp.rotate(Algorithm::ES256).as_deref(), Some("p256-2"));
    assert!(idp.retire("p256-2"));
    assert_eq!(
        parts(&idp.mint(Algorithm::ES256, &json!({}))).0["kid"],
        "p256-1"
    );
}

#[tokio::test]
async fn mint_with_merges_the_header_and_refuses_foreign_kids() {
    let idp = issuer().await;
    let jwks = parse(&text(&client(), &idp.jwks_uri()).await);
    let claims = json!({"sub": "bob"});

    let token = idp
        .mint_with(
            Algorithm::ES256,
            "p256-1",
            &json!({"typ": "at+jwt", "x5t": "abc"}),
            &claims,
        )
        .unwrap_or_else(|| panic!("mint_with"));
    let (header, payload) = parts(&token);
    assert_eq!(
        header,
        json!({"alg": "ES256", "typ": "at+jwt", "kid": "p256-1", "x5t": "abc"})
    );
    assert_eq!(payload, claims);
    assert!(verifies(&token, Algorithm::ES256, &jwk(&jwks, "p256-1")));

    // `null` removes a member; `alg` and `kid` can lie.
    let token = idp
        .mint_with(
            Algorithm::EdDSA,
            "ed25519-1",
            &json!({"kid": null, "typ": null}),
            &claims,
        )
        .unwrap_or_else(|| panic!("mint_with"));
    assert_eq!(parts(&token).0, json!({"alg": "EdDSA"}));
    assert!(verifies(&token, Algorithm::EdDSA, &jwk(&jwks, "ed25519-1")));
    let token = idp
        .mint_with(
            Algorithm::RS256,
            "rsa-1",
            &json!({"alg": "none", "kid": "other"}),
            &claims,
        )
        .unwrap_or_else(|| panic!("mint_with"));
    assert_eq!(
        parts(&token).0,
        json!({"alg": "none", "typ": "JWT", "kid": "other"})
    );
    assert!(verifies(&token, Algorithm::RS256, &jwk(&jwks, "rsa-1")));

    // HMAC with its own kid only.
    let token = idp
        .mint_with(Algorithm::HS384, HMAC_KID, &json!({}), &claims)
        .unwrap_or_else(|| panic!("mint_with"));
    assert!(verifies(&token, Algorithm::HS384, &hmac_key()));

    let refused = [
        (Algorithm::RS256, "nope", json!({})),
        (Algorithm::RS256, "rsa-2", json!({})), // embedded, never put in use
        (Algorithm::RS256, "p256-1", json!({})), // wrong family
        (Algorithm::ES384, "p256-1", json!({})),
        (Algorithm::EdDSA, "rsa-1", json!({})),
        (Algorithm::HS256, "rsa-1", json!({})),
        (Algorithm::RS256, HMAC_KID, json!({})),
        (Algorithm::RS256, "rsa-1", json!(null)), // not an object
        (Algorithm::RS256, "rsa-1", json!(["typ"])),
        (Algorithm::RS256, "rsa-1", json!("typ")),
    ];
    for (alg, kid, header) in refused {
        assert_eq!(
            idp.mint_with(alg, kid, &header, &claims),
            None,
            "{alg} {kid} {header}"
        );
    }
    assert_eq!(idp.rotate(Algorithm::RS256).as_deref(), Some("rsa-2"));
    assert!(
        idp.mint_with(Algorithm::RS256, "rsa-2", &json!({}), &claims)
            .is_some()
    );
}

#[tokio::test]
async fn status_html_garbage_and_body_modes() {
    let idp = issuer().await;
    let client = client();

    idp.set_mode(Mode::Status(503));
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.text().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!body.is_empty() && body.len() < 64, "{body}");
    for (code, expected) in [
        (404, 404),
        (429, 429),
        (204, 204),
        (0, 500),
        (100, 500),
        (1000, 500),
        (999, 999),
    ] {
        idp.set_mode(Mode::Status(code));
        let response = get(&client, &idp.jwks_uri()).await;
        assert_eq!(response.status().as_u16(), expected, "{code}");
    }

    idp.set_mode(Mode::Html);
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, CONTENT_TYPE).starts_with("text/html"));
    let body = response.text().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(body.starts_with("<!doctype html>"), "{body}");

    idp.set_mode(Mode::Garbage);
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "application/json");
    let body = response.bytes().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!body.is_empty());
    assert!(serde_json::from_slice::<Value>(&body).is_err());

    let many = format!(
        "{{\"keys\":[{}]}}",
        vec![r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#; 10_000].join(",")
    );
    idp.set_mode(Mode::Body {
        content_type: "application/jwk-set+json; charset=utf-8".into(),
        body: many.clone(),
    });
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(
        header(&response, CONTENT_TYPE),
        "application/jwk-set+json; charset=utf-8"
    );
    assert_eq!(header(&response, CONTENT_LENGTH), many.len().to_string());
    assert_eq!(
        response.text().await.unwrap_or_else(|e| panic!("{e}")),
        many
    );

    for content_type in ["", "bad\nvalue"] {
        idp.set_mode(Mode::Body {
            content_type: content_type.into(),
            body: idp.jwks_json(),
        });
        let response = get(&client, &idp.jwks_uri()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, CONTENT_TYPE), "", "{content_type:?}");
        assert_eq!(
            response.text().await.unwrap_or_else(|e| panic!("{e}")),
            idp.jwks_json()
        );
    }

    idp.set_mode(Mode::Normal);
    assert_eq!(text(&client, &idp.jwks_uri()).await, idp.jwks_json());
    assert_eq!(idp.jwks_requests(), 14);
}

#[tokio::test]
async fn huge_bodies_stream_lazily() {
    let idp = issuer().await;
    let client = client();
    let two_gib = 2u64 << 30;
    idp.set_mode(Mode::Huge { bytes: two_gib });
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "application/json");
    assert_eq!(response.content_length(), Some(two_gib));
    let read = prefix(response, 1 << 20).await;
    assert!(read.starts_with(b"{\"keys\":[   "), "{:?}", &read[..16]);
    assert!(read.len() >= 1 << 20);

    // Small ones are complete, and valid JSON when there is room to frame.
    for bytes in [0u64, 5, 10, 11, 12, 16 * 1024 + 11, 100_000] {
        idp.set_mode(Mode::Huge { bytes });
        let body = get(&client, &idp.jwks_uri())
            .await
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body.len() as u64, bytes);
        if bytes >= 11 {
            let value: Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(value, json!({"keys": []}));
        } else {
            assert!(body.iter().all(|b| *b == b' '));
        }
    }
}

#[tokio::test]
async fn endless_bodies_never_end() {
    let idp = issuer().await;
    let client = client();
    idp.set_mode(Mode::Endless);
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "application/json");
    assert_eq!(response.content_length(), None);
    let read = prefix(response, 4 << 20).await;
    assert!(read.len() >= 4 << 20);
    assert!(read.starts_with(b"{\"keys\":[ "));
    // The server goes on serving.
    idp.set_mode(Mode::Normal);
    assert_eq!(text(&client, &idp.jwks_uri()).await, idp.jwks_json());
}

#[tokio::test]
async fn drip_sends_one_byte_at_a_time() {
    let idp = issuer().await;
    let client = client();
    idp.set_mode(Mode::Drip);
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "application/jwk-set+json");
    let length = response.content_length().unwrap_or_default();
    assert!(length >= 6000, "{length}");
    let mut response = response;
    let mut read = Vec::new();
    while read.len() < 3 {
        let chunk = response.chunk().await.unwrap_or_else(|e| panic!("{e}"));
        let chunk = chunk.unwrap_or_else(|| panic!("ended"));
        assert_eq!(chunk.len(), 1);
        read.extend_from_slice(&chunk);
    }
    assert_eq!(read, b"{\"k");
    drop(response);

    // The discovery document drips too, when asked.
    idp.set_mode(Mode::Normal);
    idp.set_discovery_mode(Mode::Drip);
    let response = get(&client, &idp.discovery_uri()).await;
    assert_eq!(header(&response, CONTENT_TYPE), "application/json");
    assert_eq!(prefix(response, 1).await, b"{");
}

#[tokio::test]
async fn hang_holds_requests_until_the_mode_changes() {
    let idp = Arc::new(issuer().await);
    let client = client();
    idp.set_mode(Mode::Hang);
    let first = tokio::spawn(client.get(idp.jwks_uri()).send());
    let second = tokio::spawn(client.get(idp.jwks_uri()).send());
    idp.wait_for_jwks_requests(2).await;
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!first.is_finished() && !second.is_finished());
    // The discovery endpoint is not held.
    assert_eq!(
        get(&client, &idp.discovery_uri()).await.status(),
        StatusCode::OK
    );

    idp.set_mode(Mode::Status(502));
    for held in [first, second] {
        let response = held
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    }

    idp.set_mode(Mode::Hang);
    let third = tokio::spawn(client.get(idp.jwks_uri()).send());
    idp.wait_for_jwks_requests(3).await;
    idp.set_mode(Mode::Normal);
    let response = third
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.text().await.unwrap_or_else(|e| panic!("{e}")),
        idp.jwks_json()
    );
}

#[tokio::test]
async fn redirect_loops_to_itself() {
    let idp = issuer().await;
    idp.set_mode(Mode::Redirect);
    let response = get(&client(), &format!("{}?a=b", idp.jwks_uri())).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        header(&response, LOCATION),
        format!("{}?a=b", idp.jwks_uri())
    );

    idp.set_discovery_mode(Mode::Redirect);
    let response = get(&client(), &idp.discovery_uri()).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(header(&response, LOCATION), idp.discovery_uri());

    // A client that follows redirects gives up.
    let following = Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let error = following.get(idp.jwks_uri()).send().await.err();
    assert!(error.is_some_and(|e| e.is_redirect()));
    assert!(idp.jwks_requests() > 2);
}

#[tokio::test]
async fn max_age_is_on_every_jwks_answer() {
    let idp = issuer().await;
    let client = client();
    idp.set_max_age(Some(300));
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(header(&response, CACHE_CONTROL), "max-age=300");
    idp.set_mode(Mode::Status(500));
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(header(&response, CACHE_CONTROL), "max-age=300");
    let response = get(&client, &idp.discovery_uri()).await;
    assert_eq!(header(&response, CACHE_CONTROL), "");
    idp.set_max_age(Some(0));
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(header(&response, CACHE_CONTROL), "max-age=0");
    idp.set_max_age(None);
    let response = get(&client, &idp.jwks_uri()).await;
    assert_eq!(header(&response, CACHE_CONTROL), "");
}

#[tokio::test]
async fn discovery_modes_are_separate() {
    let idp = issuer().await;
    let client = client();
    idp.set_discovery_mode(Mode::Status(500));
    assert_eq!(
        get(&client, &idp.discovery_uri()).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(get(&client, &idp.jwks_uri()).await.status(), StatusCode::OK);
    idp.set_discovery_mode(Mode::Garbage);
    let body = text(&client, &idp.discovery_uri()).await;
    assert!(serde_json::from_str::<Value>(&body).is_err());
    idp.set_mode(Mode::Html);
    idp.set_discovery_mode(Mode::Normal);
    let doc = parse(&text(&client, &idp.discovery_uri()).await);
    assert_eq!(doc["issuer"], idp.issuer().as_str());
    assert_eq!(idp.discovery_requests(), 3);
    assert_eq!(idp.jwks_requests(), 1);

    idp.set_discovery_mode(Mode::Hang);
    let held = tokio::spawn(client.get(idp.discovery_uri()).send());
    idp.wait_for_discovery_requests(4).await;
    assert_eq!(get(&client, &idp.jwks_uri()).await.status(), StatusCode::OK);
    assert!(!held.is_finished());
    idp.set_discovery_mode(Mode::Normal);
    let response = held
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn wait_for_requests_is_woken_by_arrivals() {
    let idp = Arc::new(issuer().await);
    idp.wait_for_jwks_requests(0).await;
    idp.wait_for_discovery_requests(0).await;
    let waiter = {
        let idp = Arc::clone(&idp);
        tokio::spawn(async move {
            idp.wait_for_jwks_requests(3).await;
            idp.jwks_requests()
        })
    };
    let discovery = {
        let idp = Arc::clone(&idp);
        tokio::spawn(async move { idp.wait_for_discovery_requests(1).await })
    };
    let client = client();
    for _ in 0..3 {
        get(&client, &idp.jwks_uri()).await;
    }
    assert!(waiter.await.unwrap_or_else(|e| panic!("{e}")) >= 3);
    assert!(!discovery.is_finished());
    get(&client, &idp.discovery_uri()).await;
    discovery.await.unwrap_or_else(|e| panic!("{e}"));
    idp.wait_for_jwks_requests(2).await;
}

#[tokio::test]
async fn down_refuses_connections_and_up_listens_again() {
    let idp = issuer().await;
    let pooled = client();
    assert_eq!(get(&pooled, &idp.jwks_uri()).await.status(), StatusCode::OK);
    idp.set_mode(Mode::Hang);
    let held = tokio::spawn(pooled.get(idp.jwks_uri()).send());
    idp.wait_for_jwks_requests(2).await;

    idp.down().await;
    idp.down().await;
    // The held request's connection was closed.
    let held = held.await.unwrap_or_else(|e| panic!("{e}"));
    assert!(held.is_err());
    // A new connection is refused.
    let error = client().get(idp.jwks_uri()).send().await.err();
    assert!(
        error.as_ref().is_some_and(reqwest::Error::is_connect),
        "{error:?}"
    );
    // So is a kept-alive client's next request.
    assert!(pooled.get(idp.jwks_uri()).send().await.is_err());
    assert_eq!(idp.jwks_requests(), 2);

    idp.up().await.unwrap_or_else(|e| panic!("{e}"));
    idp.up().await.unwrap_or_else(|e| panic!("{e}"));
    idp.set_mode(Mode::Normal);
    assert_eq!(text(&pooled, &idp.jwks_uri()).await, idp.jwks_json());
    assert_eq!(text(&client(), &idp.jwks_uri()).await, idp.jwks_json());
    assert_eq!(idp.jwks_requests(), 4);

    // Again, and the state is kept throughout.
    idp.rotate(Algorithm::EdDSA);
    idp.down().await;
    assert!(client().get(idp.jwks_uri()).send().await.is_err());
    idp.up().await.unwrap_or_else(|e| panic!("{e}"));
    let jwks = text(&client(), &idp.jwks_uri()).await;
    assert!(jwks.contains("ed25519-2"), "{jwks}");
}

#[tokio::test]
async fn drop_stops_the_server() {
    let idp = issuer().await;
    let client = client();
    let uri = idp.jwks_uri();
    idp.set_mode(Mode::Hang);
    let held = tokio::spawn(client.get(&uri).send());
    idp.wait_for_jwks_requests(1).await;
    drop(idp);
    assert!(held.await.unwrap_or_else(|e| panic!("{e}")).is_err());
    assert!(client.get(&uri).send().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_across_threads() {
    let idp = Arc::new(issuer().await);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let idp = Arc::clone(&idp);
        tasks.push(tokio::spawn(async move {
            let client = client();
            let jwks = parse(&text(&client, &idp.jwks_uri()).await);
            let token = idp.mint(Algorithm::ES256, &json!({"i": i}));
            verifies(&token, Algorithm::ES256, &jwk(&jwks, "p256-1"))
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap_or_else(|e| panic!("{e}")));
    }
    idp.wait_for_jwks_requests(8).await;
    assert_eq!(idp.jwks_requests(), 8);
}

#[test]
fn start_outside_a_runtime_is_an_error() {
    let mut start = std::pin::pin!(TestIssuer::start());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match start.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(_)) => {}
        std::task::Poll::Ready(Ok(idp)) => panic!("started: {idp:?}"),
        std::task::Poll::Pending => panic!("pending"),
    }
}

#[test]
fn mode_debug_hides_bodies() {
    let mode = Mode::Body {
        content_type: "application/json".into(),
        body: "x".repeat(1000),
    };
    assert_eq!(
        format!("{mode:?}"),
        "Body { content_type: \"application/json\", body_len: 1000 }"
    );
    assert_eq!(format!("{:?}", Mode::Status(503)), "Status(503)");
    assert_eq!(
        format!("{:?}", Mode::Huge { bytes: 7 }),
        "Huge { bytes: 7 }"
    );
    assert_eq!(Mode::Hang.clone(), Mode::Hang);
}
