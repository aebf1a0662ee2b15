//! The checks every request passes before a handler sees it, and the headers every response
//! carries.

use std::sync::Arc;

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
    // CSRF: browsers say where a request comes from.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return Err((StatusCode::FORBIDDEN, "cross-site requests are refused"));
        }
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
    if req.uri().path().starts_with("/api/") && !has_session(state, headers) {
        return Err((StatusCode::UNAUTHORIZED, "no session: open the URL `authtray serve` printed"));
    }
    Ok(())
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message, "kind": "refused" }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Whether the request carries a live session cookie.
pub(crate) fn has_session(state: &AppState, headers: &HeaderMap) -> bool {
    let sessions = state.sessions.lock().unwrap_or_else(|p| p.into_inner());
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .any(|(k, v)| k == state.cookie && sessions.iter().any(|s| constant_time_eq(s.as_bytes(), v.as_bytes())))
}

/// Compares secrets without an early exit that would leak how much matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
