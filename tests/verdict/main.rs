//! One verdict everywhere: for each situation a new user meets (stores written by the real
//! openclaw 2026.5.28 CLI), the tray's glance (from `authtray watch --json`, the live service the
//! tray draws from), the window's verdict (the same snapshot's status), the CLI's summary line and
//! `status --check` agree — and agree with what the gateway would actually do.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use authtray_e2e::{now_ms, oracle_bin, setup_token, Sandbox, OPENCLAW_JSON};
use serde_json::{json, Value};

const H: i64 = 3_600_000;

/// The first update of `authtray watch --json` (mirroring switched off: it only judges).
fn tray_snapshot(s: &Sandbox) -> Value {
    let cfg = s.home().join(".config/authtray");
    std::fs::create_dir_all(&cfg).expect("config dir");
    std::fs::write(cfg.join("settings.json"), json!({"mirrorEnabled": false}).to_string()).expect("settings");
    let mut child = s.authtray_command(&["watch", "--json"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
    // Stopped by its own pid.
    let _ = child.kill();
    let _ = child.wait();
    let doc: Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("watch --json: {e}: {line:?}"));
    doc["snapshot"].clone()
}

struct Seen {
    name: &'static str,
    overall: String,
    headline: String,
}

/// Every shell's verdict for the sandbox as it is now; asserts they agree and returns it.
fn verdicts(name: &'static str, s: &Sandbox) -> (Seen, i32, Value) {
    let snap = tray_snapshot(s);
    let glance = &snap["glance"];
    let window = &snap["status"]["verdict"];
    let cli = s.authtray(&["status", "--json", "--check"], None);
    let doc = cli.json();
    let text = s.authtray(&["status"], None);
    let v = &doc["verdict"];
    let overall = v["overall"].as_str().unwrap_or_default().to_string();
    let headline = v["headline"].as_str().unwrap_or_default().to_string();
    assert_eq!(glance["overall"], v["overall"], "{name}: tray icon vs CLI: {glance} / {v}");
    assert_eq!(glance["headline"], v["headline"], "{name}: tray headline vs CLI");
    assert_eq!(window["overall"], v["overall"], "{name}: window vs CLI");
    assert_eq!(window["headline"], v["headline"], "{name}: window headline vs CLI");
    let line = match overall.as_str() {
        "healthy" => format!("ok: {headline}"),
        "attention" => format!("attention: {headline}"),
        // "Not set up yet" says its state itself.
        "neutral" => format!("\n{headline}\n"),
        _ => format!("broken: {headline}"),
    };
    assert!(text.stdout.contains(&line), "{name}: the CLI summary line:\n{}", text.stdout);
    // --check: broken exactly when 1; healthy never anything but 0; 2 only with attention.
    let code = cli.code;
    assert_eq!(i64::from(code), doc["check"].as_i64().unwrap_or(-1), "{name}");
    match (overall.as_str(), code) {
        ("broken" | "neutral", 1) | ("healthy", 0) | ("attention", 0 | 2) => {}
        (o, c) => panic!("{name}: verdict {o} but --check {c}"),
    }
    // No CLI flag in what a window shows.
    for p in v["problems"].as_array().cloned().unwrap_or_default() {
        let fix = p["remedy"]["text"].as_str().unwrap_or_default();
        assert!(!fix.contains("--") && !p["text"].as_str().unwrap_or_default().contains("--"), "{name}: a flag in GUI text: {p}");
    }
    (Seen { name, overall, headline }, code, doc)
}

#[test]
fn every_shell_gives_the_same_verdict_in_each_situation() {
    let Some(bin) = oracle_bin(&OPENCLAW_JSON) else { return };
    let mut table = Vec::new();

    // 1. Healthy: Claude Code logged in, its login mirrored.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    s.write_claude_login(&setup_token('L'), None, now_ms() + 6 * H);
    assert_eq!(s.gateway_paste(&setup_token('K'), "anthropic:keep", Some("365d")).code, 0);
    assert_eq!(s.authtray(&["sync"], None).code, 0);
    let (seen, code, doc) = verdicts("healthy", &s);
    assert_eq!((seen.overall.as_str(), code, seen.headline.as_str()), ("healthy", 0, "All credentials healthy"));
    let rows = &doc["verdict"]["rows"];
    assert!(rows.as_array().is_some_and(|r| r.iter().all(|r| r["state"] == "healthy")), "no row contradicts it: {rows}");
    table.push(seen);

    // 2. A setup-token carries the gateway; the mirror expired and Claude Code is logged out.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("365d")).code, 0);
    // The mirror profile as an earlier mirror left it, now expired.
    assert_eq!(s.gateway_paste(&setup_token('M'), "anthropic:claude-code", Some("2s")).code, 0);
    std::thread::sleep(Duration::from_millis(2_500));
    let (_, their_code) = s.gateway_status();
    let (seen, code, doc) = verdicts("setup-token carries, mirror expired, logged out", &s);
    assert_eq!((their_code, code), (0, 0), "the gateway works, and both checks say so");
    assert_eq!(seen.overall, "attention", "a secondary problem is attention, never broken");
    assert!(seen.headline.contains("Claude Code is not logged in"), "{}", seen.headline);
    assert_eq!(doc["verdict"]["problems"][0]["remedy"]["action"]["kind"], "logInToClaude");
    table.push(seen);

    // 3. A fresh gateway whose default model is not Anthropic's.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("365d")).code, 0);
    let mut cfg = s.config();
    cfg["agents"] = json!({});
    s.write_config(&cfg);
    let (_, their_code) = s.gateway_status();
    let (seen, code, _) = verdicts("default model not Anthropic", &s);
    assert_eq!((their_code, code, seen.overall.as_str()), (1, 1, "broken"));
    assert!(seen.headline.contains("OpenAI"), "{}", seen.headline);
    table.push(seen);

    // 4. Nothing installed.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    std::fs::remove_dir_all(s.state_dir()).expect("no gateway");
    let (seen, code, doc) = verdicts("nothing installed", &s);
    assert_eq!((code, seen.overall.as_str(), seen.headline.as_str()), (1, "neutral", "Not set up yet"));
    assert_eq!(doc["verdict"]["setup"]["found"], false);
    table.push(seen);

    // 5. Only the mirror, and Claude Code's login expired.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    assert_eq!(s.gateway_paste(&setup_token('M'), "anthropic:claude-code", Some("2s")).code, 0);
    s.write_claude_login(&setup_token('M'), None, now_ms() - H);
    std::thread::sleep(Duration::from_millis(2_500));
    let (_, their_code) = s.gateway_status();
    let (seen, code, doc) = verdicts("only the mirror, login expired", &s);
    assert_eq!((their_code, code, seen.overall.as_str()), (1, 1, "broken"));
    assert!(seen.headline.starts_with("Claude Code's login expired"), "{}", seen.headline);
    assert_eq!(doc["verdict"]["problems"][0]["remedy"]["action"]["kind"], "logInToClaude");
    table.push(seen);

    // 6. A pasted token that expires in 3 days: attention with "Replace token…", still working.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("3d")).code, 0);
    let (_, their_code) = s.gateway_status();
    let (seen, code, doc) = verdicts("token expires in 3 d", &s);
    assert_eq!((their_code, code, seen.overall.as_str()), (0, 0, "attention"));
    let fix = &doc["verdict"]["problems"][0]["remedy"];
    assert_eq!((fix["label"].as_str(), fix["action"]["profileId"].as_str()), (Some("Replace token…"), Some("anthropic:manual")));
    table.push(seen);

    // 7. ... and in 3 hours: within the gateway's warning window, --check says 2 like the gateway.
    let s = Sandbox::new(OPENCLAW_JSON, bin);
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("3h")).code, 0);
    let (_, their_code) = s.gateway_status();
    let (seen, code, _) = verdicts("token expires in 3 h", &s);
    assert_eq!((their_code, code, seen.overall.as_str()), (2, 2, "attention"));
    table.push(seen);

    for t in &table {
        eprintln!("{:<50} {:<10} {}", t.name, t.overall, t.headline);
    }
}

