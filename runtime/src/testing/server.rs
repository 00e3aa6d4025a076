//! The HTTP side: the listener, its connections, and the answers to the two
//! endpoints.

use core::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use http::{HeaderValue, Response, StatusCode, Uri};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::runtime::Handle;
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::keyring::KeyState;
use super::mode::Mode;
use super::payload::Payload;

/// The path of the JWK set.
pub(crate) const JWKS_PATH: &str = "/jwks";

/// The path of the discovery document.
pub(crate) const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// The state the endpoints answer from, shared by the issuer and every
/// connection.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`.
    pub(crate) issuer: String,
    /// The keys in use and published.
    pub(crate) keys: Mutex<KeyState>,
    /// How the JWKS endpoint answers.
    pub(crate) jwks_mode: watch::Sender<Mode>,
    /// How the discovery endpoint answers.
    pub(crate) discovery_mode: watch::Sender<Mode>,
    /// The `max-age` of JWKS answers, if any.
    pub(crate) max_age: Mutex<Option<u64>>,
    /// The discovery document's `issuer`, when not [`Shared::issuer`].
    pub(crate) discovery_issuer: Mutex<Option<String>>,
    /// JWKS requests received.
    pub(crate) jwks_requests: watch::Sender<u64>,
    /// Discovery requests received.
    pub(crate) discovery_requests: watch::Sender<u64>,
}

/// Locks `mutex`, a poisoned one too (every value it guards stays valid).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// The state of a new issuer at `issuer`: the first key of each family
    /// published, both endpoints [`Mode::Normal`].
    pub(crate) fn new(issuer: String) -> Self {
        Self {
            issuer,
            keys: Mutex::new(KeyState::new()),
            jwks_mode: watch::Sender::new(Mode::Normal),
            discovery_mode: watch::Sender::new(Mode::Normal),
            max_age: Mutex::new(None),
            discovery_issuer: Mutex::new(None),
            jwks_requests: watch::Sender::new(0),
            discovery_requests: watch::Sender::new(0),
        }
    }

    /// The discovery document.
    fn discovery_json(&self) -> String {
        let issuer = lock(&self.discovery_issuer).clone();
        let algorithms = lock(&self.keys).published_algorithms();
        serde_json::json!({
            "issuer": issuer.unwrap_or_else(|| self.issuer.clone()),
            "jwks_uri": format!("{}{JWKS_PATH}", self.issuer),
            "id_token_signing_alg_values_supported": algorithms,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        })
        .to_string()
    }
}

/// A running server: its accept loop and how to stop it.
#[derive(Debug)]
pub(crate) struct Running {
    /// Tells the accept loop to stop.
    stop: oneshot::Sender<()>,
    /// The accept loop, which owns the listener and every connection.
    task: JoinHandle<()>,
}

impl Running {
    /// Stops listening and closes every connection, then returns.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }

    /// Stops at once, without waiting (for `Drop`).
    pub(crate) fn abort(&self) {
        self.task.abort();
    }
}

/// A listener on `127.0.0.1:port` (`0`: an ephemeral port), with
/// `SO_REUSEADDR` so that a port given up can be bound again.
pub(crate) fn listen(port: u16) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    socket.listen(1024)
}

/// Serves `listener` on `runtime` until stopped.
pub(crate) fn spawn(runtime: &Handle, listener: TcpListener, shared: Arc<Shared>) -> Running {
    let (stop, stopped) = oneshot::channel();
    let task = runtime.spawn(accept_loop(listener, shared, stopped));
    Running { stop, task }
}

/// Accepts connections until `stopped`; then drops the listener (new
/// connections are refused) and ends every connection.
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve_connection(stream, Arc::clone(&shared)));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// Serves HTTP/1.1 on one connection.
async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
        let shared = Arc::clone(&shared);
        let uri = request.uri().clone();
        async move { Ok::<_, Infallible>(route(&shared, &uri).await) }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Which endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    /// The JWK set.
    Jwks,
    /// The discovery document.
    Discovery,
}

