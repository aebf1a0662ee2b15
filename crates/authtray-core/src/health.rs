//! Health of stored credentials and the `--check` answer, computed exactly as each gateway
//! generation's `models status` computes them. Pure: a function of the store, config and clock.

use serde::Serialize;

use crate::clock::Millis;
use crate::gateway::config::GatewayConfig;
use crate::gateway::store::{Credential, Expires, Profile, StoreDoc};
use crate::gateway::Generation;

/// The gateway's warning window: less than this left is "expiring" (and `--check` 2).
pub const DEFAULT_WARN_MS: Millis = 24 * 60 * 60 * 1000;
/// OAuth profiles are "expiring" at least within the gateway's refresh margin.
const OAUTH_REFRESH_MARGIN_MS: Millis = 5 * 60 * 1000;

/// A credential's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Valid beyond the warning window.
    Ok,
    /// Valid, but less than the warning window left.
    Expiring,
    /// Past its expiry.
    Expired,
    /// Does not expire (API key, token without `expires`).
    Static,
    /// Unusable: no secret, or an unusable `expires`.
    Missing,
}

impl Status {
    /// The word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Expiring => "expiring",
            Status::Expired => "expired",
            Status::Static => "static",
            Status::Missing => "missing",
        }
    }
}

/// One profile's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProfileHealth {
    /// The verdict the gateway's `models status` would give.
    pub status: Status,
    /// The expiry the gateway would report, when valid.
    pub expires_at: Option<Millis>,
    /// Why it is `missing`, when it is.
    pub reason: Option<String>,
}

/// Classifies a profile as the given generation's `models status` does.
pub(crate) fn assess(generation: Generation, profile: &Profile, now: Millis, warn_ms: Millis) -> ProfileHealth {
    let timed = |expires: Millis, warn: Millis| {
        let left = expires - now;
        let status = if left <= 0 {
            Status::Expired
        } else if left <= warn {
            Status::Expiring
        } else {
            Status::Ok
        };
        ProfileHealth { status, expires_at: Some(expires), reason: None }
    };
    let missing = |why: &str| ProfileHealth { status: Status::Missing, expires_at: None, reason: Some(why.to_string()) };
    match &profile.credential {
        Credential::ApiKey { key: Some(_) } => ProfileHealth { status: Status::Static, expires_at: None, reason: None },
        Credential::ApiKey { key: None } => missing("the api_key profile has no key"),
        Credential::Token { token: None, .. } => missing("the token profile has no token"),
        Credential::Token { expires, .. } => match (expires, generation) {
            (Expires::Ms(ms), _) => timed(*ms, warn_ms),
            (Expires::Absent, _) => ProfileHealth { status: Status::Static, expires_at: None, reason: None },
            // clawdbot ignores an unusable expires on a token; openclaw refuses the token.
            (Expires::Invalid(_), Generation::Clawdbot) => ProfileHealth { status: Status::Static, expires_at: None, reason: None },
            (Expires::Invalid(what), _) => missing(&format!("its expires is {what}, not a time in milliseconds")),
        },
        Credential::OAuth { expires, .. } => match expires {
            Expires::Ms(ms) => timed(*ms, warn_ms.max(OAUTH_REFRESH_MARGIN_MS)),
            Expires::Absent => missing("the oauth profile has no expires"),
            Expires::Invalid(what) => missing(&format!("its expires is {what}, not a time in milliseconds")),
        },
    }
}

/// Whether the gateway would consider a profile usable for its provider right now.
fn usable(generation: Generation, p: &Profile, config: &GatewayConfig, now: Millis) -> bool {
    if let Some(mode) = config.listed_mode(&p.id) {
        let ty = p.credential.type_name();
        let compatible = mode == ty
            || match generation {
                Generation::Clawdbot => mode == "oauth" && ty == "token",
                _ => matches!((mode, ty), ("oauth", "token") | ("token", "oauth")),
            };
        if !compatible {
            return false;
        }
    }
    match &p.credential {
        Credential::ApiKey { key } => key.is_some(),
        Credential::Token { token, expires } => {
            token.is_some()
                && match expires {
                    Expires::Absent => true,
                    Expires::Ms(ms) => *ms > now,
                    Expires::Invalid(_) => generation == Generation::Clawdbot,
                }
        }
        Credential::OAuth { access, refresh, .. } => access.is_some() || refresh.is_some(),
    }
}

/// The ids the gateway would consider for `provider` before usability filtering, and whether
/// they come from an explicit order (agent override, else config `auth.order`).
pub(crate) fn candidates(doc: &StoreDoc, config: &GatewayConfig, provider: &str) -> (Vec<String>, bool) {
    if let Some(order) = doc.order().get(provider) {
        return (order.clone(), true);
    }
    if let Some(order) = config.auth_order(provider) {
        return (order, true);
    }
    let listed = config.listed_profiles(provider);
    if !listed.is_empty() {
        return (listed, false);
    }
    (doc.profiles().into_iter().filter(|p| p.provider == provider).map(|p| p.id).collect(), false)
}

