//! Writing the SQLite-era store (openclaw 2026.9.6) directly, the way the gateway's own writer
//! does (`runAuthProfileWriteTransaction` and `writePersistedAuthProfileStoreRaw`; measured in
//! `docs/notes-sqlite-writer.md`): in milliseconds instead of the 10–17 s its CLI takes.
//!
//! * Only a schema the differential tests prove ([`StateSchema`], [`AgentSchema`]) is written;
//!   for anything else [`preflight`] says why not, and the caller uses the gateway's CLI as before.
//! * The state database is written under the gateway's coordinator locks
//!   ([`super::sqlite_lock`]) and in one `BEGIN IMMEDIATE` transaction with the gateway's busy
//!   timeout; the agent database in its own `BEGIN IMMEDIATE` (the gateway takes no coordinator
//!   lock for it). Both are open while the edits are decided, from cells read inside those
//!   transactions, so a write of the gateway's in between is never lost.
//! * A cell is rewritten only if it changed, as compact JSON (`JSON.stringify`) with the time
//!   in ms; an emptied state cell is deleted, as the gateway does. Everything authtray does not
//!   understand in a cell is kept.
//! * The running gateway caches auth: the caller asks it to reload (`models.authRefresh`).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::{Map, Value};

use super::edit::Edit;
use super::sqlite_lock::{StateWriteLocks, LIFECYCLE_TIMEOUT};
use super::sqlite_store::{merge, parse, SqliteStore};
use super::store::StoreDoc;
use crate::error::{Error, Result};

/// `AUTHTRAY_SQLITE_WRITER=cli` sends every SQLite write through the gateway's CLI, as before
/// the direct writer existed.
pub(crate) const WRITER_VAR: &str = "AUTHTRAY_SQLITE_WRITER";

/// The gateway's `OPENCLAW_SQLITE_BUSY_TIMEOUT_MS`.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// What a direct write came to.
pub(crate) enum Direct<T> {
    /// Planned and applied (`changed`: whether any cell was rewritten).
    Done {
        /// What the plan returned.
        out: T,
        /// Whether a cell changed.
        changed: bool,
    },
    /// Planned, but the edits need what only the gateway can do (create the agent's
    /// database); nothing was written. The caller runs these edits through the CLI.
    Planned {
        /// What the plan returned.
        out: T,
        /// The edits to run.
        edits: Vec<Edit>,
        /// Why the CLI must do them.
        why: String,
    },
}

/// One store/state pair of cells, as a document (`profiles_doc` = the store cell, `state_doc` =
/// the state cell), with what was read so that only changed cells are written.
struct Cells {
    doc: StoreDoc,
    store_before: Option<Map<String, Value>>,
    state_before: Option<Map<String, Value>>,
}

impl Cells {
    fn new(store: Option<Map<String, Value>>, state: Option<Map<String, Value>>) -> Cells {
        let doc = StoreDoc { profiles_doc: store.clone().unwrap_or_else(empty_store), state_doc: state.clone(), accepts_aliases: true };
        Cells { doc, store_before: store, state_before: state }
    }

    /// The store cell to write, if it changed (an absent cell that is still empty stays absent,
    /// unless the state cell is written: the gateway creates both rows then).
    fn store_change(&self) -> Option<&Map<String, Value>> {
        let after = &self.doc.profiles_doc;
        match &self.store_before {
            Some(before) if before == after => None,
            None if *after == empty_store() && self.state_change().is_none() => None,
            _ => Some(after),
        }
    }

    /// The state cell to write: `Some(None)` deletes it (emptied), `Some(Some(_))` writes it.
    fn state_change(&self) -> Option<Option<&Map<String, Value>>> {
        let after = self.doc.state_doc.as_ref().filter(|s| s.keys().any(|k| k != "version"));
        match (&self.state_before, after) {
            (None, None) => None,
            (Some(_), None) => Some(None),
            (Some(before), Some(a)) if before == a => None,
            (_, Some(a)) => Some(Some(a)),
        }
    }

    fn changed(&self) -> bool {
        self.store_change().is_some() || self.state_change().is_some()
    }
}

fn empty_store() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("version".into(), Value::from(1));
    m.insert("profiles".into(), Value::Object(Map::new()));
    m
}

/// How often a write is begun when the gateway holds its databases past its own busy timeout
/// (a loaded machine), and the pauses between tries. Nothing is planned before the
/// transactions are open, so a try that cannot begin has changed nothing.
const BEGIN_TRIES: &[Duration] = &[Duration::ZERO, Duration::from_millis(250), Duration::from_millis(1000)];

/// Reads the cells inside write transactions, lets `plan` decide from what the gateway would
/// load, applies the edits and commits. See the module docs.
pub(crate) fn edit<T>(store: &SqliteStore, plan: impl FnOnce(&StoreDoc) -> Result<(T, Vec<Edit>)>) -> Result<Direct<T>> {
    edit_with(store, BEGIN_TRIES, plan)
}

