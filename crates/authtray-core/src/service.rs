//! `authtray watch` as a user service: a systemd user unit on Linux, a launchd agent on macOS.
//! The file contents are pure functions; installing writes the file (0644, atomically) and asks
//! the service manager to start it. The tray app defers its own mirroring to an installed
//! service, so the two never mirror at once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::env::Env;
use crate::error::{Error, Result};

/// The systemd unit's name.
pub const UNIT: &str = "authtray-watch.service";
/// The launchd agent's label.
pub const LABEL: &str = "dev.authtray.watch";

/// The variables the service needs from the installing shell: where the gateway and Claude
/// Code live, and what the gateway's CLI needs to run.
const KEPT_VARS: [&str; 10] = [
    "PATH",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_HOME",
    "CLAWDBOT_STATE_DIR",
    "MOLTBOT_STATE_DIR",
    "CLAUDE_CONFIG_DIR",
    "AUTHTRAY_GATEWAY_CLI",
    "AUTHTRAY_CONFIG_DIR",
    "OPENCLAW_GATEWAY_TOKEN",
];

/// Which service manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Manager {
    /// systemd, user instance.
    Systemd,
    /// launchd, per-user agent.
    Launchd,
}

impl Manager {
    /// This platform's.
    pub fn here() -> Manager {
        if cfg!(target_os = "macos") {
            Manager::Launchd
        } else {
            Manager::Systemd
        }
    }
}

/// Where the service file goes.
pub fn file_path(env: &Env, manager: Manager) -> PathBuf {
    match manager {
        Manager::Systemd => env.path("XDG_CONFIG_HOME").unwrap_or_else(|| env.home().join(".config")).join("systemd/user").join(UNIT),
        Manager::Launchd => env.home().join("Library/LaunchAgents").join(format!("{LABEL}.plist")),
    }
}

/// Whether a service is installed for this user (the tray then leaves mirroring to it).
pub fn installed(env: &Env) -> bool {
    file_path(env, Manager::here()).is_file()
}

/// The service file for running `exe watch` with the installing shell's relevant variables.
pub fn contents(manager: Manager, exe: &Path, env: &Env) -> String {
    let vars: Vec<(&str, String)> = KEPT_VARS.iter().filter_map(|k| env.get(k).map(|v| (*k, v.to_string()))).collect();
    match manager {
        Manager::Systemd => {
            let mut unit = String::from(
                "[Unit]\nDescription=authtray: keeps the AI gateway's credentials current (authtray watch)\nDocumentation=man:authtray(1)\n\n[Service]\nType=simple\n",
            );
            unit.push_str(&format!("ExecStart={} watch\n", systemd_quote(&exe.to_string_lossy())));
            unit.push_str("Restart=on-failure\nRestartSec=10\n");
            for (k, v) in &vars {
                unit.push_str(&format!("Environment={}\n", systemd_quote(&format!("{k}={v}"))));
            }
            unit.push_str("\n[Install]\nWantedBy=default.target\n");
            unit
        }
        Manager::Launchd => {
            let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            let log = env.home().join("Library/Logs/authtray-watch.log");
            let mut envs = String::new();
            for (k, v) in &vars {
                envs.push_str(&format!("    <key>{}</key><string>{}</string>\n", esc(k), esc(v)));
            }
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n  <key>Label</key><string>{LABEL}</string>\n  <key>ProgramArguments</key>\n  <array><string>{}</string><string>watch</string></array>\n  <key>RunAtLoad</key><true/>\n  <key>KeepAlive</key><true/>\n  <key>StandardErrorPath</key><string>{}</string>\n  <key>EnvironmentVariables</key>\n  <dict>\n{envs}  </dict>\n</dict>\n</plist>\n",
                esc(&exe.to_string_lossy()),
                esc(&log.to_string_lossy())
            )
        }
    }
}

/// A value in double quotes as systemd reads it (backslash, quote and `%` escaped).
fn systemd_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('%', "%%"))
}

/// What `service status` reports.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    /// systemd or launchd.
    pub manager: Manager,
    /// The service file.
    pub path: PathBuf,
    /// Whether it is installed.
    pub installed: bool,
    /// What the manager says (`active`, `inactive`, …), when it could be asked.
    pub state: Option<String>,
}