/// Whether the gateway would ever pick this profile (config filters and orders can hide it).
pub(crate) fn is_used(doc: &StoreDoc, config: &GatewayConfig, profile: &Profile) -> bool {
    candidates(doc, config, &profile.provider).0.iter().any(|id| id == &profile.id)
}

/// The variables the gateway takes model keys from, and their provider.
pub(crate) const ENV_KEYS: [(&str, &str); 4] = [
    ("ANTHROPIC_API_KEY", "anthropic"),
    ("ANTHROPIC_OAUTH_TOKEN", "anthropic"),
    ("OPENAI_API_KEY", "openai"),
    ("OPENROUTER_API_KEY", "openrouter"),
];

/// A model key the gateway takes from its environment rather than a store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnvCredential {
    /// The variable.
    pub name: String,
    /// The provider it serves.
    pub provider: String,
    /// `.env` (the state dir's file the gateway service loads) or `environment` (this process's,
    /// which a gateway started from the same shell shares).
    pub source: &'static str,
    /// The value, redacted.
    pub redacted: String,
}

/// Model keys in the environment and in the state dir's `.env` (the environment wins, as it
/// does for the gateway).
pub(crate) fn env_credentials(env: &crate::env::Env, state_dir: &std::path::Path) -> Vec<EnvCredential> {
    let dotenv = crate::gateway::dotenv::read(&state_dir.join(".env"));
    ENV_KEYS
        .iter()
        .filter_map(|(name, provider)| {
            let (value, source) = match env.get(name).filter(|v| !v.trim().is_empty()) {
                Some(v) => (v.to_string(), "environment"),
                None => (dotenv.iter().find(|(k, v)| k == name && !v.trim().is_empty())?.1.clone(), ".env"),
            };
            Some(EnvCredential { name: name.to_string(), provider: provider.to_string(), source, redacted: crate::token::redact(&value) })
        })
        .collect()
}

/// The providers these environment keys serve, once each.
pub(crate) fn providers_of(creds: &[EnvCredential]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in creds {
        if !out.contains(&c.provider) {
            out.push(c.provider.clone());
        }
    }
    out
}

/// The profile the gateway would use first for `provider`: the first usable candidate of an
/// explicit order; without one, oauth/token before API keys, least recently used first,
/// profiles in cooldown or disabled last.
pub(crate) fn selected_profile(
    generation: Generation,
    doc: &StoreDoc,
    config: &GatewayConfig,
    provider: &str,
    now: Millis,
) -> Option<Profile> {
    try_order(generation, doc, config, provider, now).into_iter().next()
}

/// Every profile the gateway could use for `provider` right now, in the order it tries them
/// (see [`selected_profile`]).
pub(crate) fn try_order(generation: Generation, doc: &StoreDoc, config: &GatewayConfig, provider: &str, now: Millis) -> Vec<Profile> {
    let (ids, explicit) = candidates(doc, config, provider);
    let profiles = doc.profiles();
    let mut order: Vec<(usize, Profile)> = ids
        .iter()
        .filter_map(|id| profiles.iter().find(|p| &p.id == id && p.provider == provider))
        .filter(|p| usable(generation, p, config, now))
        .cloned()
        .enumerate()
        .collect();
    // clawdbot and openclaw up to 2026.5 fall back to every profile of the provider when none its
    // config lists can be used (measured: their `models status --check` is 0 then).
    if order.is_empty() && !explicit && generation != Generation::OpenclawSqlite {
        order = profiles.iter().filter(|p| p.provider == provider && usable(generation, p, config, now)).cloned().enumerate().collect();
    }
    if !explicit {
        let stat =
            |p: &Profile, key: &str| doc.usage_stats(&p.id).and_then(|s| s.get(key)).and_then(serde_json::Value::as_i64).unwrap_or(0);
        order.sort_by_key(|(i, p)| {
            let resting = resting_until(doc, &p.id, now).is_some();
            let api_key = matches!(p.credential, Credential::ApiKey { .. });
            (resting, api_key, stat(p, "lastUsed"), *i)
        });
    }
    order.into_iter().map(|(_, p)| p).collect()
}

/// Whether the gateway would use a profile now, as its usage stats say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AvailabilityState {
    /// Nothing holds it back.
    Ready,
    /// Set aside for a while after failures (`cooldownUntil`).
    Cooldown,
    /// Set aside longer, e.g. for billing (`disabledUntil`).
    Disabled,
}

/// A profile's availability: state, until when (ms), and the gateway's reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Availability {
    /// Ready, on cooldown or disabled.
    pub state: AvailabilityState,
    /// When it ends.
    pub until: Option<Millis>,
    /// The gateway's word for why (`auth`, `rate_limit`, `billing` …).
    pub reason: Option<String>,
}

