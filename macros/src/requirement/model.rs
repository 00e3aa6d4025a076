//! A typed model of one declaration, with its checks: every mistake is a
//! `syn::Error` on the token at fault, and several are reported at once.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprCall, ExprLit, ExprPath, Lit, LitStr, Path};

use super::syntax::Item;
use crate::ctxt::Ctxt;
use crate::symbol::{self, nearest};

/// One declared requirement.
pub struct Requirement<'a> {
    pub item: &'a Item,
    /// `#[claims(crate = path)]`.
    pub krate: Option<Path>,
    /// The attributes passed through to the type (its docs, say).
    pub attrs: Vec<&'a Attribute>,
    /// What it requires; `None` when that did not read (the reason is in
    /// the context).
    pub node: Option<Node<'a>>,
}

/// What a requirement is made of.
pub enum Node<'a> {
    /// `scope("...")`, with the span of `scope`.
    Scope(&'a LitStr, Span),
    /// `role("...")`, with the span of `role`.
    Role(&'a LitStr, Span),
    /// `all(...)`.
    All(Vec<Node<'a>>),
    /// `any(...)`.
    Any(Vec<Node<'a>>),
    /// Another requirement, by its type.
    Named(&'a ExprPath),
}

impl<'a> Requirement<'a> {
    pub fn from_item(cx: &Ctxt, item: &'a Item) -> Self {
        let mut krate = None;
        let mut attrs = Vec::new();
        for attr in &item.attrs {
            if !attr.path().is_ident(symbol::CLAIMS) {
                attrs.push(attr);
                continue;
            }
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(symbol::CRATE) {
                    // crate = ::path::to::claimguard
                    if krate.is_some() {
                        return Err(meta.error("duplicate `claims` attribute `crate`"));
                    }
                    krate = Some(meta.value()?.parse::<Path>()?);
                    Ok(())
                } else {
                    Err(meta.error(
                        "unknown `claims` attribute on a requirement; it takes only `crate = path`",
                    ))
                }
            });
            if let Err(error) = parsed {
                cx.syn_error(error);
            }
        }
        let node = node(cx, item, &item.expr);
        Self {
            item,
            krate,
            attrs,
            node,
        }
    }
}

const WHAT: &str = "a requirement is `scope(\"...\")`, `role(\"...\")`, `all(...)`, `any(...)`, or the name of another requirement";

/// The node `expr` reads as, every mistake in it reported.
fn node<'a>(cx: &Ctxt, item: &Item, expr: &'a Expr) -> Option<Node<'a>> {
    match expr {
        Expr::Call(call) => call_node(cx, item, call),
        Expr::Path(path) => {
            if path.qself.is_none() && path.path.is_ident(&item.ident) {
                cx.error_spanned_by(path, "a requirement cannot include itself");
                return None;
            }
            Some(Node::Named(path))
        }
        Expr::Paren(paren) => node(cx, item, &paren.expr),
        Expr::Binary(binary) => {
            cx.error_spanned_by(
                binary.op,
                format!("{WHAT}; write `all(a, b)` for both and `any(a, b)` for either"),
            );
            None
        }
        other => {
            cx.error_spanned_by(other, WHAT);
            None
        }
    }
}

fn call_node<'a>(cx: &Ctxt, item: &Item, call: &'a ExprCall) -> Option<Node<'a>> {
    let Expr::Path(func) = &*call.func else {
        cx.error_spanned_by(&call.func, WHAT);
        return None;
    };
    let Some(name) = func.path.get_ident().filter(|_| func.qself.is_none()) else {
        cx.error_spanned_by(func, WHAT);
        return None;
    };
    let key = name.to_string();
    match key.as_str() {
        symbol::SCOPE | symbol::ROLE => {
            let args: Vec<&Expr> = call.args.iter().collect();
            let [
                Expr::Lit(ExprLit {
                    lit: Lit::Str(lit), ..
                }),
            ] = args.as_slice()
            else {
                let what = if key == symbol::SCOPE {
                    "one scope, as a string: `scope(\"orders:read\")`"
                } else {
                    "one role, as a string: `role(\"admin\")`"
                };
                cx.syn_error(syn::Error::new(
                    call.span(),
                    format!("`{key}` takes {what}; to require several, combine them with `all(...)` or `any(...)`"),
                ));
                return None;
            };
            let problem = if key == symbol::SCOPE {
                scope_error(&lit.value())
            } else {
                role_error(&lit.value())
            };
            if let Some(message) = problem {
                cx.error_spanned_by(lit, message);
                return None;
            }
            Some(if key == symbol::SCOPE {
                Node::Scope(lit, name.span())
            } else {
                Node::Role(lit, name.span())
            })
        }
        symbol::ALL | symbol::ANY => {
            if call.args.is_empty() {
                cx.syn_error(syn::Error::new(
                    call.span(),
                    format!("`{key}()` names nothing; give it at least one requirement, as in `{key}(scope(\"a\"), role(\"b\"))`"),
                ));
                return None;
            }
            // Every part is read, so that each mistake is reported.
            let parts: Vec<Option<Node<'a>>> =
                call.args.iter().map(|arg| node(cx, item, arg)).collect();
            let parts: Vec<Node<'a>> = parts.into_iter().collect::<Option<_>>()?;
            Some(if key == symbol::ALL {
                Node::All(parts)
            } else {
                Node::Any(parts)
            })
        }
        _ => {
            let message = match nearest(&key, symbol::REQUIREMENT_PARTS) {
                Some(near) => format!("unknown requirement `{key}`; did you mean `{near}`?"),
                None => format!(
                    "unknown requirement `{key}`; expected `scope`, `role`, `all` or `any`, or the name of another requirement"
                ),
            };
            cx.error_spanned_by(name, message);
            None
        }
    }
}

