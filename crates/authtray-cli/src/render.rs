//! Reports as text for people, or as JSON for scripts.

use authtray_core::clock::Millis;
use authtray_core::duration::describe_expiry;
use authtray_core::gateway::running::{Reload, ReloadState};
use authtray_core::mirror::Action;
use authtray_core::ops::doctor::{DoctorReport, Severity};
use authtray_core::ops::order::OrderReport;
use authtray_core::ops::paste::PasteReport;
use authtray_core::ops::status::{SourceKind, StatusReport};
use authtray_core::ops::sync::SyncReport;
use serde::Serialize;

/// Prints one JSON document on stdout.
pub fn json<T: Serialize>(report: &T) {
    match serde_json::to_string_pretty(report) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: could not encode the report as JSON: {e}"),
    }
}

fn expiry(expires_at: Option<Millis>, now: Millis) -> String {
    expires_at.map(|e| describe_expiry(e, now)).unwrap_or_default()
}

/// `status` as text, with the saved targets when they were checked.
pub fn status(r: &StatusReport, targets: &[authtray_core::target_pool::TargetState]) {
    let version = r.gateway_version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
    println!("Gateway      {}{version} · {}", r.generation, r.state_dir.display());
    let c = &r.claude_code;
    let src = match (c.source, &c.path, &c.service) {
        (SourceKind::File, Some(p), _) => p.display().to_string(),
        (SourceKind::Keychain, _, Some(s)) => format!("Keychain \"{s}\""),
        _ => "not found".into(),
    };
    let detail = match &c.problem {
        Some(p) => p.clone(),
        None => format!("{} · {}", c.token.as_deref().unwrap_or(""), expiry(c.expires_at, r.now)),
    };
    println!("Claude Code  {} ({}) · {detail}", c.status.as_str(), src);
    for e in &r.env {
        println!("Environment  {} ({}, {}) · {}", e.name, e.provider, e.source, e.redacted);
    }
    for a in &r.agents {
        println!();
        let default = if a.default { " (default)" } else { "" };
        println!("Agent {}{default} · {}", a.id, a.store.display());
        if let Some(e) = &a.error {
            println!("  error: {e}");
            continue;
        }
        if a.profiles.is_empty() {
            println!("  no profiles");
        }
        let w = a.profiles.iter().map(|p| p.id.len()).max().unwrap_or(0);
        for p in &a.profiles {
            let unused = if p.used { "" } else { "  (not used by the gateway)" };
            let rest = p.availability.describe(r.now).map(|d| format!("  ({d})")).unwrap_or_default();
            // A token stored without its expiry is not known to last: say how to record it.
            let when = match (p.kind, p.expires_at) {
                ("token", None) => {
                    let agent = if a.default { String::new() } else { format!(" --agent {}", a.id) };
                    format!("expiry unknown; record it: authtray set-expiry {}{agent} <yyyy-mm-dd>", p.id)
                }
                _ => expiry(p.expires_at, r.now),
            };
            println!("  {:<w$}  {:<10} {:<8} {:<9} {when}{unused}{rest}", p.id, p.provider, p.kind, p.status.as_str());
        }
        for (provider, ids) in &a.order {
            println!("  order {provider}: {}", ids.join(", "));
        }
        // What carries each of the agent's routes, in the verdict's words.
        for line in r.verdict.iter().flat_map(|v| &v.routes).filter(|l| l.agent == a.id) {
            let state = if line.works { "" } else { "  (not working)" };
            let fallback = if line.fallback { " (fallback)" } else { "" };
            println!("  route {}{fallback} → {}{state}", line.models.join(", "), line.text);
        }
    }
    if !targets.is_empty() {
        println!("\nOther hosts");
        for t in targets {
            println!("  {}", authtray_core::glance::target_line(t, r.now).text);
        }
    }
    if let Some(v) = &r.verdict {
        verdict(v);
    }
    let attention = r.verdict.as_ref().is_some_and(|v| v.overall == authtray_core::verdict::Overall::Attention);
    let meaning = match r.check {
        0 if attention => "the gateway works; the attention above is what needs doing",
        0 => "the gateway works",
        1 => "the gateway cannot answer model calls",
        _ => "what the gateway relies on runs out within the warning window",
    };
    println!("\ncheck: {} ({meaning})", r.check);
}

