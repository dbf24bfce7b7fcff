// dashboard.js - the dashboard in a real browser (Debian's chromium, driven
// by playwright-core): signing in, a state that changes live after a push,
// an approval from the page, a dropped event stream that catches up.
// check-dashboard.sh starts everything this talks to and passes it in the
// environment; this script exits non-zero on the first thing that is wrong.
'use strict';
const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');

const env = (k) => {
  if (!process.env[k]) throw new Error(k + ' is not set');
  return process.env[k];
};
const URL = env('UKIYO_URL'), TOKEN = env('UKIYO_TOKEN'), REF = env('UKIYO_REF');
const WATCH = env('UKIYO_WATCH'), GATE = env('UKIYO_GATE'), SHOT = env('UKIYO_SCREENSHOT');
const docker = (...args) => execFileSync(process.env.DOCKER || 'docker', args, { stdio: 'pipe' }).toString();
const step = (what) => console.log('dashboard: ' + what);

// Console errors, by phase: only the ones a phase expects (a refused token's 401,
// the requests of a daemon that is down) are allowed, and only in it.
let phase = 'start';
const errors = [];
const allowed = {
  'bad-token': /status of 401/,
  'daemon-down': /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|Failed to fetch|ERR_INCOMPLETE_CHUNKED_ENCODING|network error/i,
};

async function statusOf(page, name) {
  return page.getAttribute(`tr[data-name="${name}"] td[data-status]`, 'data-status', { timeout: 1000 })
    .catch(() => null);
}

async function waitStatus(page, name, want, seconds) {
  const until = Date.now() + seconds * 1000;
  let last = null;
  while (Date.now() < until) {
    last = await statusOf(page, name);
    if (last === want) return;
    await page.waitForTimeout(250);
  }
  throw new Error(`${name}: status ${last}, not ${want} after ${seconds} s`);
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' && !(allowed[phase] && allowed[phase].test(m.text())))
      errors.push(`[${phase}] ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`[${phase}] page error: ${e.message}`));
  page.on('dialog', (d) => d.accept()); // the confirmations: yes
  let loads = 0;
  page.on('load', () => loads++);

  try {
    await page.goto(URL + '/');
    const body = await page.textContent('body');
    if (body.includes(WATCH) || body.includes(GATE)) throw new Error('containers show before sign-in');
    if (!(await page.isVisible('#signin'))) throw new Error('no sign-in form');
    step('the sign-in form, and nothing else');

    phase = 'bad-token';
    await page.fill('#token', 'not-the-token');
    await page.click('#signin button');
    await page.waitForFunction(() => document.getElementById('signin-error').textContent.length > 0);
    const said = await page.textContent('#signin-error');
    if (!/not the API token/.test(said)) throw new Error('a wrong token says: ' + said);
    if (await page.isVisible('#app')) throw new Error('a wrong token shows the app');
    if ((await page.textContent('body')).includes(WATCH)) throw new Error('a wrong token shows containers');
    step('a wrong token: "' + said + '", nothing shown');

    phase = 'signed-in';
    await page.fill('#token', TOKEN);
    await page.click('#signin button');
    await page.waitForSelector(`tr[data-name="${WATCH}"]`);
    await page.waitForSelector(`tr[data-name="${GATE}"]`);
    if (await page.isVisible('#signin')) throw new Error('the sign-in form stays after signing in');
    await page.waitForSelector('#live:not([hidden])');
    const stored = await page.evaluate(() => sessionStorage.getItem('ukiyo.token'));
    if (stored !== TOKEN) throw new Error('the token is not in sessionStorage');
    if ((await page.context().cookies()).length) throw new Error('the page set a cookie');
    if (page.url().includes(TOKEN)) throw new Error('the token is in the URL');
    step(`signed in: ${WATCH} ${await statusOf(page, WATCH)}, ${GATE} ${await statusOf(page, GATE)}`);

    // A push of a new release: the monitor-only container shows it is available,
    // the gated one waits for approval, without a reload.
    const loadsBefore = loads;
    docker('tag', env('UKIYO_V2'), REF);
    docker('push', '-q', REF);
    step('pushed ' + REF);
    await waitStatus(page, WATCH, 'update-available', 60);
    await waitStatus(page, GATE, 'awaiting-approval', 60);
    await page.waitForSelector('#approvals tr[id^="job-"]');
    if (loads !== loadsBefore) throw new Error('the page reloaded to show the push');
    step(`live: ${WATCH} update-available, ${GATE} awaiting-approval`);

    // Approve from the page: the container is updated, and the page says so.
    await page.click('#approvals button[data-action="approve"]');
    await waitStatus(page, GATE, 'up-to-date', 120);
    await page.waitForFunction(() => /approve: job \d+ (done|partial)/.test(document.getElementById('result').textContent),
      null, { timeout: 30000 });
    step('approved: ' + (await page.textContent('#result')));
    await page.waitForSelector('#history td.state-updated');
    await page.waitForSelector('#timeline svg circle');
    await page.screenshot({ path: SHOT, fullPage: true });
    step('screenshot: ' + SHOT);

    // The event stream drops (ukiyod restarts): the page says so, reconnects, and
    // catches up with what happened meanwhile.
    phase = 'daemon-down';
    execFileSync(env('UKIYO_RESTART'), ['stop']);
    await page.waitForSelector('#live.down', { timeout: 30000 });
    step('stream dropped: the page shows it');
    execFileSync(env('UKIYO_RESTART'), ['start']);
    await page.waitForSelector('#live:not(.down)', { timeout: 30000 });
    phase = 'reconnected';
    const r = await fetch(`${URL}/api/v1/containers/${encodeURIComponent(GATE)}/redeploy`, {
      method: 'POST', headers: { Authorization: 'Bearer ' + TOKEN } });
    const job = (await r.json()).job;
    if (!job) throw new Error('redeploy answered ' + r.status);
    await page.waitForFunction((id) => [...document.querySelectorAll('#jobs td:first-child')]
      .some((td) => td.textContent === String(id) && td.nextSibling.textContent === 'done'), job,
      { timeout: 120000 });
    step(`reconnected: job ${job} (queued by another client) shown done`);

    // Signing out forgets the token.
    await page.click('#signout');
    if (await page.evaluate(() => sessionStorage.getItem('ukiyo.token'))) throw new Error('sign-out kept the token');
    if ((await page.textContent('body')).includes(WATCH)) throw new Error('sign-out left containers on the page');
    if (errors.length) throw new Error('console errors:\n  ' + errors.join('\n  '));
    step('no console errors');
  } catch (e) {
    await page.screenshot({ path: SHOT.replace(/\.png$/, '-failed.png'), fullPage: true }).catch(() => {});
    console.error('dashboard: ' + e.message);
    if (errors.length) console.error('console errors:\n  ' + errors.join('\n  '));
    await browser.close();
    process.exit(1);
  }
  await browser.close();
})();
