//! Turns file-system events and Keychain polls into a debounced "something changed" signal.
//!
//! Claude Code replaces `.credentials.json` by rename, and the gateway replaces its stores the
//! same way, so a watch on the file itself goes stale after the first replace: the parent
//! directory is watched and events are filtered by file name. Directories that do not exist
//! yet are watched through their nearest existing ancestor and picked up when they appear.
//! Nothing here polls the file system; the only timer is the Keychain poll, when the Keychain is
//! in use, and it reads attributes only (see [`crate::claude::LoginLocator::keychain_stamp`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

use crate::claude::LoginLocator;
use crate::error::{Error, Result};

/// Which group of files changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Changed {
    /// Claude Code's login (file or Keychain item).
    Login,
    /// A gateway store or its config.
    Store,
    /// authtray's own settings.
    Settings,
}

/// The files to watch.
#[derive(Debug, Clone, Default)]
pub(crate) struct WatchSpec {
    /// Files whose change means [`Changed::Login`].
    pub login_files: Vec<PathBuf>,
    /// Files whose change means [`Changed::Store`].
    pub store_files: Vec<PathBuf>,
    /// Files whose change means [`Changed::Settings`].
    pub settings_files: Vec<PathBuf>,
    /// The Keychain item to poll, when used.
    pub keychain: Option<LoginLocator>,
    /// How often to poll the Keychain item's attributes.
    pub keychain_every: Duration,
    /// Quiet time after the last event before reporting.
    pub debounce: Duration,
}

/// A running watch; dropping it stops it.
pub(crate) struct Watch {
    stop: Sender<Msg>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.stop.send(Msg::Stop);
    }
}

enum Msg {
    Fs(Vec<PathBuf>),
    Stop,
}

impl Watch {
    /// Starts watching; `on_change` runs on the watch thread with what changed.
    pub(crate) fn start(spec: WatchSpec, mut on_change: impl FnMut(BTreeSet<Changed>) + Send + 'static) -> Result<Watch> {
        let (tx, rx) = mpsc::channel::<Msg>();
        let fs_tx = tx.clone();
        let mut fs = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            // Reads (ours included: every status opens the files and lists the dirs) are not changes.
            match res {
                Ok(ev) if !matches!(ev.kind, notify::EventKind::Access(_)) => {
                    let _ = fs_tx.send(Msg::Fs(ev.paths));
                }
                _ => {}
            }
        })
        .map_err(|e| Error::Internal(format!("cannot watch files: {e}")))?;
        let mut watched: BTreeSet<PathBuf> = BTreeSet::new();
        arm(&mut fs, &spec, &mut watched);
        std::thread::Builder::new()
            .name("authtray-watch".into())
            .spawn(move || {
                let mut pending: BTreeSet<Changed> = BTreeSet::new();
                let mut deadline: Option<Instant> = None;
                let mut stamp = spec.keychain.as_ref().and_then(LoginLocator::keychain_stamp);
                let mut next_poll = spec.keychain.as_ref().map(|_| Instant::now() + spec.keychain_every);
                loop {
                    let wake = [deadline, next_poll].into_iter().flatten().min();
                    let msg = match wake {
                        Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
                        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    };
                    match msg {
                        Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                        Ok(Msg::Fs(paths)) => {
                            let hit = classify(&spec, &paths);
                            if !hit.is_empty() {
                                pending.extend(hit);
                                deadline = Some(Instant::now() + spec.debounce);
                            }
                            // A directory on the way to a watched file may have appeared.
                            arm(&mut fs, &spec, &mut watched);
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                    }
                    let now = Instant::now();
                    if next_poll.is_some_and(|t| now >= t) {
                        let s = spec.keychain.as_ref().and_then(LoginLocator::keychain_stamp);
                        if s != stamp {
                            stamp = s;
                            pending.insert(Changed::Login);
                            deadline.get_or_insert(now);
                        }
                        next_poll = Some(now + spec.keychain_every);
                    }
                    if deadline.is_some_and(|t| now >= t) {
                        deadline = None;
                        on_change(std::mem::take(&mut pending));
                    }
                }
            })
            .map_err(|e| Error::Internal(format!("cannot start the watch thread: {e}")))?;
        Ok(Watch { stop: tx })
    }
}

