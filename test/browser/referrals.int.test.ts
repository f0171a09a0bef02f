import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/access/index.js';
import { findPackageRoot } from '../../src/platform/http/web-console.js';
import { startTestHub, type TestHub } from '../support/app.js';
import { CHROMIUM_PATH, closeConsoleBrowser, openConsoleBrowser, ensureConsoleBuilt, signInConsole } from './console-fixtures.js';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium && process.env.CI) throw new Error(`CI is set but ${CHROMIUM_PATH} is missing: apt-get install chromium`);
const skipReason = haveChromium ? '' : ` (skipped: ${CHROMIUM_PATH} not installed; apt-get install chromium)`;

const packageRoot = findPackageRoot();
const screenshotDir = join(packageRoot, 'test-results');

interface Person { username: string; password: string; displayName: string }

async function makePerson(hub: TestHub, tenantId: string, roles: string[], displayName: string): Promise<Person> {
  const person = { username: `ref-${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}`, displayName };
  await createUser(hub.db, { tenantId, ...person, roles });
  return person;
}

async function postAs(hub: TestHub, tenantId: string, resource: Record<string, unknown>): Promise<string> {
  const { access_token } = await hub.deps.tokens.mint({ tenantId, actor: { kind: 'system', id: `seed-${tenantId}` }, scope: 'system/*.cruds' });
  const res = await hub.app.inject({ method: 'POST', url: `/fhir/${String(resource.resourceType)}`, headers: { authorization: `Bearer ${access_token}` }, payload: resource });
  if (res.statusCode !== 201) throw new Error(res.body);
  return (res.json() as { id: string }).id;
}

