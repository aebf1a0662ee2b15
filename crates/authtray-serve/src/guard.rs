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
    if req.uri().path().starts_with("/api/") && !state.sessions.has(&state.cookie, headers) {
        return Err((
            StatusCode::UNAUTHORIZED,
            "no session (it may have ended after 12 hours unused): open the URL `authtray serve` printed",
        ));
    }
    Ok(())
}

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

/// The live sessions, each with when it was last used.
pub(crate) struct Sessions {
    idle: Duration,
    live: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    pub(crate) fn new(idle: Duration) -> Sessions {
        Sessions { idle, live: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn start(&self, id: String) {
        self.lock().insert(id, Instant::now());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The session the request's cookie names, if it is live.
    fn find<'a>(live: &'a HashMap<String, Instant>, cookie: &str, headers: &HeaderMap) -> Option<&'a String> {
        let given: Vec<&str> = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .filter(|(k, _)| *k == cookie)
            .map(|(_, v)| v)
            .collect();
        live.keys().find(|s| given.iter().any(|v| constant_time_eq(s.as_bytes(), v.as_bytes())))
    }

    /// Whether the request carries a live session cookie; using it keeps it alive.
    pub(crate) fn has(&self, cookie: &str, headers: &HeaderMap) -> bool {
        let mut live = self.lock();
        let now = Instant::now();
        live.retain(|_, used| now.duration_since(*used) < self.idle);
        match Self::find(&live, cookie, headers).cloned() {
            Some(id) => {
                live.insert(id, now);
                true
            }
            None => false,
        }
    }

    /// Ends the request's session (Sign out).
    pub(crate) fn end(&self, cookie: &str, headers: &HeaderMap) {
        let mut live = self.lock();
        if let Some(id) = Self::find(&live, cookie, headers).cloned() {
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

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn sessions_end_when_unused_or_signed_out() {
        let s = Sessions::new(Duration::from_millis(300));
        s.start("abc".into());
        s.start("def".into());
        assert!(s.has("c", &with_cookie("other=1; c=abc")));
        assert!(!s.has("c", &with_cookie("c=ab")) && !s.has("c", &with_cookie("x=abc")));
        // Use keeps a session alive past the idle limit; disuse ends it.
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(100));
            assert!(s.has("c", &with_cookie("c=abc")));
        }
        assert!(!s.has("c", &with_cookie("c=def")), "an idle session outlived its limit");
        s.end("c", &with_cookie("c=abc"));
        assert!(!s.has("c", &with_cookie("c=abc")), "signed out, still in");
    }
}
