import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../../test/support/db.js';
import type { Db } from '../../../platform/storage/index.js';
import { HEART_RATE, buildObservation, buildPatient, storeForSearch, testContext } from './search-fixtures.js';
import { reindexResources } from './reindex.service.js';
import { searchResources } from './search.service.js';

let db: Db;
const tenant = `t-${randomUUID().slice(0, 12)}`;
const untouched = `t-${randomUUID().slice(0, 12)}`;

async function ids(tenantId: string, type: string, query: Record<string, string>): Promise<string[]> {
  const bundle = await searchResources(db, testContext(tenantId), type, query, { defaultPageSize: 50, maxPageSize: 50 });
  return (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!).sort();
}

async function indexRows(tenantId: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM search_string WHERE tenant_id = $1) + (SELECT count(*) FROM search_token WHERE tenant_id = $1)
          + (SELECT count(*) FROM search_reference WHERE tenant_id = $1) AS n`, [tenantId]);
  return Number(r.rows[0]!.n);
}

beforeAll(async () => {
  db = await openTestDb();
  for (let i = 0; i < 7; i++) await storeForSearch(db, tenant, buildPatient(`p${i}`, { name: [{ family: i % 2 ? 'Wang' : 'Li' }] }));
  await storeForSearch(db, tenant, buildObservation('o1', 'Patient/p1', HEART_RATE));
  await storeForSearch(db, untouched, buildPatient('p1', { name: [{ family: 'Wang' }] }));
});

afterAll(async () => {
  await db.close();
});

describe('reindexResources', () => {
  it('rebuilds a lost index, in batches, with progress, and removes orphan rows', async () => {
    const before = await indexRows(tenant);
    for (const table of ['search_string', 'search_token', 'search_reference', 'search_date']) {
      await db.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenant]);
    }
    // A resource row written without index rows (e.g. an older version that indexed less).
    await db.query(
      `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, content) VALUES ($1, 'Patient', 'raw', 1, now(), $2)`,
      [tenant, { resourceType: 'Patient', id: 'raw', name: [{ family: 'Wang' }] }],
    );
    // Rows of a resource that does not exist.
    await db.query(`INSERT INTO search_string (tenant_id, resource_type, resource_id, code, value_norm, value_raw) VALUES ($1, 'Patient', 'ghost', 'family', 'wang', 'Wang')`, [tenant]);
    expect(await ids(tenant, 'Patient', { family: 'wang' })).toEqual([]); // the index is gone; the ghost row has no resource

    const progress: [number, number][] = [];
    const result = await reindexResources(db, { tenantId: tenant, batchSize: 3, onProgress: (d, t) => progress.push([d, t]) });
    expect(result).toEqual({ resources: 9, orphanRows: 1 });
    expect(progress).toEqual([[0, 9], [3, 9], [6, 9], [9, 9]]);
    expect(await ids(tenant, 'Patient', { family: 'wang' })).toEqual(['p1', 'p3', 'p5', 'raw']);
    expect(await ids(tenant, 'Observation', { subject: 'Patient/p1' })).toEqual(['o1']);
    expect(await indexRows(tenant)).toBe(before + 3); // the raw Patient's name rows
    expect(await ids(untouched, 'Patient', { family: 'wang' })).toEqual(['p1']);
  });

  it('limits to one type and rejects an unknown one', async () => {
    const result = await reindexResources(db, { tenantId: tenant, resourceType: 'Observation' });
    expect(result.resources).toBe(1);
    await expect(reindexResources(db, { resourceType: 'Nothing' })).rejects.toThrow(/Unknown resource type/);
  });
});
