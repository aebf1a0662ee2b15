//! The window through WebDriver (tauri-driver → WebKitWebDriver): it loads `ui/`, reaches the
//! engine over IPC, and lists the store's profiles.

use std::time::{Duration, Instant};

use authtray_e2e::desktop::{app_bin, Desktop, Parts};
use authtray_e2e::serve::request;
use serde_json::{json, Value};

/// A free TCP port on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A minimal W3C WebDriver client over the raw HTTP helper.
pub struct Driver {
    addr: String,
    session: String,
}

impl Driver {
    fn call(addr: &str, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        // tauri-driver now and then drops a connection without answering: ask again.
        let mut a = request(addr, method, path, &[("Host", addr), ("Content-Type", "application/json")], body.as_bytes());
        for _ in 0..3 {
            if a.status != 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            a = request(addr, method, path, &[("Host", addr), ("Content-Type", "application/json")], body.as_bytes());
        }
        let v: Value = serde_json::from_str(&a.body).unwrap_or(Value::Null);
        assert!(a.status == 200, "WebDriver {method} {path} → {}: {:?}", a.status, a);
        v["value"].clone()
    }

    /// Starts a session that launches the app with `args`.
    pub fn new(addr: &str, args: &[&str]) -> Driver {
        let caps =
            json!({"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": app_bin(), "args": args}}}});
        let v = Driver::call(addr, "POST", "/session", Some(caps));
        let session = v["sessionId"].as_str().expect("session id").to_string();
        Driver { addr: addr.to_string(), session }
    }

    /// Texts of the elements matching a CSS selector (waits until there is at least one). Read in
    /// one script call, so a re-render between finding and reading cannot leave stale elements.
    pub fn texts(&self, css: &str, timeout: Duration) -> Vec<String> {
        let t = Instant::now();
        let script = json!({"script": "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText)", "args": [css]});
        loop {
            let found = Driver::call(&self.addr, "POST", &format!("/session/{}/execute/sync", self.session), Some(script.clone()));
            let texts: Vec<String> = found.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
            if !texts.is_empty() {
                return texts;
            }
            assert!(t.elapsed() < timeout, "nothing matches {css}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Runs a script in the window and returns what it returns.
    pub fn run(&self, script: &str, args: Value) -> Value {
        Driver::call(&self.addr, "POST", &format!("/session/{}/execute/sync", self.session), Some(json!({"script": script, "args": args})))
    }

    /// Saves a PNG of the window to `path` (WebDriver answers in base64; coreutils decodes it).
    pub fn screenshot(&self, path: &std::path::Path) {
        use std::io::Write;
        let b64 = Driver::call(&self.addr, "GET", &format!("/session/{}/screenshot", self.session), None);
        let mut child = std::process::Command::new("base64")
            .arg("-d")
            .stdin(std::process::Stdio::piped())
            .stdout(std::fs::File::create(path).expect("screenshot file"))
            .spawn()
            .expect("base64");
        child.stdin.take().expect("stdin").write_all(b64.as_str().unwrap_or_default().as_bytes()).expect("write");
        assert!(child.wait().expect("base64").success(), "the screenshot did not decode");
    }

    /// The page title.
    pub fn title(&self) -> String {
        Driver::call(&self.addr, "GET", &format!("/session/{}/title", self.session), None).as_str().unwrap_or_default().to_string()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ends the session, which quits the app.
        let _ = request(&self.addr, "DELETE", &format!("/session/{}", self.session), &[("Host", &self.addr)], b"");
    }
}

/// tauri-driver on this desktop; killed when dropped.
pub struct TauriDriver {
    child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl TauriDriver {
    pub fn start(d: &Desktop, home: &std::path::Path, env: &[(&str, &str)]) -> TauriDriver {
        let (port, native) = (free_port(), free_port());
        let mut c = d.command("tauri-driver");
        c.args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("HOME", home)
            .env("AUTHTRAY_LOG", "authtray_app=debug")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(home.join("tauri-driver.log")).expect("log"));
        for (k, v) in env {
            c.env(k, v);
        }
        let child = c.spawn().expect("start tauri-driver");
        let addr = format!("127.0.0.1:{port}");
        let t = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(t.elapsed() < Duration::from_secs(20), "tauri-driver did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        TauriDriver { child, addr }
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether tauri-driver is installed (required under `AUTHTRAY_REQUIRE_BROWSER=1`).
pub fn have_tauri_driver() -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|d| d.join("tauri-driver").is_file() && d.join("WebKitWebDriver").is_file())
        || (std::env::split_paths(&path).any(|d| d.join("tauri-driver").is_file())
            && std::path::Path::new("/usr/bin/WebKitWebDriver").is_file());
    if !found {
        if std::env::var("AUTHTRAY_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("tauri-driver and WebKitWebDriver are needed: run scripts/setup.sh --test");
        }
        eprintln!("skipped: tauri-driver or WebKitWebDriver missing");
    }
    found
}

pub fn parts() -> Parts {
    Parts { bus: true, tray_host: false, notifications: false, secret_service: false }
}
