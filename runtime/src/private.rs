//! What generated code names, through `::claimguard::__private`:
//! re-exports only. Not public API: it may change in any release.

pub use axum_core;
pub use http;
pub use serde;

pub use crate::authz::{HasRoles, HasScopes, Requirement, RoleClaim, ScopeClaim, ScopeList};
pub use crate::claims::bounded::{
    Bounded, BoundedSeed, MaxItems, MaxItemsLen, MaxLen, NoCap, add, mul, sum,
};
pub use crate::claims::fields::{
    field_bound, finish, finish_or_default, next_field, next_registered, next_registered_field,
    single_pass, stub_error,
};
pub use crate::claims::registered::{RegisteredClaim, RegisteredPass, names_agree};
pub use crate::extract::{Extract, optional, required};
pub use crate::http::rejection::{ClaimsRejection, require_rejection};
