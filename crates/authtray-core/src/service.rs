//! `authtray watch` as a user service: a systemd user unit on Linux, a launchd agent on macOS.
//! The file contents are pure functions; installing writes the file (0644, atomically, in 0700
//! folders it creates) and asks the service manager to start it. The tray app defers its own
//! mirroring to an installed service, so the two never mirror at once.
//!
//! The service file never holds a secret: other users can read it. The service finds the
//! gateway's token at run time where the gateway keeps it (its config or its `.env`). Only a
//! token that is nowhere but in the installing shell is passed on, in a 0600 `EnvironmentFile=`
//! for systemd; launchd has no such file, so there it is left out and the user told where to
//! put it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::env::Env;
use crate::error::{Error, Result};

/// The systemd unit's name.
pub(crate) const UNIT: &str = "authtray-watch.service";
/// The launchd agent's label.
pub(crate) const LABEL: &str = "dev.authtray.watch";

/// The variables the service needs from the installing shell: where the gateway and Claude
/// Code live, and what the gateway's CLI needs to run. No secret: these go into the service
/// file.
const KEPT_VARS: [&str; 9] = [
    "PATH",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_HOME",
    "CLAWDBOT_STATE_DIR",
    "MOLTBOT_STATE_DIR",
    "CLAUDE_CONFIG_DIR",
    "AUTHTRAY_GATEWAY_CLI",
    "AUTHTRAY_CONFIG_DIR",
];

/// The variables that carry the gateway's credential (as `gateway::running::endpoint` reads
/// them). They never go into the service file; see [`install`].
const SECRET_VARS: [&str; 4] =
    ["OPENCLAW_GATEWAY_TOKEN", "CLAWDBOT_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD", "CLAWDBOT_GATEWAY_PASSWORD"];

/// The file, beside authtray's settings, holding a gateway credential that only the installing
/// shell had (systemd only).
pub(crate) const ENV_FILE_NAME: &str = "service.env";

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
    pub(crate) fn here() -> Manager {
        if cfg!(target_os = "macos") {
            Manager::Launchd
        } else {
            Manager::Systemd
        }
    }
}

/// Where the service file goes.
pub(crate) fn file_path(env: &Env, manager: Manager) -> PathBuf {
    match manager {
        Manager::Systemd => env.path("XDG_CONFIG_HOME").unwrap_or_else(|| env.home().join(".config")).join("systemd/user").join(UNIT),
        Manager::Launchd => env.home().join("Library/LaunchAgents").join(format!("{LABEL}.plist")),
    }
}

/// Whether a service is installed for this user (the tray then leaves mirroring to it).
pub(crate) fn installed(env: &Env) -> bool {
    file_path(env, Manager::here()).is_file()
}

/// Where the systemd service's credential file goes: authtray's config folder.
pub(crate) fn env_file_path(env: &Env) -> PathBuf {
    crate::paths::config_dir(env).join(ENV_FILE_NAME)
}

/// Refuses a value with a control character: in a unit file a newline starts a new directive
/// (`ExecStartPre=…` would run), and a plist cannot hold most of them. The message names the
/// variable, never its value, which may be a secret.
fn plain(name: &str, value: &str) -> Result<()> {
    if !value.chars().any(char::is_control) {
        return Ok(());
    }
    Err(Error::InvalidInput(format!(
        "cannot write the authtray service: {name} holds a control character (a newline, tab or the like), which would break the \
         service file or add lines to it. Remove it from {name} and run `authtray service install` again"
    )))
}

