//! The gateway's own CLI as the writer of SQLite-era stores (`openclaw models auth
//! paste-token`, `order set|clear`): its database layout moved twice in three months, so
//! authtray changes it only the way the gateway does.
//!
//! The token travels on stdin (`TOKEN\r\n`), never in argv; the CLI's stdout is never shown
//! (some versions echo the token), and its error text is redacted.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use crate::env::Env;
use crate::error::{Error, Result};
use crate::process::{self, RunError};
use crate::token::{redact_text, Secret};

/// These commands take up to ~20 s on a 2-core machine; give them room.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What a long-running step reports to the shell, which decides how to show it.
#[derive(Debug, Clone)]
pub enum Progress {
    /// A gateway command started.
    Started {
        /// The command, without secrets.
        command: String,
    },
    /// It finished.
    Finished {
        /// The command.
        command: String,
        /// How long it took.
        elapsed: Duration,
    },
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The located gateway CLI.
#[derive(Clone)]
pub struct GatewayCli {
    /// The program.
    pub program: PathBuf,
    /// Extra environment for it (the state dir when chosen with `--state-dir`).
    pub env: Vec<(String, OsString)>,
    /// Deadline per command.
    pub timeout: Duration,
    /// Where progress goes.
    pub progress: Option<ProgressFn>,
    /// When set, `program` is the CLI's name on another host, reached through this.
    pub remote: Option<Remote>,
    /// openclaw up to 2026.5 takes `--agent` on the `models auth` group, not on the subcommand.
    pub agent_on_group: bool,
}

/// How a CLI on another host is reached.
#[derive(Debug, Clone)]
pub struct Remote {
    /// The transport.
    pub transport: crate::target::Transport,
    /// The local programs it uses.
    pub tools: crate::target::Tools,
}

impl std::fmt::Debug for GatewayCli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayCli").field("program", &self.program).field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl GatewayCli {
    /// Finds the CLI: `--gateway-cli`, else `AUTHTRAY_GATEWAY_CLI`, else `openclaw` on `PATH`.
    pub(crate) fn locate(env: &Env, explicit: Option<&Path>, state_dir: Option<&Path>) -> Result<GatewayCli> {
        let program = match explicit.map(Path::to_path_buf).or_else(|| env.path("AUTHTRAY_GATEWAY_CLI")) {
            Some(p) if p.is_file() => p,
            Some(p) => return Err(Error::GatewayCliMissing { tried: p.display().to_string() }),
            None => env.which("openclaw").ok_or_else(|| Error::GatewayCliMissing { tried: "`openclaw` on PATH".into() })?,
        };
        let mut extra = Vec::new();
        if let Some(dir) = state_dir {
            extra.push(("OPENCLAW_STATE_DIR".to_string(), dir.as_os_str().to_owned()));
        }
        Ok(GatewayCli { program, env: extra, timeout: DEFAULT_TIMEOUT, progress: None, remote: None, agent_on_group: false })
    }

    /// The CLI named `program` on another host.
    pub(crate) fn on_remote(program: &str, remote: Remote) -> GatewayCli {
        GatewayCli {
            program: program.into(),
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            progress: None,
            remote: Some(remote),
            agent_on_group: false,
        }
    }

    /// `models status --json [--agent A]`: what the gateway reports of its auth (secrets shown
    /// only as its own redacted labels).
    pub(crate) fn status_json(&self, agent: Option<&str>) -> Result<serde_json::Value> {
        let mut args = vec!["models".to_string(), "status".into(), "--json".into()];
        if let Some(a) = agent {
            args.extend(["--agent".into(), a.into()]);
        }
        self.json(&args)
    }

    /// `models auth order get --provider P [--agent A] --json`.
    pub(crate) fn order_get_json(&self, provider: &str, agent: Option<&str>) -> Result<serde_json::Value> {
        let mut args = self.auth_args(&["order", "get", "--provider", provider], agent);
        args.push("--json".into());
        self.json(&args)
    }

    /// `gateway call secrets.reload --json`: asks the gateway this CLI belongs to (with the
    /// token in its own config) to renew its auth snapshot. Used for gateways on other hosts,
    /// where authtray cannot reach the gateway's port itself.
    pub(crate) fn reload_secrets(&self) -> Result<Duration> {
        let args: Vec<String> = ["gateway", "call", "secrets.reload", "--json"].iter().map(|s| s.to_string()).collect();
        self.run(&args, None, &[])
    }

