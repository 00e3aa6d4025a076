//! OAuth 2.0 Protected Resource Metadata (RFC 9728): the settings a
//! verifier takes ([`ProtectedResource`]), the document it publishes and the
//! service that answers with it ([`ResourceMetadata`]). The document is
//! written once, when the verifier is built, from its configuration: the
//! resource, the issuers it accepts, the scopes you name, and how it reads
//! a token.

use core::convert::Infallible;
use core::fmt;
use core::future::{Ready, ready};
use core::task::{Context, Poll};
use std::sync::Arc;

use axum_core::response::{IntoResponse, Response};
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, StatusCode};

use crate::algorithm::Algorithm;
use crate::claims::Source;
use crate::http::rejection::quotable;

/// The path suffix RFC 9728 §3 registers.
pub const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// A verifier's protected-resource settings (RFC 9728), for
/// [`VerifierBuilder::protected_resource`](crate::VerifierBuilder::protected_resource):
/// the verifier then publishes a metadata document
/// ([`Verifier::resource_metadata`](crate::Verifier::resource_metadata)) and
/// every challenge it sends names it with `resource_metadata="..."` (§5.1),
/// as MCP clients expect.
///
/// ```
/// use claimguard::authz::ProtectedResource;
///
/// let resource = ProtectedResource::new("https://api.example.com/orders")?
///     .scopes_supported(["orders:read", "orders:write"]);
/// assert_eq!(
///     resource.metadata_url(),
///     "https://api.example.com/.well-known/oauth-protected-resource/orders"
/// );
/// # Ok::<(), claimguard::authz::ResourceError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ProtectedResource {
    resource: String,
    /// Where the resource's origin ends and its path begins.
    origin: usize,
    authorization_servers: Option<Vec<String>>,
    scopes_supported: Vec<String>,
}

/// Why a resource identifier was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceError(&'static str);

impl fmt::Display for ResourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a protected-resource identifier: {}", self.0)
    }
}

impl std::error::Error for ResourceError {}

impl ProtectedResource {
    /// The resource's identifier (RFC 9728 §1.2): an `https` URL (or
    /// `http` to `localhost`, `127.0.0.1` or `[::1]`, for development) with
    /// a host, no user, query or fragment, in visible ASCII without `"` or
    /// `\`. Usually the audience its tokens name (RFC 8707).
    pub fn new(resource: impl Into<String>) -> Result<Self, ResourceError> {
        let resource = resource.into();
        let rest = if let Some(rest) = resource.strip_prefix("https://") {
            rest
        } else if let Some(rest) = resource.strip_prefix("http://") {
            let host = rest.split('/').next().unwrap_or_default();
            let host = host.rsplit_once(':').map_or(host, |(host, _)| host);
            if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
                return Err(ResourceError(
                    "plain http is only allowed to a loopback address",
                ));
            }
            rest
        } else {
            return Err(ResourceError("the scheme must be https"));
        };
        if !quotable(&resource) {
            return Err(ResourceError("only visible ASCII without `\"` or `\\`"));
        }
        if resource.contains(['?', '#']) {
            return Err(ResourceError("no query or fragment"));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() || authority.starts_with(':') {
            return Err(ResourceError("no host"));
        }
        if authority.contains('@') {
            return Err(ResourceError("no user information"));
        }
        let origin = resource.len() - rest.len() + authority.len();
        Ok(Self {
            resource,
            origin,
            authorization_servers: None,
            scopes_supported: Vec::new(),
        })
    }

    /// The authorization servers (their issuer identifiers) to publish,
    /// instead of the issuers the verifier accepts.
    pub fn authorization_servers<I: Into<String>>(
        mut self,
        servers: impl IntoIterator<Item = I>,
    ) -> Self {
        self.authorization_servers = Some(servers.into_iter().map(Into::into).collect());
        self
    }