fn edit_with<T>(store: &SqliteStore, pauses: &[Duration], plan: impl FnOnce(&StoreDoc) -> Result<(T, Vec<Edit>)>) -> Result<Direct<T>> {
    let session = Session::begin_patiently(store, pauses)?;
    let mut shared = SHARED.read(&session.state, &store.state_db)?;
    let mut agent = match &session.agent {
        Some(c) => Some(AGENT.read(c, &store.agent_db)?),
        None => None,
    };
    for cells in std::iter::once(&shared).chain(agent.as_ref()) {
        for cell in [Some(&cells.doc.profiles_doc), cells.doc.state_doc.as_ref()].into_iter().flatten() {
            check_version(cell, &store.state_db)?;
        }
    }

    let merged = merge(
        [shared.store_before.clone(), agent.as_ref().and_then(|a| a.store_before.clone())],
        [shared.state_before.clone(), agent.as_ref().and_then(|a| a.state_before.clone())],
    );
    let (out, edits) = plan(&merged)?;
    if edits.is_empty() {
        return Ok(Direct::Done { out, changed: false });
    }
    let shared_owner = is_shared_owner(store);
    let needs_agent_db = |e: &Edit| match e {
        Edit::SetOrder { .. } | Edit::ClearOrder { .. } => true,
        Edit::PutProfile { .. } => !shared_owner,
        _ => false,
    };
    if agent.is_none() && edits.iter().any(needs_agent_db) {
        return Ok(Direct::Planned {
            out,
            edits,
            why: "the agent's own database does not exist yet, and only the gateway creates it".into(),
        });
    }
    for e in &edits {
        apply(&mut shared, agent.as_mut(), shared_owner, e);
    }

    let now = crate::clock::now_ms();
    let shared_changed = shared.changed();
    SHARED.write(&session.state, &shared, now).map_err(db_err(&store.state_db))?;
    if let (Some(c), Some(cells)) = (&session.agent, &agent) {
        AGENT.write(c, cells, now).map_err(db_err(&store.agent_db))?;
    }
    crate::fsx::crash_point("sqlite-commit");
    // The shared credential first: an order naming it is then never ahead of it. A database the
    // edits left alone is not committed, so that it cannot fail after the other one has.
    commit(&session.state).map_err(db_err(&store.state_db))?;
    let agent_cells = agent.as_ref().filter(|a| a.changed());
    if let (Some(c), Some(cells)) = (&session.agent, agent_cells) {
        // Only an I/O failure (a full disk) can stop a commit while the write lock is held.
        commit(c).map_err(|e| half_written(store, shared_changed, cells, e))?;
    }
    Ok(Direct::Done { out, changed: shared_changed || agent_cells.is_some() })
}

/// The gateway's coordinator locks and both databases inside `BEGIN IMMEDIATE`, taken together;
/// dropping it rolls back whatever was not committed, then lets the locks go.
struct Session {
    // Field order is drop order: the connections close (rolling back) before the locks go.
    state: Connection,
    agent: Option<Connection>,
    _locks: StateWriteLocks,
}

impl Session {
    /// [`Session::begin`], tried again after each pause in `pauses` while the gateway keeps a
    /// lock or a database busy; the error, if it stays busy, says how long authtray waited.
    fn begin_patiently(store: &SqliteStore, pauses: &[Duration]) -> Result<Session> {
        let started = std::time::Instant::now();
        // At least one try, whatever the pauses.
        let mut pauses = pauses.iter().copied().peekable();
        loop {
            std::thread::sleep(pauses.next().unwrap_or_default());
            match Session::begin(store) {
                Err(Error::LockBusy { lock, .. }) if pauses.peek().is_some() => {
                    tracing::info!(lock = %lock.display(), "the gateway is busy with its database; trying again");
                }
                Err(Error::LockBusy { lock, holder, .. }) => {
                    let waited_ms = started.elapsed().as_millis().try_into().unwrap_or(u64::MAX);
                    return Err(Error::LockBusy { lock, holder, waited_ms });
                }
                other => return other,
            }
        }
    }

    fn begin(store: &SqliteStore) -> Result<Session> {
        crate::fsx::check_owner(&store.state_db)?;
        let locks = StateWriteLocks::acquire(&store.state_db, LIFECYCLE_TIMEOUT)?;
        let state = open(&store.state_db).map_err(db_err(&store.state_db))?;
        begin_immediate(&state).map_err(db_err(&store.state_db))?;
        StateSchema::check(&state).map_err(|why| changed_layout(&store.state_db, &why))?;
        let agent = match store.agent_db.is_file() {
            true => {
                crate::fsx::check_owner(&store.agent_db)?;
                let c = open(&store.agent_db).map_err(db_err(&store.agent_db))?;
                begin_immediate(&c).map_err(db_err(&store.agent_db))?;
                AgentSchema::check(&c).map_err(|why| changed_layout(&store.agent_db, &why))?;
                Some(c)
            }
            false => None,
        };
        Ok(Session { state, agent, _locks: locks })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for c in std::iter::once(&self.state).chain(self.agent.as_ref()) {
            if !c.is_autocommit() {
                // Closing the connection rolls back as well; this only makes it explicit.
                let _ = c.execute_batch("ROLLBACK");
            }
        }
    }
}

