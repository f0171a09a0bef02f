/**
 * The storage contract every module sees. Two adapters implement it: PGlite
 * (embedded, the default) and node-postgres (DATABASE_URL). Both normalise
 * values the same way: int8 → number, numeric → string, timestamptz → Date,
 * json/jsonb → parsed values.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Options of one statement. */
export interface QueryOptions {
  /**
   * Keep the statement prepared under this name on each PostgreSQL connection
   * (parsed and planned once per connection, not per call). Only for hot
   * statements whose text never changes: one name, one text. PGlite ignores it.
   */
  prepareAs?: string;
}

/** Something SQL can run on: the database itself or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
}

/** A transaction handle. Pass it down explicitly; never open a second transaction inside. */
export interface Tx extends Queryable {
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Tx {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
