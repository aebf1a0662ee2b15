//! Operations on a gateway on another host, through its own CLI run there (see
//! [`crate::target`]). Reads use the CLI's JSON output; writes go through the same
//! `Edit` mapping as a local SQLite-era store (`gateway::edit::run`). Tokens travel
//! on stdin only; a refresh token is never sent anywhere.

use serde::Serialize;
use serde_json::Value;

use crate::clock::Millis;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::gateway::cli::{GatewayCli, Remote};
use crate::gateway::edit::{run, CliWriter};
use crate::gateway::running::{Reload, ReloadState};
use crate::gateway::store::CredentialKind;
use crate::gateway::{Edit, Generation};
use crate::target::{TargetEntry, TargetKind, Tools, Transport};
use crate::token::{self, Secret};

mod doctor;
mod k8s_secret;
mod report;

pub use doctor::{doctor, RemoteDoctor};
pub use k8s_secret::{SecretTarget, SecretWrite};
pub use report::{report, RemoteReport};
pub(crate) use report::{runs_claude_code_only, seen_profiles};

/// The CLIs looked for on the gateway host, first found wins.
const CLI_NAMES: [&str; 3] = ["openclaw", "clawdbot", "moltbot"];

/// A connected remote gateway: its CLI, and what it told about itself.
pub struct RemoteGateway {
    /// The target as saved (or as given on the command line).
    pub target: TargetEntry,
    /// The CLI there.
    pub cli: GatewayCli,
    /// The store generation, as the CLI's status shows it.
    pub generation: Generation,
    /// `?agent=`, the agent used when none is asked for.
    pub agent: Option<String>,
    /// Its `models status --json` for that agent, read when connecting.
    pub status: Value,
    /// The Anthropic order override as read beside the status when connecting (`None`: not
    /// read then; ask [`order`]).
    pub anthropic_order: Option<Option<Vec<String>>>,
    /// Claude Code where that gateway runs, read when its status shows a Claude CLI route.
    pub claude_cli: Option<crate::report::ClaudeCliRoute>,
}

