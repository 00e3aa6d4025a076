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
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;
use core::mem::size_of;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

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

/// The caps that apply to a collection: how many items, and the cap on each.
#[diagnostic::on_unimplemented(
    message = "a list, set or map needs a cap on its number of items",
    label = "add `#[claims(max_items = N)]` to this field",
    note = "with string items or keys, add `max_len = N` too: `#[claims(max_items = N, max_len = N)]`"
)]
pub trait ItemCaps {
    /// The cap on each item (or map key).
    type Item;
    /// The cap on each map value: `max_len` applies to string values too.
    type Value;
    /// The most items.
    const ITEMS: usize;
}

impl<const M: usize> ItemCaps for MaxItems<M> {
    type Item = NoCap;
    type Value = NoCap;
    const ITEMS: usize = M;
}

impl<const M: usize, const N: usize> ItemCaps for MaxItemsLen<M, N> {
    type Item = MaxLen<N>;
    type Value = MaxLen<N>;
    const ITEMS: usize = M;
}

/// A map's value type under the map's caps: a type bounded by nature (a
/// number, `bool`, a nested `#[derive(Bounded)]` type, an `Option` of one),
/// or, when the field has `max_len`, a string of at most that many bytes
/// (`String`, `Box<str>`, `Arc<str>`, or an `Option` of one).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a map value with the caps written on this field",
    label = "a map value must be bounded by nature, or a string capped by `max_len`",
    note = "`#[claims(max_items = N, max_len = L)]` caps the keys and the string values (`String`, `Box<str>`, `Arc<str>`, `Option<String>`) at `L` bytes; a list or a map as a value needs a nested `#[derive(claimguard::Bounded)]` type with caps of its own"
)]
pub trait MapValue<Cap>: Sized {
    /// The most heap memory, in bytes, one value can own.
    const MAX_HEAP: usize;

    /// Deserializes a value under the map's caps.
    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

impl<T: Bounded> MapValue<NoCap> for T {
    const MAX_HEAP: usize = <T as Bounded>::MAX_HEAP;

    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_bounded(deserializer)
    }
}

impl<T: Bounded, const N: usize> MapValue<MaxLen<N>> for T {
    const MAX_HEAP: usize = <T as Bounded>::MAX_HEAP;

    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_bounded(deserializer)
    }
}

macro_rules! capped_map_value {
    ($($ty:ty),*) => {$(
        impl<const N: usize> MapValue<MaxLen<N>> for $ty {
            const MAX_HEAP: usize = <$ty as Bounded<MaxLen<N>>>::MAX_HEAP;

            fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$ty as Bounded<MaxLen<N>>>::deserialize_bounded(deserializer)
            }
        }
    )*};
}

capped_map_value!(
    String,
    Box<str>,
    Arc<str>,
    Option<String>,
    Option<Box<str>>,
    Option<Arc<str>>
);

/// A [`DeserializeSeed`] for a map value under `Cap`.
struct MapValueSeed<V, Cap>(PhantomData<fn() -> (V, Cap)>);

impl<'de, V: MapValue<Cap>, Cap> DeserializeSeed<'de> for MapValueSeed<V, Cap> {
    type Value = V;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<V, D::Error> {
        V::deserialize_value(deserializer)
    }
}

/// A collection filled one item at a time, never past its cap.
trait Collect: Sized {
    type Item;
    fn with_room(hint: usize) -> Self;
    fn push(&mut self, item: Self::Item, max: usize);
}

impl<T> Collect for Vec<T> {
    type Item = T;
    fn with_room(hint: usize) -> Self {
        Vec::with_capacity(hint)
    }
    fn push(&mut self, item: T, max: usize) {
        // Grow by doubling, but never reserve past the cap, so that the
        // capacity (and so the heap bound) never exceeds `max` items.
        if self.len() == self.capacity() {
            let target = self.capacity().saturating_mul(2).max(4).min(max.max(1));
            self.reserve_exact(target.saturating_sub(self.len()).max(1));
        }
        Vec::push(self, item);
    }
}

impl<T: Eq + Hash, S: BuildHasher + Default> Collect for HashSet<T, S> {
    type Item = T;
    fn with_room(hint: usize) -> Self {
        HashSet::with_capacity_and_hasher(hint, S::default())
    }
    fn push(&mut self, item: T, _max: usize) {
        self.insert(item);
    }
}

impl<T: Ord> Collect for BTreeSet<T> {
    type Item = T;
    fn with_room(_hint: usize) -> Self {
        BTreeSet::new()
    }
    fn push(&mut self, item: T, _max: usize) {
        self.insert(item);
    }
}

struct SeqVisitor<C, ItemCap>(usize, PhantomData<fn() -> (C, ItemCap)>);

