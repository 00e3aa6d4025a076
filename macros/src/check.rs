//! Rules that span several attributes, or that need the whole model.

use std::collections::HashSet;

use crate::ast::{Data, Field, Input, Kind};
use crate::attr::Source;
use crate::ctxt::Ctxt;
use crate::symbol;

pub fn check(cx: &Ctxt, input: &Input<'_>, kind: Kind) {
    generics(cx, input);
    match kind {
        Kind::Claims => claims_config(cx, input),
        Kind::Bounded => only_crate_key(cx, input),
    }
    match &input.data {
        Data::Struct(fields) => {
            carriers(cx, fields);
            let mut names = HashSet::new();
            for field in fields {
                if !names.insert(field.wire.as_str()) {
                    cx.syn_error(syn::Error::new(
                        field.wire_span,
                        format!("two fields read the member `{}`; rename one with `#[claims(rename = \"...\")]`", field.wire),
                    ));
                }
                for cap in [&field.attrs.max_len, &field.attrs.max_items]
                    .into_iter()
                    .flatten()
                {
                    if cap.value == 0 {
                        cx.syn_error(syn::Error::new(
                            cap.span,
                            "a cap of zero admits nothing; use a cap of at least 1",
                        ));
                    }
                }
            }
        }
        Data::Enum(variants) => {
            let mut names = HashSet::new();
            for variant in variants {
                if !names.insert(variant.wire.as_str()) {
                    cx.syn_error(syn::Error::new(
                        variant.wire_span,
                        format!("two variants read the string `{}`", variant.wire),
                    ));
                }
            }
            if variants.is_empty() {
                cx.error_spanned_by(
                    &input.original.ident,
                    "an enum without variants can never be read from a token",
                );
            }
        }
    }
}

/// At most one field carries the scopes and one the roles, and no field
/// carries both.
fn carriers(cx: &Ctxt, fields: &[Field<'_>]) {
    let mut scopes: Option<&Field<'_>> = None;
    let mut roles: Option<&Field<'_>> = None;
    for field in fields {
        let marks = [
            (field.attrs.scopes, &mut scopes, symbol::SCOPES),
            (field.attrs.roles, &mut roles, symbol::ROLES),
        ];
        for (mark, first, key) in marks {
            let Some(span) = mark else { continue };
            match first {
                Some(first) => cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "only one field can carry the {key}, and `{}` is marked `#[claims({key})]` already",
                        first.ident
                    ),
                )),
                None => *first = Some(field),
            }
        }
        if let (Some(_), Some(span)) = (field.attrs.scopes, field.attrs.roles) {
            cx.syn_error(syn::Error::new(
                span,
                "a field carries scopes or roles, not both; mark it `scopes` (for `scope(...)` requirements) or `roles` (for `role(...)`)",
            ));
        }
    }
}

fn generics(cx: &Ctxt, input: &Input<'_>) {
    let generics = &input.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "claims types cannot have generic or lifetime parameters: their bounds and configuration are fixed at compile time; use a concrete type",
        );
    }
}

fn only_crate_key(cx: &Ctxt, input: &Input<'_>) {
    for written in &input.attrs.written {
        if !symbol::BOUNDED_CONTAINER_KEYS.contains(&written.value) {
            cx.syn_error(syn::Error::new(
                written.span,
                format!(
                    "`{}` configures a token and belongs on a `#[derive(Claims)]` struct, not on a nested `#[derive(Bounded)]` type",
                    written.value
                ),
            ));
        }
    }
}

