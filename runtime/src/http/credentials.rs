//! Finding the credentials in the request: `Authorization: Bearer`, a
//! cookie, or a header of the claims type's choosing.

use http::HeaderValue;
use http::header::{AUTHORIZATION, AsHeaderName, COOKIE};
use http::request::Parts;

use crate::claims::Source;
use crate::reason::Reason;

/// The token a request carries, as found: from a header, its bytes are
/// not known to be text until [`Credentials::text`] checks the whole header
/// value, which a cache hit never needs (a cached token is text, and
/// matching one byte for byte proves the same of the request's).
/// It has no `Debug`, so that it can never be logged.
#[derive(Clone, Copy)]
pub(crate) enum Credentials<'p> {
    /// Already text: a cookie, or a token handed to `Verifier::verify`.
    Text(&'p str),
    /// The token within a header value neither has been checked yet.
    Raw { token: &'p [u8], value: &'p [u8] },
}

impl<'p> Credentials<'p> {
    /// The token's bytes, unchecked.
    pub(crate) fn bytes(self) -> &'p [u8] {
        match self {
            Self::Text(token) => token.as_bytes(),
            Self::Raw { token, .. } => token,
        }
    }

    /// The token as text, once its header value is visible ASCII, spaces
    /// and tabs throughout.
    pub(crate) fn text(self) -> Result<&'p str, Reason> {
        match self {
            Self::Text(token) => Ok(token),
            Self::Raw { token, value } => {
                checked(value)?;
                core::str::from_utf8(token).map_err(|_| Reason::InvalidRequest)
            }
        }
    }
}

/// The credentials in `parts`, `Ok(None)` when there are none.
pub(crate) fn credentials(
    parts: &Parts,
    source: Source,
) -> Result<Option<Credentials<'_>>, Reason> {
    match source {
        Source::Bearer => match single(parts, AUTHORIZATION)? {
            None => Ok(None),
            Some(value) => bearer(value),
        },
        Source::Header(name) => match single(parts, name)? {
            None => Ok(None),
            Some(value) => match trim(value) {
                [] => Err(Reason::InvalidRequest),
                token => Ok(Some(Credentials::Raw { token, value })),
            },
        },
        Source::Cookie(name) => cookie(parts, name).map(|c| c.map(Credentials::Text)),
    }
}

/// The token in `parts` as text, `Ok(None)` when there are no credentials.
#[cfg(test)]
pub(crate) fn token(parts: &Parts, source: Source) -> Result<Option<&str>, Reason> {
    credentials(parts, source)?
        .map(Credentials::text)
        .transpose()
}

/// Whether `b` may appear in a header value we read: visible ASCII, space or
/// tab. Written without branches so that the scan over a value vectorises.
const fn text_byte(b: u8) -> bool {
    (b.wrapping_sub(b' ') <= b'~' - b' ') | (b == b'\t')
}

/// Refuses a header value with anything but visible ASCII, spaces and tabs.
fn checked(value: &[u8]) -> Result<(), Reason> {
    let bad = value
        .iter()
        .fold(0u8, |bad, &b| bad | u8::from(!text_byte(b)));
    if bad == 0 {
        Ok(())
    } else {
        Err(Reason::InvalidRequest)
    }
}

const fn is_space(b: &u8) -> bool {
    matches!(*b, b' ' | b'\t')
}

/// `value` without leading and trailing spaces and tabs.
fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |at| at + 1);
    &value[start..end]
}

/// A header value as text: visible ASCII, spaces and tabs only, trimmed.
fn text(value: &HeaderValue) -> Result<&str, Reason> {
    let bytes = value.as_bytes();
    checked(bytes)?;
    let text = core::str::from_utf8(bytes).map_err(|_| Reason::InvalidRequest)?;
    Ok(text.trim_matches([' ', '\t']))
}

/// The one value of a header; more than one is a malformed request.
fn single(parts: &Parts, name: impl AsHeaderName) -> Result<Option<&[u8]>, Reason> {
    let mut values = parts.headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Reason::InvalidRequest);
    }
    Ok(Some(value.as_bytes()))
}

