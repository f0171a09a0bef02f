import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { HubError } from '../../platform/errors/index.js';
import type { Db } from '../../platform/storage/index.js';
import { findDemoClient, findInstitution, listDemoClients, updateClientJwks, type ClientRow } from './client.repo.js';
import { generateClientKeyPair, registerClient } from './client.service.js';
import { AccessErrors } from './errors.js';
import { findUserByUsername, listDemoUsers } from './user.repo.js';
import { hashPassword } from './password.js';
import type { UserRole } from './role-policy.js';
import { createUser } from './user.service.js';

/**
 * The password of every demo user. Publishing it is acceptable only because
 * demo users exist only in demo mode (createDemoCredentials refuses otherwise).
 */
export const DEMO_PASSWORD = 'demo-xietong-2026';
export const DEMO_CLIENT_SCOPE = 'system/*.cruds';
const TERTIARY_KIND = 'tertiary-hospital';
const INDEX_FILE = 'clients.json';

export interface DemoInstitution {
  id: string;
  /** For the caller's convenience; the name in the institutions table is used. */
  name: string;
  /** Looked up in the institutions table when absent. */
  kind?: string;
}

/** One line of `<dataDir>/demo-credentials/clients.json`: how the CLI finds an institution's demo client and key. */
export interface DemoClientEntry {
  institutionId: string;
  institutionName: string;
  kind: string;
  clientId: string;
  /** Absolute path of the private JWK (mode 0600). */
  keyFile: string;
}

export function demoCredentialsDir(dataDir: string): string {
  return join(dataDir, 'demo-credentials');
}

function keyFileFor(dataDir: string, institutionId: string): string {
  return join(demoCredentialsDir(dataDir), `${institutionId.replace(/[^\w.-]/g, '_')}.jwk`);
}

/** Per institution: username suffix, role, display-name suffix. `<id>.doctor` and `<id>.coordinator` are the historical names. */
const INSTITUTION_DEMO_USERS: ReadonlyArray<[string, UserRole, string]> = [
  ['doctor', 'clinician', '临床医生'],
  ['nurse', 'nurse', '护士'],
  ['coordinator', 'referral-coordinator', '转诊协调员'],
  ['admin', 'institution-admin', '机构管理员'],
];
/** Region-wide users, placed at the tertiary hospital (the consortium's lead institution). */
const REGIONAL_DEMO_USERS: ReadonlyArray<[string, UserRole, string]> = [
  ['region.analyst', 'regional-analyst', '区域数据分析员'],
  ['region.privacy', 'privacy-officer', '隐私保护专员'],
  ['region.auditor', 'auditor', '审计员'],
  ['region.admin', 'regional-admin', '区域管理员'],
];

/** Demo usernames derive from the institution id: `<id>.doctor`, `<id>.nurse`, `<id>.coordinator`, `<id>.admin`. */
function usernameBase(institutionId: string): string {
  const slug = institutionId.toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 48);
  return slug.length > 0 ? slug : 'inst';
}

/** Reads the institution → demo client index; [] when there is none. */
export function readDemoClients(dataDir: string): DemoClientEntry[] {
  const file = join(demoCredentialsDir(dataDir), INDEX_FILE);
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { clients?: DemoClientEntry[] };
  return Array.isArray(parsed.clients) ? parsed.clients : [];
}

