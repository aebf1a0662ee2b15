//! The tray app on a real (virtual) Linux desktop: Xvfb, a session bus, trayer as the tray host,
//! dunst answering notifications (every call recorded from the bus), gnome-keyring as the Secret
//! Service, and the real gateway (openclaw 2026.5.28) checking what the app wrote.
//! Screenshots go to target/test-artefacts/desktop/.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use authtray_e2e::desktop::{desktop_tools, Desktop, Parts};
use authtray_e2e::serve::artefacts;
use authtray_e2e::{gateway_profile, now_ms, oracle_bin, setup_token, Sandbox, OPENCLAW_JSON, OPENCLAW_SQLITE};
use serde_json::{json, Value};

/// One desktop at a time: each starts WebKit, and the machine has two cores.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn write_login(home: &Path, access: &str, expires_at: i64, by_rename: bool) {
    let dir = home.join(".claude");
    std::fs::create_dir_all(&dir).expect("claude dir");
    let doc = json!({"claudeAiOauth": {"accessToken": access, "refreshToken": format!("sk-ant-ort01-{}", "r".repeat(40)), "expiresAt": expires_at, "scopes": ["user:inference"], "subscriptionType": "max"}});
    if by_rename {
        // As Claude Code does: a temp file renamed over the old one.
        let tmp = dir.join(format!(".credentials.json.tmp.{}", std::process::id()));
        std::fs::write(&tmp, doc.to_string()).expect("write temp");
        std::fs::rename(&tmp, dir.join(".credentials.json")).expect("rename");
    } else {
        std::fs::write(dir.join(".credentials.json"), doc.to_string()).expect("write login");
    }
}

fn mirror_token(s: &Sandbox) -> Option<String> {
    let store: serde_json::Value = serde_json::from_slice(&std::fs::read(s.store_path()).ok()?).ok()?;
    store["profiles"]["anthropic:claude-code"]["token"].as_str().map(str::to_string)
}

