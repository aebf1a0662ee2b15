//! `--target` and `authtray target …`: gateways on other hosts.

use authtray_core::clock::now_ms;
use authtray_core::duration::describe_expiry_at;
use authtray_core::env::Env;
use authtray_core::ops::remote::{self, RemoteGateway};
use authtray_core::settings::Settings;
use authtray_core::target::TargetEntry;

use crate::cli::{Command, OrderCommand, TargetCommand};
use crate::{exit, read_token, render, CliError};

/// `authtray target add|list|remove`.
pub fn target(cmd: TargetCommand) -> Result<u8, CliError> {
    let env = Env::from_process();
    let path = Settings::path_for(&env);
    let mut settings = Settings::load(&path)?;
    match cmd {
        TargetCommand::Add { name, url, mirror } => {
            if settings.target(&name).is_some() {
                return Err(CliError::Usage(format!("a target named {name:?} exists; remove it first (authtray target remove {name})")));
            }
            let entry = TargetEntry { name, url, mirror };
            entry.validate()?;
            settings.targets.push(entry.clone());
            settings.save(&path)?;
            let m = if entry.mirror { " (mirrors Claude Code's login)" } else { "" };
            println!("Added target {}: {}{m}", entry.name, entry.url);
        }
        TargetCommand::List { json } => {
            if json {
                render::json(&settings.targets);
            } else if settings.targets.is_empty() {
                println!("No targets. Add one with: authtray target add NAME ssh://[user@]host");
            } else {
                for t in &settings.targets {
                    println!("{:<16} {}{}", t.name, t.url, if t.mirror { "  · mirror" } else { "" });
                }
            }
        }
        TargetCommand::Remove { name } => {
            let before = settings.targets.len();
            settings.targets.retain(|t| t.name != name);
            if settings.targets.len() == before {
                return Err(CliError::Usage(format!("no target named {name:?} (see authtray target list)")));
            }
            settings.save(&path)?;
            println!("Removed target {name}.");
        }
    }
    Ok(exit::OK)
}

/// A saved target's name, or a URL given as is (named after its host).
pub fn resolve(settings: &Settings, name_or_url: &str) -> Result<TargetEntry, CliError> {
    if let Some(t) = settings.target(name_or_url) {
        return Ok(t.clone());
    }
    if !name_or_url.contains("://") {
        return Err(CliError::Usage(format!("no target named {name_or_url:?} (see authtray target list), and it is not a URL")));
    }
    // Named by its URL, so messages and suggested commands show what was typed.
    let entry = TargetEntry { name: name_or_url.to_string(), url: name_or_url.to_string(), mirror: false };
    entry.kind()?;
    Ok(entry)
}

/// Runs `command` against a remote target.
pub fn run(env: &Env, settings: &Settings, claude_dir: Option<&std::path::Path>, target: &str, command: Command) -> Result<u8, CliError> {
    let entry = resolve(settings, target)?;
    if let Command::Doctor { json } = command {
        progress_note(&format!("… examining {}", entry.name));
        let locator = authtray_core::claude::LoginLocator::new(env, claude_dir);
        let d = remote::doctor(env, &entry, &locator.read(), locator.file(), settings);
        if json {
            render::json(&d);
        } else {
            println!("Target       {} · {}", d.target.name, d.target.url);
            render::doctor(&d.report);
        }
        return Ok(if d.report.has_errors() { exit::FAILURE } else { exit::OK });
    }
    if let Some(secret) = remote::SecretTarget::of(env, &entry)? {
        return run_secret(env, claude_dir, &secret, command);
    }
    let connect = || -> Result<RemoteGateway, CliError> {
        let progress = crate::progress::reporter();
        if progress.is_some() {
            eprintln!("… reaching {} (the gateway CLI there can take up to 20 s)", entry.name);
        }
        let mut g = remote::connect(env, &entry)?;
        g.cli.progress = progress;
        Ok(g)
    };
    match command {
        Command::Status { all_targets: true, .. } => Err(CliError::Usage("use either --target or --all-targets, not both".into())),
        Command::Status { json, check, warn_within, .. } => {
            let warn = match warn_within {
                Some(w) => authtray_core::duration::parse(&w).map_err(|e| CliError::Usage(e.to_string()))?,
                None => authtray_core::health::DEFAULT_WARN_MS,
            };
            let g = connect()?;
            let login = authtray_core::claude::LoginLocator::new(env, claude_dir).read();
            let keeper = authtray_core::keeper::current(env, now_ms());
            let r = remote::report(&g, &login, settings, keeper.as_deref(), now_ms(), warn)?;
            if json {
                render::json(&r);
            } else {
                println!("Target       {} · {} · {}", r.target.name, r.reached, r.cli);
                render::status(&r.report, &[]);
            }
            Ok(if check { r.report.check } else { exit::OK })
        }
        Command::PasteToken { json, provider, profile_id, expires_in, agent } => {
            let expires_in = expires_in
                .map(|d| authtray_core::duration::parse(&d))
                .transpose()
                .map_err(|e| CliError::Usage(format!("--expires-in: {e}")))?;
            let token = authtray_core::token::Secret::new(read_token()?);
            // One command on the host when no agent is named (the usual case); an agent's flag
            // depends on the gateway's version, which connecting reads first.
            let once = match agent {
                None => {
                    if crate::progress::reporter().is_some() {
                        eprintln!("… storing on {} (the gateway CLI there can take up to 20 s)", entry.name);
                    }
                    remote::paste_at_once(env, &entry, &provider, profile_id.as_deref(), expires_in, &token)?
                }
                Some(_) => None,
            };
            let r = match once {
                Some(r) => r,
                None => remote::paste(&connect()?, &provider, profile_id.as_deref(), expires_in, agent.as_deref(), &token)?,
            };
            if json {
                render::json(&r);
            } else {
                let when = r.expires_at.map(|e| format!(", {}", describe_expiry_at(e, now_ms()))).unwrap_or_default();
                println!("Stored {} as {} on {}{when}.", r.token, r.profile_id, r.target.name);
            }
            render::reload(Some(&r.reload), json);
            Ok(exit::OK)
        }
        Command::Order(cmd) => {
            let (common, ids) = match cmd {
                OrderCommand::Get { common } => (common, None),
                OrderCommand::Set { common, ids } => (common, Some(Some(ids))),
                OrderCommand::Clear { common } => (common, Some(None)),
            };
            let g = connect()?;
            let (order, reload) = match ids {
                None => (remote::order(&g, &common.provider, common.agent.as_deref())?, None),
                Some(ids) => {
                    let (order, reload) = remote::set_order(&g, &common.provider, common.agent.as_deref(), ids)?;
                    (order, Some(reload))
                }
            };
            if common.json {
                render::json(&serde_json::json!({
                    "target": { "name": entry.name, "url": entry.url }, "provider": common.provider, "order": order, "reload": reload,
                }));
            } else {
                match order {
                    Some(o) => println!("{} order on {}: {}", common.provider, entry.name, o.join(", ")),
                    None => println!("{} order on {}: none (the gateway's default)", common.provider, entry.name),
                }
            }
            render::reload(reload.as_ref(), common.json);
            Ok(exit::OK)
        }
        Command::Sync { json, profile_id, .. } => {
            let login = authtray_core::claude::LoginLocator::new(env, claude_dir).read();
            let r = mirror_one(env, &login, &entry, profile_id.as_deref())?;
            if json {
                render::json(&r);
            } else {
                println!("{}", r["summary"].as_str().unwrap_or_default());
            }
            Ok(exit::OK)
        }
        _ => Err(CliError::Usage("--target works with status, sync, paste-token, order and doctor".into())),
    }
}

