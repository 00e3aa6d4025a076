//! Lists, sets and maps: bounded only through `max_items` (and `max_len`
//! when their items, keys or values are strings), their caps enforced while
//! they are parsed.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;
use core::mem::size_of;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Bounded, BoundedSeed, MaxItems, MaxItemsLen, MaxLen, NoCap, add, mul};

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
}
