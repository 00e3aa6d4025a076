//! Proof headers judged before. A client signs all its proofs with one key
//! and sends the same header with each (`typ`, `alg`, `jwk`), so the
//! header's verdict (the `jwk` read, checked, made into a key and
//! thumbprinted) is kept by the header's exact text, and the next proof
//! with that header skips all of it. Each slot also remembers the last
//! access token found bound to its key, with the token's SHA-256, so that
//! the client's next request with that token neither reads the token's
//! `cnf` again nor hashes the token for `ath`.
//!
//! What is kept is exactly what the slow path would find again: a header
//! is kept only after a proof with it passed every check and its
//! signature, a token only once its `cnf.jkt` was found to be the key's
//! thumbprint; both are compared byte for byte, never by hash alone. A
//! header that fails is judged again every time (and a failing proof costs
//! no more than before).
//!
//! Bounded: [`SLOTS`] slots, each holding the last header that hashed to
//! it (a new one replaces it: O(1), no eviction order to keep), headers
//! and tokens over [`MAX_KEPT_BYTES`] not kept. Readers take a slot
//! without a lock (an `ArcSwap` load); a writer replaces the slot whole.

use std::hash::BuildHasher as _;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use foldhash::fast::RandomState;

use super::replay::THUMBPRINT_LEN;
use crate::keys::crypto::Prepared;

/// How many headers a verifier keeps.
pub(crate) const SLOTS: usize = 256;

/// The longest header or access token kept, in bytes: at most
/// [`SLOTS`] × 2 × this is held, with the keys.
pub(crate) const MAX_KEPT_BYTES: usize = 4096;

/// A header's verdict: its key made for its algorithm, and the key's
/// thumbprint.
pub(crate) struct Judged {
    pub(crate) key: Prepared,
    pub(crate) thumbprint: [u8; THUMBPRINT_LEN],
}

/// An access token found bound to a slot's key, with its SHA-256.
struct Bound {
    token: Box<[u8]>,
    digest: [u8; 32],
}

struct Slot {
    header: Box<[u8]>,
    judged: Arc<Judged>,
    bound: Option<Bound>,
}

/// What a kept header gives a request.
pub(crate) struct Kept {
    pub(crate) judged: Arc<Judged>,
    /// The request's token's SHA-256, when the slot holds that token as
    /// bound to the key.
    pub(crate) bound: Option<[u8; 32]>,
}

/// The kept headers of one verifier.
pub(crate) struct KeptHeaders {
    slots: Box<[ArcSwapOption<Slot>]>,
    hasher: RandomState,
}

impl KeptHeaders {
    pub(crate) fn new() -> Self {
        Self {
            slots: (0..SLOTS).map(|_| ArcSwapOption::empty()).collect(),
            hasher: RandomState::default(),
        }
    }

    fn slot(&self, header: &[u8]) -> &ArcSwapOption<Slot> {
        // `SLOTS` is a power of two, and the index is below it.
        let index = self.hasher.hash_one(header) as usize % SLOTS;
        &self.slots[index]
    }

    /// The verdict on `header` (a proof's first segment, as sent), if it is
    /// kept, and whether `token` is the one kept as bound to its key.
    pub(crate) fn get(&self, header: &[u8], token: &[u8]) -> Option<Kept> {
        let guard = self.slot(header).load();
        let slot = guard.as_ref().filter(|slot| *slot.header == *header)?;
        let bound = slot
            .bound
            .as_ref()
            .filter(|bound| *bound.token == *token)
            .map(|bound| bound.digest);
        Some(Kept {
            judged: Arc::clone(&slot.judged),
            bound,
        })
    }

    /// Keeps `header`'s verdict (a proof with it passed every check and its
    /// signature), with `token`, found bound to its key, whose SHA-256 is
    /// `digest`.
    pub(crate) fn keep(&self, header: &[u8], judged: Arc<Judged>, token: &[u8], digest: [u8; 32]) {
        if header.len() > MAX_KEPT_BYTES {
            return;
        }
        let bound = (token.len() <= MAX_KEPT_BYTES).then(|| Bound {
            token: token.into(),
            digest,
        });
        self.slot(header).store(Some(Arc::new(Slot {
            header: header.into(),
            judged,
            bound,
        })));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithm::Algorithm;
    use crate::keys::Material;

    fn judged(fill: u8) -> Arc<Judged> {
        let key = Prepared::new(&Material::Secret(vec![fill; 32].into()), Algorithm::HS256);
        let key = key.unwrap_or_else(|e| panic!("{e:?}"));
        Arc::new(Judged {
            key,
            thumbprint: [b'A' + fill; THUMBPRINT_LEN],
        })
    }

    #[test]
    fn a_header_is_found_by_its_exact_text_and_a_token_by_its_own() {
        let kept = KeptHeaders::new();
        assert!(kept.get(b"eyJh", b"t1").is_none());
        kept.keep(b"eyJh", judged(1), b"t1", [7; 32]);
        let hit = kept.get(b"eyJh", b"t1").unwrap_or_else(|| panic!("kept"));
        assert_eq!(hit.judged.thumbprint, [b'B'; THUMBPRINT_LEN]);
        assert_eq!(hit.bound, Some([7; 32]));
        // Another token with the same header: the key, not the binding.
        let other = kept.get(b"eyJh", b"t2").unwrap_or_else(|| panic!("kept"));
        assert!(other.bound.is_none());
        // A header one byte longer or shorter is another header.
        assert!(kept.get(b"eyJhb", b"t1").is_none());
        assert!(kept.get(b"eyJ", b"t1").is_none());
        // The token found bound last is the one kept.
        kept.keep(b"eyJh", judged(1), b"t2", [8; 32]);
        assert_eq!(
            kept.get(b"eyJh", b"t2").and_then(|k| k.bound),
            Some([8; 32])
        );
        assert!(kept.get(b"eyJh", b"t1").is_some_and(|k| k.bound.is_none()));
    }

    #[test]
    fn what_is_kept_is_bounded() {
        let kept = KeptHeaders::new();
        let long = "h".repeat(MAX_KEPT_BYTES + 1);
        kept.keep(long.as_bytes(), judged(1), b"t", [0; 32]);
        assert!(kept.get(long.as_bytes(), b"t").is_none());
        let at_cap = "h".repeat(MAX_KEPT_BYTES);
        kept.keep(at_cap.as_bytes(), judged(1), b"t", [0; 32]);
        assert!(kept.get(at_cap.as_bytes(), b"t").is_some());
        // A token over the cap: the header is kept, the token is not.
        let token = b"t".repeat(MAX_KEPT_BYTES + 1);
        kept.keep(b"eyJh", judged(1), &token, [0; 32]);
        assert!(kept.get(b"eyJh", &token).is_some_and(|k| k.bound.is_none()));
        let token = b"t".repeat(MAX_KEPT_BYTES);
        kept.keep(b"eyJh", judged(1), &token, [0; 32]);
        assert!(kept.get(b"eyJh", &token).is_some_and(|k| k.bound.is_some()));
        // However many headers come, at most `SLOTS` are held.
        for i in 0..4 * SLOTS {
            kept.keep(format!("header-{i}").as_bytes(), judged(2), b"t", [0; 32]);
        }
        let held = kept.slots.iter().filter(|s| s.load().is_some()).count();
        assert!(held <= SLOTS);
        let found = (0..4 * SLOTS)
            .filter(|i| kept.get(format!("header-{i}").as_bytes(), b"t").is_some())
            .count();
        assert!(found <= SLOTS && found > 0, "{found}");
    }
}
