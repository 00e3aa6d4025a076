//! Types whose heap size is bounded, and the caps that bound the others.
//!
//! Every field of a claims struct must implement [`Bounded<Cap>`] for the cap
//! written on it. Integers, floats, `bool`, `char`, `()`, nested types that
//! `#[derive(Bounded)]` or `#[derive(Claims)]`, fixed arrays of those and
//! `Option`s of those are bounded by nature ([`NoCap`]). Strings are bounded
//! only with `#[claims(max_len = N)]` ([`MaxLen`]); lists, sets and maps only
//! with `#[claims(max_items = N)]` ([`MaxItems`]), plus `max_len` when their
//! items or keys are strings ([`MaxItemsLen`]). Anything else does not
//! compile. A map's `max_len` caps its string values as well as its keys.
//!
//! Caps are enforced while parsing: a string longer than its cap is refused
//! before it is copied, and the item after the last allowed one is skipped
//! without being built before the list is refused.

use core::fmt;
use core::marker::PhantomData;
use core::mem::size_of;
use std::sync::Arc;

mod collections;

pub use collections::{ItemCaps, MapValue};

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};

/// No cap: the type is bounded by nature.
#[derive(Debug)]
pub enum NoCap {}

/// A cap of `N` bytes of UTF-8 on a string (`#[claims(max_len = N)]`).
#[derive(Debug)]
pub enum MaxLen<const N: usize> {}

/// A cap of `M` items on a list, set or map of bounded items
/// (`#[claims(max_items = M)]`).
#[derive(Debug)]
pub enum MaxItems<const M: usize> {}

/// A cap of `M` items, each a string (or, for a map, with a string key) of at
/// most `N` bytes (`#[claims(max_items = M, max_len = N)]`).
#[derive(Debug)]
pub enum MaxItemsLen<const M: usize, const N: usize> {}

/// A type whose heap size is bounded once `Cap` is applied to it.
///
/// `MAX_HEAP` is the most heap memory, in bytes, that one value can own after
/// it was parsed with that cap (allocator overhead aside); the derive adds up
/// its fields' bounds into the struct's own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no size bound that claimguard can enforce here",
    label = "this type is unbounded, or does not take the cap written on the field",
    note = "a string needs `#[claims(max_len = N)]`; a list, set or map needs `#[claims(max_items = N)]`, and `max_len = N` too when its items or keys are strings",
    note = "a nested struct or enum needs `#[derive(claimguard::Bounded)]`"
)]
pub trait Bounded<Cap = NoCap>: Sized {
    /// The most heap memory, in bytes, one value can own.
    const MAX_HEAP: usize;

    /// Deserializes a value, refusing anything beyond the cap while parsing.
    fn deserialize_bounded<'de, D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>;

    /// The value of a member that is absent from the payload, if absence is
    /// allowed (it is for `Option`).
    #[doc(hidden)]
    fn when_missing() -> Option<Self> {
        None
    }

    /// Whether deserializing a value reads exactly one JSON scalar and shows
    /// it through one of `visit_u64`, `visit_i64`, `visit_f64`,
    /// `visit_bool`, `visit_str` (or its owned and borrowed forms),
    /// `visit_unit`, `visit_none`, or `visit_some` of such a value: true for
    /// numbers up to 64 bits, `bool`, capped strings, and `Option`s of those.
    #[doc(hidden)]
    const SCALAR: bool = false;
}

/// A [`DeserializeSeed`] that deserializes `T` under `Cap`.
pub struct BoundedSeed<T, Cap>(PhantomData<fn() -> (T, Cap)>);

impl<T, Cap> BoundedSeed<T, Cap> {
    /// The seed.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T, Cap> Default for BoundedSeed<T, Cap> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, T: Bounded<Cap>, Cap> DeserializeSeed<'de> for BoundedSeed<T, Cap> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::deserialize_bounded(deserializer)
    }
}

/// `a * b`, refusing to compile a claims type whose bound overflows.
pub const fn mul(a: usize, b: usize) -> usize {
    match a.checked_mul(b) {
        Some(product) => product,
        None => {
            panic!("claimguard: the worst-case heap size of this claims type overflows `usize`")
        }
    }
}

/// `a + b`, refusing to compile a claims type whose bound overflows.
pub const fn add(a: usize, b: usize) -> usize {
    match a.checked_add(b) {
        Some(sum) => sum,
        None => {
            panic!("claimguard: the worst-case heap size of this claims type overflows `usize`")
        }
    }
}

/// The sum of a struct's field bounds.
pub const fn sum(parts: &[usize]) -> usize {
    let mut total = 0;
    let mut i = 0;
    while i < parts.len() {
        total = add(total, parts[i]);
        i += 1;
    }
    total
}

macro_rules! bounded_by_nature {
    ($($ty:ty: $scalar:literal),* $(,)?) => {$(
        impl Bounded for $ty {
            const MAX_HEAP: usize = 0;
            const SCALAR: bool = $scalar;

            fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$ty as Deserialize<'de>>::deserialize(deserializer)
            }
        }
    )*};
}

// `SCALAR`: serde_json shows integers up to 64 bits through `visit_u64` or
// `visit_i64`, exactly whatever its features; 128-bit ones through
// `visit_u128` and `visit_i128`, which the registered-claim checks do not
// take; and floats (`f64`, `f32`) come parsed by serde_json, whose rounding
// depends on its `float_roundtrip` feature, where the check reads a date's
// fraction from its text. Those take the text-twice path.
bounded_by_nature!(
    u8: true,
    u16: true,
    u32: true,
    u64: true,
    u128: false,
    usize: true,
    i8: true,
    i16: true,
    i32: true,
    i64: true,
    i128: false,
    isize: true,
    f32: false,
    f64: false,
    bool: true,
    char: false,
    (): false,
);