/// `target` in reports: which one.
#[derive(Debug, Clone, Serialize)]
pub struct TargetRef {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

/// Reaches the gateway: finds its CLI (unless `?cli=` names it) and reads its status.
pub fn connect(env: &Env, target: &TargetEntry) -> Result<RemoteGateway> {
    let (transport, cli_name, agent) = match target.kind()? {
        TargetKind::Gateway { transport, cli, agent } => (transport, cli, agent),
        TargetKind::K8sSecret { .. } => {
            return Err(Error::InvalidInput(format!(
                "target {} is a Kubernetes Secret: it takes pasted tokens only, it has no gateway to ask",
                target.name
            )))
        }
    };
    let tools = Tools::from_env(env);
    let program = match cli_name {
        Some(c) => c,
        None => find_cli(&transport, &tools, &target.name)?,
    };
    let mut cli = GatewayCli::on_remote(&program, Remote { transport, tools });
    // Each CLI run costs seconds of start-up on the host: the status and the order (which
    // `status` shows) are read side by side. With an agent the order's flag placement depends
    // on the generation the status tells, so it waits.
    let (status, anthropic_order) = if agent.is_none() {
        std::thread::scope(|s| {
            let order = s.spawn(|| cli.order_get_json("anthropic", None).ok().map(|v| strings(v.get("order"))));
            let status = cli.status_json(None);
            (status, order.join().ok().flatten())
        })
    } else {
        (cli.status_json(agent.as_deref()), None)
    };
    let status = status?;
    let generation = generation_of(&status);
    cli.agent_on_group = generation == Generation::OpenclawJson;
    let claude_cli = report::uses_claude_cli(&status).then(|| claude_cli_there(cli.remote.as_ref()));
    Ok(RemoteGateway { target: target.clone(), cli, generation, agent, status, anthropic_order, claude_cli })
}

/// Claude Code on the gateway's host: where `claude` resolves there and what its own
/// `claude auth status --json` says (one remote command; never a secret in its output).
fn claude_cli_there(remote: Option<&Remote>) -> crate::report::ClaudeCliRoute {
    use crate::claude_cli::{Executable, NativeLogin};
    let mut route = crate::report::ClaudeCliRoute {
        login: NativeLogin::logged_out(),
        executable: Executable { path: None, searched: "the PATH of the gateway's host".into() },
    };
    let Some(remote) = remote else { return route };
    let script = "p=$(command -v claude) || exit 127; printf '%s\\n' \"$p\"; exec claude auth status --json";
    let cmd = remote.transport.command(&remote.tools, &["sh".into(), "-c".into(), script.into()], &[]);
    let Ok(out) = crate::process::run(cmd, None, std::time::Duration::from_secs(30)) else { return route };
    let text = String::from_utf8_lossy(&out.stdout);
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    if out.code == Some(127) || first.trim().is_empty() {
        return route;
    }
    route.executable.path = Some(std::path::PathBuf::from(first.trim().chars().filter(|c| !c.is_control()).take(512).collect::<String>()));
    if let Some(login) = crate::claude_cli::parse_auth_status(rest) {
        route.login = login;
    }
    route
}

/// The first gateway CLI on the host's PATH.
fn find_cli(transport: &Transport, tools: &Tools, name: &str) -> Result<String> {
    let script =
        format!("for c in {}; do command -v \"$c\" >/dev/null 2>&1 && {{ echo \"$c\"; exit 0; }}; done; exit 127", CLI_NAMES.join(" "));
    let cmd = transport.command(tools, &["sh".into(), "-c".into(), script], &[]);
    let out = crate::process::run(cmd, None, std::time::Duration::from_secs(30))
        .map_err(|e| Error::Unreachable { target: name.to_string(), reason: e.to_string() })?;
    let found = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().trim().to_string();
    match (out.code, CLI_NAMES.contains(&found.as_str())) {
        (Some(0), true) => Ok(found),
        (Some(127), _) if out.stderr.is_empty() => Err(Error::RemoteCliMissing { target: name.to_string(), tried: CLI_NAMES.join(", ") }),
        _ => Err(Error::Unreachable { target: name.to_string(), reason: first_line(&out.stderr) }),
    }
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or("no answer");
    token::redact_text(line, &[])
}

/// The store generation from `models status --json`: SQLite stores in 2026.6+, the state file
/// (`runtimeAuthRoutes`) in openclaw up to 2026.5, else clawdbot.
pub(crate) fn generation_of(status: &Value) -> Generation {
    let store = status.pointer("/auth/storePath").and_then(Value::as_str).unwrap_or_default();
    if store.ends_with(".sqlite") {
        Generation::OpenclawSqlite
    } else if status.pointer("/auth/runtimeAuthRoutes").is_some() || store.contains("/.openclaw/") {
        Generation::OpenclawJson
    } else {
        Generation::Clawdbot
    }
}

/// A JSON array of strings, as the gateway prints lists.
fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
}

/// The agent's order override for `provider` (`None`: the gateway's default order).
pub fn order(g: &RemoteGateway, provider: &str, agent: Option<&str>) -> Result<Option<Vec<String>>> {
    let provider = super::provider_word(provider)?;
    Ok(strings(g.cli.order_get_json(&provider, agent.or(g.agent.as_deref()))?.get("order")))
}

/// Asks the running gateway on the target to take up a write: its own CLI there runs
/// `gateway call secrets.reload` (clawdbot reads its store on every request).
pub(crate) fn reload(g: &RemoteGateway) -> Reload {
    if g.generation == Generation::Clawdbot {
        return clawdbot_reload();
    }
    let answer = g.cli.reload_secrets().map(|took| format!("the gateway took up the change in {} ms", took.as_millis()));
    reload_outcome(&g.cli.program.to_string_lossy(), &g.target.name, answer)
}

/// clawdbot needs no reload.
fn clawdbot_reload() -> Reload {
    Reload { state: ReloadState::NotNeeded, method: None, detail: Some("clawdbot reads its auth store on every request".into()) }
}

