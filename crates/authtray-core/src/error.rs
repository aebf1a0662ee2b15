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
            ErrorKind::Io | ErrorKind::Internal => 500,
        }
    }
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidToken(_) | Error::InvalidInput(_) | Error::InvalidDuration(_) | Error::ProfileProviderMismatch { .. } => {
                ErrorKind::InvalidInput
            }
            Error::UnknownAgent { .. } | Error::UnknownProfile { .. } => ErrorKind::NotFound,
            Error::LockBusy { .. } | Error::LockBlocked { .. } => ErrorKind::Locked,
            Error::StoreParse { .. } | Error::ConfigParse { .. } => ErrorKind::Unparseable,
            Error::ConfigUnsupported { .. } | Error::NotWritable { .. } | Error::NotOwned { .. } => ErrorKind::Refused,
            Error::UndoUnavailable(_) => ErrorKind::UndoUnavailable,
            Error::NoLogin(_) => ErrorKind::NoLogin,
            Error::NoInstall { .. } | Error::GenerationUnknown { .. } => ErrorKind::NoGateway,
            Error::GatewayCliMissing { .. } | Error::RemoteCliMissing { .. } => ErrorKind::GatewayCliMissing,
            Error::Unreachable { .. } | Error::GatewayCliTimeout { .. } => ErrorKind::Unreachable,
            Error::GatewayCliFailed { .. } => ErrorKind::GatewayCliFailed,
            Error::Vault(_) => ErrorKind::Keyring,
            Error::Io { .. } => ErrorKind::Io,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// Builds an [`Error::Io`].
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { op, path: path.into(), source }
    }
}
