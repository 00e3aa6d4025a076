//! The verification pipeline, once for every entry point: the cache lookup,
//! then the front half (size gate and shape, header, key, the payload's
//! encoding and the signature), then the claims in one pass, then the cache
//! insert. [`Verifier::verify_signature`](super::Verifier::verify_signature)
//! runs the front half alone.

use std::sync::{Arc, PoisonError};

use super::{Cache, Inner};
use crate::claims::Claims;
use crate::claims::registered::{self, Date, RegisteredPass};
use crate::http::credentials::Credentials;
use crate::keys::set::KeySet;
use crate::reason::Reason;
use crate::token::{self, Segments};

impl<T: Claims> Inner<T> {
    /// The whole pipeline, with what to return on a cache hit and how to
    /// turn fresh claims into the result and, with a cache, the value to
    /// cache.
    pub(super) fn verify_with<R>(
        &self,
        credentials: Credentials<'_>,
        hit: impl FnOnce(&Cache<T>, &Arc<T>) -> R,
        fresh: impl FnOnce(Option<&Cache<T>>, T) -> (R, Option<Arc<T>>),
    ) -> Result<R, Reason> {
        let now = self.clock.now();
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        // The cache is keyed by the whole token, compared byte for byte, so a
        // hit is a token that passed every check below when it was cached:
        // neither the request's header nor the token's shape need be checked
        // again.
        let bytes = credentials.bytes();
        if let Some(cache) = &self.cache
            && bytes.len() <= self.max_token_bytes
            && let Some(cached) = cache.claims.get(bytes, now)
        {
            return Ok(hit(cache, &cached));
        }
        let token = credentials.text()?;
        let (claims, exp) = self.authenticated(token, &keys, |bytes| {
            let payload = token::payload_text(bytes)?;
            // One pass reads the claims and the registered claims together.
            let mut pass = RegisteredPass::new(&self.rules);
            let Some(claims) = T::decode_payload(payload, &mut pass) else {
                // The pass stopped at the first error, perhaps before a
                // registered claim that decides a more specific reason (an
                // expired token whose other claims are also wrong is reported
                // as expired): the registered claims alone are read again.
                let mut pass = RegisteredPass::new(&self.rules);
                registered::registered(&mut pass, payload)?;
                self.rules.validate(&pass.found, now)?;
                return Err(Reason::Claims);
            };
            self.rules.validate(&pass.found, now)?;
            Ok((claims, pass.found.exp))
        })?;
        // Only fully validated claims go in, and never past `exp` itself (the
        // leeway is for clock skew at validation, not for keeping).
        let cache = self.cache.as_ref().filter(|_| matches!(exp, Date::At(_)));
        let (result, cached) = fresh(cache, claims);
        if let (Some(cache), Some(cached), Date::At(exp)) = (cache, cached, exp) {
            cache.claims.insert(token, cached, exp, now);
        }
        drop(keys);
        Ok(result)
    }

    /// The front half: the size gate and the shape, the header and the key,
    /// then the payload's encoding and the signature; `claims` is called
    /// with the decoded payload once the signature holds. The payload's
    /// encoding is checked before the signature (the header's was, with the
    /// header), so a token with a character outside the alphabet in either
    /// is refused as malformed without a signature check.
    pub(super) fn authenticated<R>(
        &self,
        token: &str,
        keys: &KeySet,
        claims: impl FnOnce(&[u8]) -> Result<R, Reason>,
    ) -> Result<R, Reason> {
        let segments = token::split(token, self.max_token_bytes)?;
        let Segments {
            header,
            payload,
            signature,
            signing_input,
        } = segments;
        let (alg, bound) = token::header(
            header,
            &self.known_headers,
            self.algorithms,
            self.typ,
            |alg, kid| keys.select(alg, kid),
        )?;
        let prepared = bound.prepared(alg)?;
        let authenticate = || prepared.verify(signing_input.as_bytes(), signature);
        token::with_payload(payload, authenticate, claims)
    }
}
