//! The web UI through `authtray serve`: Playwright in the system's Chromium drives the screens
//! (tests/web/ui.mjs) against a throwaway HOME whose store the real gateway (openclaw 2026.5.28)
//! wrote and then reads back; axe-core checks each screen; raw HTTP checks the server's guards.

use std::process::Command;
use std::time::Duration;

use authtray_e2e::serve::{artefacts, browser_tools, request, Serve, SESSION_HEADER};
use authtray_e2e::{gateway_profile, now_ms, oracle_bin, run, setup_token, Sandbox, OPENCLAW_JSON};
use serde_json::Value;

/// Runs one phase of ui.mjs and returns its report, failing on page errors, leaks and serious
/// accessibility violations.
fn phase(tools: &(std::path::PathBuf, std::path::PathBuf), s: &Sandbox, url: &str, name: &str, vars: &[(&str, &str)]) -> Value {
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut cmd = Command::new(&tools.0);
    cmd.arg(web.join("ui.mjs"))
        .current_dir(&web)
        .env("AUTHTRAY_URL", url)
        .env("PHASE", name)
        .env("CHROMIUM", &tools.1)
        .env("STATE_FILE", s.home().join("browser-state.json"))
        .env("ARTEFACTS", artefacts("web"))
        // Chromium writes crash reports under HOME: keep them in the sandbox.
        .env("HOME", s.home());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = run(cmd, None, Duration::from_secs(120));
    assert_eq!(out.code, 0, "ui.mjs {name} failed: {}", out.stderr);
    let report: Value = serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("ui.mjs {name}: {e}: {}", out.stdout));
    assert_eq!(report["errors"], serde_json::json!([]), "{name}: {report}");
    assert_eq!(report["leaks"], serde_json::json!([]), "{name}: a secret reached the browser: {report}");
    if let Some(axe) = report["axe"].as_object() {
        for (screen, violations) in axe {
            let serious: Vec<&Value> = violations
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
                .collect();
            assert!(serious.is_empty(), "axe: serious or critical violations on {screen}: {serious:?}");
        }
    }
    report
}

