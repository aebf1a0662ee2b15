//! The one verdict: will the gateway answer model calls now, and until when? Computed once
//! from a status report (what the gateway would actually use: its try order, skipping expired,
//! resting and filtered profiles), the last mirror run and the settings. The tray icon and
//! menu, the window, the CLI's summary and `--check`, and the API all show it unchanged.
//!
//! Problems that do not stop the gateway (Claude Code's login expired while a setup-token
//! carries it, a skipped expired profile) are *attention*, never *broken*; each problem carries
//! its one remedy, in words for a window and, separately, as a command for a terminal.

use crate::clock::Millis;
use crate::duration::{describe_expiry, humanize, local_time};
use crate::health::Status;
use crate::ops::sync::SyncReport;
use crate::report::{AgentReport, ProfileReport, Route, RouteKind, SourceStatus, Standing, StatusReport};
use crate::settings::Settings;

pub use crate::report::{Action, Overall, Problem, Remedy, RouteLine, Row, Setup, Topic, Verdict};

/// What besides the status report the verdict depends on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a> {
    /// The last mirror run.
    pub sync: Option<&'a SyncReport>,
    /// Why the last mirror run failed as a whole.
    pub sync_error: Option<&'a crate::error::Failure>,
    /// Lead times, mirror settings.
    pub settings: &'a Settings,
    /// The time judged at.
    pub now: Millis,
    /// What the live service last learned of the saved targets (gateways on other hosts).
    pub targets: &'a [crate::report::TargetState],
}

/// Computes the verdict.
pub(crate) fn judge(status: &StatusReport, inputs: &Inputs<'_>) -> Verdict {
    let now = inputs.now;
    let mut problems: Vec<Problem> = Vec::new();
    if status.generation == "none" {
        // No gateway here, gateways on other hosts: they are the whole picture (the laptop of
        // someone whose gateway runs on a VPS), not an alarm about this machine.
        if !inputs.targets.is_empty() {
            return targets_only(status, inputs);
        }
        return first_run(status);
    }
    let cc = &status.claude_code;
    let login_lasts = matches!(cc.status, SourceStatus::Ok | SourceStatus::Expiring);
    let multi = status.agents.len() > 1;
    let mut until: Option<Millis> = None;
    let mut check = 0u8;
    let mut carried = Vec::new(); // (agent, profile) pairs that carry a route
    for agent in &status.agents {
        let of = |text: String| if multi { format!("Agent {}: {text}", agent.id) } else { text };
        if let Some(err) = &agent.error {
            problems.push(problem(
                Topic::Store,
                Overall::Broken,
                Some(&agent.id),
                None,
                of(format!("The auth store cannot be read: {err}")),
                Some(remedy("Fix the file or restore its backup; authtray will not write to it until it can read it.", None, None, None)),
                Millis::MIN,
            ));
            continue;
        }
        if let Some(file) = agent.stray_json.first() {
            problems.push(problem(
                Topic::Store,
                Overall::Broken,
                Some(&agent.id),
                None,
                of(format!(
                    "The gateway refuses to load its credentials: {} from before its upgrade is still there",
                    file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
                )),
                Some(remedy(
                    "Run `openclaw doctor --fix` in a terminal: it imports the old file into the gateway's database.",
                    None,
                    Some("openclaw doctor --fix"),
                    None,
                )),
                Millis::MIN,
            ));
        }
        for route in &agent.routes {
            let carrier = route.profile.as_deref().and_then(|id| agent.profiles.iter().find(|p| p.id == id));
            if let Some(p) = carrier {
                carried.push((agent.id.clone(), p.id.clone()));
            }
            let lead = |p: Option<&ProfileReport>| match p {
                Some(p) if is_mirror(p, inputs) && login_lasts => inputs.settings.source_lead_ms,
                _ => inputs.settings.longest_lead(),
            };
            // A route that cannot answer while another of the agent's routes can: the gateway
            // falls back (or has a fallback that would fail), so it still answers: attention.
            let others_work = agent.routes.iter().any(|r| r.works);
            let softened = |mut p: Problem| {
                if !route.works && others_work && p.severity == Overall::Broken {
                    p.severity = Overall::Attention;
                    p.text = if route.fallback {
                        format!("{}; it is only a fallback, the primary model works", p.text)
                    } else {
                        format!("{}; the gateway answers with its fallback model meanwhile", p.text)
                    };
                }
                p
            };
            // A session that picked this model explicitly does not fall back: --check says 2.
            if !route.works && others_work {
                check = check.max(2);
            }
            if route.claude_cli.is_some() {
                problems.extend(claude_cli_problem(agent, route, inputs, &of).map(softened));
                if !route.works || route.carried_by_claude_code() {
                    // Claude Code renews its own login: nothing here runs out on a date.
                    continue;
                }
            }
            if !route.works {
                problems.push(softened(no_route(agent, route, status, inputs, &of)));
                continue;
            }
            if route.env && carrier.is_none() {
                continue;
            }
            // A mirror kept up from a live Claude Code login does not run out; one that nothing
            // keeps up runs out at its own expiry, however fresh the login it came from.
            let renews = carrier.is_some_and(|p| is_mirror(p, inputs)) && login_lasts && status.mirror_keeper.is_some();
            // A key in the environment carries the gateway after its profiles run out.
            let route_until = if renews || route.env { None } else { route.until };
            // Claude Code's own line says what to do; --check still says it runs out soon.
            if renews && cc.expires_at.is_some_and(|e| e - now <= inputs.settings.source_lead_ms) {
                check = check.max(2);
            }
            if let Some(end) = route_until {
                until = Some(until.map_or(end, |u: Millis| u.min(end)));
                let window =
                    if carrier.is_some_and(|p| is_mirror(p, inputs)) { inputs.settings.source_lead_ms } else { status.warn_within_ms };
                if end - now <= window {
                    check = check.max(2);
                }
                if end - now <= lead(carrier) {
                    let id = carrier.map(|p| p.id.clone()).unwrap_or_default();
                    let last = route.usable.len() <= 1;
                    let text = if last {
                        of(format!("{id} {}; the gateway has no other {} credential", describe_at(end, now), display_name(&route.provider)))
                    } else {
                        of(format!("The gateway's {} credentials run out {}", display_name(&route.provider), local_time(end, now)))
                    };
                    let r = if carrier.is_some_and(|p| is_mirror(p, inputs)) && login_lasts && status.mirror_keeper.is_none() {
                        mirror_again_remedy(false)
                    } else if carrier.is_some_and(|p| is_mirror(p, inputs)) {
                        log_in_remedy()
                    } else if route.kind == RouteKind::Codex {
                        codex_login_remedy()
                    } else {
                        paste_remedy(&agent.id, &route.provider, Some(&id), "Replace token…")
                    };
                    problems.push(problem(Topic::Route, Overall::Attention, Some(&agent.id), Some(&id), text, Some(r), end));
                }
            }
        }
    }
    let rows = profile_rows(status, inputs, &carried, &mut problems);
    claude_code_problems(status, inputs, &mut problems);
    sync_problems(status, inputs, &mut problems);
    let gw = &status.gateway_process;
    let reload_failed = inputs.sync.and_then(|s| s.reload.as_ref()).is_some_and(|r| r.failed());
    if gw.running && (!gw.reachable || reload_failed) {
        problems.push(problem(
            Topic::Gateway,
            Overall::Attention,
            None,
            None,
            "The gateway is running, but authtray cannot make it reload: it may use an old credential until it restarts".into(),
            Some(remedy(
                "Restart the gateway after a change, or give authtray the gateway's token (its .env or config).",
                None,
                Some("openclaw gateway restart"),
                None,
            )),
            Millis::MIN,
        ));
    }
    problems.extend(target_problems(inputs.targets, now));
    problems.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.urgency.cmp(&b.urgency)));
    let overall = problems.first().map_or(Overall::Healthy, |p| p.severity);
    if overall == Overall::Broken {
        check = 1;
        until = None;
    }
    // Claude Code's own login (or a key in the environment) can carry a gateway with an empty store.
    let no_profiles = status.agents.iter().all(|a| a.error.is_none() && a.profiles.is_empty() && !a.routes.iter().any(|r| r.works));
    let headline = match problems.first() {
        Some(p) => p.text.clone(),
        None if no_profiles => "No credentials yet".into(),
        None => "All credentials healthy".into(),
    };
    let detail = detail(status, &carried, until, overall, now);
    let routes = status
        .agents
        .iter()
        .flat_map(|a| {
            a.routes.iter().map(move |r| RouteLine {
                agent: a.id.clone(),
                provider: r.provider.clone(),
                models: r.models.clone(),
                kind: r.kind,
                works: r.works,
                fallback: r.fallback,
                text: route_kind_words(a, r, now, &|p| is_mirror(p, inputs)),
            })
        })
        .collect();
    Verdict { overall, headline, detail, until, check, problems, rows, setup: None, routes }
}

/// A problem per target that cannot be reached or whose own verdict is not healthy. They rank
/// after this machine's problems of the same severity.
fn target_problems(targets: &[crate::report::TargetState], now: Millis) -> Vec<Problem> {
    use crate::report::Standing;
    let mut out = Vec::new();
    for t in targets {
        match t.standing() {
            // What the transport said (an ssh error, …) is detail, not the headline.
            Standing::Unreachable { since } => out.push(Problem {
                details: Some(t.headline.clone()),
                ..problem(
                    Topic::Target,
                    Overall::Attention,
                    None,
                    None,
                    format!("{} cannot be reached since {}", t.name, local_time(since, now)),
                    t.fix.as_deref().map(|f| remedy(f, Some("Try again"), None, Some(Action::SyncNow))),
                    Millis::MAX,
                )
            }),
            Standing::Answered(overall) if overall != Overall::Healthy => out.push(problem(
                Topic::Target,
                overall,
                None,
                None,
                format!("{}: {}", t.name, t.headline),
                t.fix.as_deref().map(|f| remedy(f, None, None, None)),
                Millis::MAX,
            )),
            Standing::Answered(_) | Standing::Checking => {}
        }
    }
    out
}

