//! The operations every shell offers (status, sync, paste-token, set-expiry, order, doctor), each taking a
//! [`Context`] and returning a serialisable report. Shells only format these reports.

pub mod cooldown;
pub mod doctor;
pub mod expiry;
pub mod order;
pub mod paste;
pub mod remote;
pub mod status;
pub mod sync;
pub mod undo;

use std::path::PathBuf;
use std::time::Duration;

use crate::claude::{LoginLocator, LoginState};
use crate::clock::Millis;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::gateway::cli::{GatewayCli, ProgressFn};
use crate::gateway::{discover, Agent, DiscoverOptions, Install, Store};

/// What the user chose that applies to every operation.
#[derive(Clone, Default)]
pub struct Options {
    /// How to find the gateway install.
    pub discover: DiscoverOptions,
    /// `--claude-dir`.
    pub claude_dir: Option<PathBuf>,
    /// How long to wait for a busy store lock (default 10 s).
    pub lock_timeout: Option<Duration>,
    /// Where progress of slow steps (the gateway CLI) is reported.
    pub progress: Option<ProgressFn>,
}

impl Options {
    /// Fills what the command line left open from the settings (the gateway folder and
    /// generation chosen at first run), so every shell finds the same install.
    pub fn with_settings(mut self, settings: &crate::settings::Settings) -> Options {
        if self.discover.state_dir.is_none() {
            self.discover.state_dir = settings.gateway_dir.clone();
        }
        if self.discover.generation.is_none() {
            self.discover.generation = settings.generation.as_deref().and_then(crate::gateway::Generation::from_name);
        }
        self
    }
}

/// Everything an operation needs, read once.
#[derive(Clone)]
pub struct Context {
    /// The environment it was resolved from.
    pub env: Env,
    /// The gateway install.
    pub install: Install,
    /// Where Claude Code's login is.
    pub locator: LoginLocator,
    /// The time everything is judged at.
    pub now: Millis,
    /// Lock wait bound.
    pub lock_timeout: Duration,
    gateway_cli: Option<PathBuf>,
    state_dir_override: Option<PathBuf>,
    progress: Option<ProgressFn>,
    login: Option<LoginState>,
}

impl Context {
    /// Discovers the install and locates Claude Code's login.
    pub fn load(env: Env, opts: &Options) -> Result<Context> {
        let install = discover(&env, &opts.discover)?;
        let locator = LoginLocator::new(&env, opts.claude_dir.as_deref());
        let lock_timeout = opts
            .lock_timeout
            .or_else(|| {
                env.get("AUTHTRAY_LOCK_TIMEOUT").and_then(|v| crate::duration::parse(v).ok()).map(|ms| Duration::from_millis(ms as u64))
            })
            .unwrap_or(crate::gateway::lock::DEFAULT_TIMEOUT);
        Ok(Context {
            env,
            install,
            locator,
            now: crate::clock::now_ms(),
            lock_timeout,
            gateway_cli: opts.discover.gateway_cli.clone(),
            state_dir_override: opts.discover.state_dir.clone(),
            progress: opts.progress.clone(),
            login: None,
        })
    }

    /// Claude Code's login: read now, or the one given with `Context::with_login`.
    pub fn login(&self) -> LoginState {
        match &self.login {
            Some(l) => l.clone(),
            None => self.locator.read(),
        }
    }

    /// What the Claude CLI runtime would use on this machine: Claude Code's login (as
    /// [`Context::login`] reads it) and the `claude` on the gateway's PATH.
    pub(crate) fn claude_cli_route(&self) -> status::ClaudeCliRoute {
        status::ClaudeCliRoute {
            login: crate::claude_cli::NativeLogin::from_state(&self.login(), &self.locator.dir, &self.env),
            executable: crate::claude_cli::find_executable(&self.env),
        }
    }

    /// Uses an already read login instead of reading it again (the live service reads the
    /// Keychain item only when its attributes changed).
    pub(crate) fn with_login(mut self, login: LoginState) -> Context {
        self.login = Some(login);
        self
    }

    /// The store of an agent, with this context's lock timeout.
    pub(crate) fn store(&self, agent: &Agent) -> Result<Store> {
        let mut s = self.install.store(agent)?;
        match &mut s {
            Store::Json(j) => j.lock_timeout = self.lock_timeout,
            // The escape hatch (and the differential tests' way to run both writers on one layout).
            Store::Sqlite(q) => q.direct = self.env.get(crate::gateway::sqlite_write::WRITER_VAR) != Some("cli"),
        }
        Ok(s)
    }

    /// The gateway CLI that writes SQLite-era stores, with this context's state dir and progress.
    pub(crate) fn gateway_cli(&self) -> Result<GatewayCli> {
        let mut cli = GatewayCli::locate(&self.env, self.gateway_cli.as_deref(), self.state_dir_override.as_deref())?;
        cli.progress = self.progress.clone();
        Ok(cli)
    }

