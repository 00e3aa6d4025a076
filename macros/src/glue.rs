//! Pieces of generated code that the full expansion and the stubs emitted
//! on error both need: the runtime's path, and the extractor impls' shell.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use crate::ast::Input;

/// The name generated code knows the runtime crate by.
pub fn root() -> TokenStream {
    quote!(__claimguard_root)
}

/// Binds the runtime crate and its private module to local names, spanned
/// at a `crate = path` so that a wrong path is reported there, once: uses of
/// a failed import report nothing more.
pub fn crate_path(input: &Input<'_>) -> TokenStream {
    match &input.attrs.crate_path {
        Some(path) => quote_spanned! {path.span()=>
            use #path as __claimguard_root;
            use __claimguard_root::__private as __claimguard;
        },
        None => quote! {
            use ::claimguard as __claimguard_root;
            use __claimguard_root::__private as __claimguard;
        },
    }
}

/// The two extractor impls around the given bodies.
///
/// `bound` is added to both impls' where clauses: for a custom rejection, the
/// one bound it must meet, which involves the state type so that it is
/// checked where the extractor is used rather than here (the derive reports
/// a type that misses it once, at the type, with its own check).
pub fn extractor_shell(
    ident: &Ident,
    krate: &TokenStream,
    rejection: &TokenStream,
    bound: &TokenStream,
    bodies: [&TokenStream; 2],
) -> TokenStream {
    let [required, optional] = bodies;
    let extract = quote!(__claimguard::axum_core::extract);
    quote! {
        #[automatically_derived]
        impl<__S> #extract::FromRequestParts<__S> for #ident
        where
            __S: ::core::marker::Send + ::core::marker::Sync,
            #krate::Verifier<#ident>: #extract::FromRef<__S>,
            #bound
        {
            type Rejection = #rejection;

            fn from_request_parts(
                __parts: &mut __claimguard::http::request::Parts,
                __state: &__S,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<Self, Self::Rejection>> + ::core::marker::Send {
                #required
            }
        }

        #[automatically_derived]
        impl<__S> #extract::OptionalFromRequestParts<__S> for #ident
        where
            __S: ::core::marker::Send + ::core::marker::Sync,
            #krate::Verifier<#ident>: #extract::FromRef<__S>,
            #bound
        {
            type Rejection = #rejection;

            fn from_request_parts(
                __parts: &mut __claimguard::http::request::Parts,
                __state: &__S,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<::core::option::Option<Self>, Self::Rejection>> + ::core::marker::Send {
                #optional
            }
        }
    }
}
