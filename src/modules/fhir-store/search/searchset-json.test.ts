import { describe, expect, it } from 'vitest';
import { searchsetJson, type SearchsetText } from './search.service.js';

describe('searchsetJson', () => {
  const bundle = { resourceType: 'Bundle', type: 'searchset', total: 2, link: [{ relation: 'self', url: 'http://hub.test/fhir/Patient?family=%E7%8E%8B' }] } as const;

  it('splices the stored text of each match between the Bundle fields and the later entries, as valid JSON', () => {
    const result: SearchsetText = {
      bundle: { ...bundle, link: [...bundle.link] },
      // jsonb's own text form: spaces after separators, its own key order
      matches: [
        { fullUrl: 'http://hub.test/fhir/Patient/a', resourceType: 'Patient', id: 'a', versionId: 1, json: '{"id": "a", "name": [{"family": "王"}], "resourceType": "Patient"}' },
        { fullUrl: 'http://hub.test/fhir/Patient/b"', resourceType: 'Patient', id: 'b', versionId: 3, json: '{"id": "b", "resourceType": "Patient"}' },
      ],
      after: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'not-supported' }] }, search: { mode: 'outcome' } }],
    };
    expect(JSON.parse(searchsetJson(result))).toEqual({
      ...bundle,
      entry: [
        { fullUrl: 'http://hub.test/fhir/Patient/a', resource: { resourceType: 'Patient', id: 'a', name: [{ family: '王' }] }, search: { mode: 'match' } },
        { fullUrl: 'http://hub.test/fhir/Patient/b"', resource: { resourceType: 'Patient', id: 'b' }, search: { mode: 'match' } },
        { resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'not-supported' }] }, search: { mode: 'outcome' } },
      ],
    });
  });

  it('leaves entry out when nothing matched', () => {
    const text = searchsetJson({ bundle: { ...bundle, total: 0, link: [...bundle.link] }, matches: [], after: [] });
    expect(JSON.parse(text)).toEqual({ ...bundle, total: 0 });
    expect(text).not.toContain('entry');
  });
});
