//! The real Claude Code (2.1.332) as an oracle for the Claude CLI route: in every situation
//! built here, authtray's reading of Claude Code's login agrees with Claude Code's own
//! `claude auth status --json` (logged in or not, the plan, the email), and the verdict of an
//! openclaw 2026.9.6 config whose Anthropic model runs through Claude Code follows it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use authtray_e2e::{claude_code_dir, now_ms, run, Sandbox, OPENCLAW_SQLITE};
use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;

/// A login as Claude Code writes it.
fn login(access: &str, refresh: Option<&str>, expires_at: i64, scopes: &[&str], plan: &str) -> Value {
    let mut o = json!({"accessToken": access, "expiresAt": expires_at, "scopes": scopes, "subscriptionType": plan, "rateLimitTier": "default_claude_max_20x"});
    if let Some(r) = refresh {
        o["refreshToken"] = r.into();
    }
    json!({"claudeAiOauth": o, "mcpOAuth": {}})
}

/// One situation: how Claude Code's folder looks.
struct Situation {
    name: &'static str,
    /// Files to write, relative to HOME.
    files: Vec<(&'static str, String)>,
    /// `CLAUDE_CONFIG_DIR`, relative to HOME.
    config_dir: Option<&'static str>,
    /// What the verdict's `--check` must be on a Claude CLI route.
    check: i64,
}

fn situations() -> Vec<Situation> {
    let token = format!("sk-ant-oat01-{}", "C".repeat(95));
    let later = now_ms() + 8 * HOUR;
    let creds = |v: Value| v.to_string();
    vec![
        Situation {
            name: "logged in",
            files: vec![(
                ".claude/.credentials.json",
                creds(login(&token, Some("sk-ant-ort01-R"), later, &["user:inference", "user:profile"], "max")),
            )],
            config_dir: None,
            check: 0,
        },
        Situation {
            name: "no refresh token",
            files: vec![(".claude/.credentials.json", creds(login(&token, None, later, &["user:inference"], "pro")))],
            config_dir: None,
            check: 0,
        },
        Situation {
            name: "access token expired (Claude Code renews it)",
            files: vec![(
                ".claude/.credentials.json",
                creds(login(&token, Some("sk-ant-ort01-R"), now_ms() - HOUR, &["user:inference"], "max")),
            )],
            config_dir: None,
            check: 0,
        },
        Situation {
            name: "CLAUDE_CONFIG_DIR with the account's email",
            files: vec![
                ("work-claude/.credentials.json", creds(login(&token, Some("r"), later, &["user:inference"], "team"))),
                ("work-claude/.claude.json", json!({"oauthAccount": {"emailAddress": "dev@example.test"}}).to_string()),
            ],
            config_dir: Some("work-claude"),
            check: 0,
        },
        Situation {
            name: "email in the home folder",
            files: vec![
                (".claude/.credentials.json", creds(login(&token, Some("r"), later, &["user:inference"], "max"))),
                (".claude.json", json!({"oauthAccount": {"emailAddress": "me@example.test"}}).to_string()),
            ],
            config_dir: None,
            check: 0,
        },
        Situation {
            name: "apiKeyHelper",
            files: vec![(".claude/settings.json", json!({"apiKeyHelper": "echo sk-ant-api03-helper"}).to_string())],
            config_dir: None,
            check: 0,
        },
        Situation { name: "logged out", files: vec![], config_dir: None, check: 1 },
        Situation {
            name: "malformed",
            files: vec![(".claude/.credentials.json", "{\"claudeAiOauth\":".into())],
            config_dir: None,
            check: 1,
        },
        Situation {
            name: "no inference scope",
            files: vec![(".claude/.credentials.json", creds(login(&token, Some("r"), later, &["user:profile"], "max")))],
            config_dir: None,
            check: 1,
        },
    ]
}

fn claude_status(claude: &Path, home: &Path, config_dir: Option<&PathBuf>) -> Value {
    let mut cmd = std::process::Command::new(claude.join("claude"));
    cmd.args(["auth", "status", "--json"]).env_clear().env("HOME", home).env("TMPDIR", home).env("PATH", "/usr/bin:/bin");
    if let Some(d) = config_dir {
        cmd.env("CLAUDE_CONFIG_DIR", d);
    }
    let out = run(cmd, None, Duration::from_secs(60));
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("claude auth status --json: {e}: {} {}", out.stdout, out.stderr))
}

