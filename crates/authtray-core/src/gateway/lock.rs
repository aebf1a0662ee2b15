//! The gateway's two lock protocols for JSON stores, implemented so that authtray and the
//! gateway exclude each other.
//!
//! * [`LockKind::Directory`] — proper-lockfile (clawdbot, openclaw before 2026.2.13): `mkdir`
//!   of `<store>.lock`; a lock whose mtime is older than 30 s is stale and removed.
//! * [`LockKind::PidFile`] — openclaw 2026.2.13+: a regular file created `O_EXCL` holding
//!   `{"pid","createdAt","starttime"}`; reclaimed when its pid is dead (or reused), or, without
//!   a pid, when `createdAt` is unreadable or older than 30 s.
//!
//! Both gateways reclaim a stale lock by deleting it. authtray instead exchanges its own lock
//! with the stale one atomically, so the lock path is never empty while anyone holds the lock;
//! what the gateway sees at the path is always a valid lock of its protocol.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::clock;
use crate::error::{Error, Result};

/// After this long without a heartbeat a lock is considered abandoned (both protocols).
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(30);

/// How long a writer waits for a busy lock by default.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which protocol a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LockKind {
    /// proper-lockfile directory lock.
    Directory,
    /// O_EXCL regular file with the holder's pid.
    PidFile,
}

/// A held lock; released (removed) when dropped, on every path including errors.
#[derive(Debug)]
pub(crate) struct LockGuard {
    path: PathBuf,
    kind: LockKind,
    // Kept open while held, as the gateway does.
    _file: Option<fs::File>,
}

impl LockGuard {
    /// The lock's path (the tests check what the lock left on disk).
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
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
pub(crate) fn lock_path_for(store: &Path) -> PathBuf {
    let target = crate::fsx::write_target(store).unwrap_or_else(|_| store.to_path_buf());
    let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = fs::canonicalize(&dir).unwrap_or(dir);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dir.join(format!("{name}.lock"))
}

/// Takes the lock for `store`, waiting with exponential backoff up to `timeout`.
pub(crate) fn acquire(kind: LockKind, store: &Path, timeout: Duration) -> Result<LockGuard> {
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

/// A lock directory as authtray makes it: 0700 like every directory it creates (it holds
/// nothing, but nobody else needs to list it either).
fn make_lock_dir(path: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(path)
}

fn try_dir(path: &Path) -> Result<Attempt> {
    match make_lock_dir(path) {
        Ok(()) => return Ok(Attempt::Held(LockGuard { path: path.to_path_buf(), kind: LockKind::Directory, _file: None })),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("create the lock directory", path, e)),
    }
    // Released between our mkdir and this look: try again at once.
    let Some(seen) = Seen::at(path)? else { return Ok(Attempt::Busy("a writer that just released it".into())) };
    if !seen.meta.is_dir() {
        // A newer gateway's pid-file lock in an older store: the old protocol can never take
        // it over, so report what it is instead of waiting in vain.
        let h = seen.pid_file();
        let holder = h.as_ref().map(PidFileHolder::describe).unwrap_or_else(|| "an unreadable lock file".into());
        if h.is_some_and(|h| h.is_dead()) {
            return Err(Error::LockBlocked {
                lock: path.to_path_buf(),
                reason: format!("a regular lock file left by {holder}, a process that no longer runs, blocks this directory-lock store; remove the file"),
            });
        }
        return Ok(Attempt::Busy(format!("{holder} (a lock file, not the directory lock this store uses)")));
    }
    let age = age_of(&seen.meta);
    if age > STALE_AFTER {
        // proper-lockfile's takeover of a lock nobody refreshed.
        return reclaim(LockKind::Directory, path, seen, "a stale directory lock");
    }
    Ok(Attempt::Busy(format!("another process (directory lock, last refreshed {} s ago)", age.as_secs())))
}

fn try_pid_file(path: &Path) -> Result<Attempt> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true).mode(0o600);
    match opts.open(path) {
        Ok(mut f) => {
            if let Err(e) = write_own_body(&mut f) {
                let _ = fs::remove_file(path);
                return Err(Error::io("write the lock file", path, e));
            }
            return Ok(Attempt::Held(LockGuard { path: path.to_path_buf(), kind: LockKind::PidFile, _file: Some(f) }));
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("create the lock file", path, e)),
    }
    let Some(seen) = Seen::at(path)? else { return Ok(Attempt::Busy("a writer that just released it".into())) };
    if seen.meta.is_dir() {
        // An older gateway (before 2026.2.13) holds its directory lock here.
        let age = age_of(&seen.meta);
        if age > STALE_AFTER {
            return reclaim(LockKind::PidFile, path, seen, "a stale directory lock");
        }
        return Ok(Attempt::Busy(format!("an older gateway's directory lock (refreshed {} s ago)", age.as_secs())));
    }
    match seen.pid_file() {
        Some(h) if h.is_reclaimable() => reclaim(LockKind::PidFile, path, seen, &format!("{} (stale)", h.describe())),
        Some(h) => Ok(Attempt::Busy(h.describe())),
        // Empty or garbled: a creator may be between open and write. Give it a moment, then
        // treat it as the gateway does (no pid, no date: stale).
        None if age_of(&seen.meta) > Duration::from_secs(2) => reclaim(LockKind::PidFile, path, seen, "an unreadable lock file"),
        None => Ok(Attempt::Busy("a lock file being created".into())),
    }
}

