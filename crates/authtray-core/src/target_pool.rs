//! The saved targets, checked and mirrored to in the background for the live service. Each
//! target has its own thread and its transport's own deadlines, so a slow or dead host never
//! holds up the menu, the local mirror or the other targets. Results land in a shared table the
//! service reads when it publishes; the pool pokes it after each change.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use crate::claude::LoginState;
use crate::clock::{now_ms, Millis};
use crate::env::Env;
use crate::ops::remote::{self, SecretTarget};
use crate::report::Overall;
use crate::settings::Settings;
use crate::target::TargetEntry;

pub use crate::report::TargetState;

impl TargetState {
    /// Records a failure to answer: since when (the first failure of this outage), why, and
    /// what to do.
    fn mark_unreachable(&mut self, now: Millis, why: &str) {
        self.reached = Some(false);
        self.unreachable_since = self.unreachable_since.or(Some(now));
        self.overall = Overall::Attention;
        self.headline = why.to_string();
        self.fix = Some(format!(
            "Check that {} is up and that this computer can reach it; authtray tries again every few minutes, and its gateway keeps the credential it has.",
            self.name
        ));
    }

    /// A target not checked yet.
    pub(crate) fn new(entry: &TargetEntry) -> TargetState {
        TargetState {
            name: entry.name.clone(),
            url: entry.url.clone(),
            mirror: entry.mirror,
            reached: None,
            overall: Overall::Healthy,
            headline: "Not checked yet".into(),
            fix: None,
            unreachable_since: None,
            checked_at: None,
            tried_at: None,
            mirrored_at: None,
            reload: None,
            agent: None,
        }
    }
}

/// One round of work for every target.
#[derive(Clone)]
pub struct Job {
    /// Claude Code's login as read now (mirrored to targets marked so, when usable).
    pub login: LoginState,
    /// Whether to mirror (login changed, start, Sync now) or only look.
    pub mirror: bool,
    /// The settings in force (lead times for the verdict).
    pub settings: Settings,
}

struct Worker {
    entry: TargetEntry,
    tx: Sender<Job>,
}

/// The running pool.
pub struct TargetPool {
    env: Env,
    workers: Vec<Worker>,
    states: Arc<Mutex<BTreeMap<String, TargetState>>>,
    changed: Arc<dyn Fn() + Send + Sync>,
}

impl TargetPool {
    /// An empty pool; `changed` runs (on a worker's thread) after any target's state changed.
    pub fn new(env: Env, changed: impl Fn() + Send + Sync + 'static) -> TargetPool {
        TargetPool { env, workers: Vec::new(), states: Arc::default(), changed: Arc::new(changed) }
    }

    /// Starts workers for new targets and stops those of targets that are gone or changed.
    pub fn reconcile(&mut self, targets: &[TargetEntry]) {
        self.workers.retain(|w| targets.contains(&w.entry));
        if let Ok(mut s) = self.states.lock() {
            s.retain(|name, st| targets.iter().any(|t| &t.name == name && t.url == st.url && t.mirror == st.mirror));
        }
        for t in targets {
            if self.workers.iter().any(|w| &w.entry == t) {
                continue;
            }
            let (tx, rx) = mpsc::channel();
            if let Ok(mut s) = self.states.lock() {
                s.insert(t.name.clone(), TargetState::new(t));
            }
            let (env, entry, states, changed) = (self.env.clone(), t.clone(), Arc::clone(&self.states), Arc::clone(&self.changed));
            let spawned = std::thread::Builder::new()
                .name(format!("authtray-target-{}", t.name))
                .spawn(move || work(&env, &entry, &rx, &states, changed.as_ref()));
            match spawned {
                Ok(_) => self.workers.push(Worker { entry: t.clone(), tx }),
                Err(e) => tracing::error!("cannot start the worker for target {}: {e}", t.name),
            }
        }
    }

    /// Hands every target a job; returns at once.
    pub fn kick(&self, job: &Job) {
        for w in &self.workers {
            let _ = w.tx.send(job.clone());
        }
    }

    /// Every target's state, in the order given to [`TargetPool::reconcile`].
    pub fn states(&self) -> Vec<TargetState> {
        let Ok(s) = self.states.lock() else { return Vec::new() };
        self.workers.iter().filter_map(|w| s.get(&w.entry.name).cloned()).collect()
    }

    /// Whether there are targets.
    pub(crate) fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }
}

