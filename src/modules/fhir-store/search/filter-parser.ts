import { HubError } from '../../../platform/errors/index.js';
import { clip, normalizeString } from './normalize.js';
import { SearchErrors } from './search-errors.js';
import { getResourceSearchParams, type PreparedParam, type ResourceSearchParams } from './search-params.js';
import {
  invalid, parseDateValue, parseNumberValue, parseQuantityValue, parseReferenceValue, parseTokenValue, splitOr, splitUnescaped,
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
  | { kind: 'uri'; code: string; modifier: 'eq' | 'below' | 'above'; values: string[] }
  /** Chaining: a local reference `code` to a resource of one of the types that matches the inner filter. */
  | { kind: 'chain'; code: string; targets: { type: string; filter: Filter }[] }
  /** Reverse chaining (_has): some `type` resource refers to this one through `code` and matches the inner filter. */
  | { kind: 'has'; type: string; code: string; filter: Filter }
  /** Every filter holds (composite parameters on the resource root); `any` alternatives are ORed. */
  | { kind: 'all'; any: Filter[][] }
  /** Compartment search: the resource refers to `Type/id` through one of `codes`. */
  | { kind: 'compartment'; codes: string[]; targetType: string; targetId: string };

export type IndexTable = 'search_string' | 'search_token' | 'search_reference' | 'search_date' | 'search_number' | 'search_quantity' | 'search_uri';

export const TABLE_OF: Record<string, IndexTable> = {
  string: 'search_string', token: 'search_token', reference: 'search_reference', date: 'search_date',
  number: 'search_number', quantity: 'search_quantity', uri: 'search_uri',
};

/** Suffixes of the derived token codes written by extract.ts for `:identifier` and `:of-type`. */
export const IDENTIFIER_SUFFIX = ':identifier';
export const OF_TYPE_SUFFIX = ':of-type';

/** Chains and _has nest at most this deep: each level is a join. */
const MAX_DEPTH = 4;

export type Ignore = (spec: typeof SearchErrors.UNKNOWN_PARAMETER, message: string) => void;

export interface FilterContext {
  /** The hub's base URL (absolute references under `${baseUrl}/fhir/` are local). */
  baseUrl: string;
  /** Reports an ignored parameter (or throws under strict handling). */
  ignore: Ignore;
}

/**
 * Parses one `key=value` search parameter of a resource type into a filter, or
 * undefined when it is ignored (reported through `ctx.ignore`). Handles chains
 * (`subject:Patient.name=x`), reverse chains (`_has:Observation:patient:code=x`),
 * composite parameters (`code-value-quantity=loinc|8480-6$gt100`) and modifiers.
 */
export function parseFilter(key: string, value: string, params: ResourceSearchParams, ctx: FilterContext, depth = 0): Filter | undefined {
  if (depth > MAX_DEPTH) throw invalid(key, `chains and _has nest at most ${MAX_DEPTH} levels`);
  const dot = key.indexOf('.');
  if (key.startsWith('_has:') || dot >= 0) {
    try {
      return key.startsWith('_has:') ? parseHas(key, value, params, ctx, depth) : parseChain(key.slice(0, dot), key.slice(dot + 1), value, params, ctx, depth);
    } catch (err) {
      // A malformed inner part is reported under the whole parameter name the client sent.
      if (depth === 0 && err instanceof HubError && err.code === 'SEARCH_INVALID_VALUE' && err.expression?.[0] !== key) {
        throw new HubError(SearchErrors.INVALID_VALUE, err.message, { expression: [key] });
      }
      throw err;
    }
  }
  const colon = key.indexOf(':');
  const code = colon < 0 ? key : key.slice(0, colon);
  const modifier = colon < 0 ? '' : key.slice(colon + 1);
  if (code === '_id') return modifier ? unsupportedModifier(key, ctx) : { kind: 'id', values: splitOr(value).map(unescapeValue) };
  if (code === '_lastUpdated') return modifier ? unsupportedModifier(key, ctx) : { kind: 'lastUpdated', values: splitOr(value).map((v) => parseDateValue(key, v)) };
  const param = params.byCode.get(code);
  if (!param) return void ctx.ignore(SearchErrors.UNKNOWN_PARAMETER, `Unknown search parameter '${code}' for ${params.resourceType}`);
  if (param.type === 'composite') return parseComposite(key, modifier, value, param, params, ctx);
  const table = TABLE_OF[param.type];
  if (!table || !param.expression) return void ctx.ignore(SearchErrors.UNSUPPORTED, `Search parameter '${code}' of type ${param.type} is not supported yet`);
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') throw invalid(key, `'${value}' is not true or false`);
    return { kind: 'missing', table, code, missing: value === 'true' };
  }
  const values = splitOr(value);
  if (values.length === 0) return undefined;
  return parseTyped(key, code, modifier, values, param, ctx);
}

