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
//!
//! While the gateway is down any local user can listen on its port, so the token is never
//! sent on trust: `probe` (every `status`, once a minute from the tray) sends nothing at all,
//! and `reload` and `verify` send the token only after the socket that accepted the
//! connection turns out to be this user's (or root's, who can read the token anyway).
//! Whatever the listener says back is treated as hostile text before it reaches a report.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::{Generation, Install};
use crate::env::Env;
use crate::token::Secret;

/// The gateway's port when its config names none.
pub(crate) const DEFAULT_PORT: u16 = 18789;

/// How long connecting may take: the gateway is on this machine, so a slow answer means trouble.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long the whole exchange may take (the reload itself re-reads the stores).
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(8);
/// The most characters of the listener's own words that go into a report: enough for any
/// reason the gateway gives, too few to paste a screenful into the tray's window.
const UNTRUSTED_MAX_CHARS: usize = 200;

/// Where the running gateway should be and how to authenticate to it.
#[derive(Clone)]
pub(crate) struct Endpoint {
    /// The loopback port (config `gateway.port`, else [`DEFAULT_PORT`]).
    pub port: u16,
    /// The gateway token or password, if one was found.
    credential: Option<(GatewayAuth, Secret)>,
    /// Where the credential came from, for messages (`OPENCLAW_GATEWAY_TOKEN`, the config …).
    pub credential_source: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum GatewayAuth {
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
pub(crate) fn endpoint(install: &Install, env: &Env) -> Endpoint {
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
        .map(|(v, src)| (GatewayAuth::Token, v, src));
    let password = || {
        ["OPENCLAW_GATEWAY_PASSWORD", "CLAWDBOT_GATEWAY_PASSWORD"]
            .iter()
            .find_map(|n| from_env(n))
            .or_else(|| from_config("password"))
            .or_else(|| ["OPENCLAW_GATEWAY_PASSWORD"].iter().find_map(|n| from_dotenv(n)))
            .map(|(v, src)| (GatewayAuth::Password, v, src))
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
    pub(crate) fn nothing_written() -> Reload {
        Reload { state: ReloadState::NotNeeded, method: None, detail: Some("nothing was written".into()) }
    }

    /// Whether the running gateway may still serve the old credential.
    pub fn failed(&self) -> bool {
        self.state == ReloadState::Failed
    }
}

/// Whether the running gateway is there, and whether authtray may ask it to reload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GatewayProcess {
    /// Something accepts connections on the gateway's port on 127.0.0.1.
    pub running: bool,
    /// The port looked at.
    pub port: u16,
    /// What accepts there belongs to this user (or root), and authtray has a credential to
    /// offer it (or the config says the gateway wants none): a write asks it to reload.
    /// `probe` learns this without a word to the listener, so whether it is the gateway and
    /// takes the credential shows when the credential is sent: in a write's `reload`, and in
    /// `verify` (`doctor`).
    pub reachable: bool,
    /// Why it is not reachable, when running. Whatever of it came from the listener is
    /// redacted, stripped of control characters and cut short.
    pub problem: Option<String>,
}

/// Why authtray did not send the gateway token to what listens on the gateway's port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ListenerNotYours {
    /// The socket that accepted authtray's connection belongs to another user: while the
    /// gateway was down, someone else took its port.
    #[error("something owned by another user (uid {uid}) listens on 127.0.0.1:{port}; authtray did not send it the gateway token")]
    OtherUser {
        /// The gateway's port.
        port: u16,
        /// The owner of the listening socket.
        uid: u32,
    },
    /// Its owner could not be established, so it is not trusted either.
    #[error("authtray cannot tell who owns what listens on 127.0.0.1:{port} ({why}), so it did not send it the gateway token")]
    Unknown {
        /// The gateway's port.
        port: u16,
        /// Why not (authtray's own words, nothing from the listener).
        why: String,
    },
}

impl ListenerNotYours {
    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        match self {
            ListenerNotYours::OtherUser { port, .. } | ListenerNotYours::Unknown { port, .. } => *port,
        }
    }
}