fn begin_immediate(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch("BEGIN IMMEDIATE")
}

fn commit(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch("COMMIT")
}

/// The agent database's commit failed after the shared one succeeded: say what is stored and
/// what is not, from the cells that were to change.
fn half_written(store: &SqliteStore, shared_written: bool, agent: &Cells, e: rusqlite::Error) -> Error {
    let done = match shared_written {
        true => format!("the credential itself was saved in {} and the gateway can use it, but ", store.state_db.display()),
        false => String::new(),
    };
    let lost = match (agent.store_change().is_some(), agent.state_change().is_some()) {
        (true, true) => "the agent's own copy of the credential and its order and cooldown state",
        (true, false) => "the agent's own copy of the credential",
        _ => "the agent's order and cooldown state",
    };
    Error::DatabaseWrite {
        path: store.agent_db.clone(),
        reason: format!("{done}{lost} could not be written: {e}. Free some disk space and run the same command again"),
    }
}

/// Whether the direct writer knows this store's layout; why not, when it does not. Checked
/// again inside the write transaction.
pub(crate) fn preflight(store: &SqliteStore) -> std::result::Result<(), String> {
    if !store.direct {
        return Err(format!("{WRITER_VAR}=cli asks for the gateway's CLI"));
    }
    if !store.state_db.is_file() {
        return Err("the state database does not exist yet".into());
    }
    // Other agents' writes go to their own databases, whose ownership rules the differential
    // tests do not cover yet: the gateway's CLI writes those.
    if !is_shared_owner(store) {
        return Err("only the main agent's writes are proven against the gateway's own".into());
    }
    StateSchema::check(&open_read_only(&store.state_db).map_err(|e| e.to_string())?)?;
    if store.agent_db.is_file() {
        AgentSchema::check(&open_read_only(&store.agent_db).map_err(|e| e.to_string())?)?;
    }
    Ok(())
}

/// The layout changed between [`preflight`] and the write (the gateway upgraded meanwhile).
fn changed_layout(db: &Path, why: &str) -> Error {
    Error::StoreParse { path: db.to_path_buf(), reason: format!("its layout changed while authtray was about to write ({why}); try again") }
}

/// Whether this is the main agent, whose credentials the gateway writes to the shared cells
/// (`prepareFreshSharedAuthStoreWrite`); every other agent's go to its own database.
fn is_shared_owner(store: &SqliteStore) -> bool {
    let main =
        store.state_db.parent().and_then(Path::parent).map(|state| state.join("agents/main/agent").join(super::sqlite_store::AGENT_DB));
    let real = |p: &Path| std::fs::canonicalize(p.parent().unwrap_or(p)).ok().map(|d| d.join(p.file_name().unwrap_or_default()));
    main.is_some_and(|m| m == store.agent_db || (real(&m).is_some() && real(&m) == real(&store.agent_db)))
}

/// Applies one edit to the cells where the gateway keeps its subject (`docs/notes-sqlite-writer.md` §1.3).
fn apply(shared: &mut Cells, mut agent: Option<&mut Cells>, shared_owner: bool, edit: &Edit) {
    match edit {
        // The main agent's credentials are the shared ones, every other agent's its own; an
        // agent-local profile shadows the shared one, so it is replaced where it is.
        Edit::PutProfile { id, record, .. } => match agent.filter(|a| !shared_owner || a.doc.raw_profile(id).is_some()) {
            Some(a) => a.doc.set_raw_profile(id, record.clone()),
            None => shared.doc.set_raw_profile(id, record.clone()),
        },
        Edit::RemoveProfile { id } => {
            for cells in std::iter::once(shared).chain(agent) {
                remove_profile(&mut cells.doc, id);
            }
        }
        Edit::SetOrder { provider, ids } => {
            if let Some(a) = agent {
                a.doc.set_order(provider, Some(ids.clone()), true);
            }
        }
        Edit::ClearOrder { provider } => {
            if let Some(a) = agent.as_deref_mut() {
                a.doc.set_order(provider, None, true);
            }
        }
        Edit::ClearFailures { id } | Edit::ClearRest { id } => {
            for cells in std::iter::once(shared).chain(agent) {
                if let Some(stats) = cells.doc.state_doc.as_mut().and_then(|s| s.get_mut("usageStats")).and_then(|u| u.get_mut(id)) {
                    if let Some(stats) = stats.as_object_mut() {
                        reset_failure_state(stats);
                    }
                }
            }
        }
    }
}

