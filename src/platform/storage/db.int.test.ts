import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine } from '../../../test/support/db.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';

// The contract both adapters must keep; runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
describe(`Db contract on ${testEngine}`, () => {
  let db: Db;
  const table = `contract_${Math.random().toString(36).slice(2, 10)}`;
  beforeAll(async () => {
    db = await openTestDb();
    await db.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, big bigint, at timestamptz, doc jsonb, amount numeric)`);
  });
  afterAll(async () => {
    await db.exec(`DROP TABLE IF EXISTS ${table}`);
    await db.close();
  });

  it('normalises types the same way on both engines', async () => {
    await db.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4, $5)`, [1, 9007199254740991, new Date('2024-01-02T03:04:05.678Z'), { a: [1, 'x'] }, '12.50']);
    const { rows } = await db.query<{ id: number; big: number; at: Date; doc: unknown; amount: string }>(`SELECT * FROM ${table} WHERE id = 1`);
    expect(rows[0].big).toBe(9007199254740991);
    expect(rows[0].at).toBeInstanceOf(Date);
    expect(rows[0].at.toISOString()).toBe('2024-01-02T03:04:05.678Z');
    expect(rows[0].doc).toEqual({ a: [1, 'x'] });
    expect(rows[0].amount).toBe('12.50');
  });

  it('reports affected rows', async () => {
    await db.query(`INSERT INTO ${table} (id) VALUES (10), (11), (12)`);
    const result = await db.query(`UPDATE ${table} SET big = 1 WHERE id >= 10`);
    expect(result.rowCount).toBe(3);
  });

  it('commits a transaction that resolves', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES (20)`);
    });
    expect((await db.query(`SELECT id FROM ${table} WHERE id = 20`)).rows).toHaveLength(1);
  });

  it('rolls back everything when the transaction throws', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id) VALUES (30)`);
        await tx.query(`INSERT INTO ${table} (id) VALUES (30)`); // duplicate key
      }),
    ).rejects.toThrow();
    expect((await db.query(`SELECT id FROM ${table} WHERE id = 30`)).rows).toHaveLength(0);
  });

  it('runs a statement kept prepared under a name, again and inside transactions', async () => {
    const name = `contract_prepared_${table}`;
    const sql = `SELECT count(*)::int8 AS n FROM ${table} WHERE id >= $1`;
    await db.query(`INSERT INTO ${table} (id) VALUES (40), (41)`);
    for (let i = 0; i < 3; i++) {
      const { rows } = await db.query<{ n: number }>(sql, [40], { prepareAs: name });
      expect(rows[0].n).toBe(2);
    }
    const inTx = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES (42)`);
      return tx.query<{ n: number }>(sql, [40], { prepareAs: name });
    });
    expect(inTx.rows[0].n).toBe(3);
    expect((await db.query<{ n: number }>(sql, [41], { prepareAs: name })).rows[0].n).toBe(2);
  });

  it('is idempotent to migrate again', async () => {
    expect(await migrate(db)).toEqual([]);
    const versions = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.rows.map((r) => r.version)[0]).toBe(1);
  });
});
