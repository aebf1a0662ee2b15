// The one place that knows how the UI talks to the engine: Tauri IPC inside the app, the JSON
// HTTP API under `authtray serve`. Both answer with the same documents and fail with the same
// `{ error, kind }` object.

const HTTP = {
  info: ['GET', '/api/info'],
  status: ['GET', '/api/status'],
  settings: ['GET', '/api/settings'],
  saveSettings: ['POST', '/api/settings'],
  checkToken: ['POST', '/api/check-token'],
  paste: ['POST', '/api/paste'],
  undo: ['POST', '/api/undo'],
  orderSet: ['POST', '/api/order'],
  orderClear: ['POST', '/api/order/clear'],
  cooldownClear: ['POST', '/api/cooldown/clear'],
  sync: ['POST', '/api/sync'],
  lastSync: ['GET', '/api/last-sync'],
  glance: ['GET', '/api/glance'],
  logout: ['POST', '/api/logout'],
};

/** An engine error, with the engine's message (what happened and what to do). */
export class EngineError extends Error {
  constructor(message, kind = 'internal') {
    super(message);
    this.kind = kind;
  }
}

const snake = (name) => name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

function toError(e) {
  if (e instanceof EngineError) return e;
  if (e && typeof e === 'object' && typeof e.error === 'string') return new EngineError(e.error, e.kind);
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
  let res;
  try {
    res = await fetch(path, method === 'GET'
      ? { credentials: 'same-origin', cache: 'no-store' }
      : { method, credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(input) });
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
    if (res.status === 401) throw new EngineError('Your session has ended: open the URL `authtray serve` printed (restart it for a new one).', 'session');
    throw toError(body || { error: `authtray answered ${res.status}` });
  }
  return body;
}
