//! The live-mirroring service behind the tray app and `authtray watch`: mirror once at start,
//! then on every change of Claude Code's login; recompute health when a store changes; check
//! alerts every minute (countdowns move) and after every change.
//!
//! One thread owns all state and sleeps on a channel between events, so an idle service costs
//! one wake-up a minute. Shells get [`Update`]s through a callback and send commands
//! ([`Live::sync_now`], [`Live::refresh`]) through the handle.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::alerts::{self, Alert, AlertState};
use crate::clock::Millis;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::glance::Glance;
use crate::ops::status::StatusReport;
use crate::ops::sync::{SyncReport, SyncRequest};
use crate::ops::{Context, Options};
use crate::settings::Settings;
use crate::watch::{Changed, Watch, WatchSpec};

/// How the service runs.
#[derive(Clone)]
pub struct LiveConfig {
    /// How to find the gateway and the login.
    pub options: Options,
    /// The environment.
    pub env: Env,
    /// Quiet time after a file event before acting.
    pub debounce: Duration,
    /// How often the Keychain item's attributes are polled (macOS).
    pub keychain_every: Duration,
    /// How often health and alerts are recomputed without an event (countdowns).
    pub tick: Duration,
    /// Where settings live (default: `paths::config_dir`).
    pub config_dir: Option<PathBuf>,
    /// Where alert state lives (default: `paths::data_dir`).
    pub data_dir: Option<PathBuf>,
    /// Leave live mirroring to an installed `authtray service` (the tray app sets this, so the
    /// two never mirror at once; Sync now still runs here).
    pub defer_to_service: bool,
    /// What this process is called where others say what keeps the mirror current
    /// ("the authtray app"); see [`crate::keeper`].
    pub keeper: &'static str,
}

impl LiveConfig {
    /// Defaults: 150 ms debounce, 10 s Keychain poll, 60 s tick.
    pub fn new(env: Env, options: Options) -> LiveConfig {
        LiveConfig {
            options,
            env,
            debounce: Duration::from_millis(150),
            keychain_every: Duration::from_secs(10),
            tick: Duration::from_secs(60),
            config_dir: None,
            data_dir: None,
            defer_to_service: false,
            keeper: "authtray watch",
        }
    }

    fn settings_path(&self) -> PathBuf {
        Settings::path(&self.config_dir.clone().unwrap_or_else(|| crate::paths::config_dir(&self.env)))
    }

    fn alerts_path(&self) -> PathBuf {
        AlertState::path(&self.data_dir.clone().unwrap_or_else(|| crate::paths::data_dir(&self.env)))
    }
}

/// Everything a shell shows, as of one moment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// The status (absent when no gateway install was found).
    pub status: Option<StatusReport>,
    /// The glance: icon state, headline, lines.
    pub glance: Glance,
    /// The latest mirror run.
    pub last_sync: Option<SyncReport>,
    /// When it ran.
    pub last_sync_at: Option<Millis>,
    /// Why the latest mirror run could not run at all.
    pub last_sync_error: Option<crate::error::Failure>,
    /// Why the install or settings could not be loaded.
    pub problem: Option<String>,
    /// The settings in force.
    pub settings: Settings,
    /// Whether live mirroring is left to an installed `authtray service`.
    pub mirror_deferred: bool,
    /// The saved targets (gateways on other hosts) as last checked, in the settings' order.
    pub targets: Vec<crate::target_pool::TargetState>,
}

/// What the callback receives.
#[derive(Debug, Clone)]
pub struct Update {
    /// The new snapshot.
    pub snapshot: Arc<Snapshot>,
    /// Alerts due now (each fires once; already recorded as fired).
    pub alerts: Vec<Alert>,
    /// Why this update happened.
    pub cause: Cause,
}

