//! The tray icon and its menu: draws the core's [`Glance`], turns menu clicks into engine calls.
//!
//! Linux (Tauri 2.12) reports no tray clicks, opens the menu on left click, and cannot swap a
//! menu once set, so the menu is built once and its items are edited, inserted and removed in place.

use std::sync::Mutex;

use authtray_core::api;
use authtray_core::clock::now_ms;
use authtray_core::error::ErrorKind;
use authtray_core::glance::{Glance, Overall};
use authtray_core::live::Update;
use authtray_core::ops::undo::UndoAction;
use authtray_core::token::Secret;
use authtray_core::vault::UNDO_WINDOW_MS;
use authtray_core::verdict::Action;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt as _;

use crate::state::{AppState, Pending, PENDING_FOR_MS};
use crate::window::Screen;

/// The tray's id (also in the icon window's WM_CLASS on Linux, which the tests look for).
pub const TRAY_ID: &str = "authtray";

/// The menu items that change.
pub struct Handles<R: Runtime> {
    tray: TrayIcon<R>,
    menu: Menu<R>,
    headline: MenuItem<R>,
    /// The headline problem's fix, right under it, when there is one.
    fix: Option<(MenuItem<R>, Action)>,
    lines: Vec<MenuItem<R>>,
    source: MenuItem<R>,
    paste: MenuItem<R>,
    synced: MenuItem<R>,
    undo: MenuItem<R>,
    autostart: CheckMenuItem<R>,
    shown: Option<Overall>,
}

/// Where the handles live (managed state).
pub struct TrayState<R: Runtime>(pub Mutex<Option<Handles<R>>>);

/// Position of the first profile line in the menu (after the headline and a separator).
const FIRST_LINE: usize = 2;

/// The icon for a state; `None` is the neutral one shown until the first verdict.
fn icon(state: Option<Overall>) -> (&'static [u8], bool) {
    let template = cfg!(target_os = "macos");
    let bytes: &'static [u8] = match (state, template) {
        (None | Some(Overall::Neutral), false) => include_bytes!("../../icons/tray-neutral.png"),
        (Some(Overall::Healthy), false) => include_bytes!("../../icons/tray-healthy.png"),
        (Some(Overall::Attention), false) => include_bytes!("../../icons/tray-attention.png"),
        (Some(Overall::Broken), false) => include_bytes!("../../icons/tray-broken.png"),
        (None | Some(Overall::Neutral), true) => include_bytes!("../../icons/tray-neutral-template.png"),
        (Some(Overall::Healthy), true) => include_bytes!("../../icons/tray-healthy-template.png"),
        (Some(Overall::Attention), true) => include_bytes!("../../icons/tray-attention-template.png"),
        (Some(Overall::Broken), true) => include_bytes!("../../icons/tray-broken-template.png"),
    };
    (bytes, template)
}

