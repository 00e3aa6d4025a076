//! Keys from an identity provider: OpenID Connect Discovery and JWK sets,
//! fetched and refreshed in the background by claimguard's rules.
//!
//! A [`RemoteIssuer`] names one issuer and where its keys are published;
//! [`VerifierBuilder::remote`](crate::VerifierBuilder::remote) adds it to a
//! verifier, and [`VerifierBuilder::start`](crate::VerifierBuilder::start)
//! starts one background task per issuer and (by default) waits for the
//! first key set. The task ends when the last clone of the verifier is
//! dropped; nothing is global.

mod client;
mod fetch;
mod jwks;
pub(crate) mod source;
pub(crate) mod task;

use core::fmt;
use core::time::Duration;

pub use crate::clock::{Timer, TokioTimer};
#[cfg(feature = "reqwest")]
pub use client::ReqwestClient;
pub use client::{BoxError, FetchBody, FetchFuture, HttpClient, body_from};
pub use source::{IssuerStatus, KeyState};

pub use crate::keys::set::MAX_KID_BYTES;

/// One issuer whose keys are fetched from the network: its issuer
/// identifier, where its JWK set is found, and how it is fetched and kept.
///
/// Every setting has a default fit for a production identity provider (see
/// the table in the crate's README); the methods change one each.
///
/// ```
/// use claimguard::remote::RemoteIssuer;
/// use std::time::Duration;
///
/// // OpenID Connect Discovery from the issuer URL...
/// let keycloak = RemoteIssuer::discover("https://sso.example.com/realms/main")?;
/// // ...or a JWK set URL, with the issuer given, for an identity provider
/// // whose internal address differs from the one in its tokens.
/// let internal = RemoteIssuer::with_jwks(
///     "https://sso.example.com/realms/main",
///     "http://127.0.0.1:8080/realms/main/protocol/openid-connect/certs",
/// )?
/// .max_stale(Duration::from_secs(6 * 3600));
/// # let _ = (keycloak, internal);
/// # Ok::<(), claimguard::remote::RemoteError>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct RemoteIssuer {
    pub(crate) issuer: Box<str>,
    pub(crate) discovery: Option<http::Uri>,
    pub(crate) jwks: Option<http::Uri>,
    pub(crate) settings: Settings,
}

/// How one issuer's keys are fetched and kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Start without waiting for the first key set.
    pub(crate) lazy: bool,
    /// How long `start` waits for the first key set.
    pub(crate) start_timeout: Duration,
    /// Per attempt, whole body included.
    pub(crate) fetch_timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_keys: usize,
    /// Without `Cache-Control: max-age`.
    pub(crate) default_lifetime: Duration,
    /// `max-age` is clamped to `[min_lifetime, max_lifetime]`.
    pub(crate) min_lifetime: Duration,
    pub(crate) max_lifetime: Duration,
    /// Least time between two fetches asked for by an unknown `kid`.
    pub(crate) cooldown: Duration,
    /// How long past its lifetime a key set is served when refreshing fails.
    pub(crate) max_stale: Duration,
    /// The first retry after a failure; each failure doubles it.
    pub(crate) min_backoff: Duration,
    pub(crate) max_backoff: Duration,
}

impl Settings {
    pub(crate) const DEFAULT: Self = Self {
        lazy: false,
        start_timeout: Duration::from_secs(10),
        fetch_timeout: Duration::from_secs(5),
        max_body_bytes: 1 << 20,
        max_keys: 64,
        default_lifetime: Duration::from_secs(600),
        min_lifetime: Duration::from_secs(60),
        max_lifetime: Duration::from_secs(24 * 3600),
        cooldown: Duration::from_secs(30),
        max_stale: Duration::from_secs(24 * 3600),
        min_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(300),
    };
}

