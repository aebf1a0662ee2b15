//! `status`: every agent's profiles with their health, the Claude Code source, and the
//! gateway-compatible `--check` code.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{redacted, Context};
use crate::claude::{LoginSource, LoginState};
use crate::clock::Millis;
use crate::gateway::Generation;
use crate::health::{self, Status};

/// Where Claude Code's login was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// `~/.claude/.credentials.json`.
    File,
    /// The macOS Keychain item.
    Keychain,
    /// Nowhere.
    None,
}

/// What state Claude Code's login is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    /// Usable for more than [`SOURCE_WARN_MS`].
    Ok,
    /// Usable, but within [`SOURCE_WARN_MS`] of its expiry.
    Expiring,
    /// Past its expiry: Claude Code has not refreshed it.
    Expired,
    /// Not logged in.
    Missing,
    /// There, but not what Claude Code writes.
    Malformed,
    /// There, but it could not be read (permissions, Keychain refused).
    Unreadable,
    /// Claude Code is told to ignore it (an API key or helper in its settings).
    Overridden,
}

impl SourceStatus {
    /// The JSON spelling, for messages and keys.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Ok => "ok",
            SourceStatus::Expiring => "expiring",
            SourceStatus::Expired => "expired",
            SourceStatus::Missing => "missing",
            SourceStatus::Malformed => "malformed",
            SourceStatus::Unreadable => "unreadable",
            SourceStatus::Overridden => "overridden",
        }
    }
}

/// Claude Code's login at a glance.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaudeReport {
    /// Where it was found.
    pub source: SourceKind,
    /// The file, when the source is a file.
    pub path: Option<PathBuf>,
    /// The Keychain service, when the source is the Keychain.
    pub service: Option<String>,
    /// Its state.
    pub status: SourceStatus,
    /// When the access token expires (ms).
    pub expires_at: Option<Millis>,
    /// The access token, redacted.
    pub token: Option<String>,
    /// Whether a refresh token exists (never shown, never copied into openclaw).
    pub has_refresh_token: bool,
    /// `max`, `pro` …
    pub subscription_type: Option<String>,
    /// When the source last changed.
    pub modified_at: Option<Millis>,
    /// What is wrong, when not usable.
    pub problem: Option<String>,
}

/// Within this much of its expiry, Claude Code's own token counts as expiring.
pub const SOURCE_WARN_MS: Millis = 30 * 60 * 1000;

impl ClaudeReport {
    /// Summarises a login state.
    pub fn from_state(state: &LoginState, now: Millis) -> ClaudeReport {
        let mut r = ClaudeReport {
            source: SourceKind::None,
            path: None,
            service: None,
            status: SourceStatus::Missing,
            expires_at: None,
            token: None,
            has_refresh_token: false,
            subscription_type: None,
            modified_at: None,
            problem: state.problem(),
        };
        let mut set_source = |s: &LoginSource| match s {
            LoginSource::File { path } => {
                r.source = SourceKind::File;
                r.path = Some(path.clone());
            }
            LoginSource::Keychain { service, .. } => {
                r.source = SourceKind::Keychain;
                r.service = Some(service.clone());
            }
        };
        match state {
            LoginState::Ready(l) => {
                set_source(&l.source);
                r.status = if l.expires_at <= now {
                    SourceStatus::Expired
                } else if l.expires_at - now <= SOURCE_WARN_MS {
                    SourceStatus::Expiring
                } else {
                    SourceStatus::Ok
                };
                r.expires_at = Some(l.expires_at);
                r.token = Some(l.access_token.redacted());
                r.has_refresh_token = l.refresh_token.is_some();
                r.subscription_type = l.subscription_type.clone();
                r.modified_at = l.modified_at;
            }
            LoginState::Missing { .. } => {}
            LoginState::Malformed { source, .. } => {
                set_source(source);
                r.status = SourceStatus::Malformed;
            }
            LoginState::Unreadable { source, .. } => {
                set_source(source);
                r.status = SourceStatus::Unreadable;
            }
            LoginState::Overridden { .. } => r.status = SourceStatus::Overridden,
        }
        r
    }
}

