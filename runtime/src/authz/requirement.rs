//! What a route requires of a verified token: the [`Requirement`] trait,
//! which `requirement!` implements for the types it declares and a custom
//! policy implements by hand, and the compile-time union of scope lists
//! that a requirement naming others lists in its challenge.

use http::request::Parts;

/// What a route requires of a verified token, judged on every request after
/// authentication (cache hit or not): a scope, a role, a policy of your own,
/// or an all-of or any-of of those.
///
/// Declare scope and role requirements with
/// [`requirement!`](crate::requirement!); implement this trait by hand for a
/// policy over your claims and the request (its path, method, headers, the
/// extensions other layers put there). A policy is given the claims already
/// verified, so it never reads the token again; it is a plain function, so
/// it cannot wait on I/O (do that in the handler), and a check costs only
/// what the function does.
///
/// ```
/// use axum::http::request::Parts;
/// use claimguard::{Claims, Requirement};
///
/// #[derive(Claims)]
/// #[claims(algorithms = [HS256])]
/// struct User {
///     #[claims(max_len = 64)]
///     tenant: String,
/// }
///
/// /// The tenant in the path, `/tenants/{tenant}/...`, is the token's.
/// struct SameTenant;
///
/// impl Requirement<User> for SameTenant {
///     fn allows(user: &User, parts: &Parts) -> bool {
///         let mut segments = parts.uri.path().split('/').skip(1);
///         segments.next() == Some("tenants") && segments.next() == Some(user.tenant.as_str())
///     }
/// }
/// ```
///
/// A refusal is `403 insufficient_scope` whose challenge lists
/// [`SCOPES`](Self::SCOPES); a policy lists none, and nothing about why it
/// refused is shown.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a requirement on `{T}`",
    label = "not a requirement on `{T}`",
    note = "declare requirements with `claimguard::requirement!`, or implement `claimguard::Requirement<{T}>` for a policy of your own"
)]
pub trait Requirement<T>: 'static {
    /// The scopes a `403` lists: every scope the requirement names (for an
    /// any-of, those of every alternative). Empty for roles and policies,
    /// which are never shown. Each should be an RFC 6749 scope token; one
    /// that is not is left out of the challenge.
    const SCOPES: &'static [&'static str] = &[];

    /// Whether the verified `claims` meet the requirement for the request
    /// whose head is `parts`.
    fn allows(claims: &T, parts: &Parts) -> bool;
}

/// The most scopes one requirement can name, its parts' included.
pub const MAX_SCOPES: usize = 32;

/// Scope lists merged at compile time, for a requirement that names others:
/// `ScopeList::as_slice(&ScopeList::union(&[...]))` in an associated const
/// is a `&'static [&'static str]`. Not part of the stable API.
#[doc(hidden)]
pub struct ScopeList {
    items: [&'static str; MAX_SCOPES],
    len: usize,
}

impl ScopeList {
    /// Every scope of `lists`, in order, each once; more than
    /// [`MAX_SCOPES`] does not compile.
    pub const fn union(lists: &[&'static [&'static str]]) -> Self {
        let mut out = Self {
            items: [""; MAX_SCOPES],
            len: 0,
        };
        let mut list = 0;
        while list < lists.len() {
            let mut item = 0;
            while item < lists[list].len() {
                out.add(lists[list][item]);
                item += 1;
            }
            list += 1;
        }
        out
    }

    const fn add(&mut self, scope: &'static str) {
        let mut i = 0;
        while i < self.len {
            if same(self.items[i], scope) {
                return;
            }
            i += 1;
        }
        assert!(
            self.len < MAX_SCOPES,
            "claimguard: a requirement names more than 32 scopes"
        );
        self.items[self.len] = scope;
        self.len += 1;
    }

    /// The scopes.
    pub const fn as_slice(&'static self) -> &'static [&'static str] {
        self.items.split_at(self.len).0
    }
}

/// `a == b`, in a const context.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Read;
    impl Requirement<()> for Read {
        const SCOPES: &'static [&'static str] = &["read", "list"];
        fn allows((): &(), _: &Parts) -> bool {
            true
        }
    }

    struct Both;
    impl Requirement<()> for Both {
        const SCOPES: &'static [&'static str] =
            ScopeList::as_slice(&ScopeList::union(&[&["write", "read"], Read::SCOPES]));
        fn allows((): &(), _: &Parts) -> bool {
            true
        }
    }

    #[test]
    fn unions_keep_the_order_and_drop_repeats() {
        assert_eq!(Both::SCOPES, ["write", "read", "list"]);
        const NONE: &[&str] = ScopeList::as_slice(&ScopeList::union(&[&[], &[]]));
        assert!(NONE.is_empty());
    }
}