impl<'de, C, ItemCap> Visitor<'de> for SeqVisitor<C, ItemCap>
where
    C: Collect,
    C::Item: Bounded<ItemCap>,
{
    type Value = C;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {} items", self.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<C, A::Error> {
        let max = self.0;
        let mut out = C::with_room(seq.size_hint().unwrap_or(0).min(max));
        let mut count = 0usize;
        loop {
            if count == max {
                // One more item is refused without being built.
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(max.saturating_add(1), &self));
                }
                return Ok(out);
            }
            match seq.next_element_seed(BoundedSeed::<C::Item, ItemCap>::new())? {
                Some(item) => out.push(item, max),
                None => return Ok(out),
            }
            count += 1;
        }
    }
}

/// Bytes of a hashbrown table sized for `items` entries of `slot` bytes each.
const fn hash_table_bytes(items: usize, slot: usize) -> usize {
    if items == 0 {
        return 0;
    }
    let buckets = if items < 4 {
        4
    } else if items < 8 {
        8
    } else {
        (mul(items, 8) / 7).next_power_of_two()
    };
    // One control byte per bucket plus one group of trailing control bytes.
    add(mul(buckets, add(slot, 1)), 16)
}

/// Bytes of B-tree nodes holding `items` entries of `slot` bytes each. Every
/// node but the root holds at least five entries; an internal node is at most
/// eleven slots, twelve edges and a small header.
const fn btree_bytes(items: usize, slot: usize) -> usize {
    if items == 0 {
        return 0;
    }
    let nodes = add(items / 5, 2);
    mul(
        nodes,
        add(mul(11, slot), add(mul(12, size_of::<usize>()), 32)),
    )
}

impl<T, Cap> Bounded<Cap> for Vec<T>
where
    Cap: ItemCaps,
    T: Bounded<Cap::Item>,
{
    const MAX_HEAP: usize = mul(Cap::ITEMS, add(size_of::<T>(), T::MAX_HEAP));

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(SeqVisitor::<Self, Cap::Item>(Cap::ITEMS, PhantomData))
    }
}

impl<T, Cap, S> Bounded<Cap> for HashSet<T, S>
where
    Cap: ItemCaps,
    T: Bounded<Cap::Item> + Eq + Hash,
    S: BuildHasher + Default,
{
    const MAX_HEAP: usize = add(
        hash_table_bytes(Cap::ITEMS, size_of::<T>()),
        mul(Cap::ITEMS, T::MAX_HEAP),
    );

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(SeqVisitor::<Self, Cap::Item>(Cap::ITEMS, PhantomData))
    }
}

impl<T, Cap> Bounded<Cap> for BTreeSet<T>
where
    Cap: ItemCaps,
    T: Bounded<Cap::Item> + Ord,
{
    const MAX_HEAP: usize = add(
        btree_bytes(Cap::ITEMS, size_of::<T>()),
        mul(Cap::ITEMS, T::MAX_HEAP),
    );

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(SeqVisitor::<Self, Cap::Item>(Cap::ITEMS, PhantomData))
    }
}

/// A map filled one entry at a time.
trait CollectMap: Sized {
    type Key;
    type Value;
    fn with_room(hint: usize) -> Self;
    fn insert(&mut self, key: Self::Key, value: Self::Value) -> bool;
}

impl<K: Eq + Hash, V, S: BuildHasher + Default> CollectMap for HashMap<K, V, S> {
    type Key = K;
    type Value = V;
    fn with_room(hint: usize) -> Self {
        HashMap::with_capacity_and_hasher(hint, S::default())
    }
    fn insert(&mut self, key: K, value: V) -> bool {
        HashMap::insert(self, key, value).is_none()
    }
}

impl<K: Ord, V> CollectMap for BTreeMap<K, V> {
    type Key = K;
    type Value = V;
    fn with_room(_hint: usize) -> Self {
        BTreeMap::new()
    }
    fn insert(&mut self, key: K, value: V) -> bool {
        BTreeMap::insert(self, key, value).is_none()
    }
}

/// A map `C` whose keys take `Caps.0` and values `Caps.1`.
struct MapVisitor<C, Caps>(usize, PhantomData<fn() -> (C, Caps)>);

impl<'de, C, KeyCap, ValueCap> Visitor<'de> for MapVisitor<C, (KeyCap, ValueCap)>
where
    C: CollectMap,
    C::Key: Bounded<KeyCap>,
    C::Value: MapValue<ValueCap>,
{
    type Value = C;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object of at most {} members", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<C, A::Error> {
        let max = self.0;
        let mut out = C::with_room(map.size_hint().unwrap_or(0).min(max));
        let mut count = 0usize;
        loop {
            if count == max {
                if map.next_key::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(max.saturating_add(1), &self));
                }
                return Ok(out);
            }
            let Some(key) = map.next_key_seed(BoundedSeed::<C::Key, KeyCap>::new())? else {
                return Ok(out);
            };
            let value = map.next_value_seed(MapValueSeed::<C::Value, ValueCap>(PhantomData))?;
            if !out.insert(key, value) {
                return Err(de::Error::custom("duplicate member in a map claim"));
            }
            count += 1;
        }
    }
}

