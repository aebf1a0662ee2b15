//! A remote gateway's status in the local report's shape, read from its own
//! `models status --json`, so one verdict, one renderer and one JSON schema serve both. What the
//! far CLI cannot tell (whether its process runs, its environment, stray files) is null in JSON.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::{RemoteGateway, TargetRef};
use crate::claude::LoginState;
use crate::clock::Millis;
use crate::error::Result;
use crate::gateway::running::GatewayProcess;
use crate::health::{Availability, AvailabilityState, Status};
use crate::report::{AgentReport, Candidate, ClaudeReport, ProfileReport, Route, StatusReport};
use crate::settings::Settings;

/// One profile as a remote gateway's status shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SeenProfile {
    /// The profile id.
    pub id: String,
    /// Its provider.
    pub provider: String,
    /// `token`, `oauth`, `api_key`, when told.
    pub kind: Option<String>,
    /// The gateway's status word (ok, expiring, expired, static, missing).
    pub status: Option<String>,
    /// When it expires.
    pub expires_at: Option<Millis>,
    /// The secret as the gateway shows it (`sk-ant-o...Ab12`), when it shows one.
    pub shown: Option<String>,
}

impl SeenProfile {
    /// The secret in authtray's own redacted form: the gateway shows 8 characters at each end,
    /// authtray never more than the last 4.
    pub(crate) fn redacted(&self) -> Option<String> {
        let shown = self.shown.as_deref()?;
        let (head, tail) = shown.split_once("...")?;
        let last4 = tail.char_indices().rev().nth(3).map_or(tail, |(i, _)| &tail[i..]);
        Some(format!("{head}…{last4}"))
    }
}

/// The entry for `id`, added when new.
fn entry<'a>(out: &'a mut Vec<SeenProfile>, id: &str, provider: &str) -> &'a mut SeenProfile {
    let i = match out.iter().position(|p| p.id == id) {
        Some(i) => i,
        None => {
            out.push(SeenProfile { id: id.to_string(), provider: provider.to_string(), ..SeenProfile::default() });
            out.len() - 1
        }
    };
    &mut out[i]
}

/// Every profile a `models status --json` document mentions: the health entries (type, status,
/// expiry) merged with the per-provider labels (which also list API keys and the shown secret).
pub(crate) fn seen_profiles(status: &Value) -> Vec<SeenProfile> {
    let mut out: Vec<SeenProfile> = Vec::new();
    let health = array(status.pointer("/auth/oauth/providers"))
        .flat_map(|p| array(p.get("profiles")))
        .chain(array(status.pointer("/auth/oauth/profiles")));
    for h in health {
        let (Some(id), Some(provider)) = (text(h.get("profileId")), text(h.get("provider"))) else { continue };
        let p = entry(&mut out, id, provider);
        p.kind = text(h.get("type")).map(str::to_string).or(p.kind.take());
        p.status = text(h.get("status")).map(str::to_string).or(p.status.take());
        p.expires_at = h.get("expiresAt").and_then(Value::as_i64).or(p.expires_at);
    }
    for provider in array(status.pointer("/auth/providers")) {
        let name = text(provider.get("provider")).unwrap_or_default();
        for label in array(provider.pointer("/profiles/labels")).filter_map(Value::as_str) {
            let Some((id, rest)) = label.split_once('=') else { continue };
            // "… [cooldown 4m]" / "… [disabled:billing 2h]" is said again in unusableProfiles.
            let rest = rest.split(" [").next().unwrap_or(rest);
            let p = entry(&mut out, id, name);
            let (kind, shown) = match rest {
                "missing" | "token:missing" => (None, None),
                r if r.starts_with("OAuth") => (Some("oauth"), None),
                r => match r.strip_prefix("token:") {
                    Some(t) => (Some("token"), Some(t)),
                    None => (Some("api_key"), Some(r)),
                },
            };
            if p.kind.is_none() {
                p.kind = kind.map(str::to_string);
            }
            p.shown = shown.filter(|s| s.contains("...")).map(str::to_string);
        }
    }
    out
}

