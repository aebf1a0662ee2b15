//! The checks every request passes before a handler sees it, and the headers every response
//! carries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Only our own files, no inline script or style, no framing, no form posts anywhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub(crate) async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let mut res = match check(&state, &req) {
        Ok(()) => next.run(req).await,
        Err((status, message)) => refuse(status, message),
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    res
}

fn check(state: &AppState, req: &Request) -> Result<(), (StatusCode, &'static str)> {
    let headers = req.headers();
    // DNS rebinding: a foreign name resolving to 127.0.0.1 still carries its own Host.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !state.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return Err((StatusCode::MISDIRECTED_REQUEST, "this server only answers to the address it printed"));
    }
    // CSRF: browsers say where a request comes from. The one exception is opening the login
    // link itself from elsewhere (a file, another app): it needs the secret, which a foreign
    // site does not have, and it only starts a session.
    if is_cross_site(headers) && !is_login_navigation(req) {
        return Err((StatusCode::FORBIDDEN, "cross-site requests are refused"));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let ok = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|o| state.hosts.iter().any(|h| h.eq_ignore_ascii_case(o)));
        if !ok {
            return Err((StatusCode::FORBIDDEN, "requests from another origin are refused"));
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
        if !json {
            return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, "send JSON (Content-Type: application/json)"));
        }
    }
    // Trading the one-time secret for a session is the one API call made without a session.
    if req.uri().path().starts_with("/api/") && req.uri().path() != "/api/session" && !state.sessions.has(headers) {
        return Err((StatusCode::UNAUTHORIZED, NO_SESSION));
    }
    Ok(())
}

/// Why an API request without a live session is refused.
pub(crate) const NO_SESSION: &str =
    "no session (sessions end 12 hours after sign-in, after 12 hours unused, and on Sign out): open the URL `authtray serve` printed";

/// Whether the browser says the request comes from another site.
pub(crate) fn is_cross_site(headers: &HeaderMap) -> bool {
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|site| !matches!(site, "same-origin" | "none"))
}

/// A top-level GET of `/?secret=…`.
fn is_login_navigation(req: &Request) -> bool {
    let h = req.headers();
    let header_is = |name: &str, want: &str| h.get(name).and_then(|v| v.to_str().ok()) == Some(want);
    req.method() == Method::GET
        && req.uri().path() == "/"
        && req.uri().query().is_some_and(|q| q.split('&').any(|kv| kv.starts_with("secret=")))
        && header_is("sec-fetch-mode", "navigate")
        && header_is("sec-fetch-dest", "document")
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message, "kind": "refused" }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The request header that carries the session. Browsers send cookies to every port of a host,
/// so another local server a page opens would receive a session cookie; a header is only sent
/// by our own script, which keeps the session in this tab's storage of this origin.
pub(crate) const SESSION_HEADER: &str = "x-authtray-session";

/// One session's times.
struct Session {
    started: Instant,
    used: Instant,
}

/// The live sessions. Each ends when unused for `idle`, `lifetime` after it started whatever its
/// use (an open tab re-reads the status every minute, so disuse alone would never end it), or
/// on Sign out. The `*_at` methods take the time, so tests can move the clock.
pub(crate) struct Sessions {
    idle: Duration,
    lifetime: Duration,
    live: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub(crate) fn new(idle: Duration, lifetime: Duration) -> Sessions {
        Sessions { idle, lifetime, live: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn start(&self, id: String) {
        self.start_at(id, Instant::now());
    }

    fn start_at(&self, id: String, now: Instant) {
        self.lock().insert(id, Session { started: now, used: now });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live session the request's header names. Cookies are not looked at: whatever a
    /// browser sends on its own is not proof that our page made the request.
    fn find(live: &HashMap<String, Session>, headers: &HeaderMap) -> Option<String> {
        let given = headers.get(SESSION_HEADER)?.to_str().ok()?.trim();
        live.keys().find(|s| constant_time_eq(s.as_bytes(), given.as_bytes())).cloned()
    }

    /// Whether the request carries a live session; using it keeps it alive (up to its lifetime).
    pub(crate) fn has(&self, headers: &HeaderMap) -> bool {
        self.has_at(headers, Instant::now())
    }

    fn has_at(&self, headers: &HeaderMap, now: Instant) -> bool {
        let mut live = self.lock();
        live.retain(|_, s| now.duration_since(s.used) < self.idle && now.duration_since(s.started) < self.lifetime);
        match Self::find(&live, headers).and_then(|id| live.get_mut(&id)) {
            Some(s) => {
                s.used = now;
                true
            }
            None => false,
        }
    }

    /// Ends the request's session (Sign out).
    pub(crate) fn end(&self, headers: &HeaderMap) {
        let mut live = self.lock();
        if let Some(id) = Self::find(&live, headers) {
            live.remove(&id);
        }
    }
}

/// Compares secrets without an early exit that would leak how much matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_session(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(SESSION_HEADER, HeaderValue::from_str(v).unwrap());
        h
    }

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn sessions_end_when_unused_or_signed_out() {
        let s = Sessions::new(Duration::from_secs(300), Duration::from_secs(3600));
        let t0 = Instant::now();
        s.start_at("abc".into(), t0);
        s.start_at("def".into(), t0);
        assert!(s.has_at(&with_session("abc"), t0));
        assert!(!s.has_at(&with_session("ab"), t0) && !s.has_at(&with_session("abcd"), t0));
        // Use keeps a session alive past the idle limit; disuse ends it.
        for minute in 1..=8 {
            assert!(s.has_at(&with_session("abc"), t0 + Duration::from_secs(60 * minute)));
        }
        assert!(!s.has_at(&with_session("def"), t0 + Duration::from_secs(480)), "an idle session outlived its limit");
        s.end(&with_session("abc"));
        assert!(!s.has_at(&with_session("abc"), t0 + Duration::from_secs(481)), "signed out, still in");
    }

    #[test]
    fn a_session_in_use_still_ends_at_its_lifetime() {
        let s = Sessions::new(crate::SESSION_IDLE, crate::SESSION_LIFETIME);
        let t0 = Instant::now();
        s.start_at("abc".into(), t0);
        // An open tab re-reads the status every minute: never idle.
        let minutes = crate::SESSION_LIFETIME.as_secs() / 60;
        for minute in 1..minutes {
            assert!(s.has_at(&with_session("abc"), t0 + Duration::from_secs(60 * minute)), "ended early, at minute {minute}");
        }
        assert!(!s.has_at(&with_session("abc"), t0 + crate::SESSION_LIFETIME), "a session in use outlived its lifetime");
        assert!(crate::SESSION_LIFETIME <= Duration::from_secs(12 * 3600));
    }

    #[test]
    fn a_session_is_only_the_header_never_a_cookie() {
        let s = Sessions::new(Duration::from_secs(300), Duration::from_secs(3600));
        s.start("abc".into());
        // What a browser sends on its own to any server on this host: the session as a cookie,
        // under the name this server used to give it. It is not a session.
        for cookie in ["authtray_session_8080=abc", "x-authtray-session=abc", "abc=abc"] {
            assert!(!s.has(&with_cookie(cookie)), "{cookie} let a request in");
        }
        assert!(s.has(&with_session("abc")));
    }
}
