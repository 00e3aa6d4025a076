//! The token's shape, its header, and its registered claims, parsed without
//! trusting anything before it is checked.
//!
//! The header is decoded into a fixed stack buffer and only the members that
//! matter are read (`alg`, `kid`, `typ`, `cty`, `crit`, `b64`, `enc`); keys
//! embedded in the header (`jwk`, `jku`, `x5u`, `x5c`) are skipped unread and
//! never trusted. The registered claims are checked in a pass over the payload
//! that allocates nothing: `iss` and `aud` are compared where they lie.

use core::fmt;
use core::marker::PhantomData;
use std::borrow::Cow;

use crate::base64url;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::{Algorithm, Reason, RegisteredClaim};

/// The longest header segment accepted, in base64url characters. Headers
/// carrying certificate chains are longer; claimguard never reads those.
pub const MAX_HEADER_SEGMENT: usize = 2048;
const HEADER_BUF: usize = MAX_HEADER_SEGMENT / 4 * 3;

/// The three segments of a compact JWS.
pub(crate) struct Segments<'t> {
    pub header: &'t str,
    pub payload: &'t str,
    pub signature: &'t str,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'t str,
}

/// Splits a token into its three segments after checking its size, before
/// any decoding. Each segment's alphabet is checked where it is decoded:
/// the header's and the payload's before the signature is checked, the
/// signature's by its own decoding.
pub(crate) fn split(token: &str, max_bytes: usize) -> Result<Segments<'_>, Reason> {
    if token.len() > max_bytes {
        return Err(Reason::TooLarge);
    }
    // `str::find` on a byte searches a word at a time.
    let first = token.find('.').ok_or(Reason::Malformed)?;
    let second = token[first + 1..]
        .find('.')
        .map(|at| first + 1 + at)
        .ok_or(Reason::Malformed)?;
    if token[second + 1..].contains('.') {
        return Err(Reason::Malformed);
    }
    let segments = Segments {
        header: &token[..first],
        payload: &token[first + 1..second],
        signature: &token[second + 1..],
        signing_input: &token[..second],
    };
    if segments.header.is_empty() || segments.payload.is_empty() || segments.signature.is_empty() {
        return Err(Reason::Malformed);
    }
    if segments.header.len() > MAX_HEADER_SEGMENT {
        return Err(Reason::TooLarge);
    }
    Ok(segments)
}

/// Whether a segment is canonical base64url (checked without allocating).
pub(crate) fn is_base64url(segment: &str) -> bool {
    base64url::validate(segment.as_bytes()).is_ok()
}

/// Decoded payloads up to this size stay on the stack.
const PAYLOAD_STACK: usize = 1024;

/// Decodes the payload, runs `authenticate` (the signature check), then
/// calls `f` with the decoded bytes. A payload that is not canonical
/// base64url is refused before `authenticate` runs; one that fits in a
/// kilobyte, as a typical payload does, is decoded on the stack, and a
/// larger one is checked in place and copied to the heap only once
/// `authenticate` has passed, so that no unauthenticated token makes the
/// verifier allocate in proportion to its size.
pub(crate) fn with_payload<R>(
    segment: &str,
    authenticate: impl FnOnce() -> Result<(), Reason>,
    f: impl FnOnce(&[u8]) -> Result<R, Reason>,
) -> Result<R, Reason> {
    let input = segment.as_bytes();
    let malformed = |_| Reason::Malformed;
    let len = base64url::decoded_len(input.len()).ok_or(Reason::Malformed)?;
    if len <= PAYLOAD_STACK {
        let mut buf = [0u8; PAYLOAD_STACK];
        let len = base64url::decode(input, &mut buf).map_err(malformed)?;
        authenticate()?;
        f(&buf[..len])
    } else {
        base64url::validate(input).map_err(malformed)?;
        authenticate()?;
        let bytes = base64url::decode_vec(input).map_err(malformed)?;
        f(&bytes)
    }
}

/// The decoded payload as text: it must be UTF-8 throughout (RFC 7519
/// §7.2), members skipped unread included. serde_json does not check strings
/// it skips, so this is checked once here, and the passes then read it as
/// text without checking each string again.
pub(crate) fn payload_text(bytes: &[u8]) -> Result<&str, Reason> {
    core::str::from_utf8(bytes).map_err(|_| Reason::Claims)
}

