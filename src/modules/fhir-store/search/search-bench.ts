/**
 * Search benchmark and plan check on PostgreSQL (not part of the test suite).
 *   npx tsx src/modules/fhir-store/search/search-bench.ts postgres://.../xietong_search_bench [patients] [--plans]
 * Loads N synthetic patients (default 100,000) and 5 Observations for each of
 * the first 10% through writeSearchIndexBatch (timed), runs ANALYZE, prints
 * EXPLAIN ANALYZE of the key searches, then measures searchResources calls per
 * second at a concurrency of 8 (service level: no HTTP, no auth).
 */
import '../../../platform/runtime/node-globals.js';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { migrate, openPostgresDb, type Db } from '../../../platform/storage/index.js';
import { writeSearchIndexBatch } from './index-writer.js';
import { parseSearchQuery } from './query-parser.js';
import { buildSearchPageSql } from './search.repo.js';
import { searchResources, type SearchQuery } from './search.service.js';
import { testContext } from './search-fixtures.js';

const TENANT = 'bench-search';
const FAMILIES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文辉鹏飞玲燕';
const CODES = ['8867-4', '8480-6', '8462-4', '2339-0', '29463-7'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Zipf-like family choice: 王 and 李 near 7% each, as in China. */
function pickFamily(r: () => number): string {
  const i = Math.min(FAMILIES.length - 1, Math.floor(FAMILIES.length * r() ** 2.2));
  return FAMILIES[i]!;
}

function makePatient(i: number, r: () => number): Patient {
  const family = pickFamily(r);
  const given = GIVEN[Math.floor(r() * GIVEN.length)]! + (r() < 0.6 ? GIVEN[Math.floor(r() * GIVEN.length)]! : '');
  const year = 1930 + Math.floor(r() * 90);
  return {
    resourceType: 'Patient', id: `p${i}`, active: true,
    identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: `330106${year}${String(i).padStart(8, '0')}` }],
    name: [{ use: 'official', family, given: [given], text: family + given }],
    gender: r() < 0.5 ? 'male' : 'female',
    birthDate: `${year}-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`,
    address: [{ city: '杭州市', district: '西湖区' }],
  };
}

function makeObservation(i: number, k: number, r: () => number): Observation {
  const day = new Date(Date.UTC(2020, 0, 1) + Math.floor(r() * 5 * 365) * 86_400_000).toISOString();
  return {
    resourceType: 'Observation', id: `o${i}-${k}`, status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: CODES[k % CODES.length]! }] },
    subject: { reference: `Patient/p${i}` }, effectiveDateTime: day,
    valueQuantity: { value: Math.round(r() * 200), system: 'http://unitsofmeasure.org', code: '1' },
  };
}

async function load(db: Db, patients: number): Promise<void> {
  const existing = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Patient'`, [TENANT]);
  if (Number(existing.rows[0]!.n) >= patients) return;
  const r = rng(42);
  const started = Date.now();
  let resources = 0;
  for (let start = 0; start < patients; start += 1000) {
    const batch: (Patient | Observation)[] = [];
    for (let i = start; i < Math.min(patients, start + 1000); i++) {
      batch.push(makePatient(i, r));
      if (i < patients / 10) for (let k = 0; k < 5; k++) batch.push(makeObservation(i, k, r));
    }
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, content)
         SELECT $1, t, i, 1, now(), c FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS x(t, i, c) ON CONFLICT DO NOTHING`,
        [TENANT, batch.map((b) => b.resourceType), batch.map((b) => b.id), batch.map((b) => JSON.stringify(b))],
      );
      await writeSearchIndexBatch(tx, TENANT, batch);
    });
    resources += batch.length;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`loaded ${resources} resources in ${seconds.toFixed(1)} s (${Math.round(resources / seconds)} resources/s incl. resource rows)`);
  await db.exec('ANALYZE');
}

const QUERIES: [string, string, SearchQuery][] = [
  ['family=王', 'Patient', { family: '王' }],
  ['name=李秀', 'Patient', { name: '李秀' }],
  ['identifier=sys|val', 'Patient', { identifier: 'urn:oid:2.16.156.10011.1.3|330106197000000123' }],
  ['name:contains=秀英', 'Patient', { 'name:contains': '秀英' }],
  ['birthdate=ge1990&gender=female', 'Patient', { birthdate: 'ge1990', gender: 'female' }],
  ['Observation subject+code+date', 'Observation', { subject: 'Patient/p123', code: 'http://loinc.org|8867-4', date: 'ge2021-01-01' }],
  ['Observation code+date', 'Observation', { code: 'http://loinc.org|8480-6', date: 'ge2024-06-01' }],
];

async function main(): Promise<void> {
  const [url, count] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!url) throw new Error('Usage: search-bench.ts <postgres url of a database used only for this benchmark> [patients] [--plans]');
  const patients = Number(count ?? 100_000);
  const db = await openPostgresDb(url, 8);
  await migrate(db);
  await load(db, patients);
  const options = { defaultPageSize: 20, maxPageSize: 100 };
  for (const [label, type, query] of QUERIES) {
    const search = parseSearchQuery(type, query, { ...options, baseUrl: 'http://hub.test' });
    const { text, params } = buildSearchPageSql(TENANT, search);
    const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${text}`, params);
    const lines = plan.rows.map((row) => row['QUERY PLAN']);
    const indexes = [...new Set(lines.flatMap((l) => [...l.matchAll(/using (\w+)/gi)].map((m) => m[1])))];
    console.log(`\n${label}: ${lines.at(-1)} | indexes: ${indexes.join(', ') || 'none (seq scan)'}`);
    if (process.argv.includes('--plans')) console.log(lines.join('\n'));
  }
  for (const [label, type, query] of QUERIES) {
    const ctx = testContext(TENANT);
    const until = Date.now() + 5000;
    let done = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (Date.now() < until) {
        await searchResources(db, ctx, type, query, options);
        done++;
      }
    }));
    console.log(`${label}: ${Math.round(done / 5)} searches/s (service level, 8 concurrent)`);
  }
  await db.close();
}

await main();