    /// The scopes to publish as `scopes_supported` (say, the
    /// [`SCOPES`](crate::Requirement::SCOPES) of the service's
    /// requirements); none by default.
    pub fn scopes_supported<I: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = I>,
    ) -> Self {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The resource identifier.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The path the metadata is served at (RFC 9728 §3.1): the well-known
    /// suffix, then the resource's path, if it has one.
    pub fn metadata_path(&self) -> String {
        let path = &self.resource[self.origin..];
        let path = if path == "/" { "" } else { path };
        format!("{WELL_KNOWN}{path}")
    }

    /// The metadata's URL: the resource's origin and
    /// [`metadata_path`](Self::metadata_path).
    pub fn metadata_url(&self) -> String {
        format!("{}{}", &self.resource[..self.origin], self.metadata_path())
    }

    /// The document and the service, for a verifier that accepts `issuers`
    /// and reads its tokens from `source`. The URL is kept for the life of
    /// the process (a few dozen bytes, once per verifier built with it), so
    /// that rejections that name it stay `Copy`.
    /// With DPoP, `dpop` is the accepted proof algorithms and whether every
    /// token must be DPoP-bound (RFC 9728 §2's last two members).
    pub(crate) fn publish<I: AsRef<str>>(
        &self,
        issuers: &[I],
        source: Source,
        dpop: Option<(&[Algorithm], bool)>,
    ) -> ResourceMetadata {
        let servers = match &self.authorization_servers {
            Some(servers) => servers.clone(),
            None => issuers.iter().map(|i| i.as_ref().to_owned()).collect(),
        };
        // Written member by member, in the order RFC 9728 §2 lists them,
        // so that the text is the same whatever serde_json's features.
        let mut members = vec![format!("\"resource\":{}", json(&self.resource))];
        if !servers.is_empty() {
            members.push(format!("\"authorization_servers\":{}", json(&servers)));
        }
        if !self.scopes_supported.is_empty() {
            members.push(format!(
                "\"scopes_supported\":{}",
                json(&self.scopes_supported)
            ));
        }
        // RFC 6750 §2.1 is the only way claimguard reads a bearer token; a
        // cookie or a header of its own is none of RFC 9728's methods.
        let methods: &[&str] = match source {
            Source::Bearer => &["header"],
            Source::Cookie(_) | Source::Header(_) => &[],
        };
        members.push(format!("\"bearer_methods_supported\":{}", json(&methods)));
        if let Some((algorithms, required)) = dpop {
            let names: Vec<_> = algorithms.iter().map(|alg| alg.name()).collect();
            members.push(format!(
                "\"dpop_signing_alg_values_supported\":{}",
                json(&names)
            ));
            members.push(format!("\"dpop_bound_access_tokens_required\":{required}"));
        }
        let document = format!("{{{}}}", members.join(","));
        let url: &'static str = Box::leak(self.metadata_url().into_boxed_str());
        ResourceMetadata(Arc::new(Published {
            path: self.metadata_path().into(),
            url,
            document: document.into(),
        }))
    }
}

/// A value of the document as JSON text.
fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Strings and lists of strings always serialize.
    serde_json::to_string(value).unwrap_or_default()
}

/// A verifier's protected-resource metadata (RFC 9728): the document, where
/// it is served, and a `tower` service that answers `GET` and `HEAD` with
/// it (`405` otherwise). Cheap to clone. Mount it at its path:
///
/// ```
/// # use axum::Router;
/// # use claimguard::{Claims, Key, Verifier, authz::ProtectedResource};
/// # #[derive(Claims)]
/// # #[claims(algorithms = [HS256], issuer = "https://sso.example.com")]
/// # struct User { exp: u64 }
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::<User>::builder()
///     .key(Key::hmac([7u8; 32])?)
///     .protected_resource(ProtectedResource::new("https://api.example.com")?)
///     .build()?;
/// let metadata = verifier.resource_metadata().ok_or("no metadata")?;
/// assert_eq!(metadata.path(), "/.well-known/oauth-protected-resource");
/// assert_eq!(
///     metadata.document(),
///     r#"{"resource":"https://api.example.com","authorization_servers":["https://sso.example.com"],"bearer_methods_supported":["header"]}"#
/// );
/// let app: Router = Router::new().route_service(metadata.path(), metadata.clone());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ResourceMetadata(Arc<Published>);

