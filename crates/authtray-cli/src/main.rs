//! `authtray`: keep the gateway's credentials healthy from a shell.
//!
//! A thin shell over `authtray-core`: parse the command line, call one operation, print its
//! report as text or `--json`, and exit with a code scripts can rely on.

mod cli;
mod live;
mod progress;
mod remote;
mod render;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use authtray_core::env::Env;
use authtray_core::error::ErrorKind;
use authtray_core::ops::{self, Context};
use clap::Parser;

use cli::{Cli, Command, CooldownCommand, OrderCommand, ServiceCommand};

/// Exit codes: cargo-style, with 2 reserved for `--check`'s "expiring".
mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 64;
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => exit::OK,
                _ => exit::USAGE,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(cli.verbose);
    let json = cli.command.wants_json();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if json {
                println!("{}", serde_json::json!({ "error": e.to_string(), "kind": e.kind() }));
            }
            eprintln!("error: {e}");
            // Wrong input is a usage error whether clap or the engine noticed it (a token, a
            // duration, a profile id): scripts can tell "fix the call" from "it failed".
            let usage = matches!(e, CliError::Usage(_)) || matches!(&e, CliError::Engine(err) if err.kind() == ErrorKind::InvalidInput);
            ExitCode::from(if usage { exit::USAGE } else { exit::FAILURE })
        }
    }
}

/// Errors at the edge: engine errors, and usage errors found after parsing.
#[derive(Debug)]
enum CliError {
    Engine(authtray_core::Error),
    Usage(String),
    Io(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The engine's words suit a window; a terminal also gets the flag that does it.
            CliError::Engine(e @ authtray_core::Error::GenerationUnknown { .. }) => {
                write!(f, "{e} (or pass --generation clawdbot|openclaw-json|openclaw-sqlite)")
            }
            CliError::Engine(e @ authtray_core::Error::NoInstall { .. }) => write!(f, "{e} (or pass --state-dir DIR)"),
            CliError::Engine(e) => e.fmt(f),
            CliError::Usage(s) | CliError::Io(s) => f.write_str(s),
        }
    }
}

impl CliError {
    /// The engine's kind of failure, for `--json` (usage errors are the user's input).
    fn kind(&self) -> &'static str {
        match self {
            CliError::Engine(e) => e.kind().as_str(),
            CliError::Usage(_) => ErrorKind::InvalidInput.as_str(),
            CliError::Io(_) => ErrorKind::Io.as_str(),
        }
    }
}

impl From<authtray_core::Error> for CliError {
    fn from(e: authtray_core::Error) -> Self {
        match e {
            authtray_core::Error::InvalidDuration(_) => CliError::Usage(e.to_string()),
            other => CliError::Engine(other),
        }
    }
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUTHTRAY_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .try_init();
}

