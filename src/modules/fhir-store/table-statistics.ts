import type { Db, Tx } from '../../platform/storage/index.js';

/**
 * Keeps planner statistics fresh while data pours in. PGlite runs no
 * autovacuum at all, and PostgreSQL's autovacuum cannot see rows of a
 * transaction still in progress (a 2,382-entry batch, a bulk seed): without
 * statistics the planner believes the tables are empty and walks every
 * resource of a type for each conditional create, which turns a large load
 * quadratic. So the store runs ANALYZE itself after 200 writes, then after
 * 400, 800, … (doubling, at least every 50,000): a few milliseconds on small
 * tables, amortised to almost nothing on large ones.
 */
const TABLES = [
  'fhir_resources',
  'search_string',
  'search_token',
  'search_reference',
  'search_date',
  'search_number',
  'search_quantity',
  'search_uri',
];
const FIRST_THRESHOLD = 200;
const MAX_INTERVAL = 50_000;

let writesSinceAnalyze = 0;
let threshold = FIRST_THRESHOLD;
let backgroundRunning = false;

function due(count: number): boolean {
  writesSinceAnalyze += count;
  if (writesSinceAnalyze < threshold) return false;
  writesSinceAnalyze = 0;
  threshold = Math.min(threshold * 2, MAX_INTERVAL);
  return true;
}

/**
 * Counts `count` resource writes in this process and analyzes the store's
 * tables when due, inside `tx`: a large transaction (a Bundle, a bulk load)
 * needs statistics that count its own uncommitted rows for its later lookups.
 */
export async function noteResourceWrites(tx: Tx, count: number): Promise<void> {
  if (due(count)) await tx.query(`ANALYZE ${TABLES.join(', ')}`);
}

/**
 * The same count for writes that have already committed (group-committed
 * creates): when due, ANALYZE runs in the background on its own connection,
 * so no create waits for it, and never twice at once. A failure only means
 * the statistics are refreshed at the next threshold.
 */
export function noteCommittedWrites(db: Db, count: number): void {
  if (!due(count) || backgroundRunning) return;
  backgroundRunning = true;
  void db.query(`ANALYZE ${TABLES.join(', ')}`)
    .catch(() => undefined)
    .finally(() => {
      backgroundRunning = false;
    });
}
