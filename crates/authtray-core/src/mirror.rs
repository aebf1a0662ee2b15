//! What a gateway store should hold, given Claude Code's login: the mirroring rules per
//! generation. Pure: no I/O, a function of the login, the stored profile and the clock.

use serde_json::{Map, Value};

use crate::claude::Login;
use crate::clock::Millis;
use crate::gateway::store::{same_credential, with_extras, Credential, Profile};
use crate::gateway::Generation;

/// How far a stored expiry may drift from the source's and still count as the same mirror.
pub(crate) const EXPIRY_SLACK_MS: Millis = 120_000;

/// What to do with one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Add the profile.
    Create,
    /// Replace the stored credential.
    Update,
    /// Already in sync.
    Unchanged,
    /// Leave it, for the stated reason.
    Skip,
}

/// The decision for one store.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    /// What to do.
    pub action: Action,
    /// Why, in a sentence.
    pub reason: String,
    /// The profile object to store (for create/update), with extra fields of the stored one kept.
    pub record: Option<Map<String, Value>>,
    /// The credential type the profile has once this decision is applied (`None` when skipped),
    /// which is the mode a filtering config must list it with.
    pub kind: Option<MirrorType>,
}

impl Decision {
    /// Nothing to write, for this reason.
    pub(crate) fn skip(reason: &str) -> Decision {
        Decision { action: Action::Skip, reason: reason.to_string(), record: None, kind: None }
    }
}

/// The credential type of a mirror profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MirrorType {
    /// `oauth` (clawdbot, with Claude Code's refresh token).
    OAuth,
    /// `token` (every openclaw; clawdbot without a refresh token).
    Token,
}

impl MirrorType {
    /// The store's `type` and the config's `mode`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MirrorType::OAuth => "oauth",
            MirrorType::Token => "token",
        }
    }

    fn of(type_name: &str) -> MirrorType {
        if type_name == "oauth" {
            MirrorType::OAuth
        } else {
            MirrorType::Token
        }
    }
}

/// The profile record the generation's mirror writes.
///
/// * clawdbot: as its own Claude Code sync writes it: `oauth` with access/refresh/expires when
///   a refresh token exists, else `token`.
/// * openclaw: always `token` with `token` and `expires`; the refresh token is never copied
///   (the gateway would refresh it and log Claude Code out).
pub(crate) fn desired_record(generation: Generation, login: &Login) -> Map<String, Value> {
    let mut m = Map::new();
    match (&login.refresh_token, generation) {
        (Some(refresh), Generation::Clawdbot) => {
            m.insert("type".into(), "oauth".into());
            m.insert("provider".into(), "anthropic".into());
            m.insert("access".into(), login.access_token.expose().into());
            m.insert("refresh".into(), refresh.expose().into());
        }
        _ => {
            m.insert("type".into(), "token".into());
            m.insert("provider".into(), "anthropic".into());
            m.insert("token".into(), login.access_token.expose().into());
        }
    }
    m.insert("expires".into(), login.expires_at.into());
    m
}

impl Decision {
    /// Whether applying it writes the store (create or update).
    pub(crate) fn writes(&self) -> bool {
        matches!(self.action, Action::Create | Action::Update)
    }
}