/// Every profile as a row, in the order the gateway tries them, with the problems of profiles
/// that carry nothing (skipped expired tokens, backups about to expire, ones set aside).
fn profile_rows(status: &StatusReport, inputs: &Inputs<'_>, carried: &[(String, String)], problems: &mut Vec<Problem>) -> Vec<Row> {
    let now = inputs.now;
    let multi = status.agents.len() > 1;
    let login_lasts = matches!(status.claude_code.status, SourceStatus::Ok | SourceStatus::Expiring);
    let mut rows = Vec::new();
    for agent in status.agents.iter().filter(|a| a.error.is_none()) {
        let of = |text: String| if multi { format!("Agent {}: {text}", agent.id) } else { text };
        let broken_providers: Vec<&str> = agent.routes.iter().filter(|r| !r.works).map(|r| r.provider.as_str()).collect();
        for p in ordered(agent) {
            let in_use = carried.iter().any(|(a, id)| a == &agent.id && id == &p.id);
            let mirror = is_mirror(p, inputs);
            let when = p.expires_at.map(|e| describe_at(e, now));
            let provider_broken = broken_providers.contains(&p.provider.as_str());
            let (state, note) = if !p.used {
                (Overall::Healthy, "Not used: the gateway's config leaves it out".to_string())
            } else if matches!(p.status, Status::Expired | Status::Missing) && p.rank.is_some() {
                // Only an OAuth profile with a refresh token is usable past its expiry.
                let head = if in_use { "In use · " } else { "" };
                (Overall::Healthy, format!("{head}refreshed by the gateway when it is used"))
            } else if matches!(p.status, Status::Expired | Status::Missing) {
                let why = match (&when, &p.reason) {
                    (Some(w), _) => w.clone(),
                    (None, Some(r)) => r.clone(),
                    (None, None) => "no usable secret".into(),
                };
                if provider_broken {
                    (Overall::Broken, capitalise(&why))
                } else {
                    let skipped = format!("Skipped: {why}");
                    if mirror && status.mirror_keeper.is_some() {
                        // Claude Code's own line says what to do.
                        (Overall::Attention, format!("{skipped}; renewed when Claude Code logs in again"))
                    } else if mirror && login_lasts {
                        (Overall::Attention, format!("{skipped}; {}", NOTHING_KEEPS_IT))
                    } else {
                        problems.push(replace_problem(&agent.id, p, of(format!("{} {why}; the gateway skips it", p.id)), Millis::MIN));
                        (Overall::Attention, skipped)
                    }
                }
            } else if mirror && login_lasts && status.mirror_keeper.is_some() {
                let tail = if in_use { "In use · renewed from Claude Code's login" } else { "Renewed from Claude Code's login" };
                (Overall::Healthy, tail.to_string())
            } else if mirror && login_lasts {
                // A copy of an access token that lasts hours: its expiry is what counts now.
                let head = if in_use { "In use · " } else { "" };
                let what =
                    when.map_or_else(|| "copied from Claude Code's login".to_string(), |w| format!("{w}, copied from Claude Code's login"));
                let soon = p.expires_at.is_some_and(|e| e - now <= inputs.settings.source_lead_ms);
                (if soon { Overall::Attention } else { Overall::Healthy }, format!("{head}{what}; {NOTHING_KEEPS_IT}"))
            } else {
                // A key in the environment takes over when it runs out: nothing to do then.
                let env_backed = agent.routes.iter().any(|r| r.provider == p.provider && r.env);
                let soon = !env_backed && p.expires_at.is_some_and(|e| e - now <= inputs.settings.longest_lead());
                // A key lasts until revoked; a token stored without its expiry (the gateway's own
                // paste does that) is not known to last: say so instead of "does not expire".
                let what = when.unwrap_or_else(|| {
                    if p.kind == "api_key" {
                        "does not expire".into()
                    } else {
                        "expiry unknown (setup-tokens usually last 1 year)".into()
                    }
                });
                let head = if in_use {
                    "In use"
                } else if p.rank.is_some() {
                    "Next in line"
                } else {
                    "Waiting"
                };
                // The one in use is the route's problem already; a backup about to go is its own.
                if soon && !in_use {
                    problems.push(replace_problem(&agent.id, p, of(format!("{} {what}", p.id)), Millis::MAX));
                }
                let state = if soon { Overall::Attention } else { Overall::Healthy };
                (state, format!("{head} · {what}"))
            };
            // Set aside by the gateway after failed requests: said on the row, and as a problem
            // while another profile stands in (when none does, the route's problem says it).
            let (state, note) = match p.availability.describe(now) {
                Some(rest) if p.used => {
                    if !provider_broken {
                        let stand_in = agent.routes.iter().find(|r| r.provider == p.provider).and_then(|r| r.profile.clone());
                        let meanwhile = stand_in.map(|s| format!("; the gateway uses {s} meanwhile")).unwrap_or_default();
                        // Rejected credentials lead with their replacement: clearing the
                        // cooldown would only put back what the provider just refused.
                        let (text, fix) = if p.availability.reason.as_deref().is_some_and(|r| r.starts_with("auth")) {
                            (
                                format!("{} rejected {}: it was probably revoked{meanwhile}", display_name(&p.provider), p.id),
                                Remedy {
                                    also: Some(Box::new(clear_rejected_remedy(&agent.id, &p.provider, &p.id, p.availability.until, now))),
                                    ..paste_remedy(&agent.id, &p.provider, Some(&p.id), "Replace token…")
                                },
                            )
                        } else {
                            (
                                format!("{} is {rest}{meanwhile}", p.id),
                                clear_remedy(&agent.id, &p.provider, Some(&p.id), p.availability.until, now),
                            )
                        };
                        problems.push(problem(
                            Topic::Profile,
                            Overall::Attention,
                            Some(&agent.id),
                            Some(&p.id),
                            of(text),
                            Some(fix),
                            p.availability.until.unwrap_or(Millis::MAX),
                        ));
                    }
                    // The gateway skips it meanwhile: never "In use" or "Next in line" then.
                    let skipped = match p.availability.until {
                        Some(u) => format!("Skipped until {}", local_time(u, now)),
                        None => "Skipped".to_string(),
                    };
                    let rest_of_note = note.split_once(" · ").map_or(String::new(), |(_, tail)| format!(" · {tail}"));
                    // Why, in words: "auth" is the gateway's word for a rejected credential.
                    let why = match p.availability.reason.as_deref().is_some_and(|r| r.starts_with("auth")) {
                        true => format!("{} rejected it", display_name(&p.provider)),
                        false => rest,
                    };
                    (state.max(Overall::Attention), format!("{skipped}{rest_of_note}; {why}"))
                }
                _ => (state, note),
            };
            rows.push(Row { agent: agent.id.clone(), profile_id: p.id.clone(), state, in_use, used: p.used, note });
        }
    }
    rows
}

/// "Replace token…" for a profile that is skipped or about to run out; `no_expiry` orders it
/// among the problems when the profile has no expiry.
fn replace_problem(agent: &str, p: &ProfileReport, text: String, no_expiry: Millis) -> Problem {
    problem(
        Topic::Profile,
        Overall::Attention,
        Some(agent),
        Some(&p.id),
        text,
        Some(paste_remedy(agent, &p.provider, Some(&p.id), "Replace token…")),
        p.expires_at.unwrap_or(no_expiry),
    )
}

/// The saved targets judged on their own, worst first: the icon, the headline and the problems
/// (the live service's glance without a gateway here uses this too).
pub(crate) fn targets_judged(targets: &[crate::report::TargetState], now: Millis) -> (Overall, String, Vec<Problem>) {
    let mut problems = target_problems(targets, now);
    problems.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.urgency.cmp(&b.urgency)));
    // Still checking every one of them: nothing is known yet, which is not "healthy".
    if problems.is_empty() && !targets.is_empty() && targets.iter().all(|t| t.standing() == Standing::Checking) {
        return (Overall::Neutral, "Checking the gateways on other hosts…".to_string(), problems);
    }
    let overall = problems.first().map_or(Overall::Healthy, |p| p.severity);
    let headline = problems.first().map_or_else(|| "All gateways healthy".to_string(), |p| p.text.clone());
    (overall, headline, problems)
}

/// The verdict when this machine has no gateway and saved targets are all there is: the
/// targets' own verdicts; the setup card stays on offer.
fn targets_only(status: &StatusReport, inputs: &Inputs<'_>) -> Verdict {
    let (overall, headline, problems) = targets_judged(inputs.targets, inputs.now);
    let setup = first_run(status).setup;
    Verdict {
        overall,
        headline,
        detail: "No gateway runs on this computer; these are the gateways on other hosts.".into(),
        until: None,
        check: if overall == Overall::Broken { 1 } else { 0 },
        problems,
        rows: Vec::new(),
        setup,
        routes: Vec::new(),
    }
}

/// The verdict when no gateway generation could be found: not set up yet, a neutral state
/// with the setup card, not an alarm. `--check` still says 1: no gateway answers model calls.
fn first_run(status: &StatusReport) -> Verdict {
    let found = status.state_dir.is_dir();
    let dir = status.state_dir.display().to_string();
    let (text, looked_for, r) = if found {
        (
            format!("Choose which gateway version owns {dir}"),
            format!("{dir} exists, but nothing in it says which gateway version wrote it."),
            remedy(
                "Run the gateway once, or choose its version in the setup card.",
                Some("Set up…"),
                Some("authtray --generation openclaw-json status"),
                Some(Action::ChooseGateway),
            ),
        )
    } else {
        (
            "No gateway on this computer yet".to_string(),
            format!("authtray looked for the gateway's folder at {dir} (and ~/.clawdbot, ~/.moltbot, ~/.clawdia, ~/.bot) and found none."),
            remedy(
                "Install and run the gateway (openclaw), choose the folder where it keeps its state, or add the gateway that runs on another host.",
                Some("Set up…"),
                Some("authtray --state-dir DIR status"),
                Some(Action::ChooseGateway),
            ),
        )
    };
    Verdict {
        overall: Overall::Neutral,
        headline: NOT_SET_UP.into(),
        detail: looked_for.clone(),
        until: None,
        check: 1,
        problems: vec![problem(Topic::Setup, Overall::Neutral, None, None, text, Some(r), Millis::MIN)],
        rows: Vec::new(),
        setup: Some(Setup { state_dir: status.state_dir.clone(), found, looked_for }),
        routes: Vec::new(),
    }
}

/// The headline of the first run, in every shell.
pub const NOT_SET_UP: &str = "Not set up yet";

fn no_route(agent: &AgentReport, route: &Route, status: &StatusReport, inputs: &Inputs<'_>, of: &dyn Fn(String) -> String) -> Problem {
    let now = inputs.now;
    let provider = &route.provider;
    if let Some(until) = route.resting_until {
        // Rejected by the provider: a new token is the fix; putting it back would fail again.
        let rejected = route
            .profile
            .as_deref()
            .and_then(|id| agent.profiles.iter().find(|p| p.id == id))
            .is_some_and(|p| p.availability.reason.as_deref().is_some_and(|r| r.starts_with("auth")));
        let fix = if rejected {
            paste_remedy(&agent.id, provider, route.profile.as_deref(), "Replace token…")
        } else {
            clear_remedy(&agent.id, provider, None, Some(until), now)
        };
        return problem(
            Topic::Route,
            Overall::Broken,
            Some(&agent.id),
            route.profile.as_deref(),
            of(format!(
                "The gateway has set every {} profile aside until {} after failed requests",
                display_name(provider),
                local_time(until, now)
            )),
            Some(fix),
            until,
        );
    }
    // The gateway keeps the OpenAI login of the Codex runtime itself: its own sign-in renews it.
    if route.kind == RouteKind::Codex {
        let first = ordered(agent).into_iter().find(|p| &p.provider == provider && p.used);
        let why = match first.and_then(|p| p.expires_at) {
            Some(e) => format!("The gateway's OpenAI login for the Codex runtime {}", describe_at(e, now)),
            None => "The gateway runs its OpenAI model through Codex, and it has no OpenAI login".to_string(),
        };
        return problem(
            Topic::Route,
            Overall::Broken,
            Some(&agent.id),
            first.map(|p| p.id.as_str()),
            of(why),
            Some(codex_login_remedy()),
            Millis::MIN,
        );
    }
    // The first profile in its order that it skips says why best.
    let first = ordered(agent).into_iter().find(|p| &p.provider == provider && p.used);
    let cc_gone = !matches!(status.claude_code.status, SourceStatus::Ok | SourceStatus::Expiring);
    match first {
        Some(p) if is_mirror(p, inputs) && cc_gone => problem(
            Topic::Login,
            Overall::Broken,
            Some(&agent.id),
            Some(&p.id),
            of(format!("Claude Code's login {}, and the gateway has no other {} credential", gone(status, now), display_name(provider))),
            Some(log_in_remedy()),
            Millis::MIN,
        ),
        Some(p) => {
            let why = p.expires_at.map(|e| describe_at(e, now)).or_else(|| p.reason.clone()).unwrap_or_else(|| "cannot be used".into());
            // A mirror that ran out while Claude Code's login lasts: copying that login is the fix.
            let fix = if is_mirror(p, inputs) {
                mirror_again_remedy(status.mirror_keeper.is_some())
            } else {
                paste_remedy(&agent.id, provider, Some(&p.id), "Replace token…")
            };
            problem(
                Topic::Route,
                Overall::Broken,
                Some(&agent.id),
                Some(&p.id),
                of(format!("{} {why}, and the gateway has no other {} credential", p.id, display_name(provider))),
                Some(fix),
                p.expires_at.unwrap_or(Millis::MIN),
            )
        }
        None => {
            let hint = if provider == "anthropic" { " (run `claude setup-token` to get one)" } else { "" };
            let name = provider_name(provider);
            problem(
                Topic::Route,
                Overall::Broken,
                Some(&agent.id),
                None,
                of(format!("The gateway's model needs {name} credential, and it has none")),
                Some(Remedy {
                    text: format!("Paste {name} token or key{hint}, or set the gateway's default model to a provider you have."),
                    label: Some("Paste token…".into()),
                    command: Some(format!("authtray paste-token --provider {provider}")),
                    action: Some(Action::Paste { agent: agent.id.clone(), provider: provider.clone(), profile_id: None }),
                    also: None,
                }),
                Millis::MIN,
            )
        }
    }
}

