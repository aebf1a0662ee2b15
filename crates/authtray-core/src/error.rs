//! The engine's errors. Each says what happened, to which file, and what to do about it;
//! none ever carries a secret.

use std::path::PathBuf;

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory operation failed.
    #[error("could not {op} {}: {source}", path.display())]
    Io {
        /// What we tried to do ("read", "write", "create directory" …).
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// A store or state file exists but is not what the gateway would accept.
    #[error("cannot parse {}: {reason}. authtray left it untouched; fix or restore it before writing (the gateway itself would treat it as empty and lose its profiles on the next write)", path.display())]
    StoreParse {
        /// The file.
        path: PathBuf,
        /// The parse error, without any secret.
        reason: String,
    },

    /// The gateway's SQLite database could not be read or written (not a lock: see
    /// [`Error::LockBusy`]).
    #[error("could not write the gateway's database {}: {reason}", path.display())]
    DatabaseWrite {
        /// The database file.
        path: PathBuf,
        /// What failed, and what is stored nonetheless.
        reason: String,
    },

    /// The gateway config exists but is not valid JSON5.
    #[error("cannot parse the gateway config {}: {reason}. Fix the file (it is JSON5) and try again; authtray left it untouched", path.display())]
    ConfigParse {
        /// The config file.
        path: PathBuf,
        /// The parse error.
        reason: String,
    },

    /// The config uses something authtray does not rewrite safely.
    #[error("will not rewrite the gateway config {}: {reason}", path.display())]
    ConfigUnsupported {
        /// The config file.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    /// Another process holds the store's lock and did not let go in time.
    #[error("the store lock {} is held by {holder}; waited {waited_ms} ms and gave up without writing. Try again in a moment; if no gateway is running and this persists, remove the lock", lock.display())]
    LockBusy {
        /// The lock path.
        lock: PathBuf,
        /// Who holds it, as far as we can tell.
        holder: String,
        /// How long we waited.
        waited_ms: u64,
    },

    /// The lock path holds something that is not a lock of the expected kind.
    #[error("cannot take the store lock {}: {reason}", lock.display())]
    LockBlocked {
        /// The lock path.
        lock: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },

    /// Discovery could not tell which gateway generation owns the state dir.
    #[error("cannot tell which gateway version owns {}: {detail}. Run the gateway once, or choose its version in authtray's setup", state_dir.display())]
    GenerationUnknown {
        /// The state dir.
        state_dir: PathBuf,
        /// What was looked at.
        detail: String,
    },

    /// No gateway install exists where one was expected.
    #[error("no gateway state directory at {}: install and run the gateway first, or choose its folder in authtray's setup", state_dir.display())]
    NoInstall {
        /// Where we looked.
        state_dir: PathBuf,
    },

    /// This generation's store cannot be written by authtray directly.
    #[error("{generation} stores are not written directly: {reason}")]
    NotWritable {
        /// The generation's name.
        generation: &'static str,
        /// Why, and what to use instead.
        reason: String,
    },

    /// An agent id that the install does not have.
    #[error("unknown agent {id:?}; known agents: {known}")]
    UnknownAgent {
        /// The id asked for.
        id: String,
        /// The ids that exist.
        known: String,
    },

    /// `order set` named a profile that is not in the agent's store.
    #[error("auth profile {id:?} not found in {}: add it first (authtray paste-token) or check the id with `authtray status`", agent_dir.display())]
    UnknownProfile {
        /// The profile id.
        id: String,
        /// The agent dir searched.
        agent_dir: PathBuf,
    },

    /// `order set` named a profile of another provider.
    #[error("auth profile {id:?} belongs to provider {actual:?}, not {expected:?}")]
    ProfileProviderMismatch {
        /// The profile id.
        id: String,
        /// The provider asked for.
        expected: String,
        /// The profile's provider.
        actual: String,
    },

    /// A pasted token was refused.
    #[error("{0}")]
    InvalidToken(#[from] crate::token::TokenError),

    /// A duration could not be read.
    #[error("{0}")]
    InvalidDuration(#[from] crate::duration::DurationError),

    /// Bad user input that is not a token or duration.
    #[error("{0}")]
    InvalidInput(String),

    /// A file that must be ours is owned by someone else.
    #[error("refusing to write {}: it is owned by uid {owner}, not by you (uid {me}). Run authtray as the gateway's user", path.display())]
    NotOwned {
        /// The file.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// Our effective uid.
        me: u32,
    },

    /// No gateway CLI to write a SQLite-era store with.
    #[error("no gateway CLI to write this SQLite-era store with (looked for {tried}); install openclaw, or point --gateway-cli (or AUTHTRAY_GATEWAY_CLI) at it")]
    GatewayCliMissing {
        /// What was looked for.
        tried: String,
    },

    /// A gateway on another host could not be reached.
    #[error("cannot reach target {target}: {reason}")]
    Unreachable {
        /// The target's name.
        target: String,
        /// What the transport said (ssh, docker, kubectl), redacted.
        reason: String,
    },

    /// No gateway CLI on the target's host.
    #[error("no gateway CLI on target {target} (looked for {tried} on its PATH); name it with ?cli=NAME in the target URL")]
    RemoteCliMissing {
        /// The target's name.
        target: String,
        /// What was looked for.
        tried: String,
    },

    /// The gateway CLI ran and failed.
    #[error("`{command}` failed (exit {code}): {message}")]
    GatewayCliFailed {
        /// The command, without secrets.
        command: String,
        /// Its exit code (-1 when killed by a signal).
        code: i32,
        /// Its own error message, secrets redacted.
        message: String,
    },

    /// The gateway CLI did not finish in time.
    #[error("`{command}` did not finish within {secs} s and was stopped; the gateway may be busy, try again")]
    GatewayCliTimeout {
        /// The command.
        command: String,
        /// The deadline.
        secs: u64,
    },

    /// Undo is not possible (nothing saved, too late, or the credential changed since).
    #[error("cannot undo: {0}")]
    UndoUnavailable(String),

    /// The OS keyring (Keychain, Secret Service) refused or is not there.
    #[error("the OS keyring is not available: {0}. Undo needs it; the paste itself is unaffected")]
    Vault(String),

    /// A saved target that the settings do not have.
    #[error("no saved target named {name:?}; saved targets: {known}")]
    UnknownTarget {
        /// The name asked for.
        name: String,
        /// The names that exist ("none" when there are none).
        known: String,
    },

    /// The authtray service is installed already and replacing it was not asked for.
    #[error("the authtray service is already installed at {}: uninstall it first, or pass --force to replace it", path.display())]
    ServiceInstalled {
        /// The unit or plist.
        path: PathBuf,
    },

    /// The service file was written but the service manager did not start it.
    #[error("installed {}, but it could not be started: {reason}", path.display())]
    ServiceStart {
        /// The unit or plist that was written.
        path: PathBuf,
        /// What systemctl or launchctl said.
        reason: String,
    },

    /// A credential expires too soon to be stored through the gateway's CLI.
    #[error("the token expires within {secs} s, too soon to store through the gateway CLI (it may take that long to start)")]
    ExpiresTooSoon {
        /// Seconds left, rounded up.
        secs: i64,
    },

    /// There is no usable Claude Code login to mirror.
    #[error("no usable Claude Code login: {0}")]
    NoLogin(String),

    /// Something inside authtray failed that no input of the user's explains (the OS random
    /// generator, a stopped background thread, encoding a document it built itself).
    #[error("internal error: {0}")]
    Internal(String),
}

/// What kind of failure an [`Error`] is, for every shell alike: the HTTP status, the IPC and
/// `--json` error's `kind`, the CLI's exit code.
/// A failure kept to be shown later (the live service's last mirror run): plain words for a
/// headline or a notification, and the engine's full text for a "Details" disclosure only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// What happened and what to do ([`Error::summary`]).
    pub summary: String,
    /// The full message, tokens redacted: paths, what a program said.
    pub details: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The user's own input is wrong (a token, a duration, a profile id, a flag's value).
    InvalidInput,
    /// An agent or profile that does not exist.
    NotFound,
    /// Another writer holds the lock.
    Locked,
    /// A file authtray will not write because it cannot read it.
    Unparseable,
    /// authtray refuses on purpose (a file it does not own, a config it cannot keep intact).
    Refused,
    /// Undo is no longer possible.
    UndoUnavailable,
    /// Claude Code has no usable login.
    NoLogin,
    /// No gateway was found, or its version is unknown.
    NoGateway,
    /// The gateway's CLI is not there (here or on a target).
    GatewayCliMissing,
    /// A target or the gateway did not answer in time.
    Unreachable,
    /// The gateway's CLI ran and failed.
    GatewayCliFailed,
    /// The OS keyring failed.
    Keyring,
    /// The OS service manager (systemd, launchd) failed.
    ServiceManager,
    /// A file operation failed.
    Io,
    /// Something inside authtray failed.
    Internal,
}

impl ErrorKind {
    /// The word scripts and the UI match on (`invalid-input`, `locked`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Locked => "locked",
            ErrorKind::Unparseable => "unparseable",
            ErrorKind::Refused => "refused",
            ErrorKind::UndoUnavailable => "undo-unavailable",
            ErrorKind::NoLogin => "no-login",
            ErrorKind::NoGateway => "no-gateway",
            ErrorKind::GatewayCliMissing => "gateway-cli-missing",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::GatewayCliFailed => "gateway-cli-failed",
            ErrorKind::Keyring => "keyring",
            ErrorKind::ServiceManager => "service-manager",
            ErrorKind::Io => "io",
            ErrorKind::Internal => "internal",
        }
    }

    /// The HTTP status that fits.
    pub(crate) fn http_status(self) -> u16 {
        match self {
            ErrorKind::InvalidInput => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::Locked | ErrorKind::Unparseable | ErrorKind::Refused | ErrorKind::UndoUnavailable | ErrorKind::NoLogin => 409,
            ErrorKind::NoGateway | ErrorKind::GatewayCliMissing | ErrorKind::Keyring => 503,
            ErrorKind::Unreachable => 504,
            ErrorKind::GatewayCliFailed => 502,
            ErrorKind::Io | ErrorKind::ServiceManager | ErrorKind::Internal => 500,
        }
    }
}

