// Settings: notification lead times, what to mirror where, start at login (in the app), and the
// gateways on other hosts. Those are added and removed only in the app's own window: they decide
// where Claude Code's login is sent, so under serve they are shown, not editable, and the server
// refuses any change to them from a browser.
import { call } from './transport.js';
import { el } from './format.js';
import { showError, clearError, refresh } from './shell.js';

const $ = (id) => document.getElementById(id);
let loaded = null;
// The form holds changes not saved yet: the window redraws every few seconds while hosts are
// checked, and a redraw must not put back what the user just changed.
let edited = false;

function markEdited(e) {
  // The host list and its Add fields save on their own.
  if (e.target.closest('#set-targets')) return;
  edited = true;
  const out = $('settings-result');
  out.textContent = 'Unsaved changes: Save to apply them.';
  out.className = 'unsaved';
}

export function init() {
  $('settings-form').addEventListener('submit', (e) => { e.preventDefault(); save(); });
  $('settings-form').addEventListener('input', markEdited);
  $('settings-form').addEventListener('change', markEdited);
  $('set-app-only').before(el('fieldset', { id: 'set-targets', 'aria-describedby': 'set-targets-hint' },
    el('legend', {}, 'Gateways on other hosts'),
    el('ul', { id: 'set-target-list', class: 'targets' }),
    el('div', { id: 'set-target-add', class: 'target-add', hidden: true },
      el('div', { class: 'field' }, el('label', { for: 'set-target-name' }, 'Name'),
        el('input', { id: 'set-target-name', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'vps' })),
      el('div', { class: 'field' }, el('label', { for: 'set-target-url' }, 'Where it runs'),
        el('input', { id: 'set-target-url', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'ssh://me@vps.example.com',
          'aria-describedby': 'set-target-url-hint' }),
        el('p', { id: 'set-target-url-hint', class: 'hint' },
          'ssh://user@host for a server, docker://container for a container, kubectl://namespace/pod for Kubernetes.')),
      el('div', { class: 'check-row' }, el('input', { type: 'checkbox', id: 'set-target-mirror' }),
        el('label', { for: 'set-target-mirror' }, 'Copy Claude Code\'s login there whenever it changes')),
      el('button', { type: 'button', id: 'set-target-add-button' }, 'Add host'),
      el('p', { id: 'set-target-result', class: 'meta', role: 'status' })),
    el('p', { id: 'set-targets-hint', class: 'hint' })),
  el('fieldset', { id: 'set-remote' },
    el('legend', {}, 'Reaching other hosts'),
    el('div', { class: 'field' }, el('label', { for: 'set-target-every' }, 'Check the hosts'),
      el('select', { id: 'set-target-every' })),
    el('div', { class: 'field' }, el('label', { for: 'set-docker' }, 'Program for docker:// hosts'),
      el('input', { id: 'set-docker', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'docker',
        'aria-describedby': 'set-programs-hint' })),
    el('div', { class: 'field' }, el('label', { for: 'set-kubectl' }, 'Program for kubectl:// hosts'),
      el('input', { id: 'set-kubectl', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'kubectl',
        'aria-describedby': 'set-programs-hint' })),
    el('p', { id: 'set-programs-hint', class: 'hint' })));
  $('set-target-add-button').addEventListener('click', addTarget);
  $('set-target-list').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-remove]');
    if (b) removeTarget(b);
  });
}

const inApp = (app) => !(app.info && app.info.shell === 'serve');

/** The saved targets with what their last check found; in the app, each can be removed. */
function showTargets(app, targets) {
  const editable = inApp(app);
  const seen = (app.lastSync && app.lastSync.targets) || [];
  const focused = document.activeElement?.closest?.('#set-target-list button[data-remove]')?.dataset.remove;
  $('set-target-add').hidden = !editable;
  $('set-targets-hint').textContent = editable
    ? 'authtray checks each host through its gateway\'s own program there; the Overview shows what it found.'
    : 'Hosts are added and removed in the authtray app\'s own window, on the computer where authtray runs, or in a terminal there (authtray target add).';
  // The programs run on this computer: like the hosts, only its own window changes them.
  for (const id of ['set-docker', 'set-kubectl']) $(id).disabled = !editable;
  $('set-programs-hint').textContent = editable
    ? 'One program name, like podman, or its full path. Leave empty for docker and kubectl.'
    : 'These programs run on the computer where authtray runs, so they are changed in the authtray app\'s own window there.';
  $('set-target-list').replaceChildren(...(targets.length
    ? targets.map((t) => {
      const s = seen.find((x) => x.name === t.name);
      const state = !s || s.reached == null ? 'Checking…' : s.reached ? s.headline : 'Cannot be reached: see the Overview.';
      return el('li', {}, el('strong', {}, t.name), ' — ', state, ' ',
        el('span', { class: 'meta' }, t.url, t.mirror ? ' · receives Claude Code\'s login' : ''),
        editable ? removeButton(t.name) : '');
    })
    : [el('li', { class: 'empty' }, 'None saved.')]));
  // A refresh while checks are pending redraws the list: keep the keyboard where it was.
  if (focused) document.querySelector(`#set-target-list button[data-remove="${CSS.escape(focused)}"]`)?.focus();
}

