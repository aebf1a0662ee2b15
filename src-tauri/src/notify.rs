//! Desktop notifications (notify-rust). A missing notification server is logged, never fatal;
//! clicking a notification opens the window where the platform reports clicks.

use tauri::{AppHandle, Runtime};

/// Shows a notification from its own thread (the server may be slow or absent).
pub fn send<R: Runtime>(app: &AppHandle<R>, summary: &str, body: &str, screen: crate::window::Screen) {
    send_with(app, summary, body, screen, None);
}

/// What a notification's "Undo" button runs (the tray's undo of the latest paste): handed in, so
/// that notifications know nothing of the tray.
pub type OnUndo<R> = fn(&AppHandle<R>);

/// [`send`], with an "Undo" button where the platform has notification actions (the freedesktop
/// servers on Linux) running `undo`.
pub fn send_with<R: Runtime>(app: &AppHandle<R>, summary: &str, body: &str, screen: crate::window::Screen, undo: Option<OnUndo<R>>) {
    let (summary, body, app) = (summary.to_string(), body.to_string(), app.clone());
    let spawned = std::thread::Builder::new().name("authtray-notify".into()).spawn(move || {
        let mut n = notify_rust::Notification::new();
        n.appname("authtray").summary(&summary).body(&body).icon("dialog-password");
        #[cfg(all(unix, not(target_os = "macos")))]
        n.action("default", "Open authtray");
        #[cfg(all(unix, not(target_os = "macos")))]
        if undo.is_some() {
            n.action("undo", "Undo");
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = undo;
        match n.show() {
            #[cfg(all(unix, not(target_os = "macos")))]
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    crate::window::open(&app, screen, None);
                } else if let Some(undo) = undo.filter(|_| action == "undo") {
                    undo(&app);
                }
            }),
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            Ok(_) => {
                let _ = (&app, screen);
            }
            Err(e) => tracing::warn!("cannot show a notification ({e}): {summary}"),
        }
    });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the notification thread: {e}");
    }
}
