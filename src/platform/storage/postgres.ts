import pg from 'pg';
import type { Db, QueryOptions, QueryResult, Tx } from './db.js';

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value); // int8
    return pg.types.getTypeParser(oid, format);
  },
};

function wrap(client: pg.Pool | pg.PoolClient, prepare: boolean): Tx {
  return {
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
    async query<R>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<QueryResult<R>> {
      const name = prepare ? options?.prepareAs : undefined;
      const result = await client.query({ name, text: sql, values: params as unknown[], types: typeParsers });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

/**
 * Opens a pool on a real PostgreSQL server (production, and the second engine
 * of the test suite). `prepare: false` ignores `prepareAs` (named statements
 * do not survive a pooler that hands each transaction to another server
 * connection, such as PgBouncer in transaction mode before 1.21).
 */
export async function openPostgresDb(url: string, poolSize = 10, options: { prepare?: boolean } = {}): Promise<Db> {
  const prepare = options.prepare ?? true;
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  const base = wrap(pool, prepare);
  return {
    engine: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client, prepare));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}