    fn json(&self, args: &[String]) -> Result<serde_json::Value> {
        let (_, stdout) = self.run_capturing(args, None, &[])?;
        json_output(&String::from_utf8_lossy(&stdout)).ok_or_else(|| Error::GatewayCliFailed {
            command: self.describe(args),
            code: 0,
            message: "its output was not the JSON it prints with --json".into(),
        })
    }

    /// `models auth SUB… ` with the agent flag where this gateway takes it: on the `models auth`
    /// group for openclaw up to 2026.5, after the subcommand otherwise. Callers append the rest.
    fn auth_args(&self, sub: &[&str], agent: Option<&str>) -> Vec<String> {
        let mut args = vec!["models".to_string(), "auth".into()];
        let flag = agent.map(|a| ["--agent".to_string(), a.to_string()]);
        if self.agent_on_group {
            args.extend(flag.clone().into_iter().flatten());
        }
        args.extend(sub.iter().map(|s| s.to_string()));
        if !self.agent_on_group {
            args.extend(flag.into_iter().flatten());
        }
        args
    }

    /// `models auth paste-token --provider P --profile-id ID [--agent A] [--expires-in Nms]`,
    /// the token on stdin.
    pub(crate) fn paste_token(
        &self,
        provider: &str,
        profile_id: &str,
        agent: Option<&str>,
        token: &Secret,
        expires_in_ms: Option<i64>,
    ) -> Result<Duration> {
        let mut args = self.auth_args(&["paste-token", "--provider", provider, "--profile-id", profile_id], agent);
        if let Some(ms) = expires_in_ms {
            args.extend(["--expires-in".into(), format!("{}ms", ms.max(1000))]);
        }
        let input = format!("{}\r\n", token.expose());
        self.run(&args, Some(input.as_bytes()), &[token.expose()])
    }

    /// `paste-token` for a credential that expires at a fixed time (a mirrored login, an Undo).
    ///
    /// The CLI only takes a duration, which it adds to its own clock after a start-up of
    /// seconds. The duration is therefore shortened by the longest the command may take (its
    /// deadline): the stored expiry is early by at most that, never late, so the gateway never
    /// offers a token after it stopped working.
    pub(crate) fn paste_token_expiring_at(
        &self,
        provider: &str,
        profile_id: &str,
        agent: Option<&str>,
        token: &Secret,
        expires_at: crate::clock::Millis,
    ) -> Result<Duration> {
        let margin = self.timeout.as_millis() as i64;
        let expires_in = expires_at - crate::clock::now_ms() - margin;
        if expires_in < 1000 {
            return Err(Error::ExpiresTooSoon { secs: (margin + expires_in.max(0)) / 1000 + 1 });
        }
        self.paste_token(provider, profile_id, agent, token, Some(expires_in))
    }

    /// `models auth order set --provider P [--agent A] IDS…`.
    pub(crate) fn order_set(&self, provider: &str, agent: Option<&str>, ids: &[String]) -> Result<Duration> {
        let mut args = self.auth_args(&["order", "set", "--provider", provider], agent);
        // Everything after `--` is an id, even one that starts with a dash.
        args.push("--".into());
        args.extend(ids.iter().cloned());
        self.run(&args, None, &[])
    }

    /// `models auth order clear --provider P [--agent A]`.
    pub(crate) fn order_clear(&self, provider: &str, agent: Option<&str>) -> Result<Duration> {
        let args = self.auth_args(&["order", "clear", "--provider", provider], agent);
        self.run(&args, None, &[])
    }

    fn run(&self, args: &[String], stdin: Option<&[u8]>, secrets: &[&str]) -> Result<Duration> {
        self.run_capturing(args, stdin, secrets).map(|(elapsed, _)| elapsed)
    }

