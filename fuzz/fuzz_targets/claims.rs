//! Arbitrary payload bytes through the derived bounded deserializer: never a
//! panic, and any value it accepts respects every cap.

#![no_main]

use libfuzzer_sys::fuzz_target;

use claimguard_tests::fuzz::{Fz, assert_caps};

fuzz_target!(|data: &[u8]| {
    if let Ok(claims) = serde_json::from_slice::<Fz>(data) {
        assert_caps(&claims);
    }
});