describe.skipIf(!haveChromium)(`referral loop in the console${skipReason}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let baseUrl: string;
  let chc: string;
  let hospital: string;
  let patientId: string;
  let doctor: Person;
  let coordinator: Person;
  let specialist: Person;
  let referralUrl: string;
  const pageErrors: string[] = [];

  const signIn = (person: Person): Promise<Page> => signInConsole(browser, baseUrl, person, pageErrors);

  async function press(page: Page, action: string, state: string): Promise<void> {
    await page.locator(`button[data-action="${action}"]`).click();
    await page.locator(`[data-testid="referral-detail"][data-state="${state}"]`).waitFor();
  }

  beforeAll(async () => {
    await ensureConsoleBuilt(packageRoot);
    hub = await startTestHub();
    chc = `t-${randomUUID().slice(0, 12)}`;
    hospital = `t-${randomUUID().slice(0, 12)}`;
    await hub.db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3), ($4, $5, $6)', [
      chc, '测试湖滨社区卫生服务中心', 'community-health-centre', hospital, '测试第一人民医院', 'tertiary-hospital',
    ]);
    patientId = await postAs(hub, chc, {
      resourceType: 'Patient', name: [{ text: '孙八', family: '孙', given: ['八'] }], gender: 'female', birthDate: '1956-03-02',
      identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: `3390021956030${String(Math.floor(Math.random() * 90000) + 10000)}` }],
    });
    // The hospital's directory says it offers cardiology, so the recommendation lists it.
    await postAs(hub, hospital, {
      resourceType: 'PractitionerRole', active: true, specialty: [{ coding: [{ system: 'http://snomed.info/sct', code: '394579002', display: 'Cardiology' }] }],
    });
    doctor = await makePerson(hub, chc, ['clinician'], '王社区医生');
    coordinator = await makePerson(hub, hospital, ['referral-coordinator'], '转诊办刘');
    specialist = await makePerson(hub, hospital, ['clinician'], '陈主任');
    ({ baseUrl, browser } = await openConsoleBrowser(hub, screenshotDir));
  }, 300_000);

  afterAll(() => closeConsoleBrowser(browser, hub));

  it('the community doctor writes a referral, picking the receiver from the recommendation', async () => {
    const page = await signIn(doctor);
    await page.getByRole('link', { name: '双向转诊' }).click();
    await page.getByRole('link', { name: '发起转诊' }).click();
    await page.getByLabel('患者（Patient/编号）').fill(`Patient/${patientId}`);
    await page.getByLabel('紧急程度').selectOption('urgent');
    await page.getByLabel('转诊原因').fill('活动后胸闷两周，心电图ST段压低');
    await page.getByTestId('recommend').click();
    const row = page.locator(`[data-testid="recommendations"] tr[data-institution="${hospital}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Offers the requested specialty');
    await row.getByRole('button', { name: '选择' }).click();
    await page.getByTestId('send-referral').click();
    await page.locator('[data-testid="referral-detail"][data-state="requested"]').waitFor();
    referralUrl = page.url();
    expect(referralUrl).toMatch(/\/referrals\/[0-9a-f-]{36}$/);
    expect(await page.getByTestId('loop-status').textContent()).toBe('闭环未完成');
    await page.context().close();
  });

  it('the hospital coordinator finds it in triage, accepts and schedules it', async () => {
    const page = await signIn(coordinator);
    await page.goto(`${baseUrl}/referrals`);
    const worklist = page.getByTestId('referral-worklist');
    await worklist.waitFor();
    expect(await worklist.textContent()).toContain('孙八');
    await worklist.getByRole('link', { name: '孙八' }).click();
    await page.getByTestId('referral-detail').waitFor();
    await press(page, 'accept', 'accepted');
    await page.locator('button[data-action="schedule"]').click();
    await page.locator('input[name="appointmentAt"]').fill('2026-12-02T09:30');
    await page.getByRole('button', { name: '确定' }).click();
    await page.locator('[data-testid="referral-detail"][data-state="scheduled"]').waitFor();
    // Entered and shown in China Standard Time, whatever the browser's own zone (headless chromium runs in UTC here).
    expect(await page.getByTestId('appointment').textContent()).toBe('2026/12/2 09:30');
    await page.context().close();
  });

  it('the specialist sees the patient, completes and returns the report', async () => {
    const page = await signIn(specialist);
    await page.goto(referralUrl);
    await page.getByTestId('referral-detail').waitFor();
    await press(page, 'start', 'in-progress');
    await press(page, 'complete', 'completed');
    await page.locator('button[data-action="return-report"]').click();
    await page.locator('textarea[name="conclusion"]').fill('冠状动脉造影示前降支狭窄70%，已置入支架；建议双抗治疗12个月，社区随访血压血脂。');
    await page.getByRole('button', { name: '确定' }).click();
    await page.locator('[data-testid="referral-detail"][data-state="report-returned"]').waitFor();
    await page.context().close();
  });

  it('the community doctor sees the returned report and the loop closed', async () => {
    const page = await signIn(doctor);
    await page.goto(referralUrl);
    await page.locator('[data-testid="referral-detail"][data-state="report-returned"]').waitFor();
    expect(await page.getByTestId('loop-status').textContent()).toBe('闭环完成');
    expect(await page.getByTestId('referral-report').textContent()).toContain('已置入支架');
    const actions = await page.getByTestId('referral-timeline').locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-action')));
    expect(actions).toEqual(['create', 'accept', 'schedule', 'start', 'complete', 'return-report']);
    await page.screenshot({ path: join(screenshotDir, 'referral-closed.png'), fullPage: true });
    await page.goto(`${baseUrl}/referrals?box=outgoing&status=closed`);
    await page.getByTestId('referral-worklist').waitFor();
    expect(await page.getByTestId('referral-worklist').textContent()).toContain('报告已返回');
    await page.goto(`${baseUrl}/referrals/measures`);
    await page.getByTestId('referral-measures').waitFor();
    expect(await page.getByTestId('measure-total').textContent()).toBe('1');
    expect(await page.getByTestId('measure-closure').textContent()).toBe('100.0%');
    await page.screenshot({ path: join(screenshotDir, 'referral-measures.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });
});
