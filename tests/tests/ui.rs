//! Compile-time guarantees: misuses of the derives fail to compile with a
//! message that says what to write. The `.stderr` snapshots are blessed for
//! the toolchain CI runs (rustc 1.95); re-bless with `TRYBUILD=overwrite`
//! and read the diff.

use std::process::Command;

/// The folders of cases that must not compile.
const CATEGORIES: [&str; 10] = [
    "algorithms",  // `algorithms = [...]`: missing, empty, unknown, unpinnable
    "syntax",      // the attribute grammar: unknown and duplicate keys, value kinds
    "settings",    // the other struct settings: issuer, audience, typ, source, ...
    "fields",      // a field type without the cap it needs, or with one it cannot take
    "caps",        // the caps' own values: zero, overflow, on the wrong type
    "bounded",     // `#[derive(Bounded)]` on nested types and enums
    "cache",       // `cache(...)`
    "shapes",      // what cannot be a claims type at all
    "diagnostics", // several mistakes at once, and quiet handlers
    "authz",       // requirements: what a claims type lacks, bad scopes and roles
];

/// The compiler the snapshots were blessed with.
const BLESSED: &str = "rustc 1.95.";

#[test]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(&rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    // A different compiler words its errors differently: say so plainly
    // instead of failing on every snapshot, and never skip.
    assert!(
        version.starts_with(BLESSED),
        "the trybuild snapshots in tests/ui are blessed for {BLESSED}x, but `{rustc} --version` says {version:?}; \
         re-bless them with `TRYBUILD=overwrite cargo test -p claimguard-tests --test ui` and review the diff"
    );
    let t = trybuild::TestCases::new();
    // One folder per category of misuse, a case per file.
    for category in CATEGORIES {
        t.compile_fail(format!("ui/{category}/*.rs"));
    }
    t.pass("ui/pass/*.rs");
}
