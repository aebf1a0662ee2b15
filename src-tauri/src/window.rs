//! The authtray window: created when asked for and destroyed when closed, so no webview (and
//! no WebKit process) lives while the app sits in the tray.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// The window's label (the capability in `capabilities/default.json` names it).
pub const LABEL: &str = "main";

/// The window's screens (the `#fragment` the UI switches on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Profiles, Claude Code's login, last sync.
    Overview,
    /// Paste a token.
    Paste,
}

impl Screen {
    fn fragment(self) -> &'static str {
        match self {
            Screen::Overview => "overview",
            Screen::Paste => "paste",
        }
    }
}

/// Shows the window on `screen`, with an optional notice on top.
pub fn open<R: Runtime>(app: &AppHandle<R>, screen: Screen, notice: Option<&str>) {
    open_with(app, screen, notice, None);
}

/// Opens the window on `screen` with a notice and what Paste should preselect (a problem's fix:
/// `{agent, provider, profileId}`).
pub fn open_with<R: Runtime>(app: &AppHandle<R>, screen: Screen, notice: Option<&str>, prefill: Option<&serde_json::Value>) {
    if let Some(w) = app.get_webview_window(LABEL) {
        let notice = serde_json::to_string(&notice).unwrap_or_else(|_| "null".into());
        let prefill = serde_json::to_string(&prefill).unwrap_or_else(|_| "null".into());
        let screen = format!("\"{}\"", screen.fragment());
        let _ = w.eval(format!("globalThis.authtrayShow && globalThis.authtrayShow({screen}, {notice}, {prefill})"));
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
        return;
    }
    let mut query = Vec::new();
    if let Some(n) = notice {
        query.push(format!("notice={}", encode(n)));
    }
    if let Some(p) = prefill {
        query.push(format!("prefill={}", encode(&p.to_string())));
    }
    let mut url = String::from("index.html");
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url.push('#');
    url.push_str(screen.fragment());
    let built = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App(url.into()))
        .title("authtray")
        .inner_size(920.0, 720.0)
        .min_inner_size(360.0, 400.0)
        .build();
    match built {
        Ok(w) => {
            let _ = w.set_focus();
            w.on_window_event(|e| {
                if let tauri::WindowEvent::Destroyed = e {
                    reap_network_process();
                }
            });
        }
        Err(e) => tracing::error!("cannot open the authtray window: {e}"),
    }
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// With the last window gone, WebKitGTK keeps its network process (about 20 MB) alive for the
/// app's lifetime; there is no public call to end it. authtray has no page open then, so it ends
/// the process itself; WebKit starts a new one when the next window loads.
fn reap_network_process() {
    #[cfg(target_os = "linux")]
    std::thread::spawn(|| {
        // Let WebKit finish tearing the page down first.
        std::thread::sleep(std::time::Duration::from_millis(500));
        let me = std::process::id();
        let Ok(children) = std::fs::read_to_string(format!("/proc/{me}/task/{me}/children")) else { return };
        for pid in children.split_whitespace().filter_map(|p| p.parse::<i32>().ok()) {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim_end() == "WebKitNetworkPr" || comm.trim_end() == "WebKitWebProces" {
                tracing::debug!(pid, process = comm.trim_end(), "ending WebKit's helper process after the window closed");
                // SAFETY: kill(2) on our own child process, identified just above.
                unsafe {
                    libc::kill(pid, libc::SIGTERM);
                }
            }
        }
    });
}
