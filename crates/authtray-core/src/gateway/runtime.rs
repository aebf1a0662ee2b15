//! Which runtime runs each model the gateway's agents use, read from the config the way
//! openclaw resolves it (`docs/gateway/config-agents/runtime-and-cli-backends.md` in its
//! package), because the runtime decides what credential a model call needs:
//!
//! * the gateway's own runtime sends a credential from its auth store or environment;
//! * the **Claude CLI** runtime runs Claude Code, which uses its own login (a stored Anthropic
//!   token profile, when there is one, overrides that login: measured on 2026.9.6);
//! * the **Codex** runtime runs OpenAI models on the OpenAI login the gateway keeps itself.
//!
//! Precedence, as the docs give it: exact model policy first (the agent's
//! `models["provider/model"]`, then `agents.defaults.models["provider/model"]`, then
//! `models.providers.<p>.models[]`), then the `provider/*` wildcard entries (agent, then
//! defaults), then `models.providers.<p>.agentRuntime`. Whole-agent runtime keys
//! (`agents.defaults.agentRuntime`) are legacy and ignored by the gateway, so here too. Legacy
//! refs (`claude-cli/<model>`, `codex/<model>`, `openai-codex/<model>`) name their runtime in
//! the provider part.

use serde::Serialize;
use serde_json::Value;

use super::config::normalize_provider;
use super::GatewayConfig;

/// What runs a model call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// The gateway itself, with a credential from its store or environment.
    Gateway,
    /// Claude Code, run by the gateway, on Claude Code's own login.
    ClaudeCli,
    /// The Codex app-server, on the OpenAI login the gateway keeps in its store.
    Codex,
}

/// One model an agent may call: its provider (normalised, legacy prefixes mapped) and runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModelRoute {
    /// The model ref as the config writes it (`anthropic/claude-opus-4-6`).
    pub model: String,
    /// The provider whose credential the call needs (`anthropic` for `claude-cli/*` too).
    pub provider: String,
    /// What runs the call.
    pub runtime: Runtime,
    /// Whether it is a fallback rather than the primary model.
    pub fallback: bool,
}

/// The models `agent` uses (its own model setting, else the defaults', else the generation's
/// default model), primary first, each with its runtime. clawdbot has no Codex runtime: its
/// `openai/*` models run on the gateway itself.
pub(crate) fn model_routes(config: &GatewayConfig, agent: &str, generation: super::Generation) -> Vec<ModelRoute> {
    let default_model = generation.default_model();
    let has_codex = generation != super::Generation::Clawdbot;
    let entry = agent_entry(&config.value, agent);
    let refs = entry
        .and_then(|e| e.get("model"))
        .and_then(model_refs)
        .or_else(|| config.value.pointer("/agents/defaults/model").and_then(model_refs));
    let refs = match refs {
        Some(r) if !r.is_empty() => r,
        _ => vec![default_model.to_string()],
    };
    let mut out: Vec<ModelRoute> = Vec::new();
    for (i, model) in refs.into_iter().enumerate() {
        let Some((prefix, name)) = model.split_once('/') else { continue };
        let prefix = normalize_provider(prefix);
        let (provider, runtime) = match prefix.as_str() {
            "claude-cli" => ("anthropic".to_string(), Runtime::ClaudeCli),
            "codex" | "openai-codex" => ("openai".to_string(), Runtime::Codex),
            _ => {
                let runtime = runtime_of(&config.value, entry, &prefix, name).unwrap_or_else(|| {
                    if has_codex {
                        implicit(&config.value, &prefix)
                    } else {
                        Runtime::Gateway
                    }
                });
                (prefix, runtime)
            }
        };
        out.push(ModelRoute { model, provider, runtime, fallback: i > 0 });
    }
    out
}

