//! The syntax of `#[claims(...)]`: each key parsed with its span kept beside
//! it. Rules that involve more than one key live in `check`.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, ExprArray, ExprLit, Ident, Lit, LitInt, LitStr, Path, Token, Type};

use crate::ctxt::Ctxt;
use crate::symbol::{self, nearest};

/// A parsed value and where it was written.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// An algorithm name as written, checked in `check`.
pub type AlgorithmName = Spanned<String>;

#[derive(Clone)]
pub enum Source {
    Bearer,
    Cookie(LitStr),
    Header(LitStr),
}

/// `cache(capacity = N, ttl = S)`.
pub struct Cache {
    pub capacity: Option<Spanned<usize>>,
    pub ttl: Option<Spanned<u64>>,
    /// The `cache` keyword, where a missing `Clone` is reported.
    pub span: Span,
}

#[derive(Default)]
pub struct Container {
    pub algorithms: Option<Spanned<Vec<AlgorithmName>>>,
    pub issuers: Option<Spanned<Vec<LitStr>>>,
    pub audiences: Option<Spanned<Vec<LitStr>>>,
    pub leeway: Option<Spanned<u64>>,
    pub max_token_bytes: Option<Spanned<usize>>,
    pub source: Option<Spanned<Source>>,
    pub required: Option<Vec<Ident>>,
    pub typ: Option<LitStr>,
    pub rejection: Option<Type>,
    pub crate_path: Option<Path>,
    pub cache: Option<Cache>,
    /// Every key that was written, for the derive that accepts fewer keys.
    pub written: Vec<Spanned<&'static str>>,
}

#[derive(Default)]
pub struct FieldAttrs {
    pub max_len: Option<Spanned<usize>>,
    pub max_items: Option<Spanned<usize>>,
    pub rename: Option<LitStr>,
    pub default: Option<Span>,
    /// `scopes`: the field carries the token's scopes.
    pub scopes: Option<Span>,
    /// `roles`: the field carries the token's roles.
    pub roles: Option<Span>,
}

/// Which keys an attribute may hold, for the "unknown key" error.
fn unknown(meta: &ParseNestedMeta<'_>, place: &str, keys: &[&str]) -> syn::Error {
    let path = &meta.path;
    let key = path.get_ident().map_or_else(
        || quote::quote!(#path).to_string().replace(' ', ""),
        ToString::to_string,
    );
    let mut message = format!("unknown `claims` attribute `{key}` on {place}");
    match nearest(&key, keys) {
        Some(near) => message.push_str(&format!("; did you mean `{near}`?")),
        None => {
            message.push_str("; expected one of ");
            message.push_str(
                &keys
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
    }
    meta.error(message)
}

/// Refuses a key written twice, at the second one.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>, key: &str) {
    if slot.is_some() {
        cx.syn_error(meta.error(format!("duplicate `claims` attribute `{key}`")));
    } else {
        *slot = Some(value);
    }
}

/// Keeps a value that parsed; for one that did not, records the error and
/// skips what is left of it (up to the next `,` of the attribute), so that
/// the keys after a bad value are still parsed and their mistakes reported
/// in the same build.
fn keep_going<T>(cx: &Ctxt, meta: &ParseNestedMeta<'_>, parsed: syn::Result<T>) -> Option<T> {
    match parsed {
        Ok(value) => Some(value),
        Err(error) => {
            cx.syn_error(error);
            let _ = meta.input.step(|cursor| {
                let mut rest = *cursor;
                while let Some((tree, next)) = rest.token_tree() {
                    if matches!(&tree, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                        break;
                    }
                    rest = next;
                }
                Ok(((), rest))
            });
            None
        }
    }
}

fn key_of(meta: &ParseNestedMeta<'_>, keys: &[&'static str]) -> Option<&'static str> {
    keys.iter().copied().find(|k| meta.path.is_ident(k))
}