/// Why an update happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The service started: what is on disk, published before the start's mirror writes (only
    /// when it mirrors), so that the first verdict never waits for a write.
    FirstLook,
    /// The service started (and mirrored, when that is on).
    Start,
    /// Claude Code's login changed.
    LoginChanged,
    /// A store or the config changed.
    StoreChanged,
    /// authtray's settings changed (the mirror runs again: its targets may have changed).
    SettingsChanged,
    /// The user asked for a sync.
    SyncNow,
    /// The user asked for a refresh (after a paste, a settings change …).
    Refresh,
    /// The minute tick.
    Tick,
    /// A target (gateway on another host) was checked or written.
    Targets,
    /// The user changed a target through this process: check them again.
    CheckTargets,
}

enum Cmd {
    Changed(BTreeSet<Changed>),
    Targets,
    CheckTargets,
    SyncNow(Option<Sender<Result<SyncReport>>>),
    Refresh,
    Stop,
}

/// A running service. Dropping it stops it.
pub struct Live {
    tx: Sender<Cmd>,
    current: Arc<Mutex<Option<Arc<Snapshot>>>>,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.tx.send(Cmd::Stop);
    }
}

impl Live {
    /// Starts the service; `on_update` runs on its thread after every change.
    pub fn start(config: LiveConfig, on_update: impl FnMut(&Update) + Send + 'static) -> Live {
        let (tx, rx) = mpsc::channel::<Cmd>();
        let current = Arc::new(Mutex::new(None));
        let shared = Arc::clone(&current);
        let watch_tx = tx.clone();
        let targets_tx = tx.clone();
        let pool = crate::target_pool::TargetPool::new(config.env.clone(), move || {
            let _ = targets_tx.send(Cmd::Targets);
        });
        let spawned = std::thread::Builder::new().name("authtray-live".into()).spawn(move || {
            let mut svc = Service {
                config,
                on_update: Box::new(on_update),
                shared,
                watch: None,
                watch_files: Vec::new(),
                watch_tx,
                alerts: AlertState::default(),
                last_sync: None,
                last_sync_at: None,
                last_sync_error: None,
                known_generation: None,
                login: None,
                beat_at: None,
                targets: pool,
                targets_kicked: None,
            };
            svc.alerts = AlertState::load(&svc.config.alerts_path()).unwrap_or_else(|e| {
                tracing::warn!("{e}; starting with no alert history");
                AlertState::default()
            });
            svc.cycle(Cause::Start, true, None);
            let mut next_tick = Instant::now() + svc.config.tick;
            loop {
                match rx.recv_timeout(next_tick.saturating_duration_since(Instant::now())) {
                    Ok(Cmd::Stop) | Err(RecvTimeoutError::Disconnected) => {
                        crate::keeper::stop(&svc.config.env);
                        return;
                    }
                    Ok(Cmd::Changed(c)) => {
                        let cause = if c.contains(&Changed::Login) {
                            Cause::LoginChanged
                        } else if c.contains(&Changed::Settings) {
                            Cause::SettingsChanged
                        } else {
                            Cause::StoreChanged
                        };
                        svc.cycle(cause, cause != Cause::StoreChanged, None);
                    }
                    Ok(Cmd::SyncNow(reply)) => svc.cycle(Cause::SyncNow, true, reply),
                    Ok(Cmd::Refresh) => svc.cycle(Cause::Refresh, false, None),
                    Ok(Cmd::Targets) => svc.cycle(Cause::Targets, false, None),
                    Ok(Cmd::CheckTargets) => svc.cycle(Cause::CheckTargets, false, None),
                    Err(RecvTimeoutError::Timeout) => {
                        svc.cycle(Cause::Tick, false, None);
                        next_tick = Instant::now() + svc.config.tick;
                    }
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!("cannot start the live service: {e}");
        }
        Live { tx, current }
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.current.lock().ok().and_then(|g| g.clone())
    }

    /// Mirrors now and waits for the result.
    pub fn sync_now(&self) -> Result<SyncReport> {
        let (tx, rx) = mpsc::channel();
        self.tx.send(Cmd::SyncNow(Some(tx))).map_err(|_| Error::Internal("the live service has stopped".into()))?;
        rx.recv().map_err(|_| Error::Internal("the live service has stopped".into()))?
    }

    /// Asks for a new snapshot (settings or a store changed through this process).
    pub fn refresh(&self) {
        let _ = self.tx.send(Cmd::Refresh);
    }

    /// Checks the saved targets again now (one was changed through this process).
    pub fn check_targets(&self) {
        let _ = self.tx.send(Cmd::CheckTargets);
    }
}

impl Snapshot {
    /// What the shells show when the gateway's files cannot be read: the reason in plain
    /// words (the whole text in `problem`), and the targets as last found.
    fn unreadable(e: &Error, settings: Settings, deferred: bool, targets: Vec<crate::target_pool::TargetState>, now: Millis) -> Snapshot {
        Snapshot {
            status: None,
            glance: crate::glance::unreadable(e, &targets, now),
            last_sync: None,
            last_sync_at: None,
            last_sync_error: None,
            // The engine's text, for logs: redacted like every failure's details.
            problem: Some(e.failure().details),
            settings,
            mirror_deferred: deferred,
            targets,
        }
    }
}

struct Service {
    config: LiveConfig,
    on_update: Box<dyn FnMut(&Update) + Send>,
    shared: Arc<Mutex<Option<Arc<Snapshot>>>>,
    watch: Option<Watch>,
    watch_files: Vec<PathBuf>,
    watch_tx: Sender<Cmd>,
    alerts: AlertState,
    last_sync: Option<SyncReport>,
    last_sync_at: Option<Millis>,
    last_sync_error: Option<crate::error::Failure>,
    /// The generation found last time, for when the disk alone cannot tell it.
    known_generation: Option<crate::gateway::Generation>,
    /// Claude Code's login as last read: read again only when it changed (or on start and an
    /// explicit sync), so a Keychain secret is not read every minute.
    login: Option<crate::claude::LoginState>,
    /// When this process last wrote its keeper heartbeat (a cycle runs on every file change;
    /// the heartbeat only needs renewing well within its freshness window).
    beat_at: Option<Millis>,
    /// The saved targets' workers.
    targets: crate::target_pool::TargetPool,
    /// When the targets were last handed a job.
    targets_kicked: Option<Instant>,
}

impl Service {
    /// Loads the context. Asking the gateway CLI for its version costs seconds of CPU, so only
    /// the start and an explicit sync may do it; other cycles reuse what was found then.
    fn load_context(&mut self, cause: Cause, settings: &Settings) -> Result<Context> {
        let mut options = self.config.options.clone().with_settings(settings);
        let may_probe = matches!(cause, Cause::Start | Cause::SyncNow);
        options.discover.probe_cli &= may_probe;
        let mut ctx = Context::load(self.config.env.clone(), &options)?;
        if ctx.install.generation.is_none() && options.discover.generation.is_none() {
            if let Some(g) = self.known_generation {
                options.discover.generation = Some(g);
                ctx = Context::load(self.config.env.clone(), &options)?;
            }
        }
        if let Some(g) = ctx.install.generation {
            self.known_generation = Some(g);
        }
        // A file is cheap to read and a missed event would go unnoticed: only the Keychain's
        // secret is kept between its attribute changes.
        let keychain = ctx.locator.keychain.is_some();
        let login = match (&self.login, cause) {
            (Some(l), Cause::StoreChanged | Cause::Refresh | Cause::Tick | Cause::SettingsChanged) if keychain => l.clone(),
            _ => ctx.login(),
        };
        self.login = Some(login.clone());
        Ok(ctx.with_login(login))
    }

    fn cycle(&mut self, cause: Cause, mirror: bool, reply: Option<Sender<Result<SyncReport>>>) {
        let (settings, settings_problem) = match Settings::load(&self.config.settings_path()) {
            Ok(s) => (s, None),
            Err(e) => (Settings::default(), Some(e.to_string())),
        };
        let generation_before = self.known_generation;
        self.targets.reconcile(&settings.targets);
        let deferred = self.config.defer_to_service && crate::service::installed(&self.config.env);
        // Said before the status is read, so that this cycle's verdict counts this process.
        self.keep_heartbeat(settings.mirror_enabled && !deferred);
        let loaded = self.load_context(cause, &settings);
        // The login as this cycle read it; without a gateway here, read only when the targets
        // get work (a Keychain secret is not read every minute).
        let (env, claude_dir) = (self.config.env.clone(), self.config.options.claude_dir.clone());
        let login = || match &loaded {
            Ok(ctx) => ctx.login(),
            Err(_) => crate::claude::LoginLocator::new(&env, claude_dir.as_deref()).read(),
        };
        self.kick_targets(cause, &settings, login, deferred);
        let ctx = match loaded {
            Ok(c) => c,
            Err(e) => {
                // Discovery finds no gateway without failing (that is set-up, in the verdict):
                // this is a gateway whose files cannot be read. Nothing is judged or alerted.
                self.rewatch(None);
                let targets = self.targets.states();
                let snapshot = Snapshot::unreadable(&e, settings, deferred, targets, crate::clock::now_ms());
                if let Some(r) = reply {
                    let _ = r.send(Err(e));
                }
                self.publish(snapshot, Vec::new(), cause);
                return;
            }
        };
        self.rewatch(Some(&ctx));
        // Without a known generation there is nothing to mirror into: first-run setup says so,
        // not a failure notification.
        // A gateway upgrade that moved the stores to a new generation (openclaw's doctor
        // migrating to SQLite) gets Claude Code's login mirrored into the new store at once.
        let upgraded = generation_before.is_some() && ctx.install.generation.is_some() && ctx.install.generation != generation_before;
        if upgraded {
            tracing::info!(from = ?generation_before, to = ?ctx.install.generation, "the gateway's store generation changed; mirroring again");
        }
        let wanted =
            ctx.install.generation.is_some() && (cause == Cause::SyncNow || ((mirror || upgraded) && settings.mirror_enabled && !deferred));
        if wanted && cause == Cause::Start {
            // A write through the gateway's CLI takes seconds (SQLite era): the first verdict is
            // published from what is on disk now, the mirror follows. No alerts yet: the mirror
            // may settle what they would be about.
            let (first, _) = self.snapshot(&ctx, &settings, settings_problem.clone(), deferred);
            self.publish(first, Vec::new(), Cause::FirstLook);
        }
        if wanted {
            let result = self.mirror(&ctx, &settings);
            if let Some(r) = reply {
                let _ = r.send(result);
            }
        } else if let Some(r) = reply {
            // Asked to sync with nowhere to write (first run): say so, not "the service stopped".
            let _ = r.send(Err(Error::GenerationUnknown {
                state_dir: ctx.install.state_dir.clone(),
                detail: "nothing in it says which gateway version wrote it".into(),
            }));
        }
        let (snapshot, outcome) = self.snapshot(&ctx, &settings, settings_problem, deferred);
        let due = self.alerts_for(outcome, &settings, crate::clock::now_ms());
        self.publish(snapshot, due, cause);
    }

    /// Renews this process's keeper heartbeat while it keeps the mirror (`keeping`), at most
    /// every [`crate::keeper::RENEW_MS`], and withdraws it once it stops.
    fn keep_heartbeat(&mut self, keeping: bool) {
        if keeping {
            let now = crate::clock::now_ms();
            if self.beat_at.is_none_or(|at| now.saturating_sub(at) >= crate::keeper::RENEW_MS || now < at) {
                crate::keeper::beat(&self.config.env, self.config.keeper, now);
                self.beat_at = Some(now);
            }
        } else if self.beat_at.take().is_some() {
            crate::keeper::stop(&self.config.env);
        }
    }

    /// Mirrors Claude Code's login into the gateway (and the targets marked to receive it) and
    /// keeps how it went for the verdict and the Last sync card.
    fn mirror(&mut self, ctx: &Context, settings: &Settings) -> Result<SyncReport> {
        let req = SyncRequest { targets: settings.sync_targets(), profile_id: settings.mirror_profile_id.clone(), dry_run: false };
        let result = crate::ops::sync::sync(ctx, &req);
        match &result {
            Ok(r) => {
                for a in r.agents.iter().filter(|a| a.action != crate::mirror::Action::Unchanged) {
                    tracing::info!(agent = %a.agent, action = ?a.action, error = ?a.error, "mirror");
                }
                self.last_sync = Some(r.clone());
                self.last_sync_error = None;
            }
            // No login is a state shown on the source line, not a mirror failure.
            Err(Error::NoLogin(_)) => self.last_sync_error = None,
            Err(e) => self.last_sync_error = Some(e.failure()),
        }
        self.last_sync_at = Some(ctx.now);
        result
    }

    /// What the shells show as of now, and the alerts it calls for: reads the stores, the login
    /// as the context holds it and the targets' last states; writes nothing.
    fn snapshot(&self, ctx: &Context, settings: &Settings, problem: Option<String>, deferred: bool) -> (Snapshot, alerts::Outcome) {
        let now = crate::clock::now_ms();
        let targets = self.targets.states();
        let inputs = crate::verdict::Inputs {
            sync: self.last_sync.as_ref(),
            sync_error: self.last_sync_error.as_ref(),
            settings,
            now,
            targets: &targets,
        };
        let status = crate::ops::status::with_verdict(ctx, crate::health::DEFAULT_WARN_MS, &inputs);
        let verdict = status.verdict.clone().unwrap_or_else(|| crate::verdict::judge(&status, &inputs));
        let glance = crate::glance::glance(&status, &verdict, &targets, now);
        let outcome = alerts::evaluate(
            &alerts::Inputs {
                status: &status,
                sync: self.last_sync.as_ref(),
                sync_error: self.last_sync_error.as_ref(),
                settings,
                now,
                targets: &targets,
            },
            &self.alerts,
        );
        let snapshot = Snapshot {
            status: Some(status),
            glance,
            last_sync: self.last_sync.clone(),
            last_sync_at: self.last_sync_at,
            last_sync_error: self.last_sync_error.clone(),
            problem,
            settings: settings.clone(),
            mirror_deferred: deferred,
            targets,
        };
        (snapshot, outcome)
    }

    /// Hands the targets a round of work when something they depend on changed, when asked,
    /// and every [`Settings::target_check_mins`] (checked on the minute tick), so a host that
    /// was down gets the login it missed. Mirroring there follows the local rule (enabled,
    /// not left to the service; Sync now always); writing an unchanged login is skipped there.
    fn kick_targets(&mut self, cause: Cause, settings: &Settings, login: impl FnOnce() -> crate::claude::LoginState, deferred: bool) {
        if self.targets.is_empty() {
            return;
        }
        let due = match cause {
            Cause::Start | Cause::LoginChanged | Cause::SettingsChanged | Cause::SyncNow | Cause::CheckTargets => true,
            Cause::Tick => {
                let every = Duration::from_secs(60 * u64::from(settings.target_check_mins));
                // The tick may land a moment early: a round due within a second counts as due.
                self.targets_kicked.is_none_or(|t| t.elapsed() + Duration::from_secs(1) >= every)
            }
            Cause::FirstLook | Cause::StoreChanged | Cause::Refresh | Cause::Targets => false,
        };
        if !due {
            return;
        }
        self.targets_kicked = Some(Instant::now());
        let mirror = cause == Cause::SyncNow || (cause != Cause::CheckTargets && settings.mirror_enabled && !deferred);
        self.targets.kick(&crate::target_pool::Job { login: login(), mirror, settings: settings.clone() });
    }

    /// Records what fired (so it fires once) and returns the alerts to show.
    fn alerts_for(&mut self, outcome: alerts::Outcome, settings: &Settings, now: Millis) -> Vec<Alert> {
        if self.alerts.apply(&outcome, now) {
            if let Err(e) = self.alerts.save(&self.config.alerts_path()) {
                tracing::warn!("cannot save alert state: {e}");
            }
        }
        if settings.notifications {
            outcome.due
        } else {
            Vec::new()
        }
    }

    fn publish(&mut self, snapshot: Snapshot, alerts: Vec<Alert>, cause: Cause) {
        let snapshot = Arc::new(snapshot);
        if let Ok(mut g) = self.shared.lock() {
            *g = Some(Arc::clone(&snapshot));
        }
        (self.on_update)(&Update { snapshot, alerts, cause });
    }

    /// (Re)starts the file watch when the set of files changed (an agent appeared, say).
    fn rewatch(&mut self, ctx: Option<&Context>) {
        let mut store_files = Vec::new();
        let mut login_files = Vec::new();
        let settings_files = vec![self.config.settings_path()];
        let mut keychain = None;
        if let Some(ctx) = ctx {
            login_files.push(ctx.locator.file());
            login_files.push(ctx.locator.dir.join("settings.json"));
            keychain = ctx.locator.keychain.is_some().then(|| ctx.locator.clone());
            store_files.push(ctx.install.config.path.clone());
            for agent in &ctx.install.agents {
                if let Ok(store) = ctx.store(agent) {
                    store_files.extend(store.files());
                }
            }
        } else {
            // No install yet: watch where the default one would appear.
            let home = self.config.env.home();
            store_files.extend([".openclaw", ".clawdbot", ".moltbot"].iter().map(|d| home.join(d).join("x")));
        }
        let mut all = login_files.clone();
        all.extend(store_files.iter().cloned());
        all.extend(settings_files.iter().cloned());
        all.sort();
        all.dedup();
        if self.watch.is_some() && all == self.watch_files {
            return;
        }
        let tx = self.watch_tx.clone();
        let spec = WatchSpec {
            login_files,
            store_files,
            settings_files,
            keychain,
            keychain_every: self.config.keychain_every,
            debounce: self.config.debounce,
        };
        self.watch = match Watch::start(spec, move |c| {
            let _ = tx.send(Cmd::Changed(c));
        }) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!("{e}; changes are picked up on the minute tick only");
                None
            }
        };
        self.watch_files = all;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first verdict must not wait for the mirror's write (seconds through the gateway's CLI
    /// on the SQLite generation): it is published from the disk as it is, then the write follows.
    #[test]
    fn the_first_verdict_is_published_before_the_start_mirror_writes() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        std::fs::create_dir_all(h.join(".openclaw/agents/main/agent")).unwrap();
        std::fs::write(h.join(".openclaw/openclaw.json"), r#"{"meta": {"lastTouchedVersion": "2026.5.28"}}"#).unwrap();
        std::fs::create_dir_all(h.join(".claude")).unwrap();
        let creds = format!(
            r#"{{"claudeAiOauth":{{"accessToken":"sk-ant-oat01-{}","refreshToken":"sk-ant-ort01-{}","expiresAt":{},"scopes":["user:inference"]}}}}"#,
            "F".repeat(80),
            "R".repeat(80),
            crate::clock::now_ms() + 8 * 3_600_000
        );
        std::fs::write(h.join(".claude/.credentials.json"), creds).unwrap();
        let env = Env::from_pairs([("HOME", h.to_string_lossy().into_owned()), ("PATH", String::new())]);
        let store = h.join(".openclaw/agents/main/agent/auth-profiles.json");
        let (tx, rx) = mpsc::channel();
        let seen = store.clone();
        let live = Live::start(LiveConfig::new(env, Options::default()), move |u| {
            let mirrored = std::fs::read_to_string(&seen).unwrap_or_default().contains("anthropic:claude-code");
            let _ = tx.send((u.cause, u.snapshot.last_sync.is_some(), mirrored, u.alerts.len()));
        });
        let first = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(first, (Cause::FirstLook, false, false, 0), "the first verdict waited for the write, or alerted before it");
        let second = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!((second.0, second.1, second.2), (Cause::Start, true, true), "the mirror did not follow");
        drop(live);
    }

    /// Sync now before set-up answers "not set up", never "the live service has stopped".
    #[test]
    fn sync_now_before_set_up_says_so() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_string_lossy().into_owned()), ("PATH", String::new())]);
        let live = Live::start(LiveConfig::new(env, Options::default()), |_| {});
        let e = live.sync_now().expect_err("nothing to sync into");
        assert_eq!(e.kind(), crate::error::ErrorKind::NoGateway, "{e}");
        assert!(e.summary().contains("not set up yet"), "{}", e.summary());
    }

    /// On macOS the login lives in the Keychain: the service must poll its attributes and read
    /// the secret only at start and after a change, never on every tick.
    #[test]
    fn the_keychain_secret_is_read_at_start_and_after_a_change_only() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        std::fs::create_dir_all(h.join(".openclaw/agents/main/agent")).unwrap();
        std::fs::write(h.join(".openclaw/openclaw.json"), r#"{"meta": {"lastTouchedVersion": "2026.5.28"}}"#).unwrap();
        let bin = h.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let (stamp, calls) = (h.join("mdat"), h.join("calls"));
        std::fs::write(&stamp, "20261122050000Z").unwrap();
        let blob = format!(
            r#"{{"claudeAiOauth":{{"accessToken":"sk-ant-oat01-{}","expiresAt":{},"scopes":["user:inference"]}}}}"#,
            "K".repeat(80),
            crate::clock::now_ms() + 8 * 3_600_000
        );
        std::fs::write(h.join("blob"), blob).unwrap();
        let script = format!(
            "#!/bin/sh\necho \"$@\" >> {calls}\ncase \"$*\" in *-w*) cat {blob};; *) echo \"    \\\"mdat\\\"<timedate>=\\\"$(cat {stamp})\\\"\";; esac\n",
            calls = calls.display(), blob = h.join("blob").display(), stamp = stamp.display());
        std::fs::write(bin.join("security"), script).unwrap();
        std::fs::set_permissions(bin.join("security"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let env = Env::from_pairs([
            ("HOME", h.to_string_lossy().into_owned()),
            ("PATH", bin.to_string_lossy().into_owned()),
            ("AUTHTRAY_KEYCHAIN", "1".into()),
            ("USER", "alice".into()),
        ]);
        let mut config = LiveConfig::new(env, Options::default());
        config.tick = Duration::from_millis(100);
        config.keychain_every = Duration::from_millis(100);
        let (tx, rx) = mpsc::channel();
        let live = Live::start(config, move |u| {
            let _ = tx.send(u.cause);
        });
        let reads =
            || std::fs::read_to_string(&calls).unwrap_or_default().lines().filter(|l| l.split_whitespace().any(|a| a == "-w")).count();
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), Cause::FirstLook);
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), Cause::Start);
        std::thread::sleep(Duration::from_millis(1000));
        assert!(rx.try_iter().filter(|c| *c == Cause::Tick).count() >= 3, "the ticks did not run");
        assert_eq!(reads(), 1, "the secret was read on ticks");
        std::fs::write(&stamp, "20261122060000Z").unwrap();
        let t = Instant::now();
        while rx.recv_timeout(Duration::from_secs(3)).unwrap() != Cause::LoginChanged {
            assert!(t.elapsed() < Duration::from_secs(5));
        }
        assert_eq!(reads(), 2, "the changed item was not read once");
        let store = std::fs::read_to_string(h.join(".openclaw/agents/main/agent/auth-profiles.json")).unwrap();
        assert!(store.contains("anthropic:claude-code"), "the Keychain login was not mirrored");
        drop(live);
    }
}
