import type { Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../../test/support/db.js';
import { HubError } from '../../../platform/errors/index.js';
import type { Db } from '../../../platform/storage/index.js';
import { deleteSearchIndex, writeSearchIndexBatch } from './index-writer.js';
import { buildPatient, storeForSearch, testContext } from './search-fixtures.js';
import { findMatchingResources, searchResources, type SearchQuery } from './search.service.js';

const OPTIONS = { defaultPageSize: 10, maxPageSize: 50 };
let db: Db;
const tenant = `t-${randomUUID().slice(0, 12)}`;
const FAMILIES = ['Zhang', 'Li', 'Wang', 'Liu', 'Chen'];

function search(query: SearchQuery, options: { strict?: boolean } = {}): Promise<Bundle> {
  return searchResources(db, testContext(tenant), 'Patient', query, { ...OPTIONS, ...options });
}

function queryOf(url: string): SearchQuery {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URL(url).searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  return out;
}

beforeAll(async () => {
  db = await openTestDb();
  // 25 patients in one batch: five families, birth years 1950..1974.
  const patients: Patient[] = Array.from({ length: 25 }, (_, i) =>
    buildPatient(`b${String(i).padStart(2, '0')}`, {
      name: [{ family: FAMILIES[i % 5], given: [`G${i}`] }],
      birthDate: `${1950 + i}-06-15`,
      identifier: [{ system: 'urn:mrn', value: `M${i}` }],
    }),
  );
  await db.transaction(async (tx) => {
    for (const p of patients) {
      await tx.query(
        `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, content) VALUES ($1, 'Patient', $2, 1, now(), $3)`,
        [tenant, p.id, p],
      );
    }
    await writeSearchIndexBatch(tx, tenant, patients);
  });
});

afterAll(async () => {
  await db.close();
});

describe('paging', () => {
  it('pages with next links until every match was seen once', async () => {
    const seen: string[] = [];
    let bundle = await search({ _count: '7' });
    for (let pages = 0; pages < 10; pages++) {
      seen.push(...bundle.entry!.map((e) => e.resource!.id!));
      const next = bundle.link!.find((l) => l.relation === 'next');
      if (!next) break;
      expect(next.url.startsWith('http://hub.test/fhir/Patient?')).toBe(true);
      bundle = await search(queryOf(next.url));
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('uses the default page size and caps _count at the maximum', async () => {
    expect((await search({})).entry).toHaveLength(10);
    const capped = await search({ _count: '500' });
    expect(capped.entry).toHaveLength(25);
    expect(capped.link!.find((l) => l.relation === 'self')!.url).toBe('http://hub.test/fhir/Patient?_count=50');
  });

  it('gives total when asked, for _summary=count, or when the first page holds every match', async () => {
    const wang = await search({ family: 'wang' });
    expect(wang.total).toBe(wang.entry!.length);
    expect(wang.total).toBeGreaterThan(0);
    expect((await search({ _count: '2' })).total).toBeUndefined(); // more pages: counting would cost a second query
    const accurate = await search({ _count: '2', _total: 'accurate' });
    expect(accurate.total).toBe(25);
    expect(accurate.entry).toHaveLength(2);
    const count = await search({ family: 'li', _summary: 'count' });
    expect(count.total).toBe(10); // Li and Liu
    expect(count.entry).toBeUndefined();
    expect((await search({ _count: '0' })).total).toBe(25);
  });
});

describe('sorting', () => {
  it('sorts by a date parameter, descending with -', async () => {
    const asc = await search({ _sort: 'birthdate', _count: '3' });
    expect(asc.entry!.map((e) => e.resource!.id)).toEqual(['b00', 'b01', 'b02']);
    const desc = await search({ _sort: '-birthdate', _count: '3' });
    expect(desc.entry!.map((e) => e.resource!.id)).toEqual(['b24', 'b23', 'b22']);
  });

  it('sorts by a string parameter then _id', async () => {
    const bundle = await search({ _sort: 'family,-_id', family: 'chen,li' });
    expect(bundle.entry!.map((e) => e.resource!.id)).toEqual(['b24', 'b19', 'b14', 'b09', 'b04', 'b21', 'b16', 'b11', 'b06', 'b01']);
  });

  it('rejects an unknown sort parameter', async () => {
    const err = await search({ _sort: 'nonsense' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).expression).toEqual(['_sort']);
  });
});

describe('unknown and bad parameters', () => {
  it('ignores an unknown parameter, reports it, and leaves it out of the self link', async () => {
    const bundle = await search({ family: 'wang', foo: 'bar' });
    const matches = bundle.entry!.filter((e) => e.search?.mode === 'match');
    expect(matches).toHaveLength(5);
    const outcome = bundle.entry!.find((e) => e.search?.mode === 'outcome')!.resource as OperationOutcome;
    expect(outcome.issue[0]!.severity).toBe('warning');
    expect(outcome.issue[0]!.expression).toEqual(['foo']);
    expect(bundle.link!.find((l) => l.relation === 'self')!.url).toBe('http://hub.test/fhir/Patient?family=wang');
  });

  it('rejects an unknown parameter under strict handling', async () => {
    const err = (await search({ foo: 'bar' }, { strict: true }).catch((e: unknown) => e)) as HubError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('SEARCH_UNKNOWN_PARAMETER');
  });

  it.each([
    [{ _count: '-1' }, '_count'],
    [{ _count: 'ten' }, '_count'],
    [{ _offset: 'x' }, '_offset'],
    [{ _total: 'maybe' }, '_total'],
    [{ _summary: 'nope' }, '_summary'],
    [{ 'active:missing': 'yes' }, 'active:missing'],
    [{ identifier: 'a|b|c' }, 'identifier'],
    [{ _lastUpdated: 'gt2024-99' }, '_lastUpdated'],
  ])('rejects %j with a 400 naming %s', async (query, param) => {
    const err = (await search(query as SearchQuery).catch((e: unknown) => e)) as HubError;
    expect(err).toBeInstanceOf(HubError);
    expect(err.status).toBe(400);
    expect(err.expression).toEqual([param]);
    expect(err.toOutcome().issue[0]!.code).toBe('invalid');
  });

  it('answers 404 for an unknown resource type', async () => {
    const err = (await searchResources(db, testContext(tenant), 'Nonsense', {}, OPTIONS).catch((e: unknown) => e)) as HubError;
    expect(err.status).toBe(404);
  });
});

describe('findMatchingResources', () => {
  it('finds resources by criteria, up to the limit', async () => {
    const one = await findMatchingResources(db, tenant, 'Patient', 'identifier=urn:mrn|M3', 2);
    expect(one.map((p) => p.id)).toEqual(['b03']);
    const many = await findMatchingResources(db, tenant, 'Patient', 'Patient?family=wang', 2);
    expect(many).toHaveLength(2);
  });

  it('rejects unknown parameters and empty criteria instead of matching everything', async () => {
    const unknown = (await findMatchingResources(db, tenant, 'Patient', 'foo=1', 2).catch((e: unknown) => e)) as HubError;
    expect(unknown.status).toBe(400);
    const empty = (await findMatchingResources(db, tenant, 'Patient', '_count=5', 2).catch((e: unknown) => e)) as HubError;
    expect(empty.code).toBe('SEARCH_EMPTY_CRITERIA');
  });
});

describe('index writer', () => {
  it('replaces old values on update and removes them on delete', async () => {
    const t = `t-${randomUUID().slice(0, 12)}`;
    await storeForSearch(db, t, buildPatient('u1', { name: [{ family: 'Before' }] }));
    await storeForSearch(db, t, buildPatient('u1', { name: [{ family: 'After' }] }));
    const byFamily = async (family: string): Promise<number> =>
      (await searchResources(db, testContext(t), 'Patient', { family }, OPTIONS)).entry?.length ?? 0;
    expect(await byFamily('before')).toBe(0);
    expect(await byFamily('after')).toBe(1);
    await db.transaction((tx) => deleteSearchIndex(tx, t, 'Patient', 'u1'));
    const rows = await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM search_string WHERE tenant_id = $1', [t]);
    expect(rows.rows[0]!.n).toBe(0);
  });

  it('stores resources with very long strings and codes, and finds them by prefix', async () => {
    const t = `t-${randomUUID().slice(0, 12)}`;
    // Varied characters: PostgreSQL compresses repetitive index entries, which would hide the limit.
    const varied = (n: number, base: number, span: number): string =>
      Array.from({ length: n }, (_, i) => String.fromCharCode(base + ((i * 7919) % span))).join('');
    const long = '长' + varied(3000, 0x4e00, 20000);
    await storeForSearch(db, t, buildPatient('long1', {
      name: [{ family: long, given: [varied(5000, 0x61, 26)] }],
      identifier: [{ system: `urn:${varied(3000, 0x61, 26)}`, value: varied(5000, 0x41, 26) }],
    }));
    const found = await searchResources(db, testContext(t), 'Patient', { family: long.slice(0, 3), identifier: `urn:${varied(3000, 0x61, 26)}|${varied(5000, 0x41, 26)}` }, OPTIONS);
    expect(found.entry?.map((e) => e.resource!.id)).toEqual(['long1']);
  });
});
