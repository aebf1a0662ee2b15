//! Which desktop notifications are due: a pure function of the latest status and sync reports,
//! the settings, the clock and what already fired.
//!
//! Rules (see `claude-code-credentials.md` §7): long-lived credentials (setup-tokens, pasted
//! tokens with an expiry) warn at each lead time and at expiry; the mirrored Claude Code token
//! rotates every few hours, so its normal expiry is never an alert: instead a failed mirror, a
//! store that fell behind the source, and a source about to expire (or expired) without Claude
//! Code having refreshed it are. Each condition fires once per episode: its key names the
//! episode (the credential's expiry, the agent), and keys whose condition ended are forgotten so
//! a new episode fires again.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::ops::sync::SyncReport;
use crate::report::{SourceStatus, StatusReport};
use crate::report::{Standing, TargetState};
use crate::settings::Settings;

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// A long-lived credential nears its expiry.
    CredentialExpiring,
    /// A long-lived credential has expired.
    CredentialExpired,
    /// Claude Code's login will expire soon and has not been refreshed.
    SourceExpiring,
    /// Claude Code's login has expired.
    SourceExpired,
    /// Claude Code's login cannot be read.
    SourceProblem,
    /// Writing the mirror failed.
    MirrorFailed,
    /// A store holds an older Claude Code token than the source.
    MirrorStale,
    /// The mirror was written, but the running gateway could not be told to take it up.
    ReloadFailed,
    /// Every profile of a provider the gateway's model needs is on cooldown or disabled.
    ProviderUnavailable,
    /// A saved target (gateway on another host) cannot be reached.
    TargetUnreachable,
    /// A saved target's gateway has a problem of its own.
    TargetProblem,
    /// The gateway runs Claude Code, and Claude Code cannot answer (logged out, or `claude`
    /// not found where the gateway runs).
    ClaudeCliBroken,
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// The episode key (what is remembered so it fires once).
    pub key: String,
    /// What it is about.
    pub kind: AlertKind,
    /// The notification's title.
    pub summary: String,
    /// Its text.
    pub body: String,
}

impl Alert {
    /// A notification's text is plain: the rules' sentences name commands in Markdown marks,
    /// which a desktop shows literally.
    fn plain(key: String, kind: AlertKind, summary: &str, body: &str) -> Alert {
        Alert { key, kind, summary: summary.replace('`', ""), body: body.replace('`', "") }
    }
}

/// What fired, persisted so that a restart does not repeat it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AlertState {
    /// Episode key → when it fired.
    pub fired: BTreeMap<String, Millis>,
}

impl AlertState {
    /// The state file in the data dir.
    pub(crate) fn path(data_dir: &Path) -> std::path::PathBuf {
        data_dir.join("alerts.json")
    }

    /// Reads the state; missing means nothing fired. A damaged file is an error (the caller may
    /// start empty, accepting a repeat, rather than stop alerting).
    pub(crate) fn load(path: &Path) -> Result<AlertState> {
        match crate::fsx::read_optional(path)? {
            None => Ok(AlertState::default()),
            Some(b) => serde_json::from_slice(&b).map_err(|e| Error::StoreParse { path: path.to_path_buf(), reason: e.to_string() }),
        }
    }

    /// Writes the state atomically (0600).
    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| Error::Internal(format!("cannot encode the alert memory: {e}")))?;
        crate::fsx::write_atomic(path, &bytes)
    }

    /// Takes the outcome of [`evaluate`]: remembers what fired, forgets ended episodes.
    /// Returns whether the state changed.
    pub(crate) fn apply(&mut self, outcome: &Outcome, now: Millis) -> bool {
        let before = self.fired.len();
        self.fired.retain(|k, _| outcome.active.iter().any(|a| a == k));
        let mut changed = self.fired.len() != before;
        for k in &outcome.settle {
            if !self.fired.contains_key(k) {
                self.fired.insert(k.clone(), now);
                changed = true;
            }
        }
        changed
    }
}

/// What [`evaluate`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Notifications to show now.
    pub due: Vec<Alert>,
    /// Every key whose condition holds now (kept in the state).
    pub active: Vec<String>,
    /// Keys to record as fired (the due ones, and lesser thresholds they supersede).
    pub settle: Vec<String>,
}

