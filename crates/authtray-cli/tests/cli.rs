//! The `authtray` command line end to end, on throwaway HOMEs (no gateway needed): exit
//! codes, JSON shapes, validation messages, redaction, and the macOS Keychain path through a
//! stand-in `security` program.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn canary(fill: char) -> String {
    format!("sk-ant-oat01-CANARY{}", fill.to_string().repeat(80))
}

struct Home {
    dir: tempfile::TempDir,
    extra_env: Vec<(String, String)>,
    path_prefix: Option<PathBuf>,
}

impl Home {
    fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("temp dir"), extra_env: Vec::new(), path_prefix: None }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// An openclaw-json install stamped by its config.
    fn openclaw_json(self) -> Home {
        let state = self.path().join(".openclaw");
        std::fs::create_dir_all(state.join("agents/main/agent")).expect("state");
        std::fs::write(
            state.join("openclaw.json"),
            r#"{ // JSON5, as users write it
              meta: { lastTouchedVersion: "2026.5.28" },
              agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5" } } },
            }"#,
        )
        .expect("config");
        self
    }

    fn store_path(&self) -> PathBuf {
        self.path().join(".openclaw/agents/main/agent/auth-profiles.json")
    }

    fn login(&self, access: &str, expires_at: i64) {
        let dir = self.path().join(".claude");
        std::fs::create_dir_all(&dir).expect("claude dir");
        let doc = json!({"claudeAiOauth": {"accessToken": access, "refreshToken": "sk-ant-ort01-CANARYREFRESH", "expiresAt": expires_at, "scopes": ["user:inference"], "subscriptionType": "pro"}});
        std::fs::write(dir.join(".credentials.json"), doc.to_string()).expect("credentials");
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_authtray"));
        cmd.args(args).env_clear().env("HOME", self.path()).env("USER", "alice");
        let mut path = std::env::var("PATH").unwrap_or_default();
        if let Some(p) = &self.path_prefix {
            path = format!("{}:{path}", p.display());
        }
        cmd.env("PATH", path);
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("authtray runs");
        if let (Some(s), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            let _ = pipe.write_all(s.as_bytes());
        }
        child.wait_with_output().expect("authtray finishes")
    }
}

fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn usage_errors_exit_64_and_help_exits_0() {
    let h = Home::new();
    assert_eq!(h.run(&["status", "--bogus"], None).status.code(), Some(64));
    assert_eq!(h.run(&["frobnicate"], None).status.code(), Some(64));
    assert_eq!(h.run(&["--generation", "nope", "status"], None).status.code(), Some(64));
    assert_eq!(h.run(&["status", "--warn-within", "soon"], None).status.code(), Some(64));
    assert_eq!(h.run(&["order", "set", "--provider", "anthropic"], None).status.code(), Some(64));
    assert_eq!(h.run(&["--help"], None).status.code(), Some(0));
}