/// The remote gateway's status as a [`StatusReport`], with its verdict.
pub struct RemoteReport {
    /// Which target.
    pub target: TargetRef,
    /// How it was reached (`gw@vps:2222`).
    pub reached: String,
    /// The CLI used there.
    pub cli: String,
    /// The report, in the local shape.
    pub report: StatusReport,
}

impl RemoteReport {
    /// The JSON document: the local `status --json` shape, with `target` added and what the far
    /// CLI cannot tell set to null.
    pub(crate) fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(&self.report).unwrap_or(Value::Null);
        v["gatewayProcess"] = Value::Null;
        v["env"] = Value::Null;
        for a in v["agents"].as_array_mut().into_iter().flatten() {
            a["storeExists"] = Value::Null;
            a["strayJson"] = Value::Null;
        }
        v["target"] = serde_json::json!({
            "name": self.target.name, "url": self.target.url, "reached": self.reached, "cli": self.cli,
        });
        v
    }
}

impl serde::Serialize for RemoteReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// Reads the remote gateway's status (as read at connect, plus its Anthropic order) into the
/// local report's shape and judges it with the local verdict. `login` is this machine's Claude
/// Code login: the source `sync` would mirror to the target.
pub fn report(
    g: &RemoteGateway,
    login: &LoginState,
    settings: &Settings,
    keeper: Option<&str>,
    now: Millis,
    warn: Millis,
) -> Result<RemoteReport> {
    let s = &g.status;
    let order = match &g.anthropic_order {
        Some(o) => o.clone(),
        None => super::order(g, "anthropic", None)?,
    };
    let agent = agent_report(g, order, now, warn);
    let gateway_check = gateway_check(s);
    let config_path = PathBuf::from(text(s.get("configPath")).unwrap_or_default());
    let mut report = StatusReport {
        generation: g.generation.name(),
        generation_evidence: format!(
            "{} models status --json on {} reports the store {}",
            g.cli.program.to_string_lossy(),
            g.target.name,
            text(s.pointer("/auth/storePath")).unwrap_or("(none)")
        ),
        gateway_version: None,
        state_dir: config_path.parent().map(PathBuf::from).unwrap_or_default(),
        config_path,
        claude_code: ClaudeReport::from_state(login, now),
        check: agent.check,
        agents: vec![agent],
        gateway_check,
        verdict: None,
        warn_within_ms: warn,
        now,
        gateway_process: GatewayProcess { running: false, port: 0, reachable: false, problem: None },
        env: Vec::new(),
        // A target marked to mirror is kept current from here, by whatever keeps this
        // machine's mirror (the live service mirrors to both).
        mirror_keeper: if g.target.mirror { keeper.map(str::to_string) } else { None },
    };
    // A target marked to mirror holds the mirror: its profile renews with Claude Code's login.
    let mut settings = settings.clone();
    if g.target.mirror && settings.mirror_profile_id.is_none() {
        settings.mirror_profile_id = Some(crate::gateway::Generation::OpenclawJson.mirror_profile_id().to_string());
    }
    let mut verdict =
        crate::verdict::judge(&report, &crate::verdict::Inputs { sync: None, sync_error: None, settings: &settings, now, targets: &[] });
    crate::verdict::for_target(&mut verdict, &g.target.name, now);
    report.check = verdict.check;
    report.verdict = Some(verdict);
    Ok(RemoteReport {
        target: TargetRef { name: g.target.name.clone(), url: g.target.url.clone() },
        reached: g.cli.remote.as_ref().map(|r| r.transport.describe()).unwrap_or_default(),
        cli: g.cli.program.to_string_lossy().into_owned(),
        report,
    })
}

