//! The IPC commands the window calls: the same set, inputs and answers as `authtray serve`'s
//! HTTP API (both go through `authtray_core::api`), plus start-at-login.

use authtray_core::api::{self, ApiError};
use authtray_core::settings::Settings;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::state::AppState;

type Answer<T> = Result<T, ApiError>;

/// Runs an engine call off the main thread (it may take locks or run the gateway CLI).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Answer<T> + Send + 'static) -> Answer<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| Err(ApiError::new(500, "internal", "the operation stopped unexpectedly; see the log")))
}

/// A write through the engine off the async threads, then the live service re-reads the stores
/// (the tray redraws at once instead of at the next file event).
async fn write<T: Send + 'static>(
    state: &AppState,
    op: impl FnOnce(&authtray_core::ops::Context) -> authtray_core::Result<T> + Send + 'static,
) -> Answer<T> {
    let out = blocking({
        let state = state.clone();
        move || op(&state.context()?).map_err(ApiError::from)
    })
    .await?;
    state.with_live(|l| l.refresh());
    Ok(out)
}

/// What the UI needs to know about its shell.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    shell: &'static str,
    version: &'static str,
    autostart: bool,
    autostart_enabled: bool,
}

#[tauri::command]
pub fn info<R: Runtime>(app: AppHandle<R>) -> Info {
    Info {
        shell: "app",
        version: env!("CARGO_PKG_VERSION"),
        autostart: crate::autostart::available(&app),
        autostart_enabled: crate::autostart::enabled(&app),
    }
}

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Answer<authtray_core::ops::status::StatusReport> {
    tracing::debug!("status requested by the window");
    let state = state.inner().clone();
    blocking(move || {
        let settings = Settings::load(&state.settings_path()).map_err(ApiError::from)?;
        let last = last_of(&state);
        Ok(api::status(&state.context()?, &settings, last.as_ref(), authtray_core::health::DEFAULT_WARN_MS))
    })
    .await
}

#[tauri::command]
pub fn settings(state: State<'_, AppState>) -> Answer<Settings> {
    Settings::load(&state.settings_path()).map_err(ApiError::from)
}

#[tauri::command]
pub fn save_settings(state: State<'_, AppState>, input: Settings) -> Answer<Settings> {
    input.save(&state.settings_path()).map_err(ApiError::from)?;
    state.with_live(|l| l.refresh());
    Ok(input)
}

/// Off the main thread: the text may be a whole pasted file (up to 1 MiB is searched), and the
/// window must stay responsive while it is.
#[tauri::command]
pub async fn check_token(input: api::CheckInput) -> Answer<api::TokenCheck> {
    blocking(move || Ok(api::check_token(&input))).await
}

#[tauri::command]
pub async fn paste<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, input: api::PasteInput) -> Answer<api::PasteOutcome> {
    let state = state.inner().clone();
    let out = blocking({
        let state = state.clone();
        move || api::paste(&state.context()?, &input, state.0.vault.as_ref()).map_err(ApiError::from)
    })
    .await?;
    crate::tray::after_paste(&app, &state, &out);
    Ok(out)
}

/// A token for a gateway on another host; its check runs again right after.
#[tauri::command]
pub async fn paste_to_target(state: State<'_, AppState>, input: api::TargetPasteInput) -> Answer<authtray_core::ops::remote::RemotePaste> {
    let state = state.inner().clone();
    let out = blocking({
        let state = state.clone();
        move || api::paste_to_target(&state.0.env, &input).map_err(ApiError::from)
    })
    .await?;
    state.with_live(|l| l.check_targets());
    Ok(out)
}

#[tauri::command]
pub async fn undo<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: api::UndoInput,
) -> Answer<authtray_core::ops::undo::UndoReport> {
    let state = state.inner().clone();
    let out = blocking({
        let state = state.clone();
        move || api::undo(&state.context()?, &input, state.0.vault.as_ref()).map_err(ApiError::from)
    })
    .await?;
    crate::tray::after_undo(&app, &state);
    Ok(out)
}