/// What the gateway CLI's `gateway call secrets.reload` on a target came to (`Ok`: what to say).
fn reload_outcome(program: &str, target: &str, answer: Result<String>) -> Reload {
    let method = Some(format!("{program} gateway call secrets.reload on {target}"));
    match answer {
        Ok(said) => Reload { state: ReloadState::Done, method, detail: Some(said) },
        Err(Error::GatewayCliFailed { message, .. }) if message.contains("gateway closed") || message.contains("ECONNREFUSED") => Reload {
            state: ReloadState::NoGatewayRunning,
            method,
            detail: Some(format!("no gateway answered on {target}; it reads the new credential when it starts")),
        },
        Err(e) => {
            let why = match &e {
                Error::GatewayCliFailed { message, .. } if message.contains("CredentialsRequired") => {
                    "the gateway CLI there has no gateway token (gateway.auth.token in its config, or OPENCLAW_GATEWAY_TOKEN), so it cannot ask a running gateway to reload".to_string()
                }
                other => other.to_string(),
            };
            Reload {
                state: ReloadState::Failed,
                method,
                detail: Some(format!(
                    "{why}. The store there is right; if a gateway runs there, it keeps using the old credential until it reloads or restarts"
                )),
            }
        }
    }
}

/// What a paste to a remote gateway did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemotePaste {
    /// Which target.
    pub target: TargetRef,
    /// The profile written.
    pub profile_id: String,
    /// The provider.
    pub provider: String,
    /// The token, redacted.
    pub token: String,
    /// The expiry the gateway stored, as its status reads back.
    pub expires_at: Option<Millis>,
    /// Whether the running gateway there took it up.
    pub reload: Reload,
}

/// A token for a remote gateway, checked before anything runs there.
struct Pasted {
    provider: String,
    valid: token::ValidToken,
    id: String,
    expires_at: Option<Millis>,
}

impl Pasted {
    /// The provider normalised, the token valid and not an API key (the remote gateway's
    /// `paste-token` takes tokens only), the profile id, and the expiry to ask for.
    fn check(
        generation: &'static str,
        provider: &str,
        profile_id: Option<&str>,
        expires_in: Option<Millis>,
        secret: &Secret,
    ) -> Result<Pasted> {
        let provider = super::provider_word(provider)?;
        let valid = token::validate(&provider, secret.expose())?;
        if valid.kind == CredentialKind::ApiKey {
            return Err(crate::gateway::edit::refuse_api_key(generation, &format!("{} there", valid.shape.describe())));
        }
        let id = super::validate_profile_id(profile_id.unwrap_or(&format!("{provider}:manual")), &provider)?;
        let (expires_at, _) = super::paste::expiry(crate::clock::now_ms(), expires_in, valid.shape);
        Ok(Pasted { provider, valid, id, expires_at })
    }
}

/// Validates a token and stores it with the remote gateway's `paste-token` (token on stdin).
pub fn paste(
    g: &RemoteGateway,
    provider: &str,
    profile_id: Option<&str>,
    expires_in: Option<Millis>,
    agent: Option<&str>,
    secret: &Secret,
) -> Result<RemotePaste> {
    let Pasted { provider, valid, id, expires_at } = Pasted::check(g.generation.name(), provider, profile_id, expires_in, secret)?;
    let record = super::paste::record(&valid, &provider, expires_at);
    let agent = agent.or(g.agent.as_deref());
    run(&CliWriter { cli: &g.cli, agent }, &[Edit::PutProfile { id: id.clone(), record, hard_expiry: false }])?;
    // The gateway stamps the expiry with its own clock: report what it stored, read while its
    // running gateway is asked to reload (two CLI runs side by side).
    let (stored, reload) = std::thread::scope(|s| {
        let reloaded = s.spawn(|| reload(g));
        let stored =
            g.cli.status_json(agent).ok().and_then(|s| seen_profiles(&s).into_iter().find(|p| p.id == id)).and_then(|p| p.expires_at);
        (stored.or(expires_at), reloaded.join())
    });
    let reload = reload.unwrap_or_else(|_| Reload {
        state: ReloadState::Failed,
        method: None,
        detail: Some("asking the gateway to reload stopped unexpectedly".into()),
    });
    Ok(RemotePaste {
        target: TargetRef { name: g.target.name.clone(), url: g.target.url.clone() },
        profile_id: id,
        provider,
        token: valid.secret.redacted(),
        expires_at: stored,
        reload,
    })
}