/// The connect timeout of the default HTTP client.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a remote issuer could not be configured or started.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemoteError {
    /// A URL that is not absolute, or not `https` (plain `http` is only
    /// allowed to a loopback address), or carries credentials.
    Url {
        /// What was wrong, and the URL without its query.
        what: String,
    },
    /// A setting out of its range.
    Setting(&'static str),
    /// `start` was called outside a tokio runtime.
    NoRuntime,
    /// No HTTP client: the `reqwest` feature is off and none was given.
    NoClient,
    /// The default HTTP client could not be built.
    Client(String),
    /// A remote issuer that the claims type's `issuer = ...` (or the
    /// builder's `issuers`) does not accept, or one added twice.
    Issuer {
        /// The issuer.
        issuer: String,
        /// What is wrong with it.
        what: &'static str,
    },
    /// Fixed keys were given too, or the fixed keys are unusable.
    Keys(crate::keys::KeyError),
    /// The issuer's first key set did not arrive in time.
    FirstKeys {
        /// The issuer.
        issuer: String,
        /// The URL that failed (discovery or JWK set), without its query.
        url: String,
        /// Why: the last error, or that no answer came in time.
        cause: String,
    },
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url { what } => f.write_str(what),
            Self::Setting(what) => write!(f, "invalid remote key setting: {what}"),
            Self::NoRuntime => f.write_str("remote keys need a tokio runtime to start in"),
            Self::NoClient => f.write_str(
                "remote keys need an HTTP client: turn on the `reqwest` feature or pass one",
            ),
            Self::Client(why) => write!(f, "the default HTTP client could not be built: {why}"),
            Self::Issuer { issuer, what } => write!(f, "remote issuer {issuer}: {what}"),
            Self::Keys(error) => error.fmt(f),
            Self::FirstKeys { issuer, url, cause } => {
                write!(f, "no keys for issuer {issuer} from {url}: {cause}")
            }
        }
    }
}

impl std::error::Error for RemoteError {}

/// Parses `url` and refuses one a key source must not fetch from: not
/// absolute, not `https` (unless to a loopback address), or with
/// credentials in it.
pub(crate) fn checked_url(url: &str) -> Result<http::Uri, RemoteError> {
    let bad = |why: &str, shown: &str| RemoteError::Url {
        what: format!("{shown}: {why}"),
    };
    let uri: http::Uri = url
        .parse()
        .map_err(|_| bad("not a URL", "the key source URL"))?;
    let shown = fetch::shown(&uri);
    let authority = uri
        .authority()
        .ok_or_else(|| bad("not an absolute URL", &shown))?;
    if authority.as_str().contains('@') {
        return Err(bad("credentials do not belong in the URL", &shown));
    }
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_loopback(authority.host()) => Ok(uri),
        Some("http") => Err(bad(
            "plain http is only allowed to a loopback address",
            &shown,
        )),
        _ => Err(bad("only https URLs are fetched", &shown)),
    }
}