/// Builds the tray. Fails (without panicking) when the platform cannot show one.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> Result<(), String> {
    let e = |e: tauri::Error| e.to_string();
    // Enabled, so it reads at full contrast (a disabled item is the faintest grey); it opens the window.
    let headline = MenuItem::with_id(app, "headline", "Checking credentials…", true, None::<&str>).map_err(e)?;
    let source = MenuItem::with_id(app, "source", "Claude Code: …", false, None::<&str>).map_err(e)?;
    let paste = MenuItem::with_id(app, "paste", PASTE_CLIPBOARD, true, None::<&str>).map_err(e)?;
    let undo = MenuItem::with_id(app, "undo", "Undo last paste", false, None::<&str>).map_err(e)?;
    let sync = MenuItem::with_id(app, "sync", "Sync now", true, None::<&str>).map_err(e)?;
    let synced = MenuItem::with_id(app, "synced", "Not synced yet", false, None::<&str>).map_err(e)?;
    let open = MenuItem::with_id(app, "open", "Open authtray…", true, None::<&str>).map_err(e)?;
    let autostart =
        CheckMenuItem::with_id(app, "autostart", "Start at login", true, crate::autostart::enabled(app), None::<&str>).map_err(e)?;
    let quit = MenuItem::with_id(app, "quit", "Quit authtray", true, None::<&str>).map_err(e)?;
    let menu = Menu::with_items(
        app,
        &[
            &headline,
            &PredefinedMenuItem::separator(app).map_err(e)?,
            &source,
            &PredefinedMenuItem::separator(app).map_err(e)?,
            &paste,
            &undo,
            &sync,
            &synced,
            &open,
            &PredefinedMenuItem::separator(app).map_err(e)?,
            &autostart,
            &quit,
        ],
    )
    .map_err(e)?;
    // Neutral until the first verdict: a green key before anything was read would be a lie.
    let (bytes, template) = icon(None);
    let image = Image::from_bytes(bytes).map_err(e)?;
    let tray = TrayIconBuilder::with_id(TRAY_ID)
        .icon(image)
        .icon_as_template(template)
        .tooltip("authtray")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)
        .map_err(e)?;
    app.manage(TrayState(Mutex::new(Some(Handles {
        tray,
        menu,
        headline,
        fix: None,
        lines: Vec::new(),
        source,
        paste,
        synced,
        undo,
        autostart,
        shown: None,
    }))));
    Ok(())
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "paste" => {
            let app = app.clone();
            std::thread::spawn(move || {
                let state = app.state::<AppState>().inner().clone();
                let set_up = local_gateway(&state);
                match pending_token(&state).filter(|_| set_up) {
                    Some(token) => {
                        if let Ok(mut g) = state.0.pending.lock() {
                            *g = None;
                        }
                        paste_text(&app, &state, token);
                        offer_pending(&app, true);
                    }
                    None => paste_from_clipboard(&app),
                }
            });
        }
        "undo" => {
            let app = app.clone();
            std::thread::spawn(move || undo_last(&app));
        }
        "sync" => sync_now(app),
        "fix" => {
            let action = app
                .try_state::<TrayState<R>>()
                .and_then(|ts| ts.0.lock().ok().and_then(|g| g.as_ref().and_then(|h| h.fix.as_ref().map(|f| f.1.clone()))));
            match action {
                Some(Action::Paste { agent, provider, profile_id }) => {
                    let prefill = serde_json::json!({ "agent": agent, "provider": provider, "profileId": profile_id });
                    let notice = match &profile_id {
                        Some(id) => format!("Paste the new token for {id}."),
                        None => format!("Paste a {provider} token."),
                    };
                    crate::window::open_with(app, Screen::Paste, Some(&notice), Some(&prefill));
                }
                Some(Action::LogInToClaude) => crate::window::open(
                    app,
                    Screen::Overview,
                    Some("Run `claude` in a terminal and log in again; authtray mirrors the new login by itself."),
                ),
                Some(Action::SyncNow) => sync_now(app),
                Some(Action::ClearCooldown { agent, provider, profile_id }) => {
                    let app = app.clone();
                    std::thread::spawn(move || {
                        let state = app.state::<AppState>().inner().clone();
                        let input = api::CooldownInput { agent: Some(agent), provider, profile_id };
                        match state.context().and_then(|ctx| api::cooldown_clear(&ctx, &input).map_err(api::ApiError::from)) {
                            Ok(r) if r.cleared.is_empty() => {
                                crate::notify::send(&app, "Nothing to clear", "No profile is set aside any more.", Screen::Overview)
                            }
                            Ok(r) => crate::notify::send(&app, "Back in service", &r.cleared.join(", "), Screen::Overview),
                            Err(e) => crate::notify::send(&app, "Cannot clear the cooldown", &e.summary, Screen::Overview),
                        }
                        state.with_live(|l| l.refresh());
                    });
                }
                Some(Action::ChooseGateway) | None => crate::window::open(app, Screen::Overview, None),
            }
        }
        "open" | "headline" => crate::window::open(app, Screen::Overview, None),
        "autostart" => {
            let want = !crate::autostart::enabled(app);
            if let Err(e) = set_autostart(app, want) {
                tracing::warn!("{e}");
            }
        }
        "quit" => app.exit(0),
        _ => {}
    }
}

/// "Sync now": runs the mirror and always says how it went.
fn sync_now<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    std::thread::spawn(move || {
        let state = app.state::<AppState>().inner().clone();
        match state.with_live(|l| l.sync_now()) {
            // Nothing to sync into yet: set-up, not a failure.
            Some(Err(e)) if e.kind() == ErrorKind::NoGateway => crate::window::open(&app, Screen::Overview, Some(&e.summary())),
            Some(Err(e)) => crate::notify::send(&app, "Sync failed", &e.summary(), Screen::Overview),
            Some(Ok(r)) if r.failed() => crate::notify::send(&app, "Sync failed", &failures(&r), Screen::Overview),
            Some(Ok(r)) => crate::notify::send(&app, "Sync done", &authtray_core::ops::sync::summary(&r), Screen::Overview),
            None => {}
        }
    });
}

/// Which agents the mirror could not write, in words; what each said is on the Overview.
fn failures(r: &authtray_core::ops::sync::SyncReport) -> String {
    let agents: Vec<&str> = r.agents.iter().filter(|a| a.error.is_some()).map(|a| a.agent.as_str()).collect();
    format!("Claude Code's login could not be copied into agent {}. The Overview says why and what to do.", agents.join(", "))
}

