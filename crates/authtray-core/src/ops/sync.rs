//! `sync`: mirror Claude Code's login into the gateway's stores.

use serde::Serialize;

use super::status::ClaudeReport;
use super::Context;
use crate::claude::Login;
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::gateway::config::OrderPlacement;
use crate::gateway::store::StoreDoc;
use crate::gateway::{Agent, Edit, GatewayConfig, Generation, Store, Writer};
use crate::mirror::{self, Action};

/// Which agents to mirror into.
#[derive(Debug, Clone, Default)]
pub enum Targets {
    /// The default agent plus every agent whose store already holds the mirror profile.
    #[default]
    Default,
    /// Exactly these agents (`--agent`, repeatable).
    Agents(Vec<String>),
    /// Every agent (`--all-agents`).
    All,
}

/// What to do.
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    /// Which agents' stores to mirror into.
    pub targets: Targets,
    /// `--profile-id` (openclaw generations; clawdbot's own sync owns `anthropic:claude-cli`).
    pub profile_id: Option<String>,
    /// `--dry-run`: decide, write nothing.
    pub dry_run: bool,
}

/// One agent's outcome.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSync {
    /// The agent whose store this is about.
    pub agent: String,
    /// The mirror profile id.
    pub profile_id: String,
    /// create / update / unchanged / skip.
    pub action: Action,
    /// The reason for `action`, in a sentence a person can act on.
    pub reason: String,
    /// The expiry written (or that would be).
    pub expires_at: Option<Millis>,
    /// Whether the config was changed to let the gateway use the profile.
    pub config_updated: bool,
    /// Whether the agent's order override got the profile appended.
    pub order_updated: bool,
    /// Who writes this agent's store (on a dry run: who would); absent when the agent was skipped
    /// before its store was looked at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<Writer>,
    /// What failed, if anything: the engine's full text (paths, what a program said).
    pub error: Option<String>,
    /// The same failure in plain words, for a headline or a notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The sync report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// The gateway generation written to (its name, as `--generation` takes it).
    pub generation: &'static str,
    /// Claude Code's login as it was read for this run.
    pub claude_code: ClaudeReport,
    /// Whether nothing was written on purpose.
    pub dry_run: bool,
    /// One outcome per agent mirrored into, in the order they were processed.
    pub agents: Vec<AgentSync>,
    /// Whether the running gateway took up what was written (absent on a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reload: Option<crate::gateway::running::Reload>,
}

impl SyncReport {
    /// Whether any agent failed.
    pub fn failed(&self) -> bool {
        self.agents.iter().any(|a| a.error.is_some())
    }
}

/// A sync's outcome in one line: "Up to date · 2 agents", "Updated main · up to date: work",
/// "Failed for work: …".
pub fn summary(r: &SyncReport) -> String {
    let names = |f: &dyn Fn(&AgentSync) -> bool| r.agents.iter().filter(|a| f(a)).map(|a| a.agent.as_str()).collect::<Vec<_>>();
    let failed: Vec<&AgentSync> = r.agents.iter().filter(|a| a.error.is_some()).collect();
    if let Some(first) = failed.first() {
        let who: Vec<&str> = failed.iter().map(|a| a.agent.as_str()).collect();
        return format!("Failed for {}: {}", who.join(", "), first.error.as_deref().unwrap_or_default());
    }
    let changed = names(&|a| matches!(a.action, Action::Create | Action::Update));
    let skipped: Vec<String> =
        r.agents.iter().filter(|a| a.action == Action::Skip).map(|a| format!("{} ({})", a.agent, a.reason)).collect();
    let same = names(&|a| a.action == Action::Unchanged);
    let n = r.agents.len();
    if changed.is_empty() && skipped.is_empty() {
        return format!("Up to date · {n} agent{}", if n == 1 { "" } else { "s" });
    }
    let mut parts = Vec::new();
    if !changed.is_empty() {
        parts.push(format!("Updated {}", changed.join(", ")));
    }
    if !skipped.is_empty() {
        parts.push(format!("Skipped {}", skipped.join(", ")));
    }
    if !same.is_empty() {
        parts.push(format!("up to date: {}", same.join(", ")));
    }
    parts.join(" · ")
}

