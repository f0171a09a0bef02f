import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPgliteDb } from './pglite.js';
import { openPostgresDb } from './postgres.js';

/** Opens the configured database (PostgreSQL when DATABASE_URL is set, else PGlite in the data dir) and migrates it. */
export async function openDb(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize'> & Partial<Pick<Config, 'dbPreparedStatements'>>): Promise<Db> {
  const db = config.databaseUrl
    ? await openPostgresDb(config.databaseUrl, config.dbPoolSize, { prepare: config.dbPreparedStatements })
    : await openPgliteDb(join(config.dataDir, 'pglite'));
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
