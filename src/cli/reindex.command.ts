import { loadConfig } from '../platform/config/config.js';
import { openDb } from '../platform/storage/index.js';
import { reindexResources } from '../modules/fhir-store/index.js';
import { flagInt, flagString, type CliCommand } from './args.js';
import { createProgressReporter, formatCount, formatDuration } from './progress.js';

const HELP = [
  'Usage: xietong reindex [--tenant ID] [--type ResourceType] [--batch-size N]',
  '',
  'Rebuilds the FHIR search index from the stored resources, e.g. after an upgrade that changed the',
  'search parameter definitions or how values are indexed. Walks the resources in primary-key order,',
  'one transaction per batch, with a progress bar; the hub may keep running (PostgreSQL) meanwhile.',
  'Then removes index rows whose resource is gone. Do not run it against a PGlite data directory',
  'while a hub is using it.',
  '',
  '  --tenant ID        only this institution',
  '  --type T           only this resource type (e.g. Patient)',
  '  --batch-size N     resources per transaction (default 500)',
].join('\n');

export const command: CliCommand = {
  help: HELP,
  async run(args) {
    const batchSize = flagInt(args, 'batch-size', 500);
    if (batchSize === 0) {
      console.error('xietong reindex: --batch-size must be at least 1');
      return 2;
    }
    const resourceType = flagString(args, 'type');
    if (resourceType !== undefined && !/^[A-Z][A-Za-z]+$/.test(resourceType)) {
      console.error(`xietong reindex: --type "${resourceType}" is not a resource type`);
      return 2;
    }
    const config = loadConfig();
    const db = await openDb(config);
    const started = performance.now();
    try {
      let progress: ReturnType<typeof createProgressReporter> | undefined;
      const result = await reindexResources(db, {
        tenantId: flagString(args, 'tenant'), resourceType, batchSize, baseUrl: config.baseUrl,
        onProgress: (done, total) => {
          progress ??= createProgressReporter({ label: 'reindex', total, unit: 'resources' });
          progress.update(done);
        },
      });
      progress?.finish();
      console.log(`reindexed ${formatCount(result.resources)} resources, removed ${formatCount(result.orphanRows)} orphan index rows in ${formatDuration((performance.now() - started) / 1000)}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
