//! DPoP (RFC 9449) through a real Router: proofs accepted, every refusal at
//! its boundary with its challenge, the token's binding, the cache, proof
//! headers kept from earlier proofs, server nonces, and replay stores that
//! fail (closed) or wait, in process and on a real `redis-server` shared by
//! two verifiers.

mod accept;
mod binding;
mod bounds;
mod kept;
mod layered;
mod mutated;
mod proofs;
mod redis;
mod setup;
mod store;
