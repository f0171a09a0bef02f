import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { decodeLeafEvent, decodeLeafHeader, encodeLeaf } from './leaf.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace and undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, e: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same bytes for the same value built in another order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2], 名: '王' })).toBe(canonicalJson({ 名: '王', y: [1, 2], x: 1 }));
  });

  it('follows RFC 8785 for numbers, strings and key order by UTF-16 code units', () => {
    // RFC 8785 §3.2.3: sorting by UTF-16 code units puts the surrogate pair of U+1F600 (0xD83D…) before U+FB33.
    expect(canonicalJson({ '\ufb33': 3, '\ud83d\ude00': 2, '\u20ac': 1, '1': 5, '\r': 4 })).toBe(
      '{"\\r":4,"1":5,"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}',
    );
    expect(canonicalJson([1e21, 0.1, -0, 1.5e-7, 'a\nb\u0001"'])).toBe('[1e+21,0.1,0,1.5e-7,"a\\nb\\u0001\\""]');
    expect(canonicalJson([undefined, () => 1])).toBe('[null,null]');
    expect(canonicalJson({ when: new Date('2026-01-02T03:04:05Z') })).toBe('{"when":"2026-01-02T03:04:05.000Z"}');
  });

  it('orders integer-like keys as text, not as JavaScript orders them (10 before 9, both before a)', () => {
    expect(canonicalJson({ z: [{ b: 1, a: 2 }], y: { a: 3, 9: 'nine', 10: 'ten' } })).toBe('{"y":{"10":"ten","9":"nine","a":3},"z":[{"a":2,"b":1}]}');
    expect(() => canonicalJson({ y: { 10: Number.NaN } })).toThrow(/\$\.y\.10 is not a finite number/);
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/\$\.n is not a finite number/);
    expect(() => canonicalJson({ n: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 10n })).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});

describe('leaf encoding', () => {
  const event = { resourceType: 'AuditEvent', recorded: '2026-01-01T00:00:00.000Z', outcomeDesc: 'line1\nline2' } as never;

  it('round-trips header and event, with newlines in the event escaped', () => {
    const text = encodeLeaf({ logId: 'main', seq: 42, tenantId: 'hosp-1' }, event);
    expect(text.split('\n')).toHaveLength(5);
    expect(decodeLeafHeader(text)).toEqual({ logId: 'main', seq: 42, tenantId: 'hosp-1', eventOffset: text.lastIndexOf('\n') + 1 });
    expect(decodeLeafEvent(text)).toEqual(event);
  });

  it('does not read a header out of bytes that are not a v1 leaf', () => {
    expect(decodeLeafHeader('{"resourceType":"AuditEvent"}')).toBeUndefined();
    expect(decodeLeafHeader('xietong-audit-leaf/v2\nmain\n1\nt\n{}')).toBeUndefined();
    expect(decodeLeafHeader('xietong-audit-leaf/v1\nmain\n01\nt\n{}')).toBeUndefined();
    expect(decodeLeafHeader('xietong-audit-leaf/v1\nmain\n-1\nt\n{}')).toBeUndefined();
    expect(decodeLeafHeader('xietong-audit-leaf/v1\nmain\n1')).toBeUndefined();
    expect(decodeLeafEvent('xietong-audit-leaf/v1\nmain\n1\nt\n{not json')).toBeUndefined();
  });
});
