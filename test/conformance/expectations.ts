import { evalFhirPath } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/**
 * The answers a search must give, computed from the loaded resources with
 * FHIRPath and the rules of the R4 search chapter
 * (https://hl7.org/fhir/R4/search.html), written here without any of the
 * hub's search code.
 */

export type Loaded = ReadonlyMap<string, Resource>; // "Type/id" → current resource

export const keyOf = (r: Resource) => `${r.resourceType}/${r.id}`;

export function path(resource: Resource, expression: string): unknown[] {
  return evalFhirPath(expression, resource);
}

/** Case- and accent-insensitive form used by string search. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function stringParts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!value || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ['family', 'given', 'prefix', 'suffix', 'text', 'line', 'city', 'district', 'state', 'postalCode', 'country']) {
    const field = v[key];
    if (typeof field === 'string') parts.push(field);
    else if (Array.isArray(field)) parts.push(...field.filter((f): f is string => typeof f === 'string'));
  }
  return parts;
}

/** String search: starts with (default), `:exact` (whole string, case-sensitive), `:contains`. */
export function stringMatch(values: unknown[], query: string, mode: 'start' | 'exact' | 'contains' = 'start'): boolean {
  const parts = values.flatMap(stringParts);
  if (mode === 'exact') return parts.some((p) => p === query);
  const q = fold(query);
  return parts.some((p) => (mode === 'contains' ? fold(p).includes(q) : fold(p).startsWith(q)));
}

interface Code {
  system?: string;
  code?: string;
}

function codesOf(value: unknown): Code[] {
  if (typeof value === 'string' || typeof value === 'boolean') return [{ code: String(value) }];
  if (!value || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.coding)) return v.coding.flatMap(codesOf);
  if ('value' in v && ('system' in v || 'use' in v || 'type' in v)) return [{ system: v.system as string | undefined, code: v.value as string }];
  if ('code' in v) return [{ system: v.system as string | undefined, code: v.code as string }];
  return [];
}

/** Token search: `code`, `system|code`, `|code` (no system), `system|` (any code in system). */
export function tokenMatch(values: unknown[], query: string): boolean {
  const codes = values.flatMap(codesOf);
  if (!query.includes('|')) return codes.some((c) => c.code === query);
  const [system, code] = query.split('|');
  return codes.some((c) => (system === '' ? !c.system : c.system === system) && (code === '' || c.code === code));
}

/** `[start, end]` in ms of a date, dateTime, instant or Period, from its precision (https://hl7.org/fhir/R4/search.html#date). */
export function dateRange(value: unknown): [number, number] | null {
  if (value && typeof value === 'object') {
    const p = value as { start?: string; end?: string };
    return [p.start ? dateRange(p.start)![0] : -Infinity, p.end ? dateRange(p.end)![1] : Infinity];
  }
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})(-(\d{2}))?(-(\d{2}))?(T(\d{2}):(\d{2})(:(\d{2})(\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(value);
  if (!m) return null;
  const [, y, , mo, , d, time, h, mi, , s, , frac, zone] = m;
  if (!mo) return [Date.UTC(+y, 0, 1), Date.UTC(+y + 1, 0, 1) - 1];
  if (!d) return [Date.UTC(+y, +mo - 1, 1), Date.UTC(+y, +mo, 1) - 1];
  if (!time) return [Date.UTC(+y, +mo - 1, +d), Date.UTC(+y, +mo - 1, +d + 1) - 1];
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ? `.${frac}` : ''}${zone ?? 'Z'}`;
  const start = Date.parse(iso);
  if (!s) return [start, start + 60_000 - 1];
  if (!frac) return [start, start + 1000 - 1];
  return [start, start];
}

/** Date search with a prefix: the target's range against the parameter's range. */
export function dateMatch(values: unknown[], param: string): boolean {
  const prefix = /^(eq|ne|gt|lt|ge|le|sa|eb)/.exec(param)?.[1] ?? 'eq';
  const [ps, pe] = dateRange(param.replace(/^(eq|ne|gt|lt|ge|le|sa|eb)/, ''))!;
  return values.some((v) => {
    const range = dateRange(v);
    if (!range) return false;
    const [ts, te] = range;
    const eq = ts >= ps && te <= pe;
    switch (prefix) {
      case 'eq': return eq;
      case 'ne': return !eq;
      case 'gt': return te > pe;
      case 'lt': return ts < ps;
      case 'ge': return te > pe || eq;
      case 'le': return ts < ps || eq;
      case 'sa': return ts > pe;
      case 'eb': return te < ps;
      default: return false;
    }
  });
}

/** Quantity and number comparisons (gt/lt/ge/le exact; eq with the value's precision, spec "number" rules). */
export function quantityMatch(values: unknown[], param: string): boolean {
  const prefix = /^(eq|ne|gt|lt|ge|le)/.exec(param)?.[1] ?? 'eq';
  const [numberText, system, code] = param.replace(/^(eq|ne|gt|lt|ge|le)/, '').split('|');
  const n = Number(numberText);
  const decimals = numberText.includes('.') ? numberText.split('.')[1].length : 0;
  const half = 0.5 * 10 ** -decimals;
  return values.some((v) => {
    const q = (typeof v === 'number' ? { value: v } : v) as { value?: number; system?: string; code?: string; unit?: string };
    if (typeof q?.value !== 'number') return false;
    if (system && q.system !== system) return false;
    if (code && q.code !== code && q.unit !== code) return false;
    switch (prefix) {
      case 'eq': return q.value >= n - half && q.value < n + half;
      case 'ne': return !(q.value >= n - half && q.value < n + half);
      case 'gt': return q.value > n;
      case 'lt': return q.value < n;
      case 'ge': return q.value >= n;
      case 'le': return q.value <= n;
      default: return false;
    }
  });
}

/** Reference search by "Type/id" (relative or absolute reference). */
export function referenceMatch(values: unknown[], target: string): boolean {
  return values.some((v) => {
    const ref = (v as { reference?: string })?.reference;
    return typeof ref === 'string' && (ref === target || ref.endsWith(`/${target}`));
  });
}

/** The resources a reference points at, when they are loaded. */
export function resolve(loaded: Loaded, values: unknown[]): Resource[] {
  const out: Resource[] = [];
  for (const v of values) {
    const ref = (v as { reference?: string })?.reference;
    if (typeof ref !== 'string') continue;
    const key = ref.split('/').slice(-2).join('/');
    const found = loaded.get(key);
    if (found) out.push(found);
  }
  return out;
}
