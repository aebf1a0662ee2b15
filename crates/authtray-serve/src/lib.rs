//! `authtray serve`: the web UI in `ui/` and a JSON API over the engine, for gateways on
//! headless hosts (open it through an SSH tunnel).
//!
//! Security model: the server binds loopback by default and prints one URL with a random
//! one-time secret. Opening it trades the secret for an HttpOnly, SameSite=Strict session cookie
//! and redirects to the clean URL; every other request needs that cookie. Requests whose `Host`
//! is not the bound address (DNS rebinding) or whose `Origin`/`Sec-Fetch-Site` is foreign (CSRF)
//! are refused, POST bodies must be JSON and at most 64 KiB, and every response carries a strict
//! Content-Security-Policy. Tokens only travel from the browser to the server: every report
//! holds redacted forms only.

mod assets;
mod guard;

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use authtray_core::api::{self, ApiError};
use authtray_core::env::Env;
use authtray_core::ops::{Context, Options};
use authtray_core::settings::Settings;
use authtray_core::vault::MemoryVault;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How to serve.
#[derive(Clone)]
pub struct ServeConfig {
    /// Engine options (state dir, Claude dir, …) as the CLI's global flags set them.
    pub options: Options,
    /// The environment.
    pub env: Env,
    /// Address to bind (default loopback).
    pub addr: IpAddr,
    /// Port (0 = any free port).
    pub port: u16,
}

/// Shared by every request.
pub struct AppState {
    options: Options,
    env: Env,
    /// The one-time secret; `None` once used.
    secret: Mutex<Option<String>>,
    sessions: Mutex<HashSet<String>>,
    vault: MemoryVault,
    /// The latest sync run through this server, for the overview.
    last_sync: Mutex<Option<api::LastSync>>,
    /// `Host` values accepted (`127.0.0.1:8080`, `localhost:8080` …).
    hosts: Vec<String>,
    cookie: String,
}

/// A bound server, not yet serving.
pub struct Bound {
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    url: String,
}

impl Bound {
    /// The URL to open, with the one-time secret.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, router(self.state)).with_graceful_shutdown(shutdown).await
    }
}

/// Binds the listener and makes the one-time secret.
pub async fn bind(config: ServeConfig) -> std::io::Result<Bound> {
    if config.addr.is_unspecified() {
        // The Host check needs the one address the browser will use.
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("--bind {}: give the address you will open (like 192.168.1.5), not a wildcard; the server answers only to the address it prints", config.addr),
        ));
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(config.addr, config.port)).await?;
    let local = listener.local_addr()?;
    let port = local.port();
    let host = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{port}"),
        IpAddr::V4(ip) => format!("{ip}:{port}"),
    };
    let mut hosts = vec![host.clone()];
    if local.ip().is_loopback() {
        hosts.push(format!("localhost:{port}"));
    }
    let secret = authtray_core::vault::random_id();
    let url = format!("http://{host}/?secret={secret}");
    let state = Arc::new(AppState {
        options: config.options,
        env: config.env,
        secret: Mutex::new(Some(secret)),
        sessions: Mutex::new(HashSet::new()),
        vault: MemoryVault::default(),
        last_sync: Mutex::new(None),
        hosts,
        cookie: format!("authtray_session_{port}"),
    });
    Ok(Bound { listener, state, url })
}

/// The routes, behind the guard.
fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/info", get(info))
        .route("/api/status", get(status))
        .route("/api/settings", get(settings_get).post(settings_set))
        .route("/api/check-token", post(check_token))
        .route("/api/paste", post(paste))
        .route("/api/undo", post(undo))
        .route("/api/order", post(order_set))
        .route("/api/order/clear", post(order_clear))
        .route("/api/sync", post(sync))
        .route("/api/last-sync", get(last_sync))
        .route("/api/glance", get(glance))
        .fallback(get(static_or_login))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), guard::guard))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// A JSON answer.
fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(b) => (status, [(header::CONTENT_TYPE, "application/json")], b).into_response(),
        Err(e) => error(ApiError { status: 500, error: format!("cannot encode the answer: {e}"), kind: "internal" }),
    }
}

fn error(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(status, &e)
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("the request is not what this endpoint takes: {e}")))
}

