//! One fetch, by claimguard's rules whatever the client: within the
//! per-attempt timeout, status 200 only (a redirect is refused, never
//! followed), one of the expected media types, and a body read frame by frame
//! that is refused the moment it passes its cap, before any of it is parsed.

use core::fmt;

use http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use http_body_util::BodyExt as _;

use super::client::HttpClient;
use crate::clock::Timer;

/// What a successful fetch brought.
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    /// `Cache-Control: max-age`, in seconds, if the response had one.
    pub(crate) max_age: Option<u64>,
}

/// Why a fetch failed: short, fixed wording and numbers, never a body or a
/// query string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// No answer, or not the whole body, within the per-attempt timeout.
    Timeout { millis: u64 },
    /// The client failed (refused connection, TLS, a broken stream).
    Transport(String),
    /// A status other than 200; a `3xx` is a redirect, never followed.
    Status(u16),
    /// A media type other than the expected ones.
    MediaType(String),
    /// The body passed the cap.
    TooLarge { max: usize },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout { millis } => write!(f, "no complete answer within {millis} ms"),
            Self::Transport(what) => write!(f, "request failed: {what}"),
            Self::Status(status @ 300..=399) => {
                write!(f, "status {status}: a redirect, which is never followed")
            }
            Self::Status(status) => write!(f, "status {status}, where 200 is expected"),
            Self::MediaType(found) => write!(f, "media type {found:?}, not JSON"),
            Self::TooLarge { max } => write!(f, "body larger than {max} bytes"),
        }
    }
}

/// `uri` without its query: what an error or a status may show of it.
pub(crate) fn shown(uri: &http::Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("");
    let authority = uri.authority().map_or("", |a| a.as_str());
    format!("{scheme}://{authority}{}", uri.path())
}

/// At most `max` bytes of `text`, cut at a character boundary, with `…`
/// when cut: what a note or an error shows of text from the network.
pub(crate) fn clipped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Fetches `uri` by the rules above.
pub(crate) async fn fetch(
    client: &dyn HttpClient,
    timer: &dyn Timer,
    uri: &http::Uri,
    accept: &[&str],
    max_bytes: usize,
    timeout_millis: u64,
) -> Result<Fetched, FetchError> {
    let deadline = timer.now_millis().saturating_add(timeout_millis);
    let attempt = attempt(client, uri, accept, max_bytes);
    tokio::select! {
        fetched = attempt => fetched,
        () = timer.sleep_until(deadline) => Err(FetchError::Timeout { millis: timeout_millis }),
    }
}

async fn attempt(
    client: &dyn HttpClient,
    uri: &http::Uri,
    accept: &[&str],
    max_bytes: usize,
) -> Result<Fetched, FetchError> {
    let request = http::Request::get(uri.clone())
        .header(ACCEPT, accept.join(", "))
        .body(())
        .map_err(|e| FetchError::Transport(e.to_string()))?;
    let response = client
        .fetch(request)
        .await
        .map_err(|e| FetchError::Transport(e.to_string()))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(FetchError::Status(status));
    }
    let media_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if !accept.contains(&media_type.as_str()) {
        return Err(FetchError::MediaType(clipped(&media_type, 64)));
    }
    let max_age = response
        .headers()
        .get(CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .and_then(max_age);
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| FetchError::Transport(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len().saturating_add(data.len()) > max_bytes {
                return Err(FetchError::TooLarge { max: max_bytes });
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Fetched {
        body: bytes,
        max_age,
    })
}

/// The `max-age` directive of a `Cache-Control` value, in seconds.
pub(crate) fn max_age(value: &str) -> Option<u64> {
    value.split(',').find_map(|directive| {
        let (name, seconds) = directive.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        seconds.trim().trim_matches('"').parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_any_position() {
        assert_eq!(max_age("public, max-age=300"), Some(300));
        assert_eq!(max_age("MAX-AGE=60, must-revalidate"), Some(60));
        assert_eq!(max_age("max-age=\"120\""), Some(120));
        assert_eq!(max_age("no-cache"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }

    #[test]
    fn errors_never_show_a_query() {
        let uri: http::Uri = "https://idp.example/keys?token=secret"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shown(&uri), "https://idp.example/keys");
        assert_eq!(
            FetchError::Status(302).to_string(),
            "status 302: a redirect, which is never followed"
        );
    }
}
