// Paste token: validation as you type (by the engine's own rules), save, redacted confirmation, Undo.
import { call } from './transport.js';
import { countdown, el, humanize } from './format.js';
import { app as shared, refresh, showError, clearError, waiting } from './shell.js';

let checkTimer = null;
let lastCheck = null;
let expiryTouched = false;
// Right after a save the form is empty and the note would name the token just saved as the one
// a paste replaces: it stays away until something is typed or chosen again.
let savedJustNow = false;

const $ = (id) => document.getElementById(id);

export function init() {
  const edited = (then) => () => { savedJustNow = false; then(); };
  $('paste-token').addEventListener('input', edited(scheduleCheck));
  $('paste-provider').addEventListener('change', edited(() => { updatePlaceholder(); scheduleCheck(); }));
  $('paste-expiry').addEventListener('change', () => { expiryTouched = true; });
  $('paste-profile').addEventListener('input', edited(showReplace));
  $('paste-agent').addEventListener('change', edited(showReplace));
  $('paste-form').addEventListener('submit', (e) => { e.preventDefault(); save(); });
}

/** A saved gateway on another host, as the Store in choice names it. */
const TARGET = 'target:';

/** The saved target chosen, when one is. */
function target() {
  const v = $('paste-agent').value;
  return v.startsWith(TARGET) ? v.slice(TARGET.length) : null;
}

export function render(app) {
  const select = $('paste-agent');
  const agents = app.status && !app.status.verdict?.setup ? app.status.agents : [];
  // A Kubernetes Secret takes its token in a terminal, where its gateway's restart can be followed.
  const targets = ((app.lastSync && app.lastSync.targets) || []).filter((t) => !String(t.url).startsWith('k8s-secret:'));
  const pre = app.prefill;
  app.prefill = null;
  const chosen = pre?.agent || select.value;
  select.replaceChildren(
    ...agents.map((a) => el('option', { value: a.id, selected: chosen ? a.id === chosen : a.default }, `Agent ${a.id}${a.default ? ' (default)' : ''}`)),
    ...targets.map((t) => el('option', { value: TARGET + t.name, selected: chosen === TARGET + t.name }, `${t.name} (another host)`)));
  select.disabled = agents.length + targets.length === 0;
  // With gateways on other hosts there is somewhere to store a token before any local set-up.
  $('paste-nogateway').hidden = !app.status?.verdict?.setup || targets.length > 0;
  // Opened from a problem's fix: that provider and profile, ready for the new token.
  if (pre) {
    savedJustNow = false;
    $('paste-provider').value = ['anthropic', 'openai', 'openrouter'].includes(pre.provider) ? pre.provider : '';
    $('paste-profile').value = pre.profileId || '';
    $('paste-token').focus();
  }
  updatePlaceholder();
  showReplace();
}

/** Says, before Save, which stored credential a paste would replace and how it stands. */
function showReplace() {
  const out = $('paste-replace');
  // On another host the gateway's own CLI decides; what it holds is on the Overview.
  const agent = target() ? null : shared.status?.agents.find((a) => a.id === $('paste-agent').value);
  const id = $('paste-profile').value.trim() || $('paste-profile').placeholder;
  const p = agent?.profiles.find((x) => x.id === id);
  if (!p || savedJustNow) {
    out.textContent = '';
    return;
  }
  const healthy = p.status === 'ok' || p.status === 'static' || p.status === 'expiring';
  const lasts = p.expiresAt == null
    ? (p.type === 'api_key' ? 'does not expire' : 'has no known expiry')
    : p.expiresAt > Date.now() ? `is ok for ${humanize(p.expiresAt - Date.now())}` : 'has expired';
  out.textContent = healthy ? `Will replace ${p.id} (${p.token || p.type}), which ${lasts}.` : `Will replace ${p.id}, which ${lasts === 'has expired' ? 'has expired' : 'has no usable secret'}.`;
  out.className = healthy ? 'check warning' : 'check';
}

function provider() {
  return $('paste-provider').value || (lastCheck && lastCheck.provider) || 'anthropic';
}

function updatePlaceholder() {
  $('paste-profile').placeholder = `${provider()}:manual`;
  showReplace();
}

function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(check, 150);
}

async function check() {
  const token = $('paste-token').value;
  const out = $('paste-check');
  if (!token.trim()) {
    out.textContent = '';
    out.className = 'check';
    $('paste-token').removeAttribute('aria-invalid');
    lastCheck = null;
    return null;
  }
  try {
    const verdict = await call('checkToken', { token, provider: $('paste-provider').value || null });
    if ($('paste-token').value !== token) return null; // typed on meanwhile
    lastCheck = verdict;
    if (verdict.valid) {
      out.textContent = `${verdict.extracted ? 'Found in the pasted text: ' : 'Looks like '}${verdict.looksLike} for ${verdict.provider}: ${verdict.redacted}`;
      out.className = 'check good';
      $('paste-token').setAttribute('aria-invalid', 'false');
      if (!expiryTouched) $('paste-expiry').value = verdict.suggestedExpiry || '';
    } else {
      out.textContent = verdict.message;
      out.className = 'check bad';
      $('paste-token').setAttribute('aria-invalid', 'true');
    }
    updatePlaceholder();
    return verdict;
  } catch (e) {
    showError(e);
    return null;
  }
}