/// A plausible value for an integer key, for the "takes an integer" error.
fn example(key: &str) -> &'static str {
    match key {
        symbol::MAX_LEN => "64",
        symbol::MAX_ITEMS => "8",
        symbol::MAX_TOKEN_BYTES => "4096",
        symbol::CAPACITY => "10_000",
        symbol::TTL => "300",
        _ => "30",
    }
}

/// `key = <integer>`.
fn parse_int<N>(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Spanned<N>>
where
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    let lit: LitInt = meta.value()?.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{key}` takes an integer, as in `{key} = {}`", example(key)),
        )
    })?;
    let value = lit.base10_parse::<N>()?;
    Ok(Spanned {
        value,
        span: lit.span(),
    })
}

fn parse_lit_str(meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<LitStr> {
    meta.value()?.parse::<LitStr>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{key}` takes a string, as in `{key} = {example}`"),
        )
    })
}

/// `key = "one"` or `key = ["one", "two"]`.
fn parse_str_list(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Spanned<Vec<LitStr>>> {
    let expr: Expr = meta.value()?.parse()?;
    let span = expr.span();
    let wrong = || {
        syn::Error::new(
            span,
            format!(
                "`{key}` takes a string or a list of strings, as in `{key} = \"...\"` or `{key} = [\"...\", \"...\"]`"
            ),
        )
    };
    let items = match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => vec![s],
        Expr::Array(ExprArray { elems, .. }) => elems
            .into_iter()
            .map(|e| match e {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Ok(s),
                other => Err(syn::Error::new(
                    other.span(),
                    format!("`{key}` items must be strings"),
                )),
            })
            .collect::<syn::Result<_>>()?,
        _ => return Err(wrong()),
    };
    Ok(Spanned { value: items, span })
}

/// `algorithms = [HS256, RS256]` (bare names, or strings).
fn parse_algorithms(meta: &ParseNestedMeta<'_>) -> syn::Result<Spanned<Vec<AlgorithmName>>> {
    let expr: Expr = meta.value()?.parse()?;
    let span = expr.span();
    let Expr::Array(array) = expr else {
        return Err(syn::Error::new(
            span,
            "`algorithms` takes a list, as in `algorithms = [HS256]`",
        ));
    };
    let names = array
        .elems
        .iter()
        .map(|e| match e {
            Expr::Path(p) if p.path.get_ident().is_some() => Ok(Spanned {
                value: p
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                span: e.span(),
            }),
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(Spanned {
                value: s.value(),
                span: s.span(),
            }),
            other => Err(syn::Error::new(
                other.span(),
                "an algorithm is a name such as `HS256` or `ES256`",
            )),
        })
        .collect::<syn::Result<_>>()?;
    Ok(Spanned { value: names, span })
}

/// `required = [nbf, iat]`.
fn parse_required(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let expr: Expr = meta.value()?.parse()?;
    let Expr::Array(array) = expr else {
        return Err(syn::Error::new(
            expr.span(),
            "`required` takes a list of claim names, as in `required = [nbf, sub]`",
        ));
    };
    array
        .elems
        .iter()
        .map(|e| match e {
            Expr::Path(p) => p.path.get_ident().cloned().ok_or_else(|| {
                syn::Error::new(e.span(), "a required claim is a name such as `nbf`")
            }),
            other => Err(syn::Error::new(
                other.span(),
                "a required claim is a name such as `nbf`",
            )),
        })
        .collect()
}

