//! Time as the gateway counts it: milliseconds since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, the unit of every timestamp in the gateway's stores.
pub type Millis = i64;

/// The largest timestamp JavaScript's `Date` accepts; the gateway treats larger ones as invalid.
pub(crate) const MAX_JS_DATE_MS: Millis = 8_640_000_000_000_000;

/// Below this an `expires` value is almost certainly in seconds, not milliseconds
/// (1e11 ms is March 1973; 1e11 s is the year 5138).
pub(crate) const SECONDS_SUSPECT_BELOW: Millis = 100_000_000_000;

/// The current time in milliseconds.
pub fn now_ms() -> Millis {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or(0)
}

/// An RFC 3339 rendering (UTC, milliseconds) of a timestamp, as JavaScript's `toISOString`.
pub(crate) fn iso(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| format!("{ms} ms"))
}

/// Parses an RFC 3339 time into milliseconds.
pub(crate) fn parse_iso(s: &str) -> Option<Millis> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.timestamp_millis())
}