/// Everything the rules look at.
pub(crate) struct Inputs<'a> {
    /// The status document of this moment (every agent's profiles, Claude Code's login).
    pub status: &'a StatusReport,
    /// The latest mirror run, if any.
    pub sync: Option<&'a SyncReport>,
    /// Why the latest mirror run could not run at all (its report is then the previous one).
    pub sync_error: Option<&'a crate::error::Failure>,
    /// The settings (lead times).
    pub settings: &'a Settings,
    /// The time the rules judge at (a fixed clock in tests).
    pub now: Millis,
    /// The saved targets (gateways on other hosts) as last checked.
    pub targets: &'a [TargetState],
}

/// Decides which alerts are due given what already fired.
pub(crate) fn evaluate(input: &Inputs<'_>, state: &AlertState) -> Outcome {
    let mut out = Outcome::default();
    let raise = |out: &mut Outcome, key: String, also: Vec<String>, kind, summary: String, body: String| {
        out.active.push(key.clone());
        out.active.extend(also.iter().cloned());
        if !state.fired.contains_key(&key) {
            out.due.push(Alert::plain(key.clone(), kind, &summary, &body));
        }
        out.settle.push(key);
        out.settle.extend(also);
    };
    let now = input.now;
    let is_mirror = |id: &str| crate::ops::sync::is_mirror_id(id, input.sync);

    // Long-lived credentials: the most urgent threshold crossed fires; lesser ones are settled.
    let mut leads = input.settings.expiry_leads_ms.clone();
    leads.sort_unstable_by(|a, b| b.cmp(a));
    leads.push(0);
    for agent in &input.status.agents {
        for p in &agent.profiles {
            let (Some(exp), "token") = (p.expires_at, p.kind) else { continue };
            if is_mirror(&p.id) {
                continue;
            }
            let crossed: Vec<Millis> = leads.iter().copied().filter(|&l| now >= exp - l).collect();
            let Some(&most) = crossed.last() else { continue };
            let key_of = |l: Millis| format!("expiry:{}:{}:{exp}:{l}", agent.id, p.id);
            let also = crossed.iter().filter(|&&l| l != most).map(|&l| key_of(l)).collect();
            let place = if agent.default { String::new() } else { format!(" (agent {})", agent.id) };
            if most == 0 {
                raise(
                    &mut out,
                    key_of(0),
                    also,
                    AlertKind::CredentialExpired,
                    format!("{} has expired", p.id),
                    format!("The gateway can no longer use {}{place}. Paste a new token (authtray → Paste token).", p.id),
                );
            } else {
                raise(
                    &mut out,
                    key_of(most),
                    also,
                    AlertKind::CredentialExpiring,
                    format!("{} expires in {}", p.id, crate::duration::humanize(exp - now)),
                    format!(
                        "{}{place} expires {}. Run `claude setup-token`, then paste the new token (authtray → Paste token).",
                        p.id,
                        crate::duration::local_time(exp, now)
                    ),
                );
            }
        }
    }

    // Every profile of a provider in use set aside: once per episode (its end names it).
    for agent in &input.status.agents {
        for route in agent.routes.iter().filter(|r| !r.works) {
            let Some(until) = route.resting_until else { continue };
            let place = if agent.default { String::new() } else { format!(" (agent {})", agent.id) };
            raise(
                &mut out,
                format!("unavailable:{}:{}:{until}", agent.id, route.provider),
                vec![],
                AlertKind::ProviderUnavailable,
                format!("The gateway has set every {} profile aside", route.provider),
                format!(
                    "After failed requests it refuses chats{place} until {}. Paste a new token, or clear the cooldown in authtray once the cause is fixed.",
                    crate::duration::local_time(until, now)
                ),
            );
        }
    }

    // Routes the gateway runs through Claude Code: broken once per cause.
    for agent in &input.status.agents {
        for route in agent.routes.iter().filter(|r| !r.works) {
            let Some(cli) = &route.claude_cli else { continue };
            let place = if agent.default { String::new() } else { format!(" (agent {})", agent.id) };
            let (cause, summary, body) = if cli.executable.path.is_none() {
                (
                    "no-claude",
                    "The gateway cannot find Claude Code",
                    "It runs its model through Claude Code. Install Claude Code where the gateway runs, on the PATH its service uses.",
                )
            } else {
                (
                    "logged-out",
                    "Claude Code is not logged in where the gateway runs",
                    "The gateway runs its model through Claude Code. Log in to Claude Code there: run claude auth login in a terminal.",
                )
            };
            raise(
                &mut out,
                format!("claude-cli:{}:{cause}", agent.id),
                vec![],
                AlertKind::ClaudeCliBroken,
                format!("{summary}{place}"),
                body.into(),
            );
        }
    }

    // Claude Code's own login. Where the gateway runs Claude Code and Claude Code renews its
    // token, the access token's hours are Claude Code's business, not an alert.
    let cc = &input.status.claude_code;
    let runs_claude = input.status.agents.iter().flat_map(|a| &a.routes).any(|r| r.carried_by_claude_code());
    match (cc.status, cc.expires_at) {
        (SourceStatus::Expired | SourceStatus::Expiring | SourceStatus::Ok, Some(_)) if runs_claude && cc.has_refresh_token => {}
        (SourceStatus::Expired, Some(exp)) => raise(
            &mut out,
            format!("source-expired:{exp}"),
            vec![],
            AlertKind::SourceExpired,
            "Claude Code's login has expired".into(),
            "Run `claude` once so it refreshes its login; authtray mirrors the new token automatically.".into(),
        ),
        (_, Some(exp)) if exp > now && exp - now <= input.settings.source_lead_ms => raise(
            &mut out,
            format!("source-expiring:{exp}"),
            vec![],
            AlertKind::SourceExpiring,
            format!("Claude Code's login expires in {}", crate::duration::humanize(exp - now)),
            "Claude Code has not refreshed it. Run `claude` once to refresh; the mirror follows.".into(),
        ),
        (SourceStatus::Malformed | SourceStatus::Unreadable | SourceStatus::Overridden, _) => raise(
            &mut out,
            format!("source-problem:{}", cc.status.as_str()),
            vec![],
            AlertKind::SourceProblem,
            "authtray cannot read Claude Code's login".into(),
            cc.problem.clone().unwrap_or_else(|| cc.status.as_str().to_string()),
        ),
        _ => {}
    }

    // The mirror.
    if let Some(err) = input.sync_error {
        raise(
            &mut out,
            "mirror-failed:all".into(),
            vec![],
            AlertKind::MirrorFailed,
            "Mirroring Claude Code's login failed".into(),
            err.summary.clone(),
        );
    }
    if let Some(sync) = input.sync {
        if let Some(reload) = sync.reload.as_ref().filter(|r| r.failed()) {
            // Once per gateway process problem, not per write: the key names the reason.
            raise(
                &mut out,
                format!("reload-failed:{}", reload.method.as_deref().unwrap_or_default()),
                vec![],
                AlertKind::ReloadFailed,
                "The gateway still uses the old credential".into(),
                reload.detail.clone().unwrap_or_default(),
            );
        }
        for a in &sync.agents {
            if let Some(err) = &a.error {
                raise(
                    &mut out,
                    format!("mirror-failed:{}", a.agent),
                    vec![],
                    AlertKind::MirrorFailed,
                    format!("Mirroring to agent {} failed", a.agent),
                    crate::token::redact_text(a.problem.as_deref().unwrap_or(err), &[]),
                );
            }
        }
        if let (Some(src_exp), Some(modified)) = (cc.expires_at, cc.modified_at.or(Some(now))) {
            let settled = now - modified >= input.settings.stale_grace_ms;
            for a in sync.agents.iter().filter(|a| a.error.is_none()) {
                let stored =
                    input.status.agents.iter().find(|s| s.id == a.agent).and_then(|s| s.profiles.iter().find(|p| p.id == a.profile_id));
                let behind = stored.and_then(|p| p.expires_at).is_some_and(|e| e + crate::mirror::EXPIRY_SLACK_MS < src_exp);
                if behind && settled && src_exp > now {
                    raise(
                        &mut out,
                        format!("mirror-stale:{}:{src_exp}", a.agent),
                        vec![],
                        AlertKind::MirrorStale,
                        format!("Agent {} is behind Claude Code's login", a.agent),
                        format!(
                            "{} holds an older token than Claude Code. Use Sync now, or check the store with `authtray doctor`.",
                            a.profile_id
                        ),
                    );
                }
            }
        }
    }
    target_rules(input.targets, now, &mut raise_into(&mut out, state));
    out
}

