//! claimguard: bounded, verified JWT claims as an axum extractor.
//!
//! (The manual is written below, in the `manual` section of this page.)

#![cfg_attr(docsrs, feature(doc_cfg))]

mod algorithm;
mod cache;
pub mod bounded;
mod clock;
mod config;
mod crypto;
mod decode;
mod der;
mod extract;
mod key;
mod rejection;
mod source;
mod verifier;

pub use algorithm::Algorithm;
pub use bounded::Bounded;
pub use claimguard_macros::{Bounded, Claims};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Claims, Config, DEFAULT_MAX_TOKEN_BYTES, RegisteredClaim, Source};
pub use decode::MAX_HEADER_SEGMENT;
pub use key::{Key, KeyError, MIN_HMAC_BYTES, MIN_RSA_BITS};
pub use rejection::{Reason, Rejection};
pub use verifier::{Verifier, VerifierBuilder};

/// What generated code names. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use axum_core;
    pub use http;
    pub use serde;

    pub use crate::bounded::{
        Bounded, BoundedSeed, MaxItems, MaxItemsLen, MaxLen, NoCap, add, mul, sum,
    };
    pub use crate::extract::{optional, required};

    use serde::de::{Error, MapAccess};

    /// Reads the value of a field's member into its slot, refusing a second
    /// occurrence of the member.
    pub fn next_field<'de, A, T, Cap>(
        map: &mut A,
        slot: &mut Option<T>,
        name: &'static str,
    ) -> Result<(), A::Error>
    where
        A: MapAccess<'de>,
        T: Bounded<Cap>,
    {
        if slot.is_some() {
            return Err(A::Error::duplicate_field(name));
        }
        *slot = Some(map.next_value_seed(BoundedSeed::<T, Cap>::new())?);
        Ok(())
    }

    /// A field's value once the object ends: what was read, the `Option`'s
    /// `None`, or a missing-field error.
    pub fn finish<T, Cap, E>(slot: Option<T>, name: &'static str) -> Result<T, E>
    where
        T: Bounded<Cap>,
        E: Error,
    {
        match slot {
            Some(value) => Ok(value),
            None => T::when_missing().ok_or_else(|| E::missing_field(name)),
        }
    }

    /// A `#[claims(default)]` field's value once the object ends.
    pub fn finish_or_default<T: Default>(slot: Option<T>) -> T {
        slot.unwrap_or_default()
    }

    /// Proves at compile time that a custom rejection converts from ours.
    pub const fn assert_rejection<R>()
    where
        R: From<crate::Rejection> + axum_core::response::IntoResponse,
    {
    }

    /// What stub impls return, when the derive reported errors.
    pub fn stub_error<E: Error>() -> E {
        E::custom("claimguard: this type failed to derive")
    }
}
