import { createHash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/storage/index.js';
import type { ParsedSearch } from './query-parser.js';
import { SqlBuilder } from './search-sql.js';

export interface SearchPage {
  resources: Resource[];
  /** True when at least one more match exists after this page. */
  hasMore: boolean;
}

/** A stored match as the page query returns it: the resource's JSON text, never parsed. */
export interface StoredMatch {
  id: string;
  versionId: number;
  json: string;
}

export interface SearchTextPage {
  matches: StoredMatch[];
  hasMore: boolean;
}

/**
 * Reads one page of current (not deleted) resources of the tenant matching the
 * search. Fetches `count + 1` rows to know whether a next page exists without
 * counting.
 */
export async function selectSearchPage(db: Queryable, tenantId: string, search: ParsedSearch): Promise<SearchPage> {
  const page = await selectSearchPageText(db, tenantId, search);
  return { resources: page.matches.map((match) => JSON.parse(match.json) as Resource), hasMore: page.hasMore };
}

/** selectSearchPage with each match as its stored JSON text, for answers that send it on as it is. */
export async function selectSearchPageText(db: Queryable, tenantId: string, search: ParsedSearch): Promise<SearchTextPage> {
  const { text, params, driven } = buildSearchPageSql(tenantId, search);
  const result = await db.query<{ id: string; version_id: number | string; content: string }>(text, params, driven ? { prepareAs: statementName(text) } : undefined);
  const rows = result.rows.map((row) => ({ id: row.id, versionId: Number(row.version_id), json: row.content }));
  const hasMore = rows.length > search.count;
  return { matches: hasMore ? rows.slice(0, search.count) : rows, hasMore };
}

/** Names of the page statements kept prepared, at most MAX_PREPARED per process. */
const prepared = new Map<string, string>();
const MAX_PREPARED = 256;

/**
 * A prepared-statement name for a driven page query (its text depends only on
 * the search's shape, never on values), so PostgreSQL parses it once per
 * connection and may reuse a generic plan: the driven plan (index scan of the
 * driver, sort, nested loop by primary key) does not depend on the values.
 * Undefined (not prepared) once MAX_PREPARED shapes are known, so that odd
 * searches cannot grow every connection's statement cache without bound.
 */
function statementName(text: string): string | undefined {
  const known = prepared.get(text);
  if (known || prepared.size >= MAX_PREPARED) return known;
  const name = `search_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  prepared.set(text, name);
  return name;
}

/** Counts every match (`_total=accurate`, `_summary=count`). */
export async function countSearchMatches(db: Queryable, tenantId: string, search: ParsedSearch): Promise<number> {
  const sql = new SqlBuilder(tenantId, search.resourceType);
  const where = sql.where(search.filters);
  const result = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM fhir_resources r\nWHERE ${where}`, sql.params);
  return Number(result.rows[0]?.n ?? 0);
}

/** What a page returns per match: the stored JSON as text (jsonb's own output, sent on unparsed). */
const PAGE_COLUMNS = 'r.id, r.version_id, r.content::text AS content';

/**
 * The SQL of the page query (also for EXPLAIN in tests and benchmarks).
 *
 * In the default id order, a page is driven from its most selective-looking
 * filter (`SqlBuilder.driver`): the distinct matching ids come sorted from that
 * filter's covering index, are joined to `fhir_resources` by primary key, and
 * the other filters are EXISTS probes per candidate, so the LIMIT stops after
 * count + 1 matches. Otherwise (a `_sort`, `_id`, or no filter that can drive)
 * the resources of the type are walked in sort order with every filter as an
 * EXISTS probe, and the planner picks the order of the joins. `drive: false`
 * forces that second shape (to compare the two in benchmarks).
 */
export function buildSearchPageSql(tenantId: string, search: ParsedSearch, options: { drive?: boolean } = {}): { text: string; params: unknown[]; driven: boolean } {
  const sql = new SqlBuilder(tenantId, search.resourceType);
  const driver = search.sort.length === 0 && options.drive !== false ? sql.driver(search.filters) : undefined;
  if (driver) {
    sql.fenceProbes = true;
    const where = sql.where(driver.rest);
    const limit = sql.bind(search.count + 1);
    const offset = sql.bind(search.offset);
    return {
      text:
        `SELECT ${PAGE_COLUMNS} FROM (${driver.sql}) m\nJOIN fhir_resources r ON r.tenant_id = $1 AND r.resource_type = $2 AND r.id = m.id\n` +
        `WHERE ${where}\nORDER BY r.id\nLIMIT ${limit} OFFSET ${offset}`,
      params: sql.params,
      driven: true,
    };
  }
  const where = sql.where(search.filters);
  const order = sql.orderBy(search.sort);
  const limit = sql.bind(search.count + 1);
  const offset = sql.bind(search.offset);
  return { text: `SELECT ${PAGE_COLUMNS} FROM fhir_resources r\nWHERE ${where}\nORDER BY ${order}\nLIMIT ${limit} OFFSET ${offset}`, params: sql.params, driven: false };
}
