// Order: reorder an agent's profiles for a provider by drag and drop or Alt+↑/↓, then Save
// (order set) or Reset to default (order clear). Rows the gateway would not use are marked.
import { call } from './transport.js';
import { badge, el, localTime } from './format.js';
import { refresh, showError, clearError, waiting } from './shell.js';

const $ = (id) => document.getElementById(id);
let dragged = null;
// The order as loaded, to tell unsaved changes from none.
let loaded = '';

function current() {
  return [...$('order-list').children].map((li) => li.dataset.id).filter(Boolean).join(',');
}

/** Whether the list differs from what is saved. */
export function dirty() {
  return loaded !== '' && current() !== loaded;
}

/** Asked before the screen is left: unsaved changes need a yes. */
export function canLeave() {
  return !dirty() || window.confirm('The new order is not saved. Leave without saving it?');
}

function markChanged(text) {
  const out = $('order-result');
  if (dirty()) {
    out.textContent = `${text ? text + ' ' : ''}Unsaved changes: Save to apply them.`;
    out.className = 'unsaved';
  } else {
    out.textContent = text || '';
    out.className = '';
  }
}

export function init() {
  $('order-agent').addEventListener('change', () => { fillProviders(); fillList(); });
  $('order-provider').addEventListener('change', fillList);
  window.addEventListener('beforeunload', (e) => { if (dirty()) e.preventDefault(); });
  $('order-save').addEventListener('click', save);
  $('order-reset').addEventListener('click', reset);
  const list = $('order-list');
  list.addEventListener('keydown', onKey);
  list.addEventListener('dragstart', (e) => { dragged = e.target.closest('li'); dragged?.classList.add('dragging'); });
  list.addEventListener('dragend', () => { dragged?.classList.remove('dragging'); dragged = null; renumber(); markChanged(); });
  list.addEventListener('dragover', (e) => {
    e.preventDefault();
    const over = e.target.closest('li');
    if (!dragged || !over || over === dragged) return;
    const r = over.getBoundingClientRect();
    over.parentNode.insertBefore(dragged, e.clientY < r.top + r.height / 2 ? over : over.nextSibling);
  });
}

let state = null;
// Gateways on other hosts that answered, each with its agent as it last reported it.
let targets = [];
const TARGET = 'target:';

export function render(app) {
  state = app.status;
  targets = ((app.lastSync && app.lastSync.targets) || []).filter((t) => t.reached && t.agent);
  // A reload must not throw away an order being arranged.
  if (dirty()) return;
  const agentSel = $('order-agent');
  const keep = agentSel.value;
  const agents = state ? state.agents.filter((a) => !a.error) : [];
  agentSel.replaceChildren(
    ...agents.map((a) => el('option', { value: a.id, selected: keep ? a.id === keep : a.default }, a.id)),
    ...targets.map((t) => el('option', { value: TARGET + t.name, selected: keep === TARGET + t.name }, `${t.name} (another host)`)));
  fillProviders();
  fillList();
}

/** The saved target chosen, when one is. */
function target() {
  const v = $('order-agent').value;
  return v.startsWith(TARGET) ? targets.find((t) => TARGET + t.name === v) : null;
}

function agent() {
  const t = target();
  return t ? t.agent : state?.agents.find((a) => a.id === $('order-agent').value);
}

function fillProviders() {
  const sel = $('order-provider');
  const keep = sel.value;
  const providers = [...new Set((agent()?.profiles || []).map((p) => p.provider))].sort();
  sel.replaceChildren(...providers.map((p) => el('option', { value: p, selected: p === keep }, p)));
}

