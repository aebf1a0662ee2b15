// Settings: notification lead times, what to mirror where, start at login (in the app). Under
// serve the gateways on other hosts are shown, not editable: they decide where Claude Code's
// login is sent, and the server refuses any change to them from a browser.
import { call } from './transport.js';
import { el } from './format.js';
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

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The lead times on offer; one saved another way (the CLI, the file) is shown too. */
const LEADS = [30 * DAY, 14 * DAY, 7 * DAY, 3 * DAY, DAY, 12 * HOUR, HOUR];
const SOURCE_LEADS = [0, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 6 * HOUR];

/** "30 days", "1 day", "12 hours", "45 minutes". */
function words(ms) {
  const [n, unit] = ms % DAY === 0 ? [ms / DAY, 'day'] : ms % HOUR === 0 ? [ms / HOUR, 'hour'] : [Math.round(ms / MIN), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function leadBoxes(chosen) {
  const all = [...new Set([...LEADS, ...chosen])].sort((a, b) => b - a);
  const legend = $('set-leads').querySelector('legend');
  const hint = $('set-leads-hint');
  $('set-leads').replaceChildren(legend, ...all.map((ms) => el('div', { class: 'check-row' },
    el('input', { type: 'checkbox', id: `set-lead-${ms}`, value: String(ms), checked: chosen.includes(ms) }),
    el('label', { for: `set-lead-${ms}` }, `${words(ms)} ahead`))), hint);
}

function sourceOptions(current) {
  const all = [...new Set([...SOURCE_LEADS, current])].sort((a, b) => a - b);
  $('set-source-lead').replaceChildren(...all.map((ms) => el('option', { value: String(ms), selected: ms === current },
    ms === 0 ? 'Only when it has expired' : `${words(ms)} ahead`)));
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
  leadBoxes(loaded.expiryLeadsMs);
  sourceOptions(loaded.sourceLeadMs);
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
      expiryLeadsMs: [...document.querySelectorAll('#set-leads input:checked')].map((i) => Number(i.value)).sort((a, b) => b - a),
      sourceLeadMs: Number($('set-source-lead').value),
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
    out.textContent = loaded.expiryLeadsMs.length
      ? `Saved. Pasted tokens warn ${loaded.expiryLeadsMs.map(words).join(', ')} ahead and at expiry.`
      : 'Saved. Pasted tokens warn only when they expire.';
  } catch (e) {
    out.textContent = '';
    showError(e);
  }
}
