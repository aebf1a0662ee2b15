//! Shared helpers for the end-to-end suites: throwaway HOMEs, the real gateway CLIs as
//! oracles, and the `authtray` binary under test.
//!
//! Every gateway call runs with a cleared environment (only `PATH`, `HOME`, `TMPDIR`), a
//! config that keeps its logs inside the throwaway HOME, and a timeout. Gateway stdout is never
//! printed (clawdbot echoes pasted tokens).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod desktop;
pub mod live;
pub mod reliability;
pub mod scenarios;
pub mod serve;
pub mod sqlite;
pub mod standins;

/// Declares one `#[test]` per compatibility scenario for a gateway generation, so every
/// generation runs the same suite.
#[macro_export]
macro_rules! oracle_suite {
    ($gw:expr) => {
        $crate::oracle_suite!($gw;
            gateway_paste_is_read_by_authtray,
            authtray_sync_is_read_by_gateway,
            authtray_paste_is_read_by_gateway,
            order_round_trips,
            unknown_fields_survive,
            our_lock_makes_the_gateway_wait,
            live_holder_makes_us_fail_cleanly,
            stale_lock_is_reclaimed,
            malformed_store_is_left_untouched,
            generation_comes_from_the_cli_on_path,
            check_codes_agree,
            mirror_registers_where_the_config_filters,
            set_expiry_is_read_by_gateway
        );
    };
    ($gw:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::scenarios::$name($gw);
            }
        )*
    };
}

/// A fake setup-token of the shape the gateway accepts.
pub fn setup_token(fill: char) -> String {
    format!("sk-ant-oat01-{}", fill.to_string().repeat(80))
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// One gateway generation under test.
#[derive(Debug, Clone, Copy)]
pub struct Gateway {
    /// authtray's name for it.
    pub generation: &'static str,
    /// The oracle wrapper in the oracle bin dir.
    pub oracle: &'static str,
    /// The state dir under HOME.
    pub state: &'static str,
    /// Its config file name.
    pub config: &'static str,
    /// The profile authtray mirrors Claude Code into.
    pub mirror_id: &'static str,
    /// The CLI name it answers to on PATH.
    pub cli_name: &'static str,
    /// Budget per call.
    pub timeout: Duration,
    /// Whether authtray writes this generation through the gateway CLI (given to it as
    /// `AUTHTRAY_GATEWAY_CLI`).
    pub writes_through_cli: bool,
}

/// clawdbot 2026.1.24-3.
pub const CLAWDBOT: Gateway = Gateway {
    generation: "clawdbot",
    oracle: "clawdbot-oracle",
    state: ".clawdbot",
    config: "clawdbot.json",
    mirror_id: "anthropic:claude-cli",
    cli_name: "clawdbot",
    timeout: Duration::from_secs(30),
    writes_through_cli: false,
};

/// openclaw 2026.5.28.
pub const OPENCLAW_JSON: Gateway = Gateway {
    generation: "openclaw-json",
    oracle: "openclaw528-oracle",
    state: ".openclaw",
    config: "openclaw.json",
    mirror_id: "anthropic:claude-code",
    cli_name: "openclaw",
    timeout: Duration::from_secs(30),
    writes_through_cli: false,
};

/// openclaw 2026.9.6 (SQLite).
pub const OPENCLAW_SQLITE: Gateway = Gateway {
    generation: "openclaw-sqlite",
    oracle: "openclaw-oracle",
    state: ".openclaw",
    config: "openclaw.json",
    mirror_id: "anthropic:claude-code",
    cli_name: "openclaw",
    timeout: Duration::from_secs(90),
    writes_through_cli: true,
};

/// The oracle bin dir, or `None` (with a visible "skipped" line) when not installed.
/// With `AUTHTRAY_REQUIRE_ORACLE=1` (the README's test command) a missing oracle fails.
pub fn oracle_bin(gw: &Gateway) -> Option<PathBuf> {
    let dir = std::env::var_os("BOT_ORACLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/bot-oracle"))
        .join("bin");
    if dir.join(gw.oracle).is_file() {
        return Some(dir);
    }
    if std::env::var("AUTHTRAY_REQUIRE_ORACLE").as_deref() == Ok("1") {
        panic!("the gateway oracle {} is not installed in {}; run tests/oracle/install.sh", gw.oracle, dir.display());
    }
    eprintln!("skipped: oracle {} not installed in {} (run tests/oracle/install.sh)", gw.oracle, dir.display());
    None
}