/// A string that borrows from the input when it has no escapes.
struct Str<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

macro_rules! member_names {
    ($name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum $name { $($variant,)* Other }

        impl<'de> de::Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a member name")
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok(match v { $($text => $name::$variant,)* _ => $name::Other })
                    }
                }
                d.deserialize_identifier(V)
            }
        }
    };
}

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

/// Refuses a second occurrence of a member, by its bit in `seen`.
fn once<E: de::Error>(seen: &mut u16, bit: u16) -> Result<(), E> {
    if *seen & bit != 0 {
        return Err(E::custom("duplicate member"));
    }
    *seen |= bit;
    Ok(())
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

/// What the registered-claims pass found for a NumericDate claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Date {
    #[default]
    Absent,
    Invalid,
    At(u64),
}

/// What the registered-claims pass found for a string-valued claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Check {
    #[default]
    Absent,
    /// Present but of the wrong type.
    Invalid,
    /// Present, and not one of the accepted values.
    Mismatch,
    /// Present and accepted.
    Match,
}

impl Check {
    fn present(self) -> bool {
        self != Self::Absent
    }
}

/// The registered claims of a payload.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Registered {
    pub exp: Date,
    pub nbf: Date,
    pub iat: Date,
    pub iss: Check,
    pub aud: Check,
    pub sub: Check,
    pub jti: Check,
}

member_names!(ClaimName {
    Exp = "exp",
    Nbf = "nbf",
    Iat = "iat",
    Iss = "iss",
    Aud = "aud",
    Sub = "sub",
    Jti = "jti",
});

impl ClaimName {
    fn claim(self) -> Option<RegisteredClaim> {
        Some(match self {
            Self::Exp => RegisteredClaim::Exp,
            Self::Nbf => RegisteredClaim::Nbf,
            Self::Iat => RegisteredClaim::Iat,
            Self::Iss => RegisteredClaim::Iss,
            Self::Aud => RegisteredClaim::Aud,
            Self::Sub => RegisteredClaim::Sub,
            Self::Jti => RegisteredClaim::Jti,
            Self::Other => return None,
        })
    }
}

/// The visitor methods for every JSON type the caller does not accept: each
/// consumes the value and reports it as invalid.
macro_rules! otherwise_invalid {
    ($invalid:expr; $($skip:ident),*) => {
        $(otherwise_invalid!(@one $skip, $invalid);)*
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($invalid)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($invalid)
        }
    };
    (@one unit, $invalid:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { Ok($invalid) }
    };
    (@one bool, $invalid:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok($invalid) }
    };
    (@one numbers, $invalid:expr) => {
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok($invalid) }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok($invalid) }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok($invalid) }
    };
    (@one str, $invalid:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok($invalid) }
    };
}

/// A NumericDate: a non-negative number of seconds. A fraction is rounded
/// toward the stricter verdict: down for `exp`, up for `nbf` and `iat`.
///
/// Read from the value's text, not through serde's number visitors: how
/// serde_json hands a number to a visitor depends on features any crate of
/// an application's build may turn on (`arbitrary_precision` shows every
/// number as a map; `float_roundtrip` changes how a fraction is rounded), and
/// the verdict on a token must not. An integer is read exactly; any other
/// number by the standard library's correctly rounded parser; a number too
/// large for an `f64` is an error, as serde_json's own parser makes it.
#[derive(Clone, Copy)]
struct DateSeed {
    round_up: bool,
}

impl DateSeed {
    /// The date a number's text says.
    fn read_text<E: de::Error>(self, text: &str) -> Result<Date, E> {
        if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            // A string, `true`, `false`, `null`, an array or an object.
            return Ok(Date::Invalid);
        }
        if let Ok(v) = text.parse::<u64>() {
            return Ok(Date::At(v));
        }
        if let Ok(v) = text.parse::<i64>() {
            return Ok(u64::try_from(v).map_or(Date::Invalid, Date::At));
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(self.read_f64(v)),
            _ => Err(E::custom("number out of range")),
        }
    }

    fn read_f64(self, v: f64) -> Date {
        if !v.is_finite() || v < 0.0 {
            return Date::Invalid;
        }
        let rounded = if self.round_up { v.ceil() } else { v.floor() };
        // `as` saturates for values beyond u64::MAX.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Date::At(rounded as u64)
    }

    /// The date a field's deserializer showed on its way (only numbers a
    /// scalar field reads exactly reach the check this way; see `Seen`).
    fn read_seen(self, seen: crate::tee::Seen<'_>) -> Date {
        use crate::tee::Seen;
        match seen {
            Seen::U64(v) => Date::At(v),
            Seen::I64(v) => u64::try_from(v).map_or(Date::Invalid, Date::At),
            Seen::F64(v) => self.read_f64(v),
            Seen::Bool(_) | Seen::Null | Seen::Str(_) | Seen::Compound => Date::Invalid,
        }
    }
}

