// Issue 5, "the measures page shows real figures from the simulation": a short referral simulation runs into the
// hub's database, then the coordinator of the simulated tertiary hospital opens the measures page. Every figure the
// page shows must equal the measures API's answer (the response the page itself received) and the simulation's own
// tally of its steps (bench/referral-simulation-tally.ts, which never reads the measures API or the referral tables).
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReferralSimulation, type SimulationRun } from '../../bench/referral-simulation-core.js';
import { tallySimulation, type SimTally } from '../../bench/referral-simulation-tally.js';
import { createUser } from '../../src/modules/access/index.js';
import { findPackageRoot } from '../../src/platform/http/web-console.js';
import { startTestHub, type TestHub } from '../support/app.js';
import { CHROMIUM_PATH, closeConsoleBrowser, openConsoleBrowser, ensureConsoleBuilt, signInConsole } from './console-fixtures.js';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium && process.env.CI) throw new Error(`CI is set but ${CHROMIUM_PATH} is missing: apt-get install chromium`);
const skipReason = haveChromium ? '' : ` (skipped: ${CHROMIUM_PATH} not installed; apt-get install chromium)`;

const packageRoot = findPackageRoot();
const screenshotDir = join(packageRoot, 'test-results');
const DAY = 86_400_000;
const DAYS = 5;
const PER_DAY = 30;

/** The page's formats (referral-measures-page.tsx), applied to the simulation's numbers. */
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const hours = (x: number | null) => (x === null ? '—' : x.toFixed(1));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, read field by field
type Json = any;

