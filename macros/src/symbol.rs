//! Every attribute keyword, in one place.

pub const CLAIMS: &str = "claims";

// Container keys.
pub const ALGORITHMS: &str = "algorithms";
pub const ISSUER: &str = "issuer";
pub const AUDIENCE: &str = "audience";
pub const LEEWAY: &str = "leeway";
pub const MAX_TOKEN_BYTES: &str = "max_token_bytes";
pub const SOURCE: &str = "source";
pub const REQUIRED: &str = "required";
pub const TYP: &str = "typ";
pub const REJECTION: &str = "rejection";
pub const CRATE: &str = "crate";
pub const CACHE: &str = "cache";

// Keys inside `cache(...)`.
pub const CAPACITY: &str = "capacity";
pub const TTL: &str = "ttl";
pub const CACHE_KEYS: &[&str] = &[CAPACITY, TTL];

pub const CONTAINER_KEYS: &[&str] = &[
    ALGORITHMS,
    ISSUER,
    AUDIENCE,
    LEEWAY,
    MAX_TOKEN_BYTES,
    SOURCE,
    REQUIRED,
    TYP,
    REJECTION,
    CRATE,
    CACHE,
];

/// The container keys `#[derive(Bounded)]` accepts.
pub const BOUNDED_CONTAINER_KEYS: &[&str] = &[CRATE];

// Field keys.
pub const MAX_LEN: &str = "max_len";
pub const MAX_ITEMS: &str = "max_items";
pub const RENAME: &str = "rename";
pub const DEFAULT: &str = "default";
pub const SCOPES: &str = "scopes";
pub const ROLES: &str = "roles";

pub const FIELD_KEYS: &[&str] = &[MAX_LEN, MAX_ITEMS, RENAME, DEFAULT, SCOPES, ROLES];
pub const VARIANT_KEYS: &[&str] = &[RENAME];

// `source = ...` forms.
pub const BEARER: &str = "bearer";
pub const COOKIE: &str = "cookie";
pub const HEADER: &str = "header";

// `requirement!`: what a requirement is made of.
pub const SCOPE: &str = "scope";
pub const ROLE: &str = "role";
pub const ALL: &str = "all";
pub const ANY: &str = "any";
pub const REQUIREMENT_PARTS: &[&str] = &[SCOPE, ROLE, ALL, ANY];

pub const ALGORITHM_NAMES: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "EdDSA",
];

pub const REGISTERED_CLAIMS: &[(&str, &str)] = &[
    ("exp", "Exp"),
    ("nbf", "Nbf"),
    ("iat", "Iat"),
    ("iss", "Iss"),
    ("aud", "Aud"),
    ("sub", "Sub"),
    ("jti", "Jti"),
];

/// The candidate closest to `word`, if it is close enough to be a typo.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 2).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(cb));
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_keys_only() {
        assert_eq!(nearest("algorithm", CONTAINER_KEYS), Some("algorithms"));
        assert_eq!(nearest("isuer", CONTAINER_KEYS), Some("issuer"));
        assert_eq!(nearest("max_lenght", FIELD_KEYS), Some("max_len"));
        assert_eq!(nearest("zzzzzz", CONTAINER_KEYS), None);
    }
}
