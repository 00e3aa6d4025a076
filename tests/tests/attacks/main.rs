//! The attack suite: concrete forged, malformed and hostile requests through a
//! real Router, each with the exact status, challenge and body expected, and
//! none echoing token bytes. Cases are table-driven, one file per class of
//! attack; every failure is collected and reported together.

mod forge;
mod logs;
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

/// Every case of every class, and the count of each class.
fn all_cases() -> (Vec<table::Case>, Vec<String>) {
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
    (cases, sizes)
}

#[tokio::test]
async fn the_attack_table() {
    let (cases, sizes) = all_cases();
    let total = cases.len();
    println!("attack cases: {total} ({})", sizes.join(", "));
    let ran = run(cases).await;
    assert_eq!(ran, total);
    assert_eq!(ran, EXPECTED_CASES, "{}", sizes.join(", "));
}

#[tokio::test]
async fn nothing_from_a_token_reaches_the_logs() {
    let (cases, _) = all_cases();
    let pieces = logs::sent_pieces(&cases);
    let (ran, logged) = logs::logged(cases).await;
    assert_eq!(ran, EXPECTED_CASES);
    // The events are there: one per refusal at least.
    let refusals = logged.matches("refused: ").count();
    assert!(refusals >= 200, "{refusals} refusals logged:\n{logged}");
    for piece in &pieces {
        assert!(!logged.contains(piece.as_str()), "the logs show {piece:?}");
    }
    let secret = String::from_utf8_lossy(claimguard_tests::SECRET).into_owned();
    assert!(!logged.contains(&secret[..16]), "the logs show the secret");
    // Claim values of the table's tokens.
    for value in ["alice", "mallory"] {
        assert!(
            !logged.contains(value),
            "the logs show the claim value {value:?}"
        );
    }
}

/// The cases in the table, so that one lost in a refactor is noticed.
const EXPECTED_CASES: usize = 312;
