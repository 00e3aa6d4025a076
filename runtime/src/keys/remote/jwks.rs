//! A JWK set from an identity provider, read by claimguard's rules: at most
//! `max_keys` keys (one more refuses the set before it is read), each key
//! judged on its own, so that an unusable one (a type claimguard does not
//! verify, an encryption key, private members, an RSA size outside
//! 2048..8192 bits, an `alg` the claims type does not pin) is left out with
//! a note rather than failing the whole set.

use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::keys::{Key, KeyError};

pub(crate) use crate::keys::set::ReadKey;

/// Reads the set in `body`.
pub(crate) fn read(body: &[u8], max_keys: usize) -> Result<Vec<ReadKey>, String> {
    let text = core::str::from_utf8(body).map_err(|_| "the JWK set is not UTF-8".to_owned())?;
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = de
        .deserialize_map(SetVisitor { max_keys })
        .and_then(|keys| de.end().map(|()| keys))
        .map_err(|e| {
            // serde_json's message names a position, never the text.
            format!("not a JWK set: {e}")
        })?;
    Ok(raw.into_iter().map(judge).collect())
}

/// The members of a JWK that decide whether to read it at all.
#[derive(Default)]
struct Outline {
    kty: Option<String>,
    kid: Option<String>,
    private: bool,
}

impl<'de> de::Deserialize<'de> for Outline {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Outline;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JWK")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outline, A::Error> {
                let mut outline = Outline::default();
                while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*name {
                        "kty" => outline.kty = Some(map.next_value()?),
                        "kid" => outline.kid = Some(map.next_value()?),
                        // Private RSA, EC and OKP members: never in a
                        // public set (a symmetric key's `k` is refused
                        // with its type).
                        "d" | "p" | "q" | "dp" | "dq" | "qi" | "oth" => {
                            outline.private = true;
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(outline)
            }
        }
        d.deserialize_map(V)
    }
}

/// One key: its outline first, then the key itself by [`Key::from_jwk`].
fn judge(raw: &RawValue) -> ReadKey {
    let outline: Outline = match serde_json::from_str(raw.get()) {
        Ok(outline) => outline,
        Err(_) => return (None, Err(KeyError::Malformed("JWK"))),
    };
    // A kid longer than a token may name is shortened for the note.
    let kid = outline
        .kid
        .map(|kid| super::fetch::clipped(&kid, 512).into_boxed_str());
    let verdict = match outline.kty.as_deref() {
        _ if outline.private => Err(KeyError::Unsupported("JWKs with private members")),
        Some("RSA" | "EC" | "OKP") => Key::from_jwk(raw.get()),
        Some("oct") => Err(KeyError::Unsupported("symmetric JWKs in a public set")),
        Some(_) => Err(KeyError::Unsupported("this JWK type")),
        None => Err(KeyError::Malformed("JWK (no kty)")),
    };
    (kid, verdict)
}

/// `{"keys": [...]}`, each key kept as its raw text.
struct SetVisitor {
    max_keys: usize,
}

impl<'de> Visitor<'de> for SetVisitor {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWK set")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut keys = None;
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if name == "keys" {
                if keys.is_some() {
                    return Err(de::Error::duplicate_field("keys"));
                }
                keys = Some(map.next_value_seed(KeysSeed { max: self.max_keys })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        keys.ok_or_else(|| de::Error::missing_field("keys"))
    }
}

struct KeysSeed {
    max: usize,
}

impl<'de> de::DeserializeSeed<'de> for KeysSeed {
    type Value = Vec<&'de RawValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for KeysSeed {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {} keys", self.max)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut keys = Vec::new();
        while let Some(key) = seq.next_element::<&'de RawValue>()? {
            if keys.len() == self.max {
                return Err(de::Error::custom(format_args!(
                    "more than {} keys",
                    self.max
                )));
            }
            keys.push(key);
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC: &str = r#"{"kty":"EC","crv":"P-256","kid":"ec","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw"}"#;

    fn verdicts(body: &str, max: usize) -> Result<Vec<String>, String> {
        read(body.as_bytes(), max).map(|keys| {
            keys.into_iter()
                .map(|(kid, key)| match key {
                    Ok(_) => format!("{kid:?} ok"),
                    Err(e) => format!("{kid:?} {e}"),
                })
                .collect()
        })
    }

    #[test]
    fn each_key_is_judged_alone() {
        let body = format!(
            r#"{{"keys":[{EC},{{"kty":"oct","k":"AAAA","kid":"s"}},{{"kty":"XYZ","kid":"x"}},{{"kty":"EC","kid":"p","d":"AA","crv":"P-256","x":"","y":""}},{{"kid":"n"}}],"other":1}}"#
        );
        let got = verdicts(&body, 64).unwrap_or_default();
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[0], r#"Some("ec") ok"#);
        assert!(got[1].contains("symmetric"), "{}", got[1]);
        assert!(got[2].contains("this JWK type"), "{}", got[2]);
        assert!(got[3].contains("private members"), "{}", got[3]);
        assert!(got[4].contains("no kty"), "{}", got[4]);
    }

    #[test]
    fn the_key_count_is_capped_before_the_keys_are_read() {
        let three = format!(r#"{{"keys":[{EC},{EC},{EC}]}}"#);
        assert_eq!(verdicts(&three, 3).map(|v| v.len()), Ok(3));
        let err = verdicts(&three, 2).err().unwrap_or_default();
        assert!(err.contains("more than 2 keys"), "{err}");
    }

    #[test]
    fn not_a_set_is_an_error_that_shows_no_text() {
        for body in [
            "<html>secret-ish</html>",
            r#"{"keys":{}}"#,
            r#"{"nokeys":[]}"#,
            r#"{"keys":[],"keys":[]}"#,
            "[1]",
        ] {
            let err = verdicts(body, 64).err().unwrap_or_default();
            assert!(err.starts_with("not a JWK set"), "{body}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
        // Deep nesting, as a key or inside one, fails that key alone, by
        // serde_json's recursion limit, without overflowing the stack.
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        for body in [
            format!(r#"{{"keys":[{deep},{EC}]}}"#),
            format!(r#"{{"keys":[{{"kty":"EC","x":{deep}}},{EC}]}}"#),
        ] {
            let got = verdicts(&body, 64).unwrap_or_default();
            assert_eq!(got.len(), 2, "{got:?}");
            assert!(got[0].contains("not a valid JWK"), "{}", got[0]);
            assert_eq!(got[1], r#"Some("ec") ok"#);
        }
        assert!(read(b"\xff", 64).is_err());
    }
}
