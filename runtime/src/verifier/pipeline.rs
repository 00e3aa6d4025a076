//! The verification pipeline, once for every entry point: the cache lookup,
//! then the front half (size gate and shape, the key set, header, key, the
//! payload's encoding and the signature), then the claims in one pass, then
//! the cache insert. [`Verifier::verify_signature`](super::Verifier::verify_signature)
//! runs the front half alone.

use std::sync::Arc;

use super::{Cache, Inner};
use crate::cache::Life;
use crate::claims::Claims;
use crate::claims::registered::{self, Date, RegisteredPass};
use crate::http::credentials::Credentials;
use crate::http::rejection::Rejection;
#[cfg(feature = "remote")]
use crate::keys::remote::source::RemoteKeys;
use crate::keys::ring::Keyring;
use crate::keys::set::KeySet;
use crate::observe::{self, Seen, Series};
use crate::reason::Reason;
use crate::token::{self, Segments};

/// Why a verification did not return claims.
pub(crate) enum Failure {
    /// The token (or the request) is refused.
    Refused(Reason),
    /// The issuer's keys are not usable (not fetched yet, or stale past
    /// `max_stale`): `503`, with how long to wait.
    #[cfg(feature = "remote")]
    Unavailable { retry_after: u32 },
    /// The token names a `kid` its issuer's key set lacks: a refetch may
    /// bring it.
    #[cfg(feature = "remote")]
    UnknownKid(Arc<RemoteKeys>),
}

impl From<Reason> for Failure {
    fn from(reason: Reason) -> Self {
        Self::Refused(reason)
    }
}

impl Failure {
    /// Reports a final failure (a refused token, or unavailable keys; an
    /// unknown `kid` is reported once its refetch is settled).
    pub(crate) fn report(&self, series: &Series, seen: &Seen) {
        match self {
            Self::Refused(reason) => observe::refused(series, *reason, seen),
            #[cfg(feature = "remote")]
            Self::Unavailable { .. } => observe::refused(series, Reason::KeysUnavailable, seen),
            #[cfg(feature = "remote")]
            Self::UnknownKid(_) => {}
        }
    }

    /// The rejection, once no refetch will be waited for.
    pub(crate) fn rejection(self) -> Rejection {
        match self {
            Self::Refused(reason) => Rejection::new(reason),
            #[cfg(feature = "remote")]
            Self::Unavailable { retry_after } => Rejection::unavailable(retry_after),
            #[cfg(feature = "remote")]
            Self::UnknownKid(_) => Rejection::new(Reason::UnknownKey),
        }
    }
}

/// What the front half found with a key set.
enum Judged<R> {
    /// The signature holds; what `claims` returned, and the key's life.
    Verified(R, Arc<Life>),
    /// The token names a `kid` the set lacks, and may ask for a refetch.
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    KidMiss,
}

impl<T: Claims> Inner<T> {
    /// Counts a token the pipeline accepted, unless DPoP is on: then the
    /// token's binding (and proof) are judged after the pipeline, and the
    /// request is counted once, accepted or refused, when they are.
    fn accepted(&self) {
        #[cfg(feature = "dpop")]
        if self.dpop.is_some() {
            return;
        }
        observe::accepted(&self.series);
    }

    /// The whole pipeline, with what to return on a cache hit and how to
    /// turn fresh claims into the result and, with a cache, the value to
    /// cache.
    pub(super) fn verify_with<R>(
        &self,
        credentials: Credentials<'_>,
        hit: impl FnOnce(&Cache<T>, &Arc<T>) -> R,
        fresh: impl FnOnce(Option<&Cache<T>>, T) -> (R, Option<Arc<T>>),
    ) -> Result<R, Failure> {
        let now = self.clock.now();
        // The cache is keyed by the whole token, compared byte for byte, so a
        // hit is a token that passed every check below when it was cached
        // (and whose key has not been withdrawn since): neither the request's
        // header nor the token's shape need be checked again.
        let bytes = credentials.bytes();
        if let Some(cache) = &self.cache
            && bytes.len() <= self.max_token_bytes
            && let Some(cached) = cache.claims.get(bytes, now)
        {
            self.accepted();
            return Ok(hit(cache, &cached));
        }
        let mut seen = Seen::default();
        #[allow(clippy::let_unit_value)]
        let mut issuer = observe::IssuerLabel::default();
        let verdict = credentials.text().map_err(Failure::from).and_then(|token| {
            self.authenticated(token, now, &mut seen, |bytes, issuers| {
                self.claims(bytes, issuers, now, &mut issuer)
            })
            .map(|verdict| (token, verdict))
        });
        let (token, ((claims, exp), life)) = match verdict {
            Ok(verdict) => verdict,
            Err(failure) => {
                seen.issuer(issuer);
                failure.report(&self.series, &seen);
                return Err(failure);
            }
        };
        self.accepted();
        // Only fully validated claims go in, and never past `exp` itself (the
        // leeway is for clock skew at validation, not for keeping). An entry
        // whose key is withdrawn meanwhile goes in unreachable.
        let cache = self.cache.as_ref().filter(|_| matches!(exp, Date::At(_)));
        let (result, cached) = fresh(cache, claims);
        if let (Some(cache), Some(cached), Date::At(exp)) = (cache, cached, exp) {
            cache.claims.insert(token, cached, &life, exp, now);
        }
        Ok(result)
    }

