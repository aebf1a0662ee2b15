//! The commands the web UI calls, shared by the tray app's IPC and `authtray serve`'s HTTP API,
//! so both shells accept the same JSON, validate it the same way and fail with the same
//! messages. Inputs are camelCase JSON; outputs are the operations' reports.

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::ops::{self, Context};
use crate::token::{Secret, TokenShape};
use crate::vault::Vault;

/// `paste`: a token and where to put it. Everything but the token is optional.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasteInput {
    /// The pasted text.
    pub token: String,
    /// Provider; recognised from the token's shape when absent.
    #[serde(default)]
    pub provider: Option<String>,
    /// Profile id (default `<provider>:manual`).
    #[serde(default)]
    pub profile_id: Option<String>,
    /// Expiry as a duration (`365d`, `12h`); setup-tokens default to one year.
    #[serde(default)]
    pub expires_in: Option<String>,
    /// Agent (default agent when absent).
    #[serde(default)]
    pub agent: Option<String>,
}

impl std::fmt::Debug for PasteInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasteInput")
            .field("token", &crate::token::redact(&self.token))
            .field("provider", &self.provider)
            .field("profile_id", &self.profile_id)
            .finish_non_exhaustive()
    }
}

/// `paste`'s answer: the report and the id Undo takes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasteOutcome {
    /// What was stored.
    #[serde(flatten)]
    pub report: ops::paste::PasteReport,
    /// Pass to `undo` within [`crate::vault::UNDO_WINDOW_MS`]; absent when no vault could keep it.
    pub undo_id: Option<String>,
    /// Until when Undo is offered.
    pub undo_until: Option<Millis>,
    /// Why Undo is not offered, when it is not.
    pub undo_problem: Option<String>,
}

/// The provider a token belongs to: the one asked for, else the token's shape.
pub(crate) fn provider_for(token: &str, asked: Option<&str>) -> Result<String> {
    if let Some(p) = asked.map(str::trim).filter(|p| !p.is_empty()) {
        return Ok(p.to_string());
    }
    let shape = TokenShape::of(token);
    if shape == TokenShape::AnthropicRefreshToken {
        return Err(crate::token::TokenError::RefreshToken.into());
    }
    shape.provider().map(str::to_string).ok_or_else(|| {
        Error::InvalidInput("authtray cannot tell which provider this token is for from its shape; choose the provider".into())
    })
}

/// What both paste forms send, read: the token found in the pasted text, its provider, the
/// expiry asked for, and the profile id (`None` when left empty).
struct PasteFields {
    token: Secret,
    provider: String,
    expires_in: Option<Millis>,
    profile_id: Option<String>,
}

impl PasteFields {
    fn read(text: &str, provider: Option<&str>, expires_in: Option<&str>, profile_id: Option<&str>) -> Result<PasteFields> {
        let token = Secret::new(crate::token::find_in_text(text)?.to_string());
        let provider = provider_for(token.expose(), provider)?;
        let expires_in = match expires_in.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(d) => Some(crate::duration::parse(d)?),
        };
        let profile_id = profile_id.filter(|s| !s.trim().is_empty()).map(str::to_string);
        Ok(PasteFields { token, provider, expires_in, profile_id })
    }
}

/// Validates, stores, and keeps the replaced credential in `vault` for Undo.
pub fn paste(ctx: &Context, input: &PasteInput, vault: &dyn Vault) -> Result<PasteOutcome> {
    let PasteFields { token, provider, expires_in, profile_id } =
        PasteFields::read(&input.token, input.provider.as_deref(), input.expires_in.as_deref(), input.profile_id.as_deref())?;
    let req =
        ops::paste::PasteRequest { provider, profile_id, expires_in, agent: input.agent.clone().filter(|s| !s.trim().is_empty()), token };
    let report = ops::paste::paste(ctx, &req)?;
    let (undo_id, undo_until, undo_problem) = if !report.changed {
        (None, None, None)
    } else {
        match vault.put(&report.saved) {
            Ok(()) => (Some(report.saved.id.clone()), Some(report.saved.saved_at + crate::vault::UNDO_WINDOW_MS), None),
            Err(e) => {
                tracing::warn!("{e}");
                (None, None, Some(e.to_string()))
            }
        }
    };
    Ok(PasteOutcome { report, undo_id, undo_until, undo_problem })
}