    /// Asks the running gateway to take up a write to these agents' stores.
    pub(crate) fn reload_gateway(&self, agents: &[&str]) -> crate::gateway::running::Reload {
        crate::gateway::running::reload(&self.install, &self.env, agents)
    }

    /// The agent named by `id`, or the default agent.
    pub(crate) fn agent(&self, id: Option<&str>) -> Result<&Agent> {
        self.install.agent(id.unwrap_or(&self.install.default_agent))
    }

    /// The one write path of an operation on one agent: decides edits from the store as it is
    /// (`plan`, see [`Store::edit`]), then changes the gateway config (`register`, told which
    /// writer wrote: the gateway's CLI registers a pasted profile itself; it returns whether the
    /// config changed), then asks the running gateway to take up whatever changed.
    ///
    /// Sync writes several agents and reloads them once, so it calls [`Store::edit`] itself.
    pub(crate) fn edit<T>(
        &self,
        agent: &Agent,
        store: &Store,
        plan: impl FnOnce(&crate::gateway::StoreDoc) -> Result<(T, Vec<crate::gateway::Edit>)>,
        register: impl FnOnce(&mut T, crate::gateway::Writer) -> Result<bool>,
    ) -> Result<Written<T>> {
        let edited = store.edit(|| self.gateway_cli(), cli_agent(&agent.id), plan)?;
        let mut out = edited.out;
        let registered = register(&mut out, edited.writer)?;
        let reload = match edited.changed || registered {
            true => self.reload_gateway(&[&agent.id]),
            false => crate::gateway::running::Reload::nothing_written(),
        };
        Ok(Written { out, changed: edited.changed, registered, writer: edited.writer, reload })
    }
}

/// What [`Context::edit`] did to one agent.
pub(crate) struct Written<T> {
    /// What the plan returned (and the registration added to it).
    pub out: T,
    /// Whether the store changed (a CLI write counts: it rewrites even an unchanged cell).
    pub changed: bool,
    /// Whether the gateway config changed after the store write.
    pub registered: bool,
    /// Who wrote the store.
    pub writer: crate::gateway::Writer,
    /// Whether the running gateway took the change up ([`Reload::nothing_written`] when
    /// neither the store nor the config changed).
    ///
    /// [`Reload::nothing_written`]: crate::gateway::running::Reload::nothing_written
    pub reload: crate::gateway::running::Reload,
}

/// A [`Context::edit`] registration for an edit that leaves the config alone.
pub(crate) fn no_registration<T>(_: &mut T, _: crate::gateway::Writer) -> Result<bool> {
    Ok(false)
}

/// Whether the gateway's own `paste-token` (SQLite era) newly registered `id` in the config:
/// not listed when the context was loaded, listed now.
pub(crate) fn newly_registered(ctx: &Context, id: &str) -> bool {
    ctx.install.config.listed_mode(id).is_none()
        && crate::gateway::GatewayConfig::load(&ctx.install.config.path).is_ok_and(|c| c.listed_mode(id).is_some())
}

/// The agent flag for the gateway CLI: none for `main`, which every command defaults to.
pub(crate) fn cli_agent(id: &str) -> Option<&str> {
    (id != "main").then_some(id)
}

/// Checks a provider id and returns it normalised: letters, digits, `-`, `_` and `.`, starting
/// with a letter or digit. It reaches the gateway's command line (on another host too), where a
/// word starting with `-` would be read as an option.
pub(crate) fn provider_word(p: &str) -> Result<String> {
    let provider = crate::gateway::config::normalize_provider(p);
    let starts_well = provider.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !starts_well || !provider.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(Error::InvalidInput(format!(
            "provider {p:?} is not a provider id (like anthropic or openai): letters, digits, '-', '_' and '.' only"
        )));
    }
    Ok(provider)
}

/// Longest profile id taken: far above any real one (`anthropic:claude-code`), below any token.
const PROFILE_ID_MAX: usize = 128;

/// A profile id as typed, trimmed; refused without being repeated when it cannot be one: a token
/// pasted into the wrong field (it would otherwise reach an error, a log or a notification),
/// control characters, or more than [`PROFILE_ID_MAX`] characters.
pub(crate) fn typed_profile_id(id: &str) -> Result<&str> {
    let id = id.trim();
    let n = id.chars().count();
    if holds_token(id) || n > PROFILE_ID_MAX || id.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "a {n}-character value is not a profile id (like anthropic:manual); it is not repeated here in case it is a token"
        )));
    }
    Ok(id)
}

/// Whether a word of `id` is token-like: starts with `sk-` and has a token's body. Only whole
/// words count (split where a token's characters stop), so `anthropic:desk-workstation` or
/// `openai-codex:task-scheduler` are ids, while `anthropic:sk-ant-oat01-…` is not.
fn holds_token(id: &str) -> bool {
    id.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .any(|word| word.starts_with("sk-") && crate::token::redact_text(word, &[]) != word)
}