/// A node found at the lock path, held open while it is judged and reclaimed: an open inode is
/// never freed, so its number cannot be reused for a new lock, and what was judged (its age,
/// its contents) is exactly what [`reclaim`] later compares against.
struct Seen {
    meta: fs::Metadata,
    // `None` only when it could not be opened; then identity is the weaker (inode, mtime).
    file: Option<fs::File>,
}

impl Seen {
    /// What is at `path` now; `None` when nothing is (released meanwhile).
    fn at(path: &Path) -> Result<Option<Seen>> {
        let Ok(meta) = fs::symlink_metadata(path) else { return Ok(None) };
        refuse_foreign_node(path, &meta)?;
        // Never blocks (a FIFO swapped in meanwhile) and never follows a link.
        let opened = fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC).open(path);
        let file = match opened {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(_) => return Ok(Some(Seen { meta, file: None })),
        };
        let meta = file.metadata().map_err(|e| Error::io("inspect the lock", path, e))?;
        refuse_foreign_node(path, &meta)?;
        Ok(Some(Seen { meta, file: Some(file) }))
    }

    /// The holder a pid-file lock names, read from the very node judged.
    fn pid_file(&self) -> Option<PidFileHolder> {
        use std::io::Read;
        let file: &fs::File = self.file.as_ref()?;
        let mut bytes = Vec::new();
        // Bounded: a lock body is a few dozen bytes, whatever else sits there.
        file.take(64 * 1024).read_to_end(&mut bytes).ok()?;
        parse_pid_file(&bytes)
    }

    /// Whether `other` is this node, unchanged since it was judged. A lock refreshed since
    /// (proper-lockfile touches its directory) is alive after all.
    fn is_unchanged(&self, other: &fs::Metadata) -> bool {
        same_node(&self.meta, other) && (self.meta.mtime(), self.meta.mtime_nsec()) == (other.mtime(), other.mtime_nsec())
    }
}

/// The same file system node. Exact for a node we hold open (its inode cannot be reused).
fn same_node(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// A node at one of our private names (`<lock>.reclaim-<id>`), held open so that it can be
/// recognised exactly however often nodes trade places.
struct Pinned {
    meta: fs::Metadata,
    _file: Option<fs::File>,
}

impl Pinned {
    fn at(path: &Path) -> std::io::Result<Pinned> {
        let file = fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC).open(path).ok();
        let meta = match &file {
            Some(f) => f.metadata()?,
            None => fs::symlink_metadata(path)?,
        };
        Ok(Pinned { meta, _file: file })
    }

    fn is_at(&self, path: &Path) -> bool {
        fs::symlink_metadata(path).is_ok_and(|m| same_node(&self.meta, &m))
    }
}