/// `pasteToTarget`: a token for a saved gateway on another host (its default agent).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetPasteInput {
    /// The pasted text.
    pub token: String,
    /// The saved target's name.
    pub target: String,
    /// Provider; recognised from the token's shape when absent.
    #[serde(default)]
    pub provider: Option<String>,
    /// Profile id (default `<provider>:manual`).
    #[serde(default)]
    pub profile_id: Option<String>,
    /// Expiry as a duration (`365d`, `12h`); setup-tokens default to one year.
    #[serde(default)]
    pub expires_in: Option<String>,
}

impl std::fmt::Debug for TargetPasteInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetPasteInput")
            .field("token", &crate::token::redact(&self.token))
            .field("target", &self.target)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// Stores a token on a saved target through its gateway's CLI there. Needs no gateway on this
/// computer. No Undo: the replaced credential stays on that host, where authtray cannot keep it.
pub fn paste_to_target(env: &crate::env::Env, input: &TargetPasteInput) -> Result<ops::remote::RemotePaste> {
    let PasteFields { token, provider, expires_in, profile_id } =
        PasteFields::read(&input.token, input.provider.as_deref(), input.expires_in.as_deref(), input.profile_id.as_deref())?;
    let profile_id = profile_id.as_deref().map(str::trim);
    let settings = crate::settings::Settings::load(&crate::settings::Settings::path_for(env))?;
    let entry = settings.target(&input.target).ok_or_else(|| settings.unknown_target(&input.target))?;
    if ops::remote::SecretTarget::of(env, entry)?.is_some() {
        return Err(Error::InvalidInput(format!(
            "{} is a Kubernetes Secret: paste to it in a terminal, where the restart of its gateway can be followed",
            entry.name
        )));
    }
    match ops::remote::paste_at_once(env, entry, &provider, profile_id, expires_in, &token)? {
        Some(done) => Ok(done),
        None => ops::remote::paste(&ops::remote::connect(env, entry)?, &provider, profile_id, expires_in, None, &token),
    }
}

/// `undo`: which paste to undo.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UndoInput {
    /// The id `paste` returned; `None` means the latest paste.
    #[serde(default)]
    pub id: Option<String>,
}

/// Undoes the latest paste (only if `id` names it), then forgets it.
pub fn undo(ctx: &Context, input: &UndoInput, vault: &dyn Vault) -> Result<ops::undo::UndoReport> {
    let saved = vault.get()?.ok_or_else(|| Error::UndoUnavailable("there is no paste to undo".into()))?;
    if input.id.as_deref().is_some_and(|id| id != saved.id) {
        return Err(Error::UndoUnavailable("a later paste replaced that one; only the latest paste can be undone".into()));
    }
    let report = match ops::undo::undo(ctx, &saved) {
        Ok(r) => r,
        Err(e @ Error::UndoUnavailable(_)) => {
            // It can never succeed (too late, or the profile changed since): do not keep the
            // replaced credential around for nothing.
            vault.clear()?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    vault.clear()?;
    Ok(report)
}

/// `check-token`: what the UI shows while the user types.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckInput {
    /// The text so far.
    pub token: String,
    /// The provider chosen, if any.
    #[serde(default)]
    pub provider: Option<String>,
}

/// The verdict on a token being typed. Never contains the token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCheck {
    /// Whether it would be accepted.
    pub valid: bool,
    /// The provider it is for (chosen or recognised).
    pub provider: Option<String>,
    /// What it looks like ("an Anthropic setup-token").
    pub looks_like: &'static str,
    /// `token` or `api_key`.
    pub kind: Option<&'static str>,
    /// What is wrong, exactly.
    pub message: Option<String>,
    /// The redacted form.
    pub redacted: Option<String>,
    /// The expiry to preselect (`365d` for setup-tokens).
    pub suggested_expiry: Option<&'static str>,
    /// Whether the token was found inside longer pasted text (quotes, `export NAME=`, lines).
    pub extracted: bool,
}

