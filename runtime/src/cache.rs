//! The bounded cache of verified claims.
