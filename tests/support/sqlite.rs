//! Scenarios for the SQLite-era gateway (openclaw 2026.6+): authtray reads the databases
//! directly, and writes them directly where their layout is the one proven here (2026.9.6),
//! else through the gateway's own CLI.

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

/// A paste does not need the gateway's CLI on 2026.9.6 (the direct writer stores it); an order
/// for an agent whose database only the gateway can create does, and without one it fails with
/// a clear message and changes nothing.
pub fn missing_cli_is_a_clear_error() {
    let Some(s) = sandbox() else { return };
    s.gateway_paste(&setup_token('A'), "anthropic:a", Some("30d"));
    let no_cli = "/nonexistent/openclaw";
    let out = s.authtray(
        &["--gateway-cli", no_cli, "paste-token", "--json", "--provider", "anthropic", "--profile-id", "anthropic:b"],
        Some(&setup_token('X')),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["writer"], "direct");
    assert!(!s.agent_dir().join("openclaw-agent.sqlite").exists(), "the gateway's paste creates no agent database");
    let before = sqlite_files(&s).iter().map(|p| (p.clone(), std::fs::metadata(p).and_then(|m| m.modified()).ok())).collect::<Vec<_>>();
    let out = s.authtray(&["--gateway-cli", no_cli, "order", "set", "--provider", "anthropic", "anthropic:b", "anthropic:a"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("gateway CLI") && out.stderr.contains(no_cli), "{}", out.stderr);
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

/// Tables and `config_machine_state` rows that every gateway CLI start or config write changes
/// on its own (plugin index, migrations stamp, config audit and health, agent database
/// registry), which an auth write does not: left out of the comparison.
const CLI_NOISE_TABLES: [&str; 4] = ["schema_meta", "config_health_entries", "diagnostic_events", "agent_databases"];
const CLI_NOISE_KEYS: [&str; 2] = ["plugins.installedIndex", "config.lastTouchedAt"];

/// Every row of every table of the gateway's databases in a HOME (the quarantine database
/// aside), sorted, with JSON cells parsed, timestamp columns left out and each `expires`
/// replaced by a marker (the two writers' clocks differ by the CLI's start-up); the expiries
/// are returned apart, by profile id.
fn dump(s: &Sandbox) -> (std::collections::BTreeMap<String, Vec<Value>>, std::collections::BTreeMap<String, i64>) {
    use rusqlite::types::ValueRef;
    let mut tables = std::collections::BTreeMap::new();
    let mut expiries = std::collections::BTreeMap::new();
    let dbs = [s.state_dir().join("state/openclaw.sqlite"), s.agent_dir().join("openclaw-agent.sqlite")];
    for db in dbs.iter().filter(|p| p.exists()) {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        let c = rusqlite::Connection::open_with_flags(db, flags).expect("open");
        let names: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .and_then(|mut st| st.query_map([], |r| r.get(0)).and_then(Iterator::collect))
            .expect("tables");
        for name in names.into_iter().filter(|n| !CLI_NOISE_TABLES.contains(&n.as_str())) {
            let mut st = c.prepare(&format!("SELECT * FROM \"{name}\"")).expect("select");
            let cols: Vec<String> = st.column_names().map(str::to_string).collect();
            let mut rows: Vec<Value> = st
                .query_map([], |r| {
                    let mut row = serde_json::Map::new();
                    for (i, col) in cols.iter().enumerate() {
                        if col.ends_with("_at") || col.ends_with("_at_ms") || col.ends_with("_ms") && col.contains("time") {
                            continue;
                        }
                        let v = match r.get_ref(i)? {
                            ValueRef::Null => Value::Null,
                            ValueRef::Integer(n) => Value::from(n),
                            ValueRef::Real(f) => Value::from(f),
                            ValueRef::Text(t) => {
                                let t = String::from_utf8_lossy(t).into_owned();
                                match serde_json::from_str::<Value>(&t) {
                                    Ok(j @ (Value::Object(_) | Value::Array(_))) => j,
                                    _ => Value::String(t),
                                }
                            }
                            ValueRef::Blob(b) => Value::String(format!("<{} bytes>", b.len())),
                        };
                        row.insert(col.clone(), v);
                    }
                    Ok(Value::Object(row))
                })
                .and_then(Iterator::collect)
                .expect("rows");
            rows.retain(|r| !CLI_NOISE_KEYS.iter().any(|k| r["state_key"] == *k));
            for r in &mut rows {
                for cell in r.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                    if let Some(profiles) = cell.get_mut("profiles").and_then(Value::as_object_mut) {
                        for (id, p) in profiles.iter_mut() {
                            if let Some(e) = p.get_mut("expires") {
                                expiries.insert(id.clone(), e.as_i64().unwrap_or_default());
                                *e = Value::from("<expires>");
                            }
                        }
                    }
                }
            }
            rows.sort_by_key(|r| r.to_string());
            let file = db.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            tables.insert(format!("{file}:{name}"), rows);
        }
    }
    (tables, expiries)
}

/// The gateway's CLI on copy A and authtray's direct writer on copy B leave the same rows in
/// every table (timestamps and the CLI's own start-up bookkeeping aside), expiries within the
/// CLI's start-up of each other, and the same `auth` section in the config.
fn assert_same_rows(step: &str, theirs: &Sandbox, ours: &Sandbox) {
    let ((a, a_exp), (b, b_exp)) = (dump(theirs), dump(ours));
    let auth_rows = a
        .get("openclaw.sqlite:config_machine_state")
        .map_or(0, |rows| rows.iter().filter(|r| r["state_key"].as_str().is_some_and(|k| k.starts_with("authProfiles."))).count());
    assert!(auth_rows >= 1 && a.contains_key("openclaw-agent.sqlite:auth_profile_store"), "{step}: the dump holds the auth rows");
    eprintln!("{step}: {} tables compared, {} rows", a.len(), a.values().map(Vec::len).sum::<usize>());
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let differing: Vec<&&String> = keys.iter().filter(|k| a.get(**k) != b.get(**k)).collect();
    for k in &differing {
        eprintln!("{step}: {k}\n  gateway CLI: {}\n  authtray:    {}", redact(&a.get(**k)), redact(&b.get(**k)));
    }
    assert!(differing.is_empty(), "{step}: the tables differ: {differing:?}");
    assert_eq!(a_exp.keys().collect::<Vec<_>>(), b_exp.keys().collect::<Vec<_>>(), "{step}: which profiles expire");
    for (id, e) in &a_exp {
        assert!((e - b_exp[id]).abs() < CLI_SLACK_MS, "{step}: {id} expires at {e} (gateway) and {} (authtray)", b_exp[id]);
    }
    assert_eq!(theirs.config()["auth"], ours.config()["auth"], "{step}: the config's auth section");
}

fn redact(v: &Option<&Vec<Value>>) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("sk-ant-") {
        out.push_str(&rest[..i + 13]);
        rest = &rest[i + 13..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
        out.push('…');
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The differential test of the direct writer: each operation runs through the gateway's own
/// CLI on one copy of an install and through authtray on another, and both leave the same rows
/// behind; the gateway's own `models status` and `order get` read both copies the same.
pub fn direct_writes_equal_the_gateways_own() {
    let Some(base) = sandbox() else { return };
    assert_eq!(base.gateway_paste(&setup_token('A'), "anthropic:a", Some("30d")).code, 0);
    // A token stored without an expiry, as the gateway's own paste-token stores it.
    let no_expiry = setup_token('S');
    assert_eq!(base.gateway_paste(&no_expiry, "anthropic:s", None).code, 0);
    let made = base.gateway(&["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:a"], None);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let (theirs, ours) = (base.copy(), base.copy());
    let authtray = |args: &[&str], stdin: Option<&str>| {
        let out = ours.authtray(args, stdin);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        let doc = out.json();
        assert_eq!(doc["writer"], "direct", "{args:?}: {doc}");
        doc
    };
    let gateway = |args: &[&str], stdin: Option<&str>| {
        let out = theirs.gateway(args, stdin);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    };

    let b = setup_token('B');
    gateway(
        &["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:b", "--expires-in", "30d"],
        Some(&format!("{b}\n")),
    );
    authtray(&["paste-token", "--json", "--provider", "anthropic", "--profile-id", "anthropic:b", "--expires-in", "30d"], Some(&b));
    assert_same_rows("paste a token", &theirs, &ours);

    gateway(&["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:b", "anthropic:a"], None);
    authtray(&["order", "set", "--json", "--provider", "anthropic", "anthropic:b", "anthropic:a"], None);
    assert_same_rows("order set", &theirs, &ours);

    // Setting an expiry: the gateway's way is a paste of the same token with one.
    gateway(
        &["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:s", "--expires-in", "30d"],
        Some(&format!("{no_expiry}\n")),
    );
    authtray(&["set-expiry", "--json", "anthropic:s", "30d"], None);
    assert_same_rows("set an expiry", &theirs, &ours);

    // The mirror, through the gateway's paste-token (authtray's CLI writer) on A and directly on B.
    let mirror = |fill: char, hours: i64| {
        let access = setup_token(fill);
        for s in [&theirs, &ours] {
            s.write_claude_login(&access, Some(&format!("sk-ant-ort01-{}", "R".repeat(80))), now_ms() + hours * HOUR);
        }
        let mut cli = theirs.authtray_command(&["sync", "--json"]);
        cli.env("AUTHTRAY_GATEWAY_CLI", theirs.bin.join(OPENCLAW_SQLITE.oracle)).env("AUTHTRAY_SQLITE_WRITER", "cli");
        let out = crate::run(cli, None, Duration::from_secs(90));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.json()["agents"][0]["writer"], "cli", "{}", out.stdout);
        let doc = ours.authtray(&["sync", "--json"], None).json();
        assert_eq!(doc["agents"][0]["writer"], "direct", "{doc}");
        doc["agents"][0]["action"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(mirror('C', 8), "create");
    assert_same_rows("mirror created", &theirs, &ours);
    assert_eq!(mirror('D', 10), "update");
    assert_same_rows("mirror updated", &theirs, &ours);

    gateway(&["models", "auth", "order", "clear", "--provider", "anthropic"], None);
    authtray(&["order", "clear", "--json", "--provider", "anthropic"], None);
    assert_same_rows("order clear", &theirs, &ours);

    // What the gateway itself reads from both.
    let status = |s: &Sandbox| {
        let mut doc = s.gateway_status().0["auth"]["oauth"]["profiles"].clone();
        for p in doc.as_array_mut().into_iter().flatten() {
            if let Some(o) = p.as_object_mut() {
                o.retain(|k, _| !["expiresAt", "remainingMs", "label"].contains(&k.as_str()));
            }
        }
        doc
    };
    assert_eq!(status(&theirs), status(&ours), "the gateway's models status reads both copies the same");
    assert_eq!(theirs.gateway_order(), ours.gateway_order());

    // An API key: the gateway's paste-api-key also puts it first in a config order it creates
    // (`auth.order`), which authtray does not (that order would then own the priority, and
    // refuse every later `order set` of the gateway's own RPC); the store rows are the same.
    let key = format!("sk-ant-api03-{}", "K".repeat(90));
    gateway(&["models", "auth", "paste-api-key", "--provider", "anthropic", "--profile-id", "anthropic:k"], Some(&format!("{key}\n")));
    authtray(&["paste-token", "--json", "--provider", "anthropic", "--profile-id", "anthropic:k"], Some(&key));
    let mut their_config = theirs.config();
    assert_eq!(their_config["auth"]["order"]["anthropic"][0], "anthropic:k");
    if let Some(a) = their_config["auth"].as_object_mut() {
        a.remove("order");
    }
    theirs.write_config(&their_config);
    assert_same_rows("paste an API key", &theirs, &ours);
}

/// `set-expiry` on a token the gateway stored without one, through each writer: the gateway
/// reports the expiry recorded; a date in the past is refused and no file changes.
pub fn set_expiry_is_read_by_gateway() {
    let Some(s) = sandbox() else { return };
    let tok = setup_token('E');
    assert_eq!(s.gateway_paste(&tok, "anthropic:manual", None).code, 0);
    assert_eq!(s.gateway_paste(&setup_token('F'), "anthropic:second", None).code, 0);
    let (ours, _) = s.authtray_status();
    assert!(authtray_profile(&ours, "anthropic:manual")["expiresAt"].is_null());

    let files = |s: &Sandbox| sqlite_files(s).into_iter().map(|p| std::fs::read(p).unwrap_or_default()).collect::<Vec<_>>();
    let before = files(&s);
    let out = s.authtray(&["set-expiry", "anthropic:manual", "2020-01-01"], None);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("not in the future"), "{}", out.stderr);
    assert_eq!(files(&s), before, "a refused date changed the databases");

    // Through the gateway's own CLI (the writer for layouts authtray does not know).
    let mut cli = s.authtray_command(&["set-expiry", "--json", "anthropic:manual", "30d"]);
    cli.env("AUTHTRAY_GATEWAY_CLI", s.bin.join(OPENCLAW_SQLITE.oracle)).env("AUTHTRAY_SQLITE_WRITER", "cli");
    let out = crate::run(cli, None, Duration::from_secs(90));
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::assert_no_secret(&out, &tok);
    let doc = out.json();
    assert_eq!(doc["writer"], "cli", "{doc}");
    let (theirs, _) = s.gateway_status();
    let stored = gateway_profile(&theirs, "anthropic:manual")["expiresAt"].as_i64().unwrap_or_default();
    assert_eq!(doc["expiresAt"].as_i64(), Some(stored), "the report says what the gateway's CLI stored: {doc}");
    let asked = now_ms() + 30 * 24 * HOUR;
    assert!(stored <= asked && asked - stored < CLI_SLACK_MS * 2, "a little early, never late: {stored} for {asked}");

    // Directly.
    let out = s.authtray(&["set-expiry", "--json", "anthropic:second", "60d"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["writer"], "direct", "{doc}");
    let (theirs, _) = s.gateway_status();
    assert_eq!(gateway_profile(&theirs, "anthropic:second")["expiresAt"], doc["expiresAt"], "the gateway reads the expiry");
    assert_eq!(gateway_profile(&theirs, "anthropic:second")["status"], "ok");
    // A recorded expiry stands: another date is refused, and no row changes (the refusal comes
    // inside the writer's transaction, which is rolled back; closing the database may still
    // checkpoint its WAL, so the files' bytes are not the measure here).
    let before = dump(&s);
    let out = s.authtray(&["set-expiry", "anthropic:second", "300d"], None);
    assert!(out.code != 0 && out.stderr.contains("already records"), "{}", out.stderr);
    assert_eq!(dump(&s), before, "a refused date changed the databases' rows");
    no_json_store(&s);
}