/// Checks a token without storing anything.
pub fn check_token(input: &CheckInput) -> TokenCheck {
    let token = match crate::token::find_in_text(&input.token) {
        Ok(t) => t,
        Err(e) => {
            return TokenCheck {
                valid: false,
                provider: None,
                looks_like: TokenShape::Unknown.describe(),
                kind: None,
                message: Some(e.to_string()),
                redacted: None,
                suggested_expiry: None,
                extracted: false,
            }
        }
    };
    let extracted = token != input.token.trim();
    let input = &CheckInput { token: token.to_string(), provider: input.provider.clone() };
    let shape = TokenShape::of(&input.token);
    let mut out = TokenCheck {
        valid: false,
        provider: None,
        looks_like: shape.describe(),
        kind: None,
        message: None,
        redacted: None,
        suggested_expiry: None,
        extracted,
    };
    let provider = match provider_for(&input.token, input.provider.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            out.message = Some(e.to_string());
            return out;
        }
    };
    out.provider = Some(provider.clone());
    match crate::token::validate(&provider, &input.token) {
        Ok(v) => {
            out.valid = true;
            out.kind = Some(v.kind.as_str());
            out.redacted = Some(v.secret.redacted());
            out.suggested_expiry = (v.shape == TokenShape::AnthropicSetupToken).then_some("365d");
        }
        Err(e) => out.message = Some(e.to_string()),
    }
    out
}

/// `order-set`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderInput {
    /// Agent (default agent when absent).
    #[serde(default)]
    pub agent: Option<String>,
    /// Provider.
    pub provider: String,
    /// The new order; absent for `order-clear` and `order-get`.
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    /// A saved target (gateway on another host) instead of the local gateway.
    #[serde(default)]
    pub target: Option<String>,
}

/// Sets (with `ids`) or reads (without) an agent's order for a provider.
pub fn order_set(ctx: &Context, input: &OrderInput) -> Result<ops::order::OrderReport> {
    let ids = input
        .ids
        .clone()
        .ok_or_else(|| Error::InvalidInput("ids: give the profile ids in the order the gateway should try them".into()))?;
    if ids.is_empty() {
        return Err(Error::InvalidInput("ids: an empty order would disable the provider; use Reset to default instead".into()));
    }
    if let Some(name) = &input.target {
        return order_on_target(ctx, name, input, Some(ids));
    }
    ops::order::order(ctx, input.agent.as_deref(), &input.provider, ops::order::OrderChange::Set(ids))
}

/// Sets or clears the order on a saved target through its gateway's CLI there.
fn order_on_target(ctx: &Context, name: &str, input: &OrderInput, ids: Option<Vec<String>>) -> Result<ops::order::OrderReport> {
    let settings = crate::settings::Settings::load(&crate::settings::Settings::path_for(&ctx.env))?;
    let entry = settings.target(name).ok_or_else(|| settings.unknown_target(name))?;
    let g = ops::remote::connect(&ctx.env, entry)?;
    let (order, reload) = ops::remote::set_order(&g, &input.provider, input.agent.as_deref(), ids)?;
    let text = |k: &str| g.status.get(k).and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
    Ok(ops::order::OrderReport {
        agent_id: input.agent.clone().unwrap_or_else(|| "main".into()),
        agent_dir: text("agentDir").into(),
        provider: crate::gateway::config::normalize_provider(&input.provider),
        store_path: g.status.pointer("/auth/storePath").and_then(serde_json::Value::as_str).unwrap_or_default().into(),
        order,
        changed: true,
        writer: Some(crate::gateway::Writer::Cli),
        reload: Some(reload),
    })
}

/// Clears an agent's order for a provider (back to the gateway's default).
pub fn order_clear(ctx: &Context, input: &OrderInput) -> Result<ops::order::OrderReport> {
    if let Some(name) = &input.target {
        return order_on_target(ctx, name, input, None);
    }
    ops::order::order(ctx, input.agent.as_deref(), &input.provider, ops::order::OrderChange::Clear)
}

