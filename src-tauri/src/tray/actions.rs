//! What the tray's menu entries do: paste from the clipboard (or keep the token until set-up),
//! sync, undo, the headline's fix. Each reports what it did in a notification or the window.

use authtray_core::api;
use authtray_core::clock::now_ms;
use authtray_core::error::ErrorKind;
use authtray_core::ops::undo::UndoAction;
use authtray_core::token::Secret;
use authtray_core::vault::UNDO_WINDOW_MS;
use authtray_core::verdict::Action;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt as _;

use super::{with_handles, TrayState};
use crate::state::{AppState, Pending, PENDING_FOR_MS};
use crate::window::Screen;

pub(super) const PASTE_CLIPBOARD: &str = "Paste token from clipboard";
const PASTE_PENDING: &str = "Save the token copied before set-up";

pub(super) fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "paste" => {
            let app = app.clone();
            std::thread::spawn(move || {
                let state = app.state::<AppState>().inner().clone();
                // Taken under one lock, so a second click cannot paste it twice.
                let kept = if local_gateway(&state) { take_pending(&state) } else { None };
                match kept {
                    Some(kept) => {
                        if !paste_text(&app, &state, kept.token.expose().to_string()) {
                            // Not saved (the store was busy, say): keep it for another try,
                            // unless the paste kept a newer state of it itself.
                            if let Ok(mut g) = state.0.pending.lock() {
                                g.get_or_insert(kept);
                            }
                        }
                        offer_pending(&app, local_gateway(&state));
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
            let fix = app
                .try_state::<TrayState<R>>()
                .and_then(|ts| ts.0.lock().ok().and_then(|g| g.as_ref().and_then(|h| h.fix.as_ref().map(|f| f.1.clone()))));
            let (action, text) = match fix {
                Some(f) => (Some(f.action), f.text),
                None => (None, String::new()),
            };
            match action {
                Some(Action::Paste { agent, provider, profile_id }) => {
                    let prefill = serde_json::json!({ "agent": agent, "provider": provider, "profileId": profile_id });
                    let notice = match &profile_id {
                        Some(id) => format!("Paste the new token for {id}."),
                        None => format!("Paste a {provider} token."),
                    };
                    crate::window::open_with(app, Screen::Paste, Some(&notice), Some(&prefill));
                }
                // The remedy's own words from core: the window says the same under its headline.
                Some(Action::LogInToClaude) => crate::window::open(app, Screen::Overview, Some(&text)),
                Some(Action::SyncNow) => sync_now(app),
                // A second thought before a rejected profile is put back: the window says what
                // clearing does, beside the same button.
                Some(Action::ClearCooldown { .. }) => crate::window::open(app, Screen::Overview, Some(&text)),
                Some(Action::ChooseGateway) | None => crate::window::open(app, Screen::Overview, None),
            }
        }
        "open" | "headline" => crate::window::open(app, Screen::Overview, None),
        "autostart" => {
            let want = !crate::autostart::enabled(app);
            if let Err(e) = super::set_autostart(app, want) {
                tracing::warn!("{e}");
            }
        }
        "quit" => app.exit(0),
        _ => {}
    }
}

/// How long "Sync now" waits for the gateways on other hosts to answer before it reports; one
/// still being checked then says so, and its menu line follows when it answers.
const HOSTS_WITHIN: std::time::Duration = std::time::Duration::from_secs(20);

/// "Sync now" (and a host's "Try again"): runs the mirror, which also checks the gateways on
/// other hosts again, and says in one notification how each went once they have answered.
fn sync_now<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    std::thread::spawn(move || {
        let state = app.state::<AppState>().inner().clone();
        let since = now_ms();
        let Some(result) = state.with_live(|l| l.sync_now()) else { return };
        let hosts = if has_targets(&state) {
            let read = || state.with_live(|l| l.snapshot()).flatten().map(|s| s.targets.clone()).unwrap_or_default();
            let targets = authtray_core::target_pool::tried_since(read, since, HOSTS_WITHIN);
            Some(format!("Other hosts: {}.", authtray_core::target_pool::answers(&targets, since)))
        } else {
            None
        };
        let local = match &result {
            // Only gateways on other hosts: the sync went to them alone.
            Err(e) if e.kind() == ErrorKind::NoGateway && hosts.is_some() => None,
            // Nothing to sync into yet: set-up, not a failure.
            Err(e) if e.kind() == ErrorKind::NoGateway => {
                return crate::window::open(&app, Screen::Overview, Some(&e.summary()));
            }
            Err(e) => Some(("Sync failed", e.summary())),
            Ok(r) if r.failed() => Some(("Sync failed", failures(r))),
            Ok(r) => Some(("Sync done", authtray_core::ops::sync::summary(r))),
        };
        let (title, body) = match (local, hosts) {
            (Some((title, body)), Some(hosts)) => (title, format!("{body}\n{hosts}")),
            (Some((title, body)), None) => (title, body),
            (None, hosts) => ("Hosts checked", hosts.unwrap_or_default()),
        };
        crate::notify::send(&app, title, &body, Screen::Overview);
    });
}

/// Which agents the mirror could not write, in words; what each said is on the Overview.
fn failures(r: &authtray_core::ops::sync::SyncReport) -> String {
    let agents: Vec<&str> = r.agents.iter().filter(|a| a.error.is_some()).map(|a| a.agent.as_str()).collect();
    format!("Claude Code's login could not be copied into agent {}. The Overview says why and what to do.", agents.join(", "))
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
                Some("The clipboard is empty. Copy the token that claude setup-token printed, or paste it here."),
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
        return crate::window::open(
            app,
            Screen::Paste,
            Some(&format!("The clipboard does not hold a token authtray can save: {}", why.replace('`', ""))),
        );
    }
    let state = app.state::<AppState>().inner().clone();
    paste_text(app, &state, text);
}

