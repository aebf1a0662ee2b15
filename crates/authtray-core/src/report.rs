//! The reports every shell reads, as data: the status of an install (agents, profiles, routes,
//! Claude Code's login) and the one verdict on it. Below both `ops` (which fills them) and
//! `verdict` (which judges them), so neither imports the other's types; the few methods here
//! only build or read these values.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::claude::{LoginSource, LoginState};
use crate::clock::Millis;
use crate::health::{self, Status};

/// Where Claude Code's login was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// `~/.claude/.credentials.json`.
    File,
    /// The macOS Keychain item.
    Keychain,
    /// Nowhere.
    None,
}

/// What state Claude Code's login is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    /// Usable for more than `SOURCE_WARN_MS` (30 minutes).
    Ok,
    /// Usable, but within `SOURCE_WARN_MS` (30 minutes) of its expiry.
    Expiring,
    /// Past its expiry: Claude Code has not refreshed it.
    Expired,
    /// Not logged in.
    Missing,
    /// There, but not what Claude Code writes.
    Malformed,
    /// There, but it could not be read (permissions, Keychain refused).
    Unreadable,
    /// Claude Code is told to ignore it (an API key or helper in its settings).
    Overridden,
}

impl SourceStatus {
    /// The JSON spelling, for messages and keys.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Ok => "ok",
            SourceStatus::Expiring => "expiring",
            SourceStatus::Expired => "expired",
            SourceStatus::Missing => "missing",
            SourceStatus::Malformed => "malformed",
            SourceStatus::Unreadable => "unreadable",
            SourceStatus::Overridden => "overridden",
        }
    }
}

/// Claude Code's login at a glance.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaudeReport {
    /// Where it was found.
    pub source: SourceKind,
    /// The file, when the source is a file.
    pub path: Option<PathBuf>,
    /// The Keychain service, when the source is the Keychain.
    pub service: Option<String>,
    /// Its state.
    pub status: SourceStatus,
    /// When the access token expires (ms).
    pub expires_at: Option<Millis>,
    /// The access token, redacted.
    pub token: Option<String>,
    /// Whether a refresh token exists (never shown, never copied into openclaw).
    pub has_refresh_token: bool,
    /// `max`, `pro` …
    pub subscription_type: Option<String>,
    /// `default_claude_max_20x` …
    pub rate_limit_tier: Option<String>,
    /// Whether Claude Code itself counts as logged in (`claude auth status`): a subscription
    /// login with the inference scope (even with an expired access token), or an API key its
    /// settings name.
    pub logged_in: bool,
    /// The account's email, from Claude Code's `.claude.json`, when it keeps one.
    pub email: Option<String>,
    /// When the source last changed.
    pub modified_at: Option<Millis>,
    /// What is wrong, when not usable.
    pub problem: Option<String>,
}

/// Within this much of its expiry, Claude Code's own token counts as expiring.
pub(crate) const SOURCE_WARN_MS: Millis = 30 * 60 * 1000;

