//! Replay keys as a DPoP verifier makes them, for the benches and counts
//! that claim keys in the in-process replay store.

/// Writes into `key` the replay key of the `n`th proof: a key thumbprint, a
/// colon and a UUID-long `jti` ending in `n` in hex. Every key has one
/// length, as a verifier's have for one client key and UUID `jti`s; and the
/// digits are written without the formatter (whose zero padding costs more
/// than a claim), so that a loop counts the store, not the key's making.
pub fn replay_key(n: u64, key: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    key.clear();
    key.push_str("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs:6f1d2c3b-4a59-4e3d-8");
    let mut digits = [0; 16];
    for (i, digit) in digits.iter_mut().enumerate() {
        *digit = HEX[(n >> (60 - 4 * i)) as usize & 15];
    }
    key.push_str(std::str::from_utf8(&digits).unwrap_or_default());
}
