#![allow(dead_code)]

//! What both targets share: the claims type under test and its caps.

use std::collections::BTreeMap;

/// The HMAC secret the `extract` target signs with (and its seeds use).
pub const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The fixed "now" of the verifier's clock.
pub const NOW: u64 = 1_700_000_000;

#[derive(claimguard::Claims, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://issuer.example",
    audience = "api",
    max_token_bytes = 4096,
    required = [sub],
)]
pub struct Fz {
    #[claims(max_len = 16)]
    pub sub: String,
    #[claims(max_items = 3, max_len = 8, default)]
    pub roles: Vec<String>,
    #[claims(max_len = 6)]
    pub nick: Option<String>,
    #[claims(max_items = 2, max_len = 4, default)]
    pub tags: BTreeMap<String, u8>,
    pub level: Option<u8>,
}

/// Panics unless every cap of `Fz` holds.
pub fn assert_caps(c: &Fz) {
    assert!(c.sub.len() <= 16, "sub over its cap");
    assert!(c.roles.len() <= 3, "too many roles");
    assert!(c.roles.iter().all(|r| r.len() <= 8), "a role over its cap");
    assert!(
        c.nick.as_ref().is_none_or(|n| n.len() <= 6),
        "nick over its cap"
    );
    assert!(c.tags.len() <= 2, "too many tags");
    assert!(c.tags.keys().all(|k| k.len() <= 4), "a tag over its cap");
    let _ = c.level;
}
