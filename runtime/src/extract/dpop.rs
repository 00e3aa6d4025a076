//! The extraction of a verifier with DPoP (RFC 9449): `Authorization:
//! Bearer` or `Authorization: DPoP`, the token through the pipeline as
//! always (its cache included), then its binding and, for a bound token,
//! the proof, every request; the replay check last. Every refusal carries
//! the `DPoP` challenge.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Waker};

use http::HeaderValue;
use http::header::{AUTHORIZATION, HeaderName};
use http::request::Parts;

use super::{Extract, Outcome, Stage, Stamp, Via};
use crate::claims::{Claims, Source};
use crate::dpop::{Accepted, DpopError, DpopVerifier, Presented};
use crate::http::credentials::{Credentials, Scheme, bearer_or_dpop, credentials};
use crate::http::rejection::Rejection;
use crate::observe::{self, Seen};
use crate::reason::Reason;
#[cfg(feature = "remote")]
use crate::verifier::Failure;
use crate::verifier::Verifier;

/// The `DPoP` request header.
const DPOP: HeaderName = HeaderName::from_static("dpop");

/// The verdict on a request's proof and token, so that a later extractor
/// of the same request (with the same DPoP verifier, proof and
/// `Authorization`, whatever its claims type)
/// takes it instead of presenting the proof to the replay store again
/// (which would refuse it as a replay) or checking its signature again.
#[derive(Clone)]
struct Judged {
    /// The [`DpopVerifier::id`] that judged it.
    dpop: usize,
    /// The `Authorization` and `DPoP` header values judged (clones share
    /// their bytes), compared whole.
    authorization: HeaderValue,
    proof: HeaderValue,
    /// [`PENDING`], [`FRESH`] or [`REFUSED`] while the replay store is
    /// asked; `None` once a store that answers at once found it fresh.
    verdict: Option<Arc<AtomicU8>>,
}

impl Judged {
    /// A verdict on this request's credentials (`proof` its `DPoP`
    /// header): pending, or fresh already when `verdict` is `None`.
    fn new(
        dpop: usize,
        parts: &Parts,
        proof: &HeaderValue,
        verdict: Option<Arc<AtomicU8>>,
    ) -> Option<Self> {
        Some(Self {
            dpop,
            authorization: parts.headers.get(AUTHORIZATION)?.clone(),
            proof: proof.clone(),
            verdict,
        })
    }

    /// A pending verdict, and the flag that settles it.
    fn pending(dpop: usize, parts: &Parts, proof: &HeaderValue) -> Option<Self> {
        Self::new(dpop, parts, proof, Some(Arc::new(AtomicU8::new(PENDING))))
    }

    /// Whether an earlier extractor of this request, with this DPoP
    /// verifier, found its proof and token fresh.
    fn fresh(dpop: usize, parts: &Parts) -> bool {
        parts.extensions.get::<Self>().is_some_and(|judged| {
            judged.dpop == dpop
                && judged
                    .verdict
                    .as_ref()
                    .is_none_or(|verdict| verdict.load(Ordering::Acquire) == FRESH)
                && parts.headers.get(AUTHORIZATION) == Some(&judged.authorization)
                && parts.headers.get(DPOP) == Some(&judged.proof)
        })
    }

    /// Records the verdict.
    fn settle(verdict: &AtomicU8, fresh: bool) {
        verdict.store(if fresh { FRESH } else { REFUSED }, Ordering::Release);
    }
}

const PENDING: u8 = 0;
const FRESH: u8 = 1;
const REFUSED: u8 = 2;

/// What a verified token's binding and the request's proof come to.
enum Verdict {
    /// A bearer token, taken as one.
    Bearer,
    /// A bound token with a proof that passed every check but the replay
    /// check.
    Claim(Accepted),
    /// Refused.
    Refused(Reason),
}

/// Judges the binding of `token` (verified) and, for a bound token, its
/// proof (`None` when sent as `Bearer`) for `method` and `path` at `now`.
fn judge(
    dpop: &DpopVerifier,
    token: &[u8],
    proof: Option<&[u8]>,
    method: &str,
    path: &str,
    now: u64,
    leeway: u64,
) -> Verdict {
    let Some(proof) = proof else {
        return match dpop.as_bearer(token) {
            Ok(()) => Verdict::Bearer,
            Err(reason) => Verdict::Refused(reason),
        };
    };
    let presented = Presented {
        method,
        path,
        token,
    };
    match dpop.check(proof, &presented, now, leeway) {
        Ok(accepted) => Verdict::Claim(accepted),
        Err(reason) => Verdict::Refused(reason),
    }
}

