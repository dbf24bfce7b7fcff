// app.js - ukiyod's dashboard: the REST API and the event stream, with the
// API token kept in this tab's sessionStorage and sent as Authorization
// (never in a URL or a cookie). Everything is built with DOM calls and
// textContent: nothing a container or registry names becomes markup.
'use strict';

const TOKEN_KEY = 'ukiyo.token';
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY);
let lastEventId = null;
let stream = null; // the AbortController of the event stream
let refreshTimer = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}

class Unauthorized extends Error {}

async function api(path, method = 'GET') {
  const r = await fetch(path, { method, headers: { Authorization: 'Bearer ' + token } });
  if (r.status === 401) throw new Unauthorized('the token was refused');
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error(body.error || r.statusText);
    err.status = r.status;
    err.body = body;
    throw err;
  }
  return body;
}

function when(ms) {
  return ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + 'Z' : '-';
}

function short(id) {
  return id ? id.replace(/^sha256:/, '').slice(0, 12) : '-';
}

function table(headings, rows) {
  if (!rows.length) return el('p', { class: 'empty' }, 'none');
  return el('table', {}, el('thead', {}, el('tr', {}, headings.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows));
}

function say(text) {
  $('result').textContent = text;
}

// Jobs an action queued here, by ID: what to say when the event stream tells of them.
const followed = new Map();

function outcomeText(job) {
  const results = (job.results || []).map((r) => r.name + ': ' + r.outcome +
    (r.reason ? ' (' + r.reason + ')' : '')).join(', ');
  return job.state + (results ? ': ' + results : '') + (job.error ? ' (' + job.error + ')' : '');
}

// Ask first, then act, then show what came of it (a queued job: as it runs).
function action(label, question, run) {
  return el('button', { 'data-action': label, on: { click: async () => {
    if (!confirm(question)) return;
    say(label + ': ...');
    try {
      const r = await run();
      // 202 {"job": ID} (queued), or the job itself (an answer to an approval).
      const id = r && (r.job || r.id);
      if (id && (!r.state || r.state === 'queued' || r.state === 'running')) followed.set(id, label);
      say(label + ': ' + (r && r.id ? 'job ' + r.id + ' ' + outcomeText(r)
        : id ? 'job ' + id + ' queued' : JSON.stringify(r)));
    } catch (e) {
      if (e instanceof Unauthorized) return signOut(e.message);
      say(label + ': ' + e.message + (e.body && e.body.state ? ' (it is ' + e.body.state + ')' : ''));
    }
    refreshSoon();
  } } }, label);
}

// ---- what is shown ----------------------------------------------------------

const STATUS_TEXT = {
  'up-to-date': 'up to date', 'update-available': 'update available', 'updating': 'updating',
  'awaiting-approval': 'awaiting approval', 'rejected': 'rejected', 'skipped': 'skipped',
  'unknown': 'unknown',
};

function ago(ms) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 90 ? s + ' s ago' : s < 5400 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
}

// Why it is in that state, in words: the reason, what is left alone, the rejection.
function statusNote(c) {
  const k = c.check || {};
  const notes = [];
  if (c.status === 'awaiting-approval' && c.job) notes.push('job ' + c.job);
  if (c.status_reason && c.status !== 'awaiting-approval') notes.push(c.status_reason);
  if (k.left_alone) notes.push('skipped: ' + k.left_alone);
  if (k.new_tag) notes.push('moves to ' + k.new_tag);
  if (k.ages_at_ms && k.ages_at_ms > Date.now()) notes.push('min-age: from ' + when(k.ages_at_ms));
  if (k.approve && c.status !== 'awaiting-approval') notes.push('updates once approved');
  return notes.join('; ');
}