impl ClaudeReport {
    /// Summarises a login state.
    pub(crate) fn from_state(state: &LoginState, now: Millis) -> ClaudeReport {
        let mut r = ClaudeReport {
            source: SourceKind::None,
            path: None,
            service: None,
            status: SourceStatus::Missing,
            expires_at: None,
            token: None,
            has_refresh_token: false,
            subscription_type: None,
            rate_limit_tier: None,
            logged_in: matches!(state, LoginState::Ready(_) | LoginState::Overridden { .. }),
            email: None,
            modified_at: None,
            problem: state.problem(),
        };
        let mut set_source = |s: &LoginSource| match s {
            LoginSource::File { path } => {
                r.source = SourceKind::File;
                r.path = Some(path.clone());
            }
            LoginSource::Keychain { service, .. } => {
                r.source = SourceKind::Keychain;
                r.service = Some(service.clone());
            }
        };
        match state {
            LoginState::Ready(l) => {
                set_source(&l.source);
                r.status = if l.expires_at <= now {
                    SourceStatus::Expired
                } else if l.expires_at - now <= SOURCE_WARN_MS {
                    SourceStatus::Expiring
                } else {
                    SourceStatus::Ok
                };
                r.expires_at = Some(l.expires_at);
                r.token = Some(l.access_token.redacted());
                r.has_refresh_token = l.refresh_token.is_some();
                r.subscription_type = l.subscription_type.clone();
                r.rate_limit_tier = l.rate_limit_tier.clone();
                r.modified_at = l.modified_at;
            }
            LoginState::Missing { .. } => {}
            LoginState::Malformed { source, .. } => {
                set_source(source);
                r.status = SourceStatus::Malformed;
            }
            LoginState::Unreadable { source, .. } => {
                set_source(source);
                r.status = SourceStatus::Unreadable;
            }
            LoginState::Overridden { .. } => r.status = SourceStatus::Overridden,
        }
        r
    }
}

/// One profile's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileReport {
    /// The profile id (`anthropic:manual`).
    pub id: String,
    /// The provider, normalised as the gateway does.
    pub provider: String,
    /// `api_key`, `token`, `oauth`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// What the gateway's `models status` would say of it (ok, expiring, expired, …).
    pub status: Status,
    /// Expiry in ms, or null.
    pub expires_at: Option<Millis>,
    /// The secret, redacted.
    pub token: Option<String>,
    /// False when the config or an order hides it from the gateway.
    pub used: bool,
    /// Why it is `missing`.
    pub reason: Option<String>,
    /// Its place (1 = first) among the profiles the gateway could use now, in the order it
    /// tries them; null when it would skip it (expired, filtered, not in the order).
    pub rank: Option<usize>,
    /// Whether this is the profile the gateway uses now for its provider.
    pub in_use: bool,
    /// Whether the gateway has set it aside (cooldown after failures, disabled), until when, why.
    pub availability: health::Availability,
}

/// What carries a route: where the credential of a model call comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteKind {
    /// A profile in the gateway's auth store (a token, an OAuth login or an API key).
    #[default]
    Profile,
    /// A key in the gateway's environment or its `.env`.
    Env,
    /// Claude Code's own login: the gateway runs Claude Code (the Claude CLI runtime).
    ClaudeCli,
    /// The OpenAI login the gateway keeps in its store, run by the Codex runtime.
    Codex,
}

/// What the Claude CLI runtime needs where the gateway runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaudeCliRoute {
    /// Claude Code's login as Claude Code would use it.
    pub login: crate::claude_cli::NativeLogin,
    /// The `claude` the gateway would run.
    pub executable: crate::claude_cli::Executable,
}

/// How the gateway would answer model calls of one provider its models need, on one runtime.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    /// The provider (`anthropic`).
    pub provider: String,
    /// What runs the calls (`openclaw`, `claude-cli`, `codex`).
    pub runtime: Option<crate::gateway::runtime::Runtime>,
    /// What carries it now.
    pub kind: RouteKind,
    /// The model refs on this route, primary first.
    pub models: Vec<String>,
    /// Whether only fallback models use it.
    pub fallback: bool,
    /// Whether a model call would find a credential now.
    pub works: bool,
    /// The profile it would use now.
    pub profile: Option<String>,
    /// Every profile it could use, in the order it tries them.
    pub usable: Vec<String>,
    /// Whether the environment (or the state dir's `.env`) has a key for it.
    pub env: bool,
    /// When the last usable credential runs out; null when one does not expire (or renews).
    pub until: Option<Millis>,
    /// When every usable profile is on cooldown or disabled, until when.
    pub resting_until: Option<Millis>,
    /// On the Claude CLI runtime: Claude Code's login and executable where the gateway runs.
    pub claude_cli: Option<ClaudeCliRoute>,
}