/// The gateway's logout (`removeProfileReferences`): the profile, its usage stats, its place in
/// every order and any `lastGood` naming it; emptied parts go.
fn remove_profile(doc: &mut StoreDoc, id: &str) {
    doc.remove_raw_profile(id);
    let Some(state) = doc.state_doc.as_mut() else { return };
    if let Some(order) = state.get_mut("order").and_then(Value::as_object_mut) {
        order.retain(|_, ids| ids.as_array().is_none_or(|a| !a.is_empty()));
    }
    if let Some(stats) = state.get_mut("usageStats").and_then(Value::as_object_mut) {
        stats.shift_remove(id);
    }
    if let Some(good) = state.get_mut("lastGood").and_then(Value::as_object_mut) {
        good.retain(|_, v| v.as_str() != Some(id));
    }
    state.retain(|k, v| {
        k == "version" || !matches!(v, Value::Object(m) if m.is_empty() && matches!(k.as_str(), "order" | "usageStats" | "lastGood"))
    });
}

/// `resetAuthProfileFailureState`: the error count back to 0, every cooldown, disabled and
/// blocked mark and the failure counts gone; `lastUsed`, `lastFailureAt`, `lastProbeAt` and
/// anything else stay. Only when there is something to reset.
fn reset_failure_state(stats: &mut Map<String, Value>) -> bool {
    let resting = |k: &str| k.starts_with("cooldown") || k.starts_with("disabled") || k.starts_with("blocked") || k == "failureCounts";
    let failing = stats.keys().any(|k| resting(k)) || stats.get("errorCount").and_then(Value::as_i64).is_some_and(|n| n != 0);
    if !failing {
        return false;
    }
    stats.retain(|k, _| !resting(k));
    stats.insert("errorCount".into(), Value::from(0));
    true
}

/// Refuses a cell of a version the gateway would not load either.
fn check_version(cell: &Map<String, Value>, db: &Path) -> Result<()> {
    match cell.get("version") {
        None => Ok(()),
        Some(v) if v.as_i64() == Some(1) => Ok(()),
        Some(v) => Err(Error::StoreParse { path: db.to_path_buf(), reason: format!("a stored auth document has version {v}, not 1") }),
    }
}

/// Where one database keeps its store/state pair of cells.
struct CellPair {
    store: Cell,
    state: Cell,
}

/// One row holding a JSON document.
struct Cell {
    table: &'static str,
    key_column: &'static str,
    key: &'static str,
    json_column: &'static str,
    stamp_column: &'static str,
}

/// The state database: the main agent's credentials, shared by every agent that has none of its own.
const SHARED: CellPair = CellPair {
    store: Cell {
        table: "config_machine_state",
        key_column: "state_key",
        key: "authProfiles.store",
        json_column: "value_json",
        stamp_column: "updated_at_ms",
    },
    state: Cell {
        table: "config_machine_state",
        key_column: "state_key",
        key: "authProfiles.state",
        json_column: "value_json",
        stamp_column: "updated_at_ms",
    },
};

/// An agent's own database: its credentials and its runtime state (order, usage, cooldowns).
const AGENT: CellPair = CellPair {
    store: Cell {
        table: "auth_profile_store",
        key_column: "store_key",
        key: "primary",
        json_column: "store_json",
        stamp_column: "updated_at",
    },
    state: Cell {
        table: "auth_profile_state",
        key_column: "state_key",
        key: "primary",
        json_column: "state_json",
        stamp_column: "updated_at",
    },
};

impl CellPair {
    fn read(&self, tx: &Connection, db: &Path) -> Result<Cells> {
        Ok(Cells::new(self.store.read(tx, db)?, self.state.read(tx, db)?))
    }

    /// Rewrites the cells that changed; an emptied state cell is deleted.
    fn write(&self, tx: &Connection, cells: &Cells, now: i64) -> rusqlite::Result<()> {
        if let Some(store) = cells.store_change() {
            self.store.upsert(tx, store, now)?;
        }
        match cells.state_change() {
            Some(Some(state)) => self.state.upsert(tx, state, now)?,
            Some(None) => self.state.delete(tx)?,
            None => {}
        }
        Ok(())
    }
}

impl Cell {
    fn read(&self, tx: &Connection, db: &Path) -> Result<Option<Map<String, Value>>> {
        let Cell { table, key_column, json_column, .. } = self;
        let sql = format!("SELECT {json_column} FROM {table} WHERE {key_column} = ?1");
        let v = tx.query_row(&sql, [self.key], |r| r.get::<_, String>(0)).optional().map_err(db_err(db))?;
        parse(db, v)
    }

    fn upsert(&self, tx: &Connection, doc: &Map<String, Value>, now: i64) -> rusqlite::Result<()> {
        let Cell { table, key_column, json_column, stamp_column, .. } = self;
        let sql = format!(
            "INSERT INTO {table} ({key_column}, {json_column}, {stamp_column}) VALUES (?1, ?2, ?3) \
             ON CONFLICT ({key_column}) DO UPDATE SET {json_column} = excluded.{json_column}, {stamp_column} = excluded.{stamp_column}"
        );
        tx.execute(&sql, rusqlite::params![self.key, compact(doc), now]).map(drop)
    }

    fn delete(&self, tx: &Connection) -> rusqlite::Result<()> {
        tx.execute(&format!("DELETE FROM {} WHERE {} = ?1", self.table, self.key_column), [self.key]).map(drop)
    }
}

