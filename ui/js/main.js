// Screen switching, the shared state (status, info) and the error banner.
import { call } from './transport.js';
import { tickCountdowns } from './format.js';
import * as overview from './overview.js';
import * as paste from './paste.js';
import * as order from './order.js';
import * as settings from './settings.js';

const screens = { overview, paste, order, settings };

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

// The tray calls this on an already open window.
globalThis.authtrayShow = (screen, notice) => {
  if (notice) showNotice(notice);
  if (location.hash !== `#${screen}`) location.hash = screen;
};

export function clearError() {
  banner().hidden = true;
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
  render(false);
}

function current() {
  const name = location.hash.replace('#', '');
  return screens[name] ? name : 'overview';
}

function render(focus) {
  const name = current();
  for (const key of Object.keys(screens)) {
    document.getElementById(`screen-${key}`).hidden = key !== name;
    const link = document.getElementById(`nav-${key}`);
    if (key === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  try {
    screens[name].render(app);
  } catch (e) {
    showError(`authtray could not draw this screen: ${e.message}`);
  }
  if (focus) document.getElementById(`h-${name}`).focus();
}

async function syncNow() {
  const button = document.getElementById('sync-now');
  button.disabled = true;
  button.textContent = 'Syncing…';
  try {
    await call('sync', {});
    await refresh();
  } catch (e) {
    showError(e);
  } finally {
    button.disabled = false;
    button.textContent = 'Sync now';
  }
}

// A bug in a screen must show up as a message, never as a blank screen.
window.addEventListener('error', (e) => showError(`authtray's window hit an error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => showError(e.reason && e.reason.message ? e.reason.message : String(e.reason)));

async function start() {
  for (const s of Object.values(screens)) s.init?.(app);
  window.addEventListener('hashchange', () => render(true));
  document.getElementById('sync-now').addEventListener('click', syncNow);
  try {
    app.info = await call('info');
  } catch (e) {
    showError(e);
  }
  await refresh();
  const notice = new URLSearchParams(location.search).get('notice');
  if (notice) showNotice(notice);
  // Countdowns move every half minute; the status is re-read every minute.
  setInterval(() => tickCountdowns(), 30_000);
  setInterval(() => { if (!document.hidden) refresh(); }, 60_000);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}

start();
