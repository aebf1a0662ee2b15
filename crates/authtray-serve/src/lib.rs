//! `authtray serve`: the web UI in `ui/` and a JSON API over the engine, for gateways on
//! headless hosts (open it through an SSH tunnel).
//!
//! Security model: the server binds loopback by default and prints one URL with a random
//! one-time secret. The page it opens trades the secret (`POST /api/session`) for a session id,
//! keeps it in that tab's `sessionStorage` and sends it as the `X-Authtray-Session` header on
//! every API call; the server sets no cookie and ignores any (a browser sends cookies to every
//! port of a host, so another local server would get them). The static files are the public UI
//! and hold no data. A session ends after [`SESSION_LIFETIME`], after [`SESSION_IDLE`] unused,
//! or on Sign out. Requests whose `Host` is not the bound address (DNS rebinding) or whose
//! `Origin`/`Sec-Fetch-Site` is foreign (CSRF) are refused, POST bodies must be JSON and at most
//! 64 KiB, and every response carries a strict Content-Security-Policy. Tokens only travel from
//! the browser to the server: every report holds redacted forms only. The targets (hosts that
//! receive Claude Code's login) cannot be changed here: see [`api::Caller::Web`].

mod assets;
mod guard;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authtray_core::api::{self, ApiError};
use authtray_core::env::Env;
use authtray_core::ops::{Context, Options};
use authtray_core::settings::Settings;
use authtray_core::target_pool::{Job, TargetPool};
use authtray_core::vault::MemoryVault;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A session unused this long is forgotten; the next request needs a new link.
pub const SESSION_IDLE: Duration = Duration::from_secs(12 * 60 * 60);

/// A session ends this long after it started, however much it is used: a session id that got
/// out stops working on its own.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

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
    /// How long an unused session lives ([`SESSION_IDLE`] unless a test says otherwise).
    pub session_idle: Duration,
}

/// Shared by every request.
pub struct AppState {
    options: Options,
    env: Env,
    /// The one-time secret; `None` once used.
    secret: Mutex<Option<String>>,
    sessions: guard::Sessions,
    vault: MemoryVault,
    /// The latest sync run through this server, for the overview.
    last_sync: Mutex<Option<api::LastSync>>,
    /// The saved targets (gateways on other hosts), checked in the background when the overview
    /// asks (at most every [`TARGETS_EVERY`]) and mirrored to on Sync now.
    targets: Mutex<(TargetPool, Option<Instant>)>,
    /// `Host` values accepted (`127.0.0.1:8080`, `localhost:8080` …).
    hosts: Vec<String>,
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

/// Descriptors tokio opens while building the runtime: the poller, its waker, the signal pipe
/// (a pair) and a copy of its read end.
const RUNTIME_DESCRIPTORS: usize = 5;

/// The runtime to serve on, or an error that says what to do when the process may not open
/// enough files. Tokio panics when it cannot get its signal pipe, so as many descriptors as it
/// needs are tried first.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    spare_descriptors(RUNTIME_DESCRIPTORS)?;
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(explain_descriptors)
}

/// Opens `n` (at least 2) descriptors and closes them again: an error when fewer are left.
fn spare_descriptors(n: usize) -> std::io::Result<()> {
    let (a, _b) = std::os::unix::net::UnixStream::pair().map_err(explain_descriptors)?;
    let copies: std::io::Result<Vec<_>> = (2..n).map(|_| a.try_clone()).collect();
    copies.map(drop).map_err(explain_descriptors)
}