/// `cooldown-clear`'s input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CooldownInput {
    /// Agent (default agent when absent).
    #[serde(default)]
    pub agent: Option<String>,
    /// Provider.
    pub provider: String,
    /// Only this profile.
    #[serde(default)]
    pub profile_id: Option<String>,
}

/// Puts a provider's (or one profile's) set-aside profiles back in service.
pub fn cooldown_clear(ctx: &Context, input: &CooldownInput) -> Result<ops::cooldown::CooldownReport> {
    ops::cooldown::clear(ctx, input.agent.as_deref(), &input.provider, input.profile_id.as_deref())
}

/// `set-expiry`'s input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpiryInput {
    /// Agent (default agent when absent).
    #[serde(default)]
    pub agent: Option<String>,
    /// The token's profile.
    pub profile_id: String,
    /// When it runs out (ms).
    pub expires_at: Millis,
}

/// Records when a stored token runs out.
pub fn set_expiry(ctx: &Context, input: &ExpiryInput) -> Result<ops::expiry::ExpiryReport> {
    ops::expiry::set(ctx, input.agent.as_deref(), &input.profile_id, input.expires_at)
}

/// `sync`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncInput {
    /// Agents (default: the settings' mirror agents).
    #[serde(default)]
    pub agents: Vec<String>,
    /// Every agent.
    #[serde(default)]
    pub all_agents: bool,
    /// Mirror profile id (default: the settings', else the generation's).
    #[serde(default)]
    pub profile_id: Option<String>,
    /// Decide without writing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Mirrors Claude Code's login now.
pub fn sync(ctx: &Context, input: &SyncInput, settings: &crate::settings::Settings) -> Result<ops::sync::SyncReport> {
    let targets = match (input.all_agents, input.agents.is_empty()) {
        (true, false) => return Err(Error::InvalidInput("use either agents or allAgents, not both".into())),
        (true, true) => ops::sync::Targets::All,
        (false, false) => ops::sync::Targets::Agents(input.agents.clone()),
        (false, true) => settings.sync_targets(),
    };
    let profile_id = input.profile_id.clone().or_else(|| settings.mirror_profile_id.clone());
    ops::sync::sync(ctx, &ops::sync::SyncRequest { targets, profile_id, dry_run: input.dry_run })
}

/// Who asks for a settings change. The targets decide which hosts receive Claude Code's full
/// access token, so only someone at this machine may change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The tray app's own window (IPC) or the CLI: the user at this machine.
    Window,
    /// A browser through `authtray serve`. Whatever else that browser has open may be driving
    /// it, and nothing a page shows can prove a person approved the change.
    Web,
}

/// Where the targets can be changed, for a [`Caller::Web`] that tried.
pub(crate) const TARGETS_AT_THE_MACHINE: &str = "Add or change hosts in the authtray app's window or with `authtray target add`";

/// Validates and saves the settings at `path`; returns what was saved. A [`Caller::Web`] may
/// change everything but the targets (adding, removing, their URLs, their mirror flag) and the
/// programs that reach them (which this machine runs): such a change is refused whole, and the
/// file stays as it was.
pub fn save_settings(
    path: &std::path::Path,
    input: &crate::settings::Settings,
    caller: Caller,
) -> Result<crate::settings::Settings, ApiError> {
    if caller == Caller::Web {
        let saved = crate::settings::Settings::load(path)?;
        if saved.targets != input.targets {
            return Err(ApiError::new(
                403,
                "refused",
                format!("The hosts that receive Claude Code's login cannot be changed from a browser. {TARGETS_AT_THE_MACHINE}."),
            ));
        }
        if saved.docker_command != input.docker_command || saved.kubectl_command != input.kubectl_command {
            return Err(ApiError::new(
                403,
                "refused",
                "The programs that reach other hosts run on this computer, so they cannot be changed from a browser. Change them in the authtray app's window.",
            ));
        }
    }
    input.save(path)?;
    Ok(input.clone())
}

