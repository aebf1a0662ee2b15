// Small formatting helpers shared by the screens. Display only: the engine decides statuses.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** `42 min`, `7 h 59 min`, `6 d 3 h`, `20 d`, `1 year` (as the CLI prints: core's `duration::humanize`). */
export function humanize(ms) {
  ms = Math.abs(ms);
  if (ms < MIN) return 'less than a minute';
  const d = Math.floor(ms / DAY);
  const h = Math.floor((ms % DAY) / HOUR);
  const m = Math.floor((ms % HOUR) / MIN);
  // Within a week of whole years it reads as years; from two weeks on, the hours are noise.
  const years = Math.floor((d + 7) / 365);
  if (years >= 1 && Math.abs(d - years * 365) <= 7) return years === 1 ? '1 year' : `${years} years`;
  if (d >= 14) return `${d} d`;
  if (d === 0 && h === 0) return `${m} min`;
  if (d === 0) return m === 0 ? `${h} h` : `${h} h ${m} min`;
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** `expires in 42 min` / `expired 3 min ago` / `does not expire`. */
export function countdown(expiresAt, now = Date.now()) {
  if (expiresAt == null) return 'does not expire';
  return expiresAt > now ? `expires in ${humanize(expiresAt - now)}` : `expired ${humanize(now - expiresAt)} ago`;
}

/** A moment in local time as people read it: `today 22:17`, `tomorrow 09:00`, `Mon 14:00`, `7 Dec 2027`. */
export function localTime(at, now = Date.now()) {
  const d = new Date(at);
  const n = new Date(now);
  const day = (x) => Date.UTC(x.getFullYear(), x.getMonth(), x.getDate()) / DAY;
  const days = day(d) - day(n);
  const clock = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  if (days === 0) return `today ${clock}`;
  if (days === 1) return `tomorrow ${clock}`;
  if (days === -1) return `yesterday ${clock}`;
  if (days > 1 && days < 7) return `${d.toLocaleDateString([], { weekday: 'short' })} ${clock}`;
  if (d.getFullYear() === n.getFullYear()) return `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${clock}`;
  return d.toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' });
}

/** `3 min ago`. */
export function ago(at, now = Date.now()) {
  return at == null ? 'unknown' : `${humanize(now - at)} ago`;
}

const SYMBOL = { ok: '✓', static: '∞', expiring: '!', expired: '✕', missing: '✕', malformed: '✕', unreadable: '✕', overridden: '–', unused: '–' };

/** A status badge: a symbol and a word, coloured. */
export function badge(status, text = status) {
  const span = el('span', { class: `badge ${status}` });
  span.append(el('span', { 'aria-hidden': 'true' }, SYMBOL[status] || '•'), text);
  return span;
}

/** Creates an element with attributes and children (strings become text, never HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

/** Refreshes every `[data-expires]` countdown on the page. */
export function tickCountdowns(root = document) {
  for (const node of root.querySelectorAll('[data-expires]')) {
    node.textContent = countdown(Number(node.dataset.expires));
  }
}
