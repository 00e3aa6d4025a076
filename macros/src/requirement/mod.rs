//! `requirement!`: named requirements. The phases in order, per declared
//! type: the syntax (`syntax`), the model with its checks (`model`), then
//! the expansion, or, when anything was reported, the errors and a stub
//! that refuses everything, so that the handlers using the type add no
//! errors of their own (`expand`).

mod expand;
mod model;
mod syntax;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;
pub use syntax::Items;

pub fn requirement(items: &Items) -> TokenStream {
    items
        .0
        .iter()
        .map(|item| {
            let cx = Ctxt::new();
            let model = model::Requirement::from_item(&cx, item);
            match cx.finish() {
                None => expand::expand(&model),
                Some(errors) => expand::stub(&model, &errors),
            }
        })
        .collect()
}
