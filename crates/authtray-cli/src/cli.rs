//! The command line, as clap sees it.

use std::path::PathBuf;
use std::time::Duration;

use authtray_core::gateway::{DiscoverOptions, Generation};
use authtray_core::ops::Options;
use clap::{Args, Parser, Subcommand};

/// Keep your AI gateway's credentials healthy: mirror Claude Code's login, paste tokens,
/// order auth profiles, and check expiry.
#[derive(Debug, Parser)]
#[command(name = "authtray", version = env!("AUTHTRAY_LONG_VERSION"), about, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// More logging on stderr (-v info, -vv debug). Secrets are never logged.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The gateway's state directory (default: as the gateway resolves it, e.g. ~/.openclaw).
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Claude Code's config directory (default: $CLAUDE_CONFIG_DIR or ~/.claude).
    #[arg(long, global = true, value_name = "DIR")]
    pub claude_dir: Option<PathBuf>,
    /// The gateway generation, when it cannot be detected: clawdbot, openclaw-json, openclaw-sqlite.
    #[arg(long, global = true, value_name = "NAME")]
    pub generation: Option<String>,
    /// How long to wait for a busy store lock before giving up (default 10s).
    #[arg(long, global = true, value_name = "DUR")]
    pub lock_timeout: Option<String>,
    /// The gateway CLI that writes SQLite-era stores (default: $AUTHTRAY_GATEWAY_CLI, else `openclaw` on PATH).
    #[arg(long, global = true, value_name = "PATH")]
    pub gateway_cli: Option<PathBuf>,
    /// A gateway on another host: a saved target's name or a URL (ssh://[user@]host[:port],
    /// docker://CONTAINER, kubectl://[CONTEXT/]NAMESPACE/RESOURCE, k8s-secret://NAMESPACE/SECRET)
    /// for status, sync, paste-token, order and doctor
    #[arg(long, global = true, value_name = "NAME|URL")]
    pub target: Option<String>,
}

