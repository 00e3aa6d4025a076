//! The cache's series (feature `metrics`): what each operation changed, as
//! counters and gauges labelled with the claims type's name.

/// Cache lookups that returned claims.
pub(crate) const CACHE_HITS: &str = "claimguard_cache_hits_total";
/// Cache lookups that found nothing usable.
pub(crate) const CACHE_MISSES: &str = "claimguard_cache_misses_total";
/// Entries added.
pub(crate) const CACHE_INSERTS: &str = "claimguard_cache_inserts_total";
/// Live entries evicted to make room, or dropped with a shard a panic
/// poisoned.
pub(crate) const CACHE_EVICTIONS: &str = "claimguard_cache_evictions_total";
/// Expired entries removed.
pub(crate) const CACHE_EXPIRATIONS: &str = "claimguard_cache_expirations_total";
/// Entries removed because their key was withdrawn.
pub(crate) const CACHE_WITHDRAWALS: &str = "claimguard_cache_withdrawals_total";
/// Entries cached.
pub(crate) const CACHE_ENTRIES: &str = "claimguard_cache_entries";
/// Accounted bytes of the entries cached.
pub(crate) const CACHE_BYTES: &str = "claimguard_cache_bytes";

/// What one cache operation changed.
#[cfg(feature = "metrics")]
#[derive(Clone, Copy, Default)]
pub(crate) struct Delta {
    pub(crate) hits: u64,
    pub(crate) misses: u64,
    pub(crate) inserts: u64,
    pub(crate) evictions: u64,
    pub(crate) expirations: u64,
    pub(crate) withdrawn: u64,
    pub(crate) entries: i64,
    pub(crate) bytes: i64,
}

/// A cache's series, labelled with the claims type's name: a handle for
/// each, registered with the recorder in place at the first operation that
/// changes it, then reused, so that a lookup builds no key and allocates
/// nothing for its count.
#[cfg(feature = "metrics")]
pub(crate) struct Series {
    claims: &'static str,
    handles: std::sync::OnceLock<Handles>,
}

#[cfg(feature = "metrics")]
struct Handles {
    hits: metrics::Counter,
    misses: metrics::Counter,
    inserts: metrics::Counter,
    evictions: metrics::Counter,
    expirations: metrics::Counter,
    withdrawn: metrics::Counter,
    entries: metrics::Gauge,
    bytes: metrics::Gauge,
}

#[cfg(feature = "metrics")]
impl Series {
    /// The series of the claims type named `claims`.
    pub(crate) const fn new(claims: &'static str) -> Self {
        Self {
            claims,
            handles: std::sync::OnceLock::new(),
        }
    }

    /// Records `delta`; a counter or gauge that did not change is not
    /// touched.
    pub(crate) fn record(&self, delta: &Delta) {
        let claims = self.claims;
        let handles = self.handles.get_or_init(|| Handles {
            hits: metrics::counter!(CACHE_HITS, "claims" => claims),
            misses: metrics::counter!(CACHE_MISSES, "claims" => claims),
            inserts: metrics::counter!(CACHE_INSERTS, "claims" => claims),
            evictions: metrics::counter!(CACHE_EVICTIONS, "claims" => claims),
            expirations: metrics::counter!(CACHE_EXPIRATIONS, "claims" => claims),
            withdrawn: metrics::counter!(CACHE_WITHDRAWALS, "claims" => claims),
            entries: metrics::gauge!(CACHE_ENTRIES, "claims" => claims),
            bytes: metrics::gauge!(CACHE_BYTES, "claims" => claims),
        });
        for (counter, n) in [
            (&handles.hits, delta.hits),
            (&handles.misses, delta.misses),
            (&handles.inserts, delta.inserts),
            (&handles.evictions, delta.evictions),
            (&handles.expirations, delta.expirations),
            (&handles.withdrawn, delta.withdrawn),
        ] {
            if n > 0 {
                counter.increment(n);
            }
        }
        for (gauge, n) in [
            (&handles.entries, delta.entries),
            (&handles.bytes, delta.bytes),
        ] {
            if n != 0 {
                // Entry counts and byte totals are far below 2^52.
                #[allow(clippy::cast_precision_loss)]
                gauge.increment(n as f64);
            }
        }
    }
}