/// Looks at the gateway process without talking to it: a TCP connect, and who owns the socket
/// that accepted it. Nothing is sent, neither the token nor a handshake, so whatever holds the
/// port while the gateway is down learns nothing and has nothing to say back; and the gateway
/// does not log a visitor a minute (it warns about every WebSocket that closes before
/// `connect`).
pub(crate) fn probe(install: &Install, env: &Env) -> GatewayProcess {
    let ep = endpoint(install, env);
    let seen = |problem: Option<String>| GatewayProcess { running: true, port: ep.port, reachable: problem.is_none(), problem };
    let stream = match dial(ep.port) {
        Ok(s) => s,
        Err(Failure::NotRunning) => return GatewayProcess { running: false, port: ep.port, reachable: false, problem: None },
        Err(f) => return seen(Some(f.to_string())),
    };
    if let Err(e) = check_owner(&stream, ep.port) {
        return seen(Some(e.to_string()));
    }
    drop(stream);
    if ep.credential.is_none() && !wants_no_credential(install) {
        return seen(Some(
            "authtray found no gateway token: set OPENCLAW_GATEWAY_TOKEN for authtray, or gateway.auth.token in the config".into(),
        ));
    }
    seen(None)
}

/// What `doctor` asks: like [`probe`], and when the listener is this user's, the gateway's
/// handshake with the credential, to learn whether the gateway takes it. Only on a person's
/// request: the gateway logs every such connection.
pub(crate) fn verify(install: &Install, env: &Env) -> Result<GatewayProcess, ListenerNotYours> {
    let ep = endpoint(install, env);
    let running = |problem: Option<String>| GatewayProcess { running: true, port: ep.port, reachable: problem.is_none(), problem };
    match Session::open(&ep) {
        Ok(_) => Ok(running(None)),
        Err(Failure::NotRunning) => Ok(GatewayProcess { running: false, port: ep.port, reachable: false, problem: None }),
        Err(Failure::NotYours(e)) => Err(e),
        Err(Failure::Other(why)) => Ok(running(Some(why))),
    }
}

/// Whether the config turns the gateway's auth off, so that no credential is needed.
fn wants_no_credential(install: &Install) -> bool {
    install.config.value.pointer("/gateway/auth/mode").and_then(Value::as_str) == Some("none")
}

/// Tells the running gateway to reload its auth after a write to these agents' stores.
pub(crate) fn reload(install: &Install, env: &Env, agents: &[&str]) -> Reload {
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
        Err(Failure::NotYours(e)) => {
            return Reload {
                state: ReloadState::Failed,
                method: Some(format!("ws://127.0.0.1:{}", ep.port)),
                detail: Some(format!(
                    "{e}. The store is right, and the gateway reads it when it starts; find out what holds the port (lsof -nP -iTCP:{} -sTCP:LISTEN)",
                    ep.port
                )),
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
    NotYours(ListenerNotYours),
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NotRunning => f.write_str("nothing listens on the gateway's port"),
            Failure::NotYours(e) => e.fmt(f),
            Failure::Other(why) => f.write_str(why),
        }
    }
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
    /// The credential sent, kept to redact it should the other side quote it back.
    sent: Option<Secret>,
}