/// A string type built from a `&str` once its length is known to fit.
trait FromCappedStr: Sized {
    const OVERHEAD: usize;
    fn from_capped(s: &str) -> Self;
}

impl FromCappedStr for String {
    const OVERHEAD: usize = 0;
    fn from_capped(s: &str) -> Self {
        s.to_owned()
    }
}

impl FromCappedStr for Box<str> {
    const OVERHEAD: usize = 0;
    fn from_capped(s: &str) -> Self {
        s.into()
    }
}

impl FromCappedStr for Arc<str> {
    // The strong and weak counts live in the same allocation.
    const OVERHEAD: usize = 2 * size_of::<usize>();
    fn from_capped(s: &str) -> Self {
        s.into()
    }
}

struct StrVisitor<S, const N: usize>(PhantomData<fn() -> S>);

impl<S: FromCappedStr, const N: usize> Visitor<'_> for StrVisitor<S, N> {
    type Value = S;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string of at most {N} bytes")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<S, E> {
        if value.len() > N {
            return Err(E::invalid_length(value.len(), &self));
        }
        Ok(S::from_capped(value))
    }
}

macro_rules! capped_str {
    ($($ty:ty),*) => {$(
        impl<const N: usize> Bounded<MaxLen<N>> for $ty {
            const MAX_HEAP: usize = add(N, <$ty as FromCappedStr>::OVERHEAD);
            const SCALAR: bool = true;

            fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(StrVisitor::<$ty, N>(PhantomData))
            }
        }
    )*};
}

capped_str!(String, Box<str>, Arc<str>);

impl<T: Bounded<Cap>, Cap> Bounded<Cap> for Option<T> {
    const MAX_HEAP: usize = T::MAX_HEAP;
    const SCALAR: bool = T::SCALAR;

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OptionVisitor<T, Cap>(PhantomData<fn() -> (T, Cap)>);

        impl<'de, T: Bounded<Cap>, Cap> Visitor<'de> for OptionVisitor<T, Cap> {
            type Value = Option<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or null")
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                T::deserialize_bounded(d).map(Some)
            }
        }

        deserializer.deserialize_option(OptionVisitor::<T, Cap>(PhantomData))
    }

    fn when_missing() -> Option<Self> {
        Some(None)
    }
}

impl<T: Bounded<Cap>, Cap, const K: usize> Bounded<Cap> for [T; K] {
    const MAX_HEAP: usize = mul(K, T::MAX_HEAP);

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArrayVisitor<T, Cap, const K: usize>(PhantomData<fn() -> (T, Cap)>);

        impl<'de, T: Bounded<Cap>, Cap, const K: usize> Visitor<'de> for ArrayVisitor<T, Cap, K> {
            type Value = [T; K];

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of exactly {K} items")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[T; K], A::Error> {
                let mut items = Vec::with_capacity(K);
                while items.len() < K {
                    match seq.next_element_seed(BoundedSeed::<T, Cap>::new())? {
                        Some(item) => items.push(item),
                        None => return Err(de::Error::invalid_length(items.len(), &self)),
                    }
                }
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(K.saturating_add(1), &self));
                }
                items
                    .try_into()
                    .map_err(|_| de::Error::invalid_length(K, &self))
            }
        }

        deserializer.deserialize_tuple(K, ArrayVisitor::<T, Cap, K>(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: Bounded<C>, C>(json: &str) -> Result<T, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let value = T::deserialize_bounded(&mut de)?;
        de.end()?;
        Ok(value)
    }

    #[test]
    fn string_cap_counts_utf8_bytes() {
        // "é" is two bytes: four of them are eight bytes.
        assert_eq!(
            parse::<String, MaxLen<8>>(r#""éééé""#).ok().as_deref(),
            Some("éééé")
        );
        assert!(parse::<String, MaxLen<7>>(r#""éééé""#).is_err());
        assert!(parse::<String, MaxLen<3>>(r#""abcd""#).is_err());
        assert!(parse::<Box<str>, MaxLen<4>>(r#""abcd""#).is_ok());
        assert!(parse::<Arc<str>, MaxLen<4>>(r#""abcde""#).is_err());
    }

    #[test]
    fn options_and_arrays() {
        assert_eq!(parse::<Option<String>, MaxLen<2>>("null").ok(), Some(None));
        assert!(parse::<Option<String>, MaxLen<2>>(r#""abc""#).is_err());
        assert_eq!(parse::<[u8; 2], NoCap>("[1,2]").ok(), Some([1, 2]));
        assert!(parse::<[u8; 2], NoCap>("[1]").is_err());
        assert!(parse::<[u8; 2], NoCap>("[1,2,3]").is_err());
        assert!(parse::<[String; 2], MaxLen<1>>(r#"["a","bb"]"#).is_err());
    }

    #[test]
    fn bounds_add_up() {
        assert_eq!(<String as Bounded<MaxLen<64>>>::MAX_HEAP, 64);
        assert_eq!(
            <Vec<String> as Bounded<MaxItemsLen<8, 32>>>::MAX_HEAP,
            8 * (size_of::<String>() + 32)
        );
        assert_eq!(<Option<u64> as Bounded>::MAX_HEAP, 0);
        assert_eq!(sum(&[1, 2, 3]), 6);
    }
}
