//! The tray icon and its menu: draws the core's [`Glance`]; [`actions`] does what the entries say.
//!
//! Linux (Tauri 2.12) reports no tray clicks, opens the menu on left click, and cannot swap a
//! menu once set, so the menu is built once and its items are edited, inserted and removed in place.

mod actions;
#[cfg(target_os = "linux")]
mod fit;

use std::sync::Mutex;

use authtray_core::clock::now_ms;
use authtray_core::glance::{for_menu, Fix, Glance, Overall};
use authtray_core::live::Update;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;
use crate::window::Screen;
pub use actions::{after_paste, after_undo};
use actions::{offer_pending, on_menu, PASTE_CLIPBOARD};

/// The tray's id (also in the icon window's WM_CLASS on Linux, which the tests look for).
pub const TRAY_ID: &str = "authtray";

/// The menu items that change.
pub struct Handles<R: Runtime> {
    tray: TrayIcon<R>,
    menu: Menu<R>,
    headline: MenuItem<R>,
    /// The headline problem's fix, right under it, when there is one.
    fix: Option<(MenuItem<R>, Fix)>,
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
    #[cfg(target_os = "linux")]
    if !fit::keep_on_screen() {
        tracing::warn!("the tray menu's GTK widget was not found: a menu whose lines grew may run off the screen");
    }
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
        let _ = h.headline.set_text(for_menu(&glance.headline));
        // The headline's fix sits right under it, labelled with what it does.
        match (&glance.fix, h.fix.take()) {
            (Some(f), Some((item, _))) => {
                let _ = item.set_text(for_menu(&f.label));
                h.fix = Some((item, f.clone()));
            }
            (Some(f), None) => match MenuItem::with_id(&app2, "fix", &f.label, true, None::<&str>) {
                Ok(item) => {
                    let _ = h.menu.insert(&item, 1);
                    h.fix = Some((item, f.clone()));
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
        let _ = h.source.set_text(for_menu(&glance.source));
        let mut texts: Vec<String> = glance.lines.iter().map(|l| for_menu(&format!("{} {}", mark(l.state), l.text))).collect();
        // Gateways on other hosts: a section of their own, one line each.
        if !glance.targets.is_empty() {
            texts.push("Other hosts:".into());
            texts.extend(
                glance
                    .targets
                    .iter()
                    .map(|l| for_menu(&if l.pending { format!("… {}", l.text) } else { format!("{} {}", mark(l.state), l.text) })),
            );
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