/// The service file for running `exe watch` with the installing shell's relevant variables,
/// and (systemd only) reading the gateway credential from `env_file`. Never holds a secret.
/// Refuses a variable or path with a control character, naming it.
pub(crate) fn contents(manager: Manager, exe: &Path, env: &Env, env_file: Option<&Path>) -> Result<String> {
    let exe = exe.to_string_lossy();
    plain("the path of the authtray program", &exe)?;
    let mut vars = Vec::new();
    for k in KEPT_VARS {
        if let Some(v) = env.get(k) {
            plain(k, v)?;
            vars.push((k, v));
        }
    }
    Ok(match manager {
        Manager::Systemd => {
            let mut unit = String::from(
                "[Unit]\nDescription=authtray: keeps the AI gateway's credentials current (authtray watch)\nDocumentation=man:authtray(1)\n\n[Service]\nType=simple\n",
            );
            unit.push_str(&format!("ExecStart={} watch\n", systemd_exec_quote(&exe)));
            unit.push_str("Restart=on-failure\nRestartSec=10\n");
            for (k, v) in &vars {
                unit.push_str(&format!("Environment={}\n", systemd_quote(&format!("{k}={v}"))));
            }
            if let Some(f) = env_file {
                let f = f.to_string_lossy();
                plain("the path of the service's credential file", &f)?;
                // EnvironmentFile= takes no quotes, only specifiers. `-`: a user who moved the
                // token to the gateway's .env and deleted this file still gets a running service.
                unit.push_str(&format!("EnvironmentFile=-{}\n", f.replace('%', "%%")));
            }
            unit.push_str("\n[Install]\nWantedBy=default.target\n");
            unit
        }
        Manager::Launchd => {
            let esc =
                |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;");
            let log = env.home().join("Library/Logs/authtray-watch.log");
            let mut envs = String::new();
            for (k, v) in &vars {
                envs.push_str(&format!("    <key>{}</key><string>{}</string>\n", esc(k), esc(v)));
            }
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n  <key>Label</key><string>{LABEL}</string>\n  <key>ProgramArguments</key>\n  <array><string>{}</string><string>watch</string></array>\n  <key>RunAtLoad</key><true/>\n  <key>KeepAlive</key><true/>\n  <key>StandardErrorPath</key><string>{}</string>\n  <key>EnvironmentVariables</key>\n  <dict>\n{envs}  </dict>\n</dict>\n</plist>\n",
                esc(&exe),
                esc(&log.to_string_lossy())
            )
        }
    })
}

/// A value in double quotes as systemd's `Environment=` reads it (backslash, quote and `%`
/// escaped). `$` stays: systemd does not expand variables there, so `$$` would stay doubled.
fn systemd_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('%', "%%"))
}

/// A word of `ExecStart=`, where systemd also expands `$NAME` and `${NAME}`: `$` is doubled.
fn systemd_exec_quote(s: &str) -> String {
    systemd_quote(&s.replace('$', "$$"))
}

/// `NAME="value"` lines of a systemd environment file. Inside double quotes systemd takes a
/// backslash before `"`, `\`, `` ` `` or `$` as an escape and keeps any other as is.
fn env_file_contents(vars: &[(&str, &str)]) -> Result<String> {
    let mut text = String::from("# Written by `authtray service install`: the gateway credential the service had nowhere else.\n");
    for (k, v) in vars {
        plain(k, v)?;
        let mut quoted = String::new();
        for c in v.chars() {
            if matches!(c, '"' | '\\' | '`' | '$') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        text.push_str(&format!("{k}=\"{quoted}\"\n"));
    }
    Ok(text)
}

/// Removes the credential file, if there is one: nothing is to keep a copy of the token that
/// no service reads.
fn remove_env_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", path, e)),
        _ => Ok(()),
    }
}

/// The environment the service will run with: the kept variables and who the user is.
fn service_env(env: &Env) -> Env {
    let names = ["HOME", "USER", "LOGNAME"].into_iter().chain(KEPT_VARS);
    Env::from_pairs(names.filter_map(|k| env.get(k).map(|v| (k, v.to_string()))))
}

