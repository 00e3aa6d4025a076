//! The derives behind [claimguard](https://docs.rs/claimguard). Use them
//! through `claimguard`, which re-exports them; this crate's items are not
//! meant to be named directly.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod check;
mod ctxt;
mod derive;
mod expand;
mod fallback;
mod glue;
mod requirement;
mod symbol;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives a verified, bounded claims extractor. See `claimguard`'s docs.
#[proc_macro_derive(Claims, attributes(claims))]
pub fn derive_claims(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive::derive(&input, ast::Kind::Claims).into()
}

/// Derives a bounded deserializer for a nested claim type. See `claimguard`'s docs.
#[proc_macro_derive(Bounded, attributes(claims))]
pub fn derive_bounded(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive::derive(&input, ast::Kind::Bounded).into()
}

/// Declares named requirements for `claimguard::Authorized` and
/// `Verifier::require`. See `claimguard`'s docs.
#[proc_macro]
pub fn requirement(input: TokenStream) -> TokenStream {
    let items = parse_macro_input!(input as requirement::Items);
    requirement::requirement(&items).into()
}
