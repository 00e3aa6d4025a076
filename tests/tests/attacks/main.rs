//! The attack suite: concrete forged, malformed and hostile requests through a
//! real Router, each with the exact status, challenge and body expected, and
//! none echoing token bytes. Cases are table-driven, one file per class of
//! attack; every failure is collected and reported together.

mod forge;
mod setup;
mod table;

mod algorithm;
mod cache;
mod claims;
mod header;
mod http;
mod signature;
mod size;

use claimguard_tests::CountingAlloc;
use table::run;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[tokio::test]
async fn the_attack_table() {
    let mut cases = Vec::new();
    let mut sizes = Vec::new();
    for (class, list) in [
        ("algorithm", algorithm::cases()),
        ("header injection", header::cases()),
        ("signature and encoding", signature::cases()),
        ("claims", claims::cases()),
        ("size", size::cases()),
        ("http", http::cases()),
        ("cache", cache::cases()),
    ] {
        sizes.push(format!("{class}: {}", list.len()));
        cases.extend(list);
    }
    let total = cases.len();
    println!("attack cases: {total} ({})", sizes.join(", "));
    let ran = run(cases).await;
    assert_eq!(ran, total);
    assert_eq!(ran, EXPECTED_CASES, "{}", sizes.join(", "));
}

/// The cases in the table, so that one lost in a refactor is noticed.
const EXPECTED_CASES: usize = 312;