/// The alerts about the saved targets alone.
#[cfg(test)]
fn evaluate_targets(targets: &[TargetState], now: Millis, state: &AlertState) -> Outcome {
    let mut out = Outcome::default();
    target_rules(targets, now, &mut raise_into(&mut out, state));
    out
}

/// A `raise` that records into `out`, due unless already fired.
fn raise_into<'a>(out: &'a mut Outcome, state: &'a AlertState) -> impl FnMut(String, AlertKind, String, String) + 'a {
    move |key, kind, summary: String, body: String| {
        out.active.push(key.clone());
        if !state.fired.contains_key(&key) {
            out.due.push(Alert::plain(key.clone(), kind, &summary, &body));
        }
        out.settle.push(key);
    }
}

/// Gateways on other hosts: once per episode (unreachable since a time; a headline).
fn target_rules(targets: &[TargetState], now: Millis, raise: &mut impl FnMut(String, AlertKind, String, String)) {
    for t in targets {
        match t.standing() {
            Standing::Unreachable { since } => raise(
                format!("target-unreachable:{}:{since}", t.name),
                AlertKind::TargetUnreachable,
                format!("{} unreachable since {}", t.name, crate::duration::local_time(since, now)),
                // What ssh or kubectl said is shown under Details in the window, never here.
                format!(
                    "authtray cannot reach {}. Its gateway keeps the credential it has; authtray tries again every few minutes. The Overview shows what went wrong.",
                    t.name
                ),
            ),
            Standing::Answered(overall) if overall != crate::verdict::Overall::Healthy => raise(
                format!("target-problem:{}:{}", t.name, t.headline),
                AlertKind::TargetProblem,
                format!("{}: {}", t.name, t.headline),
                t.fix.clone().unwrap_or_else(|| format!("Open authtray to see what {} needs.", t.name)),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Status;
    use crate::ops::status::{fixture, ClaudeReport};

    const H: Millis = 3_600_000;
    const D: Millis = 24 * H;
    const T0: Millis = 1_800_000_000_000;

    fn cc(status: SourceStatus, expires_at: Option<Millis>) -> ClaudeReport {
        ClaudeReport { modified_at: Some(T0 - 10 * H), ..fixture::claude(status, expires_at) }
    }

    fn report(profiles: Vec<(&str, &'static str, Option<Millis>)>, cc: ClaudeReport) -> StatusReport {
        let profiles =
            profiles.into_iter().map(|(id, kind, expires_at)| fixture::profile(id, kind, Status::Ok, expires_at, true)).collect();
        StatusReport { warn_within_ms: D, ..fixture::report(T0, cc, profiles, Vec::new()) }
    }

    /// Runs the rules over a series of times, as the app does, returning the summaries shown.
    fn run(status_at: impl Fn(Millis) -> StatusReport, times: &[Millis], state: &mut AlertState) -> Vec<String> {
        let settings = Settings::default();
        let mut shown = Vec::new();
        for &now in times {
            let status = status_at(now);
            let o = evaluate(&Inputs { targets: &[], status: &status, sync: None, sync_error: None, settings: &settings, now }, state);
            shown.extend(o.due.iter().map(|a| a.summary.clone()));
            state.apply(&o, now);
        }
        shown
    }

    #[test]
    fn long_lived_token_warns_at_each_lead_and_at_expiry_once() {
        let exp = T0 + 30 * D;
        let mut state = AlertState::default();
        let times: Vec<Millis> = (0..=31 * 24).map(|h| T0 + h * H).collect();
        let shown =
            run(|_| report(vec![("anthropic:manual", "token", Some(exp))], cc(SourceStatus::Ok, Some(T0 + 365 * D))), &times, &mut state);
        assert_eq!(
            shown,
            vec![
                "anthropic:manual expires in 30 d".to_string(),
                "anthropic:manual expires in 7 d".to_string(),
                "anthropic:manual expires in 1 d".into(),
                "anthropic:manual expires in 1 h".into(),
                "anthropic:manual has expired".into(),
            ]
        );
    }

    #[test]
    fn a_token_pasted_close_to_expiry_fires_once_and_not_again_after_a_restart() {
        let exp = T0 + 20 * 60 * 1000;
        let mut state = AlertState::default();
        let st = |_| report(vec![("anthropic:manual", "token", Some(exp))], cc(SourceStatus::Ok, Some(T0 + D)));
        let shown = run(st, &[T0, T0 + 60_000, T0 + 120_000], &mut state);
        assert_eq!(shown.len(), 1, "{shown:?}");
        // A restart: the state comes back from disk.
        let dir = tempfile::tempdir().unwrap();
        let p = AlertState::path(dir.path());
        state.save(&p).unwrap();
        let mut restored = AlertState::load(&p).unwrap();
        assert!(run(st, &[T0 + 180_000], &mut restored).is_empty());
    }

    #[test]
    fn the_mirrored_claude_code_token_never_nags_but_an_unrefreshed_source_does() {
        let mut state = AlertState::default();
        // Mirror profile expiring in 20 min: no alert for it. Source expiring in 20 min: one.
        let st = |now: Millis| {
            report(
                vec![("anthropic:claude-code", "token", Some(T0 + 20 * 60_000))],
                cc(if now >= T0 + 20 * 60_000 { SourceStatus::Expired } else { SourceStatus::Expiring }, Some(T0 + 20 * 60_000)),
            )
        };
        let shown = run(st, &[T0 - 2 * H, T0, T0 + 60_000, T0 + 25 * 60_000, T0 + 30 * 60_000], &mut state);
        assert_eq!(shown, vec!["Claude Code's login expires in 20 min".to_string(), "Claude Code's login has expired".into()]);
        // Claude Code refreshed: a new episode, nothing due, old keys forgotten.
        let shown = run(|_| report(vec![], cc(SourceStatus::Ok, Some(T0 + 8 * H))), &[T0 + H], &mut state);
        assert!(shown.is_empty() && state.fired.is_empty());
    }

    #[test]
    fn a_claude_cli_route_that_stops_working_fires_once_and_its_renewals_never_do() {
        use crate::claude_cli::{Executable, NativeLogin};
        use crate::ops::status::{ClaudeCliRoute, Route};
        let at = |logged_in: bool, found: bool, cc_exp: Millis| {
            let mut r = report(vec![], cc(if logged_in { SourceStatus::Expired } else { SourceStatus::Missing }, Some(cc_exp)));
            let login = NativeLogin { logged_in, renews: true, expires_at: Some(cc_exp), ..NativeLogin::logged_out() };
            let executable = Executable { path: found.then(|| "/usr/bin/claude".into()), searched: "the PATH".into() };
            let route = Route { provider: "anthropic".into(), ..Default::default() };
            r.agents[0].routes = vec![route.on_claude_cli(ClaudeCliRoute { login, executable }, T0)];
            r
        };
        let mut state = AlertState::default();
        // Logged in, the access token past its hour: Claude Code renews it, nothing to tell.
        assert_eq!(run(|_| at(true, true, T0 - H), &[T0, T0 + H], &mut state), Vec::<String>::new());
        let shown = run(|_| at(false, true, T0 - H), &[T0, T0 + 60_000, T0 + 120_000], &mut state);
        assert_eq!(shown, vec!["Claude Code is not logged in where the gateway runs".to_string()]);
        let shown = run(|_| at(true, false, T0 + H), &[T0, T0 + 60_000], &mut state);
        assert_eq!(shown, vec!["The gateway cannot find Claude Code".to_string()]);
    }

    #[test]
    fn notifications_are_plain_text() {
        // Claude Code's login expired: its body names a command, without Markdown marks.
        let r = report(vec![], cc(SourceStatus::Expired, Some(T0 - H)));
        let settings = Settings::default();
        let o = evaluate(
            &Inputs { targets: &[], status: &r, sync: None, sync_error: None, settings: &settings, now: T0 },
            &AlertState::default(),
        );
        assert!(!o.due.is_empty());
        for a in &o.due {
            assert!(!a.summary.contains('`') && !a.body.contains('`'), "{a:?}");
        }
    }

    #[test]
    fn every_profile_set_aside_fires_once_per_episode() {
        let resting = |until: Option<Millis>| {
            let mut r = report(vec![("anthropic:manual", "token", None)], cc(SourceStatus::Ok, Some(T0 + 365 * D)));
            r.agents[0].routes = vec![crate::ops::status::Route {
                provider: "anthropic".into(),
                works: until.is_none(),
                profile: Some("anthropic:manual".into()),
                usable: vec!["anthropic:manual".into()],
                env: false,
                until: None,
                resting_until: until,
                ..Default::default()
            }];
            r
        };
        let mut state = AlertState::default();
        let first = run(|_| resting(Some(T0 + 30 * 60_000)), &[T0, T0 + 60_000, T0 + 120_000], &mut state);
        assert_eq!(first, vec!["The gateway has set every anthropic profile aside".to_string()]);
        // Back in service, then set aside again: a new episode.
        run(|_| resting(None), &[T0 + 180_000], &mut state);
        let again = run(|_| resting(Some(T0 + 40 * 60_000)), &[T0 + 240_000], &mut state);
        assert_eq!(again.len(), 1, "{again:?}");
    }

    #[test]
    fn mirror_failure_fires_once_per_episode_and_stale_store_after_grace() {
        use crate::ops::sync::{AgentSync, SyncReport};
        let settings = Settings::default();
        let src = cc(SourceStatus::Ok, Some(T0 + 8 * H));
        let mk_sync = |error: Option<&str>| SyncReport {
            generation: "openclaw-json",
            claude_code: src.clone(),
            dry_run: false,
            reload: None,
            agents: vec![AgentSync {
                agent: "main".into(),
                profile_id: "anthropic:claude-code".into(),
                action: crate::mirror::Action::Skip,
                reason: String::new(),
                expires_at: None,
                config_updated: false,
                order_updated: false,
                writer: None,
                error: error.map(str::to_string),
                problem: None,
            }],
        };
        let status = report(vec![("anthropic:claude-code", "token", Some(T0 + 2 * H))], src.clone());
        let mut state = AlertState::default();
        let failed = mk_sync(Some("the store lock /x is held by pid 1"));
        let mut count = 0;
        for i in 0..3 {
            let o = evaluate(
                &Inputs { targets: &[], status: &status, sync: Some(&failed), sync_error: None, settings: &settings, now: T0 + i },
                &state,
            );
            count += o.due.iter().filter(|a| a.kind == AlertKind::MirrorFailed).count();
            state.apply(&o, T0 + i);
        }
        assert_eq!(count, 1);
        // Recovered, but the store still holds the older token: stale, once.
        let ok = mk_sync(None);
        let o =
            evaluate(&Inputs { targets: &[], status: &status, sync: Some(&ok), sync_error: None, settings: &settings, now: T0 }, &state);
        assert_eq!(o.due.iter().map(|a| a.kind).collect::<Vec<_>>(), vec![AlertKind::MirrorStale]);
        state.apply(&o, T0);
        assert!(!state.fired.keys().any(|k| k.starts_with("mirror-failed")), "ended episode forgotten");
        // A run that could not start at all (the install unreadable, say): once per episode too.
        let mut fired = 0;
        for i in 0..2 {
            let o = evaluate(
                &Inputs {
                    targets: &[],
                    status: &status,
                    sync: Some(&ok),
                    sync_error: Some(&crate::error::Failure { summary: "cannot parse the config".into(), details: String::new() }),
                    settings: &settings,
                    now: T0 + i,
                },
                &state,
            );
            fired += o.due.iter().filter(|a| a.key == "mirror-failed:all").count();
            state.apply(&o, T0 + i);
        }
        assert_eq!(fired, 1);
    }

    fn sync_of(
        profile_id: &str,
        claude_code: ClaudeReport,
        reload: Option<crate::gateway::running::Reload>,
    ) -> crate::ops::sync::SyncReport {
        crate::ops::sync::SyncReport {
            generation: "openclaw-json",
            claude_code,
            dry_run: false,
            reload,
            agents: vec![crate::ops::sync::AgentSync {
                agent: "main".into(),
                profile_id: profile_id.into(),
                action: crate::mirror::Action::Update,
                reason: String::new(),
                expires_at: None,
                config_updated: false,
                order_updated: false,
                writer: None,
                error: None,
                problem: None,
            }],
        }
    }

    fn kinds(status: &StatusReport, sync: Option<&crate::ops::sync::SyncReport>, now: Millis) -> Vec<AlertKind> {
        let settings = Settings::default();
        evaluate(&Inputs { targets: &[], status, sync, sync_error: None, settings: &settings, now }, &AlertState::default())
            .due
            .iter()
            .map(|a| a.kind)
            .collect()
    }

    #[test]
    fn applying_an_outcome_says_whether_the_memory_changed() {
        let mut st = AlertState::default();
        let holds = Outcome { due: vec![], active: vec!["a".into()], settle: vec!["a".into()] };
        assert!(st.apply(&holds, 1), "a new key");
        assert!(!st.apply(&holds, 2), "the same key again");
        assert_eq!(st.fired.get("a"), Some(&1), "remembered from when it first fired");
        let ended = Outcome::default();
        assert!(st.apply(&ended, 3), "forgetting an ended episode is a change");
        assert!(st.fired.is_empty());
        assert!(!st.apply(&ended, 4));
    }

    #[test]
    fn a_late_paste_settles_the_lesser_leads_it_skipped() {
        let exp = T0 + 20 * 60_000;
        let status = report(vec![("anthropic:manual", "token", Some(exp))], cc(SourceStatus::Ok, Some(T0 + D)));
        let settings = Settings::default();
        let mut state = AlertState::default();
        let o = evaluate(&Inputs { targets: &[], status: &status, sync: None, sync_error: None, settings: &settings, now: T0 }, &state);
        state.apply(&o, T0);
        let keys: std::collections::BTreeSet<&String> = state.fired.keys().collect();
        let key = |l: Millis| format!("expiry:main:anthropic:manual:{exp}:{l}");
        let want = [key(H), key(D), key(7 * D), key(30 * D)];
        assert_eq!(keys, want.iter().collect(), "the 1 h alert fired; 30 d, 7 d and 1 d are settled with it");
    }

    #[test]
    fn claude_codes_login_at_its_edges() {
        let lead = Settings::default().source_lead_ms;
        let at = |status: SourceStatus, exp: Millis| kinds(&report(vec![], cc(status, Some(exp))), None, T0);
        assert_eq!(at(SourceStatus::Expiring, T0), Vec::<AlertKind>::new(), "at its expiry it is not 'expiring'");
        assert_eq!(at(SourceStatus::Expiring, T0 + 1), vec![AlertKind::SourceExpiring]);
        assert_eq!(at(SourceStatus::Ok, T0 + lead), vec![AlertKind::SourceExpiring]);
        assert_eq!(at(SourceStatus::Ok, T0 + lead + 1), Vec::<AlertKind>::new());
        assert_eq!(at(SourceStatus::Expired, T0), vec![AlertKind::SourceExpired]);
        for s in [SourceStatus::Malformed, SourceStatus::Unreadable, SourceStatus::Overridden] {
            let mut c = cc(s, None);
            c.problem = Some("the Keychain refused".into());
            let settings = Settings::default();
            let o = evaluate(
                &Inputs { targets: &[], status: &report(vec![], c), sync: None, sync_error: None, settings: &settings, now: T0 },
                &AlertState::default(),
            );
            assert_eq!(o.due.len(), 1, "{s:?}");
            assert_eq!(
                (o.due[0].kind, o.due[0].key.as_str(), o.due[0].body.as_str()),
                (AlertKind::SourceProblem, &*format!("source-problem:{}", s.as_str()), "the Keychain refused")
            );
        }
        assert!(kinds(&report(vec![], cc(SourceStatus::Missing, None)), None, T0).is_empty());
    }

    #[test]
    fn a_store_behind_the_source_only_after_the_grace_and_beyond_the_slack() {
        let grace = Settings::default().stale_grace_ms;
        let src_exp = T0 + 8 * H;
        // (stored expiry, login modified, source expiry, now) → stale alert?
        let slack = crate::mirror::EXPIRY_SLACK_MS;
        let cases = [
            (src_exp - slack - 1, T0 - grace, src_exp, T0, true),
            (src_exp - slack, T0 - grace, src_exp, T0, false),
            (src_exp - slack - 1, T0 - grace + 1, src_exp, T0, false),
            (T0 - 2 * H, T0 - grace, T0, T0, false),
        ];
        for (stored, modified, src, now, want) in cases {
            let mut c = cc(SourceStatus::Ok, Some(src));
            c.modified_at = Some(modified);
            let status = report(vec![("anthropic:claude-code", "token", Some(stored))], c.clone());
            let sync = sync_of("anthropic:claude-code", c, None);
            let stale = kinds(&status, Some(&sync), now).contains(&AlertKind::MirrorStale);
            assert_eq!(stale, want, "stored {} s before the source, modified {} s ago", (src - stored) / 1000, (now - modified) / 1000);
        }
    }

    #[test]
    fn a_failed_reload_is_told_once_per_episode() {
        use crate::gateway::running::{Reload, ReloadState};
        let c = cc(SourceStatus::Ok, Some(T0 + 8 * H));
        let status = report(vec![("anthropic:claude-code", "token", Some(T0 + 8 * H))], c.clone());
        let failed = Reload { state: ReloadState::Failed, method: Some("ws://127.0.0.1:18789".into()), detail: Some("refused".into()) };
        let done = Reload { state: ReloadState::Done, method: Some("secrets.reload over ws://127.0.0.1:18789".into()), detail: None };
        let settings = Settings::default();
        let mut state = AlertState::default();
        let mut shown = Vec::new();
        for (i, r) in [&failed, &failed, &done, &failed].into_iter().enumerate() {
            let sync = sync_of("anthropic:claude-code", c.clone(), Some(r.clone()));
            let now = T0 + i as Millis;
            let o =
                evaluate(&Inputs { targets: &[], status: &status, sync: Some(&sync), sync_error: None, settings: &settings, now }, &state);
            shown.extend(o.due.iter().filter(|a| a.kind == AlertKind::ReloadFailed).map(|a| a.body.clone()));
            state.apply(&o, now);
        }
        assert_eq!(shown, vec!["refused".to_string(), "refused".into()], "once, and again after it had worked in between");
    }

    #[test]
    fn an_unreachable_target_is_told_once_per_outage() {
        let entry = crate::target::TargetEntry { name: "vps".into(), url: "docker://gw".into(), mirror: false };
        let mut t = TargetState::new(&entry);
        t.reached = Some(false);
        t.unreachable_since = Some(T0);
        t.headline = "Connection refused".into();
        let mut state = AlertState::default();
        let mut fired = Vec::new();
        for i in 0..3 {
            let o = evaluate_targets(std::slice::from_ref(&t), T0 + i * 60_000, &state);
            fired.extend(o.due.iter().map(|a| a.summary.clone()));
            state.apply(&o, T0 + i * 60_000);
        }
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert!(fired[0].starts_with("vps unreachable since"), "{fired:?}");
        // Reached again, then lost again: a new outage, told again.
        t.reached = Some(true);
        t.unreachable_since = None;
        t.overall = crate::verdict::Overall::Healthy;
        state.apply(&evaluate_targets(std::slice::from_ref(&t), T0 + 300_000, &state), T0 + 300_000);
        t.reached = Some(false);
        t.unreachable_since = Some(T0 + 400_000);
        assert_eq!(evaluate_targets(std::slice::from_ref(&t), T0 + 400_000, &state).due.len(), 1);
    }

    #[test]
    fn a_target_whose_own_verdict_is_not_healthy_is_told_with_its_fix_and_a_healthy_one_is_not() {
        let entry = crate::target::TargetEntry { name: "box".into(), url: "docker://gw".into(), mirror: false };
        let mut t = TargetState::new(&entry);
        t.reached = Some(true);
        t.overall = crate::verdict::Overall::Healthy;
        t.headline = "All credentials healthy".into();
        let o = evaluate_targets(std::slice::from_ref(&t), T0, &AlertState::default());
        assert!(o.due.is_empty() && o.active.is_empty(), "{:?}", o.due);
        t.overall = crate::verdict::Overall::Attention;
        t.headline = "Claude Code's login expires in 2 h".into();
        t.fix = Some("Log in to Claude Code on box.".into());
        let o = evaluate_targets(std::slice::from_ref(&t), T0, &AlertState::default());
        let told: Vec<_> = o.due.iter().map(|a| (a.kind, a.summary.as_str(), a.body.as_str())).collect();
        assert_eq!(told, [(AlertKind::TargetProblem, "box: Claude Code's login expires in 2 h", "Log in to Claude Code on box.")]);
        // No fix known: the window tells.
        t.overall = crate::verdict::Overall::Broken;
        t.fix = None;
        let o = evaluate_targets(std::slice::from_ref(&t), T0, &AlertState::default());
        assert_eq!(o.due.iter().map(|a| a.body.as_str()).collect::<Vec<_>>(), ["Open authtray to see what box needs."]);
    }
}
