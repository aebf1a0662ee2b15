//! A gateway on another host, reached over a real sshd on loopback: a dedicated local user
//! with its own HOME holding a real gateway (openclaw 2026.5.28), key-only auth, authtray on
//! the "laptop" side with its own key and known_hosts. Needs root (useradd) and Debian's
//! openssh-server; skipped visibly without them unless the README's test command requires them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authtray_e2e::*;

/// The gateway host: a user, its HOME, an sshd for it. Dropped: sshd killed by pid, user removed.
struct Host {
    user: String,
    home: PathBuf,
    /// Holds the user's HOME, keys and sshd files until the host is dropped.
    _dir: tempfile::TempDir,
    port: u16,
    sshd: std::process::Child,
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.sshd.kill();
        let _ = self.sshd.wait();
        let _ = Command::new("userdel").arg("-r").arg(&self.user).output();
    }
}

fn sh(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Root and sshd, or `None` with a visible reason (a failure when the test command requires them).
fn can_run() -> bool {
    let root = unsafe { libc::geteuid() } == 0;
    let sshd = Path::new("/usr/sbin/sshd").is_file();
    if root && sshd {
        return true;
    }
    let why = if root { "/usr/sbin/sshd is missing (Debian's openssh-server)" } else { "not root (useradd is needed)" };
    if std::env::var("AUTHTRAY_REQUIRE_ORACLE").as_deref() == Ok("1") && sshd {
        panic!("the SSH target test cannot run: {why}");
    }
    eprintln!("skipped: SSH target test: {why}");
    false
}

fn start_host(oracle_bin: &Path, client_pub: &Path) -> Host {
    let dir = tempfile::Builder::new().prefix("authtray-sshd-").tempdir().expect("temp dir");
    let user = format!("atgw{}", std::process::id() % 100_000);
    let home = dir.path().join("home");
    sh(Command::new("useradd").arg("-m").arg("-d").arg(&home).args(["-s", "/bin/bash"]).arg(&user));
    // A locked account (no password) is refused even with a key when PAM is off.
    sh(Command::new("usermod").args(["-p", "*"]).arg(&user));
    // The oracle lives under root's HOME, which the user cannot enter: hard links (same disk)
    // give it its own copy at no cost.
    let cache = oracle_bin.parent().expect("oracle dir");
    let gw = home.join("gateway");
    std::fs::create_dir_all(&gw).unwrap();
    for part in ["node24", "openclaw528"] {
        let ok = Command::new("cp").arg("-al").arg(cache.join(part)).arg(&gw).status().is_ok_and(|s| s.success());
        if !ok {
            sh(Command::new("cp").arg("-a").arg(cache.join(part)).arg(&gw));
        }
    }
    let wrapper = std::fs::read_to_string(oracle_bin.join(OPENCLAW_JSON.oracle))
        .unwrap()
        .replace(&cache.display().to_string(), &gw.display().to_string());
    std::fs::create_dir_all(home.join("bin")).unwrap();
    std::fs::write(home.join("bin/openclaw"), wrapper).unwrap();
    sh(Command::new("chmod").arg("755").arg(home.join("bin/openclaw")));
    // Its gateway: an Anthropic default model, logs inside its HOME.
    std::fs::create_dir_all(home.join(".openclaw")).unwrap();
    let config = serde_json::json!({
        "logging": { "file": home.join("gateway.log"), "consoleLevel": "warn" },
        "agents": { "defaults": { "model": { "primary": "anthropic/claude-opus-4-5" } } }
    });
    std::fs::write(home.join(".openclaw/openclaw.json"), serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::copy(client_pub, home.join(".ssh/authorized_keys")).unwrap();
    // The gateway CLI on its PATH, as an install would put it.
    std::fs::write(
        home.join(".ssh/environment"),
        format!("PATH={}/bin:/usr/local/bin:/usr/bin:/bin\nTMPDIR={}/tmp\n", home.display(), home.display()),
    )
    .unwrap();
    std::fs::create_dir_all(home.join("tmp")).unwrap();
    sh(Command::new("chown").arg("-R").arg(format!("{user}:{user}")).arg(&home));
    sh(Command::new("chmod").arg("755").arg(dir.path()));

    sh(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", ""]).arg("-f").arg(dir.path().join("hostkey")));
    let port = free_port();
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\nPidFile {d}/sshd.pid\nPasswordAuthentication no\n\
         KbdInteractiveAuthentication no\nUsePAM no\nAuthorizedKeysFile .ssh/authorized_keys\nStrictModes no\nPermitUserEnvironment yes\n\
         AllowUsers {user}\n",
        d = dir.path().display()
    );
    std::fs::write(dir.path().join("sshd_config"), config).unwrap();
    std::fs::create_dir_all("/run/sshd").unwrap();
    let sshd = Command::new("/usr/sbin/sshd")
        .args(["-D", "-f"])
        .arg(dir.path().join("sshd_config"))
        .arg("-E")
        .arg(dir.path().join("sshd.log"))
        .spawn()
        .expect("sshd starts");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10), "sshd did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Host { user, home, _dir: dir, port, sshd }
}

/// Samples every process's argv while it runs; returns what held the secret.
fn watch_argv(secret: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                if let Ok(c) = std::fs::read(e.path().join("cmdline")) {
                    let c = String::from_utf8_lossy(&c).replace('\0', " ");
                    if c.contains(&secret) {
                        seen.push(c);
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        seen
    })
}

#[test]
fn a_gateway_over_ssh_is_read_and_written_through_its_own_cli() {
    let Some(bin) = oracle_bin(&OPENCLAW_JSON) else { return };
    if !can_run() {
        return;
    }
    let s = Sandbox::offline(OPENCLAW_JSON);
    let keys = s.home().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    sh(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", ""]).arg("-f").arg(keys.join("id")));
    let host = start_host(&bin, &keys.join("id.pub"));
    let ssh_config = keys.join("config");
    std::fs::write(
        &ssh_config,
        format!("Host *\n  IdentityFile {k}/id\n  IdentitiesOnly yes\n  UserKnownHostsFile {k}/known_hosts\n  StrictHostKeyChecking accept-new\n", k = keys.display()),
    )
    .unwrap();
    let authtray = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = s.authtray_command(args);
        cmd.env("AUTHTRAY_SSH_CONFIG", &ssh_config);
        run(cmd, stdin, Duration::from_secs(120))
    };
    // What the gateway itself says, asked over ssh by hand.
    let remote_gateway = |args: &str| {
        let out = Command::new("ssh")
            .arg("-F")
            .arg(&ssh_config)
            .arg("-p")
            .arg(host.port.to_string())
            .arg(format!("{}@127.0.0.1", host.user))
            .arg(format!("openclaw {args}"))
            .output()
            .expect("ssh");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let start = text.find('{').unwrap_or_else(|| panic!("no JSON from the gateway: {text} {}", String::from_utf8_lossy(&out.stderr)));
        serde_json::from_str::<serde_json::Value>(&text[start..]).expect("JSON")
    };

    let url = format!("ssh://{}@127.0.0.1:{}", host.user, host.port);
    let add = authtray(&["target", "add", "gw", &url, "--mirror"], None);
    assert_eq!(add.code, 0, "{add:?}");
    let settings = s.home().join(".config/authtray/settings.json");
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&settings).unwrap().permissions()) & 0o777, 0o600);
    let list: serde_json::Value = serde_json::from_str(&authtray(&["target", "list", "--json"], None).stdout).expect("a JSON list");
    assert_eq!(list[0]["name"], "gw");
    assert_eq!(list[0]["mirror"], true);
    assert_ne!(authtray(&["target", "add", "gw", &url], None).code, 0, "a second target of the same name");

    // Paste: the token on stdin only, never in any process's argv, local or remote.
    let token = setup_token('R');
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_argv(token.clone(), stop.clone());
    let started = Instant::now();
    let paste =
        authtray(&["--target", "gw", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:remote", "--json"], Some(&token));
    let paste_time = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let leaks = watcher.join().unwrap();
    assert!(leaks.is_empty(), "the token appeared in argv: {} processes", leaks.len());
    assert_eq!(paste.code, 0, "{paste:?}");
    assert_no_secret(&paste, &token);
    let p = paste.json();
    assert_eq!(p["profileId"], "anthropic:remote");
    assert_eq!(p["target"]["name"], "gw");
    // One command on the host pasted, asked the gateway to reload (its CLI there has no gateway
    // token, which the report explains) and read the stored expiry back.
    assert_eq!(p["reload"]["state"], "failed", "{p}");
    assert!(
        p["reload"]["detail"].as_str().is_some_and(|d| d.contains("no gateway token") && d.contains("The store there is right")),
        "{p}"
    );
    assert!(p["expiresAt"].as_i64().is_some_and(|e| e > now_ms() + 364 * 86_400_000), "{p}");
    let theirs = remote_gateway("models status --json");
    let stored = gateway_profile(&theirs, "anthropic:remote");
    assert_eq!(stored["type"], "token");
    // A setup-token is recorded with its year, as locally.
    assert!(stored["expiresAt"].as_i64().unwrap() > now_ms() + 364 * 86_400_000, "{stored}");

    // Status: the same profile, as the far gateway reports it, redacted.
    let started = Instant::now();
    let st = authtray(&["--target", "gw", "status", "--json"], None);
    let status_time = started.elapsed();
    assert_eq!(st.code, 0, "{st:?}");
    assert_no_secret(&st, &token);
    let st = st.json();
    assert_eq!(st["target"]["name"], "gw");
    assert_eq!(st["generation"], "openclaw-json");
    let mine =
        st["agents"][0]["profiles"].as_array().unwrap().iter().find(|p| p["id"] == "anthropic:remote").cloned().expect("pasted profile");
    assert_eq!(mine["expiresAt"], stored["expiresAt"]);
    assert_eq!(mine["type"], "token");
    assert!(mine["token"].as_str().is_some_and(|t| t.ends_with("RRRR")), "{mine} {}", theirs["auth"]["providers"]);
    assert_eq!(st["agents"][0]["store"], theirs["auth"]["storePath"]);
    assert!(st["verdict"]["headline"].is_string(), "one verdict for a target too");
    assert!(st["gatewayProcess"].is_null(), "what the far CLI cannot tell is null");
    // The local shape: the same keys at every level a script reads, plus `target`.
    let local = authtray(&["paste-token", "--provider", "anthropic", "--json", "--generation", "openclaw-json"], Some(&setup_token('L')));
    assert_eq!(local.code, 0, "{local:?}");
    let local = authtray(&["status", "--json", "--generation", "openclaw-json"], None).json();
    let keys =
        |v: &serde_json::Value| v.as_object().map(|o| o.keys().cloned().collect::<std::collections::BTreeSet<_>>()).unwrap_or_default();
    let mut remote_top = keys(&st);
    assert!(remote_top.remove("target"));
    assert_eq!(remote_top, keys(&local));
    assert_eq!(keys(&st["agents"][0]), keys(&local["agents"][0]));
    assert_eq!(keys(&mine), keys(&local["agents"][0]["profiles"][0]));
    assert_eq!(keys(&st["agents"][0]["routes"][0]), keys(&local["agents"][0]["routes"][0]));
    // The same read by hand, for the figure.
    let started = Instant::now();
    let _ = remote_gateway("models status --json");
    let by_hand = started.elapsed();

    // Order: written through the gateway's CLI there, read back by it.
    let paste2 = authtray(
        &["--target", "gw", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:backup"],
        Some(&setup_token('S')),
    );
    assert_eq!(paste2.code, 0, "{paste2:?}");
    let set = authtray(&["--target", "gw", "order", "set", "--provider", "anthropic", "anthropic:backup", "anthropic:remote"], None);
    assert_eq!(set.code, 0, "{set:?}");
    let order = remote_gateway("models auth order get --provider anthropic --json");
    assert_eq!(order["order"], serde_json::json!(["anthropic:backup", "anthropic:remote"]));
    let clear = authtray(&["--target", "gw", "order", "clear", "--provider", "anthropic", "--json"], None);
    assert_eq!(clear.json()["order"], serde_json::Value::Null);

    // Sync to every mirror target: the access token, never the refresh token.
    let access = format!("sk-ant-oat01-{}", "M".repeat(90));
    s.write_claude_login(&access, Some("sk-ant-ort01-REFRESH-never-sent"), now_ms() + 8 * 3_600_000);
    let sync = authtray(&["sync", "--all-targets", "--json", "--generation", "openclaw-json"], None);
    assert_no_secret(&sync, &access);
    let targets = sync.json()["targets"].clone();
    assert_eq!(targets[0]["written"], true, "{targets}");
    let theirs = remote_gateway("models status --json");
    let mirrored = gateway_profile(&theirs, "anthropic:claude-code");
    assert_eq!(mirrored["type"], "token");
    let raw = std::process::Command::new("cat").arg(host.home.join(".openclaw/agents/main/agent/auth-profiles.json")).output().unwrap();
    let raw = String::from_utf8_lossy(&raw.stdout);
    assert!(raw.contains(&access) && !raw.contains("REFRESH-never-sent"), "the mirror holds the access token only");
    // Again: nothing to write.
    let again = authtray(&["sync", "--all-targets", "--json", "--generation", "openclaw-json"], None);
    assert_eq!(again.json()["targets"][0]["written"], false);

    // A closed port and a refused key: clear errors within the connect timeout.
    let dead = format!("ssh://{}@127.0.0.1:{}", host.user, free_port());
    let started = Instant::now();
    let down = authtray(&["--target", &dead, "status"], None);
    assert_eq!(down.code, 1, "{down:?}");
    assert!(down.stderr.contains("cannot reach") && down.stderr.contains("refused"), "{}", down.stderr);
    assert!(started.elapsed() < Duration::from_secs(15));
    let stranger = format!("ssh://nobody@127.0.0.1:{}", host.port);
    let refused = authtray(&["--target", &stranger, "status"], None);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("Permission denied"), "{}", refused.stderr);
    // Hostile URLs are refused before anything runs.
    for bad in ["ssh://-oProxyCommand=id", "ssh://host;id", "ssh://$(id)", "docker://-it"] {
        let out = authtray(&["--target", bad, "status"], None);
        assert_ne!(out.code, 0, "{bad}");
        assert!(
            out.stderr.contains("not allowed") || out.stderr.contains("not a port") || out.stderr.contains("must look like"),
            "{bad}: {}",
            out.stderr
        );
    }
    assert_eq!(authtray(&["target", "remove", "gw"], None).code, 0);
    let list: serde_json::Value = serde_json::from_str(&authtray(&["target", "list", "--json"], None).stdout).expect("a JSON list");
    assert_eq!(list, serde_json::json!([]));

    eprintln!(
        "figures: status over ssh {:.2} s (the gateway's own `models status --json` over ssh: {:.2} s); paste over ssh {:.2} s",
        status_time.as_secs_f64(),
        by_hand.as_secs_f64(),
        paste_time.as_secs_f64()
    );
    drop(host);
}