/// A string claim compared against a list of accepted values; an empty list
/// accepts any string.
#[derive(Clone, Copy)]
struct StrSeed<'s> {
    accepted: &'s [Box<str>],
    any_if_empty: bool,
}

impl StrSeed<'_> {
    fn check(&self, value: &str) -> Check {
        if (self.any_if_empty && self.accepted.is_empty())
            || self.accepted.iter().any(|a| **a == *value)
        {
            Check::Match
        } else {
            Check::Mismatch
        }
    }
}

impl<'de> DeserializeSeed<'de> for StrSeed<'_> {
    type Value = Check;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Check, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrSeed<'_> {
    type Value = Check;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Check, E> {
        Ok(self.check(v))
    }
    otherwise_invalid!(Check::Invalid; unit, bool, numbers);
}

/// `aud`: a string, or an array of strings of which one must be accepted.
struct AudSeed<'s>(&'s [Box<str>]);

impl<'de> DeserializeSeed<'de> for AudSeed<'_> {
    type Value = Check;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Check, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AudSeed<'_> {
    type Value = Check;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Check, E> {
        Ok(StrSeed {
            accepted: self.0,
            any_if_empty: false,
        }
        .check(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Check, A::Error> {
        let mut verdict = Check::Mismatch;
        loop {
            let item = StrSeed {
                accepted: self.0,
                any_if_empty: false,
            };
            match seq.next_element_seed(item)? {
                None => return Ok(verdict),
                Some(Check::Match) if verdict == Check::Mismatch => verdict = Check::Match,
                Some(Check::Invalid | Check::Absent) => verdict = Check::Invalid,
                Some(_) => {}
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Check::Invalid)
    }
    otherwise_invalid!(@one unit, Check::Invalid);
    otherwise_invalid!(@one bool, Check::Invalid);
    otherwise_invalid!(@one numbers, Check::Invalid);
}

/// The registered-claims half of the single pass over a payload: the derived
/// claims visitor hands it the value of every registered claim it meets
/// (`exp`, `iss`, ... whether or not the struct has a field of that name),
/// and the verdicts wait here until the object has been read. Reading a claim
/// allocates nothing: `iss` and `aud` are compared where they lie. Not part
/// of the stable API.
#[doc(hidden)]
pub struct RegisteredPass<'s> {
    pub(crate) found: Registered,
    seen: u16,
    issuers: &'s [Box<str>],
    audiences: &'s [Box<str>],
}

impl<'s> RegisteredPass<'s> {
    pub(crate) fn new(issuers: &'s [Box<str>], audiences: &'s [Box<str>]) -> Self {
        Self {
            found: Registered::default(),
            seen: 0,
            issuers,
            audiences,
        }
    }

    /// Reads the value of one registered claim, refusing a second occurrence.
    pub fn read<'de, D: Deserializer<'de>>(
        &mut self,
        claim: RegisteredClaim,
        value: D,
    ) -> Result<(), D::Error> {
        self.record(claim, Whole(value))
    }

    /// Takes the value of one registered claim as a field's deserializer
    /// showed it, refusing a second occurrence.
    pub(crate) fn see<E: de::Error>(
        &mut self,
        claim: RegisteredClaim,
        seen: crate::tee::Seen<'_>,
    ) -> Result<(), E> {
        self.record(claim, Shown(seen, PhantomData))
    }

    fn record<'de, V: ClaimValue<'de>>(
        &mut self,
        claim: RegisteredClaim,
        value: V,
    ) -> Result<(), V::Error> {
        once(&mut self.seen, 1 << claim as u16)?;
        let any = StrSeed {
            accepted: &[],
            any_if_empty: true,
        };
        let found = &mut self.found;
        match claim {
            RegisteredClaim::Exp => found.exp = value.date(DateSeed { round_up: false })?,
            RegisteredClaim::Nbf => found.nbf = value.date(DateSeed { round_up: true })?,
            RegisteredClaim::Iat => found.iat = value.date(DateSeed { round_up: true })?,
            RegisteredClaim::Iss => {
                let issuers = StrSeed {
                    accepted: self.issuers,
                    any_if_empty: true,
                };
                found.iss = value.check(issuers, Check::Invalid)?;
            }
            RegisteredClaim::Aud => {
                found.aud = value.check(AudSeed(self.audiences), Check::Invalid)?;
            }
            RegisteredClaim::Sub => found.sub = value.check(any, Check::Invalid)?,
            RegisteredClaim::Jti => found.jti = value.check(any, Check::Invalid)?,
        }
        Ok(())
    }

    /// A seed that reads one registered claim's value into this pass.
    pub fn seed<'p>(&'p mut self, claim: RegisteredClaim) -> ClaimSeed<'p, 's> {
        ClaimSeed { pass: self, claim }
    }
}

/// A registered claim's value, however it reaches the check: a deserializer
/// positioned on it, or what a field's deserializer showed of it.
trait ClaimValue<'de> {
    type Error: de::Error;
    /// Reads the value as a NumericDate.
    fn date(self, seed: DateSeed) -> Result<Date, Self::Error>;
    /// Runs `visitor` on the value; `compound` is the verdict for a value
    /// that can no longer be shown (an array or object a field already read).
    fn check<V: Visitor<'de>>(
        self,
        visitor: V,
        compound: V::Value,
    ) -> Result<V::Value, Self::Error>;
}