/// `Bearer <token>`, the scheme in any case (RFC 9110 §11.1). Another
/// scheme means no bearer credentials at all, so the client gets the bare
/// challenge. Between the scheme and the token only spaces may stand
/// (`"Bearer" 1*SP b64token`, RFC 6750 §2.1, RFC 9110 §11.4): a tab there is
/// a malformed request, so that claimguard never takes as credentials what a
/// proxy in front of it would not. The field value's own leading and
/// trailing whitespace (spaces or tabs) is not part of it (RFC 9110 §5.5).
/// The token's own bytes are left for [`Credentials::text`] to check.
fn bearer(value: &[u8]) -> Result<Option<Credentials<'_>>, Reason> {
    with_scheme(value, b"bearer")
}

/// The schemes of `Authorization` a DPoP verifier reads.
#[cfg(feature = "dpop")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `DPoP` (RFC 9449 §7.1).
    Dpop,
}

/// `Authorization: Bearer <token>` or `Authorization: DPoP <token>`, each
/// read as [`bearer`] reads its scheme; `Ok(None)` when there are none.
#[cfg(feature = "dpop")]
pub(crate) fn bearer_or_dpop(parts: &Parts) -> Result<Option<(Scheme, Credentials<'_>)>, Reason> {
    let Some(value) = single(parts, AUTHORIZATION)? else {
        return Ok(None);
    };
    let (scheme, rest) = split_scheme(value);
    let scheme = if scheme.eq_ignore_ascii_case(b"bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case(b"dpop") {
        Scheme::Dpop
    } else {
        return checked(value).map(|()| None);
    };
    after_scheme(value, rest).map(|token| Some((scheme, token)))
}

/// `<scheme> <token>` as [`bearer`] reads `Bearer`, for `scheme` in
/// lowercase.
fn with_scheme<'v>(value: &'v [u8], name: &[u8]) -> Result<Option<Credentials<'v>>, Reason> {
    let (scheme, rest) = split_scheme(value);
    if !scheme.eq_ignore_ascii_case(name) {
        return checked(value).map(|()| None);
    }
    after_scheme(value, rest).map(Some)
}

/// The scheme of the field `value` (trimmed) and what follows it.
fn split_scheme(value: &[u8]) -> (&[u8], &[u8]) {
    let trimmed = trim(value);
    match trimmed.iter().position(is_space) {
        Some(at) => trimmed.split_at(at),
        None => (trimmed, &[][..]),
    }
}

/// The token in `rest`, what follows a scheme in the field `value`: one or
/// more spaces, then the token.
fn after_scheme<'v>(value: &'v [u8], rest: &'v [u8]) -> Result<Credentials<'v>, Reason> {
    let start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
    let (separator, token) = rest.split_at(start);
    if separator.is_empty() || token.first() == Some(&b'\t') {
        // The scheme alone, or a tab among the spaces after it.
        return Err(Reason::InvalidRequest);
    }
    Ok(Credentials::Raw { token, value })
}

/// Whether `b` is a `cookie-octet` (RFC 6265 §4.1.1): visible ASCII but
/// `"`, `,`, `;` and `\`.
const fn cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