/// The latest mirror run, as the overview's "Last sync" shows it (the same document from the
/// app and from `serve`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastSync {
    /// When it ran.
    pub at: Millis,
    /// Its report, when it ran.
    pub report: Option<ops::sync::SyncReport>,
    /// Why it could not run at all.
    pub error: Option<crate::error::Failure>,
    /// The saved targets (gateways on other hosts) as the live service last found them.
    pub targets: Vec<crate::target_pool::TargetState>,
}

impl LastSync {
    /// Records a sync's outcome.
    pub fn of(at: Millis, result: &Result<ops::sync::SyncReport>) -> LastSync {
        match result {
            Ok(r) => LastSync { at, report: Some(r.clone()), error: None, targets: Vec::new() },
            // Not being logged in is the source's state, not a failed mirror.
            Err(Error::NoLogin(_)) => LastSync { at, report: None, error: None, targets: Vec::new() },
            Err(e) => LastSync { at, report: None, error: Some(e.failure()), targets: Vec::new() },
        }
    }
}

/// The status with its verdict, judged with the settings and the last mirror run, so every
/// shell shows the same one.
pub fn status(
    ctx: &Context,
    settings: &crate::settings::Settings,
    last: Option<&LastSync>,
    warn_within_ms: Millis,
) -> ops::status::StatusReport {
    let inputs = crate::verdict::Inputs {
        sync: last.and_then(|l| l.report.as_ref()),
        sync_error: last.and_then(|l| l.error.as_ref()),
        settings,
        now: ctx.now,
        targets: last.map_or(&[], |l| l.targets.as_slice()),
    };
    ops::status::with_verdict(ctx, warn_within_ms, &inputs)
}

/// The tray's glance (icon state, headline, its fix, lines) as the menu shows it: for scripts and
/// tests that check the tray and the window agree. The window itself reads `status().verdict`.
pub fn glance(ctx: &Context, settings: &crate::settings::Settings, last: Option<&LastSync>) -> crate::glance::Glance {
    let status = status(ctx, settings, last, crate::health::DEFAULT_WARN_MS);
    let targets = last.map_or(&[][..], |l| l.targets.as_slice());
    let verdict = status.verdict.clone().unwrap_or_else(|| {
        crate::verdict::judge(&status, &crate::verdict::Inputs { sync: None, sync_error: None, settings, now: ctx.now, targets })
    });
    crate::glance::glance(&status, &verdict, targets, ctx.now)
}

/// An error as the UI and the HTTP API show it.
#[derive(Debug, Clone, Serialize)]
pub struct ApiError {
    /// The HTTP status that fits.
    #[serde(skip)]
    pub status: u16,
    /// The message: what happened, which file, what to do (the details).
    pub error: String,
    /// What happened and what to do in plain words, for a banner or a notification
    /// ([`Error::summary`]); `error` goes behind "Details".
    pub summary: String,
    /// A stable word for scripts and the UI (`invalid-input`, `locked`, …).
    pub kind: &'static str,
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let kind = e.kind();
        ApiError { status: kind.http_status(), error: e.to_string(), summary: e.summary(), kind: kind.as_str() }
    }
}

impl ApiError {
    /// An error a shell raises itself, its message already in plain words.
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> ApiError {
        let error = message.into();
        ApiError { status, summary: error.clone(), error, kind }
    }

