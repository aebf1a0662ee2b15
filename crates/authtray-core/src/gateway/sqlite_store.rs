//! Reading the SQLite-era store (openclaw 2026.6+) straight from its databases, read-only and
//! without disturbing a running gateway. Writes are [`super::sqlite_write`]'s (or the gateway's
//! own CLI's); this module never writes.
//!
//! * `<state>/state/openclaw.sqlite`, table `config_machine_state`: the shared store
//!   (`authProfiles.store`) and shared state (`authProfiles.state`).
//! * `<agentDir>/openclaw-agent.sqlite`, tables `auth_profile_store` / `auth_profile_state`,
//!   row `primary`: the agent's own profiles and its order override, which win over the shared ones.
//!
//! A read opens the database read-only with a busy timeout and closes it at once. When the
//! gateway's `-wal`/`-shm` files are absent, the database is opened `immutable` so that SQLite
//! creates none of its own; the file's size and mtime are compared before and after, and the
//! read is retried if a writer touched it meanwhile.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::{Map, Value};

use super::store::StoreDoc;
use crate::error::{Error, Result};

/// The shared state database, relative to the state dir.
pub(crate) const STATE_DB: &str = "state/openclaw.sqlite";
/// The per-agent database, in the agent dir.
pub(crate) const AGENT_DB: &str = "openclaw-agent.sqlite";
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// One agent's view of the SQLite store.
#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    /// `<state>/state/openclaw.sqlite`.
    pub state_db: PathBuf,
    /// `<agentDir>/openclaw-agent.sqlite`.
    pub agent_db: PathBuf,
    /// Whether writes may go to the databases directly (where their layout allows); `false`
    /// sends every write through the gateway's CLI.
    pub direct: bool,
    /// [`super::sqlite_write::preflight`]'s answer, asked once per store value: an operation
    /// that picks its wording from the writer and then writes asks twice.
    preflight: std::cell::OnceCell<std::result::Result<(), String>>,
}

impl SqliteStore {
    /// The store of the agent at `agent_dir` in the install at `state_dir`.
    pub(crate) fn new(state_dir: &Path, agent_dir: &Path) -> SqliteStore {
        SqliteStore { state_db: state_dir.join(STATE_DB), agent_db: agent_dir.join(AGENT_DB), direct: true, preflight: Default::default() }
    }

    /// Whether the direct writer knows this layout (why not, when it does not), checked on the
    /// first call. The write checks again inside its transaction.
    pub(crate) fn direct_writable(&self) -> std::result::Result<(), String> {
        self.preflight.get_or_init(|| super::sqlite_write::preflight(self)).clone()
    }

    /// Whether either database exists.
    pub(crate) fn exists(&self) -> bool {
        self.state_db.exists() || self.agent_db.exists()
    }

    /// Reads what the gateway would use for this agent: shared profiles overlaid by the
    /// agent's, shared state overlaid by the agent's (order per provider).
    pub(crate) fn read(&self) -> Result<StoreDoc> {
        let [shared_store, shared_state] = read_json(
            &self.state_db,
            [
                "SELECT value_json FROM config_machine_state WHERE state_key = 'authProfiles.store'",
                "SELECT value_json FROM config_machine_state WHERE state_key = 'authProfiles.state'",
            ],
        )?;
        let [agent_store, agent_state] = read_json(
            &self.agent_db,
            [
                "SELECT store_json FROM auth_profile_store WHERE store_key = 'primary'",
                "SELECT state_json FROM auth_profile_state WHERE state_key = 'primary'",
            ],
        )?;

        Ok(merge([shared_store, agent_store], [shared_state, agent_state]))
    }
}