#[test]
fn the_ui_pastes_validates_and_orders_against_the_real_gateway() {
    let Some(bin) = oracle_bin(&OPENCLAW_JSON) else { return };
    let Some(tools) = browser_tools() else { return };
    let s = Sandbox::new(OPENCLAW_JSON, bin);
    let (a, b, c) = (setup_token('A'), setup_token('B'), setup_token('C'));
    assert_eq!(s.gateway_paste(&a, "anthropic:manual", Some("365d")).code, 0);
    assert_eq!(s.gateway_paste(&b, "anthropic:backup", None).code, 0);
    // A third profile the config does not list: the gateway does not use it.
    assert_eq!(s.gateway_paste(&setup_token('E'), "anthropic:extra", None).code, 0);
    let mut cfg = s.config();
    cfg["auth"]["profiles"].as_object_mut().expect("auth.profiles").remove("anthropic:extra");
    s.write_config(&cfg);
    // `serve --open`, with a stand-in desktop opener that hands the browser what it was given:
    // a private file that leads to the one-time URL (the secret is never on a command line).
    let bin = s.home().join("opener");
    std::fs::create_dir_all(&bin).unwrap();
    let opened = s.home().join("opened");
    let opener = format!("#!/bin/sh\nprintf '%s' \"$1\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n", opened.display());
    std::fs::write(bin.join("xdg-open"), opener).unwrap();
    std::fs::set_permissions(bin.join("xdg-open"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let serve = Serve::start_with_path(&s, &["--open"], Some(&bin));
    let secrets = format!("{a},{b},{c},{}", setup_token('E'));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !opened.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let file = std::fs::read_to_string(&opened).expect("serve --open ran the opener");
    assert!(!file.contains("secret"), "{file}");

    // Overview: the fixture's profiles and statuses, then a clean URL without the secret.
    let r = phase(&tools, &s, &format!("file://{file}"), "login", &[("SECRETS", &secrets)]);
    assert_eq!(r["finalUrl"], serve.base(), "the secret must not stay in the address bar");
    assert_eq!(r["signOutShown"], true, "a browser session offers Sign out");
    // Another server on 127.0.0.1 that the app's page opens gets nothing it could replay.
    let other = &r["otherServer"];
    assert!(other["requests"].as_u64().unwrap_or(0) >= 1, "the other server was never reached: {r}");
    assert_eq!(other["authtrayCookies"], serde_json::json!([]), "another local server received the session cookie: {r}");
    assert_eq!((other["sessionKept"].as_bool(), other["sessionSent"].as_bool()), (Some(true), Some(false)), "{r}");
    let rows: Vec<String> = r["rows"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    // The verdict's rows, in the order the gateway tries them, each saying how it stands.
    let at = |id: &str| rows.iter().position(|r| r.starts_with(id)).unwrap_or_else(|| panic!("no row {id}: {rows:?}"));
    assert!(at("anthropic:manual") < at("anthropic:backup") && at("anthropic:backup") < at("anthropic:extra"), "{rows:?}");
    assert!(rows[at("anthropic:manual")].contains("In use · expires in 1 year"), "{rows:?}");
    assert!(rows[at("anthropic:backup")].contains("Next in line · expiry unknown (setup-tokens usually last 1 year)"), "{rows:?}");
    assert!(rows[at("anthropic:extra")].contains("Not used: the gateway's config leaves it out"), "{rows:?}");
    assert!(r["source"].as_str().unwrap().contains("not logged in"), "{r}");
    assert!(r["headline"].as_str().unwrap().ends_with("All credentials healthy"), "{r}");

    // Invalid tokens: the engine's exact message each, and nothing written.
    let before = std::fs::read(s.store_path()).unwrap();
    let invalid = serde_json::json!({
        "unknown": "hello-there",
        "short": "sk-ant-oat01-abc",
        "refresh": format!("sk-ant-ort01-{}", "R".repeat(80)),
        "space": "sk-ant-oat01-AAAA BBBB",
    });
    let r = phase(&tools, &s, &serve.base(), "invalid", &[("SECRETS", &secrets), ("INVALID", &invalid.to_string())]);
    assert!(r["messages"]["unknown"].as_str().unwrap().contains("choose the provider"), "{r}");
    assert!(r["messages"]["short"].as_str().unwrap().contains("too short"), "{r}");
    assert!(r["messages"]["refresh"].as_str().unwrap().contains("refresh token"), "{r}");
    assert!(r["messages"]["space"].as_str().unwrap().contains("a space at character 18"), "{r}");
    assert_eq!(r["saved"], "", "an invalid token must not be saved: {r}");
    assert_eq!(std::fs::read(s.store_path()).unwrap(), before, "the store changed after invalid input");

    // A valid setup-token: "1 year" preselected, redacted confirmation with Undo, stored, and
    // the gateway itself reads it.
    let r = phase(&tools, &s, &serve.base(), "paste", &[("SECRETS", &secrets), ("TOKEN", &c)]);
    assert_eq!(r["expiry"], "365d");
    assert_eq!(r["profilePlaceholder"], "anthropic:manual");
    let confirmation = r["confirmation"].as_str().unwrap();
    assert!(confirmation.contains("Saved sk-ant-oat01-…CCCC to anthropic:manual (agent main)"), "{confirmation}");
    assert!(confirmation.contains("replaced sk-ant-oat01-…AAAA"), "{confirmation}");
    assert_eq!((r["undo"].as_bool(), r["tokenField"].as_str()), (Some(true), Some("")));
    assert_eq!(r["replaceAfterSave"], "", "the note names the token just saved as the one to replace: {r}");
    assert!(r["replaceRetyped"].as_str().is_some_and(|n| n.starts_with("Will replace anthropic:manual (sk-ant-oat01-…CCCC)")), "{r}");
    assert_eq!(s.store()["profiles"]["anthropic:manual"]["token"], c.as_str());
    let (status, _) = s.gateway_status();
    let p = gateway_profile(&status, "anthropic:manual");
    assert_eq!(p["status"], "ok", "{p}");
    let remaining = p["remainingMs"].as_i64().unwrap_or(0);
    assert!(remaining > 364 * 86_400_000, "the gateway sees {remaining} ms left");

    // Keyboard reorder and Save: the gateway's own `order get` returns the new order.
    let r = phase(&tools, &s, &serve.base(), "order", &[("SECRETS", &secrets)]);
    assert_eq!(r["before"], serde_json::json!(["anthropic:manual", "anthropic:backup", "anthropic:extra"]), "{r}");
    assert_eq!(r["unused"], serde_json::json!(["anthropic:extra"]), "{r}");
    assert_eq!(r["after"], serde_json::json!(["anthropic:backup", "anthropic:manual", "anthropic:extra"]), "{r}");
    assert_eq!(r["focused"], "anthropic:manual", "focus follows the moved row");
    assert_eq!(s.gateway_order(), serde_json::json!(["anthropic:backup", "anthropic:manual"]));
    assert_eq!(r["reloaded"], r["after"]);

    // The backup was stored without an expiry (the gateway's own paste): Set expiry… proposes
    // a year from today, and the date chosen reaches the store as that day's local midnight,
    // which the gateway itself reports.
    let day = |shift: &str| shell_date(&["-d", shift, "+%F"]);
    let chosen = day("+200 days");
    let r = phase(&tools, &s, &serve.base(), "expiry", &[("SECRETS", &secrets), ("PROFILE", "anthropic:backup"), ("DATE", &chosen)]);
    assert_eq!((r["focused"].as_str(), r["proposed"].as_str()), (Some("expiry-date"), Some(day("+1 year").as_str())), "{r}");
    assert!(r["notice"].as_str().is_some_and(|n| n.starts_with("Saved: anthropic:backup runs out")), "{r}");
    assert_eq!(r["formGone"], true, "{r}");
    let midnight = shell_date(&["-d", &format!("{chosen} 00:00"), "+%s"]).parse::<i64>().unwrap_or_default() * 1000;
    assert_eq!(s.store()["profiles"]["anthropic:backup"]["expires"].as_i64(), Some(midnight));
    assert_eq!(s.store()["profiles"]["anthropic:backup"]["token"], b.as_str(), "the token itself is kept");
    let (status, _) = s.gateway_status();
    assert_eq!(gateway_profile(&status, "anthropic:backup")["expiresAt"].as_i64(), Some(midnight));
    let backup = r["rows"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).find(|t| t.starts_with("anthropic:backup"));
    assert!(backup.is_some_and(|t| t.contains("expires in 199 d") && !t.contains("expiry unknown") && !t.contains("Set expiry")), "{r}");

    // Settings: saved, and a bad lead time explained.
    let r = phase(&tools, &s, &serve.base(), "settings", &[("SECRETS", &secrets)]);
    assert_eq!(r["leads"], serde_json::json!(["30 days ahead", "7 days ahead", "1 day ahead", "1 hour ahead"]), "{r}");
    assert_eq!(r["unsaved"], "Unsaved changes: Save to apply them.", "{r}");
    assert_eq!(r["keptLead"], (2 * 3_600_000).to_string(), "a redraw put back the saved value over an unsaved one: {r}");
    assert_eq!(r["message"], "Saved. Pasted tokens warn 30 days, 14 days, 7 days, 1 day ahead and at expiry.", "{r}");
    let saved: Value = serde_json::from_slice(&std::fs::read(s.home().join(".config/authtray/settings.json")).unwrap()).unwrap();
    assert_eq!(saved["sourceLeadMs"], 2 * 3_600_000);
    let day = 86_400_000_i64;
    assert_eq!(saved["expiryLeadsMs"], serde_json::json!([30 * day, 14 * day, 7 * day, day]));

    // Ctrl-C stops it cleanly.
    let (code, stderr) = serve.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
}

/// Opens the one-time URL (the app, no cookie) and signs in as its script does; returns the
/// session id for the [`SESSION_HEADER`].
fn login(serve: &Serve) -> String {
    let a = request(&serve.host, "GET", &serve.login_path(), &[("Host", &serve.host)], b"");
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.body.contains("js/main.js"), "the link opens the app: {a:?}");
    assert!(a.header("set-cookie").is_none(), "a cookie reaches every server on this host: {a:?}");
    serve.sign_in()
}

#[test]
fn the_server_refuses_what_a_browser_attack_would_send() {
    let s = Sandbox::offline(OPENCLAW_JSON);
    let token = setup_token('S');
    s.write_store(&serde_json::json!({"version": 1, "profiles": {"anthropic:old": {"type": "token", "provider": "anthropic", "token": setup_token('O')}}}).to_string());
    let serve = Serve::start(&s, &["--generation", "openclaw-json"]);
    let host = serve.host.as_str();

    // No session: 401 from the API. The page is the public UI: it holds no data.
    let a = request(host, "GET", "/api/status", &[("Host", host)], b"");
    assert_eq!(a.status, 401, "{a:?}");
    assert!(!a.body.contains("anthropic"), "{a:?}");
    let a = request(host, "GET", "/", &[("Host", host)], b"");
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.header("set-cookie").is_none() && !a.body.contains("anthropic:old"), "{a:?}");
    // A wrong secret does not log in.
    assert_eq!(request(host, "GET", "/?secret=0000", &[("Host", host)], b"").status, 403);
    let json = ("Content-Type", "application/json");
    let a = request(host, "POST", "/api/session", &[("Host", host), json], br#"{"secret": "0000"}"#);
    assert_eq!(a.status, 403, "{a:?}");

    // The secret works once.
    let session = login(&serve);
    let again = request(host, "GET", &serve.login_path(), &[("Host", host)], b"");
    assert_eq!(again.status, 403, "the one-time secret worked twice");
    let body = serde_json::json!({ "secret": serve.secret() }).to_string();
    let again = request(host, "POST", "/api/session", &[("Host", host), json], body.as_bytes());
    assert_eq!(again.status, 403, "the one-time secret worked twice: {again:?}");
    assert!(!again.body.contains("session\""), "{again:?}");

    // Another server on this host gets what the browser sends to the host on its own: cookies
    // (they are scoped by host, not port). Replayed here without the header, they are nothing.
    let port = host.rsplit(':').next().unwrap_or_default();
    for ambient in
        [format!("authtray_session_{port}={session}"), format!("authtray_session={session}"), format!("{SESSION_HEADER}={session}")]
    {
        for (method, path, body) in [("GET", "/api/status", ""), ("GET", "/api/settings", ""), ("POST", "/api/sync", "{}")] {
            let a = request(host, method, path, &[("Host", host), ("Cookie", &ambient), json], body.as_bytes());
            assert_eq!(a.status, 401, "{method} {path} with only a cookie got in: {a:?}");
        }
    }

    let ok = request(host, "GET", "/api/status", &[("Host", host), (SESSION_HEADER, &session)], b"");
    assert_eq!(ok.status, 200, "{ok:?}");
    let csp = ok.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(ok.header("access-control-allow-origin").is_none(), "no CORS");
    // The same document as `authtray status --json`, but for the clock.
    let mut ours: Value = serde_json::from_str(&ok.body).unwrap();
    let mut cli = s.authtray(&["--generation", "openclaw-json", "status", "--json"], None).json();
    for doc in [&mut ours, &mut cli] {
        doc["now"] = Value::Null;
    }
    assert_eq!(ours, cli);

    // DNS rebinding: a foreign Host is refused even with the session.
    let a = request(host, "GET", "/api/status", &[("Host", "evil.example:80"), (SESSION_HEADER, &session)], b"");
    assert_eq!(a.status, 421, "{a:?}");
    // CSRF: a foreign Origin, a cross-site fetch, a form post.
    let body = serde_json::json!({ "token": token }).to_string();
    let a = request(
        host,
        "POST",
        "/api/paste",
        &[("Host", host), (SESSION_HEADER, &session), json, ("Origin", "http://evil.example")],
        body.as_bytes(),
    );
    assert_eq!(a.status, 403, "{a:?}");
    let a = request(
        host,
        "POST",
        "/api/paste",
        &[("Host", host), (SESSION_HEADER, &session), json, ("Sec-Fetch-Site", "cross-site")],
        body.as_bytes(),
    );
    assert_eq!(a.status, 403, "{a:?}");
    let a =
        request(host, "POST", "/api/paste", &[("Host", host), (SESSION_HEADER, &session), ("Content-Type", "text/plain")], body.as_bytes());
    assert_eq!(a.status, 415, "{a:?}");
    assert!(s.store()["profiles"].get("anthropic:manual").is_none(), "a refused request wrote");
    // Oversized bodies.
    let big = vec![b'x'; 100 * 1024];
    let a = request(host, "POST", "/api/paste", &[("Host", host), (SESSION_HEADER, &session), json], &big);
    assert_eq!(a.status, 413, "{a:?}");
    // Bad input: the CLI's validation, as JSON with a 4xx.
    let a = request(host, "POST", "/api/paste", &[("Host", host), (SESSION_HEADER, &session), json], br#"{"token": "sk-ant-oat01-abc"}"#);
    assert_eq!(a.status, 400, "{a:?}");
    assert!(serde_json::from_str::<Value>(&a.body).unwrap()["error"].as_str().unwrap().contains("too short"));
    let a = request(
        host,
        "POST",
        "/api/order",
        &[("Host", host), (SESSION_HEADER, &session), json],
        br#"{"provider": "anthropic", "ids": ["anthropic:nope"]}"#,
    );
    assert_eq!(a.status, 404, "{a:?}");

    // A same-origin paste works; no answer ever carries the full token.
    let origin = format!("http://{host}");
    let mut bodies = Vec::new();
    let a = request(
        host,
        "POST",
        "/api/paste",
        &[("Host", host), (SESSION_HEADER, &session), json, ("Origin", &origin), ("Sec-Fetch-Site", "same-origin")],
        body.as_bytes(),
    );
    assert_eq!(a.status, 200, "{a:?}");
    let pasted: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(pasted["token"], authtray_core_redacted(&token));
    bodies.push(a.body);
    assert_eq!(s.store()["profiles"]["anthropic:manual"]["token"], token.as_str());
    for path in ["/api/status", "/api/last-sync", "/api/glance", "/api/settings", "/api/info", "/", "/js/main.js"] {
        let a = request(host, "GET", path, &[("Host", host), (SESSION_HEADER, &session)], b"");
        assert_eq!(a.status, 200, "{path}: {a:?}");
        bodies.push(a.body);
    }
    let a = request(host, "POST", "/api/check-token", &[("Host", host), (SESSION_HEADER, &session), json], body.as_bytes());
    bodies.push(a.body);
    // Undo puts the store back (the profile did not exist before).
    let undo = serde_json::json!({ "id": pasted["undoId"] }).to_string();
    let a = request(host, "POST", "/api/undo", &[("Host", host), (SESSION_HEADER, &session), json], undo.as_bytes());
    assert_eq!(a.status, 200, "{a:?}");
    assert!(s.store()["profiles"].get("anthropic:manual").is_none(), "undo left the pasted profile");
    assert!(s.config()["auth"]["profiles"].get("anthropic:manual").is_none(), "undo left the paste's registration: {}", s.config());
    assert_eq!(serde_json::from_str::<Value>(&a.body).unwrap()["configRestored"], true);
    bodies.push(a.body);
    // Sign out ends the session for good.
    let a = request(host, "POST", "/api/logout", &[("Host", host), (SESSION_HEADER, &session), json], b"{}");
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.header("set-cookie").is_none(), "{a:?}");
    let a = request(host, "GET", "/api/status", &[("Host", host), (SESSION_HEADER, &session)], b"");
    assert_eq!(a.status, 401, "signed out, still in: {a:?}");
    for b in &bodies {
        assert!(!b.contains(&token) && !b.contains(&setup_token('O')), "a response carried a full token");
    }
}

/// How authtray redacts a token (first 13 characters, an ellipsis, the last 4).
fn authtray_core_redacted(token: &str) -> String {
    format!("{}…{}", &token[..13], &token[token.len() - 4..])
}

#[test]
fn a_login_link_opened_from_elsewhere_starts_a_session_and_nothing_else_does() {
    let s = Sandbox::offline(OPENCLAW_JSON);
    let serve = Serve::start(&s, &["--generation", "openclaw-json"]);
    let host = serve.host.as_str();
    let nav = [("Host", host), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "navigate"), ("Sec-Fetch-Dest", "document")];
    // A foreign page cannot guess the secret.
    assert_eq!(request(host, "GET", "/?secret=0123", &nav, b"").status, 403);
    // The link itself, opened from a file or another app: the app, whose script signs in with a
    // same-origin request. Signing in from elsewhere is refused, and leaves the secret usable.
    let a = request(host, "GET", &serve.login_path(), &nav, b"");
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.body.contains("js/main.js") && a.header("set-cookie").is_none(), "{a:?}");
    let json = ("Content-Type", "application/json");
    let secret = serde_json::json!({ "secret": serve.secret() }).to_string();
    for foreign in [("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site"), ("Origin", "http://127.0.0.1:1")] {
        let a = request(host, "POST", "/api/session", &[("Host", host), json, foreign], secret.as_bytes());
        assert_eq!(a.status, 403, "{foreign:?}: {a:?}");
    }
    let session = serve.sign_in();
    assert_eq!(request(host, "GET", "/api/status", &[("Host", host), (SESSION_HEADER, &session)], b"").status, 200);
    // Anything else cross-site stays refused, session or not.
    let a = request(host, "GET", "/api/status", &[("Host", host), (SESSION_HEADER, &session), ("Sec-Fetch-Site", "cross-site")], b"");
    assert_eq!(a.status, 403, "{a:?}");
    let a = request(
        host,
        "GET",
        "/",
        &[
            ("Host", host),
            (SESSION_HEADER, &session),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-Dest", "document"),
        ],
        b"",
    );
    assert_eq!(a.status, 403, "{a:?}");
}