    /// The command for messages: the CLI's name and its first words, never a secret.
    fn describe(&self, args: &[String]) -> String {
        let name = self.program.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "openclaw".into());
        let on = self.remote.as_ref().map(|r| format!(" on {}", r.transport.describe())).unwrap_or_default();
        format!("{name} {}{on}", args.iter().take(5).cloned().collect::<Vec<_>>().join(" "))
    }

    /// The process to start: the CLI itself, or the transport that runs it on its host.
    fn command(&self, args: &[String]) -> Command {
        match &self.remote {
            None => {
                let mut cmd = Command::new(&self.program);
                cmd.args(args).env("NO_COLOR", "1");
                for (k, v) in &self.env {
                    cmd.env(k, v);
                }
                cmd
            }
            Some(r) => {
                let argv: Vec<String> = std::iter::once(self.program.to_string_lossy().into_owned()).chain(args.iter().cloned()).collect();
                let mut env = vec![("NO_COLOR".to_string(), "1".to_string())];
                env.extend(self.env.iter().map(|(k, v)| (k.clone(), v.to_string_lossy().into_owned())));
                r.transport.command(&r.tools, &argv, &env)
            }
        }
    }

    /// Runs the CLI; on success its run time and stdout (which may echo a pasted token: callers
    /// only parse it, never show it).
    fn run_capturing(&self, args: &[String], stdin: Option<&[u8]>, secrets: &[&str]) -> Result<(Duration, Vec<u8>)> {
        let command = self.describe(args);
        let cmd = self.command(args);
        if let Some(p) = &self.progress {
            p(&Progress::Started { command: command.clone() });
        }
        let out = process::run(cmd, stdin, self.timeout).map_err(|e| match e {
            RunError::Spawn { source, program } => Error::GatewayCliMissing { tried: format!("{program} ({source})") },
            RunError::Timeout { timeout, .. } => Error::GatewayCliTimeout { command: command.clone(), secs: timeout.as_secs() },
            // Killed for flooding its output: the message names the stream and the limit, never the output.
            e @ RunError::TooMuchOutput { .. } => Error::GatewayCliFailed { command: command.clone(), code: -1, message: e.to_string() },
        })?;
        if let Some(p) = &self.progress {
            p(&Progress::Finished { command: command.clone(), elapsed: out.elapsed });
        }
        if out.code == Some(0) {
            surface_warnings(&command, &String::from_utf8_lossy(&out.stderr), secrets);
            return Ok((out.elapsed, out.stdout));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let message = error_lines(&stderr).or_else(|| error_lines(&stdout)).unwrap_or_else(|| "no error message".into());
        Err(Error::GatewayCliFailed { command, code: out.code.unwrap_or(-1), message: redact_text(&message, secrets) })
    }
}

/// Passes the CLI's own warnings on (stderr through the log), redacted. Its warning that it
/// could not refresh the running gateway is only noted: authtray asks the gateway itself right
/// after, and reports that outcome in `reload`.
fn surface_warnings(command: &str, stderr: &str, secrets: &[&str]) {
    for w in stderr.lines().map(str::trim).filter(|l| l.to_ascii_lowercase().starts_with("warning")) {
        let w = redact_text(w, secrets);
        if w.contains("could not refresh") || w.contains("could not be identified or refreshed") {
            tracing::debug!("{command}: {w}");
        } else {
            tracing::warn!("{command}: {w}");
        }
    }
}

/// The JSON document a gateway CLI printed with `--json` (clawdbot may print a log line first).
pub(crate) fn json_output(text: &str) -> Option<serde_json::Value> {
    let start = if text.starts_with('{') { Some(0) } else { text.find("\n{").map(|i| i + 1) };
    start.and_then(|i| serde_json::from_str(&text[i..]).ok())
}

