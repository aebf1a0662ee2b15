//! openclaw 2026.9.6 on the route its onboarding prefers: the Anthropic model runs through the
//! Claude CLI runtime, so the gateway runs the real Claude Code (2.1.332), pointed at the fake
//! Messages API, and Claude Code sends its own login. authtray must judge that route from
//! Claude Code's login (healthy while the gateway's own check says 1), make no mirror there,
//! and say what a leftover stored copy does (measured here, not assumed).

use authtray_e2e::live::{claude_wrapper, FakeAnthropic, LiveGateway};
use authtray_e2e::{claude_code_dir, now_ms, oracle_bin, setup_token, Sandbox, OPENCLAW_SQLITE};
use serde_json::{json, Value};

use super::short;

const HOUR: i64 = 3_600_000;

/// Runs one chat and returns the Anthropic credential Claude Code sent upstream for it. The
/// gateway also makes a side call of its own per chat (with a placeholder key for a custom
/// base URL, `custom-local`); that one is not the route's credential.
fn chat_token(g: &LiveGateway, fake: &FakeAnthropic, s: &Sandbox, what: &str) -> String {
    chat_token_with(g, fake, s, what, LiveGateway::chat)
}

/// As [`chat_token`], for the first chat after a write that changed the config (the gateway's
/// own logout drops the profile from `auth.profiles`), which may meet the gateway's reload.
fn chat_token_after_reload(g: &LiveGateway, fake: &FakeAnthropic, s: &Sandbox, what: &str) -> String {
    chat_token_with(g, fake, s, what, |g| g.chat_across_reload(s))
}

fn chat_token_with(
    g: &LiveGateway,
    fake: &FakeAnthropic,
    s: &Sandbox,
    what: &str,
    chat: impl Fn(&LiveGateway) -> authtray_e2e::serve::Answer,
) -> String {
    let before = fake.seen().len();
    let a = chat(g);
    assert_eq!(a.status, 200, "{what}: the chat failed: {a:?}\n{}", g.log(s));
    let seen = fake.seen();
    let sent: Vec<&String> = seen[before..].iter().filter(|t| t.starts_with("sk-ant-")).collect();
    assert!(
        !sent.is_empty(),
        "{what}: no Anthropic credential went upstream: {:?}",
        seen[before..].iter().map(|t| short(t)).collect::<Vec<_>>()
    );
    sent[sent.len() - 1].clone()
}

/// `authtray status --json --check`: (the document, the exit code).
fn status(s: &Sandbox) -> (Value, i32) {
    let out = s.authtray(&["--generation", "openclaw-sqlite", "status", "--json", "--check"], None);
    (out.json(), out.code)
}