#[test]
fn serve_refuses_any_change_to_the_targets_and_sync_sends_nothing_to_a_forged_one() {
    let mut s = Sandbox::offline(OPENCLAW_JSON);
    // A stand-in `docker` that logs whom it is asked to reach, and reaches no one.
    let standins = s.home().join("standins");
    std::fs::create_dir_all(&standins).unwrap();
    let log = s.home().join("docker-argv.log");
    let docker =
        format!("#!/bin/sh\necho \"docker $*\" >> '{}'\necho 'Error response from daemon: No such container' >&2\nexit 1\n", log.display());
    std::fs::write(standins.join("docker"), docker).unwrap();
    std::fs::set_permissions(standins.join("docker"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    s.path_prefix = Some(standins);
    let login = setup_token('L');
    s.write_claude_login(&login, None, now_ms() + 6 * 3_600_000);
    // The user at the machine saves a target that mirrors: the CLI may.
    let added = s.authtray(&["target", "add", "legit", "docker://legit-box", "--mirror"], None);
    assert_eq!(added.code, 0, "{added:?}");
    let serve = Serve::start(&s, &["--generation", "openclaw-json"]);
    let host = serve.host.as_str();
    let session = serve.sign_in();
    let auth = [("Host", host), (SESSION_HEADER, session.as_str()), ("Content-Type", "application/json")];
    let settings = s.home().join(".config/authtray/settings.json");
    let before = std::fs::read(&settings).expect("the CLI saved the settings");
    let current: Value = serde_json::from_str(&request(host, "GET", "/api/settings", &auth, b"").body).unwrap();
    assert_eq!(current["targets"][0]["name"], "legit", "{current}");

    // Through the web page: add a mirrored target, point the saved one elsewhere, turn its
    // mirror off, remove it. Each refused whole (the lead time with it), the file unchanged.
    let forged = serde_json::json!({ "name": "box", "url": "docker://attacker-box", "mirror": true });
    let legit = current["targets"][0].clone();
    let changes = [
        serde_json::json!([legit.clone(), forged]),
        serde_json::json!([{ "name": "legit", "url": "docker://attacker-box", "mirror": true }]),
        serde_json::json!([{ "name": "legit", "url": legit["url"].clone(), "mirror": false }]),
        serde_json::json!([]),
    ];
    for targets in changes {
        let mut doc = current.clone();
        doc["targets"] = targets.clone();
        doc["sourceLeadMs"] = serde_json::json!(45 * 60_000);
        let a = request(host, "POST", "/api/settings", &auth, doc.to_string().as_bytes());
        assert_eq!(a.status, 403, "{targets}: {a:?}");
        let e: Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(e["kind"], "refused", "{e}");
        assert!(
            e["error"].as_str().unwrap().contains("Add or change hosts in the authtray app's window or with `authtray target add`"),
            "{e}"
        );
        assert_eq!(std::fs::read(&settings).unwrap(), before, "a refused change reached the settings file: {targets}");
    }
    // Nor the programs that reach the hosts: they run on this machine.
    for (field, program) in [("dockerCommand", "/tmp/evil"), ("kubectlCommand", "sh")] {
        let mut doc = current.clone();
        doc[field] = serde_json::json!(program);
        let a = request(host, "POST", "/api/settings", &auth, doc.to_string().as_bytes());
        assert_eq!(a.status, 403, "{field}: {a:?}");
        assert!(a.body.contains("run on this computer"), "{}", a.body);
        assert_eq!(std::fs::read(&settings).unwrap(), before, "a refused program reached the settings file");
    }
    // Other settings still save from the page (how often hosts are checked too), the targets
    // as they were.
    let mut doc = current.clone();
    doc["sourceLeadMs"] = serde_json::json!(45 * 60_000);
    doc["targetCheckMins"] = serde_json::json!(15);
    let a = request(host, "POST", "/api/settings", &auth, doc.to_string().as_bytes());
    assert_eq!(a.status, 200, "{a:?}");
    let saved: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    assert_eq!((saved["sourceLeadMs"].as_i64(), &saved["targets"]), (Some(45 * 60_000), &current["targets"]), "{saved}");
    assert_eq!(saved["targetCheckMins"], 15, "{saved}");

    // Sync now mirrors to the saved target (the stand-in is asked for it) and to nothing else.
    let a = request(host, "POST", "/api/sync", &auth, b"{}");
    assert_eq!(a.status, 200, "{a:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let asked = || std::fs::read_to_string(&log).unwrap_or_default();
    while !asked().contains("legit-box") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let asked = asked();
    assert!(asked.contains("legit-box"), "the saved target was never reached: {asked:?}");
    assert!(!asked.contains("attacker-box"), "sync reached a target the web page forged: {asked}");
    assert!(!asked.contains(&login), "a login on a command line");
}

#[test]
fn serve_with_too_few_file_descriptors_says_so_without_panicking() {
    let s = Sandbox::offline(OPENCLAW_JSON);
    // 6: too few for tokio's signal pipe, whose set-up panicked; 8: the runtime starts, the
    // listener cannot be opened.
    for limit in [6, 8] {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("ulimit -n {limit} && exec \"$0\" serve --generation openclaw-json"))
            .arg(authtray_e2e::authtray_bin())
            .env_clear()
            .env("HOME", s.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        let out = run(cmd, None, Duration::from_secs(30));
        let text = format!("{}{}", out.stdout, out.stderr);
        assert_ne!(out.code, 0, "ulimit -n {limit}: {text}");
        assert!(!text.contains("panicked") && !text.contains("RUST_BACKTRACE"), "ulimit -n {limit}: {text}");
        assert!(text.contains("too few file descriptors") && text.contains("ulimit -n"), "ulimit -n {limit}: not explained: {text}");
        assert!(!out.stdout.contains("secret="), "ulimit -n {limit}: a URL that cannot work: {text}");
    }
}

/// One situation's tour of every screen (see ui.mjs `tour`): returns its report after the
/// checks every situation shares — no horizontal scroll at 420 or 360 px, the window's headline
/// is the CLI's verdict.
fn tour(tools: &(std::path::PathBuf, std::path::PathBuf), s: &Sandbox, situation: &str, vars: &[(&str, &str)]) -> Value {
    let serve = Serve::start(s, &[]);
    let mut all = vec![("SITUATION", situation)];
    all.extend_from_slice(vars);
    let r = phase(tools, s, &serve.url, "tour", &all);
    assert_eq!(r["overflow"], serde_json::json!({}), "{situation}: wider than the window: {}", r["overflow"]);
    let (code, stderr) = serve.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    r
}

#[test]
fn every_screen_reads_right_in_each_situation_wide_and_narrow() {
    let Some(bin) = oracle_bin(&OPENCLAW_JSON) else { return };
    let Some(tools) = browser_tools() else { return };
    let verdict = |s: &Sandbox| s.authtray(&["status", "--json"], None).json()["verdict"].clone();
    let hour = 3_600_000;

    // First run: no gateway where authtray looks; the setup card takes the folder it is in.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("365d")).code, 0);
    let elsewhere = s.home().join("srv/gateway-state");
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    std::fs::rename(s.state_dir(), &elsewhere).unwrap();
    let dir = elsewhere.to_string_lossy().into_owned();
    let r = tour(&tools, &s, "first-run", &[("ACTIONS", "setup"), ("SETUP_DIR", &dir)]);
    assert_eq!(r["setupShown"], true, "{r}");
    assert_eq!(r["remoteLeadsTo"], serde_json::json!({"hash": "#settings", "inView": true}), "{r}");
    assert_eq!(r["headline"].as_str().unwrap(), "Not set up yet", "a neutral headline, no alarm badge: {r}");
    assert!(!r.to_string().contains("--generation") && !r.to_string().contains("--state-dir"), "a CLI flag in the window: {r}");
    assert!(r["pasteBeforeSetup"].as_str().unwrap().contains("Choose the gateway's folder on the Overview first"), "{r}");
    assert!(r["afterSetup"].as_str().unwrap().ends_with("All credentials healthy"), "{r}");
    let saved: Value = serde_json::from_slice(&std::fs::read(s.home().join(".config/authtray/settings.json")).unwrap()).unwrap();
    assert_eq!(saved["gatewayDir"], dir.as_str());
    // The CLI follows the same setting.
    assert_eq!(verdict(&s)["headline"], "All credentials healthy");

    // Healthy: Claude Code's login mirrored, a setup-token behind it. Paste finds a wrapped
    // token; Sync says how it went; leaving an unsaved order asks first.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    s.write_claude_login(&setup_token('L'), None, now_ms() + 6 * hour);
    assert_eq!(s.gateway_paste(&setup_token('K'), "anthropic:keep", Some("365d")).code, 0);
    assert_eq!(s.authtray(&["sync"], None).code, 0);
    let tok = setup_token('W');
    let wrapped = format!("$ claude setup-token\nexport ANTHROPIC_AUTH_TOKEN=\"{tok}\"\n");
    let two = format!("A={tok}\nB={}", setup_token('V'));
    let r = tour(&tools, &s, "healthy", &[("ACTIONS", "wrapped,sync,order"), ("WRAPPED", &wrapped), ("TWO", &two), ("SECRETS", &tok)]);
    assert!(r["headline"].as_str().unwrap().ends_with("All credentials healthy"), "{r}");
    assert!(r["wrapped"].as_str().unwrap().starts_with("Found in the pasted text: an Anthropic setup-token"), "{r}");
    assert!(r["noToken"].as_str().unwrap().starts_with("no token found in the pasted text"), "{r}");
    assert!(r["twoTokens"].as_str().unwrap().contains("holds 2 tokens"), "{r}");
    assert!(r["syncBanner"].as_str().unwrap().starts_with("Sync done: up to date · 1 agent"), "{r}");
    assert!(r["unsaved"].as_str().unwrap().contains("Unsaved changes"), "{r}");
    assert!(r["leaveDialog"].as_str().is_some_and(|m| m.contains("not saved")), "{r}");
    assert_eq!(r["stayedOn"], "#order", "{r}");
    assert!(r["saved"].as_str().unwrap().starts_with("Saved"), "{r}");
    let rows: Vec<&str> = r["rows"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(rows.iter().all(|row| !row.contains("attention") && !row.contains("not working")), "no row contradicts the verdict: {rows:?}");
    // Only the CLI and serve run here: the mirror says when it runs out and what would keep it.
    let mirror = rows.iter().find(|row| row.contains("anthropic:claude-code")).expect("the mirror's row");
    assert!(mirror.contains("copied from Claude Code's login") && mirror.contains("expires in"), "{mirror}");
    assert!(!mirror.contains('`'), "Markdown in a row: {mirror}");
    let card = r["syncCard"].as_str().unwrap_or_default();
    assert!(card.contains("Nothing running here copies Claude Code's next login: start the authtray app"), "{card}");

    // A setup-token carries the gateway; the mirror expired and Claude Code is logged out.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("365d")).code, 0);
    assert_eq!(s.gateway_paste(&setup_token('M'), "anthropic:claude-code", Some("2s")).code, 0);
    std::thread::sleep(Duration::from_millis(2_500));
    let r = tour(&tools, &s, "logged-out", &[]);
    let v = verdict(&s);
    assert!(r["headline"].as_str().unwrap().ends_with(v["headline"].as_str().unwrap()), "{r} / {v}");
    assert!(r["headline"].as_str().unwrap().contains("needs attention"), "{r}");
    assert!(r["headlineFix"].as_str().unwrap().starts_with("Fix: Run claude in a terminal and log in"), "{r}");
    assert!(r["rows"][1].as_str().unwrap().contains("Skipped: expired"), "the expired mirror says why it does not count: {r}");

    // The gateway runs Claude Code (today's preferred route) and nothing is stored: healthy,
    // and the window says what carries the model and whose account it is.
    if let Some(claude) = authtray_e2e::claude_code_dir() {
        let mut s = Sandbox::new(OPENCLAW_JSON, bin.clone());
        s.path_prefix = Some(claude);
        let mut config = s.config();
        config["agents"]["defaults"]["models"] = serde_json::json!({"anthropic/claude-opus-4-5": {"agentRuntime": {"id": "claude-cli"}}});
        // As the gateway stamps every config it writes (nothing else tells its version here).
        config["meta"] = serde_json::json!({"lastTouchedVersion": "2026.5.28"});
        s.write_config(&config);
        s.write_claude_login(&setup_token('L'), Some("sk-ant-ort01-R"), now_ms() + 6 * hour);
        std::fs::write(s.home().join(".claude.json"), r#"{"oauthAccount":{"emailAddress":"dev@example.test"}}"#).unwrap();
        let r = tour(&tools, &s, "claude-cli", &[]);
        assert!(r["headline"].as_str().unwrap().ends_with("All credentials healthy"), "{r}");
        assert_eq!(
            r["routes"][0], "anthropic/claude-opus-4-5: your Claude subscription, through Claude Code (Claude Max, dev@example.test)",
            "{r}"
        );
        assert!(!r.to_string().contains("Paste an Anthropic token"), "no token to paste on this route: {r}");
        assert!(r["routeLinks"].as_array().is_some_and(|l| l.len() == 2), "the vendors' pages: {r}");
    }

    // A pasted token expiring in 3 days: its fix opens Paste with the profile chosen and says
    // what the paste will replace.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("3d")).code, 0);
    let r = tour(&tools, &s, "expiring", &[("ACTIONS", "fix")]);
    assert_eq!(r["fixButtons"][0], "Replace token…", "{r}");
    assert_eq!(r["prefilled"], serde_json::json!({"provider": "anthropic", "profile": "anthropic:manual"}), "{r}");
    assert!(
        r["replaceNote"].as_str().unwrap().starts_with("Will replace anthropic:manual (sk-ant-oat01-…AAAA), which is ok for 2 d"),
        "{r}"
    );

    // Anthropic rejected the token in use three times (a 401 each): the gateway set it aside and
    // uses the backup. The fix leads with replacing it; clearing the cooldown is the second
    // button and says what it does; the row says until when the gateway skips it.
    let s = Sandbox::new(OPENCLAW_JSON, bin.clone());
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:manual", Some("365d")).code, 0);
    assert_eq!(s.gateway_paste(&setup_token('B'), "anthropic:backup", Some("365d")).code, 0);
    let mut store = s.store();
    store["usageStats"]["anthropic:manual"] =
        serde_json::json!({"cooldownUntil": now_ms() + 2 * hour, "failureCounts": {"auth": 3}, "errorCount": 3, "lastFailureAt": now_ms()});
    s.write_store(&serde_json::to_string_pretty(&store).unwrap_or_default());
    let r = tour(&tools, &s, "cooldown-401", &[]);
    assert!(r["headline"].as_str().is_some_and(|h| h.contains("Anthropic rejected anthropic:manual")), "{r}");
    assert_eq!(r["fixButtons"], serde_json::json!(["Replace token…", "Clear cooldown"]), "{r}");
    let lines: Vec<&str> = r["fixLines"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert!(lines.first().is_some_and(|l| l.starts_with("Fix: Paste a new Anthropic token")), "{lines:?}");
    assert!(
        lines.get(1).is_some_and(|l| l.starts_with("Or: Only if you know this token works again") && l.contains("the next chat fails")),
        "{lines:?}"
    );
    let manual = r["rows"].as_array().into_iter().flatten().filter_map(Value::as_str).find(|t| t.starts_with("anthropic:manual"));
    assert!(manual.is_some_and(|t| t.contains("Skipped until") && t.contains("Anthropic rejected it")), "{r}");
    assert!(!manual.is_some_and(|t| t.contains("Next in line")), "{r}");

    // Gateways on other hosts only: nothing on this computer, the container's gateway healthy.
    // The window's verdict is the hosts' verdict, not a red "no gateway".
    let w = authtray_e2e::standins::World::new(&bin);
    assert_eq!(w.container.gateway_paste(&setup_token('C'), "anthropic:manual", Some("365d")).code, 0);
    assert_eq!(w.authtray(&["target", "add", "vps-box", "docker://openclaw-gw"], None).code, 0);
    std::fs::remove_dir_all(w.laptop.state_dir()).expect("no gateway on the laptop");
    let r = tour(&tools, &w.laptop, "remote-only", &[("ACTIONS", "targets")]);
    let targets: Vec<&str> = r["targets"].as_array().expect("the targets card").iter().filter_map(Value::as_str).collect();
    assert!(targets.first().is_some_and(|t| t.contains("vps-box — All credentials healthy")), "{targets:?}");
    let headline = r["headline"].as_str().unwrap_or_default();
    assert!(headline.contains("healthy") && !headline.contains("No gateway"), "{r}");
    assert_eq!(r["setupShown"], false, "setting up a gateway here is folded away when the hosts are the whole glance: {r}");
    assert!(r["setupFold"].as_str().is_some_and(|t| t.starts_with("No gateway on this computer")), "{r}");
    assert!(r["claude"].as_str().is_some_and(|t| t.contains("none receives a copy of it") && !t.contains("Fix:")), "{r}");

    // Gateways on other hosts: one healthy in a container, a cluster that is not there. The
    // window's headline is the one verdict (the unreachable target), each target has its line.
    let w = authtray_e2e::standins::World::new(&bin);
    assert_eq!(w.container.gateway_paste(&setup_token('C'), "anthropic:manual", Some("365d")).code, 0);
    assert_eq!(w.container.gateway_paste(&setup_token('D'), "anthropic:backup", Some("365d")).code, 0);
    let local = w.laptop.authtray(&["--generation", "openclaw-json", "paste-token", "--provider", "anthropic"], Some(&setup_token('H')));
    assert_eq!(local.code, 0, "{local:?}");
    assert_eq!(w.authtray(&["target", "add", "vps-box", "docker://openclaw-gw"], None).code, 0);
    assert_eq!(w.authtray(&["target", "add", "cluster", "kubectl://nowhere/gateways/deploy/openclaw"], None).code, 0);
    let to_target = setup_token('P');
    w.laptop.write_claude_login(&format!("sk-ant-oat01-{}", "L".repeat(90)), None, now_ms() + 8 * 3_600_000);
    let r = tour(
        &tools,
        &w.laptop,
        "targets",
        &[("ACTIONS", "targets,targetorder,targetpaste,sync"), ("TARGET", "vps-box"), ("TARGET_TOKEN", &to_target)],
    );
    // Paste stored a token on the container's gateway, named there, with no Undo offered.
    // Sync now mirrors, checks the hosts again and says what each answered.
    let hosts = r["syncHosts"].as_str().unwrap_or_default();
    assert!(hosts.contains("vps-box: All credentials healthy") && hosts.contains("cluster cannot be reached"), "{r}");
    let pasted = r["targetPasted"].as_str().unwrap_or_default();
    assert!(pasted.starts_with("Saved sk-ant-oat01-…PPPP to anthropic:from-window on vps-box."), "{r}");
    assert!(!pasted.contains("Undo"), "{r}");
    let theirs = w.container.gateway(&["models", "status", "--json"], None);
    assert!(theirs.stdout.contains("anthropic:from-window"), "the container's gateway does not show the paste");
    // The order screen reordered the container's gateway through its own CLI.
    let rows: Vec<String> = serde_json::from_value(r["targetRows"].clone()).expect("the target's rows");
    assert_eq!(rows.len(), 2, "{r}");
    assert!(r["targetSaved"].as_str().unwrap().starts_with("Saved: the gateway now tries"), "{r}");
    let theirs = w.container.gateway(&["models", "auth", "order", "get", "--provider", "anthropic", "--json"], None);
    let start = theirs.stdout.find('{').expect("JSON");
    let theirs: Value = serde_json::from_str(&theirs.stdout[start..]).expect("JSON");
    assert_eq!(theirs["order"], serde_json::json!([rows[1], rows[0]]), "{r}");
    assert_eq!(r["targetRowsAfter"], serde_json::json!([rows[1], rows[0]]), "the screen shows the saved order: {r}");
    let targets: Vec<&str> = r["targets"].as_array().expect("the targets card").iter().filter_map(Value::as_str).collect();
    assert!(targets[0].contains("vps-box — All credentials healthy"), "{targets:?}");
    assert!(targets[1].contains("cluster — Cannot be reached since"), "{targets:?}");
    assert!(r["headline"].as_str().unwrap().contains("cluster cannot be reached since"), "{r}");
    assert!(!r.to_string().contains("--target"), "a CLI flag in the window: {r}");
    // Under serve, Settings shows the targets as text and says where they are changed.
    let shown = r["settingsTargets"].as_str().unwrap_or_default();
    assert!(shown.contains("vps-box") && shown.contains("docker://openclaw-gw") && shown.contains("cluster"), "{r}");
    assert!(shown.contains("Hosts are added and removed in the authtray app's own window, on the computer where authtray runs"), "{r}");
    assert_eq!(r["settingsTargetControls"], 0, "a control for the targets in the browser: {r}");
    // The programs that reach the hosts are shown, not editable; how often they are checked is.
    assert_eq!(
        r["settingsPrograms"],
        serde_json::json!([{"disabled": true, "placeholder": "docker"}, {"disabled": true, "placeholder": "kubectl"}]),
        "{r}"
    );
    assert!(r["settingsProgramsHint"].as_str().unwrap_or_default().contains("changed in the authtray app's own window"), "{r}");
    assert_eq!(r["settingsCheckEvery"], "Every 5 minutes", "{r}");

    // Broken: only the mirror, and Claude Code's login expired.
    let s = Sandbox::new(OPENCLAW_JSON, bin);
    assert_eq!(s.gateway_paste(&setup_token('M'), "anthropic:claude-code", Some("2s")).code, 0);
    s.write_claude_login(&setup_token('M'), None, now_ms() - hour);
    std::thread::sleep(Duration::from_millis(2_500));
    let r = tour(&tools, &s, "broken", &[]);
    assert!(r["headline"].as_str().unwrap().contains("not working"), "{r}");
    assert!(r["headlineFix"].as_str().unwrap().starts_with("Fix: Run claude in a terminal and log in again"), "{r}");
    assert_eq!(r["problems"], serde_json::json!([]), "the headline's problem is not repeated: {r}");
    assert!(!r["claude"].as_str().unwrap().contains("Fix:"), "the login fix is said once: {r}");
}

/// What `date` prints for these arguments (the local day or time the browser reads too).
fn shell_date(args: &[&str]) -> String {
    let out = std::process::Command::new("date").args(args).output().expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