/// `JSON.stringify` without indentation: what the gateway stores.
fn compact(m: &Map<String, Value>) -> String {
    // Serializing a map of JSON values cannot fail.
    serde_json::to_string(m).unwrap_or_default()
}

/// Opens a database for the layout check without any lock of the gateway's: read-only, and
/// `immutable` when the gateway's `-wal`/`-shm` are absent, so that closing it never checkpoints
/// or removes a WAL file (which only a holder of `state-handles` may do).
fn open_read_only(db: &Path) -> rusqlite::Result<Connection> {
    let immutable = !(super::sqlite_store::sidecar(db, "-wal").exists() && super::sqlite_store::sidecar(db, "-shm").exists());
    let uri = format!("file:{}?mode=ro{}", super::sqlite_store::uri_path(db), if immutable { "&immutable=1" } else { "" });
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Opens a database read-write (never creating it) with the gateway's connection settings.
fn open(db: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(db, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

/// Turns an SQLite failure on `db` into an error a person can act on.
fn db_err(db: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| write_error(db, e)
}

fn write_error(db: &Path, e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
        {
            Error::LockBusy { lock: db.to_path_buf(), holder: "the gateway".into(), waited_ms: BUSY_TIMEOUT.as_millis() as u64 }
        }
        _ => Error::DatabaseWrite { path: db.to_path_buf(), reason: format!("{e}; nothing was changed") },
    }
}

/// Whitespace-insensitive form of a `CREATE TABLE` statement.
fn squeeze(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn table_sql(c: &Connection, table: &str) -> std::result::Result<String, String> {
    c.query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |r| r.get::<_, String>(0))
        .optional()
        .map_err(|e| e.to_string())?
        .map(|s| squeeze(&s))
        .ok_or_else(|| format!("it has no table {table}"))
}

fn pragma_i64(c: &Connection, name: &str) -> std::result::Result<i64, String> {
    c.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0)).map_err(|e| e.to_string())
}

/// The state database layouts the differential tests prove (openclaw 2026.9.6: user_version 18).
pub(crate) struct StateSchema;

impl StateSchema {
    const USER_VERSIONS: [i64; 1] = [18];
    const TABLE: &'static str = "CREATE TABLE config_machine_state ( state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL ) STRICT";

    /// `Ok` when authtray writes this database the gateway's way; else why not.
    pub(crate) fn check(c: &Connection) -> std::result::Result<(), String> {
        let v = pragma_i64(c, "user_version")?;
        if !Self::USER_VERSIONS.contains(&v) {
            return Err(format!("its schema version {v} is not one authtray has been tested against"));
        }
        // From the file header (bytes 18 and 19 are 2 in WAL mode): an `immutable` read-only
        // connection reports its own journal mode, not the file's.
        let wal = c.path().map(|p| {
            let mut header = [0u8; 20];
            std::fs::File::open(p).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header)).is_ok()
                && header[18] == 2
                && header[19] == 2
        });
        if wal != Some(true) {
            return Err("it is not in the WAL mode of a local disk".into());
        }
        if table_sql(c, "config_machine_state")? != Self::TABLE {
            return Err("its config_machine_state table is not the one authtray has been tested against".into());
        }
        let owner: Option<String> = c
            .query_row("SELECT value_json FROM config_machine_state WHERE state_key = 'auth.sharedStore'", [], |r| r.get(0))
            .optional()
            .map_err(|e| e.to_string())?;
        let location = owner.as_deref().and_then(|j| serde_json::from_str::<Value>(j).ok());
        match location.as_ref().and_then(|v| v.get("location")).and_then(Value::as_str) {
            Some("state-db") => Ok(()),
            Some(other) => Err(format!("its shared credentials live in {other:?}, a layout authtray does not write directly")),
            None => Err("the gateway has not yet chosen where its shared credentials live".into()),
        }
    }
}

/// The agent database layouts the differential tests prove (openclaw 2026.9.6: user_version 23).
pub(crate) struct AgentSchema;

impl AgentSchema {
    const USER_VERSIONS: [i64; 1] = [23];
    const STORE: &'static str = "CREATE TABLE auth_profile_store ( store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL ) STRICT";
    const STATE: &'static str = "CREATE TABLE auth_profile_state ( state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL ) STRICT";