/// What is wrong with a route the gateway runs through Claude Code, if anything: `claude`
/// missing where the gateway runs, Claude Code not logged in (or unable to renew), a renewal
/// that is due, or a stored Anthropic credential that overrides Claude Code's own login.
fn claude_cli_problem(agent: &AgentReport, route: &Route, inputs: &Inputs<'_>, of: &dyn Fn(String) -> String) -> Option<Problem> {
    let cli = route.claude_cli.as_ref()?;
    let now = inputs.now;
    if cli.executable.path.is_none() {
        return Some(problem(
            Topic::Route,
            Overall::Broken,
            Some(&agent.id),
            None,
            of(format!("The gateway runs Claude Code for its model, but cannot find the claude program on {}", cli.executable.searched)),
            Some(install_claude_remedy()),
            Millis::MIN,
        ));
    }
    if !route.works {
        let text = if cli.login.logged_in {
            "Claude Code's login has expired and cannot renew itself, and the gateway runs its model through Claude Code"
        } else {
            "Claude Code is not logged in where the gateway runs, and the gateway runs its model through Claude Code"
        };
        return Some(problem(
            Topic::Login,
            Overall::Broken,
            Some(&agent.id),
            None,
            of(text.into()),
            Some(claude_login_remedy()),
            Millis::MIN,
        ));
    }
    if !route.carried_by_claude_code() {
        // A stored token wins over Claude Code's own login on this runtime, and does not follow
        // when Claude Code renews (measured on 2026.9.6). Worth removing only where Claude
        // Code's login could carry the route instead, and no other route of the agent relies
        // on the stored one; otherwise it is what carries the gateway, said by the store's rules.
        if !(cli.login.usable(now) && agent.runs_claude_code_only()) {
            return None;
        }
        let id = route.profile.clone().unwrap_or_default();
        return Some(problem(
            Topic::Mirror,
            Overall::Attention,
            Some(&agent.id),
            Some(&id),
            of(format!("{id} is used instead of Claude Code's own login, and it does not follow when Claude Code renews it")),
            Some(remedy(
                "Remove the stored credential so that the gateway uses Claude Code's own login.",
                None,
                Some(&format!("openclaw models auth logout {id} --yes")),
                None,
            )),
            route.until.unwrap_or(Millis::MAX),
        ));
    }
    match cli.login.expires_at {
        Some(e) if e <= now && cli.login.renews => {
            let last = cli.login.renewed_at.map(|r| format!("; it was last renewed {}", local_time(r, now))).unwrap_or_default();
            Some(problem(
                Topic::Login,
                Overall::Attention,
                Some(&agent.id),
                None,
                of(format!(
                    "Claude Code's access token expired {} and is renewed by Claude Code the next time it runs{last}",
                    local_time(e, now)
                )),
                Some(remedy(
                    "Nothing to do while chats work: Claude Code renews its own login. If they fail, log in to Claude Code again.",
                    Some("How to log in…"),
                    Some("claude auth login"),
                    Some(Action::LogInToClaude),
                )),
                e,
            ))
        }
        _ => None,
    }
}

fn claude_code_problems(status: &StatusReport, inputs: &Inputs<'_>, problems: &mut Vec<Problem>) {
    let cc = &status.claude_code;
    let now = inputs.now;
    // Where the gateway runs Claude Code, its route's own problem says what the login needs;
    // an access token near or past its expiry is Claude Code's business there.
    let runs_claude = status.agents.iter().flat_map(|a| &a.routes).any(Route::carried_by_claude_code);
    if runs_claude
        && (problems.iter().any(|p| p.topic == Topic::Login) || matches!(cc.status, SourceStatus::Expiring | SourceStatus::Expired))
    {
        return;
    }
    // Not being logged in matters once a mirror of the login exists; before, it is only said.
    let mirrored = status.agents.iter().flat_map(|a| &a.profiles).any(|p| is_mirror(p, inputs));
    let text = match cc.status {
        SourceStatus::Ok => return,
        SourceStatus::Expiring => match cc.expires_at {
            Some(e) if e - now <= inputs.settings.source_lead_ms => {
                format!("Claude Code's login {} unless Claude Code refreshes it", describe_at(e, now))
            }
            _ => return,
        },
        SourceStatus::Expired => format!("Claude Code's login {}", gone(status, now)),
        SourceStatus::Missing if !mirrored => return,
        SourceStatus::Missing => "Claude Code is not logged in, so there is nothing to mirror".into(),
        SourceStatus::Malformed | SourceStatus::Unreadable => {
            format!("Claude Code's login cannot be read: {}", cc.problem.clone().unwrap_or_else(|| cc.status.as_str().into()))
        }
        SourceStatus::Overridden => {
            format!("Claude Code uses another credential: {}", cc.problem.clone().unwrap_or_default())
        }
    };
    // Already the cause of a broken route: said there.
    if problems.iter().any(|p| p.topic == Topic::Login && p.severity == Overall::Broken) {
        return;
    }
    let carried_elsewhere = status.agents.iter().flat_map(|a| &a.routes).any(|r| r.works);
    let text = if carried_elsewhere && cc.status == SourceStatus::Expired {
        format!("{text}; the gateway still works on its other credentials")
    } else {
        text
    };
    problems.push(problem(Topic::Login, Overall::Attention, None, None, text, Some(log_in_remedy()), cc.expires_at.unwrap_or(Millis::MIN)));
}

fn sync_problems(status: &StatusReport, inputs: &Inputs<'_>, problems: &mut Vec<Problem>) {
    if let Some(s) = inputs.sync {
        for a in s.agents.iter().filter(|a| a.error.is_some()) {
            // Plain words in the headline; the engine's text behind Details.
            let said = a.problem.clone().or_else(|| a.error.clone()).unwrap_or_default();
            let multi = status.agents.len() > 1;
            let text = if multi {
                format!("Mirroring to agent {} failed. {said}", a.agent)
            } else {
                format!("Mirroring Claude Code's login failed. {said}")
            };
            problems.push(Problem {
                details: a.error.as_deref().map(|e| crate::token::redact_text(e, &[])),
                ..problem(
                    Topic::Mirror,
                    Overall::Attention,
                    Some(&a.agent),
                    Some(&a.profile_id),
                    text,
                    Some(remedy(
                        "Fix what the message says, then sync again.",
                        Some("Sync now"),
                        Some("authtray sync"),
                        Some(Action::SyncNow),
                    )),
                    Millis::MIN,
                )
            });
        }
    }
    if let Some(err) = inputs.sync_error {
        problems.push(Problem {
            details: Some(err.details.clone()),
            ..problem(
                Topic::Mirror,
                Overall::Attention,
                None,
                None,
                format!("Mirroring Claude Code's login failed. {}", err.summary),
                Some(remedy("Fix what the message says, then sync again.", Some("Sync now"), Some("authtray sync"), Some(Action::SyncNow))),
                Millis::MIN,
            )
        });
    }
}

fn detail(status: &StatusReport, carried: &[(String, String)], until: Option<Millis>, overall: Overall, now: Millis) -> String {
    if overall == Overall::Broken {
        return "The gateway cannot answer model calls until this is fixed.".into();
    }
    let routes = || status.agents.iter().flat_map(|a| &a.routes).filter(|r| r.works);
    let env_only = routes().any(|r| r.env && r.profile.is_none() && !r.carried_by_claude_code());
    let claude = routes().find(|r| r.carried_by_claude_code()).and_then(|r| r.claude_cli.as_ref());
    let mut ids: Vec<&str> = carried.iter().map(|(_, id)| id.as_str()).collect();
    ids.sort();
    ids.dedup();
    let mut parts: Vec<String> = Vec::new();
    if let Some(cli) = claude {
        parts.push(format!("Claude Code, {}", cli.login.signed_in_as().unwrap_or_else(|| "on its own login".into())));
    }
    match (ids.as_slice(), env_only) {
        ([], true) => parts.push("a key from its environment".to_string()),
        ([], false) => {}
        (many, _) => parts.push(many.join(", ")),
    }
    if parts.is_empty() {
        return String::new();
    }
    let uses = format!("The gateway uses {}", parts.join(" and "));
    match until {
        Some(u) => format!("{uses}, good until {} (in {}).", local_time(u, now), humanize(u - now)),
        None if claude.is_some() => format!("{uses}; Claude Code renews its own login."),
        None => format!("{uses}; nothing it relies on runs out."),
    }
}

/// What carries a route, in plain words: "your Claude subscription, through Claude Code
/// (Claude Max, a@b.c)", "API key (pay as you go)", "setup-token, expires 3 Mar 2027",
/// "copy of Claude Code's login anthropic:claude-code, expires today 22:17" (`mirrored` tells
/// that copy from a setup-token: both start `sk-ant-oat`).
pub(crate) fn route_kind_words(agent: &AgentReport, route: &Route, now: Millis, mirrored: &dyn Fn(&ProfileReport) -> bool) -> String {
    use crate::claude_cli::AuthMethod;
    let carrier = route.profile.as_deref().and_then(|id| agent.profiles.iter().find(|p| p.id == id));
    match route.kind {
        RouteKind::ClaudeCli => match route.claude_cli.as_ref().map(|c| (&c.login, c.login.account())) {
            Some((l, Some(account))) if l.method == AuthMethod::Subscription => {
                format!("your Claude subscription, through Claude Code ({account})")
            }
            Some((_, Some(account))) => format!("{account}, through Claude Code"),
            _ => "Claude Code's own login (not logged in)".into(),
        },
        RouteKind::Env => "API key from the gateway's environment (pay as you go)".into(),
        RouteKind::Codex => match carrier {
            Some(p) => format!("the gateway's own OpenAI login ({})", p.id),
            None => "the gateway's own OpenAI login (none yet)".into(),
        },
        RouteKind::Profile => match carrier {
            None => "no credential".into(),
            Some(p) => {
                let ends = p.expires_at.map(|e| format!(", expires {}", local_time(e, now))).unwrap_or_default();
                match p.kind {
                    "api_key" => format!("API key (pay as you go), {}", p.id),
                    "oauth" => format!("OAuth login {}, renewed by the gateway", p.id),
                    _ if mirrored(p) => format!("copy of Claude Code's login {}{ends}", p.id),
                    _ if p.token.as_deref().is_some_and(|t| t.starts_with("sk-ant-oat")) => format!("setup-token {}{ends}", p.id),
                    _ => format!("token {}{ends}", p.id),
                }
            }
        },
    }
}

