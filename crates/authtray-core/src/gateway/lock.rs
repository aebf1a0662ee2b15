//! The gateway's two lock protocols for JSON stores, implemented so that authtray and the
//! gateway exclude each other.
//!
//! * [`LockKind::Directory`] — proper-lockfile (clawdbot, openclaw before 2026.2.13): `mkdir`
//!   of `<store>.lock`; a lock whose mtime is older than 30 s is stale and removed.
//! * [`LockKind::PidFile`] — openclaw 2026.2.13+: a regular file created `O_EXCL` holding
//!   `{"pid","createdAt","starttime"}`; reclaimed when its pid is dead (or reused), or, without
//!   a pid, when `createdAt` is unreadable or older than 30 s.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::clock;
use crate::error::{Error, Result};

/// After this long without a heartbeat a lock is considered abandoned (both protocols).
pub const STALE_AFTER: Duration = Duration::from_secs(30);

/// How long a writer waits for a busy lock by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which protocol a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockKind {
    /// proper-lockfile directory lock.
    Directory,
    /// O_EXCL regular file with the holder's pid.
    PidFile,
}

/// A held lock; released (removed) when dropped, on every path including errors.
#[derive(Debug)]
pub struct LockGuard {
    path: PathBuf,
    kind: LockKind,
    // Kept open while held, as the gateway does.
    _file: Option<fs::File>,
}

impl LockGuard {
    /// The lock's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = match self.kind {
            LockKind::Directory => fs::remove_dir(&self.path),
            LockKind::PidFile => fs::remove_file(&self.path),
        };
    }
}

/// The lock path for a store file: `<realpath(dir)>/<name>.lock` (the gateway resolves
/// symlinks first, so a store linked into several agents has one lock).
pub fn lock_path_for(store: &Path) -> PathBuf {
    let target = crate::fsx::write_target(store).unwrap_or_else(|_| store.to_path_buf());
    let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = fs::canonicalize(&dir).unwrap_or(dir);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dir.join(format!("{name}.lock"))
}

/// Takes the lock for `store`, waiting with exponential backoff up to `timeout`.
pub fn acquire(kind: LockKind, store: &Path, timeout: Duration) -> Result<LockGuard> {
    let path = lock_path_for(store);
    let start = Instant::now();
    let mut delay = Duration::from_millis(25);
    let mut busy_since: Option<String> = None;
    loop {
        match try_acquire(kind, &path)? {
            Attempt::Held(guard) => {
                if let Some(holder) = busy_since {
                    tracing::info!(lock = %path.display(), waited_ms = start.elapsed().as_millis() as u64, %holder, "store lock was busy; waited for it");
                }
                return Ok(guard);
            }
            Attempt::Busy(holder) => {
                busy_since.get_or_insert_with(|| holder.clone());
                let waited = start.elapsed();
                if waited >= timeout {
                    return Err(Error::LockBusy { lock: path, holder, waited_ms: waited.as_millis() as u64 });
                }
                std::thread::sleep(jitter(delay).min(timeout.saturating_sub(waited)));
                delay = (delay * 2).min(Duration::from_millis(1000));
            }
        }
    }
}

enum Attempt {
    Held(LockGuard),
    Busy(String),
}

fn try_acquire(kind: LockKind, path: &Path) -> Result<Attempt> {
    match kind {
        LockKind::Directory => try_dir(path),
        LockKind::PidFile => try_pid_file(path),
    }
}

fn try_dir(path: &Path) -> Result<Attempt> {
    match fs::create_dir(path) {
        Ok(()) => return Ok(Attempt::Held(LockGuard { path: path.to_path_buf(), kind: LockKind::Directory, _file: None })),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("create the lock directory", path, e)),
    }
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        // Released between our mkdir and stat: try again at once.
        Err(_) => return Ok(Attempt::Busy("a writer that just released it".into())),
    };
    refuse_foreign_node(path, &meta)?;
    if !meta.is_dir() {
        // A newer gateway's pid-file lock in an older store: the old protocol can never take
        // it over, so report what it is instead of waiting in vain.
        let holder = describe_pid_file(path).unwrap_or_else(|| "an unreadable lock file".into());
        if let Some(h) = read_pid_file(path) {
            if h.is_dead() {
                return Err(Error::LockBlocked {
                    lock: path.to_path_buf(),
                    reason: format!("a regular lock file left by {holder}, a process that no longer runs, blocks this directory-lock store; remove the file"),
                });
            }
        }
        return Ok(Attempt::Busy(format!("{holder} (a lock file, not the directory lock this store uses)")));
    }
    let age = age_of(&meta);
    if age > STALE_AFTER {
        // proper-lockfile's takeover: remove the stale directory; the caller retries at once.
        reclaim(path, &meta);
        return Ok(Attempt::Busy("a stale directory lock (removed)".into()));
    }
    Ok(Attempt::Busy(format!("another process (directory lock, last refreshed {} s ago)", age.as_secs())))
}