    /// The claims stage, once the signature holds: the payload read once for
    /// the claims and the registered claims together, and the registered
    /// claims judged; `issuer` is told which accepted issuer the token names.
    fn claims(
        &self,
        bytes: &[u8],
        issuers: &[Arc<str>],
        now: u64,
        issuer: &mut observe::IssuerLabel,
    ) -> Result<(T, Date), Reason> {
        {
            let payload = token::payload_text(bytes)?;
            // One pass reads the claims and the registered claims together.
            let mut pass = RegisteredPass::with_issuers(&self.rules, issuers);
            let Some(claims) = T::decode_payload(payload, &mut pass) else {
                // The pass stopped at the first error, perhaps before a
                // registered claim that decides a more specific reason (an
                // expired token whose other claims are also wrong is reported
                // as expired): the registered claims alone are read again.
                let mut pass = RegisteredPass::with_issuers(&self.rules, issuers);
                registered::registered(&mut pass, payload)?;
                *issuer = observe::issuer_label(issuers, pass.found.issuer);
                self.rules.validate(&pass.found, now)?;
                return Err(Reason::Claims);
            };
            // The label is wanted for a refusal only (an accepted token's
            // count is not labelled by issuer).
            self.rules.validate(&pass.found, now).inspect_err(|_| {
                *issuer = observe::issuer_label(issuers, pass.found.issuer);
            })?;
            Ok((claims, pass.found.exp))
        }
    }

    /// The front half: the size gate and the shape, the key set (the
    /// issuer's, with several issuers), the header and the key, then the
    /// payload's encoding and the signature; `claims` is called with the
    /// decoded payload and the issuers `iss` must be one of once the
    /// signature holds. The payload's encoding is checked before the
    /// signature (the header's was, with the header), so a token with a
    /// character outside the alphabet in either is refused as malformed
    /// without a signature check.
    pub(super) fn authenticated<R>(
        &self,
        token: &str,
        #[cfg_attr(not(feature = "remote"), allow(unused_variables))] now: u64,
        seen: &mut Seen,
        claims: impl FnOnce(&[u8], &[Arc<str>]) -> Result<R, Reason>,
    ) -> Result<(R, Arc<Life>), Failure> {
        let segments = token::split(token, self.max_token_bytes)?;
        match &self.keys {
            Keyring::Fixed { set, .. } => {
                match self.judge(
                    &segments,
                    &set.load(),
                    false,
                    &self.rules.issuers,
                    seen,
                    claims,
                )? {
                    Judged::Verified(verdict, life) => Ok((verdict, life)),
                    Judged::KidMiss => Err(Reason::UnknownKey.into()),
                }
            }
            #[cfg(feature = "remote")]
            Keyring::Remote(remote) => {
                let (source, issuers) = match &**remote {
                    [only] => (only, &self.rules.issuers[..]),
                    several => {
                        let source = pick_issuer(several, segments.payload)?;
                        (source, &source.issuer[..])
                    }
                };
                let keys = source
                    .current(now)
                    .map_err(|retry_after| Failure::Unavailable { retry_after })?;
                let Some(set) = &*keys else {
                    return Err(Failure::Unavailable { retry_after: 1 });
                };
                match self.judge(&segments, set, true, issuers, seen, claims)? {
                    Judged::Verified(verdict, life) => Ok((verdict, life)),
                    Judged::KidMiss => Err(Failure::UnknownKid(Arc::clone(source))),
                }
            }
        }
    }

    /// The front half with one key set. With `fetchable`, a `kid` the set
    /// lacks is a [`Judged::KidMiss`] rather than a refusal.
    fn judge<R>(
        &self,
        segments: &Segments<'_>,
        keys: &KeySet,
        fetchable: bool,
        issuers: &[Arc<str>],
        seen: &mut Seen,
        claims: impl FnOnce(&[u8], &[Arc<str>]) -> Result<R, Reason>,
    ) -> Result<Judged<R>, Reason> {
        let chosen = token::header(
            segments.header,
            &self.known_headers,
            self.algorithms,
            self.typ,
            |alg, kid| {
                seen.alg(alg);
                match keys.select(alg, kid) {
                    Ok(bound) => Ok(Some(bound)),
                    Err(_) if fetchable && kid.is_some_and(|kid| keys.may_fetch(kid)) => Ok(None),
                    Err(reason) => Err(reason),
                }
            },
        )?;
        let (alg, Some(bound)) = chosen else {
            return Ok(Judged::KidMiss);
        };
        let prepared = bound.prepared(alg)?;
        let authenticate = || {
            prepared.verify(
                segments.signing_input.as_bytes(),
                segments.signature.as_bytes(),
            )
        };
        let verdict = token::with_payload(segments.payload, authenticate, |bytes| {
            claims(bytes, issuers)
        })?;
        Ok(Judged::Verified(verdict, Arc::clone(bound.life())))
    }
}

/// The issuer whose keys judge a token, by the `iss` its payload names
/// (read before the signature, and confirmed by the claims pass after it).
/// The payload is decoded on the stack when it fits where the claims pass
/// decodes it (the same size), and `iss` is borrowed from it unless it has
/// escapes: choosing the issuer allocates nothing for the tokens issuers
/// send.
#[cfg(feature = "remote")]
fn pick_issuer<'r>(
    remote: &'r [Arc<RemoteKeys>],
    payload: &str,
) -> Result<&'r Arc<RemoteKeys>, Reason> {
    token::base64url::with_decoded::<{ token::PAYLOAD_STACK }, _>(payload.as_bytes(), |decoded| {
        let iss = crate::keys::ring::issuer_of(decoded)?;
        remote.iter().find(|source| *source.issuer[0] == *iss)
    })
    .map_err(|_| Reason::Malformed)?
    .ok_or(Reason::Issuer)
}
