//! A throwaway Linux desktop for the tray app's end-to-end tests: an X server (Xvfb), its own
//! session bus, and what a test asks for: a window manager, an XEmbed tray host (trayer), a
//! notification server (dunst) with every `Notify` call recorded (dbus-monitor), and a Secret
//! Service (gnome-keyring). Recipes: ../shared/reference/linux-desktop-testing.md.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What to run besides the X server.
#[derive(Debug, Clone, Copy)]
pub struct Parts {
    /// A session bus (without it: no notifications, no Secret Service, no SNI).
    pub bus: bool,
    /// openbox + trayer.
    pub tray_host: bool,
    /// dunst + dbus-monitor.
    pub notifications: bool,
    /// gnome-keyring's Secret Service, unlocked.
    pub secret_service: bool,
}

impl Parts {
    /// Everything.
    pub const FULL: Parts = Parts { bus: true, tray_host: true, notifications: true, secret_service: true };
    /// The X server alone.
    pub const BARE: Parts = Parts { bus: false, tray_host: false, notifications: false, secret_service: false };
}

/// The running desktop; everything is killed when dropped.
pub struct Desktop {
    /// `:N`.
    pub display: String,
    /// The session bus address, when there is one.
    pub bus: Option<String>,
    dir: PathBuf,
    children: Vec<Child>,
    app: Option<Child>,
    app_runs: usize,
}

/// The tools these tests need, or `None` with a visible skip (`AUTHTRAY_REQUIRE_BROWSER=1`, set
/// by the README's test command, turns a missing tool into a failure).
pub fn desktop_tools() -> Option<PathBuf> {
    let tools = [
        "Xvfb",
        "dbus-daemon",
        "dbus-monitor",
        "trayer",
        "openbox",
        "dunst",
        "dunstctl",
        "xdotool",
        "import",
        "xclip",
        "gnome-keyring-daemon",
    ];
    let path = std::env::var_os("PATH").unwrap_or_default();
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !std::env::split_paths(&path).any(|d| d.join(t).is_file())).collect();
    let app = app_bin();
    if missing.is_empty() && app.is_file() {
        return Some(app);
    }
    let why = format!("missing {missing:?}{}", if app.is_file() { String::new() } else { format!(" and {}", app.display()) });
    if std::env::var("AUTHTRAY_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("the desktop tests need {why}; run scripts/setup.sh --test and build the workspace");
    }
    eprintln!("skipped: desktop tools {why}");
    None
}

/// The tray app binary built beside the tests (`AUTHTRAY_APP_BIN` overrides).
pub fn app_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("AUTHTRAY_APP_BIN") {
        return PathBuf::from(p);
    }
    crate::authtray_bin().with_file_name("authtray-app")
}

fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    line.trim().to_string()
}

