import { describe, expect, it } from 'vitest';
import { HubError } from '../../../platform/errors/index.js';
import { parseExportRequest } from './export-request.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HubError ? err.code : 'not a HubError';
  }
  return undefined;
}

describe('parseExportRequest', () => {
  it('reads _type (repeated or comma-separated, de-duplicated, sorted) and _since', () => {
    const r = parseExportRequest('system', { _type: ['Patient,Observation', 'Patient'], _since: '2024-03-01T08:00:00+08:00' }, 'respond-async');
    expect(r).toEqual({ level: 'system', types: ['Observation', 'Patient'], since: new Date('2024-03-01T00:00:00Z') });
  });

  it('accepts the three spellings of NDJSON the IG allows', () => {
    for (const f of ['application/fhir+ndjson', 'application/ndjson', 'ndjson']) {
      expect(parseExportRequest('patient', { _outputFormat: f }, 'respond-async').level).toBe('patient');
    }
  });

  it('requires respond-async among the preferences', () => {
    expect(code(() => parseExportRequest('system', {}, undefined))).toBe('BULK_PREFER_ASYNC_REQUIRED');
    expect(code(() => parseExportRequest('system', {}, 'return=minimal'))).toBe('BULK_PREFER_ASYNC_REQUIRED');
    expect(code(() => parseExportRequest('system', {}, 'handling=lenient, respond-async'))).toBeUndefined();
  });

  it('rejects bad values', () => {
    expect(code(() => parseExportRequest('system', { _type: ',' }, 'respond-async'))).toBe('BULK_INVALID_PARAMETER');
    expect(code(() => parseExportRequest('system', { _type: 'patient' }, 'respond-async'))).toBe('BULK_INVALID_PARAMETER');
    expect(code(() => parseExportRequest('system', { _since: '2024-02-30T00:00:00Z' }, 'respond-async'))).toBe('BULK_INVALID_PARAMETER');
    expect(code(() => parseExportRequest('system', { _since: ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'] }, 'respond-async'))).toBe('BULK_INVALID_PARAMETER');
    expect(code(() => parseExportRequest('system', { _outputFormat: 'application/fhir+json' }, 'respond-async'))).toBe('BULK_INVALID_PARAMETER');
  });

  it('rejects unsupported parameters unless handling=lenient', () => {
    expect(code(() => parseExportRequest('system', { _elements: 'id' }, 'respond-async'))).toBe('BULK_UNSUPPORTED_PARAMETER');
    expect(code(() => parseExportRequest('system', { _elements: 'id' }, 'respond-async; handling=lenient'))).toBeUndefined();
  });
});