/// The folder holding the real Claude Code as `claude` (installed with the oracles), or `None`
/// (with a visible "skipped" line); with `AUTHTRAY_REQUIRE_ORACLE=1` a missing one fails.
pub fn claude_code_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("BOT_ORACLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/bot-oracle"))
        .join("claude-bin");
    if dir.join("claude").is_file() {
        return Some(dir);
    }
    if std::env::var("AUTHTRAY_REQUIRE_ORACLE").as_deref() == Ok("1") {
        panic!("the real Claude Code is not installed in {}; run tests/oracle/install.sh", dir.display());
    }
    eprintln!("skipped: Claude Code not installed in {} (run tests/oracle/install.sh)", dir.display());
    None
}

/// The `authtray` binary built beside this test (`AUTHTRAY_BIN` overrides).
pub fn authtray_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("AUTHTRAY_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("the test knows its own path");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
    let bin = dir.join("authtray");
    assert!(bin.is_file(), "{} is missing: build it first (cargo build -p authtray-cli)", bin.display());
    bin
}

/// What a command produced.
#[derive(Debug)]
pub struct Out {
    /// Exit code (-1 when killed).
    pub code: i32,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

impl Out {
    /// The JSON document on stdout, from the first line that starts with `{`.
    pub fn json(&self) -> Value {
        let start = self
            .stdout
            .lines()
            .position(|l| l.starts_with('{'))
            .unwrap_or_else(|| panic!("no JSON on stdout (exit {}); stderr: {}", self.code, self.stderr));
        let text: Vec<&str> = self.stdout.lines().skip(start).collect();
        serde_json::from_str(&text.join("\n")).unwrap_or_else(|e| panic!("bad JSON ({e}); stderr: {}", self.stderr))
    }
}

/// A throwaway HOME with one gateway's state dir.
pub struct Sandbox {
    /// The gateway.
    pub gw: Gateway,
    /// Oracle bin dir.
    pub bin: PathBuf,
    dir: tempfile::TempDir,
    /// Extra PATH entries for authtray (e.g. a gateway CLI).
    pub path_prefix: Option<PathBuf>,
}

impl Sandbox {
    /// A fresh HOME with the gateway's config (logs kept inside, Anthropic default model).
    pub fn new(gw: Gateway, bin: PathBuf) -> Sandbox {
        let dir = tempfile::Builder::new().prefix("authtray-e2e-").tempdir().expect("temp dir");
        let s = Sandbox { gw, bin, dir, path_prefix: None };
        std::fs::create_dir_all(s.state_dir()).expect("state dir");
        let log = s.home().join("gateway.log");
        let config = serde_json::json!({
            "logging": { "file": log, "consoleLevel": "warn" },
            "agents": { "defaults": { "model": { "primary": "anthropic/claude-opus-4-5" } } }
        });
        s.write_config(&config);
        s
    }

    /// A copy of this HOME, every file as it is now, in a new throwaway directory (for running
    /// one operation two ways and comparing the results).
    pub fn copy(&self) -> Sandbox {
        let dir = tempfile::Builder::new().prefix("authtray-e2e-").tempdir().expect("temp dir");
        let status = Command::new("cp").arg("-a").arg(format!("{}/.", self.home().display())).arg(dir.path()).status().expect("cp");
        assert!(status.success(), "copying the HOME failed");
        Sandbox { gw: self.gw, bin: self.bin.clone(), dir, path_prefix: self.path_prefix.clone() }
    }

    /// A sandbox for tests that need no gateway CLI (authtray alone, `--generation` given).
    pub fn offline(gw: Gateway) -> Sandbox {
        Sandbox::new(gw, PathBuf::new())
    }

    /// A `Command` for authtray in this HOME with a clean environment, for tests that need
    /// extra variables or to spawn it in the background.
    pub fn authtray_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(authtray_bin());
        cmd.args(args);
        self.base_env(&mut cmd);
        cmd
    }

    /// The throwaway HOME.
    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// `<HOME>/.openclaw` or `<HOME>/.clawdbot`.
    pub fn state_dir(&self) -> PathBuf {
        self.home().join(self.gw.state)
    }

