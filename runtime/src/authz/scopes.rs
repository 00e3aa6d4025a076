//! Scopes: the [`Scopes`] claim type, what a field marked
//! `#[claims(scopes)]` must be ([`ScopeClaim`]), and what a claims type with
//! such a field is ([`HasScopes`]).

use core::fmt;

use serde::de::Deserializer;
use serde::{Serialize, Serializer};

use super::packed::{Caps, ListVisitor, Packed};
use crate::claims::bounded::{Bounded, MaxItemsLen};

/// The scopes a token grants: the OAuth `scope` claim (RFC 9068 §2.2.3, RFC
/// 8693 §4.2: one space-delimited string) or `scp` (Microsoft Entra ID: a
/// space-delimited string; Okta: a list of strings), read from either form.
///
/// Bounded like a `Vec<String>`: `#[claims(max_items = M, max_len = N)]`
/// admits at most `M` scopes of at most `N` bytes each, refused while they
/// are parsed. The scopes are kept in one string (one allocation, none per
/// scope); [`contains`](Self::contains) allocates nothing. A list item that
/// is empty or holds a space is not a scope (RFC 6749 §3.3) and is counted
/// against the cap but not kept.
///
/// Mark the field with `#[claims(scopes)]` for `scope(...)` requirements
/// to read it:
///
/// ```
/// use claimguard::{Claims, Scopes};
///
/// #[derive(Claims)]
/// #[claims(algorithms = [RS256], typ = "at+jwt")]
/// struct AccessToken {
///     #[claims(max_items = 32, max_len = 64, default, scopes)]
///     scope: Scopes,
/// }
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes(Packed<' '>);

impl Scopes {
    /// Whether the token grants `scope`, compared byte for byte.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// The scopes, in the token's order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.iter()
    }

    /// How many scopes the token grants.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether the token grants no scope.
    pub fn is_empty(&self) -> bool {
        self.0.joined().is_empty()
    }

    /// The scopes as one space-delimited string, the `scope` claim's form.
    pub fn as_str(&self) -> &str {
        self.0.joined()
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Scopes").field(&self.0).finish()
    }
}

/// As the `scope` claim: one space-delimited string.
impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<const M: usize, const N: usize> Bounded<MaxItemsLen<M, N>> for Scopes {
    const MAX_HEAP: usize = Packed::<' '>::max_heap(M, N);

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let caps = Caps {
            items: M,
            len: N,
            strings: true,
        };
        deserializer.deserialize_any(ListVisitor(caps)).map(Self)
    }
}

/// A type that can carry a token's scopes: what a field marked
/// `#[claims(scopes)]` must be. Implemented by [`Scopes`], by `Option`s of
/// such types (`None` grants nothing), and by nested `#[derive(Bounded)]`
/// types with a field marked `#[claims(scopes)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot carry scopes",
    label = "`#[claims(scopes)]` marks a field of this type",
    note = "the field that carries a token's scopes is a `claimguard::Scopes` (or an `Option` of one, or a nested `#[derive(claimguard::Bounded)]` type with a field marked `#[claims(scopes)]`)"
)]
pub trait ScopeClaim {
    /// Whether `scope` is among the scopes carried.
    fn contains_scope(&self, scope: &str) -> bool;
}

impl ScopeClaim for Scopes {
    fn contains_scope(&self, scope: &str) -> bool {
        self.contains(scope)
    }
}

impl<T: ScopeClaim> ScopeClaim for Option<T> {
    fn contains_scope(&self, scope: &str) -> bool {
        self.as_ref()
            .is_some_and(|inner| inner.contains_scope(scope))
    }
}

/// A claims type with a field marked `#[claims(scopes)]`, which `scope(...)`
/// requirements read; the derive implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field that carries scopes",
    label = "this requirement checks scopes, and `{Self}` marks no field with `#[claims(scopes)]`",
    note = "mark the field that holds the token's scopes with `#[claims(scopes)]`; its type is `claimguard::Scopes`, as in `#[claims(max_items = 32, max_len = 64, default, scopes)] scope: Scopes`"
)]
pub trait HasScopes {
    /// Whether the token grants `scope`.
    fn has_scope(&self, scope: &str) -> bool;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Scopes, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let scopes = <Scopes as Bounded<MaxItemsLen<3, 8>>>::deserialize_bounded(&mut de)?;
        de.end()?;
        Ok(scopes)
    }

    #[test]
    fn both_forms_read_the_same() {
        let from_string = parse(r#""orders:r openid""#).unwrap_or_default();
        let from_list = parse(r#"["orders:r","openid"]"#).unwrap_or_default();
        assert_eq!(from_string, from_list);
        assert!(from_string.contains("orders:r") && !from_string.contains("orders"));
        assert_eq!(from_string.len(), 2);
        assert_eq!(
            serde_json::to_string(&from_list).ok().as_deref(),
            Some(r#""orders:r openid""#)
        );
        assert_eq!(
            format!("{from_list:?}"),
            r#"Scopes(["orders:r", "openid"])"#
        );
        assert!(parse("null").is_err());
        assert!(parse("3").is_err());
    }

    #[test]
    fn absent_scopes_grant_nothing() {
        let none: Option<Scopes> = None;
        assert!(!none.contains_scope("a"));
        assert!(Scopes::default().is_empty());
        assert!(!Scopes::default().contains(""));
        assert_eq!(<Scopes as Bounded<MaxItemsLen<3, 8>>>::MAX_HEAP, 27);
    }
}