/// Profiles in the order the gateway tries them: usable by rank, then the ones it skips, then
/// the ones it never uses.
fn ordered(agent: &AgentReport) -> Vec<&ProfileReport> {
    let mut v: Vec<&ProfileReport> = agent.profiles.iter().collect();
    let skip_pos = |p: &ProfileReport| {
        agent.effective_order.get(&p.provider).and_then(|ids| ids.iter().position(|i| i == &p.id)).unwrap_or(usize::MAX)
    };
    v.sort_by_key(|p| (!p.used, p.rank.is_none(), p.rank.unwrap_or(usize::MAX), skip_pos(p)));
    v
}

/// A mirror's note when nothing runs that copies Claude Code's next login into it.
const NOTHING_KEEPS_IT: &str =
    "nothing running here copies Claude Code's next login into it (start the authtray app, or run `authtray service install`)";

fn is_mirror(p: &ProfileReport, inputs: &Inputs<'_>) -> bool {
    inputs.settings.mirror_profile_id.as_deref() == Some(p.id.as_str()) || crate::ops::sync::is_mirror_id(&p.id, inputs.sync)
}

fn gone(status: &StatusReport, now: Millis) -> String {
    match (status.claude_code.status, status.claude_code.expires_at) {
        (SourceStatus::Missing, _) => "is gone (not logged in)".into(),
        (_, Some(e)) => describe_at(e, now),
        _ => "cannot be used".into(),
    }
}

fn describe_at(at: Millis, now: Millis) -> String {
    format!("{} ({})", describe_expiry(at, now), local_time(at, now))
}

/// "Anthropic", "OpenAI", "OpenRouter", else the gateway's id.
fn display_name(provider: &str) -> &str {
    match provider {
        "anthropic" => "Anthropic",
        "openai" => "OpenAI",
        "openrouter" => "OpenRouter",
        other => other,
    }
}

/// "an OpenAI", "an Anthropic", "a Mistral".
fn provider_name(provider: &str) -> String {
    let name = display_name(provider);
    let article = if name.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {name}")
}

/// The sentence with its first letter in upper case.
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn problem(
    topic: Topic,
    severity: Overall,
    agent: Option<&str>,
    profile: Option<&str>,
    text: String,
    remedy: Option<Remedy>,
    urgency: Millis,
) -> Problem {
    Problem {
        topic,
        severity,
        agent: agent.map(str::to_string),
        profile_id: profile.map(str::to_string),
        text,
        remedy,
        details: None,
        urgency,
    }
}

fn remedy(text: &str, label: Option<&str>, command: Option<&str>, action: Option<Action>) -> Remedy {
    Remedy { text: text.into(), label: label.map(str::to_string), command: command.map(str::to_string), action, also: None }
}

/// Claude Code's own login, used where the gateway runs Claude Code itself.
fn claude_login_remedy() -> Remedy {
    remedy(
        "Log in to Claude Code where the gateway runs: run claude auth login in a terminal there.",
        Some("How to log in…"),
        Some("claude auth login"),
        Some(Action::LogInToClaude),
    )
}

/// The OpenAI login the gateway keeps for the Codex runtime: only the gateway's own sign-in
/// makes one (never a copy of `~/.codex/auth.json`: its refresh tokens are single-use).
fn codex_login_remedy() -> Remedy {
    remedy(
        "Sign in to OpenAI with the gateway's own sign-in, in a terminal where the gateway runs.",
        None,
        Some("openclaw models auth login --provider openai"),
        None,
    )
}

fn install_claude_remedy() -> Remedy {
    remedy(
        "Install Claude Code where the gateway runs, on the PATH the gateway's service uses.",
        None,
        Some("npm install -g @anthropic-ai/claude-code"),
        None,
    )
}

fn log_in_remedy() -> Remedy {
    remedy(
        "Run `claude` in a terminal and log in again; authtray mirrors the new login by itself.",
        Some("How to log in…"),
        Some("claude"),
        Some(Action::LogInToClaude),
    )
}

/// A mirror to copy Claude Code's current login into now; when nothing keeps it current, also
/// something that will.
fn mirror_again_remedy(kept: bool) -> Remedy {
    let text = if kept {
        "Copy Claude Code's current login into the gateway now."
    } else {
        "Copy Claude Code's current login into the gateway now, and start the authtray app (or run `authtray service install`) so that each new login follows by itself."
    };
    remedy(text, Some("Sync now"), Some("authtray sync"), Some(Action::SyncNow))
}

/// Clearing a cooldown: a button, and when it ends by itself. Every generation's usage stats are
/// written by authtray (2026.9.6's database directly); a SQLite layout it does not know refuses
/// the clear with the same words about waiting.
fn clear_remedy(agent: &str, provider: &str, profile: Option<&str>, until: Option<Millis>, now: Millis) -> Remedy {
    let ends = until.map(|u| format!(" It ends by itself {}.", local_time(u, now))).unwrap_or_default();
    let only = profile.map(|id| format!(" --profile-id {id}")).unwrap_or_default();
    Remedy {
        text: format!(
            "Once the cause is fixed (a topped-up account, a lifted limit), put it back in service now: if it is not, the next chat fails and the gateway sets it aside again.{ends}"
        ),
        label: Some("Clear cooldown".into()),
        command: Some(format!("authtray cooldown clear --provider {provider}{only}")),
        action: Some(Action::ClearCooldown { agent: agent.into(), provider: provider.into(), profile_id: profile.map(str::to_string) }),
        also: None,
    }
}

/// Clearing the cooldown of a token the provider rejected: second to replacing it, and saying
/// what it risks. The gateway only tries it again; if it is still revoked the chat fails.
fn clear_rejected_remedy(agent: &str, provider: &str, profile: &str, until: Option<Millis>, now: Millis) -> Remedy {
    let ends = until.map(|u| format!(" It ends by itself {}.", local_time(u, now))).unwrap_or_default();
    Remedy {
        text: format!(
            "Only if you know this token works again, put it back in service now: the gateway tries it at once, and if {} rejects it again the next chat fails.{ends}",
            display_name(provider)
        ),
        ..clear_remedy(agent, provider, Some(profile), until, now)
    }
}

/// Fits a verdict judged for a gateway on another host (`target`, a saved target's name or URL):
/// every fix that is an authtray command names the target, and a cooldown, which the gateway's
/// CLI there cannot clear, is left to end by itself or to a new token. No fix acts on this
/// machine's gateway.
pub(crate) fn for_target(v: &mut Verdict, target: &str, now: Millis) {
    for p in &mut v.problems {
        let urgency = p.urgency;
        let Some(r) = p.remedy.as_mut() else { continue };
        if let Some(Action::ClearCooldown { provider, profile_id, .. }) = &r.action {
            let ends = match urgency > now && urgency != Millis::MAX {
                true => format!(" It ends by itself {}.", local_time(urgency, now)),
                false => String::new(),
            };
            *r = Remedy {
                text: format!(
                    "The gateway there puts it back in service by itself; its command line cannot do it sooner.{ends} A new token pasted to the profile is used at once."
                ),
                label: None,
                command: Some(paste_command(provider, profile_id.as_deref())),
                action: None,
                also: None,
            };
        }
        // Nothing here can clear a cooldown there either.
        if r.also.as_ref().is_some_and(|a| matches!(a.action, Some(Action::ClearCooldown { .. }))) {
            r.also = None;
        }
        r.command = r.command.take().map(|c| on_target(&c, target));
        // The shells' buttons act on this machine's gateway.
        r.action = None;
        r.label = None;
    }
}

/// `authtray paste-token …` → `authtray --target NAME paste-token …`; other commands (run on
/// the host itself) stay as they are.
pub(crate) fn on_target(command: &str, target: &str) -> String {
    match command.strip_prefix("authtray ") {
        Some(rest) if !rest.starts_with("--target ") => format!("authtray --target {target} {rest}"),
        _ => command.to_string(),
    }
}

/// `authtray paste-token` for `provider` (and the profile).
fn paste_command(provider: &str, profile: Option<&str>) -> String {
    match profile {
        Some(id) => format!("authtray paste-token --provider {provider} --profile-id {id}"),
        None => format!("authtray paste-token --provider {provider}"),
    }
}

