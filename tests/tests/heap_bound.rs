//! The derive's worst-case heap size (`Bounded::MAX_HEAP`) holds for real
//! values parsed at every cap, measured with a counting allocator.

// The fields exist to be parsed and measured, not read.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use claimguard::Bounded;
use claimguard_tests::{CountingAlloc, measure};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[derive(claimguard::Bounded)]
enum Level {
    Low,
    High,
}

#[derive(claimguard::Bounded)]
struct Nested {
    #[claims(max_len = 20)]
    name: String,
    level: Level,
}

#[derive(claimguard::Claims)]
#[claims(algorithms = [HS256])]
struct Everything {
    #[claims(max_len = 64)]
    sub: String,
    exp: u64,
    #[claims(max_items = 8, max_len = 32)]
    roles: Vec<String>,
    #[claims(max_len = 254)]
    email: Option<String>,
    #[claims(max_items = 5, max_len = 16)]
    scores: HashMap<String, u32>,
    #[claims(max_items = 6, max_len = 12)]
    tags: BTreeSet<String>,
    #[claims(max_items = 7)]
    ids: HashSet<u64>,
    #[claims(max_items = 3, max_len = 10)]
    limits: BTreeMap<String, u16>,
    #[claims(max_len = 9)]
    pair: [String; 2],
    #[claims(max_len = 30)]
    boxed: Box<str>,
    #[claims(max_len = 30)]
    shared: Arc<str>,
    #[claims(max_items = 4)]
    nested: Vec<Nested>,
}

fn s(len: usize, tag: usize) -> String {
    // Distinct strings of exactly `len` bytes, with multi-byte characters.
    let mut out = format!("{tag:02}");
    while out.len() + 2 <= len {
        out.push('é');
    }
    while out.len() < len {
        out.push('x');
    }
    out
}

