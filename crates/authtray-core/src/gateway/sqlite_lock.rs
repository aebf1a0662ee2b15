//! The SQLite-era gateway's cross-process coordinator locks, taken the way openclaw 2026.9.6
//! takes them (`sqlite-coordinator-*.mjs`, measured in `docs/notes-sqlite-writer.md` §2.3).
//!
//! Each lock is an empty SQLite database in `/tmp/openclaw-state-locks-<uid>/`, named
//! `<family>.<first 8 hex of sha256(realpath of the state database)>.lock.sqlite`. The lock
//! itself is SQLite's own file lock on it: an exclusive one is `BEGIN EXCLUSIVE`, a shared one a
//! read transaction. The OS drops both when the holder dies, so there is never a stale lock to
//! clean up.
//!
//! A shared-state write holds `state-lifecycle` exclusively (which queues it behind the
//! gateway's own writes and keeps it out of a file replacement or WAL maintenance), then
//! `state-handles` shared (which says a connection is open, so nobody swaps the file away).

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// How long the gateway waits for `state-lifecycle` (`OPENCLAW_SQLITE_BUSY_TIMEOUT_MS`).
pub(crate) const LIFECYCLE_TIMEOUT: Duration = Duration::from_millis(5000);

/// The coordinator locks one shared-state write holds, released in reverse order on drop.
pub(crate) struct StateWriteLocks {
    // Field order is drop order: handles first, then lifecycle.
    _handles: HeldLock,
    _lifecycle: HeldLock,
}

