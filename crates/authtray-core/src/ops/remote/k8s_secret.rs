//! `k8s-secret://` targets: one key of a Kubernetes Secret that a gateway in the cluster reads
//! from its environment (the gateway's Kustomize setup keeps `openclaw-secrets` that way). The
//! value goes in a merge patch on kubectl's stdin (never on argv), which leaves every other key
//! as it is; then the workload named by `?restart=` is restarted and its rollout waited for.

use std::process::Command;
use std::time::Duration;

use serde::Serialize;

use super::TargetRef;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::gateway::store::CredentialKind;
use crate::target::{TargetEntry, TargetKind, Tools};
use crate::token::{self, Secret};

/// The key a setup-token or OAuth access token goes to when the URL names none.
pub(super) const TOKEN_KEY: &str = "ANTHROPIC_OAUTH_TOKEN";
/// The key an API key goes to when the URL names none.
pub(super) const API_KEY_KEY: &str = "ANTHROPIC_API_KEY";
/// The key a claude.ai session key (`eyJ…`) always goes to.
pub(super) const SESSION_KEY_KEY: &str = "CLAUDE_AI_SESSION_KEY";

/// How long a rollout may take before authtray stops waiting (the patch stays).
pub(super) const ROLLOUT_TIMEOUT: Duration = Duration::from_secs(180);
/// How long one kubectl call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// A `k8s-secret://` target, taken apart.
#[derive(Debug, Clone)]
pub struct SecretTarget {
    /// As saved.
    pub entry: TargetEntry,
    context: Option<String>,
    namespace: String,
    secret: String,
    key: Option<String>,
    restart: Option<String>,
    tools: Tools,
}

/// What a write to a Secret did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretWrite {
    /// Which target.
    pub target: TargetRef,
    /// `namespace/secret`.
    pub secret: String,
    /// The key written.
    pub key: String,
    /// The value, redacted.
    pub token: String,
    /// False when the Secret already held this value (nothing patched, nothing restarted).
    pub written: bool,
    /// The workload restarted (`deployment/openclaw`), when one is named and something changed.
    pub restarted: Option<String>,
    /// One line for people.
    pub summary: String,
}

impl SecretTarget {
    /// The target when it is a `k8s-secret://` one.
    pub fn of(env: &Env, entry: &TargetEntry) -> Result<Option<SecretTarget>> {
        Ok(match entry.kind()? {
            TargetKind::K8sSecret { context, namespace, secret, key, restart } => {
                Some(SecretTarget { entry: entry.clone(), context, namespace, secret, key, restart, tools: Tools::from_env(env) })
            }
            TargetKind::Gateway { .. } => None,
        })
    }

    /// `kubectl [--context C] -n NS`.
    fn kubectl(&self) -> Command {
        let mut c = Command::new(&self.tools.kubectl);
        if let Some(ctx) = &self.context {
            c.arg("--context").arg(ctx);
        }
        c.arg("-n").arg(&self.namespace);
        c
    }

    /// Runs one kubectl call; its stdout on success, a redacted first error line otherwise.
    fn call(&self, cmd: Command, stdin: Option<&[u8]>, timeout: Duration, secrets: &[&str]) -> Result<Vec<u8>> {
        let out = crate::process::run(cmd, stdin, timeout)
            .map_err(|e| Error::Unreachable { target: self.entry.name.clone(), reason: token::redact_text(&e.to_string(), secrets) })?;
        if out.code == Some(0) {
            return Ok(out.stdout);
        }
        let text = String::from_utf8_lossy(&out.stderr);
        let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("kubectl failed without a message");
        Err(Error::Unreachable { target: self.entry.name.clone(), reason: token::redact_text(line, secrets) })
    }

    /// `namespace/secret` (with its context), for messages.
    pub(crate) fn describe(&self) -> String {
        let c = self.context.as_ref().map(|c| format!("{c}/")).unwrap_or_default();
        format!("Secret {c}{}/{}", self.namespace, self.secret)
    }

    /// How to check access by hand.
    pub(crate) fn hint(&self) -> String {
        let c = self.context.as_ref().map(|c| format!("--context {c} ")).unwrap_or_default();
        format!(
            "check that `kubectl {c}-n {} get secret {}` works (context, namespace, name, and your rights to it)",
            self.namespace, self.secret
        )
    }

    /// Whether the Secret is there and readable (its name only; no value is read).
    pub(crate) fn check(&self) -> Result<()> {
        let mut c = self.kubectl();
        c.args(["get", "secret"]).arg(&self.secret).args(["-o", "name"]);
        self.call(c, None, CALL_TIMEOUT, &[]).map(|_| ())
    }

    /// The key a value goes to: a session key to its own key, else (once the value is checked)
    /// the URL's `#KEY`, else the default for its kind.
    pub(crate) fn key_for(&self, value: &str) -> Result<String> {
        if is_session_key(value) {
            return Ok(SESSION_KEY_KEY.into());
        }
        // Checked whatever key it goes to: nothing unrecognised reaches the Secret.
        let valid = token::validate("anthropic", value)?;
        Ok(match &self.key {
            Some(k) => k.clone(),
            None if valid.kind == CredentialKind::ApiKey => API_KEY_KEY.into(),
            None => TOKEN_KEY.into(),
        })
    }

