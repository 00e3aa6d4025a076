//! A typed model of the input that borrows the original `syn` nodes.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data as SynData, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, Container, FieldAttrs};
use crate::ctxt::Ctxt;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[derive(Claims)]`: a bounded deserializer, the configuration and the extractor.
    Claims,
    /// `#[derive(Bounded)]`: a bounded deserializer for a nested type.
    Bounded,
}

pub struct Input<'a> {
    pub original: &'a DeriveInput,
    pub attrs: Container,
    pub data: Data<'a>,
}

pub enum Data<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
    /// The member's name in the JSON payload.
    pub wire: String,
    pub wire_span: Span,
}

pub struct Variant<'a> {
    pub ident: &'a Ident,
    pub wire: String,
    pub wire_span: Span,
}

impl<'a> Input<'a> {
    /// The model, or `None` when the input's shape cannot be derived at all
    /// (the reason is in `cx`).
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput, kind: Kind) -> Option<Self> {
        let attrs = attr::container(cx, &input.attrs);
        let data = match &input.data {
            SynData::Struct(data) => match &data.fields {
                Fields::Named(named) => Data::Struct(
                    named
                        .named
                        .iter()
                        .filter_map(|f| {
                            let ident = f.ident.as_ref()?;
                            let attrs = attr::field(cx, &f.attrs);
                            let (wire, wire_span) = match &attrs.rename {
                                Some(lit) => (lit.value(), lit.span()),
                                None => (unraw(ident), ident.span()),
                            };
                            Some(Field {
                                ident,
                                ty: &f.ty,
                                attrs,
                                wire,
                                wire_span,
                            })
                        })
                        .collect(),
                ),
                Fields::Unnamed(_) => {
                    cx.error_spanned_by(
                        &input.ident,
                        "claims must be a struct with named fields: the payload is a JSON object of named members",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &input.ident,
                        "claims must be a struct with named fields; a unit struct has no claims to read",
                    );
                    return None;
                }
            },
            SynData::Enum(data) => {
                if kind == Kind::Claims {
                    cx.syn_error(syn::Error::new(
                        data.enum_token.span(),
                        "`#[derive(Claims)]` takes a struct with named fields; for an enum field type, use `#[derive(claimguard::Bounded)]`",
                    ));
                    return None;
                }
                let mut variants = Vec::new();
                for v in &data.variants {
                    if !matches!(v.fields, Fields::Unit) {
                        cx.error_spanned_by(
                            &v.fields,
                            "`#[derive(Bounded)]` on an enum takes unit variants only, read from strings",
                        );
                        continue;
                    }
                    let rename = attr::variant(cx, &v.attrs);
                    let (wire, wire_span) = match &rename {
                        Some(lit) => (lit.value(), lit.span()),
                        None => (unraw(&v.ident), v.ident.span()),
                    };
                    variants.push(Variant {
                        ident: &v.ident,
                        wire,
                        wire_span,
                    });
                }
                Data::Enum(variants)
            }
            SynData::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "claims must be a struct with named fields, not a union",
                );
                return None;
            }
        };
        Some(Self {
            original: input,
            attrs,
            data,
        })
    }
}

fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#")
        .map_or(name.clone(), ToOwned::to_owned)
}