impl<K, V, Cap, S> Bounded<Cap> for HashMap<K, V, S>
where
    Cap: ItemCaps,
    K: Bounded<Cap::Item> + Eq + Hash,
    V: MapValue<Cap::Value>,
    S: BuildHasher + Default,
{
    const MAX_HEAP: usize = add(
        hash_table_bytes(Cap::ITEMS, add(size_of::<K>(), size_of::<V>())),
        mul(
            Cap::ITEMS,
            add(K::MAX_HEAP, <V as MapValue<Cap::Value>>::MAX_HEAP),
        ),
    );

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let visitor = MapVisitor::<Self, (Cap::Item, Cap::Value)>(Cap::ITEMS, PhantomData);
        deserializer.deserialize_map(visitor)
    }
}

impl<K, V, Cap> Bounded<Cap> for BTreeMap<K, V>
where
    Cap: ItemCaps,
    K: Bounded<Cap::Item> + Ord,
    V: MapValue<Cap::Value>,
{
    const MAX_HEAP: usize = add(
        btree_bytes(Cap::ITEMS, add(size_of::<K>(), size_of::<V>())),
        mul(
            Cap::ITEMS,
            add(K::MAX_HEAP, <V as MapValue<Cap::Value>>::MAX_HEAP),
        ),
    );

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let visitor = MapVisitor::<Self, (Cap::Item, Cap::Value)>(Cap::ITEMS, PhantomData);
        deserializer.deserialize_map(visitor)
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
    fn list_cap_at_n_and_n_plus_one() {
        let ok = parse::<Vec<u8>, MaxItems<3>>("[1,2,3]").unwrap_or_default();
        assert_eq!(ok, vec![1, 2, 3]);
        assert!(ok.capacity() <= 3);
        assert!(parse::<Vec<u8>, MaxItems<3>>("[1,2,3,4]").is_err());
        assert!(parse::<Vec<String>, MaxItemsLen<2, 2>>(r#"["ab","cd"]"#).is_ok());
        assert!(parse::<Vec<String>, MaxItemsLen<2, 2>>(r#"["ab","cde"]"#).is_err());
        assert!(parse::<Vec<String>, MaxItemsLen<2, 2>>(r#"["a","b","c"]"#).is_err());
    }

    #[test]
    fn vec_capacity_never_exceeds_the_cap() {
        let json = format!("[{}]", vec!["1"; 37].join(","));
        let list = parse::<Vec<u8>, MaxItems<37>>(&json).unwrap_or_default();
        assert_eq!(list.len(), 37);
        assert!(list.capacity() <= 37, "{}", list.capacity());
        assert!(list.capacity() * size_of::<u8>() <= <Vec<u8> as Bounded<MaxItems<37>>>::MAX_HEAP);
    }

    #[test]
    fn maps_and_sets() {
        let map = parse::<BTreeMap<String, u32>, MaxItemsLen<2, 3>>(r#"{"a":1,"bcd":2}"#);
        assert_eq!(map.map(|m| m.len()).ok(), Some(2));
        assert!(
            parse::<BTreeMap<String, u32>, MaxItemsLen<2, 3>>(r#"{"a":1,"b":2,"c":3}"#).is_err()
        );
        assert!(parse::<BTreeMap<String, u32>, MaxItemsLen<2, 3>>(r#"{"abcd":1}"#).is_err());
        assert!(parse::<HashMap<String, u32>, MaxItemsLen<2, 3>>(r#"{"a":1,"a":2}"#).is_err());
        assert!(parse::<HashSet<u8>, MaxItems<2>>("[1,2]").is_ok());
        assert!(parse::<BTreeSet<u8>, MaxItems<2>>("[1,2,3]").is_err());
    }

    #[test]
    fn string_values_of_maps_take_max_len() {
        type Attrs = HashMap<String, String>;
        let ok = parse::<Attrs, MaxItemsLen<2, 3>>(r#"{"a":"xyz","bc":""}"#);
        assert_eq!(ok.map(|m| m.len()).ok(), Some(2));
        // A value at the cap and one byte over it.
        assert!(parse::<Attrs, MaxItemsLen<2, 3>>(r#"{"a":"xyzw"}"#).is_err());
        assert!(
            parse::<BTreeMap<String, Option<String>>, MaxItemsLen<1, 2>>(r#"{"a":null}"#).is_ok()
        );
        assert!(
            parse::<BTreeMap<String, Option<String>>, MaxItemsLen<1, 2>>(r#"{"a":"abc"}"#).is_err()
        );
        // Numbers still work beside a key cap, as before.
        assert!(parse::<HashMap<String, u64>, MaxItemsLen<2, 3>>(r#"{"a":1}"#).is_ok());
        // The bound counts both the keys and the values at their cap.
        assert_eq!(
            <BTreeMap<String, String> as Bounded<MaxItemsLen<4, 16>>>::MAX_HEAP,
            btree_bytes(4, 2 * size_of::<String>()) + 4 * (16 + 16)
        );
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