/// Decides what the mirror profile in one store should become.
pub(crate) fn plan(
    generation: Generation,
    login: &Login,
    stored_raw: Option<&Map<String, Value>>,
    stored: Option<&Profile>,
    now: Millis,
) -> Decision {
    let desired = desired_record(generation, login);
    let decide = |action, reason: String, record: Option<Map<String, Value>>| {
        let kind = match (&record, action, stored) {
            (Some(r), ..) => r.get("type").and_then(Value::as_str).map(MirrorType::of),
            (None, Action::Unchanged, Some(p)) => Some(MirrorType::of(p.credential.type_name())),
            _ => None,
        };
        Decision { action, reason, record, kind }
    };
    if login.expires_at <= now {
        return decide(Action::Skip, "Claude Code's token has expired; run `claude` so it refreshes its login".into(), None);
    }
    let merged = |raw: Option<&Map<String, Value>>| with_extras(desired.clone(), raw);
    let Some(stored) = stored else {
        let (action, reason) = match stored_raw {
            Some(_) => (Action::Update, "the stored entry is not a profile the gateway can use; replacing it".to_string()),
            None => (Action::Create, "not present yet".to_string()),
        };
        return decide(action, reason, Some(merged(stored_raw)));
    };
    let same = stored_raw.is_some_and(|raw| same_credential(&desired, raw));
    // The gateway CLI (SQLite era) stamps the expiry from its own clock, seconds after ours.
    let same_token_close_expiry = stored.credential.type_name() == desired.get("type").and_then(Value::as_str).unwrap_or("")
        && stored.credential.secret() == Some(login.access_token.expose())
        && stored.credential.expires().ms().is_some_and(|e| (e - login.expires_at).abs() <= EXPIRY_SLACK_MS);
    // Before the sameness test: the right token under another provider is of no use to the
    // gateway's Anthropic routes.
    if stored.provider != "anthropic" {
        return decide(Action::Update, format!("the stored profile's provider is {:?}", stored.provider), Some(merged(stored_raw)));
    }
    if same || same_token_close_expiry {
        return decide(Action::Unchanged, "already in sync".into(), None);
    }
    let stored_is_oauth = matches!(stored.credential, Credential::OAuth { .. });
    let desired_is_oauth = desired.get("type").and_then(Value::as_str) == Some("oauth");
    if stored_is_oauth && !desired_is_oauth {
        return decide(
            Action::Skip,
            "the stored profile is oauth and is never downgraded to a token; remove it, or mirror into another id with --profile-id".into(),
            None,
        );
    }
    let stored_exp = stored.credential.expires().ms();
    match stored_exp {
        None => decide(Action::Update, "the stored profile has no usable expiry".into(), Some(merged(stored_raw))),
        Some(e) if e <= now => decide(Action::Update, "the stored token has expired".into(), Some(merged(stored_raw))),
        Some(e) if login.expires_at > e => decide(Action::Update, "Claude Code has a newer token".into(), Some(merged(stored_raw))),
        Some(_) if desired_is_oauth && !stored_is_oauth => {
            decide(Action::Update, "upgrading the stored token to oauth, as the gateway's own sync does".into(), Some(merged(stored_raw)))
        }
        Some(e) => {
            decide(Action::Skip, format!("the stored credential is newer than Claude Code's (expires {})", crate::clock::iso(e)), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claude::LoginSource;
    use crate::gateway::store::StoreDoc;
    use crate::token::Secret;
    use std::path::Path;

    const NOW: Millis = 1_800_000_000_000;
    const H: Millis = 3_600_000;

    fn login(refresh: bool, exp: Millis) -> Login {
        Login {
            source: LoginSource::File { path: "/x".into() },
            access_token: Secret::new("sk-ant-oat01-NEW"),
            refresh_token: refresh.then(|| Secret::new("sk-ant-ort01-R")),
            expires_at: exp,
            subscription_type: None,
            rate_limit_tier: None,
            modified_at: None,
        }
    }

    fn stored(json: &str) -> (Map<String, Value>, Profile) {
        let text = format!(r#"{{"profiles":{{"id":{json}}}}}"#);
        let d = StoreDoc::parse(Path::new("p"), Some(text.as_bytes()), Path::new("s"), None).unwrap();
        (d.raw_profile("id").unwrap().clone(), d.profile("id").unwrap())
    }

    #[test]
    fn records_per_generation() {
        let l = login(true, NOW + 8 * H);
        let a = desired_record(Generation::Clawdbot, &l);
        assert_eq!(a["type"], "oauth");
        assert_eq!(a["refresh"], "sk-ant-ort01-R");
        let b = desired_record(Generation::OpenclawJson, &l);
        assert_eq!(
            Value::Object(b),
            serde_json::json!({"type":"token","provider":"anthropic","token":"sk-ant-oat01-NEW","expires": NOW + 8 * H})
        );
        assert_eq!(desired_record(Generation::Clawdbot, &login(false, 1))["type"], "token");
    }

    #[test]
    fn replaces_only_when_newer_or_expired() {
        let l = login(false, NOW + 8 * H);
        assert_eq!(plan(Generation::OpenclawJson, &l, None, None, NOW).action, Action::Create);
        let (raw, p) = stored(&format!(
            r#"{{"type":"token","provider":"anthropic","token":"sk-ant-oat01-OLD","expires":{},"note":"mine"}}"#,
            NOW + 2 * H
        ));
        let d = plan(Generation::OpenclawJson, &l, Some(&raw), Some(&p), NOW);
        assert_eq!(d.action, Action::Update);
        assert_eq!(d.record.as_ref().unwrap()["note"], "mine");
        let (raw, p) =
            stored(&format!(r#"{{"type":"token","provider":"anthropic","token":"sk-ant-oat01-OTHER","expires":{}}}"#, NOW + 9 * H));
        assert_eq!(plan(Generation::OpenclawJson, &l, Some(&raw), Some(&p), NOW).action, Action::Skip);
        let (raw, p) =
            stored(&format!(r#"{{"type":"token","provider":"anthropic","token":"sk-ant-oat01-NEW","expires":{},"x":1}}"#, NOW + 8 * H));
        assert_eq!(plan(Generation::OpenclawJson, &l, Some(&raw), Some(&p), NOW).action, Action::Unchanged);
        // Written by the gateway CLI a few seconds later: still the same mirror.
        let (raw, p) =
            stored(&format!(r#"{{"type":"token","provider":"anthropic","expires":{},"token":"sk-ant-oat01-NEW"}}"#, NOW + 8 * H + 9_000));
        assert_eq!(plan(Generation::OpenclawSqlite, &l, Some(&raw), Some(&p), NOW).action, Action::Unchanged);
    }

    #[test]
    fn decisions_say_which_mode_a_filtering_config_needs() {
        let l = login(true, NOW + 8 * H);
        assert_eq!(plan(Generation::Clawdbot, &l, None, None, NOW).kind, Some(MirrorType::OAuth));
        assert_eq!(plan(Generation::OpenclawJson, &l, None, None, NOW).kind, Some(MirrorType::Token));
        let rec = Value::Object(desired_record(Generation::Clawdbot, &l)).to_string();
        let (raw, p) = stored(&rec);
        let d = plan(Generation::Clawdbot, &l, Some(&raw), Some(&p), NOW);
        assert_eq!((d.action, d.kind), (Action::Unchanged, Some(MirrorType::OAuth)));
        assert_eq!(plan(Generation::Clawdbot, &login(true, NOW - 1), None, None, NOW).kind, None);
    }

    #[test]
    fn every_edge_of_the_mirror_decision() {
        let g = Generation::OpenclawJson;
        let exp = NOW + 8 * H;
        let l = login(false, exp);
        let tok = |token: &str, e: Millis| stored(&format!(r#"{{"type":"token","provider":"anthropic","token":"{token}","expires":{e}}}"#));
        let act = |raw: &Map<String, Value>, p: &Profile| plan(g, &l, Some(raw), Some(p), NOW);
        // A login at its expiry is expired: nothing is written.
        assert_eq!(plan(g, &login(false, NOW), None, None, NOW).action, Action::Skip);
        assert_eq!(plan(g, &login(false, NOW + 1), None, None, NOW).action, Action::Create);
        // The same token stamped up to the slack away (the gateway CLI's clock) is in sync.
        for (delta, want) in
            [(EXPIRY_SLACK_MS, Action::Unchanged), (-EXPIRY_SLACK_MS, Action::Unchanged), (-EXPIRY_SLACK_MS - 1, Action::Update)]
        {
            let (raw, p) = tok("sk-ant-oat01-NEW", exp + delta);
            assert_eq!(act(&raw, &p).action, want, "stamped {delta} ms off");
        }
        // Another token: replaced when it expires no later than ours… (equal: kept)
        let (raw, p) = tok("sk-ant-oat01-OTHER", exp - 1);
        let d = act(&raw, &p);
        assert_eq!((d.action, d.reason.as_str()), (Action::Update, "Claude Code has a newer token"));
        let (raw, p) = tok("sk-ant-oat01-OTHER", exp);
        assert_eq!(act(&raw, &p).action, Action::Skip);
        // …or when it has expired (at `now` counts), whatever its expiry says about ours.
        let (raw, p) = tok("sk-ant-oat01-OTHER", NOW);
        let d = act(&raw, &p);
        assert_eq!((d.action, d.reason.as_str()), (Action::Update, "the stored token has expired"));
        let (raw, p) = stored(r#"{"type":"token","provider":"anthropic","token":"sk-ant-oat01-OTHER"}"#);
        let d = act(&raw, &p);
        assert_eq!((d.action, d.reason.as_str()), (Action::Update, "the stored profile has no usable expiry"));
        let (raw, p) = stored(&format!(r#"{{"type":"token","provider":"openai","token":"sk-ant-oat01-NEW","expires":{exp}}}"#));
        assert_eq!(act(&raw, &p).reason, "the stored profile's provider is \"openai\"");
        // An entry that is not a usable profile is replaced; its unknown fields are kept.
        let (raw, _) = stored(r#"{"type":"token","provider":"anthropic","token":"","keep":1}"#);
        let d = plan(g, &l, Some(&raw), None, NOW);
        assert_eq!((d.action, d.record.as_ref().map(|r| r["keep"].clone())), (Action::Update, Some(Value::from(1))));
        assert_eq!(plan(g, &l, None, None, NOW).reason, "not present yet");
        assert!(
            plan(g, &l, None, None, NOW).writes() && !act(&tok("sk-ant-oat01-OTHER", exp).0, &tok("sk-ant-oat01-OTHER", exp).1).writes()
        );
        assert_eq!((MirrorType::OAuth.as_str(), MirrorType::Token.as_str()), ("oauth", "token"));
    }

    #[test]
    fn never_downgrades_oauth_and_skips_expired_logins() {
        let (raw, p) = stored(&format!(r#"{{"type":"oauth","provider":"anthropic","access":"a","refresh":"r","expires":{}}}"#, NOW - H));
        assert_eq!(plan(Generation::Clawdbot, &login(false, NOW + 8 * H), Some(&raw), Some(&p), NOW).action, Action::Skip);
        assert_eq!(plan(Generation::Clawdbot, &login(true, NOW + 8 * H), Some(&raw), Some(&p), NOW).action, Action::Update);
        assert_eq!(plan(Generation::Clawdbot, &login(true, NOW - 1), None, None, NOW).action, Action::Skip);
        let (raw, p) = stored(&format!(r#"{{"type":"token","provider":"anthropic","token":"t","expires":{}}}"#, NOW + 9 * H));
        let d = plan(Generation::Clawdbot, &login(true, NOW + 8 * H), Some(&raw), Some(&p), NOW);
        assert_eq!(d.action, Action::Update, "{}", d.reason);
    }
}
