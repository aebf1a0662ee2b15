//! Claude Code's login: where it lives (credentials file, macOS Keychain item), read-only.
//!
//! authtray never writes Claude Code's storage and never refreshes its token: a refresh would
//! rotate the refresh token and log Claude Code out (`claude-code-credentials.md` §6).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::clock::{Millis, SECONDS_SUSPECT_BELOW};
use crate::env::Env;
use crate::token::Secret;

/// The Keychain service name for the default config dir.
pub(crate) const KEYCHAIN_SERVICE: &str = "Claude Code-credentials";
/// The OAuth scope without which Claude Code's login cannot make model calls.
pub(crate) const INFERENCE_SCOPE: &str = "user:inference";
/// How long `security` may take before the Keychain counts as unreadable.
pub(crate) const SECURITY_TIMEOUT: Duration = Duration::from_secs(5);
/// The `security` exit status for "item not found".
pub(crate) const SECURITY_NOT_FOUND: i32 = 44;

/// Where a login was (or would be) read from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LoginSource {
    /// `<dir>/.credentials.json`.
    File {
        /// The file.
        path: PathBuf,
    },
    /// A macOS Keychain generic-password item, read through `security`.
    Keychain {
        /// The item's service.
        service: String,
        /// The item's account.
        account: String,
    },
}

impl LoginSource {
    /// A one-line description for people.
    pub(crate) fn describe(&self) -> String {
        match self {
            LoginSource::File { path } => path.display().to_string(),
            LoginSource::Keychain { service, account } => format!("Keychain item \"{service}\" (account {account})"),
        }
    }
}

/// A usable Claude Code login.
#[derive(Debug, Clone)]
pub struct Login {
    /// Where it came from.
    pub source: LoginSource,
    /// `claudeAiOauth.accessToken`.
    pub access_token: Secret,
    /// `claudeAiOauth.refreshToken`, when present (never copied into openclaw stores).
    pub refresh_token: Option<Secret>,
    /// `claudeAiOauth.expiresAt` in ms.
    pub expires_at: Millis,
    /// `subscriptionType` (informational).
    pub subscription_type: Option<String>,
    /// `rateLimitTier` (`default_claude_max_20x` …), informational.
    pub rate_limit_tier: Option<String>,
    /// When the source last changed (file mtime), if known.
    pub modified_at: Option<Millis>,
}

/// What reading Claude Code's login found.
#[derive(Debug, Clone)]
pub enum LoginState {
    /// A usable login (possibly expired: see [`Login::expires_at`]).
    Ready(Login),
    /// No login anywhere we looked.
    Missing {
        /// What was tried, for the message.
        tried: Vec<String>,
    },
    /// A credentials file or item exists but is not a usable login.
    Malformed {
        /// Where.
        source: LoginSource,
        /// What is wrong (never quoting secrets).
        reason: String,
    },
    /// The Keychain item exists but could not be read (locked, denied, timed out).
    Unreadable {
        /// Where.
        source: LoginSource,
        /// What happened.
        reason: String,
    },
    /// Claude Code is configured to use something else than its stored login.
    Overridden {
        /// The setting responsible.
        by: String,
    },
}

impl LoginState {
    /// The login, when ready.
    pub(crate) fn login(&self) -> Option<&Login> {
        match self {
            LoginState::Ready(l) => Some(l),
            _ => None,
        }
    }

    /// A sentence for people when there is no usable login.
    pub(crate) fn problem(&self) -> Option<String> {
        match self {
            LoginState::Ready(_) => None,
            LoginState::Missing { tried } => {
                Some(format!("Claude Code is not logged in (looked at {}); run `claude` and log in", tried.join(", ")))
            }
            LoginState::Malformed { source, reason } => {
                Some(format!("{} is not a usable login: {reason}; run `claude` to log in again", source.describe()))
            }
            LoginState::Unreadable { source, reason } => Some(format!("{} could not be read: {reason}", source.describe())),
            LoginState::Overridden { by } => Some(format!("Claude Code is set to use {by} instead of its stored login; nothing to mirror")),
        }
    }
}

/// How to look for the login.
#[derive(Debug, Clone, Default)]
pub struct LoginLocator {
    /// Claude Code's config dir (`--claude-dir`, else from the environment).
    pub dir: PathBuf,
    /// The Keychain item to try first, when the Keychain is used on this system.
    pub keychain: Option<(String, String)>,
    /// The `security` program.
    pub security: Option<PathBuf>,
}

