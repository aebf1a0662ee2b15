//! Start at login, through the autostart plugin (absent in the mock-runtime tests).

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt as _;

/// Whether this build can start at login.
pub fn available<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<tauri_plugin_autostart::AutoLaunchManager>().is_some()
}

/// Whether authtray starts at login (false when the plugin is not there).
pub fn enabled<R: Runtime>(app: &AppHandle<R>) -> bool {
    available(app) && app.autolaunch().is_enabled().unwrap_or(false)
}

/// Turns start at login on or off; returns the outcome and what the OS says now.
pub fn set<R: Runtime>(app: &AppHandle<R>, on: bool) -> (Result<(), String>, bool) {
    if !available(app) {
        return (Err("start at login is not available in this build".into()), false);
    }
    let m = app.autolaunch();
    let r = if on { m.enable() } else { m.disable() };
    (r.map_err(|e| format!("cannot change start at login: {e}")), m.is_enabled().unwrap_or(false))
}
