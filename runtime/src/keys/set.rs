//! A key set: every key bound to the pinned algorithms it may verify and
//! prepared for each of them, and the rule that picks one key for a token.
//! A set is built whole and replaced whole; a key that a replacement keeps
//! keeps its life, one that it drops is withdrawn.

use std::sync::Arc;

use super::crypto::Prepared;
use super::{Key, KeyError};
use crate::algorithm::Algorithm;
use crate::cache::Life as KeyLife;
use crate::reason::Reason;

/// A key, the pinned algorithms it may verify, and its prepared forms.
pub(crate) struct BoundKey {
    key: Key,
    /// The pinned algorithms this key may verify, one bit each.
    algorithms: u16,
    /// The key prepared for each of those algorithms.
    prepared: Box<[(Algorithm, Prepared)]>,
    life: Arc<KeyLife>,
}

impl BoundKey {
    pub(crate) fn prepared(&self, alg: Algorithm) -> Result<&Prepared, Reason> {
        self.prepared
            .iter()
            .find(|(bound, _)| *bound == alg)
            .map(|(_, prepared)| prepared)
            .ok_or(Reason::UnknownKey)
    }

    /// The key's life, which the cache keeps beside what the key verified.
    pub(crate) fn life(&self) -> &Arc<KeyLife> {
        &self.life
    }

    /// Binds `key` to the pinned algorithms and prepares it, with a new life.
    fn new(key: Key, pinned: &'static [Algorithm]) -> Result<Self, KeyError> {
        let algorithms = key.bind(pinned)?;
        let prepared = pinned
            .iter()
            .filter(|alg| algorithms & alg_bit(**alg) != 0)
            .map(|&alg| Ok((alg, Prepared::new(&key.material, alg)?)))
            .collect::<Result<Box<[_]>, KeyError>>()?;
        Ok(Self {
            key,
            algorithms,
            prepared,
            life: Arc::default(),
        })
    }

    /// Whether `other` is the same key: same `kid`, same material, same
    /// restriction.
    fn same_key(&self, other: &Key) -> bool {
        self.key.kid == other.kid
            && self.key.material == other.material
            && self.key.only == other.only
    }
}

/// The keys a verifier (or one issuer of it) holds, each bound and prepared.
pub(crate) struct KeySet {
    keys: Box<[BoundKey]>,
    any_kid: bool,
}

/// Binds every key to the pinned algorithms, refusing an empty or ambiguous
/// set, or a key that can verify none of them.
pub(crate) fn bind(keys: Vec<Key>, pinned: &'static [Algorithm]) -> Result<KeySet, KeyError> {
    if keys.is_empty() {
        return Err(KeyError::NoKeys);
    }
    check_unique_kids(&keys)?;
    let keys = keys
        .into_iter()
        .map(|key| BoundKey::new(key, pinned))
        .collect::<Result<Vec<_>, KeyError>>()?;
    Ok(KeySet::from_bound(keys))
}

/// A key of a fetched set as read: its `kid`, and the key or why it is
/// unusable.
pub(crate) type ReadKey = (Option<Box<str>>, Result<Key, KeyError>);

/// Binds what can be bound of `keys` and says why each other one was left
/// out (a key set fetched from an identity provider is judged key by key).
#[cfg_attr(not(feature = "remote"), allow(dead_code))]
pub(crate) fn bind_each(
    keys: Vec<ReadKey>,
    pinned: &'static [Algorithm],
) -> (Option<KeySet>, Vec<String>) {
    let mut bound: Vec<BoundKey> = Vec::new();
    let mut notes = Vec::new();
    let mut seen: Vec<Box<str>> = Vec::new();
    for (kid, key) in keys {
        let label = kid.as_deref().map_or_else(
            || "a key without kid".to_owned(),
            |kid| format!("kid {kid:?}"),
        );
        if let Some(kid) = &kid {
            if seen.contains(kid) {
                notes.push(format!("{label}: skipped, a second key with this kid"));
                bound.retain(|b| b.key.kid.as_ref() != Some(kid));
                continue;
            }
            seen.push(kid.clone());
        }
        match key.and_then(|key| BoundKey::new(key, pinned)) {
            Ok(key) => bound.push(key),
            Err(error) => notes.push(format!("{label}: skipped, {error}")),
        }
    }
    let set = (!bound.is_empty()).then(|| KeySet::from_bound(bound));
    (set, notes)
}

impl KeySet {
    fn from_bound(keys: Vec<BoundKey>) -> Self {
        Self {
            any_kid: keys.iter().any(|k| k.key.kid.is_some()),
            keys: keys.into_boxed_slice(),
        }
    }

