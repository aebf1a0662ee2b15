//! Undo's saved credential in the OS keyring (macOS Keychain, Secret Service, Windows
//! Credential Manager), under authtray's own item, never Claude Code's.

use authtray_core::vault::{decode, encode, SavedCredential, Vault};
use authtray_core::{Error, Result};

const SERVICE: &str = "authtray";
const ACCOUNT: &str = "undo-last-paste";

/// The keyring-backed vault.
pub struct KeyringVault;

fn entry() -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, ACCOUNT).map_err(|e| Error::Vault(e.to_string()))
}

impl Vault for KeyringVault {
    fn put(&self, saved: &SavedCredential) -> Result<()> {
        entry()?.set_password(&encode(saved)?).map_err(|e| Error::Vault(e.to_string()))
    }

    fn get(&self) -> Result<Option<SavedCredential>> {
        match entry()?.get_password() {
            Ok(text) => decode(&text).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::Vault(e.to_string())),
        }
    }

    fn clear(&self) -> Result<()> {
        match entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::Vault(e.to_string())),
        }
    }
}