/** Hosts whose Remove was clicked once, until when the second click removes them. Kept here,
 * not on the button: the list is redrawn every few seconds while checks are pending. */
const armed = new Map();
const ARMED_MS = 5000;

function removeButton(name) {
  const on = (armed.get(name) || 0) > Date.now();
  return el('button', { type: 'button', class: 'small', dataset: { remove: name },
    'aria-label': on ? `Click again to remove ${name}` : `Remove ${name}` }, on ? `Click again to remove ${name}` : 'Remove');
}

/** Saves the targets as `next` and re-reads everything, so the Overview checks a new host. */
async function saveTargets(next, said) {
  const out = $('set-target-result');
  try {
    loaded = await call('saveSettings', { ...loaded, targets: next });
    clearError();
    out.textContent = said;
    await refresh();
  } catch (e) {
    out.textContent = '';
    showError(e);
  }
}

async function addTarget() {
  const name = $('set-target-name').value.trim();
  const url = $('set-target-url').value.trim();
  const out = $('set-target-result');
  if (!name || !url) {
    out.textContent = !name ? 'Give the host a name, like vps.' : 'Say where its gateway runs, like ssh://me@vps.example.com.';
    $(!name ? 'set-target-name' : 'set-target-url').focus();
    return;
  }
  if ((loaded.targets || []).some((t) => t.name === name)) {
    out.textContent = `A host named ${name} is saved already. Choose another name, or remove that one first.`;
    return;
  }
  const mirror = $('set-target-mirror').checked;
  await saveTargets([...(loaded.targets || []), { name, url, mirror }], `Added ${name}. authtray is checking it now.`);
  if (out.textContent.startsWith('Added')) {
    $('set-target-name').value = '';
    $('set-target-url').value = '';
    $('set-target-mirror').checked = false;
  }
}

/** Remove asks once more on the button itself: a second click within a few seconds removes. */
function removeTarget(button) {
  const name = button.dataset.remove;
  if ((armed.get(name) || 0) <= Date.now()) {
    armed.set(name, Date.now() + ARMED_MS);
    button.replaceWith(removeButton(name));
    $('set-target-list').querySelector(`button[data-remove="${CSS.escape(name)}"]`)?.focus();
    setTimeout(() => {
      if ((armed.get(name) || 0) > Date.now()) return;
      armed.delete(name);
      const b = $('set-target-list').querySelector(`button[data-remove="${CSS.escape(name)}"]`);
      if (b) {
        const had = document.activeElement === b;
        b.replaceWith(removeButton(name));
        if (had) $('set-target-list').querySelector(`button[data-remove="${CSS.escape(name)}"]`)?.focus();
      }
    }, ARMED_MS + 50);
    return;
  }
  armed.delete(name);
  saveTargets((loaded.targets || []).filter((t) => t.name !== name), `Removed ${name}.`);
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The lead times on offer; one saved another way (the CLI, the file) is shown too. */
const LEADS = [30 * DAY, 14 * DAY, 7 * DAY, 3 * DAY, DAY, 12 * HOUR, HOUR];
const SOURCE_LEADS = [0, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 6 * HOUR];
/** How often hosts are checked, in minutes. */
const CHECK_EVERY = [1, 5, 15, 30, 60];

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

function checkOptions(current) {
  const all = [...new Set([...CHECK_EVERY, current])].sort((a, b) => a - b);
  $('set-target-every').replaceChildren(...all.map((m) => el('option', { value: String(m), selected: m === current },
    `Every ${words(m * MIN).replace(/^1 /, '')}`)));
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
  if (!edited) fill(app);
  showTargets(app, loaded.targets || []);
}

/** Puts the saved settings into the form. */
function fill(app) {
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
  checkOptions(loaded.targetCheckMins);
  $('set-docker').value = loaded.dockerCommand || '';
  $('set-kubectl').value = loaded.kubectlCommand || '';
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
      targetCheckMins: Number($('set-target-every').value),
      dockerCommand: $('set-docker').value.trim() || null,
      kubectlCommand: $('set-kubectl').value.trim() || null,
    };
  } catch (e) {
    out.textContent = e.message;
    return;
  }
  try {
    loaded = await call('saveSettings', next);
    if (!$('set-app-only').hidden) await call('setAutostart', { enabled: $('set-autostart').checked });
    clearError();
    edited = false;
    out.className = '';
    out.textContent = loaded.expiryLeadsMs.length
      ? `Saved. Pasted tokens warn ${loaded.expiryLeadsMs.map(words).join(', ')} ahead and at expiry.`
      : 'Saved. Pasted tokens warn only when they expire.';
  } catch (e) {
    out.textContent = '';
    showError(e);
  }
}
