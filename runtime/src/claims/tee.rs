//! Reading one value for two readers: a claims field that is also a
//! registered claim (`exp: u64`, `sub: String`) is deserialized once, and
//! the scalar its deserializer hands over on the way is shown to the
//! registered-claims check too.
//!
//! Only used for field types that read one JSON scalar through one visitor
//! call (numbers, `bool`, capped strings, and `Option`s of those:
//! [`Bounded::SCALAR`](crate::Bounded)); other types read the value's text
//! twice instead (see `__private::next_registered_field`).

use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};

use super::registered::{RegisteredClaim, RegisteredPass, Seen};

/// A deserializer that shows the scalar it yields to a registered claim.
pub(crate) struct Tee<'p, 's, D> {
    pub(crate) inner: D,
    pub(crate) pass: &'p mut RegisteredPass<'s>,
    pub(crate) claim: RegisteredClaim,
}

impl<'p, 's, D> Tee<'p, 's, D> {
    fn visitor<V>(self, inner: V) -> (D, TeeVisitor<'p, 's, V>) {
        let visitor = TeeVisitor {
            inner,
            pass: self.pass,
            claim: self.claim,
        };
        (self.inner, visitor)
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            let (inner, visitor) = self.visitor(visitor);
            inner.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tee<'_, '_, D> {
    type Error = D::Error;

    forward!(
        deserialize_any(),
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_i128(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_u128(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_unit(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_seq(),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(),
        deserialize_ignored_any(),
    );

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The field's visitor, with the registered claim looking over its shoulder.
struct TeeVisitor<'p, 's, V> {
    inner: V,
    pass: &'p mut RegisteredPass<'s>,
    claim: RegisteredClaim,
}

impl<'p, 's, V> TeeVisitor<'p, 's, V> {
    fn see<E: de::Error>(self, seen: Seen<'_>) -> Result<V, E> {
        self.pass.see(self.claim, seen)?;
        Ok(self.inner)
    }

    fn tee<D>(self, inner: D) -> (V, Tee<'p, 's, D>) {
        let tee = Tee {
            inner,
            pass: self.pass,
            claim: self.claim,
        };
        (self.inner, tee)
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TeeVisitor<'_, '_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.see(Seen::Bool(v))?.visit_bool(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.see(Seen::I64(v))?.visit_i64(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.see(Seen::U64(v))?.visit_u64(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.see(Seen::F64(v))?.visit_f64(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.see(Seen::Str(v))?.visit_str(v)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.see(Seen::Str(v))?.visit_borrowed_str(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.see(Seen::Str(&v))?.visit_string(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.see(Seen::Null)?.visit_unit()
    }
    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.see(Seen::Null)?.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        let (inner, tee) = self.tee(d);
        inner.visit_some(tee)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        let (inner, tee) = self.tee(d);
        inner.visit_newtype_struct(tee)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.see(Seen::Compound)?.visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.see(Seen::Compound)?.visit_map(map)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.see(Seen::Compound)?.visit_enum(data)
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.see(Seen::Compound)?.visit_bytes(v)
    }
}

/// A seed that deserializes through a [`Tee`]: for `MapAccess::next_value_seed`.
pub(crate) struct TeeSeed<'p, 's, S> {
    pub(crate) seed: S,
    pub(crate) pass: &'p mut RegisteredPass<'s>,
    pub(crate) claim: RegisteredClaim,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for TeeSeed<'_, '_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Tee {
            inner,
            pass: self.pass,
            claim: self.claim,
        })
    }
}
