import type { TypedValue } from '@medplum/core';
import type { Address, CodeableConcept, Coding, ContactPoint, HumanName, Identifier, Period, Quantity, Range, Reference, Resource, Timing } from '@medplum/fhirtypes';
import { parseDateRange } from './date-range.js';
import { IDENTIFIER_SUFFIX, OF_TYPE_SUFFIX } from './filter-parser.js';
import { clip, normalizeString } from './normalize.js';
import { getResourceSearchParams, type PreparedParam } from './search-params.js';

/** Index rows of one resource, one array per index table (see 003_search.sql). */
export interface ExtractedIndex {
  /** [code, value_norm, value_raw] */
  strings: [string, string, string][];
  /** [code, system, value, text_norm] */
  tokens: [string, string | null, string | null, string | null][];
  /** [code, ref, target_type, target_id] */
  references: [string, string, string | null, string | null][];
  /** [code, low ms, high ms] */
  dates: [string, number, number][];
  /** [code, low, high] */
  numbers: [string, number | null, number | null][];
  /** [code, value, system, unit_code, unit] */
  quantities: [string, number | null, string | null, string | null, string | null][];
  /** [code, value] */
  uris: [string, string][];
}

export interface ExtractOptions {
  /** The hub's base URL: absolute references under `${baseUrl}/fhir/` are stored as `Type/id`. */
  baseUrl?: string;
}

/**
 * Evaluates every search parameter of the resource's type and returns the
 * index rows. Pure and synchronous; the expressions are parsed once per type.
 */
export function extractSearchIndex(resource: Resource, options: ExtractOptions = {}): ExtractedIndex {
  return extractWith(resource, options, (param, r) => param.evaluate!(r));
}

/** Extraction with a chosen evaluator (tests compare the compiled paths with @medplum/core's FHIRPath). */
export function extractWith(resource: Resource, options: ExtractOptions, evaluate: (param: PreparedParam, resource: Resource) => TypedValue[]): ExtractedIndex {
  const out: ExtractedIndex = { strings: [], tokens: [], references: [], dates: [], numbers: [], quantities: [], uris: [] };
  const params = getResourceSearchParams(resource.resourceType);
  if (!params) return out;
  const localPrefix = options.baseUrl ? `${options.baseUrl.replace(/\/+$/, '')}/fhir/` : undefined;
  for (const param of params.indexed) {
    let values: TypedValue[];
    try {
      values = evaluate(param, resource);
    } catch {
      continue; // An expression that cannot run on this resource indexes nothing rather than failing the write.
    }
    if (values.length > 0) addValues(out, param, values, localPrefix);
  }
  dedupe(out);
  return out;
}

function addValues(out: ExtractedIndex, param: PreparedParam, values: TypedValue[], localPrefix: string | undefined): void {
  const code = param.code;
  for (const { type, value } of values) {
    if (value === undefined || value === null) continue;
    switch (param.type) {
      case 'string':
        for (const text of stringsOf(type, value)) addString(out, code, text);
        break;
      case 'token':
        addTokens(out, code, type, value);
        break;
      case 'reference':
        addReference(out, code, value, localPrefix);
        break;
      case 'date':
        addDates(out, code, type, value);
        break;
      case 'number':
        addNumber(out, code, type, value);
        break;
      case 'quantity':
        addQuantity(out, code, value);
        break;
      case 'uri':
        if (typeof value === 'string') out.uris.push([code, clip(value)]);
        break;
    }
  }
}

function addString(out: ExtractedIndex, code: string, raw: string): void {
  const norm = clip(normalizeString(raw));
  if (norm) out.strings.push([code, norm, clip(raw.trim())]);
}

const CJK = /\p{Script=Han}/u;

/** The searchable parts of a value: HumanName and Address match on any of their parts. */
function stringsOf(type: string, value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (type === 'HumanName') {
    const name = value as HumanName;
    const given = name.given ?? [];
    const parts = [name.text, name.family, ...given, ...(name.prefix ?? []), ...(name.suffix ?? [])];
    if (name.family && given.length) {
      parts.push([...given, name.family].join(' '));
      // Chinese names are written family first without a space: 王伟.
      if (CJK.test(name.family)) parts.push(name.family + given.join(''));
    }
    return parts.filter((p): p is string => typeof p === 'string');
  }
  if (type === 'Address') {
    const a = value as Address;
    const parts = [a.text, ...(a.line ?? []), a.city, a.district, a.state, a.postalCode, a.country];
    return parts.filter((p): p is string => typeof p === 'string');
  }
  return [];
}

function text(s: string | undefined): string | null {
  return s ? normalizeString(s) || null : null;
}

