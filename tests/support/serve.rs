//! A running `authtray serve` and a minimal raw HTTP client, for tests that must send what a
//! browser would not (forged Host, foreign Origin, oversized bodies).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::Sandbox;

/// The request header that carries a `serve` session (the server ignores cookies).
pub const SESSION_HEADER: &str = "X-Authtray-Session";

/// `authtray serve` in a sandbox; killed when dropped.
pub struct Serve {
    child: Child,
    /// The printed one-time URL.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub host: String,
    stderr: Option<std::process::ChildStderr>,
}

impl Serve {
    /// Starts it with extra arguments and waits for the URL line.
    pub fn start(s: &Sandbox, extra: &[&str]) -> Serve {
        Serve::start_with_path(s, extra, None)
    }

    /// [`Serve::start`] with `dir` first on `PATH` (a stand-in desktop opener, say).
    pub fn start_with_path(s: &Sandbox, extra: &[&str], dir: Option<&std::path::Path>) -> Serve {
        let mut args = vec!["serve"];
        args.extend_from_slice(extra);
        let mut cmd = s.authtray_command(&args);
        if let Some(dir) = dir {
            cmd.env("PATH", format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default()));
        }
        if s.gw.writes_through_cli {
            cmd.env("AUTHTRAY_GATEWAY_CLI", s.bin.join(s.gw.oracle));
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start authtray serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read the URL line");
        let url = line.trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:") && url.contains("/?secret="), "first line is not the URL: {url:?}");
        let host = url.trim_start_matches("http://").split('/').next().unwrap_or_default().to_string();
        let stderr = child.stderr.take();
        Serve { child, url, host, stderr }
    }

    /// The URL without the secret.
    pub fn base(&self) -> String {
        format!("http://{}/", self.host)
    }

    /// The path and query of the one-time URL.
    pub fn login_path(&self) -> String {
        self.url.trim_start_matches("http://").trim_start_matches(&self.host).to_string()
    }

    /// The one-time secret.
    pub fn secret(&self) -> String {
        self.url.split("secret=").nth(1).unwrap_or_default().to_string()
    }

    /// Signs in as the page does (trades the one-time secret) and returns the session id, for
    /// the [`SESSION_HEADER`] of later requests.
    pub fn sign_in(&self) -> String {
        let body = serde_json::json!({ "secret": self.secret() }).to_string();
        let a = request(&self.host, "POST", "/api/session", &[("Host", &self.host), ("Content-Type", "application/json")], body.as_bytes());
        assert_eq!(a.status, 200, "sign-in refused: {a:?}");
        let doc: serde_json::Value = serde_json::from_str(&a.body).expect("JSON from /api/session");
        doc["session"].as_str().expect("a session id").to_string()
    }

    /// Sends SIGINT (Ctrl-C) and returns the exit code and stderr.
    pub fn interrupt(mut self) -> (Option<i32>, String) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let code = loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                break st.code();
            }
            if std::time::Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (code, err)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 answer.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Header lines, lower-cased names.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl Answer {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The cookie `name=value` it sets, if any (`serve` sets none).
    pub fn cookie(&self) -> Option<String> {
        self.header("set-cookie").and_then(|c| c.split(';').next()).map(str::to_string)
    }
}

/// Sends one request to `addr` with exactly these headers (plus Content-Length and
/// Connection: close) and reads the whole answer.
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).expect("send head");
    // The server may answer (413) before reading a large body; a failed write is fine then.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    Answer { status, headers, body: body.to_string() }
}

/// The browser tools the UI tests need: (node, chromium), or `None` with a visible skip.
/// With `AUTHTRAY_REQUIRE_BROWSER=1` (the README's test command) a missing tool fails.
pub fn browser_tools() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let chromium = std::env::var_os("CHROMIUM").map(std::path::PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into());
    let node = std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join("node")).find(|n| n.is_file()));
    let ready = web.join("node_modules/playwright-core").is_dir() && web.join("node_modules/axe-core").is_dir() && chromium.is_file();
    match node {
        Some(n) if ready => Some((n, chromium)),
        _ if std::env::var("AUTHTRAY_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("the browser tests need node, {} and `npm ci` in {}; run scripts/setup.sh --test", chromium.display(), web.display())
        }
        _ => {
            eprintln!("skipped: browser tools missing (node, {}, npm ci in tests/web)", chromium.display());
            None
        }
    }
}

/// Where tests put screenshots: `target/test-artefacts/<suite>`.
pub fn artefacts(suite: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artefacts").join(suite);
    std::fs::create_dir_all(&dir).expect("artefact dir");
    dir
}