function writeDemoClients(dataDir: string, entries: DemoClientEntry[]): void {
  const file = join(demoCredentialsDir(dataDir), INDEX_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ clients: entries }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Writes a private key readable by its owner only. */
export function writePrivateKeyFile(path: string, jwk: JWK): void {
  writeFileSync(path, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // mode applies only on creation; an older file keeps its own
}

/** True when the key file holds a private key whose kid the client has registered. */
function keyFileMatches(path: string, client: ClientRow): boolean {
  if (!existsSync(path)) return false;
  try {
    const jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
    return typeof jwk.d === 'string' && (client.jwks?.keys ?? []).some((key) => key.kid === jwk.kid);
  } catch {
    return false;
  }
}

/** Reuses the institution's demo client when its key file still fits, otherwise issues a fresh key (and client). */
async function ensureDemoClient(db: Db, dataDir: string, institution: Required<DemoInstitution>): Promise<DemoClientEntry> {
  const keyFile = keyFileFor(dataDir, institution.id);
  const entry = { institutionId: institution.id, institutionName: institution.name, kind: institution.kind, keyFile };
  const existing = await findDemoClient(db, institution.id);
  if (existing && keyFileMatches(keyFile, existing)) return { ...entry, clientId: existing.client_id };
  const pair = await generateClientKeyPair('ES384');
  let clientId: string;
  if (existing) {
    await updateClientJwks(db, existing.client_id, { keys: [pair.publicJwk as Record<string, unknown>] });
    clientId = existing.client_id;
  } else {
    ({ clientId } = await registerClient(db, {
      tenantId: institution.id,
      name: `${institution.name} demo system`,
      jwks: { keys: [pair.publicJwk] },
      scope: DEMO_CLIENT_SCOPE,
      demo: true,
    }));
  }
  writePrivateKeyFile(keyFile, pair.privateJwk);
  return { ...entry, clientId };
}

async function ensureDemoUser(db: Db, tenantId: string, username: string, displayName: string, role: string, passwordHash: string): Promise<void> {
  if (await findUserByUsername(db, username)) return;
  try {
    await createUser(db, { tenantId, username, displayName, password: DEMO_PASSWORD, passwordHash, roles: [role], demo: true });
  } catch (err) {
    // Another process created it meanwhile: the demo user exists, which is all we want.
    if (!(err instanceof HubError && err.code === AccessErrors.USERNAME_TAKEN.code)) throw err;
  }
}

/**
 * Creates (or reuses) the demo credentials for each institution: a system
 * client with `system/*.cruds` whose private key is written to
 * `<dataDir>/demo-credentials/<institution>.jwk` (mode 0600), a clinician, a
 * nurse, a referral coordinator and an institution admin per institution, and
 * the region-wide analyst, privacy officer, auditor and regional admin at the
 * tertiary hospital, all with DEMO_PASSWORD. Idempotent. Refuses (ACCESS_DEMO_ONLY) unless `demo` is true.
 * Returns printable lines for the start-up banner.
 */
export async function createDemoCredentials(
  db: Db,
  options: { dataDir: string; institutions: ReadonlyArray<DemoInstitution>; demo: boolean },
): Promise<string[]> {
  if (options.demo !== true) {
    throw new HubError(AccessErrors.DEMO_ONLY, 'Demo credentials exist only in demo mode (--demo or XIETONG_DEMO=true)');
  }
  mkdirSync(demoCredentialsDir(options.dataDir), { recursive: true, mode: 0o700 });
  const institutions: Array<Required<DemoInstitution>> = [];
  for (const given of options.institutions) {
    const row = await findInstitution(db, given.id);
    if (!row) throw new HubError(AccessErrors.UNKNOWN_TENANT, `No institution with id "${given.id}"`);
    institutions.push({ id: row.id, name: row.name, kind: given.kind ?? row.kind }); // the table is the source of truth for names
  }
  const regionalAt = institutions.find((i) => i.kind === TERTIARY_KIND) ?? institutions[0];
  const entries = new Map(readDemoClients(options.dataDir).map((e) => [e.institutionId, e]));
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const institution of institutions) {
    entries.set(institution.id, await ensureDemoClient(db, options.dataDir, institution));
    const base = usernameBase(institution.id);
    for (const [suffix, role, title] of INSTITUTION_DEMO_USERS) {
      await ensureDemoUser(db, institution.id, `${base}.${suffix}`, `${institution.name} ${title}`, role, passwordHash);
    }
  }
  if (regionalAt) {
    for (const [username, role, title] of REGIONAL_DEMO_USERS) await ensureDemoUser(db, regionalAt.id, username, title, role, passwordHash);
  }
  writeDemoClients(options.dataDir, [...entries.values()]);
  return listDemoCredentials(db, options.dataDir);
}

/**
 * The demo credentials already in the database and data dir, as printable
 * lines (the same as createDemoCredentials returns); [] when there are none.
 */
export async function listDemoCredentials(db: Db, dataDir: string): Promise<string[]> {
  const clients = await listDemoClients(db);
  const users = await listDemoUsers(db);
  if (clients.length === 0 && users.length === 0) return [];
  const keyFiles = new Map(readDemoClients(dataDir).map((e) => [e.clientId, e.keyFile]));
  const lines = [
    'Demo credentials (demo mode only, never use them in production):',
    `  password of every demo user: ${DEMO_PASSWORD}`,
  ];
  const tenants = [...new Set([...clients.map((c) => c.tenant_id), ...users.map((u) => u.tenant_id)])];
  for (const tenantId of tenants) {
    const client = clients.find((c) => c.tenant_id === tenantId); // the newest: listDemoClients orders them so
    const tenantUsers = users.filter((u) => u.tenant_id === tenantId);
    const name = client?.institution_name ?? tenantUsers[0]?.institution_name ?? tenantId;
    lines.push(`  ${name} [${tenantId}]`);
    if (tenantUsers.length) lines.push(`    users: ${tenantUsers.map((u) => `${u.username} (${u.roles.join(', ')})`).join(', ')}`);
    if (client) {
      const keyFile = keyFiles.get(client.client_id);
      lines.push(`    system client: ${client.client_id}  key: ${keyFile ?? '(private key not in this data dir)'}`);
    }
  }
  lines.push('  access token for scripts: xietong token --demo [--institution <id or name>]');
  return lines;
}
