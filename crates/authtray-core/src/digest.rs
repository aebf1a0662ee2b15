//! Hex digests: fingerprints of secrets, and the short hashes the gateway and Claude Code put in
//! the names of their lock files and Keychain items.

use sha2::{Digest, Sha256};

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `data`, in hex.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// The first 8 hex digits of SHA-256 of `data`: how Claude Code names the Keychain item of a
/// custom config dir, and the gateway its SQLite lock files.
pub(crate) fn short_sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data)[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_values() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        // Measured: the gateway named its lock `state-lifecycle.b7fdbf87.lock.sqlite` for this path.
        assert_eq!(short_sha256_hex(b"/tmp/sqlres/G/.openclaw/state/openclaw.sqlite"), "b7fdbf87");
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