/// The targets once each has been tried since `since` (after a Sync now, say), or as they
/// stand when `within` has passed; `read` gives their latest states (a live snapshot's).
pub fn tried_since(read: impl Fn() -> Vec<TargetState>, since: Millis, within: std::time::Duration) -> Vec<TargetState> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let targets = read();
        let done = targets.iter().all(|t| t.tried_at.is_some_and(|at| at >= since));
        if done || std::time::Instant::now() >= deadline {
            return targets;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

/// What each target's check since `since` found, in one line: "vps: All credentials healthy ·
/// cluster cannot be reached · nas: still checking" (an older answer is not this check's).
pub fn answers(targets: &[TargetState], since: Millis) -> String {
    let answer = |t: &TargetState| {
        if t.tried_at.is_some_and(|at| at >= since) {
            t.answer()
        } else {
            t.still_checking()
        }
    };
    targets.iter().map(answer).collect::<Vec<_>>().join(" · ")
}

/// Every target checked once, side by side, waiting for all (each bounded by its transport's
/// own time limits): for a command that reports on them and exits.
pub fn check_all(env: &Env, targets: &[TargetEntry], job: &Job) -> Vec<TargetState> {
    let now = now_ms();
    std::thread::scope(|s| {
        let running: Vec<_> = targets.iter().map(|t| s.spawn(move || run_job(env, t, job, TargetState::new(t), now))).collect();
        running
            .into_iter()
            .zip(targets)
            .map(|(h, t)| {
                h.join().unwrap_or_else(|_| {
                    let mut st = TargetState::new(t);
                    st.mark_unreachable(now, "checking it stopped unexpectedly");
                    st
                })
            })
            .collect()
    })
}

/// A worker: one job at a time; jobs that piled up meanwhile are merged into one (a mirror
/// if any asked for it, with the newest login). Ends when the pool drops its sender.
fn work(
    env: &Env,
    entry: &TargetEntry,
    rx: &Receiver<Job>,
    states: &Mutex<BTreeMap<String, TargetState>>,
    changed: &(dyn Fn() + Send + Sync),
) {
    while let Ok(mut job) = rx.recv() {
        for later in rx.try_iter() {
            let mirror = job.mirror || later.mirror;
            job = later;
            job.mirror = mirror;
        }
        let before = states.lock().ok().and_then(|s| s.get(&entry.name).cloned()).unwrap_or_else(|| TargetState::new(entry));
        let after = run_job(env, entry, &job, before.clone(), now_ms());
        if after != before {
            if let Ok(mut s) = states.lock() {
                // Removed or changed meanwhile (a new URL under the same name has its own
                // worker): this result is not its state.
                if s.get(&entry.name).is_some_and(|cur| cur.url == entry.url && cur.mirror == entry.mirror) {
                    s.insert(entry.name.clone(), after);
                }
            }
            changed();
        }
    }
}

/// Does one job against one target and returns its new state.
pub(crate) fn run_job(env: &Env, entry: &TargetEntry, job: &Job, mut st: TargetState, now: Millis) -> TargetState {
    // No usable login: the target is only looked at.
    let login = remote::mirrorable(&job.login, now).ok();
    let result: crate::error::Result<()> = (|| {
        if let Some(secret) = SecretTarget::of(env, entry)? {
            match (job.mirror && entry.mirror, login) {
                (true, Some(l)) => {
                    if secret.write(&l.access_token)?.written {
                        st.mirrored_at = Some(now);
                    }
                }
                _ => secret.check()?,
            }
            st.overall = Overall::Healthy;
            st.headline = format!("{} is reachable", secret.describe());
            st.fix = None;
            return Ok(());
        }
        let mut g = remote::connect(env, entry)?;
        // A gateway that runs Claude Code for every Anthropic model needs no copy (and would be
        // harmed by one); its own verdict says how it stands.
        let wants_mirror = job.mirror && entry.mirror && !remote::runs_claude_code_only(&g.status);
        if let (true, Some(l)) = (wants_mirror, login) {
            if let (_, Some(reload)) = remote::mirror(&g, l, job.settings.mirror_profile_id.as_deref())? {
                st.mirrored_at = Some(now);
                st.reload = Some(reload);
                // What the verdict reads must include what was just written.
                g.status = g.cli.status_json(g.agent.as_deref())?;
            }
        }
        let keeper = crate::keeper::current(env, now);
        let r = remote::report(&g, &job.login, &job.settings, keeper.as_deref(), now, crate::health::DEFAULT_WARN_MS)?;
        st.agent = r.report.agents.first().cloned();
        let verdict = r.report.verdict.unwrap_or_else(|| unreachable!("report() always judges"));
        st.overall = verdict.overall;
        st.headline = verdict.headline.clone();
        st.fix = verdict.top().and_then(|p| p.remedy.as_ref()).map(|r| r.text.clone());
        Ok(())
    })();
    st.tried_at = Some(now);
    match result {
        Ok(()) => {
            st.reached = Some(true);
            st.unreachable_since = None;
            st.checked_at = Some(now);
        }
        Err(e) => {
            // "cannot reach target NAME: " is said by where this is shown.
            let text = e.to_string();
            st.mark_unreachable(now, text.strip_prefix(&format!("cannot reach target {}: ", entry.name)).unwrap_or(&text));
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job { login: LoginState::Missing { tried: Vec::new() }, mirror: true, settings: Settings::default() }
    }

    #[test]
    fn an_unreachable_target_says_since_when_and_keeps_that_time() {
        let entry = TargetEntry { name: "gw".into(), url: "docker://gw".into(), mirror: true };
        let env = Env::from_pairs([
            ("HOME", "/nonexistent".to_string()),
            ("PATH", "/nonexistent".to_string()),
            ("AUTHTRAY_DOCKER", "/nonexistent/docker".to_string()),
        ]);
        let first = run_job(&env, &entry, &job(), TargetState::new(&entry), 1_000);
        assert_eq!(first.reached, Some(false));
        assert_eq!(first.unreachable_since, Some(1_000));
        assert_eq!(first.overall, Overall::Attention);
        assert!(first.fix.as_deref().unwrap().contains("Check that gw is up"));
        let again = run_job(&env, &entry, &job(), first, 5_000);
        assert_eq!(again.unreachable_since, Some(1_000), "the first failure is when it became unreachable");
        assert_eq!((again.tried_at, again.checked_at), (Some(5_000), None), "tried, never answered");
        assert_eq!(again.answer(), "gw cannot be reached");
    }

    #[test]
    fn a_report_of_a_check_waits_for_every_host_to_be_tried_again_or_the_time_limit() {
        let entry = TargetEntry { name: "vps".into(), url: "ssh://vps".into(), mirror: false };
        let tried = |at: Option<Millis>, reached: Option<bool>| TargetState {
            tried_at: at,
            reached,
            headline: "All credentials healthy".into(),
            ..TargetState::new(&entry)
        };
        let reads = std::sync::atomic::AtomicUsize::new(0);
        // Old until the third read, then tried again.
        let got = tried_since(
            || {
                let n = reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                vec![if n < 2 { tried(Some(10), Some(false)) } else { tried(Some(100), Some(true)) }]
            },
            50,
            std::time::Duration::from_secs(10),
        );
        assert_eq!(answers(&got, 50), "vps: All credentials healthy");
        // Not tried again in time: its older answer is not passed off as this check's.
        let got = tried_since(|| vec![tried(Some(10), Some(false))], 50, std::time::Duration::from_millis(300));
        assert_eq!(answers(&got, 50), "vps: still checking");
    }

    #[test]
    fn a_slow_target_does_not_hold_up_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let slow = dir.path().join("docker");
        std::fs::write(&slow, "#!/bin/sh\nsleep 5\n").unwrap();
        let mut p = std::fs::metadata(&slow).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0o755);
        std::fs::set_permissions(&slow, p).unwrap();
        let env = Env::from_pairs([
            ("HOME", "/nonexistent".to_string()),
            ("PATH", "/usr/bin:/bin".to_string()),
            ("AUTHTRAY_DOCKER", slow.to_string_lossy().into_owned()),
            ("AUTHTRAY_KUBECTL", "/nonexistent/kubectl".to_string()),
        ]);
        let (tx, rx) = mpsc::channel();
        let mut pool = TargetPool::new(env, move || {
            let _ = tx.send(());
        });
        let targets = vec![
            TargetEntry { name: "slow".into(), url: "docker://slow".into(), mirror: false },
            TargetEntry { name: "dead".into(), url: "kubectl://ns/deploy/gw".into(), mirror: false },
        ];
        pool.reconcile(&targets);
        let started = std::time::Instant::now();
        pool.kick(&job());
        rx.recv_timeout(std::time::Duration::from_secs(3)).expect("the dead target reported while the slow one hangs");
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
        let states = pool.states();
        assert_eq!(states.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), vec!["slow", "dead"]);
        assert_eq!(states[1].reached, Some(false));
        assert_eq!(states[0].reached, None, "still busy");
        pool.reconcile(&targets[1..]);
        assert_eq!(pool.states().len(), 1);
    }
}
