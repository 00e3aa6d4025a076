//! Roles: the [`Roles`] and [`KeycloakRoles`] claim types, what a field
//! marked `#[claims(roles)]` must be ([`RoleClaim`]), and what a claims type
//! with such a field is ([`HasRoles`]).

use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::packed::{Caps, ListVisitor, Packed};
use crate::claims::bounded::{Bounded, BoundedSeed, MaxItemsLen};

/// A list of role (or group, or permission) names: a plain `roles` array,
/// Auth0's `permissions`, Amazon Cognito's `cognito:groups`, Microsoft
/// Entra ID's `roles`, and the `roles` inside Keycloak's objects (see
/// [`KeycloakRoles`]).
///
/// Bounded like a `Vec<String>`: `#[claims(max_items = M, max_len = N)]`
/// admits at most `M` names of at most `N` bytes each, refused while they
/// are parsed. The names are kept in one string (one allocation, none per
/// name); [`contains`](Self::contains) allocates nothing. A name may hold
/// spaces; an empty name, or one holding NUL, can never match a requirement
/// and is counted against the cap but not kept.
///
/// Mark the field with `#[claims(roles)]` for `role(...)` requirements to
/// read it:
///
/// ```
/// use claimguard::{Claims, Roles};
///
/// #[derive(Claims)]
/// #[claims(algorithms = [HS256])]
/// struct User {
///     #[claims(max_items = 16, max_len = 64, default, roles)]
///     roles: Roles,
/// }
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Roles(Packed<'\0'>);

impl Roles {
    /// Whether `role` is one of the names, compared byte for byte.
    pub fn contains(&self, role: &str) -> bool {
        self.0.contains(role)
    }

    /// The names, in the token's order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.iter()
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.joined().is_empty()
    }
}

impl fmt::Debug for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Roles").field(&self.0).finish()
    }
}

/// As a list of strings.
impl Serialize for Roles {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<const M: usize, const N: usize> Bounded<MaxItemsLen<M, N>> for Roles {
    const MAX_HEAP: usize = Packed::<'\0'>::max_heap(M, N);

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let caps = Caps {
            items: M,
            len: N,
            strings: false,
        };
        deserializer.deserialize_seq(ListVisitor(caps)).map(Self)
    }
}

/// Keycloak's role object, `{"roles": [...]}`: the value of `realm_access`
/// (the realm's roles) and of each client in `resource_access` (that
/// client's roles). Its other members are skipped without being read into
/// memory; without `roles` it holds none. The caps are those of its
/// [`Roles`].
///
/// ```
/// use claimguard::{Claims, KeycloakRoles};
///
/// #[derive(Claims)]
/// #[claims(algorithms = [RS256])]
/// struct User {
///     #[claims(max_items = 32, max_len = 64, default, roles)]
///     realm_access: KeycloakRoles,
/// }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeycloakRoles {
    roles: Roles,
}

impl KeycloakRoles {
    /// The roles.
    pub fn roles(&self) -> &Roles {
        &self.roles
    }
}

/// As Keycloak writes it: `{"roles": [...]}`.
impl Serialize for KeycloakRoles {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("KeycloakRoles", 1)?;
        object.serialize_field("roles", &self.roles)?;
        object.end()
    }
}

impl<const M: usize, const N: usize> Bounded<MaxItemsLen<M, N>> for KeycloakRoles {
    const MAX_HEAP: usize = <Roles as Bounded<MaxItemsLen<M, N>>>::MAX_HEAP;

    fn deserialize_bounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor::<M, N>)
    }
}

struct ObjectVisitor<const M: usize, const N: usize>;

impl<'de, const M: usize, const N: usize> Visitor<'de> for ObjectVisitor<M, N> {
    type Value = KeycloakRoles;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an object whose `roles` is a list of at most {M} strings of at most {N} bytes"
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeycloakRoles, A::Error> {
        let mut roles = None;
        while let Some(member) = map.next_key::<Member>()? {
            match member {
                Member::Roles if roles.is_some() => {
                    return Err(de::Error::duplicate_field("roles"));
                }
                Member::Roles => {
                    let seed = BoundedSeed::<Roles, MaxItemsLen<M, N>>::new();
                    roles = Some(map.next_value_seed(seed)?);
                }
                Member::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(KeycloakRoles {
            roles: roles.unwrap_or_default(),
        })
    }
}

/// A member of a role object: `roles`, or one to skip.
enum Member {
    Roles,
    Other,
}

impl<'de> de::Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MemberVisitor;

        impl Visitor<'_> for MemberVisitor {
            type Value = Member;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Member, E> {
                Ok(if name == "roles" {
                    Member::Roles
                } else {
                    Member::Other
                })
            }
        }