impl Session {
    fn open(ep: &Endpoint) -> Result<Session, Failure> {
        let stream = dial(ep.port)?;
        // Before a single byte goes out: the upgrade request names nothing secret, but the
        // `connect` request after it carries the token.
        check_owner(&stream, ep.port).map_err(Failure::NotYours)?;
        let deadline = Instant::now() + EXCHANGE_TIMEOUT;
        let _ = stream.set_read_timeout(Some(EXCHANGE_TIMEOUT));
        let _ = stream.set_write_timeout(Some(EXCHANGE_TIMEOUT));
        let _ = stream.set_nodelay(true);
        let url = format!("ws://127.0.0.1:{}/", ep.port);
        let sent = ep.credential.as_ref().map(|(_, s)| s.clone());
        let (ws, _) = tungstenite::client(url.as_str(), stream).map_err(|e| {
            let why = untrusted(&e.to_string(), &sent.iter().map(Secret::expose).collect::<Vec<_>>());
            Failure::Other(format!("something listens on 127.0.0.1:{} but is not the gateway's WebSocket ({why})", ep.port))
        })?;
        let mut s = Session { ws, next_id: 0, deadline, sent };
        // No device identity is signed (loopback operators need none), so the nonce itself is
        // not used; the challenge still has to come first.
        s.challenge().map_err(|e| Failure::Other(e.to_string()))?;
        let mut auth = serde_json::Map::new();
        match &ep.credential {
            Some((GatewayAuth::Token, t)) => {
                auth.insert("token".into(), t.expose().into());
            }
            Some((GatewayAuth::Password, p)) => {
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
            return Err(CallError::Refused(self.clean(&message)));
        }
    }

    /// The other side's words, fit for a report.
    fn clean(&self, text: &str) -> String {
        untrusted(text, &self.sent.iter().map(Secret::expose).collect::<Vec<_>>())
    }

    fn next_frame(&mut self) -> Result<Value, CallError> {
        loop {
            if Instant::now() > self.deadline {
                return Err(CallError::Broken(format!("the gateway did not answer within {} s", EXCHANGE_TIMEOUT.as_secs())));
            }
            let msg = match self.ws.read() {
                Ok(m) => m,
                Err(tungstenite::Error::Io(io)) if matches!(io.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(CallError::Broken(format!("the gateway did not answer within {} s", EXCHANGE_TIMEOUT.as_secs())))
                }
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return Err(CallError::Broken("the gateway closed the connection".into()))
                }
                Err(other) => return Err(CallError::Broken(format!("the gateway connection failed ({})", self.clean(&other.to_string())))),
            };
            match msg {
                tungstenite::Message::Text(t) => {
                    if let Ok(v) = serde_json::from_str::<Value>(t.as_str()) {
                        return Ok(v);
                    }
                }
                tungstenite::Message::Close(c) => {
                    let why = c.map(|c| self.clean(&c.reason)).filter(|r| !r.is_empty()).unwrap_or_else(|| "no reason given".into());
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

/// Connects to the gateway's port on 127.0.0.1.
fn dial(port: u16) -> Result<TcpStream, Failure> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
        Ok(s) => Ok(s),
        Err(e) if matches!(e.kind(), ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset) => Err(Failure::NotRunning),
        Err(e) => Err(Failure::Other(format!("cannot connect to 127.0.0.1:{port}: {e}"))),
    }
}

/// Whether the socket at the far end of `stream`, connected to 127.0.0.1:`port`, may be told
/// the gateway token. Asked after connecting, about this very connection: a listener that
/// changed hands between a look and the connect cannot slip through.
fn check_owner(stream: &TcpStream, port: u16) -> Result<(), ListenerNotYours> {
    let ours = stream.local_addr().map_err(|e| ListenerNotYours::Unknown { port, why: format!("no local address: {e}") })?.port();
    // SAFETY: geteuid takes nothing and cannot fail.
    let me = unsafe { libc::geteuid() };
    judge(&accepting_uids(port, ours)?, me, port)
}

/// Every owner found must be `me` or root: root can read the token in the config anyway, and
/// runs what publishes a containerised gateway on loopback (docker-proxy). Nothing found is not
/// a pass.
fn judge(owners: &[u32], me: u32, port: u16) -> Result<(), ListenerNotYours> {
    if owners.is_empty() {
        return Err(ListenerNotYours::Unknown { port, why: "its socket is not listed".into() });
    }
    match owners.iter().find(|&&uid| uid != me && uid != 0) {
        Some(&uid) => Err(ListenerNotYours::OtherUser { port, uid }),
        None => Ok(()),
    }
}

/// The owners of the socket that accepted the connection from 127.0.0.1:`ours`.
///
/// The uid column of `/proc/net/tcp` is the uid of whoever created the socket, set by the
/// kernel and readable by everyone; an accepted (or still half-open) connection is listed with
/// its listener's. That is all that matters here: a socket of ours that another user holds
/// could only have been handed over by us. Looking up the owning process instead
/// (`/proc/<pid>/fd`) would need root to see another user's processes, and say no more.
#[cfg(target_os = "linux")]
fn accepting_uids(port: u16, ours: u16) -> Result<Vec<u32>, ListenerNotYours> {
    let unknown = |why: String| ListenerNotYours::Unknown { port, why };
    for _ in 0..3 {
        let tcp = std::fs::read_to_string("/proc/net/tcp").map_err(|e| unknown(format!("cannot read /proc/net/tcp: {e}")))?;
        // Absent when IPv6 is off, and then no dual-stack listener exists either.
        let tcp6 = std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
        let owners = connection_owners(&[&tcp, &tcp6], port, ours);
        if !owners.is_empty() {
            return Ok(owners);
        }
        // The far end of a loopback connect is normally listed before connect returns; a
        // moment's grace covers a busy machine.
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(Vec::new())
}

/// The owners of the listeners that take connections to 127.0.0.1:`port`, from `lsof`.
///
/// macOS has no `/proc`; lsof names a socket's process and its uid. It shows only processes
/// this user may inspect, so another user's listener is missing rather than shown as theirs:
/// finding none is then an unknown owner, which [`judge`] refuses.
#[cfg(target_os = "macos")]
fn accepting_uids(port: u16, _ours: u16) -> Result<Vec<u32>, ListenerNotYours> {
    let mut cmd = std::process::Command::new("/usr/sbin/lsof");
    cmd.arg("-nP").arg("-a").arg(format!("-iTCP:{port}")).arg("-sTCP:LISTEN").arg("-Fun");
    let out = crate::process::run(cmd, None, Duration::from_secs(5)).map_err(|e| ListenerNotYours::Unknown { port, why: e.to_string() })?;
    lsof_listener_uids(&String::from_utf8_lossy(&out.stdout), port)
        .ok_or_else(|| ListenerNotYours::Unknown { port, why: "lsof named a listener without its owner".into() })
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn accepting_uids(port: u16, _ours: u16) -> Result<Vec<u32>, ListenerNotYours> {
    Err(ListenerNotYours::Unknown { port, why: "authtray cannot look up socket owners on this system".into() })
}

/// The kernel's state number for a socket in TIME_WAIT.
const TCP_TIME_WAIT: u8 = 0x06;

/// One row of `/proc/net/tcp` or `/proc/net/tcp6`.
#[derive(Debug, PartialEq, Eq)]
struct SocketRow {
    local: SocketAddr,
    remote: SocketAddr,
    state: u8,
    uid: u32,
}

/// Parses `sl local_address rem_address st tx:rx tr:when retrnsmt uid …`; the header and
/// anything malformed give `None`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_row(line: &str) -> Option<SocketRow> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 8 || !f[0].ends_with(':') {
        return None;
    }
    Some(SocketRow {
        local: parse_socket_addr(f[1])?,
        remote: parse_socket_addr(f[2])?,
        state: u8::from_str_radix(f[3], 16).ok()?,
        uid: f[7].parse().ok()?,
    })
}

/// `0100007F:4965` or 32 hex digits and a port: the kernel prints each 32-bit word of the
/// address as a number in the machine's byte order, the port as a number.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_socket_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    if !ip.bytes().chain(port.bytes()).all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok().map(u32::to_ne_bytes);
    let ip = match ip.len() {
        8 => IpAddr::from(word(0)?),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_exact_mut(4).enumerate() {
                chunk.copy_from_slice(&word(i)?);
            }
            IpAddr::from(bytes)
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// The uids of the rows for the far end of the connection from 127.0.0.1:`ours` to
/// 127.0.0.1:`port`, in any of `tables`. A dual-stack listener's connections are in tcp6 with
/// IPv4-mapped addresses. A TIME_WAIT row is no evidence: the kernel shows uid 0 for all of
/// them, whoever owned the socket.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn connection_owners(tables: &[&str], port: u16, ours: u16) -> Vec<u32> {
    let loopback = |a: SocketAddr, p: u16| {
        let v4 = match a.ip() {
            IpAddr::V4(v4) => Some(v4),
            IpAddr::V6(v6) => v6.to_ipv4_mapped(),
        };
        a.port() == p && v4 == Some(Ipv4Addr::LOCALHOST)
    };
    tables
        .iter()
        .flat_map(|t| t.lines())
        .filter_map(parse_row)
        .filter(|r| r.state != TCP_TIME_WAIT && loopback(r.local, port) && loopback(r.remote, ours))
        .map(|r| r.uid)
        // The kernel prints these tables a page at a time, so a row can be read twice while
        // other sockets come and go: each owner once.
        .collect::<std::collections::BTreeSet<u32>>()
        .into_iter()
        .collect()
}

/// The uids of the listeners in `lsof -F un` output that take connections to
/// 127.0.0.1:`port` (bound to it, or to every address); `None` when one comes without its
/// owner.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
fn lsof_listener_uids(output: &str, port: u16) -> Option<Vec<u32>> {
    let takes = [format!("127.0.0.1:{port}"), format!("*:{port}"), format!("[::ffff:127.0.0.1]:{port}")];
    let mut uid = None;
    let mut owners = Vec::new();
    for line in output.lines() {
        let value = line.get(1..).unwrap_or_default();
        match line.as_bytes().first() {
            // A new process: its uid line follows.
            Some(b'p') => uid = None,
            Some(b'u') => uid = value.parse::<u32>().ok(),
            Some(b'n') if takes.iter().any(|t| t == value) => owners.push(uid?),
            _ => {}
        }
    }
    Some(owners)
}

/// Makes text from the listener fit for a report. Whatever holds the port may be hostile, and
/// even the gateway's own words may quote a token: terminal escapes go whole (so their
/// parameters do not stay behind) and other control and invisible characters go, line breaks
/// become spaces, token-looking runs and `secrets` are redacted, and the rest is cut to
/// [`UNTRUSTED_MAX_CHARS`]. Controls go first, as one inside a token would hide it from the
/// redaction; the cut comes last, as a token cut short would no longer look like one.
fn untrusted(text: &str, secrets: &[&str]) -> String {
    // Enough to redact a token that starts before the cut and runs past it; a listener may
    // send megabytes.
    let keep = 8 * UNTRUSTED_MAX_CHARS;
    let mut plain = String::with_capacity(text.len().min(keep));
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if plain.len() > keep {
            break;
        }
        match c {
            '\u{1b}' => match chars.next() {
                // CSI (colours, cursor moves, clearing): parameters up to a final byte.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC (window titles, links): up to BEL or ESC \.
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\n' | '\r' | '\t' | ' ' => {
                if !plain.is_empty() && !plain.ends_with(' ') {
                    plain.push(' ');
                }
            }
            c if c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}') => {}
            c => plain.push(c),
        }
    }
    let redacted = crate::token::redact_text(plain.trim_end(), secrets);
    let mut out: String = redacted.chars().take(UNTRUSTED_MAX_CHARS).collect();
    if redacted.chars().count() > UNTRUSTED_MAX_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, Read, Write};
    use std::net::TcpListener;
    use std::path::Path;
    use std::sync::{Arc, Mutex};
    use tungstenite::protocol::frame::coding::CloseCode;
    use tungstenite::protocol::CloseFrame;
    use tungstenite::Message;

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
            Some((GatewayAuth::Password, "pw".into()))
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

