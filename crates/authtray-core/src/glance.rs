//! What the tray shows at a glance: an overall state, a headline and one line per profile.
//! A pure function of the latest reports, the settings and the clock, so the tray only draws.

use serde::Serialize;

use crate::clock::Millis;
use crate::duration::describe_expiry;
use crate::health::Status;
use crate::ops::status::{SourceKind, SourceStatus, StatusReport};
use crate::ops::sync::SyncReport;
use crate::settings::Settings;

/// The tray icon's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    /// Everything the gateway uses is valid beyond its lead time.
    Healthy,
    /// Something expires within its lead time, a mirror failed, or the login cannot be read.
    Attention,
    /// Something the gateway uses has expired or is missing, or a store cannot be read.
    Broken,
}

/// One line of the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    /// How bad this line is.
    pub state: Overall,
    /// The text, with a countdown where there is an expiry.
    pub text: String,
}

/// The whole glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Glance {
    /// The icon.
    pub overall: Overall,
    /// "All credentials healthy" or the most pressing problem.
    pub headline: String,
    /// One line per agent profile.
    pub lines: Vec<Line>,
    /// Claude Code's login, as one line.
    pub source: String,
}

/// Computes the glance.
pub fn glance(status: &StatusReport, sync: Option<&SyncReport>, settings: &Settings, now: Millis) -> Glance {
    let long_lead = settings.expiry_leads_ms.iter().copied().max().unwrap_or(0);
    let multi_agent = status.agents.len() > 1;
    // (state, urgency for ties: sooner expiry first, headline, line)
    let mut items: Vec<(Overall, Millis, String, Line)> = Vec::new();
    for agent in &status.agents {
        let prefix = if multi_agent { format!("{}: ", agent.id) } else { String::new() };
        if let Some(err) = &agent.error {
            let text = format!("{prefix}store unreadable");
            items.push((
                Overall::Broken,
                Millis::MIN,
                format!("agent {}: store cannot be read", agent.id),
                Line { state: Overall::Broken, text },
            ));
            tracing::debug!(agent = %agent.id, "{err}");
            continue;
        }
        for p in &agent.profiles {
            let mirror = crate::ops::sync::is_mirror_id(&p.id, sync);
            let countdown = p.expires_at.map(|e| describe_expiry(e, now));
            let state = match p.status {
                _ if !p.used => Overall::Healthy,
                Status::Expired | Status::Missing => Overall::Broken,
                Status::Static => Overall::Healthy,
                Status::Ok | Status::Expiring => match p.expires_at {
                    Some(e) if !mirror && e - now <= long_lead => Overall::Attention,
                    Some(e) if mirror && e - now <= settings.source_lead_ms => Overall::Attention,
                    _ => Overall::Healthy,
                },
            };
            let what = match (&countdown, p.status) {
                (_, Status::Missing) => "missing".to_string(),
                (Some(c), _) => c.clone(),
                (None, _) => "does not expire".to_string(),
            };
            let unused = if p.used { "" } else { " (not used by the gateway)" };
            let text = format!("{prefix}{} — {what}{unused}", p.id);
            let headline = format!("{} {what}", p.id);
            items.push((state, p.expires_at.unwrap_or(Millis::MAX), headline, Line { state, text }));
        }
    }
    // A gateway that runs but cannot be told to reload keeps serving what it had: every write
    // reaches the store, not the chats.
    let gw = &status.gateway_process;
    let last_reload_failed = sync.and_then(|s| s.reload.as_ref()).is_some_and(|r| r.failed());
    if gw.running && (!gw.reachable || last_reload_failed) {
        let text = "gateway running, but authtray cannot make it reload".to_string();
        items.push((
            Overall::Attention,
            Millis::MIN,
            "the running gateway may use an old credential".into(),
            Line { state: Overall::Attention, text },
        ));
    }
    if let Some(s) = sync {
        for a in s.agents.iter().filter(|a| a.error.is_some()) {
            items.push((
                Overall::Attention,
                Millis::MIN,
                format!("mirror to {} failed", a.agent),
                Line { state: Overall::Attention, text: format!("mirror to {} failed", a.agent) },
            ));
        }
    }
    let cc = &status.claude_code;
    let source_state = match cc.status {
        SourceStatus::Malformed | SourceStatus::Unreadable | SourceStatus::Overridden => Overall::Attention,
        SourceStatus::Expired => Overall::Attention,
        _ if cc.expires_at.is_some_and(|e| e - now <= settings.source_lead_ms) => Overall::Attention,
        _ => Overall::Healthy,
    };
    let where_ = match cc.source {
        SourceKind::Keychain => "Keychain",
        SourceKind::File => "file",
        SourceKind::None => "",
    };
    let source = match (cc.status, cc.expires_at) {
        (SourceStatus::Missing, _) => "Claude Code: not logged in".to_string(),
        (_, Some(e)) => format!("Claude Code ({where_}): {}", describe_expiry(e, now)),
        (s, None) => format!("Claude Code: {}", s.as_str()),
    };
    if source_state != Overall::Healthy {
        items.push((
            source_state,
            cc.expires_at.unwrap_or(Millis::MIN),
            source.clone(),
            Line { state: source_state, text: source.clone() },
        ));
    }
    let worst = items.iter().map(|i| i.0).max().unwrap_or(Overall::Healthy);
    let headline = match worst {
        Overall::Healthy if status.agents.iter().all(|a| a.profiles.is_empty()) => "No credentials yet".to_string(),
        Overall::Healthy => "All credentials healthy".to_string(),
        _ => items.iter().filter(|i| i.0 == worst).min_by_key(|i| i.1).map(|i| i.2.clone()).unwrap_or_default(),
    };
    let lines = items.into_iter().filter(|i| !i.2.starts_with("Claude Code")).map(|i| i.3).collect();
    Glance { overall: worst, headline, lines, source }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::status::{AgentReport, ClaudeReport, ProfileReport};

    const T0: Millis = 1_800_000_000_000;
    const MIN: Millis = 60_000;

    fn status(profiles: Vec<(&str, Status, Option<Millis>)>, cc_exp: Millis) -> StatusReport {
        StatusReport {
            gateway_process: Default::default(),
            generation: "openclaw-json",
            generation_evidence: String::new(),
            gateway_version: None,
            state_dir: "/s".into(),
            config_path: "/c".into(),
            check: 0,
            warn_within_ms: 0,
            now: T0,
            claude_code: ClaudeReport {
                source: SourceKind::File,
                path: None,
                service: None,
                status: SourceStatus::Ok,
                expires_at: Some(cc_exp),
                token: None,
                has_refresh_token: true,
                subscription_type: None,
                modified_at: None,
                problem: None,
            },
            agents: vec![AgentReport {
                id: "main".into(),
                default: true,
                dir: "/a".into(),
                store: "/a/s".into(),
                store_exists: true,
                order: Default::default(),
                effective_order: Default::default(),
                check: 0,
                error: None,
                profiles: profiles
                    .into_iter()
                    .map(|(id, status, expires_at)| ProfileReport {
                        id: id.into(),
                        provider: "anthropic".into(),
                        kind: "token",
                        status,
                        expires_at,
                        token: None,
                        used: true,
                        reason: None,
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn healthy_attention_broken_with_headlines() {
        let s = Settings::default();
        let g =
            glance(&status(vec![("anthropic:claude-code", Status::Expiring, Some(T0 + 5 * 60 * MIN))], T0 + 5 * 60 * MIN), None, &s, T0);
        assert_eq!((g.overall, g.headline.as_str()), (Overall::Healthy, "All credentials healthy"));
        assert_eq!(g.lines[0].text, "anthropic:claude-code — expires in 5 h");
        let g = glance(
            &status(
                vec![("anthropic:manual", Status::Ok, Some(T0 + 42 * MIN)), ("anthropic:other", Status::Ok, Some(T0 + 3 * 24 * 60 * MIN))],
                T0 + 5 * 60 * MIN,
            ),
            None,
            &s,
            T0,
        );
        assert_eq!((g.overall, g.headline.as_str()), (Overall::Attention, "anthropic:manual expires in 42 min"));
        let g = glance(
            &status(
                vec![("anthropic:manual", Status::Expired, Some(T0 - MIN)), ("anthropic:x", Status::Ok, Some(T0 + MIN))],
                T0 + 5 * 60 * MIN,
            ),
            None,
            &s,
            T0,
        );
        assert_eq!((g.overall, g.headline.as_str()), (Overall::Broken, "anthropic:manual expired 1 min ago"));
        assert_eq!(g.source, "Claude Code (file): expires in 5 h");
    }

    #[test]
    fn each_line_at_its_lead_times() {
        let s = Settings::default();
        let long = *s.expiry_leads_ms.iter().max().unwrap();
        let src = s.source_lead_ms;
        let far = T0 + 10 * 24 * 60 * MIN;
        let one = |id: &str, st: Status, exp: Option<Millis>| glance(&status(vec![(id, st, exp)], far), None, &s, T0);
        // (profile, status, expiry, state): long-lived tokens use the longest lead, the mirror
        // Claude Code's short one; unusable or expired ones are broken; static ones healthy.
        let cases = [
            ("anthropic:manual", Status::Ok, Some(T0 + long), Overall::Attention),
            ("anthropic:manual", Status::Ok, Some(T0 + long + 1), Overall::Healthy),
            ("anthropic:claude-code", Status::Expiring, Some(T0 + src), Overall::Attention),
            ("anthropic:claude-code", Status::Expiring, Some(T0 + src + 1), Overall::Healthy),
            ("anthropic:manual", Status::Expired, Some(T0), Overall::Broken),
            ("anthropic:manual", Status::Missing, None, Overall::Broken),
            ("anthropic:manual", Status::Static, None, Overall::Healthy),
        ];
        for (id, st, exp, want) in cases {
            let g = one(id, st, exp);
            assert_eq!((g.overall, g.lines[0].state), (want, want), "{id} {st:?} {exp:?}");
        }
        assert_eq!(one("anthropic:manual", Status::Missing, None).lines[0].text, "anthropic:manual — missing");
        assert_eq!(one("anthropic:k", Status::Static, None).lines[0].text, "anthropic:k — does not expire");
        // A profile the gateway does not use never raises the state.
        let mut st = status(vec![("anthropic:old", Status::Expired, Some(T0 - MIN))], far);
        st.agents[0].profiles[0].used = false;
        let g = glance(&st, None, &s, T0);
        assert_eq!((g.overall, g.headline.as_str()), (Overall::Healthy, "All credentials healthy"));
        assert_eq!(g.lines[0].text, "anthropic:old — expired 1 min ago (not used by the gateway)");
        // No profiles at all is said so, not called healthy.
        assert_eq!(glance(&status(vec![], far), None, &s, T0).headline, "No credentials yet");
    }

    #[test]
    fn the_most_urgent_problem_is_the_headline_and_agents_are_named() {
        let s = Settings::default();
        let far = T0 + 10 * 24 * 60 * MIN;
        let mut st = status(vec![("anthropic:a", Status::Ok, Some(T0 + 50 * MIN)), ("anthropic:b", Status::Ok, Some(T0 + 40 * MIN))], far);
        let g = glance(&st, None, &s, T0);
        assert_eq!(g.headline, "anthropic:b expires in 40 min", "the sooner of two");
        let mut work = st.agents[0].clone();
        work.id = "work".into();
        work.default = false;
        work.error = Some("cannot parse".into());
        st.agents.push(work);
        let g = glance(&st, None, &s, T0);
        assert_eq!((g.overall, g.headline.as_str()), (Overall::Broken, "agent work: store cannot be read"));
        assert_eq!(
            g.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>()[..2],
            ["main: anthropic:a — expires in 50 min", "main: anthropic:b — expires in 40 min"]
        );
        assert!(g.lines.iter().any(|l| l.text == "work: store unreadable"));
    }

    #[test]
    fn claude_codes_login_and_the_gateway_process() {
        let s = Settings::default();
        let far = T0 + 10 * 24 * 60 * MIN;
        let with = |f: &dyn Fn(&mut StatusReport)| {
            let mut st = status(vec![("anthropic:manual", Status::Ok, Some(far))], far);
            f(&mut st);
            glance(&st, None, &s, T0)
        };
        let g = with(&|st| st.claude_code.expires_at = Some(T0 + s.source_lead_ms));
        assert_eq!((g.overall, g.source.as_str()), (Overall::Attention, "Claude Code (file): expires in 30 min"));
        assert_eq!(g.headline, "Claude Code (file): expires in 30 min");
        assert!(g.lines.iter().all(|l| !l.text.starts_with("Claude Code")), "the source has its own line");
        assert_eq!(with(&|st| st.claude_code.expires_at = Some(T0 + s.source_lead_ms + 1)).overall, Overall::Healthy);
        for (status, want) in [
            (SourceStatus::Malformed, "Claude Code: malformed"),
            (SourceStatus::Unreadable, "Claude Code: unreadable"),
            (SourceStatus::Overridden, "Claude Code: overridden"),
        ] {
            let g = with(&|st| {
                st.claude_code.status = status;
                st.claude_code.expires_at = None;
            });
            assert_eq!((g.overall, g.source.as_str()), (Overall::Attention, want));
        }
        let g = with(&|st| {
            st.claude_code.status = SourceStatus::Expired;
            st.claude_code.source = SourceKind::Keychain;
            st.claude_code.expires_at = Some(T0 - 2 * MIN);
        });
        assert_eq!((g.overall, g.source.as_str()), (Overall::Attention, "Claude Code (Keychain): expired 2 min ago"));
        let g = with(&|st| st.claude_code.status = SourceStatus::Missing);
        assert_eq!((g.overall, g.source.as_str()), (Overall::Healthy, "Claude Code: not logged in"));
        // A gateway that runs but cannot be told to reload.
        let g = with(&|st| {
            st.gateway_process = crate::gateway::running::GatewayProcess { running: true, port: 1, reachable: false, problem: None }
        });
        assert_eq!((g.overall, g.headline.as_str()), (Overall::Attention, "the running gateway may use an old credential"));
        let g = with(&|st| {
            st.gateway_process = crate::gateway::running::GatewayProcess { running: true, port: 1, reachable: true, problem: None }
        });
        assert_eq!(g.overall, Overall::Healthy);
    }
}