/// Mirrors Claude Code's login. Errors before any agent is touched (no login, unknown
/// generation) are returned; per-agent failures are in the report.
pub fn sync(ctx: &Context, req: &SyncRequest) -> Result<SyncReport> {
    let generation = ctx.install.writable_generation()?;
    let state = ctx.login();
    let claude_code = ClaudeReport::from_state(&state, ctx.now);
    let login = state.login().ok_or_else(|| Error::NoLogin(state.problem().unwrap_or_default()))?;
    let profile_id = match (&req.profile_id, generation) {
        (Some(id), Generation::Clawdbot) if id != generation.mirror_profile_id() => {
            return Err(Error::InvalidInput(format!(
                "clawdbot mirrors Claude Code only into {} (its own sync owns that id); --profile-id {id} is not supported there",
                generation.mirror_profile_id()
            )))
        }
        (Some(id), _) => super::validate_profile_id(id, "anthropic")?,
        (None, g) => g.mirror_profile_id().to_string(),
    };
    let targets = target_agents(ctx, &req.targets, &profile_id)?;
    let mut agents = Vec::new();
    // The record type written (or kept), for registering the profile in a filtering config.
    let mut config_mode: Option<String> = None;
    for agent in targets {
        let mut out = AgentSync {
            agent: agent.id.clone(),
            profile_id: profile_id.clone(),
            action: Action::Skip,
            reason: String::new(),
            expires_at: None,
            config_updated: false,
            order_updated: false,
            writer: None,
            error: None,
            problem: None,
        };
        let result = ctx.store(agent).and_then(|store| {
            // Where the gateway runs Claude Code for every Anthropic model, Claude Code's own
            // login carries the calls and a stored copy would override it with a token only as
            // fresh as its last write (measured on 2026.9.6): none is made or refreshed. One left
            // from before is the verdict's and doctor's to point out, with its removal.
            if runs_claude_code_only(ctx, agent, generation) {
                return Ok((mirror::Decision::skip(NOT_NEEDED_ON_CLAUDE_CLI), false, None));
            }
            sync_agent(ctx, agent, &store, generation, login, &profile_id, req.dry_run)
        });
        match result {
            Ok((d, order_updated, writer)) => {
                out.writer = writer;
                out.action = d.action;
                out.reason = d.reason.clone();
                out.order_updated = order_updated;
                out.expires_at = d.record.as_ref().and_then(|r| r.get("expires")).and_then(|v| v.as_i64());
                if let Some(kind) = d.kind {
                    config_mode.get_or_insert_with(|| kind.as_str().to_string());
                }
            }
            Err(e) => {
                out.error = Some(e.to_string());
                out.problem = Some(e.summary());
            }
        }
        agents.push(out);
    }
    // Where the gateway's own paste-token wrote, it registered the profile itself: report that.
    let cli_registered = agents.iter().any(|a| a.writer == Some(Writer::Cli)) && super::newly_registered(ctx, &profile_id);
    for a in agents.iter_mut().filter(|a| a.writer == Some(Writer::Cli)) {
        a.config_updated = cli_registered && matches!(a.action, Action::Create | Action::Update);
    }
    let ours = |a: &AgentSync| a.error.is_none() && a.action != Action::Skip && matches!(a.writer, Some(Writer::File | Writer::Direct));
    if let Some(mode) = config_mode.filter(|_| agents.iter().any(ours)) {
        let register = |c: &mut GatewayConfig| match generation {
            // As the gateway's paste-token does, which the direct writer stands in for.
            Generation::OpenclawSqlite => {
                c.ensure_listed(&profile_id, "anthropic", &mode) | c.ensure_in_order(&profile_id, "anthropic", OrderPlacement::Append)
            }
            _ => register_if_filtered(c, &profile_id, &mode),
        };
        let result = if req.dry_run {
            let mut c = ctx.install.config.clone();
            Ok(register(&mut c))
        } else {
            GatewayConfig::update(&ctx.install.config.path, ctx.lock_timeout, register)
        };
        for a in agents.iter_mut().filter(|a| ours(a)) {
            match &result {
                Ok(changed) => a.config_updated = *changed,
                Err(e) => {
                    a.error = Some(format!("the store is in sync but the config could not be updated: {e}"));
                    a.problem = Some(format!("The login was copied, but the gateway's config could not be updated. {}", e.summary()));
                }
            }
        }
    }
    let written: Vec<&str> = agents
        .iter()
        .filter(|a| a.error.is_none() && (matches!(a.action, Action::Create | Action::Update) || a.order_updated || a.config_updated))
        .map(|a| a.agent.as_str())
        .collect();
    let reload = match (req.dry_run, written.is_empty()) {
        (true, _) => None,
        (false, true) => Some(crate::gateway::running::Reload::nothing_written()),
        (false, false) => Some(ctx.reload_gateway(&written)),
    };
    Ok(SyncReport { generation: generation.name(), claude_code, dry_run: req.dry_run, agents, reload })
}