function fillList() {
  const a = agent();
  const provider = $('order-provider').value;
  const list = $('order-list');
  const disabled = !a || !provider;
  $('order-save').disabled = disabled;
  $('order-reset').disabled = disabled;
  if (disabled) {
    list.replaceChildren(el('li', { class: 'empty' }, 'No profiles to order.'));
    $('order-kind').textContent = '';
    return;
  }
  const profiles = a.profiles.filter((p) => p.provider === provider);
  const effective = a.effectiveOrder[provider] || [];
  const rows = [
    ...effective.map((id) => profiles.find((p) => p.id === id)).filter(Boolean),
    ...profiles.filter((p) => !effective.includes(p.id)),
  ];
  const who = target() ? `The gateway on ${target().name}` : 'This agent';
  $('order-kind').textContent = a.order[provider] ? `${who} has its own order for this provider.` : 'No order of its own: the gateway\'s default order applies.';
  list.replaceChildren(...rows.map((p) => {
    const li = el('li', { tabindex: '0', draggable: 'true', dataset: { id: p.id }, class: p.used ? '' : 'unused',
      'aria-label': `${p.id}, ${p.status}${p.used ? '' : ', not used by the gateway'}${p.availability && p.availability.state !== 'ready' ? `, ${p.availability.state}` : ''}` },
      el('span', { class: 'pos', 'aria-hidden': 'true' }),
      el('span', { class: 'name' }, el('code', {}, p.id)),
      badge(p.status),
      p.used ? '' : badge('unused', 'not used by the gateway'),
      rest(p),
      el('button', { type: 'button', class: 'small', 'data-move': '-1', 'aria-label': `Move ${p.id} up` }, '↑'),
      el('button', { type: 'button', class: 'small', 'data-move': '1', 'aria-label': `Move ${p.id} down` }, '↓'));
    li.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-move]');
      if (b) move(li, Number(b.dataset.move), b);
    });
    return li;
  }));
  renumber();
  loaded = current();
  $('order-result').textContent = '';
  $('order-result').className = '';
}

/** "on cooldown until 10:02 (auth)" / "disabled until Fri 14:00 (billing)" when set aside. */
function rest(p) {
  const a = p.availability;
  if (!a || a.state === 'ready') return '';
  const why = a.reason ? ` (${a.reason})` : '';
  return badge('expiring', `${a.state === 'cooldown' ? 'on cooldown' : 'disabled'} until ${localTime(a.until)}${why}`);
}

function renumber() {
  [...$('order-list').children].forEach((li, i) => {
    const pos = li.querySelector('.pos');
    if (pos) pos.textContent = `${i + 1}.`;
  });
}

function move(li, by, focusAfter) {
  const list = li.parentNode;
  if (by < 0 && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
  else if (by > 0 && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
  renumber();
  (focusAfter || li).focus();
  markChanged(`${li.dataset.id} is now number ${[...list.children].indexOf(li) + 1}.`);
}

function onKey(e) {
  const li = e.target.closest('li');
  if (!li || e.target !== li) return;
  if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
    e.preventDefault();
    move(li, e.key === 'ArrowUp' ? -1 : 1);
  } else if (!e.altKey && e.key === 'ArrowUp') {
    e.preventDefault();
    li.previousElementSibling?.focus();
  } else if (!e.altKey && e.key === 'ArrowDown') {
    e.preventDefault();
    li.nextElementSibling?.focus();
  }
}

/** Whom the change is for: a local agent, or a saved target (its default agent). */
function whom() {
  const t = target();
  return t ? { target: t.name } : { agent: $('order-agent').value };
}

async function save() {
  // Only the profiles the gateway uses: Save changes their order, never which ones are used.
  const ids = [...$('order-list').children].filter((li) => !li.classList.contains('unused')).map((li) => li.dataset.id).filter(Boolean);
  await run('orderSet', { ...whom(), provider: $('order-provider').value, ids }, (r) => `Saved: the gateway now tries ${r.order.join(', ')} in that order.`);
}

async function reset() {
  await run('orderClear', { ...whom(), provider: $('order-provider').value }, () => 'Reset: the gateway\'s default order applies again.');
}

/** After a change on another host, its state is checked again in the background: look again
 * until it shows the order saved (or give up after half a minute). */
async function untilTargetShows(name, provider, order) {
  const want = JSON.stringify(order || null);
  for (let i = 0; i < 15; i += 1) {
    await new Promise((r) => { setTimeout(r, 2000); });
    await refresh();
    const t = targets.find((x) => x.name === name);
    if (t && JSON.stringify((t.agent.order || {})[provider] || null) === want) return;
  }
}

async function run(command, input, message) {
  const out = $('order-result');
  $('order-save').disabled = $('order-reset').disabled = true;
  out.textContent = 'Saving…';
  out.className = '';
  const stop = waiting($('order-wait'));
  try {
    const r = await call(command, input);
    clearError();
    loaded = '';
    if (input.target) {
      out.textContent = `${message(r)} Updating the view…`;
      await untilTargetShows(input.target, r.provider, r.order);
    } else {
      await refresh();
    }
    out.textContent = message(r);
  } catch (e) {
    out.textContent = '';
    showError(e);
  } finally {
    stop();
    $('order-save').disabled = $('order-reset').disabled = false;
  }
}
