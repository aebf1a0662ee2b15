//! What the tray shows at a glance: the verdict's icon and headline, the fix for the headline's
//! problem, one line per profile in the order the gateway tries them, and Claude Code's login.
//! A pure function of the verdict, so the tray only draws.

use serde::Serialize;

use crate::clock::Millis;
use crate::duration::{describe_expiry, local_time};
use crate::report::{RouteKind, SourceStatus, StatusReport};
use crate::report::{Standing, TargetState};
pub use crate::verdict::Overall;
use crate::verdict::{Action, Topic, Verdict};

/// One line of the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    /// How bad this line is.
    pub state: Overall,
    /// The text.
    pub text: String,
    /// Not known yet (a target still being checked): shells show no state mark.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

/// The fix for the headline's problem, as a menu entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// The entry's label ("Replace token…").
    pub label: String,
    /// What it does.
    pub action: Action,
    /// The remedy in words, as the window shows it (plain text: no Markdown), so that the tray
    /// and the window never keep their own copies.
    pub text: String,
}

impl Fix {
    fn of(r: &crate::verdict::Remedy) -> Option<Fix> {
        Some(Fix { label: r.label.clone()?, action: r.action.clone()?, text: r.text.replace('`', "") })
    }
}

/// The whole glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Glance {
    /// The icon.
    pub overall: Overall,
    /// "All credentials healthy" or the most pressing problem.
    pub headline: String,
    /// The headline problem's fix, when a shell can act on it.
    pub fix: Option<Fix>,
    /// One line per agent profile in try order, then problems that concern no profile.
    pub lines: Vec<Line>,
    /// Claude Code's login, as one line.
    pub source: String,
    /// One line per saved target (gateways on other hosts), in the settings' order.
    pub targets: Vec<Line>,
}

/// Computes the glance from a status report, its verdict and the targets' states.
pub(crate) fn glance(status: &StatusReport, verdict: &Verdict, targets: &[TargetState], now: Millis) -> Glance {
    let multi = status.agents.len() > 1;
    let mut lines: Vec<Line> = verdict
        .rows
        .iter()
        .map(|r| {
            let prefix = if multi { format!("{}: ", r.agent) } else { String::new() };
            Line { state: r.state, text: format!("{prefix}{} — {}", r.profile_id, r.note), pending: false }
        })
        .collect();
    // Problems about no profile get a line too; the login has its own, setup is the headline,
    // targets have their section.
    for p in verdict.problems.iter().filter(|p| p.profile_id.is_none() && !matches!(p.topic, Topic::Login | Topic::Setup | Topic::Target)) {
        lines.push(Line { state: p.severity, text: p.text.clone(), pending: false });
    }
    // A route no profile carries (Claude Code's own login, a key in the environment) has no row:
    // it gets a line saying what carries it. A broken one is a problem line already.
    for l in verdict.routes.iter().filter(|l| l.works && matches!(l.kind, RouteKind::ClaudeCli | RouteKind::Env)) {
        let prefix = if multi { format!("{}: ", l.agent) } else { String::new() };
        lines.push(Line { state: Overall::Healthy, text: format!("{prefix}{}", crate::verdict::capitalise(&l.text)), pending: false });
    }
    let fix = verdict.top().and_then(|p| p.remedy.as_ref()).and_then(Fix::of);
    let targets = targets.iter().map(|t| target_line(t, now)).collect();
    Glance { overall: verdict.overall, headline: verdict.headline.clone(), fix, lines, source: source_line(status, now), targets }
}

/// The glance when this machine has no gateway and the saved targets are all there is: the
/// worst target decides the icon and the headline.
pub(crate) fn targets_only(targets: &[TargetState], now: Millis) -> Glance {
    let lines: Vec<Line> = targets.iter().map(|t| target_line(t, now)).collect();
    // The same icon, headline and fix as the CLI's and the window's verdict without a gateway here.
    let (overall, headline, problems) = crate::verdict::targets_judged(targets, now);
    let fix = problems.first().and_then(|p| p.remedy.as_ref()).and_then(Fix::of);
    Glance { overall, headline, fix, lines: Vec::new(), source: String::new(), targets: lines }
}

/// A target in one line: "vps — All credentials healthy", "vps — cannot be reached since 10:02".
pub fn target_line(t: &TargetState, now: Millis) -> Line {
    match t.standing() {
        Standing::Unreachable { since } => Line {
            state: Overall::Attention,
            text: format!("{} — cannot be reached since {}", t.name, local_time(since, now)),
            pending: false,
        },
        Standing::Checking => Line { state: Overall::Healthy, text: format!("{} — checking…", t.name), pending: true },
        Standing::Answered(state) => Line { state, text: format!("{} — {}", t.name, t.headline), pending: false },
    }
}

/// Claude Code's login in a menu line, with what to do when it is gone.
pub(crate) fn source_line(status: &StatusReport, now: Millis) -> String {
    let cc = &status.claude_code;
    // Where the gateway runs Claude Code, the access token's hours are Claude Code's business.
    let runs_claude = status.agents.iter().flat_map(|a| &a.routes).any(|r| r.carried_by_claude_code());
    if runs_claude && cc.logged_in && cc.has_refresh_token {
        let renewed = cc.modified_at.map(|m| format!(", last renewed {}", local_time(m, now))).unwrap_or_default();
        return format!("Claude Code: logged in, renews its own login{renewed}");
    }
    match (cc.status, cc.expires_at) {
        (SourceStatus::Missing, _) => "Claude Code: not logged in (run claude to log in)".into(),
        (SourceStatus::Expired, Some(e)) => format!("Claude Code login: {} (run claude to log in again)", describe_expiry(e, now)),
        (_, Some(e)) => format!("Claude Code login: {} ({})", describe_expiry(e, now), local_time(e, now)),
        (SourceStatus::Malformed | SourceStatus::Unreadable, None) => "Claude Code login: cannot be read".into(),
        (SourceStatus::Overridden, None) => "Claude Code: uses another credential".into(),
        (s, None) => format!("Claude Code login: {}", s.as_str()),
    }
}
