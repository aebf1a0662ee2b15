//! File-system primitives for writing the gateway's files safely: atomic replace (temp file in
//! the same directory, 0600, fsync, rename, fsync the directory), symlink-preserving targets,
//! owner checks and 0700 directories.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Marker in the names of our temp files, so leftovers can be recognised and removed.
const TMP_MARKER: &str = ".authtray-";

/// Where a write to `path` must land: the symlink's final target when `path` is a symlink
/// (so the link stays a link), else `path` itself.
pub(crate) fn write_target(path: &Path) -> Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            fs::canonicalize(path).or_else(|e| {
                // A dangling link: write where it points.
                if e.kind() == std::io::ErrorKind::NotFound {
                    let dest = fs::read_link(path).map_err(|e| Error::io("read link", path, e))?;
                    Ok(path.parent().unwrap_or(Path::new(".")).join(dest))
                } else {
                    Err(Error::io("resolve link", path, e))
                }
            })
        }
        _ => Ok(path.to_path_buf()),
    }
}

/// Refuses a file owned by another user: rewriting it would silently change its owner.
pub(crate) fn check_owner(path: &Path) -> Result<()> {
    match fs::metadata(path) {
        Ok(m) => {
            let me = unsafe { libc::geteuid() };
            // Even root must not: the gateway's user could no longer read a file we replaced.
            if m.uid() != me {
                return Err(Error::NotOwned { path: path.to_path_buf(), owner: m.uid(), me });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("inspect", path, e)),
    }
}

/// Creates `dir` and any missing parents with mode 0700.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| Error::io("create directory", dir, e))
}

/// No auth store, config or credentials file is anywhere near this size; a larger one is a
/// mistake (or an attack), not something to load into memory.
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a file, `Ok(None)` when it does not exist (a dangling symlink counts as absent, as
/// the gateway treats it). A directory, FIFO, socket or device, or a file over
/// [`MAX_FILE_BYTES`], is an error, decided on the opened file itself: the open never blocks
/// (`O_NONBLOCK`, so a FIFO cannot hang us) and no swap of the path after a check can slip
/// something else in.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    read_regular(path, Follow::Symlinks)
}

/// Whether [`read_regular`] follows a symlink at the path itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    /// Stores and configs may be links into a shared directory.
    Symlinks,
    /// Lock files are never links (`O_NOFOLLOW`).
    NoSymlinks,
}

/// [`read_optional`], choosing whether a symlink at `path` is followed.
pub(crate) fn read_regular(path: &Path, follow: Follow) -> Result<Option<Vec<u8>>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let not_a_file = |reason: String| Error::StoreParse { path: path.to_path_buf(), reason };
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    if follow == Follow::NoSymlinks {
        flags |= libc::O_NOFOLLOW;
    }
    let file = match fs::OpenOptions::new().read(true).custom_flags(flags).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(not_a_file("it is a symbolic link, which is not allowed here".into()))
        }
        Err(e) => return Err(Error::io("read", path, e)),
    };
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
    if !meta.is_file() {
        return Err(not_a_file("it is not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(not_a_file(format!("it is {} bytes, far larger than any such file (limit {MAX_FILE_BYTES})", meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Bounded even if the file grows while we read it.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Error::io("read", path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(not_a_file(format!("it grew past {MAX_FILE_BYTES} bytes while being read")));
    }
    Ok(Some(bytes))
}

/// Replaces `path` atomically with `bytes`, mode 0600.
///
/// A symlink at `path` stays: its target is replaced, with the temp file in the target's
/// directory. A file owned by another user is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = write_target(path)?;
    check_owner(&target)?;
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{name}{TMP_MARKER}"))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temp file in", dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io("write", tmp.path().to_path_buf(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io("sync", tmp.path().to_path_buf(), e))?;
    crash_point("after-temp-write");
    tmp.persist(&target).map_err(|e| Error::io("replace", &target, e.error))?;
    if let Ok(d) = fs::File::open(dir) {
        // Without this the rename may not survive a power loss; failing it loses nothing now.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes temp files an interrupted authtray write left beside `path`'s target.
/// Call it only while holding the store's lock, so no live writer's temp file is touched.
pub(crate) fn remove_stale_temps(path: &Path) {
    let Ok(target) = write_target(path) else { return };
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else { return };
    let prefix = format!("{}{TMP_MARKER}", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let n = e.file_name();
        let n = n.to_string_lossy();
        if n.starts_with(&prefix) && n.ends_with(".tmp") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// The variable that names the pause point of `crash_point`. Only a build with the
/// `test-hooks` feature holds this text, so the package suite looks for it to prove that a
/// shipped binary has no pause points.
#[cfg(feature = "test-hooks")]
pub const PAUSE_AT_VAR: &str = "AUTHTRAY_TEST_PAUSE_AT";

/// Test hook for crash tests: when `AUTHTRAY_TEST_PAUSE_AT` names this point, sleep
/// `AUTHTRAY_TEST_PAUSE_MS` (default 200) so a test can kill the process there. Without the
/// `test-hooks` feature (every shipped build) it does nothing.
pub(crate) fn crash_point(name: &str) {
    #[cfg(feature = "test-hooks")]
    if std::env::var(PAUSE_AT_VAR).ok().as_deref() == Some(name) {
        let ms = std::env::var("AUTHTRAY_TEST_PAUSE_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    #[cfg(not(feature = "test-hooks"))]
    let _ = name;
}

/// Unix permission bits of a path, when it exists.
pub(crate) fn mode_of(path: &Path) -> Option<u32> {
    fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_atomically_with_0600() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/store.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(mode_of(&p), Some(0o600));
        assert_eq!(mode_of(&d.path().join("sub")), Some(0o700));
        let leftovers: Vec<_> = fs::read_dir(d.path().join("sub")).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1);
    }

    #[test]
    fn keeps_symlinks_and_replaces_their_target() {
        let d = tempfile::tempdir().unwrap();
        let real_dir = d.path().join("real");
        fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("store.json");
        fs::write(&real, b"old").unwrap();
        let link = d.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn cleans_up_stale_temps() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.json");
        fs::write(d.path().join("s.json.authtray-abc.tmp"), b"x").unwrap();
        fs::write(d.path().join("other.tmp"), b"x").unwrap();
        remove_stale_temps(&p);
        assert!(!d.path().join("s.json.authtray-abc.tmp").exists());
        assert!(d.path().join("other.tmp").exists());
    }

    #[test]
    fn reads_directories_as_errors_and_missing_as_none() {
        let d = tempfile::tempdir().unwrap();
        assert!(read_optional(&d.path().join("nope")).unwrap().is_none());
        assert!(read_optional(d.path()).is_err());
    }

    #[test]
    fn fifos_are_refused_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("settings.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo on a NUL-terminated path in our temp dir.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Without a writer a blocking open would wait forever; the test would hang, not fail.
        let e = read_optional(&fifo).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let link = d.path().join("link");
        std::os::unix::fs::symlink(d.path().join("real"), &link).unwrap();
        assert!(read_regular(&link, Follow::Symlinks).unwrap().is_none(), "a dangling link reads as absent");
        assert!(read_regular(&link, Follow::NoSymlinks).unwrap_err().to_string().contains("symbolic link"));
        fs::write(d.path().join("real"), b"x").unwrap();
        assert!(read_regular(&link, Follow::NoSymlinks).unwrap_err().to_string().contains("symbolic link"));
        assert_eq!(read_regular(&link, Follow::Symlinks).unwrap().unwrap(), b"x");
    }
}