impl StateWriteLocks {
    /// Takes `state-lifecycle` exclusively (waiting up to `timeout`) and then `state-handles`
    /// shared (not waiting: only a file replacement holds it exclusively, and that runs under
    /// `state-lifecycle`).
    pub(crate) fn acquire(state_db: &Path, timeout: Duration) -> Result<StateWriteLocks> {
        let dir = lock_dir()?;
        let hash = db_hash(state_db)?;
        let lifecycle = HeldLock::take(&dir.join(format!("state-lifecycle.{hash}.lock.sqlite")), Mode::Exclusive, timeout)?;
        let handles = HeldLock::take(&dir.join(format!("state-handles.{hash}.lock.sqlite")), Mode::Shared, Duration::ZERO)?;
        Ok(StateWriteLocks { _handles: handles, _lifecycle: lifecycle })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Exclusive,
    Shared,
}

/// One coordinator lock, held for as long as its connection has a transaction open.
struct HeldLock {
    conn: Connection,
}

impl HeldLock {
    fn take(path: &Path, mode: Mode, timeout: Duration) -> Result<HeldLock> {
        let started = Instant::now();
        let fail = |e: rusqlite::Error| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy => Error::LockBusy {
                lock: path.to_path_buf(),
                holder: "the gateway (a write, a database maintenance or a file replacement)".into(),
                waited_ms: started.elapsed().as_millis().try_into().unwrap_or(u64::MAX),
            },
            e => Error::LockBlocked { lock: path.to_path_buf(), reason: e.to_string() },
        };
        if std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
            return Err(Error::LockBlocked {
                lock: path.to_path_buf(),
                reason: "it is not a plain file; remove it (the gateway recreates it)".into(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(fail)?;
        conn.busy_timeout(timeout).map_err(fail)?;
        // The lock file stays empty: no journal file next to it, no schema.
        let _: String = conn.query_row("PRAGMA journal_mode = MEMORY", [], |r| r.get(0)).map_err(fail)?;
        match mode {
            Mode::Exclusive => conn.execute_batch("BEGIN EXCLUSIVE").map_err(fail)?,
            Mode::Shared => {
                conn.execute_batch("BEGIN").map_err(fail)?;
                match conn.query_row("SELECT rootpage FROM sqlite_schema LIMIT 1", [], |_| Ok(())) {
                    Ok(()) | Err(rusqlite::Error::QueryReturnedNoRows) => {}
                    Err(e) => return Err(fail(e)),
                }
            }
        }
        Ok(HeldLock { conn })
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        // Closing the connection would release the lock too; the rollback says so explicitly.
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}

/// `/tmp/openclaw-state-locks-<uid>`: `/tmp` even when `TMPDIR` says otherwise, as the gateway
/// hard-codes it. Created 0700 when missing; refused when another user owns it (they could
/// otherwise hold authtray's locks, or swap the files), or when it is a link.
fn lock_dir() -> Result<PathBuf> {
    // SAFETY: geteuid takes nothing and cannot fail.
    let me = unsafe { libc::geteuid() };
    let dir = PathBuf::from(format!("/tmp/openclaw-state-locks-{me}"));
    if let Err(e) = std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            return Err(Error::io("create directory", &dir, e));
        }
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| Error::io("inspect", &dir, e))?;
    if !meta.is_dir() {
        return Err(Error::LockBlocked { lock: dir, reason: "it is not a directory; remove it (the gateway recreates it)".into() });
    }
    if meta.uid() != me {
        return Err(Error::NotOwned { path: dir, owner: meta.uid(), me });
    }
    if meta.mode() & 0o077 != 0 {
        return Err(Error::LockBlocked {
            lock: dir,
            reason: "other users can write to it; remove it (the gateway recreates it with mode 0700)".into(),
        });
    }
    Ok(dir)
}

/// The first 8 hex digits of the SHA-256 of the database's real path, as the gateway names
/// its lock files.
fn db_hash(db: &Path) -> Result<String> {
    let real = std::fs::canonicalize(db).map_err(|e| Error::io("resolve", db, e))?;
    Ok(crate::digest::short_sha256_hex(real.as_os_str().as_encoded_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_of_the_real_path() {
        // The digest itself is pinned against the gateway's measured lock name in `digest`.
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("openclaw.sqlite");
        std::fs::write(&real, b"").unwrap();
        let canonical = std::fs::canonicalize(&real).unwrap();
        assert_eq!(db_hash(&real).unwrap(), crate::digest::short_sha256_hex(canonical.as_os_str().as_encoded_bytes()));
        // A link to the database names the same lock.
        let link = d.path().join("link.sqlite");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(db_hash(&link).unwrap(), db_hash(&real).unwrap());
    }

    #[test]
    fn a_second_writer_waits_for_the_first_and_gives_up_with_a_clear_error() {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("openclaw.sqlite");
        std::fs::write(&db, b"").unwrap();
        let first = StateWriteLocks::acquire(&db, Duration::from_millis(100)).unwrap();
        // Another connection (the gateway, in real life) cannot take it meanwhile.
        let e = StateWriteLocks::acquire(&db, Duration::from_millis(100)).err().unwrap();
        assert!(matches!(e, Error::LockBusy { .. }), "{e}");
        assert!(e.to_string().contains("state-lifecycle"), "{e}");
        drop(first);
        StateWriteLocks::acquire(&db, Duration::from_millis(100)).unwrap();
        // The lock files stay empty, as the gateway's do.
        let dir = lock_dir().unwrap();
        let hash = db_hash(&db).unwrap();
        for family in ["state-lifecycle", "state-handles"] {
            let p = dir.join(format!("{family}.{hash}.lock.sqlite"));
            assert_eq!(std::fs::metadata(&p).unwrap().len(), 0, "{}", p.display());
            let _ = std::fs::remove_file(p);
        }
    }

    #[test]
    fn a_held_handles_lock_in_exclusive_mode_refuses_at_once() {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("openclaw.sqlite");
        std::fs::write(&db, b"").unwrap();
        let dir = lock_dir().unwrap();
        let hash = db_hash(&db).unwrap();
        let replacing = HeldLock::take(&dir.join(format!("state-handles.{hash}.lock.sqlite")), Mode::Exclusive, Duration::ZERO).unwrap();
        let started = Instant::now();
        assert!(matches!(StateWriteLocks::acquire(&db, Duration::from_secs(5)), Err(Error::LockBusy { .. })));
        assert!(started.elapsed() < Duration::from_secs(4), "the handles lock is not waited for");
        drop(replacing);
        for family in ["state-lifecycle", "state-handles"] {
            let _ = std::fs::remove_file(dir.join(format!("{family}.{hash}.lock.sqlite")));
        }
    }
}
