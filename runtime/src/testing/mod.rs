//! A fake OpenID identity provider for tests (feature `testing`).
//!
//! [`TestIssuer::start`] serves, on an ephemeral port of `127.0.0.1`, a JWK
//! set at `/jwks` and a discovery document at
//! `/.well-known/openid-configuration`, both real HTTP/1.1. It mints tokens
//! signed by the keys it publishes, rotates and retires keys, and can answer
//! with every failure a key fetcher must survive ([`Mode`]): error statuses,
//! HTML, garbage, huge, endless or dripping bodies, a hang, a redirect loop,
//! or no listener at all ([`TestIssuer::down`]).
//!
//! **The keys are test keys.** They are embedded in claimguard's source (so
//! that no test waits for RSA key generation) and so are public: never trust
//! them anywhere. There are three RSA 2048-bit keys (`rsa-1`..`rsa-3`), three
//! P-256 (`p256-1`..`p256-3`), two P-384 (`p384-1`, `p384-2`) and three
//! Ed25519 (`ed25519-1`..`ed25519-3`); the first of each family is published
//! from the start, the others by [`TestIssuer::rotate`]. HMAC tokens are
//! signed with [`HMAC_SECRET`], which no JWK set publishes.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use claimguard::Algorithm;
//! use claimguard::testing::{Mode, TestIssuer};
//!
//! let idp = TestIssuer::start().await?;
//! let claims = serde_json::json!({ "iss": idp.issuer(), "sub": "alice", "exp": 4_000_000_000u64 });
//! let token = idp.mint(Algorithm::RS256, &claims);
//! assert_eq!(token.split('.').count(), 3);
//!
//! // A new key, listed first; tokens are now signed with it.
//! assert_eq!(idp.rotate(Algorithm::RS256).as_deref(), Some("rsa-2"));
//! // The JWKS endpoint now fails.
//! idp.set_mode(Mode::Status(503));
//! # Ok(()) }
//! ```
//!
//! A handler's test, with a verifier of the issuer's keys on a manual
//! clock (tokens stamped by that clock, refreshes when the test moves it):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use claimguard::remote::RemoteIssuer;
//! use claimguard::testing::{ManualClock, TestIssuer};
//! use claimguard::{Algorithm, Claims, Verifier};
//!
//! #[derive(Claims, Clone, Debug)]
//! #[claims(algorithms = [ES256])]
//! struct User {
//!     #[claims(max_len = 64)]
//!     sub: String,
//! }
//!
//! let idp = TestIssuer::start().await?;
//! let clock = ManualClock::new(1_700_000_000);
//! let verifier = Verifier::<User>::builder()
//!     .clock(clock.clone())
//!     .timer(clock.clone())
//!     .remote(RemoteIssuer::discover(&idp.issuer())?)
//!     .start()
//!     .await?;
//! let claims = serde_json::json!({ "iss": idp.issuer(), "sub": "alice", "exp": 1_700_000_600 });
//! let user = verifier.verify(&idp.mint(Algorithm::ES256, &claims))?;
//! assert_eq!(user.sub, "alice");
//! # Ok(()) }
//! ```

#[cfg(feature = "dpop")]
mod dpop;
mod keyring;
mod mode;
mod payload;
mod server;
mod sign;

use core::fmt;
use std::io;
use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::runtime::Handle;
use tokio::sync::Mutex;

use self::keyring::{Family, KEYS};
use self::server::{DISCOVERY_PATH, JWKS_PATH, Running, Shared, lock};
use self::sign::Signers;
use crate::Algorithm;

#[cfg(feature = "dpop")]
#[cfg_attr(docsrs, doc(cfg(feature = "dpop")))]
pub use self::dpop::{DpopKey, ath};
pub use self::keyring::{HMAC_KID, HMAC_SECRET};
pub use self::mode::Mode;
/// The clock tests set by hand; as a verifier's [`Clock`](crate::Clock)
/// and [`Timer`](crate::remote::Timer) both, refreshes, timeouts, backoff,
/// cooldowns and expiry happen exactly when the test moves it.
pub use crate::clock::ManualClock;

/// A fake OpenID issuer serving its JWK set and discovery document on
/// `127.0.0.1`, on the tokio runtime that started it.
///
/// Every method takes `&self`, so one issuer can be shared (behind an `Arc`)
/// by the test and the app under test. Dropping it stops the server and
/// closes its connections. Its `Debug` shows the issuer URL only.
pub struct TestIssuer {
    /// What the endpoints answer from.
    shared: Arc<Shared>,
    /// The private keys.
    signers: Signers,
    /// The runtime the server runs on.
    runtime: Handle,
    /// The server while it listens ([`TestIssuer::down`] takes it).
    server: Mutex<Option<Running>>,
    /// The port, kept across [`TestIssuer::down`] and [`TestIssuer::up`].
    port: u16,
}

