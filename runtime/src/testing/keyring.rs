//! The embedded test keys, and which of them an issuer has put in use and
//! publishes.

use crate::Algorithm;

/// The HMAC secret [`TestIssuer::mint`](super::TestIssuer::mint) signs
/// `HS256`, `HS384` and `HS512` tokens with (kid [`HMAC_KID`]): 64 bytes, long
/// enough for HS512. It is never published: a JWK set holds no symmetric
/// keys. Test-only, like every key of this kit.
pub const HMAC_SECRET: &[u8; 64] =
    b"claimguard-testing-hmac-secret-NOT-A-REAL-SECRET-0123456789abcd!";

/// The kid of [`HMAC_SECRET`] in the headers of HMAC tokens.
pub const HMAC_KID: &str = "hmac-1";

/// A family of keys: the algorithms one key can sign with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// RSA: RS256..RS512 and PS256..PS512.
    Rsa,
    /// ECDSA on P-256: ES256.
    P256,
    /// ECDSA on P-384: ES384.
    P384,
    /// Ed25519: EdDSA.
    Ed25519,
    /// HMAC: HS256..HS512, with [`HMAC_SECRET`] only.
    Hmac,
}

impl Family {
    /// The family of keys that sign with `alg`.
    pub(crate) const fn of(alg: Algorithm) -> Self {
        match alg {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Self::Hmac,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => Self::Rsa,
            Algorithm::ES256 => Self::P256,
            Algorithm::ES384 => Self::P384,
            Algorithm::EdDSA => Self::Ed25519,
        }
    }
}

/// One embedded key pair: its kid, family, private key (PKCS#8 PEM) and
/// public JWK (compact JSON text, with its kid and no `alg`).
#[derive(Debug)]
pub(crate) struct EmbeddedKey {
    /// The key's stable kid, also its file name in `keys/`.
    pub(crate) kid: &'static str,
    /// The algorithms it signs with.
    pub(crate) family: Family,
    /// The private key, PKCS#8 PEM.
    pub(crate) pem: &'static str,
    /// The public JWK, one line of JSON.
    pub(crate) jwk: &'static str,
}

/// An [`EmbeddedKey`] from `keys/<kid>.pem` and `keys/<kid>.jwk.json`.
macro_rules! embedded {
    ($kid:literal, $family:ident) => {
        EmbeddedKey {
            kid: $kid,
            family: Family::$family,
            pem: include_str!(concat!("keys/", $kid, ".pem")),
            jwk: include_str!(concat!("keys/", $kid, ".jwk.json")),
        }
    };
}

/// Every embedded key, each family's in the order [`KeyState::rotate`] puts
/// them in use.
pub(crate) static KEYS: [EmbeddedKey; 11] = [
    embedded!("rsa-1", Rsa),
    embedded!("rsa-2", Rsa),
    embedded!("rsa-3", Rsa),
    embedded!("p256-1", P256),
    embedded!("p256-2", P256),
    embedded!("p256-3", P256),
    embedded!("p384-1", P384),
    embedded!("p384-2", P384),
    embedded!("ed25519-1", Ed25519),
    embedded!("ed25519-2", Ed25519),
    embedded!("ed25519-3", Ed25519),
];

/// Which keys an issuer has put in use and which it publishes, as indices
/// into [`KEYS`].
#[derive(Debug)]
pub(crate) struct KeyState {
    /// Every key put in use, oldest first; retired keys stay here.
    in_use: Vec<usize>,
    /// The published set, in the order the JWKS lists it.
    published: Vec<usize>,
}

impl KeyState {
    /// The first key of each family, all published.
    pub(crate) fn new() -> Self {
        let mut state = Self {
            in_use: Vec::new(),
            published: Vec::new(),
        };
        for family in [Family::Rsa, Family::P256, Family::P384, Family::Ed25519] {
            if let Some(index) = state.next_unused(family) {
                state.in_use.push(index);
                state.published.push(index);
            }
        }
        state
    }

    /// The first embedded key of `family` not yet in use.
    fn next_unused(&self, family: Family) -> Option<usize> {
        (0..KEYS.len()).find(|i| KEYS[*i].family == family && !self.in_use.contains(i))
    }

    /// Puts the next unused key of `family` in use, first in the published
    /// set; its index, or `None` when the family has no unused key left.
    pub(crate) fn rotate(&mut self, family: Family) -> Option<usize> {
        let index = self.next_unused(family)?;
        self.in_use.push(index);
        self.published.insert(0, index);
        Some(index)
    }

    /// Stops publishing `kid`; whether it was published.
    pub(crate) fn retire(&mut self, kid: &str) -> bool {
        let before = self.published.len();
        self.published.retain(|i| KEYS[*i].kid != kid);
        self.published.len() != before
    }

    /// The key `mint` signs with for `family`: the first published one, or
    /// else (all retired) the one put in use last.
    pub(crate) fn current(&self, family: Family) -> Option<usize> {
        let published = self.published.iter().find(|i| KEYS[**i].family == family);
        let newest = || {
            self.in_use
                .iter()
                .rev()
                .find(|i| KEYS[**i].family == family)
        };
        published.or_else(newest).copied()
    }

    /// The key named `kid` if it is or was in use.
    pub(crate) fn used(&self, kid: &str) -> Option<usize> {
        self.in_use.iter().copied().find(|i| KEYS[*i].kid == kid)
    }

    /// The published keys, in set order.
    pub(crate) fn published(&self) -> impl Iterator<Item = &'static EmbeddedKey> + '_ {
        self.published.iter().map(|i| &KEYS[*i])
    }

    /// The JWK set document of the published keys.
    pub(crate) fn jwks_json(&self) -> String {
        let jwks: Vec<&str> = self.published().map(|key| key.jwk.trim()).collect();
        format!("{{\"keys\":[{}]}}", jwks.join(","))
    }

    /// The algorithms some published key signs with, in [`Algorithm::ALL`]
    /// order.
    pub(crate) fn published_algorithms(&self) -> Vec<&'static str> {
        let families: Vec<Family> = self.published().map(|key| key.family).collect();
        Algorithm::ALL
            .into_iter()
            .filter(|alg| families.contains(&Family::of(*alg)))
            .map(Algorithm::name)
            .collect()
    }
}