fn agent_report(g: &RemoteGateway, order: Option<Vec<String>>, now: Millis, warn: Millis) -> AgentReport {
    let s = &g.status;
    let dir = PathBuf::from(text(s.get("agentDir")).unwrap_or_default());
    // …/agents/<id>/agent
    let id = dir
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| g.agent.clone())
        .unwrap_or_else(|| "main".into());
    let seen = seen_profiles(s);
    let resting = unusable(s);
    let effective: BTreeMap<String, Vec<String>> = array(s.pointer("/auth/oauth/providers"))
        .filter_map(|p| {
            let list = p.get("effectiveProfiles").or_else(|| p.get("profiles"));
            let ids = array(list).filter_map(|x| text(x.get("profileId")).map(str::to_string)).collect();
            text(p.get("provider")).map(|name| (name.to_string(), ids))
        })
        .collect();
    let mut profiles: Vec<ProfileReport> = seen
        .iter()
        .map(|p| ProfileReport {
            id: p.id.clone(),
            provider: p.provider.clone(),
            kind: match p.kind.as_deref() {
                Some("oauth") => "oauth",
                Some("api_key") => "api_key",
                _ => "token",
            },
            status: status_of(p),
            expires_at: p.expires_at,
            token: p.redacted(),
            used: effective.get(&p.provider).is_none_or(|ids| ids.contains(&p.id)),
            reason: None,
            rank: None,
            in_use: false,
            availability: resting.get(&p.id).cloned().unwrap_or(Availability::READY),
        })
        .collect();
    let env_providers: Vec<&str> = array(s.pointer("/auth/providers"))
        .filter(|p| text(p.pointer("/effective/kind")) == Some("env"))
        .filter_map(|p| text(p.get("provider")))
        .collect();
    let routes: Vec<Route> = crate::gateway::runtime::grouped(&model_routes(s))
        .into_iter()
        .map(|(provider, runtime, models, fallback)| {
            let tried: Vec<Candidate> = effective
                .get(&provider)
                .into_iter()
                .flatten()
                .filter_map(|id| profiles.iter().find(|p| &p.id == id))
                .map(|p| Candidate {
                    id: p.id.clone(),
                    // The gateway renews OAuth profiles itself; tokens and keys end when they end.
                    renews: p.kind == "oauth",
                    dead: matches!(p.status, Status::Expired | Status::Missing),
                    api_key: p.kind == "api_key",
                    expires_at: p.expires_at,
                    resting_until: p.availability.until.filter(|u| *u > now),
                })
                .collect();
            let env = env_providers.contains(&provider.as_str());
            Route { models, fallback, ..Route::for_runtime(provider, runtime, &tried, env, || g.claude_cli.clone(), now) }
        })
        .collect();
    for r in &routes {
        for p in profiles.iter_mut().filter(|p| p.provider == r.provider) {
            p.rank = r.usable.iter().position(|id| id == &p.id).map(|i| i + 1);
            p.in_use = r.profile.as_deref() == Some(p.id.as_str());
            p.used |= p.rank.is_some();
        }
    }
    let check = if routes.iter().any(|r| !r.works) {
        1
    } else if routes.iter().any(|r| r.until.is_some_and(|u| u - now <= warn)) {
        2
    } else {
        0
    };
    AgentReport {
        default: g.agent.as_deref().is_none_or(|a| a == id),
        id,
        store: PathBuf::from(text(s.pointer("/auth/storePath")).unwrap_or_default()),
        dir,
        store_exists: true,
        order: order.map(|o| BTreeMap::from([("anthropic".to_string(), o)])).unwrap_or_default(),
        effective_order: effective.into_iter().filter(|(_, ids)| !ids.is_empty()).collect(),
        profiles,
        check,
        error: None,
        routes,
        stray_json: Vec::new(),
    }
}

fn status_of(p: &SeenProfile) -> Status {
    match p.status.as_deref() {
        Some("ok") => Status::Ok,
        Some("expiring") => Status::Expiring,
        Some("expired") => Status::Expired,
        Some("missing") => Status::Missing,
        Some("static") => Status::Static,
        // API keys and tokens without an expiry are static to the gateway.
        _ if p.shown.is_some() => Status::Static,
        _ => Status::Missing,
    }
}

