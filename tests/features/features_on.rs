//! This package's build really has serde_json's four features on: each one
//! changes something serde_json itself does, and that is checked here, so
//! the suites beside it cannot pass by running without them.

use serde_json::Value;

#[test]
fn every_feature_is_on() {
    // arbitrary_precision: a number keeps its text.
    let big: Value = serde_json::from_str("123456789012345678901234567890").unwrap_or_default();
    assert_eq!(big.to_string(), "123456789012345678901234567890");
    // preserve_order: a map keeps its members in order.
    let map: Value = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap_or_default();
    assert_eq!(map.to_string(), r#"{"b":1,"a":2}"#);
    // raw_value: borrowed raw values parse.
    let raw: Result<&serde_json::value::RawValue, _> = serde_json::from_str("[1, 2]");
    assert_eq!(raw.map(|r| r.get()).ok(), Some("[1, 2]"));
    // float_roundtrip: the one value serde_json's fast parser rounds wrong
    // without it (serde-rs/json#707).
    let x: f64 = serde_json::from_str("2.638344616030823e-256").unwrap_or_default();
    assert_eq!(x.to_bits(), 2.638344616030823e-256_f64.to_bits());
}