/// `cache(capacity = N, ttl = S)`.
fn parse_cache(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Cache> {
    let mut cache = Cache {
        capacity: None,
        ttl: None,
        span: meta.path.span(),
    };
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error("`cache` takes its settings in parentheses, as in `cache(capacity = 10_000, ttl = 300)`"));
    }
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident(symbol::CAPACITY) {
            // capacity = 10_000
            if let Some(v) = keep_going(cx, &inner, parse_int(&inner, symbol::CAPACITY)) {
                set_once(cx, &mut cache.capacity, v, &inner, symbol::CAPACITY);
            }
        } else if inner.path.is_ident(symbol::TTL) {
            // ttl = 300
            if let Some(v) = keep_going(cx, &inner, parse_int(&inner, symbol::TTL)) {
                set_once(cx, &mut cache.ttl, v, &inner, symbol::TTL);
            }
        } else {
            cx.syn_error(unknown(&inner, "`cache(...)`", symbol::CACHE_KEYS));
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    Ok(cache)
}

/// `source = bearer`, `source = cookie("name")`, `source = header("X-Name")`.
fn parse_source(meta: &ParseNestedMeta<'_>) -> syn::Result<Spanned<Source>> {
    let expr: Expr = meta.value()?.parse()?;
    let span = expr.span();
    let wrong = || {
        syn::Error::new(
            span,
            "`source` is `bearer`, `cookie(\"name\")` or `header(\"X-Name\")`",
        )
    };
    let value = match &expr {
        Expr::Path(p) if p.path.is_ident(symbol::BEARER) => Source::Bearer,
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return Err(wrong());
            };
            let arg = match call.args.iter().collect::<Vec<_>>().as_slice() {
                [
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }),
                ] => s.clone(),
                _ => return Err(wrong()),
            };
            if func.path.is_ident(symbol::COOKIE) {
                Source::Cookie(arg)
            } else if func.path.is_ident(symbol::HEADER) {
                Source::Header(arg)
            } else {
                return Err(wrong());
            }
        }
        _ => return Err(wrong()),
    };
    Ok(Spanned { value, span })
}