/// The script [`paste_at_once`] runs on the gateway's host: `$1` is the marker (random per run,
/// so that nothing the CLI prints can pass for one), `$2` the gateway CLI (empty: the first of
/// [`CLI_NAMES`] found), the rest its `paste-token` arguments; the token is on stdin. After the
/// paste, the running gateway is asked to reload while the status is read back, side by side;
/// each answer follows a marker line.
/// One line: transports log their argv line by line.
const PASTE_SCRIPT: &str = concat!(
    r#"m=$1; cli=$2; shift 2; "#,
    r#"if [ -z "$cli" ]; then for c in CLI_NAMES; do if command -v "$c" >/dev/null 2>&1; then cli=$c; break; fi; done; "#,
    r#"[ -n "$cli" ] || { echo "$m:no-cli"; exit 127; }; fi; "#,
    r#"echo "$m:cli $cli"; "#,
    r#""$cli" "$@" >/dev/null || exit $?; "#,
    // Side by side through temporary files; one after the other where none can be made (a
    // read-only container): the paste is stored either way.
    r#"if t=$(mktemp -d 2>/dev/null); then "#,
    r#""$cli" gateway call secrets.reload --json >"$t/r" 2>&1 & "#,
    r#""$cli" models status --json >"$t/s" 2>/dev/null; s=$?; wait $!; r=$?; "#,
    r#"echo "$m:reload $r"; cat "$t/r"; echo; echo "$m:status $s"; cat "$t/s"; rm -rf "$t"; "#,
    r#"else ro=$("$cli" gateway call secrets.reload --json 2>&1); r=$?; "#,
    r#"echo "$m:reload $r"; printf '%s' "$ro"; echo; so=$("$cli" models status --json 2>/dev/null); s=$?; "#,
    r#"echo "$m:status $s"; printf '%s' "$so"; echo; fi"#,
);