/// Takes over a lock judged stale (`judged`, described as `what`) without the lock path ever
/// being empty, so that no third writer can slip in while a lock is out of its place.
///
/// Our own lock is made at a private name and atomically exchanged with whatever is at the lock
/// path. If what came out is the node judged, unchanged, it was stale: it is removed and we
/// hold the lock. Otherwise another waiter reclaimed the stale lock first and a live writer
/// took the path since; it is exchanged back at once (see [`give_back`]). Either way every
/// writer, ours or the gateway's, always finds a lock at the path while somebody holds one.
///
/// Where the file system cannot exchange (some network file systems), it falls back to
/// renaming the lock aside, which leaves the path empty for an instant ([`reclaim_by_rename`]).
fn reclaim(kind: LockKind, path: &Path, judged: Seen, what: &str) -> Result<Attempt> {
    hook(Point::Judged, path);
    let Some(_turn) = reclaim_turn(path) else { return Ok(Attempt::Busy(format!("{what}, being taken over by another authtray"))) };
    let Ok(id) = crate::vault::random_id() else { return Ok(Attempt::Busy(what.to_string())) };
    let mut private = path.as_os_str().to_owned();
    private.push(format!(".reclaim-{id}"));
    let private = PathBuf::from(private);
    let ours = make_own_lock(kind, &private).map_err(|e| Error::io("create a lock to take over a stale one with", &private, e))?;
    if let Err(e) = exchange(&private, path) {
        let _ = remove_node(&private);
        return Ok(match e.raw_os_error() {
            Some(libc::ENOENT) => Attempt::Busy(format!("{what}, released meanwhile")),
            // The file system (or kernel) cannot exchange.
            Some(n) if [libc::EINVAL, libc::ENOSYS, libc::ENOTSUP, libc::EOPNOTSUPP].contains(&n) => {
                reclaim_by_rename(path, &judged);
                Attempt::Busy(format!("{what}, removed"))
            }
            _ => {
                tracing::warn!(lock = %path.display(), "cannot take over a stale lock: {e}");
                Attempt::Busy(format!("{what} (authtray cannot replace it: {e})"))
            }
        });
    }
    // The path holds our lock now; what was there is at `private`.
    hook(Point::Aside, path);
    let came_out = fs::symlink_metadata(&private);
    if came_out.as_ref().is_ok_and(|m| judged.is_unchanged(m)) {
        if let Err(e) = remove_node(&private) {
            tracing::warn!(lock = %path.display(), "took over a stale lock but could not remove it from {}: {e}", private.display());
        }
        tracing::info!(lock = %path.display(), "took over {what}");
        return Ok(Attempt::Held(LockGuard { path: path.to_path_buf(), kind, _file: Some(ours) }));
    }
    let ours = match ours.metadata() {
        Ok(meta) => Pinned { meta, _file: Some(ours) },
        Err(e) => {
            tracing::warn!(lock = %path.display(), "a live lock was taken out of its place and cannot be told from ours ({e}); it is at {}", private.display());
            return Ok(Attempt::Busy(what.to_string()));
        }
    };
    give_back(path, &private, ours);
    Ok(Attempt::Busy(format!("{what}, taken over by another writer first")))
}

/// One authtray process at a time reclaims a given store's lock: two give-backs interleaving
/// could each take the other's node for a released one. An advisory `flock` on the lock's
/// directory, which the gateway never takes; `None` when another authtray has it. Where the
/// file system has no `flock`, reclaiming goes ahead unserialised.
fn reclaim_turn(path: &Path) -> Option<Option<fs::File>> {
    let dir = path.parent()?;
    let Ok(f) = fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC).open(dir) else { return Some(None) };
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor we own; released when `f` is closed.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Some(Some(f));
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EWOULDBLOCK) => None,
        _ => Some(None),
    }
}