/// The answer to a request for `uri`.
async fn route(shared: &Shared, uri: &Uri) -> Response<Payload> {
    let endpoint = match uri.path() {
        JWKS_PATH => Endpoint::Jwks,
        DISCOVERY_PATH => Endpoint::Discovery,
        _ => return plain(StatusCode::NOT_FOUND),
    };
    let (counter, mode) = match endpoint {
        Endpoint::Jwks => (&shared.jwks_requests, &shared.jwks_mode),
        Endpoint::Discovery => (&shared.discovery_requests, &shared.discovery_mode),
    };
    counter.send_modify(|count| *count = count.saturating_add(1));
    let mode = settled_mode(mode).await;
    let mut response = answer(shared, endpoint, &mode, uri);
    if endpoint == Endpoint::Jwks {
        add_max_age(shared, &mut response);
    }
    response
}

/// The current mode, or, while it is [`Mode::Hang`], the next other one.
async fn settled_mode(mode: &watch::Sender<Mode>) -> Mode {
    let mut receiver = mode.subscribe();
    match receiver.wait_for(|mode| *mode != Mode::Hang).await {
        Ok(mode) => mode.clone(),
        // Never: `Shared` holds the sender while this request holds `Shared`.
        Err(_) => Mode::Status(503),
    }
}

/// The answer of `endpoint` in `mode` (never [`Mode::Hang`]).
fn answer(shared: &Shared, endpoint: Endpoint, mode: &Mode, uri: &Uri) -> Response<Payload> {
    let normal = || match endpoint {
        Endpoint::Jwks => lock(&shared.keys).jwks_json(),
        Endpoint::Discovery => shared.discovery_json(),
    };
    let normal_type = match endpoint {
        Endpoint::Jwks => "application/jwk-set+json",
        Endpoint::Discovery => "application/json",
    };
    match mode {
        Mode::Normal => ok(normal_type, Payload::full(normal())),
        Mode::Status(code) => status(*code),
        Mode::Html => ok("text/html; charset=utf-8", Payload::full(LOGIN_PAGE)),
        Mode::Garbage => ok("application/json", Payload::full(GARBAGE)),
        Mode::Body { content_type, body } => ok(content_type, Payload::full(body.clone())),
        Mode::Huge { bytes } => ok("application/json", Payload::huge(*bytes)),
        Mode::Endless => ok("application/json", Payload::endless()),
        Mode::Drip => ok(normal_type, Payload::drip(&normal())),
        Mode::Redirect => redirect(shared, uri),
        Mode::Hang => status(503),
    }
}

/// The body of [`Mode::Html`].
const LOGIN_PAGE: &str = "<!doctype html>\n<html><head><title>Sign in</title></head>\
    <body><form method=\"post\"><input name=\"user\"></form></body></html>\n";

/// The body of [`Mode::Garbage`].
const GARBAGE: &str = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\x7f not json";

/// A `200` with `body` and, if `content_type` is a valid non-empty header
/// value, that `Content-Type`.
fn ok(content_type: &str, body: Payload) -> Response<Payload> {
    let mut response = Response::new(body);
    if let Ok(value) = HeaderValue::from_str(content_type)
        && !content_type.is_empty()
    {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

/// A `code` answer with a tiny body (`500` for a number that is no final
/// status).
fn status(code: u16) -> Response<Payload> {
    let code = StatusCode::from_u16(code)
        .ok()
        .filter(|code| !code.is_informational())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    plain(code)
}

/// A `code` answer whose body is the code's text.
fn plain(code: StatusCode) -> Response<Payload> {
    let body = match code {
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED => Payload::empty(),
        _ => Payload::full(format!("{code}\n")),
    };
    let mut response = ok("text/plain; charset=utf-8", body);
    *response.status_mut() = code;
    response
}

/// A `302` back to the requested URL.
fn redirect(shared: &Shared, uri: &Uri) -> Response<Payload> {
    let target = uri.path_and_query().map_or(JWKS_PATH, |path| path.as_str());
    let mut response = plain(StatusCode::FOUND);
    if let Ok(location) = HeaderValue::from_str(&format!("{}{target}", shared.issuer)) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

/// `Cache-Control: max-age=N` on `response` if a max age is set.
fn add_max_age(shared: &Shared, response: &mut Response<Payload>) {
    let max_age = *lock(&shared.max_age);
    if let Some(seconds) = max_age
        && let Ok(value) = HeaderValue::from_str(&format!("max-age={seconds}"))
    {
        response.headers_mut().insert(CACHE_CONTROL, value);
    }
}