/// Pastes a token to a target's default agent in **one** command on its host (the gateway CLI's
/// `paste-token`, then its reload beside its status), where [`connect`] and [`paste`] start the
/// transport four times and the CLI five. `None`: the target names an agent, whose flag
/// placement depends on the gateway's version; use [`connect`] and [`paste`] then.
pub fn paste_at_once(
    env: &Env,
    target: &TargetEntry,
    provider: &str,
    profile_id: Option<&str>,
    expires_in: Option<Millis>,
    secret: &Secret,
) -> Result<Option<RemotePaste>> {
    let (transport, cli, agent) = match target.kind()? {
        TargetKind::Gateway { transport, cli, agent } => (transport, cli, agent),
        TargetKind::K8sSecret { .. } => return Ok(None),
    };
    if agent.is_some() {
        return Ok(None);
    }
    let Pasted { provider, valid, id, expires_at } = Pasted::check("remote", provider, profile_id, expires_in, secret)?;
    let marker = format!("@@authtray-{}", &crate::vault::random_id()?[..16]);
    let mut argv: Vec<String> = vec!["sh".into(), "-c".into(), PASTE_SCRIPT.replace("CLI_NAMES", &CLI_NAMES.join(" ")), "sh".into()];
    let wanted = cli;
    argv.push(marker.clone());
    argv.push(wanted.clone().unwrap_or_default());
    argv.extend(["models", "auth", "paste-token", "--provider", &provider, "--profile-id", &id].map(String::from));
    if let Some(at) = expires_at {
        // The CLI adds the duration to its own clock after its start-up: the stored expiry may be
        // late by that (seconds) and by the hosts' clock skew, as with the CLI path.
        argv.extend(["--expires-in".into(), format!("{}ms", (at - crate::clock::now_ms()).max(1000))]);
    }
    let tools = Tools::from_env(env);
    let cmd = transport.command(&tools, &argv, &[("NO_COLOR".into(), "1".into())]);
    let input = format!("{}\r\n", valid.secret.expose());
    let secrets = [valid.secret.expose()];
    let out = crate::process::run(cmd, Some(input.as_bytes()), 3 * crate::gateway::cli::DEFAULT_TIMEOUT)
        .map_err(|e| Error::Unreachable { target: target.name.clone(), reason: token::redact_text(&e.to_string(), &secrets) })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Only a name this side chose or searched for: anything else is the host's noise.
    let program = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{marker}:cli ")))
        .filter(|p| CLI_NAMES.contains(p) || Some(*p) == wanted.as_deref())
        .map(str::to_string);
    let Some(program) = program else {
        return Err(match (out.code, stdout.contains(&format!("{marker}:no-cli"))) {
            (Some(127), true) => Error::RemoteCliMissing { target: target.name.clone(), tried: CLI_NAMES.join(", ") },
            _ => Error::Unreachable { target: target.name.clone(), reason: token::redact_text(&first_line(&out.stderr), &secrets) },
        });
    };
    let Some((_, after)) = stdout.split_once(&format!("\n{marker}:reload ")) else {
        let message = crate::gateway::cli::error_lines(&stderr).unwrap_or_else(|| "no error message".into());
        return Err(Error::GatewayCliFailed {
            command: format!("{program} models auth paste-token on {}", transport.describe()),
            code: out.code.unwrap_or(-1),
            message: token::redact_text(&message, &secrets),
        });
    };
    let (reload_part, status_part) = after.split_once(&format!("\n{marker}:status ")).unwrap_or((after, ""));
    let (reload_code, reload_text) = reload_part.split_once('\n').unwrap_or((reload_part, ""));
    let status_text = status_part.split_once('\n').map_or("", |(_, rest)| rest);
    let status = crate::gateway::cli::json_output(status_text);
    let generation = status.as_ref().map(generation_of);
    let reload = match generation {
        Some(Generation::Clawdbot) => clawdbot_reload(),
        _ => {
            let answer = match reload_code.trim() {
                "0" => Ok("the gateway took up the change".to_string()),
                code => Err(Error::GatewayCliFailed {
                    command: format!("{program} gateway call secrets.reload"),
                    code: code.parse().unwrap_or(-1),
                    message: token::redact_text(&crate::gateway::cli::error_lines(reload_text).unwrap_or_default(), &secrets),
                }),
            };
            reload_outcome(&program, &target.name, answer)
        }
    };
    let stored = status.as_ref().and_then(|s| seen_profiles(s).into_iter().find(|p| p.id == id)).and_then(|p| p.expires_at);
    Ok(Some(RemotePaste {
        target: TargetRef { name: target.name.clone(), url: target.url.clone() },
        profile_id: id,
        provider,
        token: valid.secret.redacted(),
        expires_at: stored.or(expires_at),
        reload,
    }))
}

/// Sets (`Some`) or clears (`None`) the remote agent's order for a provider; returns the order
/// the gateway reports afterwards, and the running gateway's reload.
pub fn set_order(
    g: &RemoteGateway,
    provider: &str,
    agent: Option<&str>,
    ids: Option<Vec<String>>,
) -> Result<(Option<Vec<String>>, Reload)> {
    let provider = super::provider_word(provider)?;
    let agent = agent.or(g.agent.as_deref());
    let edit = match ids {
        Some(ids) => {
            // They are words on the host's command line too.
            let ids = ids.iter().map(|id| super::validate_profile_id(id, &provider)).collect::<Result<Vec<_>>>()?;
            Edit::SetOrder { provider: provider.clone(), ids }
        }
        None => Edit::ClearOrder { provider: provider.clone() },
    };
    run(&CliWriter { cli: &g.cli, agent }, &[edit])?;
    Ok((order(g, &provider, agent)?, reload(g)))
}

/// Claude Code's login when it may be handed to a target: there, and not past its expiry (a
/// target must never get a token that no longer works, nor a Secret restart for one).
pub fn mirrorable(state: &crate::claude::LoginState, now: Millis) -> Result<&crate::claude::Login> {
    let login = state.login().ok_or_else(|| Error::NoLogin(state.problem().unwrap_or_default()))?;
    if login.expires_at <= now {
        return Err(Error::NoLogin("Claude Code's login has expired and Claude Code has not renewed it; run `claude` and log in".into()));
    }
    Ok(login)
}