/// The gateway credentials only the installing shell has: set there, while the service, which
/// will not have the shell's variables, would find none in the gateway's config or `.env`.
fn shell_only_credentials(env: &Env) -> Vec<(&'static str, &str)> {
    let set: Vec<(&'static str, &str)> = SECRET_VARS.iter().filter_map(|k| env.get(k).map(|v| (*k, v))).collect();
    if set.is_empty() {
        return set;
    }
    let service = service_env(env);
    let found = crate::gateway::discover(&service, &crate::gateway::DiscoverOptions::default())
        .map(|install| crate::gateway::running::endpoint(&install, &service).credential_source.is_some())
        // A config the service cannot read either: pass the shell's credential on.
        .unwrap_or(false);
    if found {
        Vec::new()
    } else {
        set
    }
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
/// unless `force`. Returns what the user should know (how to start it, when not started, and
/// where the gateway's credential went or should go).
///
/// A gateway credential set only in this shell (`OPENCLAW_GATEWAY_TOKEN` …, not in the
/// gateway's config or `.env`) goes to a 0600 file the systemd unit reads (`env_file_path`);
/// under launchd it is left out, and the message says where to put it.
pub fn install(env: &Env, exe: &Path, no_start: bool, force: bool) -> Result<String> {
    install_with(Manager::here(), env, exe, no_start, force)
}

fn install_with(manager: Manager, env: &Env, exe: &Path, no_start: bool, force: bool) -> Result<String> {
    let path = file_path(env, manager);
    if path.exists() && !force {
        return Err(Error::ServiceInstalled { path });
    }
    let credentials = shell_only_credentials(env);
    let names = credentials.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ");
    let env_file = env_file_path(env);
    let mut notes = String::new();
    let passed = match manager {
        Manager::Systemd if !credentials.is_empty() => {
            let text = env_file_contents(&credentials)?;
            let unit = contents(manager, exe, env, Some(&env_file))?;
            // 0600, in a 0700 folder it creates: only this user (and systemd for them) reads it.
            crate::fsx::write_atomic(&env_file, text.as_bytes())?;
            notes = format!(
                " {names} is set in this shell but not in the gateway's config or .env, so it was saved for the service in {} \
                 (readable by you only), not in the service file.",
                env_file.display()
            );
            Some(unit)
        }
        Manager::Launchd if !credentials.is_empty() => {
            let state_dir = crate::gateway::discover::state_dir(&service_env(env), &crate::gateway::DiscoverOptions::default());
            notes = format!(
                " {names} is set in this shell but not in the gateway's config or .env; a launchd agent's file is readable by \
                 other users, so it was left out, and the service cannot ask the running gateway to reload after a write. Put it \
                 in {} (then chmod 600 it), or set gateway.auth.token in the gateway's config.",
                state_dir.join(".env").display()
            );
            None
        }
        _ => None,
    };
    let unit = match passed {
        Some(unit) => unit,
        None => {
            let unit = contents(manager, exe, env, None)?;
            // A credential file an earlier install wrote is no longer read by anything.
            remove_env_file(&env_file)?;
            unit
        }
    };
    if let Some(dir) = path.parent() {
        crate::fsx::ensure_dir(dir)?;
    }
    crate::fsx::write_atomic(&path, unit.as_bytes())?;
    // The service file holds no secret, and service managers expect it readable.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).map_err(|e| Error::io("chmod", &path, e))?;
    if no_start {
        return Ok(match manager {
            Manager::Systemd => format!(
                "Installed {}.{notes} Start it with: systemctl --user daemon-reload && systemctl --user enable --now {UNIT}",
                path.display()
            ),
            Manager::Launchd => format!("Installed {}.{notes} Start it with: launchctl load -w {}", path.display(), path.display()),
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
        manage(env, &step).map_err(|reason| Error::ServiceStart { path: path.clone(), reason })?;
    }
    Ok(format!("Installed and started {}.{notes}", path.display()))
}

/// Stops and removes the service. Returns what happened.
pub fn uninstall(env: &Env) -> Result<String> {
    uninstall_with(Manager::here(), env)
}

fn uninstall_with(manager: Manager, env: &Env) -> Result<String> {
    let path = file_path(env, manager);
    if !path.exists() {
        return Ok("The authtray service is not installed.".into());
    }
    // Stopping is best effort: a manager that is not running has nothing to stop.
    let stop: Vec<String> = match manager {
        Manager::Systemd => vec!["systemctl".into(), "--user".into(), "disable".into(), "--now".into(), UNIT.into()],
        Manager::Launchd => vec!["launchctl".into(), "unload".into(), "-w".into(), path.to_string_lossy().into_owned()],
    };
    let stopped = manage(env, &stop);
    std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
    remove_env_file(&env_file_path(env))?;
    if manager == Manager::Systemd {
        let _ = manage(env, &["systemctl".into(), "--user".into(), "daemon-reload".into()]);
    }
    Ok(match stopped {
        Ok(()) => format!("Stopped and removed {}.", path.display()),
        Err(why) => format!("Removed {} ({why}; it was not running under the service manager).", path.display()),
    })
}

/// Whether the service is installed and what the manager says of it.
pub fn status(env: &Env) -> ServiceStatus {
    status_with(Manager::here(), env)
}

fn status_with(manager: Manager, env: &Env) -> ServiceStatus {
    let path = file_path(env, manager);
    let installed = path.is_file();
    let state = installed
        .then(|| {
            let args: Vec<String> = match manager {
                Manager::Systemd => vec!["systemctl".into(), "--user".into(), "is-active".into(), UNIT.into()],
                Manager::Launchd => vec!["launchctl".into(), "list".into(), LABEL.into()],
            };
            let mut cmd = command(env, &args[0]);
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

fn manage(env: &Env, args: &[String]) -> std::result::Result<(), String> {
    let mut cmd = command(env, &args[0]);
    cmd.args(&args[1..]);
    match crate::process::run(cmd, None, Duration::from_secs(30)) {
        Ok(out) if out.code == Some(0) => Ok(()),
        Ok(out) => Err(format!("`{}` said: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => Err(format!("`{}` could not run: {e}", args.join(" "))),
    }
}

/// The service manager's program, found on the environment's `PATH` as the shell would.
fn command(env: &Env, program: &str) -> std::process::Command {
    std::process::Command::new(env.which(program).unwrap_or_else(|| PathBuf::from(program)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsx::mode_of;

    #[test]
    fn the_unit_runs_watch_with_the_shells_gateway_variables_quoted() {
        let env = Env::from_pairs([
            ("HOME", "/home/u"),
            ("PATH", "/usr/bin:/opt/node bin"),
            ("OPENCLAW_STATE_DIR", "/srv/gw 100% $HOME"),
            ("SECRET", "x"),
        ]);
        let unit = contents(Manager::Systemd, Path::new("/opt/$app/authtray"), &env, None).unwrap();
        // ExecStart expands $NAME, Environment= does not: only the first doubles a `$`.
        assert!(unit.contains("ExecStart=\"/opt/$$app/authtray\" watch\n"), "{unit}");
        assert!(unit.contains("Restart=on-failure"), "{unit}");
        assert!(unit.contains("Environment=\"PATH=/usr/bin:/opt/node bin\"\n"), "{unit}");
        assert!(unit.contains("Environment=\"OPENCLAW_STATE_DIR=/srv/gw 100%% $HOME\"\n"), "{unit}");
        assert!(!unit.contains("SECRET") && !unit.contains("EnvironmentFile"), "only the variables it needs: {unit}");
        assert!(unit.contains("WantedBy=default.target"));
        assert_eq!(file_path(&env, Manager::Systemd), Path::new("/home/u/.config/systemd/user/authtray-watch.service"));
        let plist = contents(Manager::Launchd, Path::new("/Applications/authtray.app/Contents/MacOS/authtray"), &env, None).unwrap();
        assert!(plist.contains("<key>KeepAlive</key><true/>") && plist.contains("<string>watch</string>"), "{plist}");
        assert_eq!(file_path(&env, Manager::Launchd), Path::new("/home/u/Library/LaunchAgents/dev.authtray.watch.plist"));
    }

    const TOKEN: &str = "gw-admin-token-0123456789";

    /// Every variable that carries the gateway's credential, set in the installing shell.
    fn shell_with_credentials(home: &Path) -> Env {
        Env::from_pairs([
            ("HOME", home.to_string_lossy().into_owned()),
            ("PATH", "/usr/bin".into()),
            ("OPENCLAW_GATEWAY_TOKEN", TOKEN.into()),
            ("CLAWDBOT_GATEWAY_TOKEN", format!("{TOKEN}-b")),
            ("OPENCLAW_GATEWAY_PASSWORD", format!("{TOKEN}-c")),
            ("CLAWDBOT_GATEWAY_PASSWORD", format!("{TOKEN}-d")),
        ])
    }

    #[test]
    fn no_service_file_ever_holds_a_gateway_credential() {
        let env = shell_with_credentials(Path::new("/home/u"));
        for manager in [Manager::Systemd, Manager::Launchd] {
            for env_file in [None, Some(Path::new("/home/u/.config/authtray/service.env"))] {
                let text = contents(manager, Path::new("/usr/bin/authtray"), &env, env_file).unwrap();
                assert!(!text.contains(TOKEN), "{manager:?} file holds the token: {text}");
                assert!(!text.contains("_TOKEN") && !text.contains("_PASSWORD"), "{text}");
            }
        }
    }

    #[test]
    fn a_token_only_in_the_shell_goes_to_a_0600_file_the_unit_reads() {
        let d = tempfile::tempdir().unwrap();
        let env = shell_with_credentials(d.path());
        let said = install_with(Manager::Systemd, &env, Path::new("/usr/bin/authtray"), true, false).unwrap();
        let unit_path = file_path(&env, Manager::Systemd);
        let unit = std::fs::read_to_string(&unit_path).unwrap();
        let env_file = d.path().join(".config/authtray/service.env");
        assert!(!unit.contains(TOKEN), "{unit}");
        assert!(unit.contains(&format!("EnvironmentFile=-{}\n", env_file.display())), "{unit}");
        assert_eq!(mode_of(&unit_path), Some(0o644));
        let saved = std::fs::read_to_string(&env_file).unwrap();
        assert!(saved.contains(&format!("OPENCLAW_GATEWAY_TOKEN=\"{TOKEN}\"\n")), "{saved}");
        assert!(saved.contains(&format!("CLAWDBOT_GATEWAY_PASSWORD=\"{TOKEN}-d\"\n")), "{saved}");
        assert_eq!(mode_of(&env_file), Some(0o600));
        assert_eq!(mode_of(env_file.parent().unwrap()), Some(0o700));
        assert!(said.contains("OPENCLAW_GATEWAY_TOKEN") && said.contains(&env_file.display().to_string()), "{said}");
        assert!(!said.contains(TOKEN), "{said}");

        // Once the gateway's own .env has it, the service reads it there: no copy is kept.
        std::fs::create_dir_all(d.path().join(".openclaw")).unwrap();
        std::fs::write(d.path().join(".openclaw/.env"), format!("OPENCLAW_GATEWAY_TOKEN={TOKEN}\n")).unwrap();
        install_with(Manager::Systemd, &env, Path::new("/usr/bin/authtray"), true, true).unwrap();
        let unit = std::fs::read_to_string(&unit_path).unwrap();
        assert!(!unit.contains("EnvironmentFile") && !env_file.exists(), "{unit}");
    }

    #[test]
    fn launchd_leaves_a_shell_only_token_out_and_says_where_it_belongs() {
        let d = tempfile::tempdir().unwrap();
        let env = shell_with_credentials(d.path());
        let said = install_with(Manager::Launchd, &env, Path::new("/usr/bin/authtray"), true, false).unwrap();
        let plist = std::fs::read_to_string(file_path(&env, Manager::Launchd)).unwrap();
        assert!(!plist.contains(TOKEN) && !plist.contains("_TOKEN"), "{plist}");
        assert!(!d.path().join(".config/authtray/service.env").exists());
        let dotenv = d.path().join(".openclaw/.env").display().to_string();
        assert!(said.contains("OPENCLAW_GATEWAY_TOKEN") && said.contains(&dotenv) && said.contains("gateway.auth.token"), "{said}");
        assert!(!said.contains(TOKEN), "{said}");
    }

    #[test]
    fn service_folders_it_creates_are_0700() {
        let d = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", d.path().to_string_lossy().into_owned())]);
        install_with(Manager::Systemd, &env, Path::new("/usr/bin/authtray"), true, false).unwrap();
        for dir in [".config", ".config/systemd", ".config/systemd/user"] {
            assert_eq!(mode_of(&d.path().join(dir)), Some(0o700), "{dir}");
        }
        install_with(Manager::Launchd, &env, Path::new("/usr/bin/authtray"), true, false).unwrap();
        for dir in ["Library", "Library/LaunchAgents"] {
            assert_eq!(mode_of(&d.path().join(dir)), Some(0o700), "{dir}");
        }
        let again = install_with(Manager::Systemd, &env, Path::new("/usr/bin/authtray"), true, false).unwrap_err().to_string();
        assert!(again.contains("already installed") && again.contains("--force"), "{again}");
    }

    #[test]
    fn a_control_character_is_refused_naming_the_variable_not_its_value() {
        let injected = "/usr/bin\nExecStartPre=/bin/touch /tmp/owned";
        let env = Env::from_pairs([("HOME", "/home/u"), ("PATH", injected)]);
        for manager in [Manager::Systemd, Manager::Launchd] {
            let e = contents(manager, Path::new("/usr/bin/authtray"), &env, None).unwrap_err().to_string();
            assert!(e.contains("PATH") && e.contains("control character") && !e.contains("ExecStartPre"), "{e}");
        }
        let ok = Env::from_pairs([("HOME", "/home/u")]);
        assert!(contents(Manager::Systemd, Path::new("/usr/bin/auth\rtray"), &ok, None).is_err());
        assert!(contents(Manager::Systemd, Path::new("/usr/bin/authtray"), &ok, Some(Path::new("/x\n/service.env"))).is_err());
        let secret = "tok\nen-0123456789";
        let e = env_file_contents(&[("OPENCLAW_GATEWAY_TOKEN", secret)]).unwrap_err().to_string();
        assert!(e.contains("OPENCLAW_GATEWAY_TOKEN") && !e.contains("0123456789"), "{e}");
        // Nothing was written when install refuses.
        let d = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", d.path().to_string_lossy().into_owned()), ("OPENCLAW_GATEWAY_TOKEN", secret.into())]);
        assert!(install_with(Manager::Systemd, &env, Path::new("/usr/bin/authtray"), true, false).is_err());
        assert!(!d.path().join(".config").exists());
    }

    #[test]
    fn credential_file_and_plist_values_are_escaped() {
        let text = env_file_contents(&[("OPENCLAW_GATEWAY_PASSWORD", r#"a"b\c`d$e'f"#)]).unwrap();
        assert!(text.ends_with("OPENCLAW_GATEWAY_PASSWORD=\"a\\\"b\\\\c\\`d\\$e'f\"\n"), "{text}");
        let env = Env::from_pairs([("HOME", "/home/u"), ("OPENCLAW_STATE_DIR", r#"/srv/<a> & "b" 'c'"#)]);
        let plist = contents(Manager::Launchd, Path::new("/usr/bin/authtray"), &env, None).unwrap();
        assert!(plist.contains("<string>/srv/&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos;</string>"), "{plist}");
    }

    #[test]
    fn installed_means_a_service_file_is_there() {
        let d = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", d.path().to_string_lossy().into_owned())]);
        assert!(!installed(&env));
        let path = file_path(&env, Manager::here());
        std::fs::create_dir_all(&path).unwrap();
        assert!(!installed(&env), "a folder is no service file");
        std::fs::remove_dir(&path).unwrap();
        std::fs::write(&path, "").unwrap();
        assert!(installed(&env));
    }

    #[test]
    fn install_without_start_names_the_file_and_how_to_start_it() {
        let d = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", d.path().to_string_lossy().into_owned())]);
        let said = install(&env, Path::new("/usr/bin/authtray"), true, false).unwrap();
        let path = file_path(&env, Manager::here());
        assert!(path.is_file());
        assert!(said.starts_with(&format!("Installed {}. Start it with: ", path.display())), "{said}");
        // Without a credential only in this shell, there is nothing to say about one.
        for manager in [Manager::Systemd, Manager::Launchd] {
            let said = install_with(manager, &env, Path::new("/usr/bin/authtray"), true, true).unwrap();
            assert!(!said.contains("set in this shell") && !said.contains(".env"), "{manager:?}: {said}");
        }
    }

    #[test]
    fn removing_the_credential_file_ignores_only_its_absence() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join(ENV_FILE_NAME);
        remove_env_file(&file).unwrap();
        std::fs::write(&file, "OPENCLAW_GATEWAY_TOKEN=x\n").unwrap();
        remove_env_file(&file).unwrap();
        assert!(!file.exists());
        std::fs::create_dir(&file).unwrap();
        let e = remove_env_file(&file).unwrap_err().to_string();
        assert!(e.contains("could not remove") && e.contains(&file.display().to_string()), "{e}");
    }

    /// A fake `systemctl` and `launchctl` in `dir/bin`: each logs its call to `dir/calls`,
    /// prints `dir/stdout` and `dir/stderr` when there, and exits with `dir/code` (else 0). The
    /// returned environment finds them first, so no test reaches the real service manager.
    fn fake_managers(dir: &Path) -> Env {
        use std::os::unix::fs::PermissionsExt;
        let bin = dir.join("bin");
        std::fs::create_dir(&bin).unwrap();
        let d = dir.display();
        let script = format!(
            "#!/bin/sh\necho \"${{0##*/}} $*\" >> '{d}/calls'\ncat '{d}/stdout' 2>/dev/null\ncat '{d}/stderr' >&2 2>/dev/null\nexit \"$(cat '{d}/code' 2>/dev/null || echo 0)\"\n"
        );
        for name in ["systemctl", "launchctl"] {
            std::fs::write(bin.join(name), &script).unwrap();
            std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Env::from_pairs([("HOME", dir.join("home").to_string_lossy().into_owned()), ("PATH", bin.to_string_lossy().into_owned())])
    }

    /// The calls the fake managers got since the last look.
    fn calls(dir: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(dir.join("calls")).unwrap_or_default();
        let _ = std::fs::remove_file(dir.join("calls"));
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn uninstall_stops_the_service_and_removes_its_files() {
        let d = tempfile::tempdir().unwrap();
        let env = fake_managers(d.path());
        assert_eq!(uninstall(&env).unwrap(), "The authtray service is not installed.");
        assert_eq!(calls(d.path()), Vec::<String>::new(), "nothing to stop");
        for manager in [Manager::Systemd, Manager::Launchd] {
            let path = file_path(&env, manager);
            install_with(manager, &env, Path::new("/usr/bin/authtray"), true, false).unwrap();
            std::fs::create_dir_all(env_file_path(&env).parent().unwrap()).unwrap();
            std::fs::write(env_file_path(&env), "OPENCLAW_GATEWAY_TOKEN=x\n").unwrap();
            let said = uninstall_with(manager, &env).unwrap();
            assert_eq!(said, format!("Stopped and removed {}.", path.display()));
            assert!(!path.exists() && !env_file_path(&env).exists());
            let expected: Vec<String> = match manager {
                Manager::Systemd => {
                    vec!["systemctl --user disable --now authtray-watch.service".into(), "systemctl --user daemon-reload".into()]
                }
                Manager::Launchd => vec![format!("launchctl unload -w {}", path.display())],
            };
            assert_eq!(calls(d.path()), expected);
        }
        // A manager that is not running: the files go all the same, and the message says why.
        std::fs::write(d.path().join("code"), "1").unwrap();
        std::fs::write(d.path().join("stderr"), "Failed to connect to bus\n").unwrap();
        install(&env, Path::new("/usr/bin/authtray"), true, false).unwrap();
        let path = file_path(&env, Manager::here());
        let said = uninstall(&env).unwrap();
        let stop = match Manager::here() {
            Manager::Systemd => "systemctl --user disable --now authtray-watch.service".to_string(),
            Manager::Launchd => format!("launchctl unload -w {}", path.display()),
        };
        assert_eq!(
            said,
            format!("Removed {} (`{stop}` said: Failed to connect to bus; it was not running under the service manager).", path.display())
        );
        assert!(!path.exists());
    }

    #[test]
    fn status_reports_what_the_manager_says() {
        let d = tempfile::tempdir().unwrap();
        let env = fake_managers(d.path());
        let st = status(&env);
        assert_eq!((st.manager, st.installed, st.state), (Manager::here(), false, None));
        assert_eq!(calls(d.path()), Vec::<String>::new(), "nothing to ask");
        std::fs::write(d.path().join("stdout"), "active\n").unwrap();
        install_with(Manager::Systemd, &env, Path::new("/usr/bin/authtray"), true, false).unwrap();
        let st = status_with(Manager::Systemd, &env);
        assert_eq!((st.installed, st.state.as_deref()), (true, Some("active")));
        assert_eq!(calls(d.path()), ["systemctl --user is-active authtray-watch.service"]);
        // launchctl's answer is its exit code: 0 loaded, else not.
        install_with(Manager::Launchd, &env, Path::new("/usr/bin/authtray"), true, false).unwrap();
        assert_eq!(status_with(Manager::Launchd, &env).state.as_deref(), Some("loaded"));
        assert_eq!(calls(d.path()), ["launchctl list dev.authtray.watch"]);
        std::fs::write(d.path().join("code"), "113").unwrap();
        assert_eq!(status_with(Manager::Launchd, &env).state.as_deref(), Some("not loaded"));
    }
}
