export type { Db, Queryable, QueryOptions, QueryResult, Tx } from './db.js';
export { migrate, listMigrations } from './migrate.js';
export { openDb } from './open-db.js';
export { openPgliteDb } from './pglite.js';
export { openPostgresDb } from './postgres.js';