impl Route {
    /// Settles a route the gateway runs through Claude Code: a stored Anthropic profile that
    /// is usable overrides Claude Code's own login (measured on 2026.9.6); otherwise Claude
    /// Code's login carries it. Either way the gateway must find `claude`.
    pub(crate) fn on_claude_cli(mut self, cli: ClaudeCliRoute, now: Millis) -> Route {
        let awake = self.works && self.profile.is_some() && self.resting_until.is_none();
        let native = cli.login.usable(now);
        let found = cli.executable.path.is_some();
        self.runtime = Some(crate::gateway::runtime::Runtime::ClaudeCli);
        self.kind = if awake { RouteKind::Profile } else { RouteKind::ClaudeCli };
        // The gateway clears Anthropic keys from Claude Code's environment
        // (`CLAUDE_CLI_CLEAR_ENV` in its bundle): a key in its environment carries nothing here.
        self.env = false;
        self.works = found && (awake || native);
        if !awake {
            // Claude Code renews its own login: nothing here runs out on a date.
            self.until = None;
        }
        self.claude_cli = Some(cli);
        self
    }

    /// Whether Claude Code's own login carries this route.
    pub(crate) fn carried_by_claude_code(&self) -> bool {
        self.kind == RouteKind::ClaudeCli
    }
}

/// One agent's store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentReport {
    /// The agent id, normalised as the gateway does.
    pub id: String,
    /// Whether this is the default agent.
    pub default: bool,
    /// The agent dir.
    pub dir: PathBuf,
    /// The store file.
    pub store: PathBuf,
    /// Whether the store exists.
    pub store_exists: bool,
    /// Profiles the gateway loads.
    pub profiles: Vec<ProfileReport>,
    /// Order overrides per provider.
    pub order: BTreeMap<String, Vec<String>>,
    /// Per provider, the profile ids the gateway would try, in its order (override, config
    /// order, config listing, else the store's). Profiles not listed here are not used.
    pub effective_order: BTreeMap<String, Vec<String>>,
    /// This agent's `--check` code.
    pub check: u8,
    /// Why the store could not be read.
    pub error: Option<String>,
    /// Per provider the gateway's models need (default model and fallbacks), what it would use.
    pub routes: Vec<Route>,
    /// JSON-era store files left in a SQLite-era agent dir: the gateway refuses to load auth
    /// while they are there (AUTH_PROFILE_MIGRATION_REQUIRED).
    pub stray_json: Vec<PathBuf>,
}

impl AgentReport {
    /// Whether the gateway runs every Anthropic model of this agent through Claude Code.
    pub(crate) fn runs_claude_code_only(&self) -> bool {
        let mut anthropic = self.routes.iter().filter(|r| r.provider == "anthropic").peekable();
        anthropic.peek().is_some() && anthropic.all(|r| r.runtime == Some(crate::gateway::runtime::Runtime::ClaudeCli))
    }
}

/// The whole `status` document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// `clawdbot`, `openclaw-json`, `openclaw-sqlite` or `none`.
    pub generation: &'static str,
    /// How the generation was decided.
    pub generation_evidence: String,
    /// The gateway version, when known.
    pub gateway_version: Option<String>,
    /// The state dir.
    pub state_dir: PathBuf,
    /// The config file.
    pub config_path: PathBuf,
    /// Claude Code's login.
    pub claude_code: ClaudeReport,
    /// Agents, default first.
    pub agents: Vec<AgentReport>,
    /// authtray's `--check` code, from the verdict: 0 the gateway works, 2 it works but what
    /// carries it runs out within the warning window, 1 it does not work.
    pub check: u8,
    /// The gateway's own `models status --check` code for the main agent (0, 1, 2), which can
    /// be stricter than what the gateway does (clawdbot counts profiles it would skip).
    pub gateway_check: u8,
    /// The one verdict every shell shows (filled by `ops::status::with_verdict`).
    pub verdict: Option<Verdict>,
    /// The warning window used.
    pub warn_within_ms: Millis,
    /// When this was computed.
    pub now: Millis,
    /// Whether the gateway runs on this machine, and whether authtray can make it reload.
    pub gateway_process: crate::gateway::running::GatewayProcess,
    /// Model keys the gateway takes from its environment or its `.env` (values redacted).
    pub env: Vec<health::EnvCredential>,
    /// What keeps the mirror current as Claude Code renews its login ("the authtray app",
    /// "authtray watch"), or `None` when nothing runs that does: a mirror then lasts only
    /// until its own expiry.
    pub mirror_keeper: Option<String>,
}

