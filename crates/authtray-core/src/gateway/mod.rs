//! The gateway side: discovering an install, its config, and one store adapter per generation.

pub mod cli;
pub mod config;
pub mod discover;
pub(crate) mod dotenv;
pub(crate) mod edit;
pub(crate) mod json_store;
pub(crate) mod lock;
pub mod running;
pub(crate) mod runtime;
pub(crate) mod sqlite_lock;
pub(crate) mod sqlite_store;
pub(crate) mod sqlite_write;
pub(crate) mod store;
pub(crate) mod version;

use std::path::PathBuf;

pub use config::GatewayConfig;
pub use discover::{discover, DiscoverOptions};
pub(crate) use edit::Edit;
pub use edit::Writer;
pub(crate) use json_store::JsonStore;
pub(crate) use sqlite_store::SqliteStore;
pub(crate) use store::StoreDoc;

/// The three store generations the gateway went through in 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generation {
    /// clawdbot / moltbot 2026.1.x: `auth-profiles.json` with order inline, directory lock.
    Clawdbot,
    /// openclaw up to 2026.5.x: `auth-profiles.json` (+ `auth-state.json`), pid-file lock.
    OpenclawJson,
    /// openclaw 2026.6 and later: SQLite databases, written directly where the layout is the
    /// proven one (2026.9.6), else through the gateway CLI.
    OpenclawSqlite,
}

impl Generation {
    /// The name used on the command line and in JSON output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Generation::Clawdbot => "clawdbot",
            Generation::OpenclawJson => "openclaw-json",
            Generation::OpenclawSqlite => "openclaw-sqlite",
        }
    }

    /// Parses a generation name as `Generation::name` prints it.
    pub fn from_name(s: &str) -> Option<Generation> {
        match s.trim().to_ascii_lowercase().as_str() {
            "clawdbot" | "moltbot" | "a" => Some(Generation::Clawdbot),
            "openclaw-json" | "b" => Some(Generation::OpenclawJson),
            "openclaw-sqlite" | "openclaw" | "c" => Some(Generation::OpenclawSqlite),
            _ => None,
        }
    }

    /// The profile id authtray mirrors Claude Code's login into by default.
    pub(crate) fn mirror_profile_id(self) -> &'static str {
        match self {
            // clawdbot's own sync owns this id; we write it exactly as that sync would.
            Generation::Clawdbot => "anthropic:claude-cli",
            Generation::OpenclawJson | Generation::OpenclawSqlite => "anthropic:claude-code",
        }
    }

    /// The default model when the config names none (decides `--check`'s providers).
    pub(crate) fn default_model(self) -> &'static str {
        match self {
            Generation::Clawdbot => "anthropic/claude-opus-4-5",
            Generation::OpenclawJson => "openai/gpt-5.5",
            Generation::OpenclawSqlite => "openai/gpt-6-astra",
        }
    }
}

impl std::fmt::Display for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One agent of an install and where its store lives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// Normalised agent id (`main`, `work` …).
    pub id: String,
    /// The agent dir holding its store.
    pub dir: PathBuf,
    /// Whether the config lists it (openclaw's `--agent` needs that).
    pub listed_in_config: bool,
}

/// A discovered gateway install: where it lives, which generation owns it, its agents.
#[derive(Debug, Clone)]
pub struct Install {
    /// The generation, when it could be told.
    pub generation: Option<Generation>,
    /// How the generation was decided (for `doctor` and error messages).
    pub evidence: String,
    /// The gateway version, when known (config stamp or CLI answer).
    pub version: Option<version::Version>,
    /// The state directory.
    pub state_dir: PathBuf,
    /// The config file (may not exist yet).
    pub config: GatewayConfig,
    /// Agents, the default first.
    pub agents: Vec<Agent>,
    /// The default agent's id.
    pub default_agent: String,
}

impl Install {
    /// Finds an agent by id (normalised as the gateway does).
    pub(crate) fn agent(&self, id: &str) -> crate::Result<&Agent> {
        let id = discover::normalize_agent_id(id);
        self.agents.iter().find(|a| a.id == id).ok_or_else(|| crate::Error::UnknownAgent {
            id,
            known: self.agents.iter().map(|a| a.id.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    /// The generation, or an error explaining why writing is refused.
    pub(crate) fn writable_generation(&self) -> crate::Result<Generation> {
        self.generation.ok_or_else(|| crate::Error::GenerationUnknown { state_dir: self.state_dir.clone(), detail: self.evidence.clone() })
    }

    /// The store adapter for an agent, by generation.
    pub(crate) fn store(&self, agent: &Agent) -> crate::Result<Store> {
        Ok(match self.writable_generation()? {
            Generation::OpenclawSqlite => Store::Sqlite(SqliteStore::new(&self.state_dir, &agent.dir)),
            g => Store::Json(JsonStore::new(g, &agent.dir, self.version.as_ref())),
        })
    }
}

/// An agent's store, whichever generation owns it. JSON stores are read and written
/// directly (under the gateway's lock); SQLite stores are read directly and written directly
/// ([`sqlite_write`]) or through the gateway CLI ([`cli::GatewayCli`]).
#[derive(Debug, Clone)]
pub(crate) enum Store {
    /// clawdbot / openclaw-json.
    Json(JsonStore),
    /// openclaw-sqlite.
    Sqlite(SqliteStore),
}

impl Store {
    /// What the gateway would load for this agent now.
    pub(crate) fn read(&self) -> crate::Result<StoreDoc> {
        match self {
            Store::Json(s) => s.read(),
            Store::Sqlite(s) => s.read(),
        }
    }

    /// The file that holds the credentials, shown as "the store": `auth-profiles.json`, or in
    /// the SQLite era the shared state database (where `paste-token` puts them; the agent's
    /// own database holds its order).
    pub(crate) fn path(&self) -> &std::path::Path {
        match self {
            Store::Json(s) => &s.profiles_path,
            Store::Sqlite(s) => &s.state_db,
        }
    }

    /// Every file whose change can change what the gateway reads for this agent.
    pub(crate) fn files(&self) -> Vec<std::path::PathBuf> {
        let wal = |p: &std::path::Path| std::path::PathBuf::from(format!("{}-wal", p.display()));
        match self {
            Store::Json(s) => vec![s.profiles_path.clone(), s.state_path.clone()],
            Store::Sqlite(s) => vec![s.state_db.clone(), wal(&s.state_db), s.agent_db.clone(), wal(&s.agent_db)],
        }
    }

    /// Where the agent's order override lives.
    pub(crate) fn order_path(&self) -> &std::path::Path {
        match self {
            Store::Json(s) if s.order_in_state_file => &s.state_path,
            Store::Json(s) => &s.profiles_path,
            Store::Sqlite(s) => &s.agent_db,
        }
    }

    /// When the token stored as `id` runs out, as read back now (`None`: no such profile, or
    /// it records no expiry). Used after a write through the gateway's CLI, which stamps the
    /// expiry from its own clock.
    pub(crate) fn stored_expiry(&self, id: &str) -> crate::Result<Option<crate::clock::Millis>> {
        Ok(self.read()?.profile(id).and_then(|p| p.credential.expires().ms()))
    }

    /// Whether the store exists yet.
    pub(crate) fn exists(&self) -> bool {
        match self {
            Store::Json(s) => s.exists(),
            Store::Sqlite(s) => s.exists(),
        }
    }
}
