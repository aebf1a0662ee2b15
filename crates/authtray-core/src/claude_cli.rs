//! The Claude CLI route: the gateway runs Claude Code, and Claude Code uses its own login.
//! What that route needs on the gateway's host is the `claude` executable on the gateway's
//! `PATH` and a login Claude Code accepts; this module reads both (read-only, like
//! [`crate::claude`]) and says who the login belongs to.
//!
//! "Logged in" follows Claude Code's own `claude auth status --json` (2.1.332, checked by the
//! oracle tests): a stored OAuth login with the inference scope, or an API key Claude Code is
//! told to use (`apiKeyHelper` or an `env` key in its `settings.json`). Claude Code renews its
//! access token itself; authtray never does.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::claude::LoginState;
use crate::clock::Millis;
use crate::env::Env;

/// The systemd user unit the gateway installs (`openclaw gateway install`).
pub(crate) const GATEWAY_UNIT: &str = "openclaw-gateway.service";
/// The launchd agent the gateway installs on macOS.
pub(crate) const GATEWAY_AGENT: &str = "ai.openclaw.gateway.plist";

/// How Claude Code would authenticate, in the words of `claude auth status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    /// A Claude subscription login (`claude.ai`).
    Subscription,
    /// An API key Claude Code's settings point it at (`apiKeyHelper`, `ANTHROPIC_API_KEY`).
    ApiKey,
    /// Not logged in.
    None,
}

/// Claude Code's login as the Claude CLI route sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeLogin {
    /// What `claude auth status` would say of `loggedIn`.
    pub logged_in: bool,
    /// How.
    pub method: AuthMethod,
    /// `max`, `pro`, `team` …
    pub subscription_type: Option<String>,
    /// `default_claude_max_20x` …
    pub rate_limit_tier: Option<String>,
    /// The account's email, from Claude Code's `.claude.json`, when it keeps one.
    pub email: Option<String>,
    /// When the current access token runs out (Claude Code renews it itself).
    pub expires_at: Option<Millis>,
    /// Whether Claude Code can renew it (it holds a refresh token).
    pub renews: bool,
    /// When Claude Code last wrote its login (its last renewal), when known.
    pub renewed_at: Option<Millis>,
}

impl NativeLogin {
    /// No login.
    pub(crate) fn logged_out() -> NativeLogin {
        NativeLogin {
            logged_in: false,
            method: AuthMethod::None,
            subscription_type: None,
            rate_limit_tier: None,
            email: None,
            expires_at: None,
            renews: false,
            renewed_at: None,
        }
    }

    /// Reads what Claude Code would use, from authtray's reading of its login.
    pub(crate) fn from_state(state: &LoginState, claude_dir: &Path, env: &Env) -> NativeLogin {
        let mut out = NativeLogin::logged_out();
        match state {
            LoginState::Ready(l) => {
                out.logged_in = true;
                out.method = AuthMethod::Subscription;
                out.subscription_type = l.subscription_type.clone();
                out.rate_limit_tier = l.rate_limit_tier.clone();
                out.expires_at = Some(l.expires_at);
                out.renews = l.refresh_token.is_some();
                out.renewed_at = l.modified_at;
                out.email = account_email(claude_dir, env);
            }
            LoginState::Overridden { .. } => {
                out.logged_in = true;
                out.method = AuthMethod::ApiKey;
            }
            LoginState::Missing { .. } | LoginState::Malformed { .. } | LoginState::Unreadable { .. } => {}
        }
        out
    }

    /// Whether a model call through Claude Code would find a credential at `now`: an
    /// unexpired access token, one Claude Code renews itself, or an API key.
    pub(crate) fn usable(&self, now: Millis) -> bool {
        self.logged_in && (self.method == AuthMethod::ApiKey || self.renews || self.expires_at.is_some_and(|e| e > now))
    }

    /// Who Claude Code is signed in as, for a sentence: "signed in to Claude Max as a@b.c",
    /// "on an API key set in Claude Code's settings".
    pub(crate) fn signed_in_as(&self) -> Option<String> {
        match self.method {
            AuthMethod::None => None,
            AuthMethod::ApiKey => Some("on an API key set in Claude Code's settings".into()),
            AuthMethod::Subscription => {
                let plan = self.subscription_type.as_deref().map(plan_name).unwrap_or_else(|| "a Claude subscription".into());
                Some(match &self.email {
                    Some(e) => format!("signed in to {plan} as {e}"),
                    None => format!("signed in to {plan}"),
                })
            }
        }
    }

