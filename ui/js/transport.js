// The one place that knows how the UI talks to the engine: Tauri IPC inside the app, the JSON
// HTTP API under `authtray serve`. Both answer with the same documents and fail with the same
// `{ error, kind }` object.
//
// Under serve the session is a header, never a cookie: browsers send a host's cookies to every
// port on it, so any other local server this browser opens would get them. The page is opened
// with the one-time `?secret=`; it trades that for a session id, which this tab keeps in its
// sessionStorage (its origin only, gone with the tab) and sends as `X-Authtray-Session`.

const HTTP = {
  info: ['GET', '/api/info'],
  status: ['GET', '/api/status'],
  settings: ['GET', '/api/settings'],
  saveSettings: ['POST', '/api/settings'],
  checkToken: ['POST', '/api/check-token'],
  paste: ['POST', '/api/paste'],
  pasteToTarget: ['POST', '/api/paste-target'],
  undo: ['POST', '/api/undo'],
  orderSet: ['POST', '/api/order'],
  orderClear: ['POST', '/api/order/clear'],
  cooldownClear: ['POST', '/api/cooldown/clear'],
  setExpiry: ['POST', '/api/expiry'],
  sync: ['POST', '/api/sync'],
  lastSync: ['GET', '/api/last-sync'],
  glance: ['GET', '/api/glance'],
  logout: ['POST', '/api/logout'],
};

/** An engine error, with the engine's message (what happened and what to do). */
export class EngineError extends Error {
  /** `message`: what happened and what to do, in plain words; `details`: the engine's full text. */
  constructor(message, kind = 'internal', details = '') {
    super(message);
    this.kind = kind;
    this.details = details && details !== message ? details : '';
  }
}

const SESSION_KEY = 'authtray-session';
const SESSION_HEADER = 'X-Authtray-Session';
const SESSION_ENDED = 'Not signed in, or the session ended (after 12 hours, or on Sign out): open the URL `authtray serve` printed (restart it for a new one).';

function stored() {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

function forget() {
  try {
    sessionStorage.removeItem(SESSION_KEY);
  } catch { /* storage off: nothing kept */ }
}

/** The session: the stored one, or the one the link's secret is traded for (once per page). */
let signingIn = null;
function session() {
  signingIn ??= signIn();
  return signingIn;
}

async function signIn() {
  const query = new URLSearchParams(location.search);
  const secret = query.get('secret');
  if (!secret) return stored();
  // The link works once: out of the address bar and the history before anything else.
  query.delete('secret');
  const rest = query.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  let res;
  try {
    res = await fetch('/api/session', {
      method: 'POST', credentials: 'omit', cache: 'no-store',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ secret }),
    });
  } catch {
    throw new EngineError('authtray serve is not answering: is it still running?', 'offline');
  }
  const body = await res.json().catch(() => null);
  if (!res.ok || !body || typeof body.session !== 'string') {
    // A used link in a tab that already has a session (a reload before the address changed).
    if (stored()) return stored();
    throw toError(body || { error: `authtray answered ${res.status}` });
  }
  try {
    sessionStorage.setItem(SESSION_KEY, body.session);
  } catch { /* storage off: the session lasts as long as this page */ }
  return body.session;
}

const snake = (name) => name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

function toError(e) {
  if (e instanceof EngineError) return e;
  if (e && typeof e === 'object' && typeof e.error === 'string') return new EngineError(e.summary || e.error, e.kind, e.error);
  if (typeof e === 'string') return new EngineError(e);
  return new EngineError(e && e.message ? e.message : 'something went wrong talking to authtray');
}

/** Calls an engine command by name with one JSON argument. */
export async function call(command, input = {}) {
  const tauri = globalThis.__TAURI__ && globalThis.__TAURI__.core;
  if (tauri) {
    try {
      return await tauri.invoke(snake(command), { input });
    } catch (e) {
      throw toError(e);
    }
  }
  const route = HTTP[command];
  if (!route) throw new EngineError(`unknown command ${command}`);
  const [method, path] = route;
  const id = await session();
  const headers = id ? { [SESSION_HEADER]: id } : {};
  let res;
  try {
    res = await fetch(path, method === 'GET'
      ? { credentials: 'omit', cache: 'no-store', headers }
      : { method, credentials: 'omit', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(input) });
  } catch {
    throw new EngineError('authtray serve is not answering: is it still running?', 'offline');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    if (res.status === 401) {
      forget();
      throw new EngineError(SESSION_ENDED, 'session');
    }
    throw toError(body || { error: `authtray answered ${res.status}` });
  }
  if (command === 'logout') forget();
  return body;
}