/// A `k8s-secret://` target takes a value (pasted, or Claude Code's access token) and nothing else.
fn run_secret(env: &Env, claude_dir: Option<&std::path::Path>, target: &remote::SecretTarget, command: Command) -> Result<u8, CliError> {
    let (json, value) = match command {
        Command::PasteToken { json, provider, profile_id, expires_in, agent } => {
            if authtray_core::gateway::config::normalize_provider(&provider) != "anthropic"
                || profile_id.is_some()
                || expires_in.is_some()
                || agent.is_some()
            {
                return Err(CliError::Usage(format!(
                    "{} is a Kubernetes Secret: it takes an Anthropic token and its key comes from the URL (no --profile-id, --expires-in or --agent)",
                    target.entry.name
                )));
            }
            (json, authtray_core::token::Secret::new(read_token()?))
        }
        Command::Sync { json, .. } => {
            let state = authtray_core::claude::LoginLocator::new(env, claude_dir).read();
            (json, remote::mirrorable(&state, now_ms())?.access_token.clone())
        }
        _ => {
            return Err(CliError::Usage(format!(
                "{} is a Kubernetes Secret: it takes paste-token and sync only (authtray cannot ask the gateway behind it; add a kubectl:// target for that)",
                target.entry.name
            )))
        }
    };
    progress_note(&format!("… updating {} (kubectl; a restart waits for the rollout)", target.entry.name));
    let w = target.write(&value)?;
    if json {
        render::json(&w);
    } else {
        println!("{}", w.summary);
    }
    Ok(exit::OK)
}

fn progress_note(text: &str) {
    if crate::progress::reporter().is_some() {
        eprintln!("{text}");
    }
}

/// Mirrors Claude Code's login (as read once by the caller) to one target; the outcome as JSON
/// with a one-line summary.
pub fn mirror_one(
    env: &Env,
    state: &authtray_core::claude::LoginState,
    entry: &TargetEntry,
    profile_id: Option<&str>,
) -> Result<serde_json::Value, CliError> {
    let login = remote::mirrorable(state, now_ms())?;
    if let Some(secret) = remote::SecretTarget::of(env, entry)? {
        return Ok(serde_json::to_value(secret.write(&login.access_token)?).unwrap_or_default());
    }
    let g = remote::connect(env, entry)?;
    let (id, reload) = remote::mirror(&g, login, profile_id)?;
    let summary = match &reload {
        Some(r) if r.failed() => {
            format!("Updated {id} on {}, but its running gateway did not reload: {}", entry.name, r.detail.as_deref().unwrap_or_default())
        }
        Some(_) => format!("Updated {id} on {}", entry.name),
        None => format!("Up to date on {}", entry.name),
    };
    Ok(serde_json::json!({
        "target": { "name": entry.name, "url": entry.url }, "profileId": id, "written": reload.is_some(), "reload": reload, "summary": summary,
    }))
}
