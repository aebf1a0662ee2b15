//! Every IPC command the window can call, through Tauri's mock runtime (no display, no D-Bus):
//! the same inputs the UI sends, checked against the store on disk.

use authtray_app::AppState;
use authtray_core::env::Env;
use authtray_core::gateway::{DiscoverOptions, Generation};
use authtray_core::ops::Options;
use authtray_core::vault::MemoryVault;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

struct Fixture {
    home: tempfile::TempDir,
    window: WebviewWindow<MockRuntime>,
    _app: tauri::App<MockRuntime>,
}

const OLD: &str = "sk-ant-oat01-OOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOO";

fn token(fill: char) -> String {
    format!("sk-ant-oat01-{}", fill.to_string().repeat(80))
}

impl Fixture {
    /// An openclaw-json install with `anthropic:old` and `anthropic:backup`, and a Claude Code login.
    fn new() -> Fixture {
        let home = tempfile::tempdir().expect("temp home");
        let state = home.path().join(".openclaw");
        let agent = state.join("agents/main/agent");
        std::fs::create_dir_all(&agent).expect("agent dir");
        // openclaw's default model is OpenAI's: an Anthropic-only install names its model.
        let config = json!({"agents": {"defaults": {"model": {"primary": "anthropic/claude-opus-4-5"}}}});
        std::fs::write(state.join("openclaw.json"), config.to_string()).expect("config");
        let store = json!({"version": 1, "profiles": {
            "anthropic:old": {"type": "token", "provider": "anthropic", "token": OLD},
            "anthropic:backup": {"type": "token", "provider": "anthropic", "token": token('B')},
        }});
        std::fs::write(agent.join("auth-profiles.json"), store.to_string()).expect("store");
        let claude = home.path().join(".claude");
        std::fs::create_dir_all(&claude).expect("claude dir");
        let expires = authtray_core::clock::now_ms() + 8 * 3_600_000;
        let login = json!({"claudeAiOauth": {"accessToken": token('L'), "refreshToken": "sk-ant-ort01-x", "expiresAt": expires, "scopes": ["user:inference"]}});
        std::fs::write(claude.join(".credentials.json"), login.to_string()).expect("login");

        let env = Env::from_pairs([("HOME", home.path().to_string_lossy().into_owned())]);
        let options = Options {
            discover: DiscoverOptions { generation: Some(Generation::OpenclawJson), ..Default::default() },
            ..Default::default()
        };
        let state = AppState::new(env, options, Box::new(MemoryVault::default()));
        let app = authtray_app::builder(mock_builder(), state).build(mock_context(noop_assets())).expect("app");
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
        Fixture { home, window, _app: app }
    }

    fn call(&self, cmd: &str, input: Value) -> Result<Value, Value> {
        let res = get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: InvokeBody::Json(json!({ "input": input })),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        );
        res.map(|r| r.deserialize::<Value>().expect("JSON answer"))
    }

    fn store(&self) -> Value {
        let p = self.home.path().join(".openclaw/agents/main/agent/auth-profiles.json");
        serde_json::from_slice(&std::fs::read(p).expect("store")).expect("store JSON")
    }
}

#[test]
fn info_status_and_check_token() {
    let f = Fixture::new();
    let info = f.call("info", json!({})).unwrap();
    assert_eq!((info["shell"].as_str(), info["autostart"].as_bool()), (Some("app"), Some(false)));
    let status = f.call("status", json!({})).unwrap();
    assert_eq!(status["generation"], "openclaw-json");
    let ids: Vec<&str> = status["agents"][0]["profiles"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["anthropic:old", "anthropic:backup"]);
    assert!(!status.to_string().contains(OLD), "status carried a full token");
    let glance = f.call("glance", json!({})).unwrap();
    assert_eq!((glance["overall"].as_str(), glance["headline"].as_str()), (Some("healthy"), Some("All credentials healthy")));
    // The window's status carries the same verdict.
    assert_eq!(status["verdict"]["headline"], glance["headline"]);
    assert_eq!(status["verdict"]["rows"][0]["note"], "In use · expiry unknown (setup-tokens usually last 1 year)");
    let ok = f.call("check_token", json!({"token": token('C')})).unwrap();
    assert_eq!((ok["valid"].as_bool(), ok["suggestedExpiry"].as_str()), (Some(true), Some("365d")));
    let bad = f.call("check_token", json!({"token": "sk-ant-oat01-x"})).unwrap();
    assert!(bad["message"].as_str().unwrap().contains("too short"));
}

