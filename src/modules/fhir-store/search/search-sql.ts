import { toSqlTimestamp } from './date-range.js';
import { escapeLike } from './normalize.js';
import { driverRank } from './search-driver.js';
import { TABLE_OF, type Filter, type SortKey } from './query-parser.js';
import type { DateValue, NumberValue, Prefix, QuantityValue, ReferenceValue, TokenValue } from './search-values.js';

/**
 * Turns parsed filters into SQL over `fhir_resources r`. Each parameter becomes
 * an EXISTS probe into its index table, constrained by the tenant and type
 * ($1, $2) so the planner can start from whichever index is most selective:
 * the (tenant_id, resource_type, code, value...) index of a selective value, or
 * the resource's (tenant_id, resource_type, resource_id) rows otherwise.
 * Values are always bound parameters.
 */
export class SqlBuilder {
  readonly params: unknown[];
  private aliases = 0;
  /**
   * Writes every EXISTS probe with `OFFSET 0`, which keeps PostgreSQL from turning it into a
   * semi-join (simplify_EXISTS_query gives up on an OFFSET): each probe then runs per candidate
   * row through the index table's (tenant, type, resource_id, code) index. The driven page
   * sets it for the filters after the driver: its candidates are few and the LIMIT stops
   * early, whereas a hashed semi-join would read every index row of the probed filter first
   * (and, on a small table, by a Seq Scan).
   */
  fenceProbes = false;

  constructor(tenantId: string, resourceType: string) {
    this.params = [tenantId, resourceType];
  }

