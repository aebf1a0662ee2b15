//! `status`: every agent's profiles with their health, the Claude Code source, and the
//! gateway-compatible `--check` code.

use std::collections::BTreeMap;

use super::{redacted, Context};
use crate::clock::Millis;
use crate::gateway::Generation;
use crate::health::{self, Status};

pub use crate::report::{
    AgentReport, Candidate, ClaudeCliRoute, ClaudeReport, ProfileReport, Route, RouteKind, SourceKind, SourceStatus, StatusReport,
};

/// Builds the status report. Unreadable stores are reported per agent, not fatal.
pub(crate) fn status(ctx: &Context, warn_within_ms: Millis) -> StatusReport {
    let install = &ctx.install;
    let env = health::env_credentials(&ctx.env, &install.state_dir);
    let env_providers = health::providers_of(&env);
    // Claude Code's executable and login are looked up once, and only when a route needs them.
    let claude_cli = std::sync::OnceLock::new();
    let agents: Vec<AgentReport> =
        install.agents.iter().map(|agent| agent_report(ctx, agent, &env_providers, warn_within_ms, &claude_cli)).collect();
    let gateway_check = agents.iter().find(|a| a.id == "main").or(agents.first()).map_or(1, |a| a.check);
    StatusReport {
        generation: install.generation.map_or("none", Generation::name),
        generation_evidence: install.evidence.clone(),
        gateway_version: install.version.as_ref().map(|v| v.raw.clone()),
        state_dir: install.state_dir.clone(),
        config_path: install.config.path.clone(),
        claude_code: ClaudeReport {
            email: crate::claude_cli::account_email(&ctx.locator.dir, &ctx.env),
            ..ClaudeReport::from_state(&ctx.login(), ctx.now)
        },
        agents,
        check: gateway_check,
        gateway_check,
        verdict: None,
        warn_within_ms,
        now: ctx.now,
        gateway_process: crate::gateway::running::probe(install, &ctx.env),
        env,
        mirror_keeper: crate::keeper::current(&ctx.env, ctx.now),
    }
}

fn agent_report(
    ctx: &Context,
    agent: &crate::gateway::Agent,
    env_providers: &[String],
    warn: Millis,
    claude_cli: &std::sync::OnceLock<ClaudeCliRoute>,
) -> AgentReport {
    use crate::gateway::runtime::Runtime;
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
    report.routes = crate::gateway::runtime::grouped(&crate::gateway::runtime::model_routes(&install.config, &agent.id, generation))
        .into_iter()
        .map(|(provider, runtime, models, fallback)| {
            let tried = candidates(generation, &doc, &install.config, &provider, ctx.now, warn);
            let env = env_providers.iter().any(|e| e == &provider);
            let cli = || (runtime == Runtime::ClaudeCli).then(|| claude_cli.get_or_init(|| ctx.claude_cli_route()).clone());
            Route { models, fallback, ..Route::for_runtime(provider, runtime, &tried, env, cli, ctx.now) }
        })
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

/// The profiles the gateway would try for `provider` from this machine's store, in its order.
fn candidates(
    generation: Generation,
    doc: &crate::gateway::store::StoreDoc,
    config: &crate::gateway::GatewayConfig,
    provider: &str,
    now: Millis,
    warn: Millis,
) -> Vec<Candidate> {
    use crate::gateway::store::Credential;
    health::try_order(generation, doc, config, provider, now)
        .into_iter()
        .map(|p| {
            let h = health::assess(generation, &p, now, warn);
            Candidate {
                // The gateway refreshes an OAuth profile that has a refresh token itself.
                renews: matches!(&p.credential, Credential::OAuth { refresh: Some(_), .. }),
                dead: matches!(h.status, Status::Expired | Status::Missing),
                api_key: matches!(&p.credential, Credential::ApiKey { .. }),
                expires_at: h.expires_at,
                resting_until: health::resting_until(doc, &p.id, now),
                id: p.id,
            }
        })
        .collect()
}

/// The status report with its verdict, computed once for every shell.
pub(crate) fn with_verdict(ctx: &Context, warn_within_ms: Millis, inputs: &crate::verdict::Inputs<'_>) -> StatusReport {
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
    use crate::report::{Overall, TargetState};

    /// A saved target as the live service last learned of it: `reached` None (still being
    /// checked), false (did not answer) or true (answered with its own `overall`).
    pub(crate) fn target(name: &str, reached: Option<bool>, overall: Overall, headline: &str) -> TargetState {
        let entry = crate::target::TargetEntry { name: name.into(), url: format!("ssh://{name}"), mirror: false };
        TargetState { reached, overall, headline: headline.into(), ..TargetState::new(&entry) }
    }

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
            rate_limit_tier: None,
            logged_in: status != SourceStatus::Missing,
            email: None,
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
            mirror_keeper: Some("the authtray app".into()),
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
