//! The HTTP vocabulary the verifier speaks: where the credentials are found
//! in a request, and how a refusal is rendered. The extractors, which put
//! the verifier behind them, are a layer above (`crate::extract`).

pub(crate) mod credentials;
pub(crate) mod rejection;
