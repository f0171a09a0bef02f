import { loadConfig } from '../platform/config/config.js';
import { openDb } from '../platform/storage/index.js';
import type { CliCommand } from './args.js';

export const command: CliCommand = {
  help: [
    'Usage: xietong migrate',
    '',
    'Applies pending database migrations (PostgreSQL at DATABASE_URL, else PGlite in XIETONG_DATA_DIR) and exits.',
    'Do not run it against a PGlite data directory while a hub is using it.',
  ].join('\n'),
  async run() {
    const config = loadConfig();
    const db = await openDb(config);
    const rows = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    await db.close();
    console.log(`database at version ${rows.rows.at(-1)?.version ?? 0} (${rows.rows.length} migrations applied)`);
    return 0;
  },
};
