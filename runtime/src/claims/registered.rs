//! The registered claims (RFC 7519 §4.1): the one list of them, the pass
//! that reads them from a payload without allocating (`iss` and `aud` are
//! compared where they lie), and the rules they are judged by.

use core::fmt;
use core::marker::PhantomData;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::json::once;
use crate::reason::Reason;

/// A registered claim that can be listed in `required = [...]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegisteredClaim {
    /// `exp`, always required.
    Exp,
    /// `nbf`.
    Nbf,
    /// `iat`.
    Iat,
    /// `iss` (also required whenever an issuer is configured).
    Iss,
    /// `aud` (also required whenever an audience is configured).
    Aud,
    /// `sub`.
    Sub,
    /// `jti`.
    Jti,
}

impl RegisteredClaim {
    /// Every registered claim claimguard reads, once: the one list of them
    /// (the derive keeps its own copy of the names, and every derived type
    /// checks at compile time that the two agree).
    pub const ALL: [RegisteredClaim; 7] = [
        Self::Exp,
        Self::Nbf,
        Self::Iat,
        Self::Iss,
        Self::Aud,
        Self::Sub,
        Self::Jti,
    ];

    /// The claim named `name` in a payload, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|claim| claim.name() == name)
    }

    /// The claim's name in the payload.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Exp => "exp",
            Self::Nbf => "nbf",
            Self::Iat => "iat",
            Self::Iss => "iss",
            Self::Aud => "aud",
            Self::Sub => "sub",
            Self::Jti => "jti",
        }
    }
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
    /// Which of the accepted issuers `iss` is, when it is one.
    pub issuer: Option<u16>,
    pub aud: Check,
    pub sub: Check,
    pub jti: Check,
}

/// What a deserializer handed to a visitor.
#[derive(Clone, Copy)]
pub(crate) enum Seen<'a> {
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
    Null,
    Str(&'a str),
    /// An array, object or anything else a registered claim cannot be
    /// (apart from an `aud` array, which a scalar field type never reads).
    Compound,
}

impl Seen<'_> {
    /// Shows the value to `visitor`, as the deserializer showed it to the
    /// field's.
    pub(crate) fn show<'de, V: Visitor<'de>, E: de::Error>(
        self,
        visitor: V,
        compound: V::Value,
    ) -> Result<V::Value, E> {
        match self {
            Self::U64(v) => visitor.visit_u64(v),
            Self::I64(v) => visitor.visit_i64(v),
            Self::F64(v) => visitor.visit_f64(v),
            Self::Bool(v) => visitor.visit_bool(v),
            Self::Null => visitor.visit_unit(),
            Self::Str(v) => visitor.visit_str(v),
            Self::Compound => Ok(compound),
        }
    }
}

/// A member name, as the registered claim it names (if any): read without
/// allocating, escapes or not.
struct ClaimKey(Option<RegisteredClaim>);

impl<'de> de::Deserialize<'de> for ClaimKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ClaimKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ClaimKey, E> {
                Ok(ClaimKey(RegisteredClaim::from_name(v)))
            }
        }
        d.deserialize_identifier(V)
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
    fn read_seen(self, seen: Seen<'_>) -> Date {
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
    accepted: &'s [Arc<str>],
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

/// `iss`: a string checked as [`StrSeed`] does, and which of the accepted
/// ones it is (what observability labels a verification with).
struct IssSeed<'s>(StrSeed<'s>);

impl<'de> Visitor<'de> for IssSeed<'_> {
    type Value = (Check, Option<u16>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let index = self.0.accepted.iter().position(|a| **a == *v);
        Ok((self.0.check(v), index.and_then(|i| u16::try_from(i).ok())))
    }
    otherwise_invalid!((Check::Invalid, None); unit, bool, numbers);
}

/// `aud`: a string, or an array of strings of which one must be accepted.
struct AudSeed<'s>(&'s [Arc<str>]);

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
    rules: &'s Rules,
    /// What `iss` is compared with: `rules`' issuers, or, for a verifier
    /// with several issuers, the one whose key the token was verified with.
    issuers: &'s [Arc<str>],
}

