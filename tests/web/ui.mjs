// Drives authtray's web UI in the system's Chromium for the Rust test in tests/web/main.rs.
// One phase per run (the Rust side checks the gateway store between phases); the session (which
// the page keeps in sessionStorage, outside Playwright's storage state) is carried between runs
// in a 0600 file next to STATE_FILE. Prints one JSON document.
//
//   AUTHTRAY_URL   base URL, or the one-time URL for the `login` phase
//   PHASE          login | invalid | paste | order | settings
//   STATE_FILE     where the session is kept between phases (and STATE_FILE.session)
//   ARTEFACTS      directory for screenshots
//   TOKEN          the token to paste (phase paste); SECRETS: comma-separated strings that must
//                  never reach the browser
import { chromium } from 'playwright-core';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = (k, d) => process.env[k] ?? d;
const phase = env('PHASE');
const url = env('AUTHTRAY_URL');
const stateFile = env('STATE_FILE');
const artefacts = env('ARTEFACTS', '.');
const secrets = env('SECRETS', '').split(',').filter(Boolean);
const result = { phase, errors: [], leaks: [] };
const SESSION_KEY = 'authtray-session';
const sessionFile = `${stateFile}.session`;

/** Another web server on 127.0.0.1 (any port): records what browsers send it. */
async function otherServer() {
  const seen = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>another server</title><p>another local server</p></html>');
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { seen, url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

const browser = await chromium.launch({
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
try {
  const context = await browser.newContext(phase !== 'login' && existsSync(stateFile) ? { storageState: stateFile } : {});
  if (!['login', 'tour'].includes(phase) && existsSync(sessionFile)) {
    // What this tab would still hold: the session, in the app's origin only.
    await context.addInitScript(([key, id, origin]) => {
      if (location.origin === origin && !sessionStorage.getItem(key)) sessionStorage.setItem(key, id);
    }, [SESSION_KEY, readFileSync(sessionFile, 'utf8'), new URL(url).origin]);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => result.errors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') result.errors.push(`console: ${m.text()}`); });
  // Nothing the server sends may contain a secret.
  page.on('response', async (r) => {
    try {
      const body = await r.text();
      for (const s of secrets) if (body.includes(s)) result.leaks.push(`${r.url()} contains a secret`);
    } catch { /* redirects have no body */ }
  });

  const axe = async (name) => {
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const r = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
    result.axe = result.axe || {};
    result.axe[name] = r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  };
  const shot = (name) => page.screenshot({ path: `${artefacts}/${name}.png`, fullPage: true });
  const go = async (screen) => {
    await page.goto(`${url}#${screen}`);
    await page.waitForSelector(`#screen-${screen}:not([hidden])`);
    await page.waitForFunction(() => document.querySelectorAll('#overview-agents .card, #order-list li, #paste-agent option').length > 0);
  };

  if (phase === 'login') {
    // The URL may be `serve --open`'s file, which moves the browser on to the one-time link.
    await page.goto(url);
    await page.waitForSelector('#overview-agents .card');
    result.finalUrl = page.url();
    result.signOutShown = await page.isVisible('#sign-out');
    result.headline = await page.textContent('#overview-headline');
    result.rows = await page.$$eval('#overview-agents tbody tr', (rows) => rows.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
    result.source = await page.textContent('#overview-source');
    await shot('overview-light');
    await axe('overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await context.storageState({ path: stateFile });
    const id = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
    writeFileSync(sessionFile, id || '', { mode: 0o600 });
    // The app opens a page of another server on this host: what does that server get?
    const other = await otherServer();
    const [popup] = await Promise.all([context.waitForEvent('page'), page.evaluate((u) => { window.open(u, '_blank'); }, other.url)]);
    await popup.waitForLoadState('load');
    await popup.close();
    other.close();
    const cookies = other.seen.flatMap((h) => (h.cookie || '').split(';').map((c) => c.trim().split('=')[0]).filter(Boolean));
    result.otherServer = {
      requests: other.seen.length,
      authtrayCookies: cookies.filter((n) => n.toLowerCase().startsWith('authtray')),
      sessionKept: !!id,
      sessionSent: !!id && other.seen.some((h) => JSON.stringify(h).includes(id)),
    };
  } else if (phase === 'invalid') {
    await go('paste');
    const messages = {};
    for (const [name, text] of Object.entries(JSON.parse(env('INVALID')))) {
      await page.fill('#paste-token', '');
      await page.waitForFunction(() => document.querySelector('#paste-check').textContent === '');
      await page.fill('#paste-token', text);
      await page.waitForFunction(() => document.querySelector('#paste-check').textContent.length > 0 && document.querySelector('#paste-token').getAttribute('aria-invalid') === 'true');
      messages[name] = await page.textContent('#paste-check');
      await page.click('#paste-save');
      await page.waitForTimeout(300);
    }
    result.messages = messages;
    result.saved = await page.textContent('#paste-result');
    await shot('paste-invalid');
    await axe('paste');
  } else if (phase === 'paste') {
    await go('paste');
    await page.fill('#paste-token', env('TOKEN'));
    await page.waitForSelector('#paste-check.good');
    result.check = await page.textContent('#paste-check');
    result.expiry = await page.inputValue('#paste-expiry');
    result.profilePlaceholder = await page.getAttribute('#paste-profile', 'placeholder');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#paste-result .result');
    result.confirmation = (await page.textContent('#paste-result')).replace(/\s+/g, ' ').trim();
    result.undo = await page.isVisible('#paste-undo');
    result.tokenField = await page.inputValue('#paste-token');
    result.pageText = await page.evaluate(() => document.body.innerText);
    for (const s of secrets) if (result.pageText.includes(s)) result.leaks.push('the page shows a secret');
    delete result.pageText;
    // After the save's redraw, no "Will replace" names the token just saved; a profile typed
    // again brings the note back.
    await page.waitForTimeout(1500);
    await shot('paste-saved');
    result.replaceAfterSave = await page.textContent('#paste-replace');
    await page.fill('#paste-profile', 'anthropic:manual');
    result.replaceRetyped = await page.textContent('#paste-replace');
  } else if (phase === 'order') {
    await go('order');
    await page.selectOption('#order-agent', env('AGENT', 'main'));
    await page.selectOption('#order-provider', 'anthropic');
    const ids = () => page.$$eval('#order-list li', (li) => li.map((l) => l.dataset.id));
    result.before = await ids();
    result.unused = await page.$$eval('#order-list li.unused', (li) => li.map((l) => l.dataset.id));
    // Keyboard only: focus the first row, move it down one place with Alt+↓.
    await page.focus('#order-list li:first-child');
    await page.keyboard.press('Alt+ArrowDown');
    result.focused = await page.evaluate(() => document.activeElement.dataset.id);
    result.after = await ids();
    await shot('order-moved');
    await axe('order');
    await page.click('#order-save');
    await page.waitForFunction(() => document.querySelector('#order-result').textContent.startsWith('Saved'));
    result.message = await page.textContent('#order-result');
    result.reloaded = await ids();
  } else if (phase === 'expiry') {
    // A token stored without its expiry: Set expiry…, a date, Save.
    await go('overview');
    const id = env('PROFILE');
    await page.click(`[data-set-expiry="${id}"]`);
    await page.waitForSelector('#expiry-date');
    result.focused = await page.evaluate(() => document.activeElement.id);
    result.proposed = await page.inputValue('#expiry-date');
    await page.fill('#expiry-date', env('DATE'));
    await shot('overview-set-expiry');
    await axe('overview-set-expiry');
    await page.click('#expiry-form button[type=submit]');
    await page.waitForFunction(() => /^Saved:/.test(document.querySelector('#banner')?.textContent || ''));
    result.notice = await page.textContent('#banner');
    result.formGone = (await page.$('#expiry-form')) === null;
    result.rows = await page.$$eval('#overview-agents tbody tr', (rows) => rows.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
  } else if (phase === 'settings') {
    await page.goto(`${url}#settings`);
    await page.waitForFunction(() => document.querySelectorAll('#set-leads input').length > 0);
    // Chosen from a list, not typed.
    result.leads = await page.$$eval('#set-leads input:checked', (boxes) => boxes.map((b) => b.labels[0].textContent));
    await page.selectOption('#set-source-lead', String(2 * 3_600_000));
    await page.check(`#set-lead-${14 * 86_400_000}`);
    await page.uncheck(`#set-lead-${3_600_000}`);
    // A redraw (another screen and back, as the periodic refresh does) keeps what is not saved.
    result.unsaved = await page.textContent('#settings-result');
    await page.evaluate(() => { location.hash = '#overview'; });
    await page.waitForSelector('#screen-overview:not([hidden])');
    await page.evaluate(() => { location.hash = '#settings'; });
    await page.waitForSelector('#screen-settings:not([hidden])');
    await page.waitForTimeout(500);
    result.keptLead = await page.$eval('#set-source-lead', (s) => s.value);
    await page.click('#settings-save');
    await page.waitForFunction(() => document.querySelector('#settings-result').textContent.startsWith('Saved'));
    result.message = await page.textContent('#settings-result');
    await shot('settings');
    await axe('settings');
  } else if (phase === 'tour') {
    // One situation: log in, act as its ACTIONS say, then every screen at 1280, 420 and 360 px
    // in light and dark — screenshots, horizontal overflow, axe.
    const situation = env('SITUATION');
    const actions = env('ACTIONS', '').split(',').filter(Boolean);
    const ready = async (screen) => {
      await page.waitForSelector(`#screen-${screen}:not([hidden])`);
      await page.waitForFunction(() => document.querySelector('#overview-headline').textContent.trim().length > 0
        && !document.querySelector('#overview-headline').textContent.startsWith('No status'));
    };
    const visit = async (screen) => {
      await page.evaluate((s) => { location.hash = s; }, screen);
      await ready(screen);
    };
    await page.goto(url);
    await ready('overview');
    await context.storageState({ path: stateFile });
    if (actions.includes('targets')) {
      // The targets are checked in the background: look again until none is still being checked.
      for (let i = 0; i < 60; i += 1) {
        const text = await page.textContent('#overview-targets');
        if (text && text.length && !text.includes('Checking')) break;
        await page.waitForTimeout(1000);
        await page.reload();
        await ready('overview');
      }
      result.targets = await page.$$eval('#overview-targets li', (li) => li.map((l) => l.innerText.replace(/\s+/g, ' ').trim()));
      // Settings shows them, read-only, and says where to change them.
      await visit('settings');
      await page.waitForSelector('#set-targets:not([hidden]) li');
      result.settingsTargets = (await page.innerText('#set-targets')).replace(/\s+/g, ' ').trim();
      result.settingsTargetControls = await page.$$eval('#set-targets input, #set-targets button, #set-targets select, #set-targets textarea', (n) => n.filter((x) => x.offsetParent !== null).length);
      result.settingsPrograms = await page.$$eval('#set-docker, #set-kubectl', (n) => n.map((x) => ({ disabled: x.disabled, placeholder: x.placeholder })));
      result.settingsProgramsHint = await page.textContent('#set-programs-hint');
      result.settingsCheckEvery = await page.$eval('#set-target-every', (s) => s.options[s.selectedIndex].text);
      await visit('overview');
    }
    result.headline = (await page.textContent('#overview-headline')).trim();
    result.problems = await page.$$eval('#overview-problems .problem', (li) => li.map((l) => l.innerText.replace(/\s+/g, ' ').trim()));
    result.fixButtons = await page.$$eval('#overview-problems .fix button', (b) => b.map((x) => x.textContent));
    result.setupShown = await page.isVisible('#setup-form');
    result.setupFold = await page.$eval('#setup-fold:not([open]) > summary', (n) => n.textContent).catch(() => null);
    result.fixLines = await page.$$eval('#overview-problems .fix', (p) => p.map((l) => l.innerText.replace(/\s+/g, ' ').trim()));
    result.headlineFix = await page.$eval('.headline-fix', (n) => n.innerText.replace(/\s+/g, ' ').trim()).catch(() => null);
    result.rows = await page.$$eval('#overview-agents tbody tr', (rows) => rows.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
    result.claude = (await page.textContent('#overview-source')).replace(/\s+/g, ' ').trim();
    result.syncCard = (await page.textContent('#overview-sync')).replace(/\s+/g, ' ').trim();
    result.routes = await page.$$eval('#overview-agents .routes li', (li) => li.map((l) => l.innerText.replace(/\s+/g, ' ').trim()));
    result.routeLinks = await page.$$eval('#overview-agents a', (a) => a.map((l) => l.href));
    if (actions.includes('setup')) {
      // The card as a new user first sees it, wide and narrow, light and dark.
      for (const width of [1280, 420]) {
        await page.setViewportSize({ width, height: 900 });
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          await shot(`${situation}-setup-card-${width}-${scheme}`);
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize({ width: 1280, height: 900 });
      await axe('setup-card');
      // Paste before any gateway is chosen: what a new user who goes there first sees.
      await visit('paste');
      for (const width of [1280, 420]) {
        await page.setViewportSize({ width, height: 900 });
        await shot(`${situation}-paste-before-setup-${width}-light`);
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      result.pasteBeforeSetup = (await page.innerText('#screen-paste')).replace(/\s+/g, ' ').trim();
      await visit('overview');
      // "My gateway runs on another host" leads to the hosts in Settings.
      await page.click('#setup-remote');
      await page.waitForSelector('#screen-settings:not([hidden]) #set-targets');
      await page.waitForTimeout(200);
      result.remoteLeadsTo = { hash: await page.evaluate(() => location.hash),
        inView: await page.evaluate(() => { const r = document.getElementById('set-targets').getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }) };
      await visit('overview');
      await page.fill('#setup-dir', env('SETUP_DIR'));
      await page.click('#setup-save');
      await page.waitForSelector('#overview-agents .card', { timeout: 30_000 });
      result.afterSetup = (await page.textContent('#overview-headline')).trim();
    }
    if (actions.includes('fix')) {
      // The first problem's button opens Paste with its profile chosen.
      await page.click('#overview-problems .fix button');
      await ready('paste');
      result.prefilled = { provider: await page.inputValue('#paste-provider'), profile: await page.inputValue('#paste-profile') };
      result.replaceNote = await page.textContent('#paste-replace');
      await shot(`${situation}-fix-opens-paste`);
      await visit('overview');
    }
    if (actions.includes('wrapped')) {
      await visit('paste');
      const checkOf = async (text) => {
        await page.fill('#paste-token', '');
        await page.waitForFunction(() => document.querySelector('#paste-check').textContent === '');
        await page.fill('#paste-token', text);
        await page.waitForFunction(() => document.querySelector('#paste-check').textContent.length > 0);
        return page.textContent('#paste-check');
      };
      result.wrapped = await checkOf(env('WRAPPED'));
      result.noToken = await checkOf('Copied from the terminal:\n\nsomething went wrong');
      result.twoTokens = await checkOf(env('TWO'));
      await page.fill('#paste-token', '');
      await visit('overview');
    }
    if (actions.includes('sync')) {
      await page.click('#sync-now');
      await page.waitForFunction(() => {
        const b = document.querySelector('#banner');
        const hosts = document.querySelector('#sync-hosts');
        return !b.hidden && b.textContent.length > 0 && (!hosts || hosts.textContent.startsWith('Other hosts:'));
      }, null, { timeout: 90_000 });
      result.syncBanner = await page.textContent('#banner');
      result.syncHosts = await page.$eval('#sync-hosts', (n) => n.textContent).catch(() => null);
    }
    if (actions.includes('targetorder')) {
      // A gateway on another host: its profiles, reordered and saved through its own CLI.
      await visit('order');
      await page.selectOption('#order-agent', `target:${env('TARGET')}`);
      await page.waitForSelector('#order-list li[data-id]');
      result.targetRows = await page.$$eval('#order-list li[data-id]', (li) => li.map((l) => l.dataset.id));
      await page.focus('#order-list li:first-child');
      await page.keyboard.press('Alt+ArrowDown');
      await page.click('#order-save');
      await page.waitForFunction(() => {
        const t = document.querySelector('#order-result').textContent;
        return t.startsWith('Saved') && !t.includes('Updating');
      }, null, { timeout: 90_000 });
      result.targetSaved = await page.textContent('#order-result');
      result.targetRowsAfter = await page.$$eval('#order-list li[data-id]', (li) => li.map((l) => l.dataset.id));
      for (const width of [1280, 420]) {
        await page.setViewportSize({ width, height: 900 });
        await shot(`${situation}-order-target-${width}-light`);
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      await visit('overview');
    }
    if (actions.includes('targetpaste')) {
      // A token for the gateway on another host, stored there through its own CLI.
      await visit('paste');
      await page.fill('#paste-token', env('TARGET_TOKEN'));
      await page.selectOption('#paste-agent', `target:${env('TARGET')}`);
      await page.fill('#paste-profile', 'anthropic:from-window');
      await page.click('#paste-save');
      await page.waitForSelector('#paste-result .result', { timeout: 90_000 });
      result.targetPasted = (await page.innerText('#paste-result')).replace(/\s+/g, ' ').trim();
      await page.setViewportSize({ width: 420, height: 900 });
      await shot(`${situation}-paste-target-420-light`);
      await page.setViewportSize({ width: 1280, height: 900 });
      await visit('overview');
    }
    if (actions.includes('order')) {
      await visit('order');
      await page.waitForSelector('#order-list li[data-id]');
      await page.focus('#order-list li:first-child');
      await page.keyboard.press('Alt+ArrowDown');
      result.unsaved = await page.textContent('#order-result');
      const dialogs = [];
      page.once('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
      await page.click('#nav-overview');
      await page.waitForTimeout(300);
      result.leaveDialog = dialogs[0] || null;
      result.stayedOn = await page.evaluate(() => location.hash);
      await page.click('#order-save');
      await page.waitForFunction(() => document.querySelector('#order-result').textContent.startsWith('Saved'));
      result.saved = await page.textContent('#order-result');
      await page.click('#nav-overview');
      await ready('overview');
    }
    result.overflow = {};
    for (const screen of ['overview', 'paste', 'order', 'settings']) {
      for (const width of [1280, 420, 360]) {
        await page.setViewportSize({ width, height: 900 });
        await visit(screen);
        await page.waitForTimeout(100);
        const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (over > 0) result.overflow[`${screen}@${width}`] = over;
        if (width !== 360) {
          for (const scheme of ['light', 'dark']) {
            await page.emulateMedia({ colorScheme: scheme });
            await shot(`${situation}-${screen}-${width}-${scheme}`);
          }
          await page.emulateMedia({ colorScheme: 'light' });
        }
        if (width === 1280) await axe(`${screen}`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  } else {
    throw new Error(`unknown phase ${phase}`);
  }
} catch (e) {
  result.errors.push(`test step failed: ${e.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