    /// The account in plain words: "Claude Max, a@b.c", "an API key set in Claude Code's settings".
    pub(crate) fn account(&self) -> Option<String> {
        match self.method {
            AuthMethod::None => None,
            AuthMethod::ApiKey => Some("an API key set in Claude Code's settings".into()),
            AuthMethod::Subscription => {
                let plan = self.subscription_type.as_deref().map(plan_name).unwrap_or_else(|| "Claude subscription".into());
                Some(match &self.email {
                    Some(e) => format!("{plan}, {e}"),
                    None => plan,
                })
            }
        }
    }
}

/// "Claude Max", "Claude Pro", "Claude Team" from a `subscriptionType`.
fn plan_name(t: &str) -> String {
    let t = t.trim();
    let mut c = t.chars();
    match c.next() {
        Some(first) if t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            format!("Claude {}{}", first.to_ascii_uppercase(), c.as_str().replace('_', " "))
        }
        _ => "Claude subscription".into(),
    }
}

/// `oauthAccount.emailAddress` of Claude Code's `.claude.json`: in `CLAUDE_CONFIG_DIR` when
/// that is set, else in the home folder (measured with `claude auth status`).
pub(crate) fn account_email(claude_dir: &Path, env: &Env) -> Option<String> {
    let default_dir = env.home().join(".claude");
    let file = if claude_dir == default_dir { env.home().join(".claude.json") } else { claude_dir.join(".claude.json") };
    let bytes = crate::fsx::read_optional(&file).ok()??;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let email = v.pointer("/oauthAccount/emailAddress")?.as_str()?.trim();
    // Shown in a menu: one plain line, never anything long or with control characters.
    (!email.is_empty() && email.len() <= 254 && !email.chars().any(char::is_control)).then(|| email.to_string())
}

/// Where `claude` was looked for, and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Executable {
    /// The `claude` the gateway would run, when one was found.
    pub path: Option<PathBuf>,
    /// Whose `PATH` was searched, in words ("the gateway service's PATH (openclaw-gateway.service)").
    pub searched: String,
}

/// Finds `claude` as the gateway would: on the `PATH` its service unit or launchd agent sets,
/// else on this process's `PATH` (a gateway started from a shell inherits that).
pub(crate) fn find_executable(env: &Env) -> Executable {
    let (path, searched) = match service_path(env) {
        Some((p, file)) => (p, format!("the gateway service's PATH ({file})")),
        None => (env.get("PATH").unwrap_or_default().to_string(), "the PATH".to_string()),
    };
    let found = std::env::split_paths(&path).filter(|d| d.is_absolute()).map(|d| d.join("claude")).find(|p| is_executable(p));
    Executable { path: found, searched }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The `PATH` the gateway's service sets, and the file that sets it.
fn service_path(env: &Env) -> Option<(String, String)> {
    let home = env.home();
    let unit = env.path("XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config")).join("systemd/user").join(GATEWAY_UNIT);
    if let Some(text) = read_text(&unit) {
        if let Some(p) = systemd_path(&text) {
            return Some((p, GATEWAY_UNIT.to_string()));
        }
    }
    let plist = home.join("Library/LaunchAgents").join(GATEWAY_AGENT);
    let text = read_text(&plist)?;
    launchd_path(&text).map(|p| (p, GATEWAY_AGENT.to_string()))
}

fn read_text(p: &Path) -> Option<String> {
    let bytes = crate::fsx::read_optional(p).ok()??;
    String::from_utf8(bytes).ok()
}

/// The last `PATH=` of the unit's `Environment=` lines (systemd lets later ones win).
pub(crate) fn systemd_path(unit: &str) -> Option<String> {
    let mut found = None;
    for line in unit.lines() {
        let Some(rest) = line.trim().strip_prefix("Environment=") else { continue };
        for word in split_systemd_words(rest) {
            if let Some(v) = word.strip_prefix("PATH=") {
                found = Some(v.to_string());
            }
        }
    }
    found
}

