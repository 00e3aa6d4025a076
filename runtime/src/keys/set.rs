//! A key set: every key bound to the pinned algorithms it may verify and
//! prepared for each of them, and the rule that picks one key for a token.
//! A set is built whole, and replaced whole.

use super::crypto::Prepared;
use super::{Key, KeyError};
use crate::algorithm::Algorithm;
use crate::reason::Reason;

/// A key, the pinned algorithms it may verify, and its prepared forms.
pub(crate) struct BoundKey {
    key: Key,
    /// The pinned algorithms this key may verify, one bit each.
    algorithms: u16,
    /// The key prepared for each of those algorithms.
    prepared: Box<[(Algorithm, Prepared)]>,
}

impl BoundKey {
    pub(crate) fn prepared(&self, alg: Algorithm) -> Result<&Prepared, Reason> {
        self.prepared
            .iter()
            .find(|(bound, _)| *bound == alg)
            .map(|(_, prepared)| prepared)
            .ok_or(Reason::UnknownKey)
    }
}

/// The keys a verifier holds, each bound and prepared.
pub(crate) struct KeySet {
    keys: Box<[BoundKey]>,
    any_kid: bool,
}

/// Binds every key to the pinned algorithms, refusing an empty or ambiguous set.
pub(crate) fn bind(keys: Vec<Key>, pinned: &'static [Algorithm]) -> Result<KeySet, KeyError> {
    if keys.is_empty() {
        return Err(KeyError::NoKeys);
    }
    check_unique_kids(&keys)?;
    let keys = keys
        .into_iter()
        .map(|key| {
            let algorithms = key.bind(pinned)?;
            let prepared = pinned
                .iter()
                .filter(|alg| algorithms & alg_bit(**alg) != 0)
                .map(|&alg| Ok((alg, Prepared::new(&key.material, alg)?)))
                .collect::<Result<Box<[_]>, KeyError>>()?;
            Ok(BoundKey {
                key,
                algorithms,
                prepared,
            })
        })
        .collect::<Result<Box<[_]>, KeyError>>()?;
    Ok(KeySet {
        any_kid: keys.iter().any(|k| k.key.kid.is_some()),
        keys,
    })
}

impl KeySet {
    /// The keys, for `Debug` output (which shows no key material).
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter().map(|bound| &bound.key)
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
}

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
