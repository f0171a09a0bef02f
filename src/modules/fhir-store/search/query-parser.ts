import type { IssueInput } from '../../../fhir/outcome.js';
import { HubError } from '../../../platform/errors/index.js';
import { parseFilter, TABLE_OF, type Filter, type FilterContext } from './filter-parser.js';
import { SearchErrors } from './search-errors.js';
import { getResourceSearchParams, type PreparedParam, type ResourceSearchParams } from './search-params.js';
import { invalid } from './search-values.js';

export { TABLE_OF, type Filter, type IndexTable } from './filter-parser.js';

/** One `_include` / `_revinclude` value (https://hl7.org/fhir/R4/search.html#include). */
export interface IncludeSpec {
  /** The resource type holding the reference. */
  sourceType: string;
  /** The reference parameter, or '*' for every reference parameter. */
  code: string;
  /** Only references to this type. */
  targetType?: string;
  /** `:iterate` (or R3's `:recurse`): also applied to included resources. */
  iterate: boolean;
}

export interface SortKey {
  /** `_id`, `_lastUpdated`, or an indexed parameter. */
  param: '_id' | '_lastUpdated' | PreparedParam;
  descending: boolean;
}

export interface ParsedSearch {
  resourceType: string;
  filters: Filter[];
  sort: SortKey[];
  count: number;
  offset: number;
  total: 'none' | 'estimate' | 'accurate';
  summaryCount: boolean;
  /** `_summary=true|text|data` (count is summaryCount). */
  summary?: 'true' | 'text' | 'data';
  /** `_elements`: top-level element names to keep. */
  elements?: string[];
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** The parameters actually applied, in request order, for the self link. */
  applied: [string, string][];
  /** Ignored parameters, reported in an OperationOutcome entry. */
  issues: IssueInput[];
}

export interface ParseOptions {
  defaultPageSize: number;
  maxPageSize: number;
  strict?: boolean;
  /** The hub's base URL (absolute references under `${baseUrl}/fhir/` are local). */
  baseUrl: string;
}

/** Accepted and ignored without comment: they concern the HTTP layer. */
const TRANSPORT_PARAMS: ReadonlySet<string> = new Set(['_format', '_pretty']);

/**
 * Parses URL query parameters into filters and result controls. Unknown or
 * unsupported parameters are ignored with an issue, or a 400 under strict
 * handling; a malformed value is always a 400 naming the parameter.
 * `extraFilters` (compartment search) are ANDed with the parsed ones.
 */
export function parseSearchQuery(resourceType: string, query: Record<string, string | string[]>, options: ParseOptions, extraFilters: Filter[] = []): ParsedSearch {
  const params = getResourceSearchParams(resourceType);
  if (!params) throw new HubError(SearchErrors.UNKNOWN_RESOURCE_TYPE, `Unknown resource type '${resourceType}'`);
  const out: ParsedSearch = {
    resourceType, filters: [...extraFilters], sort: [], count: options.defaultPageSize, offset: 0, total: 'none', summaryCount: false,
    include: [], revinclude: [], applied: [], issues: [],
  };
  for (const [key, raw] of Object.entries(query)) {
    const ignore: Ignore = (spec, message) => {
      if (options.strict) throw new HubError(spec, message, { expression: [key] });
      out.issues.push({ code: 'not-supported', severity: 'warning', text: `${message}; ignored`, expression: [key] });
    };
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (TRANSPORT_PARAMS.has(key)) continue;
      if (value === '') continue; // an empty parameter value selects nothing and is ignored
      if (key.startsWith('_') && parseResultParam(key, value, out, options, params, ignore)) continue;
      const ctx: FilterContext = { baseUrl: options.baseUrl, ignore };
      const filter = parseFilter(key, value, params, ctx);
      if (filter) {
        out.filters.push(filter);
        out.applied.push([key, value]);
      }
    }
  }
  return out;
}

type Ignore = FilterContext['ignore'];