function watchedRow(c, kind, base) {
  const name = c.name;
  const k = c.check || {};
  const status = c.status || 'unknown';
  const cell = el('td', { class: 'state state-' + status, 'data-status': status },
    el('span', {}, STATUS_TEXT[status] || status), el('small', {}, statusNote(c)));
  const path = base + encodeURIComponent(name.replace(/^service\//, ''));
  const check = el('button', { 'data-action': 'check', on: { click: async () => {
    say('check ' + name + ': ...');
    try {
      const r = await api(path + '/check');
      say('check ' + name + ': ' + (STATUS_TEXT[r.status] || r.status) + (r.reason ? ' (' + r.reason + ')' : ''));
    } catch (e) {
      if (e instanceof Unauthorized) return signOut(e.message);
      say('check ' + name + ': ' + e.message);
    }
    refreshSoon();
  } } }, 'check');
  const next = k.window_next_ms ? 'opens ' + when(k.window_next_ms) : k.window ? 'open now' : '';
  return el('tr', { 'data-name': name },
    el('td', {}, name), el('td', {}, kind), el('td', { class: 'image' }, c.image || '-'), cell,
    el('td', {}, k.policy || '-'),
    el('td', {}, k.window ? k.window + (next ? ' (' + next + ')' : '') : 'any time'),
    el('td', { title: k.answered_ms ? when(k.answered_ms) : '' }, ago(k.answered_ms)),
    el('td', { class: 'actions' }, check,
      ['update', 'redeploy', 'rollback'].map((a) =>
        action(a, a + ' ' + name + '?', () => api(path + '/' + a, 'POST')))));
}

async function showWatched() {
  const [containers, services] = await Promise.all([
    api('/api/v1/containers'),
    api('/api/v1/services').catch((e) => { if (e instanceof Unauthorized) throw e; return []; }),
  ]);
  const rows = containers.map((c) => watchedRow(c, 'container', '/api/v1/containers/'))
    .concat(services.map((s) => watchedRow(s, 'service', '/api/v1/services/')));
  $('watched').replaceChildren(table(['NAME', 'KIND', 'IMAGE', 'STATE', 'POLICY', 'WINDOW',
    'LAST LOOKED', ''], rows));
}

function answerButtons(j) {
  return [
    action('approve', 'Approve job ' + j.id + ' (' + (j.container || j.image) + ')?',
      () => api('/api/v1/jobs/' + j.id + '/approve', 'POST')),
    action('reject', 'Reject job ' + j.id + '? Its release will not be applied.',
      () => api('/api/v1/jobs/' + j.id + '/reject', 'POST')),
  ];
}

// #/jobs/ID (the link notifications carry): that one job, answerable when it waits.
async function showJobView() {
  const m = location.hash.match(/^#\/jobs\/(\d+)$/);
  const view = $('job-view');
  if (!m) {
    view.hidden = true;
    return;
  }
  let j;
  try {
    j = await api('/api/v1/jobs/' + m[1]);
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    view.hidden = false;
    view.replaceChildren(el('h2', {}, 'Job ' + m[1]), el('p', { class: 'error' }, e.message));
    return;
  }
  view.hidden = false;
  view.replaceChildren(el('h2', {}, 'Job ' + j.id),
    el('p', {}, el('span', { class: 'state-' + j.state, 'data-status': j.state }, j.state), ' · ',
      j.container || j.image, ' · ', j.source || '', ' · created ', when(j.created_ms)),
    el('p', {}, 'release: ', (j.target_image || j.image || '') + ' ' + short(j.digest)),
    (j.results || []).length ? el('p', {}, outcomeText(j)) : '',
    j.state === 'awaiting-approval' ? el('p', {}, answerButtons(j)) : '');
}

async function showJobs() {
  const jobs = await api('/api/v1/jobs?limit=50');
  const waiting = jobs.filter((j) => j.state === 'awaiting-approval');
  $('approvals').replaceChildren(table(['JOB', 'FOR', 'RELEASE', 'SINCE', 'EXPIRES', ''],
    waiting.map((j) => el('tr', { id: 'job-' + j.id },
      el('td', {}, String(j.id)), el('td', {}, j.container || j.image),
      el('td', {}, (j.target_image || j.image) + ' ' + short(j.digest)),
      el('td', {}, when(j.created_ms)), el('td', {}, when(j.expires_ms)),
      el('td', {}, answerButtons(j))))));
  $('jobs').replaceChildren(table(['JOB', 'STATE', 'FOR', 'SOURCE', 'CREATED', 'RESULTS'],
    jobs.map((j) => el('tr', {},
      el('td', {}, String(j.id)), el('td', { class: 'state-' + j.state }, j.state),
      el('td', {}, j.container || j.image), el('td', {}, j.source), el('td', {}, when(j.created_ms)),
      el('td', {}, (j.results || []).map((r) => r.name + ': ' + r.outcome).join(', '))))));
}

// The timeline: one line per container, a mark per update (green) or rollback/failure (red).
function timeline(entries) {
  const names = [...new Set(entries.map((e) => e.container))].slice(0, 20);
  if (!names.length) return el('p', { class: 'empty' }, 'no updates yet');
  const times = entries.map((e) => e.finished_ms || e.started_ms).filter(Boolean);
  const t0 = Math.min(...times), t1 = Math.max(...times, t0 + 1);
  const ns = 'http://www.w3.org/2000/svg', w = 900, left = 220, row = 22;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${names.length * row + 10}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'updates and rollbacks per container over time');
  names.forEach((n, i) => {
    const y = i * row + 15;
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', 0);
    label.setAttribute('y', y + 4);
    label.textContent = n.length > 32 ? n.slice(0, 31) + '…' : n;
    svg.append(label);
    const line = document.createElementNS(ns, 'line');
    Object.entries({ x1: left, x2: w - 10, y1: y, y2: y, stroke: '#dde' })
      .forEach(([k, v]) => line.setAttribute(k, v));
    svg.append(line);
  });
  for (const e of entries) {
    const i = names.indexOf(e.container);
    if (i < 0) continue;
    const t = e.finished_ms || e.started_ms;
    const dot = document.createElementNS(ns, 'circle');
    dot.setAttribute('cx', left + (w - 10 - left) * (t - t0) / (t1 - t0));
    dot.setAttribute('cy', i * row + 15);
    dot.setAttribute('r', 5);
    dot.setAttribute('fill', e.outcome === 'updated' ? '#1a7f37' : e.outcome === 'rolled-back' ? '#cf222e' : '#9a6700');
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${e.outcome} ${when(t)}: ${short(e.old_image_id)} → ${short(e.new_image_id)}${e.reason ? ' (' + e.reason + ')' : ''}`;
    dot.append(title);
    svg.append(dot);
  }
  return svg;
}

async function showHistory() {
  const entries = await api('/api/v1/history?limit=200');
  $('timeline').replaceChildren(timeline(entries));
  $('history').replaceChildren(table(['WHEN', 'CONTAINER', 'OLD → NEW', 'OUTCOME', 'REASON'],
    entries.slice(0, 50).map((e) => el('tr', {},
      el('td', {}, when(e.finished_ms || e.started_ms)), el('td', {}, e.container),
      el('td', {}, short(e.old_image_id) + ' → ' + short(e.new_image_id)),
      el('td', { class: 'state-' + e.outcome }, e.outcome), el('td', {}, e.reason || '')))));
}

async function refresh() {
  try {
    await Promise.all([showWatched(), showJobs(), showHistory(), showJobView()]);
  } catch (e) {
    if (e instanceof Unauthorized) signOut(e.message);
    else say(e.message);
  }
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 200);
}

// ---- the event stream: fetch, so that the token goes in a header ------------

// A job an action here queued has moved on: say how far.
function tellOfJob(data) {
  let ev;
  try {
    ev = JSON.parse(data);
  } catch (e) {
    return;
  }
  const label = ev.job && followed.get(ev.job.id);
  if (!label) return;
  say(label + ': job ' + ev.job.id + ' ' + outcomeText(ev.job));
  if (ev.event === 'finished' || ev.job.state !== 'running' && ev.job.state !== 'queued') followed.delete(ev.job.id);
}

async function follow() {
  stream = new AbortController();
  const headers = { Authorization: 'Bearer ' + token };
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  try {
    const r = await fetch('/api/v1/events', { headers, signal: stream.signal });
    if (r.status === 401) return signOut('the token was refused');
    if (!r.ok || !r.body) throw new Error('event stream: ' + r.status);
    $('live').hidden = false;
    // Back after a drop: what the missed events would have said, from the API.
    if ($('live').className !== 'live') refreshSoon();
    $('live').className = 'live';
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = 'message', data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) lastEventId = line.slice(4);
          else if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (type === 'job') tellOfJob(data);
        if (type !== 'message') refreshSoon(); // a job, an update, an overflow: look again
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') return;
  }
  // Dropped: say so, and reconnect, catching up from the last event seen.
  $('live').className = 'live down';
  if (token) setTimeout(follow, 2000);
}

// ---- signing in and out -------------------------------------------------------

function signOut(why) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  if (stream) stream.abort();
  for (const id of ['approvals', 'watched', 'timeline', 'jobs', 'history', 'job-view']) $(id).replaceChildren();
  $('job-view').hidden = true;
  $('app').hidden = true;
  $('live').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = why || '';
}

async function signIn(candidate) {
  token = candidate;
  try {
    await api('/api/v1/jobs?limit=1');
  } catch (e) {
    return signOut(e instanceof Unauthorized ? 'That token is not the API token.' : e.message);
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('signin').hidden = true;
  $('signin-error').textContent = '';
  $('app').hidden = false;
  $('signout').hidden = false;
  await refresh();
  follow();
}

$('signin').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = $('token').value.trim();
  $('token').value = '';
  signIn(t);
});
$('signout').addEventListener('click', () => signOut(''));
window.addEventListener('hashchange', () => { if (token) refreshSoon(); });
if (token) signIn(token);