#[test]
fn paste_then_undo_restores_the_previous_credential() {
    let f = Fixture::new();
    let out = f.call("paste", json!({"token": token('C'), "profileId": "anthropic:old"})).unwrap();
    assert_eq!(out["token"], "sk-ant-oat01-…CCCC");
    assert_eq!(out["previous"]["token"], "sk-ant-oat01-…OOOO");
    assert!(!out.to_string().contains(&token('C')));
    assert_eq!(f.store()["profiles"]["anthropic:old"]["token"], token('C'));
    let undone = f.call("undo", json!({"id": out["undoId"]})).unwrap();
    assert_eq!(undone["action"], "restored");
    assert_eq!(f.store()["profiles"]["anthropic:old"]["token"], OLD);
    // Nothing left to undo: a readable error, not a panic.
    let again = f.call("undo", json!({})).unwrap_err();
    assert_eq!(again["kind"], "undo-unavailable", "{again}");
}

#[test]
fn paste_refuses_bad_input_with_the_engines_message_and_writes_nothing() {
    let f = Fixture::new();
    let before = f.store();
    let e = f.call("paste", json!({"token": "hello"})).unwrap_err();
    assert_eq!(e["kind"], "invalid-input");
    assert!(e["error"].as_str().unwrap().contains("choose the provider"), "{e}");
    let e = f.call("paste", json!({"token": token('C'), "expiresIn": "soon"})).unwrap_err();
    assert_eq!(e["kind"], "invalid-input", "{e}");
    let e = f.call("paste", json!({"token": token('C'), "unknownField": 1})).unwrap_err();
    assert!(e.to_string().contains("unknownField"), "{e}");
    assert_eq!(f.store(), before);
}

#[test]
fn order_set_and_clear() {
    let f = Fixture::new();
    let r = f.call("order_set", json!({"provider": "anthropic", "ids": ["anthropic:backup", "anthropic:old"]})).unwrap();
    assert_eq!(r["order"], json!(["anthropic:backup", "anthropic:old"]));
    let status = f.call("status", json!({})).unwrap();
    assert_eq!(status["agents"][0]["effectiveOrder"]["anthropic"], json!(["anthropic:backup", "anthropic:old"]));
    let e = f.call("order_set", json!({"provider": "anthropic", "ids": ["anthropic:nope"]})).unwrap_err();
    assert_eq!(e["kind"], "not-found");
    let r = f.call("order_clear", json!({"provider": "anthropic"})).unwrap();
    assert_eq!((r["order"].clone(), r["changed"].as_bool()), (Value::Null, Some(true)));
}

#[test]
fn sync_mirrors_the_login_and_last_sync_is_empty_without_the_live_service() {
    let f = Fixture::new();
    let r = f.call("sync", json!({})).unwrap();
    assert_eq!(r["agents"][0]["profileId"], "anthropic:claude-code");
    assert_eq!(f.store()["profiles"]["anthropic:claude-code"]["token"], token('L'));
    assert_eq!(f.call("last_sync", json!({})).unwrap(), Value::Null);
}

#[test]
fn settings_round_trip_and_validation() {
    let f = Fixture::new();
    let mut s = f.call("settings", json!({})).unwrap();
    assert_eq!(s["sourceLeadMs"], 30 * 60_000);
    s["sourceLeadMs"] = json!(45 * 60_000);
    f.call("save_settings", s.clone()).unwrap();
    assert_eq!(f.call("settings", json!({})).unwrap()["sourceLeadMs"], 45 * 60_000);
    s["expiryLeadsMs"] = json!([0]);
    let e = f.call("save_settings", s).unwrap_err();
    assert_eq!(e["kind"], "invalid-input", "{e}");
    let saved = f.home.path().join(".config/authtray/settings.json");
    assert!(saved.is_file());
}

#[test]
fn set_autostart_without_the_plugin_is_a_clear_error() {
    let f = Fixture::new();
    let e = f.call("set_autostart", json!({"enabled": true})).unwrap_err();
    assert!(e["error"].as_str().unwrap().contains("not available"), "{e}");
}