impl LoginLocator {
    /// Resolves the locations as Claude Code does. `claude_dir` (`--claude-dir`) overrides.
    pub fn new(env: &Env, claude_dir: Option<&Path>) -> LoginLocator {
        let (dir, hashed_dir) = match claude_dir {
            Some(d) => (env.expand(&d.to_string_lossy()), Some(d.to_string_lossy().into_owned())),
            None => resolve_dir(env),
        };
        let use_keychain = cfg!(target_os = "macos") || env.get("AUTHTRAY_KEYCHAIN").is_some_and(|v| v == "1" || v == "on");
        let security = use_keychain.then(|| security_program(env)).flatten();
        let keychain = security.as_ref().map(|_| (keychain_service(hashed_dir.as_deref()), keychain_account(env.user())));
        LoginLocator { dir, keychain, security }
    }

    /// The credentials file.
    pub fn file(&self) -> PathBuf {
        self.dir.join(".credentials.json")
    }

    /// A fingerprint of the Keychain item's attributes (its modification date, `mdat`), read
    /// without the secret, so a poll can tell whether the login changed before reading it.
    /// `None` when the Keychain is not used or the item is absent.
    pub(crate) fn keychain_stamp(&self) -> Option<String> {
        let (program, (service, account)) = (self.security.as_ref()?, self.keychain.as_ref()?);
        let mut cmd = Command::new(program);
        cmd.args(["find-generic-password", "-a", account, "-s", service]);
        let out = crate::process::run(cmd, None, SECURITY_TIMEOUT).ok()?;
        if out.code != Some(0) {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        // Attribute lines only: never anything after a `password:` line, should one appear.
        let stamp = text
            .lines()
            .take_while(|l| !l.trim_start().starts_with("password:"))
            .find(|l| l.contains("\"mdat\""))
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| crate::digest::sha256_hex(text.split("password:").next().unwrap_or("").as_bytes()));
        Some(stamp)
    }

    /// Reads the login: the Keychain item first (when used), then the file. Never writes.
    pub fn read(&self) -> LoginState {
        let mut tried = Vec::new();
        if let (Some(program), Some((service, account))) = (&self.security, &self.keychain) {
            let source = LoginSource::Keychain { service: service.clone(), account: account.clone() };
            match read_keychain(program, service, account) {
                KeychainRead::Found(text) => {
                    return match parse_credentials(&text) {
                        Ok(login) => LoginState::Ready(Login { source, modified_at: None, ..login }),
                        Err(reason) => LoginState::Malformed { source, reason },
                    }
                }
                KeychainRead::NotFound => tried.push(source.describe()),
                KeychainRead::Failed(reason) => return LoginState::Unreadable { source, reason },
            }
        }
        if let Some(by) = settings_override(&self.dir) {
            return LoginState::Overridden { by };
        }
        let path = self.file();
        let source = LoginSource::File { path: path.clone() };
        let mut last_err = String::new();
        for attempt in 0..3 {
            match crate::fsx::read_optional(&path) {
                Ok(Some(bytes)) => {
                    match std::str::from_utf8(&bytes).map_err(|_| "it is not UTF-8 text".to_string()).and_then(parse_credentials) {
                        Ok(login) => {
                            let modified_at = std::fs::metadata(&path)
                                .and_then(|m| m.modified())
                                .ok()
                                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                                .map(|d| d.as_millis() as Millis);
                            return LoginState::Ready(Login { source, modified_at, ..login });
                        }
                        Err(e) => last_err = e,
                    }
                }
                Ok(None) => {
                    tried.push(path.display().to_string());
                    return LoginState::Missing { tried };
                }
                Err(crate::Error::StoreParse { reason, .. }) => last_err = reason,
                Err(e) => last_err = e.to_string(),
            }
            // A non-atomic writer may be mid-write: a parse error is not "logged out".
            if attempt < 2 {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        LoginState::Malformed { source, reason: last_err }
    }
}

/// `CLAUDE_SECURESTORAGE_CONFIG_DIR` (set but empty → `~/.claude`), else `CLAUDE_CONFIG_DIR`,
/// else `~/.claude`. Returns the dir and the string its Keychain service is hashed from.
fn resolve_dir(env: &Env) -> (PathBuf, Option<String>) {
    if env.is_set("CLAUDE_SECURESTORAGE_CONFIG_DIR") {
        return match env.get("CLAUDE_SECURESTORAGE_CONFIG_DIR") {
            Some(d) => (absolute(env.expand(d)), Some(d.to_string())),
            None => (env.home().join(".claude"), None),
        };
    }
    match env.get("CLAUDE_CONFIG_DIR") {
        Some(d) => (absolute(env.expand(d)), Some(d.to_string())),
        None => (env.home().join(".claude"), None),
    }
}

fn absolute(p: PathBuf) -> PathBuf {
    if p.is_absolute() {
        p
    } else {
        std::env::current_dir().map(|c| c.join(&p)).unwrap_or(p)
    }
}

/// `Claude Code-credentials`, or with `-<first 8 hex of sha256(NFC(dir))>` for a custom dir.
pub fn keychain_service(custom_dir: Option<&str>) -> String {
    match custom_dir {
        None => KEYCHAIN_SERVICE.to_string(),
        Some(dir) => {
            let nfc: String = dir.nfc().collect();
            format!("{KEYCHAIN_SERVICE}-{}", crate::digest::short_sha256_hex(nfc.as_bytes()))
        }
    }
}

/// The account Claude Code files its item under: the login name when simple, else a fixed one.
pub(crate) fn keychain_account(user: Option<&str>) -> String {
    match user {
        Some(u) if !u.is_empty() && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) => u.to_string(),
        _ => "claude-code-user".to_string(),
    }
}

fn security_program(env: &Env) -> Option<PathBuf> {
    let system = PathBuf::from("/usr/bin/security");
    if system.exists() {
        Some(system)
    } else {
        env.which("security")
    }
}

enum KeychainRead {
    Found(String),
    NotFound,
    Failed(String),
}

fn read_keychain(program: &Path, service: &str, account: &str) -> KeychainRead {
    let mut cmd = Command::new(program);
    cmd.args(["find-generic-password", "-a", account, "-s", service, "-w"]);
    match crate::process::run(cmd, None, SECURITY_TIMEOUT) {
        Ok(out) if out.code == Some(0) => KeychainRead::Found(decode_security_output(&String::from_utf8_lossy(&out.stdout))),
        Ok(out) if out.code == Some(SECURITY_NOT_FOUND) => KeychainRead::NotFound,
        Ok(out) => {
            let msg = String::from_utf8_lossy(&out.stderr).trim().chars().take(200).collect::<String>();
            KeychainRead::Failed(format!(
                "security exited with {} ({}); the Keychain may be locked or access was denied. Unlock it (or log in on the Mac's desktop) and try again",
                out.code.map_or("a signal".into(), |c| c.to_string()),
                if msg.is_empty() { "no message".into() } else { msg }
            ))
        }
        Err(e) => KeychainRead::Failed(e.to_string()),
    }
}

/// Decodes `security -w` output: macOS 26 prints the password as hex when any byte is not
/// printable ASCII. Hex that decodes to text starting with `{` is decoded; anything else is
/// used as printed.
pub(crate) fn decode_security_output(raw: &str) -> String {
    let t = raw.trim();
    if t.len() >= 2 && t.len().is_multiple_of(2) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        let bytes: Option<Vec<u8>> = (0..t.len()).step_by(2).map(|i| u8::from_str_radix(&t[i..i + 2], 16).ok()).collect();
        if let Some(text) = bytes.and_then(|b| String::from_utf8(b).ok()) {
            if text.trim_start().starts_with('{') {
                return text;
            }
        }
    }
    t.to_string()
}

