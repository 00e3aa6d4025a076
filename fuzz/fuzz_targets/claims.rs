//! Arbitrary payload bytes through the derived bounded deserializer: never a
//! panic, and any value it accepts respects every cap.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(claims) = serde_json::from_slice::<common::Fz>(data) {
        common::assert_caps(&claims);
    }
});
