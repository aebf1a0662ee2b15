//! The running gateway: where it listens, whether it is there, and telling it to take up what
//! authtray just wrote.
//!
//! openclaw keeps a runtime snapshot of its auth store and renews it only when it saves the
//! store itself, on `secrets.reload`, or on a restart: after an outside write its next request
//! still carries the old token (measured on 2026.5.28; 2026.9+ renews on `models.authRefresh`).
//! clawdbot reads the store on every request and needs nothing. The call goes straight to the
//! gateway's WebSocket on loopback (100–450 ms), the protocol the gateway's own clients speak:
//! the server sends `connect.challenge`, the client answers with a `connect` request carrying
//! the gateway token, then sends its request and waits for the matching response.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::{Generation, Install};
use crate::env::Env;
use crate::token::Secret;

/// The gateway's port when its config names none.
pub const DEFAULT_PORT: u16 = 18789;

/// How long connecting may take: the gateway is on this machine, so a slow answer means trouble.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long the whole exchange may take (the reload itself re-reads the stores).
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(8);

/// Where the running gateway should be and how to authenticate to it.
#[derive(Clone)]
pub struct Endpoint {
    /// The loopback port (config `gateway.port`, else [`DEFAULT_PORT`]).
    pub port: u16,
    /// The gateway token or password, if one was found.
    credential: Option<(CredentialKind, Secret)>,
    /// Where the credential came from, for messages (`OPENCLAW_GATEWAY_TOKEN`, the config …).
    pub credential_source: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CredentialKind {
    Token,
    Password,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("port", &self.port).field("credential_source", &self.credential_source).finish_non_exhaustive()
    }
}

/// Finds the gateway's port and credential the way its own CLI does: the environment first
/// (`OPENCLAW_GATEWAY_TOKEN` / `…_PASSWORD`), then the config's `gateway.auth`, then the state
/// dir's `.env` (which the gateway service loads).
pub fn endpoint(install: &Install, env: &Env) -> Endpoint {
    let config = &install.config.value;
    let port = match config.pointer("/gateway/port") {
        Some(Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .or_else(|| env.get("OPENCLAW_GATEWAY_PORT").and_then(|p| p.trim().parse().ok()))
    .filter(|p| *p != 0)
    .unwrap_or(DEFAULT_PORT);
    let dotenv = super::dotenv::read(&install.state_dir.join(".env"));
    let from_env = |name: &str| env.get(name).map(|v| (v.to_string(), name.to_string()));
    let from_dotenv =
        |name: &str| dotenv.iter().find(|(k, _)| k == name).map(|(_, v)| (v.clone(), format!("{name} in the gateway's .env")));
    let from_config = |field: &str| {
        config
            .pointer(&format!("/gateway/auth/{field}"))
            .and_then(Value::as_str)
            .map(|v| (v.to_string(), format!("gateway.auth.{field} in the config")))
    };
    let token = ["OPENCLAW_GATEWAY_TOKEN", "CLAWDBOT_GATEWAY_TOKEN"]
        .iter()
        .find_map(|n| from_env(n))
        .or_else(|| from_config("token"))
        .or_else(|| ["OPENCLAW_GATEWAY_TOKEN", "CLAWDBOT_GATEWAY_TOKEN"].iter().find_map(|n| from_dotenv(n)))
        .map(|(v, src)| (CredentialKind::Token, v, src));
    let password = || {
        ["OPENCLAW_GATEWAY_PASSWORD", "CLAWDBOT_GATEWAY_PASSWORD"]
            .iter()
            .find_map(|n| from_env(n))
            .or_else(|| from_config("password"))
            .or_else(|| ["OPENCLAW_GATEWAY_PASSWORD"].iter().find_map(|n| from_dotenv(n)))
            .map(|(v, src)| (CredentialKind::Password, v, src))
    };
    let wants_password = config.pointer("/gateway/auth/mode").and_then(Value::as_str) == Some("password");
    let chosen = if wants_password { password().or(token) } else { token.or_else(password) };
    let chosen = chosen.filter(|(_, v, _)| !v.trim().is_empty());
    Endpoint {
        port,
        credential_source: chosen.as_ref().map(|(_, _, s)| s.clone()),
        credential: chosen.map(|(k, v, _)| (k, Secret::new(v.trim()))),
    }
}

/// `KEY=VALUE` lines of a dotenv file (quotes stripped, comments skipped); empty when absent.
/// What happened when authtray asked the running gateway to take up a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReloadState {
    /// The gateway confirmed it reloaded its auth.
    Done,
    /// This gateway reads the store on every request (or nothing was written).
    NotNeeded,
    /// Nothing listens on the gateway's port: the next start reads the new store.
    NoGatewayRunning,
    /// A gateway runs but could not be told; it keeps serving the old credential.
    Failed,
}

/// The `reload` part of every write report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reload {
    /// What happened.
    pub state: ReloadState,
    /// How it was asked (`secrets.reload over ws://127.0.0.1:18789` …), when it was.
    pub method: Option<String>,
    /// What a person should know: why it failed and what to do, or why none was needed.
    pub detail: Option<String>,
}

