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
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

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
}

impl std::fmt::Debug for GatewayCli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayCli").field("program", &self.program).field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl GatewayCli {
    /// Finds the CLI: `--gateway-cli`, else `AUTHTRAY_GATEWAY_CLI`, else `openclaw` on `PATH`.
    pub fn locate(env: &Env, explicit: Option<&Path>, state_dir: Option<&Path>) -> Result<GatewayCli> {
        let program = match explicit.map(Path::to_path_buf).or_else(|| env.path("AUTHTRAY_GATEWAY_CLI")) {
            Some(p) if p.is_file() => p,
            Some(p) => return Err(Error::GatewayCliMissing { tried: p.display().to_string() }),
            None => env.which("openclaw").ok_or_else(|| Error::GatewayCliMissing { tried: "`openclaw` on PATH".into() })?,
        };
        let mut extra = Vec::new();
        if let Some(dir) = state_dir {
            extra.push(("OPENCLAW_STATE_DIR".to_string(), dir.as_os_str().to_owned()));
        }
        Ok(GatewayCli { program, env: extra, timeout: DEFAULT_TIMEOUT, progress: None })
    }

    /// `models auth paste-token --provider P --profile-id ID [--agent A] [--expires-in Nms]`,
    /// the token on stdin.
    pub fn paste_token(
        &self,
        provider: &str,
        profile_id: &str,
        agent: Option<&str>,
        token: &Secret,
        expires_in_ms: Option<i64>,
    ) -> Result<Duration> {
        let mut args = vec![
            "models".to_string(),
            "auth".into(),
            "paste-token".into(),
            "--provider".into(),
            provider.into(),
            "--profile-id".into(),
            profile_id.into(),
        ];
        if let Some(a) = agent {
            args.extend(["--agent".into(), a.into()]);
        }
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
    pub fn paste_token_expiring_at(
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
            return Err(Error::InvalidInput(format!(
                "the token expires within {} s, too soon to store through the gateway CLI (it may take that long to start)",
                (margin + expires_in.max(0)) / 1000 + 1
            )));
        }
        self.paste_token(provider, profile_id, agent, token, Some(expires_in))
    }

    /// `models auth order set --provider P [--agent A] IDS…`.
    pub fn order_set(&self, provider: &str, agent: Option<&str>, ids: &[String]) -> Result<Duration> {
        let mut args = vec!["models".to_string(), "auth".into(), "order".into(), "set".into(), "--provider".into(), provider.into()];
        if let Some(a) = agent {
            args.extend(["--agent".into(), a.into()]);
        }
        // Everything after `--` is an id, even one that starts with a dash.
        args.push("--".into());
        args.extend(ids.iter().cloned());
        self.run(&args, None, &[])
    }

    /// `models auth order clear --provider P [--agent A]`.
    pub fn order_clear(&self, provider: &str, agent: Option<&str>) -> Result<Duration> {
        let mut args = vec!["models".to_string(), "auth".into(), "order".into(), "clear".into(), "--provider".into(), provider.into()];
        if let Some(a) = agent {
            args.extend(["--agent".into(), a.into()]);
        }
        self.run(&args, None, &[])
    }

    fn run(&self, args: &[String], stdin: Option<&[u8]>, secrets: &[&str]) -> Result<Duration> {
        let name = self.program.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "openclaw".into());
        let command = format!("{name} {}", args.iter().take(5).cloned().collect::<Vec<_>>().join(" "));
        let mut cmd = Command::new(&self.program);
        cmd.args(args).env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(p) = &self.progress {
            p(&Progress::Started { command: command.clone() });
        }
        let out = process::run(cmd, stdin, self.timeout).map_err(|e| match e {
            RunError::Spawn { source, .. } => Error::GatewayCliMissing { tried: format!("{} ({source})", self.program.display()) },
            RunError::Timeout { timeout, .. } => Error::GatewayCliTimeout { command: command.clone(), secs: timeout.as_secs() },
        })?;
        if let Some(p) = &self.progress {
            p(&Progress::Finished { command: command.clone(), elapsed: out.elapsed });
        }
        if out.code == Some(0) {
            surface_warnings(&command, &String::from_utf8_lossy(&out.stderr), secrets);
            return Ok(out.elapsed);
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

/// The lines of a gateway's output that explain a failure (`Error: …`, a JSON error
/// message), else its last few lines.
fn error_lines(text: &str) -> Option<String> {
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
        GatewayCli { program: p, env: vec![], timeout: Duration::from_secs(5), progress: None }
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