#[test]
fn tray_menu_click_to_paste_undo_window_and_live_mirroring() {
    let _one = serial();
    let Some(_) = desktop_tools() else { return };
    let Some(bin) = oracle_bin(&OPENCLAW_JSON) else { return };
    let s = Sandbox::new(OPENCLAW_JSON, bin);
    let (a, c, l1, l2) = (setup_token('A'), setup_token('C'), setup_token('L'), setup_token('M'));
    assert_eq!(s.gateway_paste(&a, "anthropic:manual", Some("365d")).code, 0);
    write_login(s.home(), &l1, now_ms() + 8 * 3_600_000, false);
    let shots = artefacts("desktop");
    let mut d = Desktop::start(&s.home().join("desktop"), Parts::FULL);
    d.start_app(s.home(), &[]);

    // The icon appears, and the live service mirrors Claude Code's login at start.
    d.tray_icon();
    d.wait_for("the mirror at start", Duration::from_secs(20), || (mirror_token(&s).as_deref() == Some(l1.as_str())).then_some(()));
    d.screenshot(&shots.join("tray-icon.png"));
    d.wait_for("the menu lines", Duration::from_secs(10), || {
        let log = d.app_log();
        // One line per profile in try order, each saying how it stands.
        let manual = log.contains("anthropic:manual — In use · expires in 1 year")
            || log.contains("anthropic:manual — Next in line · expires in 1 year");
        (manual && log.contains("anthropic:claude-code — ") && log.contains("enewed from Claude Code's login")).then_some(())
    });
    assert!(d.app_window().is_none(), "a window opened although a tray host runs");
    eprintln!("figures: tray app without targets: {} MB resident", d.app_rss_mb().unwrap_or(0));

    // Paste from a valid clipboard: saved (the gateway reads it), confirmed by a notification
    // with the redacted token only.
    d.set_clipboard(&c);
    d.menu_item(1, Some(&shots.join("tray-menu.png")));
    d.wait_for("the pasted token in the store", Duration::from_secs(20), || {
        (s.store()["profiles"]["anthropic:manual"]["token"] == c.as_str()).then_some(())
    });
    let (status, _) = s.gateway_status();
    assert_eq!(gateway_profile(&status, "anthropic:manual")["status"], "ok");
    let saved = d.wait_for("the confirmation", Duration::from_secs(20), || d.notifications().into_iter().find(|n| n.1 == "Token saved"));
    assert_eq!(saved.0, "authtray");
    assert!(saved.2.starts_with("sk-ant-oat01-…CCCC → anthropic:manual (agent main)"), "{saved:?}");
    // What it replaced, its expiry in local time, and the Undo entry by name.
    assert!(saved.2.contains("Replaced sk-ant-oat01-…AAAA."), "{saved:?}");
    assert!(saved.2.contains("Dec 2027)"), "{saved:?}");
    assert!(saved.2.contains("“Undo paste to anthropic:manual”"), "{saved:?}");

    // Undo (the previous credential came back from the Secret Service).
    d.menu_item(2, None);
    d.wait_for("the undo", Duration::from_secs(20), || (s.store()["profiles"]["anthropic:manual"]["token"] == a.as_str()).then_some(()));
    d.wait_for("the undo notification", Duration::from_secs(10), || d.notifications().into_iter().find(|n| n.1 == "Paste undone"));

    // An invalid clipboard opens the paste screen instead of guessing.
    d.set_clipboard("hello, this is not a token");
    let before = std::fs::read(s.store_path()).expect("store");
    d.menu_item(1, None);
    let w = d.wait_for("the window", Duration::from_secs(30), || d.app_window());
    std::thread::sleep(Duration::from_millis(1500));
    d.screenshot(&shots.join("window-invalid-clipboard.png"));
    assert_eq!(std::fs::read(s.store_path()).expect("store"), before, "an invalid clipboard wrote");
    d.xdotool(&["windowclose", &w]);
    d.wait_for("the window to close", Duration::from_secs(10), || d.app_window().is_none().then_some(()));
    assert!(d.app_alive(), "closing the window quit the app");

    // WebKit's helper processes end with the window (nothing is kept alive in the tray).
    d.wait_for("WebKit's processes to end", Duration::from_secs(10), || d.webkit_processes().is_empty().then_some(()));

    // "Open authtray…" (Paste, Sync now, Open: Undo is disabled again): a new window loads and
    // reaches the engine although WebKit's processes were ended.
    let asked = d.app_log().matches("status requested by the window").count();
    d.menu_item(3, None);
    d.wait_for("the window", Duration::from_secs(30), || d.app_window());
    d.wait_for("the reopened window to load", Duration::from_secs(30), || {
        (d.app_log().matches("status requested by the window").count() > asked).then_some(())
    });
    std::thread::sleep(Duration::from_millis(1500));
    d.screenshot(&shots.join("window-open.png"));

    // "Sync now" (Paste, Sync now) always says how it went.
    d.menu_item(2, None);
    let done = d.wait_for("the sync notification", Duration::from_secs(20), || d.notifications().into_iter().find(|n| n.1 == "Sync done"));
    assert_eq!(done.2, "Up to date · 1 agent", "{done:?}");
    d.wait_for("the last-synced line", Duration::from_secs(10), || d.app_log().contains("Last synced").then_some(()));

    // Claude Code replaces its credentials by rename: the store follows with no user action.
    let t = Instant::now();
    write_login(s.home(), &l2, now_ms() + 8 * 3_600_000, true);
    d.wait_for("the mirror after the rename", Duration::from_secs(10), || (mirror_token(&s).as_deref() == Some(l2.as_str())).then_some(()));
    eprintln!("credentials rename → store: {} ms", t.elapsed().as_millis());

    // No full token ever went over the bus or into the log.
    for secret in [&a, &c, &l1, &l2] {
        assert!(!d.notification_log().contains(secret.as_str()), "a notification carried a full token");
        assert!(!d.app_log().contains(secret.as_str()), "the app log carried a full token");
    }
    assert!(d.app_alive());
}

