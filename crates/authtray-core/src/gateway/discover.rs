//! Finding the gateway install: state dir, config, agents and generation, resolved as the
//! gateway itself resolves them (see `bot-stores.md` §1.1 and §5).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::config::GatewayConfig;
use super::version::Version;
use super::{Agent, Generation, Install};
use crate::env::Env;
use crate::error::Result;

/// Choices the user made on the command line.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// `--state-dir`: use this state dir, ignoring the environment.
    pub state_dir: Option<PathBuf>,
    /// `--generation`: skip detection.
    pub generation: Option<Generation>,
    /// Whether to ask a gateway CLI for its version when the disk cannot decide.
    pub probe_cli: bool,
    /// `--gateway-cli`: the gateway CLI to ask first (else `AUTHTRAY_GATEWAY_CLI`, else `PATH`).
    pub gateway_cli: Option<PathBuf>,
}

/// Which family of names a state dir belongs to (decides config name and env vars).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Openclaw,
    Clawdbot,
    Moltbot,
    /// "Clawdia": the clawdbot layout under another name (`~/.clawdia`, `clawdia.json`, `clawdia`).
    Clawdia,
    /// The generic "bot": the clawdbot layout as `~/.bot`, `bot.json`, `bot`.
    Bot,
}

impl Family {
    fn config_name(self) -> &'static str {
        match self {
            Family::Openclaw => "openclaw.json",
            Family::Clawdbot => "clawdbot.json",
            Family::Moltbot => "moltbot.json",
            Family::Clawdia => "clawdia.json",
            Family::Bot => "bot.json",
        }
    }
    fn clis(self) -> &'static [&'static str] {
        match self {
            Family::Openclaw => &["openclaw"],
            Family::Clawdbot | Family::Moltbot => &["clawdbot", "moltbot", "openclaw"],
            Family::Clawdia => &["clawdia", "clawdbot"],
            Family::Bot => &["bot", "clawdbot"],
        }
    }
}

/// Discovers the install from the environment and options.
pub fn discover(env: &Env, opts: &DiscoverOptions) -> Result<Install> {
    let (state_dir, family) = resolve_state_dir(env, opts);
    let config_path = resolve_config_path(env, &state_dir, family);
    let config = GatewayConfig::load(&config_path)?;
    let config_version = config.last_touched_version().and_then(Version::find);

    // Agent dirs first with the family's env overrides; the generation can refine them.
    let provisional = list_agents(env, &state_dir, &config, None);
    let (generation, evidence, version) = match opts.generation {
        Some(g) => (Some(g), "chosen with --generation".to_string(), config_version),
        None => {
            let clis = if opts.probe_cli { candidate_clis(env, family, opts.gateway_cli.as_deref()) } else { Vec::new() };
            detect_generation(&state_dir, family, &provisional, config_version, env, &clis)
        }
    };
    let agents = list_agents(env, &state_dir, &config, generation);
    let default_agent = default_agent_id(&config);
    Ok(Install { generation, evidence, version, state_dir, config, agents, default_agent })
}

/// The state directory discovery would use, without reading anything in it.
pub fn state_dir(env: &Env, opts: &DiscoverOptions) -> PathBuf {
    resolve_state_dir(env, opts).0
}

fn resolve_state_dir(env: &Env, opts: &DiscoverOptions) -> (PathBuf, Family) {
    if let Some(dir) = &opts.state_dir {
        let dir = env.expand(&dir.to_string_lossy());
        return (dir.clone(), family_of_dir(&dir));
    }
    for (var, family) in
        [("OPENCLAW_STATE_DIR", Family::Openclaw), ("CLAWDBOT_STATE_DIR", Family::Clawdbot), ("MOLTBOT_STATE_DIR", Family::Moltbot)]
    {
        if let Some(dir) = env.path(var) {
            return (dir, family);
        }
    }
    let openclaw_home = env.path("OPENCLAW_HOME").unwrap_or_else(|| env.home());
    let home = env.home();
    let candidates = [
        (openclaw_home.join(".openclaw"), Family::Openclaw),
        (openclaw_home.join(".clawdbot"), Family::Clawdbot),
        (home.join(".clawdbot"), Family::Clawdbot),
        (openclaw_home.join(".moltbot"), Family::Moltbot),
        (home.join(".moltbot"), Family::Moltbot),
        (home.join(".clawdia"), Family::Clawdia),
        (home.join(".bot"), Family::Bot),
    ];
    // `~/.bot` is a common name: it counts only with the gateway's config or agents in it.
    let looks_like_gateway =
        |d: &Path, f: Family| d.is_dir() && (f != Family::Bot || d.join("bot.json").is_file() || d.join("agents").is_dir());
    candidates.iter().find(|(d, f)| looks_like_gateway(d, *f)).cloned().unwrap_or((openclaw_home.join(".openclaw"), Family::Openclaw))
}