/// Puts the live lock now at `private` back at `path`, where `garbage` (ours) stands in for it.
/// Each exchange is atomic, so the path is never empty; what remains to get right is the live
/// holder releasing meanwhile, which removes whatever is at the path:
/// * the path is empty: the holder released, so the node at `private` is free: remove it;
/// * the path held `garbage` still: the exchange put the live lock back; remove `garbage`;
/// * the path held a new lock: the holder released (removing `garbage`) and a new writer took
///   the path; the node we just put back is released, so exchange again, new lock for it.
fn give_back(path: &Path, private: &Path, mut garbage: Pinned) {
    for _ in 0..8 {
        let live = Pinned::at(private);
        match exchange(private, path) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                let _ = remove_node(private);
                return;
            }
            Err(e) => {
                tracing::warn!(lock = %path.display(), "cannot put a live lock back ({e}); it is at {}", private.display());
                return;
            }
            Ok(()) if garbage.is_at(private) => {
                let _ = remove_node(private);
                return;
            }
            Ok(()) => match live {
                Ok(live) => garbage = live,
                Err(_) => break,
            },
        }
    }
    tracing::warn!(lock = %path.display(), "locks kept changing hands while one was put back; left {}", private.display());
}

/// Our own lock, as [`try_acquire`] would make it, at `at`; the node is kept open.
fn make_own_lock(kind: LockKind, at: &Path) -> std::io::Result<fs::File> {
    match kind {
        LockKind::PidFile => {
            let mut f = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(at)?;
            if let Err(e) = write_own_body(&mut f) {
                let _ = fs::remove_file(at);
                return Err(e);
            }
            Ok(f)
        }
        LockKind::Directory => {
            make_lock_dir(at)?;
            fs::File::open(at).inspect_err(|_| {
                let _ = fs::remove_dir(at);
            })
        }
    }
}

fn write_own_body(f: &mut fs::File) -> std::io::Result<()> {
    f.write_all(own_lock_body().as_bytes())?;
    f.sync_all()
}

/// Removes a lock node (a directory lock is empty).
fn remove_node(p: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(p)?.is_dir() {
        fs::remove_dir(p)
    } else {
        fs::remove_file(p)
    }
}

/// Where [`exchange`] is not available: renames the lock aside (we get exactly one node), and
/// removes it when it is the one judged, else puts it back without replacing a newer one.
/// Between the two renames the path is empty and a third writer could take it; then the lock
/// put aside is left there with a warning, and two writers hold the lock.
fn reclaim_by_rename(path: &Path, judged: &Seen) {
    let Ok(id) = crate::vault::random_id() else { return };
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".stale-{id}"));
    let aside = PathBuf::from(aside);
    if fs::rename(path, &aside).is_err() {
        // Gone already: someone else reclaimed or released it.
        return;
    }
    if fs::symlink_metadata(&aside).is_ok_and(|m| judged.is_unchanged(&m)) {
        let _ = remove_node(&aside);
        return;
    }
    if rename_no_replace(&aside, path).is_err() {
        tracing::warn!(lock = %path.display(), "a lock was taken while a stale one was being removed; left it at {}", aside.display());
    }
}

/// Atomically swaps two paths (both must exist).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    {
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).map_err(std::io::Error::other);
        let (a, b) = (c(a)?, c(b)?);
        #[cfg(target_os = "linux")]
        // SAFETY: both paths are NUL-terminated and live across the call.
        let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
        #[cfg(target_os = "macos")]
        // SAFETY: as above.
        let rc = unsafe { libc::renamex_np(a.as_ptr(), b.as_ptr(), libc::RENAME_SWAP) };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        let _ = (a, b);
        Err(std::io::Error::from_raw_os_error(libc::ENOTSUP))
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
pub(crate) struct PidFileHolder {
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

fn parse_pid_file(bytes: &[u8]) -> Option<PidFileHolder> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let obj = v.as_object()?;
    Some(PidFileHolder {
        pid: obj.get("pid").and_then(|p| p.as_i64()),
        created_at: obj.get("createdAt").and_then(|c| c.as_str()).and_then(clock::parse_iso),
        starttime: obj.get("starttime").and_then(|s| s.as_u64()),
    })
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

/// Where a unit test can act as another writer in the middle of [`reclaim`], to reproduce an
/// interleaving exactly. A no-op outside this crate's tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Point {
    /// A lock was judged stale and is about to be taken over.
    Judged,
    /// What was at the lock path has just been moved out of it.
    Aside,
}

