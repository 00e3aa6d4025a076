//! The HTTP client a remote key source fetches with: a trait that returns
//! the response with its body still streaming, so that the size cap,
//! the timeout and every other rule stay claimguard's to enforce whatever
//! the client; and, with the `reqwest` feature, the default client on
//! reqwest and rustls.

use core::future::Future;
use core::pin::Pin;

use bytes::Bytes;
use http_body_util::BodyExt as _;

/// An error a client or a body reports; claimguard keeps only its text,
/// with any URL query removed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response body, streaming: claimguard reads it frame by frame and stops
/// at its cap.
pub type FetchBody = http_body_util::combinators::BoxBody<Bytes, BoxError>;

/// What a fetch hands back: the response, its body unread.
pub type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<http::Response<FetchBody>, BoxError>> + Send + 'a>>;

/// Fetches discovery documents and JWK sets.
///
/// An implementation sends the request as it is (a `GET` with an `Accept`
/// header) and must not follow redirects: a redirect comes back as its `3xx`
/// response, which claimguard refuses. Timeouts, status, content type and
/// the body's size are checked by claimguard around any implementation.
///
/// ```
/// use claimguard::remote::{FetchFuture, HttpClient};
///
/// /// A client that answers every request with a fixed JWK set.
/// struct Fixed(&'static str);
///
/// impl HttpClient for Fixed {
///     fn fetch(&self, _request: http::Request<()>) -> FetchFuture<'_> {
///         let body = claimguard::remote::body_from(self.0.as_bytes().to_vec());
///         Box::pin(async move {
///             let response = http::Response::builder()
///                 .header("content-type", "application/json")
///                 .body(body)?;
///             Ok(response)
///         })
///     }
/// }
/// # let _ = Fixed(r#"{"keys":[]}"#);
/// ```
pub trait HttpClient: Send + Sync + 'static {
    /// Sends `request` and returns the response with its body unread.
    fn fetch(&self, request: http::Request<()>) -> FetchFuture<'_>;
}

/// A body of `bytes`, for clients that have the whole body at once.
pub fn body_from(bytes: Vec<u8>) -> FetchBody {
    http_body_util::Full::new(Bytes::from(bytes))
        .map_err(|never| match never {})
        .boxed()
}

/// The default client: reqwest with rustls (no OpenSSL), certificates
/// checked against the platform's roots, no redirects followed, a 2 s
/// connect timeout (the per-attempt timeout is claimguard's own, around the
/// whole fetch).
#[cfg(feature = "reqwest")]
#[derive(Clone, Debug)]
pub struct ReqwestClient(reqwest::Client);

#[cfg(feature = "reqwest")]
impl ReqwestClient {
    /// The default client, connecting within `connect_timeout`.
    pub fn new(connect_timeout: std::time::Duration) -> Result<Self, BoxError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .build()?;
        Ok(Self(client))
    }

    /// A client of the application's own (with its proxy, roots or pool);
    /// it should not follow redirects, and claimguard refuses any `3xx`.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self(client)
    }
}

#[cfg(feature = "reqwest")]
impl HttpClient for ReqwestClient {
    fn fetch(&self, request: http::Request<()>) -> FetchFuture<'_> {
        Box::pin(async move {
            let (parts, ()) = request.into_parts();
            let url = reqwest::Url::parse(&parts.uri.to_string())?;
            let response = self
                .0
                .request(parts.method, url)
                .headers(parts.headers)
                .send()
                .await?;
            let response: http::Response<reqwest::Body> = response.into();
            Ok(response.map(|body| body.map_err(BoxError::from).boxed()))
        })
    }
}
