//! The credential a paste replaced, kept for Undo.
//!
//! The app keeps it in the OS keyring (`keyring_vault`, feature `keyring`); `serve` keeps it in
//! memory for its own lifetime. Never in a plain file. One slot: Undo is for the latest paste.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// What the paste changed in the gateway config (the profile's registration, its place in
    /// `auth.order`), so Undo can put it back too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_edits: Vec<ConfigEdit>,
}

/// One value a paste changed in the gateway config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigEdit {
    /// Object keys from the top (`["auth", "profiles", "anthropic:manual"]`).
    pub path: Vec<String>,
    /// The value before; `None` when the key did not exist.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub before: Option<Value>,
    /// The value the paste left; Undo restores `before` only while it is still this.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub after: Option<Value>,
}

/// A field that is there is `Some`, even when it holds `null` (a key set to null is not a
/// missing key).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
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
    pub(crate) fn open_at(&self, now: Millis) -> bool {
        now >= self.saved_at && now - self.saved_at <= UNDO_WINDOW_MS
    }
}

/// SHA-256 hex of a secret, for comparisons that must not keep the secret.
pub(crate) fn fingerprint(secret: &str) -> String {
    crate::digest::sha256_hex(secret.as_bytes())
}

/// A random id (128 bits, hex) from the OS's random generator (`getrandom(2)` on Linux, which
/// needs no file descriptor; `getentropy` on macOS).
///
/// There is no fallback: an id that guards a session or an Undo must never be predictable, so a
/// failing generator is an error the caller refuses to go on with.
pub fn random_id() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(format!("the operating system's random number generator failed ({e})")))?;
    Ok(crate::digest::hex(&b))
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

/// Forgets a saved credential whose Undo window has passed (at start: one a crash left).
/// Returns whether one was forgotten. A damaged entry is forgotten too: it can never be used.
pub fn purge_expired(vault: &dyn Vault, now: Millis) -> Result<bool> {
    match vault.get() {
        Ok(Some(saved)) if saved.open_at(now) => Ok(false),
        Ok(None) => Ok(false),
        Ok(Some(_)) | Err(Error::Vault(_)) => vault.clear().map(|()| true),
        Err(e) => Err(e),
    }
}

/// Serialises a saved credential for a keyring entry.
#[cfg(any(test, feature = "keyring"))]
pub(crate) fn encode(saved: &SavedCredential) -> Result<String> {
    serde_json::to_string(saved).map_err(|e| Error::Vault(e.to_string()))
}

/// Reads a keyring entry back; a foreign or damaged entry is an error, not a panic.
#[cfg(any(test, feature = "keyring"))]
pub(crate) fn decode(text: &str) -> Result<SavedCredential> {
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
            id: random_id().unwrap(),
            agent: "main".into(),
            profile_id: "anthropic:manual".into(),
            provider: "anthropic".into(),
            previous: Some(prev),
            pasted_sha256: fingerprint("x"),
            saved_at: 1000,
            config_edits: vec![ConfigEdit { path: vec!["auth".into()], before: None, after: Some(Value::Null) }],
        };
        assert!(!format!("{s:?}").contains("SECRET"));
        assert_eq!(s.id.len(), 32);
        assert_eq!(decode(&encode(&s).unwrap()).unwrap(), s);
        assert!(decode("{").is_err());
        assert!(s.open_at(1000 + UNDO_WINDOW_MS) && !s.open_at(1001 + UNDO_WINDOW_MS));
    }

    #[test]
    fn expired_entries_are_purged_and_open_ones_kept() {
        let v = MemoryVault::default();
        let saved = SavedCredential {
            id: "x".into(),
            agent: "main".into(),
            profile_id: "anthropic:manual".into(),
            provider: "anthropic".into(),
            previous: None,
            pasted_sha256: fingerprint("x"),
            saved_at: 1000,
            config_edits: Vec::new(),
        };
        v.put(&saved).unwrap();
        assert!(!purge_expired(&v, 1000 + UNDO_WINDOW_MS).unwrap());
        assert!(v.get().unwrap().is_some());
        assert!(purge_expired(&v, 1001 + UNDO_WINDOW_MS).unwrap());
        assert!(v.get().unwrap().is_none());
        assert!(!purge_expired(&v, 0).unwrap());
    }

    #[test]
    fn random_ids_are_random() {
        let ids: std::collections::HashSet<String> = (0..64).map(|_| random_id().unwrap()).collect();
        assert_eq!(ids.len(), 64);
        for id in &ids {
            assert_eq!(id.len(), 32);
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        // 64 ids of 128 bits: every hex digit shows up; a constant fallback would not.
        let digits: std::collections::HashSet<u8> = ids.iter().flat_map(|i| i.bytes()).collect();
        assert_eq!(digits.len(), 16);
    }
}
