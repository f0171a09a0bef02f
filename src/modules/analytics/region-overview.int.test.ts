import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../platform/storage/index.js';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { getRegionOverview, type RegionOverview } from './region-overview.service.js';

/** Writes one resource version straight into the tables (the overview reads tables, not the FHIR API). */
async function putVersion(
  db: Queryable,
  v: { tenant: string; type: string; id: string; version: number; at: Date; deleted?: boolean; content?: object },
): Promise<void> {
  const deleted = v.deleted ?? false;
  const content = deleted ? null : (v.content ?? { resourceType: v.type, id: v.id });
  const method = deleted ? 'DELETE' : v.version === 1 ? 'POST' : 'PUT';
  await db.query(
    `INSERT INTO fhir_resource_history (tenant_id, resource_type, id, version_id, last_updated, deleted, method, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [v.tenant, v.type, v.id, v.version, v.at, deleted, method, content],
  );
  await db.query(
    `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, resource_type, id)
     DO UPDATE SET version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated,
                   deleted = EXCLUDED.deleted, content = EXCLUDED.content`,
    [v.tenant, v.type, v.id, v.version, v.at, deleted, content],
  );
}

const ctx = { tenantId: 'x', actor: { kind: 'system' as const, id: 'test' }, scopes: [], requestId: 'r', baseUrl: 'http://hub.test' };

describe('GET /api/region/overview', () => {
  let hub: TestHub;
  let tenant: TestTenant;
  let emptyTenant: TestTenant;

  beforeAll(async () => {
    hub = await startTestHub();
    tenant = await createTestTenant(hub, 'user/*.rs', '协同测试医院');
    emptyTenant = await createTestTenant(hub, 'user/*.rs', '空白社区卫生服务中心');
    const at = new Date();
    for (let i = 0; i < 3; i++) {
      await putVersion(hub.db, {
        tenant: tenant.id, type: 'Patient', id: `p${i}`, version: 1, at,
        content: { resourceType: 'Patient', id: `p${i}`, name: [{ text: `隐私姓名${i}` }] },
      });
    }
    await putVersion(hub.db, { tenant: tenant.id, type: 'Patient', id: 'gone', version: 1, at });
    await putVersion(hub.db, { tenant: tenant.id, type: 'Patient', id: 'gone', version: 2, at, deleted: true });
    await putVersion(hub.db, { tenant: tenant.id, type: 'Encounter', id: 'e1', version: 1, at });
    await putVersion(hub.db, { tenant: tenant.id, type: 'Observation', id: 'o1', version: 1, at });
    await putVersion(hub.db, { tenant: tenant.id, type: 'Observation', id: 'o1', version: 2, at });
    await putVersion(hub.db, { tenant: tenant.id, type: 'Practitioner', id: 'dr1', version: 1, at });
    // Rows of a tenant that is not (or not yet) an institution must not skew the totals.
    await putVersion(hub.db, { tenant: `ghost-${randomUUID().slice(0, 8)}`, type: 'Patient', id: 'g1', version: 1, at });
  });
  afterAll(async () => hub?.close());

  it('counts live records per institution and never returns resource content', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/api/region/overview', headers: tenant.headers });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('隐私姓名');
    const body = res.json() as RegionOverview;
    const mine = body.institutions.find((i) => i.id === tenant.id);
    expect(mine).toMatchObject({ name: '协同测试医院', patients: 3, encounters: 1, observations: 1, conditions: 0, resources: 6 });
    expect(mine?.lastUpdated).not.toBeNull();
    const empty = body.institutions.find((i) => i.id === emptyTenant.id);
    expect(empty).toMatchObject({ patients: 0, resources: 0, lastUpdated: null });
    expect(body.totals.institutions).toBe(body.institutions.length);
    expect(body.totals.patients).toBe(body.institutions.reduce((sum, i) => sum + i.patients, 0));
    expect(body.totals.resources).toBe(body.institutions.reduce((sum, i) => sum + i.resources, 0));
    expect(body.resourceTypes.reduce((sum, r) => sum + r.count, 0)).toBe(body.totals.resources);
    expect(body.activity).toHaveLength(14);
    const rank = ['tertiary-hospital', 'district-hospital', 'community-health-centre'];
    const ranks = body.institutions.map((i) => (rank.includes(i.kind) ? rank.indexOf(i.kind) : 3));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(body.activity.at(-1)?.date).toBe(new Date().toISOString().slice(0, 10));
  });

  it('needs a token', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/api/region/overview' });
    expect(res.statusCode).toBe(401);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('refuses a forged token', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/api/region/overview', headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().issue[0].code).toBe('login');
  });

  it.each(['0', '-3', 'abc', '1.5', '367', '99999', '7&days=8'])('rejects days=%s with a 400 OperationOutcome', async (days) => {
    const res = await hub.app.inject({ method: 'GET', url: `/api/region/overview?days=${days}`, headers: tenant.headers });
    expect(res.statusCode).toBe(400);
    const outcome = res.json();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].expression).toEqual(['days']);
    expect(outcome.issue[0].details.coding[0].code).toBe('ANALYTICS_INVALID_PARAMETER');
  });

  it('honours a valid days window', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/api/region/overview?days=30', headers: tenant.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().activity).toHaveLength(30);
  });

  it('unknown /api paths keep the API 404 OperationOutcome', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/api/region/nope', headers: { ...tenant.headers, accept: 'text/html' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('is documented in the OpenAPI document, and the console pages are not', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths ?? {});
    expect(paths).toContain('/api/region/overview');
    expect(paths).not.toContain('/');
    expect(paths).not.toContain('/*');
  });

  it('splits history into creates, updates and deletes per UTC day, zero-filled', async () => {
    // A window far in the past, compared before and after, so data left by earlier runs
    // on a shared PostgreSQL database cannot change the answer.
    const now = new Date('1991-03-08T23:59:00Z');
    const before = await getRegionOverview(hub.db, ctx, { days: 7, now });
    const t = `t-${randomUUID().slice(0, 12)}`;
    await hub.db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3)', [t, 'History Clinic', 'other']);
    const day = (d: string) => new Date(`${d}T10:00:00Z`);
    await putVersion(hub.db, { tenant: t, type: 'Patient', id: 'a', version: 1, at: day('1991-03-05') });
    await putVersion(hub.db, { tenant: t, type: 'Patient', id: 'b', version: 1, at: day('1991-03-05') });
    await putVersion(hub.db, { tenant: t, type: 'Patient', id: 'a', version: 2, at: day('1991-03-07') });
    await putVersion(hub.db, { tenant: t, type: 'Patient', id: 'b', version: 2, at: day('1991-03-07'), deleted: true });
    await putVersion(hub.db, { tenant: t, type: 'Patient', id: 'c', version: 1, at: day('1991-02-20') });
    const after = await getRegionOverview(hub.db, ctx, { days: 7, now });
    expect(after.activity.map((d) => d.date)).toEqual([
      '1991-03-02', '1991-03-03', '1991-03-04', '1991-03-05', '1991-03-06', '1991-03-07', '1991-03-08',
    ]);
    const delta = after.activity.map((d, i) => [
      d.creates - before.activity[i].creates,
      d.updates - before.activity[i].updates,
      d.deletes - before.activity[i].deletes,
    ]);
    expect(delta).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0], [2, 0, 0], [0, 0, 0], [0, 1, 1], [0, 0, 0]]);
    expect(after.institutions.find((i) => i.id === t)).toMatchObject({ patients: 2, resources: 2 });
  });
});
