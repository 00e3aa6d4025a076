//! The whole table again, with a `tracing` subscriber recording every event
//! and span claimguard emits at every level: nothing of any token, no
//! secret and no claim value may appear in it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use super::table::{Case, run};

/// A writer into a shared buffer.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub(crate) fn text(&self) -> String {
        let buffer = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&buffer).into_owned()
    }
}

/// Runs `cases` with every event of every level recorded; what was
/// recorded. The subscriber is the process's global one (a thread's own
/// default misses events whose callsites other tests' threads registered
/// first), so the record holds what the other tests of this binary logged
/// meanwhile too, which is checked as well.
pub(crate) async fn logged(cases: Vec<Case>) -> (usize, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .unwrap_or_else(|e| panic!("a global subscriber was set already: {e}"));
    let ran = run(cases).await;
    (ran, captured.text())
}

/// Every piece of eight characters or more of what `cases` sent.
pub(crate) fn sent_pieces(cases: &[Case]) -> Vec<String> {
    let mut pieces = Vec::new();
    for case in cases {
        for (_, value) in &case.headers {
            let value = String::from_utf8_lossy(value);
            pieces.extend(
                value
                    .split(['.', ' ', '\t', ';', '='])
                    .filter(|p| p.len() >= 8 && !p.eq_ignore_ascii_case("bearer"))
                    .map(str::to_owned),
            );
        }
    }
    pieces
}
