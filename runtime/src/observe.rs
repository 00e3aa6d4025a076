//! What claimguard tells the application: events for its `tracing`
//! subscriber (feature `tracing`, target `claimguard`) and series for its
//! `metrics` recorder (feature `metrics`). With neither feature, every
//! function here is empty and inlined away.
//!
//! Nothing the token chose is ever a label or a field: labels are the claims
//! type's name and a configured issuer; a refusal's fields are its
//! [`Reason`], the algorithm (one of the pinned ones, or none) and, once the
//! signature has been verified, the configured issuer. A key source's
//! events fire on changes of state only, so no flood of tokens can make one
//! event per request above `debug`.

// Each function's body is compiled by feature, so its arguments go unused in
// some builds.
#![allow(unused_variables)]

use std::sync::Arc;

use crate::algorithm::Algorithm;
use crate::cache::metrics::{
    CACHE_BYTES, CACHE_ENTRIES, CACHE_EVICTIONS, CACHE_EXPIRATIONS, CACHE_HITS, CACHE_INSERTS,
    CACHE_MISSES, CACHE_WITHDRAWALS,
};
use crate::reason::Reason;

/// Every series claimguard records with the `metrics` feature: name, kind,
/// labels, meaning. Labels are the claims type's name (`claims`), a
/// configured issuer (`issuer`), and fixed words; never anything a token
/// chose. The README's table is checked against this one.
pub const METRICS: &[(&str, &str, &str, &str)] = &[
    (
        VERIFICATIONS,
        "counter",
        "claims, outcome, reason",
        "verifications: `outcome` accepted, refused or unavailable; `reason` the refusal's (`none` when accepted)",
    ),
    (
        CACHE_HITS,
        "counter",
        "claims",
        "cache lookups that returned claims",
    ),
    (
        CACHE_MISSES,
        "counter",
        "claims",
        "cache lookups that found nothing usable",
    ),
    (CACHE_INSERTS, "counter", "claims", "entries added"),
    (
        CACHE_EVICTIONS,
        "counter",
        "claims",
        "live entries evicted to make room",
    ),
    (
        CACHE_EXPIRATIONS,
        "counter",
        "claims",
        "expired entries removed",
    ),
    (
        CACHE_WITHDRAWALS,
        "counter",
        "claims",
        "entries removed because their key was withdrawn",
    ),
    (CACHE_ENTRIES, "gauge", "claims", "entries cached"),
    (
        CACHE_BYTES,
        "gauge",
        "claims",
        "accounted bytes of the entries cached",
    ),
    (
        KEY_FETCHES,
        "counter",
        "claims, issuer, trigger, outcome",
        "key fetches: `trigger` startup, scheduled, unknown_kid or reload; `outcome` ok or error",
    ),
    (KEYS, "gauge", "claims, issuer", "keys in service"),
    (
        KEYS_FETCHED,
        "gauge",
        "claims, issuer",
        "when the keys in service were fetched, seconds since the epoch (age = now - this)",
    ),
    (
        KEYS_STALE,
        "gauge",
        "claims, issuer",
        "1 while the keys in service are past their lifetime (stale, or failing), else 0",
    ),
];

const VERIFICATIONS: &str = "claimguard_verifications_total";
const KEY_FETCHES: &str = "claimguard_key_fetches_total";
const KEYS: &str = "claimguard_keys";
const KEYS_FETCHED: &str = "claimguard_keys_fetched_timestamp_seconds";
const KEYS_STALE: &str = "claimguard_keys_stale";

/// A reason's label: short, fixed, snake case.
#[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
pub(crate) const fn reason_label(reason: Reason) -> &'static str {
    match reason {
        Reason::Missing => "missing",
        Reason::InvalidRequest => "invalid_request",
        Reason::TooLarge => "too_large",
        Reason::Malformed => "malformed",
        Reason::Algorithm => "algorithm",
        Reason::UnsupportedHeader => "unsupported_header",
        Reason::UnknownKey => "unknown_key",
        Reason::Signature => "signature",
        Reason::Claims => "claims",
        Reason::Expired => "expired",
        Reason::NotYetValid => "not_yet_valid",
        Reason::IssuedInFuture => "issued_in_future",
        Reason::Issuer => "issuer",
        Reason::Audience => "audience",
        Reason::MissingClaim(_) => "missing_claim",
        Reason::KeysUnavailable => "keys_unavailable",
        Reason::InsufficientScope => "insufficient_scope",
        #[cfg(feature = "dpop")]
        Reason::Dpop(error) => error.label(),
    }
}

/// What the pipeline learnt of a token on its way, for the events: the
/// algorithm once the header named a pinned one, and the configured issuer
/// once the signature held. Empty, and free, without the features.
#[derive(Default)]
pub(crate) struct Seen {
    #[cfg(any(feature = "tracing", feature = "metrics"))]
    alg: Option<Algorithm>,
    #[cfg(any(feature = "tracing", feature = "metrics"))]
    issuer: Option<Arc<str>>,
}