impl Availability {
    /// Nothing holds it back.
    pub(crate) const READY: Availability = Availability { state: AvailabilityState::Ready, until: None, reason: None };

    /// "on cooldown for 4 min (auth)", "disabled until 14:00 (billing)"; `None` when ready.
    pub fn describe(&self, now: Millis) -> Option<String> {
        let why = self.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        let until = self.until?;
        match self.state {
            AvailabilityState::Ready => None,
            AvailabilityState::Cooldown => Some(format!("on cooldown for {}{why}", crate::duration::humanize(until - now))),
            AvailabilityState::Disabled => Some(format!("disabled until {}{why}", crate::duration::local_time(until, now))),
        }
    }
}

/// Reads a profile's availability from the gateway's usage stats (disabled wins over cooldown).
pub(crate) fn availability(doc: &StoreDoc, id: &str, now: Millis) -> Availability {
    let Some(stats) = doc.usage_stats(id) else { return Availability::READY };
    let at = |key: &str| stats.get(key).and_then(serde_json::Value::as_i64).filter(|t| *t > now);
    let text = |key: &str| stats.get(key).and_then(serde_json::Value::as_str).map(str::to_string);
    // The reason behind a cooldown: its own field when the gateway writes one, else the failure
    // counted most.
    let most_failed = || {
        stats
            .get("failureCounts")
            .and_then(serde_json::Value::as_object)
            .and_then(|m| m.iter().filter_map(|(k, v)| v.as_i64().map(|n| (n, k.clone()))).max())
            .map(|(_, k)| k)
    };
    if let Some(until) = at("disabledUntil") {
        return Availability { state: AvailabilityState::Disabled, until: Some(until), reason: text("disabledReason") };
    }
    if let Some(until) = at("cooldownUntil") {
        return Availability {
            state: AvailabilityState::Cooldown,
            until: Some(until),
            reason: text("cooldownReason").or_else(most_failed),
        };
    }
    Availability::READY
}

