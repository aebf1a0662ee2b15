//! The user's choices that outlive one command: notification lead times, the mirror profile id
//! and which agents to mirror into. One JSON file in `paths::config_dir`, written
//! atomically (0600); fields a newer authtray added are kept.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Millis;
use crate::error::{Error, Result};

const HOUR: Millis = 60 * 60 * 1000;
const DAY: Millis = 24 * HOUR;

/// Which agents the mirror writes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", tag = "mode", content = "agents")]
pub enum MirrorAgents {
    /// The gateway's default agent (what `authtray sync` does without flags).
    #[default]
    Default,
    /// Every agent.
    All,
    /// These agents.
    List(Vec<String>),
}

/// Settings, with defaults for anything missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Lead times before a long-lived credential (setup-token, pasted token) expires, in ms.
    /// An alert also fires at expiry.
    pub expiry_leads_ms: Vec<Millis>,
    /// How long before Claude Code's own token expires without a refresh to warn.
    pub source_lead_ms: Millis,
    /// How long a store may lag behind Claude Code's login before that is an alert.
    pub stale_grace_ms: Millis,
    /// The profile id the mirror writes (`None`: `anthropic:claude-code`).
    pub mirror_profile_id: Option<String>,
    /// Which agents to mirror into.
    pub mirror_agents: MirrorAgents,
    /// Whether live mirroring is on (the app and `authtray watch`).
    pub mirror_enabled: bool,
    /// Whether desktop notifications are sent.
    pub notifications: bool,
    /// The gateway's state folder, when it is not where discovery looks (chosen at first run).
    /// A `--state-dir` on the command line wins.
    pub gateway_dir: Option<PathBuf>,
    /// The gateway generation (`clawdbot`, `openclaw-json`, `openclaw-sqlite`), when the disk
    /// cannot tell it. A `--generation` on the command line wins.
    pub generation: Option<String>,
    /// Gateways on other hosts (`authtray target add`), in the order they were added.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<crate::target::TargetEntry>,
    /// The program that reaches `docker://` targets (`None`: `docker`; `podman` works too).
    /// `AUTHTRAY_DOCKER` wins.
    pub docker_command: Option<String>,
    /// The program that reaches `kubectl://` and `k8s-secret://` targets (`None`: `kubectl`).
    /// `AUTHTRAY_KUBECTL` wins.
    pub kubectl_command: Option<String>,
    /// How often, in minutes, the live service checks the targets again (and mirrors to those
    /// marked so) when nothing here changed.
    pub target_check_mins: u32,
    /// Fields this version does not know, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            // Setup-tokens last a year: a month's notice first.
            expiry_leads_ms: vec![30 * DAY, 7 * DAY, DAY, HOUR],
            source_lead_ms: 30 * 60 * 1000,
            stale_grace_ms: 2 * 60 * 1000,
            mirror_profile_id: None,
            mirror_agents: MirrorAgents::Default,
            mirror_enabled: true,
            notifications: true,
            gateway_dir: None,
            generation: None,
            targets: Vec::new(),
            docker_command: None,
            kubectl_command: None,
            target_check_mins: 5,
            extra: Map::new(),
        }
    }
}

impl Settings {
    /// The earliest warning before a long-lived credential expires (0 when none is set): what
    /// counts as "expiring soon".
    pub(crate) fn longest_lead(&self) -> Millis {
        self.expiry_leads_ms.iter().copied().max().unwrap_or(0)
    }