struct Published {
    path: Box<str>,
    url: &'static str,
    document: Box<str>,
}

impl ResourceMetadata {
    /// The path it is served at.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// Its URL, which challenges name.
    pub fn url(&self) -> &'static str {
        self.0.url
    }

    /// The JSON document.
    pub fn document(&self) -> &str {
        &self.0.document
    }
}

impl fmt::Debug for ResourceMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceMetadata")
            .field("url", &self.0.url)
            .field("document", &self.0.document)
            .finish()
    }
}

/// `200`, the document as `application/json`.
impl IntoResponse for ResourceMetadata {
    fn into_response(self) -> Response {
        let mut response = self.0.document.to_string().into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

impl<B> tower_service::Service<Request<B>> for ResourceMetadata {
    type Response = Response;
    type Error = Infallible;
    type Future = Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if request.method() == Method::GET || request.method() == Method::HEAD {
            return ready(Ok(self.clone().into_response()));
        }
        let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_well_known_url_goes_between_the_host_and_the_path() {
        for (resource, url) in [
            (
                "https://api.example",
                "https://api.example/.well-known/oauth-protected-resource",
            ),
            (
                "https://api.example/",
                "https://api.example/.well-known/oauth-protected-resource",
            ),
            (
                "https://api.example:8443/v1/orders",
                "https://api.example:8443/.well-known/oauth-protected-resource/v1/orders",
            ),
            (
                "http://127.0.0.1:3000/mcp",
                "http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp",
            ),
        ] {
            let settings = ProtectedResource::new(resource).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(settings.metadata_url(), url);
        }
    }

    #[test]
    fn identifiers_that_are_not_urls_of_a_resource_are_refused() {
        for resource in [
            "http://api.example",
            "ftp://api.example",
            "api.example",
            "https://",
            "https:///path",
            "https://:443",
            "https://api.example/?q=1",
            "https://api.example/#f",
            "https://user@api.example",
            "https://api.example/a b",
            "https://api.example/\"",
            "https://api.éxample",
        ] {
            assert!(ProtectedResource::new(resource).is_err(), "{resource}");
        }
    }

    #[test]
    fn the_document_follows_the_configuration() {
        let settings = ProtectedResource::new("https://api.example/orders")
            .unwrap_or_else(|e| panic!("{e}"))
            .scopes_supported(["orders:read"]);
        let issuers = ["https://sso.example"];
        let published = settings.publish(&issuers, Source::Bearer, None);
        let document: serde_json::Value =
            serde_json::from_str(published.document()).unwrap_or_default();
        assert_eq!(
            document,
            serde_json::json!({
                "resource": "https://api.example/orders",
                "authorization_servers": ["https://sso.example"],
                "scopes_supported": ["orders:read"],
                "bearer_methods_supported": ["header"],
            })
        );
        assert_eq!(
            published.path(),
            "/.well-known/oauth-protected-resource/orders"
        );
        let cookie = settings
            .clone()
            .authorization_servers(["https://other.example"])
            .publish::<&str>(&[], Source::Cookie("session"), None);
        let document: serde_json::Value =
            serde_json::from_str(cookie.document()).unwrap_or_default();
        assert_eq!(document["bearer_methods_supported"], serde_json::json!([]));
        assert_eq!(
            document["authorization_servers"],
            serde_json::json!(["https://other.example"])
        );
        let bare = ProtectedResource::new("https://api.example")
            .unwrap_or_else(|e| panic!("{e}"))
            .publish::<&str>(&[], Source::Bearer, None);
        assert!(!bare.document().contains("authorization_servers"));
        assert!(!bare.document().contains("scopes_supported"));
    }
}