describe.skipIf(!haveChromium)(`referral measures page against the simulation${skipReason}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let baseUrl: string;
  let run: SimulationRun;
  let hospital: { id: string; name: string };
  const person = { username: `sim-${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}`, displayName: '转诊办模拟' };
  let page: Page;
  let api: Json;
  let own: SimTally;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt(packageRoot);
    hub = await startTestHub();
    // Simulated days that ended two days ago: inside the page's window (the last 180 days), and younger than the
    // referral expiry (14 days), so a real-clock SLA sweep by another test on a shared database expires none of them.
    const today = new Date(`${new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)}T00:00:00+08:00`);
    const start = new Date(today.getTime() - (DAYS + 2) * DAY);
    run = await runReferralSimulation({ deps: hub.deps, db: hub.db, days: DAYS, perDay: PER_DAY, start, seed: 5, patientsPerInstitution: 60 });
    process.stderr.write(`referral-measures: simulated ${run.referrals.length} referrals, ${run.requests} requests in ${run.wallSeconds.toFixed(1)} s (${hub.db.engine})\n`);
    const tertiary = run.institutions.find((i) => i.kind === 'tertiary-hospital')!;
    hospital = { id: tertiary.id, name: tertiary.name };
    // A referral coordinator sees the measures of the referrals their own institution sent or received
    // (referral-access.ts); regional roles would also see every other test's referrals in a shared database.
    await createUser(hub.db, { tenantId: hospital.id, ...person, roles: ['referral-coordinator'] });
    ({ baseUrl, browser } = await openConsoleBrowser(hub, screenshotDir));
  }, 300_000);

  afterAll(() => closeConsoleBrowser(browser, hub));

  it('the simulation ran every step through the API and produced a non-trivial month slice', () => {
    expect(run.errors).toEqual({});
    expect(run.skipped).toBe(0);
    const mine = tallySimulation(run.referrals, { from: run.start, to: run.end, institution: hospital.id });
    // Enough of everything that a page of zeros, or of another institution's figures, cannot pass the checks below.
    expect(mine.counts.total).toBeGreaterThan(40);
    expect(mine.counts.loopClosed).toBeGreaterThan(0);
    expect(mine.counts.declined).toBeGreaterThan(0);
    expect(mine.timesHours.toAcceptance.n).toBeGreaterThan(20);
    expect(new Set(mine.monthly.map((m) => `${m.role}-${m.direction}`)).size).toBeGreaterThan(1);
  });

  it('the hospital coordinator signs in and opens the measures page', async () => {
    page = await signInConsole(browser, baseUrl, person, pageErrors);
    const response = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/referrals/measures');
    await page.goto(`${baseUrl}/referrals/measures`);
    const answered = await response;
    expect(answered.status()).toBe(200);
    api = await answered.json();
    await page.getByTestId('referral-measures').waitFor();
    expect(api.scope).toEqual({ institution: hospital.id });
    // The simulation's own figures over the window the page asked for, for the institution the coordinator sees.
    own = tallySimulation(run.referrals, { from: new Date(api.from), to: new Date(api.to), institution: hospital.id });
    // The window holds the whole simulation (nothing was cut off at either end).
    expect(own.counts.total).toBe(tallySimulation(run.referrals, { from: run.start, to: run.end, institution: hospital.id }).counts.total);
  });

  it('counts and loop-closure rates: page = API = simulation', async () => {
    for (const k of ['total', 'accepted', 'declined', 'loopClosed', 'open', 'expired', 'cancelled'] as const) {
      expect(api.counts[k], `API counts.${k}`).toBe(own.counts[k]);
      expect(await page.getByTestId(`measure-${k}`).textContent(), `page ${k}`).toBe(String(own.counts[k]));
    }
    expect(api.loopClosureRate).toBe(own.loopClosureRate);
    expect(api.loopClosureRateOfAccepted).toBe(own.loopClosureRateOfAccepted);
    expect(await page.getByTestId('measure-closure').textContent()).toBe(pct(own.loopClosureRate));
    expect(await page.getByTestId('measure-closure-accepted').textContent()).toBe(pct(own.loopClosureRateOfAccepted));
    // SLA adherence depends on the response due times the hub computes; the page must show the API's.
    expect(await page.getByTestId('measure-sla').textContent()).toBe(pct(api.sla.adherence));
    expect(await page.getByTestId('measure-breaches').textContent()).toBe(String(api.sla.breaches));
  });

  it('hours to acceptance, appointment and returned report (median, p90): page = API = simulation', async () => {
    for (const k of ['toAcceptance', 'toAppointment', 'toReportReturned'] as const) {
      const sim = own.timesHours[k];
      expect(api.timesHours[k].n, `${k} n`).toBe(sim.n);
      expect(api.timesHours[k].median, `${k} median`).toBeCloseTo(sim.median!, 6);
      expect(api.timesHours[k].p90, `${k} p90`).toBeCloseTo(sim.p90!, 6);
      const row = page.locator(`[data-testid="measures-times"] tr[data-measure="${k}"]`);
      expect(await row.locator('[data-cell="n"]').textContent()).toBe(String(sim.n));
      expect(await row.locator('[data-cell="median"]').textContent()).toBe(hours(sim.median));
      expect(await row.locator('[data-cell="p90"]').textContent()).toBe(hours(sim.p90));
    }
    // The simulated clock, not the wall clock, set these times: routine answers take hours, not milliseconds.
    expect(own.timesHours.toAcceptance.median!).toBeGreaterThan(0.5);
  });

  it('decline reasons: page = API = simulation', async () => {
    const sorted = (xs: Array<[string, number]>) => [...xs].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const expected = sorted(own.declineReasons.map((d) => [d.code, d.n]));
    expect(sorted(api.declineReasons.map((d: { code: string; n: number }) => [d.code, d.n]))).toEqual(expected);
    const shown = await page.locator('[data-testid="measures-declines"] tbody tr').evaluateAll((rows) =>
      rows.map((tr) => [tr.getAttribute('data-code') ?? '', Number(tr.querySelector('.num')?.textContent)] as [string, number]));
    expect(sorted(shown)).toEqual(expected);
  });

  it('up / down counts per institution per month: page = API = simulation', async () => {
    const key = (m: { month: string; institution: string; role: string; direction: string }) => `${m.month} ${m.institution} ${m.role}-${m.direction}`;
    const expected = Object.fromEntries(own.monthly.map((m) => [key(m), m.n]));
    expect(Object.fromEntries(api.monthly.map((m: { month: string; institution: string; role: string; direction: string; n: number }) => [key(m), m.n]))).toEqual(expected);
    const shown = await page.locator('[data-testid="measures-per-institution"] tbody tr').evaluateAll((rows) =>
      rows.flatMap((tr) => Array.from(tr.querySelectorAll('[data-cell]')).map((td) => ({
        month: tr.getAttribute('data-month') ?? '', institution: tr.getAttribute('data-institution') ?? '', cell: td.getAttribute('data-cell') ?? '', n: Number(td.textContent),
      }))));
    const shownNonZero = Object.fromEntries(shown.filter((c) => c.n !== 0).map((c) => [`${c.month} ${c.institution} ${c.cell}`, c.n]));
    expect(shownNonZero).toEqual(expected);
    expect(await page.getByTestId('measures-per-institution').textContent()).toContain(hospital.name);
    await page.screenshot({ path: join(screenshotDir, 'referral-measures-simulation.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });
});
