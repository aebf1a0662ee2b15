// Overview: the engine's verdict with each problem's fix, first-run setup, Claude Code's login,
// the last sync, and every agent's profiles in the order the gateway tries them.
import { call } from './transport.js';
import { badge, countdown, ago, el, localTime } from './format.js';
import { app as shared, refresh, showError, showNotice } from './shell.js';

const STATE_BADGE = {
  neutral: ['unknown', 'not set up'],
  healthy: ['ok', 'healthy'],
  attention: ['expiring', 'needs attention'],
  broken: ['expired', 'not working'],
};

/** Draws the Overview; `force` redraws the profiles even while a date is being picked. */
export function render(app, force = false) {
  const s = app.status;
  const headline = document.getElementById('overview-headline');
  const source = document.getElementById('overview-source');
  const sync = document.getElementById('overview-sync');
  const agents = document.getElementById('overview-agents');
  const problems = document.getElementById('overview-problems');
  const targets = document.getElementById('overview-targets');
  const saved = (app.lastSync && app.lastSync.targets) || [];
  targets.replaceChildren(...(saved.length ? [targetsCard(saved)] : []));
  if (!s) {
    headline.textContent = 'No status yet.';
    for (const n of [problems, source, sync, agents]) n.replaceChildren();
    return;
  }
  // The engine's one verdict, shown as it is (the tray's icon and headline are the same).
  const v = s.verdict;
  if (!v) {
    headline.textContent = 'No verdict yet.';
    return;
  }
  // A neutral verdict ("Not set up yet", "Checking …") says its state in its own words.
  const [cls, word] = STATE_BADGE[v.overall] || STATE_BADGE.neutral;
  headline.replaceChildren(...(v.overall === 'neutral' ? [] : [badge(cls, word), ' ']), v.headline);
  // No gateway here, but gateways on other hosts: they are the whole glance, and setting up
  // one here too is a folded offer, not the first thing on the page.
  const remoteOnly = Boolean(v.setup) && saved.length > 0;
  const mirrored = saved.some((t) => t.mirror);
  const fold = document.getElementById('setup-fold');
  if (remoteOnly && fold && fold.open && problems.contains(fold)) {
    // Opened by the user: the redraw keeps it open, with what is typed in it and the focus.
    for (const n of [...problems.children]) if (n !== fold) n.remove();
    problems.append(...problemList(v));
  } else {
    problems.replaceChildren(...(v.setup ? [setupCard(v, remoteOnly)] : []), ...problemList(v));
  }
  // Nothing to sync into before setup, unless a host receives Claude Code's login.
  const syncButton = document.getElementById('sync-now');
  syncButton.disabled = Boolean(v.setup) && !mirrored;
  syncButton.title = !syncButton.disabled ? ''
    : remoteOnly ? 'No host receives Claude Code\'s login, so there is nothing to sync.' : 'Set up authtray first: there is no gateway to sync into yet.';
  if (v.setup) {
    // Nothing relies on the login before set-up: a fact, not an alarm. Hosts that receive a
    // copy of it do rely on it.
    const card = remoteOnly && !mirrored
      ? claudeCard(s.claudeCode, false, false, false, 'The gateways on other hosts do not rely on it: none receives a copy of it.')
      : claudeCard(s.claudeCode, true, mirrored, !mirrored);
    source.replaceChildren(card);
    sync.replaceChildren();
    agents.replaceChildren();
    return;
  }
  // Claude Code's card says how to log in unless a problem above already does.
  const loginFixShown = v.problems.some((p) => p.remedy && p.remedy.action && p.remedy.action.kind === 'logInToClaude');
  // The gateway relies on Claude Code's login where it runs Claude Code, or where a mirror of
  // the login carries a route; a problem about the login says so too.
  const reliedOn = (v.routes || []).some((r) => r.kind === 'claude-cli')
    || v.rows.some((r) => r.inUse && /Claude Code's login/.test(r.note))
    || v.problems.some((p) => p.topic === 'login' || p.topic === 'mirror');
  source.replaceChildren(claudeCard(s.claudeCode, !loginFixShown, reliedOn), ...(s.env && s.env.length ? [envCard(s.env)] : []));
  sync.replaceChildren(syncCard(app.lastSync, v, s));
  // The token being given an expiry may have got one elsewhere, or be gone: the form goes too.
  if (expiryEdit && !s.agents.some((a) => a.id === expiryEdit.agent
    && (a.profiles || []).some((p) => p.id === expiryEdit.profileId && p.type === 'token' && p.expiresAt == null))) {
    expiryEdit = null;
  }
  // A redraw (every 2 s while hosts are checked) must not take the date picker from under the
  // user's hands; the next one after it leaves the form draws the cards.
  const editing = document.getElementById('expiry-form')?.contains(document.activeElement);
  if (force || !editing) agents.replaceChildren(...s.agents.map((a) => agentCard(a, s, v)));
}

// The token whose expiry is being set, and the date typed so far ({ agent, profileId, value }).
let expiryEdit = null;

/** `yyyy-mm-dd` of a local day. */
function isoDay(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A token stored without its expiry: a "Set expiry…" button, or the form it opens. */
function expiryControl(agent, p) {
  if (p.type !== 'token' || p.expiresAt != null) return '';
  const open = expiryEdit && expiryEdit.agent === agent && expiryEdit.profileId === p.id;
  if (!open) {
    const b = el('button', { type: 'button', class: 'small', 'data-set-expiry': p.id, 'aria-label': `Set expiry of ${p.id}…` }, 'Set expiry…');
    b.addEventListener('click', () => {
      const inAYear = new Date();
      inAYear.setFullYear(inAYear.getFullYear() + 1);
      expiryEdit = { agent, profileId: p.id, value: isoDay(inAYear) };
      rerender();
      document.getElementById('expiry-date')?.focus();
    });
    return [' ', b];
  }
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  // The engine refuses more than five years ahead: so does the picker.
  const latest = new Date();
  latest.setFullYear(latest.getFullYear() + 5);
  const date = el('input', { id: 'expiry-date', type: 'date', required: true, min: isoDay(tomorrow), max: isoDay(latest),
    value: expiryEdit.value, 'aria-describedby': 'expiry-hint' });
  date.addEventListener('input', () => { expiryEdit.value = date.value; });
  // Drawn again while saving (a poll), it stays disabled: no second submit.
  const save = el('button', { type: 'submit', class: 'small primary', disabled: Boolean(expiryEdit.saving) }, 'Save');
  const cancel = el('button', { type: 'button', class: 'small' }, 'Cancel');
  cancel.addEventListener('click', () => {
    expiryEdit = null;
    rerender();
    document.querySelector(`[data-set-expiry="${CSS.escape(p.id)}"]`)?.focus();
  });
  const form = el('form', { class: 'expiry-form', id: 'expiry-form', 'aria-label': `When ${p.id} runs out` },
    el('label', { for: 'expiry-date' }, 'Runs out on '), date, ' ', save, ' ', cancel,
    el('p', { class: 'hint', id: 'expiry-hint' }, 'Setup-tokens usually last one year from the day they were made. authtray warns ahead of that day.'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // Local midnight of the chosen day: the warning comes early rather than late.
    const [y, m, d] = date.value.split('-').map(Number);
    if (!y || !m || !d || expiryEdit.saving) {
      date.focus();
      return;
    }
    const editing = expiryEdit;
    editing.saving = true;
    save.disabled = true;
    try {
      const out = await call('setExpiry', { agent, profileId: p.id, expiresAt: new Date(y, m - 1, d).getTime() });
      expiryEdit = null;
      await refresh();
      // The row that now says when it runs out keeps the keyboard's place.
      document.querySelector(`#overview-agents tr[data-profile="${CSS.escape(p.id)}"]`)?.focus();
      showNotice(`Saved: ${out.profileId} runs out ${localTime(out.expiresAt)}.`, 'good');
    } catch (err) {
      editing.saving = false;
      // This button, or the one a redraw put in its place.
      for (const b of [save, document.querySelector('#expiry-form button[type=submit]')]) if (b) b.disabled = false;
      showError(err);
    }
  });
  return form;
}

/** Draws the Overview again from what it last showed (after opening or closing a form). */
function rerender() {
  render(shared, true);
}

/** What carries the gateway, then every problem with its fix. */
function problemList(v) {
  const out = [];
  if (v.detail && !v.setup) out.push(el('p', { class: 'meta', id: 'overview-detail' }, v.detail));
  let shown = v.problems.filter((p) => !(v.setup && p.remedy && p.remedy.action && p.remedy.action.kind === 'chooseGateway'));
  // The headline is the first problem: its fix goes right under it, not the text again.
  if (shown.length && shown[0].text === v.headline) {
    if (shown[0].remedy) out.unshift(el('div', { class: 'headline-fix' }, remedy(shown[0].remedy)));
    shown = shown.slice(1);
  }
  if (!shown.length) return out;
  out.push(el('ul', { class: 'problems', 'aria-label': 'What needs doing' }, shown.map((p) => el('li', { class: `problem ${p.severity}` },
    el('p', {}, ...(p.severity === 'neutral' ? [] : [badge(STATE_BADGE[p.severity][0], p.severity === 'broken' ? 'not working' : 'attention'), ' ']), p.text),
    p.remedy ? remedy(p.remedy) : '',
    // What a program said (an ssh error …): there if wanted, never the headline.
    details(p.details)))));
  return out;
}

/** A problem's fix: its words, and a button when the window can do it; then a lesser fix
 * after it ("Or: …"), whose words say what it risks. */
export function remedy(r, lead = 'Fix: ') {
  const a = r.action;
  let button = '';
  if (a && a.kind === 'paste') {
    button = el('button', { type: 'button', class: 'small' }, r.label || 'Paste token…');
    button.addEventListener('click', () => openPaste(a));
  } else if (a && a.kind === 'clearCooldown') {
    button = el('button', { type: 'button', class: 'small' }, r.label || 'Clear cooldown');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const out = await call('cooldownClear', { agent: a.agent, provider: a.provider, profileId: a.profileId || null });
        await refresh();
        showNotice(out.cleared.length ? `Back in service: ${out.cleared.join(', ')}` : 'Nothing was set aside any more.', 'good');
      } catch (e) {
        button.disabled = false;
        showError(e);
      }
    });
  } else if (a && a.kind === 'syncNow') {
    // The tray's name for the same action ("Try again" for a host that did not answer).
    button = el('button', { type: 'button', class: 'small' }, r.label || 'Sync now');
    button.addEventListener('click', () => document.getElementById('sync-now').click());
  }
  const line = el('p', { class: 'fix' }, el('span', {}, lead), codeSpans(r.text), button ? [' ', button] : '');
  return r.also ? el('div', { class: 'fixes' }, line, remedy(r.also, 'Or: ')) : line;
}