/// The agent's model routes grouped by provider and runtime, in the order the gateway tries
/// them: `(provider, runtime, models, only fallbacks)`.
pub(crate) fn grouped(models: &[ModelRoute]) -> Vec<(String, Runtime, Vec<String>, bool)> {
    let mut out: Vec<(String, Runtime, Vec<String>, bool)> = Vec::new();
    for m in models {
        match out.iter_mut().find(|(p, r, _, _)| p == &m.provider && *r == m.runtime) {
            Some(g) => {
                g.2.push(m.model.clone());
                g.3 &= m.fallback;
            }
            None => out.push((m.provider.clone(), m.runtime, vec![m.model.clone()], m.fallback)),
        }
    }
    out
}

/// Whether every Anthropic model runs through Claude Code: then Claude Code's own login carries
/// them all, and a stored copy of it is not needed (it would override the login).
pub(crate) fn runs_claude_code_only(models: &[ModelRoute]) -> bool {
    let mut anthropic = models.iter().filter(|m| m.provider == "anthropic").peekable();
    anthropic.peek().is_some() && anthropic.all(|m| m.runtime == Runtime::ClaudeCli)
}

/// `primary` and `fallbacks` of a model setting (a string or `{primary, fallbacks}`).
fn model_refs(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.trim().to_string()]),
        Value::Object(o) => {
            let primary = o.get("primary").and_then(Value::as_str).map(|s| s.trim().to_string());
            let fallbacks =
                o.get("fallbacks").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(|s| s.trim().to_string());
            Some(primary.into_iter().chain(fallbacks).filter(|s| !s.is_empty()).collect())
        }
        _ => None,
    }
}

/// The agent's own config entry (`agents.entries.<id>` or `agents.list[]` with that id).
fn agent_entry<'a>(config: &'a Value, agent: &str) -> Option<&'a Value> {
    let same = |id: &str| id.trim().eq_ignore_ascii_case(agent);
    if let Some(entries) = config.pointer("/agents/entries").and_then(Value::as_object) {
        if let Some(e) = entries.iter().find(|(k, e)| same(e.get("id").and_then(Value::as_str).unwrap_or(k))).map(|(_, e)| e) {
            return Some(e);
        }
    }
    config.pointer("/agents/list").and_then(Value::as_array)?.iter().find(|e| e.get("id").and_then(Value::as_str).is_some_and(same))
}

/// The runtime the config names for `provider/name`, by the gateway's precedence.
fn runtime_of(config: &Value, entry: Option<&Value>, provider: &str, name: &str) -> Option<Runtime> {
    let exact = format!("{provider}/{name}");
    let wildcard = format!("{provider}/*");
    let defaults = config.pointer("/agents/defaults/models");
    let in_map = |map: Option<&Value>, key: &str| -> Option<Option<Runtime>> {
        let map = map?.as_object()?;
        let (_, v) = map.iter().find(|(k, _)| k.trim().eq_ignore_ascii_case(key))?;
        runtime_field(v)
    };
    let agent_models = entry.and_then(|e| e.get("models"));
    let provider_cfg = config
        .pointer("/models/providers")
        .and_then(Value::as_object)
        .and_then(|m| m.iter().find(|(k, _)| normalize_provider(k) == provider).map(|(_, v)| v));
    let provider_model = || -> Option<Option<Runtime>> {
        let models = provider_cfg?.get("models")?.as_array()?;
        runtime_field(models.iter().find(|m| m.get("id").and_then(Value::as_str).is_some_and(|id| id.trim() == name))?)
    };
    // Each level answers `Some(choice)` when it sets a runtime; `auto` is a choice of its own
    // (the implicit one), so it stops the search like any other.
    in_map(agent_models, &exact)
        .or_else(|| in_map(defaults, &exact))
        .or_else(provider_model)
        .or_else(|| in_map(agent_models, &wildcard))
        .or_else(|| in_map(defaults, &wildcard))
        .or_else(|| provider_cfg.and_then(runtime_field))
        .flatten()
}

