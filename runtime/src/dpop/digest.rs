//! SHA-256 and HMAC-SHA-256 on the build's crypto backend, chosen as
//! `keys::crypto` chooses it: the RustCrypto crates (`sha2`, `hmac`) by
//! default, aws-lc-rs when its feature is on (whether or not the other is).

/// The SHA-256 digest of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    backend::sha256(data)
}

/// HMAC-SHA-256 of `message` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    backend::hmac_sha256(key, message)
}

#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
mod backend {
    use hmac::{KeyInit as _, Mac as _};
    use sha2::{Digest as _, Sha256};

    pub(super) fn sha256(data: &[u8]) -> [u8; 32] {
        Sha256::digest(data).into()
    }

    pub(super) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
        // An HMAC takes a key of any length; `new_from_slice` cannot fail.
        let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(key) else {
            return [0; 32];
        };
        mac.update(message);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(feature = "aws_lc_rs")]
mod backend {
    use aws_lc_rs::{digest, hmac};

    pub(super) fn sha256(data: &[u8]) -> [u8; 32] {
        let digest = digest::digest(&digest::SHA256, data);
        let mut out = [0; 32];
        out.copy_from_slice(digest.as_ref());
        out
    }

    pub(super) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, key);
        let tag = hmac::sign(&key, message);
        let mut out = [0; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hmac_sha256_rfc_4231_case_2() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
