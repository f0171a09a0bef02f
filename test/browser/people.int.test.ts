import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'otplib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/access/index.js';
import { findPackageRoot } from '../../src/platform/http/web-console.js';
import { createTestTenant, startTestHub, type TestHub } from '../support/app.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureConsoleBuilt } from './console-fixtures.js';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium && process.env.CI) throw new Error(`CI is set but ${CHROMIUM_PATH} is missing: apt-get install chromium`);
const skipReason = haveChromium ? '' : ` (skipped: ${CHROMIUM_PATH} not installed; apt-get install chromium)`;

const packageRoot = findPackageRoot();
const screenshotDir = join(packageRoot, 'test-results');

/** The code an authenticator app would show `offsetSeconds` from now. */
function totp(secret: string, offsetSeconds = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });
}

describe.skipIf(!haveChromium)(`people and sign-in in chromium${skipReason}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let tenantId: string;
  let secret: string;
  const admin = { username: `web-admin-${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}`, displayName: '周管理员' };
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt(packageRoot);
    hub = await startTestHub({ requireMfa: true });
    tenantId = (await createTestTenant(hub, 'system/*.cruds', '协同测试医院')).id;
    await createUser(hub.db, { tenantId, ...admin, roles: ['institution-admin'] });
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

  async function submitPassword() {
    await page.getByLabel('用户名').fill(admin.username);
    await page.getByLabel('密码').fill(admin.password);
    await page.getByRole('button', { name: '登录' }).click();
  }

  it('makes a user without a second factor enrol first: QR code, first code, recovery codes once', async () => {
    await page.goto(`${baseUrl}/`);
    await submitPassword();
    await page.getByRole('heading', { name: '设置双因素验证' }).waitFor();
    const qr = page.getByRole('img', { name: '身份验证器二维码' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    secret = ((await page.getByTestId('mfa-secret').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    await page.getByLabel('验证码').fill('000000');
    await page.getByRole('button', { name: '确认并启用' }).click();
    await page.getByRole('alert').waitFor();

    await page.getByLabel('验证码').fill(await totp(secret));
    await page.getByRole('button', { name: '确认并启用' }).click();
    const codes = page.getByTestId('recovery-codes');
    await codes.waitFor();
    expect(await codes.locator('li').count()).toBe(10);
    await page.screenshot({ path: join(screenshotDir, 'people-recovery-codes.png'), fullPage: true });
    await page.getByRole('button', { name: '我已保存，继续' }).click();
    await page.getByTestId('current-user').waitFor();
    expect(await page.getByTestId('current-user').textContent()).toContain(admin.displayName);
  });

  it('shows only the pages of the role: an institution admin manages users but browses no patients', async () => {
    const nav = page.locator('.topbar__nav');
    await nav.getByRole('link', { name: '用户管理' }).waitFor();
    expect(await nav.getByRole('link', { name: '患者浏览' }).count()).toBe(0);
    await nav.getByRole('link', { name: '账号安全' }).click();
    const status = page.getByTestId('mfa-status');
    await status.waitFor();
    expect(await status.textContent()).toBe('双因素验证已启用。');
    await page.getByRole('heading', { name: '修改密码' }).waitFor();
  });

  it('signs in again in two steps: password, then the code from the app', async () => {
    await page.getByRole('button', { name: '退出登录' }).click();
    await submitPassword();
    await page.getByRole('heading', { name: '双因素验证' }).waitFor();
    // The next 30-second step: the code used for enrolment is never accepted twice.
    await page.getByLabel('验证码').fill(await totp(secret, 30));
    await page.getByRole('button', { name: '验证' }).click();
    await page.getByTestId('current-user').waitFor();
  });

  it('lets the admin create a clinician who then exists with that role', async () => {
    await page.locator('.topbar__nav').getByRole('link', { name: '用户管理' }).click();
    await page.getByRole('heading', { name: '用户管理', level: 1 }).waitFor();
    const table = page.getByTestId('user-table');
    await table.waitFor();
    expect(await table.textContent()).toContain(admin.username);

    const username = `web-doc-${randomUUID().slice(0, 8)}`;
    const form = page.getByTestId('new-user-form');
    await form.getByLabel('用户名').fill(username);
    await form.getByLabel('姓名').fill('吴医生');
    await form.getByLabel('初始密码').fill(`pw-${randomUUID()}`);
    expect(await form.getByLabel('审计员').count()).toBe(0); // region-wide roles are not offered to an institution admin
    await form.getByLabel('临床医生').check();
    await form.getByRole('button', { name: '创建用户' }).click();
    await page.getByText(`已创建用户 ${username}`).waitFor();
    await table.locator(`tr[data-username="${username}"]`).waitFor();
    expect(await table.locator(`tr[data-username="${username}"]`).textContent()).toContain('临床医生');
    const stored = await hub.db.query<{ tenant_id: string; roles: string[] }>('SELECT tenant_id, roles FROM users WHERE username = $1', [username]);
    expect(stored.rows).toEqual([{ tenant_id: tenantId, roles: ['clinician'] }]);
    await page.screenshot({ path: join(screenshotDir, 'people-users.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
