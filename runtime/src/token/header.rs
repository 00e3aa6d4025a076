//! The JOSE header: decoded into a fixed stack buffer, only the members that
//! matter read (`alg`, `kid`, `typ`, `cty`, `crit`, `b64`, `enc`), and judged
//! against the pinned algorithms and `typ`. Keys embedded in the header
//! (`jwk`, `jku`, `x5u`, `x5c`) are skipped unread and never trusted; the
//! common header segments are recognised whole and judged by the same rules.

use std::borrow::Cow;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::base64url;
use crate::algorithm::Algorithm;
use crate::json::{Str, member_names, once};
use crate::reason::Reason;
use core::fmt;

/// The longest header segment accepted, in base64url characters. Headers
/// carrying certificate chains are longer; claimguard never reads those.
pub const MAX_HEADER_SEGMENT: usize = 2048;
const HEADER_BUF: usize = MAX_HEADER_SEGMENT / 4 * 3;

member_names!(HeaderMember {
    Alg = "alg",
    Kid = "kid",
    Typ = "typ",
    Cty = "cty",
    Crit = "crit",
    B64 = "b64",
    Enc = "enc",
    Zip = "zip",
});

#[derive(Default)]
struct RawHeader<'a> {
    alg: Option<Str<'a>>,
    kid: Option<Str<'a>>,
    typ: Option<Str<'a>>,
    cty: Option<Str<'a>>,
    crit: bool,
    b64: Option<bool>,
    jwe: bool,
}

impl<'de> de::Deserialize<'de> for RawHeader<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawHeader<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JOSE header object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader<'de>, A::Error> {
                let mut header = RawHeader::default();
                let mut seen = 0u16;
                while let Some(member) = map.next_key::<HeaderMember>()? {
                    if member != HeaderMember::Other {
                        once(&mut seen, 1 << member as u16)?;
                    }
                    match member {
                        HeaderMember::Alg => header.alg = Some(map.next_value()?),
                        HeaderMember::Kid => header.kid = Some(map.next_value()?),
                        HeaderMember::Typ => header.typ = Some(map.next_value()?),
                        HeaderMember::Cty => header.cty = Some(map.next_value()?),
                        HeaderMember::B64 => header.b64 = Some(map.next_value()?),
                        HeaderMember::Crit => {
                            header.crit = true;
                            map.next_value::<IgnoredAny>()?;
                        }
                        HeaderMember::Enc | HeaderMember::Zip => {
                            header.jwe = true;
                            map.next_value::<IgnoredAny>()?;
                        }
                        HeaderMember::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(header)
            }
        }
        d.deserialize_map(V)
    }
}

/// `typ` and `cty` compare case-insensitively, with an optional
/// `application/` prefix (RFC 7515 §4.1.9).
fn media_type_is(value: &str, expected: &str) -> bool {
    // On bytes: the twelfth byte of a hostile value may fall inside a
    // multi-byte character, where slicing the `str` would panic.
    let strip = |s: &str| -> usize {
        let prefixed = s
            .as_bytes()
            .get(..12)
            .is_some_and(|head| head.eq_ignore_ascii_case(b"application/"));
        if prefixed { 12 } else { 0 }
    };
    value.as_bytes()[strip(value)..].eq_ignore_ascii_case(&expected.as_bytes()[strip(expected)..])
}

/// The headers most tokens carry, by their exact segment: for each pinned
/// algorithm, `{"alg":"…","typ":"JWT"}` in either member order (PyJWT and
/// jsonwebtoken each write one) and `{"alg":"…"}`. A token whose header
/// segment is one of these byte for byte skips decoding and parsing it; the
/// same rules then judge what the parse would have found.
pub(crate) struct KnownHeaders(Box<[KnownHeader]>);

/// One header segment and what it says.
struct KnownHeader {
    segment: Box<str>,
    alg: Algorithm,
    typ: Option<&'static str>,
}

