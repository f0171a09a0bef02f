import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/access/index.js';
import { REGIONAL_ID_SYSTEM } from '../../src/modules/identity/index.js';
import { buildPatient, randomPerson, slipBirthDate } from '../../src/modules/identity/test-support.js';
import { findPackageRoot } from '../../src/platform/http/web-console.js';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../support/app.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureConsoleBuilt } from './console-fixtures.js';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium && process.env.CI) throw new Error(`CI is set but ${CHROMIUM_PATH} is missing: apt-get install chromium`);
const skipReason = haveChromium ? '' : ` (skipped: ${CHROMIUM_PATH} not installed; apt-get install chromium)`;

const packageRoot = findPackageRoot();
const screenshotDir = join(packageRoot, 'test-results');

describe.skipIf(!haveChromium)(`identity review queue in chromium${skipReason}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let a: TestTenant;
  let c: TestTenant;
  let pa = '';
  let pc = '';
  const steward = { username: `web-steward-${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}`, displayName: '吴管理员' };
  const person = randomPerson('钱立群');
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt(packageRoot);
    hub = await startTestHub({ requireMfa: false, identityOnlineMatch: true });
    await hub.deps.events.drain(); // places the index consumer's cursor (it starts at the end of the log)
    a = await createTestTenant(hub, 'system/*.cruds', '协同测试医院');
    c = await createTestTenant(hub, 'system/*.cruds', '协同县医院');
    await createUser(hub.db, { tenantId: a.id, ...steward, roles: ['institution-admin'] });
    // One person, or two? Same name and sex, birth dates one digit apart, no id, different phone and address.
    const base = { name: person.name, gender: person.gender, birthDate: person.birthDate };
    const post = async (t: TestTenant, p: Patient) => (await hub.app.inject({ method: 'POST', url: '/fhir/Patient', headers: t.headers, payload: p })).json().id as string;
    pa = await post(a, buildPatient({ ...base, phone: person.phone, address: person.address }));
    pc = await post(c, buildPatient({ ...base, birthDate: slipBirthDate(person.birthDate), phone: randomPerson('x').phone, address: '宁波市海曙区中山西路88号' }));
    await hub.deps.events.drain();
    baseUrl = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    mkdirSync(screenshotDir, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  const regional = async (t: TestTenant, id: string) =>
    ((await hub.app.inject({ method: 'GET', url: `/fhir/Patient/${id}`, headers: t.headers })).json() as Patient).identifier?.find((i) => i.system === REGIONAL_ID_SYSTEM)?.value;

  it('shows the steward the queue in Chinese and the pair side by side', async () => {
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('用户名').fill(steward.username);
    await page.getByLabel('密码').fill(steward.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('current-user').waitFor();
    await page.locator('.topbar__nav').getByRole('link', { name: '患者身份核对' }).click();
    await page.getByRole('heading', { name: '患者身份核对', level: 1 }).waitFor();
    const queue = page.getByTestId('identity-queue');
    await queue.waitFor();
    const row = queue.locator('tr', { hasText: person.name }).first();
    expect(await row.textContent()).toContain('协同县医院');
    await row.getByRole('link', { name: '核对' }).click();
    const fields = page.getByTestId('pair-fields');
    await fields.waitFor();
    expect(await fields.textContent()).toContain('出生日期');
    expect(await page.getByTestId('pair-side-a').textContent()).toContain(person.name);
    expect(await page.getByTestId('pair-status').textContent()).toBe('待核对');
    await page.screenshot({ path: join(screenshotDir, 'identity-pair.png'), fullPage: true });
  });

  it('links the pair with one click, then undoes it', async () => {
    expect(await regional(a, pa)).not.toBe(await regional(c, pc));
    await page.getByLabel('说明（可选）').fill('电话核实为同一人');
    await page.getByRole('button', { name: '同一人', exact: true }).click();
    await page.getByText('已保存：已确认同一人').waitFor();
    expect(await page.getByTestId('pair-status').textContent()).toBe('已确认同一人');
    expect(await page.getByTestId('pair-decisions').textContent()).toContain('电话核实为同一人');
    expect(await regional(a, pa)).toBe(await regional(c, pc));
    await page.getByRole('button', { name: '撤销决定，重新匹配' }).click();
    await page.getByText('已保存：待核对').waitFor();
    expect(await regional(a, pa)).not.toBe(await regional(c, pc));
    await page.getByRole('button', { name: '不是同一人' }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('switches to English', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Not the same person' }).waitFor();
    await page.getByRole('button', { name: '中文' }).click().catch(() => undefined);
  });
});