function addTokens(out: ExtractedIndex, code: string, type: string, value: unknown): void {
  const push = (system: string | undefined, v: string | undefined, t: string | null): void => {
    if (system || v || t) out.tokens.push([code, system ? clip(system) : null, v ? clip(v) : null, t ? clip(t) : null]);
  };
  switch (type) {
    case 'Identifier': {
      const id = value as Identifier;
      push(id.system, id.value, text(id.type?.text ?? id.type?.coding?.[0]?.display));
      // Derived rows for :of-type (https://hl7.org/fhir/R4/search.html#token): type system, "type code|value".
      for (const coding of id.value ? id.type?.coding ?? [] : []) {
        if (coding.code) out.tokens.push([code + OF_TYPE_SUFFIX, coding.system ? clip(coding.system) : null, clip(`${coding.code}|${id.value}`), null]);
      }
      return;
    }
    case 'CodeableConcept': {
      const cc = value as CodeableConcept;
      for (const coding of cc.coding ?? []) push(coding.system, coding.code, text(coding.display));
      if (cc.text) push(undefined, undefined, text(cc.text));
      return;
    }
    case 'Coding': {
      const coding = value as Coding;
      push(coding.system, coding.code, text(coding.display));
      return;
    }
    case 'ContactPoint': {
      const cp = value as ContactPoint;
      push(cp.system, cp.value, null);
      return;
    }
    default:
      if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
        push(undefined, String(value), null);
      }
  }
}

const TYPE_ID = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

function addReference(out: ExtractedIndex, code: string, value: unknown, localPrefix: string | undefined): void {
  let reference: string | undefined;
  if (typeof value === 'string') reference = value; // canonical / uri targets
  else if (typeof (value as Reference).reference === 'string') reference = (value as Reference).reference;
  const identifier = typeof value === 'object' ? (value as Reference).identifier : undefined;
  if (identifier?.value || identifier?.system) {
    // Derived token rows for the reference :identifier modifier.
    out.tokens.push([code + IDENTIFIER_SUFFIX, identifier.system ? clip(identifier.system) : null, identifier.value ? clip(identifier.value) : null, null]);
  }
  if (!reference) return; // identifier-only references are not resolvable here
  let local = reference;
  if (localPrefix && reference.startsWith(localPrefix)) local = reference.slice(localPrefix.length);
  const m = TYPE_ID.exec(local);
  if (m && !local.includes(':')) {
    // Relative (or absolute under this hub): stored as Type/id, version dropped.
    out.references.push([code, `${m[1]}/${m[2]}`, m[1]!, m[2]!]);
  } else {
    // External URL, urn:uuid, #contained: kept as sent; the type and id help :Type and _revinclude later.
    out.references.push([code, clip(reference), m?.[1] ?? null, m?.[2] ?? null]);
  }
}

function addDates(out: ExtractedIndex, code: string, type: string, value: unknown): void {
  if (typeof value === 'string') {
    const range = parseDateRange(value);
    if (range) out.dates.push([code, range.low, range.high]);
    return;
  }
  if (type === 'Period') {
    const p = value as Period;
    const low = p.start ? parseDateRange(p.start)?.low : -Infinity;
    const high = p.end ? parseDateRange(p.end)?.high : Infinity;
    if (low !== undefined && high !== undefined && (p.start || p.end)) out.dates.push([code, low, high]);
    return;
  }
  if (type === 'Timing') {
    const t = value as Timing;
    for (const e of t.event ?? []) addDates(out, code, 'dateTime', e);
    if (t.repeat?.boundsPeriod) addDates(out, code, 'Period', t.repeat.boundsPeriod);
  }
}

function addNumber(out: ExtractedIndex, code: string, type: string, value: unknown): void {
  if (typeof value === 'number') out.numbers.push([code, value, value]);
  else if (type === 'Range') {
    const r = value as Range;
    const low = typeof r.low?.value === 'number' ? r.low.value : null;
    const high = typeof r.high?.value === 'number' ? r.high.value : null;
    if (low !== null || high !== null) out.numbers.push([code, low, high]);
  }
}

function addQuantity(out: ExtractedIndex, code: string, value: unknown): void {
  if (typeof value === 'number') {
    out.quantities.push([code, value, null, null, null]);
    return;
  }
  const q = value as Quantity & { currency?: string };
  if (typeof q !== 'object' || typeof q.value !== 'number') return;
  out.quantities.push([code, q.value, q.system ?? (q.currency ? 'urn:iso:std:iso:4217' : null), q.code ?? q.currency ?? null, q.unit ?? null]);
}

/** Drops repeated rows (e.g. `name` and the family+given form being equal). */
function dedupe(out: ExtractedIndex): void {
  for (const key of Object.keys(out) as (keyof ExtractedIndex)[]) {
    const rows = out[key] as unknown[][];
    if (rows.length < 2) continue;
    const seen = new Set<string>();
    (out[key] as unknown[][]) = rows.filter((row) => {
      const k = row.join('\u0001');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
}