impl Reload {
    /// Nothing was written, so there was nothing to take up.
    pub fn nothing_written() -> Reload {
        Reload { state: ReloadState::NotNeeded, method: None, detail: Some("nothing was written".into()) }
    }

    /// Whether the running gateway may still serve the old credential.
    pub fn failed(&self) -> bool {
        self.state == ReloadState::Failed
    }
}

/// Whether the running gateway is there, and whether authtray can talk to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GatewayProcess {
    /// Something listens on the gateway's port on 127.0.0.1.
    pub running: bool,
    /// The port looked at.
    pub port: u16,
    /// authtray connected and was let in (so it can make the gateway reload).
    pub reachable: bool,
    /// Why it is not reachable, when running.
    pub problem: Option<String>,
}

/// Looks at the gateway process (a connect and a handshake, no request).
pub fn probe(install: &Install, env: &Env) -> GatewayProcess {
    let ep = endpoint(install, env);
    match Session::open(&ep) {
        Ok(_) => GatewayProcess { running: true, port: ep.port, reachable: true, problem: None },
        Err(Failure::NotRunning) => GatewayProcess { running: false, port: ep.port, reachable: false, problem: None },
        Err(Failure::Other(why)) => GatewayProcess { running: true, port: ep.port, reachable: false, problem: Some(why) },
    }
}

/// Tells the running gateway to reload its auth after a write to these agents' stores.
pub fn reload(install: &Install, env: &Env, agents: &[&str]) -> Reload {
    let generation = install.generation;
    if generation == Some(Generation::Clawdbot) {
        return Reload {
            state: ReloadState::NotNeeded,
            method: None,
            detail: Some("clawdbot reads its auth store on every request".into()),
        };
    }
    let ep = endpoint(install, env);
    let started = Instant::now();
    let out = match Session::open(&ep) {
        Err(Failure::NotRunning) => {
            return Reload {
                state: ReloadState::NoGatewayRunning,
                method: None,
                detail: Some(format!("no gateway listens on 127.0.0.1:{}; it reads the new credential when it starts", ep.port)),
            }
        }
        Err(Failure::Other(why)) => Err(why),
        Ok(mut s) => {
            // 2026.9+ refreshes exactly one agent's model auth; older gateways only know the
            // broader secrets reload, which renews every agent's auth snapshot at once.
            let mut outcome = Ok("models.authRefresh");
            for agent in agents.iter().copied().map(Some).chain(agents.is_empty().then_some(None)) {
                let mut params = json!({ "operation": "update" });
                if let Some(a) = agent {
                    params["agentId"] = a.into();
                }
                match s.call("models.authRefresh", params) {
                    Ok(_) => {}
                    Err(CallError::UnknownMethod) => {
                        outcome = s.call("secrets.reload", json!({})).map(|_| "secrets.reload").map_err(|e| e.to_string());
                        break;
                    }
                    Err(e) => {
                        outcome = Err(e.to_string());
                        break;
                    }
                }
            }
            outcome
        }
    };
    let took = started.elapsed().as_millis();
    match out {
        Ok(method) => Reload {
            state: ReloadState::Done,
            method: Some(format!("{method} over ws://127.0.0.1:{}", ep.port)),
            detail: Some(format!("the gateway took up the change in {took} ms")),
        },
        Err(why) => Reload {
            state: ReloadState::Failed,
            method: Some(format!("ws://127.0.0.1:{}", ep.port)),
            detail: Some(format!(
                "{why}. The store is right, but the running gateway keeps using the old credential until it reloads: \
                 give authtray the gateway's token (OPENCLAW_GATEWAY_TOKEN, or gateway.auth.token in the config), or restart the gateway"
            )),
        },
    }
}

enum Failure {
    NotRunning,
    Other(String),
}

#[derive(Debug)]
enum CallError {
    UnknownMethod,
    Refused(String),
    Broken(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::UnknownMethod => f.write_str("the gateway does not know that request"),
            CallError::Refused(m) => write!(f, "the gateway refused: {m}"),
            CallError::Broken(m) => f.write_str(m),
        }
    }
}