/// Until when the gateway has put a profile aside (cooldown after failures, or disabled),
/// when that is still in the future.
pub(crate) fn resting_until(doc: &StoreDoc, id: &str, now: Millis) -> Option<Millis> {
    let stats = doc.usage_stats(id)?;
    let at = |key: &str| stats.get(key).and_then(serde_json::Value::as_i64).filter(|t| *t > now);
    match (at("cooldownUntil"), at("disabledUntil")) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The `models status --check` exit code (0 ok, 1 expired or missing, 2 expiring) for one
/// agent's store, as the given generation computes it.
pub(crate) fn check_code(
    generation: Generation,
    doc: &StoreDoc,
    config: &GatewayConfig,
    env_providers: &[String],
    now: Millis,
    warn_ms: Millis,
) -> u8 {
    let in_use = config.providers_in_use(generation.default_model());
    let profiles = doc.profiles();
    let has_env = |p: &str| env_providers.iter().any(|e| e == p);
    let missing_in_use = in_use.iter().any(|p| !has_env(p) && !profiles.iter().any(|x| &x.provider == p));
    let expirable = |p: &Profile| !matches!(p.credential, Credential::ApiKey { .. });
    let statuses = |set: &[&Profile]| -> (bool, bool) {
        let st: Vec<Status> = set.iter().filter(|p| expirable(p)).map(|p| assess(generation, p, now, warn_ms).status).collect();
        (st.iter().any(|s| matches!(s, Status::Expired | Status::Missing)), st.contains(&Status::Expiring))
    };
    let (bad, expiring) = match generation {
        // clawdbot looks at every oauth/token profile in the store.
        Generation::Clawdbot => {
            let all: Vec<&Profile> = profiles.iter().collect();
            statuses(&all)
        }
        // openclaw 2026.6+ judges each model route by the one profile it would select.
        Generation::OpenclawSqlite => {
            let mut bad = false;
            let mut expiring = false;
            for provider in in_use.iter().filter(|p| !has_env(p)) {
                match selected_profile(generation, doc, config, provider, now) {
                    None => bad = true,
                    Some(p) => match assess(generation, &p, now, warn_ms).status {
                        Status::Expiring => expiring = true,
                        Status::Expired | Status::Missing => bad = true,
                        Status::Ok | Status::Static => {}
                    },
                }
            }
            (bad, expiring)
        }
        // openclaw up to 2026.5 looks per provider in use, at the profiles it would pick.
        Generation::OpenclawJson => {
            let mut bad = false;
            let mut expiring = false;
            for provider in in_use.iter().filter(|p| !has_env(p)) {
                let of_provider: Vec<&Profile> = profiles.iter().filter(|p| &p.provider == provider).collect();
                if of_provider.is_empty() {
                    continue; // counted in missing_in_use
                }
                let (ids, explicit) = candidates(doc, config, provider);
                let by_id = |id: &String| of_provider.iter().copied().find(|p| &p.id == id);
                let mut effective: Vec<&Profile> = ids.iter().filter_map(by_id).filter(|p| usable(generation, p, config, now)).collect();
                if effective.is_empty() {
                    effective = if explicit { ids.iter().filter_map(by_id).collect() } else { of_provider.clone() };
                }
                if effective.is_empty() || !effective.iter().any(|p| expirable(p)) {
                    bad |= !effective.iter().any(|p| matches!(p.credential, Credential::ApiKey { .. }));
                    continue;
                }
                let (b, e) = statuses(&effective);
                bad |= b;
                expiring |= e;
            }
            (bad, expiring)
        }
    };
    if bad || missing_in_use {
        1
    } else if expiring {
        2
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const NOW: Millis = 1_800_000_000_000;
    const H: Millis = 3_600_000;

    fn doc(json: &str) -> StoreDoc {
        StoreDoc::parse(Path::new("p"), Some(json.as_bytes()), Path::new("s"), None).unwrap()
    }

    fn config(json: &str) -> GatewayConfig {
        GatewayConfig { path: "c".into(), value: serde_json::from_str(json).unwrap(), exists: true }
    }

    fn token(exp: &str) -> String {
        format!(r#"{{"version":1,"profiles":{{"anthropic:x":{{"type":"token","provider":"anthropic","token":"t"{exp}}}}}}}"#)
    }

    const ANTHROPIC_DEFAULT: &str = r#"{"agents":{"defaults":{"model":{"primary":"anthropic/claude-opus-4-5"}}}}"#;

    #[test]
    fn classifies_like_models_status() {
        let cases = [
            ("", Status::Static),
            (&*format!(r#","expires":{}"#, NOW + 48 * H), Status::Ok),
            (&*format!(r#","expires":{}"#, NOW + 8 * H), Status::Expiring),
            (&*format!(r#","expires":{}"#, NOW - 1), Status::Expired),
            (r#","expires":1795349939"#, Status::Expired), // seconds read as 1970
        ];
        for (exp, want) in cases {
            let d = doc(&token(exp));
            let p = &d.profiles()[0];
            assert_eq!(assess(Generation::OpenclawJson, p, NOW, DEFAULT_WARN_MS).status, want, "{exp}");
        }
        let d = doc(&token(r#","expires":"2027-01-01""#));
        let p = &d.profiles()[0];
        assert_eq!(assess(Generation::Clawdbot, p, NOW, DEFAULT_WARN_MS).status, Status::Static);
        assert_eq!(assess(Generation::OpenclawJson, p, NOW, DEFAULT_WARN_MS).status, Status::Missing);
    }

    #[test]
    fn check_codes_match_the_gateway() {
        let c = config(ANTHROPIC_DEFAULT);
        let code = |g, d: &StoreDoc| check_code(g, d, &c, &[], NOW, DEFAULT_WARN_MS);
        for g in [Generation::Clawdbot, Generation::OpenclawJson] {
            assert_eq!(code(g, &doc(&token(&format!(r#","expires":{}"#, NOW + 8 * H)))), 2);
            assert_eq!(code(g, &doc(&token(&format!(r#","expires":{}"#, NOW + 48 * H)))), 0);
            assert_eq!(code(g, &doc(&token(&format!(r#","expires":{}"#, NOW - H)))), 1);
            assert_eq!(code(g, &doc(&token(""))), 0);
            assert_eq!(code(g, &doc(r#"{"version":1,"profiles":{}}"#)), 1);
        }
        // openclaw's default model is OpenAI: without OpenAI auth --check is 1.
        let none = config("{}");
        assert_eq!(check_code(Generation::OpenclawJson, &doc(&token("")), &none, &[], NOW, DEFAULT_WARN_MS), 1);
        assert_eq!(check_code(Generation::OpenclawJson, &doc(&token("")), &none, &["openai".into()], NOW, DEFAULT_WARN_MS), 0);
    }

    #[test]
    fn openclaw_looks_at_usable_profiles_first() {
        let c = config(ANTHROPIC_DEFAULT);
        let two = format!(
            r#"{{"version":1,"profiles":{{"anthropic:old":{{"type":"token","provider":"anthropic","token":"t","expires":{}}},"anthropic:new":{{"type":"token","provider":"anthropic","token":"t","expires":{}}}}}}}"#,
            NOW - H,
            NOW + 48 * H
        );
        assert_eq!(check_code(Generation::OpenclawJson, &doc(&two), &c, &[], NOW, DEFAULT_WARN_MS), 0);
        assert_eq!(check_code(Generation::Clawdbot, &doc(&two), &c, &[], NOW, DEFAULT_WARN_MS), 1);
    }

    #[test]
    fn availability_comes_from_usage_stats() {
        let stats = |u: &str| {
            doc(&format!(
                r#"{{"version":1,"profiles":{{"anthropic:t":{{"type":"token","provider":"anthropic","token":"t"}}}},"usageStats":{{"anthropic:t":{u}}}}}"#
            ))
        };
        let a = availability(
            &stats(&format!(r#"{{"cooldownUntil":{},"failureCounts":{{"auth":2,"rate_limit":1}}}}"#, NOW + 4 * 60_000)),
            "anthropic:t",
            NOW,
        );
        assert_eq!((a.state, a.until, a.reason.as_deref()), (AvailabilityState::Cooldown, Some(NOW + 4 * 60_000), Some("auth")));
        assert_eq!(a.describe(NOW).as_deref(), Some("on cooldown for 4 min (auth)"));
        let a = availability(
            &stats(&format!(r#"{{"cooldownUntil":{},"disabledUntil":{},"disabledReason":"billing"}}"#, NOW + 1, NOW + 5 * H)),
            "anthropic:t",
            NOW,
        );
        assert_eq!((a.state, a.reason.as_deref()), (AvailabilityState::Disabled, Some("billing")));
        assert!(a.describe(NOW).is_some_and(|d| d.starts_with("disabled until ") && d.ends_with(" (billing)")));
        // Past times and no stats: ready.
        assert_eq!(availability(&stats(&format!(r#"{{"cooldownUntil":{}}}"#, NOW - 1)), "anthropic:t", NOW), Availability::READY);
        // A cooldown ends at its instant, as the gateway's own check (`until > now`) says.
        assert_eq!(availability(&stats(&format!(r#"{{"cooldownUntil":{NOW}}}"#)), "anthropic:t", NOW), Availability::READY);
        assert_eq!(availability(&stats(&format!(r#"{{"disabledUntil":{NOW}}}"#)), "anthropic:t", NOW), Availability::READY);
        assert_eq!(availability(&stats("{}"), "anthropic:x", NOW), Availability::READY);
        // clear_rest removes every resting key, keeps lastUsed.
        let mut d = stats(&format!(
            r#"{{"lastUsed":5,"cooldownUntil":{},"disabledUntil":{},"disabledReason":"billing","errorCount":3}}"#,
            NOW + 1,
            NOW + 1
        ));
        assert!(d.clear_rest("anthropic:t"));
        assert_eq!(d.usage_stats("anthropic:t").map(|m| m.keys().cloned().collect::<Vec<_>>()), Some(vec!["lastUsed".to_string()]));
        assert!(!d.clear_rest("anthropic:t"));
    }

    #[test]
    fn config_filters_hide_profiles() {
        let d = doc(&token(""));
        let c = config(r#"{"auth":{"profiles":{"anthropic:other":{"provider":"anthropic","mode":"token"}}}}"#);
        let p = &d.profiles()[0];
        assert!(!is_used(&d, &c, p));
        assert!(is_used(&d, &config("{}"), p));
    }

    /// A store from `(id, record)` pairs, plus optional extra top-level fields.
    fn store(profiles: &[(&str, serde_json::Value)], extra: serde_json::Value) -> StoreDoc {
        let mut doc = serde_json::json!({"version": 1, "profiles": {}});
        for (id, rec) in profiles {
            doc["profiles"][*id] = rec.clone();
        }
        if let serde_json::Value::Object(m) = extra {
            for (k, v) in m {
                doc[k] = v;
            }
        }
        StoreDoc::parse(Path::new("p"), Some(doc.to_string().as_bytes()), Path::new("s"), None).unwrap()
    }

    fn tok(exp: Option<Millis>) -> serde_json::Value {
        let mut v = serde_json::json!({"type": "token", "provider": "anthropic", "token": "t"});
        if let Some(e) = exp {
            v["expires"] = e.into();
        }
        v
    }

    fn key() -> serde_json::Value {
        serde_json::json!({"type": "api_key", "provider": "anthropic", "key": "k"})
    }

    fn oauth(exp: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"type": "oauth", "provider": "anthropic", "access": "a", "refresh": "r", "expires": exp})
    }

    fn one(rec: serde_json::Value) -> Profile {
        store(&[("anthropic:x", rec)], serde_json::json!({})).profiles().remove(0)
    }

    #[test]
    fn every_boundary_of_the_expiry_rule() {
        let warn = 10 * H;
        // (expires, status): at expiry is expired; exactly the warning window left is expiring.
        let cases = [
            (NOW - 1, Status::Expired),
            (NOW, Status::Expired),
            (NOW + 1, Status::Expiring),
            (NOW + warn, Status::Expiring),
            (NOW + warn + 1, Status::Ok),
        ];
        for g in [Generation::Clawdbot, Generation::OpenclawJson, Generation::OpenclawSqlite] {
            for (exp, want) in cases {
                let h = assess(g, &one(tok(Some(exp))), NOW, warn);
                assert_eq!((h.status, h.expires_at, h.reason), (want, Some(exp), None), "{g:?} {}", exp - NOW);
            }
        }
        // OAuth is expiring within the gateway's 5 min refresh margin even with a shorter
        // warning window.
        let margin = 5 * 60 * 1000;
        for (left, want) in [(margin, Status::Expiring), (margin + 1, Status::Ok)] {
            let h = assess(Generation::OpenclawJson, &one(oauth((NOW + left).into())), NOW, 1000);
            assert_eq!(h.status, want, "oauth with {left} ms left");
        }
        // A longer warning window still applies to OAuth.
        assert_eq!(assess(Generation::OpenclawJson, &one(oauth((NOW + 2 * margin).into())), NOW, 3 * margin).status, Status::Expiring);
    }

    #[test]
    fn every_credential_shape_and_its_reason() {
        let g = Generation::OpenclawJson;
        let st = |rec: serde_json::Value| {
            let h = assess(g, &one(rec), NOW, DEFAULT_WARN_MS);
            (h.status, h.reason)
        };
        assert_eq!(st(key()), (Status::Static, None));
        assert_eq!(st(tok(None)), (Status::Static, None));
        let m = |why: &str| (Status::Missing, Some(why.to_string()));
        assert_eq!(st(serde_json::json!({"type": "api_key", "provider": "anthropic"})), m("the api_key profile has no key"));
        assert_eq!(st(serde_json::json!({"type": "token", "provider": "anthropic"})), m("the token profile has no token"));
        assert_eq!(
            st(serde_json::json!({"type": "oauth", "provider": "anthropic", "access": "a", "refresh": "r"})),
            m("the oauth profile has no expires")
        );
        assert_eq!(st(oauth("soon".into())), m("its expires is a string, not a time in milliseconds"));
        for (s, w) in [
            (Status::Ok, "ok"),
            (Status::Expiring, "expiring"),
            (Status::Expired, "expired"),
            (Status::Static, "static"),
            (Status::Missing, "missing"),
        ] {
            assert_eq!(s.as_str(), w);
            assert_eq!(serde_json::to_value(s).unwrap(), w);
        }
    }

    #[test]
    fn usability_by_mode_expiry_and_generation() {
        let listed =
            |mode: &str| config(&format!(r#"{{"auth":{{"profiles":{{"anthropic:x":{{"provider":"anthropic","mode":"{mode}"}}}}}}}}"#));
        let unlisted = config("{}");
        let t = one(tok(None));
        let o = one(oauth((NOW + H).into()));
        let k = one(key());
        // (generation, listed mode, profile, usable)
        let cases = [
            (Generation::OpenclawJson, "token", &t, true),
            (Generation::OpenclawJson, "oauth", &t, true),
            (Generation::OpenclawJson, "token", &o, true),
            (Generation::OpenclawJson, "api_key", &t, false),
            (Generation::OpenclawJson, "token", &k, false),
            (Generation::Clawdbot, "oauth", &t, true),
            (Generation::Clawdbot, "token", &o, false),
            (Generation::Clawdbot, "api_key", &k, true),
            (Generation::Clawdbot, "api_key", &t, false),
            (Generation::Clawdbot, "oauth", &k, false),
            (Generation::OpenclawJson, "oauth", &k, false),
            (Generation::OpenclawSqlite, "token", &o, true),
        ];
        for (g, mode, p, want) in cases {
            assert_eq!(usable(g, p, &listed(mode), NOW), want, "{g:?} mode {mode} type {}", p.credential.type_name());
        }
        for g in [Generation::Clawdbot, Generation::OpenclawJson] {
            assert!(usable(g, &one(tok(Some(NOW + 1))), &unlisted, NOW));
            assert!(!usable(g, &one(tok(Some(NOW))), &unlisted, NOW), "a token at its expiry is not usable");
            assert!(!usable(g, &one(serde_json::json!({"type": "token", "provider": "anthropic"})), &unlisted, NOW));
            assert!(!usable(g, &one(serde_json::json!({"type": "api_key", "provider": "anthropic"})), &unlisted, NOW));
            assert!(usable(g, &k, &unlisted, NOW));
        }
        let invalid = one(serde_json::json!({"type": "token", "provider": "anthropic", "token": "t", "expires": "x"}));
        assert!(usable(Generation::Clawdbot, &invalid, &unlisted, NOW));
        assert!(!usable(Generation::OpenclawJson, &invalid, &unlisted, NOW));
        let only_refresh = one(serde_json::json!({"type": "oauth", "provider": "anthropic", "refresh": "r", "expires": NOW - H}));
        let neither = one(serde_json::json!({"type": "oauth", "provider": "anthropic", "expires": NOW + H}));
        assert!(usable(Generation::OpenclawJson, &only_refresh, &unlisted, NOW), "the gateway refreshes it");
        assert!(!usable(Generation::OpenclawJson, &neither, &unlisted, NOW));
    }

    #[test]
    fn candidates_follow_the_gateways_precedence() {
        let d = store(
            &[
                ("anthropic:a", tok(None)),
                ("anthropic:b", tok(None)),
                ("openai:c", serde_json::json!({"type": "api_key", "provider": "openai", "key": "k"})),
            ],
            serde_json::json!({}),
        );
        let ordered =
            store(&[("anthropic:a", tok(None)), ("anthropic:b", tok(None))], serde_json::json!({"order": {"anthropic": ["anthropic:b"]}}));
        let cfg_order = config(
            r#"{"auth":{"order":{"Anthropic":["anthropic:a"]},"profiles":{"anthropic:b":{"provider":"anthropic","mode":"token"}}}}"#,
        );
        let cfg_listed = config(r#"{"auth":{"profiles":{"anthropic:b":{"provider":"anthropic","mode":"token"}}}}"#);
        let ids = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
        assert_eq!(candidates(&ordered, &cfg_order, "anthropic"), (ids(vec!["anthropic:b"]), true), "the store's order wins");
        assert_eq!(candidates(&d, &cfg_order, "anthropic"), (ids(vec!["anthropic:a"]), true), "then the config's order");
        assert_eq!(candidates(&d, &cfg_listed, "anthropic"), (ids(vec!["anthropic:b"]), false), "then what the config lists");
        assert_eq!(candidates(&d, &config("{}"), "anthropic"), (ids(vec!["anthropic:a", "anthropic:b"]), false), "else every profile");
    }

    /// When no profile the config lists can be used, clawdbot and openclaw up to 2026.5 try the
    /// provider's other usable profiles; 2026.6 and later, and any explicit order, do not.
    #[test]
    fn the_fallback_to_unlisted_profiles_depends_on_generation_and_order() {
        let profiles = [
            ("anthropic:listed", tok(Some(NOW - 1))),
            ("anthropic:spare", tok(None)),
            ("anthropic:stale", tok(Some(NOW - 1))),
            ("openai:other", serde_json::json!({"type": "api_key", "provider": "openai", "key": "k"})),
        ];
        let listed = config(r#"{"auth":{"profiles":{"anthropic:listed":{"provider":"anthropic","mode":"token"}}}}"#);
        let ids = |g: Generation, d: &StoreDoc| try_order(g, d, &listed, "anthropic", NOW).into_iter().map(|p| p.id).collect::<Vec<_>>();
        let plain = store(&profiles, serde_json::json!({}));
        for g in [Generation::Clawdbot, Generation::OpenclawJson] {
            assert_eq!(ids(g, &plain), ["anthropic:spare"], "{g:?}: only usable profiles of the provider");
        }
        assert!(ids(Generation::OpenclawSqlite, &plain).is_empty(), "2026.6 and later keep to the config's list");
        let ordered = store(&profiles, serde_json::json!({"order": {"anthropic": ["anthropic:listed"]}}));
        for g in [Generation::Clawdbot, Generation::OpenclawJson, Generation::OpenclawSqlite] {
            assert!(ids(g, &ordered).is_empty(), "{g:?}: an explicit order is never widened");
        }
    }

    #[test]
    fn the_selected_profile_without_an_order() {
        let c = config("{}");
        let d = |stats: serde_json::Value| {
            store(
                &[("anthropic:a", tok(None)), ("anthropic:b", tok(None)), ("anthropic:k", key())],
                serde_json::json!({"usageStats": stats}),
            )
        };
        let pick = |doc: &StoreDoc| selected_profile(Generation::OpenclawSqlite, doc, &c, "anthropic", NOW).map(|p| p.id);
        assert_eq!(pick(&d(serde_json::json!({}))), Some("anthropic:a".into()), "store order when nothing else differs");
        assert_eq!(pick(&d(serde_json::json!({"anthropic:a": {"lastUsed": 5}}))), Some("anthropic:b".into()), "least recently used");
        assert_eq!(pick(&d(serde_json::json!({"anthropic:a": {"cooldownUntil": NOW + 1}}))), Some("anthropic:b".into()));
        assert_eq!(
            pick(&d(serde_json::json!({"anthropic:a": {"cooldownUntil": NOW}}))),
            Some("anthropic:a".into()),
            "a cooldown that ended"
        );
        assert_eq!(
            pick(&d(serde_json::json!({"anthropic:a": {"disabledUntil": NOW}}))),
            Some("anthropic:a".into()),
            "a disable that ended"
        );
        assert_eq!(pick(&d(serde_json::json!({"anthropic:a": {"disabledUntil": NOW + 1}}))), Some("anthropic:b".into()));
        assert_eq!(
            pick(&d(serde_json::json!({"anthropic:a": {"disabledUntil": NOW + 1}, "anthropic:b": {"disabledUntil": NOW + 1}}))),
            Some("anthropic:k".into())
        );
        let only_keys = store(&[("anthropic:k", key())], serde_json::json!({}));
        assert_eq!(pick(&only_keys), Some("anthropic:k".into()));
        assert_eq!(pick(&store(&[], serde_json::json!({}))), None);
    }

    #[test]
    fn environment_keys_count_once_per_provider() {
        let none = tempfile::tempdir().expect("temp dir");
        let providers = |env: crate::env::Env| providers_of(&env_credentials(&env, none.path()));
        let env = crate::env::Env::from_pairs([("ANTHROPIC_API_KEY", "a"), ("ANTHROPIC_OAUTH_TOKEN", "b"), ("OPENROUTER_API_KEY", "c")]);
        assert_eq!(providers(env), vec!["anthropic".to_string(), "openrouter".to_string()]);
        assert_eq!(providers(crate::env::Env::from_pairs([("OPENAI_API_KEY", "x")])), vec!["openai".to_string()]);
        assert!(providers(crate::env::Env::from_pairs([("HOME", "/h")])).is_empty());
    }

    #[test]
    fn keys_in_the_gateways_dotenv_are_listed_redacted_and_the_environment_wins() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = format!("sk-ant-api03-{}Zz99", "K".repeat(90));
        std::fs::write(dir.path().join(".env"), format!("# keys\nexport ANTHROPIC_API_KEY=\"{key}\"\nOPENAI_API_KEY=\nOTHER=1\n"))
            .expect(".env");
        let env = crate::env::Env::from_pairs([("OPENROUTER_API_KEY", "sk-or-v1-abcdefabcdefabcdef")]);
        let found = env_credentials(&env, dir.path());
        let names: Vec<(&str, &str, &str)> = found.iter().map(|c| (c.name.as_str(), c.provider.as_str(), c.source)).collect();
        assert_eq!(names, [("ANTHROPIC_API_KEY", "anthropic", ".env"), ("OPENROUTER_API_KEY", "openrouter", "environment")]);
        assert!(found[0].redacted.ends_with("Zz99") && !found[0].redacted.contains(&key));
        let env = crate::env::Env::from_pairs([("ANTHROPIC_API_KEY", "from-env")]);
        assert_eq!(env_credentials(&env, dir.path())[0].source, "environment");
    }

    #[test]
    fn check_codes_per_generation_at_the_edges() {
        let c = config(ANTHROPIC_DEFAULT);
        let code = |g, d: &StoreDoc| check_code(g, d, &c, &[], NOW, DEFAULT_WARN_MS);
        let expiring = tok(Some(NOW + H));
        let expired = tok(Some(NOW - H));
        let fine = tok(Some(NOW + 48 * H));
        // An API key beside an expired token: clawdbot still says 1, openclaw uses the key.
        let key_and_expired = store(&[("anthropic:k", key()), ("anthropic:t", expired.clone())], serde_json::json!({}));
        assert_eq!(code(Generation::Clawdbot, &key_and_expired), 1);
        assert_eq!(code(Generation::OpenclawJson, &key_and_expired), 0);
        assert_eq!(code(Generation::OpenclawSqlite, &key_and_expired), 0);
        // Only API keys: nothing expires, nothing is missing.
        let keys = store(&[("anthropic:k", key())], serde_json::json!({}));
        for g in [Generation::Clawdbot, Generation::OpenclawJson, Generation::OpenclawSqlite] {
            assert_eq!(code(g, &keys), 0, "{g:?}");
        }
        // The one the gateway would select decides on 2026.6+; 2026.5 looks at every usable one.
        let both = store(&[("anthropic:a", fine.clone()), ("anthropic:b", expiring.clone())], serde_json::json!({}));
        assert_eq!(code(Generation::OpenclawSqlite, &both), 0);
        assert_eq!(code(Generation::OpenclawJson, &both), 2);
        assert_eq!(code(Generation::Clawdbot, &both), 2);
        let sel_expiring = store(&[("anthropic:b", expiring)], serde_json::json!({}));
        assert_eq!(code(Generation::OpenclawSqlite, &sel_expiring), 2);
        let sel_expired = store(&[("anthropic:b", expired.clone())], serde_json::json!({}));
        assert_eq!(code(Generation::OpenclawSqlite, &sel_expired), 1, "nothing usable to select");
        // An explicit order naming only an expired token: openclaw judges that one (1), not
        // the good profile outside the order.
        let ordered =
            store(&[("anthropic:a", fine), ("anthropic:b", expired)], serde_json::json!({"order": {"anthropic": ["anthropic:b"]}}));
        assert_eq!(code(Generation::OpenclawJson, &ordered), 1);
        // An order naming only a profile that does not exist leaves nothing to use.
        let ghost = store(&[("anthropic:a", tok(Some(NOW + 48 * H)))], serde_json::json!({"order": {"anthropic": ["anthropic:ghost"]}}));
        assert_eq!(code(Generation::OpenclawJson, &ghost), 1);
        // An environment key covers a provider with no profiles.
        let empty = store(&[], serde_json::json!({}));
        for g in [Generation::Clawdbot, Generation::OpenclawJson, Generation::OpenclawSqlite] {
            assert_eq!(code(g, &empty), 1, "{g:?}");
            assert_eq!(check_code(g, &empty, &c, &["anthropic".into()], NOW, DEFAULT_WARN_MS), 0, "{g:?}");
        }
    }
}
