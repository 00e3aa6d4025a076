//! A crate that depends on claimguard alone, under another name, with
//! unsafe code forbidden and every warning an error.

#![forbid(unsafe_code)]
#![deny(warnings, missing_docs)]

/// A nested type, found through `crate = ::guard`.
#[derive(guard::Bounded)]
#[claims(crate = ::guard)]
pub enum Plan {
    /// Free.
    Free,
    /// Paid.
    Paid,
}

/// Claims, found through `crate = ::guard`.
#[derive(guard::Claims)]
#[claims(algorithms = [HS256], crate = ::guard)]
pub struct User {
    /// The subject.
    #[claims(max_len = 8)]
    pub sub: String,
    /// The plan.
    pub plan: Option<Plan>,
}

/// A verifier for [`User`].
pub fn verifier(secret: &[u8]) -> Result<guard::Verifier<User>, guard::KeyError> {
    guard::Verifier::new(guard::Key::hmac(secret)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn derives_and_verifies() {
        let verifier = super::verifier(&[1; 32]).map_err(|e| e.to_string());
        let refused = verifier.map(|v| v.verify("a.b.c").err().map(|r| r.reason()));
        assert_eq!(refused, Ok(Some(guard::Reason::Malformed)));
        assert_eq!(<super::User as guard::Bounded>::MAX_HEAP, 8);
    }
}