/// "Too many open files" said as what to do about it; other errors as they are.
fn explain_descriptors(e: std::io::Error) -> std::io::Error {
    // EMFILE (this process) and ENFILE (the whole system), the same numbers on Linux and macOS.
    if !matches!(e.raw_os_error(), Some(23 | 24)) {
        return e;
    }
    std::io::Error::new(
        e.kind(),
        format!(
            "too few file descriptors: authtray serve could not open a file or socket ({e}). \
             Raise the limit of open files (`ulimit -n 1024` in this shell, or LimitNOFILE= in a service) and start it again"
        ),
    )
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
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(config.addr, config.port)).await.map_err(explain_descriptors)?;
    let local = listener.local_addr()?;
    let port = local.port();
    let host = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{port}"),
        IpAddr::V4(ip) => format!("{ip}:{port}"),
    };
    let hosts = accepted_hosts(local);
    let secret = authtray_core::vault::random_id().map_err(|e| std::io::Error::other(e.to_string()))?;
    let url = format!("http://{host}/?secret={secret}");
    let pool = TargetPool::new(config.env.clone(), || {});
    let state = Arc::new(AppState {
        options: config.options,
        env: config.env,
        secret: Mutex::new(Some(secret)),
        sessions: guard::Sessions::new(config.session_idle, SESSION_LIFETIME),
        vault: MemoryVault::default(),
        last_sync: Mutex::new(None),
        targets: Mutex::new((pool, None)),
        hosts,
    });
    Ok(Bound { listener, state, url })
}

/// The `Host` values a browser sends for the bound address: with the port, and without it on
/// port 80 (browsers leave out the scheme's default port, in `Host` and `Origin` alike).
fn accepted_hosts(local: SocketAddr) -> Vec<String> {
    let port = local.port();
    let bare = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let mut names = vec![bare];
    if local.ip().is_loopback() {
        names.push("localhost".into());
    }
    let mut hosts: Vec<String> = names.iter().map(|n| format!("{n}:{port}")).collect();
    if port == 80 {
        hosts.extend(names);
    }
    hosts
}

/// The routes, behind the guard.
fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/info", get(info))
        .route("/api/status", get(status))
        .route("/api/settings", get(settings_get).post(settings_set))
        .route("/api/check-token", post(check_token))
        .route("/api/paste", post(paste))
        .route("/api/paste-target", post(paste_to_target))
        .route("/api/undo", post(undo))
        .route("/api/order", post(order_set))
        .route("/api/order/clear", post(order_clear))
        .route("/api/cooldown/clear", post(cooldown_clear))
        .route("/api/expiry", post(set_expiry))
        .route("/api/sync", post(sync))
        .route("/api/last-sync", get(last_sync))
        .route("/api/glance", get(glance))
        .route("/api/session", post(session_start))
        .route("/api/logout", post(logout))
        .fallback(get(static_or_login))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), guard::guard))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// A JSON answer.
fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(b) => (status, [(header::CONTENT_TYPE, "application/json")], b).into_response(),
        Err(e) => error(ApiError::new(500, "internal", format!("cannot encode the answer: {e}"))),
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
        // Settings that cannot be read are reported by the settings screen; discovery goes on.
        let settings = Settings::load(&settings_path(&state)).unwrap_or_default();
        let ctx = Context::load(state.env.clone(), &state.options.clone().with_settings(&settings)).map_err(ApiError::from)?;
        f(&state, &ctx)
    })
    .await;
    answer(joined)
}

