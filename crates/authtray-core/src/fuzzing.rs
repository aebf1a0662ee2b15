//! Fuzz entry points: one function per parser that reads outside input, each exercising the
//! parser and what consumes its result, and checking invariants that must hold for any input.
//! Shared by the stable mutation harness (`tests/fuzz_smoke.rs`) and the cargo-fuzz targets
//! (`fuzz/`). Not part of the API.

use std::path::Path;

use crate::claude::{decode_security_output, parse_credentials};
use crate::gateway::config::GatewayConfig;
use crate::gateway::store::StoreDoc;
use crate::gateway::Generation;
use crate::{duration, health, token};

const NOW: i64 = 1_800_000_000_000;

/// Claude Code's credentials blob.
pub fn claude_credentials(data: &[u8]) {
    if let Ok(l) = parse_credentials(&String::from_utf8_lossy(data)) {
        assert!(l.expires_at > 0 && !l.access_token.expose().is_empty());
    }
}

/// A store and state document, then health and `--check` on it for every generation.
pub fn store(data: &[u8]) {
    let config = GatewayConfig {
        path: "c".into(),
        value: serde_json::json!({"auth":{"profiles":{"anthropic:a":{"provider":"anthropic","mode":"token"}}}}),
        exists: true,
    };
    if let Ok(doc) = StoreDoc::parse(Path::new("s"), Some(data), Path::new("t"), Some(data)) {
        for g in [Generation::Clawdbot, Generation::OpenclawJson, Generation::OpenclawSqlite] {
            for p in doc.profiles() {
                health::assess(g, &p, NOW, health::DEFAULT_WARN_MS);
            }
            assert!(health::check_code(g, &doc, &config, &[], NOW, health::DEFAULT_WARN_MS) <= 2);
        }
        doc.ignored_profiles();
        let _ = format!("{doc:?}");
    }
}

/// The gateway config (JSON5) and the edits authtray makes to it.
pub fn config(data: &[u8]) {
    if let Ok(mut c) = GatewayConfig::parse(Path::new("c.json"), &String::from_utf8_lossy(data)) {
        c.agents();
        c.providers_in_use("openai/x");
        c.listed_profiles("anthropic");
        c.last_touched_version();
        c.register_profile("anthropic:m", "anthropic", "token");
    }
}

/// `security -w` output (plain or hex).
pub fn security_output(data: &[u8]) {
    let out = decode_security_output(&String::from_utf8_lossy(data));
    let _ = parse_credentials(&out);
}

/// `--expires-in` / `--warn-within` durations.
pub fn duration(data: &[u8]) {
    if let Ok(ms) = duration::parse(&String::from_utf8_lossy(data)) {
        assert!(ms > 0);
        duration::humanize(ms);
    }
}

/// Pasted tokens: validation for every provider kind, and redaction.
pub fn token(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    for provider in ["anthropic", "openai", "openrouter", "mistral"] {
        if let Ok(v) = token::validate(provider, &s) {
            assert!(!v.secret.expose().chars().any(char::is_whitespace));
        }
    }
    let r = token::redact(&s);
    if s.trim().chars().count() >= 24 {
        assert!(!r.contains(s.trim()), "redaction kept the whole token");
    }
    token::redact_text(&s, &[&s]);
}