fn family_of_dir(dir: &Path) -> Family {
    let name = dir.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let has = |f: &str| dir.join(f).is_file();
    if has("openclaw.json") {
        Family::Openclaw
    } else if has("clawdbot.json") || name.starts_with(".clawdbot") {
        Family::Clawdbot
    } else if has("moltbot.json") || name.starts_with(".moltbot") {
        Family::Moltbot
    } else if has("clawdia.json") || name.starts_with(".clawdia") {
        Family::Clawdia
    } else if has("bot.json") || name == ".bot" {
        Family::Bot
    } else {
        Family::Openclaw
    }
}

fn resolve_config_path(env: &Env, state_dir: &Path, family: Family) -> PathBuf {
    let var = match family {
        Family::Openclaw => Some("OPENCLAW_CONFIG_PATH"),
        Family::Clawdbot => Some("CLAWDBOT_CONFIG_PATH"),
        Family::Moltbot => Some("MOLTBOT_CONFIG_PATH"),
        Family::Clawdia | Family::Bot => None,
    };
    if let Some(p) = var.and_then(|v| env.path(v)) {
        return p;
    }
    // openclaw reads clawdbot.json in a legacy dir: take whichever config exists.
    ["openclaw.json", "clawdbot.json", "moltbot.json", "clawdia.json", "bot.json"]
        .iter()
        .map(|n| state_dir.join(n))
        .find(|p| p.is_file())
        .unwrap_or_else(|| state_dir.join(family.config_name()))
}

/// Normalises an agent id as the gateway does: lower case, `[a-z0-9_-]`, at most 64 chars.
pub(crate) fn normalize_agent_id(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let mut id: String = lower.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).collect();
    id = id.trim_start_matches(['-', '_']).to_string();
    id.truncate(64);
    if id.is_empty() {
        "main".into()
    } else {
        id
    }
}

fn default_agent_id(config: &GatewayConfig) -> String {
    let entries = config.agents();
    entries.iter().find(|a| a.default).or(entries.first()).map(|a| normalize_agent_id(&a.id)).unwrap_or_else(|| "main".into())
}

fn main_agent_dir_override(env: &Env, generation: Option<Generation>) -> Option<PathBuf> {
    let vars: &[&str] = match generation {
        Some(Generation::Clawdbot) => &["CLAWDBOT_AGENT_DIR", "PI_CODING_AGENT_DIR"],
        Some(Generation::OpenclawJson) => &["OPENCLAW_AGENT_DIR", "PI_CODING_AGENT_DIR"],
        Some(Generation::OpenclawSqlite) => &["OPENCLAW_AGENT_DIR"],
        None => &["OPENCLAW_AGENT_DIR", "CLAWDBOT_AGENT_DIR", "PI_CODING_AGENT_DIR"],
    };
    vars.iter().find_map(|v| env.path(v))
}