fn try_pid_file(path: &Path) -> Result<Attempt> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true).mode(0o600);
    match opts.open(path) {
        Ok(mut f) => {
            let body = own_lock_body();
            if let Err(e) = f.write_all(body.as_bytes()).and_then(|_| f.sync_all()) {
                let _ = fs::remove_file(path);
                return Err(Error::io("write the lock file", path, e));
            }
            return Ok(Attempt::Held(LockGuard { path: path.to_path_buf(), kind: LockKind::PidFile, _file: Some(f) }));
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("create the lock file", path, e)),
    }
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(_) => return Ok(Attempt::Busy("a writer that just released it".into())),
    };
    refuse_foreign_node(path, &meta)?;
    if meta.is_dir() {
        // An older gateway (before 2026.2.13) holds its directory lock here.
        let age = age_of(&meta);
        if age > STALE_AFTER {
            reclaim(path, &meta);
            return Ok(Attempt::Busy("a stale directory lock, just removed".into()));
        }
        return Ok(Attempt::Busy(format!("an older gateway's directory lock (refreshed {} s ago)", age.as_secs())));
    }
    match read_pid_file(path) {
        Some(h) if h.is_reclaimable() => {
            reclaim(path, &meta);
            Ok(Attempt::Busy(format!("{} (stale, just removed)", h.describe())))
        }
        Some(h) => Ok(Attempt::Busy(h.describe())),
        None => {
            // Empty or garbled: a creator may be between open and write. Give it a moment,
            // then treat it as the gateway does (no pid, no date: stale).
            if age_of(&meta) > Duration::from_secs(2) {
                reclaim(path, &meta);
                Ok(Attempt::Busy("an unreadable lock file (removed)".into()))
            } else {
                Ok(Attempt::Busy("a lock file being created".into()))
            }
        }
    }
}

/// Removes a lock judged stale from `judged` (its metadata when it was judged), and only that
/// lock. Two waiters may judge the same lock stale; the first removes it and takes a new one,
/// which the second must not remove in turn. So the lock is first renamed away (atomic: we get
/// exactly one node), then compared with the one judged; a different one is put back.
fn reclaim(path: &Path, judged: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let Ok(id) = crate::vault::random_id() else { return };
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".stale-{id}"));
    let aside = PathBuf::from(aside);
    if fs::rename(path, &aside).is_err() {
        // Gone already: someone else reclaimed or released it.
        return;
    }
    let taken = fs::symlink_metadata(&aside);
    // Inode numbers are reused; the modification time tells a new lock in a reused inode apart.
    let same = taken
        .as_ref()
        .is_ok_and(|m| (m.dev(), m.ino(), m.mtime(), m.mtime_nsec()) == (judged.dev(), judged.ino(), judged.mtime(), judged.mtime_nsec()));
    let is_dir = taken.as_ref().is_ok_and(|m| m.is_dir());
    if same {
        let _ = if is_dir { fs::remove_dir(&aside) } else { fs::remove_file(&aside) };
        return;
    }
    // A live lock taken after ours was judged: put it back without replacing a third one.
    if rename_no_replace(&aside, path).is_err() {
        tracing::warn!(lock = %path.display(), "a lock was taken while a stale one was being removed; left it at {}", aside.display());
    }
}