/// The value of cookie `name` across every `Cookie` header; a cookie sent
/// twice is a malformed request.
///
/// Read the way RFC 6265 §4.2.1 writes it (`cookie-pair *( ";" SP
/// cookie-pair )`), with no more leniency than spaces before a name: the
/// name must match exactly (a name with a tab or a space before its `=` is
/// another cookie's), and the value is `cookie-octet`s, optionally in
/// double quotes; a value of `name` with anything else in it (a space, a
/// tab, a comma) is a malformed request rather than a guess at where it
/// ends.
fn cookie<'p>(parts: &'p Parts, name: &str) -> Result<Option<&'p str>, Reason> {
    let mut found = None;
    for header in parts.headers.get_all(COOKIE) {
        for pair in text(header)?.split(';') {
            let Some((key, value)) = pair.trim_start_matches(' ').split_once('=') else {
                continue;
            };
            if key != name {
                continue;
            }
            if found.is_some() {
                return Err(Reason::InvalidRequest);
            }
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            if !value.bytes().all(cookie_octet) {
                return Err(Reason::InvalidRequest);
            }
            found = Some(value);
        }
    }
    match found {
        Some("") => Err(Reason::InvalidRequest),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &[u8])]) -> Parts {
        let mut builder = http::Request::builder();
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder
            .body(())
            .map(|r| r.into_parts().0)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn bearer_of(headers: &[(&str, &[u8])]) -> Result<Option<String>, Reason> {
        token(&parts(headers), Source::Bearer).map(|t| t.map(str::to_owned))
    }

    #[test]
    fn bearer_scheme_and_spacing() {
        assert_eq!(bearer_of(&[]), Ok(None));
        assert_eq!(
            bearer_of(&[("authorization", b"Bearer abc")]),
            Ok(Some("abc".into()))
        );
        assert_eq!(
            bearer_of(&[("authorization", b"bEaReR   abc")]),
            Ok(Some("abc".into()))
        );
        // Only spaces between the scheme and the token (RFC 6750 §2.1).
        for tabbed in [
            &b"Bearer\tabc"[..],
            b"Bearer \tabc",
            b"Bearer\t abc",
            b"Bearer  \t  abc",
        ] {
            assert_eq!(
                bearer_of(&[("authorization", tabbed)]),
                Err(Reason::InvalidRequest),
                "{tabbed:?}"
            );
        }
        // The field value's own surrounding whitespace is not part of it.
        assert_eq!(
            bearer_of(&[("authorization", b"\tBearer abc \t")]),
            Ok(Some("abc".into()))
        );
        assert_eq!(bearer_of(&[("authorization", b"Basic YTpi")]), Ok(None));
        assert_eq!(bearer_of(&[("authorization", b"")]), Ok(None));
        assert_eq!(
            bearer_of(&[("authorization", b"Bearer")]),
            Err(Reason::InvalidRequest)
        );
        assert_eq!(
            bearer_of(&[("authorization", b"Bearer   ")]),
            Err(Reason::InvalidRequest)
        );
        assert_eq!(bearer_of(&[("authorization", b"Bearerabc")]), Ok(None));
        assert_eq!(
            bearer_of(&[("authorization", b"Bearer \xff")]),
            Err(Reason::InvalidRequest)
        );
        assert_eq!(
            bearer_of(&[
                ("authorization", b"Bearer a"),
                ("authorization", b"Bearer b")
            ]),
            Err(Reason::InvalidRequest)
        );
    }

    #[test]
    fn cookies_are_read_as_rfc_6265_writes_them() {
        let session = |value: &[u8]| {
            token(&parts(&[("cookie", value)]), Source::Cookie("session"))
                .map(|t| t.map(str::to_owned))
        };
        let tok = Ok(Some("tok".to_owned()));
        assert_eq!(session(b"a=1;session=tok"), tok);
        assert_eq!(session(b"a=1;   session=tok"), tok);
        // The field value's own surrounding whitespace is not part of it.
        assert_eq!(session(b"\tsession=tok "), tok);
        // A name with whitespace around it is another cookie's.
        for other in [&b"session =tok"[..], b"a=1;\tsession=tok", b"Session=tok"] {
            assert_eq!(session(other), Ok(None), "{other:?}");
        }
        // A value with anything but cookie-octets is malformed.
        for bad in [
            &b"session= tok"[..],
            b"session=tok en",
            b"session=to,ken",
            b"session=\"tok",
            b"session=to\\k",
            b"session=\ttok",
        ] {
            assert_eq!(session(bad), Err(Reason::InvalidRequest), "{bad:?}");
        }
        // Other cookies' values are not ours to judge.
        assert_eq!(session(b"a=x y; session=tok"), tok);
    }

    #[test]
    fn cookies_and_headers() {
        let p = parts(&[("cookie", b"a=1; session=tok; b=2")]);
        assert_eq!(token(&p, Source::Cookie("session")), Ok(Some("tok")));
        let p = parts(&[("cookie", b"session=\"tok\"")]);
        assert_eq!(token(&p, Source::Cookie("session")), Ok(Some("tok")));
        let p = parts(&[("cookie", b"session=a"), ("cookie", b"session=b")]);
        assert_eq!(
            token(&p, Source::Cookie("session")),
            Err(Reason::InvalidRequest)
        );
        let p = parts(&[("cookie", b"other=a"), ("authorization", b"Bearer x")]);
        assert_eq!(token(&p, Source::Cookie("session")), Ok(None));
        let p = parts(&[("x-token", b" tok ")]);
        assert_eq!(token(&p, Source::Header("X-Token")), Ok(Some("tok")));
        let p = parts(&[("x-token", b"\ttok\t")]);
        assert_eq!(token(&p, Source::Header("X-Token")), Ok(Some("tok")));
        let p = parts(&[("x-token", b"a"), ("x-token", b"b")]);
        assert_eq!(
            token(&p, Source::Header("x-token")),
            Err(Reason::InvalidRequest)
        );
    }
}
