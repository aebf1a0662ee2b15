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

/// The gateway config (JSON5) and the edits authtray makes to it. Also checks that the nesting
/// scanner, which guards the parser's stack, never counts less than the parser builds: a
/// disagreement shows at any depth, so the fuzzer need not build a deep input to find one.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    crate::gateway::config::assert_scanner_bounds_parser(&text);
    if let Ok(mut c) = GatewayConfig::parse(Path::new("c.json"), &text) {
        c.agents();
        c.providers_in_use("openai/x");
        c.listed_profiles("anthropic");
        c.last_touched_version();
        c.register_profile("anthropic:m", "anthropic", "token");
    }
}

/// Config inputs every fuzzing run starts from: line continuations of each kind in both quote
/// styles, shallow, and issue #22's (`\` CR LF in a string, then 3,000 and 4,000 levels).
pub fn config_seeds() -> Vec<String> {
    let mut seeds = Vec::new();
    for q in ['"', '\''] {
        for cont in ["\r\n", "\r", "\n", "\u{2028}", "\u{2029}"] {
            seeds.push(format!("{{ a: {q}x\\{cont}y{q}, b: [[1]], c: {q}\\{cont}{q} }} // {q}"));
        }
    }
    for n in [3000, 4000] {
        seeds.push(format!("{{\"a\": \"x\\\r\n\", \"b\": {}{}}} // \"", "[".repeat(n), "]".repeat(n)));
    }
    seeds
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

/// Pasted tokens: extraction and validation for every provider kind, and redaction. Also builds
/// a whole token from the input, cuts it with a line break, space or invisible character at a
/// place the input chooses, wraps it as people paste it, and checks that no part of it is ever
/// taken for the token.
pub fn token(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    for provider in ["anthropic", "openai", "openrouter", "mistral"] {
        if let Ok(v) = token::validate(provider, &s) {
            assert!(!v.secret.expose().chars().any(char::is_whitespace));
        }
        if let Ok(v) = token::find_in_text(&s).and_then(|t| token::validate(provider, t)) {
            assert!(s.contains(v.secret.expose()), "extraction invented a token");
        }
    }
    let r = token::redact(&s);
    if s.trim().chars().count() >= 24 {
        assert!(!r.contains(s.trim()), "redaction kept the whole token");
    }
    token::redact_text(&s, &[&s]);
    cut_token(data);
}

fn cut_token(data: &[u8]) {
    let [choice, at, body @ ..] = data else { return };
    // No `-` in the body: it could spell another `sk-…` token after the cut, a real second token.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
    let body: String =
        body.iter().chain(b"aB3xY_9Qz".iter().cycle()).take(95).map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    let prefix = if choice & 1 == 0 { token::ANTHROPIC_OAT_PREFIX } else { token::ANTHROPIC_API_PREFIX };
    let whole = format!("{prefix}{body}");
    let brk = ["\n", "\r\n", " ", "\u{200b}", "\u{ad}", "\u{a0}", "\t", "\u{2028}"][usize::from(choice >> 1) % 8];
    let at = 1 + usize::from(*at) % (whole.len() - 1);
    let cut = format!("{}{brk}{}", &whole[..at], &whole[at..]);
    let text = match (choice >> 4) % 4 {
        0 => cut,
        1 => format!("export ANTHROPIC_AUTH_TOKEN=\"{cut}\"\n"),
        2 => format!("{{\"token\": \"{cut}\"}}"),
        _ => format!("ANTHROPIC_AUTH_TOKEN={cut}\nOTHER=1\n"),
    };
    if let Ok(v) = token::find_in_text(&text).and_then(|t| token::validate("anthropic", t)) {
        assert_eq!(v.secret.expose(), whole, "part of a cut token was taken for the token");
    }
}
