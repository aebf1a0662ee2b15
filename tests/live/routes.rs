//! The route table of `docs/routes.md`, measured: for each configuration a user can have, what
//! the running gateway answers in a chat (and with which credential), what its own
//! `models status --check` says, and what authtray says. The table in the doc must be exactly
//! what this run measures, and authtray must be right on every row: `--check` 0 where the chat
//! is answered, 1 where it is not.

use std::path::Path;

use authtray_e2e::live::{claude_wrapper, FakeAnthropic, LiveGateway};
use authtray_e2e::{claude_code_dir, now_ms, oracle_bin, setup_token, Gateway, Sandbox, CLAWDBOT, OPENCLAW_JSON, OPENCLAW_SQLITE};
use serde_json::json;

use super::short;

const HOUR: i64 = 3_600_000;

/// The credentials a row may hold, to tell which one went upstream.
struct Creds {
    stored: String,
    login: String,
    env_key: String,
}

/// How a row is set up.
#[derive(Clone, Copy)]
enum Setup {
    /// A setup-token pasted with the gateway's own CLI.
    StoredToken,
    /// An API key in the state dir's `.env`.
    EnvKey,
    /// `anthropic/*` with model-scoped `agentRuntime.id: "claude-cli"`, Claude Code logged in.
    ClaudeCli,
    /// `claude-cli/<model>` as the primary model, Claude Code logged in.
    LegacyRef,
    /// `claude-cli/<model>` first, `anthropic/<model>` on an API key in `.env` as the fallback.
    ClaudeCliWithKeyFallback,
    /// `openai/*` (the Codex runtime) with no OpenAI login.
    Codex,
}

struct Row {
    id: &'static str,
    gw: Gateway,
    setup: Setup,
}

fn rows() -> Vec<Row> {
    vec![
        Row { id: "1", gw: OPENCLAW_SQLITE, setup: Setup::StoredToken },
        Row { id: "2", gw: OPENCLAW_SQLITE, setup: Setup::EnvKey },
        Row { id: "3", gw: OPENCLAW_SQLITE, setup: Setup::ClaudeCli },
        Row { id: "4", gw: OPENCLAW_SQLITE, setup: Setup::LegacyRef },
        Row { id: "5", gw: OPENCLAW_SQLITE, setup: Setup::ClaudeCliWithKeyFallback },
        Row { id: "6", gw: OPENCLAW_SQLITE, setup: Setup::Codex },
        Row { id: "7", gw: CLAWDBOT, setup: Setup::StoredToken },
        Row { id: "8", gw: OPENCLAW_JSON, setup: Setup::StoredToken },
    ]
}

/// Sets the row up; returns whether a chat can be run (the Codex runtime needs OpenAI's).
fn set_up(s: &mut Sandbox, setup: Setup, creds: &Creds, real: &Path, fake: &FakeAnthropic) -> bool {
    let mut config = s.config();
    let defaults = &mut config["agents"]["defaults"];
    match setup {
        Setup::StoredToken => {
            let out = s.gateway_paste(&creds.stored, "anthropic:manual", None);
            assert_eq!(out.code, 0, "paste-token: {}", out.stderr);
            return true;
        }
        Setup::EnvKey => {}
        Setup::ClaudeCli => defaults["models"] = json!({"anthropic/claude-opus-4-5": {"agentRuntime": {"id": "claude-cli"}}}),
        Setup::LegacyRef => defaults["model"] = json!({"primary": "claude-cli/claude-opus-4-5"}),
        Setup::ClaudeCliWithKeyFallback => {
            defaults["model"] = json!({"primary": "claude-cli/claude-opus-4-5", "fallbacks": ["anthropic/claude-opus-4-5"]})
        }
        Setup::Codex => defaults["model"] = json!({"primary": "openai/gpt-5.5"}),
    }
    s.write_config(&config);
    if matches!(setup, Setup::EnvKey | Setup::ClaudeCliWithKeyFallback) {
        std::fs::write(s.state_dir().join(".env"), format!("ANTHROPIC_API_KEY={}\n", creds.env_key)).expect(".env");
    }
    if matches!(setup, Setup::ClaudeCli | Setup::LegacyRef | Setup::ClaudeCliWithKeyFallback) {
        s.write_claude_login(&creds.login, Some("sk-ant-ort01-refresh"), now_ms() + 8 * HOUR);
        s.path_prefix = Some(claude_wrapper(s, real, fake));
    }
    !matches!(setup, Setup::Codex)
}

