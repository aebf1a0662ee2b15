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
        let action = r.action.clone()?;
        let mut label = r.label.clone()?;
        // Clearing puts back a profile the gateway set aside: a menu click opens the window,
        // which says what will happen beside the button, rather than clearing at once.
        if matches!(action, Action::ClearCooldown { .. }) && !label.ends_with('…') {
            label.push('…');
        }
        Some(Fix { label, action, text: r.text.replace('`', "") })
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
            // Plain text in a menu: the window marks commands with backticks.
            Line { state: r.state, text: format!("{prefix}{} — {}", r.profile_id, r.note.replace('`', "")), pending: false }
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

/// The glance when the gateway's files cannot be read: the reason in plain words (the window
/// has the whole text behind Details), the targets as last found.
pub(crate) fn unreadable(error: &crate::Error, targets: &[TargetState], now: Millis) -> Glance {
    Glance {
        overall: Overall::Broken,
        headline: "Cannot read the gateway's files".into(),
        fix: None,
        lines: vec![Line { state: Overall::Broken, text: error.summary(), pending: false }],
        source: String::new(),
        targets: targets.iter().map(|t| target_line(t, now)).collect(),
    }
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

/// The longest menu entry, in characters. A tray menu sizes itself to its widest entry when it
/// is first shown and some hosts (GTK's app indicator) keep that width, or run past the screen
/// edge after a longer entry: entries stay short, and the window has the whole text.
pub const MENU_CHARS: usize = 72;

/// `text` as a menu entry: at most [`MENU_CHARS`] characters, cut with "…".
pub fn for_menu(text: &str) -> String {
    if text.chars().count() <= MENU_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MENU_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claude_cli::{AuthMethod, Executable, NativeLogin};
    use crate::health::Status;
    use crate::ops::status::fixture;
    use crate::report::{ClaudeCliRoute, ProfileReport, Route};
    use crate::settings::Settings;
    use crate::verdict::{judge, Inputs};

    const T0: Millis = 1_800_000_000_000;
    const H: Millis = 3_600_000;
    const ROW: &str = "anthropic:manual — In use · expiry unknown (setup-tokens usually last 1 year)";

    /// Agent `main`, a pasted token carrying its Anthropic route; Claude Code's login as given.
    fn report(cc: SourceStatus, cc_exp: Option<Millis>) -> StatusReport {
        let token =
            ProfileReport { rank: Some(1), in_use: true, ..fixture::profile("anthropic:manual", "token", Status::Static, None, true) };
        let route = Route {
            provider: "anthropic".into(),
            works: true,
            profile: Some(token.id.clone()),
            usable: vec![token.id.clone()],
            ..Default::default()
        };
        fixture::report(T0, fixture::claude(cc, cc_exp), vec![token], vec![route])
    }

    /// The Anthropic route of an empty store, carried by Claude Code's own login (Claude Max).
    fn through_claude_code() -> Route {
        let login = NativeLogin {
            logged_in: true,
            method: AuthMethod::Subscription,
            subscription_type: Some("max".into()),
            rate_limit_tier: None,
            email: Some("a@b.c".into()),
            expires_at: Some(T0 + 5 * H),
            renews: true,
            renewed_at: None,
        };
        let executable = Executable { path: Some("/usr/bin/claude".into()), searched: "the PATH".into() };
        Route { provider: "anthropic".into(), ..Default::default() }.on_claude_cli(ClaudeCliRoute { login, executable }, T0)
    }

    fn look(r: &StatusReport, targets: &[TargetState]) -> Glance {
        let settings = Settings::default();
        let v = judge(r, &Inputs { sync: None, sync_error: None, settings: &settings, now: T0, targets });
        glance(r, &v, targets, T0)
    }

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn lines_name_their_agent_only_when_there_are_two() {
        let mut r = report(SourceStatus::Ok, Some(T0 + 5 * H));
        // One agent: no prefix, and a route its profile carries has no line of its own.
        assert_eq!(texts(&look(&r, &[]).lines), [ROW]);
        let work = crate::report::AgentReport {
            id: "work".into(),
            profiles: Vec::new(),
            effective_order: Default::default(),
            routes: vec![through_claude_code()],
            ..r.agents[0].clone()
        };
        r.agents.push(work);
        let g = look(&r, &[]);
        assert_eq!(g.overall, Overall::Healthy, "{g:?}");
        assert_eq!(
            texts(&g.lines),
            [format!("main: {ROW}").as_str(), "work: Your Claude subscription, through Claude Code (Claude Max, a@b.c)"]
        );
    }

    #[test]
    fn problems_about_no_profile_get_a_line_but_the_login_setup_and_targets_have_their_own_place() {
        let mut r = report(SourceStatus::Expired, Some(T0 - H));
        r.gateway_process.running = true;
        // A second token, expired and skipped: its problem is its row, not another line.
        r.agents[0].profiles.push(fixture::profile("anthropic:old", "token", Status::Expired, Some(T0 - 2 * H), true));
        let vps = TargetState {
            unreachable_since: Some(T0 - H),
            ..fixture::target("vps", Some(false), Overall::Attention, "ssh: connection refused")
        };
        let g = look(&r, std::slice::from_ref(&vps));
        let lines = texts(&g.lines);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[0], ROW);
        assert!(lines[1].starts_with("anthropic:old — Skipped: expired 2 h ago"), "{lines:?}");
        assert!(lines[2].starts_with("The gateway is running, but authtray cannot make it reload"), "{lines:?}");
        assert_eq!(g.lines[2].state, Overall::Attention);
        assert_eq!(g.targets.len(), 1);
        assert!(g.targets[0].text.starts_with("vps — cannot be reached since "), "{:?}", g.targets);
    }

    #[test]
    fn unreadable_files_are_said_in_plain_words_with_the_targets_below() {
        let e = crate::Error::ConfigParse { path: "/home/me/.openclaw/openclaw.json".into(), reason: "line 3: expected `,`".into() };
        let vps = fixture::target("vps", Some(true), Overall::Healthy, "All credentials healthy");
        let g = unreadable(&e, std::slice::from_ref(&vps), T0);
        assert_eq!((g.overall, g.headline.as_str(), g.fix.is_none()), (Overall::Broken, "Cannot read the gateway's files", true));
        assert_eq!(texts(&g.lines), [e.summary()]);
        assert!(!g.lines[0].text.contains("openclaw.json") && !g.lines[0].text.contains('`'), "engine text in the menu: {:?}", g.lines);
        assert_eq!(texts(&g.targets), ["vps — All credentials healthy"]);
    }

    #[test]
    fn menu_entries_stay_short_and_cut_on_a_character() {
        assert_eq!(for_menu("All credentials healthy"), "All credentials healthy");
        let long = format!("anthropic:claude-code — In use · expires in 6 h (today 14:00), copied {}", "é".repeat(40));
        let cut = for_menu(&long);
        assert_eq!(cut.chars().count(), MENU_CHARS);
        assert!(cut.ends_with('…') && long.starts_with(cut.trim_end_matches('…')), "{cut}");
        assert_eq!(for_menu(&"x".repeat(MENU_CHARS)), "x".repeat(MENU_CHARS));
        // No space left before the ellipsis.
        let spaced = format!("{}  tail", "w".repeat(MENU_CHARS - 3));
        assert!(for_menu(&spaced).ends_with("w…"), "{}", for_menu(&spaced));
    }

    #[test]
    fn the_fix_entry_is_there_only_when_the_headlines_remedy_has_a_label_and_an_action() {
        let mut r = report(SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].profiles[0].expires_at = Some(T0 + 3 * 24 * H);
        r.agents[0].routes[0].until = Some(T0 + 3 * 24 * H);
        let fix = look(&r, &[]).fix.expect("Replace token…");
        assert_eq!(fix.label, "Replace token…");
        assert!(matches!(fix.action, crate::verdict::Action::Paste { .. }), "{fix:?}");
        // Restarting the gateway is a command for a terminal, not a menu entry.
        let mut r = report(SourceStatus::Ok, Some(T0 + 5 * H));
        r.gateway_process.running = true;
        let g = look(&r, &[]);
        assert!(g.headline.starts_with("The gateway is running"), "{}", g.headline);
        assert_eq!(g.fix, None);
    }

    #[test]
    fn clearing_a_cooldown_from_the_menu_opens_the_window_that_says_what_it_does() {
        let r = crate::verdict::Remedy {
            text: "Once the cause is fixed, put it back in service now.".into(),
            label: Some("Clear cooldown".into()),
            command: None,
            action: Some(Action::ClearCooldown { agent: "main".into(), provider: "anthropic".into(), profile_id: None }),
            also: None,
        };
        assert_eq!(Fix::of(&r).map(|f| f.label).as_deref(), Some("Clear cooldown…"));
    }

    #[test]
    fn the_source_line_says_claude_codes_login_in_each_state() {
        let line = |cc: SourceStatus, exp: Option<Millis>| source_line(&report(cc, exp), T0);
        let ok = line(SourceStatus::Ok, Some(T0 + 5 * H));
        assert!(ok.starts_with("Claude Code login: expires in 5 h (") && ok.ends_with(')'), "{ok}");
        assert_eq!(line(SourceStatus::Missing, None), "Claude Code: not logged in (run claude to log in)");
        assert_eq!(line(SourceStatus::Expired, Some(T0 - H)), "Claude Code login: expired 1 h ago (run claude to log in again)");
        assert_eq!(line(SourceStatus::Malformed, None), "Claude Code login: cannot be read");
        assert_eq!(line(SourceStatus::Overridden, None), "Claude Code: uses another credential");
        // Where the gateway runs Claude Code, its hours are Claude Code's business.
        let mut r = report(SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].routes = vec![through_claude_code()];
        r.claude_code.modified_at = Some(T0 - 2 * H);
        let renews = source_line(&r, T0);
        assert!(renews.starts_with("Claude Code: logged in, renews its own login, last renewed "), "{renews}");
        r.claude_code.modified_at = None;
        assert_eq!(source_line(&r, T0), "Claude Code: logged in, renews its own login");
        // Without a refresh token it cannot renew: its expiry is said.
        r.claude_code.has_refresh_token = false;
        assert!(source_line(&r, T0).starts_with("Claude Code login: expires in 5 h ("), "{}", source_line(&r, T0));
    }
}