#[test]
fn the_claude_cli_route_runs_on_claude_codes_own_login_and_authtray_says_so() {
    let (Some(bin), Some(real)) = (oracle_bin(&OPENCLAW_SQLITE), claude_code_dir()) else { return };
    let mut s = Sandbox::new(OPENCLAW_SQLITE, bin);
    let fake = FakeAnthropic::start();
    s.path_prefix = Some(claude_wrapper(&s, &real, &fake));
    let (a, b, c) = (setup_token('A'), setup_token('B'), setup_token('C'));
    s.write_claude_login(&a, Some("sk-ant-ort01-refresh"), now_ms() + 8 * HOUR);
    let mut config = s.config();
    config["agents"]["defaults"]["models"] = json!({"anthropic/claude-opus-4-5": {"agentRuntime": {"id": "claude-cli"}}});
    s.write_config(&config);
    // Registered up front, so that the stored copy below changes no config (a config change
    // makes the gateway retire its runtime mid-chat).
    let g = LiveGateway::start(&s, &fake, &[("anthropic:claude-code", "token")]);
    eprintln!("openclaw 2026.9.6 with the Claude CLI runtime: listening after {:.1} s", g.started_in.as_secs_f32());

    // Nothing stored: Claude Code's own login answers the chat.
    assert_eq!(short(&chat_token(&g, &fake, &s, "first chat")), short(&a), "the gateway ran Claude Code on its own login");
    let (doc, code) = status(&s);
    eprintln!("  authtray --check {code}, the gateway's own check {}: {}", doc["gatewayCheck"], doc["verdict"]["headline"]);
    assert_eq!(code, 0, "the route works, so authtray's check is 0: {}", doc["verdict"]);
    assert_eq!(doc["verdict"]["overall"], "healthy", "{}", doc["verdict"]);
    assert_eq!(doc["gatewayCheck"], 1, "the gateway's own check cannot tell this route works (it says indeterminate)");
    assert_eq!(doc["agents"][0]["routes"][0]["kind"], "claude-cli", "{}", doc["agents"][0]["routes"]);

    // Sync makes no copy: it would override Claude Code's own login.
    let out = s.authtray(&["--generation", "openclaw-sqlite", "sync", "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let sync = out.json();
    assert_eq!(sync["agents"][0]["action"], "skip", "{sync}");
    assert!(
        sync["agents"][0]["reason"].as_str().is_some_and(|r| r.starts_with("not needed: the gateway runs Claude Code itself")),
        "{sync}"
    );

    // Claude Code's login is replaced: the very next chat carries it.
    s.write_claude_login(&b, Some("sk-ant-ort01-refresh"), now_ms() + 8 * HOUR);
    assert_eq!(short(&chat_token(&g, &fake, &s, "after a new login")), short(&b), "a warm Claude Code kept the old login");

    // A stored copy (as an older authtray made) of login B, then Claude Code moves on to C:
    // measured, the gateway sends the stored copy, not Claude Code's login.
    let pasted = s.gateway_paste(&b, "anthropic:claude-code", None);
    assert_eq!(pasted.code, 0, "{}", pasted.stderr);
    s.write_claude_login(&c, Some("sk-ant-ort01-refresh"), now_ms() + 8 * HOUR);
    let sent = chat_token(&g, &fake, &s, "with a stored copy");
    eprintln!("  with a stored copy of B and Claude Code on C, the gateway sent {}", &sent[sent.len() - 6..]);
    let (doc, _) = status(&s);
    if short(&sent) == short(&b) {
        // The copy overrides: authtray says so, with its removal as the fix.
        assert_eq!(doc["verdict"]["overall"], "attention", "{}", doc["verdict"]);
        let top = &doc["verdict"]["problems"][0];
        assert!(top["text"].as_str().is_some_and(|t| t.contains("instead of Claude Code's own login")), "{top}");
        let fix = top["remedy"]["command"].as_str().unwrap_or_default().to_string();
        assert_eq!(fix, "openclaw models auth logout anthropic:claude-code --yes");
        // The fix works: after it, Claude Code's own login is sent again.
        let removed = s.gateway(&["models", "auth", "logout", "anthropic:claude-code", "--yes"], None);
        assert_eq!(removed.code, 0, "{}", removed.stderr);
        assert_eq!(short(&chat_token_after_reload(&g, &fake, &s, "after removing the copy")), short(&c));
    } else {
        assert_eq!(short(&sent), short(&c), "the gateway sent neither the copy nor the login");
    }

    // Claude Code is logged out: authtray says not working, with the login as the fix.
    std::fs::remove_file(s.home().join(".claude/.credentials.json")).expect("log out");
    let (doc, code) = status(&s);
    assert_eq!(code, 1, "{}", doc["verdict"]);
    assert!(doc["verdict"]["headline"].as_str().is_some_and(|h| h.starts_with("Claude Code is not logged in")), "{}", doc["verdict"]);
    assert_eq!(doc["verdict"]["problems"][0]["remedy"]["command"], "claude auth login");
    let refused = g.chat();
    eprintln!("  a chat with Claude Code logged out: {} {}", refused.status, refused.body.chars().take(100).collect::<String>());
}
