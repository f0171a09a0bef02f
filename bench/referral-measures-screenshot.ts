// `tsx bench/referral-measures-screenshot.ts --url http://127.0.0.1:PORT --tenant <institution id> [--out file.png]`
// with DATABASE_URL set to the database a running hub serves (e.g. one `npm run bench:referrals` filled).
// Creates a regional analyst at --tenant, signs in to the console with chromium, opens the referral measures page,
// prints the figures the page shows as JSON on stdout and saves a full-page screenshot. Used to check the page against
// the simulation's printout (BENCHMARKS.md, "Referral simulation").
import '../src/platform/runtime/node-globals.js';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { flagString, parseCliArgs } from '../src/cli/args.js';
import { createUser } from '../src/modules/access/index.js';
import { openPostgresDb } from '../src/platform/storage/index.js';

const args = parseCliArgs(process.argv.slice(2));
const url = flagString(args, 'url');
const tenant = flagString(args, 'tenant');
const out = flagString(args, 'out') ?? 'test-results/referral-measures-month.png';
if (!url || !tenant || !process.env.DATABASE_URL) {
  console.error('Usage: DATABASE_URL=… tsx bench/referral-measures-screenshot.ts --url http://127.0.0.1:PORT --tenant <institution id> [--out file.png]');
  process.exit(2);
}

const db = await openPostgresDb(process.env.DATABASE_URL, 2);
const person = { username: `analyst-${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}`, displayName: '区域分析员' };
await createUser(db, { tenantId: tenant, ...person, roles: ['regional-analyst'] });
await db.close();

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN' })).newPage();
  await page.goto(`${url}/`);
  await page.getByLabel('用户名').fill(person.username);
  await page.getByLabel('密码').fill(person.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('current-user').waitFor();
  await page.goto(`${url}/referrals/measures`);
  await page.getByTestId('referral-measures').waitFor({ timeout: 120_000 });
  const text = async (id: string) => (await page.getByTestId(id).textContent())?.trim();
  const shown = {
    window: await text('measure-window'),
    total: await text('measure-total'), loopClosureRate: await text('measure-closure'), loopClosureRateOfAccepted: await text('measure-closure-accepted'),
    accepted: await text('measure-accepted'), declined: await text('measure-declined'), loopClosed: await text('measure-loopClosed'),
    open: await text('measure-open'), expired: await text('measure-expired'), cancelled: await text('measure-cancelled'),
    slaAdherence: await text('measure-sla'), slaBreaches: await text('measure-breaches'),
    timesHours: await page.locator('[data-testid="measures-times"] tbody tr').evaluateAll((rows) => rows.map((tr) =>
      [tr.getAttribute('data-measure'), ...Array.from(tr.querySelectorAll('td.num')).map((td) => td.textContent)].join(' '))),
    declineReasons: await page.locator('[data-testid="measures-declines"] tbody tr').evaluateAll((rows) => rows.map((tr) =>
      `${tr.getAttribute('data-code')} ${tr.querySelector('.num')?.textContent}`)),
    perInstitution: await page.locator('[data-testid="measures-per-institution"] tbody tr').evaluateAll((rows) => rows.map((tr) =>
      [tr.getAttribute('data-month'), tr.getAttribute('data-institution'), ...Array.from(tr.querySelectorAll('[data-cell]')).map((td) => `${td.getAttribute('data-cell')}=${td.textContent}`)].join(' '))),
  };
  await page.screenshot({ path: out, fullPage: true });
  console.log(JSON.stringify({ screenshot: out, shown }, null, 2));
} finally {
  await browser.close();
}