fn run(cli: Cli) -> Result<u8, CliError> {
    let opts = cli.global.options().map_err(CliError::Usage)?;
    // The long-running commands start without a gateway install and report it as they go.
    let command = match cli.command {
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "authtray", &mut std::io::stdout());
            return Ok(exit::OK);
        }
        Command::Man { out_dir } => return man(out_dir.as_deref()).map(|()| exit::OK),
        Command::Service(cmd) => return service(cmd),
        Command::Target(cmd) => return remote::target(cmd),
        Command::Watch { json } => return live::watch(json, opts).map(|()| exit::OK).map_err(|e| CliError::Io(e.to_string())),
        Command::Serve(args) => return live::serve(args, opts).map(|()| exit::OK).map_err(|e| CliError::Io(e.to_string())),
        other => other,
    };
    let env = Env::from_process();
    // The gateway folder and generation chosen in the app apply here too (flags win).
    let settings = authtray_core::settings::Settings::load(&authtray_core::settings::Settings::path_for(&env)).unwrap_or_default();
    if let Some(target) = &cli.global.target {
        return remote::run(&env, &settings, opts.claude_dir.as_deref(), target, command);
    }
    let ctx = Context::load(env, &opts.with_settings(&settings))?;
    match command {
        Command::Watch { .. }
        | Command::Serve(_)
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Service(_)
        | Command::Target(_) => Err(CliError::Usage("this command was handled above".into())),
        Command::Status { json, check, warn_within, all_targets } => {
            let warn = match warn_within {
                Some(w) => authtray_core::duration::parse(&w).map_err(|e| CliError::Usage(e.to_string()))?,
                None => authtray_core::health::DEFAULT_WARN_MS,
            };
            // The saved targets, checked now and judged with this machine's gateway (the tray's view).
            let targets = if all_targets {
                if crate::progress::reporter().is_some() && !settings.targets.is_empty() {
                    eprintln!("… checking {} target(s) (the gateway CLI on each can take up to 20 s)", settings.targets.len());
                }
                let job = authtray_core::target_pool::Job { login: ctx.login(), mirror: false, settings: settings.clone() };
                authtray_core::target_pool::check_all(&ctx.env, &settings.targets, &job)
            } else {
                Vec::new()
            };
            let last = authtray_core::api::LastSync { at: 0, report: None, error: None, targets };
            let report = authtray_core::api::status(&ctx, &settings, Some(&last), warn);
            if json {
                let mut v = serde_json::to_value(&report).unwrap_or_default();
                if all_targets {
                    v["targets"] = serde_json::to_value(&last.targets).unwrap_or_default();
                }
                render::json(&v);
            } else {
                render::status(&report, &last.targets);
            }
            Ok(if check { report.check } else { exit::OK })
        }
        Command::Sync { json, dry_run, agent, all_agents, profile_id, all_targets } => {
            let targets = match (all_agents, agent.is_empty()) {
                (true, false) => return Err(CliError::Usage("use either --agent or --all-agents, not both".into())),
                (true, true) => ops::sync::Targets::All,
                (false, false) => ops::sync::Targets::Agents(agent),
                (false, true) => ops::sync::Targets::Default,
            };
            let report = ops::sync::sync(&ctx, &ops::sync::SyncRequest { targets, profile_id: profile_id.clone(), dry_run })?;
            // Then every target marked to mirror, each on its own: one dead host fails only itself.
            let remote: Vec<serde_json::Value> = if all_targets && !dry_run {
                // The login this sync mirrored (--claude-dir applies), read once for all targets.
                let login = ctx.login();
                settings
                    .targets
                    .iter()
                    .filter(|t| t.mirror)
                    .map(|t| {
                        remote::mirror_one(&ctx.env, &login, t, profile_id.as_deref()).unwrap_or_else(|e| {
                            serde_json::json!({ "target": { "name": t.name, "url": t.url }, "error": e.to_string(), "summary": format!("Failed for {}: {e}", t.name) })
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let remote_failed = remote.iter().any(|r| r.get("error").is_some());
            if json {
                let mut v = serde_json::to_value(&report).unwrap_or_default();
                if all_targets {
                    v["targets"] = serde_json::Value::Array(remote);
                }
                render::json(&v);
            } else {
                render::sync(&report);
                for r in &remote {
                    println!("{}", r["summary"].as_str().unwrap_or_default());
                }
            }
            render::reload(report.reload.as_ref(), json);
            Ok(if report.failed() || remote_failed { exit::FAILURE } else { exit::OK })
        }
        Command::PasteToken { json, provider, profile_id, expires_in, agent } => {
            let expires_in = expires_in
                .map(|d| authtray_core::duration::parse(&d))
                .transpose()
                .map_err(|e| CliError::Usage(format!("--expires-in: {e}")))?;
            let token = read_token()?;
            let token = authtray_core::token::Secret::new(token);
            let report = ops::paste::paste(&ctx, &ops::paste::PasteRequest { provider, profile_id, expires_in, agent, token })?;
            if json {
                render::json(&report);
            } else {
                render::paste(&report, ctx.now);
            }
            render::reload(Some(&report.reload), json);
            Ok(exit::OK)
        }
        Command::SetExpiry { json, profile_id, when, agent } => {
            let at = authtray_core::duration::parse_when(&when, ctx.now).map_err(|e| CliError::Usage(format!("when: {e}")))?;
            let report = ops::expiry::set(&ctx, agent.as_deref(), &profile_id, at)?;
            if json {
                render::json(&report);
            } else {
                let when = authtray_core::duration::describe_expiry_at(report.expires_at, ctx.now);
                match report.changed {
                    true => println!("Recorded: {} (agent {}) {when}.", report.profile_id, report.agent),
                    false => println!("Already recorded: {} (agent {}) {when}.", report.profile_id, report.agent),
                }
            }
            render::reload(report.reload.as_ref(), json);
            Ok(exit::OK)
        }
        Command::Order(cmd) => {
            let (json, agent, provider, change) = match cmd {
                OrderCommand::Get { common } => (common.json, common.agent, common.provider, ops::order::OrderChange::Get),
                OrderCommand::Set { common, ids } => (common.json, common.agent, common.provider, ops::order::OrderChange::Set(ids)),
                OrderCommand::Clear { common } => (common.json, common.agent, common.provider, ops::order::OrderChange::Clear),
            };
            let report = ops::order::order(&ctx, agent.as_deref(), &provider, change)?;
            if json {
                render::json(&report);
            } else {
                render::order(&report);
            }
            render::reload(report.reload.as_ref(), json);
            Ok(exit::OK)
        }
        Command::Cooldown(CooldownCommand::Clear { common, profile_id }) => {
            let report = ops::cooldown::clear(&ctx, common.agent.as_deref(), &common.provider, profile_id.as_deref())?;
            if common.json {
                render::json(&report);
            } else if report.cleared.is_empty() {
                println!("Nothing to clear: no {} profile of agent {} is set aside.", report.provider, report.agent);
            } else {
                println!("Back in service: {} (agent {}).", report.cleared.join(", "), report.agent);
            }
            render::reload(report.reload.as_ref(), common.json);
            Ok(exit::OK)
        }
        Command::Doctor { json } => {
            let report = ops::doctor::doctor(&ctx);
            if json {
                render::json(&report);
            } else {
                render::doctor(&report);
            }
            Ok(if report.has_errors() { exit::FAILURE } else { exit::OK })
        }
    }
}

/// Turns off terminal echo on stdin while alive, so a pasted token never shows on screen.
struct EchoOff(Option<libc::termios>);

impl EchoOff {
    fn new() -> EchoOff {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed, then kernel-filled termios.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return EchoOff(None);
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            t.c_lflag |= libc::ECHONL;
            if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                return EchoOff(None);
            }
            EchoOff(Some(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = self.0 {
            // SAFETY: restores the attributes read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &saved);
            }
        }
    }
}

/// Reads the token from stdin. On a terminal, asks for it on stderr first.
fn read_token() -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Paste the token, then press Enter (it is not shown): ");
        let mut line = String::new();
        let read = {
            let _hidden = EchoOff::new();
            stdin.read_line(&mut line)
        };
        read.map_err(|e| CliError::Usage(format!("could not read the token from the terminal: {e}")))?;
        return Ok(line);
    }
    let mut buf = Vec::new();
    // Bounded: a token is short; a huge stdin is a mistake, not a token.
    stdin.lock().take(64 * 1024).read_to_end(&mut buf).map_err(|e| CliError::Usage(format!("could not read the token from stdin: {e}")))?;
    String::from_utf8(buf).map_err(|_| CliError::Usage("the token on stdin is not UTF-8 text".into()))
}

/// `authtray man`: the manual page, generated from the same definitions as `--help`.
fn man(out_dir: Option<&std::path::Path>) -> Result<(), CliError> {
    let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
    let mut bytes = Vec::new();
    page.render(&mut bytes).map_err(|e| CliError::Io(format!("cannot render the manual page: {e}")))?;
    match out_dir {
        None => {
            use std::io::Write as _;
            std::io::stdout().write_all(&bytes).map_err(|e| CliError::Io(e.to_string()))
        }
        Some(dir) => {
            let path = dir.join("authtray.1");
            std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(&path, &bytes))
                .map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
            Ok(())
        }
    }
}

/// `authtray service install|uninstall|status`.
fn service(cmd: ServiceCommand) -> Result<u8, CliError> {
    use authtray_core::service;
    let env = Env::from_process();
    match cmd {
        ServiceCommand::Install { no_start, force } => {
            let exe = std::env::current_exe().map_err(|e| CliError::Io(format!("cannot tell where authtray is installed: {e}")))?;
            println!("{}", service::install(&env, &exe, no_start, force)?);
            println!("The tray app leaves mirroring to this service while it is installed.");
        }
        ServiceCommand::Uninstall => println!("{}", service::uninstall(&env)?),
        ServiceCommand::Status { json } => {
            let st = service::status(&env);
            if json {
                render::json(&st);
            } else if st.installed {
                println!("installed at {} ({})", st.path.display(), st.state.as_deref().unwrap_or("state unknown"));
            } else {
                println!("not installed");
            }
        }
    }
    Ok(exit::OK)
}