    /// The Secret's current value of `key` (`None` when it has no such key). It comes back on
    /// kubectl's stdout, decoded by kubectl's own template.
    fn current(&self, key: &str) -> Result<Option<String>> {
        let mut c = self.kubectl();
        let template = format!("{{{{with index .data \"{key}\"}}}}{{{{base64decode .}}}}{{{{end}}}}");
        c.args(["get", "secret"]).arg(&self.secret).arg("-o").arg(format!("go-template={template}"));
        let out = self.call(c, None, CALL_TIMEOUT, &[])?;
        let value = String::from_utf8_lossy(&out).into_owned();
        Ok((!value.is_empty()).then_some(value))
    }

    /// Writes `value` to its key (see `SecretTarget::key_for`) unless the Secret holds it
    /// already, then restarts the workload and waits for its rollout.
    pub fn write(&self, value: &Secret) -> Result<SecretWrite> {
        let v = value.expose().trim();
        let key = self.key_for(v)?;
        let name = format!("{}/{}", self.namespace, self.secret);
        let redacted = token::redact(v);
        let target = TargetRef { name: self.entry.name.clone(), url: self.entry.url.clone() };
        if self.current(&key)?.as_deref() == Some(v) {
            let summary = format!("Up to date on {}: {name} {key} holds {redacted}", self.entry.name);
            return Ok(SecretWrite { target, secret: name, key, token: redacted, written: false, restarted: None, summary });
        }
        // A merge patch names one key; the API server keeps every other key of the Secret.
        let patch = serde_json::json!({ "stringData": { key.clone(): v } }).to_string();
        let mut c = self.kubectl();
        c.args(["patch", "secret"]).arg(&self.secret).args(["--type", "merge", "--patch-file", "/dev/stdin"]);
        self.call(c, Some(patch.as_bytes()), CALL_TIMEOUT, &[v])?;
        if let Some(workload) = &self.restart {
            let mut c = self.kubectl();
            c.args(["rollout", "restart"]).arg(workload);
            self.call(c, None, CALL_TIMEOUT, &[v])?;
            let mut c = self.kubectl();
            c.args(["rollout", "status"]).arg(workload).arg(format!("--timeout={}s", ROLLOUT_TIMEOUT.as_secs()));
            self.call(c, None, ROLLOUT_TIMEOUT + Duration::from_secs(10), &[v]).map_err(|e| match e {
                Error::Unreachable { target, reason } => {
                    Error::Unreachable { target, reason: format!("{name} was updated, but {workload} did not finish restarting: {reason}") }
                }
                other => other,
            })?;
        }
        let after = self.restart.as_ref().map(|w| format!("; restarted {w}")).unwrap_or_default();
        let summary = format!("Updated {name} {key} on {} to {redacted}{after}", self.entry.name);
        Ok(SecretWrite { target, secret: name, key, token: redacted, written: true, restarted: self.restart.clone(), summary })
    }
}

/// A claude.ai session key: a JWT (`eyJ…`, three base64url parts).
pub(crate) fn is_session_key(v: &str) -> bool {
    v.starts_with("eyJ")
        && v.len() >= 20
        && v.split('.').count() == 3
        && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '='))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> SecretTarget {
        let entry = TargetEntry { name: "k8s".into(), url: url.into(), mirror: false };
        SecretTarget::of(&Env::default(), &entry).unwrap().unwrap()
    }

    #[test]
    fn each_kind_of_value_goes_to_its_key() {
        let t = target("k8s-secret://gateways/openclaw-secrets");
        assert_eq!(t.key_for(&format!("sk-ant-oat01-{}", "A".repeat(80))).unwrap(), TOKEN_KEY);
        assert_eq!(t.key_for(&format!("sk-ant-api03-{}", "A".repeat(93))).unwrap(), API_KEY_KEY);
        assert_eq!(t.key_for("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl").unwrap(), SESSION_KEY_KEY);
        let named = target("k8s-secret://gateways/openclaw-secrets#MY_TOKEN");
        assert_eq!(named.key_for(&format!("sk-ant-oat01-{}", "A".repeat(80))).unwrap(), "MY_TOKEN");
        assert_eq!(named.key_for("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl").unwrap(), SESSION_KEY_KEY);
        assert!(t.key_for("hello").is_err());
        assert!(named.key_for("hello").is_err(), "a named key takes only a checked value");
    }

    #[test]
    fn session_keys_are_jwts() {
        assert!(is_session_key("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"));
        assert!(!is_session_key("eyJ; rm -rf /.a.b"));
        assert!(!is_session_key("eyJabc"));
    }

    #[test]
    fn gateway_urls_are_not_secrets() {
        let entry = TargetEntry { name: "gw".into(), url: "ssh://gw@vps".into(), mirror: false };
        assert!(SecretTarget::of(&Env::default(), &entry).unwrap().is_none());
    }
}
