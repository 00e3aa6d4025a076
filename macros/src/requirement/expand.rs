//! Code generation for `requirement!`: a unit struct and one
//! `Requirement<T>` impl for every claims type `T` that has what it reads,
//! each leaf one call into the claims' traits. The scopes of a requirement
//! made only of literals are a literal list; with named parts, a union
//! computed at compile time.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::LitStr;

use super::model::{Node, Requirement};

/// The imports, through `crate = path` when given.
fn imports(requirement: &Requirement<'_>) -> TokenStream {
    match &requirement.krate {
        Some(path) => quote! {
            use #path as __claimguard_root;
            use __claimguard_root::__private as __claimguard;
        },
        None => quote! {
            use ::claimguard as __claimguard_root;
            use __claimguard_root::__private as __claimguard;
        },
    }
}

/// The struct itself.
fn definition(requirement: &Requirement<'_>) -> TokenStream {
    let attrs = &requirement.attrs;
    let vis = &requirement.item.vis;
    let ident = &requirement.item.ident;
    quote! {
        #(#attrs)*
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            ::core::default::Default,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
        )]
        #vis struct #ident;
    }
}

/// What `allows` evaluates, the bounds on the claims type it needs, the
/// scope literals and the named parts, collected in one walk.
#[derive(Default)]
struct Parts<'a> {
    bounds: Vec<TokenStream>,
    scopes: Vec<&'a LitStr>,
    named: Vec<&'a syn::ExprPath>,
}

impl<'a> Parts<'a> {
    fn check(&mut self, node: &'a Node<'a>) -> TokenStream {
        match node {
            Node::Scope(lit, span) => {
                if !self.scopes.iter().any(|s| s.value() == lit.value()) {
                    self.scopes.push(lit);
                }
                // Spanned at `scope`, so that a claims type without scopes is
                // told which part of the declaration reads them.
                self.bounds
                    .push(quote_spanned!(*span=> __T: __claimguard::HasScopes));
                quote!(__claimguard::HasScopes::has_scope(__claims, #lit))
            }
            Node::Role(lit, span) => {
                self.bounds
                    .push(quote_spanned!(*span=> __T: __claimguard::HasRoles));
                quote!(__claimguard::HasRoles::has_role(__claims, #lit))
            }
            Node::All(parts) => {
                let parts: Vec<TokenStream> = parts.iter().map(|p| self.check(p)).collect();
                quote!((#(#parts)&&*))
            }
            Node::Any(parts) => {
                let parts: Vec<TokenStream> = parts.iter().map(|p| self.check(p)).collect();
                quote!((#(#parts)||*))
            }
            Node::Named(path) => {
                self.named.push(path);
                self.bounds
                    .push(quote!(#path: __claimguard::Requirement<__T>));
                quote!(<#path as __claimguard::Requirement<__T>>::allows(__claims, __parts))
            }
        }
    }
}

pub fn expand(requirement: &Requirement<'_>) -> TokenStream {
    let Some(node) = &requirement.node else {
        return TokenStream::new();
    };
    let mut parts = Parts::default();
    let allows = parts.check(node);
    let Parts {
        bounds,
        scopes,
        named,
    } = parts;
    let scopes = if named.is_empty() {
        quote!(&[#(#scopes),*])
    } else {
        quote! {
            __claimguard::ScopeList::as_slice(&__claimguard::ScopeList::union(&[
                &[#(#scopes),*],
                #(<#named as __claimguard::Requirement<__T>>::SCOPES,)*
            ]))
        }
    };
    let imports = imports(requirement);
    let definition = definition(requirement);
    let ident = &requirement.item.ident;
    quote! {
        #definition

        #[doc(hidden)]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic)]
        const _: () = {
            #imports

            #[automatically_derived]
            impl<__T> __claimguard::Requirement<__T> for #ident
            where
                #(#bounds,)*
            {
                const SCOPES: &'static [&'static str] = #scopes;

                #[inline]
                fn allows(
                    __claims: &__T,
                    __parts: &__claimguard::http::request::Parts,
                ) -> bool {
                    let _ = __parts;
                    #allows
                }
            }
        };
    }
}

/// The errors, the struct, and an impl for every claims type that refuses
/// everything: the handlers that use it add no errors of their own.
pub fn stub(requirement: &Requirement<'_>, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let imports = imports(requirement);
    let definition = definition(requirement);
    let ident = &requirement.item.ident;
    quote! {
        #errors
        #definition

        #[doc(hidden)]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic)]
        const _: () = {
            #imports

            #[automatically_derived]
            impl<__T> __claimguard::Requirement<__T> for #ident {
                fn allows(_: &__T, _: &__claimguard::http::request::Parts) -> bool {
                    false
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctxt::Ctxt;
    use crate::requirement::syntax::Item;
    use syn::parse_quote;

    fn expanded(item: &Item) -> String {
        let cx = Ctxt::new();
        let model = Requirement::from_item(&cx, item);
        assert!(cx.finish().is_none());
        expand(&model).to_string()
    }

    #[test]
    fn literal_scopes_are_listed_once_and_named_ones_merged() {
        let item: Item =
            parse_quote!(pub struct R = all(scope("a"), any(scope("b"), scope("a")), role("c")););
        let code = expanded(&item);
        assert!(
            code.contains(r#"const SCOPES : & 'static [& 'static str] = & ["a" , "b"]"#),
            "{code}"
        );
        assert!(code.contains("__T : __claimguard :: HasScopes"), "{code}");
        assert!(code.contains("__T : __claimguard :: HasRoles"), "{code}");
        let item: Item = parse_quote!(pub struct R = all(scope("a"), Other););
        let code = expanded(&item);
        assert!(code.contains("ScopeList :: union"), "{code}");
        assert!(
            code.contains("Other : __claimguard :: Requirement < __T >"),
            "{code}"
        );
    }
}