impl TestIssuer {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime, the
    /// first key of each family published and both endpoints in
    /// [`Mode::Normal`]. The server stops with that runtime: an issuer
    /// shared by several `#[tokio::test]`s (each has its own runtime) dies
    /// with the first.
    ///
    /// # Errors
    ///
    /// Outside a tokio runtime, or when no port can be bound.
    pub async fn start() -> io::Result<Self> {
        let runtime = Handle::try_current().map_err(io::Error::other)?;
        let signers = Signers::load()?;
        let listener = server::listen(0)?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared::new(format!("http://{address}")));
        let running = server::spawn(&runtime, listener, Arc::clone(&shared));
        Ok(Self {
            shared,
            signers,
            runtime,
            server: Mutex::new(Some(running)),
            port: address.port(),
        })
    }

    /// The issuer URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn issuer(&self) -> String {
        self.shared.issuer.clone()
    }

    /// The JWK set's URL: the issuer and `/jwks`.
    pub fn jwks_uri(&self) -> String {
        format!("{}{JWKS_PATH}", self.shared.issuer)
    }

    /// The discovery document's URL: the issuer and
    /// `/.well-known/openid-configuration`.
    pub fn discovery_uri(&self) -> String {
        format!("{}{DISCOVERY_PATH}", self.shared.issuer)
    }

    /// A token signed with `alg` by the first published key of `alg`'s
    /// family (if all are retired, by the one put in use last), with the
    /// header `{"alg", "typ": "JWT", "kid"}` and `claims` as the payload,
    /// verbatim (any JSON; usually an object).
    ///
    /// HMAC algorithms sign with [`HMAC_SECRET`], kid [`HMAC_KID`].
    pub fn mint(&self, alg: Algorithm, claims: &Value) -> String {
        let (index, kid) = self.current_key(alg);
        self.signers
            .token(alg, index, &default_header(alg, kid), claims)
    }

    /// A token signed with `alg` by the key `kid`, which this issuer
    /// publishes or has retired (or [`HMAC_KID`] for an HMAC algorithm),
    /// with the members of `header` (an object; `{}` for none) merged into
    /// the default header `{"alg", "typ": "JWT", "kid"}`.
    ///
    /// A member of `header` replaces the default one, `alg` and `kid`
    /// included (the signature is still made with `alg` by the key `kid`),
    /// and a `null` member removes it: `{"typ": "at+jwt"}`, `{"kid": null}`
    /// for a token without a kid, `{"alg": "none"}` for a lying header.
    ///
    /// `None` when `kid` is no key this issuer has put in use, when its
    /// family does not sign with `alg`, or when `header` is not an object.
    pub fn mint_with(
        &self,
        alg: Algorithm,
        kid: &str,
        header: &Value,
        claims: &Value,
    ) -> Option<String> {
        let index = self.key_for(alg, kid)?;
        let mut merged = default_header(alg, kid);
        merge(&mut merged, header.as_object()?);
        Some(self.signers.token(alg, index, &merged, claims))
    }

    /// Publishes the next embedded key of `alg`'s family, first in the set
    /// (the others stay published); its kid. `None` when the family's keys
    /// are used up, or for an HMAC algorithm.
    pub fn rotate(&self, alg: Algorithm) -> Option<String> {
        let family = Family::of(alg);
        if family == Family::Hmac {
            return None;
        }
        let index = lock(&self.shared.keys).rotate(family)?;
        KEYS.get(index).map(|key| key.kid.to_owned())
    }

    /// Stops publishing `kid`, which [`TestIssuer::mint_with`] can still
    /// sign with (for tests of refusal); whether it was published.
    pub fn retire(&self, kid: &str) -> bool {
        lock(&self.shared.keys).retire(kid)
    }

    /// The kids of the published keys, in the set's order.
    pub fn published(&self) -> Vec<String> {
        let keys = lock(&self.shared.keys);
        keys.published().map(|key| key.kid.to_owned()).collect()
    }

    /// The published JWK set as the JWKS endpoint sends it in
    /// [`Mode::Normal`] (`{"keys":[…]}`, each JWK with `kty`, `kid` and its
    /// public members, no `alg`): a starting point for [`Mode::Body`].
    pub fn jwks_json(&self) -> String {
        lock(&self.shared.keys).jwks_json()
    }

    /// How the JWKS endpoint answers from now on; requests held by
    /// [`Mode::Hang`] are answered by the new mode at once. The discovery
    /// endpoint has its own ([`TestIssuer::set_discovery_mode`]).
    pub fn set_mode(&self, mode: Mode) {
        self.shared.jwks_mode.send_replace(mode);
    }

    /// How the discovery endpoint answers from now on, as
    /// [`TestIssuer::set_mode`] does for the JWKS endpoint ([`Mode::Normal`]
    /// is the discovery document).
    pub fn set_discovery_mode(&self, mode: Mode) {
        self.shared.discovery_mode.send_replace(mode);
    }

    /// `Cache-Control: max-age=N` on every JWKS answer (whatever the mode);
    /// `None`, the default, sends no `Cache-Control`.
    pub fn set_max_age(&self, seconds: Option<u64>) {
        *lock(&self.shared.max_age) = seconds;
    }

    /// What the discovery document's `issuer` says (by default the real
    /// issuer, [`TestIssuer::issuer`]), for tests of a mismatch.
    pub fn set_discovery_issuer(&self, issuer: &str) {
        *lock(&self.shared.discovery_issuer) = Some(issuer.to_owned());
    }

    /// How many JWKS requests have arrived (counted on arrival, before the
    /// answer, in any mode).
    pub fn jwks_requests(&self) -> u64 {
        *self.shared.jwks_requests.borrow()
    }

    /// How many discovery requests have arrived (counted as
    /// [`TestIssuer::jwks_requests`] are).
    pub fn discovery_requests(&self) -> u64 {
        *self.shared.discovery_requests.borrow()
    }

    /// Resolves once at least `n` JWKS requests have arrived (at once if
    /// they have), woken by each arrival: no polling.
    pub async fn wait_for_jwks_requests(&self, n: u64) {
        let mut arrivals = self.shared.jwks_requests.subscribe();
        // The sender lives in `shared`, as long as `self`: this cannot fail.
        let _ = arrivals.wait_for(|count| *count >= n).await;
    }

    /// Resolves once at least `n` discovery requests have arrived, as
    /// [`TestIssuer::wait_for_jwks_requests`] does.
    pub async fn wait_for_discovery_requests(&self, n: u64) {
        let mut arrivals = self.shared.discovery_requests.subscribe();
        let _ = arrivals.wait_for(|count| *count >= n).await;
    }

    /// Stops listening and closes every open connection (kept-alive ones
    /// and held requests too), then returns: a new connection is refused
    /// until [`TestIssuer::up`]. Nothing when already down.
    pub async fn down(&self) {
        let running = self.server.lock().await.take();
        if let Some(running) = running {
            running.stop().await;
        }
    }

    /// Listens again, on the same port; nothing when already listening.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound again: another socket took it while
    /// the issuer was down (the port is an ephemeral one).
    pub async fn up(&self) -> io::Result<()> {
        let mut server = self.server.lock().await;
        if server.is_none() {
            let listener = {
                let _runtime = self.runtime.enter();
                server::listen(self.port)?
            };
            let running = server::spawn(&self.runtime, listener, Arc::clone(&self.shared));
            *server = Some(running);
        }
        Ok(())
    }

    /// The key `mint` signs `alg` tokens with, and its kid.
    fn current_key(&self, alg: Algorithm) -> (Option<usize>, &'static str) {
        let family = Family::of(alg);
        let current = match family {
            Family::Hmac => None,
            _ => lock(&self.shared.keys).current(family),
        };
        match current.and_then(|index| Some((index, KEYS.get(index)?.kid))) {
            Some((index, kid)) => (Some(index), kid),
            // HMAC (or, never, a family with no key in use: the token then
            // has no valid signature).
            None => (None, HMAC_KID),
        }
    }

    /// The key named `kid` if it signs `alg` tokens and this issuer has put
    /// it in use (`Some(None)`: the HMAC secret).
    fn key_for(&self, alg: Algorithm, kid: &str) -> Option<Option<usize>> {
        let family = Family::of(alg);
        if family == Family::Hmac {
            return (kid == HMAC_KID).then_some(None);
        }
        let index = lock(&self.shared.keys).used(kid)?;
        (KEYS.get(index)?.family == family).then_some(Some(index))
    }
}

/// The header `{"alg", "typ": "JWT", "kid"}`.
fn default_header(alg: Algorithm, kid: &str) -> Value {
    serde_json::json!({ "alg": alg.name(), "typ": "JWT", "kid": kid })
}

/// `extra`'s members into the object `header`: each replaces the one of its
/// name, and `null` removes it.
fn merge(header: &mut Value, extra: &Map<String, Value>) {
    let Some(header) = header.as_object_mut() else {
        return;
    };
    for (name, value) in extra {
        if value.is_null() {
            header.remove(name);
        } else {
            header.insert(name.clone(), value.clone());
        }
    }
}

impl fmt::Debug for TestIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestIssuer")
            .field("issuer", &self.shared.issuer)
            .finish_non_exhaustive()
    }
}

impl Drop for TestIssuer {
    /// Stops the server: the listener and every connection.
    fn drop(&mut self) {
        if let Some(running) = self.server.get_mut().take() {
            running.abort();
        }
    }
}