async function save() {
  clearTimeout(checkTimer);
  // Nowhere to store it yet: the note above the form says what to do.
  if (!$('paste-nogateway').hidden) return;
  const verdict = await check();
  const result = $('paste-result');
  if (!verdict || !verdict.valid) {
    result.replaceChildren();
    $('paste-token').focus();
    if (!verdict) {
      $('paste-check').textContent = 'Paste a token first.';
      $('paste-check').className = 'check bad';
    }
    return;
  }
  const button = $('paste-save');
  button.disabled = true;
  button.textContent = 'Saving…';
  const stop = waiting($('paste-wait'), target());
  try {
    const common = {
      token: $('paste-token').value,
      provider: $('paste-provider').value || null,
      profileId: $('paste-profile').value.trim() || null,
      expiresIn: $('paste-expiry').value || null,
    };
    const where = target();
    const out = where
      ? await call('pasteToTarget', { ...common, target: where })
      : await call('paste', { ...common, agent: $('paste-agent').value || null });
    clearError();
    // A fresh form for the next token, still aimed where this one went.
    const storeIn = $('paste-agent').value;
    $('paste-form').reset();
    $('paste-agent').value = storeIn;
    expiryTouched = false;
    lastCheck = null;
    $('paste-check').textContent = '';
    $('paste-token').removeAttribute('aria-invalid');
    showSaved(out);
    savedJustNow = true;
    showReplace();
    await refresh();
  } catch (e) {
    result.replaceChildren(el('div', { class: 'result bad', role: 'alert' }, e.message));
  } finally {
    stop();
    button.disabled = false;
    button.textContent = 'Save token';
  }
}

function showSaved(out) {
  const lines = [
    out.target
      ? el('p', {}, 'Saved ', el('code', {}, out.token), ` to ${out.profileId} on ${out.target.name}.`)
      : el('p', {}, out.changed ? 'Saved ' : 'Already stored: ', el('code', {}, out.token), ` to ${out.profileId} (agent ${out.agent}).`),
    el('p', { class: 'meta' }, out.expiresAt != null ? countdown(out.expiresAt) + (out.expiryAssumed ? ' (setup-tokens last a year)' : '') : 'does not expire',
      out.previous ? ` · replaced ${out.previous.token || out.previous.type}` : ''),
  ];
  // The store is right either way; say when the running gateway did not take it up.
  if (out.reload && out.reload.state === 'failed') {
    const where = out.target ? ` on ${out.target.name}` : '';
    lines.push(el('p', { class: 'warning', id: 'paste-reload' },
      `authtray could not ask a running gateway${where} to reload: if one runs, it keeps the old credential until it restarts.`),
    el('details', { class: 'meta' }, el('summary', {}, 'Details'), el('p', {}, out.reload.detail || '')));
  } else if (out.reload && out.reload.state === 'done') {
    lines.push(el('p', { class: 'meta', id: 'paste-reload' }, 'The running gateway uses it from the next message on.'));
  }
  if (out.undoId) {
    const undo = el('button', { type: 'button', id: 'paste-undo' }, 'Undo');
    undo.addEventListener('click', () => doUndo(out.undoId, undo));
    lines.push(el('div', { class: 'actions' }, undo));
    setTimeout(() => { undo.disabled = true; undo.title = 'The undo window has passed'; }, Math.max(0, out.undoUntil - Date.now()));
  } else if (out.undoProblem) {
    lines.push(el('p', { class: 'meta' }, out.undoProblem));
  }
  $('paste-result').replaceChildren(el('div', { class: 'result', role: 'status' }, ...lines));
}

async function doUndo(id, button) {
  button.disabled = true;
  button.textContent = 'Undoing…';
  const stop = waiting($('paste-wait'));
  try {
    const r = await call('undo', { id });
    $('paste-result').replaceChildren(el('div', { class: 'result', role: 'status' },
      r.action === 'restored' ? ['Undone: ', el('code', {}, r.token || 'the previous credential'), ` is back in ${r.profileId}.`] : `Undone: ${r.profileId} was removed.`));
    await refresh();
  } catch (e) {
    button.disabled = false;
    button.textContent = 'Undo';
    showError(e);
  } finally {
    stop();
  }
}
