//! The proof's payload (RFC 9449 §4.2): `jti`, `htm`, `htu`, `iat`, `ath`
//! and `nonce` read in one pass, borrowed where they have no escapes, each
//! at most once; other members are skipped unread.

use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::json::{Str, member_names, once};

member_names!(ClaimMember {
    Jti = "jti",
    Htm = "htm",
    Htu = "htu",
    Iat = "iat",
    Ath = "ath",
    Nonce = "nonce",
});

/// An `iat`: a NumericDate, which may be fractional, as the whole seconds
/// at or before it and at or after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Issued {
    /// The whole second at or before `iat`.
    pub(crate) floor: u64,
    /// The whole second at or after `iat`.
    pub(crate) ceil: u64,
}

impl<'de> de::Deserialize<'de> for Issued {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Issued;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative NumericDate")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Issued, E> {
                Ok(Issued { floor: v, ceil: v })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Issued, E> {
                u64::try_from(v)
                    .map(|v| Issued { floor: v, ceil: v })
                    .map_err(|_| E::custom("negative iat"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Issued, E> {
                if !v.is_finite() || v < 0.0 {
                    return Err(E::custom("negative iat"));
                }
                // `as` saturates at `u64::MAX`, which no window reaches.
                Ok(Issued {
                    floor: v.floor() as u64,
                    ceil: v.ceil() as u64,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// The payload members a proof is judged by.
#[derive(Default)]
pub(crate) struct ProofClaims<'a> {
    pub(crate) jti: Option<Str<'a>>,
    pub(crate) htm: Option<Str<'a>>,
    pub(crate) htu: Option<Str<'a>>,
    pub(crate) iat: Option<Issued>,
    pub(crate) ath: Option<Str<'a>>,
    pub(crate) nonce: Option<Str<'a>>,
}

impl<'de> de::Deserialize<'de> for ProofClaims<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProofClaims<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ProofClaims<'de>, A::Error> {
                let mut claims = ProofClaims::default();
                let mut seen = 0u16;
                while let Some(member) = map.next_key::<ClaimMember>()? {
                    if member != ClaimMember::Other {
                        once(&mut seen, 1 << member as u16)?;
                    }
                    match member {
                        ClaimMember::Jti => claims.jti = Some(map.next_value()?),
                        ClaimMember::Htm => claims.htm = Some(map.next_value()?),
                        ClaimMember::Htu => claims.htu = Some(map.next_value()?),
                        ClaimMember::Iat => claims.iat = Some(map.next_value()?),
                        ClaimMember::Ath => claims.ath = Some(map.next_value()?),
                        ClaimMember::Nonce => claims.nonce = Some(map.next_value()?),
                        ClaimMember::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(claims)
            }
        }
        d.deserialize_map(V)
    }
}

/// Reads the payload's claims from its decoded bytes, which must be UTF-8
/// throughout (members skipped unread included); `None` if it is not a JSON
/// object of claims of the right types, each once.
pub(crate) fn read(payload: &[u8]) -> Option<ProofClaims<'_>> {
    let text = core::str::from_utf8(payload).ok()?;
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_once_with_their_types() {
        let claims = read(
            br#"{"jti":"a\u0062","htm":"GET","htu":"https://h/","iat":5,"ath":"x","x":{"jti":1}}"#,
        );
        let claims = claims.unwrap_or_else(|| panic!("claims"));
        assert_eq!(claims.jti.map(|j| j.0.into_owned()).as_deref(), Some("ab"));
        assert_eq!(claims.iat, Some(Issued { floor: 5, ceil: 5 }));
        assert!(claims.nonce.is_none());
        for bad in [
            &br#"{"jti":"a","jti":"b"}"#[..],
            br#"{"jti":1}"#,
            br#"{"iat":"5"}"#,
            br#"{"iat":-1}"#,
            br#"{"iat":-0.5}"#,
            br#"{"iat":null}"#,
            br#"{"htm":null}"#,
            br#"["jti"]"#,
            br#"{"jti":"a""#,
            b"{\"x\":\"\xff\"}",
        ] {
            assert!(read(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn fractional_dates_round_both_ways() {
        let iat = |json: &str| read(json.as_bytes()).and_then(|c| c.iat);
        assert_eq!(
            iat(r#"{"iat":10.25}"#),
            Some(Issued {
                floor: 10,
                ceil: 11
            })
        );
        assert_eq!(
            iat(r#"{"iat":10.0}"#),
            Some(Issued {
                floor: 10,
                ceil: 10
            })
        );
        assert_eq!(iat(r#"{"iat":1e300}"#).map(|i| i.floor), Some(u64::MAX));
    }
}