/** Opens Paste with the provider, profile and agent chosen. */
export function openPaste(a) {
  shared.prefill = { agent: a.agent, provider: a.provider, profileId: a.profileId || '' };
  location.hash = 'paste';
}

/** `text with `code` in it` → text nodes and <code>. */
function codeSpans(text) {
  return text.split(/(`[^`]+`)/).map((part) => (part.startsWith('`') && part.endsWith('`') ? el('code', {}, part.slice(1, -1)) : part));
}

/** First run: where authtray looked, and the folder (and version) to use instead. `folded`:
 * the gateways on other hosts carry the glance, so it is an offer under a summary line. */
function setupCard(v, folded = false) {
  const st = v.setup;
  const dir = el('input', { id: 'setup-dir', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: '~/.openclaw', value: st.found ? st.stateDir : '' });
  const gen = el('select', { id: 'setup-generation' },
    el('option', { value: '' }, 'Tell from the folder'),
    el('option', { value: 'openclaw-sqlite' }, 'openclaw 2026.6 or later'),
    el('option', { value: 'openclaw-json' }, 'openclaw up to 2026.5'),
    el('option', { value: 'clawdbot' }, 'clawdbot or moltbot'));
  const result = el('p', { id: 'setup-result', 'aria-live': 'polite' });
  const save = el('button', { type: 'submit', class: 'primary', id: 'setup-save' }, 'Use this gateway');
  const form = el('form', { id: 'setup-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: 'setup-dir' }, 'The gateway\'s folder'), dir,
      el('p', { class: 'hint' }, 'Where the gateway keeps its state: usually ~/.openclaw (older installs: ~/.clawdbot, ~/.moltbot; renamed ones: ~/.clawdia, ~/.bot).')),
    el('div', { class: 'field', hidden: !st.found }, el('label', { for: 'setup-generation' }, 'Gateway version'), gen),
    el('div', { class: 'actions' }, save), result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    result.textContent = 'Saving…';
    try {
      const current = await call('settings');
      await call('saveSettings', { ...current, gatewayDir: dir.value.trim() || null, generation: gen.value || null });
      result.textContent = 'Saved. Looking for the gateway there…';
      await refresh();
    } catch (err) {
      result.textContent = '';
      showError(err);
    } finally {
      save.disabled = false;
    }
  });
  const remote = el('button', { type: 'button', id: 'setup-remote' }, 'My gateway runs on another host');
  remote.addEventListener('click', () => {
    location.hash = 'settings';
    // After the Settings screen is drawn: its hosts section, and the name field in the app.
    setTimeout(() => {
      document.getElementById('set-targets')?.scrollIntoView();
      const name = document.getElementById('set-target-name');
      if (name && !document.getElementById('set-target-add').hidden) name.focus();
    }, 50);
  });
  if (folded) {
    return el('details', { class: 'card setup', id: 'setup-fold' },
      el('summary', {}, 'No gateway on this computer: authtray watches the gateways on other hosts. One here too?'),
      el('p', {}, st.lookedFor),
      form);
  }
  return el('section', { class: 'card setup', 'aria-labelledby': 'h-setup' },
    el('h2', { id: 'h-setup' }, 'Set up authtray'),
    el('p', {}, st.lookedFor),
    el('p', {}, 'Install and run the gateway once, or tell authtray where it keeps its state.'),
    form,
    el('p', { class: 'hint' }, 'Gateway on a server, in a container or in Kubernetes? authtray can watch it from here.'),
    el('div', { class: 'actions' }, remote));
}

function claudeCard(cc, withFix = true, reliedOn = true, setup = false, unused = 'The gateway does not rely on it now: it has a credential of its own.') {
  const where = cc.source === 'keychain' ? `macOS Keychain (${cc.service})` : cc.source === 'file' ? cc.path : 'not found';
  const state = {
    ok: 'logged in', expiring: 'expires soon', expired: 'expired', missing: 'not logged in',
    malformed: 'cannot be read', unreadable: 'cannot be read', overridden: 'uses another credential',
  }[cc.status] || cc.status;
  const when = cc.expiresAt != null ? el('span', { dataset: { expires: cc.expiresAt } }, countdown(cc.expiresAt)) : '';
  const parts = [
    el('h2', { id: 'h-claude' }, 'Claude Code login'),
    // Red only when the gateway relies on it: a setup-token carrying the gateway makes a
    // missing login a fact, not a failure, under a green headline. A working login is good
    // news either way ("– logged in" read like a fault).
    el('p', {}, badge(reliedOn || cc.status === 'ok' ? cc.status : 'unused', state), ' ', when, cc.expiresAt != null ? ` (${localTime(cc.expiresAt)})` : ''),
  ];
  if (!reliedOn && !setup && (cc.status === 'missing' || cc.status === 'expired')) {
    parts.push(el('p', { class: 'meta' }, unused));
  } else if (withFix && (cc.status === 'missing' || cc.status === 'expired')) {
    parts.push(el('p', { class: 'fix' }, 'Fix: Run ', el('code', {}, 'claude'), cc.status === 'expired'
      ? ' in a terminal and log in again; authtray mirrors the new login by itself.'
      : ' in a terminal and log in; authtray then mirrors the login into the gateway.'));
  }
  if (cc.problem && cc.status !== 'missing') parts.push(el('p', {}, cc.problem));
  parts.push(el('p', { class: 'meta' }, `Source: ${where}`,
    cc.subscriptionType ? ` · subscription: ${cc.subscriptionType}` : '',
    cc.email ? ` · ${cc.email}` : '',
    cc.modifiedAt != null ? ` · last changed ${ago(cc.modifiedAt)}` : '',
    cc.token ? ' · token ' : '', cc.token ? el('code', {}, cc.token) : ''));
  return el('section', { class: 'card', 'aria-labelledby': 'h-claude' }, ...parts);
}

/** Model keys the gateway takes from its environment or its .env (redacted). */
function envCard(env) {
  return el('section', { class: 'card', 'aria-labelledby': 'h-env' },
    el('h2', { id: 'h-env' }, 'Keys from the environment'),
    el('ul', {}, env.map((e) => el('li', {}, el('code', {}, e.name), ` for ${e.provider}, from ${e.source === '.env' ? 'the gateway\'s .env file' : 'the environment'}: `, el('code', { class: 'token' }, e.redacted)))));
}

/** The engine's own text, folded away under "Details" (nothing when there is none). */
function details(text) {
  return text ? el('details', { class: 'meta' }, el('summary', {}, 'Details'), el('p', {}, text)) : '';
}

function syncCard(last, v, s) {
  const body = [];
  // Where the gateway runs Claude Code for every Anthropic model, no mirror is made.
  const anthropic = (v.routes || []).filter((r) => r.provider === 'anthropic');
  const runsClaude = anthropic.length > 0 && anthropic.every((r) => r.kind === 'claude-cli');
  const loggedIn = ['ok', 'expiring'].includes(s.claudeCode.status);
  // A copy of the login the gateway already holds (made by an earlier run, the app, a service).
  const mirror = v.rows.find((r) => r.used && /Claude Code's login/.test(r.note));
  const neverRan = !last || (!last.report && !last.error);
  if (runsClaude && neverRan) {
    body.push(el('p', { class: 'meta' }, 'Not needed: the gateway runs Claude Code itself, which uses its own login.'));
  } else if (neverRan && !loggedIn) {
    body.push(el('p', { class: 'meta' }, 'Nothing to copy: Claude Code is not logged in on this computer.'));
  } else if (neverRan && mirror) {
    body.push(el('p', { class: 'meta' }, 'The gateway holds a copy of Claude Code\'s login as ', el('code', {}, mirror.profileId), '.'));
  } else if (neverRan) {
    body.push(el('p', { class: 'meta' }, 'No sync has run from here yet. Use Sync now to copy Claude Code\'s login into the gateway.'));
  } else if (last.error) {
    // Plain words; the engine's text (paths, what a program said) behind Details.
    body.push(el('p', {}, badge('expired', 'failed'), ' ', last.error.summary), el('p', { class: 'meta' }, `${ago(last.at)}`),
      details(last.error.details));
  } else {
    body.push(el('p', { class: 'meta' }, `Last synced ${ago(last.at)} (${localTime(last.at)})`));
    const words = { create: 'Created', update: 'Updated', unchanged: 'Up to date', skip: 'Skipped' };
    body.push(el('ul', {}, last.report.agents.map((a) => el('li', {},
      `${a.agent}: ${a.profileId} — ${words[a.action] || a.action}`, a.error ? `: failed. ${a.problem || a.error}` : `: ${a.reason}`,
      a.error && a.problem ? details(a.error) : ''))));
  }
  // Whether the copy follows Claude Code's next login, where there is one to follow.
  if (!runsClaude && loggedIn && (mirror || (last && last.report))) {
    body.push(el('p', { class: 'meta', id: 'sync-keeper' }, s.mirrorKeeper
      ? `Kept current by ${s.mirrorKeeper}: each new Claude Code login is copied within seconds.`
      : 'Nothing running here copies Claude Code\'s next login: start the authtray app, or install its service (authtray service install).'));
  }
  return el('section', { class: 'card', 'aria-labelledby': 'h-sync' }, el('h2', { id: 'h-sync' }, 'Last sync'), ...body);
}

/** Gateways on other hosts: each one's state, what it needs, when it was last checked. */
function targetsCard(targets) {
  const items = targets.map((t) => {
    let state;
    let text;
    if (t.reached === null || t.reached === undefined) {
      state = ['unknown', 'checking'];
      text = 'Checking…';
    } else if (!t.reached) {
      state = STATE_BADGE.attention;
      text = `Cannot be reached since ${localTime(t.unreachableSince)}.`;
    } else {
      state = STATE_BADGE[t.overall] || STATE_BADGE.neutral;
      text = t.headline;
    }
    const facts = [];
    if (t.checkedAt) facts.push(`checked ${ago(t.checkedAt)}`);
    if (t.mirror) facts.push(t.mirroredAt ? `Claude Code's login copied there ${ago(t.mirroredAt)}` : 'receives Claude Code\'s login');
    if (t.reload && t.reload.state === 'failed') facts.push('its running gateway did not reload');
    return el('li', { class: `target ${t.reached === false ? 'attention' : t.overall}` },
      el('p', {}, badge(state[0], state[1]), ' ', el('strong', {}, t.name), ' — ', text),
      t.reached === false ? el('p', { class: 'meta' }, t.headline) : '',
      t.fix && t.overall !== 'healthy' ? el('p', { class: 'fix' }, el('span', {}, 'Fix: '), t.fix) : '',
      el('p', { class: 'meta' }, [t.url, ...facts].join(' · ')));
  });
  return el('section', { class: 'card', 'aria-labelledby': 'h-targets', id: 'targets-card' },
    el('h2', { id: 'h-targets' }, 'Gateways on other hosts'),
    el('ul', { class: 'targets' }, items));
}

