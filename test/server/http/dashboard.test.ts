/// <reference lib="dom" />
// (The functions given to page.evaluate() run in Chromium, on its DOM.)
/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core): it loads
 * from the package alone, follows a client going down and up without a reload, shows what
 * healing did about it, shows client-provided text as text, and lets an admin change a
 * client's settings.
 */
import t from 'tap';
import { existsSync, mkdtempSync } from 'node:fs';
import { findProgram, missingProgram } from '../../systemPrograms.js';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { tempDir } from '../../helpers.js';
import { bearer, newToken, sha256Hex, startInProcess } from './peer.js';

const CHROMIUM = findProgram('chromium');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

t.test('the dashboard shows a client going down and up live with what healing did, escapes what clients send, and saves admin edits', { skip: missingProgram('chromium') }, async (t) => {
  const tokens = { admin: newToken(), cron: newToken() };
  // The healing step's output is text the dashboard must show as text too.
  const step = { type: 'local', command: [process.execPath, '-e', 'console.log("<b>modem</b> restarted")'] };
  const clients = { 'cron-job': { token_sha256: sha256Hex(tokens.cron), healing: { steps: [step] } }, 'home-gw': { key: 'ab'.repeat(32) } };
  const peer = await startInProcess({ tokens, extra: { clients, alert_timezone: 'America/Chicago' } });
  t.teardown(() => peer.stop());
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

  const profile = mkdtempSync(join(tempDir(), 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM!,
    headless: true,
    args: ARGS,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
  });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    // Chromium reports every non-2xx response as a console error; /api/v1/health answers 503
    // by design while the test's client is down. Script errors and CSP refusals still count.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(peer.base + '/');
  // Heard only once the page is open: the client's 2 s interval must not run out while
  // Chromium starts on a busy machine.
  await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron), body: hostile });
  const card = page.locator('[data-client="cron-job"]');
  await card.and(page.locator('[data-state="up"]')).waitFor({ timeout: 10_000 });
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });
  t.match(await card.locator('.message').textContent(), 'Last message (ok): <img src=x onerror="window.__pwned=1"><script>', 'the body is shown as text');
  t.equal(await card.locator('img, script').count(), 0, 'and never became markup');
  t.match(await card.locator('.next').textContent(), /^Declared down if nothing is heard for another \d+s$/, 'the deadline is named for what it is: the down interval');

  // Silent for its 2 s interval: down, without a reload.
  await card.and(page.locator('[data-state="down"]')).waitFor({ timeout: 10_000 });
  t.match(await card.locator('.state').textContent(), 'DOWN');
  t.match(await card.locator('.outage').textContent(), /^Down since .*\d:\d\d:\d\d.* (CST|CDT)$/, "with seconds, in the alerts' zone, named");
  await page.locator('[data-client="cron-job"] .timeline .mark').first().waitFor({ timeout: 10_000 });
  t.equal(await card.locator('.timeline .mark').count(), 1, 'the ongoing outage is on the 30-day timeline');
  const watchedLeft = await card.locator('.timeline .watched').evaluate((watched) => parseFloat((watched as HTMLElement).style.left));
  t.ok(watchedLeft > 99, `the 30 days before its first heartbeat are not drawn as up (watched from ${watchedLeft}%)`);
  t.match(await card.locator('.timeline-label').textContent(), /watched since .* (CST|CDT)/);
  t.equal(await page.locator('[data-client="home-gw"] .timeline .watched').count(), 0, 'a client never heard has no watched time at all');
  await page.screenshot({ path: join(peer.dir, 'dashboard-down.png'), fullPage: true });

  await fetch(`${peer.base}/api/v1/heartbeat/cron-job`, { method: 'POST', headers: bearer(peer.tokens.cron), body: 'back' });
  await card.and(page.locator('[data-state="up"]')).waitFor({ timeout: 10_000 });
  await page.locator('[data-client="cron-job"] .transitions li.down').first().waitFor({ state: 'attached', timeout: 10_000 });
  t.ok(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true), 'the page was never reloaded');
  const delivered = card.locator('.alerts li li', { hasText: 'email: delivered' });
  await delivered.first().waitFor({ state: 'attached', timeout: 10_000 });
  t.match(await card.locator('.alerts > li').first().textContent(), /^(UP|DOWN) .*email: delivered/, 'each alert shows its delivery per channel');
  const healed = card.locator('.actions li', { hasText: 'healing step: ok' });
  await healed.first().waitFor({ state: 'attached', timeout: 10_000 });
  t.match(await healed.first().textContent(), /healing step: ok \(.*<b>modem<\/b> restarted/, "the step's result and its output, as text");
  t.equal(await card.locator('.actions b').count(), 0, 'the output never became markup');
  t.ok(await page.locator('[data-client="home-gw"] details:has(.actions)').isHidden(), 'a client nothing acted on shows no actions');
  t.match(await card.locator('.uptime').textContent(), /24h.*%.*7d.*%.*30d.*%/, 'uptime for 24 h, 7 d and 30 d');

  // Admin: the token opens the settings editor; a change goes through PATCH.
  await page.fill('#admin input', peer.tokens.admin);
  await page.click('#admin button');
  const editor = page.locator('[data-client="home-gw"] form.editor');
  await editor.waitFor({ state: 'visible', timeout: 10_000 });
  await editor.locator('summary').click();
  await editor.locator('input[name="down_interval"]').fill('300');
  await editor.locator('select[name="kind"]').selectOption('hours');
  await editor.locator('input[name="timezone"]').fill('Europe/Berlin');
  await editor.locator('button[type="submit"]').click();
  await editor.locator('.editor-status', { hasText: 'Saved' }).waitFor({ timeout: 10_000 });
  const state = peer.server.clientState('home-gw')!;
  t.equal(state.downIntervalMs, 300_000, 'the new interval reached the monitor');
  t.match(state.schedule, { kind: 'hours', zone: 'Europe/Berlin', startMinute: 480, endMinute: 1080 });

  const shot = join(peer.dir, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.ok(existsSync(shot), `screenshot at ${shot}`);
  t.comment(`screenshots: ${shot}, ${join(peer.dir, 'dashboard-down.png')}`);
  t.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'nothing a client sent ever ran');
  t.same(requests.filter((url) => !url.startsWith(peer.base)), [], 'no request left the monitor');
  t.same(problems, [], 'no script errors and no CSP violations');
});

t.test('the dashboard shows a client in a maintenance window as in maintenance', { skip: missingProgram('chromium') }, async (t) => {
  const peer = await startInProcess();
  t.teardown(() => peer.stop());
  const made = await fetch(`${peer.base}/api/v1/maintenance`, { method: 'POST', headers: bearer(peer.tokens.admin), body: JSON.stringify({ duration: '1h', clients: ['home-gw'], reason: 'new modem' }) });
  t.equal(made.status, 201);
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tempDir(), 'chromium-')), { executablePath: CHROMIUM!, headless: true, args: ARGS });
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(peer.base + '/');
  const card = page.locator('[data-client="home-gw"][data-maintenance="yes"]');
  await card.waitFor({ timeout: 10_000 });
  t.match(await card.locator('.state').textContent(), /MAINTENANCE$/);
  t.match(await card.locator('.state').getAttribute('title'), /^In maintenance until .*: new modem \(no alerts, no healing\)$/);
  t.equal(await page.locator('[data-client="cron-job"][data-maintenance="no"]').count(), 1, 'a client outside the window is not');
});