/// A message written for people, as a sentence for a GUI: no backticks, no " (--flag value)"
/// aside, a capital first letter and a full stop.
fn plain(text: &str) -> String {
    let mut out = text.replace('`', "");
    while let Some(start) = out.find(" (--") {
        match out[start..].find(')') {
            Some(len) => out.replace_range(start..=start + len, ""),
            None => break,
        }
    }
    let mut out = crate::verdict::capitalise(out.trim());
    if !out.ends_with(['.', '?', '!']) {
        out.push('.');
    }
    out
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidToken(_) | Error::InvalidInput(_) | Error::InvalidDuration(_) | Error::ProfileProviderMismatch { .. } => {
                ErrorKind::InvalidInput
            }
            Error::UnknownAgent { .. } | Error::UnknownProfile { .. } | Error::UnknownTarget { .. } => ErrorKind::NotFound,
            Error::LockBusy { .. } | Error::LockBlocked { .. } => ErrorKind::Locked,
            Error::StoreParse { .. } | Error::ConfigParse { .. } => ErrorKind::Unparseable,
            Error::ConfigUnsupported { .. }
            | Error::NotWritable { .. }
            | Error::NotOwned { .. }
            | Error::ServiceInstalled { .. }
            | Error::ExpiresTooSoon { .. } => ErrorKind::Refused,
            Error::ServiceStart { .. } => ErrorKind::ServiceManager,
            Error::UndoUnavailable(_) => ErrorKind::UndoUnavailable,
            Error::NoLogin(_) => ErrorKind::NoLogin,
            Error::NoInstall { .. } | Error::GenerationUnknown { .. } => ErrorKind::NoGateway,
            Error::GatewayCliMissing { .. } | Error::RemoteCliMissing { .. } => ErrorKind::GatewayCliMissing,
            Error::Unreachable { .. } | Error::GatewayCliTimeout { .. } => ErrorKind::Unreachable,
            Error::GatewayCliFailed { .. } => ErrorKind::GatewayCliFailed,
            Error::Vault(_) => ErrorKind::Keyring,
            Error::Io { .. } | Error::DatabaseWrite { .. } => ErrorKind::Io,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// What happened and what to do, in one or two plain sentences for a notification or a
    /// banner: no path, no program output, no command-line flag. The full message
    /// ([`ToString`]) stays available behind "Details".
    pub fn summary(&self) -> String {
        let text = match self {
            // Written for people already, and about what they typed or chose: made plain (no
            // command marks, the CLI's flag spelling dropped).
            Error::InvalidToken(_) | Error::InvalidDuration(_) | Error::UndoUnavailable(_) => return plain(&self.to_string()),
            Error::InvalidInput(m) if !m.contains("--") => return plain(m),
            Error::InvalidInput(_) => "authtray cannot use what was entered. Details say which value and why.",
            Error::UnknownAgent { id, .. } => return format!("The gateway has no agent named {id}. Choose one of its agents."),
            Error::UnknownProfile { id, .. } => return format!("The gateway has no credential named {id}. Check the name on the Overview."),
            Error::ProfileProviderMismatch { id, expected, .. } => {
                return format!("{id} is not a {expected} credential. Choose one of {expected}'s credentials.")
            }
            Error::UnknownTarget { name, .. } => return format!("No gateway on another host is saved as {name}."),
            Error::LockBusy { .. } => "The gateway is writing its credentials right now. Try again in a moment.",
            Error::LockBlocked { .. } => "Something blocks the gateway's lock file, so authtray did not write. Details say what to remove.",
            Error::StoreParse { .. } | Error::ConfigParse { .. } => {
                "authtray cannot read one of the gateway's files and left it untouched. Details say which file and how to fix it."
            }
            Error::ConfigUnsupported { .. } => {
                "authtray will not rewrite the gateway's config without keeping it intact. Details say what it found."
            }
            Error::NotWritable { reason, .. } if !reason.contains("--") => return reason.clone(),
            Error::NotWritable { .. } => "This gateway version's store cannot be changed that way. Details say why.",
            Error::NotOwned { .. } => "A gateway file belongs to another user, so authtray did not write. Run authtray as the gateway's user.",
            Error::NoInstall { .. } | Error::GenerationUnknown { .. } => {
                "authtray is not set up yet. Choose the gateway's folder on the Overview, then try again."
            }
            Error::GatewayCliMissing { .. } => {
                "This gateway version is written through its own program (openclaw), which was not found. Install it, or name it in Settings."
            }
            Error::RemoteCliMissing { target, .. } => return format!("The gateway's program was not found on {target}. Details say where authtray looked."),
            Error::Unreachable { target, .. } => return format!("{target} did not answer. Check that the host is up, then try again."),
            Error::GatewayCliFailed { .. } => "The gateway's own program refused the change. Details say why.",
            Error::GatewayCliTimeout { .. } => "The gateway's own program did not finish in time. The gateway may be busy; try again.",
            Error::Vault(_) => "The system keyring is not available, so Undo is off. The paste itself is unaffected.",
            Error::ServiceInstalled { .. } => "The authtray service is already installed.",
            Error::ServiceStart { .. } => "The authtray service was installed but did not start. Details say what the system said.",
            Error::ExpiresTooSoon { .. } => "That login ends in a few seconds, too soon to store. Log in to Claude Code again first.",
            Error::NoLogin(_) => "Claude Code is not logged in on this computer. Run claude in a terminal and log in.",
            Error::Io { op, .. } => return format!("authtray could not {op} a file it needs. Details say which and why."),
            Error::DatabaseWrite { .. } => "authtray could not write the gateway's database. Details say what is stored and what to do.",
            Error::Internal(_) => "Something went wrong inside authtray. Try again; if it keeps happening, restart authtray.",
        };
        text.to_string()
    }

    /// The failure as a person sees it ([`Error::summary`]) with the engine's text for "Details".
    pub fn failure(&self) -> Failure {
        Failure { summary: self.summary(), details: crate::token::redact_text(&self.to_string(), &[]) }
    }

    /// Builds an [`Error::Io`].
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { op, path: path.into(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a notification or a banner shows: no path, no flag, no program output, no backticks.
    #[test]
    fn summaries_are_plain_words_without_paths_flags_or_program_output() {
        let p = || PathBuf::from("/home/alice/.openclaw/agents/main/agent/auth-profiles.json");
        let errors = [
            Error::io("write", p(), std::io::Error::other("disk full")),
            Error::StoreParse { path: p(), reason: "expected value at line 1".into() },
            Error::DatabaseWrite { path: p(), reason: "database or disk is full".into() },
            Error::ConfigParse { path: p(), reason: "bad".into() },
            Error::ConfigUnsupported { path: p(), reason: "an $include".into() },
            Error::LockBusy { lock: p(), holder: "pid 12".into(), waited_ms: 10 },
            Error::LockBlocked { lock: p(), reason: "a directory".into() },
            Error::GenerationUnknown { state_dir: p(), detail: "no meta.lastTouchedVersion".into() },
            Error::NoInstall { state_dir: p() },
            Error::NotWritable { generation: "openclaw-sqlite", reason: "use --generation openclaw-json".into() },
            Error::NotOwned { path: p(), owner: 0, me: 1000 },
            Error::GatewayCliMissing { tried: "/usr/bin/openclaw".into() },
            Error::GatewayCliFailed { command: "openclaw models auth".into(), code: 1, message: "Error: boom at /x".into() },
            Error::GatewayCliTimeout { command: "openclaw models auth".into(), secs: 60 },
            Error::InvalidInput("--provider must name a provider".into()),
            Error::Vault("org.freedesktop.secrets was not provided".into()),
            Error::ServiceStart { path: p(), reason: "`systemctl --user` said: no bus".into() },
            Error::Internal("the live service has stopped".into()),
            Error::NoLogin("/home/alice/.claude/.credentials.json holds no login".into()),
        ];
        for e in errors {
            let s = e.summary();
            for raw in ["/", "--", "`", "boom", "pid 12", "lastTouchedVersion", "internal error"] {
                assert!(!s.contains(raw), "{raw:?} in the summary of {e:?}: {s}");
            }
            assert!(s.ends_with('.'), "{s}");
        }
        assert_eq!(
            Error::InvalidInput("Choose at least one agent to mirror into.".into()).summary(),
            "Choose at least one agent to mirror into."
        );
        // Token errors are already about what was pasted: kept, made plain.
        for e in [
            crate::token::TokenError::Empty,
            crate::token::TokenError::RefreshToken,
            crate::token::TokenError::WrongProvider { provider: "anthropic".into(), shape_desc: "an OpenAI API key", suggested: "openai" },
        ] {
            let s = Error::InvalidToken(e).summary();
            assert!(!s.contains('`') && !s.contains("--") && s.ends_with('.'), "{s}");
            assert!(s.starts_with(|c: char| c.is_uppercase()), "{s}");
        }
    }
}