/// Agents: those in the config, those with a dir on disk, and `main`; the default first.
fn list_agents(env: &Env, state_dir: &Path, config: &GatewayConfig, generation: Option<Generation>) -> Vec<Agent> {
    let mut agents: Vec<Agent> = Vec::new();
    let push = |agents: &mut Vec<Agent>, id: String, dir: PathBuf, listed: bool| {
        if let Some(a) = agents.iter_mut().find(|a| a.id == id) {
            a.listed_in_config |= listed;
        } else {
            agents.push(Agent { id, dir, listed_in_config: listed });
        }
    };
    let main_dir = main_agent_dir_override(env, generation).unwrap_or_else(|| state_dir.join("agents/main/agent"));
    for entry in config.agents() {
        let id = normalize_agent_id(&entry.id);
        let dir = match (&entry.agent_dir, id.as_str()) {
            (_, "main") => main_dir.clone(),
            (Some(d), _) => env.expand(d),
            (None, _) => state_dir.join("agents").join(&id).join("agent"),
        };
        push(&mut agents, id, dir, true);
    }
    push(&mut agents, "main".into(), main_dir, false);
    if let Ok(entries) = std::fs::read_dir(state_dir.join("agents")) {
        let mut found: Vec<_> =
            entries.flatten().filter(|e| e.path().join("agent").is_dir()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        found.sort();
        for name in found {
            let id = normalize_agent_id(&name);
            let dir = state_dir.join("agents").join(&name).join("agent");
            push(&mut agents, id, dir, false);
        }
    }
    let default = default_agent_id(config);
    if let Some(i) = agents.iter().position(|a| a.id == default) {
        let a = agents.remove(i);
        agents.insert(0, a);
    }
    agents
}

/// The gateway CLIs to ask for a version, in order: the one named by the user, then the
/// family's CLIs found on `PATH`.
/// The openclaw CLI installed for this user (`AUTHTRAY_GATEWAY_CLI`, else `openclaw` on PATH)
/// and the version it reports; `None` when there is none or it does not answer.
pub(crate) fn installed_openclaw(env: &Env) -> Option<(PathBuf, Version)> {
    let cli = env.path("AUTHTRAY_GATEWAY_CLI").or_else(|| env.which("openclaw"))?;
    let version = cli_version(env, &cli)?;
    Some((cli, version))
}

fn candidate_clis(env: &Env, family: Family, explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = explicit.map(Path::to_path_buf).or_else(|| env.path("AUTHTRAY_GATEWAY_CLI")).into_iter().collect();
    out.extend(family.clis().iter().filter_map(|c| env.which(c)));
    out
}

fn detect_generation(
    state_dir: &Path,
    family: Family,
    agents: &[Agent],
    config_version: Option<Version>,
    env: &Env,
    clis: &[PathBuf],
) -> (Option<Generation>, String, Option<Version>) {
    let has_migrated = |dir: &Path| {
        std::fs::read_dir(dir).is_ok_and(|it| {
            it.flatten().any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with("auth-profiles.json.migrated-") || n.contains(".sqlite-import.")
            })
        })
    };
    if state_dir.join("state/openclaw.sqlite").exists() {
        return (Some(Generation::OpenclawSqlite), format!("{} exists", state_dir.join("state/openclaw.sqlite").display()), config_version);
    }
    for a in agents {
        if a.dir.join("openclaw-agent.sqlite").exists() || has_migrated(&a.dir) {
            return (Some(Generation::OpenclawSqlite), format!("agent {} has a SQLite store", a.id), config_version);
        }
    }
    if let Some(a) = agents.iter().find(|a| a.dir.join("auth-state.json").exists()) {
        return (Some(Generation::OpenclawJson), format!("agent {} has auth-state.json", a.id), config_version);
    }
    if let Some(v) = config_version {
        return (Some(v.generation()), format!("config meta.lastTouchedVersion is {}", v.raw), Some(v));
    }
    let has_store = agents.iter().any(|a| a.dir.join("auth-profiles.json").exists());
    if has_store {
        let g = match family {
            Family::Openclaw => Generation::OpenclawJson,
            Family::Clawdbot | Family::Moltbot | Family::Clawdia | Family::Bot => Generation::Clawdbot,
        };
        return (Some(g), format!("auth-profiles.json in a {} state dir", family.config_name().trim_end_matches(".json")), None);
    }
    for path in clis {
        if let Some(v) = cli_version(env, path) {
            let g = v.generation();
            return (Some(g), format!("{} --version says {}", path.display(), v.raw), Some(v));
        }
    }
    let detail = format!(
        "{} holds no store, the config has no meta.lastTouchedVersion, and no gateway CLI ({}) answered on PATH",
        state_dir.display(),
        family.clis().join(", ")
    );
    (None, detail, None)
}