    /// A gateway token as the config would hold one.
    const GATEWAY_TOKEN: &str = "gw-token-5f1c9a0e7b3d2c4e6a8b0d1f3e5c7a9b";

    /// Everything a stand-in listener received.
    #[derive(Debug, Default)]
    struct Received {
        connections: usize,
        /// The bytes as they came (WebSocket frames from a client are masked).
        raw: Vec<u8>,
        /// The text messages, unmasked.
        messages: Vec<String>,
    }

    impl Received {
        fn saw(&self, needle: &str) -> bool {
            String::from_utf8_lossy(&self.raw).contains(needle) || self.messages.iter().any(|m| m.contains(needle))
        }
    }

    /// Copies every byte read into a log.
    struct Tee(TcpStream, Arc<Mutex<Vec<u8>>>);

    impl Read for Tee {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1.lock().unwrap().extend_from_slice(&buf[..n]);
            Ok(n)
        }
    }

    impl Write for Tee {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.0.flush()
        }
    }

    /// A listener that speaks like the gateway on `listener`: it takes `connections`
    /// connections (or gives up after 15 s), sends each `connect.challenge` after the upgrade
    /// and answers every request with `answer`, recording all it receives.
    fn serve(listener: TcpListener, connections: usize, answer: impl Fn(&Value) -> Message) -> Received {
        let mut got = Received::default();
        let deadline = Instant::now() + Duration::from_secs(15);
        listener.set_nonblocking(true).unwrap();
        while got.connections < connections && Instant::now() < deadline {
            let stream = match listener.accept() {
                Ok((s, _)) => s,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                Err(_) => break,
            };
            got.connections += 1;
            stream.set_nonblocking(false).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let log = Arc::new(Mutex::new(Vec::new()));
            if let Ok(mut ws) = tungstenite::accept(Tee(stream, log.clone())) {
                let challenge = json!({"type": "event", "event": "connect.challenge", "payload": {"nonce": "n", "ts": 0}});
                let _ = ws.send(Message::text(challenge.to_string()));
                while let Ok(msg) = ws.read() {
                    match msg {
                        Message::Text(t) => {
                            got.messages.push(t.to_string());
                            if let Ok(req) = serde_json::from_str::<Value>(t.as_str()) {
                                let _ = ws.send(answer(&req));
                            }
                        }
                        Message::Close(_) => break,
                        _ => {}
                    }
                }
            }
            got.raw.extend(log.lock().unwrap().iter());
        }
        got
    }

    /// A gateway stand-in of this user's on an ephemeral port: its port and what it received.
    fn fake_gateway(connections: usize, answer: impl Fn(&Value) -> Message + Send + 'static) -> (u16, std::thread::JoinHandle<Received>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        (port, std::thread::spawn(move || serve(listener, connections, answer)))
    }

    fn ok(req: &Value) -> Message {
        Message::text(json!({"type": "res", "id": req["id"], "ok": true, "payload": {}}).to_string())
    }

    fn with_token(port: u16, dir: &Path) -> Install {
        install(json!({"gateway": {"port": port, "auth": {"mode": "token", "token": GATEWAY_TOKEN}}}), dir, Generation::OpenclawJson)
    }

    #[test]
    fn the_probe_sends_the_listener_nothing() {
        let d = tempfile::tempdir().unwrap();
        let (port, seen) = fake_gateway(1, ok);
        let gw = probe(&with_token(port, d.path()), &Env::default());
        assert_eq!(gw, GatewayProcess { running: true, port, reachable: true, problem: None });
        let got = seen.join().unwrap();
        assert_eq!(got.connections, 1);
        assert!(!got.saw(GATEWAY_TOKEN), "the probe handed the listener the gateway token: {:?}", got.messages);
        assert!(got.raw.is_empty(), "the probe said something: {:?}", String::from_utf8_lossy(&got.raw));

        // Without a credential a reload cannot work, unless the config turns auth off.
        let (port, seen) = fake_gateway(2, ok);
        let bare = probe(&install(json!({"gateway": {"port": port}}), d.path(), Generation::OpenclawJson), &Env::default());
        assert_eq!((bare.running, bare.reachable), (true, false));
        assert!(bare.problem.as_deref().unwrap_or_default().contains("found no gateway token"), "{bare:?}");
        let open = install(json!({"gateway": {"port": port, "auth": {"mode": "none"}}}), d.path(), Generation::OpenclawJson);
        assert!(probe(&open, &Env::default()).reachable);
        assert!(seen.join().unwrap().raw.is_empty());
    }

    #[test]
    fn a_reload_and_doctor_send_the_token_to_a_gateway_of_this_users() {
        // The control for the test above: the stand-in does see a token that is sent.
        let d = tempfile::tempdir().unwrap();
        let (port, seen) = fake_gateway(2, ok);
        let i = with_token(port, d.path());
        let r = reload(&i, &Env::default(), &["main"]);
        assert_eq!(r.state, ReloadState::Done, "{r:?}");
        assert_eq!(verify(&i, &Env::default()), Ok(GatewayProcess { running: true, port, reachable: true, problem: None }));
        let got = seen.join().unwrap();
        assert!(got.messages[0].contains(GATEWAY_TOKEN) && got.messages[1].contains("models.authRefresh"), "{got:?}");
    }

    #[test]
    fn a_hostile_listeners_words_are_redacted_stripped_and_cut() {
        let fake_token = format!("sk-ant-oat01-{}", "A".repeat(80));
        let words =
            format!("\u{1b}[31mdenied\u{1b}[0m\u{1b}]0;pwned\u{7} {fake_token} you sent {GATEWAY_TOKEN}\r\n\u{202e}{}", "x".repeat(1000));
        let d = tempfile::tempdir().unwrap();
        let (port, seen) = fake_gateway(1, move |req| {
            let error = json!({"code": "UNAUTHORIZED", "message": words});
            Message::text(json!({"type": "res", "id": req["id"], "ok": false, "error": error}).to_string())
        });
        let r = reload(&with_token(port, d.path()), &Env::default(), &[]);
        seen.join().unwrap();
        let detail = r.detail.clone().unwrap_or_default();
        assert_eq!(r.state, ReloadState::Failed);
        assert!(detail.contains("denied sk-ant-oat01-…AAAA you sent …"), "{detail}");
        assert!(!detail.contains("AAAAAAAA") && !detail.contains(GATEWAY_TOKEN), "a token got through: {detail}");
        assert!(!detail.contains("pwned") && !detail.chars().any(|c| c.is_control() || c == '\u{202e}'), "{detail:?}");
        assert!(detail.contains("x…") && !detail.contains(&"x".repeat(UNTRUSTED_MAX_CHARS)), "not cut: {detail}");

        // A close frame's reason, which the gateway gives when it refuses a connection.
        let reason = format!("\u{1b}[2J{fake_token}");
        let (port, seen) =
            fake_gateway(1, move |_| Message::Close(Some(CloseFrame { code: CloseCode::Policy, reason: reason.clone().into() })));
        let gw = verify(&with_token(port, d.path()), &Env::default()).unwrap();
        seen.join().unwrap();
        let problem = gw.problem.unwrap_or_default();
        assert!(problem.ends_with("it closed the connection: sk-ant-oat01-…AAAA"), "{problem:?}");
    }

    #[test]
    fn untrusted_text_loses_escapes_and_controls_and_is_cut() {
        assert_eq!(
            untrusted("\u{1b}[1;31mred\u{1b}[0m\tand\n\n\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{0}\u{9b}", &[]),
            "red and link"
        );
        assert_eq!(untrusted("sk-ant-oat01-AAAA\u{1b}[0mBBBBCCCCDDDD", &[]), "sk-ant-oat01-…", "an escape inside a token hid it");
        assert_eq!(untrusted("pass=hunter2-long-secret", &["hunter2-long-secret"]), "pass=…");
        let long = untrusted(&"é".repeat(1_000_000), &[]);
        assert_eq!(long.chars().count(), UNTRUSTED_MAX_CHARS + 1);
        assert!(long.ends_with('…'));
        assert_eq!(untrusted(&"y".repeat(UNTRUSTED_MAX_CHARS), &[]).chars().count(), UNTRUSTED_MAX_CHARS, "nothing to cut");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_socket_that_accepted_is_found_and_is_this_users() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let ours = stream.local_addr().unwrap().port();
        // Not accepted yet: the half-open connection already carries the listener's uid.
        let me = unsafe { libc::geteuid() };
        assert_eq!(accepting_uids(port, ours), Ok(vec![me]));
        let _accepted = listener.accept().unwrap();
        assert_eq!(accepting_uids(port, ours), Ok(vec![me]));
        assert_eq!(check_owner(&stream, port), Ok(()));
        // A dual-stack listener's connections from 127.0.0.1 are listed in tcp6.
        if let Ok(v6) = TcpListener::bind("[::]:0") {
            let port = v6.local_addr().unwrap().port();
            let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            assert_eq!(check_owner(&stream, port), Ok(()));
        }
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn proc_net_tcp_rows_name_the_owner_and_another_users_is_refused() {
        // Port 0x4965 = 18789; authtray's end is 127.0.0.1:0xD0FA (0xD0FB over tcp6).
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:4965 00000000:0000 0A 00000000:00000001 00:00000000 00000000  1001        0 25028 2 00000000300e0b8d 100 0 0 10 0
   1: 0100007F:4965 0100007F:D0FA 01 00000000:00000000 00:00000000 00000000  1001        0 0 1 0000000036ebeebe 20 0 0 10 -1
   2: 0100007F:D0FA 0100007F:4965 01 00000000:00000000 00:00000000 00000000  1000        0 25053 2 000000002b58681f 20 0 0 10 -1
   3: 0100007F:4965 0100007F:C000 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   4: 0100007F:ZZZZ 0100007F:D0FA 01 truncated
";
        let tcp6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:4965 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 3301 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:4965 0000000000000000FFFF00000100007F:D0FB 01 00000000:00000000 00:00000000 00000000  1002        0 0 1 0000000000000000 20 0 0 10 -1
";
        let row = |addr: &str, port| SocketAddr::new(addr.parse().unwrap(), port);
        assert_eq!(
            tcp.lines().nth(1).and_then(parse_row),
            Some(SocketRow { local: row("127.0.0.1", 18789), remote: row("0.0.0.0", 0), state: 0x0A, uid: 1001 })
        );
        let v6: Vec<SocketRow> = tcp6.lines().filter_map(parse_row).collect();
        assert_eq!((v6[0].local, v6[0].state, v6[0].uid), (row("::1", 18789), 0x0A, 1000));
        assert_eq!(v6[1].remote, row("::ffff:127.0.0.1", 0xD0FB));
        assert_eq!(tcp.lines().filter_map(parse_row).count(), 4, "the header and the broken row are skipped");

        // The row of the far end of authtray's own connection, whatever the LISTEN row says.
        assert_eq!(connection_owners(&[tcp, tcp6], 18789, 0xD0FA), vec![1001]);
        assert_eq!(connection_owners(&[tcp, tcp6], 18789, 0xD0FB), vec![1002]);
        assert_eq!(connection_owners(&[tcp, tcp6], 18789, 0xC000), Vec::<u32>::new(), "TIME_WAIT shows uid 0 for anyone");
        assert_eq!(connection_owners(&[tcp, tcp, tcp6], 18789, 0xD0FA), vec![1001], "a row read twice is one owner");
        assert_eq!(judge(&[1001], 1000, 18789), Err(ListenerNotYours::OtherUser { port: 18789, uid: 1001 }));
        assert_eq!(judge(&[1000], 1000, 18789), Ok(()));
        assert_eq!(judge(&[0], 1000, 18789), Ok(()), "root can read the token anyway");
        assert!(matches!(judge(&[], 1000, 18789), Err(ListenerNotYours::Unknown { .. })));
        let refusal = judge(&[1001], 1000, 18789).unwrap_err().to_string();
        assert_eq!(
            refusal,
            "something owned by another user (uid 1001) listens on 127.0.0.1:18789; authtray did not send it the gateway token"
        );
    }

    #[test]
    fn lsof_output_names_the_listeners_owner() {
        let out = "p812\nu501\nf23\nn127.0.0.1:18789\np999\nu502\nf5\nn[::1]:18789\n";
        assert_eq!(lsof_listener_uids(out, 18789), Some(vec![501]), "::1 does not take 127.0.0.1's connections");
        assert_eq!(lsof_listener_uids(&format!("{out}p7\nu0\nf3\nn*:18789\n"), 18789), Some(vec![501, 0]));
        assert_eq!(lsof_listener_uids("", 18789), Some(vec![]));
        assert_eq!(lsof_listener_uids("p812\nf23\nn127.0.0.1:18789\n", 18789), None);
    }

    /// Run by [`another_users_listener_never_hears_the_token`] as another user: a listener
    /// that prints its port, serves three connections, and prints what it received.
    #[test]
    #[ignore = "a helper, run as another user by another test"]
    fn squatter() {
        if std::env::var_os("AUTHTRAY_TEST_SQUATTER").is_none() {
            return;
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        println!("squatter-port={}", listener.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        let got = serve(listener, 3, ok);
        println!("squatter-connections={}", got.connections);
        println!("squatter-raw={}", got.raw.iter().map(|b| format!("{b:02x}")).collect::<String>());
        println!("squatter-messages={}", got.messages.len());
    }

    #[test]
    fn another_users_listener_never_hears_the_token() {
        use std::os::unix::process::CommandExt;
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped: only root can run a listener as another user; the parser test covers the rule");
            return;
        }
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["--ignored", "--exact", "gateway::running::tests::squatter", "--nocapture", "--test-threads=1"])
            .env("AUTHTRAY_TEST_SQUATTER", "1")
            .uid(65534)
            .gid(65534)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        let Ok(mut child) = cmd.spawn() else {
            eprintln!("skipped: the test binary cannot be run as uid 65534");
            return;
        };
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok);
        let port = lines.by_ref().find_map(|l| l.split_once("squatter-port=").map(|(_, p)| p).and_then(|p| p.parse::<u16>().ok()));
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("skipped: the helper did not start as uid 65534");
            return;
        };
        let d = tempfile::tempdir().unwrap();
        let i = with_token(port, d.path());
        let gw = probe(&i, &Env::default());
        let r = reload(&i, &Env::default(), &["main"]);
        let v = verify(&i, &Env::default());
        let rest: Vec<String> = lines.collect();
        let _ = child.kill();
        let _ = child.wait();

        assert_eq!((gw.running, gw.reachable), (true, false), "{gw:?}");
        assert!(gw.problem.as_deref().unwrap_or_default().contains("owned by another user (uid 65534)"), "{gw:?}");
        assert_eq!(r.state, ReloadState::Failed);
        let detail = r.detail.unwrap_or_default();
        assert!(detail.contains(&format!("listens on 127.0.0.1:{port}; authtray did not send it the gateway token")), "{detail}");
        assert_eq!(v, Err(ListenerNotYours::OtherUser { port, uid: 65534 }));
        let field = |k: &str| rest.iter().find_map(|l| l.split_once(k).map(|(_, v)| v)).unwrap_or("?").to_string();
        assert_eq!(field("squatter-connections="), "3", "{rest:?}");
        assert_eq!((field("squatter-raw="), field("squatter-messages=")), (String::new(), "0".into()), "it was told something");
    }
}