/// An authenticated WebSocket session with the gateway.
struct Session {
    ws: tungstenite::WebSocket<TcpStream>,
    next_id: u64,
    deadline: Instant,
}

impl Session {
    fn open(ep: &Endpoint) -> Result<Session, Failure> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, ep.port));
        let stream = match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => s,
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset) => return Err(Failure::NotRunning),
            Err(e) => return Err(Failure::Other(format!("cannot connect to 127.0.0.1:{}: {e}", ep.port))),
        };
        let deadline = Instant::now() + EXCHANGE_TIMEOUT;
        let _ = stream.set_read_timeout(Some(EXCHANGE_TIMEOUT));
        let _ = stream.set_write_timeout(Some(EXCHANGE_TIMEOUT));
        let _ = stream.set_nodelay(true);
        let url = format!("ws://127.0.0.1:{}/", ep.port);
        let (ws, _) = tungstenite::client(url.as_str(), stream)
            .map_err(|e| Failure::Other(format!("something listens on 127.0.0.1:{} but is not the gateway's WebSocket ({e})", ep.port)))?;
        let mut s = Session { ws, next_id: 0, deadline };
        // No device identity is signed (loopback operators need none), so the nonce itself is
        // not used; the challenge still has to come first.
        s.challenge().map_err(|e| Failure::Other(e.to_string()))?;
        let mut auth = serde_json::Map::new();
        match &ep.credential {
            Some((CredentialKind::Token, t)) => {
                auth.insert("token".into(), t.expose().into());
            }
            Some((CredentialKind::Password, p)) => {
                auth.insert("password".into(), p.expose().into());
            }
            None => {}
        }
        let params = json!({
            "minProtocol": 3,
            "maxProtocol": 9,
            "client": {
                "id": "gateway-client",
                "displayName": "authtray",
                "version": env!("CARGO_PKG_VERSION"),
                "platform": std::env::consts::OS,
                "mode": "backend",
            },
            "caps": [],
            "role": "operator",
            "scopes": ["operator.admin"],
            "auth": auth,
        });
        s.call("connect", params).map_err(|e| {
            Failure::Other(match (&e, &ep.credential_source) {
                (CallError::Refused(m), Some(src)) => format!("the gateway refused authtray's credential ({src}): {m}"),
                (CallError::Refused(m), None) => format!(
                    "the gateway wants a token and authtray found none ({m}): set OPENCLAW_GATEWAY_TOKEN for authtray, or gateway.auth.token in the config"
                ),
                _ => e.to_string(),
            })
        })?;
        Ok(s)
    }

    /// Waits for the server's `connect.challenge` event.
    fn challenge(&mut self) -> Result<(), CallError> {
        loop {
            let frame = self.next_frame()?;
            if frame.get("type").and_then(Value::as_str) == Some("event")
                && frame.get("event").and_then(Value::as_str) == Some("connect.challenge")
            {
                return Ok(());
            }
        }
    }

    /// Sends one request and waits for its response (events in between are ignored).
    fn call(&mut self, method: &str, params: Value) -> Result<Value, CallError> {
        self.next_id += 1;
        let id = format!("authtray-{}", self.next_id);
        let frame = json!({ "type": "req", "id": id, "method": method, "params": params });
        self.ws
            .send(tungstenite::Message::Text(frame.to_string().into()))
            .map_err(|e| CallError::Broken(format!("the gateway closed the connection ({e})")))?;
        loop {
            let frame = self.next_frame()?;
            if frame.get("type").and_then(Value::as_str) != Some("res") || frame.get("id").and_then(Value::as_str) != Some(id.as_str()) {
                continue;
            }
            if frame.get("ok").and_then(Value::as_bool) == Some(true) {
                return Ok(frame.get("payload").cloned().unwrap_or(Value::Null));
            }
            let message = frame.pointer("/error/message").and_then(Value::as_str).unwrap_or("no reason given").to_string();
            let code = frame.pointer("/error/code").and_then(Value::as_str).unwrap_or_default();
            if code == "INVALID_REQUEST" && message.contains("unknown method") {
                return Err(CallError::UnknownMethod);
            }
            return Err(CallError::Refused(crate::token::redact_text(&message, &[])));
        }
    }

    fn next_frame(&mut self) -> Result<Value, CallError> {
        loop {
            if Instant::now() > self.deadline {
                return Err(CallError::Broken(format!("the gateway did not answer within {} s", EXCHANGE_TIMEOUT.as_secs())));
            }
            let msg = self.ws.read().map_err(|e| match e {
                tungstenite::Error::Io(io) if matches!(io.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    CallError::Broken(format!("the gateway did not answer within {} s", EXCHANGE_TIMEOUT.as_secs()))
                }
                tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
                    CallError::Broken("the gateway closed the connection".into())
                }
                other => CallError::Broken(format!("the gateway connection failed ({other})")),
            })?;
            match msg {
                tungstenite::Message::Text(t) => {
                    if let Ok(v) = serde_json::from_str::<Value>(t.as_str()) {
                        return Ok(v);
                    }
                }
                tungstenite::Message::Close(c) => {
                    let why = c.map(|c| c.reason.to_string()).filter(|r| !r.is_empty()).unwrap_or_else(|| "no reason given".into());
                    return Err(CallError::Refused(format!("it closed the connection: {why}")));
                }
                _ => {}
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn install(config: Value, state_dir: &Path, generation: Generation) -> Install {
        Install {
            generation: Some(generation),
            evidence: String::new(),
            version: None,
            state_dir: state_dir.to_path_buf(),
            config: crate::gateway::GatewayConfig { path: state_dir.join("openclaw.json"), value: config, exists: true },
            agents: Vec::new(),
            default_agent: "main".into(),
        }
    }

    #[test]
    fn the_endpoint_comes_from_env_config_and_dotenv_in_that_order() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".env"), "# comment\nexport OPENCLAW_GATEWAY_TOKEN=\"from-dotenv\"\nOTHER=x\n").unwrap();
        let cfg = json!({"gateway": {"port": 19001, "auth": {"mode": "token", "token": "from-config"}}});
        let i = install(cfg.clone(), d.path(), Generation::OpenclawJson);
        let ep = endpoint(&i, &Env::from_pairs([("OPENCLAW_GATEWAY_TOKEN", "from-env")]));
        assert_eq!((ep.port, ep.credential_source.as_deref()), (19001, Some("OPENCLAW_GATEWAY_TOKEN")));
        assert_eq!(ep.credential.as_ref().map(|(_, s)| s.expose()), Some("from-env"));
        let ep = endpoint(&i, &Env::default());
        assert_eq!(ep.credential.as_ref().map(|(_, s)| s.expose()), Some("from-config"));
        let i = install(json!({"gateway": {"port": "19002"}}), d.path(), Generation::OpenclawJson);
        let ep = endpoint(&i, &Env::default());
        assert_eq!((ep.port, ep.credential.as_ref().map(|(_, s)| s.expose())), (19002, Some("from-dotenv")));
        assert_eq!(ep.credential_source.as_deref(), Some("OPENCLAW_GATEWAY_TOKEN in the gateway's .env"));
        let none = tempfile::tempdir().unwrap();
        let ep = endpoint(&install(json!({}), none.path(), Generation::OpenclawJson), &Env::default());
        assert_eq!((ep.port, ep.credential.is_none()), (DEFAULT_PORT, true));
        assert!(!format!("{ep:?}").contains("from-"), "the credential must not be in Debug");
        let pw = install(
            json!({"gateway": {"auth": {"mode": "password", "password": "pw", "token": "t"}}}),
            none.path(),
            Generation::OpenclawJson,
        );
        assert_eq!(
            endpoint(&pw, &Env::default()).credential.map(|(k, s)| (k, s.expose().to_string())),
            Some((CredentialKind::Password, "pw".into()))
        );
    }

    #[test]
    fn clawdbot_needs_no_reload_and_a_closed_port_means_no_gateway() {
        let d = tempfile::tempdir().unwrap();
        let r = reload(&install(json!({}), d.path(), Generation::Clawdbot), &Env::default(), &[]);
        assert_eq!(r.state, ReloadState::NotNeeded);
        // A port nothing listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let i = install(json!({"gateway": {"port": port}}), d.path(), Generation::OpenclawJson);
        let r = reload(&i, &Env::default(), &["main"]);
        assert_eq!(r.state, ReloadState::NoGatewayRunning, "{r:?}");
        assert!(!probe(&i, &Env::default()).running);
        assert_eq!(serde_json::to_value(&r).unwrap()["state"], "no-gateway-running");
    }

    #[test]
    fn something_else_on_the_port_is_a_failure_with_a_reason() {
        let d = tempfile::tempdir().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                use std::io::{Read, Write};
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
            }
        });
        let i = install(json!({"gateway": {"port": port}}), d.path(), Generation::OpenclawJson);
        let r = reload(&i, &Env::default(), &[]);
        assert_eq!(r.state, ReloadState::Failed);
        assert!(r.detail.as_deref().unwrap_or_default().contains("not the gateway's WebSocket"), "{r:?}");
    }
}