/// The answer to a job run off the async threads: its JSON, its error, or a 500 if it panicked.
fn answer<T: Serialize>(joined: Result<Result<T, ApiError>, tokio::task::JoinError>) -> Response {
    match joined {
        Ok(Ok(v)) => json(StatusCode::OK, &v),
        Ok(Err(e)) => error(e),
        Err(_) => error(ApiError::new(500, "internal", "the operation stopped unexpectedly; see the server's log")),
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
    blocking(&state, move |s, ctx| {
        let settings = Settings::load(&settings_path(s)).map_err(ApiError::from)?;
        let last = s.last_with_targets(&settings, false);
        Ok(api::status(ctx, &settings, last.as_ref(), warn))
    })
    .await
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
    match api::save_settings(&settings_path(&state), &s, api::Caller::Web) {
        Ok(saved) => json(StatusCode::OK, &saved),
        Err(e) => error(e),
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

/// A token for a saved target: needs no gateway here, so no engine context.
async fn paste_to_target(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let input = match parse::<api::TargetPasteInput>(&body) {
        Ok(input) => input,
        Err(e) => return error(e),
    };
    let s = Arc::clone(&state);
    let joined = tokio::task::spawn_blocking(move || {
        let out = api::paste_to_target(&s.env, &input).map_err(ApiError::from);
        s.recheck_targets(out.is_ok());
        out
    })
    .await;
    answer(joined)
}

async fn undo(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match parse::<api::UndoInput>(&body) {
        Ok(input) => blocking(&state, move |s, ctx| api::undo(ctx, &input, &s.vault).map_err(ApiError::from)).await,
        Err(e) => error(e),
    }
}

async fn order_set(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    order_change(state, &body, api::order_set).await
}

async fn order_clear(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    order_change(state, &body, api::order_clear).await
}

/// Set or clear; a change made on a target has the targets checked again.
async fn order_change(
    state: Arc<AppState>,
    body: &Bytes,
    op: fn(&Context, &api::OrderInput) -> authtray_core::Result<authtray_core::ops::order::OrderReport>,
) -> Response {
    match parse::<api::OrderInput>(body) {
        Ok(input) => {
            blocking(&state, move |s, ctx| {
                let out = op(ctx, &input).map_err(ApiError::from)?;
                s.recheck_targets(input.target.is_some());
                Ok(out)
            })
            .await
        }
        Err(e) => error(e),
    }
}

async fn cooldown_clear(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match parse::<api::CooldownInput>(&body) {
        Ok(input) => blocking(&state, move |_, ctx| api::cooldown_clear(ctx, &input).map_err(ApiError::from)).await,
        Err(e) => error(e),
    }
}

async fn set_expiry(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    match parse::<api::ExpiryInput>(&body) {
        Ok(input) => blocking(&state, move |_, ctx| api::set_expiry(ctx, &input).map_err(ApiError::from)).await,
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
            s.last_with_targets(&settings, true);
        }
        result.map_err(ApiError::from)
    })
    .await
}

async fn glance(State(state): State<Arc<AppState>>) -> Response {
    blocking(&state, |s, ctx| {
        let settings = Settings::load(&settings_path(s)).map_err(ApiError::from)?;
        let last = s.last_with_targets(&settings, false);
        Ok(api::glance(ctx, &settings, last.as_ref()))
    })
    .await
}

async fn last_sync(State(state): State<Arc<AppState>>) -> Response {
    // Without a gateway here there is still the targets' part: no engine context needed.
    let s = Arc::clone(&state);
    let last = tokio::task::spawn_blocking(move || {
        let settings = Settings::load(&settings_path(&s)).unwrap_or_default();
        s.last_with_targets(&settings, false)
    })
    .await
    .unwrap_or_default();
    json(StatusCode::OK, &last)
}

/// How often the overview's requests may start a new round of target checks.
const TARGETS_EVERY: Duration = Duration::from_secs(300);

impl AppState {
    /// After a change made on a target: the next overview request checks them again.
    fn recheck_targets(&self, changed: bool) {
        if changed {
            self.targets.lock().unwrap_or_else(|p| p.into_inner()).1 = None;
        }
    }

    /// The latest sync with the targets as last checked. Starts a round of checks (never
    /// waited for) when none ran for [`TARGETS_EVERY`], or with a mirror after Sync now.
    fn last_with_targets(&self, settings: &Settings, mirror: bool) -> Option<api::LastSync> {
        let targets = {
            let mut guard = self.targets.lock().unwrap_or_else(|p| p.into_inner());
            let (pool, kicked) = &mut *guard;
            pool.reconcile(&settings.targets);
            if mirror || kicked.is_none_or(|k| k.elapsed() >= TARGETS_EVERY) {
                *kicked = Some(Instant::now());
                let login = authtray_core::claude::LoginLocator::new(&self.env, self.options.claude_dir.as_deref()).read();
                pool.kick(&Job { login, mirror, settings: settings.clone() });
            }
            pool.states()
        };
        let last = self.last_sync.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match (last, targets.is_empty()) {
            (None, true) => None,
            (Some(l), _) => Some(api::LastSync { targets, ..l }),
            (None, false) => Some(api::LastSync { at: 0, report: None, error: None, targets }),
        }
    }
}

/// Sign out: forgets this session.
async fn logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    state.sessions.end(&headers);
    json(StatusCode::OK, &serde_json::json!({ "signedOut": true }))
}

