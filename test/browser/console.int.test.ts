import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackageRoot } from '../../src/platform/http/web-console.js';
import { startTestHub, type TestHub } from '../support/app.js';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  createConsoleUser,
  ensureConsoleBuilt,
  pickDemoPatient,
  seedConsoleRegion,
  type ConsoleUser,
  type SeededPatient,
} from './console-fixtures.js';

const haveChromium = existsSync(CHROMIUM_PATH);
// Under CI the browser test must run: a missing chromium is a failure, not a skip.
if (!haveChromium && process.env.CI) throw new Error(`CI is set but ${CHROMIUM_PATH} is missing: apt-get install chromium`);
const skipReason = haveChromium ? '' : ` (skipped: ${CHROMIUM_PATH} not installed; apt-get install chromium)`;

const packageRoot = findPackageRoot();
const screenshotDir = join(packageRoot, 'test-results');

describe.skipIf(!haveChromium)(`web console in chromium${skipReason}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let user: ConsoleUser;
  let patient: SeededPatient;
  let institutionName: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt(packageRoot);
    hub = await startTestHub();
    const tenantPrefix = await seedConsoleRegion(hub.db);
    const picked = await pickDemoPatient(hub.db, tenantPrefix);
    patient = picked.patient;
    institutionName = picked.institutionName;
    user = await createConsoleUser(hub.db, picked.tenantId);
    baseUrl = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    mkdirSync(screenshotDir, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('refuses a wrong password and shows the hub\'s message', async () => {
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('用户名').fill(user.username);
    await page.getByLabel('密码').fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    // The text comes from the 401 OperationOutcome's details.text, not from the console.
    expect(await alert.textContent()).toMatch(/username or password/i);
  });

  it('signs in and shows the region overview', async () => {
    await page.getByLabel('密码').fill(user.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '区域概览' }).waitFor();
    await page.getByTestId('institution-table').waitFor();
    expect(await page.getByTestId('institution-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(9);
    expect(await page.getByTestId('institution-table').textContent()).toContain(institutionName);
    expect(await page.getByTestId('current-user').textContent()).toContain(user.displayName);
    await page.screenshot({ path: join(screenshotDir, 'console-overview.png'), fullPage: true });
  });

  it('finds the patient by name and opens the record with labs', async () => {
    await page.getByRole('link', { name: '患者浏览' }).click();
    await page.getByRole('searchbox').fill(patient.name);
    await page.getByRole('button', { name: '搜索' }).click();
    const result = page.locator(`a[href="/patients/${patient.id}"]`);
    await result.waitFor();
    expect(await page.getByTestId('patient-results').textContent()).toContain(patient.name);
    await result.click();

    const demographics = page.getByTestId('demographics');
    await demographics.waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(patient.name);
    const facts = (await demographics.textContent()) ?? '';
    // Only the last four characters of the id number are ever shown.
    expect(facts).toContain(`**************${patient.residentId.slice(-4)}`);
    expect(facts).not.toContain(patient.residentId);
    const labs = page.getByTestId('labs-table');
    await labs.waitFor();
    expect(await labs.locator('tbody tr').count()).toBe(patient.labCount);
    await page.getByTestId('vitals-table').waitFor();
    await page.screenshot({ path: join(screenshotDir, 'console.png'), fullPage: true });
  });

  it('finds the same patient by resident id number', async () => {
    await page.goto(`${baseUrl}/patients?q=${patient.residentId}`);
    await page.locator(`a[href="/patients/${patient.id}"]`).waitFor();
    expect(await page.getByTestId('patient-results').locator('li').count()).toBe(1);
    await page.goBack();
  });

  it('shows the hub\'s OperationOutcome text when a record cannot be read', async () => {
    await page.goto(`${baseUrl}/patients/no-such-patient-1`);
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Patient/no-such-patient-1 not found');
  });

  it('explains a mistyped id number instead of searching it as a name', async () => {
    await page.goto(`${baseUrl}/patients?q=${patient.residentId.slice(0, 17)}`);
    await page.getByText('身份证号应为 18 位').waitFor();
    expect(await page.getByTestId('patient-results').count()).toBe(0);
  });

  it('switches to English and remembers it across a reload', async () => {
    await page.goto(`${baseUrl}/patients/${patient.id}`);
    await page.getByTestId('labs-table').waitFor();
    await page.getByTestId('language-switch').first().click();
    await page.getByRole('heading', { name: 'Laboratory results' }).waitFor();
    expect(await page.getByRole('link', { name: 'Patients', exact: true }).count()).toBe(1);
    await page.reload();
    await page.getByRole('heading', { name: 'Laboratory results' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.screenshot({ path: join(screenshotDir, 'console-en.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