/// Checks a profile id: `<provider>:<name>`, no spaces, matching the provider.
pub(crate) fn validate_profile_id(id: &str, provider: &str) -> Result<String> {
    let id = typed_profile_id(id)?;
    let Some((p, name)) = id.split_once(':') else {
        // Without its colon it may be a token's body: repeated only when short.
        return Err(Error::InvalidInput(format!("profile id {} must look like {provider}:<name>", crate::duration::shown(id))));
    };
    // Control characters are refused above already.
    if name.is_empty() || id.chars().any(char::is_whitespace) {
        return Err(Error::InvalidInput(format!("profile id {id:?} must look like {provider}:<name>, without spaces")));
    }
    if crate::gateway::config::normalize_provider(p) != provider {
        return Err(Error::InvalidInput(format!("profile id {id:?} does not belong to provider {provider:?}; use {provider}:<name>")));
    }
    Ok(id.to_string())
}

/// Redacted view of a secret for reports.
pub(crate) fn redacted(secret: Option<&str>) -> Option<String> {
    secret.map(crate::token::redact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_id_is_checked_once_and_a_token_typed_there_is_never_repeated() {
        let ids =
            ["anthropic:manual", " anthropic:desk-1 ", "anthropic:desk-workstation", "openai-codex:task-scheduler", "openai:sk-short"];
        for ok in ids.into_iter().chain(["anthropic:risk-analytics@corp.example", "anthropic:claude-code"]) {
            assert_eq!(typed_profile_id(ok).unwrap(), ok.trim());
        }
        let long = format!("anthropic:{}", "x".repeat(PROFILE_ID_MAX));
        for bad in ["anthropic:a\u{7}b", long.as_str()] {
            assert!(typed_profile_id(bad).unwrap_err().to_string().contains("not a profile id"), "{bad:?}");
        }

        // Every command that takes a profile id, on a real (openclaw-json) store: each refuses
        // the token, none repeats it, and the store is left as it was.
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let agent = h.join(".openclaw/agents/main/agent");
        std::fs::create_dir_all(&agent).unwrap();
        std::fs::write(h.join(".openclaw/openclaw.json"), r#"{"meta": {"lastTouchedVersion": "2026.5.28"}}"#).unwrap();
        let store = agent.join("auth-profiles.json");
        let held = format!(
            r#"{{"version":1,"profiles":{{"anthropic:manual":{{"type":"token","provider":"anthropic","token":"sk-ant-oat01-{}"}}}}}}"#,
            "M".repeat(80)
        );
        std::fs::write(&store, &held).unwrap();
        let env = Env::from_pairs([("HOME", h.to_string_lossy().into_owned()), ("PATH", String::new())]);
        let ctx = Context::load(env, &Options::default()).unwrap();
        let token = format!("sk-ant-oat01-{}", "T".repeat(80));
        let paste = paste::PasteRequest {
            provider: "anthropic".into(),
            profile_id: Some(token.clone()),
            expires_in: None,
            agent: None,
            token: crate::token::Secret::new(format!("sk-ant-oat01-{}", "P".repeat(80))),
        };
        let errors = [
            paste::paste(&ctx, &paste).map(|_| ()),
            expiry::set(&ctx, None, &token, ctx.now + 86_400_000).map(|_| ()),
            order::order(&ctx, None, "anthropic", order::OrderChange::Set(vec!["anthropic:manual".into(), token.clone()])).map(|_| ()),
            cooldown::clear(&ctx, None, "anthropic", Some(&token)).map(|_| ()),
        ];
        // A token's body without its prefix, typed where the id goes: refused, not repeated.
        let body = "B".repeat(60);
        let bare = paste::PasteRequest { profile_id: Some(body.clone()), ..paste };
        let errors = errors
            .into_iter()
            .chain([paste::paste(&ctx, &bare).map(|_| ()), expiry::set(&ctx, None, &body, ctx.now + 86_400_000).map(|_| ())]);
        for (i, e) in errors.enumerate() {
            let e = e.unwrap_err();
            let shown = format!("{e} {e:?} {}", e.summary());
            // A failure says what went wrong without printing the token itself.
            let safe = crate::token::redact_text(&shown, &[]);
            assert!(matches!(e, Error::InvalidInput(_)), "command {i}: {safe}");
            assert!(!shown.contains("TTTT") && !shown.contains("BBBB") && shown.contains("profile id"), "command {i}: {safe}");
        }
        assert_eq!(std::fs::read_to_string(&store).unwrap(), held);
    }

    #[test]
    fn a_provider_is_one_plain_word_that_cannot_read_as_an_option() {
        assert_eq!(provider_word(" Anthropic ").unwrap(), "anthropic");
        for ok in ["openai", "amazon-bedrock", "z.ai", "github_copilot", "0x"] {
            assert_eq!(provider_word(ok).unwrap(), ok);
        }
        for bad in ["", "-", "--help", "-x", "anthropic x", "a;b", "a:b", "a/b", "$(id)", "ä", ".hidden"] {
            let e = provider_word(bad).unwrap_err();
            assert!(e.to_string().contains("not a provider id"), "{bad:?}: {e}");
        }
    }
}