/// The verdict: its headline, what carries the gateway, and each problem with its fix.
fn verdict(v: &authtray_core::verdict::Verdict) {
    use authtray_core::verdict::Overall;
    let mark = |o: Overall| match o {
        Overall::Neutral => "not set up",
        Overall::Healthy => "ok",
        Overall::Attention => "attention",
        Overall::Broken => "broken",
    };
    // "Not set up yet" says its state itself.
    match v.overall {
        Overall::Neutral => println!("\n{}", v.headline),
        o => println!("\n{}: {}", mark(o), v.headline),
    }
    if !v.detail.is_empty() {
        println!("  {}", v.detail);
    }
    let fix = |p: &authtray_core::verdict::Problem, indent: &str| {
        // The fix, then a lesser one after it (its text says what it risks).
        for (word, fix) in p.remedy.iter().flat_map(|r| [("fix", Some(r)), ("or", r.also.as_deref())]) {
            let Some(fix) = fix else { continue };
            match &fix.command {
                Some(c) => println!("{indent}{word}: {} ({c})", fix.text),
                None => println!("{indent}{word}: {}", fix.text),
            }
        }
        if let Some(d) = &p.details {
            println!("{indent}details: {d}");
        }
    };
    for (i, p) in v.problems.iter().enumerate() {
        if i == 0 && p.text == v.headline {
            fix(p, "  ");
            continue;
        }
        println!("  {} {}", if p.severity == Overall::Broken { "✕" } else { "!" }, p.text);
        fix(p, "    ");
    }
}

/// The running gateway's reload, as a line on stdout and, when it failed, a warning on stderr
/// (also with `--json`: a script that only reads the exit code still sees it in its log).
pub fn reload(r: Option<&Reload>, json: bool) {
    let Some(r) = r else { return };
    let detail = r.detail.as_deref().unwrap_or_default();
    match r.state {
        ReloadState::Failed => eprintln!("warning: saved, but the running gateway was not told: {detail}"),
        _ if json => {}
        ReloadState::Done => println!("The running gateway took up the change ({}).", r.method.as_deref().unwrap_or_default()),
        ReloadState::NoGatewayRunning => println!("No gateway is running; it reads the new credential when it starts."),
        ReloadState::NotNeeded => {}
    }
}

/// `sync` as text.
pub fn sync(r: &SyncReport) {
    let prefix = if r.dry_run { "would " } else { "" };
    for a in &r.agents {
        let what = match (&a.error, a.action) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Action::Create) => format!("{prefix}create {} ({})", a.profile_id, a.reason),
            (None, Action::Update) => format!("{prefix}update {} ({})", a.profile_id, a.reason),
            (None, Action::Unchanged) => format!("{} already in sync", a.profile_id),
            (None, Action::Skip) => format!("skipped {}: {}", a.profile_id, a.reason),
        };
        let extra = match (a.config_updated, a.order_updated) {
            (true, true) => "; registered in the config and the agent's order",
            (true, false) => "; registered in the config",
            (false, true) => "; added to the agent's order",
            _ => "",
        };
        println!("{}: {what}{extra}", a.agent);
    }
    if r.agents.is_empty() {
        println!("no agent to mirror into");
    }
}

/// `paste-token` as text.
pub fn paste(r: &PasteReport, now: Millis) {
    let exp = match (r.expires_at, r.expiry_assumed) {
        (Some(e), true) => format!(", {} (setup-tokens last a year; pass --expires-in to change)", describe_expiry(e, now)),
        (Some(e), false) => format!(", {}", describe_expiry(e, now)),
        (None, _) => ", no expiry".into(),
    };
    let verb = if r.changed { "Saved" } else { "Already stored:" };
    println!("{verb} {} as {} ({}) for agent {}{exp}", r.token, r.profile_id, r.kind, r.agent);
    println!("Store: {}", r.store.display());
    if let Some(p) = &r.previous {
        println!("Replaced: {} {}", p.kind, p.token.as_deref().unwrap_or(""));
    }
    if r.config_updated {
        println!("Registered {} in the gateway config", r.profile_id);
    }
}

/// `order` as text.
pub fn order(r: &OrderReport) {
    match &r.order {
        Some(ids) => println!("{} order for agent {}: {}", r.provider, r.agent_id, ids.join(", ")),
        None => println!("{} order for agent {}: (none; the config order or the gateway's default applies)", r.provider, r.agent_id),
    }
}

/// `doctor` as text.
pub fn doctor(r: &DoctorReport) {
    if r.state_dir.as_os_str().is_empty() {
        println!("Gateway      not reached");
    } else {
        println!("Gateway      {} · {} ({})", r.generation, r.state_dir.display(), r.generation_evidence);
        println!("Config       {}", r.config_path.display());
    }
    println!("Claude Code  {}", r.claude_credentials.display());
    if r.findings.is_empty() {
        println!("\nNo problems found.");
    }
    for f in &r.findings {
        let tag = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        println!("\n{tag}[{}]: {}", f.code, f.message);
        if let Some(fix) = &f.fix {
            println!("  fix: {fix}");
        }
    }
}