/// `rename` that fails instead of replacing an existing `to`.
fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).map_err(std::io::Error::other);
    let (f, t) = (c(from)?, c(to)?);
    #[cfg(target_os = "linux")]
    // SAFETY: both paths are NUL-terminated and live across the call.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, f.as_ptr(), libc::AT_FDCWD, t.as_ptr(), libc::RENAME_NOREPLACE) };
    #[cfg(target_os = "macos")]
    // SAFETY: as above.
    let rc = unsafe { libc::renamex_np(f.as_ptr(), t.as_ptr(), libc::RENAME_EXCL) };
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    let rc = {
        // SAFETY: as above. A hard link never replaces; directories cannot be linked.
        let linked = unsafe { libc::link(f.as_ptr(), t.as_ptr()) };
        if linked == 0 {
            unsafe { libc::unlink(f.as_ptr()) }
        } else {
            linked
        }
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Neither protocol makes anything but a directory or a regular file at the lock path, and
/// neither would ever remove anything else: a FIFO, socket, device or symlink there is for a
/// person to look at, not for us to wait on until the timeout or to delete.
fn refuse_foreign_node(path: &Path, meta: &fs::Metadata) -> Result<()> {
    let t = meta.file_type();
    if t.is_dir() || t.is_file() {
        return Ok(());
    }
    let what = if t.is_symlink() { "a symbolic link" } else { "a special file (FIFO, socket or device)" };
    Err(Error::LockBlocked {
        lock: path.to_path_buf(),
        reason: format!("{what} sits where the lock belongs; no gateway makes that, remove it"),
    })
}

/// The body of our own pid-file lock, as openclaw 2026.5.28 writes it.
fn own_lock_body() -> String {
    let pid = std::process::id();
    let mut body = serde_json::json!({ "pid": pid, "createdAt": clock::iso(clock::now_ms()) });
    if let Some(st) = process_starttime(pid) {
        body["starttime"] = st.into();
    }
    format!("{}\n", serde_json::to_string_pretty(&body).unwrap_or_default())
}

/// What a pid-file lock says about its holder.
#[derive(Debug, Clone)]
pub struct PidFileHolder {
    pid: Option<i64>,
    created_at: Option<i64>,
    starttime: Option<u64>,
}

impl PidFileHolder {
    fn describe(&self) -> String {
        let who = match self.pid {
            Some(p) => format!("pid {p}"),
            None => "an unknown process".into(),
        };
        match self.created_at {
            Some(t) => format!("{who} (since {})", clock::iso(t)),
            None => who,
        }
    }

    fn is_dead(&self) -> bool {
        match self.pid {
            Some(pid) if pid > 0 && pid <= i32::MAX as i64 => {
                let pid = pid as i32;
                if !process_alive(pid) {
                    return true;
                }
                matches!((self.starttime, process_starttime(pid as u32)), (Some(a), Some(b)) if a != b)
            }
            _ => false,
        }
    }

    fn is_reclaimable(&self) -> bool {
        match self.pid {
            Some(_) => self.is_dead(),
            None => match self.created_at {
                Some(t) => clock::now_ms() - t > STALE_AFTER.as_millis() as i64,
                None => true,
            },
        }
    }
}

fn read_pid_file(path: &Path) -> Option<PidFileHolder> {
    // Never a blocking read: a FIFO at the lock path must not hang us past the lock timeout.
    let bytes = crate::fsx::read_regular(path, crate::fsx::Follow::NoSymlinks).ok()??;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let obj = v.as_object()?;
    Some(PidFileHolder {
        pid: obj.get("pid").and_then(|p| p.as_i64()),
        created_at: obj.get("createdAt").and_then(|c| c.as_str()).and_then(clock::parse_iso),
        starttime: obj.get("starttime").and_then(|s| s.as_u64()),
    })
}

fn describe_pid_file(path: &Path) -> Option<String> {
    read_pid_file(path).map(|h| h.describe())
}

fn age_of(meta: &fs::Metadata) -> Duration {
    meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok()).unwrap_or_default()
}

fn jitter(d: Duration) -> Duration {
    // Randomise a little so that waiting writers do not retry in lockstep.
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|t| t.subsec_nanos()).unwrap_or(0);
    d + Duration::from_millis(u64::from(nanos % 17))
}

/// Whether a process exists and is not a zombie.
fn process_alive(pid: i32) -> bool {
    let rc = unsafe { libc::kill(pid, 0) };
    if rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
        return false;
    }
    // A zombie still answers kill(0); the gateway treats it as dead.
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat_fields(&stat).and_then(|f| f.first().copied()) != Some("Z"),
        Err(_) => true,
    }
}

/// Field 22 of `/proc/<pid>/stat`: start time in clock ticks since boot (Linux only).
fn process_starttime(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_fields(&stat)?.get(19)?.parse().ok()
}