#[test]
fn authtray_reads_claude_codes_login_as_claude_code_does() {
    let Some(claude) = claude_code_dir() else { return };
    for sit in situations() {
        let mut s = Sandbox::offline(OPENCLAW_SQLITE);
        // The route today's onboarding prefers: Anthropic through Claude Code, nothing stored.
        let mut config = s.config();
        config["agents"]["defaults"] = json!({
            "model": {"primary": "anthropic/claude-opus-4-6"},
            "models": {"anthropic/claude-opus-4-6": {"agentRuntime": {"id": "claude-cli"}}}
        });
        s.write_config(&config);
        s.path_prefix = Some(claude.clone());
        for (rel, text) in &sit.files {
            let p = s.home().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
            std::fs::write(&p, text).expect("write");
        }
        let config_dir = sit.config_dir.map(|d| s.home().join(d));
        let mut cmd = s.authtray_command(&["--generation", "openclaw-sqlite", "status", "--json", "--check"]);
        if let Some(d) = &config_dir {
            cmd.env("CLAUDE_CONFIG_DIR", d);
        }
        let ours = run(cmd, None, Duration::from_secs(60));
        let doc: Value =
            serde_json::from_str(&ours.stdout).unwrap_or_else(|e| panic!("{}: authtray status: {e}: {}", sit.name, ours.stderr));
        let theirs = claude_status(&claude, s.home(), config_dir.as_ref());
        let what = format!("{}: authtray {}\nclaude {theirs}", sit.name, doc["claudeCode"]);
        assert_eq!(doc["claudeCode"]["loggedIn"], theirs["loggedIn"], "logged in? {what}");
        if theirs["authMethod"] == "claude.ai" {
            assert_eq!(doc["claudeCode"]["subscriptionType"], theirs["subscriptionType"], "the plan: {what}");
            assert_eq!(doc["claudeCode"]["email"], theirs["email"], "the email: {what}");
        }
        let route = &doc["agents"][0]["routes"][0];
        assert_eq!(
            (route["provider"].as_str(), route["runtime"].as_str()),
            (Some("anthropic"), Some("claude-cli")),
            "{}: {route}",
            sit.name
        );
        assert_eq!(i64::from(ours.code), sit.check, "{}: --check; verdict {}", sit.name, doc["verdict"]);
        let headline = doc["verdict"]["headline"].as_str().unwrap_or_default();
        if sit.check == 0 {
            assert_eq!(route["kind"], "claude-cli", "{}: Claude Code's own login carries it: {route}", sit.name);
            assert!(!headline.contains("Paste"), "{}: no token to paste on this route: {headline}", sit.name);
        } else {
            assert!(headline.contains("Claude Code is not logged in"), "{}: {headline}", sit.name);
            let fix = &doc["verdict"]["problems"][0]["remedy"];
            assert_eq!(fix["command"], "claude auth login", "{}: {fix}", sit.name);
        }
        // The gateway's own check cannot tell (it says 1 on this route with no stored profile);
        // authtray reports that answer apart.
        assert!(doc["gatewayCheck"].is_number(), "{}", sit.name);
        assert!(!ours.stdout.contains(&"C".repeat(40)), "{}: a full token in the output", sit.name);
    }
}

#[test]
fn without_claude_on_the_path_the_route_is_broken_with_the_install_fix() {
    let Some(_) = claude_code_dir() else { return };
    let s = Sandbox::offline(OPENCLAW_SQLITE);
    let mut config = s.config();
    config["agents"]["defaults"] = json!({"model": {"primary": "claude-cli/claude-sonnet-5"}});
    s.write_config(&config);
    s.write_claude_login(&format!("sk-ant-oat01-{}", "D".repeat(95)), Some("sk-ant-ort01-R"), now_ms() + 8 * HOUR);
    let out = s.authtray(&["--generation", "openclaw-sqlite", "status", "--json", "--check"], None);
    let doc = out.json();
    assert_eq!(out.code, 1, "{}", doc["verdict"]);
    assert!(doc["verdict"]["headline"].as_str().is_some_and(|h| h.contains("cannot find the claude program")), "{}", doc["verdict"]);
}