impl<'s> RegisteredPass<'s> {
    /// A pass that compares `iss` and `aud` with `rules`' lists.
    #[cfg(test)]
    pub(crate) fn new(rules: &'s Rules) -> Self {
        Self::with_issuers(rules, &rules.issuers)
    }

    /// A pass that compares `iss` with `issuers` instead of `rules`' list.
    pub(crate) fn with_issuers(rules: &'s Rules, issuers: &'s [Arc<str>]) -> Self {
        Self {
            found: Registered::default(),
            seen: 0,
            rules,
            issuers,
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
        seen: Seen<'_>,
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
                let issuers = IssSeed(StrSeed {
                    accepted: self.issuers,
                    any_if_empty: true,
                });
                (found.iss, found.issuer) = value.check(issuers, (Check::Invalid, None))?;
            }
            RegisteredClaim::Aud => {
                found.aud = value.check(AudSeed(&self.rules.audiences), Check::Invalid)?;
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

struct Shown<'a, E>(Seen<'a>, PhantomData<E>);

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
            while let Some(ClaimKey(name)) = map.next_key::<ClaimKey>()? {
                match name {
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

/// The validation settings the registered claims are judged by, built once
/// per verifier (the struct's attributes with start-up overrides) and read
/// by both halves of the judgement: the pass, which compares `iss` and `aud`
/// with the lists where they lie, and [`Rules::validate`], which decides.
#[derive(Debug)]
pub(crate) struct Rules {
    /// Accepted `iss` values; empty for any (and then `iss` is optional).
    pub(crate) issuers: Box<[Arc<str>]>,
    /// Accepted `aud` values; empty for none (a token with `aud` is refused).
    pub(crate) audiences: Box<[Arc<str>]>,
    /// Seconds of clock skew allowed on `exp`, `nbf` and `iat`.
    pub(crate) leeway: u64,
    /// Registered claims that must be present besides `exp`.
    pub(crate) required: &'static [RegisteredClaim],
}

impl Rules {
    /// Checks what a pass found against these rules at `now` (RFC 7519
    /// §4.1).
    pub(crate) fn validate(&self, claims: &Registered, now: u64) -> Result<(), Reason> {
        let leeway = self.leeway;
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
            Date::At(iat) if iat > now.saturating_add(leeway) => {
                return Err(Reason::IssuedInFuture);
            }
            _ => {}
        }
        match claims.iss {
            Check::Invalid | Check::Mismatch => return Err(Reason::Issuer),
            Check::Absent if !self.issuers.is_empty() => return Err(Reason::Issuer),
            _ => {}
        }
        match claims.aud {
            Check::Invalid | Check::Mismatch => return Err(Reason::Audience),
            Check::Absent if !self.audiences.is_empty() => return Err(Reason::Audience),
            _ => {}
        }
        if claims.sub == Check::Invalid || claims.jti == Check::Invalid {
            return Err(Reason::Claims);
        }
        for claim in self.required {
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
}

/// Whether the derive's list of registered claim names is the runtime's:
/// every derived claims type evaluates this at compile time, so that the two
/// copies of the list can never drift apart unnoticed.
#[doc(hidden)]
pub const fn names_agree(derive: &[&str]) -> bool {
    if derive.len() != RegisteredClaim::ALL.len() {
        return false;
    }
    let mut i = 0;
    while i < derive.len() {
        let (a, b) = (
            derive[i].as_bytes(),
            RegisteredClaim::ALL[i].name().as_bytes(),
        );
        if a.len() != b.len() {
            return false;
        }
        let mut k = 0;
        while k < a.len() {
            if a[k] != b[k] {
                return false;
            }
            k += 1;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(payload: &str, now: u64, leeway: u64) -> Result<(), Reason> {
        let rules = Rules {
            issuers: ["iss-a".into()].into(),
            audiences: ["aud-a".into()].into(),
            leeway,
            required: &[],
        };
        let mut pass = RegisteredPass::new(&rules);
        registered(&mut pass, payload)?;
        rules.validate(&pass.found, now)
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
}