/// `Environment=` assignments: space separated, each optionally double- or single-quoted.
fn split_systemd_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (_, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `EnvironmentVariables` → `PATH` of a launchd plist (XML form, as the gateway writes it).
pub(crate) fn launchd_path(plist: &str) -> Option<String> {
    let env = plist.split("<key>EnvironmentVariables</key>").nth(1)?;
    let dict = env.split("</dict>").next()?;
    let after = dict.split("<key>PATH</key>").nth(1)?;
    let value = after.trim_start().strip_prefix("<string>")?.split("</string>").next()?;
    Some(value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&"))
}

/// What `claude auth status --json` says, read from its output (a remote target's Claude Code).
pub(crate) fn parse_auth_status(text: &str) -> Option<NativeLogin> {
    let v: Value = serde_json::from_str(text.trim()).ok()?;
    let logged_in = v.get("loggedIn")?.as_bool()?;
    let method = match v.get("authMethod").and_then(Value::as_str) {
        _ if !logged_in => AuthMethod::None,
        Some("claude.ai") => AuthMethod::Subscription,
        _ => AuthMethod::ApiKey,
    };
    let text_of = |k: &str| v.get(k).and_then(Value::as_str).map(|s| s.chars().filter(|c| !c.is_control()).take(254).collect::<String>());
    Some(NativeLogin {
        logged_in,
        method,
        subscription_type: text_of("subscriptionType"),
        rate_limit_tier: text_of("planTier"),
        email: text_of("email").filter(|e| !e.is_empty()),
        expires_at: None,
        // Claude Code renews a subscription login itself; the far status does not say more.
        renews: method == AuthMethod::Subscription,
        renewed_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_units_path_is_the_last_path_assignment_quoted_or_not() {
        let unit = "[Service]\nEnvironment=HOME=/home/u\nEnvironment=\"PATH=/a b/bin:/usr/bin\" OPENCLAW_X=1\nExecStart=/x\n";
        assert_eq!(systemd_path(unit).as_deref(), Some("/a b/bin:/usr/bin"));
        assert_eq!(systemd_path("Environment=PATH=/one\nEnvironment=PATH=/two\n").as_deref(), Some("/two"));
        assert_eq!(systemd_path("[Service]\nExecStart=/x\n"), None);
    }

    #[test]
    fn the_agents_path_is_read_from_its_environment_dictionary() {
        let plist = "<dict><key>Label</key><string>ai.openclaw.gateway</string><key>EnvironmentVariables</key><dict><key>HOME</key><string>/Users/u</string><key>PATH</key><string>/opt/homebrew/bin:/usr/bin</string></dict></dict>";
        assert_eq!(launchd_path(plist).as_deref(), Some("/opt/homebrew/bin:/usr/bin"));
        assert_eq!(launchd_path("<dict><key>PATH</key><string>/x</string></dict>"), None, "only inside EnvironmentVariables");
    }

    #[test]
    fn claude_is_found_on_the_service_path_before_the_shells() {
        let home = tempfile::tempdir().unwrap();
        let (svc, shell) = (home.path().join("svc"), home.path().join("shell"));
        for d in [&svc, &shell] {
            std::fs::create_dir_all(d).unwrap();
        }
        let exe = shell.join("claude");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap()), ("PATH", shell.to_str().unwrap())]);
        let found = find_executable(&env);
        assert_eq!(found.path.as_deref(), Some(exe.as_path()));
        assert_eq!(found.searched, "the PATH");
        // The gateway's service sets a PATH without it: the gateway would not find it.
        let unit_dir = home.path().join(".config/systemd/user");
        std::fs::create_dir_all(&unit_dir).unwrap();
        std::fs::write(unit_dir.join(GATEWAY_UNIT), format!("[Service]\nEnvironment=PATH={}\n", svc.display())).unwrap();
        let found = find_executable(&env);
        assert_eq!(found.path, None);
        assert!(found.searched.contains(GATEWAY_UNIT), "{found:?}");
        // A file named claude that cannot run does not count.
        std::fs::write(svc.join("claude"), "x").unwrap();
        assert_eq!(find_executable(&env).path, None);
    }

    #[test]
    fn auth_status_output_is_read_and_hostile_text_is_tamed() {
        let ok = r#"{"loggedIn":true,"authMethod":"claude.ai","email":"a@b.c","subscriptionType":"max","planTier":"max_20x"}"#;
        let l = parse_auth_status(ok).unwrap();
        assert!(l.logged_in && l.method == AuthMethod::Subscription && l.renews);
        assert_eq!(l.account().as_deref(), Some("Claude Max, a@b.c"));
        let out = parse_auth_status(r#"{"loggedIn":false,"authMethod":"none"}"#).unwrap();
        assert!(!out.logged_in && out.account().is_none());
        let helper = parse_auth_status(r#"{"loggedIn":true,"authMethod":"api_key_helper"}"#).unwrap();
        assert_eq!(helper.method, AuthMethod::ApiKey);
        let hostile = parse_auth_status("{\"loggedIn\":true,\"authMethod\":\"claude.ai\",\"email\":\"x\\u001b[31m@y\"}").unwrap();
        assert_eq!(hostile.email.as_deref(), Some("x[31m@y"));
        assert!(parse_auth_status("not json").is_none());
    }

    #[test]
    fn plans_read_as_words() {
        assert_eq!(plan_name("max"), "Claude Max");
        assert_eq!(plan_name("team"), "Claude Team");
        assert_eq!(plan_name("<b>"), "Claude subscription");
    }
}
