//! The store adapter for the JSON generations (clawdbot, openclaw-json): read without a lock,
//! update under the generation's own lock with atomic, 0600 writes of only what changed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::lock::{self, LockKind};
use super::store::{to_gateway_json, StoreDoc};
use super::version::Version;
use super::Generation;
use crate::error::Result;
use crate::fsx;

/// The store file name in an agent dir.
pub(crate) const PROFILES_FILE: &str = "auth-profiles.json";
/// The state file name (openclaw 2026.4.6+).
pub(crate) const STATE_FILE: &str = "auth-state.json";

/// One agent's JSON store.
#[derive(Debug, Clone)]
pub(crate) struct JsonStore {
    /// The generation (decides lock and order placement).
    pub generation: Generation,
    /// `auth-profiles.json`.
    pub profiles_path: PathBuf,
    /// `auth-state.json`.
    pub state_path: PathBuf,
    /// The lock protocol.
    pub lock_kind: LockKind,
    /// Whether order/lastGood/usageStats live in `auth-state.json`.
    pub order_in_state_file: bool,
    /// How long to wait for a busy lock.
    pub lock_timeout: Duration,
}

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// Nothing differed; no file was touched.
    Unchanged,
    /// The store (and/or state file) was rewritten.
    Changed,
}

impl JsonStore {
    /// The adapter for an agent dir. Without a known version, openclaw-json is taken to be a
    /// current release (pid-file lock, order in `auth-state.json`) unless the files say otherwise.
    pub(crate) fn new(generation: Generation, agent_dir: &Path, version: Option<&Version>) -> JsonStore {
        let state_path = agent_dir.join(STATE_FILE);
        let (lock_kind, order_in_state_file) = match (generation, version) {
            (Generation::Clawdbot, _) => (LockKind::Directory, false),
            (_, Some(v)) => (v.lock_kind(), v.order_in_state_file() || state_path.exists()),
            (_, None) => (LockKind::PidFile, true),
        };
        JsonStore {
            generation,
            profiles_path: agent_dir.join(PROFILES_FILE),
            state_path,
            lock_kind,
            order_in_state_file,
            lock_timeout: lock::DEFAULT_TIMEOUT,
        }
    }

