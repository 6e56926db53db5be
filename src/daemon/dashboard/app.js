// The greenloop dashboard: loops, their iterations and reports, live progress, and a start
// button. Plain DOM, no framework. Text from the daemon always goes in as text; the one
// exception is the report, which the daemon renders to HTML with raw HTML escaped.
'use strict';

const TOKEN_KEY = 'greenloop.token';
const PROGRESS_LINES = 50;
const BACKOFF_MIN = 1000;
const BACKOFF_MAX = 30000;

const state = {
  loops: [],
  selected: null,        // { name, at: { loop, iteration } | null } from the URL's hash
  progress: new Map(),   // loop name → { trigger_id, lines: [text] }
  cards: new Map(),      // loop name → its card's elements
  socket: null,
  backoff: BACKOFF_MIN,
  reconnect: null,
  refreshTimer: null,
  tokenPrompt: null,
  shownReport: null,
};

const $ = (id) => document.getElementById(id);

// ---- small helpers

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function percent(rate) {
  return rate === null || rate === undefined ? 'n/a' : `${(rate * 100).toFixed(1)}%`;
}

function passRate(totals) {
  const ran = totals.total - totals.skipped;
  return ran > 0 ? (totals.passed + totals.flaky) / ran : null;
}

function at(loop, iteration) {
  return `Loop ${loop} / Iteration ${iteration}`;
}

function when(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function seconds(from, to) {
  const s = (new Date(to) - new Date(from)) / 1000;
  if (!Number.isFinite(s) || s < 0) return '';
  return s < 90 ? `${s.toFixed(1)} s` : `${Math.round(s / 60)} min`;
}

function badge(verdict) {
  const word = verdict || 'running';
  return el('span', { class: `badge v-${word}` }, word);
}

function notify(message, kind) {
  $('notice').hidden = false;
  $('notice').className = `notice notice-${kind || 'info'}`;
  $('notice').classList.toggle('multiline', message.includes('\n'));
  $('notice').setAttribute('role', kind === 'error' ? 'alert' : 'status');
  $('notice-text').textContent = message;
}

// ---- the token

function token() {
  try { return localStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

function storeToken(value) {
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value); else localStorage.removeItem(TOKEN_KEY);
  } catch { /* private mode: the token lasts until the page closes */ }
  $('token-button').textContent = value ? 'Token ✓' : 'Token';
  connect();
}

// Asks for the token; resolves to it, or to null when the user cancels. Requests that fail
// together share one prompt.
function askToken(reason) {
  if (state.tokenPrompt) return state.tokenPrompt;
  const dialog = $('token-dialog');
  $('token-why').textContent = reason;
  $('token-input').value = '';
  state.tokenPrompt = new Promise((resolve) => {
    const finish = (value) => {
      $('token-form').onsubmit = null;
      $('token-cancel').onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      state.tokenPrompt = null;
      resolve(value);
    };
    $('token-form').onsubmit = (event) => {
      event.preventDefault();
      const value = $('token-input').value.trim();
      if (!value) return;
      storeToken(value);
      finish(value);
    };
    $('token-cancel').onclick = () => finish(null);
    dialog.onclose = () => finish(null);
  });
  dialog.showModal();
  $('token-input').focus();
  return state.tokenPrompt;
}

// ---- the API

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function errorText(response) {
  const text = await response.text();
  try { return JSON.parse(text).error || text; } catch { return text || response.statusText; }
}

// fetch with the token; on 401 asks for it and tries again until the user cancels.
async function api(path, options) {
  for (;;) {
    const given = token();
    const headers = new Headers((options && options.headers) || {});
    if (given) headers.set('Authorization', `Bearer ${given}`);
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch (error) {
      throw new ApiError(0, `the daemon did not answer (${error.message})`);
    }
    if (response.status === 401) {
      const message = await errorText(response);
      const why = given
        ? 'The daemon refused the saved token. Enter the right one.'
        : 'This daemon needs its token (the [server] token of its config).';
      if (await askToken(why)) continue;
      throw new ApiError(401, `no token given: ${message}`);
    }
    if (!response.ok) throw new ApiError(response.status, await errorText(response));
    return response;
  }
}

const loopPath = (name) => `/api/v1/loops/${encodeURIComponent(name)}`;

// ---- refreshing

function refreshSoon(delay) {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, delay || 0);
}

async function refresh() {
  clearTimeout(state.refreshTimer);
  try {
    const response = await api('/api/v1/loops');
    state.loops = await response.json();
    renderLoops();
    await renderSelection();
  } catch (error) {
    notify(`Could not load the loops: ${error.message}`, 'error');
  }
  // Events say when things change; polling while something runs catches what they cannot
  // (the moment the daemon lets go of a finished iteration, events lost while offline).
  if (state.loops.some((status) => status.running || status.queued)) refreshSoon(2000);
}