impl Seen {
    /// The header's algorithm, one of the pinned ones.
    #[inline]
    pub(crate) fn alg(&mut self, alg: Algorithm) {
        #[cfg(any(feature = "tracing", feature = "metrics"))]
        {
            self.alg = Some(alg);
        }
    }

    /// The configured issuer of a token whose signature held, as
    /// [`issuer_label`] found it.
    #[inline]
    pub(crate) fn issuer(&mut self, issuer: IssuerLabel) {
        #[cfg(any(feature = "tracing", feature = "metrics"))]
        {
            self.issuer = issuer;
        }
    }
}

/// A configured issuer, as the events show it (nothing without the
/// features).
#[cfg(any(feature = "tracing", feature = "metrics"))]
pub(crate) type IssuerLabel = Option<Arc<str>>;
/// A configured issuer, as the events show it (nothing without the
/// features).
#[cfg(not(any(feature = "tracing", feature = "metrics")))]
pub(crate) type IssuerLabel = ();

/// The label of the accepted issuer at `index` of `issuers`.
#[inline]
pub(crate) fn issuer_label(issuers: &[Arc<str>], index: Option<u16>) -> IssuerLabel {
    #[cfg(any(feature = "tracing", feature = "metrics"))]
    return index.and_then(|i| issuers.get(usize::from(i))).cloned();
}

/// A verifier's verification series: the claims type's name, and (with
/// `metrics`) a handle for each counter, registered with the recorder in
/// place at the first verification that counts on it, then reused, so that
/// a request builds no key and allocates nothing for its count.
pub(crate) struct Series {
    #[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
    claims: &'static str,
    #[cfg(feature = "metrics")]
    accepted: std::sync::OnceLock<metrics::Counter>,
    #[cfg(feature = "metrics")]
    refused: [std::sync::OnceLock<metrics::Counter>; Reason::ALL.len()],
    /// The DPoP refusals, by [`DpopError::ALL`](crate::dpop::error::DpopError::ALL).
    #[cfg(all(feature = "metrics", feature = "dpop"))]
    dpop: [std::sync::OnceLock<metrics::Counter>; crate::dpop::error::DpopError::ALL.len()],
}

impl Series {
    /// The series of the claims type named `claims`.
    pub(crate) fn new(claims: &'static str) -> Self {
        Self {
            claims,
            #[cfg(feature = "metrics")]
            accepted: std::sync::OnceLock::new(),
            #[cfg(feature = "metrics")]
            refused: core::array::from_fn(|_| std::sync::OnceLock::new()),
            #[cfg(all(feature = "metrics", feature = "dpop"))]
            dpop: core::array::from_fn(|_| std::sync::OnceLock::new()),
        }
    }
}

/// A verification that returned claims.
#[inline]
pub(crate) fn accepted(series: &Series) {
    #[cfg(feature = "metrics")]
    series
        .accepted
        .get_or_init(|| {
            metrics::counter!(VERIFICATIONS, "claims" => series.claims, "outcome" => "accepted", "reason" => "none")
        })
        .increment(1);
}

/// A refusal: an event at `debug`, and a count.
#[inline]
pub(crate) fn refused(series: &Series, reason: Reason, seen: &Seen) {
    // Not the client's fault (keys, or a DPoP replay store, unavailable).
    let outcome = if reason.status() == http::StatusCode::SERVICE_UNAVAILABLE {
        "unavailable"
    } else {
        "refused"
    };
    #[cfg(feature = "tracing")]
    tracing::debug!(
        target: "claimguard",
        claims = series.claims,
        reason = reason_label(reason),
        alg = seen.alg.map(Algorithm::name),
        issuer = seen.issuer.as_deref(),
        "{outcome}: {reason}"
    );
    #[cfg(feature = "metrics")]
    let counter = match reason {
        #[cfg(feature = "dpop")]
        Reason::Dpop(error) => crate::dpop::error::DpopError::ALL
            .iter()
            .position(|e| core::mem::discriminant(e) == core::mem::discriminant(&error))
            .and_then(|i| series.dpop.get(i)),
        _ => series.refused.get(reason.index()),
    };
    #[cfg(feature = "metrics")]
    if let Some(counter) = counter {
        counter
            .get_or_init(|| {
                metrics::counter!(VERIFICATIONS, "claims" => series.claims, "outcome" => outcome, "reason" => reason_label(reason))
            })
            .increment(1);
    }
}

/// Events and series of one issuer's key source.
#[cfg(feature = "remote")]
pub(crate) mod keys {
    use super::*;
    use crate::keys::remote::KeyState;