impl Global {
    /// Turns the flags into engine options; a bad value is a usage error.
    pub fn options(&self) -> Result<Options, String> {
        let generation = self
            .generation
            .as_deref()
            .map(|g| {
                Generation::from_name(g).ok_or_else(|| format!("--generation {g:?}: expected clawdbot, openclaw-json or openclaw-sqlite"))
            })
            .transpose()?;
        let lock_timeout = self
            .lock_timeout
            .as_deref()
            .map(|d| {
                authtray_core::duration::parse(d).map(|ms| Duration::from_millis(ms as u64)).map_err(|e| format!("--lock-timeout: {e}"))
            })
            .transpose()?;
        Ok(Options {
            discover: DiscoverOptions {
                state_dir: self.state_dir.clone(),
                generation,
                probe_cli: true,
                gateway_cli: self.gateway_cli.clone(),
            },
            claude_dir: self.claude_dir.clone(),
            lock_timeout,
            progress: crate::progress::reporter(),
        })
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show every agent's credentials, their expiry, and Claude Code's login.
    Status {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
        /// Exit with the verdict: 0 the gateway works, 1 it cannot answer model calls, 2 what it
        /// relies on runs out within the warning window. (The gateway's own `models status
        /// --check` code is `gatewayCheck` in --json.)
        #[arg(long)]
        check: bool,
        /// The "expiring" window (default 24h).
        #[arg(long, value_name = "DUR")]
        warn_within: Option<String>,
        /// Also check every saved target (gateways on other hosts) now and judge them with this
        /// machine's gateway, as the tray does.
        #[arg(long)]
        all_targets: bool,
    },
    /// Mirror Claude Code's login into the gateway now.
    Sync {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
        /// Show what would change without writing.
        #[arg(long)]
        dry_run: bool,
        /// Mirror into this agent (repeatable; default: the default agent and agents that already have the mirror).
        #[arg(long, value_name = "ID")]
        agent: Vec<String>,
        /// Mirror into every agent.
        #[arg(long)]
        all_agents: bool,
        /// The profile id to mirror into (openclaw; default anthropic:claude-code).
        #[arg(long, value_name = "ID")]
        profile_id: Option<String>,
        /// Also mirror to every saved target marked to mirror (the access token only).
        #[arg(long)]
        all_targets: bool,
    },
    /// Store a token read from stdin (e.g. the one `claude setup-token` printed).
    PasteToken {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
        /// The provider: anthropic, openai, openrouter, …
        #[arg(long)]
        provider: String,
        /// The profile id (default <provider>:manual).
        #[arg(long, value_name = "ID")]
        profile_id: Option<String>,
        /// When it expires, from now (12h, 30d, 1y; a bare number means days). Anthropic
        /// setup-tokens default to 365d.
        #[arg(long, value_name = "DUR")]
        expires_in: Option<String>,
        /// The agent (default: the default agent).
        #[arg(long, value_name = "ID")]
        agent: Option<String>,
    },
    /// Record when a stored token runs out, for one stored without an expiry (as the gateway's
    /// own paste-token stores it), so that the warnings come in time.
    SetExpiry {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
        /// The token's profile id (anthropic:manual).
        profile_id: String,
        /// When it runs out: a date (2027-12-04, the start of that day, local time) or a span
        /// from now (300d, 1y).
        when: String,
        /// The agent (default: the default agent).
        #[arg(long, value_name = "ID")]
        agent: Option<String>,
    },
    /// Read or change the order in which the gateway tries a provider's profiles.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Put profiles the gateway set aside after failed requests (cooldown, disabled) back in
    /// service.
    #[command(subcommand)]
    Cooldown(CooldownCommand),
    /// Look for problems that make the gateway ignore or lose credentials, with fixes.
    Doctor {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Mirror Claude Code's login live: once now, then on every change, until Ctrl-C.
    /// Alerts (expiry, failed mirror) are printed as they fall due.
    Watch {
        /// Print one JSON document per line for each update.
        #[arg(long)]
        json: bool,
    },
    /// Serve the web UI on this machine (for headless hosts: open it through an SSH tunnel).
    /// The first line printed is the URL to open; it works once.
    Serve(ServeArgs),
    /// Print the shell completion script (for example `source <(authtray completions bash)`).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual page (authtray.1) to stdout, or into a directory.
    Man {
        /// Write `authtray.1` into this directory instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Run `authtray watch` as a user service (systemd on Linux, launchd on macOS), for gateway
    /// hosts and headless machines.
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Gateways on other hosts: add, list, remove (saved in the settings file, mode 0600)
    #[command(subcommand)]
    Target(TargetCommand),
}

#[derive(Debug, Subcommand)]
pub enum TargetCommand {
    /// Save a target: `authtray target add vps ssh://gw@vps.example`
    Add {
        /// Its name (letters, digits, '.', '_', '-')
        name: String,
        /// Where it is: ssh://[user@]host[:port], docker://CONTAINER,
        /// kubectl://[CONTEXT/]NAMESPACE/RESOURCE, each with optional ?cli=NAME&agent=ID
        url: String,
        /// Mirror Claude Code's login there (`sync --all-targets`, the live service)
        #[arg(long)]
        mirror: bool,
    },
    /// List the saved targets
    List {
        #[arg(long)]
        json: bool,
    },
    /// Forget a saved target (nothing on its host changes)
    Remove {
        /// Its name
        name: String,
    },
}

/// `service` subcommands.
#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Install the user service and start it.
    Install {
        /// Install only; start it later (or at the next login).
        #[arg(long)]
        no_start: bool,
        /// Replace a service that is already installed.
        #[arg(long)]
        force: bool,
    },
    /// Stop and remove the user service.
    Uninstall,
    /// Whether the service is installed and running.
    Status {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
}

/// `order` subcommands.
#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Show the agent's order override for a provider.
    Get {
        #[command(flatten)]
        common: OrderArgs,
    },
    /// Replace the order override with these profile ids.
    Set {
        #[command(flatten)]
        common: OrderArgs,
        /// Profile ids, first tried first.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Remove the override (the config order or the gateway's default applies).
    Clear {
        #[command(flatten)]
        common: OrderArgs,
    },
}

/// `cooldown` subcommands.
#[derive(Debug, Subcommand)]
pub enum CooldownCommand {
    /// Clear the cooldown and disabled state (and the failure counts behind them) of a
    /// provider's profiles, or of one profile.
    Clear {
        #[command(flatten)]
        common: OrderArgs,
        /// Only this profile.
        #[arg(long, value_name = "ID")]
        profile_id: Option<String>,
    },
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (default: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on. Anything but loopback also needs --insecure-bind: prefer an SSH
    /// tunnel (ssh -L PORT:127.0.0.1:PORT host).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Allow a non-loopback --bind although the link's secret, the session id and pasted
    /// tokens then cross the network unencrypted (plain HTTP).
    #[arg(long)]
    pub insecure_bind: bool,
    /// Open the URL in the default browser (through a private file, so the secret never
    /// appears on a command line other users can read).
    #[arg(long)]
    pub open: bool,
}

/// Arguments shared by the `order` subcommands.
#[derive(Debug, Args)]
pub struct OrderArgs {
    /// The provider.
    #[arg(long)]
    pub provider: String,
    /// The agent (default: the default agent).
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

impl Command {
    /// Whether the user asked for JSON (errors are then printed as JSON too).
    pub fn wants_json(&self) -> bool {
        match self {
            Command::Status { json, .. }
            | Command::Sync { json, .. }
            | Command::PasteToken { json, .. }
            | Command::SetExpiry { json, .. }
            | Command::Doctor { json } => *json,
            Command::Order(OrderCommand::Get { common } | OrderCommand::Set { common, .. } | OrderCommand::Clear { common }) => common.json,
            Command::Cooldown(CooldownCommand::Clear { common, .. }) => common.json,
            Command::Watch { json } => *json,
            Command::Service(ServiceCommand::Status { json }) => *json,
            Command::Target(TargetCommand::List { json }) => *json,
            Command::Serve(_) | Command::Completions { .. } | Command::Man { .. } | Command::Service(_) | Command::Target(_) => false,
        }
    }
}