/// Parses every `#[claims(...)]` on the container. `keys` are the keys this
/// derive accepts; the others are still parsed (so that their own mistakes
/// show) and recorded in `written` for `check` to refuse.
pub fn container(cx: &Ctxt, attrs: &[Attribute]) -> Container {
    let mut out = Container::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(symbol::CLAIMS)) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = key_of(&meta, symbol::CONTAINER_KEYS) else {
                let place = if nearest_field_key(&meta) {
                    "a struct (it belongs on a field)"
                } else {
                    "a struct"
                };
                cx.syn_error(unknown(&meta, place, symbol::CONTAINER_KEYS));
                skip_value(&meta)?;
                return Ok(());
            };
            out.written.push(Spanned {
                value: key,
                span: meta.path.span(),
            });
            match key {
                // algorithms = [HS256, ...]
                symbol::ALGORITHMS => {
                    if let Some(v) = keep_going(cx, &meta, parse_algorithms(&meta)) {
                        set_once(cx, &mut out.algorithms, v, &meta, key);
                    }
                }
                // issuer = "..." | ["...", ...]
                symbol::ISSUER => {
                    if let Some(v) = keep_going(cx, &meta, parse_str_list(&meta, key)) {
                        set_once(cx, &mut out.issuers, v, &meta, key);
                    }
                }
                // audience = "..." | ["...", ...]
                symbol::AUDIENCE => {
                    if let Some(v) = keep_going(cx, &meta, parse_str_list(&meta, key)) {
                        set_once(cx, &mut out.audiences, v, &meta, key);
                    }
                }
                // leeway = 30
                symbol::LEEWAY => {
                    if let Some(v) = keep_going(cx, &meta, parse_int(&meta, key)) {
                        set_once(cx, &mut out.leeway, v, &meta, key);
                    }
                }
                // max_token_bytes = 4096
                symbol::MAX_TOKEN_BYTES => {
                    if let Some(v) = keep_going(cx, &meta, parse_int(&meta, key)) {
                        set_once(cx, &mut out.max_token_bytes, v, &meta, key);
                    }
                }
                // source = bearer | cookie("name") | header("X-Name")
                symbol::SOURCE => {
                    if let Some(v) = keep_going(cx, &meta, parse_source(&meta)) {
                        set_once(cx, &mut out.source, v, &meta, key);
                    }
                }
                // required = [nbf, sub]
                symbol::REQUIRED => {
                    if let Some(v) = keep_going(cx, &meta, parse_required(&meta)) {
                        set_once(cx, &mut out.required, v, &meta, key);
                    }
                }
                // typ = "at+jwt"
                symbol::TYP => {
                    if let Some(v) = keep_going(cx, &meta, parse_lit_str(&meta, key, "\"at+jwt\""))
                    {
                        set_once(cx, &mut out.typ, v, &meta, key);
                    }
                }
                // rejection = MyError
                symbol::REJECTION => {
                    let parsed = meta.value().and_then(|value| value.parse::<Type>());
                    if let Some(v) = keep_going(cx, &meta, parsed) {
                        set_once(cx, &mut out.rejection, v, &meta, key);
                    }
                }
                // cache(capacity = 10_000, ttl = 300)
                symbol::CACHE => {
                    if let Some(v) = keep_going(cx, &meta, parse_cache(cx, &meta)) {
                        set_once(cx, &mut out.cache, v, &meta, key);
                    }
                }
                // crate = ::path::to::claimguard
                _ => {
                    let parsed = meta.value().and_then(|value| value.parse::<Path>());
                    if let Some(v) = keep_going(cx, &meta, parsed) {
                        set_once(cx, &mut out.crate_path, v, &meta, key);
                    }
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    out
}

fn nearest_field_key(meta: &ParseNestedMeta<'_>) -> bool {
    symbol::FIELD_KEYS.iter().any(|k| meta.path.is_ident(k))
}

/// Consumes `= value` or `(...)` after an unknown key, so parsing goes on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

/// Parses every `#[claims(...)]` on a field.
pub fn field(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(symbol::CLAIMS)) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = key_of(&meta, symbol::FIELD_KEYS) else {
                let place = if symbol::CONTAINER_KEYS.iter().any(|k| meta.path.is_ident(k)) {
                    "a field (it belongs on the struct)"
                } else {
                    "a field"
                };
                cx.syn_error(unknown(&meta, place, symbol::FIELD_KEYS));
                skip_value(&meta)?;
                return Ok(());
            };
            match key {
                // max_len = 64
                symbol::MAX_LEN => {
                    if let Some(v) = keep_going(cx, &meta, parse_int(&meta, key)) {
                        set_once(cx, &mut out.max_len, v, &meta, key);
                    }
                }
                // max_items = 8
                symbol::MAX_ITEMS => {
                    if let Some(v) = keep_going(cx, &meta, parse_int(&meta, key)) {
                        set_once(cx, &mut out.max_items, v, &meta, key);
                    }
                }
                // rename = "wire-name"
                symbol::RENAME => {
                    if let Some(v) = keep_going(cx, &meta, parse_lit_str(&meta, key, "\"name\"")) {
                        set_once(cx, &mut out.rename, v, &meta, key);
                    }
                }
                // default | scopes | roles
                _ => {
                    if meta.input.peek(Token![=]) {
                        cx.syn_error(
                            meta.error(format!("`{key}` takes no value; write `#[claims({key})]`")),
                        );
                        skip_value(&meta)?;
                        return Ok(());
                    }
                    let slot = match key {
                        symbol::SCOPES => &mut out.scopes,
                        symbol::ROLES => &mut out.roles,
                        _ => &mut out.default,
                    };
                    set_once(cx, slot, meta.path.span(), &meta, key);
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    out
}

/// Parses every `#[claims(...)]` on an enum variant.
pub fn variant(cx: &Ctxt, attrs: &[Attribute]) -> Option<LitStr> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident(symbol::CLAIMS)) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(symbol::RENAME) {
                // rename = "wire-name"
                if let Some(v) =
                    keep_going(cx, &meta, parse_lit_str(&meta, symbol::RENAME, "\"name\""))
                {
                    set_once(cx, &mut rename, v, &meta, symbol::RENAME);
                }
            } else {
                cx.syn_error(unknown(&meta, "an enum variant", symbol::VARIANT_KEYS));
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    rename
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn container_errors(attrs: &[Attribute]) -> Vec<String> {
        let cx = Ctxt::new();
        let _ = container(&cx, attrs);
        cx.messages()
    }

    #[test]
    fn parses_every_container_key() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[claims(
            algorithms = [HS256, "RS256"], issuer = "i", audience = ["a", "b"], leeway = 30,
            max_token_bytes = 4096, source = cookie("s"), required = [nbf], typ = "at+jwt",
            rejection = MyError, crate = ::claimguard
        )])];
        let cx = Ctxt::new();
        let c = container(&cx, &attrs);
        assert!(cx.messages().is_empty());
        assert_eq!(c.algorithms.map(|a| a.value.len()), Some(2));
        assert_eq!(c.audiences.map(|a| a.value.len()), Some(2));
        assert_eq!(c.leeway.map(|l| l.value), Some(30));
        assert_eq!(c.max_token_bytes.map(|l| l.value), Some(4096));
        assert!(matches!(c.source.map(|s| s.value), Some(Source::Cookie(_))));
        assert_eq!(c.written.len(), 10);
    }

    #[test]
    fn unknown_and_duplicate_keys_accumulate() {
        let errors = container_errors(&[
            parse_quote!(#[claims(algorithm = [HS256], leeway = 1, leeway = 2)]),
            parse_quote!(#[claims(max_len = 3)]),
        ]);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].contains("did you mean `algorithms`"),
            "{}",
            errors[0]
        );
        assert_eq!(errors[1], "duplicate `claims` attribute `leeway`");
        assert!(errors[2].contains("it belongs on a field"), "{}", errors[2]);
    }

    #[test]
    fn a_bad_value_does_not_hide_the_mistakes_after_it() {
        let errors = container_errors(&[parse_quote!(#[claims(
            leeway = "30", isuer = "x", typ = JWT, algorithms = [HS256]
        )])]);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("`leeway` takes an integer"),
            "{}",
            errors[0]
        );
        assert!(errors[1].contains("did you mean `issuer`"), "{}", errors[1]);
        assert!(
            errors[2].starts_with("`typ` takes a string"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn wrong_value_kinds() {
        let errors = container_errors(&[parse_quote!(#[claims(leeway = "30")])]);
        assert_eq!(
            errors,
            vec!["`leeway` takes an integer, as in `leeway = 30`".to_owned()]
        );
        let errors = container_errors(&[parse_quote!(#[claims(source = query("t"))])]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("`source` is `bearer`"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn field_keys() {
        let cx = Ctxt::new();
        let f = field(
            &cx,
            &[parse_quote!(#[claims(max_len = 64, max_items = 8, rename = "x", default, scopes)])],
        );
        assert!(cx.messages().is_empty());
        assert_eq!(f.max_len.map(|v| v.value), Some(64));
        assert_eq!(f.max_items.map(|v| v.value), Some(8));
        assert!(f.default.is_some() && f.scopes.is_some() && f.roles.is_none());
        let cx = Ctxt::new();
        let _ = field(&cx, &[parse_quote!(#[claims(roles = "x", roles, roles)])]);
        assert_eq!(
            cx.messages(),
            [
                "`roles` takes no value; write `#[claims(roles)]`",
                "duplicate `claims` attribute `roles`"
            ]
        );
        let cx = Ctxt::new();
        let _ = field(
            &cx,
            &[parse_quote!(#[claims(max_lenght = 1, issuer = "x")])],
        );
        let errors = cx.messages();
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0].contains("did you mean `max_len`"),
            "{}",
            errors[0]
        );
        assert!(errors[1].contains("belongs on the struct"), "{}", errors[1]);
    }
}