// ---- loops

function nowText(status) {
  if (status.config_error) return 'config error';
  if (status.running) {
    const r = status.running;
    return r.loop ? `running L${r.loop} I${r.iteration}` : 'starting';
  }
  if (status.queued) return 'queued';
  return 'idle';
}

function sparkline(rates) {
  const ns = 'http://www.w3.org/2000/svg';
  const width = 96;
  const height = 24;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  const label = rates.length
    ? `Pass rates of the last ${rates.length} iterations, oldest first: ${rates.map(percent).join(', ')}`
    : 'No pass rates yet';
  svg.setAttribute('aria-label', label);
  const title = document.createElementNS(ns, 'title');
  title.textContent = label;
  svg.append(title);
  const step = rates.length > 1 ? (width - 4) / (rates.length - 1) : 0;
  const point = (rate, i) => [2 + i * step, 2 + (1 - rate) * (height - 4)];
  let run = [];
  const flush = () => {
    if (run.length > 1) {
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('points', run.map((p) => p.join(',')).join(' '));
      svg.append(line);
    }
    run = [];
  };
  rates.forEach((rate, i) => {
    if (rate === null || rate === undefined) { flush(); return; }
    run.push(point(rate, i));
    if (i === rates.length - 1) {
      const [x, y] = point(rate, i);
      const dot = document.createElementNS(ns, 'circle');
      dot.setAttribute('cx', x);
      dot.setAttribute('cy', y);
      dot.setAttribute('r', 2);
      svg.append(dot);
    }
  });
  flush();
  return svg;
}

function card(name) {
  let parts = state.cards.get(name);
  if (parts) return parts;
  parts = {
    item: el('li', { class: 'loop', 'data-loop': name }),
    select: el('button', { type: 'button', class: 'loop-name', onclick: () => go(name) }, name),
    badge: el('span'),
    title: el('p', { class: 'loop-title' }),
    facts: el('dl', { class: 'facts' }),
    progress: el('p', { class: 'loop-progress muted' }),
    start: el('button', {
      type: 'button',
      class: 'start',
      'aria-label': `Start iteration of ${name}`,
    }, 'Start iteration'),
  };
  parts.start.addEventListener('click', () => start(name, parts.start));
  parts.item.append(
    el('div', { class: 'loop-head' }, parts.select, parts.badge),
    parts.title, parts.facts, parts.progress, parts.start,
  );
  state.cards.set(name, parts);
  return parts;
}

function fact(term, ...value) {
  return el('div', null, el('dt', null, term), el('dd', null, ...value));
}

function renderLoops() {
  const list = $('loops');
  const names = new Set(state.loops.map((status) => status.name));
  for (const [name, parts] of state.cards) {
    if (!names.has(name)) { parts.item.remove(); state.cards.delete(name); }
  }
  $('loops-empty').hidden = state.loops.length > 0;
  state.loops.forEach((status, index) => {
    const parts = card(status.name);
    const selected = state.selected && state.selected.name === status.name;
    parts.item.classList.toggle('selected', Boolean(selected));
    parts.select.setAttribute('aria-current', selected ? 'true' : 'false');
    const verdict = status.last ? badge(status.last.verdict) : el('span', { class: 'badge' }, 'no verdict');
    parts.badge.replaceWith(verdict);
    parts.badge = verdict;
    parts.title.textContent = status.config_error ? status.config_error : (status.title || '');
    parts.title.classList.toggle('error-text', Boolean(status.config_error));
    const last = status.last;
    parts.facts.replaceChildren(
      fact('Now', el('span', { class: `now now-${nowText(status).split(' ')[0]}` }, nowText(status))),
      fact('Open loop', status.open_loop ? `Loop ${status.open_loop}` : 'none'),
      fact('Last', last ? `${at(last.loop, last.iteration)}: ${last.verdict}` : 'never ran'),
      fact('Pass rate', last ? percent(last.pass_rate) : 'n/a', ' ', sparkline(status.recent_pass_rates || [])),
      ...(status.next_run ? [fact('Next run', when(status.next_run))] : []),
    );
    const progress = state.progress.get(status.name);
    parts.progress.textContent = status.running && progress ? progress.lines[progress.lines.length - 1] || '' : '';
    parts.progress.hidden = !parts.progress.textContent;
    parts.start.disabled = !status.defined;
    // Keep the API's order, moving a card only when it is out of place (a moved node loses focus).
    if (list.children[index] !== parts.item) list.insertBefore(parts.item, list.children[index] || null);
  });
}

