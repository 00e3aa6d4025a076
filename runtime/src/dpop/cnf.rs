//! The access token's confirmation (RFC 7800, RFC 9449 §6): its `cnf`
//! member's `jkt`, read from a token whose signature has been verified
//! already, so that the claims type need not declare it. `cnf` must be an
//! object and appear once; a `cnf` without `jkt` (a token bound to a
//! certificate, say, which claimguard cannot check) is refused rather than
//! taken as a bearer token.

use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::replay::THUMBPRINT_LEN;
use crate::json::{Str, member_names, once};
use crate::token::base64url;

member_names!(TopMember { Cnf = "cnf" });
member_names!(CnfMember { Jkt = "jkt" });

/// A token's binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Binding {
    /// No `cnf`: a bearer token.
    Bearer,
    /// Bound to the key of this RFC 7638 thumbprint.
    Key(String),
}

/// Why a token's `cnf` was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CnfError {
    /// Not readable: the payload, or a `cnf` that is not an object with at
    /// most one string `jkt`, or `cnf` twice.
    Malformed,
    /// A `cnf` without `jkt`: a confirmation method claimguard does not check.
    Unsupported,
}

/// `cnf` as read: absent, or its `jkt` if it had one.
struct Top(Option<Option<String>>);

impl<'de> de::Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
                let mut cnf = None;
                let mut seen = 0u16;
                while let Some(member) = map.next_key::<TopMember>()? {
                    match member {
                        TopMember::Cnf => {
                            once(&mut seen, 1)?;
                            cnf = Some(map.next_value::<Cnf>()?.0);
                        }
                        TopMember::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Top(cnf))
            }
        }
        d.deserialize_map(V)
    }
}

/// A `cnf` object's `jkt`.
struct Cnf(Option<String>);

impl<'de> de::Deserialize<'de> for Cnf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Cnf;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a confirmation object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cnf, A::Error> {
                let mut jkt = None;
                let mut seen = 0u16;
                while let Some(member) = map.next_key::<CnfMember>()? {
                    match member {
                        CnfMember::Jkt => {
                            once(&mut seen, 1)?;
                            let value: Str<'de> = map.next_value()?;
                            // A thumbprint has one length; anything else
                            // names no key a proof could have.
                            if value.0.len() != THUMBPRINT_LEN {
                                return Err(de::Error::custom("not a thumbprint"));
                            }
                            jkt = Some(value.0.into_owned());
                        }
                        CnfMember::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Cnf(jkt))
            }
        }
        d.deserialize_map(V)
    }
}

/// The binding of `token`, a compact JWS whose signature holds.
pub(crate) fn binding(token: &[u8]) -> Result<Binding, CnfError> {
    let payload = token
        .split(|&b| b == b'.')
        .nth(1)
        .ok_or(CnfError::Malformed)?;
    let read = |bytes: &[u8]| {
        let text = core::str::from_utf8(bytes).ok()?;
        serde_json::from_str::<Top>(text).ok()
    };
    let top = base64url::with_decoded::<1024, _>(payload, read)
        .ok()
        .flatten()
        .ok_or(CnfError::Malformed)?;
    match top.0 {
        None => Ok(Binding::Bearer),
        Some(Some(jkt)) => Ok(Binding::Key(jkt)),
        Some(None) => Err(CnfError::Unsupported),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!("e30.{}.sig", base64url::encode(payload.as_bytes()))
    }

    const JKT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    #[test]
    fn the_binding_is_cnf_jkt() {
        let bound = format!(r#"{{"sub":"a","cnf":{{"jkt":"{JKT}","x":1}},"exp":1}}"#);
        assert_eq!(
            binding(token(&bound).as_bytes()),
            Ok(Binding::Key(JKT.into()))
        );
        assert_eq!(
            binding(token(r#"{"sub":"a"}"#).as_bytes()),
            Ok(Binding::Bearer)
        );
        // A large payload is decoded on the heap, same verdict.
        let big = format!(
            r#"{{"pad":"{}","cnf":{{"jkt":"{JKT}"}}}}"#,
            "x".repeat(2000)
        );
        assert_eq!(
            binding(token(&big).as_bytes()),
            Ok(Binding::Key(JKT.into()))
        );
    }

    #[test]
    fn other_confirmations_and_malformed_cnf_are_refused() {
        let unsupported = Err(CnfError::Unsupported);
        assert_eq!(
            binding(token(r#"{"cnf":{"x5t#S256":"abc"}}"#).as_bytes()),
            unsupported
        );
        assert_eq!(binding(token(r#"{"cnf":{}}"#).as_bytes()), unsupported);
        let malformed = Err(CnfError::Malformed);
        for bad in [
            format!(r#"{{"cnf":{{"jkt":"{JKT}"}},"cnf":{{"jkt":"{JKT}"}}}}"#),
            format!(r#"{{"cnf":{{"jkt":"{JKT}","jkt":"{JKT}"}}}}"#),
            r#"{"cnf":{"jkt":"short"}}"#.to_owned(),
            r#"{"cnf":{"jkt":7}}"#.to_owned(),
            r#"{"cnf":"jkt"}"#.to_owned(),
            r#"{"cnf":null}"#.to_owned(),
            "[]".to_owned(),
        ] {
            assert_eq!(binding(token(&bad).as_bytes()), malformed, "{bad}");
        }
        assert_eq!(binding(b"e30"), malformed);
        assert_eq!(binding(b"e30.e30+.x"), malformed);
    }
}