/// Turns start-at-login on or off and ticks the menu item to match what the OS now says.
pub fn set_autostart<R: Runtime>(app: &AppHandle<R>, enabled: bool) -> Result<(), String> {
    let (result, now) = crate::autostart::set(app, enabled);
    with_handles(app, move |h| {
        let _ = h.autostart.set_checked(now);
    });
    result
}

fn with_handles<R: Runtime>(app: &AppHandle<R>, f: impl FnOnce(&mut Handles<R>) + Send + 'static) {
    let handle = app.clone();
    // Menu and icon changes must happen on the main thread.
    let _ = app.run_on_main_thread(move || {
        if let Some(ts) = handle.try_state::<TrayState<R>>() {
            if let Ok(mut g) = ts.0.lock() {
                if let Some(h) = g.as_mut() {
                    f(h);
                }
            }
        }
    });
}

/// Draws a new glance: icon, headline and its fix, one line per profile, the source line, when
/// the mirror last ran.
pub fn draw<R: Runtime>(app: &AppHandle<R>, glance: Glance, last_sync_at: Option<i64>, deferred: bool) {
    let app2 = app.clone();
    let synced = match (deferred, last_sync_at) {
        (true, _) => "Mirroring: by the authtray service".to_string(),
        (false, Some(at)) => format!("Last synced {} ago", authtray_core::duration::humanize(now_ms() - at)),
        (false, None) => "Not synced yet".into(),
    };
    let undo_label = app.state::<AppState>().0.undo_label.lock().ok().and_then(|g| g.clone());
    with_handles(app, move |h| {
        if h.shown != Some(glance.overall) {
            let (bytes, template) = icon(Some(glance.overall));
            if let Ok(img) = Image::from_bytes(bytes) {
                let _ = h.tray.set_icon(Some(img));
                let _ = h.tray.set_icon_as_template(template);
            }
            h.shown = Some(glance.overall);
        }
        let _ = h.headline.set_text(&glance.headline);
        // The headline's fix sits right under it, labelled with what it does.
        match (&glance.fix, h.fix.take()) {
            (Some(f), Some((item, _))) => {
                let _ = item.set_text(&f.label);
                h.fix = Some((item, f.action.clone()));
            }
            (Some(f), None) => match MenuItem::with_id(&app2, "fix", &f.label, true, None::<&str>) {
                Ok(item) => {
                    let _ = h.menu.insert(&item, 1);
                    h.fix = Some((item, f.action.clone()));
                }
                Err(e) => tracing::warn!("cannot add the fix entry: {e}"),
            },
            (None, Some((item, _))) => {
                let _ = h.menu.remove(&item);
            }
            (None, None) => {}
        }
        let first_line = FIRST_LINE + usize::from(h.fix.is_some());
        let _ = h.tray.set_tooltip(Some(&format!("authtray: {}", glance.headline)));
        let _ = h.source.set_text(&glance.source);
        let mut texts: Vec<String> = glance.lines.iter().map(|l| format!("{} {}", mark(l.state), l.text)).collect();
        // Gateways on other hosts: a section of their own, one line each.
        if !glance.targets.is_empty() {
            texts.push("Other hosts:".into());
            texts.extend(glance.targets.iter().map(|l| {
                if l.pending {
                    format!("… {}", l.text)
                } else {
                    format!("{} {}", mark(l.state), l.text)
                }
            }));
        }
        tracing::debug!(icon = ?glance.overall, headline = %glance.headline, fix = ?glance.fix.as_ref().map(|f| &f.label), lines = ?texts, source = %glance.source, synced = %synced, "tray menu");
        if texts.len() == h.lines.len() {
            for (item, text) in h.lines.iter().zip(&texts) {
                let _ = item.set_text(text);
            }
        } else {
            for item in h.lines.drain(..) {
                let _ = h.menu.remove(&item);
            }
            for (i, text) in texts.iter().enumerate() {
                match MenuItem::with_id(&app2, format!("line-{i}"), text, false, None::<&str>) {
                    Ok(item) => {
                        let _ = h.menu.insert(&item, first_line + i);
                        h.lines.push(item);
                    }
                    Err(e) => tracing::warn!("cannot add a menu line: {e}"),
                }
            }
        }
        let _ = h.synced.set_text(&synced);
        let undo_open = app2.state::<AppState>().0.undo_until.lock().ok().and_then(|g| *g).is_some_and(|u| now_ms() < u);
        let _ = h.undo.set_enabled(undo_open);
        if let Some(label) = undo_label {
            let _ = h.undo.set_text(&label);
        }
    });
}

