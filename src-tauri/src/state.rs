//! What the app's commands and tray share.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use authtray_core::api::ApiError;
use authtray_core::clock::Millis;
use authtray_core::env::Env;
use authtray_core::live::Live;
use authtray_core::ops::{Context, Options};
use authtray_core::settings::Settings;
use authtray_core::vault::Vault;

/// Shared app state (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

/// The state behind [`AppState`].
pub struct Shared {
    /// The environment the engine resolves paths from.
    pub env: Env,
    /// Engine options.
    pub options: Options,
    /// Where Undo's credential is kept.
    pub vault: Box<dyn Vault>,
    /// The live-mirroring service, once started.
    pub live: Mutex<Option<Live>>,
    /// Until when the tray's Undo entry is offered.
    pub undo_until: Mutex<Option<Millis>>,
    /// The Undo entry's label for the latest paste ("Undo paste to anthropic:manual").
    pub undo_label: Mutex<Option<String>>,
    /// A token copied before set-up, kept in memory only (never on disk) until set-up is done
    /// and the user saves it, or [`PENDING_FOR_MS`] passes.
    pub pending: Mutex<Option<Pending>>,
}

/// A token pasted before there was anywhere to store it.
pub struct Pending {
    /// The token.
    pub token: authtray_core::token::Secret,
    /// Until when it is kept.
    pub until: Millis,
    /// Whether the user was told that set-up is done and it can be saved.
    pub offered: bool,
}

/// How long a token copied before set-up is kept.
pub const PENDING_FOR_MS: Millis = 30 * 60_000;

impl AppState {
    /// New state; the live service is started separately (not in the mock-runtime tests).
    pub fn new(env: Env, options: Options, vault: Box<dyn Vault>) -> AppState {
        AppState(Arc::new(Shared {
            env,
            options,
            vault,
            live: Mutex::new(None),
            undo_until: Mutex::new(None),
            undo_label: Mutex::new(None),
            pending: Mutex::new(None),
        }))
    }

    /// Loads the engine context now.
    pub fn context(&self) -> Result<Context, ApiError> {
        // Settings that cannot be read are reported by the settings screen; discovery goes on.
        let settings = Settings::load(&self.settings_path()).unwrap_or_default();
        Context::load(self.0.env.clone(), &self.0.options.clone().with_settings(&settings)).map_err(ApiError::from)
    }

    /// The settings file.
    pub fn settings_path(&self) -> PathBuf {
        Settings::path_for(&self.0.env)
    }

    /// Runs `f` with the live service, if it runs.
    pub fn with_live<T>(&self, f: impl FnOnce(&Live) -> T) -> Option<T> {
        self.0.live.lock().ok().and_then(|g| g.as_ref().map(f))
    }
}
