// What the screens share: the state every screen reads, the message banner, and reloading.
// The screens and main.js import this module; it imports none of them.
import { call } from './transport.js';

/** What every screen may read. */
export const app = { status: null, info: null, lastSync: null, glance: null };

const banner = () => document.getElementById('banner');

/** Shows an engine error as a readable message (never a blank screen). */
export function showError(e) {
  const b = banner();
  b.replaceChildren();
  const [what, ...rest] = String(e && e.message ? e.message : e).split(/(?<=[.;:]) (?=[A-Z])/);
  b.append(what);
  if (rest.length) {
    const fix = document.createElement('div');
    fix.className = 'fix';
    fix.textContent = rest.join(' ');
    b.append(fix);
  }
  b.hidden = false;
}

/** Shows a notice from the tray (why the window opened), e.g. an unusable clipboard. */
export function showNotice(text) {
  const b = banner();
  b.replaceChildren(text);
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
    const [status, lastSync, glance] = await Promise.all([call('status'), call('lastSync').catch(() => null), call('glance').catch(() => null)]);
    app.status = status;
    app.lastSync = lastSync;
    app.glance = glance;
    clearError();
  } catch (e) {
    showError(e);
  }
  redraw();
}