  bind(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** The WHERE clause: tenant, type, not deleted, and every filter ANDed. */
  where(filters: readonly Filter[]): string {
    const parts = ['r.tenant_id = $1', 'r.resource_type = $2', 'NOT r.deleted', ...filters.map((f) => this.filter(f, TOP))];
    return parts.join('\n  AND ');
  }

  orderBy(sort: readonly SortKey[]): string {
    const keys = sort.map((k) => `${this.sortExpression(k)} ${k.descending ? 'DESC' : 'ASC'} NULLS LAST`);
    // The id breaks ties so that offset paging is stable.
    if (!sort.some((k) => k.param === '_id')) keys.push('r.id');
    return keys.join(', ');
  }

  private alias(prefix: string): string {
    return `${prefix}${++this.aliases}`;
  }

  private exists(table: string, code: string | string[], condition: string, scope: Scope): string {
    const codes = Array.isArray(code) ? `s.code = ANY(${this.bind(code)}::text[])` : `s.code = ${this.bind(code)}`;
    return (
      `EXISTS (SELECT 1 FROM ${table} s WHERE s.tenant_id = $1 AND s.resource_type = ${scope.type} AND s.resource_id = ${scope.id} ` +
      `AND ${codes}${condition ? ` AND (${condition})` : ''}${this.fenceProbes ? ' OFFSET 0' : ''})`
    );
  }

  /**
   * The driving filter of a page in id order: a subquery of the distinct ids of
   * the top-level resources it matches, in id order, read from that filter's
   * value index alone (the indexes of migration 011 make it an Index Only Scan,
   * already in id order for an equality), and the other filters (`rest`). Joined to
   * `fhir_resources` by primary key, the page's LIMIT stops after count + 1
   * rows instead of walking every resource of the type (README "Query shape").
   * Undefined when no filter can drive (only `:not`, `:missing=true`, `_id`,
   * `_lastUpdated`, composites, `:above`), or when `_id` is among them: the
   * primary key is then the better start.
   */
  driver(filters: readonly Filter[]): { sql: string; rest: Filter[] } | undefined {
    if (filters.some((f) => f.kind === 'id')) return undefined;
    let best = -1;
    let bestRank = Infinity;
    filters.forEach((f, i) => {
      const rank = driverRank(f);
      if (rank < bestRank) [best, bestRank] = [i, rank];
    });
    if (best < 0) return undefined;
    const f = filters[best]!;
    // The other filters stay EXISTS probes on r (r.id = m.id), which the planner may run on the
    // candidate ids before or after the primary-key probe. Probing them inside the DISTINCT
    // subquery instead let the planner hash-join whole index ranges there, since a subquery is
    // planned without the page's LIMIT (code=X&value-quantity=gt150 at 100k: 0.1 ms -> 70 ms).
    const rest = filters.filter((_, i) => i !== best);
    if (f.kind === 'chain') {
      // One target type (driverRank): the reference rows of this type whose target matches.
      const t = f.targets[0]!;
      const type = this.bind(t.type);
      const inner = this.filter(t.filter, { type, id: 'd.target_id' });
      return {
        rest,
        sql:
          `SELECT DISTINCT d.resource_id AS id FROM search_reference d WHERE d.tenant_id = $1 AND d.resource_type = $2 ` +
          `AND d.code = ${this.bind(f.code)} AND d.target_type = ${type} AND d.ref = d.target_type || '/' || d.target_id AND ${inner} ORDER BY 1`,
      };
    }
    if (f.kind === 'has') {
      // The targets (this type) of the source rows that match the inner filter.
      const type = this.bind(f.type);
      const inner = this.filter(f.filter, { type, id: 'd.resource_id' });
      return {
        rest,
        sql:
          `SELECT DISTINCT d.target_id AS id FROM search_reference d WHERE d.tenant_id = $1 AND d.resource_type = ${type} ` +
          `AND d.code = ${this.bind(f.code)} AND d.target_type = $2 AND d.ref = d.target_type || '/' || d.target_id AND ${inner} ORDER BY 1`,
      };
    }
    const probe = this.probe(f)!;
    const codes = Array.isArray(probe.code) ? `s.code = ANY(${this.bind(probe.code)}::text[])` : `s.code = ${this.bind(probe.code)}`;
    return {
      rest,
      sql:
        `SELECT DISTINCT s.resource_id AS id FROM ${probe.table} s WHERE s.tenant_id = $1 AND s.resource_type = $2 ` +
        `AND ${codes}${probe.condition ? ` AND (${probe.condition})` : ''} ORDER BY 1`,
    };
  }

  /** Table, code(s) and condition on `s` of the filters that are one index probe ANDed into EXISTS. */
  private probe(f: Filter): { table: string; code: string | string[]; condition: string } | undefined {
    switch (f.kind) {
      case 'missing':
        return f.missing ? undefined : { table: f.table, code: f.code, condition: '' };
      case 'string':
        return { table: 'search_string', code: f.code, condition: or(f.values.map((v) => this.stringCondition(f.modifier, v))) };
      case 'token':
        return f.not ? undefined : { table: 'search_token', code: f.code, condition: or(f.values.map((v) => this.tokenCondition(v))) };
      case 'tokenText':
        return {
          table: 'search_token', code: f.code, condition: or(f.values.map((v) => {
            const p = this.bind(`${escapeLike(v)}%`);
            // Starts-with on the whole text or on any word in it.
            return `s.text_norm LIKE ${p} OR s.text_norm LIKE '% ' || ${p}`;
          })),
        };
      case 'reference':
        return { table: 'search_reference', code: f.code, condition: or(f.values.map((v) => this.referenceCondition(v))) };
      case 'date':
        return { table: 'search_date', code: f.code, condition: or(f.values.map((v) => this.dateCondition(v, 's.low', 's.high'))) };
      case 'number':
        return { table: 'search_number', code: f.code, condition: or(f.values.map((v) => this.numberCondition(v, 's.low', 's.high'))) };
      case 'quantity':
        return { table: 'search_quantity', code: f.code, condition: or(f.values.map((v) => this.quantityCondition(v))) };
      case 'uri':
        return {
          table: 'search_uri', code: f.code, condition: or(f.values.map((v) => {
            if (f.modifier === 'below') return `s.value LIKE ${this.bind(`${escapeLike(v)}%`)}`;
            if (f.modifier === 'above') return `${this.bind(v)} LIKE replace(replace(replace(s.value, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;
            return `s.value = ${this.bind(v)}`;
          })),
        };
      case 'compartment': {
        const ref = `${f.targetType}/${f.targetId}`;
        const condition = `s.target_id = ${this.bind(f.targetId)} AND s.target_type = ${this.bind(f.targetType)} AND s.ref = ${this.bind(ref)}`;
        return { table: 'search_reference', code: f.codes, condition };
      }
      default:
        return undefined;
    }
  }

  /**
   * A condition that needs the resource row itself (_id, _lastUpdated, absence
   * of values) in a chained scope: the target must also exist and not be deleted.
   */
  private onRow(scope: Scope, build: (row: Scope) => string): string {
    if (scope.row) return build(scope);
    const r = this.alias('r');
    const row: Scope = { type: scope.type, id: `${r}.id`, row: r };
    return `EXISTS (SELECT 1 FROM fhir_resources ${r} WHERE ${r}.tenant_id = $1 AND ${r}.resource_type = ${scope.type} AND ${r}.id = ${scope.id} AND NOT ${r}.deleted AND ${build(row)})`;
  }

  private filter(f: Filter, scope: Scope): string {
    switch (f.kind) {
      case 'id':
        return this.onRow(scope, (row) => `${row.id} = ANY(${this.bind(f.values)}::text[])`);
      case 'lastUpdated':
        return this.onRow(scope, (row) => or(f.values.map((v) => this.dateCondition(v, `${row.row}.last_updated`, `${row.row}.last_updated`))));
      case 'missing':
        if (!f.missing) return this.exists(f.table, f.code, '', scope);
        return this.onRow(scope, (row) => `NOT ${this.exists(f.table, f.code, '', row)}`);
      case 'token':
        // :not matches resources without any matching token, including those with no value at all.
        if (f.not) return this.onRow(scope, (row) => `NOT ${this.exists('search_token', f.code, or(f.values.map((v) => this.tokenCondition(v))), row)}`);
        return this.simple(f, scope);
      case 'string': case 'tokenText': case 'reference': case 'date': case 'number': case 'quantity': case 'uri': case 'compartment':
        return this.simple(f, scope);
      case 'chain':
        return or(f.targets.map((t) => this.chain(f.code, t.type, t.filter, scope)));
      case 'has':
        return this.has(f.type, f.code, f.filter, scope);
      case 'all':
        return or(f.any.map((filters) => filters.map((inner) => this.filter(inner, scope)).join(' AND ')));
    }
  }

  private simple(f: Filter, scope: Scope): string {
    const probe = this.probe(f)!;
    return this.exists(probe.table, probe.code, probe.condition, scope);
  }

  /**
   * Chaining (https://hl7.org/fhir/R4/search.html#chaining): a local reference
   * row of this resource whose target (type, id) satisfies the inner filter,
   * which probes the target's own index rows. Only local references chain:
   * `ref` must be exactly `Type/id`.
   */
  private chain(code: string, targetType: string, inner: Filter, scope: Scope): string {
    const c = this.alias('c');
    const type = this.bind(targetType);
    const target: Scope = { type, id: `${c}.target_id` };
    return (
      `EXISTS (SELECT 1 FROM search_reference ${c} WHERE ${c}.tenant_id = $1 AND ${c}.resource_type = ${scope.type} ` +
      `AND ${c}.resource_id = ${scope.id} AND ${c}.code = ${this.bind(code)} AND ${c}.target_type = ${type} ` +
      `AND ${c}.ref = ${c}.target_type || '/' || ${c}.target_id AND ${this.filter(inner, target)})`
    );
  }

  /** Reverse chaining (https://hl7.org/fhir/R4/search.html#has): a `type` resource refers here through `code` and matches. */
  private has(sourceType: string, code: string, inner: Filter, scope: Scope): string {
    const h = this.alias('h');
    const type = this.bind(sourceType);
    const source: Scope = { type, id: `${h}.resource_id` };
    return (
      `EXISTS (SELECT 1 FROM search_reference ${h} WHERE ${h}.tenant_id = $1 AND ${h}.resource_type = ${type} ` +
      `AND ${h}.code = ${this.bind(code)} AND ${h}.target_id = ${scope.id} AND ${h}.target_type = ${scope.type} ` +
      `AND ${h}.ref = ${h}.target_type || '/' || ${h}.target_id AND ${this.filter(inner, source)})`
    );
  }

  private stringCondition(modifier: 'starts' | 'exact' | 'contains', value: string): string {
    if (modifier === 'exact') return `s.value_raw = ${this.bind(value)}`;
    if (modifier === 'contains') return `s.value_norm LIKE ${this.bind(`%${escapeLike(value)}%`)}`;
    return `s.value_norm LIKE ${this.bind(`${escapeLike(value)}%`)}`;
  }

  private tokenCondition(v: TokenValue): string {
    const parts: string[] = [];
    if (v.code !== undefined) parts.push(`s.value = ${this.bind(v.code)}`);
    if (v.system === null) parts.push('s.system IS NULL');
    else if (v.system !== undefined) parts.push(`s.system = ${this.bind(v.system)}`);
    return parts.join(' AND ');
  }

  private referenceCondition(v: ReferenceValue): string {
    const parts: string[] = [];
    for (const ref of v.refs) {
      const m = /^([A-Z][A-Za-z]+)\/([^/]+)$/.exec(ref);
      // Local Type/id: match on the (target_id, target_type) index columns.
      if (m) parts.push(`(s.target_id = ${this.bind(m[2])} AND s.target_type = ${this.bind(m[1])} AND s.ref = ${this.bind(ref)})`);
      else parts.push(`s.ref = ${this.bind(ref)}`);
    }
    if (v.id !== undefined) {
      const types = v.types && v.types.length > 0 ? ` AND s.target_type = ANY(${this.bind(v.types)}::text[])` : '';
      parts.push(`(s.target_id = ${this.bind(v.id)}${types} AND s.ref = s.target_type || '/' || s.target_id)`);
    }
    return parts.join(' OR ');
  }

  /**
   * Range semantics of https://hl7.org/fhir/R4/search.html#prefix for a target
   * range [lo, hi] and a search range [sl, sh]. ge and le are written as an OR of
   * two single-column bounds so a BitmapOr of the low and high indexes serves them.
   */
  private dateCondition(v: DateValue, lo: string, hi: string): string {
    const ts = (ms: number): string => `${this.bind(toSqlTimestamp(ms))}::timestamptz`;
    // Bound lazily: PostgreSQL rejects a parameter the statement never uses.
    return rangeCondition(v.prefix, lo, hi, () => ts(v.low), () => ts(v.high), () => {
      // ap: overlap after widening by 10% of the distance from now (at least a day).
      const gap = Math.max(Math.abs(Date.now() - v.low) * 0.1, 86_400_000);
      return [ts(v.low - gap), ts(v.high + gap)];
    });
  }

  private numberCondition(v: NumberValue, lo: string, hi: string): string {
    const n = (x: number): string => `${this.bind(String(x))}::numeric`;
    // Unbounded Range ends are NULL in the index.
    const loExpr = `COALESCE(${lo}, '-Infinity'::float8::numeric)`;
    const hiExpr = `COALESCE(${hi}, 'Infinity'::float8::numeric)`;
    const value = (): string => n(v.value);
    switch (v.prefix) {
      case 'eq': return `(${loExpr} >= ${n(v.low)} AND ${hiExpr} < ${n(v.high)})`;
      case 'ne': return `NOT (${loExpr} >= ${n(v.low)} AND ${hiExpr} < ${n(v.high)})`;
      case 'gt': case 'sa': return `${hiExpr} > ${value()}`;
      case 'lt': case 'eb': return `${loExpr} < ${value()}`;
      case 'ge': return `${hiExpr} >= ${value()}`;
      case 'le': return `${loExpr} <= ${value()}`;
      case 'ap': {
        const d = Math.abs(v.value) * 0.1;
        return `(${loExpr} <= ${n(v.value + d)} AND ${hiExpr} >= ${n(v.value - d)})`;
      }
    }
  }

  private quantityCondition(v: QuantityValue): string {
    const parts = [this.numberCondition(v, 's.value', 's.value')];
    if (v.system) parts.push(`s.system = ${this.bind(v.system)}`);
    if (v.unit) parts.push(v.system ? `s.unit_code = ${this.bind(v.unit)}` : `(s.unit_code = ${this.bind(v.unit)} OR s.unit = ${this.bind(v.unit)})`);
    return parts.join(' AND ');
  }

  private sortExpression(k: SortKey): string {
    if (k.param === '_id') return 'r.id';
    if (k.param === '_lastUpdated') return 'r.last_updated';
    const table = TABLE_OF[k.param.type]!;
    // Sort on the lowest value ascending and the highest descending (several values per resource).
    const column = SORT_COLUMN[table]![k.descending ? 1 : 0];
    const agg = k.descending ? 'max' : 'min';
    return `(SELECT ${agg}(s.${column}) FROM ${table} s WHERE s.tenant_id = $1 AND s.resource_type = $2 AND s.resource_id = r.id AND s.code = ${this.bind(k.param.code)})`;
  }
}

/** Where a filter applies: the resource type and id expressions, and the fhir_resources alias when there is one. */
interface Scope {
  type: string;
  id: string;
  row?: string;
}

const TOP: Scope = { type: '$2', id: 'r.id', row: 'r' };

const SORT_COLUMN: Record<string, [string, string]> = {
  search_string: ['value_norm', 'value_norm'], search_token: ['value', 'value'], search_reference: ['ref', 'ref'],
  search_date: ['low', 'high'], search_number: ['low', 'high'], search_quantity: ['value', 'value'], search_uri: ['value', 'value'],
};

function rangeCondition(prefix: Prefix, lo: string, hi: string, sl: () => string, sh: () => string, approx: () => [string, string]): string {
  switch (prefix) {
    // eq also bounds lo from above (implied by lo <= hi <= sh): the lo index then scans only [sl, sh].
    case 'eq': { const h = sh(); return `(${lo} >= ${sl()} AND ${lo} <= ${h} AND ${hi} <= ${h})`; }
    case 'ne': { const h = sh(); return `NOT (${lo} >= ${sl()} AND ${lo} <= ${h} AND ${hi} <= ${h})`; }
    case 'gt': return `${hi} > ${sh()}`;
    case 'lt': return `${lo} < ${sl()}`;
    // ge: above sh, or inside [sl, sh]; a target with lo >= sl and hi > sh is in the first arm, so this is exact.
    case 'ge': return `(${hi} > ${sh()} OR ${lo} >= ${sl()})`;
    case 'le': return `(${lo} < ${sl()} OR ${hi} <= ${sh()})`;
    case 'sa': return `${lo} > ${sh()}`;
    case 'eb': return `${hi} < ${sl()}`;
    case 'ap': {
      const [al, ah] = approx();
      return `(${lo} <= ${ah} AND ${hi} >= ${al})`;
    }
  }
}

function or(conditions: string[]): string {
  // Parenthesised as a whole: the result is ANDed with other conditions.
  return conditions.length === 1 ? conditions[0]! : `(${conditions.map((c) => `(${c})`).join(' OR ')})`;
}