    /// The config file.
    pub fn config_path(&self) -> PathBuf {
        self.state_dir().join(self.gw.config)
    }

    /// Writes the config.
    pub fn write_config(&self, v: &Value) {
        std::fs::write(self.config_path(), serde_json::to_string_pretty(v).expect("json")).expect("write config");
    }

    /// Reads the config.
    pub fn config(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.config_path()).expect("config")).expect("config JSON")
    }

    /// The main agent dir.
    pub fn agent_dir(&self) -> PathBuf {
        self.state_dir().join("agents/main/agent")
    }

    /// `auth-profiles.json` of the main agent.
    pub fn store_path(&self) -> PathBuf {
        self.agent_dir().join("auth-profiles.json")
    }

    /// The store's JSON.
    pub fn store(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.store_path()).expect("store exists")).expect("store JSON")
    }

    /// Writes the store file (creating dirs).
    pub fn write_store(&self, text: &str) {
        std::fs::create_dir_all(self.agent_dir()).expect("agent dir");
        std::fs::write(self.store_path(), text).expect("write store");
    }

    /// Writes a Claude Code credentials file expiring at `expires_at`.
    pub fn write_claude_login(&self, access: &str, refresh: Option<&str>, expires_at: i64) {
        let dir = self.home().join(".claude");
        std::fs::create_dir_all(&dir).expect("claude dir");
        let mut o =
            serde_json::json!({"accessToken": access, "expiresAt": expires_at, "scopes": ["user:inference"], "subscriptionType": "max"});
        if let Some(r) = refresh {
            o["refreshToken"] = r.into();
        }
        let doc = serde_json::json!({ "claudeAiOauth": o, "mcpOAuth": {} });
        std::fs::write(dir.join(".credentials.json"), doc.to_string()).expect("write credentials");
    }

    fn base_env(&self, cmd: &mut Command) {
        cmd.env_clear().env("HOME", self.home()).env("TMPDIR", self.home()).env("PATH", self.path()).env("NO_COLOR", "1");
    }

    /// PATH, with [`Sandbox::path_prefix`] first.
    pub fn path(&self) -> std::ffi::OsString {
        let mut path = std::ffi::OsString::new();
        if let Some(p) = &self.path_prefix {
            path.push(p);
            path.push(":");
        }
        path.push(std::env::var_os("PATH").unwrap_or_default());
        path
    }

    /// Runs the real gateway CLI.
    pub fn gateway(&self, args: &[&str], stdin: Option<&str>) -> Out {
        self.gateway_within(args, stdin, self.gw.timeout)
    }

    /// [`Sandbox::gateway`] with its own deadline (for runs that contend with many writers).
    pub fn gateway_within(&self, args: &[&str], stdin: Option<&str>, timeout: Duration) -> Out {
        let mut cmd = Command::new(self.bin.join(self.gw.oracle));
        cmd.args(args);
        self.base_env(&mut cmd);
        run(cmd, stdin, timeout)
    }

    /// The gateway's `paste-token`, with the token piped as `TOKEN\r\n` (clawdbot only submits on `\r`).
    pub fn gateway_paste(&self, token: &str, profile_id: &str, expires_in: Option<&str>) -> Out {
        let mut args = vec!["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", profile_id];
        if let Some(e) = expires_in {
            args.extend(["--expires-in", e]);
        }
        self.gateway(&args, Some(&format!("{token}\r\n")))
    }

    /// The gateway's `models status --json --check`: (document, exit code).
    pub fn gateway_status(&self) -> (Value, i32) {
        let out = self.gateway(&["models", "status", "--json", "--check"], None);
        (out.json(), out.code)
    }

    /// The gateway's `models auth order get --json` → `.order`.
    pub fn gateway_order(&self) -> Value {
        let out = self.gateway(&["models", "auth", "order", "get", "--provider", "anthropic", "--json"], None);
        assert_eq!(out.code, 0, "order get failed: {}", out.stderr);
        out.json()["order"].clone()
    }

    /// With profiles `anthropic:a` and `anthropic:b` stored: an order authtray sets (with a
    /// duplicate, which is dropped) is what the gateway's `order get` returns, and an order the
    /// gateway sets is what `authtray order get` returns.
    pub fn assert_orders_round_trip(&self) {
        let out = self.authtray(&["order", "set", "--provider", "anthropic", "anthropic:b", "anthropic:a", "anthropic:b"], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(self.gateway_order(), serde_json::json!(["anthropic:b", "anthropic:a"]));
        let g = self.gateway(&["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:a", "anthropic:b"], None);
        assert_eq!(g.code, 0, "{}", g.stderr);
        let ours = self.authtray(&["order", "get", "--provider", "anthropic", "--json"], None);
        assert_eq!(ours.json()["order"], serde_json::json!(["anthropic:a", "anthropic:b"]));
    }

    /// Runs `authtray` in this HOME (global flags first as given).
    pub fn authtray(&self, args: &[&str], stdin: Option<&str>) -> Out {
        let mut cmd = Command::new(authtray_bin());
        cmd.args(args);
        self.base_env(&mut cmd);
        if self.gw.writes_through_cli {
            cmd.env("AUTHTRAY_GATEWAY_CLI", self.bin.join(self.gw.oracle));
        }
        run(cmd, stdin, Duration::from_secs(60))
    }

    /// `authtray status --json --check`: (document, the gateway-compatible code
    /// `gatewayCheck`). The exit code is the verdict's `check`, asserted here.
    pub fn authtray_status(&self) -> (Value, i32) {
        let out = self.authtray(&["status", "--json", "--check"], None);
        let doc = out.json();
        assert_eq!(Some(i64::from(out.code)), doc["check"].as_i64(), "the exit code is the verdict's check: {doc}");
        let gateway_check = doc["gatewayCheck"].as_i64().and_then(|c| i32::try_from(c).ok()).expect("gatewayCheck");
        (doc, gateway_check)
    }
}

