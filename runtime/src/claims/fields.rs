//! What the code `#[derive(Claims)]` and `#[derive(Bounded)]` generate calls
//! (through `__private`): reading a member into its field's slot, handing a
//! registered claim to the pass, and finishing a field when the object ends.
//! The generated visitor is thin glue around these.

use serde::de::{Error, IgnoredAny, MapAccess, Visitor};

use super::bounded::{Bounded, BoundedSeed};
use super::registered::{RegisteredClaim, RegisteredPass};
use super::tee::TeeSeed;

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

/// Reads the value of a registered claim the struct has no field for:
/// into the pass in single-pass mode, skipped otherwise.
pub fn next_registered<'de, A>(
    map: &mut A,
    pass: Option<&mut RegisteredPass<'_>>,
    claim: RegisteredClaim,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
{
    match pass {
        Some(pass) => map.next_value_seed(pass.seed(claim)),
        None => map.next_value::<IgnoredAny>().map(drop),
    }
}

/// Reads the value of a field that is also a registered claim (`exp`,
/// `sub`, ...) into its slot and, in single-pass mode, into the pass too:
/// a scalar field shows the pass the value it reads; any other takes the
/// value's text once (a borrowed `RawValue`, no copy) and both read it.
pub fn next_registered_field<'de, A, T, Cap>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
    pass: Option<&mut RegisteredPass<'_>>,
    claim: RegisteredClaim,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Bounded<Cap>,
{
    let Some(pass) = pass else {
        return next_field::<A, T, Cap>(map, slot, name);
    };
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    if T::SCALAR {
        // One read: the scalar is shown to the check on its way.
        let seed = TeeSeed {
            seed: BoundedSeed::<T, Cap>::new(),
            pass,
            claim,
        };
        *slot = Some(map.next_value_seed(seed)?);
        return Ok(());
    }
    let raw: &'de serde_json::value::RawValue = map.next_value()?;
    let text = raw.get();
    pass.read(claim, &mut serde_json::Deserializer::from_str(text))
        .map_err(A::Error::custom)?;
    let value = T::deserialize_bounded(&mut serde_json::Deserializer::from_str(text))
        .map_err(A::Error::custom)?;
    *slot = Some(value);
    Ok(())
}

/// Runs a derived claims visitor in single-pass mode over a payload.
pub fn single_pass<'de, V: Visitor<'de>>(payload: &'de str, visitor: V) -> Option<V::Value> {
    super::registered::single_pass(payload, visitor)
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

/// A field's heap bound; also the one place a field's type is checked
/// against its cap, so that an unbounded field is reported once.
pub const fn field_bound<T: Bounded<Cap>, Cap>() -> usize {
    T::MAX_HEAP
}

/// What stub impls return, when the derive reported errors.
pub fn stub_error<E: Error>() -> E {
    E::custom("claimguard: this type failed to derive")
}
