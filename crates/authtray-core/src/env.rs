//! A snapshot of the environment variables and home directory that decide where things are.
//!
//! Discovery and the Claude Code reader take an [`Env`] instead of reading the process
//! environment, so tests can describe any machine without touching the real one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The variables authtray consults. Others are never read.
pub(crate) const RELEVANT_VARS: &[&str] = &[
    "HOME",
    "USER",
    "LOGNAME",
    "PATH",
    "OPENCLAW_HOME",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_AGENT_DIR",
    "CLAWDBOT_STATE_DIR",
    "CLAWDBOT_CONFIG_PATH",
    "CLAWDBOT_AGENT_DIR",
    "MOLTBOT_STATE_DIR",
    "MOLTBOT_CONFIG_PATH",
    "PI_CODING_AGENT_DIR",
    "CLAUDE_CONFIG_DIR",
    "CLAUDE_SECURESTORAGE_CONFIG_DIR",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_OAUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "OPENAI_API_KEY",
    "OPENROUTER_API_KEY",
    "OPENCLAW_GATEWAY_TOKEN",
    "OPENCLAW_GATEWAY_PASSWORD",
    "OPENCLAW_GATEWAY_PORT",
    "CLAWDBOT_GATEWAY_TOKEN",
    "CLAWDBOT_GATEWAY_PASSWORD",
    "AUTHTRAY_KEYCHAIN",
    "AUTHTRAY_LOCK_TIMEOUT",
    "AUTHTRAY_GATEWAY_CLI",
    "AUTHTRAY_SQLITE_WRITER",
    "AUTHTRAY_CONFIG_DIR",
    "AUTHTRAY_DATA_DIR",
    "AUTHTRAY_SSH",
    "AUTHTRAY_SSH_CONFIG",
    "AUTHTRAY_DOCKER",
    "AUTHTRAY_KUBECTL",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
];

/// Environment variables and home directory, captured once.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// Captures the relevant variables of this process.
    pub fn from_process() -> Env {
        let vars = RELEVANT_VARS.iter().filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v))).collect();
        Env { vars }
    }

    /// An environment made of the given pairs (for tests and embedding).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Env {
        Env { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// A variable's value when set and not empty.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    /// Whether a variable is present at all, even empty.
    pub(crate) fn is_set(&self, key: &str) -> bool {
        self.vars.contains_key(key)
    }

    /// The user's home directory: `HOME`, else the password database.
    pub(crate) fn home(&self) -> PathBuf {
        if let Some(h) = self.get("HOME") {
            return PathBuf::from(h);
        }
        home_from_passwd().unwrap_or_else(|| PathBuf::from("/"))
    }

    /// Expands a leading `~` the way the gateway does for path overrides.
    pub(crate) fn expand(&self, raw: &str) -> PathBuf {
        let raw = raw.trim();
        if raw == "~" {
            return self.home();
        }
        if let Some(rest) = raw.strip_prefix("~/") {
            return self.home().join(rest);
        }
        PathBuf::from(raw)
    }

    /// A path from a variable, `~`-expanded, when set and not empty.
    pub(crate) fn path(&self, key: &str) -> Option<PathBuf> {
        self.get(key).map(|v| self.expand(v))
    }

    /// Finds an executable named `name` on this environment's `PATH`.
    pub(crate) fn which(&self, name: &str) -> Option<PathBuf> {
        let path = self.get("PATH")?;
        std::env::split_paths(path).map(|d| d.join(name)).find(|p| is_executable(p))
    }

    /// The login name (`USER`, else `LOGNAME`).
    pub(crate) fn user(&self) -> Option<&str> {
        self.get("USER").or_else(|| self.get("LOGNAME"))
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

fn home_from_passwd() -> Option<PathBuf> {
    // getpwuid_r is the thread-safe form; a 16 KiB buffer is plenty for one entry.
    let mut buf = vec![0u8; 16 * 1024];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe { libc::getpwuid_r(libc::geteuid(), &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_dir.is_null() {
        return None;
    }
    let dir = unsafe { std::ffi::CStr::from_ptr(pwd.pw_dir) };
    use std::os::unix::ffi::OsStrExt;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(dir.to_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_tilde_and_ignores_empty_values() {
        let env = Env::from_pairs([("HOME", "/h"), ("OPENCLAW_STATE_DIR", "~/state"), ("EMPTY", "")]);
        assert_eq!(env.path("OPENCLAW_STATE_DIR"), Some(PathBuf::from("/h/state")));
        assert_eq!(env.get("EMPTY"), None);
        assert!(env.is_set("EMPTY"));
        assert_eq!(env.expand("~"), PathBuf::from("/h"));
        assert_eq!(env.expand("/abs"), PathBuf::from("/abs"));
    }
}
