//! The `ui/` files, compiled in so the binary serves them from anywhere. The tray app loads the
//! same directory through Tauri; a test keeps this table and the directory in step.

/// (path under `/`, content type, bytes)
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    ("/", "text/html; charset=utf-8", include_bytes!("../../../ui/index.html")),
    ("/app.css", "text/css; charset=utf-8", include_bytes!("../../../ui/app.css")),
    ("/icon.png", "image/png", include_bytes!("../../../ui/icon.png")),
    ("/js/main.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/js/main.js")),
    ("/js/shell.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/js/shell.js")),
    ("/js/transport.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/js/transport.js")),
    ("/js/format.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/js/format.js")),
    ("/js/overview.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/js/overview.js")),
    ("/js/paste.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/js/paste.js")),
    ("/js/order.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/js/order.js")),
    ("/js/settings.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/js/settings.js")),
];

/// The asset at `path`.
pub fn find(path: &str) -> Option<(&'static str, &'static [u8])> {
    let path = if path == "/index.html" { "/" } else { path };
    ASSETS.iter().find(|(p, _, _)| *p == path).map(|(_, t, b)| (*t, *b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_ui_file_is_served() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui");
        let mut missing = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let rel = format!("/{}", p.strip_prefix(&root).unwrap().display());
                if super::find(&rel).is_none() {
                    missing.push(rel);
                }
            }
        }
        assert!(missing.is_empty(), "add to ASSETS: {missing:?}");
    }
}
