// Screen switching and start-up; the shared state and the banner live in shell.js.
import { call } from './transport.js';
import { tickCountdowns } from './format.js';
import { app, showError, showNotice, refresh, onRefreshed } from './shell.js';
import * as overview from './overview.js';
import * as paste from './paste.js';
import * as order from './order.js';
import * as settings from './settings.js';

const screens = { overview, paste, order, settings };

// The tray calls this on an already open window.
globalThis.authtrayShow = (screen, notice) => {
  if (notice) showNotice(notice);
  if (location.hash !== `#${screen}`) location.hash = screen;
};

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
  onRefreshed(() => render(false));
  for (const s of Object.values(screens)) s.init?.(app);
  window.addEventListener('hashchange', () => render(true));
  document.getElementById('sync-now').addEventListener('click', syncNow);
  try {
    app.info = await call('info');
  } catch (e) {
    showError(e);
  }
  // Only a browser session can be ended; the app's window has none.
  const signOut = document.getElementById('sign-out');
  signOut.hidden = !(app.info && app.info.shell === 'serve');
  signOut.addEventListener('click', async () => {
    try {
      await call('logout');
    } catch (e) {
      showError(e);
      return;
    }
    document.getElementById('main').replaceChildren(Object.assign(document.createElement('p'), {
      className: 'headline',
      textContent: 'Signed out. To come back, restart authtray serve and open the link it prints.',
    }));
    for (const el of document.querySelectorAll('header nav, #sync-now, #sign-out')) el.hidden = true;
  });
  await refresh();
  const notice = new URLSearchParams(location.search).get('notice');
  if (notice) showNotice(notice);
  // Countdowns move every half minute; the status is re-read every minute.
  setInterval(() => tickCountdowns(), 30_000);
  setInterval(() => { if (!document.hidden) refresh(); }, 60_000);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}

start();