#[cfg(test)]
type Hook = Box<dyn FnMut(Point, &Path)>;

#[cfg(test)]
thread_local! {
    // Per thread, so that tests running in parallel never see each other's hooks.
    static HOOK: std::cell::RefCell<Option<Hook>> = std::cell::RefCell::new(None);
}

fn hook(point: Point, path: &Path) {
    #[cfg(test)]
    {
        let taken = HOOK.with(|h| h.borrow_mut().take());
        if let Some(mut f) = taken {
            f(point, path);
            HOOK.with(|h| *h.borrow_mut() = Some(f));
        }
    }
    #[cfg(not(test))]
    let _ = (point, path);
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

    fn make_lock(kind: LockKind, path: &Path, pid: u32, stale: bool) {
        match kind {
            LockKind::PidFile => fs::write(path, format!(r#"{{"pid": {pid}}}"#)).unwrap(),
            LockKind::Directory => {
                fs::create_dir(path).unwrap();
                if stale {
                    fs::File::open(path).unwrap().set_modified(SystemTime::now() - STALE_AFTER * 2).unwrap();
                }
            }
        }
    }

    fn ino(path: &Path) -> Option<u64> {
        fs::symlink_metadata(path).ok().map(|m| m.ino())
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        let names = fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned());
        names.filter(|n| n != "auth-profiles.json" && n != "auth-profiles.json.lock").collect()
    }

    #[test]
    fn reclaiming_never_removes_a_lock_taken_after_the_stale_one_was_judged() {
        for kind in [LockKind::PidFile, LockKind::Directory] {
            let d = tempfile::tempdir().unwrap();
            let lock = lock_path_for(&store_in(d.path()));
            make_lock(kind, &lock, 2147483000, true);
            let judged = Seen::at(&lock).unwrap().unwrap();
            // Meanwhile another waiter reclaimed it and took the lock itself.
            remove_node(&lock).unwrap();
            make_lock(kind, &lock, std::process::id(), false);
            let live = ino(&lock);
            assert!(matches!(reclaim(kind, &lock, judged, "x").unwrap(), Attempt::Busy(_)), "{kind:?}");
            assert_eq!(ino(&lock), live, "{kind:?}: the live lock is not in its place");
            // The one judged is taken over: our lock replaces it, and nothing is left beside it.
            let judged = Seen::at(&lock).unwrap().unwrap();
            let Attempt::Held(guard) = reclaim(kind, &lock, judged, "x").unwrap() else { panic!("{kind:?}: not taken over") };
            assert_ne!(ino(&lock), live, "{kind:?}");
            drop(guard);
            assert_eq!(ino(&lock), None, "{kind:?}");
            assert_eq!(leftovers(d.path()), Vec::<String>::new(), "{kind:?}");
        }
    }

    /// Runs `try_acquire` for a first waiter that judges a stale lock, while the hook plays the
    /// others: at [`Point::Judged`] the stale lock is reclaimed by someone else and a live
    /// writer takes the path (its inode is returned), at [`Point::Aside`] `meanwhile` acts.
    fn race(kind: LockKind, lock: &Path, meanwhile: impl FnMut(&Path) + 'static) -> (Attempt, Option<u64>) {
        make_lock(kind, lock, 2147483000, true);
        let live = std::rc::Rc::new(std::cell::Cell::new(None));
        let (l, mut meanwhile) = (live.clone(), meanwhile);
        HOOK.with(|h| {
            *h.borrow_mut() = Some(Box::new(move |point, path: &Path| match point {
                Point::Judged => {
                    remove_node(path).unwrap();
                    make_lock(kind, path, std::process::id(), false);
                    l.set(ino(path));
                }
                Point::Aside => meanwhile(path),
            }))
        });
        let first = try_acquire(kind, lock).unwrap();
        HOOK.with(|h| h.borrow_mut().take());
        (first, live.get())
    }
    /// Issue #22: a waiter judges a lock stale; before it acts, another waiter reclaims that lock
    /// and a writer takes a live one; then, while the live lock was out of its path (renamed
    /// aside to be compared), a third writer took the path: two writers held the lock.
    #[test]
    fn a_third_writer_never_takes_a_live_lock_while_a_stale_one_is_reclaimed() {
        for kind in [LockKind::PidFile, LockKind::Directory] {
            let d = tempfile::tempdir().unwrap();
            let lock = lock_path_for(&store_in(d.path()));
            let third = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
            let t = third.clone();
            let (first, live) = race(kind, &lock, move |path| t.borrow_mut().push(try_acquire(kind, path).unwrap()));
            assert!(matches!(first, Attempt::Busy(_)), "{kind:?}: the first waiter took a live lock");
            let third = third.borrow();
            assert_eq!(third.len(), 1, "{kind:?}: the live lock never left its path");
            assert!(matches!(third[0], Attempt::Busy(_)), "{kind:?}: a third writer took the lock while another held it");
            assert_eq!(ino(&lock), live, "{kind:?}: the live lock is not in its place");
            assert_eq!(leftovers(d.path()), Vec::<String>::new(), "{kind:?}");
        }
    }

    /// The live holder releasing while its lock is out of its path: the lock is not put back
    /// (a released pid-file lock of a running process would block every writer until it
    /// exits), and a writer that took the path since keeps it.
    #[test]
    fn a_lock_released_while_out_of_its_path_is_not_put_back() {
        for kind in [LockKind::PidFile, LockKind::Directory] {
            for take_after in [false, true] {
                let d = tempfile::tempdir().unwrap();
                let lock = lock_path_for(&store_in(d.path()));
                let newer = std::rc::Rc::new(std::cell::RefCell::new(None));
                let n = newer.clone();
                let (first, _) = race(kind, &lock, move |path| {
                    // The holder releases: it removes whatever is at its lock's path.
                    let _ = remove_node(path);
                    if take_after {
                        let Attempt::Held(g) = try_acquire(kind, path).unwrap() else { panic!("{kind:?}: the lock was free, yet busy") };
                        *n.borrow_mut() = Some((ino(path), g));
                    }
                });
                assert!(matches!(first, Attempt::Busy(_)), "{kind:?}");
                match newer.borrow_mut().take() {
                    Some((taken, _guard)) => assert_eq!(ino(&lock), taken, "{kind:?}: the newer writer lost its lock"),
                    None => assert_eq!(ino(&lock), None, "{kind:?}: a released lock was put back"),
                }
                assert_eq!(leftovers(d.path()), Vec::<String>::new(), "{kind:?} {take_after}");
            }
        }
    }

    #[test]
    fn one_authtray_at_a_time_takes_over_a_stale_lock() {
        let d = tempfile::tempdir().unwrap();
        let lock = lock_path_for(&store_in(d.path()));
        make_lock(LockKind::PidFile, &lock, 2147483000, true);
        let stale = ino(&lock);
        let turn = reclaim_turn(&lock).expect("free").expect("flock works here");
        assert!(matches!(try_acquire(LockKind::PidFile, &lock).unwrap(), Attempt::Busy(_)));
        assert_eq!(ino(&lock), stale, "taken over during another's turn");
        drop(turn);
        assert!(matches!(try_acquire(LockKind::PidFile, &lock).unwrap(), Attempt::Held(_)));
    }

    #[test]
    fn without_exchange_a_stale_lock_is_renamed_aside_and_a_live_one_put_back() {
        for kind in [LockKind::PidFile, LockKind::Directory] {
            let d = tempfile::tempdir().unwrap();
            let lock = lock_path_for(&store_in(d.path()));
            make_lock(kind, &lock, 2147483000, true);
            let judged = Seen::at(&lock).unwrap().unwrap();
            remove_node(&lock).unwrap();
            make_lock(kind, &lock, std::process::id(), false);
            let live = ino(&lock);
            reclaim_by_rename(&lock, &judged);
            assert_eq!(ino(&lock), live, "{kind:?}");
            reclaim_by_rename(&lock, &Seen::at(&lock).unwrap().unwrap());
            assert_eq!(ino(&lock), None, "{kind:?}");
            assert_eq!(leftovers(d.path()), Vec::<String>::new(), "{kind:?}");
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