/// Fields after the `(comm)` of a stat line; index 0 is field 3 (state).
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    fn store_in(d: &Path) -> PathBuf {
        let p = d.join("auth-profiles.json");
        fs::write(&p, "{}").unwrap();
        p
    }

    #[test]
    fn directory_lock_excludes_and_releases() {
        let d = tempfile::tempdir().unwrap();
        let store = store_in(d.path());
        let g = acquire(LockKind::Directory, &store, DEFAULT_TIMEOUT).unwrap();
        assert!(g.path().is_dir());
        let err = acquire(LockKind::Directory, &store, Duration::from_millis(150)).unwrap_err();
        assert!(matches!(err, Error::LockBusy { .. }), "{err}");
        drop(g);
        assert!(!lock_path_for(&store).exists());
        acquire(LockKind::Directory, &store, Duration::from_millis(150)).unwrap();
    }

    #[test]
    fn pid_file_lock_records_holder_and_reclaims_dead_pids() {
        let d = tempfile::tempdir().unwrap();
        let store = store_in(d.path());
        let g = acquire(LockKind::PidFile, &store, DEFAULT_TIMEOUT).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&fs::read(g.path()).unwrap()).unwrap();
        assert_eq!(body["pid"].as_u64(), Some(u64::from(std::process::id())));
        assert!(body["createdAt"].is_string());
        let err = acquire(LockKind::PidFile, &store, Duration::from_millis(150)).unwrap_err();
        assert!(err.to_string().contains(&format!("pid {}", std::process::id())), "{err}");
        drop(g);
        // A lock whose pid is long gone is reclaimed at once.
        fs::write(lock_path_for(&store), r#"{"pid": 2147483000, "createdAt": "2026-01-01T00:00:00.000Z"}"#).unwrap();
        acquire(LockKind::PidFile, &store, Duration::from_secs(2)).unwrap();
    }

    #[test]
    fn pid_file_without_pid_is_stale_by_age() {
        let d = tempfile::tempdir().unwrap();
        let store = store_in(d.path());
        let fresh = format!(r#"{{"createdAt": "{}"}}"#, clock::iso(clock::now_ms()));
        fs::write(lock_path_for(&store), fresh).unwrap();
        assert!(acquire(LockKind::PidFile, &store, Duration::from_millis(100)).is_err());
        fs::write(lock_path_for(&store), r#"{"createdAt": "2020-01-01T00:00:00.000Z"}"#).unwrap();
        acquire(LockKind::PidFile, &store, Duration::from_secs(2)).unwrap();
    }

    #[test]
    fn reclaiming_never_removes_a_lock_taken_after_the_stale_one_was_judged() {
        for kind in [LockKind::PidFile, LockKind::Directory] {
            let d = tempfile::tempdir().unwrap();
            let lock = lock_path_for(&store_in(d.path()));
            let make = |body: &str| match kind {
                LockKind::PidFile => fs::write(&lock, body).unwrap(),
                LockKind::Directory => fs::create_dir(&lock).unwrap(),
            };
            let remove = || match kind {
                LockKind::PidFile => fs::remove_file(&lock).unwrap(),
                LockKind::Directory => fs::remove_dir(&lock).unwrap(),
            };
            make(r#"{"pid": 2147483000}"#);
            let judged = fs::symlink_metadata(&lock).unwrap();
            // Meanwhile another waiter reclaimed it and took the lock itself.
            remove();
            let _other_inode_stays_taken = tempfile::tempfile_in(d.path()).unwrap();
            make(&format!(r#"{{"pid": {}}}"#, std::process::id()));
            let live = fs::symlink_metadata(&lock).unwrap();
            reclaim(&lock, &judged);
            let now = fs::symlink_metadata(&lock).expect("the live lock is still there");
            assert_eq!(std::os::unix::fs::MetadataExt::ino(&now), std::os::unix::fs::MetadataExt::ino(&live), "{kind:?}");
            // The one judged is removed, and nothing is left beside it.
            reclaim(&lock, &now);
            assert!(fs::symlink_metadata(&lock).is_err(), "{kind:?}");
            let left: Vec<_> = fs::read_dir(d.path()).unwrap().flatten().map(|e| e.file_name()).collect();
            assert!(left.iter().all(|n| !n.to_string_lossy().contains(".stale-")), "{kind:?}: {left:?}");
        }
    }

    #[test]
    fn special_files_at_the_lock_path_are_refused_at_once() {
        let d = tempfile::tempdir().unwrap();
        let store = store_in(d.path());
        let lock = lock_path_for(&store);
        let c = std::ffi::CString::new(lock.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo on a NUL-terminated path in our temp dir.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for kind in [LockKind::PidFile, LockKind::Directory] {
            let start = Instant::now();
            let err = acquire(kind, &store, Duration::from_secs(3)).unwrap_err();
            assert!(matches!(err, Error::LockBlocked { .. }) && err.to_string().contains("FIFO"), "{kind:?}: {err}");
            assert!(start.elapsed() < Duration::from_secs(2), "{kind:?} waited {:?}", start.elapsed());
            assert!(fs::symlink_metadata(&lock).unwrap().file_type().is_fifo(), "left for a person to look at");
        }
    }

    #[test]
    fn live_pid_is_never_reclaimed() {
        let d = tempfile::tempdir().unwrap();
        let store = store_in(d.path());
        let old = r#"{"pid": 1, "createdAt": "2020-01-01T00:00:00.000Z"}"#;
        fs::write(lock_path_for(&store), old).unwrap();
        let err = acquire(LockKind::PidFile, &store, Duration::from_millis(200)).unwrap_err();
        assert!(err.to_string().contains("pid 1"), "{err}");
        assert_eq!(fs::read_to_string(lock_path_for(&store)).unwrap(), old);
    }
}
