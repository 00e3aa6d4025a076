//! The syntax of `requirement!`: a list of
//! `#[attrs] vis struct Name = <requirement>;`, the requirement an
//! expression read by `model`.

use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Expr, Ident, Token, Visibility};

/// Every declaration in one invocation.
pub struct Items(pub Vec<Item>);

/// `#[attrs] vis struct Name = <requirement>;`
pub struct Item {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub expr: Expr,
}

impl Parse for Items {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(Self(items))
    }
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![struct]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "a requirement is declared as `pub struct Name = scope(\"...\");`",
            )
        })?;
        let ident = input.parse()?;
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `=` and what the requirement is, as in `pub struct OrdersRead = scope(\"orders:read\");`",
            )
        })?;
        let expr = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(Self {
            attrs,
            vis,
            ident,
            expr,
        })
    }
}
