//! Server nonces (RFC 9449 §9), stateless: a nonce is an HMAC of the
//! current period's number under the verifier's secret, so that every
//! instance sharing the secret issues and accepts the same nonces with no
//! shared state. A proof may carry the current period's nonce or the one
//! before (a client that fetched a nonce just before the period turned
//! keeps working).

use super::digest::hmac_sha256;
use crate::token::base64url;

/// The shortest nonce secret accepted.
pub const MIN_NONCE_SECRET_BYTES: usize = 32;

/// What separates these HMACs from any other use of the secret.
const LABEL: &[u8] = b"claimguard dpop nonce v1\0";

/// The nonce secret and how long each nonce is issued for.
#[derive(Clone)]
pub(crate) struct Nonces {
    secret: Box<[u8]>,
    period: u64,
}

impl Nonces {
    /// Nonces under `secret` (at least [`MIN_NONCE_SECRET_BYTES`]), a new
    /// one every `period` seconds (at least one).
    pub(crate) fn new(secret: &[u8], period: u64) -> Option<Self> {
        (secret.len() >= MIN_NONCE_SECRET_BYTES && period > 0).then(|| Self {
            secret: secret.into(),
            period,
        })
    }

    /// The nonce of period number `index`.
    fn of(&self, index: u64) -> String {
        let mut message = [0u8; LABEL.len() + 8];
        let (label, number) = message.split_at_mut(LABEL.len());
        label.copy_from_slice(LABEL);
        number.copy_from_slice(&index.to_be_bytes());
        base64url::encode(&hmac_sha256(&self.secret, &message))
    }

    /// The nonce to hand out at `now`.
    pub(crate) fn current(&self, now: u64) -> String {
        self.of(now / self.period)
    }

    /// Whether a proof's `nonce` is the current one or the one before.
    pub(crate) fn accepts(&self, nonce: &str, now: u64) -> bool {
        let index = now / self.period;
        // A nonce has one length; anything else needs no HMAC to refuse.
        nonce.len() == 43
            && (self.of(index) == nonce
                || index.checked_sub(1).is_some_and(|i| self.of(i) == nonce))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_lives_for_its_period_and_the_next() {
        let nonces = Nonces::new(&[7; 32], 300).unwrap_or_else(|| panic!("nonces"));
        let issued = nonces.current(3_000);
        assert_eq!(issued.len(), 43);
        assert_eq!(nonces.current(3_299), issued);
        assert_ne!(nonces.current(3_300), issued);
        assert!(nonces.accepts(&issued, 3_000));
        assert!(nonces.accepts(&issued, 3_599));
        assert!(!nonces.accepts(&issued, 3_600));
        assert!(!nonces.accepts(&issued, 2_999));
        assert!(!nonces.accepts("", 3_000));
        assert!(!nonces.accepts(&issued[1..], 3_000));
        // Another secret, other nonces.
        let other = Nonces::new(&[8; 32], 300).unwrap_or_else(|| panic!("nonces"));
        assert!(!other.accepts(&issued, 3_000));
        assert!(nonces.accepts(&nonces.current(0), 0));
    }

    #[test]
    fn short_secrets_and_empty_periods_are_refused() {
        assert!(Nonces::new(&[7; 31], 300).is_none());
        assert!(Nonces::new(&[7; 32], 0).is_none());
    }
}
