import type { IssueInput } from '../../../fhir/outcome.js';
import { HubError } from '../../../platform/errors/index.js';
import { clip, normalizeString } from './normalize.js';
import { SearchErrors } from './search-errors.js';
import { getResourceSearchParams, type PreparedParam, type ResourceSearchParams } from './search-params.js';
import {
  invalid, parseDateValue, parseNumberValue, parseQuantityValue, parseReferenceValue, parseTokenValue, splitOr,
  unescapeValue, type DateValue, type NumberValue, type QuantityValue, type ReferenceValue, type TokenValue,
} from './search-values.js';

/** One search parameter occurrence; its values are ORed, occurrences are ANDed. */
export type Filter =
  | { kind: 'id'; values: string[] }
  | { kind: 'lastUpdated'; values: DateValue[] }
  | { kind: 'missing'; table: IndexTable; code: string; missing: boolean }
  | { kind: 'string'; code: string; modifier: 'starts' | 'exact' | 'contains'; values: string[] }
  | { kind: 'token'; code: string; not: boolean; values: TokenValue[] }
  | { kind: 'tokenText'; code: string; values: string[] }
  | { kind: 'reference'; code: string; values: ReferenceValue[] }
  | { kind: 'date'; code: string; values: DateValue[] }
  | { kind: 'number'; code: string; values: NumberValue[] }
  | { kind: 'quantity'; code: string; values: QuantityValue[] }
  | { kind: 'uri'; code: string; modifier: 'eq' | 'below' | 'above'; values: string[] };

export type IndexTable = 'search_string' | 'search_token' | 'search_reference' | 'search_date' | 'search_number' | 'search_quantity' | 'search_uri';

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

export const TABLE_OF: Record<string, IndexTable> = {
  string: 'search_string', token: 'search_token', reference: 'search_reference', date: 'search_date',
  number: 'search_number', quantity: 'search_quantity', uri: 'search_uri',
};

/** Accepted and ignored without comment: they concern the HTTP layer. */
const TRANSPORT_PARAMS: ReadonlySet<string> = new Set(['_format', '_pretty']);

/**
 * Parses URL query parameters into filters and result controls. Unknown or
 * unsupported parameters are ignored with an issue, or a 400 under strict
 * handling; a malformed value is always a 400 naming the parameter.
 */
export function parseSearchQuery(resourceType: string, query: Record<string, string | string[]>, options: ParseOptions): ParsedSearch {
  const params = getResourceSearchParams(resourceType);
  if (!params) throw new HubError(SearchErrors.UNKNOWN_RESOURCE_TYPE, `Unknown resource type '${resourceType}'`);
  const out: ParsedSearch = {
    resourceType, filters: [], sort: [], count: options.defaultPageSize, offset: 0, total: 'none', summaryCount: false, applied: [], issues: [],
  };
  const ignore = (key: string, spec: typeof SearchErrors.UNKNOWN_PARAMETER, message: string): void => {
    if (options.strict) throw new HubError(spec, message, { expression: [key] });
    out.issues.push({ code: 'not-supported', severity: 'warning', text: `${message}; ignored`, expression: [key] });
  };
  for (const [key, raw] of Object.entries(query)) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (TRANSPORT_PARAMS.has(key)) continue;
      if (value === '') continue; // an empty parameter value selects nothing and is ignored
      if (key.startsWith('_') && parseResultParam(key, value, out, options, params, ignore)) continue;
      const filter = parseFilter(key, value, params, options, ignore);
      if (filter) {
        out.filters.push(filter);
        out.applied.push([key, value]);
      }
    }
  }
  return out;
}

type Ignore = (key: string, spec: typeof SearchErrors.UNKNOWN_PARAMETER, message: string) => void;

/** Handles `_count`, `_sort`... Returns false when `key` is not a result parameter. */
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
      if (value === 'count') {
        out.summaryCount = true;
        out.applied.push([key, value]);
      } else if (['true', 'text', 'data', 'false'].includes(value)) ignore(key, SearchErrors.UNSUPPORTED, `_summary=${value} is not supported yet`);
      else throw invalid(key, `'${value}' is not true, text, data, count or false`);
      return true;
    case '_sort':
      out.sort = value.split(',').map((item) => parseSortKey(item, params));
      out.applied.push([key, value]);
      return true;
    case '_elements': case '_include': case '_revinclude': case '_contained': case '_containedType':
    case '_has': case '_text': case '_content': case '_list': case '_query': case '_filter':
      ignore(key, SearchErrors.UNSUPPORTED, `Search parameter '${key}' is not supported yet`);
      return true;
    default:
      return key.startsWith('_has:') ? (ignore(key, SearchErrors.UNSUPPORTED, `Reverse chaining (_has) is not supported yet`), true) : false;
  }
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