/// What the page sends to sign in: the secret from the URL it was opened with.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionInput {
    secret: String,
}

/// The session id the page sends back as the `X-Authtray-Session` header.
#[derive(Serialize)]
struct SessionOutput {
    session: String,
}

/// Why a login link does not work.
const LINK_USED: &str = "This link was already used or is not valid. Restart `authtray serve` and open the URL it prints.";

/// Whether `given` is the one-time secret, still unused.
fn is_secret(slot: &Option<String>, given: &str) -> bool {
    slot.as_deref().is_some_and(|s| guard::constant_time_eq(s.as_bytes(), given.as_bytes()))
}

/// `POST /api/session`: trades the one-time secret for a session, once. The guard has checked
/// the request is same-origin JSON.
async fn session_start(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let input: SessionInput = match parse(&body) {
        Ok(i) => i,
        Err(e) => return error(e),
    };
    let mut slot = state.secret.lock().unwrap_or_else(|p| p.into_inner());
    if !is_secret(&slot, &input.secret) {
        return error(ApiError::new(403, "refused", LINK_USED));
    }
    let session = match authtray_core::vault::random_id() {
        Ok(s) => s,
        // The secret stays usable: nothing was handed out.
        Err(e) => return error(ApiError::new(500, "internal", format!("{e}. Try the link again."))),
    };
    *slot = None;
    state.sessions.start(session.clone());
    json(StatusCode::OK, &SessionOutput { session })
}

#[derive(Deserialize)]
struct LoginQuery {
    secret: Option<String>,
}

/// The static files: the UI, which holds no data (everything comes through the API, with the
/// session header). `/?secret=…` is the app too, whose script trades the secret for a session;
/// a secret that cannot be traded is answered with a page that says so.
async fn static_or_login(State(state): State<Arc<AppState>>, uri: axum::http::Uri, Query(q): Query<LoginQuery>) -> Response {
    if let Some(given) = q.secret {
        let slot = state.secret.lock().unwrap_or_else(|p| p.into_inner());
        if !is_secret(&slot, &given) {
            return page(StatusCode::FORBIDDEN, LINK_USED);
        }
    }
    match assets::find(uri.path()) {
        Some((ctype, bytes)) => (StatusCode::OK, [(header::CONTENT_TYPE, ctype)], bytes).into_response(),
        None => page(StatusCode::NOT_FOUND, "Not found."),
    }
}

/// A minimal HTML page for refusals a browser shows.
fn page(status: StatusCode, message: &str) -> Response {
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body = format!("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>authtray</title><main><h1>authtray</h1><p>{escaped}</p></main></html>");
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_a_browser_sends_are_accepted() {
        let at = |a: &str| accepted_hosts(a.parse().unwrap());
        assert_eq!(at("127.0.0.1:8080"), ["127.0.0.1:8080", "localhost:8080"]);
        // On port 80 browsers send no port at all.
        assert_eq!(at("127.0.0.1:80"), ["127.0.0.1:80", "localhost:80", "127.0.0.1", "localhost"]);
        assert_eq!(at("[::1]:80"), ["[::1]:80", "localhost:80", "[::1]", "localhost"]);
        assert_eq!(at("192.168.1.5:443"), ["192.168.1.5:443"]);
    }

    #[test]
    fn running_out_of_descriptors_says_what_to_do() {
        let e = explain_descriptors(std::io::Error::from_raw_os_error(24)).to_string();
        assert!(e.starts_with("too few file descriptors") && e.contains("ulimit -n"), "{e}");
        let other = explain_descriptors(std::io::Error::from_raw_os_error(98)).to_string();
        assert!(!other.contains("descriptors"), "{other}");
    }
}