/// A profile the gateway would try for a route, in its order, as far as the route cares.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The profile id.
    pub id: String,
    /// Whether the gateway renews it itself (OAuth with a refresh token): it does not run out.
    pub renews: bool,
    /// Whether it is expired or has no secret: the gateway skips it.
    pub dead: bool,
    /// Whether it is an API key: on the Claude CLI runtime a stored key needs an explicit
    /// selection and never stands in for Claude Code's login (openclaw's docs), tokens do.
    pub api_key: bool,
    /// When it expires.
    pub expires_at: Option<Millis>,
    /// Until when the gateway has set it aside (cooldown, disabled).
    pub resting_until: Option<Millis>,
}

impl Route {
    /// The one reading of a route, for this machine's stores and a remote gateway's status
    /// alike: usable profiles in the gateway's try order, the first one not resting in use.
    pub(crate) fn from_candidates(provider: String, tried: &[Candidate], env: bool) -> Route {
        Route::from_tried(provider, tried.iter().collect(), env)
    }

    /// The route the Claude CLI runtime takes: only stored tokens and OAuth logins compete with
    /// Claude Code's own login there.
    pub(crate) fn from_candidates_on_claude_cli(provider: String, tried: &[Candidate], cli: ClaudeCliRoute, now: Millis) -> Route {
        Route::from_tried(provider, tried.iter().filter(|c| !c.api_key).collect(), false).on_claude_cli(cli, now)
    }

    /// The route for `kind` of runtime from what the gateway would try.
    pub(crate) fn for_runtime(
        provider: String,
        runtime: crate::gateway::runtime::Runtime,
        tried: &[Candidate],
        env: bool,
        cli: impl FnOnce() -> Option<ClaudeCliRoute>,
        now: Millis,
    ) -> Route {
        use crate::gateway::runtime::Runtime;
        let route = match (runtime, cli()) {
            (Runtime::ClaudeCli, Some(c)) => return Route::from_candidates_on_claude_cli(provider, tried, c, now),
            (Runtime::Codex, _) => Route { kind: RouteKind::Codex, ..Route::from_candidates(provider, tried, env) },
            _ => {
                let r = Route::from_candidates(provider, tried, env);
                Route { kind: if r.profile.is_none() && r.env { RouteKind::Env } else { RouteKind::Profile }, ..r }
            }
        };
        Route { runtime: Some(runtime), ..route }
    }

    fn from_tried(provider: String, tried: Vec<&Candidate>, env: bool) -> Route {
        let alive: Vec<&Candidate> = tried.into_iter().filter(|c| c.renews || !c.dead).collect();
        let awake = alive.iter().find(|c| c.resting_until.is_none());
        let resting_until = if awake.is_none() { alive.iter().filter_map(|c| c.resting_until).min() } else { None };
        let lasting = |c: &&Candidate| c.renews || c.expires_at.is_none();
        let until = if alive.is_empty() || alive.iter().any(lasting) { None } else { alive.iter().filter_map(|c| c.expires_at).max() };
        Route {
            works: env || awake.is_some(),
            profile: awake.or(alive.first()).map(|c| c.id.clone()),
            usable: alive.iter().map(|c| c.id.clone()).collect(),
            env,
            until,
            resting_until,
            provider,
            ..Route::default()
        }
    }
}