/// openclaw 2026.9.6 (SQLite), with Claude Code's login to mirror at start: the icon is never
/// the healthy key while the menu still says it is checking; a menu opened as soon as the icon
/// shows fits on the screen, and so does the same menu opened again after a longer line came in
/// (GTK keeps a shown menu's width unless told otherwise: the issue saw "— In u" cut off).
#[test]
fn on_openclaw_2026_9_6_the_menu_is_right_from_the_first_second() {
    let _one = serial();
    let Some(_) = desktop_tools() else { return };
    let Some(bin) = oracle_bin(&OPENCLAW_SQLITE) else { return };
    let s = Sandbox::new(OPENCLAW_SQLITE, bin);
    assert_eq!(s.gateway_paste(&setup_token('A'), "anthropic:m", Some("365d")).code, 0);
    write_login(s.home(), &setup_token('L'), now_ms() + 8 * 3_600_000, false);
    let shots = artefacts("desktop");
    let mut d = Desktop::start(&s.home().join("desktop"), Parts::FULL);
    // On the log's clock (UTC, seconds into the day), so the menu's look below does not count.
    let launched = (now_ms() % 86_400_000) as f64 / 1000.0;
    d.start_app(s.home(), &[]);
    d.tray_icon();
    let (early, screen) = d.menu_look(&shots.join("tray-menu-2026-9-6-early.png"));
    assert!(early.right <= screen, "the menu opened at start runs off the screen: right edge {} on {screen}", early.right);
    // From the launch, and from the app being set up (tray, window, live service: "authtray
    // started"), both as the app logged them.
    let (verdict, set_up) = d.wait_for("the first verdict", Duration::from_secs(30), || {
        let log = d.app_log();
        let verdict = log.lines().find(|l| l.contains("tray menu icon=") && !l.contains("icon=Neutral"))?;
        Some((logged_at(verdict), log.lines().find(|l| l.contains("authtray started")).and_then(logged_at)))
    });
    // Across midnight (UTC) the later time reads smaller.
    let after = |from: Option<f64>| from.zip(verdict).map_or_else(|| "?".into(), |(a, b)| format!("{:.2}", (b - a).rem_euclid(86_400.0)));
    eprintln!(
        "figures: openclaw 2026.9.6 tray: first verdict {} s after launch, {} s after the app was set up",
        after(Some(launched)),
        after(set_up)
    );
    d.wait_for("the mirror at start", Duration::from_secs(30), || {
        let (doc, _) = s.authtray_status();
        doc["agents"][0]["profiles"].as_array()?.iter().any(|p| p["id"] == "anthropic:claude-code").then_some(())
    });
    // A token pasted with the gateway's own CLI under a long name: a wider line than any before.
    let long = "anthropic:pasted-on-the-gateway-host-with-its-own-cli";
    assert_eq!(s.gateway_paste(&setup_token('B'), long, None).code, 0);
    d.wait_for("the menu with the longer line", Duration::from_secs(60), || {
        d.app_log().lines().any(|l| l.contains("tray menu") && l.contains("pasted-on-the-gateway-host")).then_some(())
    });
    let (late, screen) = d.menu_look(&shots.join("tray-menu-2026-9-6-late.png"));
    eprintln!("figures: tray menu width {} px at start, {} px after the longer line, screen {screen} px", early.width, late.width);
    assert!(
        late.width > early.width,
        "the longer line did not widen the menu ({} → {} px): this test measures nothing",
        early.width,
        late.width
    );
    assert!(late.right <= screen, "the menu opened after the longer line runs off the screen: right edge {} on {screen}", late.right);
    for line in d.app_log().lines().filter(|l| l.contains("tray menu icon=")) {
        assert!(!(line.contains("icon=Healthy") && line.contains("Checking")), "a healthy icon under a menu still checking: {line}");
    }
    assert!(d.app_alive());
}