        deserializer.deserialize_identifier(MemberVisitor)
    }
}

/// A type that can carry a token's roles: what a field marked
/// `#[claims(roles)]` must be. Implemented by [`Roles`], [`KeycloakRoles`],
/// `Option`s of such types (`None` holds no role), and nested
/// `#[derive(Bounded)]` types with a field marked `#[claims(roles)]` (how
/// Keycloak's `resource_access` is read for one client).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot carry roles",
    label = "`#[claims(roles)]` marks a field of this type",
    note = "the field that carries a token's roles is a `claimguard::Roles` or `claimguard::KeycloakRoles` (or an `Option` of one, or a nested `#[derive(claimguard::Bounded)]` type with a field marked `#[claims(roles)]`)"
)]
pub trait RoleClaim {
    /// Whether `role` is among the roles carried.
    fn contains_role(&self, role: &str) -> bool;
}

impl RoleClaim for Roles {
    fn contains_role(&self, role: &str) -> bool {
        self.contains(role)
    }
}

impl RoleClaim for KeycloakRoles {
    fn contains_role(&self, role: &str) -> bool {
        self.roles.contains(role)
    }
}

impl<T: RoleClaim> RoleClaim for Option<T> {
    fn contains_role(&self, role: &str) -> bool {
        self.as_ref().is_some_and(|inner| inner.contains_role(role))
    }
}

/// A claims type with a field marked `#[claims(roles)]`, which `role(...)`
/// requirements read; the derive implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field that carries roles",
    label = "this requirement checks roles, and `{Self}` marks no field with `#[claims(roles)]`",
    note = "mark the field that holds the token's roles with `#[claims(roles)]`; its type is `claimguard::Roles` or `claimguard::KeycloakRoles`, as in `#[claims(max_items = 16, max_len = 64, default, roles)] roles: Roles`"
)]
pub trait HasRoles {
    /// Whether the token holds `role`.
    fn has_role(&self, role: &str) -> bool;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: Bounded<MaxItemsLen<2, 5>>>(json: &str) -> Result<T, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let value = T::deserialize_bounded(&mut de)?;
        de.end()?;
        Ok(value)
    }

    #[test]
    fn a_list_of_names() {
        let roles = parse::<Roles>(r#"["admin","a b"]"#).unwrap_or_default();
        assert!(roles.contains("admin") && roles.contains("a b") && !roles.contains("a"));
        assert_eq!(roles.len(), 2);
        assert_eq!(
            serde_json::to_string(&roles).ok().as_deref(),
            Some(r#"["admin","a b"]"#)
        );
        assert!(
            parse::<Roles>(r#""admin""#).is_err(),
            "a string is not a list of roles"
        );
        assert!(parse::<Roles>(r#"["a","b","c"]"#).is_err());
        assert!(parse::<Roles>(r#"["admins"]"#).is_err());
    }

    #[test]
    fn keycloak_objects() {
        let realm = parse::<KeycloakRoles>(r#"{"other":{"deep":[1,2]},"roles":["admin"]}"#)
            .unwrap_or_default();
        assert!(realm.contains_role("admin"));
        assert_eq!(
            serde_json::to_string(&realm).ok().as_deref(),
            Some(r#"{"roles":["admin"]}"#)
        );
        let empty = parse::<KeycloakRoles>(r#"{"x":1}"#).unwrap_or_default();
        assert!(empty.roles().is_empty());
        assert!(parse::<KeycloakRoles>(r#"{"roles":["a"],"roles":["b"]}"#).is_err());
        assert!(parse::<KeycloakRoles>(r#"{"roles":["a","b","c"]}"#).is_err());
        assert!(parse::<KeycloakRoles>(r#"["a"]"#).is_err());
        assert!(!None::<KeycloakRoles>.contains_role("a"));
    }
}
