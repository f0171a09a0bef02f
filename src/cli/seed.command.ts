import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { loadConfig } from '../platform/config/config.js';
import { isHubError } from '../platform/errors/index.js';
import { openDb } from '../platform/storage/index.js';
import { createDemoCredentials } from '../modules/access/index.js';
import { DEFAULT_DEMO_PATIENTS, getDemoRegionStatus, identityCsvLines, seedDemoRegion } from '../modules/demo-region/index.js';
import { flagInt, flagString, type CliArgs, type CliCommand } from './args.js';
import { createProgressReporter, formatCount, formatDuration } from './progress.js';

const HELP = [
  'Usage: xietong seed --demo [--patients N] [--seed S] [--batch-size B] [--no-clinical]',
  '       xietong seed --export-identity-csv <file|-> [--patients N] [--seed S]',
  '',
  'Loads the synthetic demo region (协同市: 9 institutions, N people with Chinese names, resident id',
  'numbers, encounters, vital signs, lab results and conditions; about one person in five registered',
  'at two or three institutions with realistic differences) into the database through the FHIR store,',
  'then creates the demo credentials and prints them. Demo mode only: refuses without --demo, and',
  'refuses when the database already holds a region (seed into a fresh data dir or database instead).',
  '',
  '  --patients N   number of people (default 1,000; each becomes 1-3 Patient records)',
  '  --seed S       generator seed (default 1); the same seed always gives the same region',
  '  --batch-size B resources per database transaction (default 1,000)',
  '  --no-clinical  load the directory and the Patient records only (no encounters, observations,',
  '                 conditions): about 1/14 of the resources, for search and identity benchmarks',
  '  --export-identity-csv FILE   write the Patient records in the identity evaluation layout',
  '                 (record_id,entity_id,source,name,sex,birth_date,id_number,passport,phone,address)',
  '                 to FILE ("-" = stdout) without touching any database',
].join('\n');

async function writeLines(out: WriteStream | NodeJS.WriteStream, lines: Iterable<string>): Promise<number> {
  let count = 0;
  for (const line of lines) {
    count++;
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  return count - 1;
}

async function exportIdentityCsv(target: string, patients: number, seed: number): Promise<number> {
  const started = performance.now();
  const out = target === '-' ? process.stdout : createWriteStream(target, { encoding: 'utf8' });
  const records = await writeLines(out, identityCsvLines({ patients, seed }));
  if (out !== process.stdout) {
    (out as WriteStream).end();
    await once(out, 'finish');
  }
  process.stderr.write(`wrote ${formatCount(records)} records of ${formatCount(patients)} people (seed ${seed}) to ${target} in ${formatDuration((performance.now() - started) / 1000)}\n`);
  return 0;
}

async function seedDemo(args: CliArgs, patients: number, seed: number): Promise<number> {
  const config = loadConfig(undefined, { demo: true });
  const batchSize = flagInt(args, 'batch-size', 1_000);
  const db = await openDb(config);
  try {
    const existing = await getDemoRegionStatus(db);
    if (existing) {
      console.error(
        existing.status === 'complete'
          ? `This database already holds a demo region (${formatCount(existing.people)} people, seed ${existing.seed}, ${formatCount(existing.resources ?? 0)} resources); nothing to do.`
          : `A demo region started loading at ${existing.started_at.toISOString()} and never finished.`,
      );
      console.error('To seed again, use a fresh XIETONG_DATA_DIR (PGlite) or an empty database (DATABASE_URL).');
      return 1;
    }
    const progress = createProgressReporter({ label: 'seeding', total: patients, unit: 'people' });
    const result = await seedDemoRegion(db, {
      patients, seed, batchSize, clinical: args.flags['no-clinical'] !== true,
      onProgress: (p) => progress.update(p.people, `${formatCount(p.resources)} resources`),
    });
    progress.finish(`${formatCount(result.resources)} resources`);
    console.log(
      `Seeded ${formatCount(result.people)} people as ${formatCount(result.patientRecords)} Patient records and ` +
        `${formatCount(result.resources)} FHIR resources in ${result.institutions.length} institutions in ${formatDuration(result.seconds)} ` +
        `(${formatCount(result.resources / Math.max(result.seconds, 0.001))} resources/s, ${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`}).`,
    );
    const lines = await createDemoCredentials(db, { dataDir: config.dataDir, institutions: result.institutions, demo: true });
    for (const line of lines) console.log(line);
    return 0;
  } finally {
    await db.close();
  }
}

export const command: CliCommand = {
  help: HELP,
  async run(args) {
    const patients = flagInt(args, 'patients', DEFAULT_DEMO_PATIENTS);
    const seed = flagInt(args, 'seed', 1);
    if (patients < 1) throw new Error('--patients must be at least 1');
    if (args.flags['export-identity-csv'] !== undefined) {
      const target = flagString(args, 'export-identity-csv');
      if (!target) throw new Error('--export-identity-csv needs a file name (or - for stdout)');
      return exportIdentityCsv(target, patients, seed);
    }
    if (args.flags.demo !== true && args.flags.demo !== 'true') {
      console.error('xietong seed loads synthetic demo data and runs only with --demo (see xietong seed --help).');
      return 1;
    }
    try {
      return await seedDemo(args, patients, seed);
    } catch (err) {
      if (isHubError(err)) {
        console.error(`xietong seed: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