/// Installs the service file; starts it unless `no_start`. Refuses to replace an installed one
/// unless `force`. Returns what the user should know (how to start it, when not started).
pub fn install(env: &Env, exe: &Path, no_start: bool, force: bool) -> Result<String> {
    let manager = Manager::here();
    let path = file_path(env, manager);
    if path.exists() && !force {
        return Err(Error::InvalidInput(format!(
            "the authtray service is already installed at {}: uninstall it first, or pass --force to replace it",
            path.display()
        )));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    }
    crate::fsx::write_atomic(&path, contents(manager, exe, env).as_bytes())?;
    // A unit file is not a secret; service managers expect it readable.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).map_err(|e| Error::io("chmod", &path, e))?;
    if no_start {
        return Ok(match manager {
            Manager::Systemd => format!(
                "Installed {}. Start it with: systemctl --user daemon-reload && systemctl --user enable --now {UNIT}",
                path.display()
            ),
            Manager::Launchd => format!("Installed {}. Start it with: launchctl load -w {}", path.display(), path.display()),
        });
    }
    let steps: Vec<Vec<String>> = match manager {
        Manager::Systemd => vec![
            vec!["systemctl".into(), "--user".into(), "daemon-reload".into()],
            vec!["systemctl".into(), "--user".into(), "enable".into(), "--now".into(), UNIT.into()],
        ],
        Manager::Launchd => vec![vec!["launchctl".into(), "load".into(), "-w".into(), path.to_string_lossy().into_owned()]],
    };
    for step in steps {
        manage(&step).map_err(|why| Error::InvalidInput(format!("installed {}, but it could not be started: {why}", path.display())))?;
    }
    Ok(format!("Installed and started {}.", path.display()))
}

/// Stops and removes the service. Returns what happened.
pub fn uninstall(env: &Env) -> Result<String> {
    let manager = Manager::here();
    let path = file_path(env, manager);
    if !path.exists() {
        return Ok("The authtray service is not installed.".into());
    }
    // Stopping is best effort: a manager that is not running has nothing to stop.
    let stop: Vec<String> = match manager {
        Manager::Systemd => vec!["systemctl".into(), "--user".into(), "disable".into(), "--now".into(), UNIT.into()],
        Manager::Launchd => vec!["launchctl".into(), "unload".into(), "-w".into(), path.to_string_lossy().into_owned()],
    };
    let stopped = manage(&stop);
    std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
    if manager == Manager::Systemd {
        let _ = manage(&["systemctl".into(), "--user".into(), "daemon-reload".into()]);
    }
    Ok(match stopped {
        Ok(()) => format!("Stopped and removed {}.", path.display()),
        Err(why) => format!("Removed {} ({why}; it was not running under the service manager).", path.display()),
    })
}

/// Whether the service is installed and what the manager says of it.
pub fn status(env: &Env) -> ServiceStatus {
    let manager = Manager::here();
    let path = file_path(env, manager);
    let installed = path.is_file();
    let state = installed
        .then(|| {
            let args: Vec<String> = match manager {
                Manager::Systemd => vec!["systemctl".into(), "--user".into(), "is-active".into(), UNIT.into()],
                Manager::Launchd => vec!["launchctl".into(), "list".into(), LABEL.into()],
            };
            let mut cmd = std::process::Command::new(&args[0]);
            cmd.args(&args[1..]);
            let out = crate::process::run(cmd, None, Duration::from_secs(10)).ok()?;
            let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
            Some(match manager {
                Manager::Systemd => text,
                Manager::Launchd if out.code == Some(0) => "loaded".into(),
                Manager::Launchd => "not loaded".into(),
            })
        })
        .flatten();
    ServiceStatus { manager, path, installed, state }
}

fn manage(args: &[String]) -> std::result::Result<(), String> {
    let mut cmd = std::process::Command::new(&args[0]);
    cmd.args(&args[1..]);
    match crate::process::run(cmd, None, Duration::from_secs(30)) {
        Ok(out) if out.code == Some(0) => Ok(()),
        Ok(out) => Err(format!("`{}` said: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => Err(format!("`{}` could not run: {e}", args.join(" "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_runs_watch_with_the_shells_gateway_variables_quoted() {
        let env = Env::from_pairs([
            ("HOME", "/home/u"),
            ("PATH", "/usr/bin:/opt/node bin"),
            ("OPENCLAW_STATE_DIR", "/srv/gw 100%"),
            ("SECRET", "x"),
        ]);
        let unit = contents(Manager::Systemd, Path::new("/usr/bin/authtray"), &env);
        assert!(unit.contains("ExecStart=\"/usr/bin/authtray\" watch\n"), "{unit}");
        assert!(unit.contains("Restart=on-failure"), "{unit}");
        assert!(unit.contains("Environment=\"PATH=/usr/bin:/opt/node bin\"\n"), "{unit}");
        assert!(unit.contains("Environment=\"OPENCLAW_STATE_DIR=/srv/gw 100%%\"\n"), "{unit}");
        assert!(!unit.contains("SECRET"), "only the variables it needs: {unit}");
        assert!(unit.contains("WantedBy=default.target"));
        assert_eq!(file_path(&env, Manager::Systemd), Path::new("/home/u/.config/systemd/user/authtray-watch.service"));
        let plist = contents(Manager::Launchd, Path::new("/Applications/authtray.app/Contents/MacOS/authtray"), &env);
        assert!(plist.contains("<key>KeepAlive</key><true/>") && plist.contains("<string>watch</string>"), "{plist}");
        assert_eq!(file_path(&env, Manager::Launchd), Path::new("/home/u/Library/LaunchAgents/dev.authtray.watch.plist"));
    }
}
