//! How the issuer answers: normally, or with one of the failures a fetcher
//! must survive.

use core::fmt;

/// How a [`TestIssuer`](super::TestIssuer) answers requests for its JWK set
/// ([`set_mode`](super::TestIssuer::set_mode)) or its discovery document
/// ([`set_discovery_mode`](super::TestIssuer::set_discovery_mode)).
///
/// Every answer is real HTTP/1.1; the streaming modes generate their bodies
/// as they are sent, in bounded memory, however long they are.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub enum Mode {
    /// `200`: the published JWK set as `application/jwk-set+json` (or the
    /// discovery document as `application/json`).
    Normal,
    /// That status with a tiny `text/plain` body (none for `204` and `304`).
    /// A number that is no final HTTP status (below 200 or above 999)
    /// answers `500`.
    Status(u16),
    /// `200` `text/html`: a login page where the JSON was expected.
    Html,
    /// `200` `application/json` whose body is not JSON.
    Garbage,
    /// `200` with exactly this body and `Content-Type` (none when
    /// `content_type` is empty or not a valid header value): ten thousand
    /// keys, deeply nested JSON, a 16384-bit modulus…
    Body {
        /// The `Content-Type` value.
        content_type: String,
        /// The body, sent as is.
        body: String,
    },
    /// `200` `application/json` with `Content-Length: bytes` and that many
    /// bytes (`{"keys":[`, spaces, `]}`: valid JSON; only spaces when fewer
    /// than 11), streamed in 16 KiB chunks.
    Huge {
        /// The body's length.
        bytes: u64,
    },
    /// `200` `application/json`, chunked, with a body that never ends
    /// (`{"keys":[` then spaces).
    Endless,
    /// `200` with the `Content-Type` of [`Mode::Normal`] and a
    /// `Content-Length`, and a body (the normal answer padded with trailing
    /// spaces to at least 6000 bytes, so valid JSON once complete) sent one
    /// byte every 50 ms: over five minutes. Needs the tokio runtime's timer
    /// (`#[tokio::test]` has it).
    Drip,
    /// Reads the request and answers nothing until the mode changes, then
    /// answers by the new mode (held requests are released at once).
    Hang,
    /// `302` with `Location:` the requested URL itself: a redirect loop.
    Redirect,
}

impl fmt::Debug for Mode {
    /// Like a derived `Debug`, with a [`Mode::Body`] body shown by its length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Normal => f.write_str("Normal"),
            Self::Status(code) => f.debug_tuple("Status").field(code).finish(),
            Self::Html => f.write_str("Html"),
            Self::Garbage => f.write_str("Garbage"),
            Self::Body { content_type, body } => f
                .debug_struct("Body")
                .field("content_type", content_type)
                .field("body_len", &body.len())
                .finish(),
            Self::Huge { bytes } => f.debug_struct("Huge").field("bytes", bytes).finish(),
            Self::Endless => f.write_str("Endless"),
            Self::Drip => f.write_str("Drip"),
            Self::Hang => f.write_str("Hang"),
            Self::Redirect => f.write_str("Redirect"),
        }
    }
}
