//! The operations every shell offers (status, sync, paste-token, order, doctor), each taking a
//! [`Context`] and returning a serialisable report. Shells only format these reports.

pub mod doctor;
pub mod order;
pub mod paste;
pub mod status;
pub mod sync;

use std::path::PathBuf;
use std::time::Duration;

use crate::claude::{LoginLocator, LoginState};
use crate::clock::Millis;
use crate::env::Env;
use crate::error::Result;
use crate::gateway::{discover, Agent, DiscoverOptions, Install, JsonStore};

/// What the user chose that applies to every operation.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How to find the gateway install.
    pub discover: DiscoverOptions,
    /// `--claude-dir`.
    pub claude_dir: Option<PathBuf>,
    /// How long to wait for a busy store lock (default 10 s).
    pub lock_timeout: Option<Duration>,
}

/// Everything an operation needs, read once.
#[derive(Debug, Clone)]
pub struct Context {
    /// The environment it was resolved from.
    pub env: Env,
    /// The gateway install.
    pub install: Install,
    /// Where Claude Code's login is.
    pub locator: LoginLocator,
    /// The time everything is judged at.
    pub now: Millis,
    /// Lock wait bound.
    pub lock_timeout: Duration,
}

impl Context {
    /// Discovers the install and locates Claude Code's login.
    pub fn load(env: Env, opts: &Options) -> Result<Context> {
        let install = discover(&env, &opts.discover)?;
        let locator = LoginLocator::new(&env, opts.claude_dir.as_deref());
        let lock_timeout = opts
            .lock_timeout
            .or_else(|| env.get("AUTHTRAY_LOCK_TIMEOUT").and_then(|v| crate::duration::parse(v).ok()).map(|ms| Duration::from_millis(ms as u64)))
            .unwrap_or(crate::gateway::lock::DEFAULT_TIMEOUT);
        Ok(Context { env, install, locator, now: crate::clock::now_ms(), lock_timeout })
    }

    /// Reads Claude Code's login now.
    pub fn login(&self) -> LoginState {
        self.locator.read()
    }

    /// The JSON store of an agent, with this context's lock timeout.
    pub fn store(&self, agent: &Agent) -> Result<JsonStore> {
        let mut s = self.install.json_store(agent)?;
        s.lock_timeout = self.lock_timeout;
        Ok(s)
    }

    /// The agent named by `id`, or the default agent.
    pub fn agent(&self, id: Option<&str>) -> Result<&Agent> {
        self.install.agent(id.unwrap_or(&self.install.default_agent))
    }
}

/// Redacted view of a secret for reports.
pub(crate) fn redacted(secret: Option<&str>) -> Option<String> {
    secret.map(crate::token::redact)
}