    /// `Ok` when authtray writes this database the gateway's way; else why not.
    pub(crate) fn check(c: &Connection) -> std::result::Result<(), String> {
        let v = pragma_i64(c, "user_version")?;
        if !Self::USER_VERSIONS.contains(&v) {
            return Err(format!("the agent database's schema version {v} is not one authtray has been tested against"));
        }
        if table_sql(c, "auth_profile_store")? != Self::STORE || table_sql(c, "auth_profile_state")? != Self::STATE {
            return Err("the agent database's auth tables are not the ones authtray has been tested against".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::TransactionBehavior;
    use serde_json::json;

    /// A state database and a main agent database laid out as openclaw 2026.9.6 lays them out
    /// (only the tables that matter), holding `shared`/`agent` as their auth cells.
    fn install(dir: &Path, agent_id: &str, shared: [Option<Value>; 2], agent: Option<[Option<Value>; 2]>) -> SqliteStore {
        let store = SqliteStore::new(dir, &dir.join("agents").join(agent_id).join("agent"));
        std::fs::create_dir_all(store.state_db.parent().unwrap()).unwrap();
        let c = Connection::open(&store.state_db).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA user_version = 18;
             CREATE TABLE config_machine_state (
      state_key TEXT NOT NULL PRIMARY KEY,
      value_json TEXT NOT NULL,
      updated_at_ms INTEGER NOT NULL
    ) STRICT;
             CREATE TABLE other (x TEXT);
             INSERT INTO config_machine_state VALUES ('auth.sharedStore', '{\"location\":\"state-db\"}', 1);",
        )
        .unwrap();
        for (key, v) in ["authProfiles.store", "authProfiles.state"].into_iter().zip(shared) {
            if let Some(v) = v {
                c.execute("INSERT INTO config_machine_state VALUES (?1, ?2, 1)", rusqlite::params![key, v.to_string()]).unwrap();
            }
        }
        if let Some([s, st]) = agent {
            std::fs::create_dir_all(store.agent_db.parent().unwrap()).unwrap();
            let c = Connection::open(&store.agent_db).unwrap();
            c.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA user_version = 23;
                 CREATE TABLE auth_profile_store (
  store_key TEXT NOT NULL PRIMARY KEY,
  store_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
                 CREATE TABLE auth_profile_state (
  state_key TEXT NOT NULL PRIMARY KEY,
  state_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;",
            )
            .unwrap();
            if let Some(s) = s {
                c.execute("INSERT INTO auth_profile_store VALUES ('primary', ?1, 1)", [s.to_string()]).unwrap();
            }
            if let Some(st) = st {
                c.execute("INSERT INTO auth_profile_state VALUES ('primary', ?1, 1)", [st.to_string()]).unwrap();
            }
        }
        store
    }

    fn cells(store: &SqliteStore) -> [Option<Value>; 4] {
        let get = |db: &Path, sql: &str| {
            if !db.exists() {
                return None;
            }
            let c = Connection::open(db).unwrap();
            c.query_row(sql, [], |r| r.get::<_, String>(0)).optional().unwrap().map(|s| serde_json::from_str(&s).unwrap())
        };
        [
            get(&store.state_db, "SELECT value_json FROM config_machine_state WHERE state_key = 'authProfiles.store'"),
            get(&store.state_db, "SELECT value_json FROM config_machine_state WHERE state_key = 'authProfiles.state'"),
            get(&store.agent_db, "SELECT store_json FROM auth_profile_store WHERE store_key = 'primary'"),
            get(&store.agent_db, "SELECT state_json FROM auth_profile_state WHERE state_key = 'primary'"),
        ]
    }

    fn token(t: &str) -> Map<String, Value> {
        json!({"type": "token", "provider": "anthropic", "token": t}).as_object().unwrap().clone()
    }

    fn run(store: &SqliteStore, edits: Vec<Edit>) -> Direct<()> {
        preflight(store).unwrap();
        edit(store, |_| Ok(((), edits))).unwrap()
    }

    fn changed(d: Direct<()>) -> bool {
        match d {
            Direct::Done { changed, .. } => changed,
            Direct::Planned { why, .. } => panic!("fell back: {why}"),
        }
    }

    #[test]
    fn the_main_agents_paste_goes_to_the_shared_cell_and_clears_its_cooldown_everywhere() {
        let d = tempfile::tempdir().unwrap();
        let stats = json!({"lastUsed": 5, "cooldownUntil": 99, "cooldownReason": "auth", "errorCount": 3, "failureCounts": {"auth": 3}, "lastFailureAt": 7, "blockedUntil": 8, "later": "kept"});
        let s = install(
            d.path(),
            "main",
            [
                Some(
                    json!({"version": 1, "profiles": {"anthropic:a": {"type": "token", "provider": "anthropic", "token": "old", "futureField": 1}}}),
                ),
                Some(json!({"version": 1, "usageStats": {"anthropic:a": stats, "anthropic:z": {"errorCount": 1, "cooldownUntil": 5}}})),
            ],
            Some([
                None,
                Some(
                    json!({"version": 1, "usageStats": {"anthropic:a": {"errorCount": 2, "disabledUntil": 9, "disabledReason": "billing"}}}),
                ),
            ]),
        );
        let put = Edit::PutProfile { id: "anthropic:a".into(), record: token("new"), hard_expiry: false };
        assert!(changed(run(&s, vec![put, Edit::ClearFailures { id: "anthropic:a".into() }])));
        let [store, state, agent_store, agent_state] = cells(&s);
        assert_eq!(store.unwrap()["profiles"]["anthropic:a"], json!({"type": "token", "provider": "anthropic", "token": "new"}));
        assert_eq!(
            state.unwrap()["usageStats"],
            json!({"anthropic:a": {"lastUsed": 5, "lastFailureAt": 7, "later": "kept", "errorCount": 0}, "anthropic:z": {"errorCount": 1, "cooldownUntil": 5}}),
            "the gateway's resetAuthProfileFailureState, for that profile only"
        );
        assert_eq!(agent_state.unwrap()["usageStats"]["anthropic:a"], json!({"errorCount": 0}));
        assert_eq!(agent_store, Some(json!({"version": 1, "profiles": {}})), "created with its state row, as the gateway does");
        // Unchanged the second time: nothing rewritten.
        let put = Edit::PutProfile { id: "anthropic:a".into(), record: token("new"), hard_expiry: false };
        assert!(!changed(run(&s, vec![put, Edit::ClearFailures { id: "anthropic:a".into() }])));
    }

    #[test]
    fn another_agents_paste_goes_to_its_own_database_and_waits_for_the_gateway_to_create_it() {
        let d = tempfile::tempdir().unwrap();
        let s = install(d.path(), "work", [Some(json!({"version": 1, "profiles": {}})), None], None);
        let put = || Edit::PutProfile { id: "anthropic:w".into(), record: token("w"), hard_expiry: false };
        assert!(preflight(&s).unwrap_err().contains("main agent"), "not proven yet: the CLI writes other agents");
        let run = |s: &SqliteStore, edits: Vec<Edit>| edit(s, |_| Ok(((), edits))).unwrap();
        assert!(matches!(run(&s, vec![put()]), Direct::Planned { .. }), "no agent database yet: the CLI creates it");
        assert_eq!(cells(&s)[0], Some(json!({"version": 1, "profiles": {}})), "nothing written before the fallback");
        let s = install(&d.path().join("2"), "work", [None, None], Some([None, None]));
        assert!(changed(run(&s, vec![put()])));
        let [store, state, agent_store, agent_state] = cells(&s);
        assert_eq!((store, state, agent_state), (None, None, None));
        assert_eq!(agent_store.unwrap()["profiles"]["anthropic:w"]["token"], "w");
    }

    #[test]
    fn an_order_lives_in_the_agent_database_and_its_last_clear_deletes_the_row() {
        let d = tempfile::tempdir().unwrap();
        let s = install(d.path(), "main", [Some(json!({"version": 1, "profiles": {}})), None], Some([None, None]));
        let set = Edit::SetOrder { provider: "anthropic".into(), ids: vec!["anthropic:b".into(), "anthropic:a".into()] };
        assert!(changed(run(&s, vec![set])));
        let [_, shared_state, agent_store, agent_state] = cells(&s);
        assert_eq!(shared_state, None);
        assert_eq!(agent_store, Some(json!({"version": 1, "profiles": {}})), "created with the state row, as the gateway does");
        assert_eq!(agent_state, Some(json!({"version": 1, "order": {"anthropic": ["anthropic:b", "anthropic:a"]}})));
        assert!(changed(run(&s, vec![Edit::ClearOrder { provider: "anthropic".into() }])));
        let [_, _, agent_store, agent_state] = cells(&s);
        assert_eq!((agent_store.is_some(), agent_state), (true, None));
    }

    #[test]
    fn a_removal_takes_the_profile_and_every_reference_to_it_and_keeps_the_rest() {
        let d = tempfile::tempdir().unwrap();
        let s = install(
            d.path(),
            "main",
            [
                Some(json!({"version": 1, "profiles": {"anthropic:a": token("a"), "anthropic:b": token("b")}, "extra": true})),
                Some(
                    json!({"version": 1, "order": {"anthropic": ["anthropic:a"]}, "lastGood": {"anthropic": "anthropic:a"}, "usageStats": {"anthropic:a": {"errorCount": 0}}}),
                ),
            ],
            Some([None, Some(json!({"version": 1, "order": {"anthropic": ["anthropic:a", "anthropic:b"]}}))]),
        );
        assert!(changed(run(&s, vec![Edit::RemoveProfile { id: "anthropic:a".into() }])));
        let [store, state, _, agent_state] = cells(&s);
        assert_eq!(store, Some(json!({"version": 1, "profiles": {"anthropic:b": token("b")}, "extra": true})));
        assert_eq!(state, None, "emptied: deleted, as the gateway does");
        assert_eq!(agent_state, Some(json!({"version": 1, "order": {"anthropic": ["anthropic:b"]}})));
    }

    #[test]
    fn only_the_tested_layout_is_written_directly() {
        let d = tempfile::tempdir().unwrap();
        let s = install(d.path(), "main", [None, None], None);
        assert!(preflight(&s).is_ok());
        let c = Connection::open(&s.state_db).unwrap();
        c.execute_batch("PRAGMA user_version = 19").unwrap();
        assert!(preflight(&s).unwrap_err().contains("schema version 19"));
        c.execute_batch("PRAGMA user_version = 18; UPDATE config_machine_state SET value_json = '{\"location\":\"legacy-main\"}'").unwrap();
        assert!(preflight(&s).unwrap_err().contains("legacy-main"));
        c.execute_batch("DELETE FROM config_machine_state").unwrap();
        assert!(preflight(&s).unwrap_err().contains("not yet chosen"));
        c.execute_batch(
            "INSERT INTO config_machine_state VALUES ('auth.sharedStore', '{\"location\":\"state-db\"}', 1); PRAGMA journal_mode = DELETE",
        )
        .unwrap();
        assert!(preflight(&s).unwrap_err().contains("WAL mode"));
        let s = install(&d.path().join("2"), "main", [None, None], Some([None, None]));
        Connection::open(&s.agent_db).unwrap().execute_batch("ALTER TABLE auth_profile_state ADD COLUMN lease TEXT").unwrap();
        assert!(preflight(&s).unwrap_err().contains("auth tables"));
        assert!(preflight(&SqliteStore::new(&d.path().join("none"), &d.path().join("none/agents/main/agent"))).is_err());
    }

    #[test]
    fn a_cell_the_gateway_would_not_load_is_refused_untouched() {
        let d = tempfile::tempdir().unwrap();
        let s = install(d.path(), "main", [Some(json!({"version": 2, "profiles": {}})), None], None);
        let put = Edit::PutProfile { id: "anthropic:a".into(), record: token("a"), hard_expiry: false };
        let e = edit(&s, |_| Ok(((), vec![put.clone()]))).err().unwrap();
        assert!(e.to_string().contains("version 2"), "{e}");
        Connection::open(&s.state_db)
            .unwrap()
            .execute("UPDATE config_machine_state SET value_json = 'not json' WHERE state_key = 'authProfiles.store'", [])
            .unwrap();
        let e = edit(&s, |_| Ok(((), vec![put]))).err().unwrap();
        assert!(matches!(e, Error::StoreParse { .. }), "{e}");
        assert_eq!(cells_raw(&s), "not json");
    }

    fn cells_raw(s: &SqliteStore) -> String {
        Connection::open(&s.state_db)
            .unwrap()
            .query_row("SELECT value_json FROM config_machine_state WHERE state_key = 'authProfiles.store'", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn the_plan_decides_from_cells_read_inside_the_transaction() {
        let d = tempfile::tempdir().unwrap();
        let s = install(
            d.path(),
            "main",
            [Some(json!({"version": 1, "profiles": {"anthropic:a": token("shared")}})), None],
            Some([Some(json!({"version": 1, "profiles": {"anthropic:a": token("local")}})), None]),
        );
        let seen = match edit(&s, |doc| Ok((doc.profile("anthropic:a").and_then(|p| p.credential.secret().map(str::to_string)), vec![])))
            .unwrap()
        {
            Direct::Done { out, .. } => out,
            Direct::Planned { .. } => unreachable!(),
        };
        assert_eq!(seen.as_deref(), Some("local"), "the gateway's merged view: the agent's copy wins");
        // And a put replaces the copy the gateway uses.
        assert!(changed(run(&s, vec![Edit::PutProfile { id: "anthropic:a".into(), record: token("new"), hard_expiry: false }])));
        let [store, _, agent_store, _] = cells(&s);
        assert_eq!(store.unwrap()["profiles"]["anthropic:a"]["token"], "shared");
        assert_eq!(agent_store.unwrap()["profiles"]["anthropic:a"]["token"], "new");
    }

    #[test]
    fn a_busy_database_is_waited_for_and_then_a_clear_error() {
        let d = tempfile::tempdir().unwrap();
        let s = install(d.path(), "main", [None, None], None);
        let mut holder = Connection::open(&s.state_db).unwrap();
        let tx = holder.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
        let started = std::time::Instant::now();
        let put = || vec![Edit::PutProfile { id: "anthropic:a".into(), record: token("a"), hard_expiry: false }];
        let mut planned = false;
        let e = edit_with(&s, &[Duration::ZERO, Duration::from_millis(10)], |_| {
            planned = true;
            Ok(((), put()))
        })
        .err()
        .unwrap();
        assert!(matches!(e, Error::LockBusy { waited_ms, .. } if waited_ms >= 9_000), "{e}");
        assert!(started.elapsed() >= Duration::from_secs(9), "the gateway's 5 s busy timeout, twice");
        assert!(!planned, "nothing is decided before the transactions are open");
        drop(tx);
        assert!(changed(run(&s, put())));
    }

    #[test]
    fn a_database_the_gateway_holds_past_its_busy_timeout_is_tried_again() {
        let d = tempfile::tempdir().unwrap();
        let s = install(d.path(), "main", [None, None], Some([None, None]));
        let agent_db = s.agent_db.clone();
        let (held, release) = std::sync::mpsc::channel();
        let holder = std::thread::spawn(move || {
            let mut c = Connection::open(agent_db).unwrap();
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
            held.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(5_600));
            drop(tx);
        });
        release.recv().unwrap();
        let d = edit(&s, |_| Ok(((), vec![Edit::SetOrder { provider: "anthropic".into(), ids: vec!["anthropic:a".into()] }])));
        holder.join().unwrap();
        assert!(changed(d.unwrap()), "written on the second try");
        assert_eq!(cells(&s)[3].as_ref().unwrap()["order"]["anthropic"], json!(["anthropic:a"]));
    }
}