async function start(name, button) {
  button.disabled = true;
  try {
    // JSON, not an empty POST: a daemon without a token takes only JSON mutations, which a
    // form on another site cannot send.
    const response = await api(`${loopPath(name)}/iterations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    const accepted = await response.json();
    const what = at(accepted.loop, accepted.iteration);
    notify(accepted.state === 'queued'
      ? `${name}: queued; it expects to run ${what}${accepted.coalesced ? ' (joined a waiting trigger)' : ''}.`
      : `${name}: started ${what}.`, 'info');
    go(name);
  } catch (error) {
    notify(`${name}: ${error.message}`, 'error');
  } finally {
    button.disabled = false;
    refreshSoon();
  }
}

// ---- the selected loop, its iterations and a report

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (!parts.length) return null;
  const [name, loop, iteration] = parts;
  const numbers = Number(loop) > 0 && Number(iteration) > 0
    ? { loop: Number(loop), iteration: Number(iteration) } : null;
  return { name, at: numbers };
}

function go(name, loop, iteration) {
  const hash = loop ? `#/${encodeURIComponent(name)}/${loop}/${iteration}` : `#/${encodeURIComponent(name)}`;
  if (location.hash === hash) renderSelection(); else location.hash = hash;
}

async function renderSelection() {
  const selected = state.selected;
  $('pick').hidden = Boolean(selected);
  $('detail').hidden = !selected;
  if (!selected) { $('report-section').hidden = true; return; }
  const status = state.loops.find((s) => s.name === selected.name);
  $('detail-heading').textContent = status && status.title ? `${selected.name} — ${status.title}` : selected.name;
  $('detail-now').textContent = status ? detailNow(status) : 'No such loop.';
  renderProgress();
  if (!status) return;
  try {
    const rows = await (await api(`${loopPath(selected.name)}/iterations`)).json();
    if (state.selected !== selected) return;
    renderIterations(selected.name, rows);
  } catch (error) {
    notify(`Could not load the iterations of ${selected.name}: ${error.message}`, 'error');
  }
  await renderReport(selected);
}

function detailNow(status) {
  const parts = [`Now: ${nowText(status)}`];
  if (status.running) parts.push(`since ${when(status.running.started_at)}, ${status.running.trigger}`);
  if (status.queued) parts.push(`a trigger waits (${status.queued.trigger})`);
  parts.push(status.open_loop ? `open loop: Loop ${status.open_loop}` : 'no open loop');
  if (status.schedule) parts.push(`schedule ${status.schedule}`);
  return parts.join(' · ');
}

function renderProgress() {
  const progress = state.selected && state.progress.get(state.selected.name);
  const lines = progress ? progress.lines : [];
  $('progress-heading').hidden = lines.length === 0;
  $('progress').replaceChildren(...lines.map((line) => el('li', null, line)));
}

function renderIterations(name, rows) {
  $('iterations-empty').hidden = rows.length > 0;
  const open = state.selected && state.selected.at;
  $('iterations').replaceChildren(...rows.map((row) => {
    const title = at(row.at.loop, row.at.iteration);
    const rate = row.verdict ? `${row.totals.passed + row.totals.flaky}/${row.totals.total - row.totals.skipped} passed (${percent(passRate(row.totals))})` : 'running…';
    const detail = [when(row.started_at), row.finished_at ? seconds(row.started_at, row.finished_at) : '', row.trigger]
      .filter(Boolean).join(' · ');
    const current = open && open.loop === row.at.loop && open.iteration === row.at.iteration;
    const body = [el('span', { class: 'it-title' }, title), badge(row.verdict), el('span', { class: 'it-rate' }, rate),
      el('span', { class: 'it-detail muted' }, detail)];
    const content = row.verdict
      ? el('button', { type: 'button', class: 'iteration', 'aria-current': current ? 'true' : 'false',
        onclick: () => go(name, row.at.loop, row.at.iteration) }, body)
      : el('div', { class: 'iteration running' }, body);
    return el('li', { 'data-iteration': `${row.at.loop}/${row.at.iteration}` }, content);
  }));
}

async function renderReport(selected) {
  const section = $('report-section');
  if (!selected.at) { section.hidden = true; state.shownReport = null; return; }
  const key = `${selected.name}/${selected.at.loop}/${selected.at.iteration}`;
  if (state.shownReport === key) return; // a finished report never changes
  const path = `${loopPath(selected.name)}/iterations/${selected.at.loop}/${selected.at.iteration}/report.html`;
  try {
    const html = await (await api(path)).text();
    if (state.selected !== selected) return;
    // The daemon rendered this from Markdown with raw HTML escaped and unsafe links dropped.
    $('report').innerHTML = html;
    section.hidden = false;
    state.shownReport = key;
    if (window.matchMedia('(max-width: 800px)').matches) section.scrollIntoView();
  } catch (error) {
    // 404 while the iteration still runs: the next refresh tries again.
    section.hidden = true;
    state.shownReport = null;
    if (error.status !== 404) notify(`Could not load the report: ${error.message}`, 'error');
  }
}

// ---- live events

// "1 suite", "0 probes".
function count(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function describe(event) {
  const totals = event.totals;
  switch (event.type) {
    case 'iteration_started':
      return `${at(event.loop, event.iteration)} started: ${count(event.suites, 'suite')}, ${count(event.probes, 'probe')}`;
    case 'deploy_started': return 'deploy started';
    case 'deploy_finished': return `deploy ${event.ok ? 'done' : 'failed'}: ${event.summary}`;
    case 'suite_started': return `suite ${event.suite} started`;
    case 'suite_finished':
      return `suite ${event.suite} ${event.status}: ${totals.passed + totals.flaky}/${totals.total} passed in ${Number(event.duration_s).toFixed(1)} s`;
    case 'probe_finished': return `probe ${event.probe}: ${event.passed}/${event.checks} checks passed`;
    case 'iteration_finished':
      return `${at(event.loop, event.iteration)} finished: ${event.verdict}, pass rate ${percent(event.pass_rate)}`;
    case 'fix_started': return 'fix started';
    case 'fix_finished': return `fix ${event.ok ? 'done' : 'failed'}: ${event.summary}`;
    case 'iteration_failed_to_start': return `could not start: ${event.message}`;
    default: return null;
  }
}

function onEvent(event) {
  if (event.type === 'lagged') { refreshSoon(); return; }
  const name = event.loop_name;
  const line = describe(event);
  if (!name || !line) return;
  let progress = state.progress.get(name);
  if (!progress || progress.trigger_id !== event.trigger_id) {
    progress = { trigger_id: event.trigger_id, lines: [] };
    state.progress.set(name, progress);
  }
  const happened = event.time ? new Date(event.time) : new Date();
  progress.lines.push(`${happened.toLocaleTimeString()}  ${line}`);
  progress.lines.splice(0, Math.max(0, progress.lines.length - PROGRESS_LINES));
  if (state.selected && state.selected.name === name) renderProgress();
  const parts = state.cards.get(name);
  if (parts) { parts.progress.textContent = progress.lines[progress.lines.length - 1]; parts.progress.hidden = false; }
  if (['iteration_started', 'iteration_finished', 'fix_finished', 'iteration_failed_to_start'].includes(event.type)) {
    refreshSoon(100);
  }
}

function setLive(text, live) {
  $('live').textContent = text;
  $('live').classList.toggle('is-live', Boolean(live));
}

// Opens (or reopens) the event WebSocket; browsers cannot send headers on one, so the token
// goes in the query. Reconnects with exponential backoff.
function connect() {
  clearTimeout(state.reconnect);
  if (state.socket) {
    state.socket.onclose = null;
    state.socket.close();
  }
  const url = new URL('/api/v1/events', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // Each loop's latest cycle comes first, so an iteration already running shows its progress.
  url.searchParams.set('replay', 'true');
  if (token()) url.searchParams.set('access_token', token());
  const socket = new WebSocket(url);
  state.socket = socket;
  setLive('connecting…', false);
  socket.onopen = () => {
    state.backoff = BACKOFF_MIN;
    state.progress.clear(); // the replay that follows rebuilds it
    setLive('live', true);
    refreshSoon(); // whatever happened while offline
  };
  socket.onmessage = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch { return; }
    onEvent(event);
  };
  socket.onclose = () => {
    if (state.socket !== socket) return;
    const wait = state.backoff;
    state.backoff = Math.min(state.backoff * 2, BACKOFF_MAX);
    setLive(`offline, retrying in ${Math.round(wait / 1000)} s`, false);
    state.reconnect = setTimeout(connect, wait);
  };
}

// ---- start

function onHashChange() {
  state.selected = parseHash();
  renderLoops();
  renderSelection();
}

document.addEventListener('DOMContentLoaded', () => {
  $('notice-close').addEventListener('click', () => { $('notice').hidden = true; });
  $('token-button').addEventListener('click', () => askToken('Set the token this daemon was configured with.'));
  $('token-forget').addEventListener('click', () => {
    storeToken('');
    $('token-dialog').close();
    notify('The token is forgotten.', 'info');
  });
  $('token-button').textContent = token() ? 'Token ✓' : 'Token';
  window.addEventListener('hashchange', onHashChange);
  state.selected = parseHash();
  connect();
  refresh();
});