/// One profile's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileReport {
    /// The profile id (`anthropic:manual`).
    pub id: String,
    /// The provider, normalised as the gateway does.
    pub provider: String,
    /// `api_key`, `token`, `oauth`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// What the gateway's `models status` would say of it (ok, expiring, expired, …).
    pub status: Status,
    /// Expiry in ms, or null.
    pub expires_at: Option<Millis>,
    /// The secret, redacted.
    pub token: Option<String>,
    /// False when the config or an order hides it from the gateway.
    pub used: bool,
    /// Why it is `missing`.
    pub reason: Option<String>,
    /// Its place (1 = first) among the profiles the gateway could use now, in the order it
    /// tries them; null when it would skip it (expired, filtered, not in the order).
    pub rank: Option<usize>,
    /// Whether this is the profile the gateway uses now for its provider.
    pub in_use: bool,
    /// Whether the gateway has set it aside (cooldown after failures, disabled), until when, why.
    pub availability: health::Availability,
}

/// How the gateway would answer model calls of one provider its models need.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    /// The provider (`anthropic`).
    pub provider: String,
    /// Whether a model call would find a credential now.
    pub works: bool,
    /// The profile it would use now.
    pub profile: Option<String>,
    /// Every profile it could use, in the order it tries them.
    pub usable: Vec<String>,
    /// Whether the environment (or the state dir's `.env`) has a key for it.
    pub env: bool,
    /// When the last usable credential runs out; null when one does not expire (or renews).
    pub until: Option<Millis>,
    /// When every usable profile is on cooldown or disabled, until when.
    pub resting_until: Option<Millis>,
}

/// One agent's store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentReport {
    /// The agent id, normalised as the gateway does.
    pub id: String,
    /// Whether this is the default agent.
    pub default: bool,
    /// The agent dir.
    pub dir: PathBuf,
    /// The store file.
    pub store: PathBuf,
    /// Whether the store exists.
    pub store_exists: bool,
    /// Profiles the gateway loads.
    pub profiles: Vec<ProfileReport>,
    /// Order overrides per provider.
    pub order: BTreeMap<String, Vec<String>>,
    /// Per provider, the profile ids the gateway would try, in its order (override, config
    /// order, config listing, else the store's). Profiles not listed here are not used.
    pub effective_order: BTreeMap<String, Vec<String>>,
    /// This agent's `--check` code.
    pub check: u8,
    /// Why the store could not be read.
    pub error: Option<String>,
    /// Per provider the gateway's models need (default model and fallbacks), what it would use.
    pub routes: Vec<Route>,
    /// JSON-era store files left in a SQLite-era agent dir: the gateway refuses to load auth
    /// while they are there (AUTH_PROFILE_MIGRATION_REQUIRED).
    pub stray_json: Vec<PathBuf>,
}

/// The whole `status` document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// `clawdbot`, `openclaw-json`, `openclaw-sqlite` or `none`.
    pub generation: &'static str,
    /// How the generation was decided.
    pub generation_evidence: String,
    /// The gateway version, when known.
    pub gateway_version: Option<String>,
    /// The state dir.
    pub state_dir: PathBuf,
    /// The config file.
    pub config_path: PathBuf,
    /// Claude Code's login.
    pub claude_code: ClaudeReport,
    /// Agents, default first.
    pub agents: Vec<AgentReport>,
    /// authtray's `--check` code, from the verdict: 0 the gateway works, 2 it works but what
    /// carries it runs out within the warning window, 1 it does not work.
    pub check: u8,
    /// The gateway's own `models status --check` code for the main agent (0, 1, 2), which can
    /// be stricter than what the gateway does (clawdbot counts profiles it would skip).
    pub gateway_check: u8,
    /// The one verdict every shell shows (filled by [`with_verdict`]).
    pub verdict: Option<crate::verdict::Verdict>,
    /// The warning window used.
    pub warn_within_ms: Millis,
    /// When this was computed.
    pub now: Millis,
    /// Whether the gateway runs on this machine, and whether authtray can make it reload.
    pub gateway_process: crate::gateway::running::GatewayProcess,
    /// Model keys the gateway takes from its environment or its `.env` (values redacted).
    pub env: Vec<health::EnvCredential>,
}

