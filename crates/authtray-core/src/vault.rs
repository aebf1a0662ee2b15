//! The credential a paste replaced, kept for Undo.
//!
//! The app keeps it in the OS keyring (see the tray crate's keyring vault); `serve` keeps it in
//! memory for its own lifetime. Never in a plain file. One slot: Undo is for the latest paste.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::clock::Millis;
use crate::error::{Error, Result};

/// How long after a paste Undo is offered.
pub const UNDO_WINDOW_MS: Millis = 5 * 60 * 1000;

/// What a paste replaced, and how to recognise the pasted credential later.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedCredential {
    /// Random id the shells hand out with the paste's confirmation.
    pub id: String,
    /// Agent written to.
    pub agent: String,
    /// Profile written.
    pub profile_id: String,
    /// Its provider.
    pub provider: String,
    /// The profile's raw record before the paste; `None` when the paste created it.
    pub previous: Option<Map<String, Value>>,
    /// SHA-256 of the pasted secret, to refuse an Undo after someone else changed the profile.
    pub pasted_sha256: String,
    /// When the paste happened.
    pub saved_at: Millis,
}

impl std::fmt::Debug for SavedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedCredential")
            .field("id", &self.id)
            .field("agent", &self.agent)
            .field("profile_id", &self.profile_id)
            .field("had_previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

impl SavedCredential {
    /// Whether Undo is still offered at `now`.
    pub fn open_at(&self, now: Millis) -> bool {
        now >= self.saved_at && now - self.saved_at <= UNDO_WINDOW_MS
    }
}

/// SHA-256 hex of a secret, for comparisons that must not keep the secret.
pub fn fingerprint(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A random id (128 bits, hex) from the OS.
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    // /dev/urandom exists on every system authtray runs on (Linux, macOS).
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut b);
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Where the one saved credential lives.
pub trait Vault: Send + Sync {
    /// Replaces the saved credential.
    fn put(&self, saved: &SavedCredential) -> Result<()>;
    /// The saved credential, if any.
    fn get(&self) -> Result<Option<SavedCredential>>;
    /// Forgets it.
    fn clear(&self) -> Result<()>;
}

/// Serialises a saved credential for a keyring entry.
pub fn encode(saved: &SavedCredential) -> Result<String> {
    serde_json::to_string(saved).map_err(|e| Error::Vault(e.to_string()))
}

/// Reads a keyring entry back; a foreign or damaged entry is an error, not a panic.
pub fn decode(text: &str) -> Result<SavedCredential> {
    serde_json::from_str(text).map_err(|_| Error::Vault("the saved undo entry is damaged; paste again to replace it".into()))
}

/// A vault in process memory: `serve` and tests.
#[derive(Default)]
pub struct MemoryVault(Mutex<Option<SavedCredential>>);

impl Vault for MemoryVault {
    fn put(&self, saved: &SavedCredential) -> Result<()> {
        *self.0.lock().map_err(|_| Error::Vault("poisoned".into()))? = Some(saved.clone());
        Ok(())
    }
    fn get(&self) -> Result<Option<SavedCredential>> {
        Ok(self.0.lock().map_err(|_| Error::Vault("poisoned".into()))?.clone())
    }
    fn clear(&self) -> Result<()> {
        *self.0.lock().map_err(|_| Error::Vault("poisoned".into()))? = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_record_and_encoding_round_trips() {
        let mut prev = Map::new();
        prev.insert("token".into(), "sk-ant-oat01-SECRETSECRETSECRET".into());
        let s = SavedCredential {
            id: random_id(),
            agent: "main".into(),
            profile_id: "anthropic:manual".into(),
            provider: "anthropic".into(),
            previous: Some(prev),
            pasted_sha256: fingerprint("x"),
            saved_at: 1000,
        };
        assert!(!format!("{s:?}").contains("SECRET"));
        assert_eq!(s.id.len(), 32);
        assert_eq!(decode(&encode(&s).unwrap()).unwrap(), s);
        assert!(decode("{").is_err());
        assert!(s.open_at(1000 + UNDO_WINDOW_MS) && !s.open_at(1001 + UNDO_WINDOW_MS));
    }
}
