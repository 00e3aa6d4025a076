//! Compile-time guarantees: misuses of the derives fail to compile with a
//! message that says what to write. The `.stderr` snapshots are blessed for
//! the toolchain CI runs (rustc 1.95); re-bless with `TRYBUILD=overwrite`
//! and read the diff.

use std::process::Command;

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
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