/// Whether `host` names this machine: `localhost`, 127.0.0.0/8 or `[::1]`.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl RemoteIssuer {
    /// The issuer `issuer`, its JWK set found by OpenID Connect Discovery at
    /// `{issuer}/.well-known/openid-configuration` (a trailing `/` of the
    /// issuer removed first, as OIDC Discovery §4 says). The document's
    /// `issuer` must equal `issuer` exactly (§4.3), and its `jwks_uri` passes
    /// the same URL check.
    pub fn discover(issuer: &str) -> Result<Self, RemoteError> {
        checked_url(issuer)?;
        let base = issuer.strip_suffix('/').unwrap_or(issuer);
        let discovery = checked_url(&format!("{base}/.well-known/openid-configuration"))?;
        Ok(Self {
            issuer: issuer.into(),
            discovery: Some(discovery),
            jwks: None,
            settings: Settings::DEFAULT,
        })
    }

    /// The issuer `issuer`, its JWK set fetched from `jwks_url` without
    /// discovery: for an identity provider reached at another address than
    /// the one its tokens name. `issuer` is not fetched, only compared with
    /// the tokens' `iss`.
    pub fn with_jwks(issuer: &str, jwks_url: &str) -> Result<Self, RemoteError> {
        if issuer.is_empty() {
            return Err(RemoteError::Setting("the issuer is empty"));
        }
        Ok(Self {
            issuer: issuer.into(),
            discovery: None,
            jwks: Some(checked_url(jwks_url)?),
            settings: Settings::DEFAULT,
        })
    }

    /// The issuer, as tokens name it in `iss`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Starts without waiting for the first key set: until it arrives,
    /// requests are answered `503` with `Retry-After`, and fetches are
    /// retried with backoff. Off by default: `start` waits.
    pub fn lazy(mut self) -> Self {
        self.settings.lazy = true;
        self
    }

    /// How long `start` waits for the first key set (10 s).
    pub fn start_timeout(mut self, wait: Duration) -> Self {
        self.settings.start_timeout = wait;
        self
    }

    /// The time one fetch may take, from the request to the body's last
    /// byte (5 s). A request that triggered a refetch waits at most this.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.settings.fetch_timeout = timeout;
        self
    }

    /// The largest response body read (1 MiB); a larger one fails the
    /// fetch while it streams, before any of it is parsed.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_body_bytes = bytes;
        self
    }

    /// The most keys a JWK set may hold (64); a set with more fails the
    /// fetch before any key is read.
    pub fn max_keys(mut self, keys: usize) -> Self {
        self.settings.max_keys = keys;
        self
    }

    /// A key set's lifetime when the response has no `Cache-Control:
    /// max-age` (10 min).
    pub fn default_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.default_lifetime = lifetime;
        self
    }

    /// The range `max-age` is clamped to ([1 min, 24 h]).
    pub fn lifetime_range(mut self, min: Duration, max: Duration) -> Self {
        self.settings.min_lifetime = min;
        self.settings.max_lifetime = max;
        self
    }

    /// The least time between two refetches that tokens with an unknown
    /// `kid` ask for (30 s); inside it such tokens are refused at once.
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.settings.cooldown = cooldown;
        self
    }

    /// How long past its lifetime the last good key set keeps verifying
    /// while refreshes fail (24 h); after that requests get `503`.
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.settings.max_stale = max_stale;
        self
    }

    /// The first retry delay after a failed fetch and the most it doubles
    /// to (1 s and 5 min); each delay is jittered.
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.settings.min_backoff = first;
        self.settings.max_backoff = max;
        self
    }

    /// Checks the settings against one another.
    pub(crate) fn check(&self) -> Result<(), RemoteError> {
        let s = &self.settings;
        let zero = Duration::ZERO;
        let checks = [
            (s.fetch_timeout > zero, "the fetch timeout is zero"),
            (s.max_body_bytes > 0, "the body cap is zero"),
            (s.max_keys > 0, "the key cap is zero"),
            (s.min_lifetime > zero, "the shortest lifetime is zero"),
            (
                s.min_lifetime <= s.max_lifetime,
                "the lifetime range is empty",
            ),
            (s.min_backoff > zero, "the first backoff is zero"),
            (s.min_backoff <= s.max_backoff, "the backoff range is empty"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, what)) => Err(RemoteError::Setting(what)),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for RemoteIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteIssuer")
            .field("issuer", &self.issuer)
            .field("discovery", &self.discovery.as_ref().map(fetch::shown))
            .field("jwks", &self.jwks.as_ref().map(fetch::shown))
            .field("settings", &self.settings)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_urls_are_fetched() {
        for ok in [
            "https://idp.example",
            "https://idp.example/realms/a/",
            "http://127.0.0.1:8080",
            "http://127.1.2.3/x",
            "http://localhost:1/",
            "http://[::1]:9/",
        ] {
            assert!(RemoteIssuer::discover(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://idp.example",
            "http://10.0.0.1",
            "ftp://idp.example",
            "/relative",
            "idp.example",
            "https://user:pass@idp.example",
            "http://127.0.0.1.example.com",
        ] {
            assert!(
                matches!(RemoteIssuer::discover(bad), Err(RemoteError::Url { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn discovery_removes_one_trailing_slash() {
        let issuer = RemoteIssuer::discover("https://idp.example/realms/a/")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            issuer
                .discovery
                .as_ref()
                .map(|uri| uri.to_string())
                .as_deref(),
            Some("https://idp.example/realms/a/.well-known/openid-configuration")
        );
        assert_eq!(issuer.issuer(), "https://idp.example/realms/a/");
    }

    #[test]
    fn errors_never_show_a_query() {
        let err = RemoteIssuer::with_jwks("https://idp.example", "http://idp.example/k?secret=1")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("http://idp.example/k"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn settings_are_checked() {
        let issuer =
            RemoteIssuer::discover("https://idp.example").unwrap_or_else(|e| panic!("{e}"));
        assert!(issuer.check().is_ok());
        let empty = issuer
            .clone()
            .lifetime_range(Duration::from_secs(10), Duration::from_secs(5));
        assert_eq!(
            empty.check(),
            Err(RemoteError::Setting("the lifetime range is empty"))
        );
        let zero = issuer.max_keys(0);
        assert_eq!(
            zero.check(),
            Err(RemoteError::Setting("the key cap is zero"))
        );
    }
}
