import { migrate, openPgliteDb, openPostgresDb, type Db } from '../../src/platform/storage/index.js';

/** The engine integration tests run on: PostgreSQL when DATABASE_URL is set, else an in-memory PGlite. */
export const testEngine: 'postgres' | 'pglite' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

/**
 * Opens a migrated database for one test file. On PostgreSQL all files share
 * the database (tests isolate by tenant); on PGlite each file has its own.
 */
export async function openTestDb(): Promise<Db> {
  const url = process.env.DATABASE_URL;
  const db = url ? await openPostgresDb(url, 4) : await openPgliteDb();
  await migrate(db);
  return db;
}