/// What the gateway loads from the shared cells overlaid by the agent's (`mergeAuthProfileState`):
/// profiles by id, and state per key of each part (order and lastGood per provider, usageStats
/// per profile), the agent winning.
pub(crate) fn merge(stores: [Option<Map<String, Value>>; 2], states: [Option<Map<String, Value>>; 2]) -> StoreDoc {
    let mut profiles = Map::new();
    for doc in stores.iter().flatten() {
        if let Some(p) = doc.get("profiles").and_then(Value::as_object) {
            profiles.extend(p.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    let mut state = Map::new();
    state.insert("version".into(), Value::from(1));
    for doc in states.iter().flatten() {
        for (key, value) in doc {
            match (key.as_str(), value, state.get_mut(key)) {
                ("version", ..) => {}
                (_, Value::Object(add), Some(Value::Object(have))) => {
                    have.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                _ => {
                    state.insert(key.clone(), value.clone());
                }
            }
        }
    }
    let mut profiles_doc = Map::new();
    profiles_doc.insert("version".into(), Value::from(1));
    profiles_doc.insert("profiles".into(), Value::Object(profiles));
    StoreDoc { profiles_doc, state_doc: Some(state), accepts_aliases: true }
}

/// Runs one-row queries returning JSON objects in one short read-only session; `None` where
/// the database, table or row is absent. Retries when the file changed under an `immutable` read.
fn read_json<const N: usize>(db: &Path, sqls: [&str; N]) -> Result<[Option<Map<String, Value>>; N]> {
    if !db.is_file() {
        return Ok(std::array::from_fn(|_| None));
    }
    let mut last_err = None;
    for attempt in 0..4 {
        let before = fingerprint(db);
        let immutable = !(sidecar(db, "-wal").exists() && sidecar(db, "-shm").exists());
        match query(db, &sqls, immutable) {
            Ok(rows) if !immutable || fingerprint(db) == before => {
                let mut out: [Option<Map<String, Value>>; N] = std::array::from_fn(|_| None);
                for (slot, row) in out.iter_mut().zip(rows) {
                    *slot = parse(db, row)?;
                }
                return Ok(out);
            }
            Ok(_) => last_err = Some("the database changed while it was read".to_string()),
            Err(e) => last_err = Some(e),
        }
        std::thread::sleep(Duration::from_millis(50 * (attempt + 1)));
    }
    Err(Error::StoreParse { path: db.to_path_buf(), reason: format!("could not read it: {}", last_err.unwrap_or_default()) })
}

fn query(db: &Path, sqls: &[&str], immutable: bool) -> std::result::Result<Vec<Option<String>>, String> {
    let uri = format!("file:{}?mode=ro{}", uri_path(db), if immutable { "&immutable=1" } else { "" });
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(&uri, flags).map_err(|e| e.to_string())?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| e.to_string())?;
    // One read transaction: both rows come from the same snapshot.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred).map_err(|e| e.to_string())?;
    let mut rows = Vec::with_capacity(sqls.len());
    for sql in sqls {
        match tx.query_row(sql, [], |row| row.get::<_, String>(0)).optional() {
            Ok(v) => rows.push(v),
            // An older or newer layout without this table: nothing stored there.
            Err(rusqlite::Error::SqliteFailure(_, Some(msg))) if msg.contains("no such table") => rows.push(None),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(rows)
}

pub(crate) fn parse(db: &Path, v: Option<String>) -> Result<Option<Map<String, Value>>> {
    let Some(text) = v else { return Ok(None) };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(Error::StoreParse { path: db.to_path_buf(), reason: "a stored auth document is not a JSON object".into() }),
        Err(e) => Err(Error::StoreParse { path: db.to_path_buf(), reason: format!("a stored auth document is not valid JSON ({e})") }),
    }
}

pub(crate) fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn fingerprint(db: &Path) -> Option<(u64, SystemTime)> {
    std::fs::metadata(db).ok().and_then(|m| Some((m.len(), m.modified().ok()?)))
}

/// Percent-encodes the characters that have a meaning in an SQLite URI.
pub(crate) fn uri_path(p: &Path) -> String {
    let mut out = String::new();
    for c in p.to_string_lossy().chars() {
        match c {
            '?' | '#' | '%' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_dbs(dir: &Path) -> SqliteStore {
        let s = SqliteStore::new(dir, &dir.join("agents/main/agent"));
        std::fs::create_dir_all(s.state_db.parent().unwrap()).unwrap();
        std::fs::create_dir_all(s.agent_db.parent().unwrap()).unwrap();
        let c = Connection::open(&s.state_db).unwrap();
        c.execute_batch(
            "CREATE TABLE config_machine_state (state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL) STRICT;
             INSERT INTO config_machine_state VALUES ('authProfiles.store', '{\"version\":1,\"profiles\":{\"anthropic:a\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"t1\",\"expires\":1795349960401},\"anthropic:b\":{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"k\"}}}', 1);
             INSERT INTO config_machine_state VALUES ('authProfiles.state', '{\"version\":1,\"order\":{\"anthropic\":[\"anthropic:a\"],\"openai\":[\"openai:x\"]}}', 1);",
        )
        .unwrap();
        let c = Connection::open(&s.agent_db).unwrap();
        c.execute_batch(
            "CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
             CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
             INSERT INTO auth_profile_store VALUES ('primary', '{\"version\":1,\"profiles\":{\"anthropic:a\":{\"type\":\"token\",\"provider\":\"anthropic\",\"token\":\"t2\"}}}', 1);
             INSERT INTO auth_profile_state VALUES ('primary', '{\"version\":1,\"order\":{\"anthropic\":[\"anthropic:b\",\"anthropic:a\"]}}', 1);",
        )
        .unwrap();
        s
    }

    #[test]
    fn agent_rows_win_over_shared_ones() {
        let d = tempfile::tempdir().unwrap();
        let s = make_dbs(d.path());
        let doc = s.read().unwrap();
        assert_eq!(doc.profiles().len(), 2);
        assert_eq!(doc.profile("anthropic:a").unwrap().credential.secret(), Some("t2"));
        assert_eq!(doc.order()["anthropic"], vec!["anthropic:b", "anthropic:a"]);
        assert_eq!(doc.order()["openai"], vec!["openai:x"]);
    }

    #[test]
    fn reads_create_no_files_of_their_own() {
        let d = tempfile::tempdir().unwrap();
        let s = make_dbs(d.path());
        let list = |p: &Path| {
            let mut v: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().flatten().map(|e| e.file_name()).collect();
            v.sort();
            v
        };
        let (a, b) = (list(&s.state_db), list(&s.agent_db));
        s.read().unwrap();
        assert_eq!((list(&s.state_db), list(&s.agent_db)), (a, b));
    }

    #[test]
    fn missing_databases_are_an_empty_store_and_garbage_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        let s = SqliteStore::new(d.path(), &d.path().join("agents/main/agent"));
        assert!(s.read().unwrap().profiles().is_empty());
        std::fs::create_dir_all(s.state_db.parent().unwrap()).unwrap();
        std::fs::write(&s.state_db, b"this is not a database, just text").unwrap();
        let e = s.read().unwrap_err();
        assert!(e.to_string().contains("openclaw.sqlite"), "{e}");
    }
}