/// Watches the parent dir of every file (or its nearest existing ancestor). Adds what it
/// watched to `watched`.
fn arm(w: &mut notify::RecommendedWatcher, spec: &WatchSpec, watched: &mut BTreeSet<PathBuf>) {
    for f in spec.login_files.iter().chain(&spec.store_files).chain(&spec.settings_files) {
        let Some(mut dir) = f.parent().map(Path::to_path_buf) else { continue };
        while !dir.is_dir() {
            match dir.parent() {
                Some(p) => dir = p.to_path_buf(),
                None => break,
            }
        }
        if watched.contains(&dir) {
            continue;
        }
        match w.watch(&dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                watched.insert(dir);
            }
            Err(e) => tracing::warn!(dir = %dir.display(), "cannot watch: {e}"),
        }
    }
}

/// Which groups the event paths touch: the file itself, or an ancestor dir of it (a directory
/// created or renamed on the way to it).
fn classify(spec: &WatchSpec, paths: &[PathBuf]) -> BTreeSet<Changed> {
    let touches = |files: &[PathBuf]| paths.iter().any(|p| files.iter().any(|f| f == p || (f.starts_with(p) && p != Path::new("/"))));
    let mut out = BTreeSet::new();
    if touches(&spec.login_files) {
        out.insert(Changed::Login);
    }
    if touches(&spec.store_files) {
        out.insert(Changed::Store);
    }
    if touches(&spec.settings_files) {
        out.insert(Changed::Settings);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_over_the_watched_file_is_reported_once_and_unrelated_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let claude = dir.path().join("claude");
        let file = claude.join(".credentials.json");
        let (tx, rx) = mpsc::channel();
        let spec = WatchSpec {
            login_files: vec![file.clone()],
            store_files: vec![dir.path().join("agent/auth-profiles.json")],
            debounce: Duration::from_millis(100),
            ..Default::default()
        };
        let _w = Watch::start(spec, move |c| {
            let _ = tx.send(c);
        })
        .unwrap();
        // The directory appears later, then the file is replaced by rename (as Claude Code does).
        std::fs::create_dir_all(&claude).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let _ = rx.try_recv();
        std::fs::write(claude.join("unrelated.json"), "{}").unwrap();
        assert!(rx.recv_timeout(Duration::from_millis(400)).is_err(), "unrelated file reported");
        let tmp = claude.join(".credentials.json.tmp.1");
        std::fs::write(&tmp, "{}").unwrap();
        std::fs::rename(&tmp, &file).unwrap();
        let got = rx.recv_timeout(Duration::from_secs(2)).expect("rename not reported");
        assert_eq!(got, BTreeSet::from([Changed::Login]));
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "debounce let two through");
        // The store dir appears and the store is written.
        std::fs::create_dir_all(dir.path().join("agent")).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        while rx.try_recv().is_ok() {}
        std::fs::write(dir.path().join("agent/auth-profiles.json"), "{}").unwrap();
        let got = rx.recv_timeout(Duration::from_secs(2)).expect("store write not reported");
        assert!(got.contains(&Changed::Store));
    }

    #[test]
    fn the_keychain_item_is_polled_by_its_attributes_without_reading_the_secret() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let stamp = dir.path().join("mdat");
        let calls = dir.path().join("calls");
        std::fs::write(&stamp, "20261122050000Z").unwrap();
        // A stand-in for macOS's `security`: prints the item's attributes, logs its arguments.
        let script = dir.path().join("security");
        std::fs::write(&script, format!(
            "#!/bin/sh\necho \"$@\" >> {calls}\necho 'keychain: \"/Users/a/Library/Keychains/login.keychain-db\"'\necho 'attributes:'\necho \"    \\\"mdat\\\"<timedate>=\\\"$(cat {stamp})\\\"\"\n",
            calls = calls.display(), stamp = stamp.display())).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let locator = LoginLocator {
            dir: dir.path().join("claude"),
            keychain: Some(("Claude Code-credentials".into(), "alice".into())),
            security: Some(script),
        };
        assert!(locator.keychain_stamp().unwrap().contains("20261122050000Z"));
        let (tx, rx) = mpsc::channel();
        let spec = WatchSpec {
            keychain: Some(locator),
            keychain_every: Duration::from_millis(100),
            debounce: Duration::from_millis(50),
            ..Default::default()
        };
        let _w = Watch::start(spec, move |c| {
            let _ = tx.send(c);
        })
        .unwrap();
        assert!(rx.recv_timeout(Duration::from_millis(500)).is_err(), "an unchanged item was reported");
        std::fs::write(&stamp, "20261122060000Z").unwrap();
        let got = rx.recv_timeout(Duration::from_secs(3)).expect("the change was not noticed");
        assert_eq!(got, BTreeSet::from([Changed::Login]));
        let log = std::fs::read_to_string(&calls).unwrap();
        assert!(log.lines().count() >= 3, "{log}");
        assert!(!log.split_whitespace().any(|a| a == "-w" || a == "-g"), "the poll asked for the secret: {log}");
    }
}