/// Profiles the gateway has set aside (`auth.unusableProfiles`).
fn unusable(s: &Value) -> BTreeMap<String, Availability> {
    array(s.pointer("/auth/unusableProfiles"))
        .filter_map(|u| {
            let id = text(u.get("profileId"))?;
            let state = if text(u.get("kind")) == Some("disabled") { AvailabilityState::Disabled } else { AvailabilityState::Cooldown };
            let a =
                Availability { state, until: u.get("until").and_then(Value::as_i64), reason: text(u.get("reason")).map(str::to_string) };
            Some((id.to_string(), a))
        })
        .collect()
}

/// The providers of the default model and its fallbacks, as the gateway resolved them.
fn providers_in_use(s: &Value) -> Vec<String> {
    let primary = text(s.get("resolvedDefault")).or_else(|| text(s.get("defaultModel")));
    let mut out: Vec<String> = Vec::new();
    let models = primary.into_iter().chain(array(s.get("fallbacks")).filter_map(Value::as_str));
    for provider in models.filter_map(|m| m.split_once('/')).map(|(p, _)| crate::gateway::config::normalize_provider(p)) {
        if !out.contains(&provider) {
            out.push(provider);
        }
    }
    for missing in array(s.pointer("/auth/missingProvidersInUse")).filter_map(Value::as_str) {
        if !out.iter().any(|p| p == missing) {
            out.push(missing.to_string());
        }
    }
    out
}

/// The remote agent's model routes with their runtimes: the default model and fallbacks as the
/// gateway resolved them, legacy prefixes mapped, and `auth.runtimeAuthRoutes` (2026.9+) for
/// the runtime the gateway chose per provider.
/// Whether every Anthropic model of this agent runs through Claude Code (then a mirror is not
/// needed there, and would override Claude Code's own login).
pub(crate) fn runs_claude_code_only(s: &Value) -> bool {
    crate::gateway::runtime::runs_claude_code_only(&model_routes(s))
}

/// Whether the gateway runs any of this agent's models through Claude Code.
pub(super) fn uses_claude_cli(s: &Value) -> bool {
    model_routes(s).iter().any(|m| m.runtime == crate::gateway::runtime::Runtime::ClaudeCli)
}

fn model_routes(s: &Value) -> Vec<crate::gateway::runtime::ModelRoute> {
    use crate::gateway::runtime::{ModelRoute, Runtime};
    let runtime_of = |provider: &str| {
        array(s.pointer("/auth/runtimeAuthRoutes")).filter(|r| text(r.get("provider")) == Some(provider)).find_map(|r| {
            match text(r.get("runtime")) {
                Some("claude-cli") => Some(Runtime::ClaudeCli),
                Some("codex" | "codex-cli") => Some(Runtime::Codex),
                _ => None,
            }
        })
    };
    let primary = text(s.get("resolvedDefault")).or_else(|| text(s.get("defaultModel")));
    let models = primary.into_iter().chain(array(s.get("fallbacks")).filter_map(Value::as_str));
    let mut out: Vec<ModelRoute> = Vec::new();
    for (i, model) in models.enumerate() {
        let Some((prefix, _)) = model.split_once('/') else { continue };
        let prefix = crate::gateway::config::normalize_provider(prefix);
        let (provider, runtime) = match prefix.as_str() {
            "claude-cli" => ("anthropic".to_string(), Runtime::ClaudeCli),
            "codex" | "openai-codex" => ("openai".to_string(), Runtime::Codex),
            "openai" => ("openai".to_string(), runtime_of("openai").unwrap_or(Runtime::Codex)),
            p => (p.to_string(), runtime_of(p).unwrap_or(Runtime::Gateway)),
        };
        out.push(ModelRoute { model: model.to_string(), provider, runtime, fallback: i > 0 });
    }
    for missing in array(s.pointer("/auth/missingProvidersInUse")).filter_map(Value::as_str) {
        if !out.iter().any(|m| m.provider == missing) {
            out.push(ModelRoute {
                model: format!("{missing}/*"),
                provider: missing.to_string(),
                runtime: Runtime::Gateway,
                fallback: false,
            });
        }
    }
    out
}

