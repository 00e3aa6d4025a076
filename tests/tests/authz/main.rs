//! Authorization at the route, through a real Router: scopes, roles and
//! policies as extractors and as a layer, `403 insufficient_scope` with its
//! challenge and body, authentication first, `Option`, custom rejections,
//! the cache, the claims handed from the layer to the handler, RFC 9728
//! metadata, and a requirement judged after a key refetch.

mod layer;
mod metadata;
mod outcomes;
mod policy;
mod refetch;
mod roles;
mod scopes;
mod setup;
