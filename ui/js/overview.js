// Overview: every agent's profiles with live countdowns, Claude Code's login, the last sync.
import { badge, countdown, ago, el } from './format.js';

export function render(app) {
  const s = app.status;
  const headline = document.getElementById('overview-headline');
  const source = document.getElementById('overview-source');
  const sync = document.getElementById('overview-sync');
  const agents = document.getElementById('overview-agents');
  if (!s) {
    headline.textContent = 'No status yet.';
    source.replaceChildren();
    sync.replaceChildren();
    agents.replaceChildren();
    return;
  }
  // The same verdict as the tray's icon and headline (the engine's, not recomputed here).
  const g = app.glance;
  headline.replaceChildren(g ? badge({ healthy: 'ok', attention: 'expiring', broken: 'expired' }[g.overall], g.overall) : '', ' ', g ? g.headline : '');

  source.replaceChildren(claudeCard(s.claudeCode));
  sync.replaceChildren(syncCard(app.lastSync));
  agents.replaceChildren(...s.agents.map((a) => agentCard(a, s)));
}

function claudeCard(cc) {
  const where = cc.source === 'keychain' ? `macOS Keychain (${cc.service})` : cc.source === 'file' ? cc.path : 'not found';
  return el('section', { class: 'card', 'aria-labelledby': 'h-claude' },
    el('h2', { id: 'h-claude' }, 'Claude Code login'),
    el('p', {}, badge(cc.status), ' ', cc.expiresAt != null ? el('span', { dataset: { expires: cc.expiresAt } }, countdown(cc.expiresAt)) : ''),
    el('p', { class: 'meta' }, `Source: ${where}`,
      cc.subscriptionType ? ` · subscription: ${cc.subscriptionType}` : '',
      cc.modifiedAt != null ? ` · last changed ${ago(cc.modifiedAt)}` : '',
      cc.token ? ' · token ' : '', cc.token ? el('code', {}, cc.token) : ''),
    cc.problem ? el('p', {}, cc.problem) : '');
}

function syncCard(last) {
  const body = [];
  if (!last || (!last.report && !last.error)) {
    body.push(el('p', { class: 'meta' }, 'No sync has run from here yet. Use Sync now to mirror Claude Code\'s login into the gateway.'));
  } else if (last.error) {
    body.push(el('p', {}, badge('expired', 'failed'), ' ', last.error), el('p', { class: 'meta' }, `${ago(last.at)}`));
  } else {
    body.push(el('p', { class: 'meta' }, ago(last.at)));
    body.push(el('ul', {}, last.report.agents.map((a) => el('li', {},
      `${a.agent}: ${a.profileId} — ${a.action}`, a.error ? ` (failed: ${a.error})` : ` (${a.reason})`))));
  }
  return el('section', { class: 'card', 'aria-labelledby': 'h-sync' }, el('h2', { id: 'h-sync' }, 'Last sync'), ...body);
}

function agentCard(a, s) {
  const title = `Agent ${a.id}${a.default ? ' (default)' : ''}`;
  const id = `h-agent-${a.id.replace(/[^a-z0-9_-]/gi, '_')}`;
  const gp = s.gatewayProcess || {};
  const running = !gp.running ? ' · not running' : gp.reachable ? ' · running' : '';
  const parts = [el('h2', { id }, title), el('p', { class: 'meta' }, `Store: ${a.store} · gateway: ${s.generation}${s.gatewayVersion ? ' ' + s.gatewayVersion : ''}${running}`)];
  // A gateway that runs but cannot be told to reload serves what it had before each change.
  if (gp.running && !gp.reachable) {
    parts.push(el('p', { class: 'warning' }, 'The gateway is running, but authtray cannot ask it to reload, so it may still use an old credential. Restart the gateway after a change, or give authtray its token. ', gp.problem || ''));
  }
  if (a.error) {
    parts.push(el('p', {}, badge('unreadable', 'cannot read'), ' ', a.error));
  } else if (!a.profiles.length) {
    parts.push(el('p', { class: 'empty' }, a.storeExists ? 'No profiles in this store.' : 'No store yet: paste a token or sync to create it.'));
  } else {
    const rows = a.profiles.map((p) => el('tr', {},
      el('th', { scope: 'row' }, el('code', {}, p.id)),
      el('td', {}, p.type),
      el('td', {}, badge(p.status), p.used ? '' : [' ', badge('unused', 'not used by the gateway')]),
      el('td', {}, p.expiresAt != null ? el('span', { dataset: { expires: p.expiresAt } }, countdown(p.expiresAt)) : (p.reason || 'does not expire')),
      el('td', {}, p.token ? el('code', {}, p.token) : '—')));
    parts.push(el('table', {},
      el('caption', { class: 'meta', style: false }, `${a.profiles.length} profile${a.profiles.length > 1 ? 's' : ''}`),
      el('thead', {}, el('tr', {}, ['Profile', 'Type', 'Status', 'Expiry', 'Token'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));
  }
  return el('section', { class: 'card', 'aria-labelledby': id }, ...parts);
}