function parseTyped(key: string, code: string, modifier: string, values: string[], param: PreparedParam, ctx: FilterContext): Filter | undefined {
  switch (param.type) {
    case 'string': {
      const mod = modifier === '' ? 'starts' : modifier;
      if (mod !== 'starts' && mod !== 'exact' && mod !== 'contains') return unsupportedModifier(key, ctx);
      const texts = values.map(unescapeValue).map((v) => clip(mod === 'exact' ? v : normalizeString(v)));
      return { kind: 'string', code, modifier: mod, values: texts };
    }
    case 'token':
      if (modifier === 'text') return { kind: 'tokenText', code, values: values.map((v) => normalizeString(unescapeValue(v))) };
      if (modifier === 'of-type') return { kind: 'token', code: code + OF_TYPE_SUFFIX, not: false, values: values.map((v) => parseOfType(key, v)) };
      if (modifier !== '' && modifier !== 'not') return unsupportedModifier(key, ctx);
      return { kind: 'token', code, not: modifier === 'not', values: values.map((v) => parseTokenValue(key, v)) };
    case 'reference': {
      // :identifier matches Reference.identifier, indexed as a derived token (https://hl7.org/fhir/R4/search.html#reference).
      if (modifier === 'identifier') return { kind: 'token', code: code + IDENTIFIER_SUFFIX, not: false, values: values.map((v) => parseTokenValue(key, v)) };
      let types = param.targets;
      if (modifier !== '') {
        if (!/^[A-Z][A-Za-z]+$/.test(modifier)) return unsupportedModifier(key, ctx);
        if (!types.includes(modifier)) throw invalid(key, `${modifier} is not a target type of '${code}' (${types.join(', ')})`);
        types = [modifier];
      }
      const localPrefix = `${ctx.baseUrl.replace(/\/+$/, '')}/fhir/`;
      return { kind: 'reference', code, values: values.map((v) => parseReferenceValue(key, v, localPrefix, types)) };
    }
    case 'date':
      return modifier ? unsupportedModifier(key, ctx) : { kind: 'date', code, values: values.map((v) => parseDateValue(key, v)) };
    case 'number':
      return modifier ? unsupportedModifier(key, ctx) : { kind: 'number', code, values: values.map((v) => parseNumberValue(key, v)) };
    case 'quantity':
      return modifier ? unsupportedModifier(key, ctx) : { kind: 'quantity', code, values: values.map((v) => parseQuantityValue(key, v)) };
    case 'uri': {
      const mod = modifier === '' ? 'eq' : modifier;
      if (mod !== 'eq' && mod !== 'below' && mod !== 'above') return unsupportedModifier(key, ctx);
      return { kind: 'uri', code, modifier: mod, values: values.map(unescapeValue) };
    }
    default:
      return unsupportedModifier(key, ctx);
  }
}

/** `:of-type` value: `typeSystem|typeCode|value`, indexed as system = type system, value = `typeCode|value`. */
function parseOfType(key: string, value: string): TokenValue {
  const parts = splitUnescaped(value, '|').map(unescapeValue);
  if (parts.length !== 3 || !parts[1] || !parts[2]) throw invalid(key, `'${value}' is not type-system|type-code|value`);
  return { system: parts[0] ? clip(parts[0]) : null, code: clip(`${parts[1]}|${parts[2]}`) };
}

/** `subject:Patient.name=x`: the head names a reference parameter (with an optional target type), the rest is searched on the target. */
function parseChain(head: string, rest: string, value: string, params: ResourceSearchParams, ctx: FilterContext, depth: number): Filter | undefined {
  const key = `${head}.${rest}`;
  const colon = head.indexOf(':');
  const code = colon < 0 ? head : head.slice(0, colon);
  const typeModifier = colon < 0 ? '' : head.slice(colon + 1);
  const param = params.byCode.get(code);
  if (!param) return void ctx.ignore(SearchErrors.UNKNOWN_PARAMETER, `Unknown search parameter '${code}' for ${params.resourceType} in chain '${key}'`);
  if (param.type !== 'reference' || !param.expression) throw invalid(key, `'${code}' is not a reference parameter, so it cannot be chained`);
  if (typeModifier && !param.targets.includes(typeModifier)) throw invalid(key, `${typeModifier} is not a target type of '${code}' (${param.targets.join(', ')})`);
  const innerCode = /^[^.:]+/.exec(rest)?.[0] ?? '';
  // Without a type modifier, every target type that defines the chained parameter is searched (ORed).
  const candidates = typeModifier ? [typeModifier] : param.targets.filter((t) => hasParam(t, innerCode));
  if (candidates.length === 0) return void ctx.ignore(SearchErrors.UNKNOWN_PARAMETER, `No target type of '${code}' has a search parameter '${innerCode}' (chain '${key}')`);
  const targets: { type: string; filter: Filter }[] = [];
  for (const type of candidates) {
    const filter = parseFilter(rest, value, getResourceSearchParams(type)!, ctx, depth + 1);
    if (!filter) return undefined; // the inner parameter was ignored and reported
    targets.push({ type, filter });
  }
  return { kind: 'chain', code, targets };
}

