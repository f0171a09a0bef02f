import { describe, expect, it } from 'vitest';
import { HubError } from '../../../platform/errors/index.js';
import { checkSubscription, parseChannelHeader, parseCriteria } from './subscription-check.js';
import { restHookSubscription } from './subscription-fixtures.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HubError ? err.code : 'not a HubError';
  }
  return undefined;
}

describe('Subscription checks', () => {
  it('splits criteria into a type and the store search query', () => {
    expect(parseCriteria('Observation?code=http://loinc.org|8867-4&subject=Patient/p1')).toEqual({
      resourceType: 'Observation',
      query: { code: 'http://loinc.org|8867-4', subject: 'Patient/p1' },
      queryString: 'code=http://loinc.org|8867-4&subject=Patient/p1',
    });
    expect(parseCriteria('Encounter').resourceType).toBe('Encounter');
    expect(parseCriteria('Observation?code=a&code=b').query).toEqual({ code: ['a', 'b'] });
  });

  it('rejects criteria the store could not evaluate', () => {
    for (const criteria of ['', 'Observation?nope=1', 'observation?code=1', 'Observation?date=gx2020', 'Observation?_include=Observation:subject', '/Observation?code=1']) {
      expect(code(() => parseCriteria(criteria)), criteria).toBe('SUBSCRIPTION_INVALID_CRITERIA');
    }
  });

  it('accepts rest-hook and websocket channels only', () => {
    expect(code(() => checkSubscription(restHookSubscription('https://his.example/hooks')))).toBeUndefined();
    expect(code(() => checkSubscription(restHookSubscription('', { channel: { type: 'websocket' } })))).toBeUndefined();
    expect(code(() => checkSubscription(restHookSubscription('', { channel: { type: 'message', endpoint: 'https://x' } })))).toBe('SUBSCRIPTION_UNSUPPORTED_CHANNEL');
  });

  it('reads channel headers as Name: value and refuses header injection', () => {
    expect(parseChannelHeader('Authorization: Bearer abc')).toEqual(['Authorization', 'Bearer abc']);
    expect(parseChannelHeader('X-Empty:')).toEqual(['X-Empty', '']);
    expect(code(() => parseChannelHeader('Authorization: a\r\nX-Evil: 1'))).toBe('SUBSCRIPTION_INVALID_HEADER');
    expect(code(() => parseChannelHeader('Bad Name: 1'))).toBe('SUBSCRIPTION_INVALID_HEADER');
  });
});
