import type { Queryable } from '../../../platform/storage/index.js';
import { toSqlTimestamp } from './date-range.js';
import type { ExtractedIndex } from './extract.js';

/** Index rows of one resource, ready to write. */
export interface ResourceIndexRows {
  resourceType: string;
  id: string;
  index: ExtractedIndex;
}

const TABLES = ['search_string', 'search_token', 'search_reference', 'search_date', 'search_number', 'search_quantity', 'search_uri'] as const;

/** Column list and SQL array type of each table's value columns, in ExtractedIndex tuple order. */
const COLUMNS: Record<keyof ExtractedIndex, { table: string; cols: [string, string][] }> = {
  strings: { table: 'search_string', cols: [['code', 'text'], ['value_norm', 'text'], ['value_raw', 'text']] },
  tokens: { table: 'search_token', cols: [['code', 'text'], ['system', 'text'], ['value', 'text'], ['text_norm', 'text']] },
  references: { table: 'search_reference', cols: [['code', 'text'], ['ref', 'text'], ['target_type', 'text'], ['target_id', 'text']] },
  dates: { table: 'search_date', cols: [['code', 'text'], ['low', 'timestamptz'], ['high', 'timestamptz']] },
  numbers: { table: 'search_number', cols: [['code', 'text'], ['low', 'numeric'], ['high', 'numeric']] },
  quantities: {
    table: 'search_quantity',
    cols: [['code', 'text'], ['value', 'numeric'], ['system', 'text'], ['unit_code', 'text'], ['unit', 'text']],
  },
  uris: { table: 'search_uri', cols: [['code', 'text'], ['value', 'text']] },
};

/**
 * Replaces the index rows of many resources in ONE statement: data-modifying
 * CTEs delete the old rows and insert the new ones from column arrays
 * (`unnest($n::text[], ...)`), so a write costs one round trip whatever the
 * number of values, and a bulk load of thousands of resources a handful.
 * All CTEs see the same snapshot, so the DELETEs never touch the new rows.
 */
export async function replaceIndexRows(db: Queryable, tenantId: string, resources: readonly ResourceIndexRows[], fresh = false): Promise<void> {
  if (resources.length === 0) return;
  const params: unknown[] = [tenantId];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const ctes: string[] = [];
  // One `resource_type = $t AND resource_id = ANY($ids)` per type: an index scan on
  // (tenant_id, resource_type, resource_id, ...) that never reads the rest of the tenant.
  const idsByType = new Map<string, string[]>();
  for (const r of resources) {
    const list = idsByType.get(r.resourceType);
    if (list) list.push(r.id);
    else idsByType.set(r.resourceType, [r.id]);
  }
  // A resource that did not exist before has no rows to delete: skip seven index scans per write
  // (and add no parameters the statement would not use).
  if (!fresh) {
    const owner = [...idsByType].map(([type, ids]) =>
      ids.length === 1 ? `(resource_type = ${param(type)} AND resource_id = ${param(ids[0])})` : `(resource_type = ${param(type)} AND resource_id = ANY(${param(ids)}::text[]))`,
    ).join(' OR ');
    TABLES.forEach((table, i) => ctes.push(`d${i} AS (DELETE FROM ${table} WHERE tenant_id = $1 AND (${owner}))`));
  }

  for (const key of Object.keys(COLUMNS) as (keyof ExtractedIndex)[]) {
    const { table, cols } = COLUMNS[key];
    const types: string[] = [];
    const ids: string[] = [];
    const columns: unknown[][] = cols.map(() => []);
    for (const r of resources) {
      for (const row of r.index[key] as unknown[][]) {
        types.push(r.resourceType);
        ids.push(r.id);
        row.forEach((v, c) => columns[c]!.push(toSqlValue(cols[c]![1], v)));
      }
    }
    if (ids.length === 0) continue;
    const arrays = [`${param(types)}::text[]`, `${param(ids)}::text[]`, ...cols.map(([, t], c) => `${param(columns[c])}::${t}[]`)];
    ctes.push(
      `i_${key} AS (INSERT INTO ${table} (tenant_id, resource_type, resource_id, ${cols.map(([n]) => n).join(', ')}) ` +
        `SELECT $1, * FROM unnest(${arrays.join(', ')}))`,
    );
  }
  if (ctes.length === 0) return;
  await db.query(`WITH ${ctes.join(',\n')} SELECT 1`, params);
}

function toSqlValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'timestamptz') return toSqlTimestamp(value as number);
  if (type === 'numeric') return String(value);
  return value;
}

/** Removes every index row of one resource (after a delete). */
export async function deleteIndexRows(db: Queryable, tenantId: string, resourceType: string, id: string): Promise<void> {
  const ctes = TABLES.map(
    (table, i) => `d${i} AS (DELETE FROM ${table} WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3)`,
  );
  await db.query(`WITH ${ctes.join(',\n')} SELECT 1`, [tenantId, resourceType, id]);
}
