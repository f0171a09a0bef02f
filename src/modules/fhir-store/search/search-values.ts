import { HubError } from '../../../platform/errors/index.js';
import { parseDateRange } from './date-range.js';
import { clip } from './normalize.js';
import { SearchErrors } from './search-errors.js';

/** Comparison prefixes of ordered types (https://hl7.org/fhir/R4/search.html#prefix). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
const PREFIXES: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

export interface DateValue {
  prefix: Prefix;
  low: number;
  high: number;
}

export interface NumberValue {
  prefix: Prefix;
  value: number;
  /** The implicit range of the value's precision: `100` is [99.5, 100.5). */
  low: number;
  high: number;
}

export interface QuantityValue extends NumberValue {
  system?: string;
  unit?: string;
}

/** A token search value: `code`, `system|code`, `|code` or `system|`. */
export interface TokenValue {
  /** undefined: any system; null: no system (`|code`). */
  system?: string | null;
  code?: string;
}

/** A reference search value, resolved to what the index stores. */
export interface ReferenceValue {
  /** Match `ref` exactly (Type/id, or an external URL as sent). */
  refs: string[];
  /** Match a local reference by id alone, of any of these types (empty: any type). */
  id?: string;
  types?: readonly string[];
}

export function invalid(param: string, message: string): HubError {
  return new HubError(SearchErrors.INVALID_VALUE, `Invalid search parameter '${param}': ${message}`, { expression: [param] });
}

/** Splits a value on unescaped commas (OR) and drops empty alternatives. */
export function splitOr(value: string): string[] {
  return splitUnescaped(value, ',').filter((v) => v !== '');
}

/** Splits on a separator not preceded by a backslash; escapes stay in the parts (undone by unescapeValue). */
export function splitUnescaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Undoes the search escapes `\,` `\|` `\$` `\\` (https://hl7.org/fhir/R4/search.html#escaping). */
export function unescapeValue(value: string): string {
  return value.replace(/\\([,|$\\])/g, '$1');
}

function splitPipe(value: string): string[] {
  return splitUnescaped(value, '|');
}

function splitPrefix(value: string): [Prefix, string] {
  const head = value.slice(0, 2);
  if (/^[a-z]{2}/.test(head) && !/^\d/.test(value)) {
    if (!PREFIXES.has(head)) return ['eq', value]; // checked by the caller's parser: an unknown prefix is not a number/date
    return [head as Prefix, value.slice(2)];
  }
  return ['eq', value];
}

export function parseTokenValue(param: string, value: string): TokenValue {
  const parts = splitPipe(value);
  if (parts.length > 2) throw invalid(param, `'${value}' has more than one unescaped '|'`);
  if (parts.length === 1) return { code: clip(unescapeValue(parts[0]!)) };
  const [system, code] = parts.map((p) => clip(unescapeValue(p))) as [string, string];
  if (!system && !code) throw invalid(param, `'|' alone selects nothing`);
  return { system: system === '' ? null : system, code: code === '' ? undefined : code };
}

export function parseDateValue(param: string, value: string): DateValue {
  const [prefix, rest] = splitPrefix(value);
  const range = parseDateRange(rest);
  if (!range) throw invalid(param, `'${value}' is not a FHIR date (yyyy, yyyy-mm, yyyy-mm-dd or yyyy-mm-ddThh:mm[:ss][zone]) with an optional prefix eq|ne|gt|lt|ge|le|sa|eb|ap`);
  return { prefix, ...range };
}

const NUMBER_RE = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export function parseNumberValue(param: string, value: string): NumberValue {
  const [prefix, rest] = splitPrefix(value);
  const m = NUMBER_RE.exec(rest);
  if (!m) throw invalid(param, `'${value}' is not a number with an optional prefix eq|ne|gt|lt|ge|le|sa|eb|ap`);
  const number = Number(rest);
  // Precision: half a unit of the last significant digit (https://hl7.org/fhir/R4/search.html#number).
  const decimals = (m[2]?.length ?? 0) - Number(m[3] ?? 0);
  const half = 0.5 * 10 ** -decimals;
  return { prefix, value: number, low: number - half, high: number + half };
}

export function parseQuantityValue(param: string, value: string): QuantityValue {
  const parts = splitPipe(value);
  if (parts.length !== 1 && parts.length !== 3) throw invalid(param, `'${value}' is not [prefix]number or [prefix]number|system|code`);
  const number = parseNumberValue(param, parts[0]!);
  if (parts.length === 1) return number;
  const system = unescapeValue(parts[1]!);
  const unit = unescapeValue(parts[2]!);
  return { ...number, system: system || undefined, unit: unit || undefined };
}

/**
 * Parses a reference search value. `localPrefix` is `${baseUrl}/fhir/`: an
 * absolute URL under it means the same as `Type/id`. A plain id matches local
 * references of the allowed `types` (the :Type modifier or all targets).
 */
export function parseReferenceValue(param: string, value: string, localPrefix: string, types: readonly string[]): ReferenceValue {
  const v = unescapeValue(value);
  const local = v.startsWith(localPrefix) ? v.slice(localPrefix.length) : undefined;
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(local ?? v);
  if (m) {
    if (types.length === 1 && m[1] !== types[0]) throw invalid(param, `'${value}' is not a reference to ${types[0]}`);
    const refs = [`${m[1]}/${m[2]}`];
    if (local !== undefined) refs.push(v); // indexed as sent when the writer did not know the base URL
    return { refs };
  }
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(v)) return { refs: [], id: v, types };
  if (/^[a-z][a-z0-9+.-]*:/i.test(v) || v.startsWith('#')) return { refs: [v] };
  throw invalid(param, `'${value}' is not an id, Type/id or absolute URL`);
}
