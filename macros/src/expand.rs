//! Code generation: thin glue around the runtime. Every user-facing error was
//! reported by `attr`, `ast` or `check` before this runs.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, LitStr};

use crate::ast::{Data, Field, Input, Kind, Variant};
use crate::attr::Source;
use crate::glue::{crate_path, extractor_shell, root};
use crate::symbol;

pub fn expand(input: &Input<'_>, kind: Kind) -> TokenStream {
    let imports = crate_path(input);
    let krate = root();
    let ident = &input.original.ident;
    let body = match &input.data {
        Data::Struct(fields) => {
            let deserialize = struct_deserialize(ident, fields, kind);
            let bounded = struct_bounded(ident, fields);
            let carriers = carrier_impls(ident, fields, kind);
            let claims = match kind {
                Kind::Claims => claims_impls(input, &krate),
                Kind::Bounded => TokenStream::new(),
            };
            quote! { #deserialize #bounded #carriers #claims }
        }
        Data::Enum(variants) => enum_impls(ident, variants),
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all, clippy::pedantic)]
        const _: () = {
            #imports
            #body
        };
    }
}

/// The cap marker type of a field.
fn cap_type(field: &Field<'_>) -> TokenStream {
    let lit = |v: usize, span: Span| syn::LitInt::new(&format!("{v}usize"), span);
    match (&field.attrs.max_items, &field.attrs.max_len) {
        (None, None) => quote!(__claimguard::NoCap),
        (None, Some(len)) => {
            let n = lit(len.value, len.span);
            quote!(__claimguard::MaxLen<#n>)
        }
        (Some(items), None) => {
            let m = lit(items.value, items.span);
            quote!(__claimguard::MaxItems<#m>)
        }
        (Some(items), Some(len)) => {
            let m = lit(items.value, items.span);
            let n = lit(len.value, len.span);
            quote!(__claimguard::MaxItemsLen<#m, #n>)
        }
    }
}

fn slot(i: usize) -> Ident {
    format_ident!("__claimguard_f{}", i)
}

/// The registered claim a member name is, as the runtime's variant.
fn registered_claim(wire: &str) -> Option<Ident> {
    symbol::REGISTERED_CLAIMS
        .iter()
        .find(|(name, _)| *name == wire)
        .map(|(_, variant)| Ident::new(variant, Span::call_site()))
}

/// The member enum, the visitor and `Deserialize`. For a claims type the
/// visitor also has a single-pass mode, in which every registered claim
/// (`exp`, `iss`, ...) it meets is handed to the runtime's checks as it goes
/// by, whether or not the struct has a field of that name; `decode_payload`
/// in the `Claims` impl runs it.
fn struct_deserialize(ident: &Ident, fields: &[Field<'_>], kind: Kind) -> TokenStream {
    let krate = root();
    let single_pass = kind == Kind::Claims;
    let variants: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("F{}", i)).collect();
    let wires: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
    let slots: Vec<Ident> = (0..fields.len()).map(slot).collect();
    let reads = fields.iter().zip(&slots).map(|(field, slot)| {
        let ty = field.ty;
        let cap = cap_type(field);
        let wire = &field.wire;
        match registered_claim(wire).filter(|_| single_pass) {
            Some(claim) => quote_spanned! {ty.span()=>
                __claimguard::next_registered_field::<__A, #ty, #cap>(
                    &mut __map,
                    &mut #slot,
                    #wire,
                    __pass.as_deref_mut(),
                    #krate::RegisteredClaim::#claim,
                )?
            },
            None => quote_spanned! {ty.span()=>
                __claimguard::next_field::<__A, #ty, #cap>(&mut __map, &mut #slot, #wire)?
            },
        }
    });
    // Registered claims the struct has no field for: members of their own.
    let others: Vec<(&str, Ident)> = if single_pass {
        symbol::REGISTERED_CLAIMS
            .iter()
            .filter(|(name, _)| !wires.contains(name))
            .map(|(name, variant)| (*name, Ident::new(variant, Span::call_site())))
            .collect()
    } else {
        Vec::new()
    };
    let other_variants: Vec<Ident> = (0..others.len()).map(|i| format_ident!("R{}", i)).collect();
    let other_wires = others.iter().map(|(name, _)| *name);
    let other_claims = others.iter().map(|(_, claim)| claim);
    let finishes = fields.iter().zip(&slots).map(|(field, slot)| {
        let name = field.ident;
        let ty = field.ty;
        let cap = cap_type(field);
        let wire = &field.wire;
        let value = if field.attrs.default.is_some() {
            quote_spanned!(ty.span()=> __claimguard::finish_or_default::<#ty>(#slot))
        } else {
            quote_spanned!(ty.span()=> __claimguard::finish::<#ty, #cap, <__A as __claimguard::serde::de::MapAccess<'de>>::Error>(#slot, #wire)?)
        };
        quote!(#name: #value)
    });
    let types = fields.iter().map(|f| f.ty);
    // Checked first, in the same words as the heap bound, so that an
    // unbounded field is reported once.
    let checks = fields.iter().map(|field| {
        let ty = field.ty;
        let cap = cap_type(field);
        quote_spanned!(ty.span()=> let _ = __claimguard::field_bound::<#ty, #cap>();)
    });
    let expecting = format!("the claims of `{ident}`");
    let (visitor_def, visitor_generics, take_pass, plain) = if single_pass {
        (
            quote! {
                struct __ClaimguardVisitor<'__p, '__s> {
                    pass: ::core::option::Option<&'__p mut __claimguard::RegisteredPass<'__s>>,
                }
            },
            quote!(<'__p, '__s>),
            quote!(let mut __pass = self.pass;),
            quote!(__ClaimguardVisitor {
                pass: ::core::option::Option::None
            }),
        )
    } else {
        (
            quote!(
                struct __ClaimguardVisitor;
            ),
            TokenStream::new(),
            TokenStream::new(),
            quote!(__ClaimguardVisitor),
        )
    };
    let visitor_lifetimes = if single_pass {
        quote!(<'de, '__p, '__s>)
    } else {
        quote!(<'de>)
    };
    quote! {
        enum __ClaimguardMember { #(#variants,)* #(#other_variants,)* Ignore }

        impl<'de> __claimguard::serde::Deserialize<'de> for __ClaimguardMember {
            fn deserialize<__D>(__deserializer: __D) -> ::core::result::Result<Self, <__D as __claimguard::serde::Deserializer<'de>>::Error>
            where
                __D: __claimguard::serde::Deserializer<'de>,
            {
                struct __ClaimguardMemberVisitor;
                impl<'de> __claimguard::serde::de::Visitor<'de> for __ClaimguardMemberVisitor {
                    type Value = __ClaimguardMember;
                    fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        __f.write_str("a member name")
                    }
                    fn visit_str<__E>(self, __value: &str) -> ::core::result::Result<__ClaimguardMember, __E>
                    where
                        __E: __claimguard::serde::de::Error,
                    {
                        ::core::result::Result::Ok(match __value {
                            #(#wires => __ClaimguardMember::#variants,)*
                            #(#other_wires => __ClaimguardMember::#other_variants,)*
                            _ => __ClaimguardMember::Ignore,
                        })
                    }
                }
                __deserializer.deserialize_identifier(__ClaimguardMemberVisitor)
            }
        }

        #visitor_def

        impl #visitor_lifetimes __claimguard::serde::de::Visitor<'de> for __ClaimguardVisitor #visitor_generics {
            type Value = #ident;
            fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                __f.write_str(#expecting)
            }
            fn visit_map<__A>(self, mut __map: __A) -> ::core::result::Result<#ident, <__A as __claimguard::serde::de::MapAccess<'de>>::Error>
            where
                __A: __claimguard::serde::de::MapAccess<'de>,
            {
                #(#checks)*
                #take_pass
                #(let mut #slots: ::core::option::Option<#types> = ::core::option::Option::None;)*
                while let ::core::option::Option::Some(__member) =
                    __claimguard::serde::de::MapAccess::next_key::<__ClaimguardMember>(&mut __map)?
                {
                    match __member {
                        #(__ClaimguardMember::#variants => #reads,)*
                        #(__ClaimguardMember::#other_variants => __claimguard::next_registered(
                            &mut __map,
                            __pass.as_deref_mut(),
                            #krate::RegisteredClaim::#other_claims,
                        )?,)*
                        __ClaimguardMember::Ignore => {
                            __claimguard::serde::de::MapAccess::next_value::<__claimguard::serde::de::IgnoredAny>(&mut __map)?;
                        }
                    }
                }
                ::core::result::Result::Ok(#ident { #(#finishes,)* })
            }
        }

        #[automatically_derived]
        impl<'de> __claimguard::serde::Deserialize<'de> for #ident {
            fn deserialize<__D>(__deserializer: __D) -> ::core::result::Result<Self, <__D as __claimguard::serde::Deserializer<'de>>::Error>
            where
                __D: __claimguard::serde::Deserializer<'de>,
            {
                __claimguard::serde::Deserializer::deserialize_map(__deserializer, #plain)
            }
        }
    }
}

fn struct_bounded(ident: &Ident, fields: &[Field<'_>]) -> TokenStream {
    let bounds = fields.iter().map(|field| {
        let ty = field.ty;
        let cap = cap_type(field);
        quote_spanned!(ty.span()=> __claimguard::field_bound::<#ty, #cap>())
    });
    quote! {
        #[automatically_derived]
        impl __claimguard::Bounded for #ident {
            const MAX_HEAP: usize = __claimguard::sum(&[#(#bounds),*]);

            fn deserialize_bounded<'de, __D>(__deserializer: __D) -> ::core::result::Result<Self, <__D as __claimguard::serde::Deserializer<'de>>::Error>
            where
                __D: __claimguard::serde::Deserializer<'de>,
            {
                <Self as __claimguard::serde::Deserialize<'de>>::deserialize(__deserializer)
            }
        }

        // Evaluates the bound now, so that an overflow is a compile error.
        const _: usize = <#ident as __claimguard::Bounded>::MAX_HEAP;
    }
}

/// What the fields marked `scopes` and `roles` make of the struct: a
/// claims type that requirements can read (`HasScopes`, `HasRoles`), or a
/// nested type that can itself be marked (`ScopeClaim`, `RoleClaim`). The
/// call is spanned at the field's type, so that a type that cannot carry
/// them is reported there.
fn carrier_impls(ident: &Ident, fields: &[Field<'_>], kind: Kind) -> TokenStream {
    let marks = [
        (
            fields.iter().find(|f| f.attrs.scopes.is_some()),
            ["HasScopes", "has_scope", "ScopeClaim", "contains_scope"],
        ),
        (
            fields.iter().find(|f| f.attrs.roles.is_some()),
            ["HasRoles", "has_role", "RoleClaim", "contains_role"],
        ),
    ];
    let impls = marks.into_iter().filter_map(|(field, names)| {
        let field = field?;
        let [claims_trait, claims_method, field_trait, field_method] =
            names.map(|name| Ident::new(name, Span::call_site()));
        let (ty, name) = (field.ty, field.ident);
        let call = quote_spanned! {ty.span()=>
            <#ty as __claimguard::#field_trait>::#field_method(&self.#name, __claimguard_name)
        };
        let (trait_name, method) = match kind {
            Kind::Claims => (claims_trait, claims_method),
            Kind::Bounded => (field_trait, field_method),
        };
        Some(quote! {
            #[automatically_derived]
            impl __claimguard::#trait_name for #ident {
                #[inline]
                fn #method(&self, __claimguard_name: &str) -> bool {
                    #call
                }
            }
        })
    });
    quote!(#(#impls)*)
}

fn enum_impls(ident: &Ident, variants: &[Variant<'_>]) -> TokenStream {
    let wires = variants.iter().map(|v| &v.wire);
    let names = variants.iter().map(|v| v.ident);
    let expecting = format!("one of the names of `{ident}`");
    quote! {
        #[automatically_derived]
        impl<'de> __claimguard::serde::Deserialize<'de> for #ident {
            fn deserialize<__D>(__deserializer: __D) -> ::core::result::Result<Self, <__D as __claimguard::serde::Deserializer<'de>>::Error>
            where
                __D: __claimguard::serde::Deserializer<'de>,
            {
                struct __ClaimguardVisitor;
                impl<'de> __claimguard::serde::de::Visitor<'de> for __ClaimguardVisitor {
                    type Value = #ident;
                    fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        __f.write_str(#expecting)
                    }
                    fn visit_str<__E>(self, __value: &str) -> ::core::result::Result<#ident, __E>
                    where
                        __E: __claimguard::serde::de::Error,
                    {
                        match __value {
                            #(#wires => ::core::result::Result::Ok(#ident::#names),)*
                            _ => ::core::result::Result::Err(__E::custom("unknown name")),
                        }
                    }
                }
                __claimguard::serde::Deserializer::deserialize_str(__deserializer, __ClaimguardVisitor)
            }
        }

        #[automatically_derived]
        impl __claimguard::Bounded for #ident {
            const MAX_HEAP: usize = 0;

            fn deserialize_bounded<'de, __D>(__deserializer: __D) -> ::core::result::Result<Self, <__D as __claimguard::serde::Deserializer<'de>>::Error>
            where
                __D: __claimguard::serde::Deserializer<'de>,
            {
                <Self as __claimguard::serde::Deserialize<'de>>::deserialize(__deserializer)
            }
        }
    }
}

fn str_list(list: Option<&Vec<LitStr>>) -> TokenStream {
    let items = list.into_iter().flatten();
    quote!(&[#(#items),*])
}

fn config(input: &Input<'_>, krate: &TokenStream) -> TokenStream {
    let attrs = &input.attrs;
    let algorithms = attrs.algorithms.iter().flat_map(|a| &a.value).map(|name| {
        let variant = Ident::new(&name.value, name.span);
        quote!(#krate::Algorithm::#variant)
    });
    let issuers = str_list(attrs.issuers.as_ref().map(|s| &s.value));
    let audiences = str_list(attrs.audiences.as_ref().map(|s| &s.value));
    let leeway = attrs.leeway.as_ref().map_or(0, |l| l.value);
    let max_token_bytes = match &attrs.max_token_bytes {
        Some(max) => {
            let value = max.value;
            quote!(#value)
        }
        None => quote!(#krate::DEFAULT_MAX_TOKEN_BYTES),
    };
    let source = match attrs.source.as_ref().map(|s| &s.value) {
        None | Some(Source::Bearer) => quote!(#krate::Source::Bearer),
        Some(Source::Cookie(name)) => quote!(#krate::Source::Cookie(#name)),
        Some(Source::Header(name)) => {
            let lower = LitStr::new(&name.value().to_ascii_lowercase(), name.span());
            quote!(#krate::Source::Header(#lower))
        }
    };
    let required = attrs.required.iter().flatten().filter_map(|ident| {
        let variant = symbol::REGISTERED_CLAIMS
            .iter()
            .find(|(name, _)| ident == name)
            .map(|(_, variant)| Ident::new(variant, ident.span()))?;
        Some(quote!(#krate::RegisteredClaim::#variant))
    });
    let cache = match &attrs.cache {
        Some(cache) => {
            let capacity = cache.capacity.as_ref().map_or(0, |c| c.value);
            let ttl = cache.ttl.as_ref().map_or(0, |t| t.value);
            quote!(::core::option::Option::Some(#krate::CacheConfig { capacity: #capacity, ttl: #ttl }))
        }
        None => quote!(::core::option::Option::None),
    };
    let typ = match &attrs.typ {
        Some(typ) => quote!(::core::option::Option::Some(#typ)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #krate::Config {
            algorithms: &[#(#algorithms),*],
            issuers: #issuers,
            audiences: #audiences,
            leeway: #leeway,
            max_token_bytes: #max_token_bytes,
            source: #source,
            required: &[#(#required),*],
            typ: #typ,
            cache: #cache,
        }
    }
}

fn claims_impls(input: &Input<'_>, krate: &TokenStream) -> TokenStream {
    let ident = &input.original.ident;
    let config = config(input, krate);
    // A custom rejection is named through one runtime trait, spanned at the
    // user's type: a type lacking `From<Rejection>` or `IntoResponse` is then
    // one error, underlined where it was named and saying what to implement
    // (every use asks the same of the same span, so rustc reports it once).
    let (rejection, extractor, check) = match &input.attrs.rejection {
        Some(ty) => (
            quote!(#ty),
            Extractor {
                rejection: quote_spanned!(ty.span()=> <#ty as __claimguard::ClaimsRejection<__S>>::Response),
                convert: quote_spanned!(ty.span()=> <#ty as __claimguard::ClaimsRejection<__S>>::convert),
                bound: quote_spanned!(ty.span()=> #ty: __claimguard::ClaimsRejection<__S>,),
            },
            quote_spanned!(ty.span()=> const _: () = __claimguard::require_rejection::<#ty>();),
        ),
        None => (
            quote!(#krate::Rejection),
            Extractor {
                rejection: quote!(#krate::Rejection),
                convert: quote!(::core::convert::identity),
                bound: TokenStream::new(),
            },
            TokenStream::new(),
        ),
    };
    let extractors = extractor_impls(ident, krate, &extractor);
    // Spanned at `cache`, so that a claims type that is not `Clone` is told
    // why it must be.
    let clone = input.attrs.cache.as_ref().map(|cache| {
        quote_spanned! {cache.span=>
            const CLONE: ::core::option::Option<fn(&Self) -> Self> =
                ::core::option::Option::Some(<Self as ::core::clone::Clone>::clone);
        }
    });
    let names = symbol::REGISTERED_CLAIMS.iter().map(|(name, _)| name);
    quote! {
        // The derive's list of registered claims is the runtime's.
        const _: () = ::core::assert!(
            __claimguard::names_agree(&[#(#names),*]),
            "claimguard-macros and claimguard disagree on the registered claims: use matching versions",
        );

        #check

        #[automatically_derived]
        impl #krate::Claims for #ident {
            const CONFIG: #krate::Config = #config;
            type Rejection = #rejection;
            #clone

            fn decode_payload(
                __payload: &str,
                __pass: &mut __claimguard::RegisteredPass<'_>,
            ) -> ::core::option::Option<Self> {
                __claimguard::single_pass(__payload, __ClaimguardVisitor { pass: ::core::option::Option::Some(__pass) })
            }
        }
        #extractors
    }
}

/// How the extractor impls name and build their rejection.
pub struct Extractor {
    /// The impls' `Rejection` type.
    rejection: TokenStream,
    /// From `claimguard::Rejection` to it.
    convert: TokenStream,
    /// What the impls ask of it.
    bound: TokenStream,
}

/// `FromRequestParts` and `OptionalFromRequestParts`, each one call into the runtime.
pub fn extractor_impls(ident: &Ident, krate: &TokenStream, extractor: &Extractor) -> TokenStream {
    let convert = &extractor.convert;
    let call = |function: TokenStream| {
        quote! {
            __claimguard::#function::<Self, __S, _>(__parts, __state, #convert)
        }
    };
    let required = call(quote!(required));
    let optional = call(quote!(optional));
    extractor_shell(
        ident,
        krate,
        &extractor.rejection,
        &extractor.bound,
        [&required, &optional],
    )
}