/// What is wrong with a scope, if anything: it goes into challenges as it
/// is, so it must be one RFC 6749 §3.3 scope token.
pub fn scope_error(scope: &str) -> Option<String> {
    if scope.is_empty() {
        return Some("a scope cannot be empty".to_owned());
    }
    if scope.contains(' ') {
        let first = scope.split(' ').find(|s| !s.is_empty()).unwrap_or("a");
        let second = scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .nth(1)
            .unwrap_or("b");
        return Some(format!(
            "`{scope}` is not one scope (scopes are separated by spaces); to require several, write `all(scope(\"{first}\"), scope(\"{second}\"))`"
        ));
    }
    if !scope
        .bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
    {
        return Some(format!(
            "{scope:?} is not a scope: a scope is printable ASCII other than space, `\"` and `\\` (RFC 6749 §3.3)"
        ));
    }
    None
}

/// What is wrong with a role name, if anything.
pub fn role_error(role: &str) -> Option<String> {
    if role.is_empty() {
        return Some("a role cannot be empty".to_owned());
    }
    if role.contains('\0') {
        return Some("a role cannot contain NUL".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn errors(item: Item) -> Vec<String> {
        let cx = Ctxt::new();
        let _ = Requirement::from_item(&cx, &item);
        cx.messages()
    }

    #[test]
    fn a_valid_declaration_has_no_errors() {
        let item: Item = parse_quote! {
            /// Docs.
            #[claims(crate = ::guard)]
            pub struct R = any(all(scope("orders:read"), role("clerk")), Other, (role("a b")));
        };
        let cx = Ctxt::new();
        let model = Requirement::from_item(&cx, &item);
        assert!(model.krate.is_some());
        assert_eq!(model.attrs.len(), 1);
        assert!(matches!(model.node, Some(Node::Any(ref parts)) if parts.len() == 3));
        assert!(cx.messages().is_empty());
    }

    #[test]
    fn every_mistake_is_reported() {
        let found = errors(parse_quote! {
            pub struct R = all(scopes("a"), scope("a b"), scope("a", "b"), role(""), any(), R, x && y, 3);
        });
        assert_eq!(
            found,
            [
                "unknown requirement `scopes`; did you mean `scope`?",
                "`a b` is not one scope (scopes are separated by spaces); to require several, write `all(scope(\"a\"), scope(\"b\"))`",
                "`scope` takes one scope, as a string: `scope(\"orders:read\")`; to require several, combine them with `all(...)` or `any(...)`",
                "a role cannot be empty",
                "`any()` names nothing; give it at least one requirement, as in `any(scope(\"a\"), role(\"b\"))`",
                "a requirement cannot include itself",
                "a requirement is `scope(\"...\")`, `role(\"...\")`, `all(...)`, `any(...)`, or the name of another requirement; write `all(a, b)` for both and `any(a, b)` for either",
                "a requirement is `scope(\"...\")`, `role(\"...\")`, `all(...)`, `any(...)`, or the name of another requirement",
            ]
        );
        let found = errors(parse_quote! {
            #[claims(crate = ::a, crate = ::b)]
            #[claims(issuer = "x")]
            pub struct R = role("a\0b");
        });
        assert_eq!(
            found,
            [
                "duplicate `claims` attribute `crate`",
                "unknown `claims` attribute on a requirement; it takes only `crate = path`",
                "a role cannot contain NUL",
            ]
        );
    }

    #[test]
    fn scopes_are_scope_tokens() {
        assert_eq!(scope_error("orders:read"), None);
        assert_eq!(scope_error("!#[]~"), None);
        for bad in ["", "a\"b", "a\\b", "é", "a\tb"] {
            assert!(scope_error(bad).is_some(), "{bad:?}");
        }
    }
}
