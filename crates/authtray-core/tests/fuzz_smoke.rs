//! Mutation fuzzing on the stable toolchain: every parser that reads outside input gets
//! mutated seeds for a time budget, and must return an answer (never panic, never hang).
//!
//! `AUTHTRAY_FUZZ_SECS` sets the budget per target (default 2 s, as in CI); `scripts/fuzz.sh`
//! runs longer. Executions per target are printed; a panicking input is saved under
//! `target/fuzz-failures/` and fails the test.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use authtray_core::fuzzing;

/// xorshift64*: small, fast, reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const DICTIONARY: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b",",
    b":",
    b"\0",
    "\u{feff}".as_bytes(),
    b"1e999",
    b"-1",
    b"0",
    b"null",
    b"true",
    b"\"expires\":",
    b"\"type\":\"oauth\"",
    b"\"type\":\"token\"",
    b"\"provider\":",
    b"\"profiles\":{",
    b"\"order\":{\"anthropic\":[",
    b"sk-ant-oat01-",
    b"//",
    b"/*",
    b"\n",
    b"\r\n",
    b"\\\r\n",
    b"'",
    "\u{2028}".as_bytes(),
    "\u{200b}".as_bytes(),
    "\u{a0}".as_bytes(),
    "é".as_bytes(),
    b"\xff\xfe",
    b"9007199254740993",
    b"8640000000000001",
    b"1795349939",
    b"$include",
    b"claudeAiOauth",
    b"\"accessToken\":\"",
    b"\"expiresAt\":",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let len = data.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                let word = DICTIONARY[rng.below(DICTIONARY.len())];
                data.splice(i..i, word.iter().copied());
            }
            2 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(16)).min(len);
                data.drain(a..b);
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                let chunk = data[a..b].to_vec();
                let at = rng.below(data.len() + 1);
                data.splice(at..at, chunk);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(data.len() + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            5 if len > 0 => data.truncate(rng.below(len)),
            _ => {
                let i = rng.below(len + 1);
                data.insert(i, rng.next() as u8);
            }
        }
    }
    data
}

fn budget() -> Duration {
    let secs = std::env::var("AUTHTRAY_FUZZ_SECS").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// Runs `target` on mutated seeds for the budget; fails on the first panic.
fn fuzz(name: &str, seeds: &[&str], target: impl Fn(&[u8])) {
    let seeds: Vec<Vec<u8>> = seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
    let start = Instant::now();
    let mut execs = 0u64;
    for s in &seeds {
        target(s);
    }
    while start.elapsed() < budget() {
        let input = mutate(&mut rng, &seeds);
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("{name}-{execs}.bin"));
            let _ = std::fs::write(&file, &input);
            panic!("{name}: input #{execs} panicked; saved to {}", file.display());
        }
        execs += 1;
    }
    println!("fuzz {name}: {execs} executions in {:.1} s, no failure", start.elapsed().as_secs_f64());
}

#[test]
fn fuzz_claude_credentials() {
    fuzz(
        "claude_credentials",
        &[
            r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-AAAA","refreshToken":"sk-ant-ort01-RRRR","expiresAt":1795329434237,"scopes":["user:inference"],"subscriptionType":"max"},"mcpOAuth":{}}"#,
            r#"{"mcpOAuth":{"x":{"a":1}}}"#,
            r#"{"claudeAiOauth":{"accessToken":"t","expiresAt":1.5e12}}"#,
        ],
        fuzzing::claude_credentials,
    );
}

#[test]
fn fuzz_store_and_health() {
    fuzz(
        "store",
        &[
            r#"{"version":1,"profiles":{"anthropic:a":{"type":"token","provider":"anthropic","token":"sk-ant-oat01-AAAA","expires":1795349939489},"anthropic:k":{"type":"api_key","provider":"anthropic","key":"k","note":1},"anthropic:o":{"type":"oauth","provider":"anthropic","access":"a","refresh":"r","expires":1}},"order":{"anthropic":["anthropic:k","anthropic:a"]},"lastGood":{"anthropic":"anthropic:a"},"usageStats":{"anthropic:a":{"lastUsed":5,"cooldownUntil":1900000000000}}}"#,
            r#"{"version":1,"order":{"anthropic":["x"]}}"#,
        ],
        fuzzing::store,
    );
}

#[test]
fn fuzz_json5_config() {
    let extra = fuzzing::config_seeds();
    let mut seeds = vec![
        "// c\n{ meta: { lastTouchedVersion: '2026.5.28' }, agents: { list: [ { id: 'Work', default: true, agentDir: '~/w' }, ], defaults: { model: { primary: 'anthropic/x', fallbacks: ['openai/y'] } } }, auth: { profiles: { 'anthropic:a': { provider: 'anthropic', mode: 'token' } }, order: { anthropic: ['anthropic:a'] } }, }",
        r#"{"agents":{"entries":{"ops":{"agentDir":"/x"}}}}"#,
    ];
    seeds.extend(extra.iter().map(String::as_str));
    fuzz("json5_config", &seeds, fuzzing::config);
}

/// Issue #22, exactly as reported: `\` + CR LF inside a string, then 3,000 and 4,000 levels of
/// nesting. The scanner used to end the string at the LF and let the parser overflow the stack,
/// which aborts this whole test binary rather than failing one test.
#[test]
fn config_with_a_crlf_continuation_and_deep_nesting_is_a_clean_error() {
    for n in [3000, 4000] {
        let text = format!("{{\"a\": \"x\\\r\n\", \"b\": {}{}}} // \"", "[".repeat(n), "]".repeat(n));
        fuzzing::config(text.as_bytes());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("openclaw.json");
        std::fs::write(&path, &text).unwrap();
        let e = authtray_core::gateway::config::GatewayConfig::load(&path).unwrap_err().to_string();
        assert!(e.contains(&path.display().to_string()) && e.contains("nested more than 128"), "depth {n}: {e}");
    }
}

#[test]
fn fuzz_security_output() {
    let blob = r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-AAAA","expiresAt":1795329434237,"scopes":["user:inference"]}}"#;
    let hex: String = blob.bytes().map(|b| format!("{b:02x}")).collect();
    fuzz("security_output", &[&hex, blob, "deadbeef\n"], fuzzing::security_output);
}

#[test]
fn fuzz_durations() {
    fuzz("duration", &["12h", "365d", "1h30m", "30", "2 weeks", "90s"], fuzzing::duration);
}

#[test]
fn fuzz_token_validation_and_redaction() {
    let oat = format!("sk-ant-oat01-{}", "A".repeat(80));
    // The first two bytes choose how `fuzzing::token` cuts a whole token: kind, break, wrapper, place.
    let cut = ["AO", "BOx", "\u{7f}c", "Pd", "qB", "\u{1}\u{1}"].map(|head| format!("{head}{}", "Zq9_".repeat(30)));
    let mut seeds = vec![oat.as_str(), "sk-proj-abcdefghijklmnopqrstuvwxyz", "sk-or-v1-0123456789abcdef0123456789abcdef0123", "plain"];
    seeds.extend(cut.iter().map(String::as_str));
    fuzz("token", &seeds, fuzzing::token);
}

/// Issue #22: a token cut at character 80 or later by a line wrap or an invisible character was
/// taken in part, passed validation and replaced the working credential. Every kind of token,
/// break and wrapping, at every place.
#[test]
fn cut_tokens_are_never_taken_in_part() {
    for choice in 0..=u8::MAX {
        for at in 0..=u8::MAX {
            fuzzing::token(&[choice, at, b'k', b'Q', b'7']);
        }
    }
}