    /// What started a fetch.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Trigger {
        Startup,
        Scheduled,
        UnknownKid,
        Reload,
    }

    impl Trigger {
        #[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
        pub(crate) const fn label(self) -> &'static str {
            match self {
                Self::Startup => "startup",
                Self::Scheduled => "scheduled",
                Self::UnknownKid => "unknown_kid",
                Self::Reload => "reload",
            }
        }
    }

    /// The labels of one issuer's series.
    #[derive(Clone)]
    #[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
    pub(crate) struct Tags {
        pub(crate) claims: &'static str,
        pub(crate) issuer: Arc<str>,
    }

    #[cfg(feature = "metrics")]
    fn issuer_label(tags: &Tags) -> metrics::SharedString {
        metrics::SharedString::from_shared(Arc::clone(&tags.issuer))
    }

    /// A fetch ended: a count, and the key gauges on success.
    pub(crate) fn fetched(tags: &Tags, trigger: Trigger, ok: Option<(usize, u64)>) {
        #[cfg(feature = "tracing")]
        match ok {
            Some((keys, _)) => {
                tracing::debug!(target: "claimguard", issuer = &*tags.issuer, trigger = trigger.label(), keys, "keys fetched")
            }
            None => {
                tracing::debug!(target: "claimguard", issuer = &*tags.issuer, trigger = trigger.label(), "key fetch failed")
            }
        }
        #[cfg(feature = "metrics")]
        {
            let outcome = if ok.is_some() { "ok" } else { "error" };
            metrics::counter!(KEY_FETCHES, "claims" => tags.claims, "issuer" => issuer_label(tags), "trigger" => trigger.label(), "outcome" => outcome)
                .increment(1);
            if let Some((keys, fetched_at)) = ok {
                #[allow(clippy::cast_precision_loss)]
                {
                    metrics::gauge!(KEYS, "claims" => tags.claims, "issuer" => issuer_label(tags))
                        .set(keys as f64);
                    metrics::gauge!(KEYS_FETCHED, "claims" => tags.claims, "issuer" => issuer_label(tags))
                        .set(fetched_at as f64);
                }
            }
        }
    }

    /// The keys' state changed (fresh, stale, failing).
    pub(crate) fn state(tags: &Tags, from: KeyState, to: KeyState, error: Option<&str>) {
        #[cfg(feature = "tracing")]
        {
            let issuer = &*tags.issuer;
            match to {
                KeyState::Fresh if from == KeyState::Starting => {
                    tracing::info!(target: "claimguard", issuer, "first keys");
                }
                KeyState::Fresh => tracing::info!(target: "claimguard", issuer, "keys recovered"),
                KeyState::Stale => tracing::warn!(
                    target: "claimguard",
                    issuer,
                    error,
                    "keys stale: past their lifetime and refreshing fails; still verifying"
                ),
                KeyState::Failing => tracing::warn!(
                    target: "claimguard",
                    issuer,
                    error,
                    "no usable keys: requests get 503"
                ),
                KeyState::Starting => {}
            }
        }
        #[cfg(feature = "metrics")]
        metrics::gauge!(KEYS_STALE, "claims" => tags.claims, "issuer" => issuer_label(tags)).set(
            if matches!(to, KeyState::Stale | KeyState::Failing) {
                1.0
            } else {
                0.0
            },
        );
    }

    /// The first failure after a success (later ones in a row are `debug`).
    pub(crate) fn refresh_failed(tags: &Tags, error: &str) {
        #[cfg(feature = "tracing")]
        tracing::warn!(target: "claimguard", issuer = &*tags.issuer, error, "key refresh failed; the keys in service stay");
    }

    /// The set's kids changed.
    pub(crate) fn rotated(tags: &Tags, added: usize, removed: usize) {
        #[cfg(feature = "tracing")]
        tracing::info!(target: "claimguard", issuer = &*tags.issuer, added, removed, "key rotation seen");
    }

    /// The skipped keys changed.
    pub(crate) fn skipped(tags: &Tags, notes: &[String]) {
        #[cfg(feature = "tracing")]
        for note in notes {
            tracing::info!(target: "claimguard", issuer = &*tags.issuer, note = note.as_str(), "key skipped");
        }
    }

    /// Tokens with unknown kids began to be refused inside a cooldown; once
    /// per cooldown.
    pub(crate) fn cooldown(tags: &Tags) {
        #[cfg(feature = "tracing")]
        tracing::info!(target: "claimguard", issuer = &*tags.issuer, "unknown kids refused until the cooldown ends");
    }

    /// The span a fetch runs in: the URL's host and what started it.
    #[cfg(feature = "tracing")]
    pub(crate) fn span(host: &str, trigger: Trigger) -> tracing::Span {
        tracing::info_span!(
            target: "claimguard",
            "claimguard.fetch",
            host,
            trigger = trigger.label(),
            outcome = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        )
    }
}