    /// Reads the store as the gateway would see it now (no lock: every gateway write of
    /// these files is either atomic or, in clawdbot, short; a parse error is retried briefly).
    pub(crate) fn read(&self) -> Result<StoreDoc> {
        let mut attempt = 0;
        loop {
            match self.read_once() {
                Err(crate::Error::StoreParse { .. }) if attempt < 3 => {
                    // clawdbot writes in place: a reader can catch a half-written file.
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(30));
                }
                other => return other,
            }
        }
    }

    fn read_once(&self) -> Result<StoreDoc> {
        let profiles = fsx::read_optional(&self.profiles_path)?;
        let state = if self.generation == Generation::Clawdbot { None } else { fsx::read_optional(&self.state_path)? };
        let mut doc = StoreDoc::parse(&self.profiles_path, profiles.as_deref(), &self.state_path, state.as_deref())?;
        doc.accepts_aliases = self.generation == Generation::OpenclawJson && self.order_in_state_file;
        Ok(doc)
    }

    /// Whether the store file exists.
    pub(crate) fn exists(&self) -> bool {
        self.profiles_path.exists()
    }

    /// Applies `change` to a fresh read taken under the store's lock, and writes back only the
    /// files whose content changed. A store that does not parse is left untouched.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut StoreDoc) -> Result<T>) -> Result<(T, Written)> {
        let dir = self.profiles_path.parent().unwrap_or(Path::new("."));
        fsx::ensure_dir(dir)?;
        // Refuse early, before taking the lock, so a foreign file costs nothing.
        fsx::check_owner(&fsx::write_target(&self.profiles_path)?)?;
        let _guard = lock::acquire(self.lock_kind, &self.profiles_path, self.lock_timeout)?;
        fsx::crash_point("after-lock");
        fsx::remove_stale_temps(&self.profiles_path);
        fsx::remove_stale_temps(&self.state_path);
        let before = self.read()?;
        let mut doc = before.clone();
        let out = change(&mut doc)?;
        let mut written = Written::Unchanged;
        if doc.profiles_doc != before.profiles_doc || (!self.profiles_path.exists() && doc.state_doc != before.state_doc) {
            fsx::write_atomic(&self.profiles_path, &to_gateway_json(&doc.profiles_doc))?;
            written = Written::Changed;
        }
        if doc.state_doc != before.state_doc {
            match &doc.state_doc {
                Some(state) if doc.state_is_empty() && is_symlink(&self.state_path) => {
                    // A state file shared through a link: removing the link would leave the
                    // shared file's order in force. Empty the file it points to instead; the
                    // gateway reads an empty document exactly as no file.
                    fsx::write_atomic(&self.state_path, &to_gateway_json(state))?;
                }
                Some(_) if doc.state_is_empty() => {
                    // The gateway deletes an empty auth-state.json.
                    if let Err(e) = std::fs::remove_file(&self.state_path) {
                        if e.kind() != std::io::ErrorKind::NotFound {
                            return Err(crate::Error::io("remove", &self.state_path, e));
                        }
                    }
                }
                Some(state) => fsx::write_atomic(&self.state_path, &to_gateway_json(state))?,
                None => {}
            }
            written = Written::Changed;
        }
        Ok((out, written))
    }
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store(gen: Generation) -> (tempfile::TempDir, JsonStore) {
        let d = tempfile::tempdir().unwrap();
        let s = JsonStore::new(gen, &d.path().join("agents/main/agent"), None);
        (d, s)
    }

    #[test]
    fn update_keeps_unknown_fields_and_skips_no_op_writes() {
        let (_d, s) = store(Generation::Clawdbot);
        fsx::ensure_dir(s.profiles_path.parent().unwrap()).unwrap();
        let original = "{\"version\":1,\"profiles\":{\"x:y\":{\"type\":\"api_key\",\"provider\":\"x\",\"key\":\"k\",\"mine\":true}},\"custom\":{\"a\":1}}";
        std::fs::write(&s.profiles_path, original).unwrap();
        let (_, w) = s.update(|_| Ok(())).unwrap();
        assert_eq!(w, Written::Unchanged);
        assert_eq!(std::fs::read_to_string(&s.profiles_path).unwrap(), original);
        let (_, w) = s
            .update(|d| {
                let v = json!({"type":"token","provider":"anthropic","token":"t"});
                d.set_raw_profile("anthropic:m", v.as_object().unwrap().clone());
                Ok(())
            })
            .unwrap();
        assert_eq!(w, Written::Changed);
        let back: serde_json::Value = serde_json::from_slice(&std::fs::read(&s.profiles_path).unwrap()).unwrap();
        assert_eq!(back["custom"]["a"], 1);
        assert_eq!(back["profiles"]["x:y"]["mine"], true);
        assert_eq!(back["profiles"]["anthropic:m"]["token"], "t");
        assert_eq!(fsx::mode_of(&s.profiles_path), Some(0o600));
        assert!(!lock::lock_path_for(&s.profiles_path).exists());
    }

    #[test]
    fn malformed_store_is_never_overwritten() {
        let (_d, s) = store(Generation::OpenclawJson);
        fsx::ensure_dir(s.profiles_path.parent().unwrap()).unwrap();
        std::fs::write(&s.profiles_path, "{\"profiles\":{},}").unwrap();
        let err = s.update(|d| {
            d.set_order("anthropic", Some(vec![]), true);
            Ok(())
        });
        assert!(matches!(err, Err(crate::Error::StoreParse { .. })));
        assert_eq!(std::fs::read_to_string(&s.profiles_path).unwrap(), "{\"profiles\":{},}");
        assert!(!s.state_path.exists());
        assert!(!lock::lock_path_for(&s.profiles_path).exists());
    }

    #[test]
    fn order_goes_to_the_state_file_and_it_is_deleted_when_empty() {
        let (_d, s) = store(Generation::OpenclawJson);
        s.update(|d| {
            d.set_order("anthropic", Some(vec!["anthropic:a".into()]), s.order_in_state_file);
            Ok(())
        })
        .unwrap();
        let state: serde_json::Value = serde_json::from_slice(&std::fs::read(&s.state_path).unwrap()).unwrap();
        assert_eq!(state, json!({"version":1,"order":{"anthropic":["anthropic:a"]}}));
        assert!(s.profiles_path.exists());
        s.update(|d| {
            d.set_order("anthropic", None, true);
            Ok(())
        })
        .unwrap();
        assert!(!s.state_path.exists());
    }

    #[test]
    fn clearing_the_last_order_through_a_linked_state_file_empties_its_target() {
        let (d, s) = store(Generation::OpenclawJson);
        let shared = d.path().join("shared-auth-state.json");
        std::fs::write(&shared, r#"{"version":1,"order":{"anthropic":["anthropic:a"]}}"#).unwrap();
        std::fs::create_dir_all(s.state_path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&shared, &s.state_path).unwrap();
        s.update(|doc| {
            doc.set_order("anthropic", None, true);
            Ok(())
        })
        .unwrap();
        assert!(std::fs::symlink_metadata(&s.state_path).unwrap().file_type().is_symlink(), "the link was removed");
        let state: serde_json::Value = serde_json::from_slice(&std::fs::read(&shared).unwrap()).unwrap();
        assert_eq!(state, json!({"version": 1}), "the shared order is still in force");
        assert!(s.read().unwrap().order().is_empty());
    }
}
