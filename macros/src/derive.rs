//! The phases in order: the model (with attribute syntax), the checks, then
//! the expansion, or, when anything was reported, the errors and stubs.

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::ast::{Input, Kind};
use crate::ctxt::Ctxt;
use crate::glue::crate_path;
use crate::{check, expand, fallback};

pub fn derive(input: &DeriveInput, kind: Kind) -> TokenStream {
    let cx = Ctxt::new();
    let model = Input::from_ast(&cx, input, kind);
    if let Some(model) = &model {
        check::check(&cx, model, kind);
    }
    match (cx.finish(), model) {
        (None, Some(model)) => expand::expand(&model, kind),
        (Some(errors), model) => {
            let krate = model.as_ref().map(crate_path);
            fallback::stubs(input, kind, &errors, krate)
        }
        // `from_ast` returns `None` only after reporting an error.
        (None, None) => TokenStream::new(),
    }
}
