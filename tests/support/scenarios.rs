//! Compatibility scenarios run against each JSON-era gateway: what one side writes, the other
//! reads identically; locks exclude both ways; nothing is lost.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{authtray_bin, authtray_profile, gateway_profile, now_ms, oracle_bin, run, setup_token, Gateway, Sandbox};

const HOUR: i64 = 3_600_000;

fn sandbox(gw: Gateway) -> Option<Sandbox> {
    oracle_bin(&gw).map(|bin| Sandbox::new(gw, bin))
}

fn bytes(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

/// Lists files in the agent dir (to spot leftover locks and temp files).
fn agent_files(s: &Sandbox) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(s.agent_dir())
        .map(|it| it.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The gateway's own paste-token is read back identically by `authtray status`.
pub fn gateway_paste_is_read_by_authtray(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    let tok = setup_token('G');
    s.gateway_paste(&tok, "anthropic:claude-code", Some("10h"));
    s.gateway_paste(&setup_token('S'), "anthropic:static", None);
    let store = s.store();
    let expires = store["profiles"]["anthropic:claude-code"]["expires"].as_i64().expect("the gateway stored an expiry");
    assert!(store["profiles"]["anthropic:static"].is_object(), "the gateway saved the second token");

    let out = s.authtray(&["status", "--json", "--check"], None);
    crate::assert_no_secret(&out, &tok);
    let ours = out.json();
    assert_eq!(ours["generation"], gw.generation);
    let p = authtray_profile(&ours, "anthropic:claude-code");
    assert_eq!((p["type"].as_str(), p["provider"].as_str(), p["expiresAt"].as_i64()), (Some("token"), Some("anthropic"), Some(expires)));
    let st = authtray_profile(&ours, "anthropic:static");
    assert_eq!((st["status"].as_str(), st["expiresAt"].is_null()), (Some("static"), true));

    let (theirs, their_code) = s.gateway_status();
    assert_eq!(
        ours["gatewayCheck"].as_i64(),
        Some(i64::from(their_code)),
        "gatewayCheck: ours {} vs the gateway's {their_code}",
        ours["gatewayCheck"]
    );
    for id in ["anthropic:claude-code", "anthropic:static"] {
        let g = gateway_profile(&theirs, id);
        let a = authtray_profile(&ours, id);
        assert_eq!(a["status"], g["status"], "{id} status");
        assert_eq!(a["expiresAt"].as_i64(), g["expiresAt"].as_i64(), "{id} expiresAt");
        assert_eq!(a["type"], g["type"], "{id} type");
    }
}

/// `authtray sync` writes the mirror the gateway reads with the same expiry and `--check`.
pub fn authtray_sync_is_read_by_gateway(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    let access = setup_token('C');
    let refresh = format!("sk-ant-ort01-{}", "R".repeat(80));
    let expires = now_ms() + 8 * HOUR;
    s.write_claude_login(&access, Some(&refresh), expires);
    let out = s.authtray(&["--generation", gw.generation, "sync", "--json"], None);
    assert_eq!(out.code, 0, "sync failed: {}", out.stderr);
    crate::assert_no_secret(&out, &access);
    crate::assert_no_secret(&out, &refresh);
    let report = out.json();
    assert_eq!(report["agents"][0]["action"], "create");
    assert_eq!(report["agents"][0]["profileId"], gw.mirror_id);

    let stored = s.store()["profiles"][gw.mirror_id].clone();
    assert_eq!(stored["expires"].as_i64(), Some(expires));
    assert_eq!(stored["provider"], "anthropic");
    let raw = String::from_utf8(bytes(&s.store_path())).unwrap_or_default();
    if gw.generation == "clawdbot" {
        // Exactly what clawdbot's own Claude Code sync writes.
        assert_eq!(stored, json!({"type":"oauth","provider":"anthropic","access":access,"refresh":refresh,"expires":expires}));
    } else {
        assert_eq!(stored, json!({"type":"token","provider":"anthropic","token":access,"expires":expires}));
        assert!(!raw.contains("sk-ant-ort01-"), "the refresh token must never reach an openclaw store");
    }
    let before = bytes(&s.store_path());

    let (theirs, their_code) = s.gateway_status();
    let g = gateway_profile(&theirs, gw.mirror_id);
    assert_eq!(g["expiresAt"].as_i64(), Some(expires));
    assert_eq!(g["status"], "expiring");
    let (ours, our_code) = s.authtray_status();
    assert_eq!(our_code, their_code);
    assert_eq!(our_code, 2, "a mirrored Claude Code token is always 'expiring'");
    assert_eq!(authtray_profile(&ours, gw.mirror_id)["status"], g["status"]);
    if gw.generation == "clawdbot" {
        assert_eq!(bytes(&s.store_path()), before, "clawdbot's own sync found our mirror identical and left it alone");
    }

    // In sync: nothing is written.
    let again = s.authtray(&["--generation", gw.generation, "sync", "--json"], None);
    assert_eq!(again.json()["agents"][0]["action"], "unchanged");
    assert_eq!(bytes(&s.store_path()), before);

    // Claude Code rotated: the newer token replaces the mirror.
    let newer = now_ms() + 9 * HOUR;
    s.write_claude_login(&setup_token('D'), Some(&refresh), newer);
    let upd = s.authtray(&["sync", "--json"], None);
    assert_eq!(upd.json()["agents"][0]["action"], "update", "{}", upd.stderr);
    let (theirs, _) = s.gateway_status();
    assert_eq!(gateway_profile(&theirs, gw.mirror_id)["expiresAt"].as_i64(), Some(newer));
}

/// `authtray paste-token` is read back by the gateway, registered in the config like its own.
pub fn authtray_paste_is_read_by_gateway(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    let tok = setup_token('P');
    let out = s.authtray(
        &[
            "--generation",
            gw.generation,
            "paste-token",
            "--provider",
            "anthropic",
            "--profile-id",
            "anthropic:pasted",
            "--expires-in",
            "10h",
            "--json",
        ],
        Some(&format!("{tok}\n")),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::assert_no_secret(&out, &tok);
    let expires = out.json()["expiresAt"].as_i64().expect("expiry reported");
    assert_eq!(s.config()["auth"]["profiles"]["anthropic:pasted"], json!({"provider":"anthropic","mode":"token"}));

    let (theirs, their_code) = s.gateway_status();
    let g = gateway_profile(&theirs, "anthropic:pasted");
    assert_eq!((g["type"].as_str(), g["expiresAt"].as_i64()), (Some("token"), Some(expires)));
    let (_, our_code) = s.authtray_status();
    assert_eq!((our_code, their_code), (2, 2));

    // A setup-token without --expires-in gets a year, so reminders work; the gateway agrees it is ok.
    let year = s.authtray(&["paste-token", "--provider", "anthropic", "--json"], Some(&setup_token('Y')));
    assert_eq!(year.code, 0, "{}", year.stderr);
    let y = year.json();
    assert_eq!(y["profileId"], "anthropic:manual");
    assert!(y["expiryAssumed"].as_bool().unwrap_or(false));
    let (theirs, _) = s.gateway_status();
    let g = gateway_profile(&theirs, "anthropic:manual");
    assert_eq!((g["status"].as_str(), g["expiresAt"].as_i64()), (Some("ok"), y["expiresAt"].as_i64()));

    // Bad input: a clear message, nothing written.
    let before = bytes(&s.store_path());
    for (bad, needle) in
        [("sk-ant-oat01-short", "too short"), ("", "empty"), (&*format!("sk-ant-ort01-{}", "R".repeat(80)), "refresh token")]
    {
        let out = s.authtray(&["paste-token", "--provider", "anthropic"], Some(bad));
        assert_eq!(out.code, 64, "{bad:?} was accepted");
        assert!(out.stderr.contains(needle), "{bad:?}: {}", out.stderr);
        assert_eq!(bytes(&s.store_path()), before);
    }
}

/// Order overrides round-trip in both directions, with the gateway's validation.
pub fn order_round_trips(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    s.gateway_paste(&setup_token('A'), "anthropic:a", Some("30d"));
    s.gateway_paste(&setup_token('B'), "anthropic:b", Some("30d"));
    assert!(s.store()["profiles"]["anthropic:b"].is_object());
    s.assert_orders_round_trip();

    // Same validation as the gateway: unknown ids are refused by both.
    let before = bytes(&s.store_path());
    let ours = s.authtray(&["order", "set", "--provider", "anthropic", "anthropic:nope"], None);
    let theirs = s.gateway(&["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:nope"], None);
    assert_eq!((ours.code, theirs.code), (1, 1));
    assert!(ours.stderr.contains("anthropic:nope") && ours.stderr.contains("not found"), "{}", ours.stderr);
    assert_eq!(bytes(&s.store_path()), before);
    let wrong = s.authtray(&["order", "set", "--provider", "openai", "anthropic:a"], None);
    assert_eq!(wrong.code, 64, "a profile of another provider is the caller's mistake");

    let out = s.authtray(&["order", "clear", "--provider", "anthropic"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(s.gateway_order(), Value::Null);
    assert!(!s.agent_dir().join("auth-state.json").exists(), "an empty auth-state.json is deleted, as the gateway does");
}

/// Fields authtray does not understand survive every write it makes, and the gateway still reads the store.
pub fn unknown_fields_survive(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    let key = format!("sk-ant-api03-{}", "K".repeat(90));
    let store = json!({
        "version": 1,
        "profiles": { "anthropic:keep": { "type": "api_key", "provider": "anthropic", "key": key, "note": "mine", "metadata": {"team": "x"} } },
        "usageStats": { "anthropic:keep": { "lastUsed": 1795300000000_i64, "errorCount": 0, "failureCounts": {"auth": 1} } },
        "lastGood": { "anthropic": "anthropic:keep" },
        "customTop": { "z": [1, 2, 3] }
    });
    s.write_store(&serde_json::to_string_pretty(&store).unwrap_or_default());
    s.write_claude_login(&setup_token('C'), None, now_ms() + 8 * HOUR);
    let steps: [(&[&str], Option<String>); 3] = [
        (
            &["--generation", gw.generation, "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:new"],
            Some(setup_token('N')),
        ),
        (&["--generation", gw.generation, "sync"], None),
        (&["--generation", gw.generation, "order", "set", "--provider", "anthropic", "anthropic:keep", "anthropic:new"], None),
    ];
    for (args, stdin) in steps {
        let out = s.authtray(args, stdin.as_deref());
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        let now = s.store();
        assert_eq!(now["customTop"], store["customTop"], "after {args:?}");
        assert_eq!(now["profiles"]["anthropic:keep"], store["profiles"]["anthropic:keep"], "after {args:?}");
        assert_eq!(now["usageStats"], store["usageStats"], "after {args:?}");
        assert_eq!(now["lastGood"], store["lastGood"], "after {args:?}");
        assert_eq!(
            std::fs::metadata(s.store_path()).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777).ok(),
            Some(0o600)
        );
    }
    let (theirs, _) = s.gateway_status();
    let labels = theirs["auth"]["providers"][0]["profiles"]["count"].as_i64();
    assert_eq!(labels, Some(3), "the gateway sees all three profiles");
}

/// A token the gateway's own paste-token stored without an expiry reads "expiry unknown";
/// `authtray set-expiry` records one that the gateway itself then reports, keeping every other
/// field; a past date, an API key and an unknown profile are refused with the file untouched.
pub fn set_expiry_is_read_by_gateway(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    let tok = setup_token('E');
    assert_eq!(s.gateway_paste(&tok, "anthropic:manual", None).code, 0);
    let mut store = s.store();
    assert!(store["profiles"]["anthropic:manual"]["expires"].is_null(), "the gateway stored no expiry: {}", store["profiles"]);
    // A field of the gateway's future, and a key, beside it.
    store["profiles"]["anthropic:manual"]["note"] = json!("mine");
    store["profiles"]["anthropic:key"] =
        json!({"type": "api_key", "provider": "anthropic", "key": format!("sk-ant-api03-{}", "K".repeat(90))});
    store["profiles"]["anthropic:login"] = json!({"type": "oauth", "provider": "anthropic", "access": setup_token('O'), "refresh": format!("sk-ant-ort01-{}", "R".repeat(80)), "expires": now_ms() + 8 * HOUR});
    s.write_store(&serde_json::to_string_pretty(&store).unwrap_or_default());
    let (doc, _) = s.authtray_status();
    let row = doc["verdict"]["rows"].as_array().and_then(|r| r.iter().find(|r| r["profileId"] == "anthropic:manual")).cloned();
    assert!(row.as_ref().is_some_and(|r| r["note"].as_str().is_some_and(|n| n.contains("expiry unknown"))), "{row:?}");

    let before = bytes(&s.store_path());
    let typed_token = setup_token('T');
    for (args, says) in [
        (["anthropic:manual", "2020-01-01"], "not in the future"),
        (["anthropic:manual", "2035-01-01"], "more than five years away"),
        (["anthropic:key", "30d"], "does not expire"),
        (["anthropic:login", "30d"], "comes with the login"),
        (["anthropic:nope", "30d"], "anthropic:nope"),
        (["anthropic:manual", "2027-02-30"], "not a date"),
        ([typed_token.as_str(), "30d"], "not a profile id"),
    ] {
        let out = s.authtray(&["--generation", gw.generation, "set-expiry", args[0], args[1]], None);
        assert_ne!(out.code, 0, "{args:?} was taken");
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
        crate::assert_no_secret(&out, &typed_token);
        assert_eq!(bytes(&s.store_path()), before, "{args:?} changed the store");
    }

    // A date: that day's local midnight.
    let day = local(&["-d", "+30 days", "+%F"]);
    let midnight = local(&["-d", &format!("{day} 00:00"), "+%s"]).parse::<i64>().unwrap_or_default() * 1000;
    let out = s.authtray(&["--generation", gw.generation, "set-expiry", "anthropic:manual", &day, "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::assert_no_secret(&out, &tok);
    let set = out.json();
    assert_eq!((set["changed"].as_bool(), set["expiresAt"].as_i64()), (Some(true), Some(midnight)), "{set}");
    let after = s.store();
    assert_eq!(after["profiles"]["anthropic:manual"]["expires"].as_i64(), Some(midnight));
    assert_eq!(after["profiles"]["anthropic:manual"]["token"], json!(tok), "the token itself is kept");
    assert_eq!(after["profiles"]["anthropic:manual"]["note"], json!("mine"), "unknown fields are kept");
    assert_eq!(after["profiles"]["anthropic:key"], store["profiles"]["anthropic:key"]);
    assert_eq!(
        std::fs::metadata(s.store_path()).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777).ok(),
        Some(0o600)
    );
    let (theirs, _) = s.gateway_status();
    assert_eq!(gateway_profile(&theirs, "anthropic:manual")["expiresAt"].as_i64(), Some(midnight), "the gateway reads the expiry");
    let (ours, _) = s.authtray_status();
    assert_eq!(authtray_profile(&ours, "anthropic:manual")["expiresAt"].as_i64(), Some(midnight));

    // The same again changes nothing; another date is refused (the recorded one stands).
    let written = bytes(&s.store_path());
    let again = s.authtray(&["--generation", gw.generation, "set-expiry", "anthropic:manual", &day, "--json"], None);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["changed"], false, "{}", again.stdout);
    let other = s.authtray(&["--generation", gw.generation, "set-expiry", "anthropic:manual", "300d"], None);
    assert_ne!(other.code, 0);
    assert!(other.stderr.contains("already records when it runs out"), "{}", other.stderr);
    assert_eq!(bytes(&s.store_path()), written, "nothing was written again");
}

/// What GNU `date` prints for these arguments, in the local time zone authtray reads too.
fn local(args: &[&str]) -> String {
    let out = std::process::Command::new("date").args(args).output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default()
}

fn authtray_cmd(s: &Sandbox, args: &[&str]) -> Command {
    let mut c = Command::new(authtray_bin());
    c.args(args).env_clear().env("HOME", s.home()).env("TMPDIR", s.home()).env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c
}

/// While authtray holds the store lock, the gateway's locked writer waits; both changes land.
pub fn our_lock_makes_the_gateway_wait(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    s.gateway_paste(&setup_token('A'), "anthropic:a", Some("30d"));
    assert!(s.store_path().exists());
    let lock = s.agent_dir().join("auth-profiles.json.lock");
    let mut holder = authtray_cmd(&s, &["paste-token", "--provider", "anthropic", "--profile-id", "anthropic:ours"]);
    holder.env("AUTHTRAY_TEST_PAUSE_AT", "after-lock").env("AUTHTRAY_TEST_PAUSE_MS", "7000");
    let ours = std::thread::spawn(move || (run(holder, Some(&setup_token('O')), Duration::from_secs(60)), ()));
    let t0 = Instant::now();
    while !lock.exists() {
        assert!(t0.elapsed() < Duration::from_secs(5), "authtray never took the lock");
        std::thread::sleep(Duration::from_millis(5));
    }
    // When authtray's lock goes away, watched at 1 ms; the gateway cannot finish before that.
    let released = {
        let lock = lock.clone();
        std::thread::spawn(move || {
            while lock.exists() {
                std::thread::sleep(Duration::from_millis(1));
            }
            Instant::now()
        })
    };
    let theirs = s.gateway(&["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:a"], None);
    let their_end = Instant::now();
    let (ours, _) = ours.join().expect("holder thread");
    let released_at = released.join().expect("watcher");
    assert_eq!(ours.code, 0, "{}", ours.stderr);
    assert_eq!(theirs.code, 0, "the gateway gave up: {}", theirs.stderr);
    assert!(their_end > released_at, "the gateway's locked writer finished while authtray held the lock");
    assert!(released_at.duration_since(t0) >= Duration::from_secs(6), "authtray released its lock early");
    assert!(s.store()["profiles"]["anthropic:ours"].is_object(), "authtray's profile survived the gateway's write");
    assert_eq!(s.gateway_order(), json!(["anthropic:a"]));
    assert!(!lock.exists());
}

/// A lock held by a live gateway-style holder: authtray waits, then fails cleanly without writing.
pub fn live_holder_makes_us_fail_cleanly(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    s.write_store("{\n  \"version\": 1,\n  \"profiles\": {}\n}\n");
    let before = bytes(&s.store_path());
    let lock = s.agent_dir().join("auth-profiles.json.lock");
    let mut sleeper = Command::new("sleep").arg("60").spawn().expect("sleep");
    if gw.generation == "clawdbot" {
        std::fs::create_dir(&lock).expect("lock dir");
    } else {
        let body = json!({"pid": sleeper.id(), "createdAt": "2020-01-01T00:00:00.000Z"});
        std::fs::write(&lock, body.to_string()).expect("lock file");
    }
    let t0 = Instant::now();
    let out = s.authtray(&["--lock-timeout", "1500ms", "paste-token", "--provider", "anthropic"], Some(&setup_token('L')));
    let waited = t0.elapsed();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(out.code, 1);
    assert!(waited >= Duration::from_millis(1400), "authtray did not wait ({waited:?})");
    assert!(out.stderr.contains("auth-profiles.json.lock") && out.stderr.contains("held by"), "{}", out.stderr);
    if gw.generation != "clawdbot" {
        assert!(out.stderr.contains(&format!("pid {}", sleeper.id())), "{}", out.stderr);
    }
    assert_eq!(bytes(&s.store_path()), before, "nothing was written");
    assert!(lock.exists(), "someone else's live lock is never removed");
}

/// A stale lock (old directory mtime / dead pid) is reclaimed by the next writer.
pub fn stale_lock_is_reclaimed(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    s.write_store("{\n  \"version\": 1,\n  \"profiles\": {}\n}\n");
    let lock = s.agent_dir().join("auth-profiles.json.lock");
    if gw.generation == "clawdbot" {
        std::fs::create_dir(&lock).expect("lock dir");
        let old = std::time::SystemTime::now() - Duration::from_secs(120);
        std::fs::File::open(&lock).and_then(|f| f.set_modified(old)).expect("age the lock");
    } else {
        let mut gone = Command::new("true").spawn().expect("true");
        let pid = gone.id();
        let _ = gone.wait();
        std::fs::write(&lock, json!({"pid": pid, "createdAt": "2026-11-22T00:00:00.000Z"}).to_string()).expect("lock file");
    }
    let out = s.authtray(
        &["--generation", gw.generation, "paste-token", "--provider", "anthropic", "--expires-in", "1d"],
        Some(&setup_token('R')),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(s.store()["profiles"]["anthropic:manual"].is_object());
    assert!(!lock.exists());
    // And the gateway's locked writer works afterwards.
    let g = s.gateway(&["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:manual"], None);
    assert_eq!(g.code, 0, "{}", g.stderr);
}

/// A store that does not parse is never written, by any command; the message names it.
pub fn malformed_store_is_left_untouched(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    let broken = "{\n  \"version\": 1,\n  \"profiles\": {},\n}\n";
    s.write_store(broken);
    s.write_claude_login(&setup_token('C'), None, now_ms() + 8 * HOUR);
    let files = agent_files(&s);
    let g = ["--generation", gw.generation];
    let cmds: [(Vec<&str>, Option<String>); 4] = [
        ([&g[..], &["sync"]].concat(), None),
        ([&g[..], &["sync", "--json"]].concat(), None),
        ([&g[..], &["paste-token", "--provider", "anthropic"]].concat(), Some(setup_token('M'))),
        ([&g[..], &["order", "set", "--provider", "anthropic", "anthropic:claude-code"]].concat(), None),
    ];
    for (args, stdin) in cmds {
        let out = s.authtray(&args, stdin.as_deref());
        assert_eq!(out.code, 1, "{args:?} succeeded on a malformed store");
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains("auth-profiles.json") && all.contains("cannot parse"), "{args:?}: {all}");
        assert_eq!(std::fs::read_to_string(s.store_path()).unwrap_or_default(), broken);
        assert_eq!(agent_files(&s), files, "no lock or temp file left behind");
    }
    let (status, code) = s.authtray_status();
    assert_eq!(code, 1);
    assert!(status["agents"][0]["error"].as_str().unwrap_or_default().contains("cannot parse"));
}

/// A fresh state dir: the gateway CLI on PATH decides the generation; without one, writes are refused.
pub fn generation_comes_from_the_cli_on_path(gw: Gateway) {
    let Some(mut s) = sandbox(gw) else { return };
    let refused = s.authtray(&["paste-token", "--provider", "anthropic"], Some(&setup_token('F')));
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("cannot tell which gateway version") && refused.stderr.contains("--generation"), "{}", refused.stderr);
    assert!(!s.store_path().exists(), "nothing written when the generation is unknown");

    let bin = s.home().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::os::unix::fs::symlink(s.bin.join(gw.oracle), bin.join(gw.cli_name)).expect("link");
    s.path_prefix = Some(bin);
    let (status, _) = s.authtray_status();
    assert_eq!(status["generation"], gw.generation);
    assert!(status["generationEvidence"].as_str().unwrap_or_default().contains("--version"), "{status}");
    let out = s.authtray(&["paste-token", "--provider", "anthropic", "--expires-in", "2d"], Some(&setup_token('F')));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (theirs, _) = s.gateway_status();
    gateway_profile(&theirs, "anthropic:manual");
}

/// Across many store states, `authtray status --check` and the gateway's `models status
/// --check` give the same code, and every profile the same status.
pub fn check_codes_agree(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    let now = now_ms();
    let token = |exp: Value| json!({"type": "token", "provider": "anthropic", "token": setup_token('T'), "expires": exp});
    let anthropic_model = json!({"logging": {"file": s.home().join("gateway.log"), "consoleLevel": "warn"},
                                 "agents": {"defaults": {"model": {"primary": "anthropic/claude-opus-4-5"}}}});
    let mut filtered = anthropic_model.clone();
    filtered["auth"] = json!({"profiles": {"anthropic:other": {"provider": "anthropic", "mode": "token"}}});
    let states: Vec<(&str, Value, &Value)> = vec![
        ("expired token", json!({"anthropic:t": token(json!(now - HOUR))}), &anthropic_model),
        ("healthy token", json!({"anthropic:t": token(json!(now + 48 * HOUR))}), &anthropic_model),
        ("expiring token", json!({"anthropic:t": token(json!(now + 3 * HOUR))}), &anthropic_model),
        ("static token", json!({"anthropic:t": {"type": "token", "provider": "anthropic", "token": setup_token('S')}}), &anthropic_model),
        (
            "api key only",
            json!({"anthropic:k": {"type": "api_key", "provider": "anthropic", "key": format!("sk-ant-api03-{}", "K".repeat(90))}}),
            &anthropic_model,
        ),
        ("empty store", json!({}), &anthropic_model),
        (
            "healthy oauth",
            json!({"anthropic:o": {"type": "oauth", "provider": "anthropic", "access": setup_token('O'), "refresh": format!("sk-ant-ort01-{}", "R".repeat(80)), "expires": now + 48 * HOUR}}),
            &anthropic_model,
        ),
        (
            "one expired, one healthy",
            json!({"anthropic:old": token(json!(now - HOUR)), "anthropic:new": token(json!(now + 48 * HOUR))}),
            &anthropic_model,
        ),
        ("expires as a string", json!({"anthropic:t": token(json!("2027-01-01T00:00:00Z"))}), &anthropic_model),
        ("expires in seconds", json!({"anthropic:t": token(json!(now / 1000 + 3600))}), &anthropic_model),
        ("filtered by the config", json!({"anthropic:t": token(json!(now + 48 * HOUR))}), &filtered),
    ];
    let mut mismatches = Vec::new();
    for (name, profiles, config) in states {
        s.write_config(config);
        s.write_store(&serde_json::to_string_pretty(&json!({"version": 1, "profiles": profiles})).unwrap_or_default());
        let (theirs, their_code) = s.gateway_status();
        let (ours, our_code) = s.authtray_status();
        if our_code != their_code {
            mismatches.push(format!("{name}: authtray gatewayCheck {our_code}, gateway {their_code}"));
        }
        // The verdict's --check answers "does the gateway work": the same, except where
        // clawdbot's own check counts a profile it skips.
        let verdict_code = ours["check"].as_i64().unwrap_or(-1);
        let want = if gw.generation == "clawdbot" && name == "one expired, one healthy" { 0 } else { i64::from(their_code) };
        if verdict_code != want {
            mismatches.push(format!("{name}: verdict check {verdict_code}, want {want}: {}", ours["verdict"]["headline"]));
        }
        for id in profiles.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            let g = gateway_profile_opt(&theirs, &id);
            let a = authtray_profile(&ours, &id);
            if let Some(g) = g {
                if a["status"] != g["status"] {
                    mismatches.push(format!("{name}: {id} is {} for authtray, {} for the gateway", a["status"], g["status"]));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

fn gateway_profile_opt(status: &Value, id: &str) -> Option<Value> {
    status["auth"]["oauth"]["profiles"].as_array().and_then(|a| a.iter().find(|p| p["profileId"] == id)).cloned()
}

/// Where the config filters Anthropic profiles or an order exists, the mirror is registered
/// there too (config backed up), so the gateway does not ignore it.
pub fn mirror_registers_where_the_config_filters(gw: Gateway) {
    let Some(s) = sandbox(gw) else { return };
    s.gateway_paste(&setup_token('O'), "anthropic:other", Some("30d"));
    let g = s.gateway(&["models", "auth", "order", "set", "--provider", "anthropic", "anthropic:other"], None);
    assert_eq!(g.code, 0, "{}", g.stderr);
    let mut cfg = s.config();
    cfg["auth"]["order"] = json!({"anthropic": ["anthropic:other"]});
    s.write_config(&cfg);
    let before = std::fs::read_to_string(s.config_path()).unwrap_or_default();

    s.write_claude_login(&setup_token('C'), None, now_ms() + 8 * HOUR);
    let out = s.authtray(&["--generation", gw.generation, "sync", "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = &out.json()["agents"][0];
    assert_eq!((r["configUpdated"].as_bool(), r["orderUpdated"].as_bool()), (Some(true), Some(true)), "{r}");

    let cfg = s.config();
    assert_eq!(cfg["auth"]["profiles"][gw.mirror_id]["provider"], "anthropic");
    assert_eq!(cfg["auth"]["order"]["anthropic"], json!(["anthropic:other", gw.mirror_id]));
    let bak = s.config_path().with_extension("json.bak");
    assert_eq!(std::fs::read_to_string(bak).unwrap_or_default(), before, "the previous config is kept as .bak");
    assert_eq!(s.gateway_order(), json!(["anthropic:other", gw.mirror_id]));

    let (theirs, their_code) = s.gateway_status();
    gateway_profile(&theirs, gw.mirror_id);
    if let Some(effective) = theirs["auth"]["oauth"]["providers"][0]["effectiveProfiles"].as_array() {
        assert!(effective.iter().any(|p| p["profileId"] == gw.mirror_id), "the gateway uses the mirror: {effective:?}");
    }
    let (_, our_code) = s.authtray_status();
    assert_eq!(our_code, their_code);
}