function hasParam(type: string, code: string): boolean {
  if (code === '_id' || code === '_lastUpdated' || code === '_has') return true;
  return getResourceSearchParams(type)?.byCode.has(code) ?? false;
}

/** `_has:Observation:patient:code=x` (https://hl7.org/fhir/R4/search.html#has); the tail may be another _has. */
function parseHas(key: string, value: string, params: ResourceSearchParams, ctx: FilterContext, depth: number): Filter | undefined {
  const m = /^_has:([A-Z][A-Za-z]+):([^:.]+):(.+)$/.exec(key);
  if (!m) throw invalid(key, `'${key}' is not _has:Type:reference-parameter:parameter`);
  const [, type, code, rest] = m as unknown as [string, string, string, string];
  const source = getResourceSearchParams(type);
  if (!source) throw invalid(key, `'${type}' is not a resource type`);
  const ref = source.byCode.get(code);
  if (!ref || ref.type !== 'reference' || !ref.expression) throw invalid(key, `'${code}' is not a reference parameter of ${type}`);
  if (ref.targets.length > 0 && !ref.targets.includes(params.resourceType)) {
    throw invalid(key, `${type}.${code} does not refer to ${params.resourceType}`);
  }
  const filter = parseFilter(rest, value, source, ctx, depth + 1);
  return filter ? { kind: 'has', type, code, filter } : undefined;
}

/**
 * Composite parameters whose expression is the resource itself (e.g. Observation
 * `code-value-quantity`): the components are ordinary parameters of the same
 * resource, so matching them all on the resource is exact. Composites over a
 * repeating element (`component-code-value-quantity`) need the components to
 * match in the SAME element, which the per-parameter index cannot tell: reported
 * as not supported rather than answered loosely.
 */
function parseComposite(key: string, modifier: string, value: string, param: PreparedParam, params: ResourceSearchParams, ctx: FilterContext): Filter | undefined {
  const components = compositeComponents(param, params);
  if (!components) return void ctx.ignore(SearchErrors.UNSUPPORTED, `Composite parameter '${param.code}' over repeating elements is not supported yet`);
  if (modifier) return unsupportedModifier(key, ctx);
  const any: Filter[][] = [];
  for (const alternative of splitOr(value)) {
    const parts = splitUnescaped(alternative, '$');
    if (parts.length !== components.length) throw invalid(key, `'${alternative}' needs ${components.length} values separated by '$'`);
    const filters: Filter[] = [];
    components.forEach((component, i) => {
      const filter = parseTyped(key, component.code, '', [parts[i]!], component, ctx);
      if (filter) filters.push(filter);
    });
    any.push(filters);
  }
  return any.length > 0 ? { kind: 'all', any } : undefined;
}

/** The component parameters of a root-level composite, or undefined when not on the root / not indexed. */
export function compositeComponents(param: PreparedParam, params: ResourceSearchParams): PreparedParam[] | undefined {
  const def = param.definition;
  const narrowed = (def.expression ?? '').split('|').map((s) => s.trim());
  if (!narrowed.includes(params.resourceType) || narrowed.some((s) => s.startsWith(`${params.resourceType}.`))) return undefined;
  const out: PreparedParam[] = [];
  for (const component of def.component ?? []) {
    const target = [...params.byCode.values()].find((p) => p.definition.url === component.definition);
    if (!target || !TABLE_OF[target.type] || !target.expression) return undefined;
    out.push(target);
  }
  return out.length > 0 ? out : undefined;
}

function unsupportedModifier(key: string, ctx: FilterContext): undefined {
  ctx.ignore(SearchErrors.UNSUPPORTED, `Search modifier in '${key}' is not supported`);
  return undefined;
}

/** The resource types a filter reaches through chains and _has (for the caller's search permission). */
export function joinedTypes(filters: readonly Filter[], out: Set<string> = new Set()): Set<string> {
  for (const f of filters) {
    if (f.kind === 'chain') {
      for (const t of f.targets) {
        out.add(t.type);
        joinedTypes([t.filter], out);
      }
    } else if (f.kind === 'has') {
      out.add(f.type);
      joinedTypes([f.filter], out);
    } else if (f.kind === 'all') {
      for (const alternative of f.any) joinedTypes(alternative, out);
    }
  }
  return out;
}