/// Builds the status report. Unreadable stores are reported per agent, not fatal.
pub fn status(ctx: &Context, warn_within_ms: Millis) -> StatusReport {
    let install = &ctx.install;
    let env = health::env_credentials(&ctx.env, &install.state_dir);
    let env_providers = health::providers_of(&env);
    let agents: Vec<AgentReport> = install.agents.iter().map(|agent| agent_report(ctx, agent, &env_providers, warn_within_ms)).collect();
    let gateway_check = agents.iter().find(|a| a.id == "main").or(agents.first()).map_or(1, |a| a.check);
    StatusReport {
        generation: install.generation.map_or("none", Generation::name),
        generation_evidence: install.evidence.clone(),
        gateway_version: install.version.as_ref().map(|v| v.raw.clone()),
        state_dir: install.state_dir.clone(),
        config_path: install.config.path.clone(),
        claude_code: ClaudeReport::from_state(&ctx.login(), ctx.now),
        agents,
        check: gateway_check,
        gateway_check,
        verdict: None,
        warn_within_ms,
        now: ctx.now,
        gateway_process: crate::gateway::running::probe(install, &ctx.env),
        env,
    }
}

fn agent_report(ctx: &Context, agent: &crate::gateway::Agent, env_providers: &[String], warn: Millis) -> AgentReport {
    let install = &ctx.install;
    let mut report = AgentReport {
        id: agent.id.clone(),
        default: agent.id == install.default_agent,
        dir: agent.dir.clone(),
        store: agent.dir.join(crate::gateway::json_store::PROFILES_FILE),
        store_exists: false,
        profiles: Vec::new(),
        order: BTreeMap::new(),
        effective_order: BTreeMap::new(),
        check: 1,
        error: None,
        routes: Vec::new(),
        stray_json: Vec::new(),
    };
    let Some(generation) = install.generation else {
        report.error = Some("the gateway generation is unknown".into());
        return report;
    };
    if generation == Generation::OpenclawSqlite {
        report.stray_json = [crate::gateway::json_store::PROFILES_FILE, crate::gateway::json_store::STATE_FILE]
            .iter()
            .map(|n| agent.dir.join(n))
            .filter(|p| p.exists())
            .collect();
    }
    let store = match ctx.store(agent) {
        Ok(s) => s,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.store = store.path().to_path_buf();
    report.store_exists = store.exists();
    let doc = match store.read() {
        Ok(d) => d,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.profiles = doc
        .profiles()
        .iter()
        .map(|p| {
            let h = health::assess(generation, p, ctx.now, warn);
            ProfileReport {
                id: p.id.clone(),
                provider: p.provider.clone(),
                kind: p.credential.type_name(),
                status: h.status,
                expires_at: h.expires_at,
                token: redacted(p.credential.secret()),
                used: health::is_used(&doc, &install.config, p),
                reason: h.reason,
                rank: None,
                in_use: false,
                availability: health::availability(&doc, &p.id, ctx.now),
            }
        })
        .collect();
    report.routes = install
        .config
        .providers_in_use(generation.default_model())
        .into_iter()
        .map(|provider| route(generation, &doc, &install.config, env_providers, provider, ctx.now, warn))
        .collect();
    for r in &report.routes {
        for p in report.profiles.iter_mut().filter(|p| p.provider == r.provider) {
            p.rank = r.usable.iter().position(|id| id == &p.id).map(|i| i + 1);
            p.in_use = r.profile.as_deref() == Some(p.id.as_str());
            // A profile the gateway falls back to is not hidden from it.
            p.used |= p.rank.is_some();
        }
    }
    report.order = doc.order();
    for p in &report.profiles {
        if !report.effective_order.contains_key(&p.provider) {
            let (ids, _) = health::candidates(&doc, &install.config, &p.provider);
            let present: Vec<String> =
                ids.into_iter().filter(|id| report.profiles.iter().any(|q| &q.id == id && q.provider == p.provider)).collect();
            report.effective_order.insert(p.provider.clone(), present);
        }
    }
    report.check = health::check_code(generation, &doc, &install.config, env_providers, ctx.now, warn);
    report
}

/// What the gateway would use for `provider`: usable, unexpired profiles in its try order,
/// the first one not resting (cooldown/disabled) in use.
fn route(
    generation: Generation,
    doc: &crate::gateway::store::StoreDoc,
    config: &crate::gateway::GatewayConfig,
    env_providers: &[String],
    provider: String,
    now: Millis,
    warn: Millis,
) -> Route {
    use crate::gateway::store::Credential;
    let alive: Vec<(crate::gateway::store::Profile, Option<Millis>)> = health::try_order(generation, doc, config, &provider, now)
        .into_iter()
        .filter_map(|p| {
            // The gateway refreshes an OAuth profile that has a refresh token itself.
            if let Credential::OAuth { refresh: Some(_), .. } = &p.credential {
                return Some((p, None));
            }
            let h = health::assess(generation, &p, now, warn);
            (!matches!(h.status, Status::Expired | Status::Missing)).then_some((p, h.expires_at))
        })
        .collect();
    let awake = alive.iter().find(|(p, _)| health::resting_until(doc, &p.id, now).is_none());
    let resting_until = if awake.is_none() { alive.iter().filter_map(|(p, _)| health::resting_until(doc, &p.id, now)).min() } else { None };
    let until = if alive.is_empty() || alive.iter().any(|(_, e)| e.is_none()) { None } else { alive.iter().filter_map(|(_, e)| *e).max() };
    let env = env_providers.iter().any(|e| e == &provider);
    Route {
        works: env || awake.is_some(),
        profile: awake.or(alive.first()).map(|(p, _)| p.id.clone()),
        usable: alive.iter().map(|(p, _)| p.id.clone()).collect(),
        env,
        until,
        resting_until,
        provider,
    }
}

/// The status report with its verdict, computed once for every shell.
pub fn with_verdict(ctx: &Context, warn_within_ms: Millis, inputs: &crate::verdict::Inputs<'_>) -> StatusReport {
    let mut report = status(ctx, warn_within_ms);
    let verdict = crate::verdict::judge(&report, inputs);
    report.check = verdict.check;
    report.verdict = Some(verdict);
    report
}

/// Reports for the pure modules' tests (verdict, alerts): one agent `main`, an openclaw-json
/// install, Claude Code's login from a file.
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;

    /// Claude Code's login in `status`, expiring at `expires_at`.
    pub(crate) fn claude(status: SourceStatus, expires_at: Option<Millis>) -> ClaudeReport {
        ClaudeReport {
            source: if status == SourceStatus::Missing { SourceKind::None } else { SourceKind::File },
            path: None,
            service: None,
            status,
            expires_at,
            token: None,
            has_refresh_token: true,
            subscription_type: None,
            modified_at: None,
            problem: None,
        }
    }

    /// An Anthropic profile.
    pub(crate) fn profile(id: &str, kind: &'static str, status: Status, expires_at: Option<Millis>, used: bool) -> ProfileReport {
        ProfileReport {
            id: id.into(),
            provider: "anthropic".into(),
            kind,
            status,
            expires_at,
            token: None,
            used,
            reason: None,
            rank: None,
            in_use: false,
            availability: health::Availability::READY,
        }
    }

    /// The report: agent `main` with these profiles and routes, judged at `now`.
    pub(crate) fn report(now: Millis, claude_code: ClaudeReport, profiles: Vec<ProfileReport>, routes: Vec<Route>) -> StatusReport {
        let effective = profiles.iter().filter(|p| p.used).map(|p| p.id.clone()).collect();
        StatusReport {
            gateway_process: Default::default(),
            env: Vec::new(),
            generation: "openclaw-json",
            generation_evidence: String::new(),
            gateway_version: None,
            state_dir: "/nonexistent/.openclaw".into(),
            config_path: "/nonexistent/.openclaw/openclaw.json".into(),
            claude_code,
            check: 0,
            gateway_check: 0,
            verdict: None,
            warn_within_ms: health::DEFAULT_WARN_MS,
            now,
            agents: vec![AgentReport {
                id: "main".into(),
                default: true,
                dir: "/a".into(),
                store: "/a/s".into(),
                store_exists: true,
                check: 0,
                error: None,
                routes,
                stray_json: Vec::new(),
                order: Default::default(),
                effective_order: [("anthropic".to_string(), effective)].into(),
                profiles,
            }],
        }
    }
}
