//! The claims type the property tests (`tests/tests/fuzz_props.rs`) and the
//! cargo-fuzz targets (`fuzz/`) both throw arbitrary input at, and the caps
//! every value it accepts must respect.

use std::collections::BTreeMap;

/// Issuer, audience and a required `sub`, strings and collections at small
/// caps, an optional scalar.
#[derive(claimguard::Claims, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://issuer.example",
    audience = "api",
    max_token_bytes = 4096,
    required = [sub],
)]
pub struct Fz {
    /// At most 16 bytes.
    #[claims(max_len = 16)]
    pub sub: String,
    /// At most 3 roles of at most 8 bytes; empty when absent.
    #[claims(max_items = 3, max_len = 8, default)]
    pub roles: Vec<String>,
    /// At most 6 bytes.
    #[claims(max_len = 6)]
    pub nick: Option<String>,
    /// At most 2 tags, keys of at most 4 bytes; empty when absent.
    #[claims(max_items = 2, max_len = 4, default)]
    pub tags: BTreeMap<String, u8>,
    /// Any byte, or absent.
    pub level: Option<u8>,
}

/// The issuer `Fz` accepts.
pub const FZ_ISSUER: &str = "https://issuer.example";

/// Panics unless every cap of `Fz` holds.
pub fn assert_caps(c: &Fz) {
    assert!(c.sub.len() <= 16, "sub {} bytes", c.sub.len());
    assert!(c.roles.len() <= 3, "{} roles", c.roles.len());
    assert!(c.roles.iter().all(|r| r.len() <= 8), "a role over 8 bytes");
    assert!(
        c.nick.as_ref().is_none_or(|n| n.len() <= 6),
        "nick too long"
    );
    assert!(c.tags.len() <= 2, "{} tags", c.tags.len());
    assert!(c.tags.keys().all(|k| k.len() <= 4), "a tag over 4 bytes");
    let _ = c.level;
}
