//! The background task of one issuer: it sleeps until a fetch is due or
//! asked for, fetches (discovery first, until it has succeeded once), and
//! hands the outcome to the issuer's keys; it holds them weakly and ends
//! when they are dropped.

use std::sync::Weak;

use tokio::sync::{mpsc, watch};

use super::fetch::{self, FetchError, shown};
use super::jwks;
use super::source::{Context, DISCOVERY_TYPES, Failure, Fetched, JWKS_TYPES, RemoteKeys, millis};
use std::sync::Arc;

use super::{RemoteError, RemoteIssuer, Settings};
#[cfg(feature = "tracing")]
use crate::observe::keys as observe;
use crate::observe::keys::Trigger;

/// What the task holds: where to fetch from, and everything it needs that
/// requests do not.
/// Starts `issuer`'s key source and its task on the current tokio runtime.
pub(crate) fn start(
    issuer: RemoteIssuer,
    context: Arc<Context>,
) -> Result<Arc<RemoteKeys>, RemoteError> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| RemoteError::NoRuntime)?;
    let (wake_tx, wake_rx) = mpsc::channel(1);
    let (done_tx, done_rx) = watch::channel(0);
    let keys = Arc::new(RemoteKeys::new(&issuer, &context, wake_tx, done_rx));
    let task = Task {
        keys: Arc::downgrade(&keys),
        wake: wake_rx,
        done: done_tx,
        context,
        issuer: issuer.issuer,
        discovery: issuer.discovery,
        jwks: issuer.jwks,
        settings: issuer.settings,
    };
    runtime.spawn(task.run());
    Ok(keys)
}

pub(super) struct Task {
    pub(super) keys: Weak<RemoteKeys>,
    pub(super) wake: mpsc::Receiver<()>,
    pub(super) done: watch::Sender<u64>,
    pub(super) context: Arc<Context>,
    pub(super) issuer: Box<str>,
    pub(super) discovery: Option<http::Uri>,
    pub(super) jwks: Option<http::Uri>,
    pub(super) settings: Settings,
}

/// The members of a discovery document claimguard reads.
#[derive(serde::Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl Task {
    pub(super) async fn run(mut self) {
        loop {
            let now = self.context.timer.now_millis();
            let due = match self.keys.upgrade() {
                Some(keys) => keys.next_due().min(keys.announce(now)),
                None => return,
            };
            tokio::select! {
                biased;
                message = self.wake.recv() => {
                    if message.is_none() {
                        return;
                    }
                }
                () = self.context.timer.sleep_until(due) => {}
            }
            let now = self.context.timer.now_millis();
            let Some((number, trigger)) = self.keys.upgrade().and_then(|keys| keys.begin(now))
            else {
                continue;
            };
            let outcome = self.traced_fetch(trigger).await;
            let Some(keys) = self.keys.upgrade() else {
                return;
            };
            keys.apply(number, trigger, outcome, &self.context);
            keys.announce(self.context.timer.now_millis());
            drop(keys);
            self.done.send_replace(number);
        }
    }

    /// [`fetch`](Self::fetch), in a span with the URL's host, what started
    /// it, and its outcome and duration (with the `tracing` feature).
    async fn traced_fetch(&mut self, trigger: Trigger) -> Result<Fetched, Failure> {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument as _;
            let host = self
                .jwks
                .as_ref()
                .or(self.discovery.as_ref())
                .and_then(|uri| uri.host())
                .unwrap_or_default()
                .to_owned();
            let span = observe::span(&host, trigger);
            let started = self.context.timer.now_millis();
            let outcome = self.fetch().instrument(span.clone()).await;
            let elapsed = self.context.timer.now_millis().saturating_sub(started);
            span.record("outcome", if outcome.is_ok() { "ok" } else { "error" });
            span.record("duration_ms", elapsed);
            outcome
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = trigger;
            self.fetch().await
        }
    }

    /// One fetch of the JWK set, after discovery if its URL is not known
    /// yet (discovery runs until it succeeds once).
    async fn fetch(&mut self) -> Result<Fetched, Failure> {
        let uri = match &self.jwks {
            Some(uri) => uri.clone(),
            None => {
                let uri = self.discover().await?;
                self.jwks = Some(uri.clone());
                uri
            }
        };
        let url = shown(&uri);
        let fetched = self.get(&uri, JWKS_TYPES).await?;
        let keys = jwks::read(&fetched.body, self.settings.max_keys).map_err(|cause| Failure {
            url: url.clone(),
            cause,
        })?;
        Ok(Fetched {
            keys,
            max_age: fetched.max_age,
            url,
        })
    }

    async fn get(&self, uri: &http::Uri, accept: &[&str]) -> Result<fetch::Fetched, Failure> {
        fetch::fetch(
            &*self.context.client,
            &*self.context.timer,
            uri,
            accept,
            self.settings.max_body_bytes,
            millis(self.settings.fetch_timeout),
        )
        .await
        .map_err(|error: FetchError| Failure {
            url: shown(uri),
            cause: error.to_string(),
        })
    }

    /// The JWK set's URL, from the discovery document, once its `issuer` is
    /// exactly the configured one.
    async fn discover(&self) -> Result<http::Uri, Failure> {
        let Some(uri) = &self.discovery else {
            return Err(Failure {
                url: String::new(),
                cause: "no discovery URL".to_owned(),
            });
        };
        let fail = |cause: String| Failure {
            url: shown(uri),
            cause,
        };
        let fetched = self.get(uri, DISCOVERY_TYPES).await?;
        let document: Discovery = serde_json::from_slice(&fetched.body)
            .map_err(|e| fail(format!("not a discovery document: {e}")))?;
        if document.issuer != *self.issuer {
            return Err(fail(format!(
                "the document names issuer {:?}, not the configured one",
                fetch::clipped(&document.issuer, 200)
            )));
        }
        super::checked_url(&document.jwks_uri).map_err(|e| fail(format!("its jwks_uri: {e}")))
    }
}