impl KnownHeaders {
    pub(crate) fn new(pinned: &[Algorithm]) -> Self {
        let forms = |alg: &str| {
            [
                (format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#), Some("JWT")),
                (format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#), Some("JWT")),
                (format!(r#"{{"alg":"{alg}"}}"#), None),
            ]
        };
        Self(
            pinned
                .iter()
                .flat_map(|&alg| {
                    forms(alg.name()).map(|(json, typ)| KnownHeader {
                        segment: base64url::encode(json.as_bytes()).into(),
                        alg,
                        typ,
                    })
                })
                .collect(),
        )
    }

    fn find(&self, segment: &str) -> Option<(Algorithm, Option<&'static str>)> {
        self.0
            .iter()
            .find(|known| *known.segment == *segment)
            .map(|known| (known.alg, known.typ))
    }
}

/// Decodes and checks the header against the pinned algorithms and `typ`.
///
/// `select` picks the key from the algorithm and the `kid` while the `kid`
/// still lies in the stack buffer, so that reading it allocates nothing.
pub(crate) fn header<R>(
    segment: &str,
    known: &KnownHeaders,
    pinned: &[Algorithm],
    typ: Option<&str>,
    select: impl FnOnce(Algorithm, Option<&str>) -> Result<R, Reason>,
) -> Result<(Algorithm, R), Reason> {
    if let Some((alg, header_typ)) = known.find(segment) {
        let raw = RawHeader {
            alg: Some(Str(Cow::Borrowed(alg.name()))),
            typ: header_typ.map(|t| Str(Cow::Borrowed(t))),
            ..RawHeader::default()
        };
        return judge(&raw, pinned, typ, select);
    }
    // A typical header is well under a hundred characters: decode those
    // into a small buffer, so that the common case does not clear a large one.
    if segment.len() <= SMALL_HEADER_SEGMENT {
        let mut buf = [0u8; SMALL_HEADER_SEGMENT / 4 * 3];
        header_in(segment, &mut buf, pinned, typ, select)
    } else {
        let mut buf = [0u8; HEADER_BUF];
        header_in(segment, &mut buf, pinned, typ, select)
    }
}

/// Header segments up to this many characters use the small buffer.
const SMALL_HEADER_SEGMENT: usize = 256;

fn header_in<R>(
    segment: &str,
    buf: &mut [u8],
    pinned: &[Algorithm],
    typ: Option<&str>,
    select: impl FnOnce(Algorithm, Option<&str>) -> Result<R, Reason>,
) -> Result<(Algorithm, R), Reason> {
    let len = base64url::decode(segment.as_bytes(), buf).map_err(|_| Reason::Malformed)?;
    // The whole header must be UTF-8 (RFC 7515 §5.2), members skipped
    // unread included: serde_json does not check strings it skips.
    let text = core::str::from_utf8(&buf[..len]).map_err(|_| Reason::Malformed)?;
    let raw: RawHeader<'_> = serde_json::from_str(text).map_err(|_| Reason::Malformed)?;
    judge(&raw, pinned, typ, select)
}

/// The header rules, on what the header says.
fn judge<R>(
    raw: &RawHeader<'_>,
    pinned: &[Algorithm],
    typ: Option<&str>,
    select: impl FnOnce(Algorithm, Option<&str>) -> Result<R, Reason>,
) -> Result<(Algorithm, R), Reason> {
    let alg = raw.alg.as_ref().ok_or(Reason::Malformed)?;
    let alg = Algorithm::from_name(&alg.0)
        .filter(|alg| pinned.contains(alg))
        .ok_or(Reason::Algorithm)?;
    if raw.crit || raw.jwe || raw.b64 == Some(false) {
        return Err(Reason::UnsupportedHeader);
    }
    if raw
        .cty
        .as_ref()
        .is_some_and(|cty| media_type_is(&cty.0, "JWT"))
    {
        return Err(Reason::UnsupportedHeader);
    }
    if let Some(expected) = typ
        && !raw
            .typ
            .as_ref()
            .is_some_and(|t| media_type_is(&t.0, expected))
    {
        return Err(Reason::UnsupportedHeader);
    }
    let chosen = select(alg, raw.kid.as_ref().map(|kid| &*kid.0))?;
    Ok((alg, chosen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[derive(Debug, PartialEq)]
    struct Header {
        kid: Option<String>,
    }

    /// The verdict on a header, parsed, and through the known headers when
    /// it is one of them: the two must agree.
    fn owned(json: &str, typ: Option<&str>) -> Result<Header, Reason> {
        let pinned = [Algorithm::HS256];
        let judge = |known: &KnownHeaders| {
            header(
                &URL_SAFE_NO_PAD.encode(json),
                known,
                &pinned,
                typ,
                |_, kid| Ok(kid.map(str::to_owned)),
            )
            .map(|(_, kid)| Header { kid })
        };
        let parsed = judge(&KnownHeaders::new(&[]));
        assert_eq!(judge(&KnownHeaders::new(&Algorithm::ALL)), parsed, "{json}");
        parsed
    }

    #[test]
    fn known_headers_are_the_common_ones_and_judged_alike() {
        let known = KnownHeaders::new(&[Algorithm::HS256, Algorithm::ES256]);
        for (json, alg, typ) in [
            (
                r#"{"alg":"HS256","typ":"JWT"}"#,
                Algorithm::HS256,
                Some("JWT"),
            ),
            (
                r#"{"typ":"JWT","alg":"ES256"}"#,
                Algorithm::ES256,
                Some("JWT"),
            ),
            (r#"{"alg":"ES256"}"#, Algorithm::ES256, None),
        ] {
            assert_eq!(known.find(&URL_SAFE_NO_PAD.encode(json)), Some((alg, typ)));
        }
        for other in [
            r#"{"alg":"RS256"}"#,
            r#"{"alg": "HS256"}"#,
            r#"{"alg":"HS256","kid":"a"}"#,
        ] {
            assert_eq!(known.find(&URL_SAFE_NO_PAD.encode(other)), None, "{other}");
        }
        // Every form, against every `typ` rule, judged as the parse judges it.
        for json in [
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"typ":"JWT","alg":"HS256"}"#,
            r#"{"alg":"HS256"}"#,
        ] {
            for typ in [None, Some("JWT"), Some("application/jwt"), Some("at+jwt")] {
                let _ = owned(json, typ);
            }
        }
    }

    fn header_of(json: &str) -> Result<Header, Reason> {
        owned(json, None)
    }

    #[test]
    fn header_rules() {
        assert!(header_of(r#"{"alg":"HS256","typ":"JWT"}"#).is_ok());
        assert_eq!(
            header_of(r#"{"alg":"none"}"#).err(),
            Some(Reason::Algorithm)
        );
        assert_eq!(
            header_of(r#"{"alg":"HS512"}"#).err(),
            Some(Reason::Algorithm)
        );
        assert_eq!(
            header_of(r#"{"alg":"hs256"}"#).err(),
            Some(Reason::Algorithm)
        );
        assert_eq!(header_of(r#"{"typ":"JWT"}"#).err(), Some(Reason::Malformed));
        assert_eq!(
            header_of(r#"{"alg":"HS256","alg":"HS256"}"#).err(),
            Some(Reason::Malformed)
        );
        assert_eq!(header_of(r#"["HS256"]"#).err(), Some(Reason::Malformed));
        assert_eq!(
            header_of(r#"{"alg":"HS256","crit":["exp"]}"#).err(),
            Some(Reason::UnsupportedHeader)
        );
        assert_eq!(
            header_of(r#"{"alg":"HS256","b64":false}"#).err(),
            Some(Reason::UnsupportedHeader)
        );
        assert_eq!(
            header_of(r#"{"alg":"HS256","cty":"JWT"}"#).err(),
            Some(Reason::UnsupportedHeader)
        );
        assert_eq!(
            header_of(r#"{"alg":"HS256","enc":"A128GCM"}"#).err(),
            Some(Reason::UnsupportedHeader)
        );
        let kid = header_of(r#"{"alg":"HS256","kid":"k\u0031","jwk":{"kty":"oct"}}"#);
        assert_eq!(kid.ok().and_then(|h| h.kid).as_deref(), Some("k1"));
    }

    #[test]
    fn invalid_utf8_anywhere_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(b"{\"alg\":\"HS256\",\"x\":\"\xc0\xaf\"}");
        let known = KnownHeaders::new(&[Algorithm::HS256]);
        let verdict = super::header(&header, &known, &[Algorithm::HS256], None, |_, _| Ok(()));
        assert_eq!(verdict.err(), Some(Reason::Malformed));
    }

    #[test]
    fn media_types_with_multibyte_characters_do_not_panic() {
        // The twelfth byte inside `é`: a `str` slice there would panic.
        for value in ["aaaaaaaaaaaé", "applicationé/jwt", "ééééééé"] {
            assert!(!media_type_is(value, "JWT"), "{value}");
            assert!(!media_type_is(value, "application/at+jwt"), "{value}");
            assert!(!media_type_is("JWT", value), "{value}");
        }
        assert!(media_type_is("Application/JWT", "jwt"));
        let cty = r#"{"alg":"HS256","cty":"aaaaaaaaaaaé"}"#;
        assert!(header_of(cty).is_ok());
        let typ = r#"{"alg":"HS256","typ":"aaaaaaaaaaaé"}"#;
        assert_eq!(
            owned(typ, Some("at+jwt")).err(),
            Some(Reason::UnsupportedHeader)
        );
    }

    #[test]
    fn pinned_typ() {
        let h = |json: &str| owned(json, Some("at+jwt"));
        assert!(h(r#"{"alg":"HS256","typ":"at+JWT"}"#).is_ok());
        assert!(h(r#"{"alg":"HS256","typ":"application/at+jwt"}"#).is_ok());
        assert_eq!(
            h(r#"{"alg":"HS256","typ":"JWT"}"#).err(),
            Some(Reason::UnsupportedHeader)
        );
        assert_eq!(
            h(r#"{"alg":"HS256"}"#).err(),
            Some(Reason::UnsupportedHeader)
        );
    }
}
