import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  buildPatientSearch,
  computeAge,
  findResidentId,
  formatAddress,
  formatDate,
  formatHumanName,
  formatReferenceRange,
  maskIdNumber,
  pickLatestPerItem,
  sortByDateDesc,
  toObservationRow,
} from './fhir-format.js';

describe('patient search box', () => {
  it('searches an 18-character id number (check character X in either case) by identifier', () => {
    expect(buildPatientSearch(' 11010119580307123x ')).toEqual({ kind: 'identifier', params: { identifier: '11010119580307123X', _count: '50' } });
  });
  it('searches anything else by name', () => {
    expect(buildPatientSearch('欧阳晓明')).toEqual({ kind: 'name', params: { name: '欧阳晓明', _count: '50' } });
    expect(buildPatientSearch('张')).toMatchObject({ kind: 'name' });
    expect(buildPatientSearch('Zhang Wei')).toMatchObject({ kind: 'name' });
  });
  it('refuses digit strings of the wrong length instead of searching them as names', () => {
    expect(buildPatientSearch('11010119580307123')).toEqual({ kind: 'invalid', reason: 'invalidId' });
    expect(buildPatientSearch('1101011958030712345')).toEqual({ kind: 'invalid', reason: 'invalidId' });
  });
  it('refuses a single Latin letter or an empty box', () => {
    expect(buildPatientSearch('z')).toEqual({ kind: 'invalid', reason: 'tooShort' });
    expect(buildPatientSearch('   ')).toEqual({ kind: 'invalid', reason: 'tooShort' });
  });
});

describe('demographics', () => {
  it('writes Chinese names without spaces and Latin names given-first', () => {
    expect(formatHumanName([{ family: '欧阳', given: ['晓明'] }])).toBe('欧阳晓明');
    expect(formatHumanName([{ family: 'Zhang', given: ['Xiao', 'Ming'] }])).toBe('Xiao Ming Zhang');
    expect(formatHumanName([{ use: 'old', text: '旧名' }, { use: 'official', text: '新名' }])).toBe('新名');
    expect(formatHumanName(undefined)).toBe('');
  });

  it('computes age in whole years, before and after the birthday', () => {
    const now = new Date(2026, 2, 6); // 6 March 2026, local time
    expect(computeAge('1958-03-07', now)).toBe(67);
    expect(computeAge('1958-03-06', now)).toBe(68);
    expect(computeAge('1958', now)).toBe(68);
    expect(computeAge('not a date', now)).toBeUndefined();
    expect(computeAge('2030-01-01', now)).toBeUndefined();
  });

  it('finds the resident id by system, else by shape, and masks all but the last four', () => {
    expect(findResidentId([{ system: 'urn:mrn', value: 'MRN1' }, { system: 'urn:oid:2.16.156.10011.1.3', value: '110101195803071234' }])).toBe('110101195803071234');
    expect(findResidentId([{ value: '11010119580307123X' }])).toBe('11010119580307123X');
    expect(findResidentId([{ value: 'MRN1' }])).toBeUndefined();
    expect(maskIdNumber('110101195803071234')).toBe('**************1234');
    expect(maskIdNumber('123')).toBe('123');
    expect(maskIdNumber(undefined)).toBe('');
  });

  it('writes addresses in Chinese order', () => {
    expect(formatAddress([{ state: '江苏省', city: '协同市', district: '鼓楼区', line: ['中山路 18 号'] }])).toBe('江苏省协同市鼓楼区中山路 18 号');
    expect(formatAddress([{ text: '自带文本' }])).toBe('自带文本');
    expect(formatAddress([{ city: 'Nanjing', line: ['1 Road'] }])).toBe('Nanjing, 1 Road');
  });
});

describe('observation rows', () => {
  const base: Observation = { resourceType: 'Observation', status: 'final', code: { text: '空腹血糖' } };

  it('shows a quantity with unit, range and a high flag', () => {
    const row = toObservationRow({
      ...base,
      id: 'o1',
      effectiveDateTime: '2026-09-02',
      valueQuantity: { value: 8.2, unit: 'mmol/L' },
      referenceRange: [{ low: { value: 3.9 }, high: { value: 6.1 } }],
      interpretation: [{ coding: [{ code: 'H' }] }],
    });
    expect(row).toEqual({ id: 'o1', date: '2026-09-02', item: '空腹血糖', value: '8.2', unit: 'mmol/L', range: '3.9–6.1', flags: ['H'], abnormal: true });
  });

  it('treats N as normal and shows no flag for it', () => {
    const row = toObservationRow({ ...base, valueQuantity: { value: 5, unit: 'mmol/L' }, interpretation: [{ coding: [{ code: 'N' }] }] });
    expect(row.flags).toEqual([]);
    expect(row.abnormal).toBe(false);
  });

  it('joins blood-pressure components and carries their flags', () => {
    const row = toObservationRow({
      ...base,
      component: [
        { code: { text: 'sys' }, valueQuantity: { value: 152, unit: 'mmHg' }, interpretation: [{ coding: [{ code: 'H' }] }] },
        { code: { text: 'dia' }, valueQuantity: { value: 94, unit: 'mmHg' } },
      ],
    });
    expect(row).toMatchObject({ value: '152/94', unit: 'mmHg', flags: ['H'], abnormal: true });
  });

  it('rounds float noise and shows coded and text values', () => {
    expect(toObservationRow({ ...base, valueQuantity: { value: 0.1 + 0.2, unit: '%' } }).value).toBe('0.3');
    expect(toObservationRow({ ...base, valueCodeableConcept: { coding: [{ code: 'POS', display: '阳性' }] } }).value).toBe('阳性');
    expect(toObservationRow({ ...base, valueString: '未见异常' }).value).toBe('未见异常');
  });

  it('formats one-sided and text reference ranges', () => {
    expect(formatReferenceRange([{ low: { value: 60 } }])).toBe('≥ 60');
    expect(formatReferenceRange([{ high: { value: 5.2 } }])).toBe('≤ 5.2');
    expect(formatReferenceRange([{ text: '阴性' }])).toBe('阴性');
    expect(formatReferenceRange(undefined)).toBe('');
  });

  it('sorts newest first with undated rows last', () => {
    const sorted = sortByDateDesc([{ d: '2026-01-01' }, { d: undefined }, { d: '2026-03-01' }], (x) => x.d);
    expect(sorted.map((x) => x.d)).toEqual(['2026-03-01', '2026-01-01', undefined]);
  });
});

describe('dates', () => {
  it('keeps FHIR dates as they are and writes date-times in ISO order', () => {
    expect(formatDate('2026-09-02')).toBe('2026-09-02');
    expect(formatDate('2026-09')).toBe('2026-09');
    const local = new Date(2026, 8, 2, 9, 5);
    expect(formatDate(local.toISOString(), true)).toBe('2026-09-02 09:05');
    expect(formatDate(local.toISOString())).toBe('2026-09-02');
    expect(formatDate('garbage')).toBe('garbage');
    expect(formatDate(undefined)).toBe('');
  });
});

describe('latest values', () => {
  it('keeps the newest row of each item', () => {
    const row = (item: string, date: string, value: string) => ({ id: `${item}${date}`, item, date, value, unit: '', range: '', flags: [], abnormal: false });
    const latest = pickLatestPerItem([row('心率', '2025-12-09', '70'), row('心率', '2026-01-29', '49'), row('体重', '2025-12-09', '59.3')]);
    expect(latest.map((r) => [r.item, r.value])).toEqual([['心率', '49'], ['体重', '59.3']]);
  });
});
