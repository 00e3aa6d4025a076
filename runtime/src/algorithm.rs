//! The signature algorithms a claims type can pin.

use core::fmt;

/// A JWS signature algorithm that claimguard verifies.
///
/// `none` is not a variant: an unsigned token can never be pinned, so it can
/// never be accepted. ES512 is absent because jsonwebtoken's backends do not
/// verify it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC with SHA-256; the secret must be at least 32 bytes.
    HS256,
    /// HMAC with SHA-384; the secret must be at least 48 bytes.
    HS384,
    /// HMAC with SHA-512; the secret must be at least 64 bytes.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// EdDSA on Ed25519.
    EdDSA,
}

impl Algorithm {
    /// Every algorithm claimguard verifies.
    pub const ALL: [Algorithm; 12] = [
        Self::HS256,
        Self::HS384,
        Self::HS512,
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
    ];

    /// The name as it appears in a token's `alg` header member.
    pub const fn name(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Parses an `alg` header value. Names are case-sensitive (RFC 7515 §4.1.1),
    /// so `hs256` or `None` are unknown, not aliases.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// For HMAC algorithms, the shortest secret accepted: the hash's output size.
    pub const fn min_hmac_secret(self) -> Option<usize> {
        match self {
            Self::HS256 => Some(32),
            Self::HS384 => Some(48),
            Self::HS512 => Some(64),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Algorithm;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
            // The JOSE names jsonwebtoken knows too.
            let jwt: Result<jsonwebtoken::Algorithm, _> = alg.name().parse();
            assert_eq!(
                jwt.map(|j| format!("{j:?}")).ok().as_deref(),
                Some(alg.name())
            );
        }
        for bad in ["none", "None", "NONE", "hs256", "ES512", "", "HS256 "] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
    }
}