#[tauri::command]
pub async fn order_set(state: State<'_, AppState>, input: api::OrderInput) -> Answer<authtray_core::ops::order::OrderReport> {
    let on_target = input.target.is_some();
    let out = write(state.inner(), move |ctx| api::order_set(ctx, &input)).await;
    if on_target {
        state.with_live(|l| l.check_targets());
    }
    out
}

#[tauri::command]
pub async fn cooldown_clear(state: State<'_, AppState>, input: api::CooldownInput) -> Answer<authtray_core::ops::cooldown::CooldownReport> {
    write(state.inner(), move |ctx| api::cooldown_clear(ctx, &input)).await
}

#[tauri::command]
pub async fn set_expiry(state: State<'_, AppState>, input: api::ExpiryInput) -> Answer<authtray_core::ops::expiry::ExpiryReport> {
    write(state.inner(), move |ctx| api::set_expiry(ctx, &input)).await
}

#[tauri::command]
pub async fn order_clear(state: State<'_, AppState>, input: api::OrderInput) -> Answer<authtray_core::ops::order::OrderReport> {
    let on_target = input.target.is_some();
    let out = write(state.inner(), move |ctx| api::order_clear(ctx, &input)).await;
    if on_target {
        state.with_live(|l| l.check_targets());
    }
    out
}

#[tauri::command]
pub async fn sync(state: State<'_, AppState>, input: api::SyncInput) -> Answer<authtray_core::ops::sync::SyncReport> {
    let state = state.inner().clone();
    blocking(move || {
        // The live service records the run for the overview and the tray; without it (tests), run directly.
        let plain = input.agents.is_empty() && !input.all_agents && input.profile_id.is_none() && !input.dry_run;
        if plain {
            if let Some(r) = state.with_live(|l| l.sync_now()) {
                return r.map_err(ApiError::from);
            }
        }
        let settings = Settings::load(&state.settings_path()).map_err(ApiError::from)?;
        api::sync(&state.context()?, &input, &settings).map_err(ApiError::from)
    })
    .await
}

#[tauri::command]
pub async fn glance(state: State<'_, AppState>) -> Answer<authtray_core::glance::Glance> {
    let state = state.inner().clone();
    blocking(move || {
        let settings = Settings::load(&state.settings_path()).map_err(ApiError::from)?;
        let last = last_of(&state);
        Ok(api::glance(&state.context()?, &settings, last.as_ref()))
    })
    .await
}

#[tauri::command]
pub fn last_sync(state: State<'_, AppState>) -> Option<api::LastSync> {
    last_of(&state)
}

/// The live service's last mirror run and the targets it checked, as the window shows them.
fn last_of(state: &AppState) -> Option<api::LastSync> {
    let snap = state.with_live(|l| l.snapshot()).flatten()?;
    // A run that found no login to mirror is not a sync to report.
    let ran = snap.last_sync.is_some() || snap.last_sync_error.is_some();
    let at = snap.last_sync_at.filter(|_| ran);
    if at.is_none() && snap.targets.is_empty() {
        return None;
    }
    Some(api::LastSync {
        at: at.unwrap_or_default(),
        report: if ran { snap.last_sync.clone() } else { None },
        error: if ran { snap.last_sync_error.clone() } else { None },
        targets: snap.targets.clone(),
    })
}

/// `setAutostart`'s input.
#[derive(serde::Deserialize)]
pub struct AutostartInput {
    enabled: bool,
}

#[tauri::command]
pub fn set_autostart<R: Runtime>(app: AppHandle<R>, input: AutostartInput) -> Answer<bool> {
    crate::tray::set_autostart(&app, input.enabled).map_err(|e| ApiError::new(500, "autostart", e))?;
    Ok(input.enabled)
}