/** Handles `_count`, `_sort`, `_include`... Returns false when `key` is not a result parameter. */
function parseResultParam(key: string, value: string, out: ParsedSearch, options: ParseOptions, params: ResourceSearchParams, ignore: Ignore): boolean {
  switch (key) {
    case '_count': {
      const n = parseNonNegativeInt(key, value);
      out.count = Math.min(n, options.maxPageSize);
      if (n === 0) out.summaryCount = true;
      out.applied.push([key, String(out.count)]);
      return true;
    }
    case '_offset':
      out.offset = parseNonNegativeInt(key, value);
      return true; // carried by the paging links themselves, not echoed
    case '_total':
      if (value !== 'none' && value !== 'estimate' && value !== 'accurate') throw invalid(key, `'${value}' is not none, estimate or accurate`);
      out.total = value;
      out.applied.push([key, value]);
      return true;
    case '_summary':
      if (value === 'count') out.summaryCount = true;
      else if (value === 'true' || value === 'text' || value === 'data') out.summary = value;
      else if (value !== 'false') throw invalid(key, `'${value}' is not true, text, data, count or false`);
      out.applied.push([key, value]);
      return true;
    case '_elements': {
      const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
      for (const name of names) {
        // R4 allows the element name, optionally prefixed by the type (Patient.name).
        if (!/^([A-Z][A-Za-z]+\.)?[a-z][A-Za-z0-9]*$/.test(name)) throw invalid(key, `'${name}' is not an element name`);
      }
      out.elements = [...(out.elements ?? []), ...names.map((n) => n.slice(n.indexOf('.') + 1))];
      out.applied.push([key, value]);
      return true;
    }
    case '_sort':
      out.sort = value.split(',').map((item) => parseSortKey(item, params));
      out.applied.push([key, value]);
      return true;
    case '_include': case '_include:iterate': case '_include:recurse':
    case '_revinclude': case '_revinclude:iterate': case '_revinclude:recurse': {
      const reverse = key.startsWith('_revinclude');
      const spec = parseIncludeValue(key, value, key.includes(':'), reverse, params.resourceType);
      (reverse ? out.revinclude : out.include).push(spec);
      out.applied.push([key, value]);
      return true;
    }
    case '_contained': case '_containedType': case '_text': case '_content': case '_list': case '_query': case '_filter':
      ignore(SearchErrors.UNSUPPORTED, `Search parameter '${key}' is not supported yet`);
      return true;
    default:
      return false;
  }
}

/**
 * `Source:code[:Target]`, `Source:*` or `*`. A non-iterating _include must name
 * the searched type as its source; a _revinclude's references must be able to
 * point at the searched type.
 */
function parseIncludeValue(key: string, value: string, iterate: boolean, reverse: boolean, searchedType: string): IncludeSpec {
  if (value === '*') {
    if (reverse) throw invalid(key, `'*' is only defined for _include`);
    return { sourceType: searchedType, code: '*', iterate };
  }
  const m = /^([A-Z][A-Za-z]+):([A-Za-z0-9_-]+|\*)(?::([A-Z][A-Za-z]+))?$/.exec(value);
  if (!m) throw invalid(key, `'${value}' is not Type:parameter[:TargetType]`);
  const [, sourceType, code, targetType] = m as unknown as [string, string, string, string | undefined];
  const source = getResourceSearchParams(sourceType);
  if (!source) throw invalid(key, `'${sourceType}' is not a resource type`);
  if (code !== '*') {
    const param = source.byCode.get(code);
    if (!param || param.type !== 'reference' || !param.expression) throw invalid(key, `'${code}' is not a reference parameter of ${sourceType}`);
    if (targetType && param.targets.length > 0 && !param.targets.includes(targetType)) throw invalid(key, `${targetType} is not a target type of ${sourceType}.${code}`);
    if (reverse && !iterate && param.targets.length > 0 && !param.targets.includes(searchedType)) {
      throw invalid(key, `${sourceType}.${code} does not refer to ${searchedType}`);
    }
  }
  if (reverse && !iterate && targetType && targetType !== searchedType) throw invalid(key, `the target type must be ${searchedType} (or use _revinclude:iterate)`);
  if (!reverse && !iterate && sourceType !== searchedType) throw invalid(key, `the source type must be ${searchedType} (or use _include:iterate)`);
  return { sourceType, code, targetType, iterate };
}

function parseNonNegativeInt(key: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw invalid(key, `'${value}' is not a non-negative integer`);
  return Number(value);
}

function parseSortKey(item: string, params: ResourceSearchParams): SortKey {
  const descending = item.startsWith('-');
  const code = descending ? item.slice(1) : item;
  if (code === '_id' || code === '_lastUpdated') return { param: code, descending };
  const param = params.byCode.get(code);
  if (!param || !TABLE_OF[param.type] || !param.expression) throw invalid('_sort', `'${code}' is not a sortable search parameter of ${params.resourceType}`);
  return { param, descending };
}