/// The state the icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    /// Nothing to judge yet: not set up (no gateway here, no saved target), or the only
    /// gateways are on other hosts and none has answered yet. A neutral icon, not an alarm.
    /// Sorts below Healthy, so it never outweighs a real state.
    Neutral,
    /// The gateway works and nothing needs doing.
    Healthy,
    /// The gateway works, but something needs doing (soon).
    Attention,
    /// The gateway cannot answer model calls (or there is no gateway to supply).
    Broken,
}

/// What a remedy's button or menu entry does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Action {
    /// Open Paste with this provider and profile chosen.
    #[serde(rename_all = "camelCase")]
    Paste {
        /// The agent.
        agent: String,
        /// The provider.
        provider: String,
        /// The profile to replace, when one is named.
        profile_id: Option<String>,
    },
    /// Log in to Claude Code again (done in a terminal; shells show how).
    LogInToClaude,
    /// Choose the gateway's folder (and generation, when the disk cannot tell it).
    ChooseGateway,
    /// Run the mirror again.
    SyncNow,
    /// Put profiles the gateway set aside back in service.
    #[serde(rename_all = "camelCase")]
    ClearCooldown {
        /// The agent.
        agent: String,
        /// The provider.
        provider: String,
        /// Only this profile, when one is named.
        profile_id: Option<String>,
    },
}

/// The one fix for a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Remedy {
    /// In plain words, for a window or a menu (never a CLI flag).
    pub text: String,
    /// The short label for a button or menu entry ("Replace token…").
    pub label: Option<String>,
    /// The same fix as a command line, for the CLI.
    pub command: Option<String>,
    /// What a button does, when a shell can do it.
    pub action: Option<Action>,
    /// A second, lesser fix shown after this one, with what it risks in its text (clearing the
    /// cooldown of a token the provider rejected, after "Replace token…").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also: Option<Box<Remedy>>,
}

/// What a problem is about, so shells can place it (the login has its own line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topic {
    /// No gateway to supply yet.
    Setup,
    /// An agent's store.
    Store,
    /// What the gateway would use for a provider.
    Route,
    /// One profile.
    Profile,
    /// Claude Code's login.
    Login,
    /// The mirror of that login.
    Mirror,
    /// The running gateway.
    Gateway,
    /// A gateway on another host (a saved target).
    Target,
}

/// One thing that is wrong, or will be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// What it is about.
    pub topic: Topic,
    /// How bad.
    pub severity: Overall,
    /// The agent it concerns, when one.
    pub agent: Option<String>,
    /// The profile it concerns, when one.
    pub profile_id: Option<String>,
    /// A sentence that starts with a capital.
    pub text: String,
    /// Its fix.
    pub remedy: Option<Remedy>,
    /// What a program said about it (a transport's error …), untrusted and for a "Details"
    /// disclosure only: never a headline or a notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// For ordering: sooner first among equals.
    #[serde(skip)]
    pub(crate) urgency: Millis,
}

/// One profile as the verdict sees it, in the order the gateway tries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// The agent.
    pub agent: String,
    /// The profile id.
    pub profile_id: String,
    /// How this profile stands, consistent with the verdict.
    pub state: Overall,
    /// Whether the gateway uses it now.
    pub in_use: bool,
    /// Whether the gateway would ever pick it.
    pub used: bool,
    /// Why it has this state, in words ("In use · expires in 5 h (today 22:17)").
    pub note: String,
}