struct Whole<D>(D);

impl<'de, D: Deserializer<'de>> ClaimValue<'de> for Whole<D> {
    type Error = D::Error;
    fn date(self, seed: DateSeed) -> Result<Date, D::Error> {
        // The value's text, borrowed: every pass runs on serde_json's
        // deserializer over the payload's text.
        let raw: &'de serde_json::value::RawValue = de::Deserialize::deserialize(self.0)?;
        seed.read_text(raw.get())
    }
    fn check<V: Visitor<'de>>(self, visitor: V, _: V::Value) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }
}

struct Shown<'a, E>(crate::tee::Seen<'a>, PhantomData<E>);

impl<'de, E: de::Error> ClaimValue<'de> for Shown<'_, E> {
    type Error = E;
    fn date(self, seed: DateSeed) -> Result<Date, E> {
        Ok(seed.read_seen(self.0))
    }
    fn check<V: Visitor<'de>>(self, visitor: V, compound: V::Value) -> Result<V::Value, E> {
        self.0.show(visitor, compound)
    }
}

/// Reads one registered claim's value into a [`RegisteredPass`].
#[doc(hidden)]
pub struct ClaimSeed<'p, 's> {
    pass: &'p mut RegisteredPass<'s>,
    claim: RegisteredClaim,
}

impl<'de> DeserializeSeed<'de> for ClaimSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.pass.read(self.claim, d)
    }
}

/// Reads the registered claims of a payload, and nothing else, in a pass that
/// allocates nothing: what a claims type without a single-pass decoder is
/// checked with, and how a payload the single pass refused is judged. A
/// payload that is not a JSON object, or that repeats a registered claim, is
/// an error.
pub(crate) fn registered(pass: &mut RegisteredPass<'_>, payload: &str) -> Result<(), Reason> {
    struct V<'p, 's>(&'p mut RegisteredPass<'s>);
    impl<'de> Visitor<'de> for V<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object of claims")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(name) = map.next_key::<ClaimName>()? {
                match name.claim() {
                    Some(claim) => map.next_value_seed(self.0.seed(claim))?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(payload);
    let out = de.deserialize_map(V(pass)).and_then(|()| de.end());
    out.map_err(|_| Reason::Claims)
}

/// Runs a derived claims visitor, in single-pass mode, over a payload.
pub(crate) fn single_pass<'de, V: Visitor<'de>>(payload: &'de str, visitor: V) -> Option<V::Value> {
    let mut de = serde_json::Deserializer::from_str(payload);
    let value = de.deserialize_map(visitor).ok()?;
    de.end().ok()?;
    Some(value)
}

/// The validation settings the registered claims are checked against.
pub(crate) struct Rules<'s> {
    pub now: u64,
    pub leeway: u64,
    pub issuers: &'s [Box<str>],
    pub audiences: &'s [Box<str>],
    pub required: &'s [RegisteredClaim],
}

