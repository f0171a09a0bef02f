import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../../test/support/db.js';
import type { Db } from '../../../platform/storage/index.js';
import { parseSearchQuery } from './query-parser.js';
import { buildObservation, buildPatient, storeForSearch } from './search-fixtures.js';
import { buildSearchPageSql } from './search.repo.js';

// The driven page query (README "Query shape") must return exactly what the
// walk over fhir_resources returns, page by page: same matches, same order,
// no duplicates when a resource has several matching index rows, no deleted
// resources (their index rows may remain), no other tenant.
let db: Db;
const tenant = `t-${randomUUID().slice(0, 12)}`;
const other = `t-${randomUUID().slice(0, 12)}`;
const FAMILIES = ['王', '王五', '李', 'Wang', 'Wangari', 'Li'];
const PAGE = 7;

beforeAll(async () => {
  db = await openTestDb();
  for (let i = 0; i < 60; i++) {
    const family = FAMILIES[(i * 7) % FAMILIES.length]!;
    // Every third Patient has a second name with the same family: two matching index rows.
    const names = [{ family, given: [`G${i}`] }, ...(i % 3 === 0 ? [{ family, given: ['Alias'] }] : [])];
    const patient = buildPatient(`p${i}`, {
      name: names, gender: i % 2 ? 'male' : 'female', birthDate: `${1950 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`,
      identifier: [{ system: 'urn:mrn', value: `M${i % 20}` }],
    });
    await storeForSearch(db, tenant, patient, { deleted: i % 11 === 5 });
    if (i % 4 === 0) await storeForSearch(db, other, patient);
    await storeForSearch(db, tenant, buildObservation(`o${i}`, `Patient/p${i % 15}`, i % 2 ? ['8867-4', 'Heart rate'] : ['8310-5', 'Body temperature'], {
      effectiveDateTime: `2024-0${1 + (i % 9)}-01`, valueQuantity: { value: 50 + i, system: 'http://unitsofmeasure.org', code: '/min' },
    }));
  }
}, 120_000);

afterAll(async () => {
  await db?.close();
});

/** Every page of the search, in order, through one page shape. */
async function allPages(type: string, query: Record<string, string>, drive: boolean): Promise<{ ids: string[]; driven: boolean }> {
  const search = parseSearchQuery(type, { ...query, _count: String(PAGE) }, { defaultPageSize: PAGE, maxPageSize: 100, baseUrl: 'http://hub.test', strict: true });
  const ids: string[] = [];
  let driven = false;
  for (let offset = 0; offset < 200; offset += PAGE) {
    const sql = buildSearchPageSql(tenant, { ...search, offset }, { drive });
    driven = sql.driven;
    const rows = (await db.query<{ id: string }>(sql.text, sql.params)).rows.map((r) => r.id);
    ids.push(...rows.slice(0, PAGE));
    if (rows.length <= PAGE) break;
  }
  return { ids, driven };
}

const CASES: [string, Record<string, string>][] = [
  ['Patient', { family: '王' }],
  ['Patient', { family: 'wang' }],
  ['Patient', { 'family:exact': '王' }],
  ['Patient', { 'family:contains': 'an' }],
  ['Patient', { family: '王,li' }],
  ['Patient', { family: 'wang', gender: 'male' }],
  ['Patient', { identifier: 'urn:mrn|M3' }],
  ['Patient', { identifier: 'M3', family: 'wang' }],
  ['Patient', { gender: 'female', birthdate: 'ge1970' }],
  ['Patient', { birthdate: 'eq1960' }],
  ['Patient', { family: 'wang', 'gender:not': 'male' }],
  ['Patient', { family: '王', _lastUpdated: 'gt2000-01-01' }],
  ['Patient', { name: 'alias', 'birthdate:missing': 'false' }],
  ['Patient', { '_has:Observation:patient:code': '8867-4' }],
  ['Patient', { '_has:Observation:patient:date': '2024-03-01', family: '李' }],
  ['Observation', { subject: 'Patient/p3' }],
  ['Observation', { code: 'http://loinc.org|8867-4', 'value-quantity': 'gt80' }],
  ['Observation', { 'subject:Patient.family': '王' }],
  ['Observation', { 'subject:Patient.identifier': 'urn:mrn|M3', date: 'ge2024-02-01' }],
];

describe('driven page query', () => {
  it.each(CASES)('%s %j: same pages as the walk over fhir_resources', async (type, query) => {
    const walk = await allPages(type, query, false);
    const driven = await allPages(type, query, true);
    expect(walk.driven).toBe(false);
    expect(driven.driven).toBe(true);
    expect(driven.ids).toEqual(walk.ids);
    expect(walk.ids.length).toBeGreaterThan(0);
    expect(new Set(driven.ids).size).toBe(driven.ids.length);
  });

  it('the comparison can fail: the cases match something, across several pages', async () => {
    const { ids } = await allPages('Patient', { family: 'wang' }, true);
    expect(ids.length).toBeGreaterThan(PAGE * 2);
    // Deleted Patients (i % 11 == 5: p5, p16, ...) keep index rows but never come back.
    expect(ids).not.toContain('p5');
    expect(ids).not.toContain('p16');
  });

  it('is not used with _sort or _id (the walk serves those)', async () => {
    const sorted = parseSearchQuery('Patient', { family: 'wang', _sort: 'birthdate' }, { defaultPageSize: PAGE, maxPageSize: 100, baseUrl: 'http://hub.test' });
    expect(buildSearchPageSql(tenant, sorted).driven).toBe(false);
    const byId = parseSearchQuery('Patient', { family: 'wang', _id: 'p1,p2' }, { defaultPageSize: PAGE, maxPageSize: 100, baseUrl: 'http://hub.test' });
    expect(buildSearchPageSql(tenant, byId).driven).toBe(false);
  });
});
