import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/access/index.js';
import { detectAnomalies, drainAuditQueue } from '../../src/modules/audit/index.js';
import { findPackageRoot } from '../../src/platform/http/web-console.js';
import { startTestHub, type TestHub } from '../support/app.js';
import { buildRegion, type Region } from '../support/region-fixtures.js';
import { CHROMIUM_PATH, closeConsoleBrowser, openConsoleBrowser, ensureConsoleBuilt } from './console-fixtures.js';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium && process.env.CI) throw new Error(`CI is set but ${CHROMIUM_PATH} is missing: apt-get install chromium`);
const skipReason = haveChromium ? '' : ` (skipped: ${CHROMIUM_PATH} not installed; apt-get install chromium)`;

const packageRoot = findPackageRoot();
const screenshotDir = join(packageRoot, 'test-results');

describe.skipIf(!haveChromium)(`consent, regional record, break-the-glass and the privacy workspace in chromium${skipReason}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let baseUrl: string;
  let region: Region;
  const pageErrors: string[] = [];
  const password = `pw-${randomUUID()}`;
  const users: Record<'patient' | 'doctorB' | 'nurseC' | 'officer', string> = {
    patient: `web-pat-${randomUUID().slice(0, 8)}`,
    doctorB: `web-docb-${randomUUID().slice(0, 8)}`,
    nurseC: `web-nursec-${randomUUID().slice(0, 8)}`,
    officer: `web-po-${randomUUID().slice(0, 8)}`,
  };
  const pages: Partial<Record<keyof typeof users, Page>> = {};

  beforeAll(async () => {
    await ensureConsoleBuilt(packageRoot);
    hub = await startTestHub();
    region = await buildRegion(hub);
    await createUser(hub.db, { tenantId: region.a.id, username: users.patient, displayName: '李秀英', password, roles: ['patient'], patientId: region.patientA });
    await createUser(hub.db, { tenantId: region.b.id, username: users.doctorB, displayName: '王医生', password, roles: ['clinician'] });
    await createUser(hub.db, { tenantId: region.c.id, username: users.nurseC, displayName: '赵护士', password, roles: ['nurse'] });
    await createUser(hub.db, { tenantId: region.a.id, username: users.officer, displayName: '隐私专员', password, roles: ['privacy-officer'] });
    ({ baseUrl, browser } = await openConsoleBrowser(hub, screenshotDir));
  }, 300_000);

  afterAll(() => closeConsoleBrowser(browser, hub));

  /** Each person gets a browser context of their own, signed in once. */
  async function as(who: keyof typeof users): Promise<Page> {
    if (pages[who]) return pages[who]!;
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('用户名').waitFor({ timeout: 30_000 }).catch(async (err) => {
      await page.screenshot({ path: join(screenshotDir, `privacy-signin-${who}-failed.png`), fullPage: true });
      throw err;
    });
    await page.getByLabel('用户名').fill(users[who]);
    await page.getByLabel('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('current-user').waitFor();
    pages[who] = page;
    return page;
  }

  async function openRegional(page: Page, tenantId: string, patientId: string) {
    await page.goto(`${baseUrl}/regional/${tenantId}/${patientId}`);
    await page.getByRole('heading', { name: '区域健康档案' }).waitFor();
    await page.locator(`[data-institution="${region.a.id}"]`).waitFor();
  }

  it('the patient grants sharing with the community clinic on the consent page', async () => {
    const page = await as('patient');
    await page.getByRole('link', { name: '我的授权' }).click();
    await page.getByRole('heading', { name: '我的数据共享授权' }).waitFor();
    await page.getByText('您还没有授权任何机构。').waitFor();
    await page.locator(`input[name="institution"][value="${region.b.id}"]`).check();
    await page.getByRole('button', { name: '授权', exact: true }).click();
    const row = page.getByTestId('consent-table').locator('tr[data-status="active"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('东城社区卫生服务中心');
    expect(await row.textContent()).toContain('不含');
    await page.screenshot({ path: join(screenshotDir, 'privacy-consent.png'), fullPage: true });
  });

  it('the clinician at B sees A\'s ordinary records and only a count of the withheld ones', async () => {
    const page = await as('doctorB');
    await hub.app.inject({ method: 'POST', url: '/fhir/Encounter', headers: { ...region.b.headers, 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${region.patientB}` } } });
    await openRegional(page, region.b.id, region.patientB);
    const card = page.locator(`[data-institution="${region.a.id}"]`);
    expect(await card.getAttribute('data-access')).toBe('partial');
    expect(await card.textContent()).toContain('Hemoglobin');
    expect(await card.textContent()).not.toContain('抑郁');
    expect(await card.getByTestId('withheld').textContent()).toContain('2');
    await page.screenshot({ path: join(screenshotDir, 'privacy-regional-record.png'), fullPage: true });
  });

  it('after the patient withdraws, the clinician\'s next look shows nothing from A', async () => {
    const patient = await as('patient');
    await patient.getByRole('button', { name: '撤回' }).click();
    await patient.getByTestId('consent-table').locator('tr[data-status="inactive"]').waitFor();
    const page = await as('doctorB');
    await openRegional(page, region.b.id, region.patientB);
    const card = page.locator(`[data-institution="${region.a.id}"]`);
    expect(await card.getAttribute('data-access')).toBe('none');
    expect(await card.textContent()).toContain('患者未授权向本机构共享');
  });

  it('a nurse with no relationship breaks the glass through the dialog and then sees everything', async () => {
    const page = await as('nurseC');
    await openRegional(page, region.a.id, region.patientA);
    expect(await page.locator(`[data-institution="${region.a.id}"]`).getAttribute('data-access')).toBe('none');
    await page.getByRole('button', { name: '紧急授权（破窗）' }).click();
    const dialog = page.getByRole('dialog', { name: '紧急授权访问' });
    await dialog.waitFor().catch(async (err) => {
      await page.screenshot({ path: join(screenshotDir, 'privacy-break-glass-failed.png'), fullPage: true });
      throw err;
    });
    await dialog.getByLabel('理由').selectOption('life-threatening-emergency');
    await dialog.getByLabel('情况说明（必填）').fill('患者昏迷送入急诊，需查阅既往病史与用药');
    await page.screenshot({ path: join(screenshotDir, 'privacy-break-glass-dialog.png'), fullPage: true });
    await dialog.getByRole('button', { name: '确认紧急访问' }).click();
    await page.getByText('紧急授权访问中').first().waitFor();
    const card = page.locator(`[data-institution="${region.a.id}"]`);
    expect(await card.getAttribute('data-access')).toBe('full');
    expect(await card.textContent()).toContain('抑郁发作');
  });

  it('the privacy officer reviews the grant, handles an alert, searches the audit trail and verifies the log', async () => {
    // Three refused looks without a care relationship by another person make an alert.
    const prober = await hub.deps.tokens.mint({ tenantId: region.c.id, actor: { kind: 'user', id: `prober-${randomUUID().slice(0, 6)}`, roles: ['clinician'] }, scope: 'user/*.rs' });
    for (let i = 0; i < 3; i++) {
      await hub.app.inject({ method: 'GET', url: `/api/sharing/patients/${region.patientA}/record?institution=${region.a.id}`, headers: { authorization: `Bearer ${prober.access_token}` } });
    }
    await drainAuditQueue(hub.db);
    expect(await detectAnomalies(hub.db)).toBeGreaterThanOrEqual(1);

    const page = await as('officer');
    await page.getByRole('link', { name: '隐私监管' }).click();
    await page.getByRole('heading', { name: '隐私监管工作台' }).waitFor();
    const reviews = page.getByTestId('break-glass-reviews');
    await reviews.waitFor();
    expect(await reviews.textContent()).toContain('患者昏迷送入急诊');
    const alerts = page.getByTestId('alerts');
    await alerts.locator('tr[data-rule="no-care-relationship"]').first().waitFor();
    await page.screenshot({ path: join(screenshotDir, 'privacy-workspace.png'), fullPage: true });

    const grantRows = reviews.locator('tr[data-grant]');
    const before = await grantRows.count();
    await grantRows.first().getByRole('button', { name: '合理', exact: true }).click();
    await expect.poll(async () => (await page.getByTestId('break-glass-reviews').count()) === 0 || (await grantRows.count()) < before).toBe(true);

    const alertRows = alerts.locator('tr[data-rule]');
    const alertsBefore = await alertRows.count();
    await alertRows.first().getByRole('button', { name: '确认违规' }).click();
    await expect.poll(async () => (await page.getByTestId('alerts').count()) === 0 || (await alertRows.count()) < alertsBefore).toBe(true);

    await page.getByLabel('患者（机构编号/患者编号）').fill(`${region.a.id}/${region.patientA}`);
    await page.getByRole('button', { name: '检索' }).click();
    const results = page.getByTestId('audit-results');
    await results.waitFor();
    expect(await results.textContent()).toContain('break-glass');
    expect(await results.textContent()).toContain('$regional-record');

    await page.getByRole('button', { name: '立即校验' }).click();
    const report = page.getByTestId('verify-report');
    await report.waitFor();
    expect(await report.getAttribute('data-ok')).toBe('true');
    expect(await report.textContent()).toContain('日志完整');
    await page.screenshot({ path: join(screenshotDir, 'privacy-verify.png'), fullPage: true });
  });

  it('the patient sees who accessed the record, in English too', async () => {
    await drainAuditQueue(hub.db);
    const page = await as('patient');
    await page.reload();
    const log = page.getByTestId('access-log');
    await log.waitFor();
    expect(await log.textContent()).toContain('赵护士');
    expect(await log.textContent()).toContain('王医生');
    await page.getByTestId('language-switch').click();
    await page.getByRole('heading', { name: 'Sharing my health records' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