    /// The keys, for `Debug` output (which shows no key material).
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter().map(|bound| &bound.key)
    }

    /// How many keys the set holds.
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Takes over the lives of the keys that `previous` holds too, and
    /// withdraws those it no longer holds: what replaces `previous` keeps
    /// the claims its unchanged keys verified in the cache, and only those.
    pub(crate) fn succeed(mut self, previous: &KeySet) -> Self {
        for key in &mut self.keys {
            if let Some(old) = previous.keys.iter().find(|old| old.same_key(&key.key)) {
                key.life = Arc::clone(&old.life);
            }
        }
        for old in &previous.keys {
            if !self
                .keys
                .iter()
                .any(|key| Arc::ptr_eq(&key.life, &old.life))
            {
                old.life.withdraw();
            }
        }
        self
    }

    /// How many keys this set has that `previous` lacks, and how many of
    /// `previous`'s it lacks (by [`BoundKey::same_key`]).
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    pub(crate) fn changes(&self, previous: &KeySet) -> (usize, usize) {
        let added = self
            .keys
            .iter()
            .filter(|key| !previous.keys.iter().any(|old| old.same_key(&key.key)))
            .count();
        let removed = previous
            .keys
            .iter()
            .filter(|old| !self.keys.iter().any(|key| key.same_key(&old.key)))
            .count();
        (added, removed)
    }

    /// The key for `alg` and `kid`. With named keys, a `kid` must name one;
    /// without a `kid`, exactly one key may fit `alg`, since trying several
    /// would multiply the cost of a forged token.
    pub(crate) fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&BoundKey, Reason> {
        let bit = alg_bit(alg);
        if let (Some(kid), true) = (kid, self.any_kid) {
            return self
                .keys
                .iter()
                .find(|k| k.key.kid.as_deref() == Some(kid) && k.algorithms & bit != 0)
                .ok_or(Reason::UnknownKey);
        }
        let mut fitting = self.keys.iter().filter(|k| k.algorithms & bit != 0);
        match (fitting.next(), fitting.next()) {
            (Some(only), None) => Ok(only),
            _ => Err(Reason::UnknownKey),
        }
    }

    /// Whether a token naming `kid`, which no key here fits, may ask for a
    /// refetch: no key of the set has that `kid` (one that has it was
    /// refused for its algorithm, which a refetch would not change), and
    /// the `kid` is short enough to be real.
    pub(crate) fn may_fetch(&self, kid: &str) -> bool {
        kid.len() <= MAX_KID_BYTES && !self.keys.iter().any(|k| k.key.kid.as_deref() == Some(kid))
    }
}

/// The longest `kid` a token may name and still ask for a refetch of its
/// issuer's keys: a longer one is refused as unknown, at once.
pub const MAX_KID_BYTES: usize = 256;

/// The bit of `alg` in a set of algorithms.
pub(crate) const fn alg_bit(alg: Algorithm) -> u16 {
    1 << (alg as u16)
}

/// Refuses two keys that share a `kid`.
pub(crate) fn check_unique_kids(keys: &[Key]) -> Result<(), KeyError> {
    for (i, key) in keys.iter().enumerate() {
        if let Some(kid) = &key.kid
            && keys[..i]
                .iter()
                .any(|other| other.kid.as_ref() == Some(kid))
        {
            return Err(KeyError::DuplicateKid);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HS: &[Algorithm] = &[Algorithm::HS256];

    fn hmac(byte: u8, kid: &str) -> Key {
        Key::hmac([byte; 32])
            .unwrap_or_else(|e| panic!("{e}"))
            .with_kid(kid)
    }

    #[test]
    fn a_successor_keeps_the_lives_of_the_keys_it_keeps() {
        let first = bind(vec![hmac(1, "a"), hmac(2, "b")], HS).unwrap_or_else(|e| panic!("{e}"));
        let a = Arc::clone(
            first
                .select(Algorithm::HS256, Some("a"))
                .map(BoundKey::life)
                .unwrap_or_else(|e| panic!("{e}")),
        );
        let b = Arc::clone(
            first
                .select(Algorithm::HS256, Some("b"))
                .map(BoundKey::life)
                .unwrap_or_else(|e| panic!("{e}")),
        );
        // "a" stays, "b" goes, "c" arrives; "a" under new material is new.
        let second = bind(vec![hmac(1, "a"), hmac(3, "c")], HS)
            .unwrap_or_else(|e| panic!("{e}"))
            .succeed(&first);
        assert!(a.live() && !b.live());
        let kept = second
            .select(Algorithm::HS256, Some("a"))
            .map(BoundKey::life);
        assert!(kept.is_ok_and(|life| Arc::ptr_eq(life, &a)));
        let third = bind(vec![hmac(9, "a")], HS)
            .unwrap_or_else(|e| panic!("{e}"))
            .succeed(&second);
        assert!(!a.live());
        assert_eq!(third.len(), 1);
    }

    #[test]
    fn each_key_is_judged_alone() {
        let short = Key::hmac([1; 32]).unwrap_or_else(|e| panic!("{e}"));
        let keys = vec![
            (Some("ok".into()), Ok(hmac(1, "ok"))),
            (Some("bad".into()), Err(KeyError::Unsupported("P-521"))),
            (Some("dup".into()), Ok(hmac(2, "dup"))),
            (Some("dup".into()), Ok(hmac(3, "dup"))),
            (None, Ok(short)),
        ];
        let (set, notes) = bind_each(keys, &[Algorithm::HS512]);
        // Nothing fits HS512 (the secrets are 32 bytes): no set at all.
        assert!(set.is_none());
        assert_eq!(notes.len(), 5, "{notes:?}");
        let (set, notes) = bind_each(vec![(Some("ok".into()), Ok(hmac(1, "ok")))], HS);
        assert_eq!(set.map(|s| s.len()), Some(1));
        assert!(notes.is_empty());
    }
}
