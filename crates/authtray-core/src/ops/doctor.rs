//! `doctor`: look for everything that makes the gateway ignore, lose or refuse credentials,
//! and say how to fix each.

use std::path::Path;

use serde::Serialize;

use super::Context;
use crate::claude::LoginState;
use crate::clock::SECONDS_SUSPECT_BELOW;
use crate::fsx::mode_of;
use crate::gateway::json_store::{PROFILES_FILE, STATE_FILE};
use crate::gateway::store::{CredentialKind, Expires};
use crate::gateway::{Generation, Store};
use crate::health;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information.
    Info,
    /// Works, but likely not as intended.
    Warning,
    /// Broken: the gateway will fail or lose data.
    Error,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// How much it matters: errors make `doctor` exit 1.
    pub severity: Severity,
    /// A stable code for scripts.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: Option<String>,
}

/// The doctor report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    /// Generation (or `none`).
    pub generation: &'static str,
    /// How it was decided.
    pub generation_evidence: String,
    /// The gateway state directory that was examined.
    pub state_dir: std::path::PathBuf,
    /// The gateway config file read (it may not exist).
    pub config_path: std::path::PathBuf,
    /// Claude Code's credentials file.
    pub claude_credentials: std::path::PathBuf,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
}

impl DoctorReport {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Examines the install and the login.
pub fn doctor(ctx: &Context) -> DoctorReport {
    let install = &ctx.install;
    let mut findings = Vec::new();
    let mut add = |severity, code, message: String, fix: Option<String>| findings.push(Finding { severity, code, message, fix });

    match install.generation {
        None => add(
            Severity::Warning,
            "generation-unknown",
            format!("cannot tell which gateway generation owns {}: {}", install.state_dir.display(), install.evidence),
            Some("run the gateway once, or pass --generation".into()),
        ),
        Some(Generation::OpenclawSqlite) => {
            for agent in &install.agents {
                for name in [PROFILES_FILE, STATE_FILE] {
                    let p = agent.dir.join(name);
                    if p.exists() {
                        add(
                            Severity::Error,
                            "stray-json",
                            format!(
                                "{} exists in a SQLite-era install: the gateway refuses to load auth (AUTH_PROFILE_MIGRATION_REQUIRED)",
                                p.display()
                            ),
                            Some("run `openclaw doctor --fix` to import it, or move it out of the agent dir".into()),
                        );
                    }
                }
            }
        }
        Some(Generation::Clawdbot) => {}
        Some(Generation::OpenclawJson) => {
            // The installed gateway moved on to SQLite while these files are still the JSON
            // era's: the new gateway refuses the old config until its doctor migrates them.
            if let Some((cli, v)) = crate::gateway::discover::installed_openclaw(&ctx.env) {
                if v.generation() == Generation::OpenclawSqlite {
                    let written = install.version.as_ref().map(|w| format!(" (last written by {})", w.raw)).unwrap_or_default();
                    add(
                        Severity::Error,
                        "gateway-upgraded",
                        format!(
                            "{} is openclaw {}, which keeps auth in SQLite, but {}{written} still holds the JSON stores: the gateway refuses that config and has no credentials until it migrates them",
                            cli.display(),
                            v.raw,
                            install.state_dir.display()
                        ),
                        Some("run `openclaw doctor --fix`; authtray then mirrors Claude Code's login into the new store (run `authtray sync` if the tray is not running)".into()),
                    );
                }
            }
        }
    }
    if install.generation != Some(Generation::Clawdbot) {
        use crate::gateway::running::{verify, ListenerNotYours};
        match verify(install, &ctx.env) {
            Err(e @ ListenerNotYours::OtherUser { .. }) => {
                let fix = format!(
                    "find out what holds the port (lsof -nP -iTCP:{} -sTCP:LISTEN) and stop it: while it is there the gateway cannot listen, and the gateway's own clients may hand it their token",
                    e.port()
                );
                add(Severity::Error, "gateway-port-taken", e.to_string(), Some(fix));
            }
            Err(e @ ListenerNotYours::Unknown { .. }) => {
                let fix = format!("check that the gateway holds the port (lsof -nP -iTCP:{} -sTCP:LISTEN); until authtray can tell, restart the gateway after each change", e.port());
                add(Severity::Warning, "gateway-port-taken", e.to_string(), Some(fix));
            }
            Ok(gw) if gw.running && !gw.reachable => add(
                Severity::Warning,
                "gateway-unreachable",
                format!(
                    "a gateway runs on 127.0.0.1:{} but authtray cannot make it reload: {}; after each write it keeps serving the old credential until it restarts",
                    gw.port,
                    gw.problem.unwrap_or_default()
                ),
                Some("set OPENCLAW_GATEWAY_TOKEN to the gateway's token where authtray runs (or gateway.auth.token in the config)".into()),
            ),
            Ok(_) => {}
        }
    }
    if let Some(mode) = mode_of(&install.config.path).filter(|m| m & 0o077 != 0) {
        add(
            Severity::Warning,
            "loose-permissions",
            format!("{} is mode {mode:o}; the gateway keeps it 0600", install.config.path.display()),
            Some(format!("chmod 600 {}", install.config.path.display())),
        );
    }

    if let Some(generation) = install.generation {
        for agent in &install.agents {
            let Ok(store) = ctx.store(agent) else { continue };
            if let Some(m) = mode_of(&agent.dir).filter(|m| m & 0o077 != 0) {
                add(
                    Severity::Warning,
                    "loose-permissions",
                    format!("{} is mode {m:o}; it should be 0700", agent.dir.display()),
                    Some(format!("chmod 700 {}", agent.dir.display())),
                );
            }
            let files: Vec<&Path> = match &store {
                Store::Json(s) => vec![&s.profiles_path, &s.state_path],
                Store::Sqlite(s) => vec![&s.state_db, &s.agent_db],
            };
            for p in files {
                if let Some(m) = mode_of(p).filter(|m| m & 0o077 != 0) {
                    add(
                        Severity::Warning,
                        "loose-permissions",
                        format!("{} is mode {m:o}: other users can read the credentials", p.display()),
                        Some(format!("chmod 600 {}", p.display())),
                    );
                }
            }
            if let Store::Json(s) = &store {
                stale_lock(&s.profiles_path, &mut add);
            }
            let doc = match store.read() {
                Ok(d) => d,
                Err(e) => {
                    add(
                        Severity::Error,
                        "malformed-store",
                        e.to_string(),
                        Some("restore the file from a backup or fix the JSON; the gateway would silently treat it as empty".into()),
                    );
                    continue;
                }
            };
            for ig in doc.ignored_profiles() {
                add(
                    Severity::Warning,
                    "ignored-profile",
                    format!("agent {}: profile {} is ignored by the gateway: {}", agent.id, ig.id, ig.reason),
                    Some("fix or remove the entry".into()),
                );
            }
            for p in doc.profiles() {
                let h = health::assess(generation, &p, ctx.now, health::DEFAULT_WARN_MS);
                if p.credential.secret().is_none() {
                    let sev = if generation == Generation::Clawdbot { Severity::Error } else { Severity::Warning };
                    add(
                        sev,
                        "empty-credential",
                        format!(
                            "agent {}: profile {} has no secret{}",
                            agent.id,
                            p.id,
                            if generation == Generation::Clawdbot { " (clawdbot crashes on every command)" } else { "" }
                        ),
                        Some("paste the credential again or remove the profile".into()),
                    );
                }
                if let Expires::Ms(ms) = p.credential.expires() {
                    if *ms < SECONDS_SUSPECT_BELOW {
                        add(
                            Severity::Error,
                            "expires-in-seconds",
                            format!(
                                "agent {}: profile {} has expires {ms}, which looks like seconds: the gateway reads it as 1970 (expired)",
                                agent.id, p.id
                            ),
                            Some("store expiry times in milliseconds".into()),
                        );
                    }
                }
                if h.status == health::Status::Expired {
                    add(
                        Severity::Warning,
                        "expired",
                        format!("agent {}: profile {} has expired", agent.id, p.id),
                        Some(format!("paste a new credential: authtray paste-token --provider {} --profile-id {}", p.provider, p.id)),
                    );
                }
                if !health::is_used(&doc, &install.config, &p) {
                    add(
                        Severity::Warning,
                        "filtered-out",
                        format!(
                            "agent {}: profile {} is not used by the gateway: the config's auth.profiles or an order leaves it out",
                            agent.id, p.id
                        ),
                        Some(format!("add it to the order (authtray order set --provider {} …) or list it in auth.profiles", p.provider)),
                    );
                }
                if p.id == "anthropic:claude-cli" && generation == Generation::OpenclawSqlite {
                    add(
                        Severity::Warning,
                        "retired-claude-cli",
                        format!(
                            "agent {}: anthropic:claude-cli is retired in this gateway generation; it runs Claude Code natively",
                            agent.id
                        ),
                        Some("run `openclaw doctor --fix`, which removes it".into()),
                    );
                }
                if p.id == "anthropic:claude-cli" && generation == Generation::Clawdbot && p.credential.kind() == CredentialKind::OAuth {
                    add(Severity::Info, "claude-cli-oauth", format!("agent {}: clawdbot itself syncs and refreshes anthropic:claude-cli from Claude Code; a gateway-side refresh can log Claude Code out", agent.id), Some("keep Claude Code running on this host, or stop the gateway's sync by upgrading".into()));
                }
            }
            claude_cli_findings(ctx, agent, generation, &doc, &mut add);
        }
    }
    if install.generation == Some(Generation::OpenclawSqlite) {
        if let Err(e) = ctx.gateway_cli() {
            add(
                Severity::Warning,
                "gateway-cli-missing",
                format!("this install keeps credentials in SQLite, which authtray changes only through the gateway CLI: {e}"),
                Some("install openclaw or pass --gateway-cli".into()),
            );
        }
    }

    match ctx.login() {
        LoginState::Ready(l) if l.expires_at <= ctx.now => add(
            Severity::Warning,
            "claude-expired",
            format!("Claude Code's token in {} expired at {}", l.source.describe(), crate::clock::iso(l.expires_at)),
            Some("run `claude` so it refreshes its login; authtray then mirrors the new token".into()),
        ),
        LoginState::Ready(_) => {}
        other => add(Severity::Warning, "claude-login", other.problem().unwrap_or_default(), None),
    }
    if let Some(m) = mode_of(&ctx.locator.file()).filter(|m| m & 0o077 != 0) {
        add(
            Severity::Warning,
            "loose-permissions",
            format!("{} is mode {m:o}", ctx.locator.file().display()),
            Some(format!("chmod 600 {}", ctx.locator.file().display())),
        );
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    DoctorReport {
        generation: install.generation.map_or("none", Generation::name),
        generation_evidence: install.evidence.clone(),
        state_dir: install.state_dir.clone(),
        config_path: install.config.path.clone(),
        claude_credentials: ctx.locator.file(),
        findings,
    }
}

/// Where the gateway runs an agent's Anthropic models through Claude Code: `claude` must be on
/// the gateway's PATH, and a stored Anthropic token or OAuth profile would be sent instead of
/// Claude Code's own login (measured on 2026.9.6) without following its renewals; a leftover
/// OAuth profile can even be forwarded as an API key and fail every turn (openclaw issue 134004).
fn claude_cli_findings(
    ctx: &Context,
    agent: &crate::gateway::Agent,
    generation: Generation,
    doc: &crate::gateway::StoreDoc,
    add: &mut impl FnMut(Severity, &'static str, String, Option<String>),
) {
    use crate::gateway::runtime::{model_routes, Runtime};
    let routes = model_routes(&ctx.install.config, &agent.id, generation);
    if !routes.iter().any(|r| r.provider == "anthropic" && r.runtime == Runtime::ClaudeCli) {
        return;
    }
    let exe = crate::claude_cli::find_executable(&ctx.env);
    if exe.path.is_none() {
        add(
            Severity::Error,
            "claude-missing",
            format!("agent {}: the gateway runs its Anthropic model through Claude Code, but no claude is on {}", agent.id, exe.searched),
            Some(
                "install Claude Code where the gateway runs (npm install -g @anthropic-ai/claude-code), on the PATH its service uses"
                    .into(),
            ),
        );
    }
    // A stored token is worth removing only where Claude Code's login could carry every
    // Anthropic model instead; otherwise it is what carries the gateway.
    let login = crate::claude_cli::NativeLogin::from_state(&ctx.login(), &ctx.locator.dir, &ctx.env);
    if !(crate::gateway::runtime::runs_claude_code_only(&routes) && login.usable(ctx.now)) {
        return;
    }
    for p in doc
        .profiles()
        .iter()
        .filter(|p| p.provider == "anthropic" && matches!(p.credential.kind(), CredentialKind::Token | CredentialKind::OAuth))
    {
        let fix = match generation {
            Generation::OpenclawSqlite => format!("remove it: openclaw models auth logout {} --yes", p.id),
            _ => format!("remove {} from the gateway's auth store so that the gateway uses Claude Code's own login", p.id),
        };
        add(
            Severity::Warning,
            "copy-overrides-claude-code",
            format!(
                "agent {}: {} is sent instead of Claude Code's own login on the Claude CLI route, and it does not follow when Claude Code renews",
                agent.id, p.id
            ),
            Some(fix),
        );
    }
}

fn stale_lock(store: &Path, add: &mut impl FnMut(Severity, &'static str, String, Option<String>)) {
    let lock = crate::gateway::lock::lock_path_for(store);
    let age = std::fs::symlink_metadata(&lock).ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
    if let Some(age) = age.filter(|a| *a > crate::gateway::lock::STALE_AFTER) {
        add(
            Severity::Warning,
            "stale-lock",
            format!("{} is {} s old", lock.display(), age.as_secs()),
            Some("if no gateway or authtray is running, remove it".into()),
        );
    }
}