/// After an upgrade from openclaw 2026.5.28 to 2026.9.6: `doctor` names the stranded state and
/// the one command that fixes it; after the gateway's own migration, authtray finds the SQLite
/// generation, mirrors into it, and the new gateway reads what it wrote.
#[test]
fn after_a_gateway_upgrade_doctor_names_the_fix_and_sync_follows_the_migration() {
    let Some(bin) = oracle_bin(&OPENCLAW_JSON) else { return };
    let Some(new_bin) = oracle_bin(&authtray_e2e::OPENCLAW_SQLITE) else { return };
    let mut s = Sandbox::new(OPENCLAW_JSON, bin);
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("365d")).code, 0);
    s.write_claude_login(&setup_token('L'), None, now_ms() + 6 * H);
    assert_eq!(s.authtray(&["sync"], None).code, 0);
    // The upgrade: 2026.9.6 is now the `openclaw` on PATH.
    let path = s.home().join("bin");
    std::fs::create_dir_all(&path).expect("bin");
    let new_cli = new_bin.join(authtray_e2e::OPENCLAW_SQLITE.oracle);
    std::os::unix::fs::symlink(&new_cli, path.join("openclaw")).expect("link");
    s.path_prefix = Some(path);
    let doctor = s.authtray(&["doctor", "--json"], None);
    let findings = doctor.json()["findings"].clone();
    let upgraded = findings.as_array().and_then(|f| f.iter().find(|x| x["code"] == "gateway-upgraded")).cloned();
    let upgraded = upgraded.unwrap_or_else(|| panic!("no gateway-upgraded finding: {findings}"));
    assert_eq!(doctor.code, 1);
    assert!(upgraded["fix"].as_str().unwrap_or_default().contains("openclaw doctor --fix"), "{upgraded}");

    // The gateway's own migration.
    // The new gateway's CLI in this HOME.
    let new_gateway = |args: &[&str], within: u64| {
        let mut cmd = std::process::Command::new(&new_cli);
        cmd.args(args).env_clear().env("HOME", s.home()).env("TMPDIR", s.home()).env("PATH", std::env::var_os("PATH").unwrap_or_default());
        authtray_e2e::run(cmd, None, Duration::from_secs(within))
    };
    let out = new_gateway(&["doctor", "--fix", "--non-interactive"], 240);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let st = s.authtray(&["status", "--json"], None).json();
    assert_eq!(st["generation"], "openclaw-sqlite", "{}", st["generationEvidence"]);
    let doctor = s.authtray(&["doctor", "--json"], None).json();
    assert!(!doctor["findings"].to_string().contains("gateway-upgraded"), "{doctor}");
    // The mirror goes into the new store through the new gateway's CLI, which then reads it.
    s.write_claude_login(&setup_token('N'), None, now_ms() + 7 * H);
    let sync = s.authtray(&["sync", "--json"], None);
    assert_eq!(sync.code, 0, "{}", sync.stderr);
    let theirs: Value = serde_json::from_str(&new_gateway(&["models", "status", "--json"], 120).stdout).expect("models status");
    let ids: Vec<&str> =
        theirs["auth"]["oauth"]["profiles"].as_array().into_iter().flatten().filter_map(|p| p["profileId"].as_str()).collect();
    assert!(ids.contains(&"anthropic:manual") && ids.contains(&"anthropic:claude-code"), "{ids:?}");
}
