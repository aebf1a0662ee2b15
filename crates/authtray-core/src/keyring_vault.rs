//! Undo's saved credential in the OS keyring (macOS Keychain, Secret Service, Windows
//! Credential Manager), under authtray's own item, never Claude Code's.

use std::path::Path;

use crate::error::{Error, Result};
use crate::vault::{decode, encode, SavedCredential, Vault};

const SERVICE: &str = "authtray";

/// The keyring-backed vault: one entry per gateway state directory, so two installs (or two
/// users of one keyring) never undo each other's pastes.
pub struct KeyringVault {
    account: String,
}

impl KeyringVault {
    /// The vault for the gateway install in `state_dir`.
    pub fn for_state_dir(state_dir: &Path) -> KeyringVault {
        KeyringVault { account: account_for(state_dir) }
    }

    fn entry(&self) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, &self.account).map_err(|e| Error::Vault(e.to_string()))
    }
}

fn account_for(state_dir: &Path) -> String {
    format!("undo-last-paste:{}", state_dir.display())
}

impl Vault for KeyringVault {
    fn put(&self, saved: &SavedCredential) -> Result<()> {
        self.entry()?.set_password(&encode(saved)?).map_err(|e| Error::Vault(e.to_string()))
    }

    fn get(&self) -> Result<Option<SavedCredential>> {
        match self.entry()?.get_password() {
            Ok(text) => decode(&text).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::Vault(e.to_string())),
        }
    }

    fn clear(&self) -> Result<()> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::Vault(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_install_has_its_own_entry() {
        assert_eq!(account_for(Path::new("/home/a/.openclaw")), "undo-last-paste:/home/a/.openclaw");
        assert_ne!(account_for(Path::new("/home/a/.openclaw")), account_for(Path::new("/home/a/.clawdbot")));
    }
}
