//! The `DPoP` challenge (RFC 9449 §7.1) of a refusal, and the `DPoP-Nonce`
//! that comes with `use_dpop_nonce`: what a DPoP verifier adds to every
//! rejection its extractors make. Kept `Copy` (the algorithms as bits, the
//! nonce inline), like the rejection that carries it.

use http::header::WWW_AUTHENTICATE;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::algorithm::Algorithm;
use crate::reason::Reason;

/// The `DPoP-Nonce` response header.
pub const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

/// The bits of `algorithms`, one per [`Algorithm::ALL`] entry.
pub(crate) fn mask(algorithms: &[Algorithm]) -> u16 {
    algorithms.iter().fold(0, |mask, alg| mask | bit(*alg))
}

fn bit(alg: Algorithm) -> u16 {
    let index = Algorithm::ALL.iter().position(|a| *a == alg).unwrap_or(0);
    1 << index
}

/// What a DPoP verifier's refusals add to their challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Challenge {
    /// The accepted proof algorithms, as [`mask`] bits.
    pub(crate) algs: u16,
    /// Whether a refusal of the token itself is in the `DPoP` scheme: the
    /// request used it, or bearer tokens are not accepted.
    pub(crate) scheme: bool,
    /// Whether bearer tokens are accepted too, so that a request without
    /// credentials is offered both schemes.
    pub(crate) bearer: bool,
    /// A fresh server nonce, for `use_dpop_nonce`.
    pub(crate) nonce: Option<[u8; 43]>,
}

impl Challenge {
    /// The `algs` attribute's value: the algorithms' names, space-separated.
    fn algs(&self) -> String {
        let names: Vec<_> = Algorithm::ALL
            .iter()
            .filter(|alg| self.algs & bit(**alg) != 0)
            .map(|alg| alg.name())
            .collect();
        names.join(" ")
    }

    /// A `DPoP` challenge with `error` and its description, if any.
    fn value(&self, error: Option<(&str, &str)>, metadata: Option<&str>) -> HeaderValue {
        let mut attributes = Vec::with_capacity(4);
        if let Some((code, description)) = error {
            attributes.push(format!("error=\"{code}\""));
            attributes.push(format!("error_description=\"{description}\""));
        }
        self.with(attributes, metadata)
    }

    /// A `DPoP` challenge of `attributes`, then `algs` and the metadata URL.
    fn with(&self, mut attributes: Vec<String>, metadata: Option<&str>) -> HeaderValue {
        attributes.push(format!("algs=\"{}\"", self.algs()));
        if let Some(url) = metadata {
            attributes.push(format!("resource_metadata=\"{url}\""));
        }
        let value = format!("DPoP {}", attributes.join(", "));
        // Fixed ASCII, algorithm names and a checked URL: this cannot fail;
        // the fallback keeps the path panic-free.
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("DPoP"))
    }

    /// Writes the challenges (and the nonce) of a refusal into `headers`:
    /// `bearer` is its `Bearer` challenge, `scope` a `403`'s `scope`
    /// attribute, `metadata` the protected-resource metadata URL it names.
    pub(crate) fn write(
        &self,
        reason: Reason,
        bearer: Option<HeaderValue>,
        scope: Option<String>,
        metadata: Option<&str>,
        headers: &mut HeaderMap,
    ) {
        match reason {
            Reason::KeysUnavailable | Reason::Dpop(super::DpopError::Store(_)) => {}
            Reason::Missing => {
                if let Some(bearer) = bearer.filter(|_| self.bearer) {
                    headers.append(WWW_AUTHENTICATE, bearer);
                }
                headers.append(WWW_AUTHENTICATE, self.value(None, metadata));
            }
            Reason::Dpop(error) => {
                let code = error.error_code().unwrap_or("invalid_dpop_proof");
                let value = self.value(Some((code, error.description())), metadata);
                headers.append(WWW_AUTHENTICATE, value);
            }
            // A `403` is answered in the scheme the token came with (RFC
            // 9449 §7.1).
            Reason::InsufficientScope if self.scheme => {
                let mut attributes = vec![String::from(r#"error="insufficient_scope""#)];
                attributes.extend(scope);
                headers.append(WWW_AUTHENTICATE, self.with(attributes, metadata));
            }
            Reason::InvalidRequest | Reason::InsufficientScope => {
                if let Some(bearer) = bearer {
                    headers.append(WWW_AUTHENTICATE, bearer);
                }
            }
            other if self.scheme => {
                let code = other.error_code().unwrap_or("invalid_token");
                let value = self.value(Some((code, other.description())), metadata);
                headers.append(WWW_AUTHENTICATE, value);
            }
            _ => {
                if let Some(bearer) = bearer {
                    headers.append(WWW_AUTHENTICATE, bearer);
                }
            }
        }
        if let Some(nonce) = &self.nonce
            && let Ok(value) = HeaderValue::from_bytes(nonce)
        {
            headers.insert(DPOP_NONCE, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algs_are_listed_in_a_fixed_order() {
        let challenge = Challenge {
            algs: mask(&[Algorithm::PS256, Algorithm::ES256, Algorithm::EdDSA]),
            scheme: true,
            bearer: false,
            nonce: None,
        };
        assert_eq!(challenge.algs(), "PS256 ES256 EdDSA");
        assert_eq!(mask(&Algorithm::ALL).count_ones(), 12);
    }
}