#[test]
fn status_json_has_the_documented_shape() {
    let h = Home::new().openclaw_json();
    let exp = now_ms() + 48 * HOUR;
    std::fs::write(
        h.store_path(),
        json!({"version":1,"profiles":{
            "anthropic:claude-code":{"type":"token","provider":"anthropic","token":canary('A'),"expires":exp},
            "anthropic:default":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-CANARYKEY"}}})
        .to_string(),
    )
    .expect("store");
    h.login(&canary('L'), now_ms() + 8 * HOUR);
    let out = h.run(&["status", "--json", "--check"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = stdout_json(&out);
    assert_eq!(v["generation"], "openclaw-json");
    assert_eq!(v["stateDir"], json!(h.path().join(".openclaw")));
    assert_eq!(v["check"], 0);
    assert_eq!(v["claudeCode"]["source"], "file");
    assert_eq!(v["claudeCode"]["status"], "ok");
    assert_eq!(v["claudeCode"]["token"], "sk-ant-oat01-…LLLL");
    let agent = &v["agents"][0];
    assert_eq!(agent["id"], "main");
    assert_eq!(agent["store"], json!(h.store_path()));
    let p = &agent["profiles"];
    assert_eq!(
        p[0],
        json!({"id":"anthropic:claude-code","provider":"anthropic","type":"token","status":"ok","expiresAt":exp,"token":"sk-ant-oat01-…AAAA","used":true,"reason":null,"rank":1,"inUse":true,"availability":{"state":"ready","until":null,"reason":null}})
    );
    assert_eq!((p[1]["status"].as_str(), p[1]["expiresAt"].is_null()), (Some("static"), true));
    assert!(!text(&out).contains("CANARYA") && !text(&out).contains("CANARYKEY") && !text(&out).contains("CANARYL"));

    // The gateway's own check calls the 48 h token expiring within 3 d; the verdict knows the
    // API key carries the gateway after it, so authtray's --check stays 0.
    let warn = h.run(&["status", "--json", "--check", "--warn-within", "3d"], None);
    let v = stdout_json(&warn);
    assert_eq!((warn.status.code(), v["gatewayCheck"].as_i64()), (Some(0), Some(2)), "{v}");
    assert_eq!(v["verdict"]["overall"], "healthy");
    // Without the key, the token alone carries it: expiring within the window is 2.
    std::fs::write(
        h.store_path(),
        json!({"version":1,"profiles":{"anthropic:manual":{"type":"token","provider":"anthropic","token":canary('M'),"expires":exp}}})
            .to_string(),
    )
    .expect("store");
    let warn = h.run(&["status", "--check", "--warn-within", "3d"], None);
    assert_eq!(warn.status.code(), Some(2), "{}", text(&warn));
    assert!(text(&warn).contains("attention: anthropic:manual expires in 1 d 23 h ("), "{}", text(&warn));
    assert!(text(&warn).contains("fix: Paste a new Anthropic token"), "{}", text(&warn));
}

#[test]
fn sync_then_no_op_then_dry_run() {
    let h = Home::new().openclaw_json();
    let exp = now_ms() + 8 * HOUR;
    h.login(&canary('S'), exp);
    let dry = h.run(&["sync", "--dry-run", "--json"], None);
    assert_eq!(stdout_json(&dry)["agents"][0]["action"], "create");
    assert!(!h.store_path().exists(), "--dry-run writes nothing");
    let out = h.run(&["sync"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("main: create anthropic:claude-code"), "{}", text(&out));
    let stored: Value = serde_json::from_slice(&std::fs::read(h.store_path()).expect("store")).expect("json");
    assert_eq!(
        stored["profiles"]["anthropic:claude-code"],
        json!({"type":"token","provider":"anthropic","token":canary('S'),"expires":exp})
    );
    let mtime = std::fs::metadata(h.store_path()).and_then(|m| m.modified()).expect("mtime");
    let again = h.run(&["sync"], None);
    assert!(text(&again).contains("already in sync"), "{}", text(&again));
    assert_eq!(std::fs::metadata(h.store_path()).and_then(|m| m.modified()).expect("mtime"), mtime);
    for o in [&dry, &out, &again] {
        assert!(!text(o).contains("CANARYS") && !text(o).contains("CANARYREFRESH"));
    }
}

#[test]
fn sync_without_login_is_a_clear_error() {
    let h = Home::new().openclaw_json();
    let out = h.run(&["sync", "--json"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_json(&out)["error"].as_str().unwrap_or_default().contains("no usable Claude Code login"));
    // Scripts match on the kind, the same word the HTTP API and the window get.
    assert_eq!(stdout_json(&out)["kind"], "no-login");
    std::fs::create_dir_all(h.path().join(".claude")).expect("dir");
    std::fs::write(
        h.path().join(".claude/.credentials.json"),
        "{\"claudeAiOauth\":{\"accessToken\":\"sk-ant-oat01-CANARYX\",\"expiresAt\":17}}",
    )
    .expect("write");
    let out = h.run(&["sync"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("seconds"), "{}", text(&out));
    assert!(!text(&out).contains("CANARYX"));
}

#[test]
fn paste_token_validates_and_redacts() {
    let h = Home::new().openclaw_json();
    let cases = [
        ("", "empty"),
        ("sk-ant-oat01-abc", "too short"),
        ("sk-ant-ort01-CANARYREFRESHTOKENxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "refresh token"),
        ("sk-proj-CANARYopenaikeyxxxxxxxxxxxxxxxxxxxx", "--provider openai"),
        ("sk-ant-oat01-CANARY first\nsecond line xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "one line"),
    ];
    for (input, needle) in cases {
        let out = h.run(&["paste-token", "--provider", "anthropic"], Some(input));
        assert_eq!(out.status.code(), Some(64), "{input:?}");
        assert!(text(&out).contains(needle), "{input:?}: {}", text(&out));
        assert!(!text(&out).contains("CANARY"), "{input:?} leaked: {}", text(&out));
        assert!(!h.store_path().exists());
    }
    let bad_dur = h.run(&["paste-token", "--provider", "anthropic", "--expires-in", "soonish"], Some(&canary('P')));
    assert_eq!(bad_dur.status.code(), Some(64));
    let out = h.run(&["paste-token", "--provider", "anthropic", "--expires-in", "12h"], Some(&format!("  {}\r\n", canary('P'))));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("sk-ant-oat01-…PPPP") && text(&out).contains("anthropic:manual"), "{}", text(&out));
    assert!(!text(&out).contains(&canary('P')));
    let mode = std::fs::metadata(h.store_path()).map(|m| m.permissions().mode() & 0o777).expect("store");
    assert_eq!(mode, 0o600);
    let cfg = std::fs::read_to_string(h.path().join(".openclaw/openclaw.json")).expect("config");
    assert!(cfg.contains("anthropic:manual"), "registered in the config");
    assert!(h.path().join(".openclaw/openclaw.json.bak").exists(), "a backup of the config is kept");
    // Unknown providers take any single-line token, without expiry unless asked.
    let other = h.run(&["paste-token", "--provider", "mistral", "--json"], Some("CANARY-mistral-key"));
    assert_eq!(other.status.code(), Some(0), "{}", text(&other));
    assert_eq!(stdout_json(&other)["profileId"], "mistral:manual");
    assert!(stdout_json(&other)["expiresAt"].is_null());
}

#[test]
fn sqlite_installs_are_recognised_and_never_get_json() {
    let h = Home::new();
    std::fs::create_dir_all(h.path().join(".openclaw/state")).expect("dir");
    std::fs::write(h.path().join(".openclaw/state/openclaw.sqlite"), b"").expect("db");
    let st = h.run(&["status", "--json"], None);
    assert_eq!(stdout_json(&st)["generation"], "openclaw-sqlite");
    let out = h.run(&["paste-token", "--provider", "anthropic"], Some(&canary('Q')));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("SQLite"), "{}", text(&out));
    assert!(!h.path().join(".openclaw/agents/main/agent/auth-profiles.json").exists());
    h.login(&canary('Q'), now_ms() + HOUR);
    assert_eq!(h.run(&["sync"], None).status.code(), Some(1));
    assert!(!h.path().join(".openclaw/agents/main/agent/auth-profiles.json").exists());
    // A stray JSON store is reported with the fix.
    std::fs::create_dir_all(h.path().join(".openclaw/agents/main/agent")).expect("dir");
    std::fs::write(h.path().join(".openclaw/agents/main/agent/auth-profiles.json"), "{}").expect("stray");
    let doc = h.run(&["doctor", "--json"], None);
    assert_eq!(doc.status.code(), Some(1));
    let findings = stdout_json(&doc)["findings"].clone();
    assert!(
        findings
            .as_array()
            .is_some_and(|f| f.iter().any(|x| x["code"] == "stray-json" && x["fix"].as_str().unwrap_or_default().contains("doctor --fix"))),
        "{findings}"
    );
}

#[test]
fn doctor_reports_filtered_profiles_and_loose_permissions() {
    let h = Home::new().openclaw_json();
    std::fs::write(
        h.path().join(".openclaw/openclaw.json"),
        r#"{"meta":{"lastTouchedVersion":"2026.5.28"},"auth":{"profiles":{"anthropic:other":{"provider":"anthropic","mode":"token"}}}}"#,
    )
    .expect("config");
    std::fs::write(
        h.store_path(),
        json!({"version":1,"profiles":{"anthropic:hidden":{"type":"token","provider":"anthropic","token":canary('H'),"expires":1795349939_i64}}}).to_string(),
    )
    .expect("store");
    std::fs::set_permissions(h.store_path(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = h.run(&["doctor", "--json"], None);
    let codes: Vec<String> = stdout_json(&out)["findings"]
        .as_array()
        .map(|a| a.iter().map(|f| f["code"].as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default();
    for want in ["filtered-out", "loose-permissions", "expires-in-seconds", "claude-login"] {
        assert!(codes.iter().any(|c| c == want), "{want} missing from {codes:?}");
    }
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out).contains("CANARY"));
}

/// A stand-in for macOS `/usr/bin/security`: logs its arguments, answers like the real tool.
fn fake_security(h: &mut Home, script_body: &str) -> PathBuf {
    let bin = h.path().join("fakebin");
    std::fs::create_dir_all(&bin).expect("bin");
    let log = h.path().join("security.log");
    let script = format!("#!/bin/sh\necho \"$@\" >> '{}'\n{script_body}\n", log.display());
    let p = bin.join("security");
    std::fs::write(&p, script).expect("script");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    h.path_prefix = Some(bin);
    h.extra_env.push(("AUTHTRAY_KEYCHAIN".into(), "1".into()));
    log
}

fn keychain_blob(access: &str, exp: i64) -> String {
    json!({"claudeAiOauth":{"accessToken":access,"expiresAt":exp,"scopes":["user:inference"],"subscriptionType":"max"},"mcpOAuth":{"srv":{"x":"é\n"}}}).to_string()
}

#[test]
fn keychain_item_is_read_through_security() {
    let mut h = Home::new().openclaw_json();
    let exp = now_ms() + 6 * HOUR;
    let blob = keychain_blob(&canary('K'), exp);
    let log = fake_security(&mut h, &format!("printf '%s\\n' '{}'; exit 0", blob.replace('\'', "'\\''").replace('\n', "\\n")));
    let out = h.run(&["status", "--json"], None);
    let v = stdout_json(&out);
    assert_eq!(v["claudeCode"]["source"], "keychain", "{}", text(&out));
    assert_eq!(v["claudeCode"]["service"], "Claude Code-credentials");
    assert_eq!(v["claudeCode"]["expiresAt"], exp);
    let calls = std::fs::read_to_string(&log).expect("security was called");
    assert!(calls.lines().all(|l| l == "find-generic-password -a alice -s Claude Code-credentials -w"), "{calls}");
    assert!(!text(&out).contains("CANARYK"));
    // The mirror comes from the Keychain item, and Claude Code's item is never written.
    let s = h.run(&["sync"], None);
    assert_eq!(s.status.code(), Some(0), "{}", text(&s));
    let stored = std::fs::read_to_string(h.store_path()).expect("store");
    assert!(stored.contains(&canary('K')));
    let calls = std::fs::read_to_string(&log).expect("log");
    assert!(!calls.contains("add-") && !calls.contains("delete-"), "{calls}");
}

#[test]
fn keychain_hex_output_is_decoded() {
    let mut h = Home::new().openclaw_json();
    let exp = now_ms() + 6 * HOUR;
    let hex: String = keychain_blob(&canary('X'), exp).bytes().map(|b| format!("{b:02x}")).collect();
    fake_security(&mut h, &format!("echo {hex}"));
    let v = stdout_json(&h.run(&["status", "--json"], None));
    assert_eq!((v["claudeCode"]["source"].as_str(), v["claudeCode"]["expiresAt"].as_i64()), (Some("keychain"), Some(exp)));
}

#[test]
fn keychain_not_found_falls_back_to_the_file_with_the_hashed_service() {
    let mut h = Home::new().openclaw_json();
    let log = fake_security(
        &mut h,
        "echo 'security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.' >&2; exit 44",
    );
    let claude_dir = h.path().join("claude-work");
    h.extra_env.push(("CLAUDE_CONFIG_DIR".into(), claude_dir.display().to_string()));
    std::fs::create_dir_all(&claude_dir).expect("dir");
    std::fs::write(claude_dir.join(".credentials.json"), keychain_blob(&canary('F'), now_ms() + HOUR)).expect("file");
    let v = stdout_json(&h.run(&["status", "--json"], None));
    assert_eq!(v["claudeCode"]["source"], "file");
    assert_eq!(v["claudeCode"]["path"], json!(claude_dir.join(".credentials.json")));
    let calls = std::fs::read_to_string(&log).expect("log");
    let want = authtray_core::claude::keychain_service(Some(&claude_dir.display().to_string()));
    assert!(calls.contains(&format!("-s {want} -w")), "{calls}");
}

#[test]
fn keychain_denied_or_slow_is_unreadable_without_file_fallback() {
    for body in ["echo 'security: SecKeychainSearchCopyNext: User interaction is not allowed.' >&2; exit 36", "sleep 8; exit 0"] {
        let mut h = Home::new().openclaw_json();
        fake_security(&mut h, body);
        h.login(&canary('T'), now_ms() + HOUR); // a stale file that must not be trusted
        let started = std::time::Instant::now();
        let out = h.run(&["status", "--json"], None);
        let v = stdout_json(&out);
        assert_eq!(v["claudeCode"]["status"], "unreadable", "{body}: {}", text(&out));
        assert!(started.elapsed() < std::time::Duration::from_secs(7), "the 5 s timeout was not applied");
        let problem = v["claudeCode"]["problem"].as_str().unwrap_or_default().to_string();
        assert!(problem.contains("36") || problem.contains("did not answer"), "{problem}");
        assert_eq!(h.run(&["sync"], None).status.code(), Some(1));
    }
}

/// A SQLite-era install whose gateway CLI is a stand-in that echoes the token (as some
/// versions do) and then fails: nothing of it reaches our output unredacted.
#[test]
fn sqlite_writes_go_through_the_gateway_cli_and_never_echo_it() {
    let mut h = Home::new();
    std::fs::create_dir_all(h.path().join(".openclaw/state")).expect("dir");
    std::fs::write(h.path().join(".openclaw/state/openclaw.sqlite"), b"").expect("db");
    let bin = h.path().join("gw");
    std::fs::create_dir_all(&bin).expect("bin");
    let cli = bin.join("openclaw");
    let log = h.path().join("cli.log");
    std::fs::write(
        &cli,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nread t\necho \"echo: $t\"\necho \"Error: provider rejected $t\" >&2\nexit 1\n",
            log.display()
        ),
    )
    .expect("cli");
    std::fs::set_permissions(&cli, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    h.extra_env.push(("AUTHTRAY_GATEWAY_CLI".into(), cli.display().to_string()));
    h.extra_env.push(("AUTHTRAY_PROGRESS".into(), "always".into()));
    let out = h.run(&["paste-token", "--provider", "anthropic", "--expires-in", "2h"], Some(&canary('G')));
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(!all.contains("CANARYGGGG"), "the token leaked: {all}");
    assert!(all.contains("provider rejected sk-ant-oat01-…GGGG") && all.contains("exit 1"), "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("waiting for `openclaw models auth paste-token") && stderr.contains("done in"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "progress never goes to stdout");
    let argv = std::fs::read_to_string(&log).expect("called");
    assert!(argv.starts_with("models auth paste-token --provider anthropic --profile-id anthropic:manual --expires-in "), "{argv}");
    assert!(!argv.contains("CANARY"), "the token must not be in argv: {argv}");
    assert!(!h.path().join(".openclaw/agents/main/agent/auth-profiles.json").exists());
}

#[test]
fn watch_mirrors_at_start_and_on_a_rename_then_stops_on_ctrl_c() {
    use std::io::BufRead;
    let h = Home::new().openclaw_json();
    let (first, second) = (canary('W'), canary('X'));
    h.login(&first, now_ms() + 8 * HOUR);
    let mut child = Command::new(env!("CARGO_BIN_EXE_authtray"))
        .args(["watch", "--json"])
        .env_clear()
        .env("HOME", h.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("authtray watch runs");
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    let out = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")));
        }
    });
    let wait = std::time::Duration::from_secs(10);
    // What is on disk comes first; the start's mirror follows.
    let look = rx.recv_timeout(wait).expect("a first update");
    assert_eq!(look["cause"], "first-look", "{look}");
    assert!(look["snapshot"]["lastSync"].is_null(), "{look}");
    let start = rx.recv_timeout(wait).expect("the start's mirror");
    assert_eq!(start["cause"], "start");
    assert_eq!(start["snapshot"]["lastSync"]["agents"][0]["action"], "create", "{start}");
    let stored = |h: &Home| std::fs::read_to_string(h.store_path()).unwrap_or_default();
    assert!(stored(&h).contains(&first));
    // Claude Code replaces the file by rename.
    let dir = h.path().join(".claude");
    let doc = json!({"claudeAiOauth": {"accessToken": second, "refreshToken": "sk-ant-ort01-CANARYREFRESH", "expiresAt": now_ms() + 9 * HOUR, "scopes": ["user:inference"]}});
    std::fs::write(dir.join(".credentials.json.tmp"), doc.to_string()).expect("temp");
    std::fs::rename(dir.join(".credentials.json.tmp"), dir.join(".credentials.json")).expect("rename");
    let changed = loop {
        let u = rx.recv_timeout(wait).expect("an update after the rename");
        if u["cause"] == "login-changed" {
            break u;
        }
    };
    assert_eq!(changed["snapshot"]["lastSync"]["agents"][0]["action"], "update", "{changed}");
    assert!(stored(&h).contains(&second));
    assert!(!changed.to_string().contains(&second), "watch printed a full token");
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn serve_refuses_a_wildcard_address_it_could_not_check_hosts_against() {
    let h = Home::new().openclaw_json();
    let o = h.run(&["serve", "--bind", "0.0.0.0", "--insecure-bind"], None);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("not a wildcard") && t.contains("warning: serving on 0.0.0.0 over plain HTTP"), "{t}");
    assert!(o.stdout.is_empty(), "no URL may be printed: {t}");
}

#[test]
fn serve_on_a_network_address_needs_insecure_bind() {
    let h = Home::new().openclaw_json();
    // Refused before anything is bound: no traffic leaves loopback.
    let o = h.run(&["serve", "--bind", "10.1.2.3"], None);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("plain HTTP") && t.contains("ssh -L") && t.contains("--insecure-bind"), "{t}");
    assert!(o.stdout.is_empty(), "no URL may be printed: {t}");
}

/// Starts `authtray serve` with `extra` arguments and returns it with the URL it printed.
fn start_serve(h: &Home, extra: &[&str], max_open_files: Option<u64>) -> (std::process::Child, String) {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authtray"));
    cmd.arg("serve").args(extra).env_clear().env("HOME", h.path()).env("USER", "alice");
    let mut path = std::env::var("PATH").unwrap_or_default();
    if let Some(p) = &h.path_prefix {
        path = format!("{}:{path}", p.display());
    }
    cmd.env("PATH", path).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    if let Some(n) = max_open_files {
        // SAFETY: setrlimit only, between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit { rlim_cur: n, rlim_max: n };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().expect("serve starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the URL line");
    (child, line.trim().to_string())
}

fn stop(mut child: std::process::Child) {
    // SAFETY: SIGINT to our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let _ = child.wait();
}

#[test]
fn serve_secrets_stay_random_when_file_descriptors_run_out() {
    let h = Home::new().openclaw_json();
    let mut secrets = Vec::new();
    for _ in 0..2 {
        // Few descriptors left: reading /dev/urandom used to fail here, and the secret was zeros.
        let (child, url) = start_serve(&h, &[], Some(10));
        stop(child);
        let secret = url.split("secret=").nth(1).unwrap_or_default().to_string();
        assert_eq!(secret.len(), 32, "{url}");
        let distinct: std::collections::HashSet<char> = secret.chars().collect();
        assert!(distinct.len() >= 6, "a guessable secret: {secret}");
        secrets.push(secret);
    }
    assert_ne!(secrets[0], secrets[1]);
}

#[test]
fn serve_open_never_puts_the_secret_on_a_command_line() {
    let mut h = Home::new().openclaw_json();
    let bin = h.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = h.path().join("opener-argv");
    // The desktop's opener, as `open` finds it: it records what it was asked to open.
    let opener = bin.join("xdg-open");
    std::fs::write(&opener, format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}.tmp' && mv '{0}.tmp' '{0}'\n", record.display())).unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    h.path_prefix = Some(bin);
    let (child, url) = start_serve(&h, &["--open"], None);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !record.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let argv = std::fs::read_to_string(&record).expect("the opener ran");
    let secret = url.split("secret=").nth(1).unwrap_or_default();
    assert!(!secret.is_empty() && !argv.contains(secret), "the secret is on the opener's command line: {argv}");
    let page = PathBuf::from(argv.trim());
    assert_eq!(std::fs::metadata(&page).expect("the opened file").permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(page.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    assert!(std::fs::read_to_string(&page).unwrap().contains(&url), "the page does not lead to the URL");
    stop(child);
    assert!(!page.exists(), "the page outlived serve");
}

#[test]
fn an_invalid_duration_never_repeats_a_token() {
    let h = Home::new().openclaw_json();
    let token = canary('D');
    for args in [vec!["status", "--warn-within", token.as_str()], vec!["--lock-timeout", token.as_str(), "status"]] {
        let o = h.run(&args, None);
        assert_eq!(o.status.code(), Some(64), "{args:?}");
        let t = text(&o);
        assert!(!t.contains(&token[13..]) && t.contains("not repeated"), "{args:?}: {t}");
    }
    let o = h.run(&["paste-token", "--provider", "anthropic", "--expires-in", &token], Some(&canary('E')));
    let t = text(&o);
    assert_eq!(o.status.code(), Some(64), "{t}");
    assert!(!t.contains(&token[13..]) && !t.contains(&canary('E')[13..]), "{t}");
}

#[test]
fn fifos_where_files_belong_do_not_hang_authtray() {
    let h = Home::new().openclaw_json();
    h.login(&canary('F'), now_ms() + 8 * HOUR);
    let mkfifo = |p: &Path| {
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo on a NUL-terminated path in our temp dir.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "{}", p.display());
    };
    mkfifo(&h.path().join(".claude/settings.json"));
    mkfifo(&h.path().join(".openclaw/agents/main/agent/auth-profiles.json.lock"));
    // Each would block forever on the FIFO before the fix; a deadline turns a hang into a failure.
    for args in [vec!["status", "--json"], vec!["--lock-timeout", "2s", "sync", "--json"]] {
        let mut cmd = Command::new("timeout");
        cmd.arg("20")
            .arg(env!("CARGO_BIN_EXE_authtray"))
            .args(&args)
            .env_clear()
            .env("HOME", h.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        let o = cmd.output().expect("runs");
        assert_ne!(o.status.code(), Some(124), "{args:?} hung on a FIFO");
        let t = text(&o);
        if args[0] == "status" {
            assert_eq!(o.status.code(), Some(0), "{t}");
        } else {
            assert!(t.contains("FIFO") && t.contains("remove it"), "{t}");
        }
    }
}

#[test]
fn cooldown_clear_puts_set_aside_profiles_back_and_keeps_the_rest() {
    let h = Home::new().openclaw_json();
    let later = now_ms() + HOUR;
    std::fs::write(
        h.store_path(),
        json!({"version": 1,
            "profiles": {
                "anthropic:manual": {"type": "token", "provider": "anthropic", "token": canary('M')},
                "anthropic:backup": {"type": "token", "provider": "anthropic", "token": canary('B')},
                "openai:default": {"type": "api_key", "provider": "openai", "key": format!("sk-proj-{}", "k".repeat(40))}},
            "usageStats": {
                "anthropic:manual": {"lastUsed": 5, "cooldownUntil": later, "failureCounts": {"auth": 2}, "errorCount": 2},
                "anthropic:backup": {"lastUsed": 6, "disabledUntil": later, "disabledReason": "billing"},
                "openai:default": {"cooldownUntil": later}},
            "lastGood": {"anthropic": "anthropic:backup"}})
        .to_string(),
    )
    .expect("store");
    let status = stdout_json(&h.run(&["status", "--json"], None));
    let manual = &status["agents"][0]["profiles"][0];
    assert_eq!((manual["availability"]["state"].as_str(), manual["availability"]["reason"].as_str()), (Some("cooldown"), Some("auth")));
    let shown = text(&h.run(&["status"], None));
    assert!(shown.contains("(on cooldown for 59 min (auth))") || shown.contains("(on cooldown for 1 h (auth))"), "{shown}");
    // One profile only.
    let out = h.run(&["cooldown", "clear", "--provider", "anthropic", "--profile-id", "anthropic:manual", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stdout_json(&out)["cleared"], json!(["anthropic:manual"]));
    let store: Value = serde_json::from_slice(&std::fs::read(h.store_path()).expect("store")).expect("json");
    assert_eq!(store["usageStats"]["anthropic:manual"], json!({"lastUsed": 5}), "only the resting keys go");
    assert_eq!(store["usageStats"]["anthropic:backup"]["disabledReason"], "billing");
    // The provider: the disabled one too; the other provider's cooldown stays; nothing else moves.
    let out = h.run(&["cooldown", "clear", "--provider", "anthropic"], None);
    assert!(text(&out).contains("Back in service: anthropic:backup (agent main)."), "{}", text(&out));
    let store: Value = serde_json::from_slice(&std::fs::read(h.store_path()).expect("store")).expect("json");
    assert_eq!(store["usageStats"]["anthropic:backup"], json!({"lastUsed": 6}));
    assert_eq!(store["usageStats"]["openai:default"]["cooldownUntil"], later);
    assert_eq!(store["lastGood"]["anthropic"], "anthropic:backup");
    assert!(!std::fs::read_to_string(h.store_path()).unwrap_or_default().is_empty());
    // Nothing left: said so, nothing written.
    let before = std::fs::read(h.store_path()).expect("store");
    let out = h.run(&["cooldown", "clear", "--provider", "anthropic"], None);
    assert!(text(&out).contains("Nothing to clear"), "{}", text(&out));
    assert_eq!(std::fs::read(h.store_path()).expect("store"), before);
    // An unknown profile is an error naming it.
    let out = h.run(&["cooldown", "clear", "--provider", "anthropic", "--profile-id", "anthropic:nope"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("anthropic:nope"), "{}", text(&out));
}

#[test]
fn version_completions_and_man_page() {
    let h = Home::new();
    let v = text(&h.run(&["--version"], None));
    assert!(v.starts_with(&format!("authtray {}", env!("CARGO_PKG_VERSION"))), "{v}");
    // The bash completion script loads and registers itself.
    let script = h.path().join("authtray.bash");
    let out = h.run(&["completions", "bash"], None);
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(&script, &out.stdout).expect("script");
    let loaded =
        Command::new("bash").arg("-c").arg(format!("source '{}' && complete -p authtray", script.display())).output().expect("bash");
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("authtray"), "{}", String::from_utf8_lossy(&loaded.stderr));
    for shell in ["zsh", "fish"] {
        let out = h.run(&["completions", shell], None);
        assert!(out.status.code() == Some(0) && String::from_utf8_lossy(&out.stdout).contains("cooldown"), "{shell}");
    }
    let man = h.run(&["man"], None);
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(page.starts_with(".ie") || page.contains(".TH authtray 1"), "{page}");
    assert!(page.contains("paste\\-token"), "every command is in the page");
    let dir = h.path().join("man1");
    assert_eq!(h.run(&["man", "--out-dir", &dir.to_string_lossy()], None).status.code(), Some(0));
    assert!(dir.join("authtray.1").is_file());
}

#[test]
fn service_install_is_idempotent_refuses_a_second_and_uninstalls() {
    let mut h = Home::new();
    // A stand-in systemctl records what it is asked (the real user manager is never touched).
    let bin = h.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let log = h.path().join("systemctl.log");
    std::fs::write(
        bin.join("systemctl"),
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n[ \"$2\" = is-active ] && echo inactive\nexit 0\n", log.display()),
    )
    .expect("stand-in");
    std::fs::set_permissions(bin.join("systemctl"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    h.path_prefix = Some(bin);
    let unit = h.path().join(".config/systemd/user/authtray-watch.service");

    let out = h.run(&["service", "install", "--no-start"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let contents = std::fs::read_to_string(&unit).expect("unit written");
    assert!(contents.contains(&format!("ExecStart=\"{}\" watch", env!("CARGO_BIN_EXE_authtray"))), "{contents}");
    assert!(contents.contains("Restart=on-failure") && contents.contains("Environment=\"PATH="), "{contents}");
    assert!(
        text(&out).contains("systemctl --user daemon-reload && systemctl --user enable --now authtray-watch.service"),
        "{}",
        text(&out)
    );
    assert!(!log.exists(), "--no-start asks the service manager nothing");
    if Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let verify = Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&unit).output().expect("verify");
        let said = String::from_utf8_lossy(&verify.stderr);
        // Without a user manager here, only the unit's own lines matter.
        assert!(!said.lines().any(|l| l.contains("authtray-watch.service:")), "{said}");
    }
    // A second install is refused, the unit untouched; --force replaces it.
    let again = h.run(&["service", "install", "--no-start"], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already installed"), "{}", text(&again));
    assert_eq!(h.run(&["service", "install", "--no-start", "--force"], None).status.code(), Some(0));
    let st = stdout_json(&h.run(&["service", "status", "--json"], None));
    assert_eq!((st["installed"].as_bool(), st["state"].as_str()), (Some(true), Some("inactive")), "{st}");
    // Install with start: reload and enable --now.
    assert_eq!(h.run(&["service", "uninstall"], None).status.code(), Some(0));
    assert!(!unit.exists());
    assert_eq!(h.run(&["service", "install"], None).status.code(), Some(0));
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(calls.contains("--user daemon-reload") && calls.contains("--user enable --now authtray-watch.service"), "{calls}");
    assert_eq!(h.run(&["service", "uninstall"], None).status.code(), Some(0));
    assert!(std::fs::read_to_string(&log).unwrap_or_default().contains("--user disable --now authtray-watch.service"));
    assert!(text(&h.run(&["service", "uninstall"], None)).contains("not installed"));
}