/// The lines of a gateway's output that explain a failure (`Error: …`, a JSON error
/// message), else its last few lines.
pub(crate) fn error_lines(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return None;
    }
    if let Some(msg) = text
        .find('{')
        .and_then(|i| serde_json::from_str::<serde_json::Value>(&text[i..]).ok())
        .and_then(|v| v.pointer("/error/message").and_then(|m| m.as_str()).map(str::to_string))
    {
        return Some(msg);
    }
    let errors: Vec<&str> = lines.iter().copied().filter(|l| l.to_ascii_lowercase().contains("error")).collect();
    let chosen = if errors.is_empty() { &lines[lines.len().saturating_sub(3)..] } else { &errors[..] };
    Some(chosen.join(" / ").chars().take(600).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_cli(dir: &Path, body: &str) -> GatewayCli {
        let p = dir.join("openclaw");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        GatewayCli { program: p, env: vec![], timeout: Duration::from_secs(5), progress: None, remote: None, agent_on_group: false }
    }

    #[test]
    fn token_goes_on_stdin_never_in_argv() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("log");
        let cli = fake_cli(d.path(), &format!("echo \"$@\" > '{0}'; cat >> '{0}'", log.display()));
        let tok = Secret::new("sk-ant-oat01-SECRETSECRETSECRET");
        cli.paste_token("anthropic", "anthropic:x", Some("work"), &tok, Some(3_600_000)).unwrap();
        let seen = std::fs::read_to_string(&log).unwrap();
        let (argv, stdin) = seen.split_once('\n').unwrap();
        assert_eq!(argv, "models auth paste-token --provider anthropic --profile-id anthropic:x --agent work --expires-in 3600000ms");
        assert_eq!(stdin, "sk-ant-oat01-SECRETSECRETSECRET\r\n");
        // openclaw 2026.5 takes the agent on the `models auth` group only.
        let group = GatewayCli { agent_on_group: true, ..cli };
        group.order_set("anthropic", Some("work"), &["anthropic:x".into()]).unwrap();
        let seen = std::fs::read_to_string(&log).unwrap();
        assert_eq!(seen.lines().next(), Some("models auth --agent work order set --provider anthropic -- anthropic:x"));
    }

    #[test]
    fn failures_carry_the_gateway_message_redacted() {
        let d = tempfile::tempdir().unwrap();
        let cli = fake_cli(d.path(), "read t; echo \"noise\"; echo \"Error: token $t rejected\" >&2; exit 3");
        let tok = Secret::new("sk-ant-oat01-SECRETSECRETSECRET");
        let e = cli.paste_token("anthropic", "anthropic:x", None, &tok, None).unwrap_err().to_string();
        assert!(e.contains("exit 3") && e.contains("rejected") && !e.contains("SECRETSECRET"), "{e}");
        let slow = fake_cli(d.path(), "sleep 5");
        let slow = GatewayCli { timeout: Duration::from_millis(200), ..slow };
        assert!(matches!(slow.order_clear("anthropic", None), Err(Error::GatewayCliTimeout { .. })));
    }

    #[test]
    fn a_fixed_expiry_is_never_stored_late() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("log");
        let cli = fake_cli(d.path(), &format!("echo \"$@\" > '{0}'; cat > /dev/null", log.display()));
        let tok = Secret::new("sk-ant-oat01-SECRETSECRETSECRET");
        let expires_at = crate::clock::now_ms() + 3_600_000;
        cli.paste_token_expiring_at("anthropic", "anthropic:x", None, &tok, expires_at).unwrap();
        let argv = std::fs::read_to_string(&log).unwrap();
        let ms: i64 = argv.trim().rsplit(' ').next().unwrap().trim_end_matches("ms").parse().unwrap();
        // However late within its deadline the CLI stamps it, the expiry is not after ours.
        let latest_stamp = crate::clock::now_ms() + cli.timeout.as_millis() as i64;
        assert!(latest_stamp + ms <= expires_at + 1000, "stamped up to {} ms late", latest_stamp + ms - expires_at);
        assert!(ms >= 3_600_000 - 5_000 - 2_000, "early by far more than the deadline: {ms}");
        // Too close to expiry to be stored in time: refused, not stamped late.
        let e = cli.paste_token_expiring_at("anthropic", "anthropic:x", None, &tok, crate::clock::now_ms() + 4_000).unwrap_err();
        assert!(e.to_string().contains("too soon"), "{e}");
    }

    #[test]
    fn order_set_ids_come_after_the_end_of_options() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("log");
        let cli = fake_cli(d.path(), &format!("echo \"$@\" > '{0}'", log.display()));
        cli.order_set("anthropic", None, &["anthropic:a".into(), "-h".into()]).unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap().trim(), "models auth order set --provider anthropic -- anthropic:a -h");
    }

    #[test]
    fn missing_cli_is_a_clear_error() {
        let env = Env::from_pairs([("PATH", "/nonexistent")]);
        assert!(matches!(GatewayCli::locate(&env, None, None), Err(Error::GatewayCliMissing { .. })));
        assert!(GatewayCli::locate(&env, Some(Path::new("/no/such/openclaw")), None).is_err());
    }
}