/// `agentRuntime.id` of a policy entry: `Some(Some(runtime))` when it names one,
/// `Some(None)` for `auto`, `None` when the entry sets none.
fn runtime_field(v: &Value) -> Option<Option<Runtime>> {
    let id = v.get("agentRuntime")?.get("id")?.as_str()?.trim().to_ascii_lowercase();
    Some(match id.as_str() {
        "claude-cli" => Some(Runtime::ClaudeCli),
        // `codex-cli` is a stale pin that the gateway's doctor repairs to `codex`.
        "codex" | "codex-cli" => Some(Runtime::Codex),
        "auto" | "" => None,
        // `openclaw`, its old alias `pi`, and harnesses authtray has no credential rules for.
        _ => Some(Runtime::Gateway),
    })
}

/// With no runtime set (or `auto`): OpenAI's official route may select Codex, and its auth is
/// the gateway's OpenAI login either way; a custom endpoint or an authored Completions adapter
/// keeps the gateway's own runtime. Every other provider runs on the gateway.
fn implicit(config: &Value, provider: &str) -> Runtime {
    if provider != "openai" {
        return Runtime::Gateway;
    }
    let p = config
        .pointer("/models/providers")
        .and_then(Value::as_object)
        .and_then(|m| m.iter().find(|(k, _)| normalize_provider(k) == "openai").map(|(_, v)| v));
    let custom_url = p.and_then(|p| p.get("baseUrl")).and_then(Value::as_str).is_some_and(|u| {
        let u = u.trim().trim_end_matches('/');
        !(u == "https://api.openai.com/v1" || u == "https://api.openai.com" || u == "https://chatgpt.com/backend-api")
    });
    let completions = p.and_then(|p| p.get("api")).and_then(Value::as_str) == Some("openai-completions");
    if custom_url || completions {
        Runtime::Gateway
    } else {
        Runtime::Codex
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> GatewayConfig {
        GatewayConfig { path: "/nonexistent/openclaw.json".into(), value: json5::from_str(text).unwrap(), exists: true }
    }

    fn routes(text: &str, agent: &str) -> Vec<(String, String, Runtime, bool)> {
        model_routes(&config(text), agent, super::super::Generation::OpenclawSqlite)
            .into_iter()
            .map(|r| (r.model, r.provider, r.runtime, r.fallback))
            .collect()
    }

    #[test]
    fn the_documented_claude_cli_config_runs_anthropic_through_claude_code() {
        let r = routes(
            r#"{ agents: { defaults: { model: { primary: "anthropic/claude-opus-4-6" },
                 models: { "anthropic/claude-opus-4-6": { agentRuntime: { id: "claude-cli" } } } } } }"#,
            "main",
        );
        assert_eq!(r, vec![("anthropic/claude-opus-4-6".into(), "anthropic".into(), Runtime::ClaudeCli, false)]);
    }

    #[test]
    fn legacy_refs_name_their_runtime_and_map_to_the_provider_whose_login_they_use() {
        let r = routes(
            r#"{ agents: { defaults: { model: { primary: "anthropic/claude-opus-4-6", fallbacks: ["claude-cli/claude-sonnet-5", "openai-codex/gpt-5.5"] } } } }"#,
            "main",
        );
        assert_eq!(
            r,
            vec![
                ("anthropic/claude-opus-4-6".into(), "anthropic".into(), Runtime::Gateway, false),
                ("claude-cli/claude-sonnet-5".into(), "anthropic".into(), Runtime::ClaudeCli, true),
                ("openai-codex/gpt-5.5".into(), "openai".into(), Runtime::Codex, true),
            ]
        );
    }

    #[test]
    fn exact_model_policy_wins_over_wildcards_and_provider_policy() {
        let text = r#"{
          models: { providers: { anthropic: { agentRuntime: { id: "claude-cli" } }, openai: { agentRuntime: { id: "openclaw" } } } },
          agents: { defaults: { model: { primary: "anthropic/a", fallbacks: ["anthropic/b", "openai/c", "openai/d"] },
            models: { "anthropic/a": { agentRuntime: { id: "openclaw" } }, "openai/*": { agentRuntime: { id: "codex" } },
                      "openai/d": { agentRuntime: { id: "auto" } } } } } }"#;
        let r: Vec<Runtime> = routes(text, "main").into_iter().map(|r| r.2).collect();
        // a: exact openclaw beats the provider's claude-cli; b: the provider's claude-cli;
        // c: the wildcard beats the provider's openclaw; d: an exact `auto` is the implicit choice.
        assert_eq!(r, vec![Runtime::Gateway, Runtime::ClaudeCli, Runtime::Codex, Runtime::Codex]);
    }

    #[test]
    fn an_agents_own_model_and_policy_come_first() {
        let text = r#"{ agents: {
            defaults: { model: "anthropic/x", models: { "anthropic/y": { agentRuntime: { id: "openclaw" } } } },
            list: [ { id: "work", model: { primary: "anthropic/y" }, models: { "anthropic/y": { agentRuntime: { id: "claude-cli" } } } } ] } }"#;
        assert_eq!(routes(text, "work")[0].2, Runtime::ClaudeCli);
        assert_eq!(routes(text, "main")[0].0, "anthropic/x");
        let entries = r#"{ agents: { entries: { ops: { model: "anthropic/z", models: { "anthropic/*": { agentRuntime: { id: "claude-cli" } } } } } } }"#;
        assert_eq!(routes(entries, "ops")[0].2, Runtime::ClaudeCli);
    }

    #[test]
    fn provider_model_lists_and_whole_agent_keys() {
        let text = r#"{ models: { providers: { anthropic: { models: [ { id: "m", agentRuntime: { id: "claude-cli" } } ] } } },
          agents: { defaults: { agentRuntime: { id: "claude-cli" }, model: { primary: "anthropic/m", fallbacks: ["anthropic/n"] } } } }"#;
        let r: Vec<Runtime> = routes(text, "main").into_iter().map(|r| r.2).collect();
        // The whole-agent key is legacy: the gateway ignores it, so `n` runs on the gateway.
        assert_eq!(r, vec![Runtime::ClaudeCli, Runtime::Gateway]);
    }

    #[test]
    fn openai_runs_on_codex_unless_its_endpoint_or_adapter_is_custom() {
        assert_eq!(routes(r#"{ agents: { defaults: { model: "openai/gpt-5.5" } } }"#, "main")[0].2, Runtime::Codex);
        assert_eq!(routes("{}", "main")[0], ("openai/gpt-6-astra".into(), "openai".into(), Runtime::Codex, false));
        let custom =
            r#"{ models: { providers: { openai: { baseUrl: "http://127.0.0.1:9/v1" } } }, agents: { defaults: { model: "openai/x" } } }"#;
        assert_eq!(routes(custom, "main")[0].2, Runtime::Gateway);
        let completions =
            r#"{ models: { providers: { openai: { api: "openai-completions" } } }, agents: { defaults: { model: "openai/x" } } }"#;
        assert_eq!(routes(completions, "main")[0].2, Runtime::Gateway);
    }

    #[test]
    fn clawdbot_has_no_codex_runtime() {
        let r = model_routes(&config(r#"{ agents: { defaults: { model: "openai/gpt-5" } } }"#), "main", super::super::Generation::Clawdbot);
        assert_eq!(r[0].runtime, Runtime::Gateway);
    }

    #[test]
    fn odd_shapes_are_skipped_not_fatal() {
        let r = routes(
            r#"{ agents: { defaults: { model: { primary: 7, fallbacks: ["nope", 3, "anthropic/ok"] }, models: { "anthropic/ok": { agentRuntime: "claude-cli" } } } } }"#,
            "main",
        );
        assert_eq!(r, vec![("anthropic/ok".into(), "anthropic".into(), Runtime::Gateway, true)]);
    }
}