/// The `DPoP` header: exactly one.
fn proof_header(parts: &Parts) -> Result<&HeaderValue, DpopError> {
    let mut values = parts.headers.get_all(DPOP).iter();
    let first = values.next().ok_or(DpopError::Missing)?;
    if values.next().is_some() {
        return Err(DpopError::Multiple);
    }
    Ok(first)
}

/// The request's path as the client sent it, which its proof's `htu`
/// names: the one axum's router recorded (`OriginalUri`) before a `nest`
/// stripped its prefix, else the request's own.
fn sent_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(parts.uri.path(), |original| original.0.path())
}

/// Whether the request's credentials come with the `DPoP` scheme.
pub(super) fn sent_with_dpop(parts: &Parts) -> bool {
    matches!(bearer_or_dpop(parts), Ok(Some((Scheme::Dpop, _))))
}

/// The extraction, for a verifier with DPoP (after the layer's claims were
/// looked for).
pub(super) fn extract<T, O, Out>(
    parts: &mut Parts,
    verifier: Verifier<T>,
    dpop: DpopVerifier,
    via: Via<T, O>,
    finish: impl FnOnce(Outcome<O>, Stamp) -> Out + Send + 'static,
    stamp: Stamp,
) -> Extract<Out>
where
    T: Claims,
    O: Send + 'static,
    Out: Send + 'static,
{
    let found = match T::CONFIG.source {
        Source::Bearer => bearer_or_dpop(parts),
        other => credentials(parts, other).map(|c| c.map(|c| (Scheme::Bearer, c))),
    };
    let scheme_of = |found: &Result<Option<(Scheme, Credentials<'_>)>, Reason>| {
        matches!(found, Ok(Some((Scheme::Dpop, _))))
    };
    let challenge = dpop.challenge(scheme_of(&found), None);
    let stamp = stamp.with_dpop(challenge);
    let refuse = move |reason: Reason| stamp.apply(Rejection::new(reason).with_dpop(challenge));
    let (scheme, token) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            let missing = refuse(Reason::Missing);
            return Extract::ready(finish(Outcome::Anonymous(missing), stamp));
        }
        Err(reason) => return Extract::ready(finish(Outcome::Refused(refuse(reason)), stamp)),
    };
    // A refusal made once the token was read: reported, and with a fresh
    // nonce when the proof lacked the current one.
    let nonces = dpop.clone();
    let counted = verifier.clone();
    let report = move |reason: Reason, now: Option<u64>| {
        observe::refused(counted.series(), reason, &Seen::default());
        let rejection = Rejection::new(reason);
        let rejection = match (reason, now) {
            (Reason::Dpop(DpopError::UseNonce), Some(now)) => {
                rejection.with_dpop(nonces.challenge(true, Some(now)))
            }
            _ => rejection.with_dpop(challenge),
        };
        stamp.apply(rejection)
    };
    // An acceptance, counted once the binding and the proof are judged (the
    // pipeline does not count it for a verifier with DPoP).
    let accepting = verifier.clone();
    let accept = move |claims: O| {
        observe::accepted(accepting.series());
        Outcome::Claims(claims)
    };
    let proof = match scheme {
        Scheme::Dpop => Some(proof_header(parts)),
        Scheme::Bearer => None,
    };
    if let Some(Err(error)) = proof {
        let refused = Outcome::Refused(report(Reason::Dpop(error), None));
        return Extract::ready(finish(refused, stamp));
    }
    let now = verifier.now();
    let claims = match (via.attempt)(&verifier, token) {
        Ok(claims) => claims,
        #[cfg(feature = "remote")]
        Err(Failure::UnknownKid(source)) => {
            // Rare: the token's key may come with a refetch. What the proof
            // check needs is copied, and all of it waits.
            let method = parts.method.as_str().to_owned();
            let path = sent_path(parts).to_owned();
            let value = proof.and_then(Result::ok);
            // A later extractor of this request takes this one's verdict.
            let judged = value.and_then(|value| Judged::pending(dpop.id(), parts, value));
            let proof = value.map(|value| value.as_bytes().to_vec());
            // Text: the pipeline read it so far.
            let token = match token.text() {
                Ok(text) => text.to_owned(),
                Err(reason) => {
                    let refused = Outcome::Refused(refuse(reason));
                    return Extract::ready(finish(refused, stamp));
                }
            };
            let attempt = via.attempt;
            let verdict = judged.as_ref().and_then(|j| j.verdict.clone());
            if let Some(judged) = judged {
                parts.extensions.insert(judged);
            }
            let settle = move |fresh: bool| {
                if let Some(verdict) = &verdict {
                    Judged::settle(verdict, fresh);
                }
            };
            let future = async move {
                let again = || attempt(&verifier, Credentials::Text(&token));
                let claims = match verifier.after_refetch(&source, again).await {
                    Ok(claims) => claims,
                    Err(rejection) => {
                        settle(false);
                        let rejection = stamp.apply(rejection.with_dpop(challenge));
                        return finish(Outcome::Refused(rejection), stamp);
                    }
                };
                let leeway = verifier.leeway();
                let token = token.as_bytes();
                let verdict = judge(&dpop, token, proof.as_deref(), &method, &path, now, leeway);
                let outcome = match verdict {
                    Verdict::Bearer => accept(claims),
                    Verdict::Claim(accepted) => match dpop.claim(accepted, now).await {
                        Ok(()) => {
                            settle(true);
                            accept(claims)
                        }
                        Err(error) => {
                            settle(false);
                            Outcome::Refused(report(Reason::Dpop(error), None))
                        }
                    },
                    Verdict::Refused(reason) => {
                        settle(false);
                        Outcome::Refused(report(reason, Some(now)))
                    }
                };
                finish(outcome, stamp)
            };
            return Extract(Stage::Waiting(Box::pin(future)));
        }
        Err(failure) => {
            let rejection = stamp.apply(failure.rejection().with_dpop(challenge));
            return Extract::ready(finish(Outcome::Refused(rejection), stamp));
        }
    };
    let value = proof.and_then(Result::ok);
    let proof = value.map(HeaderValue::as_bytes);
    // An earlier extractor of this request judged this proof and token
    // fresh: taken, without a second signature check or replay claim.
    let id = dpop.id();
    if proof.is_some() && Judged::fresh(id, parts) {
        return Extract::ready(finish(accept(claims), stamp));
    }
    // The token's bytes, which the pipeline found to be text (a cache hit
    // matched them to a token that was).
    let text = token.bytes();
    let (method, path) = (parts.method.as_str(), sent_path(parts));
    let accepted = match judge(&dpop, text, proof, method, path, now, verifier.leeway()) {
        Verdict::Bearer => return Extract::ready(finish(accept(claims), stamp)),
        Verdict::Claim(accepted) => accepted,
        Verdict::Refused(reason) => {
            let refused = Outcome::Refused(report(reason, Some(now)));
            return Extract::ready(finish(refused, stamp));
        }
    };
    // A store that answers at once (the in-process one): no future to box.
    if let Some(fresh) = dpop.claim_now(&accepted, now) {
        let outcome = match fresh {
            Ok(()) => {
                if let Some(judged) = value.and_then(|value| Judged::new(id, parts, value, None)) {
                    parts.extensions.insert(judged);
                }
                accept(claims)
            }
            Err(error) => Outcome::Refused(report(Reason::Dpop(error), None)),
        };
        return Extract::ready(finish(outcome, stamp));
    }
    let verdict = match value.and_then(|value| Judged::pending(id, parts, value)) {
        Some(judged) => {
            let verdict = judged.verdict.clone();
            parts.extensions.insert(judged);
            verdict
        }
        None => None,
    };
    let claim = dpop.claim(accepted, now);
    let mut future = Box::pin(async move {
        let fresh = claim.await;
        if let Some(verdict) = &verdict {
            Judged::settle(verdict, fresh.is_ok());
        }
        let outcome = match fresh {
            Ok(()) => accept(claims),
            Err(error) => Outcome::Refused(report(Reason::Dpop(error), None)),
        };
        finish(outcome, stamp)
    });
    // A store may answer at once still: no waiting, no second box.
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => Extract::ready(out),
        Poll::Pending => Extract(Stage::Waiting(future)),
    }
}