/// Why no mirror is made for an agent whose Anthropic models all run through Claude Code.
pub(crate) const NOT_NEEDED_ON_CLAUDE_CLI: &str = "not needed: the gateway runs Claude Code itself, which uses its own login";

/// Whether every Anthropic model the agent uses runs through Claude Code.
fn runs_claude_code_only(ctx: &Context, agent: &Agent, generation: Generation) -> bool {
    let routes = crate::gateway::runtime::model_routes(&ctx.install.config, &agent.id, generation);
    crate::gateway::runtime::runs_claude_code_only(&routes)
}

/// Plans and (unless `dry_run`) applies the mirror for one agent; returns the decision and
/// whether the agent's order override got the profile appended.
fn sync_agent(
    ctx: &Context,
    agent: &Agent,
    store: &Store,
    generation: Generation,
    login: &Login,
    profile_id: &str,
    dry_run: bool,
) -> Result<(mirror::Decision, bool, Option<Writer>)> {
    let plan = |doc: &StoreDoc| mirror::plan(generation, login, doc.raw_profile(profile_id), doc.profile(profile_id).as_ref(), ctx.now);
    // An order override that omits the mirror hides it from the gateway: append it.
    let appended_order = |doc: &StoreDoc| {
        doc.order().get("anthropic").filter(|o| !o.iter().any(|id| id == profile_id)).map(|o| {
            let mut o = o.clone();
            o.push(profile_id.to_string());
            o
        })
    };
    if dry_run {
        let doc = store.read()?;
        let d = plan(&doc);
        let order_needed = d.writes() && appended_order(&doc).is_some();
        return Ok((d, order_needed, Some(store.writer())));
    }
    let edited = store.edit(
        || ctx.gateway_cli(),
        super::cli_agent(&agent.id),
        |doc| {
            let d = plan(doc);
            let mut edits = Vec::new();
            let mut order_updated = false;
            if let Some(record) = &d.record {
                // A login stops working at its expiry: never stored as lasting longer.
                edits.push(Edit::PutProfile { id: profile_id.to_string(), record: record.clone(), hard_expiry: true });
                // The replaced token's cooldown must not hold back the new one.
                edits.push(Edit::ClearFailures { id: profile_id.to_string() });
                if let Some(order) = appended_order(doc) {
                    edits.push(Edit::SetOrder { provider: "anthropic".into(), ids: order });
                    order_updated = true;
                }
            }
            Ok(((d, order_updated), edits))
        },
    )?;
    let (d, order_updated) = edited.out;
    Ok((d, order_updated, Some(edited.writer)))
}

/// When the config filters Anthropic profiles (`auth.profiles` lists some) or has an
/// `auth.order.anthropic`, the mirror must be named there or the gateway ignores it.
fn register_if_filtered(config: &mut crate::gateway::GatewayConfig, id: &str, mode: &str) -> bool {
    let listed = config.listed_profiles("anthropic");
    let mut changed = false;
    if !listed.is_empty() && !listed.iter().any(|l| l == id) {
        changed |= config.ensure_listed(id, "anthropic", mode);
    }
    changed |= config.ensure_in_order(id, "anthropic", OrderPlacement::Append);
    changed
}

fn target_agents<'a>(ctx: &'a Context, targets: &Targets, profile_id: &str) -> Result<Vec<&'a Agent>> {
    let install = &ctx.install;
    match targets {
        Targets::All => Ok(install.agents.iter().collect()),
        Targets::Agents(ids) => {
            let mut out: Vec<&Agent> = Vec::new();
            for id in ids {
                let a = install.agent(id)?;
                if !out.iter().any(|o| o.id == a.id) {
                    out.push(a);
                }
            }
            Ok(out)
        }
        Targets::Default => Ok(install
            .agents
            .iter()
            .filter(|a| {
                a.id == install.default_agent || ctx.store(a).and_then(|s| s.read()).is_ok_and(|d| d.raw_profile(profile_id).is_some())
            })
            .collect()),
    }
}
/// Whether a profile id is a mirror of Claude Code's login: the id the last mirror run wrote,
/// or any generation's default mirror id. Those rotate every few hours by design, so expiry
/// rules for long-lived credentials do not apply to them.
pub(crate) fn is_mirror_id(id: &str, last_sync: Option<&SyncReport>) -> bool {
    last_sync.is_some_and(|s| s.agents.iter().any(|a| a.profile_id == id))
        || [crate::gateway::Generation::Clawdbot, crate::gateway::Generation::OpenclawJson].iter().any(|g| g.mirror_profile_id() == id)
}