    /// The settings file under `config_dir`.
    pub(crate) fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("settings.json")
    }

    /// The settings file this environment uses (in `paths::config_dir`).
    pub fn path_for(env: &crate::env::Env) -> PathBuf {
        Settings::path(&crate::paths::config_dir(env))
    }

    /// Reads the settings; a missing file gives the defaults, a broken one an error naming it.
    pub fn load(path: &Path) -> Result<Settings> {
        match crate::fsx::read_optional(path)? {
            None => Ok(Settings::default()),
            Some(bytes) => {
                let s: Settings = serde_json::from_slice(&bytes).map_err(|e| Error::ConfigParse {
                    path: path.to_path_buf(),
                    reason: format!("{e}; delete it to go back to the defaults"),
                })?;
                s.validate()?;
                Ok(s)
            }
        }
    }

    /// Checks the values make sense, with a message saying which one does not.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.expiry_leads_ms.iter().any(|&l| l <= 0 || l > 365 * DAY) {
            return Err(Error::InvalidInput("each expiry lead time must be between 1 ms and 365 days".into()));
        }
        if self.expiry_leads_ms.len() > 10 {
            return Err(Error::InvalidInput("at most 10 expiry lead times".into()));
        }
        if self.source_lead_ms < 0 || self.source_lead_ms > DAY {
            return Err(Error::InvalidInput("the Claude Code lead time must be between 0 and 24 h".into()));
        }
        if self.stale_grace_ms < 0 || self.stale_grace_ms > DAY {
            return Err(Error::InvalidInput("the stale-mirror grace must be between 0 and 24 h".into()));
        }
        if let Some(id) = &self.mirror_profile_id {
            crate::ops::validate_profile_id(id, "anthropic")?;
        }
        if let Some(dir) = &self.gateway_dir {
            let text = dir.to_string_lossy();
            if !(dir.is_absolute() || text.starts_with("~/")) {
                return Err(Error::InvalidInput(format!("the gateway folder must be a full path (like ~/.openclaw), not {text:?}")));
            }
        }
        if let Some(g) = &self.generation {
            if crate::gateway::Generation::from_name(g).is_none() {
                return Err(Error::InvalidInput(format!(
                    "unknown gateway version {g:?}: choose clawdbot, openclaw-json (openclaw up to 2026.5) or openclaw-sqlite (2026.6 and later)"
                )));
            }
        }
        for (i, t) in self.targets.iter().enumerate() {
            t.validate()?;
            if self.targets[..i].iter().any(|o| o.name == t.name) {
                return Err(Error::InvalidInput(format!("two targets are named {:?}", t.name)));
            }
        }
        for (what, command) in [("docker", &self.docker_command), ("kubectl", &self.kubectl_command)] {
            if let Some(c) = command {
                check_program(what, c)?;
            }
        }
        if !(1..=24 * 60).contains(&self.target_check_mins) {
            return Err(Error::InvalidInput("hosts are checked every 1 minute to every 24 hours (1–1440 minutes)".into()));
        }
        if let MirrorAgents::List(l) = &self.mirror_agents {
            if l.is_empty() {
                return Err(Error::InvalidInput("choose at least one agent to mirror into".into()));
            }
        }
        Ok(())
    }

    /// Validates and writes the settings atomically (0600).
    pub fn save(&self, path: &Path) -> Result<()> {
        self.validate()?;
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| Error::Internal(format!("cannot encode the settings: {e}")))?;
        bytes.push(b'\n');
        crate::fsx::write_atomic(path, &bytes)
    }

    /// The target named `name`.
    pub fn target(&self, name: &str) -> Option<&crate::target::TargetEntry> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// The error for a target name these settings do not have, listing the ones they do.
    pub fn unknown_target(&self, name: &str) -> Error {
        let known = self.targets.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
        Error::UnknownTarget { name: name.to_string(), known: if known.is_empty() { "none".into() } else { known } }
    }

    /// The mirror targets as the sync operation takes them.
    pub(crate) fn sync_targets(&self) -> crate::ops::sync::Targets {
        match &self.mirror_agents {
            MirrorAgents::Default => crate::ops::sync::Targets::Default,
            MirrorAgents::All => crate::ops::sync::Targets::All,
            MirrorAgents::List(l) => crate::ops::sync::Targets::Agents(l.clone()),
        }
    }
}

/// A program to run in place of `what`: one program name found on the PATH (`podman`) or a full
/// path to one. It is run as given, never through a shell, so anything that could read as an
/// option, a second word or a relative path is refused rather than guessed at.
fn check_program(what: &str, program: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._+-/".contains(c);
    let fits = !program.is_empty()
        && program.len() <= 256
        && !program.starts_with('-')
        && program.chars().all(allowed)
        && (!program.contains('/') || program.starts_with('/'))
        && !program.split('/').any(|part| part == "..");
    if fits {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "the {what} program must be one program name (like {}) or a full path to one, without spaces; a command with arguments goes in a small script",
            if what == "docker" { "podman" } else { "kubectl" }
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_unknown_fields() {
        let dir = tempfile::tempdir().unwrap();
        let p = Settings::path(dir.path());
        assert_eq!(Settings::load(&p).unwrap(), Settings::default());
        std::fs::write(&p, r#"{"sourceLeadMs": 60000, "future": {"x": 1}, "mirrorAgents": {"mode": "list", "agents": ["work"]}}"#).unwrap();
        let s = Settings::load(&p).unwrap();
        assert_eq!(s.source_lead_ms, 60000);
        assert_eq!(s.expiry_leads_ms, Settings::default().expiry_leads_ms);
        assert_eq!(s.mirror_agents, MirrorAgents::List(vec!["work".into()]));
        s.save(&p).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"future\""), "{text}");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn refuses_broken_files_and_bad_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = Settings::path(dir.path());
        std::fs::write(&p, "{nope").unwrap();
        assert!(Settings::load(&p).unwrap_err().to_string().contains("settings.json"));
        let s = Settings { expiry_leads_ms: vec![0], ..Settings::default() };
        assert!(s.save(&p).is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{nope");
        let s = Settings { mirror_profile_id: Some("openai:x".into()), ..Settings::default() };
        assert!(s.validate().is_err());
    }

    #[test]
    fn remote_programs_are_one_name_or_a_full_path() {
        let with = |docker: &str| Settings { docker_command: Some(docker.into()), ..Settings::default() }.validate();
        for ok in ["podman", "docker", "/usr/local/bin/docker", "/opt/k8s/kubectl-1.31", "nerdctl"] {
            assert!(with(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-x", "microk8s kubectl", "bin/docker", "./docker", "/usr/../bin/sh", "docker;id", "$(id)", "dock\ner"] {
            let e = with(bad).unwrap_err().to_string();
            assert!(e.contains("one program name"), "{bad:?}: {e}");
        }
        let k = Settings { kubectl_command: Some("kubectl --context x".into()), ..Settings::default() };
        assert!(k.validate().unwrap_err().to_string().contains("kubectl program"));
        for mins in [0, 24 * 60 + 1] {
            assert!(Settings { target_check_mins: mins, ..Settings::default() }.validate().is_err(), "{mins}");
        }
        assert_eq!(Settings::default().target_check_mins, 5);
    }
}
