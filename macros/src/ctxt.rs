//! The error collector that every phase reports into, so that several
//! mistakes surface in one build.

use std::cell::RefCell;
use std::thread;

use quote::ToTokens;

/// Collects errors; [`Ctxt::finish`] must be called before it is dropped,
/// so that no error is ever lost (dropping one unfinished panics, as
/// serde_derive's does).
pub struct Ctxt {
    /// `None` once finished.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Self {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error spanned at `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: std::fmt::Display>(&self, tokens: T, message: M) {
        self.syn_error(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    pub fn syn_error(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// All errors so far, as one `syn::Error`, or `None`.
    pub fn finish(self) -> Option<syn::Error> {
        let mut errors = self.errors.take().unwrap_or_default().into_iter();
        let mut combined = errors.next()?;
        for error in errors {
            combined.combine(error);
        }
        Some(combined)
    }

    #[cfg(test)]
    pub fn messages(self) -> Vec<String> {
        self.errors
            .take()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !thread::panicking() && self.errors.borrow().is_some() {
            panic!("claimguard-macros: a Ctxt was dropped without `finish`, losing its errors");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;

    #[test]
    fn finishing_returns_every_error() {
        let cx = Ctxt::new();
        cx.error_spanned_by(quote::quote!(a), "one");
        cx.error_spanned_by(quote::quote!(b), "two");
        let combined = cx.finish().map(|e| e.into_iter().count());
        assert_eq!(combined, Some(2));
        assert!(Ctxt::new().finish().is_none());
    }

    #[test]
    #[should_panic(expected = "dropped without `finish`")]
    fn dropping_an_unfinished_ctxt_panics() {
        let cx = Ctxt::new();
        cx.error_spanned_by(quote::quote!(a), "lost");
        drop(cx);
    }
}
