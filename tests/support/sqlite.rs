//! Scenarios for the SQLite-era gateway (openclaw 2026.6+): authtray reads the databases
//! directly and writes through the gateway's own CLI.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::{authtray_profile, gateway_profile, now_ms, oracle_bin, setup_token, Sandbox, OPENCLAW_SQLITE};

const HOUR: i64 = 3_600_000;
/// The gateway CLI stamps expiries from its own clock, after its start-up (7–11 s here).
const CLI_SLACK_MS: i64 = 60_000;

fn sandbox() -> Option<Sandbox> {
    oracle_bin(&OPENCLAW_SQLITE).map(|bin| Sandbox::new(OPENCLAW_SQLITE, bin))
}

fn no_json_store(s: &Sandbox) {
    for f in ["auth-profiles.json", "auth-state.json"] {
        assert!(!s.agent_dir().join(f).exists(), "{f} must never exist in a SQLite-era install");
    }
}

fn sqlite_files(s: &Sandbox) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in [s.state_dir().join("state"), s.agent_dir()] {
        if let Ok(it) = std::fs::read_dir(dir) {
            v.extend(it.flatten().map(|e| e.path()));
        }
    }
    v.sort();
    v
}

/// The gateway's own paste-token (with and without --expires-in) shows up in `authtray status`.
pub fn gateway_paste_is_read_by_authtray() {
    let Some(s) = sandbox() else { return };
    assert_eq!(s.gateway_paste(&setup_token('G'), "anthropic:claude-code", Some("10h")).code, 0);
    assert_eq!(s.gateway_paste(&setup_token('S'), "anthropic:static", None).code, 0);
    let (theirs, their_code) = s.gateway_status();
    let (ours, our_code) = s.authtray_status();
    assert_eq!(ours["generation"], "openclaw-sqlite");
    assert_eq!(our_code, their_code);
    for id in ["anthropic:claude-code", "anthropic:static"] {
        let (a, g) = (authtray_profile(&ours, id), gateway_profile(&theirs, id));
        assert_eq!((a["type"].as_str(), a["provider"].as_str()), (Some("token"), Some("anthropic")), "{id}");
        assert_eq!(a["expiresAt"].as_i64(), g["expiresAt"].as_i64(), "{id}");
        assert_eq!(a["status"], g["status"], "{id}");
    }
    let exp = authtray_profile(&ours, "anthropic:claude-code")["expiresAt"].as_i64().unwrap_or_default();
    assert!((exp - (now_ms() + 10 * HOUR)).abs() < CLI_SLACK_MS * 2, "expiry about 10 h ahead");
    no_json_store(&s);
}