/// Parses a credentials blob. Errors describe the problem without quoting secrets.
pub(crate) fn parse_credentials(text: &str) -> Result<Login, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err("the file is empty".into());
    }
    let v: Value = serde_json::from_str(text).map_err(|e| format!("it is not valid JSON ({e})"))?;
    let o = v.get("claudeAiOauth").ok_or("it has no claudeAiOauth login (only other data, such as MCP logins)")?;
    let o = o.as_object().ok_or("claudeAiOauth is not an object")?;
    let access = o
        .get("accessToken")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or("claudeAiOauth.accessToken is missing or empty")?;
    let expires = o.get("expiresAt").and_then(Value::as_f64).ok_or("claudeAiOauth.expiresAt is missing or not a number")?;
    if !(expires.is_finite() && expires > 0.0) {
        return Err("claudeAiOauth.expiresAt is not a positive number".into());
    }
    let expires_at = expires as Millis;
    if expires_at < SECONDS_SUSPECT_BELOW {
        return Err("claudeAiOauth.expiresAt looks like seconds, not milliseconds".into());
    }
    // Claude Code itself counts a login without the inference scope as logged out
    // (`claude auth status` 2.1.332 says `loggedIn: false`): its token cannot make model calls.
    let scopes =
        o.get("scopes").and_then(Value::as_array).ok_or("claudeAiOauth.scopes is missing; Claude Code treats this as logged out")?;
    if !scopes.iter().any(|s| s.as_str() == Some(INFERENCE_SCOPE)) {
        return Err(format!(
            "the login lacks the {INFERENCE_SCOPE} scope, so it cannot make model calls; Claude Code treats it as logged out"
        ));
    }
    let refresh = o.get("refreshToken").and_then(Value::as_str).filter(|s| !s.trim().is_empty());
    Ok(Login {
        source: LoginSource::File { path: PathBuf::new() },
        access_token: Secret::new(access.trim()),
        refresh_token: refresh.map(|r| Secret::new(r.trim())),
        expires_at,
        subscription_type: o.get("subscriptionType").and_then(Value::as_str).map(str::to_string),
        rate_limit_tier: o.get("rateLimitTier").and_then(Value::as_str).map(str::to_string),
        modified_at: None,
    })
}