/// Checks the registered claims against the rules (RFC 7519 §4.1).
pub(crate) fn validate(claims: &Registered, rules: &Rules<'_>) -> Result<(), Reason> {
    let Rules { now, leeway, .. } = *rules;
    match claims.exp {
        Date::Absent => return Err(Reason::MissingClaim("exp")),
        Date::Invalid => return Err(Reason::Claims),
        // "The current date/time MUST be before the expiration date/time."
        Date::At(exp) if now >= exp.saturating_add(leeway) => return Err(Reason::Expired),
        Date::At(_) => {}
    }
    match claims.nbf {
        Date::Invalid => return Err(Reason::Claims),
        Date::At(nbf) if now.saturating_add(leeway) < nbf => return Err(Reason::NotYetValid),
        _ => {}
    }
    match claims.iat {
        Date::Invalid => return Err(Reason::Claims),
        Date::At(iat) if iat > now.saturating_add(leeway) => return Err(Reason::IssuedInFuture),
        _ => {}
    }
    match claims.iss {
        Check::Invalid | Check::Mismatch => return Err(Reason::Issuer),
        Check::Absent if !rules.issuers.is_empty() => return Err(Reason::Issuer),
        _ => {}
    }
    match claims.aud {
        Check::Invalid | Check::Mismatch => return Err(Reason::Audience),
        Check::Absent if !rules.audiences.is_empty() => return Err(Reason::Audience),
        _ => {}
    }
    if claims.sub == Check::Invalid || claims.jti == Check::Invalid {
        return Err(Reason::Claims);
    }
    for claim in rules.required {
        let present = match claim {
            RegisteredClaim::Exp => claims.exp != Date::Absent,
            RegisteredClaim::Nbf => claims.nbf != Date::Absent,
            RegisteredClaim::Iat => claims.iat != Date::Absent,
            RegisteredClaim::Iss => claims.iss.present(),
            RegisteredClaim::Aud => claims.aud.present(),
            RegisteredClaim::Sub => claims.sub.present(),
            RegisteredClaim::Jti => claims.jti.present(),
        };
        if !present {
            return Err(Reason::MissingClaim(claim.name()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn boxed(items: &[&str]) -> Vec<Box<str>> {
        items.iter().map(|s| (*s).into()).collect()
    }

    fn check(payload: &str, now: u64, leeway: u64) -> Result<(), Reason> {
        let issuers = boxed(&["iss-a"]);
        let audiences = boxed(&["aud-a"]);
        let mut pass = RegisteredPass::new(&issuers, &audiences);
        registered(&mut pass, payload)?;
        validate(
            &pass.found,
            &Rules {
                now,
                leeway,
                issuers: &issuers,
                audiences: &audiences,
                required: &[],
            },
        )
    }

    const OK: &str = r#""iss":"iss-a","aud":"aud-a""#;

    #[test]
    fn exp_is_exclusive_and_leeway_extends_it() {
        assert_eq!(check(&format!(r#"{{"exp":100,{OK}}}"#), 99, 0), Ok(()));
        assert_eq!(
            check(&format!(r#"{{"exp":100,{OK}}}"#), 100, 0),
            Err(Reason::Expired)
        );
        assert_eq!(check(&format!(r#"{{"exp":100,{OK}}}"#), 104, 5), Ok(()));
        assert_eq!(
            check(&format!(r#"{{"exp":100,{OK}}}"#), 105, 5),
            Err(Reason::Expired)
        );
        let max = u64::MAX;
        assert_eq!(
            check(&format!(r#"{{"exp":{max},{OK}}}"#), max - 1, max),
            Ok(())
        );
        assert_eq!(
            check(&format!(r#"{{"exp":100.9,{OK}}}"#), 100, 0),
            Err(Reason::Expired)
        );
    }

    #[test]
    fn malformed_dates_are_refused() {
        for exp in [r#""100""#, "-1", "true", "null", "[1]", "{}", "1e400"] {
            assert!(
                check(&format!(r#"{{"exp":{exp},{OK}}}"#), 1, 0).is_err(),
                "{exp}"
            );
        }
        assert_eq!(
            check(&format!("{{{OK}}}"), 1, 0),
            Err(Reason::MissingClaim("exp"))
        );
    }

    #[test]
    fn nbf_and_iat() {
        let p = |extra: &str| format!(r#"{{"exp":1000,{OK},{extra}}}"#);
        assert_eq!(check(&p(r#""nbf":100"#), 100, 0), Ok(()));
        assert_eq!(check(&p(r#""nbf":101"#), 100, 0), Err(Reason::NotYetValid));
        assert_eq!(check(&p(r#""nbf":105"#), 100, 5), Ok(()));
        assert_eq!(
            check(&p(r#""nbf":100.5"#), 100, 0),
            Err(Reason::NotYetValid)
        );
        assert_eq!(
            check(&p(r#""iat":101"#), 100, 0),
            Err(Reason::IssuedInFuture)
        );
        assert_eq!(check(&p(r#""iat":100"#), 100, 0), Ok(()));
    }

    #[test]
    fn iss_and_aud() {
        let p = |body: &str| format!(r#"{{"exp":1000,{body}}}"#);
        assert_eq!(check(&p(r#""aud":"aud-a""#), 1, 0), Err(Reason::Issuer));
        assert_eq!(
            check(&p(r#""iss":["iss-a"],"aud":"aud-a""#), 1, 0),
            Err(Reason::Issuer)
        );
        assert_eq!(
            check(&p(r#""iss":"iss-b","aud":"aud-a""#), 1, 0),
            Err(Reason::Issuer)
        );
        assert_eq!(check(&p(r#""iss":"iss-a""#), 1, 0), Err(Reason::Audience));
        assert_eq!(
            check(&p(r#""iss":"iss-a","aud":["x","aud-a"]"#), 1, 0),
            Ok(())
        );
        assert_eq!(
            check(&p(r#""iss":"iss-a","aud":["x"]"#), 1, 0),
            Err(Reason::Audience)
        );
        assert_eq!(
            check(&p(r#""iss":"iss-a","aud":["aud-a",1]"#), 1, 0),
            Err(Reason::Audience)
        );
        assert_eq!(
            check(&p(r#""iss":"iss-a","aud":[]"#), 1, 0),
            Err(Reason::Audience)
        );
    }

    #[test]
    fn duplicates_and_non_objects_are_refused() {
        assert_eq!(
            check(&format!(r#"{{"exp":1000,"exp":1,{OK}}}"#), 1, 0),
            Err(Reason::Claims)
        );
        assert_eq!(
            check(&format!(r#"{{"exp":1000,{OK},"iss":"iss-a"}}"#), 1, 0),
            Err(Reason::Claims)
        );
        for payload in [
            "[]",
            "[1000]",
            r#""exp""#,
            "null",
            "1",
            "",
            "{",
            r#"{"exp":1000}x"#,
        ] {
            assert_eq!(check(payload, 1, 0), Err(Reason::Claims), "{payload}");
        }
    }

    #[test]
    fn splitting_checks_shape() {
        assert!(split("a.b.c", 10).is_ok());
        assert_eq!(split("a.b.c", 4).err(), Some(Reason::TooLarge));
        for bad in ["a.b", "a.b.c.d", "a..c", ".b.c", "a.b.", "..", "...."] {
            assert_eq!(split(bad, 100).err(), Some(Reason::Malformed), "{bad}");
        }
        // The alphabet is left to each segment's decoding.
        let s = split("ä.b+.c=", 100).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.header, s.payload, s.signature), ("ä", "b+", "c="));
        assert!(!is_base64url(s.payload));
        let long = format!("{}.b.c", "a".repeat(MAX_HEADER_SEGMENT + 1));
        assert_eq!(split(&long, 10_000).err(), Some(Reason::TooLarge));
    }

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
        let payload = URL_SAFE_NO_PAD.encode(b"{\"exp\":1,\"x\":{\"t\xd9\":0}}");
        let read = |segment: &str| {
            with_payload(
                segment,
                || Ok(()),
                |bytes| payload_text(bytes).map(str::to_owned),
            )
        };
        assert_eq!(read(&payload).err(), Some(Reason::Claims));
        let accented = read(&URL_SAFE_NO_PAD.encode("{\"x\":\"é\"}"));
        assert_eq!(accented.ok().as_deref(), Some("{\"x\":\"é\"}"));
        assert_eq!(read("e30=").err(), Some(Reason::Malformed));
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