/// Saves a recognised token; before set-up, keeps it (in memory) and opens set-up instead.
/// Whether it was saved.
fn paste_text<R: Runtime>(app: &AppHandle<R>, state: &AppState, text: String) -> bool {
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
                out.undo_id.is_some().then_some(undo_last::<R> as crate::notify::OnUndo<R>),
            );
            after_paste(app, state, &out);
            true
        }
        Err(e) if e.kind == ErrorKind::NoGateway.as_str() && has_targets(state) => {
            crate::window::open(
                app,
                Screen::Overview,
                Some("No gateway runs on this computer, so the token was not saved here. To store it on a gateway on another host, paste it there with authtray on that host; the menu cannot do that yet."),
            );
            false
        }
        Err(e) if e.kind == ErrorKind::NoGateway.as_str() => {
            if let Ok(mut g) = state.0.pending.lock() {
                *g = Some(Pending { token: Secret::new(text), until: now_ms() + PENDING_FOR_MS, offered: false });
            }
            tracing::info!("not set up: the pasted token is kept until set-up (in memory, 30 min)");
            crate::window::open(
                app,
                Screen::Overview,
                Some("authtray is not set up yet. Choose the gateway's folder here; the token you copied is kept for 30 minutes and can be saved from the menu right after."),
            );
            false
        }
        Err(e) => {
            crate::notify::send(app, "Could not save the token", &e.summary, Screen::Paste);
            crate::window::open(app, Screen::Paste, Some(&e.summary));
            false
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

/// Whether a token copied before set-up is kept (forgetting it once its time is up).
fn has_pending(state: &AppState) -> bool {
    let Ok(mut g) = state.0.pending.lock() else { return false };
    if g.as_ref().is_some_and(|p| now_ms() >= p.until) {
        *g = None;
    }
    g.is_some()
}

/// Takes the token copied before set-up, while it is kept.
fn take_pending(state: &AppState) -> Option<Pending> {
    let mut g = state.0.pending.lock().ok()?;
    g.take().filter(|p| now_ms() < p.until)
}

/// Once set-up is done, says (once) that the token copied before it can be saved now, and
/// relabels the paste entry to save it. The token itself never leaves this process.
pub(super) fn offer_pending<R: Runtime>(app: &AppHandle<R>, set_up: bool) {
    let state = app.state::<AppState>().inner().clone();
    let label = match (has_pending(&state), set_up) {
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
                "The token you copied before set-up ({token}) is kept for 30 minutes from when you copied it: choose “{PASTE_PENDING}” in the authtray menu to save it."
            ),
            Screen::Overview,
        );
    }
}

/// After any paste: offer Undo for its window, redraw. A token kept from before set-up is
/// dropped: a later paste must not be replaced by it.
pub fn after_paste<R: Runtime>(app: &AppHandle<R>, state: &AppState, out: &api::PasteOutcome) {
    if let Ok(mut g) = state.0.pending.lock() {
        *g = None;
    }
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

fn undo_last<R: Runtime>(app: &AppHandle<R>) {
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