function agentCard(a, s, v) {
  const title = `Agent ${a.id}${a.default ? ' (default)' : ''}`;
  const id = `h-agent-${a.id.replace(/[^a-z0-9_-]/gi, '_')}`;
  const gp = s.gatewayProcess || {};
  const running = !gp.running ? ' · not running' : gp.reachable ? ' · running' : ' · running, cannot be asked to reload';
  const parts = [el('h2', { id }, title), el('p', { class: 'meta' }, `Store: ${a.store} · gateway: ${s.generation}${s.gatewayVersion ? ' ' + s.gatewayVersion : ''}${running}`)];
  if (a.error) {
    parts.push(el('p', {}, badge('unreadable', 'cannot read'), ' ', a.error));
  } else if (!a.profiles.length && (v.routes || []).some((r) => r.agent === a.id && r.kind === 'claude-cli' && r.works)) {
    parts.push(el('p', { class: 'empty' }, 'No profiles stored, and none needed: Claude Code\'s own login carries this agent\'s Anthropic models.'));
  } else if (!a.profiles.length) {
    parts.push(el('p', { class: 'empty' }, a.storeExists ? 'No profiles in this store.' : 'No store yet: paste a token or sync to create it.'));
  } else {
    // The verdict's rows: the order the gateway tries them, each with its state and why.
    const rows = v.rows.filter((r) => r.agent === a.id).map((r) => {
      const p = a.profiles.find((x) => x.id === r.profileId);
      const [cls] = r.used ? STATE_BADGE[r.state] : ['unused'];
      const word = !r.used ? 'not used' : { healthy: 'ok', attention: 'attention', broken: 'not working' }[r.state];
      return el('tr', { class: r.inUse ? 'in-use' : '', tabindex: '-1', dataset: { profile: p.id } },
        el('th', { scope: 'row', 'data-label': 'Profile' }, el('code', {}, p.id)),
        el('td', { 'data-label': 'State' }, badge(cls, word)),
        el('td', { 'data-label': 'Why' }, ...codeSpans(r.note), el('span', { class: 'meta' }, ` · ${p.type}`), expiryControl(a.id, p)),
        el('td', { 'data-label': 'Token' }, p.token ? el('code', { class: 'token' }, p.token) : '—'));
    });
    parts.push(el('table', { class: 'profiles' },
      el('caption', { class: 'meta' }, `${a.profiles.length} profile${a.profiles.length > 1 ? 's' : ''}, in the order the gateway tries them`),
      el('thead', {}, el('tr', {}, ['Profile', 'State', 'Why', 'Token'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));
  }
  parts.push(...routeList(a, v));
  return el('section', { class: 'card', 'aria-labelledby': id }, ...parts);
}

/** What carries each model route of the agent, in plain words, and whose account it is. */
function routeList(a, v) {
  const lines = (v.routes || []).filter((r) => r.agent === a.id);
  if (!lines.length) return [];
  const items = lines.map((r) => el('li', {},
    el('code', {}, r.models.join(', ')), r.fallback ? ' (fallback)' : '', ': ', r.text,
    r.works ? '' : [' ', badge('broken', 'not working')]));
  const out = [el('h3', {}, 'What carries its models'), el('ul', { class: 'routes' }, items)];
  // One neutral line: what a subscription may be used for is the vendors' to say.
  if (lines.some((r) => r.kind === 'claude-cli')) {
    out.push(el('p', { class: 'meta' }, 'On using a subscription through other apps, see ',
      el('a', { href: 'https://code.claude.com/docs/en/legal-and-compliance', target: '_blank', rel: 'noopener' }, 'Anthropic'),
      ' and ', el('a', { href: 'https://docs.openclaw.ai/providers/anthropic', target: '_blank', rel: 'noopener' }, 'openclaw'), '.'));
  }
  return out;
}
