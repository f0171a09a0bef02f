/**
 * Online-match latency of the regional index: fills the index tables with N demo-region people (records,
 * blocking keys, identifiers — the rows online matching reads), then times the matching step for probes that
 * are new registrations of indexed people: normalise, blocking keys, candidate lookup by key (block-size
 * capped), model load with the probe's term frequencies, Fellegi–Sunter scoring. Prints p50 / p95 / p99.
 *
 *   npx tsx bench/identity-online.ts [--records 100000] [--probes 500] [--engine postgres|pglite] [--keep]
 *
 * PostgreSQL uses DATABASE_URL (a fresh schema, dropped afterwards unless --keep). The target is
 * p95 ≤ 20 ms with 1,000,000 indexed on PostgreSQL.
 */
import '../src/platform/runtime/node-globals.js';
import type { Patient } from '@medplum/fhirtypes';
import { generateRegion } from '../src/modules/demo-region/index.js';
import { blockingKeys } from '../src/modules/identity/matching/blocking.js';
import { classify, scorePair } from '../src/modules/identity/matching/match-model.js';
import { MAX_BLOCK_SIZE, personOf } from '../src/modules/identity/online-match.service.js';
import { businessIdentifiers } from '../src/modules/identity/patient-person.js';
import { selectCandidates } from '../src/modules/identity/store/index.repo.js';
import { loadProbeModel } from '../src/modules/identity/store/model.repo.js';
import { bulkReplaceIndex, type BulkRecord } from '../src/modules/identity/store/relink.repo.js';
import { migrate, openPgliteDb, openPostgresDb, type Db } from '../src/platform/storage/index.js';
import { createPgliteEngine, createPostgresEngine, describeEngine } from './engines.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const records = Number(flag('records', '100000'));
const probes = Number(flag('probes', '500'));
const engineName = flag('engine', process.env.DATABASE_URL ? 'postgres' : 'pglite');
const keep = process.argv.includes('--keep');

const engine = engineName === 'postgres' ? await createPostgresEngine(process.env.DATABASE_URL!, keep) : createPgliteEngine();
const db: Db = engineName === 'postgres' ? await openPostgresDb(engine.overrides.databaseUrl!, 2) : await openPgliteDb(`${engine.overrides.dataDir}/pglite`);
try {
  await migrate(db);
  console.log(`engine: ${await describeEngine(db)}`);
  // The region's registrations: every person 1–3 records. Probes are held back from the index.
  const indexed: BulkRecord[] = [];
  const held: Patient[] = [];
  let seen = 0;
  let t = performance.now();
  for (const chunk of generateRegion({ patients: Math.ceil(records / 1.4), seed: 3, clinical: false })) {
    if (chunk.kind !== 'household') continue;
    for (const reg of chunk.registrations) {
      const patient = reg.resources.find((r) => r.resourceType === 'Patient') as Patient;
      const ref = { tenantId: reg.tenantId, patientId: reg.patientId };
      // The last registration of a person registered more than once becomes a probe (a new Patient of a person
      // already indexed), for every 2nd such person.
      const same = chunk.registrations.filter((r) => r.personKey === reg.personKey);
      if (held.length < probes && same.length > 1 && reg === same[same.length - 1] && (seen++ % 2 === 0)) {
        held.push(patient);
        continue;
      }
      if (indexed.length >= records) continue;
      const person = personOf(patient, ref);
      indexed.push({ ...ref, versionId: 1, person, regionalId: `r-${reg.personKey}`, keys: blockingKeys(person), identifiers: businessIdentifiers(patient) });
    }
    if (indexed.length >= records && held.length >= probes) break;
  }
  console.log(`generated ${indexed.length} records and ${held.length} probes in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await db.transaction((tx) => bulkReplaceIndex(tx, indexed, () => undefined));
  await db.query('ANALYZE identity_block_keys');
  await db.query('ANALYZE identity_records');
  console.log(`loaded the index in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const times: number[] = [];
  let linked = 0;
  let candidates = 0;
  for (const [i, patient] of held.entries()) {
    const started = performance.now();
    const probe = personOf(patient, { tenantId: 'probe', patientId: String(i) });
    const model = await loadProbeModel(db, probe);
    const found = await selectCandidates(db, blockingKeys(probe), { tenantId: 'probe', patientId: String(i) }, MAX_BLOCK_SIZE - 1);
    const best = found.map((c) => classify(scorePair(model.model, probe, c.person).logOdds, model.thresholds));
    times.push(performance.now() - started);
    candidates += found.length;
    if (best.includes('link')) linked++;
  }
  times.sort((x, y) => x - y);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
  console.log(JSON.stringify({ engine: engineName, indexed: indexed.length, probes: times.length, p50_ms: Number(q(0.5)), p95_ms: Number(q(0.95)), p99_ms: Number(q(0.99)), mean_candidates: Number((candidates / times.length).toFixed(1)), probes_linked: linked }));
} finally {
  await db.close();
  await engine.cleanup();
}
