// What the screens share: the state every screen reads, the message banner, and reloading.
// The screens and main.js import this module; it imports none of them.
import { call } from './transport.js';

/** What every screen may read (`prefill`: what a fix asks Paste to preselect). */
export const app = { status: null, info: null, lastSync: null, prefill: null };

/**
 * Says how long a write has been waiting, from the second second on: a gateway on another host
 * (`where`), or a store authtray cannot write itself, is written through the gateway's own
 * program, which takes seconds. Returns the function that stops it.
 */
export function waiting(node, where = null) {
  const started = Date.now();
  const slow = app.status?.generation === 'openclaw-sqlite';
  const tick = () => {
    const s = Math.round((Date.now() - started) / 1000);
    if (s < 2) return;
    // Only a layout authtray cannot write itself goes through openclaw's own program (seconds).
    if (where) node.textContent = `Waiting for the gateway on ${where} (its own program there takes seconds)… ${s} s`;
    else node.textContent = slow ? `Waiting for openclaw… ${s} s` : `Waiting for the gateway's store… ${s} s`;
  };
  const timer = setInterval(tick, 1000);
  return () => { clearInterval(timer); node.textContent = ''; };
}

const banner = () => document.getElementById('banner');

/**
 * Shows an engine error as a readable message (never a blank screen): what happened and what to
 * do in plain words; the engine's own text (paths, what a program said) behind "Details".
 */
export function showError(e) {
  const b = banner();
  b.replaceChildren();
  b.className = 'banner';
  b.setAttribute('role', 'alert');
  const [what, ...rest] = String(e && e.message ? e.message : e).split(/(?<=[.;:]) (?=[A-Z])/);
  b.append(what);
  if (rest.length) {
    const fix = document.createElement('div');
    fix.className = 'fix';
    fix.textContent = rest.join(' ');
    b.append(fix);
  }
  if (e && e.details) {
    const more = document.createElement('details');
    const label = document.createElement('summary');
    label.textContent = 'Details';
    const text = document.createElement('p');
    text.textContent = e.details;
    more.append(label, text);
    more.className = 'meta';
    b.append(more);
  }
  b.hidden = false;
}

/** Shows a notice: from the tray (why the window opened: `info`), or an outcome (`good`). */
export function showNotice(text, kind = '') {
  const b = banner();
  b.replaceChildren(text);
  b.className = `banner ${kind}`;
  b.setAttribute('role', kind === 'good' ? 'status' : 'alert');
  b.hidden = false;
}

export function clearError() {
  banner().hidden = true;
}

let redraw = () => {};

/** Sets what draws the current screen after a reload (main.js's screen switcher). */
export function onRefreshed(fn) {
  redraw = fn;
}

/** Reloads the status document and re-renders the current screen. */
export async function refresh() {
  try {
    // The status carries the verdict the tray shows: no second request for the glance.
    const [status, lastSync] = await Promise.all([call('status'), call('lastSync').catch(() => null)]);
    app.status = status;
    app.lastSync = lastSync;
    clearError();
  } catch (e) {
    showError(e);
  }
  redraw();
}