/// The gateway's own `models status --check` code, as it computes it from the same document.
fn gateway_check(s: &Value) -> u8 {
    let in_use = providers_in_use(s);
    let statuses: Vec<&str> = array(s.pointer("/auth/oauth/providers"))
        .filter(|p| text(p.get("provider")).is_some_and(|n| in_use.iter().any(|u| u == n)))
        .filter_map(|p| text(p.get("status")))
        .collect();
    if array(s.pointer("/auth/missingProvidersInUse")).next().is_some() || statuses.iter().any(|s| matches!(*s, "expired" | "missing")) {
        1
    } else if statuses.contains(&"expiring") {
        2
    } else {
        0
    }
}

fn array(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `models status --json` of openclaw 2026.5.28 with a pasted token, trimmed.
    fn sample() -> Value {
        serde_json::json!({
            "configPath": "/home/gw/.openclaw/openclaw.json",
            "agentDir": "/home/gw/.openclaw/agents/main/agent",
            "resolvedDefault": "anthropic/claude-opus-4-6",
            "fallbacks": ["openai/gpt-5.5"],
            "auth": {
                "storePath": "/home/gw/.openclaw/agents/main/agent/auth-profiles.json",
                "missingProvidersInUse": ["openai"],
                "providers": [{
                    "provider": "anthropic",
                    "effective": { "kind": "profiles" },
                    "profiles": { "labels": [
                        "anthropic:manual=token:sk-ant-o...WHJ3FSAA",
                        "anthropic:key=sk-ant-a...KEY9ZZZZ [cooldown 4m]",
                    ] }
                }],
                "unusableProfiles": [{ "profileId": "anthropic:key", "kind": "cooldown", "until": 4_000_000_000_000i64 }],
                "oauth": {
                    "profiles": [{ "profileId": "anthropic:manual", "provider": "anthropic", "type": "token", "status": "ok", "expiresAt": 3_000_000_000_000i64 }],
                    "providers": [{
                        "provider": "anthropic", "status": "ok",
                        "profiles": [
                            { "profileId": "anthropic:key", "provider": "anthropic", "type": "api_key", "status": "static" },
                            { "profileId": "anthropic:manual", "provider": "anthropic", "type": "token", "status": "ok", "expiresAt": 3_000_000_000_000i64 }
                        ],
                        "effectiveProfiles": [
                            { "profileId": "anthropic:key", "provider": "anthropic", "type": "api_key", "status": "static" },
                            { "profileId": "anthropic:manual", "provider": "anthropic", "type": "token", "status": "ok", "expiresAt": 3_000_000_000_000i64 }
                        ]
                    }]
                }
            }
        })
    }

    #[test]
    fn profiles_merge_health_and_labels() {
        let seen = seen_profiles(&sample());
        assert_eq!(seen.len(), 2);
        let manual = seen.iter().find(|p| p.id == "anthropic:manual").unwrap();
        assert_eq!(manual.kind.as_deref(), Some("token"));
        assert_eq!(manual.expires_at, Some(3_000_000_000_000));
        assert_eq!(manual.redacted().as_deref(), Some("sk-ant-o…FSAA"));
        let key = seen.iter().find(|p| p.id == "anthropic:key").unwrap();
        assert_eq!(key.kind.as_deref(), Some("api_key"));
        assert_eq!(key.redacted().as_deref(), Some("sk-ant-a…ZZZZ"), "the cooldown suffix is not part of the secret");
    }

    #[test]
    fn providers_and_the_gateways_check() {
        assert_eq!(providers_in_use(&sample()), vec!["anthropic", "openai"]);
        assert_eq!(gateway_check(&sample()), 1, "openai has no credential");
        let mut ok = sample();
        ok["fallbacks"] = serde_json::json!([]);
        ok["auth"]["missingProvidersInUse"] = serde_json::json!([]);
        assert_eq!(gateway_check(&ok), 0);
    }

    #[test]
    fn cooldown_comes_from_unusable_profiles() {
        let u = unusable(&sample());
        assert_eq!(u["anthropic:key"].state, AvailabilityState::Cooldown);
        assert_eq!(u["anthropic:key"].until, Some(4_000_000_000_000));
    }
}
