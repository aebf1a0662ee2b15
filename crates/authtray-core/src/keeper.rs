//! Who keeps the mirror current. A mirror is a copy of Claude Code's access token, which lasts
//! hours: it stays usable only while something copies each new login as Claude Code renews it.
//! The live service (the tray app, `authtray watch`, the installed service) does, and says so
//! with a heartbeat file in the data dir; any other reader (the CLI, `serve`) can then tell a
//! mirror that follows Claude Code from one that runs out at its expiry.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::env::Env;

/// The heartbeat file, in `paths::data_dir`.
const FILE: &str = "mirror-keeper.json";

/// A heartbeat older than this is a keeper that stopped: three missed minute ticks.
const FRESH_MS: Millis = 3 * 60_000;

/// How often a keeper renews its heartbeat: under the minute tick, so a tick that fires a little
/// early still renews it, well inside [`FRESH_MS`].
pub(crate) const RENEW_MS: Millis = 45_000;

#[derive(Debug, Serialize, Deserialize)]
struct Beat {
    /// What keeps the mirror, in words ("the authtray app").
    by: String,
    pid: u32,
    at: Millis,
}

fn path(env: &Env) -> PathBuf {
    crate::paths::data_dir(env).join(FILE)
}

/// Records that `by` (this process) keeps the mirror current as of `now`.
pub(crate) fn beat(env: &Env, by: &str, now: Millis) {
    let beat = Beat { by: by.to_string(), pid: std::process::id(), at: now };
    let written = serde_json::to_vec(&beat)
        .map_err(|e| crate::Error::Internal(e.to_string()))
        .and_then(|bytes| crate::fsx::write_atomic(&path(env), &bytes));
    if let Err(e) = written {
        // Only what other readers say about the mirror depends on it.
        tracing::debug!("cannot record that this process keeps the mirror: {e}");
    }
}

/// Forgets this process's heartbeat (it stops keeping the mirror), leaving another's alone.
pub(crate) fn stop(env: &Env) {
    let p = path(env);
    if read(&p).is_some_and(|b| b.pid == std::process::id()) {
        let _ = std::fs::remove_file(&p);
    }
}

/// What keeps the mirror current now, in words, if anything does: a heartbeat of the last few
/// minutes from a process that still runs.
pub fn current(env: &Env, now: Millis) -> Option<String> {
    let beat = read(&path(env))?;
    // Saturating: `at` comes from a file, and an extreme one must read as stale, not wrap.
    let fresh = (now.saturating_sub(FRESH_MS)..=now.saturating_add(FRESH_MS)).contains(&beat.at);
    (fresh && alive(beat.pid)).then_some(beat.by)
}

fn read(p: &std::path::Path) -> Option<Beat> {
    let bytes = crate::fsx::read_optional(p).ok()??;
    serde_json::from_slice(&bytes).ok()
}

fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &std::path::Path) -> Env {
        Env::from_pairs([("AUTHTRAY_DATA_DIR", dir.to_str().unwrap())])
    }

    #[test]
    fn a_fresh_beat_of_a_live_process_keeps_the_mirror_and_a_stale_or_dead_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let env = env(dir.path());
        assert_eq!(current(&env, 1_000_000), None, "nothing has beaten");
        beat(&env, "the authtray app", 1_000_000);
        assert_eq!(current(&env, 1_000_000 + FRESH_MS).as_deref(), Some("the authtray app"));
        assert_eq!(current(&env, 1_000_001 + FRESH_MS), None, "three ticks missed");
        assert_eq!(current(&env, 1_000_000 - 2 * FRESH_MS), None, "a beat from the future is not trusted");
        for at in [Millis::MIN, Millis::MAX] {
            let odd = Beat { by: "authtray watch".into(), pid: std::process::id(), at };
            std::fs::write(path(&env), serde_json::to_vec(&odd).unwrap()).unwrap();
            assert_eq!(current(&env, 1_000_000), None, "an extreme time is stale, not fresh: {at}");
        }
        // A process that has ended keeps nothing, however recent its beat.
        let gone = Beat { by: "authtray watch".into(), pid: i32::MAX as u32, at: 1_000_000 };
        std::fs::write(path(&env), serde_json::to_vec(&gone).unwrap()).unwrap();
        assert_eq!(current(&env, 1_000_000), None);
        std::fs::write(path(&env), b"{not json").unwrap();
        assert_eq!(current(&env, 1_000_000), None, "a broken file is no keeper");
    }

    #[test]
    fn stopping_removes_only_this_processs_beat() {
        let dir = tempfile::tempdir().unwrap();
        let env = env(dir.path());
        let other = Beat { by: "authtray watch".into(), pid: 1, at: 5 };
        std::fs::write(path(&env), serde_json::to_vec(&other).unwrap()).unwrap();
        stop(&env);
        assert!(path(&env).exists(), "another process's beat was removed");
        beat(&env, "the authtray app", 5);
        stop(&env);
        assert!(!path(&env).exists());
    }
}