/// `settings.json` settings that make Claude Code ignore its stored login.
fn settings_override(dir: &Path) -> Option<String> {
    // Not a plain read: a FIFO or a huge file here must not hang or swamp us.
    let bytes = crate::fsx::read_optional(&dir.join("settings.json")).ok()??;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    if v.get("apiKeyHelper").is_some_and(|h| !h.is_null()) {
        return Some("an apiKeyHelper in settings.json".into());
    }
    let env = v.get("env")?.as_object()?;
    const VARS: [&str; 6] = [
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "CLAUDE_CODE_OAUTH_TOKEN",
        "CLAUDE_CODE_USE_BEDROCK",
        "CLAUDE_CODE_USE_VERTEX",
        "CLAUDE_CODE_USE_FOUNDRY",
    ];
    VARS.iter().find(|k| env.get(**k).is_some_and(|v| !v.is_null() && v != "")).map(|k| format!("{k} in settings.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-AAAA","refreshToken":"sk-ant-ort01-RRRR","expiresAt":1795329434237,"scopes":["user:inference"],"subscriptionType":"max"},"mcpOAuth":{}}"#;

    #[test]
    fn parses_the_documented_schema() {
        let l = parse_credentials(GOOD).unwrap();
        assert_eq!(l.expires_at, 1795329434237);
        assert_eq!(l.access_token.expose(), "sk-ant-oat01-AAAA");
        assert!(l.refresh_token.is_some());
        assert_eq!(l.subscription_type.as_deref(), Some("max"));
    }

    #[test]
    fn rejects_unusable_blobs_without_quoting_them() {
        for (blob, needle) in [
            ("", "empty"),
            ("{", "not valid JSON"),
            (r#"{"mcpOAuth":{}}"#, "no claudeAiOauth"),
            (r#"{"claudeAiOauth":{"accessToken":"","expiresAt":1795329434237}}"#, "accessToken"),
            (r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-SECRET","expiresAt":"soon"}}"#, "expiresAt"),
            (r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-SECRET","expiresAt":1795329434}}"#, "seconds"),
        ] {
            let e = parse_credentials(blob).err().unwrap();
            assert!(e.contains(needle), "{blob}: {e}");
            assert!(!e.contains("SECRET"));
        }
    }

    #[test]
    fn decodes_hex_output_of_macos_26() {
        let hex: String = GOOD.bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode_security_output(&format!("{hex}\n")), GOOD);
        assert_eq!(decode_security_output("{\"a\":1}\n"), "{\"a\":1}");
        assert_eq!(decode_security_output("deadbeef"), "deadbeef");
    }

    #[test]
    fn keychain_names() {
        assert_eq!(keychain_service(None), "Claude Code-credentials");
        let s = keychain_service(Some("/Users/a/.claude-work"));
        assert!(s.starts_with("Claude Code-credentials-") && s.len() == KEYCHAIN_SERVICE.len() + 9, "{s}");
        assert_eq!(keychain_account(Some("alice")), "alice");
        assert_eq!(keychain_account(Some("al ice")), "claude-code-user");
        assert_eq!(keychain_account(None), "claude-code-user");
    }

    #[test]
    fn reads_the_file_and_reports_missing_and_malformed() {
        let d = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", d.path().to_string_lossy().into_owned())]);
        let loc = LoginLocator::new(&env, None);
        assert_eq!(loc.file(), d.path().join(".claude/.credentials.json"));
        assert!(matches!(loc.read(), LoginState::Missing { .. }));
        std::fs::create_dir_all(d.path().join(".claude")).unwrap();
        std::fs::write(loc.file(), "{oops").unwrap();
        assert!(matches!(loc.read(), LoginState::Malformed { .. }));
        std::fs::write(loc.file(), GOOD).unwrap();
        assert!(matches!(loc.read(), LoginState::Ready(Login { source: LoginSource::File { .. }, .. })));
        std::fs::write(d.path().join(".claude/settings.json"), r#"{"env":{"ANTHROPIC_API_KEY":"x"}}"#).unwrap();
        assert!(matches!(loc.read(), LoginState::Overridden { .. }));
    }

    #[test]
    fn claude_config_dir_moves_the_file() {
        let env = Env::from_pairs([("HOME", "/h"), ("CLAUDE_CONFIG_DIR", "/c")]);
        assert_eq!(LoginLocator::new(&env, None).file(), PathBuf::from("/c/.credentials.json"));
        let env = Env::from_pairs([("HOME", "/h"), ("CLAUDE_CONFIG_DIR", "/c"), ("CLAUDE_SECURESTORAGE_CONFIG_DIR", "")]);
        assert_eq!(LoginLocator::new(&env, None).file(), PathBuf::from("/h/.claude/.credentials.json"));
    }
}