/// The profile `id` in a gateway `models status --json` document.
pub fn gateway_profile(status: &Value, id: &str) -> Value {
    status["auth"]["oauth"]["profiles"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["profileId"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("profile {id} not in the gateway's models status: {}", status["auth"]["oauth"]))
}

/// The profile `id` of agent `main` in an `authtray status --json` document.
pub fn authtray_profile(status: &Value, id: &str) -> Value {
    status["agents"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == "main"))
        .and_then(|a| a["profiles"].as_array())
        .and_then(|p| p.iter().find(|x| x["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("profile {id} not in authtray status: {status}"))
}

/// Runs a command with stdin and a deadline.
pub fn run(mut cmd: Command, stdin: Option<&str>, timeout: Duration) -> Out {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    // Its own process group, so a timeout also stops what it started (the gateway's CLI starts
    // node workers).
    cmd.process_group(0);
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let _ = pipe.write_all(input.as_bytes());
    }
    let so = Collected::start(child.stdout.take().expect("piped"));
    let se = Collected::start(child.stderr.take().expect("piped"));
    let group = child.id() as libc::pid_t;
    let start = Instant::now();
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code().unwrap_or(-1);
        }
        if start.elapsed() > timeout {
            // SAFETY: signals only the group this function created.
            unsafe { libc::kill(-group, libc::SIGKILL) };
            let _ = child.wait();
            panic!("{:?} timed out after {timeout:?}; stderr so far: {}", cmd.get_program(), se.take());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // A descendant that outlives the command may hold its pipes open for ever: take what
    // arrived within a grace period instead of waiting for end of file.
    let grace = Instant::now() + Duration::from_secs(10);
    Out { code, stdout: so.finish(grace), stderr: se.finish(grace) }
}

/// One output pipe, read on its own thread into a buffer the caller can take at any time.
struct Collected {
    buf: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    done: std::sync::mpsc::Receiver<()>,
}

impl Collected {
    fn start(mut pipe: impl std::io::Read + Send + 'static) -> Self {
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, done) = std::sync::mpsc::channel();
        let sink = buf.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&chunk[..n]);
            }
            let _ = tx.send(());
        });
        Collected { buf, done }
    }

    /// Waits for end of file until `deadline`, then returns what was read.
    fn finish(&self, deadline: Instant) -> String {
        let _ = self.done.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        self.take()
    }

    fn take(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// Asserts that no output of authtray contains a full token.
pub fn assert_no_secret(out: &Out, secret: &str) {
    assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "a full token leaked into authtray's output");
}