/// Mirrors Claude Code's access token to the remote gateway as a `token` profile (never its
/// refresh token: a second holder of it would log Claude Code out). Returns the profile id and,
/// when something was written, the running gateway's reload (nothing is written when the
/// gateway already shows this token).
pub fn mirror(g: &RemoteGateway, login: &crate::claude::Login, profile_id: Option<&str>) -> Result<(String, Option<Reload>)> {
    let id = match profile_id {
        Some(id) => super::validate_profile_id(id, "anthropic")?,
        None => Generation::OpenclawJson.mirror_profile_id().to_string(),
    };
    // A gateway that runs Claude Code uses Claude Code's login on its own host; a copy of this
    // machine's login would override that one and stop following its renewals.
    if report::runs_claude_code_only(&g.status) {
        return Err(Error::InvalidInput(format!(
            "target {}: not needed: its gateway runs Claude Code itself, which uses its own login there; turn mirroring off for this target",
            g.target.name
        )));
    }
    // The gateway shows a token by its last 8 characters: the same ones mean the same login.
    let token = login.access_token.expose();
    let tail = token.char_indices().rev().nth(7).map_or(token, |(i, _)| &token[i..]);
    let shown = seen_profiles(&g.status).into_iter().find(|p| p.id == id).and_then(|p| p.shown);
    if shown.is_some_and(|t| t.ends_with(tail)) {
        return Ok((id, None));
    }
    // openclaw's mirror record: a `token` with its expiry, never the refresh token.
    let record = crate::mirror::desired_record(Generation::OpenclawJson, login);
    run(&CliWriter { cli: &g.cli, agent: g.agent.as_deref() }, &[Edit::PutProfile { id: id.clone(), record, hard_expiry: true }])?;
    Ok((id, Some(reload(g))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A `docker` that runs the command here with a stand-in gateway CLI first on the PATH. The
    /// CLI logs each call, refuses a token containing `REJECT`, and answers reload per `$RELOAD`.
    fn host(dir: &std::path::Path, reload: &str) -> Env {
        host_with_tmp(dir, reload, "/tmp")
    }

    /// [`host`] with `TMPDIR` there (an unwritable one: a read-only container).
    fn host_with_tmp(dir: &std::path::Path, reload: &str, tmp: &str) -> Env {
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let script = |name: &str, body: &str| {
            let p = bin.join(name);
            std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        script("docker", &format!("shift 5; PATH={}:$PATH RELOAD='{reload}' TMPDIR='{tmp}' exec \"$@\"", bin.display()));
        script(
            "openclaw",
            &format!(
                r#"echo "$*" >> {log}
case "$*" in
  "models auth paste-token"*) t=$(cat); case "$t" in *REJECT*) echo "Error: token rejected" >&2; exit 1;; esac ;;
  "gateway call secrets.reload"*) [ "$RELOAD" = ok ] && {{ echo '{{"ok":true}}'; exit 0; }}
    [ "$RELOAD" = forge ] && {{ printf '@@authtray:status 0\n{{"auth":{{"oauth":{{"profiles":[{{"profileId":"anthropic:manual","provider":"anthropic","expiresAt":1}}]}}}}}}\n'; exit 0; }}
    echo "Error: gateway closed (1006)" >&2; exit 1 ;;
  "models status --json") echo 'a log line'; echo '{{"auth":{{"storePath":"/h/.openclaw/agents/main/agent/auth-profiles.json","runtimeAuthRoutes":[],"oauth":{{"profiles":[{{"profileId":"anthropic:manual","provider":"anthropic","type":"token","status":"ok","expiresAt":3000000000000}}]}}}}}}' ;;
esac"#,
                log = dir.join("calls").display()
            ),
        );
        // No HOME of the user's: the saved settings (which could name a docker) are not read.
        Env::from_pairs([("HOME", "/nonexistent".to_string()), ("AUTHTRAY_DOCKER", bin.join("docker").to_string_lossy().into_owned())])
    }

    fn box_target(url: &str) -> TargetEntry {
        TargetEntry { name: "box".into(), url: url.into(), mirror: false }
    }

    #[test]
    fn one_command_pastes_reloads_and_reads_back() {
        let d = tempfile::tempdir().unwrap();
        let env = host(d.path(), "ok");
        let token = Secret::new(format!("sk-ant-oat01-{}", "T".repeat(80)));
        let r = paste_at_once(&env, &box_target("docker://gw"), "anthropic", None, None, &token).unwrap().expect("no agent: one command");
        assert_eq!(r.profile_id, "anthropic:manual");
        assert_eq!(r.expires_at, Some(3_000_000_000_000), "the expiry the gateway stored, read back");
        assert_eq!(r.reload.state, ReloadState::Done, "{:?}", r.reload);
        let calls = std::fs::read_to_string(d.path().join("calls")).unwrap();
        assert_eq!(calls.lines().count(), 3, "{calls}");
        assert!(calls.starts_with("models auth paste-token --provider anthropic --profile-id anthropic:manual --expires-in "), "{calls}");
        assert!(!calls.contains(token.expose()), "the token travels on stdin only");

        // No gateway running there: the store is right, nothing to reload.
        let env = host(d.path(), "down");
        let r = paste_at_once(&env, &box_target("docker://gw"), "anthropic", None, None, &token).unwrap().unwrap();
        assert_eq!(r.reload.state, ReloadState::NoGatewayRunning, "{:?}", r.reload);

        // A refused token: the gateway's own words, no reload asked for.
        std::fs::remove_file(d.path().join("calls")).unwrap();
        let bad = Secret::new(format!("sk-ant-oat01-REJECT{}", "T".repeat(74)));
        let e = paste_at_once(&env, &box_target("docker://gw"), "anthropic", None, None, &bad).unwrap_err();
        assert!(matches!(&e, Error::GatewayCliFailed { message, .. } if message.contains("token rejected")), "{e}");
        assert!(!e.to_string().contains(bad.expose()));
        assert_eq!(std::fs::read_to_string(d.path().join("calls")).unwrap().lines().count(), 1);

        // No temporary files there (a read-only container): one after the other, same answers.
        let env = host_with_tmp(d.path(), "ok", "/proc/no-such-dir");
        let r = paste_at_once(&env, &box_target("docker://gw"), "anthropic", None, None, &token).unwrap().unwrap();
        assert_eq!((r.reload.state, r.expires_at), (ReloadState::Done, Some(3_000_000_000_000)), "{:?}", r.reload);

        // What the host prints cannot pass for the markers around the answers.
        let env = host(d.path(), "forge");
        let r = paste_at_once(&env, &box_target("docker://gw"), "anthropic", None, None, &token).unwrap().unwrap();
        assert_eq!(r.expires_at, Some(3_000_000_000_000), "the status after the real marker");

        // A provider that would read as an option there is refused before anything runs.
        std::fs::remove_file(d.path().join("calls")).unwrap();
        let e = paste_at_once(&env, &box_target("docker://gw"), "--help", None, None, &token).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        assert!(!d.path().join("calls").exists(), "nothing ran on the host");

        // An agent's flag depends on the gateway's version: the caller connects first.
        assert!(paste_at_once(&env, &box_target("docker://gw?agent=work"), "anthropic", None, None, &token).unwrap().is_none());
    }

    #[test]
    fn one_command_says_when_no_gateway_cli_is_there() {
        let d = tempfile::tempdir().unwrap();
        let env = host(d.path(), "ok");
        std::fs::remove_file(d.path().join("bin/openclaw")).unwrap();
        let token = Secret::new(format!("sk-ant-oat01-{}", "T".repeat(80)));
        // The stand-in docker's PATH still holds the system's: only if no real gateway CLI is installed.
        if ["openclaw", "clawdbot", "moltbot"]
            .iter()
            .any(|c| std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).any(|p| p.join(c).exists()))
        {
            return;
        }
        let e = paste_at_once(&env, &box_target("docker://gw"), "anthropic", None, None, &token).unwrap_err();
        assert!(matches!(e, Error::RemoteCliMissing { .. }), "{e}");
    }
}