fn paste_remedy(agent: &str, provider: &str, profile: Option<&str>, label: &str) -> Remedy {
    let get = if provider == "anthropic" { " Run `claude setup-token` for a token that lasts a year." } else { "" };
    Remedy {
        text: format!("Paste a new {} token.{get}", display_name(provider)),
        label: Some(label.into()),
        command: Some(paste_command(provider, profile)),
        action: Some(Action::Paste { agent: agent.into(), provider: provider.into(), profile_id: profile.map(str::to_string) }),
        also: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::status::fixture;

    const T0: Millis = 1_800_000_000_000;
    const MIN: Millis = 60_000;
    const H: Millis = 60 * MIN;
    const D: Millis = 24 * H;
    const MIRROR: &str = "anthropic:claude-code";

    #[test]
    fn only_an_anthropic_paste_points_at_claude_setup_token() {
        let a = paste_remedy("main", "anthropic", Some("anthropic:manual"), "Replace token…");
        assert_eq!(a.text, "Paste a new Anthropic token. Run `claude setup-token` for a token that lasts a year.");
        let o = paste_remedy("main", "openai", None, "Paste token…");
        assert!(!o.text.contains("setup-token"), "{}", o.text);
        assert_eq!(o.command.as_deref(), Some("authtray paste-token --provider openai"));
    }

    /// A report with one agent and one Anthropic route, worked out from the profiles as
    /// `status` does: usable ones (used, not expired or missing) in the given order.
    fn report(profiles: &[(&str, Status, Option<Millis>, bool)], cc: SourceStatus, cc_exp: Option<Millis>) -> StatusReport {
        let usable: Vec<String> = profiles
            .iter()
            .filter(|(_, st, _, used)| *used && !matches!(st, Status::Expired | Status::Missing))
            .map(|(id, ..)| id.to_string())
            .collect();
        let lasts: Vec<Option<Millis>> = profiles.iter().filter(|(id, ..)| usable.iter().any(|u| u == id)).map(|(_, _, e, _)| *e).collect();
        let route = Route {
            provider: "anthropic".into(),
            works: !usable.is_empty(),
            profile: usable.first().cloned(),
            usable: usable.clone(),
            env: false,
            until: if lasts.is_empty() || lasts.iter().any(Option::is_none) { None } else { lasts.iter().flatten().copied().max() },
            resting_until: None,
            ..Default::default()
        };
        let profiles = profiles
            .iter()
            .map(|(id, status, expires_at, used)| ProfileReport {
                rank: usable.iter().position(|u| u == id).map(|i| i + 1),
                in_use: usable.first().map(String::as_str) == Some(*id),
                ..fixture::profile(id, "token", *status, *expires_at, *used)
            })
            .collect();
        fixture::report(T0, fixture::claude(cc, cc_exp), profiles, vec![route])
    }

    fn verdict(r: &StatusReport) -> Verdict {
        judge(r, &Inputs { sync: None, sync_error: None, settings: &Settings::default(), now: T0, targets: &[] })
    }

    fn row<'a>(v: &'a Verdict, id: &str) -> &'a Row {
        v.rows.iter().find(|r| r.profile_id == id).unwrap_or_else(|| panic!("no row {id}: {v:?}"))
    }

    #[test]
    fn a_setup_token_carries_the_gateway_while_claude_code_is_logged_out() {
        let r = report(
            &[("anthropic:manual", Status::Ok, Some(T0 + 300 * D), true), (MIRROR, Status::Expired, Some(T0 - 2 * H), true)],
            SourceStatus::Missing,
            None,
        );
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Attention, 0), "{v:?}");
        assert_eq!(v.headline, "Claude Code is not logged in, so there is nothing to mirror");
        assert_eq!(v.top().and_then(|p| p.remedy.as_ref()).and_then(|r| r.action.clone()), Some(Action::LogInToClaude));
        assert!(row(&v, MIRROR).note.starts_with("Skipped: expired 2 h ago"), "{:?}", row(&v, MIRROR));
        assert_eq!(row(&v, MIRROR).state, Overall::Attention);
        assert!(row(&v, "anthropic:manual").in_use);
        assert_eq!(v.rows[0].profile_id, "anthropic:manual", "rows in try order");
        assert!(v.detail.starts_with("The gateway uses anthropic:manual, good until"), "{}", v.detail);
    }

    #[test]
    fn a_mirror_kept_up_from_a_live_login_is_healthy_not_expiring() {
        let r = report(&[(MIRROR, Status::Expiring, Some(T0 + 6 * H), true)], SourceStatus::Ok, Some(T0 + 6 * H));
        let v = verdict(&r);
        assert_eq!((v.overall, v.check, v.headline.as_str()), (Overall::Healthy, 0, "All credentials healthy"), "{v:?}");
        assert_eq!(row(&v, MIRROR).state, Overall::Healthy);
        assert_eq!(row(&v, MIRROR).note, "In use · renewed from Claude Code's login");
        // Within the source lead the login itself needs attention (and --check says expiring).
        let r = report(&[(MIRROR, Status::Expiring, Some(T0 + 20 * MIN), true)], SourceStatus::Expiring, Some(T0 + 20 * MIN));
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Attention, 2), "{v:?}");
    }

    #[test]
    fn a_mirror_nothing_keeps_up_shows_its_expiry_and_asks_for_something_that_keeps_it() {
        let unkept = |mirror_exp: Millis| {
            let status = if mirror_exp <= T0 { Status::Expired } else { Status::Expiring };
            StatusReport { mirror_keeper: None, ..report(&[(MIRROR, status, Some(mirror_exp), true)], SourceStatus::Ok, Some(T0 + 6 * H)) }
        };
        // Hours left: healthy, but the row and the detail say when it runs out, and why.
        let v = verdict(&unkept(T0 + 6 * H));
        assert_eq!((v.overall, v.check), (Overall::Healthy, 0), "{v:?}");
        assert_eq!(v.until, Some(T0 + 6 * H), "it runs out at its own expiry: {v:?}");
        let note = &row(&v, MIRROR).note;
        assert!(note.starts_with("In use · expires in 6 h (") && note.contains("copied from Claude Code's login"), "{note}");
        assert!(note.ends_with("(start the authtray app, or run `authtray service install`)"), "{note}");
        assert!(v.detail.contains("good until"), "{}", v.detail);
        // Within the lead: a problem whose fix copies the login now and keeps it (not "log in").
        let v = verdict(&unkept(T0 + 20 * MIN));
        assert_eq!((v.overall, v.check), (Overall::Attention, 2), "{v:?}");
        assert_eq!(row(&v, MIRROR).state, Overall::Attention);
        let fix = v.top().and_then(|p| p.remedy.clone()).expect("a fix");
        assert_eq!(
            (fix.label.as_deref(), fix.action, fix.command.as_deref()),
            (Some("Sync now"), Some(Action::SyncNow), Some("authtray sync"))
        );
        assert!(fix.text.contains("start the authtray app"), "{}", fix.text);
        // Expired while Claude Code's login lasts: skipped, and the note says what brings it back.
        // Run out: the fix copies the login that still lasts (not a paste over the mirror).
        let v = verdict(&unkept(T0 - MIN));
        assert_eq!((v.overall, v.check), (Overall::Broken, 1), "{v:?}");
        let fix = v.top().and_then(|p| p.remedy.clone()).expect("a fix");
        assert_eq!((fix.label.as_deref(), fix.action), (Some("Sync now"), Some(Action::SyncNow)));
        assert!(fix.text.contains("start the authtray app"), "{}", fix.text);
    }

    #[test]
    fn the_mirror_alone_with_claude_code_logged_out_is_broken_with_the_login_fix() {
        let r = report(&[(MIRROR, Status::Expired, Some(T0 - H), true)], SourceStatus::Expired, Some(T0 - H));
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Broken, 1), "{v:?}");
        assert!(v.headline.starts_with("Claude Code's login expired 1 h ago"), "{}", v.headline);
        assert_eq!(v.top().and_then(|p| p.remedy.as_ref()).and_then(|r| r.action.clone()), Some(Action::LogInToClaude));
        assert_eq!(v.problems.len(), 1, "the login is said once: {v:?}");
        // The tray's entry carries the window's words for the fix, as plain text.
        let fix = crate::glance::glance(&r, &v, &[], T0).fix.expect("a fix entry");
        let remedy = v.top().and_then(|p| p.remedy.clone()).expect("a remedy");
        assert!(remedy.text.contains('`'), "the window's text marks the command: {}", remedy.text);
        assert_eq!(fix.text, remedy.text.replace('`', ""));
    }

    #[test]
    fn pasted_tokens_warn_at_the_longest_lead_and_check_at_the_gateways_window() {
        let v = verdict(&report(&[("anthropic:manual", Status::Ok, Some(T0 + 3 * D), true)], SourceStatus::Ok, Some(T0 + 5 * H)));
        assert_eq!((v.overall, v.check), (Overall::Attention, 0));
        assert!(v.headline.starts_with("anthropic:manual expires in 3 d ("), "{}", v.headline);
        let fix = v.top().and_then(|p| p.remedy.clone()).expect("a remedy");
        assert_eq!(fix.label.as_deref(), Some("Replace token…"));
        assert_eq!(
            fix.action,
            Some(Action::Paste { agent: "main".into(), provider: "anthropic".into(), profile_id: Some("anthropic:manual".into()) })
        );
        assert!(!fix.text.contains("--"), "no CLI flags in GUI text: {}", fix.text);
        let v = verdict(&report(&[("anthropic:manual", Status::Expiring, Some(T0 + 3 * H), true)], SourceStatus::Ok, Some(T0 + 5 * H)));
        assert_eq!((v.overall, v.check), (Overall::Attention, 2));
        // Past the longest lead (30 days by default: setup-tokens last a year), nothing to do.
        let v = verdict(&report(&[("anthropic:manual", Status::Ok, Some(T0 + 31 * D), true)], SourceStatus::Ok, Some(T0 + 5 * H)));
        assert_eq!((v.overall, v.check), (Overall::Healthy, 0));
        assert_eq!(v.until, Some(T0 + 31 * D));
        let v = verdict(&report(&[("anthropic:manual", Status::Ok, Some(T0 + 29 * D), true)], SourceStatus::Ok, Some(T0 + 5 * H)));
        assert_eq!(v.overall, Overall::Attention, "a setup-token's first warning comes a month ahead");
        // With a key in the environment behind it, an expiring token is nothing to act on.
        let mut r = report(&[("anthropic:manual", Status::Expiring, Some(T0 + 3 * H), true)], SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].routes[0].env = true;
        let v = verdict(&r);
        assert_eq!((v.overall, v.check, v.until), (Overall::Healthy, 0, None), "{v:?}");
        assert_eq!(v.rows[0].state, Overall::Healthy);
        let v = verdict(&report(&[("anthropic:manual", Status::Expired, Some(T0 - H), true)], SourceStatus::Ok, Some(T0 + 5 * H)));
        assert_eq!((v.overall, v.check), (Overall::Broken, 1));
        assert!(v.headline.contains("and the gateway has no other Anthropic credential"), "{}", v.headline);
    }

    #[test]
    fn a_skipped_expired_token_is_attention_and_an_unused_one_is_nothing() {
        let profiles = [("anthropic:old", Status::Expired, Some(T0 - D), true), ("anthropic:new", Status::Static, None, true)];
        let v = verdict(&report(&profiles, SourceStatus::Ok, Some(T0 + 5 * H)));
        assert_eq!((v.overall, v.check), (Overall::Attention, 0));
        assert!(v.headline.contains("the gateway skips it"), "{}", v.headline);
        assert_eq!(v.rows.iter().map(|r| r.profile_id.as_str()).collect::<Vec<_>>(), ["anthropic:new", "anthropic:old"]);
        let profiles = [("anthropic:old", Status::Expired, Some(T0 - D), false), ("anthropic:new", Status::Static, None, true)];
        let v = verdict(&report(&profiles, SourceStatus::Ok, Some(T0 + 5 * H)));
        assert_eq!((v.overall, v.headline.as_str()), (Overall::Healthy, "All credentials healthy"));
        assert!(row(&v, "anthropic:old").note.starts_with("Not used"));
    }

    /// One Anthropic route through Claude Code: Claude Code logged in (or not), `claude` found
    /// (or not), the store holding `profiles`.
    fn claude_cli(profiles: &[(&str, Status, Option<Millis>, bool)], logged_in: bool, found: bool, expires_at: Millis) -> StatusReport {
        use crate::claude_cli::{AuthMethod, Executable, NativeLogin};
        use crate::report::ClaudeCliRoute;
        let mut r = report(profiles, if logged_in { SourceStatus::Ok } else { SourceStatus::Missing }, logged_in.then_some(expires_at));
        let login = NativeLogin {
            logged_in,
            method: if logged_in { AuthMethod::Subscription } else { AuthMethod::None },
            subscription_type: logged_in.then(|| "max".into()),
            rate_limit_tier: None,
            email: logged_in.then(|| "a@b.c".into()),
            expires_at: logged_in.then_some(expires_at),
            renews: true,
            renewed_at: Some(T0 - 2 * H),
        };
        let executable = Executable { path: found.then(|| "/usr/bin/claude".into()), searched: "the PATH".into() };
        let route = r.agents[0].routes[0].clone();
        r.agents[0].routes = vec![
            Route { models: vec!["anthropic/claude-opus-4-6".into()], ..route }.on_claude_cli(ClaudeCliRoute { login, executable }, T0)
        ];
        r
    }

    #[test]
    fn claude_code_logged_in_carries_a_claude_cli_route_with_no_token_stored() {
        let v = verdict(&claude_cli(&[], true, true, T0 + 5 * H));
        assert_eq!((v.overall, v.check), (Overall::Healthy, 0), "{v:#?}");
        assert_eq!(v.headline, "All credentials healthy");
        assert_eq!(v.detail, "The gateway uses Claude Code, signed in to Claude Max as a@b.c; Claude Code renews its own login.");
        assert_eq!(v.routes[0].text, "your Claude subscription, through Claude Code (Claude Max, a@b.c)");
        // Its access token past its expiry is Claude Code's to renew: attention, said with when.
        let v = verdict(&claude_cli(&[], true, true, T0 - H));
        assert_eq!((v.overall, v.check), (Overall::Attention, 0), "{v:#?}");
        assert!(
            v.headline.contains("renewed by Claude Code the next time it runs") && v.headline.contains("last renewed"),
            "{}",
            v.headline
        );
    }

    #[test]
    fn a_claude_cli_route_is_broken_without_a_login_or_without_claude() {
        let v = verdict(&claude_cli(&[], false, true, 0));
        assert_eq!((v.overall, v.check), (Overall::Broken, 1));
        assert!(v.headline.starts_with("Claude Code is not logged in where the gateway runs"), "{}", v.headline);
        let fix = v.top().and_then(|p| p.remedy.clone()).unwrap();
        assert_eq!((fix.command.as_deref(), fix.action.clone()), (Some("claude auth login"), Some(Action::LogInToClaude)));
        assert!(!fix.text.contains("paste") && !fix.text.contains("--"), "{fix:?}");
        assert_eq!(v.problems.len(), 1, "one problem, not the login twice: {:#?}", v.problems);
        let v = verdict(&claude_cli(&[], true, false, T0 + 5 * H));
        assert_eq!((v.overall, v.check), (Overall::Broken, 1));
        assert!(v.headline.contains("cannot find the claude program"), "{}", v.headline);
        assert!(v.top().and_then(|p| p.remedy.as_ref()).is_some_and(|r| r.text.starts_with("Install Claude Code where the gateway runs")));
    }

    #[test]
    fn a_stored_copy_overriding_claude_codes_login_is_attention_with_its_removal() {
        let v = verdict(&claude_cli(&[(MIRROR, Status::Ok, Some(T0 + 5 * H), true)], true, true, T0 + 5 * H));
        assert_eq!(v.overall, Overall::Attention, "{v:#?}");
        assert!(v.headline.starts_with("anthropic:claude-code is used instead of Claude Code's own login"), "{}", v.headline);
        let fix = v.top().and_then(|p| p.remedy.clone()).unwrap();
        assert_eq!(fix.command.as_deref(), Some("openclaw models auth logout anthropic:claude-code --yes"));
        // With Claude Code logged out the stored token alone carries the calls, as the gateway
        // does: removing it would break the gateway, so it is not offered.
        let v = verdict(&claude_cli(&[(MIRROR, Status::Ok, Some(T0 + 5 * H), true)], false, true, 0));
        assert_ne!(v.overall, Overall::Broken, "{v:#?}");
        assert!(v.problems.iter().all(|p| !p.text.contains("instead of Claude Code's own login")), "{:#?}", v.problems);
    }

    #[test]
    fn on_the_claude_cli_runtime_neither_an_environment_key_nor_a_stored_api_key_stands_in() {
        use crate::claude_cli::{Executable, NativeLogin};
        use crate::report::{Candidate, ClaudeCliRoute};
        let cli = |logged_in: bool| ClaudeCliRoute {
            login: NativeLogin { logged_in, renews: logged_in, ..NativeLogin::logged_out() },
            executable: Executable { path: Some("/usr/bin/claude".into()), searched: "the PATH".into() },
        };
        // The gateway clears Anthropic keys from Claude Code's environment.
        let r = Route { provider: "anthropic".into(), env: true, works: true, ..Default::default() }.on_claude_cli(cli(false), T0);
        assert!(!r.works && !r.env, "{r:?}");
        // A stored API key needs an explicit selection there: Claude Code's login carries it.
        let key =
            Candidate { id: "anthropic:work".into(), renews: false, dead: false, api_key: true, expires_at: None, resting_until: None };
        let r = Route::from_candidates_on_claude_cli("anthropic".into(), std::slice::from_ref(&key), cli(true), T0);
        assert_eq!((r.kind, r.works, r.profile), (RouteKind::ClaudeCli, true, None));
        // A stored token does stand in (measured on 2026.9.6).
        let token = Candidate { id: "anthropic:manual".into(), api_key: false, ..key };
        let r = Route::from_candidates_on_claude_cli("anthropic".into(), &[token], cli(true), T0);
        assert_eq!((r.kind, r.profile.as_deref()), (RouteKind::Profile, Some("anthropic:manual")));
    }

    #[test]
    fn a_fallback_that_cannot_answer_is_attention_while_the_primary_works_and_broken_when_all_fail() {
        let mut r = claude_cli(&[], true, true, T0 + 5 * H);
        r.agents[0].routes.push(Route { provider: "openai".into(), kind: RouteKind::Codex, fallback: true, ..Default::default() });
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Attention, 2), "{v:#?}");
        assert!(v.headline.ends_with("; it is only a fallback, the primary model works"), "{}", v.headline);
        // The primary cannot answer either: nothing can.
        let mut r = claude_cli(&[], false, true, 0);
        r.agents[0].routes.push(Route { provider: "openai".into(), kind: RouteKind::Codex, fallback: true, ..Default::default() });
        assert_eq!(verdict(&r).overall, Overall::Broken);
        // The primary cannot answer but the fallback can: the gateway answers with it.
        let mut r = claude_cli(&[], false, true, 0);
        r.agents[0].routes.push(Route {
            provider: "openai".into(),
            works: true,
            env: true,
            kind: RouteKind::Env,
            fallback: true,
            ..Default::default()
        });
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Attention, 2), "{v:#?}");
        assert!(v.headline.ends_with("the gateway answers with its fallback model meanwhile"), "{}", v.headline);
    }

    #[test]
    fn a_model_whose_provider_has_no_credential_is_broken() {
        let mut r = report(&[("anthropic:manual", Status::Static, None, true)], SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].routes = vec![Route {
            provider: "openai".into(),
            works: false,
            profile: None,
            usable: vec![],
            env: false,
            until: None,
            resting_until: None,
            ..Default::default()
        }];
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Broken, 1));
        assert_eq!(v.headline, "The gateway's model needs an OpenAI credential, and it has none");
    }

    #[test]
    fn a_profile_set_aside_is_said_with_its_stand_in_and_fix() {
        let profiles = [("anthropic:manual", Status::Ok, Some(T0 + 300 * D), true), ("anthropic:backup", Status::Static, None, true)];
        let mut r = report(&profiles, SourceStatus::Ok, Some(T0 + 5 * H));
        let rest = crate::health::Availability {
            state: crate::health::AvailabilityState::Cooldown,
            until: Some(T0 + 4 * MIN),
            reason: Some("auth".into()),
        };
        r.agents[0].profiles[0].availability = rest.clone();
        r.agents[0].routes[0].profile = Some("anthropic:backup".into());
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Attention, 0), "{v:?}");
        // Rejected (auth): it leads with replacing the token, not with putting it back.
        assert_eq!(v.headline, "Anthropic rejected anthropic:manual: it was probably revoked; the gateway uses anthropic:backup meanwhile");
        let fix = v.top().and_then(|p| p.remedy.clone()).expect("fix");
        assert_eq!(fix.label.as_deref(), Some("Replace token…"));
        assert!(matches!(fix.action, Some(Action::Paste { .. })));
        // Putting it back stays possible, second, saying what it risks.
        let also = fix.also.as_deref().expect("a second fix");
        assert!(matches!(also.action, Some(Action::ClearCooldown { .. })), "{also:?}");
        assert!(also.text.starts_with("Only if you know this token works again") && also.text.contains("the next chat fails"), "{also:?}");
        let mut there = v.clone();
        for_target(&mut there, "vps", T0);
        assert_eq!(
            there.top().and_then(|p| p.remedy.as_ref()).map(|r| r.also.is_none()),
            Some(true),
            "nothing here clears a cooldown there"
        );
        let note = &row(&v, "anthropic:manual").note;
        assert!(note.starts_with("Skipped until today ") && note.ends_with("; Anthropic rejected it"), "{note}");
        assert!(!note.contains("Next in line") && !note.contains("In use"), "{note}");
        // Rate-limited: putting it back is the fix, saying what happens if the cause remains.
        r.agents[0].profiles[0].availability.reason = Some("rate_limit".into());
        let v = verdict(&r);
        assert_eq!(v.headline, "anthropic:manual is on cooldown for 4 min (rate_limit); the gateway uses anthropic:backup meanwhile");
        let fix = v.top().and_then(|p| p.remedy.clone()).expect("fix");
        assert_eq!(fix.command.as_deref(), Some("authtray cooldown clear --provider anthropic --profile-id anthropic:manual"));
        assert!(matches!(fix.action, Some(Action::ClearCooldown { .. })));
        assert!(fix.text.contains("the next chat fails and the gateway sets it aside again"), "{}", fix.text);
        // The same judged for a gateway on another host: its CLI cannot clear a cooldown, and no
        // button may act on this machine's gateway; commands name the target.
        let mut there = verdict(&r);
        for_target(&mut there, "vps", T0);
        let fix = there.top().and_then(|p| p.remedy.clone()).expect("fix");
        assert_eq!(fix.command.as_deref(), Some("authtray --target vps paste-token --provider anthropic --profile-id anthropic:manual"));
        assert_eq!((fix.action, fix.label), (None, None));
        assert!(fix.text.contains("cannot do it sooner") && fix.text.contains("It ends by itself today "), "{}", fix.text);
        assert!(there.problems.iter().filter_map(|p| p.remedy.as_ref()).all(|r| r.action.is_none()));
        assert_eq!(on_target("claude setup-token", "vps"), "claude setup-token");
        assert_eq!(on_target("authtray --target vps sync", "vps"), "authtray --target vps sync");
        r.agents[0].profiles[0].availability.reason = Some("auth".into());
        // Every profile set aside: the gateway cannot answer until the first comes back.
        r.agents[0].routes[0].works = false;
        r.agents[0].routes[0].resting_until = Some(T0 + 4 * MIN);
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Broken, 1));
        assert!(v.headline.starts_with("The gateway has set every Anthropic profile aside until today "), "{}", v.headline);
        // SQLite era: the same button (2026.9.6's cooldowns are written directly), and the time it ends.
        let json_fix = verdict(&r).top().and_then(|p| p.remedy.clone()).expect("fix");
        r.generation = "openclaw-sqlite";
        let fix = verdict(&r).top().and_then(|p| p.remedy.clone()).expect("fix");
        assert!(matches!(fix.action, Some(Action::ClearCooldown { .. })), "{fix:?}");
        assert_eq!((fix.text.as_str(), fix.command.as_deref()), (json_fix.text.as_str(), json_fix.command.as_deref()));
        assert!(fix.text.contains("It ends by itself today "), "{}", fix.text);
    }

    #[test]
    fn gateways_elsewhere_that_have_not_answered_yet_are_neutral_not_healthy() {
        use crate::report::TargetState;
        let checking = fixture::target("vps", None, Overall::Healthy, "");
        let (overall, headline, problems) = targets_judged(std::slice::from_ref(&checking), 0);
        assert_eq!((overall, headline.as_str(), problems.len()), (Overall::Neutral, "Checking the gateways on other hosts…", 0));
        let answered = TargetState { reached: Some(true), overall: Overall::Healthy, ..checking.clone() };
        assert_eq!(targets_judged(&[answered, checking], 0).0, Overall::Healthy);
        assert_eq!(targets_judged(&[], 0).0, Overall::Healthy);
    }

    #[test]
    fn no_gateway_is_a_setup_card_not_a_store_error() {
        let mut r = report(&[], SourceStatus::Missing, None);
        r.generation = "none";
        r.agents[0].error = Some("the gateway generation is unknown".into());
        let v = verdict(&r);
        assert_eq!((v.overall, v.check, v.headline.as_str()), (Overall::Neutral, 1, NOT_SET_UP));
        assert_eq!(v.problems[0].text, "No gateway on this computer yet");
        let setup = v.setup.expect("setup");
        assert!(!setup.found);
        assert_eq!(v.problems[0].remedy.as_ref().and_then(|r| r.action.clone()), Some(Action::ChooseGateway));
        assert!(!v.problems[0].remedy.as_ref().is_some_and(|r| r.text.contains("--")));
    }

    /// Adds agent `work` whose store cannot be read and judges: that store is the headline.
    fn with_a_broken_second_agent(r: &mut StatusReport) -> Verdict {
        let work = AgentReport { id: "work".into(), error: Some("unexpected end of file".into()), ..r.agents[0].clone() };
        r.agents.push(work);
        let v = verdict(r);
        assert_eq!(
            (v.overall, v.headline.as_str()),
            (Overall::Broken, "Agent work: The auth store cannot be read: unexpected end of file")
        );
        v
    }

    /// A target on another host, answered (or not) as given.
    fn target(name: &str, reached: Option<bool>, overall: Overall, headline: &str, fix: Option<&str>) -> crate::report::TargetState {
        crate::report::TargetState {
            fix: fix.map(Into::into),
            unreachable_since: (reached == Some(false)).then_some(T0 - 2 * H),
            ..fixture::target(name, reached, overall, headline)
        }
    }

    #[test]
    fn targets_that_cannot_be_reached_or_are_not_healthy_are_problems_and_healthy_ones_are_not() {
        let r = report(&[("anthropic:manual", Status::Static, None, true)], SourceStatus::Ok, Some(T0 + 5 * H));
        let targets = [
            target("vps", Some(false), Overall::Attention, "ssh: connection refused", Some("Check that vps is up.")),
            target("box", Some(true), Overall::Broken, "Claude Code's login expired", Some("Log in to Claude Code on box.")),
            target("nas", Some(true), Overall::Healthy, "All credentials healthy", None),
            target("new", None, Overall::Healthy, "Not checked yet", None),
        ];
        let v = judge(&r, &Inputs { sync: None, sync_error: None, settings: &Settings::default(), now: T0, targets: &targets });
        let texts: Vec<&str> = v.problems.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "only the unreachable and the unhealthy target: {texts:?}");
        // A broken target is broken here too; what the transport said is detail, not headline.
        assert_eq!((v.overall, v.headline.as_str()), (Overall::Broken, "box: Claude Code's login expired"));
        let fix = v.problems[0].remedy.clone().expect("the target's fix");
        assert_eq!((fix.text.as_str(), fix.label, fix.action), ("Log in to Claude Code on box.", None, None));
        let lost = &v.problems[1];
        assert!(lost.text.starts_with("vps cannot be reached since "), "{lost:?}");
        assert_eq!(
            (lost.severity, lost.topic, lost.details.as_deref()),
            (Overall::Attention, Topic::Target, Some("ssh: connection refused"))
        );
        let again = lost.remedy.clone().expect("try again");
        assert_eq!((again.label.as_deref(), again.action), (Some("Try again"), Some(Action::SyncNow)));
        // All healthy there: nothing to say here.
        let v = judge(&r, &Inputs { sync: None, sync_error: None, settings: &Settings::default(), now: T0, targets: &targets[2..] });
        assert_eq!((v.overall, v.headline.as_str(), v.problems.len()), (Overall::Healthy, "All credentials healthy", 0));
    }

    #[test]
    fn with_two_agents_each_problem_names_its_agent() {
        let profiles = [("anthropic:manual", Status::Static, None, true), ("anthropic:old", Status::Expired, Some(T0 - D), true)];
        let mut r = report(&profiles, SourceStatus::Ok, Some(T0 + 5 * H));
        let v = with_a_broken_second_agent(&mut r);
        let skipped = v.problems.iter().find(|p| p.profile_id.as_deref() == Some("anthropic:old")).expect("the skipped token");
        assert!(skipped.text.starts_with("Agent main: anthropic:old expired 1 d ago"), "{skipped:?}");
        // With one agent there is no one to name.
        r.agents[0].error = Some("unexpected end of file".into());
        r.agents.truncate(1);
        assert_eq!(verdict(&r).headline, "The auth store cannot be read: unexpected end of file");
    }

    #[test]
    fn a_gateway_that_runs_but_cannot_be_made_to_reload_is_attention() {
        let mut r = report(&[("anthropic:manual", Status::Static, None, true)], SourceStatus::Ok, Some(T0 + 5 * H));
        r.gateway_process.running = true;
        r.gateway_process.reachable = false;
        let v = verdict(&r);
        assert_eq!(v.overall, Overall::Attention, "{v:?}");
        assert!(v.headline.starts_with("The gateway is running, but authtray cannot make it reload"), "{}", v.headline);
        assert_eq!(v.top().map(|p| p.topic), Some(Topic::Gateway));
        // One it can reach, or none running: nothing to say.
        r.gateway_process.reachable = true;
        assert_eq!(verdict(&r).overall, Overall::Healthy);
        r.gateway_process = Default::default();
        assert_eq!(verdict(&r).overall, Overall::Healthy);
    }

    #[test]
    fn an_empty_store_with_no_route_that_works_says_no_credentials_yet() {
        let mut r = report(&[], SourceStatus::Missing, None);
        r.agents[0].routes.clear();
        let v = verdict(&r);
        assert_eq!((v.overall, v.headline.as_str(), v.problems.len()), (Overall::Healthy, "No credentials yet", 0), "{v:?}");
        // Claude Code's login carrying the gateway with an empty store is credentials enough.
        assert_eq!(verdict(&claude_cli(&[], true, true, T0 + 5 * H)).headline, "All credentials healthy");
    }

    #[test]
    fn a_stored_token_on_the_claude_cli_runtime_runs_out_by_its_date_and_needs_claude_to_answer() {
        // Claude Code logged out: the stored token carries the route, and its date is the warning.
        let r = claude_cli(&[("anthropic:manual", Status::Ok, Some(T0 + 3 * D), true)], false, true, 0);
        assert_eq!(r.agents[0].routes[0].kind, RouteKind::Profile, "{r:?}");
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Attention, 0), "{v:#?}");
        assert!(v.headline.starts_with("anthropic:manual expires in 3 d ("), "{}", v.headline);
        assert_eq!(v.until, Some(T0 + 3 * D));
        // Without the claude program nothing answers, said once: not also as the token's fault.
        let v = verdict(&claude_cli(&[("anthropic:manual", Status::Ok, Some(T0 + 3 * D), true)], false, false, 0));
        assert_eq!((v.overall, v.check), (Overall::Broken, 1));
        assert!(v.headline.contains("cannot find the claude program"), "{}", v.headline);
        assert_eq!(v.problems.len(), 1, "{:#?}", v.problems);
    }

    #[test]
    fn a_mirror_beside_an_environment_key_still_checks_as_expiring_with_the_login() {
        let mut r = report(&[(MIRROR, Status::Expiring, Some(T0 + 20 * MIN), true)], SourceStatus::Expiring, Some(T0 + 20 * MIN));
        r.agents[0].routes[0].env = true;
        let v = verdict(&r);
        assert_eq!((v.overall, v.check, v.until), (Overall::Attention, 2, None), "{v:?}");
    }

    #[test]
    fn backups_say_where_they_stand_and_one_about_to_run_out_is_a_problem_of_its_own() {
        let profiles = [
            ("anthropic:manual", Status::Ok, Some(T0 + 300 * D), true),
            ("anthropic:soon", Status::Ok, Some(T0 + 3 * D), true),
            ("anthropic:key", Status::Static, None, true),
            ("anthropic:far", Status::Ok, Some(T0 + 200 * D), true),
        ];
        let mut r = report(&profiles, SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].profiles[2].kind = "api_key";
        let v = verdict(&r);
        assert_eq!((v.overall, v.check), (Overall::Attention, 0), "{v:#?}");
        assert_eq!(v.problems.len(), 1, "{:#?}", v.problems);
        assert!(v.headline.starts_with("anthropic:soon expires in 3 d ("), "{}", v.headline);
        let fix = v.top().and_then(|p| p.remedy.clone()).expect("a remedy");
        assert_eq!(fix.label.as_deref(), Some("Replace token…"));
        let states: Vec<(&str, Overall, &str)> = v.rows.iter().map(|r| (r.profile_id.as_str(), r.state, r.note.as_str())).collect();
        assert_eq!(states.len(), 4);
        assert_eq!(states[0].0, "anthropic:manual");
        assert!(states[0].2.starts_with("In use · expires in 300 d ("), "{states:?}");
        assert_eq!(states[0].1, Overall::Healthy);
        assert_eq!((states[1].0, states[1].1), ("anthropic:soon", Overall::Attention));
        assert!(states[1].2.starts_with("Next in line · expires in 3 d ("), "{states:?}");
        assert_eq!(states[2], ("anthropic:key", Overall::Healthy, "Next in line · does not expire"));
        assert_eq!((states[3].0, states[3].1), ("anthropic:far", Overall::Healthy));
        assert!(states[3].2.starts_with("Next in line · expires in 200 d ("), "{states:?}");
    }

    #[test]
    fn an_oauth_login_past_its_access_token_is_refreshed_by_the_gateway() {
        let mut r = report(&[("anthropic:oauth", Status::Ok, Some(T0 - H), true)], SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].profiles[0].status = Status::Expired;
        r.agents[0].profiles[0].kind = "oauth";
        r.agents[0].routes[0].until = None;
        let v = verdict(&r);
        assert_eq!((v.overall, v.headline.as_str()), (Overall::Healthy, "All credentials healthy"), "{v:#?}");
        assert_eq!(
            (row(&v, "anthropic:oauth").state, row(&v, "anthropic:oauth").note.as_str()),
            (Overall::Healthy, "In use · refreshed by the gateway when it is used")
        );
    }

    #[test]
    fn a_profile_the_gateway_does_not_use_is_never_said_to_be_set_aside() {
        let profiles = [("anthropic:manual", Status::Static, None, true), ("anthropic:spare", Status::Static, None, false)];
        let mut r = report(&profiles, SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].profiles[1].availability = crate::health::Availability {
            state: crate::health::AvailabilityState::Cooldown,
            until: Some(T0 + 4 * MIN),
            reason: Some("rate_limit".into()),
        };
        let v = verdict(&r);
        assert_eq!((v.overall, v.problems.len()), (Overall::Healthy, 0), "{v:#?}");
        assert_eq!(row(&v, "anthropic:spare").state, Overall::Healthy);
        assert!(row(&v, "anthropic:spare").note.starts_with("Not used"), "{:?}", row(&v, "anthropic:spare"));
    }

    #[test]
    fn without_a_gateway_here_check_says_broken_only_when_a_target_is() {
        let mut r = report(&[], SourceStatus::Missing, None);
        r.generation = "none";
        let judged = |targets: &[crate::report::TargetState]| {
            judge(&r, &Inputs { sync: None, sync_error: None, settings: &Settings::default(), now: T0, targets })
        };
        let v = judged(&[target("box", Some(true), Overall::Broken, "Claude Code's login expired", None)]);
        assert_eq!((v.overall, v.check, v.headline.as_str()), (Overall::Broken, 1, "box: Claude Code's login expired"));
        assert!(v.setup.is_some(), "the setup card stays on offer");
        let v = judged(&[target("box", Some(true), Overall::Healthy, "All credentials healthy", None)]);
        assert_eq!((v.overall, v.check, v.headline.as_str()), (Overall::Healthy, 0, "All gateways healthy"));
    }

    #[test]
    fn a_codex_route_that_cannot_answer_says_what_became_of_the_openai_login() {
        let mut r = report(&[("anthropic:manual", Status::Ok, Some(T0 + 300 * D), true)], SourceStatus::Ok, Some(T0 + 5 * H));
        let codex =
            ProfileReport { provider: "openai".into(), ..fixture::profile("openai:codex", "oauth", Status::Expired, Some(T0 - H), false) };
        r.agents[0].profiles.push(codex);
        r.agents[0].routes.push(Route { provider: "openai".into(), kind: RouteKind::Codex, fallback: true, ..Default::default() });
        let codex_problem =
            |v: &Verdict| v.problems.iter().find(|p| p.text.contains("Codex")).map(|p| p.text.clone()).expect("the Codex route's problem");
        // The gateway does not use that login: it has none; an Anthropic token is no OpenAI login.
        let text = codex_problem(&verdict(&r));
        assert!(text.starts_with("The gateway runs its OpenAI model through Codex, and it has no OpenAI login"), "{text}");
        r.agents[0].profiles[1].used = true;
        let text = codex_problem(&verdict(&r));
        assert!(text.starts_with("The gateway's OpenAI login for the Codex runtime expired 1 h ago ("), "{text}");
    }

    #[test]
    fn a_lone_pasted_token_expired_is_its_own_fault_whatever_claude_codes_login_does() {
        for cc in [SourceStatus::Ok, SourceStatus::Missing] {
            let r =
                report(&[("anthropic:manual", Status::Expired, Some(T0 - H), true)], cc, (cc == SourceStatus::Ok).then_some(T0 + 5 * H));
            let v = verdict(&r);
            assert_eq!((v.overall, v.check), (Overall::Broken, 1), "{v:#?}");
            assert!(v.headline.starts_with("anthropic:manual expired 1 h ago ("), "{cc:?}: {}", v.headline);
            assert!(v.headline.ends_with(", and the gateway has no other Anthropic credential"), "{}", v.headline);
            let fix = v.top().and_then(|p| p.remedy.clone()).expect("a remedy");
            assert_eq!(fix.label.as_deref(), Some("Replace token…"), "{cc:?}");
        }
    }

    #[test]
    fn a_provider_with_no_credential_is_offered_a_paste_and_anthropic_where_to_get_one() {
        let none = |provider: &str| {
            let mut r = report(&[], SourceStatus::Ok, Some(T0 + 5 * H));
            r.agents[0].routes = vec![Route { provider: provider.into(), ..Default::default() }];
            verdict(&r).top().and_then(|p| p.remedy.clone()).expect("a remedy")
        };
        let fix = none("anthropic");
        assert_eq!(fix.text, "Paste an Anthropic token or key (run `claude setup-token` to get one), or set the gateway's default model to a provider you have.");
        assert_eq!(fix.label.as_deref(), Some("Paste token…"));
        let fix = none("openai");
        assert_eq!(fix.text, "Paste an OpenAI token or key, or set the gateway's default model to a provider you have.");
    }

    #[test]
    fn where_the_gateway_runs_claude_code_its_login_is_said_once_by_the_route() {
        // Its access token past its expiry is the route's one problem, whatever the file says.
        let mut r = claude_cli(&[], true, true, T0 - H);
        r.claude_code.status = SourceStatus::Malformed;
        r.claude_code.problem = Some("not JSON".into());
        let v = verdict(&r);
        assert_eq!(v.problems.len(), 1, "{:#?}", v.problems);
        assert!(v.headline.contains("renewed by Claude Code the next time it runs"), "{}", v.headline);
        // Near its expiry, it is Claude Code's business: nothing to say.
        let mut r = claude_cli(&[], true, true, T0 + 20 * MIN);
        r.claude_code.status = SourceStatus::Expiring;
        let v = verdict(&r);
        assert_eq!((v.overall, v.problems.len()), (Overall::Healthy, 0), "{v:#?}");
        // A login file it cannot read is still said when nothing else says the login.
        let mut r = claude_cli(&[], true, true, T0 + 5 * H);
        r.claude_code.status = SourceStatus::Malformed;
        r.claude_code.problem = Some("not JSON".into());
        r.gateway_process.running = true;
        let v = verdict(&r);
        assert!(v.problems.iter().any(|p| p.text == "Claude Code's login cannot be read: not JSON"), "{:#?}", v.problems);
    }

    #[test]
    fn claude_codes_login_beside_a_pasted_token_is_said_only_when_it_matters() {
        let login = |cc: SourceStatus, exp: Option<Millis>| verdict(&report(&[("anthropic:manual", Status::Static, None, true)], cc, exp));
        // Logged out with no mirror of it: nothing depends on it.
        let v = login(SourceStatus::Missing, None);
        assert_eq!((v.overall, v.problems.len()), (Overall::Healthy, 0), "{v:#?}");
        // Expiring, but not within the source lead: Claude Code refreshes it in time.
        let v = login(SourceStatus::Expiring, Some(T0 + 5 * H));
        assert_eq!((v.overall, v.problems.len()), (Overall::Healthy, 0), "{v:#?}");
        // Within it: attention, with the login's fix.
        let v = login(SourceStatus::Expiring, Some(T0 + 20 * MIN));
        assert_eq!(v.overall, Overall::Attention, "{v:#?}");
        assert!(v.headline.starts_with("Claude Code's login expires in 20 min ("), "{}", v.headline);
        assert!(v.headline.ends_with(" unless Claude Code refreshes it"), "{}", v.headline);
    }

    #[test]
    fn claude_codes_expired_login_is_still_said_beside_a_broken_store_it_does_not_cause() {
        let mut r = report(&[("anthropic:manual", Status::Static, None, true)], SourceStatus::Expired, Some(T0 - H));
        let v = with_a_broken_second_agent(&mut r);
        let login = v.problems.iter().find(|p| p.topic == Topic::Login).expect("Claude Code's login");
        assert!(login.text.starts_with("Claude Code's login expired 1 h ago ("), "{}", login.text);
        assert!(login.text.ends_with("; the gateway still works on its other credentials"), "{}", login.text);
    }

    #[test]
    fn a_failed_mirror_write_is_attention_and_names_the_agent_only_when_there_are_two() {
        use crate::ops::sync::{AgentSync, SyncReport};
        let failed = SyncReport {
            generation: "openclaw-json",
            claude_code: fixture::claude(SourceStatus::Ok, Some(T0 + 5 * H)),
            dry_run: false,
            reload: None,
            agents: vec![AgentSync {
                agent: "work".into(),
                profile_id: MIRROR.into(),
                action: crate::mirror::Action::Update,
                reason: String::new(),
                expires_at: None,
                config_updated: false,
                order_updated: false,
                writer: None,
                error: Some("cannot write /srv/store.json: disk full".into()),
                problem: Some("authtray could not write a file it needs. Details say which and why.".into()),
            }],
        };
        let judged = |r: &StatusReport| {
            judge(r, &Inputs { sync: Some(&failed), sync_error: None, settings: &Settings::default(), now: T0, targets: &[] })
        };
        let mut r = report(&[("anthropic:manual", Status::Static, None, true)], SourceStatus::Ok, Some(T0 + 5 * H));
        let v = judged(&r);
        // Plain words up front, the engine's text (a path) only behind Details.
        assert_eq!(
            (v.overall, v.headline.as_str()),
            (
                Overall::Attention,
                "Mirroring Claude Code's login failed. authtray could not write a file it needs. Details say which and why."
            )
        );
        assert_eq!(v.top().and_then(|p| p.details.as_deref()), Some("cannot write /srv/store.json: disk full"));
        let fix = v.top().and_then(|p| p.remedy.clone()).expect("a remedy");
        assert_eq!((fix.label.as_deref(), fix.action), (Some("Sync now"), Some(Action::SyncNow)));
        r.agents.push(AgentReport { id: "work".into(), ..r.agents[0].clone() });
        assert!(judged(&r).headline.starts_with("Mirroring to agent work failed. authtray could not write"), "{}", judged(&r).headline);
    }

    #[test]
    fn the_detail_names_a_key_from_the_environment_only_when_one_carries_the_gateway() {
        let mut r = report(&[], SourceStatus::Missing, None);
        r.agents[0].routes =
            vec![Route { provider: "anthropic".into(), kind: RouteKind::Env, env: true, works: true, ..Default::default() }];
        let v = verdict(&r);
        assert_eq!((v.overall, v.headline.as_str()), (Overall::Healthy, "All credentials healthy"), "{v:#?}");
        assert_eq!(v.detail, "The gateway uses a key from its environment; nothing it relies on runs out.");
        // The gateway's own OpenAI login (kept outside the store) is no key from its environment.
        r.agents[0].routes = vec![Route { provider: "openai".into(), kind: RouteKind::Codex, works: true, ..Default::default() }];
        let v = verdict(&r);
        assert!(!v.detail.contains("environment"), "{}", v.detail);
    }

    #[test]
    fn each_route_says_what_carries_it() {
        let profiles = [
            ("anthropic:manual", Status::Ok, Some(T0 + 300 * D), true),
            ("anthropic:key", Status::Static, None, true),
            ("anthropic:oauth", Status::Ok, Some(T0 + H), true),
        ];
        let mut r = report(&profiles, SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].profiles[1].kind = "api_key";
        r.agents[0].profiles[2].kind = "oauth";
        let words = |r: &StatusReport, profile: &str| {
            let route = Route { profile: Some(profile.into()), ..r.agents[0].routes[0].clone() };
            route_kind_words(&r.agents[0], &route, T0, &|p| p.id == "anthropic:claude-code")
        };
        let ends = format!(", expires {}", local_time(T0 + 300 * D, T0));
        assert_eq!(words(&r, "anthropic:manual"), format!("token anthropic:manual{ends}"));
        assert_eq!(words(&r, "anthropic:key"), "API key (pay as you go), anthropic:key");
        assert_eq!(words(&r, "anthropic:oauth"), "OAuth login anthropic:oauth, renewed by the gateway");
        r.agents[0].profiles[0].token = Some("sk-ant-oat01-abc".into());
        assert_eq!(words(&r, "anthropic:manual"), format!("setup-token anthropic:manual{ends}"));
        // Claude Code's access token starts the same way; its copy is not called a setup-token.
        r.agents[0].profiles[0].id = "anthropic:claude-code".into();
        assert_eq!(words(&r, "anthropic:claude-code"), format!("copy of Claude Code's login anthropic:claude-code{ends}"));
        // Claude Code on an API key of its own settings is not a subscription.
        let mut r = claude_cli(&[], true, true, T0 + 5 * H);
        if let Some(cli) = r.agents[0].routes[0].claude_cli.as_mut() {
            cli.login.method = crate::claude_cli::AuthMethod::ApiKey;
        }
        assert_eq!(
            route_kind_words(&r.agents[0], &r.agents[0].routes[0], T0, &|_| false),
            "an API key set in Claude Code's settings, through Claude Code"
        );
    }

    #[test]
    fn rows_come_in_try_order_then_the_skipped_in_the_gateways_order_then_the_unused() {
        let profiles = [
            ("anthropic:spare", Status::Static, None, false),
            ("anthropic:old", Status::Expired, Some(T0 - D), true),
            ("anthropic:older", Status::Expired, Some(T0 - 2 * D), true),
            ("anthropic:manual", Status::Static, None, true),
        ];
        let mut r = report(&profiles, SourceStatus::Ok, Some(T0 + 5 * H));
        r.agents[0].effective_order =
            [("anthropic".to_string(), vec!["anthropic:manual".to_string(), "anthropic:older".into(), "anthropic:old".into()])].into();
        let v = verdict(&r);
        let ids: Vec<&str> = v.rows.iter().map(|r| r.profile_id.as_str()).collect();
        assert_eq!(ids, ["anthropic:manual", "anthropic:older", "anthropic:old", "anthropic:spare"]);
    }

    #[test]
    fn the_mirror_alone_with_claude_code_never_logged_in_says_the_login_is_gone() {
        let v = verdict(&report(&[(MIRROR, Status::Expired, Some(T0 - H), true)], SourceStatus::Missing, None));
        assert_eq!((v.overall, v.check), (Overall::Broken, 1), "{v:?}");
        assert_eq!(v.headline, "Claude Code's login is gone (not logged in), and the gateway has no other Anthropic credential");
    }
}