    /// A request the shell could not even read (bad JSON, wrong fields).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "invalid-input", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_token_says_what_is_wrong_and_never_echoes_the_token() {
        let tok = format!("sk-ant-oat01-{}", "A".repeat(80));
        let c = check_token(&CheckInput { token: tok.clone(), provider: None });
        assert!(c.valid);
        assert_eq!((c.provider.as_deref(), c.suggested_expiry), (Some("anthropic"), Some("365d")));
        assert!(!serde_json::to_string(&c).unwrap().contains(&tok));
        let c = check_token(&CheckInput { token: "hello".into(), provider: None });
        assert!(!c.valid && c.message.unwrap().contains("choose the provider"));
        let c = check_token(&CheckInput { token: "sk-ant-oat01-short".into(), provider: None });
        assert!(c.message.unwrap().contains("too short"));
        let c = check_token(&CheckInput { token: format!("sk-ant-ort01-{}", "B".repeat(80)), provider: None });
        assert!(c.message.unwrap().contains("refresh token"));
        let dbg = format!("{:?}", PasteInput { token: tok.clone(), provider: None, profile_id: None, expires_in: None, agent: None });
        assert!(!dbg.contains(&tok));
    }

    #[test]
    fn only_the_window_changes_where_the_login_goes() {
        use crate::settings::Settings;
        use crate::target::TargetEntry;
        let dir = tempfile::tempdir().unwrap();
        let path = Settings::path(dir.path());
        let vps = TargetEntry { name: "vps".into(), url: "ssh://gw@vps.example".into(), mirror: false };
        let mine = Settings { targets: vec![vps.clone()], ..Settings::default() };
        save_settings(&path, &mine, Caller::Window).unwrap();
        let before = std::fs::read(&path).unwrap();
        let attacker = TargetEntry { name: "box".into(), url: "docker://attacker-box".into(), mirror: true };
        let changes = [
            vec![vps.clone(), attacker.clone()],
            vec![],
            vec![TargetEntry { mirror: true, ..vps.clone() }],
            vec![TargetEntry { url: "docker://attacker-box".into(), ..vps.clone() }],
        ];
        for targets in changes {
            let e = save_settings(&path, &Settings { targets, source_lead_ms: 60_000, ..mine.clone() }, Caller::Web).unwrap_err();
            assert_eq!((e.status, e.kind), (403, "refused"));
            assert!(e.error.contains(TARGETS_AT_THE_MACHINE), "{}", e.error);
            assert_eq!(std::fs::read(&path).unwrap(), before, "a refused change was written");
        }
        // Nor the programs that reach them, which run here.
        for (docker, kubectl) in [(Some("/tmp/evil"), None), (None, Some("sh"))] {
            let change = Settings { docker_command: docker.map(Into::into), kubectl_command: kubectl.map(Into::into), ..mine.clone() };
            let e = save_settings(&path, &change, Caller::Web).unwrap_err();
            assert_eq!((e.status, e.kind), (403, "refused"));
            assert!(e.error.contains("run on this computer"), "{}", e.error);
            assert_eq!(Settings::load(&path).unwrap(), mine, "the file stays as it was");
        }
        save_settings(&path, &Settings { docker_command: Some("podman".into()), ..mine.clone() }, Caller::Window).unwrap();
        save_settings(&path, &mine, Caller::Window).unwrap();
        // Everything else still saves from a browser (how often hosts are checked too), and the
        // window may change the targets.
        let saved = save_settings(&path, &Settings { source_lead_ms: 60_000, target_check_mins: 15, ..mine.clone() }, Caller::Web).unwrap();
        assert_eq!(Settings::load(&path).unwrap(), saved);
        save_settings(&path, &Settings { targets: vec![attacker], ..mine }, Caller::Window).unwrap();
        assert_eq!(Settings::load(&path).unwrap().targets.len(), 1);
    }

    #[test]
    fn errors_map_to_fitting_statuses() {
        assert_eq!(ApiError::from(Error::InvalidInput("x".into())).status, 400);
        assert_eq!(ApiError::from(Error::GatewayCliMissing { tried: "x".into() }).status, 503);
        let e = ApiError::from(Error::LockBusy { lock: "/l".into(), holder: "pid 1".into(), waited_ms: 5 });
        assert_eq!((e.status, e.kind), (409, "locked"));
        // Not the user's input: a target that is not saved, a service in the way or not started,
        // a login too close to its end.
        let settings = crate::settings::Settings::default();
        let e = ApiError::from(settings.unknown_target("vps"));
        assert_eq!((e.status, e.kind), (404, "not-found"));
        assert!(e.error.contains("\"vps\"") && e.error.contains("none"), "{}", e.error);
        let e = ApiError::from(Error::ServiceInstalled { path: "/u".into() });
        assert_eq!((e.status, e.kind), (409, "refused"));
        let e = ApiError::from(Error::ServiceStart { path: "/u".into(), reason: "no bus".into() });
        assert_eq!((e.status, e.kind), (500, "service-manager"));
        assert_eq!(ApiError::from(Error::ExpiresTooSoon { secs: 3 }).kind, "refused");
    }
}