fn claims_config(cx: &Ctxt, input: &Input<'_>) {
    let attrs = &input.attrs;
    let written = attrs.written.iter().any(|w| w.value == symbol::ALGORITHMS);
    match &attrs.algorithms {
        // A value that did not parse was reported where it was written.
        None if written => {}
        None => cx.error_spanned_by(
            &input.original.ident,
            "`#[derive(Claims)]` needs the algorithms it accepts: add `#[claims(algorithms = [HS256])]` (or `[RS256]`, `[ES256]`, ...)",
        ),
        Some(list) if list.value.is_empty() => cx.syn_error(syn::Error::new(
            list.span,
            "`algorithms` is empty, so no token could ever be accepted; name at least one, as in `algorithms = [HS256]`",
        )),
        Some(list) => {
            let mut seen = HashSet::new();
            for name in &list.value {
                if let Some(message) = algorithm_error(&name.value) {
                    cx.syn_error(syn::Error::new(name.span, message));
                } else if !seen.insert(name.value.as_str()) {
                    cx.syn_error(syn::Error::new(
                        name.span,
                        format!("`{}` is listed twice in `algorithms`", name.value),
                    ));
                }
            }
        }
    }
    for (key, list) in [
        (symbol::ISSUER, &attrs.issuers),
        (symbol::AUDIENCE, &attrs.audiences),
    ] {
        let Some(list) = list else { continue };
        if list.value.is_empty() {
            cx.syn_error(syn::Error::new(
                list.span,
                format!("`{key}` is an empty list; name at least one, or remove `{key}`"),
            ));
        }
        for lit in &list.value {
            if lit.value().is_empty() {
                cx.error_spanned_by(lit, format!("`{key}` cannot be an empty string"));
            }
        }
    }
    if let Some(max) = &attrs.max_token_bytes {
        let least = min_token_bytes(attrs);
        if max.value == 0 {
            cx.syn_error(syn::Error::new(
                max.span,
                "`max_token_bytes = 0` refuses every token; the default is 8192",
            ));
        } else if least.is_some_and(|least| max.value < least) {
            cx.syn_error(syn::Error::new(
                max.span,
                format!(
                    "`max_token_bytes = {}` is smaller than the shortest token this struct can accept ({} bytes); raise it, or leave the default of 8192",
                    max.value,
                    least.unwrap_or_default()
                ),
            ));
        }
    }
    if let Some(typ) = attrs.typ.as_ref().filter(|typ| typ.value().is_empty()) {
        cx.error_spanned_by(typ, "`typ` cannot be an empty string");
    }
    if let Some(source) = &attrs.source {
        match &source.value {
            Source::Bearer => {}
            Source::Cookie(name) => {
                if !is_token(&name.value()) {
                    cx.error_spanned_by(name, "a cookie name is a non-empty HTTP token (letters, digits and `!#$%&'*+-.^_`|~`)");
                }
            }
            Source::Header(name) => {
                if !is_token(&name.value()) {
                    cx.error_spanned_by(name, "a header name is a non-empty HTTP token (letters, digits and `!#$%&'*+-.^_`|~`)");
                }
            }
        }
    }
    if let Some(cache) = &attrs.cache {
        match &cache.capacity {
            None => cx.syn_error(syn::Error::new(
                cache.span,
                "`cache` needs a capacity, as in `cache(capacity = 10_000, ttl = 300)`",
            )),
            Some(c) if c.value == 0 => cx.syn_error(syn::Error::new(
                c.span,
                "a cache of capacity 0 holds nothing; give a capacity of at least 1, or remove `cache`",
            )),
            Some(_) => {}
        }
        match &cache.ttl {
            None => cx.syn_error(syn::Error::new(
                cache.span,
                "`cache` needs a time-to-live in seconds, as in `cache(capacity = 10_000, ttl = 300)`",
            )),
            Some(t) if t.value == 0 => cx.syn_error(syn::Error::new(
                t.span,
                "a cache whose entries live 0 seconds holds nothing; give a `ttl` of at least 1, or remove `cache`",
            )),
            Some(_) => {}
        }
    }
    for ident in attrs.required.iter().flatten() {
        let name = ident.to_string();
        if !symbol::REGISTERED_CLAIMS.iter().any(|(n, _)| *n == name) {
            cx.error_spanned_by(
                ident,
                format!(
                    "`{name}` is not a registered claim; `required` takes `exp`, `nbf`, `iat`, `iss`, `aud`, `sub` or `jti` (a field that is not an `Option` is already required)"
                ),
            );
        }
    }
}