function parseFilter(key: string, value: string, params: ResourceSearchParams, options: ParseOptions, ignore: Ignore): Filter | undefined {
  const colon = key.indexOf(':');
  const code = colon < 0 ? key : key.slice(0, colon);
  const modifier = colon < 0 ? '' : key.slice(colon + 1);
  if (code.includes('.') || modifier.includes('.')) {
    ignore(key, SearchErrors.UNSUPPORTED, `Chained search '${key}' is not supported yet`);
    return undefined;
  }
  if (code === '_id') return modifier ? unsupportedModifier(key, ignore) : { kind: 'id', values: splitOr(value).map(unescapeValue) };
  if (code === '_lastUpdated') return modifier ? unsupportedModifier(key, ignore) : { kind: 'lastUpdated', values: splitOr(value).map((v) => parseDateValue(key, v)) };
  const param = params.byCode.get(code);
  if (!param) {
    ignore(key, SearchErrors.UNKNOWN_PARAMETER, `Unknown search parameter '${code}' for ${params.resourceType}`);
    return undefined;
  }
  const table = TABLE_OF[param.type];
  if (!table || !param.expression) {
    ignore(key, SearchErrors.UNSUPPORTED, `Search parameter '${code}' of type ${param.type} is not supported yet`);
    return undefined;
  }
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') throw invalid(key, `'${value}' is not true or false`);
    return { kind: 'missing', table, code, missing: value === 'true' };
  }
  const values = splitOr(value);
  if (values.length === 0) return undefined;
  switch (param.type) {
    case 'string': {
      const mod = modifier === '' ? 'starts' : modifier;
      if (mod !== 'starts' && mod !== 'exact' && mod !== 'contains') return unsupportedModifier(key, ignore);
      const texts = values.map(unescapeValue).map((v) => clip(mod === 'exact' ? v : normalizeString(v)));
      return { kind: 'string', code, modifier: mod, values: texts };
    }
    case 'token':
      if (modifier === 'text') return { kind: 'tokenText', code, values: values.map((v) => normalizeString(unescapeValue(v))) };
      if (modifier !== '' && modifier !== 'not') return unsupportedModifier(key, ignore);
      return { kind: 'token', code, not: modifier === 'not', values: values.map((v) => parseTokenValue(key, v)) };
    case 'reference': {
      let types = param.targets;
      if (modifier !== '') {
        if (!/^[A-Z][A-Za-z]+$/.test(modifier)) return unsupportedModifier(key, ignore);
        if (!types.includes(modifier)) throw invalid(key, `${modifier} is not a target type of '${code}' (${types.join(', ')})`);
        types = [modifier];
      }
      const localPrefix = `${options.baseUrl.replace(/\/+$/, '')}/fhir/`;
      return { kind: 'reference', code, values: values.map((v) => parseReferenceValue(key, v, localPrefix, types)) };
    }
    case 'date':
      return modifier ? unsupportedModifier(key, ignore) : { kind: 'date', code, values: values.map((v) => parseDateValue(key, v)) };
    case 'number':
      return modifier ? unsupportedModifier(key, ignore) : { kind: 'number', code, values: values.map((v) => parseNumberValue(key, v)) };
    case 'quantity':
      return modifier ? unsupportedModifier(key, ignore) : { kind: 'quantity', code, values: values.map((v) => parseQuantityValue(key, v)) };
    case 'uri': {
      const mod = modifier === '' ? 'eq' : modifier;
      if (mod !== 'eq' && mod !== 'below' && mod !== 'above') return unsupportedModifier(key, ignore);
      return { kind: 'uri', code, modifier: mod, values: values.map(unescapeValue) };
    }
    default:
      return unsupportedModifier(key, ignore);
  }
}

function unsupportedModifier(key: string, ignore: Ignore): undefined {
  ignore(key, SearchErrors.UNSUPPORTED, `Search modifier in '${key}' is not supported`);
  return undefined;
}
