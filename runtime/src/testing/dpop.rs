//! A DPoP client for tests (RFC 9449): a key pair (one of the kit's
//! embedded keys), its thumbprint for a token's `cnf.jkt`, and proofs for a
//! method and a URI, well-formed or bent on purpose.

use core::fmt;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use super::keyring::{Family, KEYS};
use super::sign::Signers;
use crate::Algorithm;
use crate::keys::crypto::Prepared;
use crate::token::base64url;

/// A DPoP client key, for tests: it signs proofs with one of the kit's
/// embedded private keys (test-only keys, never for production).
///
/// ```
/// use claimguard::Algorithm;
/// use claimguard::testing::DpopKey;
///
/// # fn main() -> std::io::Result<()> {
/// let key = DpopKey::new(Algorithm::ES256)?;
/// // The token's binding: `"cnf": {"jkt": key.thumbprint()}`.
/// assert_eq!(key.thumbprint().len(), 43);
/// let proof = key.proof("GET", "https://api.example.com/orders", Some("the.access.token"), 1_700_000_000);
/// assert_eq!(proof.split('.').count(), 3);
/// # Ok(()) }
/// ```
pub struct DpopKey {
    signers: Arc<Signers>,
    index: usize,
    alg: Algorithm,
    jwk: Value,
    thumbprint: String,
    /// The public key made as a verifier makes a proof's, once.
    public: Option<Prepared>,
    /// Makes every `jti` of this key unique, with a random part so that
    /// two runs against one Redis never collide.
    counter: AtomicU64,
    random: u64,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("alg", &self.alg)
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// The first embedded key that signs with `alg` (an asymmetric one).
    pub fn new(alg: Algorithm) -> io::Result<Self> {
        Self::nth(alg, 0)
    }

    /// The `n`-th embedded key that signs with `alg` (three RSA, P-256 and
    /// Ed25519 keys, two P-384), so that a test can hold two different
    /// keys.
    pub fn nth(alg: Algorithm, n: usize) -> io::Result<Self> {
        let family = Family::of(alg);
        let index = KEYS
            .iter()
            .enumerate()
            .filter(|(_, key)| key.family == family && family != Family::Hmac)
            .map(|(i, _)| i)
            .nth(n)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such embedded key"))?;
        let mut jwk: Value = serde_json::from_str(KEYS[index].jwk)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if let Some(members) = jwk.as_object_mut() {
            members.remove("kid");
        }
        let thumbprint = thumbprint_of(&jwk);
        let public = crate::dpop::proof_key(&jwk.to_string(), alg);
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(index);
        Ok(Self {
            signers: Arc::new(Signers::load()?),
            index,
            alg,
            jwk,
            thumbprint,
            public,
            counter: AtomicU64::new(0),
            random: hasher.finish(),
        })
    }

    /// The algorithm its proofs are signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// Its public key as a JWK.
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// Its RFC 7638 thumbprint: what a bound token's `cnf.jkt` holds.
    pub fn thumbprint(&self) -> String {
        self.thumbprint.clone()
    }

    /// Whether `proof`'s signature is this key's: the one signature check
    /// a verifier makes of a proof, with the key made once (when this
    /// `DpopKey` was), nothing else of the proof judged. (What a benchmark
    /// takes as the floor of a proof's cost.)
    pub fn signed(&self, proof: &str) -> bool {
        let Some((input, signature)) = proof.rsplit_once('.') else {
            return false;
        };
        self.public
            .as_ref()
            .is_some_and(|key| key.verify(input.as_bytes(), signature.as_bytes()).is_ok())
    }

    /// A fresh `jti`.
    pub fn jti(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}-{n}", self.random)
    }

    /// A proof's header: `typ`, `alg` and the public `jwk`.
    pub fn header(&self) -> Value {
        json!({ "typ": "dpop+jwt", "alg": self.alg.name(), "jwk": self.jwk })
    }

    /// A proof's claims for `method` and `uri` at `iat`, with a fresh `jti`
    /// and, with an access token, its `ath`.
    pub fn claims(&self, method: &str, uri: &str, token: Option<&str>, iat: u64) -> Value {
        let mut claims = json!({ "jti": self.jti(), "htm": method, "htu": uri, "iat": iat });
        if let (Some(token), Some(members)) = (token, claims.as_object_mut()) {
            members.insert("ath".into(), Value::String(ath(token)));
        }
        claims
    }

    /// `header` and `claims` signed with this key: a proof, bent at will.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        self.signers
            .token(self.alg, Some(self.index), header, claims)
    }

    /// A proof for `method` and `uri` at `iat`, for `token`.
    pub fn proof(&self, method: &str, uri: &str, token: Option<&str>, iat: u64) -> String {
        self.sign(&self.header(), &self.claims(method, uri, token, iat))
    }
}

/// The `ath` of an access token: base64url(SHA-256(token)).
pub fn ath(token: &str) -> String {
    base64url::encode(&crate::dpop::sha256(token.as_bytes()))
}

/// The RFC 7638 thumbprint of a public JWK.
fn thumbprint_of(jwk: &Value) -> String {
    let member = |name: &str| jwk.get(name).and_then(Value::as_str).unwrap_or_default();
    let canonical = match member("kty") {
        "RSA" => format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            member("e"),
            member("n")
        ),
        "EC" => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            member("crv"),
            member("x"),
            member("y")
        ),
        _ => format!(
            r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#,
            member("crv"),
            member("x")
        ),
    };
    crate::dpop::thumbprint(&canonical)
}
