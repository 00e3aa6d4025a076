//! Response bodies, the streaming ones generated as they are sent.

use core::convert::Infallible;
use core::future::Future as _;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// What a [`Mode::Huge`](super::Mode::Huge) or
/// [`Mode::Endless`](super::Mode::Endless) body starts with.
const PREFIX: &[u8] = b"{\"keys\":[";

/// What a [`Mode::Huge`](super::Mode::Huge) body ends with.
const SUFFIX: &[u8] = b"]}";

/// The largest chunk a streamed body sends at once.
const CHUNK: usize = 16 * 1024;

/// The filler of streamed bodies, one chunk of it.
static SPACES: [u8; CHUNK] = [b' '; CHUNK];

/// How long a [`Mode::Drip`](super::Mode::Drip) body waits between bytes.
const DRIP_INTERVAL: Duration = Duration::from_millis(50);

/// The shortest [`Mode::Drip`](super::Mode::Drip) body: 6000 bytes take five
/// minutes.
const DRIP_MIN_LEN: usize = 6000;

/// A response body.
#[derive(Debug)]
pub(crate) struct Payload(Kind);

/// The kinds of [`Payload`].
#[derive(Debug)]
enum Kind {
    /// All of it at once (taken when sent).
    Full(Option<Bytes>),
    /// `total` bytes, `sent` of them sent; framed with [`PREFIX`] and
    /// [`SUFFIX`] when `total` has room for both.
    Huge { total: u64, sent: u64 },
    /// [`PREFIX`] (unless `started`) then [`SPACES`] forever.
    Endless { started: bool },
    /// `text` one byte at a time, `sent` of them sent, the next when `timer`
    /// fires.
    Drip {
        text: Bytes,
        sent: usize,
        timer: Option<Pin<Box<Sleep>>>,
    },
}

impl Payload {
    /// A body sent whole.
    pub(crate) fn full(body: impl Into<Bytes>) -> Self {
        Self(Kind::Full(Some(body.into())))
    }

    /// An empty body.
    pub(crate) fn empty() -> Self {
        Self(Kind::Full(None))
    }

    /// A body of exactly `total` bytes, generated as it is sent.
    pub(crate) fn huge(total: u64) -> Self {
        Self(Kind::Huge { total, sent: 0 })
    }

    /// A body that never ends.
    pub(crate) fn endless() -> Self {
        Self(Kind::Endless { started: false })
    }

    /// `text`, padded with trailing spaces to [`DRIP_MIN_LEN`] bytes, sent
    /// one byte per [`DRIP_INTERVAL`].
    pub(crate) fn drip(text: &str) -> Self {
        let padding = DRIP_MIN_LEN.saturating_sub(text.len());
        let text = Bytes::from(format!("{text}{}", " ".repeat(padding)));
        Self(Kind::Drip {
            text,
            sent: 0,
            timer: None,
        })
    }
}

/// The next chunk of a [`Kind::Huge`] body of `total` bytes, `sent` sent.
fn huge_chunk(total: u64, sent: u64) -> Option<Bytes> {
    let framing = (PREFIX.len() + SUFFIX.len()) as u64;
    let framed = total >= framing;
    if framed && sent == 0 {
        return Some(Bytes::from_static(PREFIX));
    }
    let suffix_start = if framed {
        total - SUFFIX.len() as u64
    } else {
        total
    };
    if sent < suffix_start {
        let left = usize::try_from(suffix_start - sent).unwrap_or(CHUNK);
        return Some(Bytes::from_static(&SPACES[..left.min(CHUNK)]));
    }
    (sent < total).then(|| Bytes::from_static(SUFFIX))
}

/// The next byte of a [`Kind::Drip`] body, once its timer lets it go.
fn drip_byte(
    cx: &mut Context<'_>,
    text: &Bytes,
    sent: &mut usize,
    timer: &mut Option<Pin<Box<Sleep>>>,
) -> Poll<Option<Bytes>> {
    if *sent >= text.len() {
        return Poll::Ready(None);
    }
    if let Some(timer) = timer.as_mut() {
        ready!(timer.as_mut().poll(cx));
    }
    let byte = text.slice(*sent..*sent + 1);
    *sent += 1;
    let deadline = tokio::time::Instant::now() + DRIP_INTERVAL;
    match timer.as_mut() {
        Some(timer) => timer.as_mut().reset(deadline),
        None => *timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
    }
    Poll::Ready(Some(byte))
}

impl Body for Payload {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let chunk = match &mut self.get_mut().0 {
            Kind::Full(body) => body.take(),
            Kind::Huge { total, sent } => {
                let chunk = huge_chunk(*total, *sent);
                *sent += chunk.as_ref().map_or(0, |c| c.len() as u64);
                chunk
            }
            Kind::Endless { started } => {
                let first = !core::mem::replace(started, true);
                Some(Bytes::from_static(if first { PREFIX } else { &SPACES }))
            }
            Kind::Drip { text, sent, timer } => ready!(drip_byte(cx, text, sent, timer)),
        };
        Poll::Ready(chunk.map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Full(body) => body.as_ref().is_none_or(Bytes::is_empty),
            Kind::Huge { total, sent } => sent >= total,
            Kind::Endless { .. } => false,
            Kind::Drip { text, sent, .. } => *sent >= text.len(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(body) => SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Huge { total, sent } => SizeHint::with_exact(total.saturating_sub(*sent)),
            Kind::Endless { .. } => SizeHint::default(),
            Kind::Drip { text, sent, .. } => {
                SizeHint::with_exact(text.len().saturating_sub(*sent) as u64)
            }
        }
    }
}
