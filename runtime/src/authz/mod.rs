//! Authorization at the route: the claim types that carry what identity
//! providers grant (scopes and roles), requirements over them and over the
//! request, checked by an extractor ([`Authorized`]) or a layer for a group
//! of routes ([`RequireLayer`]), refused as RFC 6750 §3.1 says (`403
//! insufficient_scope`), and the protected-resource metadata of RFC 9728.
//!
//! The claim types (`packed`, `scopes`, `roles`) sit just above the claims'
//! bounds; `metadata` is what the verifier publishes; the requirement, the
//! extractor and the layer sit on top of the extractors.

mod authorized;
mod layer;
mod metadata;
mod packed;
mod requirement;
mod roles;
mod scopes;

pub use authorized::{Authorizable, Authorized};
pub use layer::{Require, RequireFuture, RequireLayer};
pub use metadata::{ProtectedResource, ResourceError, ResourceMetadata, WELL_KNOWN};
#[doc(hidden)]
pub use requirement::ScopeList;
pub use requirement::{MAX_SCOPES, Requirement};
pub use roles::{HasRoles, KeycloakRoles, RoleClaim, Roles};
pub use scopes::{HasScopes, ScopeClaim, Scopes};
