//! authtray's tray app: a thin Tauri shell over `authtray-core`.
//!
//! The live-mirroring service ([`authtray_core::live`]) does the work and hands the tray a
//! [`authtray_core::glance::Glance`] to draw and alerts to show; the window loads `ui/` and calls
//! the same commands `authtray serve` offers. Nothing here decides about credentials.

mod autostart;
pub mod commands;
mod notify;
pub mod state;
mod tray;
mod tray_host;
mod window;

use authtray_core::env::Env;
use authtray_core::live::{Live, LiveConfig};
use authtray_core::ops::Options;
use tauri::Runtime;
use window::Screen;

pub use state::AppState;

/// Registers the app's state and IPC commands: shared by [`run`] and the mock-runtime tests.
pub fn builder<R: Runtime>(b: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    b.manage(state).invoke_handler(tauri::generate_handler![
        commands::info,
        commands::status,
        commands::settings,
        commands::save_settings,
        commands::check_token,
        commands::paste,
        commands::paste_to_target,
        commands::undo,
        commands::order_set,
        commands::order_clear,
        commands::cooldown_clear,
        commands::set_expiry,
        commands::sync,
        commands::last_sync,
        commands::glance,
        commands::set_autostart,
    ])
}

/// Engine options for the app: discovery as the gateway does it, from the environment.
fn options() -> Options {
    Options { discover: authtray_core::gateway::DiscoverOptions { probe_cli: true, ..Default::default() }, ..Default::default() }
}

/// Starts the app: single instance, tray (or the window when there can be no tray), live mirroring.
pub fn run() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUTHTRAY_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
    let show = std::env::args().any(|a| a == "--show");
    let env = Env::from_process();
    let vault =
        authtray_core::keyring_vault::KeyringVault::for_state_dir(&authtray_core::gateway::discover::state_dir(&env, &options().discover));
    let state = AppState::new(env.clone(), options(), Box::new(vault));
    // An entry a crash left behind within its Undo window: nothing offers it any more.
    if let Err(e) = authtray_core::vault::purge_expired(state.0.vault.as_ref(), authtray_core::clock::now_ms()) {
        tracing::warn!("{e}");
    }
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| window::open(app, Screen::Overview, None)))
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None))
        .plugin(tauri_plugin_clipboard_manager::init());
    let on_exit = state.clone();
    let app = builder(app, state.clone())
        .setup(move |app| {
            #[cfg(target_os = "macos")]
            app.set_activation_policy(tauri::ActivationPolicy::Accessory);
            let handle = app.handle().clone();
            let mut open_window = show;
            match tray_host::unavailable() {
                Some(why) if why.contains("library") => {
                    tracing::warn!("no tray: {why}; opening the window instead");
                    open_window = true;
                }
                other => {
                    if let Some(why) = other {
                        tracing::warn!("{why}; the icon appears when a tray starts, opening the window meanwhile");
                        open_window = true;
                    }
                    if let Err(e) = tray::install(&handle) {
                        tracing::warn!("no tray: {e}; opening the window instead");
                        open_window = true;
                    }
                }
            }
            // An installed `authtray service` mirrors; the tray then only shows and notifies.
            let config = LiveConfig { defer_to_service: true, keeper: "the authtray app", ..LiveConfig::new(env.clone(), options()) };
            let live = Live::start(config, {
                let handle = handle.clone();
                move |u| tray::on_update(&handle, u)
            });
            if let Ok(mut g) = state.0.live.lock() {
                *g = Some(live);
            }
            if open_window {
                window::open(&handle, Screen::Overview, None);
            }
            tracing::info!("authtray started");
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"));
    let app = match app {
        Ok(a) => a,
        Err(e) => {
            eprintln!("authtray cannot start: {e}");
            std::process::exit(1);
        }
    };
    app.run(move |_app, event| match event {
        // Closing the window must not quit: authtray lives in the tray. Quit comes from the menu.
        tauri::RunEvent::ExitRequested { api, code: None, .. } => api.prevent_exit(),
        // Undo lives in this process's menu: once it quits, the replaced credential goes too.
        tauri::RunEvent::Exit => {
            if let Err(e) = on_exit.0.vault.clear() {
                tracing::warn!("{e}");
            }
        }
        _ => {}
    });
}
