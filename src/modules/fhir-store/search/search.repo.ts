import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/storage/index.js';
import type { ParsedSearch } from './query-parser.js';
import { SqlBuilder } from './search-sql.js';

export interface SearchPage {
  resources: Resource[];
  /** True when at least one more match exists after this page. */
  hasMore: boolean;
}

/**
 * Reads one page of current (not deleted) resources of the tenant matching the
 * search. Fetches `count + 1` rows to know whether a next page exists without
 * counting.
 */
export async function selectSearchPage(db: Queryable, tenantId: string, search: ParsedSearch): Promise<SearchPage> {
  const { text, params } = buildSearchPageSql(tenantId, search);
  const result = await db.query<{ content: Resource }>(text, params);
  const rows = result.rows.map((row) => row.content);
  const hasMore = rows.length > search.count;
  return { resources: hasMore ? rows.slice(0, search.count) : rows, hasMore };
}

/** Counts every match (`_total=accurate`, `_summary=count`). */
export async function countSearchMatches(db: Queryable, tenantId: string, search: ParsedSearch): Promise<number> {
  const sql = new SqlBuilder(tenantId, search.resourceType);
  const where = sql.where(search.filters);
  const result = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM fhir_resources r\nWHERE ${where}`, sql.params);
  return Number(result.rows[0]?.n ?? 0);
}

/** The SQL of the page query, for EXPLAIN in tests and benchmarks. */
export function buildSearchPageSql(tenantId: string, search: ParsedSearch): { text: string; params: unknown[] } {
  const sql = new SqlBuilder(tenantId, search.resourceType);
  const where = sql.where(search.filters);
  const order = sql.orderBy(search.sort);
  const limit = sql.bind(search.count + 1);
  const offset = sql.bind(search.offset);
  return { text: `SELECT r.content FROM fhir_resources r\nWHERE ${where}\nORDER BY ${order}\nLIMIT ${limit} OFFSET ${offset}`, params: sql.params };
}
