//! Bounded, verified JWT claims as an axum extractor.
//!
//! `#[derive(Claims)]` on a plain struct makes it an axum extractor that
//! verifies the token's signature and validates its registered claims on
//! every request, and that cannot hold more memory than the caps written on
//! the struct. A string or collection field without a cap does not compile.
//! Nothing is kept in a global: the [`Verifier`] lives in axum state.
//!
//! ```
//! use axum::{Json, Router, routing::get};
//! use claimguard::{Claims, Key, Verifier};
//!
//! #[derive(Claims, Debug)]
//! #[claims(
//!     algorithms = [HS256],
//!     issuer = "https://auth.example.com",
//!     audience = "orders-api",
//!     leeway = 30,
//! )]
//! struct User {
//!     #[claims(max_len = 64)]                // bytes of UTF-8
//!     sub: String,
//!     exp: u64,
//!     #[claims(max_items = 8, max_len = 32, default)]
//!     roles: Vec<String>,
//!     #[claims(max_len = 254)]
//!     email: Option<String>,
//! }
//!
//! async fn me(user: User) -> String {
//!     format!("hello {} ({} roles)", user.sub, user.roles.len())
//! }
//!
//! # fn main() -> Result<(), claimguard::KeyError> {
//! let secret = b"a secret of at least thirty-two bytes!!";
//! let verifier = Verifier::<User>::new(Key::hmac(secret)?)?;
//! let app: Router = Router::new().route("/me", get(me)).with_state(verifier);
//! # Ok(()) }
//! ```
//!
//! An app with several claims types keeps one [`Verifier`] per type in its
//! state struct and implements [`FromRef`](axum_core::extract::FromRef) for
//! each (or derives it with axum's `FromRef` derive).
//!
//! # What happens on each request
//!
//! 1. **Token source**: `Authorization: Bearer` (scheme case-insensitive), or a
//!    cookie or header (`source = ...`). No credentials (or another scheme
//!    such as `Basic`) is `401` with a bare `WWW-Authenticate: Bearer`; the
//!    credentials sent twice, or not visible ASCII, is `400 invalid_request`.
//!    Only spaces may stand between `Bearer` and the token (RFC 6750 §2.1,
//!    RFC 9110 §11.4): a tab there is `400 invalid_request`, so that
//!    claimguard never reads credentials a proxy in front of it would not. A
//!    cookie is read as RFC 6265 §4.2.1 writes it: the name exactly (a name
//!    with whitespace before its `=` is another cookie), the value
//!    `cookie-octet`s, optionally quoted (anything else in the value is `400
//!    invalid_request`). A header source takes the whole field value, its
//!    surrounding whitespace aside.
//! 2. **Cache** (if the type has one): a token cached before, compared byte
//!    for byte, returns its claims here; steps 3 to 8 are skipped.
//! 3. **Size gate**: a token longer than `max_token_bytes` (default 8192), a
//!    header segment longer than [`MAX_HEADER_SEGMENT`], anything but three
//!    non-empty segments: refused before any decoding. Each segment must be
//!    canonical base64url, checked where it is decoded (the header's and the
//!    payload's before the signature).
//! 4. **Header**: decoded into a fixed stack buffer (or, for the common
//!    `{"alg":…,"typ":"JWT"}` forms, recognised whole); duplicate members refused;
//!    `alg` must be one of the pinned algorithms (names are case-sensitive, and
//!    `none` can never be pinned); `crit`, `b64: false`, `cty: JWT`, JWE
//!    members and a `typ` other than the pinned one are refused; `jwk`, `jku`,
//!    `x5u`, `x5c` are skipped and never trusted or fetched.
//! 5. **Key**: with named keys (`kid`), the token's `kid` must name a key that
//!    may verify `alg`; without a `kid`, exactly one key may fit `alg`.
//! 6. **Signature**: checked by the crypto backend (`rust_crypto` by default,
//!    `aws_lc_rs` by feature) with the key prepared once, when the verifier
//!    was built; never through jsonwebtoken's `decode`.
//! 7. **Claims, in one pass**: the derived deserializer reads the payload
//!    once, building your struct and handing every registered claim it meets
//!    to the checks below (a field named `exp`, `sub`, … is read once for
//!    both). The registered claims:
//!    `exp` is required and must be after now (`now < exp + leeway`: a token
//!    is refused at `exp` exactly); `nbf` (when present) must be at or before
//!    `now + leeway`; `iat` (when present) must not be after `now + leeway`;
//!    NumericDates may be fractional (rounded toward the stricter verdict) but
//!    not negative or non-numbers; arithmetic saturates. `iss` must be a
//!    string, and when issuers are configured it is required and must be one
//!    of them. `aud` is a string or an array of strings; when audiences are
//!    configured it is required and must name one; when none are configured
//!    a token carrying `aud` is refused (RFC 7519 §4.1.3). `sub` and `jti`,
//!    when present, must be strings. A registered claim appearing twice is
//!    refused. Your struct: only a JSON object; a member appearing twice is
//!    refused; unknown members are skipped without being allocated; each
//!    capped value is checked while it is parsed, before it is copied. When
//!    both a registered claim and a field are wrong, the registered claim's
//!    reason is reported (an expired token is "expired" whatever else it
//!    holds).
//! 8. **Cache insert** (if the type has one), until the earlier of `exp` and
//!    the cache's `ttl`.
//!
//! # Container attributes: `#[claims(...)]` on the struct
//!
//! | attribute | meaning | default |
//! |---|---|---|
//! | `algorithms = [HS256, ES256]` | the only algorithms accepted: `HS256`, `HS384`, `HS512`, `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`, `ES256`, `ES384`, `EdDSA` | required |
//! | `issuer = "..."` or `["...", ...]` | accepted `iss` values; makes `iss` required | any `iss` |
//! | `audience = "..."` or `["...", ...]` | accepted `aud` values; makes `aud` required | tokens with `aud` refused |
//! | `leeway = 30` | seconds of clock skew allowed on `exp`, `nbf`, `iat` | `0` |
//! | `max_token_bytes = 4096` | longer tokens are refused before decoding | `8192` |
//! | `source = bearer`, `cookie("name")`, `header("X-Name")` | where the token is read | `bearer` |
//! | `required = [nbf, iat, sub]` | registered claims that must be present (`exp` always is) | none |
//! | `typ = "at+jwt"` | the `typ` header a token must carry (case-insensitive, `application/` optional) | any |
//! | `rejection = MyError` | the extractor's rejection; `MyError: From<Rejection> + IntoResponse` | [`Rejection`] |
//! | `crate = path` | where `claimguard` is, for a renamed dependency | `::claimguard` |
//! | `cache(capacity = 10_000, ttl = 300)` | a bounded cache of verified claims (see below; the type must be `Clone`) | no cache |
//!
//! Issuers, audiences, leeway and the size cap can be replaced at start-up
//! with [`VerifierBuilder`] methods; the algorithms cannot.
//!
//! ```
//! use claimguard::{Claims, Key, ManualClock, Verifier};
//!
//! #[derive(Claims)]
//! #[claims(algorithms = [HS256], issuer = "https://staging.example", typ = "at+jwt",
//!          source = cookie("session"), required = [iat], max_token_bytes = 4096)]
//! struct Session {
//!     #[claims(max_len = 36)]
//!     sid: String,
//! }
//!
//! # fn main() -> Result<(), claimguard::KeyError> {
//! let verifier = Verifier::<Session>::builder()
//!     .key(Key::hmac([7u8; 32])?)
//!     .issuers(["https://auth.example"])   // from configuration
//!     .leeway(5)
//!     .clock(ManualClock::new(1_700_000_000)) // tests can pin "now"
//!     .build()?;
//! # let _ = verifier; Ok(()) }
//! ```
//!
//! # Field attributes: `#[claims(...)]` on a field
//!
//! | attribute | applies to | meaning |
//! |---|---|---|
//! | `max_len = N` | `String`, `Box<str>`, `Arc<str>` (also inside `Option`, arrays, and as list items, map keys or map values) | at most `N` bytes of UTF-8 |
//! | `max_items = N` | `Vec<T>`, `HashSet<T>`, `BTreeSet<T>`, `HashMap<K, V>`, `BTreeMap<K, V>` | at most `N` items; with `max_len`, each string item, key or value is capped too |
//! | `rename = "name"` | any field | the member's name in the payload |
//! | `default` | a field whose type is `Default` | an absent member takes the default |
//! | `scopes` | [`Scopes`] or an `Option` of it; one field per struct | carries the token's scopes, read by `scope(...)` requirements ([`requirement!`]) |
//! | `roles` | [`Roles`], [`KeycloakRoles`] or an `Option` of one; one field per struct | carries the token's roles, read by `role(...)` requirements |
//!
//! Integers, floats, `bool`, `char`, fixed arrays of bounded items and
//! `Option`s of bounded types need no attribute; an `Option` field may be
//! absent. A nested struct, or an enum of unit variants read from strings,
//! derives [`Bounded`](derive@Bounded) (which takes `max_len`, `max_items`,
//! `rename` and `default` on fields, and `rename` on variants):
//!
//! ```
//! #[derive(claimguard::Bounded)]
//! enum Role {
//!     #[claims(rename = "admin")]
//!     Admin,
//!     #[claims(rename = "reader")]
//!     Reader,
//! }
//!
//! #[derive(claimguard::Bounded)]
//! struct Org {
//!     id: u64,
//!     #[claims(max_len = 64)]
//!     name: String,
//! }
//!
//! #[derive(claimguard::Claims)]
//! #[claims(algorithms = [ES256])]
//! struct Member {
//!     #[claims(max_items = 4)]
//!     roles: Vec<Role>,
//!     org: Option<Org>,
//! }
//!
//! use claimguard::Bounded;
//! // The worst-case heap size of one value is a compile-time constant.
//! assert_eq!(<Member as Bounded>::MAX_HEAP, 4 * std::mem::size_of::<Role>() + 64);
//! ```
//!
//! # What does not compile
//!
//! A field whose size has no bound:
//!
//! ```compile_fail
//! #[derive(claimguard::Claims)]
//! #[claims(algorithms = [HS256])]
//! struct User {
//!     sub: String, // error: `String` has no size bound ... add `#[claims(max_len = N)]`
//! }
//! ```
//!
//! A list whose items have no bound (`max_items` caps the count, not the strings):
//!
//! ```compile_fail
//! #[derive(claimguard::Claims)]
//! #[claims(algorithms = [HS256])]
//! struct User {
//!     #[claims(max_items = 8)]
//!     roles: Vec<String>, // needs `max_len` too
//! }
//! ```
//!
//! An unsigned algorithm, or no algorithm at all:
//!
//! ```compile_fail
//! #[derive(claimguard::Claims)]
//! #[claims(algorithms = [none])] // error: `none` can never be pinned
//! struct User { exp: u64 }
//! ```
//!
//! ```compile_fail
//! #[derive(claimguard::Claims)] // error: needs `#[claims(algorithms = [...])]`
//! struct User { exp: u64 }
//! ```
//!
//! # The verified-claims cache
//!
//! `cache(capacity = 10_000, ttl = 300)` on the struct (or
//! [`VerifierBuilder::cache`] at start-up) keeps verified claims so that a
//! repeated token skips signature verification and decoding:
//!
//! - only fully verified and validated claims go in; rejections never do;
//! - it is keyed by the *full* token, compared byte for byte on every
//!   lookup, so a hash collision can never return another token's claims; the
//!   hasher's seed is random per process;
//! - an entry expires at the earlier of the token's `exp` and `ttl` seconds
//!   after it was cached (saturating arithmetic), is never returned after
//!   that, and is reclaimed;
//! - it is bounded in entries and in bytes: every entry is accounted as the
//!   token's length plus the claims' worst case (`size_of` plus
//!   [`Bounded::MAX_HEAP`]) plus the `Arc`'s counts, and what the cache
//!   allocates besides its entries (a slot, a share of the hash index and
//!   of the ghost queue per entry) is allocated once at its full size and
//!   never grows, so the ceiling, [`Claims::CACHE_MAX_BYTES`], is a
//!   compile-time constant and a true upper bound of the heap it holds (a
//!   counting-allocator test fills a cache with full-size tokens and
//!   maximal claims to check it);
//! - eviction is S3-FIFO (a small and a main FIFO queue with a two-bit hit
//!   count per entry, and a ghost of recently evicted tokens' hashes):
//!   O(1) amortised, a hit only counts, one-off tokens pass through the
//!   small queue without flushing reused ones, a token that comes back soon
//!   after its eviction is kept longer, and on skewed traffic it keeps more
//!   hits than LRU;
//! - it belongs to one [`Verifier`], and each entry keeps the life of the key
//!   that verified it: a key that [`Verifier::replace_keys`] (or a refresh
//!   of remote keys) drops makes what it verified unreachable at once, while
//!   what the kept keys verified stays cached; [`Verifier::cache_stats`]
//!   reports hits, misses, inserts, evictions, expirations, withdrawals,
//!   entries and bytes.
//!
//! A cached claims type must be `Clone` (the extractor hands out a copy).
//! To skip the copy, take [`Shared<User>`](Shared) instead of `User`: it
//! shares the cached claims by reference count (a hit then costs no
//! allocation at all), and otherwise behaves as `User` does.
//!
//! ```compile_fail
//! #[derive(claimguard::Claims)] // error: the trait bound `User: Clone` is not satisfied
//! #[claims(algorithms = [HS256], cache(capacity = 1000, ttl = 60))]
//! struct User { exp: u64 }
//! ```
//!
//! # Keys
//!
//! [`Key`] holds one verification key: an HMAC secret of at least the hash
//! size ([`Key::hmac`]; 32, 48 and 64 bytes for HS256, HS384 and HS512), an
//! RSA public key of at least 2048 bits (PEM, DER or components), a P-256 or
//! P-384 key (PEM, DER), an Ed25519 key (PEM, DER), or any of these as a JWK
//! ([`Key::from_jwk`], [`Key::set_from_jwks`]). RSA moduli go up to
//! [`MAX_RSA_BITS`] with an odd public exponent of 3 to 33 bits. When the
//! verifier is built, each key is bound to the pinned algorithms it can
//! verify and prepared for each of them (parsed into the backend's own
//! form, so that no request parses a key); a key that can verify none of
//! them, or that the backend refuses, is an error then, not at request
//! time. Key material never appears in `Debug` output.
//!
//! # Keys from an identity provider (features `remote`, `reqwest`)
//!
//! With the `remote` feature, `VerifierBuilder::remote` takes a
//! `remote::RemoteIssuer` (OpenID Connect Discovery from an issuer URL, or a
//! JWK set URL) and `VerifierBuilder::start` starts one background task per
//! issuer that fetches its keys and keeps them fresh: lifetime from
//! `Cache-Control: max-age` (clamped to [1 min, 24 h], 10 min without),
//! refreshed ahead of expiry, one shared refetch for a token with an unknown
//! `kid` at most every 30 s, the last good keys served for 24 h past their
//! lifetime while the identity provider is down, then `503`. Several
//! issuers each keep their own keys, picked by the token's `iss`. Fetches go
//! through the `remote::HttpClient` trait (a streaming body, so the 1 MiB
//! cap and the 5 s timeout are claimguard's); the `reqwest` feature adds
//! the default client (reqwest on rustls). The `testing` feature adds
//! `testing::TestIssuer`, an identity provider on a loopback port for
//! tests. The crate's README has the whole contract and its defaults.
//!
//! # Authorization
//!
//! A verified token says who; a [`Requirement`] says what the route needs.
//! Declare requirements once with [`requirement!`] (`scope("...")`,
//! `role("...")`, `all(...)`, `any(...)` and other requirements by name),
//! or implement [`Requirement`] for a policy of your own over the claims and
//! the request. Check one per handler with [`Authorized<T, R>`](Authorized),
//! or for a group of routes with [`Verifier::require`] (a layer for axum's
//! `route_layer`, which hands the verified claims on to the handlers). A
//! requirement is judged on every request, cache hit or not, after
//! authentication: a bad token is still its `401`, no credentials the bare
//! `401`; a valid token that falls short is `403` with `WWW-Authenticate:
//! Bearer error="insufficient_scope", scope="..."` (RFC 6750 §3.1: every
//! scope the requirement names; roles and policies are never named). A
//! check allocates nothing. [`VerifierBuilder::protected_resource`] adds the
//! metadata of RFC 9728 (`/.well-known/oauth-protected-resource`) and names
//! it in every challenge.
//!
//! The claim types read what identity providers send, bounded like any
//! list (`max_items` names of at most `max_len` bytes, refused while
//! parsing), kept in one allocation. Mark the field `#[claims(scopes)]` or
//! `#[claims(roles)]`; a requirement on a type without the field it reads
//! does not compile.
//!
//! ## OAuth `scope`: one space-delimited string
//!
//! RFC 9068 §2.2.3 and RFC 8693 §4.2; Keycloak, Auth0, Okta's `scope`, and
//! most others.
//!
//! ```
//! use claimguard::{Authorized, Claims, Scopes};
//!
//! #[derive(Claims)]
//! #[claims(algorithms = [RS256], typ = "at+jwt")]
//! struct AccessToken {
//!     #[claims(max_items = 32, max_len = 64, default, scopes)]
//!     scope: Scopes,
//! }
//!
//! claimguard::requirement! {
//!     /// May list orders.
//!     pub struct OrdersRead = scope("orders:read");
//! }
//!
//! async fn orders(token: Authorized<AccessToken, OrdersRead>) -> String {
//!     token.scope.as_str().to_owned()
//! }
//! ```
//!
//! ## `scp`: a string or a list of strings
//!
//! Microsoft Entra ID sends a space-delimited string, Okta a list; one
//! [`Scopes`] field reads either.
//!
//! ```
//! use claimguard::{Claims, Scopes};
//!
//! #[derive(Claims)]
//! #[claims(algorithms = [RS256])]
//! struct EntraToken {
//!     #[claims(max_items = 32, max_len = 64, default, scopes)]
//!     scp: Scopes,
//! }
//!
//! claimguard::requirement! {
//!     /// Either scope will do.
//!     pub struct Reader = any(scope("Orders.Read"), scope("Orders.ReadWrite"));
//! }
//! ```
//!
//! ## A list of roles: `roles`, Auth0's `permissions`, Cognito's `cognito:groups`
//!
//! ```
//! use claimguard::{Authorized, Claims, Roles};
//!
//! #[derive(Claims)]
//! #[claims(algorithms = [RS256])]
//! struct CognitoToken {
//!     #[claims(rename = "cognito:groups", max_items = 16, max_len = 128, default, roles)]
//!     groups: Roles,
//! }
//!
//! claimguard::requirement! {
//!     /// An administrator who may also write.
//!     pub struct Admin = all(role("admins"), role("writers"));
//! }
//!
//! async fn admin(token: Authorized<CognitoToken, Admin>) {}
//! ```
//!
//! ## Keycloak: `realm_access.roles` and `resource_access.<client>.roles`
//!
//! [`KeycloakRoles`] reads Keycloak's `{"roles": [...]}` objects; for one
//! client's roles, a nested [`Bounded`](derive@Bounded) struct marks its
//! client's member.
//!
//! ```
//! use claimguard::{Bounded, Claims, KeycloakRoles};
//!
//! #[derive(Bounded)]
//! struct ResourceAccess {
//!     #[claims(rename = "orders-api", max_items = 32, max_len = 64, default, roles)]
//!     orders_api: KeycloakRoles,
//! }
//!
//! #[derive(Claims)]
//! #[claims(algorithms = [RS256])]
//! struct KeycloakToken {
//!     #[claims(default, roles)]
//!     resource_access: Option<ResourceAccess>,
//!     #[claims(max_items = 32, max_len = 64, default)]
//!     realm_access: Option<KeycloakRoles>,
//! }
//!
//! claimguard::requirement! {
//!     /// The client role `clerk` of `orders-api`.
//!     pub struct Clerk = role("clerk");
//! }
//! ```
//!
//! ## A policy of your own
//!
//! ```
//! use axum::http::request::Parts;
//! use claimguard::{Claims, Requirement};
//!
//! #[derive(Claims)]
//! #[claims(algorithms = [HS256])]
//! struct User {
//!     #[claims(max_len = 64)]
//!     tenant: String,
//! }
//!
//! /// The tenant in the path, `/tenants/{tenant}/...`, is the token's.
//! struct SameTenant;
//!
//! impl Requirement<User> for SameTenant {
//!     fn allows(user: &User, parts: &Parts) -> bool {
//!         let mut segments = parts.uri.path().split('/').skip(1);
//!         segments.next() == Some("tenants") && segments.next() == Some(user.tenant.as_str())
//!     }
//! }
//! ```
//! # Sender-constrained tokens (features `dpop`, `redis`)
//!
//! With the `dpop` feature, `VerifierBuilder::dpop` takes a
//! `dpop::DpopVerifier` (the external origin clients address, the proof
//! algorithms, the window, the replay store), and the claims type's
//! extractors accept DPoP-bound tokens (RFC 9449): `Authorization: DPoP`
//! with exactly one `DPoP` proof, checked on every request (a cached
//! token's too), the token's `cnf.jkt` the proof key's thumbprint, each
//! proof accepted once. A bound token sent as `Bearer` is refused; whether
//! tokens without `cnf` are taken as bearer tokens is the DPoP verifier's
//! mode. Refusals carry a `DPoP` challenge; the reason is `Reason::Dpop`.
//! The replay store is in process by default; `redis` adds
//! `dpop::RedisReplayStore`, shared by every instance of a service, which
//! refuses (`503`) when Redis cannot answer within its timeout. The `dpop`
//! module's documentation has the whole contract; `testing::DpopKey` signs
//! proofs for tests.
//!
//! # Time
//!
//! A verifier reads the time from a [`CoarseClock`] unless told otherwise:
//! the kernel's coarse monotonic clock, re-anchored on the wall clock every
//! 100 ms, which costs a few nanoseconds where `SystemTime::now` costs tens;
//! it never reads behind the wall clock and at most a few tens of
//! milliseconds ahead. [`SystemClock`] reads the wall
//! clock on every call; [`ManualClock`] is for tests.
//!
//! # Events and series (features `tracing`, `metrics`)
//!
//! With `tracing`, every refusal is a `debug` event (target `claimguard`)
//! with its reason, the algorithm and, once the signature held, the
//! configured issuer; a remote key source reports changes of state (first
//! keys, rotation, a failed refresh, stale, recovered, the kid cooldown) at
//! `info` and `warn`, and runs each fetch in a `claimguard.fetch` span. With
//! `metrics`, verifications, the cache and the key source are counted on
//! the `metrics` facade, labelled by the claims type and a configured
//! issuer only; [`METRICS`] lists every series. No token byte, claim value
//! or key material is ever an event field or a label. A verifier registers
//! each of its series at the first operation that changes it and keeps the
//! handle, so install the recorder before serving requests.
//!
//! # Rejections
//!
//! Every refusal is a [`Rejection`] with a [`Reason`], rendered per RFC 6750:
//!
//! | case | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no credentials, or another scheme | 401 | `Bearer` |
//! | credentials twice, empty, not visible ASCII, a tab after `Bearer`, a cookie value that is not `cookie-octet`s | 400 | `Bearer error="invalid_request", ...` |
//! | anything wrong with the token | 401 | `Bearer error="invalid_token", error_description="..."` |
//! | remote keys not available (not fetched yet, or stale past `max_stale`) | 503, with `Retry-After` | none |
//!
//! The body is `{"error": ..., "error_description": ...}` with a fixed,
//! short description. Nothing from the token is ever echoed, logged or put
//! in `Debug` output. Take `Option<User>` to accept anonymous requests (a
//! present but invalid token is still refused), or `Result<User, Rejection>`
//! to handle refusals yourself.
//!
//! # Crypto backends
//!
//! The `rust_crypto` feature (default) verifies with the RustCrypto crates
//! (`hmac`, `sha2`, `rsa`, `p256`, `p384`, `ed25519-dalek`: the ones
//! jsonwebtoken's own `rust_crypto` backend uses); `aws_lc_rs` uses aws-lc-rs
//! and wins when both are enabled. claimguard calls the chosen crates
//! itself, with keys prepared once, and uses jsonwebtoken only for its key
//! formats (PEM, JWK): jsonwebtoken's `crypto::verify` parses the key on
//! every call, and its process-wide default provider panics on the first
//! request of a build that enables both of its backends. A build in which
//! both of claimguard's features end up on (feature unification in a large
//! application) compiles and verifies with aws-lc-rs, every time;
//! [`CRYPTO_BACKEND`] says which backend a build has.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The layers, from the bottom: the vocabulary (`algorithm`, `clock`,
// `reason`, `json`); the token's shape and header (`token`); keys and their
// crypto (`keys`); the claims, their bounds and the registered-claims pass
// (`claims`); the cache (`cache`); the HTTP vocabulary, finding credentials
// and rendering refusals (`http`); the pipeline that puts them together
// (`verifier`); and on top the axum extractors (`extract`), which sit above
// the verifier they call, so they are not in `http` beside what the
// verifier itself uses. Imports only point down; this file only names.
mod algorithm;
pub mod authz;
mod cache;
mod claims;
mod clock;
#[cfg(feature = "dpop")]
#[cfg_attr(docsrs, doc(cfg(feature = "dpop")))]
pub mod dpop;
mod extract;
mod http;
mod json;
mod keys;
mod observe;
mod reason;
mod token;
mod verifier;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
#[cfg(test)]
mod test_support;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use algorithm::Algorithm;
pub use authz::{Authorized, KeycloakRoles, Requirement, Roles, Scopes};
pub use cache::CacheStats;
pub use claimguard_macros::{Bounded, Claims, requirement};
pub use claims::bounded::{self, Bounded};
pub use claims::registered::RegisteredClaim;
pub use claims::{CacheConfig, Claims, Config, DEFAULT_MAX_TOKEN_BYTES, Source};
pub use clock::{Clock, CoarseClock, ManualClock, SystemClock};
pub use extract::Shared;
pub use http::rejection::Rejection;
pub use keys::crypto::CRYPTO_BACKEND;
#[cfg(feature = "remote")]
#[cfg_attr(docsrs, doc(cfg(feature = "remote")))]
pub use keys::remote;
pub use keys::{Key, KeyError, MAX_RSA_BITS, MIN_HMAC_BYTES, MIN_RSA_BITS};
pub use observe::METRICS;
pub use reason::Reason;
pub use token::MAX_HEADER_SEGMENT;
pub use verifier::{Verifier, VerifierBuilder};
