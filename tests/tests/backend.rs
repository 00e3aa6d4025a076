//! The crypto backend is the one the features choose, decided at compile
//! time: `aws_lc_rs` wins when both are on, as feature unification in a large
//! application can make it, and verification works either way.

use claimguard::{Claims, Key, Verifier};
use claimguard_tests::{NOW, SECRET, sign};
use jsonwebtoken::Algorithm as J;

#[derive(Claims, Debug)]
#[claims(algorithms = [HS256, ES256, EdDSA, RS256])]
struct AnyAlg {
    #[claims(max_len = 16)]
    sub: String,
}

#[test]
fn the_backend_is_the_one_the_features_choose() {
    let expected = if cfg!(feature = "aws_lc_rs") {
        "aws-lc-rs"
    } else {
        "rust-crypto"
    };
    assert_eq!(claimguard::CRYPTO_BACKEND, expected);
    println!(
        "backend {} (rust_crypto on: {}, aws_lc_rs on: {})",
        claimguard::CRYPTO_BACKEND,
        cfg!(feature = "rust_crypto"),
        cfg!(feature = "aws_lc_rs")
    );
}

#[test]
fn the_chosen_backend_verifies_every_family() {
    let keys = [
        Key::hmac(SECRET),
        Key::ec_pem(claimguard_tests::fixture("p256.pub.pem")),
        Key::ed25519_pem(claimguard_tests::fixture("ed25519.pub.pem")),
        Key::rsa_pem(claimguard_tests::fixture("rsa.pub.pem")),
    ];
    let payload = format!(r#"{{"sub":"alice","exp":{}}}"#, NOW + 60);
    for (key, alg) in keys
        .into_iter()
        .zip([J::HS256, J::ES256, J::EdDSA, J::RS256])
    {
        let verifier = Verifier::<AnyAlg>::builder()
            .key(key.unwrap_or_else(|e| panic!("{e}")))
            .clock(claimguard_tests::clock())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let claims = verifier.verify(&sign(alg, &payload));
        assert_eq!(
            claims.map(|c| c.sub).ok().as_deref(),
            Some("alice"),
            "{alg:?}"
        );
        let forged = sign(alg, &payload).replace(".e", ".f");
        assert!(verifier.verify(&forged).is_err(), "{alg:?}");
    }
}