/// What first-run setup needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Setup {
    /// The folder looked at.
    pub state_dir: std::path::PathBuf,
    /// Whether that folder exists (then only the generation is unknown).
    pub found: bool,
    /// What was looked for, in words.
    pub looked_for: String,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The icon.
    pub overall: Overall,
    /// One sentence: "All credentials healthy", or the most pressing problem.
    pub headline: String,
    /// What carries the gateway and until when ("The gateway uses anthropic:manual, good until 7 Dec 2027.").
    pub detail: String,
    /// When the gateway stops working unless something changes; null when nothing runs out.
    pub until: Option<Millis>,
    /// The `--check` code: 1 broken, 2 what carries the gateway runs out within the warning
    /// window, else 0.
    pub check: u8,
    /// Every problem, worst and soonest first.
    pub problems: Vec<Problem>,
    /// Every profile, per agent in the order the gateway tries them.
    pub rows: Vec<Row>,
    /// Present when there is no gateway to supply yet.
    pub setup: Option<Setup>,
    /// What carries each route the gateway's models take, in plain words.
    pub routes: Vec<RouteLine>,
}

/// One route as people read it: which models, what carries them, whether it works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteLine {
    /// The agent.
    pub agent: String,
    /// The provider.
    pub provider: String,
    /// The model refs, primary first.
    pub models: Vec<String>,
    /// What carries it (`profile`, `env`, `claude-cli`, `codex`).
    pub kind: RouteKind,
    /// Whether a model call would find a credential now.
    pub works: bool,
    /// Whether only fallback models use it.
    pub fallback: bool,
    /// "your Claude subscription, through Claude Code (Claude Max, a@b.c)".
    pub text: String,
}

impl Verdict {
    /// The problem the headline is about.
    pub(crate) fn top(&self) -> Option<&Problem> {
        self.problems.first()
    }
}

/// What authtray last learned of one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetState {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
    /// Whether Claude Code's login is mirrored there.
    pub mirror: bool,
    /// Whether it was reached the last time it was tried (`None`: not tried yet).
    pub reached: Option<bool>,
    /// Its verdict's severity; attention while it cannot be reached.
    pub overall: Overall,
    /// Its verdict's headline, or why it cannot be reached (what the transport said).
    pub headline: String,
    /// The fix for the headline, in plain words.
    pub fix: Option<String>,
    /// Since when it has failed to answer (the first failure of the current run of them).
    pub unreachable_since: Option<Millis>,
    /// When it last answered.
    pub checked_at: Option<Millis>,
    /// When it was last tried, answered or not.
    pub tried_at: Option<Millis>,
    /// When authtray last wrote Claude Code's login there.
    pub mirrored_at: Option<Millis>,
    /// Whether its running gateway took up the last mirror write.
    pub reload: Option<crate::gateway::running::Reload>,
    /// Its agent's profiles and order as it last reported them (for the order screen).
    pub agent: Option<AgentReport>,
}

/// Where a target stands, the one reading of a [`TargetState`] the verdict, the glance and the
/// alerts share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Not tried yet.
    Checking,
    /// It failed to answer, since then.
    Unreachable {
        /// The first failure of the current outage.
        since: Millis,
    },
    /// It answered; its own verdict.
    Answered(Overall),
}

impl TargetState {
    /// What its last check found, in a few words for a report of that check:
    /// "vps: All credentials healthy", "cluster cannot be reached", "vps: still checking".
    pub fn answer(&self) -> String {
        match self.standing() {
            Standing::Checking => self.still_checking(),
            Standing::Unreachable { .. } => format!("{} cannot be reached", self.name),
            Standing::Answered(_) => format!("{}: {}", self.name, self.headline),
        }
    }

    /// "vps: still checking": no answer yet, or none from the check asked for.
    pub(crate) fn still_checking(&self) -> String {
        format!("{}: still checking", self.name)
    }

    /// Where it stands.
    pub(crate) fn standing(&self) -> Standing {
        match (self.reached, self.unreachable_since) {
            (None, _) => Standing::Checking,
            (Some(false), Some(since)) => Standing::Unreachable { since },
            // A failure is always stamped; a state without the stamp cannot be one.
            (Some(false), None) => Standing::Checking,
            (Some(true), _) => Standing::Answered(self.overall),
        }
    }
}