fn maximal() -> String {
    let list = |n: usize, len: usize| {
        (0..n)
            .map(|i| format!("\"{}\"", s(len, i)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let map = |n: usize, len: usize| {
        (0..n)
            .map(|i| format!("\"{}\":{i}", s(len, i)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let nested = (0..4)
        .map(|i| format!(r#"{{"name":"{}","level":"High"}}"#, s(20, i)))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        r#"{{"sub":"{}","exp":1,"roles":[{}],"email":"{}","scores":{{{}}},"tags":[{}],"ids":[1,2,3,4,5,6,7],"limits":{{{}}},"pair":[{}],"boxed":"{}","shared":"{}","nested":[{}],"unknown":{{"deep":[1,2,3]}}}}"#,
        s(64, 0),
        list(8, 32),
        s(254, 0),
        map(5, 16),
        list(6, 12),
        map(3, 10),
        list(2, 9),
        s(30, 0),
        s(30, 1),
        nested,
    )
}

#[test]
fn a_value_at_every_cap_holds_no_more_than_max_heap() {
    let json = maximal();
    let (value, usage) = measure(|| serde_json::from_str::<Everything>(&json));
    let value = value.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value.roles.len(), 8);
    assert_eq!(value.nested.len(), 4);
    assert!(matches!(value.nested[0].level, Level::High));
    let bound = <Everything as Bounded>::MAX_HEAP;
    assert!(usage.retained > 0);
    assert!(
        usage.retained.unsigned_abs() <= bound,
        "retained {} bytes, bound {bound}",
        usage.retained
    );
    // The bound is an upper bound, not a guess: within a small factor here.
    assert!(
        bound < 4 * usage.retained.unsigned_abs(),
        "bound {bound} vs {usage:?}"
    );
    drop(value);
}

#[derive(claimguard::Bounded)]
struct JustAString {
    #[claims(max_len = 64)]
    sub: String,
}

#[test]
fn a_string_at_its_cap_is_exactly_its_bound() {
    let json = format!(r#"{{"sub":"{}"}}"#, s(64, 7));
    let (value, usage) = measure(|| serde_json::from_str::<JustAString>(&json));
    assert!(value.is_ok());
    assert_eq!(usage.retained, 64);
    assert_eq!(<JustAString as Bounded>::MAX_HEAP, 64);
}

#[test]
fn one_byte_over_a_cap_allocates_nothing_that_survives() {
    let json = format!(r#"{{"sub":"{}x"}}"#, s(64, 7));
    let (refused, usage) = measure(|| serde_json::from_str::<JustAString>(&json).is_err());
    assert!(refused);
    assert_eq!(usage.retained, 0, "{usage:?}");
}

/// The scope and role claim types at their caps: `M` items of `N` bytes.
#[derive(claimguard::Bounded)]
struct Grants {
    #[claims(max_items = 6, max_len = 20)]
    scope: claimguard::Scopes,
    #[claims(max_items = 5, max_len = 16)]
    scp: claimguard::Scopes,
    #[claims(max_items = 4, max_len = 12)]
    roles: claimguard::Roles,
    #[claims(max_items = 3, max_len = 10)]
    realm_access: claimguard::KeycloakRoles,
}

fn grants(scope: &str, scp: &str, roles: &str, realm: &str) -> String {
    format!(
        r#"{{"scope":{scope},"scp":{scp},"roles":{roles},"realm_access":{{"x":1,"roles":{realm}}}}}"#
    )
}

fn list(n: usize, len: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| format!("\"{}\"", s(len, i))).collect();
    format!("[{}]", items.join(","))
}

/// Scope tokens are ASCII without spaces; `n` of `len` bytes.
fn scope_string(n: usize, len: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| format!("{i:x<len$}")).collect();
    format!("\"{}\"", items.join(" "))
}

#[test]
fn scope_and_role_claims_at_every_cap_hold_no_more_than_max_heap() {
    let json = grants(
        &scope_string(6, 20),
        &list(5, 16),
        &list(4, 12),
        &list(3, 10),
    );
    let (value, usage) = measure(|| serde_json::from_str::<Grants>(&json));
    let value = value.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            value.scope.len(),
            value.scp.len(),
            value.roles.len(),
            value.realm_access.roles().len()
        ),
        (6, 5, 4, 3)
    );
    let bound = <Grants as Bounded>::MAX_HEAP;
    // One string per claim: the items and the separators between them,
    // one byte short of the bound each.
    assert_eq!(bound, 6 * 21 + 5 * 17 + 4 * 13 + 3 * 11);
    assert_eq!(usage.retained.unsigned_abs(), bound - 4, "{usage:?}");
    assert_eq!(usage.allocations, 4, "one allocation per claim: {usage:?}");
    drop(value);
}

#[test]
fn one_over_any_scope_or_role_cap_keeps_nothing() {
    let at_cap = [scope_string(6, 20), list(5, 16), list(4, 12), list(3, 10)];
    let over = [
        [scope_string(7, 20), list(5, 16), list(4, 12), list(3, 10)],
        [scope_string(5, 21), list(5, 16), list(4, 12), list(3, 10)],
        [scope_string(6, 20), list(6, 16), list(4, 12), list(3, 10)],
        [scope_string(6, 20), list(5, 17), list(4, 12), list(3, 10)],
        [scope_string(6, 20), list(5, 16), list(5, 12), list(3, 10)],
        [scope_string(6, 20), list(5, 16), list(4, 13), list(3, 10)],
        [scope_string(6, 20), list(5, 16), list(4, 12), list(4, 10)],
        [scope_string(6, 20), list(5, 16), list(4, 12), list(3, 11)],
    ];
    let [a, b, c, d] = &at_cap;
    assert!(serde_json::from_str::<Grants>(&grants(a, b, c, d)).is_ok());
    for [a, b, c, d] in &over {
        let json = grants(a, b, c, d);
        let (refused, usage) = measure(|| serde_json::from_str::<Grants>(&json).is_err());
        assert!(refused, "{json}");
        assert_eq!(usage.retained, 0, "{json}: {usage:?}");
    }
}