/// Asks a gateway CLI for its version (a few seconds for clawdbot; bounded at 15 s).
fn cli_version(env: &Env, cli: &Path) -> Option<Version> {
    let mut cmd = Command::new(cli);
    cmd.arg("--version");
    if let Some(home) = env.get("HOME") {
        cmd.env("HOME", home);
    }
    let out = crate::process::run(cmd, None, Duration::from_secs(15)).ok()?;
    if out.code != Some(0) {
        return None;
    }
    Version::find(&String::from_utf8_lossy(&out.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn env_for(home: &Path) -> Env {
        Env::from_pairs([("HOME", home.to_string_lossy().into_owned())])
    }

    fn opts() -> DiscoverOptions {
        DiscoverOptions { probe_cli: false, ..Default::default() }
    }

    #[test]
    fn prefers_openclaw_then_legacy_dirs() {
        let d = tempfile::tempdir().unwrap();
        let env = env_for(d.path());
        let i = discover(&env, &opts()).unwrap();
        assert_eq!(i.state_dir, d.path().join(".openclaw"));
        assert_eq!(i.generation, None);
        fs::create_dir_all(d.path().join(".clawdbot/agents/main/agent")).unwrap();
        fs::write(d.path().join(".clawdbot/agents/main/agent/auth-profiles.json"), "{}").unwrap();
        let i = discover(&env, &opts()).unwrap();
        assert_eq!(i.state_dir, d.path().join(".clawdbot"));
        assert_eq!(i.config.path, d.path().join(".clawdbot/clawdbot.json"));
        assert_eq!(i.generation, Some(Generation::Clawdbot));
        fs::create_dir_all(d.path().join(".openclaw")).unwrap();
        assert_eq!(discover(&env, &opts()).unwrap().state_dir, d.path().join(".openclaw"));
    }

    #[test]
    fn the_rebrands_clawdia_and_bot_are_found_with_the_clawdbot_layout() {
        for (dir, config) in [(".clawdia", "clawdia.json"), (".bot", "bot.json")] {
            let d = tempfile::tempdir().unwrap();
            let env = env_for(d.path());
            let state = d.path().join(dir);
            fs::create_dir_all(state.join("agents/main/agent")).unwrap();
            fs::write(state.join(config), r#"{ agents: { defaults: { model: "anthropic/claude-opus-4-5" } } }"#).unwrap();
            fs::write(state.join("agents/main/agent/auth-profiles.json"), r#"{"version":1,"profiles":{}}"#).unwrap();
            let i = discover(&env, &opts()).unwrap();
            assert_eq!((i.state_dir.as_path(), i.config.path.as_path()), (state.as_path(), state.join(config).as_path()), "{dir}");
            assert_eq!(i.generation, Some(Generation::Clawdbot), "{dir}: {}", i.evidence);
            assert_eq!(i.config.providers_in_use("openai/x"), ["anthropic"], "{dir}: its config is read");
        }
        // An unrelated ~/.bot (no config, no agents) is not a gateway.
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join(".bot/cache")).unwrap();
        assert_eq!(discover(&env_for(d.path()), &opts()).unwrap().state_dir, d.path().join(".openclaw"));
    }

    #[test]
    fn env_overrides_and_agent_dirs() {
        let d = tempfile::tempdir().unwrap();
        let state = d.path().join("st");
        fs::create_dir_all(state.join("agents/ops/agent")).unwrap();
        fs::write(
            state.join("openclaw.json"),
            r#"{ agents: { list: [ { id: "Work", default: true, agentDir: "~/w" }, { id: "main" } ] }, meta: { lastTouchedVersion: "2026.5.28" } }"#,
        )
        .unwrap();
        let env = Env::from_pairs([
            ("HOME", d.path().to_string_lossy().into_owned()),
            ("OPENCLAW_STATE_DIR", state.to_string_lossy().into_owned()),
            ("OPENCLAW_AGENT_DIR", "~/mainagent".into()),
        ]);
        let i = discover(&env, &opts()).unwrap();
        assert_eq!(i.generation, Some(Generation::OpenclawJson));
        assert_eq!(i.default_agent, "work");
        let ids: Vec<_> = i.agents.iter().map(|a| (a.id.as_str(), a.dir.clone())).collect();
        assert_eq!(ids, vec![("work", d.path().join("w")), ("main", d.path().join("mainagent")), ("ops", state.join("agents/ops/agent")),]);
    }

    #[test]
    fn sqlite_files_win() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join(".openclaw/state")).unwrap();
        fs::write(d.path().join(".openclaw/state/openclaw.sqlite"), "").unwrap();
        let i = discover(&env_for(d.path()), &opts()).unwrap();
        assert_eq!(i.generation, Some(Generation::OpenclawSqlite));
        assert!(matches!(i.store(&i.agents[0]), Ok(crate::gateway::Store::Sqlite(_))));
    }

    #[test]
    fn asks_the_cli_on_path_for_a_fresh_dir() {
        let d = tempfile::tempdir().unwrap();
        let bin = d.path().join("bin");
        fs::create_dir_all(&bin).unwrap();
        let cli = bin.join("openclaw");
        fs::write(&cli, "#!/bin/sh\necho 'OpenClaw 2026.5.28 (e932160)'\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&cli, fs::Permissions::from_mode(0o755)).unwrap();
        let env = Env::from_pairs([("HOME", d.path().to_string_lossy().into_owned()), ("PATH", bin.to_string_lossy().into_owned())]);
        let i = discover(&env, &DiscoverOptions { probe_cli: true, ..Default::default() }).unwrap();
        assert_eq!(i.generation, Some(Generation::OpenclawJson));
        assert!(i.evidence.contains("--version"), "{}", i.evidence);
    }

    #[test]
    fn normalises_agent_ids() {
        assert_eq!(normalize_agent_id("Work Bot"), "work-bot");
        assert_eq!(normalize_agent_id(""), "main");
    }
}
