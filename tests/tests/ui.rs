//! Compile-time guarantees: misuses of the derives fail to compile with a
//! message that says what to write. The `.stderr` snapshots are blessed for
//! the toolchain CI runs (rustc 1.95); re-bless with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