/// A shape for each state, so the menu does not rely on colour.
fn mark(state: Overall) -> &'static str {
    match state {
        Overall::Neutral => "•",
        Overall::Healthy => "✓",
        Overall::Attention => "!",
        Overall::Broken => "✕",
    }
}

/// The live service's callback: redraw, notify.
pub fn on_update<R: Runtime>(app: &AppHandle<R>, u: &Update) {
    let synced = if u.snapshot.mirror_deferred { None } else { u.snapshot.last_sync_at };
    draw(app, u.snapshot.glance.clone(), synced, u.snapshot.mirror_deferred);
    offer_pending(app, u.snapshot.status.as_ref().is_some_and(|s| s.generation != "none"));
    for a in &u.alerts {
        tracing::info!(key = %a.key, "alert: {}", a.summary);
        crate::notify::send(app, &a.summary, &a.body, Screen::Overview);
    }
}

/// "Paste token from clipboard": recognise, validate, save, confirm; anything else opens the
/// paste screen with the reason (never the clipboard's content).
fn paste_from_clipboard<R: Runtime>(app: &AppHandle<R>) {
    let text = match app.clipboard().read_text() {
        Ok(t) if !t.trim().is_empty() => t,
        Ok(_) => {
            return crate::window::open(
                app,
                Screen::Paste,
                Some("The clipboard is empty. Copy the token `claude setup-token` printed, or paste it here."),
            )
        }
        Err(e) => {
            return crate::window::open(
                app,
                Screen::Paste,
                Some(&format!("authtray could not read the clipboard ({e}). Paste the token here.")),
            )
        }
    };
    let check = api::check_token(&api::CheckInput { token: text.clone(), provider: None });
    if !check.valid {
        let why = check.message.unwrap_or_else(|| "it is not a token authtray recognises".into());
        return crate::window::open(app, Screen::Paste, Some(&format!("The clipboard does not hold a token authtray can save: {why}")));
    }
    let state = app.state::<AppState>().inner().clone();
    paste_text(app, &state, text);
}

/// Saves a recognised token; before set-up, keeps it (in memory) and opens set-up instead.
fn paste_text<R: Runtime>(app: &AppHandle<R>, state: &AppState, text: String) {
    tracing::debug!("pasting from the clipboard");
    let input = api::PasteInput { token: text.clone(), provider: None, profile_id: None, expires_in: None, agent: None };
    match state.context().and_then(|ctx| api::paste(&ctx, &input, state.0.vault.as_ref()).map_err(api::ApiError::from)) {
        Ok(out) => {
            tracing::debug!(undo = out.undo_id.is_some(), "pasted from the clipboard");
            let r = &out.report;
            let expiry =
                r.expires_at.map(|e| format!(", {}", authtray_core::duration::describe_expiry_at(e, now_ms()))).unwrap_or_default();
            let replaced =
                r.previous.as_ref().map(|p| format!("\nReplaced {}.", p.token.as_deref().unwrap_or(&p.kind))).unwrap_or_default();
            let undo = if out.undo_id.is_some() {
                format!("\n“Undo paste to {}” is in the authtray menu for 5 minutes.", r.profile_id)
            } else {
                String::new()
            };
            let (title, reload) = match &r.reload {
                rl if rl.failed() => ("Token saved, gateway not told", format!("\n{}", rl.detail.as_deref().unwrap_or_default())),
                _ => ("Token saved", String::new()),
            };
            crate::notify::send_with(
                app,
                title,
                &format!("{} → {} (agent {}){expiry}{replaced}{undo}{reload}", r.token, r.profile_id, r.agent),
                Screen::Overview,
                out.undo_id.is_some(),
            );
            after_paste(app, state, &out);
        }
        Err(e) if e.kind == ErrorKind::NoGateway.as_str() && has_targets(state) => {
            crate::window::open(
                app,
                Screen::Overview,
                Some("No gateway runs on this computer, so the token was not saved here. From this menu authtray cannot yet paste to a gateway on another host."),
            );
        }
        Err(e) if e.kind == ErrorKind::NoGateway.as_str() => {
            if let Ok(mut g) = state.0.pending.lock() {
                *g = Some(Pending { token: Secret::new(text), until: now_ms() + PENDING_FOR_MS, offered: false });
            }
            tracing::info!("not set up: the pasted token is kept until set-up (in memory, 30 min)");
            crate::window::open(
                app,
                Screen::Overview,
                Some("authtray is not set up yet. Choose the gateway's folder here; the token you copied is kept and can be saved from the menu right after."),
            );
        }
        Err(e) => {
            crate::notify::send(app, "Could not save the token", &e.summary, Screen::Paste);
            crate::window::open(app, Screen::Paste, Some(&e.summary));
        }
    }
}