#[test]
fn an_expiring_pasted_token_notifies_once_and_not_again_after_a_restart() {
    let _one = serial();
    let Some(_) = desktop_tools() else { return };
    let s = Sandbox::offline(OPENCLAW_JSON);
    let expires = now_ms() + 20 * 60_000;
    s.write_store(&json!({"version": 1, "profiles": {"anthropic:manual": {"type": "token", "provider": "anthropic", "token": setup_token('E'), "expires": expires}}}).to_string());
    // The generation cannot be told from disk without the gateway CLI: say it.
    let cfg = s.home().join(".config/authtray");
    std::fs::create_dir_all(&cfg).expect("config dir");
    let mut d = Desktop::start(&s.home().join("desktop"), Parts::FULL);
    let env = [("OPENCLAW_STATE_DIR", s.state_dir().to_string_lossy().into_owned())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    d.start_app(s.home(), &env);
    d.tray_icon();
    let expiring = |d: &Desktop| d.notifications().into_iter().filter(|n| n.1.starts_with("anthropic:manual expires in")).count();
    d.wait_for("the expiry notification", Duration::from_secs(20), || (expiring(&d) > 0).then_some(()));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(expiring(&d), 1, "{:?}", d.notifications());
    assert!(d.app_log().contains("icon=Attention"), "the icon did not turn to attention");
    // Clicking the notification (dunst's default action) opens the window.
    assert!(d.app_window().is_none());
    let clicked = d.command("dunstctl").arg("action").status().expect("dunstctl");
    assert!(clicked.success());
    d.wait_for("the window after clicking the notification", Duration::from_secs(30), || d.app_window());

    d.start_app(s.home(), &env);
    d.tray_icon();
    d.wait_for("the restarted app's first update", Duration::from_secs(20), || d.app_log().contains("tray menu icon=").then_some(()));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(expiring(&d), 1, "the alert fired again after a restart: {:?}", d.notifications());
}

/// Gateways on other hosts in the tray: a container reached through the docker stand-in (a
/// real gateway there), a cluster that is not there, a host that hangs. The menu gets an
/// "Other hosts" section, the icon and headline follow the one verdict, the dead target is
/// notified once, and the headline's fix ("Try again") runs a sync that mirrors there.
#[test]
fn the_tray_shows_every_target_and_a_dead_one_blocks_nothing() {
    let _one = serial();
    let Some(_) = desktop_tools() else { return };
    let Some(bin) = oracle_bin(&OPENCLAW_JSON) else { return };
    let w = authtray_e2e::standins::World::new(&bin);
    assert_eq!(w.container.gateway_paste(&setup_token('C'), "anthropic:manual", Some("365d")).code, 0);
    let local = w.laptop.authtray(&["--generation", "openclaw-json", "paste-token", "--provider", "anthropic"], Some(&setup_token('H')));
    assert_eq!(local.code, 0, "{local:?}");
    for (name, url) in [
        ("vps-box", "docker://openclaw-gw --mirror"),
        ("cluster", "kubectl://nowhere/gateways/deploy/openclaw"),
        ("stuck", "kubectl://slow/gateways/deploy/openclaw"),
    ] {
        let mut args = vec!["target", "add", name];
        args.extend(url.split(' '));
        assert_eq!(w.authtray(&args, None).code, 0);
    }
    let access = setup_token('Q');
    write_login(w.laptop.home(), &access, now_ms() + 8 * 3_600_000, false);
    let path = format!("{}:{}", w.dir.path().join("standins").display(), std::env::var("PATH").unwrap_or_default());
    let mut d = Desktop::start(&w.laptop.home().join("desktop"), Parts::FULL);
    d.start_app(w.laptop.home(), &[("PATH", &path)]);
    d.tray_icon();
    d.wait_for("the targets' lines", Duration::from_secs(60), || {
        let log = d.app_log();
        (log.contains("Other hosts:")
            && log.contains("vps-box — All credentials healthy")
            && log.contains("cluster — cannot be reached since"))
        .then_some(())
    });
    let unreachable = d.wait_for("the unreachable notification", Duration::from_secs(20), || {
        d.notifications().into_iter().find(|n| n.1.starts_with("cluster unreachable since"))
    });
    // Plain words: what kubectl said stays in the window's Details.
    assert!(unreachable.2.starts_with("authtray cannot reach cluster."), "{unreachable:?}");
    assert!(!unreachable.2.contains("context \"nowhere\""), "kubectl's own text in a notification: {unreachable:?}");
    let raw = std::fs::read_to_string(w.container.store_path()).expect("the container's store");
    assert!(raw.contains(&access), "the login was mirrored to the container");
    eprintln!("figures: tray app with 3 targets (one hanging): {} MB resident", d.app_rss_mb().unwrap_or(0));
    // The headline's fix is "Try again": a sync, told by one notification that says what each
    // host answered this time (the hanging one: still being checked after 20 s).
    d.menu_item(1, Some(&artefacts("desktop").join("tray-menu-targets.png")));
    let done = d.wait_for("the sync notification", Duration::from_secs(60), || d.notifications().into_iter().find(|n| n.1 == "Sync done"));
    assert!(
        done.2.contains("Other hosts: vps-box: All credentials healthy · cluster cannot be reached · stuck: still checking."),
        "{done:?}"
    );
    assert_eq!(d.notifications().iter().filter(|n| n.1.starts_with("cluster unreachable")).count(), 1, "notified once");
    assert!(d.app_alive());
    assert!(!d.app_log().contains(&access), "the app log carried a full token");
    if let Some(pid) = std::fs::read_to_string(w.dir.path().join("stuck.pid")).ok().and_then(|p| p.trim().parse::<i32>().ok()) {
        let _ = unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
}

/// First run: a neutral icon and "Not set up yet", not an alarm; a token pasted before set-up
/// opens set-up instead of failing, is kept (in memory) and saved from the menu once set-up is
/// done; no engine error text reaches a notification.
#[test]
fn first_run_is_neutral_and_keeps_a_token_pasted_before_set_up() {
    let _one = serial();
    let Some(_) = desktop_tools() else { return };
    let Some(bin) = oracle_bin(&OPENCLAW_JSON) else { return };
    let s = Sandbox::new(OPENCLAW_JSON, bin);
    let (a, c) = (setup_token('A'), setup_token('C'));
    assert_eq!(s.gateway_paste(&a, "anthropic:manual", Some("365d")).code, 0);
    // The gateway is not there yet: it comes back below, as if installed.
    let aside = s.home().join("gateway-later");
    std::fs::rename(s.state_dir(), &aside).expect("move the gateway aside");
    let shots = artefacts("desktop");
    let mut d = Desktop::start(&s.home().join("desktop"), Parts::FULL);
    d.start_app(s.home(), &[]);
    d.tray_icon();
    d.wait_for("the first glance", Duration::from_secs(20), || {
        let log = d.app_log();
        (log.contains("icon=Neutral") && log.contains("headline=Not set up yet")).then_some(())
    });
    assert!(!d.app_log().contains("icon=Broken"), "the first run showed the alarm icon");
    d.screenshot(&shots.join("first-run-tray.png"));

    // Paste before set-up (Set up…, Paste): the window opens on set-up; nothing written,
    // nothing failed.
    d.set_clipboard(&c);
    d.menu_item(2, Some(&shots.join("first-run-menu.png")));
    let w = d.wait_for("the window on set-up", Duration::from_secs(30), || d.app_window());
    std::thread::sleep(Duration::from_millis(1500));
    d.screenshot(&shots.join("first-run-paste-before-set-up.png"));
    assert!(!s.state_dir().exists(), "something was written before set-up");
    d.wait_for("the token kept", Duration::from_secs(10), || d.app_log().contains("kept until set-up").then_some(()));
    d.xdotool(&["windowclose", &w]);

    // Set-up done (the gateway appears): the kept token is offered once, by its redacted form.
    std::fs::rename(&aside, s.state_dir()).expect("the gateway arrives");
    let offer = d.wait_for("the offer", Duration::from_secs(90), || d.notifications().into_iter().find(|n| n.1 == "authtray is set up"));
    assert!(offer.2.contains("sk-ant-oat01-…CCCC") && offer.2.contains("Save the token copied before set-up"), "{offer:?}");
    d.wait_for("the relabelled entry", Duration::from_secs(10), || d.app_log().contains("icon=Healthy").then_some(()));
    d.menu_item(1, None);
    d.wait_for("the kept token in the store", Duration::from_secs(20), || {
        (s.store()["profiles"]["anthropic:manual"]["token"] == c.as_str()).then_some(())
    });
    d.wait_for("the confirmation", Duration::from_secs(20), || d.notifications().into_iter().find(|n| n.1 == "Token saved"));
    for n in d.notifications() {
        for raw in ["internal error", "cannot tell which gateway", "meta.lastTouchedVersion", "--"] {
            assert!(!n.2.contains(raw), "engine text in a notification: {n:?}");
        }
    }
    for secret in [&a, &c] {
        assert!(!d.notification_log().contains(secret.as_str()), "a notification carried a full token");
        assert!(!d.app_log().contains(secret.as_str()), "the app log carried a full token");
    }
}

#[test]
fn starts_and_stays_up_without_tray_host_notification_server_or_secret_service() {
    let _one = serial();
    let Some(_) = desktop_tools() else { return };
    let s = Sandbox::offline(OPENCLAW_JSON);
    s.write_store(&json!({"version": 1, "profiles": {"anthropic:manual": {"type": "token", "provider": "anthropic", "token": setup_token('X'), "expires": now_ms() + 60_000}}}).to_string());
    let mut d = Desktop::start(&s.home().join("desktop"), Parts::BARE);
    d.start_app(s.home(), &[("OPENCLAW_STATE_DIR", &s.state_dir().to_string_lossy())]);
    // No tray host: the window opens instead.
    d.wait_for("the window", Duration::from_secs(30), || d.app_window());
    std::thread::sleep(Duration::from_secs(5));
    assert!(d.app_alive(), "the app died:\n{}", d.app_log());
    let log = d.app_log();
    assert!(log.contains("no system tray is running"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
    d.screenshot(&artefacts("desktop").join("no-tray-host.png"));
}

mod webdriver;

#[test]
fn the_window_loads_the_ui_and_lists_profiles_through_webdriver() {
    let _one = serial();
    let Some(_) = desktop_tools() else { return };
    if !webdriver::have_tauri_driver() {
        return;
    }
    let s = Sandbox::offline(OPENCLAW_JSON);
    s.write_store(&json!({"version": 1, "profiles": {
        "anthropic:manual": {"type": "token", "provider": "anthropic", "token": setup_token('W'), "expires": now_ms() + 30 * 86_400_000i64},
        "openai:default": {"type": "api_key", "provider": "openai", "key": format!("sk-proj-{}", "k".repeat(40))},
        "anthropic:pasted": {"type": "token", "provider": "anthropic", "token": setup_token('P')},
    }}).to_string());
    let d = Desktop::start(&s.home().join("desktop"), webdriver::parts());
    let state_dir = s.state_dir().to_string_lossy().into_owned();
    let driver = webdriver::TauriDriver::start(&d, s.home(), &[("OPENCLAW_STATE_DIR", &state_dir)]);
    let w = webdriver::Driver::new(&driver.addr, &["--show"]);
    let _log = LogOnPanic(s.home().join("tauri-driver.log"));
    assert_eq!(w.title(), "authtray");
    let rows = w.texts("#overview-agents tbody tr", Duration::from_secs(30));
    assert!(rows.iter().any(|r| r.contains("anthropic:manual") && r.contains("expires in 29 d")), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("openai:default") && r.contains("does not expire")), "{rows:?}");
    assert!(!rows.join(" ").contains(&setup_token('W')), "the window showed a full token");

    // A token stored without its expiry gets one in the window (IPC): the store holds that
    // day's local midnight.
    assert!(rows.iter().any(|r| r.contains("anthropic:pasted") && r.contains("expiry unknown")), "{rows:?}");
    w.run("document.querySelector('[data-set-expiry=\"anthropic:pasted\"]').click()", json!([]));
    w.texts("#expiry-form", Duration::from_secs(10));
    // Half a year from today, whenever the suite runs.
    let midnight = w.run(
        "const day = new Date(); day.setMonth(day.getMonth() + 6); day.setHours(0, 0, 0, 0);
         const iso = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
         document.getElementById('expiry-date').value = iso;
         document.querySelector('#expiry-form button[type=submit]').click();
         return day.getTime();",
        json!([]),
    );
    let stored = || s.store()["profiles"]["anthropic:pasted"]["expires"].as_i64();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while stored().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(stored(), midnight.as_i64(), "the window's Set expiry reached the store");

    // A gateway on another host is added and removed in the window itself (IPC, not serve).
    let targets = || -> Value { serde_json::from_str(&s.authtray(&["target", "list", "--json"], None).stdout).expect("JSON") };
    w.run("location.hash = '#settings'", json!([]));
    w.texts("#set-target-add:not([hidden]) button", Duration::from_secs(10));
    w.run(
        "document.getElementById('set-target-name').value = arguments[0];
         document.getElementById('set-target-url').value = arguments[1];
         document.getElementById('set-target-add-button').click();",
        json!(["vps", "ssh://nobody@127.0.0.1:9"]),
    );
    // The answer is written when the save is back: wait for it, not for the empty line.
    let result = w.texts("#set-target-result:not(:empty)", Duration::from_secs(10));
    assert!(result[0].starts_with("Added vps"), "{result:?}");
    assert_eq!(targets(), json!([{"name": "vps", "url": "ssh://nobody@127.0.0.1:9", "mirror": false}]));
    let listed = w.texts("#set-target-list li", Duration::from_secs(10));
    assert!(listed.iter().any(|l| l.contains("vps") && l.contains("ssh://nobody@127.0.0.1:9")), "{listed:?}");
    // WebKit's shot of the window starts at the top of the page whatever is scrolled: the
    // sections above the hosts are folded away for it, then shown again.
    let fold = "for (const f of document.querySelectorAll('#settings-form > fieldset')) f.style.display = arguments[0] && !['set-targets', 'set-remote'].includes(f.id) ? 'none' : ''";
    w.run(fold, json!([true]));
    w.screenshot(&artefacts("desktop").join("window-settings-targets.png"));
    w.run(fold, json!([false]));
    // The programs that reach the hosts are editable here (they run on this computer).
    let programs =
        w.run("return ['set-docker', 'set-kubectl', 'set-target-every'].map((id) => !document.getElementById(id).disabled)", json!([]));
    assert_eq!(programs, json!([true, true, true]), "the window cannot change how hosts are reached");
    // A bad address is refused with the engine's reason, and nothing is saved.
    w.run(
        "document.getElementById('set-target-name').value = 'bad';
         document.getElementById('set-target-url').value = 'ssh://-oProxyCommand=id';
         document.getElementById('set-target-add-button').click();",
        json!([]),
    );
    let banner = w.texts("#banner:not([hidden])", Duration::from_secs(10));
    assert!(!banner[0].is_empty(), "no message for a refused address");
    assert_eq!(targets().as_array().map(Vec::len), Some(1), "a refused address was saved");
    // Remove asks once more on the button itself.
    let click_remove = "document.querySelector('#set-target-list button[data-remove=\"vps\"]').click()";
    w.run(click_remove, json!([]));
    assert_eq!(targets().as_array().map(Vec::len), Some(1), "one click removed the host");
    // The question outlives a redraw of the list (the window refreshes while checks are pending).
    w.run("location.hash = '#overview'; setTimeout(() => { location.hash = '#settings'; }, 300)", json!([]));
    std::thread::sleep(Duration::from_millis(1200));
    let armed = w.run(
        "const b = document.querySelector('#set-target-list button[data-remove=\"vps\"]'); return [b.textContent, b.getAttribute('aria-label')]",
        json!([]),
    );
    assert_eq!(armed, json!(["Click again to remove vps", "Click again to remove vps"]), "the redraw forgot the first click");
    w.run(click_remove, json!([]));
    let t = Instant::now();
    while targets() != json!([]) {
        assert!(t.elapsed() < Duration::from_secs(10), "the host was not removed: {}", targets());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Prints a log file if the test fails while this is alive.
struct LogOnPanic(std::path::PathBuf);

impl Drop for LogOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- {} ---\n{}", self.0.display(), std::fs::read_to_string(&self.0).unwrap_or_default());
        }
    }
}

#[test]
fn start_at_login_toggles_and_a_second_instance_hands_over_to_the_first() {
    let _one = serial();
    let Some(app) = desktop_tools() else { return };
    let s = Sandbox::offline(OPENCLAW_JSON);
    s.write_store(&json!({"version": 1, "profiles": {}}).to_string());
    let mut d =
        Desktop::start(&s.home().join("desktop"), Parts { bus: true, tray_host: true, notifications: false, secret_service: false });
    d.start_app(s.home(), &[("OPENCLAW_STATE_DIR", &s.state_dir().to_string_lossy())]);
    d.tray_icon();
    assert!(d.app_window().is_none());
    // "Start at login" (the empty store's fix "Paste token…", Paste, Sync now, Open, Start at
    // login) writes the XDG autostart entry; again removes it.
    let autostart = s.home().join(".config/autostart");
    let entry = || std::fs::read_dir(&autostart).ok().and_then(|mut d| d.next()).and_then(|e| e.ok()).map(|e| e.path());
    d.menu_item(5, None);
    let file = d.wait_for("the autostart entry", Duration::from_secs(10), entry);
    let text = std::fs::read_to_string(&file).expect("autostart entry");
    assert!(text.contains("authtray-app"), "{text}");
    d.menu_item(5, None);
    d.wait_for("the autostart entry to go", Duration::from_secs(10), || entry().is_none().then_some(()));
    let mut second = d
        .command(app)
        .env("HOME", s.home())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("second instance");
    let t = Instant::now();
    let code = loop {
        if let Ok(Some(st)) = second.try_wait() {
            break st.code();
        }
        assert!(t.elapsed() < Duration::from_secs(20), "the second instance kept running");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(code, Some(0));
    // The first instance shows its window instead.
    d.wait_for("the first instance's window", Duration::from_secs(30), || d.app_window());
    assert!(d.app_alive());
}

/// Seconds into the day of a log line's timestamp ("2026-12-06T19:55:01.123456Z  INFO …").
fn logged_at(line: &str) -> Option<f64> {
    let time = line.split_whitespace().next()?.split_once('T')?.1.trim_end_matches('Z');
    let mut hms = time.split(':').map(|p| p.parse::<f64>().ok());
    Some(hms.next()?? * 3600.0 + hms.next()?? * 60.0 + hms.next()??)
}
