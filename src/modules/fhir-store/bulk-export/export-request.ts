import { HubError } from '../../../platform/errors/index.js';
import { assertResourceType } from '../validation.js';
import { BulkExportErrors } from './errors.js';

/** What a kick-off asks for, after checking (https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters). */
export interface ExportRequest {
  level: 'system' | 'patient';
  /** `_type`: only these types (undefined: every type the level covers). */
  types?: string[];
  /** `_since`: only resources changed after this instant. */
  since?: Date;
}

const OUTPUT_FORMATS: ReadonlySet<string> = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
const KNOWN: ReadonlySet<string> = new Set(['_outputFormat', '_since', '_type']);
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** `new Date` rolls 2024-02-30 over to March; a FHIR instant must name a real day and time. */
function isCalendarDate(instant: string): boolean {
  const [y, m, d, hh, mm, ss] = instant.slice(0, 19).split(/[-T:]/).map(Number);
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate() && hh < 24 && mm < 60 && ss < 60;
}

function single(query: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    if (name === '_type') return value.join(',');
    throw new HubError(BulkExportErrors.INVALID_PARAMETER, `${name} may be given once`, { expression: [name] });
  }
  return value;
}

/**
 * Checks a kick-off request. `Prefer: respond-async` is required; parameters
 * the hub does not implement are a 400 unless the client sent
 * `Prefer: handling=lenient`, as the IG asks, so a client never receives a
 * wider export than it asked for without being told.
 */
export function parseExportRequest(level: ExportRequest['level'], query: Record<string, string | string[] | undefined>, prefer: string | undefined): ExportRequest {
  const preferences = (prefer ?? '').split(/[,;]/).map((p) => p.trim().toLowerCase());
  if (!preferences.includes('respond-async')) {
    throw new HubError(BulkExportErrors.PREFER_ASYNC_REQUIRED, 'Bulk export runs asynchronously: send Prefer: respond-async');
  }
  const lenient = preferences.includes('handling=lenient');
  for (const name of Object.keys(query)) {
    if (!KNOWN.has(name) && !lenient) {
      throw new HubError(BulkExportErrors.UNSUPPORTED_PARAMETER, `The export parameter ${name} is not supported (send Prefer: handling=lenient to ignore it)`, { expression: [name] });
    }
  }
  const format = single(query, '_outputFormat');
  if (format !== undefined && !OUTPUT_FORMATS.has(format)) {
    throw new HubError(BulkExportErrors.INVALID_PARAMETER, `_outputFormat "${format}" is not supported; use application/fhir+ndjson`, { expression: ['_outputFormat'] });
  }
  const out: ExportRequest = { level };
  const since = single(query, '_since');
  if (since !== undefined) {
    const date = new Date(since);
    if (!INSTANT_RE.test(since) || Number.isNaN(date.getTime()) || !isCalendarDate(since)) {
      throw new HubError(BulkExportErrors.INVALID_PARAMETER, `_since must be a FHIR instant (e.g. 2024-01-01T00:00:00Z), got "${since}"`, { expression: ['_since'] });
    }
    out.since = date;
  }
  const type = single(query, '_type');
  if (type !== undefined) {
    const types = [...new Set(type.split(',').map((t) => t.trim()).filter(Boolean))];
    if (types.length === 0) throw new HubError(BulkExportErrors.INVALID_PARAMETER, '_type is empty', { expression: ['_type'] });
    for (const t of types) {
      try {
        assertResourceType(t);
      } catch (err) {
        throw new HubError(BulkExportErrors.INVALID_PARAMETER, `_type names an unknown resource type "${t}"`, { expression: ['_type'], cause: err });
      }
    }
    out.types = types.sort();
  }
  return out;
}
