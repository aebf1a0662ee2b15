//! Where authtray keeps its own files: settings (config dir) and alert state (data dir).
//!
//! The CLI's `watch`, `serve` and the tray app resolve the same directories, so a lead time set
//! in the app applies to a headless `authtray watch` too.

use std::path::PathBuf;

use crate::env::Env;

/// `AUTHTRAY_CONFIG_DIR`, else `~/Library/Application Support/authtray` on macOS, else
/// `$XDG_CONFIG_HOME/authtray` (default `~/.config/authtray`).
pub(crate) fn config_dir(env: &Env) -> PathBuf {
    if let Some(d) = env.path("AUTHTRAY_CONFIG_DIR") {
        return d;
    }
    if cfg!(target_os = "macos") {
        return env.home().join("Library/Application Support/authtray");
    }
    env.path("XDG_CONFIG_HOME").unwrap_or_else(|| env.home().join(".config")).join("authtray")
}

/// `AUTHTRAY_DATA_DIR`, else the config dir on macOS, else `$XDG_DATA_HOME/authtray`
/// (default `~/.local/share/authtray`).
pub(crate) fn data_dir(env: &Env) -> PathBuf {
    if let Some(d) = env.path("AUTHTRAY_DATA_DIR") {
        return d;
    }
    if cfg!(target_os = "macos") {
        return config_dir(env);
    }
    env.path("XDG_DATA_HOME").unwrap_or_else(|| env.home().join(".local/share")).join("authtray")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_and_xdg_is_honoured() {
        let env = Env::from_pairs([("HOME", "/h"), ("XDG_CONFIG_HOME", "/x")]);
        if !cfg!(target_os = "macos") {
            assert_eq!(config_dir(&env), PathBuf::from("/x/authtray"));
            assert_eq!(data_dir(&env), PathBuf::from("/h/.local/share/authtray"));
        }
        let env = Env::from_pairs([("HOME", "/h"), ("AUTHTRAY_CONFIG_DIR", "~/c"), ("AUTHTRAY_DATA_DIR", "/d")]);
        assert_eq!(config_dir(&env), PathBuf::from("/h/c"));
        assert_eq!(data_dir(&env), PathBuf::from("/d"));
    }
}
