//! `doctor --target`: can authtray reach the target, find its gateway CLI, read it, and make its
//! running gateway reload; and what the verdict finds there, each with its fix.

use serde_json::Value;

use super::{connect, reload, report, SecretTarget, TargetRef};
use crate::claude::LoginState;
use crate::env::Env;
use crate::error::Error;
use crate::gateway::running::ReloadState;
use crate::ops::doctor::{DoctorReport, Finding, Severity};
use crate::settings::Settings;
use crate::target::{TargetEntry, TargetKind, Transport};
use crate::verdict::Overall;

/// A doctor report about a target, with the target in its JSON.
pub struct RemoteDoctor {
    /// Which target.
    pub target: TargetRef,
    /// The report, in the local shape.
    pub report: DoctorReport,
}

impl RemoteDoctor {
    /// The local `doctor --json` shape plus `target`.
    pub(crate) fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(&self.report).unwrap_or(Value::Null);
        v["target"] = serde_json::json!({ "name": self.target.name, "url": self.target.url });
        v
    }
}

impl serde::Serialize for RemoteDoctor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// Examines a target. Never fails: what goes wrong is a finding.
pub fn doctor(env: &Env, entry: &TargetEntry, login: &LoginState, claude_file: std::path::PathBuf, settings: &Settings) -> RemoteDoctor {
    let target = TargetRef { name: entry.name.clone(), url: entry.url.clone() };
    let mut report = DoctorReport {
        generation: "none",
        generation_evidence: String::new(),
        state_dir: Default::default(),
        config_path: Default::default(),
        claude_credentials: claude_file,
        findings: Vec::new(),
    };
    let mut add = |severity, code, message: String, fix: Option<String>| report.findings.push(Finding { severity, code, message, fix });
    match SecretTarget::of(env, entry) {
        Err(e) => add(Severity::Error, "target-invalid", e.to_string(), Some("remove the target and add it again with a valid URL".into())),
        Ok(Some(secret)) => match secret.check() {
            Ok(()) => add(
                Severity::Info,
                "secret-reachable",
                format!("{} is reachable with kubectl; paste-token and sync write one key of it", secret.describe()),
                None,
            ),
            Err(e) => add(Severity::Error, "target-unreachable", e.to_string(), Some(secret.hint())),
        },
        Ok(None) => match connect(env, entry) {
            Err(e) => {
                let (code, fix) = match &e {
                    Error::RemoteCliMissing { .. } => {
                        ("gateway-cli-missing", "install the gateway there, or name its CLI in the URL with ?cli=NAME".to_string())
                    }
                    _ => ("target-unreachable", reach_hint(entry)),
                };
                add(Severity::Error, code, e.to_string(), Some(fix));
            }
            Ok(g) => {
                report.generation = g.generation.name();
                report.generation_evidence = format!("{} there reports the store {}", g.cli.program.to_string_lossy(), store_of(&g.status));
                report.config_path = g.status.get("configPath").and_then(Value::as_str).unwrap_or_default().into();
                report.state_dir = report.config_path.parent().map(Into::into).unwrap_or_default();
                // Asking for a reload is harmless and the only way to learn whether authtray
                // can make the running gateway take up a write.
                let r = reload(&g);
                let detail = r.detail.clone().unwrap_or_default();
                match r.state {
                    ReloadState::Done | ReloadState::NotNeeded => {
                        add(Severity::Info, "gateway-reload", format!("the running gateway there takes up writes: {detail}"), None)
                    }
                    ReloadState::NoGatewayRunning => add(Severity::Info, "gateway-not-running", detail, None),
                    ReloadState::Failed => add(
                        Severity::Warning,
                        "gateway-unreachable",
                        detail,
                        Some("give the gateway CLI there its token (gateway.auth.token in its config), or restart the gateway after each change".into()),
                    ),
                }
                match report_problems(&g, login, settings, crate::keeper::current(env, crate::clock::now_ms()).as_deref()) {
                    Ok(problems) => report.findings.extend(problems),
                    Err(e) => report.findings.push(Finding {
                        severity: Severity::Error,
                        code: "status-unreadable",
                        message: e.to_string(),
                        fix: None,
                    }),
                }
            }
        },
    }
    report.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    RemoteDoctor { target, report }
}

fn store_of(status: &Value) -> &str {
    status.pointer("/auth/storePath").and_then(Value::as_str).unwrap_or("(none)")
}

/// The verdict's problems as findings; fixes that are authtray commands get `--target`.
fn report_problems(
    g: &super::RemoteGateway,
    login: &LoginState,
    settings: &Settings,
    keeper: Option<&str>,
) -> crate::error::Result<Vec<Finding>> {
    let r = report(g, login, settings, keeper, crate::clock::now_ms(), crate::health::DEFAULT_WARN_MS)?;
    let verdict = r.report.verdict.unwrap_or_else(|| unreachable!("report() always judges"));
    Ok(verdict
        .problems
        .into_iter()
        .map(|p| Finding {
            severity: if p.severity == Overall::Broken { Severity::Error } else { Severity::Warning },
            code: "verdict",
            message: p.text,
            fix: p.remedy.map(|fix| match fix.command {
                Some(c) => format!("{} ({})", fix.text, crate::verdict::on_target(&c, &g.target.name)),
                None => fix.text,
            }),
        })
        .collect())
}

/// How to check the transport by hand.
fn reach_hint(entry: &TargetEntry) -> String {
    match entry.kind() {
        Ok(TargetKind::Gateway { transport: Transport::Ssh { user, host, port }, .. }) => {
            let u = user.map(|u| format!("{u}@")).unwrap_or_default();
            let p = port.map(|p| format!("-p {p} ")).unwrap_or_default();
            format!(
                "check that `ssh -o BatchMode=yes {p}{u}{host} true` works without a password prompt (a key in your agent or ssh config)"
            )
        }
        Ok(TargetKind::Gateway { transport: Transport::Docker { container }, .. }) => {
            format!("check that `docker exec {container} true` works (the container runs, and you may use docker)")
        }
        Ok(TargetKind::Gateway { transport: Transport::Kubectl { namespace, resource, .. }, .. }) => {
            format!("check that `kubectl -n {namespace} exec {resource} -- true` works (context, namespace, resource)")
        }
        _ => "check the target's URL".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_say_how_to_check_by_hand() {
        let e = TargetEntry { name: "gw".into(), url: "ssh://gw@vps:2222".into(), mirror: false };
        assert!(reach_hint(&e).contains("ssh -o BatchMode=yes -p 2222 gw@vps true"));
    }
}
