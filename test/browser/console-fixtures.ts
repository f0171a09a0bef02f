import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createUser } from '../../src/modules/access/index.js';
import { listDemoInstitutions, seedDemoRegion } from '../../src/modules/demo-region/index.js';
import type { Db } from '../../src/platform/storage/index.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestHub } from '../support/app.js';

/** Debian's chromium; playwright-core drives it (no bundled browser download). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Serves the hub on a free loopback port and starts headless chromium; screenshots go to `screenshotDir`. */
export async function openConsoleBrowser(hub: TestHub, screenshotDir: string): Promise<{ baseUrl: string; browser: Browser }> {
  const baseUrl = await hub.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  mkdirSync(screenshotDir, { recursive: true });
  return { baseUrl, browser };
}

/**
 * A new zh-CN browser context signed in to the console as `person`; page errors are pushed to `pageErrors`
 * (tests assert it stays empty).
 */
export async function signInConsole(browser: Browser, baseUrl: string, person: { username: string; password: string }, pageErrors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('用户名').fill(person.username);
  await page.getByLabel('密码').fill(person.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('current-user').waitFor();
  return page;
}

/** afterAll of a browser test: the browser, then the hub (either may be missing if beforeAll failed). */
export async function closeConsoleBrowser(browser: Browser | undefined, hub: TestHub | undefined): Promise<void> {
  await browser?.close();
  await hub?.close();
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/web with Vite's API when it is missing or older than any file
 * in web/, so the browser never tests a stale console.
 */
export async function ensureConsoleBuilt(packageRoot: string): Promise<void> {
  const index = join(packageRoot, 'dist', 'web', 'index.html');
  const webDir = join(packageRoot, 'web');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(webDir)) return;
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, and Vite would bake that into the bundle (React's development build).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(webDir, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

export interface ConsoleUser {
  tenantId: string;
  username: string;
  password: string;
  displayName: string;
}

/** A clinician at `tenantId` with a fresh username (tests may share a PostgreSQL database). */
export async function createConsoleUser(db: Db, tenantId: string): Promise<ConsoleUser> {
  const user = {
    tenantId,
    username: `web-${randomUUID().slice(0, 8)}`,
    password: `pw-${randomUUID()}`,
    displayName: '李医生',
  };
  await createUser(db, { ...user, roles: ['clinician'] });
  return user;
}

export interface SeededPatient {
  id: string;
  name: string;
  family: string;
  residentId: string;
  labCount: number;
}

/**
 * Picks, in `tenantId`, a patient with a resident id number and laboratory Observations, straight
 * from the tables (the test needs a known answer, not the API under test).
 */
export async function findPatientWithLabs(db: Db, tenantId: string): Promise<SeededPatient | undefined> {
  const { rows } = await db.query<{ id: string; content: { name?: Array<{ text?: string; family?: string; given?: string[] }>; identifier?: Array<{ system?: string; value?: string }> }; labs: number }>(
    `SELECT p.id, p.content, count(o.id)::int AS labs
       FROM fhir_resources p
       JOIN fhir_resources o
         ON o.tenant_id = p.tenant_id AND o.resource_type = 'Observation' AND NOT o.deleted
        AND o.patient_id = p.id
        AND o.content->'category' @> '[{"coding":[{"code":"laboratory"}]}]'
      WHERE p.tenant_id = $1 AND p.resource_type = 'Patient' AND NOT p.deleted
        AND p.content->'identifier' @> '[{"system":"urn:oid:2.16.156.10011.1.3"}]'
      GROUP BY p.id, p.content
      ORDER BY count(o.id) DESC, p.id
      LIMIT 1`,
    [tenantId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const name = row.content.name?.[0];
  const family = name?.family ?? '';
  const residentId = row.content.identifier?.find((i) => i.system === 'urn:oid:2.16.156.10011.1.3')?.value;
  if (!residentId) throw new Error(`patient ${row.id} matched the identifier filter but has no id number`);
  return {
    id: row.id,
    name: name?.text ?? `${family}${(name?.given ?? []).join('')}`,
    family,
    residentId,
    labCount: row.labs,
  };
}

/**
 * Seeds the small demo region (30 patients, seed 1) under a fresh tenant
 * prefix, so runs sharing a PostgreSQL test database never meet each other.
 */
export async function seedConsoleRegion(db: Db): Promise<string> {
  const tenantPrefix = `t-${randomUUID().slice(0, 8)}-`;
  await seedDemoRegion(db, { patients: 30, seed: 1, tenantPrefix });
  return tenantPrefix;
}

/** The first demo institution holding a patient with lab results, and that patient. */
export async function pickDemoPatient(db: Db, tenantPrefix: string): Promise<{ tenantId: string; institutionName: string; patient: SeededPatient }> {
  for (const institution of listDemoInstitutions(tenantPrefix)) {
    const patient = await findPatientWithLabs(db, institution.id);
    if (patient) return { tenantId: institution.id, institutionName: institution.name, patient };
  }
  throw new Error('the demo region holds no patient with a resident id number and lab results');
}