/// `authtray sync` mirrors through the gateway CLI; the gateway shows the same expiry and
/// `--check` agrees; a second sync changes nothing.
pub fn authtray_sync_is_read_by_gateway() {
    let Some(s) = sandbox() else { return };
    let access = setup_token('C');
    let refresh = format!("sk-ant-ort01-{}", "R".repeat(80));
    let expires = now_ms() + 8 * HOUR;
    s.write_claude_login(&access, Some(&refresh), expires);
    let out = s.authtray(&["sync", "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::assert_no_secret(&out, &access);
    assert_eq!(out.json()["agents"][0]["action"], "create");
    let (theirs, their_code) = s.gateway_status();
    let g = gateway_profile(&theirs, "anthropic:claude-code");
    assert_eq!(g["type"], "token");
    let stored = g["expiresAt"].as_i64().unwrap_or_default();
    assert!((stored - expires).abs() <= CLI_SLACK_MS, "stored expiry {stored} vs Claude Code's {expires}");
    let (ours, our_code) = s.authtray_status();
    assert_eq!(authtray_profile(&ours, "anthropic:claude-code")["expiresAt"].as_i64(), Some(stored));
    assert_eq!((our_code, their_code), (2, 2));
    let again = s.authtray(&["sync", "--json"], None);
    assert_eq!(again.json()["agents"][0]["action"], "unchanged", "{}", again.stderr);
    // The refresh token never reached the gateway.
    let dump = sqlite_files(&s)
        .iter()
        .filter(|p| !p.to_string_lossy().ends_with("-shm"))
        .map(|p| std::fs::read(p).unwrap_or_default())
        .collect::<Vec<_>>();
    assert!(dump.iter().all(|b| !String::from_utf8_lossy(b).contains("sk-ant-ort01-")));
    no_json_store(&s);
}

/// Order set by authtray is what the gateway's `order get` returns, and the reverse.
pub fn order_round_trips() {
    let Some(s) = sandbox() else { return };
    s.gateway_paste(&setup_token('A'), "anthropic:a", Some("30d"));
    let out = s.authtray(
        &["paste-token", "--provider", "anthropic", "--profile-id", "anthropic:b", "--expires-in", "30d"],
        Some(&setup_token('B')),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    s.assert_orders_round_trip();
    let bad = s.authtray(&["order", "set", "--provider", "anthropic", "anthropic:nope"], None);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("not found"), "{}", bad.stderr);
    let clear = s.authtray(&["order", "clear", "--provider", "anthropic"], None);
    assert_eq!(clear.code, 0, "{}", clear.stderr);
    assert_eq!(s.gateway_order(), Value::Null);
    // After all of it: no JSON store, and the gateway loads auth without a migration error.
    no_json_store(&s);
    let status = s.gateway(&["models", "status"], None);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(!status.stderr.contains("AUTH_PROFILE_MIGRATION_REQUIRED"));
}

/// Reads never create `-wal`/`-shm` files of their own, and reading while the gateway CLI
/// writes never fails or shows a half-written state.
pub fn reads_are_passive_and_consistent_under_writes() {
    let Some(s) = sandbox() else { return };
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:a", Some("30d")).code, 0);
    for f in sqlite_files(&s) {
        let n = f.to_string_lossy().into_owned();
        if n.ends_with("-wal") || n.ends_with("-shm") {
            std::fs::remove_file(&f).expect("remove sidecar");
        }
    }
    let before = sqlite_files(&s);
    let (st, _) = s.authtray_status();
    assert_eq!(authtray_profile(&st, "anthropic:a")["type"], "token");
    assert_eq!(sqlite_files(&s), before, "authtray's read created files");

    let writer = {
        let bin = s.bin.join(OPENCLAW_SQLITE.oracle);
        let home = s.home().to_path_buf();
        std::thread::spawn(move || {
            for (i, fill) in ['P', 'Q', 'R'].into_iter().enumerate() {
                let mut c = std::process::Command::new(&bin);
                c.args([
                    "models",
                    "auth",
                    "paste-token",
                    "--provider",
                    "anthropic",
                    "--profile-id",
                    &format!("anthropic:w{i}"),
                    "--expires-in",
                    "2d",
                ])
                .env_clear()
                .env("HOME", &home)
                .env("TMPDIR", &home)
                .env("PATH", std::env::var_os("PATH").unwrap_or_default());
                let out = crate::run(c, Some(&format!("{}\r\n", setup_token(fill))), Duration::from_secs(90));
                assert_eq!(out.code, 0, "gateway paste-token: {}", out.stderr);
            }
        })
    };
    let mut reads = 0;
    let mut seen = 1;
    while !writer.is_finished() {
        let (st, _) = s.authtray_status();
        let agent = &st["agents"][0];
        assert!(agent["error"].is_null(), "read failed during a write: {}", agent["error"]);
        let profiles = agent["profiles"].as_array().cloned().unwrap_or_default();
        assert!(profiles.len() >= seen, "profiles went from {seen} to {}", profiles.len());
        assert!(profiles.iter().all(|p| p["type"] == "token" && p["token"].as_str().is_some_and(|t| t.starts_with("sk-ant-oat01-…"))));
        seen = profiles.len();
        reads += 1;
        std::thread::sleep(Duration::from_millis(30));
    }
    writer.join().expect("writer");
    assert!(reads > 10, "only {reads} reads overlapped the writes");
    let (st, _) = s.authtray_status();
    assert_eq!(st["agents"][0]["profiles"].as_array().map(Vec::len), Some(4));
}

/// Without a gateway CLI, writes fail with a clear message and change nothing.
pub fn missing_cli_is_a_clear_error() {
    let Some(s) = sandbox() else { return };
    s.gateway_paste(&setup_token('A'), "anthropic:a", Some("30d"));
    let before = sqlite_files(&s).iter().map(|p| (p.clone(), std::fs::metadata(p).and_then(|m| m.modified()).ok())).collect::<Vec<_>>();
    let out = s.authtray(&["--gateway-cli", "/nonexistent/openclaw", "paste-token", "--provider", "anthropic"], Some(&setup_token('X')));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("gateway CLI") && out.stderr.contains("/nonexistent/openclaw"), "{}", out.stderr);
    let after = sqlite_files(&s).iter().map(|p| (p.clone(), std::fs::metadata(p).and_then(|m| m.modified()).ok())).collect::<Vec<_>>();
    assert_eq!(before, after);
    no_json_store(&s);
}

/// A stray `auth-profiles.json` breaks this gateway; `authtray doctor` says so and how to fix it.
pub fn doctor_reports_a_stray_json_store() {
    let Some(s) = sandbox() else { return };
    s.gateway_paste(&setup_token('A'), "anthropic:a", Some("30d"));
    s.write_store(
        r#"{"version":1,"profiles":{"anthropic:old":{"type":"token","provider":"anthropic","token":"sk-ant-oat01-OLDOLDOLDOLD"}}}"#,
    );
    let theirs = s.gateway(&["models", "status"], None);
    assert_eq!(theirs.code, 1, "the gateway refuses to load auth with a stray JSON store");
    let doc = s.authtray(&["doctor", "--json"], None);
    assert_eq!(doc.code, 1);
    let findings = doc.json()["findings"].clone();
    assert!(findings.as_array().is_some_and(|f| f.iter().any(|x| x["code"] == "stray-json")), "{findings}");
    // The verdict says so too (the gateway's own check fails): not working, with the one fix.
    let out = s.authtray(&["status", "--json", "--check"], None);
    let v = out.json()["verdict"].clone();
    assert_eq!((out.code, v["overall"].as_str()), (1, Some("broken")), "{v}");
    assert!(v["headline"].as_str().unwrap_or_default().contains("refuses to load its credentials"), "{v}");
    assert_eq!(v["problems"][0]["remedy"]["command"], "openclaw doctor --fix");
}

/// `authtray status --check` gives the gateway's code as the store changes: expired,
/// expiring, static, and an order that puts a static token first.
pub fn check_codes_agree() {
    let Some(s) = sandbox() else { return };
    let compare = |step: &str| {
        let (theirs, their_code) = s.gateway_status();
        let (ours, our_code) = s.authtray_status();
        assert_eq!(our_code, their_code, "{step}: authtray --check {our_code}, gateway {their_code}");
        for p in theirs["auth"]["oauth"]["profiles"].as_array().cloned().unwrap_or_default() {
            let id = p["profileId"].as_str().unwrap_or_default();
            assert_eq!(authtray_profile(&ours, id)["status"], p["status"], "{step}: {id}");
        }
        our_code
    };
    assert_eq!(s.gateway_paste(&setup_token('X'), "anthropic:x", Some("2s")).code, 0);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(compare("only an expired token"), 1);
    assert_eq!(s.gateway_paste(&setup_token('Y'), "anthropic:y", Some("10h")).code, 0);
    assert_eq!(compare("expired and expiring"), 2);
    assert_eq!(s.gateway_paste(&setup_token('Z'), "anthropic:z", None).code, 0);
    compare("expired, expiring and static");
    let out = s.authtray(&["order", "set", "--provider", "anthropic", "anthropic:z", "anthropic:y"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(compare("static token first in the order"), 0);
}
