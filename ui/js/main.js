// Screen switching and start-up; the shared state and the banner live in shell.js.
import { call } from './transport.js';
import { el, tickCountdowns } from './format.js';
import { app, showError, showNotice, refresh, onRefreshed } from './shell.js';
import * as overview from './overview.js';
import * as paste from './paste.js';
import * as order from './order.js';
import * as settings from './settings.js';

const screens = { overview, paste, order, settings };
let shown = null;

// The tray calls this on an already open window.
globalThis.authtrayShow = (screen, notice, prefill) => {
  if (notice) showNotice(notice, 'info');
  if (prefill) app.prefill = prefill;
  if (location.hash !== `#${screen}`) location.hash = screen;
  else render(false);
};

function current() {
  const name = location.hash.replace('#', '');
  return screens[name] ? name : 'overview';
}

function render(focus) {
  const name = current();
  // Leaving a screen with unsaved changes asks first; staying puts the address back.
  if (shown && shown !== name && screens[shown].canLeave && !screens[shown].canLeave()) {
    history.replaceState(null, '', `#${shown}`);
    return;
  }
  shown = name;
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
  // The sync's own message; every refresh below hides the banner, so it is drawn again.
  let show;
  const before = new Map(((app.lastSync && app.lastSync.targets) || []).map((t) => [t.name, t.triedAt]));
  try {
    const r = await call('sync', {});
    await refresh();
    const summary = syncSummary(r);
    show = () => showNotice(summary, summary.startsWith('Sync failed') ? '' : 'good');
  } catch (e) {
    const targets = (app.lastSync && app.lastSync.targets) || [];
    // No gateway here but some on other hosts (the laptop-plus-VPS set-up): the sync went to
    // them alone, which is no failure (as the tray says it).
    show = e.kind === 'no-gateway' && targets.length
      ? () => showNotice('There is no gateway on this computer, so the sync went to the gateways on other hosts only.', 'good')
      : () => showError(e);
  }
  show();
  try {
    // Sync also checks the gateways on other hosts again, even when the mirror could not be
    // written: say what each answered, under the sync's own message, once known.
    if (((app.lastSync && app.lastSync.targets) || []).length) {
      const hosts = (text) => {
        show();
        document.getElementById('banner').append(el('div', { class: 'meta', id: 'sync-hosts' }, text));
      };
      hosts('Checking the other hosts…');
      await refresh();
      // A host already tried keeps its old answer until the new try is back (answered or not).
      const fresh = () => ((app.lastSync && app.lastSync.targets) || [])
        .every((t) => t.reached != null && (!before.get(t.name) || t.triedAt !== before.get(t.name)));
      for (let waited = 0; !fresh() && waited < 60_000; waited += 2_000) {
        hosts('Checking the other hosts…');
        await new Promise((done) => setTimeout(done, 2_000));
        await refresh();
      }
      hosts(`Other hosts: ${targetLines().join(' · ')}.`);
    }
  } catch (e) {
    showError(e);
  } finally {
    button.disabled = false;
    button.textContent = 'Sync now';
  }
}

/** Each gateway on another host as its last check found it: "vps: All credentials healthy". */
function targetLines() {
  return ((app.lastSync && app.lastSync.targets) || []).map((t) => {
    if (t.reached == null) return `${t.name}: still checking`;
    return t.reached ? `${t.name}: ${t.headline}` : `${t.name} cannot be reached`;
  });
}

/** "Up to date · 2 agents" / "Updated main · up to date: work" / what failed. */
function syncSummary(r) {
  const failed = r.agents.filter((a) => a.error);
  // What each agent's write said is in the Last sync card; the banner says what to do.
  if (failed.length) return `Sync failed for agent ${failed.map((a) => a.agent).join(', ')}. The Last sync card below says why.`;
  const changed = r.agents.filter((a) => a.action === 'create' || a.action === 'update');
  const skipped = r.agents.filter((a) => a.action === 'skip');
  const n = r.agents.length;
  if (!changed.length && !skipped.length) return `Sync done: up to date · ${n} agent${n === 1 ? '' : 's'}`;
  const parts = [];
  if (changed.length) parts.push(`updated ${changed.map((a) => a.agent).join(', ')}`);
  if (skipped.length) parts.push(`skipped ${skipped.map((a) => `${a.agent} (${a.reason})`).join(', ')}`);
  return `Sync done: ${parts.join(' · ')}`;
}

// A bug in a screen must show up as a message, never as a blank screen.
window.addEventListener('error', (e) => showError(`authtray's window hit an error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => showError(e.reason && e.reason.message ? e.reason.message : String(e.reason)));

/** Whether something is still being found out (a host not checked yet): then look again soon. */
function pending() {
  const targets = (app.lastSync && app.lastSync.targets) || [];
  return targets.some((t) => t.reached == null);
}

/** Re-reads the status every 2 s while checks are pending, else every minute. */
function schedule() {
  setTimeout(async () => {
    // A failed redraw must not end the polling.
    try {
      if (!document.hidden) await refresh();
    } finally {
      schedule();
    }
  }, pending() ? 2_000 : 60_000);
}

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
  const query = new URLSearchParams(location.search);
  try {
    app.prefill = query.get('prefill') ? JSON.parse(query.get('prefill')) : null;
  } catch {
    app.prefill = null;
  }
  await refresh();
  const notice = query.get('notice');
  if (notice) showNotice(notice, 'info');
  // Countdowns move every half minute; the status is re-read every minute.
  setInterval(() => tickCountdowns(), 30_000);
  schedule();
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}

start();