impl Desktop {
    /// Starts the X server and the parts asked for; logs go to `dir`.
    pub fn start(dir: &Path, parts: Parts) -> Desktop {
        std::fs::create_dir_all(dir).expect("desktop dir");
        let mut x = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let display = format!(":{}", first_line(&mut x));
        let mut d = Desktop { display, bus: None, dir: dir.to_path_buf(), children: vec![x], app: None, app_runs: 0 };
        if parts.bus {
            let mut bus = Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start dbus-daemon");
            d.bus = Some(first_line(&mut bus));
            d.children.push(bus);
        }
        if parts.notifications && d.bus.is_some() {
            let log = std::fs::File::create(d.dir.join("notify.log")).expect("monitor log");
            let monitor = d
                .command("dbus-monitor")
                .args(["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"])
                .stdout(log)
                .stderr(Stdio::null())
                .spawn()
                .expect("start dbus-monitor");
            d.children.push(monitor);
            let dunst =
                d.command("dunst").args(["-config", "/dev/null"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start dunst");
            d.children.push(dunst);
        }
        if parts.secret_service && d.bus.is_some() {
            let home = d.dir.join("keyring-home");
            std::fs::create_dir_all(home.join("share/keyrings")).expect("keyring dir");
            // stdin must not be empty, or no login keyring is created (see the reference).
            let mut kr = d
                .command("gnome-keyring-daemon")
                .args(["--foreground", "--unlock", "--components=secrets"])
                .env("HOME", &home)
                .env("XDG_DATA_HOME", home.join("share"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start gnome-keyring-daemon");
            if let Some(mut i) = kr.stdin.take() {
                use std::io::Write;
                let _ = i.write_all(b"test");
            }
            let _ = first_line(&mut kr);
            d.children.push(kr);
        }
        if parts.tray_host {
            for (prog, args) in [
                ("openbox", vec![]),
                (
                    "trayer",
                    vec![
                        "--edge",
                        "top",
                        "--align",
                        "right",
                        "--widthtype",
                        "pixel",
                        "--width",
                        "120",
                        "--height",
                        "32",
                        "--transparent",
                        "false",
                        "--tint",
                        "0x333333",
                        "--SetDockType",
                        "true",
                    ],
                ),
            ] {
                let c = d
                    .command(prog)
                    .args(args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|e| panic!("start {prog}: {e}"));
                d.children.push(c);
            }
        }
        // Let the tray host and the notification server take their names.
        std::thread::sleep(Duration::from_millis(800));
        d
    }

    /// A command on this desktop (DISPLAY and the bus set, nothing else inherited but PATH).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default()).env("DISPLAY", &self.display).env("HOME", &self.dir);
        if let Some(b) = &self.bus {
            c.env("DBUS_SESSION_BUS_ADDRESS", b);
        }
        c
    }

    /// Starts the tray app with this HOME; its log goes to `app-<n>.log`.
    pub fn start_app(&mut self, home: &Path, extra_env: &[(&str, &str)]) {
        self.start_app_from(&app_bin(), home, extra_env);
    }

    /// [`Desktop::start_app`] with another build of the app (the packaged one, say).
    pub fn start_app_from(&mut self, bin: &Path, home: &Path, extra_env: &[(&str, &str)]) {
        self.stop_app();
        self.app_runs += 1;
        let log = std::fs::File::create(self.app_log_path()).expect("app log");
        let mut c = self.command(bin);
        c.env("HOME", home).env("AUTHTRAY_LOG", "authtray_app=debug,authtray_core=info").env("NO_AT_BRIDGE", "1");
        for (k, v) in extra_env {
            c.env(k, v);
        }
        self.app = Some(c.stdout(Stdio::null()).stderr(log).spawn().expect("start authtray-app"));
    }

    fn app_log_path(&self) -> PathBuf {
        self.dir.join(format!("app-{}.log", self.app_runs))
    }

    /// The running app's resident memory in MB (VmRSS), for the figures.
    pub fn app_rss_mb(&self) -> Option<u64> {
        let pid = self.app.as_ref().map(Child::id)?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let kb = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse::<u64>().ok()?;
        Some(kb / 1024)
    }

    /// The current run's log.
    pub fn app_log(&self) -> String {
        std::fs::read_to_string(self.app_log_path()).unwrap_or_default()
    }

    /// Whether the app is still running.
    pub fn app_alive(&mut self) -> bool {
        self.app.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The app's WebKit helper processes still running.
    pub fn webkit_processes(&self) -> Vec<String> {
        let Some(pid) = self.app.as_ref().map(Child::id) else { return Vec::new() };
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        children
            .split_whitespace()
            .filter_map(|c| std::fs::read_to_string(format!("/proc/{c}/comm")).ok())
            .map(|c| c.trim().to_string())
            .filter(|c| c.starts_with("WebKit"))
            .collect()
    }

    /// Stops the app (SIGTERM, then kill).
    pub fn stop_app(&mut self) {
        if let Some(mut c) = self.app.take() {
            // SAFETY: kill(2) on our own child.
            unsafe {
                libc::kill(c.id() as i32, libc::SIGTERM);
            }
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(3) {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Runs xdotool; its stdout.
    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = self.command("xdotool").args(args).output().expect("xdotool");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits until `f` returns `Some`.
    pub fn wait_for<T>(&self, what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
        let t = Instant::now();
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(
                t.elapsed() < timeout,
                "timed out after {timeout:?} waiting for {what}\nnotifications: {:?}\napp log:\n{}",
                self.notifications(),
                self.app_log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The tray icon's window, once it is shown.
    pub fn tray_icon(&self) -> String {
        self.wait_for("the tray icon", Duration::from_secs(30), || {
            self.xdotool(&["search", "--onlyvisible", "--class", "^tray-icon tray app authtray$"]).lines().next().map(str::to_string)
        })
    }

    /// The visible authtray window, if any.
    pub fn app_window(&self) -> Option<String> {
        self.xdotool(&["search", "--onlyvisible", "--name", "^authtray$"]).lines().next().map(str::to_string)
    }

    /// Opens the tray menu and activates the `n`th enabled item after the headline (1-based) by
    /// keyboard; `0` is the headline itself (enabled, so that it reads at full contrast).
    pub fn menu_item(&self, n: usize, shot: Option<&Path>) {
        self.open_menu();
        std::thread::sleep(Duration::from_millis(300));
        if let Some(p) = shot {
            self.screenshot(p);
        }
        let mut keys: Vec<&str> = vec!["key", "--delay", "80"];
        keys.extend(std::iter::repeat_n("Down", n + 1));
        keys.push("Return");
        self.xdotool(&keys);
    }

    /// The app's visible windows of its own class: its window and the tray menu's popup.
    fn app_popups(&self) -> Vec<String> {
        self.xdotool(&["search", "--onlyvisible", "--classname", "^authtray-app$"]).lines().map(str::to_string).collect()
    }

    /// Clicks the tray icon and waits for the menu: a new visible window of the app's class
    /// (waited for rather than guessed). Returns that window and how many were visible before.
    fn open_menu(&self) -> (String, usize) {
        let icon = self.tray_icon();
        let before = self.app_popups();
        self.xdotool(&["mousemove", "--window", &icon, "8", "8", "click", "1"]);
        let menu = self.wait_for("the tray menu", Duration::from_secs(15), || self.app_popups().into_iter().find(|w| !before.contains(w)));
        (menu, before.len())
    }

    /// Opens the tray menu, shoots the screen, and closes the menu again (Escape): returns where
    /// the menu sat and the screen's width, so a menu that runs off the screen shows.
    pub fn menu_look(&self, shot: &Path) -> (MenuBox, i64) {
        let (menu, before) = self.open_menu();
        // "Position: 1043,24 (screen: 0)" and "Geometry: 230x180".
        let place = || -> Option<(i64, i64)> {
            let geometry = self.xdotool(&["getwindowgeometry", &menu]);
            let pair = |key: &str, sep: char| -> Option<(i64, i64)> {
                let first = geometry.lines().find_map(|l| l.trim().strip_prefix(key))?.split_whitespace().next()?;
                let (a, b) = first.split_once(sep)?;
                Some((a.parse().ok()?, b.parse().ok()?))
            };
            Some((pair("Position:", ',')?.0, pair("Geometry:", 'x')?.0))
        };
        // The menu may be placed again once shown: measured when two looks agree.
        let (x, w) = self.wait_for("the tray menu to settle", Duration::from_secs(10), || {
            let first = place()?;
            std::thread::sleep(Duration::from_millis(150));
            (place()? == first).then_some(first)
        });
        self.screenshot(shot);
        let screen = self.xdotool(&["getdisplaygeometry"]);
        let screen_w = screen.split_whitespace().next().and_then(|w| w.parse().ok()).unwrap_or(0);
        assert!(w > 0 && screen_w > 0, "cannot measure the menu: {w} px wide on {screen:?}");
        self.xdotool(&["key", "Escape"]);
        self.wait_for("the tray menu to close", Duration::from_secs(10), || (self.app_popups().len() <= before).then_some(()));
        (MenuBox { right: x + w, width: w }, screen_w)
    }

    /// Saves a screenshot of the whole screen.
    pub fn screenshot(&self, path: &Path) {
        let status = self.command("import").args(["-window", "root"]).arg(path).status().expect("import");
        assert!(status.success(), "screenshot failed");
    }

    /// Puts text on the CLIPBOARD selection (xclip keeps serving it in the background).
    pub fn set_clipboard(&mut self, text: &str) {
        let mut c = self
            .command("xclip")
            .args(["-selection", "clipboard", "-i", "-quiet"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip");
        if let Some(mut i) = c.stdin.take() {
            use std::io::Write;
            let _ = i.write_all(text.as_bytes());
        }
        self.children.push(c);
        std::thread::sleep(Duration::from_millis(300));
    }

    /// Every notification sent so far: (app, summary, body).
    pub fn notifications(&self) -> Vec<(String, String, String)> {
        let log = std::fs::read_to_string(self.dir.join("notify.log")).unwrap_or_default();
        log.split("member=Notify")
            .skip(1)
            .filter_map(|call| {
                let strings: Vec<String> = call
                    .split("\n   string \"")
                    .skip(1)
                    .map(|s| s.split_once("\"\n").map(|(v, _)| v).unwrap_or_else(|| s.trim_end().trim_end_matches('"')).to_string())
                    .collect();
                // app_name, app_icon, summary, body (then actions)
                (strings.len() >= 4).then(|| (strings[0].clone(), strings[2].clone(), strings[3].clone()))
            })
            .collect()
    }

    /// The raw notification log (to check that no secret went over the bus).
    pub fn notification_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("notify.log")).unwrap_or_default()
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        self.stop_app();
        for c in self.children.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Where an opened tray menu sat on the screen, in pixels.
#[derive(Debug, Clone, Copy)]
pub struct MenuBox {
    /// Its right edge.
    pub right: i64,
    /// Its width.
    pub width: i64,
}
