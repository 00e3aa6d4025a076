//! The replay store: where the proofs seen within the window are
//! remembered, so that a proof is accepted once.

use core::future::Future;
use core::pin::Pin;
use std::sync::Arc;

use super::error::StoreError;

/// The longest `jti` accepted by default, in bytes (RFC 9449 asks for at
/// least 96 bits of randomness; a UUID is 36 characters).
pub const DEFAULT_MAX_JTI_BYTES: usize = 128;

/// The length of an RFC 7638 SHA-256 thumbprint in base64url.
pub(crate) const THUMBPRINT_LEN: usize = 43;

/// The longest replay key of proofs whose `jti` is at most `max_jti` bytes:
/// the thumbprint, a colon, the `jti`.
pub(crate) const fn replay_key_bytes(max_jti: usize) -> usize {
    THUMBPRINT_LEN.saturating_add(1).saturating_add(max_jti)
}

/// What a claim found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// The key was not held: it is now, until the time given.
    Fresh,
    /// The key is held already: the proof is a replay.
    Replayed,
}

/// What [`ReplayStore::claim`] hands back.
pub type ClaimFuture<'a> = Pin<Box<dyn Future<Output = Result<Claimed, StoreError>> + Send + 'a>>;

/// Remembers the proofs seen, each until its window closes.
///
/// A verifier calls [`claim`](Self::claim) once per proof, after every
/// other check has passed, with the proof's replay key (its key's RFC 7638
/// thumbprint and its `jti`, as `thumbprint:jti`). A claim must be atomic:
/// of two concurrent claims of one key (on one instance, or on several
/// sharing the store), exactly one is [`Claimed::Fresh`]. A store that
/// cannot tell returns an error, and the proof is refused; it must bound
/// its own time (the verifier waits for it).
///
/// claimguard has two: [`MemoryReplayStore`](super::MemoryReplayStore), in
/// process (the default), and, with the `redis` feature,
/// `RedisReplayStore`, shared by every instance of a service.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
///
/// use claimguard::dpop::{ClaimFuture, Claimed, ReplayStore, StoreError};
///
/// /// A store that never forgets and never gets full (a sketch, not for
/// /// production: it grows without bound).
/// #[derive(Default)]
/// struct Forever(Mutex<HashMap<String, u64>>);
///
/// impl ReplayStore for Forever {
///     fn claim<'a>(&'a self, key: &'a str, until: u64, now: u64) -> ClaimFuture<'a> {
///         let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
///         let claimed = match seen.get(key) {
///             Some(&held) if held > now => Claimed::Replayed,
///             _ => {
///                 seen.insert(key.to_owned(), until);
///                 Claimed::Fresh
///             }
///         };
///         Box::pin(std::future::ready(Ok::<_, StoreError>(claimed)))
///     }
/// }
/// # let _ = Forever::default();
/// ```
pub trait ReplayStore: Send + Sync + 'static {
    /// Holds `key` until `until` (seconds since the epoch, exclusive)
    /// unless it is held already at `now`: [`Claimed::Fresh`] if it was
    /// not, [`Claimed::Replayed`] if it was. A `key` whose `until` is not
    /// after `now` has nothing left to guard: it is `Fresh` and nothing is
    /// stored.
    fn claim<'a>(&'a self, key: &'a str, until: u64, now: u64) -> ClaimFuture<'a>;

    /// The same claim, answered without waiting by a store that never
    /// waits (one in process), or `None` (the default), and the verifier
    /// calls [`claim`](Self::claim). A request then needs no future of the
    /// store's: [`MemoryReplayStore`](super::MemoryReplayStore) answers
    /// here. A store that answers here must answer the same as `claim`.
    fn claim_at_once(
        &self,
        key: &str,
        until: u64,
        now: u64,
    ) -> Option<Result<Claimed, StoreError>> {
        let _ = (key, until, now);
        None
    }
}

impl<S: ReplayStore + ?Sized> ReplayStore for Arc<S> {
    fn claim<'a>(&'a self, key: &'a str, until: u64, now: u64) -> ClaimFuture<'a> {
        (**self).claim(key, until, now)
    }

    fn claim_at_once(
        &self,
        key: &str,
        until: u64,
        now: u64,
    ) -> Option<Result<Claimed, StoreError>> {
        (**self).claim_at_once(key, until, now)
    }
}
