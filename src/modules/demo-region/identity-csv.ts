import { generateRegion, type IdentityRecord, type RegionOptions } from './generator.js';

/** Header of the generic identity evaluation layout read by `xietong identity eval`. */
export const IDENTITY_CSV_HEADER = 'record_id,entity_id,source,name,sex,birth_date,id_number,passport,phone,address';

/** Quotes a field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line (no line break) for a record. */
export function formatIdentityCsvRow(r: IdentityRecord): string {
  return [r.recordId, r.entityId, r.source, r.name, r.sex, r.birthDate, r.idNumber, r.passport, r.phone, r.address].map(csvField).join(',');
}

/**
 * The region's Patient records as CSV lines (header first, '\n' endings,
 * UTF-8 when written), generated lazily. entity_id is the true person key, so
 * a matcher can be scored; no clinical data is generated.
 */
export function* identityCsvLines(options: Omit<RegionOptions, 'clinical'>): Generator<string> {
  yield IDENTITY_CSV_HEADER;
  for (const chunk of generateRegion({ ...options, clinical: false })) {
    if (chunk.kind !== 'household') continue;
    for (const reg of chunk.registrations) yield formatIdentityCsvRow(reg.record);
  }
}