/// One chat: which credential went upstream, in the table's words.
fn chat(g: &LiveGateway, fake: &FakeAnthropic, creds: &Creds) -> String {
    let before = fake.seen().len();
    let answer = g.chat();
    if answer.status != 200 {
        return format!("refused ({})", answer.status);
    }
    let seen = fake.seen();
    let named = |t: &String| {
        if short(t) == short(&creds.stored) {
            Some("the stored token")
        } else if short(t) == short(&creds.login) {
            Some("Claude Code's login")
        } else if short(t) == short(&creds.env_key) {
            Some("the environment key")
        } else {
            None
        }
    };
    // The gateway's own side calls carry a placeholder for a custom base URL: not a credential.
    let sent: Vec<&str> = seen[before..].iter().filter_map(named).collect();
    match sent.last() {
        Some(what) => format!("answered with {what}"),
        // Some generations answer 200 with an upstream failure as the message.
        None => format!("no credential went upstream ({})", answer.body.chars().filter(|c| !c.is_control()).take(80).collect::<String>()),
    }
}

/// The rows of the doc's table: id → (live chat, gateway --check, authtray).
fn documented() -> Vec<(String, [String; 3])> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/routes.md")).expect("docs/routes.md");
    doc.lines()
        .filter(|l| l.starts_with("| ") && l.split('|').nth(1).is_some_and(|c| c.trim().parse::<u32>().is_ok()))
        .map(|l| {
            let cells: Vec<String> = l.split('|').map(|c| c.trim().trim_matches('`').to_string()).collect();
            (cells[1].clone(), [cells[4].clone(), cells[5].clone(), cells[6].clone()])
        })
        .collect()
}

#[test]
fn the_route_table_in_the_docs_is_what_the_gateways_do_and_authtray_is_right_on_every_row() {
    let Some(real) = claude_code_dir() else { return };
    let table = documented();
    assert_eq!(table.len(), rows().len(), "docs/routes.md lists every row");
    let mut measured_all = Vec::new();
    // ROUTE_ROWS=3,5 measures only those rows (when looking into one).
    let only = std::env::var("ROUTE_ROWS").ok();
    for row in rows().into_iter().filter(|r| only.as_deref().is_none_or(|o| o.split(',').any(|i| i == r.id))) {
        let Some(bin) = oracle_bin(&row.gw) else { return };
        let mut s = Sandbox::new(row.gw, bin);
        let fake = FakeAnthropic::start();
        let creds = Creds { stored: setup_token('S'), login: setup_token('L'), env_key: format!("sk-ant-api03-{}-KEYKEY", "k".repeat(90)) };
        let chats = set_up(&mut s, row.setup, &creds, &real, &fake);
        // Every row is judged while its gateway runs, as a user would see it.
        let g = chats.then(|| LiveGateway::start(&s, &fake, &[]));
        let gateway_check = s.gateway_status().1;
        let out = s.authtray(&["--generation", row.gw.generation, "status", "--json", "--check"], None);
        let doc = out.json();
        let ours = format!("{}, {}", doc["verdict"]["overall"].as_str().unwrap_or("?"), out.code);
        let live = match &g {
            Some(g) => chat(g, &fake, &creds),
            None => "not run: needs OpenAI's Codex".to_string(),
        };
        let measured = [live, gateway_check.to_string(), ours];
        eprintln!("row {}: {} | {} | {} ({})", row.id, measured[0], measured[1], measured[2], doc["verdict"]["headline"]);
        // authtray is right: 0 exactly where a chat is answered.
        if chats {
            assert_eq!(
                measured[0].starts_with("answered"),
                out.code != 1,
                "row {}: authtray says {} but the chat {}: {}",
                row.id,
                measured[2],
                measured[0],
                doc["verdict"]
            );
        } else {
            assert_eq!(out.code, 1, "row {}: no OpenAI login, so no chat: {}", row.id, doc["verdict"]);
        }
        measured_all.push((row.id.to_string(), measured));
    }
    for (id, measured) in &measured_all {
        let written = table.iter().find(|(doc_id, _)| doc_id == id).map(|(_, w)| w);
        assert_eq!(Some(measured), written, "row {id}: docs/routes.md says {written:?}, measured {measured:?}");
    }
}
