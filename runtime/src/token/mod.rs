//! The token's shape: its size, its three segments, and the decoding of the
//! payload, before anything in it is trusted; the header is `header`'s.

pub(crate) mod base64url;
mod header;

pub use header::MAX_HEADER_SEGMENT;
pub(crate) use header::{KnownHeaders, header};

use crate::reason::Reason;

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
#[cfg(test)]
pub(crate) fn is_base64url(segment: &str) -> bool {
    base64url::validate(segment.as_bytes()).is_ok()
}

/// Decoded payloads up to this size stay on the stack.
pub(crate) const PAYLOAD_STACK: usize = 1024;

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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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

    #[test]
    fn invalid_utf8_anywhere_in_the_payload_is_refused() {
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
}