/// Whether this computer has a gateway authtray can write to.
fn local_gateway(state: &AppState) -> bool {
    state.context().is_ok_and(|ctx| ctx.install.generation.is_some())
}

/// Whether gateways on other hosts are saved.
fn has_targets(state: &AppState) -> bool {
    authtray_core::settings::Settings::load(&state.settings_path()).is_ok_and(|s| !s.targets.is_empty())
}

/// The token copied before set-up, while it is kept.
fn pending_token(state: &AppState) -> Option<String> {
    let mut g = state.0.pending.lock().ok()?;
    if g.as_ref().is_some_and(|p| now_ms() >= p.until) {
        *g = None;
    }
    g.as_ref().map(|p| p.token.expose().to_string())
}

/// Once set-up is done, says (once) that the token copied before it can be saved now, and
/// relabels the paste entry to save it. The token itself never leaves this process.
fn offer_pending<R: Runtime>(app: &AppHandle<R>, set_up: bool) {
    let state = app.state::<AppState>().inner().clone();
    let label = match (pending_token(&state).is_some(), set_up) {
        (true, true) => PASTE_PENDING,
        _ => PASTE_CLIPBOARD,
    };
    with_handles(app, move |h| {
        let _ = h.paste.set_text(label);
    });
    let first = state.0.pending.lock().ok().and_then(|mut g| {
        g.as_mut().filter(|p| set_up && !p.offered).map(|p| {
            p.offered = true;
            p.token.redacted()
        })
    });
    if let Some(token) = first {
        crate::notify::send(
            app,
            "authtray is set up",
            &format!(
                "The token you copied before set-up ({token}) is kept until you save it: choose “{PASTE_PENDING}” in the authtray menu."
            ),
            Screen::Overview,
        );
    }
}

const PASTE_CLIPBOARD: &str = "Paste token from clipboard";
const PASTE_PENDING: &str = "Save the token copied before set-up";

/// After any paste: offer Undo for its window, redraw.
pub fn after_paste<R: Runtime>(app: &AppHandle<R>, state: &AppState, out: &api::PasteOutcome) {
    if let Some(until) = out.undo_until {
        if let Ok(mut g) = state.0.undo_until.lock() {
            *g = Some(until);
        }
        if let Ok(mut g) = state.0.undo_label.lock() {
            *g = Some(format!("Undo paste to {}", out.report.profile_id));
        }
        // When the window passes: grey the entry out and forget the replaced credential, unless
        // a later paste took its place.
        let (app, state, id) = (app.clone(), state.clone(), out.undo_id.clone());
        std::thread::spawn(move || {
            let wait = (until - now_ms()).max(0) as u64 + 500;
            std::thread::sleep(std::time::Duration::from_millis(wait.min(UNDO_WINDOW_MS as u64 + 1000)));
            if let Ok(Some(saved)) = state.0.vault.get() {
                if Some(&saved.id) == id.as_ref() {
                    let _ = state.0.vault.clear();
                }
            }
            with_handles(&app, |h| {
                let _ = h.undo.set_enabled(false);
            });
        });
    }
    if state.with_live(|l| l.refresh()).is_none() {
        with_handles(app, |h| {
            let _ = h.undo.set_enabled(true);
        });
    }
}

/// After Undo: no more Undo, redraw.
pub fn after_undo<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    if let Ok(mut g) = state.0.undo_until.lock() {
        *g = None;
    }
    if let Ok(mut g) = state.0.undo_label.lock() {
        *g = None;
    }
    with_handles(app, |h| {
        let _ = h.undo.set_enabled(false);
        let _ = h.undo.set_text("Undo last paste");
    });
    state.with_live(|l| l.refresh());
}

pub(crate) fn undo_last<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>().inner().clone();
    let r =
        state.context().and_then(|ctx| api::undo(&ctx, &api::UndoInput { id: None }, state.0.vault.as_ref()).map_err(api::ApiError::from));
    match r {
        Ok(u) => {
            let what = match (&u.token, u.action) {
                (Some(t), UndoAction::Restored) => format!("{t} is back in {}", u.profile_id),
                _ => format!("{} was removed", u.profile_id),
            };
            crate::notify::send(app, "Paste undone", &what, Screen::Overview);
        }
        Err(e) => crate::notify::send(app, "Cannot undo", &e.summary, Screen::Overview),
    }
    after_undo(app, &state);
}