/// The length of the shortest token the configuration could accept: the
/// shortest header naming a pinned algorithm, a payload holding only what
/// the configuration requires (`exp`, the issuer, the audience, `required`),
/// and the shortest signature of a pinned algorithm. `None` when an
/// algorithm name is invalid (that is reported on its own).
fn min_token_bytes(attrs: &crate::attr::Container) -> Option<usize> {
    let b64 = |bytes: usize| (bytes * 4).div_ceil(3);
    let names = &attrs.algorithms.as_ref()?.value;
    let signature = names
        .iter()
        .map(|name| {
            Some(match name.value.as_str() {
                "HS256" => 32,
                "HS384" => 48,
                "HS512" | "ES256" | "EdDSA" => 64,
                "ES384" => 96,
                // The smallest RSA key accepted has 2048 bits.
                "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => 256,
                _ => return None,
            })
        })
        .collect::<Option<Vec<usize>>>()?
        .into_iter()
        .min()?;
    // {"alg":"HS256"}
    let header = names.iter().map(|n| 10 + n.value.len()).min()?;
    // {"exp":0}, then ,"name":value for each claim the configuration requires.
    let mut payload = 9;
    let shortest = |list: &Option<crate::attr::Spanned<Vec<syn::LitStr>>>| {
        list.as_ref()
            .and_then(|l| l.value.iter().map(|s| s.value().len()).min())
    };
    if let Some(iss) = shortest(&attrs.issuers) {
        payload += 9 + iss;
    }
    if let Some(aud) = shortest(&attrs.audiences) {
        payload += 9 + aud;
    }
    for claim in attrs.required.iter().flatten() {
        let name = claim.to_string();
        if name != "exp" && name != "iss" && name != "aud" {
            payload += 7;
        }
    }
    Some(b64(header) + 1 + b64(payload) + 1 + b64(signature))
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// What is wrong with an algorithm name, if anything.
pub fn algorithm_error(name: &str) -> Option<String> {
    if symbol::ALGORITHM_NAMES.contains(&name) {
        return None;
    }
    Some(if name.eq_ignore_ascii_case("none") {
        "`none` can never be pinned: it accepts unsigned tokens from anyone".to_owned()
    } else if name.eq_ignore_ascii_case("ES512") {
        "`ES512` is not supported by claimguard's crypto backends; use `ES256` or `ES384`"
            .to_owned()
    } else if name.eq_ignore_ascii_case("Ed25519") || name.eq_ignore_ascii_case("Ed448") {
        format!(
            "`{name}` is not a JWS algorithm name; Ed25519 signatures are `EdDSA` (Ed448 is not supported)"
        )
    } else if let Some(exact) = symbol::ALGORITHM_NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
    {
        format!("algorithm names are case-sensitive: write `{exact}`")
    } else {
        format!(
            "unknown algorithm `{name}`; expected one of {}",
            symbol::ALGORITHM_NAMES
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::{DeriveInput, parse_quote};

    fn errors(input: &DeriveInput, kind: Kind) -> Vec<String> {
        let cx = Ctxt::new();
        if let Some(model) = Input::from_ast(&cx, input, kind) {
            check(&cx, &model, kind);
        }
        cx.messages()
    }

    #[test]
    fn a_valid_struct_has_no_errors() {
        let input: DeriveInput = parse_quote! {
            #[claims(algorithms = [HS256, ES256], issuer = "i", audience = "a", source = header("X-Token"))]
            struct User { #[claims(max_len = 64)] sub: String, exp: u64 }
        };
        assert_eq!(errors(&input, Kind::Claims), Vec::<String>::new());
    }

    #[test]
    fn three_mistakes_give_three_errors() {
        let input: DeriveInput = parse_quote! {
            #[claims(algorithms = [none, HS257], leeway = 1)]
            struct User { #[claims(max_len = 0)] sub: String }
        };
        let errors = errors(&input, Kind::Claims);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("`none` can never be pinned"));
        assert!(errors[1].starts_with("unknown algorithm `HS257`"));
        assert!(errors[2].starts_with("a cap of zero"));
    }

    #[test]
    fn algorithms_are_required_and_named_exactly() {
        let input: DeriveInput = parse_quote!(
            struct User {
                exp: u64,
            }
        );
        let errors = errors(&input, Kind::Claims);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("add `#[claims(algorithms = [HS256])]`"));
        assert!(algorithm_error("hs256").is_some_and(|e| e.contains("write `HS256`")));
        assert!(algorithm_error("ES512").is_some_and(|e| e.contains("not supported")));
        assert!(algorithm_error("Ed25519").is_some_and(|e| e.contains("`EdDSA`")));
        assert!(algorithm_error("NoNe").is_some_and(|e| e.contains("never be pinned")));
    }

    #[test]
    fn shapes_that_cannot_be_claims() {
        let tuple: DeriveInput = parse_quote!(
            #[claims(algorithms = [HS256])]
            struct T(u64);
        );
        assert_eq!(errors(&tuple, Kind::Claims).len(), 1);
        let generic: DeriveInput = parse_quote!(
            #[claims(algorithms = [HS256])]
            struct G<T> {
                t: T,
            }
        );
        assert!(errors(&generic, Kind::Claims)[0].contains("generic"));
        let en: DeriveInput = parse_quote!(
            enum E {
                A,
                B(u8),
            }
        );
        assert_eq!(errors(&en, Kind::Bounded).len(), 1);
        assert_eq!(errors(&en, Kind::Claims).len(), 1);
        let nested: DeriveInput = parse_quote!(
            #[claims(issuer = "x")]
            struct N {
                a: u8,
            }
        );
        assert!(errors(&nested, Kind::Bounded)[0].contains("belongs on a `#[derive(Claims)]`"));
    }

    #[test]
    fn max_token_bytes_below_the_shortest_token() {
        let input: DeriveInput = parse_quote! {
            #[claims(algorithms = [HS256], max_token_bytes = 76)]
            struct U { exp: u64 }
        };
        let found = errors(&input, Kind::Claims);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("shortest token this struct can accept (77 bytes)"),
            "{}",
            found[0]
        );
        let input: DeriveInput = parse_quote! {
            #[claims(algorithms = [HS256], max_token_bytes = 77)]
            struct U { exp: u64 }
        };
        assert_eq!(errors(&input, Kind::Claims), Vec::<String>::new());
    }

    #[test]
    fn one_field_carries_the_scopes_and_one_the_roles() {
        let input: DeriveInput = parse_quote! {
            #[claims(algorithms = [HS256])]
            struct U {
                #[claims(scopes)] a: Scopes,
                #[claims(roles)] b: Roles,
                #[claims(scopes)] c: Scopes,
                #[claims(roles, scopes)] d: Roles,
            }
        };
        let found = errors(&input, Kind::Claims);
        assert_eq!(
            found,
            [
                "only one field can carry the scopes, and `a` is marked `#[claims(scopes)]` already",
                "only one field can carry the scopes, and `a` is marked `#[claims(scopes)]` already",
                "only one field can carry the roles, and `b` is marked `#[claims(roles)]` already",
                "a field carries scopes or roles, not both; mark it `scopes` (for `scope(...)` requirements) or `roles` (for `role(...)`)",
            ]
        );
    }

    #[test]
    fn duplicate_wire_names() {
        let input: DeriveInput = parse_quote! {
            #[claims(algorithms = [HS256])]
            struct U { a: u8, #[claims(rename = "a")] b: u8 }
        };
        assert!(errors(&input, Kind::Claims)[0].contains("two fields read the member `a`"));
    }
}
