// Settings: notification lead times, what to mirror where, start at login (in the app). Under
// serve the gateways on other hosts are shown, not editable: they decide where Claude Code's
// login is sent, and the server refuses any change to them from a browser.
import { call } from './transport.js';
import { humanize, el } from './format.js';
import { showError, clearError } from './shell.js';

const $ = (id) => document.getElementById(id);
let loaded = null;

export function init() {
  $('settings-form').addEventListener('submit', (e) => { e.preventDefault(); save(); });
  $('set-app-only').before(el('fieldset', { id: 'set-targets', hidden: true, 'aria-describedby': 'set-targets-hint' },
    el('legend', {}, 'Gateways on other hosts'),
    el('ul', { id: 'set-target-list', class: 'targets' }),
    el('p', { id: 'set-targets-hint', class: 'hint' },
      'Add or change hosts in the authtray app\'s window or with ', el('code', {}, 'authtray target add'), '.')));
}

/** The saved targets as text: what they are, not a form (see the top of this file). */
function showTargets(app, targets) {
  $('set-targets').hidden = !(app.info && app.info.shell === 'serve');
  $('set-target-list').replaceChildren(...(targets.length
    ? targets.map((t) => el('li', {}, el('strong', {}, t.name), ' ',
      el('span', { class: 'meta' }, t.url, t.mirror ? ' · receives Claude Code\'s login' : '')))
    : [el('li', { class: 'empty' }, 'None saved.')]));
}

const UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function fmt(ms) {
  for (const [u, size] of [['d', UNITS.d], ['h', UNITS.h], ['m', UNITS.m]]) {
    if (ms % size === 0) return `${ms / size}${u}`;
  }
  return `${Math.round(ms / 60_000)}m`;
}

function parse(text, what) {
  const m = /^\s*(\d+)\s*(m|min|h|d|w)\s*$/i.exec(text);
  if (!m) throw new Error(`${what}: "${text.trim()}" is not a duration like 30m, 12h or 7d`);
  return Number(m[1]) * UNITS[m[2].toLowerCase()[0]];
}

export async function render(app) {
  $('set-app-only').hidden = !(app.info && app.info.autostart);
  try {
    loaded = await call('settings');
  } catch (e) {
    showError(e);
    return;
  }
  $('set-notifications').checked = loaded.notifications;
  $('set-leads').value = loaded.expiryLeadsMs.map(fmt).join(', ');
  $('set-source-lead').value = fmt(loaded.sourceLeadMs);
  $('set-mirror').checked = loaded.mirrorEnabled;
  $('set-profile').value = loaded.mirrorProfileId || '';
  const mode = loaded.mirrorAgents.mode;
  $(`set-agents-${mode}`).checked = true;
  const chosen = mode === 'list' ? loaded.mirrorAgents.agents : [];
  const agents = app.status ? app.status.agents.map((a) => a.id) : [];
  $('set-agent-list').replaceChildren(...agents.map((id) => el('div', { class: 'check-row' },
    el('input', { type: 'checkbox', id: `set-agent-${id}`, value: id, checked: chosen.includes(id) }),
    el('label', { for: `set-agent-${id}` }, id))));
  if (app.info && app.info.autostart) $('set-autostart').checked = !!app.info.autostartEnabled;
  showTargets(app, loaded.targets || []);
}

async function save() {
  const out = $('settings-result');
  let next;
  try {
    const mode = document.querySelector('input[name="agents"]:checked')?.value || 'default';
    const list = [...document.querySelectorAll('#set-agent-list input:checked')].map((i) => i.value);
    if (mode === 'list' && !list.length) throw new Error('Agents to mirror into: tick at least one agent, or choose another option');
    next = {
      ...loaded,
      notifications: $('set-notifications').checked,
      expiryLeadsMs: $('set-leads').value.split(',').filter((s) => s.trim()).map((s) => parse(s, 'Warn before a pasted token expires')),
      sourceLeadMs: parse($('set-source-lead').value, 'Warn before Claude Code\'s login expires'),
      mirrorEnabled: $('set-mirror').checked,
      mirrorProfileId: $('set-profile').value.trim() || null,
      mirrorAgents: mode === 'list' ? { mode, agents: list } : { mode },
    };
  } catch (e) {
    out.textContent = e.message;
    return;
  }
  try {
    loaded = await call('saveSettings', next);
    if (!$('set-app-only').hidden) await call('setAutostart', { enabled: $('set-autostart').checked });
    clearError();
    out.textContent = `Saved. Pasted tokens warn ${loaded.expiryLeadsMs.map(humanize).join(', ')} ahead and at expiry.`;
  } catch (e) {
    out.textContent = '';
    showError(e);
  }
}
