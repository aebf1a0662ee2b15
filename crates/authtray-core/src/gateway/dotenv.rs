//! The gateway's `.env` in its state dir: `NAME=value` lines (optionally `export`, quoted),
//! which the gateway service loads into its environment.

use std::path::Path;

/// The variables of a `.env` file, in file order; a missing or unreadable file has none.
pub(crate) fn read(path: &Path) -> Vec<(String, String)> {
    let Ok(Some(bytes)) = crate::fsx::read_optional(path) else { return Vec::new() };
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("export ").unwrap_or(l);
            if l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_string(), v.to_string()))
        })
        .collect()
}
