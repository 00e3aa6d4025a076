//! What to emit when the derive found errors: the errors, plus stub impls so
//! that the user's handlers and routers do not add trait-bound noise under
//! the real error.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ast::Kind;
use crate::glue::{extractor_shell, root};

pub fn stubs(
    input: &DeriveInput,
    kind: Kind,
    errors: &syn::Error,
    imports: Option<TokenStream>,
) -> TokenStream {
    let errors = errors.to_compile_error();
    // A stub for a generic type would only add errors of its own.
    if !input.generics.params.is_empty() {
        return errors;
    }
    let ident = &input.ident;
    let krate = root();
    let imports = imports.unwrap_or_else(|| {
        quote! {
            use ::claimguard as __claimguard_root;
            use __claimguard_root::__private as __claimguard;
        }
    });
    let deserialize = quote! {
        #[automatically_derived]
        impl<'de> __claimguard::serde::Deserialize<'de> for #ident {
            fn deserialize<__D>(_: __D) -> ::core::result::Result<Self, __D::Error>
            where
                __D: __claimguard::serde::Deserializer<'de>,
            {
                ::core::result::Result::Err(__claimguard::stub_error::<__D::Error>())
            }
        }

        #[automatically_derived]
        impl __claimguard::Bounded for #ident {
            const MAX_HEAP: usize = 0;

            fn deserialize_bounded<'de, __D>(_: __D) -> ::core::result::Result<Self, __D::Error>
            where
                __D: __claimguard::serde::Deserializer<'de>,
            {
                ::core::result::Result::Err(__claimguard::stub_error::<__D::Error>())
            }
        }
    };
    // Whatever the fields say, so that a requirement on the type or a
    // field of it marked `scopes` or `roles` adds no error of its own.
    let carriers = match kind {
        Kind::Claims => quote! {
            #[automatically_derived]
            impl __claimguard::HasScopes for #ident {
                fn has_scope(&self, _: &str) -> bool { false }
            }
            #[automatically_derived]
            impl __claimguard::HasRoles for #ident {
                fn has_role(&self, _: &str) -> bool { false }
            }
        },
        Kind::Bounded => quote! {
            #[automatically_derived]
            impl __claimguard::ScopeClaim for #ident {
                fn contains_scope(&self, _: &str) -> bool { false }
            }
            #[automatically_derived]
            impl __claimguard::RoleClaim for #ident {
                fn contains_role(&self, _: &str) -> bool { false }
            }
        },
    };
    let claims = match kind {
        Kind::Bounded => TokenStream::new(),
        Kind::Claims => {
            let rejection = quote!(#krate::Rejection);
            let fail = quote! {
                ::core::future::ready(::core::result::Result::Err(
                    #krate::Rejection::new(#krate::Reason::Malformed),
                ))
            };
            let shell = extractor_shell(
                ident,
                &krate,
                &rejection,
                &TokenStream::new(),
                [&fail, &fail],
            );
            quote! {
                #[automatically_derived]
                impl #krate::Claims for #ident {
                    const CONFIG: #krate::Config = #krate::Config::new(&[]);
                    type Rejection = #krate::Rejection;
                }
                #shell
            }
        }
    };
    quote! {
        #errors
        #[doc(hidden)]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic)]
        const _: () = {
            #imports
            #deserialize
            #carriers
            #claims
        };
    }
}