/// Runs an engine call off the async threads (it takes file locks and may run the gateway CLI).
async fn blocking<T: Serialize + Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&AppState, &Context) -> Result<T, ApiError> + Send + 'static,
) -> Response {
    let state = Arc::clone(state);
    let joined = tokio::task::spawn_blocking(move || {
        let ctx = Context::load(state.env.clone(), &state.options).map_err(ApiError::from)?;
        f(&state, &ctx)
    })
    .await;
    match joined {
        Ok(Ok(v)) => json(StatusCode::OK, &v),
        Ok(Err(e)) => error(e),
        Err(_) => {
            error(ApiError { status: 500, error: "the operation stopped unexpectedly; see the server's log".into(), kind: "internal" })
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    shell: &'static str,
    version: &'static str,
    autostart: bool,
}

async fn info() -> Response {
    json(StatusCode::OK, &Info { shell: "serve", version: env!("CARGO_PKG_VERSION"), autostart: false })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusQuery {
    warn_within: Option<String>,
}

async fn status(State(state): State<Arc<AppState>>, Query(q): Query<StatusQuery>) -> Response {
    let warn = match q.warn_within.as_deref().map(authtray_core::duration::parse).transpose() {
        Ok(w) => w.unwrap_or(authtray_core::health::DEFAULT_WARN_MS),
        Err(e) => return error(ApiError::bad_request(e.to_string())),
    };
    blocking(&state, move |_, ctx| Ok(authtray_core::ops::status::status(ctx, warn))).await
}

fn settings_path(state: &AppState) -> std::path::PathBuf {
    Settings::path_for(&state.env)
}

async fn settings_get(State(state): State<Arc<AppState>>) -> Response {
    match Settings::load(&settings_path(&state)) {
        Ok(s) => json(StatusCode::OK, &s),
        Err(e) => error(e.into()),
    }
}

async fn settings_set(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let s: Settings = match parse(&body) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    match s.save(&settings_path(&state)) {
        Ok(()) => json(StatusCode::OK, &s),
        Err(e) => error(e.into()),
    }
}

async fn check_token(body: Bytes) -> Response {
    match parse::<api::CheckInput>(&body) {
        Ok(input) => json(StatusCode::OK, &api::check_token(&input)),
        Err(e) => error(e),
    }
}

async fn paste(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match parse::<api::PasteInput>(&body) {
        Ok(input) => blocking(&state, move |s, ctx| api::paste(ctx, &input, &s.vault).map_err(ApiError::from)).await,
        Err(e) => error(e),
    }
}

async fn undo(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match parse::<api::UndoInput>(&body) {
        Ok(input) => blocking(&state, move |s, ctx| api::undo(ctx, &input, &s.vault).map_err(ApiError::from)).await,
        Err(e) => error(e),
    }
}

async fn order_set(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match parse::<api::OrderInput>(&body) {
        Ok(input) => blocking(&state, move |_, ctx| api::order_set(ctx, &input).map_err(ApiError::from)).await,
        Err(e) => error(e),
    }
}

async fn order_clear(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match parse::<api::OrderInput>(&body) {
        Ok(input) => blocking(&state, move |_, ctx| api::order_clear(ctx, &input).map_err(ApiError::from)).await,
        Err(e) => error(e),
    }
}

async fn sync(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let input: api::SyncInput = if body.is_empty() {
        api::SyncInput::default()
    } else {
        match parse(&body) {
            Ok(i) => i,
            Err(e) => return error(e),
        }
    };
    blocking(&state, move |s, ctx| {
        let settings = Settings::load(&settings_path(s)).map_err(ApiError::from)?;
        let result = api::sync(ctx, &input, &settings);
        if !input.dry_run {
            let entry = api::LastSync::of(ctx.now, &result);
            *s.last_sync.lock().unwrap_or_else(|p| p.into_inner()) = Some(entry);
        }
        result.map_err(ApiError::from)
    })
    .await
}

async fn glance(State(state): State<Arc<AppState>>) -> Response {
    blocking(&state, |s, ctx| {
        let settings = Settings::load(&settings_path(s)).map_err(ApiError::from)?;
        let last = s.last_sync.lock().unwrap_or_else(|p| p.into_inner()).clone().and_then(|l| l.report);
        Ok(api::glance(ctx, &settings, last.as_ref()))
    })
    .await
}

async fn last_sync(State(state): State<Arc<AppState>>) -> Response {
    let last = state.last_sync.lock().unwrap_or_else(|p| p.into_inner()).clone();
    json(StatusCode::OK, &last)
}

#[derive(Deserialize)]
struct LoginQuery {
    secret: Option<String>,
}

/// `/?secret=…` trades the one-time secret for a session; everything else is a static file,
/// for sessions only (the guard checked).
async fn static_or_login(
    State(state): State<Arc<AppState>>,
    uri: axum::http::Uri,
    Query(q): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    if let Some(given) = q.secret {
        let mut slot = state.secret.lock().unwrap_or_else(|p| p.into_inner());
        let ok = slot.as_deref().is_some_and(|s| guard::constant_time_eq(s.as_bytes(), given.as_bytes()));
        if !ok {
            return page(StatusCode::FORBIDDEN, "This link was already used or is not valid. Restart `authtray serve` for a new one.");
        }
        *slot = None;
        let session = authtray_core::vault::random_id();
        state.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(session.clone());
        let cookie = format!("{}={session}; HttpOnly; SameSite=Strict; Path=/", state.cookie);
        let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().insert(header::SET_COOKIE, v);
        }
        return res;
    }
    if !guard::has_session(&state, &headers) {
        return page(StatusCode::UNAUTHORIZED, "Open the URL `authtray serve` printed (it carries a one-time secret) to start a session.");
    }
    match assets::find(uri.path()) {
        Some((ctype, bytes)) => (StatusCode::OK, [(header::CONTENT_TYPE, ctype)], bytes).into_response(),
        None => page(StatusCode::NOT_FOUND, "Not found."),
    }
}

/// A minimal HTML page for refusals a browser shows.
fn page(status: StatusCode, message: &str) -> Response {
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body = format!("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>authtray</title><main><h1>authtray</h1><p>{escaped}</p></main></html>");
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}
